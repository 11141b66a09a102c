//! CRL store against CRLs made by `openssl ca -gencrl`; every verdict is compared with
//! `openssl verify -crl_check` on the same files.

mod openssl_pki;
mod revocation_support;

use std::path::Path;
use std::time::{Duration, SystemTime};

use mynacard::verify::crl::{CrlError, CrlStatus, CrlStore, Reason};
use revocation_support::*;

fn store(paths: &[&Path]) -> CrlStore {
    let mut s = CrlStore::new();
    for p in paths {
        s.add_path(p).unwrap();
    }
    s
}

#[test]
fn good_revoked_and_held_agree_with_openssl() {
    let pki = Pki::new();
    let city = pki.city("Chiyoda", "Tokyo", None);
    let good = pki.issue(&city, "good", "ee_ext", "ee.key");
    let bad = pki.issue(&city, "bad", "ee_ext", "ee.key");
    let held = pki.issue(&city, "held", "ee_ext", "ee.key");
    pki.revoke(&city, &bad, "keyCompromise");
    pki.revoke(&city, &held, "hold");
    let crl = pki.gencrl(&city, "chiyoda.crl.pem", 24);
    let crl_der = pki.p("chiyoda.crl");
    pem_to_der(&crl, &crl_der, "crl");
    let root = pki.root();
    let now = SystemTime::now();

    for file in [&crl, &crl_der] {
        let s = store(&[file]);
        match s.status(&load_cert(&good), &root, now).unwrap() {
            CrlStatus::Good { source, crl_this_update, crl_next_update } => {
                assert_eq!(source, file.display().to_string());
                assert!(crl_this_update <= now && now <= crl_next_update);
            }
            other => panic!("good cert: {other:?}"),
        }
        match s.status(&load_cert(&bad), &root, now).unwrap() {
            CrlStatus::Revoked { reason, source, revocation_time } => {
                assert_eq!(reason, Some(Reason::KeyCompromise));
                assert_eq!(source, file.display().to_string());
                assert!(revocation_time <= now + Duration::from_secs(5));
            }
            other => panic!("revoked cert: {other:?}"),
        }
        match s.status(&load_cert(&held), &root, now).unwrap() {
            CrlStatus::Revoked { reason, .. } => assert_eq!(reason, Some(Reason::CertificateHold)),
            other => panic!("held cert: {other:?}"),
        }
    }

    let rootp = pki.p("root.pem");
    let (ok, out) = openssl_verify(&rootp, &[&crl], &good, None);
    assert!(ok, "{out}");
    let (ok, out) = openssl_verify(&rootp, &[&crl], &bad, None);
    assert!(!ok && out.contains("certificate revoked"), "{out}");
    let (ok, out) = openssl_verify(&rootp, &[&crl], &held, None);
    assert!(!ok && out.contains("certificate revoked"), "{out}");
}

#[test]
fn stale_crl_is_unknown_like_openssl_expired() {
    let pki = Pki::new();
    let city = pki.city("Minato", "Tokyo", None);
    let cert = pki.issue(&city, "c", "ee_ext", "ee.key");
    let crl = pki.gencrl(&city, "minato.crl.pem", 1);
    let later = SystemTime::now() + Duration::from_secs(2 * 3600);
    let s = store(&[&crl]);
    match s.status(&load_cert(&cert), &pki.root(), later).unwrap() {
        CrlStatus::Stale { next_update, source, .. } => {
            assert!(next_update.unwrap() < later);
            assert!(source.ends_with("minato.crl.pem"));
        }
        other => panic!("{other:?}"),
    }
    // Before thisUpdate is not current either.
    let earlier = SystemTime::now() - Duration::from_secs(3600);
    assert!(matches!(
        s.status(&load_cert(&cert), &pki.root(), earlier).unwrap(),
        CrlStatus::Stale { .. }
    ));
    let (ok, out) = openssl_verify(&pki.p("root.pem"), &[&crl], &cert, Some(later));
    assert!(!ok && out.contains("CRL has expired"), "{out}");
}

