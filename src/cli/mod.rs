//! The command line: the clap root ([`Cli`]) with the global options every command shares,
//! the subcommand enum (one module per command group), error-to-exit-code mapping and the
//! rendering of errors as text or JSON. The library decides; this layer parses, asks,
//! renders and picks the exit code (see [`exit::Exit`]).

#[macro_use]
mod output;
#[macro_use]
pub mod i18n;
mod apdu;
mod audit_log;
mod cert;
mod connect;
mod dates;
mod demo;
mod doctor;
pub mod exit;
mod face;
mod generate;
mod help;
mod ltv;
#[macro_use]
pub mod messages;
mod pin;
mod pin_entry;
mod pin_source;
mod readers;
mod render;
// The kiosk service lives in src/serve/ (its own directory), as a child of this module so
// that it reuses the commands' private helpers (PinClient, sign_on_card, counters).
mod report_text;
#[path = "../serve/mod.rs"]
mod serve;
mod sign;
mod sim;
mod status;
mod text;
mod verify;
mod watch;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use mynacard::sim::vpcd::VpcdError;
use mynacard::transport::TransportError;

use exit::Exit;

/// Client for the Japanese My Number Card (個人番号カード) and JPKI, with a virtual card.
#[derive(Debug, Parser)]
#[command(name = "mynacard", version, about, propagate_version = true)]
pub struct Cli {
    /// Options every command accepts.
    #[command(flatten)]
    pub global: GlobalOpts,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command accepts.
#[derive(Debug, Args)]
pub struct GlobalOpts {
    /// Reader to use: exact name, unique part of a name, index from `mynacard readers`,
    /// or `sim` for the in-process virtual card. Default: the only reader holding a card.
    #[arg(long, global = true, env = "MYNACARD_READER", value_name = "NAME|INDEX|sim")]
    pub reader: Option<String>,
    /// Machine-readable JSON output (errors too, as {"error": {...}} on stdout).
    #[arg(long, global = true)]
    pub json: bool,
    /// Write an APDU trace (PINs redacted) to FILE.
    #[arg(long, global = true, value_name = "FILE")]
    pub trace: Option<PathBuf>,
    /// More detail on stderr (repeat for more).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Only errors on stderr.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Append one JSON line per card operation to FILE (time, reader, operation, outcome,
    /// SHA-256 of the certificate used; never a PIN, My Number or holder data).
    #[arg(long, global = true, value_name = "FILE")]
    pub audit_log: Option<PathBuf>,
    /// Seconds to wait for a card to be inserted (default: 30 on a terminal, else 0).
    #[arg(long, global = true, value_name = "SECONDS")]
    pub wait: Option<u64>,
    /// Language of messages and help: `ja` or `en` (default: from LC_ALL, LC_MESSAGES, LANG).
    #[arg(long, global = true, value_enum, value_name = "ja|en")]
    pub lang: Option<i18n::Lang>,
}

impl GlobalOpts {
    /// How long to wait for a card.
    pub fn wait_seconds(&self) -> u64 {
        use std::io::IsTerminal;
        self.wait.unwrap_or(if std::io::stderr().is_terminal() { 30 } else { 0 })
    }
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// List readers, whether a card is present, and its ATR.
    Readers,
    /// The card in the reader: token type and every PIN counter (spends no try).
    Status,
    /// Certificates: read from the card, show or verify a file.
    Cert(cert::CertArgs),
    /// PIN counters and PIN changes.
    Pin(pin::PinArgs),
    /// Sign a file on the card (CMS or raw PKCS#1 v1.5).
    Sign(sign::SignArgs),
    /// The card-info-input application (My Number and the four basic facts).
    Text(text::TextArgs),
    /// The card-face application: the card face, or an age check that reveals nothing else.
    Face(face::FaceArgs),
    /// Verify a signature: certificate path to the pinned roots, JPKI profile, revocation.
    Verify(verify::VerifyArgs),
    /// The main job end to end on the virtual card, with a transcript.
    Demo(demo::DemoArgs),
    /// The virtual card.
    Sim(sim::SimArgs),
    /// Test rigs: run an APDU script, or send one command.
    Apdu(apdu::ApduArgs),
    /// Card and reader events (one JSON object a line with --json) until SIGINT/SIGTERM.
    Watch(watch::WatchArgs),
    /// Check the PC/SC service, readers and card, with a fix for each problem.
    Doctor(doctor::DoctorArgs),
    /// Shell completions (bash, zsh, fish) generated from this command line, on standard output.
    Completions(generate::CompletionsArgs),
    /// The manual page(s), generated from this command line.
    Man(generate::ManArgs),
    /// The kiosk service: HTTP + JSON on a Unix socket (or loopback with a token), card
    /// events, an optional kiosk page (--ui). Until SIGTERM.
    Serve(serve::ServeArgs),
}

/// Why a command failed; each maps to an exit code.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Talking to the reader or card failed.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// The vpcd bridge failed.
    #[error("virtual card bridge: {0}")]
    Vpcd(#[from] VpcdError),
    /// A card image could not be loaded.
    #[error("card image: {0}")]
    Image(String),
    /// The command line asks for something impossible.
    #[error("{0}")]
    Usage(String),
    /// The card refused or failed.
    #[error(transparent)]
    Card(#[from] mynacard::card::CardError),
    /// No PIN could be obtained.
    #[error(transparent)]
    PinSource(#[from] pin_source::PinSourceError),
    /// Input that cannot be verified at all (not a certificate, not a CMS, …).
    #[error("{0}")]
    Input(String),
    /// Standard output cannot be written (a closed pipe, a full device).
    #[error("cannot write to standard output: {0}")]
    Stdout(std::io::Error),
    /// A file or system call failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The failure.
        source: std::io::Error,
    },
}

impl CliError {
    /// The exit code for this error.
    pub fn exit(&self) -> Exit {
        match self {
            CliError::Transport(e) => Exit::from(e),
            CliError::Vpcd(VpcdError::Connect { .. }) => Exit::NoService,
            CliError::Vpcd(VpcdError::CardPoisoned) => Exit::Failure,
            CliError::Image(_) | CliError::Io { .. } | CliError::Stdout(_) => Exit::Io,
            CliError::Usage(_) | CliError::PinSource(_) => Exit::Usage,
            CliError::Card(e) => card_exit(e),
            CliError::Input(_) => Exit::VerificationFailed,
        }
    }
}

impl From<mynacard::card::PinFormatError> for CliError {
    fn from(e: mynacard::card::PinFormatError) -> Self {
        CliError::Card(e.into())
    }
}

/// The exit code of a card error.
fn card_exit(e: &mynacard::card::CardError) -> Exit {
    use mynacard::card::CardError as E;
    match e {
        E::Transport(t) => Exit::from(t),
        E::WrongPin { .. } => Exit::WrongPin,
        E::PinBlocked { .. } => Exit::PinBlocked,
        E::LastTry { .. } => Exit::LastTryRefused,
        E::PinFormat(_) | E::NoPinPad | E::NoPinPadChange | E::PinPadCannotEnter { .. } => {
            Exit::Usage
        }
        E::PinPadTimeout
        | E::PinPadCancelled
        | E::PinPadLength { .. }
        | E::PinPadMismatch { .. } => Exit::PinEntry,
        _ => Exit::CardError,
    }
}

/// Print a failure: one line on stderr, and a JSON error object on stdout with `--json`.
/// Standard output that cannot be written gets nothing more; a closed pipe (its reader went
/// away) is not reported at all.
fn report(g: &GlobalOpts, err: &CliError) -> Exit {
    let exit = err.exit();
    let text = messages::cli_error(err).text();
    if let CliError::Stdout(e) = err {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            errln!("mynacard: {text}");
        }
        return exit;
    }
    errln!("mynacard: {text}");
    if g.json {
        let obj = serde_json::json!({
            "error": { "code": exit.code(), "kind": exit.name(), "message": text }
        });
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{obj}");
    }
    exit
}

/// Parse the command line, run the command, return the exit code.
pub fn main() -> ExitCode {
    use clap::{CommandFactory, FromArgMatches};
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let lang = i18n::Lang::from_args(&args)
        .unwrap_or_else(|| i18n::Lang::from_env(|name| std::env::var(name).ok()));
    i18n::init(lang);
    let parsed = help::localize(Cli::command())
        .try_get_matches_from(&args)
        .and_then(|m| Cli::from_arg_matches(&m));
    let cli = match parsed {
        Ok(cli) => cli,
        Err(e) => {
            // The common parse errors in Japanese (help::parse_error_text); the rest in clap's
            // English, after one Japanese line.
            match (e.use_stderr() && lang == i18n::Lang::Ja, help::parse_error_text(&e)) {
                (true, Some(text)) => {
                    errln!("mynacard: {text}");
                    errln!("{}", t!("clap-see-help"));
                }
                (true, None) => {
                    errln!("mynacard: {}", t!("err-command-line"));
                    let _ = e.print();
                }
                (false, _) => {
                    let _ = e.print();
                }
            }
            return if e.use_stderr() { Exit::Usage.into() } else { Exit::Success.into() };
        }
    };
    let operations = audit_log::operations(&cli.command);
    let audit = match (&cli.global.audit_log, operations.is_empty()) {
        (Some(path), false) => match mynacard::audit::AuditLog::open(path) {
            Ok(log) => Some(log),
            Err(e) => {
                let err = CliError::Io {
                    context: t!("audit-log"),
                    source: std::io::Error::other(e.to_string()),
                };
                return report(&cli.global, &err).into();
            }
        },
        _ => None,
    };
    // What the command used (reader, certificate), noted by the command itself as it goes.
    let mut note = audit_log::AuditNote::default();
    let result = match &cli.command {
        Command::Readers => readers::run(&cli.global),
        Command::Status => status::run(&cli.global, &mut note),
        Command::Cert(args) => cert::run(&cli.global, args, &mut note),
        Command::Pin(args) => pin::run(&cli.global, args, &mut note),
        Command::Sign(args) => sign::run(&cli.global, args, &mut note),
        Command::Text(args) => text::run(&cli.global, args, &mut note),
        Command::Face(args) => face::run(&cli.global, args, &mut note),
        Command::Verify(args) => verify::run(&cli.global, args),
        Command::Demo(args) => demo::run(&cli.global, args),
        Command::Sim(args) => sim::run(&cli.global, args),
        Command::Apdu(args) => apdu::run(&cli.global, args, &mut note),
        Command::Watch(args) => watch::run(&cli.global, args),
        Command::Doctor(args) => doctor::run(&cli.global, args, &mut note),
        Command::Completions(args) => generate::completions(args),
        Command::Man(args) => generate::man(args),
        Command::Serve(args) => serve::run(&cli.global, args),
    };
    let logged = audit.as_ref().map(|log| audit_log::write(log, &operations, &note, &result));
    // What is still buffered must reach standard output, or fail here (not in a panic).
    let result = result.and_then(|exit| {
        std::io::stdout().lock().flush().map_err(CliError::Stdout)?;
        Ok(exit)
    });
    match (result, logged) {
        (Ok(_), Some(Err(e))) => report(&cli.global, &e).into(),
        (Ok(exit), _) => exit.into(),
        (Err(e), _) => report(&cli.global, &e).into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn every_cli_error_has_its_exit_code() {
        let addr = "127.0.0.1:1".parse().unwrap();
        let cases = [
            (CliError::Transport(TransportError::NoService), Exit::NoService),
            (
                CliError::Vpcd(VpcdError::Connect {
                    addr,
                    attempts: 1,
                    source: std::io::Error::other("refused"),
                }),
                Exit::NoService,
            ),
            (CliError::Vpcd(VpcdError::CardPoisoned), Exit::Failure),
            (CliError::Image("x".into()), Exit::Io),
            (CliError::Io { context: "x".into(), source: std::io::Error::other("y") }, Exit::Io),
            (CliError::Stdout(std::io::ErrorKind::BrokenPipe.into()), Exit::Io),
        ];
        for (err, want) in cases {
            assert_eq!(err.exit(), want, "{err}");
        }
    }

    #[test]
    fn card_errors_have_their_exit_codes() {
        use mynacard::card::{CardError as E, PinKind};
        let cases = [
            (E::WrongPin { kind: PinKind::Auth, tries_left: 2 }, Exit::WrongPin),
            (E::PinBlocked { kind: PinKind::Auth }, Exit::PinBlocked),
            (E::LastTry { kind: PinKind::Sign }, Exit::LastTryRefused),
            (E::NoPinPad, Exit::Usage),
            (E::PinPadCannotEnter { kind: PinKind::Sign }, Exit::Usage),
            (E::PinPadTimeout, Exit::PinEntry),
            (E::PinPadCancelled, Exit::PinEntry),
            (E::PinPadLength { kind: PinKind::Text }, Exit::PinEntry),
            (E::PinPadMismatch { kind: PinKind::Auth }, Exit::PinEntry),
            (E::NoPinPadChange, Exit::Usage),
            (E::PinPadRejected, Exit::CardError),
            (
                E::PinPad(mynacard::transport::pinpad::PinPadError::BadAnswer { len: 1 }),
                Exit::CardError,
            ),
            (E::Transport(TransportError::CardRemoved), Exit::NoCard),
            (E::NotJpki, Exit::CardError),
        ];
        for (err, want) in cases {
            assert_eq!(CliError::Card(err).exit(), want);
        }
    }

    #[test]
    fn sim_reader_is_the_in_process_card_and_traces_work() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.trace");
        let g = GlobalOpts {
            reader: Some("sim".into()),
            json: false,
            trace: Some(path.clone()),
            verbose: 0,
            quiet: false,
            audit_log: None,
            wait: None,
            lang: None,
        };
        let mut t = connect::open_transport(
            &g,
            mynacard::transport::pcsc::ShareMode::Shared,
            &mut audit_log::AuditNote::default(),
        )
        .unwrap();
        assert_eq!(t.info().name, "sim");
        let select = mynacard::apdu::Command::select_aid(&mynacard::facts::AID_JPKI);
        assert_eq!(t.transmit(&select.to_bytes().unwrap()).unwrap(), vec![0x90, 0x00]);
        drop(t);
        let trace = std::fs::read_to_string(&path).unwrap();
        assert!(
            trace.starts_with("> 00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01\n< 90 00 ("),
            "{trace}"
        );
    }

    #[test]
    fn a_bad_trace_path_is_an_io_error() {
        let g = GlobalOpts {
            reader: Some("sim".into()),
            json: false,
            trace: Some("/nonexistent-dir/t.trace".into()),
            verbose: 0,
            quiet: false,
            audit_log: None,
            wait: None,
            lang: None,
        };
        let err = connect::open_transport(
            &g,
            mynacard::transport::pcsc::ShareMode::Shared,
            &mut audit_log::AuditNote::default(),
        )
        .err()
        .unwrap();
        assert_eq!(err.exit(), Exit::Io);
        assert!(err.to_string().contains("/nonexistent-dir/t.trace"), "{err}");
    }

    #[test]
    fn global_options_parse_anywhere() {
        let cli =
            Cli::try_parse_from(["mynacard", "readers", "--json", "-vv", "--reader", "1"]).unwrap();
        assert!(cli.global.json);
        assert_eq!(cli.global.verbose, 2);
        assert_eq!(cli.global.reader.as_deref(), Some("1"));
        assert!(Cli::try_parse_from(["mynacard", "-q", "-v", "readers"]).is_err());
    }
}
