//! `mynacard sign FILE`: a signature made on the card, as CMS detached SignedData (default)
//! or raw PKCS#1 v1.5, written atomically; nothing is written when the card fails. Order:
//! refuse an existing output and one that cannot be written (a temporary file is tried in
//! its directory), hash the file, read and validate the PIN, and only then open
//! the card (on a PIN-pad reader the card is opened first and the PIN typed on the pad:
//! `--pinpad`); one VERIFY covers the signer-certificate read and the signature. With
//! `--ltv` and the authentication key, whose certificate is free to read, the card is opened
//! and the certificate checked (`super::ltv`) before the PIN is read.
//!
//! A PDF (`--format pdf`, the default for a `.pdf` file) is signed in place of a detached
//! signature: the file is parsed and checked before the PIN is asked for, and the signature
//! dictionary is sized from the certificate the card returns; `mynacard::pdf::sign` does the
//! PDF work, this module only wires it to the same card path as CMS.

use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};

use mynacard::card::jpki::SIGNATURE_LEN;
use mynacard::card::{AuthPin, CardError, CertKind, KeyKind, KeyPin, SignPassword};
use mynacard::pdf::sign::{PdfSignOptions, Plan, SubFilter, Visible};
use mynacard::sign::{
    sign_detached_digest, sign_detached_digest_pades, to_pem, CmsError, CmsOptions, HashAlg,
};

use super::audit_log::AuditNote;
use super::connect::CardClient;
use super::exit::Exit;
use super::ltv::{Ltv, LtvArgs};
use super::output;
use super::pin_entry::{open_with_pin, open_with_pin_after, Entry};
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
    /// A signed PDF (PAdES B-B by default; see --subfilter), the signature added as an
    /// incremental update.
    Pdf,
}

/// `/SubFilter` of a PDF signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SubFilterArg {
    /// PAdES baseline B-B (ETSI.CAdES.detached).
    Pades,
    /// adbe.pkcs7.detached, for old readers.
    Pkcs7,
}

/// Options of a PDF signature.
#[derive(Debug, Default, Args)]
pub struct PdfArgs {
    /// PDF: the reason for signing (/Reason).
    #[arg(long)]
    pub reason: Option<String>,
    /// PDF: where it was signed (/Location).
    #[arg(long)]
    pub location: Option<String>,
    /// PDF: how to contact the signer (/ContactInfo).
    #[arg(long)]
    pub contact: Option<String>,
    /// PDF: the signer's name as written in the signature dictionary (/Name).
    #[arg(long)]
    pub name: Option<String>,
    /// PDF: a visible signature on PAGE (from 1) at X,Y (lower left, points) of size W,H,
    /// showing the signer's name from the certificate and the time.
    #[arg(long, value_name = "PAGE:X,Y,W,H")]
    pub visible: Option<String>,
    /// PDF: the signature profile.
    #[arg(long, value_enum)]
    pub subfilter: Option<SubFilterArg>,
    /// PAdES B-LT validation data and its sources.
    #[command(flatten)]
    pub ltv: LtvArgs,
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
    /// Output format (default: pdf for a .pdf file, else cms).
    #[arg(long, value_enum)]
    pub format: Option<SigFormat>,
    /// Output file (default: FILE.p7s for CMS, FILE.p7s.pem for CMS as PEM, FILE.sig for
    /// raw, NAME-signed.pdf for a PDF). Never overwrites an
    /// existing file without --force.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Replace an existing output file.
    #[arg(long)]
    pub force: bool,
    /// Where the PIN or password comes from.
    #[command(flatten)]
    pub pin: PinOpts,
    /// PDF signature options.
    #[command(flatten)]
    pub pdf: PdfArgs,
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
            SigFormat::Pdf => "pdf",
        }
    }

    /// Suffix of the default output file.
    fn suffix(self) -> &'static str {
        match self {
            SigFormat::Cms => "p7s",
            SigFormat::CmsPem => "p7s.pem",
            SigFormat::Raw => "sig",
            SigFormat::Pdf => "pdf",
        }
    }
}

