//! The tracing wrapper: [`TraceTransport`] wraps any [`Transport`] and writes one line per
//! direction of every exchange to a file or any `Write`, with the data of VERIFY and CHANGE
//! REFERENCE DATA replaced by `**`, so a trace can be shared without leaking a PIN, and the
//! answers that hold personal data replaced by their length, so it can be shared without
//! leaking the holder's My Number, name, address, birth date or sex.
//!
//! Personal data ([`PersonalData`] follows the card's selection to know): every answer of
//! the text application (`D3 92 10 00 31 00 01 01 04 08`: My Number and the four facts) and
//! of the card-face application (`… 04 02`: the same facts, photo and images); in the JPKI
//! application, the answers to READ BINARY of EF 0001, the signature certificate, whose
//! subjectAltName holds the name, address, birth date and sex (the AIDs and file identifiers
//! are named in `src/facts.rs`). GET RESPONSE answers
//! continuing a hidden answer are hidden too. Where the selection is not known — before the
//! first SELECT (a previous process may have left any application selected: a warm reset or
//! a reconnect keeps it), after a reset, after a SELECT whose effect cannot be told —
//! every answer with data is hidden until a SELECT by AID settles it.
//!
//! Format (one line each, flushed as written):
//!
//! ```text
//! > 00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01
//! < 90 00 (0.8 ms)
//! > 00 20 00 80 04 **
//! < 63 C2 (1.1 ms)
//! < error: the card was removed during the operation: put it back and try again (0.2 ms)
//! # begin exclusive
//! # end exclusive
//! # reset
//! # disconnect unpower
//! > CONTROL 42330006 1E 1E 82 00 00 04 04 03 01 09 04 00 00 00 00 05 00 00 00 00 20 00 80 00
//! < 90 00 (2514.0 ms)
//! ```
//!
//! `CONTROL` lines are reader control requests (`SCardControl`): the code in hex, then the
//! input. A PIN-pad verification's input is the structure and the VERIFY template without the
//! PIN (the reader inserts the digits typed on its pad), so it is written as it is.
//!
//! Command lines keep the header, the Lc field and any Le field of a secret-carrying command;
//! only its data becomes `**`. A secret-carrying command that does not parse as an APDU keeps
//! only its four header bytes. Failing to write the trace fails the exchange with
//! [`TransportError::Io`]: a trace asked for is never silently incomplete.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use super::{Disposition, ReaderInfo, Transport, TransportError};
use crate::apdu::{Command, Ins, LengthForm};

/// A transport that records every exchange.
pub struct TraceTransport<T: Transport> {
    inner: T,
    sink: Sink,
}

/// Where trace lines go, and what the trace knows of the card's state.
struct Sink {
    out: Box<dyn Write + Send>,
    timing: bool,
    /// What is selected on the card, to know which answers hold personal data.
    personal: PersonalData,
}

/// The application selected on the card, as far as the commands seen tell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum App {
    /// Not known: every answer with data is personal.
    Unknown,
    /// The text or card-face application: every answer is personal.
    Personal,
    /// The JPKI application, with the current EF if known (`None`: none selected yet, or
    /// not known).
    Jpki(Option<u16>),
    /// Another application (the GlobalPlatform ISD, an unknown AID): nothing personal.
    Other,
}

/// Follows SELECTs through a stream of commands and answers to tell which answers hold
/// personal data (see the module documentation). Call [`PersonalData::hides`] before
/// sending a command and [`PersonalData::answered`] with its status word afterwards.
#[derive(Clone, Debug)]
pub struct PersonalData {
    app: App,
    /// The last answer was hidden (a GET RESPONSE continues it).
    last_hidden: bool,
}

impl Default for PersonalData {
    fn default() -> Self {
        PersonalData { app: App::Unknown, last_hidden: false }
    }
}

/// Whether `a` and `b` could name the same application: one is a prefix of the other (a
/// card may select by a partial AID).
fn aid_overlaps(a: &[u8], b: &[u8]) -> bool {
    !a.is_empty() && (a.starts_with(b) || b.starts_with(a))
}

