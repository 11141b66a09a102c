//! The virtual card engine and the in-process transport, tested on the wire: every test sends
//! command bytes and pins the response bytes.

use std::collections::BTreeMap;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use mynacard::apdu::StatusWord;
use mynacard::facts::{
    self, jpki, text, AID_JPKI, AID_TEXT, AID_VISUAL, DIGEST_INFO_SHA256, SIM_ATR,
};
use mynacard::sim::card::{
    BlockedStatus, Fault, FaultKind, Profile, Reply, VirtualCard, GARBAGE_RESPONSE,
    TRUNCATED_RESPONSE, UNEXPECTED_MORE_DATA, UNEXPECTED_WRONG_LE,
};
use mynacard::sim::image::{Access, AppImage, CardImage, EfImage, KeyImage, PinImage};
use mynacard::sim::transport::{SharedCard, VirtualTransport};
use mynacard::transport::{Disposition, Transport, TransportError};
use proptest::prelude::*;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use rsa::{Pkcs1v15Sign, RsaPrivateKey, RsaPublicKey};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

const AUTH_PIN: &[u8] = b"1234";
const SIGN_PIN: &[u8] = b"ABC123";
const TEXT_PIN: &[u8] = b"4321";
/// Size of the test signature certificate (a real test card's is about this size).
const SIGN_CERT_LEN: usize = 1760;
const AUTH_CERT_LEN: usize = 1200;
const SECRET_FID: u16 = 0x0042;

/// One RSA-2048 key for the whole test binary (key generation is slow).
fn key() -> &'static RsaPrivateKey {
    static KEY: OnceLock<RsaPrivateKey> = OnceLock::new();
    KEY.get_or_init(|| {
        let mut rng = ChaCha20Rng::seed_from_u64(0x4A50_4B49);
        RsaPrivateKey::new(&mut rng, 2048).expect("RSA key generation")
    })
}

/// A DER-looking certificate of `len` bytes: `30 82 LL LL` then a counting pattern.
fn cert(len: usize, seed: u8) -> Vec<u8> {
    let body = len - 4;
    let mut v = vec![0x30, 0x82, (body >> 8) as u8, body as u8];
    v.extend((0..body).map(|i| (i as u8).wrapping_mul(7).wrapping_add(seed)));
    v
}

fn free(data: Vec<u8>) -> EfImage {
    EfImage { data, read: Access::Free }
}

fn pin(value: &[u8], tries: u8) -> PinImage {
    PinImage { value: Zeroizing::new(value.to_vec()), tries_left: tries, max_tries: tries }
}

fn image() -> CardImage {
    let mut label = facts::token::CARD.as_bytes().to_vec();
    label.resize(facts::token::LABEL_LEN, b' ');
    let jpki_app = AppImage {
        name: "jpki".into(),
        aid: AID_JPKI.to_vec(),
        files: BTreeMap::from([
            (jpki::EF_AUTH_CERT, free(cert(AUTH_CERT_LEN, 1))),
            (jpki::EF_AUTH_CA_CERT, free(cert(900, 2))),
            (
                jpki::EF_SIGN_CERT,
                EfImage { data: cert(SIGN_CERT_LEN, 3), read: Access::Pin(jpki::EF_SIGN_PIN) },
            ),
            (jpki::EF_SIGN_CA_CERT, free(cert(300, 4))),
            (jpki::EF_TOKEN_INFO, free(label)),
            (SECRET_FID, EfImage { data: vec![1, 2, 3], read: Access::Never }),
        ]),
        pins: BTreeMap::from([
            (jpki::EF_AUTH_PIN, pin(AUTH_PIN, facts::tries::AUTH)),
            (jpki::EF_SIGN_PIN, pin(SIGN_PIN, facts::tries::SIGN)),
        ]),
        keys: BTreeMap::from([
            (jpki::EF_AUTH_KEY, KeyImage { key: key().clone(), pin: jpki::EF_AUTH_PIN }),
            (jpki::EF_SIGN_KEY, KeyImage { key: key().clone(), pin: jpki::EF_SIGN_PIN }),
        ]),
        challenge_key: None,
    };
    let mut my_number = vec![0xFF, 0x10, 0x0C];
    my_number.extend_from_slice(b"123456789018");
    let text_app = AppImage {
        name: "text".into(),
        aid: AID_TEXT.to_vec(),
        files: BTreeMap::from([(
            text::EF_MY_NUMBER,
            EfImage { data: my_number, read: Access::Pin(text::EF_PIN) },
        )]),
        pins: BTreeMap::from([(text::EF_PIN, pin(TEXT_PIN, facts::tries::TEXT))]),
        keys: BTreeMap::new(),
        challenge_key: None,
    };
    let visual_app = AppImage {
        name: "visual".into(),
        aid: AID_VISUAL.to_vec(),
        files: BTreeMap::new(),
        pins: BTreeMap::new(),
        keys: BTreeMap::new(),
        challenge_key: None,
    };
    CardImage {
        atr: SIM_ATR.to_vec(),
        apps: vec![jpki_app, text_app, visual_app],
        mf_data: BTreeMap::new(),
    }
}

fn card(profile: Profile) -> VirtualCard {
    VirtualCard::new(image(), profile)
}

fn bytes(hex_str: &str) -> Vec<u8> {
    hex::decode(hex_str.replace(' ', "")).expect("test hex")
}

/// Send hex, get the whole response as upper-case hex.
fn tx(card: &mut VirtualCard, hex_str: &str) -> String {
    match card.process(&bytes(hex_str)) {
        Reply::Bytes(b) => hex::encode_upper(b),
        other => panic!("{hex_str}: {other:?}"),
    }
}

/// Send hex, get (data, status word as hex).
fn tx_data(card: &mut VirtualCard, hex_str: &str) -> (Vec<u8>, String) {
    match card.process(&bytes(hex_str)) {
        Reply::Bytes(b) if b.len() >= 2 => {
            let (data, sw) = b.split_at(b.len() - 2);
            (data.to_vec(), hex::encode_upper(sw))
        }
        other => panic!("{hex_str}: {other:?}"),
    }
}

const SELECT_JPKI: &str = "00A4040C0AD392F000260100000001";
const SELECT_TEXT: &str = "00A4040C0AD392100031000101 0408";
const SELECT_ISD: &str = "00A4040C07A0000001510000";

fn select_ef(fid: u16) -> String {
    format!("00A4020C02{fid:04X}")
}

fn verify(pin: &[u8]) -> String {
    format!("00200080{:02X}{}", pin.len(), hex::encode_upper(pin))
}

fn sha256_digest_info(msg: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let hash = Sha256::digest(msg).to_vec();
    let mut di = DIGEST_INFO_SHA256.to_vec();
    di.extend_from_slice(&hash);
    (hash, di)
}

fn sign_apdu(data: &[u8]) -> String {
    format!("802A0080{:02X}{}00", data.len(), hex::encode_upper(data))
}

/// Read a whole EF with short READ BINARYs of 256 bytes (the last one answers 62 82).
fn read_all_short(card: &mut VirtualCard) -> (Vec<u8>, String) {
    let mut out = Vec::new();
    loop {
        let (data, sw) = tx_data(card, &format!("00B0{:04X}00", out.len()));
        out.extend_from_slice(&data);
        if sw != "9000" || data.len() < 256 {
            return (out, sw);
        }
    }
}

// ---------------------------------------------------------------- SELECT

