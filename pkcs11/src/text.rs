//! PKCS#11's fixed-size text fields: UTF-8, padded with spaces, not NUL-terminated.

/// `s` in `N` bytes, padded with spaces; cut at a character boundary when longer.
pub fn padded<const N: usize>(s: &str) -> [u8; N] {
    let mut out = [b' '; N];
    let mut end = 0;
    for (i, c) in s.char_indices() {
        let next = i + c.len_utf8();
        if next > N {
            break;
        }
        end = next;
    }
    let src = s.as_bytes().get(..end).unwrap_or_default();
    for (o, b) in out.iter_mut().zip(src) {
        *o = *b;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pads_and_cuts_at_a_character() {
        assert_eq!(&padded::<6>("ab"), b"ab    ");
        // "署" is 3 bytes: it does not fit after 4 ASCII bytes in 6.
        assert_eq!(&padded::<6>("JPKI署"), b"JPKI  ");
        assert_eq!(&padded::<7>("JPKI署"), "JPKI署".as_bytes());
        assert_eq!(&padded::<2>(""), b"  ");
    }
}
