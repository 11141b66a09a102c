//! The module through OpenSC's `pkcs11-tool` (an independent PKCS#11 consumer), pcscd,
//! vpcd and the virtual card (`mynacard sim serve --counts`, whose command counts prove
//! what was sent): slots and tokens, objects, mechanisms, signatures with each mechanism on
//! both tokens checked by OpenSSL with the certificate's key, and the PIN rules (a wrong
//! PIN spends one try, a malformed PIN sends nothing, the last try and a blocked PIN are
//! refused without a VERIFY). Also: after the module signed, a second program finds the
//! card locked.
//!
//! Run: `scripts/with-pcscd cargo test -p mynacard-pkcs11 --test pkcs11_tool --
//! --test-threads=1`; without `MYNACARD_PCSCD=1` each test prints a notice and passes.

mod common;

use std::path::Path;

use common::*;
use mynacard::facts::jpki;

fn home() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

fn ok(r: (bool, String, String), what: &str) -> String {
    assert!(r.0, "{what} failed:\n{}\n{}", r.1, r.2);
    r.1
}

/// The token section of `pkcs11-tool -L` for a slot.
fn slot_section(list: &str, slot: u64) -> String {
    let start = format!("Slot {slot} (");
    let from = list.find(&start).unwrap_or_else(|| panic!("no slot {slot} in:\n{list}"));
    let rest = &list[from..];
    let end = rest[1..].find("Slot ").map_or(rest.len(), |e| e + 1);
    rest[..end].to_string()
}

#[test]
fn lists_two_tokens_their_objects_and_mechanisms() {
    if !pcscd_or_skip("lists_two_tokens_their_objects_and_mechanisms") {
        return;
    }
    let home = home();
    let sim = Sim::start();
    let list = ok(p11tool(home.path(), &["-L"]), "-L");
    let auth = slot_section(&list, 0);
    let sign = slot_section(&list, 1);
    assert!(auth.contains("token label        : JPKI 利用者証明用 auth"), "{auth}");
    assert!(auth.contains("pin min/max        : 4/4"), "{auth}");
    assert!(
        auth.contains("token flags        : login required, token initialized, PIN initialized\n"),
        "{auth}"
    );
    assert!(sign.contains("token label        : JPKI 署名用 signature"), "{sign}");
    assert!(sign.contains("pin min/max        : 6/16"), "{sign}");
    // The second vpcd reader is empty: its slots show no token.
    assert!(slot_section(&list, 2).contains("(empty)"), "{list}");
    // Reading the counters spent nothing.
    assert_eq!(sim.count("verify_with_data"), 0);
    assert!(sim.count("verify_status") >= 2);

    let objs = ok(p11tool(home.path(), &["--slot", "0", "-O"]), "-O auth");
    for id in ["ID:         01", "ID:         03"] {
        assert!(objs.contains(id), "{id} missing:\n{objs}");
    }
    assert!(objs.contains("Public Key Object; RSA 2048 bits"), "{objs}");
    assert!(!objs.contains("Private Key Object"), "the private key needs login:\n{objs}");
    let objs = ok(p11tool(home.path(), &["--slot", "1", "-O"]), "-O sign");
    assert!(objs.contains("ID:         04"), "{objs}");
    assert!(!objs.contains("ID:         02"), "the signature certificate needs login:\n{objs}");

    let mechs = ok(p11tool(home.path(), &["--slot", "0", "-M"]), "-M");
    let lines: Vec<&str> = mechs.lines().skip(1).map(str::trim).collect();
    assert_eq!(
        lines,
        [
            "RSA-PKCS, keySize={2048,2048}, hw, sign",
            "SHA256-RSA-PKCS, keySize={2048,2048}, hw, sign",
            "SHA384-RSA-PKCS, keySize={2048,2048}, hw, sign",
            "SHA512-RSA-PKCS, keySize={2048,2048}, hw, sign",
        ],
        "{mechs}"
    );
}

