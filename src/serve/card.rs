//! Card work for the service, off the async threads: [`Gate::run`] resolves the reader of
//! the request ([`resolve`]: the request's `reader`, else `--reader`, else the only reader
//! holding a card), takes that reader's lock ([`ReaderLocks`]: one operation at a time per
//! reader; a second request for the same reader waits up to `--busy-wait-ms`, then gets
//! `card-busy`; another reader's operations do not wait), runs the operation on a blocking
//! thread, and there — whether or not the client is still connected — writes the audit
//! records and the `operation_finished` event.
//! The operations themselves are the command line's: the card is opened by
//! [`connect::open`] or [`pin_entry::open_with`], which hand a PIN operation its
//! [`super::super::connect::PinClient`] (the application is left after the PIN operation
//! and the card is powered off on disconnect), and signatures are made by
//! [`sign::sign_on_card`]. A request whose client went away before the VERIFY is cancelled
//! there ([`Cancel::check`]).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, PoisonError};
use std::time::Duration;

use mynacard::audit::{AuditLog, Operation, Outcome};
use mynacard::card::{AuthPin, CardError, CertKind, KeyPin, PinFormatError, SignPassword, TextPin};
use mynacard::sign::HashAlg;
use mynacard::transport::pcsc::ShareMode;
use mynacard::transport::TransportError;
use zeroize::Zeroizing;

use super::super::audit_log::{self, AuditNote};
use super::super::face::{self, TrustOpts};
use super::super::pin_entry::{self, PadUse};
use super::super::pin_source::{PinOpts, PinPadArg};
use super::super::sign::{self, SigFormat};
use super::super::{connect, pin, text, CliError, GlobalOpts};
use super::error::{ApiError, Msg, ServeCode};
use super::events::Hub;

/// Why an operation did not give its result.
#[derive(Debug)]
pub enum OpError {
    /// The card, the reader or the input failed (the CLI's error and exit name).
    Cli(CliError),
    /// The client went away before the PIN was sent: nothing was verified.
    Cancelled,
}

impl From<CliError> for OpError {
    fn from(e: CliError) -> Self {
        OpError::Cli(e)
    }
}

impl From<CardError> for OpError {
    fn from(e: CardError) -> Self {
        OpError::Cli(CliError::Card(e))
    }
}

impl From<OpError> for ApiError {
    fn from(e: OpError) -> Self {
        match e {
            OpError::Cli(e) => e.into(),
            // Nobody reads this answer: the client is gone.
            OpError::Cancelled => ApiError::serve(ServeCode::ShuttingDown, Msg::ShuttingDown),
        }
    }
}

/// Set when the request's future is dropped (the client disconnected).
#[derive(Clone, Default)]
pub struct Cancel(Arc<AtomicBool>);

impl Cancel {
    /// `Err(Cancelled)` once the client has gone.
    pub fn check(&self) -> Result<(), OpError> {
        if self.0.load(Ordering::SeqCst) {
            Err(OpError::Cancelled)
        } else {
            Ok(())
        }
    }
}

/// Sets the flag when dropped.
struct CancelOnDrop(Cancel);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        (self.0).0.store(true, Ordering::SeqCst);
    }
}

/// Who asked and what for, for the audit log.
#[derive(Clone, Debug)]
pub struct Who {
    /// `uid:N` or `token`.
    pub caller: String,
    /// Sanitised purpose ([`sanitise_purpose`]).
    pub purpose: Option<String>,
}

/// Longest purpose kept, in characters.
pub const MAX_PURPOSE: usize = 200;

/// The purpose as logged: control characters become spaces, runs of 10 or more digits (a My
/// Number has 12) become `[digits]`, at most [`MAX_PURPOSE`] characters.
pub fn sanitise_purpose(raw: &str) -> String {
    let mut out = String::new();
    let mut digits = String::new();
    let flush = |out: &mut String, digits: &mut String| {
        if digits.chars().count() >= 10 {
            out.push_str("[digits]");
        } else {
            out.push_str(digits);
        }
        digits.clear();
    };
    for c in raw.chars().take(MAX_PURPOSE * 2) {
        if c.is_ascii_digit() || ('０'..='９').contains(&c) {
            digits.push(c);
            continue;
        }
        flush(&mut out, &mut digits);
        out.push(if c.is_control() { ' ' } else { c });
    }
    flush(&mut out, &mut digits);
    out.chars().take(MAX_PURPOSE).collect()
}

/// What the operations need from the service's configuration.
pub struct Config {
    /// `--reader` (None: the only reader holding a card).
    pub reader: Option<String>,
    /// `--hierarchy` and `--cvc-ca`, for the text application's data signature.
    pub trust: TrustOpts,
}

