//! `mynacard pin status|change`: retry counters without spending a try, and PIN changes.
//! Also owns the rendering of PIN counters (text and JSON) that `mynacard status` shares.
//! Both PINs of a change are read and validated before anything is sent (before the card is
//! opened when a PIN source option is given), so a PIN of the wrong format never reaches the
//! card; on a PIN-pad reader (`--pinpad`) they are typed on the pad instead.

use clap::{Args, Subcommand, ValueEnum};

use mynacard::card::jpki::{PinObject, PinObjectState};
use mynacard::card::{
    AuthPin, CardError, CardPin, PinFormatError, PinKind, PinStatus, SignPassword, TextPin,
};
use mynacard::facts;
use mynacard::transport::pcsc::ShareMode;

use super::audit_log::AuditNote;
use super::connect::{self, CardClient};
use super::exit::Exit;
use super::pin_entry::{open_with, PadUse};
use super::pin_source::PinOpts;
use super::{messages, CliError, GlobalOpts};

/// `mynacard pin`.
#[derive(Debug, Args)]
pub struct PinArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: PinCommand,
}

/// Which PIN.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum WhichPin {
    /// Authentication PIN (4 digits, 3 tries).
    Auth,
    /// Signature password (6–16 of A–Z 0–9, 5 tries).
    Sign,
    /// Card-info-input application PIN (4 digits, 3 tries).
    Text,
}

/// The `pin` subcommands.
#[derive(Debug, Subcommand)]
pub enum PinCommand {
    /// Tries left of every PIN (spends no try).
    Status,
    /// Change a PIN: asks for the current one, then the new one twice.
    Change(PinChangeArgs),
}

/// `mynacard pin change`.
#[derive(Debug, Args)]
pub struct PinChangeArgs {
    /// Which PIN.
    #[arg(value_enum)]
    pub which: WhichPin,
    /// Where the current and new PINs come from.
    #[command(flatten)]
    pub pin: PinOpts,
}

/// The PIN kind a command-line name stands for.
pub fn pin_kind(which: WhichPin) -> PinKind {
    match which {
        WhichPin::Auth => PinKind::Auth,
        WhichPin::Sign => PinKind::Sign,
        WhichPin::Text => PinKind::Text,
    }
}

/// The command-line (and JSON) name of a PIN kind.
pub fn pin_name(kind: PinKind) -> &'static str {
    match kind {
        PinKind::Auth => "auth",
        PinKind::Sign => "sign",
        PinKind::Text => "text",
        PinKind::FaceBirth => "face-birth",
        PinKind::FaceCodeA => "face-code-a",
        PinKind::FaceCodeB => "face-code-b",
    }
}

/// Tries of a fresh card, where established.
fn max_tries(kind: PinKind) -> Option<u8> {
    match kind {
        PinKind::Auth => Some(facts::tries::AUTH),
        PinKind::Sign => Some(facts::tries::SIGN),
        PinKind::Text => Some(facts::tries::TEXT),
        PinKind::FaceCodeB => Some(facts::visual::CODE_B_TRIES),
        PinKind::FaceBirth | PinKind::FaceCodeA => None,
    }
}

/// One PIN's retry counter as the card reported it; `None` when the card lacks the PIN's
/// application (a phone token has no text application).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Counter {
    /// Which PIN.
    pub kind: PinKind,
    /// Its counter, or `None` when the application is absent.
    pub status: Option<PinStatus>,
}

impl Counter {
    /// The counter as text: "authentication PIN: 3 tries left".
    pub fn text(&self) -> String {
        let state = match self.status {
            Some(PinStatus::Remaining(1)) => t!("pin-state-last-try"),
            Some(PinStatus::Remaining(n)) => t!("pin-state-tries", n = n),
            Some(PinStatus::Blocked) => t!("pin-state-blocked-reset"),
            None => t!("pin-state-absent"),
        };
        t!("pin-state-line", pin = messages::pin_name(self.kind), state = state)
    }

    /// The counter as JSON (fields documented in README.md, "JSON output").
    pub fn json(&self) -> serde_json::Value {
        let (status, tries_left) = match self.status {
            Some(PinStatus::Remaining(n)) => ("ok", Some(n)),
            Some(PinStatus::Blocked) => ("blocked", Some(0)),
            None => ("absent", None),
        };
        serde_json::json!({
            "pin": pin_name(self.kind),
            "description": self.kind.to_string(),
            "status": status,
            "tries_left": tries_left,
            "max_tries": max_tries(self.kind),
        })
    }
}

