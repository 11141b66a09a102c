//! `mynacard face read|age`: the card-face confirmation application (券面事項確認AP). Also
//! owns what `text read` shares with it: which CA keys are trusted for the J-LIS data
//! signatures ([`TrustOpts`]) and how an authenticity outcome is shown ([`authenticity_json`],
//! [`authenticity_text`]).
//!
//! Personal data: the card face's name and address are images (PNG), the photo is JPEG 2000;
//! none is written unless the user names where (`--photo FILE`, `--images DIR`), each file
//! written atomically with mode 0600 and never over an existing file unless `--force`. Birth
//! date, sex and expiry are shown as text; so are the name and address with 照合番号B, read
//! with the same code from the text application, and with 照合番号A the My Number from it
//! (masked unless `--reveal`). A text application that is absent or refuses leaves the card
//! face standing, with a one-line note. The codes (照合番号A/B, the birth date of the age
//! check) come from a no-echo prompt or `--pin-stdin|--pin-env|--pin-file`, never from the
//! command line, and are checked for format before the card is opened.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand, ValueEnum};
use zeroize::Zeroizing;

use mynacard::card::face::{FaceText, FaceTextOutcome};
use mynacard::card::{
    BirthProof, CardError, CodeA, CodeB, FaceBirthKey, FaceCode, FaceData, PinFormatError,
};
use mynacard::carddata::cvc::{Cvc, RsaKeyRecord};
use mynacard::carddata::era;
use mynacard::transport::pcsc::ShareMode;
use mynacard::verify::authenticity::{self, App, Authenticity, CaKey, CaSource, CvcTrust, Verdict};
use mynacard::verify::result::bounded;

use super::audit_log::AuditNote;
use super::connect::{self, PinClient};
use super::exit::Exit;
use super::pin_source::{PinOpts, PinSource};
use super::{CliError, GlobalOpts};

/// `mynacard face`.
#[derive(Debug, Args)]
pub struct FaceArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: FaceCommand,
}

/// The `face` subcommands.
#[derive(Debug, Subcommand)]
pub enum FaceCommand {
    /// Read the card face with 照合番号A (the My Number) or 照合番号B and check its signature.
    Read(FaceReadArgs),
    /// Answer whether the holder is at least N years old, and nothing else.
    Age(FaceAgeArgs),
}

/// Which code opens the card face (`--code`, and `code` of the kiosk service's `/v1/face`,
/// where `b` is the default).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CodeArg {
    /// 照合番号A: the 12-digit My Number (also opens the My Number image).
    A,
    /// 照合番号B: birth date (era YYMMDD), the card's expiry year and its security code.
    #[default]
    B,
}

/// Which embedded CA keys are trusted besides files given with `--cvc-ca`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum HierarchyArg {
    /// The J-LIS production keys only.
    Production,
    /// The production keys and the JPKI test hierarchy's keys.
    Test,
}

/// Which CA keys the J-LIS data signatures are checked against.
#[derive(Clone, Debug, Args)]
pub struct TrustOpts {
    /// Trust the JPKI test hierarchy's CA keys too (`test`); the production keys are always
    /// trusted.
    #[arg(long, value_enum, default_value_t = HierarchyArg::Production)]
    pub hierarchy: HierarchyArg,
    /// Also trust the CVC CA key in FILE (a CVC, or a 16-byte key ID and a key record), e.g.
    /// the virtual card's (`mynacard sim cvc-ca`); repeatable.
    #[arg(long = "cvc-ca", value_name = "FILE")]
    pub cvc_ca: Vec<PathBuf>,
}

/// The trusted CA keys: the embedded ones and key files with their IDs, plus PEM public keys
/// (SubjectPublicKeyInfo, as `sim-image/default/pki/cvc-ca-*.pem`), which carry no key ID.
pub struct Trust {
    base: CvcTrust,
    pem: Vec<(String, RsaKeyRecord)>,
}

impl Trust {
    /// The embedded production keys and one PEM public key given as text (the demo's
    /// explicit trust in the virtual card's CA key).
    pub fn production_and_pem(name: &str, pem_text: &str) -> Result<Trust, CliError> {
        let key = pem_public_key(Path::new(name), pem_text)?;
        Ok(Trust { base: CvcTrust::new(false), pem: vec![(name.to_string(), key)] })
    }

    /// The keys to check `cvc` (an application's EF 0004) with: a PEM key the user named is
    /// trusted under the ID the certificate names as its issuer, only when that key's
    /// signature over the certificate body verifies (so a PEM key stands for itself, not
    /// for an ID; the role check on the ID still applies).
    pub fn for_cvc(&self, cvc: &[u8]) -> CvcTrust {
        use rsa::{BigUint, Pkcs1v15Sign, RsaPublicKey};
        use sha2::{Digest, Sha256};
        let mut t = self.base.clone();
        let Ok(c) = Cvc::parse(cvc) else { return t };
        for (path, key) in &self.pem {
            let public = RsaPublicKey::new(
                BigUint::from_bytes_be(&key.modulus),
                BigUint::from_bytes_be(&key.exponent),
            );
            let signed = public.is_ok_and(|k| {
                k.verify(Pkcs1v15Sign::new::<Sha256>(), &Sha256::digest(&c.body), &c.signature)
                    .is_ok()
            });
            if signed {
                t.add(CaKey {
                    id: c.issuer,
                    key: key.clone(),
                    source: CaSource::File(path.clone()),
                });
            }
        }
        t
    }
}

