//! OCSP client (RFC 6960): builds a request for (certificate, issuing root) with a random nonce,
//! POSTs it to a responder the caller configured, and accepts the answer only after checking
//! the response signature over the original `tbsResponseData` bytes (by the root, or by a
//! delegated responder certificate issued by that root and carrying id-kp-OCSPSigning), the
//! CertID, the nonce and the thisUpdate/nextUpdate window.
//!
//! No network traffic except to the configured URL; the certificate's AIA URL is used only in
//! [`OcspTarget::Aia`] mode, which the caller must choose explicitly. Only `http://` URLs are
//! supported (OCSP answers are signed, so TLS adds no integrity; this build has no TLS), an
//! `https://` URL is refused as such. Redirects are not followed: a 3xx answer is reported
//! with its status and Location. One overall deadline ([`OcspConfig::timeout`]) bounds the
//! whole exchange (connect, send, every read), so a responder trickling bytes cannot hold the
//! caller longer than that.
//!
//! Time of judgement: a response answers only for `thisUpdate ..= nextUpdate` (thisUpdate up
//! to `max_skew` after the time asked about); a live responder answers for now, so judging a
//! past time needs a time within that window. A revocation dated after the time of
//! judgement does not revoke at that time, except for a compromise ([`revokes_at`]). When the
//! response lists the certificate more than once, any revocation wins; otherwise differing
//! answers (good and unknown) are [`OcspError::ConflictingAnswers`] (fail closed).

use std::fmt;
use std::io::Read;
use std::time::{Duration, SystemTime};

use der::{Decode, Encode, Tag};
use rand::RngCore;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{AuthorityInfoAccessSyntax, ExtendedKeyUsage};
use x509_cert::Certificate;
use x509_ocsp::builder::OcspRequestBuilder;
use x509_ocsp::ext::Nonce;
use x509_ocsp::{
    BasicOcspResponse, CertId, CertStatus, OcspResponse, OcspResponseStatus, Request, Version,
};

use super::crl::{parse_sig_alg, revokes_at, rsa_key, Reason, SigAlgError};
use super::der_walk::{context, signed, Walker};
use super::result::bounded;
use crate::hash::HashAlg;

/// Default overall deadline of one OCSP exchange (connect, send, receive).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(20);

/// Default cap on the size of a response body.
pub const DEFAULT_MAX_RESPONSE: usize = 1024 * 1024;

use const_oid::db::rfc5280::{
    ID_AD_OCSP as OID_AD_OCSP, ID_CE_EXT_KEY_USAGE as OID_EKU,
    ID_KP_OCSP_SIGNING as OID_KP_OCSP_SIGNING, ID_PE_AUTHORITY_INFO_ACCESS as OID_AIA,
};
use const_oid::db::rfc6960::ID_PKIX_OCSP_BASIC as OID_OCSP_BASIC;

/// Where requests go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OcspTarget {
    /// This URL, whatever the certificate says.
    Url(String),
    /// The OCSP URL of the certificate's authorityInfoAccess (explicit opt-in).
    Aia,
}

/// OCSP client settings.
#[derive(Clone, Debug)]
pub struct OcspConfig {
    /// Where requests go.
    pub target: OcspTarget,
    /// CertID hash (SHA-1 is what most responders expect).
    pub hash: HashAlg,
    /// TCP connect timeout (capped by `timeout`).
    pub connect_timeout: Duration,
    /// Timeout of each read and write (capped by `timeout`).
    pub read_timeout: Duration,
    /// Overall deadline of one exchange: connect, send the request, read the whole answer.
    pub timeout: Duration,
    /// Largest response body accepted.
    pub max_response: usize,
    /// Tolerated clock skew for thisUpdate in the future.
    pub max_skew: Duration,
    /// Send a nonce (and then require it echoed).
    pub send_nonce: bool,
}

