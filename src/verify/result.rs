//! The structured outcome of a verification: what was checked, what failed and why, which
//! anchor and generation was used, the certificate kind and holder data, the revocation
//! outcome under the chosen policy, and the overall verdict. Serialises with stable snake_case
//! field names; `Display` gives the text rendering.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Serialize, Serializer};

use super::anchors::{AnchorError, AnchorSource};
use super::holder::HolderData;
use super::profile::CertKind;
use super::{RevocationOutcome, RevocationPolicy};

/// Longest piece of outside input (a name, a serial, a URL) echoed in a message.
pub const MAX_ECHO: usize = 160;

/// `s` cut to at most [`MAX_ECHO`] characters (on a character boundary), with `…` when cut:
/// messages that echo input stay bounded whatever the input.
pub fn bounded(s: &str) -> String {
    match s.char_indices().nth(MAX_ECHO) {
        None => s.to_string(),
        Some((i, _)) => format!("{}…", s.get(..i).unwrap_or("")),
    }
}

/// A point in time, rendered as RFC 3339 UTC (`2029-09-14T14:59:59Z`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Timestamp(pub SystemTime);

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (secs, neg) = match self.0.duration_since(UNIX_EPOCH) {
            Ok(d) => (d.as_secs(), false),
            Err(e) => (e.duration().as_secs(), true),
        };
        let signed = i64::try_from(secs).unwrap_or(i64::MAX);
        let signed = if neg { -signed } else { signed };
        match time::OffsetDateTime::from_unix_timestamp(signed) {
            Ok(t) => write!(
                f,
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
                t.year(),
                u8::from(t.month()),
                t.day(),
                t.hour(),
                t.minute(),
                t.second()
            ),
            Err(_) => write!(f, "@{signed}"),
        }
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl From<SystemTime> for Timestamp {
    fn from(t: SystemTime) -> Self {
        Timestamp(t)
    }
}

impl Timestamp {
    /// Seconds since the Unix epoch (negative before 1970).
    pub fn unix(&self) -> i64 {
        match self.0.duration_since(UNIX_EPOCH) {
            Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
            Err(e) => -i64::try_from(e.duration().as_secs()).unwrap_or(i64::MAX),
        }
    }

    /// From seconds since the Unix epoch.
    pub fn from_unix(secs: i64) -> Self {
        let d = Duration::from_secs(secs.unsigned_abs());
        Timestamp(if secs >= 0 { UNIX_EPOCH + d } else { UNIX_EPOCH - d })
    }
}

/// Which certificate of the two-certificate path a failure concerns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The end-entity (card holder's) certificate.
    EndEntity,
    /// The trust anchor (J-LIS root).
    Anchor,
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Role::EndEntity => "end-entity certificate",
            Role::Anchor => "trust anchor",
        })
    }
}

/// Input that could not be parsed at all, so no judgement was possible.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// The certificate is not a DER X.509 certificate.
    #[error("malformed certificate: {why}")]
    MalformedCertificate {
        /// Decoder message.
        why: String,
    },
    /// The CMS structure is not DER ContentInfo/SignedData.
    #[error("malformed CMS signature: {why}")]
    MalformedCms {
        /// Decoder message.
        why: String,
    },
    /// The ContentInfo holds something other than SignedData.
    #[error("CMS content type {content_type} is not signedData")]
    NotSignedData {
        /// The content type found.
        content_type: String,
    },
    /// Only SignedData with exactly one signer is supported.
    #[error("CMS SignedData has {count} signers; exactly one is supported")]
    SignerCount {
        /// Number of SignerInfos found.
        count: usize,
    },
    /// Detached signature and no content given.
    #[error("detached CMS signature and no content was given")]
    MissingContent,
    /// The pinned or given trust anchors could not be loaded.
    #[error(transparent)]
    Anchor(#[from] AnchorError),
}

