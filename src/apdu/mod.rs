//! The APDU layer: command and response encoding (ISO 7816-4 cases 1–4, short and extended
//! length), instruction codes and status words as types. No I/O happens here.
//!
//! Command data may hold a PIN, so it lives in a zeroizing buffer and [`Command`]'s `Debug`
//! redacts the data of instructions that carry secrets.

mod ins;
mod status;

pub use ins::Ins;
pub use status::StatusWord;

use zeroize::Zeroizing;

/// Largest Le a short APDU can ask for (`00` encodes 256).
pub const SHORT_MAX_LE: usize = 256;
/// Largest Lc a short APDU can carry.
pub const SHORT_MAX_LC: usize = 255;
/// Largest Le an extended APDU can ask for (`00 00` encodes 65536).
pub const EXTENDED_MAX_LE: usize = 65536;
/// Largest Lc an extended APDU can carry.
pub const EXTENDED_MAX_LC: usize = 65535;

/// Errors of encoding or parsing an APDU.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApduError {
    /// Fewer than four header bytes.
    #[error("command APDU too short: {0} bytes, at least 4 needed for the header")]
    CommandTooShort(usize),
    /// The length fields do not match the number of bytes.
    #[error("command APDU body of {0} bytes matches no ISO 7816-4 case")]
    MalformedBody(usize),
    /// An Lc of zero, which no case allows.
    #[error("command APDU has Lc = 0")]
    ZeroLc,
    /// Command data too long for the chosen length form.
    #[error("command data of {len} bytes exceeds the {max}-byte limit of {form} APDUs")]
    DataTooLong { len: usize, max: usize, form: &'static str },
    /// Le too large for the chosen length form, or zero.
    #[error("Le of {le} is outside 1..={max} for {form} APDUs")]
    LeOutOfRange { le: usize, max: usize, form: &'static str },
    /// A response shorter than its status word.
    #[error("response APDU too short: {0} bytes, at least 2 needed for the status word")]
    ResponseTooShort(usize),
}

/// Whether lengths are encoded in the short (1-byte) or extended (3/2-byte) form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LengthForm {
    /// Lc and Le of one byte each.
    Short,
    /// Lc of three bytes (`00 hi lo`), Le of two or three bytes.
    Extended,
}

/// A command APDU.
#[derive(Clone, PartialEq, Eq)]
pub struct Command {
    /// Class byte.
    pub cla: u8,
    /// Instruction.
    pub ins: Ins,
    /// Parameter 1.
    pub p1: u8,
    /// Parameter 2.
    pub p2: u8,
    /// Command data (zeroized on drop: it may be a PIN).
    pub data: Zeroizing<Vec<u8>>,
    /// Expected response length, 1..=65536; `None` for cases 1 and 3.
    pub le: Option<usize>,
}

impl std::fmt::Debug for Command {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let data = if self.ins.carries_secret() && !self.data.is_empty() {
            "**".to_string()
        } else {
            hex::encode_upper(&*self.data)
        };
        f.debug_struct("Command")
            .field("cla", &format_args!("{:02X}", self.cla))
            .field("ins", &format_args!("{:02X}", self.ins.code()))
            .field("p1", &format_args!("{:02X}", self.p1))
            .field("p2", &format_args!("{:02X}", self.p2))
            .field("data", &data)
            .field("le", &self.le)
            .finish()
    }
}

impl Command {
    /// A case-1 command (header only).
    pub fn new(cla: u8, ins: Ins, p1: u8, p2: u8) -> Self {
        Command { cla, ins, p1, p2, data: Zeroizing::new(Vec::new()), le: None }
    }

    /// Attach command data.
    pub fn with_data(mut self, data: impl Into<Vec<u8>>) -> Self {
        self.data = Zeroizing::new(data.into());
        self
    }

    /// Attach an expected response length.
    pub fn with_le(mut self, le: usize) -> Self {
        self.le = Some(le);
        self
    }

    /// SELECT by AID, no FCI wanted: `00 A4 04 0C Lc AID`.
    pub fn select_aid(aid: &[u8]) -> Self {
        Command::new(0x00, Ins::Select, 0x04, 0x0C).with_data(aid.to_vec())
    }

    /// SELECT EF by file identifier: `00 A4 02 0C 02 FID`.
    pub fn select_ef(fid: u16) -> Self {
        Command::new(0x00, Ins::Select, 0x02, 0x0C).with_data(fid.to_be_bytes().to_vec())
    }

    /// READ BINARY at a 15-bit offset of the current EF.
    pub fn read_binary(offset: u16, le: usize) -> Self {
        let [p1, p2] = (offset & 0x7FFF).to_be_bytes();
        Command::new(0x00, Ins::ReadBinary, p1, p2).with_le(le)
    }

