//! The in-process transport: a [`Transport`] over a [`VirtualCard`] held in a [`SharedCard`],
//! so the whole client stack runs against the simulator without PC/SC. Several
//! [`VirtualTransport`]s may share one card, like several programs sharing a reader; an
//! exclusive transaction held by one makes the others fail with
//! [`TransportError::CardInUse`] until its guard is dropped.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use super::{ReaderInfo, Transport, TransportError};
use crate::sim::card::{Reply, VirtualCard};

/// Reader name the in-process transport reports.
pub const SIM_READER_NAME: &str = "sim";

/// Source of transport identities (which transport holds the exclusive transaction).
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// The card and who holds it exclusively.
#[derive(Debug)]
struct Slot {
    card: VirtualCard,
    /// Transport holding the exclusive transaction, and how many nested guards it holds.
    holder: Option<(u64, usize)>,
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
        SharedCard { slot: Arc::new(Mutex::new(Slot { card, holder: None })) }
    }

    /// A new transport (a new "client") to this card.
    pub fn transport(&self) -> VirtualTransport {
        VirtualTransport { card: self.clone(), id: NEXT_ID.fetch_add(1, Ordering::Relaxed) }
    }

    /// Run `f` on the card directly (inspect counters, power-cycle, change the image),
    /// bypassing any exclusive transaction.
    pub fn with_card<R>(&self, f: impl FnOnce(&mut VirtualCard) -> R) -> Result<R, TransportError> {
        let mut slot = self.lock()?;
        Ok(f(&mut slot.card))
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

impl Transport for VirtualTransport {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.card.transmit(self.id, command)
    }

    fn exclusive(&mut self) -> Result<Box<dyn Transport + '_>, TransportError> {
        self.card.acquire(self.id)?;
        Ok(Box::new(Exclusive { card: &self.card, id: self.id }))
    }

    fn reset(&mut self) -> Result<(), TransportError> {
        self.card.reset(self.id)
    }

    fn info(&self) -> ReaderInfo {
        self.card.info()
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
}

impl Drop for Exclusive<'_> {
    fn drop(&mut self) {
        self.card.release(self.id);
    }
}
