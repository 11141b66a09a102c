//! `mynacard sign FILE.pdf --ltv` on the in-process virtual card: a PAdES B-LT document
//! security store appended after the signature revision, from a CRL file or a loopback OCSP
//! responder started here (`openssl ocsp` answers; the server is dropped, and so stopped, at
//! the end of each test). Pinned: the store holds exactly the signer certificate, its root
//! and the CRL or OCSP response bytes the sources gave; the signature revision is the B-B
//! signature as plain signing writes it; `verify` says valid with the DSS change, and uses the
//! store's CRL or OCSP response when no source is configured (only as far as they verify).
//! Refused, with
//! nothing written and no card signature made: a revoked signer (CRL and OCSP), an
//! unreachable responder, an untrusted root, a PDF that already has a DSS; usage errors
//! before the card is touched: `--ltv` without a source, sources without `--ltv`, `--ltv`
//! on a non-PDF format. The independent oracles (pyHanko, pdfsig) run in scripts/pdf-oracles.

mod common;
mod openssl_pki;
mod revocation_support;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use common::cli::{json, mynacard, pki, s, sent, sim, verifies_with_data};
use common::SIGN_PIN;
use lopdf::Document;
use revocation_support::{free_port, loopback, ocsp_answer, HttpServer, OcspIndex};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pdf").join(name)
}

fn pki_bytes(name: &str) -> Vec<u8> {
    std::fs::read(pki(name)).unwrap()
}

/// `mynacard --reader sim sign IN -o OUT --pin-env PW --trace TRACE ARGS…`.
fn sign(input: &Path, out: &Path, trace: &Path, extra: &[&str]) -> assert_cmd::assert::Assert {
    let mut args = vec!["sign", s(input), "-o", s(out), "--pin-env", "PW", "--trace", s(trace)];
    args.extend_from_slice(extra);
    sim(&args).env("PW", SIGN_PIN).assert()
}

/// Card signatures (COMPUTE DIGITAL SIGNATURE, P2 80: the key selected before) in a trace.
fn card_signatures(lines: &[String]) -> usize {
    lines.iter().filter(|l| l.starts_with("> 80 2A 00 80")).count()
}

/// An OCSP responder of the signature hierarchy on loopback answering from `index`, keeping
/// every response it sent.
fn responder(index: &str) -> (HttpServer, Arc<Mutex<Vec<Vec<u8>>>>) {
    let from = OcspIndex {
        index: pki(index).into(),
        rsigner: pki("sign-ocsp.pem").into(),
        rkey: pki("sign-ocsp-key.pem").into(),
        ca: pki("sign-root.pem").into(),
        nmin: Some(60),
    };
    let sent = Arc::new(Mutex::new(Vec::new()));
    let keep = sent.clone();
    let work = tempfile::tempdir().unwrap();
    let server = HttpServer::serve(loopback(), move |n, body| {
        let (status, answer) = ocsp_answer(work.path(), &from, n, body);
        keep.lock().unwrap().push(answer.clone());
        (status, answer)
    });
    (server, sent)
}

/// The bytes of the streams an array of the DSS refers to (none when absent).
fn dss_streams(doc: &Document, dss: &lopdf::Dictionary, key: &[u8]) -> Blobs {
    let Ok(arr) = dss.get(key) else { return Vec::new() };
    arr.as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let id = r.as_reference().unwrap();
            doc.get_object(id).unwrap().as_stream().unwrap().content.clone()
        })
        .collect()
}

/// Streams' bytes.
type Blobs = Vec<Vec<u8>>;

