//! The records of the text application (券面事項入力補助AP) and the card-face application
//! (券面事項確認AP) as stored, and exactly which bytes each J-LIS signature covers. Format
//! only: the verifier checks the signatures (`verify::authenticity`), the card layer reads
//! the files, the virtual card writes them with the `build` functions.
//!
//! Facts (the myna-card crate, jpki/myna, jsapdu; the signed parts recomputed on data of a
//! real JPKI test card):
//! - text EF 0001 `FF10 0C` + 12 digits, 17 bytes with 2 bytes `FF` filler; EF 0002
//!   `FF20 { DF21 4×u16 offsets; DF22 name; DF23 address; DF24 YYYYMMDD; DF25 sex }`;
//!   EF 0003 `FF30 { DF31 h1(32); DF32 h2(32); DF33 sig(256) }` where h1 = SHA-256 of the
//!   whole physical EF 0001 (all 17 bytes), h2 = SHA-256 of the `FF20` value after its `DF21`
//!   TLV, and DF33 is PKCS1-SHA256 over `DF31 TLV ‖ DF32 TLV`; EF 0007 `FF50 { DF51 key;
//!   DF52 sig }` signed over the `DF51` TLV.
//! - card-face EF 0001 `FF10 { DF11 YYYYMMDD; DF12 key; DF13 sig }` signed over `DF11 ‖
//!   DF12`; EF 0002 `FF20 { DF21 9×u16 offsets; DF22 birth; DF23 sex; DF24 key; DF25 name
//!   PNG; DF26 address PNG; DF27 photo JPEG 2000; DF28 sig; DF29 expiry; DF2A security-code
//!   PNG }` signed as PKCS#1 v1.5 over DigestInfo{sha256, g1‖g2‖g3} (96-byte digest, 115
//!   bytes in all) with g1 = SHA-256(DF22‖DF23‖DF24), g2 = SHA-256(DF25‖DF26), g3 =
//!   SHA-256(DF27); DF21, DF29 and DF2A are not signed; EF 0005 `FF40 { DF41 My Number PNG;
//!   DF42 key; DF43 sig }` signed over `DF41 ‖ DF42`.
//! - The offsets of `DF21` are of each following TLV from the start of the file (single
//!   source; nothing here relies on them).
//!
//! Every record carries personal data: views borrow the caller's (zeroizing) buffer, their
//! `Debug` prints lengths only, and signed messages are zeroizing.

use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::tlv::{self, Tlv, TlvError};

/// Why a record is malformed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    /// Broken TLV structure.
    #[error("{record}: {source}")]
    Tlv {
        /// Which record.
        record: &'static str,
        /// The TLV error.
        source: TlvError,
    },
    /// The outer tag is not the record's.
    #[error("{record}: expected tag {expected:X}, found {found:X}")]
    WrongTag {
        /// Which record.
        record: &'static str,
        /// The tag wanted.
        expected: u32,
        /// The tag found.
        found: u32,
    },
    /// A field is missing.
    #[error("{record}: field {tag:X} is missing")]
    Missing {
        /// Which record.
        record: &'static str,
        /// The missing tag.
        tag: u32,
    },
    /// A field has the wrong length or characters (its value is not echoed).
    #[error("{record}: field {tag:X} is not {expected}")]
    BadField {
        /// Which record.
        record: &'static str,
        /// The field.
        tag: u32,
        /// What it should be.
        expected: &'static str,
    },
}

/// How a J-LIS signature covers its message.
#[derive(Clone, PartialEq, Eq)]
pub enum SignedMessage {
    /// RSASSA-PKCS1-v1_5 with SHA-256 over these bytes.
    Sha256(Zeroizing<Vec<u8>>),
    /// RSASSA-PKCS1-v1_5 over this encoded DigestInfo as it is (the card-face record's
    /// 96-byte digest).
    DigestInfo(Vec<u8>),
}

impl std::fmt::Debug for SignedMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SignedMessage::Sha256(m) => write!(f, "Sha256({} bytes)", m.len()),
            SignedMessage::DigestInfo(d) => write!(f, "DigestInfo({} bytes)", d.len()),
        }
    }
}

