//! The audit log written around a sign and a text-application read on the virtual card never
//! holds a PIN, the My Number or the holder's name and address.

use std::collections::BTreeSet;
use std::path::PathBuf;

use mynacard::audit::{AuditLog, AuditRecord, Operation, Outcome};
use mynacard::facts::{jpki, AID_JPKI};
use mynacard::rig::{run, Env, RunOptions, RunReport, Script};
use mynacard::sim::card::{Profile, VirtualCard};
use mynacard::sim::image::{CardImage, SIM_AUTH_PIN, SIM_SIGN_PIN, SIM_TEXT_PIN};
use mynacard::sim::pki::Holder;
use mynacard::sim::transport::VirtualTransport;
use mynacard::transport::Transport;
use zeroize::Zeroizing;

const TEXT_READ: &str = "# spends-pin-tries: yes
step \"select text application\"
00 A4 04 0C 0A D3 92 10 00 31 00 01 01 04 08 => 90 00
step \"verify text PIN\"
00 A4 02 0C 02 00 11 => 90 00
00 20 00 80 $#env:MYNACARD_TEXT_PIN $env:MYNACARD_TEXT_PIN => 90 00
step \"read My Number\"
00 A4 02 0C 02 00 01 => 90 00
00 B0 00 00 11 => len 17, 90 00
step \"read attributes\"
00 A4 02 0C 02 00 02 => 90 00
00 B0 00 00 00 => data FF 20 *
";

fn options(pin: &str, password: &str, text_pin: &str) -> RunOptions {
    RunOptions {
        allow_pin_tries: false,
        env: Env::Map(
            [
                ("MYNACARD_PIN", pin),
                ("MYNACARD_SIGN_PASSWORD", password),
                ("MYNACARD_TEXT_PIN", text_pin),
            ]
            .iter()
            .map(|(k, v)| (k.to_string(), Zeroizing::new(v.to_string())))
            .collect(),
        ),
    }
}

fn outcome(report: &RunReport) -> (Outcome, Option<u8>) {
    match report.failure() {
        None => (Outcome::Ok, None),
        Some(step) => match step.sw.as_deref().and_then(|sw| sw.strip_prefix("63 C")) {
            Some(n) => (Outcome::WrongPin, n.parse().ok()),
            None => (Outcome::Failed, None),
        },
    }
}

#[test]
fn audit_log_of_sign_and_text_read_holds_no_personal_data() {
    let image = CardImage::default_image();
    let sign_cert = image
        .app(&AID_JPKI)
        .and_then(|a| a.files.get(&jpki::EF_SIGN_CERT))
        .map(|f| f.data.clone())
        .unwrap();
    let mut t = VirtualTransport::new(VirtualCard::new(image, Profile::default()));
    let reader = t.info().name;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.log");
    let log = AuditLog::open(&path).unwrap();

    let sign_flow = Script::load(
        &PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("apdu-scripts/sign-flow.apdu"),
    )
    .unwrap();
    let text_read = Script::parse("text-read.apdu", TEXT_READ).unwrap();

    // A failed attempt with a wrong password, then the real sign, then the text read.
    let wrong =
        run(&sign_flow, &mut t, &options(SIM_AUTH_PIN, "WRONG1PASS", SIM_TEXT_PIN)).unwrap();
    let (o, tries) = outcome(&wrong);
    assert_eq!((o, tries), (Outcome::WrongPin, Some(4)));
    log.record(&AuditRecord::new(&reader, Operation::Sign, o).with_tries_left(4)).unwrap();

    let good = options(SIM_AUTH_PIN, SIM_SIGN_PIN, SIM_TEXT_PIN);
    let signed = run(&sign_flow, &mut t, &good).unwrap();
    assert!(signed.passed, "{signed}");
    log.log(&reader, Operation::Sign, outcome(&signed).0, Some(&sign_cert)).unwrap();

    let read = run(&text_read, &mut t, &good).unwrap();
    assert!(read.passed, "{read}");
    log.log(&reader, Operation::ReadMyNumber, outcome(&read).0, None).unwrap();
    log.log(&reader, Operation::ReadAttributes, outcome(&read).0, None).unwrap();
    drop(log);

    let text = std::fs::read_to_string(&path).unwrap();
    let holder = Holder::default();
    let mut forbidden: Vec<String> = vec![
        SIM_SIGN_PIN.to_string(),
        "WRONG1PASS".to_string(),
        holder.my_number.clone(),
        holder.address.clone(),
        hex::encode_upper(SIM_AUTH_PIN),
        hex::encode_upper(SIM_SIGN_PIN),
        hex::encode_upper(holder.my_number.as_bytes()),
    ];
    forbidden.extend(holder.name.split('\u{3000}').map(str::to_string));
    for needle in &forbidden {
        assert!(!text.contains(needle.as_str()), "{needle:?} in the audit log");
    }
    let allowed: BTreeSet<&str> =
        ["time", "reader", "operation", "outcome", "tries_left", "cert_sha256"].into();
    let lines: Vec<serde_json::Value> =
        text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 4);
    for line in &lines {
        let obj = line.as_object().unwrap();
        assert!(obj.keys().all(|k| allowed.contains(k.as_str())), "{line}");
        // A 4-digit PIN is short enough to occur in a timestamp: check values, not text.
        for (key, value) in obj {
            if key != "time" {
                assert_ne!(value.as_str(), Some(SIM_AUTH_PIN), "{line}");
                assert_ne!(value.as_str(), Some(SIM_TEXT_PIN), "{line}");
            }
        }
    }
    assert_eq!(lines[0]["outcome"], "wrong_pin");
    assert_eq!(lines[0]["tries_left"], 4);
    assert_eq!(lines[1]["operation"], "sign");
    assert_eq!(lines[1]["cert_sha256"].as_str().unwrap().len(), 64);
    assert_eq!(lines[2]["operation"], "read_my_number");
    assert_eq!(lines[3]["reader"], "sim");
}
