//! Command-line definitions (clap derive). The doc comments here are the `--help` text.

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Set up and keep healthy a least-privilege Salesforce Integration User for a third-party
/// integration.
#[derive(Debug, Parser)]
#[command(name = "sfiu", version, about, long_about = None, propagate_version = true)]
pub(crate) struct Cli {
    #[command(flatten)]
    pub(crate) global: GlobalArgs,

    #[command(subcommand)]
    pub(crate) command: Command,
}

/// Flags every command accepts.
#[derive(Debug, Args)]
pub(crate) struct GlobalArgs {
    /// More log output on stderr: `-v` debug, `-vv` trace (`SFIU_LOG` overrides).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub(crate) verbose: u8,

    /// Print only errors and the command's data.
    #[arg(short, long, global = true, conflicts_with = "verbose", env = "SFIU_QUIET")]
    pub(crate) quiet: bool,

    /// When to colour output.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, env = "SFIU_COLOR")]
    pub(crate) color: ColorChoice,

    /// Never draw progress bars.
    #[arg(long, global = true, env = "SFIU_NO_PROGRESS")]
    pub(crate) no_progress: bool,
}

/// When to colour output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ColorChoice {
    /// Colour when writing to a terminal and `NO_COLOR` is unset.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {}
