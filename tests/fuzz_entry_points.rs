//! The doc-hidden entry points the fuzz targets (fuzz/, docs/robustness.md) drive: they must
//! do what the disk loader and the vpcd bridge do.

use mynacard::sim::card::{Profile, VirtualCard};
use mynacard::sim::image::{CardImage, ImageError};
use mynacard::sim::vpcd::{handle_frame, Frame, VpcdOptions};

const CARD_JSON: &str = include_str!("../sim-image/default/card.json");

#[test]
fn card_json_parses_against_the_embedded_files_like_the_default_image() {
    let parsed = CardImage::parse_with_default_files(CARD_JSON).unwrap();
    let default = CardImage::default_image();
    assert_eq!(parsed.atr, default.atr);
    assert_eq!(parsed.apps.len(), default.apps.len());
    for (a, b) in parsed.apps.iter().zip(&default.apps) {
        assert_eq!((&a.aid, &a.files), (&b.aid, &b.files));
    }
}

#[test]
fn card_json_naming_a_file_the_default_image_lacks_is_a_missing_file() {
    let text = CARD_JSON.replacen("jpki/0001.der", "jpki/9999.der", 1);
    let err = CardImage::parse_with_default_files(&text).unwrap_err();
    assert!(matches!(err, ImageError::MissingFile { .. }), "{err}");
}

#[test]
fn vpcd_frames_drive_the_card_as_the_bridge_does() {
    let mut card = VirtualCard::new(CardImage::default_image(), Profile::default());
    let opts = VpcdOptions::default();
    assert_eq!(handle_frame(&mut card, &[], &opts), Frame::Empty);
    assert_eq!(handle_frame(&mut card, &[0x01], &opts), Frame::Nothing);
    assert_eq!(handle_frame(&mut card, &[0x7F], &opts), Frame::Nothing);
    assert_eq!(handle_frame(&mut card, &[0x04], &opts), Frame::Answer(card.atr()));
    // SELECT of the JPKI application by AID answers 90 00.
    let select = hex::decode("00A4040C0AD392F000260100000001").unwrap();
    assert_eq!(handle_frame(&mut card, &select, &opts), Frame::Answer(vec![0x90, 0x00]));
}