#[test]
fn select_application_known_unknown_and_wrong_length() {
    let mut c = card(Profile::default());
    assert_eq!(tx(&mut c, SELECT_JPKI), "9000");
    assert_eq!(tx(&mut c, SELECT_TEXT), "9000");
    assert_eq!(tx(&mut c, "00A4040C0AD392100031000101 0402"), "9000");
    // P2 00 (FCI wanted) is accepted too, without FCI.
    assert_eq!(tx(&mut c, "00A404000AD392F000260100000001"), "9000");
    assert_eq!(tx(&mut c, "00A4040C0AD392F000260100000002"), "6A82");
    assert_eq!(tx(&mut c, "00A4040C09D392F0002601000000"), "6A82");
    assert_eq!(tx(&mut c, "00A4040C"), "6700");
    assert_eq!(tx(&mut c, "00A4080C023F00"), "6A86");
}

#[test]
fn foreign_probes_never_succeed() {
    let mut c = card(Profile::default());
    // SELECTs of other cards' applications, as OpenSC's drivers send them.
    for aid in [
        "A000000308000010000100",   // PIV
        "D27600012401",             // OpenPGP
        "A0000000030000",           // GlobalPlatform card manager
        "A000000063504B43532D3135", // PKCS#15
        "E828BD080F",               // ISO 7816-15 (ISO/IEC 7816-15 AID)
        "A00000039742544659",       // Cardos/others
        "D392F00026010000",         // a prefix of the JPKI AID
        "D392F0002601000000010000", // JPKI AID with a suffix
    ] {
        let apdu = format!("00A40400{:02X}{aid}00", aid.len() / 2);
        assert_eq!(tx(&mut c, &apdu), "6A82", "{apdu}");
        let apdu = format!("00A4040C{:02X}{aid}", aid.len() / 2);
        assert_eq!(tx(&mut c, &apdu), "6A82", "{apdu}");
    }
    // GET DATA of objects this card does not hold (it answers only the MF's own objects),
    // and instructions it does not know.
    assert_eq!(tx(&mut c, "00CA010000"), "6A88");
    assert_eq!(tx(&mut c, "00CA7F6800"), "6A88");
    assert_eq!(tx(&mut c, "00FF000000"), "6D00");
    assert_eq!(tx(&mut c, "00870000"), "6D00");
    // Unknown classes.
    assert_eq!(tx(&mut c, "FFCA000000"), "6E00");
    assert_eq!(tx(&mut c, "B0A4040C0AD392F000260100000001"), "6E00");
    // CLA 80 is for COMPUTE DIGITAL SIGNATURE only, and signing needs CLA 80.
    assert_eq!(tx(&mut c, "80A4040C0AD392F000260100000001"), "6E00");
    assert_eq!(tx(&mut c, "80CA000000"), "6E00");
    assert_eq!(tx(&mut c, "002A00800100"), "6E00");
    // Secure messaging and logical channels are not supported.
    assert_eq!(tx(&mut c, "0CA4040C0AD392F000260100000001"), "6882");
    assert_eq!(tx(&mut c, "01A4040C0AD392F000260100000001"), "6881");
    // None of it selected anything.
    assert_eq!(tx(&mut c, &select_ef(jpki::EF_AUTH_CERT)), "6A82");
}

#[test]
fn select_ef_needs_an_application_and_two_bytes() {
    let mut c = card(Profile::default());
    assert_eq!(tx(&mut c, &select_ef(jpki::EF_AUTH_CERT)), "6A82");
    assert_eq!(tx(&mut c, SELECT_JPKI), "9000");
    for fid in [
        jpki::EF_AUTH_CERT,
        jpki::EF_SIGN_CERT,
        jpki::EF_AUTH_PIN,
        jpki::EF_SIGN_KEY,
        jpki::EF_TOKEN_INFO,
    ] {
        assert_eq!(tx(&mut c, &select_ef(fid)), "9000", "{fid:04X}");
    }
    assert_eq!(tx(&mut c, &select_ef(0x1234)), "6A82");
    // The text application's PIN is not in the JPKI application.
    assert_eq!(tx(&mut c, &select_ef(text::EF_PIN)), "6A82");
    assert_eq!(tx(&mut c, "00A4020C0100"), "6700");
    assert_eq!(tx(&mut c, "00A4020C03000A00"), "6700");
    assert_eq!(tx(&mut c, "00A4020C"), "6700");
}

// ---------------------------------------------------------------- READ BINARY

#[test]
fn read_binary_chunks_offsets_and_end_of_file() {
    let mut c = card(Profile::default());
    tx(&mut c, SELECT_JPKI);
    tx(&mut c, &select_ef(jpki::EF_AUTH_CERT));
    let want = cert(AUTH_CERT_LEN, 1);
    // The first 4 bytes tell the size.
    assert_eq!(tx(&mut c, "00B0000004"), format!("{}9000", hex::encode_upper(&want[..4])));
    // Le 00 means 256.
    let (data, sw) = tx_data(&mut c, "00B0000000");
    assert_eq!((data.as_slice(), sw.as_str()), (&want[..256], "9000"));
    // Offset in P1 P2.
    let (data, sw) = tx_data(&mut c, "00B0010010");
    assert_eq!((data.as_slice(), sw.as_str()), (&want[0x100..0x110], "9000"));
    // Whole file in 256-byte chunks: the last answers the rest with 62 82.
    let (all, sw) = read_all_short(&mut c);
    assert_eq!(all, want);
    assert_eq!(sw, "6282");
    assert_eq!(c.counts().read_binary, 3 + 5);
    // Offset at or beyond the end.
    assert_eq!(tx(&mut c, &format!("00B0{AUTH_CERT_LEN:04X}01")), "6B00");
    assert_eq!(tx(&mut c, "00B07FFF01"), "6B00");
    // Short EF exactly.
    tx(&mut c, &select_ef(jpki::EF_TOKEN_INFO));
    let (data, sw) = tx_data(&mut c, "00B0000020");
    assert_eq!(&data[..15], b"JPKIAPICCTOKEN2");
    assert_eq!(sw, "9000");
}

#[test]
fn read_binary_refusals() {
    let mut c = card(Profile::default());
    // No application, no EF.
    assert_eq!(tx(&mut c, "00B0000004"), "6986");
    tx(&mut c, SELECT_JPKI);
    assert_eq!(tx(&mut c, "00B0000004"), "6986");
    // A PIN or key EF is not a transparent file.
    tx(&mut c, &select_ef(jpki::EF_AUTH_PIN));
    assert_eq!(tx(&mut c, "00B0000004"), "6986");
    tx(&mut c, &select_ef(jpki::EF_SIGN_KEY));
    assert_eq!(tx(&mut c, "00B0000004"), "6986");
    // A file that is never readable.
    tx(&mut c, &select_ef(SECRET_FID));
    assert_eq!(tx(&mut c, "00B0000003"), "6982");
    tx(&mut c, &select_ef(jpki::EF_AUTH_CERT));
    // SFI addressing is not supported.
    assert_eq!(tx(&mut c, "00B0810004"), "6A81");
    // READ BINARY with data, or without Le.
    assert_eq!(tx(&mut c, "00B000000100"), "6700");
    assert_eq!(tx(&mut c, "00B0000001AA04"), "6700");
    assert_eq!(tx(&mut c, "00B00000"), "6700");
    // Malformed: Lc says 5, one byte follows.
    assert_eq!(tx(&mut c, "00B000000501"), "6700");
    assert_eq!(tx(&mut c, "00B000"), "6700");
    assert_eq!(tx(&mut c, "00"), "6700");
    assert_eq!(tx(&mut c, ""), "6700");
}

