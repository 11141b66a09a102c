//! The card-info-input support application (券面事項入力補助AP, "text AP"): the 12-digit
//! My Number (check digit validated) and the basic four facts (name, address, birth date,
//! sex). The My Number is specific personal information: it lives in a zeroizing buffer,
//! `Display` and `Debug` mask it, and only [`MyNumber::reveal`] gives the digits.

use zeroize::Zeroizing;

use crate::facts;
use crate::transport::Transport;

use super::entry::PinEntry;
use super::error::CardError;
use super::pin::{PinKind, TextPin};
use super::session::{FileShape, Session};
use super::{verify_in, Client};

/// A My Number (個人番号): 12 digits with a valid check digit.
#[derive(Clone, PartialEq, Eq)]
pub struct MyNumber(Zeroizing<String>);

pub use crate::carddata::my_number::check_digit;
pub use crate::carddata::sex::Sex;

impl MyNumber {
    /// Validate 12 ASCII digits whose last is the check digit of the first 11.
    pub fn new(digits: &str) -> Result<Self, CardError> {
        if !crate::carddata::my_number::is_valid(digits.as_bytes()) {
            return Err(CardError::BadMyNumber);
        }
        Ok(MyNumber(Zeroizing::new(digits.to_string())))
    }

    /// The 12 digits. Show them only when the user asked to.
    pub fn reveal(&self) -> &str {
        &self.0
    }

    /// The masked form, `********1234`.
    pub fn masked(&self) -> String {
        let tail = self.0.get(8..).unwrap_or_default();
        format!("********{tail}")
    }
}

impl std::fmt::Display for MyNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.masked())
    }
}

impl std::fmt::Debug for MyNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MyNumber({})", self.masked())
    }
}

/// The basic four facts (基本4情報) of the text application. Its `Debug` output shows the
/// lengths of the fields, never their contents (like the PIN types).
#[derive(Clone, PartialEq, Eq)]
pub struct Attributes {
    /// The `DF 21` header, raw.
    pub header: Vec<u8>,
    /// Name (UTF-8).
    pub name: String,
    /// Address (UTF-8).
    pub address: String,
    /// Birth date, `YYYYMMDD`.
    pub birth_date: String,
    /// Sex.
    pub sex: Sex,
}

impl std::fmt::Debug for Attributes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let len = |s: &str| format!("** {} bytes", s.len());
        f.debug_struct("Attributes")
            .field("header", &format_args!("{} bytes", self.header.len()))
            .field("name", &format_args!("{}", len(&self.name)))
            .field("address", &format_args!("{}", len(&self.address)))
            .field("birth_date", &format_args!("{}", len(&self.birth_date)))
            .field("sex", &self.sex)
            .finish()
    }
}

/// Both parts of the text application.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TextInfo {
    /// The My Number.
    pub my_number: MyNumber,
    /// The basic four facts.
    pub attributes: Attributes,
}

/// Split one TLV off the front of `buf` with the crate's one codec ([`crate::tlv`]); `what`
/// names the context in errors.
fn next_tlv<'a>(buf: &'a [u8], what: &str) -> Result<(crate::tlv::Tlv<'a>, &'a [u8]), CardError> {
    crate::tlv::next(buf).map_err(|e| CardError::Malformed(format!("{what}: {e}")))
}

/// Parse the My Number file: `FF 10 0C` + 12 ASCII digits (anything after is padding).
pub fn parse_my_number(file: &[u8]) -> Result<MyNumber, CardError> {
    let (tlv, _) = next_tlv(file, "My Number file")?;
    if tlv.tag != 0xFF10 || tlv.value.len() != 12 {
        return Err(CardError::Malformed(format!(
            "My Number file: expected tag FF10 with 12 digits, found tag {:X} with {} bytes",
            tlv.tag,
            tlv.value.len()
        )));
    }
    let digits = std::str::from_utf8(tlv.value).map_err(|_| CardError::BadMyNumber)?;
    MyNumber::new(digits)
}

fn utf8(tag: &str, value: &[u8]) -> Result<String, CardError> {
    String::from_utf8(value.to_vec())
        .map_err(|_| CardError::Malformed(format!("attribute {tag} is not UTF-8")))
}

