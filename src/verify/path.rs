//! The certification path: exactly two certificates, the end entity and a trust anchor. Owns
//! parsing the end entity with its ORIGINAL tbsCertificate bytes, checking its signature with
//! the anchor key chosen by authorityKeyIdentifier, validity of both at the time of
//! judgement, the profile, holder data and the revocation hook; and the entry point
//! [`verify_certificate`].

use std::time::SystemTime;

use der::Decode;
use sha2::Digest;
use x509_cert::Certificate;

use super::anchors::{AnchorSource, TrustAnchor, TrustStore};
use super::names::name_text;
use super::result::{
    bounded, AnchorSummary, CertificateSummary, Failure, Role, Timestamp, VerifyError,
    VerifyReport, Warning,
};
use super::signature::{oid_name, pkcs1v15_ok, rsa_key, HashAlg};
use super::{
    der_walk, holder, profile, Judgement, RevocationOutcome, RevocationPolicy, VerifyOptions,
};

/// A certificate decoded, with its original DER and the original tbsCertificate bytes.
#[derive(Clone, Debug)]
pub struct ParsedCert<'a> {
    /// The whole DER.
    pub der: &'a [u8],
    /// tbsCertificate exactly as encoded (what the signature covers).
    pub tbs: &'a [u8],
    /// The decoded certificate.
    pub cert: Certificate,
}

impl<'a> ParsedCert<'a> {
    /// Parses a DER certificate, keeping the raw tbsCertificate span.
    pub fn parse(der: &'a [u8]) -> Result<Self, VerifyError> {
        let malformed = |e: der::Error| VerifyError::MalformedCertificate { why: e.to_string() };
        let cert = Certificate::from_der(der).map_err(malformed)?;
        let tbs = der_walk::tbs_certificate(der)
            .map_err(|e| VerifyError::MalformedCertificate { why: e.to_string() })?;
        Ok(ParsedCert { der, tbs, cert })
    }
}

/// Name of the judgement basis for reports.
pub(crate) fn basis(j: Judgement) -> &'static str {
    match j {
        Judgement::Now => "now",
        Judgement::At(_) => "given",
        Judgement::SigningTime => "signing_time",
    }
}

fn summary(p: &ParsedCert<'_>) -> CertificateSummary {
    let tbs = &p.cert.tbs_certificate;
    CertificateSummary {
        subject: name_text(&tbs.subject),
        issuer: name_text(&tbs.issuer),
        serial: hex::encode(tbs.serial_number.as_bytes()),
        not_before: Timestamp(tbs.validity.not_before.to_system_time()),
        not_after: Timestamp(tbs.validity.not_after.to_system_time()),
        sha256: hex::encode(sha2::Sha256::digest(p.der)),
        signature_algorithm: oid_name(&p.cert.signature_algorithm.oid),
    }
}

fn validity(cert: &Certificate, role: Role, at: SystemTime) -> Option<Failure> {
    let v = &cert.tbs_certificate.validity;
    let (nb, na) = (v.not_before.to_system_time(), v.not_after.to_system_time());
    if at < nb {
        Some(Failure::NotYetValid { role, not_before: Timestamp(nb), at: Timestamp(at) })
    } else if at > na {
        Some(Failure::Expired { role, not_after: Timestamp(na), at: Timestamp(at) })
    } else {
        None
    }
}

/// Checks the end entity's signature algorithm; returns the hash when usable.
fn certificate_hash(p: &ParsedCert<'_>, report: &mut VerifyReport) -> Option<HashAlg> {
    let outer = &p.cert.signature_algorithm;
    let inner = &p.cert.tbs_certificate.signature;
    if outer.oid != inner.oid || outer.parameters != inner.parameters {
        report.check(
            "signature_algorithm",
            Some(Failure::AlgorithmMismatch {
                outer: oid_name(&outer.oid),
                inner: oid_name(&inner.oid),
            }),
        );
        return None;
    }
    match HashAlg::from_rsa_signature_oid(&outer.oid) {
        Some(h) => {
            if h != HashAlg::Sha256 {
                report.warnings.push(Warning::CertificateAlgorithm {
                    algorithm: oid_name(&outer.oid).to_string(),
                });
            }
            report.check("signature_algorithm", None);
            Some(h)
        }
        None => {
            report.check(
                "signature_algorithm",
                Some(Failure::UnsupportedAlgorithm {
                    what: "certificate signature".into(),
                    oid: outer.oid.to_string(),
                }),
            );
            None
        }
    }
}

/// The structure RFC 5280 and the JPKI profile require of the end entity, whatever its
/// signature says: version 3 (only v3 may carry extensions; JPKI certificates always have
/// them), a positive serial number (RFC 5280 §4.1.2.2), an RSA public key (every JPKI key is
/// RSA-2048; a key we could not use to check a signature made with it is refused here).
fn structure(cert: &Certificate, report: &mut VerifyReport) {
    let tbs = &cert.tbs_certificate;
    let unique_ids = tbs.issuer_unique_id.is_some() || tbs.subject_unique_id.is_some();
    let version = |v: &str, why: &str| {
        Some(Failure::WrongVersion { version: v.to_string(), why: why.to_string() })
    };
    let failure = match tbs.version {
        x509_cert::certificate::Version::V3 => None,
        x509_cert::certificate::Version::V1 if tbs.extensions.is_some() => {
            version("v1", "carries extensions, which only v3 certificates may")
        }
        x509_cert::certificate::Version::V1 if unique_ids => {
            version("v1", "carries unique identifiers, which only v2 and v3 certificates may")
        }
        x509_cert::certificate::Version::V2 if tbs.extensions.is_some() => {
            version("v2", "carries extensions, which only v3 certificates may")
        }
        x509_cert::certificate::Version::V1 => version("v1", "JPKI certificates are v3"),
        x509_cert::certificate::Version::V2 => version("v2", "JPKI certificates are v3"),
    };
    report.check("version", failure);
    let serial = tbs.serial_number.as_bytes();
    report.check(
        "serial_number",
        serial
            .first()
            .is_some_and(|b| b & 0x80 != 0)
            .then(|| Failure::NegativeSerial { serial: bounded(&hex::encode(serial)) }),
    );
    report.check("public_key", rsa_key(&tbs.subject_public_key_info, Role::EndEntity).err());
}

