//! The APDU script format (documented for users in `apdu-scripts/README.md`) and its parser.
//!
//! A script is what pcsc-tools' `scriptor` reads (one hex APDU per line, `#` comments,
//! `reset`), extended with expectations on the response (`=> 63 C?`, `=> len 256, 90 00`,
//! `=> data 30 82 *`), named steps, variables (`set NAME value`, `$NAME`, `$#NAME` for a
//! length byte) and secrets from the environment (`$env:NAME`, `$#env:NAME`), which are
//! resolved only when the script runs and are rendered as `**` everywhere.
//!
//! Parsing never reads the environment and never panics; every error names the file, the
//! line and the problem, and never repeats the bytes of a command (they may hold a PIN).

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

/// Longest command the parser accepts: an extended case-4 APDU with 65535 data bytes.
pub const MAX_COMMAND_LEN: usize = 4 + 3 + 65_535 + 2;

/// Largest value of one variable (`set`), counting each secret as one byte: no command can
/// use more.
pub const MAX_VARIABLE_LEN: usize = MAX_COMMAND_LEN;

/// Largest total of all variable values and commands of one script after `$NAME`
/// substitution: a short script doubling a variable line after line would otherwise fill
/// memory.
pub const MAX_EXPANDED_LEN: usize = 4 * 1024 * 1024;

/// Largest script file [`Script::load`] reads.
pub const MAX_SCRIPT_FILE: u64 = 1024 * 1024;

/// Longest step name.
pub const MAX_STEP_NAME: usize = 80;

/// Prefix of an environment-variable reference (after `$` or `$#`).
const ENV_PREFIX: &str = "env:";

/// The header directive that declares a script spends PIN tries.
const PIN_TRIES_DIRECTIVE: &str = "spends-pin-tries:";

/// One piece of a command's bytes.
#[derive(Clone, PartialEq, Eq)]
pub enum Part {
    /// Bytes written in the script (literally or through `$NAME`).
    Bytes(Vec<u8>),
    /// The ASCII bytes of an environment variable's value, read when the script runs. Secret.
    Env(String),
    /// One byte: the length of the bytes these parts resolve to (`$#NAME`, `$#env:NAME`).
    /// Rendered as `**` when it measures a secret.
    LenOf(Vec<Part>),
}

impl fmt::Debug for Part {
    // Literal bytes are shown: they are in the script file anyway. Environment values never
    // reach this type.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Part::Bytes(b) => write!(f, "Bytes({})", hex::encode_upper(b)),
            Part::Env(name) => write!(f, "Env({name})"),
            Part::LenOf(parts) => write!(f, "LenOf({parts:?})"),
        }
    }
}

impl Part {
    /// Whether this part is, or measures, a secret from the environment.
    pub fn is_secret(&self) -> bool {
        match self {
            Part::Bytes(_) => false,
            Part::Env(_) => true,
            Part::LenOf(parts) => parts.iter().any(Part::is_secret),
        }
    }

    /// The names of the environment variables this part reads.
    fn env_names<'a>(&'a self, out: &mut Vec<&'a str>) {
        match self {
            Part::Bytes(_) => {}
            Part::Env(name) => out.push(name),
            Part::LenOf(parts) => parts.iter().for_each(|p| p.env_names(out)),
        }
    }
}

/// A status-word pattern: each nibble either fixed or `?`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SwPattern {
    /// The fixed nibbles' values.
    pub value: u16,
    /// Which nibbles are fixed (`F`) or free (`0`).
    pub mask: u16,
}

impl SwPattern {
    /// Whether the status word matches.
    pub fn matches(&self, sw: u16) -> bool {
        sw & self.mask == self.value & self.mask
    }
}

impl fmt::Display for SwPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let nibble = |i: u32| {
            let shift = 12 - 4 * i;
            if (self.mask >> shift) & 0xF == 0 {
                '?'
            } else {
                char::from_digit(u32::from((self.value >> shift) & 0xF), 16)
                    .map_or('?', |c| c.to_ascii_uppercase())
            }
        };
        write!(f, "{}{} {}{}", nibble(0), nibble(1), nibble(2), nibble(3))
    }
}

/// A data pattern: bytes with `?` nibbles; `prefix` when written with a trailing `*`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DataPattern {
    /// (value, mask) per byte.
    pub bytes: Vec<(u8, u8)>,
    /// Whether more data may follow the pattern.
    pub prefix: bool,
}

impl DataPattern {
    /// Where the data first departs from the pattern (`None`: it matches). A data shorter or
    /// longer than an exact pattern departs at the end of the shorter one.
    pub fn mismatch(&self, data: &[u8]) -> Option<usize> {
        for (i, &(value, mask)) in self.bytes.iter().enumerate() {
            match data.get(i) {
                Some(b) if b & mask == value & mask => {}
                _ => return Some(i),
            }
        }
        if !self.prefix && data.len() != self.bytes.len() {
            return Some(self.bytes.len().min(data.len()));
        }
        None
    }
}

impl fmt::Display for DataPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for &(value, mask) in &self.bytes {
            if !first {
                f.write_str(" ")?;
            }
            first = false;
            for (shift, m) in [(4u8, mask >> 4), (0, mask & 0xF)] {
                if m == 0 {
                    f.write_str("?")?;
                } else {
                    write!(f, "{:X}", (value >> shift) & 0xF)?;
                }
            }
        }
        if self.prefix {
            f.write_str(if first { "*" } else { " *" })?;
        }
        Ok(())
    }
}

