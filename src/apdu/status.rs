//! Status words (SW1 SW2) as a typed enum; statuses that carry data carry it as fields.

/// A status word as the card sent it, decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StatusWord {
    /// `90 00`.
    Success,
    /// `61 xx`: xx more bytes to fetch with GET RESPONSE (`00` means 256).
    BytesRemaining(u8),
    /// `6C xx`: wrong Le, resend with Le = xx (`00` means 256).
    WrongLe(u8),
    /// `63 Cx`: verification failed or retry-counter query; x tries left.
    TriesLeft(u8),
    /// `62 82`: end of file reached before Le bytes.
    EndOfFile,
    /// `65 81`: memory failure.
    MemoryFailure,
    /// `67 00`: wrong length (Lc or Le).
    WrongLength,
    /// `68 81` / `68 82`: logical channel or secure messaging not supported.
    ClaFunctionNotSupported(u8),
    /// `69 82`: security status not satisfied.
    SecurityStatusNotSatisfied,
    /// `69 83`: authentication method blocked.
    AuthMethodBlocked,
    /// `69 84`: reference data not usable (blocked).
    ReferenceDataNotUsable,
    /// `69 85`: conditions of use not satisfied.
    ConditionsNotSatisfied,
    /// `69 86`: command not allowed (no current EF).
    CommandNotAllowed,
    /// `6A 80`: incorrect data field.
    IncorrectData,
    /// `6A 81`: function not supported.
    FunctionNotSupported,
    /// `6A 82`: file or application not found.
    FileNotFound,
    /// `6A 86`: incorrect P1 P2.
    IncorrectP1P2,
    /// `6A 88`: referenced data not found.
    ReferencedDataNotFound,
    /// `6B 00`: wrong parameters (offset outside the EF).
    WrongP1P2,
    /// `6D 00`: instruction not supported.
    InsNotSupported,
    /// `6E 00`: class not supported.
    ClaNotSupported,
    /// `6F 00`: no precise diagnosis.
    NoPreciseDiagnosis,
    /// Anything else, raw.
    Other(u16),
}

impl StatusWord {
    /// Decode two status bytes.
    pub fn from_bytes(sw1: u8, sw2: u8) -> Self {
        match (sw1, sw2) {
            (0x90, 0x00) => StatusWord::Success,
            (0x61, n) => StatusWord::BytesRemaining(n),
            (0x6C, n) => StatusWord::WrongLe(n),
            (0x63, n) if n & 0xF0 == 0xC0 => StatusWord::TriesLeft(n & 0x0F),
            (0x62, 0x82) => StatusWord::EndOfFile,
            (0x65, 0x81) => StatusWord::MemoryFailure,
            (0x67, 0x00) => StatusWord::WrongLength,
            (0x68, n @ (0x81 | 0x82)) => StatusWord::ClaFunctionNotSupported(n),
            (0x69, 0x82) => StatusWord::SecurityStatusNotSatisfied,
            (0x69, 0x83) => StatusWord::AuthMethodBlocked,
            (0x69, 0x84) => StatusWord::ReferenceDataNotUsable,
            (0x69, 0x85) => StatusWord::ConditionsNotSatisfied,
            (0x69, 0x86) => StatusWord::CommandNotAllowed,
            (0x6A, 0x80) => StatusWord::IncorrectData,
            (0x6A, 0x81) => StatusWord::FunctionNotSupported,
            (0x6A, 0x82) => StatusWord::FileNotFound,
            (0x6A, 0x86) => StatusWord::IncorrectP1P2,
            (0x6A, 0x88) => StatusWord::ReferencedDataNotFound,
            (0x6B, 0x00) => StatusWord::WrongP1P2,
            (0x6D, 0x00) => StatusWord::InsNotSupported,
            (0x6E, 0x00) => StatusWord::ClaNotSupported,
            (0x6F, 0x00) => StatusWord::NoPreciseDiagnosis,
            (a, b) => StatusWord::Other(u16::from_be_bytes([a, b])),
        }
    }

    /// Decode a 16-bit status word.
    pub fn from_u16(sw: u16) -> Self {
        let [a, b] = sw.to_be_bytes();
        Self::from_bytes(a, b)
    }

