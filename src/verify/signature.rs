//! RSA PKCS#1 v1.5 signature primitives (hash algorithms, public keys from SPKI, the
//! algorithm-identifier table) and the raw-signature entry point [`verify_raw`]: a bare
//! PKCS#1 v1.5 signature over data, checked with a given certificate, then the certificate's
//! path and profile.

use const_oid::ObjectIdentifier;
use serde::Serialize;
use sha2::Digest;
use x509_cert::spki::SubjectPublicKeyInfoOwned;

use super::pkcs1::RsaKey;
use super::result::{Failure, Role, SignatureReport, VerifyError, VerifyReport};
use super::VerifyOptions;

/// sha1WithRSAEncryption.
pub const SHA1_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.5");
/// sha256WithRSAEncryption.
pub const SHA256_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");
/// sha384WithRSAEncryption.
pub const SHA384_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.12");
/// sha512WithRSAEncryption.
pub const SHA512_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.13");
/// rsaEncryption (CMS signatureAlgorithm meaning "PKCS#1 v1.5 with the digestAlgorithm").
pub const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
/// id-sha1.
pub const ID_SHA1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.14.3.2.26");
/// id-sha256.
pub const ID_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
/// id-sha384.
pub const ID_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.2");
/// id-sha512.
pub const ID_SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.3");

/// A hash function usable with PKCS#1 v1.5.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HashAlg {
    /// SHA-1: only to check certificates signed by old roots; reported as a warning.
    Sha1,
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl HashAlg {
    /// Digest of `data`.
    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            HashAlg::Sha1 => sha1::Sha1::digest(data).to_vec(),
            HashAlg::Sha256 => sha2::Sha256::digest(data).to_vec(),
            HashAlg::Sha384 => sha2::Sha384::digest(data).to_vec(),
            HashAlg::Sha512 => sha2::Sha512::digest(data).to_vec(),
        }
    }

    /// Name as in OpenSSL (`sha256`).
    pub fn name(self) -> &'static str {
        match self {
            HashAlg::Sha1 => "sha1",
            HashAlg::Sha256 => "sha256",
            HashAlg::Sha384 => "sha384",
            HashAlg::Sha512 => "sha512",
        }
    }

    /// From a digest-algorithm OID.
    pub fn from_digest_oid(oid: &ObjectIdentifier) -> Option<HashAlg> {
        [
            (ID_SHA1, HashAlg::Sha1),
            (ID_SHA256, HashAlg::Sha256),
            (ID_SHA384, HashAlg::Sha384),
            (ID_SHA512, HashAlg::Sha512),
        ]
        .into_iter()
        .find(|(o, _)| o == oid)
        .map(|(_, h)| h)
    }

    /// From a `…WithRSAEncryption` certificate signature algorithm OID.
    pub fn from_rsa_signature_oid(oid: &ObjectIdentifier) -> Option<HashAlg> {
        [
            (SHA1_WITH_RSA, HashAlg::Sha1),
            (SHA256_WITH_RSA, HashAlg::Sha256),
            (SHA384_WITH_RSA, HashAlg::Sha384),
            (SHA512_WITH_RSA, HashAlg::Sha512),
        ]
        .into_iter()
        .find(|(o, _)| o == oid)
        .map(|(_, h)| h)
    }
}

pub use super::names::oid_name;

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
        report.warnings.push("data signature uses SHA-1".to_string());
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_tables_round_trip() {
        for h in [HashAlg::Sha1, HashAlg::Sha256, HashAlg::Sha384, HashAlg::Sha512] {
            let len = h.digest(b"abc").len();
            assert_eq!(
                len,
                match h {
                    HashAlg::Sha1 => 20,
                    HashAlg::Sha256 => 32,
                    HashAlg::Sha384 => 48,
                    HashAlg::Sha512 => 64,
                }
            );
        }
        assert_eq!(HashAlg::from_rsa_signature_oid(&SHA256_WITH_RSA), Some(HashAlg::Sha256));
        assert_eq!(HashAlg::from_digest_oid(&ID_SHA512), Some(HashAlg::Sha512));
        assert_eq!(HashAlg::from_digest_oid(&RSA_ENCRYPTION), None);
        assert_eq!(oid_name(&SHA256_WITH_RSA), "sha256WithRSAEncryption");
        assert_eq!(
            hex::encode(HashAlg::Sha256.digest(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
