//! Revocation policy: combines the configured CRL store and OCSP responder into one outcome per
//! certificate, and decides whether that outcome lets verification pass.
//!
//! - [`RevocationPolicy::Require`] (default): only an authoritative "good" passes; no answer is
//!   "revocation unknown" and fails (fail closed, docs/card-facts.md §7).
//! - [`RevocationPolicy::Prefer`]: sources are consulted; unknown is reported but does not fail.
//! - [`RevocationPolicy::Off`]: nothing is consulted; the outcome is "not checked".
//!
//! Order: CRLs first (local files, no traffic); a CRL "revoked" is final. Then OCSP, if
//! configured: its verified good/revoked answer decides. Otherwise a CRL "good" stands. Revoked
//! always fails, whatever the policy. No network traffic except to the configured OCSP URL.
//!
//! Everything is judged at the time of judgement `at` (README.md, "Revocation rules"): a CRL
//! or OCSP answer counts only when it was current at `at`, a revocation dated after `at`
//! revokes only for a compromise ([`super::crl::revokes_at`]), several CRLs of one scope are
//! combined so that none hides another ([`CrlStore::status`]), and duplicate OCSP answers
//! let any revocation win ([`super::ocsp::evaluate_response`]).

use std::fmt;
use std::time::SystemTime;

use x509_cert::Certificate;

use super::crl::{CrlStatus, CrlStore, Reason};
use super::ocsp::{OcspClient, OcspOutcome};
use super::result::{bounded, Timestamp};
use super::{RevocationChecker, RevocationOutcome, RevocationPolicy};

impl RevocationPolicy {
    /// Whether `outcome` lets verification pass under this policy. Revoked never passes.
    pub fn accepts(self, outcome: &RevocationOutcome) -> bool {
        match outcome {
            RevocationOutcome::Good { .. } => true,
            RevocationOutcome::Revoked { .. } => false,
            RevocationOutcome::Unknown { .. } => self == Self::Prefer,
            RevocationOutcome::NotChecked => self == Self::Off,
        }
    }
}

/// Where an authoritative answer came from; rendered into [`RevocationOutcome`]'s `source`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RevocationSource {
    /// A CRL file (or in-memory source name).
    Crl(String),
    /// An OCSP responder URL.
    Ocsp(String),
}

impl fmt::Display for RevocationSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Crl(s) => write!(f, "CRL {s}"),
            Self::Ocsp(u) => write!(f, "OCSP {u}"),
        }
    }
}

/// The name of a CRL reason code as RFC 5280 spells it.
pub fn reason_name(reason: &Reason) -> &'static str {
    match reason {
        Reason::Unspecified => "unspecified",
        Reason::KeyCompromise => "keyCompromise",
        Reason::CaCompromise => "cACompromise",
        Reason::AffiliationChanged => "affiliationChanged",
        Reason::Superseded => "superseded",
        Reason::CessationOfOperation => "cessationOfOperation",
        Reason::CertificateHold => "certificateHold",
        Reason::RemoveFromCRL => "removeFromCRL",
        Reason::PrivilegeWithdrawn => "privilegeWithdrawn",
        Reason::AaCompromise => "aACompromise",
    }
}

/// The configured revocation sources and policy.
#[derive(Debug, Default)]
pub struct Revocation {
    policy: RevocationPolicy,
    crls: CrlStore,
    ocsp: Option<OcspClient>,
}

impl Revocation {
    /// No sources, the given policy.
    pub fn new(policy: RevocationPolicy) -> Self {
        Self { policy, crls: CrlStore::new(), ocsp: None }
    }

    /// Uses these CRLs.
    pub fn with_crls(mut self, crls: CrlStore) -> Self {
        self.crls = crls;
        self
    }

    /// Uses this OCSP client.
    pub fn with_ocsp(mut self, ocsp: OcspClient) -> Self {
        self.ocsp = Some(ocsp);
        self
    }

    /// The policy.
    pub fn policy(&self) -> RevocationPolicy {
        self.policy
    }

    /// Checks and applies the policy: `(outcome, passes)`.
    pub fn evaluate(
        &self,
        cert: &Certificate,
        issuer: &Certificate,
        at: SystemTime,
    ) -> (RevocationOutcome, bool) {
        let outcome = self.check(cert, issuer, at);
        let pass = self.policy.accepts(&outcome);
        (outcome, pass)
    }
}

/// The revocation data behind an outcome, as the sources gave it: the DER of the CRL that
/// answered and the DER OCSPResponse that answered (PAdES B-LT embeds them in a PDF's
/// document security store, so the answer can be checked again later without the sources).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Evidence {
    /// CRLs (DER) that answered.
    pub crls: Vec<Vec<u8>>,
    /// OCSPResponses (DER) that answered.
    pub ocsps: Vec<Vec<u8>>,
}

