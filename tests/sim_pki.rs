//! The virtual card's test PKI and card-image format, checked against the committed default
//! image and against the real `openssl` binary.

mod openssl_pki;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use der::{Decode, Encode};
use mynacard::facts;
use mynacard::sim::image::{
    build_default_image, write_default_image, write_image, Access, CardImage, ImageError,
};
use mynacard::sim::pki::{self, *};
use openssl_pki::openssl_text;
use rsa::pkcs1v15::VerifyingKey;
use sha2::Sha256;
use signature::Verifier;
use time::macros::datetime;
use x509_cert::crl::CertificateList;
use x509_cert::ext::pkix::crl::dp::DistributionPoint;
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::ext::pkix::{
    AuthorityInfoAccessSyntax, AuthorityKeyIdentifier, CertificatePolicies, CrlDistributionPoints,
    CrlReason, ExtendedKeyUsage, IssuingDistributionPoint, KeyUsage, KeyUsages, SubjectAltName,
};
use x509_cert::Certificate;

fn committed_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sim-image/default")
}

/// The default PKI, generated once per test binary.
fn default_pki() -> &'static SimPki {
    static PKI: OnceLock<SimPki> = OnceLock::new();
    PKI.get_or_init(|| SimPki::default_pki().unwrap())
}

/// A regenerated default image directory, made once per test binary.
fn regenerated() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        write_default_image(dir.path()).unwrap();
        dir
    })
    .path()
}

fn files_under(root: &Path) -> BTreeSet<PathBuf> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeSet<PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                out.insert(p.strip_prefix(root).unwrap().to_path_buf());
            }
        }
    }
    let mut out = BTreeSet::new();
    walk(root, root, &mut out);
    out
}

/// Rewrites `sim-image/default/` (run after changing the PKI or the image format):
/// `cargo test --test sim_pki -- --ignored regenerate_committed_default_image`.
#[test]
#[ignore]
fn regenerate_committed_default_image() {
    let dir = committed_dir();
    let _ = std::fs::remove_dir_all(&dir);
    write_default_image(&dir).unwrap();
}

#[test]
fn regeneration_reproduces_the_committed_image_byte_for_byte() {
    let committed = files_under(&committed_dir());
    let fresh = files_under(regenerated());
    assert_eq!(committed, fresh, "same file set");
    assert!(fresh.len() >= 40, "{fresh:?}");
    for rel in &fresh {
        let a = std::fs::read(committed_dir().join(rel)).unwrap();
        let b = std::fs::read(regenerated().join(rel)).unwrap();
        assert!(a == b, "{} differs from its regeneration", rel.display());
    }
}

#[test]
fn pki_readme_lists_every_file() {
    let readme = std::fs::read_to_string(committed_dir().join("pki/README.md")).unwrap();
    for f in files_under(&committed_dir().join("pki")) {
        let name = f.display().to_string();
        if name != "README.md" {
            assert!(readme.contains(&format!("`{name}`")), "{name} not listed");
        }
    }
}

/// The default image built from scratch, once per test binary.
fn built_default() -> &'static CardImage {
    static IMAGE: OnceLock<CardImage> = OnceLock::new();
    IMAGE.get_or_init(|| build_default_image().unwrap())
}

fn assert_same_image(a: &CardImage, b: &CardImage) {
    assert_eq!(a.atr, b.atr);
    assert_eq!(a.mf_data, b.mf_data);
    assert_eq!(a.apps.len(), b.apps.len());
    for (x, y) in a.apps.iter().zip(&b.apps) {
        assert_eq!(x.name, y.name);
        assert_eq!(x.aid, y.aid);
        assert_eq!(x.files, y.files);
        assert_eq!(x.pins, y.pins);
        assert_eq!(x.challenge_key, y.challenge_key);
        assert_eq!(x.keys.len(), y.keys.len());
        for ((f1, k1), (f2, k2)) in x.keys.iter().zip(&y.keys) {
            assert_eq!((f1, k1.pin), (f2, k2.pin));
            assert!(k1.key == k2.key, "key {f1:04X} differs");
        }
    }
}

#[test]
fn default_image_is_embedded_and_equals_the_builder_output() {
    let embedded = CardImage::default_image();
    let built = built_default();
    assert_same_image(&embedded, built);
    // Loading the committed directory gives the same card.
    assert_same_image(&CardImage::load(&committed_dir()).unwrap(), built);
    // And it works from another working directory (embedded, not read from disk).
    let elsewhere = tempfile::tempdir().unwrap();
    let before = std::env::current_dir().unwrap();
    std::env::set_current_dir(elsewhere.path()).unwrap();
    let again = CardImage::try_default_image();
    std::env::set_current_dir(before).unwrap();
    assert_same_image(&again.unwrap(), built);
}

#[test]
fn jpki_card_image_has_the_card_layout() {
    use facts::jpki as j;
    let image = CardImage::default_image();
    let pki = default_pki();
    assert_eq!(image.atr, facts::SIM_ATR);
    let names: Vec<_> = image.apps.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["jpki", "text", "visual", "common"]);

    let app = image.app(&facts::AID_JPKI).unwrap();
    assert_eq!(app.files[&j::EF_AUTH_CERT].data, pki.auth.cert);
    assert_eq!(app.files[&j::EF_AUTH_CERT].read, Access::Free);
    assert_eq!(app.files[&j::EF_AUTH_CA_CERT].data, pki.auth.root.cert_der());
    assert_eq!(app.files[&j::EF_SIGN_CERT].data, pki.sign.cert);
    assert_eq!(app.files[&j::EF_SIGN_CERT].read, Access::Pin(j::EF_SIGN_PIN));
    assert_eq!(app.files[&j::EF_SIGN_CA_CERT].data, pki.sign.root.cert_der());
    let token = &app.files[&j::EF_TOKEN_INFO].data;
    assert_eq!(&token[..32], b"JPKIAPICCTOKEN2                 ");
    assert!(token.len() > 32);
    let auth_pin = &app.pins[&j::EF_AUTH_PIN];
    assert_eq!(
        (&auth_pin.value[..], auth_pin.tries_left, auth_pin.max_tries),
        (&b"1234"[..], 3, 3)
    );
    let sign_pin = &app.pins[&j::EF_SIGN_PIN];
    assert_eq!(
        (&sign_pin.value[..], sign_pin.tries_left, sign_pin.max_tries),
        (&b"MYNACARD1"[..], 5, 5)
    );
    assert_eq!(app.keys[&j::EF_AUTH_KEY].pin, j::EF_AUTH_PIN);
    assert_eq!(app.keys[&j::EF_SIGN_KEY].pin, j::EF_SIGN_PIN);
    assert!(app.keys[&j::EF_SIGN_KEY].key == pki.sign.key);
    // The key on the card matches its certificate.
    let cert = Certificate::from_der(&pki.sign.cert).unwrap();
    let spki =
        rsa::pkcs8::EncodePublicKey::to_public_key_der(&pki.sign.key.to_public_key()).unwrap();
    assert_eq!(cert.tbs_certificate.subject_public_key_info.to_der().unwrap(), spki.as_bytes());

    let text = image.app(&facts::AID_TEXT).unwrap();
    assert_eq!(text.pins[&facts::text::EF_PIN].value[..], b"1234"[..]);
    assert_eq!(text.pins[&facts::text::EF_PIN].max_tries, 3);
    // Every personal file of the text application opens with the PIN (among others).
    for fid in [1u16, 2, 3, 6, 7] {
        let Access::AnyPin(pins) = &text.files[&fid].read else { panic!("{fid:04X}") };
        assert!(pins.contains(&facts::text::EF_PIN), "{fid:04X}");
    }
}