/// What the appended store holds: (certs, crls, ocsps, VRI keys).
fn read_dss(bytes: &[u8]) -> (Blobs, Blobs, Blobs, Vec<String>) {
    let doc = Document::load_mem(bytes).unwrap();
    let root = doc.trailer.get(b"Root").unwrap().as_reference().unwrap();
    let cat = doc.get_object(root).unwrap().as_dict().unwrap();
    let dss_id = cat.get(b"DSS").unwrap().as_reference().unwrap();
    let dss = doc.get_object(dss_id).unwrap().as_dict().unwrap();
    let vri = dss.get(b"VRI").unwrap().as_dict().unwrap();
    let keys = vri.iter().map(|(k, _)| String::from_utf8(k.clone()).unwrap()).collect();
    (
        dss_streams(&doc, dss, b"Certs"),
        dss_streams(&doc, dss, b"CRLs"),
        dss_streams(&doc, dss, b"OCSPs"),
        keys,
    )
}

/// Offsets just after each `%%EOF` line.
fn revision_ends(b: &[u8]) -> Vec<usize> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(p) = b.get(i..).and_then(|t| t.windows(5).position(|w| w == b"%%EOF")) {
        let mut e = i + p + 5;
        while matches!(b.get(e), Some(b'\r' | b'\n')) {
            e += 1;
        }
        out.push(e);
        i = e;
    }
    out
}

/// The `/Contents` value of the last signature of a PDF (decoded, padding included), and the
/// file with that hex string and the `/M` date blanked (what differs between two signatures
/// of the same file with the same options).
fn masked(bytes: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let mut out = bytes.to_vec();
    let at = bytes.windows(11).rposition(|w| w == b"/Contents <").unwrap() + 10;
    let end = at + bytes[at..].iter().position(|b| *b == b'>').unwrap();
    let contents = hex::decode(&bytes[at + 1..end]).unwrap();
    out[at + 1..end].fill(b'0');
    let m = bytes.windows(5).rposition(|w| w == b"/M(D:").unwrap() + 5;
    out[m..m + 14].fill(b'0');
    (contents, out)
}

fn sha1_upper(b: &[u8]) -> String {
    use sha1::Digest;
    hex::encode_upper(sha1::Sha1::digest(b))
}

/// `mynacard --json verify FILE` with the virtual root and these revocation options.
fn verify(file: &Path, extra: &[&str]) -> (serde_json::Value, i32) {
    let out = mynacard()
        .args(["--json", "verify", s(file), "--trust-anchor", &pki("sign-root.pem")])
        .args(extra)
        .output()
        .unwrap();
    (json(&out.stdout), out.status.code().unwrap_or(-1))
}

