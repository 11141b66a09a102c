//! `mynacard face read|age` and the trust options of `text read` run as a user runs them,
//! against the in-process virtual card (`--reader sim`): every input error is refused before
//! the card is opened (the trace stays empty), codes never reach any output, and the outputs
//! carry nothing but what the command promises.

mod common;

use common::cli::*;
use common::MY_NUMBER;
use predicates::prelude::*;

/// Run, expect `code`, and return (stdout, stderr, trace contents or "" when none was made).
fn run_traced(args: &[&str], stdin: &str, code: i32) -> (String, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("t.trace");
    let mut all: Vec<&str> = args.to_vec();
    all.extend(["--trace", s(&trace)]);
    let out = sim(&all).write_stdin(stdin.to_string()).assert().code(code);
    let o = out.get_output();
    let t = std::fs::read_to_string(&trace).unwrap_or_default();
    (String::from_utf8_lossy(&o.stdout).into(), String::from_utf8_lossy(&o.stderr).into(), t)
}

#[test]
fn a_code_a_with_a_bad_check_digit_is_refused_before_the_card_is_opened() {
    let (out, err, trace) =
        run_traced(&["face", "read", "--code", "a", "--pin-stdin"], "123456789017\n", 2);
    assert!(err.contains("照合番号A must be the 12-digit My Number"), "{err}");
    assert!(!err.contains("123456789017") && !out.contains("123456789017"), "{err}{out}");
    assert!(sent_lines(&trace).is_empty(), "{trace}");
}

#[test]
fn a_code_b_line_that_is_neither_14_digits_nor_three_fields_is_refused() {
    for line in ["5502172035228", "1980-02-17 2035", "1980-02-30 2035 2285", "19800217 35 2285"] {
        let (_, err, trace) = run_traced(&["face", "read", "--pin-stdin"], &format!("{line}\n"), 2);
        assert!(err.contains("照合番号B must be 14 digits"), "{line}: {err}");
        assert!(!err.contains("2285") && !err.contains("1980"), "{err}");
        assert!(sent_lines(&trace).is_empty(), "{trace}");
    }
}

#[test]
fn age_input_errors_send_nothing() {
    let (_, err, trace) =
        run_traced(&["face", "age", "--at-least", "20", "--pin-stdin"], "1980-02-30\n", 2);
    assert!(err.contains("birth-date key must be a real birth date"), "{err}");
    assert!(sent_lines(&trace).is_empty());
    let (_, err, trace) = run_traced(
        &["face", "age", "--at-least", "20", "--at", "2024-13-01", "--pin-stdin"],
        "1980-02-17\n",
        2,
    );
    assert!(err.contains("--at 2024-13-01: not a date"), "{err}");
    assert!(sent_lines(&trace).is_empty());
    sim(&["face", "age", "--at-least", "200", "--pin-stdin"]).assert().code(2);
    sim(&["face", "age", "--pin-stdin"]).assert().code(2);
}

#[test]
fn codes_are_never_typed_on_a_pin_pad_nor_given_on_the_command_line() {
    let (_, err, trace) = run_traced(&["face", "read", "--pinpad", "on"], "", 2);
    assert!(err.contains("not on a PIN pad"), "{err}");
    assert!(sent_lines(&trace).is_empty());
    // There is no option that takes the code itself.
    sim(&["face", "read", "--code", "a", MY_NUMBER]).assert().code(2);
    sim(&["face", "read", "--pin", MY_NUMBER]).assert().code(2);
}

#[test]
fn a_bad_cvc_ca_file_is_refused_before_the_card_is_opened() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("ca.bin");
    std::fs::write(&bad, b"not a key").unwrap();
    let (_, err, trace) =
        run_traced(&["face", "read", "--cvc-ca", s(&bad), "--pin-stdin"], "55021720352285\n", 2);
    assert!(err.contains("is not a CVC CA key"), "{err}");
    assert!(sent_lines(&trace).is_empty());
    let missing = dir.path().join("missing.bin");
    let (_, err, _) =
        run_traced(&["text", "read", "--cvc-ca", s(&missing), "--pin-stdin"], "1234\n", 13);
    assert!(err.contains("missing.bin"), "{err}");
}

#[test]
fn without_a_pin_source_and_without_a_terminal_nothing_is_sent() {
    let (_, err, trace) = run_traced(&["face", "read", "--code", "a"], "", 2);
    assert!(err.contains("no terminal"), "{err}");
    assert!(sent_lines(&trace).is_empty());
}

#[test]
fn forged_has_its_own_exit_code_in_the_json_error_table() {
    // The exit table lists `forged` (the README test in src/cli/exit.rs checks the row).
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    assert!(readme.contains("| 16 | `forged` |"));
    sim(&["face", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("read").and(predicate::str::contains("age")));
}

fn sent_lines(trace: &str) -> Vec<&str> {
    trace.lines().filter(|l| l.starts_with('>')).collect()
}
