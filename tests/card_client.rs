//! The card client against the scripted transport: every APDU pinned, round trips counted,
//! and every card-layer error produced.

use mynacard::apdu::{Command, StatusWord};
use mynacard::card::testing::{Event, ScriptedTransport};
use mynacard::card::{
    AuthPin, CardError, CertKind, Client, FileShape, KeyKind, LengthMode, LinkState, PinChange,
    PinEntry, PinKind, PinStatus, Session, SignPassword, TextPin, TokenType,
};
use mynacard::facts;
use mynacard::transport::TransportError;

const SELECT_JPKI: &str = "00A4040C0AD392F000260100000001";
const SELECT_TEXT: &str = "00A4040C0AD3921000310001010408";
/// Leaving the application after a PIN operation: SELECT of the GlobalPlatform ISD (a
/// verification survives a re-select of its application, measured on real cards, [C]).
const SELECT_ISD: &str = "00A4040C07A0000001510000";
const OK: &str = "9000";

/// A fake DER certificate of `total` bytes (30 82 LL LL + filler).
fn cert(total: usize) -> Vec<u8> {
    let body = total - 4;
    let mut v = vec![0x30, 0x82, (body >> 8) as u8, body as u8];
    v.extend((0..body).map(|i| (i % 251) as u8));
    v
}

fn with_sw(data: &[u8], sw: &str) -> Vec<u8> {
    let mut v = data.to_vec();
    v.extend(hex::decode(sw).unwrap());
    v
}

fn hexs(b: &[u8]) -> String {
    hex::encode_upper(b)
}

fn digest_info() -> Vec<u8> {
    let mut di = facts::DIGEST_INFO_SHA256.to_vec();
    di.extend([0xAB; 32]);
    di
}

/// Script the short reads of `file` in 256-byte chunks; returns the transport.
fn script_short_reads(mut t: ScriptedTransport, file: &[u8], total: usize) -> ScriptedTransport {
    let mut off = 0;
    while off < total {
        let le = (total - off).min(256);
        let cmd = format!("00B0{:04X}{:02X}", off, le % 256);
        let chunk = &file[off..(off + le).min(file.len())];
        t = t.expect_bytes(&hex::decode(cmd).unwrap(), &with_sw(chunk, OK));
        off += le;
    }
    t
}

#[test]
fn certificate_1760_bytes_is_one_select_and_seven_short_reads() {
    let c = cert(1760);
    let t = ScriptedTransport::new().expect(SELECT_JPKI, OK).expect("00A4020C02000A", OK);
    let t = script_short_reads(t, &c, 1760);
    let log = t.log();
    let mut client = Client::new(t);
    assert_eq!(client.read_certificate(CertKind::Auth).unwrap(), c);
    log.assert_done();
    let sent = log.sent();
    assert_eq!(
        sent,
        vec![
            SELECT_JPKI,
            "00A4020C02000A",
            "00B0000000",
            "00B0010000",
            "00B0020000",
            "00B0030000",
            "00B0040000",
            "00B0050000",
            "00B00600E0",
        ]
    );
    // 1 SELECT EF + 7 READ BINARY after the application select, all in one transaction.
    assert_eq!(sent.iter().filter(|s| s.starts_with("00B0")).count(), 7);
    let events = log.events();
    assert_eq!(events.first(), Some(&Event::Begin));
    assert_eq!(events.last(), Some(&Event::End));
    assert!(events.iter().all(|e| !matches!(e, Event::Sent { exclusive: false, .. })));
}

#[test]
fn certificate_one_extended_read_when_reader_supports_it_and_padding_is_cut() {
    let c = cert(1760);
    let mut padded = c.clone();
    padded.resize(2048, 0xFF);
    let t = ScriptedTransport::new()
        .extended_length(Some(true))
        .expect(SELECT_JPKI, OK)
        .expect("00A4020C020002", OK)
        .expect_bytes(&hex::decode("00B00000000000").unwrap(), &with_sw(&padded, OK));
    let log = t.log();
    let mut client = Client::new(t);
    assert_eq!(client.read_certificate(CertKind::SignCa).unwrap(), c);
    log.assert_done();
    assert!(client.link_state().extended_in_use());
}

#[test]
fn forced_short_and_forced_extended() {
    let c = cert(300);
    let t = ScriptedTransport::new()
        .extended_length(Some(true))
        .expect(SELECT_JPKI, OK)
        .expect("00A4020C02000B", OK);
    let t = script_short_reads(t, &c, 300);
    let log = t.log();
    let mut client = Client::with_length_mode(t, LengthMode::Short);
    assert_eq!(client.read_certificate(CertKind::AuthCa).unwrap(), c);
    log.assert_done();

    let t = ScriptedTransport::new()
        .expect(SELECT_JPKI, OK)
        .expect("00A4020C02000B", OK)
        .expect_bytes(&hex::decode("00B00000000000").unwrap(), &with_sw(&c, OK));
    let log = t.log();
    let mut client = Client::with_length_mode(t, LengthMode::Extended);
    assert_eq!(client.read_certificate(CertKind::AuthCa).unwrap(), c);
    log.assert_done();
}

