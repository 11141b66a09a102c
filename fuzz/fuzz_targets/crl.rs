//! CRLs (DER or PEM) as a user or a distribution point hands them over: the walker that
//! indexes them, then the status of both card certificates against them.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use mynacard::verify::crl::CrlStore;
use mynacard_fuzz::{cert, fixed_time, AUTH_CERT, AUTH_ROOT, SIGN_CERT, SIGN_ROOT};
use x509_cert::Certificate;

fn pairs() -> &'static [(Certificate, Certificate); 2] {
    static PAIRS: OnceLock<[(Certificate, Certificate); 2]> = OnceLock::new();
    PAIRS.get_or_init(|| [(cert(AUTH_CERT), cert(AUTH_ROOT)), (cert(SIGN_CERT), cert(SIGN_ROOT))])
}

fuzz_target!(|data: &[u8]| {
    let mut store = CrlStore::new();
    if store.add_bytes("fuzz", data.to_vec()).is_ok() {
        let _ = store.info();
        for (ee, root) in pairs() {
            let _ = store.status(ee, root, fixed_time());
        }
    }
});
