//! The card-face confirmation application (券面事項確認AP, "card-face AP"): reading the card
//! face with 照合番号A or 照合番号B, the birth record with the 生年月日 key, the application's
//! CVC (free read), and the card-key challenge. Reading only: the records' formats are
//! `carddata::records`, their signatures are checked by `verify::authenticity`.
//!
//! Facts (docs/card-facts.md §3 and §5; the virtual card's copy in docs/card-image.md): EF 0001 birth record (生年月日 key EF 0011), EF 0002 the card face (照合番号A
//! EF 0013 or 照合番号B EF 0012), EF 0004 the CVC (free), EF 0005 the My Number image
//! (照合番号A only). 照合番号A opens EF 0002 too. The codes travel in clear (the application
//! has no secure messaging). An empty VERIFY answers `63 Cx` (tries left), `63 C0` / `69 84`
//! (blocked) or `63 00` (no counter). Every answer of this application is personal data:
//! the buffers here are zeroizing and `Debug` prints lengths only.
//!
//! Every operation that verifies a code runs through `Client::in_app_cleared`, so the
//! security state is cleared afterwards whatever happened.
//!
//! `face read` also reads, with the same code, what the text application
//! (券面事項入力補助AP) opens to it ([`Client::read_face_and_text`]): its PIN objects EF 0014
//! (照合番号A) and EF 0015 (照合番号B) take the same digits as the card-face application's;
//! 照合番号B opens EF 0002 (name, address, birth date and sex as text) but not EF 0001 (My
//! Number); 照合番号A opens EF 0001 but not EF 0002; both open EF 0003 (the integrity record);
//! EF 0004 (the CVC) is free (docs/card-facts.md §2, sources \[C,J,A\] for 0014/0015).

use zeroize::Zeroizing;

use crate::apdu::{Command, Ins, StatusWord};
use crate::carddata::records::{BirthRecord, FaceRecord, MyNumberImageRecord, RecordError};
use crate::facts;
use crate::transport::Transport;

use super::error::CardError;
use super::jpki::{pin_state_in, PinObjectState};
use super::pin::{CardPin, CodeA, CodeB, FaceBirthKey, PinKind};
use super::session::{FileShape, Session};
use super::text::{no_text_app, optional, parse_attributes, parse_my_number, Attributes, MyNumber};
use super::Client;

/// The code that opens the card face.
#[derive(Clone, Debug)]
pub enum FaceCode {
    /// 照合番号A (the My Number): opens the face and the My Number image.
    A(CodeA),
    /// 照合番号B: opens the face only.
    B(CodeB),
}

impl FaceCode {
    fn kind(&self) -> PinKind {
        match self {
            FaceCode::A(_) => PinKind::FaceCodeA,
            FaceCode::B(_) => PinKind::FaceCodeB,
        }
    }

    fn bytes(&self) -> &[u8] {
        match self {
            FaceCode::A(a) => a.as_bytes(),
            FaceCode::B(b) => b.as_bytes(),
        }
    }
}

/// What `face read` got from the card, as stored (each record checked parseable).
pub struct FaceData {
    face: Zeroizing<Vec<u8>>,
    my_number_image: Option<Zeroizing<Vec<u8>>>,
    cvc: Vec<u8>,
}

impl std::fmt::Debug for FaceData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FaceData")
            .field("face", &format_args!("<{} bytes>", self.face.len()))
            .field(
                "my_number_image",
                &format_args!("{:?}", self.my_number_image.as_ref().map(|m| m.len())),
            )
            .field("cvc", &format_args!("<{} bytes>", self.cvc.len()))
            .finish()
    }
}

fn malformed(e: RecordError) -> CardError {
    CardError::Malformed(e.to_string())
}

impl FaceData {
    /// Build from the files as read (checks that the records parse).
    pub fn new(
        face: Vec<u8>,
        my_number_image: Option<Vec<u8>>,
        cvc: Vec<u8>,
    ) -> Result<Self, CardError> {
        let d = FaceData {
            face: Zeroizing::new(face),
            my_number_image: my_number_image.map(Zeroizing::new),
            cvc,
        };
        d.face()?;
        if let Some(r) = d.my_number_image() {
            r?;
        }
        Ok(d)
    }

