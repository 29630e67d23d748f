//! Dispatches each subcommand to its module under `commands/`.

mod cert;
mod spec;

use crate::cli::Command;
use crate::output::{Outcome, Printer};

/// Runs one command to completion.
pub(crate) fn run(command: Command, printer: &Printer) -> anyhow::Result<Outcome> {
    match command {
        Command::Spec(command) => spec::run(command, printer),
        Command::Cert(command) => cert::run(command, printer),
    }
}
