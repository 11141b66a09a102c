//! The virtual card: the card side of the APDU protocol (docs/card-facts.md) over a [`CardImage`],
//! with profile options (extended length, `61xx` chaining, `6Cxx` on short reads, latencies,
//! blocked-PIN status) and fault injection. It owns the card's volatile state (current
//! application and EF, security state, pending GET RESPONSE data), the command counters and
//! the redacted command history. Uses only the `apdu` and `facts` layers.
//!
//! Besides SELECT, READ BINARY, VERIFY, CHANGE REFERENCE DATA, COMPUTE DIGITAL SIGNATURE,
//! GET RESPONSE and GET CHALLENGE it answers GET DATA for the MF's objects of the image (no
//! application selected) and the card-key challenge `80 2A 00 00` of applications with a
//! `challenge_key`; files may open after any one of several PINs (`Access::AnyPin`).
//!
//! Persistent state (file contents, PIN values and retry counters) lives in the image and
//! survives `reset`/`power_off`; everything else is volatile.
//!
//! Security state, as measured on real cards (one source, \[C\]; README "Security state"): a
//! successful VERIFY belongs to the current application. It is kept when the same
//! application is selected again and across a warm reset (after which no application is
//! current, so an ISO select of the MF answers `6A 86`, but selecting the same application
//! finds the verification in force again); it is cleared by selecting another application or
//! the GlobalPlatform ISD, and by power-off. Only logical channel 0 exists.

use std::collections::BTreeSet;
use std::time::Duration;

use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;
use rsa::traits::PublicKeyParts;
use rsa::Pkcs1v15Sign;
use zeroize::Zeroizing;

use super::image::{Access, CardImage};
use crate::apdu::{Command, Ins, LengthForm, Response, StatusWord};

/// Longest PIN or password CHANGE REFERENCE DATA accepts.
pub const MAX_PIN_LEN: usize = 16;

/// The bytes a [`FaultKind::Garbage`] fault answers: they end in `BE EF`, a status word no
/// command of this card uses.
pub const GARBAGE_RESPONSE: [u8; 4] = [0xDE, 0xAD, 0xBE, 0xEF];

/// The history keeps at most this many entries; when full, the oldest half is dropped.
pub const HISTORY_LIMIT: usize = 65_536;

/// The single byte a [`FaultKind::Truncate`] fault answers.
pub const TRUNCATED_RESPONSE: [u8; 1] = [0x90];

/// INS of READ RECORD (the common application's card-info record).
const READ_RECORD: u8 = 0xB2;

/// What a [`FaultKind::UnexpectedMoreData`] fault answers: `61 10`, "16 more bytes", with
/// nothing to fetch (a GET RESPONSE then answers `69 85`).
pub const UNEXPECTED_MORE_DATA: [u8; 2] = [0x61, 0x10];

/// What a [`FaultKind::UnexpectedWrongLe`] fault answers: `6C 10`, "resend with Le 16",
/// whatever the command.
pub const UNEXPECTED_WRONG_LE: [u8; 2] = [0x6C, 0x10];

/// Which status a blocked PIN answers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum BlockedStatus {
    /// `63 C0`.
    #[default]
    TriesZero,
    /// `69 83`.
    AuthMethodBlocked,
    /// `69 84`.
    ReferenceDataNotUsable,
}

impl BlockedStatus {
    /// The status word this option answers.
    pub fn status_word(self) -> StatusWord {
        match self {
            BlockedStatus::TriesZero => StatusWord::TriesLeft(0),
            BlockedStatus::AuthMethodBlocked => StatusWord::AuthMethodBlocked,
            BlockedStatus::ReferenceDataNotUsable => StatusWord::ReferenceDataNotUsable,
        }
    }
}

/// What goes wrong, injected on purpose.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultKind {
    /// The card is pulled: this and every later command fails until re-inserted.
    Remove,
    /// The card stops answering.
    Mute,
    /// Random-looking bytes instead of a response.
    Garbage,
    /// A response cut to one byte (no complete status word).
    Truncate,
    /// `6F 00` instead of the real answer.
    NoPreciseDiagnosis,
    /// The command IS executed (a VERIFY verifies, a signature is computed), but its answer
    /// is lost: the card answers [`UNEXPECTED_MORE_DATA`] (`61 10`) with no data pending.
    UnexpectedMoreData,
    /// [`UNEXPECTED_WRONG_LE`] (`6C 10`, "wrong Le, use 16") whatever the command.
    UnexpectedWrongLe,
    /// The card is warm-reset just before the command, which is then executed: no
    /// application is current any more (a verification is parked, as by
    /// [`VirtualCard::reset`]). The client is not told.
    Reset,
}

impl FaultKind {
    /// Every fault kind.
    pub const ALL: [FaultKind; 8] = [
        FaultKind::Remove,
        FaultKind::Mute,
        FaultKind::Garbage,
        FaultKind::Truncate,
        FaultKind::NoPreciseDiagnosis,
        FaultKind::UnexpectedMoreData,
        FaultKind::UnexpectedWrongLe,
        FaultKind::Reset,
    ];

    /// The name `mynacard sim serve --fault N:NAME` takes.
    pub fn name(self) -> &'static str {
        match self {
            FaultKind::Remove => "remove",
            FaultKind::Mute => "mute",
            FaultKind::Garbage => "garbage",
            FaultKind::Truncate => "truncate",
            FaultKind::NoPreciseDiagnosis => "no-precise-diagnosis",
            FaultKind::UnexpectedMoreData => "more-data",
            FaultKind::UnexpectedWrongLe => "wrong-le",
            FaultKind::Reset => "reset",
        }
    }
}

/// A fault that strikes on the `at`-th command (1-based, counted since power-on).
///
/// Each fault strikes once: after it struck it stays spent, even across a power cycle, so a
/// client that recovers (re-inserts, retries) can get through. The struck command is not
/// executed (no state changes, no try spent), except by [`FaultKind::UnexpectedMoreData`]
/// and [`FaultKind::Reset`], which say otherwise.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fault {
    /// Command number.
    pub at: u64,
    /// What happens.
    pub kind: FaultKind,
}

