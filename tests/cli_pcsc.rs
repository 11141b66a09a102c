//! The card commands through the real PC/SC stack: `mynacard sim serve` → vpcd → pcscd →
//! `mynacard status|pin|sign|text` as separate processes. The served card keeps its retry
//! counters across our processes, so the last-try and blocked cases, a PIN change followed
//! by a signature, a card pulled mid-signature and two processes racing for the card are
//! tested here. Needs a private pcscd: run under `scripts/with-pcscd … --test cli_pcsc --
//! --test-threads=1`; without `MYNACARD_PCSCD=1` every test prints a notice and passes.

mod common;
mod openssl_pki;

use std::path::Path;
use std::process::Command as Process;

use common::cli::*;
use common::*;
use predicates::prelude::*;

/// `openssl cms -verify` of a detached DER CMS under a root of the card's PKI.
fn cms_verifies(sig: &Path, content: &Path, root: &str) -> bool {
    openssl_pki::cms_verify(Path::new("."), s(sig), "DER", Some(s(content)), &pki(root), &[])
        .status
        .success()
}

#[test]
fn status_through_pcsc() {
    if !pcscd_or_skip("status_through_pcsc") {
        return;
    }
    let _sim = SimServer::start();
    let out = pcsc(&["--json", "status"]).assert().success();
    let v = json(&out.get_output().stdout);
    assert_eq!(v["reader"], READER);
    assert_eq!(v["atr"], "3BE000FF8131FE4514");
    assert_eq!(v["token"], "card");
    assert_eq!(v["pins"][0]["tries_left"], 3);
    assert_eq!(v["pins"][1]["tries_left"], 5);
}

#[test]
fn last_try_is_refused_unless_allowed() {
    if !pcscd_or_skip("last_try_is_refused_unless_allowed") {
        return;
    }
    let _sim = SimServer::start();
    let (dir, doc) = workdir();
    for left in [2, 1] {
        pcsc(&["sign", s(&doc), "--key", "auth", "--pin-stdin"])
            .write_stdin("0000\n")
            .assert()
            .code(8)
            .stderr(predicate::str::contains(format!("{left} tr")));
    }
    pcsc(&["pin", "status"])
        .assert()
        .success()
        .stdout(predicate::str::contains("authentication PIN [jpki 0018]: 1 try left"));
    let trace = dir.path().join("refused.trace");
    pcsc(&["sign", s(&doc), "--key", "auth", "--pin-stdin", "--trace", s(&trace)])
        .write_stdin(format!("{AUTH_PIN}\n"))
        .assert()
        .code(14)
        .stderr(predicate::str::contains("only one try of the authentication PIN is left"));
    let lines = sent(&trace);
    assert!(lines.contains(&"> 00 20 00 80".to_string()), "the counter was read: {lines:?}");
    assert_eq!(verifies_with_data(&lines), 0, "no VERIFY with data: {lines:?}");
    assert!(!dir.path().join("doc.txt.p7s").exists());
    pcsc(&["sign", s(&doc), "--key", "auth", "--pin-stdin", "--allow-last-try"])
        .write_stdin(format!("{AUTH_PIN}\n"))
        .assert()
        .success();
    assert!(cms_verifies(&dir.path().join("doc.txt.p7s"), &doc, "auth-root.pem"));
    pcsc(&["pin", "status"])
        .assert()
        .success()
        .stdout(predicate::str::contains("authentication PIN [jpki 0018]: 3 tries left"));
}

#[test]
fn a_blocked_pin_is_reported_without_verify() {
    if !pcscd_or_skip("a_blocked_pin_is_reported_without_verify") {
        return;
    }
    let _sim = SimServer::start();
    let dir = tempfile::tempdir().unwrap();
    pcsc(&["text", "read", "--pin-stdin"]).write_stdin("0000\n").assert().code(8);
    pcsc(&["text", "read", "--pin-stdin"]).write_stdin("0000\n").assert().code(8);
    pcsc(&["text", "read", "--pin-stdin", "--allow-last-try"])
        .write_stdin("0000\n")
        .assert()
        .code(predicate::in_iter([8, 9]))
        .stderr(predicate::str::contains("blocked"));
    let trace = dir.path().join("blocked.trace");
    pcsc(&[
        "text",
        "read",
        "--pin-stdin",
        "--allow-last-try",
        "--trace",
        s(&trace),
    ])
    .write_stdin(format!("{AUTH_PIN}\n"))
    .assert()
    .code(9)
    .stdout("")
    .stderr("mynacard: the text-application PIN is blocked: have it reset at your municipal office\n");
    assert_eq!(verifies_with_data(&sent(&trace)), 0, "{:?}", sent(&trace));
    pcsc(&["pin", "status"])
        .assert()
        .success()
        .stdout(predicate::str::contains("text-application PIN [text 0011]: BLOCKED"));
    let out = pcsc(&["--json", "pin", "status"]).assert().success();
    let v = json(&out.get_output().stdout);
    assert_eq!(v["pins"][2]["status"], "blocked");
    assert_eq!(v["pins"][2]["tries_left"], 0);
    // The other PINs are untouched.
    assert_eq!(v["pins"][0]["tries_left"], 3);
}