/// What the response must look like. Every clause given must hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expectation {
    /// Accepted status words (any one of them); empty: any status.
    pub status: Vec<SwPattern>,
    /// Exact number of response data bytes.
    pub len: Option<usize>,
    /// Response data pattern.
    pub data: Option<DataPattern>,
}

impl fmt::Display for Expectation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut clauses = Vec::new();
        if let Some(len) = self.len {
            clauses.push(format!("len {len}"));
        }
        if let Some(data) = &self.data {
            clauses.push(format!("data {data}"));
        }
        if !self.status.is_empty() {
            let alternatives: Vec<String> = self.status.iter().map(|s| s.to_string()).collect();
            clauses.push(alternatives.join(" | "));
        }
        f.write_str(&clauses.join(", "))
    }
}

/// One command to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exchange {
    /// Line number in the script (1-based).
    pub line: usize,
    /// The name of the step this command belongs to (the last `step` line above it).
    pub step: Option<String>,
    /// The command bytes, some of them resolved only at run time.
    pub command: Vec<Part>,
    /// What the response must look like.
    pub expect: Option<Expectation>,
}

/// One thing a script does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Warm-reset the card (`reset`).
    Reset {
        /// Line number in the script (1-based).
        line: usize,
        /// The step this reset belongs to.
        step: Option<String>,
    },
    /// Send a command and check the response.
    Exchange(Exchange),
}

/// A parsed script.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Script {
    /// The name it was loaded under (file name), used in reports and errors.
    pub name: String,
    /// Whether the script declared `# spends-pin-tries: yes`.
    pub spends_pin_tries: bool,
    /// What it does, in order.
    pub actions: Vec<Action>,
}

impl Script {
    /// Read and parse a script file. The script's name is the file name.
    /// Only a regular file of at most [`MAX_SCRIPT_FILE`] bytes is read (a device or a FIFO
    /// is refused before it is opened, so nothing blocks or reads without end).
    pub fn load(path: &Path) -> Result<Script, ScriptError> {
        use std::io::Read;
        let name = path.display().to_string();
        let fail = |problem| ScriptError { file: name.clone(), line: 0, problem };
        let io = |e: std::io::Error| fail(Problem::Io(e.to_string()));
        let meta = std::fs::metadata(path).map_err(io)?;
        if !meta.is_file() {
            return Err(fail(Problem::NotRegularFile));
        }
        let mut bytes = Vec::new();
        std::fs::File::open(path)
            .and_then(|f| f.take(MAX_SCRIPT_FILE + 1).read_to_end(&mut bytes))
            .map_err(io)?;
        if bytes.len() as u64 > MAX_SCRIPT_FILE {
            return Err(fail(Problem::FileTooLarge));
        }
        match std::str::from_utf8(&bytes) {
            Ok(text) => Script::parse(&name, text),
            Err(e) => {
                let line = bytes
                    .get(..e.valid_up_to())
                    .map_or(0, |b| b.iter().filter(|&&c| c == b'\n').count())
                    + 1;
                Err(ScriptError { file: name, line, problem: Problem::NotUtf8 })
            }
        }
    }

    /// Parse a script's text; `name` is used in errors and reports.
    pub fn parse(name: &str, text: &str) -> Result<Script, ScriptError> {
        Script::parse_with(name, text, false)
    }

    /// Parse; `pin_tries_declared` stands for a `# spends-pin-tries: yes` header (used for
    /// one-off commands, where the user typed the VERIFY themselves).
    pub(crate) fn parse_with(
        name: &str,
        text: &str,
        pin_tries_declared: bool,
    ) -> Result<Script, ScriptError> {
        let mut parser = Parser {
            vars: BTreeMap::new(),
            step: None,
            seen_command: false,
            spends_pin_tries: None,
            expanded: 0,
        };
        let mut actions = Vec::new();
        for (index, raw) in text.lines().enumerate() {
            let line = index + 1;
            let fail = |problem| ScriptError { file: name.to_string(), line, problem };
            if let Some(action) = parser.line(raw, line).map_err(fail)? {
                actions.push(action);
            }
        }
        let spends_pin_tries = parser.spends_pin_tries.unwrap_or(pin_tries_declared);
        if !spends_pin_tries {
            for action in &actions {
                if let Action::Exchange(x) = action {
                    if may_spend_pin_tries(&x.command) {
                        return Err(ScriptError {
                            file: name.to_string(),
                            line: x.line,
                            problem: Problem::UndeclaredPinTries,
                        });
                    }
                }
            }
        }
        Ok(Script { name: name.to_string(), spends_pin_tries, actions })
    }

    /// The environment variables the script reads, each once, in order of first use.
    pub fn env_names(&self) -> Vec<&str> {
        let mut out = Vec::new();
        for action in &self.actions {
            if let Action::Exchange(x) = action {
                x.command.iter().for_each(|p| p.env_names(&mut out));
            }
        }
        let mut seen = std::collections::BTreeSet::new();
        out.retain(|n| seen.insert(*n));
        out
    }
}

/// Whether a command may send a PIN: VERIFY or CHANGE REFERENCE DATA with a body of more
/// than one byte, or a header that is not known before the script runs.
fn may_spend_pin_tries(parts: &[Part]) -> bool {
    let mut header = Vec::new();
    let mut body_len = 0usize;
    for part in parts {
        match part {
            Part::Bytes(b) => {
                for &byte in b {
                    if header.len() < 4 {
                        header.push(byte);
                    } else {
                        body_len += 1;
                    }
                }
            }
            // Unknown bytes in the header: assume the worst.
            _ if header.len() < 4 => return true,
            // A secret is at least one byte, a length byte is one.
            _ => body_len += 1,
        }
    }
    let secret_ins = matches!(header.get(1), Some(0x20) | Some(0x24));
    secret_ins && body_len > 1
}

