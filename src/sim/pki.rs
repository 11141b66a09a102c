//! The virtual card's test PKI: two self-signed JPKI-style roots (digital signature and user
//! authentication), the card's end-entity certificates with the JPKI profile of docs/card-facts.md §7,
//! a delegated OCSP responder per root, and municipality-partitioned CRLs (docs/card-facts.md §7).
//!
//! Everything is deterministic: keys come from `ChaCha20Rng::seed_from_u64(seed)` (one stream
//! per key), validity times are fixed and PKCS#1 v1.5 signatures are deterministic, so the same
//! seed and holder always give the same bytes.
//!
//! Besides the fixed set ([`SimPki::generate`]), this module exposes the tools to make more:
//! [`Issuer::issue`] with a [`CertSpec`] (validity, key usage, policies, SAN, CRLDP, AIA, extra
//! and unknown critical extensions) for negative verification tests, and [`build_crl`] /
//! [`build_crl_with`] that encode entries directly and sign once, fast enough for CRLs with
//! millions of entries.

use std::fmt;
use std::time::Duration;

use const_oid::db::rfc5280 as oids5280;
use const_oid::{AssociatedOid, ObjectIdentifier};
use der::asn1::{
    Any, BitString, Ia5String, OctetString, PrintableStringRef, SetOfVec, Utf8StringRef,
};
use der::asn1::{GeneralizedTime, UtcTime};
use der::pem::LineEnding;
use der::{DateTime, Decode, Encode};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use rsa::pkcs1v15::SigningKey;
use rsa::pkcs8::EncodePublicKey;
use rsa::traits::PublicKeyParts;
use rsa::{RsaPrivateKey, RsaPublicKey};
use sha1::{Digest, Sha1};
use sha2::Sha256;
use signature::{SignatureEncoding, Signer};
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use time::macros::datetime;
use time::OffsetDateTime;
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::certificate::{Certificate, TbsCertificate, Version};
use x509_cert::ext::pkix::certpolicy::PolicyInformation;
use x509_cert::ext::pkix::crl::dp::DistributionPoint;
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName, OtherName};
use x509_cert::ext::pkix::{
    AccessDescription, AuthorityInfoAccessSyntax, AuthorityKeyIdentifier, BasicConstraints,
    CertificatePolicies, CrlDistributionPoints, CrlNumber, CrlReason, ExtendedKeyUsage,
    IssuerAltName, IssuingDistributionPoint, KeyUsage, KeyUsages, SubjectAltName,
    SubjectKeyIdentifier,
};
use x509_cert::ext::Extension;
use x509_cert::name::{Name, RdnSequence, RelativeDistinguishedName};
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::{Time, Validity};

/// Object identifiers of the test PKI: the JPKI profile's from `facts::oid`, plus one no
/// verifier knows.
pub mod oid {
    use const_oid::ObjectIdentifier;

    pub use crate::facts::oid::{
        POLICY_AUTH, POLICY_SIGN, SAN_ADDRESS, SAN_ADDRESS_FLAGS, SAN_BIRTH, SAN_NAME,
        SAN_NAME_FLAGS, SAN_SEX,
    };

    /// An extension OID no verifier knows (private arc, for "unknown critical extension" tests).
    pub const UNKNOWN_EXTENSION: ObjectIdentifier =
        ObjectIdentifier::new_unwrap("1.3.6.1.4.1.55555.1.1");
}

/// Seed of the committed default image (`sim-image/default/`).
pub const DEFAULT_SEED: u64 = 0x6d79_6e61_6361_7264; // "mynacard"

/// Loopback OCSP URL placed in the authentication certificate's AIA.
pub const SIM_OCSP_URL: &str = "http://127.0.0.1:18080/ocsp";

/// Hierarchy name used in DNs: digital signature.
pub const OU_SIGN: &str = "JPKI for digital signature";
/// Hierarchy name used in DNs: user authentication.
pub const OU_AUTH: &str = "JPKI for user authentication";
const OU_JLIS: &str = "Japan Agency for Local Authority Information Systems";
const O_SIM: &str = "JPKI-SIM";

