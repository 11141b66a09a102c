//! `mynacard sim …`: the virtual card. `sim serve` makes it a card in vpcd's reader through
//! the bridge in `mynacard::sim::vpcd`, until SIGINT or SIGTERM (then it exits 0).

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

use clap::{Args, Subcommand, ValueEnum};

use mynacard::sim::card::{CommandCounts, Fault, FaultKind, Profile, Reply, VirtualCard};
use mynacard::sim::cardapps::Token;
use mynacard::sim::image::CardImage;
use mynacard::sim::pki::{Holder, DEFAULT_SEED};
use mynacard::sim::vpcd::{self, VpcdEvent, VpcdOptions};
use mynacard::verify::result::bounded;

use super::exit::Exit;
use super::{CliError, GlobalOpts};

/// `mynacard sim`.
#[derive(Debug, Args)]
pub struct SimArgs {
    /// What to do with the virtual card.
    #[command(subcommand)]
    pub command: SimCommand,
}

/// The `sim` subcommands.
#[derive(Debug, Subcommand)]
pub enum SimCommand {
    /// Serve the virtual card to pcscd through vsmartcard's vpcd (a real PC/SC reader).
    Serve(ServeArgs),
    /// Write the default card image and its test PKI (roots, certificates, CRLs, OCSP
    /// responder, `index.txt` for `openssl ocsp`) to a new directory. The result is the same,
    /// byte for byte, as the built-in image.
    Generate(GenerateArgs),
}

/// `mynacard sim generate`.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Directory to create (must not exist yet, or be empty).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Which device the image is: `card` (the built-in image, byte for byte) or `android`
    /// (JPKI on an Android phone: token label JPKIAPGPSETOKEN, the authentication
    /// certificate readable only after the authentication PIN).
    #[arg(long, value_enum, default_value_t = TokenName::Card)]
    pub token: TokenName,
}

/// Device profiles `sim generate` writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum TokenName {
    /// A My Number Card.
    Card,
    /// JPKI on an Android phone.
    Android,
}

fn generate(g: &GlobalOpts, a: &GenerateArgs) -> Result<Exit, CliError> {
    if a.out.exists() && std::fs::read_dir(&a.out).map(|mut d| d.next().is_some()).unwrap_or(true) {
        return Err(CliError::Usage(format!(
            "{} exists and is not empty: choose a new directory",
            a.out.display()
        )));
    }
    let (token, what) = match a.token {
        TokenName::Card => (Token::Card, "card"),
        TokenName::Android => (Token::Android, "android"),
    };
    mynacard::sim::image::write_image_with(&a.out, DEFAULT_SEED, &Holder::default(), token)
        .map_err(|e| CliError::Image(e.to_string()))?;
    if g.json {
        outln!("{}", serde_json::json!({ "image": a.out.display().to_string(), "token": what }))?;
    } else if !g.quiet {
        outln!("{}", t!("sim-generated", what = what, dir = a.out.display().to_string()))?;
    }
    Ok(Exit::Success)
}

/// Behaviour presets of the virtual card.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ProfileName {
    /// No added latency.
    Default,
    /// Latencies of a contact reader.
    Contact,
    /// Latencies of a contactless reader.
    Contactless,
}

/// `mynacard sim serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Where vpcd listens (35963: "Virtual PCD 00 00", 35964: "Virtual PCD 00 01").
    #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:35963")]
    pub vpcd: SocketAddr,
    /// Card image directory (default: the built-in image).
    #[arg(long, value_name = "DIR")]
    pub image: Option<PathBuf>,
    /// Behaviour preset.
    #[arg(long, value_enum, default_value_t = ProfileName::Default)]
    pub profile: ProfileName,
    /// Refuse extended-length APDUs (answer `67 00`), like a short-only card.
    #[arg(long)]
    pub no_extended: bool,
    /// After every command and power event, write the card's command counts since start
    /// (all power cycles together) and how often vpcd powered the card off, on and reset it
    /// (`power_off`, `power_on`, `reset`) as one JSON object to FILE (replaced atomically;
    /// for benchmarks and the security-state tests).
    #[arg(long, value_name = "FILE")]
    pub counts: Option<PathBuf>,
    /// Answer the first command after the card was powered off and on again with `6F 00`
    /// (reported of real cards by a single source; off by default).
    #[arg(long)]
    pub unpowered_6f00: bool,
    /// Inject a fault on the N-th command since power-on (1-based; each strikes once):
    /// KIND is remove, mute, garbage, truncate, no-precise-diagnosis (`6F 00`), more-data
    /// (executed, then `61 10` with nothing to fetch), wrong-le (`6C 10`, not executed) or
    /// reset (a warm reset the client is not told of, just before the command). Repeatable.
    #[arg(long, value_name = "N:KIND", value_parser = parse_fault)]
    pub fault: Vec<Fault>,
}

