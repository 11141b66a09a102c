//! The card image: everything a virtual card holds (applications, files, PINs, keys). The
//! on-disk format (a directory with a human-readable `card.json`) is documented in
//! `docs/card-image.md`; this module owns the in-memory form and its loading and saving.

use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::io;
use std::path::{Component, Path, PathBuf};
use std::sync::OnceLock;

use der::pem::LineEnding;
use der::Decode;
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey, EncodePublicKey};
use rsa::traits::PublicKeyParts;
use rsa::RsaPrivateKey;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::facts;
use crate::sim::cardapps::{whole_card_image, Token};
use crate::sim::cvc::CvcPki;
use crate::sim::pki::{self, Hierarchy, Holder, PkiError, SimPki};

/// Who may read an elementary file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Access {
    /// Anyone.
    Free,
    /// Only after the PIN in the given EF of the same application was verified.
    Pin(u16),
    /// After any one of these PINs of the same application was verified (`pin:0011|0014`):
    /// the text application's "PIN or 照合番号A or B".
    AnyPin(Vec<u16>),
    /// Never readable (key files).
    Never,
}

/// A transparent elementary file. Its `Debug` output shows the length and the read rule,
/// never the contents (most files of the text and card-face applications are personal data).
#[derive(Clone, PartialEq, Eq)]
pub struct EfImage {
    /// File contents.
    pub data: Vec<u8>,
    /// Read access rule.
    pub read: Access,
}

/// A PIN object. Its `Debug` output never shows the value.
#[derive(Clone, PartialEq, Eq)]
pub struct PinImage {
    /// The PIN value (ASCII bytes), zeroized on drop.
    pub value: Zeroizing<Vec<u8>>,
    /// Tries left now.
    pub tries_left: u8,
    /// Tries after a successful VERIFY.
    pub max_tries: u8,
}

/// An RSA private key object and the PIN that unlocks it. Its `Debug` output shows only the
/// key size.
#[derive(Clone)]
pub struct KeyImage {
    /// The key (RSA-2048 on real cards).
    pub key: RsaPrivateKey,
    /// EF of the PIN that must be verified before signing.
    pub pin: u16,
}

/// One application: selected by AID, holding files, PINs and keys by FID.
#[derive(Clone, Debug)]
pub struct AppImage {
    /// Short name used in the image file ("jpki", "text", "visual", or free).
    pub name: String,
    /// Application identifier.
    pub aid: Vec<u8>,
    /// Transparent files.
    pub files: BTreeMap<u16, EfImage>,
    /// PIN objects.
    pub pins: BTreeMap<u16, PinImage>,
    /// Private keys.
    pub keys: BTreeMap<u16, KeyImage>,
    /// The key (in `keys`) that answers the card-key challenge `80 2A 00 00` (PKCS#1 v1.5
    /// over the given data, default key) without any credential: the text and card-face
    /// applications' card keys.
    pub challenge_key: Option<u16>,
}

/// A whole card. Its `Debug` output shows the applications (see [`EfImage`]) and the tags of
/// the MF data objects, not their values.
#[derive(Clone)]
pub struct CardImage {
    /// Answer to reset (must announce T=1 for vpcd/pcscd).
    pub atr: Vec<u8>,
    /// Applications in the order they are listed.
    pub apps: Vec<AppImage>,
    /// GET DATA objects of the MF (answered only while no application is selected), by tag
    /// (P1 P2), value as returned.
    pub mf_data: BTreeMap<u16, Vec<u8>>,
}

impl CardImage {
    /// The application with this AID.
    pub fn app(&self, aid: &[u8]) -> Option<&AppImage> {
        self.apps.iter().find(|a| a.aid == aid)
    }

    /// The application with this AID, mutably.
    pub fn app_mut(&mut self, aid: &[u8]) -> Option<&mut AppImage> {
        self.apps.iter_mut().find(|a| a.aid == aid)
    }
}

impl fmt::Debug for EfImage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EfImage")
            .field("len", &self.data.len())
            .field("read", &self.read)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for CardImage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tags: Vec<String> = self.mf_data.keys().map(|t| format!("{t:04X}")).collect();
        f.debug_struct("CardImage")
            .field("atr", &hex::encode_upper(&self.atr))
            .field("apps", &self.apps)
            .field("mf_data", &tags)
            .finish()
    }
}

impl fmt::Debug for PinImage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PinImage")
            .field("value", &"<redacted>")
            .field("tries_left", &self.tries_left)
            .field("max_tries", &self.max_tries)
            .finish()
    }
}

impl fmt::Debug for KeyImage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyImage")
            .field("bits", &(self.key.size() * 8))
            .field("pin", &format_args!("{:04X}", self.pin))
            .finish_non_exhaustive()
    }
}

/// Largest file of an image directory the loader reads (`card.json` or a file it names).
pub const MAX_IMAGE_FILE: u64 = 4 * 1024 * 1024;

/// Name of the image description file inside an image directory.
pub const CARD_JSON: &str = "card.json";
/// Value of the `format` field.
pub const FORMAT: &str = "mynacard-card-image";
/// Supported value of the `version` field.
pub const FORMAT_VERSION: u32 = 1;

