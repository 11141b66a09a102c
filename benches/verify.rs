//! Criterion benchmark: full verification of a CMS signature and of a raw signature made on the
//! in-process virtual card (path to the virtual card's root, JPKI profile, signature, CRL
//! lookup), next to the bare PKCS#1 v1.5 verify of AWS-LC (the backend) and of the `rsa` crate. The fixture is shared with
//! `examples/verify_loop.rs`, which `scripts/bench` runs for the ops/s table.

use criterion::{criterion_group, criterion_main, Criterion};
use mynacard::verify::Verdict;

#[path = "../examples/verify_loop.rs"]
#[allow(dead_code)]
mod verify_loop;

fn bench(c: &mut Criterion) {
    let f = verify_loop::Fixture::new().expect("sign on the virtual card");
    let opts = f.options();
    assert_eq!(f.verify_cms(&opts).expect("cms"), Verdict::Valid);
    assert_eq!(f.verify_raw(&opts).expect("raw"), Verdict::Valid);
    c.bench_function("verify_cms full (path, profile, signature, CRL)", |b| {
        b.iter(|| f.verify_cms(&opts).expect("cms"))
    });
    c.bench_function("verify_raw full (path, profile, signature, CRL)", |b| {
        b.iter(|| f.verify_raw(&opts).expect("raw"))
    });
    let mut rsa = verify_loop::rsa_only(&f).expect("key");
    c.bench_function("rsa crate PKCS#1 v1.5 verify alone", |b| b.iter(|| rsa().expect("rsa")));
    let mut lc = verify_loop::lc_only(&f).expect("key");
    c.bench_function("AWS-LC PKCS#1 v1.5 verify alone (the backend)", |b| {
        b.iter(|| lc().expect("aws-lc"))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
