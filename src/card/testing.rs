//! A scripted mock transport for tests: each step names the exact command bytes expected
//! and the reply; everything sent (and every transaction begin/end and reset) is recorded so
//! tests can pin the bytes on the wire and check what ran inside one transaction.
//!
//! It is a test double: a command that differs from the script, or one past its end,
//! panics with both sides in hex — that is the assertion.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};

use crate::transport::{Disposition, ReaderInfo, Transport, TransportError};

/// Something that happened on the scripted transport.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// An exclusive transaction began.
    Begin,
    /// It ended.
    End,
    /// A command was sent (upper-case hex), inside a transaction or not.
    Sent { apdu: String, exclusive: bool },
    /// The card was reset.
    Reset,
    /// The connection was closed with this disposition.
    Disconnect(Disposition),
    /// A reader control request (`SCardControl`): code, and input in upper-case hex.
    Control { code: u32, input: String },
}

enum Reply {
    Bytes(Vec<u8>),
    Error(fn() -> TransportError),
}

/// What a step expects: a command APDU, or a reader control request with this code.
#[derive(PartialEq, Eq)]
enum Sent {
    Apdu(Vec<u8>),
    Control(u32, Vec<u8>),
}

impl Sent {
    fn describe(&self) -> String {
        match self {
            Sent::Apdu(bytes) => hex::encode_upper(bytes),
            Sent::Control(code, input) => {
                format!("CONTROL {code:08X} {}", hex::encode_upper(input))
            }
        }
    }
}

struct Step {
    expect: Sent,
    reply: Reply,
}

#[derive(Default)]
struct Inner {
    steps: VecDeque<Step>,
    events: Vec<Event>,
    depth: usize,
    fail_exclusive: Option<fn() -> TransportError>,
}

/// Read access to what a [`ScriptedTransport`] saw, usable after the transport moved into a
/// client.
#[derive(Clone)]
pub struct ScriptLog(Arc<Mutex<Inner>>);

fn lock(m: &Mutex<Inner>) -> MutexGuard<'_, Inner> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn unhex(s: &str) -> Vec<u8> {
    let clean: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    match hex::decode(&clean) {
        Ok(v) => v,
        Err(e) => panic!("scripted transport: bad hex {s:?} in the script: {e}"),
    }
}

impl ScriptLog {
    /// Every event so far.
    pub fn events(&self) -> Vec<Event> {
        lock(&self.0).events.clone()
    }

    /// The commands sent so far, upper-case hex.
    pub fn sent(&self) -> Vec<String> {
        lock(&self.0)
            .events
            .iter()
            .filter_map(|e| match e {
                Event::Sent { apdu, .. } => Some(apdu.clone()),
                _ => None,
            })
            .collect()
    }

    /// Steps of the script not yet consumed.
    pub fn remaining(&self) -> usize {
        lock(&self.0).steps.len()
    }

    /// Panic unless the whole script ran and every transaction ended.
    pub fn assert_done(&self) {
        let inner = lock(&self.0);
        if let Some(step) = inner.steps.front() {
            panic!(
                "scripted transport: {} steps not run, next expected {}",
                inner.steps.len(),
                step.expect.describe()
            );
        }
        assert_eq!(inner.depth, 0, "scripted transport: a transaction is still open");
    }
}

/// A transport that answers from a script.
pub struct ScriptedTransport {
    log: ScriptLog,
    info: ReaderInfo,
}

impl Default for ScriptedTransport {
    fn default() -> Self {
        Self::new()
    }
}

impl ScriptedTransport {
    /// An empty script on a reader named "script" that says nothing about extended length.
    pub fn new() -> Self {
        ScriptedTransport {
            log: ScriptLog(Arc::new(Mutex::new(Inner::default()))),
            info: ReaderInfo {
                name: "script".into(),
                atr: crate::facts::SIM_ATR.to_vec(),
                extended_length: None,
            },
        }
    }

    /// Set what the reader reports about extended-length APDUs.
    pub fn extended_length(mut self, known: Option<bool>) -> Self {
        self.info.extended_length = known;
        self
    }

    /// Expect `command` (hex, spaces allowed) and answer `reply` (hex: data then SW1 SW2).
    pub fn expect(self, command: &str, reply: &str) -> Self {
        self.push(Sent::Apdu(unhex(command)), Reply::Bytes(unhex(reply)))
    }

    /// Expect `command` and answer these bytes.
    pub fn expect_bytes(self, command: &[u8], reply: &[u8]) -> Self {
        self.push(Sent::Apdu(command.to_vec()), Reply::Bytes(reply.to_vec()))
    }

