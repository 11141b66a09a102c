//! Verification throughput (`scripts/bench` runs it under `taskset -c 0`).
//!
//! Signs a document once on the in-process virtual card (default image) as CMS and as a raw
//! PKCS#1 v1.5 signature, then loops: `verify_cms` (CMS parse, signer signature, path to the
//! virtual card's signature root, JPKI profile, revocation from the municipality's CRL, loaded
//! once into a `CrlStore`) and `verify_raw` (same checks on a raw signature). Every verdict
//! must be valid. For scale, the `rsa` crate alone and AWS-LC (the verification backend)
//! alone on the same signature. Prints `<what>_per_cpu_s <n>` and `<what>_per_wall_s <n>` for
//! `cms`, `raw`, `rsa` and `lc`.
//!
//! Usage: verify_loop [SECONDS per measurement, default 3]

use std::time::{Duration, Instant};

use der::Encode;
use mynacard::card::{CertKind, Client, PinEntry, SignPassword};
use mynacard::sign::cms::{sign_detached, CmsOptions};
use mynacard::sign::sign_raw;
use mynacard::sim::card::{Profile, VirtualCard};
use mynacard::sim::image::CardImage;
use mynacard::sim::transport::SharedCard;
use mynacard::verify::crl::CrlStore;
use mynacard::verify::revocation::Revocation;
use mynacard::verify::{
    verify_cms, verify_raw, AnchorSource, HashAlg, RevocationPolicy, TrustAnchor, Verdict,
    VerifyOptions,
};

type Error = Box<dyn std::error::Error>;

const SIGN_ROOT: &[u8] = include_bytes!("../sim-image/default/pki/sign-root.der");
const SIGN_CRL: &[u8] = include_bytes!("../sim-image/default/pki/sign-crl-empty.der");
const DOCUMENT: &[u8] = b"mynacard verification benchmark document\n";

/// What the benchmarks verify: a CMS and a raw signature of [`DOCUMENT`] made on the virtual
/// card, its signature certificate, the root and the municipality's (empty) CRL.
pub struct Fixture {
    /// CMS SignedData (DER, detached).
    pub cms: Vec<u8>,
    /// Raw PKCS#1 v1.5 SHA-256 signature.
    pub raw: Vec<u8>,
    /// The signature certificate (DER).
    pub cert: Vec<u8>,
    /// The virtual card's signature root.
    pub anchor: TrustAnchor,
    /// Revocation from the CRL, required.
    pub revocation: Revocation,
}

impl Fixture {
    /// Sign once on the in-process virtual card.
    pub fn new() -> Result<Fixture, Error> {
        let shared =
            SharedCard::new(VirtualCard::new(CardImage::default_image(), Profile::default()));
        let mut client = Client::new(shared.transport());
        let password = SignPassword::new("MYNACARD1")?;
        let mut unlocked = client.unlock(PinEntry::Host(&password), false)?;
        let cert = unlocked.read_certificate(CertKind::Sign)?;
        let cms = sign_detached(DOCUMENT, &cert, &mut unlocked, &CmsOptions::default())?;
        let raw = sign_raw(DOCUMENT, mynacard::sign::HashAlg::Sha256, &mut unlocked)?;
        unlocked.finish()?;
        let anchor = TrustAnchor::from_der(SIGN_ROOT, AnchorSource::Extra, "virtual card root")?;
        let mut store = CrlStore::new();
        store.add_bytes("sign-crl-empty.der", SIGN_CRL)?;
        let revocation = Revocation::new(RevocationPolicy::Require).with_crls(store);
        Ok(Fixture { cms, raw, cert, anchor, revocation })
    }

    /// Verification options: the virtual card's root, revocation required.
    pub fn options(&self) -> VerifyOptions<'_> {
        VerifyOptions {
            extra_anchors: vec![self.anchor.clone()],
            revocation: Some(&self.revocation),
            ..VerifyOptions::default()
        }
    }

    /// Full verification of the CMS signature; the verdict.
    pub fn verify_cms(&self, opts: &VerifyOptions<'_>) -> Result<Verdict, Error> {
        Ok(verify_cms(Some(DOCUMENT), &self.cms, None, opts)?.verdict)
    }

    /// Full verification of the raw signature; the verdict.
    pub fn verify_raw(&self, opts: &VerifyOptions<'_>) -> Result<Verdict, Error> {
        Ok(verify_raw(DOCUMENT, &self.raw, &self.cert, HashAlg::Sha256, opts)?.verdict)
    }
}

