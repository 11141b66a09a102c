//! `mynacard serve`: the kiosk service. It owns the reader and answers HTTP + JSON on a Unix
//! socket (default `$XDG_RUNTIME_DIR/mynacard/mynacard.sock`, mode 0600 in a 0700
//! directory; the caller is the socket peer's uid) or on a loopback TCP address with a
//! bearer token (random, written 0600 to `--token-file` when that file does not exist).
//! Anything but loopback is refused. Every request passes [`guard`]: the `Host` header must
//! name this service (DNS rebinding), an `Origin` must be this service's own or one given
//! with `--allow-origin` (no CORS otherwise), and on TCP the token must match. Routes are in
//! [`api`], card work in [`card`] (one operation at a time per reader, on blocking threads), events in
//! [`events`], error codes and messages in [`error`], the kiosk page (`--ui`) in [`ui`].
//! Bounds: body size and time ([`api`]), header time, number of connections (here).
//! SIGTERM/SIGINT: stop accepting, let running requests (and their card operations) finish,
//! end event streams, exit 0.

pub mod api;
pub mod card;
pub mod error;
pub mod events;
pub mod ui;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use clap::Args;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tower::ServiceExt;
use zeroize::Zeroizing;

use super::exit::Exit;
use super::face::TrustOpts;
use super::verify::VerifyOpts;
use super::{CliError, GlobalOpts};
use error::{ApiError, Msg, ServeCode};

/// `mynacard serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Where to listen: `unix:PATH`, or a loopback address `127.0.0.1:PORT` / `[::1]:PORT`
    /// (needs --token-file). Default: unix:$XDG_RUNTIME_DIR/mynacard/mynacard.sock.
    #[arg(long, value_name = "unix:PATH|127.0.0.1:PORT")]
    pub listen: Option<String>,
    /// Bearer token for TCP: read from FILE, or a random one written there (mode 0600) when
    /// FILE does not exist.
    #[arg(long, value_name = "FILE")]
    pub token_file: Option<PathBuf>,
    /// Also answer requests from this web origin (e.g. `http://localhost:8080`), with CORS
    /// headers; repeatable. The service's own origin is always allowed.
    #[arg(long = "allow-origin", value_name = "ORIGIN")]
    pub allow_origin: Vec<String>,
    /// Serve the kiosk page at `/`.
    #[arg(long)]
    pub ui: bool,
    /// Let `POST /v1/text` reveal the whole My Number, and `POST /v1/face` return the card
    /// face's photo, images and facts, when the request asks (masked otherwise).
    #[arg(long)]
    pub allow_reveal: bool,
    /// How long a request waits for the card while another operation holds it, in ms.
    #[arg(long, value_name = "MS", default_value_t = 10_000)]
    pub busy_wait_ms: u64,
    /// Time allowed for a request's headers, in ms.
    #[arg(long, value_name = "MS", default_value_t = 10_000)]
    pub header_timeout_ms: u64,
    /// Time allowed for a request's body, in ms.
    #[arg(long, value_name = "MS", default_value_t = 30_000)]
    pub body_timeout_ms: u64,
    /// Largest request body, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 1024 * 1024)]
    pub max_body_bytes: usize,
    /// Most connections at once.
    #[arg(long, value_name = "N", default_value_t = 64)]
    pub max_connections: usize,
    /// Also trust the CVC CA key in FILE for the text application's data signature
    /// (as `text read --cvc-ca`); repeatable.
    #[arg(long = "cvc-ca", value_name = "FILE")]
    pub cvc_ca: Vec<PathBuf>,
    /// Verification options of `/v1/verify` (as `mynacard verify`).
    #[command(flatten)]
    pub verify: VerifyOpts,
}

/// Where the service listens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Listen {
    /// A Unix socket.
    Unix(PathBuf),
    /// A loopback TCP address.
    Tcp(SocketAddr),
}

/// Parse `--listen`; anything but loopback is refused.
pub fn parse_listen(text: &str) -> Result<Listen, CliError> {
    if let Some(path) = text.strip_prefix("unix:") {
        if path.is_empty() {
            return Err(CliError::Usage("--listen unix: needs a path".into()));
        }
        return Ok(Listen::Unix(PathBuf::from(path)));
    }
    let addr: SocketAddr = text.parse().map_err(|_| {
        CliError::Usage(format!(
            "--listen {}: expected unix:PATH, 127.0.0.1:PORT or [::1]:PORT",
            mynacard::verify::result::bounded(text)
        ))
    })?;
    if !addr.ip().is_loopback() {
        return Err(CliError::Usage(format!(
            "--listen {addr}: refusing a non-loopback address (the service is for this machine only)"
        )));
    }
    Ok(Listen::Tcp(addr))
}