/// What can be wrong with a card image on disk. Every message names the file or the JSON
/// field (as `apps[0].files[2].hex`) at fault.
#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
    /// A file named in `card.json` (or `card.json` itself) is a symbolic link leading out of
    /// the image directory.
    #[error("{path}: leads outside the image directory (referenced by {field}); image files must stay inside it")]
    OutsideImage {
        /// The file as named.
        path: PathBuf,
        /// Who referenced it.
        field: String,
    },
    /// A file of the image is a device, a FIFO or a directory.
    #[error("{path}: not a regular file (referenced by {field})")]
    NotRegularFile {
        /// The file.
        path: PathBuf,
        /// Who referenced it.
        field: String,
    },
    /// A file of the image is larger than [`MAX_IMAGE_FILE`].
    #[error("{path}: larger than {MAX_IMAGE_FILE} bytes (referenced by {field})")]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Who referenced it.
        field: String,
    },
    /// A file named in `card.json` (or `card.json` itself) does not exist.
    #[error("{path}: file does not exist (referenced by {field})")]
    MissingFile {
        /// The missing file.
        path: PathBuf,
        /// Who referenced it.
        field: String,
    },
    /// `card.json` is not valid JSON for this format (syntax, wrong types, missing or unknown
    /// fields).
    #[error("{path}: {source}")]
    Json {
        /// The JSON file.
        path: PathBuf,
        /// What serde_json said (with line and column).
        source: serde_json::Error,
    },
    /// The `format`/`version` fields name another format or a newer version.
    #[error("{path}: unsupported format {found:?} (this build reads {FORMAT:?} version {FORMAT_VERSION})")]
    UnsupportedFormat {
        /// The JSON file.
        path: PathBuf,
        /// `format` and `version` as found.
        found: String,
    },
    /// A hex field does not hold an even number of hex digits.
    #[error("{field}: bad hex: {reason}")]
    BadHex {
        /// The JSON field.
        field: String,
        /// What is wrong.
        reason: String,
    },
    /// A file identifier is not exactly two bytes.
    #[error("{field}: a file identifier is 4 hex digits, got {len} byte(s)")]
    BadFid {
        /// The JSON field.
        field: String,
        /// Length found, in bytes.
        len: usize,
    },
    /// An access rule other than `free`, `never`, `pin:XXXX` or `pin:XXXX|YYYY…`.
    #[error(
        "{field}: unknown access rule {value:?} (expected \"free\", \"never\", \"pin:XXXX\" or \"pin:XXXX|YYYY\")"
    )]
    BadAccess {
        /// The JSON field.
        field: String,
        /// The refused rule.
        value: String,
    },
    /// A file path is absolute or leaves the image directory.
    #[error("{field}: path {path:?} must be relative and stay inside the image directory")]
    UnsafePath {
        /// The JSON field.
        field: String,
        /// The refused path.
        path: String,
    },
    /// A key file is not a PKCS#8 PEM RSA private key.
    #[error("{path}: not a PKCS#8 PEM RSA private key: {reason}")]
    BadKey {
        /// The key file.
        path: PathBuf,
        /// What the decoder said.
        reason: String,
    },
    /// Two applications with one AID, or two objects with one FID in an application.
    #[error("{field}: duplicate {what}")]
    Duplicate {
        /// The JSON field of the second occurrence.
        field: String,
        /// What is duplicated.
        what: String,
    },
    /// A value that parses but makes no sense (e.g. more tries left than the maximum).
    #[error("{field}: {reason}")]
    Invalid {
        /// The JSON field.
        field: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// Generating the test PKI failed.
    #[error("test PKI: {0}")]
    Pki(#[from] PkiError),
}

// ---------------------------------------------------------------------------------------------
// JSON form. Field order here is the order in the file.

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CardJson {
    format: String,
    version: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    comment: Option<String>,
    atr: String,
    apps: Vec<AppJson>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    mf_data: Vec<DataJson>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct DataJson {
    tag: String,
    hex: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct AppJson {
    name: String,
    aid: String,
    #[serde(default)]
    files: Vec<FileJson>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pins: Vec<PinJson>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    keys: Vec<KeyJson>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    challenge_key: Option<String>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileJson {
    fid: String,
    read: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    hex: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    path: Option<String>,
}

// No Debug: holds a PIN.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct PinJson {
    fid: String,
    value: String,
    tries_left: u8,
    max_tries: u8,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyJson {
    fid: String,
    path: String,
    pin: String,
}

/// Parse hex, ignoring ASCII whitespace and ':' separators.
fn parse_hex(field: &str, text: &str) -> Result<Vec<u8>, ImageError> {
    let clean: String = text.chars().filter(|c| !c.is_ascii_whitespace() && *c != ':').collect();
    hex::decode(&clean)
        .map_err(|e| ImageError::BadHex { field: field.to_string(), reason: e.to_string() })
}

fn parse_fid(field: &str, text: &str) -> Result<u16, ImageError> {
    match parse_hex(field, text)?.as_slice() {
        [hi, lo] => Ok(u16::from_be_bytes([*hi, *lo])),
        other => Err(ImageError::BadFid { field: field.to_string(), len: other.len() }),
    }
}

fn parse_access(field: &str, text: &str) -> Result<Access, ImageError> {
    match text {
        "free" => Ok(Access::Free),
        "never" => Ok(Access::Never),
        _ => match text.strip_prefix("pin:") {
            Some(fid) if !fid.contains('|') => Ok(Access::Pin(parse_fid(field, fid)?)),
            Some(list) => {
                let mut pins = Vec::new();
                for fid in list.split('|') {
                    let fid = parse_fid(field, fid)?;
                    if pins.contains(&fid) {
                        return Err(ImageError::Duplicate {
                            field: field.to_string(),
                            what: format!("PIN {fid:04X} in the access rule"),
                        });
                    }
                    pins.push(fid);
                }
                Ok(Access::AnyPin(pins))
            }
            None => {
                Err(ImageError::BadAccess { field: field.to_string(), value: text.to_string() })
            }
        },
    }
}

fn access_text(access: &Access) -> String {
    match access {
        Access::Free => "free".to_string(),
        Access::Never => "never".to_string(),
        Access::Pin(fid) => format!("pin:{fid:04X}"),
        Access::AnyPin(fids) => {
            let list: Vec<String> = fids.iter().map(|f| format!("{f:04X}")).collect();
            format!("pin:{}", list.join("|"))
        }
    }
}

/// Check that `rel` is a plain relative path (no root, no `..`), with `/` separators.
fn check_relative(field: &str, rel: &str) -> Result<(), ImageError> {
    let unsafe_path = || ImageError::UnsafePath { field: field.to_string(), path: rel.to_string() };
    if rel.is_empty() || rel.contains('\\') {
        return Err(unsafe_path());
    }
    for c in Path::new(rel).components() {
        if !matches!(c, Component::Normal(_)) {
            return Err(unsafe_path());
        }
    }
    Ok(())
}

/// Where the bytes of files named in `card.json` come from.
trait Source {
    /// Display path of `rel` for messages.
    fn display(&self, rel: &str) -> PathBuf;
    /// The bytes of `rel` (already checked to be a safe relative path).
    fn read(&self, field: &str, rel: &str) -> Result<Vec<u8>, ImageError>;
}

struct DirSource<'a>(&'a Path);

impl Source for DirSource<'_> {
    fn display(&self, rel: &str) -> PathBuf {
        self.0.join(rel)
    }

    /// Only a regular file inside the image directory (after following symbolic links) of at
    /// most [`MAX_IMAGE_FILE`] bytes is read: an image must not serve files from elsewhere on
    /// the machine, nor read a device or a FIFO without end.
    fn read(&self, field: &str, rel: &str) -> Result<Vec<u8>, ImageError> {
        use std::io::Read;
        let path = self.0.join(rel);
        let io_err = |path: &Path, source: io::Error| {
            if source.kind() == io::ErrorKind::NotFound {
                ImageError::MissingFile { path: path.to_path_buf(), field: field.to_string() }
            } else {
                ImageError::Io { path: path.to_path_buf(), source }
            }
        };
        let real = fs::canonicalize(&path).map_err(|e| io_err(&path, e))?;
        let root = fs::canonicalize(self.0).map_err(|e| io_err(self.0, e))?;
        if !real.starts_with(&root) {
            return Err(ImageError::OutsideImage { path, field: field.to_string() });
        }
        let meta = fs::metadata(&real).map_err(|e| io_err(&path, e))?;
        if !meta.is_file() {
            return Err(ImageError::NotRegularFile { path, field: field.to_string() });
        }
        let mut bytes = Vec::new();
        fs::File::open(&real)
            .and_then(|f| f.take(MAX_IMAGE_FILE + 1).read_to_end(&mut bytes))
            .map_err(|e| io_err(&path, e))?;
        if bytes.len() as u64 > MAX_IMAGE_FILE {
            return Err(ImageError::TooLarge { path, field: field.to_string() });
        }
        Ok(bytes)
    }
}

struct EmbeddedSource;

impl Source for EmbeddedSource {
    fn display(&self, rel: &str) -> PathBuf {
        Path::new("<embedded>/sim-image/default").join(rel)
    }

    fn read(&self, field: &str, rel: &str) -> Result<Vec<u8>, ImageError> {
        DEFAULT_FILES
            .iter()
            .find(|(name, _)| *name == rel)
            .map(|(_, bytes)| bytes.to_vec())
            .ok_or_else(|| ImageError::MissingFile {
                path: self.display(rel),
                field: field.to_string(),
            })
    }
}

/// The committed default image, compiled into the binary.
const DEFAULT_CARD_JSON: &str = include_str!("../../sim-image/default/card.json");
const DEFAULT_FILES: &[(&str, &[u8])] = &[
    ("jpki/0001.der", include_bytes!("../../sim-image/default/jpki/0001.der")),
    ("jpki/0002.der", include_bytes!("../../sim-image/default/jpki/0002.der")),
    ("jpki/000A.der", include_bytes!("../../sim-image/default/jpki/000A.der")),
    ("jpki/000B.der", include_bytes!("../../sim-image/default/jpki/000B.der")),
    ("jpki/0017.key.pem", include_bytes!("../../sim-image/default/jpki/0017.key.pem")),
    ("jpki/001A.key.pem", include_bytes!("../../sim-image/default/jpki/001A.key.pem")),
    ("text/0013.key.pem", include_bytes!("../../sim-image/default/text/0013.key.pem")),
    ("visual/001A.key.pem", include_bytes!("../../sim-image/default/visual/001A.key.pem")),
];

fn parse_image(json_path: &Path, text: &str, src: &dyn Source) -> Result<CardImage, ImageError> {
    let doc: CardJson = serde_json::from_str(text)
        .map_err(|source| ImageError::Json { path: json_path.to_path_buf(), source })?;
    if doc.format != FORMAT || doc.version != FORMAT_VERSION {
        return Err(ImageError::UnsupportedFormat {
            path: json_path.to_path_buf(),
            found: format!("{} version {}", doc.format, doc.version),
        });
    }
    let atr = parse_hex("atr", &doc.atr)?;
    if atr.is_empty() {
        return Err(ImageError::Invalid { field: "atr".to_string(), reason: "the ATR is empty" });
    }
    let mut apps: Vec<AppImage> = Vec::with_capacity(doc.apps.len());
    for (i, app) in doc.apps.into_iter().enumerate() {
        let at = format!("apps[{i}]");
        let aid = parse_hex(&format!("{at}.aid"), &app.aid)?;
        if aid.is_empty() || aid.len() > 16 {
            return Err(ImageError::Invalid {
                field: format!("{at}.aid"),
                reason: "an AID is 1 to 16 bytes",
            });
        }
        if apps.iter().any(|a| a.aid == aid) {
            return Err(ImageError::Duplicate {
                field: format!("{at}.aid"),
                what: format!("application {}", hex::encode_upper(&aid)),
            });
        }
        let mut files = BTreeMap::new();
        for (j, f) in app.files.into_iter().enumerate() {
            let at = format!("{at}.files[{j}]");
            let fid = parse_fid(&format!("{at}.fid"), &f.fid)?;
            let read = parse_access(&format!("{at}.read"), &f.read)?;
            let data = match (f.hex, f.path) {
                (Some(h), None) => parse_hex(&format!("{at}.hex"), &h)?,
                (None, Some(p)) => {
                    let field = format!("{at}.path");
                    check_relative(&field, &p)?;
                    src.read(&field, &p)?
                }
                _ => {
                    return Err(ImageError::Invalid {
                        field: at,
                        reason: "a file needs exactly one of \"hex\" and \"path\"",
                    })
                }
            };
            if files.insert(fid, EfImage { data, read }).is_some() {
                return Err(ImageError::Duplicate {
                    field: format!("{at}.fid"),
                    what: format!("file {fid:04X}"),
                });
            }
        }
        let mut pins = BTreeMap::new();
        for (j, p) in app.pins.into_iter().enumerate() {
            let at = format!("{at}.pins[{j}]");
            let fid = parse_fid(&format!("{at}.fid"), &p.fid)?;
            if p.tries_left > p.max_tries || p.max_tries == 0 || p.max_tries > 15 {
                return Err(ImageError::Invalid {
                    field: at,
                    reason: "need 1 <= max_tries <= 15 and tries_left <= max_tries",
                });
            }
            let pin = PinImage {
                value: Zeroizing::new(p.value.into_bytes()),
                tries_left: p.tries_left,
                max_tries: p.max_tries,
            };
            if pins.insert(fid, pin).is_some() {
                return Err(ImageError::Duplicate {
                    field: format!("{at}.fid"),
                    what: format!("PIN {fid:04X}"),
                });
            }
        }
        let mut keys = BTreeMap::new();
        for (j, k) in app.keys.into_iter().enumerate() {
            let at = format!("{at}.keys[{j}]");
            let fid = parse_fid(&format!("{at}.fid"), &k.fid)?;
            let pin = parse_fid(&format!("{at}.pin"), &k.pin)?;
            let field = format!("{at}.path");
            check_relative(&field, &k.path)?;
            let pem = Zeroizing::new(src.read(&field, &k.path)?);
            let bad_key =
                |reason: String| ImageError::BadKey { path: src.display(&k.path), reason };
            let text = std::str::from_utf8(&pem).map_err(|_| bad_key("not UTF-8".to_string()))?;
            let key = RsaPrivateKey::from_pkcs8_pem(text).map_err(|e| bad_key(e.to_string()))?;
            if keys.insert(fid, KeyImage { key, pin }).is_some() {
                return Err(ImageError::Duplicate {
                    field: format!("{at}.fid"),
                    what: format!("key {fid:04X}"),
                });
            }
        }
        let challenge_key = match app.challenge_key {
            None => None,
            Some(text) => {
                let field = format!("{at}.challenge_key");
                let fid = parse_fid(&field, &text)?;
                if !keys.contains_key(&fid) {
                    return Err(ImageError::Invalid {
                        field,
                        reason: "the challenge key must be one of the application's keys",
                    });
                }
                Some(fid)
            }
        };
        apps.push(AppImage { name: app.name, aid, files, pins, keys, challenge_key });
    }
    let mut mf_data = BTreeMap::new();
    for (i, d) in doc.mf_data.into_iter().enumerate() {
        let at = format!("mf_data[{i}]");
        let tag = parse_fid(&format!("{at}.tag"), &d.tag)?;
        let value = parse_hex(&format!("{at}.hex"), &d.hex)?;
        if mf_data.insert(tag, value).is_some() {
            return Err(ImageError::Duplicate {
                field: format!("{at}.tag"),
                what: format!("data object {tag:04X}"),
            });
        }
    }
    Ok(CardImage { atr, apps, mf_data })
}

/// Whether EF contents are one DER element (stored as a separate `.der` file when saving).
fn is_single_der(data: &[u8]) -> bool {
    data.first() == Some(&0x30) && der::asn1::AnyRef::from_der(data).is_ok()
}

/// A directory name for an application: its name if that is a safe, unused name.
fn app_dir_name(app: &AppImage, index: usize, used: &[String]) -> String {
    let ok = !app.name.is_empty()
        && app.name.len() <= 32
        && app
            .name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    if ok && !used.contains(&app.name) && app.name != "pki" {
        app.name.clone()
    } else {
        format!("app{index}")
    }
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<(), ImageError> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)
            .map_err(|source| ImageError::Io { path: parent.to_path_buf(), source })?;
    }
    fs::write(path, bytes).map_err(|source| ImageError::Io { path: path.to_path_buf(), source })
}

