//! `mynacard sign FILE.pdf --ltv`: the PAdES B-LT validation data of the signature, gathered
//! from the revocation sources the user configured with the options `verify` takes (`--crl`,
//! `--ocsp`, `--net-timeout`, `--ocsp-hash`; the same code reads and contacts them) and the
//! trust anchors (`--hierarchy`, `--trust-anchor`). Fail closed: the signer certificate must
//! chain to a trusted root, pass the JPKI profile and be "good" by those sources now, or
//! nothing is signed. The check runs before the card signs: for the authentication key, whose
//! certificate is free to read, before the PIN is even asked for; for the signature key once
//! the password has been verified (the card gives that certificate only then). The store holds the signer certificate and its root, the CRL and the OCSP
//! response that answered (the root is a trust anchor and has no revocation data; a delegated
//! OCSP responder's certificate travels inside its response). `mynacard::pdf::dss` writes it.

use std::cell::RefCell;
use std::path::PathBuf;
use std::time::SystemTime;

use clap::Args;
use der::Decode;
use mynacard::pdf::dss::Dss;
use mynacard::verify::revocation::{Evidence, Revocation};
use mynacard::verify::{
    HashAlg, Hierarchy, Judgement, RevocationChecker, RevocationOutcome, RevocationPolicy,
    TrustAnchor, Verdict, VerifyOptions,
};
use x509_cert::Certificate;

use super::verify::{HierarchyArg, OcspHashArg};
use super::CliError;

/// `--ltv` and its sources (names and meanings as for `verify`).
#[derive(Debug, Default, Args)]
pub struct LtvArgs {
    /// PDF: add PAdES B-LT validation data (a document security store with the signer's
    /// chain and its revocation data from --crl/--ocsp) in an update after the signature;
    /// nothing is signed unless those sources say the signer certificate is good.
    #[arg(long)]
    pub ltv: bool,
    /// --ltv: CRL file or directory (DER or PEM); repeatable.
    #[arg(long, value_name = "PATH")]
    pub crl: Vec<PathBuf>,
    /// --ltv: OCSP responder `http://` URL, or `aia` to use the certificate's own OCSP URL.
    /// Nothing else is ever contacted.
    #[arg(long, value_name = "URL|aia")]
    pub ocsp: Option<String>,
    /// --ltv: overall deadline in seconds of each network exchange [default: 20].
    #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub net_timeout: Option<u64>,
    /// --ltv: CertID hash for OCSP requests [default: sha1].
    #[arg(long, value_enum)]
    pub ocsp_hash: Option<OcspHashArg>,
    /// --ltv: pinned hierarchy to trust [default: production].
    #[arg(long, value_enum)]
    pub hierarchy: Option<HierarchyArg>,
    /// --ltv: also trust this root certificate (DER or PEM), e.g. the virtual card's;
    /// repeatable.
    #[arg(long, value_name = "FILE")]
    pub trust_anchor: Vec<PathBuf>,
}

impl LtvArgs {
    /// Whether any source or trust option is given.
    fn any_source_option(&self) -> bool {
        !self.crl.is_empty()
            || self.ocsp.is_some()
            || self.net_timeout.is_some()
            || self.ocsp_hash.is_some()
            || self.hierarchy.is_some()
            || !self.trust_anchor.is_empty()
    }

    /// Whether anything of `--ltv` is on the command line.
    pub(super) fn any(&self) -> bool {
        self.ltv || self.any_source_option()
    }
}

/// The configured sources and anchors, read before the PIN is asked for.
pub(super) struct Ltv {
    revocation: Revocation,
    hierarchy: Hierarchy,
    anchors: Vec<TrustAnchor>,
}

/// A revocation checker that keeps what the sources answered with, and the issuer asked
/// about (the root the path engine chose).
struct Recording<'a> {
    inner: &'a Revocation,
    got: RefCell<Option<(Certificate, Evidence)>>,
}

