//! Where a PIN or password comes from: a no-echo prompt on the terminal (default), standard
//! input, an environment variable or a file. Never a command-line value, never logged; the
//! secret lives in a zeroizing buffer from the first byte read.

use std::io::Read;
use std::path::PathBuf;

use mynacard::card::PinPadMode;
use zeroize::Zeroizing;

/// Longest secret line accepted from any source (a signature password has at most 16
/// characters; anything much longer is a mistake, such as the wrong file).
const MAX_SECRET_LEN: usize = 256;

/// A configured source of secrets.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum PinSource {
    /// Ask on the controlling terminal without echo.
    #[default]
    Prompt,
    /// Read lines from standard input (first line: the PIN; for a change, second line: the new
    /// one).
    Stdin,
    /// Read from environment variables (the PIN; for a change, the new one from a second one).
    Env { var: String, new_var: Option<String> },
    /// Read lines from a file, like standard input.
    File(PathBuf),
}

/// Why no secret could be obtained. Never contains the secret.
#[derive(Debug, thiserror::Error)]
pub enum PinSourceError {
    /// No terminal to prompt on.
    #[error(
        "no terminal to ask for the {what} on: use --pin-stdin, --pin-env VAR or --pin-file PATH"
    )]
    NoTerminal { what: String },
    /// The environment variable is not set or not UTF-8.
    #[error("environment variable {var} is not set (or not valid UTF-8)")]
    EnvMissing { var: String },
    /// A change needs a second environment variable.
    #[error("changing a PIN with --pin-env also needs --new-pin-env VAR for the new one")]
    EnvNewMissing,
    /// Input ended before the line was there.
    #[error("{source_name} ended before the {what} was given")]
    Missing { source_name: String, what: String },
    /// The line is longer than any PIN.
    #[error("the {what} read from {source_name} is longer than {MAX_SECRET_LEN} bytes")]
    TooLong { source_name: String, what: String },
    /// The entries of a new PIN differ.
    #[error("the two entries of the new {what} differ")]
    Mismatch { what: String },
    /// `--pinpad on` together with a PIN source.
    #[error(
        "--pinpad on takes the PIN on the reader's pad: drop --pin-stdin, --pin-env and --pin-file"
    )]
    PadAndSource,
    /// Reading failed.
    #[error("cannot read the {what} from {source_name}: {error}")]
    Io { source_name: String, what: String, error: std::io::Error },
}

/// Reads secrets from a source, in order: first the current PIN, then (for a change) the new
/// one.
pub struct SecretReader {
    source: PinSource,
    lines: Option<Vec<Zeroizing<String>>>,
    next_line: usize,
}

impl SecretReader {
    /// A reader over `source`.
    pub fn new(source: PinSource) -> Self {
        SecretReader { source, lines: None, next_line: 0 }
    }

    /// The current PIN or password, described by `what` (e.g. "signature password").
    pub fn current(&mut self, what: &str) -> Result<Zeroizing<String>, PinSourceError> {
        match self.source.clone() {
            PinSource::Prompt => prompt(&format!("{}: ", t!("prompt-current", what = what)), what),
            PinSource::Env { var, .. } => env_secret(&var),
            PinSource::Stdin | PinSource::File(_) => self.line(what),
        }
    }

    /// A new PIN or password (asked twice on a terminal).
    pub fn new_secret(&mut self, what: &str) -> Result<Zeroizing<String>, PinSourceError> {
        match self.source.clone() {
            PinSource::Prompt => {
                let first = prompt(&format!("{}: ", t!("prompt-new", what = what)), what)?;
                let again = prompt(&format!("{}: ", t!("prompt-new-again", what = what)), what)?;
                if *first != *again {
                    return Err(PinSourceError::Mismatch { what: what.to_string() });
                }
                Ok(first)
            }
            PinSource::Env { new_var: Some(var), .. } => env_secret(&var),
            PinSource::Env { new_var: None, .. } => Err(PinSourceError::EnvNewMissing),
            PinSource::Stdin | PinSource::File(_) => self.line(&t!("pin-new", what = what)),
        }
    }

    fn source_name(&self) -> String {
        match &self.source {
            PinSource::File(p) => p.display().to_string(),
            _ => t!("source-stdin"),
        }
    }

