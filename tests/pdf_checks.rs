//! Each structural check of `mynacard verify FILE.pdf` (src/pdf/verify.rs, `Problem`) on a
//! file where it is the only thing wrong: the files are made here from our own signed PDFs,
//! and wherever the change falls inside the signed byte ranges the file is signed again with
//! the virtual card's own key over the new ranges, so the CMS (message digest, signature,
//! certificate path) is good and the reported problem comes from that one check. Each test
//! asserts the exact list of problems.
//!
//! Also the input and output errors of `mynacard sign FILE.pdf`: a file over the size limit
//! (a sparse file, refused from its size before it is read), an output that cannot be
//! written (refused before the PIN is asked for), and one that fails only after the card
//! has signed (the message says the signature was not saved).

mod common;

use std::path::{Path, PathBuf};

use common::cli::{is_verify_with_data, json, mynacard, pki, s, sent, sim};
use common::SIGN_PIN;
use mynacard::facts::{jpki, AID_JPKI};
use mynacard::pdf::sign::{cms_options, PdfSignOptions};
use mynacard::sign::{sign_detached_digest_pades, HashAlg, SoftwareSigner};
use mynacard::sim::image::CardImage;
use serde_json::json;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pdf").join(name)
}

/// `fixture` signed on the virtual card (`--reader sim`), PAdES, invisible.
fn signed(dir: &Path, fixture_name: &str) -> Vec<u8> {
    let out = dir.join(format!("{fixture_name}-signed.pdf"));
    sim(&["sign", s(&fixture(fixture_name)), "-o", s(&out), "--pin-env", "PW", "-q"])
        .env("PW", SIGN_PIN)
        .assert()
        .success();
    std::fs::read(&out).unwrap()
}

/// Where our (last) signature dictionary's `/ByteRange [ … ]` and `/Contents <…>` are.
struct Spans {
    /// The `[` … `]` of `/ByteRange`, brackets included.
    br: (usize, usize),
    /// The `/Contents` hex string, `<` and `>` included.
    contents: (usize, usize),
}

fn find(b: &[u8], what: &[u8], from: usize) -> usize {
    from + b[from..].windows(what.len()).position(|w| w == what).expect("found")
}

fn spans(b: &[u8]) -> Spans {
    let at = b.windows(12).rposition(|w| w == b"/ByteRange [").unwrap() + 11;
    let br = (at, find(b, b"]", at) + 1);
    let c0 = find(b, b"/Contents <", br.1) + 10;
    Spans { br, contents: (c0, find(b, b">", c0) + 1) }
}

/// The four `/ByteRange` numbers as written.
fn byte_range(b: &[u8]) -> [usize; 4] {
    let sp = spans(b);
    let text = std::str::from_utf8(&b[sp.br.0 + 1..sp.br.1 - 1]).unwrap();
    let n: Vec<usize> = text.split_whitespace().map(|t| t.parse().unwrap()).collect();
    [n[0], n[1], n[2], n[3]]
}

/// Write new `/ByteRange` numbers in place (padded with spaces: no offset moves).
fn set_byte_range(b: &mut [u8], r: [usize; 4]) {
    let sp = spans(b);
    let mut text = format!("[{} {} {} {}", r[0], r[1], r[2], r[3]).into_bytes();
    let width = sp.br.1 - sp.br.0 - 1;
    assert!(text.len() <= width, "the new /ByteRange fits");
    text.resize(width, b' ');
    text.push(b']');
    b[sp.br.0..sp.br.1].copy_from_slice(&text);
}

/// Replace the first `what` at or after `from` by `with`, padded with spaces to its length.
fn overwrite(b: &mut [u8], from: usize, what: &[u8], with: &[u8]) {
    let at = find(b, what, from);
    let mut rep = with.to_vec();
    assert!(rep.len() <= what.len());
    rep.resize(what.len(), b' ');
    b[at..at + what.len()].copy_from_slice(&rep);
}