/// How the virtual card behaves beyond its content.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Profile {
    /// Accept extended-length APDUs (otherwise they answer `67 00`).
    pub extended_length: bool,
    /// Answer every response that carries data with `61 xx`, to be fetched by GET RESPONSE.
    pub chain_responses: bool,
    /// A READ BINARY asking for more bytes than remain (Le ≤ 256) answers `6C xx` with the
    /// exact count instead of the remaining bytes and `62 82`.
    pub wrong_le_6c: bool,
    /// Status a blocked PIN answers.
    pub blocked_status: BlockedStatus,
    /// Delay added to every APDU (models the reader's link).
    pub apdu_latency: Duration,
    /// Extra delay of COMPUTE DIGITAL SIGNATURE.
    pub signature_latency: Duration,
    /// Injected faults.
    pub faults: Vec<Fault>,
    /// The first command after the card was powered off and on again answers `6F 00` and is
    /// not executed (reported of real cards by a single source, \[C\]; off by default).
    pub unpowered_6f00: bool,
}

impl Profile {
    /// A card in a contact reader: extended length passes, 5 ms per APDU, 250 ms per
    /// signature.
    pub fn contact() -> Self {
        Profile {
            extended_length: true,
            apdu_latency: Duration::from_millis(5),
            signature_latency: Duration::from_millis(250),
            ..Profile::default()
        }
    }

    /// A card on a contactless reader: short APDUs only, 20 ms per APDU, 400 ms per
    /// signature.
    pub fn contactless() -> Self {
        Profile {
            extended_length: false,
            apdu_latency: Duration::from_millis(20),
            signature_latency: Duration::from_millis(400),
            ..Profile::default()
        }
    }
}

/// What the card does with a command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reply {
    /// Response bytes (data + SW1 SW2, or garbage when a fault says so).
    Bytes(Vec<u8>),
    /// No answer at all.
    Mute,
    /// The card is no longer there.
    Removed,
}

/// Commands received since power-on, by kind (classified from the raw bytes, whether or
/// not the command succeeded or a fault struck it).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CommandCounts {
    /// SELECT by AID (`A4`, P1 `04`).
    pub select_application: u64,
    /// SELECT EF (`A4`, P1 `02`) and other SELECTs.
    pub select_file: u64,
    /// READ BINARY.
    pub read_binary: u64,
    /// File bytes returned by READ BINARY (before any `61xx` chaining).
    pub read_binary_bytes: u64,
    /// VERIFY without data (retry-counter query).
    pub verify_status: u64,
    /// VERIFY with a PIN (spends a try when wrong).
    pub verify_with_data: u64,
    /// CHANGE REFERENCE DATA.
    pub change_reference_data: u64,
    /// COMPUTE DIGITAL SIGNATURE.
    pub compute_signature: u64,
    /// Signatures actually computed.
    pub signatures: u64,
    /// GET RESPONSE.
    pub get_response: u64,
    /// GET CHALLENGE.
    pub get_challenge: u64,
    /// Anything else (unknown INS, fewer than 4 bytes).
    pub other: u64,
}

/// One processed command in the history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoryEntry {
    /// Command number since power-on (1-based).
    pub number: u64,
    /// The command as upper-case hex; for VERIFY and CHANGE REFERENCE DATA everything after
    /// the header is replaced by `**`.
    pub command: String,
    /// The status word answered, if a well-formed response was sent.
    pub sw: Option<StatusWord>,
    /// The fault that struck this command, if any.
    pub fault: Option<FaultKind>,
}

/// Response data waiting for GET RESPONSE.
struct Pending {
    data: Vec<u8>,
    /// Status word sent with the last piece.
    final_sw: StatusWord,
}

/// What is selected inside the current application.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CurrentEf {
    /// A transparent file.
    File(u16),
    /// A PIN object.
    Pin(u16),
    /// A private key object.
    Key(u16),
}

/// Volatile card state: the security part is lost when another application or the ISD is
/// selected and on power-off; a warm reset parks it (see the module documentation).
#[derive(Default)]
struct Volatile {
    /// Index of the current application in the image.
    app: Option<usize>,
    ef: Option<CurrentEf>,
    /// PIN EFs of the current application verified in this session.
    verified: BTreeSet<u16>,
    pending: Option<Pending>,
    /// After a warm reset: the application that was current and its verified PINs, in force
    /// again when that application is selected.
    parked: Option<(usize, BTreeSet<u16>)>,
}

/// A virtual My Number Card.
pub struct VirtualCard {
    image: CardImage,
    profile: Profile,
    state: Volatile,
    powered: bool,
    removed: bool,
    command_count: u64,
    counts: CommandCounts,
    history: Vec<HistoryEntry>,
    /// Which entries of `profile.faults` already struck.
    spent_faults: BTreeSet<usize>,
    rng: ChaCha20Rng,
    /// Powered off and on again, and no command seen since ([`Profile::unpowered_6f00`]).
    after_unpower: bool,
}

impl std::fmt::Debug for VirtualCard {
    // The image holds PIN values: it is left out on purpose.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let app =
            self.current_app_index().and_then(|i| self.image.apps.get(i)).map(|a| a.name.as_str());
        f.debug_struct("VirtualCard")
            .field("atr", &hex::encode_upper(&self.image.atr))
            .field("profile", &self.profile)
            .field("powered", &self.powered)
            .field("removed", &self.removed)
            .field("command_count", &self.command_count)
            .field("current_app", &app)
            .field("current_ef", &self.state.ef)
            .field("verified", &self.state.verified)
            .finish_non_exhaustive()
    }
}

/// Constant-time equality of two byte strings (time depends only on the longer length).
fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    let n = a.len().max(b.len());
    let mut acc: u8 = u8::from(a.len() != b.len());
    for i in 0..n {
        let x = a.get(i).copied().unwrap_or(0);
        let y = b.get(i).copied().unwrap_or(0);
        acc |= x ^ y;
    }
    std::hint::black_box(acc) == 0
}

/// The history form of a command: hex, PIN data redacted.
fn redact(bytes: &[u8]) -> String {
    let secret = bytes.get(1).is_some_and(|&ins| Ins::from(ins).carries_secret());
    match bytes.split_at_checked(4) {
        Some((header, body)) if secret && !body.is_empty() => {
            format!("{} **", hex::encode_upper(header))
        }
        _ => hex::encode_upper(bytes),
    }
}

