//! Hostile clients of `mynacard serve` (a child process on a temporary Unix socket or a
//! loopback port, stopped by PID), using the in-process virtual card (`--reader sim`) so
//! no pcscd is needed: a wrong Host (DNS rebinding), a foreign Origin, a missing or wrong
//! token, an oversized body, a client that never finishes its headers, a non-loopback
//! address; and the file modes of the socket and the token. Each is refused, and the
//! service still answers afterwards.

mod common;

use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::time::{Duration, Instant};

use common::serve::{request, Addr, Conn, Service};
use serde_json::json;

#[test]
fn unix_socket_is_private_and_answers_the_right_host_only() {
    let svc = Service::unix(&["--reader", "sim"]);
    let Addr::Unix(sock) = &svc.addr else { unreachable!() };
    let mode = std::fs::metadata(sock).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let a = request(&svc.addr, "GET", "/v1/health", &[("Host", "evil.example")], None);
    assert_eq!((a.status, a.code()), (403, "forbidden".to_string()));
    assert!(a.json()["error"]["message"].as_str().unwrap().contains("Host"));
    let a = request(&svc.addr, "GET", "/v1/card", &[("Host", "127.0.0.1.nip.io")], None);
    assert_eq!(a.status, 403);
    // A page on another origin (a browser sends its Origin): refused, no CORS headers.
    let a = request(&svc.addr, "GET", "/v1/card", &[("Origin", "http://evil.example")], None);
    assert_eq!((a.status, a.code()), (403, "forbidden".to_string()));
    assert_eq!(a.header("access-control-allow-origin"), None);
    assert!(svc.audit().is_empty(), "a refused request touched the card");
    let a = svc.get("/v1/card");
    assert_eq!(a.status, 200);
    assert_eq!(a.json()["reader"], "sim");
}

#[test]
fn tcp_needs_the_token() {
    let svc = Service::tcp(&["--reader", "sim", "--allow-origin", "http://kiosk.example"]);
    let token_path = svc.dir.path().join("token");
    let mode = std::fs::metadata(&token_path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let Addr::Tcp(hostport, token) = &svc.addr else { unreachable!() };
    assert_eq!(token.len(), 64);
    for (auth, what) in
        [("", "missing"), ("Bearer wrong-token-0123456789", "wrong"), ("Basic x", "basic")]
    {
        let a = request(&svc.addr, "GET", "/v1/card", &[("Authorization", auth)], None);
        assert_eq!((a.status, a.code()), (401, "unauthorized".to_string()), "{what}");
        assert_eq!(a.header("www-authenticate"), Some("Bearer"));
        assert!(!String::from_utf8_lossy(&a.body).contains(token.as_str()));
    }
    // DNS rebinding: the right token but a name that is not ours.
    let a = request(&svc.addr, "GET", "/v1/health", &[("Host", "rebind.example:80")], None);
    assert_eq!(a.status, 403);
    let port = hostport.rsplit(':').next().unwrap();
    let a =
        request(&svc.addr, "GET", "/v1/health", &[("Host", &format!("localhost:{port}"))], None);
    assert_eq!(a.status, 200);
    // The allowed origin gets CORS headers (and a preflight answer); the page's own origin
    // needs none.
    let a = request(&svc.addr, "GET", "/v1/health", &[("Origin", "http://kiosk.example")], None);
    assert_eq!(a.status, 200);
    assert_eq!(a.header("access-control-allow-origin"), Some("http://kiosk.example"));
    let a = request(
        &svc.addr,
        "OPTIONS",
        "/v1/authenticate",
        &[("Origin", "http://kiosk.example"), ("Authorization", "")],
        None,
    );
    assert_eq!(a.status, 204);
    assert!(a.header("access-control-allow-headers").unwrap().contains("authorization"));
    let own = format!("http://{hostport}");
    let a = request(&svc.addr, "GET", "/v1/health", &[("Origin", &own)], None);
    assert_eq!(a.status, 200);
    assert_eq!(a.header("access-control-allow-origin"), None);
    let a = request(&svc.addr, "GET", "/v1/health", &[("Origin", "http://other.example")], None);
    assert_eq!(a.status, 403);
}

#[test]
fn oversized_bodies_and_slow_headers_are_refused() {
    let svc = Service::unix(&[
        "--reader",
        "sim",
        "--max-body-bytes",
        "4096",
        "--header-timeout-ms",
        "1000",
    ]);
    let big = json!({ "challenge": "A".repeat(8192), "pin": "1234" }).to_string();
    let a = request(&svc.addr, "POST", "/v1/authenticate", &[], Some(&big));
    assert_eq!((a.status, a.code()), (413, "payload-too-large".to_string()));
    // Without a Content-Length (chunked), the bound still holds.
    let mut conn = Conn::open(&svc.addr, Duration::from_secs(30)).unwrap();
    let chunk = "B".repeat(3000);
    let head = "POST /v1/sign HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\
                Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
    conn.write_all(head.as_bytes()).unwrap();
    // The service may answer 413 and close as soon as the bound is passed, so a later chunk
    // can meet a closed connection (EPIPE): that is the refusal, read below.
    for _ in 0..3 {
        let _ = conn.write_all(format!("{:x}\r\n{chunk}\r\n", chunk.len()).as_bytes());
    }
    let _ = conn.write_all(b"0\r\n\r\n");
    let mut raw = Vec::new();
    let _ = conn.read_to_end(&mut raw);
    let a = common::serve::parse_answer(&raw).expect("an answer");
    assert_eq!((a.status, a.code()), (413, "payload-too-large".to_string()));
    let a = request(&svc.addr, "POST", "/v1/sign", &[("Content-Type", "text/plain")], Some("{}"));
    assert_eq!((a.status, a.code()), (415, "unsupported-media-type".to_string()));

    // A client that starts its headers and stops: the connection is closed, bounded.
    let mut slow = Conn::open(&svc.addr, Duration::from_secs(30)).unwrap();
    slow.write_all(b"GET /v1/health HTTP/1.1\r\nHost: loc").unwrap();
    let start = Instant::now();
    let mut buf = Vec::new();
    let n = slow.read_to_end(&mut buf).unwrap_or(0);
    assert!(start.elapsed() < Duration::from_secs(25), "the slow client was never cut off");
    let text = String::from_utf8_lossy(&buf[..n]);
    assert!(text.is_empty() || text.starts_with("HTTP/1.1 408"), "{text}");
    assert_eq!(svc.get("/v1/health").status, 200);
}

#[test]
fn only_loopback_addresses_are_served() {
    for addr in ["0.0.0.0:0", "[::]:0", "192.0.2.1:8080"] {
        let out = common::cli::mynacard()
            .args(["serve", "--reader", "sim", "--listen", addr, "--token-file", "/nonexistent/t"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{addr}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("non-loopback"), "{addr}");
    }
    let out = common::cli::mynacard()
        .args(["serve", "--reader", "sim", "--listen", "127.0.0.1:0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--token-file"));
}
