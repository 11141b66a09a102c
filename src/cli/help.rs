//! Help text in the chosen language: walks the clap definition ([`super::Cli`]) before parsing
//! and sets every command's about text and every option's help from the catalogues
//! (`help-<command path>` and `help-<command path>--<argument id>`; see [`super::i18n`]), plus
//! clap's own headings, `--help`/`--version` and the `help` subcommand. The doc comments on the
//! clap structs stay as the English source and for `cargo doc`; the catalogues are what a
//! person reads.

use clap::{Arg, ArgAction, Command};
use mynacard::verify::result::bounded;

/// The catalogue key of a command's about text (`path` is empty for the root).
fn command_key(path: &[String]) -> String {
    if path.is_empty() {
        "help-mynacard".to_string()
    } else {
        format!("help-{}", path.join("-"))
    }
}

/// The catalogue key of an argument's help.
fn arg_key(path: &[String], id: &str) -> String {
    let cmd = if path.is_empty() { "mynacard".to_string() } else { path.join("-") };
    format!("help-{cmd}--{}", id.replace('_', "-"))
}

/// Whether an argument is one the user sees (clap's own `help`/`version` are handled apart).
fn is_user_arg(a: &Arg) -> bool {
    !a.is_hide_set() && !matches!(a.get_id().as_str(), "help" | "version")
}

/// The built command with the language in force applied to every text a person reads.
pub fn localize(cmd: Command) -> Command {
    let mut cmd = walk(cmd, &[]);
    cmd.build();
    finish(cmd)
}

fn walk(mut cmd: Command, path: &[String]) -> Command {
    let text = crate::cli::i18n::tr(&command_key(path), &[]);
    cmd = cmd.about(text).long_about(None);
    let ids: Vec<String> =
        cmd.get_arguments().filter(|a| is_user_arg(a)).map(|a| a.get_id().to_string()).collect();
    for id in ids {
        let help = crate::cli::i18n::tr(&arg_key(path, &id), &[]);
        let heading = crate::cli::i18n::tr("help-heading-options", &[]);
        let arguments = crate::cli::i18n::tr("help-heading-arguments", &[]);
        cmd = cmd.mut_arg(id.as_str(), |a| {
            let (help, a) = clap_notes(help, a);
            let a = a.help(help).long_help(None);
            if a.is_positional() {
                a.help_heading(arguments)
            } else {
                a.help_heading(heading)
            }
        });
    }
    let subs: Vec<String> = cmd.get_subcommands().map(|s| s.get_name().to_string()).collect();
    for name in subs {
        let mut sub_path = path.to_vec();
        sub_path.push(name.clone());
        cmd = cmd.mut_subcommand(name.as_str(), |s| walk(s, &sub_path));
    }
    cmd
}

/// Outside English, clap's own notes after an option's help (`[default: …]`, `[env: …]`,
/// `Possible values:`) are hidden and written in the language in force instead, after the help.
fn clap_notes(help: String, a: Arg) -> (String, Arg) {
    use crate::cli::i18n::{lang, Lang};
    if lang() == Lang::En {
        return (help, a);
    }
    let mut notes = Vec::new();
    let values: Vec<String> = a
        .get_possible_values()
        .iter()
        .filter(|v| !v.is_hide_set())
        .map(|v| v.get_name().to_string())
        .collect();
    if !values.is_empty() && a.get_action().takes_values() {
        notes.push(crate::cli::i18n::tr(
            "help-note-values",
            &[("values", values.join(", ").into())],
        ));
    }
    let defaults: Vec<String> =
        a.get_default_values().iter().map(|v| v.to_string_lossy().into_owned()).collect();
    if !defaults.is_empty() && a.get_action().takes_values() {
        notes.push(crate::cli::i18n::tr(
            "help-note-default",
            &[("value", defaults.join(", ").into())],
        ));
    }
    if let Some(env) = a.get_env() {
        notes.push(crate::cli::i18n::tr(
            "help-note-env",
            &[("name", env.to_string_lossy().into_owned().into())],
        ));
    }
    if notes.is_empty() {
        return (help, a);
    }
    let a = a.hide_possible_values(true).hide_default_value(true).hide_env(true);
    (format!("{help} {}", notes.join(" ")), a)
}

/// After `build`: clap's own `--help`, `--version`, `help` subcommand and headings.
fn finish(mut cmd: Command) -> Command {
    let help = crate::cli::i18n::tr("help-flag-help", &[]);
    let version = crate::cli::i18n::tr("help-flag-version", &[]);
    let heading = crate::cli::i18n::tr("help-heading-options", &[]);
    let usage = crate::cli::i18n::tr("help-heading-usage", &[]);
    let commands = crate::cli::i18n::tr("help-heading-commands", &[]);
    let template = format!(
        "{{before-help}}{{about-with-newline}}\n{usage} {{usage}}\n\n{{all-args}}{{after-help}}"
    );
    if cmd.get_arguments().any(|a| a.get_id() == "help") {
        let heading = heading.clone();
        cmd = cmd.mut_arg("help", |a| {
            a.help(help.clone()).long_help(None).action(ArgAction::Help).help_heading(heading)
        });
    }
    if cmd.get_arguments().any(|a| a.get_id() == "version") {
        cmd = cmd.mut_arg("version", |a| a.help(version).long_help(None).help_heading(heading));
    }
    cmd = cmd.help_template(template).subcommand_help_heading(commands);
    let subs: Vec<String> = cmd.get_subcommands().map(|s| s.get_name().to_string()).collect();
    for name in subs {
        if name == "help" {
            let about = crate::cli::i18n::tr("help-help", &[]);
            cmd = cmd.mut_subcommand("help", |s| finish(s.about(about)));
        } else {
            cmd = cmd.mut_subcommand(name.as_str(), finish);
        }
    }
    cmd
}

