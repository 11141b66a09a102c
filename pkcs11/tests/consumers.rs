//! The module in the programs people use, each an independent PKCS#11 consumer, through
//! pcscd + vpcd + the virtual card: GnuTLS `p11tool`, NSS `modutil`/`certutil`,
//! `ssh-keygen -D`, OpenSSL with libp11's pkcs11 engine (`pkeyutl -sign` and a TLS client
//! authentication against `openssl s_server -Verify 1` on 127.0.0.1), and valgrind
//! memcheck over a `pkcs11-tool` session.
//!
//! PINs appear in `pkcs11:` URIs and tool arguments here: acceptable only because they are
//! the virtual card's published test PINs in a private pcscd namespace. `p11tool` takes the
//! PIN from `GNUTLS_PIN`.
//!
//! Run: `scripts/with-pcscd cargo test -p mynacard-pkcs11 --test consumers --
//! --test-threads=1`; needs gnutls-bin, libnss3-tools, libengine-pkcs11-openssl, openssh-client
//! and valgrind (scripts/setup-debian).

mod common;

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use mynacard::facts::jpki;

/// `pkcs11:` URI of the authentication token ("JPKI 利用者証明用 auth", percent-encoded).
const AUTH_TOKEN: &str =
    "pkcs11:token=JPKI%20%E5%88%A9%E7%94%A8%E8%80%85%E8%A8%BC%E6%98%8E%E7%94%A8%20auth";

fn pem_of(der: &[u8]) -> String {
    der::pem::encode_string("CERTIFICATE", der::pem::LineEnding::LF, der).expect("PEM")
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let p = dir.join(name);
    std::fs::write(&p, bytes).expect("write");
    p.to_string_lossy().into_owned()
}

