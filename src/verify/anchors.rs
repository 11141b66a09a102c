//! Trust anchors: the six production J-LIS roots embedded and pinned by SHA-256, the test-card
//! roots (`O=JPKI-TEST`) behind an explicit opt-in, extra anchors from files (DER or PEM), and
//! the choice of an end-entity certificate's issuer by authorityKeyIdentifier. All root
//! generations of a hierarchy share one DN, so a name never selects an anchor by itself.

use std::fmt;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use der::Decode;
use serde::Serialize;
use sha2::Digest;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{AuthorityKeyIdentifier, SubjectKeyIdentifier};
use x509_cert::Certificate;

use super::pkcs1::RsaKey;
use super::result::{bounded, Failure};
use super::Hierarchy;

/// Where an anchor came from; decides which policy OIDs the profile expects.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AnchorSource {
    /// Embedded production J-LIS root.
    Production,
    /// Embedded test-card root (`O=JPKI-TEST`).
    Test,
    /// Given by the user (`--trust-anchor`); expects the production policy OIDs.
    Extra,
}

/// Why an anchor could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum AnchorError {
    /// The file could not be read.
    #[error("cannot read trust anchor {file}: {source}")]
    Io {
        /// File name.
        file: String,
        /// Cause.
        source: std::io::Error,
    },
    /// Neither a DER nor a PEM certificate.
    #[error("trust anchor {file} is not a certificate: {why}")]
    NotACertificate {
        /// File name or label.
        file: String,
        /// Decoder message.
        why: String,
    },
    /// An embedded root does not hash to its pinned fingerprint.
    #[error("pinned root {name} has SHA-256 {found}, expected {expected}")]
    PinMismatch {
        /// Root file name.
        name: String,
        /// Pinned fingerprint.
        expected: String,
        /// Computed fingerprint.
        found: String,
    },
}

/// A pinned embedded root: file name, DER, SHA-256 from `jpki-roots/README.md`.
struct Pinned {
    name: &'static str,
    der: &'static [u8],
    sha256: &'static str,
}

/// Production roots; fingerprints from the J-LIS root table (`jpki-roots/README.md`).
const PRODUCTION: [Pinned; 6] = [
    Pinned {
        name: "signca01.cer",
        der: include_bytes!("../../roots/production/signca01.cer"),
        sha256: "19645405a1fe14377434bd55957628ac4038557c542403a2243f21c706fc9355",
    },
    Pinned {
        name: "signca02.cer",
        der: include_bytes!("../../roots/production/signca02.cer"),
        sha256: "79679c33e4cc9319440f1ad120a597ff1844e2ef217063adb176966fd5e6fbeb",
    },
    Pinned {
        name: "signca03.cer",
        der: include_bytes!("../../roots/production/signca03.cer"),
        sha256: "d227f6cde11d35c5252178f106f843d24651944975413b539fa2fb68dbfa365f",
    },
    Pinned {
        name: "authca01.cer",
        der: include_bytes!("../../roots/production/authca01.cer"),
        sha256: "4dcfc4ca0aaf9fb2a3081b3f0c991c320b3acc008667a341eeaec5af1d58ca7d",
    },
    Pinned {
        name: "authca02.cer",
        der: include_bytes!("../../roots/production/authca02.cer"),
        sha256: "0d98de47fc11b7f67126874b7028b6026a803d2638d6edfe53176953961fade6",
    },
    Pinned {
        name: "authca03.cer",
        der: include_bytes!("../../roots/production/authca03.cer"),
        sha256: "64114f29620c24ed2631d46476a040e7ee740d956089c00b036a6a8118c322b5",
    },
];

/// Test-card roots (`O=JPKI-TEST`), offered only with [`Hierarchy::Test`].
const TEST: [Pinned; 4] = [
    Pinned {
        name: "signca-test-2019.cer",
        der: include_bytes!("../../roots/test/signca-test-2019.cer"),
        sha256: "7bdbdf2652a15e6d458efc143b7201242e1162416251d0903060fa7c642465cc",
    },
    Pinned {
        name: "signca-test-2024.cer",
        der: include_bytes!("../../roots/test/signca-test-2024.cer"),
        sha256: "8126df7dd2db230bd8ee48caa40fc3417dde3607050ed34973d8d3cf267fe723",
    },
    Pinned {
        name: "authca-test-2019.cer",
        der: include_bytes!("../../roots/test/authca-test-2019.cer"),
        sha256: "b6de0ff5a384f5af0242a6ca854dee57ee2cad97b341f18b914948fd8e638706",
    },
    Pinned {
        name: "authca-test-2023.cer",
        der: include_bytes!("../../roots/test/authca-test-2023.cer"),
        sha256: "5a0e7d690c718fadebc7fb6eff66a6dd623458debc1aa6fb1778bfe157cbeb25",
    },
];