/// A check that failed: the name of the variant names the check, its fields say why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(tag = "failure", rename_all = "snake_case")]
pub enum Failure {
    /// No trust anchor matches the certificate's authorityKeyIdentifier.
    #[error("untrusted issuer {issuer} (authority key id {key_id})")]
    UntrustedIssuer {
        /// Issuer DN of the certificate.
        issuer: String,
        /// authorityKeyIdentifier keyId in hex, or "none".
        key_id: String,
    },
    /// A signature does not verify.
    #[error("bad signature on the {what}")]
    BadSignature {
        /// "certificate", "data" or "signed attributes".
        what: String,
    },
    /// An algorithm that is not accepted here.
    #[error("unsupported {what} algorithm {oid}")]
    UnsupportedAlgorithm {
        /// Which algorithm slot ("certificate signature", "CMS signature", "CMS digest").
        what: String,
        /// Its OID.
        oid: String,
    },
    /// tbsCertificate.signature differs from Certificate.signatureAlgorithm.
    #[error("signature algorithm {outer} differs from the one inside the certificate, {inner}")]
    AlgorithmMismatch {
        /// Outer signatureAlgorithm.
        outer: String,
        /// tbsCertificate.signature.
        inner: String,
    },
    /// A key that cannot be used (not RSA, malformed, too large).
    #[error("unusable public key of the {role}: {why}")]
    UnusableKey {
        /// Whose key.
        role: Role,
        /// Why.
        why: String,
    },
    /// Past notAfter at the time of judgement.
    #[error("{role} expired at {not_after} (judged at {at})")]
    Expired {
        /// Which certificate.
        role: Role,
        /// Its notAfter.
        not_after: Timestamp,
        /// Time of judgement.
        at: Timestamp,
    },
    /// Before notBefore at the time of judgement.
    #[error("{role} not valid before {not_before} (judged at {at})")]
    NotYetValid {
        /// Which certificate.
        role: Role,
        /// Its notBefore.
        not_before: Timestamp,
        /// Time of judgement.
        at: Timestamp,
    },
    /// The anchor is not a CA (basicConstraints cA missing or false).
    #[error("trust anchor is not a CA certificate (basicConstraints cA is not true)")]
    AnchorNotCa,
    /// The end entity claims to be a CA.
    #[error("end-entity certificate claims to be a CA (basicConstraints cA=true)")]
    EndEntityIsCa,
    /// A critical extension other than keyUsage, certificatePolicies, basicConstraints.
    #[error("unknown critical extension {oid}")]
    UnknownCriticalExtension {
        /// Its OID.
        oid: String,
    },
    /// The same extension twice.
    #[error("extension {oid} appears more than once")]
    DuplicateExtension {
        /// Its OID.
        oid: String,
    },
    /// An extension whose value does not decode.
    #[error("malformed extension {oid}: {why}")]
    MalformedExtension {
        /// Its OID.
        oid: String,
        /// Decoder message.
        why: String,
    },
    /// keyUsage does not fit the certificate kind.
    #[error("key usage {found:?} does not fit a {kind} certificate (expected {expected:?})")]
    WrongKeyUsage {
        /// Detected kind.
        kind: CertKind,
        /// Bits found.
        found: Vec<String>,
        /// Bits required.
        expected: Vec<String>,
    },
    /// An authentication certificate without extKeyUsage clientAuth.
    #[error("extended key usage {found:?} lacks clientAuth")]
    MissingClientAuth {
        /// EKU OIDs found.
        found: Vec<String>,
    },
    /// The certificate policy is not the one expected for hierarchy and kind.
    #[error("certificate policies {found:?}, expected {expected}")]
    WrongPolicy {
        /// Policy OIDs found.
        found: Vec<String>,
        /// The OID the policy table expects.
        expected: String,
    },
    /// Neither the policies nor the key usage say whether this is a signature or an
    /// authentication certificate.
    #[error("cannot tell whether this is a signature or an authentication certificate")]
    UnknownKind,
    /// Judgement at signing time was asked for but there is no signingTime.
    #[error("judgement at signing time asked for, but the signature has no signingTime")]
    NoSigningTime,
    /// The messageDigest attribute differs from the hash of the content.
    #[error("messageDigest attribute does not match the content (content was altered)")]
    MessageDigestMismatch,
    /// The contentType attribute differs from eContentType.
    #[error("contentType attribute {found} differs from eContentType {expected}")]
    ContentTypeMismatch {
        /// In the signed attributes.
        found: String,
        /// In encapContentInfo.
        expected: String,
    },
    /// A mandatory signed attribute is missing or malformed.
    #[error("signed attribute {name} missing or malformed")]
    BadSignedAttribute {
        /// Attribute name.
        name: String,
    },
    /// No certificate matches the signer identifier.
    #[error("no certificate matches the CMS signer identifier")]
    SignerCertificateNotFound,
    /// signingCertificateV2 names a different certificate.
    #[error("signingCertificateV2 does not match the signer certificate")]
    SigningCertificateMismatch,
    /// The certificate's issuer name is not the subject of the anchor whose key identifier
    /// (or key) it names.
    #[error("issuer name {issuer} is not the subject of the trust anchor {anchor}")]
    IssuerNameMismatch {
        /// Issuer DN of the certificate (bounded).
        issuer: String,
        /// Subject DN of the anchor (bounded).
        anchor: String,
    },
    /// The certificate's version does not fit what it carries (JPKI certificates are v3).
    #[error("certificate version {version}: {why}")]
    WrongVersion {
        /// `v1`, `v2` or `v3`.
        version: String,
        /// What is wrong with it.
        why: String,
    },
    /// The serial number is negative (RFC 5280 §4.1.2.2: a positive integer).
    #[error("negative serial number {serial} (RFC 5280 requires a positive integer)")]
    NegativeSerial {
        /// The serial's DER content in hex (bounded).
        serial: String,
    },
    /// A certificate was given out of band (`--cert`) but the CMS signer identifier names
    /// another certificate: the given certificate is not the signer's.
    #[error("the given certificate ({given}) is not the CMS signer ({signer})")]
    GivenCertificateNotSigner {
        /// The given certificate: issuer and serial (bounded).
        given: String,
        /// The signer identifier of the CMS (bounded).
        signer: String,
    },
    /// Content given on the command line differs from the one embedded in the CMS.
    #[error("given content differs from the content embedded in the signature")]
    AttachedContentDiffers,
}