/// Everything that can go wrong while building certificates and CRLs.
#[derive(Debug, thiserror::Error)]
pub enum PkiError {
    /// RSA key generation failed (for instance an impossible key size).
    #[error("generating a {bits}-bit RSA key failed: {detail}")]
    KeyGeneration {
        /// Requested modulus size.
        bits: usize,
        /// What the RSA library said.
        detail: String,
    },
    /// A distinguished-name attribute was unknown or its value not encodable.
    #[error("distinguished name attribute {attribute}: {reason}")]
    InvalidName {
        /// Attribute short name as given (`C`, `O`, …).
        attribute: String,
        /// Why it was refused.
        reason: &'static str,
    },
    /// A time could not be represented in a certificate or CRL (before 1970 or after 9999).
    #[error("time {0} cannot be encoded in X.509 (supported: 1970..=9999)")]
    TimeOutOfRange(String),
    /// A DER structure could not be encoded or decoded.
    #[error("DER {what}: {detail}")]
    Der {
        /// Which structure.
        what: &'static str,
        /// What the DER library said.
        detail: String,
    },
    /// The private key handed to [`Issuer::from_parts`] does not match the certificate.
    #[error("the private key does not match the public key of certificate {subject}")]
    KeyMismatch {
        /// Subject of the certificate.
        subject: String,
    },
    /// RSA signing failed (for instance a key too small for a SHA-256 DigestInfo).
    #[error("signing with the {bits}-bit issuer key failed: {detail}")]
    Signing {
        /// Issuer key size.
        bits: usize,
        /// What the RSA library said.
        detail: String,
    },
    /// The holder's data cannot make the card's codes (照合番号B, 生年月日 key), e.g. a
    /// birth date outside the era table or a security code that is not 4 digits.
    #[error("card holder: {0}")]
    Holder(#[from] crate::carddata::records::CodeError),
    /// A URL or other IA5String value contained characters outside IA5.
    #[error("{what} is not an IA5String: {value:?}")]
    NotIa5 {
        /// Which field.
        what: &'static str,
        /// The refused value.
        value: String,
    },
}

fn der_err(what: &'static str) -> impl Fn(der::Error) -> PkiError {
    move |e| PkiError::Der { what, detail: e.to_string() }
}

/// Generate an RSA key deterministically: stream `stream` of `ChaCha20Rng::seed_from_u64(seed)`.
pub fn generate_key(seed: u64, stream: u64, bits: usize) -> Result<RsaPrivateKey, PkiError> {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    rng.set_stream(stream);
    RsaPrivateKey::new(&mut rng, bits)
        .map_err(|e| PkiError::KeyGeneration { bits, detail: e.to_string() })
}

/// Build a distinguished name from `(attribute, value)` pairs, one RDN each, in order.
///
/// Attributes: `C` (PrintableString, as on the J-LIS roots), `ST`, `L`, `O`, `OU`, `CN`
/// (UTF8String). Example: `dn(&[("C", "JP"), ("CN", "SIM0001")])`.
pub fn dn(attrs: &[(&str, &str)]) -> Result<Name, PkiError> {
    let mut rdns = Vec::with_capacity(attrs.len());
    for (attr, value) in attrs {
        let invalid = |reason| PkiError::InvalidName { attribute: (*attr).to_string(), reason };
        let (oid, any) = match *attr {
            "C" => {
                let s =
                    PrintableStringRef::new(value).map_err(|_| invalid("not a PrintableString"))?;
                (const_oid::db::rfc4519::C, Any::encode_from(&s))
            }
            "ST" | "L" | "O" | "OU" | "CN" => {
                let oid = match *attr {
                    "ST" => const_oid::db::rfc4519::ST,
                    "L" => const_oid::db::rfc4519::L,
                    "O" => const_oid::db::rfc4519::O,
                    "OU" => const_oid::db::rfc4519::OU,
                    _ => const_oid::db::rfc4519::CN,
                };
                let s = Utf8StringRef::new(value).map_err(|_| invalid("value too long"))?;
                (oid, Any::encode_from(&s))
            }
            _ => return Err(invalid("unknown attribute (use C, ST, L, O, OU or CN)")),
        };
        if value.is_empty() {
            return Err(invalid("empty value"));
        }
        let atv = AttributeTypeAndValue { oid, value: any.map_err(der_err("name attribute"))? };
        let set = SetOfVec::try_from(vec![atv]).map_err(der_err("relative distinguished name"))?;
        rdns.push(RelativeDistinguishedName(set));
    }
    Ok(RdnSequence(rdns))
}

/// The DN of a sim root: `C=JP, O=JPKI-SIM, OU=<hierarchy>, OU=Japan Agency for …`.
pub fn root_dn(hierarchy_ou: &str) -> Result<Name, PkiError> {
    dn(&[("C", "JP"), ("O", O_SIM), ("OU", hierarchy_ou), ("OU", OU_JLIS)])
}

/// The DirName CRL distribution point of a municipality:
/// `C=JP, O=JPKI-SIM, OU=<hierarchy>, OU=CRL Distribution Points, OU=<prefecture>, CN=<city> CRLDP`.
pub fn crl_dp_dn(hierarchy_ou: &str, prefecture: &str, city: &str) -> Result<Name, PkiError> {
    dn(&[
        ("C", "JP"),
        ("O", O_SIM),
        ("OU", hierarchy_ou),
        ("OU", "CRL Distribution Points"),
        ("OU", prefecture),
        ("CN", &format!("{city} CRLDP")),
    ])
}

/// Convert a time to the X.509 encoding RFC 5280 asks for: UTCTime through 2049,
/// GeneralizedTime from 2050. Sub-second parts are dropped.
pub fn x509_time(t: OffsetDateTime) -> Result<Time, PkiError> {
    let out_of_range = || PkiError::TimeOutOfRange(t.to_string());
    let secs = u64::try_from(t.unix_timestamp()).map_err(|_| out_of_range())?;
    let dt = DateTime::from_unix_duration(Duration::from_secs(secs)).map_err(|_| out_of_range())?;
    if dt.year() < 2050 {
        UtcTime::from_date_time(dt).map(Time::UtcTime).map_err(|_| out_of_range())
    } else {
        Ok(Time::GeneralTime(GeneralizedTime::from_date_time(dt)))
    }
}

fn sha256_with_rsa() -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid: const_oid::db::rfc5912::SHA_256_WITH_RSA_ENCRYPTION,
        parameters: Some(Any::null()),
    }
}

fn spki_of(key: &RsaPublicKey) -> Result<SubjectPublicKeyInfoOwned, PkiError> {
    let doc = key
        .to_public_key_der()
        .map_err(|e| PkiError::Der { what: "subject public key info", detail: e.to_string() })?;
    SubjectPublicKeyInfoOwned::from_der(doc.as_bytes()).map_err(der_err("subject public key info"))
}

/// RFC 5280 method 1 key identifier: SHA-1 of the subjectPublicKey bits.
pub fn key_identifier(key: &RsaPublicKey) -> Result<[u8; 20], PkiError> {
    let spki = spki_of(key)?;
    Ok(Sha1::digest(spki.subject_public_key.raw_bytes()).into())
}

fn serial(n: u64) -> Result<SerialNumber, PkiError> {
    SerialNumber::new(&n.to_be_bytes()).map_err(der_err("serial number"))
}

/// Append a DER tag and definite length.
fn push_tl(out: &mut Vec<u8>, tag: u8, len: usize) {
    out.push(tag);
    crate::tlv::push_len(out, len);
}

fn tl_len(len: usize) -> usize {
    if len < 0x80 {
        2
    } else {
        let bytes = len.to_be_bytes();
        2 + bytes.len() - bytes.iter().take_while(|b| **b == 0).count()
    }
}

/// Append a DER INTEGER holding an unsigned value.
fn push_uint(out: &mut Vec<u8>, n: u64) {
    let bytes = n.to_be_bytes();
    // Leading zero bytes dropped, keeping at least one byte.
    let mut body = bytes.as_slice();
    while let [0, rest @ ..] = body {
        if rest.is_empty() {
            break;
        }
        body = rest;
    }
    let pad = body.first().is_some_and(|b| b & 0x80 != 0);
    push_tl(out, 0x02, body.len() + usize::from(pad));
    if pad {
        out.push(0);
    }
    out.extend_from_slice(body);
}

/// Sign `tbs` and wrap it as `SEQUENCE { tbs, sha256WithRSAEncryption, BIT STRING sig }`.
fn sign_and_wrap(key: &RsaPrivateKey, tbs: &[u8]) -> Result<Vec<u8>, PkiError> {
    let sig = sign_sha256(key, tbs)?;
    let alg = sha256_with_rsa().to_der().map_err(der_err("signature algorithm"))?;
    let bits =
        BitString::from_bytes(&sig).and_then(|b| b.to_der()).map_err(der_err("signature"))?;
    let body = tbs.len() + alg.len() + bits.len();
    let mut out = Vec::with_capacity(body + 8);
    push_tl(&mut out, 0x30, body);
    out.extend_from_slice(tbs);
    out.extend_from_slice(&alg);
    out.extend_from_slice(&bits);
    Ok(out)
}

