//! Nothing stays verified after `mynacard sign`, through the real PC/SC stack: `mynacard sim
//! serve` → vpcd → pcscd, and a second program (`mynacard apdu run`, its own process)
//! connecting right after, without a VERIFY.
//!
//! The virtual card follows what was measured on real cards (one peer library, [C]): a
//! verification is kept when the same application is selected again, across a warm reset and
//! a reconnect; only leaving the application (another application, the GlobalPlatform ISD)
//! or powering the card off clears it. So the test is first run against the OLD behaviour
//! (VERIFY, re-select JPKI, disconnect leaving the card): the second program CAN read the
//! signature certificate and sign, which proves the check can fail. The card's power events
//! (`sim serve --counts`) show that pcscd did not power the card off in between, so what
//! clears the state in the new run is our ISD select and our `SCARD_UNPOWER_CARD`.
//!
//! Needs a private pcscd: `scripts/with-pcscd cargo test --test security_state_pcsc --
//! --test-threads=1`; without `MYNACARD_PCSCD=1` the test prints a notice and passes.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::cli::*;
use common::*;
use mynacard::transport::pcsc::{PcscTransport, ShareMode};
use mynacard::transport::{Disposition, Transport};

const SELECT_JPKI: &str = "00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01";
const SELECT_ISD: &str = "00 A4 04 0C 07 A0 00 00 01 51 00 00";
/// SHA-256 DigestInfo of an arbitrary hash.
const DIGEST_INFO: &str = "30 31 30 0D 06 09 60 86 48 01 65 03 04 02 01 05 00 04 20 \
    A7 97 60 C8 8C 2B CE 76 50 18 B4 E4 F5 B4 05 A3 9A B6 0C F4 C6 08 19 F9 39 18 54 F3 ED 43 20 06";

/// The second program's script: read 4 bytes of the signature certificate (EF 0001) and sign
/// with the signature key (EF 001A), expecting `answer` to both (no VERIFY is sent).
fn second_program_script(dir: &Path, name: &str, read: &str, sign: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    let script = format!(
        "{SELECT_JPKI} => 90 00\n\
         00 A4 02 0C 02 00 01 => 90 00\n\
         00 B0 00 00 04 => {read}\n\
         00 A4 02 0C 02 00 1A => 90 00\n\
         80 2A 00 80 33 {DIGEST_INFO} 00 => {sign}\n"
    );
    std::fs::write(&path, script).unwrap();
    path
}

/// Whether a second program, its own process, finds the card locked (EF 0001 and the
/// signature key refused with 69 82) or open (both work).
#[derive(Debug, PartialEq, Eq)]
enum SecondProgram {
    Locked,
    Open,
}

fn second_program(dir: &Path) -> SecondProgram {
    let locked = second_program_script(dir, "locked.apdu", "69 82", "69 82");
    let open = second_program_script(dir, "open.apdu", "len 4, 90 00", "len 256, 90 00");
    let locked_ok = pcsc(&["apdu", "run", s(&locked)]).output().unwrap();
    let open_ok = pcsc(&["apdu", "run", s(&open)]).output().unwrap();
    match (locked_ok.status.code(), open_ok.status.code()) {
        (Some(0), Some(7)) => SecondProgram::Locked,
        (Some(7), Some(0)) => SecondProgram::Open,
        other => panic!(
            "second program: exit codes {other:?}\n{}\n{}",
            String::from_utf8_lossy(&locked_ok.stdout),
            String::from_utf8_lossy(&open_ok.stdout)
        ),
    }
}

/// How often vpcd powered the served card off so far (`sim serve --counts`).
fn power_offs(counts: &Path) -> u64 {
    let v: serde_json::Value = serde_json::from_str(&read(counts)).unwrap();
    v["power_off"].as_u64().unwrap_or_else(|| panic!("no power_off in {v}"))
}

