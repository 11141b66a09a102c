//! The fault matrix (docs/robustness.md, "Fault matrix"): every card operation of the command
//! line × every fault of the virtual card × every position k of its commands, generated, not
//! written by hand.
//!
//! Each operation is first run fault-free on a fresh in-process virtual card to learn its
//! output and its number of commands N; then, for every fault kind and every k in 1..=N, on a
//! fresh card whose k-th command is struck. Each operation makes exactly the library calls its
//! command makes (`src/cli/`), and ends the way its command ends: commands that verify a PIN
//! through `PinClient` disconnect with `Unpower`, the others just drop the client. A case
//! passes when:
//! - the operation either recovered (its output is byte for byte the fault-free output: a
//!   raw PKCS#1 v1.5 signature is deterministic, and the CMS signing time is fixed) or failed
//!   with an error whose exit code is documented (README "Exit codes": 5 `no-card` or 7
//!   `card-error`; a card fault must never be reported as a wrong or blocked PIN, a missing
//!   application or another card);
//! - the message is non-empty, names the problem, and holds no PIN, code, My Number or other
//!   personal data of the holder;
//! - nothing is output on failure (the commands write files only after the card work, whole,
//!   through a temporary file: the pcscd sample in tests/fault_matrix_pcsc.rs checks `-o`);
//! - no PIN try was spent: every counter starts one below its maximum, and afterwards it is
//!   there still or back at its maximum (a correct VERIFY the card executed), read from the
//!   card's own state, not from the client;
//! - the card is left with nothing verified (the virtual card's security state, parked
//!   verifications of a warm reset included).
//!
//! `FAULT_MATRIX_TABLE=FILE cargo test --test fault_matrix` writes the table of
//! docs/robustness.md to FILE.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use mynacard::apdu::StatusWord;
use mynacard::card::{
    AuthPin, CardError, CardPin, CertKind, CodeA, CodeB, FaceBirthKey, FaceCode, KeyKind, KeyPin,
    PinChange, PinEntry, PinKind, Sex, SignPassword, TextPin,
};
use mynacard::sign::{sign_detached_digest, CmsError, CmsOptions, HashAlg};
use mynacard::sim::card::{Fault, FaultKind, Profile, VirtualCard};
use mynacard::sim::image::{CardImage, SIM_AUTH_PIN, SIM_SIGN_PIN, SIM_TEXT_PIN};
use mynacard::sim::pki::Holder;
use mynacard::sim::transport::VirtualTransport;
use mynacard::transport::{Disposition, Transport, TransportError};

type Client = mynacard::card::Client<VirtualTransport>;

/// 照合番号A of the default image: its holder's My Number.
const CODE_A: &str = "123456789018";
/// 照合番号B of the default image: birth date, expiry year, security code.
const CODE_B: (&str, &str, &str) = ("19900515", "2035", "7251");
const BIRTH: &str = "19900515";
/// New PINs of the `pin change` operations.
const NEW_AUTH_PIN: &str = "5678";
const NEW_SIGN_PIN: &str = "NEWPASS9";
const NEW_TEXT_PIN: &str = "8765";
const DOCUMENT: &[u8] = b"the document the fault matrix signs\n";

/// How a command ends (src/cli/connect.rs): `PinClient` disconnects with `Unpower`; the
/// other commands drop the client.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum End {
    Unpower,
    Drop,
}

/// Why an operation failed: the card layer's error (mapped to an exit code by the CLI), or
/// anything else (never acceptable for a card fault).
#[derive(Debug)]
enum Failure {
    Card(CardError),
    Other(String),
}

impl From<CardError> for Failure {
    fn from(e: CardError) -> Self {
        Failure::Card(e)
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Card(e) => write!(f, "{e}"),
            Failure::Other(s) => write!(f, "{s}"),
        }
    }
}

type Run = fn(&mut Client) -> Result<Vec<u8>, Failure>;

/// One card operation: the command line it stands for, how that command ends, and the
/// library calls it makes.
struct Op {
    cli: &'static str,
    end: End,
    run: Run,
}

fn read_cert(c: &mut Client, kind: CertKind) -> Result<Vec<u8>, Failure> {
    Ok(c.read_certificate(kind)?)
}

