//! The module's state and every PKCS#11 operation on it, in safe Rust: readers and their
//! slot pairs, the card each holds (probed once per insertion), logins, sessions, object
//! searches and signatures. [`crate::ffi`] turns C pointers into the arguments here and
//! the results back; it holds the one global [`Mutex`] over the state ([`with_module`]).
//!
//! Slot IDs: readers are numbered in the order the module first sees them (pcscd's order at
//! `C_Initialize`, later readers appended) and keep their number while the module is
//! loaded; reader `i` has slot `2i` (the authentication token) and `2i + 1` (the signature
//! token). The same set of readers gives the same IDs in every process.
//!
//! A card is one insertion: pcsc-lite's per-reader event counter (incremented on every
//! insertion and removal) and the presence flag identify it. When either changes, the
//! cached certificates and counters and the logins (held PINs, the signature certificate)
//! of that reader are dropped, and each session opened on the old card answers its next
//! call with `CKR_DEVICE_REMOVED` and is closed (later calls: `CKR_SESSION_HANDLE_INVALID`).

use std::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;
use std::time::Duration;

use cryptoki_sys::*;
use mynacard::card::{AuthPin, PinStatus, SignPassword};
use mynacard::facts;

use crate::card::{self, HeldPin, Probe};
use crate::cert::CertInfo;
use crate::mechanism::{Input, MECHANISMS};
use crate::objects::{self, Attrs, Kind, Token, View, KINDS};
use crate::text::padded;

/// The environment variable that allows spending the last try of a PIN.
pub const ALLOW_LAST_TRY_ENV: &str = "MYNACARD_PKCS11_ALLOW_LAST_TRY";

/// Whether the user opted in to spending a PIN's last try (`MYNACARD_PKCS11_ALLOW_LAST_TRY=1`).
pub fn allow_last_try() -> bool {
    std::env::var(ALLOW_LAST_TRY_ENV).as_deref() == Ok("1")
}

/// The module state; `None` before `C_Initialize` and after `C_Finalize`.
static MODULE: Mutex<Option<Module>> = Mutex::new(None);

/// Run `f` on the initialised module, or `CKR_CRYPTOKI_NOT_INITIALIZED`.
pub fn with_module<R>(f: impl FnOnce(&mut Module) -> Result<R, CK_RV>) -> Result<R, CK_RV> {
    let mut guard = MODULE.lock().unwrap_or_else(|p| p.into_inner());
    match guard.as_mut() {
        Some(m) => f(m),
        None => Err(CKR_CRYPTOKI_NOT_INITIALIZED),
    }
}

/// `C_Initialize`.
pub fn initialize() -> Result<(), CK_RV> {
    let mut guard = MODULE.lock().unwrap_or_else(|p| p.into_inner());
    if guard.is_some() {
        return Err(CKR_CRYPTOKI_ALREADY_INITIALIZED);
    }
    let mut m = Module::new()?;
    m.refresh();
    for r in &mut m.readers {
        r.reported = (r.present, r.events);
    }
    *guard = Some(m);
    Ok(())
}

/// `C_Finalize`: drops every session, held PIN and cached card.
pub fn finalize() -> Result<(), CK_RV> {
    let mut guard = MODULE.lock().unwrap_or_else(|p| p.into_inner());
    match guard.take() {
        Some(m) => {
            drop(m);
            Ok(())
        }
        None => Err(CKR_CRYPTOKI_NOT_INITIALIZED),
    }
}

/// `C_WaitForSlotEvent`: the next slot whose card was inserted or removed since the last
/// report (both slots of the reader are reported, one per call). Without `block`,
/// `CKR_NO_EVENT` when there is none; with it, polls every 200 ms until there is one or
/// the module is finalised (`CKR_CRYPTOKI_NOT_INITIALIZED`). The lock is not held while
/// waiting.
pub fn wait_for_slot_event(block: bool) -> Result<CK_SLOT_ID, CK_RV> {
    loop {
        match with_module(|m| Ok(m.next_event()))? {
            Some(slot) => return Ok(slot),
            None if !block => return Err(CKR_NO_EVENT),
            None => std::thread::sleep(Duration::from_millis(200)),
        }
    }
}

/// Per-token login: the held PIN and, on the signature token, the signature certificate
/// read with it.
struct Login {
    pin: HeldPin,
    sign_cert: Option<CertInfo>,
}

/// What is known of the card in a reader.
enum CardState {
    /// Not probed yet (or probing failed; tried again next time).
    Unknown,
    /// No JPKI application: no token.
    NotJpki,
    /// A JPKI card.
    Jpki(Box<Probe>),
}

struct Reader {
    name: String,
    /// Whether the reader is connected now.
    attached: bool,
    present: bool,
    events: u32,
    card: CardState,
    logins: [Option<Login>; 2],
    /// Presence and event count last reported by `C_WaitForSlotEvent`.
    reported: (bool, u32),
}

