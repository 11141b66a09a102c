//! The hash algorithms, one type for the crate: names, object identifiers, lengths and the
//! digest itself, used by the verifier (certificates, CRLs, CMS, raw signatures, OCSP
//! CertIDs), the signing layer and the command line.
//!
//! Why SHA-1 is a variant: the verifier must still check what old roots and OCSP responders
//! made with it (and reports it as a warning). Nothing new is made with it: the signing layer
//! refuses it (`sign::DigestError::NotForSigning`; the card's DigestInfo prefixes in `facts`
//! exist for SHA-256/384/512 only) and the command line's `--hash` does not offer it.

use std::io::Read;

use const_oid::db::rfc5912;
use const_oid::ObjectIdentifier;
use serde::Serialize;
use sha2::Digest;
use spki::AlgorithmIdentifierOwned;

/// A hash algorithm.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HashAlg {
    /// SHA-1: verification of old signatures and OCSP CertIDs only (see the module doc).
    Sha1,
    /// SHA-256 (the default).
    #[default]
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

/// (algorithm, name, output bytes, digest OID, `…WithRSAEncryption` OID).
const TABLE: [(HashAlg, &str, usize, ObjectIdentifier, ObjectIdentifier); 4] = [
    (HashAlg::Sha1, "sha1", 20, rfc5912::ID_SHA_1, rfc5912::SHA_1_WITH_RSA_ENCRYPTION),
    (HashAlg::Sha256, "sha256", 32, rfc5912::ID_SHA_256, rfc5912::SHA_256_WITH_RSA_ENCRYPTION),
    (HashAlg::Sha384, "sha384", 48, rfc5912::ID_SHA_384, rfc5912::SHA_384_WITH_RSA_ENCRYPTION),
    (HashAlg::Sha512, "sha512", 64, rfc5912::ID_SHA_512, rfc5912::SHA_512_WITH_RSA_ENCRYPTION),
];

impl std::fmt::Display for HashAlg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for HashAlg {
    type Err = String;
    /// `sha256`, `SHA-256`, …; SHA-1 too (a caller that signs refuses it, see the module doc).
    fn from_str(s: &str) -> Result<Self, String> {
        let want = s.to_ascii_lowercase().replace('-', "");
        TABLE
            .iter()
            .find(|r| r.1 == want)
            .map(|r| r.0)
            .ok_or_else(|| format!("unknown hash algorithm {s:?}: use sha256, sha384 or sha512"))
    }
}

impl HashAlg {
    /// Every algorithm.
    pub const ALL: [HashAlg; 4] =
        [HashAlg::Sha1, HashAlg::Sha256, HashAlg::Sha384, HashAlg::Sha512];

    fn row(self) -> &'static (HashAlg, &'static str, usize, ObjectIdentifier, ObjectIdentifier) {
        let [sha1, sha256, sha384, sha512] = &TABLE;
        match self {
            HashAlg::Sha1 => sha1,
            HashAlg::Sha256 => sha256,
            HashAlg::Sha384 => sha384,
            HashAlg::Sha512 => sha512,
        }
    }

    /// Lower-case name (`sha256`), as OpenSSL spells it.
    pub fn name(self) -> &'static str {
        self.row().1
    }

    /// Length of the hash in bytes.
    pub fn output_len(self) -> usize {
        self.row().2
    }

    /// The digest algorithm's object identifier.
    pub fn oid(self) -> ObjectIdentifier {
        self.row().3
    }

    /// The AlgorithmIdentifier (parameters absent, RFC 5754).
    pub fn algorithm_identifier(self) -> AlgorithmIdentifierOwned {
        AlgorithmIdentifierOwned { oid: self.oid(), parameters: None }
    }

    /// `sha*WithRSAEncryption` for this hash.
    pub fn rsa_signature_oid(self) -> ObjectIdentifier {
        self.row().4
    }

    /// From a digest-algorithm OID.
    pub fn from_digest_oid(oid: &ObjectIdentifier) -> Option<HashAlg> {
        TABLE.iter().find(|r| r.3 == *oid).map(|r| r.0)
    }

    /// From a `…WithRSAEncryption` signature-algorithm OID.
    pub fn from_rsa_signature_oid(oid: &ObjectIdentifier) -> Option<HashAlg> {
        TABLE.iter().find(|r| r.4 == *oid).map(|r| r.0)
    }

    /// Digest of `data`.
    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            HashAlg::Sha1 => sha1::Sha1::digest(data).to_vec(),
            HashAlg::Sha256 => sha2::Sha256::digest(data).to_vec(),
            HashAlg::Sha384 => sha2::Sha384::digest(data).to_vec(),
            HashAlg::Sha512 => sha2::Sha512::digest(data).to_vec(),
        }
    }

    /// Hash everything a reader yields, in constant memory.
    pub fn digest_reader(self, reader: impl Read) -> std::io::Result<Vec<u8>> {
        fn run<D: Digest>(mut reader: impl Read) -> std::io::Result<Vec<u8>> {
            let mut hasher = D::new();
            let mut buf = vec![0u8; 64 * 1024];
            loop {
                match reader.read(&mut buf) {
                    Ok(0) => return Ok(hasher.finalize().to_vec()),
                    Ok(n) => hasher.update(buf.get(..n).unwrap_or_default()),
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            }
        }
        match self {
            HashAlg::Sha1 => run::<sha1::Sha1>(reader),
            HashAlg::Sha256 => run::<sha2::Sha256>(reader),
            HashAlg::Sha384 => run::<sha2::Sha384>(reader),
            HashAlg::Sha512 => run::<sha2::Sha512>(reader),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_rows_match_their_variants_and_the_digests() {
        for h in HashAlg::ALL {
            assert_eq!(h.row().0, h);
            assert_eq!(h.digest(b"abc").len(), h.output_len(), "{h}");
            assert_eq!(h.digest_reader(&b"abc"[..]).unwrap(), h.digest(b"abc"));
            assert_eq!(HashAlg::from_digest_oid(&h.oid()), Some(h));
            assert_eq!(HashAlg::from_rsa_signature_oid(&h.rsa_signature_oid()), Some(h));
            assert_eq!(h.name().parse::<HashAlg>().unwrap(), h);
            assert_eq!(serde_json::to_value(h).unwrap(), h.name());
        }
        // Pinned against the RFCs' arcs, not the table.
        assert_eq!(HashAlg::Sha1.oid().to_string(), "1.3.14.3.2.26");
        assert_eq!(HashAlg::Sha512.oid().to_string(), "2.16.840.1.101.3.4.2.3");
        assert_eq!(HashAlg::Sha256.rsa_signature_oid().to_string(), "1.2.840.113549.1.1.11");
        assert_eq!(HashAlg::from_digest_oid(&rfc5912::RSA_ENCRYPTION), None);
        assert_eq!(HashAlg::from_rsa_signature_oid(&rfc5912::ID_SHA_256), None);
        assert_eq!(
            hex::encode(HashAlg::Sha256.digest(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!("SHA-512".parse::<HashAlg>().unwrap(), HashAlg::Sha512);
        assert!("md5".parse::<HashAlg>().unwrap_err().contains("md5"));
        assert_eq!(HashAlg::default(), HashAlg::Sha256);
    }
}