#[test]
fn extended_failure_falls_back_to_short_and_is_remembered() {
    let c = cert(600);
    // First certificate: the extended read answers 67 00, the short reads work.
    let t = ScriptedTransport::new()
        .extended_length(Some(true))
        .expect(SELECT_JPKI, OK)
        .expect("00A4020C02000A", OK)
        .expect("00B00000000000", "6700");
    let t = script_short_reads(t, &c, 600);
    // Second certificate: straight to short reads.
    let t = t.expect(SELECT_JPKI, OK).expect("00A4020C02000B", OK);
    let t = script_short_reads(t, &c, 600);
    let log = t.log();
    let mut client = Client::new(t);
    assert_eq!(client.read_certificate(CertKind::Auth).unwrap(), c);
    assert!(client.link_state().extended_failed());
    assert!(!client.link_state().extended_in_use());
    assert_eq!(client.read_certificate(CertKind::AuthCa).unwrap(), c);
    log.assert_done();
}

#[test]
fn extended_malformed_response_or_reader_error_falls_back() {
    let c = cert(200);
    for bad in [Some("90"), None] {
        let t = ScriptedTransport::new()
            .extended_length(Some(true))
            .expect(SELECT_JPKI, OK)
            .expect("00A4020C02000A", OK);
        let t = match bad {
            Some(reply) => t.expect("00B00000000000", reply),
            None => t.expect_error("00B00000000000", || {
                TransportError::Pcsc("SCARD_E_NOT_TRANSACTED".into())
            }),
        };
        let t = t.expect_bytes(&hex::decode("00B0000000").unwrap(), &with_sw(&c, OK));
        let log = t.log();
        let mut client = Client::new(t);
        assert_eq!(client.read_certificate(CertKind::Auth).unwrap(), c);
        assert!(client.link_state().extended_failed());
        log.assert_done();
    }
}

#[test]
fn extended_security_error_is_not_blamed_on_the_length() {
    let t = ScriptedTransport::new()
        .extended_length(Some(true))
        .expect(SELECT_JPKI, OK)
        .expect("00A4020C020001", OK)
        .expect("00B00000000000", "6982")
        .expect("00B0000000", "6982");
    let log = t.log();
    let mut client = Client::new(t);
    let err = client.read_certificate(CertKind::Sign).unwrap_err();
    assert!(matches!(err, CardError::SecurityStatus { .. }), "{err:?}");
    assert!(err.to_string().contains("signature certificate"), "{err}");
    assert!(!client.link_state().extended_failed());
    log.assert_done();
}

#[test]
fn wrong_le_is_resent_once_and_bytes_remaining_are_fetched() {
    // Token info: READ 32 answered 6C 10, resent with Le 16.
    let mut label = b"JPKIAPICCTOKEN2".to_vec();
    label.push(b' ');
    let t = ScriptedTransport::new()
        .expect(SELECT_JPKI, OK)
        .expect("00A4020C020006", OK)
        .expect("00B0000020", "6C10")
        .expect_bytes(&hex::decode("00B0000010").unwrap(), &with_sw(&label, OK));
    let log = t.log();
    let mut client = Client::new(t);
    assert_eq!(client.detect().unwrap(), TokenType::Card);
    log.assert_done();

    // A certificate delivered through 61 xx chaining; a SELECT answering 61 02 is followed
    // by GET RESPONSE too.
    let c = cert(300);
    let t = ScriptedTransport::new()
        .expect(SELECT_JPKI, OK)
        .expect("00A4020C02000A", "6102")
        .expect("00C0000002", "AABB9000")
        .expect_bytes(&hex::decode("00B0000000").unwrap(), &with_sw(&c[..100], "619C"))
        .expect_bytes(&hex::decode("00C000009C").unwrap(), &with_sw(&c[100..256], OK))
        .expect_bytes(&hex::decode("00B001002C").unwrap(), &with_sw(&c[256..], OK));
    let log = t.log();
    let mut client = Client::new(t);
    assert_eq!(client.read_certificate(CertKind::Auth).unwrap(), c);
    log.assert_done();
}

#[test]
fn get_response_is_bounded() {
    // 301 rounds of 61 01.
    let mut t = ScriptedTransport::new().expect("00B0000000", "AA6101");
    for _ in 0..300 {
        t = t.expect("00C0000001", "AA6101");
    }
    let mut state = LinkState::default();
    let mut session = Session::new(&mut t, &mut state);
    let err = session.apdu(&Command::read_binary(0, 256)).unwrap_err();
    assert!(matches!(err, CardError::TooManyRounds(300)), "{err:?}");

    // More than 64 KiB in total.
    let chunk = with_sw(&[0x55; 256], "6100");
    let mut t = ScriptedTransport::new().expect_bytes(&hex::decode("00B0000000").unwrap(), &chunk);
    for _ in 0..256 {
        t = t.expect_bytes(&hex::decode("00C0000000").unwrap(), &chunk);
    }
    let mut state = LinkState::default();
    let mut session = Session::new(&mut t, &mut state);
    let err = session.apdu(&Command::read_binary(0, 256)).unwrap_err();
    assert!(matches!(err, CardError::TooLong { limit: 65536, .. }), "{err:?}");
    assert!(err.to_string().contains("65536"));
}