/// Largest CA key file read here (a PEM RSA-2048 public key is about 450 bytes).
const MAX_KEY_FILE: u64 = 16 * 1024;

fn pem_public_key(path: &Path, text: &str) -> Result<RsaKeyRecord, CliError> {
    use rsa::pkcs8::DecodePublicKey;
    use rsa::traits::PublicKeyParts;
    let key = rsa::RsaPublicKey::from_public_key_pem(text).map_err(|e| {
        CliError::Usage(t!(
            "face-not-cvc-ca-key",
            path = path.display().to_string(),
            why = e.to_string()
        ))
    })?;
    Ok(RsaKeyRecord { exponent: key.e().to_bytes_be(), modulus: key.n().to_bytes_be() })
}

impl TrustOpts {
    /// The trusted keys (key files are read and checked now, before the card is opened).
    pub fn trust(&self) -> Result<Trust, CliError> {
        let mut base = CvcTrust::new(self.hierarchy == HierarchyArg::Test);
        let mut pem = Vec::new();
        for path in &self.cvc_ca {
            let io = |source| CliError::Io {
                context: t!("face-cvc-ca-key", path = path.display().to_string()),
                source,
            };
            let mut head = Vec::new();
            {
                use std::io::Read;
                std::fs::File::open(path)
                    .map_err(io)?
                    .take(MAX_KEY_FILE)
                    .read_to_end(&mut head)
                    .map_err(io)?;
            }
            let text = mynacard::verify::pem::strip_bom(&head);
            if text.starts_with(b"-----BEGIN PUBLIC KEY-----") {
                let text = String::from_utf8_lossy(text);
                pem.push((path.display().to_string(), pem_public_key(path, &text)?));
                continue;
            }
            base.add_file(path).map_err(|e| match e {
                authenticity::CaKeyError::Read { source, path } => {
                    CliError::Io { context: t!("face-cvc-ca-key", path = path.to_string()), source }
                }
                e @ authenticity::CaKeyError::Format { .. } => CliError::Usage(e.to_string()),
            })?;
        }
        Ok(Trust { base, pem })
    }
}

/// `mynacard face read`.
#[derive(Debug, Args)]
pub struct FaceReadArgs {
    /// Which code opens the card face.
    #[arg(long, value_enum, default_value_t = CodeArg::B)]
    pub code: CodeArg,
    /// Write the photo, JPEG 2000 as stored, to FILE.
    #[arg(long, value_name = "FILE")]
    pub photo: Option<PathBuf>,
    /// Write the images (name.png, address.png, security-code.png, and with `--code a`
    /// my-number.png) into DIR (created if missing).
    #[arg(long, value_name = "DIR")]
    pub images: Option<PathBuf>,
    /// Replace files that already exist (default: refuse, and write nothing).
    #[arg(long)]
    pub force: bool,
    /// Also ask the card key to sign a fresh host nonce (single-source command; see README).
    #[arg(long)]
    pub challenge: bool,
    /// With `--code a`: show the whole My Number instead of `********1234`.
    #[arg(long)]
    pub reveal: bool,
    /// Which CA keys are trusted.
    #[command(flatten)]
    pub trust: TrustOpts,
    /// Where the code comes from.
    #[command(flatten)]
    pub pin: PinOpts,
}

/// `mynacard face age`.
#[derive(Debug, Args)]
pub struct FaceAgeArgs {
    /// The age asked about, in whole years.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(0..=150))]
    pub at_least: u16,
    /// The day the age is computed for (`YYYY-MM-DD`; default: today in Japan, UTC+9).
    #[arg(long, value_name = "DATE")]
    pub at: Option<String>,
    /// Which CA keys are trusted.
    #[command(flatten)]
    pub trust: TrustOpts,
    /// Where the holder's birth date comes from.
    #[command(flatten)]
    pub pin: PinOpts,
}

// ------------------------------------------------------------------ getting the codes

fn refuse_pad(opts: &PinOpts) -> Result<(), CliError> {
    if opts.pinpad == super::pin_source::PinPadArg::On {
        return Err(CliError::Usage(t!("face-no-pinpad")));
    }
    Ok(())
}

/// A date as `YYYYMMDD` from `YYYYMMDD` or `YYYY-MM-DD` (the value is never echoed).
fn compact_date(s: &str) -> Zeroizing<String> {
    Zeroizing::new(s.trim().chars().filter(|c| *c != '-' && *c != '/').collect())
}

/// 照合番号A from one secret: 12 digits, spaces and hyphens ignored.
fn code_a(secret: &str) -> Result<CodeA, PinFormatError> {
    let digits: Zeroizing<String> =
        Zeroizing::new(secret.chars().filter(|c| *c != ' ' && *c != '-').collect());
    CodeA::new(&digits)
}

/// 照合番号B from one secret line: the 14 composed digits, or three fields separated by
/// spaces: birth date (`YYYYMMDD` or `YYYY-MM-DD`, Gregorian), expiry year, security code.
fn code_b_line(line: &str) -> Result<CodeB, PinFormatError> {
    let fields: Vec<&str> = line.split_whitespace().collect();
    match fields.as_slice() {
        [digits] => CodeB::new(digits),
        [birth, year, code] => CodeB::compose(&compact_date(birth), year, code),
        _ => CodeB::new(""),
    }
}

