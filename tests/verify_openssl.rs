//! Verification against fixtures made at test time with the real `openssl` CLI, and every
//! verdict compared with `openssl verify` / `openssl cms -verify` on the same files.

mod openssl_pki;

use openssl_pki::{ok, openssl};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use mynacard::verify::result::Failure;
use mynacard::verify::{
    self, AnchorSource, CertKind, HashAlg, Hierarchy, Judgement, RevocationChecker,
    RevocationOutcome, RevocationPolicy, Sex, Timestamp, TrustAnchor, Verdict, VerifyError,
    VerifyOptions,
};
use x509_cert::Certificate;

const SIGN_POLICY: &str = "1.2.392.200149.8.5.1.1.20";
const AUTH_POLICY: &str = "1.2.392.200149.8.5.1.3.30";

const ROOT_CNF: &str = "\
[req]
distinguished_name = dn
prompt = no
[dn]
C = JP
O = JPKI-SIM
0.OU = JPKI for digital signature
1.OU = Japan Agency for Local Authority Information Systems
[root_ext]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[not_ca_ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
";

const EE_COMMON: &str = "\
authorityKeyIdentifier = keyid:always, issuer:always
subjectKeyIdentifier = hash
issuerAltName = dirName:ian_dn
crlDistributionPoints = crldp
[ian_dn]
C = JP
O = 公的個人認証サービス
[crldp]
fullname = dirName:crldp_dn
[crldp_dn]
C = JP
O = JPKI-SIM
0.OU = JPKI for digital signature
1.OU = CRL Distribution Points
2.OU = Tokyo-to
CN = Chiyoda-ku CRLDP
[san]
otherName.1 = 1.2.392.200149.8.5.5.1;FORMAT:UTF8,UTF8:山田　太郎
otherName.2 = 1.2.392.200149.8.5.5.4;FORMAT:UTF8,UTF8:419900102
otherName.3 = 1.2.392.200149.8.5.5.3;FORMAT:UTF8,UTF8:2
otherName.4 = 1.2.392.200149.8.5.5.5;FORMAT:UTF8,UTF8:東京都千代田区千代田１－１
otherName.5 = 1.2.392.200149.8.5.5.2;FORMAT:UTF8,UTF8:00000
otherName.6 = 1.2.392.200149.8.5.5.6;FORMAT:UTF8,UTF8:0000000000000
otherName.7 = 1.2.392.200149.8.5.5.9;FORMAT:UTF8,UTF8:ヤマダ
[bad_san]
otherName.1 = 1.2.392.200149.8.5.5.1;PRINTABLESTRING:YAMADA
";

/// Extension sections of the end-entity variants.
fn ee_ext(variant: &str) -> String {
    let body = match variant {
        "sign" => format!(
            "keyUsage = critical, digitalSignature, nonRepudiation\n\
             certificatePolicies = critical, {SIGN_POLICY}\nsubjectAltName = @san\n"
        ),
        "auth" => format!(
            "keyUsage = critical, digitalSignature\nextendedKeyUsage = clientAuth\n\
             certificatePolicies = critical, {AUTH_POLICY}\n"
        ),
        "auth_no_eku" => format!(
            "keyUsage = critical, digitalSignature\n\
             certificatePolicies = critical, {AUTH_POLICY}\n"
        ),
        "wrong_ku" => format!(
            "keyUsage = critical, keyEncipherment\n\
             certificatePolicies = critical, {SIGN_POLICY}\nsubjectAltName = @san\n"
        ),
        "wrong_policy" => "keyUsage = critical, digitalSignature, nonRepudiation\n\
             certificatePolicies = critical, 1.2.3.4\nsubjectAltName = @san\n"
            .to_string(),
        "unknown_kind" => "keyUsage = critical, keyEncipherment\n\
             certificatePolicies = critical, 1.2.3.4\n"
            .to_string(),
        "unknown_critical" => format!(
            "keyUsage = critical, digitalSignature, nonRepudiation\n\
             certificatePolicies = critical, {SIGN_POLICY}\nsubjectAltName = @san\n\
             1.2.3.4.5 = critical, ASN1:NULL\n"
        ),
        "ee_ca" => format!(
            "basicConstraints = critical, CA:TRUE\n\
             keyUsage = critical, digitalSignature, nonRepudiation\n\
             certificatePolicies = critical, {SIGN_POLICY}\nsubjectAltName = @san\n"
        ),
        "bad_san" => format!(
            "keyUsage = critical, digitalSignature, nonRepudiation\n\
             certificatePolicies = critical, {SIGN_POLICY}\nsubjectAltName = @bad_san\n"
        ),
        other => panic!("unknown variant {other}"),
    };
    format!("[ext]\n{body}{EE_COMMON}")
}

struct Pki {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
}

impl Pki {
    /// Two roots with one DN (two "generations"), a third with the same DN but not a CA, and
    /// one end-entity key with its CSR.
    fn new() -> Pki {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().to_path_buf();
        std::fs::write(dir.join("root.cnf"), ROOT_CNF).unwrap();
        for (name, ext, serial) in
            [("root1", "root_ext", "1"), ("root2", "root_ext", "2"), ("notca", "not_ca_ext", "3")]
        {
            ok(
                &dir,
                &[
                    "req",
                    "-x509",
                    "-newkey",
                    "rsa:2048",
                    "-nodes",
                    "-keyout",
                    &format!("{name}.key"),
                    "-out",
                    &format!("{name}.pem"),
                    "-days",
                    "3650",
                    "-config",
                    "root.cnf",
                    "-extensions",
                    ext,
                    "-set_serial",
                    serial,
                    "-sha256",
                ],
            );
            ok(
                &dir,
                &[
                    "x509",
                    "-in",
                    &format!("{name}.pem"),
                    "-outform",
                    "DER",
                    "-out",
                    &format!("{name}.der"),
                ],
            );
        }
        openssl_pki::new_key_and_csr(&dir, "/C=JP/CN=SIM0001", &["-new", "-config", "root.cnf"]);
        Pki { _tmp: tmp, dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    fn read(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.path(name)).unwrap()
    }

    /// Issues `variant` from `root` valid for `days`; returns the base file name.
    fn issue(&self, variant: &str, root: &str, serial: &str, days: &str, md: &str) -> String {
        let name = format!("{variant}-{root}-{serial}-{md}");
        std::fs::write(self.path(&format!("{name}.cnf")), ee_ext(variant)).unwrap();
        ok(
            &self.dir,
            &[
                "x509",
                "-req",
                "-in",
                "ee.csr",
                "-CA",
                &format!("{root}.pem"),
                "-CAkey",
                &format!("{root}.key"),
                "-set_serial",
                serial,
                "-days",
                days,
                &format!("-{md}"),
                "-extfile",
                &format!("{name}.cnf"),
                "-extensions",
                "ext",
                "-out",
                &format!("{name}.pem"),
            ],
        );
        ok(
            &self.dir,
            &[
                "x509",
                "-in",
                &format!("{name}.pem"),
                "-outform",
                "DER",
                "-out",
                &format!("{name}.der"),
            ],
        );
        name
    }

    fn anchor(&self, root: &str) -> TrustAnchor {
        TrustAnchor::from_file(&self.path(&format!("{root}.pem"))).unwrap()
    }

    /// `openssl verify` on the same files; true when it accepts.
    fn openssl_verify(&self, cafile: &str, ee: &str, extra: &[&str]) -> bool {
        let mut args = vec!["verify", "-CAfile", cafile];
        args.extend_from_slice(extra);
        let ee_pem = format!("{ee}.pem");
        args.push(&ee_pem);
        openssl(&self.dir, &args).status.success()
    }
}

fn unix(t: SystemTime) -> String {
    t.duration_since(UNIX_EPOCH).unwrap().as_secs().to_string()
}

fn opts(anchors: Vec<TrustAnchor>, at: Judgement) -> VerifyOptions<'static> {
    VerifyOptions {
        hierarchy: Hierarchy::Production,
        extra_anchors: anchors,
        at,
        revocation: None,
        policy: RevocationPolicy::Off,
    }
}

fn failures(r: &verify::VerifyReport) -> &[Failure] {
    &r.failures
}

struct Fixed(RevocationOutcome);
impl RevocationChecker for Fixed {
    fn check(&self, _: &Certificate, _: &Certificate, _: SystemTime) -> RevocationOutcome {
        self.0.clone()
    }
}

#[test]
fn certificates_agree_with_openssl_verify() {
    let pki = Pki::new();
    let now = SystemTime::now();
    let a1 = vec![pki.anchor("root1")];
    let sign_pol = ["-policy", SIGN_POLICY, "-explicit_policy", "-purpose", "smimesign"];

    // Good signature certificate, with holder data.
    let sign = pki.issue("sign", "root1", "10", "365", "sha256");
    let r = verify::verify_certificate(
        &pki.read(&format!("{sign}.der")),
        &opts(a1.clone(), Judgement::Now),
    )
    .unwrap();
    assert_eq!(r.verdict, Verdict::Valid, "{r}");
    assert_eq!(r.kind, Some(CertKind::Signature));
    assert!(pki.openssl_verify("root1.pem", &sign, &sign_pol));
    let anchor = r.anchor.as_ref().unwrap();
    assert_eq!(anchor.source, AnchorSource::Extra);
    assert_eq!(anchor.matched_by, "key_id");
    let h = r.holder.as_ref().unwrap();
    assert_eq!(h.name.as_deref(), Some("山田　太郎"));
    assert_eq!(h.sex, Some(verify::RecordedSex::Known(Sex::Female)));
    let b = h.birth_date.as_ref().unwrap();
    assert_eq!((b.era_digit, b.gregorian.as_deref()), (Some(4), Some("1990-01-02")));
    assert_eq!(h.address.as_deref(), Some("東京都千代田区千代田１－１"));
    assert_eq!(h.name_substitute_flags.as_deref(), Some("00000"));
    assert_eq!(h.address_substitute_flags.as_deref(), Some("0000000000000"));
    assert_eq!(h.other.len(), 1);
    assert_eq!(h.other[0].oid, "1.2.392.200149.8.5.5.9");
    assert_eq!(h.other[0].text.as_deref(), Some("ヤマダ"));
    let json = r.to_json();
    assert!(json.contains("\"verdict\": \"valid\""), "{json}");
    assert!(json.contains("\"kind\": \"signature\""), "{json}");
    assert!(r.to_string().contains("revocation checking is off"));

    // Good authentication certificate.
    let auth = pki.issue("auth", "root1", "11", "365", "sha256");
    let r = verify::verify_certificate(
        &pki.read(&format!("{auth}.der")),
        &opts(a1.clone(), Judgement::Now),
    )
    .unwrap();
    assert_eq!(r.verdict, Verdict::Valid, "{r}");
    assert_eq!(r.kind, Some(CertKind::Authentication));
    assert!(r.holder.is_none());
    assert!(pki.openssl_verify(
        "root1.pem",
        &auth,
        &["-policy", AUTH_POLICY, "-explicit_policy", "-purpose", "sslclient"]
    ));

    // Wrong root.
    let r = verify::verify_certificate(
        &pki.read(&format!("{sign}.der")),
        &opts(vec![pki.anchor("root2")], Judgement::Now),
    )
    .unwrap();
    assert_eq!(r.verdict, Verdict::Invalid);
    assert!(matches!(failures(&r)[0], Failure::UntrustedIssuer { .. }), "{r}");
    assert!(!pki.openssl_verify("root2.pem", &sign, &[]));
    // The pinned production roots alone do not trust it either.
    let r = verify::verify_certificate(
        &pki.read(&format!("{sign}.der")),
        &opts(vec![], Judgement::Now),
    )
    .unwrap();
    assert!(matches!(failures(&r)[0], Failure::UntrustedIssuer { .. }));

    // Expired and not yet valid, judged at a given time.
    let later = now + Duration::from_secs(400 * 86400);
    let r = verify::verify_certificate(
        &pki.read(&format!("{sign}.der")),
        &opts(a1.clone(), Judgement::At(later)),
    )
    .unwrap();
    assert!(
        matches!(failures(&r), [Failure::Expired { role: verify::Role::EndEntity, .. }]),
        "{r}"
    );
    assert!(!pki.openssl_verify("root1.pem", &sign, &["-attime", &unix(later)]));
    let earlier = now - Duration::from_secs(2 * 86400);
    let r = verify::verify_certificate(
        &pki.read(&format!("{sign}.der")),
        &opts(a1.clone(), Judgement::At(earlier)),
    )
    .unwrap();
    // The root was made at the same moment, so it is not yet valid either.
    assert!(
        failures(&r)
            .iter()
            .any(|f| matches!(f, Failure::NotYetValid { role: verify::Role::EndEntity, .. })),
        "{r}"
    );
    assert!(!pki.openssl_verify("root1.pem", &sign, &["-attime", &unix(earlier)]));
    // Anchor validity too: past the root's ten years.
    let much_later = now + Duration::from_secs(11 * 365 * 86400);
    let r = verify::verify_certificate(
        &pki.read(&format!("{sign}.der")),
        &opts(a1.clone(), Judgement::At(much_later)),
    )
    .unwrap();
    assert!(failures(&r)
        .iter()
        .any(|f| matches!(f, Failure::Expired { role: verify::Role::Anchor, .. })));

    // Wrong key usage.
    let wrong_ku = pki.issue("wrong_ku", "root1", "12", "365", "sha256");
    let r = verify::verify_certificate(
        &pki.read(&format!("{wrong_ku}.der")),
        &opts(a1.clone(), Judgement::Now),
    )
    .unwrap();
    assert!(
        matches!(&failures(&r), [Failure::WrongKeyUsage { kind: CertKind::Signature, .. }]),
        "{r}"
    );
    assert!(!pki.openssl_verify("root1.pem", &wrong_ku, &["-purpose", "smimesign"]));

    // Wrong policy.
    let wrong_pol = pki.issue("wrong_policy", "root1", "13", "365", "sha256");
    let r = verify::verify_certificate(
        &pki.read(&format!("{wrong_pol}.der")),
        &opts(a1.clone(), Judgement::Now),
    )
    .unwrap();
    match failures(&r) {
        [Failure::WrongPolicy { found, expected }] => {
            assert_eq!(found, &vec!["1.2.3.4".to_string()]);
            assert_eq!(expected, SIGN_POLICY);
        }
        other => panic!("{other:?}"),
    }
    assert!(!pki.openssl_verify("root1.pem", &wrong_pol, &sign_pol));

    // Unknown critical extension.
    let crit = pki.issue("unknown_critical", "root1", "14", "365", "sha256");
    let r = verify::verify_certificate(
        &pki.read(&format!("{crit}.der")),
        &opts(a1.clone(), Judgement::Now),
    )
    .unwrap();
    assert!(
        matches!(&failures(&r), [Failure::UnknownCriticalExtension { oid }] if oid == "1.2.3.4.5"),
        "{r}"
    );
    assert!(!pki.openssl_verify("root1.pem", &crit, &[]));

    // End entity claiming to be a CA. OpenSSL accepts a CA certificate as a leaf; the JPKI
    // profile does not.
    let ee_ca = pki.issue("ee_ca", "root1", "15", "365", "sha256");
    let r = verify::verify_certificate(
        &pki.read(&format!("{ee_ca}.der")),
        &opts(a1.clone(), Judgement::Now),
    )
    .unwrap();
    assert!(matches!(&failures(&r), [Failure::EndEntityIsCa]), "{r}");
    assert!(pki.openssl_verify("root1.pem", &ee_ca, &[]));

    // Authentication certificate without clientAuth, and a certificate of no known kind.
    let no_eku = pki.issue("auth_no_eku", "root1", "16", "365", "sha256");
    let r = verify::verify_certificate(
        &pki.read(&format!("{no_eku}.der")),
        &opts(a1.clone(), Judgement::Now),
    )
    .unwrap();
    assert!(matches!(&failures(&r), [Failure::MissingClientAuth { .. }]), "{r}");
    // OpenSSL reads a missing extKeyUsage as "any purpose"; the JPKI profile requires it.
    assert!(pki.openssl_verify("root1.pem", &no_eku, &["-purpose", "sslclient"]));
    let unknown = pki.issue("unknown_kind", "root1", "17", "365", "sha256");
    let r = verify::verify_certificate(
        &pki.read(&format!("{unknown}.der")),
        &opts(a1.clone(), Judgement::Now),
    )
    .unwrap();
    assert!(matches!(&failures(&r), [Failure::UnknownKind]), "{r}");
    assert!(!pki.openssl_verify("root1.pem", &unknown, &["-purpose", "smimesign"]));

    // A non-UTF8String holder otherName is reported, not fatal.
    let bad_san = pki.issue("bad_san", "root1", "18", "365", "sha256");
    let r = verify::verify_certificate(
        &pki.read(&format!("{bad_san}.der")),
        &opts(a1.clone(), Judgement::Now),
    )
    .unwrap();
    assert_eq!(r.verdict, Verdict::Valid);
    assert!(r.warnings.iter().any(|w| w.to_string().contains("not a UTF8String")), "{r}");
    let e = verify::holder::decode_der(&pki.read(&format!("{bad_san}.der"))).unwrap_err();
    assert!(matches!(e, verify::HolderError::NotUtf8String { .. }));

    // Legacy hash accepted but reported.
    let sha1 = pki.issue("sign", "root1", "19", "365", "sha1");
    let r = verify::verify_certificate(
        &pki.read(&format!("{sha1}.der")),
        &opts(a1.clone(), Judgement::Now),
    )
    .unwrap();
    assert_eq!(r.verdict, Verdict::Valid, "{r}");
    assert!(r.warnings.iter().any(|w| w.to_string().contains("sha1WithRSAEncryption")), "{r}");
    let sha512 = pki.issue("sign", "root1", "20", "365", "sha512");
    let r = verify::verify_certificate(
        &pki.read(&format!("{sha512}.der")),
        &opts(a1.clone(), Judgement::Now),
    )
    .unwrap();
    assert_eq!(r.verdict, Verdict::Valid, "{r}");
    assert!(pki.openssl_verify("root1.pem", &sha512, &[]));

    // Anchor that is not a CA.
    let under_notca = pki.issue("sign", "notca", "21", "365", "sha256");
    let r = verify::verify_certificate(
        &pki.read(&format!("{under_notca}.der")),
        &opts(vec![pki.anchor("notca")], Judgement::Now),
    )
    .unwrap();
    assert!(matches!(&failures(&r), [Failure::AnchorNotCa]), "{r}");
    assert!(!pki.openssl_verify("notca.pem", &under_notca, &[]));
}

#[test]
fn issuer_is_chosen_by_key_identifier_among_same_dn_generations() {
    let pki = Pki::new();
    let both = vec![pki.anchor("root1"), pki.anchor("root2")];
    let root2_sha = hex::encode(both[1].sha256());
    assert_eq!(
        both[0].certificate().tbs_certificate.subject,
        both[1].certificate().tbs_certificate.subject
    );
    let ee = pki.issue("sign", "root2", "30", "365", "sha256");
    let r = verify::verify_certificate(
        &pki.read(&format!("{ee}.der")),
        &opts(both.clone(), Judgement::Now),
    )
    .unwrap();
    assert_eq!(r.verdict, Verdict::Valid, "{r}");
    assert_eq!(r.anchor.as_ref().unwrap().sha256, root2_sha);
    std::fs::write(pki.path("both.pem"), [pki.read("root1.pem"), pki.read("root2.pem")].concat())
        .unwrap();
    assert!(pki.openssl_verify("both.pem", &ee, &[]));

    // Two anchors with the same key (a re-issued root, serial 9): the key id matches both,
    // authorityCertIssuer + authorityCertSerialNumber break the tie.
    ok(
        &pki.dir,
        &[
            "req",
            "-x509",
            "-new",
            "-key",
            "root2.key",
            "-config",
            "root.cnf",
            "-extensions",
            "root_ext",
            "-set_serial",
            "9",
            "-days",
            "3650",
            "-out",
            "root2b.pem",
        ],
    );
    std::fs::copy(pki.path("root2.key"), pki.path("root2b.key")).unwrap();
    let ee_b = pki.issue("sign", "root2b", "31", "365", "sha256");
    let three = vec![pki.anchor("root1"), pki.anchor("root2"), pki.anchor("root2b")];
    assert_eq!(three[1].key_id(), three[2].key_id());
    let root2b_sha = hex::encode(three[2].sha256());
    let r = verify::verify_certificate(
        &pki.read(&format!("{ee_b}.der")),
        &opts(three.clone(), Judgement::Now),
    )
    .unwrap();
    assert_eq!(r.verdict, Verdict::Valid, "{r}");
    let a = r.anchor.as_ref().unwrap();
    assert_eq!((a.matched_by, a.sha256.as_str()), ("key_id_issuer_serial", root2b_sha.as_str()));
    // The certificate issued under the first issue of that key is matched to it, not the re-issue.
    let r =
        verify::verify_certificate(&pki.read(&format!("{ee}.der")), &opts(three, Judgement::Now))
            .unwrap();
    assert_eq!(r.anchor.as_ref().unwrap().matched_by, "key_id_issuer_serial");
    assert_eq!(r.anchor.as_ref().unwrap().sha256, root2_sha);

    // A certificate whose signature was altered: the key id still selects root2, the
    // signature check fails.
    let mut der = pki.read(&format!("{ee}.der"));
    let last = der.len() - 1;
    der[last] ^= 1;
    let r = verify::verify_certificate(&der, &opts(both.clone(), Judgement::Now)).unwrap();
    assert!(
        matches!(&failures(&r), [Failure::BadSignature { what }] if what == "certificate"),
        "{r}"
    );
    assert_eq!(r.anchor.as_ref().unwrap().sha256, root2_sha);

    // The pinned production generations: a certificate naming signca02's key id is matched to
    // that generation only (and fails its signature, having been signed by another key).
    let prod = verify::TrustStore::new(Hierarchy::Production, &[]).unwrap();
    let signca02 = &prod.anchors()[1];
    let mut cert = Certificate::from_der_helper(&pki.read(&format!("{ee}.der")));
    cert.tbs_certificate.issuer = signca02.certificate().tbs_certificate.subject.clone();
    let mut exts = cert.tbs_certificate.extensions.take().unwrap();
    for e in exts.iter_mut() {
        if e.extn_id.to_string() == "2.5.29.35" {
            let aki = x509_cert::ext::pkix::AuthorityKeyIdentifier {
                key_identifier: Some(der::asn1::OctetString::new(signca02.key_id()).unwrap()),
                ..Default::default()
            };
            e.extn_value = der::asn1::OctetString::new(der::Encode::to_der(&aki).unwrap()).unwrap();
        }
    }
    cert.tbs_certificate.extensions = Some(exts);
    let forged = der::Encode::to_der(&cert).unwrap();
    let r = verify::verify_certificate(&forged, &opts(vec![], Judgement::Now)).unwrap();
    assert_eq!(r.anchor.as_ref().unwrap().label, "signca02.cer", "{r}");
    assert!(matches!(&failures(&r), [Failure::BadSignature { .. }]), "{r}");
}

trait FromDerHelper {
    fn from_der_helper(der: &[u8]) -> Self;
}
impl FromDerHelper for Certificate {
    fn from_der_helper(bytes: &[u8]) -> Self {
        <Certificate as der::Decode>::from_der(bytes).unwrap()
    }
}

#[test]
fn raw_signatures() {
    let pki = Pki::new();
    let a1 = vec![pki.anchor("root1")];
    let ee = pki.issue("sign", "root1", "40", "365", "sha256");
    std::fs::write(pki.path("data.txt"), b"hello JPKI").unwrap();
    for (md, hash) in
        [("sha256", HashAlg::Sha256), ("sha384", HashAlg::Sha384), ("sha512", HashAlg::Sha512)]
    {
        ok(
            &pki.dir,
            &[
                "dgst",
                &format!("-{md}"),
                "-sign",
                "ee.key",
                "-out",
                &format!("data.{md}.sig"),
                "data.txt",
            ],
        );
        let sig = pki.read(&format!("data.{md}.sig"));
        let r = verify::verify_raw(
            b"hello JPKI",
            &sig,
            &pki.read(&format!("{ee}.der")),
            hash,
            &opts(a1.clone(), Judgement::Now),
        )
        .unwrap();
        assert_eq!(r.verdict, Verdict::Valid, "{r}");
        assert!(r.signature.as_ref().unwrap().ok);
        let r = verify::verify_raw(
            b"hello JPKI!",
            &sig,
            &pki.read(&format!("{ee}.der")),
            hash,
            &opts(a1.clone(), Judgement::Now),
        )
        .unwrap();
        assert!(matches!(&failures(&r)[0], Failure::BadSignature { what } if what == "data"));
    }

    // An EC certificate cannot carry a JPKI RSA signature.
    ok(
        &pki.dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            "ec.key",
            "-out",
            "ec.pem",
            "-days",
            "10",
            "-subj",
            "/CN=ec",
            "-outform",
            "DER",
        ],
    );
    let r = verify::verify_raw(
        b"x",
        &[0; 256],
        &pki.read("ec.pem"),
        HashAlg::Sha256,
        &opts(a1.clone(), Judgement::Now),
    )
    .unwrap();
    assert!(
        matches!(&failures(&r)[0], Failure::UnusableKey { role: verify::Role::EndEntity, .. }),
        "{r}"
    );

    // Malformed certificate input.
    let e = verify::verify_raw(
        b"x",
        &[0; 256],
        b"\x30\x03\x02\x01\x01",
        HashAlg::Sha256,
        &opts(a1, Judgement::Now),
    )
    .unwrap_err();
    assert!(matches!(e, VerifyError::MalformedCertificate { .. }));
    assert!(e.to_string().starts_with("malformed certificate"));
}

