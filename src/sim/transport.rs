//! The in-process transport: a [`Transport`] over a [`VirtualCard`] held in a [`SharedCard`],
//! so the whole client stack runs against the simulator without PC/SC. Several
//! [`VirtualTransport`]s may share one card, like several programs sharing a reader; an
//! exclusive transaction held by one makes the others fail with
//! [`TransportError::CardInUse`] until its guard is dropped. Disconnecting with
//! [`Disposition::Unpower`] powers the card off; a new transport to an unpowered card powers
//! it on again (as pcscd does when a program connects).
//!
//! The virtual reader can have a simulated PIN pad ([`SimPinPad`]): it advertises
//! `FEATURE_VERIFY_PIN_DIRECT` and answers it like a CCID pad reader, building the VERIFY from
//! the structure it is sent and what the simulated user "types" (queued [`PadInput`]s), so
//! the PIN-pad path of the client runs end to end without hardware. (Real vpcd readers
//! cannot offer the feature.)

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use zeroize::Zeroizing;

use super::card::{Reply, VirtualCard};
use crate::transport::pinpad::{feature, feature_request_code, PadRequest};
use crate::transport::{Disposition, ReaderInfo, Transport, TransportError};

/// Reader name the in-process transport reports.
pub const SIM_READER_NAME: &str = "sim";

/// Source of transport identities (which transport holds the exclusive transaction).
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// The control code the simulated pad gives `FEATURE_VERIFY_PIN_DIRECT` (the value libccid
/// uses on Linux: `SCARD_CTL_CODE(0x330006)`).
pub const SIM_VERIFY_PIN_DIRECT: u32 = 0x4233_0006;
/// The control code the simulated pad gives `FEATURE_MODIFY_PIN_DIRECT`.
pub const SIM_MODIFY_PIN_DIRECT: u32 = 0x4233_0007;

/// What the simulated user does when the pad asks for a PIN.
#[derive(Clone, Debug)]
pub enum PadInput {
    /// Types these digits and presses OK.
    Digits(Zeroizing<String>),
    /// Presses Cancel (the pad answers `64 01`).
    Cancel,
    /// Types nothing (the pad answers `64 00`).
    Timeout,
}

impl PadInput {
    /// Typing `digits`.
    pub fn digits(digits: &str) -> Self {
        PadInput::Digits(Zeroizing::new(digits.to_string()))
    }
}

/// A simulated PIN pad on the virtual reader: one queued input per PIN entry (a verification
/// takes one, a change takes two: the new PIN and its confirmation); with the queue empty
/// the pad times out.
#[derive(Clone, Debug, Default)]
pub struct SimPinPad {
    inputs: VecDeque<PadInput>,
    requests: usize,
}

impl SimPinPad {
    /// A pad whose user will act as `inputs` say, in order.
    pub fn new(inputs: impl IntoIterator<Item = PadInput>) -> Self {
        SimPinPad { inputs: inputs.into_iter().collect(), requests: 0 }
    }

    /// How many PIN entries the pad was asked for.
    pub fn requests(&self) -> usize {
        self.requests
    }

    /// The next entry's digits, or the pad's own answer (`64 00` timeout, `64 01` cancel).
    fn entry(&mut self) -> Result<Zeroizing<String>, Vec<u8>> {
        match self.inputs.pop_front() {
            None | Some(PadInput::Timeout) => Err(vec![0x64, 0x00]),
            Some(PadInput::Cancel) => Err(vec![0x64, 0x01]),
            Some(PadInput::Digits(d)) => Ok(d),
        }
    }

