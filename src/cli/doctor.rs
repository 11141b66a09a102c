//! `mynacard doctor`: why the card does not work, and what to do about it. Checks in order
//! the PC/SC service, the readers, and per reader the card, its ATR, whether another program
//! holds it, the JPKI application (token type), extended-length support as the reader
//! reports it and PIN-pad features; every failed check carries a fix. Exit 0 only when a JPKI
//! card is usable in some reader; otherwise the exit code of the first blocking problem
//! (no-service, no-reader, no-card, card-in-use, card-error). With `--reader sim` the
//! in-process virtual card is checked (no service or reader checks).

use clap::Args;
use serde::Serialize;

use mynacard::card::{CardError, Client};
use mynacard::transport::pcsc::{list_readers, PcscTransport, ShareMode};
use mynacard::transport::{Transport, TransportError};

use super::audit_log::AuditNote;
use super::connect;
use super::exit::Exit;
use super::{CliError, GlobalOpts};

/// `mynacard doctor`.
#[derive(Debug, Args)]
pub struct DoctorArgs {}

/// Fix for a stopped PC/SC service.
pub fn fix_service() -> String {
    t!("doctor-fix-service")
}
/// Fix for no reader.
pub fn fix_reader() -> String {
    t!("doctor-fix-reader")
}
/// Fix for an empty reader.
pub fn fix_card() -> String {
    t!("doctor-fix-card")
}
/// Fix for a card held by another program.
pub fn fix_in_use() -> String {
    t!("doctor-fix-in-use")
}

/// One check and its outcome.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Check {
    /// What was checked: `service`, `readers`, `card`, `atr`, `in_use`, `jpki`,
    /// `extended_length`, `pinpad`.
    pub check: &'static str,
    /// The reader concerned (absent for `service` and `readers`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reader: Option<String>,
    /// Whether it passed (informational checks always pass).
    pub ok: bool,
    /// What was found.
    pub detail: String,
    /// What to do when it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
    /// The exit code this problem maps to when it blocks (absent for passed checks).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<u8>,
}

/// All checks, and the outcome.
#[derive(Debug, Default)]
pub struct Diagnosis {
    /// The checks in order.
    pub checks: Vec<Check>,
    /// A reader holding a usable JPKI card, if any.
    pub usable: Option<String>,
    /// The first blocking problem.
    pub first_problem: Option<Exit>,
}

impl Diagnosis {
    fn pass(&mut self, check: &'static str, reader: Option<&str>, detail: impl Into<String>) {
        self.checks.push(Check {
            check,
            reader: reader.map(str::to_string),
            ok: true,
            detail: detail.into(),
            fix: None,
            exit_code: None,
        });
    }

    fn fail(
        &mut self,
        check: &'static str,
        reader: Option<&str>,
        detail: impl Into<String>,
        fix: impl Into<String>,
        exit: Exit,
    ) {
        self.checks.push(Check {
            check,
            reader: reader.map(str::to_string),
            ok: false,
            detail: detail.into(),
            fix: Some(fix.into()),
            exit_code: Some(exit.code()),
        });
        self.first_problem.get_or_insert(exit);
    }

    /// The exit code: success when a JPKI card is usable.
    pub fn exit(&self) -> Exit {
        if self.usable.is_some() {
            Exit::Success
        } else {
            self.first_problem.unwrap_or(Exit::Failure)
        }
    }

    /// The JSON document.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "ok": self.usable.is_some(),
            "usable_reader": self.usable,
            "exit_code": self.exit().code(),
            "checks": self.checks,
        })
    }

    /// The text report: one line per check, fixes indented below failures.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for c in &self.checks {
            let mark = if c.ok { t!("doctor-ok") } else { t!("doctor-fail") };
            let reader = c.reader.as_deref().map(|r| format!("[{r}] ")).unwrap_or_default();
            out.push_str(&format!("{mark} {reader}{}: {}\n", c.check, c.detail));
            if let Some(fix) = &c.fix {
                out.push_str(&format!("     {}\n", t!("doctor-fix", fix = fix.clone())));
            }
        }
        match &self.usable {
            Some(r) => {
                out.push_str(&format!("{}\n", t!("doctor-ready", reader = format!("{r:?}"))))
            }
            None => out.push_str(&format!("{}\n", t!("doctor-none-usable"))),
        }
        out
    }
}