impl CardImage {
    /// Load an image directory (`dir/card.json` and the files it names). See
    /// `docs/card-image.md` for the format.
    pub fn load(dir: &Path) -> Result<CardImage, ImageError> {
        let json_path = dir.join(CARD_JSON);
        let src = DirSource(dir);
        let bytes = src.read("the image directory", CARD_JSON)?;
        let text = String::from_utf8(bytes).map_err(|e| ImageError::Io {
            path: json_path.clone(),
            source: io::Error::new(io::ErrorKind::InvalidData, e),
        })?;
        parse_image(&json_path, &text, &src)
    }

    /// Write this image as a directory: `card.json`, one `.der` file per EF holding a single
    /// DER element (certificates), other EFs inline as hex, keys as PKCS#8 PEM. Creates `dir`
    /// if needed and overwrites files of the same names; leaves other files alone.
    pub fn save(&self, dir: &Path) -> Result<(), ImageError> {
        let mut apps = Vec::with_capacity(self.apps.len());
        let mut used = Vec::new();
        for (i, app) in self.apps.iter().enumerate() {
            let sub = app_dir_name(app, i, &used);
            used.push(sub.clone());
            let mut files = Vec::new();
            for (fid, ef) in &app.files {
                let (hex, path) = if is_single_der(&ef.data) {
                    let rel = format!("{sub}/{fid:04X}.der");
                    write_file(&dir.join(&rel), &ef.data)?;
                    (None, Some(rel))
                } else {
                    (Some(hex::encode_upper(&ef.data)), None)
                };
                files.push(FileJson {
                    fid: format!("{fid:04X}"),
                    read: access_text(&ef.read),
                    hex,
                    path,
                });
            }
            let pins = app
                .pins
                .iter()
                .map(|(fid, p)| PinJson {
                    fid: format!("{fid:04X}"),
                    value: String::from_utf8_lossy(&p.value).into_owned(),
                    tries_left: p.tries_left,
                    max_tries: p.max_tries,
                })
                .collect();
            let mut keys = Vec::new();
            for (fid, k) in &app.keys {
                let rel = format!("{sub}/{fid:04X}.key.pem");
                let path = dir.join(&rel);
                let pem = k.key.to_pkcs8_pem(LineEnding::LF).map_err(|e| ImageError::BadKey {
                    path: path.clone(),
                    reason: e.to_string(),
                })?;
                write_file(&path, pem.as_bytes())?;
                keys.push(KeyJson {
                    fid: format!("{fid:04X}"),
                    path: rel,
                    pin: format!("{:04X}", k.pin),
                });
            }
            apps.push(AppJson {
                name: app.name.clone(),
                aid: hex::encode_upper(&app.aid),
                files,
                pins,
                keys,
                challenge_key: app.challenge_key.map(|f| format!("{f:04X}")),
            });
        }
        let doc = CardJson {
            format: FORMAT.to_string(),
            version: FORMAT_VERSION,
            comment: None,
            atr: hex::encode_upper(&self.atr),
            apps,
            mf_data: self
                .mf_data
                .iter()
                .map(|(tag, v)| DataJson { tag: format!("{tag:04X}"), hex: hex::encode_upper(v) })
                .collect(),
        };
        let json_path = dir.join(CARD_JSON);
        let mut text = Zeroizing::new(
            serde_json::to_string_pretty(&doc)
                .map_err(|source| ImageError::Json { path: json_path.clone(), source })?,
        );
        text.push('\n');
        write_file(&json_path, text.as_bytes())
    }

