//! Card facts, one place each: application identifiers, file identifiers, PIN rules and
//! the label strings of the token-info file. Shared by the client layers and the virtual
//! card; see docs/card-facts.md. No logic lives here.

/// JPKI application (公的個人認証AP).
pub const AID_JPKI: [u8; 10] = [0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01];
/// Card-info-input support application (券面事項入力補助AP, "text AP").
pub const AID_TEXT: [u8; 10] = [0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x08];
/// Card-face confirmation application (券面事項確認AP, "visual AP").
pub const AID_VISUAL: [u8; 10] = [0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x02];
/// The GlobalPlatform issuer security domain (ISD). Selecting it answers `90 00` and leaves
/// the current application, which clears that application's security state (measured on
/// real cards by one peer library, \[C\]; see README "Security state").
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
    /// An iPhone carrying JPKI (one source).
    pub const IPHONE: &str = "JPKIAPIOSTOKEN";
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

/// Common application (共通AP), single source: its AID ends `…01 00` like the others' tails.
pub const AID_COMMON: [u8; 10] = [0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x01, 0x00];

/// More of the text application (券面事項入力補助AP) than the client needed so far.
pub mod text_more {
    /// Integrity record `FF30 { DF31 h1; DF32 h2; DF33 signature }`.
    pub const EF_INTEGRITY: u16 = 0x0003;
    /// The application's CVC (issuer `x000033/001`), free read.
    pub const EF_CVC: u16 = 0x0004;
    /// Application basic data `FF40 { DF41; DF42 key ID; DF43 }`, free read.
    pub const EF_BASIC_DATA: u16 = 0x0005;
    /// Secure-messaging key-transport key `A1 { 90; 91 }`, unsigned.
    pub const EF_SM_KEY: u16 = 0x0006;
    /// Card key record `FF50 { DF51 key; DF52 signature }`.
    pub const EF_CARD_KEY: u16 = 0x0007;
    /// 16 bytes `FF`, purpose unknown.
    pub const EF_UNKNOWN_0008: u16 = 0x0008;
    /// Blocked as issued (single source).
    pub const EF_PIN_0012: u16 = 0x0012;
    /// Private key of the card key (single source).
    pub const EF_CARD_PRIVATE_KEY: u16 = 0x0013;
    /// 照合番号A: the 12-digit My Number.
    pub const EF_CODE_A: u16 = 0x0014;
    /// 照合番号B: 14 digits (birth era YYMMDD, expiry year, security code).
    pub const EF_CODE_B: u16 = 0x0015;
}

/// Elementary files of the card-face application (券面事項確認AP, "visual AP").
pub mod visual {
    /// Birth record `FF10 { DF11; DF12; DF13 }`, read with the 生年月日 key.
    pub const EF_BIRTH: u16 = 0x0001;
    /// The card face `FF20 { DF21 … DF2A }`, read with 照合番号A or B.
    pub const EF_FACE: u16 = 0x0002;
    /// Application information `FF30 { DF31 … DF35 }`, free, unsigned.
    pub const EF_INFO: u16 = 0x0003;
    /// The application's CVC (issuer `x000023/001`), free read.
    pub const EF_CVC: u16 = 0x0004;
    /// My Number image `FF40 { DF41; DF42; DF43 }`, read with 照合番号A only.
    pub const EF_MY_NUMBER_IMAGE: u16 = 0x0005;
    /// 16 bytes `FF`.
    pub const EF_UNKNOWN_0006: u16 = 0x0006;
    /// 生年月日 key: the birth date as era `YYMMDD` (6 digits).
    pub const EF_BIRTH_KEY: u16 = 0x0011;
    /// 照合番号B (14 digits, 10 tries).
    pub const EF_CODE_B: u16 = 0x0012;
    /// 照合番号A (the 12-digit My Number).
    pub const EF_CODE_A: u16 = 0x0013;
    /// Private key of the card key (challenge key, single source).
    pub const EF_CARD_PRIVATE_KEY: u16 = 0x001A;
    /// Tries of 照合番号B (two sources); the others' counts are not established.
    pub const CODE_B_TRIES: u8 = 10;
}

/// The common application.
pub mod common {
    /// Record `01 1C` serial (15) ‖ municipality (5) ‖ expiry `YYYYMMDD`.
    pub const EF_CARD_INFO: u16 = 0x0001;
}

/// GET DATA objects of the MF (power-on or ISD state), single source.
pub mod mf_data {
    /// The MF-level CVC signed by the root `x000020/001` (GET DATA `00 CA 00 F8`).
    pub const DO_CVC_ROOT: u16 = 0x00F8;
    /// The next CVC, issued by the 00F8 subject (`00 CA 7F 21`); absent on older cards.
    pub const DO_CVC_NEXT: u16 = 0x7F21;
    /// Intermediate key ID.
    pub const DO_INTERMEDIATE_ID: u16 = 0x00F7;
    /// Card number.
    pub const DO_CARD_NUMBER: u16 = 0x0045;
    /// Municipality.
    pub const DO_MUNICIPALITY: u16 = 0x00F0;
    /// Expiry.
    pub const DO_EXPIRY: u16 = 0x00F2;
}

/// Object identifiers of the JPKI certificate profile, one place for the crate (the
/// verifier's profile and holder data, the virtual card's certificates). Standard OIDs come
/// from `const_oid::db` where they are used.
pub mod oid {
    use const_oid::ObjectIdentifier;

    /// Certificate policy of production signature certificates.
    pub const POLICY_SIGN: ObjectIdentifier =
        ObjectIdentifier::new_unwrap("1.2.392.200149.8.5.1.1.20");
    /// Certificate policy of production user-authentication certificates.
    pub const POLICY_AUTH: ObjectIdentifier =
        ObjectIdentifier::new_unwrap("1.2.392.200149.8.5.1.3.30");
    /// Certificate policy of JPKI-TEST signature certificates.
    pub const POLICY_SIGN_TEST: ObjectIdentifier =
        ObjectIdentifier::new_unwrap("1.2.392.200149.8.5.1.0.20");
    /// Certificate policy of JPKI-TEST user-authentication certificates.
    pub const POLICY_AUTH_TEST: ObjectIdentifier =
        ObjectIdentifier::new_unwrap("1.2.392.200149.8.5.1.0.30");
    /// Arc of the personal-data otherNames of the signature certificate's SAN (`.1`–`.6`
    /// below; others under it are kept raw).
    pub const SAN_ARC: &str = "1.2.392.200149.8.5.5";
    /// SAN otherName: name (surname U+3000 given name).
    pub const SAN_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.392.200149.8.5.5.1");
    /// SAN otherName: per-character substitute flags of the name.
    pub const SAN_NAME_FLAGS: ObjectIdentifier =
        ObjectIdentifier::new_unwrap("1.2.392.200149.8.5.5.2");
    /// SAN otherName: sex (codes in `carddata::sex`).
    pub const SAN_SEX: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.392.200149.8.5.5.3");
    /// SAN otherName: birth date `EYYYYMMDD` (era digit, Gregorian date).
    pub const SAN_BIRTH: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.392.200149.8.5.5.4");
    /// SAN otherName: address.
    pub const SAN_ADDRESS: ObjectIdentifier =
        ObjectIdentifier::new_unwrap("1.2.392.200149.8.5.5.5");
    /// SAN otherName: per-character substitute flags of the address.
    pub const SAN_ADDRESS_FLAGS: ObjectIdentifier =
        ObjectIdentifier::new_unwrap("1.2.392.200149.8.5.5.6");
}
