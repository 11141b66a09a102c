//! The whole card in the default image, on the wire: the text, card-face and common
//! applications, their PIN objects and access rules, the MF's GET DATA objects, the card-key
//! challenge, and the J-LIS-style signatures checked with the `rsa` crate directly against
//! the CVC CA keys of `sim-image/default/pki/` (not through the client's verifier).

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use mynacard::carddata::records::code_b;
use mynacard::facts::{self, mf_data, text, text_more, visual, DIGEST_INFO_SHA256};
use mynacard::sim::card::{BlockedStatus, Profile, Reply, VirtualCard};
use mynacard::sim::cardapps::{whole_card_image, Token};
use mynacard::sim::cvc::CvcPki;
use mynacard::sim::image::{Access, CardImage, ImageError};
use mynacard::sim::pki::{Holder, SimPki, DEFAULT_SEED};
use mynacard::tlv;
use rsa::pkcs8::DecodePublicKey;
use rsa::{BigUint, Pkcs1v15Sign, RsaPublicKey};
use sha2::{Digest, Sha256};

const SELECT_JPKI: &str = "00A4040C0AD392F000260100000001";
const SELECT_TEXT: &str = "00A4040C0AD3921000310001010408";
const SELECT_VISUAL: &str = "00A4040C0AD3921000310001010402";
const SELECT_COMMON: &str = "00A4040C0AD3921000310001010100";
const TEXT_PIN: &[u8] = b"1234";
/// The default holder's My Number (照合番号A).
const CODE_A: &[u8] = b"123456789018";
/// 照合番号B of the default holder: born 1990-05-15 (平成2年 → 020515), card expiry 2035,
/// security code 7251.
const CODE_B: &[u8] = b"02051520357251";
const BIRTH_KEY: &[u8] = b"020515";

fn card() -> VirtualCard {
    VirtualCard::new(CardImage::default_image(), Profile::default())
}

fn bytes(hex_str: &str) -> Vec<u8> {
    hex::decode(hex_str.replace(' ', "")).expect("test hex")
}

fn tx(card: &mut VirtualCard, hex_str: &str) -> String {
    match card.process(&bytes(hex_str)) {
        Reply::Bytes(b) => hex::encode_upper(b),
        other => panic!("{hex_str}: {other:?}"),
    }
}

fn tx_data(card: &mut VirtualCard, hex_str: &str) -> (Vec<u8>, String) {
    match card.process(&bytes(hex_str)) {
        Reply::Bytes(b) if b.len() >= 2 => {
            let (data, sw) = b.split_at(b.len() - 2);
            (data.to_vec(), hex::encode_upper(sw))
        }
        other => panic!("{hex_str}: {other:?}"),
    }
}

fn select_ef(fid: u16) -> String {
    format!("00A4020C02{fid:04X}")
}

fn verify(code: &[u8]) -> String {
    format!("00200080{:02X}{}", code.len(), hex::encode_upper(code))
}

/// Select `fid` and read it whole with short READ BINARYs: Ok(bytes) or Err(status word of
/// the first refused READ BINARY).
fn read(card: &mut VirtualCard, fid: u16) -> Result<Vec<u8>, String> {
    assert_eq!(tx(card, &select_ef(fid)), "9000", "select {fid:04X}");
    let mut out = Vec::new();
    loop {
        let (data, sw) = tx_data(card, &format!("00B0{:04X}00", out.len()));
        match sw.as_str() {
            "9000" => out.extend_from_slice(&data),
            "6282" => {
                out.extend_from_slice(&data);
                return Ok(out);
            }
            // Offset at the end of a file whose length is a multiple of 256.
            "6B00" if !out.is_empty() => return Ok(out),
            _ => {
                assert!(data.is_empty());
                return Err(sw);
            }
        }
    }
}

fn file(image: &CardImage, aid: &[u8], fid: u16) -> Vec<u8> {
    image.app(aid).unwrap().files[&fid].data.clone()
}

fn committed_pki() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sim-image/default/pki")
}

fn ca_key(stem: &str) -> RsaPublicKey {
    let pem = std::fs::read_to_string(committed_pki().join(format!("{stem}.pem"))).unwrap();
    RsaPublicKey::from_public_key_pem(&pem).unwrap()
}

/// A key record `90 03 e 91 82 0100 n` as an RSA key, read by hand.
fn record_key(rec: &[u8]) -> RsaPublicKey {
    assert_eq!(rec.len(), 265);
    assert_eq!(&rec[..5], [0x90, 0x03, 0x01, 0x00, 0x01]);
    assert_eq!(&rec[5..9], [0x91, 0x82, 0x01, 0x00]);
    RsaPublicKey::new(BigUint::from_bytes_be(&rec[9..]), BigUint::from(65_537u32)).unwrap()
}

