//! The routes of `/v1` and `/openapi.json` (documented in `src/serve/openapi.json`, kept
//! equal to [`ROUTES`] by a test), their request bodies and answers. Binary values travel
//! as standard base64. Request bodies are read here, bounded in size and time, and parsed
//! without echoing any value of the request in an error (a PIN may be in it).

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap};
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use base64ct::{Base64, Encoding};
use futures_util::stream::{self, Stream, StreamExt};
use http_body_util::BodyExt;
use mynacard::audit::Operation;
use mynacard::card::CertKind;
use mynacard::sign::HashAlg;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use zeroize::Zeroizing;

use super::super::face::CodeArg;
use super::super::sign::{HashArg, SigFormat};
use super::super::verify::{cms_der, report_exit, Setup, VerifyOpts, RAW_SIGNATURE_LEN};
use super::super::{render, CliError};
use super::card::{self, Gate, PinText, PinWay, SignJob, Who};
use super::error::{ApiError, Msg, ServeCode};
use super::events::Hub;
use super::Caller;

/// The OpenAPI document (hand-written).
pub const OPENAPI: &str = include_str!("openapi.json");

/// Every route and its methods, as the router has them (the OpenAPI test compares).
#[cfg(test)]
pub const ROUTES: &[(&str, &[&str])] = &[
    ("/openapi.json", &["get"]),
    ("/v1/health", &["get"]),
    ("/v1/readers", &["get"]),
    ("/v1/card", &["get"]),
    ("/v1/certificates/{which}", &["get"]),
    ("/v1/authenticate", &["post"]),
    ("/v1/sign", &["post"]),
    ("/v1/text", &["post"]),
    ("/v1/age", &["post"]),
    ("/v1/face", &["post"]),
    ("/v1/verify", &["post"]),
    ("/v1/events", &["get"]),
];

/// What every handler shares.
pub struct AppState {
    /// The card.
    pub gate: Gate,
    /// Events.
    pub hub: Arc<Hub>,
    /// `--allow-reveal`.
    pub allow_reveal: bool,
    /// Largest request body.
    pub max_body: usize,
    /// Time for the whole body.
    pub body_timeout: Duration,
    /// The verification options (`mynacard verify`'s, given to `serve`).
    pub verify: VerifyOpts,
    /// Set when the service stops (ends event streams).
    pub shutdown: tokio::sync::watch::Receiver<bool>,
}

type St = State<Arc<AppState>>;

/// The API router (without the guard and the UI, added in `mod.rs`).
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/openapi.json", get(openapi))
        .route("/v1/health", get(health))
        .route("/v1/readers", get(readers))
        .route("/v1/card", get(card_status))
        .route("/v1/certificates/{which}", get(certificate))
        .route("/v1/authenticate", post(authenticate))
        .route("/v1/sign", post(sign))
        .route("/v1/text", post(text))
        .route("/v1/age", post(age))
        .route("/v1/face", post(face))
        .route("/v1/verify", post(verify))
        .route("/v1/events", get(events))
        .method_not_allowed_fallback(|| async {
            ApiError::serve(ServeCode::MethodNotAllowed, Msg::MethodNotAllowed)
        })
        .fallback(|| async { ApiError::serve(ServeCode::NotFound, Msg::NotFound) })
        .with_state(state)
}

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}

async fn health() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "ok", "version": env!("CARGO_PKG_VERSION") }))
}

async fn readers(State(st): St) -> Result<Json<serde_json::Value>, ApiError> {
    let sim = st.gate.config().reader.as_deref() == Some(super::super::connect::SIM);
    let list = tokio::task::spawn_blocking(move || {
        if sim {
            return Ok(serde_json::json!({ "readers": [
                { "index": 0, "name": "sim", "card_present": true, "atr": null }
            ]}));
        }
        let all = mynacard::transport::pcsc::list_readers().map_err(CliError::from)?;
        let indexed: Vec<_> = all.into_iter().enumerate().collect();
        Ok::<_, CliError>(super::super::readers::to_json(&indexed))
    })
    .await
    .map_err(|_| ApiError::serve(ServeCode::ShuttingDown, Msg::Internal))??;
    Ok(Json(list))
}

/// `?reader=` of a card route: which reader (a name, a unique part of one, or an index);
/// default `--reader`, else the only reader holding a card.
#[derive(Debug, Default, Deserialize)]
struct ReaderQuery {
    reader: Option<String>,
}

