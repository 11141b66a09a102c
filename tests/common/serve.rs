//! `mynacard serve` as a child process for tests (stopped by PID, SIGTERM), and a minimal
//! HTTP/1.1 client over its Unix socket or loopback TCP port written on the standard
//! library, so that the bytes on the wire are the test's own: requests are sent whole with
//! `Connection: close` and answers read to the end (bounded), or as a server-sent event
//! stream, line by line with a deadline.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// Where a test service listens.
#[derive(Clone, Debug)]
pub enum Addr {
    /// A Unix socket.
    Unix(PathBuf),
    /// A loopback TCP port with its token.
    Tcp(String, String),
}

/// A running `mynacard serve`.
pub struct Service {
    child: Option<Child>,
    /// Where it listens.
    pub addr: Addr,
    /// Its temporary directory (socket, token, audit log).
    pub dir: tempfile::TempDir,
}

/// A free loopback port (bound then released; the service binds it right after).
pub fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a port");
    l.local_addr().expect("local addr").port()
}

impl Service {
    /// `mynacard serve --listen unix:DIR/s.sock --audit-log DIR/audit.log ARGS…`, waiting
    /// (bounded) until `/v1/health` answers.
    pub fn unix(args: &[&str]) -> Service {
        let dir = tempfile::tempdir().expect("temp dir");
        let sock = dir.path().join("s.sock");
        let listen = format!("unix:{}", sock.display());
        let audit = dir.path().join("audit.log");
        let mut all =
            vec!["serve", "-q", "--listen", &listen, "--audit-log", super::cli::s(&audit)];
        all.extend_from_slice(args);
        Service::start(dir, Addr::Unix(sock), &all)
    }

    /// The same on a loopback TCP port with a token file (created by the service).
    pub fn tcp(args: &[&str]) -> Service {
        let dir = tempfile::tempdir().expect("temp dir");
        let port = free_port();
        let listen = format!("127.0.0.1:{port}");
        let token = dir.path().join("token");
        let audit = dir.path().join("audit.log");
        let mut all = vec![
            "serve",
            "-q",
            "--listen",
            &listen,
            "--token-file",
            super::cli::s(&token),
            "--audit-log",
            super::cli::s(&audit),
        ];
        all.extend_from_slice(args);
        let child = spawn(&all);
        let deadline = Instant::now() + Duration::from_secs(20);
        while !token.exists() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        let t = std::fs::read_to_string(&token).expect("token file").trim().to_string();
        let mut s = Service { child: Some(child), addr: Addr::Tcp(listen, t), dir };
        s.wait_up();
        s
    }

    fn start(dir: tempfile::TempDir, addr: Addr, args: &[&str]) -> Service {
        let mut s = Service { child: Some(spawn(args)), addr, dir };
        s.wait_up();
        s
    }

    fn wait_up(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(r) = try_request(&self.addr, "GET", "/v1/health", &[], None) {
                if r.status == 200 {
                    return;
                }
            }
            if let Some(status) = self.child.as_mut().and_then(|c| c.try_wait().ok().flatten()) {
                panic!("mynacard serve exited early with {status}");
            }
            assert!(Instant::now() < deadline, "mynacard serve did not answer within 20 s");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// A request with the right Host (and token on TCP).
    pub fn req(&self, method: &str, path: &str, body: Option<&serde_json::Value>) -> Answer {
        let body = body.map(|b| b.to_string());
        request(&self.addr, method, path, &[], body.as_deref())
    }

    /// GET `path`.
    pub fn get(&self, path: &str) -> Answer {
        self.req("GET", path, None)
    }

    /// POST JSON to `path`.
    pub fn post(&self, path: &str, body: serde_json::Value) -> Answer {
        self.req("POST", path, Some(&body))
    }

    /// The audit log's lines.
    pub fn audit(&self) -> Vec<serde_json::Value> {
        let text = std::fs::read_to_string(self.dir.path().join("audit.log")).unwrap_or_default();
        text.lines().map(|l| serde_json::from_str(l).expect("audit line is JSON")).collect()
    }

    /// The service's pid.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map(|c| c.id()).unwrap_or(0)
    }