impl Reader {
    fn forget_card(&mut self) {
        self.card = CardState::Unknown;
        self.logins = [None, None];
    }
}

/// A signature in progress.
struct SignOp {
    token: Token,
    input: Input,
    /// The PIN given by the context-specific login (signature key only).
    context_pin: Option<HeldPin>,
}

struct Session {
    slot: CK_SLOT_ID,
    rw: bool,
    /// The card's event count when the session was opened.
    events: u32,
    find: Option<VecDeque<CK_OBJECT_HANDLE>>,
    sign: Option<SignOp>,
}

/// What `C_Sign` / `C_SignFinal` give back.
pub enum SignOut {
    /// The signature length, for a length query (the operation stays active).
    Len(usize),
    /// The buffer is too small for this many bytes (the operation stays active).
    TooSmall(usize),
    /// The signature (the operation ended).
    Signature(Vec<u8>),
}

/// One attribute's value, or why there is none.
pub enum AttrValue {
    /// The value.
    Value(Vec<u8>),
    /// A private key's secret part: `CKR_ATTRIBUTE_SENSITIVE`.
    Sensitive,
    /// The object has no such attribute: `CKR_ATTRIBUTE_TYPE_INVALID`.
    Invalid,
}

/// The module state.
pub struct Module {
    /// The PC/SC context; `None` while the service is not there (tried again at each
    /// refresh, so `C_Initialize` works without pcscd and the readers appear later).
    ctx: Option<pcsc::Context>,
    readers: Vec<Reader>,
    sessions: BTreeMap<CK_SESSION_HANDLE, Session>,
    next_session: CK_SESSION_HANDLE,
    pending_events: VecDeque<CK_SLOT_ID>,
}

fn reader_index(slot: CK_SLOT_ID) -> usize {
    usize::try_from(slot / 2).unwrap_or(usize::MAX)
}

fn slot_of(index: usize, token: Token) -> CK_SLOT_ID {
    let i = CK_SLOT_ID::try_from(index).unwrap_or(CK_SLOT_ID::MAX / 4);
    i * 2 + CK_SLOT_ID::try_from(token.index()).unwrap_or(0)
}

fn version(major: u8, minor: u8) -> CK_VERSION {
    CK_VERSION { major, minor }
}

impl Module {
    fn new() -> Result<Module, CK_RV> {
        Ok(Module {
            ctx: pcsc::Context::establish(pcsc::Scope::User).ok(),
            readers: Vec::new(),
            sessions: BTreeMap::new(),
            next_session: 1,
            pending_events: VecDeque::new(),
        })
    }

    /// Ask pcscd for the readers and their states (no APDU). A card that left or was
    /// replaced is forgotten with its logins.
    fn refresh(&mut self) {
        if self.ctx.is_none() {
            self.ctx = pcsc::Context::establish(pcsc::Scope::User).ok();
        }
        let Some(ctx) = self.ctx.as_ref() else {
            // No PC/SC service: no reader is attached.
            self.detach_all();
            return;
        };
        let names = match ctx.list_readers_owned() {
            Ok(n) => n,
            Err(pcsc::Error::NoReadersAvailable) => Vec::new(),
            Err(_) => {
                // pcscd stopped or restarted: a new context next time.
                self.ctx = None;
                self.detach_all();
                return;
            }
        };
        let mut states: Vec<pcsc::ReaderState> =
            names.iter().map(|n| pcsc::ReaderState::new(n.clone(), pcsc::State::UNAWARE)).collect();
        if !states.is_empty() && ctx.get_status_change(Duration::ZERO, &mut states).is_err() {
            // No answer: treat every reader as it was.
            return;
        }
        for r in &mut self.readers {
            r.attached = false;
        }
        for st in &states {
            let name = st.name().to_string_lossy().into_owned();
            let flags = st.event_state();
            let present =
                flags.contains(pcsc::State::PRESENT) && !flags.contains(pcsc::State::MUTE);
            let events = st.event_count();
            let reader = match self.readers.iter_mut().position(|r| r.name == name) {
                Some(i) => self.readers.get_mut(i),
                None => {
                    self.readers.push(Reader {
                        name,
                        attached: true,
                        present: false,
                        events,
                        card: CardState::Unknown,
                        logins: [None, None],
                        reported: (false, events),
                    });
                    self.readers.last_mut()
                }
            };
            let Some(r) = reader else { continue };
            r.attached = true;
            if r.present != present || r.events != events {
                r.forget_card();
            }
            r.present = present;
            r.events = events;
        }
        for r in &mut self.readers {
            if !r.attached && r.present {
                r.present = false;
                r.forget_card();
            }
        }
    }

    /// Every reader detached and its card forgotten (no PC/SC service).
    fn detach_all(&mut self) {
        for r in &mut self.readers {
            r.attached = false;
            r.present = false;
            r.forget_card();
        }
    }

