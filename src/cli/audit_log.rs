//! `--audit-log FILE`: one JSON line per card operation (time, reader, operation, outcome,
//! SHA-256 of the certificate used) through `mynacard::audit`. The record type has no field
//! that could hold a PIN, a My Number or holder data. Commands note the reader and the
//! certificate they used as they go; the line is written when the command ends, whatever
//! the outcome.

use std::sync::Mutex;

use mynacard::audit::{AuditLog, AuditRecord, Operation, Outcome};
use mynacard::card::CardError;
use mynacard::transport::TransportError;

use super::{cert, pin, sign, text, CliError, Command};

/// What the running command has used so far.
#[derive(Default)]
struct Note {
    reader: Option<String>,
    cert: Option<Vec<u8>>,
}

static NOTE: Mutex<Note> = Mutex::new(Note { reader: None, cert: None });

/// The reader the command talks to.
pub fn note_reader(name: &str) {
    if let Ok(mut n) = NOTE.lock() {
        n.reader = Some(name.to_string());
    }
}

/// The certificate the command used (only its SHA-256 is logged).
pub fn note_cert(der: &[u8]) {
    if let Ok(mut n) = NOTE.lock() {
        n.cert = Some(der.to_vec());
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
        Command::Apdu(a) => vec![match &a.command {
            super::apdu::ApduCommand::Run(_) => Operation::RunScript,
            super::apdu::ApduCommand::Send(_) => Operation::SendApdu,
        }],
        _ => Vec::new(),
    }
}

/// How a command's result reads in the log, and the tries left when a PIN was wrong.
fn outcome<T>(result: &Result<T, CliError>) -> (Outcome, Option<u8>) {
    match result {
        Ok(_) => (Outcome::Ok, None),
        Err(CliError::Card(CardError::WrongPin { tries_left, .. })) => {
            (Outcome::WrongPin, Some(*tries_left))
        }
        Err(CliError::Card(CardError::PinBlocked { .. })) => (Outcome::PinBlocked, Some(0)),
        Err(CliError::Card(CardError::LastTry { .. } | CardError::PinFormat(_)))
        | Err(CliError::Usage(_) | CliError::PinSource(_)) => (Outcome::Refused, None),
        Err(CliError::Transport(TransportError::CardRemoved))
        | Err(CliError::Card(CardError::Transport(TransportError::CardRemoved))) => {
            (Outcome::CardRemoved, None)
        }
        Err(_) => (Outcome::Failed, None),
    }
}

/// Append the command's records to the log.
pub fn write<T>(
    log: &AuditLog,
    operations: &[Operation],
    result: &Result<T, CliError>,
) -> Result<(), CliError> {
    let (outcome, tries_left) = outcome(result);
    let note = NOTE.lock().map(|mut n| std::mem::take(&mut *n)).unwrap_or_default();
    let reader = note.reader.as_deref().unwrap_or("(none)");
    for &op in operations {
        let mut record = AuditRecord::new(reader, op, outcome);
        if let Some(der) = &note.cert {
            record = record.with_cert(der);
        }
        if let Some(t) = tries_left {
            record = record.with_tries_left(t);
        }
        log.record(&record).map_err(|e| CliError::Io {
            context: "audit log".into(),
            source: std::io::Error::other(e.to_string()),
        })?;
    }
    Ok(())
}