impl OcspConfig {
    /// Settings for a responder at `url`: SHA-1 CertID, nonce, 5 s connect, 10 s read,
    /// [`DEFAULT_TIMEOUT`] overall, 1 MiB cap, 5 min skew.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            target: OcspTarget::Url(url.into()),
            hash: HashAlg::Sha1,
            connect_timeout: Duration::from_secs(5),
            read_timeout: Duration::from_secs(10),
            timeout: DEFAULT_TIMEOUT,
            max_response: DEFAULT_MAX_RESPONSE,
            max_skew: Duration::from_secs(300),
            send_nonce: true,
        }
    }

    /// Same defaults, but the URL comes from each certificate's AIA extension.
    pub fn from_aia() -> Self {
        Self { target: OcspTarget::Aia, ..Self::new("") }
    }
}

/// Why an OCSP exchange gave no authoritative answer.
#[derive(Clone, Debug, thiserror::Error, PartialEq, Eq)]
pub enum OcspError {
    /// AIA mode, but the certificate has no OCSP URL.
    #[error("certificate has no OCSP URL in authorityInfoAccess")]
    NoAiaUrl,
    /// The request could not be built.
    #[error("cannot build OCSP request: {0}")]
    Request(String),
    /// Connection, timeout or protocol failure.
    #[error("OCSP responder {url}: {why}")]
    Transport {
        /// Responder URL.
        url: String,
        /// What failed.
        why: String,
    },
    /// The URL is not an `http://` URL (this client has no TLS; `https://` is refused).
    #[error("OCSP URL {url}: only http:// URLs are supported (no TLS in this build)")]
    UnsupportedUrl {
        /// The URL (bounded).
        url: String,
    },
    /// The exchange did not finish within the overall deadline.
    #[error("OCSP responder {url}: no complete answer within the {seconds} s deadline")]
    Timeout {
        /// Responder URL.
        url: String,
        /// The deadline in seconds.
        seconds: u64,
    },
    /// The responder answered with a redirect, which is not followed.
    #[error(
        "OCSP responder {url}: HTTP redirect {code} to {location} (redirects are not followed)"
    )]
    Redirect {
        /// Responder URL.
        url: String,
        /// HTTP status code (3xx).
        code: u16,
        /// The Location header (bounded), or "no Location".
        location: String,
    },
    /// The responder answered with a non-200 HTTP status.
    #[error("OCSP responder {url}: HTTP status {code}")]
    HttpStatus {
        /// Responder URL.
        url: String,
        /// HTTP status code.
        code: u16,
    },
    /// The response body exceeds the configured cap.
    #[error("OCSP response larger than {limit} bytes")]
    TooLarge {
        /// The cap.
        limit: usize,
    },
    /// The response does not decode.
    #[error("malformed OCSP response: {0}")]
    Malformed(String),
    /// responseStatus is not `successful`.
    #[error("OCSP responder answered {0}")]
    Status(String),
    /// The response type is not id-pkix-ocsp-basic.
    #[error("unsupported OCSP response type {0}")]
    NotBasic(String),
    /// The response is signed with an algorithm we do not verify.
    #[error("unsupported OCSP signature algorithm {0}")]
    UnsupportedAlgorithm(String),
    /// No key (root or included certificate) verifies the response signature.
    #[error("OCSP response signature does not verify with the root or an included certificate")]
    BadSignature,
    /// The signer is not the root nor an authorised delegated responder.
    #[error("OCSP responder not authorised: {0}")]
    NotAuthorized(String),
    /// The issuing root's key is unusable.
    #[error("issuing root: {0}")]
    IssuerKey(String),
    /// The response answers more than once for the certificate, with different statuses and
    /// none of them revoked.
    #[error("OCSP response answers more than once for the certificate, with different statuses")]
    ConflictingAnswers,
    /// No SingleResponse carries the CertID we asked about.
    #[error("OCSP response does not answer for the certificate asked about")]
    CertIdMismatch,
    /// A nonce was sent but none came back.
    #[error("OCSP response carries no nonce although one was sent")]
    NonceMissing,
    /// The nonce that came back is not the one sent (replay?).
    #[error("OCSP response nonce differs from the request's (replayed response?)")]
    NonceMismatch,
    /// thisUpdate lies in the future beyond the skew.
    #[error("OCSP response thisUpdate is later than the time of judgement (an answer says nothing about earlier times)")]
    NotYetValid,
    /// nextUpdate has passed.
    #[error("OCSP response is stale (nextUpdate is before the time of judgement)")]
    Stale,
}

