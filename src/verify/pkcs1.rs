//! RSA PKCS#1 v1.5 signature verification for the whole verification layer: one key type
//! ([`RsaKey`], made from a SubjectPublicKeyInfo) and one check ([`RsaKey::verify`]: a signature
//! over an already computed digest). Signer signatures, certificate signatures, CRLs and OCSP
//! responses all go through here.
//!
//! Backend: AWS-LC (`aws-lc-rs`) for keys it accepts with a modulus of 1024 to 4096 bits, the
//! `rsa` crate for every other key. The `rsa` crate accepts keys of any size up to 4096 bits
//! and rejects larger ones; keys outside AWS-LC's range, or that AWS-LC rejects, keep exactly
//! the `rsa` crate's verdict (usable or not, signature good or not), so the backend never
//! changes which keys are usable. The key must be an `rsaEncryption` SPKI with NULL parameters
//! and no unused bits, as the `rsa` crate requires.

use aws_lc_rs::digest::{self as lc_digest, Digest as LcDigest};
use aws_lc_rs::signature::{self as lc, ParsedPublicKey, RsaParameters, UnparsedPublicKey};
use der::{Encode, Tag, Tagged};
use rsa::pkcs8::DecodePublicKey;
use rsa::{Pkcs1v15Sign, RsaPublicKey};
use x509_cert::spki::SubjectPublicKeyInfoOwned;

use crate::hash::HashAlg;
use const_oid::db::rfc5912::RSA_ENCRYPTION;

/// Largest modulus the `rsa` crate accepts (bits); AWS-LC is used up to here only.
const MAX_BITS: usize = 4096;
/// Smallest modulus AWS-LC's legacy PKCS#1 v1.5 parameters accept (bits).
const MIN_BITS: usize = 1024;

/// An RSA public key ready for PKCS#1 v1.5 verification.
#[derive(Clone)]
pub(crate) struct RsaKey(Backend);

#[derive(Clone)]
enum Backend {
    /// Parsed by AWS-LC (for SHA-256, the common case); its modulus size in bits.
    AwsLc { key: ParsedPublicKey, bits: usize },
    /// Parsed by the `rsa` crate.
    Rsa(RsaPublicKey),
}

impl std::fmt::Debug for RsaKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let backend = match &self.0 {
            Backend::AwsLc { bits, .. } => format!("aws-lc, {bits} bits"),
            Backend::Rsa(_) => "rsa".to_string(),
        };
        f.debug_tuple("RsaKey").field(&backend).finish()
    }
}

/// AWS-LC parameters for `hash` with a key of `bits`, when it has some.
fn lc_params(hash: HashAlg, bits: usize) -> Option<&'static RsaParameters> {
    let params = match hash {
        HashAlg::Sha1 => &lc::RSA_PKCS1_1024_8192_SHA1_FOR_LEGACY_USE_ONLY,
        HashAlg::Sha256 => &lc::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY,
        HashAlg::Sha384 if bits >= 2048 => &lc::RSA_PKCS1_2048_8192_SHA384,
        HashAlg::Sha384 => return None,
        HashAlg::Sha512 => &lc::RSA_PKCS1_1024_8192_SHA512_FOR_LEGACY_USE_ONLY,
    };
    Some(params)
}

fn lc_digest_alg(hash: HashAlg) -> &'static lc_digest::Algorithm {
    match hash {
        HashAlg::Sha1 => &lc_digest::SHA1_FOR_LEGACY_USE_ONLY,
        HashAlg::Sha256 => &lc_digest::SHA256,
        HashAlg::Sha384 => &lc_digest::SHA384,
        HashAlg::Sha512 => &lc_digest::SHA512,
    }
}

fn scheme(hash: HashAlg) -> Pkcs1v15Sign {
    match hash {
        HashAlg::Sha1 => Pkcs1v15Sign::new::<sha1::Sha1>(),
        HashAlg::Sha256 => Pkcs1v15Sign::new::<sha2::Sha256>(),
        HashAlg::Sha384 => Pkcs1v15Sign::new::<sha2::Sha384>(),
        HashAlg::Sha512 => Pkcs1v15Sign::new::<sha2::Sha512>(),
    }
}