    /// VERIFY with no data: asks for the retry counter without spending a try.
    pub fn verify_status() -> Self {
        Command::new(0x00, Ins::Verify, 0x00, 0x80)
    }

    /// VERIFY with a PIN.
    pub fn verify(pin: &[u8]) -> Self {
        Command::new(0x00, Ins::Verify, 0x00, 0x80).with_data(pin.to_vec())
    }

    /// CHANGE REFERENCE DATA with the new PIN (after a successful VERIFY of the old one).
    pub fn change_reference_data(new_pin: &[u8]) -> Self {
        Command::new(0x00, Ins::ChangeReferenceData, 0x01, 0x80).with_data(new_pin.to_vec())
    }

    /// COMPUTE DIGITAL SIGNATURE over a DigestInfo with the currently selected key.
    pub fn compute_signature(digest_info: &[u8], le: usize) -> Self {
        Command::new(0x80, Ins::ComputeDigitalSignature, 0x00, 0x80)
            .with_data(digest_info.to_vec())
            .with_le(le)
    }

    /// GET RESPONSE for `len` bytes.
    pub fn get_response(len: usize) -> Self {
        Command::new(0x00, Ins::GetResponse, 0x00, 0x00).with_le(len)
    }

    /// GET CHALLENGE for `len` bytes.
    pub fn get_challenge(len: usize) -> Self {
        Command::new(0x00, Ins::GetChallenge, 0x00, 0x00).with_le(len)
    }

    /// The smallest length form that can carry this command.
    pub fn natural_form(&self) -> LengthForm {
        if self.data.len() > SHORT_MAX_LC || self.le.is_some_and(|le| le > SHORT_MAX_LE) {
            LengthForm::Extended
        } else {
            LengthForm::Short
        }
    }

    /// Encode in the smallest length form that fits.
    pub fn to_bytes(&self) -> Result<Vec<u8>, ApduError> {
        self.encode(self.natural_form())
    }

    /// Encode in the given length form.
    pub fn encode(&self, form: LengthForm) -> Result<Vec<u8>, ApduError> {
        let (max_lc, max_le, name) = match form {
            LengthForm::Short => (SHORT_MAX_LC, SHORT_MAX_LE, "short"),
            LengthForm::Extended => (EXTENDED_MAX_LC, EXTENDED_MAX_LE, "extended"),
        };
        if self.data.len() > max_lc {
            return Err(ApduError::DataTooLong { len: self.data.len(), max: max_lc, form: name });
        }
        if let Some(le) = self.le {
            if le == 0 || le > max_le {
                return Err(ApduError::LeOutOfRange { le, max: max_le, form: name });
            }
        }
        let mut out = Vec::with_capacity(4 + 3 + self.data.len() + 3);
        out.extend_from_slice(&[self.cla, self.ins.code(), self.p1, self.p2]);
        let nc = self.data.len();
        match form {
            LengthForm::Short => {
                if nc > 0 {
                    out.push(nc as u8);
                    out.extend_from_slice(&self.data);
                }
                if let Some(le) = self.le {
                    out.push((le % 256) as u8);
                }
            }
            LengthForm::Extended => {
                if nc > 0 {
                    out.push(0);
                    out.extend_from_slice(&(nc as u16).to_be_bytes());
                    out.extend_from_slice(&self.data);
                }
                if let Some(le) = self.le {
                    if nc == 0 {
                        out.push(0);
                    }
                    out.extend_from_slice(&((le % 65536) as u16).to_be_bytes());
                }
            }
        }
        Ok(out)
    }

