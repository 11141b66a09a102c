//! Rigs and kiosks on the real PC/SC stack (`mynacard sim serve` → vpcd → pcscd): card events
//! from `transport::events::watch`, and the shipped APDU scripts through the PC/SC transport.
//! Needs a private pcscd: run under `scripts/with-pcscd cargo test --test rig_pcsc --
//! --test-threads=1`; without `MYNACARD_PCSCD=1` every test prints a notice and passes.

mod common;

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;
use mynacard::rig::{run, Env, RunOptions, Script};
use mynacard::transport::events::{watch, Event, TimedEvent, WatchOptions};
use mynacard::transport::pcsc::{PcscTransport, ShareMode};
use zeroize::Zeroizing;

fn shipped(name: &str) -> Script {
    Script::load(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("apdu-scripts").join(name))
        .unwrap()
}

/// Wait until the collected events satisfy `cond`.
fn wait_events(
    events: &Mutex<Vec<TimedEvent>>,
    timeout: Duration,
    cond: impl Fn(&[TimedEvent]) -> bool,
) -> bool {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if cond(&events.lock().unwrap()) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

#[test]
fn watch_reports_readers_insertion_with_jpki_and_removal() {
    if !pcscd_or_skip("watch_reports_readers_insertion_with_jpki_and_removal") {
        return;
    }
    // Start with an empty reader.
    wait_reader(READER, Duration::from_secs(10), |s| !s.card_present);
    let events = Arc::new(Mutex::new(Vec::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let watcher = {
        let (events, stop) = (events.clone(), stop.clone());
        std::thread::spawn(move || {
            watch(&stop, &WatchOptions::default(), |e| events.lock().unwrap().push(e))
        })
    };
    assert!(
        wait_events(&events, Duration::from_secs(5), |e| {
            e.iter().filter(|e| matches!(&e.event, Event::ReaderAdded { .. })).count() >= 2
        }),
        "reader_added for both vpcd readers: {:?}",
        events.lock().unwrap()
    );

    let sim = SimServer::start();
    let inserted = |e: &[TimedEvent]| {
        e.iter().any(|e| {
            matches!(&e.event, Event::CardInserted { reader, atr, jpki: Some(true) }
                if reader == READER && atr == "3BE000FF8131FE4514")
        })
    };
    assert!(
        wait_events(&events, Duration::from_secs(10), inserted),
        "card_inserted with jpki=true: {:?}",
        events.lock().unwrap()
    );
    sim.kill();
    let removed = |e: &[TimedEvent]| {
        e.iter().any(|e| matches!(&e.event, Event::CardRemoved { reader } if reader == READER))
    };
    assert!(
        wait_events(&events, Duration::from_secs(10), removed),
        "card_removed: {:?}",
        events.lock().unwrap()
    );

    let asked = Instant::now();
    stop.store(true, Ordering::Relaxed);
    watcher.join().unwrap().unwrap();
    assert!(
        asked.elapsed() < Duration::from_millis(1500),
        "watch stopped after {:?}",
        asked.elapsed()
    );
    let all = events.lock().unwrap();
    let on_reader: Vec<&str> = all
        .iter()
        .filter_map(|e| match &e.event {
            Event::CardInserted { reader, .. } if reader == READER => Some("inserted"),
            Event::CardRemoved { reader } if reader == READER => Some("removed"),
            _ => None,
        })
        .collect();
    assert_eq!(on_reader, ["inserted", "removed"], "{all:?}");
    drop(all);
    for e in events.lock().unwrap().iter() {
        let line = e.to_json();
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert!(v["time"].is_string() && v["event"].is_string(), "{line}");
    }
}

#[test]
fn shipped_scripts_run_through_pcsc() {
    if !pcscd_or_skip("shipped_scripts_run_through_pcsc") {
        return;
    }
    let _sim = SimServer::start();
    let mut t = PcscTransport::connect(READER, ShareMode::Shared).unwrap();
    let options = RunOptions {
        allow_pin_tries: false,
        env: Env::Map(
            [("MYNACARD_PIN", AUTH_PIN), ("MYNACARD_SIGN_PASSWORD", SIGN_PIN)]
                .iter()
                .map(|(k, v)| (k.to_string(), Zeroizing::new(v.to_string())))
                .collect(),
        ),
    };
    for name in [
        "detect-jpki.apdu",
        "read-public-certs.apdu",
        "pin-status.apdu",
        // Spends tries: allowed because the reader is vpcd's "Virtual PCD …".
        "sign-flow.apdu",
    ] {
        let report = run(&shipped(name), &mut t, &options).unwrap();
        assert!(report.passed, "{name}:\n{report}");
        assert_eq!(report.reader, READER);
    }
}