/// CPU time this process has used (user + system), from `/proc/self/stat` (clock ticks of
/// 10 ms); `None` where that is not available.
fn cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name in parentheses: state is field 3, utime 14, stime 15.
    let rest = stat.get(stat.rfind(')')? + 2..)?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(Duration::from_millis((utime + stime) * 10))
}

/// Operations per second of `op` over about `span`: (per wall second, per CPU second). The CPU
/// figure is the one to compare with `openssl speed`, which also counts CPU time.
fn rate(span: Duration, mut op: impl FnMut() -> Result<(), Error>) -> Result<(f64, f64), Error> {
    op()?; // warm-up
    let (t0, c0) = (Instant::now(), cpu_time());
    let mut n = 0u64;
    while t0.elapsed() < span {
        for _ in 0..16 {
            op()?;
        }
        n += 16;
    }
    let wall = t0.elapsed().as_secs_f64();
    let cpu = match (c0, cpu_time()) {
        (Some(a), Some(b)) if b > a => (b - a).as_secs_f64(),
        _ => wall,
    };
    Ok((n as f64 / wall, n as f64 / cpu))
}

/// The `rsa` crate alone: one PKCS#1 v1.5 SHA-256 verification of the raw signature with a
/// key parsed once (the floor under every full verification).
pub fn rsa_only(f: &Fixture) -> Result<impl FnMut() -> Result<(), Error> + '_, Error> {
    use der::Decode;
    use rsa::pkcs1v15::Pkcs1v15Sign;
    use sha2::{Digest, Sha256};
    let cert = x509_cert::Certificate::from_der(&f.cert)?;
    let spki = cert.tbs_certificate.subject_public_key_info.to_der()?;
    let key = <rsa::RsaPublicKey as rsa::pkcs8::DecodePublicKey>::from_public_key_der(&spki)?;
    let hash = Sha256::digest(DOCUMENT);
    Ok(move || Ok(key.verify(Pkcs1v15Sign::new::<Sha256>(), &hash, &f.raw)?))
}

/// AWS-LC alone (the verification backend): one PKCS#1 v1.5 SHA-256 verification of the raw
/// signature with a key parsed once.
pub fn lc_only(f: &Fixture) -> Result<impl FnMut() -> Result<(), Error> + '_, Error> {
    use aws_lc_rs::signature::{ParsedPublicKey, RSA_PKCS1_2048_8192_SHA256};
    use der::Decode;
    let cert = x509_cert::Certificate::from_der(&f.cert)?;
    let pkcs1 = cert.tbs_certificate.subject_public_key_info.subject_public_key.raw_bytes();
    let key = ParsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, pkcs1)
        .map_err(|e| format!("AWS-LC rejects the key: {e}"))?;
    Ok(move || {
        key.verify_sig(DOCUMENT, &f.raw).map_err(|_| "AWS-LC: bad signature".to_string())?;
        Ok(())
    })
}

#[allow(dead_code)] // `benches/verify.rs` includes this file for the fixture only
fn main() -> Result<(), Error> {
    let secs: f64 = std::env::args().nth(1).map(|s| s.parse()).transpose()?.unwrap_or(3.0);
    let span = Duration::from_secs_f64(secs);
    let f = Fixture::new()?;
    let opts = f.options();
    let valid = |v: Verdict| -> Result<(), Error> {
        if v == Verdict::Valid {
            Ok(())
        } else {
            Err(format!("verdict {v:?}, expected valid").into())
        }
    };
    let cms = rate(span, || valid(f.verify_cms(&opts)?))?;
    let raw = rate(span, || valid(f.verify_raw(&opts)?))?;
    let rsa = rate(span, rsa_only(&f)?)?;
    let lc = rate(span, lc_only(&f)?)?;
    for (name, (wall, cpu)) in [("cms", cms), ("raw", raw), ("rsa", rsa), ("lc", lc)] {
        println!("{name}_per_cpu_s {cpu:.0}");
        println!("{name}_per_wall_s {wall:.0}");
    }
    Ok(())
}