    fn reader(&self, slot: CK_SLOT_ID) -> Result<&Reader, CK_RV> {
        self.readers.get(reader_index(slot)).filter(|r| r.attached).ok_or(CKR_SLOT_ID_INVALID)
    }

    /// The probe of the card in reader `i` (probing it now when needed); `Ok(None)` when
    /// no JPKI card is there.
    fn probe(&mut self, i: usize) -> Result<Option<&mut Probe>, CK_RV> {
        let r = self.readers.get_mut(i).ok_or(CKR_SLOT_ID_INVALID)?;
        if !r.present {
            return Ok(None);
        }
        if let CardState::Unknown = r.card {
            r.card = match card::probe(&r.name)? {
                Some(p) => CardState::Jpki(Box::new(p)),
                None => CardState::NotJpki,
            };
        }
        Ok(match &mut r.card {
            CardState::Jpki(p) => Some(p),
            _ => None,
        })
    }

    fn token_present(&mut self, slot: CK_SLOT_ID) -> Result<(), CK_RV> {
        self.reader(slot)?;
        match self.probe(reader_index(slot)) {
            Ok(Some(_)) => Ok(()),
            Ok(None) | Err(CKR_DEVICE_REMOVED) => Err(CKR_TOKEN_NOT_PRESENT),
            Err(rv) => Err(rv),
        }
    }

    /// `C_GetSlotList`.
    pub fn slot_list(&mut self, token_present: bool) -> Result<Vec<CK_SLOT_ID>, CK_RV> {
        self.refresh();
        let mut out = Vec::new();
        for i in 0..self.readers.len() {
            let attached = self.readers.get(i).is_some_and(|r| r.attached);
            if !attached {
                continue;
            }
            // A card that cannot be probed right now shows no token.
            if token_present && !matches!(self.probe(i), Ok(Some(_))) {
                continue;
            }
            out.extend([slot_of(i, Token::Auth), slot_of(i, Token::Sign)]);
        }
        Ok(out)
    }

    /// `C_GetSlotInfo`.
    pub fn slot_info(&mut self, slot: CK_SLOT_ID) -> Result<CK_SLOT_INFO, CK_RV> {
        self.refresh();
        let name = self.reader(slot)?.name.clone();
        let token = Token::of_slot(slot);
        let present = matches!(self.probe(reader_index(slot)), Ok(Some(_)));
        let what = match token {
            Token::Auth => "auth 利用者証明用",
            Token::Sign => "sign 署名用",
        };
        let mut flags = CKF_REMOVABLE_DEVICE | CKF_HW_SLOT;
        if present {
            flags |= CKF_TOKEN_PRESENT;
        }
        Ok(CK_SLOT_INFO {
            slotDescription: padded(&format!("{name} ({what})")),
            manufacturerID: padded("mynacard"),
            flags,
            hardwareVersion: version(0, 0),
            firmwareVersion: version(0, 0),
        })
    }

    /// `C_GetTokenInfo`. The PIN flags come from the retry counters read without spending
    /// a try when the card was probed, updated by every PIN check the module made since.
    pub fn token_info(&mut self, slot: CK_SLOT_ID) -> Result<CK_TOKEN_INFO, CK_RV> {
        self.refresh();
        self.token_present(slot)?;
        let token = Token::of_slot(slot);
        let i = reader_index(slot);
        let sessions = self.sessions.values().filter(|s| s.slot == slot).count();
        let rw_sessions = self.sessions.values().filter(|s| s.slot == slot && s.rw).count();
        let probe = self.probe(i)?.ok_or(CKR_TOKEN_NOT_PRESENT)?;
        let mut flags = CKF_TOKEN_INITIALIZED | CKF_USER_PIN_INITIALIZED | CKF_LOGIN_REQUIRED;
        let max = match token {
            Token::Auth => facts::tries::AUTH,
            Token::Sign => facts::tries::SIGN,
        };
        match probe.counters.get(token.index()).copied().flatten() {
            Some(PinStatus::Blocked) => flags |= CKF_USER_PIN_LOCKED,
            Some(PinStatus::Remaining(0)) => flags |= CKF_USER_PIN_LOCKED,
            Some(PinStatus::Remaining(1)) => {
                flags |= CKF_USER_PIN_FINAL_TRY | CKF_USER_PIN_COUNT_LOW
            }
            Some(PinStatus::Remaining(n)) if n < max => flags |= CKF_USER_PIN_COUNT_LOW,
            _ => {}
        }
        if token == Token::Auth && probe.pinpad.is_some() {
            flags |= CKF_PROTECTED_AUTHENTICATION_PATH;
        }
        let serial = probe.auth.as_ref().map(|c| {
            use sha2::Digest;
            let h = sha2::Sha256::digest(&c.der);
            h.iter().take(8).map(|b| format!("{b:02X}")).collect::<String>()
        });
        let (min_pin, max_pin) = match token {
            Token::Auth => (4, 4),
            Token::Sign => (6, 16),
        };
        let count = |n: usize| CK_ULONG::try_from(n).unwrap_or(CK_UNAVAILABLE_INFORMATION);
        Ok(CK_TOKEN_INFO {
            label: padded(token.label()),
            manufacturerID: padded("J-LIS (via mynacard)"),
            model: padded(token.model()),
            serialNumber: padded(serial.as_deref().unwrap_or("")),
            flags,
            ulMaxSessionCount: CK_EFFECTIVELY_INFINITE,
            ulSessionCount: count(sessions),
            ulMaxRwSessionCount: CK_EFFECTIVELY_INFINITE,
            ulRwSessionCount: count(rw_sessions),
            ulMaxPinLen: max_pin,
            ulMinPinLen: min_pin,
            ulTotalPublicMemory: CK_UNAVAILABLE_INFORMATION,
            ulFreePublicMemory: CK_UNAVAILABLE_INFORMATION,
            ulTotalPrivateMemory: CK_UNAVAILABLE_INFORMATION,
            ulFreePrivateMemory: CK_UNAVAILABLE_INFORMATION,
            hardwareVersion: version(0, 0),
            firmwareVersion: version(0, 0),
            utcTime: padded(""),
        })
    }