#[test]
fn wrong_le_6c_option_makes_the_client_resend() {
    let mut c = card(Profile { wrong_le_6c: true, extended_length: true, ..Profile::default() });
    tx(&mut c, SELECT_JPKI);
    tx(&mut c, &select_ef(jpki::EF_SIGN_CA_CERT)); // 300 bytes
    let want = cert(300, 4);
    assert_eq!(tx(&mut c, "00B0010000"), "6C2C");
    let (data, sw) = tx_data(&mut c, "00B001002C");
    assert_eq!((data.as_slice(), sw.as_str()), (&want[256..], "9000"));
    // Only for Le ≤ 256: an extended Le gets the rest and 62 82.
    let (data, sw) = tx_data(&mut c, "00B00000000400");
    assert_eq!((data.as_slice(), sw.as_str()), (want.as_slice(), "6282"));
    // Without the option: the rest and 62 82.
    let mut c = card(Profile::default());
    tx(&mut c, SELECT_JPKI);
    tx(&mut c, &select_ef(jpki::EF_SIGN_CA_CERT));
    let (data, sw) = tx_data(&mut c, "00B0010000");
    assert_eq!((data.as_slice(), sw.as_str()), (&want[256..], "6282"));
}

#[test]
fn extended_length_on_and_off() {
    let want = cert(SIGN_CERT_LEN, 3);
    let mut on = card(Profile { extended_length: true, ..Profile::default() });
    tx(&mut on, SELECT_JPKI);
    tx(&mut on, &select_ef(jpki::EF_SIGN_PIN));
    // Extended VERIFY.
    assert_eq!(tx(&mut on, "00200080000006414243313233"), "9000");
    tx(&mut on, &select_ef(jpki::EF_SIGN_CERT));
    // Le 00 00 = 65536: the whole file in one response, 62 82 because it is shorter.
    let (data, sw) = tx_data(&mut on, "00B00000000000");
    assert_eq!((data.as_slice(), sw.as_str()), (want.as_slice(), "6282"));
    // Le exactly the file size.
    let (data, sw) = tx_data(&mut on, &format!("00B0000000{SIGN_CERT_LEN:04X}"));
    assert_eq!((data.as_slice(), sw.as_str()), (want.as_slice(), "9000"));
    assert_eq!(on.counts().read_binary, 2);
    assert_eq!(on.counts().read_binary_bytes, 2 * SIGN_CERT_LEN as u64);

    let mut off = card(Profile::default());
    tx(&mut off, SELECT_JPKI);
    tx(&mut off, &select_ef(jpki::EF_SIGN_PIN));
    assert_eq!(tx(&mut off, "00200080000006414243313233"), "6700");
    // The try was not spent.
    assert_eq!(tx(&mut off, "00200080"), "63C5");
    tx(&mut off, &select_ef(jpki::EF_AUTH_CERT));
    assert_eq!(tx(&mut off, "00B00000000000"), "6700");
    assert_eq!(tx(&mut off, "00B000000003E8"), "6700");
}

// ---------------------------------------------------------------- PINs

/// 3 (or 5) tries, a success resets the counter, then block: the final wrong try answers
/// 63 C0 whatever the profile, and then the blocked status, without comparing.
fn pin_lifecycle(blocked: BlockedStatus, aid_select: &str, pin_fid: u16, right: &[u8], max: u8) {
    let blocked_hex = hex::encode_upper(blocked.status_word().to_bytes());
    let mut c = card(Profile { blocked_status: blocked, ..Profile::default() });
    tx(&mut c, aid_select);
    tx(&mut c, &select_ef(pin_fid));
    assert_eq!(tx(&mut c, "00200080"), format!("63C{max:X}"));
    let wrong = verify(b"0000");
    for left in (1..max).rev() {
        assert_eq!(tx(&mut c, &wrong), format!("63C{left:X}"));
        assert_eq!(tx(&mut c, "00200080"), format!("63C{left:X}"));
    }
    assert_eq!(tx(&mut c, &verify(right)), "9000");
    // After success the counter is back to max, and the status query still says 63 Cx.
    assert_eq!(tx(&mut c, "00200080"), format!("63C{max:X}"));
    for left in (0..max).rev() {
        assert_eq!(tx(&mut c, &wrong), format!("63C{left:X}"));
    }
    assert_eq!(tx(&mut c, "00200080"), blocked_hex);
    assert_eq!(tx(&mut c, &verify(right)), blocked_hex);
    assert_eq!(tx(&mut c, &wrong), blocked_hex);
    // Persistent: survives reset and power cycles, and is in the image.
    c.reset();
    c.power_off();
    c.power_on();
    tx(&mut c, aid_select);
    tx(&mut c, &select_ef(pin_fid));
    assert_eq!(tx(&mut c, &verify(right)), blocked_hex);
    let app = c.image().apps.iter().find(|a| a.pins.contains_key(&pin_fid)).expect("app");
    assert_eq!(app.pins[&pin_fid].tries_left, 0);
}

#[test]
fn auth_pin_lifecycle_each_blocked_status() {
    for blocked in [
        BlockedStatus::TriesZero,
        BlockedStatus::AuthMethodBlocked,
        BlockedStatus::ReferenceDataNotUsable,
    ] {
        pin_lifecycle(blocked, SELECT_JPKI, jpki::EF_AUTH_PIN, AUTH_PIN, 3);
    }
    assert_eq!(hex::encode_upper(BlockedStatus::TriesZero.status_word().to_bytes()), "63C0");
    assert_eq!(
        hex::encode_upper(BlockedStatus::AuthMethodBlocked.status_word().to_bytes()),
        "6983"
    );
    assert_eq!(
        hex::encode_upper(BlockedStatus::ReferenceDataNotUsable.status_word().to_bytes()),
        "6984"
    );
}

#[test]
fn sign_password_has_five_tries() {
    pin_lifecycle(BlockedStatus::AuthMethodBlocked, SELECT_JPKI, jpki::EF_SIGN_PIN, SIGN_PIN, 5);
}

#[test]
fn text_pin_has_three_tries_and_guards_my_number() {
    pin_lifecycle(BlockedStatus::TriesZero, SELECT_TEXT, text::EF_PIN, TEXT_PIN, 3);
    let mut c = card(Profile::default());
    tx(&mut c, SELECT_TEXT);
    tx(&mut c, &select_ef(text::EF_MY_NUMBER));
    assert_eq!(tx(&mut c, "00B0000011"), "6982");
    tx(&mut c, &select_ef(text::EF_PIN));
    assert_eq!(tx(&mut c, &verify(TEXT_PIN)), "9000");
    tx(&mut c, &select_ef(text::EF_MY_NUMBER));
    assert_eq!(
        tx(&mut c, "00B000000F"),
        format!("FF100C{}9000", hex::encode_upper(b"123456789018"))
    );
}

#[test]
fn verify_refusals() {
    let mut c = card(Profile::default());
    // No application / no EF / a data EF / a key EF selected.
    assert_eq!(tx(&mut c, "00200080"), "6986");
    tx(&mut c, SELECT_JPKI);
    assert_eq!(tx(&mut c, &verify(AUTH_PIN)), "6986");
    tx(&mut c, &select_ef(jpki::EF_AUTH_CERT));
    assert_eq!(tx(&mut c, "00200080"), "6986");
    tx(&mut c, &select_ef(jpki::EF_AUTH_KEY));
    assert_eq!(tx(&mut c, &verify(AUTH_PIN)), "6986");
    tx(&mut c, &select_ef(jpki::EF_AUTH_PIN));
    assert_eq!(tx(&mut c, "00200081"), "6A86");
    assert_eq!(tx(&mut c, "0020018004 31323334"), "6A86");
    // VERIFY with Le.
    assert_eq!(tx(&mut c, "002000800431323334 00"), "6700");
    // None of these spent a try.
    assert_eq!(tx(&mut c, "00200080"), "63C3");
}

