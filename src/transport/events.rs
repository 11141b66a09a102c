//! Card and reader events for kiosks: [`watch`] follows PC/SC (`SCardGetStatusChange`, with
//! the `\\?PnP?\Notification` pseudo-reader for hot-plugged readers) and hands every change
//! to a callback as a [`TimedEvent`] (one JSON object per line with [`TimedEvent::to_json`])
//! until a stop flag is set. Every wait is at most [`MAX_POLL`], so the flag is seen within
//! half a second. On insertion it detects a JPKI card by selecting the JPKI AID (never by
//! ATR). The bookkeeping that turns reader states into events ([`Tracker`]) is separate from
//! PC/SC so it can be tested without a reader.
//!
//! The first events describe the situation at start: every reader present, then every card.

use std::collections::BTreeMap;
use std::ffi::CString;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use serde::Serialize;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::TransportError;
use crate::apdu::Command;
use crate::facts::AID_JPKI;

/// Longest single wait for a status change.
pub const MAX_POLL: Duration = Duration::from_millis(500);

/// Something that happened to a reader or a card.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// A reader appeared (or was there at start).
    ReaderAdded {
        /// Reader name.
        reader: String,
    },
    /// A reader went away.
    ReaderRemoved {
        /// Reader name.
        reader: String,
    },
    /// A card was inserted (or was there at start).
    CardInserted {
        /// Reader name.
        reader: String,
        /// Answer to reset, upper-case hex.
        atr: String,
        /// Whether the card has the JPKI application: `None` when not probed or the probe
        /// failed (card mute, held exclusively by another program).
        jpki: Option<bool>,
    },
    /// A card was removed.
    CardRemoved {
        /// Reader name.
        reader: String,
    },
}

/// An event and when it was seen.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TimedEvent {
    /// RFC 3339, UTC.
    pub time: String,
    /// What happened.
    #[serde(flatten)]
    pub event: Event,
}

impl TimedEvent {
    /// Stamp an event with the current time.
    pub fn now(event: Event) -> Self {
        let time =
            OffsetDateTime::now_utc().format(&Rfc3339).unwrap_or_else(|_| "unknown".to_string());
        TimedEvent { time, event }
    }

    /// One JSON object, no newline: `{"time":…,"event":"card_inserted","reader":…}`.
    pub fn to_json(&self) -> String {
        // Only strings and an optional boolean: serialisation cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// What is known about one reader.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct ReaderSlot {
    /// The card's ATR while one is present.
    card: Option<Vec<u8>>,
    /// PC/SC's insertion/removal counter when last seen.
    count: Option<u32>,
}

/// Turns successive observations of readers and cards into events.
#[derive(Clone, Debug, Default)]
pub struct Tracker {
    readers: BTreeMap<String, ReaderSlot>,
}

impl Tracker {
    /// The current reader list: `ReaderAdded` for new ones, `CardRemoved` (if a card was in
    /// it) then `ReaderRemoved` for those gone.
    pub fn readers(&mut self, names: &[String]) -> Vec<Event> {
        let mut events = Vec::new();
        let gone: Vec<String> =
            self.readers.keys().filter(|k| !names.contains(k)).cloned().collect();
        for reader in gone {
            if let Some(slot) = self.readers.remove(&reader) {
                if slot.card.is_some() {
                    events.push(Event::CardRemoved { reader: reader.clone() });
                }
            }
            events.push(Event::ReaderRemoved { reader });
        }
        for name in names {
            if !self.readers.contains_key(name) {
                self.readers.insert(name.clone(), ReaderSlot::default());
                events.push(Event::ReaderAdded { reader: name.clone() });
            }
        }
        events
    }

