//! Running APDU scripts against a card: [`run`] sends a parsed [`Script`] through a
//! [`Transport`] inside one exclusive transaction, checks every expectation, stops at the
//! first unmet one and returns a [`RunReport`] (JSON via serde, text via `Display`).
//! [`send_one`] sends a single command line (`mynacard apdu send`).
//!
//! Secrets: values of `$env:` references are read once, before anything is sent, into
//! zeroizing buffers; every rendering of a command shows them (and the whole body of any
//! VERIFY or CHANGE REFERENCE DATA) as `**`. Response data is abbreviated to its first
//! bytes and hidden entirely while the text or visual application is selected (My Number,
//! name, address). Expectation failures describe received data by length and position only.

use std::collections::BTreeMap;
use std::fmt;
use std::time::{Duration, Instant};

use serde::Serialize;
use zeroize::Zeroizing;

use super::script::{Action, Exchange, Expectation, Part, Script, ScriptError};
use crate::apdu::Ins;
#[cfg(feature = "sim")]
use crate::sim::transport::SIM_READER_NAME;
use crate::transport::trace::PersonalData;
use crate::transport::{ReaderInfo, Transport, TransportError};

/// Reader names starting with this are vpcd's virtual readers (the simulator over pcscd).
pub const VPCD_READER_PREFIX: &str = "Virtual PCD";

/// How many response bytes a report shows before abbreviating.
pub const SHOWN_DATA_BYTES: usize = 8;

/// Where `$env:NAME` values come from.
#[derive(Clone, Default)]
pub enum Env {
    /// The process environment.
    #[default]
    Process,
    /// A fixed map (tests, or a CLI that read values from elsewhere).
    Map(BTreeMap<String, Zeroizing<String>>),
}

impl fmt::Debug for Env {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Env::Process => f.write_str("Process"),
            Env::Map(map) => f.debug_map().entries(map.keys().map(|k| (k, "**"))).finish(),
        }
    }
}

impl Env {
    fn get(&self, name: &str) -> Result<Zeroizing<String>, RunError> {
        let value = match self {
            Env::Process => match std::env::var(name) {
                Ok(v) => Zeroizing::new(v),
                Err(std::env::VarError::NotPresent) => {
                    return Err(RunError::MissingEnv { name: name.to_string() })
                }
                Err(std::env::VarError::NotUnicode(_)) => {
                    return Err(RunError::EnvNotAscii { name: name.to_string() })
                }
            },
            Env::Map(map) => map
                .get(name)
                .cloned()
                .ok_or_else(|| RunError::MissingEnv { name: name.to_string() })?,
        };
        if value.is_empty() {
            return Err(RunError::MissingEnv { name: name.to_string() });
        }
        if !value.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(RunError::EnvNotAscii { name: name.to_string() });
        }
        Ok(value)
    }
}

/// How to run a script.
#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    /// Run scripts that declare `# spends-pin-tries: yes` on a real card too.
    pub allow_pin_tries: bool,
    /// Where `$env:` values come from.
    pub env: Env,
}

