//! `mynacard verify`: a raw PKCS#1 v1.5 or CMS signature over a file, with the certificate
//! path to the pinned roots, the JPKI profile and revocation; and the options shared with
//! `cert verify`.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::exit::Exit;
use super::{CliError, GlobalOpts};

/// Which pinned hierarchy to trust.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum HierarchyArg {
    /// The six J-LIS production roots.
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

/// CertID hash of OCSP requests.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OcspHashArg {
    /// SHA-1 (what most responders expect).
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
    /// OCSP responder URL, or `aia` to use the certificate's own OCSP URL. Nothing else is
    /// ever contacted.
    #[arg(long, value_name = "URL|aia")]
    pub ocsp: Option<String>,
    /// CertID hash for OCSP requests.
    #[arg(long, value_enum, default_value_t = OcspHashArg::Sha1)]
    pub ocsp_hash: OcspHashArg,
    /// Pinned hierarchy to trust.
    #[arg(long, value_enum, default_value_t = HierarchyArg::Production)]
    pub hierarchy: HierarchyArg,
    /// Also trust this root certificate (DER or PEM), e.g. the virtual card's; repeatable.
    #[arg(long, value_name = "FILE")]
    pub trust_anchor: Vec<PathBuf>,
    /// Time of judgement: RFC 3339 (`2026-01-02T03:04:05Z`), `now`, or `signing-time`.
    #[arg(long, value_name = "TIME", default_value = "now")]
    pub at: String,
    /// Revocation policy.
    #[arg(long, value_enum, default_value_t = RevocationArg::Require)]
    pub revocation: RevocationArg,
}

/// `mynacard verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The signed data.
    pub data: PathBuf,
    /// The signature: CMS (DER or PEM; detached or attached) or raw PKCS#1 v1.5 with --cert.
    #[arg(long, value_name = "SIG")]
    pub signature: Option<PathBuf>,
    /// Signer certificate (needed for raw signatures; optional for CMS).
    #[arg(long, value_name = "CERT")]
    pub cert: Option<PathBuf>,
    /// Hash of a raw signature.
    #[arg(long, value_enum, default_value_t = super::sign::HashArg::Sha256)]
    pub hash: super::sign::HashArg,
    /// Trust, time, revocation.
    #[command(flatten)]
    pub verify: VerifyOpts,
}

/// Run `mynacard verify`.
pub fn run(_g: &GlobalOpts, _args: &VerifyArgs) -> Result<Exit, CliError> {
    Err(CliError::Usage("verify: not implemented yet".into()))
}