impl Config {
    /// The global options a CLI operation on `reader` takes: no waiting for a card, quiet.
    pub fn global(&self, reader: &str) -> GlobalOpts {
        GlobalOpts {
            reader: Some(reader.to_string()),
            json: true,
            trace: None,
            verbose: 0,
            quiet: true,
            audit_log: None,
            wait: Some(0),
            lang: None,
        }
    }
}

/// Longest `reader` a request may name, in bytes.
pub const MAX_READER_NAME: usize = 256;

/// The reader an operation runs on, by its exact name (`sim` for the in-process card): the
/// request's `asked` (a name, a unique part of one, or an index, as `--reader` takes), else
/// `--reader`, else the only reader holding a card (the only reader at all when none holds
/// one). With `--reader`, a request may name only that reader. Several cards and no reader
/// named is refused (`usage`): unlike the command line, the service does not open cards to
/// find the JPKI one, since that would touch a card outside its reader's lock.
pub fn resolve(config: &Config, asked: Option<&str>) -> Result<String, CliError> {
    use mynacard::transport::pcsc::{choose_reader, list_readers};
    if asked.is_some_and(|a| a.len() > MAX_READER_NAME) {
        return Err(CliError::Usage(t!("serve-reader-too-long", max = MAX_READER_NAME)));
    }
    let only_fixed = || CliError::Usage(t!("serve-reader-fixed"));
    if config.reader.as_deref() == Some(connect::SIM) {
        return match asked {
            Some(a) if a != connect::SIM => Err(only_fixed()),
            _ => Ok(connect::SIM.to_string()),
        };
    }
    let readers = list_readers()?;
    let names: Vec<String> = readers.iter().map(|r| r.name.clone()).collect();
    let choose = |wanted: &str| choose_reader(wanted, &names).map_err(CliError::from);
    match (config.reader.as_deref(), asked) {
        (Some(fixed), asked) => {
            let fixed = choose(fixed)?;
            match asked {
                Some(a) if choose(a)? != fixed => Err(only_fixed()),
                _ => Ok(fixed),
            }
        }
        (None, Some(a)) => choose(a),
        (None, None) => {
            let with_card: Vec<&String> =
                readers.iter().filter(|r| r.card_present).map(|r| &r.name).collect();
            match (with_card.as_slice(), names.as_slice()) {
                ([one], _) => Ok((*one).clone()),
                ([], []) => Err(TransportError::NoReaders.into()),
                ([], [only]) => Ok(only.clone()),
                ([], all) => Err(TransportError::NoCard { reader: all.join(", ") }.into()),
                (many, _) => Err(CliError::Usage(t!("serve-several-cards", n = many.len()))),
            }
        }
    }
}

/// Most readers a lock is kept for at once. Only names PC/SC listed become keys; locks nobody
/// holds or waits for are dropped when the map is full.
pub const MAX_READERS: usize = 32;

/// One lock per reader: an operation on one reader never waits for another reader's, and the
/// event thread's JPKI probe of a card takes the lock of the reader it probes.
#[derive(Default)]
pub struct ReaderLocks {
    map: std::sync::Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl ReaderLocks {
    /// The lock of `reader`; `None` when [`MAX_READERS`] locks are all held or waited for.
    pub fn get(&self, reader: &str) -> Option<Arc<tokio::sync::Mutex<()>>> {
        let mut map = self.map.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(lock) = map.get(reader) {
            return Some(lock.clone());
        }
        if map.len() >= MAX_READERS {
            // The map's own reference is the only one: nobody holds or waits for it.
            map.retain(|_, lock| Arc::strong_count(lock) > 1);
            if map.len() >= MAX_READERS {
                return None;
            }
        }
        let lock = Arc::new(tokio::sync::Mutex::new(()));
        map.insert(reader.to_string(), lock.clone());
        Some(lock)
    }

    /// How many readers have a lock now.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.map.lock().unwrap_or_else(PoisonError::into_inner).len()
    }

    /// Whether no reader has one.
    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// What the service remembers about each reader between requests: whether it has a PIN pad
/// (a property of the reader, asked once per reader) and the answer of `GET /v1/card` for the
/// card in it. The status is forgotten when a card is inserted into or removed from the reader
/// (the event thread says so), and before and after every other operation the service runs on
/// it; a status is kept only if nothing was forgotten while it was being read (a generation
/// per reader). A counter changed by another program (another process using the card) is not
/// seen until one of these happens. Never holds personal data: the status is token type, ATR
/// and PIN counters. At most [`MAX_READERS`] readers (all forgotten when full).
#[derive(Default)]
pub struct ReaderMemo {
    map: std::sync::Mutex<HashMap<String, Memo>>,
    next: std::sync::atomic::AtomicU64,
}

#[derive(Default)]
struct Memo {
    pinpad: Option<bool>,
    status: Option<serde_json::Value>,
    generation: u64,
}

impl ReaderMemo {
    fn with<R>(&self, reader: &str, f: impl FnOnce(&mut Memo) -> R) -> R {
        let mut map = self.map.lock().unwrap_or_else(PoisonError::into_inner);
        if !map.contains_key(reader) && map.len() >= MAX_READERS {
            map.clear();
        }
        let memo = map.entry(reader.to_string()).or_insert_with(|| Memo {
            generation: self.next.fetch_add(1, Ordering::SeqCst) + 1,
            ..Memo::default()
        });
        f(memo)
    }