    /// The pad's answer to `FEATURE_VERIFY_PIN_DIRECT` (`modify` false) or
    /// `FEATURE_MODIFY_PIN_DIRECT` (true): the card's status word, or the pad's own (`6B 80`
    /// malformed structure, `64 00` timeout, `64 01` cancel, `64 02` the two entries of a new
    /// PIN differ, `64 03` wrong number of digits).
    fn enter(
        &mut self,
        card: &mut VirtualCard,
        input: &[u8],
        modify: bool,
    ) -> Result<Vec<u8>, TransportError> {
        self.requests += 1;
        let parsed =
            if modify { PadRequest::parse_modify(input) } else { PadRequest::parse(input) };
        let Ok(request) = parsed else {
            return Ok(vec![0x6B, 0x80]);
        };
        let digits = match self.entry() {
            Ok(d) => d,
            Err(answer) => return Ok(answer),
        };
        if modify {
            match self.entry() {
                Ok(confirm) if *confirm == *digits => {}
                Ok(_) => return Ok(vec![0x64, 0x02]),
                Err(answer) => return Ok(answer),
            }
        }
        let Some(apdu) = request.apdu(digits.as_bytes()) else {
            return Ok(vec![0x64, 0x03]);
        };
        match card.process(&apdu) {
            Reply::Bytes(bytes) => Ok(bytes),
            Reply::Mute => Err(TransportError::Mute),
            Reply::Removed => Err(TransportError::CardRemoved),
        }
    }
}

/// The card, who holds it exclusively, and the reader's PIN pad if it has one.
#[derive(Debug)]
struct Slot {
    card: VirtualCard,
    /// Transport holding the exclusive transaction, and how many nested guards it holds.
    holder: Option<(u64, usize)>,
    pinpad: Option<SimPinPad>,
}

/// A virtual card shared between transports (and tests): cheap to clone, all clones are the
/// same card.
#[derive(Clone, Debug)]
pub struct SharedCard {
    slot: Arc<Mutex<Slot>>,
}

/// A poisoned lock means a thread panicked while talking to the card: the virtual reader is
/// unusable, like an unplugged one.
fn poisoned<T>(_: PoisonError<T>) -> TransportError {
    TransportError::ReaderGone { reader: SIM_READER_NAME.to_string() }
}

impl SharedCard {
    /// Share this card.
    pub fn new(card: VirtualCard) -> Self {
        SharedCard { slot: Arc::new(Mutex::new(Slot { card, holder: None, pinpad: None })) }
    }

    /// A new transport (a new "client") to this card; an unpowered card is powered on.
    pub fn transport(&self) -> VirtualTransport {
        {
            // A poisoned lock stays poisoned: the transport's first request reports it.
            if let Ok(mut slot) = self.slot.lock() {
                if !slot.card.is_powered() {
                    slot.card.power_on();
                }
            }
        }
        VirtualTransport {
            card: self.clone(),
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            closed: false,
        }
    }

    /// Run `f` on the card directly (inspect counters, power-cycle, change the image),
    /// bypassing any exclusive transaction.
    pub fn with_card<R>(&self, f: impl FnOnce(&mut VirtualCard) -> R) -> Result<R, TransportError> {
        let mut slot = self.lock()?;
        Ok(f(&mut slot.card))
    }

    /// Give the virtual reader a simulated PIN pad (or take it away with `None`).
    pub fn set_pinpad(&self, pad: Option<SimPinPad>) -> Result<(), TransportError> {
        self.lock()?.pinpad = pad;
        Ok(())
    }

    /// The simulated PIN pad's state, if the reader has one.
    pub fn pinpad(&self) -> Result<Option<SimPinPad>, TransportError> {
        Ok(self.lock()?.pinpad.clone())
    }