/// A verified OCSP answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OcspAnswer {
    /// Not revoked.
    Good {
        /// thisUpdate.
        this_update: SystemTime,
        /// nextUpdate, if given.
        next_update: Option<SystemTime>,
    },
    /// Revoked (any reason, certificateHold included).
    Revoked {
        /// revocationReason, if given.
        reason: Option<Reason>,
        /// revocationTime.
        time: SystemTime,
    },
    /// The responder does not know the certificate.
    Unknown,
}

/// Result of [`OcspClient::check`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OcspOutcome {
    /// Verified good.
    Good {
        /// Responder URL.
        url: String,
        /// thisUpdate.
        this_update: SystemTime,
        /// nextUpdate, if given.
        next_update: Option<SystemTime>,
    },
    /// Verified revoked.
    Revoked {
        /// Responder URL.
        url: String,
        /// revocationReason, if given.
        reason: Option<Reason>,
        /// revocationTime.
        time: SystemTime,
    },
    /// Verified "unknown" from the responder.
    Unknown {
        /// Responder URL.
        url: String,
    },
    /// No usable answer.
    Error(OcspError),
}

/// The OCSP client.
#[derive(Clone)]
pub struct OcspClient {
    config: OcspConfig,
    agent: ureq::Agent,
}

impl fmt::Debug for OcspClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OcspClient").field("config", &self.config).finish()
    }
}

/// Builds a DER OCSPRequest for `cert` issued by `issuer`, with an optional nonce. Returns the
/// bytes and the CertID asked about.
pub fn build_request(
    cert: &Certificate,
    issuer: &Certificate,
    hash: HashAlg,
    nonce: Option<&[u8]>,
) -> Result<(Vec<u8>, CertId), OcspError> {
    let err = |e: &dyn fmt::Display| OcspError::Request(e.to_string());
    let id = match hash {
        HashAlg::Sha1 => CertId::from_cert::<sha1::Sha1>(issuer, cert),
        HashAlg::Sha256 => CertId::from_cert::<sha2::Sha256>(issuer, cert),
        HashAlg::Sha384 => CertId::from_cert::<sha2::Sha384>(issuer, cert),
        HashAlg::Sha512 => CertId::from_cert::<sha2::Sha512>(issuer, cert),
    }
    .map_err(|e| err(&e))?;
    let mut builder = OcspRequestBuilder::new(Version::V1).with_request(Request::new(id.clone()));
    if let Some(n) = nonce {
        if n.is_empty() || n.len() > 32 {
            return Err(OcspError::Request(format!(
                "nonce of {} bytes (RFC 8954 allows 1 to 32)",
                n.len()
            )));
        }
        let n = Nonce::new(n.to_vec()).map_err(|e| err(&e))?;
        builder = builder.with_extension(n).map_err(|e| err(&e))?;
    }
    let der = builder.build().to_der().map_err(|e| err(&e))?;
    Ok((der, id))
}

fn verify_raw(
    key: &super::pkcs1::RsaKey,
    alg: &[u8],
    signed: &[u8],
    sig: &[u8],
) -> Result<bool, OcspError> {
    let alg = parse_sig_alg(alg).map_err(|e| match e {
        SigAlgError::Malformed(e) => OcspError::Malformed(e.to_string()),
        SigAlgError::Unsupported(oid) => OcspError::UnsupportedAlgorithm(oid),
    })?;
    Ok(key.verify(alg, &alg.digest(signed), sig))
}

