//! The rig commands against the in-process virtual card (`--reader sim`): `apdu run` with
//! every shipped script, failures with step/expected/received and exit 7, pinned JSON field
//! names, `apdu send`, PIN redaction, `doctor` on the virtual card and with no PC/SC service.

mod common;

use common::cli::*;
use common::{AUTH_PIN, SIGN_PIN};
use predicates::prelude::*;
use std::path::Path;

fn script(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_string_lossy().into_owned()
}

fn shipped() -> Vec<String> {
    let mut list: Vec<String> = std::fs::read_dir("apdu-scripts")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "apdu"))
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    list.sort();
    list
}

#[test]
fn every_shipped_script_passes_on_the_virtual_card() {
    let scripts = shipped();
    assert!(scripts.len() >= 4, "{scripts:?}");
    for s in scripts {
        let out = sim(&[])
            .args(["apdu", "run", &s])
            .env("MYNACARD_PIN", AUTH_PIN)
            .env("MYNACARD_SIGN_PASSWORD", SIGN_PIN)
            .assert()
            .success()
            .stdout(predicate::str::contains(format!("{s}: passed on \"sim\"")))
            .get_output()
            .stdout
            .clone();
        let text = String::from_utf8(out).unwrap();
        assert!(
            !text.contains(&spaced_hex(AUTH_PIN)) && !text.contains(&spaced_hex(SIGN_PIN)),
            "{text}"
        );
        assert!(!text.contains(SIGN_PIN), "{text}");
    }
}

#[test]
fn the_sign_flow_never_shows_a_pin_in_output_or_trace() {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("t.trace");
    let out = sim(&[])
        .args(["apdu", "run", "apdu-scripts/sign-flow.apdu", "--json", "--trace"])
        .arg(&trace)
        .env("MYNACARD_PIN", AUTH_PIN)
        .env("MYNACARD_SIGN_PASSWORD", SIGN_PIN)
        .assert()
        .success()
        .get_output()
        .clone();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    let trace = std::fs::read_to_string(&trace).unwrap();
    for text in [&stdout, &stderr, &trace] {
        assert!(!text.contains(&spaced_hex(AUTH_PIN)), "{text}");
        assert!(!text.contains(&spaced_hex(SIGN_PIN)), "{text}");
        assert!(!text.contains(SIGN_PIN), "{text}");
    }
    let report: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    let verify = report["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| {
            s["name"] == "verify signature password"
                && s["command"].as_str().unwrap().starts_with("00 20")
        })
        .unwrap();
    assert_eq!(verify["command"], "00 20 00 80 **");
    assert!(trace.contains("> 00 20 00 80"), "{trace}");
}

#[test]
fn run_json_field_names_are_pinned() {
    let out = sim(&[])
        .args(["apdu", "run", "apdu-scripts/detect-jpki.apdu", "--json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v = json(&out);
    assert_eq!(keys(&v), set(&["failed_step", "micros", "passed", "reader", "script", "steps"]));
    assert_eq!(v["passed"], true);
    assert_eq!(v["reader"], "sim");
    assert!(v["failed_step"].is_null());
    let step = &v["steps"][0];
    assert_eq!(
        keys(step),
        set(&[
            "command", "data", "error", "expected", "len", "line", "micros", "name", "number",
            "ok", "received", "sw"
        ])
    );
    assert_eq!(step["command"], "00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01");
    assert_eq!(step["sw"], "90 00");
    assert_eq!(step["name"], "select JPKI application");
    assert_eq!(step["line"], 10);
}

#[test]
fn an_unmet_expectation_fails_with_step_expected_received_and_exit_7() {
    let dir = tempfile::tempdir().unwrap();
    let s = script(
        dir.path(),
        "bad.apdu",
        "step \"select JPKI\"\n00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01 => 90 00\nstep \"missing file\"\n00 A4 02 0C 02 77 77 => 90 00\n00 B0 00 00 01\n",
    );
    sim(&[])
        .args(["apdu", "run", &s])
        .assert()
        .code(7)
        .stdout(predicate::str::contains("step 1 'select JPKI'"))
        .stdout(predicate::str::contains("FAILED on \"sim\" at line 4"))
        .stderr(predicate::str::contains(
            "failed at line 4: step 2 'missing file': expected 90 00, received 6A 82",
        ));
    let out =
        sim(&[]).args(["apdu", "run", &s, "--json"]).assert().code(7).get_output().stdout.clone();
    let v = json(&out);
    assert_eq!(v["passed"], false);
    assert_eq!(v["failed_step"], 2);
    assert_eq!(v["steps"].as_array().unwrap().len(), 2, "stops at the failure");
    assert_eq!(v["steps"][1]["expected"], "90 00");
    assert_eq!(v["steps"][1]["received"], "6A 82");
    assert_eq!(v["steps"][1]["ok"], false);
}

#[test]
fn a_script_that_does_not_parse_is_a_usage_error_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let s = script(dir.path(), "typo.apdu", "# fine\n00 A4 04 0C\n00 A4 0X\n");
    let trace = dir.path().join("t.trace");
    sim(&[])
        .args(["apdu", "run", &s, "--trace"])
        .arg(&trace)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(format!("{s}:3: unexpected character 'X'")));
    assert!(!trace.exists(), "nothing was opened or sent");
}

