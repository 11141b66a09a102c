//! Writing results: atomically (temporary file in the target directory, then rename), so an
//! interrupted run never leaves a half-written file, and never over an existing file the
//! user did not name.

use std::io::Write;
use std::path::Path;

/// Write `bytes` to `path` atomically: a temporary file beside it, flushed and synced, then
/// renamed over the target.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new().prefix(".mynacard-").suffix(".tmp").tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// PEM-encode DER bytes with the given label.
pub fn pem(label: &str, der: &[u8]) -> String {
    der::pem::encode_string(label, der::pem::LineEnding::LF, der).unwrap_or_default()
}
