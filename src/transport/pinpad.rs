//! PIN-pad readers (secure PIN entry, PC/SC v2 part 10): the reader's feature list
//! (`CM_IOCTL_GET_FEATURE_REQUEST`), the `PIN_VERIFY_STRUCTURE` for `FEATURE_VERIFY_PIN_DIRECT`,
//! the decision whether to use the pad ([`PinPadMode`], [`decide`]), the interpretation of the
//! pad's answer, and the thin `SCardControl` wrappers ([`read_features`],
//! [`verify_on_pinpad`]) that need real hardware and are not tested here.
//!
//! The PIN never passes through the host when the pad is used: the reader inserts the digits
//! the user typed into the VERIFY APDU it sends to the card.
//!
//! Pads have digit keys only. The authentication PIN and the text-application PIN are 4
//! digits and fit; the signature password is 6–16 characters of `A–Z0–9` and (per J-LIS's
//! rules, not verified here) contains at least one letter, which a pad cannot type. So the
//! pad is never chosen for the signature password: [`decide`] falls back to the keyboard in
//! `Auto` and refuses in `On`. [`verify_structure`] still builds the 6–16 structure for rigs
//! that want to try a pad with an all-digit test password.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use crate::apdu::StatusWord;

/// Argument of `SCARD_CTL_CODE` for `CM_IOCTL_GET_FEATURE_REQUEST`.
pub const GET_FEATURE_REQUEST: u32 = 3400;

/// Feature tags of the `CM_IOCTL_GET_FEATURE_REQUEST` answer (PC/SC v2 part 10).
pub mod feature {
    /// Start a PIN verification (two-step variant).
    pub const VERIFY_PIN_START: u8 = 0x01;
    /// Finish a PIN verification (two-step variant).
    pub const VERIFY_PIN_FINISH: u8 = 0x02;
    /// Start a PIN modification (two-step variant).
    pub const MODIFY_PIN_START: u8 = 0x03;
    /// Finish a PIN modification (two-step variant).
    pub const MODIFY_PIN_FINISH: u8 = 0x04;
    /// Last key pressed (two-step variant).
    pub const GET_KEY_PRESSED: u8 = 0x05;
    /// Verify a PIN entered on the pad, in one call (the one this crate uses).
    pub const VERIFY_PIN_DIRECT: u8 = 0x06;
    /// Change a PIN entered on the pad, in one call.
    pub const MODIFY_PIN_DIRECT: u8 = 0x07;
    /// MCT reader-direct commands.
    pub const MCT_READER_DIRECT: u8 = 0x08;
    /// MCT universal commands.
    pub const MCT_UNIVERSAL: u8 = 0x09;
    /// The pad's PIN properties (display, validation conditions).
    pub const IFD_PIN_PROPERTIES: u8 = 0x0A;
    /// Abort a PIN entry.
    pub const ABORT: u8 = 0x0B;
    /// Set the pad's messages.
    pub const SET_SPE_MESSAGE: u8 = 0x0C;
    /// Verify with an application id.
    pub const VERIFY_PIN_DIRECT_APP_ID: u8 = 0x0D;
    /// Modify with an application id.
    pub const MODIFY_PIN_DIRECT_APP_ID: u8 = 0x0E;
    /// Write to the display.
    pub const WRITE_DISPLAY: u8 = 0x0F;
    /// Read a key.
    pub const GET_KEY: u8 = 0x10;
    /// Display properties.
    pub const IFD_DISPLAY_PROPERTIES: u8 = 0x11;
    /// TLV properties of the reader (min/max PIN size, vendor and product id, …).
    pub const GET_TLV_PROPERTIES: u8 = 0x12;
    /// Vendor escape commands.
    pub const CCID_ESC_COMMAND: u8 = 0x13;
}

/// The VERIFY header the pad completes: `00 20 00 80`, then an Lc placeholder of `00` that
/// the reader replaces with the number of digits entered.
pub const VERIFY_TEMPLATE: [u8; 5] = [0x00, 0x20, 0x00, 0x80, 0x00];

/// `bmFormatString`: system units are bytes (bit 7), the PIN starts at byte 0 of the data
/// field (bits 6–3), left justified (bit 2), ASCII (bits 1–0 = `10`).
pub const FORMAT_ASCII_BYTES: u8 = 0x82;

/// `bEntryValidationCondition`: entry ends when the maximum size is reached.
pub const VALIDATE_MAX_SIZE: u8 = 0x01;
/// `bEntryValidationCondition`: entry ends when the validation key is pressed.
pub const VALIDATE_KEY: u8 = 0x02;

