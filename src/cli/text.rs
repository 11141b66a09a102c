//! `mynacard text read`: the card-info-input application (My Number, name, address, birth
//! date, sex). The My Number is masked unless `--reveal`; nothing is written to disk.

use clap::{Args, Subcommand};

use mynacard::card::{Sex, TextEvidence, TextInfo, TextPin};

use mynacard::verify::authenticity::Authenticity;

use super::audit_log::AuditNote;
use super::exit::Exit;
use super::face::{
    authenticity_exit, authenticity_json, authenticity_text, check_text_read, Trust, TrustOpts,
};
use super::pin_entry::open_with_pin;
use super::pin_source::PinOpts;
use super::{CliError, GlobalOpts};

/// `mynacard text`.
#[derive(Debug, Args)]
pub struct TextArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: TextCommand,
}

/// The `text` subcommands.
#[derive(Debug, Subcommand)]
pub enum TextCommand {
    /// Read the My Number and the four basic facts (asks for the text PIN).
    Read(TextReadArgs),
}

/// `mynacard text read`.
#[derive(Debug, Args)]
pub struct TextReadArgs {
    /// Show the whole My Number instead of `********1234`.
    #[arg(long)]
    pub reveal: bool,
    /// Which CA keys the J-LIS signature is checked against.
    #[command(flatten)]
    pub trust: TrustOpts,
    /// Where the text PIN comes from.
    #[command(flatten)]
    pub pin: PinOpts,
}

/// Birth date `YYYYMMDD` as `YYYY-MM-DD`; anything else is shown as it is.
fn iso_date(raw: &str) -> String {
    match (raw.get(..4), raw.get(4..6), raw.get(6..8)) {
        (Some(y), Some(m), Some(d))
            if raw.len() == 8 && raw.bytes().all(|b| b.is_ascii_digit()) =>
        {
            format!("{y}-{m}-{d}")
        }
        _ => raw.to_string(),
    }
}

/// Sex in words (text) and as a JSON value.
fn sex_names(sex: Sex) -> (String, &'static str) {
    (super::messages::sex_text(sex), sex.json_name())
}

/// The output of `text read`: JSON or text lines.
pub(super) fn render(info: &TextInfo, auth: &Authenticity, reveal: bool, json: bool) -> String {
    let number = if reveal { info.my_number.reveal().to_string() } else { info.my_number.masked() };
    let a = &info.attributes;
    let birth = iso_date(&a.birth_date);
    let (sex_text, sex_json) = sex_names(a.sex);
    if json {
        serde_json::json!({
            "my_number": number,
            "my_number_masked": !reveal,
            "name": a.name,
            "address": a.address,
            "birth_date": birth,
            "sex": sex_json,
            "authenticity": authenticity_json(auth),
        })
        .to_string()
    } else {
        [
            t!("text-my-number", value = number),
            t!("text-name", value = a.name.clone()),
            t!("text-address", value = a.address.clone()),
            t!("text-birth", value = super::dates::birth_text(&birth)),
            t!("text-sex", value = sex_text),
            authenticity_text(auth),
        ]
        .join("\n")
    }
}

/// The authenticity of everything `text read` read (both files, their integrity record and
/// certificate); the command and `mynacard serve`'s `/v1/text` judge it alike.
pub fn evidence_authenticity(ev: &TextEvidence, trust: &Trust) -> Authenticity {
    check_text_read(
        ev.cvc.as_deref(),
        ev.integrity.as_deref(),
        Some(&ev.my_number_file),
        Some(&ev.attributes_file),
        trust,
    )
}

fn read(g: &GlobalOpts, args: &TextReadArgs, audit: &mut AuditNote) -> Result<Exit, CliError> {
    let trust = args.trust.trust()?;
    let (mut client, pin) = open_with_pin(g, audit, &args.pin, TextPin::new)?;
    let (info, ev) = client.read_text_checked(pin.pin(), args.pin.allow_last_try)?;
    drop(client);
    let auth = evidence_authenticity(&ev, &trust);
    outln!("{}", render(&info, &auth, args.reveal, g.json))?;
    Ok(authenticity_exit(&auth))
}

/// Run `mynacard text …`.
pub fn run(g: &GlobalOpts, args: &TextArgs, audit: &mut AuditNote) -> Result<Exit, CliError> {
    match &args.command {
        TextCommand::Read(a) => read(g, a, audit),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mynacard::card::{Attributes, MyNumber};
    use mynacard::verify::authenticity::{App, Verdict};

    fn auth() -> Authenticity {
        Authenticity {
            verdict: Verdict::Unknown,
            app: App::Text,
            ca_key: None,
            ca_source: None,
            signer_key: None,
            verified: vec![],
            detail: "not trusted".into(),
        }
    }

    fn info(sex: Sex, birth: &str) -> TextInfo {
        TextInfo {
            my_number: MyNumber::new("123456789018").unwrap(),
            attributes: Attributes {
                header: vec![],
                name: "番号 花子".into(),
                address: "東京都千代田区".into(),
                birth_date: birth.into(),
                sex,
            },
        }
    }

    #[test]
    fn masked_unless_revealed() {
        let i = info(Sex::Female, "19800102");
        let text = render(&i, &auth(), false, false);
        assert_eq!(
            text,
            "My Number: ********9018\nname: 番号 花子\naddress: 東京都千代田区\nbirth date: 1980-01-02\nsex: female\nauthenticity: UNKNOWN (not trusted)"
        );
        assert!(render(&i, &auth(), true, false).contains("My Number: 123456789018"));
        let j: serde_json::Value = serde_json::from_str(&render(&i, &auth(), false, true)).unwrap();
        assert_eq!(j["my_number"], "********9018");
        assert_eq!(j["my_number_masked"], true);
        assert_eq!(j["authenticity"]["verdict"], "unknown");
        let j: serde_json::Value = serde_json::from_str(&render(&i, &auth(), true, true)).unwrap();
        assert_eq!(j["my_number"], "123456789018");
        assert_eq!(j["my_number_masked"], false);
    }

    #[test]
    fn dates_and_sexes() {
        assert_eq!(iso_date("20001231"), "2000-12-31");
        assert_eq!(iso_date("2000123"), "2000123");
        assert_eq!(iso_date("2000123X"), "2000123X");
        let j: serde_json::Value =
            serde_json::from_str(&render(&info(Sex::NotApplicable, "x"), &auth(), false, true))
                .unwrap();
        assert_eq!(j["sex"], "not_applicable");
        assert_eq!(j["birth_date"], "x");
        assert!(render(&info(Sex::Male, "19800102"), &auth(), false, false).contains("sex: male\n"));
        assert!(render(&info(Sex::NotApplicable, "19800102"), &auth(), false, false)
            .contains("sex: not applicable\n"));
    }
}