    /// SIGTERM (by PID) and wait for the exit.
    pub fn terminate(mut self) -> ExitStatus {
        let mut child = self.child.take().expect("running");
        super::terminate(&mut child, "mynacard serve")
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = super::terminate(&mut child, "mynacard serve");
        }
    }
}

fn spawn(args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_mynacard"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
        .expect("start mynacard serve")
}

/// An HTTP answer.
#[derive(Debug)]
pub struct Answer {
    /// Status code.
    pub status: u16,
    /// Header lines (name lower-cased, value).
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl Answer {
    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "not JSON ({e}): {:?} (status {})",
                String::from_utf8_lossy(&self.body),
                self.status
            )
        })
    }

    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// The error code of an error answer.
    pub fn code(&self) -> String {
        self.json()["error"]["code"].as_str().unwrap_or_default().to_string()
    }
}

/// A connected stream to the service.
pub enum Conn {
    /// Unix socket.
    Unix(UnixStream),
    /// TCP.
    Tcp(TcpStream),
}

impl Read for Conn {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Conn::Unix(s) => s.read(buf),
            Conn::Tcp(s) => s.read(buf),
        }
    }
}

impl Write for Conn {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Conn::Unix(s) => s.write(buf),
            Conn::Tcp(s) => s.write(buf),
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Conn {
    /// Connect, with a read timeout.
    pub fn open(addr: &Addr, timeout: Duration) -> std::io::Result<Conn> {
        Ok(match addr {
            Addr::Unix(p) => {
                let s = UnixStream::connect(p)?;
                s.set_read_timeout(Some(timeout))?;
                Conn::Unix(s)
            }
            Addr::Tcp(a, _) => {
                let s = TcpStream::connect(a)?;
                s.set_read_timeout(Some(timeout))?;
                Conn::Tcp(s)
            }
        })
    }

    /// Close both directions.
    pub fn close(self) {
        match self {
            Conn::Unix(s) => {
                let _ = s.shutdown(std::net::Shutdown::Both);
            }
            Conn::Tcp(s) => {
                let _ = s.shutdown(std::net::Shutdown::Both);
            }
        }
    }
}

/// The Host header a well-behaved client sends.
pub fn host_of(addr: &Addr) -> String {
    match addr {
        Addr::Unix(_) => "localhost".into(),
        Addr::Tcp(a, _) => a.clone(),
    }
}

/// The request bytes: right Host and token unless `extra` names `Host` / `Authorization`
/// (an empty value leaves the header out).
pub fn request_bytes(
    addr: &Addr,
    method: &str,
    path: &str,
    extra: &[(&str, &str)],
    body: Option<&str>,
) -> Vec<u8> {
    let mut head = format!("{method} {path} HTTP/1.1\r\nConnection: close\r\n");
    let has = |n: &str| extra.iter().any(|(k, _)| k.eq_ignore_ascii_case(n));
    if !has("host") {
        head.push_str(&format!("Host: {}\r\n", host_of(addr)));
    }
    if let (Addr::Tcp(_, token), false) = (addr, has("authorization")) {
        head.push_str(&format!("Authorization: Bearer {token}\r\n"));
    }
    for (k, v) in extra {
        if !v.is_empty() {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
    }
    if let Some(b) = body {
        if !has("content-type") {
            head.push_str("Content-Type: application/json\r\n");
        }
        head.push_str(&format!("Content-Length: {}\r\n", b.len()));
    }
    head.push_str("\r\n");
    let mut bytes = head.into_bytes();
    if let Some(b) = body {
        bytes.extend_from_slice(b.as_bytes());
    }
    bytes
}

/// Send a request and read the whole answer (at most 64 MiB, 120 s).
pub fn try_request(
    addr: &Addr,
    method: &str,
    path: &str,
    extra: &[(&str, &str)],
    body: Option<&str>,
) -> std::io::Result<Answer> {
    let mut conn = Conn::open(addr, Duration::from_secs(120))?;
    conn.write_all(&request_bytes(addr, method, path, extra, body))?;
    let mut raw = Vec::new();
    conn.take(64 << 20).read_to_end(&mut raw)?;
    parse_answer(&raw).ok_or_else(|| {
        std::io::Error::other(format!("bad answer: {:?}", String::from_utf8_lossy(&raw)))
    })
}

/// [`try_request`], which must work.
pub fn request(
    addr: &Addr,
    method: &str,
    path: &str,
    extra: &[(&str, &str)],
    body: Option<&str>,
) -> Answer {
    try_request(addr, method, path, extra, body).expect("HTTP exchange")
}

/// Parse an HTTP/1.1 answer read to the end (Content-Length or chunked).
pub fn parse_answer(raw: &[u8]) -> Option<Answer> {
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&raw[..end]).ok()?;
    let mut lines = head.split("\r\n");
    let status: u16 = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let rest = &raw[end + 4..];
    let chunked = headers.iter().any(|(k, v)| k == "transfer-encoding" && v.contains("chunked"));
    let body = if chunked {
        let mut out = Vec::new();
        let mut r = rest;
        loop {
            let nl = r.windows(2).position(|w| w == b"\r\n")?;
            let size =
                usize::from_str_radix(std::str::from_utf8(&r[..nl]).ok()?.trim(), 16).ok()?;
            if size == 0 {
                break;
            }
            out.extend_from_slice(r.get(nl + 2..nl + 2 + size)?);
            r = r.get(nl + 4 + size..)?;
        }
        out
    } else {
        rest.to_vec()
    };
    Some(Answer { status, headers, body })
}

/// A server-sent event stream being read.
pub struct Events {
    reader: BufReader<Conn>,
}

impl Events {
    /// Open `/v1/events`; the answer's head must be 200 `text/event-stream`.
    pub fn open(addr: &Addr) -> Events {
        let mut conn = Conn::open(addr, Duration::from_millis(500)).expect("connect");
        let mut bytes = request_bytes(addr, "GET", "/v1/events", &[], None);
        // Keep the stream open: no "Connection: close" is needed for SSE, but harmless.
        conn.write_all(&bytes).expect("send");
        bytes.clear();
        let mut reader = BufReader::new(conn);
        let mut status = String::new();
        let deadline = Instant::now() + Duration::from_secs(10);
        while status.is_empty() && Instant::now() < deadline {
            let _ = reader.read_line(&mut status);
        }
        assert!(status.starts_with("HTTP/1.1 200"), "events answer: {status:?}");
        let mut line = String::new();
        loop {
            line.clear();
            if reader.read_line(&mut line).is_ok() && (line == "\r\n" || line.is_empty()) {
                break;
            }
            assert!(Instant::now() < deadline, "no end of the head");
        }
        Events { reader }
    }

    /// The next event's JSON data whose `event` is `kind` (others are skipped), within
    /// `timeout`; `None` when none came.
    pub fn wait_for(
        &mut self,
        timeout: Duration,
        want: impl Fn(&serde_json::Value) -> bool,
    ) -> Option<serde_json::Value> {
        let deadline = Instant::now() + timeout;
        let mut line = String::new();
        while Instant::now() < deadline {
            line.clear();
            match self.reader.read_line(&mut line) {
                Ok(0) => return None,
                Ok(_) => {
                    // Chunked framing: the data lines are inside; find "data:" anywhere.
                    if let Some(pos) = line.find("data:") {
                        let json = line[pos + 5..].trim();
                        if let Ok(v) = serde_json::from_str::<serde_json::Value>(json) {
                            if want(&v) {
                                return Some(v);
                            }
                        }
                    }
                }
                Err(_) => continue,
            }
        }
        None
    }
}

/// Whether a path exists (for the socket).
pub fn exists(p: &Path) -> bool {
    p.exists()
}
