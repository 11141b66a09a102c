//! The My Number (個人番号) check digit, one place for the crate (the card layer validates
//! what it reads with it, the virtual card computes the digit of its holder).
//!
//! With p1..p11 the first eleven digits counted from the right, q_n = n+1 for n ≤ 6 and
//! n−5 for n ≥ 7, r = Σ p_n·q_n mod 11: the check digit is 0 when r ≤ 1, else 11 − r
//! (the published 個人番号 check-digit rule).

/// The check digit of the first 11 digits of a My Number; `None` unless `first11` is 11
/// ASCII digits.
pub fn check_digit(first11: &[u8]) -> Option<u8> {
    if first11.len() != 11 || !first11.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let sum: u32 = first11
        .iter()
        .rev()
        .zip(1u32..)
        .map(|(&d, n)| u32::from(d - b'0') * if n <= 6 { n + 1 } else { n - 5 })
        .sum();
    let r = sum % 11;
    // r < 11, so 11 − r fits a digit.
    Some(if r <= 1 { 0 } else { (11 - r) as u8 })
}

/// Whether `digits` is 12 ASCII digits whose last is the check digit of the first 11.
pub fn is_valid(digits: &[u8]) -> bool {
    match (digits.get(..11), digits.get(11)) {
        (Some(first11), Some(&last)) if digits.len() == 12 && last.is_ascii_digit() => {
            check_digit(first11) == Some(last - b'0')
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_digits() {
        // 12345678901 → weights from the right: 2,3,4,5,6,7,2,3,4,5,6.
        let sum: u32 = [1, 0, 9, 8, 7, 6, 5, 4, 3, 2, 1]
            .iter()
            .zip([2, 3, 4, 5, 6, 7, 2, 3, 4, 5, 6])
            .map(|(p, q)| p * q)
            .sum();
        let r = sum % 11;
        let want = if r <= 1 { 0 } else { 11 - r } as u8;
        assert_eq!(check_digit(b"12345678901"), Some(want));
        // 123456789018 is the well-known valid sample.
        assert_eq!(check_digit(b"12345678901"), Some(8));
        assert_eq!(check_digit(b"1234567890"), None);
        assert_eq!(check_digit(b"1234567890a"), None);
        assert_eq!(check_digit(b"123456789012"), None);
        // r ≤ 1 gives 0: 00000000000 sums to 0; 00000000006 sums to 12, r = 1.
        assert_eq!(check_digit(b"00000000000"), Some(0));
        assert_eq!(check_digit(b"00000000006"), Some(0));
        assert!(is_valid(b"123456789018"));
        for bad in [&b"123456789017"[..], b"12345678901", b"1234567890188", b"12345678901x"] {
            assert!(!is_valid(bad));
        }
    }
}