#[test]
fn algorithm_mismatch_and_signing_time_without_cms() {
    let pki = Pki::new();
    let a1 = vec![pki.anchor("root1")];
    let ee = pki.issue("sign", "root1", "50", "365", "sha256");
    let mut der = pki.read(&format!("{ee}.der"));
    // The outer signatureAlgorithm is the last sha256WithRSAEncryption OID: make it sha384.
    let oid = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b];
    let pos = der.windows(oid.len()).rposition(|w| w == oid).unwrap();
    der[pos + oid.len() - 1] = 0x0c;
    let r = verify::verify_certificate(&der, &opts(a1.clone(), Judgement::Now)).unwrap();
    assert!(matches!(&failures(&r)[0], Failure::AlgorithmMismatch { .. }), "{r}");

    let r = verify::verify_certificate(
        &pki.read(&format!("{ee}.der")),
        &opts(a1, Judgement::SigningTime),
    )
    .unwrap();
    assert!(matches!(&failures(&r)[0], Failure::NoSigningTime), "{r}");
    assert_eq!(r.judgement_time, None);
    assert_eq!(r.verdict, Verdict::Invalid);
}

#[test]
fn revocation_outcomes_drive_the_verdict() {
    let pki = Pki::new();
    let ee = pki.issue("auth", "root1", "60", "365", "sha256");
    let der = pki.read(&format!("{ee}.der"));
    let run = |outcome: Option<RevocationOutcome>, policy| {
        let checker = outcome.map(Fixed);
        let o = VerifyOptions {
            hierarchy: Hierarchy::Production,
            extra_anchors: vec![pki.anchor("root1")],
            at: Judgement::Now,
            revocation: checker.as_ref().map(|c| c as &dyn RevocationChecker),
            policy,
        };
        verify::verify_certificate(&der, &o).unwrap()
    };
    let good = RevocationOutcome::Good {
        source: "crl/chiyoda.crl".into(),
        this_update: Timestamp(SystemTime::now()),
        next_update: None,
    };
    let revoked = RevocationOutcome::Revoked {
        reason: Some("certificateHold".into()),
        time: Timestamp(SystemTime::now()),
        source: "ocsp http://127.0.0.1:1".into(),
    };
    let unknown = RevocationOutcome::Unknown { why: "CRL is stale".into() };
    assert_eq!(run(Some(good.clone()), RevocationPolicy::Require).verdict, Verdict::Valid);
    let r = run(Some(revoked), RevocationPolicy::Require);
    assert_eq!(r.verdict, Verdict::Invalid);
    assert!(r.to_json().contains("\"status\": \"revoked\""));
    assert_eq!(
        run(Some(unknown.clone()), RevocationPolicy::Require).verdict,
        Verdict::RevocationUnknown
    );
    assert_eq!(run(Some(unknown), RevocationPolicy::Prefer).verdict, Verdict::Valid);
    assert_eq!(run(None, RevocationPolicy::Require).verdict, Verdict::RevocationUnknown);
    let off = run(Some(good), RevocationPolicy::Off);
    assert_eq!(off.verdict, Verdict::Valid);
    assert_eq!(off.revocation.outcome, RevocationOutcome::NotChecked);
}