/// Sign `b` again with the virtual card's signature key, as the card would: a PAdES CMS
/// over the byte ranges `/ByteRange` names as written now (a range past the end of the file
/// taken as far as it goes, as the verifier does), written into the `/Contents` hex string,
/// zero-padded.
fn resign(b: &mut [u8]) {
    let image = CardImage::default_image();
    let app = image.app(&AID_JPKI).unwrap();
    let cert = app.files[&jpki::EF_SIGN_CERT].data.clone();
    let mut signer = SoftwareSigner::new(app.keys[&jpki::EF_SIGN_KEY].key.clone());
    let [a, l, c, d] = byte_range(b);
    let mut data = b.get(a..a + l).unwrap_or_default().to_vec();
    data.extend_from_slice(b.get(c..(c + d).min(b.len())).unwrap_or_default());
    let digest = HashAlg::Sha256.digest(&data);
    let opts = PdfSignOptions::default();
    let cms = sign_detached_digest_pades(&digest, &cert, &mut signer, &cms_options(&opts))
        .expect("the software key signs");
    let (c0, c1) = spans(b).contents;
    let mut hex = hex::encode_upper(&cms).into_bytes();
    assert!(hex.len() <= c1 - c0 - 2, "the CMS fits /Contents");
    hex.resize(c1 - c0 - 2, b'0');
    b[c0 + 1..c1 - 1].copy_from_slice(&hex);
}

/// `mynacard --json verify` with the virtual card's root and its empty CRL: the JSON of the
/// whole report, after checking the exit code (10: not valid).
fn verify(dir: &Path, name: &str, bytes: &[u8], code: i32) -> serde_json::Value {
    let p = dir.join(format!("{name}.pdf"));
    std::fs::write(&p, bytes).unwrap();
    // Kept for other verifiers to judge, as tests/pdf_sign.rs does for scripts/pdf-oracles.
    if let Ok(keep) = std::env::var("MYNACARD_PDF_CORPUS") {
        std::fs::create_dir_all(&keep).unwrap();
        std::fs::write(Path::new(&keep).join(format!("{name}.pdf")), bytes).unwrap();
    }
    let out = mynacard()
        .args(["--json", "verify", s(&p), "--trust-anchor", &pki("sign-root.pem")])
        .args(["--crl", &pki("sign-crl-empty.der")])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.stdout.is_empty(), "{name}: exit {:?}, no report: {err}", out.status.code());
    let v = json(&out.stdout);
    assert_eq!(out.status.code(), Some(code), "{name}: {v} {err}");
    v
}

/// The report on our (last) signature.
fn last(v: &serde_json::Value) -> serde_json::Value {
    let sigs = v["signatures"].as_array();
    sigs.and_then(|a| a.last()).unwrap_or_else(|| panic!("no signature judged: {v}")).clone()
}

/// The signature is not valid for exactly `problems`, while its CMS, checked over the byte
/// ranges, is good: the message digest matches, the signature and the path verify.
fn only_problems_cms_good(v: &serde_json::Value, problems: serde_json::Value) {
    let sig = last(v);
    assert_eq!(sig["problems"], problems, "{v}");
    assert_eq!(sig["cms"]["verdict"], "valid", "{v}");
    assert_eq!(sig["cms"]["failures"], json!([]), "{v}");
    assert_eq!(sig["verdict"], "invalid", "{v}");
    assert_eq!(v["verdict"], "invalid", "{v}");
}

/// The signature is not valid for exactly `problems`, and the CMS was not judged (a
/// structure the verifier stops at).
fn only_problems_no_cms(v: &serde_json::Value, problems: serde_json::Value) {
    let sig = last(v);
    assert_eq!(sig["problems"], problems, "{v}");
    assert_eq!(sig["cms"], serde_json::Value::Null, "{v}");
    assert_eq!(sig["verdict"], "invalid", "{v}");
}

#[test]
fn signing_again_with_the_card_key_is_valid_so_it_hides_nothing() {
    // The helper every other test relies on: our file, its CMS zeroed and made again over
    // the same ranges, is valid.
    let dir = tempfile::tempdir().unwrap();
    let mut b = signed(dir.path(), "ghostscript.pdf");
    let (c0, c1) = spans(&b).contents;
    b[c0 + 1..c1 - 1].fill(b'0');
    resign(&mut b);
    let v = verify(dir.path(), "resigned", &b, 0);
    assert_eq!(last(&v)["verdict"], "valid", "{v}");
    assert_eq!(last(&v)["problems"], json!([]), "{v}");
}

