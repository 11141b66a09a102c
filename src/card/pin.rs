//! PIN and password types. Each is validated in its constructor, before any APDU can be
//! built from it, and lives in a zeroizing buffer; `Debug` prints `***` and a format error
//! names the rule, never the value.

use zeroize::Zeroizing;

use crate::facts;

/// Which secret of the card.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PinKind {
    /// JPKI user-authentication PIN (4 digits, EF 0018).
    Auth,
    /// JPKI signature password (6–16 of A–Z0–9, EF 001B).
    Sign,
    /// Text-application PIN (4 digits, EF 0011).
    Text,
}

impl PinKind {
    /// The application holding this PIN.
    pub fn aid(self) -> &'static [u8] {
        match self {
            PinKind::Auth | PinKind::Sign => &facts::AID_JPKI,
            PinKind::Text => &facts::AID_TEXT,
        }
    }

    /// The PIN's elementary file in its application.
    pub fn ef(self) -> u16 {
        match self {
            PinKind::Auth => facts::jpki::EF_AUTH_PIN,
            PinKind::Sign => facts::jpki::EF_SIGN_PIN,
            PinKind::Text => facts::text::EF_PIN,
        }
    }

    /// Fewest and most characters the PIN has.
    pub fn length_range(self) -> (u8, u8) {
        match self {
            PinKind::Auth | PinKind::Text => (4, 4),
            PinKind::Sign => (6, 16),
        }
    }

    /// Whether every allowed value is digits only, so a PIN pad can enter it. The signature
    /// password allows letters (and J-LIS asks for at least one), which pads cannot type.
    pub fn digits_only(self) -> bool {
        !matches!(self, PinKind::Sign)
    }

    /// The format rule, in words.
    pub fn rule(self) -> &'static str {
        match self {
            PinKind::Auth => "the authentication PIN must be exactly 4 digits (0-9)",
            PinKind::Sign => {
                "the signature password must be 6 to 16 characters, each a letter A-Z or a digit 0-9"
            }
            PinKind::Text => "the text-application PIN must be exactly 4 digits (0-9)",
        }
    }
}

impl std::fmt::Display for PinKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            PinKind::Auth => "authentication PIN",
            PinKind::Sign => "signature password",
            PinKind::Text => "text-application PIN",
        })
    }
}

/// A PIN or password that breaks its format rule. Holds the rule, never the value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid {kind}: {}", kind.rule())]
pub struct PinFormatError {
    /// Which secret was malformed.
    pub kind: PinKind,
}

fn four_digits(kind: PinKind, value: &str) -> Result<Zeroizing<Vec<u8>>, PinFormatError> {
    let bytes = value.as_bytes();
    if bytes.len() == 4 && bytes.iter().all(u8::is_ascii_digit) {
        Ok(Zeroizing::new(bytes.to_vec()))
    } else {
        Err(PinFormatError { kind })
    }
}

/// A secret the card verifies: its kind and its ASCII bytes. Implemented by [`AuthPin`],
/// [`SignPassword`] and [`TextPin`] only.
pub trait CardPin: sealed::Sealed {
    /// Which PIN this is.
    const KIND: PinKind;
    /// The bytes VERIFY sends (ASCII, no padding).
    fn as_bytes(&self) -> &[u8];
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::AuthPin {}
    impl Sealed for super::SignPassword {}
    impl Sealed for super::TextPin {}
}

macro_rules! secret_type {
    ($name:ident, $kind:expr) => {
        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, concat!(stringify!($name), "(***)"))
            }
        }
        impl CardPin for $name {
            const KIND: PinKind = $kind;
            fn as_bytes(&self) -> &[u8] {
                &self.0
            }
        }
    };
}

/// The JPKI user-authentication PIN: exactly 4 ASCII digits.
#[derive(Clone)]
pub struct AuthPin(Zeroizing<Vec<u8>>);
secret_type!(AuthPin, PinKind::Auth);

impl AuthPin {
    /// Validate and wrap a PIN.
    pub fn new(value: &str) -> Result<Self, PinFormatError> {
        four_digits(PinKind::Auth, value).map(AuthPin)
    }
}

/// The text-application PIN: exactly 4 ASCII digits.
#[derive(Clone)]
pub struct TextPin(Zeroizing<Vec<u8>>);
secret_type!(TextPin, PinKind::Text);

impl TextPin {
    /// Validate and wrap a PIN.
    pub fn new(value: &str) -> Result<Self, PinFormatError> {
        four_digits(PinKind::Text, value).map(TextPin)
    }
}

/// The JPKI signature password: 6–16 characters of `A–Z0–9`; lower-case letters are folded
/// to upper case (the card stores upper case).
#[derive(Clone)]
pub struct SignPassword(Zeroizing<Vec<u8>>);
secret_type!(SignPassword, PinKind::Sign);

impl SignPassword {
    /// Validate, fold to upper case and wrap a password.
    pub fn new(value: &str) -> Result<Self, PinFormatError> {
        let bytes = value.as_bytes();
        let ok = (6..=16).contains(&bytes.len()) && bytes.iter().all(u8::is_ascii_alphanumeric);
        if !ok {
            return Err(PinFormatError { kind: PinKind::Sign });
        }
        let mut folded = Zeroizing::new(bytes.to_vec());
        folded.make_ascii_uppercase();
        Ok(SignPassword(folded))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auth_and_text_pins_are_four_digits() {
        assert_eq!(AuthPin::new("0123").unwrap().as_bytes(), b"0123");
        assert_eq!(TextPin::new("9876").unwrap().as_bytes(), b"9876");
        for bad in ["", "123", "12345", "12a4", "１２３４", "12 4", "+123"] {
            assert_eq!(AuthPin::new(bad).unwrap_err(), PinFormatError { kind: PinKind::Auth });
            assert_eq!(TextPin::new(bad).unwrap_err(), PinFormatError { kind: PinKind::Text });
        }
    }

    #[test]
    fn sign_password_rules_and_folding() {
        assert_eq!(SignPassword::new("abc123").unwrap().as_bytes(), b"ABC123");
        assert_eq!(SignPassword::new("ABCDEFGHIJ123456").unwrap().as_bytes(), b"ABCDEFGHIJ123456");
        for bad in ["ABC12", "ABCDEFGHIJ1234567", "ABC-123", "ABC 123", "ÄBC123", ""] {
            assert_eq!(SignPassword::new(bad).unwrap_err(), PinFormatError { kind: PinKind::Sign });
        }
    }

    #[test]
    fn secrets_never_show() {
        let p = SignPassword::new("secret99").unwrap();
        assert_eq!(format!("{p:?}"), "SignPassword(***)");
        assert_eq!(format!("{:?}", AuthPin::new("4321").unwrap()), "AuthPin(***)");
        assert_eq!(format!("{:?}", TextPin::new("4321").unwrap()), "TextPin(***)");
        let e = SignPassword::new("secret-99").unwrap_err();
        let msg = e.to_string();
        assert!(!msg.contains("secret"), "{msg}");
        assert!(msg.contains("6 to 16"), "{msg}");
        assert!(!AuthPin::new("12x4").unwrap_err().to_string().contains("12x4"));
    }
}
