//! PDF signatures end to end: `mynacard sign FILE.pdf` on the virtual card over PDFs that
//! other producers made (tests/fixtures/pdf/README.md), `mynacard verify FILE.pdf`, and the
//! attack corpus built here from our own signed files (incremental saving, signature
//! wrapping, universal signature forgery, shadow attacks, tampering, bad byte ranges): every
//! one must be reported as not valid or as modified. The independent oracles (pdfsig,
//! pyHanko, qpdf, pdftoppm) run in scripts/pdf-oracles.

mod common;

use std::path::{Path, PathBuf};

use common::cli::{json, mynacard, pki, s, sim};
use common::SIGN_PIN;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pdf").join(name)
}

/// Sign `input` on the virtual card into `out` with extra arguments.
fn sign(input: &Path, out: &Path, extra: &[&str]) {
    let mut args = vec!["sign", s(input), "-o", s(out), "--pin-env", "PW", "-q"];
    args.extend_from_slice(extra);
    sim(&args).env("PW", SIGN_PIN).assert().success();
}

/// `mynacard --json verify FILE` with the virtual card's root and no revocation: the JSON
/// and the exit code.
fn verify(file: &Path) -> (serde_json::Value, i32) {
    let out = mynacard()
        .args(["--json", "verify", s(file), "--trust-anchor", &pki("sign-root.pem")])
        .args(["--crl", &pki("sign-crl-empty.der")])
        .output()
        .unwrap();
    (json(&out.stdout), out.status.code().unwrap_or(-1))
}

fn verdicts(v: &serde_json::Value) -> Vec<String> {
    v["signatures"]
        .as_array()
        .map(|a| a.iter().map(|s| s["verdict"].as_str().unwrap_or("").to_string()).collect())
        .unwrap_or_default()
}

fn signed_copy(dir: &Path, fixture_name: &str, extra: &[&str]) -> (PathBuf, Vec<u8>) {
    let out = dir.join(format!("{fixture_name}-signed.pdf"));
    sign(&fixture(fixture_name), &out, extra);
    let bytes = std::fs::read(&out).unwrap();
    (out, bytes)
}

#[test]
fn every_producer_signs_and_verifies_and_the_original_bytes_stay() {
    let dir = tempfile::tempdir().unwrap();
    for name in [
        "libreoffice.pdf",
        "ghostscript.pdf",
        "libreoffice-objstm.pdf",
        "ghostscript-incremental.pdf",
        "pyhanko-signed.pdf",
    ] {
        let original = std::fs::read(fixture(name)).unwrap();
        let (path, bytes) = signed_copy(dir.path(), name, &[]);
        assert!(bytes.starts_with(&original), "{name}: the original bytes are kept as they were");
        let (v, code) = verify(&path);
        let last = v["signatures"].as_array().unwrap().last().unwrap().clone();
        assert_eq!(last["verdict"], "valid", "{name}: {v}");
        assert_eq!(last["subfilter"], "ETSI.CAdES.detached");
        assert_eq!(last["covers_whole_file"], true);
        if name == "pyhanko-signed.pdf" {
            // pyHanko's signature: its bytes and CMS are intact and only a signature came
            // after it; its certificate is not a JPKI one, so our profile refuses it.
            let first = &v["signatures"][0];
            assert_eq!(first["problems"], serde_json::json!([]), "{v}");
            assert_eq!(first["changes"], serde_json::json!(["signature"]), "{v}");
            assert_eq!(first["cms"]["signature"]["ok"], true, "{v}");
            assert_eq!(first["verdict"], "invalid");
            assert_eq!(code, 10, "{v}");
        } else {
            assert_eq!(verdicts(&v), vec!["valid"], "{name}: {v}");
            assert_eq!(code, 0, "{v}");
        }
    }
}

#[test]
fn pades_has_no_signing_time_and_pkcs7_keeps_its_profile() {
    let dir = tempfile::tempdir().unwrap();
    let (p, _) = signed_copy(dir.path(), "libreoffice.pdf", &[]);
    let (v, _) = verify(&p);
    let sig = &v["signatures"][0];
    assert_eq!(sig["cms"]["signature"]["signing_time"], serde_json::Value::Null, "{v}");
    assert!(sig["claimed_time"].as_str().unwrap().starts_with("D:20"), "{v}");
    let checks: Vec<&str> = sig["cms"]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert!(checks.contains(&"signing_certificate_v2"), "{checks:?}");

    let out = dir.path().join("pkcs7.pdf");
    sign(
        &fixture("ghostscript.pdf"),
        &out,
        &["--subfilter", "pkcs7", "--reason", "承認", "--visible", "2:72,72,200,60"],
    );
    let (v, code) = verify(&out);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["signatures"][0]["subfilter"], "adbe.pkcs7.detached");
    assert!(v["signatures"][0]["cms"]["signature"]["signing_time"].is_string(), "{v}");
}