#[test]
fn ltv_with_a_crl_stores_the_chain_and_the_crl_after_the_unchanged_signature_revision() {
    let dir = tempfile::tempdir().unwrap();
    let (ltv, plain, trace) =
        (dir.path().join("ltv.pdf"), dir.path().join("bb.pdf"), dir.path().join("t.trace"));
    let crl = pki("sign-crl-empty.der");
    let out = sign(
        &fixture("libreoffice.pdf"),
        &ltv,
        &trace,
        &["--ltv", "--crl", &crl, "--trust-anchor", &pki("sign-root.pem")],
    )
    .success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(
        stdout.contains(
            "added PAdES B-LT validation data (DSS): 2 certificates, 1 CRLs, 0 OCSP responses"
        ),
        "{stdout}"
    );
    let lines = sent(&trace);
    assert_eq!(verifies_with_data(&lines), 1, "{lines:?}");
    assert_eq!(card_signatures(&lines), 1, "{lines:?}");

    let bytes = std::fs::read(&ltv).unwrap();
    let original = std::fs::read(fixture("libreoffice.pdf")).unwrap();
    assert!(bytes.starts_with(&original));
    // Revisions: the original, the signature, the DSS.
    let ends = revision_ends(&bytes);
    assert_eq!(ends.len(), revision_ends(&original).len() + 2, "{ends:?}");
    let sig_rev = &bytes[..ends[ends.len() - 2]];

    // The store: exactly the signer certificate and its root, the CRL as given, one VRI entry
    // keyed by the SHA-1 of the signature's /Contents.
    let (certs, crls, ocsps, vri) = read_dss(&bytes);
    assert_eq!(certs, vec![pki_bytes("sign-cert.der"), pki_bytes("sign-root.der")]);
    assert_eq!(crls, vec![pki_bytes("sign-crl-empty.der")]);
    assert!(ocsps.is_empty());
    let (contents, sig_masked) = masked(sig_rev);
    assert_eq!(vri, vec![sha1_upper(&contents)]);

    // The signature revision is what B-B signing writes: the same bytes but for the time and
    // the signature value.
    sign(&fixture("libreoffice.pdf"), &plain, &dir.path().join("bb.trace"), &[]).success();
    let bb = std::fs::read(&plain).unwrap();
    assert_eq!(bb.len(), sig_rev.len());
    assert!(masked(&bb).1 == sig_masked, "the signature revision differs from B-B signing");

    // Our verify: valid, the DSS listed as a later change, the store counted.
    let (v, code) = verify(&ltv, &["--crl", &crl]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["verdict"], "valid");
    assert_eq!(v["signatures"][0]["changes"], serde_json::json!(["dss"]), "{v}");
    assert_eq!(v["signatures"][0]["covers_whole_file"], false);
    assert_eq!(
        v["dss"],
        serde_json::json!({"certificates": 2, "crls": 1, "ocsp_responses": 0, "vri": 1})
    );
    // With no source configured, the store's CRL answers.
    let (v, code) = verify(&ltv, &[]);
    assert_eq!(code, 0, "{v}");
    let source = format!("CRL {} /DSS CRL 1", ltv.display());
    assert_eq!(v["signatures"][0]["cms"]["revocation"]["outcome"]["source"], source, "{v}");
    // The signature revision alone is a whole-file B-B signature; it has no DSS.
    let alone = dir.path().join("alone.pdf");
    std::fs::write(&alone, sig_rev).unwrap();
    let (v, code) = verify(&alone, &["--crl", &crl]);
    assert_eq!((code, &v["signatures"][0]["covers_whole_file"]), (0, &serde_json::json!(true)));
    assert_eq!(v["dss"], serde_json::Value::Null);
    // ... and without a source its revocation status is unknown (exit 12).
    let (v, code) = verify(&alone, &[]);
    assert_eq!((code, &v["verdict"]), (12, &serde_json::json!("revocation_unknown")), "{v}");
    // Text output names the change and the store.
    let text = mynacard()
        .args(["verify", s(&ltv), "--trust-anchor", &pki("sign-root.pem"), "--crl", &crl])
        .assert()
        .success();
    let text = String::from_utf8_lossy(&text.get_output().stdout).into_owned();
    assert!(text.contains("changed after signing: validation data (DSS) was added"), "{text}");
    assert!(
        text.contains("document security store (DSS): 2 certificates, 1 CRLs, 0 OCSP responses, 1 VRI entries"),
        "{text}"
    );
}

#[test]
fn ltv_with_an_ocsp_responder_stores_the_response_it_sent() {
    let dir = tempfile::tempdir().unwrap();
    let (out, trace) = (dir.path().join("ltv.pdf"), dir.path().join("t.trace"));
    let (server, answered) = responder("sign-index.txt");
    let url = server.url();
    let run = sign(
        &fixture("ghostscript.pdf"),
        &out,
        &trace,
        &["--ltv", "--ocsp", &url, "--trust-anchor", &pki("sign-root.pem"), "--json"],
    )
    .success();
    let doc = json(&run.get_output().stdout);
    assert_eq!(doc["dss"], serde_json::json!({"certificates": 2, "crls": 0, "ocsp_responses": 1}));
    let answered = answered.lock().unwrap().clone();
    assert_eq!(answered.len(), 1, "one OCSP exchange");
    let bytes = std::fs::read(&out).unwrap();
    let (certs, crls, ocsps, vri) = read_dss(&bytes);
    assert_eq!(certs, vec![pki_bytes("sign-cert.der"), pki_bytes("sign-root.der")]);
    assert!(crls.is_empty());
    assert_eq!(ocsps, answered, "the store holds the response the responder sent");
    assert_eq!(vri.len(), 1);
    let lines = sent(&trace);
    assert_eq!((verifies_with_data(&lines), card_signatures(&lines)), (1, 1), "{lines:?}");
    let (v, code) = verify(&out, &["--ocsp", &url]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["signatures"][0]["changes"], serde_json::json!(["dss"]), "{v}");
    drop(server);
    // The responder is gone: the stored response answers when no source is configured.
    let (v, code) = verify(&out, &[]);
    assert_eq!(code, 0, "{v}");
    let source = format!("OCSP {} /DSS OCSP 1", out.display());
    assert_eq!(v["signatures"][0]["cms"]["revocation"]["outcome"]["source"], source, "{v}");
}