fn sign_password() -> SignPassword {
    SignPassword::new(SIM_SIGN_PIN).expect("default password")
}

fn auth_pin() -> AuthPin {
    AuthPin::new(SIM_AUTH_PIN).expect("default PIN")
}

/// As `sign_on_card` in src/cli/sign.rs: one unlock, the certificate, the signature, then
/// `finish` whatever happened.
fn sign_with<P: KeyPin>(c: &mut Client, pin: &P, cms: bool) -> Result<Vec<u8>, Failure> {
    let cert_kind = match P::KEY {
        KeyKind::Sign => CertKind::Sign,
        KeyKind::Auth => CertKind::Auth,
    };
    let hash = HashAlg::Sha256;
    let digest = hash.digest(DOCUMENT);
    let mut unlocked = c.unlock(PinEntry::Host(pin), false)?;
    let made = (|| {
        let cert = unlocked.read_certificate(cert_kind)?;
        if cms {
            let opts = CmsOptions {
                hash,
                signing_time: Some(SystemTime::UNIX_EPOCH + Duration::from_secs(1_780_000_000)),
                ..CmsOptions::default()
            };
            sign_detached_digest(&digest, &cert, &mut unlocked, &opts).map_err(|e| match e {
                CmsError::Signer(e) => Failure::Card(e),
                other => Failure::Other(other.to_string()),
            })
        } else {
            let di = hash.digest_info(&digest).map_err(|e| Failure::Other(e.to_string()))?;
            Ok(unlocked.sign(&di)?)
        }
    })();
    let cleared = unlocked.finish();
    let made = made?;
    cleared?;
    Ok(made)
}

fn change<P: CardPin>(c: &mut Client, old: P, new: P) -> Result<Vec<u8>, Failure> {
    c.change_pin(PinChange::Host { old: &old, new: &new }, false)?;
    Ok(Vec::new())
}

fn face_bytes(d: &mynacard::card::FaceData) -> Vec<u8> {
    let mut out = d.cvc().to_vec();
    out.extend_from_slice(d.face_raw());
    out.extend_from_slice(d.my_number_image_raw().unwrap_or_default());
    out
}

fn ops() -> Vec<Op> {
    vec![
        Op { cli: "cert read auth", end: End::Drop, run: |c| read_cert(c, CertKind::Auth) },
        Op { cli: "cert read auth-ca", end: End::Drop, run: |c| read_cert(c, CertKind::AuthCa) },
        Op {
            cli: "cert read sign",
            end: End::Unpower,
            run: |c| Ok(c.read_sign_certificate(&sign_password(), false)?),
        },
        Op { cli: "cert read sign-ca", end: End::Drop, run: |c| read_cert(c, CertKind::SignCa) },
        Op {
            cli: "pin status",
            end: End::Drop,
            run: |c| Ok(format!("{:?}", c.pin_objects()?).into_bytes()),
        },
        Op {
            cli: "sign --key sign --format raw",
            end: End::Unpower,
            run: |c| sign_with(c, &sign_password(), false),
        },
        Op {
            cli: "sign --key sign --format cms",
            end: End::Unpower,
            run: |c| sign_with(c, &sign_password(), true),
        },
        Op {
            cli: "sign --key auth --format raw",
            end: End::Unpower,
            run: |c| sign_with(c, &auth_pin(), false),
        },
        Op {
            cli: "sign --key auth --format cms",
            end: End::Unpower,
            run: |c| sign_with(c, &auth_pin(), true),
        },
        Op {
            cli: "text read",
            end: End::Unpower,
            run: |c| {
                let pin = TextPin::new(SIM_TEXT_PIN).expect("default PIN");
                // What the command shows: the parsed My Number and attributes (a card
                // answering `6C xx` may legitimately shorten the file's padding).
                let (info, _) = c.read_text_checked(PinEntry::Host(&pin), false)?;
                let a = &info.attributes;
                let shown = [info.my_number.reveal(), &a.name, &a.address, &a.birth_date];
                let sex =
                    [Sex::Male, Sex::Female, Sex::NotApplicable].iter().position(|s| *s == a.sex);
                Ok(format!("{} {sex:?}", shown.join(" ")).into_bytes())
            },
        },
        Op {
            cli: "face read --code a",
            end: End::Drop,
            run: |c| {
                let code = FaceCode::A(CodeA::new(CODE_A).expect("code A"));
                Ok(face_bytes(&c.read_face(&code, false)?))
            },
        },
        Op {
            cli: "face read --code b",
            end: End::Drop,
            run: |c| {
                let (birth, year, code) = CODE_B;
                let code = FaceCode::B(CodeB::compose(birth, year, code).expect("code B"));
                Ok(face_bytes(&c.read_face(&code, false)?))
            },
        },
        Op {
            cli: "face age",
            end: End::Drop,
            run: |c| {
                let key = FaceBirthKey::from_birth_date(BIRTH).expect("birth date");
                let proof = c.read_birth_record(&key, false)?;
                let mut out = proof.cvc().to_vec();
                out.extend_from_slice(proof.raw());
                Ok(out)
            },
        },
        Op {
            cli: "pin change auth",
            end: End::Unpower,
            run: |c| change(c, auth_pin(), AuthPin::new(NEW_AUTH_PIN).expect("new PIN")),
        },
        Op {
            cli: "pin change sign",
            end: End::Unpower,
            run: |c| change(c, sign_password(), SignPassword::new(NEW_SIGN_PIN).expect("new")),
        },
        Op {
            cli: "pin change text",
            end: End::Unpower,
            run: |c| {
                let old = TextPin::new(SIM_TEXT_PIN).expect("default PIN");
                change(c, old, TextPin::new(NEW_TEXT_PIN).expect("new PIN"))
            },
        },
    ]
}

