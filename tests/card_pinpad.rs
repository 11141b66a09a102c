//! PIN entry on a reader's PIN pad: the decision (`Client::pinpad_for`) and the verification
//! through `Transport::control`, pinned byte for byte on the scripted transport, then end to
//! end on the virtual card behind a simulated pad reader.

use mynacard::card::testing::{Event, ScriptedTransport};
use mynacard::card::{
    AuthPin, CardError, Client, KeyKind, PinChange, PinEntry, PinKind, PinPad, PinPadMode, TextPin,
};
use mynacard::facts;
use mynacard::sim::card::{Profile, VirtualCard};
use mynacard::sim::image::CardImage;
use mynacard::sim::transport::{
    PadInput, SharedCard, SimPinPad, SIM_MODIFY_PIN_DIRECT, SIM_VERIFY_PIN_DIRECT,
};
use mynacard::transport::pinpad::{feature_request_code, PinPadError, PinPadParams};
use mynacard::transport::TransportError;

const SELECT_JPKI: &str = "00A4040C0AD392F000260100000001";
const SELECT_TEXT: &str = "00A4040C0AD3921000310001010408";
/// Leaving the application after a PIN operation (a re-select would keep the verification:
/// measured on real cards, [C]).
const SELECT_ISD: &str = "00A4040C07A0000001510000";
const SELECT_AUTH_PIN: &str = "00A4020C020018";
const OK: &str = "9000";
/// The control codes libccid gives FEATURE_VERIFY_PIN_DIRECT and FEATURE_MODIFY_PIN_DIRECT.
const CODE: u32 = 0x4233_0006;
const MODIFY_CODE: u32 = 0x4233_0007;
/// A pad reader's feature list: VERIFY_PIN_DIRECT and MODIFY_PIN_DIRECT.
const FEATURES: &str = "060442330006070442330007";
/// PIN_VERIFY_STRUCTURE for a 4-digit PIN: 30 s timeouts, ASCII at byte 0, 4..4 digits,
/// validation on max size or OK key, one message, English, VERIFY template `00 20 00 80 00`.
const STRUCTURE_4: &str = "1E1E82000004040301090400000000050000000020008000";

fn clean(s: &str) -> String {
    s.chars().filter(char::is_ascii_hexdigit).collect()
}

/// PIN_MODIFY_STRUCTURE for a new 4-digit PIN typed twice, template `00 24 01 80 00`.
const MODIFY_4: &str = "1E1E82000000000404010302090401020000000005000000 0024018000";

/// The pad of a reader offering both features.
fn pad() -> PinPad {
    PinPad { control_code: CODE, modify_code: Some(MODIFY_CODE), params: PinPadParams::default() }
}

fn digest_info() -> Vec<u8> {
    let mut di = facts::DIGEST_INFO_SHA256.to_vec();
    di.extend([0x5A; 32]);
    di
}

#[test]
fn off_and_the_signature_password_never_ask_the_reader() {
    let t = ScriptedTransport::new();
    let log = t.log();
    let mut client = Client::new(t);
    assert_eq!(client.pinpad_for(PinKind::Auth, PinPadMode::Off).unwrap(), None);
    assert_eq!(client.pinpad_for(PinKind::Sign, PinPadMode::Auto).unwrap(), None);
    let e = client.pinpad_for(PinKind::Sign, PinPadMode::On).unwrap_err();
    assert!(matches!(e, CardError::PinPadCannotEnter { kind: PinKind::Sign }), "{e}");
    assert!(e.to_string().contains("signature password contains letters"), "{e}");
    assert!(log.events().is_empty(), "{:?}", log.events());
}

#[test]
fn a_pad_reader_is_found_by_its_feature_list() {
    for (mode, kind) in [
        (PinPadMode::Auto, PinKind::Auth),
        (PinPadMode::On, PinKind::Auth),
        (PinPadMode::Auto, PinKind::Text),
    ] {
        let t =
            ScriptedTransport::new().expect_control(feature_request_code(), "", &clean(FEATURES));
        let log = t.log();
        let found = Client::new(t).pinpad_for(kind, mode).unwrap();
        assert_eq!(found, Some(pad()));
        log.assert_done();
        // One control request, no APDU.
        assert_eq!(log.sent(), Vec::<String>::new());
    }
}