    /// The card face (EF 0002).
    pub fn face(&self) -> Result<FaceRecord<'_>, CardError> {
        FaceRecord::parse(&self.face).map_err(malformed)
    }

    /// The My Number image record (EF 0005), read with 照合番号A only.
    pub fn my_number_image(&self) -> Option<Result<MyNumberImageRecord<'_>, CardError>> {
        self.my_number_image.as_ref().map(|m| MyNumberImageRecord::parse(m).map_err(malformed))
    }

    /// The application's CVC file (EF 0004) as read.
    pub fn cvc(&self) -> &[u8] {
        &self.cvc
    }

    /// EF 0002 exactly as read (what the signature check hashes).
    pub fn face_raw(&self) -> &[u8] {
        &self.face
    }

    /// EF 0005 exactly as read, when read.
    pub fn my_number_image_raw(&self) -> Option<&[u8]> {
        self.my_number_image.as_ref().map(|m| m.as_slice())
    }
}

/// What `face age` got from the card: the signed birth record (EF 0001) and the CVC.
pub struct BirthProof {
    record: Zeroizing<Vec<u8>>,
    cvc: Vec<u8>,
}

impl std::fmt::Debug for BirthProof {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "BirthProof(<{} bytes>, cvc <{} bytes>)", self.record.len(), self.cvc.len())
    }
}

impl BirthProof {
    /// Build from the files as read (checks that the record parses).
    pub fn new(record: Vec<u8>, cvc: Vec<u8>) -> Result<Self, CardError> {
        let p = BirthProof { record: Zeroizing::new(record), cvc };
        p.record()?;
        Ok(p)
    }

    /// EF 0001 exactly as read.
    pub fn raw(&self) -> &[u8] {
        &self.record
    }

    /// The birth record (EF 0001).
    pub fn record(&self) -> Result<BirthRecord<'_>, CardError> {
        BirthRecord::parse(&self.record).map_err(malformed)
    }

    /// The application's CVC file (EF 0004) as read.
    pub fn cvc(&self) -> &[u8] {
        &self.cvc
    }
}

/// What `face read` got from the text application with the same code
/// ([`Client::read_face_and_text`]): with 照合番号B the attributes file (EF 0002: name,
/// address, birth date, sex as text), with 照合番号A the My Number file (EF 0001, all 17
/// stored bytes), and with either what their J-LIS signature is checked over: the integrity
/// record (EF 0003) and the application's CVC (EF 0004), `None` when the card has no such
/// file (`6A 82`). Personal data: zeroizing buffers, `Debug` prints lengths only.
pub struct FaceText {
    my_number_file: Option<Zeroizing<Vec<u8>>>,
    my_number: Option<MyNumber>,
    attributes_file: Option<Zeroizing<Vec<u8>>>,
    attributes: Option<Attributes>,
    integrity: Option<Vec<u8>>,
    cvc: Option<Vec<u8>>,
}

impl std::fmt::Debug for FaceText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let len = |v: Option<&[u8]>| v.map(<[u8]>::len);
        f.debug_struct("FaceText")
            .field("my_number_file", &len(self.my_number_file_raw()))
            .field("attributes_file", &len(self.attributes_file_raw()))
            .field("integrity", &len(self.integrity()))
            .field("cvc", &len(self.cvc()))
            .finish()
    }
}

impl FaceText {
    /// Build from the files as read (checks that what was read parses: the My Number with
    /// its check digit, the attributes with every field).
    pub fn new(
        my_number_file: Option<Vec<u8>>,
        attributes_file: Option<Vec<u8>>,
        integrity: Option<Vec<u8>>,
        cvc: Option<Vec<u8>>,
    ) -> Result<Self, CardError> {
        let my_number_file = my_number_file.map(Zeroizing::new);
        let attributes_file = attributes_file.map(Zeroizing::new);
        let my_number = my_number_file.as_ref().map(|f| parse_my_number(f)).transpose()?;
        let attributes = attributes_file.as_ref().map(|f| parse_attributes(f)).transpose()?;
        Ok(FaceText { my_number_file, my_number, attributes_file, attributes, integrity, cvc })
    }

    /// The My Number (text EF 0001), read with 照合番号A only.
    pub fn my_number(&self) -> Option<&MyNumber> {
        self.my_number.as_ref()
    }

    /// Name, address, birth date and sex as text (text EF 0002), read with 照合番号B only.
    pub fn attributes(&self) -> Option<&Attributes> {
        self.attributes.as_ref()
    }

    /// EF 0001 exactly as read (what the integrity record's h1 hashes).
    pub fn my_number_file_raw(&self) -> Option<&[u8]> {
        self.my_number_file.as_ref().map(|f| f.as_slice())
    }

    /// EF 0002 exactly as read (what the integrity record's h2 hashes).
    pub fn attributes_file_raw(&self) -> Option<&[u8]> {
        self.attributes_file.as_ref().map(|f| f.as_slice())
    }