#[test]
fn change_reference_data() {
    let mut c = card(Profile::default());
    tx(&mut c, SELECT_JPKI);
    tx(&mut c, &select_ef(jpki::EF_AUTH_PIN));
    let change = |new: &[u8]| format!("00240180{:02X}{}", new.len(), hex::encode_upper(new));
    // Not verified in this session.
    assert_eq!(tx(&mut c, &change(b"5678")), "6982");
    assert_eq!(tx(&mut c, &verify(AUTH_PIN)), "9000");
    assert_eq!(tx(&mut c, "00240180"), "6A80");
    assert_eq!(tx(&mut c, &change(&[b'1'; 17])), "6A80");
    assert_eq!(tx(&mut c, "0024008004 35363738"), "6A86");
    assert_eq!(tx(&mut c, &format!("{}00", change(b"5678"))), "6700");
    assert_eq!(tx(&mut c, &change(b"5678")), "9000");
    let stored = &c.image().app(&AID_JPKI).expect("jpki").pins[&jpki::EF_AUTH_PIN];
    assert_eq!(stored.value.as_slice(), b"5678");
    assert_eq!(stored.tries_left, 3);
    // The old PIN is now wrong, the new one right; 16 bytes is the longest.
    assert_eq!(tx(&mut c, &verify(AUTH_PIN)), "63C2");
    assert_eq!(tx(&mut c, &verify(b"5678")), "9000");
    assert_eq!(tx(&mut c, &change(&[b'A'; 16])), "9000");
    // Not on a PIN EF.
    tx(&mut c, &select_ef(jpki::EF_AUTH_CERT));
    assert_eq!(tx(&mut c, &change(b"5678")), "6986");
    // Re-selecting JPKI keeps the verification (measured on real cards, [C]); selecting the
    // ISD clears it.
    tx(&mut c, SELECT_JPKI);
    tx(&mut c, &select_ef(jpki::EF_AUTH_PIN));
    assert_eq!(tx(&mut c, &change(b"5678")), "9000");
    assert_eq!(tx(&mut c, SELECT_ISD), "9000");
    tx(&mut c, SELECT_JPKI);
    tx(&mut c, &select_ef(jpki::EF_AUTH_PIN));
    assert_eq!(tx(&mut c, &change(b"5678")), "6982");
}

// ---------------------------------------------------------------- security state

#[test]
fn signature_certificate_access_rule() {
    let want = cert(SIGN_CERT_LEN, 3);
    let unlock = |c: &mut VirtualCard| {
        tx(c, SELECT_JPKI);
        tx(c, &select_ef(jpki::EF_SIGN_PIN));
        assert_eq!(tx(c, &verify(SIGN_PIN)), "9000");
        tx(c, &select_ef(jpki::EF_SIGN_CERT));
        assert_eq!(read_all_short(c), (want.clone(), "6282".to_string()));
    };
    let mut c = card(Profile::default());
    tx(&mut c, SELECT_JPKI);
    tx(&mut c, &select_ef(jpki::EF_SIGN_CERT));
    assert_eq!(tx(&mut c, "00B0000004"), "6982");
    // The authentication PIN does not open it.
    tx(&mut c, &select_ef(jpki::EF_AUTH_PIN));
    assert_eq!(tx(&mut c, &verify(AUTH_PIN)), "9000");
    tx(&mut c, &select_ef(jpki::EF_SIGN_CERT));
    assert_eq!(tx(&mut c, "00B0000004"), "6982");

    unlock(&mut c);
    // Re-selecting the same application keeps it (measured on real cards, [C]).
    tx(&mut c, SELECT_JPKI);
    tx(&mut c, &select_ef(jpki::EF_SIGN_CERT));
    assert_eq!(tx(&mut c, "00B0000004"), format!("{}9000", hex::encode_upper(&want[..4])));
    // Selecting the GlobalPlatform ISD clears it.
    assert_eq!(tx(&mut c, SELECT_ISD), "9000");
    tx(&mut c, SELECT_JPKI);
    tx(&mut c, &select_ef(jpki::EF_SIGN_CERT));
    assert_eq!(tx(&mut c, "00B0000004"), "6982");

    unlock(&mut c);
    // Selecting another application and coming back clears it.
    tx(&mut c, SELECT_TEXT);
    tx(&mut c, SELECT_JPKI);
    tx(&mut c, &select_ef(jpki::EF_SIGN_CERT));
    assert_eq!(tx(&mut c, "00B0000004"), "6982");

    unlock(&mut c);
    // A failed SELECT of an unknown AID leaves it in force.
    assert_eq!(tx(&mut c, "00A4040C03A00000"), "6A82");
    assert_eq!(tx(&mut c, "00B0000004"), format!("{}9000", hex::encode_upper(&want[..4])));
    // A warm reset clears the selection but keeps the security state for JPKI (measured on
    // real cards, [C]): selecting JPKI again finds the password verified.
    c.reset();
    assert_eq!(tx(&mut c, "00B0000004"), "6986");
    tx(&mut c, SELECT_JPKI);
    tx(&mut c, &select_ef(jpki::EF_SIGN_CERT));
    assert_eq!(tx(&mut c, "00B0000004"), format!("{}9000", hex::encode_upper(&want[..4])));
    tx(&mut c, SELECT_TEXT);
    tx(&mut c, SELECT_JPKI);
    tx(&mut c, &select_ef(jpki::EF_SIGN_CERT));
    assert_eq!(tx(&mut c, "00B0000004"), "6982");

    unlock(&mut c);
    c.power_off();
    assert_eq!(c.process(&bytes("00B0000004")), Reply::Mute);
    c.power_on();
    assert_eq!(tx(&mut c, "00B0000004"), "6986");
    tx(&mut c, SELECT_JPKI);
    tx(&mut c, &select_ef(jpki::EF_SIGN_CERT));
    assert_eq!(tx(&mut c, "00B0000004"), "6982");
}

// ---------------------------------------------------------------- signatures