#[test]
fn files_that_are_not_der_are_read_to_their_end() {
    // 300 bytes of FF: an unwritten file. 256 + 44 (short chunk ends it).
    let file = vec![0xFF; 300];
    let mut t = ScriptedTransport::new()
        .expect("00A4020C021234", OK)
        .expect_bytes(&hex::decode("00B0000000").unwrap(), &with_sw(&file[..256], OK))
        .expect_bytes(&hex::decode("00B0010000").unwrap(), &with_sw(&file[256..], OK));
    let log = t.log();
    let mut state = LinkState::default();
    let mut s = Session::new(&mut t, &mut state);
    assert_eq!(s.read_file(0x1234, FileShape::Tlv).unwrap(), file);
    log.assert_done();

    // Exactly 512 bytes of zeros: the read past the end answers 6B 00.
    let mut t = ScriptedTransport::new()
        .expect_bytes(&hex::decode("00B0000000").unwrap(), &with_sw(&[0; 256], OK))
        .expect_bytes(&hex::decode("00B0010000").unwrap(), &with_sw(&[0; 256], OK))
        .expect("00B0020000", "6B00");
    let mut state = LinkState::default();
    let mut s = Session::new(&mut t, &mut state);
    assert_eq!(s.read_current(FileShape::Tlv).unwrap(), vec![0; 512]);

    // A short DER object (30 81 LL) and a tiny one (30 LL), with end-of-file status.
    let mut small = vec![0x30, 0x81, 0x90];
    small.extend([7; 0x90]);
    small.extend([0xFF; 20]);
    let mut t = ScriptedTransport::new()
        .expect_bytes(&hex::decode("00B0000000").unwrap(), &with_sw(&small, "6282"));
    let mut state = LinkState::default();
    let mut s = Session::new(&mut t, &mut state);
    assert_eq!(s.read_current(FileShape::Tlv).unwrap(), small[..3 + 0x90].to_vec());

    let mut t = ScriptedTransport::new().expect("00B0000000", "3002050090009000");
    let mut state = LinkState::default();
    let mut s = Session::new(&mut t, &mut state);
    assert_eq!(s.read_current(FileShape::Tlv).unwrap(), vec![0x30, 0x02, 0x05, 0x00]);
}

#[test]
fn file_errors() {
    // A header promising more than 64 KiB.
    let mut t = ScriptedTransport::new().expect("00B0000000", "30830100009000");
    let mut state = LinkState::default();
    let err = Session::new(&mut t, &mut state).read_current(FileShape::Tlv).unwrap_err();
    assert!(matches!(err, CardError::TooLong { what: "the file", .. }), "{err:?}");

    // A file without a header that fills the whole 64 KiB limit.
    let mut t = ScriptedTransport::new()
        .expect_bytes(&hex::decode("00B00000000000").unwrap(), &with_sw(&vec![0xFF; 65536], OK));
    let mut state = LinkState::new(LengthMode::Extended, None);
    let err = Session::new(&mut t, &mut state).read_current(FileShape::Tlv).unwrap_err();
    assert!(matches!(err, CardError::TooLong { what: "the file", limit: 65536 }), "{err:?}");
    // Short reads stop at the end of the 15-bit offset range.
    let mut t = ScriptedTransport::new();
    for i in 0..128u16 {
        t = t.expect_bytes(
            &Command::read_binary(i * 256, 256).to_bytes().unwrap(),
            &with_sw(&[0; 256], OK),
        );
    }
    let mut state = LinkState::default();
    let err = Session::new(&mut t, &mut state).read_current(FileShape::Tlv).unwrap_err();
    assert!(matches!(err, CardError::TooLong { limit: 32768, .. }), "{err:?}");

    // A file shorter than its header says.
    let c = cert(400);
    let mut t = ScriptedTransport::new()
        .expect_bytes(&hex::decode("00B0000000").unwrap(), &with_sw(&c[..256], OK))
        .expect("00B0010090", "6B00");
    let mut state = LinkState::default();
    let err = Session::new(&mut t, &mut state).read_current(FileShape::Tlv).unwrap_err();
    assert!(
        matches!(&err, CardError::Malformed(m) if m.contains("256") && m.contains("400")),
        "{err:?}"
    );

    // A card answering more than asked.
    let mut t = ScriptedTransport::new().expect("00B0000002", "0102039000");
    let mut state = LinkState::default();
    let err = Session::new(&mut t, &mut state).read_current(FileShape::Exact(2)).unwrap_err();
    assert!(matches!(err, CardError::Malformed(_)), "{err:?}");

    // File not found and other SELECT statuses.
    let t = ScriptedTransport::new().expect(SELECT_JPKI, OK).expect("00A4020C02000A", "6A82");
    let err = Client::new(t).read_certificate(CertKind::Auth).unwrap_err();
    assert!(matches!(err, CardError::FileNotFound(0x000A)), "{err:?}");
    assert_eq!(err.to_string(), "file 000A not found on the card");
    let t = ScriptedTransport::new().expect(SELECT_JPKI, "6A86");
    let err = Client::new(t).read_certificate(CertKind::Auth).unwrap_err();
    assert!(
        matches!(
            err,
            CardError::Unexpected { command: "SELECT application", sw: StatusWord::IncorrectP1P2 }
        ),
        "{err:?}"
    );
    let t = ScriptedTransport::new()
        .expect(SELECT_JPKI, OK)
        .expect("00A4020C02000A", OK)
        .expect("00B0000000", "6581");
    let err = Client::new(t).read_certificate(CertKind::Auth).unwrap_err();
    assert!(matches!(
        err,
        CardError::Unexpected { command: "READ BINARY", sw: StatusWord::MemoryFailure }
    ));
    assert_eq!(err.to_string(), "unexpected status 65 81 (memory failure) to READ BINARY");

    // A file that is not a certificate where one is expected.
    let t = ScriptedTransport::new()
        .expect(SELECT_JPKI, OK)
        .expect("00A4020C02000A", OK)
        .expect("00B0000000", "0401AA9000");
    let err = Client::new(t).read_certificate(CertKind::Auth).unwrap_err();
    assert!(matches!(&err, CardError::Malformed(m) if m.contains("000A")), "{err:?}");

    // A response without a complete status word (not in extended mode: no fallback).
    let t = ScriptedTransport::new().expect(SELECT_JPKI, "90");
    let err = Client::new(t).detect().unwrap_err();
    assert!(matches!(&err, CardError::Malformed(m) if m.contains("SELECT")), "{err:?}");
}

