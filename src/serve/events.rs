//! The event hub behind `GET /v1/events`: a thread follows PC/SC with
//! [`mynacard::transport::events::watch`] (reader added/removed, card inserted/removed with
//! JPKI detection) and card operations add `operation_started` / `operation_finished`. Each
//! subscriber first gets the situation now (readers, cards in them), then every change.
//! Events carry reader names, ATRs, operation names and outcome codes: never personal data.
//! When pcscd goes away the watcher reports every known card and reader removed and tries
//! again every second, so the stream recovers when pcscd comes back.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use mynacard::transport::events::{self, Event, TimedEvent, WatchOptions};
use tokio::sync::broadcast;

/// How many events a slow subscriber may fall behind before it loses some.
const BACKLOG: usize = 256;

/// One event as its JSON object.
pub type EventJson = serde_json::Value;

/// The situation now: reader → the insertion event of the card in it, if any.
#[derive(Default)]
struct Snapshot {
    readers: BTreeMap<String, Option<TimedEvent>>,
}

/// Shared by the watcher thread, the card operations and the subscribers.
pub struct Hub {
    tx: broadcast::Sender<EventJson>,
    snapshot: Mutex<Snapshot>,
}

fn now() -> String {
    TimedEvent::now(Event::ReaderAdded { reader: String::new() }).time
}

impl Hub {
    /// An empty hub.
    pub fn new() -> Arc<Hub> {
        let (tx, _) = broadcast::channel(BACKLOG);
        Arc::new(Hub { tx, snapshot: Mutex::new(Snapshot::default()) })
    }

    /// Subscribe: the events that describe the situation now, and the receiver of what
    /// follows (taken under the same lock, so nothing falls between them).
    pub fn subscribe(&self) -> (Vec<EventJson>, broadcast::Receiver<EventJson>) {
        let snap = self.snapshot.lock().unwrap_or_else(PoisonError::into_inner);
        let rx = self.tx.subscribe();
        let mut first = Vec::new();
        for (reader, card) in &snap.readers {
            first.push(to_json(&TimedEvent::now(Event::ReaderAdded { reader: reader.clone() })));
            if let Some(card) = card {
                first.push(to_json(card));
            }
        }
        (first, rx)
    }

    /// A PC/SC event: update the snapshot and send it.
    pub fn card_event(&self, e: TimedEvent) {
        let mut snap = self.snapshot.lock().unwrap_or_else(PoisonError::into_inner);
        match &e.event {
            Event::ReaderAdded { reader } => {
                snap.readers.entry(reader.clone()).or_insert(None);
            }
            Event::ReaderRemoved { reader } => {
                snap.readers.remove(reader);
            }
            Event::CardInserted { reader, .. } => {
                snap.readers.insert(reader.clone(), Some(e.clone()));
            }
            Event::CardRemoved { reader } => {
                snap.readers.insert(reader.clone(), None);
            }
        }
        let _ = self.tx.send(to_json(&e));
    }

    /// Everything known is gone (pcscd stopped): removal events for every card and reader.
    fn all_gone(&self) {
        let known: Vec<(String, bool)> = {
            let snap = self.snapshot.lock().unwrap_or_else(PoisonError::into_inner);
            snap.readers.iter().map(|(r, c)| (r.clone(), c.is_some())).collect()
        };
        for (reader, card) in known {
            if card {
                self.card_event(TimedEvent::now(Event::CardRemoved { reader: reader.clone() }));
            }
            self.card_event(TimedEvent::now(Event::ReaderRemoved { reader }));
        }
    }

    /// A card operation began.
    pub fn operation_started(&self, reader: &str, operation: &str) {
        let _ = self.tx.send(serde_json::json!({
            "time": now(), "event": "operation_started", "reader": reader, "operation": operation,
        }));
    }

    /// A card operation ended with `outcome` (`ok` or an error code).
    pub fn operation_finished(&self, reader: &str, operation: &str, outcome: &str) {
        let _ = self.tx.send(serde_json::json!({
            "time": now(), "event": "operation_finished", "reader": reader,
            "operation": operation, "outcome": outcome,
        }));
    }
}

fn to_json(e: &TimedEvent) -> EventJson {
    serde_json::to_value(e).unwrap_or_default()
}

/// Follow PC/SC on a thread of its own until `stop` is set (see the module documentation).
/// The JPKI probe of an inserted card (a SELECT of the JPKI AID, never the ATR) takes the
/// lock of the card's reader first, so that it never collides with a card operation of this
/// service on that reader (other readers' operations go on).
pub fn spawn_watcher(
    hub: Arc<Hub>,
    stop: Arc<AtomicBool>,
    locks: Arc<super::card::ReaderLocks>,
    memo: Arc<super::card::ReaderMemo>,
) -> std::io::Result<()> {
    std::thread::Builder::new().name("pcsc-events".into()).spawn(move || {
        let options = WatchOptions { probe_jpki: false, ..WatchOptions::default() };
        while !stop.load(Ordering::Relaxed) {
            let context = pcsc::Context::establish(pcsc::Scope::User).ok();
            let result = events::watch(&stop, &options, |mut e| {
                match &e.event {
                    Event::CardInserted { reader, .. } | Event::CardRemoved { reader } => {
                        memo.forget_card(reader)
                    }
                    Event::ReaderAdded { reader } | Event::ReaderRemoved { reader } => {
                        memo.forget_reader(reader)
                    }
                }
                if let (Event::CardInserted { reader, jpki, .. }, Some(ctx)) =
                    (&mut e.event, &context)
                {
                    // Without its reader's lock (all MAX_READERS locks busy) the card is not
                    // probed: `jpki` stays false rather than disturb a running operation.
                    if let (Ok(name), Some(lock)) =
                        (std::ffi::CString::new(reader.as_str()), locks.get(reader))
                    {
                        let _card = lock.blocking_lock();
                        *jpki = events::probe_jpki(ctx, &name);
                    }
                }
                hub.card_event(e)
            });
            hub.all_gone();
            memo.forget_all();
            if result.is_err() {
                // pcscd is not there (yet, or any more): look again in a second.
                for _ in 0..10 {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    std::thread::sleep(Duration::from_millis(100));
                }
            }
        }
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subscribers_see_the_situation_then_changes() {
        let hub = Hub::new();
        hub.card_event(TimedEvent::now(Event::ReaderAdded { reader: "R".into() }));
        hub.card_event(TimedEvent::now(Event::CardInserted {
            reader: "R".into(),
            atr: "3B".into(),
            jpki: Some(true),
        }));
        let (first, mut rx) = hub.subscribe();
        let kinds: Vec<_> =
            first.iter().map(|e| e["event"].as_str().unwrap().to_string()).collect();
        assert_eq!(kinds, ["reader_added", "card_inserted"]);
        assert_eq!(first[1]["jpki"], true);
        hub.operation_started("R", "sign");
        hub.all_gone();
        let got: Vec<_> = std::iter::from_fn(|| rx.try_recv().ok())
            .map(|e| e["event"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(got, ["operation_started", "card_removed", "reader_removed"]);
        assert!(hub.subscribe().0.is_empty());
    }
}
