//! The DER DigestInfo the card signs (RFC 8017 §9.2): the fixed prefix from `facts` followed
//! by the hash, for the algorithms of [`crate::hash`] that are signed with.

use crate::facts;

pub use crate::hash::HashAlg;

/// A hash that cannot go into the card's DigestInfo.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DigestError {
    /// The hash does not fit its algorithm.
    #[error("a {alg} hash is {want} bytes, got {got}")]
    WrongLength {
        /// The algorithm.
        alg: HashAlg,
        /// Bytes it produces.
        want: usize,
        /// Bytes given.
        got: usize,
    },
    /// An algorithm nothing new is signed with (SHA-1; `crate::hash` says why).
    #[error("{alg} is accepted for verifying old signatures only, not for signing")]
    NotForSigning {
        /// The algorithm.
        alg: HashAlg,
    },
}

/// What the signing layer adds to [`HashAlg`]: the DigestInfo the card signs.
impl HashAlg {
    /// The DER DigestInfo prefix; `None` for SHA-1, which is not signed with.
    pub fn digest_info_prefix(self) -> Option<&'static [u8]> {
        match self {
            HashAlg::Sha1 => None,
            HashAlg::Sha256 => Some(&facts::DIGEST_INFO_SHA256),
            HashAlg::Sha384 => Some(&facts::DIGEST_INFO_SHA384),
            HashAlg::Sha512 => Some(&facts::DIGEST_INFO_SHA512),
        }
    }

    /// The DER DigestInfo of a hash made with this algorithm.
    pub fn digest_info(self, hash: &[u8]) -> Result<Vec<u8>, DigestError> {
        let prefix = self.digest_info_prefix().ok_or(DigestError::NotForSigning { alg: self })?;
        if hash.len() != self.output_len() {
            return Err(DigestError::WrongLength {
                alg: self,
                want: self.output_len(),
                got: hash.len(),
            });
        }
        let mut out = prefix.to_vec();
        out.extend_from_slice(hash);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use der::{Decode, Encode};
    use spki::AlgorithmIdentifierOwned;

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
        assert_eq!(err, DigestError::WrongLength { alg: HashAlg::Sha384, want: 48, got: 32 });
        assert_eq!(err.to_string(), "a sha384 hash is 48 bytes, got 32");
    }

    #[test]
    fn sha1_is_not_signed_with() {
        let sha1 = HashAlg::Sha1.digest(b"abc");
        let err = HashAlg::Sha1.digest_info(&sha1).unwrap_err();
        assert_eq!(err, DigestError::NotForSigning { alg: HashAlg::Sha1 });
        assert_eq!(
            err.to_string(),
            "sha1 is accepted for verifying old signatures only, not for signing"
        );
        assert_eq!(HashAlg::Sha1.digest_info_prefix(), None);
    }
}
