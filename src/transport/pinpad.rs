//! PIN-pad readers (secure PIN entry, PC/SC v2 part 10), at the byte level: the reader's
//! feature list (`CM_IOCTL_GET_FEATURE_REQUEST`), the `PIN_VERIFY_STRUCTURE` for
//! `FEATURE_VERIFY_PIN_DIRECT` (built by [`verify_structure`], read back by
//! [`PadRequest::parse`] as a reader does), the interpretation of the pad's answer
//! ([`PadResult`]), and the two requests through [`Transport::control`]: [`read_features`]
//! and [`verify_on_pinpad`]. Whether to use the pad for which PIN is the card layer's decision
//! (`card::pinpad`).
//!
//! The PIN never passes through the host when the pad is used: the reader inserts the digits
//! the user typed into the VERIFY APDU it sends to the card.

use std::collections::BTreeMap;

use super::{Transport, TransportError};
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

/// The CHANGE REFERENCE DATA header the pad completes for a new PIN alone (`00 24 01 80`; the
/// current PIN was verified just before), with an Lc placeholder of `00`.
pub const CHANGE_TEMPLATE: [u8; 5] = [0x00, 0x24, 0x01, 0x80, 0x00];

/// `bConfirmPIN`: the new PIN is typed twice; the current PIN is not asked (bit 1 clear).
pub const CONFIRM_NEW_PIN: u8 = 0x01;

/// `bmFormatString`: system units are bytes (bit 7), the PIN starts at byte 0 of the data
/// field (bits 6–3), left justified (bit 2), ASCII (bits 1–0 = `10`).
pub const FORMAT_ASCII_BYTES: u8 = 0x82;

/// `bEntryValidationCondition`: entry ends when the maximum size is reached.
pub const VALIDATE_MAX_SIZE: u8 = 0x01;
/// `bEntryValidationCondition`: entry ends when the validation key is pressed.
pub const VALIDATE_KEY: u8 = 0x02;

/// Why the reader's PIN-pad bytes could not be used.
#[derive(Debug, thiserror::Error)]
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
    /// The pad's answer is not a status word.
    #[error("the PIN pad answered {len} byte(s) instead of a 2-byte status word")]
    BadAnswer {
        /// How many bytes it answered.
        len: usize,
    },
    /// A `PIN_VERIFY_STRUCTURE` that a reader would reject (the simulated pad reads them).
    #[error("malformed PIN verify structure: {0}")]
    BadStructure(&'static str),
    /// The control request itself failed.
    #[error(transparent)]
    Transport(#[from] TransportError),
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
/// handles this is not verified on hardware here; OpenSC sends the same 5-byte template for
/// unpadded ASCII PINs.) The caller must have selected the PIN EF.
pub fn verify_structure(min: u8, max: u8, params: &PinPadParams) -> Vec<u8> {
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

/// The `PIN_MODIFY_STRUCTURE` for `FEATURE_MODIFY_PIN_DIRECT` (packed, little-endian),
/// asking for a new PIN of `min`–`max` digits twice and sending it in CHANGE REFERENCE DATA:
///
/// | offset | field | value |
/// |---|---|---|
/// | 0, 1 | bTimerOut, bTimerOut2 | `params` |
/// | 2–4 | bmFormatString, bmPINBlockString, bmPINLengthFormat | `82 00 00` as for VERIFY |
/// | 5, 6 | bInsertionOffsetOld, bInsertionOffsetNew | `00 00`: the new PIN is the data |
/// | 7–8 | wPINMaxExtraDigit | max, min |
/// | 9 | bConfirmPIN | `01`: new PIN twice, no current PIN |
/// | 10 | bEntryValidationCondition | as for VERIFY |
/// | 11 | bNumberMessage | `02` |
/// | 12–13 | wLangId | `params.lang_id` |
/// | 14–16 | bMsgIndex1–3 | `01 02 00`: "enter new PIN", "confirm new PIN" |
/// | 17–19 | bTeoPrologue | `00 00 00` |
/// | 20–23 | ulDataLength | `5` |
/// | 24–28 | abData | `00 24 01 80 00` ([`CHANGE_TEMPLATE`]) |
///
/// The caller must have verified the current PIN (on the pad or not) in the same transaction.
/// (Not verified on hardware: the message indexes and how a pad fills in the Lc.)
pub fn modify_structure(min: u8, max: u8, params: &PinPadParams) -> Vec<u8> {
    let condition = if min == max { VALIDATE_MAX_SIZE | VALIDATE_KEY } else { VALIDATE_KEY };
    let mut out = Vec::with_capacity(MODIFY_FIXED_LEN + CHANGE_TEMPLATE.len());
    out.extend_from_slice(&[params.timeout, params.timeout_after_key, FORMAT_ASCII_BYTES, 0, 0]);
    out.extend_from_slice(&[0x00, 0x00]); // insertion offsets
    out.extend_from_slice(&(u16::from(min) << 8 | u16::from(max)).to_le_bytes());
    out.push(CONFIRM_NEW_PIN);
    out.push(condition);
    out.push(0x02); // bNumberMessage
    out.extend_from_slice(&params.lang_id.to_le_bytes());
    out.extend_from_slice(&[0x01, 0x02, 0x00]); // bMsgIndex1-3
    out.extend_from_slice(&[0x00, 0x00, 0x00]); // bTeoPrologue
    out.extend_from_slice(&(CHANGE_TEMPLATE.len() as u32).to_le_bytes());
    out.extend_from_slice(&CHANGE_TEMPLATE);
    out
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
    /// The two entries of a new PIN differ (`64 02`).
    Mismatch,
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
            (_, 0x64, 0x02) => PadResult::Mismatch,
            (_, 0x64, 0x03) => PadResult::LengthOutOfRange,
            (_, 0x6B, 0x80) => PadResult::InvalidParameter,
            (other, ..) => PadResult::Other(other),
        })
    }
}

