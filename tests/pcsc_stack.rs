//! The PC/SC stack end to end: `mynacard sim serve` → vpcd → pcscd → our PC/SC transport.
//! Needs a private pcscd: run under `scripts/with-pcscd … -- --test-threads=1`; without
//! `MYNACARD_PCSCD=1` every test prints a notice and passes without doing anything.

mod common;

use std::time::{Duration, Instant};

use common::*;
use mynacard::apdu::Command as Apdu;
use mynacard::facts::{jpki, AID_JPKI, SIM_ATR};
use mynacard::transport::pcsc::{list_readers, wait_for_card, PcscTransport, ShareMode};
use mynacard::transport::trace::TraceTransport;
use mynacard::transport::{Transport, TransportError};

/// Send one APDU; split the answer into data and status word.
fn send(t: &mut dyn Transport, apdu: &Apdu) -> (Vec<u8>, [u8; 2]) {
    let answer = t.transmit(&apdu.to_bytes().expect("encode")).expect("transmit");
    assert!(answer.len() >= 2, "short answer {answer:02X?}");
    let (data, sw) = answer.split_at(answer.len() - 2);
    (data.to_vec(), [sw[0], sw[1]])
}

/// Read a whole certificate EF with short READ BINARYs, the size taken from its DER header.
fn read_cert(t: &mut dyn Transport, fid: u16) -> Vec<u8> {
    assert_eq!(send(t, &Apdu::select_ef(fid)).1, [0x90, 0x00], "SELECT EF {fid:04X}");
    let (first, sw) = send(t, &Apdu::read_binary(0, 256));
    assert_eq!(sw, [0x90, 0x00], "first READ BINARY of {fid:04X}");
    assert_eq!(first.get(..2), Some(&[0x30, 0x82][..]), "not a DER SEQUENCE");
    let total = 4 + usize::from(u16::from_be_bytes([first[2], first[3]]));
    let mut out = first;
    while out.len() < total {
        let le = (total - out.len()).min(256);
        let (chunk, sw) = send(t, &Apdu::read_binary(out.len() as u16, le));
        assert_eq!(sw, [0x90, 0x00], "READ BINARY at {}", out.len());
        assert!(!chunk.is_empty());
        out.extend_from_slice(&chunk);
    }
    out.truncate(total);
    out
}

#[test]
fn lists_the_virtual_reader_with_the_card() {
    if !pcscd_or_skip("lists_the_virtual_reader_with_the_card") {
        return;
    }
    let _sim = SimServer::start();
    let readers = list_readers().expect("list readers");
    let card = readers.iter().find(|r| r.name == READER).expect("Virtual PCD 00 00 listed");
    assert!(card.card_present);
    assert_eq!(card.atr.as_deref(), Some(&SIM_ATR[..]));
    let empty = readers.iter().find(|r| r.name == EMPTY_READER).expect("Virtual PCD 00 01 listed");
    assert!(!empty.card_present);
    assert_eq!(empty.atr, None);
}

#[test]
fn selects_jpki_and_reads_the_authentication_certificate() {
    if !pcscd_or_skip("selects_jpki_and_reads_the_authentication_certificate") {
        return;
    }
    let image = default_image();
    let _sim = SimServer::start();
    let mut t = PcscTransport::connect(READER, ShareMode::Shared).expect("connect");
    assert_eq!(t.info().name, READER);
    assert_eq!(t.info().atr, SIM_ATR.to_vec());
    // Unknown AIDs never answer 90 00.
    assert_eq!(send(&mut t, &Apdu::select_aid(&[0xA0, 0, 0, 0, 0x63])).1, [0x6A, 0x82]);
    assert_eq!(send(&mut t, &Apdu::select_aid(&AID_JPKI)), (vec![], [0x90, 0x00]));
    let cert = read_cert(&mut t, jpki::EF_AUTH_CERT);
    assert_eq!(cert, jpki_file(&image, jpki::EF_AUTH_CERT));
    // Inside an exclusive transaction too.
    let mut guard = t.exclusive().expect("begin transaction");
    assert_eq!(
        read_cert(&mut *guard, jpki::EF_AUTH_CA_CERT),
        jpki_file(&image, jpki::EF_AUTH_CA_CERT)
    );
}

