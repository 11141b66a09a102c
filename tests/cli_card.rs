//! `mynacard status`, `pin status|change`, `sign` and `text read` run as a user runs them:
//! the real binary against the in-process virtual card (`--reader sim`, a fresh card per
//! process), PINs through `--pin-stdin` / `--pin-env`. Signatures are checked with OpenSSL;
//! traces are read to prove what reached the card (and that no PIN did).

mod common;
mod openssl_pki;

use std::path::Path;

use common::cli::*;
use common::{AUTH_PIN, MY_NUMBER, SIGN_PIN, TEXT_PIN};
use predicates::prelude::*;
use sha2::{Digest, Sha256};

/// `openssl cms -verify` of a detached CMS under a root of the card's PKI.
fn openssl_cms_verify(sig: &Path, inform: &str, content: &Path, root: &str) -> bool {
    openssl_pki::cms_verify(Path::new("."), s(sig), inform, Some(s(content)), &pki(root), &[])
        .status
        .success()
}

/// `openssl dgst -<hash> -verify` with the public key of a certificate of the card.
fn openssl_raw_verify(dir: &Path, cert: &str, hash: &str, sig: &Path, content: &Path) -> bool {
    let pubkey = format!("{cert}.pub.pem");
    openssl_pki::public_key(dir, &pki(cert), "PEM", &pubkey);
    openssl_pki::dgst_verify(dir, hash, &pubkey, s(sig), s(content)).status.success()
}

// ---------------------------------------------------------------------------------------
// status, pin status

#[test]
fn status_shows_reader_atr_token_and_every_counter() {
    sim(&["status"]).assert().success().stdout(
        "reader: sim\n\
         ATR: 3BE000FF8131FE4514\n\
         token: My Number Card (JPKIAPICCTOKEN2)\n\
         extended length: in use; supported by the reader\n\
         authentication PIN: 3 tries left\n\
         signature password: 5 tries left\n\
         text-application PIN: 3 tries left\n",
    );
}

#[test]
fn status_json_fields_are_pinned_and_no_try_is_spent() {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("t.trace");
    let out = sim(&["status", "--json", "--trace", s(&trace)]).assert().success();
    let v = json(&out.get_output().stdout);
    assert_eq!(keys(&v), set(&["atr", "extended_length", "pins", "reader", "token"]));
    assert_eq!(v["reader"], "sim");
    assert_eq!(v["atr"], "3BE000FF8131FE4514");
    assert_eq!(v["token"], "card");
    assert_eq!(keys(&v["extended_length"]), set(&["fell_back", "in_use", "reader"]));
    assert_eq!(v["extended_length"]["in_use"], true);
    assert_eq!(v["extended_length"]["reader"], true);
    assert_eq!(v["extended_length"]["fell_back"], false);
    let pins = v["pins"].as_array().unwrap();
    assert_eq!(pins.len(), 3);
    for (pin, (name, tries)) in pins.iter().zip([("auth", 3), ("sign", 5), ("text", 3)]) {
        assert_eq!(keys(pin), set(&["description", "max_tries", "pin", "status", "tries_left"]));
        assert_eq!(pin["pin"], name);
        assert_eq!(pin["status"], "ok");
        assert_eq!(pin["tries_left"], tries);
        assert_eq!(pin["max_tries"], tries);
    }
    // Counters are read with VERIFY without data only.
    let lines = sent(&trace);
    assert_eq!(lines.iter().filter(|l| l.as_str() == "> 00 20 00 80").count(), 3, "{lines:?}");
    assert!(!lines.iter().any(|l| is_verify_with_data(l)), "{lines:?}");
}

