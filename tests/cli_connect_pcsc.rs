//! Choosing the reader through the real PC/SC stack: with no `--reader`, the one reader
//! holding a JPKI card is used; two JPKI cards make the user choose; no card at all waits for
//! `--wait` seconds and then says so. Needs a private pcscd (`scripts/with-pcscd`, one test
//! thread); without `MYNACARD_PCSCD=1` each test prints a notice and passes without doing
//! anything.

mod common;

use std::process::{Child, Command as Process, Stdio};
use std::time::Duration;

use assert_cmd::Command;
use common::*;
use predicates::prelude::*;

/// A second virtual card, in "Virtual PCD 00 01"; killed by PID when dropped.
struct SecondCard(Child);

impl SecondCard {
    fn start() -> SecondCard {
        let child = Process::new(env!("CARGO_BIN_EXE_mynacard"))
            .args(["sim", "serve", "-q", "--vpcd", "127.0.0.1:35964"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .spawn()
            .expect("start a second virtual card");
        assert!(
            wait_reader(EMPTY_READER, APPEAR_TIMEOUT, |s| s.card_present),
            "the second card did not appear in {EMPTY_READER:?}"
        );
        SecondCard(child)
    }
}

impl Drop for SecondCard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
        wait_reader(EMPTY_READER, Duration::from_secs(10), |s| !s.card_present);
    }
}

fn mynacard() -> Command {
    let mut cmd = Command::cargo_bin("mynacard").expect("binary");
    cmd.env_remove("MYNACARD_READER");
    cmd
}

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
    let second = SecondCard::start();
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