    /// The integrity record (EF 0003) as read; `None` when the card has none.
    pub fn integrity(&self) -> Option<&[u8]> {
        self.integrity.as_deref()
    }

    /// The text application's CVC (EF 0004) as read; `None` when the card has none.
    pub fn cvc(&self) -> Option<&[u8]> {
        self.cvc.as_deref()
    }
}

/// The text-application part of `face read`.
#[derive(Debug)]
pub enum FaceTextOutcome {
    /// Read.
    Read(FaceText),
    /// Not read: the card has no text application, or it has no such code, refused it
    /// (blocked, one try left without permission, wrong, a file refused) or answered data
    /// that does not parse. The card face stands on its own.
    Skipped(CardError),
}

/// Whether a failure of the text part ends `face read` instead of being reported beside the
/// card face: the link failed, or the application could not be left so the code may still
/// be verified on the card (both need the user's attention, not a note).
fn ends_face_read(e: &CardError) -> bool {
    matches!(e, CardError::Transport(_) | CardError::NotCleared(_))
}

/// Select the code's EF, read its counter with an empty VERIFY (blocked: nothing more is
/// sent; one try left: refused unless `allow_last_try`; `63 00`: no counter), then VERIFY
/// once. The application must be selected.
pub(crate) fn verify_code_in(
    s: &mut Session<'_>,
    kind: PinKind,
    code: &[u8],
    allow_last_try: bool,
) -> Result<(), CardError> {
    verify_code_at(s, kind.ef(), kind, code, allow_last_try)
}

/// [`verify_code_in`] with the code's PIN object at `ef` of the selected application (the
/// text application keeps 照合番号A/B at EF 0014/0015); errors name the code by `kind`.
fn verify_code_at(
    s: &mut Session<'_>,
    ef: u16,
    kind: PinKind,
    code: &[u8],
    allow_last_try: bool,
) -> Result<(), CardError> {
    s.select_ef(ef)?;
    match pin_state_in(s)? {
        PinObjectState::Blocked => return Err(CardError::PinBlocked { kind }),
        PinObjectState::Remaining(1) if !allow_last_try => return Err(CardError::LastTry { kind }),
        PinObjectState::Remaining(_) | PinObjectState::Unlimited | PinObjectState::Verified => {}
        PinObjectState::Other(sw) => {
            return Err(CardError::Unexpected { command: "VERIFY (retry counter)", sw })
        }
        PinObjectState::Absent | PinObjectState::AppAbsent => {
            return Err(CardError::FileNotFound(ef))
        }
    }
    let resp = s.apdu(&Command::verify(code))?;
    match resp.sw {
        StatusWord::Success => Ok(()),
        StatusWord::TriesLeft(n) => Err(CardError::WrongPin { kind, tries_left: n }),
        sw if sw.is_blocked() => Err(CardError::PinBlocked { kind }),
        sw => Err(CardError::Unexpected { command: "VERIFY", sw }),
    }
}

fn no_face_app() -> CardError {
    CardError::NoFaceApp
}

fn read_record(s: &mut Session<'_>, ef: u16, what: &'static str) -> Result<Vec<u8>, CardError> {
    read_shaped(s, ef, FileShape::Tlv, what)
}

fn read_shaped(
    s: &mut Session<'_>,
    ef: u16,
    shape: FileShape,
    what: &'static str,
) -> Result<Vec<u8>, CardError> {
    match s.read_file(ef, shape) {
        Err(CardError::SecurityStatus { .. }) => Err(CardError::SecurityStatus { what }),
        other => other,
    }
}

/// Length of a host nonce for [`Client::face_challenge`].
pub const CHALLENGE_NONCE_LEN: usize = 32;

impl<T: Transport> Client<T> {
    /// Read the card face with 照合番号A or B: inside one transaction select the card-face
    /// application, read its CVC (EF 0004, free), check the code's counter, VERIFY once,
    /// read EF 0002 (and with A the My Number image EF 0005), then clear the security state.
    pub fn read_face(
        &mut self,
        code: &FaceCode,
        allow_last_try: bool,
    ) -> Result<FaceData, CardError> {
        self.in_app_cleared(&facts::AID_VISUAL, no_face_app, |s| {
            let cvc = read_record(s, facts::visual::EF_CVC, "to read the card-face CVC")?;
            verify_code_in(s, code.kind(), code.bytes(), allow_last_try)?;
            let face =
                Zeroizing::new(read_record(s, facts::visual::EF_FACE, "to read the card face")?);
            let image = match code {
                FaceCode::A(_) => Some(read_record(
                    s,
                    facts::visual::EF_MY_NUMBER_IMAGE,
                    "to read the My Number image",
                )?),
                FaceCode::B(_) => None,
            };
            FaceData::new(face.to_vec(), image, cvc)
        })
    }

