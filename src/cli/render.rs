//! Certificate rendering for `cert read` and `cert show`: parsing a DER or PEM certificate
//! file, and one summary ([`CertSummary`]) rendered as text or JSON: subject, issuer, serial,
//! validity (with the JST end of day), the RSA key and its modulus fingerprint, policies, key
//! usage, extended key usage, CRL distribution points, AIA, the DER's SHA-256 and, for a
//! signature certificate, the holder data decoded from the subjectAltName. Authentication
//! certificates carry no personal data, so they have no holder block.

use std::fmt;
use std::time::SystemTime;

use der::Decode;
use mynacard::verify::holder::{self, HolderData};
use mynacard::verify::result::{bounded, Timestamp};
use mynacard::verify::signature::oid_name;
use rsa::pkcs1::DecodeRsaPublicKey;
use rsa::traits::PublicKeyParts;
use serde::Serialize;
use sha2::Digest;
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::ext::pkix::{
    AuthorityInfoAccessSyntax, BasicConstraints, CertificatePolicies, CrlDistributionPoints,
    ExtendedKeyUsage, KeyUsage,
};
use x509_cert::Certificate;

/// Why bytes are not a certificate. The message names the file.
#[derive(Debug, thiserror::Error)]
pub enum CertParseError {
    /// PEM text that does not decode to one `CERTIFICATE` block.
    #[error("{file}: not a PEM certificate: {why}")]
    Pem {
        /// File name.
        file: String,
        /// What was wrong.
        why: String,
    },
    /// Bytes that are not a DER X.509 certificate.
    #[error("{file}: not a DER certificate: {why}")]
    Der {
        /// File name.
        file: String,
        /// Decoder message.
        why: String,
    },
}

/// Whether `bytes` look like PEM text (a `-----BEGIN` line after an optional byte-order mark
/// and whitespace).
pub fn looks_like_pem(bytes: &[u8]) -> bool {
    mynacard::verify::pem::looks_like_pem(bytes)
}

/// The DER of a certificate given as DER or PEM (`CERTIFICATE` label); `file` names it in
/// errors.
pub fn certificate_der(bytes: &[u8], file: &str) -> Result<Vec<u8>, CertParseError> {
    let der = if looks_like_pem(bytes) {
        let pem_err = |why: String| CertParseError::Pem { file: file.to_string(), why };
        let (label, der) =
            mynacard::verify::pem::decode(bytes).map_err(|e| pem_err(e.to_string()))?;
        if label != "CERTIFICATE" {
            return Err(pem_err(format!("PEM label {}, expected CERTIFICATE", bounded(label))));
        }
        der
    } else {
        bytes.to_vec()
    };
    Certificate::from_der(&der)
        .map_err(|e| CertParseError::Der { file: file.to_string(), why: e.to_string() })?;
    Ok(der)
}

/// What a certificate is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Signature certificate (nonRepudiation).
    Signature,
    /// User-authentication certificate (digitalSignature without nonRepudiation).
    Authentication,
    /// A CA certificate (basicConstraints cA).
    Ca,
    /// None of these.
    Unknown,
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&match self {
            Role::Signature => t!("role-signature"),
            Role::Authentication => t!("role-authentication"),
            Role::Ca => t!("role-ca"),
            Role::Unknown => t!("role-unknown"),
        })
    }
}

/// The public key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct KeySummary {
    /// `RSA-2048`, or the algorithm name for a non-RSA key.
    pub algorithm: String,
    /// Modulus size in bits (RSA only).
    pub bits: Option<usize>,
    /// Public exponent (RSA only).
    pub exponent: Option<u64>,
    /// SHA-256 of the big-endian modulus bytes (no leading zero), hex (RSA only).
    pub modulus_sha256: Option<String>,
}

/// A certificate policy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PolicySummary {
    /// Policy OID.
    pub oid: String,
}

/// An authorityInfoAccess entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AccessSummary {
    /// `ocsp`, `ca_issuers` or the method OID.
    pub method: String,
    /// The location (URL, or a rendered general name).
    pub location: String,
}