    /// Parse a command APDU in any of the seven ISO 7816-4 encodings (case 1, 2S, 3S, 4S,
    /// 2E, 3E, 4E). Returns the command and the length form it used.
    pub fn parse(bytes: &[u8]) -> Result<(Command, LengthForm), ApduError> {
        let [cla, ins, p1, p2, body @ ..] = bytes else {
            return Err(ApduError::CommandTooShort(bytes.len()));
        };
        let base = Command::new(*cla, Ins::from(*ins), *p1, *p2);
        let n = body.len();
        let short_le = |b: u8| if b == 0 { 256 } else { b as usize };
        let ext_le = |hi: u8, lo: u8| {
            let v = u16::from_be_bytes([hi, lo]) as usize;
            if v == 0 {
                65536
            } else {
                v
            }
        };
        match body {
            [] => Ok((base, LengthForm::Short)),
            [le] => Ok((base.with_le(short_le(*le)), LengthForm::Short)),
            // Short form with data: Lc, data, optional Le.
            [lc @ 1..=255, rest @ ..] => {
                let lc = usize::from(*lc);
                if rest.len() == lc {
                    return Ok((base.with_data(rest.to_vec()), LengthForm::Short));
                }
                if let Some((data, [le])) = rest.split_at_checked(lc) {
                    let cmd = base.with_data(data.to_vec()).with_le(short_le(*le));
                    return Ok((cmd, LengthForm::Short));
                }
                Err(ApduError::MalformedBody(n))
            }
            // A zero byte, then at least two more: extended form (a short case 3 with Lc=0 is
            // invalid).
            [0, hi, lo] => Ok((base.with_le(ext_le(*hi, *lo)), LengthForm::Extended)),
            [0, hi, lo, rest @ ..] => {
                let lc = usize::from(u16::from_be_bytes([*hi, *lo]));
                if lc == 0 {
                    return Err(ApduError::ZeroLc);
                }
                if rest.len() == lc {
                    return Ok((base.with_data(rest.to_vec()), LengthForm::Extended));
                }
                if let Some((data, [le_hi, le_lo])) = rest.split_at_checked(lc) {
                    let cmd = base.with_data(data.to_vec()).with_le(ext_le(*le_hi, *le_lo));
                    return Ok((cmd, LengthForm::Extended));
                }
                Err(ApduError::MalformedBody(n))
            }
            _ => Err(ApduError::MalformedBody(n)),
        }
    }
}

/// A response APDU: data and status word. The data may be personal (the My Number, the
/// signature certificate), so it lives in a zeroizing buffer, and `Debug` shows only its
/// length.
#[derive(Clone, PartialEq, Eq)]
pub struct Response {
    /// Response data (zeroized on drop).
    pub data: Zeroizing<Vec<u8>>,
    /// Status word.
    pub sw: StatusWord,
}

impl std::fmt::Debug for Response {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Response")
            .field("data", &format_args!("{} bytes", self.data.len()))
            .field("sw", &self.sw)
            .finish()
    }
}

impl Response {
    /// A response with data.
    pub fn new(data: impl Into<Zeroizing<Vec<u8>>>, sw: StatusWord) -> Self {
        Response { data: data.into(), sw }
    }

    /// A response with only a status word.
    pub fn status(sw: StatusWord) -> Self {
        Response { data: Zeroizing::new(Vec::new()), sw }
    }

    /// Parse the bytes a card answered: data, then SW1 SW2.
    pub fn parse(bytes: &[u8]) -> Result<Response, ApduError> {
        let [data @ .., sw1, sw2] = bytes else {
            return Err(ApduError::ResponseTooShort(bytes.len()));
        };
        Ok(Response { data: Zeroizing::new(data.to_vec()), sw: StatusWord::from_bytes(*sw1, *sw2) })
    }

    /// Encode as data followed by SW1 SW2.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.data.len() + 2);
        out.extend_from_slice(&self.data);
        out.extend_from_slice(&self.sw.to_bytes());
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn select_jpki_bytes() {
        let cmd = Command::select_aid(&crate::facts::AID_JPKI);
        assert_eq!(hex::encode_upper(cmd.to_bytes().unwrap()), "00A4040C0AD392F000260100000001");
        assert_eq!(
            hex::encode_upper(Command::select_ef(0x000A).to_bytes().unwrap()),
            "00A4020C02000A"
        );
    }

    #[test]
    fn all_cases_short_and_extended() {
        let cases: Vec<(Command, LengthForm, &str)> = vec![
            (Command::verify_status(), LengthForm::Short, "00200080"),
            (Command::read_binary(0x0100, 256), LengthForm::Short, "00B0010000"),
            (Command::read_binary(0, 5), LengthForm::Short, "00B0000005"),
            (Command::verify(b"1234"), LengthForm::Short, "002000800431323334"),
            (Command::compute_signature(&[1, 2], 256), LengthForm::Short, "802A008002010200"),
            (Command::read_binary(0, 65536), LengthForm::Extended, "00B00000000000"),
            (Command::read_binary(0, 1000), LengthForm::Extended, "00B000000003E8"),
            (Command::verify(b"12"), LengthForm::Extended, "002000800000023132"),
            (Command::compute_signature(&[9], 256), LengthForm::Extended, "802A0080000001090100"),
        ];
        for (cmd, form, want) in cases {
            let bytes = cmd.encode(form).unwrap();
            assert_eq!(hex::encode_upper(&bytes), want, "{cmd:?}");
            let (back, back_form) = Command::parse(&bytes).unwrap();
            assert_eq!(back, cmd);
            assert_eq!(back_form, form);
        }
    }

