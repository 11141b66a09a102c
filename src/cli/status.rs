//! `mynacard status`: the reader, the card (ATR, token type) and every PIN counter, read
//! without spending a try, plus whether file reads use extended-length APDUs.

#[cfg(test)]
use mynacard::card::TokenType;
use mynacard::transport::pcsc::ShareMode;
use mynacard::transport::Transport;

use super::audit_log::AuditNote;
use super::exit::Exit;
use super::pin::{counters, Counter};
use super::{connect, CliError, GlobalOpts};

/// What the reader reports about extended length, in words.
fn reader_extended_text(known: Option<bool>) -> String {
    match known {
        Some(true) => t!("status-ext-reader-yes"),
        Some(false) => t!("status-ext-reader-no"),
        None => t!("status-ext-reader-unknown"),
    }
}

/// A token type in words with its label: "My Number Card (JPKIAPICCTOKEN2)".
pub fn token_text(token: mynacard::card::TokenType) -> String {
    use mynacard::card::TokenType;
    let what = match token {
        TokenType::Card => t!("token-card"),
        TokenType::Phone => t!("token-android"),
        TokenType::Iphone => t!("token-iphone"),
    };
    format!("{what} ({})", token.label())
}

/// Run `mynacard status`.
pub fn run(g: &GlobalOpts, audit: &mut AuditNote) -> Result<Exit, CliError> {
    let mut client = connect::open(g, ShareMode::Shared, audit)?;
    let info = client.transport().info();
    let token = client.detect()?;
    let pins = counters(&mut client)?;
    let in_use = client.link_state().extended_in_use();
    let fell_back = client.link_state().extended_failed();
    let atr = hex::encode_upper(&info.atr);
    if g.json {
        let pins: Vec<_> = pins.iter().map(Counter::json).collect();
        let doc = serde_json::json!({
            "reader": info.name,
            "atr": atr,
            "token": token.name(),
            "extended_length": {
                "reader": info.extended_length,
                "in_use": in_use,
                "fell_back": fell_back,
            },
            "pins": pins,
        });
        outln!("{doc}")?;
        return Ok(Exit::Success);
    }
    let token_text = token_text(token);
    let ext = match (in_use, fell_back) {
        (true, _) => t!("status-ext-in-use"),
        (false, true) => t!("status-ext-refused"),
        (false, false) => t!("status-ext-short"),
    };
    outln!("{}", t!("status-reader", reader = info.name.clone()))?;
    outln!("ATR: {atr}")?;
    outln!("{}", t!("status-token", token = token_text))?;
    let reader_ext = reader_extended_text(info.extended_length);
    outln!("{}", t!("status-extended", state = ext, reader = reader_ext))?;
    for c in &pins {
        outln!("{}", c.text())?;
    }
    Ok(Exit::Success)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(TokenType::Card.name(), "card");
        assert_eq!(TokenType::Phone.name(), "android");
        assert_eq!(TokenType::Iphone.name(), "iphone");
        assert_eq!(TokenType::Iphone.description(), "iPhone JPKI token (JPKIAPIOSTOKEN)");
        assert_eq!(
            TokenType::Phone.description(),
            "Android smartphone JPKI token (JPKIAPGPSETOKEN)"
        );
        assert_eq!(reader_extended_text(None), "reader support unknown");
        assert_eq!(reader_extended_text(Some(true)), "supported by the reader");
        assert_eq!(reader_extended_text(Some(false)), "not supported by the reader");
    }
}