#[test]
fn certificates_are_the_cards_byte_for_byte() {
    if !pcscd_or_skip("certificates_are_the_cards_byte_for_byte") {
        return;
    }
    let home = home();
    let _sim = Sim::start();
    let dir = home.path();
    for (slot, id, fid, login) in [
        ("0", "01", jpki::EF_AUTH_CERT, None),
        ("0", "03", jpki::EF_AUTH_CA_CERT, None),
        ("1", "04", jpki::EF_SIGN_CA_CERT, None),
        ("1", "02", jpki::EF_SIGN_CERT, Some(SIGN_PIN)),
    ] {
        let out = dir.join(format!("{id}.der"));
        let mut args = vec!["--slot", slot, "--read-object", "--type", "cert", "--id", id];
        args.extend(["-o", s(&out)]);
        if let Some(pin) = login {
            args.extend(["--login", "--pin", pin]);
        }
        ok(p11tool(dir, &args), "--read-object");
        assert_eq!(std::fs::read(&out).unwrap(), jpki_file(fid), "certificate {id}");
    }
}

/// The public key of the certificate with `id` on `slot`, as a PEM file, read through
/// the module and converted by OpenSSL.
fn public_key(dir: &Path, slot: &str, id: &str, pin: Option<&str>) -> String {
    let der = dir.join(format!("cert{id}.der"));
    let mut args = vec!["--slot", slot, "--read-object", "--type", "cert", "--id", id, "-o"];
    args.push(s(&der));
    if let Some(p) = pin {
        args.extend(["--login", "--pin", p]);
    }
    ok(p11tool(dir, &args), "read certificate");
    let pem = dir.join(format!("pub{id}.pem"));
    let (done, text) = openssl(
        dir,
        &["x509", "-inform", "DER", "-in", s(&der), "-pubkey", "-noout", "-out", s(&pem)],
    );
    assert!(done, "openssl x509 -pubkey: {text}");
    pem.to_string_lossy().into_owned()
}

#[test]
fn signs_with_each_mechanism_on_both_tokens() {
    if !pcscd_or_skip("signs_with_each_mechanism_on_both_tokens") {
        return;
    }
    let home = home();
    let dir = home.path();
    let sim = Sim::start();
    let data = dir.join("data.txt");
    std::fs::write(&data, b"The quick brown fox signs the lazy dog.\n").unwrap();
    // A SHA-256 DigestInfo of the data, for CKM_RSA_PKCS.
    let digest = {
        use sha2::Digest;
        sha2::Sha256::digest(std::fs::read(&data).unwrap())
    };
    let mut di = mynacard::facts::DIGEST_INFO_SHA256.to_vec();
    di.extend_from_slice(&digest);
    let di_file = dir.join("digestinfo.bin");
    std::fs::write(&di_file, &di).unwrap();

    // The signature password in lower case: the module folds it to upper case.
    for (slot, id, pin) in [("0", "01", AUTH_PIN), ("1", "02", "mynacard1")] {
        let pubkey = public_key(dir, slot, id, Some(pin));
        for (mech, md) in [
            ("RSA-PKCS", None),
            ("SHA256-RSA-PKCS", Some("-sha256")),
            ("SHA384-RSA-PKCS", Some("-sha384")),
            ("SHA512-RSA-PKCS", Some("-sha512")),
        ] {
            let sig = dir.join(format!("{slot}-{mech}.sig"));
            let input = if md.is_some() { &data } else { &di_file };
            let before = (sim.count("verify_with_data"), sim.count("signatures"));
            ok(
                p11tool(
                    dir,
                    &["--slot", slot, "--login", "--pin", pin, "--sign", "-m", mech, "-i"]
                        .into_iter()
                        .chain([s(input), "-o", s(&sig)])
                        .collect::<Vec<_>>(),
                ),
                mech,
            );
            // One VERIFY at C_Login, one inside the signature's transaction; one signature.
            let after = (sim.count("verify_with_data"), sim.count("signatures"));
            assert_eq!((after.0 - before.0, after.1 - before.1), (2, 1), "slot {slot} {mech}");
            let (verified, text) = match md {
                Some(md) => {
                    openssl(dir, &["dgst", md, "-verify", &pubkey, "-signature", s(&sig), s(&data)])
                }
                None => openssl(
                    dir,
                    &["pkeyutl", "-verify", "-pubin", "-inkey", &pubkey, "-in", s(&di_file)]
                        .into_iter()
                        .chain(["-sigfile", s(&sig)])
                        .collect::<Vec<_>>(),
                ),
            };
            assert!(verified && text.contains("Verified"), "slot {slot} {mech}: {text}");
        }
    }
    // SHA-1 is refused by the module.
    let sig = dir.join("sha1.sig");
    let r = p11tool(
        dir,
        &["--slot", "0", "--login", "--pin", AUTH_PIN, "--sign", "-m", "SHA1-RSA-PKCS", "-i"]
            .into_iter()
            .chain([s(&data), "-o", s(&sig)])
            .collect::<Vec<_>>(),
    );
    assert!(!r.0 && format!("{}{}", r.1, r.2).contains("CKR_MECHANISM_INVALID"), "{r:?}");
}

