//! `cargo xtask ci`: the one command CI runs, step by step.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, bail};

/// Runs every CI step in order and stops at the first failure.
pub(crate) fn run(root: &Path) -> anyhow::Result<()> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let steps: [(&str, Vec<&str>, &[(&str, &str)]); 5] = [
        ("format", vec!["fmt", "--all", "--check"], &[]),
        (
            "clippy",
            vec![
                "clippy",
                "--workspace",
                "--all-targets",
                "--locked",
                "--",
                "-D",
                "warnings",
            ],
            &[],
        ),
        (
            "tests",
            vec![
                "nextest",
                "run",
                "--workspace",
                "--profile",
                "ci",
                "--locked",
                "--no-fail-fast",
            ],
            &[("INSTA_UPDATE", "no")],
        ),
        (
            "doc tests",
            vec!["test", "--workspace", "--doc", "--locked"],
            &[],
        ),
        (
            "docs",
            vec!["doc", "--workspace", "--no-deps", "--locked"],
            &[("RUSTDOCFLAGS", "-D warnings")],
        ),
    ];

    for (name, arguments, environment) in steps {
        let started = Instant::now();
        eprintln!("xtask ci: {name}: cargo {}", arguments.join(" "));
        let status = Command::new(&cargo)
            .args(&arguments)
            .envs(environment.iter().copied())
            .current_dir(root)
            .status()
            .with_context(|| format!("failed to start `cargo {}`", arguments.join(" ")))?;
        if !status.success() {
            bail!("CI step `{name}` failed ({status})");
        }
        eprintln!("xtask ci: {name}: ok in {:.0?}", started.elapsed());
    }

    eprintln!("xtask ci: tidy");
    crate::tidy::run(root)?;
    eprintln!("xtask ci: all steps passed");
    Ok(())
}
