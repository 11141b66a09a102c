//! PIN entry on the reader's PIN pad: whether to use it ([`PinPadMode`],
//! [`Client::pinpad_for`]) and what the pad's answers mean for each PIN. Operations take the
//! pad as [`super::PinEntry::Pad`] (or [`super::PinChange::Pad`]); the bytes are the
//! transport's business (`transport::pinpad`).
//!
//! The rules: the pad is used only for PINs a pad can type (the 4-digit authentication and
//! text PINs, never the signature password); `Auto` uses it when the reader offers
//! `FEATURE_VERIFY_PIN_DIRECT` and falls back to the host otherwise, `On` refuses to go on
//! without it, `Off` never asks the reader. The retry counter is checked before the pad is
//! asked, exactly as for a PIN typed on the host, and a pad verification is never retried.
//! A change on the pad needs `FEATURE_MODIFY_PIN_DIRECT` too: the current PIN is verified on
//! the pad, then the new one is typed twice.

use crate::apdu::StatusWord;
use crate::transport::pinpad::{self, PadResult, PinPadError, PinPadParams};
use crate::transport::{Transport, TransportError};

use super::error::CardError;
use super::pin::PinKind;
use super::session::Session;
use super::Client;

/// Whether to use the reader's PIN pad.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PinPadMode {
    /// Use the pad when the reader has one and the PIN is digits only; otherwise the host.
    #[default]
    Auto,
    /// Use the pad; fail when the reader has none or the PIN cannot be typed on one.
    On,
    /// Never use the pad (the reader is not even asked).
    Off,
}

/// A reader's PIN pad, ready to take a PIN: its `FEATURE_VERIFY_PIN_DIRECT` control code (and
/// `FEATURE_MODIFY_PIN_DIRECT`'s when it can change PINs) and the entry's timeouts and
/// language.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PinPad {
    /// The control code the reader gave for `FEATURE_VERIFY_PIN_DIRECT`.
    pub control_code: u32,
    /// The control code for `FEATURE_MODIFY_PIN_DIRECT`, if the reader offers it.
    pub modify_code: Option<u32>,
    /// Timeouts and message language.
    pub params: PinPadParams,
}

/// A pad failure from the transport: the transport's own errors keep their meaning (a
/// removed card is a removed card), malformed pad bytes are a pad error.
fn pad_error(e: PinPadError) -> CardError {
    match e {
        PinPadError::Transport(t) => CardError::Transport(t),
        other => CardError::PinPad(other),
    }
}

/// What a pad operation's answer means for `kind`. `command` names the command the reader
/// sent and `what` what it was for, for a refusal or an unexpected status.
fn pad_outcome(
    result: PadResult,
    kind: PinKind,
    (command, what): (&'static str, &'static str),
) -> Result<(), CardError> {
    match result {
        PadResult::Verified => Ok(()),
        PadResult::WrongPin { tries_left } => Err(CardError::WrongPin { kind, tries_left }),
        PadResult::Blocked => Err(CardError::PinBlocked { kind }),
        PadResult::Timeout => Err(CardError::PinPadTimeout),
        PadResult::Cancelled => Err(CardError::PinPadCancelled),
        PadResult::LengthOutOfRange => Err(CardError::PinPadLength { kind }),
        PadResult::Mismatch => Err(CardError::PinPadMismatch { kind }),
        PadResult::InvalidParameter => Err(CardError::PinPadRejected),
        PadResult::Other(StatusWord::SecurityStatusNotSatisfied) => {
            Err(CardError::SecurityStatus { what })
        }
        PadResult::Other(sw) => Err(CardError::Unexpected { command, sw }),
    }
}

/// Verify on the pad (the PIN EF selected, the counter checked) and say what it came to.
pub(crate) fn verify_on_pad(
    s: &mut Session<'_>,
    kind: PinKind,
    pad: PinPad,
) -> Result<(), CardError> {
    let result = s
        .with_transport(|t| {
            pinpad::verify_on_pinpad(t, pad.control_code, kind.length_range(), &pad.params)
        })
        .map_err(pad_error)?;
    pad_outcome(result, kind, ("VERIFY on the PIN pad", "the PIN typed on the pad"))
}

/// Change the PIN on the pad (the current one verified just before): the user types the new
/// one twice.
pub(crate) fn change_on_pad(
    s: &mut Session<'_>,
    kind: PinKind,
    pad: PinPad,
) -> Result<(), CardError> {
    let code = pad.modify_code.ok_or(CardError::NoPinPadChange)?;
    let result = s
        .with_transport(|t| pinpad::modify_on_pinpad(t, code, kind.length_range(), &pad.params))
        .map_err(pad_error)?;
    pad_outcome(result, kind, ("CHANGE REFERENCE DATA on the PIN pad", "to change the PIN"))
}

impl<T: Transport> Client<T> {
    /// Decide how `kind` is entered under `mode`: `Some(pad)` to enter it on the reader's
    /// PIN pad, `None` to take it from the host. Asks the reader for its features (one
    /// control request, no APDU) unless `mode` is `Off` or the PIN cannot be typed on a pad.
    ///
    /// Errors (only with [`PinPadMode::On`]): [`CardError::PinPadCannotEnter`] for the
    /// signature password, [`CardError::NoPinPad`] when the reader offers no
    /// `FEATURE_VERIFY_PIN_DIRECT`, [`CardError::PinPad`] when its feature list is malformed.
    /// A removed card or a dead reader is an error in every mode.
    pub fn pinpad_for(
        &mut self,
        kind: PinKind,
        mode: PinPadMode,
    ) -> Result<Option<PinPad>, CardError> {
        if mode == PinPadMode::Off {
            return Ok(None);
        }
        if !kind.digits_only() {
            return match mode {
                PinPadMode::On => Err(CardError::PinPadCannotEnter { kind }),
                _ => Ok(None),
            };
        }
        let features = match pinpad::read_features(self.transport_mut()) {
            Ok(f) => Some(f),
            // No control requests, or the reader refuses this one: no pad.
            Err(PinPadError::Transport(TransportError::NoControl | TransportError::Pcsc(_))) => {
                None
            }
            Err(PinPadError::Transport(t)) => return Err(CardError::Transport(t)),
            Err(e) if mode == PinPadMode::On => return Err(CardError::PinPad(e)),
            Err(_) => None,
        };
        match (features.as_ref().and_then(|f| f.verify_pin_direct()), mode) {
            (Some(control_code), _) => Ok(Some(PinPad {
                control_code,
                modify_code: features.as_ref().and_then(|f| f.modify_pin_direct()),
                params: PinPadParams::default(),
            })),
            (None, PinPadMode::On) => Err(CardError::NoPinPad),
            (None, _) => Ok(None),
        }
    }
}
