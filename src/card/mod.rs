//! The card layer: what the bytes mean. It owns the [`Client`] over a [`Transport`], the
//! JPKI application (detection, certificates, PINs, signing: [`jpki`]), the text
//! application (My Number and the basic four facts: [`text`]), the card-face application
//! ([`face`]), the PIN types ([`pin`]), how a PIN is entered, on the host or the reader's
//! pad ([`entry`]), PIN entry on a reader's PIN pad ([`pinpad`]),
//! `61 xx` / `6C xx` handling and minimal-round-trip file reads ([`session`]), its errors
//! ([`error`]), and a scripted mock transport for tests ([`testing`]).

pub mod entry;
pub mod error;
pub mod face;
pub mod jpki;
pub mod pin;
pub mod pinpad;
pub mod session;
pub mod testing;
pub mod text;

pub use entry::{PinChange, PinEntry};
pub use error::CardError;
pub use face::{BirthProof, FaceCode, FaceData};
pub use jpki::{
    CertKind, KeyKind, KeyPin, PinApp, PinObject, PinObjectState, PinStatus, TokenType, Unlocked,
};
pub use pin::{
    AuthPin, CardPin, CodeA, CodeB, FaceBirthKey, PinFormatError, PinKind, SignPassword, TextPin,
};
pub use pinpad::{PinPad, PinPadMode};
pub use session::{Exclusive, FileShape, LengthMode, LinkState, Session};
pub use text::{Attributes, MyNumber, Sex, TextEvidence, TextInfo};

use crate::apdu::{Command, StatusWord};
use crate::transport::Transport;

use entry::Secret;

/// A client for one My Number Card (or JPKI phone token) behind a transport.
///
/// Every operation runs inside its own exclusive transaction, starts by selecting its
/// application, and, when it verified a PIN, ends by leaving the application
/// ([`leave_application`]: select the GlobalPlatform ISD, else another application) to clear
/// the security state, also when it failed. Re-selecting the same application does not clear
/// it: real cards keep a verification across a re-select, a warm reset and a reconnect
/// (measured by one peer library, \[C\]; README "Security state"). Callers should also
/// disconnect with [`crate::transport::Disposition::Unpower`] when done.
pub struct Client<T: Transport> {
    transport: T,
    state: LinkState,
}

impl<T: Transport> Client<T> {
    /// A client using extended-length reads where the reader is known to support them.
    pub fn new(transport: T) -> Self {
        Self::with_length_mode(transport, LengthMode::Auto)
    }

    /// A client with an explicit length mode for file reads.
    pub fn with_length_mode(transport: T, mode: LengthMode) -> Self {
        let reader_extended = transport.info().extended_length;
        Client { transport, state: LinkState::new(mode, reader_extended) }
    }

    /// The transport.
    pub fn transport(&self) -> &T {
        &self.transport
    }

    /// The transport, mutably.
    pub fn transport_mut(&mut self) -> &mut T {
        &mut self.transport
    }

    /// Give the transport back.
    pub fn into_transport(self) -> T {
        self.transport
    }

    /// What the session remembers about the link (extended length in use or failed).
    pub fn link_state(&self) -> &LinkState {
        &self.state
    }

    /// Hold the card exclusively; everything sent through the returned value is inside one
    /// transaction.
    pub fn exclusive(&mut self) -> Result<Exclusive<'_>, CardError> {
        Exclusive::begin(&mut self.transport, &mut self.state)
    }

    /// Run `op` inside one transaction after selecting `aid` (`missing` if the card has no
    /// such application), then leave the application ([`leave_application`]) to clear the
    /// security state whatever `op` returned.
    pub(crate) fn in_app_cleared<R>(
        &mut self,
        aid: &[u8],
        missing: fn() -> CardError,
        op: impl FnOnce(&mut Session<'_>) -> Result<R, CardError>,
    ) -> Result<R, CardError> {
        let mut ex = self.exclusive()?;
        let mut s = ex.session();
        if !s.select_aid(aid)? {
            return Err(missing());
        }
        let result = op(&mut s);
        let cleared = leave_application(&mut s, aid);
        let value = result?;
        cleared?;
        Ok(value)
    }
}