#[test]
fn crl_of_another_municipality_does_not_apply() {
    let pki = Pki::new();
    let chiyoda = pki.city("Chiyoda", "Tokyo", None);
    let minato = pki.city("Minato", "Tokyo", None);
    let cert = pki.issue(&chiyoda, "c", "ee_ext", "ee.key");
    pki.revoke(&chiyoda, &cert, "keyCompromise");
    let other = pki.gencrl(&minato, "minato.crl.pem", 24);
    let s = store(&[&other]);
    assert_eq!(
        s.status(&load_cert(&cert), &pki.root(), SystemTime::now()).unwrap(),
        CrlStatus::NoMatchingCrl
    );
    // OpenSSL also compares the IDP with the certificate's CRLDP: it reports the CRL as
    // "different CRL scope" (error 44) and fails, where we answer "no matching CRL" (unknown,
    // which the Require policy also fails).
    let (ok, out) = openssl_verify(&pki.p("root.pem"), &[&other], &cert, None);
    assert!(!ok && out.contains("different CRL scope"), "{out}");

    // With both CRLs in a directory, the municipality's own CRL decides.
    let own = pki.gencrl(&chiyoda, "chiyoda.crl.pem", 24);
    let dir = pki.p("crls");
    std::fs::create_dir(&dir).unwrap();
    std::fs::copy(&own, dir.join("chiyoda.pem")).unwrap();
    std::fs::copy(&other, dir.join("minato.pem")).unwrap();
    std::fs::write(dir.join("README.txt"), "ignored").unwrap();
    let mut s = CrlStore::new();
    assert_eq!(s.add_path(&dir).unwrap(), 2);
    match s.status(&load_cert(&cert), &pki.root(), SystemTime::now()).unwrap() {
        CrlStatus::Revoked { source, .. } => assert!(source.ends_with("chiyoda.pem")),
        other => panic!("{other:?}"),
    }
    let (ok, out) = openssl_verify(&pki.p("root.pem"), &[&own, &other], &cert, None);
    assert!(!ok && out.contains("certificate revoked"), "{out}");
}

#[test]
fn forged_signature_is_an_error_naming_the_file() {
    let pki = Pki::new();
    let city = pki.city("Chiyoda", "Tokyo", None);
    let cert = pki.issue(&city, "c", "ee_ext", "ee.key");
    let crl = pki.gencrl(&city, "c.crl.pem", 24);
    let der = pki.p("c.crl");
    pem_to_der(&crl, &der, "crl");
    let mut bytes = std::fs::read(&der).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x01;
    let forged = pki.p("forged.crl");
    std::fs::write(&forged, &bytes).unwrap();
    let s = store(&[&forged]);
    let err = s.status(&load_cert(&cert), &pki.root(), SystemTime::now()).unwrap_err();
    assert!(matches!(err, CrlError::BadSignature { ref file } if file.ends_with("forged.crl")));
    assert!(err.to_string().contains("forged.crl"), "{err}");
    let forged_pem = pki.p("forged.pem");
    openssl(pki.path(), &["crl", "-inform", "DER", "-in", "forged.crl", "-out", "forged.pem"]);
    let (ok, out) = openssl_verify(&pki.p("root.pem"), &[&forged_pem], &cert, None);
    assert!(!ok && out.contains("CRL signature failure"), "{out}");
}

#[test]
fn crl_of_another_root_generation_is_skipped_by_key_identifier() {
    // Same DN, different key (the 2015/2019/2023 generations share one DN).
    let pki = Pki::new();
    let city = pki.city("Chiyoda", "Tokyo", None);
    let cert = pki.issue(&city, "c", "ee_ext", "ee.key");
    let crl = pki.gencrl(&city, "c.crl.pem", 24);
    openssl(
        pki.path(),
        &[
            "req",
            "-x509",
            "-key",
            "other.key",
            "-out",
            "gen2.pem",
            "-days",
            "30",
            "-subj",
            ROOT_DN,
            "-config",
            city.cnf.to_str().unwrap(),
            "-extensions",
            "root_ext",
        ],
    );
    let s = store(&[&crl]);
    assert_eq!(
        s.status(&load_cert(&cert), &load_cert(&pki.p("gen2.pem")), SystemTime::now()).unwrap(),
        CrlStatus::NoMatchingCrl
    );
}