fn sw(sw: StatusWord) -> Response {
    Response::status(sw)
}

/// PKCS#1 v1.5 type-1 padding of the command data (a DigestInfo or other given data) and the
/// private-key operation, as COMPUTE DIGITAL SIGNATURE does for every key of the card: `67 00`
/// when Le is shorter than the signature, `6A 80` for no data or data longer than the key
/// allows with padding, after the profile's signature latency.
fn pkcs1_sign(
    key: &rsa::RsaPrivateKey,
    cmd: &Command,
    rng: &mut ChaCha20Rng,
    latency: Duration,
    counts: &mut CommandCounts,
) -> Response {
    let k = key.size();
    if cmd.le.is_some_and(|le| le < k) {
        return sw(StatusWord::WrongLength);
    }
    if cmd.data.is_empty() || cmd.data.len() + 11 > k {
        return sw(StatusWord::IncorrectData);
    }
    let signed = key.sign_with_rng(rng, Pkcs1v15Sign::new_unprefixed(), &cmd.data);
    if !latency.is_zero() {
        std::thread::sleep(latency);
    }
    match signed {
        Ok(signature) => {
            counts.signatures += 1;
            Response::new(signature, StatusWord::Success)
        }
        Err(_) => sw(StatusWord::NoPreciseDiagnosis),
    }
}

impl VirtualCard {
    /// A powered-on card with this content and behaviour.
    pub fn new(image: CardImage, profile: Profile) -> Self {
        VirtualCard {
            image,
            profile,
            state: Volatile::default(),
            powered: true,
            removed: false,
            command_count: 0,
            counts: CommandCounts::default(),
            history: Vec::new(),
            spent_faults: BTreeSet::new(),
            rng: ChaCha20Rng::from_entropy(),
            after_unpower: false,
        }
    }

    /// The answer to reset.
    pub fn atr(&self) -> Vec<u8> {
        self.image.atr.clone()
    }

    /// Power on (after power off): volatile state starts fresh, a removed card is back, and
    /// the command count (and per-kind counts) start again from zero.
    pub fn power_on(&mut self) {
        self.state = Volatile::default();
        self.powered = true;
        self.removed = false;
        self.command_count = 0;
        self.counts = CommandCounts::default();
    }

    /// Power off: all volatile state (selection, security state) is lost. An unpowered card
    /// answers nothing ([`Reply::Mute`]) until [`VirtualCard::power_on`].
    pub fn power_off(&mut self) {
        self.state = Volatile::default();
        self.powered = false;
        self.after_unpower = true;
    }

    /// Warm reset: the card stays powered and no application is current, but a verification
    /// is kept (parked) for its application: selecting that application again finds it in
    /// force. The command count goes on.
    pub fn reset(&mut self) {
        let parked = match (self.state.app, self.state.parked.take()) {
            (Some(app), _) if !self.state.verified.is_empty() => {
                Some((app, std::mem::take(&mut self.state.verified)))
            }
            (Some(_), _) => None,
            (None, parked) => parked,
        };
        self.state = Volatile { parked, ..Volatile::default() };
    }

    /// Whether the card is powered.
    pub fn is_powered(&self) -> bool {
        self.powered
    }

    /// The PIN EFs in force now, each with the AID of its application: those verified in
    /// the current application, and those a warm reset parked (in force again when their
    /// application is selected). Empty: nothing on the card is verified.
    pub fn verified_pins(&self) -> Vec<(Vec<u8>, u16)> {
        let aid = |i: usize| self.image.apps.get(i).map(|a| a.aid.clone()).unwrap_or_default();
        let mut out = Vec::new();
        if let Some(app) = self.state.app {
            out.extend(self.state.verified.iter().map(|&fid| (aid(app), fid)));
        }
        if let Some((app, pins)) = &self.state.parked {
            out.extend(pins.iter().map(|&fid| (aid(*app), fid)));
        }
        out
    }

    /// Whether a [`FaultKind::Remove`] fault struck since the last power-on.
    pub fn is_removed(&self) -> bool {
        self.removed
    }

    /// Process one command APDU.
    pub fn process(&mut self, command: &[u8]) -> Reply {
        if !self.powered {
            return Reply::Mute;
        }
        if self.removed {
            return Reply::Removed;
        }
        self.command_count += 1;
        self.count(command);
        if !self.profile.apdu_latency.is_zero() {
            std::thread::sleep(self.profile.apdu_latency);
        }
        let number = self.command_count;
        let unpowered_6f00 = std::mem::take(&mut self.after_unpower) && self.profile.unpowered_6f00;
        let fault = self
            .profile
            .faults
            .iter()
            .enumerate()
            .find(|(i, f)| f.at == number && !self.spent_faults.contains(i))
            .map(|(i, f)| (i, f.kind));
        // The first command after an unpowering answers 6F 00, not executed, like the fault
        // of that name (which it does not spend).
        let fault = match fault {
            _ if unpowered_6f00 => Some((None, FaultKind::NoPreciseDiagnosis)),
            Some((i, kind)) => Some((Some(i), kind)),
            None => None,
        };
        let (reply, status, struck) = match fault {
            Some((index, kind)) => {
                if let Some(index) = index {
                    self.spent_faults.insert(index);
                }
                let (reply, status) = match kind {
                    FaultKind::Remove => {
                        self.removed = true;
                        self.state = Volatile::default();
                        (Reply::Removed, None)
                    }
                    FaultKind::Mute => (Reply::Mute, None),
                    FaultKind::Garbage => (Reply::Bytes(GARBAGE_RESPONSE.to_vec()), None),
                    FaultKind::Truncate => (Reply::Bytes(TRUNCATED_RESPONSE.to_vec()), None),
                    FaultKind::NoPreciseDiagnosis => {
                        let sw = StatusWord::NoPreciseDiagnosis;
                        (Reply::Bytes(sw.to_bytes().to_vec()), Some(sw))
                    }
                    FaultKind::UnexpectedMoreData => {
                        // Executed; the answer (and any chaining it started) is lost.
                        let _lost = self.respond(command);
                        self.state.pending = None;
                        let [sw1, sw2] = UNEXPECTED_MORE_DATA;
                        let sw = StatusWord::from_bytes(sw1, sw2);
                        (Reply::Bytes(UNEXPECTED_MORE_DATA.to_vec()), Some(sw))
                    }
                    FaultKind::UnexpectedWrongLe => {
                        let [sw1, sw2] = UNEXPECTED_WRONG_LE;
                        let sw = StatusWord::from_bytes(sw1, sw2);
                        (Reply::Bytes(UNEXPECTED_WRONG_LE.to_vec()), Some(sw))
                    }
                    FaultKind::Reset => {
                        self.reset();
                        let response = self.respond(command);
                        (Reply::Bytes(response.to_bytes()), Some(response.sw))
                    }
                };
                (reply, status, Some(kind))
            }
            None => {
                let response = self.respond(command);
                (Reply::Bytes(response.to_bytes()), Some(response.sw), None)
            }
        };
        if self.history.len() >= HISTORY_LIMIT {
            self.history.drain(..HISTORY_LIMIT / 2);
        }
        self.history.push(HistoryEntry {
            number,
            command: redact(command),
            sw: status,
            fault: struck,
        });
        reply
    }

