//! The JPKI application (公的個人認証AP): detection by AID and token label, certificate
//! reads, PIN retry counters, VERIFY and CHANGE REFERENCE DATA, and PIN-gated signing of a
//! DigestInfo. VERIFY → COMPUTE DIGITAL SIGNATURE runs inside one exclusive transaction
//! ([`Unlocked`]), which always ends by leaving the application
//! ([`super::leave_application`]).

use crate::apdu::{Command, StatusWord};
use crate::facts;
use crate::transport::Transport;

use super::entry::{PinChange, PinEntry, Secret};
use super::error::CardError;
use super::pin::{AuthPin, CardPin, PinKind, SignPassword};
use super::pinpad::{change_on_pad, PinPad};
use super::session::{Exclusive, FileShape};
use super::{leave_application, pin_status_in, verify_in, Client};

/// Length of an RSA-2048 signature.
pub const SIGNATURE_LEN: usize = 256;

/// Each PIN's retry counter, or why it could not be read (from [`Client::pin_statuses`]).
pub type PinStatuses = Vec<(PinKind, Result<PinStatus, CardError>)>;

/// What kind of JPKI token answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenType {
    /// A My Number Card (`JPKIAPICCTOKEN2`).
    Card,
    /// A smartphone carrying JPKI (`JPKIAPGPSETOKEN`, Android).
    Phone,
    /// An iPhone carrying JPKI (`JPKIAPIOSTOKEN`; the label has a single source).
    Iphone,
}

impl TokenType {
    /// The token-info label that names it.
    pub fn label(self) -> &'static str {
        match self {
            TokenType::Card => facts::token::CARD,
            TokenType::Phone => facts::token::PHONE,
            TokenType::Iphone => facts::token::IPHONE,
        }
    }

    /// What it is, in words with its label: "My Number Card (JPKIAPICCTOKEN2)".
    pub fn description(self) -> String {
        let what = match self {
            TokenType::Card => "My Number Card",
            TokenType::Phone => "Android smartphone JPKI token",
            TokenType::Iphone => "iPhone JPKI token",
        };
        format!("{what} ({})", self.label())
    }

    /// The stable machine-readable name: `card`, `android`, `iphone`.
    pub fn name(self) -> &'static str {
        match self {
            TokenType::Card => "card",
            TokenType::Phone => "android",
            TokenType::Iphone => "iphone",
        }
    }
}

/// The certificates of the JPKI application.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CertKind {
    /// User-authentication certificate (EF 000A).
    Auth,
    /// Its CA certificate (EF 000B).
    AuthCa,
    /// Signature certificate (EF 0001): needs the signature password verified.
    Sign,
    /// Its CA certificate (EF 0002).
    SignCa,
}

impl CertKind {
    /// The certificate's elementary file.
    pub fn ef(self) -> u16 {
        match self {
            CertKind::Auth => facts::jpki::EF_AUTH_CERT,
            CertKind::AuthCa => facts::jpki::EF_AUTH_CA_CERT,
            CertKind::Sign => facts::jpki::EF_SIGN_CERT,
            CertKind::SignCa => facts::jpki::EF_SIGN_CA_CERT,
        }
    }
}

/// The private keys of the JPKI application.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyKind {
    /// User-authentication key (EF 0017), unlocked by the 4-digit PIN.
    Auth,
    /// Signature key (EF 001A), unlocked by the signature password.
    Sign,
}

impl KeyKind {
    /// The key's elementary file.
    pub fn ef(self) -> u16 {
        match self {
            KeyKind::Auth => facts::jpki::EF_AUTH_KEY,
            KeyKind::Sign => facts::jpki::EF_SIGN_KEY,
        }
    }

    /// The PIN that unlocks the key.
    pub fn pin_kind(self) -> PinKind {
        match self {
            KeyKind::Auth => PinKind::Auth,
            KeyKind::Sign => PinKind::Sign,
        }
    }
}

/// A PIN that unlocks a JPKI key: [`AuthPin`] or [`SignPassword`].
pub trait KeyPin: CardPin {
    /// The key it unlocks.
    const KEY: KeyKind;
}

impl KeyPin for AuthPin {
    const KEY: KeyKind = KeyKind::Auth;
}

