//! The card behind a slot pair, through mynacard's card layer over PC/SC: what one inserted
//! card shows (probed once per insertion), PIN checks at `C_Login`, and signatures. Every
//! operation connects, works inside one exclusive PC/SC transaction and disconnects; an
//! operation that verified a PIN leaves the JPKI application (mynacard's
//! `leave_application`: select the GlobalPlatform ISD) inside the transaction and then
//! disconnects with `SCARD_UNPOWER_CARD`, because a verification is kept across a re-select,
//! a warm reset and a reconnect and cleared only by leaving the application or powering the
//! card off (docs/card-facts.md §1). So no verified state stays on the card between calls.

use cryptoki_sys::*;
use mynacard::card::{
    pin_status_in, AuthPin, CardError, CertKind, Client, FileShape, PinEntry, PinKind, PinPad,
    PinPadMode, PinStatus, SignPassword,
};
use mynacard::facts;
use mynacard::transport::pcsc::{PcscTransport, ShareMode};
use mynacard::transport::{Disposition, Transport, TransportError};

use crate::cert::CertInfo;

/// A PIN held for a token after `C_Login`: only in zeroizing memory (mynacard's PIN types
/// zeroize on drop), or "typed on the reader's pad" (nothing held).
#[derive(Clone)]
pub enum HeldPin {
    /// The 4-digit authentication PIN.
    Auth(AuthPin),
    /// The signature password (upper case).
    Sign(SignPassword),
    /// Entered on the reader's PIN pad at each use.
    Pad(PinPad),
}

impl std::fmt::Debug for HeldPin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            HeldPin::Auth(_) => "HeldPin::Auth(***)",
            HeldPin::Sign(_) => "HeldPin::Sign(***)",
            HeldPin::Pad(_) => "HeldPin::Pad",
        })
    }
}

impl HeldPin {
    /// Whether two held PINs are the same secret (constant time over the bytes).
    pub fn same_as(&self, other: &HeldPin) -> bool {
        use mynacard::card::CardPin;
        use subtle::ConstantTimeEq;
        match (self, other) {
            (HeldPin::Auth(a), HeldPin::Auth(b)) => a.as_bytes().ct_eq(b.as_bytes()).into(),
            (HeldPin::Sign(a), HeldPin::Sign(b)) => a.as_bytes().ct_eq(b.as_bytes()).into(),
            _ => false,
        }
    }
}

/// What one inserted card shows, read once per insertion in one transaction.
#[derive(Clone, Debug)]
pub struct Probe {
    /// The authentication certificate (EF 000A), its CA (000B), the signature CA (0002).
    pub auth: Option<CertInfo>,
    /// The authentication CA certificate.
    pub auth_ca: Option<CertInfo>,
    /// The signature CA certificate.
    pub sign_ca: Option<CertInfo>,
    /// Retry counters of the authentication PIN and the signature password.
    pub counters: [Option<PinStatus>; 2],
    /// The reader's PIN pad, when it offers `FEATURE_VERIFY_PIN_DIRECT`.
    pub pinpad: Option<PinPad>,
}

/// Map a card-layer error to a PKCS#11 return value.
pub fn rv_of(e: &CardError) -> CK_RV {
    match e {
        CardError::WrongPin { .. } => CKR_PIN_INCORRECT,
        CardError::PinBlocked { .. } | CardError::LastTry { .. } => CKR_PIN_LOCKED,
        CardError::PinFormat(_) | CardError::PinPadLength { .. } => CKR_PIN_INCORRECT,
        CardError::PinPadTimeout | CardError::PinPadCancelled => CKR_FUNCTION_CANCELED,
        CardError::Transport(t) => rv_of_transport(t),
        CardError::NotJpki | CardError::OldResidentCard | CardError::UnknownToken(_) => {
            CKR_TOKEN_NOT_RECOGNIZED
        }
        _ => CKR_DEVICE_ERROR,
    }
}

/// Map a transport error to a PKCS#11 return value.
pub fn rv_of_transport(e: &TransportError) -> CK_RV {
    match e {
        TransportError::CardRemoved
        | TransportError::NoCard { .. }
        | TransportError::ReaderGone { .. }
        | TransportError::CardReset => CKR_DEVICE_REMOVED,
        _ => CKR_DEVICE_ERROR,
    }
}