/// One signature over card data: what it covers and the signature bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedPart {
    /// Which record (for messages): "text integrity record (EF 0003)", …
    pub record: &'static str,
    /// The signed message.
    pub message: SignedMessage,
    /// The signature.
    pub signature: Vec<u8>,
}

fn outer<'a>(file: &'a [u8], tag: u32, record: &'static str) -> Result<Tlv<'a>, RecordError> {
    let t = tlv::first(file).map_err(|source| RecordError::Tlv { record, source })?;
    if t.tag != tag {
        return Err(RecordError::WrongTag { record, expected: tag, found: t.tag });
    }
    Ok(t)
}

/// The fields of a constructed value by tag (first occurrence of each), checked complete.
struct Fields<'a> {
    record: &'static str,
    items: Vec<Tlv<'a>>,
}

impl<'a> Fields<'a> {
    fn parse(value: &'a [u8], record: &'static str) -> Result<Self, RecordError> {
        let items = tlv::children(value)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|source| RecordError::Tlv { record, source })?;
        Ok(Fields { record, items })
    }

    fn get(&self, tag: u32) -> Result<Tlv<'a>, RecordError> {
        self.items
            .iter()
            .find(|t| t.tag == tag)
            .copied()
            .ok_or(RecordError::Missing { record: self.record, tag })
    }

    fn opt(&self, tag: u32) -> Option<Tlv<'a>> {
        self.items.iter().find(|t| t.tag == tag).copied()
    }

    fn concat(&self, tags: &[u32]) -> Result<Zeroizing<Vec<u8>>, RecordError> {
        let mut out = Zeroizing::new(Vec::new());
        for &tag in tags {
            out.extend_from_slice(self.get(tag)?.raw);
        }
        Ok(out)
    }

    fn digits(
        &self,
        tag: u32,
        len: usize,
        expected: &'static str,
    ) -> Result<&'a [u8], RecordError> {
        let v = self.get(tag)?.value;
        if v.len() == len && v.iter().all(u8::is_ascii_digit) {
            Ok(v)
        } else {
            Err(RecordError::BadField { record: self.record, tag, expected })
        }
    }
}

fn sha256(parts: &[&[u8]]) -> [u8; 32] {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

fn redacted(
    f: &mut std::fmt::Formatter<'_>,
    name: &str,
    parts: &[(&str, usize)],
) -> std::fmt::Result {
    let mut d = f.debug_struct(name);
    for (field, len) in parts {
        d.field(field, &format_args!("<{len} bytes>"));
    }
    d.finish()
}

// ---------------------------------------------------------------- text application

/// Physical size of the text application's My Number file.
pub const MY_NUMBER_FILE_LEN: usize = 17;

/// Text EF 0003, the integrity record.
pub struct TextIntegrity<'a> {
    /// DF31: SHA-256 of the physical My Number file.
    pub h1: &'a [u8],
    /// DF32: SHA-256 of the attributes after their offsets.
    pub h2: &'a [u8],
    /// The signed part and DF33.
    pub signed: SignedPart,
}

impl std::fmt::Debug for TextIntegrity<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        redacted(f, "TextIntegrity", &[("h1", self.h1.len()), ("h2", self.h2.len())])
    }
}

const TEXT_INTEGRITY: &str = "text integrity record (EF 0003)";

impl<'a> TextIntegrity<'a> {
    /// Parse `FF30 { DF31; DF32; DF33 }`.
    pub fn parse(file: &'a [u8]) -> Result<Self, RecordError> {
        let o = outer(file, 0xFF30, TEXT_INTEGRITY)?;
        let f = Fields::parse(o.value, TEXT_INTEGRITY)?;
        let h = |tag| {
            let v = f.get(tag)?.value;
            if v.len() == 32 {
                Ok(v)
            } else {
                Err(RecordError::BadField { record: TEXT_INTEGRITY, tag, expected: "32 bytes" })
            }
        };
        Ok(TextIntegrity {
            h1: h(0xDF31)?,
            h2: h(0xDF32)?,
            signed: SignedPart {
                record: TEXT_INTEGRITY,
                message: SignedMessage::Sha256(f.concat(&[0xDF31, 0xDF32])?),
                signature: f.get(0xDF33)?.value.to_vec(),
            },
        })
    }