impl KeyPin for SignPassword {
    const KEY: KeyKind = KeyKind::Sign;
}

/// A PIN's retry counter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PinStatus {
    /// This many tries left.
    Remaining(u8),
    /// Blocked (`63 C0`, `69 83` or `69 84`).
    Blocked,
}

/// The applications that hold PIN objects.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PinApp {
    /// JPKI (公的個人認証AP).
    Jpki,
    /// The card-info-input support (text) application.
    Text,
    /// The card-face confirmation application.
    Face,
}

impl PinApp {
    /// The application's AID.
    pub fn aid(self) -> &'static [u8] {
        match self {
            PinApp::Jpki => &facts::AID_JPKI,
            PinApp::Text => &facts::AID_TEXT,
            PinApp::Face => &facts::AID_VISUAL,
        }
    }

    /// The stable machine-readable name: `jpki`, `text`, `face`.
    pub fn name(self) -> &'static str {
        match self {
            PinApp::Jpki => "jpki",
            PinApp::Text => "text",
            PinApp::Face => "face",
        }
    }
}

/// One PIN object (a key the card verifies) of one application.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PinObject {
    /// The application.
    pub app: PinApp,
    /// Its elementary file.
    pub ef: u16,
    /// Stable machine-readable name, unique over all objects (`auth`, `text-code-a`, …).
    pub name: &'static str,
    /// What it is, in words.
    pub description: &'static str,
    /// Tries of a fresh card, where established.
    pub max_tries: Option<u8>,
}

/// Every PIN object this library knows of, in display order (docs/card-facts.md §2, §3):
/// JPKI 0018 authentication PIN and 001B signature password;
/// text 0011 PIN, 0012 (blocked as issued, single source), 0014 照合番号A, 0015 照合番号B;
/// card-face 0011 生年月日 key, 0012 照合番号B (10 tries), 0013 照合番号A. No PIN object of the
/// common application is known, so none is queried.
pub const PIN_OBJECTS: [PinObject; 9] = [
    PinObject {
        app: PinApp::Jpki,
        ef: facts::jpki::EF_AUTH_PIN,
        name: "auth",
        description: "authentication PIN",
        max_tries: Some(facts::tries::AUTH),
    },
    PinObject {
        app: PinApp::Jpki,
        ef: facts::jpki::EF_SIGN_PIN,
        name: "sign",
        description: "signature password",
        max_tries: Some(facts::tries::SIGN),
    },
    PinObject {
        app: PinApp::Text,
        ef: facts::text::EF_PIN,
        name: "text",
        description: "text-application PIN",
        max_tries: Some(facts::tries::TEXT),
    },
    PinObject {
        app: PinApp::Text,
        ef: facts::text_more::EF_PIN_0012,
        name: "text-0012",
        description: "text-application key 0012 (blocked as issued)",
        max_tries: None,
    },
    PinObject {
        app: PinApp::Text,
        ef: facts::text_more::EF_CODE_A,
        name: "text-code-a",
        description: "text-application 照合番号A (My Number)",
        max_tries: None,
    },
    PinObject {
        app: PinApp::Text,
        ef: facts::text_more::EF_CODE_B,
        name: "text-code-b",
        description: "text-application 照合番号B",
        max_tries: None,
    },
    PinObject {
        app: PinApp::Face,
        ef: facts::visual::EF_BIRTH_KEY,
        name: "face-birth",
        description: "card-face birth-date key (生年月日)",
        max_tries: None,
    },
    PinObject {
        app: PinApp::Face,
        ef: facts::visual::EF_CODE_B,
        name: "face-code-b",
        description: "card-face 照合番号B",
        max_tries: Some(facts::visual::CODE_B_TRIES),
    },
    PinObject {
        app: PinApp::Face,
        ef: facts::visual::EF_CODE_A,
        name: "face-code-a",
        description: "card-face 照合番号A (My Number)",
        max_tries: None,
    },
];

/// What an empty VERIFY (or the SELECT before it) says about one PIN object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PinObjectState {
    /// `63 Cx`, x > 0: this many tries left.
    Remaining(u8),
    /// `63 C0`, `69 83` or `69 84`.
    Blocked,
    /// `63 00`: no retry counter (unlimited tries).
    Unlimited,
    /// `90 00`: already verified in the current application (some cards answer so).
    Verified,
    /// SELECT of the EF answered `6A 82`.
    Absent,
    /// The card has no such application.
    AppAbsent,
    /// Any other answer, reported as it is.
    Other(StatusWord),
}