/// RSASSA-PKCS1-v1_5 with SHA-256 over `data`.
pub fn sign_sha256(key: &RsaPrivateKey, data: &[u8]) -> Result<Vec<u8>, PkiError> {
    let signer = SigningKey::<Sha256>::new(key.clone());
    signer
        .try_sign(data)
        .map(|s| s.to_vec())
        .map_err(|e| PkiError::Signing { bits: key.size() * 8, detail: e.to_string() })
}

fn extension<T: Encode>(
    oid: ObjectIdentifier,
    critical: bool,
    value: &T,
    what: &'static str,
) -> Result<Extension, PkiError> {
    let der = value.to_der().map_err(der_err(what))?;
    Ok(Extension {
        extn_id: oid,
        critical,
        extn_value: OctetString::new(der).map_err(der_err(what))?,
    })
}

/// An extension OID unknown to every verifier, marked critical, with a NULL value: a
/// conforming verifier must reject a certificate carrying it.
pub fn unknown_critical_extension() -> Result<Extension, PkiError> {
    extension(oid::UNKNOWN_EXTENSION, true, &der::asn1::Null, "unknown extension")
}

/// How the authorityKeyIdentifier extension is filled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AkiStyle {
    /// No AKI extension.
    Absent,
    /// keyIdentifier only.
    KeyIdOnly,
    /// keyIdentifier, authorityCertIssuer (DirName of the issuer's issuer) and
    /// authorityCertSerialNumber, as on JPKI end-entity certificates.
    Full,
}

/// Everything that goes into a certificate besides the issuer and the subject's key.
///
/// Start from [`CertSpec::new`] (no extensions except SKI and a full AKI) or from one of the
/// JPKI presets ([`CertSpec::jpki_root`], [`CertSpec::jpki_sign`], [`CertSpec::jpki_auth`],
/// [`CertSpec::ocsp_responder`]), then change fields to make negative cases:
///
/// ```no_run
/// # use mynacard::sim::pki::*;
/// # fn demo(pki: &SimPki) -> Result<(), PkiError> {
/// let mut spec = CertSpec::jpki_auth(0x77, dn(&[("C", "JP"), ("CN", "EXPIRED")])?,
///     crl_dp_dn(OU_AUTH, "Nijiiro-ken", "Yumemi-shi")?)?;
/// spec.not_after = time::macros::datetime!(2020-01-01 14:59:59 UTC);
/// spec.extra_extensions.push(unknown_critical_extension()?);
/// let der = pki.auth.root.issue(&pki.auth.key.to_public_key(), &spec)?;
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct CertSpec {
    /// Serial number (positive).
    pub serial: u64,
    /// Subject DN.
    pub subject: Name,
    /// Start of validity.
    pub not_before: OffsetDateTime,
    /// End of validity (JPKI: 14:59:59Z, end of day in Japan).
    pub not_after: OffsetDateTime,
    /// basicConstraints: `None` leaves it out; `Some(ca)` adds it, critical, with `cA = ca`.
    pub basic_constraints: Option<bool>,
    /// keyUsage bits; `None` leaves the extension out.
    pub key_usage: Option<KeyUsage>,
    /// Whether keyUsage is marked critical.
    pub key_usage_critical: bool,
    /// extKeyUsage purposes (non-critical); empty leaves the extension out.
    pub ext_key_usage: Vec<ObjectIdentifier>,
    /// certificatePolicies (no qualifiers); empty leaves the extension out.
    pub policies: Vec<ObjectIdentifier>,
    /// Whether certificatePolicies is marked critical (it is on JPKI certificates).
    pub policies_critical: bool,
    /// subjectAltName otherNames, each `[0] EXPLICIT UTF8String`; empty leaves SAN out.
    pub san_other_names: Vec<(ObjectIdentifier, String)>,
    /// issuerAltName DirName.
    pub issuer_alt_name: Option<Name>,
    /// cRLDistributionPoints with this single DirName distribution point.
    pub crl_distribution_point: Option<Name>,
    /// authorityInfoAccess with this OCSP URL.
    pub ocsp_url: Option<String>,
    /// Add id-pkix-ocsp-nocheck (delegated OCSP responders).
    pub ocsp_nocheck: bool,
    /// authorityKeyIdentifier contents.
    pub authority_key_id: AkiStyle,
    /// Add subjectKeyIdentifier.
    pub subject_key_id: bool,
    /// Appended after all the above, verbatim (unknown, duplicate or malformed ones too).
    pub extra_extensions: Vec<Extension>,
}

impl CertSpec {
    /// A bare spec: SKI and full AKI, nothing else.
    pub fn new(
        serial: u64,
        subject: Name,
        not_before: OffsetDateTime,
        not_after: OffsetDateTime,
    ) -> CertSpec {
        CertSpec {
            serial,
            subject,
            not_before,
            not_after,
            basic_constraints: None,
            key_usage: None,
            key_usage_critical: true,
            ext_key_usage: Vec::new(),
            policies: Vec::new(),
            policies_critical: true,
            san_other_names: Vec::new(),
            issuer_alt_name: None,
            crl_distribution_point: None,
            ocsp_url: None,
            ocsp_nocheck: false,
            authority_key_id: AkiStyle::Full,
            subject_key_id: true,
            extra_extensions: Vec::new(),
        }
    }

    /// A JPKI-style root: CA, keyCertSign+cRLSign, SKI, no AKI, 2024-01-01..2043-12-31 14:59:59Z.
    pub fn jpki_root(serial: u64, subject: Name) -> CertSpec {
        let mut spec = CertSpec::new(serial, subject, ROOT_NOT_BEFORE, ROOT_NOT_AFTER);
        spec.basic_constraints = Some(true);
        spec.key_usage = Some(KeyUsage(KeyUsages::KeyCertSign | KeyUsages::CRLSign));
        spec.authority_key_id = AkiStyle::Absent;
        spec
    }

