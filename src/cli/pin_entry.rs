//! Getting one command's PIN to the card: on the reader's PIN pad when `--pinpad` and the
//! reader allow it (the PIN then never crosses the computer), otherwise from the configured
//! source, validated before anything is sent. With a PIN source option or `--pinpad off`
//! the PIN is read and checked before the card is even opened. The client comes back as a
//! [`PinClient`]: the command ends by disconnecting with `SCARD_UNPOWER_CARD`, however it ends.

use mynacard::card::{
    CardError, CardPin, PinChange, PinEntry, PinFormatError, PinKind, PinPad, PinPadMode,
};
use mynacard::transport::pcsc::ShareMode;

use super::audit_log::AuditNote;
use super::connect::{self, PinClient};
use super::pin_source::PinOpts;
use super::{CliError, GlobalOpts};

/// Where the PIN of this command comes from.
pub enum Entry<P> {
    /// Typed on the computer (or from the source), validated.
    Host(P),
    /// Typed on the reader's pad.
    Pad(PinPad),
}

impl<P> Entry<P> {
    /// The PIN entry as the card operation takes it.
    pub fn pin(&self) -> PinEntry<'_, P> {
        match self {
            Entry::Host(pin) => PinEntry::Host(pin),
            Entry::Pad(pad) => PinEntry::Pad(*pad),
        }
    }
}

impl<P> Entry<(P, P)> {
    /// The current and new PINs as a change takes them.
    pub fn change(&self) -> PinChange<'_, P> {
        match self {
            Entry::Host((old, new)) => PinChange::Host { old, new },
            Entry::Pad(pad) => PinChange::Pad(*pad),
        }
    }
}

/// What the PIN operation needs of a pad.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum PadUse {
    /// Verify a PIN (`FEATURE_VERIFY_PIN_DIRECT`).
    Verify,
    /// Verify the current PIN and type a new one (`FEATURE_MODIFY_PIN_DIRECT` too).
    Change,
}

/// Open the card exclusively (noting the reader in `audit`) and decide how the `kind`
/// secrets are entered (see the module docs): on the pad, or from the host through
/// `read_host` (which reads and validates them; called before the card is opened when the
/// pad is out of the question).
pub fn open_with<T>(
    g: &GlobalOpts,
    audit: &mut AuditNote,
    opts: &PinOpts,
    kind: PinKind,
    need: PadUse,
    read_host: impl FnOnce() -> Result<T, CliError>,
) -> Result<(PinClient, Entry<T>), CliError> {
    let mode = opts.pinpad_mode()?;
    if mode == PinPadMode::On && !kind.digits_only() {
        return Err(CardError::PinPadCannotEnter { kind }.into());
    }
    if mode == PinPadMode::Off || !kind.digits_only() {
        let secrets = read_host()?;
        let client = PinClient::new(connect::open(g, ShareMode::Exclusive, audit)?, g.quiet);
        return Ok((client, Entry::Host(secrets)));
    }
    let mut client = PinClient::new(connect::open(g, ShareMode::Exclusive, audit)?, g.quiet);
    match client.pinpad_for(kind, mode)? {
        Some(pad) if need == PadUse::Verify || pad.modify_code.is_some() => {
            if !g.quiet {
                match need {
                    PadUse::Verify => {
                        errln!("{}", t!("pinpad-enter", pin = super::messages::pin_name(kind)))
                    }
                    PadUse::Change => {
                        errln!("{}", t!("pinpad-change", pin = super::messages::pin_name(kind)))
                    }
                }
            }
            Ok((client, Entry::Pad(pad)))
        }
        Some(_) if mode == PinPadMode::On => Err(CardError::NoPinPadChange.into()),
        _ => Ok((client, Entry::Host(read_host()?))),
    }
}

/// Read the PIN from the configured source and validate it.
fn host_pin<P: CardPin>(
    opts: &PinOpts,
    make: fn(&str) -> Result<P, PinFormatError>,
) -> Result<P, CliError> {
    let secret = opts.reader().current(&super::messages::pin_name(P::KIND))?;
    Ok(make(&secret).map_err(CardError::from)?)
}

/// Open the card exclusively and decide how its PIN is entered, for a verification.
pub fn open_with_pin<P: CardPin>(
    g: &GlobalOpts,
    audit: &mut AuditNote,
    opts: &PinOpts,
    make: fn(&str) -> Result<P, PinFormatError>,
) -> Result<(PinClient, Entry<P>), CliError> {
    open_with(g, audit, opts, P::KIND, PadUse::Verify, || host_pin(opts, make))
}

/// [`open_with_pin`], but the card is opened first and `before` runs on it, before the PIN is
/// read from its source or typed on the pad: for what the card gives without a PIN (the
/// authentication certificate) and must be checked before anyone is asked for one.
pub fn open_with_pin_after<P: CardPin>(
    g: &GlobalOpts,
    audit: &mut AuditNote,
    opts: &PinOpts,
    make: fn(&str) -> Result<P, PinFormatError>,
    before: impl FnOnce(&mut PinClient) -> Result<(), CliError>,
) -> Result<(PinClient, Entry<P>), CliError> {
    let mode = opts.pinpad_mode()?;
    let kind = P::KIND;
    if mode == PinPadMode::On && !kind.digits_only() {
        return Err(CardError::PinPadCannotEnter { kind }.into());
    }
    let mut client = PinClient::new(connect::open(g, ShareMode::Exclusive, audit)?, g.quiet);
    before(&mut client)?;
    if mode == PinPadMode::Off || !kind.digits_only() {
        return Ok((client, Entry::Host(host_pin(opts, make)?)));
    }
    match client.pinpad_for(kind, mode)? {
        Some(pad) => {
            if !g.quiet {
                errln!("{}", t!("pinpad-enter", pin = super::messages::pin_name(kind)));
            }
            Ok((client, Entry::Pad(pad)))
        }
        None => Ok((client, Entry::Host(host_pin(opts, make)?))),
    }
}
