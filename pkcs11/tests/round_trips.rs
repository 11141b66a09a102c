//! Round trips: the card commands our module and OpenSC's PKCS#11 module
//! (`opensc-pkcs11.so`) need for the same `pkcs11-tool` work on the same virtual card
//! (a fresh card each, counted by the card: `sim serve --counts`): listing the objects
//! (`-O`) and a login with a SHA-256 signature by the authentication key. Ours must take
//! no more than OpenSC's; the figures are printed (BENCHMARKS.md records them).
//!
//! Run: `scripts/with-pcscd cargo test -p mynacard-pkcs11 --test round_trips --
//! --test-threads=1 --nocapture`.

mod common;

use common::*;

const OPENSC: &str = "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so";

/// Card commands for `pkcs11-tool --module MODULE ARGS` on a fresh card.
fn commands(module: &str, args: &[&str]) -> u64 {
    let home = tempfile::tempdir().unwrap();
    let sim = Sim::start();
    let before = sim.count("commands");
    let mut all = vec!["--module", module];
    all.extend_from_slice(args);
    let (done, out, err) = run(home.path(), "pkcs11-tool", &all, &[]);
    assert!(done, "pkcs11-tool {args:?} with {module}: {out}{err}");
    sim.count("commands") - before
}

#[test]
fn our_module_takes_no_more_card_commands_than_opensc() {
    if !pcscd_or_skip("our_module_takes_no_more_card_commands_than_opensc") {
        return;
    }
    let ours = module_path();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data.txt");
    std::fs::write(&data, b"round trips").unwrap();
    let sig = dir.path().join("sig");
    let sign = [
        "--login",
        "--pin",
        AUTH_PIN,
        "--sign",
        "--id",
        "01",
        "-m",
        "SHA256-RSA-PKCS",
        "-i",
        s(&data),
        "-o",
        s(&sig),
    ];
    let objects_ours = commands(&ours, &["--slot", "0", "-O"]);
    let objects_opensc = commands(OPENSC, &["-O"]);
    let mut sign_ours_args = vec!["--slot", "0"];
    sign_ours_args.extend(sign);
    let sign_ours = commands(&ours, &sign_ours_args);
    let sign_opensc = commands(OPENSC, &sign);
    println!("card commands   ours  OpenSC");
    println!("-O              {objects_ours:>4}  {objects_opensc:>6}");
    println!("login + sign    {sign_ours:>4}  {sign_opensc:>6}");
    assert!(objects_ours <= objects_opensc, "-O: ours {objects_ours}, OpenSC {objects_opensc}");
    assert!(sign_ours <= sign_opensc, "sign: ours {sign_ours}, OpenSC {sign_opensc}");
}
