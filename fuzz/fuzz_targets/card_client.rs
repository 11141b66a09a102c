//! The client's handling of card answers: each card operation runs against the default
//! virtual card while the fuzzer truncates, corrupts, replaces or withholds its answers and
//! answers the reader's control requests (PIN pad features). First byte: the operation.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mynacard::card::{
    AuthPin, CertKind, Client, CodeA, CodeB, FaceBirthKey, FaceCode, PinChange, PinEntry, PinKind,
    PinPadMode, SignPassword, TextPin,
};
use mynacard_fuzz::FuzzedCard;

/// DigestInfo of SHA-256 over 32 bytes of 0x5A.
fn digest_info() -> Vec<u8> {
    let mut d = vec![
        0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01,
        0x05, 0x00, 0x04, 0x20,
    ];
    d.extend_from_slice(&[0x5A; 32]);
    d
}

fuzz_target!(|data: &[u8]| {
    let Some((&op, rest)) = data.split_first() else { return };
    let mut client = Client::new(FuzzedCard::new(rest));
    let (Ok(auth), Ok(sign), Ok(text), Ok(new_auth)) = (
        AuthPin::new("1234"),
        SignPassword::new("MYNACARD1"),
        TextPin::new("1234"),
        AuthPin::new("5678"),
    ) else {
        return;
    };
    let last_try = op & 0x80 != 0;
    match op & 0x7F {
        0 => drop(client.detect()),
        1 => drop(client.read_certificate(CertKind::Auth)),
        2 => drop(client.read_certificate(CertKind::AuthCa)),
        3 => drop(client.read_certificate(CertKind::SignCa)),
        4 => drop(client.read_sign_certificate(&sign, last_try)),
        5 => drop(client.pin_status(PinKind::Auth)),
        6 => drop(client.pin_statuses(&[PinKind::Auth, PinKind::Sign, PinKind::Text])),
        7 => drop(client.verify_pin(PinEntry::Host(&auth), last_try)),
        8 => drop(client.change_pin(PinChange::Host { old: &auth, new: &new_auth }, last_try)),
        9 => drop(client.sign(PinEntry::Host(&auth), &digest_info(), last_try)),
        10 => drop(client.sign(PinEntry::Host(&sign), &digest_info(), last_try)),
        11 => drop(client.read_text(PinEntry::Host(&text), last_try)),
        12 => drop(client.read_my_number(PinEntry::Host(&text), last_try)),
        13 => drop(client.read_attributes(PinEntry::Host(&text), last_try)),
        14 => {
            if let Ok(Some(pad)) = client.pinpad_for(PinKind::Auth, PinPadMode::Auto) {
                let _ = client.verify_pin(PinEntry::<AuthPin>::Pad(pad), last_try);
            }
        }
        15 => {
            if let Ok(mut unlocked) = client.unlock(PinEntry::Host(&sign), last_try) {
                let _ = unlocked.read_certificate(CertKind::Sign);
                let _ = unlocked.sign(&digest_info());
                let _ = unlocked.finish();
            }
        }
        16 => drop(client.pin_objects()),
        17 => drop(client.read_text_checked(PinEntry::Host(&text), last_try)),
        18 => {
            if let Ok(a) = CodeA::new("123456789018") {
                let _ = client.read_face_and_text(&FaceCode::A(a), last_try);
            }
        }
        19 => {
            if let Ok(b) = CodeB::compose("19900515", "2035", "7251") {
                let _ = client.read_face_and_text(&FaceCode::B(b), last_try);
            }
        }
        20 => {
            if let Ok(k) = FaceBirthKey::from_birth_date("19900515") {
                let _ = client.read_birth_record(&k, last_try);
            }
        }
        _ => {}
    }
});