#[test]
fn pin_status_text_and_json() {
    sim(&["pin", "status"]).assert().success().stdout(predicate::str::starts_with(
        "authentication PIN [jpki 0018]: 3 tries left\n\
         signature password [jpki 001B]: 5 tries left\n\
         text-application PIN [text 0011]: 3 tries left\n\
         text-application key 0012 (blocked as issued) [text 0012]: ",
    ));
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("t.trace");
    let out = sim(&["--json", "pin", "status", "--trace", s(&trace)]).assert().success();
    let v = json(&out.get_output().stdout);
    assert_eq!(keys(&v), set(&["pins"]));
    let pins = v["pins"].as_array().unwrap();
    let names: Vec<_> = pins.iter().map(|p| p["pin"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "auth",
            "sign",
            "text",
            "text-0012",
            "text-code-a",
            "text-code-b",
            "face-birth",
            "face-code-b",
            "face-code-a"
        ]
    );
    for p in pins {
        assert_eq!(
            keys(p),
            set(&["app", "description", "ef", "max_tries", "pin", "status", "tries_left"])
        );
    }
    assert_eq!(v["pins"][1]["description"], "signature password");
    assert_eq!(
        (v["pins"][1]["app"].as_str(), v["pins"][1]["ef"].as_str()),
        (Some("jpki"), Some("001B"))
    );
    assert_eq!(v["pins"][7]["max_tries"], 10);
    // Only VERIFY without data: no try is spent.
    let lines = sent(&trace);
    assert!(!lines.iter().any(|l| is_verify_with_data(l)), "{lines:?}");
}

// ---------------------------------------------------------------------------------------
// pin change

#[test]
fn pin_change_through_stdin_succeeds_without_echoing_the_pins() {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("t.trace");
    let out = sim(&["pin", "change", "auth", "--pin-stdin", "--trace", s(&trace)])
        .write_stdin("1234\n9876\n")
        .assert()
        .success()
        .stdout("authentication PIN changed\n");
    let o = out.get_output();
    let (stdout, stderr) = (String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    let t = read(&trace);
    assert_no_secret("1234", &[&stdout, &stderr, &t]);
    assert_no_secret("9876", &[&stdout, &stderr, &t]);
    let lines = sent(&trace);
    assert!(lines.contains(&"> 00 20 00 80 04 **".to_string()), "{lines:?}");
    assert!(lines.contains(&"> 00 24 01 80 04 **".to_string()), "{lines:?}");
}

#[test]
fn pin_change_sign_password_from_env_json() {
    let out = sim(&["--json", "pin", "change", "sign", "--pin-env", "OLD", "--new-pin-env", "NEW"])
        .env("OLD", SIGN_PIN)
        .env("NEW", "NEWPASS2")
        .assert()
        .success();
    let v = json(&out.get_output().stdout);
    assert_eq!(v, serde_json::json!({"pin": "sign", "changed": true}));
}

#[test]
fn pin_change_with_a_bad_new_pin_sends_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("t.trace");
    sim(&["pin", "change", "text", "--pin-stdin", "--trace", s(&trace)])
        .write_stdin("1234\n12a4\n")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("new PIN refused"))
        .stderr(predicate::str::contains("12a4").not());
    assert!(sent(&trace).is_empty(), "{:?}", sent(&trace));
}

#[test]
fn pin_change_with_a_bad_current_pin_sends_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("t.trace");
    sim(&["pin", "change", "auth", "--pin-stdin", "--trace", s(&trace)])
        .write_stdin("12345\n4321\n")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("invalid authentication PIN"))
        .stderr(predicate::str::contains("12345").not());
    assert!(sent(&trace).is_empty());
}

#[test]
fn pin_change_with_a_wrong_current_pin_is_wrong_pin() {
    sim(&["pin", "change", "text", "--pin-stdin"])
        .write_stdin("0000\n4321\n")
        .assert()
        .code(8)
        .stderr("mynacard: wrong text-application PIN: 2 tries left before it is blocked\n");
}

#[test]
fn pin_change_needs_both_pins() {
    sim(&["pin", "change", "auth", "--pin-env", "OLD"])
        .env("OLD", AUTH_PIN)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--new-pin-env"));
    sim(&["pin", "change", "auth", "--pin-stdin"])
        .write_stdin("1234\n")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("standard input ended before the new authentication PIN"));
}

// ---------------------------------------------------------------------------------------
// sign

