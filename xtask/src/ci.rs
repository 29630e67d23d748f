//! `cargo xtask ci`: the one command CI runs, step by step.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, bail};

/// Targets the plugins are compiled for; `rust-toolchain.toml` lists them too, but nothing
/// installs them automatically on these machines.
const WASM_TARGETS: &[&str] = &["wasm32-unknown-unknown", "wasm32-wasip2"];

/// Adds any missing wasm target with rustup, so a fresh machine needs no manual step.
pub(crate) fn ensure_targets(root: &Path) -> anyhow::Result<()> {
    let output = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .current_dir(root)
        .output()
        .context("failed to run `rustup target list --installed`; is rustup installed?")?;
    let installed = String::from_utf8_lossy(&output.stdout);
    for target in WASM_TARGETS {
        if installed.lines().any(|line| line.trim() == *target) {
            continue;
        }
        eprintln!("xtask ci: adding the missing rustup target `{target}`");
        let status = Command::new("rustup")
            .args(["target", "add", target])
            .current_dir(root)
            .status()
            .with_context(|| format!("failed to run `rustup target add {target}`"))?;
        if !status.success() {
            bail!("`rustup target add {target}` failed ({status})");
        }
    }
    Ok(())
}

/// One CI step: its name, the cargo arguments and extra environment variables.
type Step<'a> = (&'a str, Vec<&'a str>, &'a [(&'a str, &'a str)]);

/// Runs every CI step in order and stops at the first failure.
pub(crate) fn run(root: &Path) -> anyhow::Result<()> {
    ensure_targets(root)?;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let steps: [Step<'_>; 5] = [
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