type ReaderQ = Result<Query<ReaderQuery>, QueryRejection>;

/// The reader a request asked for (a query that cannot be read is `usage`).
fn asked_reader(q: ReaderQ) -> Result<Option<String>, ApiError> {
    match q {
        Ok(Query(q)) => Ok(q.reader),
        Err(_) => Err(ApiError::usage("the query string cannot be read (see /openapi.json)")),
    }
}

fn who(caller: &Caller, purpose: Option<&str>) -> Who {
    Who { caller: caller.to_string(), purpose: purpose.map(card::sanitise_purpose) }
}

async fn card_status(
    State(st): St,
    Extension(caller): Extension<Caller>,
    q: ReaderQ,
) -> Result<Json<serde_json::Value>, ApiError> {
    let reader = asked_reader(q)?;
    Ok(Json(st.gate.status(who(&caller, None), reader).await?))
}

async fn certificate(
    State(st): St,
    Extension(caller): Extension<Caller>,
    Path(which): Path<String>,
    q: ReaderQ,
) -> Result<Json<serde_json::Value>, ApiError> {
    let reader = asked_reader(q)?;
    let kind = match which.as_str() {
        "auth" => CertKind::Auth,
        "auth-ca" => CertKind::AuthCa,
        "sign-ca" => CertKind::SignCa,
        _ => return Err(ApiError::serve(ServeCode::NotFound, Msg::NotFound)),
    };
    let ops: &'static [Operation] = match kind {
        CertKind::Auth => &[Operation::ReadAuthCertificate],
        _ => &[Operation::ReadCaCertificate],
    };
    let der = st
        .gate
        .run("certificate", ops, who(&caller, None), reader, move |g, note, _| {
            card::certificate(g, note, kind)
        })
        .await?;
    Ok(Json(cert_json(&der)))
}

fn cert_json(der: &[u8]) -> serde_json::Value {
    serde_json::json!({
        "certificate": Base64::encode_string(der),
        "sha256": hex::encode(HashAlg::Sha256.digest(der)),
    })
}

/// Read the JSON body: `Content-Type: application/json`, at most `max_body` bytes, within
/// `body_timeout`. Errors never quote the body.
async fn json_body<T: DeserializeOwned>(
    st: &AppState,
    headers: &HeaderMap,
    body: Body,
) -> Result<T, ApiError> {
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
    if !json {
        return Err(ApiError::serve(ServeCode::UnsupportedMediaType, Msg::NotJson));
    }
    let too_large = || ApiError::serve(ServeCode::PayloadTooLarge, Msg::TooLarge);
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > st.max_body as u64) {
        return Err(too_large());
    }
    let limited = http_body_util::Limited::new(body, st.max_body);
    let collected = match tokio::time::timeout(st.body_timeout, limited.collect()).await {
        Err(_) => return Err(ApiError::serve(ServeCode::Timeout, Msg::BodyTimeout)),
        Ok(Err(e)) if e.is::<http_body_util::LengthLimitError>() => return Err(too_large()),
        Ok(Err(_)) => return Err(ApiError::usage("the request body could not be read")),
        Ok(Ok(c)) => c,
    };
    let bytes = Zeroizing::new(Vec::from(collected.to_bytes()));
    serde_json::from_slice(&bytes).map_err(|e| {
        let what = match e.classify() {
            serde_json::error::Category::Data => "a field is missing, unknown or of the wrong type",
            serde_json::error::Category::Syntax => "not valid JSON",
            serde_json::error::Category::Eof => "the JSON ends early",
            serde_json::error::Category::Io => "cannot be read",
        };
        ApiError::usage(format!(
            "request body: {what} (line {}, column {}; see /openapi.json)",
            e.line(),
            e.column()
        ))
    })
}

fn b64(field: &str, value: &str) -> Result<Vec<u8>, ApiError> {
    Base64::decode_vec(value.trim())
        .map_err(|_| ApiError::usage(format!("{field}: not standard base64")))
}

/// How the PIN of a request is given: `pin`, or `pinpad: true`.
fn pin_way(pin: Option<PinText>, pinpad: bool) -> Result<PinWay, ApiError> {
    match (pin, pinpad) {
        (Some(p), false) => Ok(PinWay::Host(p)),
        (None, true) => Ok(PinWay::Pad),
        (Some(_), true) => {
            Err(ApiError::usage("give either pin or pinpad: true (the PIN typed on the reader)"))
        }
        (None, false) => Err(ApiError::usage("pin is missing (or ask for pinpad: true)")),
    }
}

