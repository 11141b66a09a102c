//! APDU scripts against the in-process virtual card: the shipped scripts pass, unmet
//! expectations stop the run with the step, the expected and the received status, PIN-spending
//! scripts are refused on real readers, and no secret reaches a report or an error.

use std::path::PathBuf;

use mynacard::rig::runner::{is_virtual_reader, send_one};
use mynacard::rig::{run, Env, RunError, RunOptions, RunReport, Script};
use mynacard::sim::card::{Fault, FaultKind, Profile, VirtualCard};
use mynacard::sim::image::{CardImage, SIM_AUTH_PIN, SIM_SIGN_PIN, SIM_TEXT_PIN};
use mynacard::sim::transport::VirtualTransport;
use mynacard::transport::{ReaderInfo, Transport, TransportError};
use proptest::prelude::*;
use zeroize::Zeroizing;

fn scripts_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("apdu-scripts")
}

fn shipped(name: &str) -> Script {
    Script::load(&scripts_dir().join(name)).unwrap()
}

fn sim() -> VirtualTransport {
    VirtualTransport::new(VirtualCard::new(CardImage::default_image(), Profile::default()))
}

fn sim_with(profile: Profile) -> VirtualTransport {
    VirtualTransport::new(VirtualCard::new(CardImage::default_image(), profile))
}

fn env(pairs: &[(&str, &str)]) -> RunOptions {
    RunOptions {
        allow_pin_tries: false,
        env: Env::Map(
            pairs.iter().map(|(k, v)| (k.to_string(), Zeroizing::new(v.to_string()))).collect(),
        ),
    }
}

fn good_env() -> RunOptions {
    env(&[("MYNACARD_PIN", SIM_AUTH_PIN), ("MYNACARD_SIGN_PASSWORD", SIM_SIGN_PIN)])
}

/// Every way a secret could leak into text: as is, as hex, as spaced hex.
fn assert_no_secret(text: &str, secret: &str) {
    let hex = hex::encode_upper(secret.as_bytes());
    let spaced: Vec<String> = secret.bytes().map(|b| format!("{b:02X}")).collect();
    let spaced = spaced.join(" ");
    if secret.len() > 4 {
        assert!(!text.contains(secret), "{secret} in {text}");
    }
    for needle in [hex.as_str(), &hex.to_lowercase(), spaced.as_str()] {
        assert!(!text.contains(needle), "{needle} in {text}");
    }
}

/// A transport to the virtual card that says it is some other reader.
struct Renamed {
    inner: VirtualTransport,
    name: String,
}

impl Transport for Renamed {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.inner.transmit(command)
    }
    fn exclusive(&mut self) -> Result<Box<dyn Transport + '_>, TransportError> {
        self.inner.exclusive()
    }
    fn reset(&mut self) -> Result<(), TransportError> {
        self.inner.reset()
    }
    fn info(&self) -> ReaderInfo {
        ReaderInfo { name: self.name.clone(), ..self.inner.info() }
    }
}

fn renamed(name: &str) -> Renamed {
    Renamed { inner: sim(), name: name.to_string() }
}

#[test]
fn every_shipped_script_passes_on_the_virtual_card() {
    let mut names: Vec<String> = std::fs::read_dir(scripts_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".apdu"))
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["detect-jpki.apdu", "pin-status.apdu", "read-public-certs.apdu", "sign-flow.apdu"]
    );
    for name in &names {
        let mut t = sim();
        let report = run(&shipped(name), &mut t, &good_env()).unwrap();
        assert!(report.passed, "{name}:\n{report}");
        assert_eq!(report.failed_step, None);
        assert!(report.steps.iter().all(|s| s.ok && s.error.is_none()));
        assert!(report.to_string().contains("passed on \"sim\""), "{report}");
    }
}

#[test]
fn detect_jpki_pins_the_wire() {
    let mut t = sim();
    let report = run(&shipped("detect-jpki.apdu"), &mut t, &RunOptions::default()).unwrap();
    let commands: Vec<&str> = report.steps.iter().map(|s| s.command.as_str()).collect();
    assert_eq!(
        commands,
        ["00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01", "00 A4 02 0C 02 00 06", "00 B0 00 00 20"]
    );
    let last = report.steps.last().unwrap();
    assert_eq!(last.sw.as_deref(), Some("90 00"));
    assert_eq!(last.len, Some(32));
    assert_eq!(last.data.as_deref(), Some("4A 50 4B 49 41 50 49 43 …"));
    assert_eq!(last.name.as_deref(), Some("read token label"));
    let history: Vec<String> =
        t.card().with_card(|c| c.history().iter().map(|h| h.command.clone()).collect()).unwrap();
    assert_eq!(history, ["00A4040C0AD392F000260100000001", "00A4020C020006", "00B0000020"]);
}

