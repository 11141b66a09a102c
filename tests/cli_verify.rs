//! `mynacard cert verify` and `mynacard verify` run as a real binary on the virtual card's
//! PKI (`sim-image/default/pki/`): CRL outcomes (good, revoked, on hold, other municipality,
//! none), revocation policies, trust anchors, CMS signatures made by `openssl cms -sign` and
//! raw ones made by `openssl pkeyutl` with the card's signature key, tampering, an OCSP
//! responder (`openssl ocsp` behind a loopback-only HTTP front), and every exit code these
//! commands produce.

mod common;
mod openssl_pki;
mod revocation_support;

use assert_cmd::Command;
use common::cli::*;
use predicates::prelude::*;
use revocation_support::{free_port, loopback, ocsp_responder, HttpServer, OcspIndex};

/// `cert verify` of the card's signature certificate with the sim's signature root.
fn cert_verify(extra: &[&str]) -> Command {
    let mut c = mynacard();
    c.args(["cert", "verify", &pki("sign-cert.pem"), "--trust-anchor", &pki("sign-root.pem")]);
    c.args(extra);
    c
}

#[test]
fn empty_crl_is_valid_and_json_names_are_pinned() {
    cert_verify(&["--crl", &pki("sign-crl-empty.der")])
        .assert()
        .success()
        .stdout(predicate::str::starts_with("verdict: VALID\n"))
        .stdout(predicate::str::contains("revocation: good (CRL "))
        .stdout(predicate::str::contains("  name: 番号\u{3000}花子"));
    let v = json_of(&mut cert_verify(&["--json", "--crl", &pki("sign-crl-empty.pem")]), 0);
    assert_eq!(
        keys(&v),
        set(&[
            "verdict",
            "judgement_time",
            "judgement_basis",
            "signature",
            "certificate",
            "kind",
            "anchor",
            "checks",
            "failures",
            "warnings",
            "holder",
            "revocation"
        ])
    );
    assert_eq!(v["verdict"], "valid");
    assert_eq!(v["judgement_basis"], "now");
    assert_eq!(v["kind"], "signature");
    assert!(v["signature"].is_null());
    assert_eq!(
        keys(&v["certificate"]),
        set(&[
            "subject",
            "issuer",
            "serial",
            "not_before",
            "not_after",
            "sha256",
            "signature_algorithm"
        ])
    );
    assert_eq!(
        keys(&v["anchor"]),
        set(&["subject", "sha256", "source", "label", "matched_by", "not_after"])
    );
    assert_eq!(v["anchor"]["source"], "extra");
    assert_eq!(keys(&v["revocation"]), set(&["policy", "outcome"]));
    assert_eq!(v["revocation"]["policy"], "require");
    assert_eq!(
        keys(&v["revocation"]["outcome"]),
        set(&["status", "source", "this_update", "next_update"])
    );
    assert_eq!(v["revocation"]["outcome"]["status"], "good");
    assert_eq!(keys(&v["checks"][0]), set(&["name", "ok"]));
}

#[test]
fn revoked_crl_is_revoked() {
    cert_verify(&["--crl", &pki("sign-crl-revoked.der")])
        .assert()
        .code(11)
        .stdout(predicate::str::starts_with("verdict: INVALID\n"))
        .stdout(predicate::str::contains("revocation: REVOKED at "))
        .stdout(predicate::str::contains("revocation reason: keyCompromise"));
    let v = json_of(&mut cert_verify(&["--json", "--crl", &pki("sign-crl-revoked.der")]), 11);
    assert_eq!(v["revocation"]["outcome"]["status"], "revoked");
    assert_eq!(keys(&v["revocation"]["outcome"]), set(&["status", "reason", "time", "source"]));
}

#[test]
fn hold_crl_is_revoked_with_certificate_hold_shown() {
    cert_verify(&["--crl", &pki("sign-crl-hold.der")])
        .assert()
        .code(11)
        .stdout(predicate::str::contains("revocation reason: certificateHold"));
    let v = json_of(&mut cert_verify(&["--json", "--crl", &pki("sign-crl-hold.pem")]), 11);
    assert_eq!(v["revocation"]["outcome"]["reason"], "certificateHold");
    assert_eq!(v["revocation"]["outcome"]["time"], "2025-05-20T03:00:00Z");
}