    fn lock(&self) -> Result<MutexGuard<'_, Slot>, TransportError> {
        self.slot.lock().map_err(poisoned)
    }

    /// Lock the card for transport `id`: fails with `CardInUse` if another transport holds it.
    fn lock_for(&self, id: u64) -> Result<MutexGuard<'_, Slot>, TransportError> {
        let slot = self.lock()?;
        match slot.holder {
            Some((holder, _)) if holder != id => Err(TransportError::CardInUse),
            _ => Ok(slot),
        }
    }

    fn transmit(&self, id: u64, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        let mut slot = self.lock_for(id)?;
        match slot.card.process(command) {
            Reply::Bytes(bytes) => Ok(bytes),
            Reply::Mute => Err(TransportError::Mute),
            Reply::Removed => Err(TransportError::CardRemoved),
        }
    }

    fn reset(&self, id: u64) -> Result<(), TransportError> {
        self.lock_for(id)?.card.reset();
        Ok(())
    }

    fn disconnect(&self, id: u64, disposition: Disposition) -> Result<(), TransportError> {
        let mut slot = self.lock_for(id)?;
        match disposition {
            Disposition::Leave => {}
            Disposition::Reset => slot.card.reset(),
            Disposition::Unpower => slot.card.power_off(),
        }
        Ok(())
    }

    /// A reader without a pad takes no control requests; one with a pad knows the feature
    /// request and `FEATURE_VERIFY_PIN_DIRECT`.
    fn control(&self, id: u64, code: u32, input: &[u8]) -> Result<Vec<u8>, TransportError> {
        let mut slot = self.lock_for(id)?;
        let Slot { card, pinpad, .. } = &mut *slot;
        let Some(pad) = pinpad else {
            return Err(TransportError::NoControl);
        };
        if code == feature_request_code() {
            let mut answer = vec![feature::VERIFY_PIN_DIRECT, 4];
            answer.extend_from_slice(&SIM_VERIFY_PIN_DIRECT.to_be_bytes());
            answer.extend_from_slice(&[feature::MODIFY_PIN_DIRECT, 4]);
            answer.extend_from_slice(&SIM_MODIFY_PIN_DIRECT.to_be_bytes());
            Ok(answer)
        } else if code == SIM_VERIFY_PIN_DIRECT || code == SIM_MODIFY_PIN_DIRECT {
            pad.enter(card, input, code == SIM_MODIFY_PIN_DIRECT)
        } else {
            Err(TransportError::Pcsc(format!(
                "control code {code:08X} is not supported by the simulated reader"
            )))
        }
    }

    fn acquire(&self, id: u64) -> Result<(), TransportError> {
        let mut slot = self.lock_for(id)?;
        slot.holder = Some(match slot.holder {
            Some((holder, depth)) => (holder, depth + 1),
            None => (id, 1),
        });
        Ok(())
    }

    fn release(&self, id: u64) {
        // Runs in Drop: a poisoned lock is taken anyway so the card is not left held.
        let mut slot = self.slot.lock().unwrap_or_else(PoisonError::into_inner);
        slot.holder = match slot.holder {
            Some((holder, depth)) if holder == id && depth > 1 => Some((holder, depth - 1)),
            Some((holder, _)) if holder == id => None,
            other => other,
        };
    }

    fn info(&self) -> ReaderInfo {
        // `info` cannot fail: read through a poisoned lock (the data is only read).
        let slot = self.slot.lock().unwrap_or_else(PoisonError::into_inner);
        ReaderInfo {
            name: SIM_READER_NAME.to_string(),
            atr: slot.card.atr(),
            extended_length: Some(slot.card.profile().extended_length),
        }
    }
}

/// One client's channel to a [`SharedCard`].
#[derive(Debug)]
pub struct VirtualTransport {
    card: SharedCard,
    id: u64,
    /// Disconnected: every request fails.
    closed: bool,
}

impl VirtualTransport {
    /// A transport to a card of its own.
    pub fn new(card: VirtualCard) -> Self {
        SharedCard::new(card).transport()
    }

    /// The card this transport talks to.
    pub fn card(&self) -> &SharedCard {
        &self.card
    }
}

impl VirtualTransport {
    fn open(&self) -> Result<(), TransportError> {
        if self.closed {
            Err(TransportError::Disconnected)
        } else {
            Ok(())
        }
    }
}

impl Transport for VirtualTransport {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.open()?;
        self.card.transmit(self.id, command)
    }

    fn exclusive(&mut self) -> Result<Box<dyn Transport + '_>, TransportError> {
        self.open()?;
        self.card.acquire(self.id)?;
        Ok(Box::new(Exclusive { card: &self.card, id: self.id }))
    }

    fn reset(&mut self) -> Result<(), TransportError> {
        self.open()?;
        self.card.reset(self.id)
    }

    fn disconnect(&mut self, disposition: Disposition) -> Result<(), TransportError> {
        if self.closed {
            return Ok(());
        }
        self.closed = true;
        self.card.disconnect(self.id, disposition)
    }

    fn info(&self) -> ReaderInfo {
        self.card.info()
    }

    fn control(&mut self, code: u32, input: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.open()?;
        self.card.control(self.id, code, input)
    }
}

/// An exclusive transaction on a shared card; released on drop.
struct Exclusive<'a> {
    card: &'a SharedCard,
    id: u64,
}