    /// The committed default image (`sim-image/default/`), compiled into the binary: works
    /// from any working directory. Parsed once, then cloned.
    pub fn default_image() -> CardImage {
        static DEFAULT: OnceLock<CardImage> = OnceLock::new();
        DEFAULT
            .get_or_init(|| match CardImage::try_default_image() {
                Ok(image) => image,
                // The embedded files are fixed at compile time and the test
                // `default_image_loads` proves they parse; reaching this is a build defect.
                Err(e) => panic!("the embedded default card image is broken: {e}"),
            })
            .clone()
    }

    /// Parse the embedded default image (uncached); [`CardImage::default_image`] caches it.
    pub fn try_default_image() -> Result<CardImage, ImageError> {
        parse_image(&EmbeddedSource.display(CARD_JSON), DEFAULT_CARD_JSON, &EmbeddedSource)
    }

    /// Parse a `card.json` text whose file and key paths name files of the embedded default
    /// image (`jpki/0001.der`, …): the description parser without the disk. Public
    /// (doc-hidden) for the fuzz targets in `fuzz/`.
    #[doc(hidden)]
    pub fn parse_with_default_files(card_json: &str) -> Result<CardImage, ImageError> {
        parse_image(&EmbeddedSource.display(CARD_JSON), card_json, &EmbeddedSource)
    }
}