    fn line(&mut self, what: &str) -> Result<Zeroizing<String>, PinSourceError> {
        if self.lines.is_none() {
            let name = self.source_name();
            let io = |error| PinSourceError::Io {
                source_name: name.clone(),
                what: what.to_string(),
                error,
            };
            let raw = match &self.source {
                PinSource::File(path) => read_bounded(std::fs::File::open(path).map_err(io)?),
                _ => read_bounded(std::io::stdin().lock()),
            }
            .map_err(io)?;
            let text = Zeroizing::new(String::from_utf8_lossy(&raw).into_owned());
            self.lines = Some(
                text.lines()
                    .map(|l| Zeroizing::new(l.trim_end_matches('\r').to_string()))
                    .collect(),
            );
        }
        let source_name = self.source_name();
        let lines = self.lines.as_deref().unwrap_or_default();
        let line = lines.get(self.next_line).cloned().ok_or_else(|| PinSourceError::Missing {
            source_name: source_name.clone(),
            what: what.to_string(),
        })?;
        self.next_line += 1;
        if line.len() > MAX_SECRET_LEN {
            return Err(PinSourceError::TooLong { source_name, what: what.to_string() });
        }
        Ok(line)
    }
}

/// Read at most a few KiB: a PIN file is tiny, and a huge input is someone's mistake.
fn read_bounded(reader: impl Read) -> Result<Zeroizing<Vec<u8>>, std::io::Error> {
    let mut buf = Zeroizing::new(Vec::with_capacity(64));
    std::io::BufReader::new(reader).take(4 * MAX_SECRET_LEN as u64).read_to_end(&mut buf)?;
    Ok(buf)
}

fn env_secret(var: &str) -> Result<Zeroizing<String>, PinSourceError> {
    let value =
        std::env::var(var).map_err(|_| PinSourceError::EnvMissing { var: var.to_string() })?;
    let value = Zeroizing::new(value);
    if value.len() > MAX_SECRET_LEN {
        return Err(PinSourceError::TooLong { source_name: format!("${var}"), what: "PIN".into() });
    }
    Ok(value)
}

fn prompt(text: &str, what: &str) -> Result<Zeroizing<String>, PinSourceError> {
    let tty = std::fs::OpenOptions::new().read(true).write(true).open("/dev/tty");
    if tty.is_err() {
        return Err(PinSourceError::NoTerminal { what: what.to_string() });
    }
    let value = rpassword::prompt_password(text).map_err(|error| PinSourceError::Io {
        source_name: t!("source-terminal"),
        what: what.to_string(),
        error,
    })?;
    Ok(Zeroizing::new(value))
}

/// The PIN options of every command that verifies a PIN. There is deliberately no option
/// that takes the PIN itself: command lines are visible to every user of the machine.
#[derive(Clone, Debug, Default, clap::Args)]
pub struct PinOpts {
    /// Read the PIN (and for `pin change`, the new one on the next line) from standard input.
    #[arg(long, conflicts_with_all = ["pin_env", "pin_file"])]
    pub pin_stdin: bool,
    /// Read the PIN from this environment variable.
    #[arg(long, value_name = "VAR", conflicts_with = "pin_file")]
    pub pin_env: Option<String>,
    /// For `pin change` with --pin-env: read the new PIN from this environment variable.
    #[arg(long, value_name = "VAR", requires = "pin_env")]
    pub new_pin_env: Option<String>,
    /// Read the PIN (and for `pin change`, the new one on the next line) from this file.
    #[arg(long, value_name = "PATH")]
    pub pin_file: Option<PathBuf>,
    /// Go ahead even when only one try is left (a wrong PIN then blocks it).
    #[arg(long)]
    pub allow_last_try: bool,
    /// Enter a 4-digit PIN on the reader's PIN pad, so it never crosses the computer: `auto`
    /// uses the pad when the reader has one and the PIN would be asked on the terminal;
    /// `on` requires it; `off` never uses it. The signature password (letters) is always
    /// entered on the computer.
    #[arg(long, value_enum, env = "MYNACARD_PINPAD", default_value_t = PinPadArg::Auto)]
    pub pinpad: PinPadArg,
}

/// `--pinpad`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum PinPadArg {
    /// The pad when the reader has one and no PIN source option was given.
    #[default]
    Auto,
    /// The pad, or fail.
    On,
    /// Never the pad.
    Off,
}

impl PinOpts {
    /// The source these options name (a terminal prompt by default).
    pub fn source(&self) -> PinSource {
        if self.pin_stdin {
            PinSource::Stdin
        } else if let Some(var) = &self.pin_env {
            PinSource::Env { var: var.clone(), new_var: self.new_pin_env.clone() }
        } else if let Some(path) = &self.pin_file {
            PinSource::File(path.clone())
        } else {
            PinSource::Prompt
        }
    }

    /// A reader of secrets from that source.
    pub fn reader(&self) -> SecretReader {
        SecretReader::new(self.source())
    }