#[test]
fn load_errors_name_the_file_and_the_problem() {
    let pki = Pki::new();
    let city = pki.city("Chiyoda", "Tokyo", None);
    let crl = pki.gencrl(&city, "c.crl.pem", 24);
    let der_path = pki.p("c.crl");
    pem_to_der(&crl, &der_path, "crl");
    let der = std::fs::read(&der_path).unwrap();
    let mut s = CrlStore::new();

    let e = s.add_path(&pki.p("missing.crl")).unwrap_err();
    assert!(matches!(e, CrlError::Io { ref file, .. } if file.ends_with("missing.crl")), "{e}");

    let e = s
        .add_bytes("x.pem", b"-----BEGIN X509 CRL-----\n!!!!\n-----END X509 CRL-----\n".to_vec())
        .unwrap_err();
    assert!(matches!(e, CrlError::Pem { ref file, .. } if file == "x.pem"), "{e}");
    let e = s.add_bytes("y.pem", b"-----BEGIN CERTIFICATE-----\n".to_vec()).unwrap_err();
    assert!(e.to_string().contains("no X509 CRL block"), "{e}");

    // A sparse file larger than the cap is refused before it is read.
    let big = pki.p("big.crl");
    std::fs::File::create(&big).unwrap().set_len(mynacard::verify::crl::MAX_CRL_SIZE + 1).unwrap();
    let e = s.add_path(&big).unwrap_err();
    assert!(matches!(e, CrlError::TooLarge { ref file, .. } if file.ends_with("big.crl")), "{e}");

    for (name, bytes, what) in [
        ("trunc", der[..der.len() / 2].to_vec(), "CertificateList"),
        ("tag", [&[0x31u8][..], &der[1..]].concat(), "expected SEQUENCE"),
        ("huge", vec![0x30, 0x84, 0x7f, 0xff, 0xff, 0xff, 0x30, 0x00], "CertificateList"),
        ("trailing", [&der[..], &[0u8, 0][..]].concat(), "trailing bytes"),
        ("empty", Vec::new(), "CertificateList"),
    ] {
        let e = s.add_bytes(name, bytes).unwrap_err();
        match &e {
            CrlError::Malformed { file, what: w } => {
                assert_eq!(file, name);
                assert!(w.to_string().contains(what), "{name}: {w}");
            }
            other => panic!("{name}: {other:?}"),
        }
    }

    // sha224WithRSAEncryption (both AlgorithmIdentifiers rewritten) is not supported.
    let sha256 = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b];
    let mut alg = der.clone();
    let mut i = 0;
    while let Some(p) = alg[i..].windows(9).position(|w| w == sha256) {
        alg[i + p + 8] = 0x0e;
        i += p + 9;
    }
    let e = s.add_bytes("alg", alg).unwrap_err();
    assert!(
        matches!(e, CrlError::UnsupportedAlgorithm { ref oid, .. } if oid == "1.2.840.113549.1.1.14"),
        "{e}"
    );
    assert!(s.is_empty());
}

