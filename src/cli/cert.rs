//! `mynacard cert read|show|verify`: certificates from the card or a file, rendered as text,
//! PEM, DER or JSON; `cert verify` runs the verification layer on a certificate file.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand, ValueEnum};
use mynacard::card::{CardError, CertKind, PinKind, SignPassword};
use mynacard::transport::pcsc::ShareMode;

use super::audit_log::AuditNote;
use super::exit::Exit;
use super::pin_entry::{open_with_pin, Entry};
use super::pin_source::PinOpts;
use super::render::CertSummary;
use super::verify::{self as verify_cmd, Setup, VerifyOpts};
use super::{connect, output, CliError, GlobalOpts};

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
pub fn run(g: &GlobalOpts, args: &CertArgs, audit: &mut AuditNote) -> Result<Exit, CliError> {
    match &args.command {
        CertCommand::Read(a) => read(g, a, audit),
        CertCommand::Show(a) => show(g, a),
        CertCommand::Verify(a) => verify(g, a),
    }
}

/// The format in force: `--json` turns the default text format into JSON; with a binary or
/// PEM format it would mean two documents, so it needs `-o` for the certificate.
fn effective_format(
    g: &GlobalOpts,
    format: CertFormat,
    output: Option<&Path>,
) -> Result<CertFormat, CliError> {
    match (g.json, format, output) {
        (true, CertFormat::Text, _) => Ok(CertFormat::Json),
        (true, CertFormat::Pem | CertFormat::Der, None) => {
            Err(CliError::Usage(t!("cert-json-and-binary")))
        }
        (_, CertFormat::Der, None) if std::io::stdout().is_terminal() => {
            Err(CliError::Usage(t!("cert-der-to-terminal")))
        }
        (_, f, _) => Ok(f),
    }
}

/// The bytes of a rendering.
fn render(der: &[u8], format: CertFormat, name: &str) -> Result<Vec<u8>, CliError> {
    Ok(match format {
        CertFormat::Der => der.to_vec(),
        CertFormat::Pem => output::pem("CERTIFICATE", der).into_bytes(),
        CertFormat::Text => summary(der, name)?.to_string().into_bytes(),
        CertFormat::Json => {
            let mut j = summary(der, name)?.to_json();
            j.push('\n');
            j.into_bytes()
        }
    })
}

fn summary(der: &[u8], name: &str) -> Result<CertSummary, CliError> {
    CertSummary::from_der(der, name).map_err(|e| CliError::Input(e.to_string()))
}

fn format_name(f: CertFormat) -> &'static str {
    match f {
        CertFormat::Text => "text",
        CertFormat::Pem => "pem",
        CertFormat::Der => "der",
        CertFormat::Json => "json",
    }
}

/// Write a rendering to `-o FILE` (atomically) or standard output.
fn emit(
    g: &GlobalOpts,
    der: &[u8],
    format: CertFormat,
    out: Option<&Path>,
    name: &str,
) -> Result<(), CliError> {
    let bytes = render(der, format, name)?;
    match out {
        Some(path) => {
            output::write_atomic(path, &bytes).map_err(|source| CliError::Io {
                context: t!("io-cannot-write", path = path.display().to_string()),
                source,
            })?;
            if g.json {
                let doc = serde_json::json!({
                    "output": path.display().to_string(),
                    "format": format_name(format),
                    "bytes": bytes.len(),
                    "certificate": summary(der, name)?,
                });
                outln!("{doc:#}")?;
            } else if !g.quiet {
                let (path, n) = (path.display().to_string(), bytes.len());
                errln!(
                    "{}",
                    t!("cert-wrote", path = path, bytes = n, format = format_name(format))
                );
            }
        }
        None => output::stdout_bytes(&bytes)?,
    }
    Ok(())
}

fn read(g: &GlobalOpts, a: &CertReadArgs, audit: &mut AuditNote) -> Result<Exit, CliError> {
    let format = effective_format(g, a.format, a.output.as_deref())?;
    let (der, name) = match a.which {
        WhichCert::Sign => {
            // The password is checked for format before the card is opened: a malformed one
            // sends nothing. It has letters, so it is never entered on a PIN pad.
            let (mut client, password) = open_with_pin(g, audit, &a.pin, SignPassword::new)?;
            let Entry::Host(password) = password else {
                return Err(CardError::PinPadCannotEnter { kind: PinKind::Sign }.into());
            };
            let der = client.read_sign_certificate(&password, a.pin.allow_last_try)?;
            audit.cert(&der);
            (der, t!("cert-from-card-sign"))
        }
        which => {
            let (kind, name) = match which {
                WhichCert::Auth => (CertKind::Auth, t!("cert-from-card-auth")),
                WhichCert::AuthCa => (CertKind::AuthCa, t!("cert-from-card-auth-ca")),
                _ => (CertKind::SignCa, t!("cert-from-card-sign-ca")),
            };
            let mut client = connect::open(g, ShareMode::Shared, audit)?;
            let der = client.read_certificate(kind)?;
            audit.cert(&der);
            (der, name)
        }
    };
    // A certificate the card returns must at least parse, whatever the output format.
    summary(&der, &name).map_err(|_| {
        CliError::Card(CardError::Malformed(t!("cert-card-not-der", name = name.clone())))
    })?;
    emit(g, &der, format, a.output.as_deref(), &name)?;
    Ok(Exit::Success)
}

fn show(g: &GlobalOpts, a: &CertShowArgs) -> Result<Exit, CliError> {
    let format = effective_format(g, a.format, None)?;
    let der = verify_cmd::read_certificate(&a.file)?;
    emit(g, &der, format, None, &a.file.display().to_string())?;
    Ok(Exit::Success)
}

fn verify(g: &GlobalOpts, a: &CertVerifyArgs) -> Result<Exit, CliError> {
    let der = verify_cmd::read_certificate(&a.cert)?;
    let setup = Setup::new(&a.verify, false)?;
    let report = mynacard::verify::verify_certificate(&der, &setup.options())
        .map_err(|e| verify_cmd::verify_error(&a.cert, e))?;
    verify_cmd::print_report(g, &report)
}
