//! `mynacard cert read|show` run as a real binary against the in-process virtual card
//! (`--reader sim`, default image) and the files of `sim-image/default/`: bytes equal to the
//! image's files, PEM that OpenSSL reads, pinned JSON field names, the holder block of the
//! signature certificate only, PIN handling on the wire, and every exit code.

mod common;
mod openssl_pki;

use std::collections::BTreeSet;

use assert_cmd::Command;
use common::cli::*;
use common::SIGN_PIN;
use predicates::prelude::*;

/// `(which, image file)` for the four certificates.
const CERTS: [(&str, &str); 4] = [
    ("auth", "jpki/000A.der"),
    ("auth-ca", "jpki/000B.der"),
    ("sign", "jpki/0001.der"),
    ("sign-ca", "jpki/0002.der"),
];

/// Run `cert read WHICH` with extra arguments; the password comes on stdin for `sign`.
fn read_cmd(which: &str, extra: &[&str]) -> Command {
    let mut c = sim(&["cert", "read", which]);
    c.args(extra);
    if which == "sign" {
        c.arg("--pin-stdin").write_stdin(format!("{SIGN_PIN}\n"));
    }
    c
}

#[test]
fn der_of_all_four_equals_the_image_files() {
    let dir = tempfile::tempdir().unwrap();
    for (which, file) in CERTS {
        let out = dir.path().join(format!("{which}.der"));
        read_cmd(which, &["--format", "der", "-o", out.to_str().unwrap()])
            .assert()
            .success()
            .stdout("")
            .stderr(predicate::str::contains(format!("wrote {}", out.display())));
        assert_eq!(std::fs::read(&out).unwrap(), std::fs::read(image(file)).unwrap(), "{which}");
    }
}

#[test]
fn der_on_a_pipe_is_the_bytes() {
    let out = read_cmd("auth", &["--format", "der"]).assert().success().get_output().stdout.clone();
    assert_eq!(out, std::fs::read(image("jpki/000A.der")).unwrap());
}

#[test]
fn pem_parses_with_openssl_and_is_the_same_certificate() {
    let dir = tempfile::tempdir().unwrap();
    for (which, file) in CERTS {
        let pem =
            read_cmd(which, &["--format", "pem"]).assert().success().get_output().stdout.clone();
        let text = String::from_utf8(pem).unwrap();
        assert!(text.starts_with("-----BEGIN CERTIFICATE-----\n"), "{text}");
        let pem_path = dir.path().join(format!("{which}.pem"));
        let der_path = dir.path().join(format!("{which}.der"));
        std::fs::write(&pem_path, &text).unwrap();
        let out = openssl_pki::openssl(
            dir.path(),
            &["x509", "-in", s(&pem_path), "-outform", "DER", "-out", s(&der_path)],
        );
        assert!(out.status.success(), "openssl x509 rejected the {which} PEM");
        assert_eq!(std::fs::read(&der_path).unwrap(), std::fs::read(image(file)).unwrap());
    }
}

const SUMMARY_FIELDS: &[&str] = &[
    "role",
    "subject",
    "issuer",
    "serial",
    "not_before",
    "not_after",
    "not_after_jst",
    "expired",
    "signature_algorithm",
    "key",
    "is_ca",
    "policies",
    "policies_critical",
    "key_usage",
    "extended_key_usage",
    "crl_distribution_points",
    "authority_info_access",
    "sha256",
    "size",
    "holder",
    "warnings",
];

fn summary_fields() -> BTreeSet<String> {
    set(SUMMARY_FIELDS)
}

