//! OCSP responses as a responder sends them, evaluated against requests for the card's
//! authentication certificate (SHA-1 and SHA-256 CertIDs, with and without a nonce); and the
//! nonce reader of requests.
#![no_main]

use std::sync::OnceLock;
use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use mynacard::hash::HashAlg;
use mynacard::verify::ocsp::{build_request, evaluate_response, request_nonce};
use mynacard_fuzz::{cert, fixed_time, AUTH_CERT, AUTH_ROOT};
use x509_cert::Certificate;
use x509_ocsp::CertId;

struct Fixture {
    root: Certificate,
    ids: Vec<CertId>,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let (ee, root) = (cert(AUTH_CERT), cert(AUTH_ROOT));
        let ids = [HashAlg::Sha1, HashAlg::Sha256]
            .into_iter()
            .map(|h| match build_request(&ee, &root, h, None) {
                Ok((_, id)) => id,
                Err(e) => panic!("request for the committed certificate: {e}"),
            })
            .collect();
        Fixture { root, ids }
    })
}

fuzz_target!(|data: &[u8]| {
    let f = fixture();
    for id in &f.ids {
        for nonce in [None, Some(&b"0123456789abcdef"[..])] {
            let _ =
                evaluate_response(data, id, nonce, &f.root, fixed_time(), Duration::from_secs(300));
        }
    }
    let _ = request_nonce(data);
});