    /// The reader's status as last read, if nothing was forgotten since.
    pub fn status(&self, reader: &str) -> Option<serde_json::Value> {
        self.with(reader, |m| m.status.clone())
    }

    /// The generation to give [`ReaderMemo::keep_status`] (taken before reading the card).
    pub fn generation(&self, reader: &str) -> u64 {
        self.with(reader, |m| m.generation)
    }

    /// Keep `status`, unless the card changed since `generation` was taken.
    pub fn keep_status(&self, reader: &str, generation: u64, status: serde_json::Value) {
        let map = &mut *self.map.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(m) = map.get_mut(reader).filter(|m| m.generation == generation) {
            m.status = Some(status);
        }
    }

    /// The card in `reader` changed, or may have: forget its status.
    pub fn forget_card(&self, reader: &str) {
        let map = &mut *self.map.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(m) = map.get_mut(reader) {
            m.status = None;
            m.generation = self.next.fetch_add(1, Ordering::SeqCst) + 1;
        }
    }

    /// The reader left (or PC/SC went away): forget everything about it.
    pub fn forget_reader(&self, reader: &str) {
        self.map.lock().unwrap_or_else(PoisonError::into_inner).remove(reader);
    }

    /// Forget every reader.
    pub fn forget_all(&self) {
        self.map.lock().unwrap_or_else(PoisonError::into_inner).clear();
    }

    /// Whether `reader` has a PIN pad, if known.
    pub fn pinpad(&self, reader: &str) -> Option<bool> {
        self.with(reader, |m| m.pinpad)
    }

    /// Remember whether `reader` has a PIN pad.
    pub fn keep_pinpad(&self, reader: &str, pad: bool) {
        self.with(reader, |m| m.pinpad = Some(pad));
    }
}

/// One card operation at a time per reader.
pub struct Gate {
    locks: Arc<ReaderLocks>,
    memo: Arc<ReaderMemo>,
    busy_wait: Duration,
    hub: Arc<Hub>,
    audit: Option<Arc<AuditLog>>,
    config: Arc<Config>,
}

impl Gate {
    /// A gate for the configured readers.
    pub fn new(
        busy_wait: Duration,
        hub: Arc<Hub>,
        audit: Option<Arc<AuditLog>>,
        config: Arc<Config>,
    ) -> Self {
        Gate { locks: Arc::default(), memo: Arc::default(), busy_wait, hub, audit, config }
    }

    /// The configuration.
    pub fn config(&self) -> &Arc<Config> {
        &self.config
    }

    /// The per-reader locks (the event thread's JPKI probe takes them too).
    pub fn locks(&self) -> Arc<ReaderLocks> {
        self.locks.clone()
    }

    /// What is remembered per reader (the event thread forgets card statuses).
    pub fn memo(&self) -> Arc<ReaderMemo> {
        self.memo.clone()
    }

    /// The audit log, if any.
    pub fn audit(&self) -> Option<&Arc<AuditLog>> {
        self.audit.as_ref()
    }

    /// Run `op` (named `name` in events) on the card in the reader the request asked for
    /// (`reader`; see [`resolve`]); see the module documentation. `operations` are its audit
    /// records (none: not audited).
    pub async fn run<T: Send + 'static>(
        &self,
        name: &'static str,
        operations: &'static [Operation],
        who: Who,
        reader: Option<String>,
        op: impl FnOnce(&GlobalOpts, &mut AuditNote, &Cancel) -> Result<T, OpError> + Send + 'static,
    ) -> Result<T, ApiError> {
        // A client that goes away while its reader is chosen or its card awaited is recorded
        // as cancelled.
        let waiting = self.waiting(operations, who);
        let resolved = self.resolve(reader).await?;
        let not_remembered = |_: &str| None;
        self.run_inner(name, waiting, resolved, |e| Err(e.into()), not_remembered, op).await
    }

    /// The record written if the request's client goes away before the operation starts.
    fn waiting(&self, operations: &'static [Operation], who: Who) -> WaitRecord {
        WaitRecord { log: self.audit.clone(), operations, who: Some(who) }
    }

    /// [`resolve`] on a blocking thread (it lists the PC/SC readers): once per request.
    async fn resolve(&self, reader: Option<String>) -> Result<Result<String, CliError>, ApiError> {
        let config = self.config.clone();
        tokio::task::spawn_blocking(move || resolve(&config, reader.as_deref()))
            .await
            .map_err(|_| ApiError::serve(ServeCode::ShuttingDown, Msg::Internal))
    }