// ---------------------------------------------------------------------------------------------
// The JPKI card built from a test PKI.

/// Bytes after the 32-byte label in the sim's token-info file.
pub const TOKEN_INFO_TAIL: [u8; 4] = [0x00, 0x01, 0x00, 0x00];

/// The text application's My Number file: `FF 10 0C` + the digits, padded with `FF` to 17 bytes.
pub fn my_number_file(my_number: &str) -> Vec<u8> {
    crate::carddata::records::build_my_number_file(my_number)
}

/// The text application's attributes file:
/// `FF 20 len { DF 21 4 offsets, DF 22 name, DF 23 address, DF 24 YYYYMMDD, DF 25 sex }`.
pub fn attributes_file(holder: &Holder) -> Vec<u8> {
    crate::carddata::records::build_text_attributes(
        &holder.name,
        &holder.address,
        &holder.birth_yyyymmdd(),
        holder.sex_text_code(),
    )
}

/// The JPKI token-info file: 32-byte space-padded label `JPKIAPICCTOKEN2`, then a few bytes.
pub fn token_info_file() -> Vec<u8> {
    token_info_file_with(facts::token::CARD)
}

/// The JPKI token-info file with another label (e.g. [`facts::token::PHONE`]).
pub fn token_info_file_with(label: &str) -> Vec<u8> {
    let mut out = label.as_bytes().to_vec();
    out.resize(facts::token::LABEL_LEN, b' ');
    out.extend_from_slice(&TOKEN_INFO_TAIL);
    out
}

