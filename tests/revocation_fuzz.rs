//! Property tests: arbitrary bytes never make the CRL or OCSP parsers panic.

use std::time::{Duration, SystemTime};

use der::Decode;
use mynacard::verify::crl::CrlStore;
use mynacard::verify::ocsp::evaluate_response;
use proptest::prelude::*;

fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    if content.len() < 0x80 {
        out.push(content.len() as u8);
    } else {
        out.extend([0x82, (content.len() >> 8) as u8, content.len() as u8]);
    }
    out.extend_from_slice(content);
    out
}

const SHA256_RSA: [u8; 15] =
    [0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b, 0x05, 0x00];

/// A small well-formed CRL (junk signature) used as a mutation seed.
fn seed() -> Vec<u8> {
    let time = tlv(0x17, b"260101000000Z");
    let issuer = tlv(
        0x30,
        &tlv(0x31, &tlv(0x30, &[&tlv(0x06, &[0x55, 0x04, 0x03])[..], &tlv(0x0c, b"x")].concat())),
    );
    let entry = tlv(0x30, &[tlv(0x02, &[5]), time.clone()].concat());
    let tbs = tlv(
        0x30,
        &[
            tlv(0x02, &[1]),
            SHA256_RSA.to_vec(),
            issuer,
            time.clone(),
            tlv(0x17, b"270101000000Z"),
            tlv(0x30, &entry),
        ]
        .concat(),
    );
    tlv(0x30, &[tbs, SHA256_RSA.to_vec(), tlv(0x03, &[0, 0xde, 0xad])].concat())
}

#[test]
fn seed_is_a_valid_crl() {
    assert_eq!(CrlStore::new().add_bytes("seed", seed()).unwrap(), 1);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn crl_parser_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = CrlStore::new().add_bytes("fuzz", bytes);
    }

    #[test]
    fn mutated_crl_never_panics(flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8), cut in any::<usize>()) {
        let mut b = seed();
        for (i, v) in flips {
            let n = b.len();
            b[i % n] = v;
        }
        let n = b.len();
        b.truncate(n - cut % 8);
        let _ = CrlStore::new().add_bytes("fuzz", b);
    }

    #[test]
    fn ocsp_parser_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let issuer = root();
        let id = x509_ocsp::CertId::from_der(&cert_id_der()).unwrap();
        let _ = evaluate_response(&bytes, &id, Some(&[1; 16]), &issuer, SystemTime::now(), Duration::from_secs(60));
    }
}

fn cert_id_der() -> Vec<u8> {
    let alg = tlv(0x30, &[tlv(0x06, &[0x2b, 0x0e, 0x03, 0x02, 0x1a]), vec![0x05, 0x00]].concat());
    tlv(0x30, &[alg, tlv(0x04, &[0; 20]), tlv(0x04, &[0; 20]), tlv(0x02, &[5])].concat())
}

fn root() -> x509_cert::Certificate {
    use der::DecodePem;
    static ROOT: std::sync::OnceLock<x509_cert::Certificate> = std::sync::OnceLock::new();
    ROOT.get_or_init(|| {
        let d = tempfile::tempdir().unwrap();
        let out = std::process::Command::new("openssl")
            .args([
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "k", "-out", "r.pem",
                "-subj", "/CN=r",
            ])
            .current_dir(d.path())
            .output()
            .unwrap();
        assert!(out.status.success());
        x509_cert::Certificate::from_pem(std::fs::read(d.path().join("r.pem")).unwrap()).unwrap()
    })
    .clone()
}