// ---------------------------------------------------------------------------------------
// The gap: exactly this signature's /Contents hex string, inside its own object.

#[test]
fn a_gap_wider_than_the_contents_string_alone_makes_the_signature_invalid() {
    // The gap takes in `/Contents ` too: the key is unsigned. Digest and signature good:
    // without the gap check this file is `valid`.
    let dir = tempfile::tempdir().unwrap();
    let mut b = signed(dir.path(), "ghostscript.pdf");
    let [_, l0, a1, l1] = byte_range(&b);
    set_byte_range(&mut b, [0, l0 - 10, a1, l1]);
    assert_eq!(&b[l0 - 10..l0], b"/Contents ");
    resign(&mut b);
    let v = verify(dir.path(), "wide-gap", &b, 10);
    only_problems_cms_good(&v, json!([{"problem": "gap_not_contents"}]));
}

#[test]
fn a_gap_with_whitespace_in_the_hex_string_is_not_exactly_the_contents() {
    // `<3082…00 0>`: a PDF parser reads the same bytes (whitespace in a hex string is
    // skipped, an odd last digit gets a 0), so the parsed /Contents equals the gap decoded;
    // but the gap is not one plain hex string. Nothing signed changed: without the
    // hex-string test of the gap this file is `valid` (pyHanko calls it valid).
    let dir = tempfile::tempdir().unwrap();
    let mut b = signed(dir.path(), "ghostscript.pdf");
    let (_, c1) = spans(&b).contents;
    assert_eq!(b[c1 - 2], b'0');
    b[c1 - 2] = b' ';
    let v = verify(dir.path(), "space-in-gap", &b, 10);
    only_problems_cms_good(&v, json!([{"problem": "gap_not_contents"}]));
}

#[test]
fn a_gap_in_a_signature_object_a_later_revision_replaced_is_refused() {
    // Signature wrapping by redefinition: a later revision rewrites the signature
    // dictionary (same /ByteRange, same /Contents, another claimed time /M). The gap is
    // still exactly a hex string equal to /Contents, the CMS still good over the ranges,
    // which end at a revision end; but the gap is no longer inside the object the
    // cross-reference data names. Without that test: `modified` (a content change).
    let dir = tempfile::tempdir().unwrap();
    let b = signed(dir.path(), "ghostscript.pdf");
    let sp = spans(&b);
    let obj_at = b[..sp.br.0].windows(4).rposition(|w| w == b" obj").unwrap();
    let line = b[..obj_at].iter().rposition(|c| *c == b'\n').unwrap() + 1;
    let id: u32 =
        std::str::from_utf8(&b[line..obj_at]).unwrap().split(' ').next().unwrap().parse().unwrap();
    let end = find(&b, b"endobj", sp.contents.1) + 6;
    let mut body = b[line..end].to_vec();
    let m = find(&body, b"/M(D:", 0) + 5;
    body[m..m + 4].copy_from_slice(b"2001");
    let doc = lopdf::Document::load_mem(&b).unwrap();
    let size = doc.trailer.get(b"Size").unwrap().as_i64().unwrap();
    let root = doc.trailer.get(b"Root").unwrap().as_reference().unwrap();
    let prev = {
        let at = b.windows(9).rposition(|w| w == b"startxref").unwrap();
        String::from_utf8_lossy(&b[at + 9..]).split_whitespace().next().unwrap().to_string()
    };
    let mut evil = b.clone();
    let off = evil.len();
    evil.extend_from_slice(&body);
    evil.push(b'\n');
    let xref = evil.len();
    evil.extend_from_slice(
        format!(
            "xref\n{id} 1\n{off:010} 00000 n\r\ntrailer\n<</Size {size}/Root {} 0 R/Prev {prev}>>\nstartxref\n{xref}\n%%EOF\n",
            root.0
        )
        .as_bytes(),
    );
    let v = verify(dir.path(), "redefined", &evil, 10);
    only_problems_cms_good(&v, json!([{"problem": "gap_not_contents"}]));
    assert_eq!(last(&v)["claimed_time"].as_str().unwrap().get(..6), Some("D:2001"), "{v}");
}

// ---------------------------------------------------------------------------------------
// The signed range ends at a revision end.

