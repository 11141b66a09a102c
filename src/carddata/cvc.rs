//! Card-verifiable certificates (CVC) of the My Number Card and the RSA key records inside
//! them and inside the card's data records. Format only: checking a signature is the
//! verifier's job (`verify::authenticity`).
//!
//! Facts (the myna-card crate and jsapdu, recomputed on a real JPKI test card):
//! `7F21 82 0233 { 5F4E 82 0129 body(297) ; 5F37 82 0100 signature(256) }`, 568 bytes. The
//! body is 証明者鍵ID (16) ‖ 被証明者鍵ID (16) ‖ key record (265). No dates, no roles. The
//! signature is RSASSA-PKCS1-v1_5 with SHA-256 over the 297 body bytes (the `5F4E` value
//! only) by the CA key the 証明者鍵ID names. A key record is `90 03 <e> 91 82 0100 <n>`.
//! Key IDs: 7 ASCII digits ‖ `08 05` ‖ 3 ASCII digits ‖ `00 00 00` ‖ 1 byte, shown
//! `NNNNNNN/GGG`; a leading `5` is J-LIS production, `6` the JPKI test hierarchy. Compare all
//! 16 bytes. Parsing is lenient where the facts have one source: any definite BER length,
//! any body length of at least the two IDs plus a key record.

use crate::tlv::{self, TlvError};

/// Tag of the certificate.
pub const TAG_CVC: u32 = 0x7F21;
/// Tag of the certificate body.
pub const TAG_BODY: u32 = 0x5F4E;
/// Tag of the signature.
pub const TAG_SIGNATURE: u32 = 0x5F37;
/// Tag of a key record's public exponent.
pub const TAG_EXPONENT: u32 = 0x90;
/// Tag of a key record's modulus.
pub const TAG_MODULUS: u32 = 0x91;
/// Length of a key ID.
pub const KEY_ID_LEN: usize = 16;

/// A 16-byte key ID (証明者鍵ID / 被証明者鍵ID).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyId(pub [u8; KEY_ID_LEN]);

/// Which hierarchy a key ID belongs to, by its first digit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hierarchy {
    /// `5…`: J-LIS production.
    Production,
    /// `6…`: the JPKI test hierarchy.
    Test,
    /// Anything else (our virtual card's own hierarchy uses `9…`).
    Other,
}

impl KeyId {
    /// Build a key ID from its printable parts: 7 digits, 3 digits and the last byte.
    /// `None` unless the parts are ASCII digits of those lengths.
    pub fn from_parts(number: &str, generation: &str, last: u8) -> Option<KeyId> {
        let (n, g) = (number.as_bytes(), generation.as_bytes());
        if n.len() != 7 || g.len() != 3 || !n.iter().chain(g).all(u8::is_ascii_digit) {
            return None;
        }
        let mut id = [0u8; KEY_ID_LEN];
        id[..7].copy_from_slice(n);
        id[7..9].copy_from_slice(&[0x08, 0x05]);
        id[9..12].copy_from_slice(g);
        id[15] = last;
        Some(KeyId(id))
    }

    /// From 16 bytes.
    pub fn from_slice(b: &[u8]) -> Option<KeyId> {
        b.try_into().ok().map(KeyId)
    }

    /// The hierarchy its first digit names.
    pub fn hierarchy(&self) -> Hierarchy {
        match self.0[0] {
            b'5' => Hierarchy::Production,
            b'6' => Hierarchy::Test,
            _ => Hierarchy::Other,
        }
    }
}

impl std::fmt::Display for KeyId {
    /// `NNNNNNN/GGG` when the ID has the usual shape, else its hex.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let b = &self.0;
        let digits = |r: std::ops::Range<usize>| {
            b.get(r).filter(|d| d.iter().all(u8::is_ascii_digit)).map(String::from_utf8_lossy)
        };
        match (digits(0..7), b.get(7..9), digits(9..12)) {
            (Some(number), Some([0x08, 0x05]), Some(generation)) => {
                write!(f, "{number}/{generation}")
            }
            _ => f.write_str(&hex::encode_upper(b)),
        }
    }
}

impl std::fmt::Debug for KeyId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "KeyId({self} = {})", hex::encode_upper(self.0))
    }
}