impl PersonalData {
    /// A tracker that knows nothing yet (every answer with data hidden until a SELECT by
    /// AID).
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether the answer to `command` must be hidden (given what is selected now).
    pub fn hides(&self, command: &[u8]) -> bool {
        let (cla, ins, p1) = match command {
            [cla, ins, p1, ..] => (*cla, *ins, *p1),
            _ => return !matches!(self.app, App::Other | App::Jpki(_)),
        };
        if ins == Ins::GetResponse.code() && self.last_hidden {
            return true;
        }
        // Interindustry READ BINARY (B0, or B1 with an offset object).
        let read_binary = cla & 0x80 == 0 && (ins == 0xB0 || ins == 0xB1);
        match self.app {
            App::Unknown | App::Personal => true,
            App::Other => false,
            // B0 with bit 8 of P1 set names the file by short identifier, whose mapping is
            // not known here: hide it.
            App::Jpki(ef) => {
                let by_short_id = ins == 0xB0 && p1 & 0x80 != 0;
                read_binary
                    && (by_short_id || ef.is_none_or(|f| f == crate::facts::jpki::EF_SIGN_CERT))
            }
        }
    }

    /// Record the answer to `command` (its status word, or `None` when the exchange failed).
    pub fn answered(&mut self, command: &[u8], hidden: bool, sw: Option<[u8; 2]>) {
        self.last_hidden = hidden;
        let Some(sw) = sw else {
            // The card may or may not have acted on it.
            if command.get(1) == Some(&Ins::Select.code()) {
                self.app = App::Unknown;
            }
            return;
        };
        let ok = sw == [0x90, 0x00] || sw[0] == 0x61;
        let is_select = command.get(1) == Some(&Ins::Select.code()) && command.len() >= 4;
        if is_select && ok {
            self.app = self.after_select(command);
        } else if let (App::Jpki(_), Some(&ins), Some(&p1)) =
            (self.app, command.get(1), command.get(2))
        {
            // READ BINARY by short identifier makes that file current.
            if ins == 0xB0 && p1 & 0x80 != 0 && ok {
                self.app = App::Jpki(None);
            }
        }
    }

    /// The application after a successful SELECT.
    fn after_select(&self, command: &[u8]) -> App {
        let Ok((cmd, _)) = Command::parse(command) else {
            return App::Unknown;
        };
        let data: &[u8] = &cmd.data;
        match cmd.p1 {
            0x04 => {
                let personal = [crate::facts::AID_TEXT, crate::facts::AID_VISUAL];
                if personal.iter().any(|aid| aid_overlaps(data, aid)) {
                    App::Personal
                } else if aid_overlaps(data, &crate::facts::AID_JPKI) {
                    App::Jpki(None)
                } else {
                    App::Other
                }
            }
            // An EF of the current DF by identifier (P1 02; or 00 with a file identifier
            // other than the MF's 3F00).
            0x00 | 0x02 if data.len() == 2 && data != [0x3F, 0x00] => match self.app {
                App::Jpki(_) => App::Jpki(<[u8; 2]>::try_from(data).ok().map(u16::from_be_bytes)),
                other => other,
            },
            // The MF, a DF by identifier, a path, the parent: where that leaves the card is
            // not known here.
            _ => App::Unknown,
        }
    }
}

impl<T: Transport> std::fmt::Debug for TraceTransport<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TraceTransport").field("info", &self.inner.info()).finish_non_exhaustive()
    }
}

impl<T: Transport> TraceTransport<T> {
    /// Trace `inner` to `out`.
    pub fn new(inner: T, out: impl Write + Send + 'static) -> Self {
        TraceTransport {
            inner,
            sink: Sink { out: Box::new(out), timing: true, personal: PersonalData::new() },
        }
    }

    /// Trace `inner` to a new file at `path` (truncated if it exists).
    pub fn to_file(inner: T, path: &Path) -> Result<Self, TransportError> {
        let file = File::create(path).map_err(|e| {
            TransportError::Io(std::io::Error::new(
                e.kind(),
                format!("cannot create trace file {}: {e}", path.display()),
            ))
        })?;
        Ok(TraceTransport::new(inner, BufWriter::new(file)))
    }

    /// Leave out the timings (for reproducible traces).
    pub fn without_timing(mut self) -> Self {
        self.sink.timing = false;
        self
    }

    /// The wrapped transport.
    pub fn into_inner(self) -> T {
        self.inner
    }
}

/// Bytes as uppercase hex pairs separated by spaces.
fn spaced_hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 3);
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 {
            s.push(' ');
        }
        s.push_str(&format!("{b:02X}"));
    }
    s
}