    /// A JPKI signature certificate for `holder` (SAN with the holder's data, issuerAltName,
    /// DirName CRLDP, no AIA), valid [`EE_NOT_BEFORE`]..[`EE_NOT_AFTER`].
    pub fn jpki_sign(
        serial: u64,
        subject: Name,
        crl_dp: Name,
        holder: &Holder,
    ) -> Result<CertSpec, PkiError> {
        let mut spec = CertSpec::new(serial, subject, EE_NOT_BEFORE, EE_NOT_AFTER);
        spec.key_usage = Some(KeyUsage(KeyUsages::DigitalSignature | KeyUsages::NonRepudiation));
        spec.policies = vec![oid::POLICY_SIGN];
        spec.san_other_names = holder.san_other_names();
        spec.issuer_alt_name = Some(dn(&[("C", "JP"), ("O", "公的個人認証サービス")])?);
        spec.crl_distribution_point = Some(crl_dp);
        Ok(spec)
    }

    /// A JPKI user-authentication certificate: no personal data, clientAuth, OCSP URL
    /// [`SIM_OCSP_URL`], valid [`EE_NOT_BEFORE`]..[`EE_NOT_AFTER`].
    pub fn jpki_auth(serial: u64, subject: Name, crl_dp: Name) -> Result<CertSpec, PkiError> {
        let mut spec = CertSpec::new(serial, subject, EE_NOT_BEFORE, EE_NOT_AFTER);
        spec.key_usage = Some(KeyUsage(KeyUsages::DigitalSignature.into()));
        spec.ext_key_usage = vec![oids5280::ID_KP_CLIENT_AUTH];
        spec.policies = vec![oid::POLICY_AUTH];
        spec.crl_distribution_point = Some(crl_dp);
        spec.ocsp_url = Some(SIM_OCSP_URL.to_string());
        Ok(spec)
    }

    /// A delegated OCSP responder: digitalSignature, id-kp-OCSPSigning, id-pkix-ocsp-nocheck.
    pub fn ocsp_responder(serial: u64, subject: Name) -> CertSpec {
        let mut spec = CertSpec::new(serial, subject, OCSP_NOT_BEFORE, OCSP_NOT_AFTER);
        spec.key_usage = Some(KeyUsage(KeyUsages::DigitalSignature.into()));
        spec.ext_key_usage = vec![oids5280::ID_KP_OCSP_SIGNING];
        spec.ocsp_nocheck = true;
        spec
    }
}

/// Validity start of the sim roots.
pub const ROOT_NOT_BEFORE: OffsetDateTime = datetime!(2024-01-01 00:00:00 UTC);
/// Validity end of the sim roots.
pub const ROOT_NOT_AFTER: OffsetDateTime = datetime!(2043-12-31 14:59:59 UTC);
/// Validity start of the card's certificates.
pub const EE_NOT_BEFORE: OffsetDateTime = datetime!(2025-04-01 01:00:00 UTC);
/// Validity end of the card's certificates (longer than a real card's five years, so the
/// committed image stays valid for the tests for a decade).
pub const EE_NOT_AFTER: OffsetDateTime = datetime!(2035-05-15 14:59:59 UTC);
/// Validity start of the OCSP responder certificates.
pub const OCSP_NOT_BEFORE: OffsetDateTime = datetime!(2025-01-01 00:00:00 UTC);
/// Validity end of the OCSP responder certificates.
pub const OCSP_NOT_AFTER: OffsetDateTime = datetime!(2035-12-31 14:59:59 UTC);
/// thisUpdate of the committed CRLs.
pub const CRL_THIS_UPDATE: OffsetDateTime = datetime!(2025-06-01 00:00:00 UTC);
/// nextUpdate of the committed CRLs (far ahead so the fixtures stay fresh; make stale ones
/// with [`build_crl`]).
pub const CRL_NEXT_UPDATE: OffsetDateTime = datetime!(2043-12-31 00:00:00 UTC);
/// Revocation time of the entries of the committed CRLs.
pub const REVOCATION_TIME: OffsetDateTime = datetime!(2025-05-20 03:00:00 UTC);

/// A certificate together with its private key: a CA that issues certificates and CRLs, or
/// a delegated OCSP responder that signs responses.
#[derive(Clone)]
pub struct Issuer {
    der: Vec<u8>,
    cert: Certificate,
    key: RsaPrivateKey,
    key_id: [u8; 20],
}

impl fmt::Debug for Issuer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Issuer")
            .field("subject", &self.cert.tbs_certificate.subject.to_string())
            .field("key_id", &hex::encode(self.key_id))
            .finish_non_exhaustive()
    }
}

impl Issuer {
    /// Make a self-signed certificate for `key` (issuer = `spec.subject`).
    pub fn self_signed(key: RsaPrivateKey, spec: &CertSpec) -> Result<Issuer, PkiError> {
        let public = key.to_public_key();
        let key_id = key_identifier(&public)?;
        let own_serial = serial(spec.serial)?;
        let der = build_certificate(
            &key,
            &spec.subject,
            key_id,
            &own_serial,
            &spec.subject,
            &public,
            spec,
        )?;
        Issuer::from_parts(der, key)
    }

    /// Wrap an existing certificate and its key. Fails when the DER does not parse or the
    /// key does not match.
    pub fn from_parts(der: Vec<u8>, key: RsaPrivateKey) -> Result<Issuer, PkiError> {
        let cert = Certificate::from_der(&der).map_err(der_err("certificate"))?;
        let public = key.to_public_key();
        let spki = spki_of(&public)?;
        if spki.subject_public_key
            != cert.tbs_certificate.subject_public_key_info.subject_public_key
        {
            return Err(PkiError::KeyMismatch {
                subject: cert.tbs_certificate.subject.to_string(),
            });
        }
        let key_id = key_identifier(&public)?;
        Ok(Issuer { der, cert, key, key_id })
    }

    /// Issue a certificate for `subject_key`, signed with sha256WithRSAEncryption.
    pub fn issue(&self, subject_key: &RsaPublicKey, spec: &CertSpec) -> Result<Vec<u8>, PkiError> {
        let tbs = &self.cert.tbs_certificate;
        build_certificate(
            &self.key,
            &tbs.subject,
            self.key_id,
            &tbs.serial_number,
            &tbs.issuer,
            subject_key,
            spec,
        )
    }

    /// Issue a certificate for `key` and keep the key with it (OCSP responders, sub-CAs).
    pub fn issue_issuer(&self, key: RsaPrivateKey, spec: &CertSpec) -> Result<Issuer, PkiError> {
        let der = self.issue(&key.to_public_key(), spec)?;
        Issuer::from_parts(der, key)
    }

    /// The certificate, DER.
    pub fn cert_der(&self) -> &[u8] {
        &self.der
    }

