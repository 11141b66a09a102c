//! The card session: one APDU exchange with `61 xx` / `6C xx` handled for every command,
//! SELECTs, and file reads with the fewest round trips (extended Le where it is known to
//! work, falling back to short reads for the rest of the session).
//!
//! Exclusivity is a type: [`Exclusive`] holds the guard returned by
//! [`Transport::exclusive`] and hands out [`Session`]s inside the transaction. Operations
//! that must not be interleaved with another client (VERIFY → SIGN) take an [`Exclusive`].

use zeroize::{Zeroize, Zeroizing};

use crate::apdu::{Command, LengthForm, Response, StatusWord, EXTENDED_MAX_LE, SHORT_MAX_LE};
use crate::transport::{Transport, TransportError};

use super::error::CardError;

/// Largest response (with its `61 xx` continuations) and largest file the session accepts.
pub const MAX_RESPONSE: usize = 64 * 1024;
/// Most GET RESPONSE rounds for one command.
pub const MAX_GET_RESPONSE_ROUNDS: usize = 300;
/// Highest offset READ BINARY can address (15 bits).
const MAX_OFFSET: usize = 0x7FFF;

/// Which length form file reads use.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LengthMode {
    /// Extended Le when the reader is known to pass it (`ReaderInfo::extended_length ==
    /// Some(true)`), short otherwise.
    #[default]
    Auto,
    /// Short APDUs only.
    Short,
    /// Try extended Le whatever the reader says (still falling back on error).
    Extended,
}

/// What the session remembers between operations: the length mode, what the reader says
/// about extended length, and whether an extended read already failed.
#[derive(Clone, Debug, Default)]
pub struct LinkState {
    mode: LengthMode,
    reader_extended: Option<bool>,
    extended_failed: bool,
}

impl LinkState {
    /// State for a reader that reports `reader_extended` about extended APDUs.
    pub fn new(mode: LengthMode, reader_extended: Option<bool>) -> Self {
        LinkState { mode, reader_extended, extended_failed: false }
    }

    /// Whether file reads currently use extended Le.
    pub fn extended_in_use(&self) -> bool {
        !self.extended_failed
            && match self.mode {
                LengthMode::Auto => self.reader_extended == Some(true),
                LengthMode::Short => false,
                LengthMode::Extended => true,
            }
    }

    /// Whether an extended read failed and the session fell back to short reads.
    pub fn extended_failed(&self) -> bool {
        self.extended_failed
    }
}

/// How the size of a file is found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileShape {
    /// A BER-TLV (a DER certificate, `FF 20 …`): the header of the first chunk tells the
    /// size and anything after it is padding. A file without a usable header is read to its
    /// end (bounded by [`MAX_RESPONSE`]).
    Tlv,
    /// Exactly this many bytes from offset 0; a shorter file is an error.
    Exact(usize),
    /// At most this many bytes from offset 0; a shorter file is fine.
    UpTo(usize),
}

/// Holds the card exclusively (a PC/SC transaction) for its lifetime.
pub struct Exclusive<'c> {
    guard: Box<dyn Transport + 'c>,
    state: &'c mut LinkState,
}

impl<'c> Exclusive<'c> {
    /// Begin the transaction.
    pub fn begin(
        transport: &'c mut dyn Transport,
        state: &'c mut LinkState,
    ) -> Result<Self, CardError> {
        let guard = transport.exclusive()?;
        Ok(Exclusive { guard, state })
    }

    /// A session inside the transaction.
    pub fn session(&mut self) -> Session<'_> {
        Session { transport: &mut *self.guard, state: &mut *self.state }
    }
}

/// Exchanges APDUs with the card.
pub struct Session<'s> {
    transport: &'s mut dyn Transport,
    state: &'s mut LinkState,
}

/// What one READ BINARY returned.
struct Chunk {
    data: Vec<u8>,
    /// The card said the file ends here.
    end: bool,
}

/// What a TLV header tells about the size of a file.
enum Header {
    Total(usize),
    NeedMore,
    NotTlv,
}