    /// [`Client::read_face`], then, with the same code, the text application: what that code
    /// opens there ([`Client::read_face_text`]). The code is checked on the card face first,
    /// so a wrong code stops there and the text application is not touched. A text part that
    /// the card refuses or lacks is returned as [`FaceTextOutcome::Skipped`] beside the card
    /// face; only a failed link or an application that could not be left end the read.
    pub fn read_face_and_text(
        &mut self,
        code: &FaceCode,
        allow_last_try: bool,
    ) -> Result<(FaceData, FaceTextOutcome), CardError> {
        let face = self.read_face(code, allow_last_try)?;
        let text = match self.read_face_text(code, allow_last_try) {
            Ok(t) => FaceTextOutcome::Read(t),
            Err(e) if ends_face_read(&e) => return Err(e),
            Err(e) => FaceTextOutcome::Skipped(e),
        };
        Ok((face, text))
    }

    /// The text application with 照合番号A or B: inside one transaction select it, read its
    /// CVC (EF 0004, free; before any VERIFY), check the code's counter (EF 0014 for A, EF
    /// 0015 for B; blocked: nothing more is sent; one try left: refused unless
    /// `allow_last_try`), VERIFY once, read what the code opens (A: the My Number file EF
    /// 0001; B: the attributes file EF 0002) and the integrity record (EF 0003), then leave
    /// the application to clear the security state. Errors name the code by its card-face
    /// kind ([`PinKind::FaceCodeA`] / [`PinKind::FaceCodeB`]): the digits are the same.
    pub fn read_face_text(
        &mut self,
        code: &FaceCode,
        allow_last_try: bool,
    ) -> Result<FaceText, CardError> {
        use facts::text_more as t;
        self.in_app_cleared(&facts::AID_TEXT, no_text_app, |s| {
            let cvc = optional(s.read_file(t::EF_CVC, FileShape::Tlv))?;
            let ef = match code {
                FaceCode::A(_) => t::EF_CODE_A,
                FaceCode::B(_) => t::EF_CODE_B,
            };
            verify_code_at(s, ef, code.kind(), code.bytes(), allow_last_try)?;
            let (my_number_file, attributes_file) = match code {
                FaceCode::A(_) => {
                    let shape = FileShape::UpTo(facts::text::MY_NUMBER_FILE_LEN);
                    let what = "to read the My Number (text EF 0001)";
                    (Some(read_shaped(s, facts::text::EF_MY_NUMBER, shape, what)?), None)
                }
                FaceCode::B(_) => {
                    let what = "to read the name and address (text EF 0002)";
                    (None, Some(read_shaped(s, facts::text::EF_ATTRIBUTES, FileShape::Tlv, what)?))
                }
            };
            let my_number_file = my_number_file.map(Zeroizing::new);
            let attributes_file = attributes_file.map(Zeroizing::new);
            let integrity = optional(read_shaped(
                s,
                t::EF_INTEGRITY,
                FileShape::Tlv,
                "to read the text integrity record (EF 0003)",
            ))?;
            FaceText::new(
                my_number_file.as_ref().map(|f| f.to_vec()),
                attributes_file.as_ref().map(|f| f.to_vec()),
                integrity,
                cvc,
            )
        })
    }

    /// The birth record for an age check: select the card-face application, read its CVC,
    /// check the 生年月日 key's counter, VERIFY it once (the card confirms the birth date the
    /// holder gave), read EF 0001, then clear the security state. Nothing else is read.
    pub fn read_birth_record(
        &mut self,
        key: &FaceBirthKey,
        allow_last_try: bool,
    ) -> Result<BirthProof, CardError> {
        self.in_app_cleared(&facts::AID_VISUAL, no_face_app, |s| {
            let cvc = read_record(s, facts::visual::EF_CVC, "to read the card-face CVC")?;
            verify_code_in(s, PinKind::FaceBirth, key.as_bytes(), allow_last_try)?;
            let record = read_record(s, facts::visual::EF_BIRTH, "to read the birth record")?;
            BirthProof::new(record, cvc)
        })
    }

