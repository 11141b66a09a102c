//! Certificates from a card, a file or a CMS: decoding, the path and profile checks against
//! the test roots, the SAN holder data, anchors from PEM or DER, the AIA and CRL DP walkers.
#![no_main]

use der::Decode;
use libfuzzer_sys::fuzz_target;
use mynacard::verify::{
    crl::certificate_dp_dirnames, holder, ocsp::aia_ocsp_urls, verify_certificate, AnchorSource,
    TrustAnchor, VerifyOptions,
};
use x509_cert::Certificate;

thread_local! {
    // Not a static: the options hold a `dyn RevocationChecker`, which need not be `Sync`.
    static OPTS: VerifyOptions<'static> = mynacard_fuzz::options();
}

fuzz_target!(|data: &[u8]| {
    OPTS.with(|opts| drop(verify_certificate(data, opts)));
    let _ = holder::decode_der(data);
    let _ = TrustAnchor::from_pem_or_der(data, AnchorSource::Extra, "fuzz");
    if let Ok(cert) = Certificate::from_der(data) {
        let _ = aia_ocsp_urls(&cert);
        let _ = certificate_dp_dirnames(&cert);
    }
});