fn read_code(opts: &PinOpts, which: CodeArg) -> Result<FaceCode, CliError> {
    let mut r = opts.reader();
    let prompt = opts.source() == PinSource::Prompt;
    Ok(match which {
        CodeArg::A => parse_code(which, &r.current(&t!("face-code-a-prompt"))?)?,
        CodeArg::B if prompt => {
            let birth = r.current(&t!("face-birth-prompt-b"))?;
            let year = r.current(&t!("face-expiry-year-prompt"))?;
            let code = r.current(&t!("face-security-code-prompt"))?;
            FaceCode::B(CodeB::compose(&compact_date(&birth), year.trim(), code.trim())?)
        }
        CodeArg::B => parse_code(which, &r.current(&t!("face-code-b-prompt"))?)?,
    })
}

fn read_birth_key(opts: &PinOpts) -> Result<FaceBirthKey, CliError> {
    let s = opts.reader().current(&t!("face-birth-prompt"))?;
    birth_key(&s)
}

// ------------------------------------------------------------------ authenticity output

/// The outcome as JSON: `{"verdict": "genuine"|"forged"|"unknown", …}`.
pub fn authenticity_json(a: &Authenticity) -> serde_json::Value {
    serde_json::to_value(a).unwrap_or_else(|_| serde_json::json!({ "verdict": a.verdict.name() }))
}

/// The outcome as one line of text.
pub fn authenticity_text(a: &Authenticity) -> String {
    t!("authenticity-line", verdict = authenticity_word(a.verdict), detail = a.detail.clone())
}

/// A verdict on card data in words (`GENUINE`, `真正`, …); JSON uses `Verdict::name`.
pub fn authenticity_word(v: Verdict) -> String {
    match v {
        Verdict::Genuine => t!("authenticity-genuine"),
        Verdict::Forged => t!("authenticity-forged"),
        Verdict::Unknown => t!("authenticity-unknown"),
    }
}

/// The outcome for `face age`: the verdict and the CA key only. The signer key ID names the
/// holder's municipality (its digits are the municipality code), so an age check leaves it
/// and the detail sentence (which names it) out.
pub fn age_authenticity_json(a: &Authenticity) -> serde_json::Value {
    serde_json::json!({
        "verdict": a.verdict.name(),
        "ca_key": a.ca_key.map(|k| k.to_string()),
        "ca_source": a.ca_source,
    })
}

/// The exit code for an outcome: `forged` has its own; the others succeed.
pub fn authenticity_exit(a: &Authenticity) -> Exit {
    match a.verdict {
        Verdict::Forged => Exit::Forged,
        Verdict::Genuine | Verdict::Unknown => Exit::Success,
    }
}

// ------------------------------------------------------------------ writing files

/// Write `bytes` to `path` atomically (a temporary file in the same directory, renamed),
/// mode 0600; refuses an existing file unless `force`.
fn write_private(path: &Path, bytes: &[u8], force: bool) -> Result<(), CliError> {
    use std::io::Write;
    let io = |source| CliError::Io {
        context: t!("io-writing", path = path.display().to_string()),
        source,
    };
    if !force && path.exists() {
        return Err(CliError::Usage(t!("face-exists", path = path.display().to_string())));
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(io)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file().set_permissions(std::fs::Permissions::from_mode(0o600)).map_err(io)?;
    }
    tmp.write_all(bytes).map_err(io)?;
    tmp.as_file().sync_all().map_err(io)?;
    if force {
        tmp.persist(path).map_err(|e| io(e.error))?;
    } else {
        tmp.persist_noclobber(path).map_err(|e| io(e.error))?;
    }
    Ok(())
}

// ------------------------------------------------------------------ face read

fn iso(raw: &[u8]) -> String {
    match std::str::from_utf8(raw) {
        // ASCII only: slicing a string of eight bytes holding a multi-byte character could
        // cut inside it (the bytes come from the card).
        Ok(s) if s.len() == 8 && s.is_ascii() => format!("{}-{}-{}", &s[..4], &s[4..6], &s[6..]),
        _ => "(not a date)".to_string(),
    }
}

/// The sex recorded on the card face, in words.
fn face_sex_text(raw: &[u8]) -> String {
    match mynacard::carddata::sex::Sex::from_face_code(raw) {
        Some(s) => super::messages::sex_text(s),
        None => t!("sex-other"),
    }
}

fn sex_name(raw: &[u8]) -> &'static str {
    mynacard::carddata::sex::Sex::from_face_code(raw).map_or("other", |s| s.json_name())
}

/// The files `face read` may write, and which were asked for.
struct Outputs<'a> {
    /// (name, bytes, destination) in write order.
    files: Vec<(&'static str, &'a [u8], Option<PathBuf>)>,
}

fn outputs<'a>(data: &'a FaceData, args: &FaceReadArgs) -> Result<Outputs<'a>, CliError> {
    let files = face_items(data)?
        .into_iter()
        .map(|(name, bytes)| {
            let dest = match name {
                "photo" => args.photo.clone(),
                _ => {
                    args.images.as_ref().map(|d| d.join(format!("{}.png", name.replace('_', "-"))))
                }
            };
            (name, bytes, dest)
        })
        .collect();
    Ok(Outputs { files })
}

