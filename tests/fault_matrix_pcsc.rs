//! A sample of the fault matrix (tests/fault_matrix.rs, docs/robustness.md "Fault matrix")
//! through the real PC/SC stack, with the real `mynacard` binary: `mynacard sim serve --fault
//! K:more-data` → vpcd → pcscd → `mynacard sign -o FILE` and `mynacard text read`.
//!
//! `more-data` is the fault whose command IS executed (a VERIFY verifies, a signature is
//! computed) while its answer is lost (`61 10` with nothing to fetch). The positions are
//! generated from a fault-free run's trace, not written by hand: the VERIFY with the PIN, the
//! command that returns the result (COMPUTE DIGITAL SIGNATURE, READ BINARY of the My Number),
//! and the last command (leaving the application). Each case asserts: exit 7 `card-error`,
//! one clear line on stderr without the PIN or personal data, no output file and no
//! temporary file, exactly one VERIFY with the PIN received by the card (`sim serve
//! --counts`, the card's own count) and its counter at its maximum afterwards, and a second
//! program finding nothing verified (the protected file refused with `69 82`).
//!
//! Needs a private pcscd: `scripts/with-pcscd cargo test --test fault_matrix_pcsc --
//! --test-threads=1`; without `MYNACARD_PCSCD=1` the test prints a notice and passes.

mod common;

use std::path::Path;

use common::cli::*;
use common::*;

const SELECT_JPKI: &str = "00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01";
const SELECT_TEXT: &str = "00 A4 04 0C 0A D3 92 10 00 31 00 01 01 04 08";

/// An operation of the sample.
struct Sample {
    name: &'static str,
    /// Arguments after `mynacard --reader … --wait 5`; `{doc}` and `{out}` are replaced.
    args: &'static [&'static str],
    pin: &'static str,
    /// The trace line prefix of the command that returns the result.
    result_command: &'static str,
    /// A script a second program runs: the protected data refused without a VERIFY.
    locked_script: String,
    /// The PIN whose counter is checked: its `pin status --json` name and maximum.
    pin_name: &'static str,
    max_tries: u64,
}

fn samples() -> Vec<Sample> {
    vec![
        Sample {
            name: "sign",
            args: &["sign", "{doc}", "--pin-stdin", "-o", "{out}"],
            pin: SIGN_PIN,
            result_command: "> 80 2A 00 80",
            locked_script: format!(
                "{SELECT_JPKI} => 90 00\n00 A4 02 0C 02 00 01 => 90 00\n00 B0 00 00 04 => 69 82\n"
            ),
            pin_name: "sign",
            max_tries: 5,
        },
        Sample {
            name: "text read",
            args: &["text", "read", "--pin-stdin"],
            pin: TEXT_PIN,
            result_command: "> 00 B0 00 00 11",
            locked_script: format!(
                "{SELECT_TEXT} => 90 00\n00 A4 02 0C 02 00 01 => 90 00\n00 B0 00 00 11 => 69 82\n"
            ),
            pin_name: "text",
            max_tries: 3,
        },
    ]
}

fn args(sample: &Sample, dir: &Path) -> Vec<String> {
    let doc = dir.join("doc.txt");
    let out = dir.join("out.p7s");
    sample
        .args
        .iter()
        .map(|a| match *a {
            "{doc}" => s(&doc).to_string(),
            "{out}" => s(&out).to_string(),
            other => other.to_string(),
        })
        .collect()
}

/// The card's own count of VERIFYs with data (`sim serve --counts`).
fn verify_with_data(counts: &Path) -> u64 {
    let c: serde_json::Value = serde_json::from_str(&read(counts)).expect("counts JSON");
    c["verify_with_data"].as_u64().expect("verify_with_data")
}

fn tries_left(pin: &str) -> u64 {
    let v = json_of(pcsc(&["pin", "status", "--json"]).arg("--quiet"), 0);
    let pins = v["pins"].as_array().expect("pins");
    let p = pins.iter().find(|p| p["pin"] == pin).expect("the PIN is listed");
    p["tries_left"].as_u64().expect("tries_left")
}

#[test]
fn more_data_at_the_verify_the_result_and_the_last_command() {
    if !pcscd_or_skip("more_data_at_the_verify_the_result_and_the_last_command") {
        return;
    }
    let secrets = [SIGN_PIN, TEXT_PIN, MY_NUMBER, "番号", "花子", "虹色県"];
    let (mut cases, mut failed) = (0, 0);
    for sample in samples() {
        // Fault-free: the commands the card receives, in order.
        let (dir, _doc) = workdir();
        let trace = dir.path().join("trace");
        let server = SimServer::start();
        pcsc(&[])
            .args(args(&sample, dir.path()))
            .args(["--trace", s(&trace)])
            .write_stdin(format!("{}\n", sample.pin))
            .assert()
            .code(0);
        drop(server);
        let sent = sent(&trace);
        let verify = sent.iter().position(|l| is_verify_with_data(l)).expect("a VERIFY") + 1;
        let result =
            sent.iter().position(|l| l.starts_with(sample.result_command)).expect("result") + 1;
        let positions = [verify, result, sent.len()];
        for at in positions {
            let (dir, _doc) = workdir();
            let counts = dir.path().join("counts.json");
            let fault = format!("{at}:more-data");
            let server = SimServer::start_with(&["--fault", &fault, "--counts", s(&counts)]);
            let what = format!("{} with {fault}", sample.name);
            let out = pcsc(&[])
                .args(args(&sample, dir.path()))
                .write_stdin(format!("{}\n", sample.pin))
                .output()
                .unwrap();
            let (stdout, stderr) =
                (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
            // The last command leaves the application: its lost answer is recovered from
            // (the client selects another application instead), the command succeeds.
            let mut names: Vec<String> = std::fs::read_dir(dir.path())
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            names.sort();
            assert_no_secret(sample.pin, &[&stdout, &stderr]);
            assert_no_secret(MY_NUMBER, &[&stdout, &stderr]);
            if at == sent.len() {
                assert_eq!(out.status.code(), Some(0), "{what}: {stderr}");
                let written = sample.args.contains(&"{out}");
                let want: &[&str] = if written {
                    &["counts.json", "doc.txt", "out.p7s"]
                } else {
                    &["counts.json", "doc.txt"]
                };
                assert_eq!(names, want, "{what}");
            } else {
                assert_eq!(out.status.code(), Some(7), "{what}: {stderr}");
                let line = stderr.trim();
                assert_eq!(line.lines().count(), 1, "{what}: {stderr}");
                assert!(line.starts_with("mynacard: ") && line.len() > 20, "{what}: {line}");
                assert!(line.contains("status") || line.contains("card"), "{what}: {line}");
                for secret in secrets {
                    assert_no_secret(secret, &[&stdout, &stderr]);
                }
                // Nothing written: no output file, no temporary file.
                assert_eq!(names, ["counts.json", "doc.txt"], "{what}");
                failed += 1;
            }
            // A second program finds nothing verified (first: `pin status` leaves applications).
            let script = dir.path().join("locked.apdu");
            std::fs::write(&script, &sample.locked_script).unwrap();
            pcsc(&["apdu", "run", s(&script)]).assert().code(0);
            // The card received exactly one VERIFY with the PIN, and its counter is full.
            assert_eq!(verify_with_data(&counts), 1, "{what}");
            assert_eq!(tries_left(sample.pin_name), sample.max_tries, "{what}");
            drop(server);
            cases += 1;
        }
    }
    assert_eq!((cases, failed), (6, 4));
}