/// The store is outside the signed bytes: anyone can change it, so its data counts only as
/// far as it verifies. A CRL whose signature was altered answers nothing (revocation
/// unknown); a configured source is used instead of the store.
#[test]
fn the_stores_data_counts_only_when_it_verifies_and_configured_sources_win() {
    let dir = tempfile::tempdir().unwrap();
    let (ltv, trace) = (dir.path().join("ltv.pdf"), dir.path().join("t.trace"));
    let args =
        ["--ltv", "--crl", &pki("sign-crl-empty.der"), "--trust-anchor", &pki("sign-root.pem")];
    sign(&fixture("libreoffice.pdf"), &ltv, &trace, &args).success();
    let mut bytes = std::fs::read(&ltv).unwrap();
    let crl = pki_bytes("sign-crl-empty.der");
    let at = bytes.windows(crl.len()).position(|w| w == crl.as_slice()).unwrap();
    bytes[at + crl.len() - 1] ^= 0x01; // the last byte of the CRL's signature
    let forged = dir.path().join("forged.pdf");
    std::fs::write(&forged, &bytes).unwrap();
    let (v, code) = verify(&forged, &[]);
    assert_eq!(code, 12, "{v}");
    let why = v["signatures"][0]["cms"]["revocation"]["outcome"]["why"].as_str().unwrap();
    assert!(why.contains("/DSS CRL 1") && why.contains("signature"), "{why}");
    // A configured CRL that revokes wins over the store's that does not.
    let (v, code) = verify(&ltv, &["--crl", &pki("sign-crl-revoked.der")]);
    assert_eq!((code, &v["verdict"]), (11, &serde_json::json!("invalid")), "{v}");
}

/// Refused after the card gave its certificate and before it signed: one VERIFY (the
/// signature certificate cannot be read without it), no signature, no output file.
fn refused(extra: &[&str], wants: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let (out, trace) = (dir.path().join("out.pdf"), dir.path().join("t.trace"));
    let mut args = vec!["--ltv", "--trust-anchor"];
    let root = pki("sign-root.pem");
    args.push(&root);
    args.extend_from_slice(extra);
    let run = sign(&fixture("libreoffice.pdf"), &out, &trace, &args).code(10);
    let stderr = String::from_utf8_lossy(&run.get_output().stderr).into_owned();
    for w in wants {
        assert!(stderr.contains(w), "{w:?} not in {stderr}");
    }
    assert!(stderr.contains("nothing was signed"), "{stderr}");
    assert!(!out.exists(), "nothing is written");
    let lines = sent(&trace);
    assert_eq!(verifies_with_data(&lines), 1, "{lines:?}");
    assert_eq!(card_signatures(&lines), 0, "no card signature is spent: {lines:?}");
    assert_eq!(
        lines.last().map(String::as_str),
        Some("> 00 A4 04 0C 07 A0 00 00 01 51 00 00"),
        "the security state is cleared: {lines:?}"
    );
}

const SIGNER_SHA256: &str =
    "SHA-256 2af3989afc6de68d0abd699421d49823ef90f04a005606be902580594362ab04";

#[test]
fn a_signer_revoked_by_the_crl_is_refused() {
    let crl = pki("sign-crl-revoked.der");
    refused(
        &["--crl", &crl],
        &[SIGNER_SHA256, &format!("is revoked according to CRL {crl} (reason: keyCompromise)")],
    );
}

