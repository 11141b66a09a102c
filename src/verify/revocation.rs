//! Revocation policy: combines the configured CRL store and OCSP responder into one outcome per
//! certificate, and decides whether that outcome lets verification pass.
//!
//! - [`RevocationPolicy::Require`] (default): only an authoritative "good" passes; no answer is
//!   "revocation unknown" and fails (fail closed, docs/card-facts.md §7).
//! - [`RevocationPolicy::Prefer`]: sources are consulted; unknown is reported but does not fail.
//! - [`RevocationPolicy::Off`]: nothing is consulted; the outcome is "not checked".
//!
//! Order: CRLs first (local files, no traffic); a CRL "revoked" is final. Then OCSP, if
//! configured (a responder, or else stored responses such as a PDF's document security
//! store): its verified good/revoked answer decides. Otherwise a CRL "good" stands. Revoked
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
    /// OCSP responses kept earlier (e.g. a PDF's document security store): `(name, DER)`.
    stored_ocsp: Vec<(String, Vec<u8>)>,
}

impl Revocation {
    /// No sources, the given policy.
    pub fn new(policy: RevocationPolicy) -> Self {
        Self { policy, crls: CrlStore::new(), ocsp: None, stored_ocsp: Vec::new() }
    }

    /// Also uses these stored OCSP responses (`(name, DER)`), consulted like a responder's
    /// answer when no responder is configured: each is verified as a live answer is (signed
    /// by the root or its delegated responder, CertID, current at the time of judgement);
    /// there is no nonce to check, the time window is what bounds a stored answer.
    pub fn with_stored_ocsp(mut self, responses: Vec<(String, Vec<u8>)>) -> Self {
        self.stored_ocsp = responses;
        self
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

    /// The answer of the stored OCSP responses about `cert`: the first that answers for it
    /// with a verified good or revoked status (any revocation wins), else `None` with the
    /// reasons added to `why`.
    fn stored_answer(
        &self,
        cert: &Certificate,
        issuer: &Certificate,
        at: SystemTime,
        why: &mut Vec<String>,
    ) -> Option<RevocationOutcome> {
        use super::ocsp::{build_request, evaluate_response, OcspAnswer, OcspError};
        let skew = std::time::Duration::from_secs(300);
        let mut good = None;
        for (name, der) in &self.stored_ocsp {
            for hash in [crate::hash::HashAlg::Sha1, crate::hash::HashAlg::Sha256] {
                let answer = build_request(cert, issuer, hash, None)
                    .and_then(|(_, id)| evaluate_response(der, &id, None, issuer, at, skew));
                match answer {
                    Ok(OcspAnswer::Revoked { reason, time }) => {
                        return Some(RevocationOutcome::Revoked {
                            reason: reason.as_ref().map(|r| reason_name(r).to_string()),
                            time: time.into(),
                            source: RevocationSource::Ocsp(name.clone()).to_string(),
                        })
                    }
                    Ok(OcspAnswer::Good { this_update, next_update }) => {
                        good.get_or_insert(RevocationOutcome::Good {
                            source: RevocationSource::Ocsp(name.clone()).to_string(),
                            this_update: this_update.into(),
                            next_update: next_update.map(Into::into),
                        });
                        break;
                    }
                    Ok(OcspAnswer::Unknown) => {
                        why.push(format!("OCSP {name} does not know the certificate"));
                        break;
                    }
                    // Another certificate's answer, or a CertID of the other hash.
                    Err(OcspError::CertIdMismatch) => {}
                    Err(e) => {
                        why.push(format!("OCSP {name}: {e}"));
                        break;
                    }
                }
            }
        }
        if good.is_none() {
            why.push("no stored OCSP response answers for the certificate".into());
        }
        good
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
            None if !self.stored_ocsp.is_empty() => {
                // A verified stored answer decides, as a responder's would.
                if let Some(o) = self.stored_answer(cert, issuer, at, &mut why) {
                    return o;
                }
            }
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
