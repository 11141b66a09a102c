//! `--pinpad auto|on|off` on the command line, in-process (`--reader sim`: a reader without
//! a PIN pad, like vpcd). What is pinned: `on` fails with a usage error before any PIN is
//! read or any VERIFY is sent, and says why; `auto` asks the reader (one CONTROL line in the
//! trace) and falls back to the host; a PIN source option means the host without asking the
//! reader. The pad path itself is pinned byte for byte in tests/card_pinpad.rs. The last
//! test runs through a real pcscd + vpcd (gated: `scripts/with-pcscd`), where the feature
//! request is a real `SCardControl`.

mod common;

use std::path::Path;

use common::cli::{json_of, pcsc, s as path_str, sim, workdir};
use predicates::prelude::*;

/// The trace's text; empty when it was never created (the card was never opened).
fn trace_of(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

#[test]
fn on_without_a_pad_is_a_usage_error_and_sends_no_verify() {
    let (dir, doc) = workdir();
    let doc = path_str(&doc).to_string();
    let trace = dir.path().join("t.trace");
    let out = dir.path().join("doc.p7s");
    sim(&["--trace", trace.to_str().unwrap(), "sign", &doc, "--key", "auth", "--pinpad", "on"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("this reader has no PIN pad"));
    assert!(!out.exists());
    let t = trace_of(&trace);
    // The reader was asked for its features and answered that it takes no control requests.
    assert!(t.starts_with("> CONTROL 42000D48\n< error: this reader takes no control"), "{t}");
    assert!(!t.contains("> 00 20"), "no VERIFY of any kind: {t}");
}

#[test]
fn on_from_the_environment_and_in_json() {
    let (_dir, doc) = workdir();
    let doc = path_str(&doc).to_string();
    let v =
        json_of(sim(&["--json", "sign", &doc, "--key", "auth"]).env("MYNACARD_PINPAD", "on"), 2);
    assert_eq!(v["error"]["kind"], "usage");
    assert_eq!(v["error"]["code"], 2);
    assert!(v["error"]["message"].as_str().unwrap().contains("no PIN pad"), "{v}");
}

#[test]
fn on_for_the_signature_password_fails_before_anything_is_read_or_opened() {
    let (dir, doc) = workdir();
    let doc = path_str(&doc).to_string();
    let trace = dir.path().join("t.trace");
    for args in [
        vec!["sign", doc.as_str(), "--key", "sign", "--pinpad", "on"],
        vec!["cert", "read", "sign", "--pinpad", "on"],
    ] {
        let mut full = vec!["--trace", trace.to_str().unwrap()];
        full.extend(args);
        sim(&full).write_stdin("MYNACARD1\n").assert().code(2).stderr(predicate::str::contains(
            "the signature password contains letters, which a PIN pad cannot enter",
        ));
        // The card was never opened: no trace at all.
        assert!(!trace.exists(), "{}", trace_of(&trace));
    }
}

#[test]
fn on_with_a_pin_source_is_a_contradiction() {
    let (_dir, doc) = workdir();
    let doc = path_str(&doc).to_string();
    sim(&["sign", &doc, "--key", "auth", "--pinpad", "on", "--pin-stdin"])
        .write_stdin("1234\n")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--pinpad on takes the PIN on the reader's pad"));
    sim(&["pin", "change", "auth", "--pinpad", "on", "--pin-stdin"])
        .write_stdin("1234\n5678\n")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--pinpad on takes the PIN on the reader's pad"));
    // Without a source: the reader is asked, and has no pad.
    sim(&["pin", "change", "auth", "--pinpad", "on"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("this reader has no PIN pad"));
    sim(&["pin", "change", "sign", "--pinpad", "on"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("signature password contains letters"));
}

#[test]
fn auto_asks_the_reader_then_falls_back_to_the_host() {
    // No terminal and no PIN source: the fallback to a host prompt fails with its usual
    // usage error, after the reader was asked and before any VERIFY.
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("t.trace");
    sim(&["--trace", path_str(&trace), "text", "read"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no terminal to ask for the text-application PIN"));
    let t = trace_of(&trace);
    assert!(t.starts_with("> CONTROL 42000D48\n"), "{t}");
    assert!(!t.contains("> 00 20"), "{t}");
}

#[test]
fn a_pin_source_means_the_host_without_asking_the_reader() {
    let (dir, doc) = workdir();
    let doc = path_str(&doc).to_string();
    for mode in ["auto", "off"] {
        let trace = dir.path().join(format!("{mode}.trace"));
        let out = dir.path().join(format!("{mode}.sig"));
        sim(&[
            "--trace",
            trace.to_str().unwrap(),
            "sign",
            &doc,
            "--key",
            "auth",
            "--format",
            "raw",
            "-o",
            out.to_str().unwrap(),
            "--pin-stdin",
            "--pinpad",
            mode,
        ])
        .write_stdin("1234\n")
        .assert()
        .success();
        assert_eq!(std::fs::metadata(&out).unwrap().len(), 256);
        let t = trace_of(&trace);
        assert!(!t.contains("CONTROL"), "{t}");
        assert!(t.contains("> 00 20 00 80 04 **"), "{t}");
    }
    // A wrong mode name is a clap usage error.
    sim(&["sign", &doc, "--pinpad", "maybe"]).assert().code(2);
}

#[test]
fn through_pcscd_the_feature_request_is_a_real_scardcontrol() {
    if !common::pcscd_or_skip("through_pcscd_the_feature_request_is_a_real_scardcontrol") {
        return;
    }
    let server = common::SimServer::start();
    let (dir, doc) = workdir();
    let doc = path_str(&doc).to_string();
    let trace = dir.path().join("t.trace");
    pcsc(&["--trace", trace.to_str().unwrap(), "sign", &doc, "--key", "auth", "--pinpad", "on"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("this reader has no PIN pad"));
    let t = trace_of(&trace);
    assert!(t.starts_with("> CONTROL 42000D48\n< "), "{t}");
    assert!(!t.contains("> 00 20"), "{t}");
    // Auto falls back to the host and signs; the PIN source skips the reader question.
    let out = dir.path().join("doc.sig");
    pcsc(&["sign", &doc, "--key", "auth", "--format", "raw", "-o", out.to_str().unwrap()])
        .arg("--pin-stdin")
        .write_stdin(format!("{}\n", common::AUTH_PIN))
        .assert()
        .success();
    assert_eq!(std::fs::metadata(&out).unwrap().len(), 256);
    server.terminate();
}
