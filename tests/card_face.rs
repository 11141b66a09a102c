//! The card-face application, the text application's integrity evidence and the PIN-object
//! inventory against the scripted transport: every APDU pinned, every access rule's negative
//! path, and authenticity over data signed exactly as the records' formats say, tampered
//! field by field.

use std::sync::OnceLock;

use rsa::traits::PublicKeyParts;
use rsa::{Pkcs1v15Sign, RsaPrivateKey};
use sha2::{Digest, Sha256};

use mynacard::card::face::{FaceText, FaceTextOutcome};
use mynacard::card::jpki::{PinObjectState, PIN_OBJECTS};
use mynacard::card::testing::{Event, ScriptLog, ScriptedTransport};
use mynacard::card::{
    CardError, Client, CodeA, CodeB, FaceBirthKey, FaceCode, FaceData, PinEntry, PinKind, TextPin,
    TokenType,
};
use mynacard::carddata::cvc::{Cvc, KeyId, RsaKeyRecord};
use mynacard::carddata::records::{
    build_my_number_file, build_text_attributes, text_h1, text_h2, BirthRecord, FaceFields,
    FaceRecord, MyNumberImageRecord, TextIntegrity,
};
use mynacard::transport::TransportError;
use mynacard::verify::authenticity::{
    check_age, check_face, check_text, CaKey, CaSource, CvcTrust, Verdict,
};

const SELECT_FACE: &str = "00A4040C0AD3921000310001010402";
const SELECT_TEXT: &str = "00A4040C0AD3921000310001010408";
const SELECT_JPKI: &str = "00A4040C0AD392F000260100000001";
const SELECT_ISD: &str = "00A4040C07A0000001510000";
const OK: &str = "9000";
const EMPTY_VERIFY: &str = "00200080";

// ------------------------------------------------------------------ keys and records

/// CA key, signer (municipality) key, card key: generated once.
fn keys() -> &'static [RsaPrivateKey; 3] {
    static K: OnceLock<[RsaPrivateKey; 3]> = OnceLock::new();
    K.get_or_init(|| {
        use rand::SeedableRng;
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(23);
        [(); 3].map(|_| RsaPrivateKey::new(&mut rng, 2048).unwrap())
    })
}

fn record(k: &RsaPrivateKey) -> RsaKeyRecord {
    RsaKeyRecord { exponent: k.e().to_bytes_be(), modulus: k.n().to_bytes_be() }
}

fn sign(k: &RsaPrivateKey, m: &[u8]) -> Vec<u8> {
    k.sign(Pkcs1v15Sign::new::<Sha256>(), &Sha256::digest(m)).unwrap()
}

fn ca_id(role: &str) -> KeyId {
    KeyId::from_parts(role, "001", 0).unwrap()
}

/// The application's CVC: `role` names the CA key (`9000023` card face, `9000033` text).
fn cvc(role: &str) -> Vec<u8> {
    let [ca, signer, _] = keys();
    let subject = KeyId::from_parts("1322121", "000", 0).unwrap();
    let body = Cvc::body_for(&ca_id(role), &subject, &record(signer));
    Cvc::from_body(&body, &sign(ca, &body)).unwrap().encode()
}

fn trust() -> CvcTrust {
    let mut t = CvcTrust::new(false);
    for role in ["9000023", "9000033"] {
        t.add(CaKey {
            id: ca_id(role),
            key: record(&keys()[0]),
            source: CaSource::File("t".into()),
        });
    }
    t
}

fn card_key() -> Vec<u8> {
    record(&keys()[2]).encode()
}

struct Face {
    key: Vec<u8>,
}

impl Face {
    fn new() -> Self {
        Face { key: card_key() }
    }

    fn fields(&self) -> FaceFields<'_> {
        FaceFields {
            birth: "19800217",
            sex: "2",
            card_key: &self.key,
            name_png: b"\x89PNG\r\n\x1a\nname",
            address_png: b"\x89PNG\r\n\x1a\naddress",
            photo: b"\0\0\0\x0cjP  \r\n\x87\nphoto",
            expiry: "20351231",
            security_code_png: b"\x89PNG\r\n\x1a\ncode",
        }
    }

    /// The record for `v`, signed over `signed` (the same values unless tampering).
    fn record(v: &FaceFields<'_>, signed: &FaceFields<'_>) -> Vec<u8> {
        let di = FaceRecord::digest_info(signed);
        let sig = keys()[1].sign(Pkcs1v15Sign::new_unprefixed(), &di).unwrap();
        FaceRecord::build(v, &sig)
    }

    fn image(&self, png: &[u8], signed_png: &[u8]) -> Vec<u8> {
        let sig = sign(&keys()[1], &MyNumberImageRecord::message(signed_png, &self.key));
        MyNumberImageRecord::build(png, &self.key, &sig)
    }

    fn birth(&self, birth: &str, signed_birth: &str) -> Vec<u8> {
        let sig = sign(&keys()[1], &BirthRecord::message(signed_birth, &self.key));
        BirthRecord::build(birth, &self.key, &sig)
    }
}