#[test]
fn json_field_names_are_pinned_and_sign_has_the_holder() {
    let v = json_of(&mut read_cmd("sign", &["--json"]), 0);
    assert_eq!(keys(&v), summary_fields());
    assert_eq!(v["role"], "signature");
    assert_eq!(v["serial"], "01001234");
    assert_eq!(v["not_after"], "2035-05-15T14:59:59Z");
    assert_eq!(v["not_after_jst"], "2035-05-15 23:59:59 JST");
    assert_eq!(keys(&v["key"]), set(&["algorithm", "bits", "exponent", "modulus_sha256"]));
    assert_eq!(v["key"]["algorithm"], "RSA-2048");
    assert_eq!(v["policies"][0]["oid"], "1.2.392.200149.8.5.1.1.20");
    assert_eq!(v["policies_critical"], true);
    assert_eq!(v["key_usage"], serde_json::json!(["digitalSignature", "nonRepudiation"]));
    assert!(v["crl_distribution_points"][0].as_str().unwrap().contains("CN=Yumemi-shi CRLDP"));
    let der = std::fs::read(image("jpki/0001.der")).unwrap();
    assert_eq!(v["size"], der.len());
    let h = &v["holder"];
    assert_eq!(
        keys(h),
        set(&[
            "name",
            "name_substitute_flags",
            "sex",
            "birth_date",
            "address",
            "address_substitute_flags",
            "other"
        ])
    );
    assert_eq!(h["name"], "番号\u{3000}花子");
    assert_eq!(h["sex"], "female");
    assert_eq!(h["address"], "虹色県夢見市星空町一丁目２番３号");
    assert_eq!(keys(&h["birth_date"]), set(&["raw", "era_digit", "era", "gregorian"]));
    assert_eq!(h["birth_date"]["raw"], "419900515");
    assert_eq!(h["birth_date"]["era"], "heisei");
    assert_eq!(h["birth_date"]["gregorian"], "1990-05-15");
}

#[test]
fn format_json_equals_global_json() {
    let a = json_of(&mut read_cmd("auth", &["--json"]), 0);
    let b = json_of(&mut read_cmd("auth", &["--format", "json"]), 0);
    assert_eq!(a, b);
}

#[test]
fn auth_certificate_has_no_holder_block() {
    let v = json_of(&mut read_cmd("auth", &["--json"]), 0);
    assert_eq!(keys(&v), summary_fields());
    assert_eq!(v["role"], "authentication");
    assert!(v["holder"].is_null());
    assert_eq!(v["extended_key_usage"], serde_json::json!(["id-kp-clientAuth"]));
    assert_eq!(v["authority_info_access"][0]["method"], "ocsp");
    read_cmd("auth", &[])
        .assert()
        .success()
        .stdout(predicate::str::starts_with("user-authentication certificate\n"))
        .stdout(predicate::str::contains("holder").not())
        .stdout(predicate::str::contains("key: RSA-2048 (modulus SHA-256 "));
}

#[test]
fn ca_certificates_render_as_ca() {
    let v = json_of(&mut read_cmd("sign-ca", &["--json"]), 0);
    assert_eq!(v["role"], "ca");
    assert_eq!(v["is_ca"], true);
    assert!(v["holder"].is_null());
}

#[test]
fn sign_text_shows_the_decoded_holder() {
    read_cmd("sign", &[])
        .assert()
        .success()
        .stdout(predicate::str::starts_with("signature certificate\n"))
        .stdout(predicate::str::contains(
            "valid until: 2035-05-15T14:59:59Z (2035-05-15 23:59:59 JST)",
        ))
        .stdout(predicate::str::contains("  name: 番号\u{3000}花子\n"))
        .stdout(predicate::str::contains("  birth date: 1990-05-15 (era 4 平成)\n"))
        .stdout(predicate::str::contains("  sex: female\n"))
        .stdout(predicate::str::contains("  address: 虹色県夢見市星空町一丁目２番３号\n"));
}

#[test]
fn wrong_format_password_sends_nothing_and_is_usage() {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("t.trace");
    sim(&[])
        .args(["--trace", trace.to_str().unwrap(), "cert", "read", "sign", "--pin-stdin"])
        .write_stdin("abc\n")
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("invalid signature password"))
        .stderr(predicate::str::contains("abc").not());
    let text = std::fs::read_to_string(&trace).unwrap_or_default();
    assert_eq!(verifies_with_data(&sent(&trace)), 0, "{text}");
    assert!(!text.contains("00 20"), "the card was not even asked: {text}");
}

#[test]
fn wrong_password_is_wrong_pin_with_tries_left() {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("t.trace");
    sim(&[])
        .args(["--trace", trace.to_str().unwrap(), "cert", "read", "sign", "--pin-stdin"])
        .write_stdin("WRONG99\n")
        .assert()
        .code(8)
        .stdout("")
        .stderr(predicate::str::contains("wrong signature password"))
        .stderr(predicate::str::contains("4 tries left"));
    let text = read(&trace);
    assert_eq!(verifies_with_data(&sent(&trace)), 1, "exactly one VERIFY with data: {text}");
    // "WRONG99" in hex never appears in the trace.
    assert!(!text.contains(&spaced_hex("WRONG99")), "{text}");
}

