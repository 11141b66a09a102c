//! Revocation policy: combines the configured CRL store and OCSP responder into one outcome per
//! certificate, and decides whether that outcome lets verification pass.
//!
//! - [`RevocationPolicy::Require`] (default): only an authoritative "good" passes; no answer is
//!   "revocation unknown" and fails (fail closed, DESIGN.md §5).
//! - [`RevocationPolicy::Prefer`]: sources are consulted; unknown is reported but does not fail.
//! - [`RevocationPolicy::Off`]: nothing is consulted; the outcome is "not checked".
//!
//! Order: CRLs first (local files, no traffic); a CRL "revoked" is final. Then OCSP, if
//! configured: its verified good/revoked answer decides. Otherwise a CRL "good" stands. Revoked
//! always fails, whatever the policy. No network traffic except to the configured OCSP URL.

use std::fmt;
use std::time::SystemTime;

use x509_cert::Certificate;

use super::crl::{CrlStatus, CrlStore, Reason};
use super::ocsp::{OcspClient, OcspOutcome};

/// How revocation checking affects verification.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RevocationPolicy {
    /// An authoritative good answer is required (fail closed).
    #[default]
    Require,
    /// Check, report unknown, but do not fail on it (soft fail, reported).
    Prefer,
    /// Do not check; reported as "not checked".
    Off,
}

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

/// Where an authoritative answer came from.
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

/// Revocation status of one certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RevocationOutcome {
    /// Not revoked according to `source`, whose data dates from `at` (CRL or OCSP thisUpdate).
    Good {
        /// Who said so.
        source: RevocationSource,
        /// thisUpdate of the answer.
        at: SystemTime,
    },
    /// Revoked (any reason, certificateHold included).
    Revoked {
        /// Reason, if given.
        reason: Option<Reason>,
        /// Revocation time.
        time: SystemTime,
        /// Who said so.
        source: RevocationSource,
    },
    /// No authoritative answer: "revocation unknown", with every reason collected.
    Unknown {
        /// Why (all sources' reasons, `; `-separated).
        why: String,
    },
    /// Policy is off: nothing was consulted.
    NotChecked,
}

impl fmt::Display for RevocationOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Good { source, .. } => write!(f, "not revoked ({source})"),
            Self::Revoked { reason, source, .. } => match reason {
                Some(r) => write!(f, "revoked: {r:?} ({source})"),
                None => write!(f, "revoked ({source})"),
            },
            Self::Unknown { why } => write!(f, "revocation unknown: {why}"),
            Self::NotChecked => write!(f, "revocation not checked"),
        }
    }
}

/// Same shape as the verify layer's `RevocationChecker` trait (the lead reconciles the two).
pub trait RevocationChecker {
    /// Revocation status of `cert`, issued by `issuer` (its root), at time `at`.
    fn check(&self, cert: &Certificate, issuer: &Certificate, at: SystemTime) -> RevocationOutcome;
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
        Self {
            policy,
            crls: CrlStore::new(),
            ocsp: None,
        }
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

impl RevocationChecker for Revocation {
    fn check(&self, cert: &Certificate, issuer: &Certificate, at: SystemTime) -> RevocationOutcome {
        if self.policy == RevocationPolicy::Off {
            return RevocationOutcome::NotChecked;
        }
        let mut why: Vec<String> = Vec::new();
        let mut crl_good = None;
        if self.crls.is_empty() {
            why.push("no CRL configured".into());
        } else {
            match self.crls.status(cert, issuer, at) {
                Ok(CrlStatus::Revoked {
                    reason,
                    revocation_time,
                    source,
                }) => {
                    return RevocationOutcome::Revoked {
                        reason,
                        time: revocation_time,
                        source: RevocationSource::Crl(source),
                    }
                }
                Ok(CrlStatus::Good {
                    crl_this_update,
                    source,
                    ..
                }) => {
                    crl_good = Some(RevocationOutcome::Good {
                        source: RevocationSource::Crl(source),
                        at: crl_this_update,
                    })
                }
                Ok(CrlStatus::Stale { source, .. }) => {
                    why.push(format!("CRL {source} is not current"))
                }
                Ok(CrlStatus::NoMatchingCrl) => why.push("no applicable CRL".into()),
                Err(e) => why.push(e.to_string()),
            }
        }
        match &self.ocsp {
            None => why.push("no OCSP responder configured".into()),
            Some(client) => match client.check(cert, issuer, at) {
                OcspOutcome::Good {
                    url, this_update, ..
                } => {
                    return RevocationOutcome::Good {
                        source: RevocationSource::Ocsp(url),
                        at: this_update,
                    }
                }
                OcspOutcome::Revoked { url, reason, time } => {
                    return RevocationOutcome::Revoked {
                        reason,
                        time,
                        source: RevocationSource::Ocsp(url),
                    }
                }
                OcspOutcome::Unknown { url } => {
                    why.push(format!("OCSP {url} does not know the certificate"))
                }
                OcspOutcome::Error(e) => why.push(e.to_string()),
            },
        }
        crl_good.unwrap_or(RevocationOutcome::Unknown {
            why: why.join("; "),
        })
    }
}