/// The JPKI and reader-capability checks on an open transport. Returns whether the card is
/// a usable JPKI card.
fn check_card(d: &mut Diagnosis, reader: &str, transport: Box<dyn Transport>) -> bool {
    let info = transport.info();
    d.pass("atr", Some(reader), hex::encode_upper(&info.atr));
    let r = Some(reader);
    let mut client = Client::new(transport);
    let usable = match client.detect() {
        Ok(token) => {
            d.pass("jpki", r, t!("doctor-jpki-found", token = super::status::token_text(token)));
            true
        }
        Err(CardError::Transport(TransportError::CardInUse)) => {
            d.fail("in_use", r, t!("doctor-held"), fix_in_use(), Exit::CardInUse);
            false
        }
        Err(CardError::Transport(TransportError::CardRemoved | TransportError::NoCard { .. })) => {
            d.fail("card", r, t!("doctor-card-gone"), fix_card(), Exit::NoCard);
            false
        }
        Err(e) => {
            d.fail(
                "jpki",
                r,
                t!("doctor-no-jpki", why = super::messages::card(&e).text()),
                t!("doctor-fix-jpki"),
                Exit::CardError,
            );
            false
        }
    };
    let ext = match info.extended_length {
        Some(true) => t!("doctor-ext-yes"),
        Some(false) => t!("doctor-ext-no"),
        None => t!("doctor-ext-unknown"),
    };
    d.pass("extended_length", r, ext);
    usable
}

/// Diagnose the PC/SC stack.
pub fn diagnose_pcsc(wanted: Option<&str>) -> Diagnosis {
    let mut d = Diagnosis::default();
    let readers = match list_readers() {
        Ok(readers) => {
            d.pass("service", None, t!("doctor-service-ok"));
            readers
        }
        Err(TransportError::NoService) => {
            d.fail("service", None, t!("doctor-service-down"), fix_service(), Exit::NoService);
            return d;
        }
        Err(e) => {
            let why = super::messages::transport(&e).text();
            d.fail("service", None, why, fix_service(), Exit::from(&e));
            return d;
        }
    };
    let readers: Vec<_> = match wanted {
        Some(w) => {
            let names: Vec<String> = readers.iter().map(|r| r.name.clone()).collect();
            match mynacard::transport::pcsc::choose_reader(w, &names) {
                Ok(chosen) => readers.into_iter().filter(|r| r.name == chosen).collect(),
                Err(e) => {
                    let why = super::messages::transport(&e).text();
                    d.fail("readers", None, why, fix_reader(), Exit::NoReader);
                    return d;
                }
            }
        }
        None => readers,
    };
    if readers.is_empty() {
        d.fail("readers", None, t!("doctor-no-readers"), fix_reader(), Exit::NoReader);
        return d;
    }
    let names: Vec<&str> = readers.iter().map(|r| r.name.as_str()).collect();
    d.pass("readers", None, t!("doctor-readers", n = names.len(), names = names.join(", ")));
    for status in &readers {
        let r = Some(status.name.as_str());
        if !status.card_present {
            d.fail("card", r, t!("doctor-no-card"), fix_card(), Exit::NoCard);
            continue;
        }
        d.pass("card", r, t!("doctor-card-present"));
        let mut transport = match PcscTransport::connect(&status.name, ShareMode::Shared) {
            Ok(t) => t,
            Err(TransportError::CardInUse) => {
                d.fail("in_use", r, t!("doctor-held-exclusively"), fix_in_use(), Exit::CardInUse);
                continue;
            }
            Err(TransportError::Mute) => {
                d.fail("card", r, t!("doctor-mute"), fix_card(), Exit::CardError);
                continue;
            }
            Err(e @ (TransportError::NoCard { .. } | TransportError::CardRemoved)) => {
                d.fail("card", r, super::messages::transport(&e).text(), fix_card(), Exit::NoCard);
                continue;
            }
            Err(e) => {
                let why = super::messages::transport(&e).text();
                d.fail("card", r, why, t!("doctor-fix-reseat"), Exit::from(&e));
                continue;
            }
        };
        d.pass("in_use", r, t!("doctor-not-held"));
        let pinpad = match mynacard::transport::pinpad::read_features(&mut transport) {
            Ok(f) if f.verify_pin_direct().is_some() => {
                t!("doctor-pinpad")
            }
            Ok(f) if f.all().is_empty() => t!("doctor-no-pinpad-features"),
            Ok(f) => t!("doctor-no-pinpad-other", n = f.all().len()),
            Err(e) => t!("doctor-no-pinpad-error", why = e.to_string()),
        };
        let name = status.name.clone();
        if check_card(&mut d, &name, Box::new(transport)) && d.usable.is_none() {
            d.usable = Some(name.clone());
        }
        d.pass("pinpad", Some(&name), pinpad);
    }
    d
}