    fn key_bits(&mut self, slot: CK_SLOT_ID) -> Result<usize, CK_RV> {
        let i = reader_index(slot);
        let token = Token::of_slot(slot);
        let sign_bits = self
            .readers
            .get(i)
            .and_then(|r| r.logins.get(1))
            .and_then(|l| l.as_ref())
            .and_then(|l| l.sign_cert.as_ref())
            .map(|c| c.bits);
        let probe = self.probe(i)?.ok_or(CKR_TOKEN_NOT_PRESENT)?;
        let auth_bits = probe.auth.as_ref().map(|c| c.bits);
        // The card's keys are RSA-2048 (docs/card-facts.md §7); before login the signature
        // key's size is not readable, so the authentication key's stands for it.
        Ok(match token {
            Token::Auth => auth_bits,
            Token::Sign => sign_bits.or(auth_bits),
        }
        .unwrap_or(2048))
    }

    /// `C_GetMechanismList`.
    pub fn mechanism_list(&mut self, slot: CK_SLOT_ID) -> Result<Vec<CK_MECHANISM_TYPE>, CK_RV> {
        self.refresh();
        self.token_present(slot)?;
        Ok(MECHANISMS.to_vec())
    }

    /// `C_GetMechanismInfo`: key sizes from the card's keys, `CKF_SIGN | CKF_HW`.
    pub fn mechanism_info(
        &mut self,
        slot: CK_SLOT_ID,
        mech: CK_MECHANISM_TYPE,
    ) -> Result<CK_MECHANISM_INFO, CK_RV> {
        self.refresh();
        self.token_present(slot)?;
        if !MECHANISMS.contains(&mech) {
            return Err(CKR_MECHANISM_INVALID);
        }
        let bits = CK_ULONG::try_from(self.key_bits(slot)?).unwrap_or(0);
        Ok(CK_MECHANISM_INFO { ulMinKeySize: bits, ulMaxKeySize: bits, flags: CKF_SIGN | CKF_HW })
    }

    /// `C_OpenSession`.
    pub fn open_session(
        &mut self,
        slot: CK_SLOT_ID,
        flags: CK_FLAGS,
    ) -> Result<CK_SESSION_HANDLE, CK_RV> {
        if flags & CKF_SERIAL_SESSION == 0 {
            return Err(CKR_SESSION_PARALLEL_NOT_SUPPORTED);
        }
        self.refresh();
        self.token_present(slot)?;
        let events = self.reader(slot)?.events;
        let h = self.next_session;
        self.next_session = self.next_session.checked_add(1).ok_or(CKR_SESSION_COUNT)?;
        self.sessions.insert(
            h,
            Session { slot, rw: flags & CKF_RW_SESSION != 0, events, find: None, sign: None },
        );
        Ok(h)
    }

    /// Drop the login of `slot` when no session is left on it.
    fn logout_if_last(&mut self, slot: CK_SLOT_ID) {
        if !self.sessions.values().any(|s| s.slot == slot) {
            if let Some(l) = self
                .readers
                .get_mut(reader_index(slot))
                .and_then(|r| r.logins.get_mut(Token::of_slot(slot).index()))
            {
                *l = None;
            }
        }
    }

    /// `C_CloseSession`: the last session of a token logs it out (its PIN is dropped).
    pub fn close_session(&mut self, h: CK_SESSION_HANDLE) -> Result<(), CK_RV> {
        let s = self.sessions.remove(&h).ok_or(CKR_SESSION_HANDLE_INVALID)?;
        self.logout_if_last(s.slot);
        Ok(())
    }

