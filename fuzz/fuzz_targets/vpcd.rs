//! vpcd frames (2-byte big-endian length, then a control byte or a command APDU) as pcscd's
//! vpcd sends them, applied to the default virtual card: the card side of every command.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mynacard::sim::card::{Profile, VirtualCard};
use mynacard::sim::image::CardImage;
use mynacard::sim::vpcd::{handle_frame, Frame, VpcdOptions};

/// Frames handled per input; the bridge itself has no such bound, but more add no coverage.
const MAX_FRAMES: usize = 64;

fuzz_target!(|data: &[u8]| {
    let Some((&flags, mut rest)) = data.split_first() else { return };
    let profile = Profile {
        extended_length: flags & 1 != 0,
        chain_responses: flags & 2 != 0,
        wrong_le_6c: flags & 4 != 0,
        ..Profile::default()
    };
    let mut card = VirtualCard::new(CardImage::default_image(), profile);
    let opts = VpcdOptions::default();
    for _ in 0..MAX_FRAMES {
        let Some((len, tail)) = rest.split_first_chunk::<2>() else { return };
        let len = usize::from(u16::from_be_bytes(*len)).min(tail.len());
        let (payload, tail) = tail.split_at(len);
        rest = tail;
        match handle_frame(&mut card, payload, &opts) {
            Frame::Answer(bytes) => assert!(bytes.len() <= usize::from(u16::MAX)),
            Frame::Empty | Frame::Removed => return,
            Frame::Nothing | Frame::Mute => {}
        }
    }
});