impl Revocation {
    /// [`RevocationChecker::check`], also returning the data that gave the answer: the CRL
    /// behind a CRL answer, the OCSP response behind an OCSP answer (both when the CRL said
    /// good and OCSP confirmed it).
    pub fn check_collecting(
        &self,
        cert: &Certificate,
        issuer: &Certificate,
        at: SystemTime,
    ) -> (RevocationOutcome, Evidence) {
        let mut evidence = Evidence::default();
        let outcome = self.check_into(cert, issuer, at, Some(&mut evidence));
        (outcome, evidence)
    }

    /// The OCSP answer; a deciding one (good or revoked) kept in `evidence` ("unknown"
    /// decides nothing).
    fn ocsp_keeping(
        client: &OcspClient,
        cert: &Certificate,
        issuer: &Certificate,
        at: SystemTime,
        evidence: Option<&mut Evidence>,
    ) -> OcspOutcome {
        let (outcome, body) = client.check_keeping(cert, issuer, at);
        let decides = matches!(outcome, OcspOutcome::Good { .. } | OcspOutcome::Revoked { .. });
        if let (Some(e), Some(body), true) = (evidence, body, decides) {
            e.ocsps.push(body);
        }
        outcome
    }

    fn check_into(
        &self,
        cert: &Certificate,
        issuer: &Certificate,
        at: SystemTime,
        mut evidence: Option<&mut Evidence>,
    ) -> RevocationOutcome {
        let keep_crl = |source: &str, evidence: &mut Option<&mut Evidence>| {
            if let (Some(e), Some(der)) = (evidence.as_deref_mut(), self.crls.der_of(source)) {
                e.crls.push(der.to_vec());
            }
        };
        if self.policy == RevocationPolicy::Off {
            return RevocationOutcome::NotChecked;
        }
        let mut why: Vec<String> = Vec::new();
        let mut crl_good = None;
        if self.crls.is_empty() {
            why.push("no CRL configured".into());
        } else {
            match self.crls.status(cert, issuer, at) {
                Ok(CrlStatus::Revoked { reason, revocation_time, source }) => {
                    keep_crl(&source, &mut evidence);
                    return RevocationOutcome::Revoked {
                        reason: reason.as_ref().map(|r| reason_name(r).to_string()),
                        time: revocation_time.into(),
                        source: RevocationSource::Crl(source).to_string(),
                    };
                }
                Ok(CrlStatus::Good { crl_this_update, crl_next_update, source }) => {
                    keep_crl(&source, &mut evidence);
                    crl_good = Some(RevocationOutcome::Good {
                        source: RevocationSource::Crl(source).to_string(),
                        this_update: crl_this_update.into(),
                        next_update: Some(crl_next_update.into()),
                    })
                }
                Ok(CrlStatus::Stale { source, this_update, next_update }) => why.push(format!(
                    "CRL {} is not current at {} (thisUpdate {}, nextUpdate {})",
                    bounded(&source),
                    Timestamp(at),
                    Timestamp(this_update),
                    next_update.map_or("none".to_string(), |n| Timestamp(n).to_string())
                )),
                Ok(CrlStatus::Conflicting { listed, not_listed }) => why.push(format!(
                    "CRL {} lists the certificate on certificateHold and CRL {} does not; \
                     their cRLNumbers do not say which is newer",
                    bounded(&listed),
                    bounded(&not_listed)
                )),
                Ok(CrlStatus::NoMatchingCrl) => why.push("no applicable CRL".into()),
                Err(e) => why.push(e.to_string()),
            }
        }
        match &self.ocsp {
            None => why.push("no OCSP responder configured".into()),
            Some(client) => match Self::ocsp_keeping(client, cert, issuer, at, evidence) {
                OcspOutcome::Good { url, this_update, next_update } => {
                    return RevocationOutcome::Good {
                        source: RevocationSource::Ocsp(url).to_string(),
                        this_update: this_update.into(),
                        next_update: next_update.map(Into::into),
                    }
                }
                OcspOutcome::Revoked { url, reason, time } => {
                    return RevocationOutcome::Revoked {
                        reason: reason.as_ref().map(|r| reason_name(r).to_string()),
                        time: time.into(),
                        source: RevocationSource::Ocsp(url).to_string(),
                    }
                }
                OcspOutcome::Unknown { url } => {
                    why.push(format!("OCSP {url} does not know the certificate"))
                }
                OcspOutcome::Error(e) => why.push(e.to_string()),
            },
        }
        crl_good.unwrap_or(RevocationOutcome::Unknown { why: why.join("; ") })
    }
}

impl RevocationChecker for Revocation {
    fn check(&self, cert: &Certificate, issuer: &Certificate, at: SystemTime) -> RevocationOutcome {
        self.check_into(cert, issuer, at, None)
    }
}