#[test]
fn a_pad_that_only_verifies_cannot_change_pins() {
    let t = ScriptedTransport::new().expect_control(feature_request_code(), "", "060442330006");
    let found = Client::new(t).pinpad_for(PinKind::Auth, PinPadMode::On).unwrap().unwrap();
    assert_eq!(found, PinPad { modify_code: None, ..pad() });
    // Refused before anything is sent: the current PIN would be verified for nothing.
    let t = ScriptedTransport::new();
    let log = t.log();
    let e = Client::new(t).change_pin::<AuthPin>(PinChange::Pad(found), false).unwrap_err();
    assert!(matches!(e, CardError::NoPinPadChange), "{e}");
    assert!(e.to_string().contains("cannot change PINs"), "{e}");
    assert!(log.events().is_empty());
}

#[test]
fn changing_a_pin_on_the_pad_pins_every_byte() {
    let script = |modify_answer: &str| {
        ScriptedTransport::new()
            .expect(SELECT_JPKI, OK)
            .expect(SELECT_AUTH_PIN, OK)
            .expect("00200080", "63C3")
            .expect_control(CODE, &clean(STRUCTURE_4), OK)
            .expect_control(MODIFY_CODE, &clean(MODIFY_4), modify_answer)
            .expect(SELECT_ISD, OK)
    };
    let t = script(OK);
    let log = t.log();
    Client::new(t).change_pin::<AuthPin>(PinChange::Pad(pad()), false).unwrap();
    log.assert_done();
    // Neither the current nor the new PIN crossed the host.
    assert!(
        log.sent().iter().all(|a| a == "00200080" || !a.starts_with("002")),
        "{:?}",
        log.sent()
    );
    for (answer, check) in [
        (
            "6402",
            (|e| matches!(e, CardError::PinPadMismatch { kind: PinKind::Auth }))
                as fn(&CardError) -> bool,
        ),
        ("6401", |e| matches!(e, CardError::PinPadCancelled)),
        ("6982", |e| matches!(e, CardError::SecurityStatus { what: "to change the PIN" })),
        ("6A80", |e| {
            matches!(
                e,
                CardError::Unexpected { command: "CHANGE REFERENCE DATA on the PIN pad", .. }
            )
        }),
    ] {
        let t = script(answer);
        let log = t.log();
        let e = Client::new(t).change_pin::<AuthPin>(PinChange::Pad(pad()), false).unwrap_err();
        assert!(check(&e), "{answer}: {e:?}");
        log.assert_done();
    }
    assert!(CardError::PinPadMismatch { kind: PinKind::Auth }
        .to_string()
        .contains("nothing was changed"));
    // A wrong current PIN on the pad: the change is never asked for.
    let t = ScriptedTransport::new()
        .expect(SELECT_JPKI, OK)
        .expect(SELECT_AUTH_PIN, OK)
        .expect("00200080", "63C3")
        .expect_control(CODE, &clean(STRUCTURE_4), "63C2")
        .expect(SELECT_ISD, OK);
    let log = t.log();
    let e = Client::new(t).change_pin::<AuthPin>(PinChange::Pad(pad()), false).unwrap_err();
    assert!(matches!(e, CardError::WrongPin { tries_left: 2, .. }), "{e}");
    log.assert_done();
}

#[test]
fn a_reader_without_a_pad_falls_back_in_auto_and_fails_in_on() {
    // No VERIFY_PIN_DIRECT in the list (only MODIFY), an empty list, no control requests at
    // all (the in-process card), a reader that refuses the request.
    let scripts: Vec<fn() -> ScriptedTransport> = vec![
        || ScriptedTransport::new().expect_control(feature_request_code(), "", "070442330007"),
        || ScriptedTransport::new().expect_control(feature_request_code(), "", ""),
        || {
            ScriptedTransport::new()
                .expect_control_error(feature_request_code(), "", || TransportError::NoControl)
        },
        || {
            ScriptedTransport::new().expect_control_error(feature_request_code(), "", || {
                TransportError::Pcsc("unsupported feature".into())
            })
        },
    ];
    for script in &scripts {
        assert_eq!(
            Client::new(script()).pinpad_for(PinKind::Auth, PinPadMode::Auto).unwrap(),
            None
        );
        let e = Client::new(script()).pinpad_for(PinKind::Auth, PinPadMode::On).unwrap_err();
        assert!(matches!(e, CardError::NoPinPad), "{e}");
        assert!(e.to_string().contains("no PIN pad"), "{e}");
    }
}