    /// `C_CloseAllSessions`.
    pub fn close_all_sessions(&mut self, slot: CK_SLOT_ID) -> Result<(), CK_RV> {
        self.reader(slot)?;
        self.sessions.retain(|_, s| s.slot != slot);
        self.logout_if_last(slot);
        Ok(())
    }

    /// The session `h`, after checking its card is still the one it was opened on
    /// (`CKR_DEVICE_REMOVED` once, and the session is closed).
    fn session(&mut self, h: CK_SESSION_HANDLE) -> Result<&mut Session, CK_RV> {
        self.refresh();
        let (slot, events) = {
            let s = self.sessions.get(&h).ok_or(CKR_SESSION_HANDLE_INVALID)?;
            (s.slot, s.events)
        };
        let same_card = self.reader(slot).map(|r| r.present && r.events == events).unwrap_or(false);
        if !same_card {
            self.sessions.remove(&h);
            self.logout_if_last(slot);
            return Err(CKR_DEVICE_REMOVED);
        }
        self.sessions.get_mut(&h).ok_or(CKR_SESSION_HANDLE_INVALID)
    }

    fn login_of(&self, slot: CK_SLOT_ID) -> Option<&Login> {
        self.readers.get(reader_index(slot))?.logins.get(Token::of_slot(slot).index())?.as_ref()
    }

    /// `C_GetSessionInfo`.
    pub fn session_info(&mut self, h: CK_SESSION_HANDLE) -> Result<CK_SESSION_INFO, CK_RV> {
        let s = self.session(h)?;
        let (slot, rw) = (s.slot, s.rw);
        let logged_in = self.login_of(slot).is_some();
        let state = match (rw, logged_in) {
            (false, false) => CKS_RO_PUBLIC_SESSION,
            (false, true) => CKS_RO_USER_FUNCTIONS,
            (true, false) => CKS_RW_PUBLIC_SESSION,
            (true, true) => CKS_RW_USER_FUNCTIONS,
        };
        let flags = CKF_SERIAL_SESSION | if rw { CKF_RW_SESSION } else { 0 };
        Ok(CK_SESSION_INFO { slotID: slot, state, flags, ulDeviceError: 0 })
    }

    /// `C_Login`. The PIN's format is checked before anything is sent (`CKR_PIN_LEN_RANGE`,
    /// `CKR_PIN_INVALID`); then, in one exclusive transaction, the retry counter is read
    /// (blocked: `CKR_PIN_LOCKED` without a VERIFY; one try left: `CKR_PIN_LOCKED` without
    /// a VERIFY unless `MYNACARD_PKCS11_ALLOW_LAST_TRY=1`), the PIN verified once (never
    /// retried) and the application left; the card is then powered off. The PIN is held in
    /// zeroizing memory until logout, the last session's close, card removal or
    /// `C_Finalize`. A context-specific login (before each signature with the signature
    /// key) with the password already verified at `C_Login` sends nothing; the signature
    /// itself verifies it again.
    pub fn login(
        &mut self,
        h: CK_SESSION_HANDLE,
        user: CK_USER_TYPE,
        pin: Option<&[u8]>,
    ) -> Result<(), CK_RV> {
        let slot = self.session(h)?.slot;
        let token = Token::of_slot(slot);
        let i = reader_index(slot);
        match user {
            CKU_USER => {
                if self.login_of(slot).is_some() {
                    return Err(CKR_USER_ALREADY_LOGGED_IN);
                }
            }
            CKU_CONTEXT_SPECIFIC => {
                let op = self.session(h)?.sign.as_ref().ok_or(CKR_OPERATION_NOT_INITIALIZED)?;
                if op.token != Token::Sign {
                    // Only the signature key asks for it; accepted, nothing to do.
                    return Ok(());
                }
            }
            CKU_SO => return Err(CKR_USER_TYPE_INVALID),
            _ => return Err(CKR_USER_TYPE_INVALID),
        }
        let pinpad = self.probe(i)?.ok_or(CKR_DEVICE_REMOVED)?.pinpad;
        let held = held_pin(token, pin, pinpad)?;
        if user == CKU_CONTEXT_SPECIFIC {
            let known = self.login_of(slot).is_some_and(|l| l.pin.same_as(&held));
            if !known {
                self.check(i, token, &held)?;
            }
            if let Some(op) = self.session(h)?.sign.as_mut() {
                op.context_pin = Some(held);
            }
            return Ok(());
        }
        let sign_cert = self.check(i, token, &held)?;
        if let Some(r) = self.readers.get_mut(i) {
            if let Some(l) = r.logins.get_mut(token.index()) {
                *l = Some(Login { pin: held, sign_cert });
            }
        }
        Ok(())
    }

