//! The PC/SC backend: lists readers, chooses one by name, substring or index, connects to the
//! card in it (shared for reads, exclusive for PIN work), waits for a card, and implements
//! [`Transport`] over pcsc-lite / WinSCard through the `pcsc` crate. It owns the mapping of
//! PC/SC error codes to the typed [`TransportError`]s the layers above act on.

use std::ffi::CString;
use std::time::{Duration, Instant};

use super::{Disposition, ReaderInfo, Transport, TransportError};

/// Largest command or response a PC/SC exchange can carry (extended APDUs included).
pub const RECEIVE_BUFFER_SIZE: usize = pcsc::MAX_BUFFER_SIZE_EXTENDED;

/// Longest short-length command APDU: header, Lc, 255 data bytes, Le.
const SHORT_APDU_MAX: usize = 4 + 1 + 255 + 1;

/// One reader as the service reports it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ReaderStatus {
    /// Reader name.
    pub name: String,
    /// Whether a card is in (or on) the reader.
    pub card_present: bool,
    /// The card's answer to reset, when a card is present.
    pub atr: Option<Vec<u8>>,
}

/// How to share the card with other programs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShareMode {
    /// Others may use the card between our transactions (reading certificates).
    Shared,
    /// Nobody else may connect while we are connected (PIN verification and signing).
    Exclusive,
}

impl ShareMode {
    fn to_pcsc(self) -> pcsc::ShareMode {
        match self {
            ShareMode::Shared => pcsc::ShareMode::Shared,
            ShareMode::Exclusive => pcsc::ShareMode::Exclusive,
        }
    }
}

/// Map a PC/SC error to what it means for us. `reader` names the reader involved, for the
/// errors whose message names it.
pub fn map_pcsc_error(err: pcsc::Error, reader: &str) -> TransportError {
    use pcsc::Error as E;
    match err {
        E::NoService | E::ServiceStopped => TransportError::NoService,
        E::NoReadersAvailable => TransportError::NoReaders,
        E::RemovedCard => TransportError::CardRemoved,
        E::NoSmartcard => TransportError::NoCard { reader: reader.to_string() },
        E::ResetCard => TransportError::CardReset,
        E::ReaderUnavailable | E::UnknownReader => {
            TransportError::ReaderGone { reader: reader.to_string() }
        }
        E::SharingViolation => TransportError::CardInUse,
        E::UnresponsiveCard => TransportError::Mute,
        other => TransportError::Pcsc(format!("{other} ({:#010X})", other as u32)),
    }
}

fn context() -> Result<pcsc::Context, TransportError> {
    pcsc::Context::establish(pcsc::Scope::User).map_err(|e| map_pcsc_error(e, ""))
}

fn reader_names(ctx: &pcsc::Context) -> Result<Vec<CString>, TransportError> {
    match ctx.list_readers_owned() {
        Ok(names) => Ok(names),
        // pcsc-lite answers "no readers" with an error; it is an empty list to us.
        Err(pcsc::Error::NoReadersAvailable) => Ok(Vec::new()),
        Err(e) => Err(map_pcsc_error(e, "")),
    }
}

fn lossy(name: &CString) -> String {
    name.to_string_lossy().into_owned()
}

fn status_of(state: &pcsc::ReaderState) -> ReaderStatus {
    let flags = state.event_state();
    let present = flags.contains(pcsc::State::PRESENT) && !flags.contains(pcsc::State::MUTE);
    let atr = if present && !state.atr().is_empty() { Some(state.atr().to_vec()) } else { None };
    ReaderStatus {
        name: state.name().to_string_lossy().into_owned(),
        card_present: flags.contains(pcsc::State::PRESENT),
        atr,
    }
}

/// Every reader the service knows, with card presence and ATR. An empty list when there are
/// no readers; [`TransportError::NoService`] when the service is not running.
pub fn list_readers() -> Result<Vec<ReaderStatus>, TransportError> {
    let ctx = context()?;
    let names = reader_names(&ctx)?;
    if names.is_empty() {
        return Ok(Vec::new());
    }
    let mut states: Vec<pcsc::ReaderState> =
        names.into_iter().map(|n| pcsc::ReaderState::new(n, pcsc::State::UNAWARE)).collect();
    ctx.get_status_change(Duration::ZERO, &mut states).or_else(|e| match e {
        // With UNAWARE states the call returns at once; a timeout just means "no change".
        pcsc::Error::Timeout => Ok(()),
        other => Err(map_pcsc_error(other, "")),
    })?;
    Ok(states.iter().map(status_of).collect())
}

