//! Holder data of a signature certificate (基本4情報): the subjectAltName otherNames
//! `1.2.392.200149.8.5.5.1`..`.6`, each `[0] EXPLICIT UTF8String`: name, name substitute
//! flags, sex, birth date `EYYYYMMDD`, address, address substitute flags. Unknown otherNames
//! (former surname, kana, …) are kept raw. This is personal data: shown to the user on
//! request, never logged.
//!
//! Era digit (E): 1–5 as the era table of [`crate::carddata::era`], 0 unknown; the digit is
//! also kept raw and YYYY is Gregorian regardless. Sex codes: [`crate::carddata::sex`].

use std::fmt;

use der::{Decode, Encode, Tag, Tagged};
use serde::Serialize;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::SubjectAltName;
use x509_cert::Certificate;

use crate::carddata::era::Era as CardEra;
pub use crate::carddata::sex::Sex;

use crate::facts::oid::{
    SAN_ADDRESS as OID_ADDRESS, SAN_ADDRESS_FLAGS as OID_ADDRESS_FLAGS,
    SAN_BIRTH as OID_BIRTH_DATE, SAN_NAME as OID_NAME, SAN_NAME_FLAGS as OID_NAME_FLAGS,
    SAN_SEX as OID_SEX,
};

/// Why holder data could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HolderError {
    /// The subjectAltName extension does not decode.
    #[error("subjectAltName does not decode: {why}")]
    MalformedSan {
        /// Decoder message.
        why: String,
    },
    /// A JPKI otherName whose value is not a UTF8String.
    #[error("otherName {oid} is not a UTF8String (tag {tag})")]
    NotUtf8String {
        /// The otherName type.
        oid: String,
        /// The tag found.
        tag: String,
    },
}

/// Japanese era of the birth-date era digit, for display and JSON: the eras of
/// [`crate::carddata::era`] (digits 1–5, names from there) plus the digit 0, unknown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Era {
    /// 0: unknown.
    Unknown,
    /// 1: 明治.
    Meiji,
    /// 2: 大正.
    Taisho,
    /// 3: 昭和.
    Showa,
    /// 4: 平成.
    Heisei,
    /// 5: 令和.
    Reiwa,
}

impl From<CardEra> for Era {
    fn from(e: CardEra) -> Era {
        match e {
            CardEra::Meiji => Era::Meiji,
            CardEra::Taisho => Era::Taisho,
            CardEra::Showa => Era::Showa,
            CardEra::Heisei => Era::Heisei,
            CardEra::Reiwa => Era::Reiwa,
        }
    }
}

impl Era {
    /// From the era digit (0 unknown; 1–5 as [`CardEra::from_digit`]).
    pub fn from_digit(d: u8) -> Option<Era> {
        match d {
            0 => Some(Era::Unknown),
            _ => CardEra::from_digit(d).map(Era::from),
        }
    }

    /// The era of the table, `None` for [`Era::Unknown`].
    pub fn known(self) -> Option<CardEra> {
        CardEra::ALL.into_iter().find(|e| Era::from(*e) == self)
    }

    /// Japanese name.
    pub fn kanji(self) -> &'static str {
        self.known().map_or("不明", CardEra::kanji)
    }
}

/// Birth date as recorded, with what could be understood of it. Its `Debug` output shows
/// no part of the date.
#[derive(Clone, PartialEq, Eq, Serialize)]
pub struct BirthDate {
    /// The recorded value (`EYYYYMMDD`).
    pub raw: String,
    /// The era digit as recorded.
    pub era_digit: Option<u8>,
    /// The era it denotes.
    pub era: Option<Era>,
    /// Gregorian date `YYYY-MM-DD`, when the value is a valid date.
    pub gregorian: Option<String>,
}

impl BirthDate {
    /// Parses `EYYYYMMDD`; anything unparseable stays in `raw` only.
    pub fn parse(raw: &str) -> BirthDate {
        let b = raw.as_bytes();
        let digits = b.len() == 9 && b.iter().all(u8::is_ascii_digit);
        let num = |r: std::ops::Range<usize>| -> Option<u32> { raw.get(r)?.parse().ok() };
        let era_digit = if digits { b.first().map(|d| d - b'0') } else { None };
        let gregorian = if digits {
            (|| {
                let y = i32::try_from(num(1..5)?).ok()?;
                let m = time::Month::try_from(u8::try_from(num(5..7)?).ok()?).ok()?;
                let d = u8::try_from(num(7..9)?).ok()?;
                let date = time::Date::from_calendar_date(y, m, d).ok()?;
                Some(format!("{:04}-{:02}-{:02}", date.year(), u8::from(date.month()), date.day()))
            })()
        } else {
            None
        };
        BirthDate {
            raw: raw.to_string(),
            era_digit,
            era: era_digit.and_then(Era::from_digit),
            gregorian,
        }
    }
}