#[test]
fn a_signed_range_that_stops_before_eof_alone_makes_the_signature_invalid() {
    // The second range stops just before the last `%%EOF`: everything else is signed, the
    // CMS is good over these ranges. Without the check, the signed prefix is loaded to list
    // later changes and the file is an error (damaged), not a verdict.
    let dir = tempfile::tempdir().unwrap();
    let mut b = signed(dir.path(), "ghostscript.pdf");
    let eof = b.windows(5).rposition(|w| w == b"%%EOF").unwrap();
    let [a0, l0, a1, _] = byte_range(&b);
    set_byte_range(&mut b, [a0, l0, a1, eof - a1]);
    resign(&mut b);
    let v = verify(dir.path(), "before-eof", &b, 10);
    only_problems_cms_good(&v, json!([{"problem": "not_revision_end", "end": eof}]));
    assert_eq!(last(&v)["covers_whole_file"], false);
}

#[test]
fn a_signed_range_that_ends_inside_the_last_revision_is_refused() {
    // The second range stops before the cross-reference section of our update.
    let dir = tempfile::tempdir().unwrap();
    let mut b = signed(dir.path(), "ghostscript.pdf");
    let xref = b.windows(5).rposition(|w| w == b"xref\n").unwrap();
    let [a0, l0, a1, _] = byte_range(&b);
    set_byte_range(&mut b, [a0, l0, a1, xref - a1]);
    resign(&mut b);
    let v = verify(dir.path(), "inside-revision", &b, 10);
    only_problems_cms_good(&v, json!([{"problem": "not_revision_end", "end": xref}]));
}

// ---------------------------------------------------------------------------------------
// /ByteRange itself.

#[test]
fn a_byte_range_not_starting_at_zero_alone_makes_the_signature_invalid() {
    // The first byte (`%` of `%PDF-`) is left unsigned. Without the check: `valid` (poppler's
    // pdfsig calls it valid and "Total document signed").
    let dir = tempfile::tempdir().unwrap();
    let mut b = signed(dir.path(), "ghostscript.pdf");
    let [_, l0, a1, l1] = byte_range(&b);
    set_byte_range(&mut b, [1, l0 - 1, a1, l1]);
    resign(&mut b);
    let v = verify(dir.path(), "start-1", &b, 10);
    only_problems_cms_good(&v, json!([{"problem": "byte_range_start"}]));
}

#[test]
fn overlapping_empty_and_overlong_byte_ranges_are_reported_as_such() {
    // The verifier stops at these (the CMS is not judged); each file is signed again over
    // what the ranges name, so the order check is what reports it. Without it, the gap
    // check or the revision-end check would report something else.
    let dir = tempfile::tempdir().unwrap();
    let b = signed(dir.path(), "ghostscript.pdf");
    let [_, l0, a1, l1] = byte_range(&b);
    let len = b.len();
    for (name, r) in [
        ("overlap", [0, l0 + 10, l0, len - l0]),
        ("empty-first", [0, 0, a1, l1]),
        ("empty-second", [0, l0, a1, 0]),
        ("past-the-end", [0, l0, a1, l1 + 1]),
        ("second-before-first", [0, l0, 5, len - 5]),
    ] {
        let mut x = b.clone();
        set_byte_range(&mut x, r);
        resign(&mut x);
        let v = verify(dir.path(), name, &x, 10);
        only_problems_no_cms(&v, json!([{"problem": "byte_range_order"}]));
        assert_eq!(last(&v)["byte_range"], json!(r), "{name}");
    }
}

#[test]
fn a_missing_or_malformed_byte_range_is_reported_alone() {
    let dir = tempfile::tempdir().unwrap();
    let b = signed(dir.path(), "ghostscript.pdf");
    let sp = spans(&b);
    let whole = b[sp.br.0 - 11..sp.br.1].to_vec();
    for (name, with) in [
        ("br-missing", &b""[..]),
        ("br-null", b"/ByteRange null"),
        ("br-three", b"/ByteRange [0 1 2]"),
        ("br-negative", b"/ByteRange [0 -1 2 3]"),
    ] {
        let mut x = b.clone();
        overwrite(&mut x, 0, &whole, with);
        let v = verify(dir.path(), name, &x, 10);
        only_problems_no_cms(&v, json!([{"problem": "no_byte_range"}]));
    }
}