fn write_outputs(out: &Outputs<'_>, args: &FaceReadArgs) -> Result<(), CliError> {
    if let Some(dir) = &args.images {
        std::fs::create_dir_all(dir).map_err(|source| CliError::Io {
            context: t!("io-creating", path = dir.display().to_string()),
            source,
        })?;
    }
    // Refuse before writing anything when one of the files exists.
    if !args.force {
        for (_, _, dest) in &out.files {
            if let Some(p) = dest.as_ref().filter(|p| p.exists()) {
                return Err(CliError::Usage(t!(
                    "face-exists-nothing-written",
                    path = p.display().to_string()
                )));
            }
        }
    }
    for (_, bytes, dest) in &out.files {
        if let Some(p) = dest {
            write_private(p, bytes, args.force)?;
        }
    }
    Ok(())
}

/// The single-source card-key challenge outcome.
pub struct Challenge {
    /// The signature verified under the card key.
    pub ok: bool,
    /// One sentence on what it proves.
    pub detail: String,
}

fn challenge(
    client: &mut connect::CardClient,
    data: &FaceData,
    verdict: Verdict,
) -> Result<Challenge, CliError> {
    use rand::RngCore;
    use rsa::{BigUint, Pkcs1v15Sign, RsaPublicKey};
    use sha2::{Digest, Sha256};
    let mut nonce = [0u8; mynacard::card::face::CHALLENGE_NONCE_LEN];
    rand::rngs::OsRng.fill_bytes(&mut nonce);
    let sig = client.face_challenge(&nonce)?;
    let face = data.face()?;
    let key = RsaKeyRecord::parse(face.card_key)
        .ok()
        .and_then(|k| {
            RsaPublicKey::new(
                BigUint::from_bytes_be(&k.modulus),
                BigUint::from_bytes_be(&k.exponent),
            )
            .ok()
        })
        .ok_or_else(|| {
            CliError::Card(mynacard::card::CardError::Malformed(t!("face-card-key-not-rsa")))
        })?;
    let ok = key.verify(Pkcs1v15Sign::new::<Sha256>(), &Sha256::digest(nonce), &sig).is_ok();
    let detail = match (ok, verdict) {
        (true, Verdict::Genuine) => t!("face-challenge-proven"),
        (true, _) => t!("face-challenge-unproven"),
        (false, _) => t!("face-challenge-bad"),
    };
    Ok(Challenge { ok, detail: t!("face-challenge-single-source", detail = detail) })
}

/// The text application's code as its PIN object: `照合番号A (EF 0014)` / `照合番号B (EF 0015)`.
fn text_code_name(which: CodeArg) -> &'static str {
    match which {
        CodeArg::A => "照合番号A (EF 0014)",
        CodeArg::B => "照合番号B (EF 0015)",
    }
}

/// Why the text part was not read, in one sentence (never holds the code).
fn skipped_reason(e: &CardError, which: CodeArg) -> String {
    let code = text_code_name(which);
    match e {
        CardError::NoTextApp => t!("face-skip-no-text-app"),
        CardError::FileNotFound(ef) => t!("face-skip-no-file", ef = format!("{ef:04X}")),
        CardError::PinBlocked { .. } => t!("face-skip-blocked", code = code),
        CardError::LastTry { .. } => t!("face-skip-last-try", code = code),
        CardError::WrongPin { tries_left, .. } => {
            t!("face-skip-wrong", code = code, n = *tries_left)
        }
        other => t!("face-skip-other", why = super::messages::card(other).text()),
    }
}

/// What the text part is shown as: the note when skipped.
fn text_note(outcome: &FaceTextOutcome, which: CodeArg) -> Option<String> {
    let what = match which {
        CodeArg::A => t!("face-note-a"),
        CodeArg::B => t!("face-note-b"),
    };
    match outcome {
        FaceTextOutcome::Read(_) => None,
        FaceTextOutcome::Skipped(e) => Some(format!("{what}: {}", skipped_reason(e, which))),
    }
}

/// The text application's J-LIS signature over what was read (the My Number file with 照合番号A
/// (h1), the attributes file with 照合番号B (h2)).
fn text_authenticity(t: &FaceText, trust: &Trust) -> Authenticity {
    check_text_read(t.cvc(), t.integrity(), t.my_number_file_raw(), t.attributes_file_raw(), trust)
}

/// The text application's authenticity over the files read: `unknown` when the card has no
/// certificate (EF 0004) or integrity record (EF 0003), so nothing can be checked. Used by
/// `text read` and `face read`.
pub fn check_text_read(
    cvc: Option<&[u8]>,
    integrity: Option<&[u8]>,
    my_number_file: Option<&[u8]>,
    attributes_file: Option<&[u8]>,
    trust: &Trust,
) -> Authenticity {
    match (cvc, integrity) {
        (Some(cvc), Some(integrity)) => authenticity::check_text(
            cvc,
            integrity,
            my_number_file,
            attributes_file,
            None,
            &trust.for_cvc(cvc),
        ),
        (cvc, _) => Authenticity {
            verdict: Verdict::Unknown,
            app: App::Text,
            ca_key: None,
            ca_source: None,
            signer_key: None,
            verified: Vec::new(),
            detail: if cvc.is_none() {
                t!("face-text-no-certificate")
            } else {
                t!("face-text-no-integrity")
            },
        },
    }
}

/// The My Number as shown: masked unless `reveal`.
fn shown_number(t: &FaceText, reveal: bool) -> Option<String> {
    t.my_number().map(|n| if reveal { n.reveal().to_string() } else { n.masked() })
}