fn command_name(cmd: &Command) -> &'static str {
    use crate::apdu::Ins;
    match cmd.ins {
        Ins::Select => "SELECT",
        Ins::ReadBinary => "READ BINARY",
        Ins::Verify => "VERIFY",
        Ins::ChangeReferenceData => "CHANGE REFERENCE DATA",
        Ins::ComputeDigitalSignature => "COMPUTE DIGITAL SIGNATURE",
        Ins::GetResponse => "GET RESPONSE",
        Ins::GetChallenge => "GET CHALLENGE",
        Ins::GetData => "GET DATA",
        Ins::Other(_) => "a command",
    }
}

fn le_of(n: u8) -> usize {
    if n == 0 {
        256
    } else {
        usize::from(n)
    }
}

/// Size of the BER-TLV at the start of `buf`, header included.
fn tlv_total(buf: &[u8]) -> Header {
    match buf {
        [] => Header::NeedMore,
        // Not a tag: an unwritten (zero or FF-filled) file.
        [0x00, ..] | [0xFF, 0xFF, ..] => Header::NotTlv,
        _ => match crate::tlv::declared_size(buf) {
            Ok(Some(total)) => Header::Total(total),
            Ok(None) => Header::NeedMore,
            Err(_) => Header::NotTlv,
        },
    }
}

/// Transport errors after which a short read is worth trying instead of an extended one.
fn extended_may_be_at_fault(err: &CardError) -> bool {
    match err {
        CardError::Transport(t) => matches!(
            t,
            TransportError::Malformed(_)
                | TransportError::Pcsc(_)
                | TransportError::Mute
                | TransportError::Io(_)
        ),
        CardError::Malformed(_)
        | CardError::TooLong { .. }
        | CardError::TooManyRounds(_)
        | CardError::Apdu(_) => true,
        _ => false,
    }
}

impl<'s> Session<'s> {
    /// A session over a transport without a transaction (for tests and single reads).
    pub fn new(transport: &'s mut dyn Transport, state: &'s mut LinkState) -> Self {
        Session { transport, state }
    }

    /// Warm-reset the card. It does not clear the security state: real cards keep a
    /// verification across it (measured by one peer library, \[C\]).
    pub fn reset(&mut self) -> Result<(), CardError> {
        Ok(self.transport.reset()?)
    }

    /// The remembered link state.
    pub fn state(&self) -> &LinkState {
        self.state
    }

    /// Run `f` on the transport inside this session (reader control requests: the PIN pad).
    pub fn with_transport<R>(&mut self, f: impl FnOnce(&mut dyn Transport) -> R) -> R {
        f(&mut *self.transport)
    }

    fn exchange(&mut self, cmd: &Command, form: LengthForm) -> Result<Response, CardError> {
        let bytes = Zeroizing::new(cmd.encode(form)?);
        let raw = self.transport.transmit(&bytes)?;
        Response::parse(&raw)
            .map_err(|e| CardError::Malformed(format!("response to {}: {e}", command_name(cmd))))
    }

    /// Send one command and return its whole answer: `6C xx` resends it once with Le = xx,
    /// `61 xx` is followed by GET RESPONSE until the card is done (at most
    /// [`MAX_GET_RESPONSE_ROUNDS`] rounds and [`MAX_RESPONSE`] bytes).
    pub fn apdu(&mut self, cmd: &Command) -> Result<Response, CardError> {
        self.apdu_in(cmd, cmd.natural_form())
    }