fn verify_sha256(key: &RsaPublicKey, message: &[u8], sig: &[u8]) {
    key.verify(Pkcs1v15Sign::new::<Sha256>(), &Sha256::digest(message), sig).unwrap();
}

/// Check a CVC's 563 content bytes (568 with the `7F21` header) by hand: header bytes, issuer ID, signature by `ca` over the
/// 297-byte body. Returns (subject ID, certified key).
fn check_cvc(cvc_contents: &[u8], issuer_id: &str, ca: &RsaPublicKey) -> (Vec<u8>, RsaPublicKey) {
    assert_eq!(cvc_contents.len(), 563);
    assert_eq!(&cvc_contents[..5], [0x5F, 0x4E, 0x82, 0x01, 0x29]);
    let body = &cvc_contents[5..302];
    assert_eq!(&cvc_contents[302..307], [0x5F, 0x37, 0x82, 0x01, 0x00]);
    let sig = &cvc_contents[307..];
    assert_eq!(hex::encode_upper(&body[..16]), issuer_id);
    verify_sha256(ca, body, sig);
    // The signature block is PKCS#1 v1.5 (00 01 FF…), not message recovery.
    let (subject, key) = (body[16..32].to_vec(), record_key(&body[32..]));
    (subject, key)
}

/// (what, credential (PIN FID, value) to verify first, files it opens).
type Case<'a> = (&'a str, Option<(u16, &'a [u8])>, &'a [u16]);

const TEXT_CA_ID: &str = "39303030303333080530303100000000";
const VISUAL_CA_ID: &str = "39303030303233080530303100000000";
const ROOT_ID: &str = "393030303032300805303031000000A8";

#[test]
fn select_every_application() {
    let mut c = card();
    for s in [SELECT_TEXT, SELECT_VISUAL, SELECT_COMMON, SELECT_JPKI] {
        assert_eq!(tx(&mut c, s), "9000", "{s}");
    }
    // An AID next to them stays unknown.
    assert_eq!(tx(&mut c, "00A4040C0AD3921000310001010403"), "6A82");
}

/// What each credential of the text application opens (docs/card-facts.md §2; the image format in
/// docs/card-image.md): 0001 PIN or A; 0002 PIN or B; 0003, 0006, 0007 any; others free.
#[test]
fn text_application_access_rules() {
    let image = CardImage::default_image();
    let free = [0x0004u16, 0x0005, 0x0008];
    let cases: [Case; 4] = [
        ("nothing", None, &[]),
        ("PIN", Some((text::EF_PIN, TEXT_PIN)), &[1, 2, 3, 6, 7]),
        ("A", Some((text_more::EF_CODE_A, CODE_A)), &[1, 3, 6, 7]),
        ("B", Some((text_more::EF_CODE_B, CODE_B)), &[2, 3, 6, 7]),
    ];
    for (what, cred, opens) in cases {
        let mut c = card();
        assert_eq!(tx(&mut c, SELECT_TEXT), "9000");
        if let Some((fid, code)) = cred {
            assert_eq!(tx(&mut c, &select_ef(fid)), "9000");
            assert_eq!(tx(&mut c, &verify(code)), "9000", "{what}");
        }
        for fid in 1..=8u16 {
            let got = read(&mut c, fid);
            if free.contains(&fid) || opens.contains(&fid) {
                assert_eq!(got.as_deref(), Ok(&file(&image, &facts::AID_TEXT, fid)[..]));
            } else {
                assert_eq!(got, Err("6982".to_string()), "{what}: EF {fid:04X}");
            }
        }
    }
}

#[test]
fn text_application_contents_on_the_wire() {
    let mut c = card();
    assert_eq!(tx(&mut c, SELECT_TEXT), "9000");
    assert_eq!(tx(&mut c, &select_ef(text_more::EF_CODE_A)), "9000");
    assert_eq!(tx(&mut c, &verify(CODE_A)), "9000");
    assert_eq!(tx(&mut c, &select_ef(1)), "9000");
    assert_eq!(tx(&mut c, "00B0000011"), "FF100C313233343536373839303138FFFF9000");
    // EF 0008: 16 × FF.
    assert_eq!(tx(&mut c, &select_ef(8)), "9000");
    assert_eq!(tx(&mut c, "00B0000010"), format!("{}9000", "FF".repeat(16)));
    // EF 0005 basic data: FF40 { DF41 01 03 0E 01; DF42 9000034/001; DF43 32×00 96×FF }.
    assert_eq!(tx(&mut c, &select_ef(5)), "9000");
    let (data, sw) = tx_data(&mut c, "00B0000000");
    assert_eq!(sw, "6282");
    assert_eq!(
        hex::encode_upper(&data[..30]),
        "FF40819EDF410401030E01DF421039303030303334080530303100000000"
    );
    assert_eq!(&data[30..34], [0xDF, 0x43, 0x81, 0x80]);
    assert_eq!(data[34..66], [0; 32]);
    assert_eq!(data[66..], [0xFF; 96]);
}