/// Everything `cert read`/`cert show` print about a certificate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CertSummary {
    /// What it is for.
    pub role: Role,
    /// Subject DN (RFC 4514).
    pub subject: String,
    /// Issuer DN (RFC 4514).
    pub issuer: String,
    /// Serial number, hex.
    pub serial: String,
    /// notBefore, RFC 3339 UTC.
    pub not_before: Timestamp,
    /// notAfter, RFC 3339 UTC.
    pub not_after: Timestamp,
    /// notAfter in Japan time (`2035-05-15 23:59:59 JST`, the end of a day for JPKI).
    pub not_after_jst: String,
    /// notAfter has passed.
    pub expired: bool,
    /// Certificate signature algorithm.
    pub signature_algorithm: String,
    /// The public key.
    pub key: KeySummary,
    /// basicConstraints cA.
    pub is_ca: bool,
    /// certificatePolicies.
    pub policies: Vec<PolicySummary>,
    /// certificatePolicies is marked critical.
    pub policies_critical: bool,
    /// keyUsage bits (RFC 5280 names).
    pub key_usage: Vec<String>,
    /// extendedKeyUsage purposes (names where known, else OIDs).
    pub extended_key_usage: Vec<String>,
    /// cRLDistributionPoints, each rendered (`DirName: …` or `URI: …`).
    pub crl_distribution_points: Vec<String>,
    /// authorityInfoAccess.
    pub authority_info_access: Vec<AccessSummary>,
    /// SHA-256 of the DER, hex.
    pub sha256: String,
    /// DER size in bytes.
    pub size: usize,
    /// Holder data from the subjectAltName (signature certificates only; `null` otherwise).
    pub holder: Option<HolderData>,
    /// Extensions that could not be decoded (the rest is still shown).
    pub warnings: Vec<String>,
}

use const_oid::db::rfc5280::{ID_AD_CA_ISSUERS as OID_AD_CA_ISSUERS, ID_AD_OCSP as OID_AD_OCSP};
use const_oid::db::rfc5912::RSA_ENCRYPTION as OID_RSA;

/// Japan Standard Time, UTC+9.
fn jst() -> time::UtcOffset {
    time::UtcOffset::from_hms(9, 0, 0).unwrap_or(time::UtcOffset::UTC)
}

/// `YYYY-MM-DD HH:MM:SS JST` for a point in time.
pub fn jst_string(t: SystemTime) -> String {
    let utc = time::OffsetDateTime::from(t);
    let j = utc.to_offset(jst());
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02} JST",
        j.year(),
        u8::from(j.month()),
        j.day(),
        j.hour(),
        j.minute(),
        j.second()
    )
}

fn general_name(n: &GeneralName) -> String {
    match n {
        GeneralName::DirectoryName(dn) => format!("DirName: {dn}"),
        GeneralName::UniformResourceIdentifier(u) => format!("URI: {}", u.as_str()),
        GeneralName::DnsName(d) => format!("DNS: {}", d.as_str()),
        GeneralName::Rfc822Name(m) => format!("email: {}", m.as_str()),
        GeneralName::RegisteredId(oid) => format!("RID: {oid}"),
        GeneralName::IpAddress(ip) => format!("IP: {}", hex::encode(ip.as_bytes())),
        GeneralName::OtherName(o) => format!("otherName: {}", o.type_id),
        GeneralName::EdiPartyName(_) => "EDI party name".to_string(),
    }
}