/// The overall verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Every check passed (and revocation as the policy requires).
    Valid,
    /// A check failed or the certificate is revoked.
    Invalid,
    /// Every check passed but revocation status is unknown under `Require`.
    RevocationUnknown,
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Verdict::Valid => "VALID",
            Verdict::Invalid => "INVALID",
            Verdict::RevocationUnknown => "REVOCATION UNKNOWN",
        })
    }
}

/// One named check and whether it passed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Check {
    /// Stable name (`certificate_signature`, `validity`, `key_usage`, …).
    pub name: &'static str,
    /// Passed.
    pub ok: bool,
}

/// The data signature that was checked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SignatureReport {
    /// `raw` or `cms`.
    pub format: &'static str,
    /// The signature over the data (or signed attributes) verifies.
    pub ok: bool,
    /// Digest algorithm.
    pub hash: String,
    /// Signature algorithm OID name.
    pub signature_algorithm: String,
    /// CMS: signed attributes present.
    pub signed_attributes: Option<bool>,
    /// CMS: signingTime attribute.
    pub signing_time: Option<Timestamp>,
    /// CMS: eContentType.
    pub content_type: Option<String>,
    /// CMS: content was detached.
    pub detached: Option<bool>,
    /// CMS: where the signer certificate came from (`cms` or `given`).
    pub signer_certificate_from: Option<&'static str>,
}

/// The end-entity certificate in brief.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CertificateSummary {
    /// Subject DN (RFC 4514).
    pub subject: String,
    /// Issuer DN.
    pub issuer: String,
    /// Serial number in hex.
    pub serial: String,
    /// notBefore.
    pub not_before: Timestamp,
    /// notAfter.
    pub not_after: Timestamp,
    /// SHA-256 of the DER, hex.
    pub sha256: String,
    /// Signature algorithm of the certificate.
    pub signature_algorithm: String,
}

/// The anchor that terminates the path.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AnchorSummary {
    /// Subject DN.
    pub subject: String,
    /// SHA-256 of its DER, hex (identifies the generation: all share one DN).
    pub sha256: String,
    /// Where it came from.
    pub source: AnchorSource,
    /// File name or label.
    pub label: String,
    /// How it was matched (`key_id`, `key_id_issuer_serial`, `name_and_signature`).
    pub matched_by: &'static str,
    /// notAfter.
    pub not_after: Timestamp,
}

/// Revocation as consulted under the policy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RevocationReport {
    /// The policy in force.
    pub policy: RevocationPolicy,
    /// What the checker said (`not_checked` with no checker, policy off or a failed path).
    pub outcome: RevocationOutcome,
}

/// Something a verification noticed that does not change its verdict. JSON writes the English
/// sentence (as before this type existed); a front end may word it in its own language from the
/// variant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Warning {
    /// The certificate is signed with another algorithm than JPKI's sha256WithRSAEncryption.
    CertificateAlgorithm {
        /// The algorithm's name.
        algorithm: String,
    },
    /// The holder data in the certificate could not be decoded.
    HolderData {
        /// Why.
        why: String,
    },
    /// Revocation is not consulted (policy off).
    RevocationOff,
    /// Revocation status unknown, accepted by the soft-fail policy.
    RevocationUnknownSoftFail {
        /// Why it is unknown.
        why: String,
    },
    /// Revocation not checked, accepted by the soft-fail policy.
    RevocationNotCheckedSoftFail,
    /// The data signature uses SHA-1.
    DataSha1,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Warning::CertificateAlgorithm { algorithm } => {
                write!(f, "certificate signed with {algorithm} (JPKI uses sha256WithRSAEncryption)")
            }
            Warning::HolderData { why } => write!(f, "holder data: {why}"),
            Warning::RevocationOff => f.write_str("revocation checking is off (policy off)"),
            Warning::RevocationUnknownSoftFail { why } => {
                write!(f, "revocation status unknown ({why}); soft-fail policy")
            }
            Warning::RevocationNotCheckedSoftFail => {
                f.write_str("revocation not checked; soft-fail policy")
            }
            Warning::DataSha1 => f.write_str("data signature uses SHA-1"),
        }
    }
}