    /// Commands processed since power-on (for round-trip counting).
    pub fn command_count(&self) -> u64 {
        self.command_count
    }

    /// Commands processed since power-on, by kind.
    pub fn counts(&self) -> &CommandCounts {
        &self.counts
    }

    /// The commands processed since the card was created (across power cycles), oldest first,
    /// PIN data redacted; at most [`HISTORY_LIMIT`] of the latest.
    pub fn history(&self) -> &[HistoryEntry] {
        &self.history
    }

    /// Forget the history (long benchmarks).
    pub fn clear_history(&mut self) {
        self.history.clear();
    }

    /// The card's current content, including PIN counters.
    pub fn image(&self) -> &CardImage {
        &self.image
    }

    /// The card's content, mutably (tests: set counters, replace files). The selection is
    /// kept; if it no longer exists, commands behave as if nothing were selected.
    pub fn image_mut(&mut self) -> &mut CardImage {
        &mut self.image
    }

    /// The behaviour profile.
    pub fn profile(&self) -> &Profile {
        &self.profile
    }

    /// Arm one more fault (its `at` counts since the last power-on).
    pub fn add_fault(&mut self, fault: Fault) {
        self.profile.faults.push(fault);
    }

    fn count(&mut self, bytes: &[u8]) {
        let c = &mut self.counts;
        let (Some(&ins), Some(&p1), Some(body)) = (bytes.get(1), bytes.get(2), bytes.get(4..))
        else {
            c.other += 1;
            return;
        };
        match Ins::from(ins) {
            Ins::Select if p1 == 0x04 => c.select_application += 1,
            Ins::Select => c.select_file += 1,
            Ins::ReadBinary => c.read_binary += 1,
            Ins::Verify if body.len() > 1 => c.verify_with_data += 1,
            Ins::Verify => c.verify_status += 1,
            Ins::ChangeReferenceData => c.change_reference_data += 1,
            Ins::ComputeDigitalSignature => c.compute_signature += 1,
            Ins::GetResponse => c.get_response += 1,
            Ins::GetChallenge => c.get_challenge += 1,
            Ins::GetData | Ins::Other(_) => c.other += 1,
        }
    }

    /// The answer to one command, after chaining.
    fn respond(&mut self, bytes: &[u8]) -> Response {
        // Any command but GET RESPONSE discards pending data; GET RESPONSE consumes it.
        let pending = self.state.pending.take();
        let is_get_response = bytes.get(1) == Some(&Ins::GetResponse.code());
        let response = self.execute(bytes, pending);
        if self.profile.chain_responses && !is_get_response && !response.data.is_empty() {
            let announce = Self::remaining_sw(response.data.len());
            self.state.pending =
                Some(Pending { data: response.data.to_vec(), final_sw: response.sw });
            return sw(announce);
        }
        response
    }

    /// `61 xx` for `len` pending bytes.
    fn remaining_sw(len: usize) -> StatusWord {
        StatusWord::BytesRemaining((len.min(256) % 256) as u8)
    }

    fn execute(&mut self, bytes: &[u8], pending: Option<Pending>) -> Response {
        let (Some(&cla), Some(&ins)) = (bytes.first(), bytes.get(1)) else {
            return sw(StatusWord::WrongLength);
        };
        let ins = Ins::from(ins);
        match cla {
            0x00 => {}
            0x80 if ins == Ins::ComputeDigitalSignature => {}
            // Only logical channel 0: any other channel number answers 68 81.
            0x40..=0x7F => return sw(StatusWord::ClaFunctionNotSupported(0x81)),
            c if c != 0xFF && c & 0x80 != 0 && c & 0x03 != 0 => {
                return sw(StatusWord::ClaFunctionNotSupported(0x81))
            }
            c if c & 0xE0 == 0 && c & 0x0C != 0 => {
                return sw(StatusWord::ClaFunctionNotSupported(0x82))
            }
            c if c & 0xE0 == 0 && c & 0x03 != 0 => {
                return sw(StatusWord::ClaFunctionNotSupported(0x81))
            }
            _ => return sw(StatusWord::ClaNotSupported),
        }
        match ins {
            Ins::Select
            | Ins::ReadBinary
            | Ins::Verify
            | Ins::ChangeReferenceData
            | Ins::GetResponse
            | Ins::GetChallenge => {}
            // CLA 00 with INS 2A: this card signs only with CLA 80.
            Ins::ComputeDigitalSignature if cla != 0x80 => return sw(StatusWord::ClaNotSupported),
            Ins::ComputeDigitalSignature => {}
            Ins::GetData => {}
            Ins::Other(READ_RECORD) => {}
            Ins::Other(_) => return sw(StatusWord::InsNotSupported),
        }
        let Ok((cmd, form)) = Command::parse(bytes) else {
            return sw(StatusWord::WrongLength);
        };
        if form == LengthForm::Extended && !self.profile.extended_length {
            return sw(StatusWord::WrongLength);
        }
        match cmd.ins {
            Ins::Select => self.select(&cmd),
            Ins::ReadBinary => self.read_binary(&cmd),
            Ins::Verify => self.verify(&cmd),
            Ins::ChangeReferenceData => self.change_reference_data(&cmd),
            Ins::ComputeDigitalSignature => self.compute_signature(&cmd),
            Ins::GetResponse => self.get_response(&cmd, pending),
            Ins::GetChallenge => self.get_challenge(&cmd),
            Ins::GetData => self.get_data(&cmd, form),
            Ins::Other(READ_RECORD) => self.read_record(&cmd),
            Ins::Other(_) => sw(StatusWord::InsNotSupported),
        }
    }

