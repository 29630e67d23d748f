//! `sfiu sim`: run the simulated org on its own, for trying sfiu or another Salesforce
//! client against it.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Args, Subcommand};
use serde_json::json;

use crate::output::{Outcome, Printer, with_hint};

/// `sfiu sim …`
#[derive(Debug, Subcommand)]
pub(crate) enum SimCommand {
    /// Serve a simulated org on 127.0.0.1 until interrupted; prints one JSON line with the
    /// instance URL, login URL, an admin access token and the org id as soon as it listens.
    Serve(ServeArgs),
    /// List the scenarios a simulated org can start from.
    Scenarios,
}

/// Arguments of `sfiu sim serve`.
#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// Port on 127.0.0.1; 0 picks a free one.
    #[arg(long, default_value_t = 0)]
    pub(crate) port: u16,

    /// The scenario to start from (ignored when `--state` names an existing file).
    #[arg(long, default_value = "fresh-enterprise")]
    pub(crate) scenario: String,

    /// Keep the org in this JSON file between runs.
    #[arg(long, value_name = "FILE")]
    pub(crate) state: Option<PathBuf>,
}

/// Runs a `sfiu sim` subcommand.
pub(crate) fn run(command: SimCommand, printer: &Printer) -> anyhow::Result<Outcome> {
    match command {
        SimCommand::Scenarios => {
            for scenario in sfiu_sim::Scenario::ALL {
                printer.data(format!(
                    "{:<22} {}",
                    scenario.name(),
                    scenario.description()
                ));
            }
            Ok(Outcome::Success)
        }
        SimCommand::Serve(arguments) => {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()?;
            runtime.block_on(serve(arguments, printer))
        }
    }
}

async fn serve(arguments: ServeArgs, printer: &Printer) -> anyhow::Result<Outcome> {
    let scenario = sfiu_sim::Scenario::from_name(&arguments.scenario).map_err(|error| {
        let names: Vec<&str> = sfiu_sim::Scenario::ALL
            .iter()
            .map(|scenario| scenario.name())
            .collect();
        with_hint(
            error.to_string(),
            format!("known scenarios: {}", names.join(", ")),
        )
    })?;
    let mut options = sfiu_sim::StartOptions::new(scenario);
    options.port = arguments.port;
    options.state_file = arguments.state.clone();
    let org = sfiu_sim::start(options)
        .await
        .context("failed to start the simulated org")?;
    printer.data(json!({
        "instance_url": org.instance_url(),
        "login_url": org.login_url(),
        "access_token": org.admin_access_token(),
        "org_id": org.org_id(),
    }));
    printer.status("serving the simulated org; press Ctrl-C to stop");
    tokio::signal::ctrl_c()
        .await
        .context("failed to wait for Ctrl-C")?;
    org.shutdown().await;
    Ok(Outcome::Success)
}
