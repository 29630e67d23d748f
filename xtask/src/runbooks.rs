//! `cargo xtask runbooks [--check]`: the example runbooks in `docs/runbooks/`.
//!
//! The examples are the insta snapshots of `crates/runner/tests/runbooks.rs`, which applies
//! every bundled plugin preset to a fresh simulated org. Without `--check` the test rewrites
//! them (`INSTA_UPDATE=always`) and the command shows what changed, for review before
//! committing; with `--check` it only compares (`INSTA_UPDATE=no`), as CI does.

use std::path::Path;
use std::process::Command;

use anyhow::{Context as _, bail};

/// Where the examples live, relative to the workspace root.
const EXAMPLES: &str = "docs/runbooks";

/// Regenerates the examples, or with `--check` compares them.
pub(crate) fn run(root: &Path, arguments: &[String]) -> anyhow::Result<()> {
    let check = match arguments {
        [] => false,
        [flag] if flag == "--check" => true,
        _ => bail!("usage: cargo xtask runbooks [--check]"),
    };
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let test = ["test", "-p", "sfiu-runner", "--test", "runbooks"];
    eprintln!("xtask runbooks: cargo {}", test.join(" "));
    let status = Command::new(&cargo)
        .args(test)
        .env("INSTA_UPDATE", if check { "no" } else { "always" })
        .current_dir(root)
        .status()
        .with_context(|| format!("failed to start `cargo {}`", test.join(" ")))?;
    if !status.success() {
        if check {
            bail!(
                "the runbooks in `{EXAMPLES}` differ from a fresh run; \
                 run `cargo xtask runbooks` and review the diff"
            );
        }
        bail!("regenerating the runbooks failed ({status})");
    }
    if check {
        eprintln!("xtask runbooks: `{EXAMPLES}` matches a fresh run");
        return Ok(());
    }

    // Read-only git commands: changed examples, then new or deleted ones.
    for git_arguments in [
        &["diff", "--stat", "--", EXAMPLES][..],
        &["status", "--short", "--", EXAMPLES][..],
    ] {
        let status = Command::new("git")
            .args(git_arguments)
            .current_dir(root)
            .status()
            .context("failed to start `git`")?;
        if !status.success() {
            bail!("`git {}` failed ({status})", git_arguments.join(" "));
        }
    }
    eprintln!("xtask runbooks: review the changes above, then commit `{EXAMPLES}`");
    Ok(())
}