#[test]
fn apdu_encoding_errors_surface() {
    let mut t = ScriptedTransport::new();
    let log = t.log();
    let mut state = LinkState::default();
    let err =
        Session::new(&mut t, &mut state).apdu(&Command::verify(&vec![0; 70_000])).unwrap_err();
    assert!(matches!(err, CardError::Apdu(_)), "{err:?}");
    assert!(log.sent().is_empty());
}

#[test]
fn transport_errors_surface() {
    let t = ScriptedTransport::new().fail_exclusive(|| TransportError::CardInUse);
    let log = t.log();
    let err = Client::new(t).detect().unwrap_err();
    assert!(matches!(err, CardError::Transport(TransportError::CardInUse)), "{err:?}");
    assert!(log.sent().is_empty());

    let t = ScriptedTransport::new().expect_error(SELECT_JPKI, || TransportError::CardRemoved);
    let err = Client::new(t).detect().unwrap_err();
    assert!(matches!(err, CardError::Transport(TransportError::CardRemoved)));
    assert!(err.to_string().contains("removed"));
}

fn detect_with(label: &[u8]) -> Result<TokenType, CardError> {
    let mut file = label.to_vec();
    file.resize(32, b' ');
    file.extend(b"trailing data");
    let t = ScriptedTransport::new()
        .expect(SELECT_JPKI, OK)
        .expect("00A4020C020006", OK)
        .expect_bytes(&hex::decode("00B0000020").unwrap(), &with_sw(&file[..32], OK));
    let log = t.log();
    let r = Client::new(t).detect();
    log.assert_done();
    r
}

#[test]
fn detect_token_types() {
    assert_eq!(detect_with(b"JPKIAPICCTOKEN2").unwrap(), TokenType::Card);
    assert_eq!(detect_with(b"JPKIAPGPSETOKEN").unwrap(), TokenType::Phone);
    let err = detect_with(b"JPKIAPICCTOKEN").unwrap_err();
    assert!(matches!(err, CardError::OldResidentCard));
    assert!(err.to_string().contains("resident-registry"));
    let err = detect_with(b"SOMETHINGELSE").unwrap_err();
    assert!(matches!(&err, CardError::UnknownToken(l) if l == "SOMETHINGELSE"));
    assert!(err.to_string().contains("SOMETHINGELSE"));

    // No JPKI application: detected by AID, whatever the ATR.
    let t = ScriptedTransport::new().expect(SELECT_JPKI, "6A82");
    let err = Client::new(t).detect().unwrap_err();
    assert!(matches!(err, CardError::NotJpki));
}

/// The sign sequence up to and including the VERIFY of the password.
fn unlock_script(
    t: ScriptedTransport,
    pin_ef: &str,
    counter: &str,
    pin_hex: &str,
    verify_sw: &str,
) -> ScriptedTransport {
    t.expect(SELECT_JPKI, OK)
        .expect(&format!("00A4020C02{pin_ef}"), OK)
        .expect("00200080", counter)
        .expect(&format!("00200080{:02X}{pin_hex}", pin_hex.len() / 2), verify_sw)
}

#[test]
fn sign_runs_verify_to_signature_in_one_transaction_and_clears_state() {
    let di = digest_info();
    let sig = vec![0x5A; 256];
    let pw = SignPassword::new("abc123").unwrap();
    let t = unlock_script(ScriptedTransport::new(), "001B", "63C5", &hexs(b"ABC123"), OK)
        .expect("00A4020C02001A", OK)
        .expect_bytes(
            &hex::decode(format!("802A008033{}00", hexs(&di))).unwrap(),
            &with_sw(&sig, OK),
        )
        .expect(SELECT_ISD, OK);
    let log = t.log();
    let mut client = Client::new(t);
    assert_eq!(client.sign(PinEntry::Host(&pw), &di, false).unwrap(), sig);
    log.assert_done();
    let events = log.events();
    assert_eq!(events.iter().filter(|e| **e == Event::Begin).count(), 1);
    assert_eq!(events.first(), Some(&Event::Begin));
    assert_eq!(events.last(), Some(&Event::End));
    assert_eq!(events.len(), 9);
    assert!(events.iter().all(|e| !matches!(e, Event::Sent { exclusive: false, .. })));
}

#[test]
fn sign_with_auth_key_and_chained_signature() {
    let di = digest_info();
    let sig: Vec<u8> = (0..=255).collect();
    let pin = AuthPin::new("1234").unwrap();
    let t = unlock_script(ScriptedTransport::new(), "0018", "63C3", "31323334", OK)
        .expect("00A4020C020017", OK)
        .expect(&format!("802A008033{}00", hexs(&di)), "6100")
        .expect_bytes(&hex::decode("00C0000000").unwrap(), &with_sw(&sig, OK))
        .expect(SELECT_ISD, OK);
    let log = t.log();
    assert_eq!(Client::new(t).sign(PinEntry::Host(&pin), &di, false).unwrap(), sig);
    log.assert_done();
}