/// Choose a reader: an exact name first, else the only name containing `wanted`, else the
/// `wanted`-th reader when `wanted` is a decimal index (even when several names contain it,
/// as "0" is part of most reader names), else an error.
pub fn choose_reader(wanted: &str, available: &[String]) -> Result<String, TransportError> {
    if let Some(exact) = available.iter().find(|n| n.as_str() == wanted) {
        return Ok(exact.clone());
    }
    let matching: Vec<&String> = available.iter().filter(|n| n.contains(wanted)).collect();
    if let [only] = matching.as_slice() {
        return Ok((*only).clone());
    }
    // An index wins over an ambiguous substring: "0" is part of most reader names.
    if let Ok(index) = wanted.parse::<usize>() {
        if let Some(name) = available.get(index) {
            return Ok(name.clone());
        }
    }
    if matching.len() > 1 {
        return Err(TransportError::AmbiguousReader {
            wanted: wanted.to_string(),
            matches: matching.len(),
        });
    }
    if available.is_empty() {
        return Err(TransportError::NoReaders);
    }
    Err(TransportError::ReaderNotFound {
        wanted: wanted.to_string(),
        available: available.to_vec(),
    })
}

/// Resolve `wanted` against the service's readers; an empty `wanted` means "the only reader
/// with a card" (or the only reader at all).
fn resolve(ctx: &pcsc::Context, wanted: &str) -> Result<CString, TransportError> {
    let names = reader_names(ctx)?;
    if names.is_empty() {
        return Err(TransportError::NoReaders);
    }
    let strings: Vec<String> = names.iter().map(lossy).collect();
    let chosen = if wanted.is_empty() {
        if let [only] = strings.as_slice() {
            only.clone()
        } else {
            let mut states: Vec<pcsc::ReaderState> = names
                .iter()
                .map(|n| pcsc::ReaderState::new(n.clone(), pcsc::State::UNAWARE))
                .collect();
            ctx.get_status_change(Duration::ZERO, &mut states)
                .or_else(|e| if e == pcsc::Error::Timeout { Ok(()) } else { Err(e) })
                .map_err(|e| map_pcsc_error(e, ""))?;
            let with_card: Vec<ReaderStatus> =
                states.iter().map(status_of).filter(|s| s.card_present).collect();
            match with_card.as_slice() {
                [only] => only.name.clone(),
                [] => return Err(TransportError::NoCard { reader: strings.join(", ") }),
                many => {
                    return Err(TransportError::AmbiguousReader {
                        wanted: String::new(),
                        matches: many.len(),
                    })
                }
            }
        }
    } else {
        choose_reader(wanted, &strings)?
    };
    names
        .into_iter()
        .find(|n| lossy(n) == chosen)
        .ok_or(TransportError::ReaderGone { reader: chosen })
}

/// Wait until a card is present in the reader `wanted` names (see [`choose_reader`]), or, when
/// `wanted` is empty, in any reader, for at most `timeout`. Returns the status (with the ATR)
/// of the reader that holds the card.
pub fn wait_for_card(wanted: &str, timeout: Duration) -> Result<ReaderStatus, TransportError> {
    let ctx = context()?;
    let names: Vec<CString> = if wanted.is_empty() {
        let all = reader_names(&ctx)?;
        if all.is_empty() {
            return Err(TransportError::NoReaders);
        }
        all
    } else {
        vec![resolve(&ctx, wanted)?]
    };
    let label = names.iter().map(lossy).collect::<Vec<_>>().join(", ");
    let mut states: Vec<pcsc::ReaderState> =
        names.into_iter().map(|n| pcsc::ReaderState::new(n, pcsc::State::UNAWARE)).collect();
    let deadline = Instant::now() + timeout;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match ctx.get_status_change(left, &mut states) {
            Ok(()) => {}
            Err(pcsc::Error::Timeout) => {}
            Err(e) => return Err(map_pcsc_error(e, &label)),
        }
        for state in &states {
            let flags = state.event_state();
            if flags.contains(pcsc::State::PRESENT) && !flags.contains(pcsc::State::MUTE) {
                return Ok(status_of(state));
            }
        }
        if !wanted.is_empty() {
            let flags = states.first().map(|s| s.event_state()).unwrap_or(pcsc::State::UNKNOWN);
            if flags.contains(pcsc::State::UNKNOWN) || flags.contains(pcsc::State::UNAVAILABLE) {
                return Err(TransportError::ReaderGone { reader: label });
            }
        }
        if Instant::now() >= deadline {
            return Err(if timeout.is_zero() {
                TransportError::NoCard { reader: label }
            } else {
                TransportError::Timeout { reader: label, seconds: timeout.as_secs() }
            });
        }
        for state in &mut states {
            state.sync_current_state();
        }
    }
}