    /// Check a PIN on the card of reader `i`, updating the cached counter.
    fn check(&mut self, i: usize, token: Token, held: &HeldPin) -> Result<Option<CertInfo>, CK_RV> {
        let name = self.readers.get(i).ok_or(CKR_SLOT_ID_INVALID)?.name.clone();
        let outcome = card::check_pin(&name, held, allow_last_try());
        self.note_counter(i, token, outcome.counter);
        outcome.result
    }

    fn note_counter(&mut self, i: usize, token: Token, counter: Option<PinStatus>) {
        if let (Some(c), Ok(Some(p))) = (counter, self.probe(i)) {
            if let Some(slot) = p.counters.get_mut(token.index()) {
                *slot = Some(c);
            }
        }
    }

    /// `C_Logout`: drops the held PIN (and the signature certificate) and ends the token's
    /// signatures and searches.
    pub fn logout(&mut self, h: CK_SESSION_HANDLE) -> Result<(), CK_RV> {
        let slot = self.session(h)?.slot;
        let i = reader_index(slot);
        let login = self
            .readers
            .get_mut(i)
            .and_then(|r| r.logins.get_mut(Token::of_slot(slot).index()))
            .ok_or(CKR_SLOT_ID_INVALID)?;
        if login.take().is_none() {
            return Err(CKR_USER_NOT_LOGGED_IN);
        }
        for s in self.sessions.values_mut().filter(|s| s.slot == slot) {
            s.sign = None;
            s.find = None;
        }
        Ok(())
    }

    /// The attributes of object `obj` as session `h` sees it.
    fn object(&mut self, h: CK_SESSION_HANDLE, obj: CK_OBJECT_HANDLE) -> Result<Attrs, CK_RV> {
        let slot = self.session(h)?.slot;
        let (oslot, kind) = objects::parse_handle(obj).ok_or(CKR_OBJECT_HANDLE_INVALID)?;
        if oslot != slot {
            return Err(CKR_OBJECT_HANDLE_INVALID);
        }
        self.visible(slot)?
            .into_iter()
            .find(|(k, _)| *k == kind)
            .map(|(_, a)| a)
            .ok_or(CKR_OBJECT_HANDLE_INVALID)
    }

    /// The objects of `slot` visible now, with their attributes.
    fn visible(&mut self, slot: CK_SLOT_ID) -> Result<Vec<(Kind, Attrs)>, CK_RV> {
        let token = Token::of_slot(slot);
        let i = reader_index(slot);
        let login_cert = self.login_of(slot).map(|l| l.sign_cert.clone());
        let logged_in = login_cert.is_some();
        let probe = self.probe(i)?.ok_or(CKR_DEVICE_REMOVED)?;
        let (cert, ca) = match token {
            Token::Auth => (probe.auth.clone(), probe.auth_ca.clone()),
            Token::Sign => (login_cert.flatten(), probe.sign_ca.clone()),
        };
        let view = View { token, cert: cert.as_ref(), ca: ca.as_ref(), fallback_bits: 2048 };
        Ok(KINDS
            .iter()
            .filter(|k| logged_in || !objects::is_private(token, **k))
            .filter_map(|k| objects::attributes(*k, &view).map(|a| (*k, a)))
            .collect())
    }

    /// `C_GetAttributeValue`.
    pub fn attribute_values(
        &mut self,
        h: CK_SESSION_HANDLE,
        obj: CK_OBJECT_HANDLE,
        types: &[CK_ATTRIBUTE_TYPE],
    ) -> Result<Vec<AttrValue>, CK_RV> {
        let attrs = self.object(h, obj)?;
        let private_key = objects::parse_handle(obj).map(|(_, k)| k) == Some(Kind::PrivateKey);
        Ok(types
            .iter()
            .map(|t| {
                if private_key && objects::SENSITIVE.contains(t) {
                    return AttrValue::Sensitive;
                }
                attrs
                    .iter()
                    .find(|(at, _)| at == t)
                    .map(|(_, v)| AttrValue::Value(v.clone()))
                    .unwrap_or(AttrValue::Invalid)
            })
            .collect())
    }

    /// `C_FindObjectsInit`: the matches are fixed now (no card round trip: the public
    /// certificates are cached per inserted card).
    pub fn find_init(&mut self, h: CK_SESSION_HANDLE, template: &Attrs) -> Result<(), CK_RV> {
        let slot = {
            let s = self.session(h)?;
            if s.find.is_some() {
                return Err(CKR_OPERATION_ACTIVE);
            }
            s.slot
        };
        let found: VecDeque<CK_OBJECT_HANDLE> = self
            .visible(slot)?
            .into_iter()
            .filter(|(_, a)| objects::matches(a, template))
            .map(|(k, _)| objects::handle(slot, k))
            .collect();
        self.session(h)?.find = Some(found);
        Ok(())
    }