#[test]
fn a_second_signature_of_ours_keeps_the_first_valid() {
    let dir = tempfile::tempdir().unwrap();
    let (once, _) = signed_copy(dir.path(), "libreoffice-objstm.pdf", &[]);
    let twice = dir.path().join("twice.pdf");
    sign(&once, &twice, &["--visible", "1:300,50,200,50"]);
    let (v, code) = verify(&twice);
    assert_eq!(verdicts(&v), vec!["valid", "valid"], "{v}");
    assert_eq!(v["signatures"][0]["changes"], serde_json::json!(["signature"]));
    assert_eq!(v["signatures"][1]["field"], "Signature2");
    assert_eq!(code, 0);
}

// ---------------------------------------------------------------------------------------
// Errors: encrypted, damaged, unsupported, no signature, bad --visible, page out of range.

#[test]
fn unusable_pdfs_are_refused_with_a_clear_error_before_any_card_work() {
    let dir = tempfile::tempdir().unwrap();
    let good = std::fs::read(fixture("ghostscript.pdf")).unwrap();
    // Encrypted: a trailer with /Encrypt.
    let enc = dir.path().join("enc.pdf");
    let text = String::from_utf8_lossy(&good)
        .replace("/Root", "/Encrypt << /Filter /Standard /V 1 /R 2 /O <00> /U <00> /P -4 >> /Root");
    std::fs::write(&enc, text.as_bytes()).unwrap();
    // Damaged: the cross-reference offsets point nowhere.
    let dam = dir.path().join("damaged.pdf");
    let mut d = good.clone();
    let at = d.windows(9).rposition(|w| w == b"startxref").unwrap();
    d.truncate(at);
    d.extend_from_slice(b"startxref\n99\n%%EOF\n");
    std::fs::write(&dam, &d).unwrap();
    // Unsupported: a page whose /Annots is a number (same length, offsets kept).
    let uns = dir.path().join("unsupported.pdf");
    std::fs::write(&uns, overwrite(&good, 0, b"/Rotate 0", b"/Annots/X")).unwrap();
    let cases: [(&Path, &[&str], &str); 6] = [
        (&uns, &[], "unsupported PDF: /Annots is neither an array nor a reference"),
        (&enc, &[], "the PDF is encrypted"),
        (&dam, &[], "the PDF is damaged"),
        (
            &fixture("ghostscript.pdf"),
            &["--visible", "3:0,0,10,10"],
            "page 3 does not exist (the document has 2 pages)",
        ),
        (
            &fixture("ghostscript.pdf"),
            &["--visible", "1:0,0,-1,10"],
            "--visible 1:0,0,-1,10: expected PAGE:X,Y,W,H",
        ),
        (&fixture("README.md"), &["--format", "pdf"], "not a PDF file"),
    ];
    for (input, extra, msg) in cases {
        let out = dir.path().join("never.pdf");
        let trace = dir.path().join("t.trace");
        let mut args =
            vec!["sign", s(input), "-o", s(&out), "--pin-env", "PW", "--trace", s(&trace)];
        args.extend_from_slice(extra);
        let o = sim(&args).env("PW", SIGN_PIN).output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!o.status.success() && err.contains(msg), "{msg}: {err}");
        assert!(!out.exists());
        assert!(
            common::cli::sent(&trace).iter().all(|l| !common::cli::is_verify_with_data(l)),
            "no VERIFY for {msg}"
        );
    }
    // Verify: the same errors, and a PDF without signatures.
    for (input, msg) in [
        (enc.as_path(), "the PDF is encrypted"),
        (dam.as_path(), "the PDF is damaged"),
        (
            fixture("ghostscript.pdf").as_path(),
            "the PDF has no signature fields with a signature value",
        ),
        (fixture("ghostscript-incremental.pdf").as_path(), "the PDF has no signature fields"),
    ] {
        let o = mynacard().args(["verify", s(input)]).output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(10), "{msg}: {err}");
        assert!(err.contains(msg), "{msg}: {err}");
        assert!(o.stdout.is_empty() || !String::from_utf8_lossy(&o.stdout).contains("valid"));
    }
}

