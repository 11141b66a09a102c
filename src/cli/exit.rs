//! Exit codes: one distinct code per kind of outcome, so scripts and kiosks can act on the
//! status alone. The table in README.md ("Exit codes") mirrors [`Exit`]; keep them in step.

use std::process::ExitCode;

use mynacard::transport::TransportError;

/// How the program ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Exit {
    /// Everything asked for was done.
    Success,
    /// An unexpected failure no other code describes.
    Failure,
    /// The command line was wrong.
    Usage,
    /// The PC/SC service is not running.
    NoService,
    /// No reader, the reader asked for does not exist or is ambiguous, or it went away.
    NoReader,
    /// No card in the reader, it was removed, or none came in time.
    NoCard,
    /// Another program holds the card.
    CardInUse,
    /// The card failed or answered with an error (mute, malformed, unexpected status).
    CardError,
    /// A PIN or password was wrong (tries remain).
    WrongPin,
    /// A PIN or password is blocked.
    PinBlocked,
    /// Only one try is left and `--allow-last-try` was not given: nothing was sent.
    LastTryRefused,
    /// PIN entry on the reader's pad was cancelled, timed out, had the wrong number of digits
    /// or two different new PINs: nothing was verified or changed.
    PinEntry,
    /// A signature or certificate did not verify.
    VerificationFailed,
    /// A certificate is revoked.
    Revoked,
    /// Card data failed its J-LIS signature check (authenticity `forged`), or the card failed
    /// the card-key challenge.
    Forged,
    /// Revocation status could not be established (fail-closed).
    RevocationUnknown,
    /// Reading or writing a file or socket failed.
    Io,
    /// Stopped by a signal before finishing (servers stop with [`Exit::Success`]).
    Interrupted,
}

impl Exit {
    /// Every exit code, in table order.
    pub const ALL: [Exit; 18] = [
        Exit::Success,
        Exit::Failure,
        Exit::Usage,
        Exit::NoService,
        Exit::NoReader,
        Exit::NoCard,
        Exit::CardInUse,
        Exit::CardError,
        Exit::WrongPin,
        Exit::PinBlocked,
        Exit::LastTryRefused,
        Exit::PinEntry,
        Exit::VerificationFailed,
        Exit::Forged,
        Exit::Revoked,
        Exit::RevocationUnknown,
        Exit::Io,
        Exit::Interrupted,
    ];

    /// The process exit status.
    pub fn code(self) -> u8 {
        match self {
            Exit::Success => 0,
            Exit::Failure => 1,
            Exit::Usage => 2,
            Exit::NoService => 3,
            Exit::NoReader => 4,
            Exit::NoCard => 5,
            Exit::CardInUse => 6,
            Exit::CardError => 7,
            Exit::WrongPin => 8,
            Exit::PinBlocked => 9,
            Exit::VerificationFailed => 10,
            Exit::Revoked => 11,
            Exit::RevocationUnknown => 12,
            Exit::Io => 13,
            Exit::LastTryRefused => 14,
            Exit::PinEntry => 15,
            Exit::Forged => 16,
            Exit::Interrupted => 130,
        }
    }

    /// A stable machine-readable name (used in `--json` error objects).
    pub fn name(self) -> &'static str {
        match self {
            Exit::Success => "success",
            Exit::Failure => "failure",
            Exit::Usage => "usage",
            Exit::NoService => "no-service",
            Exit::NoReader => "no-reader",
            Exit::NoCard => "no-card",
            Exit::CardInUse => "card-in-use",
            Exit::CardError => "card-error",
            Exit::WrongPin => "wrong-pin",
            Exit::PinBlocked => "pin-blocked",
            Exit::VerificationFailed => "verification-failed",
            Exit::Revoked => "revoked",
            Exit::RevocationUnknown => "revocation-unknown",
            Exit::Io => "io",
            Exit::LastTryRefused => "last-try-refused",
            Exit::PinEntry => "pin-entry",
            Exit::Forged => "forged",
            Exit::Interrupted => "interrupted",
        }
    }
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> ExitCode {
        ExitCode::from(e.code())
    }
}

impl From<&TransportError> for Exit {
    fn from(e: &TransportError) -> Exit {
        match e {
            TransportError::NoService => Exit::NoService,
            TransportError::NoReaders
            | TransportError::ReaderNotFound { .. }
            | TransportError::AmbiguousReader { .. }
            | TransportError::ReaderGone { .. } => Exit::NoReader,
            TransportError::NoCard { .. }
            | TransportError::Timeout { .. }
            | TransportError::CardRemoved => Exit::NoCard,
            TransportError::CardInUse => Exit::CardInUse,
            TransportError::CardReset
            | TransportError::Mute
            | TransportError::Malformed(_)
            | TransportError::Pcsc(_)
            | TransportError::NoControl
            | TransportError::Disconnected
            | TransportError::CannotDisconnect => Exit::CardError,
            TransportError::Io(_) => Exit::Io,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_and_names_are_distinct() {
        let codes: HashSet<u8> = Exit::ALL.iter().map(|e| e.code()).collect();
        let names: HashSet<&str> = Exit::ALL.iter().map(|e| e.name()).collect();
        assert_eq!(codes.len(), Exit::ALL.len());
        assert_eq!(names.len(), Exit::ALL.len());
        assert_eq!(Exit::Success.code(), 0);
        assert_eq!(Exit::Usage.code(), 2);
    }

    #[test]
    fn readme_table_lists_every_code() {
        let readme = include_str!("../../README.md");
        for e in Exit::ALL {
            let row = format!("| {} | `{}` |", e.code(), e.name());
            assert!(readme.contains(&row), "README.md lacks the row starting {row:?}");
        }
    }

    #[test]
    fn transport_errors_map_to_their_codes() {
        let cases = [
            (TransportError::NoService, Exit::NoService),
            (TransportError::NoReaders, Exit::NoReader),
            (
                TransportError::ReaderNotFound { wanted: "x".into(), available: vec![] },
                Exit::NoReader,
            ),
            (TransportError::AmbiguousReader { wanted: "x".into(), matches: 2 }, Exit::NoReader),
            (TransportError::ReaderGone { reader: "x".into() }, Exit::NoReader),
            (TransportError::NoCard { reader: "x".into() }, Exit::NoCard),
            (TransportError::Timeout { reader: "x".into(), seconds: 1 }, Exit::NoCard),
            (TransportError::CardRemoved, Exit::NoCard),
            (TransportError::CardInUse, Exit::CardInUse),
            (TransportError::CardReset, Exit::CardError),
            (TransportError::Mute, Exit::CardError),
            (TransportError::Malformed("x".into()), Exit::CardError),
            (TransportError::Pcsc("x".into()), Exit::CardError),
            (TransportError::NoControl, Exit::CardError),
            (TransportError::Disconnected, Exit::CardError),
            (TransportError::CannotDisconnect, Exit::CardError),
            (TransportError::Io(std::io::Error::other("x")), Exit::Io),
        ];
        for (err, want) in cases {
            assert_eq!(Exit::from(&err), want, "{err}");
        }
    }
}