/// Whether a command writes secret data (a PIN) literally: an instruction that carries
/// reference data ([`crate::apdu::Ins::carries_secret`]) whose data field holds bytes written
/// in the script or on the command line rather than `$env:` values. The length bytes around
/// the secret may be literal (Lc of one byte, or `00 hi lo`; a final Le of `00`). The empty
/// VERIFY (retry counter, no data) and a lone Le write no secret. A header not known before
/// the run counts as secret-carrying.
pub fn writes_literal_secret(parts: &[Part]) -> bool {
    #[derive(Clone, Copy, PartialEq)]
    enum Item {
        Literal(u8),
        Secret,
        Length,
    }
    let mut items = Vec::new();
    for part in parts {
        match part {
            Part::Bytes(b) => items.extend(b.iter().map(|&x| Item::Literal(x))),
            Part::Env(_) => items.push(Item::Secret),
            Part::LenOf(_) => items.push(Item::Length),
        }
    }
    let header: Vec<u8> = items
        .iter()
        .take(4)
        .filter_map(|i| match i {
            Item::Literal(b) => Some(*b),
            _ => None,
        })
        .collect();
    let [_, ins, _, _] = header[..] else {
        // Part of the header comes from the environment.
        return true;
    };
    if !crate::apdu::Ins::from(ins).carries_secret() {
        return false;
    }
    let mut body = items.get(4..).unwrap_or(&[]);
    if body.len() <= 1 && body.iter().all(|i| matches!(i, Item::Literal(_))) {
        return false;
    }
    // Leading Lc: `$#env:…`, one byte, or `00 hi lo`.
    body = match body {
        [Item::Length, rest @ ..] => rest,
        [Item::Literal(0), Item::Literal(_), Item::Literal(_), rest @ ..]
            if rest.first() == Some(&Item::Secret) =>
        {
            rest
        }
        [Item::Literal(_), rest @ ..] => rest,
        other => other,
    };
    // Trailing Le of 00.
    if let [.., Item::Secret, Item::Literal(0)] = body {
        body = body.get(..body.len() - 1).unwrap_or(&[]);
    }
    body.iter().any(|i| matches!(i, Item::Literal(_)))
}

/// A script that cannot be parsed: where and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {problem}")]
pub struct ScriptError {
    /// The script's name (file path).
    pub file: String,
    /// Line number (1-based; 0 when the file could not be read at all).
    pub line: usize,
    /// What is wrong.
    pub problem: Problem,
}

/// What is wrong with a script line. Messages never repeat command bytes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    /// The file could not be read.
    #[error("cannot read the script: {0}")]
    Io(String),
    /// The file is a device, a FIFO or a directory.
    #[error("the script is not a regular file")]
    NotRegularFile,
    /// The file is larger than [`MAX_SCRIPT_FILE`].
    #[error("the script is larger than {MAX_SCRIPT_FILE} bytes")]
    FileTooLarge,
    /// A variable whose value would exceed [`MAX_VARIABLE_LEN`] bytes.
    #[error(
        "${name} would be longer than {MAX_VARIABLE_LEN} bytes, more than any command can hold"
    )]
    VariableTooLong {
        /// The variable (at most 32 characters).
        name: String,
    },
    /// Variables and commands together exceed [`MAX_EXPANDED_LEN`] bytes after substitution.
    #[error("the script's variables and commands exceed {MAX_EXPANDED_LEN} bytes once $variables are substituted")]
    ScriptTooLarge,
    /// The file is not UTF-8 text.
    #[error("the script is not UTF-8 text")]
    NotUtf8,
    /// A character that is neither a hex digit, a space nor a variable reference.
    #[error("unexpected character {ch:?} at column {column}: commands are hex digits, spaces and $VARIABLES")]
    BadChar {
        /// The character.
        ch: char,
        /// Its column (1-based, in characters).
        column: usize,
    },
    /// Hex digits that do not make whole bytes.
    #[error("odd number of hex digits ({digits}) before column {column}")]
    OddDigits {
        /// How many digits.
        digits: usize,
        /// Where the run of digits ended.
        column: usize,
    },
    /// A `$NAME` that no `set` line defined above.
    #[error("unknown variable ${name}: define it above with `set {name} …`")]
    UnknownVariable {
        /// The name.
        name: String,
    },
    /// A variable name with characters other than letters, digits and `_`.
    #[error("bad variable name {name:?}: use letters, digits and _ (not starting with a digit)")]
    BadVariableName {
        /// The name as written (at most 32 characters).
        name: String,
    },
    /// `set` without a name or value.
    #[error("`set` needs a name and a value: set NAME 00 01")]
    SetWithoutValue,
    /// A command shorter than its 4-byte header.
    #[error("command of {len} bytes is shorter than the 4-byte header CLA INS P1 P2")]
    CommandTooShort {
        /// Its length (secrets count as one byte).
        len: usize,
    },
    /// A command longer than any APDU.
    #[error("command of {len} bytes is longer than any APDU ({MAX_COMMAND_LEN} bytes)")]
    CommandTooLong {
        /// Its length.
        len: usize,
    },
    /// A `$#NAME` measuring more than 255 bytes.
    #[error("${name} is {len} bytes long: a length byte ($#) holds at most 255")]
    LengthTooLarge {
        /// The variable.
        name: String,
        /// Its length.
        len: usize,
    },
    /// `=>` with nothing after it.
    #[error("empty expectation after =>: write e.g. `=> 90 00`")]
    EmptyExpectation,
    /// A status pattern that is not four hex digits or `?`.
    #[error("bad status pattern {text:?}: write four hex digits, ? for any nibble (63 C?)")]
    BadStatusPattern {
        /// The clause as written (at most 32 characters).
        text: String,
    },
    /// `len` without a decimal byte count.
    #[error("bad length {text:?}: write `len` and a decimal byte count (len 256)")]
    BadLength {
        /// The clause as written (at most 32 characters).
        text: String,
    },
    /// A `data` clause that is not hex bytes with `?` nibbles and an optional final `*`.
    #[error("bad data pattern: {reason}")]
    BadDataPattern {
        /// What is wrong.
        reason: &'static str,
    },
    /// The same kind of clause twice in one expectation.
    #[error("{clause} is given twice in one expectation")]
    DuplicateClause {
        /// `len`, `data` or `status`.
        clause: &'static str,
    },
    /// A `step` line without a proper quoted name.
    #[error("`step` needs a quoted name of 1 to {MAX_STEP_NAME} printable characters: step \"read auth cert\"")]
    BadStep,
    /// The `spends-pin-tries` directive after the first command.
    #[error("`# spends-pin-tries:` must come before the first command")]
    MisplacedDirective,
    /// The `spends-pin-tries` directive with a value other than yes/no.
    #[error("`# spends-pin-tries:` takes yes or no")]
    BadDirectiveValue,
    /// A VERIFY or CHANGE REFERENCE DATA with data in a script that did not declare it.
    #[error("this command may send a PIN (VERIFY/CHANGE REFERENCE DATA with data): declare `# spends-pin-tries: yes` at the top")]
    UndeclaredPinTries,
}

