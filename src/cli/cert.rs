//! `mynacard cert read|show|verify`: certificates from the card or a file, rendered as text,
//! PEM, DER or JSON; `cert verify` runs the verification layer on a certificate file.

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};

use super::exit::Exit;
use super::pin_source::PinOpts;
use super::verify::VerifyOpts;
use super::{CliError, GlobalOpts};

/// `mynacard cert`.
#[derive(Debug, Args)]
pub struct CertArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: CertCommand,
}

/// The `cert` subcommands.
#[derive(Debug, Subcommand)]
pub enum CertCommand {
    /// Read a certificate from the card (`sign` asks for the signature password).
    Read(CertReadArgs),
    /// Show a certificate file (DER or PEM).
    Show(CertShowArgs),
    /// Verify a certificate file: path to the pinned roots, JPKI profile, revocation.
    Verify(CertVerifyArgs),
}

/// Which certificate of the card.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum WhichCert {
    /// User-authentication certificate (no personal data).
    Auth,
    /// CA certificate of the authentication hierarchy.
    AuthCa,
    /// Signature certificate (holds name, address, birth date, sex; needs the password).
    Sign,
    /// CA certificate of the signature hierarchy.
    SignCa,
}

/// Output format of a certificate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum CertFormat {
    /// Human-readable summary.
    Text,
    /// PEM.
    Pem,
    /// DER (binary: needs -o or a non-terminal stdout).
    Der,
    /// JSON summary.
    Json,
}

/// `mynacard cert read`.
#[derive(Debug, Args)]
pub struct CertReadArgs {
    /// Which certificate.
    #[arg(value_enum)]
    pub which: WhichCert,
    /// Output format (`--json` implies json).
    #[arg(long, value_enum, default_value_t = CertFormat::Text)]
    pub format: CertFormat,
    /// Write to FILE (atomically) instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Where the signature password comes from (only for `sign`).
    #[command(flatten)]
    pub pin: PinOpts,
}

/// `mynacard cert show`.
#[derive(Debug, Args)]
pub struct CertShowArgs {
    /// Certificate file, DER or PEM.
    pub file: PathBuf,
    /// Output format (`--json` implies json).
    #[arg(long, value_enum, default_value_t = CertFormat::Text)]
    pub format: CertFormat,
}

/// `mynacard cert verify`.
#[derive(Debug, Args)]
pub struct CertVerifyArgs {
    /// Certificate file, DER or PEM.
    pub cert: PathBuf,
    /// Trust, time, revocation.
    #[command(flatten)]
    pub verify: VerifyOpts,
}

/// Run `mynacard cert …`.
pub fn run(_g: &GlobalOpts, _args: &CertArgs) -> Result<Exit, CliError> {
    Err(CliError::Usage("cert: not implemented yet".into()))
}