    /// `GET /v1/card` for the request's reader: the remembered status when there is one (no
    /// card touched, no event, no audit record), else [`status`] under the reader's lock; a
    /// reader-less service with no card anywhere is `present: false`.
    pub async fn status(
        &self,
        who: Who,
        reader: Option<String>,
    ) -> Result<serde_json::Value, ApiError> {
        let resolved = self.resolve(reader).await?;
        if let Some(v) = resolved.as_ref().ok().and_then(|label| self.memo.status(label)) {
            return Ok(v);
        }
        let memo = self.memo.clone();
        let ops = &[Operation::Detect, Operation::PinStatus];
        // Requests queued behind the one that reads the card take its answer.
        let remembered = |label: &str| Some(self.memo.status(label));
        self.run_inner(
            "card",
            self.waiting(ops, who),
            resolved,
            status_unresolved,
            remembered,
            move |g, note, _| status(g, note, &memo),
        )
        .await
    }

    /// [`Gate::run`] on the reader [`Gate::resolve`] chose (`resolved`), audited as `waiting`
    /// says, with `unresolved` answering when no reader could be chosen (no card anywhere,
    /// several cards, no such reader, no PC/SC service): no card is touched then.
    /// `remembered` is asked once the reader's lock is held: `None` for an operation that
    /// changes the card (the reader's remembered status is forgotten before and after it),
    /// `Some(None)` for the status read (nothing remembered yet: read the card), `Some(Some(v))`
    /// to answer `v` without touching the card (no event, no audit record).
    async fn run_inner<T: Send + 'static>(
        &self,
        name: &'static str,
        mut waiting: WaitRecord,
        resolved: Result<String, CliError>,
        unresolved: impl FnOnce(CliError) -> Result<T, OpError>,
        remembered: impl FnOnce(&str) -> Option<Option<T>>,
        op: impl FnOnce(&GlobalOpts, &mut AuditNote, &Cancel) -> Result<T, OpError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let operations = waiting.operations;
        let label = match resolved {
            Ok(label) => label,
            Err(e) => {
                let Some(who) = waiting.who.take() else {
                    return Err(ApiError::serve(ServeCode::ShuttingDown, Msg::Internal));
                };
                let result = unresolved(e);
                let outcome = match &result {
                    Ok(_) => (Outcome::Ok, None),
                    Err(OpError::Cli(e)) => audit_log::error_outcome(e),
                    Err(OpError::Cancelled) => (Outcome::Cancelled, None),
                };
                self.write_audit(operations, &AuditNote::default(), outcome, &who);
                return Ok(result?);
            }
        };
        let locked = match self.locks.get(&label) {
            Some(lock) => tokio::time::timeout(self.busy_wait, lock.lock_owned()).await.ok(),
            None => None,
        };
        let Some(who) = waiting.who.take() else {
            return Err(ApiError::serve(ServeCode::ShuttingDown, Msg::Internal));
        };
        let Some(guard) = locked else {
            let mut note = AuditNote::default();
            note.reader(&label);
            self.write_audit(operations, &note, (Outcome::Refused, None), &who);
            return Err(ApiError::serve(ServeCode::CardBusy, Msg::CardBusy));
        };
        let forget = match remembered(&label) {
            None => true,
            Some(None) => false,
            Some(Some(v)) => return Ok(v),
        };
        let cancel = Cancel::default();
        let on_drop = CancelOnDrop(cancel.clone());
        let hub = self.hub.clone();
        let audit = self.audit.clone();
        let config = self.config.clone();
        let memo = self.memo.clone();
        if forget {
            memo.forget_card(&label);
        }
        hub.operation_started(&label, name);
        let task = tokio::task::spawn_blocking(move || {
            let _card = guard;
            let g = config.global(&label);
            let mut note = AuditNote::default();
            let result = op(&g, &mut note, &cancel);
            if forget {
                memo.forget_card(&label);
            }
            let outcome = match &result {
                Ok(_) => (Outcome::Ok, None),
                Err(OpError::Cli(e)) => audit_log::error_outcome(e),
                Err(OpError::Cancelled) => (Outcome::Cancelled, None),
            };
            write_audit(audit.as_deref(), operations, &note, outcome, &who);
            let code = match &result {
                Ok(_) => "ok".to_string(),
                Err(OpError::Cli(e)) => e.exit().name().to_string(),
                Err(OpError::Cancelled) => "cancelled".to_string(),
            };
            hub.operation_finished(&label, name, &code);
            result
        });
        let result = task
            .await
            .map_err(|_| ApiError { ..ApiError::serve(ServeCode::ShuttingDown, Msg::Internal) });
        drop(on_drop);
        Ok(result??)
    }

    fn write_audit(
        &self,
        operations: &[Operation],
        note: &AuditNote,
        outcome: (Outcome, Option<u8>),
        who: &Who,
    ) {
        write_audit(self.audit.as_deref(), operations, note, outcome, who);
    }
}