#[test]
fn wrong_pin_reports_tries_and_still_clears() {
    let pin = AuthPin::new("0000").unwrap();
    let t = unlock_script(ScriptedTransport::new(), "0018", "63C3", "30303030", "63C2")
        .expect(SELECT_ISD, OK);
    let log = t.log();
    let err = Client::new(t).sign(PinEntry::Host(&pin), &digest_info(), false).unwrap_err();
    assert!(matches!(err, CardError::WrongPin { kind: PinKind::Auth, tries_left: 2 }), "{err:?}");
    assert_eq!(err.to_string(), "wrong authentication PIN: 2 tries left before it is blocked");
    log.assert_done();
    assert!(!format!("{err:?}{err}").contains("0000"));

    // The try that blocks it.
    let t = unlock_script(ScriptedTransport::new(), "0018", "63C2", "30303030", "63C0")
        .expect(SELECT_ISD, OK);
    let err = Client::new(t).sign(PinEntry::Host(&pin), &digest_info(), true).unwrap_err();
    assert!(matches!(err, CardError::WrongPin { tries_left: 0, .. }));
    assert!(err.to_string().contains("now blocked"));
    // VERIFY answering 69 83.
    let t = unlock_script(ScriptedTransport::new(), "0018", "63C2", "30303030", "6983")
        .expect(SELECT_ISD, OK);
    let err = Client::new(t).sign(PinEntry::Host(&pin), &digest_info(), true).unwrap_err();
    assert!(matches!(err, CardError::PinBlocked { kind: PinKind::Auth }));
    // VERIFY answering something odd.
    let t = unlock_script(ScriptedTransport::new(), "0018", "63C2", "30303030", "6A80")
        .expect(SELECT_ISD, OK);
    let err = Client::new(t).sign(PinEntry::Host(&pin), &digest_info(), true).unwrap_err();
    assert!(matches!(
        err,
        CardError::Unexpected { command: "VERIFY", sw: StatusWord::IncorrectData }
    ));
}

#[test]
fn blocked_pin_sends_no_verify() {
    let pw = SignPassword::new("PASSWORD1").unwrap();
    for blocked in ["63C0", "6983", "6984"] {
        let t = ScriptedTransport::new()
            .expect(SELECT_JPKI, OK)
            .expect("00A4020C02001B", OK)
            .expect("00200080", blocked)
            .expect(SELECT_ISD, OK);
        let log = t.log();
        let err = Client::new(t).sign(PinEntry::Host(&pw), &digest_info(), true).unwrap_err();
        assert!(matches!(err, CardError::PinBlocked { kind: PinKind::Sign }), "{blocked}: {err:?}");
        assert!(err.to_string().contains("signature password is blocked"));
        log.assert_done();
        assert!(!log.sent().iter().any(|c| c.starts_with("00200080") && c.len() > 8));
    }
}

#[test]
fn last_try_is_refused_unless_allowed() {
    let pw = SignPassword::new("PASSWORD1").unwrap();
    let t = ScriptedTransport::new()
        .expect(SELECT_JPKI, OK)
        .expect("00A4020C02001B", OK)
        .expect("00200080", "63C1")
        .expect(SELECT_ISD, OK);
    let log = t.log();
    let err = Client::new(t).sign(PinEntry::Host(&pw), &digest_info(), false).unwrap_err();
    assert!(matches!(err, CardError::LastTry { kind: PinKind::Sign }), "{err:?}");
    log.assert_done();

    let di = digest_info();
    let t = unlock_script(ScriptedTransport::new(), "001B", "63C1", &hexs(b"PASSWORD1"), OK)
        .expect("00A4020C02001A", OK)
        .expect_bytes(
            &hex::decode(format!("802A008033{}00", hexs(&di))).unwrap(),
            &with_sw(&[1; 256], OK),
        )
        .expect(SELECT_ISD, OK);
    let log = t.log();
    assert_eq!(Client::new(t).sign(PinEntry::Host(&pw), &di, true).unwrap(), vec![1; 256]);
    log.assert_done();
}

#[test]
fn signature_errors() {
    let di = digest_info();
    let pw = SignPassword::new("PASSWORD1").unwrap();
    let run = |reply: &str| {
        let t = unlock_script(ScriptedTransport::new(), "001B", "63C5", &hexs(b"PASSWORD1"), OK)
            .expect("00A4020C02001A", OK)
            .expect(&format!("802A008033{}00", hexs(&di)), reply)
            .expect(SELECT_ISD, OK);
        let log = t.log();
        let r = Client::new(t).sign(PinEntry::Host(&pw), &di, false);
        log.assert_done();
        r.unwrap_err()
    };
    assert!(matches!(run("6982"), CardError::SecurityStatus { what: "to sign" }));
    assert!(matches!(
        run("6A88"),
        CardError::Unexpected { command: "COMPUTE DIGITAL SIGNATURE", .. }
    ));
    assert!(matches!(run("01029000"), CardError::Malformed(m) if m.contains("2 bytes")));

    // Not a DigestInfo: nothing is sent.
    let t = ScriptedTransport::new();
    let log = t.log();
    let err = Client::new(t).sign(PinEntry::Host(&pw), &[0u8; 32], false).unwrap_err();
    assert!(matches!(err, CardError::NotDigestInfo(32)));
    assert!(log.events().is_empty());
}

