//! RSA PKCS#1 v1.5 signature primitives (public keys from SPKI; hash algorithms are
//! [`crate::hash`]) and the raw-signature entry point [`verify_raw`]: a bare
//! PKCS#1 v1.5 signature over data, checked with a given certificate, then the certificate's
//! path and profile.

use x509_cert::spki::SubjectPublicKeyInfoOwned;

use super::pkcs1::RsaKey;
use super::result::{Failure, Role, SignatureReport, VerifyError, VerifyReport};
use super::VerifyOptions;

pub use super::names::oid_name;
pub use crate::hash::HashAlg;

/// The RSA public key of a SubjectPublicKeyInfo.
pub(crate) fn rsa_key(spki: &SubjectPublicKeyInfoOwned, role: Role) -> Result<RsaKey, Failure> {
    RsaKey::from_spki(spki).map_err(|why| Failure::UnusableKey { role, why })
}

/// Checks a PKCS#1 v1.5 signature over `hashed` (already hashed with `hash`).
pub(crate) fn pkcs1v15_ok(key: &RsaKey, hash: HashAlg, hashed: &[u8], sig: &[u8]) -> bool {
    key.verify(hash, hashed, sig)
}

/// Verifies a raw PKCS#1 v1.5 signature `sig` over `data` (hashed with `hash`) made with the
/// key of `cert_der`, then the certificate's path, profile and revocation.
pub fn verify_raw(
    data: &[u8],
    sig: &[u8],
    cert_der: &[u8],
    hash: HashAlg,
    opts: &VerifyOptions<'_>,
) -> Result<VerifyReport, VerifyError> {
    let parsed = super::path::ParsedCert::parse(cert_der)?;
    let mut report = VerifyReport::new(super::path::basis(opts.at), opts.policy);
    let ok = match rsa_key(&parsed.cert.tbs_certificate.subject_public_key_info, Role::EndEntity) {
        Ok(key) => {
            let ok = pkcs1v15_ok(&key, hash, &hash.digest(data), sig);
            report.check(
                "data_signature",
                (!ok).then(|| Failure::BadSignature { what: "data".into() }),
            );
            ok
        }
        Err(f) => {
            report.check("data_signature", Some(f));
            false
        }
    };
    if hash == HashAlg::Sha1 {
        report.warnings.push(super::result::Warning::DataSha1);
    }
    report.signature = Some(SignatureReport {
        format: "raw",
        ok,
        hash: hash.name().to_string(),
        signature_algorithm: "rsassa-pkcs1-v1_5".to_string(),
        signed_attributes: None,
        signing_time: None,
        content_type: None,
        detached: None,
        signer_certificate_from: None,
    });
    super::path::judge(&parsed, opts, None, &mut report)?;
    Ok(report)
}