#[test]
fn signatures_verify_with_the_public_key() {
    let public = RsaPublicKey::from(key());
    let mut c = card(Profile::default());
    let (hash, di) = sha256_digest_info(b"hello JPKI");
    tx(&mut c, SELECT_JPKI);
    // Key not selected: 69 86; key selected, PIN not verified: 69 82.
    assert_eq!(tx(&mut c, &sign_apdu(&di)), "6986");
    tx(&mut c, &select_ef(jpki::EF_AUTH_CERT));
    assert_eq!(tx(&mut c, &sign_apdu(&di)), "6986");
    tx(&mut c, &select_ef(jpki::EF_SIGN_KEY));
    assert_eq!(tx(&mut c, &sign_apdu(&di)), "6982");
    // The authentication PIN does not unlock the signature key.
    tx(&mut c, &select_ef(jpki::EF_AUTH_PIN));
    assert_eq!(tx(&mut c, &verify(AUTH_PIN)), "9000");
    tx(&mut c, &select_ef(jpki::EF_SIGN_KEY));
    assert_eq!(tx(&mut c, &sign_apdu(&di)), "6982");
    // But it unlocks the authentication key.
    tx(&mut c, &select_ef(jpki::EF_AUTH_KEY));
    let (sig, sw) = tx_data(&mut c, &sign_apdu(&di));
    assert_eq!((sig.len(), sw.as_str()), (256, "9000"));
    public.verify(Pkcs1v15Sign::new::<Sha256>(), &hash, &sig).expect("auth signature verifies");

    tx(&mut c, &select_ef(jpki::EF_SIGN_PIN));
    assert_eq!(tx(&mut c, &verify(SIGN_PIN)), "9000");
    tx(&mut c, &select_ef(jpki::EF_SIGN_KEY));
    let (sig2, sw) = tx_data(&mut c, &sign_apdu(&di));
    assert_eq!(sw, "9000");
    // PKCS#1 v1.5 is deterministic: same key, same DigestInfo, same signature.
    assert_eq!(sig2, sig);
    public.verify(Pkcs1v15Sign::new::<Sha256>(), &hash, &sig2).expect("sign signature verifies");
    assert_eq!(c.counts().compute_signature, 6);
    assert_eq!(c.counts().signatures, 2);

    // The card does not check that the data is a DigestInfo: it pads whatever it gets.
    let (raw, sw) = tx_data(&mut c, &sign_apdu(b"not a digest info"));
    assert_eq!(sw, "9000");
    public
        .verify(Pkcs1v15Sign::new_unprefixed(), b"not a digest info", &raw)
        .expect("raw verifies");
    // k - 11 = 245 bytes is the longest input.
    assert_eq!(tx_data(&mut c, &sign_apdu(&[0x55; 245])).1, "9000");
    assert_eq!(tx(&mut c, &sign_apdu(&[0x55; 246])), "6A80");
    assert_eq!(tx(&mut c, "802A008000"), "6A80"); // case 2: no data
                                                  // Wrong P1 P2; Le too small for the signature.
    assert_eq!(
        tx(&mut c, &format!("802A009E{:02X}{}00", di.len(), hex::encode_upper(&di))),
        "6A86"
    );
    assert_eq!(
        tx(&mut c, &format!("802A0080{:02X}{}10", di.len(), hex::encode_upper(&di))),
        "6700"
    );
    // Without Le the signature still comes back.
    assert_eq!(
        tx_data(&mut c, &format!("802A0080{:02X}{}", di.len(), hex::encode_upper(&di))).0,
        sig
    );

    // A re-select keeps the key unlocked (measured on real cards, [C]); selecting the ISD
    // locks it again.
    tx(&mut c, SELECT_JPKI);
    tx(&mut c, &select_ef(jpki::EF_SIGN_KEY));
    assert_eq!(tx_data(&mut c, &sign_apdu(&di)).1, "9000");
    tx(&mut c, SELECT_ISD);
    tx(&mut c, SELECT_JPKI);
    tx(&mut c, &select_ef(jpki::EF_SIGN_KEY));
    assert_eq!(tx(&mut c, &sign_apdu(&di)), "6982");
}

#[test]
fn extended_signature_command() {
    let (_, di) = sha256_digest_info(b"x");
    let ext = format!("802A008000{:04X}{}0100", di.len(), hex::encode_upper(&di));
    for (extended, want_len, want_sw) in [(true, 256, "9000"), (false, 0, "6700")] {
        let mut c = card(Profile { extended_length: extended, ..Profile::default() });
        tx(&mut c, SELECT_JPKI);
        tx(&mut c, &select_ef(jpki::EF_AUTH_PIN));
        tx(&mut c, &verify(AUTH_PIN));
        tx(&mut c, &select_ef(jpki::EF_AUTH_KEY));
        let (sig, sw) = tx_data(&mut c, &ext);
        assert_eq!((sig.len(), sw.as_str()), (want_len, want_sw));
    }
}

// ---------------------------------------------------------------- GET CHALLENGE / GET RESPONSE

#[test]
fn get_challenge() {
    let mut c = card(Profile { extended_length: true, ..Profile::default() });
    let (a, sw) = tx_data(&mut c, "0084000008");
    assert_eq!((a.len(), sw.as_str()), (8, "9000"));
    let (b, _) = tx_data(&mut c, "0084000008");
    assert_ne!(a, b);
    let (all, sw) = tx_data(&mut c, "0084000000");
    assert_eq!((all.len(), sw.as_str()), (256, "9000"));
    assert_eq!(tx(&mut c, "0084000100"), "6A86");
    assert_eq!(tx(&mut c, "00840000"), "6700");
    assert_eq!(tx(&mut c, "00840000000101"), "6700"); // extended Le 257
    assert_eq!(tx(&mut c, "008400000101"), "6700"); // data
    assert_eq!(c.counts().get_challenge, 7);
}

#[test]
fn get_response_without_pending_data() {
    let mut c = card(Profile::default());
    assert_eq!(tx(&mut c, "00C0000010"), "6985");
    tx(&mut c, SELECT_JPKI);
    tx(&mut c, &select_ef(jpki::EF_AUTH_CERT));
    // Without chaining a READ BINARY leaves nothing pending.
    tx(&mut c, "00B0000010");
    assert_eq!(tx(&mut c, "00C0000010"), "6985");
    assert_eq!(tx(&mut c, "00C0010010"), "6A86");
    assert_eq!(tx(&mut c, "00C00000"), "6700");
}

#[test]
fn chained_responses_end_to_end() {
    let mut c = card(Profile { chain_responses: true, ..Profile::default() });
    let want = cert(AUTH_CERT_LEN, 1);
    // Status-only answers are not chained.
    assert_eq!(tx(&mut c, SELECT_JPKI), "9000");
    assert_eq!(tx(&mut c, &select_ef(jpki::EF_AUTH_CERT)), "9000");
    // 256 bytes: 61 00, fetched in three pieces.
    assert_eq!(tx(&mut c, "00B0000000"), "6100");
    let (p1, sw) = tx_data(&mut c, "00C0000064");
    assert_eq!((p1.as_slice(), sw.as_str()), (&want[..100], "619C"));
    let (p2, sw) = tx_data(&mut c, "00C0000050");
    assert_eq!((p2.as_slice(), sw.as_str()), (&want[100..180], "614C"));
    // Asking for more than is left gets what is left and the final status.
    let (p3, sw) = tx_data(&mut c, "00C0000000");
    assert_eq!((p3.as_slice(), sw.as_str()), (&want[180..256], "9000"));
    assert_eq!(tx(&mut c, "00C0000010"), "6985");
    // A short final read: 61 xx, then the data and 62 82.
    let last = AUTH_CERT_LEN - 0x10;
    assert_eq!(tx(&mut c, &format!("00B0{last:04X}00")), "6110");
    let (tail, sw) = tx_data(&mut c, "00C0000010");
    assert_eq!((tail.as_slice(), sw.as_str()), (&want[last..], "6282"));
    // Another command discards pending data.
    assert_eq!(tx(&mut c, "00B0000010"), "6110");
    assert_eq!(tx(&mut c, &select_ef(jpki::EF_AUTH_CERT)), "9000");
    assert_eq!(tx(&mut c, "00C0000010"), "6985");
    // Signatures too.
    tx(&mut c, &select_ef(jpki::EF_AUTH_PIN));
    assert_eq!(tx(&mut c, &verify(AUTH_PIN)), "9000");
    tx(&mut c, &select_ef(jpki::EF_AUTH_KEY));
    let (hash, di) = sha256_digest_info(b"chained");
    assert_eq!(tx(&mut c, &sign_apdu(&di)), "6100");
    let (sig, sw) = tx_data(&mut c, "00C0000000");
    assert_eq!(sw, "9000");
    RsaPublicKey::from(key()).verify(Pkcs1v15Sign::new::<Sha256>(), &hash, &sig).expect("verifies");
    assert_eq!(c.counts().get_response, 7);
}

