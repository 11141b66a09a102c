//! Helpers for the module's tests through pcscd + vpcd + the virtual card (run under
//! `scripts/with-pcscd`, which sets `MYNACARD_PCSCD=1`): the built module and `mynacard`
//! binary, the virtual card served by `mynacard sim serve --counts` as a child process
//! (killed by PID when dropped), its command counts, and the independent tools.
#![allow(dead_code)] // each test binary uses a different part

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The reader vpcd's first slot appears as.
pub const READER: &str = "Virtual PCD 00 00";
/// Default-image authentication PIN (a published test value of the virtual card).
pub const AUTH_PIN: &str = "1234";
/// Default-image signature password.
pub const SIGN_PIN: &str = "MYNACARD1";

/// Whether a pcscd is there; prints a notice naming the test when not.
pub fn pcscd_or_skip(test: &str) -> bool {
    if std::env::var("MYNACARD_PCSCD").as_deref() == Ok("1") {
        return true;
    }
    eprintln!("SKIPPED {test}: needs pcscd with vpcd; run under scripts/with-pcscd");
    false
}

/// `target/<profile>`: the directory holding the test binary's `deps/`.
fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable");
    exe.parent().and_then(Path::parent).expect("target/<profile>/deps/<test>").to_path_buf()
}

/// Build the module's shared library and the `mynacard` binary once per test process:
/// `cargo test` links the crate as an rlib and does not refresh the `.so` the tools load.
fn build_once() {
    static BUILT: std::sync::OnceLock<()> = std::sync::OnceLock::new();
    BUILT.get_or_init(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut cmd = Command::new(cargo);
        cmd.args(["build", "-q", "-p", "mynacard-pkcs11", "-p", "mynacard", "--lib", "--bins"]);
        if target_dir().ends_with("release") {
            cmd.arg("--release");
        }
        let status = cmd.status().expect("run cargo build");
        assert!(status.success(), "cargo build of the module failed");
    });
}

/// The module as built (`libmynacard_pkcs11.so`), rebuilt first when stale.
pub fn module_path() -> String {
    build_once();
    let p = target_dir().join("libmynacard_pkcs11.so");
    assert!(p.exists(), "{} is missing: cargo build -p mynacard-pkcs11", p.display());
    p.to_string_lossy().into_owned()
}

/// The `mynacard` binary (built by `cargo build`, the workspace's default members).
pub fn mynacard_bin() -> PathBuf {
    build_once();
    let p = target_dir().join("mynacard");
    assert!(p.exists(), "{} is missing: cargo build --bin mynacard", p.display());
    p
}

/// A path as a string.
pub fn s(p: &Path) -> &str {
    p.to_str().expect("UTF-8 temp path")
}

fn card_present() -> bool {
    mynacard::transport::pcsc::list_readers()
        .ok()
        .and_then(|rs| rs.into_iter().find(|r| r.name == READER))
        .is_some_and(|r| r.card_present && r.atr.is_some())
}

/// Poll (bounded) until the card's presence is `want`.
pub fn wait_card(want: bool, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if card_present() == want {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

/// `mynacard sim serve --counts FILE` as a child process, killed by PID when dropped.
pub struct Sim {
    child: Option<Child>,
    /// The counts file.
    pub counts: PathBuf,
    _dir: tempfile::TempDir,
}

impl Sim {
    /// Serve the default image into "Virtual PCD 00 00" and wait for the card.
    pub fn start() -> Sim {
        Sim::start_with(&[])
    }

    /// Serve with extra `sim serve` arguments.
    pub fn start_with(extra: &[&str]) -> Sim {
        wait_card(false, Duration::from_secs(10));
        let dir = tempfile::tempdir().expect("temp dir");
        let counts = dir.path().join("counts.json");
        let child = Command::new(mynacard_bin())
            .args(["sim", "serve", "-q", "--vpcd", "127.0.0.1:35963", "--counts", s(&counts)])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .spawn()
            .expect("start mynacard sim serve");
        let sim = Sim { child: Some(child), counts, _dir: dir };
        assert!(wait_card(true, Duration::from_secs(20)), "the virtual card did not appear");
        sim
    }

    /// The card's command counts so far (all power cycles), as `sim serve --counts` writes.
    pub fn counts(&self) -> serde_json::Value {
        let text = std::fs::read_to_string(&self.counts).expect("counts file");
        serde_json::from_str(&text).expect("counts JSON")
    }

    /// One count.
    pub fn count(&self, key: &str) -> u64 {
        let v = self.counts();
        v[key].as_u64().unwrap_or_else(|| panic!("no {key} in {v}"))
    }

    /// Stop the server by PID (the card vanishes as if pulled out).
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
            wait_card(false, Duration::from_secs(10));
        }
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Run a program with a private HOME, returning success, stdout and stderr.
pub fn run(
    home: &Path,
    program: &str,
    args: &[&str],
    env: &[(&str, &str)],
) -> (bool, String, String) {
    let out: Output = Command::new(program)
        .args(args)
        .env("HOME", home)
        .env("XDG_CACHE_HOME", home.join("cache"))
        .envs(env.iter().copied())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `pkcs11-tool --module <ours> ARGS…`.
///
/// PINs are passed on pkcs11-tool's command line here: acceptable only because they are
/// the virtual card's published test PINs in a private pcscd namespace; pkcs11-tool takes
/// no PIN non-interactively in another way. Never do this with a real card's PIN.
pub fn p11tool(home: &Path, args: &[&str]) -> (bool, String, String) {
    p11tool_env(home, args, &[])
}

/// [`p11tool`] with extra environment variables.
pub fn p11tool_env(home: &Path, args: &[&str], env: &[(&str, &str)]) -> (bool, String, String) {
    let module = module_path();
    let mut all = vec!["--module", module.as_str()];
    all.extend_from_slice(args);
    run(home, "pkcs11-tool", &all, env)
}

/// `openssl ARGS…` in `dir`, returning success and stdout+stderr.
pub fn openssl(dir: &Path, args: &[&str]) -> (bool, String) {
    let out = Command::new("openssl").args(args).current_dir(dir).output().expect("run openssl");
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

/// A file of the default image's JPKI application.
pub fn jpki_file(fid: u16) -> Vec<u8> {
    mynacard::sim::image::CardImage::default_image()
        .app(&mynacard::facts::AID_JPKI)
        .and_then(|app| app.files.get(&fid))
        .map(|ef| ef.data.clone())
        .unwrap_or_else(|| panic!("no JPKI EF {fid:04X}"))
}