/// Why bytes are not a CVC or key record.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CvcError {
    /// The TLV structure is broken.
    #[error("{what}: {source}")]
    Tlv {
        /// What was being read.
        what: &'static str,
        /// The TLV error.
        source: TlvError,
    },
    /// An object has the wrong tag.
    #[error("{what}: expected tag {expected:X}, found {found:X}")]
    WrongTag {
        /// What was being read.
        what: &'static str,
        /// The tag wanted.
        expected: u32,
        /// The tag found.
        found: u32,
    },
    /// A part is missing.
    #[error("{0} is missing")]
    Missing(&'static str),
    /// The body is too short for two key IDs and a key record.
    #[error("certificate body of {0} bytes is too short for two key IDs and a key")]
    ShortBody(usize),
    /// The key record's modulus or exponent is empty or has a leading zero byte count of
    /// its whole length.
    #[error("key record: {0}")]
    BadKey(&'static str),
}

fn tlv_err(what: &'static str) -> impl Fn(TlvError) -> CvcError {
    move |source| CvcError::Tlv { what, source }
}

fn expect<'a>(t: tlv::Tlv<'a>, tag: u32, what: &'static str) -> Result<tlv::Tlv<'a>, CvcError> {
    if t.tag == tag {
        Ok(t)
    } else {
        Err(CvcError::WrongTag { what, expected: tag, found: t.tag })
    }
}

/// An RSA public key as the card records it: exponent and modulus, big-endian.
#[derive(Clone, PartialEq, Eq)]
pub struct RsaKeyRecord {
    /// Public exponent.
    pub exponent: Vec<u8>,
    /// Modulus.
    pub modulus: Vec<u8>,
}

impl std::fmt::Debug for RsaKeyRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "RsaKeyRecord(e={}, n={} bytes)",
            hex::encode_upper(&self.exponent),
            self.modulus.len()
        )
    }
}

impl RsaKeyRecord {
    /// Parse `90 <e> 91 <n>` (the concatenated TLVs, anything after them ignored).
    pub fn parse(bytes: &[u8]) -> Result<RsaKeyRecord, CvcError> {
        let (e, rest) = tlv::next(bytes).map_err(tlv_err("key record exponent"))?;
        let e = expect(e, TAG_EXPONENT, "key record exponent")?;
        let (n, _) = tlv::next(rest).map_err(tlv_err("key record modulus"))?;
        let n = expect(n, TAG_MODULUS, "key record modulus")?;
        let strip =
            |v: &[u8]| v.iter().position(|&b| b != 0).and_then(|i| v.get(i..)).map(<[u8]>::to_vec);
        let exponent = strip(e.value).ok_or(CvcError::BadKey("exponent is zero or empty"))?;
        let modulus = strip(n.value).ok_or(CvcError::BadKey("modulus is zero or empty"))?;
        Ok(RsaKeyRecord { exponent, modulus })
    }

    /// `90 <e> 91 <n>` as the card writes it (the 2048-bit form is 265 bytes).
    pub fn encode(&self) -> Vec<u8> {
        let mut out = tlv::encode(TAG_EXPONENT, &self.exponent);
        tlv::push(&mut out, TAG_MODULUS, &self.modulus);
        out
    }
}

/// A card-verifiable certificate, with its body as stored (the signature covers it).
#[derive(Clone, PartialEq, Eq)]
pub struct Cvc {
    /// The `5F4E` value exactly as stored: what the signature covers.
    pub body: Vec<u8>,
    /// 証明者鍵ID: the CA key that signed.
    pub issuer: KeyId,
    /// 被証明者鍵ID: the certified key.
    pub subject: KeyId,
    /// The certified public key.
    pub key: RsaKeyRecord,
    /// The `5F37` value.
    pub signature: Vec<u8>,
}

impl std::fmt::Debug for Cvc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cvc")
            .field("issuer", &self.issuer)
            .field("subject", &self.subject)
            .field("key", &self.key)
            .field("signature_len", &self.signature.len())
            .finish()
    }
}

impl Cvc {
    /// Parse `7F21 { 5F4E body ; 5F37 signature }` (anything after the certificate, such as
    /// a file's filler, is ignored).
    pub fn parse(bytes: &[u8]) -> Result<Cvc, CvcError> {
        let outer = tlv::first(bytes).map_err(tlv_err("certificate"))?;
        let outer = expect(outer, TAG_CVC, "certificate")?;
        Self::parse_contents(outer.value)
    }

    /// Parse the contents of a certificate without its `7F21` header, as GET DATA returns
    /// them: `5F4E body ; 5F37 signature`.
    pub fn parse_contents(contents: &[u8]) -> Result<Cvc, CvcError> {
        let body = tlv::find(contents, TAG_BODY)
            .map_err(tlv_err("certificate contents"))?
            .ok_or(CvcError::Missing("certificate body (5F4E)"))?;
        let sig = tlv::find(contents, TAG_SIGNATURE)
            .map_err(tlv_err("certificate contents"))?
            .ok_or(CvcError::Missing("certificate signature (5F37)"))?;
        Self::from_body(body.value, sig.value)
    }

    /// A certificate from its body and signature.
    pub fn from_body(body: &[u8], signature: &[u8]) -> Result<Cvc, CvcError> {
        let (ids, key) = body
            .split_at_checked(2 * KEY_ID_LEN)
            .filter(|(_, key)| !key.is_empty())
            .ok_or(CvcError::ShortBody(body.len()))?;
        let (issuer, subject) = ids.split_at(KEY_ID_LEN);
        Ok(Cvc {
            body: body.to_vec(),
            issuer: KeyId::from_slice(issuer).ok_or(CvcError::ShortBody(body.len()))?,
            subject: KeyId::from_slice(subject).ok_or(CvcError::ShortBody(body.len()))?,
            key: RsaKeyRecord::parse(key)?,
            signature: signature.to_vec(),
        })
    }