#[test]
fn text_pin_objects() {
    let mut c = card();
    assert_eq!(tx(&mut c, SELECT_TEXT), "9000");
    // Counters without spending a try.
    for (fid, sw) in [(0x0011u16, "63C3"), (0x0012, "63C0"), (0x0014, "63CA"), (0x0015, "63CA")] {
        assert_eq!(tx(&mut c, &select_ef(fid)), "9000");
        assert_eq!(tx(&mut c, "00200080"), sw, "{fid:04X}");
    }
    // 0012 is blocked as issued: any value refused, nothing spent, nothing opened.
    assert_eq!(tx(&mut c, &select_ef(0x0012)), "9000");
    assert_eq!(tx(&mut c, &verify(b"00000000")), "63C0");
    assert_eq!(tx(&mut c, &verify(TEXT_PIN)), "63C0");
    assert_eq!(c.image().app(&facts::AID_TEXT).unwrap().pins[&0x0012].tries_left, 0);
    assert_eq!(read(&mut c, 3), Err("6982".to_string()));
    // 0013 is the card key, not a PIN.
    assert_eq!(tx(&mut c, &select_ef(0x0013)), "9000");
    assert_eq!(tx(&mut c, "00200080"), "6986");
    // A wrong 照合番号A decrements.
    assert_eq!(tx(&mut c, &select_ef(0x0014)), "9000");
    assert_eq!(tx(&mut c, &verify(b"123456789017")), "63C9");
    assert_eq!(tx(&mut c, "00200080"), "63C9");
    assert_eq!(read(&mut c, 1), Err("6982".to_string()));
    // The right one resets the counter.
    assert_eq!(tx(&mut c, &select_ef(0x0014)), "9000");
    assert_eq!(tx(&mut c, &verify(CODE_A)), "9000");
    assert_eq!(tx(&mut c, "00200080"), "63CA");
}

#[test]
fn blocked_status_option_applies_to_the_new_pin_objects() {
    let mut c = VirtualCard::new(
        CardImage::default_image(),
        Profile { blocked_status: BlockedStatus::ReferenceDataNotUsable, ..Profile::default() },
    );
    assert_eq!(tx(&mut c, SELECT_TEXT), "9000");
    assert_eq!(tx(&mut c, &select_ef(0x0012)), "9000");
    assert_eq!(tx(&mut c, "00200080"), "6984");
    assert_eq!(tx(&mut c, &verify(b"00000000")), "6984");
}

/// 照合番号B of the card-face application allows 10 tries; once blocked, even the right
/// value is refused and spends nothing.
#[test]
fn visual_code_b_ten_tries_then_blocked() {
    let mut c = card();
    assert_eq!(tx(&mut c, SELECT_VISUAL), "9000");
    assert_eq!(tx(&mut c, &select_ef(visual::EF_CODE_B)), "9000");
    assert_eq!(tx(&mut c, "00200080"), "63CA");
    for left in (0..10).rev() {
        assert_eq!(tx(&mut c, &verify(b"02051520350000")), format!("63C{left:X}"));
    }
    assert_eq!(tx(&mut c, &verify(CODE_B)), "63C0");
    assert_eq!(tx(&mut c, "00200080"), "63C0");
    assert_eq!(c.image().app(&facts::AID_VISUAL).unwrap().pins[&visual::EF_CODE_B].tries_left, 0);
    assert_eq!(read(&mut c, visual::EF_FACE), Err("6982".to_string()));
}