    /// The certificate, PEM.
    pub fn cert_pem(&self) -> Result<String, PkiError> {
        to_pem("CERTIFICATE", &self.der)
    }

    /// The certificate, decoded.
    pub fn certificate(&self) -> &Certificate {
        &self.cert
    }

    /// Subject DN (the issuer name of everything this issuer signs).
    pub fn name(&self) -> &Name {
        &self.cert.tbs_certificate.subject
    }

    /// Serial number of the issuer's own certificate.
    pub fn serial(&self) -> &SerialNumber {
        &self.cert.tbs_certificate.serial_number
    }

    /// The private key.
    pub fn key(&self) -> &RsaPrivateKey {
        &self.key
    }

    /// SHA-1 key identifier of the issuer's public key (its SKI, and the AKI of what it signs).
    pub fn key_id(&self) -> [u8; 20] {
        self.key_id
    }
}

/// PEM-encode DER bytes with LF line endings.
pub fn to_pem(label: &'static str, der: &[u8]) -> Result<String, PkiError> {
    der::pem::encode_string(label, LineEnding::LF, der)
        .map_err(|e| PkiError::Der { what: "PEM", detail: e.to_string() })
}

fn build_certificate(
    signer: &RsaPrivateKey,
    issuer: &Name,
    issuer_key_id: [u8; 20],
    issuer_serial: &SerialNumber,
    issuer_issuer: &Name,
    subject_key: &RsaPublicKey,
    spec: &CertSpec,
) -> Result<Vec<u8>, PkiError> {
    let spki = spki_of(subject_key)?;
    let mut exts = Vec::new();
    match spec.authority_key_id {
        AkiStyle::Absent => {}
        style => {
            let key_identifier =
                Some(OctetString::new(issuer_key_id.to_vec()).map_err(der_err("AKI"))?);
            let aki = if style == AkiStyle::Full {
                AuthorityKeyIdentifier {
                    key_identifier,
                    authority_cert_issuer: Some(vec![GeneralName::DirectoryName(
                        issuer_issuer.clone(),
                    )]),
                    authority_cert_serial_number: Some(issuer_serial.clone()),
                }
            } else {
                AuthorityKeyIdentifier { key_identifier, ..Default::default() }
            };
            exts.push(extension(AuthorityKeyIdentifier::OID, false, &aki, "AKI")?);
        }
    }
    if spec.subject_key_id {
        let id = key_identifier(subject_key)?;
        let ski = SubjectKeyIdentifier(OctetString::new(id.to_vec()).map_err(der_err("SKI"))?);
        exts.push(extension(SubjectKeyIdentifier::OID, false, &ski, "SKI")?);
    }
    if let Some(ca) = spec.basic_constraints {
        let bc = BasicConstraints { ca, path_len_constraint: None };
        exts.push(extension(BasicConstraints::OID, true, &bc, "basicConstraints")?);
    }
    if let Some(ku) = &spec.key_usage {
        exts.push(extension(KeyUsage::OID, spec.key_usage_critical, ku, "keyUsage")?);
    }
    if !spec.ext_key_usage.is_empty() {
        let eku = ExtendedKeyUsage(spec.ext_key_usage.clone());
        exts.push(extension(ExtendedKeyUsage::OID, false, &eku, "extKeyUsage")?);
    }
    if !spec.policies.is_empty() {
        let cp = CertificatePolicies(
            spec.policies
                .iter()
                .map(|p| PolicyInformation { policy_identifier: *p, policy_qualifiers: None })
                .collect(),
        );
        exts.push(extension(
            CertificatePolicies::OID,
            spec.policies_critical,
            &cp,
            "certificatePolicies",
        )?);
    }
    if !spec.san_other_names.is_empty() {
        let mut names = Vec::with_capacity(spec.san_other_names.len());
        for (type_id, value) in &spec.san_other_names {
            let s = Utf8StringRef::new(value).map_err(der_err("SAN otherName"))?;
            names.push(GeneralName::OtherName(OtherName {
                type_id: *type_id,
                value: Any::encode_from(&s).map_err(der_err("SAN otherName"))?,
            }));
        }
        exts.push(extension(SubjectAltName::OID, false, &SubjectAltName(names), "subjectAltName")?);
    }
    if let Some(name) = &spec.issuer_alt_name {
        let ian = IssuerAltName(vec![GeneralName::DirectoryName(name.clone())]);
        exts.push(extension(IssuerAltName::OID, false, &ian, "issuerAltName")?);
    }
    if let Some(name) = &spec.crl_distribution_point {
        let dp = CrlDistributionPoints(vec![DistributionPoint {
            distribution_point: Some(DistributionPointName::FullName(vec![
                GeneralName::DirectoryName(name.clone()),
            ])),
            reasons: None,
            crl_issuer: None,
        }]);
        exts.push(extension(CrlDistributionPoints::OID, false, &dp, "cRLDistributionPoints")?);
    }
    if let Some(url) = &spec.ocsp_url {
        let uri = Ia5String::new(url)
            .map_err(|_| PkiError::NotIa5 { what: "OCSP URL", value: url.clone() })?;
        let aia = AuthorityInfoAccessSyntax(vec![AccessDescription {
            access_method: oids5280::ID_AD_OCSP,
            access_location: GeneralName::UniformResourceIdentifier(uri),
        }]);
        exts.push(extension(AuthorityInfoAccessSyntax::OID, false, &aia, "authorityInfoAccess")?);
    }
    if spec.ocsp_nocheck {
        exts.push(extension(
            const_oid::db::rfc6960::ID_PKIX_OCSP_NOCHECK,
            false,
            &der::asn1::Null,
            "ocsp-nocheck",
        )?);
    }
    exts.extend(spec.extra_extensions.iter().cloned());

    let tbs = TbsCertificate {
        version: Version::V3,
        serial_number: serial(spec.serial)?,
        signature: sha256_with_rsa(),
        issuer: issuer.clone(),
        validity: Validity {
            not_before: x509_time(spec.not_before)?,
            not_after: x509_time(spec.not_after)?,
        },
        subject: spec.subject.clone(),
        subject_public_key_info: spki,
        issuer_unique_id: None,
        subject_unique_id: None,
        extensions: if exts.is_empty() { None } else { Some(exts) },
    };
    let tbs_der = tbs.to_der().map_err(der_err("TBSCertificate"))?;
    sign_and_wrap(signer, &tbs_der)
}