fn key_summary(cert: &Certificate) -> KeySummary {
    let spki = &cert.tbs_certificate.subject_public_key_info;
    if spki.algorithm.oid != OID_RSA {
        return KeySummary {
            algorithm: oid_name(&spki.algorithm.oid),
            bits: None,
            exponent: None,
            modulus_sha256: None,
        };
    }
    match rsa::RsaPublicKey::from_pkcs1_der(spki.subject_public_key.raw_bytes()) {
        Ok(key) => {
            let modulus = key.n().to_bytes_be();
            let bits = key.n().bits();
            let e = key.e().to_bytes_be();
            let exponent =
                (e.len() <= 8).then(|| e.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b)));
            KeySummary {
                algorithm: format!("RSA-{bits}"),
                bits: Some(bits),
                exponent,
                modulus_sha256: Some(hex::encode(sha2::Sha256::digest(&modulus))),
            }
        }
        Err(e) => KeySummary {
            algorithm: format!("RSA (malformed key: {e})"),
            bits: None,
            exponent: None,
            modulus_sha256: None,
        },
    }
}

impl CertSummary {
    /// Summarise a DER certificate (already checked by [`certificate_der`]); `file` names it
    /// in errors.
    pub fn from_der(der: &[u8], file: &str) -> Result<CertSummary, CertParseError> {
        let cert = Certificate::from_der(der)
            .map_err(|e| CertParseError::Der { file: file.to_string(), why: e.to_string() })?;
        let tbs = &cert.tbs_certificate;
        let mut warnings = Vec::new();
        let mut warn = |what: &str, e: der::Error| warnings.push(format!("{what}: {e}"));

        let policies_ext = tbs.get::<CertificatePolicies>().unwrap_or_else(|e| {
            warn("certificatePolicies", e);
            None
        });
        let ku = tbs.get::<KeyUsage>().unwrap_or_else(|e| {
            warn("keyUsage", e);
            None
        });
        let eku = tbs.get::<ExtendedKeyUsage>().unwrap_or_else(|e| {
            warn("extKeyUsage", e);
            None
        });
        let bc = tbs.get::<BasicConstraints>().unwrap_or_else(|e| {
            warn("basicConstraints", e);
            None
        });
        let dps = tbs.get::<CrlDistributionPoints>().unwrap_or_else(|e| {
            warn("cRLDistributionPoints", e);
            None
        });
        let aia = tbs.get::<AuthorityInfoAccessSyntax>().unwrap_or_else(|e| {
            warn("authorityInfoAccess", e);
            None
        });

        let is_ca = bc.as_ref().is_some_and(|(_, b)| b.ca);
        let key_usage = ku
            .as_ref()
            .map(|(_, k)| mynacard::verify::profile::key_usage_names(k))
            .unwrap_or_default();
        let role = if is_ca {
            Role::Ca
        } else if ku.as_ref().is_some_and(|(_, k)| k.non_repudiation()) {
            Role::Signature
        } else if ku.as_ref().is_some_and(|(_, k)| k.digital_signature()) {
            Role::Authentication
        } else {
            Role::Unknown
        };
        let holder = if role == Role::Signature {
            match holder::decode(&cert) {
                Ok(h) => h,
                Err(e) => {
                    warnings.push(format!("holder data: {e}"));
                    None
                }
            }
        } else {
            None
        };
        let crl_distribution_points = dps
            .map(|(_, d)| {
                d.0.iter()
                    .flat_map(|dp| match &dp.distribution_point {
                        Some(DistributionPointName::FullName(names)) => {
                            names.iter().map(general_name).collect::<Vec<_>>()
                        }
                        Some(DistributionPointName::NameRelativeToCRLIssuer(rdn)) => {
                            vec![format!("relative name: {rdn}")]
                        }
                        None => vec!["(CRL issuer only)".to_string()],
                    })
                    .collect()
            })
            .unwrap_or_default();
        let authority_info_access = aia
            .map(|(_, a)| {
                a.0.iter()
                    .map(|ad| AccessSummary {
                        method: if ad.access_method == OID_AD_OCSP {
                            "ocsp".to_string()
                        } else if ad.access_method == OID_AD_CA_ISSUERS {
                            "ca_issuers".to_string()
                        } else {
                            ad.access_method.to_string()
                        },
                        location: match &ad.access_location {
                            GeneralName::UniformResourceIdentifier(u) => u.as_str().to_string(),
                            other => general_name(other),
                        },
                    })
                    .collect()
            })
            .unwrap_or_default();
        let not_after = tbs.validity.not_after.to_system_time();
        Ok(CertSummary {
            role,
            subject: tbs.subject.to_string(),
            issuer: tbs.issuer.to_string(),
            serial: hex::encode(tbs.serial_number.as_bytes()),
            not_before: Timestamp(tbs.validity.not_before.to_system_time()),
            not_after: Timestamp(not_after),
            not_after_jst: jst_string(not_after),
            expired: not_after < SystemTime::now(),
            signature_algorithm: oid_name(&cert.signature_algorithm.oid),
            key: key_summary(&cert),
            is_ca,
            policies_critical: policies_ext.as_ref().is_some_and(|(c, _)| *c),
            policies: policies_ext
                .map(|(_, p)| {
                    p.0.iter()
                        .map(|pi| PolicySummary { oid: pi.policy_identifier.to_string() })
                        .collect()
                })
                .unwrap_or_default(),
            key_usage,
            extended_key_usage: eku
                .map(|(_, e)| e.0.iter().map(oid_name).collect())
                .unwrap_or_default(),
            crl_distribution_points,
            authority_info_access,
            sha256: hex::encode(sha2::Sha256::digest(der)),
            size: der.len(),
            holder,
            warnings,
        })
    }

