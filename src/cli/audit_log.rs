//! `--audit-log FILE`: one JSON line per card operation (time, reader, operation, outcome,
//! SHA-256 of the certificate used) through `mynacard::audit`. The record type has no field
//! that could hold a PIN, a My Number or holder data. `main` gives each card command an
//! [`AuditNote`] in which it notes the reader and the certificate it used as it goes (no
//! process-wide state); `main` writes the lines once, when the command ends, whatever the
//! outcome.

use mynacard::audit::{AuditLog, AuditRecord, Operation, Outcome};
use mynacard::card::CardError;
use mynacard::transport::TransportError;

use super::{cert, pin, sign, text, CliError, Command};

/// What one command has used so far, for its audit records.
#[derive(Debug, Default)]
pub struct AuditNote {
    reader: Option<String>,
    cert: Option<Vec<u8>>,
}

impl AuditNote {
    /// The reader the command talks to.
    pub fn reader(&mut self, name: &str) {
        self.reader = Some(name.to_string());
    }

    /// The reader the command used, `(none)` before it opened one.
    pub fn reader_name(&self) -> &str {
        self.reader.as_deref().unwrap_or("(none)")
    }

    /// The certificate the command used (only its SHA-256 is logged).
    pub fn cert(&mut self, der: &[u8]) {
        self.cert = Some(der.to_vec());
    }
}

/// The audited operations of a command; empty for commands that use no card.
pub fn operations(command: &Command) -> Vec<Operation> {
    match command {
        Command::Status => vec![Operation::Detect, Operation::PinStatus],
        Command::Cert(a) => match &a.command {
            cert::CertCommand::Read(r) => vec![match r.which {
                cert::WhichCert::Auth => Operation::ReadAuthCertificate,
                cert::WhichCert::Sign => Operation::ReadSignCertificate,
                cert::WhichCert::AuthCa | cert::WhichCert::SignCa => Operation::ReadCaCertificate,
            }],
            _ => Vec::new(),
        },
        Command::Pin(a) => match &a.command {
            pin::PinCommand::Status => vec![Operation::PinStatus],
            pin::PinCommand::Change(_) => vec![Operation::ChangePin],
        },
        Command::Sign(a) => vec![match a.key {
            sign::KeyArg::Sign => Operation::Sign,
            sign::KeyArg::Auth => Operation::Authenticate,
        }],
        Command::Text(a) => match &a.command {
            text::TextCommand::Read(_) => vec![Operation::ReadMyNumber, Operation::ReadAttributes],
        },
        Command::Face(a) => vec![match &a.command {
            super::face::FaceCommand::Read(_) => Operation::ReadCardFace,
            super::face::FaceCommand::Age(_) => Operation::AgeCheck,
        }],
        Command::Apdu(a) => vec![match &a.command {
            super::apdu::ApduCommand::Run(_) => Operation::RunScript,
            super::apdu::ApduCommand::Send(_) => Operation::SendApdu,
        }],
        _ => Vec::new(),
    }
}

/// How a command's result reads in the log, and the tries left when a PIN was wrong.
pub fn outcome<T>(result: &Result<T, CliError>) -> (Outcome, Option<u8>) {
    match result {
        Ok(_) => (Outcome::Ok, None),
        Err(e) => error_outcome(e),
    }
}

/// How a failure reads in the log, and the tries left when a PIN was wrong.
pub fn error_outcome(e: &CliError) -> (Outcome, Option<u8>) {
    match e {
        CliError::Card(CardError::WrongPin { tries_left, .. }) => {
            (Outcome::WrongPin, Some(*tries_left))
        }
        CliError::Card(CardError::PinBlocked { .. }) => (Outcome::PinBlocked, Some(0)),
        CliError::Card(CardError::LastTry { .. } | CardError::PinFormat(_))
        | CliError::Usage(_)
        | CliError::PinSource(_) => (Outcome::Refused, None),
        CliError::Transport(TransportError::CardRemoved)
        | CliError::Card(CardError::Transport(TransportError::CardRemoved)) => {
            (Outcome::CardRemoved, None)
        }
        _ => (Outcome::Failed, None),
    }
}

/// The command's records: one per operation, with what `note` says the command used and
/// how it ended (`outcome` and the tries left, as [`outcome`] gives them).
pub fn records(
    operations: &[Operation],
    note: &AuditNote,
    (outcome, tries_left): (Outcome, Option<u8>),
) -> Vec<AuditRecord> {
    let reader = note.reader_name();
    operations
        .iter()
        .map(|&op| {
            let mut record = AuditRecord::new(reader, op, outcome);
            if let Some(der) = &note.cert {
                record = record.with_cert(der);
            }
            if let Some(t) = tries_left {
                record = record.with_tries_left(t);
            }
            record
        })
        .collect()
}

/// Append the command's records ([`records`]) to the log.
pub fn write<T>(
    log: &AuditLog,
    operations: &[Operation],
    note: &AuditNote,
    result: &Result<T, CliError>,
) -> Result<(), CliError> {
    for record in records(operations, note, outcome(result)) {
        log.record(&record).map_err(|e| CliError::Io {
            context: t!("audit-log"),
            source: std::io::Error::other(e.to_string()),
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use mynacard::audit::AuditRecord;

    fn records(path: &std::path::Path) -> Vec<AuditRecord> {
        let text = std::fs::read_to_string(path).unwrap();
        text.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
    }

    /// Each command's records carry what its own note says, and nothing a command before it
    /// in the same process noted (as a process-wide note would have carried over from a
    /// command whose records were never written).
    #[test]
    fn each_command_logs_only_its_own_note() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        let log = AuditLog::open(&path).unwrap();
        let mut first = AuditNote::default();
        first.reader("sim");
        first.cert(b"certificate bytes");
        // A command run without --audit-log: its note is dropped unwritten.
        let mut unlogged = AuditNote::default();
        unlogged.reader("Other Reader 00 00");
        unlogged.cert(b"another certificate");
        drop(unlogged);
        write(&log, &[Operation::Sign], &first, &Ok::<(), CliError>(())).unwrap();
        // A command refused before it opened a card.
        let refused = Err::<(), _>(CliError::Usage("no input".into()));
        write(&log, &[Operation::Sign, Operation::PinStatus], &AuditNote::default(), &refused)
            .unwrap();

        let r = records(&path);
        assert_eq!(r.len(), 3);
        assert_eq!((r[0].reader.as_str(), r[0].outcome), ("sim", Outcome::Ok));
        let first_cert = AuditRecord::new("sim", Operation::Sign, Outcome::Ok)
            .with_cert(b"certificate bytes")
            .cert_sha256;
        assert_eq!(r[0].cert_sha256, first_cert);
        for later in &r[1..] {
            assert_eq!(later.reader, "(none)");
            assert_eq!(later.outcome, Outcome::Refused);
            assert_eq!(later.cert_sha256, None);
        }
        assert_eq!(r[2].operation, Operation::PinStatus);
    }
}