#[test]
fn wrong_format_pins_send_nothing() {
    let t = ScriptedTransport::new();
    let log = t.log();
    let mut client = Client::new(t);
    let mut attempt = |pw: &str| -> Result<Vec<u8>, CardError> {
        let pw = SignPassword::new(pw)?;
        client.sign(PinEntry::Host(&pw), &digest_info(), false)
    };
    let err = attempt("short").unwrap_err();
    assert!(matches!(err, CardError::PinFormat(e) if e.kind == PinKind::Sign));
    assert!(!err.to_string().contains("short"));
    let err = (|| -> Result<(), CardError> {
        client.verify_pin(PinEntry::Host(&AuthPin::new("12345")?), false)
    })()
    .unwrap_err();
    assert!(matches!(err, CardError::PinFormat(_)));
    let err = (|| -> Result<_, CardError> {
        client.read_text(PinEntry::Host(&TextPin::new("abcd")?), false)
    })()
    .unwrap_err();
    assert!(matches!(err, CardError::PinFormat(_)));
    assert!(log.events().is_empty(), "{:?}", log.events());
}

#[test]
fn pin_status_spends_no_try() {
    let t = ScriptedTransport::new()
        .expect(SELECT_JPKI, OK)
        .expect("00A4020C020018", OK)
        .expect("00200080", "63C3")
        .expect(SELECT_JPKI, OK)
        .expect("00A4020C02001B", OK)
        .expect("00200080", "6984")
        .expect(SELECT_TEXT, OK)
        .expect("00A4020C020011", OK)
        .expect("00200080", "63C2")
        .expect(SELECT_JPKI, OK)
        .expect("00A4020C020018", OK)
        .expect("00200080", OK);
    let log = t.log();
    let mut client = Client::new(t);
    assert_eq!(client.pin_status(PinKind::Auth).unwrap(), PinStatus::Remaining(3));
    assert_eq!(client.pin_status(PinKind::Sign).unwrap(), PinStatus::Blocked);
    assert_eq!(client.pin_status(PinKind::Text).unwrap(), PinStatus::Remaining(2));
    let err = client.pin_status(PinKind::Auth).unwrap_err();
    assert!(matches!(
        err,
        CardError::Unexpected { command: "VERIFY (retry counter)", sw: StatusWord::Success }
    ));
    log.assert_done();

    let t = ScriptedTransport::new().expect(SELECT_TEXT, "6A82");
    let err = Client::new(t).pin_status(PinKind::Text).unwrap_err();
    assert!(matches!(err, CardError::NoTextApp));
}

#[test]
fn verify_and_change_pin() {
    let t = unlock_script(ScriptedTransport::new(), "0018", "63C3", "31323334", OK)
        .expect(SELECT_ISD, OK);
    let log = t.log();
    Client::new(t).verify_pin(PinEntry::Host(&AuthPin::new("1234").unwrap()), false).unwrap();
    log.assert_done();

    let t = unlock_script(ScriptedTransport::new(), "001B", "63C5", &hexs(b"OLDPASS1"), OK)
        .expect(&format!("0024018009{}", hexs(b"NEWPASS12")), OK)
        .expect(SELECT_ISD, OK);
    let log = t.log();
    let old = SignPassword::new("oldpass1").unwrap();
    let new = SignPassword::new("NewPass12").unwrap();
    Client::new(t).change_pin(PinChange::Host { old: &old, new: &new }, false).unwrap();
    log.assert_done();

    let t = unlock_script(ScriptedTransport::new(), "001B", "63C5", &hexs(b"OLDPASS1"), OK)
        .expect(&format!("0024018009{}", hexs(b"NEWPASS12")), "6982")
        .expect(SELECT_ISD, OK);
    let err =
        Client::new(t).change_pin(PinChange::Host { old: &old, new: &new }, false).unwrap_err();
    assert!(matches!(err, CardError::SecurityStatus { .. }));
    let t = unlock_script(ScriptedTransport::new(), "001B", "63C5", &hexs(b"OLDPASS1"), OK)
        .expect(&format!("0024018009{}", hexs(b"NEWPASS12")), "6A80")
        .expect(SELECT_ISD, OK);
    let err =
        Client::new(t).change_pin(PinChange::Host { old: &old, new: &new }, false).unwrap_err();
    assert!(matches!(err, CardError::Unexpected { command: "CHANGE REFERENCE DATA", .. }));

    // Text PIN change goes to the text application.
    let t = ScriptedTransport::new()
        .expect(SELECT_TEXT, OK)
        .expect("00A4020C020011", OK)
        .expect("00200080", "63C3")
        .expect("002000800431313131", OK)
        .expect("002401800432323232", OK)
        .expect(SELECT_ISD, OK);
    let log = t.log();
    Client::new(t)
        .change_pin(
            PinChange::Host {
                old: &TextPin::new("1111").unwrap(),
                new: &TextPin::new("2222").unwrap(),
            },
            false,
        )
        .unwrap();
    log.assert_done();
}