/// A trusted root certificate with what issuer selection and reports need, worked out once
/// when the anchor is loaded: fingerprint, key identifier, subject text and public key. Clones
/// share one copy.
#[derive(Clone)]
pub struct TrustAnchor(Arc<Anchor>);

struct Anchor {
    der: Vec<u8>,
    cert: Certificate,
    sha256: [u8; 32],
    key_id: Vec<u8>,
    source: AnchorSource,
    label: String,
    subject: String,
    key: Result<RsaKey, String>,
}

impl fmt::Debug for TrustAnchor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TrustAnchor")
            .field("label", &self.0.label)
            .field("source", &self.0.source)
            .field("sha256", &hex::encode(self.0.sha256))
            .finish()
    }
}

impl TrustAnchor {
    /// An anchor from DER bytes.
    pub fn from_der(der: &[u8], source: AnchorSource, label: &str) -> Result<Self, AnchorError> {
        let cert = Certificate::from_der(der).map_err(|e| AnchorError::NotACertificate {
            file: label.to_string(),
            why: e.to_string(),
        })?;
        let ski = cert.tbs_certificate.get::<SubjectKeyIdentifier>().map_err(|e| {
            AnchorError::NotACertificate {
                file: label.to_string(),
                why: format!("subjectKeyIdentifier: {e}"),
            }
        })?;
        let key_id = match ski {
            Some((_, ski)) => ski.0.as_bytes().to_vec(),
            // RFC 5280 §4.2.1.2 method (1): SHA-1 of the subjectPublicKey BIT STRING value.
            None => sha1::Sha1::digest(
                cert.tbs_certificate.subject_public_key_info.subject_public_key.raw_bytes(),
            )
            .to_vec(),
        };
        Ok(TrustAnchor(Arc::new(Anchor {
            sha256: sha2::Sha256::digest(der).into(),
            der: der.to_vec(),
            subject: super::names::name_text(&cert.tbs_certificate.subject),
            key: RsaKey::from_spki(&cert.tbs_certificate.subject_public_key_info),
            cert,
            key_id,
            source,
            label: label.to_string(),
        })))
    }

    /// An anchor from PEM text or DER bytes.
    pub fn from_pem_or_der(
        bytes: &[u8],
        source: AnchorSource,
        label: &str,
    ) -> Result<Self, AnchorError> {
        let bytes = super::pem::strip_bom(bytes);
        if bytes.starts_with(b"-----BEGIN") || bytes.trim_ascii_start().starts_with(b"-----BEGIN") {
            let text = std::str::from_utf8(bytes).map_err(|e| AnchorError::NotACertificate {
                file: label.to_string(),
                why: e.to_string(),
            })?;
            let (tag, der) = der::pem::decode_vec(text.trim().as_bytes()).map_err(|e| {
                AnchorError::NotACertificate { file: label.to_string(), why: e.to_string() }
            })?;
            if tag != "CERTIFICATE" {
                return Err(AnchorError::NotACertificate {
                    file: label.to_string(),
                    why: format!("PEM label {}, expected CERTIFICATE", bounded(tag)),
                });
            }
            Self::from_der(&der, source, label)
        } else {
            Self::from_der(bytes, source, label)
        }
    }

    /// An extra anchor read from a file (`--trust-anchor FILE`), DER or PEM.
    pub fn from_file(path: &Path) -> Result<Self, AnchorError> {
        let label = path.display().to_string();
        let bytes = std::fs::read(path)
            .map_err(|source| AnchorError::Io { file: label.clone(), source })?;
        Self::from_pem_or_der(&bytes, AnchorSource::Extra, &label)
    }

    /// The decoded certificate.
    pub fn certificate(&self) -> &Certificate {
        &self.0.cert
    }
    /// Its DER.
    pub fn der(&self) -> &[u8] {
        &self.0.der
    }
    /// SHA-256 of its DER.
    pub fn sha256(&self) -> [u8; 32] {
        self.0.sha256
    }
    /// Its key identifier (SKI, or SHA-1 of the public key when it has none).
    pub fn key_id(&self) -> &[u8] {
        &self.0.key_id
    }
    /// Where it came from.
    pub fn source(&self) -> AnchorSource {
        self.0.source
    }
    /// File name or label.
    pub fn label(&self) -> &str {
        &self.0.label
    }
    /// Its subject name as text (RFC 4514, as `Name`'s `Display` writes it).
    pub fn subject_text(&self) -> &str {
        &self.0.subject
    }
    /// Its RSA public key, or why it is unusable.
    pub(crate) fn key(&self) -> Result<&RsaKey, &str> {
        self.0.key.as_ref().map_err(String::as_str)
    }
}

