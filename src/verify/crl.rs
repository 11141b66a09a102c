//! CRL store: loads DER/PEM certificate revocation lists from files and directories, walks them
//! zero-copy over the file bytes, indexes revoked serial numbers, and answers "is this
//! certificate on a CRL that applies to it?".
//!
//! Design rules (docs/card-facts.md §7):
//! - the revoked list is never decoded into owned x509-cert structures; each entry is found by
//!   a binary search over a compact index of byte offsets and decoded only when it matches;
//! - the signature is checked over the raw `tbsCertList` byte span (hashed once at load time),
//!   never over a re-encoding, with the key of the root the path check chose;
//! - a CRL applies to a certificate only if its issuer is that root's subject, it is signed by
//!   that root, and its issuingDistributionPoint DirName equals one of the certificate's
//!   cRLDistributionPoints DirNames (DER comparison);
//! - a CRL outside `thisUpdate..=nextUpdate` at the time of judgement is stale (never good);
//! - several applicable current CRLs are combined so that no CRL can hide what another says
//!   ([`CrlStore::status`]): a permanent revocation in any of them revokes; a certificateHold
//!   is lifted only by a CRL whose cRLNumber is higher than that of every CRL listing the hold;
//!   when the cRLNumbers cannot order them (absent or equal) the answer is
//!   [`CrlStatus::Conflicting`], which revocation reports as unknown (fail closed);
//! - an entry takes effect at its revocationDate: judged at an earlier time it does not revoke,
//!   except for keyCompromise, cACompromise and aACompromise, which revoke whatever the time
//!   ([`revokes_at`]).
//!
//! Files are read into memory (one allocation of the file's size, checked against a cap
//! first). The crate forbids `unsafe`, which rules out `memmap2` here; callers that may map
//! files can hand the mapping to [`CrlStore::add_bytes`].

use std::collections::HashSet;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use super::der_walk::{context, signed, DerError, SignedError, Tlv, Walker};
use super::pkcs1::RsaKey;
use crate::hash::HashAlg;
use const_oid::db::rfc5280::{
    ID_CE_AUTHORITY_KEY_IDENTIFIER as OID_AKI, ID_CE_CRL_DISTRIBUTION_POINTS as OID_CRL_DP,
    ID_CE_CRL_NUMBER as OID_CRL_NUMBER, ID_CE_CRL_REASONS as OID_CRL_REASON,
    ID_CE_DELTA_CRL_INDICATOR as OID_DELTA_CRL, ID_CE_FRESHEST_CRL as OID_FRESHEST_CRL,
    ID_CE_ISSUER_ALT_NAME as OID_ISSUER_ALT_NAME, ID_CE_ISSUING_DISTRIBUTION_POINT as OID_IDP,
    ID_CE_SUBJECT_KEY_IDENTIFIER as OID_SKI,
};
use der::asn1::ObjectIdentifier;
use der::{Decode, Encode, Tag};
use sha2::Digest;
use x509_cert::ext::pkix::crl::dp::IssuingDistributionPoint;
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::ext::pkix::{AuthorityKeyIdentifier, CrlDistributionPoints};
use x509_cert::time::Time;
use x509_cert::Certificate;

/// Revocation reason of a CRL entry or OCSP answer (RFC 5280 §5.3.1).
pub type Reason = x509_cert::ext::pkix::CrlReason;

/// Largest CRL file accepted (the DER length limit of the `der` crate: 256 MiB).
pub const MAX_CRL_SIZE: u64 = 256 * 1024 * 1024;

/// Errors of the CRL store. Every message names the file (or in-memory source) and the problem.
#[derive(Debug, thiserror::Error)]
pub enum CrlError {
    /// The file or directory could not be read.
    #[error("{file}: cannot read: {source}")]
    Io {
        /// Path that failed.
        file: String,
        /// Underlying I/O error.
        source: std::io::Error,
    },
    /// A PEM file held no `X509 CRL` block or a block that does not decode.
    #[error("{file}: bad PEM: {what}")]
    Pem {
        /// Source name.
        file: String,
        /// What was wrong.
        what: String,
    },
    /// The input is larger than [`MAX_CRL_SIZE`].
    #[error("{file}: {size} bytes is larger than the {MAX_CRL_SIZE}-byte CRL limit")]
    TooLarge {
        /// Source name.
        file: String,
        /// Size found.
        size: u64,
    },
    /// The DER structure is not a well-formed CertificateList.
    #[error("{file}: malformed CRL: {what}")]
    Malformed {
        /// Source name.
        file: String,
        /// What was wrong.
        what: CrlFormatError,
    },
    /// The CRL is signed with an algorithm we do not verify.
    #[error("{file}: unsupported CRL signature algorithm {oid}")]
    UnsupportedAlgorithm {
        /// Source name.
        file: String,
        /// The algorithm OID found.
        oid: String,
    },
    /// The CRL carries a critical extension we do not understand (including delta CRLs).
    #[error("{file}: unsupported critical CRL extension {oid}")]
    UnsupportedExtension {
        /// Source name.
        file: String,
        /// The extension OID.
        oid: String,
    },
    /// The CRL names the root as issuer and covers the certificate's distribution point, but
    /// its signature does not verify with the root's key: a forged or corrupted CRL.
    #[error("{file}: CRL signature does not verify with the key of the issuing root")]
    BadSignature {
        /// Source name.
        file: String,
    },
    /// The issuing root's public key is not a usable RSA key.
    #[error("issuing root certificate: unusable RSA public key: {what}")]
    RootKey {
        /// What was wrong.
        what: String,
    },
    /// The certificate's cRLDistributionPoints extension does not decode.
    #[error("certificate: malformed cRLDistributionPoints extension: {what}")]
    CertificateDp {
        /// What was wrong.
        what: String,
    },
}

/// What is wrong in the DER of a CRL (the `what` of [`CrlError::Malformed`]).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CrlFormatError {
    /// A structure does not walk: truncated, bad length, wrong tag, trailing bytes.
    #[error(transparent)]
    Structure(#[from] DerError),
    /// The signatureValue BIT STRING has unused bits.
    #[error("signatureValue has unused bits")]
    SignatureUnusedBits,
    /// A version other than v2 (`INTEGER 1`).
    #[error("tbsCertList version is not v2")]
    NotV2,
    /// The algorithm inside tbsCertList is not the outer signatureAlgorithm.
    #[error("tbsCertList signature algorithm differs from signatureAlgorithm")]
    AlgorithmMismatch,
    /// A field of tbsCertList out of place or of an unknown kind.
    #[error("tbsCertList: unexpected {0}")]
    UnexpectedField(Tag),
    /// A revoked entry's serial number is empty or longer than 64 bytes.
    #[error("revoked entry serial of {0} bytes")]
    SerialLength(usize),
    /// A revocationDate that is not a UTCTime or GeneralizedTime.
    #[error("revocationDate: unexpected {0}")]
    RevocationDateTag(Tag),
    /// A value (time, OID, extension value) that does not decode.
    #[error("{what}: {source}")]
    Value {
        /// The field.
        what: &'static str,
        /// The decoder's error.
        source: der::Error,
    },
    /// An object identifier that does not decode.
    #[error("{what}: {source}")]
    Oid {
        /// The field.
        what: &'static str,
        /// The decoder's error.
        source: const_oid::Error,
    },
    /// An extension whose fields after the OID do not walk.
    #[error("extension {oid}: {source}")]
    Extension {
        /// The extension.
        oid: ObjectIdentifier,
        /// The decoder's error.
        source: der::Error,
    },
    /// An extension whose extnValue is not an OCTET STRING ending the extension.
    #[error("extension {oid}: extnValue is not an OCTET STRING")]
    ExtnValue {
        /// The extension.
        oid: ObjectIdentifier,
    },
}

