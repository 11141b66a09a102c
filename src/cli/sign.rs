//! `mynacard sign FILE`: a signature made on the card, as CMS detached SignedData (default)
//! or raw PKCS#1 v1.5, written atomically; nothing is written when the card fails. Order:
//! refuse an existing output, hash the file, read and validate the PIN, and only then open
//! the card (on a PIN-pad reader the card is opened first and the PIN typed on the pad:
//! `--pinpad`); one VERIFY covers the signer-certificate read and the signature.

use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};

use mynacard::card::jpki::SIGNATURE_LEN;
use mynacard::card::{AuthPin, CardError, CertKind, KeyKind, KeyPin, SignPassword};
use mynacard::sign::{sign_detached_digest, to_pem, CmsError, CmsOptions, HashAlg};

use super::audit_log::AuditNote;
use super::connect::CardClient;
use super::exit::Exit;
use super::output;
use super::pin_entry::{open_with_pin, Entry};
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
    /// Output file (default: FILE.p7s for CMS, FILE.p7s.pem for CMS as PEM, FILE.sig for
    /// raw). Never overwrites an
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

impl KeyArg {
    fn name(self) -> &'static str {
        match self {
            KeyArg::Sign => "sign",
            KeyArg::Auth => "auth",
        }
    }
}

impl HashArg {
    /// The algorithm (SHA-1 is not offered: `mynacard::hash` says why).
    pub(crate) fn alg(self) -> HashAlg {
        match self {
            HashArg::Sha256 => HashAlg::Sha256,
            HashArg::Sha384 => HashAlg::Sha384,
            HashArg::Sha512 => HashAlg::Sha512,
        }
    }
}

impl SigFormat {
    pub(super) fn name(self) -> &'static str {
        match self {
            SigFormat::Cms => "cms",
            SigFormat::CmsPem => "cms-pem",
            SigFormat::Raw => "raw",
        }
    }

    /// Suffix of the default output file.
    fn suffix(self) -> &'static str {
        match self {
            SigFormat::Cms => "p7s",
            SigFormat::CmsPem => "p7s.pem",
            SigFormat::Raw => "sig",
        }
    }
}

/// The output path: `-o`, or FILE with the format's suffix appended.
fn output_path(args: &SignArgs) -> PathBuf {
    match &args.output {
        Some(p) => p.clone(),
        None => {
            let mut name = args.file.clone().into_os_string();
            name.push(".");
            name.push(args.format.suffix());
            PathBuf::from(name)
        }
    }
}

/// Refuse an existing output file unless `--force`.
fn check_output(path: &Path, force: bool) -> Result<(), CliError> {
    if !force && path.exists() {
        return Err(CliError::Usage(t!("sign-exists", path = path.display().to_string())));
    }
    Ok(())
}

/// What a signing run produced (no PIN, no holder data).
pub(super) struct Signed {
    /// The bytes to write.
    pub(super) bytes: Vec<u8>,
    /// The signer certificate (DER).
    pub(super) cert: Vec<u8>,
    /// Size of the RSA signature.
    pub(super) signature_len: usize,
}

/// A CMS error from the signer's point of view: the card's errors keep their codes, a bad
/// certificate from the card is a card error, the rest cannot happen with a digest we made
/// ourselves and the clock of a working machine.
fn cms_error(e: CmsError<CardError>) -> CliError {
    match e {
        CmsError::Signer(e) => CliError::Card(e),
        CmsError::EmptySignature | CmsError::Certificate(_) | CmsError::CertificateNotDer => {
            CliError::Card(CardError::Malformed(e.to_string()))
        }
        other => CliError::Io {
            context: "cannot build the CMS signature".into(),
            source: std::io::Error::other(other.to_string()),
        },
    }
}

/// The signature made by the key `P` unlocks: ONE VERIFY, then (inside the same exclusive
/// transaction) the certificate read and the signature; the security state is cleared at
/// the end.
pub(super) fn sign_on_card<P: KeyPin>(
    client: &mut CardClient,
    audit: &mut AuditNote,
    pin: Entry<P>,
    allow_last_try: bool,
    digest: &[u8],
    hash: HashAlg,
    format: SigFormat,
) -> Result<Signed, CliError> {
    let cert_kind = match P::KEY {
        KeyKind::Sign => CertKind::Sign,
        KeyKind::Auth => CertKind::Auth,
    };
    let mut unlocked = client.unlock(pin.pin(), allow_last_try)?;
    let made = (|| {
        let cert = unlocked.read_certificate(cert_kind)?;
        audit.cert(&cert);
        let (bytes, signature_len) = match format {
            SigFormat::Raw => {
                let di = hash.digest_info(digest).map_err(|e| CliError::Io {
                    context: "cannot build the DigestInfo".into(),
                    source: std::io::Error::other(e.to_string()),
                })?;
                let sig = unlocked.sign(&di)?;
                let len = sig.len();
                (sig, len)
            }
            SigFormat::Cms | SigFormat::CmsPem => {
                let opts = CmsOptions { hash, ..CmsOptions::default() };
                let der =
                    sign_detached_digest(digest, &cert, &mut unlocked, &opts).map_err(cms_error)?;
                (der, SIGNATURE_LEN)
            }
        };
        Ok::<_, CliError>(Signed { bytes, cert, signature_len })
    })();
    let cleared = unlocked.finish();
    let signed = made?;
    cleared?;
    Ok(signed)
}