/// Tries left as `pkcs11-tool -L` flags show them for a slot.
fn flags(home: &Path, slot: u64) -> String {
    let list = ok(p11tool(home, &["-L"]), "-L");
    let section = slot_section(&list, slot);
    section
        .lines()
        .find_map(|l| l.trim().strip_prefix("token flags        : "))
        .unwrap_or_else(|| panic!("no flags in {section}"))
        .to_string()
}

fn login(home: &Path, slot: &str, pin: &str, env: &[(&str, &str)]) -> (bool, String) {
    let r = p11tool_env(home, &["--slot", slot, "--login", "--pin", pin, "-O"], env);
    (r.0, format!("{}{}", r.1, r.2))
}

#[test]
fn a_wrong_pin_spends_one_try_and_a_malformed_pin_sends_nothing() {
    if !pcscd_or_skip("a_wrong_pin_spends_one_try_and_a_malformed_pin_sends_nothing") {
        return;
    }
    let home = home();
    let h = home.path();
    let sim = Sim::start();
    // What a run that logs in to nobody costs: the probe only.
    let before = sim.count("commands");
    ok(p11tool(h, &["--slot", "0", "-O"]), "-O");
    let probe_cost = sim.count("commands") - before;

    for (slot, pin, rv) in [
        ("0", "12a4", "CKR_PIN_INVALID"),
        ("0", "123", "CKR_PIN_LEN_RANGE"),
        ("0", "12345", "CKR_PIN_LEN_RANGE"),
        ("1", "abc12", "CKR_PIN_LEN_RANGE"),
        ("1", "MYNA-CARD1", "CKR_PIN_INVALID"),
        ("1", "ABCDEFGHIJKLMNOPQ", "CKR_PIN_LEN_RANGE"),
    ] {
        let before = sim.counts();
        let (done, out) = login(h, slot, pin, &[]);
        assert!(!done && out.contains(rv), "slot {slot} PIN of length {}: {out}", pin.len());
        let after = sim.counts();
        assert_eq!(after["verify_with_data"], before["verify_with_data"], "no VERIFY: {out}");
        assert_eq!(
            after["commands"].as_u64().unwrap() - before["commands"].as_u64().unwrap(),
            probe_cost,
            "a malformed PIN costs nothing beyond the probe"
        );
    }
    assert_eq!(flags(h, 0), "login required, token initialized, PIN initialized");

    // A wrong, well-formed PIN: one VERIFY, one try spent, never retried.
    let before = sim.count("verify_with_data");
    let (done, out) = login(h, "0", "9999", &[]);
    assert!(!done && out.contains("CKR_PIN_INCORRECT"), "{out}");
    assert_eq!(sim.count("verify_with_data") - before, 1);
    assert_eq!(
        flags(h, 0),
        "login required, token initialized, user PIN count low, PIN initialized"
    );
    // The right PIN resets the counter.
    let (done, out) = login(h, "0", AUTH_PIN, &[]);
    assert!(done, "{out}");
    assert_eq!(flags(h, 0), "login required, token initialized, PIN initialized");
}

