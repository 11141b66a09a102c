//! Errors as a person reads them, in the language in force ([`super::i18n`]): every error the
//! command can end with ([`super::CliError`] and the library errors inside it) maps to one
//! catalogue key and its arguments here. Each `match` is exhaustive, so a new variant does not
//! compile until it has a message; the tests render every variant in Japanese with no
//! English fallback. The library's own `Display` texts (English) stay for library users and
//! logs; details that come from outside (an OS error, a decoder's complaint) are passed in as
//! arguments unchanged.

use fluent_bundle::FluentValue;

use mynacard::apdu::ApduError;
use mynacard::card::{CardError, PinFormatError, PinKind};
use mynacard::sim::vpcd::VpcdError;
use mynacard::transport::pinpad::PinPadError;
use mynacard::transport::TransportError;

use super::pin_source::PinSourceError;
use super::CliError;

/// A message: its catalogue key and its arguments.
#[derive(Debug)]
pub struct Msg {
    /// The catalogue key.
    pub key: &'static str,
    /// Named arguments.
    pub args: Vec<(&'static str, FluentValue<'static>)>,
}

impl Msg {
    /// The text in the language in force.
    pub fn text(&self) -> String {
        super::i18n::tr(self.key, &self.args)
    }
}

/// `msg!("key")` or `msg!("key", name = value, …)`: a [`Msg`] to render later.
macro_rules! msg {
    ($key:literal) => {
        $crate::cli::messages::Msg { key: $key, args: Vec::new() }
    };
    ($key:literal, $($name:ident = $value:expr),+ $(,)?) => {
        $crate::cli::messages::Msg {
            key: $key,
            args: vec![$((stringify!($name), fluent_bundle::FluentValue::from($value))),+],
        }
    };
}

fn quoted(s: &str) -> String {
    format!("{s:?}")
}

/// The name of a PIN, password or card-face code, in the official terms.
pub fn pin_name(kind: PinKind) -> String {
    pin_name_msg(kind).text()
}

fn pin_name_msg(kind: PinKind) -> Msg {
    match kind {
        PinKind::Auth => msg!("pin-auth"),
        PinKind::Sign => msg!("pin-sign"),
        PinKind::Text => msg!("pin-text"),
        PinKind::FaceBirth => msg!("pin-face-birth"),
        PinKind::FaceCodeA => msg!("pin-face-code-a"),
        PinKind::FaceCodeB => msg!("pin-face-code-b"),
    }
}

/// A PIN's format rule, in words.
pub fn pin_rule(kind: PinKind) -> String {
    match kind {
        PinKind::Auth => msg!("rule-auth"),
        PinKind::Sign => msg!("rule-sign"),
        PinKind::Text => msg!("rule-text"),
        PinKind::FaceBirth => msg!("rule-face-birth"),
        PinKind::FaceCodeA => msg!("rule-face-code-a"),
        PinKind::FaceCodeB => msg!("rule-face-code-b"),
    }
    .text()
}

/// A sex in words (JSON uses `Sex::json_name`).
pub fn sex_text(sex: mynacard::carddata::sex::Sex) -> String {
    use mynacard::carddata::sex::Sex;
    match sex {
        Sex::Male => msg!("sex-male"),
        Sex::Female => msg!("sex-female"),
        Sex::Unknown => msg!("sex-unknown"),
        Sex::NotApplicable => msg!("sex-not-applicable"),
    }
    .text()
}

/// The kind of an input file in words (`data`, `signature`, `certificate`, `trust anchor`).
pub fn file_word(what: &str) -> String {
    match what {
        "data" => msg!("file-data"),
        "signature" => msg!("file-signature"),
        "certificate" => msg!("file-certificate"),
        "trust anchor" => msg!("file-trust-anchor"),
        other => return other.to_string(),
    }
    .text()
}

