//! The vpcd bridge: makes a [`VirtualCard`] a card in a real PC/SC reader. The `vpcd` driver
//! of vsmartcard, loaded by pcscd, listens on TCP (35963 for "Virtual PCD 00 00"); the card
//! connects to it as the CLIENT and answers what it is sent (docs/card-facts.md §8).
//!
//! Wire format, both directions: a 2-byte big-endian length, then that many bytes. A 1-byte
//! payload from vpcd is a control byte: `00` power off, `01` power on, `02` reset (none of
//! which is answered), `04` "send the ATR" (answered with the ATR, length-prefixed; vpcd also
//! sends it repeatedly as a presence poll). A longer payload is a command APDU, answered with
//! the response APDU.
//!
//! Faults of the card map onto the wire as a reader would see them:
//! - [`Reply::Mute`]: nothing is sent back. vpcd waits in a blocking `recv` with no timeout of
//!   its own while holding its I/O lock, so the PC/SC client's `SCardTransmit` (and pcscd's
//!   presence polls) hang. To model a reader that eventually gives up, the bridge hangs up
//!   after [`VpcdOptions::mute_hangup`]; vpcd then treats the card as ejected and the client
//!   sees the card removed. With `mute_hangup: None` the bridge stays silent until stopped.
//! - [`Reply::Removed`]: the bridge closes the connection, so vpcd sees no card. It connects
//!   again after [`VpcdOptions::reinsert_after`] (the card is "re-inserted"; pcscd powers it
//!   on, which ends the removal), or never with `None`.
//!
//! The bridge reconnects whenever the connection drops (pcscd or vpcd restarted), with a
//! bounded exponential backoff, survives power cycles, and returns when `stop` is set: every
//! blocking read and connect uses a short timeout so the flag is polled.

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::card::{Reply, VirtualCard};

/// The port of vpcd's first virtual reader ("Virtual PCD 00 00").
pub const DEFAULT_PORT: u16 = 35963;

/// Control byte: power off.
pub const CTRL_POWER_OFF: u8 = 0x00;
/// Control byte: power on.
pub const CTRL_POWER_ON: u8 = 0x01;
/// Control byte: warm reset.
pub const CTRL_RESET: u8 = 0x02;
/// Control byte: send the ATR.
pub const CTRL_ATR: u8 = 0x04;

/// What went wrong with the bridge as a whole (a dropped connection is not an error: the
/// bridge reconnects).
#[derive(Debug, thiserror::Error)]
pub enum VpcdError {
    /// vpcd could not be reached within the allowed attempts.
    #[error("cannot connect to vpcd at {addr} after {attempts} attempts: {source} (is pcscd with vsmartcard-vpcd running?)")]
    Connect {
        /// Where vpcd was expected.
        addr: SocketAddr,
        /// How many connects were tried.
        attempts: u32,
        /// The last failure.
        source: std::io::Error,
    },
    /// A thread panicked while holding the card; its state cannot be trusted.
    #[error("the virtual card's lock is poisoned (a thread panicked while using the card)")]
    CardPoisoned,
}

/// Something that happened on the bridge, for logs. Carries no APDU bytes (they may hold a
/// PIN).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VpcdEvent {
    /// Connected to vpcd.
    Connected(SocketAddr),
    /// The connection ended; the bridge will reconnect unless stopped.
    Disconnected(String),
    /// vpcd powered the card off.
    PowerOff,
    /// vpcd powered the card on.
    PowerOn,
    /// vpcd reset the card.
    Reset,
    /// vpcd asked for the ATR.
    Atr,
    /// An unknown control byte, ignored.
    UnknownControl(u8),
    /// A command APDU of this length was answered with this many bytes.
    Apdu {
        /// Command length.
        command: usize,
        /// Response length.
        response: usize,
    },
    /// The card did not answer a command.
    Mute,
    /// The card reported itself removed: the connection is closed.
    Removed,
}

/// A sink for bridge events.
pub type EventSink = Arc<dyn Fn(&VpcdEvent) + Send + Sync>;

