//! Installs the one `tracing` subscriber of the process.
//!
//! Logs go to stderr. `-v` shows debug for sfiu's crates, `-vv` trace; `SFIU_LOG` (an
//! env-filter directive) overrides both, and `-q` silences everything below errors.

use tracing_subscriber::EnvFilter;

use crate::cli::GlobalArgs;

const OUR_CRATES: &[&str] = &[
    "sfiu",
    "sfiu_core",
    "sfiu_jwt",
    "sfiu_sf_client",
    "sfiu_runbook",
    "sfiu_sim",
    "sfiu_plugin_host",
];

/// Starts logging to stderr according to the verbosity flags and `SFIU_LOG`.
pub(crate) fn init(global: &GlobalArgs) {
    let filter = match std::env::var("SFIU_LOG") {
        Ok(directive) if !directive.trim().is_empty() => EnvFilter::new(directive),
        _ => {
            let level = match (global.quiet, global.verbose) {
                (true, _) => "error",
                (false, 0) => "warn",
                (false, 1) => "debug",
                (false, _) => "trace",
            };
            let ours = OUR_CRATES
                .iter()
                .map(|name| format!("{name}={level}"))
                .collect::<Vec<_>>();
            let others = if global.quiet { "error" } else { "warn" };
            EnvFilter::new(format!("{others},{}", ours.join(",")))
        }
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(global.color.is_enabled_for_stderr())
        .with_target(global.verbose > 0)
        .try_init();
}