/// One entry of a CRL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RevokedEntry {
    /// Serial number of the revoked certificate.
    pub serial: u64,
    /// revocationDate.
    pub revoked_at: OffsetDateTime,
    /// reasonCode entry extension; `None` leaves it out.
    pub reason: Option<CrlReason>,
}

/// Everything in a CRL except the issuer.
#[derive(Clone, Debug)]
pub struct CrlSpec {
    /// cRLNumber extension value.
    pub crl_number: u64,
    /// thisUpdate.
    pub this_update: OffsetDateTime,
    /// nextUpdate (`None` leaves it out, which RFC 5280 forbids: for negative tests).
    pub next_update: Option<OffsetDateTime>,
    /// DirName of the critical issuingDistributionPoint; `None` leaves the extension out.
    pub distribution_point: Option<Name>,
    /// Revoked certificates, in order.
    pub entries: Vec<RevokedEntry>,
}

/// Build and sign a v2 CRL (sha256WithRSAEncryption) whose issuer is `issuer.name()`, with
/// authorityKeyIdentifier, cRLNumber and (if given) a critical issuingDistributionPoint.
pub fn build_crl(issuer: &Issuer, spec: &CrlSpec) -> Result<Vec<u8>, PkiError> {
    build_crl_with(issuer, spec, std::iter::empty())
}

/// Like [`build_crl`], with `more` entries appended after `spec.entries`, encoded as they
/// come: a million-entry CRL costs the DER bytes (about 39 bytes an entry, twice) and one
/// signature, never a decoded entry list.
pub fn build_crl_with(
    issuer: &Issuer,
    spec: &CrlSpec,
    more: impl IntoIterator<Item = RevokedEntry>,
) -> Result<Vec<u8>, PkiError> {
    // revokedCertificates contents.
    let mut entries = Vec::new();
    let mut time_cache: Option<(OffsetDateTime, Vec<u8>)> = None;
    let mut reason_cache: Vec<(CrlReason, Vec<u8>)> = Vec::new();
    let mut entry = Vec::with_capacity(64);
    for e in spec.entries.iter().copied().chain(more) {
        entry.clear();
        push_uint(&mut entry, e.serial);
        match &time_cache {
            Some((t, bytes)) if *t == e.revoked_at => entry.extend_from_slice(bytes),
            _ => {
                let bytes = x509_time(e.revoked_at)?.to_der().map_err(der_err("revocationDate"))?;
                entry.extend_from_slice(&bytes);
                time_cache = Some((e.revoked_at, bytes));
            }
        }
        if let Some(reason) = e.reason {
            if let Some((_, bytes)) = reason_cache.iter().find(|(r, _)| *r == reason) {
                entry.extend_from_slice(bytes);
            } else {
                let ext = extension(CrlReason::OID, false, &reason, "reasonCode")?;
                let bytes = vec![ext].to_der().map_err(der_err("crlEntryExtensions"))?;
                entry.extend_from_slice(&bytes);
                reason_cache.push((reason, bytes));
            }
        }
        push_tl(&mut entries, 0x30, entry.len());
        entries.extend_from_slice(&entry);
    }

    let alg = sha256_with_rsa().to_der().map_err(der_err("signature algorithm"))?;
    let issuer_name = issuer.name().to_der().map_err(der_err("CRL issuer"))?;
    let this_update = x509_time(spec.this_update)?.to_der().map_err(der_err("thisUpdate"))?;
    let next_update = match spec.next_update {
        Some(t) => x509_time(t)?.to_der().map_err(der_err("nextUpdate"))?,
        None => Vec::new(),
    };
    let mut exts = vec![
        extension(
            AuthorityKeyIdentifier::OID,
            false,
            &AuthorityKeyIdentifier {
                key_identifier: Some(
                    OctetString::new(issuer.key_id().to_vec()).map_err(der_err("AKI"))?,
                ),
                ..Default::default()
            },
            "AKI",
        )?,
        extension(
            CrlNumber::OID,
            false,
            &CrlNumber(
                der::asn1::Uint::new(&spec.crl_number.to_be_bytes())
                    .map_err(der_err("cRLNumber"))?,
            ),
            "cRLNumber",
        )?,
    ];
    if let Some(dp) = &spec.distribution_point {
        let idp = IssuingDistributionPoint {
            distribution_point: Some(DistributionPointName::FullName(vec![
                GeneralName::DirectoryName(dp.clone()),
            ])),
            only_contains_user_certs: false,
            only_contains_ca_certs: false,
            only_some_reasons: None,
            indirect_crl: false,
            only_contains_attribute_certs: false,
        };
        // Not `IssuingDistributionPoint::OID`: x509-cert 0.2.5 maps that type to
        // id-pe-subjectInfoAccess by mistake.
        exts.push(extension(
            oids5280::ID_CE_ISSUING_DISTRIBUTION_POINT,
            true,
            &idp,
            "issuingDistributionPoint",
        )?);
    }
    let exts = exts.to_der().map_err(der_err("crlExtensions"))?;

    let version = [0x02, 0x01, 0x01];
    let revoked_len = if entries.is_empty() { 0 } else { tl_len(entries.len()) + entries.len() };
    let tbs_body = version.len()
        + alg.len()
        + issuer_name.len()
        + this_update.len()
        + next_update.len()
        + revoked_len
        + tl_len(exts.len())
        + exts.len();
    let mut tbs = Vec::with_capacity(tl_len(tbs_body) + tbs_body);
    push_tl(&mut tbs, 0x30, tbs_body);
    tbs.extend_from_slice(&version);
    tbs.extend_from_slice(&alg);
    tbs.extend_from_slice(&issuer_name);
    tbs.extend_from_slice(&this_update);
    tbs.extend_from_slice(&next_update);
    if !entries.is_empty() {
        push_tl(&mut tbs, 0x30, entries.len());
        tbs.extend_from_slice(&entries);
    }
    drop(entries);
    push_tl(&mut tbs, 0xA0, exts.len());
    tbs.extend_from_slice(&exts);
    sign_and_wrap(issuer.key(), &tbs)
}

pub use crate::carddata::sex::Sex;

