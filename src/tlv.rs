//! The one BER-TLV codec of the crate, for the card's own data objects (the text and
//! card-face applications' records, card-verifiable certificates, GET DATA objects).
//! Certificates, CRLs, CMS and OCSP are DER and go through the `der` crate instead.
//!
//! Reading borrows: a [`Tlv`] is the tag, the value slice and the whole object's raw slice
//! as stored, because the J-LIS data signatures cover TLVs exactly as stored (a length
//! written `81 05` must be hashed as `81 05`, not re-encoded), see `docs/architecture.md`.
//! Writing appends minimal definite lengths.
//!
//! Why not `iso7816-tlv` (a dependency named for this field): its `ber::Tlv` copies every
//! value into a plain `Vec<u8>` (personal data would outlive its use without zeroizing) and
//! gives back re-encoded bytes, not the stored ones the signatures cover. A borrowing reader
//! over the caller's (zeroizing) buffer keeps one copy of the data and the exact bytes.

use std::fmt;

/// Longest tag accepted, in bytes (the card's tags are 1 or 2 bytes; 3 leaves room).
pub const MAX_TAG_BYTES: usize = 3;

/// Why bytes are not a BER-TLV.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TlvError {
    /// No bytes where an object was expected.
    #[error("no data where a TLV was expected")]
    Empty,
    /// A multi-byte tag runs past the end or past [`MAX_TAG_BYTES`].
    #[error("tag {0} is cut short or longer than 3 bytes")]
    BadTag(TagHex),
    /// The length field is cut short, indefinite (`80`) or longer than 3 bytes.
    #[error("tag {0}: unsupported or cut-short length field")]
    BadLength(TagHex),
    /// The value runs past the end of the data.
    #[error("tag {tag}: value of {len} bytes runs past the end of the data ({available} left)")]
    Truncated {
        /// The object's tag.
        tag: TagHex,
        /// Its declared length.
        len: usize,
        /// Bytes available after the header.
        available: usize,
    },
}

/// A tag, printed as upper-case hex (`FF20`, `DF22`, `7F21`).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct TagHex(pub u32);

impl fmt::Display for TagHex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02X}", self.0)
    }
}

impl fmt::Debug for TagHex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// One data object as stored. `Debug` shows the tag and lengths only: values are often
/// personal data.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Tlv<'a> {
    /// The tag bytes as a big-endian number (`0xFF20`, `0x5F4E`, `0x90`).
    pub tag: u32,
    /// The value.
    pub value: &'a [u8],
    /// Tag, length and value exactly as stored.
    pub raw: &'a [u8],
}

impl fmt::Debug for Tlv<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Tlv({}, {} bytes)", TagHex(self.tag), self.value.len())
    }
}

/// Why a header could not be read: too few bytes yet, or bytes that are not a header.
enum HeaderError {
    Short(TlvError),
    Bad(TlvError),
}

impl HeaderError {
    fn into_inner(self) -> TlvError {
        match self {
            HeaderError::Short(e) | HeaderError::Bad(e) => e,
        }
    }
}

/// The tag and the header length at the front of `buf`, and the value's length.
fn header(buf: &[u8]) -> Result<(u32, usize, usize), HeaderError> {
    let first = *buf.first().ok_or(HeaderError::Short(TlvError::Empty))?;
    let mut tag = u32::from(first);
    let mut pos = 1;
    if first & 0x1F == 0x1F {
        loop {
            let Some(&b) = buf.get(pos) else {
                return Err(HeaderError::Short(TlvError::BadTag(TagHex(tag))));
            };
            tag = (tag << 8) | u32::from(b);
            pos += 1;
            if b & 0x80 == 0 {
                break;
            }
            if pos >= MAX_TAG_BYTES {
                return Err(HeaderError::Bad(TlvError::BadTag(TagHex(tag))));
            }
        }
    }
    let bad_len = TlvError::BadLength(TagHex(tag));
    let len0 = *buf.get(pos).ok_or(HeaderError::Short(bad_len.clone()))?;
    pos += 1;
    let len = match len0 {
        0..=0x7F => usize::from(len0),
        0x81..=0x83 => {
            let n = usize::from(len0 & 0x7F);
            let bytes = buf.get(pos..pos + n).ok_or(HeaderError::Short(bad_len))?;
            pos += n;
            bytes.iter().fold(0usize, |acc, &b| (acc << 8) | usize::from(b))
        }
        _ => return Err(HeaderError::Bad(bad_len)),
    };
    Ok((tag, pos, len))
}

/// Split the first object off `buf`; the rest follows it.
pub fn next(buf: &[u8]) -> Result<(Tlv<'_>, &[u8]), TlvError> {
    let (tag, hlen, len) = header(buf).map_err(HeaderError::into_inner)?;
    let truncated =
        || TlvError::Truncated { tag: TagHex(tag), len, available: buf.len().saturating_sub(hlen) };
    let (raw, rest) =
        hlen.checked_add(len).and_then(|n| buf.split_at_checked(n)).ok_or_else(truncated)?;
    let (_, value) = raw.split_at_checked(hlen).ok_or_else(truncated)?;
    Ok((Tlv { tag, value, raw }, rest))
}

/// The first object of `buf`; whatever follows it (a file's filler) is ignored.
pub fn first(buf: &[u8]) -> Result<Tlv<'_>, TlvError> {
    next(buf).map(|(t, _)| t)
}

/// The total size (header + value) the object at the front of `buf` declares, when its
/// header is complete; `Ok(None)` when more bytes are needed to tell; an error when the bytes
/// cannot start an object (an indefinite or over-long length, a tag over 3 bytes).
pub fn declared_size(buf: &[u8]) -> Result<Option<usize>, TlvError> {
    match header(buf) {
        Ok((_, hlen, len)) => Ok(Some(hlen + len)),
        Err(HeaderError::Short(_)) => Ok(None),
        Err(HeaderError::Bad(e)) => Err(e),
    }
}