    #[test]
    fn encoding_limits_are_errors() {
        let big = Command::verify(&[0u8; 256]);
        assert!(matches!(big.encode(LengthForm::Short), Err(ApduError::DataTooLong { .. })));
        assert!(big.encode(LengthForm::Extended).is_ok());
        assert_eq!(big.natural_form(), LengthForm::Extended);
        let le = Command::read_binary(0, 257);
        assert!(matches!(le.encode(LengthForm::Short), Err(ApduError::LeOutOfRange { .. })));
        let zero = Command::read_binary(0, 0);
        assert!(matches!(zero.encode(LengthForm::Extended), Err(ApduError::LeOutOfRange { .. })));
        let huge = Command::read_binary(0, 65537);
        assert!(matches!(huge.encode(LengthForm::Extended), Err(ApduError::LeOutOfRange { .. })));
        let toolong = Command::verify(&vec![0u8; 65536]);
        assert!(matches!(toolong.encode(LengthForm::Extended), Err(ApduError::DataTooLong { .. })));
    }

    #[test]
    fn parse_errors() {
        assert_eq!(Command::parse(&[0, 0xA4, 0]), Err(ApduError::CommandTooShort(3)));
        assert_eq!(Command::parse(&[0, 0xA4, 0, 0, 5, 1]), Err(ApduError::MalformedBody(2)));
        assert_eq!(Command::parse(&[0, 0xA4, 0, 0, 0, 0]), Err(ApduError::MalformedBody(2)));
        assert_eq!(Command::parse(&[0, 0xA4, 0, 0, 0, 0, 0, 1]), Err(ApduError::ZeroLc));
        assert_eq!(Command::parse(&[0, 0xA4, 0, 0, 0, 0, 2, 1]), Err(ApduError::MalformedBody(4)));
        assert_eq!(Response::parse(&[0x90]), Err(ApduError::ResponseTooShort(1)));
    }

    #[test]
    fn debug_redacts_pins() {
        let dbg = format!("{:?}", Command::verify(b"9876"));
        assert!(!dbg.contains("39383736"), "{dbg}");
        assert!(dbg.contains("**"));
        let dbg = format!("{:?}", Command::change_reference_data(b"ABCDEF1"));
        assert!(dbg.contains("**"));
        assert!(!dbg.contains(&hex::encode_upper(b"ABCDEF1")));
    }

    #[test]
    fn response_round_trip() {
        let r = Response::parse(&[1, 2, 3, 0x63, 0xC1]).unwrap();
        assert_eq!(*r.data, vec![1, 2, 3]);
        assert_eq!(r.sw, StatusWord::TriesLeft(1));
        assert_eq!(r.to_bytes(), vec![1, 2, 3, 0x63, 0xC1]);
        // Clone and equality still work on the zeroizing buffer.
        assert_eq!(r.clone(), Response::new(vec![1, 2, 3], StatusWord::TriesLeft(1)));
        assert_ne!(r, Response::status(StatusWord::TriesLeft(1)));
    }

    #[test]
    fn response_data_is_zeroizing_and_not_in_debug() {
        fn zeroizing(_: &Zeroizing<Vec<u8>>) {}
        let r = Response::parse(b"123456789018\x90\x00").unwrap();
        zeroizing(&r.data);
        let dbg = format!("{r:?}");
        assert_eq!(dbg, "Response { data: 12 bytes, sw: Success }");
    }

    proptest! {
        #[test]
        fn command_parse_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
            if let Ok((cmd, form)) = Command::parse(&bytes) {
                // Whatever parses re-encodes to the same bytes.
                prop_assert_eq!(cmd.encode(form).unwrap(), bytes);
            }
        }

        #[test]
        fn response_parse_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
            if let Ok(r) = Response::parse(&bytes) {
                prop_assert_eq!(r.to_bytes(), bytes);
            }
        }

        #[test]
        fn command_round_trips(cla in any::<u8>(), ins in any::<u8>(), p1 in any::<u8>(), p2 in any::<u8>(),
                               data in proptest::collection::vec(any::<u8>(), 0..300),
                               le in proptest::option::of(1usize..=65536)) {
            let mut cmd = Command::new(cla, Ins::from(ins), p1, p2).with_data(data);
            cmd.le = le;
            let form = cmd.natural_form();
            let bytes = cmd.encode(form).unwrap();
            let (back, back_form) = Command::parse(&bytes).unwrap();
            prop_assert_eq!(back, cmd);
            prop_assert_eq!(back_form, form);
        }
    }
}