#[test]
fn chained_extended_read_announces_61_00() {
    let mut c =
        card(Profile { chain_responses: true, extended_length: true, ..Profile::default() });
    let want = cert(SIGN_CERT_LEN, 3);
    tx(&mut c, SELECT_JPKI);
    tx(&mut c, &select_ef(jpki::EF_SIGN_PIN));
    tx(&mut c, &verify(SIGN_PIN));
    tx(&mut c, &select_ef(jpki::EF_SIGN_CERT));
    assert_eq!(tx(&mut c, "00B00000000000"), "6100");
    let mut got = Vec::new();
    let mut sw = String::from("6100");
    while sw.starts_with("61") {
        let (piece, next) = tx_data(&mut c, "00C0000000");
        assert!(piece.len() <= 256);
        got.extend_from_slice(&piece);
        sw = next;
    }
    assert_eq!(got, want);
    assert_eq!(sw, "6282");
    // An extended GET RESPONSE takes it all at once.
    assert_eq!(tx(&mut c, "00B00000000000"), "6100");
    let (all, sw) = tx_data(&mut c, "00C00000000000");
    assert_eq!((all, sw.as_str()), (want, "6282"));
}

// ---------------------------------------------------------------- faults

#[test]
fn fault_remove_lasts_until_power_on() {
    let mut c = card(Profile {
        faults: vec![Fault { at: 2, kind: FaultKind::Remove }],
        ..Profile::default()
    });
    assert_eq!(tx(&mut c, SELECT_JPKI), "9000");
    assert_eq!(c.process(&bytes(&select_ef(jpki::EF_AUTH_CERT))), Reply::Removed);
    assert!(c.is_removed());
    assert_eq!(c.process(&bytes(SELECT_JPKI)), Reply::Removed);
    assert_eq!(c.process(&bytes("0084000008")), Reply::Removed);
    c.reset();
    assert_eq!(c.process(&bytes(SELECT_JPKI)), Reply::Removed);
    c.power_on();
    assert_eq!(c.command_count(), 0);
    // The fault is spent: command 2 goes through this time.
    assert_eq!(tx(&mut c, SELECT_JPKI), "9000");
    assert_eq!(tx(&mut c, &select_ef(jpki::EF_AUTH_CERT)), "9000");
}

#[test]
fn fault_mute_garbage_truncate_and_6f00() {
    let faults = vec![
        Fault { at: 3, kind: FaultKind::Mute },
        Fault { at: 4, kind: FaultKind::Garbage },
        Fault { at: 5, kind: FaultKind::Truncate },
        Fault { at: 6, kind: FaultKind::NoPreciseDiagnosis },
    ];
    let mut c = card(Profile { faults, ..Profile::default() });
    tx(&mut c, SELECT_JPKI);
    tx(&mut c, &select_ef(jpki::EF_AUTH_PIN));
    // A wrong VERIFY struck by a fault is not executed: no try spent.
    assert_eq!(c.process(&bytes(&verify(b"0000"))), Reply::Mute);
    assert_eq!(c.process(&bytes(&verify(b"0000"))), Reply::Bytes(GARBAGE_RESPONSE.to_vec()));
    assert_eq!(hex::encode_upper(GARBAGE_RESPONSE), "DEADBEEF");
    assert_eq!(c.process(&bytes(&verify(b"0000"))), Reply::Bytes(TRUNCATED_RESPONSE.to_vec()));
    assert_eq!(TRUNCATED_RESPONSE.len(), 1);
    assert_eq!(tx(&mut c, &verify(b"0000")), "6F00");
    assert_eq!(tx(&mut c, "00200080"), "63C3");
    assert_eq!(c.command_count(), 7);
    let kinds: Vec<_> = c.history().iter().map(|h| h.fault).collect();
    assert_eq!(
        kinds,
        [
            None,
            None,
            Some(FaultKind::Mute),
            Some(FaultKind::Garbage),
            Some(FaultKind::Truncate),
            Some(FaultKind::NoPreciseDiagnosis),
            None
        ]
    );
    // A fault armed later counts from the last power-on.
    c.add_fault(Fault { at: 8, kind: FaultKind::Mute });
    assert_eq!(c.process(&bytes("00200080")), Reply::Mute);
    assert_eq!(tx(&mut c, "00200080"), "63C3");
}

#[test]
fn fault_unexpected_61xx_executes_the_command_and_leaves_nothing_to_fetch() {
    let faults = vec![Fault { at: 3, kind: FaultKind::UnexpectedMoreData }];
    let mut c = card(Profile { faults, ..Profile::default() });
    tx(&mut c, SELECT_JPKI);
    tx(&mut c, &select_ef(jpki::EF_SIGN_PIN));
    assert!(c.verified_pins().is_empty());
    // The VERIFY is executed (the password is verified) but its answer is lost.
    assert_eq!(hex::encode_upper(UNEXPECTED_MORE_DATA), "6110");
    assert_eq!(tx(&mut c, &verify(SIGN_PIN)), "6110");
    assert_eq!(c.verified_pins(), vec![(AID_JPKI.to_vec(), jpki::EF_SIGN_PIN)]);
    // Nothing is pending: GET RESPONSE answers 69 85.
    assert_eq!(tx(&mut c, "00C0000010"), "6985");
    let last = &c.history()[2];
    assert_eq!(
        (last.fault, last.sw),
        (Some(FaultKind::UnexpectedMoreData), Some(StatusWord::BytesRemaining(0x10)))
    );
    // A wrong VERIFY struck by it spends a try: it was executed.
    c.add_fault(Fault { at: 5, kind: FaultKind::UnexpectedMoreData });
    assert_eq!(tx(&mut c, &verify(b"WRONG1")), "6110");
    assert_eq!(tx(&mut c, "00200080"), format!("63C{:X}", facts::tries::SIGN - 1));
    // A READ BINARY struck by it, in a profile that chains: the chain is lost too.
    let faults = vec![Fault { at: 3, kind: FaultKind::UnexpectedMoreData }];
    let mut c = card(Profile { faults, chain_responses: true, ..Profile::default() });
    tx(&mut c, SELECT_JPKI);
    tx(&mut c, &select_ef(jpki::EF_AUTH_CERT));
    assert_eq!(tx(&mut c, "00B0000004"), "6110");
    assert_eq!(tx(&mut c, "00C0000004"), "6985");
}

#[test]
fn fault_unexpected_6cxx_is_not_executed() {
    let faults = vec![
        Fault { at: 3, kind: FaultKind::UnexpectedWrongLe },
        Fault { at: 4, kind: FaultKind::UnexpectedWrongLe },
    ];
    let mut c = card(Profile { faults, ..Profile::default() });
    tx(&mut c, SELECT_JPKI);
    tx(&mut c, &select_ef(jpki::EF_AUTH_PIN));
    assert_eq!(hex::encode_upper(UNEXPECTED_WRONG_LE), "6C10");
    // A wrong VERIFY struck by it is not executed: no try spent.
    assert_eq!(tx(&mut c, &verify(b"0000")), "6C10");
    assert_eq!(tx(&mut c, &verify(AUTH_PIN)), "6C10");
    assert!(c.verified_pins().is_empty());
    assert_eq!(tx(&mut c, "00200080"), format!("63C{:X}", facts::tries::AUTH));
    let kinds: Vec<_> = c.history().iter().map(|h| (h.fault, h.sw)).collect();
    assert_eq!(kinds[2], (Some(FaultKind::UnexpectedWrongLe), Some(StatusWord::WrongLe(0x10))));
}

