//! APDU scripts (`apdu-scripts/*.apdu`, `mynacard apdu run`), parsed from text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mynacard::rig::script::Script;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(script) = Script::parse("fuzz.apdu", text) {
            let _ = script.env_names();
        }
    }
});