/// Why a signature AlgorithmIdentifier (of a CRL, OCSP response or certificate) is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum SigAlgError {
    /// It does not decode.
    Malformed(CrlFormatError),
    /// Not RSA PKCS#1 v1.5 with a hash we check: the OID (and "with parameters" when it has
    /// parameters other than NULL).
    Unsupported(String),
}

/// Why [`parse_crl`] failed.
enum ParseError {
    Format(CrlFormatError),
    UnsupportedAlgorithm(String),
    UnsupportedExtension(ObjectIdentifier),
}

impl<E: Into<CrlFormatError>> From<E> for ParseError {
    fn from(e: E) -> Self {
        ParseError::Format(e.into())
    }
}

impl From<SignedError> for CrlFormatError {
    fn from(e: SignedError) -> Self {
        match e {
            SignedError::Der(d) => CrlFormatError::Structure(d),
            SignedError::UnusedBits => CrlFormatError::SignatureUnusedBits,
        }
    }
}

/// Answer of [`CrlStore::status`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CrlStatus {
    /// A fresh, correctly signed, applicable CRL does not list the certificate.
    Good {
        /// thisUpdate of the CRL used.
        crl_this_update: SystemTime,
        /// nextUpdate of the CRL used.
        crl_next_update: SystemTime,
        /// Where that CRL came from.
        source: String,
    },
    /// The certificate is listed (any reason, certificateHold included).
    Revoked {
        /// The entry's reasonCode, if present.
        reason: Option<Reason>,
        /// The entry's revocationDate.
        revocation_time: SystemTime,
        /// Where that CRL came from.
        source: String,
    },
    /// Applicable CRLs exist but none is current at the time asked: status unknown.
    Stale {
        /// thisUpdate of the newest applicable CRL.
        this_update: SystemTime,
        /// Its nextUpdate, if it had one.
        next_update: Option<SystemTime>,
        /// Where that CRL came from.
        source: String,
    },
    /// Current applicable CRLs disagree and nothing orders them: one lists the certificate on
    /// certificateHold, another (not older by cRLNumber) does not list it, and their
    /// cRLNumbers are absent or equal. Status unknown (fail closed).
    Conflicting {
        /// The CRL listing the hold.
        listed: String,
        /// The CRL not listing the certificate.
        not_listed: String,
    },
    /// No loaded CRL applies to this certificate.
    NoMatchingCrl,
}

/// Whether a revocation dated `time` with `reason` (CRL entry or OCSP answer) revokes the
/// certificate at the time of judgement `at`.
///
/// A revocation takes effect at its date: before it the certificate was good (judging a
/// signature at its signing time, a revocation for superseded, affiliationChanged,
/// cessationOfOperation, privilegeWithdrawn, certificateHold, an unspecified or an absent
/// reason made after that time does not make it invalid). A compromise (keyCompromise,
/// cACompromise, aACompromise) revokes whatever the time: the revocation date is when the
/// compromise was reported, the key may have been misused before, and a signing time is
/// written by whoever holds the key, so an attacker can date a signature before the
/// revocation at will.
pub fn revokes_at(reason: Option<&Reason>, time: SystemTime, at: SystemTime) -> bool {
    time <= at
        || matches!(
            reason,
            Some(Reason::KeyCompromise | Reason::CaCompromise | Reason::AaCompromise)
        )
}

/// Orders two cRLNumbers (unsigned big-endian, no leading zero bytes).
fn cmp_crl_number(a: &[u8], b: &[u8]) -> std::cmp::Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// Summary of one loaded CRL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CrlInfo {
    /// File name (with `#n` for the n-th block of a multi-CRL PEM file) or in-memory label.
    pub source: String,
    /// Number of revoked entries.
    pub entries: usize,
    /// thisUpdate.
    pub this_update: SystemTime,
    /// nextUpdate, if present.
    pub next_update: Option<SystemTime>,
}

fn is_time_tag(tag: Tag) -> bool {
    matches!(tag, Tag::UtcTime | Tag::GeneralizedTime)
}

pub(crate) fn decode_time(tlv: &Tlv<'_>, what: &'static str) -> Result<SystemTime, CrlFormatError> {
    Time::from_der(tlv.whole)
        .map(|t| t.to_system_time())
        .map_err(|source| CrlFormatError::Value { what, source })
}

/// Parses `AlgorithmIdentifier` bytes of an RSA PKCS#1 v1.5 signature algorithm: OID and
/// absent or NULL parameters.
pub(crate) fn parse_sig_alg(alg: &[u8]) -> Result<HashAlg, SigAlgError> {
    let m = |e: DerError| SigAlgError::Malformed(e.into());
    let seq = super::der_walk::single(alg, Tag::Sequence, "signature algorithm").map_err(m)?;
    let mut r = Walker::new(seq.value, "signature algorithm").map_err(m)?;
    let oid_tlv = r.expect(Tag::ObjectIdentifier, "signature algorithm OID").map_err(m)?;
    let oid = ObjectIdentifier::from_bytes(oid_tlv.value).map_err(|source| {
        SigAlgError::Malformed(CrlFormatError::Oid { what: "signature algorithm OID", source })
    })?;
    if !r.is_finished() {
        let params = r.any("signature algorithm").map_err(m)?;
        if params.tag != Tag::Null || !params.value.is_empty() || !r.is_finished() {
            return Err(SigAlgError::Unsupported(format!("{oid} with parameters")));
        }
    }
    // Compared as OIDs: no text formatting (and allocation) per signature.
    HashAlg::from_rsa_signature_oid(&oid).ok_or_else(|| SigAlgError::Unsupported(oid.to_string()))
}

/// The RSA public key of a certificate.
pub(crate) fn rsa_key(cert: &Certificate) -> Result<RsaKey, String> {
    RsaKey::from_spki(&cert.tbs_certificate.subject_public_key_info)
}

/// Strips redundant leading zero bytes so serials compare by value.
fn normalize_serial(s: &[u8]) -> &[u8] {
    let mut s = s;
    while s.len() > 1 && s.first() == Some(&0) {
        s = s.get(1..).unwrap_or(s);
    }
    s
}

fn offset_in(base: &[u8], sub: &[u8]) -> usize {
    (sub.as_ptr() as usize).saturating_sub(base.as_ptr() as usize)
}

/// Index entry: where a revoked serial and its entry sit in the CRL bytes.
#[derive(Clone, Copy)]
struct EntryIdx {
    serial_start: u32,
    entry_start: u32,
    serial_len: u16,
}

type Backing = Box<dyn AsRef<[u8]> + Send + Sync>;

