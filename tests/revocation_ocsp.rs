//! OCSP client against `openssl ocsp` answering on loopback (a responder per test, stopped on
//! drop), plus a replay server for nonce, CertID and transport failures.

mod openssl_pki;
mod revocation_support;

use std::time::{Duration, SystemTime};

use mynacard::hash::HashAlg;
use mynacard::verify::crl::Reason;
use mynacard::verify::ocsp::*;
use revocation_support::*;

struct Setup {
    pki: Pki,
    city: City,
    good: std::path::PathBuf,
    revoked: std::path::PathBuf,
    held: std::path::PathBuf,
    stranger: std::path::PathBuf,
}

fn setup(aia: Option<&str>) -> Setup {
    let pki = Pki::new();
    let city = pki.city("Chiyoda", "Tokyo", aia);
    let good = pki.issue(&city, "good", "ee_ext", "ee.key");
    let revoked = pki.issue(&city, "revoked", "ee_ext", "ee.key");
    let held = pki.issue(&city, "held", "ee_ext", "ee.key");
    pki.issue(&city, "responder", "ocsp_ext", "ocsp.key");
    pki.issue(&city, "notresponder", "noocsp_ext", "other.key");
    pki.revoke(&city, &revoked, "keyCompromise");
    pki.revoke(&city, &held, "hold");
    // A certificate of another municipality: not in this responder's index.
    let other = pki.city("Minato", "Tokyo", None);
    let stranger = pki.issue(&other, "stranger", "ee_ext", "ee.key");
    Setup { pki, city, good, revoked, held, stranger }
}

fn delegated(s: &Setup) -> HttpServer {
    city_responder(&s.city, &s.pki.p("responder.pem"), &s.pki.p("ocsp.key"), &s.pki.p("root.pem"))
}

fn client(url: String) -> OcspClient {
    OcspClient::new(OcspConfig::new(url))
}

#[test]
fn good_revoked_held_unknown_from_a_delegated_responder() {
    let s = setup(None);
    let r = delegated(&s);
    let root = s.pki.root();
    let now = SystemTime::now();
    for hash in [HashAlg::Sha1, HashAlg::Sha256] {
        let c = OcspClient::new(OcspConfig { hash, ..OcspConfig::new(r.url()) });
        match c.check(&load_cert(&s.good), &root, now) {
            OcspOutcome::Good { url, this_update, next_update } => {
                assert_eq!(url, r.url());
                assert!(this_update <= now + Duration::from_secs(5));
                let n = next_update.unwrap();
                assert!(n > now && n <= now + Duration::from_secs(6 * 60), "-nmin 5");
            }
            other => panic!("{hash:?}: {other:?}"),
        }
        match c.check(&load_cert(&s.revoked), &root, now) {
            OcspOutcome::Revoked { reason, .. } => assert_eq!(reason, Some(Reason::KeyCompromise)),
            other => panic!("{other:?}"),
        }
        match c.check(&load_cert(&s.held), &root, now) {
            OcspOutcome::Revoked { reason, .. } => {
                assert_eq!(reason, Some(Reason::CertificateHold))
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            c.check(&load_cert(&s.stranger), &root, now),
            OcspOutcome::Unknown { .. }
        ));
    }
    // Stale: nextUpdate (now + 5 min) has passed at now + 10 min.
    let later = now + Duration::from_secs(600);
    assert_eq!(
        client(r.url()).check(&load_cert(&s.good), &root, later),
        OcspOutcome::Error(OcspError::Stale)
    );
}

#[test]
fn root_signed_responses_and_thisupdate_in_the_future() {
    let s = setup(None);
    let r =
        city_responder(&s.city, &s.pki.p("root.pem"), &s.pki.p("root.key"), &s.pki.p("root.pem"));
    let root = s.pki.root();
    assert!(matches!(
        client(r.url()).check(&load_cert(&s.good), &root, SystemTime::now()),
        OcspOutcome::Good { .. }
    ));
    let earlier = SystemTime::now() - Duration::from_secs(3600);
    assert_eq!(
        client(r.url()).check(&load_cert(&s.good), &root, earlier),
        OcspOutcome::Error(OcspError::NotYetValid)
    );
}

