//! Writing results: atomically (temporary file in the target directory, then rename), so an
//! interrupted run never leaves a half-written file, and never over an existing file the
//! user did not name; and to standard output and error without ever panicking.
//!
//! Standard output may be a closed pipe (`mynacard status | head -0`) or a full device: every
//! command prints through [`outln!`]/[`out!`], which return [`CliError::Stdout`] instead of
//! panicking as `println!` does. The exit code is then 13 (`io`); a closed pipe (EPIPE) exits
//! quietly, as Unix tools do when their reader goes away (they die of SIGPIPE, which this
//! program, forbidding `unsafe`, does not restore), any other failure prints one line on
//! standard error. Messages for a person go through [`errln!`], which ignores a standard
//! error that cannot be written (there is nowhere left to report it).

use std::io::Write;
use std::path::Path;

use super::CliError;

/// `println!` that returns `Result<(), CliError>` (use with `?`).
macro_rules! outln {
    () => {
        $crate::cli::output::stdout_write(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::cli::output::stdout_write(format_args!("{}\n", format_args!($($arg)*)))
    };
}

/// `print!` that returns `Result<(), CliError>` (use with `?`).
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::cli::output::stdout_write(format_args!($($arg)*))
    };
}

/// `eprintln!` that never panics: a standard error that cannot be written is ignored.
macro_rules! errln {
    ($($arg:tt)*) => {
        $crate::cli::output::stderr_write(format_args!("{}\n", format_args!($($arg)*)))
    };
}

/// Write to standard output and flush, so a closed pipe or a full device shows now, as an
/// error.
pub fn stdout_write(args: std::fmt::Arguments<'_>) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    out.write_fmt(args).and_then(|()| out.flush()).map_err(CliError::Stdout)
}

/// Write bytes to standard output and flush.
pub fn stdout_bytes(bytes: &[u8]) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes).and_then(|()| out.flush()).map_err(CliError::Stdout)
}

/// Write to standard error; failures are ignored (nowhere is left to report them).
pub fn stderr_write(args: std::fmt::Arguments<'_>) {
    let mut err = std::io::stderr().lock();
    let _ = err.write_fmt(args).and_then(|()| err.flush());
}

/// Write `bytes` to `path` atomically: a temporary file beside it, flushed and synced, then
/// renamed over the target.
///
/// A path that names something other than a regular file (a terminal, a pipe,
/// `/dev/stdout`) is written directly: renaming over it would replace the device. A symbolic
/// link is followed, so the file it points to is replaced, not the link.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Ok(meta) = std::fs::metadata(path) {
        if !meta.is_file() {
            let mut f = std::fs::OpenOptions::new().write(true).open(path)?;
            return f.write_all(bytes).and_then(|()| f.flush());
        }
    }
    let resolved = std::fs::canonicalize(path).ok();
    let path = resolved.as_deref().unwrap_or(path);
    let mut tmp = temporary_beside(path)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// The temporary file [`write_atomic`] writes before renaming it to `path`.
fn temporary_beside(path: &Path) -> std::io::Result<tempfile::NamedTempFile> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    tempfile::Builder::new().prefix(".mynacard-").suffix(".tmp").tempfile_in(dir)
}

/// Whether [`write_atomic`] can write `path`, found out before any work whose result would
/// be lost (a card signature): the temporary file it would write is created and removed. A
/// missing directory, a path under a regular file or a read-only file system fails here;
/// permission bits too, except for root, whom they do not stop. A path that names
/// something other than a regular file is written directly and is not probed.
pub fn check_writable(path: &Path) -> std::io::Result<()> {
    if std::fs::metadata(path).is_ok_and(|m| !m.is_file()) {
        return Ok(());
    }
    let resolved = std::fs::canonicalize(path).ok();
    temporary_beside(resolved.as_deref().unwrap_or(path)).map(drop)
}

/// PEM-encode DER bytes with the given label.
pub fn pem(label: &str, der: &[u8]) -> String {
    der::pem::encode_string(label, der::pem::LineEnding::LF, der).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_writability_probe_leaves_nothing_and_refuses_what_cannot_be_written() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.bin");
        check_writable(&target).unwrap();
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "nothing left behind");
        let file = dir.path().join("file");
        std::fs::write(&file, b"x").unwrap();
        let e = check_writable(&file.join("out.bin")).unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::NotADirectory, "{e}");
        let e = check_writable(&dir.path().join("missing").join("out.bin")).unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::NotFound, "{e}");
        check_writable(Path::new("/dev/null")).unwrap();
    }

    #[test]
    fn replaces_a_file_whole_and_leaves_no_temporary_behind() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.bin");
        std::fs::write(&target, b"old contents that are longer").unwrap();
        write_atomic(&target, b"new").unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"new");
        let names: Vec<_> =
            std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, vec![std::ffi::OsString::from("out.bin")]);
    }

    #[test]
    fn follows_a_symbolic_link_to_the_real_file() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.pem");
        let link = dir.path().join("link.pem");
        std::fs::write(&real, b"old").unwrap();
        std::os::unix::fs::symlink(&real, &link).unwrap();
        write_atomic(&link, b"new").unwrap();
        assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
        assert_eq!(std::fs::read(&real).unwrap(), b"new");
    }

    #[test]
    fn a_device_is_written_in_place_not_replaced() {
        write_atomic(Path::new("/dev/null"), b"discarded").unwrap();
        assert!(!std::fs::metadata("/dev/null").unwrap().is_file());
    }

    #[test]
    fn a_missing_directory_is_an_error_and_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("no-such-dir").join("out.bin");
        assert!(write_atomic(&target, b"x").is_err());
        assert!(!target.exists());
    }
}
