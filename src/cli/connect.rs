//! Opening the card the global options name: `--reader sim` (the in-process virtual card
//! with the default image), a PC/SC reader by name/substring/index, or, with no `--reader`,
//! the one reader holding a JPKI card. Waits for a card with a spinner on a terminal, up to
//! `--wait` seconds. Wraps the transport in the APDU trace when `--trace` is given. A command
//! that verifies a PIN holds its client in a [`PinClient`], which disconnects with
//! `SCARD_UNPOWER_CARD` when it goes, on success and on every error path.

use std::io::IsTerminal;
use std::time::Duration;

use mynacard::apdu::Command;
use mynacard::card::Client;
use mynacard::facts::AID_JPKI;
use mynacard::sim::card::VirtualCard;
use mynacard::sim::image::CardImage;
use mynacard::sim::transport::VirtualTransport;
use mynacard::transport::pcsc::{list_readers, wait_for_card, PcscTransport, ShareMode};
use mynacard::transport::trace::TraceTransport;
use mynacard::transport::{Disposition, Transport, TransportError};

use super::audit_log::AuditNote;
use super::{CliError, GlobalOpts};

/// A client over whatever transport the options chose.
pub type CardClient = Client<Box<dyn Transport>>;

/// The name `--reader` takes for the in-process virtual card.
pub const SIM: &str = "sim";

/// Open the card: shared for reading, exclusive for PIN work. The reader is noted in
/// `audit`.
pub fn open(
    g: &GlobalOpts,
    mode: ShareMode,
    audit: &mut AuditNote,
) -> Result<CardClient, CliError> {
    Ok(Client::new(open_transport(g, mode, audit)?))
}

/// The client of a command that verifies a PIN: dereferences to the [`CardClient`], and when
/// dropped disconnects with [`Disposition::Unpower`], which clears everything the card holds
/// verified. The client already left the application after the PIN operation (select of the
/// ISD); real cards keep a verification across a re-select, a warm reset and a reconnect
/// (measured by one peer library, [C]), so powering off is the second, independent measure.
pub struct PinClient {
    client: CardClient,
    quiet: bool,
}

impl PinClient {
    /// Hold `client` until the command ends.
    pub fn new(client: CardClient, quiet: bool) -> Self {
        PinClient { client, quiet }
    }
}

impl std::ops::Deref for PinClient {
    type Target = CardClient;
    fn deref(&self) -> &CardClient {
        &self.client
    }
}

impl std::ops::DerefMut for PinClient {
    fn deref_mut(&mut self) -> &mut CardClient {
        &mut self.client
    }
}

impl Drop for PinClient {
    fn drop(&mut self) {
        if let Err(e) = self.client.transport_mut().disconnect(Disposition::Unpower) {
            if !self.quiet {
                let why = super::messages::transport(&e).text();
                errln!("mynacard: {}", t!("connect-not-unpowered", why = why));
            }
        }
    }
}

/// Open the transport (see the module documentation); the reader is noted in `audit`.
pub fn open_transport(
    g: &GlobalOpts,
    mode: ShareMode,
    audit: &mut AuditNote,
) -> Result<Box<dyn Transport>, CliError> {
    let wanted = g.reader.as_deref().unwrap_or("");
    let transport: Box<dyn Transport> = if wanted == SIM {
        let profile = super::sim::profile(super::sim::ProfileName::Default, false);
        let card = VirtualCard::new(CardImage::default_image(), profile);
        Box::new(VirtualTransport::new(card))
    } else {
        let reader = pick_reader(g, wanted)?;
        Box::new(PcscTransport::connect(&reader, mode)?)
    };
    audit.reader(&transport.info().name);
    match &g.trace {
        Some(path) => Ok(Box::new(TraceTransport::to_file(transport, path)?)),
        None => Ok(transport),
    }
}

/// Which reader to use: the one asked for, or the only one holding a JPKI card; waits for a
/// card when none is present.
fn pick_reader(g: &GlobalOpts, wanted: &str) -> Result<String, CliError> {
    let readers = list_readers()?;
    if readers.is_empty() {
        return Err(TransportError::NoReaders.into());
    }
    if !wanted.is_empty() {
        let status = wait(g, wanted)?;
        return Ok(status.name);
    }
    let with_card: Vec<_> = readers.iter().filter(|r| r.card_present).collect();
    match with_card.as_slice() {
        [] => Ok(wait(g, "")?.name),
        [one] => Ok(one.name.clone()),
        many => {
            let n = many.len();
            let jpki: Vec<String> =
                with_card.iter().filter(|r| holds_jpki(&r.name)).map(|r| r.name.clone()).collect();
            match jpki.as_slice() {
                [one] => Ok(one.clone()),
                _ => Err(TransportError::AmbiguousReader {
                    wanted: "a JPKI card".into(),
                    matches: jpki.len().max(n),
                }
                .into()),
            }
        }
    }
}

/// Whether the card in `reader` answers the JPKI application's SELECT with `90 00` (sent once
/// more after `6F 00`, which one source reports as the answer to the first command after the
/// card was powered off, [C]).
fn holds_jpki(reader: &str) -> bool {
    let Ok(mut t) = PcscTransport::connect(reader, ShareMode::Shared) else { return false };
    let Ok(cmd) = Command::select_aid(&AID_JPKI).to_bytes() else { return false };
    match t.transmit(&cmd) {
        Ok(answer) if answer == [0x6F, 0x00] => {
            matches!(t.transmit(&cmd).as_deref(), Ok([.., 0x90, 0x00]))
        }
        answer => matches!(answer.as_deref(), Ok([.., 0x90, 0x00])),
    }
}

/// Wait for a card in `wanted` (any reader when empty) for `--wait` seconds, with a spinner
/// saying "insert your card" when stderr is a terminal.
fn wait(g: &GlobalOpts, wanted: &str) -> Result<mynacard::transport::pcsc::ReaderStatus, CliError> {
    let timeout = Duration::from_secs(g.wait_seconds());
    let spinner = (std::io::stderr().is_terminal() && !g.quiet && !timeout.is_zero()).then(|| {
        let pb = indicatif::ProgressBar::new_spinner();
        pb.set_message(t!("connect-insert-card"));
        pb.enable_steady_tick(Duration::from_millis(120));
        pb
    });
    let result = wait_for_card(wanted, timeout);
    if let Some(pb) = spinner {
        pb.finish_and_clear();
    }
    Ok(result?)
}