/// How the bridge behaves.
#[derive(Clone)]
pub struct VpcdOptions {
    /// Read timeout used to poll the stop flag.
    pub poll_interval: Duration,
    /// First pause between connection attempts.
    pub initial_backoff: Duration,
    /// Longest pause between connection attempts.
    pub max_backoff: Duration,
    /// Give up after this many failed connects in a row (`None`: retry until stopped).
    pub max_connect_attempts: Option<u32>,
    /// After the card reports itself removed, reconnect after this long (`None`: never).
    pub reinsert_after: Option<Duration>,
    /// After the card goes mute, hang up after this long (`None`: stay silent until stopped).
    pub mute_hangup: Option<Duration>,
    /// Where events go (`None`: nowhere).
    pub events: Option<EventSink>,
}

impl Default for VpcdOptions {
    fn default() -> Self {
        VpcdOptions {
            poll_interval: Duration::from_millis(100),
            initial_backoff: Duration::from_millis(50),
            max_backoff: Duration::from_secs(2),
            max_connect_attempts: None,
            reinsert_after: Some(Duration::from_secs(1)),
            mute_hangup: Some(Duration::from_secs(10)),
            events: None,
        }
    }
}

impl std::fmt::Debug for VpcdOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VpcdOptions")
            .field("poll_interval", &self.poll_interval)
            .field("initial_backoff", &self.initial_backoff)
            .field("max_backoff", &self.max_backoff)
            .field("max_connect_attempts", &self.max_connect_attempts)
            .field("reinsert_after", &self.reinsert_after)
            .field("mute_hangup", &self.mute_hangup)
            .field("events", &self.events.as_ref().map(|_| "…"))
            .finish()
    }
}

impl VpcdOptions {
    fn emit(&self, event: VpcdEvent) {
        if let Some(sink) = &self.events {
            sink(&event);
        }
    }
}

/// How one connection ended.
enum End {
    /// `stop` was set.
    Stopped,
    /// The peer closed or the stream failed: reconnect at once (with backoff).
    Dropped(String),
    /// The card was removed: reconnect after `reinsert_after`.
    Removed,
    /// The card stayed mute: hang up, reconnect.
    MuteHangup,
}

/// Sleep up to `d`, waking early when `stop` is set. Returns whether it was set.
fn pause(d: Duration, stop: &AtomicBool, poll: Duration) -> bool {
    let deadline = Instant::now() + d;
    loop {
        if stop.load(Ordering::SeqCst) {
            return true;
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return false;
        }
        std::thread::sleep(left.min(poll));
    }
}

/// The card side as the bridge sees it: what vpcd's messages do to a card.
pub trait VpcdCard: Send {
    /// The answer to reset.
    fn atr(&self) -> Vec<u8>;
    /// Power on.
    fn power_on(&mut self);
    /// Power off.
    fn power_off(&mut self);
    /// Warm reset.
    fn reset(&mut self);
    /// Answer one command APDU.
    fn process(&mut self, apdu: &[u8]) -> Reply;
}

impl VpcdCard for VirtualCard {
    fn atr(&self) -> Vec<u8> {
        VirtualCard::atr(self)
    }
    fn power_on(&mut self) {
        VirtualCard::power_on(self)
    }
    fn power_off(&mut self) {
        VirtualCard::power_off(self)
    }
    fn reset(&mut self) {
        VirtualCard::reset(self)
    }
    fn process(&mut self, apdu: &[u8]) -> Reply {
        VirtualCard::process(self, apdu)
    }
}

/// Run the bridge: connect to vpcd at `addr` and serve `card` until `stop` is set.
pub fn serve(
    addr: SocketAddr,
    card: Arc<Mutex<VirtualCard>>,
    stop: Arc<AtomicBool>,
    opts: VpcdOptions,
) -> Result<(), VpcdError> {
    serve_card(addr, card, stop, opts)
}