#[test]
fn pin_status_spends_no_tries_and_runs_on_a_real_reader() {
    let mut t = renamed("ACS ACR39U ICC Reader 00 00");
    let report = run(&shipped("pin-status.apdu"), &mut t, &RunOptions::default()).unwrap();
    assert!(report.passed, "{report}");
    let sws: Vec<_> = report
        .steps
        .iter()
        .filter(|s| s.command == "00 20 00 80")
        .map(|s| s.sw.clone().unwrap())
        .collect();
    assert_eq!(sws, ["63 C3", "63 C5", "63 C3"]);
    let counts = t.inner.card().with_card(|c| *c.counts()).unwrap();
    assert_eq!(counts.verify_with_data, 0);
    assert_eq!(counts.verify_status, 3);
}

#[test]
fn sign_flow_signs_twice_and_never_shows_the_secrets() {
    let mut t = sim();
    let report = run(&shipped("sign-flow.apdu"), &mut t, &good_env()).unwrap();
    assert!(report.passed, "{report}");
    let counts = t.card().with_card(|c| *c.counts()).unwrap();
    assert_eq!(counts.signatures, 2);
    assert_eq!(counts.verify_with_data, 2);
    let verifies: Vec<&str> = report
        .steps
        .iter()
        .filter(|s| s.command.starts_with("00 20"))
        .map(|s| s.command.as_str())
        .collect();
    assert_eq!(verifies, ["00 20 00 80 **", "00 20 00 80 **"]);
    for text in [report.to_string(), report.to_json()] {
        assert_no_secret(&text, SIM_SIGN_PIN);
        assert_no_secret(&text, SIM_AUTH_PIN);
    }
}

#[test]
fn unmet_expectation_stops_with_step_expected_and_received() {
    let script = Script::parse(
        "missing.apdu",
        "step \"select JPKI\"\n00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01 => 90 00\n\
         step \"select missing EF\"\n00 A4 02 0C 02 12 34 => 90 00\n00 B0 00 00 00 => 90 00\n",
    )
    .unwrap();
    let mut t = sim();
    let report = run(&script, &mut t, &RunOptions::default()).unwrap();
    assert!(!report.passed);
    assert_eq!(report.failed_step, Some(2));
    assert_eq!(report.steps.len(), 2, "the run stops at the failure");
    let failure = report.failure().unwrap();
    assert_eq!(failure.expected.as_deref(), Some("90 00"));
    assert_eq!(failure.received.as_deref(), Some("6A 82"));
    assert_eq!(failure.line, 4);
    assert_eq!(failure.to_string(), "step 2 'select missing EF': expected 90 00, received 6A 82");
    assert!(report
        .to_string()
        .ends_with("missing.apdu: FAILED on \"sim\" at line 4: step 2 'select missing EF': expected 90 00, received 6A 82"));
    let json: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
    assert_eq!(json["passed"], false);
    assert_eq!(json["failed_step"], 2);
    assert_eq!(json["steps"][1]["received"], "6A 82");
    assert_eq!(json["steps"][1]["name"], "select missing EF");
    assert_eq!(t.card().with_card(|c| c.command_count()).unwrap(), 2);
}

#[test]
fn wrong_password_fails_the_step_without_showing_it() {
    let wrong = "WRONGPASS9";
    let opts = env(&[("MYNACARD_PIN", "9999"), ("MYNACARD_SIGN_PASSWORD", wrong)]);
    let mut t = sim();
    let report = run(&shipped("sign-flow.apdu"), &mut t, &opts).unwrap();
    let failure = report.failure().unwrap();
    assert_eq!(failure.name.as_deref(), Some("verify signature password"));
    assert_eq!(failure.received.as_deref(), Some("63 C4"));
    assert_eq!(failure.command, "00 20 00 80 **");
    for text in [report.to_string(), report.to_json(), format!("{report:?}")] {
        assert_no_secret(&text, wrong);
        assert_no_secret(&text, "9999");
    }
}

