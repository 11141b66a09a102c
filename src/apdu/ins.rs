//! Instruction codes as a typed enum.

/// The instructions this project sends or answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Ins {
    /// SELECT (A4).
    Select,
    /// READ BINARY (B0).
    ReadBinary,
    /// VERIFY (20).
    Verify,
    /// CHANGE REFERENCE DATA (24).
    ChangeReferenceData,
    /// COMPUTE DIGITAL SIGNATURE (2A, with CLA 80 on this card).
    ComputeDigitalSignature,
    /// GET RESPONSE (C0).
    GetResponse,
    /// GET CHALLENGE (84).
    GetChallenge,
    /// GET DATA (CA).
    GetData,
    /// Any other instruction byte.
    Other(u8),
}

impl Ins {
    /// The instruction byte.
    pub fn code(self) -> u8 {
        match self {
            Ins::Select => 0xA4,
            Ins::ReadBinary => 0xB0,
            Ins::Verify => 0x20,
            Ins::ChangeReferenceData => 0x24,
            Ins::ComputeDigitalSignature => 0x2A,
            Ins::GetResponse => 0xC0,
            Ins::GetChallenge => 0x84,
            Ins::GetData => 0xCA,
            Ins::Other(b) => b,
        }
    }

    /// Whether the command data of this instruction carries a secret (PIN or password)
    /// and must be redacted in traces and logs: the ISO 7816-4 instructions that take
    /// reference data — VERIFY (20, 21), CHANGE REFERENCE DATA (24, 25), DISABLE (26) and
    /// ENABLE (28) VERIFICATION REQUIREMENT, RESET RETRY COUNTER (2C, 2D).
    pub fn carries_secret(self) -> bool {
        matches!(
            self,
            Ins::Verify
                | Ins::ChangeReferenceData
                | Ins::Other(0x21 | 0x25 | 0x26 | 0x28 | 0x2C | 0x2D)
        )
    }
}

impl From<u8> for Ins {
    fn from(b: u8) -> Self {
        match b {
            0xA4 => Ins::Select,
            0xB0 => Ins::ReadBinary,
            0x20 => Ins::Verify,
            0x24 => Ins::ChangeReferenceData,
            0x2A => Ins::ComputeDigitalSignature,
            0xC0 => Ins::GetResponse,
            0x84 => Ins::GetChallenge,
            0xCA => Ins::GetData,
            other => Ins::Other(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_byte_round_trips() {
        for b in 0..=255u8 {
            assert_eq!(Ins::from(b).code(), b);
        }
        assert_eq!(Ins::from(0x20), Ins::Verify);
        assert!(Ins::Verify.carries_secret());
        assert!(Ins::ChangeReferenceData.carries_secret());
        assert!(!Ins::ReadBinary.carries_secret());
        let secret: Vec<u8> = (0..=255u8).filter(|&b| Ins::from(b).carries_secret()).collect();
        assert_eq!(secret, vec![0x20, 0x21, 0x24, 0x25, 0x26, 0x28, 0x2C, 0x2D]);
        assert_eq!(Ins::from(0x42), Ins::Other(0x42));
    }
}
