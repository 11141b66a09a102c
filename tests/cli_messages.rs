//! Error messages of `mynacard cert show|verify`, `mynacard verify`, `face age` and
//! `apdu run` on awkward input, as a user would meet it: PEM files with a UTF-8 byte-order
//! mark (as Windows editors save them) are read as PEM, a non-RSA key is named as what it is,
//! and text taken from a file or an argument is echoed at most `MAX_ECHO` (160) characters
//! long, cut with `…`. The awkward files are made with OpenSSL.

mod common;
mod openssl_pki;

use std::path::Path;

use common::cli::*;
use predicates::prelude::*;

/// The UTF-8 byte-order mark.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Writes `dir/name`: a byte-order mark, then the bytes of `from`. Returns its path.
fn with_bom(dir: &Path, name: &str, from: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, [BOM, &std::fs::read(from).unwrap()].concat()).unwrap();
    s(&path).to_string()
}

#[test]
fn pem_with_a_byte_order_mark_is_read_as_pem() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cert = with_bom(d, "cert.pem", &pki("sign-cert.pem"));
    let root = with_bom(d, "root.pem", &pki("sign-root.pem"));
    let crl = with_bom(d, "crl.pem", &pki("sign-crl-empty.pem"));

    // `cert show`: the same certificate as without the mark.
    let plain = json_of(mynacard().args(["cert", "show", "--json", &pki("sign-cert.pem")]), 0);
    assert_eq!(json_of(mynacard().args(["cert", "show", "--json", &cert]), 0), plain);

    // `cert verify`: certificate, trust anchor and CRL all with a mark.
    mynacard()
        .args(["cert", "verify", &cert, "--trust-anchor", &root, "--crl", &crl])
        .assert()
        .success()
        .stdout(predicate::str::starts_with("verdict: VALID\n"))
        .stdout(predicate::str::contains("revocation: good (CRL "));

    // `verify`: a CMS signature in PEM, made by OpenSSL with the card's signature key.
    std::fs::write(d.join("data.txt"), b"signed with a byte-order mark\n").unwrap();
    let key = image("jpki/001A.key.pem");
    let sign_cert = pki("sign-cert.pem");
    openssl_pki::ok(
        d,
        &[
            "cms",
            "-sign",
            "-binary",
            "-md",
            "sha256",
            "-in",
            "data.txt",
            "-signer",
            &sign_cert,
            "-inkey",
            s(&key),
            "-outform",
            "PEM",
            "-out",
            "sig.pem",
        ],
    );
    let sig = with_bom(d, "sig-bom.pem", s(&d.join("sig.pem")));
    mynacard()
        .args(["verify", s(&d.join("data.txt")), "--signature", &sig])
        .args(["--trust-anchor", &root, "--crl", &crl])
        .assert()
        .success()
        .stdout(predicate::str::starts_with("verdict: VALID\n"))
        .stdout(predicate::str::contains("signature (cms): ok"));
}

#[test]
fn a_non_rsa_key_is_named_as_what_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    openssl_pki::ok(
        d,
        &[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            "ec.key",
            "-out",
            "ec.pem",
            "-subj",
            "/CN=EC test",
            "-days",
            "30",
        ],
    );
    std::fs::write(d.join("data.txt"), b"signed with an EC key\n").unwrap();
    openssl_pki::ok(
        d,
        &[
            "cms", "-sign", "-binary", "-in", "data.txt", "-signer", "ec.pem", "-inkey", "ec.key",
            "-outform", "DER", "-out", "ec.p7s",
        ],
    );
    let found = "unusable public key of the end-entity certificate: key algorithm \
                 id-ecPublicKey is not rsaEncryption (1.2.840.113549.1.1.1)";
    mynacard()
        .args(["cert", "show", s(&d.join("ec.pem"))])
        .assert()
        .success()
        .stdout(predicate::str::contains("key: id-ecPublicKey\n"));
    mynacard()
        .args(["cert", "verify", s(&d.join("ec.pem"))])
        .assert()
        .code(10)
        .stdout(predicate::str::starts_with("verdict: INVALID\n"))
        .stdout(predicate::str::contains(format!("failure: {found}\n")));
    mynacard()
        .args(["verify", s(&d.join("data.txt")), "--signature", s(&d.join("ec.p7s"))])
        .assert()
        .code(10)
        .stdout(predicate::str::starts_with("verdict: INVALID\n"))
        .stdout(predicate::str::contains(format!("failure: {found}\n")));
}

/// 3000 characters: far more than any message may echo.
fn long(c: char) -> String {
    std::iter::repeat_n(c, 3000).collect()
}

/// `stderr` echoes `what` cut to 160 characters and `…`, and is short.
fn echoes_bounded(stderr: &[u8], what: &str) {
    let text = String::from_utf8_lossy(stderr);
    let shown: String = what.chars().take(160).collect();
    assert!(text.contains(&format!("{shown}…")), "not cut to 160 characters: {text}");
    assert!(!text.contains(&what[..161]), "more than 160 characters echoed: {text}");
    assert!(text.len() < 400, "{} bytes of message: {text}", text.len());
}

#[test]
fn a_pem_label_is_echoed_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let label = long('X');
    let pem = dir.path().join("long-label.pem");
    std::fs::write(&pem, format!("-----BEGIN {label}-----\nAAAA\n-----END {label}-----\n"))
        .unwrap();
    let pem = s(&pem);
    let runs: [&[&str]; 3] = [
        &["cert", "show", pem],
        &["cert", "verify", &pki("sign-cert.pem"), "--trust-anchor", pem],
        &["verify", &pki("sign-cert.der"), "--signature", pem],
    ];
    for args in runs {
        let out = mynacard().args(args).assert().failure().get_output().clone();
        echoes_bounded(&out.stderr, &label);
        assert!(String::from_utf8_lossy(&out.stderr).contains("PEM label XXX"), "{args:?}");
    }
}

#[test]
fn an_argument_is_echoed_bounded() {
    let at = long('9');
    let out = mynacard().args(["face", "age", "--at-least", "20", "--at", &at]).assert().code(2);
    echoes_bounded(&out.get_output().stderr, &at);
}

#[test]
fn an_unknown_script_variable_is_echoed_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let name = long('v');
    let script = dir.path().join("s.apdu");
    std::fs::write(&script, format!("00 A4 04 0C ${name}\n")).unwrap();
    let out = sim(&["apdu", "run", s(&script)]).assert().failure();
    let text = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(text.contains("unknown variable $vvvv"), "{text}");
    assert!(text.len() < 400, "{} bytes of message: {text}", text.len());
}