// ---------------------------------------------------------------------------------------
// /Contents.

#[test]
fn a_missing_contents_or_signature_dictionary_is_reported_alone() {
    let dir = tempfile::tempdir().unwrap();
    let b = signed(dir.path(), "ghostscript.pdf");
    let (c0, c1) = spans(&b).contents;
    let whole = b[c0 - 10..c1].to_vec();
    for (name, with) in [("contents-missing", &b""[..]), ("contents-number", b"/Contents 0")] {
        let mut x = b.clone();
        overwrite(&mut x, 0, &whole, with);
        let v = verify(dir.path(), name, &x, 10);
        only_problems_no_cms(&v, json!([{"problem": "no_contents"}]));
    }
    // The field's /V is not a signature dictionary at all.
    let mut x = b.clone();
    let v_at = x.windows(3).rposition(|w| w == b"/V ").unwrap();
    let v_end = v_at + x[v_at..].windows(2).position(|w| w == b" R").unwrap() + 2;
    let whole = x[v_at..v_end].to_vec();
    overwrite(&mut x, v_at, &whole, b"/V 1");
    let v = verify(dir.path(), "v-not-dict", &x, 10);
    only_problems_no_cms(&v, json!([{"problem": "no_contents"}, {"problem": "no_byte_range"}]));
}

#[test]
fn non_zero_bytes_after_the_cms_alone_make_the_signature_invalid() {
    // In the zero padding of /Contents: outside the signed ranges, inside the signature.
    // Without the check: `valid`.
    let dir = tempfile::tempdir().unwrap();
    let mut b = signed(dir.path(), "ghostscript.pdf");
    let (_, c1) = spans(&b).contents;
    b[c1 - 3] = b'F';
    let v = verify(dir.path(), "contents-trailing", &b, 10);
    only_problems_cms_good(&v, json!([{"problem": "contents_trailing"}]));
}

#[test]
fn a_truncated_or_oversized_cms_is_not_a_cms() {
    let dir = tempfile::tempdir().unwrap();
    let b = signed(dir.path(), "ghostscript.pdf");
    let (c0, c1) = spans(&b).contents;
    let not_cms = json!([{"problem": "contents_not_cms", "why": "no DER value at the start"}]);
    // Oversized: the DER length claims more than /Contents holds.
    let mut x = b.clone();
    x[c0 + 1..c0 + 9].copy_from_slice(b"30837FFF");
    let v = verify(dir.path(), "oversized", &x, 10);
    only_problems_no_cms(&v, not_cms.clone());
    // Truncated: /Contents ends 64 bytes into the CMS; the gap is moved to match it (spaces
    // after the string, signed), and the file signed again over those ranges.
    let mut x = b.clone();
    let cut = c0 + 1 + 128;
    x[cut] = b'>';
    x[cut + 1..c1].fill(b' ');
    let [a0, l0, _, _] = byte_range(&x);
    let len = x.len();
    set_byte_range(&mut x, [a0, l0, cut + 1, len - cut - 1]);
    let v = verify(dir.path(), "truncated", &x, 10);
    only_problems_no_cms(&v, not_cms);
}

#[test]
fn a_der_value_that_is_not_a_signed_data_cannot_be_checked() {
    // SEQUENCE { INTEGER 0 }, zero-padded: DER, but not a CMS SignedData.
    let dir = tempfile::tempdir().unwrap();
    let mut b = signed(dir.path(), "ghostscript.pdf");
    let (c0, c1) = spans(&b).contents;
    b[c0 + 1..c1 - 1].fill(b'0');
    b[c0 + 1..c0 + 11].copy_from_slice(b"3003020100");
    let v = verify(dir.path(), "not-signed-data", &b, 10);
    let sig = last(&v);
    assert_eq!(sig["problems"].as_array().unwrap().len(), 1, "{v}");
    assert_eq!(sig["problems"][0]["problem"], "cms", "{v}");
    assert!(sig["problems"][0]["why"].as_str().unwrap().contains("CMS"), "{v}");
    assert_eq!(sig["cms"], serde_json::Value::Null, "{v}");
    assert_eq!(sig["verdict"], "invalid", "{v}");
}