    fn apdu_in(&mut self, cmd: &Command, form: LengthForm) -> Result<Response, CardError> {
        let mut resp = self.exchange_fixing_le(cmd, form)?;
        let mut data = std::mem::take(&mut resp.data);
        let mut sw = resp.sw;
        let mut rounds = 0;
        while let StatusWord::BytesRemaining(n) = sw {
            rounds += 1;
            if rounds > MAX_GET_RESPONSE_ROUNDS {
                return Err(CardError::TooManyRounds(MAX_GET_RESPONSE_ROUNDS));
            }
            let get = Command::get_response(le_of(n));
            let more = self.exchange_fixing_le(&get, LengthForm::Short)?;
            let [sw1, _] = more.sw.to_bytes();
            if more.data.is_empty() && !matches!(sw1, 0x61..=0x63 | 0x90) {
                // The GET RESPONSE itself failed (e.g. `69 85`: nothing to fetch): that is
                // not the answer of the command it continues.
                return Err(CardError::Unexpected { command: "GET RESPONSE", sw: more.sw });
            }
            data.extend_from_slice(&more.data);
            let mut more = more;
            more.data.zeroize();
            if data.len() > MAX_RESPONSE {
                return Err(CardError::TooLong {
                    what: "the card's response",
                    limit: MAX_RESPONSE,
                });
            }
            sw = more.sw;
        }
        if data.len() > MAX_RESPONSE {
            return Err(CardError::TooLong { what: "the card's response", limit: MAX_RESPONSE });
        }
        Ok(Response::new(data, sw))
    }

    fn exchange_fixing_le(
        &mut self,
        cmd: &Command,
        form: LengthForm,
    ) -> Result<Response, CardError> {
        let resp = self.exchange(cmd, form)?;
        if let StatusWord::WrongLe(n) = resp.sw {
            let mut again = cmd.clone();
            again.le = Some(le_of(n));
            let form = again.natural_form();
            return self.exchange(&again, form);
        }
        Ok(resp)
    }

    /// SELECT an application by AID. `Ok(false)` when the card has no such application
    /// (`6A 82`). A SELECT answered `6F 00` is sent once more: one source reports that the
    /// first command after the card was powered off gets `6F 00` (\[C\]); a SELECT changes
    /// nothing when repeated (unlike a VERIFY, which is never repeated).
    pub fn select_aid(&mut self, aid: &[u8]) -> Result<bool, CardError> {
        let cmd = Command::select_aid(aid);
        let mut resp = self.apdu(&cmd)?;
        if resp.sw == StatusWord::NoPreciseDiagnosis {
            resp = self.apdu(&cmd)?;
        }
        match resp.sw {
            StatusWord::Success => Ok(true),
            StatusWord::FileNotFound => Ok(false),
            sw => Err(CardError::Unexpected { command: "SELECT application", sw }),
        }
    }

    /// SELECT an elementary file of the current application.
    pub fn select_ef(&mut self, fid: u16) -> Result<(), CardError> {
        let resp = self.apdu(&Command::select_ef(fid))?;
        match resp.sw {
            StatusWord::Success => Ok(()),
            StatusWord::FileNotFound => Err(CardError::FileNotFound(fid)),
            sw => Err(CardError::Unexpected { command: "SELECT EF", sw }),
        }
    }

    /// SELECT an elementary file and read it (see [`Session::read_current`]).
    pub fn read_file(&mut self, fid: u16, shape: FileShape) -> Result<Vec<u8>, CardError> {
        self.select_ef(fid)?;
        self.read_current(shape)
    }

