//! The JPKI end-entity certificate profile (docs/card-facts.md §7): which critical extensions are
//! allowed, basicConstraints, kind detection (signature or authentication certificate), key
//! usage per kind, and the policy OID expected per hierarchy and kind from one table.

use std::collections::BTreeSet;
use std::fmt;

use const_oid::db::rfc5280::{
    ID_CE_BASIC_CONSTRAINTS, ID_CE_CERTIFICATE_POLICIES, ID_CE_EXT_KEY_USAGE, ID_CE_KEY_USAGE,
    ID_KP_CLIENT_AUTH,
};
use const_oid::ObjectIdentifier;
use der::Decode;
use serde::Serialize;
use x509_cert::ext::pkix::{
    BasicConstraints, CertificatePolicies, ExtendedKeyUsage, KeyUsage, KeyUsages,
};
use x509_cert::Certificate;

use super::anchors::AnchorSource;
use super::result::{Failure, VerifyReport};
use crate::facts::oid;

/// Which of the two JPKI certificates this is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CertKind {
    /// 署名用電子証明書: digitalSignature + nonRepudiation, holder data in the SAN.
    Signature,
    /// 利用者証明用電子証明書: digitalSignature, extKeyUsage clientAuth, no personal data.
    Authentication,
}

impl fmt::Display for CertKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CertKind::Signature => "signature",
            CertKind::Authentication => "authentication",
        })
    }
}

/// The only extensions a JPKI end-entity certificate may mark critical.
pub const ALLOWED_CRITICAL: [ObjectIdentifier; 3] =
    [ID_CE_KEY_USAGE, ID_CE_CERTIFICATE_POLICIES, ID_CE_BASIC_CONSTRAINTS];

/// One row of the policy table.
#[derive(Clone, Copy, Debug)]
pub struct PolicyRow {
    /// Production (J-LIS) or test-card hierarchy.
    pub test_hierarchy: bool,
    /// Certificate kind.
    pub kind: CertKind,
    /// The policy OID.
    pub oid: ObjectIdentifier,
    /// Where the value comes from.
    pub source: &'static str,
}

/// The certificate policy expected per hierarchy and kind. Anchors given with
/// `--trust-anchor` (e.g. the virtual card's PKI, `O=JPKI-SIM`) expect the production rows.
pub const POLICY_TABLE: [PolicyRow; 4] = [
    PolicyRow {
        test_hierarchy: false,
        kind: CertKind::Signature,
        oid: oid::POLICY_SIGN,
        source: "J-LIS signature CA CPS (jpki-cp-sign-class20); docs/card-facts.md §7",
    },
    PolicyRow {
        test_hierarchy: false,
        kind: CertKind::Authentication,
        oid: oid::POLICY_AUTH,
        source:
            "J-LIS OID table (jpki-cp-auth-class30); unverified on a card, docs/card-facts.md §7",
    },
    PolicyRow {
        test_hierarchy: true,
        kind: CertKind::Signature,
        oid: oid::POLICY_SIGN_TEST,
        source: "read off a JPKI-TEST card (public reports agree: only this OID differs)",
    },
    PolicyRow {
        test_hierarchy: true,
        kind: CertKind::Authentication,
        oid: oid::POLICY_AUTH_TEST,
        source: "read off a JPKI-TEST card (docs/card-facts.md §7); no public confirmation found",
    },
];

/// The policy OID the table expects for an anchor source and kind.
pub fn expected_policy(source: AnchorSource, kind: CertKind) -> ObjectIdentifier {
    let row = match (source == AnchorSource::Test, kind) {
        (false, CertKind::Signature) => &POLICY_TABLE[0],
        (false, CertKind::Authentication) => &POLICY_TABLE[1],
        (true, CertKind::Signature) => &POLICY_TABLE[2],
        (true, CertKind::Authentication) => &POLICY_TABLE[3],
    };
    row.oid
}

/// The extensions of a certificate that the profile looks at, decoded.
#[derive(Debug, Default)]
pub(crate) struct Extensions {
    pub key_usage: Option<KeyUsage>,
    pub policies: Option<Vec<ObjectIdentifier>>,
    pub basic_ca: Option<bool>,
    pub eku: Option<Vec<ObjectIdentifier>>,
    pub critical_unknown: Vec<ObjectIdentifier>,
}

fn malformed(oid: &ObjectIdentifier, e: der::Error) -> Failure {
    Failure::MalformedExtension { oid: oid.to_string(), why: e.to_string() }
}

