//! The virtual card's own card-verifiable-certificate (CVC) hierarchy: CA keys, municipality
//! data-signing keys and the card keys of the text and card-face applications. Clearly not
//! J-LIS: every key ID starts with `9` (J-LIS production IDs start with `5`, the JPKI test
//! hierarchy's with `6`), so no verifier that trusts only J-LIS keys accepts this card's data.
//!
//! Keys are RSA-2048, e = 65537, deterministic from the image seed like the test PKI
//! ([`crate::sim::pki::generate_key`], streams [`STREAM_BASE`]…). The certificates have the
//! card's format (`carddata::cvc`, 568 bytes, RSASSA-PKCS1-v1_5 SHA-256 over the 297-byte
//! body by the CA key the 証明者鍵ID names). See `docs/card-image.md` for where each key and
//! certificate goes.

use std::fmt;

use rsa::traits::PublicKeyParts;
use rsa::{Pkcs1v15Sign, RsaPrivateKey, RsaPublicKey};

use crate::carddata::cvc::{Cvc, KeyId, RsaKeyRecord};
use crate::sim::pki::{self, PkiError};

/// First key stream of this hierarchy (the X.509 test PKI uses streams 0–5).
pub const STREAM_BASE: u64 = 0x20;

const fn key_id(number: &[u8; 7], generation: &[u8; 3], last: u8) -> KeyId {
    let [n0, n1, n2, n3, n4, n5, n6] = *number;
    let [g0, g1, g2] = *generation;
    KeyId([n0, n1, n2, n3, n4, n5, n6, 0x08, 0x05, g0, g1, g2, 0, 0, 0, last])
}

/// The key IDs of this hierarchy.
pub mod ids {
    use super::{key_id, KeyId};
    /// MF-level root `9000020/001` (last byte `A8`, like a real root ID): signs GET DATA 00F8.
    pub const MF_ROOT: KeyId = key_id(b"9000020", b"001", 0xA8);
    /// MF-level intermediate `9000021/001`, certified by the root in 00F8; signs 7F21.
    pub const MF_INTERMEDIATE: KeyId = key_id(b"9000021", b"001", 0x01);
    /// The key certified in GET DATA 7F21 `9000022/001` (a real card's purpose is unknown).
    pub const MF_NEXT: KeyId = key_id(b"9000022", b"001", 0x02);
    /// CA of the card-face application's EF 0004 `9000023/001`.
    pub const VISUAL_CA: KeyId = key_id(b"9000023", b"001", 0x00);
    /// CA of the text application's EF 0004 `9000033/001`.
    pub const TEXT_CA: KeyId = key_id(b"9000033", b"001", 0x00);
    /// The municipality's card-face data-signing key `9322100/000` (certified by
    /// [`VISUAL_CA`]).
    pub const VISUAL_SIGNER: KeyId = key_id(b"9322100", b"000", 0x00);
    /// The municipality's text data-signing key `9322101/000` (certified by [`TEXT_CA`]).
    pub const TEXT_SIGNER: KeyId = key_id(b"9322101", b"000", 0x00);
    /// Key ID in the card-face application's information (EF 0003 DF32), `9000024/001`.
    pub const VISUAL_INFO: KeyId = key_id(b"9000024", b"001", 0x00);
    /// Key ID in the text application's basic data (EF 0005 DF42), `9000034/001`.
    pub const TEXT_INFO: KeyId = key_id(b"9000034", b"001", 0x00);
}

/// A key of the hierarchy and its ID. `Debug` leaves out the private key.
#[derive(Clone)]
pub struct CvcKey {
    /// Its 16-byte ID.
    pub id: KeyId,
    /// The key.
    pub key: RsaPrivateKey,
}

impl fmt::Debug for CvcKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CvcKey({})", self.id)
    }
}

impl CvcKey {
    /// The public key as the card records it (`90 03 010001 91 82 0100 n`, 265 bytes).
    pub fn record(&self) -> RsaKeyRecord {
        key_record(&self.key.to_public_key())
    }

    /// Certify `key` under `subject`: the CVC this key signs.
    pub fn certify(&self, subject: &KeyId, key: &RsaPublicKey) -> Result<Cvc, PkiError> {
        let body = Cvc::body_for(&self.id, subject, &key_record(key));
        let signature = pki::sign_sha256(&self.key, &body)?;
        Cvc::from_body(&body, &signature).map_err(|e| PkiError::Der {
            what: "card-verifiable certificate",
            detail: e.to_string(),
        })
    }
}

