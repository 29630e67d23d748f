//! `sfiu spec`: the integration spec file's JSON Schema, and checking a spec file on its own.

use std::path::Path;

use anyhow::Context as _;
use serde_json::json;

use crate::cli::{SpecCheckArgs, SpecCommand};
use crate::output::{Format, Outcome, Printer};

/// Runs a `sfiu spec` subcommand.
pub(crate) fn run(command: SpecCommand, printer: &Printer) -> anyhow::Result<Outcome> {
    match command {
        SpecCommand::Schema => {
            printer.data(sfiu_core::spec_json_schema());
            Ok(Outcome::Success)
        }
        SpecCommand::Check(arguments) => check(&arguments, printer),
    }
}

/// Reads and parses a spec file, naming the file in every error.
pub(crate) fn load(path: &Path) -> anyhow::Result<sfiu_core::IntegrationSpec> {
    let text = fs_err::read_to_string(path)?;
    sfiu_core::IntegrationSpec::from_toml_str(&text)
        .with_context(|| format!("the spec file `{}` is not valid", path.display()))
}

fn check(arguments: &SpecCheckArgs, printer: &Printer) -> anyhow::Result<Outcome> {
    let spec = load(&arguments.file)?;
    // The spec's own grants are checked as `apply` would check them, acknowledgements of
    // dangerous permissions included; the plugin's preset is not known here.
    let mut issues = sfiu_core::validate(&spec, &sfiu_core::Requirements::default()).issues;
    // A plugin preset supplies scopes of its own, so their absence from the spec says nothing.
    if spec.plugin.is_some() {
        issues.retain(|issue| issue.code != sfiu_core::codes::NO_SCOPES);
    }
    let n_errors = issues.iter().filter(|issue| issue.is_error()).count();

    if arguments.format == Format::Json {
        printer.json(&json!({
            "format_version": 1,
            "file": arguments.file.display().to_string(),
            "valid": n_errors == 0,
            "issues": issues,
        }));
    } else {
        print_issues(printer, &issues);
        if n_errors == 0 {
            printer.success(format!("`{}` is a valid spec", arguments.file.display()));
        }
    }
    Ok(if n_errors == 0 {
        Outcome::Success
    } else {
        Outcome::ProblemsFound
    })
}

/// Lists validation issues on stdout, one per line, each followed by its hint.
pub(crate) fn print_issues(printer: &Printer, issues: &[sfiu_core::Issue]) {
    for issue in issues {
        printer.issue(issue, true);
    }
}