/// Keep at most 32 characters of user text quoted in an error.
fn clip(text: &str) -> String {
    text.chars().take(32).collect()
}

struct Parser {
    vars: BTreeMap<String, Vec<Part>>,
    step: Option<String>,
    seen_command: bool,
    spends_pin_tries: Option<bool>,
    /// Bytes held by every variable and command so far (see [`MAX_EXPANDED_LEN`]).
    expanded: usize,
}

/// Bytes `parts` hold in memory: like [`measure`], plus what `$#` lengths keep to measure.
fn weight(parts: &[Part]) -> usize {
    parts
        .iter()
        .map(|p| match p {
            Part::Bytes(b) => b.len(),
            Part::Env(_) => 1,
            Part::LenOf(inner) => 1 + weight(inner),
        })
        .fold(0, usize::saturating_add)
}

impl Parser {
    fn line(&mut self, raw: &str, line: usize) -> Result<Option<Action>, Problem> {
        let text = raw.trim();
        if text.is_empty() {
            return Ok(None);
        }
        if let Some(comment) = text.strip_prefix('#') {
            let comment = comment.trim();
            if let Some(value) = strip_prefix_ignore_case(comment, PIN_TRIES_DIRECTIVE) {
                if self.seen_command {
                    return Err(Problem::MisplacedDirective);
                }
                self.spends_pin_tries = Some(match value.trim().to_ascii_lowercase().as_str() {
                    "yes" => true,
                    "no" => false,
                    _ => return Err(Problem::BadDirectiveValue),
                });
            }
            return Ok(None);
        }
        let (word, rest) = split_word(text);
        match word.to_ascii_lowercase().as_str() {
            "reset" if rest.is_empty() => {
                self.seen_command = true;
                Ok(Some(Action::Reset { line, step: self.step.clone() }))
            }
            "step" => {
                self.step = Some(parse_step_name(rest)?);
                Ok(None)
            }
            "set" => {
                let (name, value) = split_word(rest);
                if name.is_empty() || value.is_empty() {
                    return Err(Problem::SetWithoutValue);
                }
                check_var_name(name)?;
                let offset = raw.len() - raw.trim_start().len() + text.len() - value.len();
                let too_long = |_| Problem::VariableTooLong { name: clip(name) };
                let parts =
                    self.parse_bytes(value, raw_column(raw, offset), MAX_VARIABLE_LEN, too_long)?;
                self.account(weight(&parts))?;
                self.vars.insert(name.to_string(), parts);
                Ok(None)
            }
            _ => {
                self.seen_command = true;
                let (command_text, expect_text) = match text.find("=>") {
                    Some(at) => (&text[..at], Some(&text[at + 2..])),
                    None => (text, None),
                };
                let start = raw_column(raw, raw.len() - raw.trim_start().len());
                let too_long = |len| Problem::CommandTooLong { len };
                let command = self.parse_bytes(command_text, start, MAX_COMMAND_LEN, too_long)?;
                self.account(weight(&command))?;
                let len = measure(&command);
                if len < 4 {
                    return Err(Problem::CommandTooShort { len });
                }
                if len > MAX_COMMAND_LEN {
                    return Err(Problem::CommandTooLong { len });
                }
                let expect = expect_text.map(parse_expectation).transpose()?;
                Ok(Some(Action::Exchange(Exchange {
                    line,
                    step: self.step.clone(),
                    command,
                    expect,
                })))
            }
        }
    }