/// The default socket: `$XDG_RUNTIME_DIR/mynacard/mynacard.sock`.
fn default_socket() -> Result<PathBuf, CliError> {
    match std::env::var_os("XDG_RUNTIME_DIR") {
        Some(dir) if !dir.is_empty() => Ok(Path::new(&dir).join("mynacard").join("mynacard.sock")),
        _ => Err(CliError::Usage(
            "XDG_RUNTIME_DIR is not set: give --listen unix:PATH or --listen 127.0.0.1:PORT".into(),
        )),
    }
}

/// Who is calling: the Unix peer, or a holder of the token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Caller {
    /// The uid of the Unix socket's peer.
    Uid(u32),
    /// Someone with the bearer token (TCP).
    Token,
    /// A Unix peer whose credentials could not be read.
    UnknownPeer,
}

impl std::fmt::Display for Caller {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Caller::Uid(uid) => write!(f, "uid:{uid}"),
            Caller::Token => f.write_str("token"),
            Caller::UnknownPeer => f.write_str("unix:unknown"),
        }
    }
}

/// What [`guard`] checks.
pub struct Policy {
    /// Accepted `Host` values.
    hosts: Vec<String>,
    /// Origins answered with CORS.
    cors_origins: Vec<String>,
    /// The service's own origins (the page at `/`).
    own_origins: Vec<String>,
    /// The bearer token (TCP only).
    token: Option<Zeroizing<String>>,
}

impl Policy {
    fn new(listen: &Listen, allow: &[String], token: Option<Zeroizing<String>>) -> Policy {
        let hosts = match listen {
            // curl --unix-socket sends "localhost"; browsers cannot reach a Unix socket.
            Listen::Unix(_) => vec!["localhost".to_string()],
            Listen::Tcp(addr) => {
                let port = addr.port();
                let mut h = vec![format!("localhost:{port}"), addr.to_string()];
                if addr.is_ipv4() {
                    h.push(format!("127.0.0.1:{port}"));
                } else {
                    h.push(format!("[::1]:{port}"));
                }
                h
            }
        };
        let own_origins = hosts.iter().map(|h| format!("http://{h}")).collect();
        let cors_origins = allow.iter().map(|o| o.trim_end_matches('/').to_string()).collect();
        Policy { hosts, cors_origins, own_origins, token }
    }

    fn host_ok(&self, host: Option<&str>) -> bool {
        host.is_some_and(|h| self.hosts.iter().any(|ok| ok.eq_ignore_ascii_case(h)))
    }

    fn token_ok(&self, auth: Option<&str>) -> bool {
        let Some(token) = &self.token else { return true };
        let Some(given) = auth.and_then(|a| a.strip_prefix("Bearer ")) else { return false };
        constant_time_eq(given.trim().as_bytes(), token.as_bytes())
    }
}

/// Equal bytes, in time independent of where they differ.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let ha = mynacard::hash::HashAlg::Sha256.digest(a);
    let hb = mynacard::hash::HashAlg::Sha256.digest(b);
    ha.iter().zip(hb.iter()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Host, Origin and token checks, CORS for allowed origins, and headers every answer gets.
async fn guard(State(policy): State<Arc<Policy>>, req: Request, next: Next) -> Response {
    let headers = req.headers();
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    if !policy.host_ok(host) {
        return ApiError::serve(ServeCode::Forbidden, Msg::BadHost).into_response();
    }
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()).map(str::to_string);
    let cors = match &origin {
        None => None,
        Some(o) if policy.own_origins.iter().any(|ok| ok.eq_ignore_ascii_case(o)) => None,
        Some(o) if policy.cors_origins.iter().any(|ok| ok == o) => Some(o.clone()),
        Some(_) => return ApiError::serve(ServeCode::Forbidden, Msg::BadOrigin).into_response(),
    };
    if let (Some(o), &Method::OPTIONS) = (&cors, req.method()) {
        let mut r = StatusCode::NO_CONTENT.into_response();
        add_cors(&mut r, o);
        let h = r.headers_mut();
        h.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("GET, POST"));
        h.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static("authorization, content-type"),
        );
        h.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
        return r;
    }
    let path = req.uri().path();
    let public = ui::is_page(path);
    let auth = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    if !public && !policy.token_ok(auth) {
        let mut r = ApiError::serve(ServeCode::Unauthorized, Msg::Unauthorized).into_response();
        if let Some(o) = &cors {
            add_cors(&mut r, o);
        }
        return r;
    }
    let mut r = next.run(req).await;
    if let Some(o) = &cors {
        add_cors(&mut r, o);
    }
    let h = r.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    r
}