/// Read every PIN counter (auth, sign, text) without spending a try.
pub fn counters(client: &mut CardClient) -> Result<Vec<Counter>, CliError> {
    let mut out = Vec::with_capacity(3);
    for (kind, status) in client.pin_statuses(&[PinKind::Auth, PinKind::Sign, PinKind::Text])? {
        let status = match status {
            Ok(s) => Some(s),
            Err(CardError::NoTextApp) if kind == PinKind::Text => None,
            Err(e) => return Err(e.into()),
        };
        out.push(Counter { kind, status });
    }
    Ok(out)
}

/// One PIN object's state as text: "text-application 照合番号A (My Number) [text 0014]: 3 tries left".
fn object_text(obj: &PinObject, state: PinObjectState) -> String {
    let what = match state {
        PinObjectState::Remaining(1) => t!("pin-state-last-try"),
        PinObjectState::Remaining(n) => t!("pin-state-tries", n = n),
        PinObjectState::Blocked => t!("pin-state-blocked"),
        PinObjectState::Unlimited => t!("pin-state-unlimited"),
        PinObjectState::Verified => t!("pin-state-verified"),
        PinObjectState::Absent => t!("pin-state-absent"),
        PinObjectState::AppAbsent => t!("pin-state-app-absent"),
        PinObjectState::Other(sw) => t!("pin-state-other", sw = sw.to_string()),
    };
    let name = format!("{} [{} {:04X}]", object_name(obj), obj.app.name(), obj.ef);
    t!("pin-state-line", pin = name, state = what)
}

/// A PIN object's name in the language in force (the library's words for one it does not
/// know by name).
fn object_name(obj: &PinObject) -> String {
    match obj.name {
        "auth" => messages::pin_name(PinKind::Auth),
        "sign" => messages::pin_name(PinKind::Sign),
        "text" => messages::pin_name(PinKind::Text),
        "text-0012" => t!("pin-object-text-0012"),
        "text-code-a" => t!("pin-object-text-code-a"),
        "text-code-b" => t!("pin-object-text-code-b"),
        "face-birth" => messages::pin_name(PinKind::FaceBirth),
        "face-code-a" => messages::pin_name(PinKind::FaceCodeA),
        "face-code-b" => messages::pin_name(PinKind::FaceCodeB),
        _ => obj.description.to_string(),
    }
}

/// One PIN object's state as JSON (fields documented in README.md, "JSON output").
fn object_json(obj: &PinObject, state: PinObjectState) -> serde_json::Value {
    let (status, tries_left, sw) = match state {
        PinObjectState::Remaining(n) => ("ok", Some(n), None),
        PinObjectState::Blocked => ("blocked", Some(0), None),
        PinObjectState::Unlimited => ("unlimited", None, None),
        PinObjectState::Verified => ("verified", None, None),
        PinObjectState::Absent | PinObjectState::AppAbsent => ("absent", None, None),
        PinObjectState::Other(sw) => ("unexpected", None, Some(format!("{:04X}", sw.to_u16()))),
    };
    let mut v = serde_json::json!({
        "pin": obj.name,
        "app": obj.app.name(),
        "ef": format!("{:04X}", obj.ef),
        "description": obj.description,
        "status": status,
        "tries_left": tries_left,
        "max_tries": obj.max_tries,
    });
    if let (Some(sw), Some(v)) = (sw, v.as_object_mut()) {
        v.insert("sw".into(), sw.into());
    }
    v
}

fn status(g: &GlobalOpts, audit: &mut AuditNote) -> Result<Exit, CliError> {
    let mut client = connect::open(g, ShareMode::Shared, audit)?;
    let objects = client.pin_objects()?;
    if g.json {
        let pins: Vec<_> = objects.iter().map(|(o, st)| object_json(o, *st)).collect();
        outln!("{}", serde_json::json!({ "pins": pins }))?;
    } else {
        for (o, st) in &objects {
            outln!("{}", object_text(o, *st))?;
        }
    }
    Ok(Exit::Success)
}

/// A typed PIN from a secret, or a usage error naming the rule (never the value).
fn typed<P>(
    secret: &str,
    new: bool,
    make: fn(&str) -> Result<P, PinFormatError>,
) -> Result<P, CliError> {
    make(secret).map_err(|e| {
        if new {
            CliError::Usage(t!("pin-new-refused", why = messages::pin_format(&e).text()))
        } else {
            CliError::Card(e.into())
        }
    })
}

/// Change a PIN: on the reader's PIN pad when `--pinpad` and the reader allow it (the current
/// PIN, then the new one twice, all typed on the pad), otherwise with both PINs read and
/// validated from the source, before the card is opened when a source option is given.
fn change_typed<P: CardPin>(
    g: &GlobalOpts,
    audit: &mut AuditNote,
    args: &PinChangeArgs,
    make: fn(&str) -> Result<P, PinFormatError>,
) -> Result<(), CliError> {
    let kind = P::KIND;
    let allow = args.pin.allow_last_try;
    let host_pins = || -> Result<(P, P), CliError> {
        let what = messages::pin_name(kind);
        let mut secrets = args.pin.reader();
        let old = typed(&secrets.current(&what)?, false, make)?;
        let new = typed(&secrets.new_secret(&what)?, true, make)?;
        Ok((old, new))
    };
    let (mut client, pins) = open_with(g, audit, &args.pin, kind, PadUse::Change, host_pins)?;
    Ok(client.change_pin(pins.change(), allow)?)
}