struct Crl {
    source: String,
    bytes: Backing,
    issuer: (usize, usize),
    this_update: SystemTime,
    next_update: Option<SystemTime>,
    /// `None`: no IDP extension. `Some(names)`: DER of the IDP fullName DirNames.
    idp_names: Option<Vec<Vec<u8>>>,
    /// False when the IDP restricts the scope (CA-only, attribute-only, some reasons, indirect).
    covers_user_certs: bool,
    aki_key_id: Option<Vec<u8>>,
    /// cRLNumber (unsigned big-endian, minimal), when the CRL has one.
    crl_number: Option<Vec<u8>>,
    alg: HashAlg,
    tbs_digest: Vec<u8>,
    signature: (usize, usize),
    entries: Vec<EntryIdx>,
}

impl Crl {
    fn data(&self) -> &[u8] {
        (*self.bytes).as_ref()
    }

    fn span(&self, (start, end): (usize, usize)) -> &[u8] {
        self.data().get(start..end).unwrap_or(&[])
    }

    fn serial(&self, e: &EntryIdx) -> &[u8] {
        let start = e.serial_start as usize;
        self.data().get(start..start + e.serial_len as usize).unwrap_or(&[])
    }

    fn find(&self, serial: &[u8]) -> Option<&EntryIdx> {
        self.entries
            .binary_search_by(|e| self.serial(e).cmp(serial))
            .ok()
            .and_then(|i| self.entries.get(i))
    }

    fn is_fresh(&self, at: SystemTime) -> bool {
        self.this_update <= at && self.next_update.is_some_and(|n| at <= n)
    }

    fn applies_to(&self, cert_dps: &CertDps<'_>) -> bool {
        if !self.covers_user_certs {
            return false;
        }
        match &self.idp_names {
            None => cert_dps.is_empty(),
            Some(names) => names.iter().any(|n| cert_dps.contains(n)),
        }
    }

    /// Decodes one entry on demand: (revocationDate, reasonCode).
    fn decode_entry(&self, e: &EntryIdx) -> Result<(SystemTime, Option<Reason>), CrlFormatError> {
        let bytes = self.data().get(e.entry_start as usize..).unwrap_or(&[]);
        let mut r = Walker::new(bytes, "revoked entry")?;
        let entry = r.expect(Tag::Sequence, "revoked entry")?;
        let mut r = Walker::new(entry.value, "revoked entry")?;
        r.expect(Tag::Integer, "revoked entry serial")?;
        let date = r.any("revocationDate")?;
        let time = decode_time(&date, "revocationDate")?;
        let mut reason = None;
        if !r.is_finished() {
            let exts = r.expect(Tag::Sequence, "crlEntryExtensions")?;
            walk_extensions(exts.value, |oid, _critical, value| {
                if oid == OID_CRL_REASON {
                    // An unknown reason value still means revoked: show no reason.
                    reason = Reason::from_der(value).ok();
                }
                Ok(())
            })?;
        }
        Ok((time, reason))
    }
}

/// Walks `SEQUENCE OF Extension` content, calling `f(oid, critical, extnValue)` for each.
pub(crate) fn walk_extensions<'a>(
    seq_value: &'a [u8],
    mut f: impl FnMut(ObjectIdentifier, bool, &'a [u8]) -> Result<(), CrlFormatError>,
) -> Result<(), CrlFormatError> {
    let mut r = Walker::new(seq_value, "extensions")?;
    while !r.is_finished() {
        let ext = r.expect(Tag::Sequence, "extension")?;
        let mut er = Walker::new(ext.value, "extension")?;
        let oid_tlv = er.expect(Tag::ObjectIdentifier, "extension OID")?;
        let oid = ObjectIdentifier::from_bytes(oid_tlv.value)
            .map_err(|source| CrlFormatError::Oid { what: "extension OID", source })?;
        let mut next = er.read().map_err(|source| CrlFormatError::Extension { oid, source })?;
        let mut critical = false;
        if next.tag == Tag::Boolean {
            critical = next.value == [0xFF];
            next = er.read().map_err(|source| CrlFormatError::Extension { oid, source })?;
        }
        if next.tag != Tag::OctetString || !er.is_finished() {
            return Err(CrlFormatError::ExtnValue { oid });
        }
        f(oid, critical, next.value)?;
    }
    Ok(())
}

/// DER encodings of the DirNames in a `DistributionPointName::FullName`.
fn dir_names(dpn: &Option<DistributionPointName>) -> Result<Vec<Vec<u8>>, der::Error> {
    let mut out = Vec::new();
    if let Some(DistributionPointName::FullName(names)) = dpn {
        for n in names {
            if let GeneralName::DirectoryName(name) = n {
                out.push(name.to_der()?);
            }
        }
    }
    Ok(out)
}

/// The DirNames of a certificate's cRLDistributionPoints, DER-encoded.
pub fn certificate_dp_dirnames(cert: &Certificate) -> Result<Vec<Vec<u8>>, CrlError> {
    let mut out = Vec::new();
    for ext in cert.tbs_certificate.extensions.iter().flatten() {
        if ext.extn_id == OID_CRL_DP {
            let dps = CrlDistributionPoints::from_der(ext.extn_value.as_bytes())
                .map_err(|e| CrlError::CertificateDp { what: e.to_string() })?;
            for dp in &dps.0 {
                out.extend(
                    dir_names(&dp.distribution_point)
                        .map_err(|e| CrlError::CertificateDp { what: e.to_string() })?,
                );
            }
        }
    }
    Ok(out)
}

/// Most DirNames the zero-copy path keeps; more falls back to [`certificate_dp_dirnames`].
const FAST_DPS: usize = 4;

/// A certificate's distribution-point DirNames: slices of the certificate's own extension
/// bytes when the extension has the plain shape (see [`fast_dp_dirnames`]), else re-encoded.
enum CertDps<'a> {
    Borrowed([&'a [u8]; FAST_DPS], usize),
    Owned(Vec<Vec<u8>>),
}

impl CertDps<'_> {
    fn of(cert: &Certificate) -> Result<CertDps<'_>, CrlError> {
        match fast_dp_dirnames(cert) {
            Some((names, n)) => Ok(CertDps::Borrowed(names, n)),
            None => certificate_dp_dirnames(cert).map(CertDps::Owned),
        }
    }

    fn is_empty(&self) -> bool {
        match self {
            CertDps::Borrowed(_, n) => *n == 0,
            CertDps::Owned(v) => v.is_empty(),
        }
    }

    fn contains(&self, name: &[u8]) -> bool {
        match self {
            CertDps::Borrowed(names, n) => names.iter().take(*n).any(|d| *d == name),
            CertDps::Owned(v) => v.iter().any(|d| d.as_slice() == name),
        }
    }
}