#[test]
fn a_signer_revoked_by_the_ocsp_responder_is_refused() {
    let (server, _) = responder("sign-index-revoked.txt");
    let url = server.url();
    refused(
        &["--ocsp", &url],
        &[SIGNER_SHA256, &format!("is revoked according to OCSP {url} (reason: keyCompromise)")],
    );
    drop(server);
}

#[test]
fn an_unreachable_responder_is_refused_naming_it() {
    // Bind and drop: nothing listens on the port afterwards.
    let url = format!("http://127.0.0.1:{}/", free_port());
    refused(
        &["--ocsp", &url],
        &[SIGNER_SHA256, "no configured source says the signer certificate", &url],
    );
}

#[test]
fn a_crl_that_does_not_cover_the_signer_is_refused() {
    refused(
        &["--crl", &pki("sign-crl-other-city.der")],
        &[SIGNER_SHA256, "no configured source says", "no applicable CRL"],
    );
}

#[test]
fn a_signer_not_chaining_to_a_trusted_root_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (out, trace) = (dir.path().join("out.pdf"), dir.path().join("t.trace"));
    let run = sign(
        &fixture("libreoffice.pdf"),
        &out,
        &trace,
        &["--ltv", "--crl", &pki("sign-crl-empty.der")],
    )
    .code(10);
    let stderr = String::from_utf8_lossy(&run.get_output().stderr).into_owned();
    assert!(
        stderr.contains(&format!("{SIGNER_SHA256}) is not valid now: untrusted issuer")),
        "{stderr}"
    );
    assert!(!out.exists());
    assert_eq!(card_signatures(&sent(&trace)), 0);
}

/// A usage error: exit 2, the message, and nothing sent to the card (no VERIFY).
fn usage(input: &Path, extra: &[&str], want: &str) {
    let dir = tempfile::tempdir().unwrap();
    let (out, trace) = (dir.path().join("out.pdf"), dir.path().join("t.trace"));
    let run = sign(input, &out, &trace, extra).code(2);
    let stderr = String::from_utf8_lossy(&run.get_output().stderr).into_owned();
    assert!(stderr.contains(want), "{want:?} not in {stderr}");
    assert!(sent(&trace).is_empty(), "{:?}", sent(&trace));
    assert!(!out.exists());
}

#[test]
fn usage_errors_come_before_the_card() {
    let pdf = fixture("libreoffice.pdf");
    usage(&pdf, &["--ltv"], "--ltv needs a revocation source: --crl PATH or --ocsp URL");
    usage(
        &pdf,
        &["--ltv", "--trust-anchor", &pki("sign-root.pem")],
        "--ltv needs a revocation source",
    );
    usage(&pdf, &["--crl", &pki("sign-crl-empty.der")], "are the sources of --ltv: give --ltv too");
    usage(&pdf, &["--ocsp", "http://127.0.0.1:9/"], "are the sources of --ltv");
    usage(
        &pdf,
        &["--ltv", "--crl", &pki("sign-crl-empty.der"), "--format", "cms"],
        "--ltv and its sources (--crl, --ocsp, --net-timeout, --ocsp-hash, --hierarchy, --trust-anchor) need --format pdf",
    );
    usage(&pdf, &["--ltv", "--ocsp", "https://127.0.0.1:9/"], "https://");
    // In Japanese.
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("t.trace");
    let run = sim(&["--lang", "ja", "sign", s(&pdf), "-o", s(&dir.path().join("o.pdf"))])
        .args(["--pin-env", "PW", "--trace", s(&trace), "--ltv"])
        .env("PW", SIGN_PIN)
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&run.get_output().stderr).into_owned();
    assert!(stderr.contains("--ltv には失効情報の取得元が必要です"), "{stderr}");
    assert!(sent(&trace).is_empty());
}