/// Decodes the extensions the profile needs; duplicates and undecodable values fail.
pub(crate) fn extensions(cert: &Certificate) -> Result<Extensions, Failure> {
    let mut out = Extensions::default();
    let mut seen = BTreeSet::new();
    for ext in cert.tbs_certificate.extensions.iter().flatten() {
        let oid = ext.extn_id;
        if !seen.insert(oid) {
            return Err(Failure::DuplicateExtension { oid: oid.to_string() });
        }
        let value = ext.extn_value.as_bytes();
        if oid == ID_CE_KEY_USAGE {
            out.key_usage = Some(KeyUsage::from_der(value).map_err(|e| malformed(&oid, e))?);
        } else if oid == ID_CE_CERTIFICATE_POLICIES {
            let p = CertificatePolicies::from_der(value).map_err(|e| malformed(&oid, e))?;
            out.policies = Some(p.0.iter().map(|i| i.policy_identifier).collect());
        } else if oid == ID_CE_BASIC_CONSTRAINTS {
            let b = BasicConstraints::from_der(value).map_err(|e| malformed(&oid, e))?;
            out.basic_ca = Some(b.ca);
        } else if oid == ID_CE_EXT_KEY_USAGE {
            let e = ExtendedKeyUsage::from_der(value).map_err(|e| malformed(&oid, e))?;
            out.eku = Some(e.0);
        }
        if ext.critical && !ALLOWED_CRITICAL.contains(&oid) {
            out.critical_unknown.push(oid);
        }
    }
    Ok(out)
}

/// The names (RFC 5280 spelling) of the bits set in a keyUsage extension.
pub fn key_usage_names(ku: &KeyUsage) -> Vec<String> {
    [
        (KeyUsages::DigitalSignature, "digitalSignature"),
        (KeyUsages::NonRepudiation, "nonRepudiation"),
        (KeyUsages::KeyEncipherment, "keyEncipherment"),
        (KeyUsages::DataEncipherment, "dataEncipherment"),
        (KeyUsages::KeyAgreement, "keyAgreement"),
        (KeyUsages::KeyCertSign, "keyCertSign"),
        (KeyUsages::CRLSign, "cRLSign"),
        (KeyUsages::EncipherOnly, "encipherOnly"),
        (KeyUsages::DecipherOnly, "decipherOnly"),
    ]
    .into_iter()
    .filter(|(bit, _)| ku.0.contains(*bit))
    .map(|(_, n)| n.to_string())
    .collect()
}

/// Detects the kind: a known JPKI policy OID decides; else nonRepudiation means signature,
/// and digitalSignature with clientAuth means authentication.
pub(crate) fn detect_kind(ext: &Extensions) -> Option<CertKind> {
    if let Some(p) = &ext.policies {
        if let Some(row) = POLICY_TABLE.iter().find(|r| p.contains(&r.oid)) {
            return Some(row.kind);
        }
    }
    let ku = ext.key_usage.as_ref()?;
    if ku.non_repudiation() {
        return Some(CertKind::Signature);
    }
    if ku.digital_signature() && ext.eku.as_ref().is_some_and(|e| e.contains(&ID_KP_CLIENT_AUTH)) {
        return Some(CertKind::Authentication);
    }
    None
}

/// Checks the end-entity profile and records each check in `report`. Returns the kind.
pub(crate) fn check_end_entity(
    cert: &Certificate,
    source: AnchorSource,
    report: &mut VerifyReport,
) -> Option<CertKind> {
    let ext = match extensions(cert) {
        Ok(e) => e,
        Err(f) => {
            report.check("extensions", Some(f));
            return None;
        }
    };
    report.check(
        "critical_extensions",
        ext.critical_unknown
            .first()
            .map(|oid| Failure::UnknownCriticalExtension { oid: oid.to_string() }),
    );
    report
        .check("basic_constraints", (ext.basic_ca == Some(true)).then_some(Failure::EndEntityIsCa));
    let Some(kind) = detect_kind(&ext) else {
        report.check("kind", Some(Failure::UnknownKind));
        return None;
    };
    report.kind = Some(kind);
    let ku = ext.key_usage.as_ref();
    let (required, expected): (&[KeyUsages], Vec<String>) = match kind {
        CertKind::Signature => (
            &[KeyUsages::DigitalSignature, KeyUsages::NonRepudiation],
            vec!["digitalSignature".into(), "nonRepudiation".into()],
        ),
        CertKind::Authentication => {
            (&[KeyUsages::DigitalSignature], vec!["digitalSignature".into()])
        }
    };
    let ku_ok = ku.is_some_and(|k| {
        required.iter().all(|b| k.0.contains(*b))
            && !k.0.contains(KeyUsages::KeyCertSign)
            && !k.0.contains(KeyUsages::CRLSign)
    });
    report.check(
        "key_usage",
        (!ku_ok).then(|| Failure::WrongKeyUsage {
            kind,
            found: ku.map(key_usage_names).unwrap_or_default(),
            expected,
        }),
    );
    if kind == CertKind::Authentication {
        let eku = ext.eku.clone().unwrap_or_default();
        report.check(
            "extended_key_usage",
            (!eku.contains(&ID_KP_CLIENT_AUTH)).then(|| Failure::MissingClientAuth {
                found: eku.iter().map(|o| o.to_string()).collect(),
            }),
        );
    }
    let expected = expected_policy(source, kind);
    let found = ext.policies.clone().unwrap_or_default();
    report.check(
        "certificate_policy",
        (!found.contains(&expected)).then(|| Failure::WrongPolicy {
            found: found.iter().map(|o| o.to_string()).collect(),
            expected: expected.to_string(),
        }),
    );
    Some(kind)
}

