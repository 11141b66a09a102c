//! The card client against the in-process virtual card (default image): the same calls a
//! user's program makes, with round trips counted on the card side, signatures checked
//! against the card's keys, and a CMS verified by OpenSSL against the card's CA.

mod openssl_pki;

use mynacard::card::{
    AuthPin, CardError, CertKind, Client, LengthMode, PinChange, PinEntry, PinKind, PinStatus,
    SignPassword, TextPin, TokenType,
};
use mynacard::facts;
use mynacard::sign::{sign_detached, CmsOptions, HashAlg};
use mynacard::sim::card::{BlockedStatus, CommandCounts, Profile, VirtualCard};
use mynacard::sim::image::{CardImage, SIM_AUTH_PIN, SIM_SIGN_PIN, SIM_TEXT_PIN};
use mynacard::sim::transport::{SharedCard, VirtualTransport};
use mynacard::transport::TransportError;
use rsa::{Pkcs1v15Sign, RsaPublicKey};

fn card(profile: Profile) -> SharedCard {
    SharedCard::new(VirtualCard::new(CardImage::default_image(), profile))
}

fn client(shared: &SharedCard) -> Client<VirtualTransport> {
    Client::new(shared.transport())
}

fn counts(shared: &SharedCard) -> CommandCounts {
    shared.with_card(|c| *c.counts()).unwrap()
}

fn file(shared: &SharedCard, aid: &[u8], fid: u16) -> Vec<u8> {
    shared.with_card(|c| c.image().app(aid).unwrap().files[&fid].data.clone()).unwrap()
}

fn public_key(shared: &SharedCard, fid: u16) -> RsaPublicKey {
    shared
        .with_card(|c| c.image().app(&facts::AID_JPKI).unwrap().keys[&fid].key.to_public_key())
        .unwrap()
}

fn tries(shared: &SharedCard, aid: &[u8], fid: u16) -> u8 {
    shared.with_card(|c| c.image().app(aid).unwrap().pins[&fid].tries_left).unwrap()
}

/// Length of the DER object at the start of a file.
fn der_len(f: &[u8]) -> usize {
    match f[1] {
        0x82 => 4 + ((f[2] as usize) << 8 | f[3] as usize),
        0x81 => 3 + f[2] as usize,
        n => 2 + n as usize,
    }
}

#[test]
fn detect_and_read_every_free_certificate_with_minimal_round_trips() {
    let shared = card(Profile::default());
    let mut c = client(&shared);
    assert_eq!(c.detect().unwrap(), TokenType::Card);
    for kind in [CertKind::Auth, CertKind::AuthCa, CertKind::SignCa] {
        let before = counts(&shared);
        let cert = c.read_certificate(kind).unwrap();
        let after = counts(&shared);
        let on_card = file(&shared, &facts::AID_JPKI, kind.ef());
        assert_eq!(cert, on_card[..der_len(&on_card)].to_vec(), "{kind:?}");
        assert_eq!(after.select_file - before.select_file, 1);
        assert_eq!(
            after.read_binary - before.read_binary,
            cert.len().div_ceil(256) as u64,
            "{kind:?}"
        );
    }
}

#[test]
fn one_extended_read_per_certificate_on_a_contact_reader() {
    let shared = card(Profile { extended_length: true, ..Profile::default() });
    let mut c = client(&shared);
    assert!(c.link_state().extended_in_use());
    let before = counts(&shared);
    let cert = c.read_certificate(CertKind::Auth).unwrap();
    let after = counts(&shared);
    assert_eq!(after.read_binary - before.read_binary, 1);
    assert_eq!(after.select_file - before.select_file, 1);
    assert_eq!(cert[0], 0x30);
}

#[test]
fn forced_extended_on_a_short_only_card_falls_back_once() {
    let shared = card(Profile::default());
    let mut c = Client::with_length_mode(shared.transport(), LengthMode::Extended);
    let a = c.read_certificate(CertKind::Auth).unwrap();
    assert!(c.link_state().extended_failed());
    let before = counts(&shared);
    let b = c.read_certificate(CertKind::Auth).unwrap();
    assert_eq!(a, b);
    assert_eq!(counts(&shared).read_binary - before.read_binary, a.len().div_ceil(256) as u64);
}

