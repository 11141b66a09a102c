//! Property tests: arbitrary bytes given as a certificate, a CMS signature, a trust anchor or
//! holder data never panic, and small corruptions of a real root never panic either.

use mynacard::verify::{
    self, AnchorSource, HashAlg, Judgement, RevocationPolicy, TrustAnchor, VerifyOptions,
};
use proptest::prelude::*;

const SIGNCA03: &[u8] = include_bytes!("../roots/production/signca03.cer");

fn opts() -> VerifyOptions<'static> {
    VerifyOptions {
        at: Judgement::SigningTime,
        policy: RevocationPolicy::Prefer,
        ..VerifyOptions::default()
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = verify::verify_certificate(&bytes, &opts());
        let _ = verify::verify_cms(Some(b"data"), &bytes, None, &opts());
        let _ = verify::verify_cms(None, &bytes, Some(&bytes), &opts());
        let _ = verify::verify_raw(b"data", &bytes, &bytes, HashAlg::Sha256, &opts());
        let _ = TrustAnchor::from_pem_or_der(&bytes, AnchorSource::Extra, "p");
        let _ = verify::holder::decode_der(&bytes);
    }

    #[test]
    fn corrupted_certificates_never_panic(
        edits in proptest::collection::vec((0..SIGNCA03.len(), any::<u8>()), 1..6),
        cut in 0..SIGNCA03.len(),
    ) {
        let mut der = SIGNCA03.to_vec();
        for (i, b) in edits {
            der[i] = b;
        }
        if let Ok(r) = verify::verify_certificate(&der, &opts()) {
            prop_assert!(r.verdict != verify::Verdict::Valid);
        }
        let _ = verify::verify_certificate(&der[..cut], &opts());
        let _ = verify::verify_cms(Some(b"x"), &der[..cut], Some(&der), &opts());
    }
}

#[test]
fn a_root_is_not_a_valid_end_entity() {
    let r = verify::verify_certificate(SIGNCA03, &opts()).unwrap();
    assert_eq!(r.verdict, verify::Verdict::Invalid);
    assert_eq!(r.anchor.as_ref().unwrap().label, "signca03.cer");
}
