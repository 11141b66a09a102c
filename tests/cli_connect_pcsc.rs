//! Choosing the reader through the real PC/SC stack: with no `--reader`, the one reader
//! holding a JPKI card is used; two JPKI cards make the user choose; no card at all waits for
//! `--wait` seconds and then says so. Needs a private pcscd (`scripts/with-pcscd`, one test
//! thread); without `MYNACARD_PCSCD=1` each test prints a notice and passes without doing
//! anything.

mod common;

use std::time::Duration;

use common::cli::mynacard;
use common::*;
use predicates::prelude::*;

#[test]
fn the_only_reader_with_a_card_is_chosen() {
    if !pcscd_or_skip("the_only_reader_with_a_card_is_chosen") {
        return;
    }
    let server = SimServer::start();
    let want = jpki_file(&default_image(), 0x000A);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("auth.der");
    mynacard().args(["cert", "read", "auth", "--format", "der", "-o"]).arg(&file).assert().code(0);
    assert_eq!(std::fs::read(&file).unwrap(), want, "the certificate read without --reader");
    server.terminate();
}

#[test]
fn two_jpki_cards_make_the_user_choose() {
    if !pcscd_or_skip("two_jpki_cards_make_the_user_choose") {
        return;
    }
    let server = SimServer::start();
    let second = SimServer::start_second();
    mynacard()
        .args(["cert", "read", "auth", "--format", "pem"])
        .assert()
        .code(4)
        .stderr(predicate::str::contains("--reader"));
    // By index, the second reader.
    mynacard()
        .args(["--reader", "1", "cert", "read", "auth", "--format", "pem"])
        .assert()
        .code(0)
        .stdout(predicate::str::starts_with("-----BEGIN CERTIFICATE-----"));
    drop(second);
    server.terminate();
}

#[test]
fn no_card_waits_then_says_so() {
    if !pcscd_or_skip("no_card_waits_then_says_so") {
        return;
    }
    wait_reader(READER, Duration::from_secs(10), |s| !s.card_present);
    let started = std::time::Instant::now();
    mynacard()
        .args(["--wait", "1", "cert", "read", "auth"])
        .assert()
        .code(5)
        .stderr(predicate::str::contains("timed out after 1 s waiting for a card"));
    // It waited (a lower bound only: the machine may be slow, never too fast).
    assert!(started.elapsed() >= Duration::from_millis(900), "gave up before --wait ran out");
}