#[test]
fn signature_certificate_needs_the_password_and_one_verify_serves_cms() {
    let c = cert(1760);
    let pw = SignPassword::new("PASSWORD1").unwrap();
    let di = digest_info();
    let t = unlock_script(ScriptedTransport::new(), "001B", "63C5", &hexs(b"PASSWORD1"), OK)
        .expect("00A4020C020001", OK);
    let t = script_short_reads(t, &c, 1760)
        .expect("00A4020C02001A", OK)
        .expect_bytes(
            &hex::decode(format!("802A008033{}00", hexs(&di))).unwrap(),
            &with_sw(&[9; 256], OK),
        )
        .expect(SELECT_ISD, OK);
    let log = t.log();
    let mut client = Client::new(t);
    let mut unlocked = client.unlock(PinEntry::Host(&pw), false).unwrap();
    assert_eq!(unlocked.key(), KeyKind::Sign);
    assert_eq!(unlocked.read_certificate(CertKind::Sign).unwrap(), c);
    assert_eq!(unlocked.sign(&di).unwrap(), vec![9; 256]);
    unlocked.finish().unwrap();
    log.assert_done();
    assert_eq!(log.events().iter().filter(|e| **e == Event::Begin).count(), 1);

    // Dropping an Unlocked without finish still clears the state.
    let t = unlock_script(ScriptedTransport::new(), "001B", "63C5", &hexs(b"PASSWORD1"), OK)
        .expect(SELECT_ISD, OK);
    let log = t.log();
    let mut client = Client::new(t);
    drop(client.unlock(PinEntry::Host(&pw), false).unwrap());
    log.assert_done();
    assert_eq!(log.events().last(), Some(&Event::End));

    // read_sign_certificate: verify, read, clear.
    let t = unlock_script(ScriptedTransport::new(), "001B", "63C5", &hexs(b"PASSWORD1"), OK)
        .expect("00A4020C020001", OK);
    let t = script_short_reads(t, &c, 1760).expect(SELECT_ISD, OK);
    let log = t.log();
    assert_eq!(Client::new(t).read_sign_certificate(&pw, false).unwrap(), c);
    log.assert_done();
}

fn my_number_file(digits: &str) -> Vec<u8> {
    let mut f = vec![0xFF, 0x10, 0x0C];
    f.extend(digits.as_bytes());
    f.extend([0xFF, 0xFF]);
    f
}

fn attributes_file() -> Vec<u8> {
    let mut inner = vec![0xDF, 0x21, 0x02, 0x01, 0x02];
    for (tag, v) in [
        (0x22u8, "山田　太郎".as_bytes()),
        (0x23, "東京都千代田区千代田1-1".as_bytes()),
        (0x24, b"19900401"),
        (0x25, b"1"),
    ] {
        inner.extend([0xDF, tag, v.len() as u8]);
        inner.extend(v);
    }
    let mut f = vec![0xFF, 0x20, 0x81, inner.len() as u8];
    f.extend(inner);
    f
}

#[test]
fn text_application_reads_my_number_and_attributes_with_one_verify() {
    let attrs = attributes_file();
    let t = ScriptedTransport::new()
        .expect(SELECT_TEXT, OK)
        .expect("00A4020C020011", OK)
        .expect("00200080", "63C3")
        .expect("002000800439383736", OK)
        .expect("00A4020C020001", OK)
        .expect_bytes(
            &hex::decode("00B0000011").unwrap(),
            &with_sw(&my_number_file("123456789018"), OK),
        )
        .expect("00A4020C020002", OK)
        .expect_bytes(&hex::decode("00B0000000").unwrap(), &with_sw(&attrs, OK))
        .expect(SELECT_ISD, OK);
    let log = t.log();
    let info =
        Client::new(t).read_text(PinEntry::Host(&TextPin::new("9876").unwrap()), false).unwrap();
    log.assert_done();
    assert_eq!(info.my_number.to_string(), "********9018");
    assert_eq!(info.my_number.reveal(), "123456789018");
    assert_eq!(info.attributes.name, "山田　太郎");
    assert_eq!(info.attributes.birth_date, "19900401");
    assert!(!format!("{info:?}").contains("123456789018"));
}

#[test]
fn text_application_errors() {
    let pin = TextPin::new("9876").unwrap();
    // Bad check digit: an error, and the state is still cleared.
    let t = ScriptedTransport::new()
        .expect(SELECT_TEXT, OK)
        .expect("00A4020C020011", OK)
        .expect("00200080", "63C3")
        .expect("002000800439383736", OK)
        .expect("00A4020C020001", OK)
        .expect_bytes(
            &hex::decode("00B0000011").unwrap(),
            &with_sw(&my_number_file("123456789017"), OK),
        )
        .expect(SELECT_ISD, OK);
    let log = t.log();
    let err = Client::new(t).read_my_number(PinEntry::Host(&pin), false).unwrap_err();
    assert!(matches!(err, CardError::BadMyNumber));
    assert!(!err.to_string().contains("1234"));
    log.assert_done();

    // Attributes alone.
    let attrs = attributes_file();
    let t = ScriptedTransport::new()
        .expect(SELECT_TEXT, OK)
        .expect("00A4020C020011", OK)
        .expect("00200080", "63C3")
        .expect("002000800439383736", OK)
        .expect("00A4020C020002", OK)
        .expect_bytes(&hex::decode("00B0000000").unwrap(), &with_sw(&attrs, OK))
        .expect(SELECT_ISD, OK);
    let log = t.log();
    let a = Client::new(t).read_attributes(PinEntry::Host(&pin), false).unwrap();
    assert_eq!(a.sex, mynacard::card::Sex::Male);
    log.assert_done();

    // No text application.
    let t = ScriptedTransport::new().expect(SELECT_TEXT, "6A82");
    let err = Client::new(t).read_my_number(PinEntry::Host(&pin), false).unwrap_err();
    assert!(matches!(err, CardError::NoTextApp));
    assert_eq!(err.to_string(), "the card has no card-info-input support (text) application");

    // Wrong text PIN.
    let t = ScriptedTransport::new()
        .expect(SELECT_TEXT, OK)
        .expect("00A4020C020011", OK)
        .expect("00200080", "63C3")
        .expect("002000800439383736", "63C2")
        .expect(SELECT_ISD, OK);
    let err = Client::new(t).read_my_number(PinEntry::Host(&pin), false).unwrap_err();
    assert!(matches!(err, CardError::WrongPin { kind: PinKind::Text, tries_left: 2 }));
}