/// The record form of an RSA public key.
pub fn key_record(key: &RsaPublicKey) -> RsaKeyRecord {
    RsaKeyRecord { exponent: key.e().to_bytes_be(), modulus: key.n().to_bytes_be() }
}

/// RSASSA-PKCS1-v1_5 over an already encoded DigestInfo (the card-face record's signature).
pub fn sign_digest_info(key: &RsaPrivateKey, digest_info: &[u8]) -> Result<Vec<u8>, PkiError> {
    key.sign(Pkcs1v15Sign::new_unprefixed(), digest_info)
        .map_err(|e| PkiError::Signing { bits: key.size() * 8, detail: e.to_string() })
}

/// The whole hierarchy of one virtual card: 8 keys.
#[derive(Clone, Debug)]
pub struct CvcPki {
    /// MF-level root (signs 00F8).
    pub mf_root: CvcKey,
    /// MF-level intermediate (certified in 00F8, signs 7F21). The key certified in 7F21 is
    /// the text application's card key under [`ids::MF_NEXT`] (what a real card's is is
    /// unknown; reusing a key keeps generation short).
    pub mf_intermediate: CvcKey,
    /// CA of the card-face EF 0004.
    pub visual_ca: CvcKey,
    /// CA of the text EF 0004.
    pub text_ca: CvcKey,
    /// Municipality key signing the card-face records.
    pub visual_signer: CvcKey,
    /// Municipality key signing the text records.
    pub text_signer: CvcKey,
    /// The card-face application's card key (EF 001A; public in DF12/DF24/DF42).
    pub visual_card: RsaPrivateKey,
    /// The text application's card key (EF 0013; public in EF 0007 DF51).
    pub text_card: RsaPrivateKey,
}

impl CvcPki {
    /// Generate the hierarchy from `seed` (eight RSA-2048 keys).
    pub fn generate(seed: u64) -> Result<CvcPki, PkiError> {
        let key = |n: u64| pki::generate_key(seed, STREAM_BASE + n, 2048);
        let with = |n: u64, id: KeyId| Ok::<_, PkiError>(CvcKey { id, key: key(n)? });
        Ok(CvcPki {
            mf_root: with(0, ids::MF_ROOT)?,
            mf_intermediate: with(1, ids::MF_INTERMEDIATE)?,
            visual_ca: with(2, ids::VISUAL_CA)?,
            text_ca: with(3, ids::TEXT_CA)?,
            visual_signer: with(4, ids::VISUAL_SIGNER)?,
            text_signer: with(5, ids::TEXT_SIGNER)?,
            visual_card: key(6)?,
            text_card: key(7)?,
        })
    }

    /// The CA keys a verifier of this card must be given: (file stem, key).
    pub fn ca_keys(&self) -> [(&'static str, &CvcKey); 3] {
        [
            ("cvc-ca-9000020", &self.mf_root),
            ("cvc-ca-9000023", &self.visual_ca),
            ("cvc-ca-9000033", &self.text_ca),
        ]
    }

    /// GET DATA 00F8: the root certifies the intermediate.
    pub fn mf_root_cvc(&self) -> Result<Cvc, PkiError> {
        self.mf_root.certify(&self.mf_intermediate.id, &self.mf_intermediate.key.to_public_key())
    }

    /// GET DATA 7F21: the intermediate certifies the next key.
    pub fn mf_next_cvc(&self) -> Result<Cvc, PkiError> {
        self.mf_intermediate.certify(&ids::MF_NEXT, &self.text_card.to_public_key())
    }

    /// Card-face EF 0004.
    pub fn visual_cvc(&self) -> Result<Cvc, PkiError> {
        self.visual_ca.certify(&self.visual_signer.id, &self.visual_signer.key.to_public_key())
    }

    /// Text EF 0004.
    pub fn text_cvc(&self) -> Result<Cvc, PkiError> {
        self.text_ca.certify(&self.text_signer.id, &self.text_signer.key.to_public_key())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_ours_not_jlis() {
        use crate::carddata::cvc::Hierarchy;
        for id in [
            ids::MF_ROOT,
            ids::MF_INTERMEDIATE,
            ids::MF_NEXT,
            ids::VISUAL_CA,
            ids::TEXT_CA,
            ids::VISUAL_SIGNER,
            ids::TEXT_SIGNER,
        ] {
            assert_eq!(id.hierarchy(), Hierarchy::Other, "{id}");
        }
        assert_eq!(hex::encode_upper(ids::MF_ROOT.0), "393030303032300805303031000000A8");
        assert_eq!(ids::VISUAL_CA.to_string(), "9000023/001");
        assert_eq!(Some(ids::TEXT_SIGNER), KeyId::from_parts("9322101", "000", 0));
    }
}
