//! PEM text as people hand it over. Owns the one rule every PEM reader of the crate follows
//! (certificates, trust anchors, CRLs, CMS signatures, CVC CA keys): a leading UTF-8
//! byte-order mark, which Windows editors write at the start of a text file, is not part of
//! the armour and is skipped, as is whitespace around it. Without this rule such a file
//! passes as DER and fails with a misleading length error.

/// The UTF-8 encoding of U+FEFF, the byte-order mark.
pub const UTF8_BOM: [u8; 3] = [0xEF, 0xBB, 0xBF];

/// `bytes` without a leading UTF-8 byte-order mark.
pub fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(&UTF8_BOM).unwrap_or(bytes)
}

/// Whether `bytes` look like PEM: `-----BEGIN ` after an optional byte-order mark and
/// whitespace.
pub fn looks_like_pem(bytes: &[u8]) -> bool {
    strip_bom(bytes).trim_ascii_start().starts_with(b"-----BEGIN ")
}

/// The label and the DER of one PEM block, after an optional byte-order mark and with
/// surrounding whitespace.
pub fn decode(bytes: &[u8]) -> Result<(&str, Vec<u8>), der::pem::Error> {
    der::pem::decode_vec(strip_bom(bytes).trim_ascii())
}

#[cfg(test)]
mod tests {
    use super::*;

    const PEM: &[u8] = b"-----BEGIN CERTIFICATE-----\nAQID\n-----END CERTIFICATE-----\n";

    #[test]
    fn byte_order_mark_and_whitespace_are_skipped() {
        let with_bom = [&UTF8_BOM[..], b" \n", PEM].concat();
        assert!(looks_like_pem(PEM) && looks_like_pem(&with_bom));
        assert_eq!(decode(&with_bom).unwrap(), ("CERTIFICATE", vec![1, 2, 3]));
        assert_eq!(decode(PEM).unwrap(), ("CERTIFICATE", vec![1, 2, 3]));
        assert_eq!(strip_bom(&with_bom), &with_bom[3..]);
        assert_eq!(strip_bom(PEM), PEM);
    }

    #[test]
    fn only_a_leading_mark_is_skipped() {
        // A mark in the middle, a partial mark, or two marks are not PEM.
        assert!(!looks_like_pem(&[b" ", &UTF8_BOM[..], PEM].concat()));
        assert!(!looks_like_pem(&[&UTF8_BOM[..2], PEM].concat()));
        assert!(!looks_like_pem(&[&UTF8_BOM[..], &UTF8_BOM[..], PEM].concat()));
        assert!(decode(&[&UTF8_BOM[..2], PEM].concat()).is_err());
        assert!(!looks_like_pem(b"\x30\x82\x01\x00"));
    }
}
