//! Robustness of the command line against its surroundings: standard output that is a closed
//! pipe or a full device (no panic: exit 13 `io`, quiet for a closed pipe, one line on stderr
//! otherwise), inputs that are devices or endless FIFOs (refused or read with a bound, never
//! hanging), hostile APDU scripts (bounded variables) and card images whose files are symbolic
//! links leaving the image directory (refused).

mod common;

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::cli::*;
#[allow(unused_imports)]
use common::{SIGN_PIN, TEXT_PIN};
use predicates::prelude::*;

/// How long any one command may take before the test calls it hung (not a speed assertion:
/// every command here finishes in well under a second when it does not hang).
const HANG: Duration = Duration::from_secs(60);

fn bin() -> std::path::PathBuf {
    assert_cmd::cargo::cargo_bin("mynacard")
}

/// Commands that print on stdout, with what they read on stdin.
fn printing_commands(doc: &str, cert: &str) -> Vec<(Vec<String>, String)> {
    let v = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    vec![
        (v(&["status"]), String::new()),
        (v(&["status", "--json"]), String::new()),
        (v(&["pin", "status"]), String::new()),
        (v(&["cert", "read", "auth"]), String::new()),
        (v(&["cert", "read", "auth", "--format", "pem"]), String::new()),
        (v(&["cert", "read", "auth-ca", "--format", "der"]), String::new()),
        (v(&["cert", "show", cert]), String::new()),
        (v(&["text", "read", "--pin-stdin"]), format!("{TEXT_PIN}\n")),
        (v(&["apdu", "send", "00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01"]), String::new()),
        (v(&["demo"]), String::new()),
        (v(&["sign", doc, "--pin-stdin", "--json", "--force"]), format!("{SIGN_PIN}\n")),
        (v(&["doctor"]), String::new()),
    ]
}

fn inputs() -> (tempfile::TempDir, String, String) {
    let (dir, doc) = workdir();
    let cert = image("jpki/000A.der");
    (dir, s(&doc).to_string(), s(&cert).to_string())
}

/// The write end of a pipe whose read end is already closed: the read end belonged to a
/// `true` process that has exited, so every write meets EPIPE.
fn broken_pipe() -> Stdio {
    let mut reader = Command::new("true").stdin(Stdio::piped()).spawn().unwrap();
    let write_end = reader.stdin.take().unwrap();
    reader.wait().unwrap();
    Stdio::from(write_end)
}

/// Run `mynacard --reader sim ARGS` with the given stdout and stderr, feeding `stdin`.
fn run_with(args: &[String], stdin: &str, stdout: Stdio, stderr: Stdio) -> std::process::Output {
    let mut child = Command::new(bin())
        .args(["--reader", "sim"])
        .args(args)
        .env_remove("MYNACARD_READER")
        .env_remove("MYNACARD_PINPAD")
        .stdin(Stdio::piped())
        .stdout(stdout)
        .stderr(stderr)
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    let _ = input.write_all(stdin.as_bytes());
    drop(input);
    wait_bounded(child)
}

/// Wait for a child, killing it (by its PID) if it hangs.
fn wait_bounded(mut child: std::process::Child) -> std::process::Output {
    let deadline = std::time::Instant::now() + HANG;
    loop {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the command hung");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_closed_stdout_pipe_exits_13_quietly_without_panicking() {
    let (_dir, doc, cert) = inputs();
    for (args, stdin) in printing_commands(&doc, &cert) {
        let out = run_with(&args, &stdin, broken_pipe(), Stdio::piped());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(13), "{args:?}: {:?} {stderr}", out.status);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(stderr.is_empty(), "{args:?}: a closed pipe is not reported: {stderr}");
    }
}

#[test]
fn a_full_stdout_exits_13_with_one_line() {
    let (_dir, doc, cert) = inputs();
    for (args, stdin) in printing_commands(&doc, &cert) {
        let out = run_with(&args, &stdin, dev_full(), Stdio::piped());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(13), "{args:?}: {:?} {stderr}", out.status);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        let last = stderr.lines().last().unwrap_or_default();
        assert_eq!(
            last,
            "mynacard: cannot write to standard output: No space left on device (os error 28)",
            "{args:?}: {stderr}"
        );
    }
    // A full standard error is not a panic either: the exit code still tells what happened.
    let v = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    for (args, code) in [
        (v(&["cert", "show", "/nonexistent/x.der"]), 13),
        (v(&["apdu", "send", "00 A4 02 0C 02 77 77", "=>", "90 00"]), 7),
        (v(&["pin", "change", "auth", "--pin-stdin"]), 2),
    ] {
        let out = run_with(&args, "", Stdio::null(), dev_full());
        assert_eq!(out.status.code(), Some(code), "{args:?}: {:?}", out.status);
    }
}

fn dev_full() -> Stdio {
    Stdio::from(std::fs::OpenOptions::new().write(true).open("/dev/full").unwrap())
}

// ---------------------------------------------------------------------------------------
// APDU scripts

