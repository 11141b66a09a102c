//! Criterion benchmark: the card client's operations against the in-process virtual card with
//! no added latency (so it measures the client's and the simulator's own cost per operation):
//! reading a certificate, the PIN counters, and a signature. Round trips and latency-profile
//! timings are in `examples/roundtrips.rs` (`scripts/bench`).

use criterion::{criterion_group, criterion_main, Criterion};
use mynacard::card::{CertKind, Client, PinEntry, PinKind, SignPassword};
use mynacard::sim::card::{Profile, VirtualCard};
use mynacard::sim::image::CardImage;
use mynacard::sim::transport::SharedCard;
use sha2::{Digest, Sha256};

fn bench(c: &mut Criterion) {
    for (name, extended) in [("extended", true), ("short", false)] {
        let profile = Profile { extended_length: extended, ..Profile::default() };
        let shared = SharedCard::new(VirtualCard::new(CardImage::default_image(), profile));
        let mut client = Client::new(shared.transport());
        c.bench_function(&format!("read auth certificate ({name} APDUs)"), |b| {
            b.iter(|| client.read_certificate(CertKind::Auth).expect("read"))
        });
        c.bench_function(&format!("read three PIN counters ({name} APDUs)"), |b| {
            b.iter(|| {
                client
                    .pin_statuses(&[PinKind::Auth, PinKind::Sign, PinKind::Text])
                    .expect("pin status")
            })
        });
    }
    let shared = SharedCard::new(VirtualCard::new(CardImage::default_image(), Profile::default()));
    let mut client = Client::new(shared.transport());
    let password = SignPassword::new("MYNACARD1").expect("password");
    let mut digest_info = mynacard::facts::DIGEST_INFO_SHA256.to_vec();
    digest_info.extend_from_slice(&Sha256::digest(b"mynacard benchmark"));
    c.bench_function("sign with the signature key (card RSA-2048 in the simulator)", |b| {
        b.iter(|| client.sign(PinEntry::Host(&password), &digest_info, false).expect("sign"))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
