//! Dispatches each subcommand to its module under `commands/`.

pub(crate) mod audit;
mod cert;
pub(crate) mod licenses;
pub(crate) mod plugin;
pub(crate) mod rotate;
pub(crate) mod setup;
pub(crate) mod sim;
pub(crate) mod spec;

use crate::cli::Command;
use crate::output::{Outcome, Printer};

/// Runs one command to completion.
pub(crate) fn run(command: Command, printer: &Printer) -> anyhow::Result<Outcome> {
    match command {
        Command::Plan(arguments) => setup::run(setup::Mode::Plan, &arguments, printer),
        Command::Apply(arguments) => setup::run(setup::Mode::Apply, &arguments, printer),
        Command::Verify(arguments) => setup::run(setup::Mode::Verify, &arguments, printer),
        Command::Runbook(arguments) => setup::run(setup::Mode::Runbook, &arguments, printer),
        Command::Sim(command) => sim::run(command, printer),
        Command::Spec(command) => spec::run(command, printer),
        Command::Cert(command) => cert::run(command, printer),
        Command::Audit(arguments) => audit::run(&arguments, printer),
        Command::Licenses(arguments) => licenses::run(&arguments, printer),
        Command::Plugin(command) => plugin::run(command, printer),
    }
}
