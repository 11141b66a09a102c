//! Test support shared by the test binaries that use the `openssl` command line as an
//! oracle: running it, and a small root + end-entity PKI made with it.
#![allow(dead_code)] // each test binary uses part of it

use std::path::{Path, PathBuf};
use std::process::Command;

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

pub fn openssl(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new("openssl").args(args).current_dir(dir).output().expect("openssl runs")
}

pub fn ok(dir: &Path, args: &[&str]) {
    let out = openssl(dir, args);
    assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
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
    ok(
        d,
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "ee.key",
            "-out",
            "ee.csr",
            "-subj",
            "/C=JP/L=Tokyo/CN=Signer 01",
        ],
    );
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
    ok(d, &["x509", "-in", "ee.pem", "-pubkey", "-noout", "-out", "ee.pub"]);
    let key_pem = std::fs::read_to_string(d.join("ee.key")).unwrap();
    let key = rsa::RsaPrivateKey::from_pkcs8_pem(&key_pem).unwrap();
    let ee_der = std::fs::read(d.join("ee.der")).unwrap();
    Pki { dir, ee_der, signer: SoftwareSigner::new(key) }
}
