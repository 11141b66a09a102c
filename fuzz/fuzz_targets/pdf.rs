//! A PDF as `mynacard verify FILE.pdf` reads it: every signature's byte range, `/Contents`,
//! CMS and the changes made after it (seeds: tests/fixtures/pdf).
#![no_main]

use libfuzzer_sys::fuzz_target;
use mynacard::verify::VerifyOptions;

thread_local! {
    // Not a static: the options hold a `dyn RevocationChecker`, which need not be `Sync`.
    static OPTS: VerifyOptions<'static> = mynacard_fuzz::options();
}

fuzz_target!(|data: &[u8]| {
    OPTS.with(|opts| {
        let _ = mynacard::pdf::verify_pdf(data, opts);
    });
});