    /// JSON rendering (one document, stable snake_case names).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }
}

impl fmt::Display for CertSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}", self.role)?;
        writeln!(f, "{}", t!("cert-subject", value = self.subject.clone()))?;
        writeln!(f, "{}", t!("cert-issuer", value = self.issuer.clone()))?;
        writeln!(f, "{}", t!("cert-serial", value = self.serial.clone()))?;
        writeln!(f, "{}", t!("cert-valid-from", value = self.not_before.to_string()))?;
        let until = t!(
            "cert-valid-until",
            value = self.not_after.to_string(),
            jst = super::dates::jst_time(self.not_after.0)
        );
        match self.expired {
            true => writeln!(f, "{until}{}", t!("cert-expired"))?,
            false => writeln!(f, "{until}")?,
        }
        match (&self.key.bits, &self.key.modulus_sha256) {
            (Some(_), Some(fp)) => writeln!(
                f,
                "{}",
                t!("cert-key-fingerprint", key = self.key.algorithm.clone(), sha256 = fp.clone())
            )?,
            _ => writeln!(f, "{}", t!("cert-key", key = self.key.algorithm.clone()))?,
        }
        writeln!(
            f,
            "{}",
            t!("cert-signature-algorithm", value = self.signature_algorithm.clone())
        )?;
        if self.is_ca {
            writeln!(f, "{}", t!("cert-ca", value = t!("word-yes")))?;
        }
        if !self.policies.is_empty() {
            let oids: Vec<&str> = self.policies.iter().map(|p| p.oid.as_str()).collect();
            let oids = oids.join(", ");
            match self.policies_critical {
                true => writeln!(f, "{}", t!("cert-policies-critical", value = oids))?,
                false => writeln!(f, "{}", t!("cert-policies", value = oids))?,
            }
        }
        if !self.key_usage.is_empty() {
            writeln!(f, "{}", t!("cert-key-usage", value = self.key_usage.join(", ")))?;
        }
        if !self.extended_key_usage.is_empty() {
            let eku = self.extended_key_usage.join(", ");
            writeln!(f, "{}", t!("cert-extended-key-usage", value = eku))?;
        }
        for dp in &self.crl_distribution_points {
            writeln!(f, "{}", t!("cert-crl-dp", value = dp.clone()))?;
        }
        for a in &self.authority_info_access {
            let value = format!("{} {}", a.method, a.location);
            writeln!(f, "{}", t!("cert-aia", value = value))?;
        }
        writeln!(f, "sha256: {}", self.sha256)?;
        if let Some(h) = &self.holder {
            write!(f, "{}", holder_text(h))?;
        }
        for w in &self.warnings {
            writeln!(f, "{}", t!("cert-warning", value = w.clone()))?;
        }
        Ok(())
    }
}

