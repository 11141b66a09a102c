//! Hash algorithms and the DER DigestInfo the card signs (RFC 8017 §9.2): the fixed prefix
//! from `facts` followed by the hash.

use std::io::Read;

use der::asn1::ObjectIdentifier;
use sha2::Digest;
use spki::AlgorithmIdentifierOwned;

use crate::facts;

/// The hash algorithms the card's DigestInfo may name.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum HashAlg {
    /// SHA-256 (the default).
    #[default]
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

/// A hash that does not fit its algorithm.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("a {alg} hash is {want} bytes, got {got}")]
pub struct DigestError {
    /// The algorithm.
    pub alg: HashAlg,
    /// Bytes it produces.
    pub want: usize,
    /// Bytes given.
    pub got: usize,
}

impl std::fmt::Display for HashAlg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for HashAlg {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().replace('-', "").as_str() {
            "sha256" => Ok(HashAlg::Sha256),
            "sha384" => Ok(HashAlg::Sha384),
            "sha512" => Ok(HashAlg::Sha512),
            _ => Err(format!("unknown hash algorithm {s:?}: use sha256, sha384 or sha512")),
        }
    }
}

impl HashAlg {
    /// Lower-case name (`sha256`), as OpenSSL spells it.
    pub fn name(self) -> &'static str {
        match self {
            HashAlg::Sha256 => "sha256",
            HashAlg::Sha384 => "sha384",
            HashAlg::Sha512 => "sha512",
        }
    }

    /// Length of the hash in bytes.
    pub fn output_len(self) -> usize {
        match self {
            HashAlg::Sha256 => 32,
            HashAlg::Sha384 => 48,
            HashAlg::Sha512 => 64,
        }
    }

    /// The algorithm's object identifier.
    pub fn oid(self) -> ObjectIdentifier {
        match self {
            HashAlg::Sha256 => const_oid::db::rfc5912::ID_SHA_256,
            HashAlg::Sha384 => const_oid::db::rfc5912::ID_SHA_384,
            HashAlg::Sha512 => const_oid::db::rfc5912::ID_SHA_512,
        }
    }

    /// The AlgorithmIdentifier (parameters absent, RFC 5754).
    pub fn algorithm_identifier(self) -> AlgorithmIdentifierOwned {
        AlgorithmIdentifierOwned { oid: self.oid(), parameters: None }
    }

    /// `sha*WithRSAEncryption` for this hash.
    pub fn rsa_signature_oid(self) -> ObjectIdentifier {
        match self {
            HashAlg::Sha256 => const_oid::db::rfc5912::SHA_256_WITH_RSA_ENCRYPTION,
            HashAlg::Sha384 => const_oid::db::rfc5912::SHA_384_WITH_RSA_ENCRYPTION,
            HashAlg::Sha512 => const_oid::db::rfc5912::SHA_512_WITH_RSA_ENCRYPTION,
        }
    }

    /// The DER DigestInfo prefix.
    pub fn digest_info_prefix(self) -> &'static [u8] {
        match self {
            HashAlg::Sha256 => &facts::DIGEST_INFO_SHA256,
            HashAlg::Sha384 => &facts::DIGEST_INFO_SHA384,
            HashAlg::Sha512 => &facts::DIGEST_INFO_SHA512,
        }
    }

    /// Hash bytes.
    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
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
            HashAlg::Sha256 => run::<sha2::Sha256>(reader),
            HashAlg::Sha384 => run::<sha2::Sha384>(reader),
            HashAlg::Sha512 => run::<sha2::Sha512>(reader),
        }
    }

    /// The DER DigestInfo of a hash made with this algorithm.
    pub fn digest_info(self, hash: &[u8]) -> Result<Vec<u8>, DigestError> {
        if hash.len() != self.output_len() {
            return Err(DigestError { alg: self, want: self.output_len(), got: hash.len() });
        }
        let mut out = self.digest_info_prefix().to_vec();
        out.extend_from_slice(hash);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use der::{Decode, Encode};

    /// The DigestInfo as a DER structure, to check the prefixes against an encoder.
    #[derive(der::Sequence)]
    struct DigestInfo {
        alg: AlgorithmIdentifierOwned,
        digest: der::asn1::OctetString,
    }

    #[test]
    fn prefixes_match_a_der_encoder_with_null_parameters() {
        for alg in [HashAlg::Sha256, HashAlg::Sha384, HashAlg::Sha512] {
            let hash = alg.digest(b"abc");
            let di = alg.digest_info(&hash).unwrap();
            let reference = DigestInfo {
                alg: AlgorithmIdentifierOwned {
                    oid: alg.oid(),
                    parameters: Some(der::asn1::Null.into()),
                },
                digest: der::asn1::OctetString::new(hash.clone()).unwrap(),
            };
            assert_eq!(di, reference.to_der().unwrap(), "{alg}");
            let back = DigestInfo::from_der(&di).unwrap();
            assert_eq!(back.digest.as_bytes(), &hash[..]);
            assert_eq!(alg.digest_reader(&b"abc"[..]).unwrap(), hash);
        }
    }

    #[test]
    fn known_sha256_digest_info() {
        let di = HashAlg::Sha256.digest_info(&HashAlg::Sha256.digest(b"abc")).unwrap();
        assert_eq!(
            hex::encode(di),
            "3031300d060960864801650304020105000420\
             ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn wrong_hash_length_and_names() {
        let err = HashAlg::Sha384.digest_info(&[0; 32]).unwrap_err();
        assert_eq!(err, DigestError { alg: HashAlg::Sha384, want: 48, got: 32 });
        assert_eq!(err.to_string(), "a sha384 hash is 48 bytes, got 32");
        assert_eq!("SHA-512".parse::<HashAlg>().unwrap(), HashAlg::Sha512);
        assert!("md5".parse::<HashAlg>().unwrap_err().contains("md5"));
        assert_eq!(HashAlg::default(), HashAlg::Sha256);
    }
}
