//! `mynacard verify`: a raw PKCS#1 v1.5 or CMS signature over a file, with the certificate
//! path to the pinned roots, the JPKI profile and revocation; and the options shared with
//! `cert verify`. A PDF given alone is checked signature by signature by
//! `mynacard::pdf::verify_pdf` with the same options.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use clap::{Args, ValueEnum};
use der::Decode;
use mynacard::verify::crl::{CrlError, CrlStore};
use mynacard::verify::ocsp::{is_http_url, OcspClient, OcspConfig};
use mynacard::verify::result::bounded;
use mynacard::verify::revocation::Revocation;
use mynacard::verify::{
    AnchorError, HashAlg, Hierarchy, Judgement, RevocationOutcome, RevocationPolicy, TrustAnchor,
    Verdict, VerifyError, VerifyOptions, VerifyReport,
};

use super::exit::Exit;
use super::render;
use super::sign::HashArg;
use super::{CliError, GlobalOpts};

/// Which pinned hierarchy to trust (default: production, for `verify` and `sign --ltv`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum HierarchyArg {
    /// The six J-LIS production roots.
    #[default]
    Production,
    /// Also the J-LIS test-card roots (O=JPKI-TEST).
    Test,
}

/// Revocation policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum RevocationArg {
    /// No authoritative answer → not valid ("revocation unknown").
    Require,
    /// Check; report unknown without failing.
    Prefer,
    /// Do not check (reported every time).
    Off,
}

/// Default `--net-timeout` in seconds (`verify` and `sign --ltv`).
pub const DEFAULT_NET_TIMEOUT: u64 = 20;

/// CertID hash of OCSP requests (default: SHA-1, for `verify` and `sign --ltv`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum OcspHashArg {
    /// SHA-1 (what most responders expect).
    #[default]
    Sha1,
    /// SHA-256.
    Sha256,
}

/// Options shared by `verify` and `cert verify`.
#[derive(Clone, Debug, Args)]
pub struct VerifyOpts {
    /// CRL file or directory (DER or PEM); repeatable.
    #[arg(long, value_name = "PATH")]
    pub crl: Vec<PathBuf>,
    /// OCSP responder `http://` URL, or `aia` to use the certificate's own OCSP URL. Nothing
    /// else is ever contacted. `https://` is refused (no TLS; OCSP answers are signed).
    #[arg(long, value_name = "URL|aia")]
    pub ocsp: Option<String>,
    /// Overall deadline in seconds of each network exchange (connect, send, receive).
    #[arg(long, value_name = "SECONDS", default_value_t = DEFAULT_NET_TIMEOUT,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub net_timeout: u64,
    /// CertID hash for OCSP requests.
    #[arg(long, value_enum, default_value_t = OcspHashArg::default())]
    pub ocsp_hash: OcspHashArg,
    /// Pinned hierarchy to trust.
    #[arg(long, value_enum, default_value_t = HierarchyArg::default())]
    pub hierarchy: HierarchyArg,
    /// Also trust this root certificate (DER or PEM), e.g. the virtual card's; repeatable.
    #[arg(long, value_name = "FILE")]
    pub trust_anchor: Vec<PathBuf>,
    /// Time of judgement: RFC 3339 (`2026-01-02T03:04:05Z`), `now`, or `signing-time`.
    /// Revocation is judged at that time too: only CRLs and OCSP answers current then count.
    #[arg(long, value_name = "TIME", default_value = "now")]
    pub at: String,
    /// Revocation policy.
    #[arg(long, value_enum, default_value_t = RevocationArg::Require)]
    pub revocation: RevocationArg,
}

/// `mynacard verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The signed data, or a signed PDF (then without --signature).
    pub data: PathBuf,
    /// The signature: CMS (DER or PEM; detached or attached) or raw PKCS#1 v1.5 with --cert.
    #[arg(long, value_name = "SIG")]
    pub signature: Option<PathBuf>,
    /// Signer certificate (needed for raw signatures; optional for CMS).
    #[arg(long, value_name = "CERT")]
    pub cert: Option<PathBuf>,
    /// Hash of a raw signature.
    #[arg(long, value_enum, default_value_t = super::sign::HashArg::Sha256)]
    pub hash: HashArg,
    /// Trust, time, revocation.
    #[command(flatten)]
    pub verify: VerifyOpts,
}