#[test]
fn visual_application_access_rules() {
    let image = CardImage::default_image();
    let cases: [Case; 4] = [
        ("nothing", None, &[]),
        ("birth key", Some((visual::EF_BIRTH_KEY, BIRTH_KEY)), &[1]),
        ("A", Some((visual::EF_CODE_A, CODE_A)), &[2, 5, 6]),
        ("B", Some((visual::EF_CODE_B, CODE_B)), &[2, 6]),
    ];
    for (what, cred, opens) in cases {
        let mut c = card();
        assert_eq!(tx(&mut c, SELECT_VISUAL), "9000");
        if let Some((fid, code)) = cred {
            assert_eq!(tx(&mut c, &select_ef(fid)), "9000");
            assert_eq!(tx(&mut c, "00200080"), "63CA");
            assert_eq!(tx(&mut c, &verify(code)), "9000", "{what}");
        }
        for fid in 1..=6u16 {
            let got = read(&mut c, fid);
            if fid == 3 || fid == 4 || opens.contains(&fid) {
                assert_eq!(got.as_deref(), Ok(&file(&image, &facts::AID_VISUAL, fid)[..]));
            } else {
                assert_eq!(got, Err("6982".to_string()), "{what}: EF {fid:04X}");
            }
        }
    }
    // A wrong birth key decrements and opens nothing.
    let mut c = card();
    assert_eq!(tx(&mut c, SELECT_VISUAL), "9000");
    assert_eq!(tx(&mut c, &select_ef(visual::EF_BIRTH_KEY)), "9000");
    assert_eq!(tx(&mut c, &verify(b"020516")), "63C9");
    assert_eq!(read(&mut c, 1), Err("6982".to_string()));
}

#[test]
fn visual_contents_on_the_wire() {
    let mut c = card();
    assert_eq!(tx(&mut c, SELECT_VISUAL), "9000");
    // EF 0003: FF30 { DF31 06 03 0E 01; DF32 9000024/001; DF33 01; DF34 93221; DF35 272 }.
    assert_eq!(tx(&mut c, &select_ef(3)), "9000");
    assert_eq!(
        tx(&mut c, "00B0000031"),
        "FF3082013BDF310406030E01DF321039303030303234080530303100000000DF330101DF3405393332323\
         1DF35820110009000"
    );
    assert_eq!(tx(&mut c, &select_ef(visual::EF_BIRTH_KEY)), "9000");
    assert_eq!(tx(&mut c, &verify(BIRTH_KEY)), "9000");
    assert_eq!(tx(&mut c, &select_ef(1)), "9000");
    assert_eq!(tx(&mut c, "00B0000010"), "FF1082021EDF110831393930303531359000");
}

#[test]
fn common_application_and_get_challenge() {
    let mut c = card();
    assert_eq!(tx(&mut c, SELECT_COMMON), "9000");
    assert_eq!(tx(&mut c, &select_ef(facts::common::EF_CARD_INFO)), "9000");
    let expect = format!(
        "011C{}{}{}9000",
        hex::encode_upper("SIM000000000001"),
        hex::encode_upper("93221"),
        hex::encode_upper("20350515")
    );
    assert_eq!(tx(&mut c, "00B000001E"), expect);
    // READ RECORD 1 by short EF identifier 1 and of the current EF; the record is the TLV.
    assert_eq!(tx(&mut c, SELECT_COMMON), "9000");
    assert_eq!(tx(&mut c, "00B2010C00"), expect);
    assert_eq!(tx(&mut c, "00B2010400"), expect);
    assert_eq!(tx(&mut c, "00B2010C10"), "6C1E");
    assert_eq!(tx(&mut c, "00B2020C00"), "6A83");
    assert_eq!(tx(&mut c, "00B2000C00"), "6A86");
    assert_eq!(tx(&mut c, "00B2011400"), "6A82", "no EF 0002");
    assert_eq!(tx(&mut c, "00B2010C"), "6700");
    // Records follow the read rules: text EF 0001 (SFI 1) needs a credential.
    assert_eq!(tx(&mut c, SELECT_TEXT), "9000");
    assert_eq!(tx(&mut c, "00B2010C00"), "6982");
    // A file that is not a sequence of TLVs after its first record.
    assert_eq!(tx(&mut c, &select_ef(text_more::EF_CODE_A)), "9000");
    assert_eq!(tx(&mut c, &verify(CODE_A)), "9000");
    assert_eq!(tx(&mut c, "00B2010C00"), "FF100C3132333435363738393031389000");
    assert_eq!(tx(&mut c, "00B2020C00"), "6981");
    for le in [1usize, 8, 255] {
        let (data, sw) = tx_data(&mut c, &format!("00840000{le:02X}"));
        assert_eq!((data.len(), sw.as_str()), (le, "9000"));
    }
    let (data, sw) = tx_data(&mut c, "0084000000");
    assert_eq!((data.len(), sw.as_str()), (256, "9000"));
}