/// The holder block of a signature certificate, in the language in force.
pub fn holder_text(h: &HolderData) -> String {
    use mynacard::verify::holder::RecordedSex;
    let mut out = format!("{}\n", t!("holder-heading"));
    let mut line = |text: String| {
        out.push_str("  ");
        out.push_str(&text);
        out.push('\n');
    };
    if let Some(n) = &h.name {
        line(t!("holder-name", value = n.clone()));
    }
    if let Some(b) = &h.birth_date {
        match (&b.era, &b.gregorian) {
            (Some(e), Some(g)) => line(t!(
                "holder-birth",
                date = super::dates::birth_text(g),
                digit = b.raw.get(..1).unwrap_or("").to_string(),
                era = e.kanji()
            )),
            _ => line(t!("holder-birth-unparsed", value = b.raw.clone())),
        }
    }
    if let Some(s) = &h.sex {
        let s = match s {
            RecordedSex::Known(sex) => super::messages::sex_text(*sex),
            RecordedSex::Other(v) => t!("sex-other-code", code = v.clone()),
        };
        line(t!("holder-sex", value = s));
    }
    if let Some(a) = &h.address {
        line(t!("holder-address", value = a.clone()));
    }
    for o in &h.other {
        let value = o.text.as_deref().unwrap_or(&o.value_hex).to_string();
        line(t!("holder-other", oid = o.oid.to_string(), value = value));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIGN: &[u8] = include_bytes!("../../sim-image/default/pki/sign-cert.der");
    const AUTH: &[u8] = include_bytes!("../../sim-image/default/pki/auth-cert.der");
    const ROOT_PEM: &[u8] = include_bytes!("../../sim-image/default/pki/sign-root.pem");

    #[test]
    fn sign_certificate_summary_has_the_holder() {
        let s = CertSummary::from_der(SIGN, "sign").unwrap();
        assert_eq!(s.role, Role::Signature);
        assert_eq!(s.serial, "01001234");
        assert_eq!(s.not_after.to_string(), "2035-05-15T14:59:59Z");
        assert_eq!(s.not_after_jst, "2035-05-15 23:59:59 JST");
        assert_eq!(s.key.algorithm, "RSA-2048");
        assert_eq!(s.key.exponent, Some(65537));
        assert_eq!(s.policies[0].oid, "1.2.392.200149.8.5.1.1.20");
        assert!(s.policies_critical);
        assert_eq!(s.key_usage, ["digitalSignature", "nonRepudiation"]);
        let h = s.holder.as_ref().unwrap();
        assert_eq!(h.name.as_deref(), Some("番号\u{3000}花子"));
        assert!(s.crl_distribution_points[0].contains("Yumemi-shi CRLDP"), "{s}");
        assert!(s.warnings.is_empty());
        let text = s.to_string();
        assert!(text.contains("holder:\n  name: 番号\u{3000}花子"), "{text}");
    }

    #[test]
    fn auth_certificate_has_no_holder() {
        let s = CertSummary::from_der(AUTH, "auth").unwrap();
        assert_eq!(s.role, Role::Authentication);
        assert!(s.holder.is_none());
        assert!(!s.to_string().contains("holder"));
    }

    #[test]
    fn pem_and_der_parse_and_garbage_is_named() {
        let der = certificate_der(ROOT_PEM, "root.pem").unwrap();
        assert_eq!(CertSummary::from_der(&der, "r").unwrap().role, Role::Ca);
        let e = certificate_der(b"hello", "x.bin").unwrap_err();
        assert!(matches!(e, CertParseError::Der { .. }));
        assert!(e.to_string().starts_with("x.bin: not a DER certificate"), "{e}");
        let e =
            certificate_der(b"-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n", "c.pem")
                .unwrap_err();
        assert!(matches!(e, CertParseError::Pem { .. }));
        assert!(e.to_string().contains("c.pem"), "{e}");
        let e = CertSummary::from_der(b"\x30\x00", "z").unwrap_err();
        assert!(e.to_string().starts_with("z: "), "{e}");
    }
}