    /// The record for two hashes and a signature over [`TextIntegrity::message`].
    pub fn build(h1: &[u8; 32], h2: &[u8; 32], signature: &[u8]) -> Vec<u8> {
        let mut inner = Self::message(h1, h2);
        tlv::push(&mut inner, 0xDF33, signature);
        tlv::encode(0xFF30, &inner)
    }

    /// What DF33 signs: `DF31 TLV ‖ DF32 TLV`.
    pub fn message(h1: &[u8; 32], h2: &[u8; 32]) -> Vec<u8> {
        let mut m = tlv::encode(0xDF31, h1);
        tlv::push(&mut m, 0xDF32, h2);
        m
    }
}

/// h1: SHA-256 of the physical My Number file, filler included (read it to its end).
pub fn text_h1(my_number_file: &[u8]) -> [u8; 32] {
    sha256(&[my_number_file])
}

/// h2: SHA-256 of the attributes file's `FF20` value after its leading `DF21` TLV (the name,
/// address, birth date and sex TLVs as stored).
pub fn text_h2(attributes_file: &[u8]) -> Result<[u8; 32], RecordError> {
    const R: &str = "text attributes (EF 0002)";
    let o = outer(attributes_file, 0xFF20, R)?;
    let (first, rest) =
        tlv::next(o.value).map_err(|source| RecordError::Tlv { record: R, source })?;
    if first.tag != 0xDF21 {
        return Err(RecordError::WrongTag { record: R, expected: 0xDF21, found: first.tag });
    }
    Ok(sha256(&[rest]))
}

/// The text application's attributes file for these values (offsets in DF21).
pub fn build_text_attributes(name: &str, address: &str, birth: &str, sex: &str) -> Vec<u8> {
    build_with_offsets(
        0xFF20,
        0xDF21,
        &[
            (0xDF22, name.as_bytes()),
            (0xDF23, address.as_bytes()),
            (0xDF24, birth.as_bytes()),
            (0xDF25, sex.as_bytes()),
        ],
    )
}

/// The physical My Number file: `FF10 0C` + 12 digits + `FF FF`.
pub fn build_my_number_file(digits: &str) -> Vec<u8> {
    let mut f = tlv::encode(0xFF10, digits.as_bytes());
    f.resize(MY_NUMBER_FILE_LEN.max(f.len()), 0xFF);
    f
}

/// `outer { offsets_tag offsets ; fields… }`, the offsets being each field's position from
/// the start of the file, 2 bytes big-endian each.
fn build_with_offsets(outer_tag: u32, offsets_tag: u32, fields: &[(u32, &[u8])]) -> Vec<u8> {
    let body_len = |offsets: &[u8]| {
        let mut b = tlv::encode(offsets_tag, offsets);
        for (t, v) in fields {
            tlv::push(&mut b, *t, v);
        }
        b
    };
    // The header sizes depend on the total length: compute once with zero offsets.
    let probe = body_len(&vec![0; 2 * fields.len()]);
    let mut header = Vec::new();
    tlv::push_tag(&mut header, outer_tag);
    tlv::push_len(&mut header, probe.len());
    let mut pos = header.len() + tlv::encode(offsets_tag, &vec![0; 2 * fields.len()]).len();
    let mut offsets = Vec::new();
    for (t, v) in fields {
        offsets.extend_from_slice(&(pos as u16).to_be_bytes());
        pos += tlv::encode(*t, v).len();
    }
    tlv::encode(outer_tag, &body_len(&offsets))
}