/// Why the PIN pad cannot be used or did not work.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PinPadError {
    /// The feature list ends in the middle of an entry.
    #[error("malformed reader feature list: entry at byte {offset} is cut short")]
    FeatureTruncated {
        /// Where the entry starts.
        offset: usize,
    },
    /// A feature entry whose length is not 4.
    #[error("malformed reader feature list: feature 0x{tag:02X} has length {len}, expected 4")]
    FeatureLength {
        /// The feature tag.
        tag: u8,
        /// Its length byte.
        len: u8,
    },
    /// `--pinpad on`, but the reader has no secure PIN entry.
    #[error("this reader has no PIN pad (no FEATURE_VERIFY_PIN_DIRECT): use --pinpad off or auto")]
    NoPinPad,
    /// `--pinpad on` for a secret a pad cannot type.
    #[error("the {0} contains letters, which a PIN pad cannot enter: use --pinpad off or auto")]
    NotDigits(PinKind),
    /// A `--pinpad` value other than auto/on/off.
    #[error("unknown PIN pad mode {0:?}: use auto, on or off")]
    BadMode(String),
    /// The pad's answer is not a status word.
    #[error("the PIN pad answered {len} byte(s) instead of a 2-byte status word")]
    BadAnswer {
        /// How many bytes it answered.
        len: usize,
    },
    /// `SCardControl` failed.
    #[error("PIN pad control failed: {0}")]
    Pcsc(String),
}

impl From<pcsc::Error> for PinPadError {
    fn from(e: pcsc::Error) -> Self {
        PinPadError::Pcsc(e.to_string())
    }
}

/// The reader's features: tag → control code (4-byte big-endian in the answer). Pass a
/// control code to `SCardControl` as it is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Features {
    codes: BTreeMap<u8, u32>,
}

impl Features {
    /// Parse the answer to `CM_IOCTL_GET_FEATURE_REQUEST`: a sequence of `tag, 04, code[4]`.
    /// An empty answer means no features. When a tag repeats, the first entry wins.
    pub fn parse(bytes: &[u8]) -> Result<Features, PinPadError> {
        let mut codes = BTreeMap::new();
        let mut offset = 0;
        while let Some(rest) = bytes.get(offset..).filter(|r| !r.is_empty()) {
            let (&tag, &len) = match rest {
                [tag, len, ..] => (tag, len),
                _ => return Err(PinPadError::FeatureTruncated { offset }),
            };
            if len != 4 {
                return Err(PinPadError::FeatureLength { tag, len });
            }
            let value: [u8; 4] = rest
                .get(2..6)
                .and_then(|v| v.try_into().ok())
                .ok_or(PinPadError::FeatureTruncated { offset })?;
            codes.entry(tag).or_insert(u32::from_be_bytes(value));
            offset += 6;
        }
        Ok(Features { codes })
    }

    /// The control code of a feature.
    pub fn get(&self, tag: u8) -> Option<u32> {
        self.codes.get(&tag).copied()
    }

    /// `FEATURE_VERIFY_PIN_DIRECT`.
    pub fn verify_pin_direct(&self) -> Option<u32> {
        self.get(feature::VERIFY_PIN_DIRECT)
    }

    /// `FEATURE_MODIFY_PIN_DIRECT`.
    pub fn modify_pin_direct(&self) -> Option<u32> {
        self.get(feature::MODIFY_PIN_DIRECT)
    }

    /// `FEATURE_IFD_PIN_PROPERTIES`.
    pub fn ifd_pin_properties(&self) -> Option<u32> {
        self.get(feature::IFD_PIN_PROPERTIES)
    }

    /// `FEATURE_GET_TLV_PROPERTIES`.
    pub fn tlv_properties(&self) -> Option<u32> {
        self.get(feature::GET_TLV_PROPERTIES)
    }

    /// Every feature, by tag.
    pub fn all(&self) -> &BTreeMap<u8, u32> {
        &self.codes
    }
}

/// Which secret is entered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PinKind {
    /// JPKI authentication PIN: 4 digits.
    AuthPin,
    /// JPKI signature password: 6–16 of `A–Z0–9`.
    SignPassword,
    /// Text-application PIN: 4 digits.
    TextPin,
}

impl PinKind {
    /// Shortest and longest allowed length.
    pub fn length_range(self) -> (u8, u8) {
        match self {
            PinKind::AuthPin | PinKind::TextPin => (4, 4),
            PinKind::SignPassword => (6, 16),
        }
    }