#[test]
fn gnutls_p11tool_lists_exports_and_test_signs() {
    if !pcscd_or_skip("gnutls_p11tool_lists_exports_and_test_signs") {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let _sim = Sim::start();
    let m = module_path();
    let tokens = ok(run(h, "p11tool", &["--provider", &m, "--list-tokens"], &[]), "list-tokens");
    assert!(tokens.contains("Label: JPKI 利用者証明用 auth"), "{tokens}");
    assert!(tokens.contains("Label: JPKI 署名用 signature"), "{tokens}");
    let all = ok(run(h, "p11tool", &["--provider", &m, "--list-all", AUTH_TOKEN], &[]), "list-all");
    assert!(all.contains("Type: X.509 Certificate (RSA-2048)"), "{all}");
    assert!(all.contains("Type: Public key (RSA-2048)"), "{all}");
    let uri = format!("{AUTH_TOKEN};id=%01;type=cert");
    let pem = ok(run(h, "p11tool", &["--provider", &m, "--export", &uri], &[]), "export");
    let begin = pem.find("-----BEGIN").expect("PEM in the output");
    let (label, der) = der::pem::decode_vec(pem[begin..].trim().as_bytes()).expect("PEM");
    assert_eq!(label, "CERTIFICATE");
    assert_eq!(der, jpki_file(jpki::EF_AUTH_CERT));
    let key = format!("{AUTH_TOKEN};id=%01;type=private");
    let (done, out, err) = run(
        h,
        "p11tool",
        &["--provider", &m, "--login", "--test-sign", &key],
        &[("GNUTLS_PIN", AUTH_PIN)],
    );
    let out = format!("{out}{err}");
    assert!(done, "{out}");
    assert!(out.contains("Verifying against public key in the token... ok"), "{out}");
}

#[test]
fn nss_modutil_and_certutil_list_our_certificates() {
    if !pcscd_or_skip("nss_modutil_and_certutil_list_our_certificates") {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let _sim = Sim::start();
    let db = format!("sql:{}", h.join("nssdb").display());
    std::fs::create_dir(h.join("nssdb")).unwrap();
    ok(run(h, "certutil", &["-N", "-d", &db, "--empty-password"], &[]), "certutil -N");
    let m = module_path();
    let added = Command::new("modutil")
        .args(["-dbdir", &db, "-add", "mynacard", "-libfile", &m, "-force"])
        .env("HOME", h)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(added.status.success(), "modutil -add: {added:?}");
    let list = ok(run(h, "certutil", &["-L", "-d", &db, "-h", "all"], &[]), "certutil -L");
    for nick in [
        "JPKI 利用者証明用 auth:利用者証明用 JPKI authentication",
        "JPKI 利用者証明用 auth:利用者証明用CA JPKI authentication CA",
        "JPKI 署名用 signature:署名用CA JPKI signature CA",
    ] {
        assert!(list.contains(nick), "{nick} missing:\n{list}");
    }
    // NSS pairs the authentication certificate with its key: "u" (user) trust.
    let auth = list.lines().find(|l| l.contains("authentication ") || l.ends_with("u,u,u"));
    assert!(auth.is_some_and(|l| l.trim_end().ends_with("u,u,u")), "{list}");
}

#[test]
fn ssh_keygen_prints_the_authentication_key() {
    if !pcscd_or_skip("ssh_keygen_prints_the_authentication_key") {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let _sim = Sim::start();
    let keys = ok(run(h, "ssh-keygen", &["-D", &module_path()], &[]), "ssh-keygen -D");
    let first = keys.lines().next().expect("a key");
    // The certificate's key, converted by OpenSSL and ssh-keygen on their own.
    let cert = write(h, "auth.der", &jpki_file(jpki::EF_AUTH_CERT));
    let (done, text) = openssl(
        h,
        &["x509", "-inform", "DER", "-in", &cert, "-pubkey", "-noout", "-out", "auth.pub.pem"],
    );
    assert!(done, "{text}");
    let pub_pem = h.join("auth.pub.pem");
    let want =
        ok(run(h, "ssh-keygen", &["-i", "-m", "PKCS8", "-f", s(&pub_pem)], &[]), "ssh-keygen -i");
    let blob = |l: &str| l.split_whitespace().take(2).collect::<Vec<_>>().join(" ");
    assert_eq!(blob(first), blob(want.trim()), "{keys}");
}

/// An OpenSSL configuration loading libp11's pkcs11 engine with our module.
fn engine_conf(dir: &Path) -> String {
    let conf = format!(
        "openssl_conf = openssl_init\n[openssl_init]\nengines = engine_section\n\
         [engine_section]\npkcs11 = pkcs11_section\n[pkcs11_section]\nengine_id = pkcs11\n\
         MODULE_PATH = {}\ninit = 0\n",
        module_path()
    );
    write(dir, "openssl.cnf", conf.as_bytes())
}

fn openssl_env(dir: &Path, conf: &str, args: &[&str], stdin: &[u8]) -> (bool, String) {
    let mut child = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .env("OPENSSL_CONF", conf)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run openssl");
    child.stdin.take().expect("stdin").write_all(stdin).expect("write stdin");
    let out = child.wait_with_output().expect("openssl output");
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

#[test]
fn openssl_engine_signs_with_a_pkcs11_uri() {
    if !pcscd_or_skip("openssl_engine_signs_with_a_pkcs11_uri") {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let sim = Sim::start();
    let conf = engine_conf(h);
    let data = write(h, "data.txt", b"signed through the pkcs11 engine\n");
    let key = format!("{AUTH_TOKEN};id=%01;type=private;pin-value={AUTH_PIN}");
    let (done, text) = openssl_env(
        h,
        &conf,
        &[
            "dgst", "-sha256", "-engine", "pkcs11", "-keyform", "engine", "-sign", &key, "-out",
            "sig", &data,
        ],
        b"",
    );
    assert!(done, "openssl dgst -sign with the engine: {text}");
    assert_eq!(sim.count("signatures"), 1);
    let cert = write(h, "auth.der", &jpki_file(jpki::EF_AUTH_CERT));
    let (done, text) = openssl(
        h,
        &["x509", "-inform", "DER", "-in", &cert, "-pubkey", "-noout", "-out", "pub.pem"],
    );
    assert!(done, "{text}");
    let (done, text) =
        openssl(h, &["dgst", "-sha256", "-verify", "pub.pem", "-signature", "sig", &data]);
    assert!(done && text.contains("Verified OK"), "{text}");
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

#[test]
fn tls_client_authentication_with_the_card_key() {
    if !pcscd_or_skip("tls_client_authentication_with_the_card_key") {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let _sim = Sim::start();
    // The server: a throwaway self-signed certificate, trusting the card's authentication
    // root (EF 000B) for client certificates.
    let (done, text) = openssl(
        h,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "server.key",
            "-out",
            "server.pem",
        ]
        .into_iter()
        .chain(["-days", "1", "-subj", "/CN=127.0.0.1"])
        .collect::<Vec<_>>(),
    );
    assert!(done, "{text}");
    std::fs::write(h.join("root.pem"), pem_of(&jpki_file(jpki::EF_AUTH_CA_CERT))).unwrap();
    std::fs::write(h.join("client.pem"), pem_of(&jpki_file(jpki::EF_AUTH_CERT))).unwrap();
    let port = free_port();
    let accept = format!("127.0.0.1:{port}");
    let mut server = Command::new("openssl")
        .args(["s_server", "-accept", &accept, "-cert", "server.pem", "-key", "server.key"])
        .args(["-Verify", "1", "-CAfile", "root.pem", "-www"])
        .current_dir(h)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start openssl s_server");
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(&accept).is_err() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    let conf = engine_conf(h);
    let key = format!("{AUTH_TOKEN};id=%01;type=private;pin-value={AUTH_PIN}");
    let (_, text) = openssl_env(
        h,
        &conf,
        &["s_client", "-connect", &accept, "-engine", "pkcs11", "-keyform", "engine", "-key", &key]
            .into_iter()
            .chain(["-cert", "client.pem", "-ign_eof", "-quiet", "-tls1_2"])
            .chain(["-client_sigalgs", "RSA+SHA256:RSA+SHA384:RSA+SHA512"])
            .collect::<Vec<_>>(),
        b"GET / HTTP/1.0\r\n\r\n",
    );
    let _ = server.kill();
    let _ = server.wait();
    // TLS 1.2 with PKCS#1 v1.5 client signatures: TLS 1.3's CertificateVerify needs
    // RSA-PSS, which the card does not offer (pkcs11/src/mechanism.rs), and OpenSSL would
    // pick PSS in TLS 1.2 too unless told otherwise. The -www page shows the client certificate the
    // server verified.
    assert!(text.contains("Client certificate"), "{text}");
    assert!(
        text.contains("CN=SIMA7Q2K9X1M3Z4F8") || text.contains("CN = SIMA7Q2K9X1M3Z4F8"),
        "{text}"
    );
}

#[test]
fn valgrind_memcheck_is_clean_for_a_pkcs11_tool_session() {
    if !pcscd_or_skip("valgrind_memcheck_is_clean_for_a_pkcs11_tool_session") {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let sim = Sim::start();
    let data = write(h, "data.txt", b"data");
    let m = module_path();
    let mut child = Command::new("valgrind")
        .args(["--tool=memcheck", "--error-exitcode=99", "--errors-for-leak-kinds=none", "-q"])
        .args(["pkcs11-tool", "--module", &m, "--slot", "0", "-O", "--login", "--pin", AUTH_PIN])
        .args(["--sign", "-m", "SHA256-RSA-PKCS", "-i", &data, "-o", "sig"])
        .current_dir(h)
        .env("HOME", h)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run valgrind (apt install valgrind)");
    let mut err = String::new();
    child.stderr.take().expect("stderr").read_to_string(&mut err).unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "valgrind reported errors ({status}):\n{err}");
    assert!(!err.contains("Invalid read") && !err.contains("uninitialised"), "{err}");
    assert_eq!(sim.count("signatures"), 1);
}

fn ok(r: (bool, String, String), what: &str) -> String {
    assert!(r.0, "{what} failed:\n{}\n{}", r.1, r.2);
    r.1
}