/// Run `mynacard verify`.
pub fn run(g: &GlobalOpts, args: &VerifyArgs) -> Result<Exit, CliError> {
    let data = read_file(&args.data, "data")?;
    if args.signature.is_none() && cms_der(&data).is_err() && mynacard::pdf::raw::has_header(&data)
    {
        return run_pdf(g, args, &data);
    }
    let signer_cert = match &args.cert {
        Some(path) => Some(read_certificate(path)?),
        None => None,
    };
    let input = match &args.signature {
        Some(sig_path) => {
            let sig = read_file(sig_path, "signature")?;
            match cms_der(&sig) {
                Ok(cms) => Input::Cms { data: Some(data), cms },
                Err(why) => match &signer_cert {
                    Some(_) if sig.len() == RAW_SIGNATURE_LEN => Input::Raw { data, sig },
                    Some(_) => {
                        return Err(CliError::Input(t!(
                            "verify-neither-cms-nor-raw",
                            path = sig_path.display().to_string(),
                            why = why.to_string(),
                            raw = RAW_SIGNATURE_LEN,
                            bytes = sig.len()
                        )))
                    }
                    None => {
                        return Err(CliError::Input(t!(
                            "verify-not-cms-needs-cert",
                            path = sig_path.display().to_string(),
                            why = why.to_string()
                        )))
                    }
                },
            }
        }
        None => match cms_der(&data) {
            Ok(cms) => Input::Cms { data: None, cms },
            Err(why) => {
                return Err(CliError::Input(t!(
                    "verify-not-attached",
                    path = args.data.display().to_string(),
                    why = why.to_string()
                )))
            }
        },
    };
    let is_cms = matches!(input, Input::Cms { .. });
    let setup = Setup::new(&args.verify, is_cms)?;
    let opts = setup.options();
    let result = match &input {
        Input::Cms { data, cms } => {
            mynacard::verify::verify_cms(data.as_deref(), cms, signer_cert.as_deref(), &opts)
        }
        Input::Raw { data, sig } => {
            let Some(cert) = signer_cert.as_deref() else {
                return Err(CliError::Usage(t!("verify-raw-needs-cert")));
            };
            mynacard::verify::verify_raw(data, sig, cert, args.hash.alg(), &opts)
        }
    };
    let name = match (&input, &args.signature) {
        (Input::Raw { .. }, _) => args.cert.as_deref().unwrap_or(&args.data),
        (_, Some(sig)) => sig.as_path(),
        (_, None) => args.data.as_path(),
    };
    let report = result.map_err(|e| verify_error(name, e))?;
    print_report(g, &report)
}

/// `mynacard verify FILE.pdf`: every signature, text or JSON; the exit code of the worst.
fn run_pdf(g: &GlobalOpts, args: &VerifyArgs, data: &[u8]) -> Result<Exit, CliError> {
    use mynacard::pdf::PdfVerdict;
    if args.cert.is_some() {
        return Err(CliError::Usage(t!("verify-pdf-no-cert")));
    }
    let mut setup = Setup::new(&args.verify, false)?;
    if args.verify.crl.is_empty() && args.verify.ocsp.is_none() {
        setup.use_pdf_dss(&args.data, data);
    }
    let report = mynacard::pdf::verify_pdf(data, &setup.options())
        .map_err(|e| CliError::Input(format!("{}: {e}", args.data.display())))?;
    if g.json {
        outln!("{}", report.to_json())?;
    } else {
        out!("{}", super::report_text::pdf_report(&report))?;
    }
    let revoked = report.signatures.iter().any(|s| {
        s.cms
            .as_ref()
            .is_some_and(|r| matches!(r.revocation.outcome, RevocationOutcome::Revoked { .. }))
    });
    Ok(match report.verdict() {
        PdfVerdict::Valid => Exit::Success,
        PdfVerdict::RevocationUnknown => Exit::RevocationUnknown,
        PdfVerdict::Invalid if revoked => Exit::Revoked,
        PdfVerdict::Modified | PdfVerdict::Invalid => Exit::VerificationFailed,
    })
}

/// Length of a raw RSA-2048 PKCS#1 v1.5 signature.
pub(super) const RAW_SIGNATURE_LEN: usize = 256;