/// A connection to the card in one PC/SC reader.
pub struct PcscTransport {
    // Declared before `_ctx` so the card is disconnected before the context is released.
    // `None` once disconnected.
    card: Option<pcsc::Card>,
    _ctx: pcsc::Context,
    mode: ShareMode,
    info: ReaderInfo,
}

impl std::fmt::Debug for PcscTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PcscTransport").field("mode", &self.mode).field("info", &self.info).finish()
    }
}

fn any_protocol() -> pcsc::Protocols {
    pcsc::Protocols::T0 | pcsc::Protocols::T1
}

/// Whether the reader passes extended APDUs, from its maximum input size when it reports one.
fn extended_support(card: &pcsc::Card) -> Option<bool> {
    let raw = card.get_attribute_owned(pcsc::Attribute::Maxinput).ok()?;
    let max = match raw.as_slice() {
        [a, b, c, d, ..] => u32::from_le_bytes([*a, *b, *c, *d]) as usize,
        [a, b] => u16::from_le_bytes([*a, *b]) as usize,
        _ => return None,
    };
    if max == 0 {
        None
    } else {
        Some(max > SHORT_APDU_MAX)
    }
}

impl PcscTransport {
    /// Connect to the card in the reader `wanted` names (exact name, unique substring or
    /// index; empty: the only reader holding a card), T=0 or T=1.
    pub fn connect(wanted: &str, mode: ShareMode) -> Result<PcscTransport, TransportError> {
        let ctx = context()?;
        let name = resolve(&ctx, wanted)?;
        let reader = lossy(&name);
        let card = ctx
            .connect(&name, mode.to_pcsc(), any_protocol())
            .map_err(|e| map_pcsc_error(e, &reader))?;
        let (_, atr) = card
            .status2_owned()
            .map(|s| (s.status(), s.atr().to_vec()))
            .map_err(|e| map_pcsc_error(e, &reader))?;
        let extended_length = extended_support(&card);
        Ok(PcscTransport {
            card: Some(card),
            _ctx: ctx,
            mode,
            info: ReaderInfo { name: reader, atr, extended_length },
        })
    }

    /// Connect exclusively (for PIN verification and signing).
    pub fn connect_exclusive(wanted: &str) -> Result<PcscTransport, TransportError> {
        PcscTransport::connect(wanted, ShareMode::Exclusive)
    }

    /// How this connection shares the card.
    pub fn share_mode(&self) -> ShareMode {
        self.mode
    }

    fn card(&self) -> Result<&pcsc::Card, TransportError> {
        self.card.as_ref().ok_or(TransportError::Disconnected)
    }
}

/// The PC/SC form of a disposition.
pub fn pcsc_disposition(disposition: Disposition) -> pcsc::Disposition {
    match disposition {
        Disposition::Leave => pcsc::Disposition::LeaveCard,
        Disposition::Reset => pcsc::Disposition::ResetCard,
        Disposition::Unpower => pcsc::Disposition::UnpowerCard,
    }
}

/// Largest answer a reader control request may give (feature lists and PIN-pad status words
/// are a few dozen bytes).
const CONTROL_BUFFER_SIZE: usize = 1024;

fn control_on(
    card: &pcsc::Card,
    reader: &str,
    code: u32,
    input: &[u8],
) -> Result<Vec<u8>, TransportError> {
    let mut buf = [0u8; CONTROL_BUFFER_SIZE];
    let answer = card
        .control(pcsc::ffi::DWORD::from(code), input, &mut buf)
        .map_err(|e| map_pcsc_error(e, reader))?;
    Ok(answer.to_vec())
}

fn transmit_on(card: &pcsc::Card, reader: &str, command: &[u8]) -> Result<Vec<u8>, TransportError> {
    let mut buf = vec![0u8; RECEIVE_BUFFER_SIZE];
    let answer = card.transmit(command, &mut buf).map_err(|e| map_pcsc_error(e, reader))?;
    if answer.is_empty() {
        // Not even a status word: the link to the card broke (vpcd answers a pulled card so).
        // Ask the reader what happened, giving it half a second to notice a removal; a card
        // that is still there did not respond.
        for _ in 0..5 {
            match card.status2_owned() {
                Err(e) => return Err(map_pcsc_error(e, reader)),
                Ok(s) if !s.status().contains(pcsc::Status::PRESENT) => {
                    return Err(TransportError::CardRemoved)
                }
                Ok(_) => std::thread::sleep(std::time::Duration::from_millis(100)),
            }
        }
        return Err(TransportError::Mute);
    }
    Ok(answer.to_vec())
}