/// A card-key record: text EF 0007 `FF50 { DF51 key; DF52 sig }`.
pub struct CardKeyRecord<'a> {
    /// The card's public key record (`90 … 91 …`).
    pub key: &'a [u8],
    /// The signed part (DF51 TLV) and DF52.
    pub signed: SignedPart,
}

impl std::fmt::Debug for CardKeyRecord<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        redacted(f, "CardKeyRecord", &[("key", self.key.len())])
    }
}

const TEXT_CARD_KEY: &str = "text card-key record (EF 0007)";

impl<'a> CardKeyRecord<'a> {
    /// Parse text EF 0007.
    pub fn parse(file: &'a [u8]) -> Result<Self, RecordError> {
        let o = outer(file, 0xFF50, TEXT_CARD_KEY)?;
        let f = Fields::parse(o.value, TEXT_CARD_KEY)?;
        Ok(CardKeyRecord {
            key: f.get(0xDF51)?.value,
            signed: SignedPart {
                record: TEXT_CARD_KEY,
                message: SignedMessage::Sha256(f.concat(&[0xDF51])?),
                signature: f.get(0xDF52)?.value.to_vec(),
            },
        })
    }

    /// What DF52 signs: the DF51 TLV.
    pub fn message(key: &[u8]) -> Vec<u8> {
        tlv::encode(0xDF51, key)
    }

    /// The record.
    pub fn build(key: &[u8], signature: &[u8]) -> Vec<u8> {
        let mut inner = Self::message(key);
        tlv::push(&mut inner, 0xDF52, signature);
        tlv::encode(0xFF50, &inner)
    }
}

// ---------------------------------------------------------------- card-face application

/// Card-face EF 0001: birth date with the card key, readable with the 生年月日 key.
pub struct BirthRecord<'a> {
    /// DF11 `YYYYMMDD`.
    pub birth: &'a [u8],
    /// DF12 card key record.
    pub card_key: &'a [u8],
    /// `DF11 ‖ DF12` and DF13.
    pub signed: SignedPart,
}

impl std::fmt::Debug for BirthRecord<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        redacted(
            f,
            "BirthRecord",
            &[("birth", self.birth.len()), ("card_key", self.card_key.len())],
        )
    }
}

const FACE_BIRTH: &str = "card-face birth record (EF 0001)";

impl<'a> BirthRecord<'a> {
    /// Parse card-face EF 0001.
    pub fn parse(file: &'a [u8]) -> Result<Self, RecordError> {
        let o = outer(file, 0xFF10, FACE_BIRTH)?;
        let f = Fields::parse(o.value, FACE_BIRTH)?;
        Ok(BirthRecord {
            birth: f.digits(0xDF11, 8, "YYYYMMDD")?,
            card_key: f.get(0xDF12)?.value,
            signed: SignedPart {
                record: FACE_BIRTH,
                message: SignedMessage::Sha256(f.concat(&[0xDF11, 0xDF12])?),
                signature: f.get(0xDF13)?.value.to_vec(),
            },
        })
    }

    /// What DF13 signs.
    pub fn message(birth: &str, card_key: &[u8]) -> Vec<u8> {
        let mut m = tlv::encode(0xDF11, birth.as_bytes());
        tlv::push(&mut m, 0xDF12, card_key);
        m
    }

    /// The record.
    pub fn build(birth: &str, card_key: &[u8], signature: &[u8]) -> Vec<u8> {
        let mut inner = Self::message(birth, card_key);
        tlv::push(&mut inner, 0xDF13, signature);
        tlv::encode(0xFF10, &inner)
    }
}

/// The card-face values of EF 0002, as the virtual card writes them.
#[derive(Clone, Copy)]
pub struct FaceFields<'a> {
    /// DF22 `YYYYMMDD`.
    pub birth: &'a str,
    /// DF23 sex digit (1 male, 2 female, 0 unknown, 9 not applicable).
    pub sex: &'a str,
    /// DF24 card key record.
    pub card_key: &'a [u8],
    /// DF25 name image (PNG).
    pub name_png: &'a [u8],
    /// DF26 address image (PNG).
    pub address_png: &'a [u8],
    /// DF27 photo (JPEG 2000).
    pub photo: &'a [u8],
    /// DF29 expiry `YYYYMMDD` (not signed).
    pub expiry: &'a str,
    /// DF2A security-code image (PNG, not signed).
    pub security_code_png: &'a [u8],
}