#[test]
fn debug_output_never_shows_pins_or_keys() {
    let image = CardImage::default_image();
    let debug = format!("{image:?}");
    assert!(!debug.contains("MYNACARD1"), "{debug}");
    assert!(!debug.contains("1234\""), "{debug}");
    assert!(!debug.contains("[49, 50, 51, 52]"), "{debug}");
    assert!(debug.contains("<redacted>"));
    let key_debug = format!("{:?}", default_pki().sign.root);
    let d = rsa::traits::PrivateKeyParts::d(default_pki().sign.root.key()).to_string();
    assert!(!key_debug.contains(&d[..20]));
}

/// Parse the BER TLVs of the text AP's attributes file.
fn tlvs(mut data: &[u8]) -> Vec<([u8; 2], Vec<u8>)> {
    let mut out = Vec::new();
    while data.len() >= 3 {
        let tag = [data[0], data[1]];
        let (len, skip) = match data[2] {
            0x81 => (data[3] as usize, 4),
            0x82 => (u16::from_be_bytes([data[3], data[4]]) as usize, 5),
            l => (l as usize, 3),
        };
        out.push((tag, data[skip..skip + len].to_vec()));
        data = &data[skip + len..];
    }
    out
}

#[test]
fn holder_data_round_trips_through_the_text_application() {
    let holder = Holder::default();
    let image = CardImage::default_image();
    let text = image.app(&facts::AID_TEXT).unwrap();
    let outer = tlvs(&text.files[&facts::text::EF_ATTRIBUTES].data);
    assert_eq!(outer.len(), 1);
    assert_eq!(outer[0].0, [0xFF, 0x20]);
    let inner = tlvs(&outer[0].1);
    let tags: Vec<_> = inner.iter().map(|(t, _)| t[1]).collect();
    assert_eq!(tags, [0x21, 0x22, 0x23, 0x24, 0x25]);
    assert_eq!(String::from_utf8(inner[1].1.clone()).unwrap(), holder.name);
    assert_eq!(String::from_utf8(inner[2].1.clone()).unwrap(), holder.address);
    assert_eq!(inner[3].1, b"19900515");
    assert_eq!(inner[4].1, b"2");
    assert!(holder.name.contains('\u{3000}'));

    // My Number file: FF 10 0C + 12 digits, 17 bytes, valid check digit.
    let file = &text.files[&facts::text::EF_MY_NUMBER].data;
    assert_eq!(file.len(), facts::text::MY_NUMBER_FILE_LEN);
    assert_eq!(&file[..3], [0xFF, 0x10, 0x0C]);
    let digits = std::str::from_utf8(&file[3..15]).unwrap();
    assert_eq!(digits, holder.my_number);
    let check = mynacard::carddata::my_number::check_digit(&digits.as_bytes()[..11]).unwrap();
    assert_eq!(digits.as_bytes()[11] - b'0', check);
}

#[test]
fn long_attributes_use_81_lengths() {
    let mut holder = Holder {
        address: "夢".repeat(50), // 150 bytes of UTF-8
        ..Holder::default()
    };
    let file = mynacard::sim::image::attributes_file(&holder);
    assert_eq!(&file[..3], [0xFF, 0x20, 0x81]);
    let outer = tlvs(&file);
    let inner = tlvs(&outer[0].1);
    assert_eq!(inner[2].1, holder.address.as_bytes());
    let addr_start = file.windows(2).position(|w| w == [0xDF, 0x23]).unwrap();
    assert_eq!(&file[addr_start..addr_start + 4], [0xDF, 0x23, 0x81, 150]);
    // Past 255 bytes: 82 xx xx.
    holder.address = "夢".repeat(100);
    let file = mynacard::sim::image::attributes_file(&holder);
    assert_eq!(&file[..3], [0xFF, 0x20, 0x82]);
    let inner = tlvs(&tlvs(&file)[0].1);
    assert_eq!(inner[2].1, holder.address.as_bytes());
}

#[test]
fn my_number_check_digit_follows_the_weights() {
    let my_number_check_digit = |s: &str| mynacard::carddata::my_number::check_digit(s.as_bytes());
    // p1..p11 from the right = 1,0,9,8,7,6,5,4,3,2,1; weights 2..7,2..6 → 212 ≡ 3 → 8.
    assert_eq!(my_number_check_digit("12345678901"), Some(8));
    assert_eq!(my_number_check_digit("00000000000"), Some(0)); // r = 0
    assert_eq!(my_number_check_digit("00000000006"), Some(0)); // r = 12 mod 11 = 1
    assert_eq!(my_number_check_digit("00000100000"), Some(4)); // p6 weight 7 → 11 - 7
    assert_eq!(my_number_check_digit("10000000000"), Some(5)); // p11 weight 6 → 11 - 6
    assert_eq!(my_number_check_digit("1234567890"), None);
    assert_eq!(my_number_check_digit("1234567890a"), None);
    assert_eq!(Holder::default().my_number, "123456789018");
}