/// The state of the selected PIN EF, by an empty VERIFY (spends no try).
pub(crate) fn pin_state_in(s: &mut super::Session<'_>) -> Result<PinObjectState, CardError> {
    let resp = s.apdu(&Command::verify_status())?;
    Ok(match resp.sw {
        sw if sw.is_blocked() => PinObjectState::Blocked,
        StatusWord::TriesLeft(n) => PinObjectState::Remaining(n),
        StatusWord::Other(0x6300) => PinObjectState::Unlimited,
        StatusWord::Success => PinObjectState::Verified,
        sw => PinObjectState::Other(sw),
    })
}

/// SELECT a PIN EF of the current application and read its state.
fn object_state_in(s: &mut super::Session<'_>, ef: u16) -> Result<PinObjectState, CardError> {
    match s.select_ef(ef) {
        Ok(()) => pin_state_in(s),
        Err(CardError::FileNotFound(_)) => Ok(PinObjectState::Absent),
        Err(CardError::Unexpected { sw, .. }) => Ok(PinObjectState::Other(sw)),
        Err(e) => Err(e),
    }
}

fn not_jpki() -> CardError {
    CardError::NotJpki
}

/// The error for a card that lacks the application holding this PIN.
pub(crate) fn missing_app(kind: PinKind) -> fn() -> CardError {
    match kind {
        PinKind::Text => || CardError::NoTextApp,
        PinKind::Auth | PinKind::Sign => not_jpki,
        PinKind::FaceBirth | PinKind::FaceCodeA | PinKind::FaceCodeB => || CardError::NoFaceApp,
    }
}

/// Whether `digest_info` is a DER DigestInfo for SHA-256, SHA-384 or SHA-512.
pub fn is_digest_info(digest_info: &[u8]) -> bool {
    [
        (&facts::DIGEST_INFO_SHA256, 32),
        (&facts::DIGEST_INFO_SHA384, 48),
        (&facts::DIGEST_INFO_SHA512, 64),
    ]
    .iter()
    .any(|(prefix, len)| {
        digest_info.len() == prefix.len() + len && digest_info.starts_with(&prefix[..])
    })
}

fn token_from_label(raw: &[u8]) -> Result<TokenType, CardError> {
    let label_bytes = raw.get(..facts::token::LABEL_LEN).unwrap_or(raw);
    let end = label_bytes.iter().rposition(|&b| b != b' ' && b != 0).map_or(0, |i| i + 1);
    let label = String::from_utf8_lossy(label_bytes.get(..end).unwrap_or_default());
    match label.as_ref() {
        facts::token::CARD => Ok(TokenType::Card),
        facts::token::PHONE => Ok(TokenType::Phone),
        facts::token::IPHONE => Ok(TokenType::Iphone),
        facts::token::OLD_RESIDENT_CARD => Err(CardError::OldResidentCard),
        other => Err(CardError::UnknownToken(other.escape_default().to_string())),
    }
}

impl<T: Transport> Client<T> {
    /// Find the JPKI application by its AID (never by ATR) and tell the token type from the
    /// token-info label.
    pub fn detect(&mut self) -> Result<TokenType, CardError> {
        let mut ex = self.exclusive()?;
        let mut s = ex.session();
        if !s.select_aid(&facts::AID_JPKI)? {
            return Err(CardError::NotJpki);
        }
        let info =
            s.read_file(facts::jpki::EF_TOKEN_INFO, FileShape::UpTo(facts::token::LABEL_LEN))?;
        token_from_label(&info)
    }

    /// Read a certificate (DER, padding cut off). The signature certificate needs the
    /// password: use [`Client::read_sign_certificate`] or [`Unlocked::read_certificate`].
    pub fn read_certificate(&mut self, kind: CertKind) -> Result<Vec<u8>, CardError> {
        let mut ex = self.exclusive()?;
        let mut s = ex.session();
        if !s.select_aid(&facts::AID_JPKI)? {
            return Err(CardError::NotJpki);
        }
        read_cert_in(&mut s, kind)
    }