/// Run a command under `sh -c 'ulimit -v …'`, so that an unbounded allocation fails fast
/// instead of taking the machine's memory.
fn with_memory_limit(args: &[&str]) -> std::process::Output {
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg("ulimit -v 2000000; exec \"$0\" \"$@\"")
        .arg(bin())
        .args(["--reader", "sim"])
        .args(args)
        .env_remove("MYNACARD_READER")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    wait_bounded(cmd.spawn().unwrap())
}

#[test]
fn a_short_script_doubling_a_variable_is_refused_with_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("bomb.apdu");
    let mut text = String::from("set A 00 01 02 03 04 05 06 07\n");
    for _ in 0..60 {
        text.push_str("set A $A $A\n");
    }
    text.push_str("00 D6 00 00 $A\n");
    assert!(text.len() < 800, "a few hundred bytes");
    std::fs::write(&script, text).unwrap();
    let out = with_memory_limit(&["apdu", "run", s(&script)]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{:?}: {stderr}", out.status);
    assert!(stderr.contains("bomb.apdu:15: $A would be longer than 65544 bytes"), "{stderr}");
    assert!(out.stdout.is_empty());
}

// ---------------------------------------------------------------------------------------
// Card images

#[test]
fn image_files_leading_outside_the_image_directory_are_refused() {
    use mynacard::sim::image::{write_default_image, CardImage, ImageError};
    let outside = tempfile::tempdir().unwrap();
    let secret = outside.path().join("not-for-the-card.der");
    std::fs::write(&secret, b"\x30\x03\x02\x01\x07").unwrap();
    let base = tempfile::tempdir().unwrap();
    let dir = base.path().join("img");
    write_default_image(&dir).unwrap();
    CardImage::load(&dir).expect("the default image loads");
    // A symbolic link inside the directory that stays inside is fine.
    let cert = dir.join("jpki/000A.der");
    std::fs::rename(&cert, dir.join("jpki/000A.real")).unwrap();
    std::os::unix::fs::symlink("000A.real", &cert).unwrap();
    CardImage::load(&dir).expect("a link staying inside loads");
    // One leading out is refused, naming the file and who referenced it.
    std::fs::remove_file(&cert).unwrap();
    std::os::unix::fs::symlink(&secret, &cert).unwrap();
    let err = CardImage::load(&dir).unwrap_err();
    assert!(matches!(err, ImageError::OutsideImage { .. }), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("jpki/000A.der: leads outside the image directory"), "{text}");
    // So is a linked card.json, a device and a FIFO (refused before opening: no hang).
    std::fs::remove_file(&cert).unwrap();
    std::os::unix::fs::symlink("/dev/zero", &cert).unwrap();
    assert!(matches!(CardImage::load(&dir), Err(ImageError::OutsideImage { .. })));
    std::fs::remove_file(&cert).unwrap();
    let fifo = dir.join("jpki/fifo");
    assert!(Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    std::os::unix::fs::symlink("fifo", &cert).unwrap();
    assert!(matches!(CardImage::load(&dir), Err(ImageError::NotRegularFile { .. })));
    std::fs::remove_file(&cert).unwrap();
    std::fs::write(&cert, vec![0u8; 4 * 1024 * 1024 + 1]).unwrap();
    assert!(matches!(CardImage::load(&dir), Err(ImageError::TooLarge { .. })));
    let json = dir.join("card.json");
    std::fs::rename(&json, outside.path().join("card.json")).unwrap();
    std::os::unix::fs::symlink(outside.path().join("card.json"), &json).unwrap();
    assert!(matches!(CardImage::load(&dir), Err(ImageError::OutsideImage { .. })));
}

// ---------------------------------------------------------------------------------------
// Inputs that are devices or FIFOs

#[test]
fn devices_and_fifos_are_refused_or_bounded_never_hanging() {
    let (dir, doc) = workdir();
    let fifo = dir.path().join("fifo");
    assert!(Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let (doc, fifo) = (s(&doc).to_string(), s(&fifo).to_string());
    let cert = s(&image("jpki/000A.der")).to_string();
    for special in ["/dev/zero", fifo.as_str()] {
        let runs: Vec<Vec<&str>> = vec![
            vec!["cert", "show", special],
            vec!["cert", "verify", special],
            vec!["verify", &doc, "--signature", special, "--cert", &cert],
            vec!["verify", &doc, "--signature", &doc, "--cert", special],
            vec!["cert", "verify", &cert, "--trust-anchor", special],
            vec!["cert", "verify", &cert, "--crl", special],
            vec!["apdu", "run", special],
        ];
        for args in runs {
            let out = sim(&args).timeout(HANG).assert().code(13).get_output().clone();
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(
                stderr.contains("a regular file") || stderr.contains("not a regular file"),
                "{args:?}: {stderr}"
            );
        }
    }
    // Data to verify or sign may come from a FIFO, but never from a device.
    sim(&["verify", "/dev/zero", "--signature", &doc]).timeout(HANG).assert().code(13);
    sim(&["sign", "/dev/zero", "--pin-stdin", "-o", &format!("{doc}.p7s")])
        .write_stdin(format!("{SIGN_PIN}\n"))
        .timeout(HANG)
        .assert()
        .code(13)
        .stderr(predicate::str::contains("a device"));
}