#[test]
fn the_last_try_and_a_blocked_pin_are_refused_without_a_verify() {
    if !pcscd_or_skip("the_last_try_and_a_blocked_pin_are_refused_without_a_verify") {
        return;
    }
    let home = home();
    let h = home.path();
    let sim = Sim::start();
    for _ in 0..2 {
        assert!(!login(h, "0", "9999", &[]).0);
    }
    assert_eq!(sim.count("verify_with_data"), 2);
    assert_eq!(
        flags(h, 0),
        "login required, token initialized, user PIN count low, final user PIN try, PIN initialized"
    );
    // One try left: refused without a VERIFY, even with the right PIN.
    let (done, out) = login(h, "0", AUTH_PIN, &[]);
    assert!(!done && out.contains("CKR_PIN_LOCKED"), "{out}");
    let (done, out) = login(h, "0", AUTH_PIN, &[("MYNACARD_PKCS11_ALLOW_LAST_TRY", "yes")]);
    assert!(!done && out.contains("CKR_PIN_LOCKED"), "only the value 1 opts in: {out}");
    assert_eq!(sim.count("verify_with_data"), 2, "the last try was not spent");

    // Opted in: the last try is spent (wrong), and the PIN is blocked.
    let allow = [("MYNACARD_PKCS11_ALLOW_LAST_TRY", "1")];
    let (done, out) = login(h, "0", "9999", &allow);
    assert!(!done && out.contains("CKR_PIN_INCORRECT"), "{out}");
    assert_eq!(sim.count("verify_with_data"), 3);
    assert_eq!(flags(h, 0), "login required, token initialized, PIN initialized, user PIN locked");
    // Blocked: refused without a VERIFY, opted in or not.
    for env in [&allow[..], &[]] {
        let (done, out) = login(h, "0", AUTH_PIN, env);
        assert!(!done && out.contains("CKR_PIN_LOCKED"), "{out}");
    }
    assert_eq!(sim.count("verify_with_data"), 3);

    // The signature token, opted in, with the right password on its last try: it works
    // and the counter is reset.
    for _ in 0..4 {
        assert!(!login(h, "1", "WRONG1", &[]).0);
    }
    assert!(flags(h, 1).contains("final user PIN try"));
    let (done, out) = login(h, "1", SIGN_PIN, &allow);
    assert!(done, "{out}");
    assert_eq!(flags(h, 1), "login required, token initialized, PIN initialized");
}

/// The script a second program (`mynacard apdu run`, its own process) runs without any
/// VERIFY: read 4 bytes of the signature certificate and sign with the signature key,
/// expecting `read` and `sign` as the answers.
fn second_program(dir: &Path, read: &str, sign: &str) -> bool {
    let script = dir.join("second.apdu");
    std::fs::write(
        &script,
        format!(
            "00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01 => 90 00\n\
             00 A4 02 0C 02 00 01 => 90 00\n\
             00 B0 00 00 04 => {read}\n\
             00 A4 02 0C 02 00 1A => 90 00\n\
             80 2A 00 80 33 30 31 30 0D 06 09 60 86 48 01 65 03 04 02 01 05 00 04 20 \
             A7 97 60 C8 8C 2B CE 76 50 18 B4 E4 F5 B4 05 A3 9A B6 0C F4 C6 08 19 F9 39 18 54 F3 ED 43 20 06 \
             00 => {sign}\n"
        ),
    )
    .unwrap();
    std::process::Command::new(mynacard_bin())
        .args(["--reader", READER, "--wait", "5", "apdu", "run", s(&script)])
        .output()
        .expect("run mynacard apdu run")
        .status
        .success()
}

#[test]
fn nothing_stays_verified_after_the_module_signed() {
    if !pcscd_or_skip("nothing_stays_verified_after_the_module_signed") {
        return;
    }
    let home = home();
    let h = home.path();
    let sim = Sim::start();
    assert!(second_program(h, "69 82", "69 82"), "a fresh card is locked");
    let data = h.join("data.txt");
    std::fs::write(&data, b"data").unwrap();
    let sig = h.join("sig");
    ok(
        p11tool(
            h,
            &["--slot", "1", "--login", "--pin", SIGN_PIN, "--sign", "-m", "SHA256-RSA-PKCS"]
                .into_iter()
                .chain(["-i", s(&data), "-o", s(&sig)])
                .collect::<Vec<_>>(),
        ),
        "sign",
    );
    assert_eq!(sim.count("signatures"), 1);
    assert!(
        second_program(h, "69 82", "69 82"),
        "after the module signed, a second program could read EF 0001 or sign"
    );
    // The check can fail: a second program that does find it open is told so.
    assert!(!second_program(h, "len 4, 90 00", "len 256, 90 00"));
}