    /// Verify the signature password and read the signature certificate, then clear the
    /// security state.
    pub fn read_sign_certificate(
        &mut self,
        password: &SignPassword,
        allow_last_try: bool,
    ) -> Result<Vec<u8>, CardError> {
        let mut unlocked = self.unlock(PinEntry::Host(password), allow_last_try)?;
        let cert = unlocked.read_certificate(CertKind::Sign);
        let cleared = unlocked.finish();
        let cert = cert?;
        cleared?;
        Ok(cert)
    }

    /// A PIN's retry counter, read without spending a try.
    pub fn pin_status(&mut self, kind: PinKind) -> Result<PinStatus, CardError> {
        let missing = missing_app(kind);
        let mut ex = self.exclusive()?;
        let mut s = ex.session();
        if !s.select_aid(kind.aid())? {
            return Err(missing());
        }
        s.select_ef(kind.ef())?;
        pin_status_in(&mut s)
    }

    /// Several retry counters in one exclusive transaction, selecting each application once
    /// (auth and sign share the JPKI application): `kinds.len()` VERIFYs without data, and
    /// one SELECT per application and per PIN EF. A missing application is that PIN's
    /// `Err`, the others are still read; a transport failure ends the whole call.
    pub fn pin_statuses(&mut self, kinds: &[PinKind]) -> Result<PinStatuses, CardError> {
        let mut ex = self.exclusive()?;
        let mut s = ex.session();
        let mut out = Vec::with_capacity(kinds.len());
        let mut current: Option<(&'static [u8], bool)> = None;
        for &kind in kinds {
            let aid = kind.aid();
            let present = match current {
                Some((selected, present)) if selected == aid => present,
                _ => {
                    let present = s.select_aid(aid)?;
                    current = Some((aid, present));
                    present
                }
            };
            let status = if !present {
                Err(missing_app(kind)())
            } else {
                s.select_ef(kind.ef()).and_then(|()| pin_status_in(&mut s))
            };
            if let Err(CardError::Transport(_)) = &status {
                return status.map(|_| Vec::new());
            }
            out.push((kind, status));
        }
        Ok(out)
    }

    /// The state of every PIN object of [`PIN_OBJECTS`], in one exclusive transaction,
    /// selecting each application once; only VERIFY without data is sent, so no try is
    /// spent. A transport failure ends the whole call; anything else is that object's state.
    /// An object found absent or answering an unexpected status is asked once more after a
    /// fresh SELECT of its application (docs/robustness.md, "Fault matrix").
    pub fn pin_objects(&mut self) -> Result<Vec<(PinObject, PinObjectState)>, CardError> {
        let mut ex = self.exclusive()?;
        let mut s = ex.session();
        let mut out = Vec::with_capacity(PIN_OBJECTS.len());
        let mut current: Option<(PinApp, bool)> = None;
        for obj in PIN_OBJECTS {
            let present = match current {
                Some((app, present)) if app == obj.app => present,
                _ => {
                    let present = s.select_aid(obj.app.aid())?;
                    current = Some((obj.app, present));
                    present
                }
            };
            let mut state =
                if present { object_state_in(&mut s, obj.ef)? } else { PinObjectState::AppAbsent };
            if matches!(state, PinObjectState::Absent | PinObjectState::Other(_)) {
                // An odd answer may be a glitch (a lost answer, a reset nobody was told of,
                // after which no application is current): ask once more after a fresh
                // SELECT of the application; the second answer stands.
                let present = s.select_aid(obj.app.aid())?;
                current = Some((obj.app, present));
                state = if present {
                    object_state_in(&mut s, obj.ef)?
                } else {
                    PinObjectState::AppAbsent
                };
            }
            out.push((obj, state));
        }
        Ok(out)
    }

    /// Verify a PIN once (never retried), typed on the host or on the reader's pad, then
    /// clear the security state. Refuses without sending the PIN when it is blocked, or when
    /// one try is left and `allow_last_try` is false.
    pub fn verify_pin<P: CardPin>(
        &mut self,
        entry: PinEntry<'_, P>,
        allow_last_try: bool,
    ) -> Result<(), CardError> {
        let kind = P::KIND;
        self.in_app_cleared(kind.aid(), missing_app(kind), |s| {
            verify_in(s, kind, entry.secret(), allow_last_try)
        })
    }

    /// Change a PIN, then clear the security state. From the host: VERIFY the old one, then
    /// CHANGE REFERENCE DATA with the new one. On the reader's pad: the current PIN is
    /// verified on the pad, then the new one is typed twice on it
    /// ([`CardError::NoPinPadChange`] when the reader cannot change PINs: `pad.modify_code`
    /// is `None`; nothing is sent then). When the card may have carried out the change but
    /// its answer was lost, or it confirmed the change and leaving the application then
    /// failed, the error is [`CardError::PinChangeUncertain`], so the user tries the new PIN
    /// first instead of spending a try on the old one.
    pub fn change_pin<P: CardPin>(
        &mut self,
        change: PinChange<'_, P>,
        allow_last_try: bool,
    ) -> Result<(), CardError> {
        if let PinChange::Pad(PinPad { modify_code: None, .. }) = change {
            return Err(CardError::NoPinPadChange);
        }
        let kind = P::KIND;
        let uncertain = |confirmed, e: CardError| CardError::PinChangeUncertain {
            kind,
            confirmed,
            cause: e.to_string(),
        };
        let changed = std::cell::Cell::new(false);
        let result = self.in_app_cleared(kind.aid(), missing_app(kind), |s| match change {
            PinChange::Host { old, new } => {
                verify_in(s, kind, Secret::Host(old.as_bytes()), allow_last_try)?;
                let resp = s
                    .apdu(&Command::change_reference_data(new.as_bytes()))
                    .map_err(|e| uncertain(false, e))?;
                match resp.sw {
                    StatusWord::Success => {
                        changed.set(true);
                        Ok(())
                    }
                    StatusWord::SecurityStatusNotSatisfied => {
                        Err(CardError::SecurityStatus { what: "to change the PIN" })
                    }
                    sw => Err(CardError::Unexpected { command: "CHANGE REFERENCE DATA", sw }),
                }
            }
            PinChange::Pad(pad) => {
                verify_in(s, kind, Secret::Pad(pad), allow_last_try)?;
                change_on_pad(s, kind, pad)?;
                changed.set(true);
                Ok(())
            }
        });
        match result {
            // Changed, and then leaving the application failed: say it WAS changed.
            Err(e) if changed.get() => Err(uncertain(true, e)),
            other => other,
        }
    }

    /// Take the card exclusively, select JPKI and verify the key's PIN, typed on the host or
    /// on the reader's pad (checking the counter first). The returned [`Unlocked`] signs and
    /// reads inside the same transaction; dropping it (or [`Unlocked::finish`]) clears the
    /// security state.
    pub fn unlock<P: KeyPin>(
        &mut self,
        entry: PinEntry<'_, P>,
        allow_last_try: bool,
    ) -> Result<Unlocked<'_>, CardError> {
        let mut ex = self.exclusive()?;
        let mut s = ex.session();
        if !s.select_aid(&facts::AID_JPKI)? {
            return Err(CardError::NotJpki);
        }
        if let Err(err) = verify_in(&mut s, P::KIND, entry.secret(), allow_last_try) {
            let _ = leave_application(&mut s, &facts::AID_JPKI);
            return Err(err);
        }
        Ok(Unlocked { ex, key: P::KEY, cleared: false })
    }