/// "n tries left" in words (0: blocked).
pub fn tries_left(n: u8) -> String {
    match n {
        0 => msg!("tries-none"),
        n => msg!("tries-left", n = n),
    }
    .text()
}

/// A command line error as its message.
pub fn cli_error(e: &CliError) -> Msg {
    match e {
        CliError::Transport(t) => transport(t),
        CliError::Vpcd(v) => vpcd(v),
        CliError::Image(why) => msg!("err-image", why = why.clone()),
        CliError::Usage(why) => msg!("err-usage", why = why.clone()),
        CliError::Card(c) => card(c),
        CliError::PinSource(p) => pin_source(p),
        CliError::Input(why) => msg!("err-input", why = why.clone()),
        CliError::Stdout(io) => msg!("err-stdout", error = io.to_string()),
        CliError::Io { context, source } => {
            msg!("err-io", context = context.clone(), error = source.to_string())
        }
    }
}

/// A transport error as its message.
pub fn transport(e: &TransportError) -> Msg {
    match e {
        TransportError::NoService => msg!("err-no-service"),
        TransportError::NoReaders => msg!("err-no-readers"),
        TransportError::ReaderNotFound { wanted, available } => {
            msg!("err-reader-not-found", wanted = quoted(wanted), available = available.join(", "))
        }
        TransportError::AmbiguousReader { wanted, matches } => {
            msg!("err-ambiguous-reader", wanted = quoted(wanted), matches = *matches)
        }
        TransportError::NoCard { reader } => msg!("err-no-card", reader = quoted(reader)),
        TransportError::Timeout { reader, seconds } => {
            msg!("err-timeout", reader = quoted(reader), seconds = *seconds)
        }
        TransportError::CardRemoved => msg!("err-card-removed"),
        TransportError::CardReset => msg!("err-card-reset"),
        TransportError::ReaderGone { reader } => msg!("err-reader-gone", reader = quoted(reader)),
        TransportError::CardInUse => msg!("err-card-in-use"),
        TransportError::Mute => msg!("err-mute"),
        TransportError::Malformed(why) => msg!("err-malformed-response", why = why.clone()),
        TransportError::NoControl => msg!("err-no-control"),
        TransportError::Disconnected => msg!("err-disconnected"),
        TransportError::CannotDisconnect => msg!("err-cannot-disconnect"),
        TransportError::Pcsc(why) => msg!("err-pcsc", why = why.clone()),
        TransportError::Io(io) => msg!("err-transport-io", error = io.to_string()),
    }
}

/// A virtual-card bridge error as its message.
pub fn vpcd(e: &VpcdError) -> Msg {
    match e {
        VpcdError::Connect { addr, attempts, source } => msg!(
            "err-vpcd-connect",
            addr = addr.to_string(),
            attempts = *attempts,
            error = source.to_string()
        ),
        VpcdError::CardPoisoned => msg!("err-vpcd-poisoned"),
    }
}

/// A PIN format error as its message.
pub fn pin_format(e: &PinFormatError) -> Msg {
    msg!("err-pin-format", pin = pin_name(e.kind), rule = pin_rule(e.kind))
}