/// The same error again (a pinned set's load error is kept and returned on every use).
fn repeat(e: &AnchorError) -> AnchorError {
    match e {
        AnchorError::Io { file, source } => AnchorError::Io {
            file: file.clone(),
            source: std::io::Error::new(source.kind(), source.to_string()),
        },
        AnchorError::NotACertificate { file, why } => {
            AnchorError::NotACertificate { file: file.clone(), why: why.clone() }
        }
        AnchorError::PinMismatch { name, expected, found } => AnchorError::PinMismatch {
            name: name.clone(),
            expected: expected.clone(),
            found: found.clone(),
        },
    }
}

/// The embedded roots of one list, checked against their pins and parsed on first use.
fn pinned_set(
    cell: &'static OnceLock<Result<Vec<TrustAnchor>, AnchorError>>,
    list: &'static [Pinned],
    source: AnchorSource,
) -> Result<&'static [TrustAnchor], AnchorError> {
    cell.get_or_init(|| list.iter().map(|p| load_pinned(p, source)).collect())
        .as_deref()
        .map_err(repeat)
}

static PRODUCTION_ANCHORS: OnceLock<Result<Vec<TrustAnchor>, AnchorError>> = OnceLock::new();
static TEST_ANCHORS: OnceLock<Result<Vec<TrustAnchor>, AnchorError>> = OnceLock::new();

fn load_pinned(p: &Pinned, source: AnchorSource) -> Result<TrustAnchor, AnchorError> {
    check_pin(p.name, p.der, p.sha256)?;
    TrustAnchor::from_der(p.der, source, p.name)
}

/// Compares SHA-256 of `der` with the pinned hex fingerprint.
pub(crate) fn check_pin(name: &str, der: &[u8], expected_hex: &str) -> Result<(), AnchorError> {
    let found = hex::encode(sha2::Sha256::digest(der));
    if found != expected_hex {
        return Err(AnchorError::PinMismatch {
            name: name.to_string(),
            expected: expected_hex.to_string(),
            found,
        });
    }
    Ok(())
}

/// How the issuer was matched.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MatchBy {
    /// authorityKeyIdentifier keyId alone.
    KeyId,
    /// keyId, tie broken by authorityCertIssuer + authorityCertSerialNumber.
    KeyIdIssuerSerial,
    /// The certificate has no keyId: same-name anchors, each tried by signature.
    NameAndSignature,
}

impl MatchBy {
    /// Stable name for reports.
    pub fn name(self) -> &'static str {
        match self {
            MatchBy::KeyId => "key_id",
            MatchBy::KeyIdIssuerSerial => "key_id_issuer_serial",
            MatchBy::NameAndSignature => "name_and_signature",
        }
    }
}

/// The set of anchors in force for one verification. The embedded roots are checked against
/// their pins and parsed once per process; the store shares them and the extra anchors.
#[derive(Clone, Debug)]
pub struct TrustStore {
    anchors: Vec<TrustAnchor>,
}

impl TrustStore {
    /// Pinned roots of `hierarchy` (test roots only with [`Hierarchy::Test`]) plus `extra`.
    /// A pinned root that does not hash to its fingerprint is an error.
    pub fn new(hierarchy: Hierarchy, extra: &[TrustAnchor]) -> Result<Self, AnchorError> {
        let production = pinned_set(&PRODUCTION_ANCHORS, &PRODUCTION, AnchorSource::Production)?;
        let test = match hierarchy {
            Hierarchy::Test => pinned_set(&TEST_ANCHORS, &TEST, AnchorSource::Test)?,
            Hierarchy::Production => &[],
        };
        let anchors = production.iter().chain(test).chain(extra).cloned().collect();
        Ok(TrustStore { anchors })
    }

    /// The anchors, embedded first.
    pub fn anchors(&self) -> &[TrustAnchor] {
        &self.anchors
    }

