//! `cargo xtask bench`: the benchmarks that back the performance claims of issue #5.
//!
//! The main job's bench (`crates/runner/benches/apply.rs`) measures round trips and wall time
//! of `sfiu apply` beside a naive baseline; the plugin host's bench measures plugin load and
//! call times. Both print their figures; neither asserts timings.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use anyhow::{Context as _, bail};

/// Runs each bench in turn and stops at the first that fails.
pub(crate) fn run(root: &Path) -> anyhow::Result<()> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let benches: [&[&str]; 2] = [
        &["bench", "-p", "sfiu-runner", "--bench", "apply"],
        &["bench", "-p", "sfiu-plugin-host"],
    ];
    for arguments in benches {
        let started = Instant::now();
        eprintln!("xtask bench: cargo {}", arguments.join(" "));
        let status = Command::new(&cargo)
            .args(arguments)
            .current_dir(root)
            .status()
            .with_context(|| format!("failed to start `cargo {}`", arguments.join(" ")))?;
        if !status.success() {
            bail!("`cargo {}` failed ({status})", arguments.join(" "));
        }
        eprintln!("xtask bench: done in {:.0?}", started.elapsed());
    }
    Ok(())
}