    /// Count `len` more bytes held by the script.
    fn account(&mut self, len: usize) -> Result<(), Problem> {
        self.expanded = self.expanded.saturating_add(len);
        if self.expanded > MAX_EXPANDED_LEN {
            return Err(Problem::ScriptTooLarge);
        }
        Ok(())
    }

    /// Hex digits, spaces and `$` references. `column` is where `text` starts (1-based).
    /// More than `limit` bytes (after substitution) is the error `too_long` makes, found
    /// before more memory is taken.
    fn parse_bytes(
        &self,
        text: &str,
        column: usize,
        limit: usize,
        too_long: impl Fn(usize) -> Problem,
    ) -> Result<Vec<Part>, Problem> {
        // Bytes taken by references so far (literal digits are bounded by the line).
        let mut held = 0usize;
        let mut parts: Vec<Part> = Vec::new();
        let mut nibbles: Vec<u8> = Vec::new();
        let flush = |nibbles: &mut Vec<u8>, parts: &mut Vec<Part>, col: usize| {
            if !nibbles.len().is_multiple_of(2) {
                return Err(Problem::OddDigits { digits: nibbles.len(), column: col });
            }
            if !nibbles.is_empty() {
                let bytes = nibbles
                    .chunks(2)
                    .map(|p| match p {
                        [hi, lo] => hi << 4 | lo,
                        _ => 0,
                    })
                    .collect();
                push_bytes(parts, bytes);
                nibbles.clear();
            }
            Ok(())
        };
        let chars: Vec<char> = text.chars().collect();
        let mut i = 0;
        while let Some(&ch) = chars.get(i) {
            let col = column + i;
            if ch.is_whitespace() {
                i += 1;
            } else if let Some(d) = ch.to_digit(16) {
                nibbles.push(d as u8);
                i += 1;
            } else if ch == '$' {
                flush(&mut nibbles, &mut parts, col)?;
                let end = chars
                    .iter()
                    .skip(i)
                    .position(|c| c.is_whitespace())
                    .map_or(chars.len(), |n| i + n);
                let reference: String = chars.get(i + 1..end).unwrap_or(&[]).iter().collect();
                let referenced = self.reference(&reference)?;
                held = held.saturating_add(weight(&referenced));
                if held > limit {
                    return Err(too_long(weight(&parts).saturating_add(weight(&referenced))));
                }
                for part in referenced {
                    match part {
                        Part::Bytes(b) => push_bytes(&mut parts, b),
                        other => parts.push(other),
                    }
                }
                i = end;
            } else {
                return Err(Problem::BadChar { ch, column: col });
            }
        }
        flush(&mut nibbles, &mut parts, column + chars.len())?;
        let total = weight(&parts);
        if total > limit {
            return Err(too_long(total));
        }
        Ok(parts)
    }

    /// What `$reference` stands for (`reference` without the `$`).
    fn reference(&self, reference: &str) -> Result<Vec<Part>, Problem> {
        let (length, name) = match reference.strip_prefix('#') {
            Some(name) => (true, name),
            None => (false, reference),
        };
        let parts = match name.strip_prefix(ENV_PREFIX) {
            Some(env) => {
                check_var_name(env)?;
                vec![Part::Env(env.to_string())]
            }
            None => {
                check_var_name(name)?;
                self.vars
                    .get(name)
                    .cloned()
                    .ok_or_else(|| Problem::UnknownVariable { name: clip(name) })?
            }
        };
        if !length {
            return Ok(parts);
        }
        if parts.iter().any(Part::is_secret) {
            return Ok(vec![Part::LenOf(parts)]);
        }
        let len = measure(&parts);
        match u8::try_from(len) {
            Ok(b) => Ok(vec![Part::Bytes(vec![b])]),
            Err(_) => Err(Problem::LengthTooLarge { name: clip(name), len }),
        }
    }
}

/// Append bytes, merging with a preceding run of bytes.
fn push_bytes(parts: &mut Vec<Part>, bytes: Vec<u8>) {
    if let Some(Part::Bytes(last)) = parts.last_mut() {
        last.extend_from_slice(&bytes);
    } else {
        parts.push(Part::Bytes(bytes));
    }
}

/// Length of parts before resolution, counting each secret as one byte.
fn measure(parts: &[Part]) -> usize {
    parts
        .iter()
        .map(|p| match p {
            Part::Bytes(b) => b.len(),
            Part::Env(_) | Part::LenOf(_) => 1,
        })
        .sum()
}

/// 1-based character column of byte offset `offset` in `raw`.
fn raw_column(raw: &str, offset: usize) -> usize {
    raw.get(..offset).map_or(1, |s| s.chars().count() + 1)
}

fn split_word(text: &str) -> (&str, &str) {
    match text.find(char::is_whitespace) {
        Some(at) => (&text[..at], text[at..].trim_start()),
        None => (text, ""),
    }
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix).then(|| text.get(prefix.len()..)).flatten()
}

fn check_var_name(name: &str) -> Result<(), Problem> {
    let mut chars = name.chars();
    let ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(Problem::BadVariableName { name: clip(name) })
    }
}

fn parse_step_name(rest: &str) -> Result<String, Problem> {
    let name = rest.strip_prefix('"').and_then(|r| r.strip_suffix('"')).ok_or(Problem::BadStep)?;
    let count = name.chars().count();
    if count == 0
        || count > MAX_STEP_NAME
        || name.contains('"')
        || name.chars().any(char::is_control)
    {
        return Err(Problem::BadStep);
    }
    Ok(name.to_string())
}

