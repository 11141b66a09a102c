//! Card images: the `card.json` description, with file and key paths resolved against the
//! embedded default image (no disk).
#![no_main]

use libfuzzer_sys::fuzz_target;
use mynacard::sim::image::CardImage;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = CardImage::parse_with_default_files(text);
    }
});