#[test]
fn certificate_and_root_errors() {
    use der::{Decode, Encode};
    let pki = Pki::new();
    let city = pki.city("Chiyoda", "Tokyo", None);
    let cert = pki.issue(&city, "c", "ee_ext", "ee.key");
    let crl = pki.gencrl(&city, "c.crl.pem", 24);
    let s = store(&[&crl]);

    // cRLDistributionPoints whose value is not a DistributionPoint sequence.
    let mut c = load_cert(&cert);
    for ext in c.tbs_certificate.extensions.iter_mut().flatten() {
        if ext.extn_id.to_string() == "2.5.29.31" {
            ext.extn_value = der::asn1::OctetString::new(vec![0x04, 0x00]).unwrap();
        }
    }
    let e = s.status(&c, &pki.root(), SystemTime::now()).unwrap_err();
    assert!(matches!(e, CrlError::CertificateDp { .. }), "{e}");

    // A same-named root without SKI whose key is EC: the CRL matches by name, the key is unusable.
    openssl(
        pki.path(),
        &["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "ec.key"],
    );
    let cnf = std::fs::read_to_string(&city.cnf).unwrap()
        + "[ noski_ext ]\nbasicConstraints = critical, CA:TRUE\nsubjectKeyIdentifier = none\n";
    std::fs::write(pki.p("noski.cnf"), cnf).unwrap();
    openssl(
        pki.path(),
        &[
            "req",
            "-x509",
            "-key",
            "ec.key",
            "-out",
            "ec.pem",
            "-days",
            "30",
            "-subj",
            ROOT_DN,
            "-config",
            "noski.cnf",
            "-extensions",
            "noski_ext",
        ],
    );
    let ec = load_cert(&pki.p("ec.pem"));
    let e = s.status(&load_cert(&cert), &ec, SystemTime::now()).unwrap_err();
    assert!(matches!(e, CrlError::RootKey { .. }), "{e}");
    let _ = x509_cert::Certificate::from_der(&ec.to_der().unwrap()).unwrap();
}

#[test]
fn generated_crl_with_many_entries_is_indexed() {
    #[path = "../examples/crl_gen.rs"]
    #[allow(dead_code)]
    mod crl_gen;
    use der::{DecodePem, Encode};
    use rsa::pkcs8::DecodePrivateKey;

    let pki = Pki::new();
    let city = pki.city("Chiyoda", "Tokyo", None);
    let cert = pki.issue(&city, "c", "ee_ext", "ee.key");
    let root = pki.root();
    let key =
        rsa::RsaPrivateKey::from_pkcs8_pem(&std::fs::read_to_string(pki.p("root.key")).unwrap())
            .unwrap();
    let dps = mynacard::verify::crl::certificate_dp_dirnames(&load_cert(&cert)).unwrap();
    let issuer = root.tbs_certificate.subject.to_der().unwrap();
    let aki = crl_gen::ski(&root);
    let now = SystemTime::now();
    let spec = crl_gen::CrlSpec {
        issuer: &issuer,
        idp_dirname: Some(&dps[0]),
        aki: aki.as_deref(),
        this_update: now - Duration::from_secs(60),
        next_update: now + Duration::from_secs(3600),
        count: 20_000,
        extra_extensions: Vec::new(),
    };
    let bytes = crl_gen::build_crl(&spec, &key);
    let path = pki.p("gen.crl");
    std::fs::write(&path, &bytes).unwrap();
    let s = store(&[&path]);
    assert_eq!(s.info()[0].entries, 20_000);
    let base = x509_cert::Certificate::from_pem(std::fs::read(&cert).unwrap()).unwrap();
    let with_serial = |n: u64| {
        let mut c = base.clone();
        c.tbs_certificate.serial_number =
            x509_cert::serial_number::SerialNumber::new(&crl_gen::int_content(n)).unwrap();
        c
    };
    for n in [1u64, 129, 255, 39_999, 19] {
        match s.status(&with_serial(n), &root, now).unwrap() {
            CrlStatus::Revoked { reason, .. } => {
                let i = (n - 1) / 2;
                let want =
                    if i % 10 == 9 { Reason::CertificateHold } else { Reason::KeyCompromise };
                assert_eq!(reason, Some(want), "serial {n}");
            }
            other => panic!("serial {n}: {other:?}"),
        }
    }
    for n in [2u64, 128, 256, 40_001, 1 << 40] {
        assert!(
            matches!(s.status(&with_serial(n), &root, now).unwrap(), CrlStatus::Good { .. }),
            "serial {n}"
        );
    }
    // A delta CRL (critical deltaCRLIndicator) is refused at load.
    let delta_ext = crl_gen::tlv(
        0x30,
        &[
            crl_gen::tlv(0x06, &[0x55, 0x1d, 0x1b]),
            crl_gen::tlv(0x01, &[0xff]),
            crl_gen::tlv(0x04, &crl_gen::tlv(0x02, &[1])),
        ]
        .concat(),
    );
    let delta = crl_gen::build_crl(
        &crl_gen::CrlSpec { count: 3, extra_extensions: vec![delta_ext], ..spec },
        &key,
    );
    let e = CrlStore::new().add_bytes("delta.crl", delta).unwrap_err();
    assert!(
        matches!(e, CrlError::UnsupportedExtension { ref oid, ref file } if oid == "2.5.29.27" && file == "delta.crl"),
        "{e}"
    );

    // OpenSSL agrees on the generated file.
    let pem = pki.p("gen.pem");
    openssl(pki.path(), &["crl", "-inform", "DER", "-in", "gen.crl", "-out", "gen.pem"]);
    let out = std::process::Command::new("openssl")
        .args(["crl", "-in", "gen.pem", "-noout", "-CAfile", "root.pem", "-verify"])
        .current_dir(pki.path())
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("verify OK"), "{out:?}");
    let _ = pem;
}

