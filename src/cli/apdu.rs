//! `mynacard apdu run SCRIPT` and `mynacard apdu send HEX`: the test-rig commands over
//! [`mynacard::rig`]. `run` plays an APDU script (format in `apdu-scripts/README.md`) and
//! reports every step; `send` sends one command. Both redact VERIFY / CHANGE REFERENCE DATA
//! bodies and `$env:` secrets as `**` in everything they print.
//!
//! Outcome of `run`: exit 0 when every expectation is met; exit `card-error` (7) at the
//! first unmet expectation or failed exchange (the report up to that step is printed, and one
//! line on stderr names the step, what was expected and what was received); exit `usage` (2)
//! for a script that does not parse (`file:line: problem`), a PIN-spending script on a real
//! card without `--allow-pin-tries`, or a missing `$env:` value; nothing is sent then.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use mynacard::rig::{self, RunError, RunOptions, Script};
use mynacard::transport::pcsc::ShareMode;

use super::audit_log::AuditNote;
use super::connect;
use super::exit::Exit;
use super::{CliError, GlobalOpts};

/// `mynacard apdu …`.
#[derive(Debug, Args)]
pub struct ApduArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: ApduCommand,
}

/// The `apdu` subcommands.
#[derive(Debug, Subcommand)]
pub enum ApduCommand {
    /// Run an APDU script (see apdu-scripts/README.md) and report each step.
    Run(RunArgs),
    /// Send one command APDU (hex, `$env:NAME` references, optional `=> expectation`).
    Send(SendArgs),
}

/// `mynacard apdu run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The script file.
    #[arg(value_name = "SCRIPT")]
    pub script: PathBuf,
    /// Run a script that spends PIN tries (`# spends-pin-tries: yes`) on a real card too.
    #[arg(long)]
    pub allow_pin_tries: bool,
}

/// `mynacard apdu send`.
#[derive(Debug, Args)]
pub struct SendArgs {
    /// The command: hex bytes, spaces allowed (several words are joined with spaces).
    #[arg(value_name = "HEX", required = true, num_args = 1.., allow_hyphen_values = false)]
    pub command: Vec<String>,
}

/// Run the command.
pub fn run(g: &GlobalOpts, args: &ApduArgs, audit: &mut AuditNote) -> Result<Exit, CliError> {
    match &args.command {
        ApduCommand::Run(a) => run_script(g, a, audit),
        ApduCommand::Send(a) => send(g, a, audit),
    }
}

/// The CLI error for a runner error.
fn run_error(e: RunError) -> CliError {
    match e {
        RunError::Script(s) => match &s.problem {
            rig::Problem::Io(_) | rig::Problem::NotRegularFile | rig::Problem::FileTooLarge => {
                CliError::Io {
                    context: t!("apdu-reading-script", path = s.file.to_string()),
                    source: std::io::Error::other(s.problem.to_string()),
                }
            }
            _ => CliError::Usage(s.to_string()),
        },
        RunError::Transport(t) => CliError::Transport(t),
        other @ (RunError::Refused { .. }
        | RunError::MissingEnv { .. }
        | RunError::EnvNotAscii { .. }
        | RunError::SecretTooLong { .. }
        | RunError::NotOneCommand) => CliError::Usage(other.to_string()),
    }
}

fn run_script(g: &GlobalOpts, args: &RunArgs, audit: &mut AuditNote) -> Result<Exit, CliError> {
    // Parse before opening anything: a broken script sends nothing.
    let script = Script::load(&args.script).map_err(|e| run_error(e.into()))?;
    let mut transport = connect::open_transport(g, ShareMode::Exclusive, audit)?;
    let options = RunOptions { allow_pin_tries: args.allow_pin_tries, ..RunOptions::default() };
    let report = rig::run(&script, transport.as_mut(), &options).map_err(run_error)?;
    if g.json {
        outln!("{}", report.to_json())?;
    } else if !g.quiet || !report.passed {
        outln!("{report}")?;
    }
    match report.failure() {
        None => Ok(Exit::Success),
        Some(step) => {
            let script = report.script.clone();
            errln!(
                "mynacard: {}",
                t!("apdu-failed-at", script = script, line = step.line, step = step.to_string())
            );
            Ok(Exit::CardError)
        }
    }
}

fn send(g: &GlobalOpts, args: &SendArgs, audit: &mut AuditNote) -> Result<Exit, CliError> {
    let line = args.command.join(" ");
    // Parse before opening anything, so a typo sends nothing. The header stands for "the
    // user typed this VERIFY", as `send_one` itself assumes.
    let script = Script::parse("command line", &format!("# spends-pin-tries: yes\n{line}"))
        .map_err(|mut e| {
            // Line 1 is the header added above.
            e.line = e.line.saturating_sub(1);
            run_error(e.into())
        })?;
    // PINs are never taken from the command line (README): a PIN-carrying command's data
    // must come from the environment, as in scripts.
    let literal = script.actions.iter().any(|a| match a {
        rig::script::Action::Exchange(x) => rig::script::writes_literal_secret(&x.command),
        rig::script::Action::Reset { .. } => false,
    });
    if literal {
        // Why `apdu send` refuses a PIN written in its arguments, and what to do instead.
        return Err(CliError::Usage(t!("apdu-pin-on-command-line")));
    }
    let mut transport = connect::open_transport(g, ShareMode::Exclusive, audit)?;
    let step =
        rig::send_one(&line, transport.as_mut(), &RunOptions::default()).map_err(run_error)?;
    if g.json {
        outln!("{}", serde_json::to_string(&step).unwrap_or_default())?;
    } else if let Some(sw) = &step.sw {
        outln!("> {}", step.command)?;
        match &step.data {
            Some(data) => outln!("< {data} {sw}")?,
            None => outln!("< {sw}")?,
        }
    }
    if let Some(error) = &step.error {
        errln!("mynacard: {}: {error}", step.command);
        return Ok(Exit::CardError);
    }
    if !step.ok {
        let expected = step.expected.clone().unwrap_or_else(|| "-".into());
        let received = step.received.clone().unwrap_or_else(|| "-".into());
        errln!("mynacard: {}", t!("apdu-expected", expected = expected, received = received));
        return Ok(Exit::CardError);
    }
    Ok(Exit::Success)
}