    /// The card-key challenge (no credential, docs/card-facts.md §5): in the card-face
    /// application `80 2A 00 00 33 <DigestInfo(SHA-256(nonce))> 00` asks the card key
    /// (private key EF 001A) for a PKCS#1 v1.5 signature over the host's nonce. Single
    /// source: the caller checks it against the card key of a record whose signature
    /// verified, and reports it as single-source.
    pub fn face_challenge(&mut self, nonce: &[u8]) -> Result<Vec<u8>, CardError> {
        use sha2::{Digest, Sha256};
        let mut di = facts::DIGEST_INFO_SHA256.to_vec();
        di.extend_from_slice(&Sha256::digest(nonce));
        let cmd =
            Command::new(0x80, Ins::ComputeDigitalSignature, 0x00, 0x00).with_data(di).with_le(256);
        let mut ex = self.exclusive()?;
        let mut s = ex.session();
        if !s.select_aid(&facts::AID_VISUAL)? {
            return Err(CardError::NoFaceApp);
        }
        let resp = s.apdu(&cmd)?;
        match resp.sw {
            StatusWord::Success if resp.data.len() == super::jpki::SIGNATURE_LEN => {
                Ok(resp.data.to_vec())
            }
            StatusWord::Success => Err(CardError::Malformed(format!(
                "card-key signature of {} bytes, {} expected",
                resp.data.len(),
                super::jpki::SIGNATURE_LEN
            ))),
            sw => Err(CardError::Unexpected { command: "card-key challenge (80 2A)", sw }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::TransportError;

    fn my_number_file(digits: &str) -> Vec<u8> {
        let mut f = vec![0xFF, 0x10, 0x0C];
        f.extend_from_slice(digits.as_bytes());
        f.extend_from_slice(&[0xFF, 0xFF]);
        f
    }

    fn attributes_file(name: &str) -> Vec<u8> {
        let tlv = |tag: [u8; 2], v: &[u8]| {
            let mut out = tag.to_vec();
            out.push(v.len() as u8);
            out.extend_from_slice(v);
            out
        };
        let mut inner = tlv([0xDF, 0x21], &[0, 1]);
        inner.extend(tlv([0xDF, 0x22], name.as_bytes()));
        inner.extend(tlv([0xDF, 0x23], "虹色県".as_bytes()));
        inner.extend(tlv([0xDF, 0x24], b"19900515"));
        inner.extend(tlv([0xDF, 0x25], b"2"));
        tlv([0xFF, 0x20], &inner)
    }

    #[test]
    fn face_text_parses_what_was_read_and_debug_shows_lengths_only() {
        let t = FaceText::new(
            Some(my_number_file("123456789018")),
            Some(attributes_file("番号　花子")),
            Some(vec![1, 2, 3]),
            None,
        )
        .unwrap();
        assert_eq!(t.my_number().map(MyNumber::reveal), Some("123456789018"));
        assert_eq!(t.attributes().map(|a| a.name.as_str()), Some("番号　花子"));
        assert_eq!(t.my_number_file_raw().map(<[u8]>::len), Some(17));
        assert_eq!((t.integrity(), t.cvc()), (Some(&[1u8, 2, 3][..]), None));
        let dbg = format!("{t:?}");
        assert_eq!(
            dbg,
            "FaceText { my_number_file: Some(17), attributes_file: Some(53), integrity: Some(3), cvc: None }"
        );
    }

    #[test]
    fn face_text_refuses_what_does_not_parse() {
        let bad_digit = FaceText::new(Some(my_number_file("123456789017")), None, None, None);
        assert!(matches!(bad_digit, Err(CardError::BadMyNumber)), "{bad_digit:?}");
        let bad_attrs = FaceText::new(None, Some(vec![0xFF, 0x21, 0x00]), None, None);
        assert!(matches!(bad_attrs, Err(CardError::Malformed(m)) if m.contains("FF21")));
        assert!(FaceText::new(None, None, None, None).is_ok());
    }

    #[test]
    fn only_a_failed_link_or_an_uncleared_state_ends_face_read() {
        assert!(ends_face_read(&CardError::Transport(TransportError::CardRemoved)));
        assert!(ends_face_read(&CardError::NotCleared("x".into())));
        for note in [
            CardError::NoTextApp,
            CardError::FileNotFound(0x0015),
            CardError::PinBlocked { kind: PinKind::FaceCodeB },
            CardError::LastTry { kind: PinKind::FaceCodeA },
            CardError::WrongPin { kind: PinKind::FaceCodeB, tries_left: 9 },
            CardError::SecurityStatus { what: "x" },
            CardError::Malformed("x".into()),
            CardError::BadMyNumber,
        ] {
            assert!(!ends_face_read(&note), "{note:?}");
        }
    }
}
