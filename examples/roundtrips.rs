//! Card operations for the round-trip and latency benchmarks (`scripts/bench`).
//!
//! `roundtrips pcsc READER OP [auto|short|extended]` runs one operation through PC/SC with the
//! library's card client; the virtual card counts the commands itself (`mynacard sim serve
//! --counts FILE`), the script diffs the counts before and after. Nothing is counted here.
//!
//! `roundtrips inprocess contact|contactless [RUNS]` runs every operation on the in-process
//! virtual card under that latency profile (`Profile::contact()`: extended length, 5 ms per
//! APDU, 250 ms per signature; `Profile::contactless()`: short APDUs, 20 ms, 400 ms) and
//! prints one tab-separated line per operation: name, commands the card counted, median wall
//! milliseconds over RUNS (default 3).
//!
//! Operations: `cert-auth`, `cert-auth-ca`, `cert-sign-ca`, `cert-sign` (after the signature
//! password), `certs-all` (all four inside one unlocked session), `pins` (the two JPKI
//! counters, what `pkcs15-tool --list-pins` shows), `pins-all` (plus the text
//! application's), `sign` (a SHA-256 DigestInfo with the signature key). PINs are the
//! default image's published test values.

use std::time::{Duration, Instant};

use mynacard::card::{CertKind, Client, LengthMode, PinEntry, PinKind, SignPassword};
use mynacard::sim::card::{Profile, VirtualCard};
use mynacard::sim::image::CardImage;
use mynacard::sim::transport::SharedCard;
use mynacard::transport::pcsc::{PcscTransport, ShareMode};
use mynacard::transport::Transport;
use sha2::{Digest, Sha256};

type Error = Box<dyn std::error::Error>;

const SIGN_PASSWORD: &str = "MYNACARD1";
const OPS: [&str; 8] = [
    "cert-auth",
    "cert-auth-ca",
    "cert-sign-ca",
    "cert-sign",
    "certs-all",
    "pins",
    "pins-all",
    "sign",
];

/// Run one operation; returns the bytes it read or signed (to show the work was done).
fn run<T: Transport>(client: &mut Client<T>, op: &str) -> Result<usize, Error> {
    let password = || SignPassword::new(SIGN_PASSWORD);
    Ok(match op {
        "cert-auth" => client.read_certificate(CertKind::Auth)?.len(),
        "cert-auth-ca" => client.read_certificate(CertKind::AuthCa)?.len(),
        "cert-sign-ca" => client.read_certificate(CertKind::SignCa)?.len(),
        "cert-sign" => client.read_sign_certificate(&password()?, false)?.len(),
        "certs-all" => {
            let mut unlocked = client.unlock(PinEntry::Host(&password()?), false)?;
            let mut total = 0;
            for kind in [CertKind::Auth, CertKind::AuthCa, CertKind::Sign, CertKind::SignCa] {
                total += unlocked.read_certificate(kind)?.len();
            }
            unlocked.finish()?;
            total
        }
        "pins" | "pins-all" => {
            let kinds: &[PinKind] = if op == "pins" {
                &[PinKind::Auth, PinKind::Sign]
            } else {
                &[PinKind::Auth, PinKind::Sign, PinKind::Text]
            };
            for (_, status) in client.pin_statuses(kinds)? {
                status?;
            }
            kinds.len()
        }
        "sign" => {
            let mut digest_info = mynacard::facts::DIGEST_INFO_SHA256.to_vec();
            digest_info.extend_from_slice(&Sha256::digest(b"mynacard benchmark"));
            client.sign(PinEntry::Host(&password()?), &digest_info, false)?.len()
        }
        other => return Err(format!("unknown operation {other:?} (one of {OPS:?})").into()),
    })
}

fn pcsc(args: &[String]) -> Result<(), Error> {
    let (Some(reader), Some(op)) = (args.first(), args.get(1)) else {
        return Err("usage: roundtrips pcsc READER OP [auto|short|extended]".into());
    };
    let mode = match args.get(2).map(String::as_str) {
        None | Some("auto") => LengthMode::Auto,
        Some("short") => LengthMode::Short,
        Some("extended") => LengthMode::Extended,
        Some(other) => return Err(format!("unknown length mode {other:?}").into()),
    };
    let transport = PcscTransport::connect(reader, ShareMode::Shared)?;
    let mut client = Client::with_length_mode(transport, mode);
    let bytes = run(&mut client, op)?;
    println!(
        "{op}\t{bytes} bytes\textended length in use: {}",
        client.link_state().extended_in_use()
    );
    Ok(())
}

fn inprocess(args: &[String]) -> Result<(), Error> {
    let profile = match args.first().map(String::as_str) {
        Some("contact") => Profile::contact(),
        Some("contactless") => Profile::contactless(),
        _ => return Err("usage: roundtrips inprocess contact|contactless [RUNS]".into()),
    };
    let runs: usize = args.get(1).map(|s| s.parse()).transpose()?.unwrap_or(3).max(1);
    for op in OPS {
        let mut times = Vec::with_capacity(runs);
        let mut commands = 0;
        for _ in 0..runs {
            let shared =
                SharedCard::new(VirtualCard::new(CardImage::default_image(), profile.clone()));
            let mut client = Client::new(shared.transport());
            let t0 = Instant::now();
            run(&mut client, op)?;
            times.push(t0.elapsed());
            commands = shared.with_card(|c| c.command_count())?;
        }
        times.sort();
        let median = times.get(times.len() / 2).copied().unwrap_or(Duration::ZERO);
        println!("{op}\t{commands}\t{:.1}", median.as_secs_f64() * 1000.0);
    }
    Ok(())
}

fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("pcsc") => pcsc(&args[1..]),
        Some("inprocess") => inprocess(&args[1..]),
        _ => Err("usage: roundtrips pcsc READER OP [auto|short|extended] | \
                  roundtrips inprocess contact|contactless [RUNS]"
            .into()),
    }
}