/// Hash the file, streaming.
fn hash_file(path: &Path, hash: HashAlg) -> Result<Vec<u8>, CliError> {
    let io = |source| CliError::Io {
        context: t!("io-cannot-read", path = path.display().to_string()),
        source,
    };
    // A regular file or a FIFO (streamed); a device such as /dev/zero never ends.
    super::verify::check_input_in(
        path,
        &t!("io-cannot-read", path = path.display().to_string()),
        true,
    )?;
    let file = std::fs::File::open(path).map_err(io)?;
    hash.digest_reader(file).map_err(io)
}

/// Run `mynacard sign`.
pub fn run(g: &GlobalOpts, args: &SignArgs, audit: &mut AuditNote) -> Result<Exit, CliError> {
    let out = output_path(args);
    check_output(&out, args.force)?;
    let hash = args.hash.alg();
    let digest = hash_file(&args.file, hash)?;
    let allow = args.pin.allow_last_try;
    let signed = match args.key {
        KeyArg::Sign => {
            let (mut client, pin) = open_with_pin(g, audit, &args.pin, SignPassword::new)?;
            sign_on_card(&mut client, audit, pin, allow, &digest, hash, args.format)?
        }
        KeyArg::Auth => {
            let (mut client, pin) = open_with_pin(g, audit, &args.pin, AuthPin::new)?;
            sign_on_card(&mut client, audit, pin, allow, &digest, hash, args.format)?
        }
    };
    let bytes = match args.format {
        SigFormat::CmsPem => to_pem(&signed.bytes)
            .map_err(|e| CliError::Io {
                context: t!("sign-pem-failed"),
                source: std::io::Error::other(e.to_string()),
            })?
            .into_bytes(),
        SigFormat::Cms | SigFormat::Raw => signed.bytes,
    };
    // Checked again: the file may have appeared while the card was working.
    check_output(&out, args.force)?;
    output::write_atomic(&out, &bytes).map_err(|source| CliError::Io {
        context: t!("io-cannot-write", path = out.display().to_string()),
        source,
    })?;
    let cert_sha256 = hex::encode(HashAlg::Sha256.digest(&signed.cert));
    if g.json {
        let doc = serde_json::json!({
            "file": args.file.display().to_string(),
            "output": out.display().to_string(),
            "format": args.format.name(),
            "key": args.key.name(),
            "hash": hash.name(),
            "signer_certificate_sha256": cert_sha256,
            "signature_bytes": signed.signature_len,
            "output_bytes": bytes.len(),
        });
        outln!("{doc}")?;
    } else if !g.quiet {
        let key = match args.key {
            KeyArg::Sign => t!("sign-key-sign"),
            KeyArg::Auth => t!("sign-key-auth"),
        };
        let line = t!(
            "sign-done",
            file = args.file.display().to_string(),
            key = key,
            hash = hash.name(),
            format = args.format.name(),
            output = out.display().to_string(),
            bytes = bytes.len(),
            sha256 = cert_sha256
        );
        outln!("{line}")?;
    }
    Ok(Exit::Success)
}

#[cfg(test)]
mod tests {
    use super::*;
    use mynacard::card::PinKind;

    fn args(file: &str, format: SigFormat, output: Option<&str>) -> SignArgs {
        SignArgs {
            file: file.into(),
            key: KeyArg::Sign,
            hash: HashArg::Sha256,
            format,
            output: output.map(PathBuf::from),
            force: false,
            pin: PinOpts::default(),
        }
    }

    #[test]
    fn default_output_names() {
        assert_eq!(
            output_path(&args("a/doc.pdf", SigFormat::Cms, None)),
            PathBuf::from("a/doc.pdf.p7s")
        );
        assert_eq!(
            output_path(&args("doc.pdf", SigFormat::CmsPem, None)),
            PathBuf::from("doc.pdf.p7s.pem")
        );
        assert_eq!(output_path(&args("doc", SigFormat::Raw, None)), PathBuf::from("doc.sig"));
        assert_eq!(
            output_path(&args("doc", SigFormat::Raw, Some("x.bin"))),
            PathBuf::from("x.bin")
        );
    }

    #[test]
    fn cms_errors_keep_or_get_their_exit_codes() {
        let e =
            cms_error(CmsError::Signer(CardError::WrongPin { kind: PinKind::Sign, tries_left: 2 }));
        assert_eq!(e.exit(), Exit::WrongPin);
        let e = cms_error(CmsError::EmptySignature);
        assert_eq!(e.exit(), Exit::CardError);
        let e = cms_error(CmsError::CertificateNotDer);
        assert_eq!(e.exit(), Exit::CardError);
        let e = cms_error(CmsError::Encode(der::Error::from(der::ErrorKind::Overflow)));
        assert_eq!(e.exit(), Exit::Io);
        assert!(e.to_string().starts_with("cannot build the CMS signature"), "{e}");
    }
}