    /// Sign a DigestInfo with a JPKI key: inside one transaction, check the counter, VERIFY,
    /// SELECT the key, COMPUTE DIGITAL SIGNATURE, and leave JPKI to clear the security
    /// state. Returns the 256-byte signature.
    pub fn sign<P: KeyPin>(
        &mut self,
        entry: PinEntry<'_, P>,
        digest_info: &[u8],
        allow_last_try: bool,
    ) -> Result<Vec<u8>, CardError> {
        if !is_digest_info(digest_info) {
            return Err(CardError::NotDigestInfo(digest_info.len()));
        }
        let mut unlocked = self.unlock(entry, allow_last_try)?;
        let sig = unlocked.sign(digest_info);
        let cleared = unlocked.finish();
        let sig = sig?;
        cleared?;
        Ok(sig)
    }
}

fn read_cert_in(s: &mut super::Session<'_>, kind: CertKind) -> Result<Vec<u8>, CardError> {
    let der = match s.read_file(kind.ef(), FileShape::Tlv) {
        Err(CardError::SecurityStatus { .. }) if kind == CertKind::Sign => {
            return Err(CardError::SecurityStatus { what: "to read the signature certificate" });
        }
        other => other?,
    };
    if der.first() != Some(&0x30) || der.len() < 4 {
        return Err(CardError::Malformed(format!(
            "certificate file {:04X} does not hold a DER certificate",
            kind.ef()
        )));
    }
    Ok(der)
}