/// Writes `cancelled` records when dropped still holding `who` (the request's future was
/// dropped while it waited for the card: its client went away).
struct WaitRecord {
    log: Option<Arc<AuditLog>>,
    operations: &'static [Operation],
    who: Option<Who>,
}

impl Drop for WaitRecord {
    fn drop(&mut self) {
        if let Some(who) = self.who.take() {
            let outcome = (Outcome::Cancelled, None);
            write_audit(self.log.as_deref(), self.operations, &AuditNote::default(), outcome, &who);
        }
    }
}

/// Append the records; a log that cannot be written is reported on stderr (the answer to
/// the client is already decided).
fn write_audit(
    log: Option<&AuditLog>,
    operations: &[Operation],
    note: &AuditNote,
    outcome: (Outcome, Option<u8>),
    who: &Who,
) {
    let Some(log) = log else { return };
    for record in audit_log::records(operations, note, outcome) {
        let record = record.with_caller(&who.caller, who.purpose.as_deref());
        if let Err(e) = log.record(&record) {
            eprintln!("mynacard serve: {e}");
        }
    }
}

/// The record of a verification (no card: the reader is `(none)`): `ok` only when the
/// signature is valid (the CLI's exit `success`), `failed` for any other outcome.
pub fn audit_verify<T>(
    log: Option<&AuditLog>,
    who: &Who,
    result: &Result<(T, &'static str), CliError>,
) {
    let outcome = match result {
        Ok((_, "success")) => (Outcome::Ok, None),
        Ok(_) => (Outcome::Failed, None),
        Err(e) => audit_log::error_outcome(e),
    };
    write_audit(log, &[Operation::Verify], &AuditNote::default(), outcome, who);
}

/// A PIN as it arrives in a request: zeroized when dropped, never shown by `Debug`.
#[derive(Default)]
pub struct PinText(pub Zeroizing<String>);

impl std::fmt::Debug for PinText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PinText(***)")
    }
}

impl<'de> serde::Deserialize<'de> for PinText {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(PinText(Zeroizing::new(String::deserialize(d)?)))
    }
}

/// How the PIN of a request is entered.
pub enum PinWay {
    /// Sent in the request.
    Host(PinText),
    /// Typed on the reader's PIN pad.
    Pad,
}

/// Open the card for a PIN operation of kind `P` (the CLI's [`pin_entry::open_with`]): the
/// PIN's format is checked before the card is opened; with the pad, the reader must have one.
fn open_for_pin<P: mynacard::card::CardPin>(
    g: &GlobalOpts,
    note: &mut AuditNote,
    way: PinWay,
    make: fn(&str) -> Result<P, PinFormatError>,
) -> Result<(connect::PinClient, pin_entry::Entry<P>), CliError> {
    let (pinpad, secret) = match way {
        PinWay::Host(p) => (PinPadArg::Off, Some(p)),
        PinWay::Pad => (PinPadArg::On, None),
    };
    let opts = PinOpts { pinpad, ..PinOpts::default() };
    pin_entry::open_with(g, note, &opts, P::KIND, PadUse::Verify, move || {
        let secret = secret.unwrap_or_default();
        Ok(make(&secret.0).map_err(CardError::from)?)
    })
}

/// `GET /v1/card` when no reader could be chosen: no card anywhere is `present: false`
/// (naming the readers looked at); anything else is the error.
pub fn status_unresolved(e: CliError) -> Result<serde_json::Value, OpError> {
    match e {
        CliError::Transport(TransportError::NoCard { reader }) => {
            Ok(serde_json::json!({ "present": false, "reader": reader }))
        }
        e => Err(e.into()),
    }
}

/// `GET /v1/card`: reader, ATR, token type, every PIN counter (no try spent) and whether the
/// reader has a PIN pad; a reader without a card is `present: false`. Kept in `memo` unless
/// the card changed meanwhile.
pub fn status(
    g: &GlobalOpts,
    note: &mut AuditNote,
    memo: &ReaderMemo,
) -> Result<serde_json::Value, OpError> {
    let label = g.reader.clone().unwrap_or_default();
    let generation = memo.generation(&label);
    let mut client = match connect::open(g, ShareMode::Shared, note) {
        Ok(c) => c,
        Err(CliError::Transport(TransportError::NoCard { reader }))
        | Err(CliError::Transport(TransportError::Timeout { reader, .. })) => {
            return Ok(serde_json::json!({ "present": false, "reader": reader }));
        }
        Err(e) => return Err(e.into()),
    };
    let v = status_of(&mut client, memo.pinpad(&label))?;
    if let Some(pad) = v.get("pinpad").and_then(serde_json::Value::as_bool) {
        memo.keep_pinpad(&label, pad);
    }
    memo.keep_status(&label, generation, v.clone());
    Ok(v)
}