/// Card-face EF 0002, the card face itself.
pub struct FaceRecord<'a> {
    /// DF22 `YYYYMMDD`.
    pub birth: &'a [u8],
    /// DF23 sex digit.
    pub sex: &'a [u8],
    /// DF24 card key record.
    pub card_key: &'a [u8],
    /// DF25 name image (PNG).
    pub name_png: &'a [u8],
    /// DF26 address image (PNG).
    pub address_png: &'a [u8],
    /// DF27 photo (JPEG 2000 as stored).
    pub photo: &'a [u8],
    /// DF29 expiry `YYYYMMDD`, not covered by the signature; absent on some cards.
    pub expiry: Option<&'a [u8]>,
    /// DF2A security-code image, not covered by the signature; absent on some cards.
    pub security_code_png: Option<&'a [u8]>,
    /// The DigestInfo of g1‖g2‖g3 and DF28.
    pub signed: SignedPart,
}

impl std::fmt::Debug for FaceRecord<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        redacted(
            f,
            "FaceRecord",
            &[
                ("birth", self.birth.len()),
                ("sex", self.sex.len()),
                ("name_png", self.name_png.len()),
                ("address_png", self.address_png.len()),
                ("photo", self.photo.len()),
            ],
        )
    }
}

const FACE: &str = "card-face record (EF 0002)";

/// DER prefix of a DigestInfo{sha256, OCTET STRING of 96 bytes}; append g1‖g2‖g3.
pub const FACE_DIGEST_INFO_PREFIX: [u8; 19] = [
    0x30, 0x71, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05,
    0x00, 0x04, 0x60,
];

impl<'a> FaceRecord<'a> {
    /// Parse card-face EF 0002.
    pub fn parse(file: &'a [u8]) -> Result<Self, RecordError> {
        let o = outer(file, 0xFF20, FACE)?;
        let f = Fields::parse(o.value, FACE)?;
        let g1 = sha256(&[&f.concat(&[0xDF22, 0xDF23, 0xDF24])?]);
        let g2 = sha256(&[&f.concat(&[0xDF25, 0xDF26])?]);
        let g3 = sha256(&[f.get(0xDF27)?.raw]);
        let sex = f.get(0xDF23)?.value;
        if !matches!(sex, [d] if d.is_ascii_digit()) {
            return Err(RecordError::BadField { record: FACE, tag: 0xDF23, expected: "one digit" });
        }
        Ok(FaceRecord {
            birth: f.digits(0xDF22, 8, "YYYYMMDD")?,
            sex,
            card_key: f.get(0xDF24)?.value,
            name_png: f.get(0xDF25)?.value,
            address_png: f.get(0xDF26)?.value,
            photo: f.get(0xDF27)?.value,
            expiry: f.opt(0xDF29).map(|t| t.value),
            security_code_png: f.opt(0xDF2A).map(|t| t.value),
            signed: SignedPart {
                record: FACE,
                message: SignedMessage::DigestInfo(face_digest_info(&g1, &g2, &g3)),
                signature: f.get(0xDF28)?.value.to_vec(),
            },
        })
    }

    /// The DigestInfo DF28 signs, for these values.
    pub fn digest_info(v: &FaceFields<'_>) -> Vec<u8> {
        let t = |tag, val: &[u8]| tlv::encode(tag, val);
        let g1 = sha256(&[
            &t(0xDF22, v.birth.as_bytes()),
            &t(0xDF23, v.sex.as_bytes()),
            &t(0xDF24, v.card_key),
        ]);
        let g2 = sha256(&[&t(0xDF25, v.name_png), &t(0xDF26, v.address_png)]);
        let g3 = sha256(&[&t(0xDF27, v.photo)]);
        face_digest_info(&g1, &g2, &g3)
    }