#[test]
fn sex_codes_follow_each_encoding() {
    let h = Holder { sex: Sex::NotApplicable, ..Holder::default() };
    assert_eq!((h.sex_text_code(), h.sex_cert_code(), h.sex.face_code()), ("9", "3", "9"));
    let file = mynacard::sim::image::attributes_file(&h);
    assert_eq!(tlvs(&tlvs(&file)[0].1)[4].1, b"9");
    assert!(h.san_other_names().contains(&(pki::oid::SAN_SEX, "3".to_string())));
    // Unknown has a face digit only: the virtual card writes that 0 elsewhere too, a value
    // readers refuse (text application) or keep raw (certificate).
    let h = Holder { sex: Sex::Unknown, ..Holder::default() };
    assert_eq!((h.sex_text_code(), h.sex_cert_code(), h.sex.face_code()), ("0", "0", "0"));
}

#[test]
fn era_digits_and_birth_code() {
    use time::macros::date;
    let era_digit = |d| mynacard::carddata::era::Era::of(d).map_or(0, |(e, _)| e.digit());
    assert_eq!(era_digit(date!(1989 - 01 - 07)), 3);
    assert_eq!(era_digit(date!(1989 - 01 - 08)), 4);
    assert_eq!(era_digit(date!(2019 - 05 - 01)), 5);
    assert_eq!(era_digit(date!(1926 - 12 - 25)), 3);
    assert_eq!(era_digit(date!(1920 - 01 - 01)), 2);
    assert_eq!(era_digit(date!(1900 - 01 - 01)), 1);
    assert_eq!(Holder::default().birth_code(), "419900515");
}

// --------------------------------------------------------------------------------- OpenSSL

#[test]
fn openssl_accepts_both_certificates_and_responders() {
    let dir = committed_dir().join("pki");
    for h in ["sign", "auth"] {
        let root = format!("{h}-root.pem");
        for leaf in [format!("{h}-cert.pem"), format!("{h}-ocsp.pem")] {
            let (ok, out) = openssl_text(&dir, &["verify", "-CAfile", &root, &leaf]);
            assert!(ok && out.contains(": OK"), "{leaf}: {out}");
        }
        // Across hierarchies: refused.
        let other = if h == "sign" { "auth-root.pem" } else { "sign-root.pem" };
        let (ok, out) = openssl_text(&dir, &["verify", "-CAfile", other, &format!("{h}-cert.pem")]);
        assert!(!ok, "{out}");
    }
}

#[test]
fn openssl_verifies_every_crl_signature() {
    let dir = committed_dir().join("pki");
    for h in ["sign", "auth"] {
        for c in ["empty", "revoked", "hold", "other-city"] {
            let crl = format!("{h}-crl-{c}.pem");
            let root = format!("{h}-root.pem");
            let (ok, out) =
                openssl_text(&dir, &["crl", "-in", &crl, "-noout", "-verify", "-CAfile", &root]);
            assert!(ok && out.contains("verify OK"), "{crl}: {out}");
            let der = format!("{h}-crl-{c}.der");
            let (ok, out) = openssl_text(
                &dir,
                &["crl", "-inform", "DER", "-in", &der, "-noout", "-verify", "-CAfile", &root],
            );
            assert!(ok && out.contains("verify OK"), "{der}: {out}");
        }
    }
}

#[test]
fn openssl_applies_the_crls_by_distribution_point() {
    let dir = committed_dir().join("pki");
    for h in ["sign", "auth"] {
        let check = |crl: &str| {
            openssl_text(
                &dir,
                &[
                    "verify",
                    "-crl_check",
                    "-CRLfile",
                    &format!("{h}-crl-{crl}.pem"),
                    "-CAfile",
                    &format!("{h}-root.pem"),
                    &format!("{h}-cert.pem"),
                ],
            )
        };
        let (ok, out) = check("empty");
        assert!(ok, "empty: {out}");
        let (ok, out) = check("revoked");
        assert!(!ok && out.contains("certificate revoked"), "revoked: {out}");
        let (ok, out) = check("hold");
        assert!(!ok && out.contains("certificate revoked"), "hold: {out}");
        // Another municipality's CRL is out of scope: no CRL for this certificate.
        let (ok, out) = check("other-city");
        assert!(!ok && out.contains("different CRL scope"), "other: {out}");
    }
}

#[test]
fn openssl_ocsp_index_files_parse() {
    let dir = committed_dir().join("pki");
    let index = std::fs::read_to_string(dir.join("auth-index.txt")).unwrap();
    let fields: Vec<_> = index.trim_end().split('\t').collect();
    assert_eq!(
        fields,
        ["V", "350515145959Z", "", "02001234", "unknown", "/C=JP/CN=SIMA7Q2K9X1M3Z4F8"]
    );
    let revoked = std::fs::read_to_string(dir.join("sign-index-revoked.txt")).unwrap();
    assert!(revoked.starts_with("R\t350515145959Z\t250520030000Z,keyCompromise\t01001234\t"));
    // `openssl ocsp -index` loads it and answers a request built from the files.
    let tmp = tempfile::tempdir().unwrap();
    let req = tmp.path().join("req.der");
    let (ok, out) = openssl_text(
        &dir,
        &[
            "ocsp",
            "-no_nonce",
            "-issuer",
            "auth-root.pem",
            "-cert",
            "auth-cert.pem",
            "-reqout",
            req.to_str().unwrap(),
        ],
    );
    assert!(ok, "{out}");
    for (idx, status) in [("auth-index.txt", ": good"), ("auth-index-revoked.txt", ": revoked")] {
        let resp = tmp.path().join("resp.der");
        let (ok, out) = openssl_text(
            &dir,
            &[
                "ocsp",
                "-index",
                idx,
                "-rsigner",
                "auth-ocsp.pem",
                "-rkey",
                "auth-ocsp-key.pem",
                "-CA",
                "auth-root.pem",
                "-reqin",
                req.to_str().unwrap(),
                "-respout",
                resp.to_str().unwrap(),
            ],
        );
        assert!(ok, "{out}");
        let (ok, out) = openssl_text(
            &dir,
            &[
                "ocsp",
                "-no_nonce",
                "-respin",
                resp.to_str().unwrap(),
                "-issuer",
                "auth-root.pem",
                "-cert",
                "auth-cert.pem",
                "-CAfile",
                "auth-root.pem",
            ],
        );
        assert!(ok && out.contains("Response verify OK") && out.contains(status), "{idx}: {out}");
    }
}

// ------------------------------------------------------------------------- profile details

fn ext<'a, T: Decode<'a>>(cert: &'a Certificate, oid: der::asn1::ObjectIdentifier) -> (bool, T) {
    let e = cert
        .tbs_certificate
        .extensions
        .as_ref()
        .unwrap()
        .iter()
        .find(|e| e.extn_id == oid)
        .unwrap_or_else(|| panic!("no extension {oid}"));
    (e.critical, T::from_der(e.extn_value.as_bytes()).unwrap())
}

