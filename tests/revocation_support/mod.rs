//! Test PKI for the revocation tests, made with the `openssl` CLI: a JPKI-shaped root, one
//! `openssl ca` database per municipality (DirName CRL distribution point, matching
//! issuingDistributionPoint on its CRLs), delegated OCSP responders; and the HTTP servers the
//! OCSP tests talk to, all on 127.0.0.1 only: `openssl ocsp` answering each request (in its
//! responder file mode, behind a loopback listener of ours), and a replay server with a fixed
//! answer. Uses `crate::openssl_pki`: a test binary declares `mod openssl_pki;` with it.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, Receiver};
use std::sync::{Arc, OnceLock};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime};

use der::{Decode, DecodePem};
use x509_cert::Certificate;

pub use crate::openssl_pki::ok as openssl;

pub const ROOT_DN: &str =
    "/C=JP/O=JPKI-SIM/OU=JPKI for digital signature/OU=Japan Agency for Local Authority Information Systems";

/// `openssl verify -crl_check`: (success, combined output).
pub fn openssl_verify(
    root: &Path,
    crls: &[&Path],
    cert: &Path,
    attime: Option<SystemTime>,
) -> (bool, String) {
    let mut cmd = Command::new("openssl");
    cmd.arg("verify").arg("-crl_check").arg("-CAfile").arg(root);
    for c in crls {
        cmd.arg("-CRLfile").arg(c);
    }
    if let Some(t) = attime {
        let secs = t.duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs();
        cmd.arg("-attime").arg(secs.to_string());
    }
    cmd.arg(cert);
    let out = cmd.output().expect("run openssl verify");
    let text =
        format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

/// Keys generated once per test binary and copied into each PKI (RSA key generation is slow).
fn key_cache() -> &'static PathBuf {
    static KEYS: OnceLock<PathBuf> = OnceLock::new();
    KEYS.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("mynacard-rvk-keys-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for name in ["root", "ee", "ocsp", "other"] {
            openssl(
                &dir,
                &[
                    "genpkey",
                    "-algorithm",
                    "RSA",
                    "-pkeyopt",
                    "rsa_keygen_bits:2048",
                    "-out",
                    &format!("{name}.key"),
                ],
            );
        }
        dir
    })
}

pub fn load_cert(path: &Path) -> Certificate {
    let bytes = std::fs::read(path).unwrap();
    Certificate::from_pem(&bytes).or_else(|_| Certificate::from_der(&bytes)).unwrap()
}

pub fn pem_to_der(path: &Path, out: &Path, kind: &str) {
    let dir = path.parent().unwrap();
    openssl(
        dir,
        &[kind, "-in", path.to_str().unwrap(), "-outform", "DER", "-out", out.to_str().unwrap()],
    );
}

pub struct Pki {
    pub dir: tempfile::TempDir,
}

pub struct City {
    pub name: String,
    pub cnf: PathBuf,
    pub index: PathBuf,
}