    /// The two status bytes.
    pub fn to_bytes(self) -> [u8; 2] {
        match self {
            StatusWord::Success => [0x90, 0x00],
            StatusWord::BytesRemaining(n) => [0x61, n],
            StatusWord::WrongLe(n) => [0x6C, n],
            StatusWord::TriesLeft(n) => [0x63, 0xC0 | (n & 0x0F)],
            StatusWord::EndOfFile => [0x62, 0x82],
            StatusWord::MemoryFailure => [0x65, 0x81],
            StatusWord::WrongLength => [0x67, 0x00],
            StatusWord::ClaFunctionNotSupported(n) => [0x68, n],
            StatusWord::SecurityStatusNotSatisfied => [0x69, 0x82],
            StatusWord::AuthMethodBlocked => [0x69, 0x83],
            StatusWord::ReferenceDataNotUsable => [0x69, 0x84],
            StatusWord::ConditionsNotSatisfied => [0x69, 0x85],
            StatusWord::CommandNotAllowed => [0x69, 0x86],
            StatusWord::IncorrectData => [0x6A, 0x80],
            StatusWord::FunctionNotSupported => [0x6A, 0x81],
            StatusWord::FileNotFound => [0x6A, 0x82],
            StatusWord::IncorrectP1P2 => [0x6A, 0x86],
            StatusWord::ReferencedDataNotFound => [0x6A, 0x88],
            StatusWord::WrongP1P2 => [0x6B, 0x00],
            StatusWord::InsNotSupported => [0x6D, 0x00],
            StatusWord::ClaNotSupported => [0x6E, 0x00],
            StatusWord::NoPreciseDiagnosis => [0x6F, 0x00],
            StatusWord::Other(sw) => sw.to_be_bytes(),
        }
    }

    /// The status word as a 16-bit number.
    pub fn to_u16(self) -> u16 {
        u16::from_be_bytes(self.to_bytes())
    }

    /// `90 00`.
    pub fn is_success(self) -> bool {
        self == StatusWord::Success
    }

    /// A PIN that can no longer be verified: `63 C0`, `69 83` or `69 84`.
    pub fn is_blocked(self) -> bool {
        matches!(
            self,
            StatusWord::TriesLeft(0)
                | StatusWord::AuthMethodBlocked
                | StatusWord::ReferenceDataNotUsable
        )
    }
}

impl std::fmt::Display for StatusWord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let [a, b] = self.to_bytes();
        let what = match self {
            StatusWord::Success => "success".to_string(),
            StatusWord::BytesRemaining(n) => {
                format!("{} bytes remaining", if *n == 0 { 256 } else { *n as usize })
            }
            StatusWord::WrongLe(n) => {
                format!("wrong Le, use {}", if *n == 0 { 256 } else { *n as usize })
            }
            StatusWord::TriesLeft(n) => format!("{n} tries left"),
            StatusWord::EndOfFile => "end of file reached".into(),
            StatusWord::MemoryFailure => "memory failure".into(),
            StatusWord::WrongLength => "wrong length".into(),
            StatusWord::ClaFunctionNotSupported(_) => "function in CLA not supported".into(),
            StatusWord::SecurityStatusNotSatisfied => "security status not satisfied".into(),
            StatusWord::AuthMethodBlocked => "authentication method blocked".into(),
            StatusWord::ReferenceDataNotUsable => "reference data not usable".into(),
            StatusWord::ConditionsNotSatisfied => "conditions of use not satisfied".into(),
            StatusWord::CommandNotAllowed => "command not allowed".into(),
            StatusWord::IncorrectData => "incorrect data".into(),
            StatusWord::FunctionNotSupported => "function not supported".into(),
            StatusWord::FileNotFound => "file or application not found".into(),
            StatusWord::IncorrectP1P2 => "incorrect P1/P2".into(),
            StatusWord::ReferencedDataNotFound => "referenced data not found".into(),
            StatusWord::WrongP1P2 => "wrong parameters (offset outside the file)".into(),
            StatusWord::InsNotSupported => "instruction not supported".into(),
            StatusWord::ClaNotSupported => "class not supported".into(),
            StatusWord::NoPreciseDiagnosis => "no precise diagnosis".into(),
            StatusWord::Other(_) => "unknown status".into(),
        };
        write!(f, "{a:02X} {b:02X} ({what})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_word_round_trips() {
        for sw in 0..=u16::MAX {
            let decoded = StatusWord::from_u16(sw);
            assert_eq!(decoded.to_u16(), sw, "{sw:04X} decoded as {decoded:?}");
        }
    }

    #[test]
    fn statuses_with_data_carry_it() {
        assert_eq!(StatusWord::from_bytes(0x63, 0xC2), StatusWord::TriesLeft(2));
        assert_eq!(StatusWord::from_bytes(0x61, 0x10), StatusWord::BytesRemaining(0x10));
        assert_eq!(StatusWord::from_bytes(0x6C, 0x11), StatusWord::WrongLe(0x11));
        assert_eq!(StatusWord::from_bytes(0x63, 0x00), StatusWord::Other(0x6300));
        assert!(StatusWord::from_bytes(0x63, 0xC0).is_blocked());
        assert!(StatusWord::from_bytes(0x69, 0x83).is_blocked());
        assert!(StatusWord::from_bytes(0x69, 0x84).is_blocked());
        assert!(!StatusWord::from_bytes(0x63, 0xC1).is_blocked());
        assert_eq!(StatusWord::TriesLeft(2).to_string(), "63 C2 (2 tries left)");
    }
}