    fn current_app_index(&self) -> Option<usize> {
        self.state.app.filter(|&i| i < self.image.apps.len())
    }

    fn select(&mut self, cmd: &Command) -> Response {
        match cmd.p1 {
            0x04 => {
                if cmd.data.is_empty() {
                    return sw(StatusWord::WrongLength);
                }
                if *cmd.data == crate::facts::AID_ISD {
                    // Leaves the application: its security state is cleared.
                    self.state = Volatile::default();
                    return sw(StatusWord::Success);
                }
                match self.image.apps.iter().position(|a| a.aid == *cmd.data) {
                    Some(index) => {
                        // The same application again (also after a warm reset) keeps its
                        // verified PINs; another one starts without.
                        let verified = match self.state.parked.take() {
                            _ if self.state.app == Some(index) => {
                                std::mem::take(&mut self.state.verified)
                            }
                            Some((parked, verified)) if parked == index => verified,
                            _ => BTreeSet::new(),
                        };
                        self.state = Volatile { app: Some(index), verified, ..Volatile::default() };
                        sw(StatusWord::Success)
                    }
                    None => sw(StatusWord::FileNotFound),
                }
            }
            // ISO select of the MF: refused with no application current, accepted without
            // any change while one is; by its FID 3F00 (or any FID) it is not found.
            0x00 if cmd.data.is_empty() && self.current_app_index().is_some() => {
                sw(StatusWord::Success)
            }
            0x00 if cmd.data.is_empty() => sw(StatusWord::IncorrectP1P2),
            0x00 => sw(StatusWord::FileNotFound),
            0x02 => {
                let Ok(fid) = <[u8; 2]>::try_from(cmd.data.as_slice()) else {
                    return sw(StatusWord::WrongLength);
                };
                let fid = u16::from_be_bytes(fid);
                let Some(app) = self.current_app_index().and_then(|i| self.image.apps.get(i))
                else {
                    return sw(StatusWord::FileNotFound);
                };
                let ef = if app.files.contains_key(&fid) {
                    CurrentEf::File(fid)
                } else if app.pins.contains_key(&fid) {
                    CurrentEf::Pin(fid)
                } else if app.keys.contains_key(&fid) {
                    CurrentEf::Key(fid)
                } else {
                    return sw(StatusWord::FileNotFound);
                };
                self.state.ef = Some(ef);
                sw(StatusWord::Success)
            }
            _ => sw(StatusWord::IncorrectP1P2),
        }
    }

    fn read_binary(&mut self, cmd: &Command) -> Response {
        if !cmd.data.is_empty() {
            return sw(StatusWord::WrongLength);
        }
        let Some(le) = cmd.le else {
            return sw(StatusWord::WrongLength);
        };
        if cmd.p1 & 0x80 != 0 {
            return sw(StatusWord::FunctionNotSupported);
        }
        let offset = usize::from(u16::from_be_bytes([cmd.p1, cmd.p2]));
        let Some(CurrentEf::File(fid)) = self.state.ef else {
            return sw(StatusWord::CommandNotAllowed);
        };
        let Some(app) = self.current_app_index().and_then(|i| self.image.apps.get(i)) else {
            return sw(StatusWord::CommandNotAllowed);
        };
        let Some(file) = app.files.get(&fid) else {
            return sw(StatusWord::CommandNotAllowed);
        };
        if !self.may_read(&file.read) {
            return sw(StatusWord::SecurityStatusNotSatisfied);
        }
        let Some(rest) = file.data.get(offset..).filter(|r| !r.is_empty()) else {
            return sw(StatusWord::WrongP1P2);
        };
        if rest.len() >= le {
            let data = rest.get(..le).unwrap_or(rest).to_vec();
            self.counts.read_binary_bytes += data.len() as u64;
            return Response::new(data, StatusWord::Success);
        }
        if self.profile.wrong_le_6c && le <= 256 {
            // rest.len() < le ≤ 256, so it fits in one byte.
            return sw(StatusWord::WrongLe((rest.len() % 256) as u8));
        }
        let data = rest.to_vec();
        self.counts.read_binary_bytes += data.len() as u64;
        Response::new(data, StatusWord::EndOfFile)
    }

    /// READ RECORD `00 B2 nn P2`: record `nn` (from 1) of the current EF (P2 `04`) or of the
    /// EF whose FID is `00 ss` (P2 = `ss << 3 | 04`, short EF identifier `ss`, which also
    /// selects it). A file's records are the BER-TLVs it holds, in order (the common
    /// application's EF 0001 holds one, `01 1C …`; read as `00 B2 01 0C` by clients written
    /// against real cards). Same access rules as READ BINARY; `6A 83` past the last record,
    /// `69 81` for a file that is not a sequence of TLVs, `6C xx` for a short Le.
    fn read_record(&mut self, cmd: &Command) -> Response {
        if !cmd.data.is_empty() {
            return sw(StatusWord::WrongLength);
        }
        let Some(le) = cmd.le else {
            return sw(StatusWord::WrongLength);
        };
        if cmd.p1 == 0 || cmd.p2 & 0x07 != 0x04 {
            return sw(StatusWord::IncorrectP1P2);
        }
        let Some(app) = self.current_app_index().and_then(|i| self.image.apps.get(i)) else {
            return sw(StatusWord::CommandNotAllowed);
        };
        let fid = match cmd.p2 >> 3 {
            0 => match self.state.ef {
                Some(CurrentEf::File(fid)) => fid,
                _ => return sw(StatusWord::CommandNotAllowed),
            },
            sfi => {
                let fid = u16::from(sfi);
                if !app.files.contains_key(&fid) {
                    return sw(StatusWord::FileNotFound);
                }
                self.state.ef = Some(CurrentEf::File(fid));
                fid
            }
        };
        let Some(file) = app.files.get(&fid) else {
            return sw(StatusWord::CommandNotAllowed);
        };
        if !self.may_read(&file.read) {
            return sw(StatusWord::SecurityStatusNotSatisfied);
        }
        let mut rest = file.data.as_slice();
        let mut record = None;
        for _ in 0..cmd.p1 {
            match crate::tlv::next(rest) {
                Ok((tlv, after)) => {
                    record = Some(tlv.raw);
                    rest = after;
                }
                Err(_) if rest.is_empty() => return sw(StatusWord::Other(0x6A83)),
                Err(_) => return sw(StatusWord::Other(0x6981)),
            }
        }
        let Some(record) = record else {
            return sw(StatusWord::Other(0x6A83));
        };
        if record.len() > le {
            if le <= 256 && record.len() <= 256 {
                return sw(StatusWord::WrongLe((record.len() % 256) as u8));
            }
            return sw(StatusWord::WrongLength);
        }
        Response::new(record.to_vec(), StatusWord::Success)
    }