    /// The state of one reader: whether a card is present, its ATR, and PC/SC's event
    /// counter (`None` if unknown). A card swapped between two observations (same presence,
    /// different counter or ATR) gives `CardRemoved` then `CardInserted`. `CardInserted` comes
    /// with `jpki: None`; [`watch`] fills it in.
    pub fn card_state(
        &mut self,
        reader: &str,
        present: bool,
        atr: &[u8],
        count: Option<u32>,
    ) -> Vec<Event> {
        let slot = self.readers.entry(reader.to_string()).or_default();
        let mut events = Vec::new();
        let swapped = match (&slot.card, slot.count, count) {
            (Some(old), Some(a), Some(b)) => present && (a != b || old != atr),
            (Some(old), _, _) => present && old != atr,
            (None, ..) => false,
        };
        if slot.card.is_some() && (!present || swapped) {
            events.push(Event::CardRemoved { reader: reader.to_string() });
            slot.card = None;
        }
        if present && slot.card.is_none() {
            events.push(Event::CardInserted {
                reader: reader.to_string(),
                atr: hex::encode_upper(atr),
                jpki: None,
            });
            slot.card = Some(atr.to_vec());
        }
        slot.count = count;
        events
    }
}

/// How to watch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WatchOptions {
    /// Longest wait per status-change call; capped at [`MAX_POLL`].
    pub poll: Duration,
    /// Select the JPKI AID on every inserted card to fill in `jpki`.
    pub probe_jpki: bool,
}

impl Default for WatchOptions {
    fn default() -> Self {
        WatchOptions { poll: MAX_POLL, probe_jpki: true }
    }
}

fn pcsc_error(e: pcsc::Error) -> TransportError {
    super::pcsc::map_pcsc_error(e, "")
}

/// Whether the card in `reader` answers `90 00` to SELECT of the JPKI AID (`None`: could not
/// ask). Connects shared: another program's exclusive hold makes this `None`, not an error.
pub fn probe_jpki(context: &pcsc::Context, reader: &std::ffi::CStr) -> Option<bool> {
    let card = context.connect(reader, pcsc::ShareMode::Shared, pcsc::Protocols::ANY).ok()?;
    let select = Command::select_aid(&AID_JPKI).to_bytes().ok()?;
    let mut buffer = [0u8; pcsc::MAX_BUFFER_SIZE];
    let answer = card.transmit(&select, &mut buffer).ok()?;
    Some(answer.ends_with(&[0x90, 0x00]))
}