    /// Expect `command` and fail the exchange with a transport error.
    pub fn expect_error(self, command: &str, error: fn() -> TransportError) -> Self {
        self.push(Sent::Apdu(unhex(command)), Reply::Error(error))
    }

    /// Expect a reader control request with `code` and `input` (hex), and answer `reply`.
    pub fn expect_control(self, code: u32, input: &str, reply: &str) -> Self {
        self.push(Sent::Control(code, unhex(input)), Reply::Bytes(unhex(reply)))
    }

    /// Expect a reader control request and fail it with a transport error.
    pub fn expect_control_error(
        self,
        code: u32,
        input: &str,
        error: fn() -> TransportError,
    ) -> Self {
        self.push(Sent::Control(code, unhex(input)), Reply::Error(error))
    }

    /// Make the next `exclusive()` fail.
    pub fn fail_exclusive(self, error: fn() -> TransportError) -> Self {
        lock(&self.log.0).fail_exclusive = Some(error);
        self
    }

    fn push(self, expect: Sent, reply: Reply) -> Self {
        lock(&self.log.0).steps.push_back(Step { expect, reply });
        self
    }

    /// A handle on what this transport records.
    pub fn log(&self) -> ScriptLog {
        self.log.clone()
    }

    fn run(&self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        let mut inner = lock(&self.log.0);
        let exclusive = inner.depth > 0;
        inner.events.push(Event::Sent { apdu: hex::encode_upper(command), exclusive });
        drop(inner);
        self.answer(Sent::Apdu(command.to_vec()))
    }

    fn control_request(&self, code: u32, input: &[u8]) -> Result<Vec<u8>, TransportError> {
        let input_hex = hex::encode_upper(input);
        lock(&self.log.0).events.push(Event::Control { code, input: input_hex });
        self.answer(Sent::Control(code, input.to_vec()))
    }

    /// The next step's reply, after checking that `sent` is what it expects.
    fn answer(&self, sent: Sent) -> Result<Vec<u8>, TransportError> {
        let mut inner = lock(&self.log.0);
        let n = inner
            .events
            .iter()
            .filter(|e| matches!(e, Event::Sent { .. } | Event::Control { .. }))
            .count();
        let Some(step) = inner.steps.pop_front() else {
            drop(inner);
            panic!(
                "scripted transport: request #{n} {} sent after the script ended",
                sent.describe()
            );
        };
        if step.expect != sent {
            drop(inner);
            panic!(
                "scripted transport: request #{n} was\n  {}\nthe script expected\n  {}",
                sent.describe(),
                step.expect.describe()
            );
        }
        match step.reply {
            Reply::Bytes(b) => Ok(b),
            Reply::Error(f) => Err(f()),
        }
    }

    fn begin(&self) -> Result<(), TransportError> {
        let mut inner = lock(&self.log.0);
        if let Some(f) = inner.fail_exclusive.take() {
            return Err(f());
        }
        inner.depth += 1;
        inner.events.push(Event::Begin);
        Ok(())
    }
}

struct Guard<'a> {
    parent: &'a ScriptedTransport,
}

impl Drop for Guard<'_> {
    fn drop(&mut self) {
        let mut inner = lock(&self.parent.log.0);
        inner.depth = inner.depth.saturating_sub(1);
        inner.events.push(Event::End);
    }
}

impl Transport for Guard<'_> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.parent.run(command)
    }
    fn exclusive(&mut self) -> Result<Box<dyn Transport + '_>, TransportError> {
        self.parent.begin()?;
        Ok(Box::new(Guard { parent: self.parent }))
    }
    fn reset(&mut self) -> Result<(), TransportError> {
        lock(&self.parent.log.0).events.push(Event::Reset);
        Ok(())
    }
    fn info(&self) -> ReaderInfo {
        self.parent.info.clone()
    }
    fn control(&mut self, code: u32, input: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.parent.control_request(code, input)
    }
}

impl Transport for ScriptedTransport {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.run(command)
    }
    fn exclusive(&mut self) -> Result<Box<dyn Transport + '_>, TransportError> {
        self.begin()?;
        Ok(Box::new(Guard { parent: self }))
    }
    fn reset(&mut self) -> Result<(), TransportError> {
        lock(&self.log.0).events.push(Event::Reset);
        Ok(())
    }
    fn disconnect(&mut self, disposition: Disposition) -> Result<(), TransportError> {
        lock(&self.log.0).events.push(Event::Disconnect(disposition));
        Ok(())
    }
    fn info(&self) -> ReaderInfo {
        self.info.clone()
    }
    fn control(&mut self, code: u32, input: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.control_request(code, input)
    }
}
