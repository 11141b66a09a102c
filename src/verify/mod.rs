//! Verification layer: owns the pinned J-LIS trust anchors, the two-certificate path check
//! (end entity + root), the JPKI certificate profile, raw PKCS#1 v1.5 and CMS SignedData
//! signature checks, the holder data of signature certificates, and the structured result.
//! Revocation plugs in through [`RevocationChecker`]; the CRL store and OCSP client live in
//! sibling modules. This layer knows nothing of cards or transports (docs/architecture.md; facts in docs/card-facts.md §7).
//!
//! Entry points: [`verify_certificate`], [`verify_raw`], [`verify_cms`]. Inputs that cannot be
//! parsed at all give a [`VerifyError`]; everything judged gives a [`VerifyReport`] whose
//! failures are [`Failure`] values naming the check and why.

pub mod anchors;
pub mod authenticity;
pub mod cms;
pub mod crl;
pub mod der_walk;
pub mod holder;
mod names;
pub mod ocsp;
pub mod path;
pub mod pem;
mod pkcs1;
pub mod profile;
pub mod result;
pub mod revocation;
pub mod signature;

use std::time::SystemTime;

use serde::Serialize;
use x509_cert::Certificate;

pub use anchors::{AnchorError, AnchorSource, TrustAnchor, TrustStore};
pub use cms::verify_cms;
pub use holder::{BirthDate, Era, HolderData, HolderError, RecordedSex, Sex};
pub use path::verify_certificate;
pub use profile::CertKind;
pub use result::{Failure, Role, Timestamp, Verdict, VerifyError, VerifyReport, Warning};
pub use signature::{verify_raw, HashAlg};

/// Which J-LIS hierarchy is trusted besides anchors given explicitly.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Hierarchy {
    /// The six pinned production roots only.
    Production,
    /// The production roots plus the test-card roots (`O=JPKI-TEST`): explicit opt-in.
    Test,
}

/// The time at which validity is judged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Judgement {
    /// The current system time.
    Now,
    /// A given time.
    At(SystemTime),
    /// The signingTime signed attribute of a CMS signature (fails without one).
    SigningTime,
}

/// What to do when revocation status cannot be established.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RevocationPolicy {
    /// Fail closed (the default): "not checked" or "unknown" makes the verdict `revocation_unknown`.
    #[default]
    Require,
    /// Soft fail: a missing status is reported as a warning, the verdict can still be valid.
    Prefer,
    /// Revocation is not consulted; the report says so.
    Off,
}

/// How a certificate's revocation status was found, as reported by a [`RevocationChecker`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum RevocationOutcome {
    /// Not revoked according to `source` (a CRL file or an OCSP responder).
    Good {
        /// Where the answer came from (file path, responder URL).
        source: String,
        /// thisUpdate of the CRL or of the OCSP single response.
        this_update: Timestamp,
        /// nextUpdate, when the source gives one.
        next_update: Option<Timestamp>,
    },
    /// Revoked (any reason, including certificateHold).
    Revoked {
        /// The reason code as text, when given.
        reason: Option<String>,
        /// Revocation time.
        time: Timestamp,
        /// Where the answer came from.
        source: String,
    },
    /// A source was consulted but gave no usable answer (stale, unsigned, unreachable, …).
    Unknown {
        /// Why the status is unknown.
        why: String,
    },
    /// No source was consulted.
    NotChecked,
}

impl std::fmt::Display for RevocationOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Good { source, .. } => write!(f, "not revoked ({source})"),
            Self::Revoked { reason: Some(r), source, .. } => write!(f, "revoked: {r} ({source})"),
            Self::Revoked { reason: None, source, .. } => write!(f, "revoked ({source})"),
            Self::Unknown { why } => write!(f, "revocation unknown: {why}"),
            Self::NotChecked => write!(f, "revocation not checked"),
        }
    }
}

/// A source of revocation status, implemented by the CRL store and the OCSP client.
pub trait RevocationChecker {
    /// Status of `cert` (issued by `issuer`) at time `at`.
    fn check(&self, cert: &Certificate, issuer: &Certificate, at: SystemTime) -> RevocationOutcome;
}

/// Options shared by every verification entry point.
#[derive(Clone)]
pub struct VerifyOptions<'a> {
    /// Pinned hierarchy to trust.
    pub hierarchy: Hierarchy,
    /// Additional anchors (`--trust-anchor FILE`), e.g. the virtual card's PKI.
    pub extra_anchors: Vec<TrustAnchor>,
    /// Time of judgement.
    pub at: Judgement,
    /// Revocation source, if any.
    pub revocation: Option<&'a dyn RevocationChecker>,
    /// Revocation policy.
    pub policy: RevocationPolicy,
}

impl Default for VerifyOptions<'_> {
    fn default() -> Self {
        VerifyOptions {
            hierarchy: Hierarchy::Production,
            extra_anchors: Vec::new(),
            at: Judgement::Now,
            revocation: None,
            policy: RevocationPolicy::Require,
        }
    }
}

impl std::fmt::Debug for VerifyOptions<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifyOptions")
            .field("hierarchy", &self.hierarchy)
            .field("extra_anchors", &self.extra_anchors.len())
            .field("at", &self.at)
            .field("revocation", &self.revocation.is_some())
            .field("policy", &self.policy)
            .finish()
    }
}