    /// Whether every allowed value is digits only (so a pad can type it).
    pub fn digits_only(self) -> bool {
        !matches!(self, PinKind::SignPassword)
    }
}

impl fmt::Display for PinKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PinKind::AuthPin => "authentication PIN",
            PinKind::SignPassword => "signature password",
            PinKind::TextPin => "text-application PIN",
        })
    }
}

/// Timeouts and language of a pad entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PinPadParams {
    /// `bTimerOut`: seconds to wait for entry (0: the reader's default).
    pub timeout: u8,
    /// `bTimerOut2`: seconds after the first key (0: the reader's default).
    pub timeout_after_key: u8,
    /// `wLangId` of the pad's messages: 0x0409 English (every pad has it), 0x0411 Japanese.
    pub lang_id: u16,
}

impl Default for PinPadParams {
    fn default() -> Self {
        PinPadParams { timeout: 30, timeout_after_key: 30, lang_id: 0x0409 }
    }
}

/// The `PIN_VERIFY_STRUCTURE` for `FEATURE_VERIFY_PIN_DIRECT` (packed; multi-byte fields
/// little-endian as in CCID):
///
/// | offset | field | value |
/// |---|---|---|
/// | 0 | bTimerOut | `params.timeout` |
/// | 1 | bTimerOut2 | `params.timeout_after_key` |
/// | 2 | bmFormatString | `82`: bytes, position 0, left justified, ASCII |
/// | 3 | bmPINBlockString | `00`: no length field inside the PIN block, no fixed block size |
/// | 4 | bmPINLengthFormat | `00`: no PIN length to insert |
/// | 5–6 | wPINMaxExtraDigit | max, min digits (`XXYY` = min·256 + max, little-endian) |
/// | 7 | bEntryValidationCondition | `03` for a fixed length (max size or OK key), `02` otherwise |
/// | 8 | bNumberMessage | `01` |
/// | 9–10 | wLangId | `params.lang_id`, little-endian |
/// | 11 | bMsgIndex | `00` |
/// | 12–14 | bTeoPrologue | `00 00 00` |
/// | 15–18 | ulDataLength | `5`, little-endian |
/// | 19–23 | abData | `00 20 00 80 00` ([`VERIFY_TEMPLATE`]) |
///
/// The PIN is variable-length ASCII without padding (as the card wants it), so the Lc of the
/// template is `00` and the reader sets it to the number of digits entered. (How a given pad
/// handles this is not verified on hardware here.) The caller must have selected the PIN EF.
pub fn verify_structure(kind: PinKind, params: &PinPadParams) -> Vec<u8> {
    let (min, max) = kind.length_range();
    let condition = if min == max { VALIDATE_MAX_SIZE | VALIDATE_KEY } else { VALIDATE_KEY };
    let mut out = Vec::with_capacity(19 + VERIFY_TEMPLATE.len());
    out.push(params.timeout);
    out.push(params.timeout_after_key);
    out.push(FORMAT_ASCII_BYTES);
    out.push(0x00); // bmPINBlockString
    out.push(0x00); // bmPINLengthFormat
    out.extend_from_slice(&(u16::from(min) << 8 | u16::from(max)).to_le_bytes());
    out.push(condition);
    out.push(0x01); // bNumberMessage
    out.extend_from_slice(&params.lang_id.to_le_bytes());
    out.push(0x00); // bMsgIndex
    out.extend_from_slice(&[0x00, 0x00, 0x00]); // bTeoPrologue
    out.extend_from_slice(&(VERIFY_TEMPLATE.len() as u32).to_le_bytes());
    out.extend_from_slice(&VERIFY_TEMPLATE);
    out
}

/// Whether to use the reader's PIN pad.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PinPadMode {
    /// Use the pad when the reader has one and the secret is digits only.
    #[default]
    Auto,
    /// Always use the pad; fail if impossible.
    On,
    /// Never use the pad.
    Off,
}

impl FromStr for PinPadMode {
    type Err = PinPadError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "auto" => Ok(PinPadMode::Auto),
            "on" => Ok(PinPadMode::On),
            "off" => Ok(PinPadMode::Off),
            _ => Err(PinPadError::BadMode(s.chars().take(16).collect())),
        }
    }
}

/// How the secret will be entered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PinEntry {
    /// On the pad, through `SCardControl` with this control code.
    PinPad {
        /// The `FEATURE_VERIFY_PIN_DIRECT` control code.
        control_code: u32,
    },
    /// On the host (prompt, environment, file descriptor).
    Host,
}