#[test]
fn sign_cms_verifies_with_openssl_and_tampering_is_caught() {
    let (dir, doc) = workdir();
    let trace = dir.path().join("t.trace");
    let out = sim(&["sign", s(&doc), "--pin-stdin", "--trace", s(&trace)])
        .write_stdin(format!("{SIGN_PIN}\n"))
        .assert()
        .success();
    let o = out.get_output();
    let stdout = String::from_utf8_lossy(&o.stdout).into_owned();
    let sig = dir.path().join("doc.txt.p7s");
    assert!(
        stdout.starts_with(&format!(
            "signed {} with the signature key (sha256, cms): wrote {}",
            doc.display(),
            sig.display()
        )),
        "{stdout}"
    );
    assert!(openssl_cms_verify(&sig, "DER", &doc, "sign-root.pem"));
    let tampered = dir.path().join("tampered.txt");
    std::fs::write(&tampered, b"The quick brown fox signs the lazy cat.\n").unwrap();
    assert!(!openssl_cms_verify(&sig, "DER", &tampered, "sign-root.pem"));
    // Not under the other hierarchy.
    assert!(!openssl_cms_verify(&sig, "DER", &doc, "auth-root.pem"));
    // One VERIFY covers the certificate read and the signature, and the state is cleared: the
    // last command selects the ISD (a re-select of JPKI would keep the password verified on a
    // real card, [C]), and the connection ends powering the card off.
    let lines = sent(&trace);
    assert_eq!(verifies_with_data(&lines), 1, "{lines:?}");
    assert_eq!(lines.iter().filter(|l| l.starts_with("> 80 2A 00 80")).count(), 1, "{lines:?}");
    assert_eq!(
        lines.last().map(String::as_str),
        Some("> 00 A4 04 0C 07 A0 00 00 01 51 00 00"),
        "the last command selects the ISD: {lines:?}"
    );
    let t = read(&trace);
    let tail: Vec<&str> = t.lines().rev().take(4).collect();
    assert!(tail[0] == "# disconnect unpower", "{t}");
    assert!(tail[1] == "# end exclusive", "{t}");
    assert!(tail[2].starts_with("< 90 00"), "{t}");
    assert!(tail[3] == "> 00 A4 04 0C 07 A0 00 00 01 51 00 00", "{t}");
    assert_no_secret(SIGN_PIN, &[&stdout, &String::from_utf8_lossy(&o.stderr), &t]);
}

#[test]
fn sign_json_summary_fields_are_pinned() {
    let (dir, doc) = workdir();
    let sig = dir.path().join("out.p7s");
    let out = sim(&["--json", "sign", s(&doc), "-o", s(&sig), "--pin-env", "PW"])
        .env("PW", SIGN_PIN)
        .assert()
        .success();
    let v = json(&out.get_output().stdout);
    assert_eq!(
        keys(&v),
        set(&[
            "file",
            "format",
            "hash",
            "key",
            "output",
            "output_bytes",
            "signature_bytes",
            "signer_certificate_sha256"
        ])
    );
    assert_eq!(v["file"], s(&doc));
    assert_eq!(v["output"], s(&sig));
    assert_eq!(v["format"], "cms");
    assert_eq!(v["key"], "sign");
    assert_eq!(v["hash"], "sha256");
    assert_eq!(v["signature_bytes"], 256);
    assert_eq!(v["output_bytes"], std::fs::metadata(&sig).unwrap().len());
    let cert = std::fs::read(pki("sign-cert.der")).unwrap();
    assert_eq!(v["signer_certificate_sha256"], hex::encode(Sha256::digest(&cert)));
    assert!(openssl_cms_verify(&sig, "DER", &doc, "sign-root.pem"));
}

#[test]
fn sign_cms_pem_with_sha512() {
    let (dir, doc) = workdir();
    sim(&["sign", s(&doc), "--format", "cms-pem", "--hash", "sha512", "--pin-stdin", "-q"])
        .write_stdin(format!("{SIGN_PIN}\n"))
        .assert()
        .success()
        .stdout("");
    let sig = dir.path().join("doc.txt.p7s.pem");
    assert!(read(&sig).starts_with("-----BEGIN CMS-----\n"));
    assert!(openssl_cms_verify(&sig, "PEM", &doc, "sign-root.pem"));
}