/// `openssl cms -verify` on the same files; true when it accepts.
fn openssl_cms_verify(pki: &Pki, cms: &str, content: Option<&str>, cafile: &str) -> bool {
    openssl_pki::cms_verify(&pki.dir, cms, "DER", content, cafile, &[]).status.success()
}

fn cms_sign(pki: &Pki, signer: &str, out: &str, extra: &[&str]) {
    let pem = format!("{signer}.pem");
    let mut args = vec![
        "cms", "-sign", "-binary", "-in", "data.txt", "-signer", &pem, "-inkey", "ee.key",
        "-outform", "DER", "-out", out, "-md", "sha256",
    ];
    args.extend_from_slice(extra);
    ok(&pki.dir, &args);
}

#[test]
fn cms_signatures_agree_with_openssl_cms_verify() {
    let pki = Pki::new();
    let a1 = vec![pki.anchor("root1")];
    let ee = pki.issue("sign", "root1", "70", "365", "sha256");
    let data = b"JPKI CMS test content\n".to_vec();
    std::fs::write(pki.path("data.txt"), &data).unwrap();
    std::fs::write(pki.path("tampered.txt"), b"JPKI CMS test content!\n").unwrap();

    // Detached, with signing time and CAdES signingCertificateV2.
    cms_sign(&pki, &ee, "detached.p7s", &["-cades"]);
    let cms = pki.read("detached.p7s");
    let r = verify::verify_cms(Some(&data), &cms, None, &opts(a1.clone(), Judgement::SigningTime))
        .unwrap();
    assert_eq!(r.verdict, Verdict::Valid, "{r}");
    let s = r.signature.as_ref().unwrap();
    assert_eq!(s.detached, Some(true));
    assert_eq!(s.signed_attributes, Some(true));
    assert_eq!(s.signer_certificate_from, Some("cms"));
    assert!(r.checks.iter().any(|c| c.name == "signing_certificate_v2" && c.ok), "{r}");
    let st = s.signing_time.unwrap();
    assert_eq!(r.judgement_time, Some(st));
    assert_eq!(r.judgement_basis, "signing_time");
    assert!(openssl_cms_verify(&pki, "detached.p7s", Some("data.txt"), "root1.pem"));

    // Tampered content.
    let r = verify::verify_cms(
        Some(b"JPKI CMS test content!\n"),
        &cms,
        None,
        &opts(a1.clone(), Judgement::Now),
    )
    .unwrap();
    assert_eq!(r.verdict, Verdict::Invalid);
    assert!(matches!(&failures(&r), [Failure::MessageDigestMismatch]), "{r}");
    assert!(!openssl_cms_verify(&pki, "detached.p7s", Some("tampered.txt"), "root1.pem"));

    // Wrong root.
    let r = verify::verify_cms(
        Some(&data),
        &cms,
        None,
        &opts(vec![pki.anchor("root2")], Judgement::Now),
    )
    .unwrap();
    assert!(matches!(&failures(&r), [Failure::UntrustedIssuer { .. }]), "{r}");
    assert!(!openssl_cms_verify(&pki, "detached.p7s", Some("data.txt"), "root2.pem"));

    // Missing content for a detached signature.
    let e = verify::verify_cms(None, &cms, None, &opts(a1.clone(), Judgement::Now)).unwrap_err();
    assert!(matches!(e, VerifyError::MissingContent));

    // Attached.
    cms_sign(&pki, &ee, "attached.p7s", &["-nodetach"]);
    let att = pki.read("attached.p7s");
    let r = verify::verify_cms(None, &att, None, &opts(a1.clone(), Judgement::Now)).unwrap();
    assert_eq!(r.verdict, Verdict::Valid, "{r}");
    assert_eq!(r.signature.as_ref().unwrap().detached, Some(false));
    assert!(openssl_cms_verify(&pki, "attached.p7s", None, "root1.pem"));
    let r =
        verify::verify_cms(Some(b"other"), &att, None, &opts(a1.clone(), Judgement::Now)).unwrap();
    assert!(matches!(&failures(&r), [Failure::AttachedContentDiffers]), "{r}");

    // Without certificates: the signer certificate must be given.
    cms_sign(&pki, &ee, "nocerts.p7s", &["-nocerts"]);
    let nc = pki.read("nocerts.p7s");
    let r = verify::verify_cms(Some(&data), &nc, None, &opts(a1.clone(), Judgement::Now)).unwrap();
    assert!(matches!(&failures(&r), [Failure::SignerCertificateNotFound]), "{r}");
    let cert = pki.read(&format!("{ee}.der"));
    let r = verify::verify_cms(Some(&data), &nc, Some(&cert), &opts(a1.clone(), Judgement::Now))
        .unwrap();
    assert_eq!(r.verdict, Verdict::Valid, "{r}");
    assert_eq!(r.signature.as_ref().unwrap().signer_certificate_from, Some("given"));
    assert!(!openssl_cms_verify(&pki, "nocerts.p7s", Some("data.txt"), "root1.pem"));
    let certfile = format!("{ee}.pem");
    let out = openssl_pki::cms_verify(
        &pki.dir,
        "nocerts.p7s",
        "DER",
        Some("data.txt"),
        "root1.pem",
        &["-certfile", &certfile],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    // signingCertificateV2 naming another certificate: same issuer, serial and key, but a
    // different certificate given with --cert.
    let twin = pki.issue("sign", "root1", "70", "200", "sha256");
    assert_ne!(pki.read(&format!("{twin}.der")), cert);
    let r = verify::verify_cms(
        Some(&data),
        &cms,
        Some(&pki.read(&format!("{twin}.der"))),
        &opts(a1.clone(), Judgement::Now),
    )
    .unwrap();
    assert!(matches!(&failures(&r), [Failure::SigningCertificateMismatch]), "{r}");

    // SHA-1 digest is refused (also by the signature algorithm check).
    cms_sign(&pki, &ee, "sha1.p7s", &["-md", "sha1"]);
    let r = verify::verify_cms(
        Some(&data),
        &pki.read("sha1.p7s"),
        None,
        &opts(a1.clone(), Judgement::Now),
    )
    .unwrap();
    assert!(
        failures(&r).iter().any(
            |f| matches!(f, Failure::UnsupportedAlgorithm { what, .. } if what == "CMS digest")
        ),
        "{r}"
    );

    // contentType attribute differing from eContentType (eContentType altered in the DER).
    let mut bad_ct = att.clone();
    let id_data = [0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01];
    let pos = bad_ct.windows(id_data.len()).position(|w| w == id_data).unwrap();
    bad_ct[pos + id_data.len() - 1] = 0x05;
    let r = verify::verify_cms(None, &bad_ct, None, &opts(a1.clone(), Judgement::Now)).unwrap();
    assert!(matches!(&failures(&r), [Failure::ContentTypeMismatch { .. }]), "{r}");

    // No signed attributes: the signature covers the content; with a non-data eContentType
    // that is not allowed.
    cms_sign(&pki, &ee, "noattr.p7s", &["-noattr", "-nodetach"]);
    let na = pki.read("noattr.p7s");
    let r = verify::verify_cms(None, &na, None, &opts(a1.clone(), Judgement::Now)).unwrap();
    assert_eq!(r.verdict, Verdict::Valid, "{r}");
    assert_eq!(r.signature.as_ref().unwrap().signed_attributes, Some(false));
    assert!(openssl_cms_verify(&pki, "noattr.p7s", None, "root1.pem"));
    let mut na_bad = na.clone();
    let pos = na_bad.windows(id_data.len()).position(|w| w == id_data).unwrap();
    na_bad[pos + id_data.len() - 1] = 0x05;
    let r = verify::verify_cms(None, &na_bad, None, &opts(a1.clone(), Judgement::Now)).unwrap();
    assert!(matches!(&failures(&r), [Failure::BadSignedAttribute { .. }]), "{r}");
    // ... and altering a content byte breaks the signature itself.
    let mut na_tampered = na.clone();
    let p = na_tampered.windows(4).position(|w| w == b"JPKI").unwrap();
    na_tampered[p] = b'X';
    let r =
        verify::verify_cms(None, &na_tampered, None, &opts(a1.clone(), Judgement::Now)).unwrap();
    assert!(matches!(&failures(&r), [Failure::BadSignature { what }] if what == "data"), "{r}");

    // A signed-attribute byte altered: the signature over the re-tagged SET fails.
    let mut attr_tampered = cms.clone();
    let pos = attr_tampered.windows(id_data.len()).rposition(|w| w == id_data).unwrap();
    attr_tampered[pos + id_data.len() - 1] = 0x05;
    let r =
        verify::verify_cms(Some(&data), &attr_tampered, None, &opts(a1.clone(), Judgement::Now))
            .unwrap();
    assert!(
        failures(&r)
            .iter()
            .any(|f| matches!(f, Failure::BadSignature { what } if what == "signed attributes")),
        "{r}"
    );

    // Two signers are not supported.
    let other = pki.issue("auth", "root1", "71", "365", "sha256");
    ok(
        &pki.dir,
        &[
            "cms",
            "-sign",
            "-binary",
            "-in",
            "data.txt",
            "-signer",
            &format!("{ee}.pem"),
            "-inkey",
            "ee.key",
            "-signer",
            &format!("{other}.pem"),
            "-inkey",
            "ee.key",
            "-outform",
            "DER",
            "-out",
            "two.p7s",
        ],
    );
    let e = verify::verify_cms(
        Some(&data),
        &pki.read("two.p7s"),
        None,
        &opts(a1.clone(), Judgement::Now),
    )
    .unwrap_err();
    assert!(matches!(e, VerifyError::SignerCount { count: 2 }), "{e}");

    // Not SignedData, not CMS at all.
    let id_data_ci = [
        0x30, 0x0f, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01, 0xa0, 0x02,
        0x04, 0x00,
    ];
    let e =
        verify::verify_cms(None, &id_data_ci, None, &opts(a1.clone(), Judgement::Now)).unwrap_err();
    assert!(matches!(e, VerifyError::NotSignedData { .. }), "{e}");
    let e = verify::verify_cms(None, b"not a cms", None, &opts(a1, Judgement::Now)).unwrap_err();
    assert!(matches!(e, VerifyError::MalformedCms { .. }), "{e}");
}

#[test]
fn anchor_error_converts_into_verify_error() {
    let e = TrustAnchor::from_file(Path::new("/nonexistent/root.der")).unwrap_err();
    let v: VerifyError = e.into();
    assert!(matches!(v, VerifyError::Anchor(_)));
    assert!(v.to_string().contains("/nonexistent/root.der"));
}

// ---- issue 11: certificates whose key identifier names a trusted root but whose structure
// is wrong, re-signed with that root's key so that only the structure checks can catch them ----

/// `cert` with its tbsCertificate changed by `change`, signed again with `root`'s key.
fn resigned(
    pki: &Pki,
    root: &str,
    der: &[u8],
    change: impl FnOnce(&mut x509_cert::TbsCertificate),
) -> Vec<u8> {
    use der::{Decode, Encode};
    use rsa::pkcs8::DecodePrivateKey;
    use signature::{SignatureEncoding, Signer};
    let mut cert = Certificate::from_der(der).unwrap();
    change(&mut cert.tbs_certificate);
    let key = std::fs::read_to_string(pki.path(&format!("{root}.key"))).unwrap();
    let key = rsa::RsaPrivateKey::from_pkcs8_pem(&key).unwrap();
    let signer = rsa::pkcs1v15::SigningKey::<sha2::Sha256>::new(key);
    let sig = signer.sign(&cert.tbs_certificate.to_der().unwrap());
    cert.signature = der::asn1::BitString::from_bytes(&sig.to_bytes()).unwrap();
    cert.to_der().unwrap()
}

#[test]
fn the_path_check_looks_at_more_than_the_key_identifier() {
    use der::Decode;
    use std::str::FromStr;
    let pki = Pki::new();
    let sign = pki.issue("sign", "root1", "20", "365", "sha256");
    let der = pki.read(&format!("{sign}.der"));
    let check = |der: &[u8]| {
        verify::verify_certificate(der, &opts(vec![pki.anchor("root1")], Judgement::Now)).unwrap()
    };
    // Re-signed unchanged: valid (the re-signing itself is sound).
    let r = check(&resigned(&pki, "root1", &der, |_| {}));
    assert_eq!(r.verdict, Verdict::Valid, "{r}");
    // Each case is judged, then all are asserted together, so that a run against a verifier
    // lacking the checks lists every case it let through.
    let mut let_through = Vec::new();
    let mut expect = |case: &str, r: &verify::VerifyReport, message: &str| {
        if r.verdict != Verdict::Invalid || !r.to_string().contains(message) {
            let_through.push(format!("{case}: {r}"));
        }
    };

    // Issuer name that is not the root's subject.
    let r = check(&resigned(&pki, "root1", &der, |t| {
        t.issuer = x509_cert::name::Name::from_str("CN=Not The Root,O=JPKI-SIM,C=JP").unwrap()
    }));
    expect(
        "issuer name",
        &r,
        "issuer name CN=Not The Root,O=JPKI-SIM,C=JP is not the subject of the trust anchor",
    );

    // Version 1 with extensions.
    let r =
        check(&resigned(&pki, "root1", &der, |t| t.version = x509_cert::certificate::Version::V1));
    expect(
        "v1 with extensions",
        &r,
        "certificate version v1: carries extensions, which only v3 certificates may",
    );

    // Negative serial number.
    let r = check(&resigned(&pki, "root1", &der, |t| {
        t.serial_number =
            x509_cert::serial_number::SerialNumber::from_der(&[0x02, 0x02, 0x80, 0x01]).unwrap()
    }));
    expect("negative serial", &r, "negative serial number 8001");

    // An EC P-256 key instead of RSA.
    ok(
        &pki.dir,
        &["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "ec.key"],
    );
    ok(&pki.dir, &["pkey", "-in", "ec.key", "-pubout", "-outform", "DER", "-out", "ec.spki"]);
    let spki = x509_cert::spki::SubjectPublicKeyInfoOwned::from_der(&pki.read("ec.spki")).unwrap();
    let r = check(&resigned(&pki, "root1", &der, |t| t.subject_public_key_info = spki));
    expect(
        "EC key",
        &r,
        "unusable public key of the end-entity certificate: key algorithm id-ecPublicKey is not \
         rsaEncryption",
    );
    assert!(let_through.is_empty(), "let through:\n{}", let_through.join("\n"));
}
