//! Personal data never reaches a `--trace` file: every command that touches the card runs
//! with `--trace` on the in-process virtual card (`--reader sim`, the default image), and the
//! traces are searched for the default holder's data — name, address, birth date (as the
//! text application and the signature certificate record it) and My Number — as UTF-8 text,
//! as spaced hex (how a trace shows bytes) and as hex across READ BINARY chunks. The holder
//! values are those of `Holder::default()` in `src/sim/pki.rs`, the generator of the default
//! image.
//!
//! Also: `apdu send` refuses a PIN typed on its command line (README: PINs are never taken
//! from the command line) and takes it from the environment instead.

mod common;

use std::path::Path;

use common::cli::*;
use common::{AUTH_PIN, MY_NUMBER, SIGN_PIN, TEXT_PIN};
use mynacard::sim::pki::Holder;
use predicates::prelude::*;

/// Every value of the default holder that must never show in a trace.
fn holder_values() -> Vec<(&'static str, String)> {
    let h = Holder::default();
    let mut values = vec![
        ("name", h.name.clone()),
        ("address", h.address.clone()),
        ("birth date (text AP, YYYYMMDD)", h.birth_yyyymmdd()),
        ("birth date (certificate, EYYYYMMDD)", h.birth_code()),
        ("My Number", h.my_number.clone()),
    ];
    // Surname and given name alone, too.
    for (i, part) in h.name.split('\u{3000}').enumerate() {
        values.push((if i == 0 { "surname" } else { "given name" }, part.to_string()));
    }
    assert_eq!(h.my_number, MY_NUMBER);
    values
}

/// The data bytes of every answer line of a trace (`< XX XX … SW1 SW2`), concatenated as
/// compact upper-case hex, so a value split over two READ BINARY chunks is found too.
fn answer_data_hex(trace: &str) -> String {
    let mut all = String::new();
    for line in trace.lines().filter_map(|l| l.strip_prefix("< ")) {
        let tokens: Vec<&str> = line
            .split_whitespace()
            .take_while(|t| t.len() == 2 && t.chars().all(|c| c.is_ascii_hexdigit()))
            .collect();
        if tokens.len() > 2 {
            for t in &tokens[..tokens.len() - 2] {
                all.push_str(&t.to_uppercase());
            }
        }
    }
    all
}

/// Assert that no holder value appears in the trace, in any of its encodings.
fn assert_no_personal_data(what: &str, trace: &str) {
    assert!(!trace.is_empty(), "{what}: empty trace");
    let joined = answer_data_hex(trace);
    let upper = trace.to_uppercase();
    for (label, value) in holder_values() {
        let compact: String = value.bytes().map(|b| format!("{b:02X}")).collect();
        assert!(!trace.contains(&value), "{what}: the {label} is in the trace as text:\n{trace}");
        assert!(
            !upper.contains(&spaced_hex(&value)),
            "{what}: the {label} is in the trace as hex:\n{trace}"
        );
        assert!(
            !joined.contains(&compact),
            "{what}: the {label} is in the trace's answers (across chunks):\n{trace}"
        );
    }
}