// ------------------------------------------------------------------ script helpers

fn with_sw(data: &[u8], sw: &str) -> Vec<u8> {
    let mut v = data.to_vec();
    v.extend(hex::decode(sw).unwrap());
    v
}

fn select_ef(fid: u16) -> String {
    format!("00A4020C02{fid:04X}")
}

/// SELECT EF then one extended READ BINARY answered with the whole file.
fn read(t: ScriptedTransport, fid: u16, file: &[u8]) -> ScriptedTransport {
    t.expect(&select_ef(fid), OK)
        .expect_bytes(&hex::decode("00B00000000000").unwrap(), &with_sw(file, OK))
}

fn verify_cmd(code: &[u8]) -> String {
    format!("00200080{:02X}{}", code.len(), hex::encode_upper(code))
}

/// What the client sends to clear the security state after an operation that verified a
/// code (one place, so a change of the clearing mechanism changes only this): it leaves the
/// application by selecting the GlobalPlatform ISD, since re-selecting the application would
/// keep the verification (docs/card-facts.md §1).
fn clear(t: ScriptedTransport) -> ScriptedTransport {
    t.expect(SELECT_ISD, OK)
}

fn client(t: ScriptedTransport) -> (Client<ScriptedTransport>, ScriptLog) {
    let log = t.log();
    (Client::new(t), log)
}

fn reader() -> ScriptedTransport {
    ScriptedTransport::new().extended_length(Some(true))
}

fn code_b() -> CodeB {
    CodeB::compose("19800217", "2035", "2285").unwrap()
}

fn code_a() -> CodeA {
    CodeA::new("123456789018").unwrap()
}

/// A scripted `face read` with 照合番号B answering these files.
fn read_face_b(cvc_file: &[u8], face: &[u8]) -> FaceData {
    let t = read(reader().expect(SELECT_FACE, OK), 0x0004, cvc_file)
        .expect(&select_ef(0x0012), OK)
        .expect(EMPTY_VERIFY, "63CA")
        .expect(&verify_cmd(b"55021720352285"), OK);
    let t = clear(read(t, 0x0002, face));
    let (mut c, log) = client(t);
    let data = c.read_face(&FaceCode::B(code_b()), false).unwrap();
    log.assert_done();
    data
}

fn verdict_of(data: &FaceData) -> Verdict {
    check_face(data.cvc(), data.face_raw(), data.my_number_image_raw(), &trust()).verdict
}

// ------------------------------------------------------------------ card face: the wire

#[test]
fn face_read_with_code_b_pins_every_apdu_and_is_genuine() {
    let f = Face::new();
    let v = f.fields();
    let rec = Face::record(&v, &v);
    let data = read_face_b(&cvc("9000023"), &rec);
    let face = data.face().unwrap();
    assert_eq!((face.birth, face.sex), (&b"19800217"[..], &b"2"[..]));
    assert_eq!(face.photo, v.photo);
    assert!(data.my_number_image().is_none());
    let a = check_face(data.cvc(), data.face_raw(), None, &trust());
    assert_eq!(a.verdict, Verdict::Genuine, "{}", a.detail);
    // Debug never shows the data.
    let dbg = format!("{data:?}");
    assert!(!dbg.contains("1980") && dbg.contains("bytes"), "{dbg}");
}

#[test]
fn face_read_with_code_a_reads_the_my_number_image_too() {
    let f = Face::new();
    let v = f.fields();
    let t = read(reader().expect(SELECT_FACE, OK), 0x0004, &cvc("9000023"))
        .expect(&select_ef(0x0013), OK)
        .expect(EMPTY_VERIFY, "63C3")
        .expect(&verify_cmd(b"123456789018"), OK);
    let t = read(t, 0x0002, &Face::record(&v, &v));
    let t = clear(read(t, 0x0005, &f.image(b"\x89PNGmn", b"\x89PNGmn")));
    let (mut c, log) = client(t);
    let data = c.read_face(&FaceCode::A(code_a()), false).unwrap();
    log.assert_done();
    assert_eq!(data.my_number_image().unwrap().unwrap().image_png, b"\x89PNGmn");
    assert_eq!(verdict_of(&data), Verdict::Genuine);
}

#[test]
fn a_wrong_code_decrements_reads_nothing_and_clears() {
    let t = read(reader().expect(SELECT_FACE, OK), 0x0004, &cvc("9000023"))
        .expect(&select_ef(0x0012), OK)
        .expect(EMPTY_VERIFY, "63CA")
        .expect(&verify_cmd(b"55021720352285"), "63C9");
    let (mut c, log) = client(clear(t));
    let err = c.read_face(&FaceCode::B(code_b()), false).unwrap_err();
    assert!(
        matches!(err, CardError::WrongPin { kind: PinKind::FaceCodeB, tries_left: 9 }),
        "{err:?}"
    );
    log.assert_done();
    assert!(err.to_string().contains("9 tries left"), "{err}");
    assert!(!err.to_string().contains("5502"), "{err}");
}

