//! `mynacard pin status|change`: retry counters without spending a try, and PIN changes.

use clap::{Args, Subcommand, ValueEnum};

use super::exit::Exit;
use super::pin_source::PinOpts;
use super::{CliError, GlobalOpts};

/// `mynacard pin`.
#[derive(Debug, Args)]
pub struct PinArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: PinCommand,
}

/// Which PIN.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum WhichPin {
    /// Authentication PIN (4 digits, 3 tries).
    Auth,
    /// Signature password (6–16 of A–Z 0–9, 5 tries).
    Sign,
    /// Card-info-input application PIN (4 digits, 3 tries).
    Text,
}

/// The `pin` subcommands.
#[derive(Debug, Subcommand)]
pub enum PinCommand {
    /// Tries left of every PIN (spends no try).
    Status,
    /// Change a PIN: asks for the current one, then the new one twice.
    Change(PinChangeArgs),
}

/// `mynacard pin change`.
#[derive(Debug, Args)]
pub struct PinChangeArgs {
    /// Which PIN.
    #[arg(value_enum)]
    pub which: WhichPin,
    /// Where the current and new PINs come from.
    #[command(flatten)]
    pub pin: PinOpts,
}

/// Run `mynacard pin …`.
pub fn run(_g: &GlobalOpts, _args: &PinArgs) -> Result<Exit, CliError> {
    Err(CliError::Usage("pin: not implemented yet".into()))
}