    /// `C_FindObjects`.
    pub fn find(
        &mut self,
        h: CK_SESSION_HANDLE,
        max: usize,
    ) -> Result<Vec<CK_OBJECT_HANDLE>, CK_RV> {
        let s = self.session(h)?;
        let q = s.find.as_mut().ok_or(CKR_OPERATION_NOT_INITIALIZED)?;
        let n = max.min(q.len());
        Ok(q.drain(..n).collect())
    }

    /// `C_FindObjectsFinal`.
    pub fn find_final(&mut self, h: CK_SESSION_HANDLE) -> Result<(), CK_RV> {
        let s = self.session(h)?;
        s.find.take().map(|_| ()).ok_or(CKR_OPERATION_NOT_INITIALIZED)
    }

    /// `C_SignInit`: the key must be this token's private key, visible (logged in).
    pub fn sign_init(
        &mut self,
        h: CK_SESSION_HANDLE,
        mech: CK_MECHANISM_TYPE,
        has_params: bool,
        key: CK_OBJECT_HANDLE,
    ) -> Result<(), CK_RV> {
        let slot = {
            let s = self.session(h)?;
            if s.sign.is_some() {
                return Err(CKR_OPERATION_ACTIVE);
            }
            s.slot
        };
        let input = Input::new(mech)?;
        if has_params {
            return Err(CKR_MECHANISM_PARAM_INVALID);
        }
        match objects::parse_handle(key) {
            Some((kslot, Kind::PrivateKey)) if kslot == slot => {}
            Some((kslot, _)) if kslot == slot => return Err(CKR_KEY_TYPE_INCONSISTENT),
            _ => return Err(CKR_KEY_HANDLE_INVALID),
        }
        if self.login_of(slot).is_none() {
            return Err(CKR_USER_NOT_LOGGED_IN);
        }
        let token = Token::of_slot(slot);
        self.session(h)?.sign = Some(SignOp { token, input, context_pin: None });
        Ok(())
    }

    /// `C_SignUpdate`.
    pub fn sign_update(&mut self, h: CK_SESSION_HANDLE, data: &[u8]) -> Result<(), CK_RV> {
        let s = self.session(h)?;
        let op = s.sign.as_mut().ok_or(CKR_OPERATION_NOT_INITIALIZED)?;
        let r = op.input.update(data);
        if r.is_err() {
            s.sign = None;
        }
        r
    }

    /// `C_Sign` (`data` given) and `C_SignFinal` (`None`); `capacity` is the caller's
    /// buffer size, `None` for a length query.
    pub fn sign(
        &mut self,
        h: CK_SESSION_HANDLE,
        data: Option<&[u8]>,
        capacity: Option<usize>,
    ) -> Result<SignOut, CK_RV> {
        let slot = {
            let s = self.session(h)?;
            if s.sign.is_none() {
                return Err(CKR_OPERATION_NOT_INITIALIZED);
            }
            s.slot
        };
        let len = self.key_bits(slot)?.div_ceil(8);
        match capacity {
            None => return Ok(SignOut::Len(len)),
            Some(c) if c < len => return Ok(SignOut::TooSmall(len)),
            Some(_) => {}
        }
        let mut op = self.session(h)?.sign.take().ok_or(CKR_OPERATION_NOT_INITIALIZED)?;
        if let Some(d) = data {
            op.input.update(d)?;
        }
        let digest_info = op.input.digest_info()?;
        let pin = match op.token {
            Token::Sign => op.context_pin.take().ok_or(CKR_USER_NOT_LOGGED_IN)?,
            Token::Auth => {
                self.login_of(slot).map(|l| l.pin.clone()).ok_or(CKR_USER_NOT_LOGGED_IN)?
            }
        };
        let i = reader_index(slot);
        let name = self.readers.get(i).ok_or(CKR_SLOT_ID_INVALID)?.name.clone();
        let outcome = card::sign(&name, &pin, &digest_info, allow_last_try());
        self.note_counter(i, op.token, outcome.counter);
        outcome.result.map(SignOut::Signature)
    }

    /// The next slot event for `C_WaitForSlotEvent`.
    fn next_event(&mut self) -> Option<CK_SLOT_ID> {
        if let Some(s) = self.pending_events.pop_front() {
            return Some(s);
        }
        self.refresh();
        for (i, r) in self.readers.iter_mut().enumerate() {
            let now = (r.present, r.events);
            if r.reported != now {
                r.reported = now;
                self.pending_events.extend([slot_of(i, Token::Auth), slot_of(i, Token::Sign)]);
            }
        }
        self.pending_events.pop_front()
    }
}