impl Serialize for Warning {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Everything a verification found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    /// Overall verdict.
    pub verdict: Verdict,
    /// Time of judgement (absent when signing time was asked for and missing).
    pub judgement_time: Option<Timestamp>,
    /// `now`, `given` or `signing_time`.
    pub judgement_basis: &'static str,
    /// The data signature, for raw and CMS verification.
    pub signature: Option<SignatureReport>,
    /// The end-entity certificate.
    pub certificate: Option<CertificateSummary>,
    /// Signature or authentication certificate.
    pub kind: Option<CertKind>,
    /// Anchor used.
    pub anchor: Option<AnchorSummary>,
    /// Checks performed, in order.
    pub checks: Vec<Check>,
    /// Failed checks with reasons.
    pub failures: Vec<Failure>,
    /// Things accepted but worth knowing (legacy hash, soft-fail revocation, …).
    pub warnings: Vec<Warning>,
    /// Holder data from a signature certificate's subjectAltName.
    pub holder: Option<HolderData>,
    /// Revocation.
    pub revocation: RevocationReport,
}

impl VerifyReport {
    pub(crate) fn new(basis: &'static str, policy: RevocationPolicy) -> Self {
        VerifyReport {
            verdict: Verdict::Invalid,
            judgement_time: None,
            judgement_basis: basis,
            signature: None,
            certificate: None,
            kind: None,
            anchor: None,
            checks: Vec::new(),
            failures: Vec::new(),
            warnings: Vec::new(),
            holder: None,
            revocation: RevocationReport { policy, outcome: RevocationOutcome::NotChecked },
        }
    }

    /// Records a check; a failure is recorded with it.
    pub(crate) fn check(&mut self, name: &'static str, failure: Option<Failure>) {
        self.checks.push(Check { name, ok: failure.is_none() });
        if let Some(f) = failure {
            self.failures.push(f);
        }
    }

    /// Records a check whose outcome is carried elsewhere (e.g. revocation).
    pub(crate) fn note(&mut self, name: &'static str, ok: bool) {
        self.checks.push(Check { name, ok });
    }

    /// Whether every check so far passed.
    pub fn checks_passed(&self) -> bool {
        self.failures.is_empty()
    }

    /// Computes the verdict from failures, revocation outcome and policy.
    pub(crate) fn finish(&mut self) {
        let policy = self.revocation.policy;
        self.verdict = if !self.failures.is_empty() {
            Verdict::Invalid
        } else {
            match (&self.revocation.outcome, policy) {
                (_, RevocationPolicy::Off) => {
                    self.warnings.push(Warning::RevocationOff);
                    Verdict::Valid
                }
                (RevocationOutcome::Revoked { .. }, _) => Verdict::Invalid,
                (RevocationOutcome::Good { .. }, _) => Verdict::Valid,
                (RevocationOutcome::Unknown { why }, RevocationPolicy::Prefer) => {
                    self.warnings.push(Warning::RevocationUnknownSoftFail { why: why.clone() });
                    Verdict::Valid
                }
                (RevocationOutcome::NotChecked, RevocationPolicy::Prefer) => {
                    self.warnings.push(Warning::RevocationNotCheckedSoftFail);
                    Verdict::Valid
                }
                (_, RevocationPolicy::Require) => Verdict::RevocationUnknown,
            }
        };
    }

    /// JSON rendering (stable snake_case names).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }
}