/// The application selected to leave `aid` when the ISD cannot be selected: the text
/// application for any other, JPKI for the text application.
pub fn fallback_application(aid: &[u8]) -> &'static [u8] {
    if aid == crate::facts::AID_TEXT {
        &crate::facts::AID_JPKI
    } else {
        &crate::facts::AID_TEXT
    }
}

/// What a SELECT used to leave the application did, for the error message.
fn select_outcome(r: &Result<bool, CardError>) -> String {
    match r {
        Ok(true) => "90 00".to_string(),
        Ok(false) => "6A 82".to_string(),
        Err(CardError::Unexpected { sw, .. }) => sw.to_string(),
        Err(e) => e.to_string(),
    }
}

/// Clear the security state after a PIN operation in application `aid`: a verification
/// belongs to the current application and is cleared only by leaving it or by powering the
/// card off (re-selecting it, a warm reset or a reconnect keep it: measured by one peer
/// library, \[C\]). So select the GlobalPlatform ISD (`00 A4 04 0C 07 A0 00 00 01 51 00 00`,
/// which answers `90 00` and leaves the application); if it does not answer `90 00`, select
/// another application ([`fallback_application`]); if neither works,
/// [`CardError::NotCleared`].
pub fn leave_application(s: &mut Session<'_>, aid: &[u8]) -> Result<(), CardError> {
    let isd = s.select_aid(&crate::facts::AID_ISD);
    if matches!(isd, Ok(true)) {
        return Ok(());
    }
    let other = fallback_application(aid);
    let fallback = s.select_aid(other);
    if matches!(fallback, Ok(true)) {
        return Ok(());
    }
    let name = if other == crate::facts::AID_TEXT { "text" } else { "JPKI" };
    Err(CardError::NotCleared(format!(
        "selecting the ISD: {}; selecting the {name} application: {}",
        select_outcome(&isd),
        select_outcome(&fallback)
    )))
}

/// Query a PIN's retry counter without spending a try (the PIN EF must be selected).
pub fn pin_status_in(s: &mut Session<'_>) -> Result<PinStatus, CardError> {
    let resp = s.apdu(&Command::verify_status())?;
    match resp.sw {
        sw if sw.is_blocked() => Ok(PinStatus::Blocked),
        StatusWord::TriesLeft(n) => Ok(PinStatus::Remaining(n)),
        sw => Err(CardError::Unexpected { command: "VERIFY (retry counter)", sw }),
    }
}

/// Select the PIN EF, check its counter (blocked: nothing more is sent; one try left:
/// refused unless `allow_last_try`), then VERIFY once, with the PIN from the host or typed
/// on the reader's pad. The application must be selected.
pub(crate) fn verify_in(
    s: &mut Session<'_>,
    kind: PinKind,
    secret: Secret<'_>,
    allow_last_try: bool,
) -> Result<(), CardError> {
    s.select_ef(kind.ef())?;
    match pin_status_in(s)? {
        PinStatus::Blocked => return Err(CardError::PinBlocked { kind }),
        PinStatus::Remaining(1) if !allow_last_try => return Err(CardError::LastTry { kind }),
        PinStatus::Remaining(_) => {}
    }
    let pin = match secret {
        Secret::Host(pin) => pin,
        Secret::Pad(pad) => return pinpad::verify_on_pad(s, kind, pad),
    };
    let resp = s.apdu(&Command::verify(pin))?;
    match resp.sw {
        StatusWord::Success => Ok(()),
        StatusWord::TriesLeft(n) => Err(CardError::WrongPin { kind, tries_left: n }),
        sw if sw.is_blocked() => Err(CardError::PinBlocked { kind }),
        sw => Err(CardError::Unexpected { command: "VERIFY", sw }),
    }
}