#[test]
fn mf_get_data_in_the_power_on_state() {
    let image = CardImage::default_image();
    let mut c = card();
    // Short Le: the 00F8 certificate does not fit: 67 00, then the extended retry.
    assert_eq!(tx(&mut c, "00CA00F800"), "6700");
    assert_eq!(tx(&mut c, "00CA00F8000000"), "6700", "extended length is off by default");
    let mut c = VirtualCard::new(image.clone(), Profile::contact());
    let mut c0 =
        VirtualCard::new(image.clone(), Profile { extended_length: true, ..Profile::default() });
    assert_eq!(tx(&mut c0, "00CA00F800"), "6700");
    let (f8, sw) = tx_data(&mut c0, "00CA00F8000000");
    assert_eq!(sw, "9000");
    assert_eq!(hex::encode_upper(&f8[..12]), "4D0A42105F20105F49820109");
    assert_eq!(f8.len(), 12 + 563);
    let (next, sw) = tx_data(&mut c0, "00CA7F21000000");
    assert_eq!((next.len(), sw.as_str()), (563, "9000"));
    assert_eq!(
        tx(&mut c0, "00CA00F700"),
        "393030303032310805303031000000019000",
        "intermediate ID 9000021/001"
    );
    assert_eq!(tx(&mut c0, "00CA004500"), format!("{}9000", hex::encode_upper("SIM000000000001")));
    assert_eq!(tx(&mut c0, "00CA00F000"), format!("{}9000", hex::encode_upper("93221")));
    assert_eq!(tx(&mut c0, "00CA00F200"), format!("{}9000", hex::encode_upper("20350515")));
    // Too small an Le, an unknown object, data in the command.
    assert_eq!(tx(&mut c0, "00CA00F705"), "6700");
    assert_eq!(tx(&mut c0, "00CA006600"), "6A88");
    assert_eq!(tx(&mut c0, "00CA00F70100"), "6700");
    // Inside an application the MF objects are not answered.
    assert_eq!(tx(&mut c0, SELECT_JPKI), "9000");
    assert_eq!(tx(&mut c0, "00CA00F700"), "6985");
    // After a reset (no application selected) they are again.
    c0.reset();
    assert_eq!(tx(&mut c0, "00CA00F700"), "393030303032310805303031000000019000");
    // The contact profile allows extended length too.
    assert_eq!(tx_data(&mut c, "00CA00F8000000").1, "9000");
    assert_eq!(image.mf_data[&mf_data::DO_CVC_ROOT], f8);
}

fn challenge(c: &mut VirtualCard, nonce: &[u8]) -> (Vec<u8>, String) {
    let mut di = DIGEST_INFO_SHA256.to_vec();
    di.extend_from_slice(&Sha256::digest(nonce));
    tx_data(c, &format!("802A000033{}00", hex::encode_upper(&di)))
}

/// `80 2A 00 00` without any credential signs with the application's card key; the public
/// key is the one in text EF 0007 DF51 / card-face DF12.
#[test]
fn card_key_challenge_without_credential() {
    let image = CardImage::default_image();
    let nonce = b"host nonce 0123456789abcdef";
    let text_key = record_key(&file(&image, &facts::AID_TEXT, 7)[10..275]);
    let visual_key = record_key(&file(&image, &facts::AID_VISUAL, 1)[21..286]);
    for (select, key) in [(SELECT_TEXT, &text_key), (SELECT_VISUAL, &visual_key)] {
        let mut c = card();
        assert_eq!(tx(&mut c, select), "9000");
        let (sig, sw) = challenge(&mut c, nonce);
        assert_eq!((sig.len(), sw.as_str()), (256, "9000"));
        verify_sha256(key, nonce, &sig);
        // The other application's key does not verify it.
        let other = if std::ptr::eq(key, &text_key) { &visual_key } else { &text_key };
        assert!(other.verify(Pkcs1v15Sign::new::<Sha256>(), &Sha256::digest(nonce), &sig).is_err());
        // Short Le too small; no data.
        assert_eq!(tx(&mut c, "802A000001AA10"), "6700");
        assert_eq!(tx(&mut c, "802A000000"), "6A80");
    }
    // JPKI and the common application have no such key.
    let mut c = card();
    assert_eq!(tx(&mut c, SELECT_JPKI), "9000");
    assert_eq!(challenge(&mut c, nonce).1, "6A86");
    assert_eq!(tx(&mut c, SELECT_COMMON), "9000");
    assert_eq!(challenge(&mut c, nonce).1, "6A86");
    // Nor does the card with nothing selected.
    assert_eq!(challenge(&mut card(), nonce).1, "6A86");
}

