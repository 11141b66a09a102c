//! OpenSC as an independent oracle for the virtual card served through pcscd: OpenSC's own
//! JPKI driver must bind the card, read our certificates byte for byte, sign with both keys
//! (checked by `openssl dgst -verify`), and count and block wrong PINs.
//!
//! PINs are passed on the OpenSC tools' command lines here (`--pin`). That is acceptable only
//! in these tests: they are the virtual card's published test PINs, the card lives in a
//! private pcscd namespace, and the tools take no PIN non-interactively in any other way.
//! Never pass a real card's PIN on a command line (every user can read it in `ps`).
//!
//! Needs a private pcscd: run under `scripts/with-pcscd … -- --test-threads=1`; without
//! `MYNACARD_PCSCD=1` every test prints a notice and passes without doing anything.

mod common;
mod openssl_pki;

use std::path::Path;
use std::process::Command;

use common::*;
use mynacard::facts::jpki;
use sha2::{Digest, Sha256};

const PKCS11_MODULE: &str = "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so";

/// Run an OpenSC tool with a private HOME and cache, so no cached card data is reused.
fn opensc(home: &Path, program: &str, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(program)
        .args(args)
        .env("HOME", home)
        .env("XDG_CACHE_HOME", home.join("cache"))
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program} (install opensc): {e}"));
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The DER inside the first PEM certificate block of `text`, decoded without re-encoding.
fn pem_cert(text: &str) -> Vec<u8> {
    let begin = text.find("-----BEGIN CERTIFICATE-----").expect("a PEM certificate in the output");
    let end_marker = "-----END CERTIFICATE-----";
    let end = text[begin..].find(end_marker).expect("PEM end") + begin + end_marker.len();
    let (label, der) = der::pem::decode_vec(&text.as_bytes()[begin..end]).expect("valid PEM");
    assert_eq!(label, "CERTIFICATE");
    der
}

/// The public key of a DER certificate as a PEM file for `openssl dgst -verify`.
fn public_key_pem(dir: &Path, name: &str, cert_der: &[u8]) -> String {
    let cert = write_file(dir, &format!("{name}.der"), cert_der);
    let pubkey = format!("{name}.pub.pem");
    openssl_pki::public_key(dir, &cert, "DER", &pubkey);
    dir.join(pubkey).to_string_lossy().into_owned()
}

fn openssl_verifies(pubkey: &str, sig: &str, data: &str) {
    let (ok, out) = openssl_pki::openssl_text(
        Path::new("."),
        &["dgst", "-sha256", "-verify", pubkey, "-signature", sig, data],
    );
    assert!(ok && out.contains("Verified OK"), "openssl rejected the signature: {out}");
}

/// Tries left of the PIN with this auth ID, as `pkcs15-tool --list-pins` shows them.
fn tries_left(home: &Path, auth_id: &str) -> u32 {
    let (ok, out, err) = opensc(home, "pkcs15-tool", &["--list-pins"]);
    assert!(ok, "pkcs15-tool --list-pins: {err}");
    for block in out.split("PIN [").skip(1) {
        let id = block
            .lines()
            .find_map(|l| l.trim().strip_prefix("ID"))
            .map(|r| r.trim_start_matches([' ', ':']).trim());
        if id == Some(auth_id) {
            let tries = block
                .lines()
                .find_map(|l| l.trim().strip_prefix("Tries left"))
                .map(|r| r.trim_start_matches([' ', ':']).trim().to_string())
                .unwrap_or_else(|| panic!("no tries shown for PIN {auth_id}: {block}"));
            return tries.parse().unwrap_or_else(|_| panic!("tries {tries:?}"));
        }
    }
    panic!("no PIN with ID {auth_id} in:\n{out}")
}