#[test]
fn pin_change_then_sign_with_the_new_password() {
    if !pcscd_or_skip("pin_change_then_sign_with_the_new_password") {
        return;
    }
    let _sim = SimServer::start();
    let (dir, doc) = workdir();
    pcsc(&["pin", "change", "sign", "--pin-stdin"])
        .write_stdin(format!("{SIGN_PIN}\nNEWPASS2\n"))
        .assert()
        .success()
        .stdout("signature password changed\n");
    pcsc(&["sign", s(&doc), "--pin-stdin"])
        .write_stdin(format!("{SIGN_PIN}\n"))
        .assert()
        .code(8)
        .stderr(predicate::str::contains("4 tries left"));
    // Lower case is folded to upper case, as the card stores it.
    pcsc(&["sign", s(&doc), "--pin-stdin"]).write_stdin("newpass2\n").assert().success();
    assert!(cms_verifies(&dir.path().join("doc.txt.p7s"), &doc, "sign-root.pem"));
}

/// The number (since power-on) of the COMPUTE DIGITAL SIGNATURE command in a `sign` run on
/// a freshly served card.
fn signature_command_number(dir: &Path, doc: &Path) -> usize {
    let _sim = SimServer::start();
    let trace = dir.join("probe.trace");
    let out = dir.join("probe.p7s");
    pcsc(&["sign", s(doc), "-o", s(&out), "--pin-stdin", "--trace", s(&trace)])
        .write_stdin(format!("{SIGN_PIN}\n"))
        .assert()
        .success();
    let lines = sent(&trace);
    let at =
        lines.iter().position(|l| l.starts_with("> 80 2A 00 80")).expect("a signature command");
    at + 1
}

#[test]
fn a_card_pulled_between_verify_and_signature_leaves_no_output() {
    if !pcscd_or_skip("a_card_pulled_between_verify_and_signature_leaves_no_output") {
        return;
    }
    let (dir, doc) = workdir();
    let n = signature_command_number(dir.path(), &doc);
    let _sim = SimServer::start_with(&["--fault", &format!("{n}:remove")]);
    let trace = dir.path().join("pulled.trace");
    let out = pcsc(&["sign", s(&doc), "--pin-stdin", "--trace", s(&trace)])
        .write_stdin(format!("{SIGN_PIN}\n"))
        .assert()
        .code(5)
        .get_output()
        .clone();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.starts_with("mynacard: "), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    // vpcd answers the interrupted command with zero bytes; the transport asks the reader
    // and reports the removal (exit no-card).
    assert!(stderr.contains("the card was removed"), "{stderr}");
    assert!(!dir.path().join("doc.txt.p7s").exists(), "no output file");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".mynacard-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    let lines = sent(&trace);
    assert_eq!(verifies_with_data(&lines), 1, "{lines:?}");
    // Let the card come back before the server stops, so the next test finds vpcd idle.
    assert!(wait_reader(READER, APPEAR_TIMEOUT, |r| r.card_present), "the card came back");
}

#[test]
fn two_processes_racing_for_the_card() {
    if !pcscd_or_skip("two_processes_racing_for_the_card") {
        return;
    }
    let _sim = SimServer::start();
    let (dir, doc) = workdir();
    let spawn = |name: &str| {
        let out = dir.path().join(name);
        let child = Process::new(env!("CARGO_BIN_EXE_mynacard"))
            .env("MYNACARD_READER", READER)
            .env("PW", SIGN_PIN)
            .args(["sign", s(&doc), "-o", s(&out), "--pin-env", "PW"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn mynacard");
        (out, child)
    };
    let runs = [spawn("a.p7s"), spawn("b.p7s")];
    let mut successes = 0;
    for (out, child) in runs {
        let result = child.wait_with_output().expect("wait");
        let code = result.status.code();
        let stderr = String::from_utf8_lossy(&result.stderr);
        match code {
            Some(0) => {
                successes += 1;
                assert!(cms_verifies(&out, &doc, "sign-root.pem"), "{}", out.display());
            }
            Some(6) => {
                assert!(stderr.contains("in use") || stderr.contains("another"), "{stderr}");
                assert!(!out.exists());
            }
            other => panic!("exit {other:?}: {stderr}"),
        }
    }
    assert!(successes >= 1, "at least one process signs");
    // No try was lost in the race.
    pcsc(&["pin", "status"])
        .assert()
        .success()
        .stdout(predicate::str::contains("signature password [jpki 001B]: 5 tries left"));
}