#[test]
fn sign_raw_verifies_with_the_card_certificate_key() {
    let (dir, doc) = workdir();
    for (hash, key, pin, cert) in [
        ("sha256", "sign", SIGN_PIN, "sign-cert.pem"),
        ("sha384", "sign", SIGN_PIN, "sign-cert.pem"),
        ("sha256", "auth", AUTH_PIN, "auth-cert.pem"),
    ] {
        let sig = dir.path().join(format!("{hash}-{key}.sig"));
        sim(&[
            "sign",
            s(&doc),
            "--format",
            "raw",
            "--hash",
            hash,
            "--key",
            key,
            "-o",
            s(&sig),
            "--pin-stdin",
        ])
        .write_stdin(format!("{pin}\n"))
        .assert()
        .success();
        assert_eq!(std::fs::metadata(&sig).unwrap().len(), 256);
        assert!(openssl_raw_verify(dir.path(), cert, hash, &sig, &doc), "{hash} {key}");
        let other = if cert == "sign-cert.pem" { "auth-cert.pem" } else { "sign-cert.pem" };
        assert!(
            !openssl_raw_verify(dir.path(), other, hash, &sig, &doc),
            "{hash} {key} vs {other}"
        );
    }
}

#[test]
fn sign_with_the_auth_key_verifies_under_the_auth_root() {
    let (dir, doc) = workdir();
    let trace = dir.path().join("t.trace");
    sim(&["sign", s(&doc), "--key", "auth", "--pin-stdin", "--trace", s(&trace)])
        .write_stdin(format!("{AUTH_PIN}\n"))
        .assert()
        .success()
        .stdout(predicate::str::contains("with the authentication key"));
    let sig = dir.path().join("doc.txt.p7s");
    assert!(openssl_cms_verify(&sig, "DER", &doc, "auth-root.pem"));
    assert!(!openssl_cms_verify(&sig, "DER", &doc, "sign-root.pem"));
    let lines = sent(&trace);
    // The authentication PIN EF (0018) and key EF (0017).
    assert!(lines.contains(&"> 00 A4 02 0C 02 00 18".to_string()), "{lines:?}");
    assert!(lines.contains(&"> 00 A4 02 0C 02 00 17".to_string()), "{lines:?}");
    assert!(lines.contains(&"> 00 20 00 80 04 **".to_string()), "{lines:?}");
}

#[test]
fn sign_with_a_wrong_password_is_wrong_pin_and_writes_nothing() {
    let (dir, doc) = workdir();
    let trace = dir.path().join("t.trace");
    let out = sim(&["--json", "sign", s(&doc), "--pin-stdin", "--trace", s(&trace)])
        .write_stdin("WRONGPW1\n")
        .assert()
        .code(8)
        .stderr("mynacard: wrong signature password: 4 tries left before it is blocked\n");
    let v = json(&out.get_output().stdout);
    assert_eq!(v["error"]["kind"], "wrong-pin");
    assert_eq!(v["error"]["code"], 8);
    assert!(!dir.path().join("doc.txt.p7s").exists());
    let lines = sent(&trace);
    assert!(lines.contains(&"> 00 20 00 80 08 **".to_string()), "{lines:?}");
    assert!(!lines.iter().any(|l| l.starts_with("> 80 2A")), "no signature attempted: {lines:?}");
    assert_no_secret("WRONGPW1", &[&read(&trace)]);
}

#[test]
fn sign_with_a_wrong_format_password_sends_no_apdu() {
    let (dir, doc) = workdir();
    for (key, pin) in [("sign", "abc"), ("sign", "PASS-WORD"), ("auth", "12345"), ("auth", "12a4")]
    {
        let trace = dir.path().join(format!("{key}-{pin}.trace"));
        sim(&["sign", s(&doc), "--key", key, "--pin-stdin", "--trace", s(&trace)])
            .write_stdin(format!("{pin}\n"))
            .assert()
            .code(2)
            .stderr(predicate::str::contains("invalid"))
            .stderr(predicate::str::contains(pin).not());
        // The card was never opened: the trace holds no command at all.
        assert!(sent(&trace).is_empty(), "{key} {pin}: {:?}", sent(&trace));
    }
    assert!(!dir.path().join("doc.txt.p7s").exists());
}