fn reset_on(
    reconnect: impl FnOnce(
        pcsc::ShareMode,
        pcsc::Protocols,
        pcsc::Disposition,
    ) -> Result<(), pcsc::Error>,
    mode: ShareMode,
    reader: &str,
) -> Result<(), TransportError> {
    reconnect(mode.to_pcsc(), any_protocol(), pcsc::Disposition::ResetCard)
        .map_err(|e| map_pcsc_error(e, reader))
}

impl Transport for PcscTransport {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        transmit_on(self.card()?, &self.info.name, command)
    }

    fn exclusive(&mut self) -> Result<Box<dyn Transport + '_>, TransportError> {
        let info = self.info.clone();
        let mode = self.mode;
        let card = self.card.as_mut().ok_or(TransportError::Disconnected)?;
        let tx = card.transaction().map_err(|e| map_pcsc_error(e, &info.name))?;
        Ok(Box::new(PcscTransaction { tx, info, mode }))
    }

    fn reset(&mut self) -> Result<(), TransportError> {
        let card = self.card.as_mut().ok_or(TransportError::Disconnected)?;
        reset_on(|s, p, d| card.reconnect(s, p, d), self.mode, &self.info.name)
    }

    /// `SCardDisconnect` with the disposition. On failure the handle is gone all the same
    /// (dropping it disconnects leaving the card).
    fn disconnect(&mut self, disposition: Disposition) -> Result<(), TransportError> {
        let Some(card) = self.card.take() else {
            return Ok(());
        };
        card.disconnect(pcsc_disposition(disposition))
            .map_err(|(_card, e)| map_pcsc_error(e, &self.info.name))
    }

    fn info(&self) -> ReaderInfo {
        self.info.clone()
    }

    fn control(&mut self, code: u32, input: &[u8]) -> Result<Vec<u8>, TransportError> {
        control_on(self.card()?, &self.info.name, code, input)
    }
}

/// An exclusive PC/SC transaction, ended (leaving the card as it is) when dropped.
struct PcscTransaction<'a> {
    tx: pcsc::Transaction<'a>,
    info: ReaderInfo,
    mode: ShareMode,
}

impl Transport for PcscTransaction<'_> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        transmit_on(&self.tx, &self.info.name, command)
    }

    /// Already exclusive: nested guards share the outer transaction.
    fn exclusive(&mut self) -> Result<Box<dyn Transport + '_>, TransportError> {
        Ok(Box::new(Nested(self)))
    }

    fn reset(&mut self) -> Result<(), TransportError> {
        let tx = &mut self.tx;
        reset_on(|s, p, d| tx.reconnect(s, p, d), self.mode, &self.info.name)
    }

    fn info(&self) -> ReaderInfo {
        self.info.clone()
    }

    fn control(&mut self, code: u32, input: &[u8]) -> Result<Vec<u8>, TransportError> {
        control_on(&self.tx, &self.info.name, code, input)
    }
}

/// A guard inside an existing transaction: forwards everything, ends nothing.
struct Nested<'a, 'b>(&'a mut PcscTransaction<'b>);