impl fmt::Display for VerifyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "verdict: {}", self.verdict)?;
        match &self.judgement_time {
            Some(t) => writeln!(f, "judged at: {t} ({})", self.judgement_basis)?,
            None => writeln!(f, "judged at: unknown ({})", self.judgement_basis)?,
        }
        if let Some(s) = &self.signature {
            writeln!(
                f,
                "signature ({}): {} [{} / {}]",
                s.format,
                if s.ok { "ok" } else { "BAD" },
                s.hash,
                s.signature_algorithm
            )?;
            if let Some(t) = &s.signing_time {
                writeln!(f, "  signing time: {t}")?;
            }
        }
        if let Some(c) = &self.certificate {
            writeln!(f, "certificate: {}", c.subject)?;
            writeln!(f, "  issuer: {}", c.issuer)?;
            writeln!(f, "  valid: {} .. {}", c.not_before, c.not_after)?;
            writeln!(f, "  sha256: {}", c.sha256)?;
        }
        if let Some(k) = &self.kind {
            writeln!(f, "kind: {k}")?;
        }
        match &self.anchor {
            Some(a) => writeln!(
                f,
                "anchor: {} [{}] sha256 {} (matched by {})",
                a.subject, a.label, a.sha256, a.matched_by
            )?,
            None => writeln!(f, "anchor: none")?,
        }
        if let Some(h) = &self.holder {
            write!(f, "{h}")?;
        }
        let rev = match &self.revocation.outcome {
            RevocationOutcome::Good { source, .. } => format!("good ({source})"),
            RevocationOutcome::Revoked { time, source, .. } => {
                format!("REVOKED at {time} ({source})")
            }
            RevocationOutcome::Unknown { why } => format!("unknown: {why}"),
            RevocationOutcome::NotChecked => "not checked".to_string(),
        };
        writeln!(f, "revocation: {rev} (policy {:?})", self.revocation.policy)?;
        for c in &self.checks {
            writeln!(f, "  [{}] {}", if c.ok { "ok" } else { "FAIL" }, c.name)?;
        }
        for fail in &self.failures {
            writeln!(f, "failure: {fail}")?;
        }
        for w in &self.warnings {
            writeln!(f, "warning: {w}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn echoed_input_is_bounded_on_a_character_boundary() {
        assert_eq!(bounded("short"), "short");
        let exact = "x".repeat(MAX_ECHO);
        assert_eq!(bounded(&exact), exact);
        let long = "番".repeat(10_000);
        let b = bounded(&long);
        assert_eq!(b.chars().count(), MAX_ECHO + 1);
        assert!(b.ends_with("番…"));
    }

    #[test]
    fn timestamps_render_as_rfc3339_utc() {
        let t = Timestamp::from_unix(1_884_092_399); // 2029-09-14T14:59:59Z
        assert_eq!(t.to_string(), "2029-09-14T14:59:59Z");
        assert_eq!(t.unix(), 1_884_092_399);
        assert_eq!(Timestamp::from_unix(-1).to_string(), "1969-12-31T23:59:59Z");
        assert_eq!(serde_json::to_string(&t).unwrap(), "\"2029-09-14T14:59:59Z\"");
    }

    #[test]
    fn verdict_follows_policy() {
        let mut r = VerifyReport::new("now", RevocationPolicy::Require);
        r.finish();
        assert_eq!(r.verdict, Verdict::RevocationUnknown);

        let mut r = VerifyReport::new("now", RevocationPolicy::Prefer);
        r.finish();
        assert_eq!(r.verdict, Verdict::Valid);
        assert!(r.warnings[0].to_string().contains("soft-fail"));

        let mut r = VerifyReport::new("now", RevocationPolicy::Off);
        r.finish();
        assert_eq!(r.verdict, Verdict::Valid);
        assert!(r.warnings[0].to_string().contains("off"));

        let mut r = VerifyReport::new("now", RevocationPolicy::Require);
        r.revocation.outcome = RevocationOutcome::Unknown { why: "stale CRL".into() };
        r.finish();
        assert_eq!(r.verdict, Verdict::RevocationUnknown);

        let mut r = VerifyReport::new("now", RevocationPolicy::Prefer);
        r.revocation.outcome = RevocationOutcome::Revoked {
            reason: Some("certificateHold".into()),
            time: Timestamp::from_unix(0),
            source: "crl".into(),
        };
        r.finish();
        assert_eq!(r.verdict, Verdict::Invalid);

        let mut r = VerifyReport::new("now", RevocationPolicy::Require);
        r.revocation.outcome = RevocationOutcome::Good {
            source: "ocsp".into(),
            this_update: Timestamp::from_unix(0),
            next_update: None,
        };
        r.check("x", Some(Failure::AnchorNotCa));
        r.finish();
        assert_eq!(r.verdict, Verdict::Invalid);
        let json = r.to_json();
        assert!(json.contains("\"failure\": \"anchor_not_ca\""), "{json}");
        assert!(json.contains("\"status\": \"good\""), "{json}");
        assert!(r.to_string().contains("verdict: INVALID"));
    }
}
