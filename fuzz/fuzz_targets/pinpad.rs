//! PIN-pad structures: a reader's feature list (GET_FEATURE_REQUEST answer), its answers to
//! a pad VERIFY, and the PIN_VERIFY/PIN_MODIFY structures the simulated pad reads.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mynacard::transport::pinpad::{Features, PadRequest, PadResult};

fuzz_target!(|data: &[u8]| {
    if let Ok(f) = Features::parse(data) {
        let _ = (f.verify_pin_direct(), f.modify_pin_direct(), f.all().len());
    }
    let _ = PadResult::from_answer(data);
    for parse in [PadRequest::parse, PadRequest::parse_modify] {
        if let Ok(req) = parse(data) {
            for digits in [&b""[..], b"1234", b"12345678901234567890"] {
                if let Some(apdu) = req.apdu(digits) {
                    assert_eq!(apdu.len(), 5 + digits.len());
                }
            }
        }
    }
});