fn has_ext(cert: &Certificate, oid: der::asn1::ObjectIdentifier) -> bool {
    cert.tbs_certificate.extensions.as_ref().unwrap().iter().any(|e| e.extn_id == oid)
}

use const_oid::db::rfc5280 as o;

#[test]
fn signature_certificate_follows_the_jpki_profile() {
    let pki = default_pki();
    let cert = Certificate::from_der(&pki.sign.cert).unwrap();
    let tbs = &cert.tbs_certificate;
    assert_eq!(cert.signature_algorithm.oid, const_oid::db::rfc5912::SHA_256_WITH_RSA_ENCRYPTION);
    assert_eq!(tbs.issuer, *pki.sign.root.name());
    assert_eq!(tbs.issuer.to_string(), "OU=Japan Agency for Local Authority Information Systems,OU=JPKI for digital signature,O=JPKI-SIM,C=JP");
    assert_eq!(tbs.subject.to_string(), "CN=SIM20250401S0000001,L=Yumemi-shi,L=Nijiiro-ken,C=JP");
    assert_eq!(
        tbs.validity.not_after.to_unix_duration().as_secs() % 86400,
        14 * 3600 + 59 * 60 + 59
    );
    let (crit, ku): (bool, KeyUsage) = ext(&cert, o::ID_CE_KEY_USAGE);
    assert!(crit);
    assert_eq!(ku.0, KeyUsages::DigitalSignature | KeyUsages::NonRepudiation);
    let (crit, cp): (bool, CertificatePolicies) = ext(&cert, o::ID_CE_CERTIFICATE_POLICIES);
    assert!(crit);
    assert_eq!(cp.0.len(), 1);
    assert_eq!(cp.0[0].policy_identifier.to_string(), "1.2.392.200149.8.5.1.1.20");
    let (_, san): (bool, SubjectAltName) = ext(&cert, o::ID_CE_SUBJECT_ALT_NAME);
    let values: Vec<(String, String)> = san
        .0
        .iter()
        .map(|g| match g {
            GeneralName::OtherName(on) => (
                on.type_id.to_string(),
                der::asn1::Utf8StringRef::try_from(&on.value).unwrap().to_string(),
            ),
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    let h = Holder::default();
    assert_eq!(
        values,
        [
            ("1.2.392.200149.8.5.5.1".to_string(), "番号　花子".to_string()),
            ("1.2.392.200149.8.5.5.2".to_string(), h.name_flags.clone()),
            ("1.2.392.200149.8.5.5.3".to_string(), "2".to_string()),
            ("1.2.392.200149.8.5.5.4".to_string(), "419900515".to_string()),
            ("1.2.392.200149.8.5.5.5".to_string(), h.address.clone()),
            ("1.2.392.200149.8.5.5.6".to_string(), h.address_flags.clone()),
        ]
    );
    let (_, ian): (bool, x509_cert::ext::pkix::IssuerAltName) =
        ext(&cert, o::ID_CE_ISSUER_ALT_NAME);
    match &ian.0[..] {
        [GeneralName::DirectoryName(n)] => assert_eq!(n.to_string(), "O=公的個人認証サービス,C=JP"),
        other => panic!("{other:?}"),
    }
    assert_crldp(&cert, &pki.sign.crl_dp, "CN=Yumemi-shi CRLDP,OU=Nijiiro-ken,OU=CRL Distribution Points,OU=JPKI for digital signature,O=JPKI-SIM,C=JP");
    assert_full_aki(&cert, &pki.sign.root);
    assert!(has_ext(&cert, o::ID_CE_SUBJECT_KEY_IDENTIFIER));
    assert!(!has_ext(&cert, o::ID_PE_AUTHORITY_INFO_ACCESS));
    // Only keyUsage and certificatePolicies are critical.
    let critical: Vec<_> =
        tbs.extensions.as_ref().unwrap().iter().filter(|e| e.critical).map(|e| e.extn_id).collect();
    assert_eq!(critical, [o::ID_CE_KEY_USAGE, o::ID_CE_CERTIFICATE_POLICIES]);
}

fn assert_crldp(cert: &Certificate, expected: &x509_cert::name::Name, text: &str) {
    let (crit, dps): (bool, CrlDistributionPoints) = ext(cert, o::ID_CE_CRL_DISTRIBUTION_POINTS);
    assert!(!crit);
    match &dps.0[..] {
        [DistributionPoint {
            distribution_point: Some(DistributionPointName::FullName(names)),
            reasons: None,
            crl_issuer: None,
        }] => {
            assert_eq!(names, &vec![GeneralName::DirectoryName(expected.clone())]);
            assert_eq!(expected.to_string(), text);
        }
        other => panic!("{other:?}"),
    }
}

fn assert_full_aki(cert: &Certificate, issuer: &Issuer) {
    let (_, aki): (bool, AuthorityKeyIdentifier) = ext(cert, o::ID_CE_AUTHORITY_KEY_IDENTIFIER);
    assert_eq!(aki.key_identifier.unwrap().as_bytes(), issuer.key_id());
    assert_eq!(
        aki.authority_cert_issuer.unwrap(),
        vec![GeneralName::DirectoryName(issuer.name().clone())]
    );
    assert_eq!(aki.authority_cert_serial_number.unwrap(), *issuer.serial());
}

#[test]
fn authentication_certificate_follows_the_jpki_profile() {
    let pki = default_pki();
    let cert = Certificate::from_der(&pki.auth.cert).unwrap();
    assert_eq!(cert.tbs_certificate.subject.to_string(), "CN=SIMA7Q2K9X1M3Z4F8,C=JP");
    let (crit, ku): (bool, KeyUsage) = ext(&cert, o::ID_CE_KEY_USAGE);
    assert!(crit);
    assert_eq!(ku.0, der::flagset::FlagSet::from(KeyUsages::DigitalSignature));
    let (_, eku): (bool, ExtendedKeyUsage) = ext(&cert, o::ID_CE_EXT_KEY_USAGE);
    assert_eq!(eku.0, [o::ID_KP_CLIENT_AUTH]);
    let (crit, cp): (bool, CertificatePolicies) = ext(&cert, o::ID_CE_CERTIFICATE_POLICIES);
    assert!(crit);
    assert_eq!(cp.0[0].policy_identifier.to_string(), "1.2.392.200149.8.5.1.3.30");
    let (_, aia): (bool, AuthorityInfoAccessSyntax) = ext(&cert, o::ID_PE_AUTHORITY_INFO_ACCESS);
    assert_eq!(aia.0[0].access_method, o::ID_AD_OCSP);
    match &aia.0[0].access_location {
        GeneralName::UniformResourceIdentifier(u) => {
            assert_eq!(u.as_str(), "http://127.0.0.1:18080/ocsp")
        }
        other => panic!("{other:?}"),
    }
    assert!(!has_ext(&cert, o::ID_CE_SUBJECT_ALT_NAME));
    assert_crldp(&cert, &pki.auth.crl_dp, "CN=Yumemi-shi CRLDP,OU=Nijiiro-ken,OU=CRL Distribution Points,OU=JPKI for user authentication,O=JPKI-SIM,C=JP");
    assert_full_aki(&cert, &pki.auth.root);
}

#[test]
fn roots_and_responders_have_their_extensions() {
    let pki = default_pki();
    for h in [&pki.sign, &pki.auth] {
        let root = h.root.certificate();
        assert_eq!(root.tbs_certificate.issuer, root.tbs_certificate.subject);
        let (crit, bc): (bool, x509_cert::ext::pkix::BasicConstraints) =
            ext(root, o::ID_CE_BASIC_CONSTRAINTS);
        assert!(crit && bc.ca);
        let (crit, ku): (bool, KeyUsage) = ext(root, o::ID_CE_KEY_USAGE);
        assert!(crit);
        assert_eq!(ku.0, KeyUsages::KeyCertSign | KeyUsages::CRLSign);
        assert!(has_ext(root, o::ID_CE_SUBJECT_KEY_IDENTIFIER));
        let ocsp = h.ocsp.certificate();
        assert_eq!(ocsp.tbs_certificate.issuer, *h.root.name());
        let (_, eku): (bool, ExtendedKeyUsage) = ext(ocsp, o::ID_CE_EXT_KEY_USAGE);
        assert_eq!(eku.0, [o::ID_KP_OCSP_SIGNING]);
        assert!(has_ext(ocsp, const_oid::db::rfc6960::ID_PKIX_OCSP_NOCHECK));
    }
    assert_eq!(pki.sign.root.certificate().tbs_certificate.subject.to_string(),
        "OU=Japan Agency for Local Authority Information Systems,OU=JPKI for digital signature,O=JPKI-SIM,C=JP");
    assert_eq!(pki.auth.root.certificate().tbs_certificate.subject.to_string(),
        "OU=Japan Agency for Local Authority Information Systems,OU=JPKI for user authentication,O=JPKI-SIM,C=JP");
}

fn crl_idp(crl: &CertificateList) -> (bool, IssuingDistributionPoint) {
    let e = crl
        .tbs_cert_list
        .crl_extensions
        .as_ref()
        .unwrap()
        .iter()
        .find(|e| e.extn_id == o::ID_CE_ISSUING_DISTRIBUTION_POINT)
        .expect("IDP present under its real OID");
    (e.critical, IssuingDistributionPoint::from_der(e.extn_value.as_bytes()).unwrap())
}

fn entry_reason(entry: &x509_cert::crl::RevokedCert) -> CrlReason {
    let e = &entry.crl_entry_extensions.as_ref().unwrap()[0];
    assert_eq!(e.extn_id, o::ID_CE_CRL_REASONS);
    CrlReason::from_der(e.extn_value.as_bytes()).unwrap()
}

#[test]
fn crls_are_partitioned_and_hold_the_right_entries() {
    let pki = default_pki();
    for h in [&pki.sign, &pki.auth] {
        let serial =
            x509_cert::serial_number::SerialNumber::new(&h.cert_serial.to_be_bytes()).unwrap();
        for (der, dp) in [
            (&h.crl_empty, &h.crl_dp),
            (&h.crl_revoked, &h.crl_dp),
            (&h.crl_hold, &h.crl_dp),
            (&h.crl_other_city, &h.other_crl_dp),
        ] {
            let crl = CertificateList::from_der(der).unwrap();
            assert_eq!(crl.tbs_cert_list.version, x509_cert::Version::V2);
            assert_eq!(crl.tbs_cert_list.issuer, *h.root.name());
            assert!(crl.tbs_cert_list.next_update.is_some());
            let (crit, idp) = crl_idp(&crl);
            assert!(crit);
            assert_eq!(
                idp.distribution_point,
                Some(DistributionPointName::FullName(vec![GeneralName::DirectoryName(dp.clone())]))
            );
        }
        assert_ne!(h.crl_dp, h.other_crl_dp);
        assert!(CertificateList::from_der(&h.crl_empty)
            .unwrap()
            .tbs_cert_list
            .revoked_certificates
            .is_none());
        let revoked = CertificateList::from_der(&h.crl_revoked)
            .unwrap()
            .tbs_cert_list
            .revoked_certificates
            .unwrap();
        assert_eq!(revoked.len(), 5);
        let mine: Vec<_> = revoked.iter().filter(|r| r.serial_number == serial).collect();
        assert_eq!(mine.len(), 1);
        assert_eq!(entry_reason(mine[0]), CrlReason::KeyCompromise);
        let hold = CertificateList::from_der(&h.crl_hold)
            .unwrap()
            .tbs_cert_list
            .revoked_certificates
            .unwrap();
        assert_eq!(hold.len(), 1);
        assert_eq!(hold[0].serial_number, serial);
        assert_eq!(entry_reason(&hold[0]), CrlReason::CertificateHold);
    }
}

/// Check a CRL's or certificate's signature over the TBS bytes as they are.
fn verify_signed(der: &[u8], issuer: &Issuer) {
    let outer = der::asn1::AnyRef::from_der(der).unwrap();
    let mut reader = der::SliceReader::new(outer.value()).unwrap();
    let tbs: der::asn1::AnyRef = der::Reader::decode(&mut reader).unwrap();
    let _alg: spki::AlgorithmIdentifierRef = der::Reader::decode(&mut reader).unwrap();
    let sig: der::asn1::BitStringRef = der::Reader::decode(&mut reader).unwrap();
    let tbs_der = tbs.to_der().unwrap();
    let key = VerifyingKey::<Sha256>::new(issuer.key().to_public_key());
    let sig = rsa::pkcs1v15::Signature::try_from(sig.raw_bytes()).unwrap();
    key.verify(&tbs_der, &sig).unwrap();
}

#[test]
fn a_million_entry_crl_is_built_quickly_and_verifies() {
    let pki = default_pki();
    let spec = CrlSpec {
        crl_number: 42,
        this_update: datetime!(2026-01-01 00:00:00 UTC),
        next_update: Some(datetime!(2026-01-02 00:00:00 UTC)),
        distribution_point: Some(pki.auth.crl_dp.clone()),
        entries: Vec::new(),
    };
    let start = std::time::Instant::now();
    let entries = (0..1_000_000u64).map(|i| RevokedEntry {
        serial: 0x0300_0000 + i,
        revoked_at: datetime!(2025-12-01 00:00:00 UTC),
        reason: if i % 10 == 0 { Some(CrlReason::CertificateHold) } else { None },
    });
    let crl = build_crl_with(&pki.auth.root, &spec, entries).unwrap();
    let took = start.elapsed();
    assert!(crl.len() > 20_000_000 && crl.len() < 30_000_000, "{}", crl.len());
    assert!(took.as_secs() < 30, "{took:?}");
    verify_signed(&crl, &pki.auth.root);
}

#[test]
fn build_crl_matches_x509_cert_decoding() {
    let pki = default_pki();
    let spec = CrlSpec {
        crl_number: 300,
        this_update: datetime!(2026-01-01 00:00:00 UTC),
        next_update: None,
        distribution_point: None,
        entries: vec![
            RevokedEntry {
                serial: 0x80,
                revoked_at: datetime!(2026-01-01 00:00:00 UTC),
                reason: None,
            },
            RevokedEntry {
                serial: 1,
                revoked_at: datetime!(2050-06-01 00:00:00 UTC),
                reason: Some(CrlReason::Superseded),
            },
        ],
    };
    let der = build_crl(&pki.sign.root, &spec).unwrap();
    verify_signed(&der, &pki.sign.root);
    let crl = CertificateList::from_der(&der).unwrap();
    // The crate re-encodes it identically: the hand-written DER is canonical.
    assert_eq!(crl.to_der().unwrap(), der);
    let tbs = &crl.tbs_cert_list;
    assert!(tbs.next_update.is_none());
    let entries = tbs.revoked_certificates.as_ref().unwrap();
    // 0x80 needs a leading zero octet to stay positive.
    assert_eq!(entries[0].serial_number.as_bytes(), [0x00, 0x80]);
    assert!(entries[0].crl_entry_extensions.is_none());
    assert!(matches!(entries[1].revocation_date, x509_cert::time::Time::GeneralTime(_)));
    assert_eq!(entry_reason(&entries[1]), CrlReason::Superseded);
    assert!(!tbs
        .crl_extensions
        .as_ref()
        .unwrap()
        .iter()
        .any(|e| e.extn_id == o::ID_CE_ISSUING_DISTRIBUTION_POINT));
}

// ------------------------------------------------------------- the issuing API, negatively

#[test]
fn issuing_api_makes_negative_cases_openssl_rejects() {
    let pki = default_pki();
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("root.pem"), pki.auth.root.cert_pem().unwrap()).unwrap();
    let subject_key = pki.auth.key.to_public_key();
    let base = || {
        CertSpec::jpki_auth(
            0x99,
            dn(&[("C", "JP"), ("CN", "NEGATIVE")]).unwrap(),
            pki.auth.crl_dp.clone(),
        )
        .unwrap()
    };
    let check = |name: &str, spec: &CertSpec, issuer: &Issuer| {
        let der = issuer.issue(&subject_key, spec).unwrap();
        let file = tmp.path().join(format!("{name}.pem"));
        std::fs::write(&file, to_pem("CERTIFICATE", &der).unwrap()).unwrap();
        openssl_text(tmp.path(), &["verify", "-CAfile", "root.pem", file.to_str().unwrap()])
    };
    let (ok, out) = check("good", &base(), &pki.auth.root);
    assert!(ok, "{out}");
    let mut expired = base();
    expired.not_before = datetime!(2015-01-01 00:00:00 UTC);
    expired.not_after = datetime!(2020-01-01 14:59:59 UTC);
    let (ok, out) = check("expired", &expired, &pki.auth.root);
    assert!(!ok && out.contains("certificate has expired"), "{out}");
    let mut future = base();
    future.not_before = datetime!(2040-01-01 00:00:00 UTC);
    let (ok, out) = check("future", &future, &pki.auth.root);
    assert!(!ok && out.contains("not yet valid"), "{out}");
    let mut unknown = base();
    unknown.extra_extensions.push(unknown_critical_extension().unwrap());
    let (ok, out) = check("unknown", &unknown, &pki.auth.root);
    assert!(!ok && out.contains("unhandled critical extension"), "{out}");
    // Issued by the wrong root (same hierarchy name, other key).
    let other_root = Issuer::self_signed(
        generate_key(7, 0, 2048).unwrap(),
        &CertSpec::jpki_root(0x0200_0001, root_dn(OU_AUTH).unwrap()),
    )
    .unwrap();
    let (ok, out) = check("wrong-root", &base(), &other_root);
    assert!(!ok, "{out}");
    // Fields openssl does not judge but our verifier must: present as asked.
    let mut wrong = base();
    wrong.key_usage = Some(KeyUsage(KeyUsages::KeyEncipherment.into()));
    wrong.policies = vec![der::asn1::ObjectIdentifier::new_unwrap("1.2.392.200149.8.5.1.0.30")];
    wrong.ocsp_url = None;
    wrong.authority_key_id = AkiStyle::KeyIdOnly;
    let cert = Certificate::from_der(&pki.auth.root.issue(&subject_key, &wrong).unwrap()).unwrap();
    let (_, ku): (bool, KeyUsage) = ext(&cert, o::ID_CE_KEY_USAGE);
    assert_eq!(ku.0, der::flagset::FlagSet::from(KeyUsages::KeyEncipherment));
    let (_, cp): (bool, CertificatePolicies) = ext(&cert, o::ID_CE_CERTIFICATE_POLICIES);
    assert_eq!(cp.0[0].policy_identifier.to_string(), "1.2.392.200149.8.5.1.0.30");
    assert!(!has_ext(&cert, o::ID_PE_AUTHORITY_INFO_ACCESS));
    let (_, aki): (bool, AuthorityKeyIdentifier) = ext(&cert, o::ID_CE_AUTHORITY_KEY_IDENTIFIER);
    assert!(aki.key_identifier.is_some() && aki.authority_cert_issuer.is_none());
}

#[test]
fn same_seed_same_keys_other_seed_other_keys() {
    let a = generate_key(99, 3, 1024).unwrap();
    let b = generate_key(99, 3, 1024).unwrap();
    let c = generate_key(99, 4, 1024).unwrap();
    let d = generate_key(100, 3, 1024).unwrap();
    assert!(a == b);
    assert!(a != c && a != d);
}

// --------------------------------------------------------------------------- PkiError walk

#[test]
fn pki_error_variants() {
    let err = generate_key(1, 0, 8).unwrap_err();
    assert!(matches!(err, PkiError::KeyGeneration { bits: 8, .. }), "{err}");
    assert!(err.to_string().contains("8-bit"));

    let err = dn(&[("XX", "y")]).unwrap_err();
    assert!(
        matches!(err, PkiError::InvalidName { ref attribute, .. } if attribute == "XX"),
        "{err}"
    );
    let err = dn(&[("C", "日本")]).unwrap_err();
    assert!(err.to_string().contains("attribute C: not a PrintableString"), "{err}");
    let err = dn(&[("CN", "")]).unwrap_err();
    assert!(err.to_string().contains("empty value"), "{err}");

    let err = x509_time(datetime!(1960-01-01 00:00:00 UTC)).unwrap_err();
    assert!(matches!(err, PkiError::TimeOutOfRange(ref t) if t.contains("1960")), "{err}");

    let err =
        Issuer::from_parts(vec![0x30, 0x03, 0x02, 0x01, 0x01], default_pki().sign.key.clone())
            .unwrap_err();
    assert!(matches!(err, PkiError::Der { what: "certificate", .. }), "{err}");

    let err = Issuer::from_parts(default_pki().sign.cert.clone(), default_pki().auth.key.clone())
        .unwrap_err();
    assert!(matches!(err, PkiError::KeyMismatch { .. }), "{err}");
    assert!(err.to_string().contains("CN=SIM20250401S0000001"), "{err}");

    // A 256-bit key cannot hold a SHA-256 DigestInfo.
    let tiny = generate_key(1, 0, 256).unwrap();
    let err = sign_sha256(&tiny, b"data").unwrap_err();
    assert!(matches!(err, PkiError::Signing { bits: 256, .. }), "{err}");

    let mut spec =
        CertSpec::jpki_auth(5, dn(&[("CN", "x")]).unwrap(), default_pki().auth.crl_dp.clone())
            .unwrap();
    spec.ocsp_url = Some("http://例え.jp/ocsp".to_string());
    let err =
        default_pki().auth.root.issue(&default_pki().auth.key.to_public_key(), &spec).unwrap_err();
    assert!(matches!(err, PkiError::NotIa5 { what: "OCSP URL", .. }), "{err}");
}

// ------------------------------------------------------------------------- ImageError walk

fn image_dir(json: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("card.json"), json).unwrap();
    dir
}