fn pin(value: &str, tries: u8) -> PinImage {
    PinImage {
        value: Zeroizing::new(value.as_bytes().to_vec()),
        tries_left: tries,
        max_tries: tries,
    }
}

/// Authentication PIN of the sim card.
pub const SIM_AUTH_PIN: &str = "1234";
/// Signature password of the sim card.
pub const SIM_SIGN_PIN: &str = "MYNACARD1";
/// Text-application PIN of the sim card.
pub const SIM_TEXT_PIN: &str = "1234";

/// The JPKI part of a My Number Card holding `pki`'s certificates and keys and `holder`'s
/// data: the JPKI application (certificates, token info, PINs [`SIM_AUTH_PIN`] /
/// [`SIM_SIGN_PIN`], keys), a text application with only its PIN [`SIM_TEXT_PIN`], My Number
/// and attributes, and an empty visual application. ATR [`facts::SIM_ATR`]. The default
/// image is the whole card of [`crate::sim::cardapps::whole_card_image`], built on this.
pub fn jpki_card_image(pki: &SimPki, holder: &Holder) -> CardImage {
    use facts::jpki as j;
    use facts::text as t;
    let ef = |data: &[u8], read| EfImage { data: data.to_vec(), read };
    let mut files = BTreeMap::new();
    files.insert(j::EF_AUTH_CERT, ef(&pki.auth.cert, Access::Free));
    files.insert(j::EF_AUTH_CA_CERT, ef(pki.auth.root.cert_der(), Access::Free));
    files.insert(j::EF_SIGN_CERT, ef(&pki.sign.cert, Access::Pin(j::EF_SIGN_PIN)));
    files.insert(j::EF_SIGN_CA_CERT, ef(pki.sign.root.cert_der(), Access::Free));
    files.insert(j::EF_TOKEN_INFO, ef(&token_info_file(), Access::Free));
    let mut pins = BTreeMap::new();
    pins.insert(j::EF_AUTH_PIN, pin(SIM_AUTH_PIN, facts::tries::AUTH));
    pins.insert(j::EF_SIGN_PIN, pin(SIM_SIGN_PIN, facts::tries::SIGN));
    let mut keys = BTreeMap::new();
    keys.insert(j::EF_AUTH_KEY, KeyImage { key: pki.auth.key.clone(), pin: j::EF_AUTH_PIN });
    keys.insert(j::EF_SIGN_KEY, KeyImage { key: pki.sign.key.clone(), pin: j::EF_SIGN_PIN });
    let jpki = AppImage {
        name: "jpki".to_string(),
        aid: facts::AID_JPKI.to_vec(),
        files,
        pins,
        keys,
        challenge_key: None,
    };

    let mut files = BTreeMap::new();
    files.insert(t::EF_MY_NUMBER, ef(&my_number_file(&holder.my_number), Access::Pin(t::EF_PIN)));
    files.insert(t::EF_ATTRIBUTES, ef(&attributes_file(holder), Access::Pin(t::EF_PIN)));
    let mut pins = BTreeMap::new();
    pins.insert(t::EF_PIN, pin(SIM_TEXT_PIN, facts::tries::TEXT));
    let text = AppImage {
        name: "text".to_string(),
        aid: facts::AID_TEXT.to_vec(),
        files,
        pins,
        keys: BTreeMap::new(),
        challenge_key: None,
    };

    let visual = AppImage {
        name: "visual".to_string(),
        aid: facts::AID_VISUAL.to_vec(),
        files: BTreeMap::new(),
        pins: BTreeMap::new(),
        keys: BTreeMap::new(),
        challenge_key: None,
    };
    CardImage {
        atr: facts::SIM_ATR.to_vec(),
        apps: vec![jpki, text, visual],
        mf_data: BTreeMap::new(),
    }
}

