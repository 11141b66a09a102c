//! Helpers shared by the tests that run the binary or need a running pcscd with vsmartcard's
//! vpcd (`scripts/with-pcscd` provides one and sets `MYNACARD_PCSCD=1`): the default card
//! image's published PINs and files, the skip check, the virtual card served by `mynacard sim
//! serve` as a child process (killed by PID on drop), and in [`cli`] the `mynacard` command
//! and what it leaves behind.
#![allow(dead_code)] // each test binary uses a different part of this module

pub mod cli;
pub mod serve;

use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use mynacard::facts::AID_JPKI;
use mynacard::sim::image::CardImage;
use mynacard::transport::pcsc::{list_readers, ReaderStatus};

/// The reader vpcd's first slot appears as.
pub const READER: &str = "Virtual PCD 00 00";
/// The second vpcd reader, which stays empty.
pub const EMPTY_READER: &str = "Virtual PCD 00 01";
/// Where vpcd listens for the first reader's card.
pub const VPCD_ADDR: &str = "127.0.0.1:35963";
/// Where vpcd listens for the second reader's card.
pub const SECOND_VPCD_ADDR: &str = "127.0.0.1:35964";
/// How long a served card may take to appear.
pub const APPEAR_TIMEOUT: Duration = Duration::from_secs(20);

/// Default-image PINs (published test values of the virtual card).
pub const AUTH_PIN: &str = "1234";
/// Signature password of the default image.
pub const SIGN_PIN: &str = "MYNACARD1";
/// Text-application PIN of the default image.
pub const TEXT_PIN: &str = "1234";
/// The default image holder's My Number.
pub const MY_NUMBER: &str = "123456789018";

/// Whether a pcscd is there; prints a notice naming the test when not.
pub fn pcscd_or_skip(test: &str) -> bool {
    if std::env::var("MYNACARD_PCSCD").as_deref() == Ok("1") {
        return true;
    }
    eprintln!(
        "SKIPPED {test}: needs pcscd with vpcd; run under scripts/with-pcscd (MYNACARD_PCSCD=1)"
    );
    false
}

/// The card image `mynacard sim serve` serves when given no `--image`.
pub fn default_image() -> CardImage {
    CardImage::default_image()
}

/// A file of the JPKI application of an image.
pub fn jpki_file(image: &CardImage, fid: u16) -> Vec<u8> {
    image
        .app(&AID_JPKI)
        .and_then(|app| app.files.get(&fid))
        .map(|ef| ef.data.clone())
        .unwrap_or_else(|| panic!("the image has no JPKI EF {fid:04X}"))
}

/// The status of one reader right now.
pub fn reader_status(name: &str) -> Option<ReaderStatus> {
    list_readers().ok()?.into_iter().find(|r| r.name == name)
}

/// Poll until `cond` holds for the reader's status, at most `timeout`.
pub fn wait_reader(name: &str, timeout: Duration, cond: impl Fn(&ReaderStatus) -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if reader_status(name).is_some_and(|s| cond(&s)) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

/// `mynacard sim serve` running as a child process; killed by PID when dropped, and then
/// awaited until its card has left the reader.
pub struct SimServer {
    child: Option<Child>,
    reader: &'static str,
}

impl SimServer {
    /// Serve the default image into "Virtual PCD 00 00" and wait for the card to appear.
    pub fn start() -> SimServer {
        SimServer::start_with(&[])
    }

    /// Serve with extra `sim serve` arguments and wait for the card to appear.
    pub fn start_with(extra: &[&str]) -> SimServer {
        SimServer::start_in(READER, VPCD_ADDR, extra)
    }

    /// A second card, served into "Virtual PCD 00 01".
    pub fn start_second() -> SimServer {
        SimServer::start_in(EMPTY_READER, SECOND_VPCD_ADDR, &[])
    }

    /// Serve into the vpcd slot at `vpcd` and wait for the card to appear in `reader`.
    fn start_in(reader: &'static str, vpcd: &str, extra: &[&str]) -> SimServer {
        // A card from a previous test may still be seen for a moment: wait until it is gone.
        wait_reader(reader, Duration::from_secs(10), |s| !s.card_present);
        let verbosity = std::env::var("MYNACARD_SIM_VERBOSE").unwrap_or_default();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_mynacard"));
        cmd.args(["sim", "serve", "--vpcd", vpcd]).args(extra);
        if verbosity.is_empty() {
            cmd.arg("-q");
        } else {
            cmd.arg(format!("-{verbosity}"));
        }
        let child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", env!("CARGO_BIN_EXE_mynacard")));
        let mut server = SimServer { child: Some(child), reader };
        let deadline = Instant::now() + APPEAR_TIMEOUT;
        loop {
            if reader_status(reader).is_some_and(|s| s.card_present && s.atr.is_some()) {
                break;
            }
            if let Some(status) = server.child.as_mut().and_then(|c| c.try_wait().ok().flatten()) {
                panic!("mynacard sim serve exited early with {status}");
            }
            if Instant::now() >= deadline {
                panic!(
                    "the virtual card did not appear in {reader:?} within {APPEAR_TIMEOUT:?} \
                     (readers: {:?})",
                    list_readers()
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        server
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map(|c| c.id()).unwrap_or(0)
    }

    /// Send SIGTERM to the server (by PID) and wait for it to exit.
    pub fn terminate(mut self) -> ExitStatus {
        let mut child = self.child.take().expect("server already stopped");
        terminate(&mut child, "sim serve")
    }

    /// Kill the server at once (the card vanishes as if pulled out).
    pub fn kill(mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for SimServer {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
            wait_reader(self.reader, Duration::from_secs(10), |s| !s.card_present);
        }
    }
}

/// Send SIGTERM to a child we started (by its PID) and wait up to 10 s for it to exit; past
/// that it is killed and the test fails, naming `what`.
pub fn terminate(child: &mut Child, what: &str) -> ExitStatus {
    let status =
        Command::new("kill").args(["-TERM", &child.id().to_string()]).status().expect("run kill");
    assert!(status.success(), "kill -TERM failed");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what} did not stop within 10 s of SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Write `bytes` to `dir/name` and return the path as a string.
pub fn write_file(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write test file");
    path.to_string_lossy().into_owned()
}