#[test]
fn pin_spending_scripts_are_refused_on_real_readers() {
    let script = shipped("sign-flow.apdu");
    assert!(script.spends_pin_tries);
    let mut t = renamed("SCM Microsystems SCR 3310 00 00");
    let e = run(&script, &mut t, &good_env()).unwrap_err();
    assert!(matches!(&e, RunError::Refused { reader, .. } if reader.starts_with("SCM")));
    assert!(e.to_string().contains("--allow-pin-tries"), "{e}");
    assert_eq!(t.inner.card().with_card(|c| c.command_count()).unwrap(), 0);
    let allowed = RunOptions { allow_pin_tries: true, ..good_env() };
    assert!(run(&script, &mut t, &allowed).unwrap().passed);
    let mut vpcd = renamed("Virtual PCD 00 00");
    assert!(run(&script, &mut vpcd, &good_env()).unwrap().passed);
    assert!(is_virtual_reader(&ReaderInfo { name: "sim".into(), ..ReaderInfo::default() }));
}

#[test]
fn missing_environment_stops_before_anything_is_sent() {
    let mut t = sim();
    let e = run(&shipped("sign-flow.apdu"), &mut t, &env(&[("MYNACARD_PIN", SIM_AUTH_PIN)]))
        .unwrap_err();
    assert!(matches!(&e, RunError::MissingEnv { name } if name == "MYNACARD_SIGN_PASSWORD"));
    assert_eq!(
        e.to_string(),
        "environment variable MYNACARD_SIGN_PASSWORD is not set (the script reads it with $env:MYNACARD_SIGN_PASSWORD)"
    );
    assert_eq!(t.card().with_card(|c| c.command_count()).unwrap(), 0);
}

#[test]
fn transport_errors_and_short_responses_fail_the_step() {
    let mut t = sim_with(Profile {
        faults: vec![Fault { at: 2, kind: FaultKind::Remove }],
        ..Profile::default()
    });
    let report = run(&shipped("detect-jpki.apdu"), &mut t, &RunOptions::default()).unwrap();
    assert_eq!(report.failed_step, Some(2));
    let step = report.failure().unwrap();
    assert!(step.error.as_deref().unwrap().contains("removed"), "{step:?}");
    assert!(step.to_string().contains("-> error: the card was removed"));

    let mut t = sim_with(Profile {
        faults: vec![Fault { at: 1, kind: FaultKind::Truncate }],
        ..Profile::default()
    });
    let report = run(&shipped("detect-jpki.apdu"), &mut t, &RunOptions::default()).unwrap();
    assert_eq!(
        report.failure().unwrap().error.as_deref(),
        Some("response of 1 byte(s) has no status word")
    );
}

#[test]
fn exclusive_access_is_held_during_the_run_and_released_after() {
    let mut t = sim();
    let other_client = t.card().transport();
    let mut holder = other_client;
    let guard = holder.exclusive().unwrap();
    let e = run(&shipped("detect-jpki.apdu"), &mut t, &RunOptions::default()).unwrap_err();
    assert!(matches!(e, RunError::Transport(TransportError::CardInUse)));
    drop(guard);
    assert!(run(&shipped("detect-jpki.apdu"), &mut t, &RunOptions::default()).unwrap().passed);
    // The run released its own transaction: another client can talk to the card.
    assert!(holder.transmit(&[0x00, 0xA4, 0x04, 0x0C, 0x01, 0x00]).is_ok());
}

/// A warm reset keeps the security state (measured on real cards by one peer library, [C]);
/// selecting the GlobalPlatform ISD clears it.
#[test]
fn reset_keeps_the_security_state_and_the_isd_select_clears_it() {
    let script = Script::parse(
        "reset.apdu",
        "# spends-pin-tries: yes\n00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01 => 90 00\n\
         00 A4 02 0C 02 00 1B\n00 20 00 80 $#env:P $env:P => 90 00\n00 A4 02 0C 02 00 01 => 90 00\n\
         00 B0 00 00 04 => len 4, 90 00\nreset\n\
         00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01\n00 A4 02 0C 02 00 01\n00 B0 00 00 04 => len 4, 90 00\n\
         00 A4 04 0C 07 A0 00 00 01 51 00 00 => 90 00\n\
         00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01\n00 A4 02 0C 02 00 01\n00 B0 00 00 04 => 69 82\n",
    )
    .unwrap();
    let report = run(&script, &mut sim(), &env(&[("P", SIM_SIGN_PIN)])).unwrap();
    assert!(report.passed, "{report}");
    assert_eq!(report.steps[5].command, "reset");
}