/// Files of the `pki/` folder, in the order `pki/README.md` lists them: (name, what).
pub const PKI_FILES: &[(&str, &str)] = &[
    ("sign-root.der", "root of the digital-signature hierarchy (self-signed)"),
    ("sign-root.pem", "same, PEM (`openssl verify -CAfile`)"),
    ("auth-root.der", "root of the user-authentication hierarchy (self-signed)"),
    ("auth-root.pem", "same, PEM"),
    ("sign-cert.der", "the card's signature certificate (EF 0001)"),
    ("sign-cert.pem", "same, PEM"),
    ("auth-cert.der", "the card's user-authentication certificate (EF 000A)"),
    ("auth-cert.pem", "same, PEM"),
    ("sign-ocsp.der", "delegated OCSP responder certificate issued by the signature root"),
    ("sign-ocsp.pem", "same, PEM (`openssl ocsp -rsigner`)"),
    ("sign-ocsp-key.pem", "its private key, PKCS#8 PEM (`openssl ocsp -rkey`)"),
    ("auth-ocsp.der", "delegated OCSP responder certificate issued by the authentication root"),
    ("auth-ocsp.pem", "same, PEM"),
    ("auth-ocsp-key.pem", "its private key, PKCS#8 PEM"),
    ("sign-crl-empty.der", "signature CRL of the card's municipality, no entries (cRLNumber 1)"),
    ("sign-crl-empty.pem", "same, PEM"),
    ("sign-crl-revoked.der", "signature CRL of the card's municipality revoking the card's certificate (keyCompromise) and four other serials (cRLNumber 2)"),
    ("sign-crl-revoked.pem", "same, PEM"),
    ("sign-crl-hold.der", "signature CRL of the card's municipality with the card's certificate on certificateHold (cRLNumber 3)"),
    ("sign-crl-hold.pem", "same, PEM"),
    ("sign-crl-other-city.der", "empty signature CRL of another municipality (its IDP does not match the certificate's CRLDP)"),
    ("sign-crl-other-city.pem", "same, PEM"),
    ("auth-crl-empty.der", "authentication CRL of the card's municipality, no entries"),
    ("auth-crl-empty.pem", "same, PEM"),
    ("auth-crl-revoked.der", "authentication CRL revoking the card's certificate (keyCompromise) and four other serials"),
    ("auth-crl-revoked.pem", "same, PEM"),
    ("auth-crl-hold.der", "authentication CRL with the card's certificate on certificateHold"),
    ("auth-crl-hold.pem", "same, PEM"),
    ("auth-crl-other-city.der", "empty authentication CRL of another municipality"),
    ("auth-crl-other-city.pem", "same, PEM"),
    ("sign-index.txt", "`openssl ocsp -index` database: the signature certificate valid (V)"),
    ("sign-index-revoked.txt", "same with the certificate revoked (R, keyCompromise)"),
    ("auth-index.txt", "`openssl ocsp -index` database: the authentication certificate valid (V)"),
    ("auth-index-revoked.txt", "same with the certificate revoked (R, keyCompromise)"),
    ("cvc-ca-9000020.pem", "CVC CA key `9000020/001` (ID `393030303032300805303031000000A8`): signs the MF's GET DATA 00F8 certificate; PEM SubjectPublicKeyInfo"),
    ("cvc-ca-9000023.pem", "CVC CA key `9000023/001` (ID `39303030303233080530303100000000`): signs the card-face application's EF 0004; PEM SubjectPublicKeyInfo"),
    ("cvc-ca-9000033.pem", "CVC CA key `9000033/001` (ID `39303030303333080530303100000000`): signs the text application's EF 0004; PEM SubjectPublicKeyInfo"),
];

