//! `mynacard text read`: the card-info-input application (My Number, name, address, birth
//! date, sex). The My Number is masked unless `--reveal`; nothing is written to disk.

use clap::{Args, Subcommand};

use super::exit::Exit;
use super::pin_source::PinOpts;
use super::{CliError, GlobalOpts};

/// `mynacard text`.
#[derive(Debug, Args)]
pub struct TextArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: TextCommand,
}

/// The `text` subcommands.
#[derive(Debug, Subcommand)]
pub enum TextCommand {
    /// Read the My Number and the four basic facts (asks for the text PIN).
    Read(TextReadArgs),
}

/// `mynacard text read`.
#[derive(Debug, Args)]
pub struct TextReadArgs {
    /// Show the whole My Number instead of `********1234`.
    #[arg(long)]
    pub reveal: bool,
    /// Where the text PIN comes from.
    #[command(flatten)]
    pub pin: PinOpts,
}

/// Run `mynacard text …`.
pub fn run(_g: &GlobalOpts, _args: &TextArgs) -> Result<Exit, CliError> {
    Err(CliError::Usage("text: not implemented yet".into()))
}
