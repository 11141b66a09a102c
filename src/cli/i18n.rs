//! The language a person reads: English or Japanese, chosen once at start-up, and the message
//! catalogues (`i18n/en/mynacard.ftl`, `i18n/ja/mynacard.ftl`, embedded in the binary) every
//! human-readable line of the command comes from. JSON field names, exit codes and
//! machine-readable values (exit names, verdict words in JSON) never go through here.
//!
//! # Why Fluent (`fluent-bundle` + `unic-langid`)
//! Fluent keeps each language's grammar in its own file (plural and other selectors, argument
//! placement), so Japanese word order does not have to follow the English sentence; the
//! catalogues are plain text a translator edits without touching Rust; and `fluent-bundle` is a
//! small library with no build step, no global macro state and no code generation
//! (`rust-i18n` generates code from YAML at build time; `i18n-embed` adds a loader layer and
//! `rust-embed` we do not need for two embedded files). Isolation marks (U+2068/U+2069 around
//! arguments) are turned off: the output goes to terminals and files, not to bidirectional text.
//!
//! # Choosing the language ([`Lang`])
//! `--lang ja|en` wins; otherwise the first of `LC_ALL`, `LC_MESSAGES`, `LANG` that is set and
//! not empty decides, as POSIX orders them: a value starting with `ja` is Japanese, anything
//! else (`C`, `POSIX`, `en_US.UTF-8`, `de_DE`, …) English. Decided once in [`super::main`]
//! ([`init`]); tests switch one thread with [`with_lang`].
//!
//! # Adding a message
//! 1. Add `my-key = English text with { $arg }` to `i18n/en/mynacard.ftl` and the Japanese to
//!    `i18n/ja/mynacard.ftl` (the same key in both; the unit tests below fail otherwise).
//! 2. In the code: `t!("my-key")` or `t!("my-key", arg = value)` (any value convertible to a
//!    Fluent value: `&str`, `String`, integers). It returns a `String`.
//! 3. An error variant: give it its key in [`super::messages`] (the `match` there is exhaustive,
//!    so a new variant does not compile until it has one) and a sample in its test.
//! 4. Help text of a new subcommand or option: keys `help-<command path>` (about) and
//!    `help-<command path>--<argument id in kebab case>` (e.g. `help-sign--input`); the test
//!    `every_command_and_option_has_help_in_both_languages` lists the missing ones.
//!
//! Keys are used only as literals in `t!(…)`/`msg!(…)` or built by the help walker, so the test
//! that no key is orphaned can find them all by reading the sources.

use std::cell::Cell;
use std::sync::{LazyLock, OnceLock};

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};

/// The English catalogue.
pub const EN_FTL: &str = include_str!("../../i18n/en/mynacard.ftl");
/// The Japanese catalogue.
pub const JA_FTL: &str = include_str!("../../i18n/ja/mynacard.ftl");

/// A language the command speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Lang {
    /// English.
    En,
    /// Japanese (日本語).
    Ja,
}

impl Lang {
    /// Both languages.
    #[cfg(test)]
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Ja];

    /// The language a locale value names (`ja_JP.UTF-8` → Japanese, anything else English).
    pub fn from_locale(value: &str) -> Lang {
        if value.starts_with("ja") {
            Lang::Ja
        } else {
            Lang::En
        }
    }

    /// The language of the environment: the first of `LC_ALL`, `LC_MESSAGES`, `LANG` that is
    /// set and not empty (`get` reads one variable).
    pub fn from_env(get: impl Fn(&str) -> Option<String>) -> Lang {
        ["LC_ALL", "LC_MESSAGES", "LANG"]
            .iter()
            .filter_map(|name| get(name))
            .find(|v| !v.is_empty())
            .map_or(Lang::En, |v| Lang::from_locale(&v))
    }

    /// The value of `--lang` in raw arguments (`--lang ja`, `--lang=ja`), if any and valid.
    /// Read before clap parses, so help text can be in the chosen language.
    pub fn from_args(args: &[std::ffi::OsString]) -> Option<Lang> {
        let mut found = None;
        let mut iter = args.iter().skip(1).map(|a| a.to_string_lossy());
        while let Some(arg) = iter.next() {
            if arg == "--" {
                break;
            }
            let value = if arg == "--lang" {
                iter.next().map(|v| v.into_owned())
            } else {
                arg.strip_prefix("--lang=").map(str::to_string)
            };
            match value.as_deref() {
                Some("ja") => found = Some(Lang::Ja),
                Some("en") => found = Some(Lang::En),
                _ => {}
            }
        }
        found
    }

    fn bundle(self) -> &'static FluentBundle<FluentResource> {
        match self {
            Lang::En => &EN,
            Lang::Ja => &JA,
        }
    }
}