/// A code of `sex` for an encoding that has none for it ([`Sex::Unknown`] in the text
/// application and the certificate): the virtual card writes the card-face digit `0`, a
/// value those encodings do not define, so tests see how readers take it.
fn code_or_face(sex: Sex, code: Option<&'static str>) -> &'static str {
    code.unwrap_or(sex.face_code())
}

/// The (fictional) card holder and municipality the test PKI and card image are made for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Holder {
    /// Name, surname and given name separated by U+3000.
    pub name: String,
    /// Per-character substitute flags of the name (SAN `.2`).
    pub name_flags: String,
    /// Address.
    pub address: String,
    /// Per-character substitute flags of the address (SAN `.6`).
    pub address_flags: String,
    /// Birth date.
    pub birth: time::Date,
    /// Sex.
    pub sex: Sex,
    /// The 12-digit My Number written to the text application as is (it is not checked here,
    /// so a test can make a card with a wrong check digit).
    pub my_number: String,
    /// Prefecture (romanised, used in DNs).
    pub prefecture: String,
    /// Municipality (romanised, used in DNs and the CRL distribution point).
    pub city: String,
    /// Another municipality of the same prefecture (for the "other CRL" fixtures).
    pub other_city: String,
    /// CN of the signature certificate's subject.
    pub sign_id: String,
    /// CN of the authentication certificate's subject.
    pub auth_id: String,
    /// The municipality's code (5 digits), in the common application and the card-face
    /// information. Fictional codes start with `9`.
    pub municipality_code: String,
    /// The card's serial number (15 characters, common application).
    pub card_serial: String,
    /// The card's expiry date (card face DF29, common application).
    pub card_expiry: time::Date,
    /// The 4-digit security code (セキュリティコード) printed on the card (part of 照合番号B).
    pub security_code: String,
}

impl Default for Holder {
    /// A fictional holder: 番号　花子, born 1990-05-15, female, of the fictional
    /// Yumemi-shi in Nijiiro-ken.
    fn default() -> Holder {
        let base = "12345678901";
        let check = crate::carddata::my_number::check_digit(base.as_bytes()).unwrap_or(0);
        let name = "番号　花子".to_string();
        let address = "虹色県夢見市星空町一丁目２番３号".to_string();
        Holder {
            name_flags: "0".repeat(name.chars().count()),
            address_flags: "0".repeat(address.chars().count()),
            name,
            address,
            birth: time::macros::date!(1990 - 05 - 15),
            sex: Sex::Female,
            my_number: format!("{base}{check}"),
            prefecture: "Nijiiro-ken".to_string(),
            city: "Yumemi-shi".to_string(),
            other_city: "Hoshizora-machi".to_string(),
            sign_id: "SIM20250401S0000001".to_string(),
            auth_id: "SIMA7Q2K9X1M3Z4F8".to_string(),
            municipality_code: "93221".to_string(),
            card_serial: "SIM000000000001".to_string(),
            card_expiry: time::macros::date!(2035 - 05 - 15),
            security_code: "7251".to_string(),
        }
    }
}

impl Holder {
    /// The sex code of the certificate's SAN (`0` for [`Sex::Unknown`], which has none).
    pub fn sex_cert_code(&self) -> &'static str {
        code_or_face(self.sex, self.sex.cert_code())
    }

    /// The sex code of the text application's `DF 25` (`0` for [`Sex::Unknown`], which has
    /// none).
    pub fn sex_text_code(&self) -> &'static str {
        code_or_face(self.sex, self.sex.text_code())
    }

    /// Birth date as in the certificate: era digit (1 Meiji … 5 Reiwa, 0 before Meiji) then
    /// YYYYMMDD.
    pub fn birth_code(&self) -> String {
        let b = self.birth;
        let era = crate::carddata::era::Era::of(b).map_or(0, |(era, _)| era.digit());
        format!("{era}{:04}{:02}{:02}", b.year(), u8::from(b.month()), b.day())
    }

    /// Birth date as in the text application: YYYYMMDD.
    pub fn birth_yyyymmdd(&self) -> String {
        let b = self.birth;
        format!("{:04}{:02}{:02}", b.year(), u8::from(b.month()), b.day())
    }

    /// The card's expiry date: YYYYMMDD.
    pub fn card_expiry_yyyymmdd(&self) -> String {
        let e = self.card_expiry;
        format!("{:04}{:02}{:02}", e.year(), u8::from(e.month()), e.day())
    }

    /// The SAN otherNames of the signature certificate, `.1` to `.6`.
    pub fn san_other_names(&self) -> Vec<(ObjectIdentifier, String)> {
        vec![
            (oid::SAN_NAME, self.name.clone()),
            (oid::SAN_NAME_FLAGS, self.name_flags.clone()),
            (oid::SAN_SEX, self.sex_cert_code().to_string()),
            (oid::SAN_BIRTH, self.birth_code()),
            (oid::SAN_ADDRESS, self.address.clone()),
            (oid::SAN_ADDRESS_FLAGS, self.address_flags.clone()),
        ]
    }
}

/// One hierarchy of the test PKI: root, the card's certificate and key, the OCSP responder and
/// the CRL fixtures. `Debug` leaves out the private key.
#[derive(Clone)]
pub struct Hierarchy {
    /// The self-signed root.
    pub root: Issuer,
    /// The card's end-entity certificate, DER.
    pub cert: Vec<u8>,
    /// Serial number of `cert`.
    pub cert_serial: u64,
    /// The card's private key for `cert`.
    pub key: RsaPrivateKey,
    /// Delegated OCSP responder issued by `root`.
    pub ocsp: Issuer,
    /// The CRL distribution point DirName in `cert`.
    pub crl_dp: Name,
    /// The distribution point of another municipality.
    pub other_crl_dp: Name,
    /// CRL for `crl_dp` with no entries (cRLNumber 1).
    pub crl_empty: Vec<u8>,
    /// CRL for `crl_dp` revoking `cert` (keyCompromise) and a few other serials (cRLNumber 2).
    pub crl_revoked: Vec<u8>,
    /// CRL for `crl_dp` with `cert` on certificateHold (cRLNumber 3).
    pub crl_hold: Vec<u8>,
    /// Empty CRL of another municipality (`other_crl_dp`, cRLNumber 1).
    pub crl_other_city: Vec<u8>,
    /// Serials listed in `crl_revoked` besides `cert_serial`.
    pub other_revoked: Vec<u64>,
}

impl fmt::Debug for Hierarchy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Hierarchy")
            .field("root", &self.root)
            .field("cert_serial", &format_args!("{:#x}", self.cert_serial))
            .field("ocsp", &self.ocsp)
            .field("crl_dp", &self.crl_dp.to_string())
            .field("other_crl_dp", &self.other_crl_dp.to_string())
            .finish_non_exhaustive()
    }
}

/// The whole test PKI of one simulated card.
#[derive(Clone, Debug)]
pub struct SimPki {
    /// Seed the keys came from.
    pub seed: u64,
    /// "JPKI for digital signature".
    pub sign: Hierarchy,
    /// "JPKI for user authentication".
    pub auth: Hierarchy,
}