/// The exit code README "Exit codes" documents for a card error under a card fault
/// (src/cli/mod.rs `card_exit` and src/cli/exit.rs): `None` for errors that would mislead
/// (a wrong or blocked PIN, no JPKI application, another token, …).
fn documented_exit(e: &CardError) -> Option<(u8, &'static str)> {
    const CARD_ERROR: (u8, &str) = (7, "card-error");
    match e {
        CardError::Transport(TransportError::CardRemoved) => Some((5, "no-card")),
        CardError::Transport(
            TransportError::Mute | TransportError::Malformed(_) | TransportError::CardReset,
        ) => Some(CARD_ERROR),
        CardError::Unexpected { .. }
        | CardError::Malformed(_)
        | CardError::SecurityStatus { .. }
        | CardError::FileNotFound(_)
        | CardError::TooLong { .. }
        | CardError::TooManyRounds(_)
        | CardError::NotCleared(_)
        | CardError::PinChangeUncertain { .. } => Some(CARD_ERROR),
        _ => None,
    }
}

/// Words one of which a message naming the problem contains.
const PROBLEM_WORDS: [&str; 5] = ["card", "status", "response", "reader", "file"];

/// Strings no message may hold: every PIN and code, and the holder's personal data.
fn secrets() -> Vec<String> {
    let h = Holder::default();
    let mut s: Vec<String> = [
        SIM_AUTH_PIN,
        SIM_SIGN_PIN,
        SIM_TEXT_PIN,
        NEW_AUTH_PIN,
        NEW_SIGN_PIN,
        NEW_TEXT_PIN,
        CODE_A,
        CODE_B.2,
        BIRTH,
        "1990-05-15",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    s.extend([h.name.clone(), h.address.clone(), h.my_number.clone()]);
    s.extend(h.name.split('\u{3000}').map(str::to_string));
    s
}

/// Every PIN's retry counter: (application AID, PIN EF) → (tries left, maximum).
fn counters(card: &VirtualCard) -> BTreeMap<(Vec<u8>, u16), (u8, u8)> {
    let mut out = BTreeMap::new();
    for app in &card.image().apps {
        for (fid, pin) in &app.pins {
            out.insert((app.aid.clone(), *fid), (pin.tries_left, pin.max_tries));
        }
    }
    out
}

/// Every PIN's value (SHA-256, so that no PIN is kept in the clear).
fn pin_values(card: &VirtualCard) -> Vec<Vec<u8>> {
    let values = card.image().apps.iter().flat_map(|a| a.pins.values());
    values.map(|p| HashAlg::Sha256.digest(&p.value)).collect()
}

/// A fresh default card, every counter one below its maximum.
fn fresh_card(image: &CardImage, faults: Vec<Fault>) -> VirtualCard {
    let profile = Profile { extended_length: true, faults, ..Profile::default() };
    let mut card = VirtualCard::new(image.clone(), profile);
    for app in &mut card.image_mut().apps {
        for pin in app.pins.values_mut() {
            pin.tries_left = pin.max_tries.saturating_sub(1).max(1);
        }
    }
    card
}

/// What one run did.
struct Ran {
    result: Result<Vec<u8>, Failure>,
    commands: u64,
    struck: bool,
    before: BTreeMap<(Vec<u8>, u16), (u8, u8)>,
    after: BTreeMap<(Vec<u8>, u16), (u8, u8)>,
    verified_after: Vec<(Vec<u8>, u16)>,
    /// A PIN's value on the card changed.
    pin_changed: bool,
    /// VERIFYs with a PIN the card executed and refused (each spent a try).
    wrong_verifies: usize,
}

fn run(op: &Op, image: &CardImage, fault: Option<Fault>) -> Ran {
    let card = fresh_card(image, fault.into_iter().collect());
    let before = counters(&card);
    let values = pin_values(&card);
    let mut client = Client::new(VirtualTransport::new(card));
    let result = (op.run)(&mut client);
    let shared = client.transport().card().clone();
    let commands = shared.with_card(|c| c.command_count()).expect("card");
    if op.end == End::Unpower {
        // As PinClient's drop: a failure only warns.
        let _ = client.transport_mut().disconnect(Disposition::Unpower);
    }
    drop(client);
    shared
        .with_card(|c| Ran {
            result,
            commands,
            struck: c.history().iter().any(|h| h.fault.is_some()),
            before,
            after: counters(c),
            verified_after: c.verified_pins(),
            pin_changed: pin_values(c) != values,
            wrong_verifies: c
                .history()
                .iter()
                .filter(|h| h.command.starts_with("00200080 **"))
                .filter(|h| matches!(h.sw, Some(StatusWord::TriesLeft(_))))
                .count(),
        })
        .expect("card")
}

/// Every way case `ran` breaks the rules (empty: it passed), and its outcome for the table.
fn judge(ran: &Ran, expected: &[u8], secrets: &[String]) -> (Vec<String>, String) {
    let mut bad = Vec::new();
    if !ran.struck {
        bad.push("the fault never struck".to_string());
    }
    let outcome = match &ran.result {
        Ok(out) if out == expected => "recovered".to_string(),
        Ok(_) => {
            bad.push("succeeded with an output that differs from the fault-free one".into());
            "wrong output".to_string()
        }
        Err(e) => {
            let message = e.to_string();
            let debug = format!("{e:?}");
            if message.trim().is_empty() {
                bad.push("empty message".into());
            }
            if !PROBLEM_WORDS.iter().any(|w| message.to_lowercase().contains(w)) {
                bad.push(format!("message does not name the problem: {message:?}"));
            }
            for s in secrets {
                if message.contains(s.as_str()) || debug.contains(s.as_str()) {
                    bad.push(format!(
                        "message or Debug holds a secret or personal datum: {message:?}"
                    ));
                }
            }
            let says_changed = ["may have been changed", "was changed"];
            if ran.pin_changed && !says_changed.iter().any(|w| message.contains(w)) {
                bad.push(format!("the PIN was changed, the message does not say so: {message:?}"));
            }
            match e {
                Failure::Card(ce) => match documented_exit(ce) {
                    Some((code, name)) => format!("exit {code} {name}"),
                    None => {
                        bad.push(format!("undocumented or misleading error: {message}"));
                        "misleading".to_string()
                    }
                },
                Failure::Other(s) => {
                    bad.push(format!("not a card error: {s}"));
                    "other".to_string()
                }
            }
        }
    };
    for (pin, &(before, _)) in &ran.before {
        let (after, max) = ran.after.get(pin).copied().unwrap_or((0, 0));
        if after != before && after != max {
            bad.push(format!(
                "PIN {:04X}: {before} tries before, {after} after (max {max})",
                pin.1
            ));
        }
    }
    if ran.wrong_verifies > 0 {
        bad.push(format!("{} VERIFY with a wrong PIN executed by the card", ran.wrong_verifies));
    }
    if !ran.verified_after.is_empty() {
        let pins: Vec<String> =
            ran.verified_after.iter().map(|(_, f)| format!("{f:04X}")).collect();
        bad.push(format!("left verified on the card: PIN EF {}", pins.join(", ")));
    }
    (bad, outcome)
}

/// Results of one operation: per fault kind (cases, passes); outcomes; failures.
#[derive(Default)]
struct Row {
    n: u64,
    per_kind: BTreeMap<usize, (u32, u32)>,
    outcomes: BTreeMap<String, u32>,
    failures: Vec<String>,
}

fn table(ops: &[Op], rows: &[Row], elapsed: Duration) -> String {
    let mut t = String::new();
    t.push_str("| operation | N | ");
    for k in FaultKind::ALL {
        t.push_str(&format!("{} | ", k.name()));
    }
    t.push_str("cases | passed | outcomes |\n|---|---:|");
    t.push_str(&"---:|".repeat(FaultKind::ALL.len()));
    t.push_str("---:|---:|---|\n");
    let (mut cases, mut passed) = (0, 0);
    for (op, row) in ops.iter().zip(rows) {
        t.push_str(&format!("| `{}` | {} | ", op.cli, row.n));
        let (mut c, mut p) = (0, 0);
        for i in 0..FaultKind::ALL.len() {
            let (ci, pi) = row.per_kind.get(&i).copied().unwrap_or((0, 0));
            t.push_str(&format!("{pi}/{ci} | "));
            c += ci;
            p += pi;
        }
        let outcomes: Vec<String> = row.outcomes.iter().map(|(o, n)| format!("{o}: {n}")).collect();
        t.push_str(&format!("{c} | {p} | {} |\n", outcomes.join(", ")));
        cases += c;
        passed += p;
    }
    t.push_str(&format!(
        "\n{passed} of {cases} cases passed ({} operations × {} fault kinds × every position; \
         {:.1} s on this machine).\n",
        ops.len(),
        FaultKind::ALL.len(),
        elapsed.as_secs_f64()
    ));
    t
}

#[test]
fn readme_documents_the_exit_codes_the_matrix_accepts() {
    let readme = include_str!("../README.md");
    for row in ["| 5 | `no-card` |", "| 7 | `card-error` |"] {
        assert!(readme.contains(row), "README.md lacks {row:?}");
    }
}

#[test]
fn every_operation_works_fault_free_and_leaves_nothing_verified() {
    let image = CardImage::default_image();
    let secrets = secrets();
    for op in ops() {
        let ran = run(&op, &image, None);
        let out = ran.result.as_ref().unwrap_or_else(|e| panic!("{}: {e}", op.cli)).clone();
        assert!(ran.commands > 0, "{}", op.cli);
        if !op.cli.starts_with("pin change") {
            assert!(!out.is_empty(), "{}", op.cli);
        }
        let (bad, outcome) = judge(&Ran { struck: true, ..ran }, &out, &secrets);
        assert!(bad.is_empty(), "{}: {bad:?}", op.cli);
        assert_eq!(outcome, "recovered");
    }
}

/// The judge fails a case for each rule (shown failing here on purpose-made runs).
#[test]
fn the_judge_catches_each_broken_rule() {
    let secrets = secrets();
    let key = (mynacard::facts::AID_JPKI.to_vec(), mynacard::facts::jpki::EF_SIGN_PIN);
    let base = || Ran {
        result: Ok(b"out".to_vec()),
        commands: 3,
        struck: true,
        before: BTreeMap::from([(key.clone(), (4, 5))]),
        after: BTreeMap::from([(key.clone(), (4, 5))]),
        verified_after: Vec::new(),
        pin_changed: false,
        wrong_verifies: 0,
    };
    assert!(judge(&base(), b"out", &secrets).0.is_empty());
    assert!(judge(
        &Ran { after: BTreeMap::from([(key.clone(), (5, 5))]), ..base() },
        b"out",
        &secrets
    )
    .0
    .is_empty());
    let broken = [
        Ran { struck: false, ..base() },
        Ran { result: Ok(b"partial".to_vec()), ..base() },
        Ran { after: BTreeMap::from([(key.clone(), (3, 5))]), ..base() },
        Ran { verified_after: vec![key.clone()], ..base() },
        Ran { wrong_verifies: 1, ..base() },
        Ran {
            result: Err(Failure::Card(CardError::Unexpected {
                command: "CHANGE REFERENCE DATA",
                sw: StatusWord::NoPreciseDiagnosis,
            })),
            pin_changed: true,
            ..base()
        },
        Ran {
            result: Err(Failure::Card(CardError::WrongPin { kind: PinKind::Sign, tries_left: 4 })),
            ..base()
        },
        Ran { result: Err(Failure::Card(CardError::NotJpki)), ..base() },
        Ran {
            result: Err(Failure::Card(CardError::Malformed(format!("x {SIM_SIGN_PIN}")))),
            ..base()
        },
        Ran { result: Err(Failure::Card(CardError::Malformed(CODE_A.into()))), ..base() },
        Ran { result: Err(Failure::Other("cannot build".into())), ..base() },
    ];
    for (i, ran) in broken.iter().enumerate() {
        assert!(!judge(ran, b"out", &secrets).0.is_empty(), "case {i} passed");
    }
}

#[test]
fn fault_matrix() {
    let started = Instant::now();
    let image = CardImage::default_image();
    let secrets = secrets();
    let ops = ops();
    // Fault-free: output and N of every operation.
    let baselines: Vec<(Vec<u8>, u64)> = ops
        .iter()
        .map(|op| {
            let ran = run(op, &image, None);
            let out = ran.result.unwrap_or_else(|e| panic!("{} fault-free: {e}", op.cli));
            (out, ran.commands)
        })
        .collect();
    let mut cases = Vec::new();
    for (o, (_, n)) in baselines.iter().enumerate() {
        for (kind_index, &kind) in FaultKind::ALL.iter().enumerate() {
            for at in 1..=*n {
                cases.push((o, kind_index, Fault { at, kind }));
            }
        }
    }
    let rows: Mutex<Vec<Row>> =
        Mutex::new(baselines.iter().map(|(_, n)| Row { n: *n, ..Row::default() }).collect());
    let next = AtomicUsize::new(0);
    let workers = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).min(4);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(&(o, kind_index, fault)) = cases.get(i) else { break };
                let op = &ops[o];
                let ran = run(op, &image, Some(fault));
                let (bad, outcome) = judge(&ran, &baselines[o].0, &secrets);
                let mut rows = rows.lock().expect("rows");
                let row = &mut rows[o];
                let cell = row.per_kind.entry(kind_index).or_default();
                cell.0 += 1;
                if bad.is_empty() {
                    cell.1 += 1;
                }
                *row.outcomes.entry(outcome).or_default() += 1;
                for b in bad {
                    row.failures.push(format!(
                        "{} with {} at command {}: {b}",
                        op.cli,
                        fault.kind.name(),
                        fault.at
                    ));
                }
            });
        }
    });
    let rows = rows.into_inner().expect("rows");
    let elapsed = started.elapsed();
    let t = table(&ops, &rows, elapsed);
    println!("{t}");
    if let Ok(path) = std::env::var("FAULT_MATRIX_TABLE") {
        std::fs::write(&path, &t).expect("write the table");
    }
    let failures: Vec<&String> = rows.iter().flat_map(|r| &r.failures).collect();
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("\n")
    );
    // docs/robustness.md shows this table: every row must be there as generated.
    let doc = include_str!("../docs/robustness.md");
    let stale: Vec<&str> = t.lines().filter(|l| l.starts_with("| `") && !doc.contains(l)).collect();
    assert!(
        stale.is_empty(),
        "docs/robustness.md's fault matrix table is out of date; regenerate it with \
         FAULT_MATRIX_TABLE=table.md cargo test --test fault_matrix fault_matrix -- --exact:\n{}",
        stale.join("\n")
    );
    let total: u32 = rows.iter().flat_map(|r| r.per_kind.values()).map(|c| c.0).sum();
    assert_eq!(total as usize, cases.len());
}