impl Transport for Exclusive<'_> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.card.transmit(self.id, command)
    }

    fn exclusive(&mut self) -> Result<Box<dyn Transport + '_>, TransportError> {
        self.card.acquire(self.id)?;
        Ok(Box::new(Exclusive { card: self.card, id: self.id }))
    }

    fn reset(&mut self) -> Result<(), TransportError> {
        self.card.reset(self.id)
    }

    fn info(&self) -> ReaderInfo {
        self.card.info()
    }

    fn control(&mut self, code: u32, input: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.card.control(self.id, code, input)
    }
}

impl Drop for Exclusive<'_> {
    fn drop(&mut self) {
        self.card.release(self.id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::{jpki, AID_JPKI};
    use crate::sim::card::Profile;
    use crate::sim::image::{CardImage, SIM_SIGN_PIN};

    const SELECT_JPKI: [u8; 15] =
        [0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01];

    /// A transport that verified the signature password; and a way to ask whether a new
    /// client can read the signature certificate without it.
    fn verified() -> (SharedCard, VirtualTransport) {
        let card =
            SharedCard::new(VirtualCard::new(CardImage::default_image(), Profile::default()));
        let mut t = card.transport();
        assert_eq!(t.transmit(&SELECT_JPKI).unwrap(), [0x90, 0x00]);
        let [hi, lo] = jpki::EF_SIGN_PIN.to_be_bytes();
        assert_eq!(t.transmit(&[0x00, 0xA4, 0x02, 0x0C, 0x02, hi, lo]).unwrap(), [0x90, 0x00]);
        let pin = SIM_SIGN_PIN.as_bytes();
        let mut verify = vec![0x00, 0x20, 0x00, 0x80, pin.len() as u8];
        verify.extend_from_slice(pin);
        assert_eq!(t.transmit(&verify).unwrap(), [0x90, 0x00]);
        assert_eq!(AID_JPKI.len(), 10);
        (card, t)
    }

    fn can_read_sign_cert(card: &SharedCard) -> bool {
        let mut t = card.transport();
        let [hi, lo] = jpki::EF_SIGN_CERT.to_be_bytes();
        t.transmit(&SELECT_JPKI).unwrap();
        t.transmit(&[0x00, 0xA4, 0x02, 0x0C, 0x02, hi, lo]).unwrap();
        let answer = t.transmit(&[0x00, 0xB0, 0x00, 0x00, 0x02]).unwrap();
        answer.ends_with(&[0x90, 0x00])
    }

    #[test]
    fn disconnecting_with_unpower_powers_the_card_off_and_clears_the_verify() {
        let (card, mut t) = verified();
        t.disconnect(Disposition::Unpower).unwrap();
        assert!(!card.with_card(|c| c.is_powered()).unwrap());
        // The next client powers it on, and finds nothing verified.
        assert!(!can_read_sign_cert(&card));
    }

    #[test]
    fn leave_and_reset_keep_the_verify_as_real_cards_do() {
        for disposition in [Disposition::Leave, Disposition::Reset] {
            let (card, mut t) = verified();
            t.disconnect(disposition).unwrap();
            assert!(card.with_card(|c| c.is_powered()).unwrap());
            assert!(can_read_sign_cert(&card), "{disposition:?}");
        }
    }

    #[test]
    fn a_closed_transport_refuses_everything_and_a_guard_cannot_disconnect() {
        let (_card, mut t) = verified();
        {
            let mut guard = t.exclusive().unwrap();
            assert!(matches!(
                guard.disconnect(Disposition::Unpower),
                Err(TransportError::CannotDisconnect)
            ));
        }
        t.disconnect(Disposition::Leave).unwrap();
        assert!(matches!(t.transmit(&SELECT_JPKI), Err(TransportError::Disconnected)));
        assert!(matches!(t.reset(), Err(TransportError::Disconnected)));
        assert!(matches!(t.exclusive().err(), Some(TransportError::Disconnected)));
        assert!(matches!(t.control(1, &[]), Err(TransportError::Disconnected)));
        // A second disconnect does nothing.
        t.disconnect(Disposition::Unpower).unwrap();
        let msg = TransportError::Disconnected.to_string();
        assert!(msg.contains("already closed"), "{msg}");
        let msg = TransportError::CannotDisconnect.to_string();
        assert!(msg.contains("inside an exclusive transaction"), "{msg}");
    }
}