/// Number of significant bits of a big-endian unsigned integer.
fn bit_len(be: &[u8]) -> usize {
    let mut bytes = be.iter().skip_while(|b| **b == 0);
    match bytes.next() {
        Some(first) => (8 - first.leading_zeros() as usize) + 8 * bytes.count(),
        None => 0,
    }
}

/// The modulus of a DER `RSAPublicKey` (PKCS#1), when it is well formed.
fn modulus(pkcs1: &[u8]) -> Option<&[u8]> {
    use der::{Decode, Reader, SliceReader};
    let mut r = SliceReader::new(pkcs1).ok()?;
    let n = r
        .sequence(|r| {
            let n = der::asn1::UintRef::decode(r)?;
            let _e = der::asn1::UintRef::decode(r)?;
            Ok(n)
        })
        .ok()?;
    r.finish(()).ok()?;
    Some(n.as_bytes())
}

impl RsaKey {
    /// The key of a SubjectPublicKeyInfo; `Err` says why it is unusable (the `rsa` crate's
    /// words).
    pub(crate) fn from_spki(spki: &SubjectPublicKeyInfoOwned) -> Result<Self, String> {
        let null_params = spki
            .algorithm
            .parameters
            .as_ref()
            .is_some_and(|p| p.tag() == Tag::Null && p.value().is_empty());
        let plain_rsa = spki.algorithm.oid == RSA_ENCRYPTION && null_params;
        if let (true, Some(pkcs1)) = (plain_rsa, spki.subject_public_key.as_bytes()) {
            let bits = modulus(pkcs1).map_or(0, bit_len);
            if (MIN_BITS..=MAX_BITS).contains(&bits) {
                let params = &lc::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY;
                if let Ok(key) = ParsedPublicKey::new(params, pkcs1) {
                    return Ok(RsaKey(Backend::AwsLc { key, bits }));
                }
            }
        }
        if spki.algorithm.oid != RSA_ENCRYPTION {
            return Err(format!(
                "key algorithm {} is not rsaEncryption (1.2.840.113549.1.1.1)",
                super::names::oid_name(&spki.algorithm.oid)
            ));
        }
        let der = spki.to_der().map_err(|e| e.to_string())?;
        RsaPublicKey::from_public_key_der(&der)
            .map(|k| RsaKey(Backend::Rsa(k)))
            .map_err(|e| e.to_string())
    }

    /// True when `sig` is a valid PKCS#1 v1.5 signature over `digest`, computed with `hash`.
    /// A digest of the wrong length for `hash` is never valid.
    pub(crate) fn verify(&self, hash: HashAlg, digest: &[u8], sig: &[u8]) -> bool {
        match &self.0 {
            Backend::AwsLc { key, bits } => {
                let Ok(d) = LcDigest::import_less_safe(digest, lc_digest_alg(hash)) else {
                    return false;
                };
                match (hash, lc_params(hash, *bits)) {
                    (HashAlg::Sha256, _) => key.verify_digest_sig(&d, sig).is_ok(),
                    (_, Some(params)) => {
                        UnparsedPublicKey::new(params, key.as_ref()).verify_digest(&d, sig).is_ok()
                    }
                    (_, None) => match rsa_from_pkcs1(key.as_ref()) {
                        Some(k) => k.verify(scheme(hash), digest, sig).is_ok(),
                        None => false,
                    },
                }
            }
            Backend::Rsa(key) => key.verify(scheme(hash), digest, sig).is_ok(),
        }
    }
}