#[test]
fn a_blocked_code_sends_nothing() {
    for blocked in ["63C0", "6984", "6983"] {
        let t = read(reader().expect(SELECT_FACE, OK), 0x0004, &cvc("9000023"))
            .expect(&select_ef(0x0013), OK)
            .expect(EMPTY_VERIFY, blocked);
        let (mut c, log) = client(clear(t));
        let err = c.read_face(&FaceCode::A(code_a()), false).unwrap_err();
        assert!(matches!(err, CardError::PinBlocked { kind: PinKind::FaceCodeA }), "{err:?}");
        log.assert_done();
        assert!(!log.sent().iter().any(|s| s.starts_with("002000800")), "{:?}", log.sent());
    }
}

#[test]
fn the_last_try_needs_permission_and_no_counter_needs_none() {
    let start = || {
        read(reader().expect(SELECT_FACE, OK), 0x0004, &cvc("9000023"))
            .expect(&select_ef(0x0011), OK)
    };
    let key = FaceBirthKey::from_birth_date("19800217").unwrap();
    let (mut c, log) = client(clear(start().expect(EMPTY_VERIFY, "63C1")));
    let err = c.read_birth_record(&key, false).unwrap_err();
    assert!(matches!(err, CardError::LastTry { kind: PinKind::FaceBirth }), "{err:?}");
    log.assert_done();

    let f = Face::new();
    for (counter, allow) in [("63C1", true), ("6300", false)] {
        let t = start().expect(EMPTY_VERIFY, counter).expect(&verify_cmd(b"550217"), OK);
        let t = clear(read(t, 0x0001, &f.birth("19800217", "19800217")));
        let (mut c, log) = client(t);
        let proof = c.read_birth_record(&key, allow).unwrap();
        log.assert_done();
        assert_eq!(proof.record().unwrap().birth, b"19800217");
    }
}

#[test]
fn an_unreadable_face_is_a_security_status_error_and_no_app_is_named() {
    let t = read(reader().expect(SELECT_FACE, OK), 0x0004, &cvc("9000023"))
        .expect(&select_ef(0x0012), OK)
        .expect(EMPTY_VERIFY, "63CA")
        .expect(&verify_cmd(b"55021720352285"), OK)
        .expect(&select_ef(0x0002), OK)
        .expect("00B00000000000", "6982")
        .expect("00B0000000", "6982");
    let (mut c, log) = client(clear(t));
    let err = c.read_face(&FaceCode::B(code_b()), false).unwrap_err();
    assert!(matches!(err, CardError::SecurityStatus { what: "to read the card face" }), "{err:?}");
    log.assert_done();

    let (mut c, log) = client(reader().expect(SELECT_FACE, "6A82"));
    assert!(matches!(c.read_face(&FaceCode::B(code_b()), false), Err(CardError::NoFaceApp)));
    log.assert_done();
}

#[test]
fn age_reads_only_the_birth_record_and_is_genuine() {
    let f = Face::new();
    let t = read(reader().expect(SELECT_FACE, OK), 0x0004, &cvc("9000023"))
        .expect(&select_ef(0x0011), OK)
        .expect(EMPTY_VERIFY, "63C3")
        .expect(&verify_cmd(b"550217"), OK);
    let t = clear(read(t, 0x0001, &f.birth("19800217", "19800217")));
    let (mut c, log) = client(t);
    let key = FaceBirthKey::from_birth_date("19800217").unwrap();
    let proof = c.read_birth_record(&key, false).unwrap();
    log.assert_done();
    assert!(!log.sent().iter().any(|s| s == &select_ef(0x0002) || s == &select_ef(0x0005)));
    assert_eq!(check_age(proof.cvc(), proof.raw(), &trust()).verdict, Verdict::Genuine);
    // Tampered birth date under the original signature: forged.
    let forged = f.birth("19700217", "19800217");
    assert_eq!(check_age(proof.cvc(), &forged, &trust()).verdict, Verdict::Forged);
}

#[test]
fn the_card_key_challenge_is_one_command_without_credential() {
    let nonce = [7u8; 32];
    let mut di = mynacard::facts::DIGEST_INFO_SHA256.to_vec();
    di.extend_from_slice(&Sha256::digest(nonce));
    let sig = keys()[2].sign(Pkcs1v15Sign::new_unprefixed(), &di).unwrap();
    let cmd = format!("802A000033{}00", hex::encode_upper(&di));
    let t = reader()
        .expect(SELECT_FACE, OK)
        .expect_bytes(&hex::decode(&cmd).unwrap(), &with_sw(&sig, OK));
    let (mut c, log) = client(t);
    assert_eq!(c.face_challenge(&nonce).unwrap(), sig);
    log.assert_done();
    let t = reader().expect(SELECT_FACE, OK).expect(&cmd, "6985");
    let (mut c, _) = client(t);
    assert!(matches!(c.face_challenge(&nonce), Err(CardError::Unexpected { .. })));
}

// ------------------------------------------------------------------ card face: tampering

