//! Revocation policy: Require fails closed, Prefer reports unknown but passes, Off does nothing.

mod openssl_pki;
mod revocation_support;

use std::time::SystemTime;

use mynacard::verify::crl::CrlStore;
use mynacard::verify::ocsp::{OcspClient, OcspConfig};
use mynacard::verify::revocation::*;
use mynacard::verify::{RevocationOutcome, RevocationPolicy};
use revocation_support::*;

#[test]
fn policies_combine_crl_and_ocsp() {
    let pki = Pki::new();
    let city = pki.city("Chiyoda", "Tokyo", None);
    let good = pki.issue(&city, "good", "ee_ext", "ee.key");
    let held = pki.issue(&city, "held", "ee_ext", "ee.key");
    pki.issue(&city, "responder", "ocsp_ext", "ocsp.key");
    pki.revoke(&city, &held, "hold");
    let crl = pki.gencrl(&city, "c.crl.pem", 24);
    let root = pki.root();
    let now = SystemTime::now();
    let (good, held) = (load_cert(&good), load_cert(&held));
    let crls = || {
        let mut s = CrlStore::new();
        s.add_path(&crl).unwrap();
        s
    };

    assert_eq!(RevocationPolicy::default(), RevocationPolicy::Require);

    // No sources: unknown; Require fails, Prefer passes with the report.
    let r = Revocation::new(RevocationPolicy::Require);
    let (o, pass) = r.evaluate(&good, &root, now);
    assert!(!pass);
    match &o {
        RevocationOutcome::Unknown { why } => {
            assert!(
                why.contains("no CRL configured") && why.contains("no OCSP responder configured"),
                "{why}"
            )
        }
        other => panic!("{other:?}"),
    }
    assert!(o.to_string().starts_with("revocation unknown"));
    let (o, pass) = Revocation::new(RevocationPolicy::Prefer).evaluate(&good, &root, now);
    assert!(pass && matches!(o, RevocationOutcome::Unknown { .. }));

    // Off: nothing consulted, even with an unreachable OCSP URL configured.
    let dead = format!("http://127.0.0.1:{}/", free_port());
    let r = Revocation::new(RevocationPolicy::Off)
        .with_ocsp(OcspClient::new(OcspConfig::new(dead.clone())));
    let (o, pass) = r.evaluate(&held, &root, now);
    assert_eq!(o, RevocationOutcome::NotChecked);
    assert!(pass);
    assert_eq!(o.to_string(), "revocation not checked");

    // CRL only.
    let r = Revocation::new(RevocationPolicy::Require).with_crls(crls());
    let (o, pass) = r.evaluate(&good, &root, now);
    assert!(pass);
    assert!(
        matches!(o, RevocationOutcome::Good { ref source, .. } if source.starts_with("CRL ") && source.ends_with("c.crl.pem"))
    );
    let (o, pass) = r.evaluate(&held, &root, now);
    assert!(!pass);
    assert!(
        matches!(
            o,
            RevocationOutcome::Revoked {
                reason: Some(ref r),
                ..
            } if r == "certificateHold"
        ),
        "{o:?}"
    );
    // Revoked fails whatever the policy.
    assert!(!RevocationPolicy::Prefer.accepts(&o) && !RevocationPolicy::Off.accepts(&o));

    // CRL good but OCSP unreachable: the CRL answer stands.
    let r = Revocation::new(RevocationPolicy::Require)
        .with_crls(crls())
        .with_ocsp(OcspClient::new(OcspConfig::new(dead.clone())));
    assert!(r.evaluate(&good, &root, now).1);

    // Stale CRL and unreachable OCSP: unknown with both reasons.
    let later = now + std::time::Duration::from_secs(2 * 86400);
    let (o, pass) = r.evaluate(&good, &root, later);
    assert!(!pass);
    match o {
        RevocationOutcome::Unknown { why } => {
            assert!(why.contains("not current") && why.contains(&dead), "{why}")
        }
        other => panic!("{other:?}"),
    }

    // OCSP decides when it answers.
    let resp =
        city_responder(&city, &pki.p("responder.pem"), &pki.p("ocsp.key"), &pki.p("root.pem"));
    let r = Revocation::new(RevocationPolicy::Require)
        .with_ocsp(OcspClient::new(OcspConfig::new(resp.url())));
    let (o, pass) = r.evaluate(&good, &root, now);
    assert!(pass);
    assert_eq!(o.to_string(), format!("not revoked (OCSP {})", resp.url()));
    let (o, pass) = r.evaluate(&held, &root, now);
    assert!(
        !pass
            && matches!(
                o,
                RevocationOutcome::Revoked {
                    ref source,
                    ..
                } if source.starts_with("OCSP ")
            )
    );
    assert!(o.to_string().contains("certificateHold"));
}
