//! Zero-copy walking of DER TLVs, so that signatures are checked over the original bytes
//! (tbsCertificate, signed attributes, embedded certificates) and never over a re-encoding.

use der::{Decode, Reader, SliceReader};

/// One TLV of the input: its identifier octet, whole encoding, and contents.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Tlv<'a> {
    /// First identifier octet (class, constructed bit, low tag number).
    pub tag: u8,
    /// Identifier, length and contents.
    pub full: &'a [u8],
    /// Contents only.
    pub value: &'a [u8],
}

/// Reads the first TLV of `input`; returns it and the rest.
pub(crate) fn read_tlv(input: &[u8]) -> der::Result<(Tlv<'_>, &[u8])> {
    let mut reader = SliceReader::new(input)?;
    let header = der::Header::decode(&mut reader)?;
    let header_len = usize::try_from(reader.position())?;
    let value = reader.read_slice(header.length)?;
    let used = usize::try_from(reader.position())?;
    let full = input.get(..used).ok_or_else(|| der::Error::incomplete(reader.input_len()))?;
    let rest = input.get(used..).ok_or_else(|| der::Error::incomplete(reader.input_len()))?;
    let tag = *full.first().ok_or_else(|| der::Error::incomplete(reader.input_len()))?;
    debug_assert_eq!(full.len(), header_len + value.len());
    Ok((Tlv { tag, full, value }, rest))
}

/// Reads exactly one TLV that spans all of `input`.
pub(crate) fn single_tlv(input: &[u8]) -> der::Result<Tlv<'_>> {
    let (tlv, rest) = read_tlv(input)?;
    if !rest.is_empty() {
        return Err(der::Error::new(
            der::ErrorKind::TrailingData {
                decoded: der::Length::try_from(tlv.full.len())?,
                remaining: der::Length::try_from(rest.len())?,
            },
            der::Length::try_from(tlv.full.len())?,
        ));
    }
    Ok(tlv)
}

/// Splits the contents of a constructed TLV into its child TLVs.
pub(crate) fn children(mut value: &[u8]) -> der::Result<Vec<Tlv<'_>>> {
    let mut out = Vec::new();
    while !value.is_empty() {
        let (tlv, rest) = read_tlv(value)?;
        out.push(tlv);
        value = rest;
    }
    Ok(out)
}

/// Original bytes of the tbsCertificate inside a DER certificate.
pub(crate) fn tbs_certificate(cert_der: &[u8]) -> der::Result<&[u8]> {
    let outer = single_tlv(cert_der)?;
    let (tbs, _) = read_tlv(outer.value)?;
    Ok(tbs.full)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walks_nested_tlvs_without_copying() {
        let input = [0x30, 0x06, 0x02, 0x01, 0x05, 0x04, 0x01, 0xAA];
        let outer = single_tlv(&input).unwrap();
        assert_eq!(outer.tag, 0x30);
        let kids = children(outer.value).unwrap();
        assert_eq!(kids.len(), 2);
        assert_eq!(kids[0].full, &[0x02, 0x01, 0x05]);
        assert_eq!(kids[1].value, &[0xAA]);
    }

    #[test]
    fn rejects_trailing_and_truncated_input() {
        assert!(single_tlv(&[0x05, 0x00, 0x00]).is_err());
        assert!(read_tlv(&[0x30, 0x05, 0x01]).is_err());
        assert!(read_tlv(&[]).is_err());
    }
}