    /// Candidate issuers of `ee`, best first: by authorityKeyIdentifier keyId, tie broken by
    /// authorityCertIssuer + authorityCertSerialNumber. Without a keyId, anchors whose subject
    /// equals the issuer name are returned, to be told apart by signature only.
    pub fn candidates(&self, ee: &Certificate) -> Result<(Vec<&TrustAnchor>, MatchBy), Failure> {
        let aki = ee
            .tbs_certificate
            .get::<AuthorityKeyIdentifier>()
            .map_err(|e| Failure::MalformedExtension {
                oid: "2.5.29.35".into(),
                why: e.to_string(),
            })?
            .map(|(_, aki)| aki);
        let issuer = &ee.tbs_certificate.issuer;
        let untrusted = |key_id: String| Failure::UntrustedIssuer {
            issuer: bounded(&issuer.to_string()),
            key_id,
        };
        let Some(key_id) = aki.as_ref().and_then(|a| a.key_identifier.as_ref()) else {
            let by_name: Vec<&TrustAnchor> = self
                .anchors
                .iter()
                .filter(|a| &a.0.cert.tbs_certificate.subject == issuer)
                .collect();
            if by_name.is_empty() {
                return Err(untrusted("none".into()));
            }
            return Ok((by_name, MatchBy::NameAndSignature));
        };
        let by_key: Vec<&TrustAnchor> =
            self.anchors.iter().filter(|a| a.0.key_id == key_id.as_bytes()).collect();
        if by_key.is_empty() {
            return Err(untrusted(bounded(&hex::encode(key_id.as_bytes()))));
        }
        if by_key.len() > 1 {
            if let Some(aki) = &aki {
                if let (Some(names), Some(serial)) =
                    (&aki.authority_cert_issuer, &aki.authority_cert_serial_number)
                {
                    let narrowed: Vec<&TrustAnchor> = by_key
                        .iter()
                        .copied()
                        .filter(|a| {
                            &a.0.cert.tbs_certificate.serial_number == serial
                                && names.iter().any(|n| match n {
                                    GeneralName::DirectoryName(dn) => {
                                        dn == &a.0.cert.tbs_certificate.subject
                                    }
                                    _ => false,
                                })
                        })
                        .collect();
                    if !narrowed.is_empty() {
                        return Ok((narrowed, MatchBy::KeyIdIssuerSerial));
                    }
                }
            }
        }
        Ok((by_key, MatchBy::KeyId))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn production_roots_load_and_are_pinned() {
        let store = TrustStore::new(Hierarchy::Production, &[]).unwrap();
        assert_eq!(store.anchors().len(), 6);
        for (a, p) in store.anchors().iter().zip(PRODUCTION.iter()) {
            assert_eq!(hex::encode(a.sha256()), p.sha256);
            assert_eq!(a.source(), AnchorSource::Production);
            assert!(a.label().ends_with(".cer"));
        }
        // Three generations per hierarchy share one DN but have distinct key ids.
        let subj: Vec<String> = store
            .anchors()
            .iter()
            .map(|a| a.certificate().tbs_certificate.subject.to_string())
            .collect();
        assert_eq!(subj[0], subj[1]);
        assert_eq!(subj[1], subj[2]);
        let mut ids: Vec<&[u8]> = store.anchors().iter().map(|a| a.key_id()).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 6);
        assert_eq!(
            hex::encode(store.anchors()[2].key_id()),
            "d21ea55895617e93adbf966b941ab4edf653f08f"
        );
    }

    #[test]
    fn test_roots_only_with_opt_in() {
        let store = TrustStore::new(Hierarchy::Test, &[]).unwrap();
        assert_eq!(store.anchors().len(), 10);
        assert!(store.anchors().iter().filter(|a| a.source() == AnchorSource::Test).all(|a| a
            .certificate()
            .tbs_certificate
            .subject
            .to_string()
            .contains("O=JPKI-TEST")));
        let prod = TrustStore::new(Hierarchy::Production, &[]).unwrap();
        assert!(prod.anchors().iter().all(|a| a.source() == AnchorSource::Production));
    }

    #[test]
    fn pin_mismatch_is_an_error() {
        let err = check_pin("signca03.cer", PRODUCTION[0].der, PRODUCTION[2].sha256).unwrap_err();
        assert!(matches!(err, AnchorError::PinMismatch { .. }));
        assert!(err.to_string().contains("signca03.cer"));
        assert!(err.to_string().contains(PRODUCTION[0].sha256));
    }

    #[test]
    fn extra_anchor_from_pem_der_and_errors() {
        let pem =
            der::pem::encode_string("CERTIFICATE", der::pem::LineEnding::LF, PRODUCTION[1].der)
                .unwrap();
        let a = TrustAnchor::from_pem_or_der(pem.as_bytes(), AnchorSource::Extra, "x.pem").unwrap();
        assert_eq!(hex::encode(a.sha256()), PRODUCTION[1].sha256);
        let b =
            TrustAnchor::from_pem_or_der(PRODUCTION[1].der, AnchorSource::Extra, "x.der").unwrap();
        assert_eq!(a.key_id(), b.key_id());

        let bad =
            TrustAnchor::from_pem_or_der(b"garbage", AnchorSource::Extra, "g.der").unwrap_err();
        assert!(matches!(bad, AnchorError::NotACertificate { .. }));
        assert!(bad.to_string().contains("g.der"));
        let key_pem = "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n";
        let bad = TrustAnchor::from_pem_or_der(key_pem.as_bytes(), AnchorSource::Extra, "k.pem")
            .unwrap_err();
        assert!(bad.to_string().contains("PUBLIC KEY"), "{bad}");

        let missing = TrustAnchor::from_file(Path::new("/nonexistent/anchor.pem")).unwrap_err();
        assert!(matches!(missing, AnchorError::Io { .. }));
        assert!(missing.to_string().contains("/nonexistent/anchor.pem"));
    }
}