    /// The body bytes for `issuer`, `subject` and `key`: what the CA signs.
    pub fn body_for(issuer: &KeyId, subject: &KeyId, key: &RsaKeyRecord) -> Vec<u8> {
        let mut body = issuer.0.to_vec();
        body.extend_from_slice(&subject.0);
        body.extend(key.encode());
        body
    }

    /// The certificate as stored: `7F21 { 5F4E body ; 5F37 signature }`.
    pub fn encode(&self) -> Vec<u8> {
        tlv::encode(TAG_CVC, &self.encode_contents())
    }

    /// The contents without the `7F21` header (the GET DATA form).
    pub fn encode_contents(&self) -> Vec<u8> {
        let mut inner = tlv::encode(TAG_BODY, &self.body);
        tlv::push(&mut inner, TAG_SIGNATURE, &self.signature);
        inner
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> RsaKeyRecord {
        RsaKeyRecord { exponent: vec![1, 0, 1], modulus: vec![0xC3; 256] }
    }

    #[test]
    fn key_ids_print_as_on_the_card() {
        let id = KeyId::from_parts("6000033", "001", 0).unwrap();
        assert_eq!(hex::encode_upper(id.0), "36303030303333080530303100000000");
        assert_eq!(id.to_string(), "6000033/001");
        assert_eq!(id.hierarchy(), Hierarchy::Test);
        let root = KeyId::from_parts("5000020", "001", 0xA8).unwrap();
        assert_eq!(hex::encode_upper(root.0), "353030303032300805303031000000A8");
        assert_eq!(root.hierarchy(), Hierarchy::Production);
        assert_eq!(KeyId([0xAB; 16]).to_string(), "AB".repeat(16));
        assert_eq!(KeyId::from_parts("600003", "001", 0), None);
        assert_eq!(KeyId::from_parts("600003x", "001", 0), None);
    }

    #[test]
    fn the_2048_bit_form_has_the_sizes_of_a_real_card() {
        let issuer = KeyId::from_parts("9000033", "001", 0).unwrap();
        let subject = KeyId::from_parts("9322100", "000", 0).unwrap();
        let body = Cvc::body_for(&issuer, &subject, &key());
        assert_eq!(key().encode().len(), 265);
        assert_eq!(body.len(), 297);
        let cvc = Cvc::from_body(&body, &[0x5A; 256]).unwrap();
        let enc = cvc.encode();
        assert_eq!(enc.len(), 568);
        assert_eq!(enc[..4], [0x7F, 0x21, 0x82, 0x02]);
        assert_eq!(enc[4], 0x33);
        let mut padded = enc.clone();
        padded.extend([0xFF; 8]);
        assert_eq!(Cvc::parse(&padded).unwrap(), cvc);
        assert_eq!(Cvc::parse_contents(&cvc.encode_contents()).unwrap(), cvc);
        assert_eq!((cvc.issuer, cvc.subject), (issuer, subject));
    }

    #[test]
    fn every_error_variant() {
        let ok =
            Cvc::from_body(&Cvc::body_for(&KeyId([0x36; 16]), &KeyId([0x36; 16]), &key()), &[1])
                .unwrap();
        assert!(matches!(Cvc::parse(&[]), Err(CvcError::Tlv { .. })));
        assert!(matches!(
            Cvc::parse(&tlv::encode(0x7F4E, &[])),
            Err(CvcError::WrongTag { expected: TAG_CVC, found: 0x7F4E, .. })
        ));
        assert_eq!(
            Cvc::parse(&tlv::encode(TAG_CVC, &tlv::encode(TAG_SIGNATURE, &[1]))),
            Err(CvcError::Missing("certificate body (5F4E)"))
        );
        assert_eq!(
            Cvc::parse(&tlv::encode(TAG_CVC, &tlv::encode(TAG_BODY, &ok.body))),
            Err(CvcError::Missing("certificate signature (5F37)"))
        );
        assert_eq!(Cvc::from_body(&[0; 32], &[1]), Err(CvcError::ShortBody(32)));
        let mut zero_key = ok.body[..32].to_vec();
        zero_key.extend(tlv::encode(TAG_EXPONENT, &[0]));
        zero_key.extend(tlv::encode(TAG_MODULUS, &[1]));
        assert_eq!(
            Cvc::from_body(&zero_key, &[1]),
            Err(CvcError::BadKey("exponent is zero or empty"))
        );
        assert!(matches!(
            RsaKeyRecord::parse(&tlv::encode(TAG_MODULUS, &[1])),
            Err(CvcError::WrongTag { .. })
        ));
        let mut no_n = tlv::encode(TAG_EXPONENT, &[3]);
        no_n.extend(tlv::encode(TAG_MODULUS, &[0, 0]));
        assert_eq!(RsaKeyRecord::parse(&no_n), Err(CvcError::BadKey("modulus is zero or empty")));
    }
}