/// Checks that a delegated responder certificate (raw DER `whole`, decoded `cert`) is issued
/// and signed by `issuer`, valid at `at`, and carries id-kp-OCSPSigning.
fn check_delegate(
    whole: &[u8],
    cert: &Certificate,
    issuer: &Certificate,
    issuer_key: &super::pkcs1::RsaKey,
    at: SystemTime,
) -> Result<(), OcspError> {
    let na = |s: &str| OcspError::NotAuthorized(s.to_string());
    if cert.tbs_certificate.issuer != issuer.tbs_certificate.subject {
        return Err(na("responder certificate is not issued by the certificate's root"));
    }
    let parts = signed(whole, "certificate", "tbsCertificate")
        .map_err(|e| OcspError::Malformed(format!("certificate: {e}")))?;
    if !verify_raw(issuer_key, parts.alg.whole, parts.tbs.whole, parts.signature)? {
        return Err(na("responder certificate signature does not verify with the root's key"));
    }
    let v = &cert.tbs_certificate.validity;
    if at < v.not_before.to_system_time() || at > v.not_after.to_system_time() {
        return Err(na("responder certificate is not valid now"));
    }
    let eku = cert
        .tbs_certificate
        .extensions
        .iter()
        .flatten()
        .find(|e| e.extn_id == OID_EKU)
        .and_then(|e| ExtendedKeyUsage::from_der(e.extn_value.as_bytes()).ok());
    if !eku.is_some_and(|k| k.0.contains(&OID_KP_OCSP_SIGNING)) {
        return Err(na("responder certificate lacks id-kp-OCSPSigning"));
    }
    Ok(())
}

fn same_cert_id(a: &CertId, b: &CertId) -> bool {
    a.hash_algorithm.oid == b.hash_algorithm.oid
        && a.issuer_name_hash == b.issuer_name_hash
        && a.issuer_key_hash == b.issuer_key_hash
        && a.serial_number == b.serial_number
}

/// Verifies a DER OCSPResponse against the CertID and nonce of the request, the issuing root
/// and the time `at` (thisUpdate may be up to `max_skew` ahead of `at`).
pub fn evaluate_response(
    response: &[u8],
    expected: &CertId,
    nonce: Option<&[u8]>,
    issuer: &Certificate,
    at: SystemTime,
    max_skew: Duration,
) -> Result<OcspAnswer, OcspError> {
    let bad = |e: &dyn fmt::Display| OcspError::Malformed(e.to_string());
    let resp = OcspResponse::from_der(response).map_err(|e| bad(&e))?;
    if resp.response_status != OcspResponseStatus::Successful {
        return Err(OcspError::Status(format!("{:?}", resp.response_status)));
    }
    let bytes = resp
        .response_bytes
        .ok_or_else(|| OcspError::Malformed("successful response without responseBytes".into()))?;
    if bytes.response_type != OID_OCSP_BASIC {
        return Err(OcspError::NotBasic(bytes.response_type.to_string()));
    }
    let basic_der = bytes.response.as_bytes();
    let basic = BasicOcspResponse::from_der(basic_der).map_err(|e| bad(&e))?;

    // Raw walk of the same bytes: the signature covers the original tbsResponseData.
    let m = |e: &dyn fmt::Display| OcspError::Malformed(e.to_string());
    let walked = signed(basic_der, "BasicOCSPResponse", "tbsResponseData").map_err(|e| m(&e))?;
    let (tbs, alg, sig, mut rest) = (walked.tbs, walked.alg, walked.signature, walked.rest);
    let mut raw_certs: Vec<&[u8]> = Vec::new();
    if !rest.is_finished() {
        let certs = rest.expect(context(0), "certs").map_err(|e| m(&e))?;
        let mut cr = Walker::new(certs.value, "certs").map_err(|e| m(&e))?;
        let seq = cr.expect(Tag::Sequence, "certs").map_err(|e| m(&e))?;
        let mut cr = Walker::new(seq.value, "certs").map_err(|e| m(&e))?;
        while !cr.is_finished() {
            raw_certs.push(cr.expect(Tag::Sequence, "certificate").map_err(|e| m(&e))?.whole);
        }
    }

    let issuer_key = rsa_key(issuer).map_err(OcspError::IssuerKey)?;
    if !verify_raw(&issuer_key, alg.whole, tbs.whole, sig)? {
        let mut delegated = None;
        for whole in &raw_certs {
            let cert = Certificate::from_der(whole).map_err(|e| bad(&e))?;
            let Ok(key) = rsa_key(&cert) else { continue };
            if verify_raw(&key, alg.whole, tbs.whole, sig)? {
                delegated = Some((whole, cert));
                break;
            }
        }
        let (whole, cert) = delegated.ok_or(OcspError::BadSignature)?;
        check_delegate(whole, &cert, issuer, &issuer_key, at)?;
    }

    let data = &basic.tbs_response_data;
    if let Some(sent) = nonce {
        match data.nonce() {
            None => return Err(OcspError::NonceMissing),
            Some(got) if got.0.as_bytes() != sent => return Err(OcspError::NonceMismatch),
            Some(_) => {}
        }
    }
    // Every SingleResponse for our CertID counts: a revocation in any of them wins; other
    // differing answers are a conflict (fail closed). Each must be current at `at`.
    let mut answer: Option<OcspAnswer> = None;
    let mut revoked: Option<OcspAnswer> = None;
    let mut conflict = false;
    for single in data.responses.iter().filter(|s| same_cert_id(&s.cert_id, expected)) {
        let this_update = single.this_update.0.to_system_time();
        if this_update > at + max_skew {
            return Err(OcspError::NotYetValid);
        }
        let next_update = single.next_update.map(|n| n.0.to_system_time());
        if next_update.is_some_and(|n| n < at) {
            return Err(OcspError::Stale);
        }
        let this = match &single.cert_status {
            CertStatus::Revoked(info) => {
                let time = info.revocation_time.0.to_system_time();
                if revokes_at(info.revocation_reason.as_ref(), time, at) {
                    revoked.get_or_insert(OcspAnswer::Revoked {
                        reason: info.revocation_reason,
                        time,
                    });
                    continue;
                }
                // Revoked after `at` for a reason that does not reach back: good at `at`.
                OcspAnswer::Good { this_update, next_update }
            }
            CertStatus::Good(_) => OcspAnswer::Good { this_update, next_update },
            CertStatus::Unknown(_) => OcspAnswer::Unknown,
        };
        match &answer {
            None => answer = Some(this),
            Some(a) if std::mem::discriminant(a) != std::mem::discriminant(&this) => {
                conflict = true
            }
            Some(_) => {}
        }
    }
    if let Some(r) = revoked {
        return Ok(r);
    }
    if conflict {
        return Err(OcspError::ConflictingAnswers);
    }
    answer.ok_or(OcspError::CertIdMismatch)
}