/// The platform control code of `CM_IOCTL_GET_FEATURE_REQUEST` (`SCARD_CTL_CODE(3400)`:
/// `0x42000D48` with pcsc-lite).
pub fn feature_request_code() -> u32 {
    let code = pcsc::ctl_code(pcsc::ffi::DWORD::from(GET_FEATURE_REQUEST));
    // Every platform's SCARD_CTL_CODE(3400) fits in 32 bits.
    u32::try_from(code).unwrap_or(u32::MAX)
}

/// Ask the reader for its features (`CM_IOCTL_GET_FEATURE_REQUEST`).
pub fn read_features(reader: &mut (impl Transport + ?Sized)) -> Result<Features, PinPadError> {
    let answer = reader.control(feature_request_code(), &[])?;
    Features::parse(&answer)
}

/// Verify a PIN of `min`–`max` digits on the pad: the user types it on the reader, the
/// reader sends the VERIFY and passes back the card's status word (or its own: timeout,
/// cancel). The PIN EF must be selected first, inside the caller's transaction.
pub fn verify_on_pinpad(
    reader: &mut (impl Transport + ?Sized),
    control_code: u32,
    (min, max): (u8, u8),
    params: &PinPadParams,
) -> Result<PadResult, PinPadError> {
    let answer = reader.control(control_code, &verify_structure(min, max, params))?;
    PadResult::from_answer(&answer)
}

/// Change a PIN on the pad: the user types the new one twice, the reader sends CHANGE
/// REFERENCE DATA and passes back the card's status word (or its own: `64 02` for entries
/// that differ). The current PIN must have been verified just before, in the same
/// transaction.
pub fn modify_on_pinpad(
    reader: &mut (impl Transport + ?Sized),
    control_code: u32,
    (min, max): (u8, u8),
    params: &PinPadParams,
) -> Result<PadResult, PinPadError> {
    let answer = reader.control(control_code, &modify_structure(min, max, params))?;
    PadResult::from_answer(&answer)
}