/// What `mynacard verify` was given.
enum Input {
    /// A CMS SignedData (DER), with the content when detached.
    Cms { data: Option<Vec<u8>>, cms: Vec<u8> },
    /// A raw PKCS#1 v1.5 signature over `data`.
    Raw { data: Vec<u8>, sig: Vec<u8> },
}

/// The DER of a CMS ContentInfo given as DER or PEM (`CMS` or `PKCS7` label), or why not.
pub(super) fn cms_der(bytes: &[u8]) -> Result<Vec<u8>, String> {
    let der = if render::looks_like_pem(bytes) {
        let (label, der) = mynacard::verify::pem::decode(bytes).map_err(|e| e.to_string())?;
        if label != "CMS" && label != "PKCS7" {
            return Err(format!("PEM label {}, expected CMS or PKCS7", bounded(label)));
        }
        der
    } else {
        bytes.to_vec()
    };
    cms::content_info::ContentInfo::from_der(&der).map_err(|e| e.to_string())?;
    Ok(der)
}

/// Largest data file `verify` reads (it is held in memory).
pub(super) const MAX_DATA_FILE: u64 = 256 * 1024 * 1024;
/// Largest signature file (a detached CMS or a raw signature, with its certificates).
pub(super) const MAX_SIGNATURE_FILE: u64 = 16 * 1024 * 1024;
/// Largest certificate file (DER or PEM).
pub(super) const MAX_CERTIFICATE_FILE: u64 = 1024 * 1024;

/// What kind of file an input path names, refusing what no input can be: a device (reading
/// `/dev/zero` never ends), a socket, a directory. `fifo_ok`: a FIFO (a pipe, `<(…)`) may be
/// read, with the size bound; else only a regular file, checked before it is opened (opening
/// a FIFO blocks until someone writes).
pub(super) fn check_input(path: &Path, what: &str, fifo_ok: bool) -> Result<(), CliError> {
    let what = super::messages::file_word(what);
    let context = t!("verify-cannot-read-file", what = what, path = path.display().to_string());
    check_input_in(path, &context, fifo_ok)
}

/// [`check_input`] with the error context given whole.
pub(super) fn check_input_in(path: &Path, context: &str, fifo_ok: bool) -> Result<(), CliError> {
    use std::os::unix::fs::FileTypeExt;
    let meta = std::fs::metadata(path)
        .map_err(|source| CliError::Io { context: context.to_string(), source })?;
    let t = meta.file_type();
    if t.is_file() || (fifo_ok && t.is_fifo()) {
        return Ok(());
    }
    let kind = if t.is_dir() {
        t!("file-kind-directory")
    } else if t.is_fifo() {
        t!("file-kind-fifo")
    } else if t.is_char_device() || t.is_block_device() {
        t!("file-kind-device")
    } else {
        t!("file-kind-other")
    };
    Err(CliError::Io {
        context: context.to_string(),
        source: std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            t!("file-not-regular", kind = kind),
        ),
    })
}

/// Read an input file; `what` says which ("data", "signature", "certificate"), and sets the
/// size bound. A device is refused; data may come from a FIFO (read up to the bound).
pub(super) fn read_file(path: &Path, what: &str) -> Result<Vec<u8>, CliError> {
    let (max, fifo_ok) = match what {
        "data" => (MAX_DATA_FILE, true),
        "signature" => (MAX_SIGNATURE_FILE, false),
        _ => (MAX_CERTIFICATE_FILE, false),
    };
    let context = t!(
        "verify-cannot-read-file",
        what = super::messages::file_word(what),
        path = path.display().to_string()
    );
    read_bounded_in(path, &context, what, max, fifo_ok)
}

/// Read `path`, a regular file (or a FIFO when `fifo_ok`) of at most `max` bytes, errors
/// under `context`; `what` names the kind of file in the size error. A regular file's size is
/// known before reading: a larger one is refused unread.
pub(super) fn read_bounded_in(
    path: &Path,
    context: &str,
    what: &str,
    max: u64,
    fifo_ok: bool,
) -> Result<Vec<u8>, CliError> {
    use std::io::Read;
    check_input_in(path, context, fifo_ok)?;
    let io = |source| CliError::Io { context: context.to_string(), source };
    let too_large = || {
        io(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            t!("file-too-large", max = max, what = super::messages::file_word(what)),
        ))
    };
    if larger_than(path, max) {
        return Err(too_large());
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path).and_then(|f| f.take(max + 1).read_to_end(&mut bytes)).map_err(io)?;
    if bytes.len() as u64 > max {
        return Err(too_large());
    }
    Ok(bytes)
}

