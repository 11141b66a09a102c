//! `mynacard watch` and `mynacard doctor` through the real PC/SC stack (virtual card served
//! into vpcd). Needs a private pcscd: run under `scripts/with-pcscd … -- --test-threads=1`;
//! without `MYNACARD_PCSCD=1` every test prints a notice and passes without doing anything.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command as Process, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};

use common::cli::mynacard;
use common::*;
use predicates::prelude::*;

/// `mynacard watch --json` as a child; its stdout lines arrive on a channel.
struct Watch {
    child: Child,
    lines: Receiver<String>,
}

impl Watch {
    fn start() -> Watch {
        let mut child = Process::new(env!("CARGO_BIN_EXE_mynacard"))
            .args(["watch", "--json"])
            .env_remove("MYNACARD_READER")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start mynacard watch");
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Watch { child, lines }
    }

    /// The first event line for READER with `event` (and `"jpki":true` when `jpki`), within
    /// 20 s.
    fn expect(&self, event: &str, jpki: bool) -> serde_json::Value {
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut seen = Vec::new();
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            let Ok(line) = self.lines.recv_timeout(left) else {
                break;
            };
            let v: serde_json::Value =
                serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON: {line:?}: {e}"));
            if v["event"] == event && v["reader"] == READER && (!jpki || v["jpki"] == true) {
                return v;
            }
            seen.push(line);
        }
        panic!("no {event} for {READER} within 20 s; saw {seen:#?}");
    }

    /// SIGTERM by PID; the exit status code.
    fn terminate(mut self) -> Option<i32> {
        common::terminate(&mut self.child, "watch").code()
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn watch_reports_insertion_with_jpki_and_removal() {
    if !pcscd_or_skip("watch_reports_insertion_with_jpki_and_removal") {
        return;
    }
    wait_reader(READER, Duration::from_secs(10), |s| !s.card_present);
    let watch = Watch::start();
    watch.expect("reader_added", false);
    let server = SimServer::start();
    let inserted = watch.expect("card_inserted", true);
    assert_eq!(inserted["atr"], hex::encode_upper(mynacard::facts::SIM_ATR));
    let keys: Vec<&str> = inserted.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["atr", "event", "jpki", "reader", "time"]);
    server.kill();
    let removed = watch.expect("card_removed", false);
    let keys: Vec<&str> = removed.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["event", "reader", "time"]);
    assert_eq!(watch.terminate(), Some(0), "a signal stops watch with exit 0");
}

#[test]
fn doctor_with_the_card_finds_jpki() {
    if !pcscd_or_skip("doctor_with_the_card_finds_jpki") {
        return;
    }
    let server = SimServer::start();
    mynacard()
        .arg("doctor")
        .assert()
        .success()
        .stdout(predicate::str::contains(format!(
            "ok   [{READER}] jpki: JPKI application found: My Number Card"
        )))
        .stdout(predicate::str::contains("ok   service"));
    let out = mynacard().args(["doctor", "--json"]).assert().success().get_output().stdout.clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["usable_reader"], READER);
    let checks = v["checks"].as_array().unwrap();
    for name in ["service", "readers", "card", "atr", "in_use", "jpki", "extended_length", "pinpad"]
    {
        assert!(checks.iter().any(|c| c["check"] == name), "no {name} check: {v}");
    }
    drop(server);
}

#[test]
fn doctor_without_a_card_says_insert_it() {
    if !pcscd_or_skip("doctor_without_a_card_says_insert_it") {
        return;
    }
    wait_reader(READER, Duration::from_secs(10), |s| !s.card_present);
    mynacard()
        .arg("doctor")
        .assert()
        .code(5)
        .stdout(predicate::str::contains(format!("FAIL [{READER}] card: no card in the reader")))
        .stdout(predicate::str::contains(
            "fix: insert the card; on a contactless reader place it flat and keep it still",
        ));
}

#[test]
fn doctor_with_the_card_held_by_another_program_says_close_it() {
    if !pcscd_or_skip("doctor_with_the_card_held_by_another_program_says_close_it") {
        return;
    }
    let server = SimServer::start();
    let held = mynacard::transport::pcsc::PcscTransport::connect(
        READER,
        mynacard::transport::pcsc::ShareMode::Exclusive,
    )
    .expect("hold the card exclusively");
    mynacard()
        .args(["doctor", "--reader", READER])
        .assert()
        .code(6)
        .stdout(predicate::str::contains(format!("FAIL [{READER}] in_use:")))
        .stdout(predicate::str::contains("fix: close the other program"));
    drop(held);
    drop(server);
}

#[test]
fn apdu_run_through_pcscd() {
    if !pcscd_or_skip("apdu_run_through_pcscd") {
        return;
    }
    let server = SimServer::start();
    mynacard()
        .args(["apdu", "run", "apdu-scripts/sign-flow.apdu", "--reader", READER])
        .env("MYNACARD_PIN", AUTH_PIN)
        .env("MYNACARD_SIGN_PASSWORD", SIGN_PIN)
        .assert()
        .success()
        .stdout(predicate::str::contains(format!(
            "apdu-scripts/sign-flow.apdu: passed on \"{READER}\""
        )));
    drop(server);
}