/// The trace line of a command, secrets redacted.
pub fn command_line(command: &[u8]) -> String {
    let secret = command.get(1).is_some_and(|&ins| Ins::from(ins).carries_secret());
    if !secret || command.len() <= 4 {
        return format!("> {}", spaced_hex(command));
    }
    let header = command.get(..4).unwrap_or_default();
    match Command::parse(command) {
        Ok((cmd, form)) if !cmd.data.is_empty() => {
            let lc: Vec<u8> = match form {
                LengthForm::Short => vec![cmd.data.len() as u8],
                LengthForm::Extended => {
                    let [hi, lo] = (cmd.data.len() as u16).to_be_bytes();
                    vec![0, hi, lo]
                }
            };
            let le_len = command.len().saturating_sub(4 + lc.len() + cmd.data.len());
            let le = command.get(command.len() - le_len..).unwrap_or_default();
            let mut line = format!("> {} {} **", spaced_hex(header), spaced_hex(&lc));
            if !le.is_empty() {
                line.push(' ');
                line.push_str(&spaced_hex(le));
            }
            line
        }
        // A secret-carrying command without data (retry-counter query) holds no secret.
        Ok(_) => format!("> {}", spaced_hex(command)),
        Err(_) => format!("> {} **", spaced_hex(header)),
    }
}

fn elapsed_suffix(timing: bool, elapsed: Duration) -> String {
    if timing {
        format!(" ({:.1} ms)", elapsed.as_secs_f64() * 1000.0)
    } else {
        String::new()
    }
}

fn write_line(out: &mut (dyn Write + Send), line: &str) -> Result<(), TransportError> {
    writeln!(out, "{line}")?;
    out.flush()?;
    Ok(())
}

fn traced_transmit(
    inner: &mut dyn Transport,
    sink: &mut Sink,
    command: &[u8],
) -> Result<Vec<u8>, TransportError> {
    write_line(&mut *sink.out, &command_line(command))?;
    let start = Instant::now();
    let result = inner.transmit(command);
    let took = elapsed_suffix(sink.timing, start.elapsed());
    let hide = sink.personal.hides(command);
    let sw = match &result {
        Ok(bytes) => bytes.len().checked_sub(2).and_then(|at| bytes.get(at..)),
        Err(_) => None,
    };
    let sw = sw.and_then(|s| <[u8; 2]>::try_from(s).ok());
    sink.personal.answered(command, hide, sw);
    match &result {
        Ok(bytes) if hide && bytes.len() > 2 => {
            let (data, sw) = bytes.split_at(bytes.len() - 2);
            let line =
                format!("< ** ({} bytes of personal data) {}{took}", data.len(), spaced_hex(sw));
            write_line(&mut *sink.out, &line)?
        }
        Ok(bytes) => write_line(&mut *sink.out, &format!("< {}{took}", spaced_hex(bytes)))?,
        Err(e) => write_line(&mut *sink.out, &format!("< error: {e}{took}"))?,
    }
    result
}

fn traced_control(
    inner: &mut dyn Transport,
    sink: &mut Sink,
    code: u32,
    input: &[u8],
) -> Result<Vec<u8>, TransportError> {
    let line = if input.is_empty() {
        format!("> CONTROL {code:08X}")
    } else {
        format!("> CONTROL {code:08X} {}", spaced_hex(input))
    };
    write_line(&mut *sink.out, &line)?;
    let start = Instant::now();
    let result = inner.control(code, input);
    let took = elapsed_suffix(sink.timing, start.elapsed());
    match &result {
        Ok(bytes) => write_line(&mut *sink.out, &format!("< {}{took}", spaced_hex(bytes)))?,
        Err(e) => write_line(&mut *sink.out, &format!("< error: {e}{took}"))?,
    }
    result
}

fn traced_reset(inner: &mut dyn Transport, sink: &mut Sink) -> Result<(), TransportError> {
    let result = inner.reset();
    match &result {
        Ok(()) => {
            // A warm reset may keep the application selected: start over.
            sink.personal = PersonalData::new();
            write_line(&mut *sink.out, "# reset")?
        }
        Err(e) => write_line(&mut *sink.out, &format!("# reset failed: {e}"))?,
    }
    result
}

fn traced_disconnect(
    inner: &mut dyn Transport,
    sink: &mut Sink,
    disposition: Disposition,
) -> Result<(), TransportError> {
    let result = inner.disconnect(disposition);
    let name = disposition.name();
    match &result {
        Ok(()) => {
            sink.personal = PersonalData::new();
            write_line(&mut *sink.out, &format!("# disconnect {name}"))?
        }
        Err(e) => write_line(&mut *sink.out, &format!("# disconnect {name} failed: {e}"))?,
    }
    result
}

fn traced_exclusive<'a>(
    inner: &'a mut dyn Transport,
    sink: &'a mut Sink,
) -> Result<Box<dyn Transport + 'a>, TransportError> {
    match inner.exclusive() {
        Ok(guard) => {
            write_line(&mut *sink.out, "# begin exclusive")?;
            Ok(Box::new(TraceGuard { inner: guard, sink }))
        }
        Err(e) => {
            write_line(&mut *sink.out, &format!("# exclusive failed: {e}"))?;
            Err(e)
        }
    }
}