/// Sex as the certificate records it: a code of [`Sex::from_cert_code`], or any other value
/// kept raw. JSON: `"female"`, or `{"other": "7"}`. Its `Debug` output is `Sex(**)`.
#[derive(Clone, PartialEq, Eq)]
pub enum RecordedSex {
    /// A certificate code (`1`, `2`, `3`).
    Known(Sex),
    /// Any other value.
    Other(String),
}

impl Serialize for RecordedSex {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            RecordedSex::Known(sex) => sex.serialize(s),
            RecordedSex::Other(v) => {
                use serde::ser::SerializeMap;
                let mut m = s.serialize_map(Some(1))?;
                m.serialize_entry("other", v)?;
                m.end()
            }
        }
    }
}

/// An otherName that is not one of the six known ones (a former surname, kana: personal
/// data too). Its `Debug` output shows the OID and the value's length only.
#[derive(Clone, PartialEq, Eq, Serialize)]
pub struct RawOtherName {
    /// Its type OID.
    pub oid: String,
    /// DER of its value (inside the `[0] EXPLICIT`), hex.
    pub value_hex: String,
    /// The value as text, when it is a UTF8String.
    pub text: Option<String>,
}

/// Holder data of a signature certificate. Its `Debug` output says which fields are present
/// and how long they are, never what they hold (like the PIN types).
#[derive(Clone, Default, PartialEq, Eq, Serialize)]
pub struct HolderData {
    /// Name (surname U+3000 given name).
    pub name: Option<String>,
    /// Substitute-character flags of the name (one digit per character).
    pub name_substitute_flags: Option<String>,
    /// Sex.
    pub sex: Option<RecordedSex>,
    /// Birth date.
    pub birth_date: Option<BirthDate>,
    /// Address.
    pub address: Option<String>,
    /// Substitute-character flags of the address.
    pub address_substitute_flags: Option<String>,
    /// Other otherNames, raw.
    pub other: Vec<RawOtherName>,
}

/// `Some(** N chars)` or `None`: presence and length of personal text, for `Debug`.
fn redacted(value: Option<&str>) -> String {
    match value {
        Some(v) => format!("Some(** {} chars)", v.chars().count()),
        None => "None".to_string(),
    }
}

impl fmt::Debug for BirthDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BirthDate(**)")
    }
}

impl fmt::Debug for RecordedSex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Sex(**)")
    }
}

impl fmt::Debug for RawOtherName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawOtherName")
            .field("oid", &self.oid)
            .field("value", &format_args!("** {} hex digits", self.value_hex.len()))
            .finish()
    }
}

impl fmt::Debug for HolderData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let present = |b: bool| if b { "Some(**)" } else { "None" };
        f.debug_struct("HolderData")
            .field("name", &format_args!("{}", redacted(self.name.as_deref())))
            .field(
                "name_substitute_flags",
                &format_args!("{}", redacted(self.name_substitute_flags.as_deref())),
            )
            .field("sex", &format_args!("{}", present(self.sex.is_some())))
            .field("birth_date", &format_args!("{}", present(self.birth_date.is_some())))
            .field("address", &format_args!("{}", redacted(self.address.as_deref())))
            .field(
                "address_substitute_flags",
                &format_args!("{}", redacted(self.address_substitute_flags.as_deref())),
            )
            .field("other", &self.other)
            .finish()
    }
}

impl fmt::Display for HolderData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "holder:")?;
        if let Some(n) = &self.name {
            writeln!(f, "  name: {n}")?;
        }
        if let Some(b) = &self.birth_date {
            match (&b.era, &b.gregorian) {
                (Some(e), Some(g)) => writeln!(
                    f,
                    "  birth date: {g} (era {} {})",
                    b.raw.get(..1).unwrap_or(""),
                    e.kanji()
                )?,
                _ => writeln!(f, "  birth date: {} (unparsed)", b.raw)?,
            }
        }
        if let Some(s) = &self.sex {
            let s = match s {
                RecordedSex::Known(sex) => sex.name().to_string(),
                RecordedSex::Other(v) => format!("unknown code {v}"),
            };
            writeln!(f, "  sex: {s}")?;
        }
        if let Some(a) = &self.address {
            writeln!(f, "  address: {a}")?;
        }
        for o in &self.other {
            writeln!(f, "  otherName {}: {}", o.oid, o.text.as_deref().unwrap_or(&o.value_hex))?;
        }
        Ok(())
    }
}