/// The exit code for both outcomes: `forged` if either is.
fn both_exit(a: &Authenticity, text: Option<&Authenticity>) -> Exit {
    match text {
        Some(t) if t.verdict == Verdict::Forged => Exit::Forged,
        _ => authenticity_exit(a),
    }
}

/// Parse a code as a request gives it (`face read --pin-*`'s one line, `/v1/face`'s
/// `secret`): 照合番号A as 12 digits (check digit validated), 照合番号B as 14 digits or
/// `YYYY-MM-DD YYYY NNNN`. Nothing is sent; the value is never echoed.
pub fn parse_code(which: CodeArg, secret: &str) -> Result<FaceCode, CliError> {
    Ok(match which {
        CodeArg::A => FaceCode::A(code_a(secret)?),
        CodeArg::B => FaceCode::B(code_b_line(secret)?),
    })
}

/// What `face read` (and `mynacard serve`'s `/v1/face`) read and concluded: the card face,
/// the text application's outcome, both authenticity verdicts, the optional challenge.
pub struct FaceRead {
    /// The card face (and with 照合番号A the My Number image), zeroized on drop.
    pub data: FaceData,
    /// The text application's part, or why it was skipped.
    pub text: FaceTextOutcome,
    /// The card face's J-LIS signature.
    pub authenticity: Authenticity,
    /// The text application's, when it was read.
    pub text_authenticity: Option<Authenticity>,
    /// Why the text part was not read (one sentence).
    pub text_note: Option<String>,
    /// The card-key challenge, when asked for.
    pub challenge: Option<Challenge>,
}

impl FaceRead {
    /// The text part, when it was read.
    pub fn text_read(&self) -> Option<&FaceText> {
        match &self.text {
            FaceTextOutcome::Read(t) => Some(t),
            FaceTextOutcome::Skipped(_) => None,
        }
    }

    /// The exit code: `forged` if a challenge failed or either verdict is forged.
    pub fn exit(&self) -> Exit {
        match &self.challenge {
            Some(c) if !c.ok => Exit::Forged,
            _ => both_exit(&self.authenticity, self.text_authenticity.as_ref()),
        }
    }
}

/// The card work of `face read`: open the card exclusively, VERIFY `code` (counter first, no
/// retry, the last try only with `allow_last_try`), read the card face and the text
/// application with it, optionally the challenge, then leave and power off; the signatures
/// are checked under `trust` ([`authenticity::check_face`], [`check_text_read`]).
pub fn read_face(
    g: &GlobalOpts,
    audit: &mut AuditNote,
    code: FaceCode,
    which: CodeArg,
    allow_last_try: bool,
    trust: &Trust,
    with_challenge: bool,
) -> Result<FaceRead, CliError> {
    // Like every PIN command: the card is powered off when the command ends (after the
    // library left each application by selecting the ISD), also on errors.
    let mut client = PinClient::new(connect::open(g, ShareMode::Exclusive, audit)?, g.quiet);
    let (data, text) = client.read_face_and_text(&code, allow_last_try)?;
    drop(code);
    let text_authenticity = match &text {
        FaceTextOutcome::Read(t) => Some(text_authenticity(t, trust)),
        FaceTextOutcome::Skipped(_) => None,
    };
    let text_note = text_note(&text, which);
    let a = authenticity::check_face(
        data.cvc(),
        data.face_raw(),
        data.my_number_image_raw(),
        &trust.for_cvc(data.cvc()),
    );
    let challenge =
        if with_challenge { Some(challenge(&mut client, &data, a.verdict)?) } else { None };
    drop(client);
    Ok(FaceRead { data, text, authenticity: a, text_authenticity, text_note, challenge })
}

/// The card face's items (`photo`, `name`, `address`, `security_code`, with 照合番号A
/// `my_number`) and their bytes, in write order.
pub fn face_items(data: &FaceData) -> Result<Vec<(&'static str, &[u8])>, CliError> {
    let face = data.face()?;
    let mut items =
        vec![("photo", face.photo), ("name", face.name_png), ("address", face.address_png)];
    if let Some(code) = face.security_code_png {
        items.push(("security_code", code));
    }
    if let Some(img) = data.my_number_image() {
        items.push(("my_number", img?.image_png));
    }
    Ok(items)
}

/// The holder's facts as `face read --json` shows them: `code`, `birth_date`, `sex`,
/// `expiry`, and with 照合番号B `name` and `address` (as text, from the text application), with
/// 照合番号A `my_number` (masked unless `reveal_number`) and `my_number_masked`. Personal data:
/// `mynacard serve` gives it only when revealing is allowed and asked.
pub fn holder_json(
    read: &FaceRead,
    which: CodeArg,
    reveal_number: bool,
) -> Result<serde_json::Map<String, serde_json::Value>, CliError> {
    let face = read.data.face()?;
    let text = read.text_read();
    let mut doc = serde_json::Map::new();
    doc.insert("code".into(), serde_json::json!(code_name(which)));
    doc.insert("birth_date".into(), serde_json::json!(iso(face.birth)));
    doc.insert("sex".into(), serde_json::json!(sex_name(face.sex)));
    doc.insert("expiry".into(), serde_json::json!(face.expiry.map(iso)));
    match which {
        CodeArg::A => {
            let number = text.and_then(|t| shown_number(t, reveal_number));
            doc.insert("my_number".into(), serde_json::json!(number));
            doc.insert("my_number_masked".into(), serde_json::json!(!reveal_number));
        }
        CodeArg::B => {
            let attributes = text.and_then(FaceText::attributes);
            doc.insert("name".into(), serde_json::json!(attributes.map(|x| &x.name)));
            doc.insert("address".into(), serde_json::json!(attributes.map(|x| &x.address)));
        }
    }
    Ok(doc)
}