fn parse_expectation(text: &str) -> Result<Expectation, Problem> {
    let mut expect = Expectation { status: Vec::new(), len: None, data: None };
    if text.trim().is_empty() {
        return Err(Problem::EmptyExpectation);
    }
    for clause in text.split(',') {
        let clause = clause.trim();
        let (word, rest) = split_word(clause);
        match word.to_ascii_lowercase().as_str() {
            "len" => {
                if expect.len.is_some() {
                    return Err(Problem::DuplicateClause { clause: "len" });
                }
                let len = rest
                    .parse::<usize>()
                    .ok()
                    .filter(|&n| n <= crate::apdu::EXTENDED_MAX_LE)
                    .ok_or_else(|| Problem::BadLength { text: clip(clause) })?;
                expect.len = Some(len);
            }
            "data" => {
                if expect.data.is_some() {
                    return Err(Problem::DuplicateClause { clause: "data" });
                }
                expect.data = Some(parse_data_pattern(rest)?);
            }
            _ => {
                if !expect.status.is_empty() {
                    return Err(Problem::DuplicateClause { clause: "status" });
                }
                for alternative in clause.split('|') {
                    expect.status.push(parse_sw_pattern(alternative)?);
                }
            }
        }
    }
    Ok(expect)
}

fn parse_sw_pattern(text: &str) -> Result<SwPattern, Problem> {
    let bad = || Problem::BadStatusPattern { text: clip(text.trim()) };
    let nibbles: Vec<char> = text.chars().filter(|c| !c.is_whitespace()).collect();
    if nibbles.len() != 4 {
        return Err(bad());
    }
    let mut pattern = SwPattern { value: 0, mask: 0 };
    for ch in nibbles {
        pattern.value <<= 4;
        pattern.mask <<= 4;
        if ch != '?' {
            pattern.value |= ch.to_digit(16).ok_or_else(bad)? as u16;
            pattern.mask |= 0xF;
        }
    }
    Ok(pattern)
}