/// Parse `N:KIND` (e.g. `7:remove`) into a fault.
pub fn parse_fault(text: &str) -> Result<Fault, String> {
    let (n, kind) = text
        .split_once(':')
        .ok_or_else(|| format!("{:?}: expected N:KIND, e.g. 7:remove", bounded(text)))?;
    let at: u64 = n.parse().ok().filter(|&n| n > 0).ok_or_else(|| {
        format!("{:?}: the command number must be a positive integer", bounded(n))
    })?;
    let kind = FaultKind::ALL.into_iter().find(|k| k.name() == kind).ok_or_else(|| {
        let names: Vec<_> = FaultKind::ALL.iter().map(|k| k.name()).collect();
        format!("{:?}: unknown fault ({})", bounded(kind), names.join(", "))
    })?;
    Ok(Fault { at, kind })
}

/// The behaviour for a preset: `default` without latency and with extended length,
/// `contact` and `contactless` as `Profile::contact()` / `Profile::contactless()`
/// (contactless: short APDUs only). `no_extended` turns extended length off in any preset.
pub fn profile(name: ProfileName, no_extended: bool) -> Profile {
    let mut p = match name {
        ProfileName::Default => Profile { extended_length: true, ..Profile::default() },
        ProfileName::Contact => Profile::contact(),
        ProfileName::Contactless => Profile::contactless(),
    };
    if no_extended {
        p.extended_length = false;
    }
    p
}

/// Load the card image: `dir` when given, else the built-in default image.
pub fn load_image(dir: Option<&Path>) -> Result<CardImage, CliError> {
    match dir {
        Some(d) => CardImage::load(d).map_err(|e| CliError::Image(e.to_string())),
        None => Ok(CardImage::default_image()),
    }
}

/// The reader name vpcd gives the card on this port, when it is one of Debian's defaults.
pub fn reader_name(addr: &SocketAddr) -> Option<&'static str> {
    match addr.port() {
        35963 => Some("Virtual PCD 00 00"),
        35964 => Some("Virtual PCD 00 01"),
        _ => None,
    }
}

/// One event as a line of text, or `None` when the verbosity hides it.
pub fn event_text(e: &VpcdEvent, verbose: u8) -> Option<String> {
    let (level, text) = match e {
        VpcdEvent::Connected(a) => (0, t!("sim-connected", addr = a.to_string())),
        VpcdEvent::Disconnected(why) => (0, t!("sim-disconnected", why = why.clone())),
        VpcdEvent::Removed => (0, "card removed (fault)".to_string()),
        VpcdEvent::Mute => (0, "card mute (fault)".to_string()),
        VpcdEvent::PowerOn => (1, "power on".to_string()),
        VpcdEvent::PowerOff => (1, "power off".to_string()),
        VpcdEvent::Reset => (1, "reset".to_string()),
        VpcdEvent::UnknownControl(b) => (1, t!("sim-unknown-control", byte = format!("{b:02X}"))),
        VpcdEvent::Apdu { command, response } => {
            (2, format!("APDU of {command} bytes answered with {response} bytes"))
        }
        VpcdEvent::Atr => (3, "ATR poll".to_string()),
    };
    (level <= verbose).then_some(text)
}