fn add_cors(r: &mut Response, origin: &str) {
    if let Ok(v) = HeaderValue::from_str(origin) {
        let h = r.headers_mut();
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, v);
        h.insert(header::VARY, HeaderValue::from_static("Origin"));
    }
}

/// Read the token file, or create it with a random token (mode 0600). An existing file
/// readable by group or others is refused.
fn load_token(path: &Path) -> Result<Zeroizing<String>, CliError> {
    use std::io::Write;
    use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
    let io = |source| CliError::Io { context: format!("token file {}", path.display()), source };
    match std::fs::metadata(path) {
        Ok(meta) => {
            if meta.mode() & 0o077 != 0 {
                return Err(CliError::Usage(format!(
                    "token file {}: readable by others (mode {:o}); chmod 600 it",
                    path.display(),
                    meta.mode() & 0o777
                )));
            }
            let text = Zeroizing::new(std::fs::read_to_string(path).map_err(io)?);
            let token = Zeroizing::new(text.trim().to_string());
            if token.len() < 16 || token.len() > 512 {
                return Err(CliError::Usage(format!(
                    "token file {}: the token must have 16 to 512 characters",
                    path.display()
                )));
            }
            Ok(token)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut bytes = Zeroizing::new([0u8; 32]);
            rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut *bytes);
            let token = Zeroizing::new(hex::encode(*bytes));
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(path)
                .map_err(io)?;
            f.write_all(token.as_bytes()).and_then(|()| f.write_all(b"\n")).map_err(io)?;
            Ok(token)
        }
        Err(e) => Err(io(e)),
    }
}

/// Bind the Unix socket with mode 0600: bound in a fresh 0700 directory next to it, then
/// renamed into place (no moment with a looser mode). A stale socket there is replaced; any
/// other file is refused. The default path's directory is created 0700.
fn bind_unix(path: &Path, default: bool) -> Result<tokio::net::UnixListener, CliError> {
    use std::os::unix::fs::{DirBuilderExt, FileTypeExt, PermissionsExt};
    let io =
        |what: &str, source| CliError::Io { context: format!("{what} {}", path.display()), source };
    let parent = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    if default && !parent.exists() {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(parent)
            .map_err(|e| io("creating the directory of", e))?;
    }
    if let Ok(meta) = std::fs::symlink_metadata(path) {
        if !meta.file_type().is_socket() {
            return Err(CliError::Usage(format!(
                "{}: exists and is not a socket; not replacing it",
                path.display()
            )));
        }
        if std::os::unix::net::UnixStream::connect(path).is_ok() {
            return Err(CliError::Usage(format!(
                "{}: another service is listening there",
                path.display()
            )));
        }
    }
    let tmp = tempfile::Builder::new()
        .prefix(".mynacard-bind")
        .tempdir_in(parent)
        .map_err(|e| io("creating a directory next to", e))?;
    let staged = tmp.path().join("s");
    let listener = std::os::unix::net::UnixListener::bind(&staged)
        .map_err(|e| io("binding a socket for", e))?;
    std::fs::set_permissions(&staged, std::fs::Permissions::from_mode(0o600))
        .map_err(|e| io("setting the mode of", e))?;
    std::fs::rename(&staged, path).map_err(|e| io("moving the socket to", e))?;
    listener.set_nonblocking(true).map_err(|e| io("configuring", e))?;
    tokio::net::UnixListener::from_std(listener).map_err(|e| io("listening on", e))
}

/// Serve one accepted connection: the router with the caller, header timeout, graceful
/// shutdown.
fn serve_conn<S>(
    stream: S,
    caller: Caller,
    app: axum::Router,
    header_timeout: Duration,
    graceful: &hyper_util::server::graceful::GracefulShutdown,
    permit: tokio::sync::OwnedSemaphorePermit,
) where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let svc = app.map_request(move |mut req: Request<hyper::body::Incoming>| {
        req.extensions_mut().insert(caller.clone());
        req
    });
    let svc = hyper_util::service::TowerToHyperService::new(svc);
    let conn = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout)
        .serve_connection(TokioIo::new(stream), svc);
    let conn = graceful.watch(conn);
    tokio::spawn(async move {
        let _ = conn.await;
        drop(permit);
    });
}