/// Checks the anchor is a CA.
pub(crate) fn check_anchor(cert: &Certificate, report: &mut VerifyReport) {
    let ca = extensions(cert).ok().and_then(|e| e.basic_ca) == Some(true);
    report.check("anchor_is_ca", (!ca).then_some(Failure::AnchorNotCa));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_table_is_complete_and_consistent() {
        assert_eq!(
            expected_policy(AnchorSource::Production, CertKind::Signature).to_string(),
            "1.2.392.200149.8.5.1.1.20"
        );
        assert_eq!(
            expected_policy(AnchorSource::Production, CertKind::Authentication).to_string(),
            "1.2.392.200149.8.5.1.3.30"
        );
        assert_eq!(
            expected_policy(AnchorSource::Test, CertKind::Signature).to_string(),
            "1.2.392.200149.8.5.1.0.20"
        );
        assert_eq!(
            expected_policy(AnchorSource::Test, CertKind::Authentication).to_string(),
            "1.2.392.200149.8.5.1.0.30"
        );
        // The virtual card's PKI expects the production OIDs.
        for r in &POLICY_TABLE {
            let src = if r.test_hierarchy { AnchorSource::Test } else { AnchorSource::Production };
            assert_eq!(expected_policy(src, r.kind), r.oid, "{}", r.source);
        }
        assert_eq!(
            expected_policy(AnchorSource::Extra, CertKind::Signature),
            expected_policy(AnchorSource::Production, CertKind::Signature)
        );
    }

    #[test]
    fn kind_from_key_usage_when_policy_unknown() {
        let mut ext = Extensions {
            key_usage: Some(KeyUsage(KeyUsages::DigitalSignature | KeyUsages::NonRepudiation)),
            policies: Some(vec![ObjectIdentifier::new_unwrap("1.2.3.4")]),
            ..Default::default()
        };
        assert_eq!(detect_kind(&ext), Some(CertKind::Signature));
        ext.key_usage = Some(KeyUsage(KeyUsages::DigitalSignature.into()));
        assert_eq!(detect_kind(&ext), None);
        ext.eku = Some(vec![ID_KP_CLIENT_AUTH]);
        assert_eq!(detect_kind(&ext), Some(CertKind::Authentication));
        ext.policies = Some(vec![POLICY_TABLE[0].oid]);
        assert_eq!(detect_kind(&ext), Some(CertKind::Signature));
    }

    fn root() -> Certificate {
        Certificate::from_der(include_bytes!("../../roots/production/signca03.cer")).unwrap()
    }

    #[test]
    fn duplicate_and_malformed_extensions_fail() {
        let mut cert = root();
        let exts = cert.tbs_certificate.extensions.as_mut().unwrap();
        let ku = exts.iter().find(|e| e.extn_id == ID_CE_KEY_USAGE).unwrap().clone();
        exts.push(ku);
        assert!(matches!(
            extensions(&cert),
            Err(Failure::DuplicateExtension { oid }) if oid == "2.5.29.15"
        ));

        let mut cert = root();
        for e in cert.tbs_certificate.extensions.as_mut().unwrap() {
            if e.extn_id == ID_CE_BASIC_CONSTRAINTS {
                e.extn_value = der::asn1::OctetString::new(vec![0x04, 0x00]).unwrap();
            }
        }
        let err = extensions(&cert).unwrap_err();
        assert!(
            matches!(&err, Failure::MalformedExtension { oid, .. } if oid == "2.5.29.19"),
            "{err}"
        );
        let mut report = VerifyReport::new("now", super::super::RevocationPolicy::Off);
        assert_eq!(check_end_entity(&cert, AnchorSource::Production, &mut report), None);
        assert_eq!(report.failures, vec![err]);
    }

    #[test]
    fn roots_are_cas() {
        let mut report = VerifyReport::new("now", super::super::RevocationPolicy::Off);
        check_anchor(&root(), &mut report);
        assert!(report.failures.is_empty());
        let ext = extensions(&root()).unwrap();
        assert_eq!(ext.basic_ca, Some(true));
        assert!(ext.critical_unknown.is_empty());
    }
}
