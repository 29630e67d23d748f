//! Dispatches each subcommand to its module under `commands/`.

use crate::cli::Command;
use crate::output::{Outcome, Printer};

/// Runs one command to completion.
pub(crate) fn run(command: Command, printer: &Printer) -> anyhow::Result<Outcome> {
    let _ = printer;
    match command {}
}