fn load_json(json: &str) -> Result<CardImage, ImageError> {
    let dir = image_dir(json);
    CardImage::load(dir.path())
}

/// A public-only dump: no PINs, no keys.
const PUBLIC_DUMP: &str = r#"{
  "format": "mynacard-card-image",
  "version": 1,
  "comment": "certificates read off a card",
  "atr": "3B E0 00 FF 81 31 FE 45 14",
  "apps": [
    { "name": "jpki", "aid": "D392F000260100000001",
      "files": [ { "fid": "000A", "read": "free", "hex": "30 03 02 01 01" },
                 { "fid": "0006", "read": "free", "hex": "4A504B49" } ] }
  ]
}"#;

#[test]
fn a_public_only_dump_loads_and_round_trips() {
    let image = load_json(PUBLIC_DUMP).unwrap();
    assert_eq!(image.atr, facts::SIM_ATR);
    let app = image.app(&facts::AID_JPKI).unwrap();
    assert!(app.pins.is_empty() && app.keys.is_empty());
    assert_eq!(app.files[&0x000A].data, [0x30, 0x03, 0x02, 0x01, 0x01]);
    // Save and load again: the DER file goes to its own file, the other stays inline.
    let out = tempfile::tempdir().unwrap();
    image.save(out.path()).unwrap();
    assert_eq!(
        std::fs::read(out.path().join("jpki/000A.der")).unwrap(),
        [0x30, 0x03, 0x02, 0x01, 0x01]
    );
    let json = std::fs::read_to_string(out.path().join("card.json")).unwrap();
    assert!(json.contains("\"hex\": \"4A504B49\""), "{json}");
    assert_same_image(&CardImage::load(out.path()).unwrap(), &image);
}