/// The OCSP URLs of a certificate's authorityInfoAccess extension (any scheme; the client
/// refuses all but `http://`).
pub fn aia_ocsp_urls(cert: &Certificate) -> Vec<String> {
    let mut out = Vec::new();
    for ext in cert.tbs_certificate.extensions.iter().flatten() {
        if ext.extn_id != OID_AIA {
            continue;
        }
        if let Ok(aia) = AuthorityInfoAccessSyntax::from_der(ext.extn_value.as_bytes()) {
            for ad in aia.0 {
                if let (true, GeneralName::UniformResourceIdentifier(uri)) =
                    (ad.access_method == OID_AD_OCSP, ad.access_location)
                {
                    out.push(uri.to_string());
                }
            }
        }
    }
    out
}

impl OcspClient {
    /// A client with these settings.
    pub fn new(config: OcspConfig) -> Self {
        let agent = ureq::AgentBuilder::new()
            .timeout_connect(config.connect_timeout.min(config.timeout))
            .timeout_read(config.read_timeout.min(config.timeout))
            .timeout_write(config.read_timeout.min(config.timeout))
            .timeout(config.timeout)
            .redirects(0)
            .build();
        Self { config, agent }
    }

    /// The settings.
    pub fn config(&self) -> &OcspConfig {
        &self.config
    }

    /// Asks the configured responder about `cert` (issued by `issuer`) and verifies the answer
    /// at time `at`.
    pub fn check(&self, cert: &Certificate, issuer: &Certificate, at: SystemTime) -> OcspOutcome {
        self.check_keeping(cert, issuer, at).0
    }

