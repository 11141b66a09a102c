//! CMS and raw signatures checked by OpenSSL: a software RSA key that pads like the card
//! signs; `openssl cms -verify` and `openssl dgst -verify` must accept the result, and reject
//! it when the content is tampered with.

use std::time::{Duration, SystemTime};

use der::{Decode, Encode};
use mynacard::sign::{
    sign_detached, sign_detached_digest, sign_detached_reader, sign_raw, to_pem, CmsError,
    CmsOptions, DigestError, DigestInfoSigner, HashAlg, SignatureAlgorithm,
};
mod openssl_pki;

use openssl_pki::{dgst_verify, ok, pki, Pki};

fn cms_verify(pki: &Pki, sig: &str, content: &str, inform: &str) -> std::process::Output {
    openssl_pki::cms_verify(pki.dir.path(), sig, inform, Some(content), "root.pem", &[])
}

#[test]
fn openssl_verifies_our_cms_and_rejects_tampered_content() {
    let mut pki = pki();
    let content = b"This document was signed with a My Number Card.\n".repeat(100);
    std::fs::write(pki.path("doc.txt"), &content).unwrap();
    let cms = sign_detached(&content, &pki.ee_der.clone(), &mut pki.signer, &CmsOptions::default())
        .unwrap();
    assert_eq!(pki.signer.count, 1, "the signed attributes are signed exactly once");
    std::fs::write(pki.path("doc.p7s"), &cms).unwrap();
    let out = cms_verify(&pki, "doc.p7s", "doc.txt", "DER");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Verification successful"));

    let mut tampered = content.clone();
    tampered[10] ^= 1;
    std::fs::write(pki.path("tampered.txt"), &tampered).unwrap();
    let out = cms_verify(&pki, "doc.p7s", "tampered.txt", "DER");
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("content verify error"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn openssl_verifies_every_hash_and_signature_algorithm_and_pem() {
    let mut pki = pki();
    let content = b"hash agility";
    std::fs::write(pki.path("doc.txt"), content).unwrap();
    let cert = pki.ee_der.clone();
    for hash in [HashAlg::Sha256, HashAlg::Sha384, HashAlg::Sha512] {
        for signature_algorithm in
            [SignatureAlgorithm::RsaEncryption, SignatureAlgorithm::RsaWithDigest]
        {
            let opts = CmsOptions { hash, signature_algorithm, signing_time: None };
            let cms = sign_detached_reader(&content[..], &cert, &mut pki.signer, &opts).unwrap();
            std::fs::write(pki.path("doc.pem"), to_pem(&cms).unwrap()).unwrap();
            let out = cms_verify(&pki, "doc.pem", "doc.txt", "PEM");
            assert!(
                out.status.success(),
                "{hash} {signature_algorithm:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
}

#[test]
fn the_structure_holds_the_cades_attributes() {
    let mut pki = pki();
    let when = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000); // 2023-11-14T22:13:20Z
    let opts = CmsOptions { signing_time: Some(when), ..CmsOptions::default() };
    let cms = sign_detached(b"x", &pki.ee_der.clone(), &mut pki.signer, &opts).unwrap();
    let ci = cms::content_info::ContentInfo::from_der(&cms).unwrap();
    assert_eq!(ci.content_type, const_oid::db::rfc5911::ID_SIGNED_DATA);
    let sd: cms::signed_data::SignedData = ci.content.decode_as().unwrap();
    assert!(sd.encap_content_info.econtent.is_none(), "detached");
    let certs = sd.certificates.unwrap();
    let cert = match certs.0.get(0).unwrap() {
        cms::cert::CertificateChoices::Certificate(c) => c.to_der().unwrap(),
        _ => panic!("not a certificate"),
    };
    assert_eq!(cert, pki.ee_der);
    let si = sd.signer_infos.0.get(0).unwrap();
    assert!(matches!(si.sid, cms::signed_data::SignerIdentifier::IssuerAndSerialNumber(ref ias)
        if ias.serial_number.as_bytes() == [0x12, 0x34, 0xAB, 0xCD]));
    assert_eq!(si.signature_algorithm.oid, const_oid::db::rfc5912::RSA_ENCRYPTION);
    assert_eq!(si.signature.as_bytes().len(), 256);
    let attrs = si.signed_attrs.as_ref().unwrap();
    let find =
        |oid| attrs.iter().find(|a| a.oid == oid).unwrap().values.get(0).unwrap().to_der().unwrap();
    let md = find(const_oid::db::rfc5911::ID_MESSAGE_DIGEST);
    assert_eq!(&md[2..], &HashAlg::Sha256.digest(b"x")[..]);
    let time = find(const_oid::db::rfc5911::ID_SIGNING_TIME);
    assert_eq!(time, [&[0x17, 0x0D][..], b"231114221320Z"].concat(), "UTCTime");
    let ess = find(const_oid::db::rfc5911::ID_AA_SIGNING_CERTIFICATE_V_2);
    let cert_hash = HashAlg::Sha256.digest(&pki.ee_der);
    assert!(
        ess.windows(32).any(|w| w == &cert_hash[..]),
        "ESSCertIDv2 holds SHA-256 of the signer certificate"
    );
    assert!(
        !ess.windows(11)
            .any(|w| w == [0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01]),
        "the default hashAlgorithm (SHA-256) is omitted in DER"
    );
    assert_eq!(
        find(const_oid::db::rfc5911::ID_CONTENT_TYPE),
        const_oid::db::rfc5911::ID_DATA.to_der().unwrap()
    );
}

#[test]
fn openssl_verifies_raw_signatures() {
    let mut pki = pki();
    let content = b"raw PKCS#1 v1.5".repeat(1000);
    std::fs::write(pki.path("doc.bin"), &content).unwrap();
    for hash in [HashAlg::Sha256, HashAlg::Sha384, HashAlg::Sha512] {
        let sig = sign_raw(&content[..], hash, &mut pki.signer).unwrap();
        assert_eq!(sig.len(), 256);
        std::fs::write(pki.path("doc.sig"), &sig).unwrap();
        let out = dgst_verify(pki.dir.path(), hash.name(), "ee.pub", "doc.sig", "doc.bin");
        assert!(out.status.success(), "{hash}: {}", String::from_utf8_lossy(&out.stderr));
        assert!(String::from_utf8_lossy(&out.stdout).contains("Verified OK"));
    }
    std::fs::write(pki.path("doc.bin"), b"something else").unwrap();
    let out = dgst_verify(pki.dir.path(), "sha512", "ee.pub", "doc.sig", "doc.bin");
    assert!(!out.status.success());
}

#[derive(Debug, thiserror::Error)]
#[error("card said no")]
struct Refused;

struct Fake(Option<Vec<u8>>);

impl DigestInfoSigner for Fake {
    type Error = Refused;
    fn sign_digest_info(&mut self, _: &[u8]) -> Result<Vec<u8>, Refused> {
        self.0.clone().ok_or(Refused)
    }
}

struct FailingReader;

impl std::io::Read for FailingReader {
    fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
        Err(std::io::Error::other("disk on fire"))
    }
}

/// A certificate whose multi-valued RDN lists its SET OF members out of DER order: it parses,
/// but does not re-encode to the same bytes.
fn non_der_certificate(pki: &Pki) -> Vec<u8> {
    ok(
        pki.dir.path(),
        &[
            "req",
            "-x509",
            "-key",
            "ee.key",
            "-out",
            "multi.der",
            "-outform",
            "DER",
            "-days",
            "1",
            "-multivalue-rdn",
            "-subj",
            "/C=JP/CN=Signer 01+O=Org",
        ],
    );
    let mut der = std::fs::read(pki.path("multi.der")).unwrap();
    let o: Vec<u8> = [&[0x30, 0x0A, 0x06, 0x03, 0x55, 0x04, 0x0A, 0x0C, 0x03][..], b"Org"].concat();
    let cn: Vec<u8> =
        [&[0x30, 0x10, 0x06, 0x03, 0x55, 0x04, 0x03, 0x0C, 0x09][..], b"Signer 01"].concat();
    let sorted: Vec<u8> = [o.clone(), cn.clone()].concat();
    let at = der
        .windows(sorted.len())
        .position(|w| w == &sorted[..])
        .expect("OpenSSL wrote the RDN in DER order");
    der.splice(at..at + sorted.len(), [cn, o].concat());
    der
}

#[test]
fn cms_errors() {
    let pki = pki();
    let opts = CmsOptions::default();
    let err = sign_detached(b"x", &pki.ee_der, &mut Fake(None), &opts).unwrap_err();
    assert!(matches!(err, CmsError::Signer(Refused)));
    assert_eq!(err.to_string(), "the signer failed: card said no");
    let err = sign_detached(b"x", &pki.ee_der, &mut Fake(Some(vec![])), &opts).unwrap_err();
    assert!(matches!(err, CmsError::EmptySignature));
    let err = sign_detached_digest(&[0; 20], &pki.ee_der, &mut Fake(None), &opts).unwrap_err();
    assert!(matches!(err, CmsError::Digest(_)));
    assert!(err.to_string().contains("sha256"));
    let err = sign_detached(b"x", b"not a certificate", &mut Fake(None), &opts).unwrap_err();
    assert!(matches!(err, CmsError::Certificate(_)));
    let err = sign_detached(b"x", &non_der_certificate(&pki), &mut Fake(None), &opts).unwrap_err();
    assert!(matches!(err, CmsError::CertificateNotDer), "{err:?}");
    let far = SystemTime::UNIX_EPOCH + Duration::from_secs(300_000 * 365 * 86_400);
    let err = sign_detached(
        b"x",
        &pki.ee_der,
        &mut Fake(None),
        &CmsOptions { signing_time: Some(far), ..opts.clone() },
    )
    .unwrap_err();
    assert!(matches!(err, CmsError::SigningTime(_)), "{err:?}");
    let err = sign_detached_reader(FailingReader, &pki.ee_der, &mut Fake(None), &opts).unwrap_err();
    assert!(matches!(err, CmsError::Io(_)));
    assert!(err.to_string().contains("disk on fire"));
    let err = sign_raw(FailingReader, HashAlg::Sha256, &mut Fake(None)).unwrap_err();
    assert!(matches!(err, mynacard::sign::RawSignError::Io(_)));
    let err = sign_raw(&b"x"[..], HashAlg::Sha256, &mut Fake(None)).unwrap_err();
    assert!(matches!(err, mynacard::sign::RawSignError::Signer(Refused)));
    // SHA-1 is refused before the content is read and before the signer is asked (the
    // failing reader and a signer that would sign show neither is reached).
    let sha1 = DigestError::NotForSigning { alg: HashAlg::Sha1 };
    let mut signer = Fake(Some(vec![1]));
    let err = sign_raw(FailingReader, HashAlg::Sha1, &mut signer).unwrap_err();
    assert!(matches!(&err, mynacard::sign::RawSignError::Digest(e) if *e == sha1), "{err:?}");
    let sha1_opts = CmsOptions { hash: HashAlg::Sha1, ..opts.clone() };
    let err =
        sign_detached_reader(FailingReader, &pki.ee_der, &mut signer, &sha1_opts).unwrap_err();
    assert!(matches!(&err, CmsError::Digest(e) if *e == sha1), "{err:?}");
    let err = sign_detached(b"x", &pki.ee_der, &mut signer, &sha1_opts).unwrap_err();
    assert!(matches!(&err, CmsError::Digest(e) if *e == sha1), "{err:?}");
    assert!(err.to_string().contains("not for signing"), "{err}");
}
