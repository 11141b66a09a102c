//! `mynacard completions SHELL` and `mynacard man`: shell completions and manual pages generated
//! from the clap definition itself ([`super::Cli`], with the help texts of the chosen language,
//! [`super::help::localize`]), so they can never disagree with the command line: `LANG=ja_JP.UTF-8
//! mynacard man` writes Japanese pages. Packagers run them at build time (`scripts/package`); users can run them too.
//!
//! `clap_complete` and `clap_mangen` are the clap project's own generators: writing roff or
//! completion scripts by hand would be a second description of every option to keep in step.

use std::path::{Path, PathBuf};

use clap::{Args, CommandFactory, ValueEnum};

use super::exit::Exit;
use super::CliError;

/// Shells we write completions for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    /// GNU Bash.
    Bash,
    /// Z shell.
    Zsh,
    /// fish.
    Fish,
}

/// `mynacard completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to write completions for (to standard output).
    #[arg(value_enum)]
    pub shell: Shell,
}

/// `mynacard man`.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write mynacard.1 and one page per subcommand (mynacard-sign.1, …) into this directory
    /// instead of writing mynacard.1 to standard output.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

/// Print the completion script for `args.shell`.
pub fn completions(args: &CompletionsArgs) -> Result<Exit, CliError> {
    let mut cmd = super::help::localize(super::Cli::command());
    let mut buf = Vec::new();
    match args.shell {
        Shell::Bash => {
            clap_complete::generate(clap_complete::Shell::Bash, &mut cmd, "mynacard", &mut buf)
        }
        Shell::Zsh => {
            clap_complete::generate(clap_complete::Shell::Zsh, &mut cmd, "mynacard", &mut buf)
        }
        Shell::Fish => {
            clap_complete::generate(clap_complete::Shell::Fish, &mut cmd, "mynacard", &mut buf)
        }
    }
    write_stdout(&buf)?;
    Ok(Exit::Success)
}

/// Print mynacard.1, or write every page into `args.dir`.
pub fn man(args: &ManArgs) -> Result<Exit, CliError> {
    let mut cmd = super::help::localize(super::Cli::command());
    cmd.build();
    match &args.dir {
        None => {
            let buf = render(&cmd, "mynacard")?;
            write_stdout(&buf)?;
        }
        Some(dir) => write_pages(&cmd, "mynacard", dir)?,
    }
    Ok(Exit::Success)
}

/// `cmd`'s page, titled `title` (a subcommand's page names it as a user types it).
fn render(cmd: &clap::Command, title: &str) -> Result<Vec<u8>, CliError> {
    let mut buf = Vec::new();
    clap_mangen::Man::new(cmd.clone())
        .title(title.to_uppercase())
        .render(&mut buf)
        .map_err(|source| CliError::Io { context: "rendering the manual page".into(), source })?;
    Ok(buf)
}

/// One page for `cmd` named `name.1`, then one per visible subcommand (`name-sub.1`).
fn write_pages(cmd: &clap::Command, name: &str, dir: &Path) -> Result<(), CliError> {
    let path = dir.join(format!("{name}.1"));
    let buf = render(cmd, name)?;
    std::fs::write(&path, buf).map_err(|source| CliError::Io {
        context: format!("writing {}", path.display()),
        source,
    })?;
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set() && s.get_name() != "help") {
        write_pages(sub, &format!("{name}-{}", sub.get_name()), dir)?;
    }
    Ok(())
}

fn write_stdout(buf: &[u8]) -> Result<(), CliError> {
    use std::io::Write;
    std::io::stdout().lock().write_all(buf).map_err(CliError::Stdout)
}