/// A card error as its message.
pub fn card(e: &CardError) -> Msg {
    match e {
        CardError::Transport(t) => transport(t),
        CardError::Apdu(a) => msg!("err-apdu", why = apdu(a)),
        CardError::NotJpki => msg!("err-not-jpki"),
        CardError::NoTextApp => msg!("err-no-text-app"),
        CardError::NoFaceApp => msg!("err-no-face-app"),
        CardError::OldResidentCard => msg!("err-old-resident-card"),
        CardError::UnknownToken(token) => msg!("err-unknown-token", token = quoted(token)),
        CardError::WrongPin { kind, tries_left: n } => {
            msg!("err-wrong-pin", pin = pin_name(*kind), tries = tries_left(*n))
        }
        CardError::PinBlocked { kind } => msg!("err-pin-blocked", pin = pin_name(*kind)),
        CardError::LastTry { kind } => msg!("err-last-try", pin = pin_name(*kind)),
        CardError::SecurityStatus { what } => msg!("err-security-status", what = *what),
        CardError::FileNotFound(fid) => msg!("err-file-not-found", fid = format!("{fid:04X}")),
        CardError::Unexpected { command, sw } => {
            msg!("err-unexpected-status", command = *command, sw = sw.to_string())
        }
        CardError::Malformed(why) => msg!("err-malformed-card-data", why = why.clone()),
        CardError::TooLong { what, limit } => msg!("err-too-long", what = *what, limit = *limit),
        CardError::TooManyRounds(n) => msg!("err-too-many-rounds", n = *n),
        CardError::BadMyNumber => msg!("err-bad-my-number"),
        CardError::NotDigestInfo(len) => msg!("err-not-digest-info", len = *len),
        CardError::PinFormat(f) => pin_format(f),
        CardError::NoPinPad => msg!("err-no-pinpad"),
        CardError::PinPadCannotEnter { kind } => {
            msg!("err-pinpad-cannot-enter", pin = pin_name(*kind))
        }
        CardError::PinPadTimeout => msg!("err-pinpad-timeout"),
        CardError::PinPadCancelled => msg!("err-pinpad-cancelled"),
        CardError::PinPadLength { kind } => msg!("err-pinpad-length", pin = pin_name(*kind)),
        CardError::PinPadMismatch { kind } => msg!("err-pinpad-mismatch", pin = pin_name(*kind)),
        CardError::NoPinPadChange => msg!("err-no-pinpad-change"),
        CardError::PinPadRejected => msg!("err-pinpad-rejected"),
        CardError::NotCleared(why) => msg!("err-not-cleared", why = why.clone()),
        CardError::PinChangeUncertain { kind, confirmed: true, cause } => {
            msg!("err-pin-change-confirmed", pin = pin_name(*kind), why = cause.clone())
        }
        CardError::PinChangeUncertain { kind, confirmed: false, cause } => {
            msg!("err-pin-change-uncertain", pin = pin_name(*kind), why = cause.clone())
        }
        CardError::PinPad(p) => pinpad(p),
    }
}

/// An APDU encoding error, in words (technical: the library's text).
fn apdu(e: &ApduError) -> String {
    e.to_string()
}

/// A PIN-pad protocol error as its message.
pub fn pinpad(e: &PinPadError) -> Msg {
    match e {
        PinPadError::FeatureTruncated { offset } => {
            msg!("err-pinpad-feature-truncated", offset = *offset)
        }
        PinPadError::FeatureLength { tag, len } => {
            msg!("err-pinpad-feature-length", tag = format!("{tag:02X}"), len = *len)
        }
        PinPadError::BadAnswer { len } => msg!("err-pinpad-bad-answer", len = *len),
        PinPadError::BadStructure(why) => msg!("err-pinpad-bad-structure", why = *why),
        PinPadError::Transport(t) => msg!("err-pinpad-transport", why = transport(t).text()),
    }
}