/// Diagnose the in-process virtual card.
fn diagnose_sim(g: &GlobalOpts, audit: &mut AuditNote) -> Result<Diagnosis, CliError> {
    let mut d = Diagnosis::default();
    let transport = connect::open_transport(g, ShareMode::Shared, audit)?;
    let name = transport.info().name;
    d.pass("card", Some(&name), t!("doctor-sim-card"));
    if check_card(&mut d, &name, transport) {
        d.usable = Some(name.clone());
    }
    d.pass("pinpad", Some(&name), t!("doctor-sim-pinpad"));
    Ok(d)
}

/// Run the command.
pub fn run(g: &GlobalOpts, _args: &DoctorArgs, audit: &mut AuditNote) -> Result<Exit, CliError> {
    let d = match g.reader.as_deref() {
        Some(connect::SIM) => diagnose_sim(g, audit)?,
        other => diagnose_pcsc(other.filter(|w| !w.is_empty())),
    };
    if g.json {
        outln!("{}", d.to_json())?;
    } else {
        out!("{}", d.to_text())?;
    }
    let exit = d.exit();
    if exit != Exit::Success && !g.quiet {
        if let Some(c) = d.checks.iter().find(|c| !c.ok) {
            errln!("mynacard: {}: {}", c.check, c.detail);
        }
    }
    Ok(exit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_blocking_problem_decides_unless_a_card_is_usable() {
        let mut d = Diagnosis::default();
        d.fail("card", Some("A"), "no card", fix_card(), Exit::NoCard);
        d.fail("in_use", Some("B"), "held", fix_in_use(), Exit::CardInUse);
        assert_eq!(d.exit(), Exit::NoCard);
        d.usable = Some("C".into());
        assert_eq!(d.exit(), Exit::Success);
        assert_eq!(Diagnosis::default().exit(), Exit::Failure);
    }

    #[test]
    fn json_and_text_carry_the_fix() {
        let mut d = Diagnosis::default();
        d.pass("service", None, "up");
        d.fail("readers", None, "none", fix_reader(), Exit::NoReader);
        let j = d.to_json();
        assert_eq!(j["ok"], false);
        assert_eq!(j["exit_code"], 4);
        assert_eq!(
            j["checks"][0],
            serde_json::json!({"check": "service", "ok": true, "detail": "up"})
        );
        assert_eq!(j["checks"][1]["fix"], fix_reader());
        assert_eq!(j["checks"][1]["exit_code"], 4);
        let t = d.to_text();
        assert!(t.contains("FAIL readers: none\n     fix: connect a reader\n"), "{t}");
    }
}
