//! Byte-level facts about a PDF file, read from the raw bytes by hand: where each revision
//! ends (`%%EOF`), where the last cross-reference section starts and of which kind, whether a
//! byte span is exactly one hex string, and how long a DER value is. These are exactly the
//! questions a signature's `/ByteRange` is about, and a parser that builds objects (lopdf)
//! does not answer them: it forgets offsets and repairs what it can, while a signature check
//! must judge the bytes as they are.

/// Kind of a cross-reference section.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum XrefKind {
    /// A classic `xref` table with a `trailer` dictionary.
    Table,
    /// A cross-reference stream (`/Type /XRef`, PDF 1.5).
    Stream,
}

/// Whether the first 1024 bytes hold a `%PDF-` header.
pub fn has_header(bytes: &[u8]) -> bool {
    let head = bytes.get(..bytes.len().min(1024)).unwrap_or(bytes);
    find(head, b"%PDF-", 0).is_some()
}

/// First position of `needle` in `hay` at or after `from`.
pub fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() || from > hay.len() {
        return None;
    }
    hay.get(from..)?.windows(needle.len()).position(|w| w == needle).map(|p| p + from)
}

/// Last position of `needle` in `hay`.
pub fn rfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return None;
    }
    hay.windows(needle.len()).rposition(|w| w == needle)
}

/// The end of every revision: just after each `%%EOF` marker and the one end-of-line that
/// may follow it (CR, LF or CR LF), in file order.
pub fn revision_ends(bytes: &[u8]) -> Vec<usize> {
    let mut ends = Vec::new();
    let mut from = 0;
    while let Some(p) = find(bytes, b"%%EOF", from) {
        let mut end = p + 5;
        match (bytes.get(end), bytes.get(end + 1)) {
            (Some(b'\r'), Some(b'\n')) => end += 2,
            (Some(b'\r' | b'\n'), _) => end += 1,
            _ => {}
        }
        ends.push(end);
        from = p + 5;
    }
    ends
}

/// Whether `end` is the end of a revision: just after `%%EOF`, or after its end-of-line.
pub fn is_revision_end(bytes: &[u8], end: usize) -> bool {
    let eof_at = |p: usize| p >= 5 && bytes.get(p - 5..p) == Some(&b"%%EOF"[..]);
    if eof_at(end) {
        return true;
    }
    match (
        end.checked_sub(1).and_then(|i| bytes.get(i)),
        end.checked_sub(2).and_then(|i| bytes.get(i)),
    ) {
        (Some(b'\n'), Some(b'\r')) => eof_at(end - 2) || eof_at(end - 1),
        (Some(b'\n' | b'\r'), _) => eof_at(end - 1),
        _ => false,
    }
}

/// The offset after the last `startxref` keyword, and the kind of section found there.
pub fn last_xref(bytes: &[u8]) -> Option<(usize, XrefKind)> {
    let at = rfind(bytes, b"startxref")?;
    let rest = bytes.get(at + 9..)?;
    let digits: Vec<u8> = rest
        .iter()
        .skip_while(|b| b.is_ascii_whitespace())
        .take_while(|b| b.is_ascii_digit())
        .copied()
        .collect();
    if digits.is_empty() || digits.len() > 15 {
        return None;
    }
    let offset: usize = std::str::from_utf8(&digits).ok()?.parse().ok()?;
    let section = bytes.get(offset..)?;
    let section = section.get(section.iter().take_while(|b| b.is_ascii_whitespace()).count()..)?;
    if section.starts_with(b"xref") {
        return Some((offset, XrefKind::Table));
    }
    // `N G obj`: an object, which must then be a cross-reference stream.
    let mut parts = section.splitn(4, |b| b.is_ascii_whitespace());
    let num = parts.next()?;
    let gen = parts.next()?;
    let obj = parts.next()?;
    if !num.is_empty()
        && num.iter().all(u8::is_ascii_digit)
        && !gen.is_empty()
        && gen.iter().all(u8::is_ascii_digit)
        && obj.starts_with(b"obj")
    {
        return Some((offset, XrefKind::Stream));
    }
    None
}

/// Whether `bytes[start..end]` is exactly one hex string `<…>` holding hex digits only.
pub fn is_hex_string(bytes: &[u8], start: usize, end: usize) -> bool {
    match bytes.get(start..end) {
        Some([b'<', inner @ .., b'>']) => inner.iter().all(u8::is_ascii_hexdigit),
        _ => false,
    }
}

/// Decode hex digits (an odd count gets a final 0, as PDF says).
pub fn decode_hex(hex: &[u8]) -> Vec<u8> {
    let val = |c: u8| match c {
        b'0'..=b'9' => c - b'0',
        b'a'..=b'f' => c - b'a' + 10,
        b'A'..=b'F' => c - b'A' + 10,
        _ => 0,
    };
    hex.chunks(2)
        .map(|p| {
            (val(p.first().copied().unwrap_or(b'0')) << 4) | val(p.get(1).copied().unwrap_or(b'0'))
        })
        .collect()
}

/// Length of the DER value (tag, length, contents) at the start of `der`, or `None` when the
/// header is not a definite DER length or the value runs past the end.
pub fn der_len(der: &[u8]) -> Option<usize> {
    let first = *der.get(1)?;
    let (len, header) = if first < 0x80 {
        (first as usize, 2)
    } else {
        let n = (first & 0x7f) as usize;
        if n == 0 || n > 4 {
            return None;
        }
        let mut len = 0usize;
        for i in 0..n {
            len = (len << 8) | *der.get(2 + i)? as usize;
        }
        (len, 2 + n)
    };
    let total = header.checked_add(len)?;
    (total <= der.len()).then_some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revision_ends_take_one_end_of_line() {
        let b = b"%PDF-1.7\n...%%EOF\r\nmore%%EOF\n\nx%%EOF";
        let ends = revision_ends(b);
        assert_eq!(ends, vec![19, 29, 37]);
        assert!(ends.iter().all(|e| is_revision_end(b, *e)));
        assert!(is_revision_end(b, 17));
        assert!(!is_revision_end(b, 30));
        assert!(!is_revision_end(b, 3));
    }

    #[test]
    fn last_xref_kinds() {
        assert_eq!(last_xref(b"%PDF\nxref\n0 1\nstartxref\n5\n%%EOF"), Some((5, XrefKind::Table)));
        assert_eq!(
            last_xref(b"%PDF\n12 0 obj<</Type/XRef>>\nstartxref\n5\n%%EOF"),
            Some((5, XrefKind::Stream))
        );
        assert_eq!(last_xref(b"%PDF\ngarbage\nstartxref\n5\n%%EOF"), None);
        assert_eq!(last_xref(b"%PDF\nstartxref\n99999\n%%EOF"), None);
        assert_eq!(last_xref(b"%PDF\n%%EOF"), None);
    }

    #[test]
    fn hex_strings_and_der_lengths() {
        assert!(is_hex_string(b"x<00aF>y", 1, 7));
        assert!(!is_hex_string(b"x<00 aF>y", 1, 8));
        assert!(!is_hex_string(b"x<00aF>y", 0, 7));
        assert!(!is_hex_string(b"<>", 0, 9));
        assert_eq!(decode_hex(b"0aF"), vec![0x0a, 0xf0]);
        assert_eq!(der_len(&[0x30, 0x02, 1, 2, 0, 0]), Some(4));
        assert_eq!(der_len(&[0x30, 0x82, 0x01, 0x00]), None);
        assert_eq!(der_len(&[0x30, 0x80]), None);
        assert_eq!(der_len(&[0x30]), None);
    }
}