/// `a` or `b`.
pub fn code_name(which: CodeArg) -> &'static str {
    match which {
        CodeArg::A => "a",
        CodeArg::B => "b",
    }
}

fn face_read(g: &GlobalOpts, args: &FaceReadArgs, audit: &mut AuditNote) -> Result<Exit, CliError> {
    refuse_pad(&args.pin)?;
    if args.reveal && args.code == CodeArg::B {
        return Err(CliError::Usage(t!("face-reveal-needs-a")));
    }
    let trust = args.trust.trust()?;
    let code = read_code(&args.pin, args.code)?;
    let read =
        read_face(g, audit, code, args.code, args.pin.allow_last_try, &trust, args.challenge)?;
    let FaceRead { data, authenticity: a, text_authenticity: ta, text_note: note, .. } = &read;
    let text_read = read.text_read();
    let attributes = text_read.and_then(FaceText::attributes);
    let number = text_read.and_then(|t| shown_number(t, args.reveal));
    let ch = &read.challenge;
    let out = outputs(data, args)?;
    write_outputs(&out, args)?;
    let face = data.face()?;
    let expiry = face.expiry.map(iso);
    if g.json {
        let mut files = serde_json::Map::new();
        for (name, bytes, dest) in &out.files {
            files.insert(
                (*name).to_string(),
                serde_json::json!({
                    "bytes": bytes.len(),
                    "written": dest.as_ref().map(|p| p.display().to_string()),
                }),
            );
        }
        let mut doc = holder_json(&read, args.code, args.reveal)?;
        doc.insert("files".into(), serde_json::Value::Object(files));
        doc.insert("authenticity".into(), authenticity_json(a));
        doc.insert(
            "text_authenticity".into(),
            serde_json::json!(ta.as_ref().map(authenticity_json)),
        );
        doc.insert("text_skipped".into(), serde_json::json!(note));
        if let Some(c) = ch {
            doc.insert(
                "challenge".into(),
                serde_json::json!({ "verified": c.ok, "detail": c.detail }),
            );
        }
        let doc = serde_json::Value::Object(doc);
        outln!("{doc}")?;
    } else {
        if let Some(n) = &number {
            outln!("{}", t!("text-my-number", value = n.clone()))?;
        }
        if let Some(x) = attributes {
            outln!("{}", t!("text-name", value = x.name.clone()))?;
            outln!("{}", t!("text-address", value = x.address.clone()))?;
        }
        let birth = super::dates::birth_text(&iso(face.birth));
        outln!("{}", t!("text-birth", value = birth))?;
        outln!("{}", t!("text-sex", value = face_sex_text(face.sex)))?;
        match &expiry {
            Some(e) => outln!("{}", t!("face-expiry", date = super::dates::day_text(e)))?,
            None => outln!("{}", t!("face-expiry-none"))?,
        }
        for (name, bytes, dest) in &out.files {
            let what = if *name == "photo" { "JPEG 2000" } else { "PNG" };
            let where_ = match dest {
                Some(p) => t!("face-file-written", path = p.display().to_string()),
                None => t!("face-file-not-written"),
            };
            let name = name.replace('_', "-");
            let line =
                t!("face-file", name = name, what = what, bytes = bytes.len(), dest = where_);
            outln!("{line}")?;
        }
        outln!("{}", authenticity_text(a))?;
        if let Some(t) = &ta {
            outln!("{}", t!("face-text-authenticity", line = authenticity_text(t)))?;
        }
        if let Some(c) = ch {
            let ok = if c.ok { t!("face-challenge-ok") } else { t!("face-challenge-failed") };
            outln!("{}", t!("face-challenge", ok = ok, detail = c.detail.clone()))?;
        }
        if let Some(n) = note {
            outln!("{}", t!("face-note", note = n.clone()))?;
        }
    }
    Ok(read.exit())
}

// ------------------------------------------------------------------ face age

/// Whole years from `birth` to `at` (the age rises on the birthday; a 29 February birthday
/// counts on 1 March in common years, which is when Japanese law (年齢計算ニ関スル法律) has it
/// rise too).
fn age_on(birth: time::Date, at: time::Date) -> i32 {
    let mut years = at.year() - birth.year();
    if (u8::from(at.month()), at.day()) < (u8::from(birth.month()), birth.day()) {
        years -= 1;
    }
    years
}

fn today_in_japan() -> time::Date {
    let jst = time::UtcOffset::from_hms(9, 0, 0).unwrap_or(time::UtcOffset::UTC);
    time::OffsetDateTime::now_utc().to_offset(jst).date()
}

/// What an age check answers: whether the holder is at least the age asked on the day asked,
/// and how sure that is (the signed birth record's authenticity). Nothing else about the holder.
pub struct AgeAnswer {
    /// At least that old.
    pub result: bool,
    /// The birth record's authenticity.
    pub authenticity: Authenticity,
}