    /// The record, with its offsets, for these values and a signature over
    /// [`FaceRecord::digest_info`].
    pub fn build(v: &FaceFields<'_>, signature: &[u8]) -> Vec<u8> {
        build_with_offsets(
            0xFF20,
            0xDF21,
            &[
                (0xDF22, v.birth.as_bytes()),
                (0xDF23, v.sex.as_bytes()),
                (0xDF24, v.card_key),
                (0xDF25, v.name_png),
                (0xDF26, v.address_png),
                (0xDF27, v.photo),
                (0xDF28, signature),
                (0xDF29, v.expiry.as_bytes()),
                (0xDF2A, v.security_code_png),
            ],
        )
    }
}

fn face_digest_info(g1: &[u8; 32], g2: &[u8; 32], g3: &[u8; 32]) -> Vec<u8> {
    let mut d = FACE_DIGEST_INFO_PREFIX.to_vec();
    d.extend_from_slice(g1);
    d.extend_from_slice(g2);
    d.extend_from_slice(g3);
    d
}

/// Card-face EF 0005: the My Number image with the card key, readable with 照合番号A only.
pub struct MyNumberImageRecord<'a> {
    /// DF41 the My Number as a PNG image.
    pub image_png: &'a [u8],
    /// DF42 card key record.
    pub card_key: &'a [u8],
    /// `DF41 ‖ DF42` and DF43.
    pub signed: SignedPart,
}

impl std::fmt::Debug for MyNumberImageRecord<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        redacted(f, "MyNumberImageRecord", &[("image_png", self.image_png.len())])
    }
}

const FACE_MY_NUMBER: &str = "card-face My Number image (EF 0005)";

impl<'a> MyNumberImageRecord<'a> {
    /// Parse card-face EF 0005.
    pub fn parse(file: &'a [u8]) -> Result<Self, RecordError> {
        let o = outer(file, 0xFF40, FACE_MY_NUMBER)?;
        let f = Fields::parse(o.value, FACE_MY_NUMBER)?;
        Ok(MyNumberImageRecord {
            image_png: f.get(0xDF41)?.value,
            card_key: f.get(0xDF42)?.value,
            signed: SignedPart {
                record: FACE_MY_NUMBER,
                message: SignedMessage::Sha256(f.concat(&[0xDF41, 0xDF42])?),
                signature: f.get(0xDF43)?.value.to_vec(),
            },
        })
    }

    /// What DF43 signs.
    pub fn message(image_png: &[u8], card_key: &[u8]) -> Vec<u8> {
        let mut m = tlv::encode(0xDF41, image_png);
        tlv::push(&mut m, 0xDF42, card_key);
        m
    }

    /// The record.
    pub fn build(image_png: &[u8], card_key: &[u8], signature: &[u8]) -> Vec<u8> {
        let mut inner = Self::message(image_png, card_key);
        tlv::push(&mut inner, 0xDF43, signature);
        tlv::encode(0xFF40, &inner)
    }
}

// ---------------------------------------------------------------- 照合番号B and the birth key

/// Why the digits of 照合番号B or the 生年月日 key cannot be composed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CodeError {
    /// The birth date is not a real `YYYYMMDD` date in an era (明治 or later, era year ≤ 99).
    #[error("the birth date is not a date of the Japanese era calendar (YYYYMMDD)")]
    BirthDate,
    /// The expiry year is not 4 digits.
    #[error("the card's expiry year must be 4 digits")]
    ExpiryYear,
    /// The security code is not 4 digits.
    #[error("the security code (セキュリティコード) must be 4 digits")]
    SecurityCode,
}

/// The 6-digit 生年月日 key: the birth date as era year, month, day (`YYMMDD`).
pub fn birth_key(birth_yyyymmdd: &str) -> Result<Zeroizing<String>, CodeError> {
    let date = super::era::parse_yyyymmdd(birth_yyyymmdd).ok_or(CodeError::BirthDate)?;
    super::era::era_yymmdd(date).map(Zeroizing::new).ok_or(CodeError::BirthDate)
}