/// The status of the card `client` holds. `pinpad`: whether the reader has a PIN pad, when
/// already known; else the reader is asked for its features as the PIN commands ask it
/// ([`mynacard::card::Client::pinpad_for`]: one control request, no APDU, no VERIFY) for the
/// authentication PIN, the PIN the kiosk page asks.
pub fn status_of(
    client: &mut connect::CardClient,
    pinpad: Option<bool>,
) -> Result<serde_json::Value, OpError> {
    use mynacard::card::{PinKind, PinPadMode};
    let info = client.transport().info();
    let token = client.detect()?;
    let pins = pin::counters(client)?;
    let pins: Vec<_> = pins.iter().map(pin::Counter::json).collect();
    let pinpad = match pinpad {
        Some(p) => p,
        None => client.pinpad_for(PinKind::Auth, PinPadMode::Auto)?.is_some(),
    };
    Ok(serde_json::json!({
        "present": true,
        "reader": info.name,
        "atr": hex::encode_upper(&info.atr),
        "token": token.name(),
        "pins": pins,
        "pinpad": pinpad,
    }))
}

/// `GET /v1/certificates/…`: a public certificate (DER).
pub fn certificate(
    g: &GlobalOpts,
    note: &mut AuditNote,
    kind: CertKind,
) -> Result<Vec<u8>, OpError> {
    let mut client = connect::open(g, ShareMode::Shared, note)?;
    let der = client.read_certificate(kind)?;
    note.cert(&der);
    Ok(der)
}

/// What a signature request asks for.
pub struct SignJob {
    /// The PIN.
    pub pin: PinWay,
    /// Spend the last try.
    pub allow_last_try: bool,
    /// The digest to sign.
    pub digest: Vec<u8>,
    /// Its algorithm.
    pub hash: HashAlg,
    /// Raw or CMS.
    pub format: SigFormat,
}

/// A signature and the signer certificate.
pub struct Signature {
    /// The signature (raw PKCS#1 v1.5 or CMS DER).
    pub bytes: Vec<u8>,
    /// The signer certificate (DER).
    pub cert: Vec<u8>,
}

fn sign_with<P: KeyPin>(
    g: &GlobalOpts,
    note: &mut AuditNote,
    cancel: &Cancel,
    job: SignJob,
    make: fn(&str) -> Result<P, PinFormatError>,
) -> Result<Signature, OpError> {
    let (mut client, entry) = open_for_pin(g, note, job.pin, make)?;
    cancel.check()?;
    // The digest is the request's (a document is hashed when it arrives); CMS gets a
    // signingTime of now, as `mynacard sign` gives it.
    let made = match job.format {
        SigFormat::Raw => sign::Made::Raw,
        _ => sign::Made::Cms { time: None },
    };
    let digest = job.digest;
    let mut digest_of = |_: &[u8]| Ok(digest.clone());
    let signed = sign::sign_on_card(
        &mut client,
        note,
        entry,
        job.allow_last_try,
        &mut digest_of,
        job.hash,
        made,
    )?;
    Ok(Signature { bytes: signed.bytes, cert: signed.cert })
}

/// A signature with the authentication key (4-digit PIN).
pub fn sign_auth(
    g: &GlobalOpts,
    note: &mut AuditNote,
    cancel: &Cancel,
    job: SignJob,
) -> Result<Signature, OpError> {
    sign_with(g, note, cancel, job, AuthPin::new)
}

/// A signature with the signature key (signature password).
pub fn sign_sign(
    g: &GlobalOpts,
    note: &mut AuditNote,
    cancel: &Cancel,
    job: SignJob,
) -> Result<Signature, OpError> {
    sign_with(g, note, cancel, job, SignPassword::new)
}

/// `POST /v1/text`: the text application read as `mynacard text read --json` renders it
/// (the My Number masked unless `reveal`).
pub fn read_text(
    g: &GlobalOpts,
    note: &mut AuditNote,
    cancel: &Cancel,
    pin: PinWay,
    allow_last_try: bool,
    reveal: bool,
    trust: &TrustOpts,
) -> Result<serde_json::Value, OpError> {
    let trust = trust.trust()?;
    let (mut client, entry) = open_for_pin(g, note, pin, TextPin::new)?;
    cancel.check()?;
    let (info, ev) = client.read_text_checked(entry.pin(), allow_last_try)?;
    drop(client);
    let auth = text::evidence_authenticity(&ev, &trust);
    let rendered = Zeroizing::new(text::render(&info, &auth, reveal, true));
    serde_json::from_str(&rendered)
        .map_err(|e| OpError::Cli(CliError::Input(format!("rendering the text read: {e}"))))
}