/// Parse the attributes file: `FF 20 len { DF 21 header, DF 22 name, DF 23 address,
/// DF 24 birth date, DF 25 sex }` (anything after the outer TLV is padding; unknown inner
/// tags are skipped).
pub fn parse_attributes(file: &[u8]) -> Result<Attributes, CardError> {
    let (outer, _) = next_tlv(file, "attributes file")?;
    if outer.tag != 0xFF20 {
        return Err(CardError::Malformed(format!(
            "attributes file: expected tag FF20, found {:X}",
            outer.tag
        )));
    }
    let (mut header, mut name, mut address, mut birth, mut sex) = (None, None, None, None, None);
    let mut rest = outer.value;
    while !rest.is_empty() {
        let (tlv, after) = next_tlv(rest, "attributes file FF20")?;
        rest = after;
        match tlv.tag {
            0xDF21 => header = Some(tlv.value.to_vec()),
            0xDF22 => name = Some(utf8("DF22 (name)", tlv.value)?),
            0xDF23 => address = Some(utf8("DF23 (address)", tlv.value)?),
            0xDF24 => {
                if tlv.value.len() != 8 || !tlv.value.iter().all(u8::is_ascii_digit) {
                    return Err(CardError::Malformed(
                        "attribute DF24 (birth date) is not YYYYMMDD".into(),
                    ));
                }
                birth = Some(utf8("DF24 (birth date)", tlv.value)?);
            }
            0xDF25 => {
                sex = Some(Sex::from_text_code(tlv.value).ok_or_else(|| {
                    CardError::Malformed("attribute DF25 (sex) is not 1, 2 or 9".into())
                })?)
            }
            _ => {}
        }
    }
    let missing = |tag: &str| CardError::Malformed(format!("attribute {tag} missing"));
    Ok(Attributes {
        header: header.ok_or_else(|| missing("DF21 (header)"))?,
        name: name.ok_or_else(|| missing("DF22 (name)"))?,
        address: address.ok_or_else(|| missing("DF23 (address)"))?,
        birth_date: birth.ok_or_else(|| missing("DF24 (birth date)"))?,
        sex: sex.ok_or_else(|| missing("DF25 (sex)"))?,
    })
}

fn read_my_number_file_in(s: &mut Session<'_>) -> Result<Zeroizing<Vec<u8>>, CardError> {
    let file =
        s.read_file(facts::text::EF_MY_NUMBER, FileShape::UpTo(facts::text::MY_NUMBER_FILE_LEN))?;
    Ok(Zeroizing::new(file))
}

fn read_my_number_in(s: &mut Session<'_>) -> Result<MyNumber, CardError> {
    parse_my_number(&read_my_number_file_in(s)?)
}

fn read_attributes_in(s: &mut Session<'_>) -> Result<Attributes, CardError> {
    let file = s.read_file(facts::text::EF_ATTRIBUTES, FileShape::Tlv)?;
    parse_attributes(&file)
}

/// What the text application's J-LIS signature is checked over: the My Number file as
/// stored (all 17 physical bytes, filler included, since the integrity record's h1 covers
/// them), the attributes file, the integrity record (EF 0003) and the application's CVC (EF
/// 0004). Personal data: zeroizing buffers, `Debug` prints lengths only.
pub struct TextEvidence {
    /// EF 0001 as read.
    pub my_number_file: Zeroizing<Vec<u8>>,
    /// EF 0002 as read.
    pub attributes_file: Zeroizing<Vec<u8>>,
    /// EF 0003 as read; `None` when the card has no such file (`6A 82`).
    pub integrity: Option<Vec<u8>>,
    /// EF 0004 as read; `None` when the card has no such file (`6A 82`).
    pub cvc: Option<Vec<u8>>,
}

impl std::fmt::Debug for TextEvidence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "TextEvidence(<{}>, <{}>, <{}>, <{}> bytes)",
            self.my_number_file.len(),
            self.attributes_file.len(),
            self.integrity.as_ref().map_or(0, Vec::len),
            self.cvc.as_ref().map_or(0, Vec::len)
        )
    }
}