/// One case of the matrix, with the card's command history:
/// `OP="pin status" KIND=reset AT=4 cargo test --test fault_matrix -- --ignored one_case --nocapture`.
#[test]
#[ignore]
fn one_case() {
    let var = |name: &str| std::env::var(name).unwrap_or_else(|_| panic!("set {name}"));
    let image = CardImage::default_image();
    let ops = ops();
    let op = ops.iter().find(|o| o.cli == var("OP")).expect("OP names an operation");
    let at: u64 = var("AT").parse().expect("AT is a number");
    let kind = FaultKind::ALL.into_iter().find(|k| k.name() == var("KIND")).expect("KIND");
    let card = fresh_card(&image, vec![Fault { at, kind }]);
    let mut client = Client::new(VirtualTransport::new(card));
    match (op.run)(&mut client) {
        Ok(out) => println!("ok, {} bytes", out.len()),
        Err(e) => println!("error: {e}"),
    }
    let card = client.transport().card().clone();
    card.with_card(|c| c.history().iter().for_each(|h| println!("{h:?}"))).expect("card");
}

/// A PIN change the card executed but whose answer was lost (`61 10` with nothing to fetch),
/// and one the card confirmed before the card went: both say the PIN may have been or was
/// changed (before, the first said "unexpected status 69 85 to CHANGE REFERENCE DATA" and
/// the second only that the application could not be left).
#[test]
fn an_uncertain_pin_change_says_so() {
    let image = CardImage::default_image();
    let op = ops().into_iter().find(|o| o.cli == "pin change auth").expect("op");
    // Commands: SELECT JPKI, SELECT EF, VERIFY (status), VERIFY, CHANGE, SELECT ISD.
    let cases = [(5, FaultKind::UnexpectedMoreData, false), (6, FaultKind::Remove, true)];
    for (at, kind, confirmed) in cases {
        let ran = run(&op, &image, Some(Fault { at, kind }));
        assert!(ran.pin_changed, "{kind:?}");
        match ran.result {
            Err(Failure::Card(CardError::PinChangeUncertain {
                kind: PinKind::Auth,
                confirmed: c,
                ref cause,
            })) => {
                assert_eq!(c, confirmed);
                let message = ran.result.as_ref().err().map(|e| e.to_string()).unwrap_or_default();
                if confirmed {
                    assert!(
                        message.starts_with(
                            "the authentication PIN was changed (the card confirmed it), but then:"
                        ),
                        "{message}"
                    );
                    assert!(cause.contains("removed"), "{cause}");
                } else {
                    assert!(
                        message.starts_with("the authentication PIN may have been changed"),
                        "{message}"
                    );
                    assert!(message.ends_with("try the new authentication PIN first"), "{message}");
                    assert_eq!(
                        cause,
                        "unexpected status 69 85 (conditions of use not satisfied) to GET RESPONSE"
                    );
                }
            }
            ref other => panic!("{kind:?}: {other:?}"),
        }
    }
    // A change refused cleanly (not struck) is not uncertain: 6F 00 to the CHANGE.
    let ran = run(&op, &image, Some(Fault { at: 5, kind: FaultKind::NoPreciseDiagnosis }));
    assert!(!ran.pin_changed);
    assert!(matches!(
        ran.result,
        Err(Failure::Card(CardError::Unexpected { command: "CHANGE REFERENCE DATA", .. }))
    ));
}

/// A GET RESPONSE that fails is reported as such, not as the answer of the command it
/// continues (before: "unexpected status 69 85 to SELECT EF").
#[test]
fn a_failed_get_response_is_named() {
    let image = CardImage::default_image();
    let op = ops().into_iter().find(|o| o.cli == "cert read auth").expect("op");
    // Commands: SELECT JPKI, SELECT EF 000A (struck: executed, answered 61 10), GET RESPONSE.
    let ran = run(&op, &image, Some(Fault { at: 2, kind: FaultKind::UnexpectedMoreData }));
    let message = ran.result.err().map(|e| e.to_string()).unwrap_or_default();
    assert_eq!(
        message,
        "unexpected status 69 85 (conditions of use not satisfied) to GET RESPONSE"
    );
}