fn connect(reader: &str, mode: ShareMode) -> Result<Client<PcscTransport>, CK_RV> {
    PcscTransport::connect(reader, mode).map(Client::new).map_err(|e| rv_of_transport(&e))
}

/// Power the card off when the connection ends: the second, independent measure after
/// leaving the application (docs/card-facts.md §1). A failure to do so is not reported to
/// the caller (the application was already left inside the transaction).
fn unpower(mut client: Client<PcscTransport>) {
    let _ = client.transport_mut().disconnect(Disposition::Unpower);
}

fn read_cert(s: &mut mynacard::card::Session<'_>, kind: CertKind) -> Option<CertInfo> {
    let der = s.read_file(kind.ef(), FileShape::Tlv).ok()?;
    CertInfo::parse(der).ok()
}

/// Probe the card in `reader`: `Ok(None)` when it holds no My Number Card JPKI application
/// (no token then), else its public certificates and both retry counters (read with VERIFY
/// without data: no try is spent). One transaction: SELECT JPKI, EF 0006's label, three
/// certificate files, two PIN EFs with their counters.
pub fn probe(reader: &str) -> Result<Option<Probe>, CK_RV> {
    let mut client = connect(reader, ShareMode::Shared)?;
    let pinpad = client.pinpad_for(PinKind::Auth, PinPadMode::Auto).unwrap_or(None);
    let mut ex = client.exclusive().map_err(|e| rv_of(&e))?;
    let mut s = ex.session();
    if !s.select_aid(&facts::AID_JPKI).map_err(|e| rv_of(&e))? {
        return Ok(None);
    }
    let label = s
        .read_file(facts::jpki::EF_TOKEN_INFO, FileShape::UpTo(facts::token::LABEL_LEN))
        .map_err(|e| rv_of(&e))?;
    let text = String::from_utf8_lossy(&label);
    // Only the card and the phone tokens are JPKI tokens we serve; the old resident-registry
    // card (`JPKIAPICCTOKEN`) is refused (docs/card-facts.md §6).
    let known = [facts::token::CARD, facts::token::PHONE, facts::token::IPHONE];
    if !known.contains(&text.trim_end_matches([' ', '\0'])) {
        return Ok(None);
    }
    let auth = read_cert(&mut s, CertKind::Auth);
    let auth_ca = read_cert(&mut s, CertKind::AuthCa);
    let sign_ca = read_cert(&mut s, CertKind::SignCa);
    let mut counters = [None, None];
    for (slot, kind) in counters.iter_mut().zip([PinKind::Auth, PinKind::Sign]) {
        if s.select_ef(kind.ef()).is_ok() {
            *slot = pin_status_in(&mut s).ok();
        }
    }
    Ok(Some(Probe { auth, auth_ca, sign_ca, counters, pinpad }))
}

/// The outcome of a PIN check: the error, and the counter as it now stands when known.
pub struct PinOutcome<T> {
    /// What the check came to.
    pub result: Result<T, CK_RV>,
    /// The counter after it, when the answer told it.
    pub counter: Option<PinStatus>,
}

fn counter_after(kind: PinKind, r: &Result<impl Sized, CardError>) -> Option<PinStatus> {
    let max = match kind {
        PinKind::Sign => facts::tries::SIGN,
        _ => facts::tries::AUTH,
    };
    match r {
        Ok(_) => Some(PinStatus::Remaining(max)),
        Err(CardError::WrongPin { tries_left: 0, .. }) => Some(PinStatus::Blocked),
        Err(CardError::WrongPin { tries_left, .. }) => Some(PinStatus::Remaining(*tries_left)),
        Err(CardError::PinBlocked { .. }) => Some(PinStatus::Blocked),
        Err(CardError::LastTry { .. }) => Some(PinStatus::Remaining(1)),
        Err(_) => None,
    }
}

