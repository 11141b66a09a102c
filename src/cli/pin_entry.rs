//! Getting one command's PIN to the card: on the reader's PIN pad when `--pinpad` and the
//! reader allow it (the PIN then never crosses the computer), otherwise from the configured
//! source, validated before anything is sent. With a PIN source option or `--pinpad off`
//! the PIN is read and checked before the card is even opened.

use mynacard::card::{CardError, CardPin, PinFormatError, PinPad, PinPadMode};
use mynacard::transport::pcsc::ShareMode;

use super::connect::{self, CardClient};
use super::pin_source::PinOpts;
use super::{CliError, GlobalOpts};

/// Where the PIN of this command comes from.
pub enum Entry<P> {
    /// Typed on the computer (or from the source), validated.
    Host(P),
    /// Typed on the reader's pad.
    Pad(PinPad),
}

/// Read the PIN from the configured source and validate it.
fn host_pin<P: CardPin>(
    opts: &PinOpts,
    make: fn(&str) -> Result<P, PinFormatError>,
) -> Result<P, CliError> {
    let secret = opts.reader().current(&P::KIND.to_string())?;
    Ok(make(&secret).map_err(CardError::from)?)
}

/// Open the card exclusively and decide how its PIN is entered (see the module docs).
pub fn open_with_pin<P: CardPin>(
    g: &GlobalOpts,
    opts: &PinOpts,
    make: fn(&str) -> Result<P, PinFormatError>,
) -> Result<(CardClient, Entry<P>), CliError> {
    let mode = opts.pinpad_mode()?;
    let kind = P::KIND;
    if mode == PinPadMode::On && !kind.digits_only() {
        return Err(CardError::PinPadCannotEnter { kind }.into());
    }
    if mode == PinPadMode::Off || !kind.digits_only() {
        let pin = host_pin(opts, make)?;
        let client = connect::open(g, ShareMode::Exclusive)?;
        return Ok((client, Entry::Host(pin)));
    }
    let mut client = connect::open(g, ShareMode::Exclusive)?;
    match client.pinpad_for(kind, mode)? {
        Some(pad) => {
            if !g.quiet {
                eprintln!("Enter the {kind} on the reader's PIN pad.");
            }
            Ok((client, Entry::Pad(pad)))
        }
        None => Ok((client, Entry::Host(host_pin(opts, make)?))),
    }
}