// ---- issue 11: several CRLs of one scope, and the time of judgement ----

/// Puts every revoked entry of `cn` in the city's CA database back to valid (as a CA does when
/// it releases a hold), so the next CRL does not list it.
fn release(city: &revocation_support::City, cn: &str) {
    let index = std::fs::read_to_string(&city.index).unwrap();
    let out: String = index
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            if f[0] == "R" && f[5].ends_with(&format!("/CN={cn}")) {
                format!("V\t{}\t\t{}\t{}\t{}\n", f[1], f[3], f[4], f[5])
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    std::fs::write(&city.index, out).unwrap();
}

/// `openssl ca -gencrl` from a copy of the city's configuration without `crlnumber`: a CRL
/// with no cRLNumber.
fn gencrl_unnumbered(pki: &Pki, city: &revocation_support::City, out: &str) -> std::path::PathBuf {
    let cnf = std::fs::read_to_string(&city.cnf).unwrap();
    let cnf: String =
        cnf.lines().filter(|l| !l.starts_with("crlnumber")).map(|l| format!("{l}\n")).collect();
    let path = pki.p(&format!("{out}.cnf"));
    std::fs::write(&path, cnf).unwrap();
    let args = [
        "ca",
        "-config",
        path.to_str().unwrap(),
        "-gencrl",
        "-crlexts",
        "crl_ext",
        "-crlhours",
        "24",
        "-out",
        out,
    ];
    openssl(pki.path(), &args);
    pki.p(out)
}

fn status_both_orders(
    a: &Path,
    b: &Path,
    cert: &Path,
    root: &x509_cert::Certificate,
) -> [CrlStatus; 2] {
    let now = SystemTime::now();
    let c = load_cert(cert);
    [store(&[a, b]).status(&c, root, now).unwrap(), store(&[b, a]).status(&c, root, now).unwrap()]
}

#[test]
fn crls_of_one_scope_are_combined_whatever_their_order() {
    let pki = Pki::new();
    let city = pki.city("Chuo", "Tokyo", None);
    let held = pki.issue(&city, "held", "ee_ext", "ee.key");
    let gone = pki.issue(&city, "gone", "ee_ext", "ee.key");
    let root = pki.root();

    // cRLNumber 1 lists the hold, 2 (the hold released) does not: 2 lifts it.
    pki.revoke(&city, &held, "hold");
    let n1 = pki.gencrl(&city, "n1.crl.pem", 24);
    release(&city, "held");
    let n2 = pki.gencrl(&city, "n2.crl.pem", 24);
    for s in status_both_orders(&n1, &n2, &held, &root) {
        assert!(
            matches!(&s, CrlStatus::Good { source, .. } if source.ends_with("n2.crl.pem")),
            "{s:?}"
        );
    }
    // Held again in cRLNumber 3: newer than 2, the hold stands.
    pki.revoke(&city, &held, "hold");
    let n3 = pki.gencrl(&city, "n3.crl.pem", 24);
    for s in status_both_orders(&n2, &n3, &held, &root) {
        assert!(
            matches!(&s, CrlStatus::Revoked { reason: Some(Reason::CertificateHold), .. }),
            "{s:?}"
        );
    }
    // Without cRLNumbers nothing orders a hold against a CRL without it: fail closed.
    let u_held = gencrl_unnumbered(&pki, &city, "u-held.crl.pem");
    release(&city, "held");
    let u_clear = gencrl_unnumbered(&pki, &city, "u-clear.crl.pem");
    for (a, b) in [(&u_held, &u_clear), (&n1, &u_clear), (&u_held, &n2)] {
        for s in status_both_orders(a, b, &held, &root) {
            assert!(format!("{s:?}").starts_with("Conflicting"), "{a:?} {b:?}: {s:?}");
        }
    }
    // A permanent revocation is never undone by a CRL without it, even a newer one.
    pki.revoke(&city, &gone, "keyCompromise");
    let n4 = pki.gencrl(&city, "n4.crl.pem", 24);
    release(&city, "gone");
    let n5 = pki.gencrl(&city, "n5.crl.pem", 24);
    for s in status_both_orders(&n4, &n5, &gone, &root) {
        assert!(
            matches!(&s, CrlStatus::Revoked { reason: Some(Reason::KeyCompromise), source, .. } if source.ends_with("n4.crl.pem")),
            "{s:?}"
        );
    }
    // OpenSSL agrees on the plain cases (it reads one CRL per scope).
    let rootp = pki.p("root.pem");
    assert!(openssl_verify(&rootp, &[&n2], &held, None).0);
    assert!(!openssl_verify(&rootp, &[&n3], &held, None).0);
}

/// `YYYYMMDDHHMMSSZ` of a time, for `openssl ca -crl_lastupdate/-crl_nextupdate`.
fn generalized(t: SystemTime) -> String {
    let t = time::OffsetDateTime::from(t);
    format!(
        "{:04}{:02}{:02}{:02}{:02}{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// A CRL current two days ago (thisUpdate three days ago, nextUpdate one day ago) that lists
/// two revocations made today: judged two days ago, the superseded one does not revoke yet,
/// the keyCompromise one does (a compromise reaches back); judged now the CRL is stale.
#[test]
fn a_crl_current_at_a_past_time_answers_for_that_time() {
    let pki = Pki::new();
    let city = pki.city("Taito", "Tokyo", None);
    let superseded = pki.issue(&city, "superseded", "ee_ext", "ee.key");
    let compromised = pki.issue(&city, "compromised", "ee_ext", "ee.key");
    let good = pki.issue(&city, "good", "ee_ext", "ee.key");
    pki.revoke(&city, &superseded, "superseded");
    pki.revoke(&city, &compromised, "keyCompromise");
    let now = SystemTime::now();
    let day = Duration::from_secs(86_400);
    let (last, next) = (generalized(now - 3 * day), generalized(now - day));
    let args = [
        "ca",
        "-config",
        city.cnf.to_str().unwrap(),
        "-gencrl",
        "-crlexts",
        "crl_ext",
        "-crl_lastupdate",
        &last,
        "-crl_nextupdate",
        &next,
        "-out",
        "past.crl.pem",
    ];
    openssl(pki.path(), &args);
    let crl = pki.p("past.crl.pem");
    let s = store(&[&crl]);
    let root = pki.root();
    let at = now - 2 * day;
    let status = |c: &Path, t| s.status(&load_cert(c), &root, t).unwrap();
    assert!(matches!(status(&good, at), CrlStatus::Good { .. }), "{:?}", status(&good, at));
    assert!(
        matches!(status(&superseded, at), CrlStatus::Good { .. }),
        "{:?}",
        status(&superseded, at)
    );
    assert!(matches!(
        status(&compromised, at),
        CrlStatus::Revoked { reason: Some(Reason::KeyCompromise), .. }
    ));
    for c in [&good, &superseded, &compromised] {
        assert!(matches!(status(c, now), CrlStatus::Stale { .. }));
    }
}