/// Whether `path` is a regular file larger than `max` bytes, from its metadata (a FIFO's
/// size is not known: it is bounded while it is read).
fn larger_than(path: &Path, max: u64) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.len() > max)
}

/// Read a certificate file (DER or PEM) and return its DER; a file that is not a
/// certificate is an input error naming it.
pub(super) fn read_certificate(path: &Path) -> Result<Vec<u8>, CliError> {
    let bytes = read_file(path, "certificate")?;
    render::certificate_der(&bytes, &path.display().to_string())
        .map_err(|e| CliError::Input(e.to_string()))
}

/// A verification error as a CLI error naming the input file.
pub(super) fn verify_error(file: &Path, e: VerifyError) -> CliError {
    match e {
        VerifyError::Anchor(a) => anchor_error(a),
        other => CliError::Input(format!("{}: {other}", file.display())),
    }
}

fn anchor_error(e: AnchorError) -> CliError {
    match e {
        AnchorError::Io { file, source } => CliError::Io {
            context: t!("verify-cannot-read-anchor", path = file.to_string()),
            source,
        },
        other => CliError::Input(other.to_string()),
    }
}

fn crl_error(e: CrlError) -> CliError {
    match e {
        CrlError::Io { file, source } => {
            CliError::Io { context: t!("verify-cannot-read-crl", path = file.to_string()), source }
        }
        other => CliError::Input(format!("CRL: {other}")),
    }
}

/// The revocation sources of `--crl` (files and directories, read now) and `--ocsp` (a URL
/// or `aia`, contacted only when asked about a certificate), shared by `verify`, `cert
/// verify` and `sign --ltv`.
pub(super) fn revocation_sources(
    crl: &[PathBuf],
    ocsp: Option<&str>,
    net_timeout: u64,
    ocsp_hash: OcspHashArg,
    policy: RevocationPolicy,
) -> Result<Revocation, CliError> {
    let mut crls = CrlStore::new();
    for path in crl {
        // A CRL is a regular file (its size is checked before it is read) or a directory
        // of them; a device or a FIFO has no size to check.
        if !std::fs::metadata(path).is_ok_and(|m| m.is_dir()) {
            check_input(path, "CRL", false)?;
        }
        crls.add_path(path).map_err(crl_error)?;
    }
    let mut revocation = Revocation::new(policy).with_crls(crls);
    if let Some(target) = ocsp {
        let shown = bounded(target);
        let mut config = if target == "aia" {
            OcspConfig::from_aia()
        } else if is_http_url(target) {
            OcspConfig::new(target)
        } else if target.get(..8).is_some_and(|s| s.eq_ignore_ascii_case("https://")) {
            return Err(CliError::Usage(t!("verify-ocsp-https", url = shown.to_string())));
        } else {
            return Err(CliError::Usage(t!("verify-ocsp-bad", url = shown.to_string())));
        };
        config.timeout = std::time::Duration::from_secs(net_timeout);
        config.hash = match ocsp_hash {
            OcspHashArg::Sha1 => HashAlg::Sha1,
            OcspHashArg::Sha256 => HashAlg::Sha256,
        };
        revocation = revocation.with_ocsp(OcspClient::new(config));
    }
    Ok(revocation)
}

/// The anchors of `--trust-anchor` files.
pub(super) fn trust_anchors(paths: &[PathBuf]) -> Result<Vec<TrustAnchor>, CliError> {
    paths
        .iter()
        .map(|p| {
            check_input(p, "trust anchor", false)?;
            TrustAnchor::from_file(p).map_err(anchor_error)
        })
        .collect()
}

impl HierarchyArg {
    /// The library's hierarchy.
    pub(super) fn hierarchy(self) -> Hierarchy {
        match self {
            HierarchyArg::Production => Hierarchy::Production,
            HierarchyArg::Test => Hierarchy::Test,
        }
    }
}

/// Everything `VerifyOptions` borrows or holds, built from the command line.
pub(super) struct Setup {
    hierarchy: Hierarchy,
    anchors: Vec<TrustAnchor>,
    at: Judgement,
    policy: RevocationPolicy,
    revocation: Revocation,
}

