//! The text application's records (BER-TLV): the My Number file (EF 0001) and the basic four
//! facts (EF 0002), as read from a card.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mynacard::card::text::{check_digit, parse_attributes, parse_my_number};

fuzz_target!(|data: &[u8]| {
    if let Ok(n) = parse_my_number(data) {
        // Whatever is accepted is twelve digits whose last is the check digit of the others.
        let digits = n.reveal().as_bytes();
        assert_eq!(digits.len(), 12);
        assert!(digits.iter().all(u8::is_ascii_digit));
        assert_eq!(check_digit(&digits[..11]), Some(digits[11] - b'0'));
        let _ = n.masked();
    }
    let _ = parse_attributes(data);
});
