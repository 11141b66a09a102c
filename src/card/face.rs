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

use zeroize::Zeroizing;

use crate::apdu::{Command, Ins, StatusWord};
use crate::carddata::records::{BirthRecord, FaceRecord, MyNumberImageRecord, RecordError};
use crate::facts;
use crate::transport::Transport;

use super::error::CardError;
use super::jpki::{pin_state_in, PinObjectState};
use super::pin::{CardPin, CodeA, CodeB, FaceBirthKey, PinKind};
use super::session::{FileShape, Session};
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

/// Select the code's EF, read its counter with an empty VERIFY (blocked: nothing more is
/// sent; one try left: refused unless `allow_last_try`; `63 00`: no counter), then VERIFY
/// once. The application must be selected.
pub(crate) fn verify_code_in(
    s: &mut Session<'_>,
    kind: PinKind,
    code: &[u8],
    allow_last_try: bool,
) -> Result<(), CardError> {
    s.select_ef(kind.ef())?;
    match pin_state_in(s)? {
        PinObjectState::Blocked => return Err(CardError::PinBlocked { kind }),
        PinObjectState::Remaining(1) if !allow_last_try => return Err(CardError::LastTry { kind }),
        PinObjectState::Remaining(_) | PinObjectState::Unlimited | PinObjectState::Verified => {}
        PinObjectState::Other(sw) => {
            return Err(CardError::Unexpected { command: "VERIFY (retry counter)", sw })
        }
        PinObjectState::Absent | PinObjectState::AppAbsent => {
            return Err(CardError::FileNotFound(kind.ef()))
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
    match s.read_file(ef, FileShape::Tlv) {
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