/// Decodes the holder data from the subjectAltName; `None` without a SAN or otherNames.
pub fn decode(cert: &Certificate) -> Result<Option<HolderData>, HolderError> {
    let san = cert
        .tbs_certificate
        .get::<SubjectAltName>()
        .map_err(|e| HolderError::MalformedSan { why: e.to_string() })?;
    let Some((_, san)) = san else { return Ok(None) };
    let mut h = HolderData::default();
    let mut any = false;
    for name in &san.0 {
        let GeneralName::OtherName(on) = name else {
            continue;
        };
        any = true;
        let oid = on.type_id;
        let known =
            [OID_NAME, OID_NAME_FLAGS, OID_SEX, OID_BIRTH_DATE, OID_ADDRESS, OID_ADDRESS_FLAGS]
                .contains(&oid);
        let text = if on.value.tag() == Tag::Utf8String {
            on.value.decode_as::<String>().ok()
        } else {
            None
        };
        if !known {
            h.other.push(RawOtherName {
                oid: oid.to_string(),
                value_hex: hex::encode(on.value.to_der().unwrap_or_default()),
                text,
            });
            continue;
        }
        let Some(text) = text else {
            return Err(HolderError::NotUtf8String {
                oid: oid.to_string(),
                tag: on.value.tag().to_string(),
            });
        };
        if oid == OID_NAME {
            h.name = Some(text);
        } else if oid == OID_NAME_FLAGS {
            h.name_substitute_flags = Some(text);
        } else if oid == OID_SEX {
            h.sex = Some(match Sex::from_cert_code(text.as_bytes()) {
                Some(sex) => RecordedSex::Known(sex),
                None => RecordedSex::Other(text),
            });
        } else if oid == OID_BIRTH_DATE {
            h.birth_date = Some(BirthDate::parse(&text));
        } else if oid == OID_ADDRESS {
            h.address = Some(text);
        } else {
            h.address_substitute_flags = Some(text);
        }
    }
    Ok(any.then_some(h))
}

/// Decodes holder data from DER certificate bytes (convenience for callers without a
/// decoded certificate).
pub fn decode_der(cert_der: &[u8]) -> Result<Option<HolderData>, HolderError> {
    let cert = Certificate::from_der(cert_der)
        .map_err(|e| HolderError::MalformedSan { why: e.to_string() })?;
    decode(&cert)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_shows_no_personal_data() {
        let holder = HolderData {
            name: Some("番号　花子".to_string()),
            name_substitute_flags: Some("00000".to_string()),
            sex: Some(RecordedSex::Known(Sex::Female)),
            birth_date: Some(BirthDate::parse("419900515")),
            address: Some("虹色県夢見市".to_string()),
            address_substitute_flags: None,
            other: vec![RawOtherName {
                oid: "1.2.392.200149.8.5.5.7".to_string(),
                value_hex: "0C06E795AAE58FB7".to_string(),
                text: Some("旧姓".to_string()),
            }],
        };
        let dbg = format!("{holder:?} {holder:#?}");
        for personal in ["番号", "花子", "虹色県", "1990", "0515", "Female", "E795AA", "旧姓"]
        {
            assert!(!dbg.contains(personal), "{personal} in {dbg}");
        }
        assert!(dbg.contains("name: Some(** 5 chars)"), "{dbg}");
        assert!(dbg.contains("address_substitute_flags: None"), "{dbg}");
        assert!(dbg.contains("1.2.392.200149.8.5.5.7"), "{dbg}");
        assert_eq!(format!("{:?}", BirthDate::parse("419900515")), "BirthDate(**)");
        assert_eq!(format!("{:?}", RecordedSex::Other("7".into())), "Sex(**)");
    }

    #[test]
    fn birth_dates_with_eras() {
        let b = BirthDate::parse("419900102");
        assert_eq!(b.era, Some(Era::Heisei));
        assert_eq!(b.era_digit, Some(4));
        assert_eq!(b.gregorian.as_deref(), Some("1990-01-02"));
        let b = BirthDate::parse("320001231");
        assert_eq!((b.era, b.gregorian.as_deref()), (Some(Era::Showa), Some("2000-12-31")));
        assert_eq!(BirthDate::parse("520190501").era, Some(Era::Reiwa));
        assert_eq!(BirthDate::parse("118680101").era, Some(Era::Meiji));
        assert_eq!(BirthDate::parse("219120730").era, Some(Era::Taisho));
        let odd = BirthDate::parse("719990000");
        assert_eq!((odd.era_digit, odd.era, odd.gregorian), (Some(7), None, None));
        let junk = BirthDate::parse("x");
        assert_eq!((junk.era_digit, junk.raw.as_str()), (None, "x"));
    }

    #[test]
    fn sex_and_errors_render() {
        let e =
            HolderError::NotUtf8String { oid: OID_SEX.to_string(), tag: "PrintableString".into() };
        assert!(e.to_string().contains("1.2.392.200149.8.5.5.3"));
        let e = decode_der(b"\x30\x00").unwrap_err();
        assert!(matches!(e, HolderError::MalformedSan { .. }));
    }

    #[test]
    fn malformed_san_and_absent_san() {
        let der: &[u8] = include_bytes!("../../roots/production/signca03.cer");
        let mut cert = Certificate::from_der(der).unwrap();
        // A root's SAN holds a DirName only: no otherNames, no holder data.
        assert_eq!(decode(&cert).unwrap(), None);
        for e in cert.tbs_certificate.extensions.as_mut().unwrap() {
            if e.extn_id.to_string() == "2.5.29.17" {
                e.extn_value = der::asn1::OctetString::new(vec![0x30, 0x02, 0xFF]).unwrap();
            }
        }
        assert!(matches!(decode(&cert), Err(HolderError::MalformedSan { .. })));
    }
}