#[test]
fn every_signed_face_field_tampered_is_forged_and_unsigned_ones_are_not() {
    let f = Face::new();
    let v = f.fields();
    let cvc_file = cvc("9000023");
    let other_key = record(&keys()[1]).encode();
    let signed_changes: Vec<(&str, FaceFields<'_>)> = vec![
        ("birth", FaceFields { birth: "19800218", ..v }),
        ("sex", FaceFields { sex: "1", ..v }),
        ("card key", FaceFields { card_key: &other_key, ..v }),
        ("name", FaceFields { name_png: b"\x89PNG\r\n\x1a\nNAME", ..v }),
        ("address", FaceFields { address_png: b"\x89PNG\r\n\x1a\nADDR", ..v }),
        ("photo", FaceFields { photo: b"\0\0\0\x0cjP  other", ..v }),
    ];
    for (what, changed) in &signed_changes {
        let data = read_face_b(&cvc_file, &Face::record(changed, &v));
        assert_eq!(verdict_of(&data), Verdict::Forged, "{what}");
    }
    for (what, changed) in [
        ("expiry", FaceFields { expiry: "20451231", ..v }),
        ("security code image", FaceFields { security_code_png: b"\x89PNGx", ..v }),
    ] {
        let data = read_face_b(&cvc_file, &Face::record(&changed, &v));
        assert_eq!(verdict_of(&data), Verdict::Genuine, "{what}");
    }
    // The My Number image: tampered → forged.
    let rec = Face::record(&v, &v);
    let img = f.image(b"\x89PNGother", b"\x89PNGmn");
    let a = check_face(&cvc_file, &rec, Some(&img), &trust());
    assert_eq!(a.verdict, Verdict::Forged);
    // A CA key nobody trusts: unknown.
    let data = read_face_b(&cvc("9000099"), &rec);
    assert_eq!(verdict_of(&data), Verdict::Unknown);
    assert_eq!(
        check_face(data.cvc(), data.face_raw(), None, &CvcTrust::new(true)).verdict,
        Verdict::Unknown
    );
}

// ------------------------------------------------------------------ text application

struct Text {
    mn: Vec<u8>,
    attrs: Vec<u8>,
}

impl Text {
    fn new(number: &str, name: &str) -> Self {
        Text {
            mn: build_my_number_file(number),
            attrs: build_text_attributes(name, "東京都千代田区", "19800217", "2"),
        }
    }

    fn integrity(&self) -> Vec<u8> {
        let (h1, h2) = (text_h1(&self.mn), text_h2(&self.attrs).unwrap());
        TextIntegrity::build(&h1, &h2, &sign(&keys()[1], &TextIntegrity::message(&h1, &h2)))
    }
}

/// A scripted checked text read answering these files (`None`: 6A 82).
fn read_text(
    cvc_file: Option<&[u8]>,
    t_files: &Text,
    integrity: Option<&[u8]>,
) -> (mynacard::card::TextInfo, mynacard::card::TextEvidence) {
    let file = |t: ScriptedTransport, fid: u16, f: Option<&[u8]>| match f {
        Some(f) => read(t, fid, f),
        None => t.expect(&select_ef(fid), "6A82"),
    };
    let t = file(reader().expect(SELECT_TEXT, OK), 0x0004, cvc_file)
        .expect(&select_ef(0x0011), OK)
        .expect(EMPTY_VERIFY, "63C3")
        .expect("002000800431323334", OK)
        .expect(&select_ef(0x0001), OK)
        .expect_bytes(&hex::decode("00B0000011").unwrap(), &with_sw(&t_files.mn, OK));
    let t = read(t, 0x0002, &t_files.attrs);
    let t = clear(file(t, 0x0003, integrity));
    let (mut c, log) = client(t);
    let out = c.read_text_checked(PinEntry::Host(&TextPin::new("1234").unwrap()), false).unwrap();
    log.assert_done();
    out
}

fn text_verdict(ev: &mynacard::card::TextEvidence) -> Verdict {
    check_text(
        ev.cvc.as_deref().unwrap(),
        ev.integrity.as_deref().unwrap(),
        Some(&ev.my_number_file),
        Some(&ev.attributes_file),
        None,
        &trust(),
    )
    .verdict
}

#[test]
fn text_read_checked_pins_every_apdu_and_hashes_the_physical_17_bytes() {
    let t = Text::new("123456789018", "番号　花子");
    let integ = t.integrity();
    let (info, ev) = read_text(Some(&cvc("9000033")), &t, Some(&integ));
    assert_eq!(info.my_number.reveal(), "123456789018");
    assert_eq!(ev.my_number_file.len(), 17);
    assert_eq!(text_verdict(&ev), Verdict::Genuine);
    assert!(!format!("{ev:?}").contains("1234"));
}