    /// [`Self::check`], also returning the DER OCSPResponse whose verified answer it is (none
    /// on an error), e.g. to embed it in a PDF's document security store.
    pub fn check_keeping(
        &self,
        cert: &Certificate,
        issuer: &Certificate,
        at: SystemTime,
    ) -> (OcspOutcome, Option<Vec<u8>>) {
        let url = match &self.config.target {
            OcspTarget::Url(u) => u.clone(),
            OcspTarget::Aia => match aia_ocsp_urls(cert).into_iter().next() {
                Some(u) => u,
                None => return (OcspOutcome::Error(OcspError::NoAiaUrl), None),
            },
        };
        if !is_http_url(&url) {
            return (OcspOutcome::Error(OcspError::UnsupportedUrl { url: bounded(&url) }), None);
        }
        let nonce = self.config.send_nonce.then(|| {
            let mut n = [0u8; 16];
            rand::rngs::OsRng.fill_bytes(&mut n);
            n
        });
        let result = build_request(cert, issuer, self.config.hash, nonce.as_ref().map(|n| &n[..]))
            .and_then(|(req, id)| {
                let body = self.post(&url, &req)?;
                let answer = evaluate_response(
                    &body,
                    &id,
                    nonce.as_ref().map(|n| &n[..]),
                    issuer,
                    at,
                    self.config.max_skew,
                )?;
                Ok((answer, body))
            });
        match result {
            Ok((OcspAnswer::Good { this_update, next_update }, body)) => {
                (OcspOutcome::Good { url, this_update, next_update }, Some(body))
            }
            Ok((OcspAnswer::Revoked { reason, time }, body)) => {
                (OcspOutcome::Revoked { url, reason, time }, Some(body))
            }
            Ok((OcspAnswer::Unknown, body)) => (OcspOutcome::Unknown { url }, Some(body)),
            Err(e) => (OcspOutcome::Error(e), None),
        }
    }

    fn post(&self, url: &str, req: &[u8]) -> Result<Vec<u8>, OcspError> {
        let shown = bounded(url);
        let started = std::time::Instant::now();
        let deadline = self.config.timeout;
        // Any failure once the deadline has passed is the deadline (ureq reports it as an
        // I/O timeout of whichever step was running).
        let failed = |why: String| {
            if started.elapsed() >= deadline {
                OcspError::Timeout { url: shown.clone(), seconds: deadline.as_secs() }
            } else {
                OcspError::Transport { url: shown.clone(), why: bounded(&why) }
            }
        };
        let resp = match self
            .agent
            .post(url)
            .set("Content-Type", "application/ocsp-request")
            .send_bytes(req)
        {
            Ok(r) => r,
            Err(ureq::Error::Status(code, _)) => {
                return Err(OcspError::HttpStatus { url: shown, code })
            }
            Err(e) => return Err(failed(e.to_string())),
        };
        let code = resp.status();
        if (300..400).contains(&code) {
            let location =
                resp.header("location").map_or_else(|| "no Location".to_string(), bounded);
            return Err(OcspError::Redirect { url: shown, code, location });
        }
        if code != 200 {
            return Err(OcspError::HttpStatus { url: shown, code });
        }
        let limit = self.config.max_response;
        let mut body = Vec::new();
        resp.into_reader()
            .take(limit as u64 + 1)
            .read_to_end(&mut body)
            .map_err(|e| failed(e.to_string()))?;
        if body.len() > limit {
            return Err(OcspError::TooLarge { limit });
        }
        Ok(body)
    }
}

/// True for an `http://` URL (scheme compared without regard to case).
pub fn is_http_url(url: &str) -> bool {
    url.get(..7).is_some_and(|s| s.eq_ignore_ascii_case("http://"))
}

/// The nonce bytes of a DER OCSPRequest, if any (used by tests and diagnostics).
pub fn request_nonce(request: &[u8]) -> Option<Vec<u8>> {
    let req = x509_ocsp::OcspRequest::from_der(request).ok()?;
    req.nonce().map(|n: Nonce| n.0.as_bytes().to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_http_urls_are_taken() {
        assert!(is_http_url("http://127.0.0.1/"));
        assert!(is_http_url("HTTP://ocsp.example/"));
        for url in ["https://ocsp.example/", "ftp://x/", "http:/x", "", "http", "ｈttp://x/"] {
            assert!(!is_http_url(url), "{url}");
        }
    }
}
