//! The `sfiu` binary: parse arguments, start logging, run the command, map the exit code.
//!
//! Everything else lives in the modules below; `main` stays this small so that the exit-code
//! contract (0 ok, 1 problems found, 2 could not complete) is visible in one place.

mod cli;
mod commands;
mod integration;
mod job;
mod logging;
mod org;
mod output;
mod plugins;

use std::process::ExitCode;

use clap::Parser as _;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let printer = output::Printer::new(&cli.global);
    logging::init(&cli.global);

    let format = cli.command.format();
    match commands::run(cli.command, &printer) {
        Ok(outcome) => outcome.exit_code(),
        Err(error) => {
            printer.error(&error);
            // A command that failed after printing its own JSON document has said it all.
            if format == output::Format::Json && !printer.wrote_data() {
                printer.json(&printer.error_document(&error));
            }
            output::Outcome::Failed.exit_code()
        }
    }
}