#[test]
fn a_malformed_feature_list_is_reported_only_when_the_pad_is_required() {
    let script =
        || ScriptedTransport::new().expect_control(feature_request_code(), "", "0602423300");
    assert_eq!(Client::new(script()).pinpad_for(PinKind::Auth, PinPadMode::Auto).unwrap(), None);
    let e = Client::new(script()).pinpad_for(PinKind::Auth, PinPadMode::On).unwrap_err();
    assert!(matches!(e, CardError::PinPad(PinPadError::FeatureLength { tag: 6, len: 2 })), "{e}");
    assert!(e.to_string().starts_with("PIN pad: malformed reader feature list"), "{e}");
}

#[test]
fn a_removed_card_is_an_error_in_every_mode() {
    for mode in [PinPadMode::Auto, PinPadMode::On] {
        let t = ScriptedTransport::new()
            .expect_control_error(feature_request_code(), "", || TransportError::CardRemoved);
        let e = Client::new(t).pinpad_for(PinKind::Auth, mode).unwrap_err();
        assert!(matches!(e, CardError::Transport(TransportError::CardRemoved)), "{e}");
    }
}

/// The bytes of signing with the authentication key, its PIN typed on the pad: the host
/// sends the structure, never a VERIFY with data.
#[test]
fn signing_with_the_pin_on_the_pad_pins_every_byte() {
    let di = digest_info();
    let mut sign_cmd = hex::decode("802A00803300").unwrap();
    sign_cmd[4] = di.len() as u8;
    sign_cmd.truncate(5);
    sign_cmd.extend(&di);
    sign_cmd.push(0x00);
    let mut sig = vec![0x42; 256];
    sig.extend([0x90, 0x00]);
    let t = ScriptedTransport::new()
        .expect(SELECT_JPKI, OK)
        .expect(SELECT_AUTH_PIN, OK)
        .expect("00200080", "63C3")
        .expect_control(CODE, &clean(STRUCTURE_4), OK)
        .expect("00A4020C020017", OK)
        .expect_bytes(&sign_cmd, &sig)
        .expect(SELECT_ISD, OK);
    let log = t.log();
    let mut client = Client::new(t);
    let mut unlocked = client.unlock::<AuthPin>(PinEntry::Pad(pad()), false).unwrap();
    assert_eq!(unlocked.key(), KeyKind::Auth);
    assert_eq!(unlocked.sign(&di).unwrap(), vec![0x42; 256]);
    unlocked.finish().unwrap();
    log.assert_done();
    let events = log.events();
    // Everything in one transaction, the pad request inside it.
    assert_eq!(events.first(), Some(&Event::Begin));
    assert_eq!(events.last(), Some(&Event::End));
    assert_eq!(events.iter().filter(|e| **e == Event::Begin).count(), 1);
    assert!(events.contains(&Event::Control { code: CODE, input: clean(STRUCTURE_4) }));
    // No VERIFY carrying data ever left the host.
    assert!(log.sent().iter().filter(|a| a.starts_with("0020")).all(|a| a == "00200080"));
}

#[test]
fn the_text_application_and_a_plain_verification_take_the_pad_too() {
    let t = ScriptedTransport::new()
        .expect(SELECT_TEXT, OK)
        .expect("00A4020C020011", OK)
        .expect("00200080", "63C3")
        .expect_control(CODE, &clean(STRUCTURE_4), OK)
        .expect(SELECT_ISD, OK);
    let log = t.log();
    Client::new(t).verify_pin::<TextPin>(PinEntry::Pad(pad()), false).unwrap();
    log.assert_done();

    // read_text: the pad's wrong PIN ends the read before any file is touched.
    let t = ScriptedTransport::new()
        .expect(SELECT_TEXT, OK)
        .expect("00A4020C020011", OK)
        .expect("00200080", "63C3")
        .expect_control(CODE, &clean(STRUCTURE_4), "63C2")
        .expect(SELECT_ISD, OK);
    let log = t.log();
    let e = Client::new(t).read_text(PinEntry::Pad(pad()), false).unwrap_err();
    assert!(matches!(e, CardError::WrongPin { kind: PinKind::Text, tries_left: 2 }), "{e}");
    log.assert_done();
}