/// Refuse a connection past the bound with a 503 and close it.
async fn refuse<S: AsyncWrite + Unpin>(mut stream: S) {
    let body =
        ApiError::serve(ServeCode::TooManyConnections, Msg::TooManyConnections).body().to_string();
    let head = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    );
    let _ = tokio::time::timeout(Duration::from_secs(2), async {
        stream.write_all(head.as_bytes()).await?;
        stream.write_all(body.as_bytes()).await?;
        stream.shutdown().await
    })
    .await;
}

enum Bound {
    Unix(tokio::net::UnixListener, PathBuf),
    Tcp(tokio::net::TcpListener),
}

/// Run `mynacard serve`.
pub fn run(g: &GlobalOpts, args: &ServeArgs) -> Result<Exit, CliError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .worker_threads(2)
        .max_blocking_threads(32)
        .thread_name("mynacard-serve")
        .build()
        .map_err(|source| CliError::Io {
            context: "starting the service runtime".into(),
            source,
        })?;
    runtime.block_on(serve(g, args))
}

async fn serve(g: &GlobalOpts, args: &ServeArgs) -> Result<Exit, CliError> {
    let (listen, default) = match &args.listen {
        Some(text) => (parse_listen(text)?, false),
        None => (Listen::Unix(default_socket()?), true),
    };
    let token = match (&listen, &args.token_file) {
        (Listen::Tcp(_), Some(path)) => Some(load_token(path)?),
        (Listen::Tcp(_), None) => {
            return Err(CliError::Usage(
                "--listen on TCP needs --token-file FILE (the bearer token clients send)".into(),
            ))
        }
        (Listen::Unix(_), Some(_)) => {
            return Err(CliError::Usage(
                "--token-file is for TCP; on a Unix socket the file mode guards access".into(),
            ))
        }
        (Listen::Unix(_), None) => None,
    };
    // Check the verification options now, not at the first request.
    super::verify::Setup::new(&args.verify, true)?;
    let audit = match &g.audit_log {
        Some(path) => {
            Some(Arc::new(mynacard::audit::AuditLog::open(path).map_err(|e| CliError::Io {
                context: "audit log".into(),
                source: std::io::Error::other(e.to_string()),
            })?))
        }
        None => None,
    };
    let hub = events::Hub::new();
    let stop_watch = Arc::new(AtomicBool::new(false));
    let config = Arc::new(card::Config {
        reader: g.reader.clone(),
        trust: TrustOpts {
            hierarchy: match args.verify.hierarchy {
                super::verify::HierarchyArg::Production => super::face::HierarchyArg::Production,
                super::verify::HierarchyArg::Test => super::face::HierarchyArg::Test,
            },
            cvc_ca: args.cvc_ca.clone(),
        },
    });
    let (shutdown_tx, shutdown_rx) = tokio::sync::watch::channel(false);
    let state = Arc::new(api::AppState {
        gate: card::Gate::new(Duration::from_millis(args.busy_wait_ms), hub.clone(), audit, config),
        hub,
        allow_reveal: args.allow_reveal,
        max_body: args.max_body_bytes,
        body_timeout: Duration::from_millis(args.body_timeout_ms),
        verify: args.verify.clone(),
        shutdown: shutdown_rx,
    });
    if g.reader.as_deref() != Some(super::connect::SIM) {
        events::spawn_watcher(
            state.hub.clone(),
            stop_watch.clone(),
            state.gate.locks(),
            state.gate.memo(),
        )
        .map_err(|source| CliError::Io { context: "starting the event thread".into(), source })?;
    }
    let policy = Arc::new(Policy::new(&listen, &args.allow_origin, token));
    let mut app = api::router(state);
    if args.ui {
        app = app.merge(ui::router());
    }
    let app = app.layer(axum::middleware::from_fn_with_state(policy, guard));

    let bound = match &listen {
        Listen::Unix(path) => Bound::Unix(bind_unix(path, default)?, path.clone()),
        Listen::Tcp(addr) => {
            Bound::Tcp(tokio::net::TcpListener::bind(addr).await.map_err(|source| {
                CliError::Io { context: format!("cannot listen on {addr}"), source }
            })?)
        }
    };
    let shown = match &bound {
        Bound::Unix(_, p) => format!("unix:{}", p.display()),
        Bound::Tcp(l) => l.local_addr().map(|a| a.to_string()).unwrap_or_default(),
    };
    if !g.quiet {
        eprintln!("mynacard serve: listening on {shown}");
    }

    let mut term =
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).map_err(
            |source| CliError::Io { context: "installing the signal handler".into(), source },
        )?;
    let mut int =
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt()).map_err(
            |source| CliError::Io { context: "installing the signal handler".into(), source },
        )?;
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let slots = Arc::new(tokio::sync::Semaphore::new(args.max_connections.max(1)));
    let header_timeout = Duration::from_millis(args.header_timeout_ms);
    loop {
        tokio::select! {
            _ = term.recv() => break,
            _ = int.recv() => break,
            accepted = accept(&bound) => {
                let Some((stream, caller)) = accepted else { continue };
                match slots.clone().try_acquire_owned() {
                    Ok(permit) => match stream {
                        Stream::Unix(s) => serve_conn(s, caller, app.clone(), header_timeout, &graceful, permit),
                        Stream::Tcp(s) => serve_conn(s, caller, app.clone(), header_timeout, &graceful, permit),
                    },
                    Err(_) => match stream {
                        Stream::Unix(s) => { tokio::spawn(refuse(s)); }
                        Stream::Tcp(s) => { tokio::spawn(refuse(s)); }
                    },
                }
            }
        }
    }
    if !g.quiet {
        eprintln!("mynacard serve: stopping (finishing running requests)");
    }
    let _ = shutdown_tx.send(true);
    if let Bound::Unix(_, path) = &bound {
        let _ = std::fs::remove_file(path);
    }
    drop(bound);
    // Running card operations finish; an idle keep-alive connection is closed at once.
    let _ = tokio::time::timeout(Duration::from_secs(60), graceful.shutdown()).await;
    stop_watch.store(true, std::sync::atomic::Ordering::Relaxed);
    Ok(Exit::Success)
}

