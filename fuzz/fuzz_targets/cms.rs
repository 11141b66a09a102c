//! CMS SignedData as `mynacard verify` reads it: attached or detached over the seed content,
//! with and without a signer certificate given out of band.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mynacard::verify::{verify_cms, VerifyOptions};
use mynacard_fuzz::SIGN_CERT;

/// The content the seed signatures cover (scripts/fuzz signs it with the card's keys).
const CONTENT: &[u8] = b"mynacard fuzz seed content\n";

thread_local! {
    // Not a static: the options hold a `dyn RevocationChecker`, which need not be `Sync`.
    static OPTS: VerifyOptions<'static> = mynacard_fuzz::options();
}

fuzz_target!(|data: &[u8]| {
    OPTS.with(|opts| {
        let _ = verify_cms(Some(CONTENT), data, None, opts);
        let _ = verify_cms(None, data, Some(SIGN_CERT), opts);
    });
});