fn make_bundle(tag: &str, ftl: &'static str) -> FluentBundle<FluentResource> {
    let id: unic_langid::LanguageIdentifier = tag.parse().unwrap_or_default();
    let mut bundle = FluentBundle::new_concurrent(vec![id]);
    bundle.set_use_isolating(false);
    // A catalogue with a syntax error keeps its good entries; the tests reject the error.
    let resource = FluentResource::try_new(ftl.to_string()).unwrap_or_else(|(res, _)| res);
    // Duplicate keys keep the first entry; the tests reject duplicates.
    let _ = bundle.add_resource(resource);
    bundle
}

static EN: LazyLock<FluentBundle<FluentResource>> = LazyLock::new(|| make_bundle("en", EN_FTL));
static JA: LazyLock<FluentBundle<FluentResource>> = LazyLock::new(|| make_bundle("ja", JA_FTL));

static CURRENT: OnceLock<Lang> = OnceLock::new();

thread_local! {
    static OVERRIDE: Cell<Option<Lang>> = const { Cell::new(None) };
}

/// Fix the language for the rest of the run (the first call wins).
pub fn init(lang: Lang) {
    let _ = CURRENT.set(lang);
}

/// The language in force: this thread's [`with_lang`], else the one [`init`] fixed, else
/// English.
pub fn lang() -> Lang {
    OVERRIDE.with(Cell::get).or_else(|| CURRENT.get().copied()).unwrap_or(Lang::En)
}

/// Run `f` with `lang` in force on this thread (tests, and rendering one message in both
/// languages).
#[cfg(test)]
pub fn with_lang<T>(lang: Lang, f: impl FnOnce() -> T) -> T {
    let before = OVERRIDE.with(|c| c.replace(Some(lang)));
    let out = f();
    OVERRIDE.with(|c| c.set(before));
    out
}

/// Why a message could not be formatted in a language.
#[derive(Debug, PartialEq, Eq)]
pub enum Missing {
    /// The catalogue has no such key (or it has no value).
    Key(String),
    /// The message refers to an argument that was not given, or is malformed.
    Format(String),
}

