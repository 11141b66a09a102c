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
        assert_eq!(ends, vec![19, 29, 36]);
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

/// PDF whitespace.
fn is_ws(c: u8) -> bool {
    matches!(c, 0 | 9 | 10 | 12 | 13 | 32)
}

/// PDF delimiters.
fn is_delim(c: u8) -> bool {
    matches!(c, b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%')
}

/// The first position at or after `pos` that is neither whitespace nor in a comment.
pub fn skip_ws(b: &[u8], mut pos: usize) -> usize {
    while let Some(&c) = b.get(pos) {
        if is_ws(c) {
            pos += 1;
        } else if c == b'%' {
            while b.get(pos).is_some_and(|c| *c != b'\n' && *c != b'\r') {
                pos += 1;
            }
        } else {
            break;
        }
    }
    pos
}

/// End of the regular-character token at `pos`.
fn token_end(b: &[u8], mut pos: usize) -> usize {
    while b.get(pos).is_some_and(|c| !is_ws(*c) && !is_delim(*c)) {
        pos += 1;
    }
    pos
}

/// The span `[start, end)` of the one PDF value at `pos` (after whitespace): a dictionary,
/// array, string, name, number, keyword or indirect reference `N G R`, read as written so
/// that an edit can keep every other byte. `None` when it does not parse (nested deeper
/// than 64).
pub fn value_span(b: &[u8], pos: usize) -> Option<(usize, usize)> {
    value_span_depth(b, pos, 0)
}

fn value_span_depth(b: &[u8], pos: usize, depth: usize) -> Option<(usize, usize)> {
    if depth > 64 {
        return None;
    }
    let start = skip_ws(b, pos);
    let c = *b.get(start)?;
    let end = match c {
        b'<' if b.get(start + 1) == Some(&b'<') => {
            let mut p = start + 2;
            loop {
                p = skip_ws(b, p);
                if b.get(p..p + 2)? == b">>" {
                    break p + 2;
                }
                let (_, k) = value_span_depth(b, p, depth + 1)?; // the key
                let (_, v) = value_span_depth(b, k, depth + 1)?;
                p = v;
            }
        }
        b'<' => start + 1 + b.get(start + 1..)?.iter().position(|c| *c == b'>')? + 1,
        b'(' => {
            let mut p = start + 1;
            let mut nest = 1usize;
            loop {
                match *b.get(p)? {
                    b'\\' => p += 1,
                    b'(' => nest += 1,
                    b')' => {
                        nest -= 1;
                        if nest == 0 {
                            break p + 1;
                        }
                    }
                    _ => {}
                }
                p += 1;
            }
        }
        b'[' => {
            let mut p = start + 1;
            loop {
                p = skip_ws(b, p);
                if *b.get(p)? == b']' {
                    break p + 1;
                }
                p = value_span_depth(b, p, depth + 1)?.1;
            }
        }
        b'/' => token_end(b, start + 1),
        c if !is_delim(c) => {
            let end = token_end(b, start);
            // `N G R`?
            let is_int = |s: &[u8]| !s.is_empty() && s.iter().all(u8::is_ascii_digit);
            let mut ref_end = None;
            if is_int(b.get(start..end)?) {
                let g0 = skip_ws(b, end);
                let g1 = token_end(b, g0);
                if g1 > g0 && is_int(b.get(g0..g1)?) {
                    let r0 = skip_ws(b, g1);
                    let r1 = token_end(b, r0);
                    if b.get(r0..r1) == Some(&b"R"[..]) {
                        ref_end = Some(r1);
                    }
                }
            }
            ref_end.unwrap_or(end)
        }
        _ => return None,
    };
    (end > start).then_some((start, end))
}

/// A dictionary entry: the key (with its `/`) and the span of its value.
pub type Entry = (Vec<u8>, (usize, usize));

/// The entries of the dictionary at `pos`: each key (with its `/`) and its value's span.
pub fn dict_entries(b: &[u8], pos: usize) -> Option<Vec<Entry>> {
    let start = skip_ws(b, pos);
    if b.get(start..start + 2)? != b"<<" {
        return None;
    }
    let mut out = Vec::new();
    let mut p = start + 2;
    loop {
        p = skip_ws(b, p);
        if b.get(p..p + 2)? == b">>" {
            return Some(out);
        }
        let (k0, k1) = value_span(b, p)?;
        let key = b.get(k0..k1)?;
        if key.first() != Some(&b'/') {
            return None;
        }
        let v = value_span(b, k1)?;
        out.push((key.to_vec(), v));
        p = v.1;
    }
}

#[cfg(test)]
mod token_tests {
    use super::*;

    #[test]
    fn value_spans_keep_the_bytes_as_written() {
        let b = b"<< /MediaBox [0 0 595.303937007874 841.889763779528] /Annots 12 0 R /T (a\\)(b)) /K <00> /D << /X 1 >> >> rest";
        let e = dict_entries(b, 0).unwrap();
        let text = |(s, t): (usize, usize)| String::from_utf8_lossy(&b[s..t]).into_owned();
        let got: Vec<(String, String)> =
            e.iter().map(|(k, v)| (String::from_utf8_lossy(k).into_owned(), text(*v))).collect();
        assert_eq!(
            got,
            vec![
                ("/MediaBox".into(), "[0 0 595.303937007874 841.889763779528]".into()),
                ("/Annots".into(), "12 0 R".into()),
                ("/T".into(), "(a\\)(b))".into()),
                ("/K".into(), "<00>".into()),
                ("/D".into(), "<< /X 1 >>".into()),
            ]
        );
        assert_eq!(value_span(b, 0).map(|s| s.1), Some(b.len() - 5));
        assert_eq!(value_span(b"[1 2", 0), None);
        assert_eq!(value_span(b"<< /A", 0), None);
        assert_eq!(dict_entries(b"<< 1 2 >>", 0), None);
        let deep = "[".repeat(100);
        assert_eq!(value_span(deep.as_bytes(), 0), None);
    }
}