/// Every signature of the default image, checked by hand with the `rsa` crate against the
/// CA keys in `sim-image/default/pki/`: the certificates, then the data with the certified
/// municipality keys.
#[test]
fn signatures_verify_against_the_committed_ca_keys() {
    let image = CardImage::default_image();
    let t = |fid| file(&image, &facts::AID_TEXT, fid);
    let v = |fid| file(&image, &facts::AID_VISUAL, fid);

    // Text: EF 0004 certifies 9322101/000; it signs EF 0003 and EF 0007.
    let cvc = t(4);
    assert_eq!(cvc.len(), 568);
    assert_eq!(&cvc[..5], [0x7F, 0x21, 0x82, 0x02, 0x33]);
    let (subject, text_signer) = check_cvc(&cvc[5..], TEXT_CA_ID, &ca_key("cvc-ca-9000033"));
    assert_eq!(hex::encode_upper(subject), "39333232313031080530303000000000");
    let integrity = t(3);
    assert_eq!(integrity.len(), 336);
    assert_eq!(&integrity[..5], [0xFF, 0x30, 0x82, 0x01, 0x4B]);
    // DF31 = SHA-256 of the 17-byte EF 0001, DF32 = SHA-256 of EF 0002 after its DF21.
    assert_eq!(&integrity[5..8], [0xDF, 0x31, 0x20]);
    assert_eq!(integrity[8..40], Sha256::digest(t(1))[..]);
    let attrs = t(2);
    let (df21, rest) = tlv::next(tlv::first(&attrs).unwrap().value).unwrap();
    assert_eq!((df21.tag, df21.value.len()), (0xDF21, 8));
    assert_eq!(&integrity[40..43], [0xDF, 0x32, 0x20]);
    assert_eq!(integrity[43..75], Sha256::digest(rest)[..]);
    assert_eq!(&integrity[75..80], [0xDF, 0x33, 0x82, 0x01, 0x00]);
    verify_sha256(&text_signer, &integrity[5..75], &integrity[80..]);
    let card_key = t(7);
    assert_eq!(&card_key[5..10], [0xDF, 0x51, 0x82, 0x01, 0x09]);
    assert_eq!(&card_key[275..280], [0xDF, 0x52, 0x82, 0x01, 0x00]);
    verify_sha256(&text_signer, &card_key[5..275], &card_key[280..]);
    // A flipped bit anywhere in the signed part fails.
    let mut bad = integrity[5..75].to_vec();
    bad[40] ^= 1;
    assert!(text_signer
        .verify(Pkcs1v15Sign::new::<Sha256>(), &Sha256::digest(&bad), &integrity[80..])
        .is_err());

    // Card face: EF 0004 certifies 9322100/000; it signs EF 0001, 0002 and 0005.
    let (subject, face_signer) = check_cvc(&v(4)[5..], VISUAL_CA_ID, &ca_key("cvc-ca-9000023"));
    assert_eq!(hex::encode_upper(subject), "39333232313030080530303000000000");
    let birth = v(1);
    // FF10 82 021E { DF11 08 …; DF12 82 0109 …; DF13 82 0100 … }
    assert_eq!(&birth[..5], [0xFF, 0x10, 0x82, 0x02, 0x1E]);
    assert_eq!(&birth[286..291], [0xDF, 0x13, 0x82, 0x01, 0x00]);
    verify_sha256(&face_signer, &birth[5..286], &birth[291..]);
    let face = v(2);
    let outer = tlv::first(&face).unwrap();
    let fields: Vec<_> = tlv::children(outer.value).map(Result::unwrap).collect();
    let tags: Vec<u32> = fields.iter().map(|f| f.tag).collect();
    assert_eq!(tags, (0xDF21..=0xDF2A).collect::<Vec<_>>());
    let raw = |tag: u32| fields.iter().find(|f| f.tag == tag).unwrap().raw;
    let g1 = Sha256::digest([raw(0xDF22), raw(0xDF23), raw(0xDF24)].concat());
    let g2 = Sha256::digest([raw(0xDF25), raw(0xDF26)].concat());
    let g3 = Sha256::digest(raw(0xDF27));
    let mut di = bytes("3071300D060960864801650304020105000460");
    di.extend_from_slice(&[g1, g2, g3].concat());
    assert_eq!(di.len(), 115);
    let sig = fields[7].value;
    face_signer.verify(Pkcs1v15Sign::new_unprefixed(), &di, sig).unwrap();
    // The photo is the JP2 asset, the images PNGs; DF12 = DF24 = DF42.
    assert_eq!(&fields[6].value[..12], bytes("0000000C6A5020200D0A870A"));
    for tag in [0xDF25, 0xDF26, 0xDF2A] {
        assert_eq!(&fields.iter().find(|f| f.tag == tag).unwrap().value[..4], b"\x89PNG");
    }
    assert_eq!(fields[3].value, &birth[21..286]);
    let number = v(5);
    let nf: Vec<_> =
        tlv::children(tlv::first(&number).unwrap().value).map(Result::unwrap).collect();
    assert_eq!(nf[1].value, fields[3].value);
    verify_sha256(&face_signer, &[nf[0].raw, nf[1].raw].concat(), nf[2].value);

    // MF: 00F8 by the root 9000020/001, 7F21 by the key 00F8 certifies.
    let f8 = &image.mf_data[&mf_data::DO_CVC_ROOT];
    let (inter_id, inter_key) = check_cvc(&f8[12..], ROOT_ID, &ca_key("cvc-ca-9000020"));
    assert_eq!(inter_id, image.mf_data[&mf_data::DO_INTERMEDIATE_ID]);
    let (next_id, _) =
        check_cvc(&image.mf_data[&mf_data::DO_CVC_NEXT], &hex::encode_upper(&inter_id), &inter_key);
    assert_eq!(hex::encode_upper(next_id), "39303030303232080530303100000002");
}