impl Pki {
    pub fn new() -> Pki {
        let dir = tempfile::tempdir().unwrap();
        let keys = key_cache();
        for name in ["root", "ee", "ocsp", "other"] {
            std::fs::copy(keys.join(format!("{name}.key")), dir.path().join(format!("{name}.key")))
                .unwrap();
        }
        std::fs::create_dir(dir.path().join("newcerts")).unwrap();
        std::fs::write(dir.path().join("serial"), "1000\n").unwrap();
        let pki = Pki { dir };
        let root_cnf = pki.write_cnf("root", "Tokyo", "Chiyoda", None);
        openssl(
            pki.path(),
            &[
                "req",
                "-x509",
                "-key",
                "root.key",
                "-out",
                "root.pem",
                "-days",
                "3650",
                "-subj",
                ROOT_DN,
                "-config",
                root_cnf.to_str().unwrap(),
                "-extensions",
                "root_ext",
            ],
        );
        pki
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn p(&self, name: &str) -> PathBuf {
        self.path().join(name)
    }

    pub fn root(&self) -> Certificate {
        load_cert(&self.p("root.pem"))
    }

    fn write_cnf(&self, city: &str, prefecture: &str, cn_city: &str, aia: Option<&str>) -> PathBuf {
        let d = self.path().display();
        let aia_line =
            aia.map(|u| format!("authorityInfoAccess = OCSP;URI:{u}\n")).unwrap_or_default();
        let cnf = format!(
            r#"[ ca ]
default_ca = CA_default
[ CA_default ]
dir = {d}
database = $dir/index-{city}.txt
serial = $dir/serial
crlnumber = $dir/crlnumber-{city}
certificate = $dir/root.pem
private_key = $dir/root.key
new_certs_dir = $dir/newcerts
default_md = sha256
default_days = 365
policy = policy_any
unique_subject = no
[ policy_any ]
countryName = optional
commonName = optional
[ root_ext ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ ee_ext ]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature, nonRepudiation
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
crlDistributionPoints = crldp
{aia_line}[ ocsp_ext ]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = OCSPSigning
[ noocsp_ext ]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
[ crldp ]
fullname = dirName:crldp_dn
[ crldp_dn ]
C = JP
O = JPKI-SIM
1.OU = JPKI for digital signature
2.OU = CRL Distribution Points
3.OU = {prefecture}
CN = {cn_city} CRLDP
[ crl_ext ]
authorityKeyIdentifier = keyid
issuingDistributionPoint = critical, @idp
[ idp ]
fullname = dirName:crldp_dn
"#
        );
        let path = self.p(&format!("ca-{city}.cnf"));
        std::fs::write(&path, cnf).unwrap();
        path
    }

    /// A municipality with its own CA database and distribution point.
    pub fn city(&self, name: &str, prefecture: &str, aia: Option<&str>) -> City {
        let cnf = self.write_cnf(name, prefecture, name, aia);
        std::fs::write(self.p(&format!("index-{name}.txt")), "").unwrap();
        std::fs::write(self.p(&format!("crlnumber-{name}")), "01\n").unwrap();
        City { name: name.to_string(), cnf, index: self.p(&format!("index-{name}.txt")) }
    }

    /// Issues a certificate with `ext` (ee_ext, ocsp_ext, noocsp_ext) and key `key`; returns its PEM path.
    pub fn issue(&self, city: &City, cn: &str, ext: &str, key: &str) -> PathBuf {
        let csr = format!("{cn}.csr");
        let out = format!("{cn}.pem");
        openssl(
            self.path(),
            &["req", "-new", "-key", key, "-out", &csr, "-subj", &format!("/C=JP/CN={cn}")],
        );
        openssl(
            self.path(),
            &[
                "ca",
                "-batch",
                "-config",
                city.cnf.to_str().unwrap(),
                "-extensions",
                ext,
                "-in",
                &csr,
                "-out",
                &out,
                "-notext",
            ],
        );
        self.p(&out)
    }

    /// Revokes: `reason` is a CRL reason name, or "hold" for certificateHold.
    pub fn revoke(&self, city: &City, cert: &Path, reason: &str) {
        let cnf = city.cnf.to_str().unwrap();
        let cert = cert.to_str().unwrap();
        if reason == "hold" {
            openssl(
                self.path(),
                &["ca", "-config", cnf, "-revoke", cert, "-crl_hold", "holdInstructionReject"],
            );
        } else {
            openssl(self.path(), &["ca", "-config", cnf, "-revoke", cert, "-crl_reason", reason]);
        }
    }

    /// `openssl ca -gencrl` for the city, valid `hours`, written as PEM to `out`.
    pub fn gencrl(&self, city: &City, out: &str, hours: u32) -> PathBuf {
        openssl(
            self.path(),
            &[
                "ca",
                "-config",
                city.cnf.to_str().unwrap(),
                "-gencrl",
                "-crlexts",
                "crl_ext",
                "-crlhours",
                &hours.to_string(),
                "-out",
                out,
            ],
        );
        self.p(out)
    }
}

/// A loopback port nothing listens on (bound, then released).
pub fn free_port() -> u16 {
    loopback().local_addr().unwrap().port()
}

/// A listener on 127.0.0.1 and a port of the system's choosing.
pub fn loopback() -> TcpListener {
    TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0")
}

/// An HTTP server on 127.0.0.1 that answers every POST with what its handler makes of the
/// body; received bodies go to `requests`. One connection at a time, each read with a 10 s
/// timeout; on drop the accept loop is woken, stops and its thread is joined.
pub struct HttpServer {
    pub port: u16,
    pub requests: Receiver<Vec<u8>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl HttpServer {
    /// Serves on `listener`; `answer(n, body)` gives the status and body for request `n`.
    pub fn serve(
        listener: TcpListener,
        mut answer: impl FnMut(usize, &[u8]) -> (u16, Vec<u8>) + Send + 'static,
    ) -> HttpServer {
        let port = listener.local_addr().unwrap().port();
        let (tx, requests) = channel();
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            for (n, conn) in listener.incoming().enumerate() {
                if flag.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(mut stream) = conn else { continue };
                let Ok(body) = read_request(&mut stream) else { continue };
                let (status, reply) = answer(n, &body);
                let _ = tx.send(body);
                let _ = write_response(&mut stream, status, &reply);
            }
        });
        HttpServer { port, requests, stop, thread: Some(thread) }
    }