#[test]
fn sign_refuses_an_existing_output_before_touching_the_card() {
    let (dir, doc) = workdir();
    let existing = dir.path().join("doc.txt.p7s");
    std::fs::write(&existing, b"keep me").unwrap();
    let trace = dir.path().join("t.trace");
    sim(&["sign", s(&doc), "--pin-stdin", "--trace", s(&trace)])
        .write_stdin(format!("{SIGN_PIN}\n"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains(format!("{} already exists", existing.display())))
        .stderr(predicate::str::contains("--force"));
    assert_eq!(std::fs::read(&existing).unwrap(), b"keep me");
    assert!(sent(&trace).is_empty());
    // With --force it is replaced.
    sim(&["sign", s(&doc), "--pin-stdin", "--force"])
        .write_stdin(format!("{SIGN_PIN}\n"))
        .assert()
        .success();
    assert!(openssl_cms_verify(&existing, "DER", &doc, "sign-root.pem"));
}

#[test]
fn sign_a_missing_file_is_an_io_error() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.pdf");
    sim(&["sign", s(&missing), "--pin-env", "PW"])
        .env("PW", SIGN_PIN)
        .assert()
        .code(13)
        .stderr(predicate::str::contains(format!("cannot read {}", missing.display())));
}

#[test]
fn sign_into_a_missing_directory_fails_before_the_password_and_leaves_nothing() {
    let (dir, doc) = workdir();
    let out = dir.path().join("no-such-dir").join("doc.p7s");
    sim(&["sign", s(&doc), "-o", s(&out), "--pin-env", "PW"])
        .env("PW", SIGN_PIN)
        .assert()
        .code(13)
        .stderr(predicate::str::contains(format!("cannot write {}", out.display())));
    assert!(!out.exists());
}

#[test]
fn sign_without_a_pin_source_value_is_a_usage_error() {
    let (dir, doc) = workdir();
    sim(&["sign", s(&doc), "--pin-env", "MYNACARD_TEST_UNSET_VAR"])
        .env_remove("MYNACARD_TEST_UNSET_VAR")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("MYNACARD_TEST_UNSET_VAR is not set"));
    sim(&["sign", s(&doc), "--pin-stdin"]).write_stdin("").assert().code(2);
    assert!(!dir.path().join("doc.txt.p7s").exists());
}

// ---------------------------------------------------------------------------------------
// text read