impl Setup {
    /// Parse the options: anchors, time, CRLs, OCSP. `cms` says whether signing time is
    /// available. Nothing is contacted here.
    pub(super) fn new(o: &VerifyOpts, cms: bool) -> Result<Setup, CliError> {
        let at = parse_at(&o.at, cms)?;
        let anchors = trust_anchors(&o.trust_anchor)?;
        let policy = match o.revocation {
            RevocationArg::Require => RevocationPolicy::Require,
            RevocationArg::Prefer => RevocationPolicy::Prefer,
            RevocationArg::Off => RevocationPolicy::Off,
        };
        let revocation =
            revocation_sources(&o.crl, o.ocsp.as_deref(), o.net_timeout, o.ocsp_hash, policy)?;
        Ok(Setup { hierarchy: o.hierarchy.hierarchy(), anchors, at, policy, revocation })
    }

    /// With no `--crl` nor `--ocsp`: the revocation data of the PDF's document security
    /// store (PAdES B-LT), named `FILE /DSS CRL n` and `FILE /DSS OCSP n`. It is outside every
    /// signature, so it counts only as far as it verifies (CRLs and OCSP responses signed by
    /// the root or its delegated responder, current at the time of judgement); a CRL that
    /// does not parse is left out.
    pub(super) fn use_pdf_dss(&mut self, file: &Path, data: &[u8]) {
        if self.policy == RevocationPolicy::Off {
            return;
        }
        let Some((dss, _)) =
            mynacard::pdf::doc::load(data).ok().and_then(|d| mynacard::pdf::dss::read(&d))
        else {
            return;
        };
        let name = |what: &str, i: usize| format!("{} /DSS {what} {}", file.display(), i + 1);
        let mut crls = CrlStore::new();
        for (i, der) in dss.crls.into_iter().enumerate() {
            let _ = crls.add_bytes(&name("CRL", i), der);
        }
        let ocsps = dss.ocsps.into_iter().enumerate().map(|(i, d)| (name("OCSP", i), d)).collect();
        self.revocation = Revocation::new(self.policy).with_crls(crls).with_stored_ocsp(ocsps);
    }

    /// The verification options borrowing this setup.
    pub(super) fn options(&self) -> VerifyOptions<'_> {
        VerifyOptions {
            hierarchy: self.hierarchy,
            extra_anchors: self.anchors.clone(),
            at: self.at,
            revocation: Some(&self.revocation),
            policy: self.policy,
        }
    }
}

/// `--at`: `now`, `signing-time` (CMS only) or RFC 3339.
fn parse_at(s: &str, cms: bool) -> Result<Judgement, CliError> {
    match s {
        "now" => Ok(Judgement::Now),
        "signing-time" if cms => Ok(Judgement::SigningTime),
        "signing-time" => Err(CliError::Usage(t!("verify-at-signing-time"))),
        other => time::OffsetDateTime::parse(other, &time::format_description::well_known::Rfc3339)
            .map(|t| Judgement::At(SystemTime::from(t)))
            .map_err(|e| {
                CliError::Usage(t!("verify-at-bad", at = bounded(other), why = e.to_string()))
            }),
    }
}

/// The exit code of a report: valid → success, revoked → revoked, revocation unknown →
/// revocation-unknown, anything else → verification-failed.
pub(super) fn report_exit(report: &VerifyReport) -> Exit {
    match report.verdict {
        Verdict::Valid => Exit::Success,
        Verdict::RevocationUnknown => Exit::RevocationUnknown,
        Verdict::Invalid => {
            if matches!(report.revocation.outcome, RevocationOutcome::Revoked { .. }) {
                Exit::Revoked
            } else {
                Exit::VerificationFailed
            }
        }
    }
}

/// Print a report (text, or JSON with `--json`) and return its exit code.
pub(super) fn print_report(g: &GlobalOpts, report: &VerifyReport) -> Result<Exit, CliError> {
    if g.json {
        outln!("{}", report.to_json())?;
    } else {
        out!("{}", super::report_text::report(report))?;
        if let RevocationOutcome::Revoked { reason: Some(reason), .. } = &report.revocation.outcome
        {
            outln!("{}", t!("verify-revocation-reason", reason = reason.clone()))?;
        }
        if report.revocation.policy == RevocationPolicy::Off {
            outln!("{}", t!("verify-revocation-off"))?;
        }
    }
    Ok(report_exit(report))
}