/// Why a script could not be run (nothing, or nothing more, was sent).
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The command line of [`send_one`] does not parse.
    #[error(transparent)]
    Script(#[from] ScriptError),
    /// A PIN-spending script on a real card without `allow_pin_tries`.
    #[error("{script} spends PIN tries and {reader:?} is not the virtual card: pass --allow-pin-tries to run it on a real card")]
    Refused {
        /// The script.
        script: String,
        /// The reader.
        reader: String,
    },
    /// An `$env:` variable that is not set (or empty).
    #[error("environment variable {name} is not set (the script reads it with $env:{name})")]
    MissingEnv {
        /// The variable.
        name: String,
    },
    /// An `$env:` variable whose value is not printable ASCII.
    #[error("environment variable {name} is not printable ASCII")]
    EnvNotAscii {
        /// The variable.
        name: String,
    },
    /// A `$#env:` length that does not fit one byte.
    #[error("the value of {name} is {len} bytes long: a length byte ($#) holds at most 255")]
    SecretTooLong {
        /// The variable.
        name: String,
        /// Its length.
        len: usize,
    },
    /// [`send_one`] was given something other than exactly one command.
    #[error("expected exactly one command APDU (hex, optionally `=> expectation`)")]
    NotOneCommand,
    /// The transport failed before the first command (exclusive access) or in [`send_one`].
    #[error("{0}")]
    Transport(#[from] TransportError),
}

/// One step of a run: a reset or a command and its response.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StepReport {
    /// Position in the run (1-based).
    pub number: usize,
    /// Line in the script.
    pub line: usize,
    /// The named step it belongs to.
    pub name: Option<String>,
    /// The command, hex with secrets as `**`, or `reset`.
    pub command: String,
    /// Status word as hex (`90 00`); `None` for a reset or a failed exchange.
    pub sw: Option<String>,
    /// Number of response data bytes.
    pub len: Option<usize>,
    /// The first response data bytes (hex, `…` when abbreviated), or a note why hidden.
    pub data: Option<String>,
    /// The expectation as written (normalised).
    pub expected: Option<String>,
    /// What was received, in the expectation's terms (set when the expectation is unmet).
    pub received: Option<String>,
    /// Whether the step succeeded (expectation met, or no expectation and no error).
    pub ok: bool,
    /// Transport or response error.
    pub error: Option<String>,
    /// Time the exchange took, in microseconds.
    pub micros: u64,
}

/// The result of running a script.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RunReport {
    /// The script's name.
    pub script: String,
    /// The reader it ran on.
    pub reader: String,
    /// Whether every step succeeded.
    pub passed: bool,
    /// The step that failed (its `number`).
    pub failed_step: Option<usize>,
    /// Steps run, in order (the run stops after the first failure).
    pub steps: Vec<StepReport>,
    /// Total time in microseconds.
    pub micros: u64,
}

impl RunReport {
    /// The report as one JSON object.
    pub fn to_json(&self) -> String {
        // Serialising plain strings, numbers and booleans cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The failed step, if any.
    pub fn failure(&self) -> Option<&StepReport> {
        self.failed_step.and_then(|n| self.steps.iter().find(|s| s.number == n))
    }
}

fn millis(micros: u64) -> String {
    format!("{:.1} ms", micros as f64 / 1000.0)
}

impl fmt::Display for StepReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "step {}", self.number)?;
        if let Some(name) = &self.name {
            write!(f, " '{name}'")?;
        }
        if let Some(error) = &self.error {
            return write!(f, ": {} -> error: {error}", self.command);
        }
        if let (Some(expected), Some(received)) = (&self.expected, &self.received) {
            return write!(f, ": expected {expected}, received {received}");
        }
        write!(f, ": {}", self.command)?;
        if let Some(sw) = &self.sw {
            write!(f, " -> {sw}, {} bytes", self.len.unwrap_or(0))?;
            if let Some(data) = &self.data {
                write!(f, " {data}")?;
            }
        }
        write!(f, " ({})", millis(self.micros))?;
        if self.expected.is_some() {
            f.write_str(" ok")?;
        }
        Ok(())
    }
}

impl fmt::Display for RunReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for step in &self.steps {
            writeln!(f, "{step}")?;
        }
        match self.failure() {
            None => write!(
                f,
                "{}: passed on {:?}, {} steps in {}",
                self.script,
                self.reader,
                self.steps.len(),
                millis(self.micros)
            ),
            Some(step) => write!(
                f,
                "{}: FAILED on {:?} at line {}: {step}",
                self.script, self.reader, step.line
            ),
        }
    }
}

/// Whether the transport talks to the virtual card (in-process, or vpcd through pcscd).
pub fn is_virtual_reader(info: &ReaderInfo) -> bool {
    // Without the `sim` feature there is no in-process virtual card.
    #[cfg(feature = "sim")]
    let in_process = info.name == SIM_READER_NAME;
    #[cfg(not(feature = "sim"))]
    let in_process = false;
    in_process || info.name.starts_with(VPCD_READER_PREFIX)
}

