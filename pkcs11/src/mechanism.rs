//! The signature mechanisms: `CKM_RSA_PKCS` over a DigestInfo the caller built (SHA-256,
//! SHA-384 or SHA-512, checked with mynacard's `is_digest_info`), and
//! `CKM_SHA256/384/512_RSA_PKCS`, hashed on the host (multi-part with `C_SignUpdate`), the
//! DigestInfo sent to the card, which adds the PKCS#1 v1.5 padding. No SHA-1 mechanism.
//! No PSS: the card's `80 2A` P1 values for PSS have a single source (docs/card-facts.md
//! §6) and the virtual card does not implement them, so nothing proves the card can do it
//! and `CKM_RSA_PKCS_PSS` is not offered.

use cryptoki_sys::*;
use mynacard::facts;
use sha2::{Digest, Sha256, Sha384, Sha512};
use zeroize::Zeroizing;

/// The mechanisms offered, in `C_GetMechanismList` order.
pub const MECHANISMS: [CK_MECHANISM_TYPE; 4] =
    [CKM_RSA_PKCS, CKM_SHA256_RSA_PKCS, CKM_SHA384_RSA_PKCS, CKM_SHA512_RSA_PKCS];

/// Longest input `CKM_RSA_PKCS` takes: a SHA-512 DigestInfo (19 + 64 bytes).
const MAX_RAW: usize = 83;

/// A signature being computed: the data so far.
pub enum Input {
    /// `CKM_RSA_PKCS`: the DigestInfo itself.
    Raw(Zeroizing<Vec<u8>>),
    /// `CKM_SHA256_RSA_PKCS`.
    Sha256(Sha256),
    /// `CKM_SHA384_RSA_PKCS`.
    Sha384(Sha384),
    /// `CKM_SHA512_RSA_PKCS`.
    Sha512(Sha512),
}

impl Input {
    /// Start a signature with `mechanism`, or `CKR_MECHANISM_INVALID`.
    pub fn new(mechanism: CK_MECHANISM_TYPE) -> Result<Input, CK_RV> {
        Ok(match mechanism {
            CKM_RSA_PKCS => Input::Raw(Zeroizing::new(Vec::new())),
            CKM_SHA256_RSA_PKCS => Input::Sha256(Sha256::new()),
            CKM_SHA384_RSA_PKCS => Input::Sha384(Sha384::new()),
            CKM_SHA512_RSA_PKCS => Input::Sha512(Sha512::new()),
            _ => return Err(CKR_MECHANISM_INVALID),
        })
    }

    /// Add data. `CKM_RSA_PKCS` takes at most one DigestInfo in all
    /// (`CKR_DATA_LEN_RANGE` past that).
    pub fn update(&mut self, data: &[u8]) -> Result<(), CK_RV> {
        match self {
            Input::Raw(buf) => {
                if buf.len().saturating_add(data.len()) > MAX_RAW {
                    return Err(CKR_DATA_LEN_RANGE);
                }
                buf.extend_from_slice(data);
            }
            Input::Sha256(h) => h.update(data),
            Input::Sha384(h) => h.update(data),
            Input::Sha512(h) => h.update(data),
        }
        Ok(())
    }

    /// The DigestInfo to send to the card. For `CKM_RSA_PKCS` the input must be a DER
    /// DigestInfo of SHA-256, SHA-384 or SHA-512: `CKR_DATA_INVALID` otherwise.
    pub fn digest_info(self) -> Result<Zeroizing<Vec<u8>>, CK_RV> {
        let (prefix, hash): (&[u8], Vec<u8>) = match self {
            Input::Raw(buf) => {
                return if mynacard::card::jpki::is_digest_info(&buf) {
                    Ok(buf)
                } else {
                    Err(CKR_DATA_INVALID)
                }
            }
            Input::Sha256(h) => (&facts::DIGEST_INFO_SHA256, h.finalize().to_vec()),
            Input::Sha384(h) => (&facts::DIGEST_INFO_SHA384, h.finalize().to_vec()),
            Input::Sha512(h) => (&facts::DIGEST_INFO_SHA512, h.finalize().to_vec()),
        };
        let mut di = Zeroizing::new(prefix.to_vec());
        di.extend_from_slice(&hash);
        Ok(di)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_digest_info_of_abc() {
        let mut i = Input::new(CKM_SHA256_RSA_PKCS).unwrap();
        i.update(b"a").unwrap();
        i.update(b"bc").unwrap();
        let di = i.digest_info().unwrap();
        assert_eq!(
            hex::encode(&*di),
            "3031300d060960864801650304020105000420\
             ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn sha384_and_512_prefixes() {
        let di = Input::new(CKM_SHA384_RSA_PKCS).unwrap().digest_info().unwrap();
        assert_eq!(di.len(), 19 + 48);
        assert!(mynacard::card::jpki::is_digest_info(&di));
        let di = Input::new(CKM_SHA512_RSA_PKCS).unwrap().digest_info().unwrap();
        assert_eq!(di.len(), 19 + 64);
        assert!(mynacard::card::jpki::is_digest_info(&di));
    }

    #[test]
    fn raw_takes_only_a_digest_info() {
        let mut i = Input::new(CKM_RSA_PKCS).unwrap();
        i.update(&[0u8; 32]).unwrap();
        assert_eq!(i.digest_info().err(), Some(CKR_DATA_INVALID));
        let mut good = facts::DIGEST_INFO_SHA256.to_vec();
        good.extend([7u8; 32]);
        let mut i = Input::new(CKM_RSA_PKCS).unwrap();
        i.update(&good).unwrap();
        assert_eq!(&*i.digest_info().unwrap(), &good);
        let mut i = Input::new(CKM_RSA_PKCS).unwrap();
        assert_eq!(i.update(&[0u8; 84]), Err(CKR_DATA_LEN_RANGE));
    }

    #[test]
    fn no_sha1_no_pss() {
        assert_eq!(Input::new(CKM_SHA1_RSA_PKCS).err(), Some(CKR_MECHANISM_INVALID));
        assert_eq!(Input::new(CKM_RSA_PKCS_PSS).err(), Some(CKR_MECHANISM_INVALID));
        assert!(!MECHANISMS.contains(&CKM_SHA1_RSA_PKCS));
    }
}