/// [`serve`] for any [`VpcdCard`].
pub fn serve_card<C: VpcdCard>(
    addr: SocketAddr,
    card: Arc<Mutex<C>>,
    stop: Arc<AtomicBool>,
    opts: VpcdOptions,
) -> Result<(), VpcdError> {
    let poll = opts.poll_interval.max(Duration::from_millis(1));
    let mut backoff = opts.initial_backoff;
    let mut failures: u32 = 0;
    while !stop.load(Ordering::SeqCst) {
        let stream = match TcpStream::connect_timeout(&addr, poll.max(Duration::from_millis(200))) {
            Ok(s) => s,
            Err(e) => {
                failures = failures.saturating_add(1);
                if opts.max_connect_attempts.is_some_and(|max| failures >= max) {
                    return Err(VpcdError::Connect { addr, attempts: failures, source: e });
                }
                if pause(backoff, &stop, poll) {
                    break;
                }
                backoff = (backoff * 2).min(opts.max_backoff);
                continue;
            }
        };
        failures = 0;
        backoff = opts.initial_backoff;
        opts.emit(VpcdEvent::Connected(addr));
        match session(stream, &card, &stop, &opts, poll)? {
            End::Stopped => break,
            End::Dropped(why) => {
                opts.emit(VpcdEvent::Disconnected(why));
                if pause(backoff, &stop, poll) {
                    break;
                }
            }
            End::MuteHangup => opts.emit(VpcdEvent::Disconnected("card mute: hung up".into())),
            End::Removed => {
                opts.emit(VpcdEvent::Disconnected("card removed".into()));
                match opts.reinsert_after {
                    Some(d) => {
                        if pause(d, &stop, poll) {
                            break;
                        }
                    }
                    None => {
                        while !pause(Duration::from_secs(3600), &stop, poll) {}
                        break;
                    }
                }
            }
        }
    }
    Ok(())
}

/// The outcome of an exact read.
enum ReadOutcome {
    Done,
    Stopped,
    Closed(String),
    TimedOut,
}

/// Fill `buf` exactly, polling `stop` on every read timeout; give up at `deadline` if any.
fn read_exact_polling(
    stream: &mut TcpStream,
    buf: &mut [u8],
    stop: &AtomicBool,
    deadline: Option<Instant>,
) -> ReadOutcome {
    let mut filled = 0;
    while filled < buf.len() {
        if stop.load(Ordering::SeqCst) {
            return ReadOutcome::Stopped;
        }
        let Some(rest) = buf.get_mut(filled..) else {
            return ReadOutcome::Done;
        };
        match stream.read(rest) {
            Ok(0) => return ReadOutcome::Closed("vpcd closed the connection".into()),
            Ok(n) => filled += n,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                if deadline.is_some_and(|d| Instant::now() >= d) {
                    return ReadOutcome::TimedOut;
                }
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return ReadOutcome::Closed(format!("read failed: {e}")),
        }
    }
    ReadOutcome::Done
}

fn send_frame(stream: &mut TcpStream, payload: &[u8]) -> Result<(), String> {
    let len = u16::try_from(payload.len()).map_err(|_| {
        format!("response of {} bytes does not fit vpcd's 2-byte length", payload.len())
    })?;
    let mut frame = Vec::with_capacity(payload.len() + 2);
    frame.extend_from_slice(&len.to_be_bytes());
    frame.extend_from_slice(payload);
    stream.write_all(&frame).map_err(|e| format!("write failed: {e}"))?;
    stream.flush().map_err(|e| format!("write failed: {e}"))
}

/// What one frame from vpcd did to the card.
#[doc(hidden)]
#[derive(Debug, PartialEq, Eq)]
pub enum Frame {
    /// Send these bytes back (an ATR or a response APDU).
    Answer(Vec<u8>),
    /// A control byte with no answer.
    Nothing,
    /// An empty frame: vpcd never sends one, the connection is dropped.
    Empty,
    /// The card stays silent.
    Mute,
    /// The card was taken out.
    Removed,
}

/// Apply one frame payload from vpcd (a control byte or a command APDU) to `card`. Public
/// (doc-hidden) so that the fuzz targets in `fuzz/` drive it without a socket.
#[doc(hidden)]
pub fn handle_frame<C: VpcdCard + ?Sized>(
    card: &mut C,
    payload: &[u8],
    opts: &VpcdOptions,
) -> Frame {
    match payload {
        [] => Frame::Empty,
        [CTRL_POWER_OFF] => {
            card.power_off();
            opts.emit(VpcdEvent::PowerOff);
            Frame::Nothing
        }
        [CTRL_POWER_ON] => {
            card.power_on();
            opts.emit(VpcdEvent::PowerOn);
            Frame::Nothing
        }
        [CTRL_RESET] => {
            card.reset();
            opts.emit(VpcdEvent::Reset);
            Frame::Nothing
        }
        [CTRL_ATR] => {
            opts.emit(VpcdEvent::Atr);
            Frame::Answer(card.atr())
        }
        [other] => {
            opts.emit(VpcdEvent::UnknownControl(*other));
            Frame::Nothing
        }
        apdu => match card.process(apdu) {
            Reply::Bytes(bytes) => {
                opts.emit(VpcdEvent::Apdu { command: apdu.len(), response: bytes.len() });
                Frame::Answer(bytes)
            }
            Reply::Mute => {
                opts.emit(VpcdEvent::Mute);
                Frame::Mute
            }
            Reply::Removed => {
                opts.emit(VpcdEvent::Removed);
                Frame::Removed
            }
        },
    }
}

