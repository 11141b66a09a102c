//! The `mynacard` command: a thin shell over the library; everything lives in `cli`.
#![forbid(unsafe_code)]

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