/// Zero-copy walk of the cRLDistributionPoints extensions for the shape JPKI certificates
/// use: every DistributionPoint holds only a `fullName` of `directoryName`s whose RDNs have
/// one attribute each. For such input the DER slices equal what decoding and re-encoding
/// gives (a one-element SET needs no sorting, and the `der` reader rejects the same
/// non-canonical lengths), so comparisons match [`certificate_dp_dirnames`] byte for byte.
/// Anything else (reasons, cRLIssuer, other GeneralNames, multi-valued RDNs, more than
/// [`FAST_DPS`] names, any decoding doubt) returns `None` and the full decoder decides.
fn fast_dp_dirnames(cert: &Certificate) -> Option<([&[u8]; FAST_DPS], usize)> {
    let mut names: [&[u8]; FAST_DPS] = [&[]; FAST_DPS];
    let mut n = 0;
    for ext in cert.tbs_certificate.extensions.iter().flatten() {
        if ext.extn_id != OID_CRL_DP {
            continue;
        }
        let mut r = Walker::new(ext.extn_value.as_bytes(), "cRLDistributionPoints").ok()?;
        let seq = r.read().ok()?;
        if seq.tag != Tag::Sequence || !r.is_finished() || seq.value.is_empty() {
            return None;
        }
        let mut dps = Walker::new(seq.value, "cRLDistributionPoints").ok()?;
        while !dps.is_finished() {
            let dp = dps.read().ok()?;
            if dp.tag != Tag::Sequence {
                return None;
            }
            let mut f = Walker::new(dp.value, "cRLDistributionPoints").ok()?;
            if f.is_finished() {
                continue; // an empty DistributionPoint names nothing
            }
            let dpn = f.read().ok()?;
            if dpn.tag != context(0) || !f.is_finished() {
                return None;
            }
            let mut c = Walker::new(dpn.value, "cRLDistributionPoints").ok()?;
            let full = c.read().ok()?;
            if full.tag != context(0) || !c.is_finished() || full.value.is_empty() {
                return None;
            }
            let mut g = Walker::new(full.value, "cRLDistributionPoints").ok()?;
            while !g.is_finished() {
                let gn = g.read().ok()?;
                if gn.tag != context(4) {
                    return None;
                }
                let mut nr = Walker::new(gn.value, "cRLDistributionPoints").ok()?;
                let name = nr.read().ok()?;
                if name.tag != Tag::Sequence || !nr.is_finished() || !single_valued_name(name.value)
                {
                    return None;
                }
                *names.get_mut(n)? = name.whole;
                n += 1;
            }
        }
    }
    Some((names, n))
}

/// True when `rdns` (RDNSequence content) is well formed and every RDN has one attribute.
fn single_valued_name(rdns: &[u8]) -> bool {
    let Ok(mut r) = Walker::new(rdns, "DirName") else { return false };
    while !r.is_finished() {
        let Ok(rdn) = r.read() else { return false };
        if rdn.tag != Tag::Set {
            return false;
        }
        let Ok(mut s) = Walker::new(rdn.value, "DirName") else { return false };
        let Ok(atv) = s.read() else { return false };
        if atv.tag != Tag::Sequence || !s.is_finished() {
            return false;
        }
        let Ok(mut a) = Walker::new(atv.value, "DirName") else { return false };
        let Ok(oid) = a.read() else { return false };
        if oid.tag != Tag::ObjectIdentifier || ObjectIdentifier::from_bytes(oid.value).is_err() {
            return false;
        }
        if a.read().is_err() || !a.is_finished() {
            return false;
        }
    }
    true
}

fn subject_key_id(cert: &Certificate) -> Option<Vec<u8>> {
    cert.tbs_certificate
        .extensions
        .iter()
        .flatten()
        .find(|e| e.extn_id == OID_SKI)
        .and_then(|e| der::asn1::OctetStringRef::from_der(e.extn_value.as_bytes()).ok())
        .map(|o| o.as_bytes().to_vec())
}

/// Parses one DER CertificateList. Returns everything but the source name and backing.
fn parse_crl(data: &[u8]) -> Result<Crl, ParseError> {
    let crl = signed(data, "CertificateList", "tbsCertList").map_err(CrlFormatError::from)?;
    crl.rest.finish("CertificateList")?;
    let (tbs, alg, sig_bytes) = (crl.tbs, crl.alg, crl.signature);
    let alg_kind = parse_sig_alg(alg.whole).map_err(|e| match e {
        SigAlgError::Malformed(f) => ParseError::Format(f),
        SigAlgError::Unsupported(oid) => ParseError::UnsupportedAlgorithm(oid),
    })?;

    let mut t = Walker::new(tbs.value, "tbsCertList")?;
    let mut next = t.any("tbsCertList")?;
    if next.tag == Tag::Integer {
        if next.value != [1] {
            return Err(CrlFormatError::NotV2.into());
        }
        next = t.any("tbsCertList")?;
    }
    if next.tag != Tag::Sequence || next.whole != alg.whole {
        return Err(CrlFormatError::AlgorithmMismatch.into());
    }
    let issuer = t.expect(Tag::Sequence, "issuer")?;
    let this_tlv = t.any("thisUpdate")?;
    let this_update = decode_time(&this_tlv, "thisUpdate")?;
    let mut next_update = None;
    let mut entries = Vec::new();
    let mut exts_value: Option<&[u8]> = None;
    while !t.is_finished() {
        let tlv = t.any("tbsCertList")?;
        match tlv.tag {
            tag if is_time_tag(tag) && next_update.is_none() && entries.is_empty() => {
                next_update = Some(decode_time(&tlv, "nextUpdate")?);
            }
            Tag::Sequence if entries.is_empty() && exts_value.is_none() => {
                index_entries(data, tlv.value, &mut entries)?;
            }
            tag if tag == context(0) && exts_value.is_none() => {
                let mut er = Walker::new(tlv.value, "crlExtensions")?;
                let seq = er.expect(Tag::Sequence, "crlExtensions")?;
                er.finish("crlExtensions")?;
                exts_value = Some(seq.value);
            }
            other => return Err(CrlFormatError::UnexpectedField(other).into()),
        }
    }

    let mut idp_names = None;
    let mut covers_user_certs = true;
    let mut aki_key_id = None;
    let mut crl_number = None;
    let mut unsupported = None;
    if let Some(exts) = exts_value {
        walk_extensions(exts, |oid, critical, value| {
            let value_error = |what| move |source| CrlFormatError::Value { what, source };
            if oid == OID_IDP {
                let idp = IssuingDistributionPoint::from_der(value)
                    .map_err(value_error("issuingDistributionPoint"))?;
                covers_user_certs = !(idp.only_contains_ca_certs
                    || idp.only_contains_attribute_certs
                    || idp.only_some_reasons.is_some()
                    || idp.indirect_crl);
                idp_names = Some(
                    dir_names(&idp.distribution_point)
                        .map_err(value_error("issuingDistributionPoint"))?,
                );
            } else if oid == OID_AKI {
                let aki = AuthorityKeyIdentifier::from_der(value)
                    .map_err(value_error("authorityKeyIdentifier"))?;
                aki_key_id = aki.key_identifier.map(|k| k.as_bytes().to_vec());
            } else if oid == OID_CRL_NUMBER {
                // INTEGER (0..MAX); a negative value does not decode as unsigned.
                let n = der::asn1::UintRef::from_der(value).map_err(value_error("cRLNumber"))?;
                crl_number = Some(n.as_bytes().to_vec());
            } else if oid == OID_DELTA_CRL
                || (critical
                    && ![OID_CRL_NUMBER, OID_ISSUER_ALT_NAME, OID_FRESHEST_CRL].contains(&oid))
            {
                unsupported.get_or_insert(oid);
            }
            Ok(())
        })?;
    }
    if let Some(oid) = unsupported {
        return Err(ParseError::UnsupportedExtension(oid));
    }

    entries.sort_unstable_by(|a, b| {
        let sa = data
            .get(a.serial_start as usize..a.serial_start as usize + a.serial_len as usize)
            .unwrap_or(&[]);
        let sb = data
            .get(b.serial_start as usize..b.serial_start as usize + b.serial_len as usize)
            .unwrap_or(&[]);
        sa.cmp(sb)
    });

    let sig_start = offset_in(data, sig_bytes);
    let issuer_start = offset_in(data, issuer.whole);
    Ok(Crl {
        source: String::new(),
        bytes: Box::new(Vec::new()),
        issuer: (issuer_start, issuer_start + issuer.whole.len()),
        this_update,
        next_update,
        idp_names,
        covers_user_certs,
        aki_key_id,
        crl_number,
        alg: alg_kind,
        tbs_digest: alg_kind.digest(tbs.whole),
        signature: (sig_start, sig_start + sig_bytes.len()),
        entries,
    })
}