/// Serve one connection until it ends.
fn session<C: VpcdCard>(
    mut stream: TcpStream,
    card: &Mutex<C>,
    stop: &AtomicBool,
    opts: &VpcdOptions,
    poll: Duration,
) -> Result<End, VpcdError> {
    if let Err(e) = stream.set_read_timeout(Some(poll)) {
        return Ok(End::Dropped(format!("cannot set read timeout: {e}")));
    }
    // Frames are small and latency matters more than throughput.
    let _ = stream.set_nodelay(true);
    let mut muted_since: Option<Instant> = None;
    loop {
        let deadline = match (muted_since, opts.mute_hangup) {
            (Some(since), Some(after)) => Some(since + after),
            _ => None,
        };
        let mut len = [0u8; 2];
        match read_exact_polling(&mut stream, &mut len, stop, deadline) {
            ReadOutcome::Done => {}
            ReadOutcome::Stopped => return Ok(End::Stopped),
            ReadOutcome::Closed(why) => return Ok(End::Dropped(why)),
            ReadOutcome::TimedOut => return Ok(End::MuteHangup),
        }
        let len = u16::from_be_bytes(len) as usize;
        let mut payload = vec![0u8; len];
        match read_exact_polling(&mut stream, &mut payload, stop, None) {
            ReadOutcome::Done => {}
            ReadOutcome::Stopped => return Ok(End::Stopped),
            ReadOutcome::Closed(why) => return Ok(End::Dropped(why)),
            ReadOutcome::TimedOut => return Ok(End::Dropped("timed out inside a frame".into())),
        }
        muted_since = None;
        let mut card = card.lock().map_err(|_| VpcdError::CardPoisoned)?;
        let answer = match handle_frame(&mut *card, &payload, opts) {
            Frame::Answer(bytes) => Some(bytes),
            Frame::Nothing => None,
            Frame::Empty => return Ok(End::Dropped("vpcd sent an empty frame".into())),
            Frame::Mute => {
                muted_since = Some(Instant::now());
                None
            }
            Frame::Removed => return Ok(End::Removed),
        };
        drop(card);
        if let Some(bytes) = answer {
            if let Err(why) = send_frame(&mut stream, &bytes) {
                return Ok(End::Dropped(why));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;
    use std::sync::mpsc;
    use std::thread::JoinHandle;

    const ATR: [u8; 9] = crate::facts::SIM_ATR;

    /// A card that answers from a script and records what happened to it.
    #[derive(Default)]
    struct Fake {
        log: Vec<String>,
        replies: std::collections::VecDeque<Reply>,
    }

    impl VpcdCard for Fake {
        fn atr(&self) -> Vec<u8> {
            ATR.to_vec()
        }
        fn power_on(&mut self) {
            self.log.push("on".into());
        }
        fn power_off(&mut self) {
            self.log.push("off".into());
        }
        fn reset(&mut self) {
            self.log.push("reset".into());
        }
        fn process(&mut self, apdu: &[u8]) -> Reply {
            self.log.push(hex::encode_upper(apdu));
            self.replies.pop_front().unwrap_or(Reply::Bytes(vec![0x90, 0x00]))
        }
    }

    fn fast() -> VpcdOptions {
        VpcdOptions {
            poll_interval: Duration::from_millis(20),
            initial_backoff: Duration::from_millis(10),
            max_backoff: Duration::from_millis(50),
            reinsert_after: Some(Duration::from_millis(50)),
            mute_hangup: Some(Duration::from_millis(300)),
            ..VpcdOptions::default()
        }
    }

    struct Bridge<C: VpcdCard + 'static> {
        card: Arc<Mutex<C>>,
        stop: Arc<AtomicBool>,
        thread: Option<JoinHandle<Result<(), VpcdError>>>,
    }

    impl<C: VpcdCard + 'static> Bridge<C> {
        fn start(addr: SocketAddr, card: C, opts: VpcdOptions) -> Self {
            let card = Arc::new(Mutex::new(card));
            let stop = Arc::new(AtomicBool::new(false));
            let (c, s) = (card.clone(), stop.clone());
            let thread = Some(std::thread::spawn(move || serve_card(addr, c, s, opts)));
            Bridge { card, stop, thread }
        }
        fn finish(mut self) -> Result<(), VpcdError> {
            self.stop.store(true, Ordering::SeqCst);
            self.thread.take().map(|t| t.join().unwrap()).unwrap_or(Ok(()))
        }
    }

    impl<C: VpcdCard + 'static> Drop for Bridge<C> {
        fn drop(&mut self) {
            self.stop.store(true, Ordering::SeqCst);
            if let Some(t) = self.thread.take() {
                let _ = t.join();
            }
        }
    }

    /// Plays vpcd: accepts the card's connection.
    fn vpcd() -> (TcpListener, SocketAddr) {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap();
        (l, addr)
    }

    fn accept(l: &TcpListener) -> TcpStream {
        let (s, _) = l.accept().unwrap();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        s
    }

    fn send(s: &mut TcpStream, payload: &[u8]) {
        let mut f = (payload.len() as u16).to_be_bytes().to_vec();
        f.extend_from_slice(payload);
        s.write_all(&f).unwrap();
    }

    fn recv(s: &mut TcpStream) -> Vec<u8> {
        let mut len = [0u8; 2];
        s.read_exact(&mut len).unwrap();
        let mut p = vec![0u8; u16::from_be_bytes(len) as usize];
        s.read_exact(&mut p).unwrap();
        p
    }

    /// Whether the card side closed the connection (EOF within the timeout).
    fn closed(s: &mut TcpStream) -> bool {
        let mut b = [0u8; 1];
        matches!(s.read(&mut b), Ok(0))
    }

    #[test]
    fn framing_control_bytes_and_apdus() {
        let (l, addr) = vpcd();
        let fake = Fake {
            replies: vec![Reply::Bytes(vec![0x30, 0x82, 0x90, 0x00])].into(),
            ..Fake::default()
        };
        let bridge = Bridge::start(addr, fake, fast());
        let mut s = accept(&l);
        // ATR request: a 1-byte frame `04`, answered length-prefixed; pin the raw bytes.
        s.write_all(&[0x00, 0x01, 0x04]).unwrap();
        let mut raw = [0u8; 11];
        s.read_exact(&mut raw).unwrap();
        assert_eq!(raw, [0x00, 0x09, 0x3B, 0xE0, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x45, 0x14]);
        // Power on, reset, power off: no answer.
        send(&mut s, &[CTRL_POWER_ON]);
        send(&mut s, &[CTRL_RESET]);
        send(&mut s, &[CTRL_POWER_OFF]);
        send(&mut s, &[CTRL_POWER_ON]);
        // An APDU whose length and payload arrive in separate, delayed writes.
        s.write_all(&[0x00]).unwrap();
        std::thread::sleep(Duration::from_millis(60));
        s.write_all(&[0x05, 0x00, 0xB0]).unwrap();
        std::thread::sleep(Duration::from_millis(60));
        s.write_all(&[0x00, 0x00, 0x02]).unwrap();
        assert_eq!(recv(&mut s), vec![0x30, 0x82, 0x90, 0x00]);
        // Default answer for the next one.
        send(&mut s, &[0x00, 0xA4, 0x04, 0x0C]);
        assert_eq!(
            s.read_exact(&mut raw[..4]).map(|_| raw[..4].to_vec()).unwrap(),
            vec![0, 2, 0x90, 0x00]
        );
        let log = bridge.card.lock().unwrap().log.clone();
        assert_eq!(log, ["on", "reset", "off", "on", "00B0000002", "00A4040C"]);
        bridge.finish().unwrap();
    }

    #[test]
    fn unknown_control_bytes_are_ignored() {
        let (l, addr) = vpcd();
        let (tx, rx) = mpsc::channel();
        let tx = Mutex::new(tx);
        let opts = VpcdOptions {
            events: Some(Arc::new(move |e: &VpcdEvent| {
                let _ = tx.lock().map(|t| t.send(e.clone()));
            })),
            ..fast()
        };
        let _bridge = Bridge::start(addr, Fake::default(), opts);
        let mut s = accept(&l);
        send(&mut s, &[0x03]);
        send(&mut s, &[CTRL_ATR]);
        assert_eq!(recv(&mut s), ATR.to_vec());
        let events: Vec<VpcdEvent> = rx.try_iter().collect();
        assert_eq!(
            events,
            [VpcdEvent::Connected(addr), VpcdEvent::UnknownControl(3), VpcdEvent::Atr]
        );
    }

    #[test]
    fn reconnects_after_vpcd_restarts() {
        let (l, addr) = vpcd();
        let _bridge = Bridge::start(addr, Fake::default(), fast());
        let s = accept(&l);
        drop(s);
        drop(l);
        // vpcd is gone for a while; then it comes back on the same port.
        std::thread::sleep(Duration::from_millis(150));
        let l = TcpListener::bind(addr).unwrap();
        let mut s = accept(&l);
        send(&mut s, &[CTRL_ATR]);
        assert_eq!(recv(&mut s), ATR.to_vec());
    }

    #[test]
    fn starts_before_vpcd_and_waits_for_it() {
        let (l, addr) = vpcd();
        drop(l);
        let _bridge = Bridge::start(addr, Fake::default(), fast());
        std::thread::sleep(Duration::from_millis(200));
        let l = TcpListener::bind(addr).unwrap();
        let mut s = accept(&l);
        send(&mut s, &[CTRL_ATR]);
        assert_eq!(recv(&mut s), ATR.to_vec());
    }

    #[test]
    fn stops_promptly_even_mid_frame() {
        let (l, addr) = vpcd();
        let bridge = Bridge::start(addr, Fake::default(), fast());
        let mut s = accept(&l);
        // Half a frame: the bridge is blocked reading the rest.
        s.write_all(&[0x00, 0x05, 0x00]).unwrap();
        std::thread::sleep(Duration::from_millis(50));
        let started = Instant::now();
        bridge.finish().unwrap();
        assert!(started.elapsed() < Duration::from_secs(2));
        assert!(closed(&mut s));
    }

    #[test]
    fn removed_card_closes_the_connection_then_comes_back() {
        let (l, addr) = vpcd();
        let fake = Fake { replies: vec![Reply::Removed].into(), ..Fake::default() };
        let bridge = Bridge::start(addr, fake, fast());
        let mut s = accept(&l);
        send(&mut s, &[0x00, 0xB0, 0x00, 0x00, 0x00]);
        assert!(closed(&mut s), "vpcd must see the card gone");
        // Re-inserted after `reinsert_after`: vpcd powers it on and polls the ATR.
        let mut s = accept(&l);
        send(&mut s, &[CTRL_POWER_ON]);
        send(&mut s, &[CTRL_ATR]);
        assert_eq!(recv(&mut s), ATR.to_vec());
        assert_eq!(bridge.card.lock().unwrap().log, ["00B0000000", "on"]);
    }

    #[test]
    fn removed_card_without_reinsertion_stays_out() {
        let (l, addr) = vpcd();
        let fake = Fake { replies: vec![Reply::Removed].into(), ..Fake::default() };
        let bridge = Bridge::start(addr, fake, VpcdOptions { reinsert_after: None, ..fast() });
        let mut s = accept(&l);
        send(&mut s, &[0x00, 0xB0, 0x00, 0x00, 0x00]);
        assert!(closed(&mut s));
        l.set_nonblocking(true).unwrap();
        std::thread::sleep(Duration::from_millis(300));
        assert!(l.accept().is_err(), "the card came back although told not to");
        bridge.finish().unwrap();
    }

    #[test]
    fn mute_card_sends_nothing_then_hangs_up() {
        let (l, addr) = vpcd();
        let fake = Fake { replies: vec![Reply::Mute].into(), ..Fake::default() };
        let _bridge = Bridge::start(addr, fake, fast());
        let mut s = accept(&l);
        let started = Instant::now();
        send(&mut s, &[0x00, 0x84, 0x00, 0x00, 0x08]);
        // Nothing comes back; after `mute_hangup` the connection closes.
        assert!(closed(&mut s));
        assert!(started.elapsed() >= Duration::from_millis(300));
        // And the card reconnects.
        let mut s = accept(&l);
        send(&mut s, &[CTRL_ATR]);
        assert_eq!(recv(&mut s), ATR.to_vec());
    }

    #[test]
    fn a_mute_card_answers_again_when_vpcd_speaks() {
        let (l, addr) = vpcd();
        let fake = Fake { replies: vec![Reply::Mute].into(), ..Fake::default() };
        let _bridge = Bridge::start(addr, fake, VpcdOptions { mute_hangup: None, ..fast() });
        let mut s = accept(&l);
        send(&mut s, &[0x00, 0x84, 0x00, 0x00, 0x08]);
        s.set_read_timeout(Some(Duration::from_millis(400))).unwrap();
        let mut b = [0u8; 1];
        assert!(
            matches!(s.read(&mut b), Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut))
        );
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        send(&mut s, &[0x00, 0x84, 0x00, 0x00, 0x08]);
        assert_eq!(recv(&mut s), vec![0x90, 0x00]);
    }

    #[test]
    fn oversized_response_drops_the_connection() {
        let (l, addr) = vpcd();
        let fake =
            Fake { replies: vec![Reply::Bytes(vec![0u8; 70_000])].into(), ..Fake::default() };
        let _bridge = Bridge::start(addr, fake, fast());
        let mut s = accept(&l);
        send(&mut s, &[0x00, 0xB0, 0x00, 0x00, 0x00, 0x00, 0x00]);
        assert!(closed(&mut s));
    }

    #[test]
    fn empty_frame_drops_the_connection() {
        let (l, addr) = vpcd();
        let _bridge = Bridge::start(addr, Fake::default(), fast());
        let mut s = accept(&l);
        s.write_all(&[0x00, 0x00]).unwrap();
        assert!(closed(&mut s));
    }

    #[test]
    fn gives_up_after_the_allowed_connects() {
        let (l, addr) = vpcd();
        drop(l);
        let opts = VpcdOptions { max_connect_attempts: Some(3), ..fast() };
        let card = Arc::new(Mutex::new(Fake::default()));
        let err = serve_card(addr, card, Arc::new(AtomicBool::new(false)), opts).unwrap_err();
        match &err {
            VpcdError::Connect { addr: a, attempts, .. } => {
                assert_eq!(*a, addr);
                assert_eq!(*attempts, 3);
            }
            other => panic!("unexpected {other:?}"),
        }
        assert!(err.to_string().contains(&addr.to_string()));
    }

    #[test]
    fn a_poisoned_card_is_an_error_not_a_panic() {
        let (l, addr) = vpcd();
        let card = Arc::new(Mutex::new(Fake::default()));
        let c = card.clone();
        let _ = std::thread::spawn(move || {
            let _g = c.lock().unwrap();
            panic!("poison the card lock");
        })
        .join();
        let stop = Arc::new(AtomicBool::new(false));
        let (c, st) = (card.clone(), stop.clone());
        let t = std::thread::spawn(move || serve_card(addr, c, st, fast()));
        let mut s = accept(&l);
        send(&mut s, &[CTRL_ATR]);
        let result = t.join().unwrap();
        assert!(matches!(result, Err(VpcdError::CardPoisoned)), "{result:?}");
    }

    #[test]
    fn serves_the_virtual_card_itself() {
        use crate::sim::card::Profile;
        use crate::sim::image::CardImage;
        let image = CardImage { atr: ATR.to_vec(), apps: Vec::new(), mf_data: Default::default() };
        let mut twin = VirtualCard::new(image.clone(), Profile::default());
        let (l, addr) = vpcd();
        let card = Arc::new(Mutex::new(VirtualCard::new(image, Profile::default())));
        let stop = Arc::new(AtomicBool::new(false));
        let (c, st) = (card.clone(), stop.clone());
        let t = std::thread::spawn(move || serve(addr, c, st, fast()));
        let mut s = accept(&l);
        send(&mut s, &[CTRL_ATR]);
        assert_eq!(recv(&mut s), ATR.to_vec());
        send(&mut s, &[CTRL_POWER_ON]);
        let apdu = [0x00, 0x42, 0x00, 0x00];
        send(&mut s, &apdu);
        let expected = match twin.process(&apdu) {
            Reply::Bytes(b) => b,
            other => panic!("unexpected {other:?}"),
        };
        assert_eq!(recv(&mut s), expected);
        stop.store(true, Ordering::SeqCst);
        t.join().unwrap().unwrap();
    }
}