/// Run `mynacard --reader sim ARGS --trace T` with `stdin`, expecting `code`; the trace.
fn traced(args: &[&str], stdin: &str, env: &[(&str, &str)], code: i32) -> String {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("t.trace");
    let mut cmd = sim(args);
    cmd.args(["--trace", s(&trace)]).current_dir(dir.path()).write_stdin(stdin.to_string());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.assert().code(code);
    let o = out.get_output();
    let text = read(&trace);
    assert!(text.contains("> 00 A4 04 0C"), "{args:?}: nothing selected?\n{text}");
    // The trace is the point, but stdout/stderr of the same runs must not echo PINs.
    let (stdout, stderr) = (String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    assert_no_secret(SIGN_PIN, &[&text, &stderr]);
    let _ = stdout;
    text
}

/// A script reading every personal file of the default card, the PINs from the environment.
const READ_EVERYTHING: &str = "# spends-pin-tries: yes
step \"JPKI signature certificate\"
00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01 => 90 00
00 A4 02 0C 02 00 1B => 90 00
00 20 00 80 $#env:PW $env:PW => 90 00
00 A4 02 0C 02 00 01 => 90 00
00 B0 00 00 00 => 90 00 | 61 ??
00 B0 01 00 00
00 B0 02 00 00
00 B0 03 00 00
00 B0 04 00 00
00 B0 05 00 00
00 B0 06 00 00
step \"text application\"
00 A4 04 0C 0A D3 92 10 00 31 00 01 01 04 08 => 90 00
00 A4 02 0C 02 00 11 => 90 00
00 20 00 80 $#env:TP $env:TP => 90 00
00 A4 02 0C 02 00 01 => 90 00
00 B0 00 00 11
00 A4 02 0C 02 00 02 => 90 00
00 B0 00 00 00
00 B0 01 00 00
step \"visual application\"
00 A4 04 0C 0A D3 92 10 00 31 00 01 01 04 02
00 B0 00 00 00
";

#[test]
fn no_command_writes_holder_data_to_its_trace() {
    let dir = tempfile::tempdir().unwrap();
    let doc = dir.path().join("doc.txt");
    std::fs::write(&doc, b"to be signed\n").unwrap();
    let script = dir.path().join("read-everything.apdu");
    std::fs::write(&script, READ_EVERYTHING).unwrap();
    let (doc, script) = (s(&doc).to_string(), s(&script).to_string());
    let pins = [("PW", SIGN_PIN), ("TP", TEXT_PIN)];
    let sig = |f: &str, k: &str| {
        let out = Path::new(&doc).with_extension(format!("{k}.{f}"));
        out.to_str().unwrap().to_string()
    };
    let runs: Vec<(Vec<String>, String, i32)> = vec![
        (vec!["status".into()], String::new(), 0),
        (vec!["pin".into(), "status".into()], String::new(), 0),
        (vec!["cert".into(), "read".into(), "auth".into()], String::new(), 0),
        (vec!["cert".into(), "read".into(), "auth-ca".into()], String::new(), 0),
        (vec!["cert".into(), "read".into(), "sign-ca".into()], String::new(), 0),
        (
            vec!["cert".into(), "read".into(), "sign".into(), "--pin-stdin".into()],
            format!("{SIGN_PIN}\n"),
            0,
        ),
        (
            vec![
                "cert".into(),
                "read".into(),
                "sign".into(),
                "--pin-stdin".into(),
                "--format".into(),
                "json".into(),
            ],
            format!("{SIGN_PIN}\n"),
            0,
        ),
        (vec!["text".into(), "read".into(), "--pin-stdin".into()], format!("{TEXT_PIN}\n"), 0),
        (
            vec!["text".into(), "read".into(), "--reveal".into(), "--pin-stdin".into()],
            format!("{TEXT_PIN}\n"),
            0,
        ),
        (
            vec!["pin".into(), "change".into(), "sign".into(), "--pin-stdin".into()],
            format!("{SIGN_PIN}\nNEWPASS42\n"),
            0,
        ),
        (vec!["demo".into()], String::new(), 0),
        (vec!["apdu".into(), "run".into(), script.clone()], String::new(), 0),
        (
            vec![
                "apdu".into(),
                "send".into(),
                "00 A4 04 0C 0A D3 92 10 00 31 00 01 01 04 08".into(),
            ],
            String::new(),
            0,
        ),
    ];
    let mut all = runs;
    for (key, pin) in [("sign", SIGN_PIN), ("auth", AUTH_PIN)] {
        for format in ["raw", "cms"] {
            all.push((
                vec![
                    "sign".into(),
                    doc.clone(),
                    "--key".into(),
                    key.into(),
                    "--format".into(),
                    format.into(),
                    "--pin-stdin".into(),
                    "-o".into(),
                    sig(format, key),
                ],
                format!("{pin}\n"),
                0,
            ));
        }
    }
    for (args, stdin, code) in &all {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let trace = traced(&args, stdin, &pins, *code);
        assert_no_personal_data(&args.join(" "), &trace);
    }
}

#[test]
fn the_signature_certificate_is_traced_by_length_only() {
    let trace = traced(&["cert", "read", "sign", "--pin-stdin"], &format!("{SIGN_PIN}\n"), &[], 0);
    let cert = common::jpki_file(&common::default_image(), 0x0001);
    // The file is read after `SELECT EF 0001`; every answer after it is a length.
    let after = trace.split("> 00 A4 02 0C 02 00 01\n").nth(1).expect("SELECT EF 0001 traced");
    let hidden: usize = after
        .lines()
        .filter_map(|l| l.strip_prefix("< ** ("))
        .filter_map(|l| l.split(' ').next()?.parse::<usize>().ok())
        .sum();
    assert!(hidden >= cert.len(), "{hidden} < {} bytes hidden:\n{trace}", cert.len());
    // Public files stay readable in the trace: the start of the auth certificate shows.
    let trace = traced(&["cert", "read", "auth"], "", &[], 0);
    assert!(trace.contains("< 30 82 "), "{trace}");
}

// ---------------------------------------------------------------------------------------
// apdu send: no PIN on the command line

#[test]
fn apdu_send_refuses_a_pin_on_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("t.trace");
    for command in [
        "00 20 00 80 04 31 32 33 34",
        "0020008004 31323334",
        "00 24 01 80 04 39 38 37 36",
        "00 2C 00 80 04 31 32 33 34",
        "80 20 00 80 04 31 32 33 34",
        "00 20 00 80 $#env:P 31 $env:P",
    ] {
        sim(&["apdu", "send", command, "--trace", s(&trace)])
            .env("P", "234")
            .assert()
            .code(2)
            .stderr(predicate::str::contains("$env:"))
            .stderr(predicate::str::contains("command line"))
            .stderr(predicate::str::contains("31 32").not());
        assert!(sent(&trace).is_empty(), "{command}: {:?}", sent(&trace));
    }
}

#[test]
fn apdu_send_takes_the_pin_from_the_environment_and_the_empty_verify_stays_allowed() {
    // The empty VERIFY (retry counter) needs no secret.
    sim(&["apdu", "send", "00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01"]).assert().success();
    sim(&["apdu", "send", "00 20 00 80", "=>", "69 86"]).assert().success();
    // The PIN from the environment: the text AP's PIN is on a fresh card, but the text AP is
    // not selected in a fresh process, so the card refuses it — what matters is that the
    // command is accepted and sent, with the PIN redacted.
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("t.trace");
    let out = sim(&["apdu", "send", "00 20 00 80 $#env:MY_PIN $env:MY_PIN", "--trace", s(&trace)])
        .env("MY_PIN", AUTH_PIN)
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert_eq!(sent(&trace), vec!["> 00 20 00 80 04 **".to_string()]);
    assert!(stdout.starts_with("> 00 20 00 80 **\n"), "{stdout}");
    assert_no_secret(AUTH_PIN, &[&read(&trace)]);
}