impl Transport for Nested<'_, '_> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.0.transmit(command)
    }
    fn exclusive(&mut self) -> Result<Box<dyn Transport + '_>, TransportError> {
        self.0.exclusive()
    }
    fn reset(&mut self) -> Result<(), TransportError> {
        self.0.reset()
    }
    fn info(&self) -> ReaderInfo {
        self.0.info()
    }
    fn control(&mut self, code: u32, input: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.0.control(code, input)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_mapped_error_is_distinct() {
        use pcsc::Error as E;
        let r = "Reader X";
        assert!(matches!(map_pcsc_error(E::NoService, r), TransportError::NoService));
        assert!(matches!(map_pcsc_error(E::ServiceStopped, r), TransportError::NoService));
        assert!(matches!(map_pcsc_error(E::NoReadersAvailable, r), TransportError::NoReaders));
        assert!(matches!(map_pcsc_error(E::RemovedCard, r), TransportError::CardRemoved));
        assert!(matches!(
            map_pcsc_error(E::NoSmartcard, r),
            TransportError::NoCard { reader } if reader == "Reader X"
        ));
        assert!(matches!(map_pcsc_error(E::ResetCard, r), TransportError::CardReset));
        assert!(matches!(
            map_pcsc_error(E::ReaderUnavailable, r),
            TransportError::ReaderGone { reader } if reader == "Reader X"
        ));
        assert!(matches!(map_pcsc_error(E::UnknownReader, r), TransportError::ReaderGone { .. }));
        assert!(matches!(map_pcsc_error(E::SharingViolation, r), TransportError::CardInUse));
        assert!(matches!(map_pcsc_error(E::UnresponsiveCard, r), TransportError::Mute));
        match map_pcsc_error(E::CommError, r) {
            TransportError::Pcsc(msg) => assert!(msg.contains("0x80100013"), "{msg}"),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn mapped_messages_say_what_to_do() {
        let msg = map_pcsc_error(pcsc::Error::NoService, "").to_string();
        assert!(msg.contains("pcscd"), "{msg}");
        let msg = map_pcsc_error(pcsc::Error::NoSmartcard, "ACS ACR39U").to_string();
        assert!(msg.contains("ACS ACR39U") && msg.contains("insert"), "{msg}");
    }

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn choose_by_exact_name_substring_and_index() {
        let all =
            names(&["Virtual PCD 00 00", "Virtual PCD 00 01", "SONY FeliCa Port/PaSoRi 4.0 00 00"]);
        assert_eq!(choose_reader("Virtual PCD 00 01", &all).unwrap(), "Virtual PCD 00 01");
        assert_eq!(choose_reader("FeliCa", &all).unwrap(), "SONY FeliCa Port/PaSoRi 4.0 00 00");
        assert_eq!(choose_reader("1", &all).unwrap(), "Virtual PCD 00 01");
        assert_eq!(choose_reader("2", &all).unwrap(), "SONY FeliCa Port/PaSoRi 4.0 00 00");
    }

    #[test]
    fn exact_name_beats_substring_and_substring_beats_index() {
        let all = names(&["PCD", "PCD 2", "reader 1"]);
        // "PCD" is a substring of both, but an exact name of the first.
        assert_eq!(choose_reader("PCD", &all).unwrap(), "PCD");
        // "1" is index 1 ("PCD 2") but also a unique substring of "reader 1".
        assert_eq!(choose_reader("1", &all).unwrap(), "reader 1");
        // "0" is in both vpcd names: the index decides.
        let vpcd = names(&["Virtual PCD 00 00", "Virtual PCD 00 01"]);
        assert_eq!(choose_reader("0", &vpcd).unwrap(), "Virtual PCD 00 00");
        assert_eq!(choose_reader("1", &vpcd).unwrap(), "Virtual PCD 00 01");
    }

    #[test]
    fn ambiguous_and_missing_readers_are_errors() {
        let all = names(&["Virtual PCD 00 00", "Virtual PCD 00 01"]);
        match choose_reader("Virtual", &all) {
            Err(TransportError::AmbiguousReader { wanted, matches }) => {
                assert_eq!(wanted, "Virtual");
                assert_eq!(matches, 2);
            }
            other => panic!("unexpected {other:?}"),
        }
        match choose_reader("Gemalto", &all) {
            Err(TransportError::ReaderNotFound { wanted, available }) => {
                assert_eq!(wanted, "Gemalto");
                assert_eq!(available, all);
            }
            other => panic!("unexpected {other:?}"),
        }
        assert!(matches!(choose_reader("7", &all), Err(TransportError::ReaderNotFound { .. })));
        assert!(matches!(choose_reader("0", &[]), Err(TransportError::NoReaders)));
    }

    #[test]
    fn dispositions_map_to_pcsc() {
        assert_eq!(pcsc_disposition(Disposition::Leave), pcsc::Disposition::LeaveCard);
        assert_eq!(pcsc_disposition(Disposition::Reset), pcsc::Disposition::ResetCard);
        assert_eq!(pcsc_disposition(Disposition::Unpower), pcsc::Disposition::UnpowerCard);
    }

    #[test]
    fn share_modes_map_to_pcsc() {
        assert_eq!(ShareMode::Shared.to_pcsc(), pcsc::ShareMode::Shared);
        assert_eq!(ShareMode::Exclusive.to_pcsc(), pcsc::ShareMode::Exclusive);
    }
}
