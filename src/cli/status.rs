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
fn reader_extended_text(known: Option<bool>) -> &'static str {
    match known {
        Some(true) => "supported by the reader",
        Some(false) => "not supported by the reader",
        None => "reader support unknown",
    }
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
    let token_text = token.description();
    let ext = match (in_use, fell_back) {
        (true, _) => "in use",
        (false, true) => "not in use (the card or reader refused it; short APDUs)",
        (false, false) => "not in use (short APDUs)",
    };
    outln!("reader: {}", info.name)?;
    outln!("ATR: {atr}")?;
    outln!("token: {token_text}")?;
    outln!("extended length: {ext}; {}", reader_extended_text(info.extended_length))?;
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