#[test]
fn the_signature_certificate_needs_the_password() {
    if !pcscd_or_skip("the_signature_certificate_needs_the_password") {
        return;
    }
    let image = default_image();
    let _sim = SimServer::start();
    let mut t = PcscTransport::connect_exclusive(READER).expect("connect");
    assert_eq!(t.share_mode(), ShareMode::Exclusive);
    let mut g = t.exclusive().expect("transaction");
    assert_eq!(send(&mut *g, &Apdu::select_aid(&AID_JPKI)).1, [0x90, 0x00]);
    assert_eq!(send(&mut *g, &Apdu::select_ef(jpki::EF_SIGN_CERT)).1, [0x90, 0x00]);
    assert_eq!(send(&mut *g, &Apdu::read_binary(0, 4)).1, [0x69, 0x82]);
    assert_eq!(send(&mut *g, &Apdu::select_ef(jpki::EF_SIGN_PIN)).1, [0x90, 0x00]);
    assert_eq!(send(&mut *g, &Apdu::verify_status()).1, [0x63, 0xC5]);
    assert_eq!(send(&mut *g, &Apdu::verify(SIGN_PIN.as_bytes())).1, [0x90, 0x00]);
    assert_eq!(read_cert(&mut *g, jpki::EF_SIGN_CERT), jpki_file(&image, jpki::EF_SIGN_CERT));
    // A warm reset keeps the security state (measured on real cards, [C]); selecting the
    // GlobalPlatform ISD clears it.
    g.reset().expect("reset");
    assert_eq!(send(&mut *g, &Apdu::select_aid(&AID_JPKI)).1, [0x90, 0x00]);
    assert_eq!(send(&mut *g, &Apdu::select_ef(jpki::EF_SIGN_CERT)).1, [0x90, 0x00]);
    assert_eq!(send(&mut *g, &Apdu::read_binary(0, 4)).1, [0x90, 0x00]);
    assert_eq!(send(&mut *g, &Apdu::select_aid(&mynacard::facts::AID_ISD)).1, [0x90, 0x00]);
    assert_eq!(send(&mut *g, &Apdu::select_aid(&AID_JPKI)).1, [0x90, 0x00]);
    assert_eq!(send(&mut *g, &Apdu::select_ef(jpki::EF_SIGN_CERT)).1, [0x90, 0x00]);
    assert_eq!(send(&mut *g, &Apdu::read_binary(0, 4)).1, [0x69, 0x82]);
}

#[test]
fn exclusive_connection_keeps_others_out() {
    if !pcscd_or_skip("exclusive_connection_keeps_others_out") {
        return;
    }
    let _sim = SimServer::start();
    let _owner = PcscTransport::connect_exclusive(READER).expect("connect exclusive");
    match PcscTransport::connect(READER, ShareMode::Shared) {
        Err(TransportError::CardInUse) => {}
        other => panic!("expected CardInUse, got {other:?}"),
    }
}

#[test]
fn reader_choice_by_substring_index_and_errors() {
    if !pcscd_or_skip("reader_choice_by_substring_index_and_errors") {
        return;
    }
    let _sim = SimServer::start();
    assert_eq!(
        PcscTransport::connect("00 00", ShareMode::Shared).expect("substring").info().name,
        READER
    );
    let index = list_readers().unwrap().iter().position(|r| r.name == READER).unwrap();
    let t = PcscTransport::connect(&index.to_string(), ShareMode::Shared).expect("index");
    assert_eq!(t.info().name, READER);
    drop(t);
    // No argument: the only reader holding a card.
    assert_eq!(PcscTransport::connect("", ShareMode::Shared).expect("auto").info().name, READER);
    assert!(matches!(
        PcscTransport::connect("Virtual", ShareMode::Shared),
        Err(TransportError::AmbiguousReader { matches: 2, .. })
    ));
    assert!(matches!(
        PcscTransport::connect("Gemalto", ShareMode::Shared),
        Err(TransportError::ReaderNotFound { .. })
    ));
    assert!(matches!(
        PcscTransport::connect(EMPTY_READER, ShareMode::Shared),
        Err(TransportError::NoCard { .. })
    ));
}