/// Whether FILE's name ends in `.pdf` (any case).
fn is_pdf_name(path: &Path) -> bool {
    path.extension().is_some_and(|e| e.eq_ignore_ascii_case("pdf"))
}

/// The format: `--format`, else pdf for a `.pdf` file, else cms.
fn format_of(args: &SignArgs) -> SigFormat {
    match args.format {
        Some(f) => f,
        None if is_pdf_name(&args.file) => SigFormat::Pdf,
        None => SigFormat::Cms,
    }
}

/// The output path: `-o`, or FILE with the format's suffix appended (a PDF: NAME-signed.pdf).
fn output_path(args: &SignArgs) -> PathBuf {
    match &args.output {
        Some(p) => p.clone(),
        None if format_of(args) == SigFormat::Pdf => {
            let stem = args.file.file_stem().map(|s| s.to_os_string()).unwrap_or_default();
            let mut name = stem;
            name.push("-signed.pdf");
            args.file.with_file_name(name)
        }
        None => {
            let mut name = args.file.clone().into_os_string();
            name.push(".");
            name.push(format_of(args).suffix());
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

/// What the card's signature goes into.
#[derive(Clone, Copy)]
pub(super) enum Made {
    /// A raw PKCS#1 v1.5 signature.
    Raw,
    /// CMS with CAdES-BES attributes (signingTime at `time`, or now).
    Cms { time: Option<std::time::SystemTime> },
    /// CMS for PAdES B-B (no signingTime).
    Pades,
}

/// The digest to sign, given the signer certificate read from the card.
pub(super) type DigestOf<'a> = dyn FnMut(&[u8]) -> Result<Vec<u8>, CliError> + 'a;

/// The signature made by the key `P` unlocks: ONE VERIFY, then (inside the same exclusive
/// transaction) the certificate read, the digest (`digest_of`, which may depend on the
/// certificate) and the signature; the security state is cleared at the end.
#[allow(clippy::too_many_arguments)]
pub(super) fn sign_on_card<P: KeyPin>(
    client: &mut CardClient,
    audit: &mut AuditNote,
    pin: Entry<P>,
    allow_last_try: bool,
    digest_of: &mut DigestOf<'_>,
    hash: HashAlg,
    made: Made,
) -> Result<Signed, CliError> {
    let cert_kind = match P::KEY {
        KeyKind::Sign => CertKind::Sign,
        KeyKind::Auth => CertKind::Auth,
    };
    let mut unlocked = client.unlock(pin.pin(), allow_last_try)?;
    let made = (|| {
        let cert = unlocked.read_certificate(cert_kind)?;
        audit.cert(&cert);
        let digest = &digest_of(&cert)?;
        let (bytes, signature_len) = match made {
            Made::Raw => {
                let di = hash.digest_info(digest).map_err(|e| CliError::Io {
                    context: "cannot build the DigestInfo".into(),
                    source: std::io::Error::other(e.to_string()),
                })?;
                let sig = unlocked.sign(&di)?;
                let len = sig.len();
                (sig, len)
            }
            Made::Cms { time } => {
                let opts = CmsOptions { hash, signing_time: time, ..CmsOptions::default() };
                let der =
                    sign_detached_digest(digest, &cert, &mut unlocked, &opts).map_err(cms_error)?;
                (der, SIGNATURE_LEN)
            }
            Made::Pades => {
                let opts = CmsOptions { hash, ..CmsOptions::default() };
                let der = sign_detached_digest_pades(digest, &cert, &mut unlocked, &opts)
                    .map_err(cms_error)?;
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

/// A PDF problem while signing FILE, as an input error naming it.
fn pdf_error(file: &Path, e: mynacard::pdf::PdfError) -> CliError {
    CliError::Io {
        context: t!("sign-pdf-cannot-sign", file = file.display().to_string()),
        source: std::io::Error::new(std::io::ErrorKind::InvalidData, e.to_string()),
    }
}

/// The PDF signature options from the command line.
fn pdf_options(args: &SignArgs) -> Result<PdfSignOptions, CliError> {
    let p = &args.pdf;
    let visible = match &p.visible {
        Some(v) => Some(Visible::parse(v).map_err(|e| CliError::Usage(e.to_string()))?),
        None => None,
    };
    Ok(PdfSignOptions {
        subfilter: match p.subfilter {
            Some(SubFilterArg::Pkcs7) => SubFilter::Pkcs7,
            Some(SubFilterArg::Pades) | None => SubFilter::Pades,
        },
        hash: args.hash.alg(),
        reason: p.reason.clone(),
        location: p.location.clone(),
        contact: p.contact.clone(),
        name: p.name.clone(),
        visible,
        time: std::time::SystemTime::now(),
    })
}

/// Read a PDF to sign (held in memory, bounded like `verify`'s data files), with the same
/// error context as a file that is hashed.
fn read_pdf(path: &Path) -> Result<Vec<u8>, CliError> {
    let context = t!("sign-pdf-cannot-read", file = path.display().to_string());
    super::verify::read_bounded_in(path, &context, "data", super::verify::MAX_DATA_FILE, true)
}

/// Run `mynacard sign`.
pub fn run(g: &GlobalOpts, args: &SignArgs, audit: &mut AuditNote) -> Result<Exit, CliError> {
    let format = format_of(args);
    let p = &args.pdf;
    let pdf_only =
        [&p.reason, &p.location, &p.contact, &p.name, &p.visible].iter().any(|o| o.is_some())
            || p.subfilter.is_some();
    if format != SigFormat::Pdf && pdf_only {
        return Err(CliError::Usage(t!("sign-pdf-only")));
    }
    if format != SigFormat::Pdf && p.ltv.any() {
        return Err(CliError::Usage(t!("sign-ltv-pdf-only")));
    }
    // --ltv: its sources are read and checked before anything else is.
    let ltv = Ltv::from_args(&p.ltv)?;
    if args.format.is_none() && format == SigFormat::Pdf && !g.quiet {
        errln!("{}", t!("sign-pdf-note", file = args.file.display().to_string()));
    }
    let out = output_path(args);
    check_output(&out, args.force)?;
    // Before the PIN is asked for: a signature the card made and that cannot be written is
    // lost (a missing directory, a path under a file, a read-only file system).
    output::check_writable(&out).map_err(|source| CliError::Io {
        context: t!("io-cannot-write", path = out.display().to_string()),
        source,
    })?;
    let hash = args.hash.alg();
    let allow = args.pin.allow_last_try;
    // A PDF is read, parsed and checked before the PIN is asked for.
    let (pdf_bytes, pdf_opts) = if format == SigFormat::Pdf {
        (Some(read_pdf(&args.file)?), Some(pdf_options(args)?))
    } else {
        (None, None)
    };
    let plan = match (&pdf_bytes, &pdf_opts) {
        (Some(b), Some(o)) => Some(Plan::new(b, o).map_err(|e| pdf_error(&args.file, e))?),
        _ => None,
    };
    if let (Some(_), Some(b)) = (&ltv, &pdf_bytes) {
        mynacard::pdf::dss::check_can_add(b).map_err(|e| pdf_error(&args.file, e))?;
    }
    // The validation data, gathered once the card has given its certificate and before it
    // signs: a certificate that is not good by the configured sources spends no signature.
    // The authentication certificate is free to read, so it is checked before the PIN is
    // asked for (`pre`); the signature certificate needs the password first.
    let mut dss = None;
    let pre: std::cell::RefCell<Option<(Vec<u8>, mynacard::pdf::dss::Dss)>> = Default::default();
    let mut prepared = None;
    let digest = match format {
        SigFormat::Pdf => Vec::new(),
        _ => hash_file(&args.file, hash)?,
    };
    let mut digest_of = |cert: &[u8]| -> Result<Vec<u8>, CliError> {
        if let Some(ltv) = &ltv {
            dss = Some(match pre.borrow_mut().take() {
                Some((seen, d)) if seen == cert => d,
                // Not checked yet (the signature key), or the card now gives another
                // certificate than the one checked before the PIN: checked now.
                _ => ltv.collect(cert)?,
            });
        }
        match (&plan, &pdf_opts) {
            (Some(plan), Some(o)) => {
                let p = plan.prepare(cert, o).map_err(|e| pdf_error(&args.file, e))?;
                let d = p.digest(hash);
                prepared = Some(p);
                Ok(d)
            }
            _ => Ok(digest.clone()),
        }
    };
    let made = match (format, &pdf_opts) {
        (SigFormat::Raw, _) => Made::Raw,
        (SigFormat::Pdf, Some(o)) if o.subfilter == SubFilter::Pades => Made::Pades,
        (_, o) => Made::Cms { time: o.as_ref().map(|o| o.time) },
    };
    let signed = match args.key {
        KeyArg::Sign => {
            let (mut client, pin) = open_with_pin(g, audit, &args.pin, SignPassword::new)?;
            sign_on_card(&mut client, audit, pin, allow, &mut digest_of, hash, made)?
        }
        KeyArg::Auth => {
            let (mut client, pin) = match &ltv {
                Some(l) => open_with_pin_after(g, audit, &args.pin, AuthPin::new, |c| {
                    let cert = c.read_certificate(CertKind::Auth)?;
                    let d = l.collect(&cert)?;
                    *pre.borrow_mut() = Some((cert, d));
                    Ok(())
                })?,
                None => open_with_pin(g, audit, &args.pin, AuthPin::new)?,
            };
            sign_on_card(&mut client, audit, pin, allow, &mut digest_of, hash, made)?
        }
    };
    let bytes = match format {
        SigFormat::Pdf => match prepared.take() {
            Some(p) => {
                let (a, b) = p.gap();
                let signed_pdf = p.finish(&signed.bytes).map_err(|e| pdf_error(&args.file, e))?;
                match &dss {
                    Some(dss) => {
                        let hex = signed_pdf.get(a + 1..b - 1).unwrap_or_default();
                        let contents = mynacard::pdf::raw::decode_hex(hex);
                        mynacard::pdf::dss::append_dss(&signed_pdf, dss, &contents)
                            .map_err(|e| pdf_error(&args.file, e))?
                    }
                    None => signed_pdf,
                }
            }
            None => return Err(pdf_error(&args.file, mynacard::pdf::PdfError::NoSignature)),
        },
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
    // Writing can still fail (a full disk, a directory removed meanwhile): the card has
    // made a signature by then, and the message says it was not saved.
    output::write_atomic(&out, &bytes).map_err(|source| CliError::Io {
        context: t!("sign-not-saved", path = out.display().to_string()),
        source,
    })?;
    let cert_sha256 = hex::encode(HashAlg::Sha256.digest(&signed.cert));
    if g.json {
        let doc = serde_json::json!({
            "file": args.file.display().to_string(),
            "output": out.display().to_string(),
            "format": format.name(),
            "key": args.key.name(),
            "hash": hash.name(),
            "signer_certificate_sha256": cert_sha256,
            "signature_bytes": signed.signature_len,
            "output_bytes": bytes.len(),
        });
        let mut doc = doc;
        if let (Some(d), Some(o)) = (&dss, doc.as_object_mut()) {
            o.insert(
                "dss".into(),
                serde_json::json!({
                    "certificates": d.certs.len(),
                    "crls": d.crls.len(),
                    "ocsp_responses": d.ocsps.len(),
                }),
            );
        }
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
            format = format.name(),
            output = out.display().to_string(),
            bytes = bytes.len(),
            sha256 = cert_sha256
        );
        outln!("{line}")?;
        if let Some(d) = &dss {
            let line = t!(
                "sign-ltv-done",
                certs = d.certs.len(),
                crls = d.crls.len(),
                ocsps = d.ocsps.len()
            );
            outln!("{line}")?;
        }
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
            format: Some(format),
            output: output.map(PathBuf::from),
            force: false,
            pin: PinOpts::default(),
            pdf: PdfArgs::default(),
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