/// Chooses the anchor and checks the certificate signature over the original TBS bytes.
fn find_issuer<'s>(
    p: &ParsedCert<'_>,
    store: &'s TrustStore,
    hash: Option<HashAlg>,
    report: &mut VerifyReport,
) -> Option<&'s TrustAnchor> {
    let (candidates, matched_by) = match store.candidates(&p.cert) {
        Ok(c) => c,
        Err(f) => {
            report.check("issuer", Some(f));
            return None;
        }
    };
    report.check("issuer", None);
    // The key identifier chose the candidates; the names must agree too (RFC 5280 §6.1.3
    // (a)(4): the issuer name is the working issuer name, here the anchor's subject).
    if let Some(a) = candidates.first() {
        if !candidates
            .iter()
            .any(|a| a.certificate().tbs_certificate.subject == p.cert.tbs_certificate.issuer)
        {
            report.check(
                "issuer_name",
                Some(Failure::IssuerNameMismatch {
                    issuer: bounded(&name_text(&p.cert.tbs_certificate.issuer)),
                    anchor: bounded(a.subject_text()),
                }),
            );
        } else {
            report.check("issuer_name", None);
        }
    }
    let sig = p.cert.signature.raw_bytes();
    let mut chosen = None;
    let mut key_failure = None;
    if let Some(hash) = hash {
        let hashed = hash.digest(p.tbs);
        for a in &candidates {
            match a.key() {
                Ok(key) if pkcs1v15_ok(key, hash, &hashed, sig) => {
                    chosen = Some(*a);
                    break;
                }
                Ok(_) => {}
                Err(why) => {
                    key_failure = Some(Failure::UnusableKey { role: Role::Anchor, why: why.into() })
                }
            }
        }
        let failure = match (chosen, key_failure) {
            (Some(_), _) => None,
            (None, Some(f)) if candidates.len() == 1 => Some(f),
            (None, _) => Some(Failure::BadSignature { what: "certificate".into() }),
        };
        report.check("certificate_signature", failure);
    }
    // With a bad signature, report the anchor the key identifier pointed at.
    let anchor = chosen.or_else(|| candidates.first().copied())?;
    report.anchor = Some(AnchorSummary {
        subject: anchor.subject_text().to_string(),
        sha256: hex::encode(anchor.sha256()),
        source: anchor.source(),
        label: anchor.label().to_string(),
        matched_by: matched_by.name(),
        not_after: Timestamp(
            anchor.certificate().tbs_certificate.validity.not_after.to_system_time(),
        ),
    });
    Some(anchor)
}

/// Judges a parsed end-entity certificate into `report`: path, profile, holder data,
/// revocation, verdict. `signing_time` serves [`Judgement::SigningTime`].
pub(crate) fn judge(
    p: &ParsedCert<'_>,
    opts: &VerifyOptions<'_>,
    signing_time: Option<SystemTime>,
    report: &mut VerifyReport,
) -> Result<(), VerifyError> {
    let store = TrustStore::new(opts.hierarchy, &opts.extra_anchors)?;
    report.certificate = Some(summary(p));
    let at = match opts.at {
        Judgement::Now => Some(SystemTime::now()),
        Judgement::At(t) => Some(t),
        Judgement::SigningTime => signing_time,
    };
    report.judgement_time = at.map(Timestamp);
    if at.is_none() {
        report.check("judgement_time", Some(Failure::NoSigningTime));
    }

    structure(&p.cert, report);
    let hash = certificate_hash(p, report);
    let anchor = find_issuer(p, &store, hash, report);
    if let Some(a) = anchor {
        profile::check_anchor(a.certificate(), report);
        if let Some(at) = at {
            report.check("anchor_validity", validity(a.certificate(), Role::Anchor, at));
        }
    }
    if let Some(at) = at {
        report.check("validity", validity(&p.cert, Role::EndEntity, at));
    }
    let source = anchor.map_or(AnchorSource::Production, |a| a.source());
    let kind = profile::check_end_entity(&p.cert, source, report);
    if kind == Some(profile::CertKind::Signature) {
        match holder::decode(&p.cert) {
            Ok(h) => report.holder = h,
            Err(e) => report.warnings.push(Warning::HolderData { why: e.to_string() }),
        }
    }

    report.revocation.outcome = match (opts.policy, opts.revocation, anchor, at) {
        (RevocationPolicy::Off, ..) => RevocationOutcome::NotChecked,
        (_, Some(checker), Some(a), Some(at)) if report.checks_passed() => {
            let outcome = checker.check(&p.cert, a.certificate(), at);
            report.note("revocation", !matches!(outcome, RevocationOutcome::Revoked { .. }));
            outcome
        }
        _ => RevocationOutcome::NotChecked,
    };
    report.finish();
    Ok(())
}

/// Verifies a DER end-entity certificate: path to a trusted anchor, profile, revocation.
pub fn verify_certificate(
    cert_der: &[u8],
    opts: &VerifyOptions<'_>,
) -> Result<VerifyReport, VerifyError> {
    let parsed = ParsedCert::parse(cert_der)?;
    let mut report = VerifyReport::new(basis(opts.at), opts.policy);
    judge(&parsed, opts, None, &mut report)?;
    Ok(report)
}