#[test]
fn text_tampering_is_forged_and_missing_records_are_reported_missing() {
    let good = Text::new("123456789018", "番号　花子");
    let integ = good.integrity();
    let cvc_file = cvc("9000033");
    // Another My Number (valid check digit) under the original integrity record: h1 fails.
    let (_, ev) =
        read_text(Some(&cvc_file), &Text::new("000000000019", "番号　花子"), Some(&integ));
    assert_eq!(text_verdict(&ev), Verdict::Forged);
    // Another name: h2 fails.
    let (_, ev) =
        read_text(Some(&cvc_file), &Text::new("123456789018", "番号　太郎"), Some(&integ));
    assert_eq!(text_verdict(&ev), Verdict::Forged);
    // The text application's CVC from a CA key nobody trusts: unknown.
    let (_, ev) = read_text(Some(&cvc("9000099")), &good, Some(&integ));
    assert_eq!(text_verdict(&ev), Verdict::Unknown);
    // No EF 0003 / EF 0004 on this card: the read still works, the evidence says so.
    let (info, ev) = read_text(None, &good, None);
    assert_eq!(info.attributes.name, "番号　花子");
    assert!(ev.cvc.is_none() && ev.integrity.is_none());
}

// ------------------------------------------------------------------ PIN objects, token type

#[test]
fn every_pin_object_without_spending_a_try() {
    let t = ScriptedTransport::new()
        .expect(SELECT_JPKI, OK)
        .expect(&select_ef(0x0018), OK)
        .expect(EMPTY_VERIFY, "63C3")
        .expect(&select_ef(0x001B), OK)
        .expect(EMPTY_VERIFY, "63C5")
        .expect(SELECT_TEXT, OK)
        .expect(&select_ef(0x0011), OK)
        .expect(EMPTY_VERIFY, "63C2")
        .expect(&select_ef(0x0012), OK)
        .expect(EMPTY_VERIFY, "6984")
        .expect(&select_ef(0x0014), OK)
        .expect(EMPTY_VERIFY, "6300")
        .expect(&select_ef(0x0015), "6A82")
        // Absent: asked once more after a fresh SELECT of the application.
        .expect(SELECT_TEXT, OK)
        .expect(&select_ef(0x0015), "6A82")
        .expect(SELECT_FACE, "6A82");
    let (mut c, log) = client(t);
    let got = c.pin_objects().unwrap();
    log.assert_done();
    let states: Vec<_> = got.iter().map(|(o, s)| (o.name, *s)).collect();
    assert_eq!(
        states,
        vec![
            ("auth", PinObjectState::Remaining(3)),
            ("sign", PinObjectState::Remaining(5)),
            ("text", PinObjectState::Remaining(2)),
            ("text-0012", PinObjectState::Blocked),
            ("text-code-a", PinObjectState::Unlimited),
            ("text-code-b", PinObjectState::Absent),
            ("face-birth", PinObjectState::AppAbsent),
            ("face-code-b", PinObjectState::AppAbsent),
            ("face-code-a", PinObjectState::AppAbsent),
        ]
    );
    assert_eq!(got.len(), PIN_OBJECTS.len());
    assert!(!log.sent().iter().any(|s| s.starts_with("002000800")));

    let t = ScriptedTransport::new()
        .expect(SELECT_JPKI, OK)
        .expect(&select_ef(0x0018), OK)
        .expect(EMPTY_VERIFY, "9000")
        .expect(&select_ef(0x001B), OK)
        .expect(EMPTY_VERIFY, "6985")
        // An unexpected answer: asked once more after a fresh SELECT of the application.
        .expect(SELECT_JPKI, OK)
        .expect(&select_ef(0x001B), OK)
        .expect(EMPTY_VERIFY, "6985");
    let t = (2..PIN_OBJECTS.len()).fold(t, |t, i| {
        let t = match i {
            2 => t.expect(SELECT_TEXT, "6A82"),
            6 => t.expect(SELECT_FACE, OK),
            _ => t,
        };
        if i >= 6 {
            t.expect(&select_ef(PIN_OBJECTS[i].ef), OK).expect(EMPTY_VERIFY, "63CA")
        } else {
            t
        }
    });
    let (mut c, log) = client(t);
    let got = c.pin_objects().unwrap();
    log.assert_done();
    assert_eq!(got[0].1, PinObjectState::Verified);
    assert!(matches!(got[1].1, PinObjectState::Other(_)));
    assert_eq!(got[2].1, PinObjectState::AppAbsent);
    assert_eq!(got[7].1, PinObjectState::Remaining(10));
}

#[test]
fn iphone_tokens_are_named() {
    let mut label = b"JPKIAPIOSTOKEN".to_vec();
    label.resize(32, b' ');
    let t = ScriptedTransport::new()
        .expect(SELECT_JPKI, OK)
        .expect(&select_ef(0x0006), OK)
        .expect_bytes(&hex::decode("00B0000020").unwrap(), &with_sw(&label, OK));
    let (mut c, log) = client(t);
    assert_eq!(c.detect().unwrap(), TokenType::Iphone);
    log.assert_done();
}

// ------------------------------------------------------------------ face read: the text part