impl RevocationChecker for Recording<'_> {
    fn check(&self, cert: &Certificate, issuer: &Certificate, at: SystemTime) -> RevocationOutcome {
        let (outcome, evidence) = self.inner.check_collecting(cert, issuer, at);
        *self.got.borrow_mut() = Some((issuer.clone(), evidence));
        outcome
    }
}

impl Ltv {
    /// The `--ltv` setup, or `None` without `--ltv`. Usage errors (sources without `--ltv`,
    /// `--ltv` without a source) and unreadable CRL or anchor files are found here, before
    /// the card is touched.
    pub(super) fn from_args(a: &LtvArgs) -> Result<Option<Ltv>, CliError> {
        if !a.ltv {
            if a.any_source_option() {
                return Err(CliError::Usage(t!("sign-ltv-sources-need-ltv")));
            }
            return Ok(None);
        }
        if a.crl.is_empty() && a.ocsp.is_none() {
            return Err(CliError::Usage(t!("sign-ltv-no-source")));
        }
        let revocation = super::verify::revocation_sources(
            &a.crl,
            a.ocsp.as_deref(),
            a.net_timeout.unwrap_or(super::verify::DEFAULT_NET_TIMEOUT),
            a.ocsp_hash.unwrap_or_default(),
            RevocationPolicy::Require,
        )?;
        let anchors = super::verify::trust_anchors(&a.trust_anchor)?;
        let hierarchy = a.hierarchy.unwrap_or_default().hierarchy();
        Ok(Some(Ltv { revocation, hierarchy, anchors }))
    }

    /// The validation data for the signer certificate `cert` (DER) as of now, or why there
    /// is none: the certificate does not chain to a trusted root or fails the profile, is
    /// revoked, or no source says it is good.
    pub(super) fn collect(&self, cert: &[u8]) -> Result<Dss, CliError> {
        let who = hex::encode(HashAlg::Sha256.digest(cert));
        let rec = Recording { inner: &self.revocation, got: RefCell::new(None) };
        let opts = VerifyOptions {
            hierarchy: self.hierarchy,
            extra_anchors: self.anchors.clone(),
            at: Judgement::Now,
            revocation: Some(&rec),
            policy: RevocationPolicy::Require,
        };
        let report = mynacard::verify::verify_certificate(cert, &opts).map_err(|e| {
            CliError::Input(t!("sign-ltv-untrusted", sha256 = who.clone(), why = e.to_string()))
        })?;
        match &report.revocation.outcome {
            RevocationOutcome::Revoked { reason, source, .. } => {
                return Err(CliError::Input(t!(
                    "sign-ltv-revoked",
                    sha256 = who,
                    source = source.clone(),
                    reason = reason.clone().unwrap_or_else(|| "-".into())
                )))
            }
            RevocationOutcome::Unknown { why } => {
                return Err(CliError::Input(t!(
                    "sign-ltv-unknown",
                    sha256 = who,
                    why = why.clone()
                )))
            }
            RevocationOutcome::Good { .. } | RevocationOutcome::NotChecked => {}
        }
        let failed = || {
            let why: Vec<String> =
                report.failures.iter().map(|f| super::report_text::failure(f).text()).collect();
            CliError::Input(t!("sign-ltv-untrusted", sha256 = who.clone(), why = why.join("; ")))
        };
        let (Verdict::Valid, Some((issuer, evidence))) = (report.verdict, rec.got.take()) else {
            return Err(failed());
        };
        let store = mynacard::verify::anchors::TrustStore::new(self.hierarchy, &self.anchors)
            .map_err(|e| CliError::Input(e.to_string()))?;
        let root = store
            .anchors()
            .iter()
            .find(|a| *a.certificate() == issuer)
            .map(|a| a.der().to_vec())
            .ok_or_else(failed)?;
        // The root as given must be the certificate the path engine used.
        if Certificate::from_der(&root).ok().as_ref() != Some(&issuer) {
            return Err(failed());
        }
        Ok(Dss { certs: vec![cert.to_vec(), root], crls: evidence.crls, ocsps: evidence.ocsps })
    }
}