/// 照合番号B, 14 digits: birth date in era digits (`YYMMDD`) ‖ Gregorian expiry year ‖
/// the 4-digit security code printed on the card.
pub fn code_b(
    birth_yyyymmdd: &str,
    expiry_year: &str,
    security_code: &str,
) -> Result<Zeroizing<String>, CodeError> {
    let four = |s: &str| s.len() == 4 && s.bytes().all(|b| b.is_ascii_digit());
    let birth = birth_key(birth_yyyymmdd)?;
    if !four(expiry_year) {
        return Err(CodeError::ExpiryYear);
    }
    if !four(security_code) {
        return Err(CodeError::SecurityCode);
    }
    let mut b = Zeroizing::new(String::with_capacity(14));
    b.push_str(&birth);
    b.push_str(expiry_year);
    b.push_str(security_code);
    Ok(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_hashes_cover_the_stored_bytes() {
        let mn = build_my_number_file("123456789018");
        assert_eq!(mn.len(), 17);
        assert_eq!(&mn[..3], [0xFF, 0x10, 0x0C]);
        assert_eq!(&mn[15..], [0xFF, 0xFF]);
        // h1 covers the filler too: the trimmed 15 bytes give another hash.
        assert_ne!(text_h1(&mn), text_h1(&mn[..15]));

        let attrs = build_text_attributes("山田　花子", "東京都千代田区", "19800217", "2");
        let o = tlv::first(&attrs).unwrap();
        let (df21, rest) = tlv::next(o.value).unwrap();
        assert_eq!(df21.tag, 0xDF21);
        assert_eq!(df21.value.len(), 8);
        // The offsets point at each field's tag from the start of the file.
        let offs: Vec<usize> =
            df21.value.chunks(2).map(|c| usize::from(u16::from_be_bytes([c[0], c[1]]))).collect();
        for (off, tag) in offs.iter().zip([0xDFu8, 0xDF, 0xDF, 0xDF]) {
            assert_eq!(attrs[*off], tag);
        }
        assert_eq!(attrs[offs[0] + 1], 0x22);
        assert_eq!(attrs[offs[3] + 1], 0x25);
        assert_eq!(text_h2(&attrs).unwrap(), sha256(&[rest]));
        assert!(matches!(
            text_h2(&tlv::encode(0xFF20, &tlv::encode(0xDF22, b"x"))),
            Err(RecordError::WrongTag { .. })
        ));
    }

    #[test]
    fn integrity_record_round_trip_and_signed_bytes() {
        let (h1, h2) = ([1u8; 32], [2u8; 32]);
        let rec = TextIntegrity::build(&h1, &h2, &[9; 256]);
        // A real card's record is 336 bytes with FF30 82 014B.
        assert_eq!(rec.len(), 336);
        assert_eq!(&rec[..4], [0xFF, 0x30, 0x82, 0x01]);
        let p = TextIntegrity::parse(&rec).unwrap();
        assert_eq!((p.h1, p.h2), (&h1[..], &h2[..]));
        let SignedMessage::Sha256(m) = &p.signed.message else { panic!() };
        assert_eq!(m.len(), 70);
        assert_eq!(**m, TextIntegrity::message(&h1, &h2));
        assert_eq!(p.signed.signature, [9; 256]);
        let short = tlv::encode(
            0xFF30,
            &[tlv::encode(0xDF31, &[1; 31]), tlv::encode(0xDF32, &h2)].concat(),
        );
        assert_eq!(
            TextIntegrity::parse(&short).unwrap_err(),
            RecordError::BadField { record: TEXT_INTEGRITY, tag: 0xDF31, expected: "32 bytes" }
        );
    }

    #[test]
    fn card_face_records_round_trip() {
        let key = vec![0x90, 0x03, 1, 0, 1];
        let v = FaceFields {
            birth: "19800217",
            sex: "2",
            card_key: &key,
            name_png: b"\x89PNGname",
            address_png: b"\x89PNGaddr",
            photo: b"\0\0\0\x0cjP  photo",
            expiry: "20351231",
            security_code_png: b"\x89PNGcode",
        };
        let rec = FaceRecord::build(&v, &[7; 256]);
        let p = FaceRecord::parse(&rec).unwrap();
        assert_eq!((p.birth, p.sex, p.photo), (&b"19800217"[..], &b"2"[..], v.photo));
        assert_eq!(p.expiry, Some(&b"20351231"[..]));
        let SignedMessage::DigestInfo(d) = &p.signed.message else { panic!() };
        assert_eq!(d.len(), 115);
        assert_eq!(*d, FaceRecord::digest_info(&v));
        // Unsigned fields do not change what is signed; signed ones do.
        let other = FaceFields { expiry: "20401231", security_code_png: b"x", ..v };
        assert_eq!(FaceRecord::digest_info(&other), *d);
        for changed in [
            FaceFields { birth: "19800218", ..v },
            FaceFields { sex: "1", ..v },
            FaceFields { name_png: b"n", ..v },
            FaceFields { address_png: b"a", ..v },
            FaceFields { photo: b"p", ..v },
        ] {
            assert_ne!(FaceRecord::digest_info(&changed), *d);
        }
        assert!(format!("{p:?}").contains("<8 bytes>"));
        assert!(!format!("{p:?}").contains("1980"));

        let b = BirthRecord::build("19800217", &key, &[5; 256]);
        let pb = BirthRecord::parse(&b).unwrap();
        assert_eq!(pb.birth, b"19800217");
        assert_eq!(
            pb.signed.message,
            SignedMessage::Sha256(Zeroizing::new(BirthRecord::message("19800217", &key)))
        );
        let m = MyNumberImageRecord::build(b"png", &key, &[4; 256]);
        let pm = MyNumberImageRecord::parse(&m).unwrap();
        assert_eq!(pm.image_png, b"png");
        let k = CardKeyRecord::build(&key, &[3; 256]);
        assert_eq!(CardKeyRecord::parse(&k).unwrap().key, &key[..]);
    }

    #[test]
    fn record_errors() {
        assert!(matches!(BirthRecord::parse(&[]), Err(RecordError::Tlv { .. })));
        assert!(matches!(
            BirthRecord::parse(&tlv::encode(0xFF20, &[])),
            Err(RecordError::WrongTag { expected: 0xFF10, .. })
        ));
        assert_eq!(
            BirthRecord::parse(&tlv::encode(0xFF10, &tlv::encode(0xDF11, b"19800217")))
                .unwrap_err(),
            RecordError::Missing { record: FACE_BIRTH, tag: 0xDF12 }
        );
        let bad = tlv::encode(
            0xFF10,
            &[
                tlv::encode(0xDF11, b"1980021x"),
                tlv::encode(0xDF12, b"k"),
                tlv::encode(0xDF13, b"s"),
            ]
            .concat(),
        );
        let e = BirthRecord::parse(&bad).unwrap_err();
        assert_eq!(
            e,
            RecordError::BadField { record: FACE_BIRTH, tag: 0xDF11, expected: "YYYYMMDD" }
        );
        assert!(!e.to_string().contains("1980"));
    }

    #[test]
    fn code_b_and_birth_key() {
        // docs/card-facts.md §3: 1980-02-17 (昭和55), expiry 2035, code 2285 → 55021720352285.
        assert_eq!(*code_b("19800217", "2035", "2285").unwrap(), "55021720352285");
        assert_eq!(*birth_key("20200224").unwrap(), "020224");
        assert_eq!(code_b("19800230", "2035", "2285").unwrap_err(), CodeError::BirthDate);
        assert_eq!(code_b("18000101", "2035", "2285").unwrap_err(), CodeError::BirthDate);
        assert_eq!(code_b("19800217", "35", "2285").unwrap_err(), CodeError::ExpiryYear);
        assert_eq!(code_b("19800217", "2035", "228a").unwrap_err(), CodeError::SecurityCode);
    }
}