/// The day an age is judged on: `YYYY-MM-DD` (or `YYYYMMDD`), default today in Japan (UTC+9).
pub fn age_day(at: Option<&str>) -> Result<time::Date, CliError> {
    match at {
        Some(s) => era::parse_yyyymmdd(&compact_date(s))
            .ok_or_else(|| CliError::Usage(t!("face-at-bad", at = bounded(s)))),
        None => Ok(today_in_japan()),
    }
}

/// The card-face application's birth-date key from a Gregorian birth date (format checked
/// before anything is sent).
pub fn birth_key(birth_date: &str) -> Result<FaceBirthKey, CliError> {
    Ok(FaceBirthKey::from_birth_date(&compact_date(birth_date))?)
}

/// The age check on the card (`face age`, `mynacard serve`'s `/v1/age`): VERIFY of the
/// birth-date key (counter first, no retry), the signed birth record read, the application left
/// and the card powered off, then the record's signatures checked under `trust`.
pub fn age_check(
    g: &GlobalOpts,
    audit: &mut AuditNote,
    key: FaceBirthKey,
    at_least: u16,
    at: time::Date,
    allow_last_try: bool,
    trust: &Trust,
) -> Result<AgeAnswer, CliError> {
    let mut client = PinClient::new(connect::open(g, ShareMode::Exclusive, audit)?, g.quiet);
    let proof: BirthProof = client.read_birth_record(&key, allow_last_try)?;
    drop(client);
    drop(key);
    let authenticity =
        authenticity::check_age(proof.cvc(), proof.raw(), &trust.for_cvc(proof.cvc()));
    let record = proof.record()?;
    let birth =
        std::str::from_utf8(record.birth).ok().and_then(era::parse_yyyymmdd).ok_or_else(|| {
            CliError::Card(mynacard::card::CardError::Malformed(
                "the birth record's date (DF11) is not a date".into(),
            ))
        })?;
    Ok(AgeAnswer { result: age_on(birth, at) >= i32::from(at_least), authenticity })
}

/// The JSON answer: `{"at_least", "result", "authenticity": {...}}`.
pub fn age_json(at_least: u16, answer: &AgeAnswer) -> serde_json::Value {
    serde_json::json!({
        "at_least": at_least,
        "result": answer.result,
        "authenticity": age_authenticity_json(&answer.authenticity),
    })
}

fn face_age(g: &GlobalOpts, args: &FaceAgeArgs, audit: &mut AuditNote) -> Result<Exit, CliError> {
    refuse_pad(&args.pin)?;
    let at = age_day(args.at.as_deref())?;
    let trust = args.trust.trust()?;
    let key = read_birth_key(&args.pin)?;
    let answer = age_check(g, audit, key, args.at_least, at, args.pin.allow_last_try, &trust)?;
    if g.json {
        outln!("{}", age_json(args.at_least, &answer))?;
    } else {
        let answer_word = if answer.result { t!("age-yes") } else { t!("age-no") };
        outln!("{}", t!("age-at-least", n = args.at_least, answer = answer_word))?;
        outln!(
            "{}",
            t!("age-authenticity", verdict = authenticity_word(answer.authenticity.verdict))
        )?;
    }
    Ok(authenticity_exit(&answer.authenticity))
}