/// One event as a JSON object (all events, whatever the verbosity).
pub fn event_json(e: &VpcdEvent) -> serde_json::Value {
    use serde_json::json;
    match e {
        VpcdEvent::Connected(a) => json!({"event": "connected", "vpcd": a.to_string()}),
        VpcdEvent::Disconnected(why) => json!({"event": "disconnected", "reason": why}),
        VpcdEvent::Removed => json!({"event": "removed"}),
        VpcdEvent::Mute => json!({"event": "mute"}),
        VpcdEvent::PowerOn => json!({"event": "power-on"}),
        VpcdEvent::PowerOff => json!({"event": "power-off"}),
        VpcdEvent::Reset => json!({"event": "reset"}),
        VpcdEvent::UnknownControl(b) => json!({"event": "unknown-control", "byte": b}),
        VpcdEvent::Apdu { command, response } => {
            json!({"event": "apdu", "command_len": command, "response_len": response})
        }
        VpcdEvent::Atr => json!({"event": "atr"}),
    }
}

/// Command counts summed over power cycles (the card's own counts restart at power-on).
pub fn add_counts(a: &CommandCounts, b: &CommandCounts) -> CommandCounts {
    CommandCounts {
        select_application: a.select_application + b.select_application,
        select_file: a.select_file + b.select_file,
        read_binary: a.read_binary + b.read_binary,
        read_binary_bytes: a.read_binary_bytes + b.read_binary_bytes,
        verify_status: a.verify_status + b.verify_status,
        verify_with_data: a.verify_with_data + b.verify_with_data,
        change_reference_data: a.change_reference_data + b.change_reference_data,
        compute_signature: a.compute_signature + b.compute_signature,
        signatures: a.signatures + b.signatures,
        get_response: a.get_response + b.get_response,
        get_challenge: a.get_challenge + b.get_challenge,
        other: a.other + b.other,
    }
}

/// Counts as the JSON object `--counts` writes; `commands` is every command APDU received.
pub fn counts_json(commands: u64, c: &CommandCounts) -> serde_json::Value {
    serde_json::json!({
        "commands": commands,
        "select_application": c.select_application,
        "select_file": c.select_file,
        "read_binary": c.read_binary,
        "read_binary_bytes": c.read_binary_bytes,
        "verify_status": c.verify_status,
        "verify_with_data": c.verify_with_data,
        "change_reference_data": c.change_reference_data,
        "compute_signature": c.compute_signature,
        "signatures": c.signatures,
        "get_response": c.get_response,
        "get_challenge": c.get_challenge,
        "other": c.other,
    })
}

/// The virtual card keeping running totals of its command counts across power cycles and
/// writing them to a file after every command (`sim serve --counts FILE`).
pub struct CountingCard {
    card: VirtualCard,
    /// Totals of the finished power cycles.
    done: CommandCounts,
    done_commands: u64,
    /// Power events since start: power off, power on, warm reset.
    power: [u64; 3],
    path: PathBuf,
}

impl CountingCard {
    /// Wrap `card`; writes zero counts to `path` at once.
    pub fn new(card: VirtualCard, path: PathBuf) -> Result<Self, CliError> {
        let c = CountingCard {
            card,
            done: CommandCounts::default(),
            done_commands: 0,
            power: [0; 3],
            path,
        };
        c.write().map_err(|source| CliError::Io {
            context: t!("sim-counts-write", path = c.path.display().to_string()),
            source,
        })?;
        Ok(c)
    }

    /// Commands received since start, and their counts by kind.
    pub fn totals(&self) -> (u64, CommandCounts) {
        (self.done_commands + self.card.command_count(), add_counts(&self.done, self.card.counts()))
    }

    fn write(&self) -> std::io::Result<()> {
        let (commands, counts) = self.totals();
        let mut json = counts_json(commands, &counts);
        let [off, on, reset] = self.power;
        if let Some(map) = json.as_object_mut() {
            map.insert("power_off".into(), off.into());
            map.insert("power_on".into(), on.into());
            map.insert("reset".into(), reset.into());
        }
        let tmp = self.path.with_extension("tmp");
        std::fs::write(&tmp, format!("{json}\n"))?;
        std::fs::rename(&tmp, &self.path)
    }

    fn write_or_warn(&self) {
        if let Err(e) = self.write() {
            let what = t!("sim-counts-write", path = self.path.display().to_string());
            errln!("mynacard sim: {what}: {e}");
        }
    }
}

