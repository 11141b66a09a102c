//! `mynacard watch`: card and reader events for kiosks, until SIGINT or SIGTERM. One JSON
//! object a line with `--json` (see [`mynacard::transport::events::TimedEvent::to_json`]),
//! readable lines otherwise. The first events describe the situation at start. Stopped by a
//! signal it exits 0; pcscd going away ends it with `no-service`.

use std::io::Write;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use clap::Args;

use mynacard::transport::events::{self, Event, TimedEvent, WatchOptions};

use super::exit::Exit;
use super::{CliError, GlobalOpts};

/// `mynacard watch`.
#[derive(Debug, Args)]
pub struct WatchArgs {
    /// Do not select the JPKI application on inserted cards (`jpki` is then null).
    #[arg(long)]
    pub no_probe: bool,
}

/// One readable line for an event.
pub fn to_text(e: &TimedEvent) -> String {
    let what = match &e.event {
        Event::ReaderAdded { reader } => t!("watch-reader-added", reader = reader.clone()),
        Event::ReaderRemoved { reader } => t!("watch-reader-removed", reader = reader.clone()),
        Event::CardInserted { reader, atr, jpki } => {
            let kind = match jpki {
                Some(true) => t!("watch-jpki-card"),
                Some(false) => t!("watch-no-jpki"),
                None => t!("watch-jpki-unknown"),
            };
            t!("watch-card-inserted", reader = reader.clone(), kind = kind, atr = atr.clone())
        }
        Event::CardRemoved { reader } => t!("watch-card-removed", reader = reader.clone()),
    };
    format!("{}  {what}", e.time)
}

/// Run the command.
pub fn run(g: &GlobalOpts, args: &WatchArgs) -> Result<Exit, CliError> {
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(signal, stop.clone())
            .map_err(|source| CliError::Io { context: t!("watch-signal-handler"), source })?;
    }
    let options = WatchOptions { probe_jpki: !args.no_probe, ..WatchOptions::default() };
    let json = g.json;
    let mut write_failed = None;
    events::watch(&stop, &options, |event| {
        let line = if json { event.to_json() } else { to_text(&event) };
        let mut out = std::io::stdout().lock();
        // Flush every line: a kiosk reads them as they come.
        if let Err(e) = writeln!(out, "{line}").and_then(|()| out.flush()) {
            if write_failed.is_none() {
                write_failed = Some(e);
            }
            stop.store(true, std::sync::atomic::Ordering::Relaxed);
        }
    })?;
    match write_failed {
        // The reader of our output went away (closed pipe): nothing left to do.
        Some(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(Exit::Success),
        Some(source) => Err(CliError::Io { context: t!("watch-writing-stdout"), source }),
        None => Ok(Exit::Success),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(event: Event) -> TimedEvent {
        TimedEvent { time: "2026-01-02T03:04:05Z".into(), event }
    }

    #[test]
    fn text_lines_name_reader_and_card() {
        let r = "Virtual PCD 00 00".to_string();
        assert_eq!(
            to_text(&at(Event::CardInserted {
                reader: r.clone(),
                atr: "3B8F".into(),
                jpki: Some(true)
            })),
            "2026-01-02T03:04:05Z  card inserted   Virtual PCD 00 00: JPKI card, ATR 3B8F"
        );
        assert_eq!(
            to_text(&at(Event::CardRemoved { reader: r.clone() })),
            "2026-01-02T03:04:05Z  card removed    Virtual PCD 00 00"
        );
        assert!(to_text(&at(Event::ReaderAdded { reader: r.clone() })).contains("reader added"));
        assert!(to_text(&at(Event::ReaderRemoved { reader: r.clone() })).contains("reader removed"));
        assert!(to_text(&at(Event::CardInserted {
            reader: r.clone(),
            atr: "3B".into(),
            jpki: None
        }))
        .contains("JPKI unknown"));
        assert!(to_text(&at(Event::CardInserted {
            reader: r,
            atr: "3B".into(),
            jpki: Some(false)
        }))
        .contains("no JPKI application"));
    }
}
