//! `mynacard demo`: the main job end to end on the virtual card — read every certificate,
//! show the PIN counters, sign a sample document as CMS, verify it with revocation — with a
//! readable transcript.

use clap::Args;

use super::exit::Exit;
use super::{CliError, GlobalOpts};

/// `mynacard demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Keep the demo's files (document, signature, certificates) in DIR.
    #[arg(long, value_name = "DIR")]
    pub out: Option<std::path::PathBuf>,
}

/// Run `mynacard demo`.
pub fn run(_g: &GlobalOpts, _args: &DemoArgs) -> Result<Exit, CliError> {
    Err(CliError::Usage("demo: not implemented yet".into()))
}
