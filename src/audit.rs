//! The audit log for kiosks and rigs: one JSON object per line per card operation,
//! `{"time", "reader", "operation", "outcome", "tries_left", "cert_sha256"}` (a service adds
//! `"caller"` and `"purpose"`), appended with
//! `O_APPEND` (so several processes may share one log) and written with one `write` per
//! line, flushed to disk before [`AuditLog::record`] returns. A new log file is created with
//! mode 0600.
//!
//! What a record can hold is fixed by its type: the operation and its outcome are enums, the
//! only numbers are a retry counter and the time, and the certificate is named by its
//! SHA-256. No field can carry a PIN, a My Number, a name, an address or a birth date.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// What was done with the card.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Operation {
    /// Looked for the JPKI application.
    Detect,
    /// Read the user-authentication certificate.
    ReadAuthCertificate,
    /// Read the signature certificate (after the signature password).
    ReadSignCertificate,
    /// Read a CA certificate from the card.
    ReadCaCertificate,
    /// Read retry counters.
    PinStatus,
    /// Signed with the signature key.
    Sign,
    /// Signed with the authentication key (client authentication).
    Authenticate,
    /// Changed a PIN or password.
    ChangePin,
    /// Read the My Number from the text application.
    ReadMyNumber,
    /// Read the holder's four facts from the text application.
    ReadAttributes,
    /// Ran an APDU script.
    RunScript,
    /// Sent a single APDU.
    SendApdu,
    /// Verified a signature (no card; `mynacard serve`'s `/v1/verify`).
    Verify,
    /// Read the card face (card-face application; `face read`).
    ReadCardFace,
    /// Answered an age check from the signed birth record (`face age`, `/v1/age`).
    AgeCheck,
}

/// How it ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Done.
    Ok,
    /// A PIN or password was wrong (see `tries_left`).
    WrongPin,
    /// The PIN is blocked.
    PinBlocked,
    /// The user cancelled (PIN prompt or PIN pad).
    Cancelled,
    /// The card went away during the operation.
    CardRemoved,
    /// Refused before touching the card (policy, missing input).
    Refused,
    /// The card or a check failed (unexpected status, bad data, verification failure).
    Failed,
}

/// One line of the audit log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRecord {
    /// When (RFC 3339, UTC).
    pub time: String,
    /// The reader's name as PC/SC reports it ("sim" for the in-process card).
    pub reader: String,
    /// What was done.
    pub operation: Operation,
    /// How it ended.
    pub outcome: Outcome,
    /// Tries left after a PIN verification, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tries_left: Option<u8>,
    /// SHA-256 (lower-case hex) of the certificate involved (the one read, or the one whose
    /// key signed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cert_sha256: Option<String>,
    /// Who asked, for a service (`mynacard serve`): `uid:N` (the Unix peer) or `token`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caller: Option<String>,
    /// What for, as the caller said (bounded and sanitised by the service; runs of digits
    /// long enough to be a My Number are redacted there).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
}

impl AuditRecord {
    /// A record stamped now.
    pub fn new(reader: &str, operation: Operation, outcome: Outcome) -> Self {
        let time =
            OffsetDateTime::now_utc().format(&Rfc3339).unwrap_or_else(|_| "unknown".to_string());
        AuditRecord {
            time,
            reader: reader.to_string(),
            operation,
            outcome,
            tries_left: None,
            cert_sha256: None,
            caller: None,
            purpose: None,
        }
    }

    /// Name the certificate involved by the SHA-256 of its DER bytes.
    pub fn with_cert(mut self, der: &[u8]) -> Self {
        self.cert_sha256 = Some(hex::encode(Sha256::digest(der)));
        self
    }

    /// Name who asked and what for (a service's records).
    pub fn with_caller(mut self, caller: &str, purpose: Option<&str>) -> Self {
        self.caller = Some(caller.to_string());
        self.purpose = purpose.map(str::to_string);
        self
    }

