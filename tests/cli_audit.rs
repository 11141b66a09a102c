//! `--audit-log FILE`: one JSON line per card operation, with the outcome and the SHA-256 of
//! the certificate used, and never a PIN, a My Number or holder data. Run as a user would,
//! on the in-process virtual card.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

mod common;

use assert_cmd::Command;
use common::cli::{pki, s, sim};
use sha2::{Digest, Sha256};

/// `mynacard --reader sim --audit-log LOG`.
fn mynacard(log: &Path) -> Command {
    sim(&["--audit-log", s(log)])
}

fn lines(log: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(log)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object a line"))
        .collect()
}

/// The records as text, without their timestamps (whose fractional seconds are arbitrary
/// digits, which a search for a secret's digits could meet).
fn without_times(records: &[serde_json::Value]) -> String {
    records
        .iter()
        .map(|r| {
            let mut r = r.clone();
            r.as_object_mut().unwrap().remove("time");
            r.to_string()
        })
        .collect()
}

fn sha256_hex(path: &str) -> String {
    hex::encode(Sha256::digest(std::fs::read(pki(path)).unwrap()))
}

#[test]
fn operations_outcomes_and_certificates_are_logged_and_nothing_personal() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("audit.jsonl");
    let doc = dir.path().join("doc.txt");
    std::fs::write(&doc, b"audited document").unwrap();

    mynacard(&log)
        .args(["sign", "--pin-stdin"])
        .arg(&doc)
        .write_stdin("MYNACARD1\n")
        .assert()
        .code(0);
    mynacard(&log).args(["cert", "read", "auth", "--format", "pem"]).assert().code(0);
    mynacard(&log)
        .args(["text", "read", "--pin-stdin", "--reveal"])
        .write_stdin("1234\n")
        .assert()
        .code(0);
    mynacard(&log).args(["text", "read", "--pin-stdin"]).write_stdin("9999\n").assert().code(8);
    mynacard(&log)
        .args(["sign", "--pin-stdin", "--force"])
        .arg(&doc)
        .write_stdin("abc\n")
        .assert()
        .code(2);
    // Verification touches no card: nothing is logged for it.
    mynacard(&log)
        .args(["cert", "verify", "--revocation", "off", "--trust-anchor"])
        .arg(pki("sign-root.der"))
        .arg(pki("sign-cert.der"))
        .assert()
        .code(0);

    let mode = std::fs::metadata(&log).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "the audit log is created private");
    let l = lines(&log);
    let ops: Vec<(&str, &str)> = l
        .iter()
        .map(|r| (r["operation"].as_str().unwrap(), r["outcome"].as_str().unwrap()))
        .collect();
    assert_eq!(
        ops,
        [
            ("sign", "ok"),
            ("read_auth_certificate", "ok"),
            ("read_my_number", "ok"),
            ("read_attributes", "ok"),
            ("read_my_number", "wrong_pin"),
            ("read_attributes", "wrong_pin"),
            ("sign", "refused"),
        ]
    );
    assert!(l.iter().all(|r| r["reader"] == "sim" || r["outcome"] == "refused"));
    assert_eq!(l[0]["cert_sha256"], sha256_hex("sign-cert.der"));
    assert_eq!(l[1]["cert_sha256"], sha256_hex("auth-cert.der"));
    assert_eq!(l[4]["tries_left"], 2);
    for r in &l {
        assert!(r["time"].as_str().is_some_and(|t| t.ends_with('Z')), "{r}");
    }

    let text = without_times(&l);
    let raw = std::fs::read_to_string(&log).unwrap();
    for secret in ["MYNACARD1", "番号", "花子", "虹色県"] {
        assert!(!raw.contains(secret), "the audit log holds {secret:?}:\n{raw}");
    }
    for secret in ["MYNACARD1", "1234", "9999", "123456789018", "番号", "花子", "虹色県"] {
        assert!(!text.contains(secret), "the audit log holds {secret:?}:\n{text}");
    }
}

#[test]
fn an_audit_log_that_cannot_be_opened_stops_the_command_before_the_card() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("no-such-dir").join("audit.jsonl");
    let trace = dir.path().join("t.trace");
    mynacard(&log)
        .args(["cert", "read", "auth", "--trace"])
        .arg(&trace)
        .assert()
        .code(13)
        .stderr(predicates::str::contains("audit log"));
    assert!(!trace.exists(), "the card was not opened");
}

#[test]
fn the_card_face_and_the_age_check_are_logged_without_the_codes_or_the_birth_date() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("audit.jsonl");
    // 照合番号B of the default image: birth date, expiry year, security code.
    mynacard(&log)
        .args(["face", "read", "--code", "b", "--pin-stdin"])
        .write_stdin("1990-05-15 2035 7251\n")
        .assert()
        .code(0);
    mynacard(&log)
        .args(["face", "age", "--at-least", "20", "--pin-stdin"])
        .write_stdin("1990-05-15\n")
        .assert()
        .code(0);
    mynacard(&log)
        .args(["face", "age", "--at-least", "20", "--pin-stdin"])
        .write_stdin("1991-05-15\n")
        .assert()
        .code(8);
    let l = lines(&log);
    let ops: Vec<(&str, &str)> = l
        .iter()
        .map(|r| (r["operation"].as_str().unwrap(), r["outcome"].as_str().unwrap()))
        .collect();
    assert_eq!(ops, [("read_card_face", "ok"), ("age_check", "ok"), ("age_check", "wrong_pin")]);
    assert!(l.iter().all(|r| r["reader"] == "sim"), "{l:?}");
    let text = without_times(&l);
    for secret in ["1990", "0515", "05-15", "7251", "2035", "020515", "番号", "花子", "虹色県"]
    {
        assert!(!text.contains(secret), "the audit log holds {secret:?}:\n{text}");
    }
}