#[test]
fn right_password_reads_and_the_trace_never_holds_it() {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("t.trace");
    let out = dir.path().join("s.der");
    sim(&[])
        .args(["--trace", trace.to_str().unwrap(), "cert", "read", "sign", "--pin-env", "SIGNPW"])
        .args(["--format", "der", "-o", out.to_str().unwrap()])
        .env("SIGNPW", SIGN_PIN)
        .assert()
        .success();
    assert_eq!(std::fs::read(&out).unwrap(), std::fs::read(image("jpki/0001.der")).unwrap());
    let text = read(&trace);
    assert_eq!(verifies_with_data(&sent(&trace)), 1, "{text}");
    // "MYNACARD1" in hex.
    assert!(!text.contains(&spaced_hex(SIGN_PIN)), "{text}");
}

#[test]
fn missing_password_source_is_usage() {
    sim(&[])
        .args(["cert", "read", "sign", "--pin-env", "MYNACARD_TEST_UNSET_VAR"])
        .env_remove("MYNACARD_TEST_UNSET_VAR")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("MYNACARD_TEST_UNSET_VAR is not set"));
}

#[test]
fn json_with_binary_format_and_no_file_is_usage() {
    read_cmd("auth", &["--json", "--format", "der"])
        .assert()
        .code(2)
        .stdout(predicate::str::contains("\"kind\":\"usage\""))
        .stderr(predicate::str::contains("-o FILE"));
}

#[test]
fn json_with_output_file_reports_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("a.pem");
    let v = json_of(
        &mut read_cmd("auth", &["--json", "--format", "pem", "-o", out.to_str().unwrap()]),
        0,
    );
    assert_eq!(keys(&v), set(&["output", "format", "bytes", "certificate"]));
    assert_eq!(v["format"], "pem");
    assert_eq!(v["output"], out.to_str().unwrap());
    assert_eq!(keys(&v["certificate"]), summary_fields());
    let pem = std::fs::read_to_string(&out).unwrap();
    assert_eq!(v["bytes"], pem.len());
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"));
}

#[test]
fn unwritable_output_is_io_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("no-such-dir").join("a.der");
    read_cmd("auth", &["--format", "der", "-o", out.to_str().unwrap()])
        .assert()
        .code(13)
        .stderr(predicate::str::contains(out.display().to_string()));
    assert!(!out.exists());
}

#[test]
fn no_pcsc_service_is_no_service() {
    no_pcsc_service().args(["--reader", "Some Reader", "cert", "read", "auth"]).assert().code(3);
}

#[test]
fn show_renders_der_and_pem_files_alike() {
    let a = json_of(mynacard().args(["cert", "show", "--json"]).arg(image("pki/sign-cert.der")), 0);
    let b = json_of(mynacard().args(["cert", "show", "--json"]).arg(image("pki/sign-cert.pem")), 0);
    assert_eq!(a, b);
    assert_eq!(keys(&a), summary_fields());
    assert_eq!(a["holder"]["name"], "番号\u{3000}花子");
    let der = mynacard()
        .args(["cert", "show", "--format", "der"])
        .arg(image("pki/auth-cert.pem"))
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert_eq!(der, std::fs::read(image("pki/auth-cert.der")).unwrap());
    mynacard()
        .args(["cert", "show", "--format", "pem"])
        .arg(image("pki/auth-cert.der"))
        .assert()
        .success()
        .stdout(std::fs::read_to_string(image("pki/auth-cert.pem")).unwrap());
    mynacard()
        .args(["cert", "show"])
        .arg(image("pki/auth-root.der"))
        .assert()
        .success()
        .stdout(predicate::str::starts_with("CA certificate\n"));
}

#[test]
fn show_of_a_non_certificate_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.bin");
    std::fs::write(&junk, b"not a certificate").unwrap();
    mynacard()
        .args(["cert", "show"])
        .arg(&junk)
        .assert()
        .code(10)
        .stderr(predicate::str::contains(format!("{}: not a DER certificate", junk.display())));
    // A CRL in PEM is PEM, but not a certificate.
    mynacard()
        .args(["cert", "show"])
        .arg(image("pki/sign-crl-empty.pem"))
        .assert()
        .code(10)
        .stderr(predicate::str::contains("PEM label X509 CRL, expected CERTIFICATE"));
}

#[test]
fn show_of_a_missing_file_is_io() {
    mynacard()
        .args(["cert", "show", "/nonexistent/cert.der"])
        .assert()
        .code(13)
        .stderr(predicate::str::contains("/nonexistent/cert.der"));
}
