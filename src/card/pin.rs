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
    /// Card-face application 生年月日 key: the birth date as era `YYMMDD` (6 digits, EF 0011).
    FaceBirth,
    /// Card-face application 照合番号A: the 12-digit My Number (EF 0013).
    FaceCodeA,
    /// Card-face application 照合番号B: 14 digits, birth era `YYMMDD` ‖ expiry year ‖ security
    /// code (EF 0012).
    FaceCodeB,
}

impl PinKind {
    /// The application holding this PIN.
    pub fn aid(self) -> &'static [u8] {
        match self {
            PinKind::Auth | PinKind::Sign => &facts::AID_JPKI,
            PinKind::Text => &facts::AID_TEXT,
            PinKind::FaceBirth | PinKind::FaceCodeA | PinKind::FaceCodeB => &facts::AID_VISUAL,
        }
    }

    /// The PIN's elementary file in its application.
    pub fn ef(self) -> u16 {
        match self {
            PinKind::Auth => facts::jpki::EF_AUTH_PIN,
            PinKind::Sign => facts::jpki::EF_SIGN_PIN,
            PinKind::Text => facts::text::EF_PIN,
            PinKind::FaceBirth => facts::visual::EF_BIRTH_KEY,
            PinKind::FaceCodeA => facts::visual::EF_CODE_A,
            PinKind::FaceCodeB => facts::visual::EF_CODE_B,
        }
    }

    /// Fewest and most characters the PIN has.
    pub fn length_range(self) -> (u8, u8) {
        match self {
            PinKind::Auth | PinKind::Text => (4, 4),
            PinKind::Sign => (6, 16),
            PinKind::FaceBirth => (6, 6),
            PinKind::FaceCodeA => (12, 12),
            PinKind::FaceCodeB => (14, 14),
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
            PinKind::FaceBirth => {
                "the birth-date key must be a real birth date (YYYYMMDD, 明治 or later)"
            }
            PinKind::FaceCodeA => {
                "照合番号A must be the 12-digit My Number with a valid check digit"
            }
            PinKind::FaceCodeB => {
                "照合番号B must be 14 digits: birth date in era digits (YYMMDD), the card's expiry year (YYYY) and its 4-digit security code"
            }
        }
    }
}

impl std::fmt::Display for PinKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            PinKind::Auth => "authentication PIN",
            PinKind::Sign => "signature password",
            PinKind::Text => "text-application PIN",
            PinKind::FaceBirth => "card-face birth-date key (生年月日)",
            PinKind::FaceCodeA => "card-face 照合番号A (My Number)",
            PinKind::FaceCodeB => "card-face 照合番号B",
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
    impl Sealed for super::FaceBirthKey {}
    impl Sealed for super::CodeA {}
    impl Sealed for super::CodeB {}
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

/// The card-face application's 生年月日 key: the holder's birth date as era `YYMMDD`.
#[derive(Clone)]
pub struct FaceBirthKey(Zeroizing<Vec<u8>>);
secret_type!(FaceBirthKey, PinKind::FaceBirth);

impl FaceBirthKey {
    /// The key for a Gregorian birth date `YYYYMMDD` (era arithmetic of
    /// [`crate::carddata::records::birth_key`]).
    pub fn from_birth_date(yyyymmdd: &str) -> Result<Self, PinFormatError> {
        let key = crate::carddata::records::birth_key(yyyymmdd)
            .map_err(|_| PinFormatError { kind: PinKind::FaceBirth })?;
        Ok(FaceBirthKey(Zeroizing::new(key.as_bytes().to_vec())))
    }
}

/// 照合番号A: the 12-digit My Number, check digit validated before anything is sent.
#[derive(Clone)]
pub struct CodeA(Zeroizing<Vec<u8>>);
secret_type!(CodeA, PinKind::FaceCodeA);

impl CodeA {
    /// Validate and wrap 12 digits.
    pub fn new(value: &str) -> Result<Self, PinFormatError> {
        let b = value.as_bytes();
        let ok = b.len() == 12
            && b.iter().all(u8::is_ascii_digit)
            && b.split_last()
                .is_some_and(|(last, body)| super::text::check_digit(body) == Some(last - b'0'));
        if !ok {
            return Err(PinFormatError { kind: PinKind::FaceCodeA });
        }
        Ok(CodeA(Zeroizing::new(b.to_vec())))
    }
}

/// 照合番号B: 14 digits (birth era `YYMMDD` ‖ expiry year ‖ security code).
#[derive(Clone)]
pub struct CodeB(Zeroizing<Vec<u8>>);
secret_type!(CodeB, PinKind::FaceCodeB);

impl CodeB {
    /// Validate and wrap 14 composed digits (the birth part must be a real era date).
    pub fn new(value: &str) -> Result<Self, PinFormatError> {
        let b = value.as_bytes();
        let bad = PinFormatError { kind: PinKind::FaceCodeB };
        if b.len() != 14 || !b.iter().all(u8::is_ascii_digit) {
            return Err(bad);
        }
        let (mm, dd) = (&value[2..4], &value[4..6]);
        let month_ok = matches!(mm.parse::<u8>(), Ok(1..=12));
        let day_ok = matches!(dd.parse::<u8>(), Ok(1..=31));
        if !month_ok || !day_ok {
            return Err(bad);
        }
        Ok(CodeB(Zeroizing::new(b.to_vec())))
    }

    /// Compose from the birth date (`YYYYMMDD`, Gregorian), the card's expiry year and its
    /// security code ([`crate::carddata::records::code_b`]).
    pub fn compose(
        birth_yyyymmdd: &str,
        expiry_year: &str,
        security_code: &str,
    ) -> Result<Self, PinFormatError> {
        let digits = crate::carddata::records::code_b(birth_yyyymmdd, expiry_year, security_code)
            .map_err(|_| PinFormatError { kind: PinKind::FaceCodeB })?;
        Ok(CodeB(Zeroizing::new(digits.as_bytes().to_vec())))
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
    fn card_face_codes() {
        assert_eq!(CodeA::new("123456789018").unwrap().as_bytes(), b"123456789018");
        for bad in ["123456789017", "12345678901", "1234567890188", "12345678901x", ""] {
            assert_eq!(CodeA::new(bad).unwrap_err(), PinFormatError { kind: PinKind::FaceCodeA });
        }
        assert_eq!(CodeB::new("55021720352285").unwrap().as_bytes(), b"55021720352285");
        assert_eq!(
            CodeB::compose("19800217", "2035", "2285").unwrap().as_bytes(),
            b"55021720352285"
        );
        for bad in ["5502172035228", "550217203522855", "55021720352x85", "55131720352285"] {
            assert_eq!(CodeB::new(bad).unwrap_err(), PinFormatError { kind: PinKind::FaceCodeB });
        }
        assert!(CodeB::compose("19800217", "35", "2285").is_err());
        assert_eq!(FaceBirthKey::from_birth_date("19800217").unwrap().as_bytes(), b"550217");
        assert_eq!(
            FaceBirthKey::from_birth_date("19800230").unwrap_err(),
            PinFormatError { kind: PinKind::FaceBirth }
        );
        assert_eq!(format!("{:?}", CodeB::new("55021720352285").unwrap()), "CodeB(***)");
        assert_eq!(format!("{:?}", CodeA::new("123456789018").unwrap()), "CodeA(***)");
        assert!(!PinFormatError { kind: PinKind::FaceCodeA }.to_string().contains("1234"));
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