/// Run a script. Refuses ([`RunError::Refused`]) a script that spends PIN tries unless the
/// reader is the virtual card or `options.allow_pin_tries` is set; reads every `$env:`
/// value before sending anything; holds one exclusive transaction for the whole run (so
/// nobody else can use a PIN the script verified) and stops at the first unmet expectation
/// or failed exchange. The report carries the steps run so far.
pub fn run(
    script: &Script,
    transport: &mut dyn Transport,
    options: &RunOptions,
) -> Result<RunReport, RunError> {
    let info = transport.info();
    if script.spends_pin_tries && !options.allow_pin_tries && !is_virtual_reader(&info) {
        return Err(RunError::Refused { script: script.name.clone(), reader: info.name });
    }
    let secrets = read_secrets(script.env_names(), &options.env)?;
    let started = Instant::now();
    let mut guard = transport.exclusive()?;
    let mut state = Session::default();
    let mut steps = Vec::new();
    let mut failed_step = None;
    for (index, action) in script.actions.iter().enumerate() {
        let number = index + 1;
        let step = match action {
            Action::Reset { line, step } => {
                let t = Instant::now();
                let result = guard.reset();
                state = Session::default();
                StepReport {
                    number,
                    line: *line,
                    name: step.clone(),
                    command: "reset".to_string(),
                    sw: None,
                    len: None,
                    data: None,
                    expected: None,
                    received: None,
                    ok: result.is_ok(),
                    error: result.err().map(|e| e.to_string()),
                    micros: micros(t.elapsed()),
                }
            }
            Action::Exchange(x) => exchange(number, x, &secrets, guard.as_mut(), &mut state)?,
        };
        let ok = step.ok;
        steps.push(step);
        if !ok {
            failed_step = Some(number);
            break;
        }
    }
    drop(guard);
    Ok(RunReport {
        script: script.name.clone(),
        reader: info.name,
        passed: failed_step.is_none(),
        failed_step,
        steps,
        micros: micros(started.elapsed()),
    })
}

/// Send one command written in script syntax (hex, `$env:` references, an optional
/// `=> expectation`), e.g. for `mynacard apdu send`.
///
/// VERIFY and CHANGE REFERENCE DATA with data are allowed here (the user spends the try
/// knowingly), and their body is redacted as `**` in the report like everywhere else. The
/// CLI (`mynacard apdu send`) refuses a PIN written literally
/// ([`super::script::writes_literal_secret`]): a command line is visible to other local
/// users and lands in shell history, so the PIN must come as `$env:NAME`.
pub fn send_one(
    line: &str,
    transport: &mut dyn Transport,
    options: &RunOptions,
) -> Result<StepReport, RunError> {
    let script = Script::parse_with("command line", line, true)?;
    let [Action::Exchange(x)] = script.actions.as_slice() else {
        return Err(RunError::NotOneCommand);
    };
    let secrets = read_secrets(script.env_names(), &options.env)?;
    exchange(1, x, &secrets, transport, &mut Session::default())
}