/// Every answer of the pad, each followed by the select of the ISD that leaves JPKI.
#[test]
fn every_pad_answer_has_its_error() {
    type IsExpected = fn(&CardError) -> bool;
    let cases: Vec<(&str, IsExpected)> = vec![
        ("63C1", |e| matches!(e, CardError::WrongPin { kind: PinKind::Auth, tries_left: 1 })),
        ("63C0", |e| matches!(e, CardError::PinBlocked { kind: PinKind::Auth })),
        ("6983", |e| matches!(e, CardError::PinBlocked { kind: PinKind::Auth })),
        ("6400", |e| matches!(e, CardError::PinPadTimeout)),
        ("6401", |e| matches!(e, CardError::PinPadCancelled)),
        ("6403", |e| matches!(e, CardError::PinPadLength { kind: PinKind::Auth })),
        ("6B80", |e| matches!(e, CardError::PinPadRejected)),
        ("6A88", |e| matches!(e, CardError::Unexpected { command: "VERIFY on the PIN pad", .. })),
        ("900000", |e| matches!(e, CardError::PinPad(PinPadError::BadAnswer { len: 3 }))),
    ];
    for (answer, check) in cases {
        let t = ScriptedTransport::new()
            .expect(SELECT_JPKI, OK)
            .expect(SELECT_AUTH_PIN, OK)
            .expect("00200080", "63C3")
            .expect_control(CODE, &clean(STRUCTURE_4), answer)
            .expect(SELECT_ISD, OK);
        let log = t.log();
        let e = Client::new(t).unlock::<AuthPin>(PinEntry::Pad(pad()), false).err().unwrap();
        assert!(check(&e), "{answer}: {e:?}");
        log.assert_done();
    }
    // Messages say what happened and that no try was spent where none was.
    for e in [
        CardError::PinPadTimeout,
        CardError::PinPadCancelled,
        CardError::PinPadLength { kind: PinKind::Auth },
    ] {
        assert!(e.to_string().contains("no try was spent"), "{e}");
    }
    assert!(CardError::PinPadRejected.to_string().contains("6B 80"));

    // The card pulled while the user types.
    let t = ScriptedTransport::new()
        .expect(SELECT_JPKI, OK)
        .expect(SELECT_AUTH_PIN, OK)
        .expect("00200080", "63C3")
        .expect_control_error(CODE, &clean(STRUCTURE_4), || TransportError::CardRemoved)
        .expect(SELECT_ISD, OK);
    let e = Client::new(t).unlock::<AuthPin>(PinEntry::Pad(pad()), false).err().unwrap();
    assert!(matches!(e, CardError::Transport(TransportError::CardRemoved)), "{e}");
}

#[test]
fn the_counter_is_checked_before_the_pad_is_asked() {
    // One try left: refused without the pad being asked; blocked: the same.
    for (counter, check) in [
        ("63C1", (|e| matches!(e, CardError::LastTry { .. })) as fn(&CardError) -> bool),
        ("63C0", |e| matches!(e, CardError::PinBlocked { .. })),
    ] {
        let t = ScriptedTransport::new()
            .expect(SELECT_JPKI, OK)
            .expect(SELECT_AUTH_PIN, OK)
            .expect("00200080", counter)
            .expect(SELECT_ISD, OK);
        let log = t.log();
        let e = Client::new(t).unlock::<AuthPin>(PinEntry::Pad(pad()), false).err().unwrap();
        assert!(check(&e), "{counter}: {e}");
        log.assert_done();
        assert!(!log.events().iter().any(|e| matches!(e, Event::Control { .. })));
    }
}

// --- end to end on the virtual card behind the simulated pad reader ---

fn sim_card() -> SharedCard {
    SharedCard::new(VirtualCard::new(CardImage::default_image(), Profile::default()))
}

fn auth_tries(card: &SharedCard) -> u8 {
    let t = card.transport();
    Client::new(t)
        .pin_status(PinKind::Auth)
        .map(|s| match s {
            mynacard::card::PinStatus::Remaining(n) => n,
            mynacard::card::PinStatus::Blocked => 0,
        })
        .unwrap()
}

