//! What a packager installs, generated from the command line itself: shell completions for
//! bash, zsh and fish, and one manual page per command. The completion scripts are checked by
//! the shells' own parsers where the shell is installed (bash always is; `scripts/setup-debian`
//! installs zsh, fish and groff for CI), the pages by groff's own warnings (`-k`: UTF-8 input through preconv, as man-db
//! reads them).

mod common;

use std::process::Command as Process;

use common::cli::*;

/// Every command a user can type, as `mynacard-…` page names.
const PAGES: &[&str] = &[
    "mynacard",
    "mynacard-readers",
    "mynacard-status",
    "mynacard-cert",
    "mynacard-cert-read",
    "mynacard-cert-show",
    "mynacard-cert-verify",
    "mynacard-pin",
    "mynacard-pin-status",
    "mynacard-pin-change",
    "mynacard-sign",
    "mynacard-text",
    "mynacard-text-read",
    "mynacard-face",
    "mynacard-face-read",
    "mynacard-face-age",
    "mynacard-verify",
    "mynacard-demo",
    "mynacard-sim",
    "mynacard-sim-serve",
    "mynacard-sim-generate",
    "mynacard-apdu",
    "mynacard-apdu-run",
    "mynacard-apdu-send",
    "mynacard-watch",
    "mynacard-doctor",
    "mynacard-completions",
    "mynacard-man",
    "mynacard-serve",
];

fn completions(shell: &str) -> String {
    let out = mynacard().args(["completions", shell]).output().unwrap();
    assert!(out.status.success(), "{shell}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// Runs `shell` with `args` on `script` (written to a file); the shell's own syntax check.
fn shell_accepts(shell: &str, args: &[&str], script: &str) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("completion");
    std::fs::write(&path, script).unwrap();
    let out = Process::new(shell).args(args).arg(&path).output().unwrap_or_else(|e| {
        panic!("{shell} is needed for this test (scripts/setup-debian installs it): {e}")
    });
    assert!(
        out.status.success(),
        "{shell} rejects the script: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn bash_completion_parses_and_completes_every_subcommand_and_option() {
    let script = completions("bash");
    shell_accepts("bash", &["-n"], &script);
    // Load it and ask bash what it completes after `mynacard ` and after `mynacard sign --`.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mynacard.bash");
    std::fs::write(&path, &script).unwrap();
    let ask = |words: &str, cword: usize| {
        let program = format!(
            "source {}; COMP_WORDS=({words}); COMP_CWORD={cword}; _mynacard mynacard \"${{COMP_WORDS[COMP_CWORD]}}\" \"${{COMP_WORDS[COMP_CWORD-1]}}\"; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            path.display()
        );
        let out = Process::new("bash").args(["-c", &program]).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    let top = ask("mynacard ''", 1);
    for sub in [
        "readers",
        "status",
        "cert",
        "pin",
        "sign",
        "text",
        "face",
        "verify",
        "demo",
        "sim",
        "apdu",
        "watch",
        "doctor",
        "completions",
        "man",
    ] {
        assert!(top.lines().any(|l| l == sub), "`mynacard <TAB>` lacks {sub}: {top}");
    }
    let sign = ask("mynacard sign --", 2);
    for opt in ["--key", "--hash", "--format", "--pin-stdin", "--allow-last-try", "--pinpad"] {
        assert!(sign.lines().any(|l| l == opt), "`mynacard sign --<TAB>` lacks {opt}: {sign}");
    }
    // Secrets are never options: no completion offers a PIN value on the command line.
    assert!(!sign.lines().any(|l| l == "--pin"), "{sign}");
}

#[test]
fn zsh_and_fish_completions_parse() {
    let zsh = completions("zsh");
    assert!(zsh.starts_with("#compdef mynacard"), "{}", &zsh[..zsh.len().min(80)]);
    shell_accepts("zsh", &["-n"], &zsh);
    let fish = completions("fish");
    assert!(fish.contains("complete -c mynacard"), "{fish}");
    assert!(fish.contains("-l allow-last-try"), "fish completion lacks sign's options");
    shell_accepts("fish", &["--no-execute"], &fish);
}

#[test]
fn an_unknown_shell_is_a_usage_error() {
    let out = mynacard().args(["completions", "powershell"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("possible values: bash, zsh, fish"));
}

#[test]
fn man_writes_one_clean_page_per_command() {
    let dir = tempfile::tempdir().unwrap();
    let out = mynacard().args(["man", "--dir"]).arg(dir.path()).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut written: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    written.sort();
    let mut expected: Vec<String> = PAGES.iter().map(|p| format!("{p}.1")).collect();
    expected.sort();
    assert_eq!(written, expected);
    for page in PAGES {
        let path = dir.path().join(format!("{page}.1"));
        let roff = std::fs::read_to_string(&path).unwrap();
        assert!(roff.contains(&format!(".TH {} 1", page.to_uppercase())), "{page}: {roff}");
        // groff renders it with every warning on and nothing to complain about.
        let out = Process::new("groff")
            .args(["-k", "-man", "-Tutf8", "-ww", "-z"])
            .arg(&path)
            .output()
            .expect("groff (scripts/setup-debian installs it)");
        assert!(
            out.status.success() && out.stderr.is_empty(),
            "{page}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let sign = std::fs::read_to_string(dir.path().join("mynacard-sign.1")).unwrap();
    assert!(sign.contains("allow\\-last\\-try"), "sign's page lacks --allow-last-try");
}

#[test]
fn man_without_dir_prints_the_main_page() {
    let out = mynacard().arg("man").output().unwrap();
    assert!(out.status.success());
    let roff = String::from_utf8(out.stdout).unwrap();
    assert!(roff.contains(".TH MYNACARD 1"), "{roff}");
    assert!(roff.contains("completions"), "the main page lists the subcommands");
}

#[test]
fn man_into_a_missing_directory_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no/such/dir");
    let out = mynacard().args(["man", "--dir"]).arg(&missing).output().unwrap();
    assert_eq!(out.status.code(), Some(13), "{out:?}"); // exit name `io`
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no/such/dir/mynacard.1"), "{err}");
}