/// Walks `revokedCertificates` content and records (serial span, entry offset) per entry.
fn index_entries(data: &[u8], list: &[u8], out: &mut Vec<EntryIdx>) -> Result<(), CrlFormatError> {
    let mut r = Walker::new(list, "revokedCertificates")?;
    while !r.is_finished() {
        let entry = r.expect(Tag::Sequence, "revoked entry")?;
        let mut er = Walker::new(entry.value, "revoked entry")?;
        let serial = er.expect(Tag::Integer, "revoked entry serial")?;
        if serial.value.is_empty() || serial.value.len() > 64 {
            return Err(CrlFormatError::SerialLength(serial.value.len()));
        }
        let date = er.any("revocationDate")?;
        if !is_time_tag(date.tag) {
            return Err(CrlFormatError::RevocationDateTag(date.tag));
        }
        let s = normalize_serial(serial.value);
        out.push(EntryIdx {
            serial_start: offset_in(data, s) as u32,
            entry_start: offset_in(data, entry.whole) as u32,
            serial_len: s.len() as u16,
        });
    }
    Ok(())
}

/// A set of loaded CRLs.
#[derive(Default)]
pub struct CrlStore {
    crls: Vec<Crl>,
    /// (CRL index, SHA-256 of the root's SPKI DER) pairs whose signature already verified.
    verified: Mutex<HashSet<(usize, [u8; 32])>>,
    /// What the CRL match needs of each issuing root seen, computed once per root.
    roots: Mutex<Vec<Arc<RootData>>>,
}

/// Most roots whose data [`CrlStore`] keeps; further roots are prepared on every call.
const MAX_CACHED_ROOTS: usize = 64;

/// Per-root data for CRL matching: the root itself (to recognise it), its subject DER,
/// subjectKeyIdentifier and the SHA-256 of its SPKI DER.
struct RootData {
    cert: Certificate,
    subject: Vec<u8>,
    ski: Option<Vec<u8>>,
    id: [u8; 32],
}

impl RootData {
    fn new(root: &Certificate) -> Result<Self, CrlError> {
        let subject = root
            .tbs_certificate
            .subject
            .to_der()
            .map_err(|e| CrlError::RootKey { what: format!("subject: {e}") })?;
        let spki = root
            .tbs_certificate
            .subject_public_key_info
            .to_der()
            .map_err(|e| CrlError::RootKey { what: e.to_string() })?;
        Ok(Self {
            cert: root.clone(),
            subject,
            ski: subject_key_id(root),
            id: sha2::Sha256::digest(&spki).into(),
        })
    }
}

impl fmt::Debug for CrlStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CrlStore").field("crls", &self.info()).finish()
    }
}