/// A `PIN_VERIFY_STRUCTURE` (or `PIN_MODIFY_STRUCTURE`) as a reader reads it: what the
/// simulated pad needs to build the command. Checks what libccid checks before passing a
/// structure to a reader (the `ulDataLength` matches, the template is at least an APDU
/// header, the validation condition is 1–7) and the one layout this crate uses: ASCII digits
/// inserted at byte 0 of the data field without padding or length field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PadRequest {
    /// Fewest digits the pad accepts.
    pub min: u8,
    /// Most digits the pad accepts.
    pub max: u8,
    /// The APDU template (`CLA INS P1 P2` and an optional `Lc` placeholder).
    pub template: Vec<u8>,
}

/// Size of the fixed part of the `PIN_VERIFY_STRUCTURE` (before `abData`).
const VERIFY_FIXED_LEN: usize = 19;
/// Size of the fixed part of the `PIN_MODIFY_STRUCTURE`.
const MODIFY_FIXED_LEN: usize = 24;

impl PadRequest {
    /// Read a `PIN_VERIFY_STRUCTURE`.
    pub fn parse(input: &[u8]) -> Result<PadRequest, PinPadError> {
        // Offsets: format at 2-4, digits at 5-6, validation condition at 7.
        parse_request(input, VERIFY_FIXED_LEN, 5, 7)
    }

    /// Read a `PIN_MODIFY_STRUCTURE` of the one kind this crate sends: the new PIN alone,
    /// typed twice, inserted at the start of the data field.
    pub fn parse_modify(input: &[u8]) -> Result<PadRequest, PinPadError> {
        let bad = PinPadError::BadStructure;
        let byte = |i: usize| input.get(i).copied().unwrap_or_default();
        if input.len() >= MODIFY_FIXED_LEN {
            if byte(5) != 0 || byte(6) != 0 {
                return Err(bad("only insertion at the start of the data is supported"));
            }
            if byte(9) != CONFIRM_NEW_PIN {
                return Err(bad("bConfirmPIN must ask the new PIN twice and no current PIN"));
            }
            if byte(11) > 3 && byte(11) != 0xFF {
                return Err(bad("bNumberMessage must be 0 to 3 or FF"));
            }
        }
        // Offsets: format at 2-4, digits at 7-8, validation condition at 10.
        parse_request(input, MODIFY_FIXED_LEN, 7, 10)
    }

    /// The command the reader sends once `digits` were typed: the template's header, `Lc` set
    /// to the number of digits, the digits. `None` when their number is out of range (the
    /// reader then answers `64 03` and sends nothing).
    pub fn apdu(&self, digits: &[u8]) -> Option<zeroize::Zeroizing<Vec<u8>>> {
        let len = u8::try_from(digits.len()).ok().filter(|n| (self.min..=self.max).contains(n))?;
        let mut apdu = zeroize::Zeroizing::new(Vec::with_capacity(5 + digits.len()));
        apdu.extend_from_slice(self.template.get(..4).unwrap_or_default());
        apdu.push(len);
        apdu.extend_from_slice(digits);
        Some(apdu)
    }
}