/// Decide how `kind` is entered, given the mode and the reader's features (`None`: the
/// features could not be read, e.g. the virtual card).
pub fn decide(
    mode: PinPadMode,
    kind: PinKind,
    features: Option<&Features>,
) -> Result<PinEntry, PinPadError> {
    let code = features.and_then(Features::verify_pin_direct);
    match (mode, code) {
        (PinPadMode::Off, _) => Ok(PinEntry::Host),
        (PinPadMode::Auto, Some(control_code)) if kind.digits_only() => {
            Ok(PinEntry::PinPad { control_code })
        }
        (PinPadMode::Auto, _) => Ok(PinEntry::Host),
        (PinPadMode::On, _) if !kind.digits_only() => Err(PinPadError::NotDigits(kind)),
        (PinPadMode::On, Some(control_code)) => Ok(PinEntry::PinPad { control_code }),
        (PinPadMode::On, None) => Err(PinPadError::NoPinPad),
    }
}

/// What the pad's verification came to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PadResult {
    /// The card accepted the PIN (`90 00`).
    Verified,
    /// The card rejected it (`63 Cx`).
    WrongPin {
        /// Tries left.
        tries_left: u8,
    },
    /// The PIN is blocked (`63 C0`, `69 83`, `69 84`).
    Blocked,
    /// Nobody typed in time (`64 00`).
    Timeout,
    /// The user pressed Cancel (`64 01`).
    Cancelled,
    /// The entered length was out of range (`64 03`).
    LengthOutOfRange,
    /// The reader rejected the structure (`6B 80`).
    InvalidParameter,
    /// Any other status from the card or reader.
    Other(StatusWord),
}

impl PadResult {
    /// Interpret the pad's answer (the card's status word, or the reader's own).
    pub fn from_answer(answer: &[u8]) -> Result<PadResult, PinPadError> {
        let [sw1, sw2] = answer else {
            return Err(PinPadError::BadAnswer { len: answer.len() });
        };
        let sw = StatusWord::from_bytes(*sw1, *sw2);
        Ok(match (sw, *sw1, *sw2) {
            (s, ..) if s.is_blocked() => PadResult::Blocked,
            (StatusWord::Success, ..) => PadResult::Verified,
            (StatusWord::TriesLeft(n), ..) => PadResult::WrongPin { tries_left: n },
            (_, 0x64, 0x00) => PadResult::Timeout,
            (_, 0x64, 0x01) => PadResult::Cancelled,
            (_, 0x64, 0x03) => PadResult::LengthOutOfRange,
            (_, 0x6B, 0x80) => PadResult::InvalidParameter,
            (other, ..) => PadResult::Other(other),
        })
    }
}

/// A handle that can send `SCardControl` requests to a reader: implemented for
/// `pcsc::Card`; a PC/SC transport can implement it by delegating to its card.
pub trait PinPadControl {
    /// Send `input` with control `code` (a platform control code, as the feature list gives
    /// it); return the reader's answer.
    fn control(&self, code: u32, input: &[u8]) -> Result<Vec<u8>, PinPadError>;
}

impl PinPadControl for pcsc::Card {
    fn control(&self, code: u32, input: &[u8]) -> Result<Vec<u8>, PinPadError> {
        let mut buffer = [0u8; 1024];
        let answer = pcsc::Card::control(self, pcsc::ffi::DWORD::from(code), input, &mut buffer)?;
        Ok(answer.to_vec())
    }
}

/// The platform control code of `CM_IOCTL_GET_FEATURE_REQUEST` (`SCARD_CTL_CODE(3400)`:
/// `0x42000D48` with pcsc-lite).
pub fn feature_request_code() -> u32 {
    let code = pcsc::ctl_code(pcsc::ffi::DWORD::from(GET_FEATURE_REQUEST));
    // Every platform's SCARD_CTL_CODE(3400) fits in 32 bits.
    u32::try_from(code).unwrap_or(u32::MAX)
}

/// Ask the reader for its features (`CM_IOCTL_GET_FEATURE_REQUEST`). Needs a connected card
/// handle (shared or direct).
pub fn read_features(reader: &dyn PinPadControl) -> Result<Features, PinPadError> {
    let answer = reader.control(feature_request_code(), &[])?;
    Features::parse(&answer)
}