/// Wait (bounded) until the card was powered off `want` times; the count it reached.
fn wait_power_offs(counts: &Path, want: u64) -> u64 {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let n = power_offs(counts);
        if n >= want || Instant::now() >= deadline {
            return n;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn tx(t: &mut PcscTransport, apdu: &str) -> Vec<u8> {
    let bytes = hex::decode(apdu.replace(' ', "")).unwrap();
    t.transmit(&bytes).unwrap()
}

/// The old client, through the library: VERIFY the signature password, re-select JPKI (which
/// it believed cleared the state), then end the connection with `disposition`.
fn verify_then_reselect(disposition: Disposition) {
    let mut t = PcscTransport::connect(READER, ShareMode::Exclusive).unwrap();
    assert_eq!(tx(&mut t, SELECT_JPKI), [0x90, 0x00]);
    assert_eq!(tx(&mut t, "00 A4 02 0C 02 00 1B"), [0x90, 0x00]);
    let mut verify = vec![0x00, 0x20, 0x00, 0x80, SIGN_PIN.len() as u8];
    verify.extend_from_slice(SIGN_PIN.as_bytes());
    assert_eq!(t.transmit(&verify).unwrap(), [0x90, 0x00]);
    assert_eq!(tx(&mut t, SELECT_JPKI), [0x90, 0x00]);
    t.disconnect(disposition).unwrap();
}

#[test]
fn nothing_stays_verified_after_sign() {
    if !pcscd_or_skip("nothing_stays_verified_after_sign") {
        return;
    }
    let (dir, doc) = workdir();
    let counts = dir.path().join("counts.json");
    let _sim = SimServer::start_with(&["--counts", s(&counts)]);
    assert_eq!(second_program(dir.path()), SecondProgram::Locked, "a fresh card is locked");

    // OLD behaviour: the re-select does not clear, and a second program can read and sign.
    let before = power_offs(&counts);
    verify_then_reselect(Disposition::Leave);
    assert_eq!(second_program(dir.path()), SecondProgram::Open, "the old client left it open");
    assert_eq!(power_offs(&counts), before, "pcscd did not power the card off in between");
    // A warm reset on disconnect does not clear it either.
    verify_then_reselect(Disposition::Reset);
    assert_eq!(second_program(dir.path()), SecondProgram::Open, "a reset leaves it open");
    assert_eq!(power_offs(&counts), before, "no power-off");

    // Our ISD select alone clears it (no power-off involved).
    let mut t = PcscTransport::connect(READER, ShareMode::Exclusive).unwrap();
    assert_eq!(tx(&mut t, SELECT_ISD), [0x90, 0x00]);
    t.disconnect(Disposition::Leave).unwrap();
    assert_eq!(second_program(dir.path()), SecondProgram::Locked, "the ISD select cleared it");
    assert_eq!(power_offs(&counts), before, "no power-off");

    // Our UNPOWER alone clears it too (the card is powered off exactly once).
    verify_then_reselect(Disposition::Unpower);
    assert_eq!(wait_power_offs(&counts, before + 1), before + 1);
    assert_eq!(second_program(dir.path()), SecondProgram::Locked, "the power-off cleared it");
    let before = power_offs(&counts);
    assert_eq!(before, before.max(1));

    // NEW behaviour: `mynacard sign`, then a second program right after.
    let trace = dir.path().join("sign.trace");
    pcsc(&["sign", s(&doc), "--pin-env", "PW", "--trace", s(&trace)])
        .env("PW", SIGN_PIN)
        .assert()
        .success();
    let t = read(&trace);
    let lines: Vec<&str> = t.lines().map(|l| l.split(" (").next().unwrap_or(l)).collect();
    let tail: Vec<&str> = lines.iter().rev().take(4).copied().collect();
    assert_eq!(
        tail,
        ["# disconnect unpower", "# end exclusive", "< 90 00", &format!("> {SELECT_ISD}")],
        "{t}"
    );
    // Exactly one power-off during the run: ours.
    assert_eq!(wait_power_offs(&counts, before + 1), before + 1, "{t}");
    assert_eq!(second_program(dir.path()), SecondProgram::Locked, "{t}");
    assert!(dir.path().join("doc.txt.p7s").exists());
}

/// The client tolerates a card that answers `6F 00` to the first command after it was
/// powered off (reported by a single source, [C]): two signatures in a row, the second after
/// the first one's UNPOWER.
#[test]
fn sign_twice_on_a_card_that_answers_6f00_after_unpowering() {
    if !pcscd_or_skip("sign_twice_on_a_card_that_answers_6f00_after_unpowering") {
        return;
    }
    let (dir, doc) = workdir();
    let counts = dir.path().join("counts.json");
    let _sim = SimServer::start_with(&["--unpowered-6f00", "--counts", s(&counts)]);
    for i in 0..2 {
        let trace = dir.path().join(format!("{i}.trace"));
        pcsc(&["sign", s(&doc), "--force", "--pin-env", "PW", "--trace", s(&trace)])
            .env("PW", SIGN_PIN)
            .assert()
            .success();
        let t = read(&trace);
        assert!(t.ends_with("# disconnect unpower\n"), "{t}");
        // Each run's first SELECT met the 6F 00 and was sent once more (pcscd powers the card
        // off and on when it is inserted, too).
        let lines: Vec<&str> = t.lines().map(|l| l.split(" (").next().unwrap_or(l)).collect();
        let select = format!("> {SELECT_JPKI}");
        assert_eq!(lines.get(1..5), Some(&[&*select, "< 6F 00", &*select, "< 90 00"][..]), "{t}");
        assert_eq!(lines.iter().filter(|l| l.starts_with("< 6F 00")).count(), 1, "{t}");
    }
    assert!(wait_power_offs(&counts, 2) >= 2);
}