#[test]
fn text_read_masks_the_my_number_by_default() {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("t.trace");
    let out = sim(&["text", "read", "--pin-stdin", "--trace", s(&trace)])
        .current_dir(dir.path())
        .write_stdin(format!("{TEXT_PIN}\n"))
        .assert()
        .success()
        .stdout(predicate::str::starts_with(
            "My Number: ********9018\n\
             name: 番号\u{3000}花子\n\
             address: 虹色県夢見市星空町一丁目２番３号\n\
             birth date: 1990-05-15\n\
             sex: female\n\
             authenticity: UNKNOWN (",
        ));
    let o = out.get_output();
    let (stdout, stderr) = (String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    assert!(!stdout.contains(MY_NUMBER));
    assert!(!stderr.contains(MY_NUMBER));
    // Neither the PIN nor the card's personal data reach the trace: the text application's
    // answers are replaced by their length.
    let commands = sent(&trace).join("\n");
    assert!(commands.contains("> 00 20 00 80 04 **"), "{commands}");
    assert_no_secret(TEXT_PIN, &[&stdout, &commands]);
    let whole = std::fs::read_to_string(&trace).unwrap();
    let digits_hex: Vec<String> = MY_NUMBER.bytes().map(|b| format!("{b:02X}")).collect();
    assert!(!whole.contains(&digits_hex.join(" ")), "the My Number is in the trace:\n{whole}");
    assert!(whole.contains("bytes of personal data"), "{whole}");
    assert!(!stderr.contains("warning"), "{stderr}");
    // Nothing but the trace the user asked for was written.
    let files: Vec<_> =
        std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(files, [std::ffi::OsString::from("t.trace")]);
}

#[test]
fn text_read_reveal_and_json() {
    sim(&["text", "read", "--pin-stdin", "--reveal"])
        .write_stdin(format!("{TEXT_PIN}\n"))
        .assert()
        .success()
        .stdout(predicate::str::starts_with(format!("My Number: {MY_NUMBER}\n")));
    let out =
        sim(&["--json", "text", "read", "--pin-env", "TP"]).env("TP", TEXT_PIN).assert().success();
    let v = json(&out.get_output().stdout);
    assert_eq!(
        keys(&v),
        set(&[
            "address",
            "authenticity",
            "birth_date",
            "my_number",
            "my_number_masked",
            "name",
            "sex"
        ])
    );
    // The virtual card's CA key is not trusted unless named with --cvc-ca.
    assert_eq!(v["authenticity"]["verdict"], "unknown");
    assert_eq!(v["my_number"], "********9018");
    assert_eq!(v["my_number_masked"], true);
    assert_eq!(v["birth_date"], "1990-05-15");
    assert_eq!(v["sex"], "female");
    let out = sim(&["--json", "text", "read", "--reveal", "--pin-env", "TP"])
        .env("TP", TEXT_PIN)
        .assert()
        .success();
    let v = json(&out.get_output().stdout);
    assert_eq!(v["my_number"], MY_NUMBER);
    assert_eq!(v["my_number_masked"], false);
}

#[test]
fn text_read_wrong_and_malformed_pins() {
    let dir = tempfile::tempdir().unwrap();
    sim(&["text", "read", "--pin-stdin"])
        .write_stdin("9999\n")
        .assert()
        .code(8)
        .stdout("")
        .stderr("mynacard: wrong text-application PIN: 2 tries left before it is blocked\n");
    let trace = dir.path().join("t.trace");
    sim(&["text", "read", "--pin-stdin", "--trace", s(&trace)])
        .write_stdin("MYNACARD1\n")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("invalid text-application PIN"));
    assert!(sent(&trace).is_empty());
}

#[test]
fn every_pin_command_leaves_the_application_and_powers_the_card_off_also_on_errors() {
    let dir = tempfile::tempdir().unwrap();
    let doc = dir.path().join("doc.txt");
    std::fs::write(&doc, b"x").unwrap();
    let runs: [(&str, Vec<&str>, String, i32); 7] = [
        ("sign", vec!["sign", s(&doc), "--pin-stdin"], format!("{SIGN_PIN}\n"), 0),
        (
            "sign, wrong password",
            vec!["sign", s(&doc), "--force", "--pin-stdin"],
            "WRONGPW1\n".into(),
            8,
        ),
        (
            "sign certificate",
            vec!["cert", "read", "sign", "--pin-stdin"],
            format!("{SIGN_PIN}\n"),
            0,
        ),
        ("text read", vec!["text", "read", "--pin-stdin"], format!("{TEXT_PIN}\n"), 0),
        ("text read, wrong PIN", vec!["text", "read", "--pin-stdin"], "0000\n".into(), 8),
        (
            "pin change",
            vec!["pin", "change", "auth", "--pin-stdin"],
            format!("{AUTH_PIN}\n9876\n"),
            0,
        ),
        (
            "pin change, wrong PIN",
            vec!["pin", "change", "auth", "--pin-stdin"],
            "0000\n9876\n".into(),
            8,
        ),
    ];
    for (i, (what, args, stdin, code)) in runs.into_iter().enumerate() {
        let trace = dir.path().join(format!("{i}.trace"));
        let mut all = args.clone();
        all.extend(["--trace", s(&trace)]);
        sim(&all).write_stdin(stdin).assert().code(code);
        assert_left_and_unpowered(&read(&trace), what);
    }
}