#[test]
fn responder_without_ocsp_signing_is_not_authorised() {
    let s = setup(None);
    let r = city_responder(
        &s.city,
        &s.pki.p("notresponder.pem"),
        &s.pki.p("other.key"),
        &s.pki.p("root.pem"),
    );
    match client(r.url()).check(&load_cert(&s.good), &s.pki.root(), SystemTime::now()) {
        OcspOutcome::Error(OcspError::NotAuthorized(why)) => {
            assert!(why.contains("OCSPSigning"), "{why}")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn responder_of_another_root_is_not_authorised() {
    let s = setup(None);
    let cnf = s.city.cnf.to_str().unwrap().to_string();
    openssl(s.pki.path(), &[
        "req", "-x509", "-key", "other.key", "-out", "root2.pem", "-days", "30", "-subj",
        "/C=JP/O=JPKI-SIM/OU=JPKI for user authentication/OU=Japan Agency for Local Authority Information Systems",
        "-config", &cnf, "-extensions", "ocsp_ext",
    ]);
    let r =
        city_responder(&s.city, &s.pki.p("root2.pem"), &s.pki.p("other.key"), &s.pki.p("root.pem"));
    match client(r.url()).check(&load_cert(&s.good), &s.pki.root(), SystemTime::now()) {
        OcspOutcome::Error(OcspError::NotAuthorized(why)) => {
            assert!(why.contains("not issued"), "{why}")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn replayed_responses_are_rejected() {
    let s = setup(None);
    let r = delegated(&s);
    let root = s.pki.root();
    let good = load_cert(&s.good);
    let now = SystemTime::now();

    // Capture a genuine response to a request with nonce A; replay it to a request with a new nonce.
    let (req, id) = build_request(&good, &root, HashAlg::Sha1, Some(&[0xAA; 16])).unwrap();
    assert_eq!(request_nonce(&req).unwrap(), vec![0xAA; 16]);
    let captured = post(&r.url(), &req);
    assert!(matches!(
        evaluate_response(&captured, &id, Some(&[0xAA; 16]), &root, now, Duration::from_secs(300)),
        Ok(OcspAnswer::Good { .. })
    ));
    let replay = HttpServer::replay(200, captured.clone());
    assert_eq!(
        client(replay.url()).check(&good, &root, now),
        OcspOutcome::Error(OcspError::NonceMismatch)
    );
    let sent = replay.requests.recv_timeout(Duration::from_secs(5)).unwrap();
    let nonce = request_nonce(&sent).unwrap();
    assert_eq!(nonce.len(), 16);
    assert_ne!(nonce, vec![0xAA; 16]);

    // A response without nonce to a request that sent one.
    let (req_nn, _) = build_request(&good, &root, HashAlg::Sha1, None).unwrap();
    let no_nonce = post(&r.url(), &req_nn);
    let replay = HttpServer::replay(200, no_nonce.clone());
    assert_eq!(
        client(replay.url()).check(&good, &root, now),
        OcspOutcome::Error(OcspError::NonceMissing)
    );

    // The answer about another certificate.
    let mut cfg = OcspConfig::new(replay.url());
    cfg.send_nonce = false;
    assert_eq!(
        OcspClient::new(cfg).check(&load_cert(&s.revoked), &root, now),
        OcspOutcome::Error(OcspError::CertIdMismatch)
    );

    // Tampered tbsResponseData (the echoed nonce): no key verifies it.
    let mut tampered = captured.clone();
    let p = tampered.windows(16).position(|w| w == [0xAA; 16]).unwrap();
    tampered[p] ^= 1;
    assert_eq!(
        evaluate_response(&tampered, &id, Some(&[0xAA; 16]), &root, now, Duration::from_secs(300)),
        Err(OcspError::BadSignature)
    );

    // sha256WithRSAEncryption rewritten to sha224WithRSAEncryption.
    let mut alg = captured.clone();
    let sha256 = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b];
    let p = alg.windows(9).position(|w| w == sha256).unwrap();
    alg[p + 8] = 0x0e;
    assert_eq!(
        evaluate_response(&alg, &id, Some(&[0xAA; 16]), &root, now, Duration::from_secs(300)),
        Err(OcspError::UnsupportedAlgorithm("1.2.840.113549.1.1.14".into()))
    );

    // An issuer whose key is not RSA.
    openssl(
        s.pki.path(),
        &["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "ec.key"],
    );
    openssl(
        s.pki.path(),
        &["req", "-x509", "-key", "ec.key", "-out", "ec.pem", "-days", "3", "-subj", ROOT_DN],
    );
    assert!(matches!(
        evaluate_response(
            &captured,
            &id,
            Some(&[0xAA; 16]),
            &load_cert(&s.pki.p("ec.pem")),
            now,
            Duration::from_secs(300)
        ),
        Err(OcspError::IssuerKey(_))
    ));
}

#[test]
fn transport_and_format_failures() {
    let s = setup(None);
    let root = s.pki.root();
    let good = load_cert(&s.good);
    let now = SystemTime::now();
    let url = format!("http://127.0.0.1:{}/", free_port());
    assert!(matches!(
        client(url).check(&good, &root, now),
        OcspOutcome::Error(OcspError::Transport { .. })
    ));

    let r = HttpServer::replay(404, b"nope".to_vec());
    assert!(matches!(
        client(r.url()).check(&good, &root, now),
        OcspOutcome::Error(OcspError::HttpStatus { code: 404, .. })
    ));

    let r = HttpServer::replay(200, vec![0x30; 4096]);
    let mut cfg = OcspConfig::new(r.url());
    cfg.max_response = 1024;
    assert_eq!(
        OcspClient::new(cfg).check(&good, &root, now),
        OcspOutcome::Error(OcspError::TooLarge { limit: 1024 })
    );

    let r = HttpServer::replay(200, b"garbage".to_vec());
    assert!(matches!(
        client(r.url()).check(&good, &root, now),
        OcspOutcome::Error(OcspError::Malformed(_))
    ));

    // tryLater
    let r = HttpServer::replay(200, vec![0x30, 0x03, 0x0a, 0x01, 0x03]);
    assert!(
        matches!(client(r.url()).check(&good, &root, now), OcspOutcome::Error(OcspError::Status(ref s)) if s == "TryLater")
    );

    // successful, but responseType is not id-pkix-ocsp-basic
    let body = vec![
        0x30, 0x0e, 0x0a, 0x01, 0x00, 0xa0, 0x09, 0x30, 0x07, 0x06, 0x03, 0x55, 0x1d, 0x15, 0x04,
        0x00,
    ];
    let r = HttpServer::replay(200, body);
    assert_eq!(
        client(r.url()).check(&good, &root, now),
        OcspOutcome::Error(OcspError::NotBasic("2.5.29.21".into()))
    );

    // Nonce outside RFC 8954's 1..=32 bytes.
    assert!(matches!(
        build_request(&good, &root, HashAlg::Sha1, Some(&[0; 33])),
        Err(OcspError::Request(_))
    ));

    // AIA mode on a certificate without AIA: no traffic, an error.
    assert_eq!(
        OcspClient::new(OcspConfig::from_aia()).check(&good, &root, now),
        OcspOutcome::Error(OcspError::NoAiaUrl)
    );
}

#[test]
fn aia_mode_uses_the_certificate_url_only_when_asked() {
    let listener = loopback();
    let url = format!("http://127.0.0.1:{}/", listener.local_addr().unwrap().port());
    let s = setup(Some(&url));
    let _r = city_responder_on(
        listener,
        &s.city,
        &s.pki.p("responder.pem"),
        &s.pki.p("ocsp.key"),
        &s.pki.p("root.pem"),
    );
    let good = load_cert(&s.good);
    assert_eq!(aia_ocsp_urls(&good), vec![url.clone()]);
    match OcspClient::new(OcspConfig::from_aia()).check(&good, &s.pki.root(), SystemTime::now()) {
        OcspOutcome::Good { url: u, .. } => assert_eq!(u, url),
        other => panic!("{other:?}"),
    }
}

// ---- issue 11: hostile answers ----

/// A response signed by the root carrying `statuses` for the certificate asked about, in that
/// order, each current now.
fn response_with(s: &Setup, id: &x509_ocsp::CertId, statuses: &[x509_ocsp::CertStatus]) -> Vec<u8> {
    use der::Encode;
    use rsa::pkcs8::DecodePrivateKey;
    use x509_ocsp::{builder::OcspResponseBuilder, OcspGeneralizedTime, SingleResponse};
    let secs = |t: SystemTime| {
        let s = t.duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs();
        OcspGeneralizedTime::try_from(SystemTime::UNIX_EPOCH + Duration::from_secs(s)).unwrap()
    };
    let now = SystemTime::now();
    let mut b = OcspResponseBuilder::new(s.pki.root().tbs_certificate.subject.clone());
    for st in statuses {
        b = b.with_single_response(
            SingleResponse::new(id.clone(), *st, secs(now - Duration::from_secs(60)))
                .with_next_update(secs(now + Duration::from_secs(3600))),
        );
    }
    let key = std::fs::read_to_string(s.pki.p("root.key")).unwrap();
    let key = rsa::RsaPrivateKey::from_pkcs8_pem(&key).unwrap();
    let mut signer = rsa::pkcs1v15::SigningKey::<sha2::Sha256>::new(key);
    b.sign(&mut signer, None, secs(now)).unwrap().to_der().unwrap()
}

/// The same certificate answered twice with different statuses: a revocation wins in either
/// order (it used to be the first answer); good and unknown together fail closed.
#[test]
fn duplicate_answers_cannot_hide_a_revocation() {
    use x509_ocsp::{CertStatus, OcspGeneralizedTime, RevokedInfo};
    let s = setup(None);
    let root = s.pki.root();
    let good = load_cert(&s.good);
    let now = SystemTime::now();
    let (_, id) = build_request(&good, &root, HashAlg::Sha1, None).unwrap();
    let revoked = CertStatus::revoked(RevokedInfo {
        revocation_time: OcspGeneralizedTime::try_from(
            SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000),
        )
        .unwrap(),
        revocation_reason: Some(Reason::KeyCompromise),
    });
    let skew = Duration::from_secs(300);
    for order in [
        [CertStatus::good(), revoked],
        [revoked, CertStatus::good()],
        [CertStatus::unknown(), revoked],
    ] {
        let der = response_with(&s, &id, &order);
        match evaluate_response(&der, &id, None, &root, now, skew) {
            Ok(OcspAnswer::Revoked { reason, .. }) => {
                assert_eq!(reason, Some(Reason::KeyCompromise))
            }
            other => panic!("{order:?}: {other:?}"),
        }
    }
    for order in
        [[CertStatus::good(), CertStatus::unknown()], [CertStatus::unknown(), CertStatus::good()]]
    {
        let der = response_with(&s, &id, &order);
        match evaluate_response(&der, &id, None, &root, now, skew) {
            Err(e) => assert_eq!(
                e.to_string(),
                "OCSP response answers more than once for the certificate, with different statuses"
            ),
            other => panic!("{order:?}: {other:?}"),
        }
    }
    // Agreeing duplicates are fine.
    let der = response_with(&s, &id, &[CertStatus::good(), CertStatus::good()]);
    assert!(matches!(
        evaluate_response(&der, &id, None, &root, now, skew),
        Ok(OcspAnswer::Good { .. })
    ));
}

/// Judged a minute before the revocations (the responder's answer, made now, is current then
/// within the 5-minute skew): superseded does not revoke at that time, keyCompromise does;
/// judged now both revoke.
#[test]
fn a_revocation_after_the_time_of_judgement_revokes_only_for_a_compromise() {
    let pki = Pki::new();
    let city = pki.city("Bunkyo", "Tokyo", None);
    let superseded = pki.issue(&city, "superseded", "ee_ext", "ee.key");
    let compromised = pki.issue(&city, "compromised", "ee_ext", "ee.key");
    pki.revoke(&city, &superseded, "superseded");
    pki.revoke(&city, &compromised, "keyCompromise");
    let r = city_responder(&city, &pki.p("root.pem"), &pki.p("root.key"), &pki.p("root.pem"));
    let root = pki.root();
    let before = SystemTime::now() - Duration::from_secs(60);
    assert!(matches!(
        client(r.url()).check(&load_cert(&superseded), &root, before),
        OcspOutcome::Good { .. }
    ));
    match client(r.url()).check(&load_cert(&compromised), &root, before) {
        OcspOutcome::Revoked { reason, .. } => assert_eq!(reason, Some(Reason::KeyCompromise)),
        other => panic!("{other:?}"),
    }
    match client(r.url()).check(&load_cert(&superseded), &root, SystemTime::now()) {
        OcspOutcome::Revoked { reason, .. } => assert_eq!(reason, Some(Reason::Superseded)),
        other => panic!("{other:?}"),
    }
}

/// https is refused without traffic (no TLS in this build); a redirect is named as one.
#[test]
fn https_urls_and_redirects() {
    let s = setup(None);
    let root = s.pki.root();
    let good = load_cert(&s.good);
    let now = SystemTime::now();
    match client("https://127.0.0.1:1/".into()).check(&good, &root, now) {
        OcspOutcome::Error(e) => assert_eq!(
            e.to_string(),
            "OCSP URL https://127.0.0.1:1/: only http:// URLs are supported (no TLS in this build)"
        ),
        other => panic!("{other:?}"),
    }
    let r = redirecting_server(301, "http://elsewhere.example/");
    match client(r.url()).check(&good, &root, now) {
        OcspOutcome::Error(e) => assert_eq!(
            e.to_string(),
            format!(
                "OCSP responder {}: HTTP redirect 301 to http://elsewhere.example/ (redirects are not followed)",
                r.url()
            )
        ),
        other => panic!("{other:?}"),
    }
}