#[test]
fn personal_data_is_hidden_while_the_text_application_is_selected() {
    let script = Script::parse(
        "text.apdu",
        "# spends-pin-tries: yes\n00 A4 04 0C 0A D3 92 10 00 31 00 01 01 04 08 => 90 00\n\
         00 A4 02 0C 02 00 11 => 90 00\n00 20 00 80 $#env:P $env:P => 90 00\n\
         00 A4 02 0C 02 00 01 => 90 00\n00 B0 00 00 11 => len 17, data FF 10 0C *, 90 00\n\
         00 A4 02 0C 02 00 02 => 90 00\n00 B0 00 00 00 => data FF 20 *\n",
    )
    .unwrap();
    let report = run(&script, &mut sim(), &env(&[("P", SIM_TEXT_PIN)])).unwrap();
    assert!(report.passed, "{report}");
    let my_number_step = &report.steps[4];
    assert_eq!(my_number_step.len, Some(17));
    assert_eq!(my_number_step.data.as_deref(), Some("(hidden: personal data)"));
    let text = format!("{report}\n{}", report.to_json());
    assert_no_secret(&text, "123456789018");
    assert!(!text.contains("FF 10 0C 31"));
    assert!(!text.contains("DF 22"));
}

#[test]
fn send_one_sends_a_single_command() {
    let mut t = sim();
    let opts = env(&[("MYNACARD_PIN", SIM_AUTH_PIN)]);
    let step = send_one("00A4040C0AD392F000260100000001 => 90 00", &mut t, &opts).unwrap();
    assert!(step.ok);
    assert_eq!(step.sw.as_deref(), Some("90 00"));
    send_one("00 A4 02 0C 02 00 18", &mut t, &opts).unwrap();
    let step = send_one("00 20 00 80 $#env:MYNACARD_PIN $env:MYNACARD_PIN", &mut t, &opts).unwrap();
    assert_eq!(step.command, "00 20 00 80 **");
    assert_eq!(step.sw.as_deref(), Some("90 00"));
    // A literal PIN is accepted (the user typed it) but still redacted.
    let step = send_one("00 20 00 80 04 31 32 33 34", &mut t, &opts).unwrap();
    assert_eq!(step.command, "00 20 00 80 **");
    assert_eq!(step.to_string().matches("31 32").count(), 0);

    assert!(matches!(send_one("reset", &mut t, &opts), Err(RunError::NotOneCommand)));
    assert!(matches!(
        send_one("00 A4 04 0C\n00 A4 04 0C", &mut t, &opts),
        Err(RunError::NotOneCommand)
    ));
    let e = send_one("00 A4 0G", &mut t, &opts).unwrap_err();
    assert!(matches!(e, RunError::Script(_)));
    assert!(e.to_string().starts_with("command line:1: unexpected character 'G'"));
    let mut removed = sim_with(Profile {
        faults: vec![Fault { at: 1, kind: FaultKind::Mute }],
        ..Profile::default()
    });
    let step = send_one("00 A4 04 0C 01 00", &mut removed, &opts).unwrap();
    assert!(!step.ok);
    assert!(step.error.is_some());
}

#[test]
fn report_text_lists_every_step() {
    let report: RunReport =
        run(&shipped("detect-jpki.apdu"), &mut sim(), &RunOptions::default()).unwrap();
    let text = report.to_string();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4, "{text}");
    assert!(lines[0].starts_with(
        "step 1 'select JPKI application': 00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01 -> 90 00, 0 bytes ("
    ));
    assert!(lines[0].ends_with(" ok"));
    assert!(lines[2].contains("-> 90 00, 32 bytes 4A 50 4B 49 41 50 49 43 …"));
}

proptest! {
    #[test]
    fn the_parser_never_panics(text in "\\PC{0,200}") {
        let _ = Script::parse("fuzz.apdu", &text);
    }

    #[test]
    fn the_parser_never_panics_on_script_like_text(
        lines in proptest::collection::vec(
            proptest::collection::vec(
                prop_oneof![
                    Just("00"), Just("A4"), Just("2"), Just("=>"), Just("len"), Just("data"),
                    Just("*"), Just("?"), Just("|"), Just(","), Just("$"), Just("$#"),
                    Just("$X"), Just("$#X"), Just("$env:P"), Just("$#env:P"), Just("set"),
                    Just("X"), Just("step"), Just("\"s\""), Just("reset"), Just("#"),
                    Just("spends-pin-tries:"), Just("yes"), Just("é"), Just("\t"),
                ],
                0..12,
            ),
            0..8,
        )
    ) {
        let text: Vec<String> = lines.iter().map(|l| l.join(" ")).collect();
        let text = text.join("\n");
        if let Ok(script) = Script::parse("fuzz.apdu", &text) {
            // Whatever parses also runs without panicking.
            let _ = run(&script, &mut sim(), &env(&[("P", "1234")]));
        }
    }
}