#[test]
fn a_pdf_input_picks_the_pdf_format_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("doc.pdf");
    std::fs::copy(fixture("ghostscript.pdf"), &input).unwrap();
    let o = sim(&["sign", s(&input), "--pin-env", "PW"]).env("PW", SIGN_PIN).output().unwrap();
    assert!(o.status.success());
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("is a PDF: signing it as a PDF (--format pdf)")
    );
    assert!(dir.path().join("doc-signed.pdf").exists());
    // --reason without a PDF is a usage error.
    let o = sim(&["sign", s(&fixture("README.md")), "--reason", "x", "--pin-env", "PW"])
        .env("PW", SIGN_PIN)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
}

// ---------------------------------------------------------------------------------------
// Attacks.

/// Overwrite `what` (first occurrence after `from`) with `with`, padded with spaces to the
/// same length (offsets stay).
fn overwrite(bytes: &[u8], from: usize, what: &[u8], with: &[u8]) -> Vec<u8> {
    let at = from + bytes[from..].windows(what.len()).position(|w| w == what).expect("found");
    let mut out = bytes.to_vec();
    let mut rep = with.to_vec();
    assert!(rep.len() <= what.len());
    rep.resize(what.len(), b' ');
    out[at..at + what.len()].copy_from_slice(&rep);
    out
}

/// The signature dictionary of our (last) signature: offset of its `/ByteRange [` and the
/// `/Contents <…>` span.
fn sig_spans(b: &[u8]) -> (usize, usize, usize) {
    let br = b.windows(12).rposition(|w| w == b"/ByteRange [").unwrap();
    let c0 = br + b[br..].iter().position(|c| *c == b'<').unwrap();
    let c1 = c0 + b[c0..].iter().position(|c| *c == b'>').unwrap() + 1;
    (br, c0, c1)
}

/// Append an incremental update replacing object `id` by `body` (a classic xref table).
fn append_update(b: &[u8], objects: &[(u32, String)]) -> Vec<u8> {
    let doc = lopdf::Document::load_mem(b).unwrap();
    let prev = {
        let at = b.windows(9).rposition(|w| w == b"startxref").unwrap();
        String::from_utf8_lossy(&b[at + 9..]).split_whitespace().next().unwrap().to_string()
    };
    let root = doc.trailer.get(b"Root").unwrap().as_reference().unwrap();
    let size = doc.trailer.get(b"Size").unwrap().as_i64().unwrap();
    let mut out = b.to_vec();
    let mut xref = String::from("xref\n");
    for (id, body) in objects {
        let off = out.len();
        out.extend_from_slice(format!("{id} 0 obj\n{body}\nendobj\n").as_bytes());
        xref.push_str(&format!("{id} 1\n{off:010} 00000 n\r\n"));
    }
    let start = out.len();
    let size = size.max(objects.iter().map(|o| o.0 as i64 + 1).max().unwrap());
    out.extend_from_slice(xref.as_bytes());
    out.extend_from_slice(
        format!(
            "trailer\n<</Size {size}/Root {} 0 R/Prev {prev}>>\nstartxref\n{start}\n%%EOF\n",
            root.0
        )
        .as_bytes(),
    );
    out
}

fn page_and_size(b: &[u8]) -> (u32, String, u32) {
    let doc = lopdf::Document::load_mem(b).unwrap();
    let page = *doc.get_pages().get(&1).unwrap();
    let mut dict = Vec::new();
    lopdf::Writer::write_object(&mut dict, doc.get_object(page).unwrap()).unwrap();
    let size = doc.trailer.get(b"Size").unwrap().as_i64().unwrap() as u32;
    (page.0, String::from_utf8(dict).unwrap(), size)
}

