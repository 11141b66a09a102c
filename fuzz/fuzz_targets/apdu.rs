//! Response APDUs and status words as a card answers them, and command APDUs as a reader or
//! vpcd hands them to the virtual card: parse, and encoding what was parsed gives the bytes back.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mynacard::apdu::{Command, Response, StatusWord};

fuzz_target!(|data: &[u8]| {
    if let Ok(r) = Response::parse(data) {
        assert_eq!(r.to_bytes(), data, "a response re-encodes to other bytes");
    }
    if let [sw1, sw2] = *data {
        let sw = StatusWord::from_bytes(sw1, sw2);
        assert_eq!(sw.to_bytes(), [sw1, sw2], "status word {sw:?} does not round-trip");
        assert_eq!(StatusWord::from_u16(sw.to_u16()), sw);
    }
    if let Ok((cmd, form)) = Command::parse(data) {
        if let Ok(bytes) = cmd.encode(form) {
            assert_eq!(bytes, data, "a command re-encodes to other bytes");
        }
    }
});