/// The card-face part of `face read` with 照合番号B, answered with a genuine card face and
/// ending with the clear.
fn face_part_b() -> ScriptedTransport {
    let f = Face::new();
    let v = f.fields();
    let t = read(reader().expect(SELECT_FACE, OK), 0x0004, &cvc("9000023"))
        .expect(&select_ef(0x0012), OK)
        .expect(EMPTY_VERIFY, "63CA")
        .expect(&verify_cmd(b"55021720352285"), OK);
    clear(read(t, 0x0002, &Face::record(&v, &v)))
}

/// The same with 照合番号A (the card face and the My Number image).
fn face_part_a() -> ScriptedTransport {
    let f = Face::new();
    let v = f.fields();
    let t = read(reader().expect(SELECT_FACE, OK), 0x0004, &cvc("9000023"))
        .expect(&select_ef(0x0013), OK)
        .expect(EMPTY_VERIFY, "63CA")
        .expect(&verify_cmd(b"123456789018"), OK);
    let t = read(t, 0x0002, &Face::record(&v, &v));
    clear(read(t, 0x0005, &f.image(b"\x89PNGmn", b"\x89PNGmn")))
}

/// The text application up to its code's counter: SELECT, its CVC (free, before any VERIFY),
/// SELECT of the code's PIN object (`0014` A, `0015` B) answered `counter`.
fn text_part_start(t: ScriptedTransport, pin_ef: u16, counter: &str) -> ScriptedTransport {
    read(t.expect(SELECT_TEXT, OK), 0x0004, &cvc("9000033"))
        .expect(&select_ef(pin_ef), OK)
        .expect(EMPTY_VERIFY, counter)
}

/// The text part with 照合番号B: VERIFY of EF 0015, EF 0002, EF 0003, clear.
fn text_part_b(t: ScriptedTransport, files: &Text, integrity: &[u8]) -> ScriptedTransport {
    let t = text_part_start(t, 0x0015, "63CA").expect(&verify_cmd(b"55021720352285"), OK);
    clear(read(read(t, 0x0002, &files.attrs), 0x0003, integrity))
}

/// The text part with 照合番号A: VERIFY of EF 0014, EF 0001 (17 bytes, one short read),
/// EF 0003, clear.
fn text_part_a(t: ScriptedTransport, files: &Text, integrity: &[u8]) -> ScriptedTransport {
    let t = text_part_start(t, 0x0014, "63CA")
        .expect(&verify_cmd(b"123456789018"), OK)
        .expect(&select_ef(0x0001), OK)
        .expect_bytes(&hex::decode("00B0000011").unwrap(), &with_sw(&files.mn, OK));
    clear(read(t, 0x0003, integrity))
}

fn text_read(outcome: FaceTextOutcome) -> FaceText {
    match outcome {
        FaceTextOutcome::Read(t) => t,
        FaceTextOutcome::Skipped(e) => panic!("text part skipped: {e:?}"),
    }
}

fn text_skipped(outcome: FaceTextOutcome) -> CardError {
    match outcome {
        FaceTextOutcome::Read(t) => panic!("text part read: {t:?}"),
        FaceTextOutcome::Skipped(e) => e,
    }
}

fn face_text_verdict(t: &FaceText) -> Verdict {
    check_text(
        t.cvc().unwrap(),
        t.integrity().unwrap(),
        t.my_number_file_raw(),
        t.attributes_file_raw(),
        None,
        &trust(),
    )
    .verdict
}

/// Every command from the text application's SELECT on.
fn text_commands(log: &ScriptLog) -> Vec<String> {
    let sent = log.sent();
    let at = sent.iter().position(|s| s == SELECT_TEXT).expect("the text application selected");
    sent[at..].to_vec()
}

#[test]
fn face_read_with_code_b_reads_name_and_address_as_text_from_the_text_application() {
    let files = Text::new("123456789018", "番号　花子");
    let t = text_part_b(face_part_b(), &files, &files.integrity());
    let (mut c, log) = client(t);
    let (face, text) = c.read_face_and_text(&FaceCode::B(code_b()), false).unwrap();
    log.assert_done();
    assert_eq!(verdict_of(&face), Verdict::Genuine);
    let text = text_read(text);
    let a = text.attributes().unwrap();
    assert_eq!((a.name.as_str(), a.address.as_str()), ("番号　花子", "東京都千代田区"));
    // 照合番号B does not open the My Number: EF 0001 is never selected.
    assert!(text.my_number().is_none() && text.my_number_file_raw().is_none());
    assert!(!text_commands(&log).contains(&select_ef(0x0001)), "{:?}", log.sent());
    // h2 over the attributes as read, signed under the text application's CVC.
    assert_eq!(face_text_verdict(&text), Verdict::Genuine);
    // Each application ran in its own transaction, every command inside one, and the
    // card face was left (ISD) before the text application was selected.
    let events = log.events();
    let begins = events.iter().filter(|e| matches!(e, Event::Begin)).count();
    assert_eq!(begins, 2, "{events:?}");
    assert!(events.iter().all(|e| !matches!(e, Event::Sent { exclusive: false, .. })));
    let sent = log.sent();
    let text_at = sent.iter().position(|s| s == SELECT_TEXT).unwrap();
    assert_eq!(sent[text_at - 1], "00A4040C07A0000001510000");
    // Debug shows lengths only.
    let dbg = format!("{text:?}");
    assert!(!dbg.contains("番号") && !dbg.contains("1980"), "{dbg}");
}