/// `Debug` of the image shows no personal data: not the My Number (as text or as the byte
/// list of a file), not the card serial of the MF data, not the codes.
#[test]
fn debug_output_shows_no_personal_data() {
    let debug = format!("{:?}", CardImage::default_image());
    for secret in ["123456789018", "49, 50, 51, 52, 53, 54", "SIM000000000001", "02051520357251"] {
        assert!(!debug.contains(secret), "{secret} in {debug}");
    }
    assert!(debug.contains("len: 17"), "{debug}");
    assert!(debug.contains("00F8"), "{debug}");
}

#[test]
fn codes_are_composed_from_the_holder() {
    let h = Holder::default();
    assert_eq!(h.my_number.as_bytes(), CODE_A);
    assert_eq!(code_b(&h.birth_yyyymmdd(), "2035", &h.security_code).unwrap().as_bytes(), CODE_B);
    let image = CardImage::default_image();
    let pins = &image.app(&facts::AID_VISUAL).unwrap().pins;
    assert_eq!(&pins[&visual::EF_BIRTH_KEY].value[..], BIRTH_KEY);
    assert_eq!(pins[&visual::EF_CODE_B].max_tries, 10);
}

fn load_json(json: &str) -> Result<CardImage, ImageError> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("card.json"), json).unwrap();
    CardImage::load(dir.path())
}

const OLD_FORMAT: &str = r#"{
  "format": "mynacard-card-image", "version": 1, "atr": "3BE000FF8131FE4514",
  "apps": [ { "name": "text", "aid": "D3921000310001010408",
    "files": [ { "fid": "0001", "read": "pin:0011", "hex": "FF100C313233343536373839303138" } ],
    "pins": [ { "fid": "0011", "value": "1234", "tries_left": 3, "max_tries": 3 } ] } ]
}"#;

