//! Test rigs and kiosks: the APDU script format and its parser ([`script`]) and the runner
//! that plays scripts or single commands against any [`crate::transport::Transport`] and
//! reports what happened ([`runner`]). Shipped scripts live in `apdu-scripts/`.

pub mod runner;
pub mod script;

pub use runner::{run, send_one, Env, RunError, RunOptions, RunReport, StepReport};
pub use script::{Problem, Script, ScriptError};
