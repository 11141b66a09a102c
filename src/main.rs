//! The `mynacard` command: a thin shell over the library; everything lives in `cli`.
#![forbid(unsafe_code)]
// As in src/lib.rs: no `unwrap`, `expect` or unchecked indexing outside unit tests.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing))]

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