#[test]
fn when_the_isd_cannot_be_selected_another_application_is() {
    // From JPKI: the text application.
    let pin = AuthPin::new("1234").unwrap();
    let t = unlock_script(ScriptedTransport::new(), "0018", "63C3", "31323334", OK)
        .expect(SELECT_ISD, "6A82")
        .expect(SELECT_TEXT, OK);
    let log = t.log();
    Client::new(t).verify_pin(PinEntry::Host(&pin), false).unwrap();
    log.assert_done();
    assert!(!log.events().contains(&Event::Reset), "a reset does not clear: {:?}", log.events());

    // From the text application: JPKI (here after an odd status and a transport error).
    let text_pin = TextPin::new("9876").unwrap();
    let text_verify = || {
        ScriptedTransport::new()
            .expect(SELECT_TEXT, OK)
            .expect("00A4020C020011", OK)
            .expect("00200080", "63C3")
            .expect("002000800439383736", OK)
            .expect("00A4020C020002", OK)
            .expect_bytes(&hex::decode("00B0000000").unwrap(), &with_sw(&attributes_file(), OK))
    };
    let t = text_verify().expect(SELECT_ISD, "6D00").expect(SELECT_JPKI, OK);
    let log = t.log();
    Client::new(t).read_attributes(PinEntry::Host(&text_pin), false).unwrap();
    log.assert_done();
    let t = text_verify()
        .expect_error(SELECT_ISD, || TransportError::Pcsc("glitch".into()))
        .expect(SELECT_JPKI, OK);
    let log = t.log();
    Client::new(t).read_attributes(PinEntry::Host(&text_pin), false).unwrap();
    log.assert_done();
}

#[test]
fn when_nothing_leaves_the_application_the_error_says_so() {
    let pin = AuthPin::new("1234").unwrap();
    let t = unlock_script(ScriptedTransport::new(), "0018", "63C3", "31323334", OK)
        .expect(SELECT_ISD, "6A82")
        .expect(SELECT_TEXT, "6A82");
    let log = t.log();
    let err = Client::new(t).verify_pin(PinEntry::Host(&pin), false).unwrap_err();
    log.assert_done();
    assert_eq!(
        err.to_string(),
        "could not leave the application after the PIN was verified (selecting the ISD: 6A 82; \
         selecting the text application: 6A 82): the PIN may stay verified until the card is \
         powered off; remove the card from the reader"
    );
    assert!(matches!(err, CardError::NotCleared(_)));

    // The operation's own error wins; clearing is still tried (sign: wrong PIN).
    let t = unlock_script(ScriptedTransport::new(), "0018", "63C3", "31323334", "63C2")
        .expect(SELECT_ISD, "6999")
        .expect(SELECT_TEXT, "6999");
    let log = t.log();
    let err = Client::new(t).sign(PinEntry::Host(&pin), &digest_info(), false).unwrap_err();
    log.assert_done();
    assert!(matches!(err, CardError::WrongPin { tries_left: 2, .. }), "{err:?}");

    // After a good signature, a failed clear is an error (the signature is not returned).
    let di = digest_info();
    let t = unlock_script(ScriptedTransport::new(), "0018", "63C3", "31323334", OK)
        .expect("00A4020C020017", OK)
        .expect_bytes(
            &hex::decode(format!("802A008033{}00", hexs(&di))).unwrap(),
            &with_sw(&[7; 256], OK),
        )
        .expect(SELECT_ISD, "6A82")
        .expect_error(SELECT_TEXT, || TransportError::CardRemoved);
    let log = t.log();
    let err = Client::new(t).sign(PinEntry::Host(&pin), &di, false).unwrap_err();
    log.assert_done();
    match err {
        CardError::NotCleared(detail) => assert_eq!(
            detail,
            "selecting the ISD: 6A 82; selecting the text application: the card was removed \
             during the operation: put it back and try again"
        ),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_select_answered_6f00_is_sent_once_more_a_verify_never() {
    // One source reports 6F 00 to the first command after the card was powered off ([C]).
    let pin = AuthPin::new("1234").unwrap();
    let t = ScriptedTransport::new()
        .expect(SELECT_JPKI, "6F00")
        .expect(SELECT_JPKI, OK)
        .expect("00A4020C020018", OK)
        .expect("00200080", "63C3")
        .expect("002000800431323334", "6F00")
        .expect(SELECT_ISD, OK);
    let log = t.log();
    let err = Client::new(t).verify_pin(PinEntry::Host(&pin), false).unwrap_err();
    log.assert_done();
    assert!(matches!(
        err,
        CardError::Unexpected { command: "VERIFY", sw: StatusWord::NoPreciseDiagnosis }
    ));
    // Twice 6F 00: not sent a third time.
    let t = ScriptedTransport::new().expect(SELECT_JPKI, "6F00").expect(SELECT_JPKI, "6F00");
    let log = t.log();
    let err = Client::new(t).read_certificate(CertKind::Auth).unwrap_err();
    log.assert_done();
    assert!(matches!(err, CardError::Unexpected { command: "SELECT application", .. }));
}