#[test]
fn fault_reset_resets_before_executing_the_command() {
    let faults = vec![Fault { at: 4, kind: FaultKind::Reset }];
    let mut c = card(Profile { faults, ..Profile::default() });
    tx(&mut c, SELECT_JPKI);
    tx(&mut c, &select_ef(jpki::EF_SIGN_PIN));
    assert_eq!(tx(&mut c, &verify(SIGN_PIN)), "9000");
    // Reset, then executed: no application and no EF is current, so the READ is refused.
    assert_eq!(tx(&mut c, "00B0000004"), "6986");
    assert_eq!(c.history()[3].fault, Some(FaultKind::Reset));
    assert_eq!(c.history()[3].sw, Some(StatusWord::CommandNotAllowed));
    // The verification is parked, in force again when JPKI is selected (a warm reset keeps
    // the security state).
    assert_eq!(c.verified_pins(), vec![(AID_JPKI.to_vec(), jpki::EF_SIGN_PIN)]);
    tx(&mut c, SELECT_JPKI);
    tx(&mut c, &select_ef(jpki::EF_SIGN_CERT));
    assert_eq!(tx_data(&mut c, "00B0000002").1, "9000");
    // Selecting the ISD clears it.
    tx(&mut c, SELECT_ISD);
    assert!(c.verified_pins().is_empty());
    // A reset before a SELECT of the application changes nothing visible.
    let faults = vec![Fault { at: 1, kind: FaultKind::Reset }];
    let mut c = card(Profile { faults, ..Profile::default() });
    assert_eq!(tx(&mut c, SELECT_JPKI), "9000");
    assert_eq!(c.history()[0].fault, Some(FaultKind::Reset));
}

#[test]
fn verified_pins_follow_the_security_state() {
    let mut c = card(Profile::default());
    tx(&mut c, SELECT_JPKI);
    tx(&mut c, &select_ef(jpki::EF_AUTH_PIN));
    tx(&mut c, &verify(AUTH_PIN));
    tx(&mut c, &select_ef(jpki::EF_SIGN_PIN));
    tx(&mut c, &verify(SIGN_PIN));
    let both = vec![(AID_JPKI.to_vec(), jpki::EF_AUTH_PIN), (AID_JPKI.to_vec(), jpki::EF_SIGN_PIN)];
    assert_eq!(c.verified_pins(), both);
    c.reset();
    assert_eq!(c.verified_pins(), both, "parked by a warm reset");
    tx(&mut c, SELECT_TEXT);
    assert!(c.verified_pins().is_empty());
    tx(&mut c, &select_ef(text::EF_PIN));
    tx(&mut c, &verify(TEXT_PIN));
    assert_eq!(c.verified_pins(), vec![(AID_TEXT.to_vec(), text::EF_PIN)]);
    c.power_off();
    c.power_on();
    assert!(c.verified_pins().is_empty());
}

#[test]
fn every_fault_kind_has_its_name() {
    let names: Vec<_> = FaultKind::ALL.iter().map(|k| k.name()).collect();
    assert_eq!(
        names,
        [
            "remove",
            "mute",
            "garbage",
            "truncate",
            "no-precise-diagnosis",
            "more-data",
            "wrong-le",
            "reset"
        ]
    );
}

// ---------------------------------------------------------------- latency and presets

#[test]
fn latencies_are_applied() {
    let apdu = Duration::from_millis(30);
    let sig = Duration::from_millis(60);
    let mut c = card(Profile { apdu_latency: apdu, signature_latency: sig, ..Profile::default() });
    let t = Instant::now();
    tx(&mut c, SELECT_JPKI);
    assert!(t.elapsed() >= apdu);
    tx(&mut c, &select_ef(jpki::EF_AUTH_PIN));
    tx(&mut c, &verify(AUTH_PIN));
    tx(&mut c, &select_ef(jpki::EF_AUTH_KEY));
    let (_, di) = sha256_digest_info(b"slow");
    let t = Instant::now();
    assert_eq!(tx_data(&mut c, &sign_apdu(&di)).1, "9000");
    assert!(t.elapsed() >= apdu + sig);
}

#[test]
fn presets() {
    let contact = Profile::contact();
    assert!(contact.extended_length);
    assert_eq!(contact.apdu_latency, Duration::from_millis(5));
    assert_eq!(contact.signature_latency, Duration::from_millis(250));
    let contactless = Profile::contactless();
    assert!(!contactless.extended_length);
    assert_eq!(contactless.apdu_latency, Duration::from_millis(20));
    assert_eq!(contactless.signature_latency, Duration::from_millis(400));
    let none = Profile::default();
    assert_eq!(none.apdu_latency, Duration::ZERO);
    assert!(
        !none.extended_length
            && !none.chain_responses
            && !none.wrong_le_6c
            && none.faults.is_empty()
    );
    // A contactless card takes at least 20 ms per APDU.
    let mut c = card(contactless);
    let t = Instant::now();
    tx(&mut c, SELECT_JPKI);
    assert!(t.elapsed() >= Duration::from_millis(20));
}

// ---------------------------------------------------------------- counters and history

#[test]
fn counters_and_redacted_history() {
    let mut c = card(Profile::default());
    tx(&mut c, SELECT_JPKI);
    tx(&mut c, &select_ef(jpki::EF_SIGN_PIN));
    tx(&mut c, "00200080");
    tx(&mut c, &verify(b"WRONG1"));
    tx(&mut c, &verify(SIGN_PIN));
    tx(&mut c, &format!("0024018006{}", hex::encode_upper(b"NEW123")));
    tx(&mut c, &select_ef(jpki::EF_SIGN_CERT));
    tx(&mut c, "00B0000004");
    tx(&mut c, "00CA000000");
    let n = c.counts();
    assert_eq!(n.select_application, 1);
    assert_eq!(n.select_file, 2);
    assert_eq!(n.verify_status, 1);
    assert_eq!(n.verify_with_data, 2);
    assert_eq!(n.change_reference_data, 1);
    assert_eq!(n.read_binary, 1);
    assert_eq!(n.read_binary_bytes, 4);
    assert_eq!(n.other, 1);
    assert_eq!(c.command_count(), 9);

    let lines: Vec<String> = c
        .history()
        .iter()
        .map(|h| format!("{} {}", h.command, h.sw.map(|s| s.to_string()).unwrap_or_default()))
        .collect();
    assert_eq!(lines[2], "00200080 63 C5 (5 tries left)");
    assert_eq!(c.history()[3].command, "00200080 **");
    assert_eq!(c.history()[4].command, "00200080 **");
    assert_eq!(c.history()[5].command, "00240180 **");
    assert_eq!(c.history()[7].command, "00B0000004");
    assert_eq!(c.history()[7].number, 8);
    for secret in [&b"WRONG1"[..], SIGN_PIN, b"NEW123"] {
        let hex_secret = hex::encode_upper(secret);
        for line in &lines {
            assert!(!line.contains(&hex_secret), "{line}");
        }
        let dbg = format!("{c:?}");
        assert!(
            !dbg.contains(&hex_secret) && !dbg.contains(std::str::from_utf8(secret).unwrap_or("")),
            "{dbg}"
        );
    }

    // A warm reset keeps counting; a power cycle starts again; the history stays.
    c.reset();
    tx(&mut c, SELECT_JPKI);
    assert_eq!(c.command_count(), 10);
    c.power_off();
    c.power_on();
    assert_eq!(c.command_count(), 0);
    assert_eq!(*c.counts(), Default::default());
    tx(&mut c, SELECT_JPKI);
    assert_eq!(c.history().len(), 11);
    assert_eq!(c.history()[10].number, 1);
    c.clear_history();
    assert!(c.history().is_empty());
}

// ---------------------------------------------------------------- robustness