/// The JPKI application with a key's PIN verified, inside one exclusive transaction.
/// Dropping it (or [`Unlocked::finish`]) leaves the application, which clears the security
/// state ([`super::leave_application`]).
pub struct Unlocked<'c> {
    ex: Exclusive<'c>,
    key: KeyKind,
    cleared: bool,
}

impl Unlocked<'_> {
    /// The key this PIN unlocked.
    pub fn key(&self) -> KeyKind {
        self.key
    }

    /// Read a certificate inside the transaction (the signature certificate is readable
    /// here when the signature password was verified).
    pub fn read_certificate(&mut self, kind: CertKind) -> Result<Vec<u8>, CardError> {
        read_cert_in(&mut self.ex.session(), kind)
    }

    /// SELECT the key EF and COMPUTE DIGITAL SIGNATURE over a DigestInfo
    /// (`80 2A 00 80 Lc DigestInfo 00`). Returns the 256-byte signature.
    pub fn sign(&mut self, digest_info: &[u8]) -> Result<Vec<u8>, CardError> {
        if !is_digest_info(digest_info) {
            return Err(CardError::NotDigestInfo(digest_info.len()));
        }
        let mut s = self.ex.session();
        s.select_ef(self.key.ef())?;
        let resp = s.apdu(&Command::compute_signature(digest_info, SIGNATURE_LEN))?;
        match resp.sw {
            StatusWord::Success if resp.data.len() == SIGNATURE_LEN => Ok(resp.data.to_vec()),
            StatusWord::Success => Err(CardError::Malformed(format!(
                "signature of {} bytes, {SIGNATURE_LEN} expected",
                resp.data.len()
            ))),
            StatusWord::SecurityStatusNotSatisfied => {
                Err(CardError::SecurityStatus { what: "to sign" })
            }
            sw => Err(CardError::Unexpected { command: "COMPUTE DIGITAL SIGNATURE", sw }),
        }
    }

    /// Clear the security state and end the transaction, reporting whether clearing worked.
    pub fn finish(mut self) -> Result<(), CardError> {
        self.cleared = true;
        leave_application(&mut self.ex.session(), &facts::AID_JPKI)
    }
}

impl Drop for Unlocked<'_> {
    fn drop(&mut self) {
        if !self.cleared {
            let _ = leave_application(&mut self.ex.session(), &facts::AID_JPKI);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels() {
        let pad = |s: &str| {
            let mut v = s.as_bytes().to_vec();
            v.resize(32, b' ');
            v
        };
        assert_eq!(token_from_label(&pad("JPKIAPICCTOKEN2")).unwrap(), TokenType::Card);
        assert_eq!(token_from_label(&pad("JPKIAPGPSETOKEN")).unwrap(), TokenType::Phone);
        assert_eq!(token_from_label(&pad("JPKIAPIOSTOKEN")).unwrap(), TokenType::Iphone);
        assert!(matches!(
            token_from_label(&pad("JPKIAPICCTOKEN")),
            Err(CardError::OldResidentCard)
        ));
        match token_from_label(&pad("FOO\u{1}")) {
            Err(CardError::UnknownToken(l)) => assert_eq!(l, "FOO\\u{1}"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(token_from_label(b""), Err(CardError::UnknownToken(l)) if l.is_empty()));
    }

    #[test]
    fn digest_info_shapes() {
        let mut di = facts::DIGEST_INFO_SHA256.to_vec();
        di.extend([0u8; 32]);
        assert!(is_digest_info(&di));
        di.push(0);
        assert!(!is_digest_info(&di));
        let mut di = facts::DIGEST_INFO_SHA512.to_vec();
        di.extend([0u8; 64]);
        assert!(is_digest_info(&di));
        assert!(!is_digest_info(&[0u8; 51]));
    }
}
