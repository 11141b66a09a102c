//! Load and faults for `mynacard serve` through pcscd + vpcd (loopback only, bounded in
//! count): LOAD_READERS clients (default 32) read `/v1/card` while LOAD_SIGNERS clients
//! (default 4) sign, LOAD_ROUNDS requests each (default 3): every request answered 200, none
//! lost, no deadlock (each answer within the bounded client timeout). A card pulled
//! mid-signature gives that client a clear error and the next card works. Latency p50/p99
//! and requests per second are printed (and written as JSON to LOAD_REPORT when set);
//! nothing asserts speed. `scripts/load-serve` runs the long pass; scripts/test a short one.
//!
//! Needs a private pcscd: `scripts/with-pcscd cargo test --test serve_load --
//! --test-threads=1`; without `MYNACARD_PCSCD=1` every test prints a notice and passes.

mod common;

use std::time::{Duration, Instant};

use base64ct::{Base64, Encoding};
use common::serve::{request, Events, Service};
use common::*;
use serde_json::json;

fn env_count(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

#[test]
fn readers_and_signers_at_once() {
    if !pcscd_or_skip("readers_and_signers_at_once") {
        return;
    }
    let readers = env_count("LOAD_READERS", 32);
    let signers = env_count("LOAD_SIGNERS", 4);
    let rounds = env_count("LOAD_ROUNDS", 3);
    let _sim = SimServer::start();
    let svc = Service::unix(&["--reader", READER, "--busy-wait-ms", "120000"]);
    let mut events = Events::open(&svc.addr);
    events.wait_for(Duration::from_secs(20), |e| e["event"] == "card_inserted").expect("card");
    let start = Instant::now();
    let mut handles = Vec::new();
    for i in 0..readers + signers {
        let addr = svc.addr.clone();
        let signer = i >= readers;
        handles.push(std::thread::spawn(move || {
            let mut out = Vec::new();
            for r in 0..rounds {
                let t = Instant::now();
                let a = if signer {
                    let doc = Base64::encode_string(format!("doc {i} {r}").as_bytes());
                    let body =
                        json!({ "key": "auth", "format": "raw", "document": doc, "pin": AUTH_PIN });
                    request(&addr, "POST", "/v1/sign", &[], Some(&body.to_string()))
                } else {
                    request(&addr, "GET", "/v1/card", &[], None)
                };
                out.push((
                    signer,
                    a.status,
                    String::from_utf8_lossy(&a.body).into_owned(),
                    t.elapsed(),
                ));
            }
            out
        }));
    }
    let mut all = Vec::new();
    for h in handles {
        all.extend(h.join().expect("client thread"));
    }
    let wall = start.elapsed();
    assert_eq!(all.len(), (readers + signers) * rounds, "lost requests");
    for (signer, status, body, _) in &all {
        assert_eq!(*status, 200, "signer {signer}: {body}");
    }
    let mut lat: Vec<Duration> = all.iter().map(|x| x.3).collect();
    lat.sort();
    let mut card: Vec<Duration> = all.iter().filter(|x| !x.0).map(|x| x.3).collect();
    card.sort();
    let mut sign: Vec<Duration> = all.iter().filter(|x| x.0).map(|x| x.3).collect();
    sign.sort();
    let rps = all.len() as f64 / wall.as_secs_f64();
    let ms = |d: Duration| (d.as_secs_f64() * 1000.0 * 10.0).round() / 10.0;
    let report = json!({
        "readers": readers, "signers": signers, "rounds": rounds, "requests": all.len(),
        "seconds": (wall.as_secs_f64() * 100.0).round() / 100.0,
        "requests_per_second": (rps * 10.0).round() / 10.0,
        "all_ms": { "p50": ms(percentile(&lat, 0.5)), "p99": ms(percentile(&lat, 0.99)) },
        "card_ms": { "p50": ms(percentile(&card, 0.5)), "p99": ms(percentile(&card, 0.99)) },
        "sign_ms": if sign.is_empty() { json!(null) } else {
            json!({ "p50": ms(percentile(&sign, 0.5)), "p99": ms(percentile(&sign, 0.99)) })
        },
    });
    eprintln!("serve load: {report}");
    if let Ok(path) = std::env::var("LOAD_REPORT") {
        std::fs::write(path, report.to_string()).unwrap();
    }
    // Nothing stayed locked: the service still answers at once.
    assert_eq!(svc.get("/v1/card").status, 200);
}

#[test]
fn a_card_pulled_mid_signature_then_the_next_card() {
    if !pcscd_or_skip("a_card_pulled_mid_signature_then_the_next_card") {
        return;
    }
    let sim = SimServer::start_with(&["--profile", "contactless"]);
    let svc = Service::unix(&["--reader", READER]);
    let mut events = Events::open(&svc.addr);
    events.wait_for(Duration::from_secs(20), |e| e["event"] == "card_inserted").expect("card");
    let addr = svc.addr.clone();
    let signer = std::thread::spawn(move || {
        let body = json!({ "document": Base64::encode_string(b"pulled"), "pin": SIGN_PIN });
        request(&addr, "POST", "/v1/sign", &[], Some(&body.to_string()))
    });
    events
        .wait_for(Duration::from_secs(20), |e| e["event"] == "operation_started")
        .expect("operation_started");
    std::thread::sleep(Duration::from_millis(150));
    sim.kill();
    let a = signer.join().unwrap();
    let code = a.code();
    assert!(
        ["no-card", "card-error", "no-reader"].contains(&code.as_str()),
        "status {}: {}",
        a.status,
        String::from_utf8_lossy(&a.body)
    );
    assert!(a.status == 409 || a.status == 502 || a.status == 503, "{}", a.status);
    events
        .wait_for(Duration::from_secs(20), |e| e["event"] == "card_removed")
        .expect("card_removed");
    let _next = SimServer::start_with(&["--profile", "contactless"]);
    events.wait_for(Duration::from_secs(20), |e| e["event"] == "card_inserted").expect("next card");
    let body = json!({ "document": Base64::encode_string(b"next"), "pin": SIGN_PIN });
    let a = svc.post("/v1/sign", body);
    assert_eq!(a.status, 200, "{}", String::from_utf8_lossy(&a.body));
    let outcomes: Vec<_> = svc
        .audit()
        .iter()
        .filter(|r| r["operation"] == "sign")
        .map(|r| r["outcome"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(outcomes.last().map(String::as_str), Some("ok"));
    assert_eq!(outcomes.len(), 2, "{outcomes:?}");
}