impl vpcd::VpcdCard for CountingCard {
    fn atr(&self) -> Vec<u8> {
        self.card.atr()
    }
    fn power_on(&mut self) {
        // Power-on restarts the card's counts: keep what this power cycle counted.
        (self.done_commands, self.done) = self.totals();
        self.card.power_on();
        self.power[1] += 1;
        self.write_or_warn();
    }
    fn power_off(&mut self) {
        self.card.power_off();
        self.power[0] += 1;
        self.write_or_warn();
    }
    fn reset(&mut self) {
        self.card.reset();
        self.power[2] += 1;
        self.write_or_warn();
    }
    fn process(&mut self, apdu: &[u8]) -> Reply {
        let reply = self.card.process(apdu);
        self.write_or_warn();
        reply
    }
}

fn serve(g: &GlobalOpts, args: &ServeArgs) -> Result<Exit, CliError> {
    let image = load_image(args.image.as_deref())?;
    let mut behaviour = profile(args.profile, args.no_extended);
    behaviour.faults = args.fault.clone();
    behaviour.unpowered_6f00 = args.unpowered_6f00;
    let virtual_card = VirtualCard::new(image, behaviour);
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(signal, stop.clone()).map_err(|source| CliError::Io {
            context: t!("sim-signal-handler", signal = signal),
            source,
        })?;
    }
    let json = g.json;
    let (quiet, verbose) = (g.quiet, g.verbose);
    let events: vpcd::EventSink = Arc::new(move |e: &VpcdEvent| {
        if json {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{}", event_json(e));
            let _ = out.flush();
        } else if !quiet {
            if let Some(line) = event_text(e, verbose) {
                errln!("mynacard sim: {line}");
            }
        }
    });
    if !quiet && !json {
        let reader =
            reader_name(&args.vpcd).map(|r| format!(" (reader \"{r}\")")).unwrap_or_default();
        errln!(
            "mynacard sim: {}",
            t!("sim-serving", addr = args.vpcd.to_string(), reader = reader)
        );
    }
    let opts = VpcdOptions { events: Some(events), ..VpcdOptions::default() };
    match &args.counts {
        Some(path) => {
            let card = CountingCard::new(virtual_card, path.clone())?;
            vpcd::serve_card(args.vpcd, Arc::new(Mutex::new(card)), stop, opts)?;
        }
        None => vpcd::serve(args.vpcd, Arc::new(Mutex::new(virtual_card)), stop, opts)?,
    }
    if !quiet && !json {
        errln!("mynacard sim: {}", t!("sim-stopped"));
    }
    Ok(Exit::Success)
}