    /// The PIN-pad mode these options ask for: `auto` with a PIN source option
    /// (--pin-stdin, --pin-env, --pin-file) means the host, since the PIN was supplied; `on`
    /// with one is a contradiction.
    pub fn pinpad_mode(&self) -> Result<PinPadMode, PinSourceError> {
        let explicit = self.source() != PinSource::Prompt;
        match (self.pinpad, explicit) {
            (PinPadArg::Off, _) | (PinPadArg::Auto, true) => Ok(PinPadMode::Off),
            (PinPadArg::Auto, false) => Ok(PinPadMode::Auto),
            (PinPadArg::On, false) => Ok(PinPadMode::On),
            (PinPadArg::On, true) => Err(PinSourceError::PadAndSource),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file_with(contents: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pins");
        std::fs::write(&path, contents).unwrap();
        (dir, path)
    }

    #[test]
    fn a_file_gives_the_current_then_the_new_pin() {
        let (_d, path) = file_with("1234\r\n5678\n");
        let mut r = SecretReader::new(PinSource::File(path));
        assert_eq!(r.current("PIN").unwrap().as_str(), "1234");
        assert_eq!(r.new_secret("PIN").unwrap().as_str(), "5678");
        let err = r.current("PIN").unwrap_err();
        assert!(matches!(err, PinSourceError::Missing { .. }), "{err}");
    }

    #[test]
    fn errors_name_the_source_never_the_secret() {
        let long = "7".repeat(MAX_SECRET_LEN + 1);
        let (_d, path) = file_with(&long);
        let err = SecretReader::new(PinSource::File(path.clone())).current("PIN").unwrap_err();
        assert!(matches!(err, PinSourceError::TooLong { .. }));
        let msg = err.to_string();
        assert!(msg.contains(&path.display().to_string()) && !msg.contains(&long), "{msg}");

        let err = SecretReader::new(PinSource::File(path.with_extension("absent")))
            .current("PIN")
            .unwrap_err();
        assert!(matches!(err, PinSourceError::Io { .. }), "{err}");

        let (_d2, empty) = file_with("");
        let err = SecretReader::new(PinSource::File(empty)).current("PIN").unwrap_err();
        assert!(matches!(err, PinSourceError::Missing { .. }), "{err}");
    }

    #[test]
    fn environment_variables() {
        let var = "MYNACARD_TEST_PIN_SOURCE_UNSET_VARIABLE";
        let src = PinSource::Env { var: var.into(), new_var: None };
        let err = SecretReader::new(src.clone()).current("PIN").unwrap_err();
        assert!(matches!(err, PinSourceError::EnvMissing { .. }) && err.to_string().contains(var));
        let err = SecretReader::new(src).new_secret("PIN").unwrap_err();
        assert!(matches!(err, PinSourceError::EnvNewMissing));
        // PATH is always set: a stand-in for a variable holding a PIN.
        let src = PinSource::Env { var: "PATH".into(), new_var: Some("PATH".into()) };
        let mut r = SecretReader::new(src);
        assert_eq!(r.current("PIN").unwrap().as_str(), std::env::var("PATH").unwrap());
    }

    #[test]
    fn options_choose_the_source() {
        assert_eq!(PinOpts::default().source(), PinSource::Prompt);
        let o = PinOpts { pin_stdin: true, ..PinOpts::default() };
        assert_eq!(o.source(), PinSource::Stdin);
        let o = PinOpts {
            pin_env: Some("A".into()),
            new_pin_env: Some("B".into()),
            ..PinOpts::default()
        };
        assert_eq!(o.source(), PinSource::Env { var: "A".into(), new_var: Some("B".into()) });
        let o = PinOpts { pin_file: Some("f".into()), ..PinOpts::default() };
        assert_eq!(o.source(), PinSource::File("f".into()));
    }

    #[test]
    fn pinpad_modes() {
        let with = |pinpad, stdin| PinOpts { pinpad, pin_stdin: stdin, ..PinOpts::default() };
        assert_eq!(with(PinPadArg::Auto, false).pinpad_mode().unwrap(), PinPadMode::Auto);
        assert_eq!(with(PinPadArg::On, false).pinpad_mode().unwrap(), PinPadMode::On);
        assert_eq!(with(PinPadArg::Off, false).pinpad_mode().unwrap(), PinPadMode::Off);
        // A PIN source given: auto means the host, on is a contradiction.
        assert_eq!(with(PinPadArg::Auto, true).pinpad_mode().unwrap(), PinPadMode::Off);
        assert_eq!(with(PinPadArg::Off, true).pinpad_mode().unwrap(), PinPadMode::Off);
        let e = with(PinPadArg::On, true).pinpad_mode().unwrap_err();
        assert!(matches!(e, PinSourceError::PadAndSource));
        assert!(e.to_string().contains("--pinpad on"), "{e}");
        let env =
            PinOpts { pinpad: PinPadArg::On, pin_env: Some("X".into()), ..PinOpts::default() };
        assert!(env.pinpad_mode().is_err());
    }
}