#[test]
fn an_unsupported_subfilter_alone_makes_the_signature_invalid() {
    // /SubFilter /ETSI.RFC3161 (a document time-stamp, which this program does not verify),
    // signed again: the CMS would be good, but it is not judged under another profile.
    let dir = tempfile::tempdir().unwrap();
    let mut b = signed(dir.path(), "ghostscript.pdf");
    let at = b.windows(30).rposition(|w| w == b"/SubFilter/ETSI.CAdES.detached").unwrap();
    overwrite(&mut b, at, b"/SubFilter/ETSI.CAdES.detached", b"/SubFilter/ETSI.RFC3161");
    resign(&mut b);
    let v = verify(dir.path(), "subfilter", &b, 10);
    only_problems_no_cms(&v, json!([{"problem": "sub_filter", "name": "ETSI.RFC3161"}]));
}

// ---------------------------------------------------------------------------------------
// Input and output errors of `mynacard sign FILE.pdf`.

/// `mynacard sign` on the virtual card with a trace; its output, and whether a VERIFY with
/// a password was sent.
fn sign_traced(
    dir: &Path,
    input: &Path,
    out: &Path,
    extra: &[&str],
) -> (std::process::Output, bool) {
    let trace = dir.join("sign.trace");
    let _ = std::fs::remove_file(&trace);
    let mut args = vec!["sign", s(input), "-o", s(out), "--pin-env", "PW", "--trace", s(&trace)];
    args.extend_from_slice(extra);
    let o = sim(&args).env("PW", SIGN_PIN).output().unwrap();
    let verified = sent(&trace).iter().any(|l| is_verify_with_data(l));
    (o, verified)
}

#[test]
fn a_pdf_over_the_size_limit_is_refused_from_its_size_unread() {
    // A sparse 5 GiB file (no disk, no memory): over the 256 MiB limit of a file held in
    // memory, and over the 4 GiB that 32-bit cross-reference offsets could address. It is
    // refused from its size: run with an address-space limit far below the limit, the
    // command could not even hold what it would read.
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.pdf");
    let f = std::fs::File::create(&big).unwrap();
    std::io::Write::write_all(&mut &f, b"%PDF-1.7\n").unwrap();
    f.set_len(5 << 30).unwrap();
    drop(f);
    let out = dir.path().join("big-signed.pdf");
    let bin = env!("CARGO_BIN_EXE_mynacard");
    let trace = dir.path().join("big.trace");
    let script =
        "ulimit -v 200000; exec \"$0\" --reader sim sign \"$1\" -o \"$2\" --pin-env PW --trace \"$3\"";
    let o = std::process::Command::new("sh")
        .args(["-c", script, bin, s(&big), s(&out), s(&trace)])
        .env("PW", SIGN_PIN)
        .env("LC_ALL", "C")
        .env_remove("MYNACARD_READER")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(13), "{err}");
    assert!(
        err.contains(&format!(
            "cannot read {}: larger than 268435456 bytes, the limit for a data file",
            big.display()
        )),
        "{err}"
    );
    assert!(!out.exists());
    assert!(sent(&trace).iter().all(|l| !is_verify_with_data(l)), "no VERIFY");
    // `verify` refuses it the same way.
    let script = "ulimit -v 200000; exec \"$0\" verify \"$1\"";
    let o = std::process::Command::new("sh")
        .args(["-c", script, bin, s(&big)])
        .env("LC_ALL", "C")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(13), "{err}");
    assert!(err.contains("larger than 268435456 bytes, the limit for a data file"), "{err}");
}