/// Every help key the command tree needs (for the catalogue tests).
/// A command-line error of clap in the language in force, for the kinds people meet most
/// (an unknown argument or subcommand, a missing argument, a value that is not allowed, two
/// options that exclude each other); `None` for the rest, which clap words itself (in English).
pub fn parse_error_text(e: &clap::Error) -> Option<String> {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    let ctx = |kind| {
        e.get(kind).map(|v| match v {
            ContextValue::String(s) => bounded(s),
            ContextValue::Strings(list) => bounded(&list.join(", ")),
            other => bounded(&other.to_string()),
        })
    };
    let arg = || ctx(ContextKind::InvalidArg).unwrap_or_default();
    Some(match e.kind() {
        ErrorKind::UnknownArgument => t!("clap-unknown-argument", arg = arg()),
        ErrorKind::InvalidSubcommand => {
            t!("clap-unknown-subcommand", name = ctx(ContextKind::InvalidSubcommand)?)
        }
        ErrorKind::MissingRequiredArgument => t!("clap-missing-argument", arg = arg()),
        ErrorKind::InvalidValue => t!(
            "clap-invalid-value",
            arg = arg(),
            value = ctx(ContextKind::InvalidValue)?,
            valid = ctx(ContextKind::ValidValue).unwrap_or_default()
        ),
        ErrorKind::ValueValidation => {
            t!("clap-value-validation", arg = arg(), value = ctx(ContextKind::InvalidValue)?)
        }
        ErrorKind::ArgumentConflict => t!(
            "clap-argument-conflict",
            arg = arg(),
            other = ctx(ContextKind::PriorArg).unwrap_or_default()
        ),
        _ => return None,
    })
}

#[cfg(test)]
pub fn help_keys() -> Vec<String> {
    use clap::CommandFactory;
    fn collect(cmd: &Command, path: &[String], out: &mut Vec<String>) {
        out.push(command_key(path));
        for a in cmd.get_arguments().filter(|a| is_user_arg(a)) {
            out.push(arg_key(path, a.get_id().as_str()));
        }
        for s in cmd.get_subcommands() {
            let mut sub_path = path.to_vec();
            sub_path.push(s.get_name().to_string());
            collect(s, &sub_path, out);
        }
    }
    let mut out = [
        "help-flag-help",
        "help-flag-version",
        "help-heading-options",
        "help-heading-arguments",
        "help-heading-usage",
        "help-heading-commands",
        "help-help",
        "help-note-values",
        "help-note-default",
        "help-note-env",
    ]
    .map(String::from)
    .to_vec();
    collect(&super::Cli::command(), &[], &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::i18n::{try_tr, with_lang, Lang};
    use clap::CommandFactory;

    #[test]
    fn every_command_and_option_has_help_in_both_languages() {
        let mut missing = Vec::new();
        for key in help_keys() {
            for lang in Lang::ALL {
                // The notes take their argument; extra arguments are ignored.
                let args = [("values", "a".into()), ("value", "a".into()), ("name", "A".into())];
                if try_tr(lang, &key, &args).is_err() {
                    missing.push(format!("{lang:?} {key}"));
                }
            }
        }
        assert!(missing.is_empty(), "help text missing: {missing:#?}");
    }

    fn help_of(lang: Lang, args: &[&str]) -> String {
        with_lang(lang, || {
            let cmd = localize(super::super::Cli::command());
            match cmd.try_get_matches_from(args) {
                Err(e) => e.to_string(),
                Ok(_) => String::new(),
            }
        })
    }

    #[test]
    fn help_is_japanese_under_ja_and_english_under_en() {
        let ja = help_of(Lang::Ja, &["mynacard", "--help"]);
        assert!(ja.contains("使い方:"), "{ja}");
        assert!(ja.contains("コマンド:"), "{ja}");
        assert!(ja.contains("署名"), "{ja}");
        assert!(ja.contains("ヘルプを表示"), "{ja}");
        assert!(!ja.contains("Print help"), "{ja}");
        let ja_sign = help_of(Lang::Ja, &["mynacard", "sign", "--help"]);
        assert!(ja_sign.contains("署名用電子証明書") || ja_sign.contains("署名"), "{ja_sign}");
        assert!(!ja_sign.contains("Options:"), "{ja_sign}");
        assert!(ja_sign.contains("[指定できる値: sha256, sha384, sha512]"), "{ja_sign}");
        assert!(ja_sign.contains("[既定: sign]"), "{ja_sign}");
        assert!(!ja_sign.contains("Possible values") && !ja_sign.contains("[default"), "{ja_sign}");
        let en = help_of(Lang::En, &["mynacard", "--help"]);
        assert!(en.contains("Usage:"), "{en}");
        assert!(en.contains("Print help"), "{en}");
        assert!(!en.contains("使い方"), "{en}");
    }

    #[test]
    fn the_localized_command_still_parses_the_same() {
        let cmd = with_lang(Lang::Ja, || localize(super::super::Cli::command()));
        cmd.clone().debug_assert();
        let m = cmd.try_get_matches_from(["mynacard", "--json", "status"]).unwrap();
        assert!(m.get_flag("json"));
    }
}