/// A PIN-source error as its message.
pub fn pin_source(e: &PinSourceError) -> Msg {
    match e {
        PinSourceError::NoTerminal { what } => msg!("err-no-terminal", what = what.clone()),
        PinSourceError::EnvMissing { var } => msg!("err-env-missing", var = var.clone()),
        PinSourceError::EnvNewMissing => msg!("err-env-new-missing"),
        PinSourceError::Missing { source_name, what } => {
            msg!("err-source-ended", source = source_name.clone(), what = what.clone())
        }
        PinSourceError::TooLong { source_name, what } => {
            msg!("err-source-too-long", source = source_name.clone(), what = what.clone())
        }
        PinSourceError::Mismatch { what } => msg!("err-new-pin-mismatch", what = what.clone()),
        PinSourceError::PadAndSource => msg!("err-pad-and-source"),
        PinSourceError::Io { source_name, what, error } => msg!(
            "err-source-io",
            source = source_name.clone(),
            what = what.clone(),
            error = error.to_string()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::i18n::{try_tr, with_lang, Lang};
    use mynacard::apdu::StatusWord;

    /// One sample of every error variant the command can end with.
    fn every_error() -> Vec<CliError> {
        let io = || std::io::Error::other("os detail");
        let transport = || {
            vec![
                TransportError::NoService,
                TransportError::NoReaders,
                TransportError::ReaderNotFound { wanted: "x".into(), available: vec!["a".into()] },
                TransportError::AmbiguousReader { wanted: "x".into(), matches: 2 },
                TransportError::NoCard { reader: "r".into() },
                TransportError::Timeout { reader: "r".into(), seconds: 3 },
                TransportError::CardRemoved,
                TransportError::CardReset,
                TransportError::ReaderGone { reader: "r".into() },
                TransportError::CardInUse,
                TransportError::Mute,
                TransportError::Malformed("m".into()),
                TransportError::NoControl,
                TransportError::Disconnected,
                TransportError::CannotDisconnect,
                TransportError::Pcsc("p".into()),
                TransportError::Io(io()),
            ]
        };
        let mut out: Vec<CliError> = transport().into_iter().map(CliError::Transport).collect();
        out.extend([
            CliError::Vpcd(VpcdError::Connect {
                addr: "127.0.0.1:1".parse().unwrap(),
                attempts: 2,
                source: io(),
            }),
            CliError::Vpcd(VpcdError::CardPoisoned),
            CliError::Image("bad".into()),
            CliError::Usage("u".into()),
            CliError::Input("i".into()),
            CliError::Stdout(io()),
            CliError::Io { context: "c".into(), source: io() },
        ]);
        let kinds = [
            PinKind::Auth,
            PinKind::Sign,
            PinKind::Text,
            PinKind::FaceBirth,
            PinKind::FaceCodeA,
            PinKind::FaceCodeB,
        ];
        let mut cards = vec![
            CardError::Apdu(ApduError::ZeroLc),
            CardError::NotJpki,
            CardError::NoTextApp,
            CardError::NoFaceApp,
            CardError::OldResidentCard,
            CardError::UnknownToken("T".into()),
            CardError::SecurityStatus { what: "SIGN" },
            CardError::FileNotFound(0x1b),
            CardError::Unexpected { command: "READ BINARY", sw: StatusWord::from_u16(0x6a82) },
            CardError::Malformed("m".into()),
            CardError::TooLong { what: "x", limit: 9 },
            CardError::TooManyRounds(4),
            CardError::BadMyNumber,
            CardError::NotDigestInfo(5),
            CardError::NoPinPad,
            CardError::PinPadTimeout,
            CardError::PinPadCancelled,
            CardError::NoPinPadChange,
            CardError::PinPadRejected,
            CardError::NotCleared("n".into()),
            CardError::PinPad(PinPadError::FeatureTruncated { offset: 1 }),
            CardError::PinPad(PinPadError::FeatureLength { tag: 6, len: 3 }),
            CardError::PinPad(PinPadError::BadAnswer { len: 1 }),
            CardError::PinPad(PinPadError::BadStructure("s")),
            CardError::PinPad(PinPadError::Transport(TransportError::Mute)),
        ];
        for kind in kinds {
            cards.extend([
                CardError::WrongPin { kind, tries_left: 2 },
                CardError::WrongPin { kind, tries_left: 1 },
                CardError::WrongPin { kind, tries_left: 0 },
                CardError::PinBlocked { kind },
                CardError::LastTry { kind },
                CardError::PinFormat(PinFormatError { kind }),
                CardError::PinPadCannotEnter { kind },
                CardError::PinPadLength { kind },
                CardError::PinPadMismatch { kind },
                CardError::PinChangeUncertain { kind, confirmed: true, cause: "c".into() },
                CardError::PinChangeUncertain { kind, confirmed: false, cause: "c".into() },
            ]);
        }
        cards.extend(transport().into_iter().map(CardError::Transport));
        out.extend(cards.into_iter().map(CliError::Card));
        out.extend(
            [
                PinSourceError::NoTerminal { what: "w".into() },
                PinSourceError::EnvMissing { var: "V".into() },
                PinSourceError::EnvNewMissing,
                PinSourceError::Missing { source_name: "s".into(), what: "w".into() },
                PinSourceError::TooLong { source_name: "s".into(), what: "w".into() },
                PinSourceError::Mismatch { what: "w".into() },
                PinSourceError::PadAndSource,
                PinSourceError::Io { source_name: "s".into(), what: "w".into(), error: io() },
            ]
            .map(CliError::PinSource),
        );
        out
    }

    fn has_japanese(s: &str) -> bool {
        s.chars().any(|c| matches!(c, '\u{3040}'..='\u{30ff}' | '\u{4e00}'..='\u{9fff}'))
    }

    #[test]
    fn every_error_variant_renders_in_japanese_without_falling_back() {
        let errors = every_error();
        assert!(errors.len() > 100, "{}", errors.len());
        for err in &errors {
            let m = cli_error(err);
            // Their text is translated where it is made (`CliError::Usage(t!(…))`).
            if matches!(err, CliError::Usage(_) | CliError::Input(_) | CliError::Io { .. }) {
                continue;
            }
            // The Japanese catalogue itself has the message (no fallback to English) ...
            let ja = try_tr(Lang::Ja, m.key, &m.args).unwrap_or_else(|e| panic!("{e:?}"));
            let en = try_tr(Lang::En, m.key, &m.args).unwrap_or_else(|e| panic!("{e:?}"));
            // ... and it is Japanese, not a copy of the English.
            assert!(has_japanese(&ja), "{}: {ja}", m.key);
            assert_ne!(ja, en, "{}", m.key);
            // What a person sees in each language.
            assert_eq!(with_lang(Lang::Ja, || m.text()), ja);
            assert_eq!(with_lang(Lang::En, || m.text()), en);
        }
    }

    #[test]
    fn japanese_uses_the_official_terms() {
        let ja = |e: CliError| with_lang(Lang::Ja, || cli_error(&e).text());
        let wrong = ja(CliError::Card(CardError::WrongPin { kind: PinKind::Sign, tries_left: 2 }));
        assert!(wrong.contains("署名用パスワード") && wrong.contains('2'), "{wrong}");
        let blocked = ja(CliError::Card(CardError::PinBlocked { kind: PinKind::Auth }));
        assert!(blocked.contains("利用者証明用パスワード"), "{blocked}");
        let text = ja(CliError::Card(CardError::LastTry { kind: PinKind::Text }));
        assert!(text.contains("券面事項入力補助用暗証番号"), "{text}");
        let b = ja(CliError::Card(CardError::PinPadLength { kind: PinKind::FaceCodeB }));
        assert!(b.contains("照合番号B"), "{b}");
        let en = with_lang(Lang::En, || {
            cli_error(&CliError::Card(CardError::WrongPin { kind: PinKind::Sign, tries_left: 1 }))
                .text()
        });
        assert_eq!(en, "wrong signature password: 1 try left before it is blocked");
    }

    #[test]
    fn english_messages_match_the_library_texts() {
        // The English catalogue says what the library's Display says, so English output is
        // unchanged by the catalogue (for variants without OS or decoder details).
        for err in every_error() {
            let en = with_lang(Lang::En, || cli_error(&err).text());
            let lib = err.to_string();
            let plain = !matches!(
                err,
                CliError::Usage(_)
                    | CliError::Input(_)
                    | CliError::Card(CardError::Apdu(_))
                    | CliError::Card(CardError::PinFormat(_))
            );
            if plain {
                assert_eq!(en, lib);
            }
        }
    }
}