#[test]
fn no_crl_under_require_is_revocation_unknown() {
    cert_verify(&["--revocation", "require"])
        .assert()
        .code(12)
        .stdout(predicate::str::starts_with("verdict: REVOCATION UNKNOWN\n"))
        .stdout(predicate::str::contains("no CRL configured"));
}

#[test]
fn other_municipality_crl_is_revocation_unknown() {
    let v = json_of(&mut cert_verify(&["--json", "--crl", &pki("sign-crl-other-city.der")]), 12);
    assert_eq!(v["verdict"], "revocation_unknown");
    assert_eq!(v["revocation"]["outcome"]["status"], "unknown");
    assert!(v["revocation"]["outcome"]["why"].as_str().unwrap().contains("no applicable CRL"));
}

#[test]
fn revocation_off_is_valid_and_says_not_checked() {
    cert_verify(&["--revocation", "off"])
        .assert()
        .success()
        .stdout(predicate::str::contains("revocation: not checked"))
        .stdout(predicate::str::contains("note: revocation was not checked (--revocation off)"));
    let v = json_of(&mut cert_verify(&["--json", "--revocation", "off"]), 0);
    assert_eq!(v["revocation"]["policy"], "off");
    assert_eq!(v["revocation"]["outcome"]["status"], "not_checked");
    assert!(v["warnings"][0].as_str().unwrap().contains("revocation checking is off"));
}

#[test]
fn revocation_prefer_without_sources_is_valid_with_a_warning() {
    cert_verify(&["--revocation", "prefer"])
        .assert()
        .success()
        .stdout(predicate::str::contains("warning: revocation status unknown"));
}

#[test]
fn without_the_trust_anchor_the_issuer_is_untrusted() {
    mynacard()
        .args(["cert", "verify", &pki("sign-cert.der"), "--crl", &pki("sign-crl-empty.der")])
        .assert()
        .code(10)
        .stdout(predicate::str::contains("failure: untrusted issuer"));
}

#[test]
fn the_wrong_hierarchy_root_is_untrusted() {
    mynacard()
        .args(["cert", "verify", &pki("auth-cert.der"), "--trust-anchor", &pki("sign-root.der")])
        .args(["--revocation", "off"])
        .assert()
        .code(10)
        .stdout(predicate::str::contains("untrusted issuer"));
}

#[test]
fn auth_certificate_verifies_with_its_crl() {
    mynacard()
        .args(["cert", "verify", &pki("auth-cert.der"), "--trust-anchor", &pki("auth-root.der")])
        .args(["--crl", &pki("auth-crl-empty.der")])
        .assert()
        .success()
        .stdout(predicate::str::contains("holder").not());
}

#[test]
fn a_crl_directory_is_loaded_and_revocation_wins() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["sign-crl-empty.der", "sign-crl-hold.pem", "sign-crl-other-city.der"] {
        std::fs::copy(pki(name), dir.path().join(name)).unwrap();
    }
    cert_verify(&["--crl", dir.path().to_str().unwrap()])
        .assert()
        .code(11)
        .stdout(predicate::str::contains("revocation reason: certificateHold"));
}