#[test]
fn image_format_any_of_several_pins() {
    // An image of the format before this change still loads, with the same meaning.
    let old = load_json(OLD_FORMAT).unwrap();
    assert_eq!(old.apps[0].files[&1].read, Access::Pin(0x0011));
    assert!(old.mf_data.is_empty());
    assert_eq!(old.apps[0].challenge_key, None);
    let new = load_json(&OLD_FORMAT.replace("pin:0011\"", "pin:0011|0014|0015\"")).unwrap();
    assert_eq!(new.apps[0].files[&1].read, Access::AnyPin(vec![0x0011, 0x0014, 0x0015]));
    // Saved and loaded again, the rule and the new fields survive.
    let dir = tempfile::tempdir().unwrap();
    CardImage::default_image().save(dir.path()).unwrap();
    let json = std::fs::read_to_string(dir.path().join("card.json")).unwrap();
    assert!(json.contains(r#""read": "pin:0011|0014|0015""#));
    let back = CardImage::load(dir.path()).unwrap();
    assert_eq!(back.mf_data, CardImage::default_image().mf_data);
    assert_eq!(back.apps[1].challenge_key, Some(0x0013));
    // Refusals.
    let e = load_json(&OLD_FORMAT.replace("pin:0011\"", "pin:0011|0011\"")).unwrap_err();
    assert!(
        matches!(e, ImageError::Duplicate { ref field, .. } if field == "apps[0].files[0].read"),
        "{e}"
    );
    let e = load_json(&OLD_FORMAT.replace("pin:0011\"", "pin:0011|\"")).unwrap_err();
    assert!(matches!(e, ImageError::BadFid { len: 0, .. }), "{e}");
    let e = load_json(&OLD_FORMAT.replace("pin:0011\"", "pin:0011|00ZZ\"")).unwrap_err();
    assert!(matches!(e, ImageError::BadHex { .. }), "{e}");
    let e = load_json(&OLD_FORMAT.replace(r#""pins""#, r#""challenge_key": "0013", "pins""#))
        .unwrap_err();
    assert!(
        matches!(e, ImageError::Invalid { ref field, .. } if field == "apps[0].challenge_key"),
        "{e}"
    );
    let data = r#""mf_data": [ { "tag": "00F7", "hex": "01" }, { "tag": "00F7", "hex": "02" } ],
  "apps""#;
    let e = load_json(&OLD_FORMAT.replace(r#""apps""#, data)).unwrap_err();
    assert!(
        matches!(e, ImageError::Duplicate { ref field, .. } if field == "mf_data[1].tag"),
        "{e}"
    );
}

fn generated() -> &'static (SimPki, CvcPki) {
    static PKI: OnceLock<(SimPki, CvcPki)> = OnceLock::new();
    PKI.get_or_init(|| (SimPki::default_pki().unwrap(), CvcPki::generate(DEFAULT_SEED).unwrap()))
}

/// `sim generate --token android`: label JPKIAPGPSETOKEN, authentication certificate only
/// after the authentication PIN.
#[test]
fn android_token_profile() {
    let (pki, cvc) = generated();
    let image = whole_card_image(pki, cvc, &Holder::default(), Token::Android).unwrap();
    let mut c = VirtualCard::new(image, Profile::default());
    assert_eq!(tx(&mut c, SELECT_JPKI), "9000");
    assert_eq!(tx(&mut c, &select_ef(facts::jpki::EF_TOKEN_INFO)), "9000");
    assert_eq!(
        tx(&mut c, "00B0000020"),
        format!("{}{}9000", hex::encode_upper("JPKIAPGPSETOKEN"), "20".repeat(17))
    );
    assert_eq!(read(&mut c, facts::jpki::EF_AUTH_CERT), Err("6982".to_string()));
    assert_eq!(tx(&mut c, &select_ef(facts::jpki::EF_AUTH_PIN)), "9000");
    assert_eq!(tx(&mut c, &verify(b"1234")), "9000");
    assert_eq!(read(&mut c, facts::jpki::EF_AUTH_CERT).unwrap(), pki.auth.cert);
    // The card profile reads it freely (the default image).
    let mut c = card();
    assert_eq!(tx(&mut c, SELECT_JPKI), "9000");
    assert_eq!(read(&mut c, facts::jpki::EF_AUTH_CERT).unwrap(), pki.auth.cert);
}

#[test]
fn holder_error_is_reported() {
    let (pki, cvc) = generated();
    let holder = Holder { security_code: "12".to_string(), ..Holder::default() };
    let e = whole_card_image(pki, cvc, &holder, Token::Card).unwrap_err();
    assert_eq!(
        e.to_string(),
        "card holder: the security code (セキュリティコード) must be 4 digits"
    );
}

/// `mynacard sim generate --token android`, run as a user would.
#[test]
fn cli_generates_the_android_image() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("android");
    let run = assert_cmd::Command::cargo_bin("mynacard")
        .unwrap()
        .args(["--json", "sim", "generate", "--token", "android", "--out"])
        .arg(&out)
        .assert()
        .code(0);
    let json: serde_json::Value = serde_json::from_slice(&run.get_output().stdout).unwrap();
    assert_eq!(json["token"], "android");
    assert_eq!(json["image"], out.display().to_string());
    let image = CardImage::load(&out).unwrap();
    let jpki = image.app(&facts::AID_JPKI).unwrap();
    assert_eq!(&jpki.files[&facts::jpki::EF_TOKEN_INFO].data[..15], b"JPKIAPGPSETOKEN");
    assert_eq!(jpki.files[&facts::jpki::EF_AUTH_CERT].read, Access::Pin(facts::jpki::EF_AUTH_PIN));
    // Everything else is the default card, CVC CA keys included.
    assert_eq!(image.mf_data, CardImage::default_image().mf_data);
    for stem in ["cvc-ca-9000020", "cvc-ca-9000023", "cvc-ca-9000033"] {
        let ours = std::fs::read(out.join("pki").join(format!("{stem}.pem"))).unwrap();
        assert_eq!(ours, std::fs::read(committed_pki().join(format!("{stem}.pem"))).unwrap());
    }
    assert_cmd::Command::cargo_bin("mynacard")
        .unwrap()
        .args(["sim", "generate", "--token", "iphone", "--out"])
        .arg(dir.path().join("x"))
        .assert()
        .code(2);
}