/// Run `mynacard face …`.
pub fn run(g: &GlobalOpts, args: &FaceArgs, audit: &mut AuditNote) -> Result<Exit, CliError> {
    match &args.command {
        FaceCommand::Read(a) => face_read(g, a, audit),
        FaceCommand::Age(a) => face_age(g, a, audit),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mynacard::card::CardPin;
    use time::macros::date;

    #[test]
    fn a_cvc_ca_key_in_pem_may_start_with_a_byte_order_mark() {
        let pem = std::fs::read(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("sim-image/default/pki/cvc-ca-9000020.pem"),
        )
        .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let (plain, bom) = (dir.path().join("plain.pem"), dir.path().join("bom.pem"));
        std::fs::write(&plain, &pem).unwrap();
        std::fs::write(&bom, [&b"\xEF\xBB\xBF"[..], &pem].concat()).unwrap();
        let keys = |path: &Path| {
            let opts = TrustOpts { hierarchy: HierarchyArg::Production, cvc_ca: vec![path.into()] };
            opts.trust().unwrap().pem.into_iter().map(|(_, k)| k).collect::<Vec<_>>()
        };
        let want = keys(&plain);
        assert_eq!(want.len(), 1);
        assert_eq!(keys(&bom), want);
    }

    #[test]
    fn dates_from_the_card_never_panic() {
        assert_eq!(iso(b"20000315"), "2000-03-15");
        // Eight bytes with a multi-byte character: slicing at byte 4 would cut inside it.
        assert_eq!(iso("ab日cde".as_bytes()), "(not a date)");
        assert_eq!(iso(b"2000031"), "(not a date)");
        assert_eq!(iso(b"\xFF0000315"), "(not a date)");
    }

    #[test]
    fn ages() {
        assert_eq!(age_on(date!(2000 - 03 - 15), date!(2020 - 03 - 14)), 19);
        assert_eq!(age_on(date!(2000 - 03 - 15), date!(2020 - 03 - 15)), 20);
        assert_eq!(age_on(date!(2000 - 02 - 29), date!(2021 - 02 - 28)), 20);
        assert_eq!(age_on(date!(2000 - 02 - 29), date!(2021 - 03 - 01)), 21);
        assert_eq!(age_on(date!(2000 - 02 - 29), date!(2024 - 02 - 29)), 24);
        assert_eq!(age_on(date!(2000 - 12 - 31), date!(2000 - 12 - 31)), 0);
    }

    #[test]
    fn code_lines() {
        assert_eq!(code_b_line("55021720352285").unwrap().as_bytes(), b"55021720352285");
        assert_eq!(code_b_line("1980-02-17 2035 2285").unwrap().as_bytes(), b"55021720352285");
        assert_eq!(code_b_line("19800217  2035\t2285").unwrap().as_bytes(), b"55021720352285");
        assert!(code_b_line("1980-02-17 2035").is_err());
        assert!(code_b_line("1980-02-30 2035 2285").is_err());
        assert!(code_b_line("").is_err());
        assert_eq!(code_a("1234 5678 9018").unwrap().as_bytes(), b"123456789018");
        assert!(code_a("123456789017").is_err());
    }

    #[test]
    fn files_are_private_atomic_and_not_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("photo.jp2");
        write_private(&p, b"one", false).unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"one");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        let err = write_private(&p, b"two", false).unwrap_err();
        assert_eq!(err.exit(), Exit::Usage);
        assert_eq!(std::fs::read(&p).unwrap(), b"one");
        write_private(&p, b"two", true).unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "no temporary left");
    }

    #[test]
    fn only_forged_has_its_own_exit_code() {
        use mynacard::verify::authenticity::App;
        let a = |verdict| Authenticity {
            verdict,
            app: App::Face,
            ca_key: None,
            ca_source: None,
            signer_key: None,
            verified: vec![],
            detail: "d".into(),
        };
        assert_eq!(authenticity_exit(&a(Verdict::Forged)), Exit::Forged);
        assert_eq!(authenticity_exit(&a(Verdict::Genuine)), Exit::Success);
        assert_eq!(authenticity_exit(&a(Verdict::Unknown)), Exit::Success);
        assert_eq!(authenticity_text(&a(Verdict::Forged)), "authenticity: FORGED (d)");
        assert_eq!(authenticity_json(&a(Verdict::Unknown))["verdict"], "unknown");
        let age = age_authenticity_json(&a(Verdict::Genuine));
        assert_eq!(
            age,
            serde_json::json!({"verdict": "genuine", "ca_key": null, "ca_source": null})
        );
        assert_eq!(Exit::Forged.code(), 16);
    }

    #[test]
    fn a_skipped_text_part_is_one_line_naming_the_code_and_the_cause() {
        use mynacard::card::PinKind;
        let note = |e: CardError, which| text_note(&FaceTextOutcome::Skipped(e), which).unwrap();
        assert_eq!(
            note(CardError::NoTextApp, CodeArg::B),
            "name and address not read as text: the card has no text application (券面事項入力補助AP)"
        );
        assert_eq!(
            note(CardError::PinBlocked { kind: PinKind::FaceCodeB }, CodeArg::B),
            "name and address not read as text: the text application's 照合番号B (EF 0015) is blocked (nothing was sent)"
        );
        assert_eq!(
            note(CardError::LastTry { kind: PinKind::FaceCodeA }, CodeArg::A),
            "My Number not read: the text application's 照合番号A (EF 0014) has one try left: not spent without --allow-last-try"
        );
        assert_eq!(
            note(CardError::WrongPin { kind: PinKind::FaceCodeB, tries_left: 9 }, CodeArg::B),
            "name and address not read as text: the text application refused 照合番号B (EF 0015) (9 tries left; not retried)"
        );
        assert_eq!(
            note(CardError::FileNotFound(0x0015), CodeArg::B),
            "name and address not read as text: the text application has no file 0015"
        );
        let other = note(CardError::SecurityStatus { what: "to read x" }, CodeArg::B);
        assert!(other.contains("the text application: the card refused to read x"), "{other}");
        for n in [other, note(CardError::NoTextApp, CodeArg::A)] {
            assert!(!n.contains('\n'), "{n}");
        }
    }

    #[test]
    fn a_forged_text_part_has_the_forged_exit_code() {
        use mynacard::verify::authenticity::App;
        let a = |verdict| Authenticity {
            verdict,
            app: App::Text,
            ca_key: None,
            ca_source: None,
            signer_key: None,
            verified: vec![],
            detail: "d".into(),
        };
        assert_eq!(both_exit(&a(Verdict::Genuine), Some(&a(Verdict::Forged))), Exit::Forged);
        assert_eq!(both_exit(&a(Verdict::Forged), Some(&a(Verdict::Genuine))), Exit::Forged);
        assert_eq!(both_exit(&a(Verdict::Genuine), Some(&a(Verdict::Unknown))), Exit::Success);
        assert_eq!(both_exit(&a(Verdict::Genuine), None), Exit::Success);
    }

    #[test]
    fn sexes_and_dates() {
        assert_eq!(sex_name(b"1"), "male");
        assert_eq!(sex_name(b"2"), "female");
        assert_eq!(sex_name(b"0"), "unknown");
        assert_eq!(sex_name(b"9"), "not_applicable");
        assert_eq!(sex_name(b"7"), "other");
        assert_eq!(iso(b"20351231"), "2035-12-31");
        assert_eq!(iso(b"2035123"), "(not a date)");
    }
}
