//! Criterion benchmark: CRL store load (parse + index + hash) and status lookups on a generated
//! 100k-entry CRL. Needs `openssl` for the test root and certificate.

use std::time::{Duration, SystemTime};

use criterion::{criterion_group, criterion_main, Criterion};
use der::{DecodePem, Encode};
use mynacard::verify::crl::CrlStore;
use rsa::pkcs8::DecodePrivateKey;
use x509_cert::Certificate;

#[path = "../examples/crl_gen.rs"]
#[allow(dead_code)]
mod crl_gen;

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let run = |args: &[&str]| {
        let ok = std::process::Command::new("openssl")
            .args(args)
            .current_dir(dir.path())
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        assert!(ok, "openssl {args:?}");
    };
    run(&["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "root.key"]);
    run(&[
        "req",
        "-x509",
        "-key",
        "root.key",
        "-out",
        "root.pem",
        "-days",
        "30",
        "-subj",
        "/C=JP/O=JPKI-SIM/CN=bench root",
    ]);
    let root = Certificate::from_pem(std::fs::read(dir.path().join("root.pem")).expect("root"))
        .expect("root pem");
    let key = rsa::RsaPrivateKey::from_pkcs8_pem(
        &std::fs::read_to_string(dir.path().join("root.key")).expect("key"),
    )
    .expect("key pem");
    let issuer = root.tbs_certificate.subject.to_der().expect("issuer");
    let now = SystemTime::now();
    let spec = crl_gen::CrlSpec {
        issuer: &issuer,
        idp_dirname: None,
        aki: None,
        this_update: now - Duration::from_secs(60),
        next_update: now + Duration::from_secs(3600),
        count: 100_000,
        extra_extensions: Vec::new(),
    };
    let crl = crl_gen::build_crl(&spec, &key);

    c.bench_function("crl load 100k", |b| {
        b.iter(|| {
            let mut s = CrlStore::new();
            s.add_bytes("bench", crl.clone()).expect("load");
            s
        })
    });
    let mut store = CrlStore::new();
    store.add_bytes("bench", crl.clone()).expect("load");
    // The root certificate stands in for an end-entity certificate: no CRLDP, serial varies.
    let mut cert = root.clone();
    let _ = store.status(&cert, &root, now).expect("status");
    let mut n = 0u64;
    c.bench_function("crl status lookup 100k", |b| {
        b.iter(|| {
            n = (n + 7919) % 200_000 + 1;
            cert.tbs_certificate.serial_number =
                x509_cert::serial_number::SerialNumber::new(&crl_gen::int_content(n))
                    .expect("serial");
            store.status(&cert, &root, now).expect("status")
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