/// `hash` of a request.
#[derive(Clone, Copy, Debug, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
enum HashName {
    #[default]
    Sha256,
    Sha384,
    Sha512,
}

impl HashName {
    fn arg(self) -> HashArg {
        match self {
            HashName::Sha256 => HashArg::Sha256,
            HashName::Sha384 => HashArg::Sha384,
            HashName::Sha512 => HashArg::Sha512,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AuthenticateRequest {
    /// The relying party's challenge (base64).
    challenge: String,
    #[serde(default)]
    hash: HashName,
    pin: Option<PinText>,
    #[serde(default)]
    pinpad: bool,
    #[serde(default)]
    allow_last_try: bool,
    purpose: Option<String>,
}

async fn authenticate(
    State(st): St,
    Extension(caller): Extension<Caller>,
    q: ReaderQ,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<serde_json::Value>, ApiError> {
    let reader = asked_reader(q)?;
    let req: AuthenticateRequest = json_body(&st, &headers, body).await?;
    let challenge = b64("challenge", &req.challenge)?;
    if challenge.is_empty() {
        return Err(ApiError::usage("challenge: empty"));
    }
    let hash = req.hash.arg().alg();
    let job = SignJob {
        pin: pin_way(req.pin, req.pinpad)?,
        allow_last_try: req.allow_last_try,
        digest: hash.digest(&challenge),
        hash,
        format: SigFormat::Raw,
    };
    let sig = st
        .gate
        .run(
            "authenticate",
            &[Operation::Authenticate],
            who(&caller, req.purpose.as_deref()),
            reader,
            move |g, note, cancel| card::sign_auth(g, note, cancel, job),
        )
        .await?;
    Ok(Json(serde_json::json!({
        "algorithm": "rsassa-pkcs1-v1_5",
        "hash": hash.name(),
        "signature": Base64::encode_string(&sig.bytes),
        "certificate": Base64::encode_string(&sig.cert),
        "certificate_sha256": hex::encode(HashAlg::Sha256.digest(&sig.cert)),
    })))
}

#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
enum KeyName {
    #[default]
    Sign,
    Auth,
}

#[derive(Clone, Copy, Debug, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
enum FormatName {
    #[default]
    Cms,
    Raw,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SignRequest {
    #[serde(default)]
    key: KeyName,
    /// The document (base64); or `digest`.
    document: Option<String>,
    /// The digest (base64) of the document under `hash`.
    digest: Option<String>,
    #[serde(default)]
    hash: HashName,
    #[serde(default)]
    format: FormatName,
    pin: Option<PinText>,
    #[serde(default)]
    pinpad: bool,
    #[serde(default)]
    allow_last_try: bool,
    purpose: Option<String>,
}

async fn sign(
    State(st): St,
    Extension(caller): Extension<Caller>,
    q: ReaderQ,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<serde_json::Value>, ApiError> {
    let reader = asked_reader(q)?;
    let req: SignRequest = json_body(&st, &headers, body).await?;
    let hash = req.hash.arg().alg();
    let digest = match (&req.document, &req.digest) {
        (Some(doc), None) => hash.digest(&b64("document", doc)?),
        (None, Some(d)) => {
            let d = b64("digest", d)?;
            if d.len() != hash.digest(b"").len() {
                return Err(ApiError::usage(format!(
                    "digest: {} bytes, but a {} digest has {}",
                    d.len(),
                    hash.name(),
                    hash.digest(b"").len()
                )));
            }
            d
        }
        _ => return Err(ApiError::usage("give exactly one of document and digest")),
    };
    let format = match req.format {
        FormatName::Cms => SigFormat::Cms,
        FormatName::Raw => SigFormat::Raw,
    };
    let job = SignJob {
        pin: pin_way(req.pin, req.pinpad)?,
        allow_last_try: req.allow_last_try,
        digest,
        hash,
        format,
    };
    let key = req.key;
    let (ops, name): (&'static [Operation], _) = match key {
        KeyName::Sign => (&[Operation::Sign], "sign"),
        KeyName::Auth => (&[Operation::Authenticate], "auth"),
    };
    let sig = st
        .gate
        .run("sign", ops, who(&caller, req.purpose.as_deref()), reader, move |g, note, cancel| {
            match key {
                KeyName::Sign => card::sign_sign(g, note, cancel, job),
                KeyName::Auth => card::sign_auth(g, note, cancel, job),
            }
        })
        .await?;
    Ok(Json(serde_json::json!({
        "key": name,
        "format": format.name(),
        "hash": hash.name(),
        "signature": Base64::encode_string(&sig.bytes),
        "signer_certificate_sha256": hex::encode(HashAlg::Sha256.digest(&sig.cert)),
    })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TextRequest {
    pin: Option<PinText>,
    #[serde(default)]
    pinpad: bool,
    #[serde(default)]
    allow_last_try: bool,
    #[serde(default)]
    reveal: bool,
    purpose: Option<String>,
}

async fn text(
    State(st): St,
    Extension(caller): Extension<Caller>,
    q: ReaderQ,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<serde_json::Value>, ApiError> {
    let reader = asked_reader(q)?;
    let req: TextRequest = json_body(&st, &headers, body).await?;
    if req.reveal && !st.allow_reveal {
        return Err(ApiError::serve(ServeCode::Forbidden, Msg::RevealNotAllowed));
    }
    let pin = pin_way(req.pin, req.pinpad)?;
    let (allow, reveal) = (req.allow_last_try, req.reveal);
    let trust = st.gate.config().trust.clone();
    let v = st
        .gate
        .run(
            "text",
            &[Operation::ReadMyNumber, Operation::ReadAttributes],
            who(&caller, req.purpose.as_deref()),
            reader,
            move |g, note, cancel| card::read_text(g, note, cancel, pin, allow, reveal, &trust),
        )
        .await?;
    Ok(Json(v))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AgeRequest {
    /// The card-face application's birth-date key (a secret: zeroized, never logged).
    birth_date: PinText,
    at_least: u16,
    at: Option<String>,
    #[serde(default)]
    allow_last_try: bool,
    purpose: Option<String>,
}

async fn age(
    State(st): St,
    Extension(caller): Extension<Caller>,
    q: ReaderQ,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<serde_json::Value>, ApiError> {
    let reader = asked_reader(q)?;
    let req: AgeRequest = json_body(&st, &headers, body).await?;
    let AgeRequest { birth_date, at_least, at, allow_last_try, purpose } = req;
    let trust = st.gate.config().trust.clone();
    let v = st
        .gate
        .run(
            "age",
            &[Operation::AgeCheck],
            who(&caller, purpose.as_deref()),
            reader,
            move |g, note, cancel| {
                card::age_check(g, note, cancel, birth_date, at_least, at, allow_last_try, &trust)
            },
        )
        .await?;
    Ok(Json(v))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FaceRequest {
    #[serde(default)]
    code: CodeArg,
    /// 照合番号A or B (a secret: zeroized, never logged, never echoed).
    secret: PinText,
    #[serde(default)]
    allow_last_try: bool,
    #[serde(default)]
    reveal: bool,
    purpose: Option<String>,
}

async fn face(
    State(st): St,
    Extension(caller): Extension<Caller>,
    q: ReaderQ,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<serde_json::Value>, ApiError> {
    let reader = asked_reader(q)?;
    let req: FaceRequest = json_body(&st, &headers, body).await?;
    if req.reveal && !st.allow_reveal {
        return Err(ApiError::serve(ServeCode::Forbidden, Msg::FaceRevealNotAllowed));
    }
    let FaceRequest { code: which, secret, allow_last_try, reveal, purpose } = req;
    let job = card::FaceJob { which, secret, allow_last_try, reveal };
    let trust = st.gate.config().trust.clone();
    let v = st
        .gate
        .run(
            "face",
            &[Operation::ReadCardFace],
            who(&caller, purpose.as_deref()),
            reader,
            move |g, note, cancel| card::face_read(g, note, cancel, job, &trust),
        )
        .await?;
    Ok(Json(v))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct VerifyRequest {
    /// The signed data (base64); absent for an attached CMS given as `signature`.
    data: Option<String>,
    /// CMS (DER or PEM) or a raw 256-byte signature (base64).
    signature: String,
    /// The signer certificate (base64 of DER or PEM); needed for a raw signature.
    certificate: Option<String>,
    #[serde(default)]
    hash: HashName,
    purpose: Option<String>,
}

async fn verify(
    State(st): St,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<serde_json::Value>, ApiError> {
    let req: VerifyRequest = json_body(&st, &headers, body).await?;
    let data = req.data.as_deref().map(|d| b64("data", d)).transpose()?;
    let sig = b64("signature", &req.signature)?;
    let cert = match req.certificate.as_deref() {
        Some(c) => Some(
            render::certificate_der(&b64("certificate", c)?, "certificate")
                .map_err(|e| ApiError::from(CliError::Input(e.to_string())))?,
        ),
        None => None,
    };
    let opts = st.verify.clone();
    let hash = req.hash.arg().alg();
    let who = who(&caller, req.purpose.as_deref());
    let audit = st.gate.audit().cloned();
    let report = tokio::task::spawn_blocking(move || {
        let result = verify_now(&opts, data, sig, cert, hash);
        card::audit_verify(audit.as_deref(), &who, &result);
        result
    })
    .await
    .map_err(|_| ApiError::serve(ServeCode::ShuttingDown, Msg::Internal))?;
    let (report, outcome) = report?;
    let mut v = serde_json::to_value(&report)
        .map_err(|e| ApiError::from(CliError::Input(format!("verification report: {e}"))))?;
    if let Some(obj) = v.as_object_mut() {
        obj.insert("outcome".into(), serde_json::Value::from(outcome));
    }
    Ok(Json(v))
}

/// `mynacard verify`'s engine on bytes: a CMS (attached or detached), or a raw signature
/// with its certificate. The report and its outcome (the CLI's exit name).
fn verify_now(
    opts: &VerifyOpts,
    data: Option<Vec<u8>>,
    sig: Vec<u8>,
    cert: Option<Vec<u8>>,
    hash: HashAlg,
) -> Result<(mynacard::verify::VerifyReport, &'static str), CliError> {
    let input = |e: mynacard::verify::VerifyError| CliError::Input(format!("signature: {e}"));
    let report = match cms_der(&sig) {
        Ok(cms) => {
            let setup = Setup::new(opts, true)?;
            mynacard::verify::verify_cms(data.as_deref(), &cms, cert.as_deref(), &setup.options())
                .map_err(input)?
        }
        Err(why) => {
            let (Some(data), Some(cert)) = (data, cert) else {
                return Err(CliError::Input(format!(
                    "signature: not a CMS signature ({why}); a raw signature needs data and certificate"
                )));
            };
            if sig.len() != RAW_SIGNATURE_LEN {
                return Err(CliError::Input(format!(
                    "signature: neither a CMS signature ({why}) nor a {RAW_SIGNATURE_LEN}-byte raw signature ({} bytes)",
                    sig.len()
                )));
            }
            let setup = Setup::new(opts, false)?;
            mynacard::verify::verify_raw(&data, &sig, &cert, hash, &setup.options())
                .map_err(input)?
        }
    };
    let outcome = report_exit(&report).name();
    Ok((report, outcome))
}

async fn events(
    State(st): St,
) -> Sse<impl Stream<Item = Result<SseEvent, std::convert::Infallible>>> {
    let (first, rx) = st.hub.subscribe();
    let shutdown = st.shutdown.clone();
    let first = stream::iter(first);
    let rest = stream::unfold(rx, move |mut rx| {
        let mut shutdown = shutdown.clone();
        async move {
            tokio::select! {
                msg = rx.recv() => match msg {
                    Ok(v) => Some((v, rx)),
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                        Some((serde_json::json!({ "event": "lagged", "missed": n }), rx))
                    }
                    Err(_) => None,
                },
                _ = shutdown.wait_for(|stop| *stop) => None,
            }
        }
    });
    let all = first.chain(rest).map(|v| {
        let name = v.get("event").and_then(|e| e.as_str()).unwrap_or("message").to_string();
        Ok(SseEvent::default().event(name).data(v.to_string()))
    });
    Sse::new(all).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::{Method, Request, StatusCode};
    use std::collections::BTreeSet;
    use tower::ServiceExt;

    fn doc() -> serde_json::Value {
        serde_json::from_str(OPENAPI).unwrap()
    }

    fn state() -> Arc<AppState> {
        use super::super::super::verify::{HierarchyArg, OcspHashArg, RevocationArg};
        let config = Arc::new(card::Config {
            reader: Some("sim".into()),
            trust: super::super::super::face::TrustOpts {
                hierarchy: super::super::super::face::HierarchyArg::Production,
                cvc_ca: vec![],
            },
        });
        let hub = Hub::new();
        let (_tx, shutdown) = tokio::sync::watch::channel(true);
        Arc::new(AppState {
            gate: Gate::new(Duration::from_secs(5), hub.clone(), None, config),
            hub,
            allow_reveal: false,
            max_body: 1024,
            body_timeout: Duration::from_secs(5),
            verify: VerifyOpts {
                crl: vec![],
                ocsp: None,
                net_timeout: 20,
                ocsp_hash: OcspHashArg::Sha1,
                hierarchy: HierarchyArg::Production,
                trust_anchor: vec![],
                at: "now".into(),
                revocation: RevocationArg::Off,
            },
            shutdown,
        })
    }

    /// The document lists exactly the routes and methods of [`ROUTES`].
    #[test]
    fn the_document_lists_every_route_and_method() {
        let doc = doc();
        let paths = doc["paths"].as_object().unwrap();
        let documented: BTreeSet<(String, String)> = paths
            .iter()
            .flat_map(|(p, ops)| {
                ops.as_object().unwrap().keys().map(move |m| (p.clone(), m.clone()))
            })
            .collect();
        let routed: BTreeSet<(String, String)> = ROUTES
            .iter()
            .flat_map(|(p, ms)| ms.iter().map(move |m| (p.to_string(), m.to_string())))
            .collect();
        assert_eq!(documented, routed);
        // Every error code the service can give is in the Error schema.
        let codes: BTreeSet<&str> = doc["components"]["schemas"]["Error"]["properties"]["error"]
            ["properties"]["code"]["enum"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        for e in super::super::super::exit::Exit::ALL {
            assert!(codes.contains(e.name()), "{}", e.name());
        }
        for c in ServeCode::ALL {
            assert!(codes.contains(c.name()), "{}", c.name());
        }
    }

    /// The router answers exactly the documented methods on the documented paths: the
    /// others get 405, unknown paths 404.
    #[tokio::test]
    async fn the_router_has_exactly_the_documented_routes() {
        let app = router(state());
        for (path, methods) in ROUTES {
            let concrete = path.replace("{which}", "auth-ca");
            for m in [Method::GET, Method::POST, Method::PUT, Method::DELETE, Method::PATCH] {
                let req = Request::builder()
                    .method(m.clone())
                    .uri(&concrete)
                    .extension(super::super::Caller::Token)
                    .body(Body::empty())
                    .unwrap();
                let status = app.clone().oneshot(req).await.unwrap().status();
                let documented = methods.contains(&m.as_str().to_lowercase().as_str());
                if documented {
                    assert!(
                        status != StatusCode::NOT_FOUND && status != StatusCode::METHOD_NOT_ALLOWED,
                        "{m} {concrete}: {status}"
                    );
                } else {
                    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{m} {concrete}");
                }
            }
        }
        let req = Request::builder().uri("/v1/nothing").body(Body::empty()).unwrap();
        assert_eq!(app.clone().oneshot(req).await.unwrap().status(), StatusCode::NOT_FOUND);
        let req = Request::builder()
            .uri("/v1/certificates/sign")
            .extension(super::super::Caller::Token)
            .body(Body::empty())
            .unwrap();
        assert_eq!(app.oneshot(req).await.unwrap().status(), StatusCode::NOT_FOUND);
    }

    #[tokio::test]
    async fn bodies_are_bounded_and_never_echoed() {
        let app = router(state());
        let post = |body: &str, ctype: &str| {
            Request::builder()
                .method(Method::POST)
                .uri("/v1/authenticate")
                .header("content-type", ctype)
                .extension(super::super::Caller::Token)
                .body(Body::from(body.to_string()))
                .unwrap()
        };
        let r = app.clone().oneshot(post("{}", "text/plain")).await.unwrap();
        assert_eq!(r.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
        let big = format!("{{\"challenge\":\"{}\"}}", "A".repeat(2000));
        let r = app.clone().oneshot(post(&big, "application/json")).await.unwrap();
        assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
        let r = app
            .clone()
            .oneshot(post(r#"{"challenge":"AA==","pin":98765}"#, "application/json"))
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        let body = r.into_body().collect().await.unwrap().to_bytes();
        let text = String::from_utf8_lossy(&body);
        assert!(!text.contains("98765"), "{text}");
        assert!(text.contains("\"usage\""), "{text}");
    }
}
