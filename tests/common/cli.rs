//! Running the `mynacard` binary as a user would and reading what it left behind: the command
//! (never taking a reader, PIN, password or PIN-pad mode from the caller's environment), the files of the
//! default virtual-card image, JSON on stdout, traces (what reached the card) and secrets
//! that must not show anywhere.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use assert_cmd::Command;

use super::READER;

/// `mynacard` with no reader, PIN, signature password or PIN-pad mode taken from the
/// environment, speaking English (`LC_ALL=C`; the tests of tests/cli_i18n.rs set the language
/// themselves).
pub fn mynacard() -> Command {
    let mut cmd = Command::cargo_bin("mynacard").expect("the mynacard binary");
    cmd.env("LC_ALL", "C")
        .env_remove("MYNACARD_READER")
        .env_remove("MYNACARD_PIN")
        .env_remove("MYNACARD_SIGN_PASSWORD")
        .env_remove("MYNACARD_PINPAD");
    cmd
}

/// `mynacard --reader sim ARGS…`: the in-process virtual card, a fresh one per process.
pub fn sim(args: &[&str]) -> Command {
    let mut cmd = mynacard();
    cmd.args(["--reader", "sim"]).args(args);
    cmd
}

/// `mynacard --reader "Virtual PCD 00 00" --wait 5 ARGS…`: the card served into vpcd, through
/// pcscd.
pub fn pcsc(args: &[&str]) -> Command {
    let mut cmd = mynacard();
    cmd.args(["--reader", READER, "--wait", "5"]).args(args);
    cmd
}

/// `mynacard` pointed at a pcscd socket that does not exist (no PC/SC service).
pub fn no_pcsc_service() -> Command {
    let mut cmd = mynacard();
    cmd.env("PCSCLITE_CSOCK_NAME", "/nonexistent/mynacard-test/pcscd.comm");
    cmd
}

/// A file of the committed default image, `sim-image/default/REL`.
pub fn image(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sim-image/default").join(rel)
}

/// A file of the default image's PKI (`sim-image/default/pki/NAME`), as a string argument.
pub fn pki(name: &str) -> String {
    s(&image(&format!("pki/{name}"))).to_string()
}

/// A path as a command-line argument.
pub fn s(p: &Path) -> &str {
    p.to_str().expect("UTF-8 temp path")
}

/// A temporary directory holding `doc.txt` to sign.
pub fn workdir() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let doc = dir.path().join("doc.txt");
    std::fs::write(&doc, b"The quick brown fox signs the lazy dog.\n").expect("write doc");
    (dir, doc)
}

/// A text file's contents.
pub fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// One JSON document.
pub fn json(out: &[u8]) -> serde_json::Value {
    serde_json::from_slice(out)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(out)))
}

/// Run `cmd`, assert its exit code and parse its stdout as one JSON document.
pub fn json_of(cmd: &mut Command, code: i32) -> serde_json::Value {
    json(&cmd.assert().code(code).get_output().stdout)
}

/// The keys of a JSON object.
pub fn keys(v: &serde_json::Value) -> BTreeSet<String> {
    v.as_object().expect("a JSON object").keys().cloned().collect()
}

/// A set of names, to compare with [`keys`].
pub fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|s| s.to_string()).collect()
}

/// Command lines of a trace (`> …`); none when the trace file was never created.
pub fn sent(trace: &Path) -> Vec<String> {
    std::fs::read_to_string(trace)
        .map(|t| t.lines().filter(|l| l.starts_with("> ")).map(str::to_string).collect())
        .unwrap_or_default()
}

/// Whether a trace line is a VERIFY carrying data (a PIN), not a counter query.
pub fn is_verify_with_data(line: &str) -> bool {
    line.starts_with("> 00 20 ") && line.split_whitespace().count() > 5
}

/// How many VERIFY commands with data the trace lines hold.
pub fn verifies_with_data(lines: &[String]) -> usize {
    lines.iter().filter(|l| is_verify_with_data(l)).count()
}

/// A secret's bytes as a trace shows them: upper-case hex, space-separated.
pub fn spaced_hex(secret: &str) -> String {
    secret.bytes().map(|b| format!("{b:02X}")).collect::<Vec<_>>().join(" ")
}

/// Assert no secret (nor its spaced hex) appears in any of the texts, in any case.
pub fn assert_no_secret(secret: &str, texts: &[&str]) {
    let hex = spaced_hex(secret);
    for t in texts {
        assert!(!t.to_uppercase().contains(&secret.to_uppercase()), "secret leaked in {t:?}");
        assert!(!t.to_uppercase().contains(&hex), "secret (hex) leaked in {t:?}");
    }
}

/// The end of a PIN command's trace: the select of the ISD that leaves the application
/// (answered 90 00), the end of the transaction, and the disconnect powering the card off. A
/// re-select of the application or a warm reset would leave the PIN verified on a real card
/// (measured by one peer library, [C]).
pub fn assert_left_and_unpowered(trace: &str, what: &str) {
    // The answer line ends with its timing.
    let tail: Vec<&str> =
        trace.lines().rev().take(4).map(|l| l.split(" (").next().unwrap_or(l)).collect();
    assert_eq!(
        tail,
        [
            "# disconnect unpower",
            "# end exclusive",
            "< 90 00",
            "> 00 A4 04 0C 07 A0 00 00 01 51 00 00"
        ],
        "{what}:\n{trace}"
    );
}
