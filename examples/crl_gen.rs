//! Generates a large JPKI-shaped CRL for benchmarks and tests: `count` entries with serials
//! 1, 3, 5, … (odd numbers; even serials are absent), every 10th entry certificateHold, the
//! others keyCompromise, an issuingDistributionPoint DirName copied from a certificate's
//! cRLDistributionPoints, and an authorityKeyIdentifier. The entries are written directly as
//! DER and the tbsCertList is signed once with the `rsa` crate (sha256WithRSAEncryption).
//!
//! Usage: crl_gen ROOT_KEY.pem ROOT_CERT.pem EE_CERT.pem COUNT OUT.der [VALID_HOURS]

use std::time::{Duration, SystemTime};

use der::{Decode, DecodePem, Encode};
use rsa::pkcs8::DecodePrivateKey;
use rsa::signature::{SignatureEncoding, Signer};
use x509_cert::Certificate;

/// DER TLV with a definite length.
pub fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(content.len() + 6);
    out.push(tag);
    push_len(&mut out, content.len());
    out.extend_from_slice(content);
    out
}

fn push_len(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = (len as u64).to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (8 - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
}

/// UTCTime for a SystemTime (years 1950–2049).
pub fn utc_time(t: SystemTime) -> Vec<u8> {
    let secs = t.duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default().as_secs() as i64;
    let dt =
        time::OffsetDateTime::from_unix_timestamp(secs).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let s = format!(
        "{:02}{:02}{:02}{:02}{:02}{:02}Z",
        dt.year() % 100,
        dt.month() as u8,
        dt.day(),
        dt.hour(),
        dt.minute(),
        dt.second()
    );
    tlv(0x17, s.as_bytes())
}

/// Minimal DER INTEGER content for a non-negative number.
pub fn int_content(n: u64) -> Vec<u8> {
    let bytes = n.to_be_bytes();
    let skip = bytes.iter().take_while(|b| **b == 0).count().min(7);
    let mut v = bytes[skip..].to_vec();
    if v[0] & 0x80 != 0 {
        v.insert(0, 0);
    }
    v
}

/// Parameters of a generated CRL.
pub struct CrlSpec<'a> {
    /// Issuer Name DER.
    pub issuer: &'a [u8],
    /// IDP DirName DER, if any.
    pub idp_dirname: Option<&'a [u8]>,
    /// AKI key id, if any.
    pub aki: Option<&'a [u8]>,
    /// thisUpdate.
    pub this_update: SystemTime,
    /// nextUpdate.
    pub next_update: SystemTime,
    /// (serial content bytes, reason code or None) of each entry.
    pub count: u64,
    /// Extra raw Extension DERs appended to crlExtensions.
    pub extra_extensions: Vec<Vec<u8>>,
}

const SHA256_RSA: [u8; 15] =
    [0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b, 0x05, 0x00];

/// Builds and signs the CRL; entry i (0-based) has serial 2i+1.
pub fn build_crl(spec: &CrlSpec<'_>, key: &rsa::RsaPrivateKey) -> Vec<u8> {
    let date = utc_time(spec.this_update);
    let mut entries = Vec::with_capacity(spec.count as usize * 40);
    for i in 0..spec.count {
        let reason = if i % 10 == 9 { 6u8 } else { 1u8 };
        let ext =
            tlv(0x30, &[tlv(0x06, &[0x55, 0x1d, 0x15]), tlv(0x04, &tlv(0x0a, &[reason]))].concat());
        let entry = tlv(
            0x30,
            &[tlv(0x02, &int_content(2 * i + 1)), date.clone(), tlv(0x30, &ext)].concat(),
        );
        entries.extend_from_slice(&entry);
    }
    let mut exts = Vec::new();
    if let Some(dn) = spec.idp_dirname {
        let idp = tlv(0x30, &tlv(0xa0, &tlv(0xa0, &tlv(0xa4, dn))));
        exts.extend(tlv(
            0x30,
            &[tlv(0x06, &[0x55, 0x1d, 0x1c]), tlv(0x01, &[0xff]), tlv(0x04, &idp)].concat(),
        ));
    }
    if let Some(k) = spec.aki {
        let aki = tlv(0x30, &tlv(0x80, k));
        exts.extend(tlv(0x30, &[tlv(0x06, &[0x55, 0x1d, 0x23]), tlv(0x04, &aki)].concat()));
    }
    for e in &spec.extra_extensions {
        exts.extend_from_slice(e);
    }
    let mut tbs_content = [
        tlv(0x02, &[1]),
        SHA256_RSA.to_vec(),
        spec.issuer.to_vec(),
        date.clone(),
        utc_time(spec.next_update),
    ]
    .concat();
    if spec.count > 0 {
        tbs_content.extend(tlv(0x30, &entries));
    }
    drop(entries);
    if !exts.is_empty() {
        tbs_content.extend(tlv(0xa0, &tlv(0x30, &exts)));
    }
    let tbs = tlv(0x30, &tbs_content);
    drop(tbs_content);
    let signer = rsa::pkcs1v15::SigningKey::<sha2::Sha256>::new(key.clone());
    let sig = signer.sign(&tbs).to_vec();
    let mut bits = vec![0u8];
    bits.extend_from_slice(&sig);
    tlv(0x30, &[tbs, SHA256_RSA.to_vec(), tlv(0x03, &bits)].concat())
}

/// The SKI of a certificate, if any.
pub fn ski(cert: &Certificate) -> Option<Vec<u8>> {
    cert.tbs_certificate
        .extensions
        .iter()
        .flatten()
        .find(|e| e.extn_id.to_string() == "2.5.29.14")
        .and_then(|e| der::asn1::OctetString::from_der(e.extn_value.as_bytes()).ok())
        .map(|o| o.as_bytes().to_vec())
}

#[allow(dead_code)]
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 6 {
        return Err(
            "usage: crl_gen ROOT_KEY.pem ROOT_CERT.pem EE_CERT.pem COUNT OUT.der [VALID_HOURS]"
                .into(),
        );
    }
    let key = rsa::RsaPrivateKey::from_pkcs8_pem(&std::fs::read_to_string(&args[1])?)?;
    let root = Certificate::from_pem(std::fs::read(&args[2])?)?;
    let ee = Certificate::from_pem(std::fs::read(&args[3])?)?;
    let count: u64 = args[4].parse()?;
    let hours: u64 = args.get(6).map(|h| h.parse()).transpose()?.unwrap_or(24);
    let dps = mynacard::verify::crl::certificate_dp_dirnames(&ee)?;
    let issuer = root.tbs_certificate.subject.to_der()?;
    let now = SystemTime::now();
    let aki = ski(&root);
    let spec = CrlSpec {
        issuer: &issuer,
        idp_dirname: dps.first().map(|d| d.as_slice()),
        aki: aki.as_deref(),
        this_update: now - Duration::from_secs(60),
        next_update: now + Duration::from_secs(hours * 3600),
        count,
        extra_extensions: Vec::new(),
    };
    let crl = build_crl(&spec, &key);
    std::fs::write(&args[5], &crl)?;
    eprintln!("wrote {} entries, {} bytes to {}", count, crl.len(), args[5]);
    Ok(())
}
