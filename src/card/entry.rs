//! How a PIN reaches the card: typed on the host ([`PinEntry::Host`], the client sends it in
//! the VERIFY) or on the reader's PIN pad ([`PinEntry::Pad`], the host never sees it). Every
//! operation that verifies a PIN takes one [`PinEntry`] (a change takes one [`PinChange`]),
//! so the same method serves both; the bytes sent are the same as before the entry was a
//! parameter. Whether a pad can be used is decided by [`super::Client::pinpad_for`].

use super::pin::CardPin;
use super::pinpad::PinPad;

/// Where a PIN for one operation comes from.
pub enum PinEntry<'a, P> {
    /// Typed on the host (or read from a file or the environment), validated: its bytes go in
    /// the VERIFY.
    Host(&'a P),
    /// Typed on the reader's PIN pad: the reader builds the VERIFY.
    Pad(PinPad),
}

/// Where the PINs of one change come from.
pub enum PinChange<'a, P> {
    /// Both from the host: VERIFY the current one, then CHANGE REFERENCE DATA with the new one.
    Host {
        /// The current PIN.
        old: &'a P,
        /// The new PIN.
        new: &'a P,
    },
    /// On the reader's PIN pad: the current PIN is verified on it, then the new one is typed
    /// twice on it (the reader needs `FEATURE_MODIFY_PIN_DIRECT`: `modify_code`).
    Pad(PinPad),
}

// Copy and Debug by hand: a derive would ask them of `P`, and `Debug` must never depend on
// how a PIN type prints itself.
impl<P> Clone for PinEntry<'_, P> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<P> Copy for PinEntry<'_, P> {}

impl<P> Clone for PinChange<'_, P> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<P> Copy for PinChange<'_, P> {}

impl<P> std::fmt::Debug for PinEntry<'_, P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PinEntry::Host(_) => f.write_str("PinEntry::Host(***)"),
            PinEntry::Pad(pad) => f.debug_tuple("PinEntry::Pad").field(pad).finish(),
        }
    }
}

impl<P> std::fmt::Debug for PinChange<'_, P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PinChange::Host { .. } => f.write_str("PinChange::Host { old: ***, new: *** }"),
            PinChange::Pad(pad) => f.debug_tuple("PinChange::Pad").field(pad).finish(),
        }
    }
}

impl<'a, P: CardPin> PinEntry<'a, P> {
    /// The entry with the PIN's type erased, as the verification takes it.
    pub(crate) fn secret(self) -> Secret<'a> {
        match self {
            PinEntry::Host(pin) => Secret::Host(pin.as_bytes()),
            PinEntry::Pad(pad) => Secret::Pad(pad),
        }
    }
}

/// How a PIN reaches the card, whatever its type.
#[derive(Clone, Copy)]
pub(crate) enum Secret<'a> {
    /// Typed on the host: these bytes go in the VERIFY.
    Host(&'a [u8]),
    /// Typed on the reader's pad: the host never sees it.
    Pad(PinPad),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::card::AuthPin;
    use crate::transport::pinpad::PinPadParams;

    #[test]
    fn debug_never_shows_the_pin() {
        let pin = AuthPin::new("4321").unwrap();
        let host = format!("{:?}", PinEntry::Host(&pin));
        assert_eq!(host, "PinEntry::Host(***)");
        let new = AuthPin::new("8765").unwrap();
        let change = format!("{:?}", PinChange::Host { old: &pin, new: &new });
        assert!(!change.contains("4321") && !change.contains("8765"), "{change}");
        let pad = PinPad { control_code: 1, modify_code: None, params: PinPadParams::default() };
        assert!(format!("{:?}", PinEntry::<AuthPin>::Pad(pad)).starts_with("PinEntry::Pad("));
    }

    #[test]
    fn the_secret_is_the_pins_bytes_or_the_pad() {
        let pin = AuthPin::new("4321").unwrap();
        assert!(matches!(PinEntry::Host(&pin).secret(), Secret::Host(b"4321")));
        let pad = PinPad { control_code: 7, modify_code: None, params: PinPadParams::default() };
        assert!(matches!(PinEntry::<AuthPin>::Pad(pad).secret(), Secret::Pad(p) if p == pad));
    }
}