fn read_secrets(
    names: Vec<&str>,
    env: &Env,
) -> Result<BTreeMap<String, Zeroizing<String>>, RunError> {
    names.into_iter().map(|name| Ok((name.to_string(), env.get(name)?))).collect()
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

/// What the run knows about the card's state.
#[derive(Default)]
struct Session {
    /// What is selected, to hide answers holding personal data (the same rules as traces).
    personal: PersonalData,
}

/// Send one exchange and judge it. `Err` only for problems found before sending.
fn exchange(
    number: usize,
    x: &Exchange,
    secrets: &BTreeMap<String, Zeroizing<String>>,
    transport: &mut dyn Transport,
    state: &mut Session,
) -> Result<StepReport, RunError> {
    let command = resolve(&x.command, secrets)?;
    let mut step = StepReport {
        number,
        line: x.line,
        name: x.step.clone(),
        command: render(&x.command, &command),
        sw: None,
        len: None,
        data: None,
        expected: x.expect.as_ref().map(|e| e.to_string()),
        received: None,
        ok: false,
        error: None,
        micros: 0,
    };
    let hide = state.personal.hides(&command);
    let t = Instant::now();
    let result = transport.transmit(&command);
    step.micros = micros(t.elapsed());
    let response = match result {
        Ok(r) => r,
        Err(e) => {
            state.personal.answered(&command, hide, None);
            step.error = Some(e.to_string());
            return Ok(step);
        }
    };
    let Some(split) = response.len().checked_sub(2) else {
        step.error = Some(format!("response of {} byte(s) has no status word", response.len()));
        return Ok(step);
    };
    let (data, sw_bytes) = response.split_at(split);
    let sw = u16::from_be_bytes([
        sw_bytes.first().copied().unwrap_or(0),
        sw_bytes.get(1).copied().unwrap_or(0),
    ]);
    // A SELECT changes what data may be shown.
    state.personal.answered(&command, hide, Some(sw.to_be_bytes()));
    step.sw = Some(format!("{:02X} {:02X}", sw >> 8, sw & 0xFF));
    step.len = Some(data.len());
    step.data = show_data(data, hide);
    match &x.expect {
        None => step.ok = true,
        Some(expect) => match judge(expect, data, sw) {
            None => step.ok = true,
            Some(received) => step.received = Some(received),
        },
    }
    Ok(step)
}

fn show_data(data: &[u8], hidden: bool) -> Option<String> {
    if data.is_empty() {
        return None;
    }
    if hidden {
        return Some("(hidden: personal data)".to_string());
    }
    let shown = data.get(..SHOWN_DATA_BYTES).unwrap_or(data);
    let mut text = spaced_hex(shown);
    if shown.len() < data.len() {
        text.push_str(" …");
    }
    Some(text)
}

/// `None` when the response meets the expectation; else what was received, in the same
/// terms (lengths, positions and status word; never data bytes).
fn judge(expect: &Expectation, data: &[u8], sw: u16) -> Option<String> {
    let status_ok = expect.status.is_empty() || expect.status.iter().any(|p| p.matches(sw));
    let len_ok = expect.len.is_none_or(|n| n == data.len());
    let mismatch = expect.data.as_ref().and_then(|p| p.mismatch(data));
    if status_ok && len_ok && mismatch.is_none() {
        return None;
    }
    let mut received = Vec::new();
    if expect.len.is_some() {
        received.push(format!("len {}", data.len()));
    }
    if expect.data.is_some() {
        received.push(match mismatch {
            Some(at) => format!("data of {} bytes differing at byte {at}", data.len()),
            None => "data as expected".to_string(),
        });
    }
    received.push(format!("{:02X} {:02X}", sw >> 8, sw & 0xFF));
    Some(received.join(", "))
}

/// The command's bytes with every `$env:` value filled in.
fn resolve(
    parts: &[Part],
    secrets: &BTreeMap<String, Zeroizing<String>>,
) -> Result<Zeroizing<Vec<u8>>, RunError> {
    let mut out = Zeroizing::new(Vec::new());
    for part in parts {
        match part {
            Part::Bytes(b) => out.extend_from_slice(b),
            Part::Env(name) => {
                let value =
                    secrets.get(name).ok_or_else(|| RunError::MissingEnv { name: name.clone() })?;
                out.extend_from_slice(value.as_bytes());
            }
            Part::LenOf(inner) => {
                let value = resolve(inner, secrets)?;
                let len = value.len();
                let byte = u8::try_from(len).map_err(|_| RunError::SecretTooLong {
                    name: first_env_name(inner).unwrap_or_default(),
                    len,
                })?;
                out.push(byte);
            }
        }
    }
    Ok(out)
}

fn first_env_name(parts: &[Part]) -> Option<String> {
    parts.iter().find_map(|p| match p {
        Part::Env(name) => Some(name.clone()),
        Part::LenOf(inner) => first_env_name(inner),
        Part::Bytes(_) => None,
    })
}

/// Spaced upper-case hex.
fn spaced_hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 3);
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(&format!("{b:02X}"));
    }
    out
}

