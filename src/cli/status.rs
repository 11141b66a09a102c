//! `mynacard status`: the reader, the card (ATR, token type) and every PIN counter, read
//! without spending a try.

use super::exit::Exit;
use super::{CliError, GlobalOpts};

/// Run `mynacard status`.
pub fn run(_g: &GlobalOpts) -> Result<Exit, CliError> {
    Err(CliError::Usage("status: not implemented yet".into()))
}