#[test]
fn an_output_that_cannot_be_written_is_refused_before_the_password_is_verified() {
    let dir = tempfile::tempdir().unwrap();
    let input = fixture("ghostscript.pdf");
    let file = dir.path().join("a-file");
    std::fs::write(&file, b"x").unwrap();
    for (out, why) in [
        (file.join("out.pdf"), "Not a directory"),
        (dir.path().join("missing").join("out.pdf"), "No such file or directory"),
        // Not writable for root either (sysfs: permission denied, or a read-only mount).
        (PathBuf::from("/sys/mynacard-out.pdf"), ""),
    ] {
        for extra in [&["--format", "pdf"][..], &["--format", "cms"]] {
            let (o, verified) = sign_traced(dir.path(), &input, &out, extra);
            let err = String::from_utf8_lossy(&o.stderr);
            assert_eq!(o.status.code(), Some(13), "{}: {err}", out.display());
            assert!(err.contains(&format!("cannot write {}: {why}", out.display())), "{err}");
            assert!(!err.contains("not saved"), "{err}");
            assert!(!verified, "{}: refused before the password was verified", out.display());
            assert!(!out.exists());
        }
    }
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".mynacard-"))
        .collect();
    assert_eq!(left, Vec::<String>::new(), "no temporary left behind");
}

#[test]
fn an_output_that_fails_after_signing_says_the_signature_was_not_saved() {
    // /dev/full passes the check (a device is written in place) and fails on write: by then
    // the card has signed.
    let dir = tempfile::tempdir().unwrap();
    let (o, verified) =
        sign_traced(dir.path(), &fixture("ghostscript.pdf"), Path::new("/dev/full"), &["--force"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(13), "{err}");
    assert!(verified, "the card signed");
    assert!(
        err.contains(
            "cannot write /dev/full (the card made a signature, which was not saved): No space left on device"
        ),
        "{err}"
    );
}

// ---------------------------------------------------------------------------------------
// The stamp of a visible signature: the holder's name as text.

/// `bytes` signed with `--visible` for a holder named `name`: a signature certificate made
/// for that holder with the virtual card's key (no key is generated; the chain does not
/// matter to the stamp).
fn stamped_for(name: &str, bytes: &[u8]) -> Vec<u8> {
    use mynacard::pdf::sign::{sign_pdf, Visible};
    use mynacard::sim::pki::{crl_dp_dn, dn, CertSpec, Holder, Issuer};
    let image = CardImage::default_image();
    let key = image.app(&AID_JPKI).unwrap().keys[&jpki::EF_SIGN_KEY].key.clone();
    let holder = Holder {
        name: name.to_string(),
        name_flags: "0".repeat(name.chars().count()),
        ..Holder::default()
    };
    let root = Issuer::self_signed(
        key.clone(),
        &CertSpec::jpki_root(1, dn(&[("C", "JP"), ("O", "JPKI-SIM")]).unwrap()),
    )
    .unwrap();
    let crl_dp = crl_dp_dn("JPKI for digital signature", "Nijiiro-ken", "Yumemi-shi").unwrap();
    let spec =
        CertSpec::jpki_sign(2, dn(&[("C", "JP"), ("CN", "X")]).unwrap(), crl_dp, &holder).unwrap();
    let cert = root.issue(&key.to_public_key(), &spec).unwrap();
    let opts = PdfSignOptions {
        visible: Some(Visible::parse("1:300,40,220,60").unwrap()),
        ..PdfSignOptions::default()
    };
    sign_pdf(bytes, &cert, &mut SoftwareSigner::new(key), &opts).unwrap()
}

/// poppler's pdftotext of page 1.
fn page_text(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let p = dir.join(format!("{name}.pdf"));
    std::fs::write(&p, bytes).unwrap();
    let out = std::process::Command::new("pdftotext")
        .args(["-f", "1", "-l", "1", s(&p), "-"])
        .output()
        .expect("pdftotext (Debian poppler-utils; scripts/setup-debian installs it)");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn the_stamp_writes_any_japanese_name_as_text_even_outside_the_bmp() {
    // 𠮟 (U+20B9F, JIS X 0213 plane 1, 1-47-52) is outside the Basic Multilingual Plane: two
    // UTF-16 code units. A name may hold JIS X 0213 characters.
    let dir = tempfile::tempdir().unwrap();
    let original = std::fs::read(fixture("ghostscript.pdf")).unwrap();
    for (file, name) in [("bmp", "番号　花子"), ("astral", "𠮟田　髙子"), ("ascii", "Hanako BANGO")]
    {
        let text = page_text(dir.path(), file, &stamped_for(name, &original));
        let shown = name.replace('\u{3000}', " ");
        assert!(text.contains(&shown), "{name}: pdftotext gave {text:?}");
        assert!(text.contains("Digitally signed by"), "{text:?}");
    }
}