/// Follow readers and cards until `stop` is set, calling `on_event` for every change.
/// Returns `Err(TransportError::NoService)` if pcscd is not running or stops.
pub fn watch(
    stop: &AtomicBool,
    options: &WatchOptions,
    mut on_event: impl FnMut(TimedEvent),
) -> Result<(), TransportError> {
    let poll = options.poll.min(MAX_POLL);
    let context = pcsc::Context::establish(pcsc::Scope::User).map_err(pcsc_error)?;
    let pnp_name: CString = pcsc::PNP_NOTIFICATION().to_owned();
    let mut use_pnp = true;
    let mut unknown_streak = 0u32;
    let mut tracker = Tracker::default();
    // Reader states carried across calls, so PC/SC reports only changes.
    let mut states: Vec<pcsc::ReaderState> = Vec::new();
    while !stop.load(Ordering::Relaxed) {
        let names = match context.list_readers_owned() {
            Ok(names) => names,
            Err(pcsc::Error::NoReadersAvailable) => Vec::new(),
            Err(e) => return Err(pcsc_error(e)),
        };
        let text_names: Vec<String> =
            names.iter().map(|n| n.to_string_lossy().into_owned()).collect();
        for event in tracker.readers(&text_names) {
            on_event(TimedEvent::now(event));
        }
        states.retain(|s| {
            s.name() == pnp_name.as_c_str() || names.iter().any(|n| n.as_c_str() == s.name())
        });
        if use_pnp && !states.iter().any(|s| s.name() == pnp_name.as_c_str()) {
            states.push(pcsc::ReaderState::new(pnp_name.clone(), pcsc::State::UNAWARE));
        }
        for name in &names {
            if !states.iter().any(|s| s.name() == name.as_c_str()) {
                states.push(pcsc::ReaderState::new(name.clone(), pcsc::State::UNAWARE));
            }
        }
        if states.is_empty() {
            std::thread::sleep(poll);
            continue;
        }
        match context.get_status_change(poll, &mut states) {
            Ok(()) => unknown_streak = 0,
            Err(pcsc::Error::Timeout) | Err(pcsc::Error::Cancelled) => continue,
            Err(pcsc::Error::UnknownReader) | Err(pcsc::Error::ReaderUnavailable) => {
                // A reader vanished between listing and waiting (the next listing fixes
                // that), or this PC/SC has no PnP pseudo-reader: if it happens again with a
                // fresh list, or with PnP alone, drop PnP and rely on listing every round.
                unknown_streak += 1;
                if use_pnp && (names.is_empty() || unknown_streak >= 2) {
                    use_pnp = false;
                    states.retain(|s| s.name() != pnp_name.as_c_str());
                }
                std::thread::sleep(poll.min(Duration::from_millis(50)));
                continue;
            }
            Err(e) => return Err(pcsc_error(e)),
        }
        for state in states.iter_mut() {
            let flags = state.event_state();
            if state.name() == pnp_name.as_c_str() || !flags.contains(pcsc::State::CHANGED) {
                state.sync_current_state();
                continue;
            }
            if flags.intersects(pcsc::State::UNKNOWN | pcsc::State::IGNORE) {
                // The reader is gone; the next listing reports it.
                state.sync_current_state();
                continue;
            }
            let reader = state.name().to_string_lossy().into_owned();
            let present = flags.contains(pcsc::State::PRESENT);
            let events =
                tracker.card_state(&reader, present, state.atr(), Some(state.event_count()));
            for mut event in events {
                if let Event::CardInserted { jpki, .. } = &mut event {
                    if options.probe_jpki && !flags.contains(pcsc::State::MUTE) {
                        *jpki = probe_jpki(&context, state.name());
                    }
                }
                on_event(TimedEvent::now(event));
            }
            state.sync_current_state();
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(n: &[&str]) -> Vec<String> {
        n.iter().map(|s| s.to_string()).collect()
    }

    fn added(r: &str) -> Event {
        Event::ReaderAdded { reader: r.into() }
    }

    fn inserted(r: &str, atr: &str) -> Event {
        Event::CardInserted { reader: r.into(), atr: atr.into(), jpki: None }
    }

    fn removed(r: &str) -> Event {
        Event::CardRemoved { reader: r.into() }
    }

    #[test]
    fn readers_come_and_go() {
        let mut t = Tracker::default();
        assert_eq!(t.readers(&names(&["A", "B"])), vec![added("A"), added("B")]);
        assert_eq!(t.readers(&names(&["A", "B"])), vec![]);
        assert_eq!(t.card_state("B", true, &[0x3B, 0x00], Some(1)), vec![inserted("B", "3B00")]);
        assert_eq!(
            t.readers(&names(&["A", "C"])),
            vec![removed("B"), Event::ReaderRemoved { reader: "B".into() }, added("C")]
        );
    }

    #[test]
    fn cards_come_go_and_swap() {
        let mut t = Tracker::default();
        t.readers(&names(&["R"]));
        assert_eq!(t.card_state("R", false, &[], Some(0)), vec![]);
        assert_eq!(t.card_state("R", true, &[0x3B], Some(1)), vec![inserted("R", "3B")]);
        assert_eq!(t.card_state("R", true, &[0x3B], Some(1)), vec![]);
        // Another card between two polls: the counter moved.
        assert_eq!(
            t.card_state("R", true, &[0x3B], Some(3)),
            vec![removed("R"), inserted("R", "3B")]
        );
        // Another ATR without a counter.
        assert_eq!(t.card_state("R", true, &[0x3F], None), vec![removed("R"), inserted("R", "3F")]);
        assert_eq!(t.card_state("R", false, &[], Some(4)), vec![removed("R")]);
        assert_eq!(t.card_state("R", false, &[], Some(4)), vec![]);
    }

    #[test]
    fn events_are_json_lines() {
        let e = TimedEvent {
            time: "2026-01-02T03:04:05Z".into(),
            event: Event::CardInserted {
                reader: "Virtual PCD 00 00".into(),
                atr: "3BE000FF8131FE4514".into(),
                jpki: Some(true),
            },
        };
        assert_eq!(
            e.to_json(),
            r#"{"time":"2026-01-02T03:04:05Z","event":"card_inserted","reader":"Virtual PCD 00 00","atr":"3BE000FF8131FE4514","jpki":true}"#
        );
        let e = TimedEvent { time: "t".into(), event: Event::ReaderRemoved { reader: "R".into() } };
        assert_eq!(e.to_json(), r#"{"time":"t","event":"reader_removed","reader":"R"}"#);
        let now = TimedEvent::now(added("R"));
        assert!(OffsetDateTime::parse(&now.time, &Rfc3339).is_ok());
        assert!(now.to_json().contains(r#""event":"reader_added","reader":"R""#));
    }
}
