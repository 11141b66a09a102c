//! A real browser authenticates with the card: Debian's Chromium, headed under Xvfb, with
//! the module in its NSS database (`$HOME/.pki/nssdb`), opens a page of
//! `openssl s_server -www -Verify 1` on 127.0.0.1 and logs in to the authentication token
//! through its own "Unlock Security Device" dialog, where `xdotool` types the PIN as a user
//! would. Chromium picks the certificate through the `AutoSelectCertificateForUrls` policy.
//!
//! What is checked: the server verified our authentication certificate (its chain to the
//! card's authentication CA, EF 000B) and the page Chromium shows, read over the DevTools
//! protocol on 127.0.0.1, names that certificate's subject; the card computed exactly one
//! signature.
//!
//! Chromium asks the PIN of every token that needs a login before it lists certificates,
//! the signature token first; the NSS database therefore marks the module's certificates as
//! publicly readable (`modutil -default mynacard -mechanisms FRIENDLY`, README "Use it from
//! other programs"), after which only the authentication token is unlocked, for the
//! signature. Without that flag, the first dialog would take "1234" as the signature
//! password.
//!
//! The PIN appears in xdotool's arguments: acceptable only because it is the virtual card's
//! published test PIN in a private pcscd namespace (as in the OpenSC oracle tests). Never do
//! this with a real card's PIN.
//!
//! Chromium reads policies only from /etc/chromium/policies/managed/: the test bind-mounts a
//! temporary copy of /etc/chromium over it, which scripts/with-pcscd's private mount
//! namespace keeps from every other process, and unmounts it afterwards.
//!
//! Run: `scripts/with-pcscd cargo test -p mynacard-pkcs11 --test browser --
//! --test-threads=1`; needs chromium, xvfb, xdotool and libnss3-tools (scripts/setup-debian).

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use mynacard::facts::jpki;

/// The default image's authentication certificate subject common name.
const AUTH_CN: &str = "SIMA7Q2K9X1M3Z4F8";

