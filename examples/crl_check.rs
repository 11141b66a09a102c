//! Loads a CRL with the CRL store, checks its signature against a root, indexes it, then
//! measures lookups. Run under `/usr/bin/time -v` for peak RSS (scripts/bench-crl).
//!
//! Usage: crl_check CRL ROOT_CERT.pem EE_CERT.pem [LOOKUPS]

use std::time::{Instant, SystemTime};

use der::DecodePem;
use mynacard::verify::crl::{CrlStatus, CrlStore};
use x509_cert::serial_number::SerialNumber;
use x509_cert::Certificate;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 4 {
        return Err("usage: crl_check CRL ROOT_CERT.pem EE_CERT.pem [LOOKUPS]".into());
    }
    let root = Certificate::from_pem(std::fs::read(&args[2])?)?;
    let ee = Certificate::from_pem(std::fs::read(&args[3])?)?;
    let lookups: u64 = args.get(4).map(|s| s.parse()).transpose()?.unwrap_or(100_000);
    let now = SystemTime::now();

    let t0 = Instant::now();
    let mut store = CrlStore::new();
    store.add_path(std::path::Path::new(&args[1]))?;
    let first = store.status(&ee, &root, now)?; // includes the signature check
    let load = t0.elapsed();
    let entries: usize = store.info().iter().map(|i| i.entries).sum();

    // Lookups: alternate present (odd) and absent (even) serials over the whole range.
    let mut certs = Vec::new();
    for i in 0..1024u64 {
        let n = (i * 7919 % (2 * entries as u64 + 2)) + 1;
        let mut c = ee.clone();
        let b = n.to_be_bytes();
        let skip = b.iter().take_while(|x| **x == 0).count().min(7);
        let mut v = b[skip..].to_vec();
        if v[0] & 0x80 != 0 {
            v.insert(0, 0);
        }
        c.tbs_certificate.serial_number = SerialNumber::new(&v)?;
        certs.push(c);
    }
    let t1 = Instant::now();
    let mut revoked = 0u64;
    for i in 0..lookups {
        if let CrlStatus::Revoked { .. } = store.status(&certs[(i % 1024) as usize], &root, now)? {
            revoked += 1;
        }
    }
    let look = t1.elapsed();
    println!(
        "entries={entries} load+verify+index={:.3}s first={} lookups={lookups} revoked={revoked} lookups_per_s={:.0}",
        load.as_secs_f64(),
        match first {
            CrlStatus::Good { .. } => "good",
            CrlStatus::Revoked { .. } => "revoked",
            CrlStatus::Stale { .. } => "stale",
            CrlStatus::Conflicting { .. } => "conflicting",
            CrlStatus::NoMatchingCrl => "no-matching-crl",
        },
        lookups as f64 / look.as_secs_f64()
    );
    Ok(())
}