/// A file that may be missing on cards (or virtual cards) without it.
pub(super) fn optional(read: Result<Vec<u8>, CardError>) -> Result<Option<Vec<u8>>, CardError> {
    match read {
        Ok(v) => Ok(Some(v)),
        Err(CardError::FileNotFound(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

pub(super) fn no_text_app() -> CardError {
    CardError::NoTextApp
}

impl<T: Transport> Client<T> {
    /// Verify the text PIN (typed on the host or the reader's pad) and read the My Number,
    /// then clear the security state.
    pub fn read_my_number(
        &mut self,
        entry: PinEntry<'_, TextPin>,
        allow_last_try: bool,
    ) -> Result<MyNumber, CardError> {
        self.in_app_cleared(&facts::AID_TEXT, no_text_app, |s| {
            verify_in(s, PinKind::Text, entry.secret(), allow_last_try)?;
            read_my_number_in(s)
        })
    }

    /// Verify the text PIN (typed on the host or the reader's pad) and read the basic four
    /// facts, then clear the security state.
    pub fn read_attributes(
        &mut self,
        entry: PinEntry<'_, TextPin>,
        allow_last_try: bool,
    ) -> Result<Attributes, CardError> {
        self.in_app_cleared(&facts::AID_TEXT, no_text_app, |s| {
            verify_in(s, PinKind::Text, entry.secret(), allow_last_try)?;
            read_attributes_in(s)
        })
    }

    /// Verify the text PIN (typed on the host or the reader's pad) once and read both the My
    /// Number and the basic four facts, then clear the security state.
    pub fn read_text(
        &mut self,
        entry: PinEntry<'_, TextPin>,
        allow_last_try: bool,
    ) -> Result<TextInfo, CardError> {
        self.in_app_cleared(&facts::AID_TEXT, no_text_app, |s| {
            verify_in(s, PinKind::Text, entry.secret(), allow_last_try)?;
            let my_number = read_my_number_in(s)?;
            let attributes = read_attributes_in(s)?;
            Ok(TextInfo { my_number, attributes })
        })
    }

    /// Verify the text PIN (typed on the host or the reader's pad) once and read the My
    /// Number, the basic four facts and what their signature is checked over (integrity
    /// record EF 0003, CVC EF 0004), then clear the security state.
    pub fn read_text_checked(
        &mut self,
        entry: PinEntry<'_, TextPin>,
        allow_last_try: bool,
    ) -> Result<(TextInfo, TextEvidence), CardError> {
        self.in_app_cleared(&facts::AID_TEXT, no_text_app, |s| {
            let cvc = optional(s.read_file(facts::text_more::EF_CVC, FileShape::Tlv))?;
            verify_in(s, PinKind::Text, entry.secret(), allow_last_try)?;
            let my_number_file = read_my_number_file_in(s)?;
            let my_number = parse_my_number(&my_number_file)?;
            let attributes_file =
                Zeroizing::new(s.read_file(facts::text::EF_ATTRIBUTES, FileShape::Tlv)?);
            let attributes = parse_attributes(&attributes_file)?;
            let integrity = optional(s.read_file(facts::text_more::EF_INTEGRITY, FileShape::Tlv))?;
            let evidence = TextEvidence { my_number_file, attributes_file, integrity, cvc };
            Ok((TextInfo { my_number, attributes }, evidence))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_shows_no_personal_data() {
        let info = TextInfo {
            my_number: MyNumber::new("123456789018").unwrap(),
            attributes: Attributes {
                header: vec![0xDF, 0x21],
                name: "番号　花子".to_string(),
                address: "虹色県夢見市".to_string(),
                birth_date: "19900515".to_string(),
                sex: Sex::Female,
            },
        };
        let dbg = format!("{info:?} {:#?}", info.attributes);
        for personal in ["番号", "花子", "虹色県", "19900515", "Female", "12345678"] {
            assert!(!dbg.contains(personal), "{personal} in {dbg}");
        }
        assert!(dbg.contains("name: ** 15 bytes"), "{dbg}");
        assert!(dbg.contains("sex: Sex(**)"), "{dbg}");
        assert_eq!(format!("{:?}", Sex::Male), "Sex(**)");
    }

    #[test]
    fn my_numbers_need_their_check_digit() {
        assert!(MyNumber::new("123456789018").is_ok());
        assert!(matches!(MyNumber::new("123456789017"), Err(CardError::BadMyNumber)));
        assert!(matches!(MyNumber::new("12345678901"), Err(CardError::BadMyNumber)));
        assert!(matches!(MyNumber::new("1234567890188"), Err(CardError::BadMyNumber)));
        assert!(matches!(MyNumber::new("12345678901x"), Err(CardError::BadMyNumber)));
    }

    #[test]
    fn my_number_is_masked() {
        let n = MyNumber::new("123456789018").unwrap();
        assert_eq!(n.to_string(), "********9018");
        assert_eq!(format!("{n:?}"), "MyNumber(********9018)");
        assert_eq!(n.reveal(), "123456789018");
    }

    #[test]
    fn my_number_file() {
        let mut f = vec![0xFF, 0x10, 0x0C];
        f.extend_from_slice(b"123456789018");
        f.extend_from_slice(&[0xFF, 0xFF]);
        assert_eq!(parse_my_number(&f).unwrap().reveal(), "123456789018");
        f[3] = b'x';
        assert!(matches!(parse_my_number(&f), Err(CardError::BadMyNumber)));
        let err = parse_my_number(&[0xFF, 0x11, 0x01, 0x31]).unwrap_err().to_string();
        assert!(err.contains("FF11"), "{err}");
        assert!(
            matches!(parse_my_number(&[0xFF, 0x10, 0x0C, 0x31]), Err(CardError::Malformed(m)) if m.contains("FF10"))
        );
    }

    fn tlv(tag: &[u8], value: &[u8]) -> Vec<u8> {
        let mut v = tag.to_vec();
        match value.len() {
            n @ 0..=0x7F => v.push(n as u8),
            n @ 0x80..=0xFF => v.extend([0x81, n as u8]),
            n => v.extend([0x82, (n >> 8) as u8, n as u8]),
        }
        v.extend_from_slice(value);
        v
    }

    pub(crate) fn attributes_file(name: &str, address: &str) -> Vec<u8> {
        let mut inner = tlv(&[0xDF, 0x21], &[0x01, 0x02]);
        inner.extend(tlv(&[0xDF, 0x22], name.as_bytes()));
        inner.extend(tlv(&[0xDF, 0x23], address.as_bytes()));
        inner.extend(tlv(&[0xDF, 0x24], b"19800101"));
        inner.extend(tlv(&[0xDF, 0x25], b"2"));
        tlv(&[0xFF, 0x20], &inner)
    }

    #[test]
    fn attributes_parse_all_length_forms() {
        let long_address = "東京都千代田区".repeat(20); // 420 bytes: 82 xx xx
        let mut f = attributes_file("山田　花子", &long_address);
        f.extend([0xFF; 10]);
        let a = parse_attributes(&f).unwrap();
        assert_eq!(a.name, "山田　花子");
        assert_eq!(a.address, long_address);
        assert_eq!(a.birth_date, "19800101");
        assert_eq!(a.sex, Sex::Female);
        assert_eq!(a.header, vec![1, 2]);
        let medium = "あ".repeat(50); // 150 bytes: 81 xx
        assert_eq!(parse_attributes(&attributes_file(&medium, "x")).unwrap().name, medium);
    }

    #[test]
    fn malformed_attributes_name_the_tag() {
        let err = |f: &[u8]| parse_attributes(f).unwrap_err().to_string();
        assert!(err(&[0xFF, 0x21, 0x00]).contains("FF21"));
        let mut bad_utf8 = tlv(&[0xDF, 0x22], &[0xFF, 0xFE]);
        bad_utf8 = tlv(&[0xFF, 0x20], &bad_utf8);
        assert!(err(&bad_utf8).contains("DF22"));
        let cut = tlv(&[0xFF, 0x20], &[0xDF, 0x23, 0x05, 0x41]);
        assert!(err(&cut).contains("DF23"), "{}", err(&cut));
        let sex = tlv(&[0xFF, 0x20], &tlv(&[0xDF, 0x25], b"3"));
        assert!(err(&sex).contains("DF25"));
        let birth = tlv(&[0xFF, 0x20], &tlv(&[0xDF, 0x24], b"1980011"));
        assert!(err(&birth).contains("DF24"));
        let missing = tlv(&[0xFF, 0x20], &tlv(&[0xDF, 0x21], b""));
        assert!(err(&missing).contains("DF22"));
        assert!(err(&[0xFF, 0x20, 0x84, 0, 0, 0, 1]).contains("FF20"));
        assert!(err(&[]).contains("no data"), "{}", err(&[]));
    }
}