#[test]
fn judged_after_expiry_fails_and_bad_times_are_usage() {
    cert_verify(&["--revocation", "off", "--at", "2040-01-01T00:00:00Z"])
        .assert()
        .code(10)
        .stdout(predicate::str::contains("expired at 2035-05-15T14:59:59Z"));
    cert_verify(&["--revocation", "off", "--at", "2030-01-01T09:00:00+09:00"]).assert().success();
    cert_verify(&["--at", "yesterday"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--at yesterday"));
    cert_verify(&["--at", "signing-time"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("needs a CMS signature"));
}

#[test]
fn bad_ocsp_target_is_usage() {
    cert_verify(&["--ocsp", "ftp://x"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--ocsp ftp://x"));
}

#[test]
fn input_files_errors_name_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.der");
    std::fs::write(&junk, b"junk").unwrap();
    let junk = junk.to_str().unwrap();
    // Certificate: unreadable → io, unparsable → verification-failed.
    mynacard()
        .args(["cert", "verify", "/nonexistent/c.der"])
        .assert()
        .code(13)
        .stderr(predicate::str::contains("/nonexistent/c.der"));
    mynacard()
        .args(["cert", "verify", junk])
        .assert()
        .code(10)
        .stderr(predicate::str::contains(format!("{junk}: not a DER certificate")));
    // CRL.
    cert_verify(&["--crl", "/nonexistent/x.crl"])
        .assert()
        .code(13)
        .stderr(predicate::str::contains("/nonexistent/x.crl"));
    cert_verify(&["--crl", junk]).assert().code(10).stderr(predicate::str::contains(junk));
    // Trust anchor.
    mynacard()
        .args(["cert", "verify", &pki("sign-cert.der"), "--trust-anchor", "/nonexistent/r.der"])
        .assert()
        .code(13)
        .stderr(predicate::str::contains("/nonexistent/r.der"));
    mynacard()
        .args(["cert", "verify", &pki("sign-cert.der"), "--trust-anchor", junk])
        .assert()
        .code(10)
        .stderr(predicate::str::contains(format!("trust anchor {junk} is not a certificate")));
}

#[test]
fn json_errors_are_one_document() {
    let out = mynacard()
        .args(["--json", "cert", "verify", "/nonexistent/c.der"])
        .assert()
        .code(13)
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["error"]["kind"], "io");
}

// ---- signatures made with OpenSSL and the card's signature key ----

struct Signed {
    dir: tempfile::TempDir,
}

impl Signed {
    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).to_str().unwrap().to_string()
    }

    /// data.txt, detached.p7s (DER), detached.pem (PEM), attached.p7s, raw.sig (PKCS#1 v1.5,
    /// SHA-256), tampered.txt.
    fn new() -> Signed {
        let dir = tempfile::tempdir().unwrap();
        let signed = Signed { dir };
        std::fs::write(signed.path("data.txt"), b"mynacard test document\n").unwrap();
        std::fs::write(signed.path("tampered.txt"), b"mynacard test document!\n").unwrap();
        let key = image("jpki/001A.key.pem");
        let (d, key, cert) = (signed.dir.path(), s(&key), pki("sign-cert.pem"));
        let cms = |extra: &[&str], out: &str| {
            let mut args = vec!["cms", "-sign", "-binary", "-md", "sha256", "-in", "data.txt"];
            args.extend_from_slice(&["-signer", &cert, "-inkey", key, "-out", out]);
            args.extend_from_slice(extra);
            openssl_pki::ok(d, &args);
        };
        cms(&["-outform", "DER"], "detached.p7s");
        cms(&["-outform", "PEM"], "detached.pem");
        cms(&["-outform", "DER", "-nodetach"], "attached.p7s");
        openssl_pki::ok(d, &["dgst", "-sha256", "-binary", "-out", "data.sha256", "data.txt"]);
        let sign = ["pkeyutl", "-sign", "-inkey", key, "-pkeyopt", "digest:sha256"];
        openssl_pki::ok(d, &[&sign[..], &["-in", "data.sha256", "-out", "raw.sig"]].concat());
        signed
    }
}

fn verify() -> Command {
    let mut c = mynacard();
    c.arg("verify");
    c
}

fn trust() -> [String; 4] {
    ["--trust-anchor".into(), pki("sign-root.der"), "--crl".into(), pki("sign-crl-empty.der")]
}

#[test]
fn detached_cms_der_and_pem_verify() {
    let s = Signed::new();
    for sig in ["detached.p7s", "detached.pem"] {
        verify()
            .args([s.path("data.txt"), "--signature".into(), s.path(sig)])
            .args(trust())
            .assert()
            .success()
            .stdout(predicate::str::starts_with("verdict: VALID\n"))
            .stdout(predicate::str::contains("signature (cms): ok"));
    }
    let mut c = verify();
    c.args([s.path("data.txt"), "--signature".into(), s.path("detached.p7s")]).args(trust());
    let v = json_of(c.arg("--json"), 0);
    assert_eq!(v["signature"]["format"], "cms");
    assert_eq!(v["signature"]["detached"], true);
    assert_eq!(
        keys(&v["signature"]),
        set(&[
            "format",
            "ok",
            "hash",
            "signature_algorithm",
            "signed_attributes",
            "signing_time",
            "content_type",
            "detached",
            "signer_certificate_from"
        ])
    );
    // Judged at the signing time.
    let mut c = verify();
    c.args([s.path("data.txt"), "--signature".into(), s.path("detached.p7s")])
        .args(trust())
        .args(["--at", "signing-time"]);
    let v = json_of(c.arg("--json"), 0);
    assert_eq!(v["judgement_basis"], "signing_time");
    assert_eq!(v["judgement_time"], v["signature"]["signing_time"]);
}

#[test]
fn attached_cms_verifies_from_data_alone() {
    let s = Signed::new();
    verify().arg(s.path("attached.p7s")).args(trust()).assert().success();
}

#[test]
fn tampered_data_fails() {
    let s = Signed::new();
    verify()
        .args([s.path("tampered.txt"), "--signature".into(), s.path("detached.p7s")])
        .args(trust())
        .assert()
        .code(10)
        .stdout(predicate::str::contains("failure: messageDigest attribute does not match"));
    verify()
        .args([s.path("tampered.txt"), "--signature".into(), s.path("raw.sig")])
        .args(["--cert".into(), pki("sign-cert.der")])
        .args(trust())
        .assert()
        .code(10)
        .stdout(predicate::str::contains("failure: bad signature on the data"));
}

#[test]
fn raw_signature_verifies_with_cert() {
    let s = Signed::new();
    let mut c = verify();
    c.args([s.path("data.txt"), "--signature".into(), s.path("raw.sig")])
        .args(["--cert".into(), pki("sign-cert.pem"), "--hash".into(), "sha256".into()])
        .args(trust());
    let v = json_of(c.arg("--json"), 0);
    assert_eq!(v["signature"]["format"], "raw");
    assert_eq!(v["verdict"], "valid");
    // The wrong hash does not verify.
    verify()
        .args([s.path("data.txt"), "--signature".into(), s.path("raw.sig")])
        .args(["--cert".into(), pki("sign-cert.pem"), "--hash".into(), "sha512".into()])
        .args(trust())
        .assert()
        .code(10);
    // A raw signature has no signing time.
    verify()
        .args([s.path("data.txt"), "--signature".into(), s.path("raw.sig")])
        .args(["--cert".into(), pki("sign-cert.pem"), "--at".into(), "signing-time".into()])
        .args(trust())
        .assert()
        .code(2);
}

#[test]
fn cms_revoked_and_off_and_unknown() {
    let s = Signed::new();
    let base = [s.path("data.txt"), "--signature".into(), s.path("detached.p7s")];
    verify()
        .args(&base)
        .args([
            "--trust-anchor".into(),
            pki("sign-root.der"),
            "--crl".into(),
            pki("sign-crl-revoked.der"),
        ])
        .assert()
        .code(11);
    verify().args(&base).args(["--trust-anchor".into(), pki("sign-root.der")]).assert().code(12);
    verify()
        .args(&base)
        .args(["--trust-anchor".into(), pki("sign-root.der"), "--revocation".into(), "off".into()])
        .assert()
        .success()
        .stdout(predicate::str::contains("revocation: not checked"));
}

#[test]
fn unparsable_signatures_name_the_file() {
    let s = Signed::new();
    let junk = s.path("junk.sig");
    std::fs::write(&junk, b"junk").unwrap();
    // Neither CMS nor, without --cert, raw.
    verify()
        .args([s.path("data.txt"), "--signature".into(), junk.clone()])
        .args(trust())
        .assert()
        .code(10)
        .stderr(predicate::str::contains(format!("{junk}: not a CMS signature")))
        .stderr(predicate::str::contains("needs --cert"));
    // With --cert, but not 256 bytes.
    verify()
        .args([s.path("data.txt"), "--signature".into(), junk.clone()])
        .args(["--cert".into(), pki("sign-cert.der")])
        .args(trust())
        .assert()
        .code(10)
        .stderr(predicate::str::contains("nor a 256-byte raw signature (4 bytes)"));
    // A raw signature without --cert.
    verify()
        .args([s.path("data.txt"), "--signature".into(), s.path("raw.sig")])
        .args(trust())
        .assert()
        .code(10)
        .stderr(predicate::str::contains("needs --cert"));
    // No --signature and the data is not a CMS.
    verify().arg(s.path("data.txt")).args(trust()).assert().code(10).stderr(
        predicate::str::contains(format!("{}: not an attached CMS signature", s.path("data.txt"))),
    );
    // A detached CMS without its content.
    verify()
        .arg(s.path("detached.p7s"))
        .args(trust())
        .assert()
        .code(10)
        .stderr(predicate::str::contains("detached CMS signature and no content"));
    // Missing data and signature files.
    verify().arg("/nonexistent/data").args(trust()).assert().code(13);
    verify()
        .args([s.path("data.txt"), "--signature".into(), "/nonexistent/s.p7s".into()])
        .assert()
        .code(13)
        .stderr(predicate::str::contains("/nonexistent/s.p7s"));
}

// ---- a real OCSP responder on loopback ----
//
// `openssl ocsp` builds and signs every answer, behind a loopback-only HTTP front
// (revocation_support), from the index files of the card's PKI.

/// The responder of the signature hierarchy answering from `index`.
fn responder(index: &str) -> HttpServer {
    let from = OcspIndex {
        index: pki(index).into(),
        rsigner: pki("sign-ocsp.pem").into(),
        rkey: pki("sign-ocsp-key.pem").into(),
        ca: pki("sign-root.pem").into(),
        nmin: None,
    };
    ocsp_responder(loopback(), from)
}

#[test]
fn ocsp_responder_good_is_valid() {
    let r = responder("sign-index.txt");
    let v = json_of(&mut cert_verify(&["--json", "--ocsp", &r.url()]), 0);
    assert_eq!(v["verdict"], "valid");
    assert_eq!(v["revocation"]["outcome"]["status"], "good");
    assert_eq!(v["revocation"]["outcome"]["source"], format!("OCSP {}", r.url()));
    cert_verify(&["--ocsp", &r.url(), "--ocsp-hash", "sha256"])
        .assert()
        .success()
        .stdout(predicate::str::contains(format!("revocation: good (OCSP {})", r.url())));
}

#[test]
fn ocsp_responder_revoked_is_revoked() {
    let r = responder("sign-index-revoked.txt");
    cert_verify(&["--ocsp", &r.url()])
        .assert()
        .code(11)
        .stdout(predicate::str::contains("revocation reason: keyCompromise"));
}

#[test]
fn unreachable_ocsp_responder_is_revocation_unknown() {
    // Bind and drop: nothing listens on the port afterwards.
    let url = format!("http://127.0.0.1:{}", free_port());
    let v = json_of(&mut cert_verify(&["--json", "--ocsp", &url]), 12);
    assert_eq!(v["revocation"]["outcome"]["status"], "unknown");
    assert!(v["revocation"]["outcome"]["why"].as_str().unwrap().contains(&url));
}

// ---- issue 11: hostile inputs that used to give wrong verdicts or hang ----

/// Two current CRLs of the card's municipality, one revoking (keyCompromise, cRLNumber 2) and
/// one empty (cRLNumber 1), with the same thisUpdate: revoked whatever the order of `--crl`.
/// (It used to be the last one given.) The same for the hold CRL (cRLNumber 3): the empty CRL
/// is older by cRLNumber, so it does not lift the hold.
#[test]
fn no_crl_hides_a_revocation_whatever_the_order() {
    let (empty, revoked, hold) =
        (pki("sign-crl-empty.der"), pki("sign-crl-revoked.der"), pki("sign-crl-hold.der"));
    for (a, b) in [(&empty, &revoked), (&revoked, &empty)] {
        cert_verify(&["--crl", a, "--crl", b])
            .assert()
            .code(11)
            .stdout(predicate::str::contains("revocation reason: keyCompromise"));
    }
    for (a, b) in [(&empty, &hold), (&hold, &empty)] {
        cert_verify(&["--crl", a, "--crl", b])
            .assert()
            .code(11)
            .stdout(predicate::str::contains("revocation reason: certificateHold"));
    }
}

/// `verify --cert` with a CMS made by the card's signature key but the authentication
/// certificate given: refused, naming both certificates (it used to be ignored: VALID).
#[test]
fn a_given_certificate_that_is_not_the_signer_is_refused() {
    let s = Signed::new();
    let mut c = verify();
    c.args([s.path("data.txt"), "--signature".into(), s.path("detached.p7s")])
        .args(["--cert".into(), pki("auth-cert.pem")])
        .args(trust());
    let out = c.assert().code(10).get_output().stdout.clone();
    let text = String::from_utf8(out).unwrap();
    assert!(text.starts_with("verdict: INVALID\n"), "{text}");
    assert!(text.contains("failure: the given certificate (issuer "), "{text}");
    assert!(text.contains("is not the CMS signer (issuer "), "{text}");
    let mut c = verify();
    c.args([s.path("data.txt"), "--signature".into(), s.path("detached.p7s")])
        .args(["--cert".into(), pki("auth-cert.pem"), "--json".into()])
        .args(trust());
    let v = json_of(&mut c, 10);
    assert_eq!(v["failures"][0]["failure"], "given_certificate_not_signer");
    // The signer's own certificate given: valid as before.
    verify()
        .args([s.path("data.txt"), "--signature".into(), s.path("detached.p7s")])
        .args(["--cert".into(), pki("sign-cert.pem")])
        .args(trust())
        .assert()
        .success();
}

/// A responder trickling one byte every 100 ms (at most 150 bytes, so the server's loop ends
/// by itself): `--net-timeout 1` ends the exchange at the deadline with revocation unknown.
/// (With only a per-read timeout it read on until the server stopped.)
#[test]
fn a_trickling_responder_is_cut_at_the_deadline() {
    let server = revocation_support::trickling_server(std::time::Duration::from_millis(100), 150);
    let v =
        json_of(&mut cert_verify(&["--json", "--ocsp", &server.url(), "--net-timeout", "1"]), 12);
    let why = v["revocation"]["outcome"]["why"].as_str().unwrap().to_string();
    assert!(
        why.contains(&format!(
            "OCSP responder {}: no complete answer within the 1 s deadline",
            server.url()
        )),
        "{why}"
    );
    drop(server);
    cert_verify(&["--ocsp", "http://127.0.0.1:1/", "--net-timeout", "0"]).assert().code(2);
}

/// A 302 from the responder is reported as a redirect that is not followed, with its Location.
#[test]
fn an_ocsp_redirect_is_reported_as_such() {
    let server = revocation_support::redirecting_server(302, "http://elsewhere.example/ocsp");
    let v = json_of(&mut cert_verify(&["--json", "--ocsp", &server.url()]), 12);
    let why = v["revocation"]["outcome"]["why"].as_str().unwrap().to_string();
    assert!(
        why.contains(
            "HTTP redirect 302 to http://elsewhere.example/ocsp (redirects are not followed)"
        ),
        "{why}"
    );
    assert!(!why.contains("malformed"), "{why}");
}

/// https is refused before any traffic, saying why; echoed input stays bounded.
#[test]
fn https_ocsp_is_refused_and_echoes_are_bounded() {
    cert_verify(&["--ocsp", "https://127.0.0.1:1/ocsp"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("https is not supported (no TLS in this build"));
    let long = format!("ftp://{}", "x".repeat(100_000));
    let out = cert_verify(&["--ocsp", &long]).assert().code(2).get_output().stderr.clone();
    assert!(out.len() < 1000, "{} bytes of stderr", out.len());
    let long_at = "9".repeat(100_000);
    let out = cert_verify(&["--at", &long_at]).assert().code(2).get_output().stderr.clone();
    assert!(out.len() < 1000, "{} bytes of stderr", out.len());
}

/// Revocation is judged at the time of judgement: the sim CRLs are current from
/// 2025-06-01, so before that they say nothing (unknown, naming the window), and from then on
/// the empty one says good.
#[test]
fn revocation_is_judged_at_the_given_time() {
    let v = json_of(
        &mut cert_verify(&[
            "--json",
            "--crl",
            &pki("sign-crl-empty.der"),
            "--at",
            "2025-05-01T00:00:00Z",
        ]),
        12,
    );
    let why = v["revocation"]["outcome"]["why"].as_str().unwrap().to_string();
    assert!(
        why.contains("is not current at 2025-05-01T00:00:00Z (thisUpdate 2025-06-01T00:00:00Z, nextUpdate 2043-12-31T00:00:00Z)"),
        "{why}"
    );
    cert_verify(&["--crl", &pki("sign-crl-empty.der"), "--at", "2025-07-01T00:00:00Z"])
        .assert()
        .success();
    // Revoked on 2025-05-20 for keyCompromise: revoked at any time the CRL answers for.
    cert_verify(&["--crl", &pki("sign-crl-revoked.der"), "--at", "2025-07-01T00:00:00Z"])
        .assert()
        .code(11);
    // A signature judged at its signing time with a live responder: the answer (thisUpdate
    // now) is current at a signing time within the skew.
    let s = Signed::new();
    let r = responder("sign-index.txt");
    verify()
        .args([s.path("data.txt"), "--signature".into(), s.path("detached.p7s")])
        .args(["--trust-anchor".into(), pki("sign-root.der"), "--ocsp".into(), r.url()])
        .args(["--at", "signing-time"])
        .assert()
        .success();
}
