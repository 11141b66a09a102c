//! Test support shared by the test binaries that use the `openssl` command line as an
//! oracle: running it, the checks made with it (`cms -verify`, `dgst -verify`, a
//! certificate's public key), and a small root + end-entity PKI made with it.
#![allow(dead_code)] // each test binary uses part of it

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use mynacard::sign::SoftwareSigner;
use rsa::pkcs8::DecodePrivateKey;

pub struct Pki {
    pub dir: tempfile::TempDir,
    pub ee_der: Vec<u8>,
    pub signer: SoftwareSigner,
}

impl Pki {
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

/// `openssl ARGS…` run in `dir` (relative file names are in `dir`).
pub fn openssl(dir: &Path, args: &[&str]) -> Output {
    Command::new("openssl").args(args).current_dir(dir).output().expect("openssl runs")
}

/// `openssl ARGS…` in `dir`, which must succeed; its stdout.
pub fn ok(dir: &Path, args: &[&str]) -> String {
    let out = openssl(dir, args);
    assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `openssl ARGS…` in `dir`: whether it succeeded, and its stdout and stderr together.
pub fn openssl_text(dir: &Path, args: &[&str]) -> (bool, String) {
    let out = openssl(dir, args);
    let text =
        format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

/// `openssl cms -verify -binary -purpose any` of SIG (`inform` DER or PEM) under CAFILE, with
/// the detached CONTENT when given and `extra` arguments, run in `dir`.
pub fn cms_verify(
    dir: &Path,
    sig: &str,
    inform: &str,
    content: Option<&str>,
    cafile: &str,
    extra: &[&str],
) -> Output {
    let mut args = vec!["cms", "-verify", "-binary", "-inform", inform, "-in", sig];
    if let Some(c) = content {
        args.extend_from_slice(&["-content", c]);
    }
    args.extend_from_slice(&["-CAfile", cafile, "-purpose", "any", "-out", "/dev/null"]);
    args.extend_from_slice(extra);
    openssl(dir, &args)
}

/// Writes the public key of certificate CERT (`inform` DER or PEM) to OUT as PEM, in `dir`.
pub fn public_key(dir: &Path, cert: &str, inform: &str, out: &str) {
    ok(dir, &["x509", "-inform", inform, "-in", cert, "-pubkey", "-noout", "-out", out]);
}

/// `openssl dgst -HASH -verify PUBKEY -signature SIG DATA` in `dir`.
pub fn dgst_verify(dir: &Path, hash: &str, pubkey: &str, sig: &str, data: &str) -> Output {
    openssl(dir, &["dgst", &format!("-{hash}"), "-verify", pubkey, "-signature", sig, data])
}

/// A fresh RSA-2048 key `ee.key` and its request `ee.csr` for SUBJ, in `dir`.
pub fn new_key_and_csr(dir: &Path, subj: &str, extra: &[&str]) {
    let mut args = vec!["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "ee.key"];
    args.extend_from_slice(&["-out", "ee.csr", "-subj", subj]);
    args.extend_from_slice(extra);
    ok(dir, &args);
}

/// A root CA and an end-entity certificate made with the openssl CLI.
pub fn pki() -> Pki {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(
        d,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "root.key",
            "-out",
            "root.pem",
            "-days",
            "30",
            "-subj",
            "/C=JP/O=JPKI-TEST/OU=JPKI for digital signature/CN=Test Root",
        ],
    );
    new_key_and_csr(d, "/C=JP/L=Tokyo/CN=Signer 01", &[]);
    std::fs::write(d.join("ext.cnf"), "keyUsage=critical,digitalSignature,nonRepudiation\n")
        .unwrap();
    ok(
        d,
        &[
            "x509",
            "-req",
            "-in",
            "ee.csr",
            "-CA",
            "root.pem",
            "-CAkey",
            "root.key",
            "-set_serial",
            "0x1234ABCD",
            "-out",
            "ee.pem",
            "-days",
            "30",
            "-extfile",
            "ext.cnf",
        ],
    );
    ok(d, &["x509", "-in", "ee.pem", "-outform", "DER", "-out", "ee.der"]);
    public_key(d, "ee.pem", "PEM", "ee.pub");
    let key_pem = std::fs::read_to_string(d.join("ee.key")).unwrap();
    let key = rsa::RsaPrivateKey::from_pkcs8_pem(&key_pem).unwrap();
    let ee_der = std::fs::read(d.join("ee.der")).unwrap();
    Pki { dir, ee_der, signer: SoftwareSigner::new(key) }
}
