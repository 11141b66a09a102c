//! Test PKI for the revocation tests, made with the `openssl` CLI: a JPKI-shaped root, one
//! `openssl ca` database per municipality (DirName CRL distribution point, matching
//! issuingDistributionPoint on its CRLs), delegated OCSP responders, and a real
//! `openssl ocsp` responder on a loopback port, killed by PID.
#![allow(dead_code)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant, SystemTime};

use der::{Decode, DecodePem};
use x509_cert::Certificate;

pub const ROOT_DN: &str =
    "/C=JP/O=JPKI-SIM/OU=JPKI for digital signature/OU=Japan Agency for Local Authority Information Systems";

/// Runs openssl, panicking with its stderr on failure.
pub fn openssl(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("openssl").args(args).current_dir(dir).output().expect("run openssl");
    assert!(
        out.status.success(),
        "openssl {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

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

/// A free loopback port (bound then released).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// True when some socket is in LISTEN state on `port` (read from /proc/net/tcp{,6}; a probe
/// connection would wedge `openssl ocsp`, which spins on a connection closed without a request).
pub fn listening(port: u16) -> bool {
    let needle = format!(":{port:04X} ");
    ["/proc/net/tcp", "/proc/net/tcp6"].iter().any(|f| {
        std::fs::read_to_string(f).unwrap_or_default().lines().any(|l| {
            let cols: Vec<&str> = l.split_whitespace().collect();
            cols.len() > 3 && format!("{} ", cols[1]).ends_with(&needle) && cols[3] == "0A"
        })
    })
}

/// Polls until something listens on the port (up to ~10 s).
pub fn wait_port(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if listening(port) {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("nothing listens on 127.0.0.1:{port} after 10 s");
}

/// A running `openssl ocsp` responder, killed by PID on drop.
pub struct Responder {
    pub child: Child,
    pub port: u16,
}

impl Responder {
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.port)
    }

    /// Starts `openssl ocsp -index … -port PORT -rsigner … -rkey … -CA root.pem -nmin 5`.
    pub fn start(
        pki: &Pki,
        city: &City,
        rsigner: &Path,
        rkey: &Path,
        ca: &Path,
        port: u16,
    ) -> Responder {
        let child = Command::new("openssl")
            .current_dir(pki.path())
            .args(["ocsp", "-index"])
            .arg(&city.index)
            // OpenSSL 3.0 takes only a port number here (it binds the wildcard address);
            // every client in the tests connects to 127.0.0.1 only.
            .arg("-port")
            .arg(port.to_string())
            .arg("-rsigner")
            .arg(rsigner)
            .arg("-rkey")
            .arg(rkey)
            .arg("-CA")
            .arg(ca)
            .args(["-nmin", "5"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start openssl ocsp");
        let r = Responder { child, port };
        wait_port(port);
        r
    }
}

impl Drop for Responder {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A tiny HTTP server on 127.0.0.1 answering every POST with a fixed status and body (a
/// captured OCSP response replayed, or junk). Received request bodies go to `requests`.
pub struct Replay {
    pub port: u16,
    pub requests: std::sync::mpsc::Receiver<Vec<u8>>,
}

impl Replay {
    pub fn start(status: u16, body: Vec<u8>) -> Replay {
        use std::io::{Read, Write};
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut s) = stream else { return };
                s.set_read_timeout(Some(Duration::from_secs(5))).ok();
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                let (head_end, len) = loop {
                    let Ok(n) = s.read(&mut chunk) else {
                        break (0, 0);
                    };
                    if n == 0 {
                        break (0, 0);
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        let head = String::from_utf8_lossy(&buf[..p]).to_ascii_lowercase();
                        let len = head
                            .lines()
                            .find_map(|l| {
                                l.strip_prefix("content-length:")
                                    .map(|v| v.trim().parse().unwrap_or(0))
                            })
                            .unwrap_or(0);
                        break (p + 4, len);
                    }
                };
                while buf.len() < head_end + len {
                    match s.read(&mut chunk) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                let _ = tx.send(buf.get(head_end..).unwrap_or(&[]).to_vec());
                let head = format!(
                    "HTTP/1.1 {status} X\r\nContent-Type: application/ocsp-response\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = s.write_all(head.as_bytes());
                let _ = s.write_all(&body);
            }
        });
        Replay { port, requests: rx }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.port)
    }
}

/// POSTs a request to a responder and returns the raw response body.
pub fn post(url: &str, req: &[u8]) -> Vec<u8> {
    use std::io::Read;
    let resp =
        ureq::post(url).set("Content-Type", "application/ocsp-request").send_bytes(req).unwrap();
    let mut body = Vec::new();
    resp.into_reader().read_to_end(&mut body).unwrap();
    body
}
