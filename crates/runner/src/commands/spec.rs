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
    // The spec is checked as `apply` would check it: against its plugin's preset (asked
    // offline, as for an org nothing is known about), acknowledgements included.
    let (preset, note) = match &spec.plugin {
        None => (sfiu_core::Requirements::default(), None),
        Some(plugin) => match preset_requirements(arguments) {
            Ok(requirements) => (requirements, None),
            Err(error) => (
                sfiu_core::Requirements::default(),
                Some(format!(
                    "checked the file alone: plugin `{}` preset `{}` could not be asked ({error:#})",
                    plugin.id, plugin.preset
                )),
            ),
        },
    };
    let mut issues = sfiu_core::validate(&spec, &preset).issues;
    if note.is_some() {
        // Without the preset, missing scopes and unmatched removals say nothing.
        issues.retain(|issue| issue.code != sfiu_core::codes::NO_SCOPES);
    }
    if let Some(note) = &note {
        printer.warn(note);
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

/// The requirements of the spec's plugin preset, with the features the spec switches on.
fn preset_requirements(arguments: &SpecCheckArgs) -> anyhow::Result<sfiu_core::Requirements> {
    let integration_args = crate::integration::IntegrationArgs {
        plugin: None,
        preset: None,
        spec: Some(arguments.file.clone()),
        username: None,
        email: None,
        app_kind: None,
        certificate: None,
    };
    let integration = crate::integration::load(&integration_args, None, std::path::Path::new("."))?;
    let (Some(plugin), Some(preset)) = (&integration.plugin, &integration.preset) else {
        return Ok(sfiu_core::Requirements::default());
    };
    let resolved = plugin.resolve_with_features(
        &preset.id,
        &sfiu_plugin_host::OrgFacts::default(),
        &integration.enabled_features(),
    )?;
    Ok(resolved.requirements)
}
