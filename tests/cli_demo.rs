//! `mynacard demo` and `mynacard sim generate`, run as a user would: the real binary, its
//! exit code, its transcript and JSON, and OpenSSL as an independent check of the signature.

use std::process::Command as Process;

mod common;
mod openssl_pki;

use common::cli::{image, mynacard, s};
use predicates::prelude::*;

#[test]
fn demo_transcript_reads_signs_and_verifies_with_revocation() {
    mynacard()
        .arg("demo")
        .assert()
        .code(0)
        .stdout(predicate::str::contains("My Number Card (JPKIAPICCTOKEN2)"))
        .stdout(predicate::str::contains("signature password: 5 tries left"))
        .stdout(predicate::str::contains("VERIFY commands carrying a PIN so far: 0"))
        .stdout(predicate::str::contains("with the municipality's current CRL: VALID"))
        .stdout(predicate::str::contains("NOT VALID (revoked: keyCompromise"))
        .stdout(predicate::str::contains(
            "authenticity: GENUINE (signed by 9322100/000 under CA key 9000023/001)",
        ))
        .stdout(predicate::str::contains("trusting the J-LIS production keys only: unknown"))
        .stdout(predicate::str::contains("demo complete"))
        // The demo enters the virtual card's password itself; it must never print it.
        .stdout(predicate::str::contains("MYNACARD1").not())
        // Nor the whole My Number it opens the card face with.
        .stdout(predicate::str::contains("123456789018").not());
}

#[test]
fn demo_json_is_one_document_with_every_step() {
    let out = mynacard().args(["demo", "--json"]).assert().code(0).get_output().stdout.clone();
    let doc: serde_json::Value = serde_json::from_slice(&out).expect("one JSON document");
    assert_eq!(doc["ok"], true);
    assert_eq!(doc["reader"], "sim");
    let steps: Vec<&str> =
        doc["steps"].as_array().unwrap().iter().map(|s| s["step"].as_str().unwrap()).collect();
    assert_eq!(
        steps,
        [
            "detect",
            "read_certificate",
            "read_certificate",
            "read_certificate",
            "pin_status",
            "sign",
            "verify",
            "face"
        ]
    );
    let face = &doc["steps"][7]["result"];
    assert_eq!(face["authenticity"]["verdict"], "genuine");
    assert_eq!(face["authenticity_production_only"], "unknown");
    let verify = &doc["steps"][6]["result"];
    assert_eq!(verify["with_current_crl"]["verdict"], "valid");
    assert_eq!(verify["with_revoking_crl"]["verdict"], "invalid");
    assert_eq!(doc["steps"][4]["result"]["sign"], 5);
}

#[test]
fn demo_files_verify_with_openssl_and_tampering_is_caught() {
    let dir = tempfile::tempdir().unwrap();
    mynacard().args(["demo", "-q", "--out"]).arg(dir.path()).assert().code(0);
    let verify = |content: &str| {
        openssl_pki::cms_verify(
            dir.path(),
            "document.txt.p7s",
            "DER",
            Some(content),
            "sign-root.pem",
            &[],
        )
    };
    let ok = verify("document.txt");
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    let tampered = dir.path().join("tampered.txt");
    let mut bytes = std::fs::read(dir.path().join("document.txt")).unwrap();
    bytes[0] ^= 1;
    std::fs::write(&tampered, bytes).unwrap();
    assert!(!verify(s(&tampered)).status.success());
}

#[test]
fn demo_refuses_any_reader_but_the_virtual_card() {
    mynacard()
        .args(["demo", "--reader", "Some Real Reader"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("only on the built-in virtual card"));
}

#[test]
fn sim_generate_reproduces_the_built_in_image() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("image");
    mynacard().args(["sim", "generate", "--out"]).arg(&out).assert().code(0);
    let committed = image("");
    let status = Process::new("diff").arg("-r").arg(&out).arg(&committed).status().unwrap();
    assert!(status.success(), "regenerated image differs from sim-image/default");
    // A non-empty directory is never overwritten.
    mynacard()
        .args(["sim", "generate", "--out"])
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("exists and is not empty"));
}