enum Stream {
    Unix(tokio::net::UnixStream),
    Tcp(tokio::net::TcpStream),
}

/// The next connection and its caller; `None` after a failed accept (after a short pause,
/// so a full file table does not spin).
async fn accept(bound: &Bound) -> Option<(Stream, Caller)> {
    let result = match bound {
        Bound::Unix(l, _) => l.accept().await.map(|(s, _)| {
            let caller = s.peer_cred().map(|c| Caller::Uid(c.uid())).unwrap_or(Caller::UnknownPeer);
            (Stream::Unix(s), caller)
        }),
        Bound::Tcp(l) => l.accept().await.map(|(s, _)| (Stream::Tcp(s), Caller::Token)),
    };
    match result {
        Ok(x) => Some(x),
        Err(e) => {
            eprintln!("mynacard serve: accept failed: {e}");
            tokio::time::sleep(Duration::from_millis(100)).await;
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_is_accepted() {
        assert_eq!(
            parse_listen("127.0.0.1:8080").unwrap(),
            Listen::Tcp("127.0.0.1:8080".parse().unwrap())
        );
        assert!(matches!(parse_listen("[::1]:1").unwrap(), Listen::Tcp(_)));
        assert_eq!(parse_listen("unix:/tmp/s").unwrap(), Listen::Unix("/tmp/s".into()));
        for bad in ["0.0.0.0:80", "192.168.1.2:80", "[::]:80", "localhost:80", "unix:", "x"] {
            let e = parse_listen(bad).unwrap_err();
            assert_eq!(e.exit(), Exit::Usage, "{bad}");
        }
        assert!(parse_listen("0.0.0.0:80").unwrap_err().to_string().contains("non-loopback"));
    }

    #[test]
    fn hosts_and_tokens() {
        let tcp = Listen::Tcp("127.0.0.1:8080".parse().unwrap());
        let p = Policy::new(&tcp, &[], Some(Zeroizing::new("a".repeat(32))));
        assert!(p.host_ok(Some("127.0.0.1:8080")));
        assert!(p.host_ok(Some("localhost:8080")));
        assert!(!p.host_ok(Some("evil.example:8080")));
        assert!(!p.host_ok(Some("127.0.0.1:8081")));
        assert!(!p.host_ok(None));
        assert!(p.token_ok(Some(&format!("Bearer {}", "a".repeat(32)))));
        assert!(!p.token_ok(Some(&format!("Bearer {}", "b".repeat(32)))));
        assert!(!p.token_ok(Some("Bearer ")));
        assert!(!p.token_ok(None));
        let unix = Policy::new(&Listen::Unix("/s".into()), &[], None);
        assert!(unix.host_ok(Some("localhost")));
        assert!(unix.token_ok(None));
    }

    #[test]
    fn token_files_are_created_private_and_checked() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("token");
        let t = load_token(&path).unwrap();
        assert_eq!(t.len(), 64);
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(*load_token(&path).unwrap(), *t);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(load_token(&path).unwrap_err().to_string().contains("readable by others"));
    }
}
