//! The transport layer: moving APDU bytes to a card and back. It owns the [`Transport`]
//! trait (transmit, exclusive transaction, reset, disconnect with a [`Disposition`], reader
//! control requests) and its backends:
//! PC/SC (`pcsc`) and a tracing wrapper (`trace`) that records every exchange with PIN data
//! redacted; `pinpad` speaks the PC/SC part 10 secure-PIN-entry structures. It knows nothing
//! of what the card's answers mean, and nothing of the virtual card: the in-process transport
//! to it lives with it (`sim::transport`), see docs/architecture.md.

mod error;
pub mod events;
pub mod pcsc;
pub mod pinpad;
pub mod trace;

pub use error::TransportError;

/// What is known about the reader and the card in it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReaderInfo {
    /// Reader name as the service reports it ("sim" for the in-process card).
    pub name: String,
    /// The card's answer to reset.
    pub atr: Vec<u8>,
    /// Whether the reader is known to pass extended-length APDUs: `Some(true)` known good,
    /// `Some(false)` known bad, `None` unknown (try, then fall back on error).
    pub extended_length: Option<bool>,
}

/// What happens to the card when a connection ends (the PC/SC `SCardDisconnect`
/// disposition).
///
/// Only [`Disposition::Unpower`] clears what the card holds verified: real cards keep a
/// verification across a warm reset and a reconnect (measured by one peer library, \[C\]; see
/// README "Security state").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Disposition {
    /// Leave the card as it is (`SCARD_LEAVE_CARD`).
    Leave,
    /// Warm-reset the card (`SCARD_RESET_CARD`).
    Reset,
    /// Power the card off (`SCARD_UNPOWER_CARD`).
    Unpower,
}

impl Disposition {
    /// The disposition's name in traces and messages: `leave`, `reset`, `unpower`.
    pub fn name(self) -> &'static str {
        match self {
            Disposition::Leave => "leave",
            Disposition::Reset => "reset",
            Disposition::Unpower => "unpower",
        }
    }
}

/// A channel to one card.
///
/// `transmit` sends the bytes of one command APDU and returns the response bytes (data then
/// SW1 SW2) exactly as the card answered; `61xx`/`6Cxx` handling belongs to the card layer.
pub trait Transport: Send {
    /// Exchange one APDU.
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError>;

    /// Hold the card exclusively until the returned guard is dropped. Everything sent through
    /// the guard is inside the transaction; no other client can talk to the card meanwhile.
    fn exclusive(&mut self) -> Result<Box<dyn Transport + '_>, TransportError>;

    /// Warm-reset the card. Real cards keep their security state across it (measured, \[C\]).
    fn reset(&mut self) -> Result<(), TransportError>;

    /// End the connection, leaving, resetting or powering off the card as `disposition`
    /// says. Afterwards every request fails with [`TransportError::Disconnected`]; a second
    /// disconnect does nothing. Guards of an exclusive transaction (and wrappers that do
    /// not forward it) cannot disconnect: [`TransportError::CannotDisconnect`].
    fn disconnect(&mut self, disposition: Disposition) -> Result<(), TransportError> {
        let _ = disposition;
        Err(TransportError::CannotDisconnect)
    }

    /// The reader and card this transport talks to.
    fn info(&self) -> ReaderInfo;

    /// Send a control request to the reader (PC/SC `SCardControl`) with a platform control
    /// code, and return the reader's answer: how PIN pads are found and used
    /// ([`pinpad`]). Backends without a reader to control answer
    /// [`TransportError::NoControl`]; wrappers forward the request.
    fn control(&mut self, code: u32, input: &[u8]) -> Result<Vec<u8>, TransportError> {
        let _ = (code, input);
        Err(TransportError::NoControl)
    }
}

impl<T: Transport + ?Sized> Transport for Box<T> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        (**self).transmit(command)
    }
    fn exclusive(&mut self) -> Result<Box<dyn Transport + '_>, TransportError> {
        (**self).exclusive()
    }
    fn reset(&mut self) -> Result<(), TransportError> {
        (**self).reset()
    }
    fn disconnect(&mut self, disposition: Disposition) -> Result<(), TransportError> {
        (**self).disconnect(disposition)
    }
    fn info(&self) -> ReaderInfo {
        (**self).info()
    }
    fn control(&mut self, code: u32, input: &[u8]) -> Result<Vec<u8>, TransportError> {
        (**self).control(code, input)
    }
}
