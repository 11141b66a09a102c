//! `mynacard sign FILE`: a signature made on the card, as CMS detached SignedData (default)
//! or raw PKCS#1 v1.5, written atomically; nothing is written when the card fails.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::exit::Exit;
use super::pin_source::PinOpts;
use super::{CliError, GlobalOpts};

/// Which key signs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum KeyArg {
    /// The signature key (signature password, 6–16 characters).
    Sign,
    /// The authentication key (4-digit PIN).
    Auth,
}

/// Hash algorithm.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum HashArg {
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

/// Signature format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SigFormat {
    /// CMS (RFC 5652) detached SignedData, CAdES-BES attributes, DER.
    Cms,
    /// CMS as PEM.
    CmsPem,
    /// Raw PKCS#1 v1.5 signature (256 bytes).
    Raw,
}

/// `mynacard sign`.
#[derive(Debug, Args)]
pub struct SignArgs {
    /// The file to sign.
    pub file: PathBuf,
    /// Which key signs.
    #[arg(long, value_enum, default_value_t = KeyArg::Sign)]
    pub key: KeyArg,
    /// Hash algorithm.
    #[arg(long, value_enum, default_value_t = HashArg::Sha256)]
    pub hash: HashArg,
    /// Output format.
    #[arg(long, value_enum, default_value_t = SigFormat::Cms)]
    pub format: SigFormat,
    /// Output file (default: FILE.p7s for CMS, FILE.sig for raw). Never overwrites an
    /// existing file without --force.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Replace an existing output file.
    #[arg(long)]
    pub force: bool,
    /// Where the PIN or password comes from.
    #[command(flatten)]
    pub pin: PinOpts,
}

/// Run `mynacard sign`.
pub fn run(_g: &GlobalOpts, _args: &SignArgs) -> Result<Exit, CliError> {
    Err(CliError::Usage("sign: not implemented yet".into()))
}