#[test]
fn face_read_with_code_b_a_tampered_name_is_forged_in_the_text_part_only() {
    let good = Text::new("123456789018", "番号　花子");
    let forged_name = Text::new("123456789018", "番号　太郎");
    let t = text_part_b(face_part_b(), &forged_name, &good.integrity());
    let (mut c, log) = client(t);
    let (face, text) = c.read_face_and_text(&FaceCode::B(code_b()), false).unwrap();
    log.assert_done();
    assert_eq!(verdict_of(&face), Verdict::Genuine);
    assert_eq!(face_text_verdict(&text_read(text)), Verdict::Forged);
}

#[test]
fn face_read_with_code_a_reads_the_my_number_and_checks_it_against_h1() {
    let files = Text::new("123456789018", "番号　花子");
    let t = text_part_a(face_part_a(), &files, &files.integrity());
    let (mut c, log) = client(t);
    let (face, text) = c.read_face_and_text(&FaceCode::A(code_a()), false).unwrap();
    log.assert_done();
    assert!(face.my_number_image().is_some());
    let text = text_read(text);
    let n = text.my_number().unwrap();
    assert_eq!((n.masked().as_str(), n.reveal()), ("********9018", "123456789018"));
    assert_eq!(text.my_number_file_raw().map(<[u8]>::len), Some(17));
    // 照合番号A does not open the attributes: EF 0002 is never selected in the text application.
    assert!(text.attributes().is_none());
    assert!(!text_commands(&log).contains(&select_ef(0x0002)), "{:?}", log.sent());
    assert_eq!(face_text_verdict(&text), Verdict::Genuine);
    assert!(!format!("{text:?}").contains("1234"));

    // Another (valid) My Number under the original integrity record: h1 fails.
    let other = Text::new("000000000019", "番号　花子");
    let t = text_part_a(face_part_a(), &other, &files.integrity());
    let (mut c, log) = client(t);
    let (_, text) = c.read_face_and_text(&FaceCode::A(code_a()), false).unwrap();
    log.assert_done();
    assert_eq!(face_text_verdict(&text_read(text)), Verdict::Forged);
}

#[test]
fn a_wrong_code_b_stops_before_the_text_application_is_touched() {
    let t = read(reader().expect(SELECT_FACE, OK), 0x0004, &cvc("9000023"))
        .expect(&select_ef(0x0012), OK)
        .expect(EMPTY_VERIFY, "63CA")
        .expect(&verify_cmd(b"55021720352285"), "63C9");
    let (mut c, log) = client(clear(t));
    let err = c.read_face_and_text(&FaceCode::B(code_b()), false).unwrap_err();
    assert!(
        matches!(err, CardError::WrongPin { kind: PinKind::FaceCodeB, tries_left: 9 }),
        "{err:?}"
    );
    log.assert_done();
    assert!(!log.sent().iter().any(|s| s == SELECT_TEXT), "{:?}", log.sent());
}

#[test]
fn a_blocked_text_code_sends_nothing_and_the_card_face_stands() {
    for blocked in ["63C0", "6984", "6983"] {
        let t = clear(text_part_start(face_part_b(), 0x0015, blocked));
        let (mut c, log) = client(t);
        let (face, text) = c.read_face_and_text(&FaceCode::B(code_b()), false).unwrap();
        log.assert_done();
        assert_eq!(verdict_of(&face), Verdict::Genuine);
        let err = text_skipped(text);
        assert!(matches!(err, CardError::PinBlocked { kind: PinKind::FaceCodeB }), "{err:?}");
        let verifies = text_commands(&log).iter().filter(|s| s.starts_with("002000800")).count();
        assert_eq!(verifies, 0, "{:?}", log.sent());
    }
}

#[test]
fn the_text_codes_last_try_needs_permission() {
    let t = clear(text_part_start(face_part_a(), 0x0014, "63C1"));
    let (mut c, log) = client(t);
    let (_, text) = c.read_face_and_text(&FaceCode::A(code_a()), false).unwrap();
    log.assert_done();
    let err = text_skipped(text);
    assert!(matches!(err, CardError::LastTry { kind: PinKind::FaceCodeA }), "{err:?}");
    assert!(!text_commands(&log).iter().any(|s| s.starts_with("002000800")));

    // With permission the last try is spent (once) and the read goes on.
    let files = Text::new("123456789018", "番号　花子");
    let t =
        text_part_start(face_part_b(), 0x0015, "63C1").expect(&verify_cmd(b"55021720352285"), OK);
    let t = clear(read(read(t, 0x0002, &files.attrs), 0x0003, &files.integrity()));
    // The card face's own counter is 63 CA here, so permission changes nothing there.
    let (mut c, log) = client(t);
    let (_, text) = c.read_face_and_text(&FaceCode::B(code_b()), true).unwrap();
    log.assert_done();
    assert_eq!(text_read(text).attributes().unwrap().name, "番号　花子");
}