/// What the verify and modify structures share: the fixed part of `fixed_len` bytes ending
/// in `ulDataLength`, the format bytes at 2–4, `wPINMaxExtraDigit` at `digits`, the validation
/// condition at `condition`, then the APDU template.
fn parse_request(
    input: &[u8],
    fixed_len: usize,
    digits: usize,
    condition: usize,
) -> Result<PadRequest, PinPadError> {
    let bad = PinPadError::BadStructure;
    let fixed = input.get(..fixed_len).ok_or(bad("shorter than its fixed part"))?;
    let template = input.get(fixed_len..).unwrap_or_default();
    let declared = fixed
        .get(fixed_len - 4..)
        .and_then(|b| <[u8; 4]>::try_from(b).ok())
        .map(u32::from_le_bytes)
        .ok_or(bad("shorter than its fixed part"))?;
    if usize::try_from(declared).ok() != Some(template.len()) {
        return Err(bad("ulDataLength does not match the APDU template"));
    }
    if !(4..=5).contains(&template.len()) || template.get(4).is_some_and(|&lc| lc != 0) {
        return Err(bad("the APDU template must be a header with an optional Lc of 00"));
    }
    let byte = |i: usize| fixed.get(i).copied().unwrap_or_default();
    if byte(2) & 0x03 != 0x02 || byte(2) & 0x78 != 0 || byte(3) != 0 || byte(4) != 0 {
        return Err(bad("only unpadded ASCII PINs at the start of the data are supported"));
    }
    if !(1..=7).contains(&byte(condition)) {
        return Err(bad("bEntryValidationCondition must be 1 to 7"));
    }
    let (max, min) = (byte(digits), byte(digits + 1));
    if min == 0 || min > max {
        return Err(bad("wPINMaxExtraDigit: minimum must be 1 to the maximum"));
    }
    Ok(PadRequest { min, max, template: template.to_vec() })
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
        assert!(matches!(
            Features::parse(&[0x06]),
            Err(PinPadError::FeatureTruncated { offset: 0 })
        ));
        assert!(matches!(
            Features::parse(&ANSWER[..10]),
            Err(PinPadError::FeatureTruncated { offset: 6 })
        ));
        let e = Features::parse(&[0x06, 0x02, 0x00, 0x01]).unwrap_err();
        assert!(matches!(e, PinPadError::FeatureLength { tag: 6, len: 2 }));
        assert_eq!(
            e.to_string(),
            "malformed reader feature list: feature 0x06 has length 2, expected 4"
        );
    }

    #[test]
    fn verify_structure_for_the_4_digit_pin() {
        let s = verify_structure(4, 4, &PinPadParams::default());
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
    }

    #[test]
    fn verify_structure_for_the_password() {
        let params = PinPadParams { timeout: 0, timeout_after_key: 5, lang_id: 0x0411 };
        let s = verify_structure(6, 16, &params);
        assert_eq!(
            hex::encode_upper(&s),
            "00058200001006020111040000000005000000".to_string() + "0020008000"
        );
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
        assert_eq!(r(&[0x64, 0x02]), PadResult::Mismatch);
        assert_eq!(r(&[0x64, 0x03]), PadResult::LengthOutOfRange);
        assert_eq!(r(&[0x6B, 0x80]), PadResult::InvalidParameter);
        assert_eq!(r(&[0x69, 0x82]), PadResult::Other(StatusWord::SecurityStatusNotSatisfied));
        assert!(matches!(PadResult::from_answer(&[0x90]), Err(PinPadError::BadAnswer { len: 1 })));
        assert!(matches!(
            PadResult::from_answer(&[1, 0x90, 0x00]),
            Err(PinPadError::BadAnswer { len: 3 })
        ));
        assert_eq!(
            PinPadError::BadAnswer { len: 3 }.to_string(),
            "the PIN pad answered 3 byte(s) instead of a 2-byte status word"
        );
    }

    /// A reader that records its control requests and answers from a list; it has no card.
    struct FakeReader {
        sent: Vec<(u32, Vec<u8>)>,
        replies: Vec<Result<Vec<u8>, TransportError>>,
    }

    impl Transport for FakeReader {
        fn transmit(&mut self, _: &[u8]) -> Result<Vec<u8>, TransportError> {
            Err(TransportError::NoCard { reader: "fake".into() })
        }
        fn exclusive(&mut self) -> Result<Box<dyn Transport + '_>, TransportError> {
            Err(TransportError::CardInUse)
        }
        fn reset(&mut self) -> Result<(), TransportError> {
            Ok(())
        }
        fn info(&self) -> crate::transport::ReaderInfo {
            crate::transport::ReaderInfo::default()
        }
        fn control(&mut self, code: u32, input: &[u8]) -> Result<Vec<u8>, TransportError> {
            self.sent.push((code, input.to_vec()));
            if self.replies.is_empty() {
                return Err(TransportError::NoControl);
            }
            self.replies.remove(0)
        }
    }

    fn reader(replies: Vec<Result<Vec<u8>, TransportError>>) -> FakeReader {
        FakeReader { sent: Vec::new(), replies }
    }

    #[test]
    fn requests_go_through_the_transport() {
        let mut r = reader(vec![Ok(ANSWER.to_vec()), Ok(vec![0x63, 0xC1]), Ok(vec![0x64, 0x01])]);
        let features = read_features(&mut r).unwrap();
        assert_eq!(features.verify_pin_direct(), Some(0x4233_0006));
        #[cfg(not(windows))]
        assert_eq!(feature_request_code(), 0x4200_0D48);
        let params = PinPadParams::default();
        let result = verify_on_pinpad(&mut r, 0x4233_0006, (4, 4), &params).unwrap();
        assert_eq!(result, PadResult::WrongPin { tries_left: 1 });
        let result = verify_on_pinpad(&mut r, 0x4233_0006, (4, 4), &params).unwrap();
        assert_eq!(result, PadResult::Cancelled);
        assert_eq!(
            r.sent,
            vec![
                (feature_request_code(), vec![]),
                (0x4233_0006, verify_structure(4, 4, &params)),
                (0x4233_0006, verify_structure(4, 4, &params)),
            ]
        );
        // A reader without control requests, and a pad answering garbage.
        let e = read_features(&mut r).unwrap_err();
        assert!(matches!(e, PinPadError::Transport(TransportError::NoControl)), "{e}");
        let mut r = reader(vec![Ok(vec![0x90, 0x00, 0x00])]);
        let e = verify_on_pinpad(&mut r, 1, (4, 4), &params).unwrap_err();
        assert!(matches!(e, PinPadError::BadAnswer { len: 3 }));
    }

    #[test]
    fn a_reader_reads_back_what_we_build() {
        let s = verify_structure(4, 4, &PinPadParams::default());
        let req = PadRequest::parse(&s).unwrap();
        assert_eq!(req, PadRequest { min: 4, max: 4, template: VERIFY_TEMPLATE.to_vec() });
        assert_eq!(req.apdu(b"1234").unwrap().as_slice(), b"\x00\x20\x00\x80\x041234");
        assert_eq!(req.apdu(b"123"), None);
        assert_eq!(req.apdu(b"12345"), None);
        let req = PadRequest::parse(&verify_structure(6, 16, &PinPadParams::default())).unwrap();
        assert_eq!((req.min, req.max), (6, 16));
        assert_eq!(req.apdu(b"123456").unwrap().as_slice(), b"\x00\x20\x00\x80\x06123456");
        // A case-1 template (no Lc placeholder) is read the same way.
        let mut case1 = s[..VERIFY_FIXED_LEN].to_vec();
        case1[15] = 4;
        case1.extend_from_slice(&VERIFY_TEMPLATE[..4]);
        assert_eq!(PadRequest::parse(&case1).unwrap().apdu(b"0000").unwrap()[4], 4);
    }

    #[test]
    fn modify_structure_for_a_new_4_digit_pin() {
        let params = PinPadParams::default();
        let s = modify_structure(4, 4, &params);
        assert_eq!(
            hex::encode_upper(&s),
            concat!(
                "1E1E",       // timeouts
                "820000",     // ASCII bytes at 0, no block or length field
                "0000",       // insertion offsets old, new
                "0404",       // max 4, min 4
                "01",         // bConfirmPIN: new PIN twice, no current PIN
                "03",         // validation: max size or OK key
                "02",         // two messages
                "0904",       // English
                "010200",     // "enter new PIN", "confirm new PIN"
                "000000",     // bTeoPrologue
                "05000000",   // ulDataLength 5
                "0024018000"  // CHANGE REFERENCE DATA, Lc placeholder
            )
        );
        let req = PadRequest::parse_modify(&s).unwrap();
        assert_eq!(req, PadRequest { min: 4, max: 4, template: CHANGE_TEMPLATE.to_vec() });
        assert_eq!(req.apdu(b"5678").unwrap().as_slice(), b"\x00\x24\x01\x80\x045678");
        // A verify structure is not a modify structure, and the other way round.
        assert!(PadRequest::parse_modify(&verify_structure(4, 4, &params)).is_err());
        assert!(PadRequest::parse(&s).is_err());
        let mut r = reader(vec![Ok(vec![0x64, 0x02])]);
        let result = modify_on_pinpad(&mut r, 0x4233_0007, (4, 4), &params).unwrap();
        assert_eq!(result, PadResult::Mismatch);
        assert_eq!(r.sent, vec![(0x4233_0007, s)]);
    }

    #[test]
    fn a_reader_rejects_malformed_modify_structures() {
        let good = modify_structure(4, 4, &PinPadParams::default());
        let with = |i: usize, v: u8| {
            let mut s = good.clone();
            s[i] = v;
            s
        };
        for (bytes, message) in [
            (with(5, 1), "insertion at the start"),
            (with(6, 2), "insertion at the start"),
            (with(9, 0x03), "bConfirmPIN"),
            (with(11, 4), "bNumberMessage"),
            (with(10, 0), "bEntryValidationCondition"),
            (with(8, 5), "minimum must be 1"),
            (with(20, 4), "ulDataLength"),
            (good[..23].to_vec(), "shorter than its fixed part"),
        ] {
            let e = PadRequest::parse_modify(&bytes).unwrap_err();
            assert!(e.to_string().contains(message), "{e} / {message}");
        }
    }

    #[test]
    fn a_reader_rejects_malformed_structures() {
        let good = verify_structure(4, 4, &PinPadParams::default());
        let with = |i: usize, v: u8| {
            let mut s = good.clone();
            s[i] = v;
            s
        };
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (good[..18].to_vec(), "shorter than its fixed part"),
            (good[..23].to_vec(), "ulDataLength does not match"),
            (with(15, 6), "ulDataLength does not match"),
            (with(23, 4), "header with an optional Lc of 00"),
            (with(2, 0x89), "unpadded ASCII"),
            (with(3, 0x08), "unpadded ASCII"),
            (with(4, 0x01), "unpadded ASCII"),
            (with(7, 0), "bEntryValidationCondition"),
            (with(7, 8), "bEntryValidationCondition"),
            (with(6, 0), "minimum must be 1"),
            (with(6, 5), "minimum must be 1"),
        ];
        for (bytes, message) in cases {
            let e = PadRequest::parse(&bytes).unwrap_err();
            assert!(matches!(e, PinPadError::BadStructure(_)));
            assert!(e.to_string().contains(message), "{e} / {message}");
        }
        let mut short_template = good[..VERIFY_FIXED_LEN].to_vec();
        short_template[15] = 3;
        short_template.extend_from_slice(&[0, 0x20, 0]);
        assert!(PadRequest::parse(&short_template).is_err());
    }

    proptest::proptest! {
        /// Whatever a reader answers, parsing never panics, and a feature list that parses
        /// is made of 6-byte entries.
        #[test]
        fn reader_bytes_never_panic(
            bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..64)
        ) {
            if let Ok(f) = Features::parse(&bytes) {
                proptest::prop_assert_eq!(bytes.len() % 6, 0);
                proptest::prop_assert!(f.all().len() <= bytes.len() / 6);
            }
            let _ = PadResult::from_answer(&bytes);
            let _ = PadRequest::parse_modify(&bytes);
            if let Ok(req) = PadRequest::parse(&bytes) {
                proptest::prop_assert!(req.min >= 1 && req.min <= req.max);
                proptest::prop_assert!(req.apdu(&[b'0'; 4]).is_none_or(|a| a.len() == 9));
            }
        }

        /// Every structure we build for a valid length range reads back as that range.
        #[test]
        fn structures_read_back(
            min in 1u8..=16,
            extra in 0u8..=16,
            timeout in proptest::num::u8::ANY
        ) {
            let max = min.saturating_add(extra);
            let params = PinPadParams { timeout, timeout_after_key: timeout, lang_id: 0x0411 };
            let req = PadRequest::parse(&verify_structure(min, max, &params)).unwrap();
            proptest::prop_assert_eq!((req.min, req.max), (min, max));
            proptest::prop_assert_eq!(req.template, VERIFY_TEMPLATE.to_vec());
            let req = PadRequest::parse_modify(&modify_structure(min, max, &params)).unwrap();
            proptest::prop_assert_eq!((req.min, req.max), (min, max));
            proptest::prop_assert_eq!(req.template, CHANGE_TEMPLATE.to_vec());
        }
    }
}