    /// Whether the security state satisfies a file's read rule.
    fn may_read(&self, access: &Access) -> bool {
        match access {
            Access::Free => true,
            Access::Pin(pin) => self.state.verified.contains(pin),
            Access::AnyPin(pins) => pins.iter().any(|p| self.state.verified.contains(p)),
            Access::Never => false,
        }
    }

    /// The current EF as a PIN of the current application: (app index, PIN FID).
    fn current_pin(&self) -> Option<(usize, u16)> {
        let app = self.current_app_index()?;
        match self.state.ef? {
            CurrentEf::Pin(fid) if self.image.apps.get(app)?.pins.contains_key(&fid) => {
                Some((app, fid))
            }
            _ => None,
        }
    }

    fn blocked(&self) -> Response {
        sw(self.profile.blocked_status.status_word())
    }

    fn verify(&mut self, cmd: &Command) -> Response {
        if cmd.p1 != 0x00 || cmd.p2 != 0x80 {
            return sw(StatusWord::IncorrectP1P2);
        }
        if cmd.le.is_some() {
            return sw(StatusWord::WrongLength);
        }
        let Some((app, fid)) = self.current_pin() else {
            return sw(StatusWord::CommandNotAllowed);
        };
        let blocked = self.blocked();
        let Some(pin) = self.image.apps.get_mut(app).and_then(|a| a.pins.get_mut(&fid)) else {
            return sw(StatusWord::CommandNotAllowed);
        };
        if pin.tries_left == 0 {
            return blocked;
        }
        if cmd.data.is_empty() {
            return sw(StatusWord::TriesLeft(pin.tries_left));
        }
        if ct_eq(&cmd.data, &pin.value) {
            pin.tries_left = pin.max_tries;
            self.state.verified.insert(fid);
            sw(StatusWord::Success)
        } else {
            pin.tries_left -= 1;
            let left = pin.tries_left;
            self.state.verified.remove(&fid);
            sw(StatusWord::TriesLeft(left))
        }
    }

    fn change_reference_data(&mut self, cmd: &Command) -> Response {
        if cmd.p1 != 0x01 || cmd.p2 != 0x80 {
            return sw(StatusWord::IncorrectP1P2);
        }
        if cmd.le.is_some() {
            return sw(StatusWord::WrongLength);
        }
        let Some((app, fid)) = self.current_pin() else {
            return sw(StatusWord::CommandNotAllowed);
        };
        if !self.state.verified.contains(&fid) {
            return sw(StatusWord::SecurityStatusNotSatisfied);
        }
        if cmd.data.is_empty() || cmd.data.len() > MAX_PIN_LEN {
            return sw(StatusWord::IncorrectData);
        }
        let Some(pin) = self.image.apps.get_mut(app).and_then(|a| a.pins.get_mut(&fid)) else {
            return sw(StatusWord::CommandNotAllowed);
        };
        pin.value = Zeroizing::new(cmd.data.to_vec());
        sw(StatusWord::Success)
    }

    fn compute_signature(&mut self, cmd: &Command) -> Response {
        if cmd.p1 == 0x00 && cmd.p2 == 0x00 {
            return self.challenge_signature(cmd);
        }
        if cmd.p1 != 0x00 || cmd.p2 != 0x80 {
            return sw(StatusWord::IncorrectP1P2);
        }
        let Some(CurrentEf::Key(fid)) = self.state.ef else {
            return sw(StatusWord::CommandNotAllowed);
        };
        let Some(key) = self
            .current_app_index()
            .and_then(|i| self.image.apps.get(i))
            .and_then(|a| a.keys.get(&fid))
        else {
            return sw(StatusWord::CommandNotAllowed);
        };
        if !self.state.verified.contains(&key.pin) {
            return sw(StatusWord::SecurityStatusNotSatisfied);
        }
        pkcs1_sign(&key.key, cmd, &mut self.rng, self.profile.signature_latency, &mut self.counts)
    }

    /// `80 2A 00 00`: PKCS#1 v1.5 over the given data with the current application's default
    /// key, without any credential (the card-key challenge of the text and card-face
    /// applications). Applications without such a key answer `6A 86` as before.
    fn challenge_signature(&mut self, cmd: &Command) -> Response {
        let Some(key) = self
            .current_app_index()
            .and_then(|i| self.image.apps.get(i))
            .and_then(|a| a.challenge_key.and_then(|fid| a.keys.get(&fid)))
        else {
            return sw(StatusWord::IncorrectP1P2);
        };
        pkcs1_sign(&key.key, cmd, &mut self.rng, self.profile.signature_latency, &mut self.counts)
    }