fn parse_data_pattern(text: &str) -> Result<DataPattern, Problem> {
    let mut nibbles: Vec<Option<u8>> = Vec::new();
    let mut prefix = false;
    for ch in text.chars().filter(|c| !c.is_whitespace()) {
        if prefix {
            return Err(Problem::BadDataPattern { reason: "`*` may only end the pattern" });
        }
        match ch {
            '*' => prefix = true,
            '?' => nibbles.push(None),
            c => match c.to_digit(16) {
                Some(d) => nibbles.push(Some(d as u8)),
                None => {
                    return Err(Problem::BadDataPattern {
                        reason: "use hex digits, ? for any nibble and a final * for any rest",
                    })
                }
            },
        }
    }
    if !nibbles.len().is_multiple_of(2) {
        return Err(Problem::BadDataPattern { reason: "odd number of hex digits" });
    }
    if nibbles.is_empty() && !prefix {
        return Err(Problem::BadDataPattern { reason: "empty pattern" });
    }
    let bytes = nibbles
        .chunks(2)
        .map(|pair| {
            let (hi, lo) = (pair.first().copied().flatten(), pair.get(1).copied().flatten());
            let value = hi.unwrap_or(0) << 4 | lo.unwrap_or(0);
            let mask = if hi.is_some() { 0xF0 } else { 0 } | if lo.is_some() { 0x0F } else { 0 };
            (value, mask)
        })
        .collect();
    Ok(DataPattern { bytes, prefix })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Script, ScriptError> {
        Script::parse("t.apdu", text)
    }

    fn problem(text: &str) -> (usize, Problem) {
        match parse(text) {
            Err(e) => (e.line, e.problem),
            Ok(s) => panic!("parsed: {s:?}"),
        }
    }

    fn exchange(script: &Script, i: usize) -> &Exchange {
        match script.actions.get(i) {
            Some(Action::Exchange(x)) => x,
            other => panic!("not an exchange: {other:?}"),
        }
    }

    #[test]
    fn scriptor_lines_parse() {
        let s =
            parse("# a comment\n00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01\nreset\n00B0000004\n")
                .unwrap();
        assert!(!s.spends_pin_tries);
        assert_eq!(s.actions.len(), 3);
        assert_eq!(
            exchange(&s, 0).command,
            vec![Part::Bytes(hex::decode("00A4040C0AD392F000260100000001").unwrap())]
        );
        assert_eq!(s.actions[1], Action::Reset { line: 3, step: None });
        assert_eq!(exchange(&s, 2).line, 4);
        assert_eq!(exchange(&s, 2).expect, None);
    }

    #[test]
    fn expectations_parse_and_render() {
        let s = parse("00B0000000 => len 256, data 30 82 ?? 1? *, 90 00 | 62 82\n").unwrap();
        let e = exchange(&s, 0).expect.clone().unwrap();
        assert_eq!(e.len, Some(256));
        assert_eq!(
            e.data,
            Some(DataPattern {
                bytes: vec![(0x30, 0xFF), (0x82, 0xFF), (0, 0), (0x10, 0xF0)],
                prefix: true
            })
        );
        assert_eq!(
            e.status,
            vec![
                SwPattern { value: 0x9000, mask: 0xFFFF },
                SwPattern { value: 0x6282, mask: 0xFFFF }
            ]
        );
        assert_eq!(e.to_string(), "len 256, data 30 82 ?? 1? *, 90 00 | 62 82");
        let s = parse("00200080 => 63 c?").unwrap();
        let e = exchange(&s, 0).expect.clone().unwrap();
        assert!(e.status[0].matches(0x63C3));
        assert!(!e.status[0].matches(0x6983));
        assert_eq!(e.to_string(), "63 C?");
    }

    #[test]
    fn data_patterns_match() {
        let exact = parse_data_pattern("4A 50").unwrap();
        assert_eq!(exact.mismatch(b"JP"), None);
        assert_eq!(exact.mismatch(b"JPK"), Some(2));
        assert_eq!(exact.mismatch(b"J"), Some(1));
        assert_eq!(exact.mismatch(b"XP"), Some(0));
        let prefix = parse_data_pattern("4A ?0 *").unwrap();
        assert_eq!(prefix.mismatch(b"JPKI"), None);
        assert_eq!(prefix.mismatch(b"J@"), None);
        assert_eq!(prefix.mismatch(b"JQ"), Some(1));
        let any = parse_data_pattern("*").unwrap();
        assert_eq!(any.mismatch(b""), None);
        assert_eq!(any.to_string(), "*");
    }

    #[test]
    fn variables_and_steps() {
        let s = parse(
            "set FID 00 0A\nstep \"read auth cert\"\n00 A4 02 0C $#FID $FID => 90 00\nstep \"next\"\nreset\n",
        )
        .unwrap();
        let x = exchange(&s, 0);
        assert_eq!(x.step.as_deref(), Some("read auth cert"));
        assert_eq!(x.command, vec![Part::Bytes(hex::decode("00A4020C02000A").unwrap())]);
        assert_eq!(s.actions[1], Action::Reset { line: 5, step: Some("next".into()) });
    }

    #[test]
    fn env_references_stay_unresolved() {
        let s = parse(
            "# spends-pin-tries: yes\nset PIN $env:MYNACARD_PIN\n00 20 00 80 $#PIN $PIN => 90 00\n",
        )
        .unwrap();
        assert!(s.spends_pin_tries);
        let x = exchange(&s, 0);
        assert_eq!(
            x.command,
            vec![
                Part::Bytes(vec![0x00, 0x20, 0x00, 0x80]),
                Part::LenOf(vec![Part::Env("MYNACARD_PIN".into())]),
                Part::Env("MYNACARD_PIN".into()),
            ]
        );
        assert_eq!(s.env_names(), vec!["MYNACARD_PIN"]);
    }

    #[test]
    fn every_problem_is_reported_with_its_line() {
        assert_eq!(problem("\n00 A4 0Z"), (2, Problem::BadChar { ch: 'Z', column: 8 }));
        assert_eq!(problem("00 A4 04 0C 1"), (1, Problem::OddDigits { digits: 9, column: 14 }));
        assert_eq!(problem("00 A4 $X"), (1, Problem::UnknownVariable { name: "X".into() }));
        let long = "V".repeat(3000);
        assert_eq!(
            problem(&format!("00 A4 ${long}")),
            (1, Problem::UnknownVariable { name: "V".repeat(32) })
        );
        assert_eq!(problem("set 1X 00"), (1, Problem::BadVariableName { name: "1X".into() }));
        assert_eq!(problem("set X"), (1, Problem::SetWithoutValue));
        assert_eq!(problem("00 A4 04"), (1, Problem::CommandTooShort { len: 3 }));
        let long = format!("00 D6 00 00 {}", "00".repeat(MAX_COMMAND_LEN));
        assert_eq!(problem(&long), (1, Problem::CommandTooLong { len: MAX_COMMAND_LEN + 4 }));
        let big = format!("set X {}\n00 D6 00 00 $#X $X", "AB".repeat(256));
        assert_eq!(problem(&big), (2, Problem::LengthTooLarge { name: "X".into(), len: 256 }));
        assert_eq!(problem("00 A4 04 0C =>"), (1, Problem::EmptyExpectation));
        assert_eq!(
            problem("00 A4 04 0C => 9000 00"),
            (1, Problem::BadStatusPattern { text: "9000 00".into() })
        );
        assert_eq!(
            problem("00 A4 04 0C => len x"),
            (1, Problem::BadLength { text: "len x".into() })
        );
        assert!(matches!(problem("00 A4 04 0C => data 3"), (1, Problem::BadDataPattern { .. })));
        assert!(matches!(problem("00 A4 04 0C => data * 30"), (1, Problem::BadDataPattern { .. })));
        assert!(matches!(problem("00 A4 04 0C => data 3G"), (1, Problem::BadDataPattern { .. })));
        assert!(matches!(problem("00 A4 04 0C => data"), (1, Problem::BadDataPattern { .. })));
        assert_eq!(
            problem("00 A4 04 0C => len 1, len 2"),
            (1, Problem::DuplicateClause { clause: "len" })
        );
        assert_eq!(
            problem("00 A4 04 0C => data *, data *"),
            (1, Problem::DuplicateClause { clause: "data" })
        );
        assert_eq!(
            problem("00 A4 04 0C => 90 00, 62 82"),
            (1, Problem::DuplicateClause { clause: "status" })
        );
        assert_eq!(problem("step read"), (1, Problem::BadStep));
        assert_eq!(problem("step \"\""), (1, Problem::BadStep));
        assert_eq!(
            problem("00 A4 04 0C\n# spends-pin-tries: yes"),
            (2, Problem::MisplacedDirective)
        );
        assert_eq!(problem("# spends-pin-tries: maybe"), (1, Problem::BadDirectiveValue));
        assert_eq!(
            problem("00 A4 04 0C\n00 20 00 80 04 31 32 33 34"),
            (2, Problem::UndeclaredPinTries)
        );
        assert_eq!(problem("$env:HEADER 00 00 00 00"), (1, Problem::UndeclaredPinTries));
    }

    #[test]
    fn errors_name_file_and_line_and_never_the_command_bytes() {
        let e = parse("# spends-pin-tries: no\n00 20 00 80 04 31 32 33 34").unwrap_err();
        let text = e.to_string();
        assert!(text.starts_with("t.apdu:2: "), "{text}");
        assert!(!text.contains("31 32") && !text.contains("31323334"), "{text}");
        let e = parse("00 20 00 80 04 31 32 33 3X").unwrap_err();
        assert_eq!(e.to_string(), "t.apdu:1: unexpected character 'X' at column 26: commands are hex digits, spaces and $VARIABLES");
    }

    #[test]
    fn variables_are_bounded() {
        // Each line doubles the variable: 20 lines would make 2^20 × 64 KiB.
        let mut hostile = format!("set A {}\n", "00".repeat(64));
        for _ in 0..40 {
            hostile.push_str("set A $A $A\n");
        }
        assert!(hostile.len() < 1000);
        let (line, found) = problem(&hostile);
        assert_eq!(found, Problem::VariableTooLong { name: "A".into() });
        assert_eq!(line, 12, "64 × 2^10 = 65536 bytes still fit; the next doubling does not");
        // Many variables of the largest size together.
        let mut wide = format!("set A {}\nset B $A\n", "00".repeat(60_000));
        for i in 0..100 {
            wide.push_str(&format!("set V{i} $B\n"));
        }
        assert_eq!(problem(&wide).1, Problem::ScriptTooLarge);
        // A command repeating a variable.
        let long = format!("set A {}\n00 D6 00 00 $A $A $A", "00".repeat(30_000));
        assert_eq!(problem(&long), (2, Problem::CommandTooLong { len: 90_004 }));
        // A literal value too long for any command.
        let literal = format!("set A {}", "00".repeat(MAX_VARIABLE_LEN + 1));
        assert_eq!(problem(&literal), (1, Problem::VariableTooLong { name: "A".into() }));
        // $# lengths keep what they measure: bounded too.
        let mut nested = format!("set A $env:P {}\n", "00".repeat(64));
        for _ in 0..20 {
            nested.push_str("set A $#A $A $A\n");
        }
        assert!(matches!(problem(&nested).1, Problem::VariableTooLong { .. }));
    }

    #[test]
    fn load_refuses_devices_fifos_and_huge_files() {
        let e = Script::load(Path::new("/dev/zero")).unwrap_err();
        assert_eq!(e.problem, Problem::NotRegularFile);
        assert_eq!(e.to_string(), "/dev/zero:0: the script is not a regular file");
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("big.apdu");
        std::fs::write(&big, vec![b'#'; MAX_SCRIPT_FILE as usize + 1]).unwrap();
        assert_eq!(Script::load(&big).unwrap_err().problem, Problem::FileTooLarge);
    }

    #[test]
    fn literal_secrets_are_told_from_environment_ones() {
        let literal = |line: &str| {
            let s = Script::parse_with("t", line, true).unwrap();
            writes_literal_secret(&exchange(&s, 0).command)
        };
        for written in [
            "00 20 00 80 04 31 32 33 34",
            "00 24 01 80 04 31 32 33 34",
            "00 2C 00 80 02 31 32",
            "00 20 00 80 $#env:P 31 $env:P",
            "00 20 00 80 $#env:P $env:P 31",
            "00 20 00 80 00 00 04 31 32 33 34",
            "$env:H 00 00 00",
        ] {
            assert!(literal(written), "{written}");
        }
        for allowed in [
            "00 20 00 80",
            "00 20 00 80 00",
            "00 20 00 80 $#env:P $env:P",
            "00 20 00 80 04 $env:P",
            "00 20 00 80 00 00 04 $env:P",
            "00 24 01 80 $#env:P $env:P 00",
            "00 B0 00 00 04 31 32 33 34",
            "00 A4 04 0C 02 31 32",
        ] {
            assert!(!literal(allowed), "{allowed}");
        }
    }

    #[test]
    fn empty_verify_is_not_spending() {
        let s = parse("00 20 00 80 => 63 C?\n00 24 01 80").unwrap();
        assert!(!s.spends_pin_tries);
        assert_eq!(s.actions.len(), 2);
    }

    #[test]
    fn load_reports_io_and_utf8_problems() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing.apdu");
        let e = Script::load(&missing).unwrap_err();
        assert_eq!(e.line, 0);
        assert!(matches!(e.problem, Problem::Io(_)));
        assert!(e.to_string().contains("missing.apdu:0: cannot read the script"));
        let bad = dir.path().join("bad.apdu");
        std::fs::write(&bad, b"00 A4 04 0C\n# \xFF\n").unwrap();
        let e = Script::load(&bad).unwrap_err();
        assert_eq!((e.line, e.problem), (2, Problem::NotUtf8));
        let good = dir.path().join("good.apdu");
        std::fs::write(&good, b"00 A4 04 0C => 6A 82\n").unwrap();
        let s = Script::load(&good).unwrap();
        assert_eq!(s.name, good.display().to_string());
    }
}