/// OpenSSL's `index.txt` time format (YYMMDDHHMMSSZ).
fn openssl_time(t: time::OffsetDateTime) -> String {
    format!(
        "{:02}{:02}{:02}{:02}{:02}{:02}Z",
        t.year() % 100,
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// OpenSSL's one-line DN (`/C=JP/CN=…`) for `index.txt`.
fn openssl_dn(name: &x509_cert::name::Name) -> String {
    let mut out = String::new();
    for rdn in name.0.iter() {
        for atv in rdn.0.iter() {
            let key = match atv.oid {
                o if o == const_oid::db::rfc4519::C => "C",
                o if o == const_oid::db::rfc4519::ST => "ST",
                o if o == const_oid::db::rfc4519::L => "L",
                o if o == const_oid::db::rfc4519::O => "O",
                o if o == const_oid::db::rfc4519::OU => "OU",
                _ => "CN",
            };
            let value = String::from_utf8_lossy(atv.value.value());
            out.push_str(&format!("/{key}={value}"));
        }
    }
    out
}

fn index_lines(h: &Hierarchy, subject: &str) -> (String, String) {
    let serial = format!("{:X}", h.cert_serial);
    let serial = if serial.len() % 2 == 1 { format!("0{serial}") } else { serial };
    let exp = openssl_time(pki::EE_NOT_AFTER);
    let valid = format!("V\t{exp}\t\t{serial}\tunknown\t{subject}\n");
    let rev = openssl_time(pki::REVOCATION_TIME);
    let revoked = format!("R\t{exp}\t{rev},keyCompromise\t{serial}\tunknown\t{subject}\n");
    (valid, revoked)
}

fn pki_readme(pki: &SimPki) -> String {
    let mut s = String::new();
    s.push_str("# Test PKI of the default simulated card\n\n");
    s.push_str(
        "Generated by `mynacard sim generate` (`mynacard::sim::image::write_default_image`) from\n",
    );
    s.push_str(&format!(
        "seed `{:#018x}`; regenerating reproduces every byte. Fictional: nothing here is a real\n",
        pki.seed
    ));
    s.push_str(
        "person, municipality or J-LIS key. The card's own private keys are in `../jpki/`\n",
    );
    s.push_str(
        "(`0017.key.pem` authentication, `001A.key.pem` signature), `../text/0013.key.pem`\n",
    );
    s.push_str(
        "and `../visual/001A.key.pem` (the card keys of the text and card-face applications).\n",
    );
    s.push_str(
        "The `cvc-ca-*` keys are the virtual card's own CVC hierarchy (IDs starting with `9`,\n",
    );
    s.push_str("never J-LIS): give them to a verifier of the card's data explicitly.\n\n");
    s.push_str("| file | content |\n|---|---|\n");
    for (name, what) in PKI_FILES {
        s.push_str(&format!("| `{name}` | {what} |\n"));
    }
    s.push_str(
        "\nExamples:\n\n```sh\nopenssl verify -CAfile sign-root.pem sign-cert.pem\n\
         openssl crl -in auth-crl-revoked.pem -noout -verify -CAfile auth-root.pem\n\
         openssl verify -crl_check -CRLfile auth-crl-revoked.pem -CAfile auth-root.pem auth-cert.pem\n\
         openssl ocsp -index auth-index.txt -port 127.0.0.1:18080 -rsigner auth-ocsp.pem \\\n  \
         -rkey auth-ocsp-key.pem -CA auth-root.pem\n```\n",
    );
    s
}

/// Write the `pki/` folder of an image directory (see [`PKI_FILES`]).
pub fn write_pki_dir(pki: &SimPki, cvc: &CvcPki, dir: &Path) -> Result<(), ImageError> {
    let mut out: Vec<(String, Vec<u8>)> = Vec::new();
    for (stem, key) in cvc.ca_keys() {
        let pem = key
            .key
            .to_public_key()
            .to_public_key_pem(LineEnding::LF)
            .map_err(|e| PkiError::Der { what: "CVC CA public key", detail: e.to_string() })?;
        out.push((format!("{stem}.pem"), pem.into_bytes()));
    }
    for (prefix, h) in [("sign", &pki.sign), ("auth", &pki.auth)] {
        let cert = |label, der: &[u8]| -> Result<Vec<u8>, ImageError> {
            Ok(pki::to_pem(label, der)?.into_bytes())
        };
        out.push((format!("{prefix}-root.der"), h.root.cert_der().to_vec()));
        out.push((format!("{prefix}-root.pem"), cert("CERTIFICATE", h.root.cert_der())?));
        out.push((format!("{prefix}-cert.der"), h.cert.clone()));
        out.push((format!("{prefix}-cert.pem"), cert("CERTIFICATE", &h.cert)?));
        out.push((format!("{prefix}-ocsp.der"), h.ocsp.cert_der().to_vec()));
        out.push((format!("{prefix}-ocsp.pem"), cert("CERTIFICATE", h.ocsp.cert_der())?));
        let key_path = dir.join(format!("{prefix}-ocsp-key.pem"));
        let key = h
            .ocsp
            .key()
            .to_pkcs8_pem(LineEnding::LF)
            .map_err(|e| ImageError::BadKey { path: key_path, reason: e.to_string() })?;
        out.push((format!("{prefix}-ocsp-key.pem"), key.as_bytes().to_vec()));
        for (name, der) in [
            ("empty", &h.crl_empty),
            ("revoked", &h.crl_revoked),
            ("hold", &h.crl_hold),
            ("other-city", &h.crl_other_city),
        ] {
            out.push((format!("{prefix}-crl-{name}.der"), der.clone()));
            out.push((format!("{prefix}-crl-{name}.pem"), cert("X509 CRL", der)?));
        }
        let subject = x509_cert::Certificate::from_der(&h.cert)
            .map(|c| openssl_dn(&c.tbs_certificate.subject))
            .map_err(|e| PkiError::Der { what: "certificate", detail: e.to_string() })?;
        let (valid, revoked) = index_lines(h, &subject);
        out.push((format!("{prefix}-index.txt"), valid.into_bytes()));
        out.push((format!("{prefix}-index-revoked.txt"), revoked.into_bytes()));
    }
    out.push(("README.md".to_string(), pki_readme(pki).into_bytes()));
    for (name, bytes) in out {
        write_file(&dir.join(name), &bytes)?;
    }
    Ok(())
}

/// Generate the default PKI ([`pki::DEFAULT_SEED`], [`Holder::default`]) and write the default
/// image directory to `out`: the card image (`card.json`, `jpki/…`) and the `pki/` folder.
/// This is what `sim-image/default/` was made with.
pub fn write_default_image(out: &Path) -> Result<(), ImageError> {
    write_image(out, pki::DEFAULT_SEED, &Holder::default())
}

/// The default card image built from scratch (what [`CardImage::default_image`] loads):
/// slow (generates every key), for tests that compare.
pub fn build_default_image() -> Result<CardImage, ImageError> {
    let holder = Holder::default();
    let pki = SimPki::generate(pki::DEFAULT_SEED, &holder)?;
    let cvc = CvcPki::generate(pki::DEFAULT_SEED)?;
    Ok(whole_card_image(&pki, &cvc, &holder, Token::Card)?)
}

/// Generate the test PKI for `holder` from `seed` and write a full image directory to `out`
/// (the card image and its `pki/` folder), as [`write_default_image`] does for the defaults.
pub fn write_image(out: &Path, seed: u64, holder: &Holder) -> Result<(), ImageError> {
    write_image_with(out, seed, holder, Token::Card)
}

/// [`write_image`] for another device profile ([`Token::Android`]: `mynacard sim generate
/// --token android`).
pub fn write_image_with(
    out: &Path,
    seed: u64,
    holder: &Holder,
    token: Token,
) -> Result<(), ImageError> {
    let pki = SimPki::generate(seed, holder)?;
    let cvc = CvcPki::generate(seed)?;
    whole_card_image(&pki, &cvc, holder, token)?.save(out)?;
    write_pki_dir(&pki, &cvc, &out.join("pki"))
}