#[test]
fn waiting_for_a_card() {
    if !pcscd_or_skip("waiting_for_a_card") {
        return;
    }
    let started = Instant::now();
    match wait_for_card(EMPTY_READER, Duration::from_millis(700)) {
        Err(TransportError::Timeout { reader, .. }) => assert_eq!(reader, EMPTY_READER),
        other => panic!("expected Timeout, got {other:?}"),
    }
    assert!(started.elapsed() >= Duration::from_millis(700));
    let _sim = SimServer::start();
    let status = wait_for_card(READER, Duration::from_secs(5)).expect("card present");
    assert_eq!(status.atr.as_deref(), Some(&SIM_ATR[..]));
}

#[test]
fn a_vanished_card_is_reported_as_removed() {
    if !pcscd_or_skip("a_vanished_card_is_reported_as_removed") {
        return;
    }
    let sim = SimServer::start();
    let mut t = PcscTransport::connect(READER, ShareMode::Shared).expect("connect");
    assert_eq!(send(&mut t, &Apdu::select_aid(&AID_JPKI)).1, [0x90, 0x00]);
    sim.kill();
    assert!(wait_reader(READER, Duration::from_secs(10), |s| !s.card_present), "card still seen");
    match t.transmit(&Apdu::select_aid(&AID_JPKI).to_bytes().unwrap()) {
        Err(TransportError::CardRemoved) => {}
        other => panic!("expected CardRemoved, got {other:?}"),
    }
}

#[test]
fn the_card_survives_power_cycles() {
    if !pcscd_or_skip("the_card_survives_power_cycles") {
        return;
    }
    let _sim = SimServer::start();
    for round in 0..2 {
        let mut t = PcscTransport::connect(READER, ShareMode::Shared).expect("connect");
        assert_eq!(send(&mut t, &Apdu::select_aid(&AID_JPKI)).1, [0x90, 0x00], "round {round}");
        drop(t);
        // pcscd powers an unused card off about a second after the last client leaves.
        std::thread::sleep(Duration::from_millis(2500));
    }
}

#[test]
fn traces_redact_the_pin_on_a_real_stack() {
    if !pcscd_or_skip("traces_redact_the_pin_on_a_real_stack") {
        return;
    }
    let _sim = SimServer::start();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("trace.txt");
    {
        let pcsc = PcscTransport::connect_exclusive(READER).expect("connect");
        let mut t = TraceTransport::to_file(pcsc, &path).expect("trace file").without_timing();
        let mut g = t.exclusive().unwrap();
        send(&mut *g, &Apdu::select_aid(&AID_JPKI));
        send(&mut *g, &Apdu::select_ef(jpki::EF_AUTH_PIN));
        assert_eq!(send(&mut *g, &Apdu::verify(AUTH_PIN.as_bytes())).1, [0x90, 0x00]);
    }
    let trace = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        trace,
        "# begin exclusive\n\
         > 00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01\n< 90 00\n\
         > 00 A4 02 0C 02 00 18\n< 90 00\n\
         > 00 20 00 80 04 **\n< 90 00\n\
         # end exclusive\n"
    );
    assert!(!trace.contains("31 32 33 34"));
}

#[test]
fn the_cli_lists_readers_and_the_server_stops_on_sigterm() {
    if !pcscd_or_skip("the_cli_lists_readers_and_the_server_stops_on_sigterm") {
        return;
    }
    let sim = SimServer::start();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_mynacard"))
        .args(["readers", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let list = v["readers"].as_array().unwrap();
    let card = list.iter().find(|r| r["name"] == READER).unwrap();
    assert_eq!(card["card_present"], true);
    assert_eq!(card["atr"], hex::encode_upper(SIM_ATR));
    let text = std::process::Command::new(env!("CARGO_BIN_EXE_mynacard"))
        .env("LC_ALL", "C")
        .arg("readers")
        .output()
        .unwrap();
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(text.contains("Virtual PCD 00 00  card  ATR 3BE000FF8131FE4514"), "{text}");
    let status = sim.terminate();
    assert_eq!(status.code(), Some(0), "sim serve must exit 0 on SIGTERM");
}