fn apdu_strategy() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..300),
        // Plausible headers with random bodies, to get past the CLA/INS checks.
        (
            prop_oneof![Just(0x00u8), Just(0x80u8), any::<u8>()],
            prop_oneof![
                Just(0xA4u8),
                Just(0xB0),
                Just(0x20),
                Just(0x24),
                Just(0x2A),
                Just(0x84),
                Just(0xC0),
                any::<u8>()
            ],
            any::<u8>(),
            any::<u8>(),
            proptest::collection::vec(any::<u8>(), 0..300),
        )
            .prop_map(|(cla, ins, p1, p2, body)| {
                let mut v = vec![cla, ins, p1, p2];
                v.extend(body);
                v
            }),
        // Well-formed SELECTs of the card's own files, to reach deep states.
        prop_oneof![
            Just(bytes(SELECT_JPKI)),
            Just(bytes(&select_ef(jpki::EF_AUTH_CERT))),
            Just(bytes(&select_ef(jpki::EF_AUTH_PIN))),
            Just(bytes(&select_ef(jpki::EF_AUTH_KEY))),
            Just(bytes(&verify(AUTH_PIN))),
            Just(bytes("00B0000000")),
        ],
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn process_never_panics_and_always_answers(
        apdus in proptest::collection::vec(apdu_strategy(), 1..12),
        extended in any::<bool>(),
        chain in any::<bool>(),
        six_c in any::<bool>(),
    ) {
        let profile = Profile { extended_length: extended, chain_responses: chain, wrong_le_6c: six_c, ..Profile::default() };
        let mut c = card(profile);
        for apdu in &apdus {
            match c.process(apdu) {
                Reply::Bytes(b) => prop_assert!(b.len() >= 2, "{} -> {}", hex::encode_upper(apdu), hex::encode_upper(&b)),
                other => prop_assert!(false, "{} -> {:?}", hex::encode_upper(apdu), other),
            }
        }
    }
}

// ---------------------------------------------------------------- transport

#[test]
fn transport_transmits_and_reports() {
    let mut t = VirtualTransport::new(card(Profile::contact()));
    assert_eq!(hex::encode_upper(t.transmit(&bytes(SELECT_JPKI)).expect("select")), "9000");
    let info = t.info();
    assert_eq!(info.name, "sim");
    assert_eq!(info.atr, SIM_ATR.to_vec());
    assert_eq!(info.extended_length, Some(true));
    let t2 = VirtualTransport::new(card(Profile::default()));
    assert_eq!(t2.info().extended_length, Some(false));
}

#[test]
/// A warm reset keeps a verification: re-selecting the application finds it again; only
/// power-off clears it (docs/card-facts.md §1, measured on real cards by [C]).
fn transport_reset_keeps_and_power_off_clears_security_state() {
    let mut t = VirtualTransport::new(card(Profile::default()));
    for apdu in [
        SELECT_JPKI,
        &select_ef(jpki::EF_SIGN_PIN),
        &verify(SIGN_PIN),
        &select_ef(jpki::EF_SIGN_CERT),
    ] {
        assert_eq!(t.transmit(&bytes(apdu)).expect("ok"), vec![0x90, 0x00]);
    }
    assert_eq!(t.transmit(&bytes("00B0000002")).expect("read"), vec![0x30, 0x82, 0x90, 0x00]);
    t.reset().expect("reset");
    t.transmit(&bytes(SELECT_JPKI)).expect("select");
    t.transmit(&bytes(&select_ef(jpki::EF_SIGN_CERT))).expect("select ef");
    assert_eq!(t.transmit(&bytes("00B0000002")).expect("read"), vec![0x30, 0x82, 0x90, 0x00]);
    t.disconnect(Disposition::Unpower).expect("unpower");
    let mut t = t.card().transport();
    t.transmit(&bytes(SELECT_JPKI)).expect("select");
    t.transmit(&bytes(&select_ef(jpki::EF_SIGN_CERT))).expect("select ef");
    assert_eq!(t.transmit(&bytes("00B0000002")).expect("read"), vec![0x69, 0x82]);
}

#[test]
fn transport_maps_mute_and_removed() {
    let faults =
        vec![Fault { at: 1, kind: FaultKind::Mute }, Fault { at: 2, kind: FaultKind::Remove }];
    let mut t = VirtualTransport::new(card(Profile { faults, ..Profile::default() }));
    assert!(matches!(t.transmit(&bytes(SELECT_JPKI)), Err(TransportError::Mute)));
    assert!(matches!(t.transmit(&bytes(SELECT_JPKI)), Err(TransportError::CardRemoved)));
    assert!(matches!(t.transmit(&bytes(SELECT_JPKI)), Err(TransportError::CardRemoved)));
    t.card().with_card(|c| c.power_on()).expect("card");
    assert_eq!(t.transmit(&bytes(SELECT_JPKI)).expect("back"), vec![0x90, 0x00]);
}

#[test]
fn exclusive_transaction_between_two_transports() {
    let shared = SharedCard::new(card(Profile::default()));
    let mut a = shared.transport();
    let mut b = shared.transport();
    {
        let mut guard = a.exclusive().expect("a takes the card");
        assert_eq!(guard.transmit(&bytes(SELECT_JPKI)).expect("inside"), vec![0x90, 0x00]);
        assert!(matches!(b.transmit(&bytes(SELECT_JPKI)), Err(TransportError::CardInUse)));
        assert!(matches!(b.exclusive().map(|_| ()), Err(TransportError::CardInUse)));
        assert!(matches!(b.reset(), Err(TransportError::CardInUse)));
        {
            // Nested transactions of the holder are fine and do not release early.
            let mut inner = guard.exclusive().expect("nested");
            inner.transmit(&bytes(&select_ef(jpki::EF_AUTH_PIN))).expect("nested transmit");
        }
        assert!(matches!(b.transmit(&bytes(SELECT_JPKI)), Err(TransportError::CardInUse)));
        assert_eq!(
            hex::encode_upper(guard.transmit(&bytes("00200080")).expect("still held")),
            "63C3"
        );
        guard.reset().expect("holder may reset");
        assert_eq!(guard.info().name, "sim");
    }
    // Released on drop.
    assert_eq!(b.transmit(&bytes(SELECT_JPKI)).expect("free again"), vec![0x90, 0x00]);
    let _g = b.exclusive().expect("b takes it");
    assert!(matches!(a.transmit(&bytes(SELECT_JPKI)), Err(TransportError::CardInUse)));
    // Direct access (tests, the vpcd bridge) sees one card.
    assert_eq!(shared.with_card(|c| c.command_count()).expect("card"), 4);
}

#[test]
fn transport_on_another_thread_waits_for_the_card() {
    let shared = SharedCard::new(card(Profile {
        apdu_latency: Duration::from_millis(5),
        ..Profile::default()
    }));
    let handles: Vec<_> = (0..2)
        .map(|_| {
            let mut t = shared.transport();
            std::thread::spawn(move || {
                for _ in 0..10 {
                    assert_eq!(t.transmit(&bytes(SELECT_JPKI)).expect("select"), vec![0x90, 0x00]);
                }
            })
        })
        .collect();
    for h in handles {
        h.join().expect("thread");
    }
    assert_eq!(shared.with_card(|c| c.counts().select_application).expect("card"), 20);
}

#[test]
fn poisoned_card_is_an_error_not_a_panic() {
    let shared = SharedCard::new(card(Profile::default()));
    let mut t = shared.transport();
    let other = shared.clone();
    let crashed = std::thread::spawn(move || {
        let _ = other.with_card(|_| panic!("a test thread dies holding the card"));
    })
    .join();
    assert!(crashed.is_err());
    assert!(matches!(t.transmit(&bytes(SELECT_JPKI)), Err(TransportError::ReaderGone { .. })));
    assert!(matches!(t.exclusive().map(|_| ()), Err(TransportError::ReaderGone { .. })));
    assert!(matches!(t.reset(), Err(TransportError::ReaderGone { .. })));
    assert!(matches!(shared.with_card(|_| ()), Err(TransportError::ReaderGone { .. })));
    assert_eq!(t.info().name, "sim");
}