#[test]
fn pkcs15_tool_binds_the_card_as_jpki() {
    if !pcscd_or_skip("pkcs15_tool_binds_the_card_as_jpki") {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let _sim = SimServer::start();
    let (ok, out, err) = opensc(home.path(), "pkcs15-tool", &["-D"]);
    assert!(ok, "pkcs15-tool -D failed: {out}{err}");
    assert!(out.contains("JPKI"), "not bound as JPKI:\n{out}");
}

#[test]
fn public_certificates_are_ours_byte_for_byte() {
    if !pcscd_or_skip("public_certificates_are_ours_byte_for_byte") {
        return;
    }
    let image = default_image();
    let home = tempfile::tempdir().unwrap();
    let _sim = SimServer::start();
    for (id, fid) in
        [("01", jpki::EF_AUTH_CERT), ("03", jpki::EF_AUTH_CA_CERT), ("04", jpki::EF_SIGN_CA_CERT)]
    {
        let (ok, out, err) = opensc(home.path(), "pkcs15-tool", &["--read-certificate", id]);
        assert!(ok, "pkcs15-tool --read-certificate {id}: {err}");
        assert_eq!(
            pem_cert(&out),
            jpki_file(&image, fid),
            "certificate {id} differs from EF {fid:04X}"
        );
    }
}

#[test]
fn signature_certificate_after_the_password() {
    if !pcscd_or_skip("signature_certificate_after_the_password") {
        return;
    }
    let image = default_image();
    let home = tempfile::tempdir().unwrap();
    let _sim = SimServer::start();
    let (ok, out, err) = opensc(
        home.path(),
        "pkcs15-tool",
        &["--verify-pin", "--auth-id", "02", "--pin", SIGN_PIN, "--read-certificate", "02"],
    );
    assert!(ok, "pkcs15-tool: {out}{err}");
    assert_eq!(pem_cert(&out), jpki_file(&image, jpki::EF_SIGN_CERT));
}

#[test]
fn pkcs15_crypt_signs_with_both_keys() {
    if !pcscd_or_skip("pkcs15_crypt_signs_with_both_keys") {
        return;
    }
    let image = default_image();
    let dir = tempfile::tempdir().unwrap();
    let _sim = SimServer::start();
    let data = b"mynacard oracle test: pkcs15-crypt\n";
    let data_path = write_file(dir.path(), "data.txt", data);
    let hash_path = write_file(dir.path(), "data.sha256", &Sha256::digest(data));
    for (key, pin, cert_fid) in
        [("01", AUTH_PIN, jpki::EF_AUTH_CERT), ("02", SIGN_PIN, jpki::EF_SIGN_CERT)]
    {
        let sig = dir.path().join(format!("sig{key}.bin")).to_string_lossy().into_owned();
        let (ok, out, err) = opensc(
            dir.path(),
            "pkcs15-crypt",
            &[
                "--sign",
                "--key",
                key,
                "--sha-256",
                "--pkcs1",
                "--pin",
                pin,
                "-i",
                &hash_path,
                "-o",
                &sig,
                "--raw",
            ],
        );
        assert!(ok, "pkcs15-crypt --key {key}: {out}{err}");
        assert_eq!(std::fs::metadata(&sig).unwrap().len(), 256);
        let pubkey =
            public_key_pem(dir.path(), &format!("cert{key}"), &jpki_file(&image, cert_fid));
        openssl_verifies(&pubkey, &sig, &data_path);
    }
}

#[test]
fn pkcs11_tool_signs_on_both_slots() {
    if !pcscd_or_skip("pkcs11_tool_signs_on_both_slots") {
        return;
    }
    let image = default_image();
    let dir = tempfile::tempdir().unwrap();
    let _sim = SimServer::start();
    let data = b"mynacard oracle test: pkcs11-tool\n";
    let data_path = write_file(dir.path(), "data.txt", data);
    for (slot, id, pin, cert_fid) in
        [("0", "01", AUTH_PIN, jpki::EF_AUTH_CERT), ("1", "02", SIGN_PIN, jpki::EF_SIGN_CERT)]
    {
        let sig = dir.path().join(format!("p11sig{id}.bin")).to_string_lossy().into_owned();
        let (ok, out, err) = opensc(
            dir.path(),
            "pkcs11-tool",
            &[
                "--module",
                PKCS11_MODULE,
                "--slot-index",
                slot,
                "--login",
                "--pin",
                pin,
                "--sign",
                "--id",
                id,
                "-m",
                "SHA256-RSA-PKCS",
                "-i",
                &data_path,
                "-o",
                &sig,
            ],
        );
        assert!(ok, "pkcs11-tool slot {slot} id {id}: {out}{err}");
        let pubkey =
            public_key_pem(dir.path(), &format!("p11cert{id}"), &jpki_file(&image, cert_fid));
        openssl_verifies(&pubkey, &sig, &data_path);
    }
}

/// The right PIN is accepted; wrong PINs are refused and count down as OpenSC shows them;
/// then the PIN is blocked and even the right PIN is refused.
fn wrong_pins_block(auth_id: &str, right: &str, wrong: &str, tries: u32) {
    let home = tempfile::tempdir().unwrap();
    let _sim = SimServer::start();
    let verify = |pin: &str| {
        let (ok, out, err) = opensc(
            home.path(),
            "pkcs15-tool",
            &["--verify-pin", "--auth-id", auth_id, "--pin", pin],
        );
        (ok, format!("{out}{err}"))
    };
    assert_eq!(tries_left(home.path(), auth_id), tries);
    let (ok, out) = verify(right);
    assert!(ok, "the right PIN for {auth_id} was refused: {out}");
    assert_eq!(tries_left(home.path(), auth_id), tries);
    for left in (0..tries).rev() {
        let (ok, out) = verify(wrong);
        assert!(!ok && out.contains("incorrect"), "wrong PIN for {auth_id} not refused: {out}");
        assert_eq!(tries_left(home.path(), auth_id), left, "after a wrong PIN for {auth_id}");
    }
    let (ok, out) = verify(right);
    assert!(!ok, "the blocked PIN {auth_id} accepted the right value: {out}");
    assert_eq!(tries_left(home.path(), auth_id), 0);
}

#[test]
fn wrong_authentication_pins_block_after_three() {
    if !pcscd_or_skip("wrong_authentication_pins_block_after_three") {
        return;
    }
    wrong_pins_block("01", AUTH_PIN, "9999", 3);
}

#[test]
fn wrong_signature_passwords_block_after_five() {
    if !pcscd_or_skip("wrong_signature_passwords_block_after_five") {
        return;
    }
    wrong_pins_block("02", SIGN_PIN, "WRONGPASS1", 5);
}
