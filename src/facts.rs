//! Card facts, one place each: application identifiers, file identifiers, PIN rules and
//! the label strings of the token-info file. Shared by the client layers and the virtual
//! card; see DESIGN.md §3. No logic lives here.

/// JPKI application (公的個人認証AP).
pub const AID_JPKI: [u8; 10] = [0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01];
/// Card-info-input support application (券面事項入力補助AP, "text AP").
pub const AID_TEXT: [u8; 10] = [0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x08];
/// Card-face confirmation application (券面事項確認AP, "visual AP").
pub const AID_VISUAL: [u8; 10] = [0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x02];
/// The GlobalPlatform issuer security domain (ISD). Selecting it answers `90 00` and leaves
/// the current application, which clears that application's security state (measured on
/// real cards by one peer library, [C]; see README "Security state").
pub const AID_ISD: [u8; 7] = [0xA0, 0x00, 0x00, 0x01, 0x51, 0x00, 0x00];

/// Elementary files of the JPKI application.
pub mod jpki {
    /// User-authentication certificate (free read).
    pub const EF_AUTH_CERT: u16 = 0x000A;
    /// CA certificate of the authentication hierarchy (free read).
    pub const EF_AUTH_CA_CERT: u16 = 0x000B;
    /// Signature certificate (readable only after the signature password is verified).
    pub const EF_SIGN_CERT: u16 = 0x0001;
    /// CA certificate of the signature hierarchy (free read).
    pub const EF_SIGN_CA_CERT: u16 = 0x0002;
    /// Authentication private key.
    pub const EF_AUTH_KEY: u16 = 0x0017;
    /// Authentication PIN (4 digits, 3 tries).
    pub const EF_AUTH_PIN: u16 = 0x0018;
    /// Signature private key.
    pub const EF_SIGN_KEY: u16 = 0x001A;
    /// Signature password (6–16 of A–Z0–9, 5 tries).
    pub const EF_SIGN_PIN: u16 = 0x001B;
    /// Token information: a 32-byte space-padded label first.
    pub const EF_TOKEN_INFO: u16 = 0x0006;
}

/// Elementary files of the text application.
pub mod text {
    /// Text-application PIN (4 digits, 3 tries).
    pub const EF_PIN: u16 = 0x0011;
    /// My Number: `FF 10 0C` + 12 ASCII digits.
    pub const EF_MY_NUMBER: u16 = 0x0001;
    /// Basic four facts: `FF 20 len { DF 21 .. DF 25 }`.
    pub const EF_ATTRIBUTES: u16 = 0x0002;
    /// Number of bytes of the My Number file worth reading.
    pub const MY_NUMBER_FILE_LEN: usize = 17;
}

/// Token-info labels (first 32 bytes of EF 0006, space padded).
pub mod token {
    /// A My Number Card.
    pub const CARD: &str = "JPKIAPICCTOKEN2";
    /// A smartphone carrying JPKI (Android).
    pub const PHONE: &str = "JPKIAPGPSETOKEN";
    /// The old resident-registry card: refused.
    pub const OLD_RESIDENT_CARD: &str = "JPKIAPICCTOKEN";
    /// Length of the label field.
    pub const LABEL_LEN: usize = 32;
}

/// Retry counters of a fresh card.
pub mod tries {
    /// Authentication PIN.
    pub const AUTH: u8 = 3;
    /// Signature password.
    pub const SIGN: u8 = 5;
    /// Text-application PIN.
    pub const TEXT: u8 = 3;
}

/// DER prefix of a SHA-256 DigestInfo; append the 32-byte hash.
pub const DIGEST_INFO_SHA256: [u8; 19] = [
    0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05,
    0x00, 0x04, 0x20,
];
/// DER prefix of a SHA-384 DigestInfo; append the 48-byte hash.
pub const DIGEST_INFO_SHA384: [u8; 19] = [
    0x30, 0x41, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x05,
    0x00, 0x04, 0x30,
];
/// DER prefix of a SHA-512 DigestInfo; append the 64-byte hash.
pub const DIGEST_INFO_SHA512: [u8; 19] = [
    0x30, 0x51, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03, 0x05,
    0x00, 0x04, 0x40,
];

/// An ATR that announces T=1 and that OpenSC knows for this card.
pub const SIM_ATR: [u8; 9] = [0x3B, 0xE0, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x45, 0x14];