/// Serial numbers of the fixed PKI.
pub mod serials {
    /// Signature root.
    pub const SIGN_ROOT: u64 = 0x0100_0001;
    /// Authentication root.
    pub const AUTH_ROOT: u64 = 0x0200_0001;
    /// The card's signature certificate.
    pub const SIGN_CERT: u64 = 0x0100_1234;
    /// The card's authentication certificate.
    pub const AUTH_CERT: u64 = 0x0200_1234;
    /// Signature-hierarchy OCSP responder.
    pub const SIGN_OCSP: u64 = 0x0100_0F01;
    /// Authentication-hierarchy OCSP responder.
    pub const AUTH_OCSP: u64 = 0x0200_0F01;
}

impl SimPki {
    /// Generate the PKI for `holder` from `seed` (six RSA-2048 keys: a few seconds).
    pub fn generate(seed: u64, holder: &Holder) -> Result<SimPki, PkiError> {
        let sign = Hierarchy::generate(seed, holder, true)?;
        let auth = Hierarchy::generate(seed, holder, false)?;
        Ok(SimPki { seed, sign, auth })
    }

    /// The PKI of the committed default image.
    pub fn default_pki() -> Result<SimPki, PkiError> {
        SimPki::generate(DEFAULT_SEED, &Holder::default())
    }
}

impl Hierarchy {
    fn generate(seed: u64, holder: &Holder, sign: bool) -> Result<Hierarchy, PkiError> {
        // Key streams: 0/1 roots, 2/3 end entities, 4/5 OCSP responders.
        let (ou, stream, root_serial, cert_serial, ocsp_serial) = if sign {
            (OU_SIGN, 0, serials::SIGN_ROOT, serials::SIGN_CERT, serials::SIGN_OCSP)
        } else {
            (OU_AUTH, 1, serials::AUTH_ROOT, serials::AUTH_CERT, serials::AUTH_OCSP)
        };
        let root_key = generate_key(seed, stream, 2048)?;
        let root = Issuer::self_signed(root_key, &CertSpec::jpki_root(root_serial, root_dn(ou)?))?;

        let key = generate_key(seed, stream + 2, 2048)?;
        let crl_dp = crl_dp_dn(ou, &holder.prefecture, &holder.city)?;
        let other_crl_dp = crl_dp_dn(ou, &holder.prefecture, &holder.other_city)?;
        let spec = if sign {
            let subject = dn(&[
                ("C", "JP"),
                ("L", &holder.prefecture),
                ("L", &holder.city),
                ("CN", &holder.sign_id),
            ])?;
            CertSpec::jpki_sign(cert_serial, subject, crl_dp.clone(), holder)?
        } else {
            let subject = dn(&[("C", "JP"), ("CN", &holder.auth_id)])?;
            CertSpec::jpki_auth(cert_serial, subject, crl_dp.clone())?
        };
        let cert = root.issue(&key.to_public_key(), &spec)?;

        let ocsp_key = generate_key(seed, stream + 4, 2048)?;
        let ocsp_subject = dn(&[("C", "JP"), ("O", O_SIM), ("OU", ou), ("CN", "OCSP Responder")])?;
        let ocsp =
            root.issue_issuer(ocsp_key, &CertSpec::ocsp_responder(ocsp_serial, ocsp_subject))?;

        let other_revoked: Vec<u64> = (2..=5).map(|i| (root_serial & !0xFFFF) | i).collect();
        let crl = |number, dp: &Name, entries: Vec<RevokedEntry>| {
            build_crl(
                &root,
                &CrlSpec {
                    crl_number: number,
                    this_update: CRL_THIS_UPDATE,
                    next_update: Some(CRL_NEXT_UPDATE),
                    distribution_point: Some(dp.clone()),
                    entries,
                },
            )
        };
        let entry = |serial, reason| RevokedEntry {
            serial,
            revoked_at: REVOCATION_TIME,
            reason: Some(reason),
        };
        let mut revoked: Vec<RevokedEntry> =
            other_revoked.iter().map(|s| entry(*s, CrlReason::CessationOfOperation)).collect();
        revoked.insert(2, entry(cert_serial, CrlReason::KeyCompromise));
        let crl_empty = crl(1, &crl_dp, Vec::new())?;
        let crl_revoked = crl(2, &crl_dp, revoked)?;
        let crl_hold = crl(3, &crl_dp, vec![entry(cert_serial, CrlReason::CertificateHold)])?;
        let crl_other_city = crl(1, &other_crl_dp, Vec::new())?;
        Ok(Hierarchy {
            root,
            cert,
            cert_serial,
            key,
            ocsp,
            crl_dp,
            other_crl_dp,
            crl_empty,
            crl_revoked,
            crl_hold,
            crl_other_city,
            other_revoked,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_written_der_matches_the_der_crate() {
        for len in [0usize, 1, 0x7F, 0x80, 0xFF, 0x100, 0xFFFF, 0x1_0000, 39_000_000] {
            let mut ours = Vec::new();
            push_tl(&mut ours, 0x30, len);
            let theirs = der::Header::new(der::Tag::Sequence, der::Length::try_from(len).unwrap())
                .unwrap()
                .to_der()
                .unwrap();
            assert_eq!(ours, theirs, "length {len}");
            assert_eq!(tl_len(len), ours.len());
        }
        for n in [0u64, 1, 0x7F, 0x80, 0xFF, 0x100, 0x0100_1234, u64::MAX >> 1, u64::MAX] {
            let mut ours = Vec::new();
            push_uint(&mut ours, n);
            let theirs = der::asn1::Uint::new(&n.to_be_bytes()).unwrap().to_der().unwrap();
            assert_eq!(ours, theirs, "integer {n:#x}");
        }
    }

    #[test]
    fn times_switch_to_generalized_in_2050() {
        use time::macros::datetime;
        let t = x509_time(datetime!(2049-12-31 23:59:59 UTC)).unwrap();
        assert_eq!(t.to_der().unwrap()[0], 0x17); // UTCTime
        let t = x509_time(datetime!(2050-01-01 00:00:00 UTC)).unwrap();
        assert_eq!(t.to_der().unwrap()[0], 0x18); // GeneralizedTime
        assert_eq!(
            x509_time(datetime!(2043-12-31 14:59:59 UTC)).unwrap().to_der().unwrap(),
            b"\x17\x0d431231145959Z"
        );
    }
}