/// Verify `kind` on the pad: the user types the PIN on the reader, the reader sends the
/// VERIFY and passes back the card's status word (or its own: timeout, cancel). The PIN EF
/// must be selected first, inside the caller's transaction.
pub fn verify_on_pinpad(
    reader: &dyn PinPadControl,
    control_code: u32,
    kind: PinKind,
    params: &PinPadParams,
) -> Result<PadResult, PinPadError> {
    let answer = reader.control(control_code, &verify_structure(kind, params))?;
    PadResult::from_answer(&answer)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A feature answer as libccid gives for a pad reader (codes are SCARD_CTL_CODE values).
    const ANSWER: [u8; 24] = [
        0x06, 0x04, 0x42, 0x33, 0x00, 0x06, // VERIFY_PIN_DIRECT
        0x07, 0x04, 0x42, 0x33, 0x00, 0x07, // MODIFY_PIN_DIRECT
        0x0A, 0x04, 0x42, 0x33, 0x00, 0x0A, // IFD_PIN_PROPERTIES
        0x12, 0x04, 0x42, 0x33, 0x00, 0x12, // GET_TLV_PROPERTIES
    ];

    #[test]
    fn features_parse() {
        let f = Features::parse(&ANSWER).unwrap();
        assert_eq!(f.verify_pin_direct(), Some(0x4233_0006));
        assert_eq!(f.modify_pin_direct(), Some(0x4233_0007));
        assert_eq!(f.ifd_pin_properties(), Some(0x4233_000A));
        assert_eq!(f.tlv_properties(), Some(0x4233_0012));
        assert_eq!(f.get(feature::ABORT), None);
        assert_eq!(f.all().len(), 4);
        assert_eq!(Features::parse(&[]).unwrap(), Features::default());
        let dup = [0x06, 4, 0, 0, 0, 1, 0x06, 4, 0, 0, 0, 2];
        assert_eq!(Features::parse(&dup).unwrap().verify_pin_direct(), Some(1));
    }

    #[test]
    fn malformed_features_are_errors() {
        assert_eq!(Features::parse(&[0x06]), Err(PinPadError::FeatureTruncated { offset: 0 }));
        assert_eq!(
            Features::parse(&ANSWER[..10]),
            Err(PinPadError::FeatureTruncated { offset: 6 })
        );
        let e = Features::parse(&[0x06, 0x02, 0x00, 0x01]).unwrap_err();
        assert_eq!(e, PinPadError::FeatureLength { tag: 6, len: 2 });
        assert_eq!(
            e.to_string(),
            "malformed reader feature list: feature 0x06 has length 2, expected 4"
        );
    }

    #[test]
    fn verify_structure_for_the_4_digit_pin() {
        let s = verify_structure(PinKind::AuthPin, &PinPadParams::default());
        assert_eq!(
            hex::encode_upper(&s),
            concat!(
                "1E",
                "1E", // timeouts 30 s
                "82",
                "00",
                "00",   // ASCII bytes at 0, no length field
                "0404", // max 4, min 4
                "03",
                "01",
                "0904",
                "00",
                "000000",     // validation, messages, English
                "05000000",   // ulDataLength 5
                "0020008000"  // VERIFY header, Lc placeholder
            )
        );
        assert_eq!(s.len(), 24);
        assert_eq!(verify_structure(PinKind::TextPin, &PinPadParams::default()), s);
    }

    #[test]
    fn verify_structure_for_the_password() {
        let params = PinPadParams { timeout: 0, timeout_after_key: 5, lang_id: 0x0411 };
        let s = verify_structure(PinKind::SignPassword, &params);
        assert_eq!(
            hex::encode_upper(&s),
            "00058200001006020111040000000005000000".to_string() + "0020008000"
        );
    }

    #[test]
    fn decisions() {
        let pad = Features::parse(&ANSWER).unwrap();
        let plain = Features::default();
        let code = PinEntry::PinPad { control_code: 0x4233_0006 };
        use PinKind::*;
        use PinPadMode::*;
        assert_eq!(decide(Auto, AuthPin, Some(&pad)), Ok(code));
        assert_eq!(decide(Auto, TextPin, Some(&pad)), Ok(code));
        assert_eq!(decide(Auto, SignPassword, Some(&pad)), Ok(PinEntry::Host));
        assert_eq!(decide(Auto, AuthPin, Some(&plain)), Ok(PinEntry::Host));
        assert_eq!(decide(Auto, AuthPin, None), Ok(PinEntry::Host));
        assert_eq!(decide(Off, AuthPin, Some(&pad)), Ok(PinEntry::Host));
        assert_eq!(decide(On, AuthPin, Some(&pad)), Ok(code));
        assert_eq!(decide(On, AuthPin, None), Err(PinPadError::NoPinPad));
        assert_eq!(decide(On, SignPassword, Some(&pad)), Err(PinPadError::NotDigits(SignPassword)));
        assert_eq!(
            PinPadError::NotDigits(SignPassword).to_string(),
            "the signature password contains letters, which a PIN pad cannot enter: use --pinpad off or auto"
        );
        assert!(PinPadError::NoPinPad.to_string().contains("no PIN pad"));
    }

    #[test]
    fn modes_parse() {
        assert_eq!("auto".parse(), Ok(PinPadMode::Auto));
        assert_eq!("ON".parse(), Ok(PinPadMode::On));
        assert_eq!("off".parse(), Ok(PinPadMode::Off));
        assert_eq!("yes".parse::<PinPadMode>(), Err(PinPadError::BadMode("yes".into())));
        assert_eq!(PinPadMode::default(), PinPadMode::Auto);
    }

    #[test]
    fn pad_answers() {
        let r = |b: &[u8]| PadResult::from_answer(b).unwrap();
        assert_eq!(r(&[0x90, 0x00]), PadResult::Verified);
        assert_eq!(r(&[0x63, 0xC2]), PadResult::WrongPin { tries_left: 2 });
        assert_eq!(r(&[0x63, 0xC0]), PadResult::Blocked);
        assert_eq!(r(&[0x69, 0x83]), PadResult::Blocked);
        assert_eq!(r(&[0x69, 0x84]), PadResult::Blocked);
        assert_eq!(r(&[0x64, 0x00]), PadResult::Timeout);
        assert_eq!(r(&[0x64, 0x01]), PadResult::Cancelled);
        assert_eq!(r(&[0x64, 0x03]), PadResult::LengthOutOfRange);
        assert_eq!(r(&[0x6B, 0x80]), PadResult::InvalidParameter);
        assert_eq!(r(&[0x69, 0x82]), PadResult::Other(StatusWord::SecurityStatusNotSatisfied));
        assert_eq!(PadResult::from_answer(&[0x90]), Err(PinPadError::BadAnswer { len: 1 }));
        assert_eq!(
            PadResult::from_answer(&[1, 0x90, 0x00]),
            Err(PinPadError::BadAnswer { len: 3 })
        );
    }

    /// A pad that records what it was sent and answers a fixed reply.
    struct FakePad {
        sent: std::cell::RefCell<Vec<(u32, Vec<u8>)>>,
        reply: Result<Vec<u8>, PinPadError>,
    }

    impl PinPadControl for FakePad {
        fn control(&self, code: u32, input: &[u8]) -> Result<Vec<u8>, PinPadError> {
            self.sent.borrow_mut().push((code, input.to_vec()));
            self.reply.clone()
        }
    }

    fn pad(reply: Result<Vec<u8>, PinPadError>) -> FakePad {
        FakePad { sent: Default::default(), reply }
    }

    #[test]
    fn wrappers_send_the_right_requests() {
        let reader = pad(Ok(ANSWER.to_vec()));
        let features = read_features(&reader).unwrap();
        assert_eq!(features.verify_pin_direct(), Some(0x4233_0006));
        #[cfg(not(windows))]
        assert_eq!(feature_request_code(), 0x4200_0D48);
        assert_eq!(reader.sent.borrow().as_slice(), &[(feature_request_code(), vec![])]);

        let reader = pad(Ok(vec![0x63, 0xC1]));
        let result =
            verify_on_pinpad(&reader, 0x4233_0006, PinKind::AuthPin, &PinPadParams::default());
        assert_eq!(result, Ok(PadResult::WrongPin { tries_left: 1 }));
        let sent = reader.sent.borrow();
        assert_eq!(sent[0].0, 0x4233_0006);
        assert_eq!(sent[0].1, verify_structure(PinKind::AuthPin, &PinPadParams::default()));

        let failing = pad(Err(PinPadError::Pcsc("reader gone".into())));
        assert_eq!(read_features(&failing), Err(PinPadError::Pcsc("reader gone".into())));
    }

    #[test]
    fn pcsc_errors_convert() {
        let e = PinPadError::from(pcsc::Error::NoSmartcard);
        assert!(matches!(e, PinPadError::Pcsc(_)));
        assert!(e.to_string().starts_with("PIN pad control failed: "));
    }
}