impl<T: Transport> Transport for TraceTransport<T> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        traced_transmit(&mut self.inner, &mut self.sink, command)
    }

    fn exclusive(&mut self) -> Result<Box<dyn Transport + '_>, TransportError> {
        traced_exclusive(&mut self.inner, &mut self.sink)
    }

    fn reset(&mut self) -> Result<(), TransportError> {
        traced_reset(&mut self.inner, &mut self.sink)
    }

    fn disconnect(&mut self, disposition: Disposition) -> Result<(), TransportError> {
        traced_disconnect(&mut self.inner, &mut self.sink, disposition)
    }

    fn info(&self) -> ReaderInfo {
        self.inner.info()
    }

    fn control(&mut self, code: u32, input: &[u8]) -> Result<Vec<u8>, TransportError> {
        traced_control(&mut self.inner, &mut self.sink, code, input)
    }
}

/// The traced form of an exclusive guard; writes `# end exclusive` when dropped.
struct TraceGuard<'a> {
    inner: Box<dyn Transport + 'a>,
    sink: &'a mut Sink,
}

impl Transport for TraceGuard<'_> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        traced_transmit(&mut *self.inner, self.sink, command)
    }

    fn exclusive(&mut self) -> Result<Box<dyn Transport + '_>, TransportError> {
        traced_exclusive(&mut *self.inner, self.sink)
    }

    fn reset(&mut self) -> Result<(), TransportError> {
        traced_reset(&mut *self.inner, self.sink)
    }

    fn disconnect(&mut self, disposition: Disposition) -> Result<(), TransportError> {
        traced_disconnect(&mut *self.inner, self.sink, disposition)
    }

    fn info(&self) -> ReaderInfo {
        self.inner.info()
    }

    fn control(&mut self, code: u32, input: &[u8]) -> Result<Vec<u8>, TransportError> {
        traced_control(&mut *self.inner, self.sink, code, input)
    }
}