#[test]
fn the_simulated_pad_signs_exactly_as_a_host_pin_does() {
    let card = sim_card();
    card.set_pinpad(Some(SimPinPad::new([PadInput::digits("1234")]))).unwrap();
    let di = digest_info();
    let mut client = Client::new(card.transport());
    let found = client.pinpad_for(PinKind::Auth, PinPadMode::Auto).unwrap();
    assert_eq!(
        found,
        Some(PinPad {
            control_code: SIM_VERIFY_PIN_DIRECT,
            modify_code: Some(SIM_MODIFY_PIN_DIRECT),
            ..pad()
        })
    );
    let mut unlocked = client.unlock::<AuthPin>(PinEntry::Pad(found.unwrap()), false).unwrap();
    let on_pad = unlocked.sign(&di).unwrap();
    unlocked.finish().unwrap();
    // PKCS#1 v1.5 is deterministic: the same key signed.
    let from_host =
        client.sign(PinEntry::Host(&AuthPin::new("1234").unwrap()), &di, false).unwrap();
    assert_eq!(on_pad, from_host);
    assert_eq!(card.pinpad().unwrap().unwrap().requests(), 1);
    // The card saw one VERIFY with 4 bytes of data from the pad (redacted in its history).
    let verifies = card
        .with_card(|c| {
            c.history()
                .iter()
                .filter(|h| h.command.starts_with("00200080") && h.command.len() > 8)
                .count()
        })
        .unwrap();
    assert_eq!(verifies, 2);
}

#[test]
fn the_simulated_pad_counts_wrong_pins_and_spends_nothing_on_cancel_or_bad_length() {
    let card = sim_card();
    card.set_pinpad(Some(SimPinPad::new([
        PadInput::Cancel,
        PadInput::digits("123"),
        PadInput::Timeout,
        PadInput::digits("9999"),
        PadInput::digits("1234"),
    ])))
    .unwrap();
    let mut client = Client::new(card.transport());
    let unlock = |client: &mut Client<_>| {
        client.unlock::<AuthPin>(PinEntry::Pad(pad_for_sim()), false).map(|u| u.finish()).err()
    };
    assert!(matches!(unlock(&mut client), Some(CardError::PinPadCancelled)));
    assert!(matches!(unlock(&mut client), Some(CardError::PinPadLength { .. })));
    assert!(matches!(unlock(&mut client), Some(CardError::PinPadTimeout)));
    assert_eq!(auth_tries(&card), 3);
    assert!(matches!(
        unlock(&mut client),
        Some(CardError::WrongPin { kind: PinKind::Auth, tries_left: 2 })
    ));
    assert!(unlock(&mut client).is_none());
    assert_eq!(auth_tries(&card), 3);
    // Queue empty: the pad times out.
    assert!(matches!(unlock(&mut client), Some(CardError::PinPadTimeout)));
    assert_eq!(card.pinpad().unwrap().unwrap().requests(), 6);
}

fn pad_for_sim() -> PinPad {
    PinPad {
        control_code: SIM_VERIFY_PIN_DIRECT,
        modify_code: Some(SIM_MODIFY_PIN_DIRECT),
        params: PinPadParams::default(),
    }
}

#[test]
fn the_simulated_reader_without_a_pad_takes_no_control_requests() {
    let card = sim_card();
    let mut client = Client::new(card.transport());
    assert_eq!(client.pinpad_for(PinKind::Auth, PinPadMode::Auto).unwrap(), None);
    assert!(matches!(client.pinpad_for(PinKind::Auth, PinPadMode::On), Err(CardError::NoPinPad)));
    let e = client.unlock::<AuthPin>(PinEntry::Pad(pad_for_sim()), false).err().unwrap();
    assert!(matches!(e, CardError::Transport(TransportError::NoControl)), "{e}");
    assert_eq!(auth_tries(&card), 3);
}

#[test]
fn the_simulated_pad_changes_a_pin_and_the_card_takes_the_new_one() {
    let card = sim_card();
    card.set_pinpad(Some(SimPinPad::new([
        // Current PIN, then two different new ones: nothing changes.
        PadInput::digits("1234"),
        PadInput::digits("5678"),
        PadInput::digits("5679"),
        // Current PIN, new PIN twice.
        PadInput::digits("1234"),
        PadInput::digits("5678"),
        PadInput::digits("5678"),
    ])))
    .unwrap();
    let mut client = Client::new(card.transport());
    let e = client.change_pin::<AuthPin>(PinChange::Pad(pad_for_sim()), false).unwrap_err();
    assert!(matches!(e, CardError::PinPadMismatch { .. }), "{e}");
    client.change_pin::<AuthPin>(PinChange::Pad(pad_for_sim()), false).unwrap();
    let di = digest_info();
    let e = client.sign(PinEntry::Host(&AuthPin::new("1234").unwrap()), &di, false).unwrap_err();
    assert!(matches!(e, CardError::WrongPin { tries_left: 2, .. }), "{e}");
    client.sign(PinEntry::Host(&AuthPin::new("5678").unwrap()), &di, false).unwrap();
    assert_eq!(card.pinpad().unwrap().unwrap().requests(), 4);
}