fn rsa_from_pkcs1(pkcs1: &[u8]) -> Option<RsaPublicKey> {
    use rsa::pkcs1::DecodeRsaPublicKey;
    RsaPublicKey::from_pkcs1_der(pkcs1).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use der::asn1::BitString;
    use rsa::pkcs8::EncodePublicKey;
    use rsa::RsaPrivateKey;
    use x509_cert::spki::AlgorithmIdentifierOwned;

    fn spki_of(key: &RsaPublicKey) -> SubjectPublicKeyInfoOwned {
        use der::Decode;
        let der = key.to_public_key_der().unwrap();
        SubjectPublicKeyInfoOwned::from_der(der.as_bytes()).unwrap()
    }

    fn key(bits: usize) -> RsaPrivateKey {
        use rand::SeedableRng;
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(bits as u64);
        RsaPrivateKey::new(&mut rng, bits).unwrap()
    }

    fn sign(k: &RsaPrivateKey, hash: HashAlg, data: &[u8]) -> (Vec<u8>, Vec<u8>) {
        let digest = hash.digest(data);
        (digest.clone(), k.sign(scheme(hash), &digest).unwrap())
    }

    #[test]
    fn every_hash_verifies_on_both_backends_and_rejects_tampering() {
        for bits in [512, 1024, 2048] {
            let k = key(bits);
            let pubkey = RsaKey::from_spki(&spki_of(&k.to_public_key())).unwrap();
            let aws = matches!(pubkey.0, Backend::AwsLc { .. });
            assert_eq!(aws, bits >= 1024, "{bits}: {pubkey:?}");
            for hash in [HashAlg::Sha1, HashAlg::Sha256, HashAlg::Sha384, HashAlg::Sha512] {
                if bits == 512 && matches!(hash, HashAlg::Sha384 | HashAlg::Sha512) {
                    continue; // DigestInfo does not fit a 512-bit modulus
                }
                let (digest, sig) = sign(&k, hash, b"document");
                assert!(pubkey.verify(hash, &digest, &sig), "{bits} {hash:?}");
                let mut bad = sig.clone();
                if let Some(last) = bad.last_mut() {
                    *last ^= 1;
                }
                assert!(!pubkey.verify(hash, &digest, &bad), "{bits} {hash:?} tampered");
                let other = hash.digest(b"other document");
                assert!(!pubkey.verify(hash, &other, &sig), "{bits} {hash:?} other data");
                // Wrong digest length, truncated signature, other hash: never valid.
                assert!(!pubkey.verify(hash, &digest[1..], &sig));
                assert!(!pubkey.verify(hash, &digest, &sig[1..]));
                let wrong = if hash == HashAlg::Sha256 { HashAlg::Sha512 } else { HashAlg::Sha256 };
                assert!(!pubkey.verify(wrong, &wrong.digest(b"document"), &sig));
            }
        }
    }

    #[test]
    fn unusable_keys_are_rejected_as_the_rsa_crate_does() {
        let k = key(1024);
        // Above 4096 bits the rsa crate refuses the key (AWS-LC would take it): so do we.
        let mut n = vec![0xC5u8; 4104 / 8];
        if let Some(last) = n.last_mut() {
            *last |= 1;
        }
        let big = rsa::pkcs1::RsaPublicKey {
            modulus: der::asn1::UintRef::new(&n).unwrap(),
            public_exponent: der::asn1::UintRef::new(&[1, 0, 1]).unwrap(),
        }
        .to_der()
        .unwrap();
        let mut spki = spki_of(&k.to_public_key());
        spki.subject_public_key = BitString::from_bytes(&big).unwrap();
        let err = RsaKey::from_spki(&spki).unwrap_err();
        assert!(!err.is_empty());

        let mut spki = spki_of(&k.to_public_key());
        // Parameters absent: the rsa crate requires NULL.
        spki.algorithm = AlgorithmIdentifierOwned { oid: RSA_ENCRYPTION, parameters: None };
        assert!(RsaKey::from_spki(&spki).is_err());
        // Another algorithm OID.
        let mut other = spki_of(&k.to_public_key());
        other.algorithm.oid = const_oid::db::rfc5912::SHA_256_WITH_RSA_ENCRYPTION;
        assert!(RsaKey::from_spki(&other).is_err());
        // Garbage key bits.
        let mut garbage = spki_of(&k.to_public_key());
        garbage.subject_public_key =
            BitString::from_bytes(&[0x30, 0x03, 0x02, 0x01, 0x05]).unwrap();
        assert!(RsaKey::from_spki(&garbage).is_err());
    }

    #[test]
    fn bit_lengths() {
        assert_eq!(bit_len(&[]), 0);
        assert_eq!(bit_len(&[0, 0]), 0);
        assert_eq!(bit_len(&[0, 1]), 1);
        assert_eq!(bit_len(&[0x80, 0]), 16);
        assert_eq!(bit_len(&[0, 0x7f, 0xff]), 15);
        assert_eq!(modulus(&[0x30, 0x00]), None);
    }
}