    /// Read the currently selected EF with the fewest READ BINARY commands: one extended read
    /// (when in use), or 256-byte short reads where the first chunk's TLV header tells how
    /// many more are needed. Padding after the TLV is cut off.
    pub fn read_current(&mut self, shape: FileShape) -> Result<Vec<u8>, CardError> {
        let mut out: Vec<u8> = Vec::new();
        let (mut target, at_most) = match shape {
            FileShape::Exact(n) | FileShape::UpTo(n) if n > MAX_RESPONSE => {
                return Err(CardError::TooLong { what: "the file", limit: MAX_RESPONSE })
            }
            FileShape::Exact(n) => (Some(n), false),
            FileShape::UpTo(n) => (Some(n), true),
            FileShape::Tlv => (None, false),
        };
        let mut to_end = false;
        loop {
            let remaining = target.unwrap_or(MAX_RESPONSE).saturating_sub(out.len());
            if remaining == 0 && target.is_none() {
                // Read to the end and still not there.
                return Err(CardError::TooLong { what: "the file", limit: MAX_RESPONSE });
            }
            if remaining == 0 {
                break;
            }
            if out.len() > MAX_OFFSET {
                return Err(CardError::TooLong {
                    what: "the file (READ BINARY offsets end at 32767)",
                    limit: MAX_OFFSET + 1,
                });
            }
            let chunk =
                self.read_chunk(out.len(), remaining, at_most || to_end || target.is_none())?;
            let empty = chunk.data.is_empty();
            let end = chunk.end;
            out.extend_from_slice(&chunk.data);
            // File contents may be personal data (the My Number): leave no stray copies.
            let mut chunk_data = chunk.data;
            chunk_data.zeroize();
            if target.is_none() && !to_end {
                match tlv_total(&out) {
                    Header::Total(total) if total > MAX_RESPONSE => {
                        return Err(CardError::TooLong { what: "the file", limit: MAX_RESPONSE });
                    }
                    Header::Total(total) => target = Some(total),
                    Header::NeedMore => {}
                    Header::NotTlv => to_end = true,
                }
            }
            if end || empty {
                break;
            }
        }
        if let Some(total) = target {
            if out.len() < total && !at_most {
                return Err(CardError::Malformed(format!(
                    "the file ends after {} bytes, its header says {total}",
                    out.len()
                )));
            }
            out.truncate(total);
        }
        Ok(out)
    }

    /// One READ BINARY of up to `max` bytes at `offset`, extended when in use (falling back to
    /// short on failure). `open_ended`: a chunk shorter than asked means the end of the file.
    fn read_chunk(
        &mut self,
        offset: usize,
        max: usize,
        open_ended: bool,
    ) -> Result<Chunk, CardError> {
        let short_le = max.min(SHORT_MAX_LE);
        if self.state.extended_in_use() && max > SHORT_MAX_LE {
            let le = max.min(EXTENDED_MAX_LE);
            match self.read_once(offset, le, LengthForm::Extended, open_ended) {
                Ok(chunk) => return Ok(chunk),
                Err(err) if extended_may_be_at_fault(&err) => {
                    self.state.extended_failed = true;
                }
                Err(CardError::Unexpected { .. } | CardError::SecurityStatus { .. }) => {
                    // Any error status: try short. Remember the failure only when the short
                    // read works, i.e. when the length form was at fault.
                    let chunk = self.read_once(offset, short_le, LengthForm::Short, open_ended)?;
                    self.state.extended_failed = true;
                    return Ok(chunk);
                }
                Err(err) => return Err(err),
            }
        }
        self.read_once(offset, short_le, LengthForm::Short, open_ended)
    }

    fn read_once(
        &mut self,
        offset: usize,
        le: usize,
        form: LengthForm,
        open_ended: bool,
    ) -> Result<Chunk, CardError> {
        let offset16 = u16::try_from(offset)
            .map_err(|_| CardError::TooLong { what: "the file", limit: MAX_OFFSET + 1 })?;
        let cmd = Command::read_binary(offset16, le);
        let resp = self.apdu_in(&cmd, form)?;
        if resp.data.len() > le {
            return Err(CardError::Malformed(format!(
                "READ BINARY returned {} bytes, {le} were asked for",
                resp.data.len()
            )));
        }
        match resp.sw {
            StatusWord::Success => {
                let end = open_ended && resp.data.len() < le;
                Ok(Chunk { data: resp.data.to_vec(), end })
            }
            StatusWord::EndOfFile => Ok(Chunk { data: resp.data.to_vec(), end: true }),
            // Offset at or past the end of the file.
            StatusWord::WrongP1P2 | StatusWord::IncorrectP1P2
                if offset > 0 && resp.data.is_empty() =>
            {
                Ok(Chunk { data: Vec::new(), end: true })
            }
            StatusWord::SecurityStatusNotSatisfied => {
                Err(CardError::SecurityStatus { what: "to read the file" })
            }
            sw => Err(CardError::Unexpected { command: "READ BINARY", sw }),
        }
    }
}