#[test]
fn a_pdf_that_already_has_a_dss_is_refused_before_the_card() {
    let dir = tempfile::tempdir().unwrap();
    let (first, trace) = (dir.path().join("ltv.pdf"), dir.path().join("t.trace"));
    let crl = pki("sign-crl-empty.der");
    let args = ["--ltv", "--crl", crl.as_str(), "--trust-anchor", &pki("sign-root.pem")];
    sign(&fixture("libreoffice.pdf"), &first, &trace, &args).success();
    let (second, trace2) = (dir.path().join("again.pdf"), dir.path().join("t2.trace"));
    let run = sign(&first, &second, &trace2, &args).failure();
    let stderr = String::from_utf8_lossy(&run.get_output().stderr).into_owned();
    assert!(stderr.contains("already has a document security store (/DSS)"), "{stderr}");
    assert!(sent(&trace2).is_empty(), "{:?}", sent(&trace2));
    assert!(!second.exists());
    // Without --ltv a second signature is added after the DSS, and both verify.
    sign(&first, &second, &trace2, &[]).success();
    let (v, code) = verify(&second, &["--crl", &crl]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["signatures"][0]["changes"], serde_json::json!(["signature", "dss"]), "{v}");
}

/// The authentication key: its certificate is free to read, so it is checked before the PIN
/// is read (here from a variable that is not even set: reading it would be a usage error) and
/// before any VERIFY.
#[test]
fn with_the_authentication_key_a_revoked_certificate_is_refused_before_the_pin() {
    let dir = tempfile::tempdir().unwrap();
    let (out, trace) = (dir.path().join("out.pdf"), dir.path().join("t.trace"));
    let run = sim(&["sign", s(&fixture("libreoffice.pdf")), "-o", s(&out), "--key", "auth"])
        .args(["--pin-env", "MYNACARD_LTV_TEST_UNSET", "--trace", s(&trace), "--ltv"])
        .args(["--crl", &pki("auth-crl-revoked.der"), "--trust-anchor", &pki("auth-root.pem")])
        .env_remove("MYNACARD_LTV_TEST_UNSET")
        .assert()
        .code(10);
    let stderr = String::from_utf8_lossy(&run.get_output().stderr).into_owned();
    assert!(stderr.contains("is revoked according to CRL"), "{stderr}");
    assert!(!out.exists());
    let lines = sent(&trace);
    assert!(!lines.is_empty(), "the certificate was read");
    assert!(lines.iter().all(|l| !l.starts_with("> 00 20")), "no VERIFY at all: {lines:?}");
    assert_eq!(card_signatures(&lines), 0);
}

#[test]
fn with_the_authentication_key_the_store_holds_its_chain() {
    let dir = tempfile::tempdir().unwrap();
    let (out, trace) = (dir.path().join("out.pdf"), dir.path().join("t.trace"));
    sim(&["sign", s(&fixture("libreoffice.pdf")), "-o", s(&out), "--key", "auth"])
        .args(["--pin-env", "PW", "--trace", s(&trace), "--ltv"])
        .args(["--crl", &pki("auth-crl-empty.der"), "--trust-anchor", &pki("auth-root.pem")])
        .env("PW", common::AUTH_PIN)
        .assert()
        .success();
    let (certs, crls, ocsps, _) = read_dss(&std::fs::read(&out).unwrap());
    assert_eq!(certs, vec![pki_bytes("auth-cert.der"), pki_bytes("auth-root.der")]);
    assert_eq!((crls, ocsps.len()), (vec![pki_bytes("auth-crl-empty.der")], 0));
    let lines = sent(&trace);
    // The certificate is read before the VERIFY, and once more under it.
    let first_verify = lines.iter().position(|l| common::cli::is_verify_with_data(l)).unwrap();
    assert!(lines[..first_verify].iter().any(|l| l == "> 00 A4 02 0C 02 00 0A"), "{lines:?}");
    assert_eq!(verifies_with_data(&lines), 1, "{lines:?}");
    assert_eq!(card_signatures(&lines), 1, "{lines:?}");
}