    /// Answers every request with `status` and `body` (a captured OCSP response, or junk).
    pub fn replay(status: u16, body: Vec<u8>) -> HttpServer {
        HttpServer::serve(loopback(), move |_, _| (status, body.clone()))
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.port)
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept call.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Reads one HTTP request; its body (as long as Content-Length says, none without it).
fn read_request(stream: &mut TcpStream) -> std::io::Result<Vec<u8>> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let header_end = loop {
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            return Err(std::io::Error::other("connection closed in the headers"));
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..header_end]).to_ascii_lowercase();
    let len: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    while buf.len() < header_end + len {
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    Ok(buf.get(header_end..(header_end + len).min(buf.len())).unwrap_or(&[]).to_vec())
}

fn write_response(stream: &mut TcpStream, status: u16, body: &[u8]) -> std::io::Result<()> {
    let reason = match status {
        200 => "OK",
        404 => "Not Found",
        500 => "Internal Server Error",
        _ => "Status",
    };
    write!(
        stream,
        "HTTP/1.1 {status} {reason}\r\nContent-Type: application/ocsp-response\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    stream.write_all(body)?;
    stream.flush()
}

/// What `openssl ocsp` answers from: its index, the responder certificate and key, the CA
/// of the certificates asked about, and `-nmin` (nextUpdate, minutes ahead) when given.
pub struct OcspIndex {
    pub index: PathBuf,
    pub rsigner: PathBuf,
    pub rkey: PathBuf,
    pub ca: PathBuf,
    pub nmin: Option<u32>,
}

/// An OCSP responder on 127.0.0.1: each request is answered by `openssl ocsp` in its responder
/// file mode (`-reqin`/`-respout`), so OpenSSL builds and signs every answer. (OpenSSL 3.0's
/// `openssl ocsp -port` takes only a port number and listens on every interface.)
pub fn ocsp_responder(listener: TcpListener, from: OcspIndex) -> HttpServer {
    let work = tempfile::tempdir().unwrap();
    HttpServer::serve(listener, move |n, body| ocsp_answer(work.path(), &from, n, body))
}

/// The answer of `openssl ocsp` (responder file mode, files in `work`) to request `n`.
pub fn ocsp_answer(work: &Path, from: &OcspIndex, n: usize, body: &[u8]) -> (u16, Vec<u8>) {
    let req = work.join(format!("req{n}.der"));
    let resp = work.join(format!("resp{n}.der"));
    if std::fs::write(&req, body).is_err() {
        return (500, Vec::new());
    }
    let mut cmd = Command::new("openssl");
    cmd.arg("ocsp")
        .arg("-index")
        .arg(&from.index)
        .arg("-rsigner")
        .arg(&from.rsigner)
        .arg("-rkey")
        .arg(&from.rkey)
        .arg("-CA")
        .arg(&from.ca)
        .arg("-reqin")
        .arg(&req)
        .arg("-respout")
        .arg(&resp);
    if let Some(m) = from.nmin {
        cmd.arg("-nmin").arg(m.to_string());
    }
    let ok = cmd.stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok_and(|s| s.success());
    match std::fs::read(&resp) {
        Ok(der) if ok => (200, der),
        _ => (500, Vec::new()),
    }
}

/// The responder of a municipality's CA database, signing with `rsigner`/`rkey` for CA `ca`,
/// nextUpdate 5 minutes ahead; on `listener`.
pub fn city_responder_on(
    listener: TcpListener,
    city: &City,
    rsigner: &Path,
    rkey: &Path,
    ca: &Path,
) -> HttpServer {
    let from = OcspIndex {
        index: city.index.clone(),
        rsigner: rsigner.to_path_buf(),
        rkey: rkey.to_path_buf(),
        ca: ca.to_path_buf(),
        nmin: Some(5),
    };
    ocsp_responder(listener, from)
}

/// [`city_responder_on`] a fresh loopback port.
pub fn city_responder(city: &City, rsigner: &Path, rkey: &Path, ca: &Path) -> HttpServer {
    city_responder_on(loopback(), city, rsigner, rkey, ca)
}

/// POSTs a request to a responder and returns the raw response body.
pub fn post(url: &str, req: &[u8]) -> Vec<u8> {
    let resp =
        ureq::post(url).set("Content-Type", "application/ocsp-request").send_bytes(req).unwrap();
    let mut body = Vec::new();
    resp.into_reader().read_to_end(&mut body).unwrap();
    body
}

/// A server on 127.0.0.1 that reads each request and lets `talk` write the answer as raw
/// bytes at any pace (a redirect with its Location, a responder trickling bytes). `talk` gets
/// the stop flag and must return soon after it is set; on drop the flag is set, the accept
/// loop is woken and its thread joined.
pub struct RawServer {
    pub port: u16,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl RawServer {
    pub fn serve(talk: impl Fn(&mut TcpStream, &AtomicBool) + Send + 'static) -> RawServer {
        let listener = loopback();
        let port = listener.local_addr().unwrap().port();
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            for conn in listener.incoming() {
                if flag.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(mut stream) = conn else { continue };
                if read_request(&mut stream).is_ok() {
                    talk(&mut stream, &flag);
                }
            }
        });
        RawServer { port, stop, thread: Some(thread) }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.port)
    }
}

impl Drop for RawServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A responder that answers 200 with a 64-byte body, sending the whole answer one byte every
/// `pace` (at most `max_bytes` bytes, so the loop is bounded), stopping early on the stop flag
/// or when the client has gone.
pub fn trickling_server(pace: Duration, max_bytes: usize) -> RawServer {
    RawServer::serve(move |stream, stop| {
        let answer = [
            b"HTTP/1.1 200 OK\r\nContent-Type: application/ocsp-response\r\nContent-Length: 64\r\n\r\n"
                .as_slice(),
            &[0x30; 64],
        ]
        .concat();
        for b in answer.iter().take(max_bytes) {
            if stop.load(Ordering::SeqCst) || stream.write_all(&[*b]).is_err() {
                return;
            }
            let _ = stream.flush();
            std::thread::sleep(pace);
        }
    })
}

/// A responder that answers every request with HTTP `code` and `Location: location`.
pub fn redirecting_server(code: u16, location: &'static str) -> RawServer {
    RawServer::serve(move |stream, _| {
        let _ = write!(
            stream,
            "HTTP/1.1 {code} Moved\r\nLocation: {location}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        );
        let _ = stream.flush();
    })
}