    /// GET DATA `00 CA P1 P2`: the MF's data objects (tag P1 P2), answered only while no
    /// application is selected (after power-on or a reset). A short command whose object is
    /// longer than 256 bytes answers `67 00` (the client then resends it extended); `6A 88`
    /// for an object the card does not hold, `69 85` inside an application.
    fn get_data(&mut self, cmd: &Command, form: LengthForm) -> Response {
        if !cmd.data.is_empty() {
            return sw(StatusWord::WrongLength);
        }
        let Some(le) = cmd.le else {
            return sw(StatusWord::WrongLength);
        };
        if self.current_app_index().is_some() {
            return sw(StatusWord::ConditionsNotSatisfied);
        }
        let tag = u16::from_be_bytes([cmd.p1, cmd.p2]);
        let Some(value) = self.image.mf_data.get(&tag) else {
            return sw(StatusWord::ReferencedDataNotFound);
        };
        let short = form != LengthForm::Extended;
        if value.len() > le || (short && value.len() > 256) {
            return sw(StatusWord::WrongLength);
        }
        Response::new(value.clone(), StatusWord::Success)
    }

    fn get_response(&mut self, cmd: &Command, pending: Option<Pending>) -> Response {
        if cmd.p1 != 0x00 || cmd.p2 != 0x00 {
            return sw(StatusWord::IncorrectP1P2);
        }
        if !cmd.data.is_empty() {
            return sw(StatusWord::WrongLength);
        }
        let Some(le) = cmd.le else {
            return sw(StatusWord::WrongLength);
        };
        let Some(mut pending) = pending else {
            return sw(StatusWord::ConditionsNotSatisfied);
        };
        if pending.data.len() <= le {
            return Response::new(pending.data, pending.final_sw);
        }
        let rest = pending.data.split_off(le);
        let piece = std::mem::replace(&mut pending.data, rest);
        let announce = Self::remaining_sw(pending.data.len());
        self.state.pending = Some(pending);
        Response::new(piece, announce)
    }