fn change(g: &GlobalOpts, args: &PinChangeArgs, audit: &mut AuditNote) -> Result<Exit, CliError> {
    let kind = pin_kind(args.which);
    match args.which {
        WhichPin::Auth => change_typed(g, audit, args, AuthPin::new)?,
        WhichPin::Sign => change_typed(g, audit, args, SignPassword::new)?,
        WhichPin::Text => change_typed(g, audit, args, TextPin::new)?,
    }
    if g.json {
        outln!("{}", serde_json::json!({ "pin": pin_name(kind), "changed": true }))?;
    } else if !g.quiet {
        outln!("{}", t!("pin-changed", pin = messages::pin_name(kind)))?;
    }
    Ok(Exit::Success)
}

/// Run `mynacard pin …`.
pub fn run(g: &GlobalOpts, args: &PinArgs, audit: &mut AuditNote) -> Result<Exit, CliError> {
    match &args.command {
        PinCommand::Status => status(g, audit),
        PinCommand::Change(a) => change(g, a, audit),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_render() {
        let c = Counter { kind: PinKind::Auth, status: Some(PinStatus::Remaining(3)) };
        assert_eq!(c.text(), "authentication PIN: 3 tries left");
        assert_eq!(
            c.json().to_string(),
            r#"{"description":"authentication PIN","max_tries":3,"pin":"auth","status":"ok","tries_left":3}"#
        );
        let c = Counter { kind: PinKind::Sign, status: Some(PinStatus::Blocked) };
        assert!(c.text().starts_with("signature password: BLOCKED"), "{}", c.text());
        assert_eq!(c.json()["status"], "blocked");
        assert_eq!(c.json()["tries_left"], 0);
        assert_eq!(c.json()["max_tries"], 5);
        let c = Counter { kind: PinKind::Text, status: None };
        assert_eq!(c.text(), "text-application PIN: not on this card");
        assert_eq!(c.json()["status"], "absent");
        assert!(c.json()["tries_left"].is_null());
        let c = Counter { kind: PinKind::Text, status: Some(PinStatus::Remaining(1)) };
        assert!(c.text().contains("1 try left"), "{}", c.text());
    }

    #[test]
    fn pin_objects_render() {
        use mynacard::apdu::StatusWord;
        use mynacard::card::jpki::PIN_OBJECTS;
        let b = &PIN_OBJECTS[7];
        assert_eq!(
            object_text(b, PinObjectState::Remaining(10)),
            "card-face 照合番号B [face 0012]: 10 tries left"
        );
        assert_eq!(
            object_json(b, PinObjectState::Remaining(9)),
            serde_json::json!({"pin": "face-code-b", "app": "face", "ef": "0012",
                "description": "card-face 照合番号B", "status": "ok", "tries_left": 9,
                "max_tries": 10})
        );
        let t = &PIN_OBJECTS[3];
        assert_eq!(object_json(t, PinObjectState::Blocked)["status"], "blocked");
        assert_eq!(object_json(t, PinObjectState::Unlimited)["status"], "unlimited");
        assert!(object_json(t, PinObjectState::Unlimited)["tries_left"].is_null());
        assert_eq!(object_json(t, PinObjectState::Verified)["status"], "verified");
        assert_eq!(object_json(t, PinObjectState::AppAbsent)["status"], "absent");
        let o = object_json(t, PinObjectState::Other(StatusWord::ConditionsNotSatisfied));
        assert_eq!((o["status"].as_str(), o["sw"].as_str()), (Some("unexpected"), Some("6985")));
        assert!(object_text(t, PinObjectState::Absent).ends_with("not on this card"));
        assert!(object_text(t, PinObjectState::Unlimited).ends_with("no retry counter (63 00)"));
    }

    #[test]
    fn a_bad_new_pin_is_a_usage_error_without_the_value() {
        let err = typed("12a4", true, AuthPin::new).unwrap_err();
        assert_eq!(err.exit(), Exit::Usage);
        assert!(!err.to_string().contains("12a4"), "{err}");
        assert!(err.to_string().contains("new PIN"), "{err}");
        let err = typed("99", false, TextPin::new).unwrap_err();
        assert_eq!(err.exit(), Exit::Usage);
        assert!(matches!(err, CliError::Card(CardError::PinFormat(_))));
    }
}