#[test]
fn a_full_image_round_trips_through_save_and_load() {
    let mut image = CardImage::default_image();
    image.apps[2].name = "../evil".to_string(); // unsafe names get a neutral directory
    image.app_mut(&facts::AID_JPKI).unwrap().pins.get_mut(&0x0018).unwrap().tries_left = 1;
    let out = tempfile::tempdir().unwrap();
    image.save(out.path()).unwrap();
    let back = CardImage::load(out.path()).unwrap();
    assert_same_image(&back, &image);
    assert_eq!(back.apps[2].name, "../evil");
    assert!(!out.path().parent().unwrap().join("evil").exists());
}

fn with_file(field: &str) -> String {
    PUBLIC_DUMP.replace(r#""hex": "30 03 02 01 01""#, field)
}

#[test]
fn image_error_io() {
    let tmp = tempfile::tempdir().unwrap();
    let blocker = tmp.path().join("file");
    std::fs::write(&blocker, b"x").unwrap();
    let err = CardImage::default_image().save(&blocker.join("sub")).unwrap_err();
    assert!(matches!(err, ImageError::Io { .. }), "{err}");
    assert!(err.to_string().contains("file"), "{err}");
    // card.json that is a directory: refused before it is opened.
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("card.json")).unwrap();
    let err = CardImage::load(dir.path()).unwrap_err();
    assert!(matches!(err, ImageError::NotRegularFile { .. }), "{err}");
}