    fn get_challenge(&mut self, cmd: &Command) -> Response {
        if cmd.p1 != 0x00 || cmd.p2 != 0x00 {
            return sw(StatusWord::IncorrectP1P2);
        }
        if !cmd.data.is_empty() {
            return sw(StatusWord::WrongLength);
        }
        match cmd.le {
            Some(le) if (1..=256).contains(&le) => {
                let mut challenge = vec![0u8; le];
                self.rng.fill_bytes(&mut challenge);
                Response::new(challenge, StatusWord::Success)
            }
            _ => sw(StatusWord::WrongLength),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_time_compare() {
        assert!(ct_eq(b"1234", b"1234"));
        assert!(ct_eq(b"", b""));
        assert!(!ct_eq(b"1234", b"1235"));
        assert!(!ct_eq(b"1234", b"12345"));
        assert!(!ct_eq(b"1234\0", b"1234"));
        assert!(!ct_eq(b"", b"1"));
    }

    #[test]
    fn redaction_hides_everything_after_a_secret_header() {
        assert_eq!(redact(&[0x00, 0x20, 0x00, 0x80, 0x04, 0x31, 0x32, 0x33, 0x34]), "00200080 **");
        assert_eq!(redact(&[0x00, 0x24, 0x01, 0x80, 0x02, 0x41, 0x42]), "00240180 **");
        // Even a malformed body of one byte.
        assert_eq!(redact(&[0x00, 0x20, 0x00, 0x80, 0x31]), "00200080 **");
        assert_eq!(redact(&[0x00, 0x20, 0x00, 0x80]), "00200080");
        assert_eq!(redact(&[0x00, 0xB0, 0x00, 0x00, 0x04]), "00B0000004");
        assert_eq!(redact(&[0x00, 0x20]), "0020");
        assert_eq!(redact(&[]), "");
    }

    /// Security-state facts (measured on real cards by one peer, [C]), each a test.
    mod security_state {
        use super::super::*;
        use crate::facts::{jpki, AID_ISD, AID_JPKI, AID_TEXT};
        use crate::sim::image::SIM_SIGN_PIN;

        fn tx(c: &mut VirtualCard, bytes: &[u8]) -> Vec<u8> {
            match c.process(bytes) {
                Reply::Bytes(b) => b,
                other => panic!("{}: {other:?}", hex::encode_upper(bytes)),
            }
        }

        fn select(c: &mut VirtualCard, aid: &[u8]) -> Vec<u8> {
            let mut cmd = vec![0x00, 0xA4, 0x04, 0x0C, aid.len() as u8];
            cmd.extend_from_slice(aid);
            tx(c, &cmd)
        }

        fn select_ef(c: &mut VirtualCard, fid: u16) -> Vec<u8> {
            let [hi, lo] = fid.to_be_bytes();
            tx(c, &[0x00, 0xA4, 0x02, 0x0C, 0x02, hi, lo])
        }

        /// The status word of READ BINARY of 4 bytes of the signature certificate (EF 0001),
        /// after selecting JPKI: 90 00 only while the signature password is verified.
        fn sign_cert_sw(c: &mut VirtualCard) -> [u8; 2] {
            assert_eq!(select(c, &AID_JPKI), [0x90, 0x00]);
            assert_eq!(select_ef(c, jpki::EF_SIGN_CERT), [0x90, 0x00]);
            let r = tx(c, &[0x00, 0xB0, 0x00, 0x00, 0x04]);
            [r[r.len() - 2], r[r.len() - 1]]
        }

        /// A card with JPKI selected and the signature password verified.
        fn verified() -> VirtualCard {
            let mut c = VirtualCard::new(CardImage::default_image(), Profile::default());
            assert_eq!(select(&mut c, &AID_JPKI), [0x90, 0x00]);
            assert_eq!(select_ef(&mut c, jpki::EF_SIGN_PIN), [0x90, 0x00]);
            let pin = SIM_SIGN_PIN.as_bytes();
            let mut cmd = vec![0x00, 0x20, 0x00, 0x80, pin.len() as u8];
            cmd.extend_from_slice(pin);
            assert_eq!(tx(&mut c, &cmd), [0x90, 0x00]);
            assert_eq!(sign_cert_sw(&mut c), [0x90, 0x00]);
            c
        }

        #[test]
        fn a_verify_is_kept_when_the_same_application_is_selected_again() {
            let mut c = verified();
            assert_eq!(select(&mut c, &AID_JPKI), [0x90, 0x00]);
            assert_eq!(sign_cert_sw(&mut c), [0x90, 0x00]);
        }

        #[test]
        fn a_verify_is_kept_across_a_warm_reset() {
            let mut c = verified();
            c.reset();
            assert_eq!(sign_cert_sw(&mut c), [0x90, 0x00]);
            // Twice in a row, and with nothing selected in between.
            c.reset();
            c.reset();
            assert_eq!(sign_cert_sw(&mut c), [0x90, 0x00]);
        }

        #[test]
        fn a_verify_is_cleared_by_selecting_another_application() {
            let mut c = verified();
            assert_eq!(select(&mut c, &AID_TEXT), [0x90, 0x00]);
            assert_eq!(sign_cert_sw(&mut c), [0x69, 0x82]);
            // Also when the warm reset parked it first.
            let mut c = verified();
            c.reset();
            assert_eq!(select(&mut c, &AID_TEXT), [0x90, 0x00]);
            assert_eq!(sign_cert_sw(&mut c), [0x69, 0x82]);
        }

        #[test]
        fn a_failed_select_leaves_the_application_and_its_verify() {
            let mut c = verified();
            assert_eq!(select(&mut c, &[0xA0, 0x00, 0x00]), [0x6A, 0x82]);
            assert_eq!(tx(&mut c, &[0x00, 0xB0, 0x00, 0x00, 0x02]), [0x30, 0x82, 0x90, 0x00]);
        }

        #[test]
        fn selecting_the_isd_answers_9000_leaves_the_application_and_clears_the_verify() {
            let mut c = verified();
            assert_eq!(select(&mut c, &AID_ISD), [0x90, 0x00]);
            // No application is current: an EF of JPKI is not found.
            assert_eq!(select_ef(&mut c, jpki::EF_SIGN_CERT), [0x6A, 0x82]);
            assert_eq!(sign_cert_sw(&mut c), [0x69, 0x82]);
            // After a warm reset too.
            let mut c = verified();
            c.reset();
            assert_eq!(select(&mut c, &AID_ISD), [0x90, 0x00]);
            assert_eq!(sign_cert_sw(&mut c), [0x69, 0x82]);
        }

        #[test]
        fn power_off_clears_the_verify() {
            let mut c = verified();
            c.power_off();
            c.power_on();
            assert_eq!(sign_cert_sw(&mut c), [0x69, 0x82]);
        }

        #[test]
        fn iso_select_mf_answers_6a86_with_no_application_and_9000_without_change_in_one() {
            let mut c = VirtualCard::new(CardImage::default_image(), Profile::default());
            assert_eq!(tx(&mut c, &[0x00, 0xA4, 0x00, 0x00]), [0x6A, 0x86]);
            let mut c = verified();
            c.reset();
            assert_eq!(tx(&mut c, &[0x00, 0xA4, 0x00, 0x00]), [0x6A, 0x86]);
            let mut c = verified();
            assert_eq!(tx(&mut c, &[0x00, 0xA4, 0x00, 0x00]), [0x90, 0x00]);
            // No change: the EF and the verification are still current.
            assert_eq!(tx(&mut c, &[0x00, 0xB0, 0x00, 0x00, 0x02]), [0x30, 0x82, 0x90, 0x00]);
        }

        #[test]
        fn select_3f00_answers_6a82() {
            let mut c = verified();
            assert_eq!(tx(&mut c, &[0x00, 0xA4, 0x00, 0x00, 0x02, 0x3F, 0x00]), [0x6A, 0x82]);
            assert_eq!(tx(&mut c, &[0x00, 0xA4, 0x00, 0x0C, 0x02, 0x3F, 0x00]), [0x6A, 0x82]);
            assert_eq!(tx(&mut c, &[0x00, 0xB0, 0x00, 0x00, 0x02]), [0x30, 0x82, 0x90, 0x00]);
        }

        #[test]
        fn only_logical_channel_0() {
            let mut c = verified();
            for cla in [0x01, 0x02, 0x03, 0x40, 0x4F, 0x60, 0x7F, 0x81, 0x83] {
                assert_eq!(tx(&mut c, &[cla, 0xB0, 0x00, 0x00, 0x02]), [0x68, 0x81], "{cla:02X}");
            }
            assert_eq!(tx(&mut c, &[0x00, 0xB0, 0x00, 0x00, 0x02]), [0x30, 0x82, 0x90, 0x00]);
        }

        #[test]
        fn the_first_command_after_unpowering_answers_6f00_only_with_the_profile_option() {
            // Default: no 6F 00.
            let mut c = VirtualCard::new(CardImage::default_image(), Profile::default());
            c.power_off();
            c.power_on();
            assert_eq!(select(&mut c, &AID_JPKI), [0x90, 0x00]);
            // With the option: the first command after power-off/on answers 6F 00 and is not
            // executed; the next is.
            let profile = Profile { unpowered_6f00: true, ..Profile::default() };
            let mut c = VirtualCard::new(CardImage::default_image(), profile);
            assert_eq!(select(&mut c, &AID_JPKI), [0x90, 0x00], "not after the first power-on");
            c.power_off();
            c.power_on();
            assert_eq!(select(&mut c, &AID_JPKI), [0x6F, 0x00]);
            assert_eq!(select_ef(&mut c, jpki::EF_SIGN_CERT), [0x6A, 0x82], "select ignored");
            assert_eq!(select(&mut c, &AID_JPKI), [0x90, 0x00]);
            assert_eq!(c.history().last().map(|h| h.sw), Some(Some(StatusWord::Success)));
            let struck = c.history().iter().filter(|h| h.fault.is_some()).count();
            assert_eq!(struck, 1);
            // A warm reset is not an unpowering.
            c.reset();
            assert_eq!(select(&mut c, &AID_JPKI), [0x90, 0x00]);
        }
    }

    #[test]
    fn history_is_bounded() {
        let image =
            CardImage { atr: vec![0x3B, 0x00], apps: Vec::new(), mf_data: Default::default() };
        let mut card = VirtualCard::new(image, Profile::default());
        for _ in 0..HISTORY_LIMIT + 10 {
            assert_eq!(card.process(&[0x00, 0xFF, 0x00, 0x00]), Reply::Bytes(vec![0x6D, 0x00]));
        }
        assert_eq!(card.history().len(), HISTORY_LIMIT / 2 + 10);
        let last = card.history().last().map(|h| h.number);
        assert_eq!(last, Some((HISTORY_LIMIT + 10) as u64));
    }
}
