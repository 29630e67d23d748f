//! Project automation: `cargo xtask <command>`.
//!
//! Each command is exactly what CI or a developer runs, so that anything red in CI
//! reproduces locally with the same command.

#![expect(clippy::print_stderr, reason = "xtask reports progress on stderr")]

mod bench;
mod ci;
mod runbooks;
mod tidy;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  ci       everything CI runs: fmt check, clippy -D warnings, tests (nextest), doc tests,
           docs with -D warnings, tidy
  tidy     the style rules a program can check (see STYLE.md)
  bench    the benchmarks: `sfiu apply` against a naive baseline, plugin load and call times
  runbooks [--check]
           regenerate the example runbooks in docs/runbooks (or, with --check, compare them)
";

fn main() -> ExitCode {
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    let result = match arguments.first().map(String::as_str) {
        Some("ci") => ci::run(&workspace_root()),
        Some("tidy") => tidy::run(&workspace_root()),
        Some("bench") => bench::run(&workspace_root()),
        Some("runbooks") => runbooks::run(&workspace_root(), &arguments[1..]),
        Some("-h" | "--help" | "help") | None => {
            eprint!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Some(other) => {
            eprint!("error: unknown xtask command `{other}`\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            for cause in error.chain().skip(1) {
                eprintln!("caused by: {cause}");
            }
            ExitCode::FAILURE
        }
    }
}

/// The workspace root: the parent of this crate's manifest directory.
fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the workspace root")
        .to_path_buf()
}