/// Run a `sim` subcommand.
pub fn run(g: &GlobalOpts, args: &SimArgs) -> Result<Exit, CliError> {
    match &args.command {
        SimCommand::Serve(a) => serve(g, a),
        SimCommand::Generate(a) => generate(g, a),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn presets() {
        let p = profile(ProfileName::Contactless, false);
        assert!(!p.extended_length);
        assert_eq!(p.apdu_latency, Duration::from_millis(20));
        assert_eq!(p.signature_latency, Duration::from_millis(400));
        let p = profile(ProfileName::Default, false);
        assert!(p.extended_length);
        assert_eq!(p.apdu_latency, Duration::ZERO);
        assert!(!profile(ProfileName::Default, true).extended_length);
        let p = profile(ProfileName::Contact, false);
        assert!(p.extended_length);
        assert_eq!(p.apdu_latency, Duration::from_millis(5));
        assert!(!profile(ProfileName::Contact, true).extended_length);
    }

    #[test]
    fn fault_errors_echo_the_argument_bounded() {
        let long = "x".repeat(3000);
        for arg in [long.clone(), format!("{long}:mute"), format!("7:{long}")] {
            let e = parse_fault(&arg).unwrap_err();
            assert!(e.contains(&format!("{}…", "x".repeat(160))), "{e}");
            assert!(e.len() < 300, "{} bytes: {e}", e.len());
        }
    }

    #[test]
    fn faults_parse() {
        assert_eq!(parse_fault("7:remove"), Ok(Fault { at: 7, kind: FaultKind::Remove }));
        assert_eq!(parse_fault("1:mute"), Ok(Fault { at: 1, kind: FaultKind::Mute }));
        assert_eq!(
            parse_fault("12:no-precise-diagnosis"),
            Ok(Fault { at: 12, kind: FaultKind::NoPreciseDiagnosis })
        );
        assert!(parse_fault("7").unwrap_err().contains("N:KIND"));
        assert!(parse_fault("0:remove").unwrap_err().contains("positive"));
        assert!(parse_fault("x:remove").unwrap_err().contains("positive"));
        assert!(parse_fault("3:melt").unwrap_err().contains("unknown fault"));
        assert!(parse_fault("3:melt").unwrap_err().contains("more-data, wrong-le, reset"));
        for kind in FaultKind::ALL {
            assert_eq!(parse_fault(&format!("2:{}", kind.name())), Ok(Fault { at: 2, kind }));
        }
        assert_eq!(parse_fault("4:more-data").map(|f| f.kind), Ok(FaultKind::UnexpectedMoreData));
        assert_eq!(parse_fault("4:wrong-le").map(|f| f.kind), Ok(FaultKind::UnexpectedWrongLe));
        assert_eq!(parse_fault("4:reset").map(|f| f.kind), Ok(FaultKind::Reset));
    }

    #[test]
    fn reader_names_of_debian_ports() {
        assert_eq!(reader_name(&"127.0.0.1:35963".parse().unwrap()), Some("Virtual PCD 00 00"));
        assert_eq!(reader_name(&"127.0.0.1:35964".parse().unwrap()), Some("Virtual PCD 00 01"));
        assert_eq!(reader_name(&"127.0.0.1:4000".parse().unwrap()), None);
    }

    #[test]
    fn verbosity_filters_events() {
        assert!(event_text(&VpcdEvent::Atr, 2).is_none());
        assert_eq!(event_text(&VpcdEvent::Atr, 3).as_deref(), Some("ATR poll"));
        assert!(event_text(&VpcdEvent::PowerOn, 0).is_none());
        assert!(event_text(&VpcdEvent::Disconnected("x".into()), 0).is_some());
        assert_eq!(
            event_json(&VpcdEvent::Apdu { command: 5, response: 258 }).to_string(),
            r#"{"command_len":5,"event":"apdu","response_len":258}"#
        );
    }

    #[test]
    fn image_errors_name_the_directory() {
        let err = load_image(Some(Path::new("/nonexistent/img"))).unwrap_err();
        assert!(err.to_string().contains("/nonexistent/img"), "{err}");
        assert_eq!(err.exit(), Exit::Io);
    }

    #[test]
    fn counts_file_sums_power_cycles() {
        use mynacard::sim::vpcd::VpcdCard;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("counts.json");
        let card = VirtualCard::new(load_image(None).unwrap(), Profile::default());
        let mut card = CountingCard::new(card, path.clone()).unwrap();
        let read = || -> serde_json::Value {
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
        };
        assert_eq!(read()["commands"], 0);
        let mut select = vec![0x00, 0xA4, 0x04, 0x0C, 0x0A];
        select.extend_from_slice(&mynacard::facts::AID_JPKI);
        card.power_on();
        assert_eq!(card.process(&select), Reply::Bytes(vec![0x90, 0x00]));
        card.process(&[0x00, 0xB0, 0x00, 0x00, 0x04]);
        card.power_off();
        card.power_on();
        card.process(&select);
        card.reset();
        let c = read();
        assert_eq!(c["commands"], 3);
        assert_eq!(c["select_application"], 2);
        assert_eq!(c["read_binary"], 1);
        assert_eq!(
            (&c["power_off"], &c["power_on"], &c["reset"]),
            (&1.into(), &2.into(), &1.into())
        );
        assert_eq!(card.totals().0, 3);
    }

    #[test]
    fn counts_file_errors_name_the_file() {
        let card = VirtualCard::new(load_image(None).unwrap(), Profile::default());
        let err =
            CountingCard::new(card, PathBuf::from("/nonexistent/dir/counts.json")).err().unwrap();
        assert!(err.to_string().contains("/nonexistent/dir/counts.json"), "{err}");
        assert_eq!(err.exit(), Exit::Io);
    }

    #[test]
    fn the_default_image_is_built_in() {
        let image = load_image(None).unwrap();
        assert!(image.app(&mynacard::facts::AID_JPKI).is_some());
    }
}