#[test]
fn a_text_application_that_is_absent_or_refuses_leaves_the_card_face_standing() {
    // No text application: nothing was verified there, so nothing to leave.
    let (mut c, log) = client(face_part_b().expect(SELECT_TEXT, "6A82"));
    let (face, text) = c.read_face_and_text(&FaceCode::B(code_b()), false).unwrap();
    log.assert_done();
    assert!(face.face().is_ok());
    assert!(matches!(text_skipped(text), CardError::NoTextApp));

    // No 照合番号B object: 6A 82 to its SELECT; left all the same.
    let t = read(face_part_b().expect(SELECT_TEXT, OK), 0x0004, &cvc("9000033"))
        .expect(&select_ef(0x0015), "6A82");
    let (mut c, log) = client(clear(t));
    let (_, text) = c.read_face_and_text(&FaceCode::B(code_b()), false).unwrap();
    log.assert_done();
    assert!(matches!(text_skipped(text), CardError::FileNotFound(0x0015)));

    // The text application refuses the code: one try spent, never retried, nothing read.
    let t = text_part_start(face_part_b(), 0x0015, "63CA")
        .expect(&verify_cmd(b"55021720352285"), "63C9");
    let (mut c, log) = client(clear(t));
    let (_, text) = c.read_face_and_text(&FaceCode::B(code_b()), false).unwrap();
    log.assert_done();
    let err = text_skipped(text);
    assert!(matches!(err, CardError::WrongPin { tries_left: 9, .. }), "{err:?}");
    assert_eq!(text_commands(&log).iter().filter(|s| s.starts_with("002000800")).count(), 1);

    // It refuses EF 0002 after the VERIFY (69 82): named, and left.
    let t = text_part_start(face_part_b(), 0x0015, "63CA")
        .expect(&verify_cmd(b"55021720352285"), OK)
        .expect(&select_ef(0x0002), OK)
        .expect("00B00000000000", "6982")
        .expect("00B0000000", "6982");
    let (mut c, log) = client(clear(t));
    let (_, text) = c.read_face_and_text(&FaceCode::B(code_b()), false).unwrap();
    log.assert_done();
    let err = text_skipped(text);
    assert!(
        matches!(
            err,
            CardError::SecurityStatus { what: "to read the name and address (text EF 0002)" }
        ),
        "{err:?}"
    );

    // Neither the CVC nor the integrity record on this card: read, with nothing to check.
    let files = Text::new("123456789018", "番号　花子");
    let t = face_part_b()
        .expect(SELECT_TEXT, OK)
        .expect(&select_ef(0x0004), "6A82")
        .expect(&select_ef(0x0015), OK)
        .expect(EMPTY_VERIFY, "63CA")
        .expect(&verify_cmd(b"55021720352285"), OK);
    let t = clear(read(t, 0x0002, &files.attrs).expect(&select_ef(0x0003), "6A82"));
    let (mut c, log) = client(t);
    let (_, text) = c.read_face_and_text(&FaceCode::B(code_b()), false).unwrap();
    log.assert_done();
    let text = text_read(text);
    assert!(text.cvc().is_none() && text.integrity().is_none());
    assert_eq!(text.attributes().unwrap().name, "番号　花子");
}

#[test]
fn a_text_application_that_cannot_be_left_ends_the_read() {
    // The code was verified in the text application and neither the ISD nor JPKI (the
    // fallback for the text application) can be selected: the code may stay verified, so
    // this is an error, not a note beside the card face.
    let files = Text::new("123456789018", "番号　花子");
    let t =
        text_part_start(face_part_b(), 0x0015, "63CA").expect(&verify_cmd(b"55021720352285"), OK);
    let t = read(read(t, 0x0002, &files.attrs), 0x0003, &files.integrity())
        .expect("00A4040C07A0000001510000", "6A82")
        .expect(SELECT_JPKI, "6A82");
    let (mut c, log) = client(t);
    let err = c.read_face_and_text(&FaceCode::B(code_b()), false).unwrap_err();
    log.assert_done();
    assert!(matches!(err, CardError::NotCleared(_)), "{err:?}");

    // A link that fails in the text application ends the read too.
    let t = text_part_start(face_part_b(), 0x0015, "63CA")
        .expect_error(&verify_cmd(b"55021720352285"), || TransportError::CardRemoved)
        .expect_error("00A4040C07A0000001510000", || TransportError::CardRemoved)
        .expect_error(SELECT_JPKI, || TransportError::CardRemoved);
    let (mut c, log) = client(t);
    let err = c.read_face_and_text(&FaceCode::B(code_b()), false).unwrap_err();
    log.assert_done();
    assert!(matches!(err, CardError::Transport(TransportError::CardRemoved)), "{err:?}");
}