#[test]
fn a_pin_spending_script_without_its_header_names_the_header() {
    let dir = tempfile::tempdir().unwrap();
    let s = script(dir.path(), "pin.apdu", "00 20 00 80 04 $env:MYNACARD_PIN\n");
    sim(&[])
        .args(["apdu", "run", &s])
        .env("MYNACARD_PIN", AUTH_PIN)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("spends-pin-tries: yes"));
}

#[test]
fn a_missing_environment_value_is_a_usage_error_and_sends_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("t.trace");
    sim(&[])
        .args(["apdu", "run", "apdu-scripts/sign-flow.apdu", "--trace"])
        .arg(&trace)
        .env("MYNACARD_PIN", AUTH_PIN)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("environment variable MYNACARD_SIGN_PASSWORD is not set"));
    assert_eq!(std::fs::read_to_string(&trace).unwrap_or_default(), "");
}

#[test]
fn a_missing_script_file_is_an_io_error() {
    sim(&[])
        .args(["apdu", "run", "/nonexistent/x.apdu"])
        .assert()
        .code(13)
        .stderr(predicate::str::contains("/nonexistent/x.apdu"));
}

#[test]
fn send_prints_the_status_word() {
    sim(&[])
        .args(["apdu", "send", "00A4040C0AD392F000260100000001"])
        .assert()
        .success()
        .stdout("> 00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01\n< 90 00\n");
}

#[test]
fn send_json_and_expectations() {
    let out = sim(&[])
        .args(["apdu", "send", "00A4040C0AD392F000260100000001", "--json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v = json(&out);
    assert_eq!(v["sw"], "90 00");
    assert_eq!(v["ok"], true);
    sim(&[])
        .args(["apdu", "send", "00 A4 02 0C 02 77 77", "=>", "90 00"])
        .assert()
        .code(7)
        .stderr(predicate::str::contains("expected 90 00, received 6A 82"));
}

#[test]
fn send_redacts_a_verify_body() {
    // The PIN comes from the environment: `apdu send` refuses one on its command line
    // (tests/cli_privacy.rs).
    let out = sim(&[])
        .env("P", AUTH_PIN)
        .args(["apdu", "send", "00 20 00 80 04 $env:P"])
        .assert()
        .success()
        .get_output()
        .clone();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.starts_with("> 00 20 00 80 **\n"), "{stdout}");
    assert!(!stdout.contains(&spaced_hex(AUTH_PIN)));
}

#[test]
fn send_errors_are_usage_errors() {
    sim(&[]).args(["apdu", "send", "00A4GG"]).assert().code(2);
    sim(&[])
        .args(["apdu", "send", "0020008004", "$env:MYNACARD_PIN"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("MYNACARD_PIN is not set"));
}

#[test]
fn doctor_finds_the_virtual_card() {
    sim(&[]).arg("doctor").assert().success().stdout(predicate::str::contains(
        "ok   [sim] jpki: JPKI application found: My Number Card",
    ));
    let out = sim(&[]).args(["doctor", "--json"]).assert().success().get_output().stdout.clone();
    let v = json(&out);
    assert_eq!(keys(&v), set(&["checks", "exit_code", "ok", "usable_reader"]));
    assert_eq!(v["ok"], true);
    assert_eq!(v["exit_code"], 0);
    let checks = v["checks"].as_array().unwrap();
    let names: Vec<&str> = checks.iter().map(|c| c["check"].as_str().unwrap()).collect();
    assert_eq!(names, ["card", "atr", "jpki", "extended_length", "pinpad"]);
    assert_eq!(checks[1]["detail"], hex::encode_upper(mynacard::facts::SIM_ATR));
    assert!(checks.iter().all(|c| c["ok"] == true && c["reader"] == "sim"));
}

#[test]
fn doctor_without_the_pcsc_service_says_start_pcscd() {
    let out = no_pcsc_service()
        .args(["doctor", "--json"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("service"))
        .get_output()
        .stdout
        .clone();
    let v = json(&out);
    assert_eq!(v["ok"], false);
    assert_eq!(v["exit_code"], 3);
    assert_eq!(v["checks"][0]["check"], "service");
    assert_eq!(
        v["checks"][0]["fix"],
        "start pcscd: sudo systemctl start pcscd / pcscd --foreground"
    );
    no_pcsc_service()
        .arg("doctor")
        .assert()
        .code(3)
        .stdout(predicate::str::contains("fix: start pcscd: sudo systemctl start pcscd"));
}

#[test]
fn send_parse_errors_name_the_command_line() {
    sim(&[])
        .args(["apdu", "send", "00A4GG"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("command line:1: unexpected character 'G'"));
}

#[test]
fn watch_without_the_pcsc_service_is_no_service() {
    no_pcsc_service()
        .args(["watch", "--json"])
        .timeout(std::time::Duration::from_secs(20))
        .assert()
        .code(3)
        .stdout(predicate::str::contains("\"kind\":\"no-service\""));
}