/// The PIN of a `C_Login`, format-checked before anything is sent: the authentication PIN
/// is exactly 4 digits, the signature password 6 to 16 of `A–Z0–9` with lower case folded
/// to upper (mynacard's `AuthPin` and `SignPassword`). No PIN (`NULL`): the reader's PIN
/// pad, for the authentication PIN only (`CKR_ARGUMENTS_BAD` otherwise).
fn held_pin(
    token: Token,
    pin: Option<&[u8]>,
    pad: Option<mynacard::card::PinPad>,
) -> Result<HeldPin, CK_RV> {
    let Some(bytes) = pin else {
        return match (token, pad) {
            (Token::Auth, Some(pad)) => Ok(HeldPin::Pad(pad)),
            _ => Err(CKR_ARGUMENTS_BAD),
        };
    };
    let (min, max) = match token {
        Token::Auth => (4, 4),
        Token::Sign => (6, 16),
    };
    if bytes.len() < min || bytes.len() > max {
        return Err(CKR_PIN_LEN_RANGE);
    }
    let text = std::str::from_utf8(bytes).map_err(|_| CKR_PIN_INVALID)?;
    match token {
        Token::Auth => AuthPin::new(text).map(HeldPin::Auth),
        Token::Sign => SignPassword::new(text).map(HeldPin::Sign),
    }
    .map_err(|_| CKR_PIN_INVALID)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(r: Result<HeldPin, CK_RV>) -> Result<&'static str, CK_RV> {
        r.map(|h| match h {
            HeldPin::Auth(_) => "auth",
            HeldPin::Sign(_) => "sign",
            HeldPin::Pad(_) => "pad",
        })
    }

    #[test]
    fn pin_formats_are_checked_before_anything_is_sent() {
        assert_eq!(kind(held_pin(Token::Auth, Some(b"1234"), None)), Ok("auth"));
        assert_eq!(kind(held_pin(Token::Auth, Some(b"123"), None)), Err(CKR_PIN_LEN_RANGE));
        assert_eq!(kind(held_pin(Token::Auth, Some(b"12345"), None)), Err(CKR_PIN_LEN_RANGE));
        assert_eq!(kind(held_pin(Token::Auth, Some(b"12a4"), None)), Err(CKR_PIN_INVALID));
        assert_eq!(kind(held_pin(Token::Auth, None, None)), Err(CKR_ARGUMENTS_BAD));
        assert_eq!(kind(held_pin(Token::Sign, Some(b"MYNACARD1"), None)), Ok("sign"));
        assert_eq!(kind(held_pin(Token::Sign, Some(b"abc12"), None)), Err(CKR_PIN_LEN_RANGE));
        assert_eq!(
            kind(held_pin(Token::Sign, Some(b"ABCDEFGHIJKLMNOPQ"), None)),
            Err(CKR_PIN_LEN_RANGE)
        );
        assert_eq!(kind(held_pin(Token::Sign, Some(b"ABC-123"), None)), Err(CKR_PIN_INVALID));
        assert_eq!(
            kind(held_pin(Token::Sign, Some(&[0xE3, 0x81, 0x82, 0x41, 0x42, 0x43]), None)),
            Err(CKR_PIN_INVALID)
        );
        assert_eq!(kind(held_pin(Token::Sign, None, None)), Err(CKR_ARGUMENTS_BAD));
    }

    #[test]
    fn no_pin_means_the_pad_for_the_authentication_pin_only() {
        let pad = mynacard::card::PinPad {
            control_code: 0x42000DAC,
            modify_code: None,
            params: mynacard::transport::pinpad::PinPadParams::default(),
        };
        assert_eq!(kind(held_pin(Token::Auth, None, Some(pad))), Ok("pad"));
        assert_eq!(kind(held_pin(Token::Sign, None, Some(pad))), Err(CKR_ARGUMENTS_BAD));
        // A PIN given on a pad reader is still taken from the host.
        assert_eq!(kind(held_pin(Token::Auth, Some(b"1234"), Some(pad))), Ok("auth"));
    }

    #[test]
    fn the_signature_password_is_folded_to_upper_case() {
        let lower = held_pin(Token::Sign, Some(b"mynacard1"), None).unwrap();
        let upper = held_pin(Token::Sign, Some(b"MYNACARD1"), None).unwrap();
        assert!(lower.same_as(&upper));
        let other = held_pin(Token::Sign, Some(b"MYNACARD2"), None).unwrap();
        assert!(!other.same_as(&upper));
        let auth = held_pin(Token::Auth, Some(b"1234"), None).unwrap();
        assert!(!auth.same_as(&upper));
        assert_eq!(format!("{lower:?}"), "HeldPin::Sign(***)");
    }

    #[test]
    fn slot_ids_pair_per_reader() {
        assert_eq!(slot_of(0, Token::Auth), 0);
        assert_eq!(slot_of(0, Token::Sign), 1);
        assert_eq!(slot_of(3, Token::Sign), 7);
        assert_eq!(reader_index(7), 3);
    }
}
