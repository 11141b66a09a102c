//! `mynacard readers`: every reader, whether a card is in it, and the card's ATR.

use mynacard::transport::pcsc::{choose_reader, list_readers, ReaderStatus};

use super::exit::Exit;
use super::{CliError, GlobalOpts};

fn atr_hex(s: &ReaderStatus) -> Option<String> {
    s.atr.as_ref().map(hex::encode_upper)
}

/// The JSON form of the list.
pub fn to_json(readers: &[(usize, ReaderStatus)]) -> serde_json::Value {
    let list: Vec<serde_json::Value> = readers
        .iter()
        .map(|(index, s)| {
            serde_json::json!({
                "index": index,
                "name": s.name,
                "card_present": s.card_present,
                "atr": atr_hex(s),
            })
        })
        .collect();
    serde_json::json!({ "readers": list })
}

/// The text form of the list: one line per reader.
pub fn to_text(readers: &[(usize, ReaderStatus)]) -> String {
    let width = readers.iter().map(|(_, s)| s.name.chars().count()).max().unwrap_or(0);
    let mut out = String::new();
    for (index, s) in readers {
        let card = match (s.card_present, atr_hex(s)) {
            (true, Some(atr)) => t!("readers-card", atr = atr),
            (true, None) => t!("readers-card-mute"),
            (false, _) => t!("readers-no-card"),
        };
        out.push_str(&format!("{index}  {:width$}  {card}\n", s.name));
    }
    out
}

/// Run the command. With `--reader`, only the reader it names is shown.
pub fn run(g: &GlobalOpts) -> Result<Exit, CliError> {
    let all = list_readers()?;
    let mut shown: Vec<(usize, ReaderStatus)> = all.into_iter().enumerate().collect();
    if let Some(wanted) = g.reader.as_deref().filter(|w| !w.is_empty() && *w != "sim") {
        let names: Vec<String> = shown.iter().map(|(_, s)| s.name.clone()).collect();
        let chosen = choose_reader(wanted, &names)?;
        shown.retain(|(_, s)| s.name == chosen);
    }
    if g.json {
        outln!("{}", to_json(&shown))?;
    } else if shown.is_empty() {
        if !g.quiet {
            errln!("{}", t!("readers-none"));
        }
    } else {
        out!("{}", to_text(&shown))?;
    }
    Ok(if shown.is_empty() { Exit::NoReader } else { Exit::Success })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<(usize, ReaderStatus)> {
        vec![
            (
                0,
                ReaderStatus {
                    name: "Virtual PCD 00 00".into(),
                    card_present: true,
                    atr: Some(mynacard::facts::SIM_ATR.to_vec()),
                },
            ),
            (1, ReaderStatus { name: "Virtual PCD 00 01".into(), card_present: false, atr: None }),
        ]
    }

    #[test]
    fn text_lines() {
        assert_eq!(
            to_text(&sample()),
            "0  Virtual PCD 00 00  card  ATR 3BE000FF8131FE4514\n1  Virtual PCD 00 01  no card\n"
        );
    }

    #[test]
    fn json_shape() {
        assert_eq!(
            to_json(&sample()).to_string(),
            r#"{"readers":[{"atr":"3BE000FF8131FE4514","card_present":true,"index":0,"name":"Virtual PCD 00 00"},{"atr":null,"card_present":false,"index":1,"name":"Virtual PCD 00 01"}]}"#
        );
    }
}