impl Drop for TraceGuard<'_> {
    fn drop(&mut self) {
        // Nothing can be reported from a drop; a broken trace file already failed the
        // exchanges before this.
        let _ = write_line(&mut *self.sink.out, "# end exclusive");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::VecDeque;
    use std::sync::{Arc, Mutex};

    /// A `Write` whose bytes tests can read back.
    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().map_err(|_| std::io::Error::other("poisoned"))?.extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Shared {
        fn text(&self) -> String {
            String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
        }
    }

    /// A transport answering from a script and recording what it was sent.
    #[derive(Default)]
    struct Scripted {
        answers: VecDeque<Result<Vec<u8>, TransportError>>,
        sent: Vec<Vec<u8>>,
        controls: Vec<(u32, Vec<u8>)>,
        resets: usize,
        fail_exclusive: bool,
        disconnects: Vec<Disposition>,
    }

    impl Transport for Scripted {
        fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
            self.sent.push(command.to_vec());
            self.answers.pop_front().unwrap_or(Ok(vec![0x6F, 0x00]))
        }
        fn exclusive(&mut self) -> Result<Box<dyn Transport + '_>, TransportError> {
            if self.fail_exclusive {
                return Err(TransportError::CardInUse);
            }
            Ok(Box::new(&mut *self))
        }
        fn reset(&mut self) -> Result<(), TransportError> {
            self.resets += 1;
            if self.resets > 1 {
                return Err(TransportError::CardRemoved);
            }
            Ok(())
        }
        fn disconnect(&mut self, disposition: Disposition) -> Result<(), TransportError> {
            self.disconnects.push(disposition);
            if self.disconnects.len() > 1 {
                return Err(TransportError::ReaderGone { reader: "scripted".into() });
            }
            Ok(())
        }
        fn info(&self) -> ReaderInfo {
            ReaderInfo { name: "scripted".into(), atr: vec![0x3B], extended_length: None }
        }
        fn control(&mut self, code: u32, input: &[u8]) -> Result<Vec<u8>, TransportError> {
            self.controls.push((code, input.to_vec()));
            self.answers.pop_front().unwrap_or(Err(TransportError::NoControl))
        }
    }

    impl Transport for &mut Scripted {
        fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
            (**self).transmit(command)
        }
        fn exclusive(&mut self) -> Result<Box<dyn Transport + '_>, TransportError> {
            (**self).exclusive()
        }
        fn reset(&mut self) -> Result<(), TransportError> {
            (**self).reset()
        }
        fn info(&self) -> ReaderInfo {
            (**self).info()
        }
        fn control(&mut self, code: u32, input: &[u8]) -> Result<Vec<u8>, TransportError> {
            (**self).control(code, input)
        }
    }

    fn scripted(answers: Vec<Result<Vec<u8>, TransportError>>) -> Scripted {
        Scripted { answers: answers.into(), ..Scripted::default() }
    }

    #[test]
    fn records_the_disconnect_and_its_disposition() {
        let buf = Shared::default();
        let mut t = TraceTransport::new(scripted(Vec::new()), buf.clone()).without_timing();
        t.disconnect(Disposition::Unpower).unwrap();
        assert!(t.disconnect(Disposition::Leave).is_err());
        {
            // A guard cannot disconnect; the trace says so.
            let mut guard = t.exclusive().unwrap();
            assert!(matches!(
                guard.disconnect(Disposition::Reset),
                Err(TransportError::CannotDisconnect)
            ));
        }
        assert_eq!(t.inner.disconnects, [Disposition::Unpower, Disposition::Leave]);
        assert_eq!(
            buf.text(),
            "# disconnect unpower\n\
             # disconnect leave failed: the reader \"scripted\" is no longer available (unplugged?)\n\
             # begin exclusive\n\
             # disconnect reset failed: cannot close the connection to the card from inside an exclusive transaction\n\
             # end exclusive\n"
        );
    }

    #[test]
    fn pins_the_lines() {
        let buf = Shared::default();
        let card = scripted(vec![
            Ok(vec![0x90, 0x00]),
            Ok(vec![0x90, 0x00]),
            Ok(vec![0x30, 0x82, 0x06, 0xDE, 0x90, 0x00]),
            Err(TransportError::CardRemoved),
        ]);
        let mut t = TraceTransport::new(card, buf.clone()).without_timing();
        let select = Command::select_aid(&crate::facts::AID_JPKI).to_bytes().unwrap();
        assert_eq!(t.transmit(&select).unwrap(), vec![0x90, 0x00]);
        t.transmit(&Command::select_ef(0x000A).to_bytes().unwrap()).unwrap();
        t.transmit(&[0x00, 0xB0, 0x00, 0x00, 0x04]).unwrap();
        assert!(matches!(
            t.transmit(&[0x00, 0xB0, 0x00, 0x04, 0x00]),
            Err(TransportError::CardRemoved)
        ));
        assert_eq!(
            buf.text(),
            "> 00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01\n\
             < 90 00\n\
             > 00 A4 02 0C 02 00 0A\n\
             < 90 00\n\
             > 00 B0 00 00 04\n\
             < 30 82 06 DE 90 00\n\
             > 00 B0 00 04 00\n\
             < error: the card was removed during the operation: put it back and try again\n"
        );
        // What reached the card is exactly what was given.
        let inner = t.into_inner();
        assert_eq!(inner.sent[0], select);
    }

    #[test]
    fn personal_data_of_the_text_application_is_never_traced() {
        let buf = Shared::default();
        let my_number = b"\xFF\x10\x0C123456789018".to_vec();
        let mut answer = my_number.clone();
        answer.extend_from_slice(&[0x90, 0x00]);
        let card = scripted(vec![
            Ok(vec![0x90, 0x00]),
            Ok(answer),
            Ok(vec![0x90, 0x00]),
            Ok(vec![0x90, 0x00]),
            Ok(vec![0x30, 0x82, 0x90, 0x00]),
        ]);
        let mut t = TraceTransport::new(card, buf.clone()).without_timing();
        let text_ap = Command::select_aid(&crate::facts::AID_TEXT).to_bytes().unwrap();
        t.transmit(&text_ap).unwrap();
        // The caller still gets the data; only the trace hides it.
        assert_eq!(t.transmit(&[0x00, 0xB0, 0x00, 0x00, 0x11]).unwrap()[..15], my_number[..]);
        let jpki = Command::select_aid(&crate::facts::AID_JPKI).to_bytes().unwrap();
        t.transmit(&jpki).unwrap();
        t.transmit(&Command::select_ef(0x000A).to_bytes().unwrap()).unwrap();
        t.transmit(&[0x00, 0xB0, 0x00, 0x00, 0x02]).unwrap();
        let text = buf.text();
        assert!(!text.contains("31 32 33 34 35 36"), "{text}");
        assert!(text.contains("< ** (15 bytes of personal data) 90 00\n"), "{text}");
        // Back in the JPKI application, public data is traced again.
        assert!(text.ends_with("> 00 B0 00 00 02\n< 30 82 90 00\n"), "{text}");
    }

    #[test]
    fn timing_is_in_milliseconds_with_one_decimal() {
        let buf = Shared::default();
        let mut t = TraceTransport::new(scripted(vec![Ok(vec![0x90, 0x00])]), buf.clone());
        t.transmit(&[0x00, 0x84, 0x00, 0x00, 0x08]).unwrap();
        let text = buf.text();
        let mut lines = text.lines();
        assert_eq!(lines.next(), Some("> 00 84 00 00 08"));
        let answer = lines.next().unwrap();
        let timing = answer.strip_prefix("< 90 00 (").and_then(|r| r.strip_suffix(" ms)")).unwrap();
        let (whole, frac) = timing.split_once('.').unwrap();
        assert!(whole.parse::<u64>().is_ok() && frac.len() == 1, "{answer}");
    }

    #[test]
    fn pins_never_reach_the_trace() {
        let buf = Shared::default();
        let card = scripted(vec![
            Ok(vec![0x63, 0xC2]),
            Ok(vec![0x90, 0x00]),
            Ok(vec![0x90, 0x00]),
            Ok(vec![0x63, 0xC3]),
            Ok(vec![0x90, 0x00]),
        ]);
        let mut t = TraceTransport::new(card, buf.clone()).without_timing();
        t.transmit(&Command::verify(b"9876").to_bytes().unwrap()).unwrap();
        t.transmit(&Command::verify(b"MYNACARD1").to_bytes().unwrap()).unwrap();
        t.transmit(&Command::change_reference_data(b"NEWPASS42").to_bytes().unwrap()).unwrap();
        t.transmit(&Command::verify_status().to_bytes().unwrap()).unwrap();
        let extended = Command::verify(b"4321").encode(LengthForm::Extended).unwrap();
        t.transmit(&extended).unwrap();
        let text = buf.text();
        assert_eq!(
            text,
            "> 00 20 00 80 04 **\n< 63 C2\n\
             > 00 20 00 80 09 **\n< 90 00\n\
             > 00 24 01 80 09 **\n< 90 00\n\
             > 00 20 00 80\n< 63 C3\n\
             > 00 20 00 80 00 00 04 **\n< 90 00\n"
        );
        for secret in [&b"9876"[..], b"MYNACARD1", b"NEWPASS42", b"4321"] {
            assert!(!text.contains(&spaced_hex(secret)), "{text}");
            assert!(!text.contains(std::str::from_utf8(secret).unwrap()), "{text}");
        }
        // The card itself received the real PINs.
        let inner = t.into_inner();
        assert_eq!(inner.sent[0], Command::verify(b"9876").to_bytes().unwrap());
    }

    #[test]
    fn secret_commands_that_do_not_parse_keep_only_the_header() {
        // Lc says 5 but 3 data bytes follow, with any CLA.
        assert_eq!(
            command_line(&[0x80, 0x20, 0x00, 0x80, 0x05, 0x31, 0x32, 0x33]),
            "> 80 20 00 80 **"
        );
        // Case 4 with an Le keeps the Le.
        assert_eq!(
            command_line(&[0x00, 0x24, 0x01, 0x80, 0x02, 0x41, 0x42, 0x00]),
            "> 00 24 01 80 02 ** 00"
        );
        // Short frames are shown as they are.
        assert_eq!(command_line(&[0x00, 0x20]), "> 00 20");
    }

    #[test]
    fn exclusive_guards_and_resets_are_traced() {
        let buf = Shared::default();
        let mut t =
            TraceTransport::new(scripted(vec![Ok(vec![0x90, 0x00])]), buf.clone()).without_timing();
        {
            let mut guard = t.exclusive().unwrap();
            guard.transmit(&Command::verify(b"1234").to_bytes().unwrap()).unwrap();
            guard.reset().unwrap();
            assert_eq!(guard.info().name, "scripted");
        }
        assert!(matches!(t.reset(), Err(TransportError::CardRemoved)));
        assert_eq!(
            buf.text(),
            "# begin exclusive\n> 00 20 00 80 04 **\n< 90 00\n# reset\n# end exclusive\n\
             # reset failed: the card was removed during the operation: put it back and try again\n"
        );
    }

    #[test]
    fn failed_exclusive_is_traced() {
        let buf = Shared::default();
        let card = Scripted { fail_exclusive: true, ..Scripted::default() };
        let mut t = TraceTransport::new(card, buf.clone());
        assert!(matches!(t.exclusive(), Err(TransportError::CardInUse)));
        assert!(buf.text().starts_with("# exclusive failed: the card is in use"), "{}", buf.text());
    }

    struct Broken;
    impl Write for Broken {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::Error::other("disk full"))
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_broken_trace_fails_before_the_card_sees_anything() {
        let mut t = TraceTransport::new(scripted(vec![]), Broken);
        match t.transmit(&[0x00, 0xA4, 0x04, 0x0C]) {
            Err(TransportError::Io(e)) => assert!(e.to_string().contains("disk full")),
            other => panic!("unexpected {other:?}"),
        }
        assert!(t.into_inner().sent.is_empty());
    }

    #[test]
    fn trace_file_is_written_and_bad_paths_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("apdu.trace");
        {
            let mut t = TraceTransport::to_file(scripted(vec![Ok(vec![0x90, 0x00])]), &path)
                .unwrap()
                .without_timing();
            t.transmit(&[0x00, 0xA4, 0x04, 0x0C, 0x01, 0xAA]).unwrap();
        }
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "> 00 A4 04 0C 01 AA\n< 90 00\n");
        let bad = dir.path().join("no-such-dir").join("x.trace");
        match TraceTransport::to_file(scripted(vec![]), &bad) {
            Err(TransportError::Io(e)) => assert!(e.to_string().contains("no-such-dir"), "{e}"),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn control_requests_are_traced_and_forwarded() {
        let buf = Shared::default();
        let card = scripted(vec![
            Ok(vec![0x06, 0x04, 0x42, 0x33, 0x00, 0x06]),
            Ok(vec![0x63, 0xC2]),
            Err(TransportError::NoControl),
        ]);
        let mut t = TraceTransport::new(card, buf.clone()).without_timing();
        assert_eq!(t.control(0x4200_0D48, &[]).unwrap(), vec![0x06, 0x04, 0x42, 0x33, 0x00, 0x06]);
        {
            let mut guard = t.exclusive().unwrap();
            assert_eq!(guard.control(0x4233_0006, &[0x1E, 0x00, 0x20]).unwrap(), vec![0x63, 0xC2]);
            assert!(matches!(guard.control(1, &[]), Err(TransportError::NoControl)));
        }
        assert_eq!(
            buf.text(),
            "> CONTROL 42000D48\n\
             < 06 04 42 33 00 06\n\
             # begin exclusive\n\
             > CONTROL 42330006 1E 00 20\n\
             < 63 C2\n\
             > CONTROL 00000001\n\
             < error: this reader takes no control requests (SCardControl): it has no PIN pad\n\
             # end exclusive\n"
        );
        let inner = t.into_inner();
        assert_eq!(
            inner.controls,
            vec![(0x4200_0D48, vec![]), (0x4233_0006, vec![0x1E, 0x00, 0x20]), (1, vec![])]
        );
    }
    /// The trace of `exchanges` (command, answer) through a fresh tracing transport.
    fn trace_of(exchanges: &[(Vec<u8>, Vec<u8>)]) -> String {
        let buf = Shared::default();
        let card = scripted(exchanges.iter().map(|(_, a)| Ok(a.clone())).collect());
        let mut t = TraceTransport::new(card, buf.clone()).without_timing();
        for (c, _) in exchanges {
            t.transmit(c).unwrap();
        }
        buf.text()
    }

    fn ok() -> Vec<u8> {
        vec![0x90, 0x00]
    }

    fn with_sw(data: &[u8], sw: [u8; 2]) -> Vec<u8> {
        let mut v = data.to_vec();
        v.extend_from_slice(&sw);
        v
    }

    #[test]
    fn the_signature_certificate_is_personal_data() {
        let name = "番号　花子".as_bytes();
        let select = |aid: &[u8]| Command::select_aid(aid).to_bytes().unwrap();
        let ef = |fid| Command::select_ef(fid).to_bytes().unwrap();
        let text = trace_of(&[
            (select(&crate::facts::AID_JPKI), ok()),
            (ef(0x0001), ok()),
            (vec![0x00, 0xB0, 0x00, 0x00, 0x00], with_sw(name, [0x90, 0x00])),
            // Chained: the data comes in GET RESPONSE, which continues the hidden answer.
            (vec![0x00, 0xB0, 0x01, 0x00, 0x00], vec![0x61, 0x0F]),
            (vec![0x00, 0xC0, 0x00, 0x00, 0x0F], with_sw(name, [0x90, 0x00])),
            // The CA certificate next to it is public.
            (ef(0x0002), ok()),
            (vec![0x00, 0xB0, 0x00, 0x00, 0x02], with_sw(&[0x30, 0x82], [0x90, 0x00])),
            (vec![0x00, 0xB0, 0x00, 0x02, 0x00], vec![0x61, 0x02]),
            (vec![0x00, 0xC0, 0x00, 0x00, 0x02], with_sw(&[0x06, 0x34], [0x90, 0x00])),
            // A read by short file identifier could be EF 0001.
            (vec![0x00, 0xB0, 0x81, 0x00, 0x00], with_sw(name, [0x90, 0x00])),
        ]);
        assert_eq!(
            text,
            "> 00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01\n< 90 00\n\
             > 00 A4 02 0C 02 00 01\n< 90 00\n\
             > 00 B0 00 00 00\n< ** (15 bytes of personal data) 90 00\n\
             > 00 B0 01 00 00\n< 61 0F\n\
             > 00 C0 00 00 0F\n< ** (15 bytes of personal data) 90 00\n\
             > 00 A4 02 0C 02 00 02\n< 90 00\n\
             > 00 B0 00 00 02\n< 30 82 90 00\n\
             > 00 B0 00 02 00\n< 61 02\n\
             > 00 C0 00 00 02\n< 06 34 90 00\n\
             > 00 B0 81 00 00\n< ** (15 bytes of personal data) 90 00\n"
        );
    }

    #[test]
    fn the_card_face_application_is_personal_data_and_a_failed_select_changes_nothing() {
        let select = |aid: &[u8]| Command::select_aid(aid).to_bytes().unwrap();
        let text = trace_of(&[
            (select(&crate::facts::AID_VISUAL), ok()),
            (vec![0x00, 0xB0, 0x00, 0x00, 0x03], with_sw(b"199", [0x90, 0x00])),
            // An unknown AID is refused: the card-face application stays selected.
            (select(&[0xA0, 0x00, 0x00, 0x00, 0x01]), vec![0x6A, 0x82]),
            (vec![0x00, 0xCA, 0x01, 0x00, 0x02], with_sw(b"05", [0x90, 0x00])),
            // A partial AID may select the text application.
            (select(&crate::facts::AID_TEXT[..6]), ok()),
            (vec![0x00, 0xB0, 0x00, 0x00, 0x02], with_sw(b"12", [0x90, 0x00])),
            // The GlobalPlatform ISD holds nothing personal.
            (select(&[0xA0, 0x00, 0x00, 0x01, 0x51, 0x00, 0x00]), ok()),
            (vec![0x00, 0xCA, 0x00, 0x66, 0x02], with_sw(b"ab", [0x90, 0x00])),
        ]);
        let answers: Vec<&str> = text.lines().filter(|l| l.starts_with("< ")).collect();
        assert_eq!(
            answers,
            vec![
                "< 90 00",
                "< ** (3 bytes of personal data) 90 00",
                "< 6A 82",
                "< ** (2 bytes of personal data) 90 00",
                "< 90 00",
                "< ** (2 bytes of personal data) 90 00",
                "< 90 00",
                "< 61 62 90 00",
            ]
        );
    }

    #[test]
    fn before_any_select_and_after_a_reset_everything_is_hidden() {
        // A previous process may have left the text application selected.
        let text = trace_of(&[
            (vec![0x00, 0xB0, 0x00, 0x00, 0x02], with_sw(b"12", [0x90, 0x00])),
            // The MF, or a path: where the card ends up is not known.
            (Command::select_aid(&crate::facts::AID_JPKI).to_bytes().unwrap(), ok()),
            (vec![0x00, 0xA4, 0x00, 0x0C, 0x02, 0x3F, 0x00], ok()),
            (vec![0x00, 0xB0, 0x00, 0x00, 0x02], with_sw(b"34", [0x90, 0x00])),
        ]);
        let answers: Vec<&str> = text.lines().filter(|l| l.starts_with("< ")).collect();
        assert_eq!(
            answers,
            vec![
                "< ** (2 bytes of personal data) 90 00",
                "< 90 00",
                "< 90 00",
                "< ** (2 bytes of personal data) 90 00"
            ]
        );
        let buf = Shared::default();
        let card = scripted(vec![
            Ok(ok()),
            Ok(ok()),
            Ok(with_sw(b"30", [0x90, 0x00])),
            Ok(with_sw(b"30", [0x90, 0x00])),
        ]);
        let mut t = TraceTransport::new(card, buf.clone()).without_timing();
        t.transmit(&Command::select_aid(&crate::facts::AID_JPKI).to_bytes().unwrap()).unwrap();
        t.transmit(&Command::select_ef(0x000A).to_bytes().unwrap()).unwrap();
        t.transmit(&[0x00, 0xB0, 0x00, 0x00, 0x02]).unwrap();
        t.reset().unwrap();
        t.transmit(&[0x00, 0xB0, 0x00, 0x00, 0x02]).unwrap();
        assert!(
            buf.text().ends_with(
                "< 33 30 90 00\n# reset\n> 00 B0 00 00 02\n< ** (2 bytes of personal data) 90 00\n"
            ),
            "{}",
            buf.text()
        );
    }
}
