//! The card's own data as read from the text and card-face applications: the BER-TLV codec,
//! card-verifiable certificates, every record parser, and the authenticity check over them
//! (which must never call forged or malformed data genuine: nothing here is signed by a
//! trusted key, so `Genuine` is a bug).
#![no_main]

use libfuzzer_sys::fuzz_target;
use mynacard::carddata::cvc::{Cvc, RsaKeyRecord};
use mynacard::carddata::records::{
    self, BirthRecord, CardKeyRecord, FaceRecord, MyNumberImageRecord, TextIntegrity,
};
use mynacard::tlv;
use mynacard::verify::authenticity::{self, CvcTrust, Verdict};

fuzz_target!(|data: &[u8]| {
    for child in tlv::children(data) {
        if child.is_err() {
            break;
        }
    }
    let _ = tlv::declared_size(data);
    let _ = Cvc::parse(data);
    let _ = Cvc::parse_contents(data);
    let _ = RsaKeyRecord::parse(data);
    let _ = TextIntegrity::parse(data);
    let _ = CardKeyRecord::parse(data);
    let _ = BirthRecord::parse(data);
    let _ = FaceRecord::parse(data);
    let _ = MyNumberImageRecord::parse(data);
    let _ = records::text_h2(data);
    if let Ok(s) = std::str::from_utf8(data) {
        let mut parts = s.splitn(3, ' ');
        if let (Some(b), Some(y), Some(c)) = (parts.next(), parts.next(), parts.next()) {
            if let Ok(code) = records::code_b(b, y, c) {
                assert_eq!(code.len(), 14);
            }
        }
    }
    // Two files: a CVC (length in the first two bytes) and a record.
    if let Some((len, rest)) = data.split_first_chunk::<2>() {
        let n = usize::from(u16::from_be_bytes(*len)).min(rest.len());
        let (cvc, record) = rest.split_at(n);
        let trust = CvcTrust::new(true);
        for a in [
            authenticity::check_face(cvc, record, None, &trust),
            authenticity::check_age(cvc, record, &trust),
            authenticity::check_text(cvc, record, Some(record), Some(record), Some(record), &trust),
        ] {
            assert_ne!(a.verdict, Verdict::Genuine, "unsigned data judged genuine");
        }
    }
});