    /// Record the tries left after a verification.
    pub fn with_tries_left(mut self, tries: u8) -> Self {
        self.tries_left = Some(tries);
        self
    }
}

/// Why the audit log could not be written.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// The log file could not be opened or created.
    #[error("cannot open audit log {path}: {source}")]
    Open {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A record could not be written or flushed.
    #[error("cannot write to audit log {path}: {source}")]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// An append-only audit log file.
#[derive(Debug)]
pub struct AuditLog {
    file: File,
    path: PathBuf,
}

impl AuditLog {
    /// Open `path` for appending, creating it with mode 0600 if it does not exist (an existing
    /// file keeps its mode: it is the operator's).
    pub fn open(path: &Path) -> Result<AuditLog, AuditError> {
        let mut options = OpenOptions::new();
        options.append(true).create(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let file = options
            .open(path)
            .map_err(|source| AuditError::Open { path: path.to_path_buf(), source })?;
        Ok(AuditLog { file, path: path.to_path_buf() })
    }

    /// The log's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Append one record as one line and flush it to disk.
    pub fn record(&self, record: &AuditRecord) -> Result<(), AuditError> {
        let fail = |source| AuditError::Write { path: self.path.clone(), source };
        let mut line = serde_json::to_vec(record).map_err(|e| fail(e.into()))?;
        line.push(b'\n');
        // One write of the whole line: with O_APPEND it lands at the end in one piece.
        (&self.file).write_all(&line).map_err(fail)?;
        self.file.sync_data().map_err(fail)
    }

    /// Shorthand: record `operation` on `reader` with `outcome` now, naming `cert` if given.
    pub fn log(
        &self,
        reader: &str,
        operation: Operation,
        outcome: Outcome,
        cert: Option<&[u8]>,
    ) -> Result<(), AuditError> {
        let mut record = AuditRecord::new(reader, operation, outcome);
        if let Some(der) = cert {
            record = record.with_cert(der);
        }
        self.record(&record)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_are_json_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.log");
        let log = AuditLog::open(&path).unwrap();
        assert_eq!(log.path(), path);
        log.log("sim", Operation::Sign, Outcome::Ok, Some(b"cert")).unwrap();
        log.record(
            &AuditRecord::new("sim", Operation::PinStatus, Outcome::WrongPin).with_tries_left(2),
        )
        .unwrap();
        drop(log);
        // Reopening appends.
        AuditLog::open(&path)
            .unwrap()
            .log("r", Operation::Detect, Outcome::CardRemoved, None)
            .unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3);
        let first: AuditRecord = serde_json::from_str(lines[0]).unwrap();
        assert_eq!(first.operation, Operation::Sign);
        assert_eq!(
            first.cert_sha256.as_deref(),
            Some("06298432e8066b29e2223bcc23aa9504b56ae508fabf3435508869b9c3190e22")
        );
        assert!(OffsetDateTime::parse(&first.time, &Rfc3339).is_ok());
        assert!(
            lines[1].contains(r#""operation":"pin_status","outcome":"wrong_pin","tries_left":2"#)
        );
        assert!(!lines[1].contains("cert_sha256"));
        assert!(lines[2].contains(r#""outcome":"card_removed""#));
    }

    #[cfg(unix)]
    #[test]
    fn new_logs_are_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.log");
        AuditLog::open(&path).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn open_errors_name_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("no-such-dir").join("audit.log");
        let e = AuditLog::open(&path).unwrap_err();
        assert!(matches!(e, AuditError::Open { .. }));
        assert!(e.to_string().contains("no-such-dir"), "{e}");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn write_errors_name_the_file() {
        let log = AuditLog::open(Path::new("/dev/full")).unwrap();
        let e = log.log("sim", Operation::Detect, Outcome::Ok, None).unwrap_err();
        assert!(matches!(e, AuditError::Write { .. }));
        assert!(e.to_string().starts_with("cannot write to audit log /dev/full"));
    }
}