#[test]
fn chained_responses_and_wrong_le_are_handled() {
    for profile in [
        Profile { chain_responses: true, ..Profile::default() },
        Profile { wrong_le_6c: true, ..Profile::default() },
        Profile { chain_responses: true, extended_length: true, ..Profile::default() },
    ] {
        let shared = card(profile.clone());
        let mut c = client(&shared);
        assert_eq!(c.detect().unwrap(), TokenType::Card, "{profile:?}");
        let cert = c.read_certificate(CertKind::SignCa).unwrap();
        let on_card = file(&shared, &facts::AID_JPKI, facts::jpki::EF_SIGN_CA_CERT);
        assert_eq!(cert, on_card[..der_len(&on_card)].to_vec(), "{profile:?}");
        let pin = AuthPin::new(SIM_AUTH_PIN).unwrap();
        let di = HashAlg::Sha256.digest_info(&HashAlg::Sha256.digest(b"x")).unwrap();
        let sig = c.sign(PinEntry::Host(&pin), &di, false).unwrap();
        assert_eq!(sig.len(), 256, "{profile:?}");
    }
}

#[test]
fn sign_with_both_keys_verifies_and_clears_the_security_state() {
    let shared = card(Profile::default());
    let mut c = client(&shared);
    let content = b"sign me";
    for hash in [HashAlg::Sha256, HashAlg::Sha384, HashAlg::Sha512] {
        let hashed = hash.digest(content);
        let di = hash.digest_info(&hashed).unwrap();
        let sig = c
            .sign(
                PinEntry::Host(&SignPassword::new(&SIM_SIGN_PIN.to_lowercase()).unwrap()),
                &di,
                false,
            )
            .unwrap();
        let scheme = match hash {
            HashAlg::Sha256 => Pkcs1v15Sign::new::<sha2::Sha256>(),
            HashAlg::Sha384 => Pkcs1v15Sign::new::<sha2::Sha384>(),
            HashAlg::Sha512 => Pkcs1v15Sign::new::<sha2::Sha512>(),
            HashAlg::Sha1 => unreachable!("SHA-1 is not in the list: never used for signing"),
        };
        public_key(&shared, facts::jpki::EF_SIGN_KEY).verify(scheme, &hashed, &sig).unwrap();
    }
    let hashed = HashAlg::Sha256.digest(content);
    let sig = c
        .sign(
            PinEntry::Host(&AuthPin::new(SIM_AUTH_PIN).unwrap()),
            &HashAlg::Sha256.digest_info(&hashed).unwrap(),
            false,
        )
        .unwrap();
    public_key(&shared, facts::jpki::EF_AUTH_KEY)
        .verify(Pkcs1v15Sign::new::<sha2::Sha256>(), &hashed, &sig)
        .unwrap();

    // The password is no longer in force: the signature certificate is closed again, for
    // this client and for another one.
    let err = c.read_certificate(CertKind::Sign).unwrap_err();
    assert!(matches!(err, CardError::SecurityStatus { .. }), "{err:?}");
    let err = client(&shared).read_certificate(CertKind::Sign).unwrap_err();
    assert!(matches!(err, CardError::SecurityStatus { .. }), "{err:?}");
    assert_eq!(counts(&shared).signatures, 4);
}

#[test]
fn another_program_cannot_use_the_card_while_it_is_unlocked() {
    let shared = card(Profile::default());
    let mut c = client(&shared);
    let pw = SignPassword::new(SIM_SIGN_PIN).unwrap();
    let mut unlocked = c.unlock(PinEntry::Host(&pw), false).unwrap();
    let err = client(&shared).read_certificate(CertKind::Auth).unwrap_err();
    assert!(matches!(err, CardError::Transport(TransportError::CardInUse)), "{err:?}");
    let cert = unlocked.read_certificate(CertKind::Sign).unwrap();
    assert_eq!(cert[0], 0x30);
    unlocked.finish().unwrap();
    assert!(client(&shared).read_certificate(CertKind::Auth).is_ok());
}