#[test]
fn image_error_missing_file() {
    let err = CardImage::load(tempfile::tempdir().unwrap().path()).unwrap_err();
    assert!(matches!(err, ImageError::MissingFile { .. }), "{err}");
    assert!(err.to_string().contains("card.json"), "{err}");
    let err = load_json(&with_file(r#""path": "jpki/nope.der""#)).unwrap_err();
    assert!(matches!(err, ImageError::MissingFile { .. }), "{err}");
    assert!(
        err.to_string().contains("nope.der") && err.to_string().contains("apps[0].files[0].path"),
        "{err}"
    );
}

#[test]
fn image_error_json_malformed_and_unknown_field() {
    let err = load_json("{ not json").unwrap_err();
    assert!(matches!(err, ImageError::Json { .. }), "{err}");
    assert!(err.to_string().contains("card.json"), "{err}");
    let err = load_json(&PUBLIC_DUMP.replace("\"comment\"", "\"colour\"")).unwrap_err();
    assert!(matches!(err, ImageError::Json { .. }), "{err}");
    assert!(err.to_string().contains("unknown field `colour`"), "{err}");
    let err = load_json(&with_file(r#""hex": "00", "size": 3"#)).unwrap_err();
    assert!(err.to_string().contains("unknown field `size`"), "{err}");
    let err = load_json(&PUBLIC_DUMP.replace("\"version\": 1", "\"version\": \"1\"")).unwrap_err();
    assert!(matches!(err, ImageError::Json { .. }), "{err}");
}

#[test]
fn image_error_unsupported_format() {
    let err = load_json(&PUBLIC_DUMP.replace("\"version\": 1", "\"version\": 2")).unwrap_err();
    assert!(matches!(err, ImageError::UnsupportedFormat { .. }), "{err}");
    assert!(err.to_string().contains("version 2"), "{err}");
}

#[test]
fn image_error_bad_hex() {
    let err = load_json(&with_file(r#""hex": "30 0""#)).unwrap_err();
    assert!(
        matches!(err, ImageError::BadHex { ref field, .. } if field == "apps[0].files[0].hex"),
        "{err}"
    );
    let err = load_json(&PUBLIC_DUMP.replace("3B E0", "3G E0")).unwrap_err();
    assert!(matches!(err, ImageError::BadHex { ref field, .. } if field == "atr"), "{err}");
}

#[test]
fn image_error_bad_fid() {
    let err = load_json(&PUBLIC_DUMP.replace("\"fid\": \"000A\"", "\"fid\": \"0A\"")).unwrap_err();
    assert!(matches!(err, ImageError::BadFid { len: 1, .. }), "{err}");
    assert!(err.to_string().contains("apps[0].files[0].fid"), "{err}");
}

#[test]
fn image_error_bad_access() {
    let err = load_json(&PUBLIC_DUMP.replace("\"read\": \"free\"", "\"read\": \"sometimes\""))
        .unwrap_err();
    assert!(
        matches!(err, ImageError::BadAccess { ref value, .. } if value == "sometimes"),
        "{err}"
    );
    // pin:XXXX with a bad FID is a FID error of the same field.
    let err =
        load_json(&PUBLIC_DUMP.replace("\"read\": \"free\"", "\"read\": \"pin:1B\"")).unwrap_err();
    assert!(matches!(err, ImageError::BadFid { .. }), "{err}");
}

#[test]
fn image_error_unsafe_path() {
    for path in ["../outside.der", "/etc/passwd", "a/../../b", ""] {
        let err = load_json(&with_file(&format!(r#""path": "{path}""#))).unwrap_err();
        assert!(matches!(err, ImageError::UnsafePath { .. }), "{path}: {err}");
    }
}

fn with_key(pem: &[u8]) -> Result<CardImage, ImageError> {
    let json = PUBLIC_DUMP.replace(
        r#""files": ["#,
        r#""pins": [ { "fid": "0018", "value": "1234", "tries_left": 3, "max_tries": 3 } ],
           "keys": [ { "fid": "0017", "path": "k.pem", "pin": "0018" } ],
           "files": ["#,
    );
    let dir = image_dir(&json);
    std::fs::write(dir.path().join("k.pem"), pem).unwrap();
    CardImage::load(dir.path())
}

#[test]
fn image_error_bad_key() {
    let err =
        with_key(b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n").unwrap_err();
    assert!(matches!(err, ImageError::BadKey { .. }), "{err}");
    assert!(err.to_string().contains("k.pem"), "{err}");
    let err = with_key(&[0xFF, 0xFE]).unwrap_err();
    assert!(matches!(err, ImageError::BadKey { .. }), "{err}");
    // A good key loads.
    let pem = std::fs::read(committed_dir().join("jpki/0017.key.pem")).unwrap();
    let image = with_key(&pem).unwrap();
    assert!(image.apps[0].keys[&0x0017].key == default_pki().auth.key);
}

#[test]
fn image_error_duplicate() {
    let err =
        load_json(&PUBLIC_DUMP.replace("\"fid\": \"0006\"", "\"fid\": \"000A\"")).unwrap_err();
    assert!(
        matches!(err, ImageError::Duplicate { ref field, .. } if field == "apps[0].files[1].fid"),
        "{err}"
    );
    let two_apps = PUBLIC_DUMP
        .replace("\"apps\": [", r#""apps": [ { "name": "twin", "aid": "D392F000260100000001" },"#);
    let err = load_json(&two_apps).unwrap_err();
    assert!(
        matches!(err, ImageError::Duplicate { ref field, .. } if field == "apps[1].aid"),
        "{err}"
    );
}

#[test]
fn image_error_invalid() {
    let err = load_json(&with_file(r#""hex": "00", "path": "x.der""#)).unwrap_err();
    assert!(matches!(err, ImageError::Invalid { .. }), "{err}");
    let err = load_json(
        &with_file(r#""read": "free""#)
            .replace(r#""read": "free", "read": "free""#, r#""read": "free""#),
    )
    .unwrap_err();
    assert!(matches!(err, ImageError::Invalid { .. } | ImageError::Json { .. }), "{err}");
    let pins = PUBLIC_DUMP.replace(
        r#""files": ["#,
        r#""pins": [ { "fid": "0018", "value": "SECRETPIN", "tries_left": 4, "max_tries": 3 } ], "files": ["#,
    );
    let err = load_json(&pins).unwrap_err();
    assert!(
        matches!(err, ImageError::Invalid { ref field, .. } if field == "apps[0].pins[0]"),
        "{err}"
    );
    assert!(!err.to_string().contains("SECRETPIN"));
    let err = load_json(&PUBLIC_DUMP.replace("3B E0 00 FF 81 31 FE 45 14", "")).unwrap_err();
    assert!(matches!(err, ImageError::Invalid { ref field, .. } if field == "atr"), "{err}");
}

#[test]
fn image_error_pki() {
    let holder = Holder { prefecture: String::new(), ..Holder::default() };
    let err = write_image(tempfile::tempdir().unwrap().path(), 1, &holder).unwrap_err();
    assert!(matches!(err, ImageError::Pki(PkiError::InvalidName { .. })), "{err}");
    assert!(err.to_string().starts_with("test PKI:"), "{err}");
}