/// The objects inside a constructed value, in order.
pub fn children(value: &[u8]) -> Children<'_> {
    Children { rest: value }
}

/// Iterator over consecutive objects; stops after the first error.
#[derive(Clone, Debug)]
pub struct Children<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for Children<'a> {
    type Item = Result<Tlv<'a>, TlvError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        match next(self.rest) {
            Ok((t, rest)) => {
                self.rest = rest;
                Some(Ok(t))
            }
            Err(e) => {
                self.rest = &[];
                Some(Err(e))
            }
        }
    }
}

/// The first child with `tag` inside a constructed value (errors stop the search).
pub fn find(value: &[u8], tag: u32) -> Result<Option<Tlv<'_>>, TlvError> {
    for child in children(value) {
        let child = child?;
        if child.tag == tag {
            return Ok(Some(child));
        }
    }
    Ok(None)
}

/// Append a minimal definite length (`xx`, `81 xx`, `82 xx xx`, …; also DER's).
pub fn push_len(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend(bytes.iter().skip(skip));
    }
}

/// Append the tag bytes of `tag` (its big-endian bytes without leading zeros).
pub fn push_tag(out: &mut Vec<u8>, tag: u32) {
    let bytes = tag.to_be_bytes();
    let skip = bytes.iter().take(3).take_while(|&&b| b == 0).count();
    out.extend(bytes.iter().skip(skip));
}

/// Append one object.
pub fn push(out: &mut Vec<u8>, tag: u32, value: &[u8]) {
    push_tag(out, tag);
    push_len(out, value.len());
    out.extend_from_slice(value);
}

/// One object as bytes.
pub fn encode(tag: u32, value: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(value.len() + 6);
    push(&mut out, tag, value);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_tags_lengths_and_keeps_raw_bytes() {
        // A non-minimal length (81 02) stays as stored in `raw`.
        let buf = [0xDF, 0x22, 0x81, 0x02, 0xAA, 0xBB, 0xFF, 0xFF];
        let (t, rest) = next(&buf).unwrap();
        assert_eq!(t.tag, 0xDF22);
        assert_eq!(t.value, [0xAA, 0xBB]);
        assert_eq!(t.raw, &buf[..6]);
        assert_eq!(rest, [0xFF, 0xFF]);
    }

    #[test]
    fn every_error_variant() {
        assert_eq!(next(&[]), Err(TlvError::Empty));
        assert_eq!(next(&[0xDF]), Err(TlvError::BadTag(TagHex(0xDF))));
        assert_eq!(next(&[0xDF, 0x81, 0x82]), Err(TlvError::BadTag(TagHex(0xDF8182))));
        assert_eq!(next(&[0x90]), Err(TlvError::BadLength(TagHex(0x90))));
        assert_eq!(next(&[0x90, 0x80]), Err(TlvError::BadLength(TagHex(0x90))));
        assert_eq!(next(&[0x90, 0x84, 0, 0, 0, 1]), Err(TlvError::BadLength(TagHex(0x90))));
        assert_eq!(next(&[0x90, 0x82, 0x01]), Err(TlvError::BadLength(TagHex(0x90))));
        assert_eq!(
            next(&[0x90, 0x03, 1, 2]),
            Err(TlvError::Truncated { tag: TagHex(0x90), len: 3, available: 2 })
        );
        let e = next(&[0xFF, 0x20, 0x05, 1]).unwrap_err().to_string();
        assert!(e.contains("FF20") && e.contains("5 bytes"), "{e}");
    }

    #[test]
    fn round_trips_every_length_form() {
        for len in [0usize, 1, 0x7F, 0x80, 0xFF, 0x100, 0x1234, 0x10000] {
            let value = vec![0x5A; len];
            for tag in [0x01u32, 0x90, 0xDF22, 0x7F21, 0xFF20] {
                let enc = encode(tag, &value);
                let t = first(&enc).unwrap();
                assert_eq!((t.tag, t.value.len(), t.raw.len()), (tag, len, enc.len()));
                assert_eq!(declared_size(&enc), Ok(Some(enc.len())));
            }
        }
    }

    #[test]
    fn children_and_find() {
        let mut inner = encode(0xDF21, &[1, 2]);
        inner.extend(encode(0xDF22, b"ab"));
        assert_eq!(find(&inner, 0xDF22).unwrap().unwrap().value, b"ab");
        assert_eq!(find(&inner, 0xDF99).unwrap(), None);
        let tags: Vec<u32> = children(&inner).map(|c| c.unwrap().tag).collect();
        assert_eq!(tags, [0xDF21, 0xDF22]);
        inner.push(0xDF);
        assert!(find(&inner, 0xDF99).is_err());
        assert_eq!(children(&inner).filter(Result::is_err).count(), 1);
    }

    #[test]
    fn declared_size_waits_for_a_complete_header() {
        assert_eq!(declared_size(&[0x30]), Ok(None));
        assert_eq!(declared_size(&[0x30, 0x82, 0x06]), Ok(None));
        assert_eq!(declared_size(&[0x30, 0x82, 0x06, 0xD0]), Ok(Some(0x6D4)));
        assert!(declared_size(&[0x30, 0x80]).is_err());
    }

    #[test]
    fn debug_shows_no_value() {
        let enc = encode(0xDF22, "氏名".as_bytes());
        let d = format!("{:?}", first(&enc).unwrap());
        assert_eq!(d, "Tlv(DF22, 6 bytes)");
    }
}