/// `/v1/age`: the CLI's `face age` ([`face::age_check`]); the birth date's format and the day
/// are checked before the card is opened.
#[allow(clippy::too_many_arguments)]
pub fn age_check(
    g: &GlobalOpts,
    note: &mut AuditNote,
    cancel: &Cancel,
    birth_date: PinText,
    at_least: u16,
    at: Option<String>,
    allow_last_try: bool,
    trust: &TrustOpts,
) -> Result<serde_json::Value, OpError> {
    let trust = trust.trust()?;
    let at = face::age_day(at.as_deref())?;
    let key = face::birth_key(&birth_date.0)?;
    drop(birth_date);
    cancel.check()?;
    let answer = face::age_check(g, note, key, at_least, at, allow_last_try, &trust)?;
    Ok(face::age_json(at_least, &answer))
}

/// What a `POST /v1/face` request asks.
pub struct FaceJob {
    /// Which code opens the card face.
    pub which: face::CodeArg,
    /// The code itself (a secret like a PIN).
    pub secret: PinText,
    /// Spend the last try.
    pub allow_last_try: bool,
    /// Return the photo, images and the holder's facts (the handler has checked that the
    /// operator allows it).
    pub reveal: bool,
}

/// `POST /v1/face`: the CLI's `face read` ([`face::read_face`]): the code's format is checked
/// before the card is opened, the counter first, never retried. Without `reveal` the answer
/// holds only facts about the reading: which items were read (not their sizes: the size of
/// the name's image follows the name's length), whether the
/// text application was read (or why not), and the verdicts without the signer key (its
/// digits name the holder's municipality), as `/v1/age` gives them. With `reveal` it adds the
/// holder's facts as `face read --json` shows them (the My Number unmasked), the photo and the
/// images (base64) and the full authenticity records.
pub fn face_read(
    g: &GlobalOpts,
    note: &mut AuditNote,
    cancel: &Cancel,
    job: FaceJob,
    trust: &TrustOpts,
) -> Result<serde_json::Value, OpError> {
    let trust = trust.trust()?;
    let code = face::parse_code(job.which, &job.secret.0)?;
    drop(job.secret);
    cancel.check()?;
    let read = face::read_face(g, note, code, job.which, job.allow_last_try, &trust, false)?;
    let verdict = |a: &mynacard::verify::authenticity::Authenticity| {
        if job.reveal {
            face::authenticity_json(a)
        } else {
            face::age_authenticity_json(a)
        }
    };
    let mut items = Vec::new();
    let mut images = serde_json::Map::new();
    let mut photo = None;
    for (name, bytes) in face::face_items(&read.data)? {
        items.push(name);
        if job.reveal {
            let b64 = <base64ct::Base64 as base64ct::Encoding>::encode_string(bytes);
            if name == "photo" {
                photo = Some(b64);
            } else {
                images.insert(name.into(), serde_json::Value::from(b64));
            }
        }
    }
    let mut doc = if job.reveal {
        let mut doc = face::holder_json(&read, job.which, true)?;
        doc.insert("photo".into(), serde_json::json!(photo));
        doc.insert("images".into(), serde_json::Value::Object(images));
        doc
    } else {
        let mut doc = serde_json::Map::new();
        doc.insert("code".into(), serde_json::json!(face::code_name(job.which)));
        doc
    };
    doc.insert("revealed".into(), serde_json::json!(job.reveal));
    doc.insert("items".into(), serde_json::json!(items));
    doc.insert("text_read".into(), serde_json::json!(read.text_read().is_some()));
    doc.insert("text_skipped".into(), serde_json::json!(read.text_note));
    doc.insert("authenticity".into(), verdict(&read.authenticity));
    doc.insert(
        "text_authenticity".into(),
        serde_json::json!(read.text_authenticity.as_ref().map(verdict)),
    );
    Ok(serde_json::Value::Object(doc))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn purposes_are_bounded_and_carry_no_my_number() {
        assert_eq!(sanitise_purpose("age check\n2026-01-02"), "age check 2026-01-02");
        assert_eq!(sanitise_purpose("for 123456789018 please"), "for [digits] please");
        assert_eq!(sanitise_purpose("１２３４５６７８９０１８"), "[digits]");
        assert_eq!(sanitise_purpose("20260102"), "20260102");
        assert_eq!(sanitise_purpose(&"x".repeat(1000)).chars().count(), MAX_PURPOSE);
    }

    /// A held lock makes its own reader busy and no other: a second task on reader A waits
    /// until A's holder lets go, while a task on reader B runs at once.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn one_operation_at_a_time_per_reader() {
        let locks = Arc::new(ReaderLocks::default());
        let a = locks.get("A").unwrap().lock_owned().await;
        let on_a = tokio::spawn({
            let locks = locks.clone();
            async move {
                let wait = Duration::from_millis(50);
                tokio::time::timeout(wait, locks.get("A").unwrap().lock_owned()).await.is_ok()
            }
        });
        let on_b = tokio::spawn({
            let locks = locks.clone();
            async move { locks.get("B").unwrap().lock_owned().await }
        });
        assert!(!on_a.await.unwrap(), "reader A was free while its lock was held");
        let b = tokio::time::timeout(Duration::from_secs(10), on_b).await;
        let b = b.expect("reader B waited for reader A").unwrap();
        drop(a);
        assert!(locks.get("A").unwrap().try_lock().is_ok(), "A stays busy after its holder left");
        assert!(locks.get("B").unwrap().try_lock().is_err(), "B is free while held");
        drop(b);
        assert!(locks.get("B").unwrap().try_lock().is_ok());
        assert_eq!(locks.len(), 2);
    }

    /// The map keeps at most MAX_READERS locks: idle ones make room, held ones never do.
    #[test]
    fn reader_locks_are_bounded() {
        let locks = ReaderLocks::default();
        assert!(locks.is_empty());
        let held: Vec<_> = (0..MAX_READERS)
            .map(|i| locks.get(&format!("R{i}")).unwrap().try_lock_owned().unwrap())
            .collect();
        assert!(locks.get("one more").is_none(), "a lock beyond the bound while all are held");
        assert_eq!(locks.len(), MAX_READERS);
        drop(held);
        // All idle now: the next new reader finds room, and the map shrank.
        assert!(locks.get("one more").is_some());
        assert!(locks.len() <= MAX_READERS);
        assert_eq!(locks.len(), 1);
    }

    /// `/v1/card`'s `pinpad`: the reader's features decide (a control request, as the PIN
    /// commands ask it), never a VERIFY; a known answer is not asked again.
    #[test]
    fn the_status_says_whether_the_reader_has_a_pin_pad_without_a_verify() {
        use mynacard::sim::card::{Profile, VirtualCard};
        use mynacard::sim::image::CardImage;
        use mynacard::sim::transport::{PadInput, SharedCard, SimPinPad};
        let status = |pad: Option<SimPinPad>, known: Option<bool>| {
            let card =
                SharedCard::new(VirtualCard::new(CardImage::default_image(), Profile::default()));
            card.set_pinpad(pad).unwrap();
            let transport: Box<dyn mynacard::transport::Transport> = Box::new(card.transport());
            let mut client = mynacard::card::Client::new(transport);
            let v = status_of(&mut client, known).unwrap();
            let verifies = card.with_card(|c| c.counts().verify_with_data).unwrap();
            let entries = card.pinpad().unwrap().map_or(0, |p| p.requests());
            (v, verifies, entries)
        };
        let (v, verifies, entries) = status(Some(SimPinPad::new([PadInput::digits("1234")])), None);
        assert_eq!((v["pinpad"].clone(), v["present"].clone()), (json!(true), json!(true)));
        assert_eq!((verifies, entries), (0, 0), "a PIN was asked for or sent");
        let (v, verifies, _) = status(None, None);
        assert_eq!(v["pinpad"], json!(false));
        assert_eq!(verifies, 0);
        // Known: the reader is not asked (a pad reader said to have none stays "none").
        let (v, _, _) = status(Some(SimPinPad::new([])), Some(false));
        assert_eq!(v["pinpad"], json!(false));
        assert_eq!(v["pins"][0]["tries_left"], json!(3));
    }

    /// A status read while the card changed is not kept; a reader that left is forgotten
    /// whole; the memo is bounded.
    #[test]
    fn the_memo_forgets_when_the_card_changes() {
        let memo = ReaderMemo::default();
        let g = memo.generation("A");
        memo.keep_status("A", g, json!({ "present": true }));
        assert_eq!(memo.status("A"), Some(json!({ "present": true })));
        memo.forget_card("A");
        assert_eq!(memo.status("A"), None);
        // Read before the change, kept after it: refused.
        let g = memo.generation("A");
        memo.forget_card("A");
        memo.keep_status("A", g, json!({ "stale": true }));
        assert_eq!(memo.status("A"), None);
        memo.keep_pinpad("A", true);
        let g = memo.generation("A");
        memo.forget_reader("A");
        memo.keep_status("A", g, json!({ "stale": true }));
        assert_eq!((memo.status("A"), memo.pinpad("A")), (None, None));
        // Another reader's change leaves this one alone.
        let g = memo.generation("B");
        memo.keep_status("B", g, json!(1));
        memo.forget_card("C");
        assert_eq!(memo.status("B"), Some(json!(1)));
        for i in 0..(MAX_READERS * 2) {
            memo.keep_pinpad(&format!("R{i}"), false);
        }
        assert!(memo.map.lock().unwrap().len() <= MAX_READERS);
    }

    #[test]
    fn pins_never_show_in_debug() {
        let p: PinText = serde_json::from_str("\"1234\"").unwrap();
        assert_eq!(format!("{p:?}"), "PinText(***)");
        assert_eq!(p.0.as_str(), "1234");
    }
}