/// The message `key` in `lang` with `args`, or why it cannot be formatted. No fallback.
pub fn try_tr(lang: Lang, key: &str, args: &[(&str, FluentValue<'_>)]) -> Result<String, Missing> {
    let bundle = lang.bundle();
    let pattern = bundle
        .get_message(key)
        .and_then(|m| m.value())
        .ok_or_else(|| Missing::Key(key.to_string()))?;
    let mut fargs = FluentArgs::new();
    for (name, value) in args {
        fargs.set(*name, value.clone());
    }
    let mut errors = Vec::new();
    let text = bundle.format_pattern(pattern, Some(&fargs), &mut errors).into_owned();
    if errors.is_empty() {
        Ok(text)
    } else {
        Err(Missing::Format(format!("{key}: {errors:?}")))
    }
}

/// The message `key` in the language in force. A key missing there falls back to English,
/// and a key missing in both shows as itself (the tests make both impossible).
pub fn tr(key: &str, args: &[(&str, FluentValue<'_>)]) -> String {
    try_tr(lang(), key, args)
        .or_else(|_| try_tr(Lang::En, key, args))
        .unwrap_or_else(|_| key.to_string())
}

/// `t!("key")` or `t!("key", name = value, …)`: the message in the language in force.
macro_rules! t {
    ($key:literal) => {
        $crate::cli::i18n::tr($key, &[])
    };
    ($key:literal, $($name:ident = $value:expr),+ $(,)?) => {
        $crate::cli::i18n::tr(
            $key,
            &[$((stringify!($name), fluent_bundle::FluentValue::from($value))),+],
        )
    };
}

/// The keys a catalogue defines (`key = …` at the start of a line), in order.
#[cfg(test)]
pub fn catalogue_keys(ftl: &str) -> Vec<&str> {
    ftl.lines()
        .filter_map(|line| {
            let (key, _) = line.split_once(" =")?;
            let ok = key.chars().next().is_some_and(|c| c.is_ascii_lowercase())
                && key.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
            ok.then_some(key)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeSet, HashMap};

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> =
            pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn the_language_comes_from_lc_all_then_lc_messages_then_lang() {
        assert_eq!(Lang::from_env(env(&[])), Lang::En);
        assert_eq!(Lang::from_env(env(&[("LANG", "ja_JP.UTF-8")])), Lang::Ja);
        assert_eq!(Lang::from_env(env(&[("LANG", "ja")])), Lang::Ja);
        assert_eq!(Lang::from_env(env(&[("LANG", "C")])), Lang::En);
        assert_eq!(Lang::from_env(env(&[("LANG", "POSIX")])), Lang::En);
        assert_eq!(Lang::from_env(env(&[("LANG", "de_DE.UTF-8")])), Lang::En);
        assert_eq!(Lang::from_env(env(&[("LANG", "C"), ("LC_MESSAGES", "ja_JP")])), Lang::Ja);
        assert_eq!(Lang::from_env(env(&[("LANG", "ja_JP"), ("LC_MESSAGES", "C")])), Lang::En);
        assert_eq!(
            Lang::from_env(env(&[("LANG", "C"), ("LC_MESSAGES", "C"), ("LC_ALL", "ja_JP.UTF-8")])),
            Lang::Ja
        );
        assert_eq!(Lang::from_env(env(&[("LANG", "ja_JP"), ("LC_ALL", "C")])), Lang::En);
        // An empty variable does not count.
        assert_eq!(Lang::from_env(env(&[("LANG", "ja_JP"), ("LC_ALL", "")])), Lang::Ja);
    }

    #[test]
    fn lang_option_is_found_before_parsing() {
        let args = |v: &[&str]| v.iter().map(std::ffi::OsString::from).collect::<Vec<_>>();
        assert_eq!(Lang::from_args(&args(&["m", "status"])), None);
        assert_eq!(Lang::from_args(&args(&["m", "--lang", "ja", "status"])), Some(Lang::Ja));
        assert_eq!(Lang::from_args(&args(&["m", "status", "--lang=en"])), Some(Lang::En));
        assert_eq!(Lang::from_args(&args(&["m", "--lang", "xx"])), None);
        assert_eq!(Lang::from_args(&args(&["m", "sign", "--", "--lang=ja"])), None);
    }

    fn keys(ftl: &str) -> Vec<&str> {
        catalogue_keys(ftl)
    }

    #[test]
    fn both_catalogues_parse_and_have_the_same_keys_once() {
        for (name, ftl) in [("en", EN_FTL), ("ja", JA_FTL)] {
            if let Err((_, errors)) = FluentResource::try_new(ftl.to_string()) {
                panic!("i18n/{name}/mynacard.ftl does not parse: {errors:?}");
            }
            let all = keys(ftl);
            let set: BTreeSet<&str> = all.iter().copied().collect();
            assert_eq!(set.len(), all.len(), "i18n/{name}/mynacard.ftl repeats a key");
            // Every key the line scan finds is a message of the bundle, so the scan misses none
            // that `tr` could use.
            let bundle = match name {
                "en" => Lang::En.bundle(),
                _ => Lang::Ja.bundle(),
            };
            for k in &all {
                assert!(bundle.has_message(k), "{name}: {k}");
            }
        }
        let en: BTreeSet<&str> = keys(EN_FTL).into_iter().collect();
        let ja: BTreeSet<&str> = keys(JA_FTL).into_iter().collect();
        let only_en: Vec<_> = en.difference(&ja).collect();
        let only_ja: Vec<_> = ja.difference(&en).collect();
        assert!(only_en.is_empty(), "keys missing in i18n/ja/mynacard.ftl: {only_en:?}");
        assert!(only_ja.is_empty(), "keys missing in i18n/en/mynacard.ftl: {only_ja:?}");
        assert!(en.len() > 100, "{}", en.len());
    }

    /// The `$name` arguments a message refers to.
    fn variables(ftl: &str, key: &str) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        let mut in_entry = false;
        for line in ftl.lines() {
            if line.starts_with(&format!("{key} =")) {
                in_entry = true;
            } else if !line.starts_with(' ') && !line.is_empty() {
                in_entry = false;
            }
            if !in_entry {
                continue;
            }
            let mut rest = line;
            while let Some(i) = rest.find('$') {
                rest = &rest[i + 1..];
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
                    .collect();
                if !name.is_empty() {
                    out.insert(name);
                }
            }
        }
        out
    }

    #[test]
    fn every_message_formats_in_both_languages_with_its_arguments() {
        for key in keys(EN_FTL) {
            let en_vars = variables(EN_FTL, key);
            let ja_vars = variables(JA_FTL, key);
            assert_eq!(en_vars, ja_vars, "{key}: the two languages take different arguments");
            // Numbers where a selector may want one, strings otherwise.
            let args: Vec<(&str, FluentValue<'_>)> =
                en_vars.iter().map(|v| (v.as_str(), FluentValue::from(2))).collect();
            for lang in Lang::ALL {
                let text = try_tr(lang, key, &args).unwrap_or_else(|e| panic!("{e:?}"));
                assert!(!text.trim().is_empty(), "{lang:?} {key} is empty");
            }
            let ja = try_tr(Lang::Ja, key, &args).unwrap_or_default();
            let en = try_tr(Lang::En, key, &args).unwrap_or_default();
            // Japanese is Japanese: a copy of the English is a missing translation (proper
            // names and symbols are exempt by being listed here).
            if !SAME_IN_BOTH.contains(&key) {
                assert_ne!(ja, en, "{key} is not translated");
            }
        }
    }

    /// Keys whose text is the same in both languages (names, symbols, numbers).
    const SAME_IN_BOTH: &[&str] = &[
        // The text is made (translated) where the error is raised.
        "err-usage",
        "err-input",
        "err-io",
        // The official name, Japanese in both.
        "face-code-b-prompt",
    ];

    #[test]
    fn missing_arguments_are_reported_not_hidden() {
        assert!(matches!(try_tr(Lang::Ja, "no-such-key", &[]), Err(Missing::Key(_))));
        let key =
            keys(EN_FTL).into_iter().find(|k| !variables(EN_FTL, k).is_empty()).unwrap_or_default();
        assert!(matches!(try_tr(Lang::Ja, key, &[]), Err(Missing::Format(_))), "{key}");
    }

    #[test]
    fn with_lang_switches_this_thread_only() {
        let ja = with_lang(Lang::Ja, || tr("word-yes", &[]));
        let en = with_lang(Lang::En, || tr("word-yes", &[]));
        assert_eq!(en, "yes");
        assert_eq!(ja, "はい");
    }

    /// Every key a source file names in `t!("…")` or `msg!("…")`.
    fn used_keys() -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        // The command line and the kiosk service (a child module of the command line).
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = vec![root.join("src/cli"), root.join("src/serve")];
        while let Some(p) = files.pop() {
            if p.is_dir() {
                files.extend(std::fs::read_dir(&p).unwrap().map(|e| e.unwrap().path()));
                continue;
            }
            // This file names the markers themselves.
            if p.extension().is_none_or(|e| e != "rs") || p.ends_with("i18n.rs") {
                continue;
            }
            let text = std::fs::read_to_string(&p).unwrap();
            let code: Vec<&str> =
                text.lines().filter(|l| !l.trim_start().starts_with("//")).collect();
            let code = code.join("\n");
            for marker in ["t!(", "msg!("] {
                let mut rest = code.as_str();
                while let Some(i) = rest.find(marker) {
                    // `format!(` is not `t!(`.
                    let word = rest[..i]
                        .chars()
                        .next_back()
                        .is_some_and(|c| c.is_alphanumeric() || c == '_');
                    rest = &rest[i + marker.len()..];
                    let Some(lit) = rest.trim_start().strip_prefix('"') else { continue };
                    if let (false, Some(end)) = (word, lit.find('"')) {
                        out.insert(lit[..end].to_string());
                    }
                }
            }
        }
        out
    }

    #[test]
    fn every_key_used_exists_and_none_is_orphaned() {
        let defined: BTreeSet<String> = keys(EN_FTL).into_iter().map(str::to_string).collect();
        let mut used = used_keys();
        used.extend(super::super::help::help_keys());
        let undefined: Vec<_> = used.difference(&defined).collect();
        let orphans: Vec<_> = defined.difference(&used).collect();
        assert!(undefined.is_empty(), "used but not in the catalogues: {undefined:?}");
        assert!(orphans.is_empty(), "in the catalogues but never used: {orphans:?}");
    }
}