/// How a command appears in reports: hex, `$env:` values and lengths as `**`, and the whole
/// body of VERIFY / CHANGE REFERENCE DATA as `**`.
fn render(parts: &[Part], resolved: &[u8]) -> String {
    let secret_ins = resolved.get(1).is_some_and(|&ins| Ins::from(ins).carries_secret());
    if secret_ins && resolved.len() > 4 {
        return format!("{} **", spaced_hex(resolved.get(..4).unwrap_or(&[])));
    }
    let pieces: Vec<String> = parts
        .iter()
        .map(|p| match p {
            Part::Bytes(b) => spaced_hex(b),
            Part::Env(_) | Part::LenOf(_) => "**".to_string(),
        })
        .filter(|s| !s.is_empty())
        .collect();
    pieces.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Env {
        Env::Map(
            pairs.iter().map(|(k, v)| (k.to_string(), Zeroizing::new(v.to_string()))).collect(),
        )
    }

    #[test]
    fn render_redacts_secrets_and_pin_bodies() {
        let parts = vec![
            Part::Bytes(vec![0x00, 0xD6, 0x00, 0x00]),
            Part::LenOf(vec![Part::Env("X".into())]),
            Part::Env("X".into()),
        ];
        assert_eq!(render(&parts, b"\x00\xD6\x00\x00\x02AB"), "00 D6 00 00 ** **");
        let verify = vec![Part::Bytes(hex::decode("002000800431323334").unwrap())];
        assert_eq!(render(&verify, b"\x00\x20\x00\x80\x041234"), "00 20 00 80 **");
        let status = vec![Part::Bytes(hex::decode("00200080").unwrap())];
        assert_eq!(render(&status, b"\x00\x20\x00\x80"), "00 20 00 80");
    }

    #[test]
    fn env_values_are_checked() {
        assert!(matches!(
            env(&[]).get("A"),
            Err(RunError::MissingEnv { name }) if name == "A"
        ));
        assert!(matches!(env(&[("A", "")]).get("A"), Err(RunError::MissingEnv { .. })));
        assert!(matches!(
            env(&[("A", "12 34")]).get("A"),
            Err(RunError::EnvNotAscii { name }) if name == "A"
        ));
        assert!(matches!(env(&[("A", "暗証")]).get("A"), Err(RunError::EnvNotAscii { .. })));
        assert_eq!(env(&[("A", "1234")]).get("A").unwrap().as_str(), "1234");
        assert!(matches!(
            Env::Process.get("MYNACARD_SURELY_UNSET_VARIABLE_42"),
            Err(RunError::MissingEnv { .. })
        ));
        assert_eq!(format!("{:?}", env(&[("A", "1234")])), r#"{"A": "**"}"#);
    }

    #[test]
    fn secret_length_byte_overflows() {
        let long = "A".repeat(256);
        let secrets = BTreeMap::from([("P".to_string(), Zeroizing::new(long))]);
        let parts = vec![Part::LenOf(vec![Part::Env("P".into())])];
        assert!(matches!(
            resolve(&parts, &secrets),
            Err(RunError::SecretTooLong { name, len: 256 }) if name == "P"
        ));
    }

    #[test]
    fn judge_describes_what_was_received() {
        let s = Script::parse("t", "00B0000000 => len 4, data 30 82 *, 90 00").unwrap();
        let Some(Action::Exchange(x)) = s.actions.first() else { panic!() };
        let e = x.expect.as_ref().unwrap();
        assert_eq!(judge(e, &[0x30, 0x82, 1, 2], 0x9000), None);
        assert_eq!(
            judge(e, &[0x31, 0x82], 0x6282).as_deref(),
            Some("len 2, data of 2 bytes differing at byte 0, 62 82")
        );
        assert_eq!(
            judge(e, &[0x30, 0x82, 1, 2], 0x6A82).as_deref(),
            Some("len 4, data as expected, 6A 82")
        );
    }

    #[test]
    fn data_is_abbreviated_or_hidden() {
        assert_eq!(show_data(&[], false), None);
        assert_eq!(show_data(&[1, 2], false).as_deref(), Some("01 02"));
        assert_eq!(show_data(&[0; 9], false).as_deref(), Some("00 00 00 00 00 00 00 00 …"));
        assert_eq!(show_data(b"123", true).as_deref(), Some("(hidden: personal data)"));
    }
}