fn check(dir: &Path, name: &str, bytes: &[u8]) -> (serde_json::Value, i32, String) {
    let p = dir.join(format!("{name}.pdf"));
    std::fs::write(&p, bytes).unwrap();
    // scripts/pdf-oracles keeps the corpus and asks pyHanko about it.
    if let Ok(keep) = std::env::var("MYNACARD_PDF_CORPUS") {
        std::fs::create_dir_all(&keep).unwrap();
        std::fs::write(Path::new(&keep).join(format!("{name}.pdf")), bytes).unwrap();
    }
    pdfsig_agrees(name, &p);
    let out = mynacard()
        .args(["--json", "verify", s(&p), "--trust-anchor", &pki("sign-root.pem")])
        .args(["--crl", &pki("sign-crl-empty.der")])
        .output()
        .unwrap();
    let v = if out.stdout.is_empty() { serde_json::Value::Null } else { json(&out.stdout) };
    (v, out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// poppler's pdfsig on an attack file: it never reports a valid signature covering the
/// whole document. Where it reports the signature itself valid, it is judging the signed
/// revision and flags the rest only by leaving out "Total document signed": after an
/// incremental saving or shadow attack and after appended bytes (we: modified), and — a
/// disagreement — after non-zero bytes in /Contents after the CMS, which pdfsig ignores
/// (it reads the CMS by its DER length) and we refuse (unsigned bytes inside the signature).
fn pdfsig_agrees(name: &str, file: &Path) {
    let out = std::process::Command::new("pdfsig")
        .arg(file)
        .output()
        .expect("pdfsig (Debian poppler-utils; scripts/setup-debian installs it)");
    let text =
        format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let valid = text.contains("Signature Validation: Signature is Valid.");
    let total = text.contains("Total document signed");
    assert!(!(valid && total), "{name}: pdfsig calls it valid and whole: {text}");
    let expect_valid = matches!(name, "isa" | "shadow" | "trailing" | "outside");
    assert_eq!(valid, expect_valid, "{name}: pdfsig: {text}");
}

/// Not valid: either an error (exit 1, nothing judged valid) or an invalid verdict.
fn assert_invalid(dir: &Path, name: &str, bytes: &[u8]) -> serde_json::Value {
    let (v, code, err) = check(dir, name, bytes);
    assert_eq!(code, 10, "{name}: exit {code}: {v} {err}");
    if !v.is_null() && v.get("error").is_none() {
        assert_eq!(v["verdict"], "invalid", "{name}: {v}");
    }
    v
}

#[test]
fn incremental_saving_and_shadow_attacks_are_reported_as_modified() {
    let dir = tempfile::tempdir().unwrap();
    // Ghostscript's page dictionaries hold integers only: lopdf re-encodes them exactly.
    let (_, signed) = signed_copy(dir.path(), "ghostscript.pdf", &[]);
    let (page, page_dict, size) = page_and_size(&signed);

    // Incremental saving attack / shadow "replace": new page content after the signature.
    let content = "BT /F1 24 Tf 72 700 Td (PAY 1,000,000 YEN) Tj ET";
    let replaced = page_dict.replacen("/Contents", "/Contents 999 0 R /OldContents", 1);
    let evil = append_update(
        &signed,
        &[
            (size, format!("<</Length {}>>stream\n{content}\nendstream", content.len())),
            (page, replaced.replace("999 0 R", &format!("{size} 0 R"))),
        ],
    );
    let (v, code, _) = check(dir.path(), "isa", &evil);
    assert_eq!(code, 10, "{v}");
    assert_eq!(v["verdict"], "modified", "{v}");
    assert_eq!(v["signatures"][0]["changes"], serde_json::json!(["content"]), "{v}");
    assert_eq!(v["signatures"][0]["covers_whole_file"], false);

    // Shadow "hide"/overlay: a FreeText annotation over the page, added later.
    let annot =
        "<</Type/Annot/Subtype/FreeText/Rect[0 0 600 800]/Contents(covered)/DA(/Helv 12 Tf 0 g)>>"
            .to_string();
    // Appended after our signature widget.
    let with_annots = if let Some(at) = page_dict.find("/Annots[") {
        let close = at + page_dict[at..].find(']').unwrap();
        format!("{} {size} 0 R{}", &page_dict[..close], &page_dict[close..])
    } else {
        page_dict.replacen("<<", &format!("<</Annots[{size} 0 R]"), 1)
    };
    let evil = append_update(&signed, &[(size, annot), (page, with_annots)]);
    let (v, code, _) = check(dir.path(), "shadow", &evil);
    assert_eq!(code, 10, "{v}");
    assert_eq!(v["verdict"], "modified", "{v}");
    assert_eq!(v["signatures"][0]["changes"], serde_json::json!(["annotations"]), "{v}");

    // Bytes appended without a revision.
    let mut trailing = signed.clone();
    trailing.extend_from_slice(b"\nBT (appended) Tj ET\n");
    let (v, code, _) = check(dir.path(), "trailing", &trailing);
    assert_eq!(code, 10, "{v}");
    assert_eq!(v["signatures"][0]["changes"], serde_json::json!(["trailing_data"]), "{v}");
    assert_eq!(v["verdict"], "modified", "{v}");
}

#[test]
fn signature_wrapping_and_byte_range_manipulation_are_not_valid() {
    let dir = tempfile::tempdir().unwrap();
    let (_, signed) = signed_copy(dir.path(), "ghostscript.pdf", &[]);
    let (br, c0, c1) = sig_spans(&signed);
    let len = signed.len();
    let range = |a: usize, b: usize, c: usize, d: usize| format!("/ByteRange [{a} {b} {c} {d}]");
    let br_text = {
        let end = br + signed[br..].iter().position(|c| *c == b']').unwrap() + 1;
        signed[br..end].to_vec()
    };
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        // The gap moved: the second range starts inside /Contents (overlap).
        (
            "overlap",
            overwrite(&signed, br, &br_text, range(0, c0, c0 - 10, len - c0 + 10).as_bytes()),
            "byte_range",
        ),
        // The gap moved into /Contents.
        (
            "moved",
            overwrite(&signed, br, &br_text, range(0, c0, c1 - 10, len - c1 + 10).as_bytes()),
            "gap_not_contents",
        ),
        // A wider gap than /Contents (bytes left unsigned).
        (
            "gap",
            overwrite(&signed, br, &br_text, range(0, c0 - 10, c1, len - c1).as_bytes()),
            "gap_not_contents",
        ),
        // The signed range ends before the end of the file, not at a revision end.
        (
            "short",
            overwrite(&signed, br, &br_text, range(0, c0, c1, len - c1 - 20).as_bytes()),
            "not_revision_end",
        ),
        // Not starting at 0.
        (
            "start",
            overwrite(&signed, br, &br_text, range(1, c0 - 1, c1, len - c1).as_bytes()),
            "byte_range_start",
        ),
        // Universal signature forgery.
        ("br-zero", overwrite(&signed, br, &br_text, b"/ByteRange [0 0 0 0]"), "byte_range_order"),
        ("br-missing", overwrite(&signed, br, &br_text, b""), "no_byte_range"),
        ("br-null", overwrite(&signed, br, &br_text, b"/ByteRange null"), "no_byte_range"),
        ("contents-missing", overwrite(&signed, c0 - 10, &signed[c0 - 10..c1], b""), "no_contents"),
        (
            "contents-null",
            overwrite(&signed, c0 - 10, &signed[c0 - 10..c1], b"/Contents null"),
            "no_contents",
        ),
        (
            "contents-empty",
            overwrite(&signed, c0 - 10, &signed[c0 - 10..c1], b"/Contents <>"),
            "no_contents",
        ),
    ];
    for (name, bytes, problem) in cases {
        let v = assert_invalid(dir.path(), name, &bytes);
        let problems = v["signatures"][0]["problems"].to_string();
        let want = match problem {
            "byte_range" => "byte_range_order",
            p => p,
        };
        assert!(
            problems.contains(want)
                || (want == "no_contents" && problems.contains("gap_not_contents")),
            "{name}: {problems}"
        );
    }
}

#[test]
fn tampering_inside_and_outside_the_signed_range_and_bad_contents_are_not_valid() {
    let dir = tempfile::tempdir().unwrap();
    let (_, signed) = signed_copy(dir.path(), "libreoffice.pdf", &[]);
    let (_, c0, c1) = sig_spans(&signed);
    // Inside the signed range: a digit of /M.
    let m = signed.windows(5).rposition(|w| w == b"/M(D:").unwrap() + 8;
    let mut inside = signed.clone();
    inside[m] = if inside[m] == b'1' { b'2' } else { b'1' };
    let v = assert_invalid(dir.path(), "inside", &inside);
    assert!(v["signatures"][0]["cms"]["failures"].to_string().contains("message_digest"), "{v}");
    // Outside the signed range: the zero padding of /Contents.
    let mut outside = signed.clone();
    outside[c1 - 3] = b'F';
    let v = assert_invalid(dir.path(), "outside", &outside);
    assert!(v["signatures"][0]["problems"].to_string().contains("contents_trailing"), "{v}");
    // Truncated CMS: its last 64 bytes zeroed.
    let hex_end = c0 + 1 + signed[c0 + 1..c1 - 1].iter().rposition(|c| *c != b'0').unwrap() + 1;
    let mut truncated = signed.clone();
    for b in &mut truncated[hex_end - 128..hex_end] {
        *b = b'0';
    }
    assert_invalid(dir.path(), "truncated", &truncated);
    // Oversized: the DER length claims more than /Contents holds.
    let mut oversized = signed.clone();
    oversized[c0 + 1..c0 + 9].copy_from_slice(b"30837FFF");
    let v = assert_invalid(dir.path(), "oversized", &oversized);
    assert!(v["signatures"][0]["problems"].to_string().contains("contents_not_cms"), "{v}");
}