/// Check a PIN at `C_Login`: counter first (blocked: no VERIFY; one try left: refused unless
/// `allow_last_try`), one VERIFY, never repeated, then leave the application and power the
/// card off. For the signature password the signature certificate (EF 0001, readable only
/// while the password is verified) is read in the same transaction and returned.
pub fn check_pin(
    reader: &str,
    pin: &HeldPin,
    allow_last_try: bool,
) -> PinOutcome<Option<CertInfo>> {
    let mut client = match connect(reader, ShareMode::Exclusive) {
        Ok(c) => c,
        Err(rv) => return PinOutcome { result: Err(rv), counter: None },
    };
    let (kind, result) = match pin {
        HeldPin::Auth(p) => {
            (PinKind::Auth, client.verify_pin(PinEntry::Host(p), allow_last_try).map(|()| None))
        }
        HeldPin::Pad(pad) => (
            PinKind::Auth,
            client.verify_pin::<AuthPin>(PinEntry::Pad(*pad), allow_last_try).map(|()| None),
        ),
        HeldPin::Sign(p) => (
            PinKind::Sign,
            client.read_sign_certificate(p, allow_last_try).map(|der| CertInfo::parse(der).ok()),
        ),
    };
    unpower(client);
    let counter = counter_after(kind, &result);
    PinOutcome { result: result.map_err(|e| rv_of(&e)), counter }
}

/// Sign a DigestInfo with the key `pin` unlocks: inside one exclusive transaction the
/// counter is read, the PIN verified once, the key selected, COMPUTE DIGITAL SIGNATURE sent
/// and the application left (mynacard's `Client::sign`); then the card is powered off.
pub fn sign(
    reader: &str,
    pin: &HeldPin,
    digest_info: &[u8],
    allow_last_try: bool,
) -> PinOutcome<Vec<u8>> {
    let mut client = match connect(reader, ShareMode::Exclusive) {
        Ok(c) => c,
        Err(rv) => return PinOutcome { result: Err(rv), counter: None },
    };
    let (kind, result) = match pin {
        HeldPin::Auth(p) => {
            (PinKind::Auth, client.sign(PinEntry::Host(p), digest_info, allow_last_try))
        }
        HeldPin::Pad(pad) => (
            PinKind::Auth,
            client.sign::<AuthPin>(PinEntry::Pad(*pad), digest_info, allow_last_try),
        ),
        HeldPin::Sign(p) => {
            (PinKind::Sign, client.sign(PinEntry::Host(p), digest_info, allow_last_try))
        }
    };
    unpower(client);
    let counter = counter_after(kind, &result);
    let result = result.map_err(|e| match e {
        // C_Sign has no "wrong PIN" answer; the PIN was right at C_Login.
        CardError::WrongPin { .. } => CKR_PIN_INCORRECT,
        other => rv_of(&other),
    });
    PinOutcome { result, counter }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn card_errors_map_to_return_values() {
        let kind = PinKind::Auth;
        assert_eq!(rv_of(&CardError::WrongPin { kind, tries_left: 2 }), CKR_PIN_INCORRECT);
        assert_eq!(rv_of(&CardError::PinBlocked { kind }), CKR_PIN_LOCKED);
        assert_eq!(rv_of(&CardError::LastTry { kind }), CKR_PIN_LOCKED);
        assert_eq!(rv_of(&CardError::PinPadCancelled), CKR_FUNCTION_CANCELED);
        assert_eq!(rv_of(&CardError::NotJpki), CKR_TOKEN_NOT_RECOGNIZED);
        assert_eq!(rv_of(&CardError::Transport(TransportError::CardRemoved)), CKR_DEVICE_REMOVED);
        assert_eq!(rv_of(&CardError::Transport(TransportError::Mute)), CKR_DEVICE_ERROR);
        assert_eq!(rv_of(&CardError::Malformed("x".into())), CKR_DEVICE_ERROR);
    }

    #[test]
    fn counters_after_a_pin_check() {
        let ok: Result<(), CardError> = Ok(());
        assert_eq!(counter_after(PinKind::Sign, &ok), Some(PinStatus::Remaining(5)));
        assert_eq!(counter_after(PinKind::Auth, &ok), Some(PinStatus::Remaining(3)));
        let wrong: Result<(), CardError> =
            Err(CardError::WrongPin { kind: PinKind::Auth, tries_left: 0 });
        assert_eq!(counter_after(PinKind::Auth, &wrong), Some(PinStatus::Blocked));
        let last: Result<(), CardError> = Err(CardError::LastTry { kind: PinKind::Auth });
        assert_eq!(counter_after(PinKind::Auth, &last), Some(PinStatus::Remaining(1)));
        let other: Result<(), CardError> = Err(CardError::NotJpki);
        assert_eq!(counter_after(PinKind::Auth, &other), None);
    }

    #[test]
    fn held_pins_never_show_in_debug() {
        let pin = HeldPin::Auth(AuthPin::new("4321").unwrap());
        assert_eq!(format!("{pin:?}"), "HeldPin::Auth(***)");
    }
}