impl CrlStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of CRLs loaded.
    pub fn len(&self) -> usize {
        self.crls.len()
    }

    /// True when no CRL is loaded.
    pub fn is_empty(&self) -> bool {
        self.crls.is_empty()
    }

    /// One summary per loaded CRL.
    pub fn info(&self) -> Vec<CrlInfo> {
        self.crls
            .iter()
            .map(|c| CrlInfo {
                source: c.source.clone(),
                entries: c.entries.len(),
                this_update: c.this_update,
                next_update: c.next_update,
            })
            .collect()
    }

    /// The DER bytes of the loaded CRL named `source` (as [`CrlStatus`] names it), e.g. to
    /// embed the CRL that answered in a PDF's document security store.
    pub fn der_of(&self, source: &str) -> Option<&[u8]> {
        self.crls.iter().find(|c| c.source == source).map(Crl::data)
    }

    /// Loads a CRL file (DER, or PEM with one or more `X509 CRL` blocks) or every `*.crl`,
    /// `*.der` and `*.pem` file of a directory (not recursive). Returns how many CRLs were added.
    /// Any bad file fails the whole call.
    pub fn add_path(&mut self, path: &Path) -> Result<usize, CrlError> {
        let io = |source| CrlError::Io { file: path.display().to_string(), source };
        let meta = std::fs::metadata(path).map_err(io)?;
        if !meta.is_dir() {
            return self.add_file(path);
        }
        let mut files: Vec<PathBuf> = Vec::new();
        for entry in std::fs::read_dir(path).map_err(io)? {
            let p = entry.map_err(io)?.path();
            let ext = p.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
            if p.is_file() && matches!(ext.as_deref(), Some("crl" | "der" | "pem")) {
                files.push(p);
            }
        }
        files.sort();
        let mut n = 0;
        for f in files {
            n += self.add_file(&f)?;
        }
        Ok(n)
    }

    fn add_file(&mut self, path: &Path) -> Result<usize, CrlError> {
        let name = path.display().to_string();
        let io = |source| CrlError::Io { file: name.clone(), source };
        let size = std::fs::metadata(path).map_err(io)?.len();
        if size > MAX_CRL_SIZE {
            return Err(CrlError::TooLarge { file: name, size });
        }
        let data = std::fs::read(path).map_err(io)?;
        self.add_bytes(&name, data)
    }

    /// Adds CRL bytes (DER or PEM) from memory or from a caller-made mapping. `source` names
    /// them in errors and answers. Returns how many CRLs were added.
    pub fn add_bytes(
        &mut self,
        source: &str,
        bytes: impl AsRef<[u8]> + Send + Sync + 'static,
    ) -> Result<usize, CrlError> {
        let data = bytes.as_ref();
        if data.len() as u64 > MAX_CRL_SIZE {
            return Err(CrlError::TooLarge { file: source.to_string(), size: data.len() as u64 });
        }
        let trimmed = super::pem::strip_bom(data).trim_ascii_start();
        if trimmed.starts_with(b"-----BEGIN") {
            let blocks = pem_blocks(source, trimmed)?;
            let count = blocks.len();
            for (i, der) in blocks.into_iter().enumerate() {
                let name =
                    if count == 1 { source.to_string() } else { format!("{source}#{}", i + 1) };
                self.add_der(name, Box::new(der))?;
            }
            return Ok(count);
        }
        self.add_der(source.to_string(), Box::new(bytes))?;
        Ok(1)
    }

    fn add_der(&mut self, source: String, bytes: Backing) -> Result<(), CrlError> {
        let mut crl = match parse_crl((*bytes).as_ref()) {
            Ok(c) => c,
            Err(ParseError::UnsupportedAlgorithm(oid)) => {
                return Err(CrlError::UnsupportedAlgorithm { file: source, oid })
            }
            Err(ParseError::UnsupportedExtension(oid)) => {
                return Err(CrlError::UnsupportedExtension { file: source, oid: oid.to_string() })
            }
            Err(ParseError::Format(what)) => {
                return Err(CrlError::Malformed { file: source, what })
            }
        };
        crl.source = source;
        crl.bytes = bytes;
        self.crls.push(crl);
        Ok(())
    }

    /// Revocation status of `cert` at time `at` according to the loaded CRLs that apply to it:
    /// issuer equal to `issuer_root`'s subject, distribution point matching, signature by
    /// `issuer_root`'s key (checked here over the raw tbsCertList bytes). Only CRLs current at
    /// `at` (thisUpdate ≤ `at` ≤ nextUpdate) answer; if none is, the answer is
    /// [`CrlStatus::Stale`]. Among the current ones, whatever the order they were loaded in:
    /// 1. an entry that revokes at `at` ([`revokes_at`]) for any reason but certificateHold
    ///    revokes (RFC 5280 §3.3: such a revocation is permanent, so a CRL that no longer
    ///    lists it does not undo it);
    /// 2. a certificateHold entry revokes unless a CRL not listing the certificate has a
    ///    higher cRLNumber than every CRL listing the hold (the hold was released); if the
    ///    cRLNumbers do not order them (one is absent, or they are equal) the answer is
    ///    [`CrlStatus::Conflicting`];
    /// 3. otherwise the certificate is good, reported from the current CRL with the highest
    ///    cRLNumber (then the latest thisUpdate).
    ///
    /// thisUpdate never orders CRLs against each other here: it is not a sequence number, and
    /// two CRLs can carry the same one.
    pub fn status(
        &self,
        cert: &Certificate,
        issuer_root: &Certificate,
        at: SystemTime,
    ) -> Result<CrlStatus, CrlError> {
        let dps = CertDps::of(cert)?;
        let root = self.root_data(issuer_root)?;
        let (root_subject, root_ski, root_id) = (&root.subject, &root.ski, root.id);
        let serial = normalize_serial(cert.tbs_certificate.serial_number.as_bytes());
        let mut key: Option<RsaKey> = None;
        // Newest applicable CRL overall (for the stale answer).
        let mut newest: Option<&Crl> = None;
        // A current CRL revoking for good, the first one met.
        let mut revoked: Option<(&Crl, SystemTime, Option<Reason>)> = None;
        // The current CRL listing a hold with the highest cRLNumber; whether any has none.
        let mut hold: Option<(&Crl, SystemTime, Option<Reason>)> = None;
        let mut hold_unnumbered = false;
        // The current CRL not listing the certificate that ranks highest; whether any has no
        // cRLNumber.
        let mut clear: Option<&Crl> = None;
        let mut clear_unnumbered = false;
        for (i, crl) in self.crls.iter().enumerate() {
            if crl.span(crl.issuer) != root_subject.as_slice() || !crl.applies_to(&dps) {
                continue;
            }
            if let (Some(aki), Some(ski)) = (&crl.aki_key_id, &root_ski) {
                if aki != ski {
                    continue; // another generation of the same-named root
                }
            }
            let known = self.verified.lock().map(|v| v.contains(&(i, root_id))).unwrap_or(false);
            if !known {
                let k = match &key {
                    Some(k) => k,
                    None => {
                        key.insert(rsa_key(issuer_root).map_err(|what| CrlError::RootKey { what })?)
                    }
                };
                if !k.verify(crl.alg, &crl.tbs_digest, crl.span(crl.signature)) {
                    return Err(CrlError::BadSignature { file: crl.source.clone() });
                }
                if let Ok(mut v) = self.verified.lock() {
                    v.insert((i, root_id));
                }
            }
            if newest.is_none_or(|n| crl.this_update >= n.this_update) {
                newest = Some(crl);
            }
            if !crl.is_fresh(at) {
                continue;
            }
            let listed = match crl.find(serial) {
                Some(e) => {
                    let (time, reason) = crl
                        .decode_entry(e)
                        .map_err(|what| CrlError::Malformed { file: crl.source.clone(), what })?;
                    revokes_at(reason.as_ref(), time, at).then_some((time, reason))
                }
                None => None,
            };
            match listed {
                Some((time, reason)) if reason != Some(Reason::CertificateHold) => {
                    revoked.get_or_insert((crl, time, reason));
                }
                Some((time, reason)) => {
                    hold_unnumbered |= crl.crl_number.is_none();
                    if hold.is_none_or(|(h, ..)| ranks_above(crl, h)) {
                        hold = Some((crl, time, reason));
                    }
                }
                None => {
                    clear_unnumbered |= crl.crl_number.is_none();
                    if clear.is_none_or(|c| ranks_above(crl, c)) {
                        clear = Some(crl);
                    }
                }
            }
        }
        let revoked_by = |(crl, revocation_time, reason): (&Crl, SystemTime, Option<Reason>)| {
            CrlStatus::Revoked { reason, revocation_time, source: crl.source.clone() }
        };
        let good = |crl: &Crl| CrlStatus::Good {
            crl_this_update: crl.this_update,
            crl_next_update: crl.next_update.unwrap_or(crl.this_update),
            source: crl.source.clone(),
        };
        if let Some(r) = revoked {
            return Ok(revoked_by(r));
        }
        Ok(match (hold, clear) {
            (Some(h), None) => revoked_by(h),
            (None, Some(c)) => good(c),
            (Some(h), Some(c)) => {
                let order = match (&h.0.crl_number, &c.crl_number) {
                    (Some(hn), Some(cn)) if !hold_unnumbered && !clear_unnumbered => {
                        Some(cmp_crl_number(cn, hn))
                    }
                    _ => None,
                };
                match order {
                    Some(std::cmp::Ordering::Greater) => good(c),
                    Some(std::cmp::Ordering::Less) => revoked_by(h),
                    _ => CrlStatus::Conflicting {
                        listed: h.0.source.clone(),
                        not_listed: c.source.clone(),
                    },
                }
            }
            (None, None) => match newest {
                Some(c) => CrlStatus::Stale {
                    this_update: c.this_update,
                    next_update: c.next_update,
                    source: c.source.clone(),
                },
                None => CrlStatus::NoMatchingCrl,
            },
        })
    }
}

/// Whether `a` ranks above `b` among CRLs of one scope: higher cRLNumber (a numbered CRL above
/// an unnumbered one), then later thisUpdate.
fn ranks_above(a: &Crl, b: &Crl) -> bool {
    let by_number = match (&a.crl_number, &b.crl_number) {
        (Some(x), Some(y)) => cmp_crl_number(x, y),
        (Some(_), None) => std::cmp::Ordering::Greater,
        (None, Some(_)) => std::cmp::Ordering::Less,
        (None, None) => std::cmp::Ordering::Equal,
    };
    by_number.then_with(|| a.this_update.cmp(&b.this_update)) == std::cmp::Ordering::Greater
}

impl CrlStore {
    /// The matching data of `root`, from the cache when this root was seen before.
    fn root_data(&self, root: &Certificate) -> Result<Arc<RootData>, CrlError> {
        let sig = root.signature.raw_bytes();
        if let Ok(roots) = self.roots.lock() {
            if let Some(r) =
                roots.iter().find(|r| r.cert.signature.raw_bytes() == sig && r.cert == *root)
            {
                return Ok(Arc::clone(r));
            }
        }
        let data = Arc::new(RootData::new(root)?);
        if let Ok(mut roots) = self.roots.lock() {
            if roots.len() < MAX_CACHED_ROOTS {
                roots.push(Arc::clone(&data));
            }
        }
        Ok(data)
    }
}

