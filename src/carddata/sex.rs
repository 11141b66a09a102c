//! The holder's sex, one type for the crate, with its three encodings on the card:
//!
//! | encoding | male | female | unknown | not applicable |
//! |---|---|---|---|---|
//! | text application, `DF 25` of the attributes file | `1` | `2` | — | `9` |
//! | card-face application, `DF 23` of the front record | `1` | `2` | `0` | `9` |
//! | signature certificate, SAN otherName `1.2.392.200149.8.5.5.3` | `1` | `2` | — | `3` |
//!
//! The card-face row (the ISO/IEC 5218 codes) is in docs/card-facts.md. A code an encoding
//! does not define decodes to `None`; encoding a sex the encoding has no code for gives `None`.
//! Personal data: `Debug` prints `Sex(**)`.

use std::fmt;

use serde::Serialize;

/// The holder's sex. Its `Debug` output is `Sex(**)`.
#[derive(Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    /// Male.
    Male,
    /// Female.
    Female,
    /// Not known (card face only).
    Unknown,
    /// Not applicable.
    NotApplicable,
}

impl fmt::Debug for Sex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Sex(**)")
    }
}

/// (sex, text AP code, card-face code, certificate code), the table of the module doc.
const CODES: [(Sex, Option<&str>, &str, Option<&str>); 4] = [
    (Sex::Male, Some("1"), "1", Some("1")),
    (Sex::Female, Some("2"), "2", Some("2")),
    (Sex::Unknown, None, "0", None),
    (Sex::NotApplicable, Some("9"), "9", Some("3")),
];

impl Sex {
    /// From the text application's `DF 25` value (`1`, `2`, `9`).
    pub fn from_text_code(raw: &[u8]) -> Option<Sex> {
        CODES.iter().find(|c| c.1.map(str::as_bytes) == Some(raw)).map(|c| c.0)
    }

    /// The text application's code; `None` for [`Sex::Unknown`].
    pub fn text_code(self) -> Option<&'static str> {
        CODES.iter().find(|c| c.0 == self).and_then(|c| c.1)
    }

    /// From the card-face application's sex digit (`1`, `2`, `0`, `9`).
    pub fn from_face_code(raw: &[u8]) -> Option<Sex> {
        CODES.iter().find(|c| c.2.as_bytes() == raw).map(|c| c.0)
    }

    /// The card-face application's digit.
    pub fn face_code(self) -> &'static str {
        CODES.iter().find(|c| c.0 == self).map_or("0", |c| c.2)
    }

    /// From the signature certificate's SAN value (`1`, `2`, `3`).
    pub fn from_cert_code(raw: &[u8]) -> Option<Sex> {
        CODES.iter().find(|c| c.3.map(str::as_bytes) == Some(raw)).map(|c| c.0)
    }

    /// The signature certificate's code; `None` for [`Sex::Unknown`].
    pub fn cert_code(self) -> Option<&'static str> {
        CODES.iter().find(|c| c.0 == self).and_then(|c| c.3)
    }

    /// English name for text output (`not applicable`).
    pub fn name(self) -> &'static str {
        match self {
            Sex::Male => "male",
            Sex::Female => "female",
            Sex::Unknown => "unknown",
            Sex::NotApplicable => "not applicable",
        }
    }

    /// Name in JSON output (`not_applicable`), as `Serialize` writes it.
    pub fn json_name(self) -> &'static str {
        match self {
            Sex::Male => "male",
            Sex::Female => "female",
            Sex::Unknown => "unknown",
            Sex::NotApplicable => "not_applicable",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [Sex; 4] = [Sex::Male, Sex::Female, Sex::Unknown, Sex::NotApplicable];

    #[test]
    fn each_encoding_pinned() {
        let text: Vec<_> = ALL.iter().map(|s| s.text_code()).collect();
        assert_eq!(text, [Some("1"), Some("2"), None, Some("9")]);
        let face: Vec<_> = ALL.iter().map(|s| s.face_code()).collect();
        assert_eq!(face, ["1", "2", "0", "9"]);
        let cert: Vec<_> = ALL.iter().map(|s| s.cert_code()).collect();
        assert_eq!(cert, [Some("1"), Some("2"), None, Some("3")]);
    }

    #[test]
    fn decoders_invert_encoders_and_refuse_the_rest() {
        for s in ALL {
            assert_eq!(Sex::from_face_code(s.face_code().as_bytes()), Some(s));
            if let Some(c) = s.text_code() {
                assert_eq!(Sex::from_text_code(c.as_bytes()), Some(s));
            }
            if let Some(c) = s.cert_code() {
                assert_eq!(Sex::from_cert_code(c.as_bytes()), Some(s));
            }
            assert_eq!(serde_json::to_value(s).unwrap(), s.json_name());
            assert_eq!(s.json_name().replace('_', " "), s.name());
        }
        // The codes differ between encodings: 3 is a certificate code only, 0 a face code
        // only, 9 not a certificate code.
        assert_eq!(Sex::from_text_code(b"3"), None);
        assert_eq!(Sex::from_text_code(b"0"), None);
        assert_eq!(Sex::from_cert_code(b"9"), None);
        assert_eq!(Sex::from_face_code(b"3"), None);
        for bad in [&b""[..], b"11", b"7", b" 1"] {
            assert_eq!(Sex::from_text_code(bad), None);
            assert_eq!(Sex::from_face_code(bad), None);
            assert_eq!(Sex::from_cert_code(bad), None);
        }
        assert_eq!(format!("{:?}", Sex::Female), "Sex(**)");
    }
}
