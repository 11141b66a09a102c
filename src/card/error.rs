//! Errors of the card layer: what the card (or the reader, or the caller's input) did wrong,
//! one variant per cause, with messages a person can act on. No message ever holds a PIN,
//! a password or a My Number.

use crate::apdu::{ApduError, StatusWord};
use crate::transport::pinpad::PinPadError;
use crate::transport::TransportError;

use super::pin::{PinFormatError, PinKind};

/// Why a card operation failed.
#[derive(Debug, thiserror::Error)]
pub enum CardError {
    /// The reader or the link to the card failed.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// A command could not be encoded (a bug or an oversized input).
    #[error("cannot encode the command: {0}")]
    Apdu(#[from] ApduError),
    /// The card has no JPKI application (`6A 82` to SELECT of the JPKI AID).
    #[error("not a My Number Card: the card has no JPKI application")]
    NotJpki,
    /// The card has no card-info-input support (text) application.
    #[error("the card has no card-info-input support (text) application")]
    NoTextApp,
    /// The card has no card-face confirmation (券面事項確認) application.
    #[error("the card has no card-face confirmation application (券面事項確認AP)")]
    NoFaceApp,
    /// The token is an old resident-registry card (住基カード), which this library refuses.
    #[error("this is an old resident-registry card (JPKIAPICCTOKEN), not a My Number Card; it is not supported")]
    OldResidentCard,
    /// The token-info label is none this library knows.
    #[error("unknown JPKI token type {0:?} in the token-info file")]
    UnknownToken(String),
    /// VERIFY failed; the counter went down.
    #[error("wrong {kind}: {}", tries_message(*tries_left))]
    WrongPin { kind: PinKind, tries_left: u8 },
    /// The PIN is blocked; nothing was sent to verify it.
    #[error("the {kind} is blocked: have it reset at your municipal office")]
    PinBlocked { kind: PinKind },
    /// Only one try is left and the caller did not allow spending it.
    #[error(
        "only one try of the {kind} is left: refusing to spend it without explicit permission"
    )]
    LastTry { kind: PinKind },
    /// The card answered `69 82` (security status not satisfied).
    #[error("the card refused {what}: security status not satisfied (the PIN or password was not verified)")]
    SecurityStatus { what: &'static str },
    /// An elementary file does not exist (`6A 82` to SELECT EF).
    #[error("file {0:04X} not found on the card")]
    FileNotFound(u16),
    /// The card answered a status word the protocol does not foresee for this command.
    #[error("unexpected status {sw} to {command}")]
    Unexpected { command: &'static str, sw: StatusWord },
    /// The card's data is not what the protocol says it should be.
    #[error("malformed data from the card: {0}")]
    Malformed(String),
    /// A response (with its `61 xx` continuations) or a file exceeds the size limit.
    #[error("{what} exceeds the {limit}-byte limit")]
    TooLong { what: &'static str, limit: usize },
    /// The card kept answering `61 xx` past the round limit.
    #[error("the card asked for more than {0} GET RESPONSE rounds")]
    TooManyRounds(usize),
    /// The My Number read off the card fails its check digit.
    #[error("the My Number read from the card fails its check digit")]
    BadMyNumber,
    /// The data to sign is not a SHA-256/384/512 DigestInfo.
    #[error(
        "the data to sign is not a DER DigestInfo for SHA-256, SHA-384 or SHA-512 ({0} bytes)"
    )]
    NotDigestInfo(usize),
    /// A PIN or password has the wrong format; nothing was sent to the card.
    #[error(transparent)]
    PinFormat(#[from] PinFormatError),
    /// The PIN pad was required but the reader offers no secure PIN entry.
    #[error("this reader has no PIN pad (no FEATURE_VERIFY_PIN_DIRECT): enter the PIN on the computer instead (--pinpad auto or off)")]
    NoPinPad,
    /// The PIN pad was required for a secret a pad cannot type.
    #[error("the {kind} contains letters, which a PIN pad cannot enter: enter it on the computer (--pinpad auto or off)")]
    PinPadCannotEnter { kind: PinKind },
    /// Nobody typed on the pad in time; nothing was sent to the card.
    #[error("nothing was entered on the PIN pad in time: no try was spent")]
    PinPadTimeout,
    /// The user pressed Cancel on the pad; nothing was sent to the card.
    #[error("PIN entry was cancelled on the PIN pad: no try was spent")]
    PinPadCancelled,
    /// The user typed too few or too many digits; the reader sent nothing to the card.
    #[error("the {kind} typed on the PIN pad has the wrong number of digits: no try was spent")]
    PinPadLength { kind: PinKind },
    /// The two entries of the new PIN on the pad differ; nothing was changed.
    #[error("the two entries of the new {kind} on the PIN pad differ: nothing was changed")]
    PinPadMismatch { kind: PinKind },
    /// The reader's pad can verify PINs but not change them.
    #[error("this reader's PIN pad cannot change PINs (no FEATURE_MODIFY_PIN_DIRECT): change it on the computer (--pinpad off)")]
    NoPinPadChange,
    /// The reader rejected the PIN-entry request (`6B 80`).
    #[error("the reader rejected the PIN-pad request (6B 80): its firmware does not accept this PIN format; use --pinpad off")]
    PinPadRejected,
    /// After a PIN operation the application could not be left (neither the ISD nor the
    /// fallback application could be selected): the PIN may stay verified on the card until
    /// it is powered off.
    #[error("could not leave the application after the PIN was verified ({0}): the PIN may stay verified until the card is powered off; remove the card from the reader")]
    NotCleared(String),
    /// CHANGE REFERENCE DATA was sent and its outcome is uncertain: its answer was lost or
    /// the link failed (`confirmed` false), or the card confirmed the change and what
    /// followed failed (`confirmed` true). Either way the user must try the new PIN first.
    #[error("{}", change_uncertain(*kind, *confirmed, cause))]
    PinChangeUncertain { kind: PinKind, confirmed: bool, cause: String },
    /// The reader's PIN-pad bytes are malformed (feature list, answer).
    #[error("PIN pad: {0}")]
    PinPad(PinPadError),
}

fn tries_message(tries_left: u8) -> String {
    match tries_left {
        0 => "it is now blocked".to_string(),
        1 => "1 try left before it is blocked".to_string(),
        n => format!("{n} tries left before it is blocked"),
    }
}

fn change_uncertain(kind: PinKind, confirmed: bool, cause: &str) -> String {
    if confirmed {
        format!("the {kind} was changed (the card confirmed it), but then: {cause}")
    } else {
        format!(
            "the {kind} may have been changed: the card's answer to the change was lost \
             ({cause}); try the new {kind} first"
        )
    }
}