/// Splits a PEM file into the DER of its `X509 CRL` blocks.
fn pem_blocks(source: &str, text: &[u8]) -> Result<Vec<Vec<u8>>, CrlError> {
    const BEGIN: &[u8] = b"-----BEGIN X509 CRL-----";
    const END: &[u8] = b"-----END X509 CRL-----";
    let pem = |what: String| CrlError::Pem { file: source.to_string(), what };
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(b) = find(rest, BEGIN) {
        let from = rest.get(b..).unwrap_or(&[]);
        let e = find(from, END).ok_or_else(|| pem("BEGIN X509 CRL without END".into()))?;
        let block = from.get(..e + END.len()).unwrap_or(&[]);
        let (_, der) = der::pem::decode_vec(block).map_err(|e| pem(e.to_string()))?;
        out.push(der);
        rest = from.get(e + END.len()..).unwrap_or(&[]);
    }
    if out.is_empty() {
        return Err(pem("no X509 CRL block".into()));
    }
    Ok(out)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;
    use x509_cert::ext::pkix::crl::dp::DistributionPoint;
    use x509_cert::name::Name;

    /// A DER TLV (short or one-byte long form; enough for these hand-made CRLs).
    fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        if content.len() < 0x80 {
            out.push(content.len() as u8);
        } else {
            out.extend([0x81, content.len() as u8]);
        }
        out.extend_from_slice(content);
        out
    }

    const SHA256_RSA: [u8; 15] =
        [0x30, 0x0D, 0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x0B, 0x05, 0x00];
    const SHA1_RSA: [u8; 15] =
        [0x30, 0x0D, 0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x05, 0x05, 0x00];

    fn time(s: &str) -> Vec<u8> {
        tlv(0x17, s.as_bytes())
    }

    /// A CertificateList from its tbsCertList fields after `version, signature, issuer,
    /// thisUpdate` (or, with `head`, in place of them), with signature bits `sig`.
    fn crl(head: Option<Vec<u8>>, tail: &[Vec<u8>], sig: &[u8]) -> Vec<u8> {
        let mut tbs = head.unwrap_or_else(|| {
            [tlv(0x02, &[1]), SHA256_RSA.to_vec(), tlv(0x30, &[]), time("250101000000Z")].concat()
        });
        tbs.extend(tail.concat());
        tlv(0x30, &[tlv(0x30, &tbs), SHA256_RSA.to_vec(), tlv(0x03, sig)].concat())
    }

    fn format_error(der: &[u8]) -> CrlFormatError {
        match parse_crl(der) {
            Err(ParseError::Format(e)) => e,
            Err(ParseError::UnsupportedAlgorithm(o)) => panic!("unsupported algorithm {o}"),
            Err(ParseError::UnsupportedExtension(o)) => panic!("unsupported extension {o}"),
            Ok(_) => panic!("parsed"),
        }
    }

    fn entry(serial: &[u8], date: Vec<u8>) -> Vec<u8> {
        tlv(0x30, &[tlv(0x02, serial), date].concat())
    }

    fn extensions(exts: &[Vec<u8>]) -> Vec<u8> {
        tlv(0xA0, &tlv(0x30, &exts.concat()))
    }

    #[test]
    fn every_crl_format_error_is_produced_and_named() {
        const SIG: &[u8] = &[0x00, 0xAB];
        // The well-formed base parses: each case below breaks one thing.
        let good = crl(None, &[time("350101000000Z")], SIG);
        let parsed = parse_crl(&good).map_err(|_| ()).unwrap();
        assert_eq!(parsed.alg, HashAlg::Sha256);
        assert_eq!(good[parsed.signature.0..parsed.signature.1], [0xAB]);

        let e = format_error(&good[..good.len() - 1]);
        assert!(matches!(e, CrlFormatError::Structure(DerError::Tlv { .. })), "{e:?}");
        assert!(e.to_string().starts_with("CertificateList: "), "{e}");
        let e = format_error(&crl(None, &[], &[0x01, 0xAB]));
        assert_eq!(e, CrlFormatError::SignatureUnusedBits);
        assert_eq!(e.to_string(), "signatureValue has unused bits");
        let v1 = [tlv(0x02, &[0]), SHA256_RSA.to_vec(), tlv(0x30, &[]), time("250101000000Z")];
        let e = format_error(&crl(Some(v1.concat()), &[], SIG));
        assert_eq!(
            (e.to_string().as_str(), e),
            ("tbsCertList version is not v2", CrlFormatError::NotV2)
        );
        let sha1 = [tlv(0x02, &[1]), SHA1_RSA.to_vec(), tlv(0x30, &[]), time("250101000000Z")];
        let e = format_error(&crl(Some(sha1.concat()), &[], SIG));
        assert_eq!(e, CrlFormatError::AlgorithmMismatch);
        assert_eq!(
            e.to_string(),
            "tbsCertList signature algorithm differs from signatureAlgorithm"
        );
        let e = format_error(&crl(None, &[tlv(0x02, &[5])], SIG));
        assert_eq!(e, CrlFormatError::UnexpectedField(Tag::Integer));
        assert_eq!(e.to_string(), "tbsCertList: unexpected INTEGER");
        let empty_serial = tlv(0x30, &entry(&[], time("240101000000Z")));
        let e = format_error(&crl(None, &[empty_serial], SIG));
        assert_eq!(e, CrlFormatError::SerialLength(0));
        assert_eq!(e.to_string(), "revoked entry serial of 0 bytes");
        let long_serial = tlv(0x30, &entry(&[1; 65], time("240101000000Z")));
        assert_eq!(format_error(&crl(None, &[long_serial], SIG)), CrlFormatError::SerialLength(65));
        let bad_date = tlv(0x30, &entry(&[7], tlv(0x04, &[])));
        let e = format_error(&crl(None, &[bad_date], SIG));
        assert_eq!(e, CrlFormatError::RevocationDateTag(Tag::OctetString));
        assert_eq!(e.to_string(), "revocationDate: unexpected OCTET STRING");
        let e = format_error(&crl(None, &[time("35")], SIG));
        assert!(matches!(e, CrlFormatError::Value { what: "nextUpdate", .. }), "{e:?}");
        assert!(e.to_string().starts_with("nextUpdate: "), "{e}");
        // An OID whose last arc is unterminated.
        let bad_oid =
            extensions(&[tlv(0x30, &[tlv(0x06, &[0x55, 0x9D]), tlv(0x04, &[])].concat())]);
        let e = format_error(&crl(None, &[bad_oid], SIG));
        assert!(matches!(e, CrlFormatError::Oid { what: "extension OID", .. }), "{e:?}");
        assert!(e.to_string().starts_with("extension OID: "), "{e}");
        let ski = tlv(0x06, &[0x55, 0x1D, 0x0E]);
        let only_oid = extensions(&[tlv(0x30, &ski)]);
        let e = format_error(&crl(None, &[only_oid], SIG));
        assert!(matches!(e, CrlFormatError::Extension { oid, .. } if oid == OID_SKI), "{e:?}");
        assert!(e.to_string().starts_with("extension 2.5.29.14: "), "{e}");
        let not_octets = extensions(&[tlv(0x30, &[ski.clone(), tlv(0x02, &[0])].concat())]);
        let e = format_error(&crl(None, &[not_octets], SIG));
        assert_eq!(e, CrlFormatError::ExtnValue { oid: OID_SKI });
        assert_eq!(e.to_string(), "extension 2.5.29.14: extnValue is not an OCTET STRING");
        // A cRLNumber that is not an INTEGER.
        let number = tlv(0x06, &[0x55, 0x1D, 0x14]);
        let bad_number = extensions(&[tlv(0x30, &[number, tlv(0x04, &tlv(0x04, &[1]))].concat())]);
        let e = format_error(&crl(None, &[bad_number], SIG));
        assert!(matches!(e, CrlFormatError::Value { what: "cRLNumber", .. }), "{e:?}");

        // The other two ways a CRL is refused are not format errors.
        let critical_unknown = tlv(
            0x30,
            &[tlv(0x06, &[0x2A, 0x03, 0x04]), tlv(0x01, &[0xFF]), tlv(0x04, &[])].concat(),
        );
        match parse_crl(&crl(None, &[extensions(&[critical_unknown])], SIG)) {
            Err(ParseError::UnsupportedExtension(oid)) => assert_eq!(oid.to_string(), "1.2.3.4"),
            Err(ParseError::Format(e)) => panic!("critical unknown extension: {e}"),
            _ => panic!("critical unknown extension accepted"),
        }
        let mut md5 = good.clone();
        for i in 0..md5.len() - 1 {
            if md5[i..].starts_with(&SHA256_RSA[..13]) {
                md5[i + 12] = 0x04;
            }
        }
        match parse_crl(&md5) {
            Err(ParseError::UnsupportedAlgorithm(oid)) => {
                assert_eq!(oid, "1.2.840.113549.1.1.4")
            }
            _ => panic!("md5WithRSAEncryption accepted"),
        }
    }

    const SIGN_CERT: &[u8] = include_bytes!("../../sim-image/default/pki/sign-cert.der");
    const AUTH_CERT: &[u8] = include_bytes!("../../sim-image/default/pki/auth-cert.der");

    fn with_dps(cert: &[u8], dps: &CrlDistributionPoints) -> Certificate {
        let mut c = Certificate::from_der(cert).unwrap();
        let value = der::asn1::OctetString::new(dps.to_der().unwrap()).unwrap();
        for ext in c.tbs_certificate.extensions.iter_mut().flatten() {
            if ext.extn_id == OID_CRL_DP {
                ext.extn_value = value.clone();
            }
        }
        c
    }

    fn dir_dp(name: &str) -> DistributionPoint {
        DistributionPoint {
            distribution_point: Some(DistributionPointName::FullName(vec![
                GeneralName::DirectoryName(Name::from_str(name).unwrap()),
            ])),
            reasons: None,
            crl_issuer: None,
        }
    }

    #[test]
    fn revocations_take_effect_at_their_date_except_compromises() {
        let t = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000);
        let (before, after) = (t - std::time::Duration::from_secs(1), t);
        for reason in [
            None,
            Some(Reason::Unspecified),
            Some(Reason::Superseded),
            Some(Reason::AffiliationChanged),
            Some(Reason::CessationOfOperation),
            Some(Reason::CertificateHold),
            Some(Reason::PrivilegeWithdrawn),
        ] {
            assert!(!revokes_at(reason.as_ref(), t, before), "{reason:?}");
            assert!(revokes_at(reason.as_ref(), t, after), "{reason:?}");
        }
        for reason in [Reason::KeyCompromise, Reason::CaCompromise, Reason::AaCompromise] {
            assert!(revokes_at(Some(&reason), t, before), "{reason:?}");
        }
    }

    #[test]
    fn crl_numbers_order_as_unsigned_integers() {
        use std::cmp::Ordering::*;
        assert_eq!(cmp_crl_number(&[0x02], &[0x01]), Greater);
        assert_eq!(cmp_crl_number(&[0x01, 0x00], &[0xFF]), Greater);
        assert_eq!(cmp_crl_number(&[0x7F], &[0x01, 0x00]), Less);
        assert_eq!(cmp_crl_number(&[0x05], &[0x05]), Equal);
    }

    #[test]
    fn fast_dirnames_are_the_reencoded_ones_for_the_card_certificates() {
        for der in [SIGN_CERT, AUTH_CERT] {
            let cert = Certificate::from_der(der).unwrap();
            let (names, n) = fast_dp_dirnames(&cert).expect("plain JPKI shape");
            let slow = certificate_dp_dirnames(&cert).unwrap();
            assert_eq!(n, 1);
            assert_eq!(names[..n].to_vec(), slow.iter().map(Vec::as_slice).collect::<Vec<_>>());
        }
    }

    #[test]
    fn unusual_distribution_points_take_the_full_decoder() {
        // Multi-valued RDN: decoding sorts the SET, so raw bytes may differ from the DER.
        let multi = with_dps(SIGN_CERT, &CrlDistributionPoints(vec![dir_dp("CN=b+O=a,C=JP")]));
        assert!(fast_dp_dirnames(&multi).is_none());
        let slow = certificate_dp_dirnames(&multi).unwrap();
        assert!(matches!(CertDps::of(&multi).unwrap(), CertDps::Owned(ref v) if *v == slow));

        // reasons present.
        let mut dp = dir_dp("CN=x,C=JP");
        dp.reasons = Some(der::flagset::FlagSet::from(
            x509_cert::ext::pkix::crl::dp::Reasons::KeyCompromise,
        ));
        let reasons = with_dps(SIGN_CERT, &CrlDistributionPoints(vec![dp]));
        assert!(fast_dp_dirnames(&reasons).is_none());

        // More names than the fast path keeps.
        let many =
            CrlDistributionPoints((0..5).map(|i| dir_dp(&format!("CN=n{i},C=JP"))).collect());
        let many = with_dps(SIGN_CERT, &many);
        assert!(fast_dp_dirnames(&many).is_none());
        let dps = CertDps::of(&many).unwrap();
        let slow = certificate_dp_dirnames(&many).unwrap();
        assert_eq!(slow.len(), 5);
        assert!(slow.iter().all(|n| dps.contains(n)));

        // Plain shape with two names: borrowed, same bytes as the decoder's.
        let two = with_dps(
            SIGN_CERT,
            &CrlDistributionPoints(vec![dir_dp("CN=a,C=JP"), dir_dp("CN=b,O=x,C=JP")]),
        );
        let (names, n) = fast_dp_dirnames(&two).unwrap();
        let slow = certificate_dp_dirnames(&two).unwrap();
        assert_eq!(names[..n].to_vec(), slow.iter().map(Vec::as_slice).collect::<Vec<_>>());
        assert!(!CertDps::of(&two).unwrap().contains(b"\x30\x00"));
    }

    #[test]
    fn malformed_distribution_points_are_still_an_error() {
        let mut c = Certificate::from_der(SIGN_CERT).unwrap();
        for ext in c.tbs_certificate.extensions.iter_mut().flatten() {
            if ext.extn_id == OID_CRL_DP {
                ext.extn_value = der::asn1::OctetString::new(vec![0x30, 0x03, 0xA0, 0x01]).unwrap();
            }
        }
        assert!(fast_dp_dirnames(&c).is_none());
        assert!(matches!(CertDps::of(&c), Err(CrlError::CertificateDp { .. })));
    }
}