/// A started process, stopped by PID (SIGTERM, then SIGKILL after a bounded wait).
struct Proc(Child, &'static str);

impl Drop for Proc {
    fn drop(&mut self) {
        let pid = self.0.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        eprintln!("{} (pid {pid}) ignored SIGTERM; killing", self.1);
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The bind mount of the test's /etc/chromium copy, undone when dropped.
struct PolicyMount;

impl PolicyMount {
    fn new(dir: &Path, port: u16) -> PolicyMount {
        let etc = dir.join("etc-chromium");
        std::fs::create_dir_all(etc.join("policies/managed")).unwrap();
        // Keep what Debian put there (master_preferences).
        if let Ok(entries) = std::fs::read_dir("/etc/chromium") {
            for e in entries.flatten() {
                if e.path().is_file() {
                    std::fs::copy(e.path(), etc.join(e.file_name())).unwrap();
                }
            }
        }
        let rule =
            serde_json::json!({ "pattern": format!("https://127.0.0.1:{port}"), "filter": {} });
        let policy = serde_json::json!({ "AutoSelectCertificateForUrls": [rule.to_string()] });
        std::fs::write(etc.join("policies/managed/mynacard-test.json"), policy.to_string())
            .unwrap();
        let st = Command::new("mount").args(["--bind", s(&etc), "/etc/chromium"]).status();
        assert!(st.is_ok_and(|s| s.success()), "mount --bind over /etc/chromium failed");
        PolicyMount
    }
}

impl Drop for PolicyMount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("/etc/chromium").status();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn wait_port(addr: &str, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect(addr).is_err() {
        assert!(Instant::now() < deadline, "{what} did not listen on {addr}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Start Xvfb on a display it chooses itself (`-displayfd`); returns it and ":N".
fn xvfb() -> (Proc, String) {
    let mut child = Command::new("Xvfb")
        .args(["-displayfd", "1", "-screen", "0", "1280x800x24", "-nolisten", "tcp"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start Xvfb (apt install xvfb)");
    let out = child.stdout.take().expect("stdout");
    let proc = Proc(child, "Xvfb");
    // Xvfb writes the display number once it accepts connections (bounded by the kill in
    // Drop if it never does: the read ends with EOF).
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(out).read_line(&mut line);
        let _ = tx.send(line);
    });
    let line = rx.recv_timeout(Duration::from_secs(30)).expect("Xvfb display number");
    let n: u32 = line.trim().parse().unwrap_or_else(|_| panic!("Xvfb wrote {line:?}"));
    (proc, format!(":{n}"))
}

fn xdotool(display: &str, args: &[&str]) -> (bool, String) {
    let out = Command::new("xdotool")
        .args(args)
        .env("DISPLAY", display)
        .stdin(Stdio::null())
        .output()
        .expect("run xdotool (apt install xdotool)");
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    if !out.status.success() {
        text.push_str(&String::from_utf8_lossy(&out.stderr));
    }
    (out.status.success(), text)
}

/// One HTTP/1.1 GET on 127.0.0.1 (the DevTools endpoint list), bounded.
fn http_get(addr: &str, path: &str) -> String {
    let Ok(mut s) = TcpStream::connect(addr) else { return String::new() };
    let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
    if write!(s, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").is_err() {
        return String::new();
    }
    let mut body = Vec::new();
    let _ = s.take(1 << 20).read_to_end(&mut body);
    let text = String::from_utf8_lossy(&body).into_owned();
    text.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default()
}

/// A minimal WebSocket client (RFC 6455) for one DevTools `Runtime.evaluate` call: the
/// page's text. No Origin header, so Chromium needs no --remote-allow-origins.
fn page_text(ws_url: &str) -> Option<String> {
    let rest = ws_url.strip_prefix("ws://")?;
    let (addr, path) = rest.split_once('/')?;
    let mut s = TcpStream::connect(addr).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    write!(
        s,
        "GET /{path} HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
    .ok()?;
    let mut head = Vec::new();
    let mut b = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        s.read_exact(&mut b).ok()?;
        head.push(b[0]);
        if head.len() > 4096 {
            return None;
        }
    }
    if !head.starts_with(b"HTTP/1.1 101") {
        return None;
    }
    let msg = serde_json::json!({
        "id": 1,
        "method": "Runtime.evaluate",
        "params": { "expression": "document.body ? document.body.innerText : ''" }
    })
    .to_string();
    let payload = msg.as_bytes();
    let mask = [0x12u8, 0x34, 0x56, 0x78];
    let mut frame = vec![0x81u8];
    if payload.len() < 126 {
        frame.push(0x80 | payload.len() as u8);
    } else {
        frame.push(0x80 | 126);
        frame.extend_from_slice(&(payload.len() as u16).to_be_bytes());
    }
    frame.extend_from_slice(&mask);
    frame.extend(payload.iter().enumerate().map(|(i, p)| p ^ mask[i % 4]));
    s.write_all(&frame).ok()?;
    // Read frames until the answer with id 1 (bounded: at most 20 frames of 4 MiB).
    for _ in 0..20 {
        let mut h = [0u8; 2];
        s.read_exact(&mut h).ok()?;
        let mut len = u64::from(h[1] & 0x7f);
        if len == 126 {
            let mut l = [0u8; 2];
            s.read_exact(&mut l).ok()?;
            len = u64::from(u16::from_be_bytes(l));
        } else if len == 127 {
            let mut l = [0u8; 8];
            s.read_exact(&mut l).ok()?;
            len = u64::from_be_bytes(l);
        }
        if len > 4 << 20 {
            return None;
        }
        let mut data = vec![0u8; len as usize];
        s.read_exact(&mut data).ok()?;
        let v: serde_json::Value = match serde_json::from_slice(&data) {
            Ok(v) => v,
            Err(_) => continue,
        };
        if v["id"] == 1 {
            return v["result"]["result"]["value"].as_str().map(str::to_owned);
        }
    }
    None
}

#[test]
fn chromium_authenticates_with_the_card_key() {
    if !pcscd_or_skip("chromium_authenticates_with_the_card_key") {
        return;
    }
    // The policy bind mount needs scripts/with-pcscd's private mount namespace.
    if std::env::var("_MYNACARD_IN_NS").as_deref() != Ok("1") {
        eprintln!("SKIPPED chromium_authenticates_with_the_card_key: no private mount namespace");
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let sim = Sim::start();

    // Chromium's NSS database with our module, certificates publicly readable.
    let nssdb = h.join(".pki/nssdb");
    std::fs::create_dir_all(&nssdb).unwrap();
    let db = format!("sql:{}", nssdb.display());
    let (done, out, err) = run(h, "certutil", &["-N", "-d", &db, "--empty-password"], &[]);
    assert!(done, "certutil -N: {out}{err}");
    let m = module_path();
    for args in [
        vec!["-dbdir", &db, "-add", "mynacard", "-libfile", &m, "-force"],
        vec!["-dbdir", &db, "-default", "mynacard", "-mechanisms", "FRIENDLY", "-force"],
    ] {
        let o = Command::new("modutil").args(&args).env("HOME", h).stdin(Stdio::null()).output();
        let o = o.expect("run modutil (apt install libnss3-tools)");
        assert!(o.status.success(), "modutil {args:?}: {o:?}");
    }

    // The server: a throwaway certificate; client certificates must chain to the card's
    // authentication CA (EF 000B). TLS 1.2 with PKCS#1 v1.5 signatures only: TLS 1.3's
    // CertificateVerify needs RSA-PSS, which the card does not offer
    // (pkcs11/src/mechanism.rs).
    let (done, text) = openssl(
        h,
        &["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key"]
            .into_iter()
            .chain(["-out", "server.pem", "-days", "1", "-subj", "/CN=127.0.0.1"])
            .collect::<Vec<_>>(),
    );
    assert!(done, "{text}");
    let root = der::pem::encode_string(
        "CERTIFICATE",
        der::pem::LineEnding::LF,
        &jpki_file(jpki::EF_AUTH_CA_CERT),
    )
    .unwrap();
    std::fs::write(h.join("root.pem"), root).unwrap();
    let port = free_port();
    let accept = format!("127.0.0.1:{port}");
    let server_log = h.join("s_server.log");
    let log = std::fs::File::create(&server_log).unwrap();
    let server = Command::new("openssl")
        .args(["s_server", "-accept", &accept, "-cert", "server.pem", "-key", "server.key"])
        .args(["-Verify", "1", "-verify_return_error", "-CAfile", "root.pem", "-www"])
        .args(["-tls1_2", "-sigalgs", "RSA+SHA256:RSA+SHA384:RSA+SHA512"])
        .current_dir(h)
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .expect("start openssl s_server");
    let _server = Proc(server, "openssl s_server");
    wait_port(&accept, "openssl s_server");

    let _policy = PolicyMount::new(h, port);
    let (_xvfb, display) = xvfb();
    let devtools = free_port();
    let chromium = Command::new("chromium")
        .args(["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        .args(["--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"])
        .args(["--ignore-certificate-errors", "--password-store=basic"])
        .arg(format!("--user-data-dir={}", h.join("profile").display()))
        .arg(format!("--remote-debugging-port={devtools}"))
        .arg(format!("https://{accept}/"))
        .env("HOME", h)
        .env("DISPLAY", &display)
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(h.join("chromium.log")).unwrap())
        .spawn()
        .expect("start chromium (apt install chromium)");
    let _chromium = Proc(chromium, "chromium");

    // NSS's password prompt, as Chromium shows it; focus its PIN field and type. Polled
    // (bounded): a search can fail while Chromium creates and destroys windows.
    let deadline = Instant::now() + Duration::from_secs(60);
    let ids = loop {
        let (found, ids) =
            xdotool(&display, &["search", "--onlyvisible", "--name", "^Unlock Security Device$"]);
        if found && !ids.trim().is_empty() {
            break ids;
        }
        let log = std::fs::read_to_string(h.join("chromium.log")).unwrap_or_default();
        assert!(Instant::now() < deadline, "no \"Unlock Security Device\" dialog: {ids}\n{log}");
        std::thread::sleep(Duration::from_millis(250));
    };
    let dialog = ids.lines().next().expect("dialog window id").to_owned();
    assert!(xdotool(&display, &["windowfocus", "--sync", &dialog]).0, "focus the dialog");
    assert!(xdotool(&display, &["type", "--delay", "50", AUTH_PIN]).0, "type the PIN");
    assert!(xdotool(&display, &["key", "Return"]).0, "press Return");

    // The page, once loaded, is s_server's report of the session.
    let endpoint = format!("127.0.0.1:{devtools}");
    wait_port(&endpoint, "Chromium's DevTools");
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut text = String::new();
    while Instant::now() < deadline {
        let list: serde_json::Value =
            serde_json::from_str(&http_get(&endpoint, "/json/list")).unwrap_or_default();
        let page = list.as_array().into_iter().flatten().find(|t| {
            t["type"] == "page" && t["url"].as_str().is_some_and(|u| u.contains(&accept))
        });
        if let Some(ws) = page.and_then(|p| p["webSocketDebuggerUrl"].as_str()) {
            text = page_text(ws).unwrap_or_default();
            if text.contains("Client certificate") {
                break;
            }
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    let server_out = std::fs::read_to_string(&server_log).unwrap_or_default();
    let chromium_log = std::fs::read_to_string(h.join("chromium.log")).unwrap_or_default();
    assert!(
        text.contains("Client certificate"),
        "page: {text}\nserver: {server_out}\nchromium: {chromium_log}"
    );
    assert!(text.contains("TLSv1.2"), "page: {text}");
    assert!(text.contains(&format!("Subject: C=JP, CN={AUTH_CN}\n")), "page: {text}");
    // The server verified the chain to the card's authentication CA (-verify_return_error
    // would have ended the handshake otherwise) for our certificate.
    assert!(server_out.contains(&format!("depth=0 C = JP, CN = {AUTH_CN}")), "{server_out}");
    assert!(!server_out.contains("verify error"), "{server_out}");
    assert_eq!(sim.count("signatures"), 1, "{}", sim.counts());
}