#[test]
fn cms_signed_by_the_virtual_card_verifies_with_openssl() {
    let shared = card(Profile::default());
    let mut c = client(&shared);
    let ca = c.read_certificate(CertKind::SignCa).unwrap();
    let pw = SignPassword::new(SIM_SIGN_PIN).unwrap();
    let before = counts(&shared);
    let mut unlocked = c.unlock(PinEntry::Host(&pw), false).unwrap();
    let cert = unlocked.read_certificate(CertKind::Sign).unwrap();
    let content = b"a contract".repeat(50);
    let cms = sign_detached(&content, &cert, &mut unlocked, &CmsOptions::default()).unwrap();
    unlocked.finish().unwrap();
    let after = counts(&shared);
    assert_eq!(after.verify_with_data - before.verify_with_data, 1, "one VERIFY for the whole CMS");
    assert_eq!(after.signatures - before.signatures, 1);

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ca.der"), &ca).unwrap();
    std::fs::write(dir.path().join("doc.txt"), &content).unwrap();
    std::fs::write(dir.path().join("doc.p7s"), &cms).unwrap();
    openssl_pki::ok(dir.path(), &["x509", "-inform", "DER", "-in", "ca.der", "-out", "ca.pem"]);
    let out = openssl_pki::cms_verify(dir.path(), "doc.p7s", "DER", Some("doc.txt"), "ca.pem", &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn wrong_pins_count_down_then_last_try_then_blocked() {
    for blocked_status in [
        BlockedStatus::TriesZero,
        BlockedStatus::AuthMethodBlocked,
        BlockedStatus::ReferenceDataNotUsable,
    ] {
        let shared = card(Profile { blocked_status, ..Profile::default() });
        let mut c = client(&shared);
        let wrong = AuthPin::new("0000").unwrap();
        let di = HashAlg::Sha256.digest_info(&[0; 32]).unwrap();
        assert_eq!(c.pin_status(PinKind::Auth).unwrap(), PinStatus::Remaining(3));
        let err = c.sign(PinEntry::Host(&wrong), &di, false).unwrap_err();
        assert!(
            matches!(err, CardError::WrongPin { kind: PinKind::Auth, tries_left: 2 }),
            "{err:?}"
        );
        let err = c.verify_pin(PinEntry::Host(&wrong), false).unwrap_err();
        assert!(matches!(err, CardError::WrongPin { tries_left: 1, .. }), "{err:?}");
        // One try left: refused without spending it.
        let err =
            c.sign(PinEntry::Host(&AuthPin::new(SIM_AUTH_PIN).unwrap()), &di, false).unwrap_err();
        assert!(matches!(err, CardError::LastTry { kind: PinKind::Auth }), "{err:?}");
        assert_eq!(tries(&shared, &facts::AID_JPKI, facts::jpki::EF_AUTH_PIN), 1);
        let err = c.verify_pin(PinEntry::Host(&wrong), true).unwrap_err();
        assert!(
            matches!(err, CardError::WrongPin { tries_left: 0, .. } | CardError::PinBlocked { .. }),
            "{blocked_status:?}: {err:?}"
        );
        assert_eq!(c.pin_status(PinKind::Auth).unwrap(), PinStatus::Blocked);
        let before = counts(&shared);
        let err =
            c.sign(PinEntry::Host(&AuthPin::new(SIM_AUTH_PIN).unwrap()), &di, true).unwrap_err();
        assert!(matches!(err, CardError::PinBlocked { kind: PinKind::Auth }), "{err:?}");
        assert_eq!(
            counts(&shared).verify_with_data,
            before.verify_with_data,
            "no VERIFY sent to a blocked PIN"
        );
    }
}

#[test]
fn a_correct_pin_resets_the_counter_and_pins_can_be_changed() {
    let shared = card(Profile::default());
    let mut c = client(&shared);
    let _ = c.verify_pin(PinEntry::Host(&SignPassword::new("WRONG1").unwrap()), false).unwrap_err();
    assert_eq!(c.pin_status(PinKind::Sign).unwrap(), PinStatus::Remaining(4));
    let old = SignPassword::new(SIM_SIGN_PIN).unwrap();
    let new = SignPassword::new("NEWPASS2024").unwrap();
    c.change_pin(PinChange::Host { old: &old, new: &new }, false).unwrap();
    assert_eq!(c.pin_status(PinKind::Sign).unwrap(), PinStatus::Remaining(5));
    c.verify_pin(PinEntry::Host(&new), false).unwrap();
    assert!(matches!(c.verify_pin(PinEntry::Host(&old), false), Err(CardError::WrongPin { .. })));
    c.change_pin(
        PinChange::Host {
            old: &TextPin::new(SIM_TEXT_PIN).unwrap(),
            new: &TextPin::new("9999").unwrap(),
        },
        false,
    )
    .unwrap();
    c.verify_pin(PinEntry::Host(&TextPin::new("9999").unwrap()), false).unwrap();
}

#[test]
fn text_application() {
    let shared = card(Profile::default());
    let mut c = client(&shared);
    let before = counts(&shared);
    let info = c.read_text(PinEntry::Host(&TextPin::new(SIM_TEXT_PIN).unwrap()), false).unwrap();
    assert_eq!(counts(&shared).verify_with_data - before.verify_with_data, 1);
    assert_eq!(info.my_number.reveal(), "123456789018");
    assert_eq!(info.my_number.to_string(), "********9018");
    assert_eq!(info.attributes.name, "番号　花子");
    assert_eq!(info.attributes.birth_date, "19900515");
    assert_eq!(info.attributes.sex, mynacard::card::Sex::Female);
    assert_eq!(
        c.read_my_number(PinEntry::Host(&TextPin::new(SIM_TEXT_PIN).unwrap()), false).unwrap(),
        info.my_number
    );
    assert_eq!(
        c.read_attributes(PinEntry::Host(&TextPin::new(SIM_TEXT_PIN).unwrap()), false).unwrap(),
        info.attributes
    );
    let err = c.read_text(PinEntry::Host(&TextPin::new("0000").unwrap()), false).unwrap_err();
    assert!(matches!(err, CardError::WrongPin { kind: PinKind::Text, tries_left: 2 }), "{err:?}");
}

#[test]
fn a_card_without_jpki_is_not_a_my_number_card() {
    let mut image = CardImage::default_image();
    image.apps.retain(|a| a.aid != facts::AID_JPKI);
    let shared = SharedCard::new(VirtualCard::new(image, Profile::default()));
    assert!(matches!(client(&shared).detect(), Err(CardError::NotJpki)));
}

#[test]
fn every_pin_counter_with_one_select_per_application_and_no_try_spent() {
    let shared = card(Profile::default());
    let mut c = client(&shared);
    let all = [PinKind::Auth, PinKind::Sign, PinKind::Text];
    let got: Vec<_> =
        c.pin_statuses(&all).unwrap().into_iter().map(|(k, s)| (k, s.unwrap())).collect();
    assert_eq!(
        got,
        [
            (PinKind::Auth, PinStatus::Remaining(3)),
            (PinKind::Sign, PinStatus::Remaining(5)),
            (PinKind::Text, PinStatus::Remaining(3)),
        ]
    );
    let n = counts(&shared);
    // JPKI once for auth and sign, the text application once; one SELECT EF and one empty
    // VERIFY per PIN; no VERIFY carrying data.
    assert_eq!(n.select_application, 2);
    assert_eq!(n.select_file, 3);
    assert_eq!(n.verify_status, 3);
    assert_eq!(n.verify_with_data, 0);
    assert_eq!(shared.with_card(|c| c.command_count()).unwrap(), 8);
}
