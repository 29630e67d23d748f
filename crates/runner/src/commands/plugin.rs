//! `sfiu plugin`: what the bundled and vendor plugins offer, what a preset asks for, and a
//! vendor's pre-release check of a plugin bundle.
//!
//! Everything here is offline: presets are resolved against an org nothing is known about
//! ([`OrgFacts::default`]), so an admin can read what an integration will ask for before
//! connecting to any org, and a vendor can check a bundle in CI.

use std::collections::BTreeSet;
use std::path::Path;

use anyhow::Context as _;
use clap::{Args, Subcommand};
use serde_json::{Value, json};
use sfiu_core::{
    IntegrationSpec, Need, ObjectGrant, Provenance, Requirements, Severity, strongest_need,
};
use sfiu_plugin_host::{Feature, OrgFacts, Plugin, PluginInfo, PresetInfo, Resolved, Source};

use crate::output::{Format, Hinted, Outcome, Printer, Tone, with_hint};

/// The version of the JSON documents this module prints.
const FORMAT_VERSION: u32 = 1;

/// `sfiu plugin …`
#[derive(Debug, Subcommand)]
pub(crate) enum PluginCommand {
    /// List the plugins built into sfiu (and any bundles named), with their presets.
    List(ListArgs),

    /// Show what a preset asks for: objects, fields, system permissions, package
    /// permission sets, OAuth scopes, licence fit, vendor steps, notes and warnings.
    ///
    /// Runs offline: the plugin is asked about an org nothing is known about.
    Show(ShowArgs),

    /// Check a plugin bundle before shipping it: load it under the production limits and
    /// resolve and validate every preset.
    ///
    /// Exits 1 when a preset has problems (a trap or limit hit in one preset is reported as
    /// that preset's problem), 2 when the plugin cannot be loaded at all. Dangerous
    /// permissions are warnings: a spec must acknowledge them before deploying.
    Check(CheckArgs),
}

impl PluginCommand {
    /// The output format asked for.
    pub(crate) fn format(&self) -> Format {
        match self {
            PluginCommand::List(arguments) => arguments.format,
            PluginCommand::Show(arguments) => arguments.format,
            PluginCommand::Check(arguments) => arguments.format,
        }
    }
}

/// Arguments of `sfiu plugin list`.
#[derive(Debug, Args)]
pub(crate) struct ListArgs {
    /// Plugin bundles to list as well: a `plugin.toml`, its directory, or a `.wasm` file.
    #[arg(value_name = "PATH")]
    pub(crate) paths: Vec<String>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub(crate) format: Format,
}

/// Arguments of `sfiu plugin show`.
#[derive(Debug, Args)]
pub(crate) struct ShowArgs {
    /// A bundled plugin id (`hubspot`) or a path (`./acme/plugin.toml`, `acme.wasm`).
    #[arg(value_name = "ID|PATH")]
    pub(crate) plugin: String,

    /// The preset to show; the plugin's default preset when omitted.
    #[arg(long)]
    pub(crate) preset: Option<String>,

    /// Keep feature-dependent grants only for these features (repeatable); without it,
    /// every feature's grants are shown.
    #[arg(long = "feature", value_name = "FEATURE")]
    pub(crate) features: Vec<String>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub(crate) format: Format,
}

/// Arguments of `sfiu plugin check`.
#[derive(Debug, Args)]
pub(crate) struct CheckArgs {
    /// The bundle: a `plugin.toml`, its directory, or a bare `.wasm` (nothing pinned then);
    /// a bundled id works too.
    #[arg(value_name = "PATH")]
    pub(crate) plugin: String,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub(crate) format: Format,
}

/// Runs a `sfiu plugin` subcommand.
pub(crate) fn run(command: PluginCommand, printer: &Printer) -> anyhow::Result<Outcome> {
    match command {
        PluginCommand::List(arguments) => list(&arguments, printer),
        PluginCommand::Show(arguments) => show(&arguments, printer),
        PluginCommand::Check(arguments) => check(&arguments, printer),
    }
}

fn list(arguments: &ListArgs, printer: &Printer) -> anyhow::Result<Outcome> {
    let host = crate::plugins::host()?;
    let mut plugins = Vec::new();
    let mut bundled = sfiu_plugin_host::bundled_ids();
    bundled.sort_unstable();
    for id in bundled {
        plugins.push(crate::plugins::load(&host, id)?);
    }
    for path in &arguments.paths {
        plugins.push(load_path(&host, path)?);
    }
    let missing = sfiu_plugin_host::bundled_missing();

    if arguments.format == Format::Json {
        printer.json(&json!({
            "format_version": FORMAT_VERSION,
            "plugins": plugins.iter().map(plugin_json).collect::<Vec<_>>(),
            "bundled_missing": missing,
        }));
    } else {
        let rows = plugins
            .iter()
            .map(|plugin| {
                let info = plugin.info();
                vec![
                    info.id.clone(),
                    info.name.clone(),
                    info.version.clone(),
                    info.vendor.clone(),
                    info.wit.clone(),
                    info.source.to_string(),
                    preset_list(plugin.presets()),
                ]
            })
            .collect();
        let headers = [
            "ID", "NAME", "VERSION", "VENDOR", "WIT", "SOURCE", "PRESETS",
        ];
        if !plugins.is_empty() {
            for line in table(&headers, rows) {
                printer.data(line);
            }
        }
    }
    if let Some(reason) = missing {
        printer.warn(format!(
            "this sfiu was built without its bundled plugins: {reason}"
        ));
        printer.status(
            "hint: run `rustup target add wasm32-unknown-unknown`, then rebuild sfiu \
             (`cargo build -p sfiu-runner`)",
        );
    }
    Ok(Outcome::Success)
}

fn show(arguments: &ShowArgs, printer: &Printer) -> anyhow::Result<Outcome> {
    let host = crate::plugins::host()?;
    let plugin = crate::plugins::load(&host, &arguments.plugin)?;
    let preset = choose_preset(&plugin, arguments.preset.as_deref())?;
    check_features(&plugin, &arguments.features)?;

    let org = OrgFacts::default();
    let resolved = if arguments.features.is_empty() {
        plugin.resolve(&preset.id, &org)
    } else {
        plugin.resolve_with_features(&preset.id, &org, &arguments.features)
    }
    .with_context(|| {
        format!(
            "failed to resolve preset `{}` of plugin `{}`",
            preset.id,
            plugin.info().id
        )
    })?;

    if arguments.format == Format::Json {
        printer.json(&json!({
            "format_version": FORMAT_VERSION,
            "plugin": plugin_json(&plugin),
            "preset": preset,
            "selected_features": (!arguments.features.is_empty()).then_some(&arguments.features),
            "org_facts": org,
            "resolved": resolved,
        }));
    } else {
        print_show(printer, &plugin, &preset, &arguments.features, &resolved);
    }
    Ok(Outcome::Success)
}

/// The named preset, or the plugin's default; an unknown name lists the presets.
fn choose_preset(plugin: &Plugin, wanted: Option<&str>) -> anyhow::Result<PresetInfo> {
    let id = &plugin.info().id;
    match wanted {
        Some(wanted) => plugin
            .presets()
            .iter()
            .find(|preset| preset.id == wanted)
            .cloned()
            .ok_or_else(|| {
                with_hint(
                    format!("plugin `{id}` has no preset `{wanted}`"),
                    format!("its presets are: {}", preset_list(plugin.presets())),
                )
            }),
        None => plugin.default_preset().cloned().ok_or_else(|| {
            with_hint(
                format!("plugin `{id}` offers no preset"),
                "the plugin is broken; `sfiu plugin check` says more",
            )
        }),
    }
}

/// Refuses features the plugin does not declare, listing those it does.
fn check_features(plugin: &Plugin, features: &[String]) -> anyhow::Result<()> {
    let known = &plugin.info().features;
    for feature in features {
        if !known.iter().any(|known| &known.id == feature) {
            let names: Vec<&str> = known.iter().map(|known| known.id.as_str()).collect();
            let hint = if names.is_empty() {
                "it declares no features".to_owned()
            } else {
                format!("its features are: {}", names.join(", "))
            };
            return Err(with_hint(
                format!("plugin `{}` has no feature `{feature}`", plugin.info().id),
                hint,
            ));
        }
    }
    Ok(())
}

fn print_show(
    printer: &Printer,
    plugin: &Plugin,
    preset: &PresetInfo,
    selected: &[String],
    resolved: &Resolved,
) {
    let info = plugin.info();
    let requirements = &resolved.requirements;
    printer.data(format!(
        "{} {} by {} (plugin `{}`, {}, WIT {})",
        info.name, info.version, info.vendor, info.id, info.source, info.wit
    ));
    if let Some(homepage) = &info.homepage {
        printer.data(format!("homepage: {homepage}"));
    }
    printer.data(format!(
        "preset:   {}{}: {}",
        preset.id,
        if preset.is_default { " (default)" } else { "" },
        preset.label
    ));
    printer.data(format!("          {}", preset.description));
    let others: Vec<&str> = plugin
        .presets()
        .iter()
        .filter(|other| other.id != preset.id)
        .map(|other| other.id.as_str())
        .collect();
    if !others.is_empty() {
        printer.data(format!(
            "others:   {} (choose with `--preset`)",
            others.join(", ")
        ));
    }
    if !info.features.is_empty() {
        let shown = if selected.is_empty() {
            "grants of every feature shown; narrow with `--feature`".to_owned()
        } else {
            format!("grants shown for: {}", selected.join(", "))
        };
        printer.data(format!(
            "features: {} ({shown})",
            feature_list(&info.features)
        ));
    }

    section(printer, "Objects");
    let rows: Vec<Vec<String>> = requirements
        .objects
        .iter()
        .map(|grant| object_row(grant, requirements))
        .collect();
    print_table(
        printer,
        &[
            "OBJECT",
            "ACCESS",
            "VENDOR ASKS",
            "FIELDS",
            "NEED",
            "EVIDENCE",
            "REASON",
        ],
        rows,
    );

    if !requirements.fields.is_empty() {
        section(printer, "Fields");
        let rows = requirements
            .fields
            .iter()
            .map(|grant| {
                let [need, evidence, reason] = basis_columns(&grant.provenance);
                vec![
                    grant.field.clone(),
                    grant.access.to_string(),
                    need,
                    evidence,
                    reason,
                ]
            })
            .collect();
        print_table(
            printer,
            &["FIELD", "ACCESS", "NEED", "EVIDENCE", "REASON"],
            rows,
        );
    }

    section(printer, "System permissions");
    let rows = requirements
        .system_permissions
        .iter()
        .map(|grant| {
            let permission = sfiu_core::system_permission(&grant.name);
            let label =
                permission.map_or("(not in sfiu's catalogue)", |permission| permission.label);
            let dangerous = permission.is_some_and(|permission| permission.dangerous);
            let [need, evidence, reason] = basis_columns(&grant.provenance);
            vec![
                grant.name.clone(),
                label.to_owned(),
                if dangerous { "dangerous" } else { "-" }.to_owned(),
                need,
                evidence,
                reason,
            ]
        })
        .collect();
    print_table(
        printer,
        &["NAME", "LABEL", "RISK", "NEED", "EVIDENCE", "REASON"],
        rows,
    );

    section(printer, "Package permission sets");
    let rows = resolved
        .packages
        .iter()
        .map(|package| {
            let [need, evidence, reason] = basis_columns(std::slice::from_ref(&package.provenance));
            let sets = if package.permission_sets.is_empty() {
                "(none; install only)".to_owned()
            } else {
                package.permission_sets.join(", ")
            };
            vec![
                package.namespace.clone(),
                sets,
                package.label.clone(),
                need,
                evidence,
                reason,
            ]
        })
        .collect();
    print_table(
        printer,
        &[
            "NAMESPACE",
            "PERMISSION SETS",
            "PACKAGE",
            "NEED",
            "EVIDENCE",
            "REASON",
        ],
        rows,
    );

    section(printer, "OAuth scopes");
    let scopes: Vec<&str> = requirements
        .oauth_scopes
        .iter()
        .map(|grant| grant.scope.as_str())
        .collect();
    printer.data(format!(
        "  {}",
        if scopes.is_empty() {
            "none (the app will allow `api` only)".to_owned()
        } else {
            scopes.join(", ")
        }
    ));

    section(printer, "Licence");
    printer.data(format!(
        "  {} ({}): {}",
        resolved.license.fit, resolved.license.evidence, resolved.license.reason
    ));
    for source in &resolved.license.sources {
        printer.data(format!("  source: {source}"));
    }

    section(printer, "User");
    printer.data(format!("  {}", requirements.user_shape));

    list_section(printer, "Vendor steps", &resolved.vendor_steps, true);
    list_section(printer, "Notes", &resolved.notes, false);
    if !resolved.warnings.is_empty() {
        section(printer, "Warnings");
        for warning in &resolved.warnings {
            printer.data(format!(
                "  {} {warning}",
                printer.paint(Tone::Warning, "warning:")
            ));
        }
    }
}

fn object_row(grant: &ObjectGrant, requirements: &Requirements) -> Vec<String> {
    let vendor_asks = grant
        .vendor_documented
        .filter(|asked| *asked != grant.access)
        .map_or_else(|| "-".to_owned(), |asked| asked.to_string());
    let n_listed = requirements
        .fields
        .iter()
        .filter(|field| field.object().eq_ignore_ascii_case(&grant.object))
        .count();
    let fields = match (grant.access.view_all_fields, n_listed) {
        (true, 0) => "all (read)".to_owned(),
        (true, n) => format!("all (read), {n} listed"),
        (false, 0) => "-".to_owned(),
        (false, n) => format!("{n} listed"),
    };
    let [need, evidence, reason] = basis_columns(&grant.provenance);
    vec![
        grant.object.clone(),
        grant.access.to_string(),
        vendor_asks,
        fields,
        need,
        evidence,
        reason,
    ]
}

/// Need, evidence and reason of a grant; a merged grant shows each distinct value once.
fn basis_columns(provenance: &[Provenance]) -> [String; 3] {
    let need = match strongest_need(provenance) {
        Need::WhenFeature(feature) => format!("feature {feature}"),
        need => need.to_string(),
    };
    let evidence: BTreeSet<String> = provenance
        .iter()
        .map(|entry| entry.evidence.to_string())
        .collect();
    let mut reasons: Vec<&str> = Vec::new();
    for entry in provenance {
        if !reasons.contains(&entry.reason.as_str()) {
            reasons.push(&entry.reason);
        }
    }
    [
        need,
        evidence.into_iter().collect::<Vec<_>>().join("/"),
        reasons.join(" "),
    ]
}

fn section(printer: &Printer, title: &str) {
    printer.data("");
    printer.data(format!("{title}:"));
}

fn list_section(printer: &Printer, title: &str, items: &[String], numbered: bool) {
    if items.is_empty() {
        return;
    }
    section(printer, title);
    for (index, item) in items.iter().enumerate() {
        if numbered {
            printer.data(format!("  {}. {item}", index + 1));
        } else {
            printer.data(format!("  - {item}"));
        }
    }
}

fn print_table(printer: &Printer, headers: &[&str], rows: Vec<Vec<String>>) {
    if rows.is_empty() {
        printer.data("  none");
        return;
    }
    for line in table(headers, rows) {
        printer.data(format!("  {line}"));
    }
}

/// Aligns columns on character counts; the last column is not padded.
fn table(headers: &[&str], rows: Vec<Vec<String>>) -> Vec<String> {
    let mut all: Vec<Vec<String>> = vec![headers.iter().map(|&header| header.to_owned()).collect()];
    all.extend(rows);
    let mut widths = vec![0; headers.len()];
    for row in &all {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    all.iter()
        .map(|row| {
            let mut line = String::new();
            for (index, (cell, width)) in row.iter().zip(&widths).enumerate() {
                if index + 1 == row.len() {
                    line.push_str(cell);
                } else {
                    line.push_str(cell);
                    line.push_str(&" ".repeat(width - cell.chars().count() + 2));
                }
            }
            line.trim_end().to_owned()
        })
        .collect()
}

/// `a (default), b, c`.
fn preset_list(presets: &[PresetInfo]) -> String {
    presets
        .iter()
        .map(|preset| {
            if preset.is_default {
                format!("{} (default)", preset.id)
            } else {
                preset.id.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// `deal-sync (on by default), ticket-sync`.
fn feature_list(features: &[Feature]) -> String {
    features
        .iter()
        .map(|feature| {
            if feature.default_on {
                format!("{} (on by default)", feature.id)
            } else {
                feature.id.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn plugin_json(plugin: &Plugin) -> Value {
    let info: &PluginInfo = plugin.info();
    let (source, path) = match &info.source {
        Source::Bundled => ("bundled", None),
        Source::Path(path) => ("path", Some(path.display().to_string())),
    };
    json!({
        "id": info.id,
        "name": info.name,
        "version": info.version,
        "vendor": info.vendor,
        "homepage": info.homepage,
        "wit": info.wit,
        "source": source,
        "path": path,
        "features": info.features,
        "presets": plugin.presets(),
    })
}

/// What `check` found in one preset.
#[derive(Debug, Default)]
struct PresetReport {
    id: String,
    problems: Vec<String>,
    warnings: Vec<String>,
}

fn check(arguments: &CheckArgs, printer: &Printer) -> anyhow::Result<Outcome> {
    let host = crate::plugins::host()?;
    // The argument is documented as a path, so an existing file or directory wins over a
    // bundled id of the same name.
    let plugin = if Path::new(&arguments.plugin).exists() {
        load_path(&host, &arguments.plugin)?
    } else {
        crate::plugins::load(&host, &arguments.plugin).map_err(with_load_hints)?
    };
    let info = plugin.info();
    let origin = match &info.source {
        Source::Bundled => "built into sfiu".to_owned(),
        Source::Path(path) => format!("from `{}`", path.display()),
    };
    printer.status(format!(
        "checking plugin `{}` {} (WIT {}, {origin}) under the production limits",
        info.id, info.version, info.wit
    ));

    let (plugin_problems, plugin_warnings) = check_plugin(&plugin);
    let reports: Vec<PresetReport> = plugin
        .presets()
        .iter()
        .map(|preset| check_preset(&plugin, preset))
        .collect();
    let n_failed = reports
        .iter()
        .filter(|report| !report.problems.is_empty())
        .count();
    let is_ok = n_failed == 0 && plugin_problems.is_empty();

    if arguments.format == Format::Json {
        printer.json(&json!({
            "format_version": FORMAT_VERSION,
            "plugin": plugin_json(&plugin),
            "ok": is_ok,
            "problems": plugin_problems,
            "warnings": plugin_warnings,
            "presets": reports.iter().map(|report| json!({
                "id": report.id,
                "ok": report.problems.is_empty(),
                "problems": report.problems,
                "warnings": report.warnings,
            })).collect::<Vec<_>>(),
        }));
    } else {
        let plugin_report = PresetReport {
            id: "(plugin)".to_owned(),
            problems: plugin_problems.clone(),
            warnings: plugin_warnings,
        };
        let width = reports
            .iter()
            .map(|report| report.id.chars().count())
            .max()
            .unwrap_or(0);
        if !plugin_report.problems.is_empty() || !plugin_report.warnings.is_empty() {
            print_report(printer, &plugin_report, width);
        }
        for report in &reports {
            print_report(printer, report, width);
        }
    }

    let n_presets = reports.len();
    if is_ok {
        printer.success(format!(
            "plugin `{}` {}: {n_presets} {} resolved and validated",
            info.id,
            info.version,
            if n_presets == 1 { "preset" } else { "presets" }
        ));
        Ok(Outcome::Success)
    } else {
        let mut summary = format!("plugin `{}` {}: ", info.id, info.version);
        if !plugin_problems.is_empty() {
            summary.push_str("the plugin itself has problems; ");
        }
        summary.push_str(&format!("{n_failed} of {n_presets} presets have problems"));
        printer.status(summary);
        Ok(Outcome::ProblemsFound)
    }
}

fn print_report(printer: &Printer, report: &PresetReport, width: usize) {
    let status = if report.problems.is_empty() {
        printer.paint(Tone::Success, "ok     ")
    } else {
        printer.paint(Tone::Error, "problem")
    };
    let line = match report.problems.as_slice() {
        [only] => format!(
            "{:<width$} {only}",
            format!("{}:", report.id),
            width = width + 1
        ),
        _ => report.id.clone(),
    };
    printer.data(format!("{status} {line}"));
    if report.problems.len() > 1 {
        for problem in &report.problems {
            printer.data(format!("        - {problem}"));
        }
    }
    for warning in &report.warnings {
        printer.data(format!(
            "        {} {warning}",
            printer.paint(Tone::Warning, "warning:")
        ));
    }
}

/// Checks that span presets: how many presets claim to be the default, duplicate features.
fn check_plugin(plugin: &Plugin) -> (Vec<String>, Vec<String>) {
    let mut problems = Vec::new();
    let mut warnings = Vec::new();
    let defaults: Vec<String> = plugin
        .presets()
        .iter()
        .filter(|preset| preset.is_default)
        .map(|preset| format!("`{}`", preset.id))
        .collect();
    match defaults.len() {
        0 => warnings.push(
            "no preset is marked default, so sfiu proposes the first one; mark the \
             least-privilege preset `is-default`"
                .to_owned(),
        ),
        1 => {}
        _ => problems.push(format!(
            "presets {} are all marked default; mark exactly one",
            defaults.join(", ")
        )),
    }
    let features = &plugin.info().features;
    for (index, feature) in features.iter().enumerate() {
        if features[..index]
            .iter()
            .any(|earlier| earlier.id == feature.id)
        {
            problems.push(format!("feature `{}` is declared twice", feature.id));
        }
    }
    (problems, warnings)
}

/// Resolves one preset for an unknown org, then runs core validation on it as a spec
/// would see it, with every dangerous permission acknowledged (those are warnings here).
fn check_preset(plugin: &Plugin, preset: &PresetInfo) -> PresetReport {
    let mut report = PresetReport {
        id: preset.id.clone(),
        ..PresetReport::default()
    };
    let resolved = match plugin.resolve(&preset.id, &OrgFacts::default()) {
        Ok(resolved) => resolved,
        Err(error) => {
            report.problems.push(error.to_string());
            return report;
        }
    };
    report.warnings.extend(resolved.warnings.iter().cloned());

    let declared: Vec<&str> = plugin
        .info()
        .features
        .iter()
        .map(|feature| feature.id.as_str())
        .collect();
    let mut undeclared = BTreeSet::new();
    for provenance in resolved.requirements.provenance() {
        if let Need::WhenFeature(feature) = &provenance.need
            && !declared.contains(&feature.as_str())
        {
            undeclared.insert(feature.clone());
        }
    }
    for feature in undeclared {
        report.problems.push(format!(
            "a grant depends on feature `{feature}`, which the manifest does not declare"
        ));
    }

    match check_spec(plugin, preset, &resolved.requirements) {
        Ok(spec) => {
            let validation = sfiu_core::validate(&spec, &resolved.requirements);
            for issue in validation.issues {
                match (issue.severity, issue.code.as_str()) {
                    // A preset that honestly needs a full licence or a per-user connection
                    // is correct data; sfiu just cannot deploy it as a dedicated user.
                    (Severity::Warning, _)
                    | (
                        Severity::Error,
                        sfiu_core::codes::UNSUPPORTED_USER_SHAPE
                        | sfiu_core::codes::FULL_LICENSE_REQUIRED,
                    ) => report.warnings.push(issue.to_string()),
                    (Severity::Error, _) => report.problems.push(issue.to_string()),
                }
            }
        }
        Err(error) => report.problems.push(format!("{error:#}")),
    }
    report
}

/// The smallest valid spec that uses this preset and acknowledges its dangerous
/// permissions, so validation reports only what the plugin got wrong.
fn check_spec(
    plugin: &Plugin,
    preset: &PresetInfo,
    requirements: &Requirements,
) -> anyhow::Result<IntegrationSpec> {
    let toml = "id = \"plugin-check\"\n[user]\nusername = \"plugin-check@example.invalid\"\n\
                email = \"plugin-check@example.invalid\"\n";
    let mut spec = IntegrationSpec::from_toml_str(toml)
        .context("failed to build the spec used to validate presets")?;
    spec.plugin = Some(sfiu_core::PluginSpec {
        id: plugin.info().id.clone(),
        preset: preset.id.clone(),
        features: Vec::new(),
    });
    spec.acknowledge_dangerous = requirements
        .system_permissions
        .iter()
        .filter_map(|grant| sfiu_core::system_permission(&grant.name))
        .filter(|permission| permission.dangerous)
        .map(|permission| permission.api_name.to_owned())
        .collect();
    Ok(spec)
}

/// Loads a bundle from a path, with advice for the usual packaging mistakes.
fn load_path(host: &sfiu_plugin_host::Host, path: &str) -> anyhow::Result<Plugin> {
    host.load_path(Path::new(path))
        .with_context(|| format!("failed to load the plugin at `{path}`"))
        .map_err(with_load_hints)
}

/// Adds advice to the load errors a vendor is likely to meet while packaging.
fn with_load_hints(error: anyhow::Error) -> anyhow::Error {
    use sfiu_plugin_host::Error as HostError;

    let hints: Vec<String> = match error.downcast_ref::<HostError>() {
        Some(HostError::HashMismatch { .. }) => vec![
            "if you rebuilt `plugin.wasm` on purpose, put its new SHA-256 in `plugin.toml` \
             (`sha256sum plugin.wasm`); otherwise the file was swapped or corrupted"
                .to_owned(),
        ],
        Some(HostError::ForbiddenImport { .. }) => vec![
            "build for `wasm32-unknown-unknown` and wrap it with `wasm-tools component new`; \
             a `wasm32-wasip2` build imports WASI (see docs/plugins.md)"
                .to_owned(),
        ],
        Some(HostError::UnsupportedWit { .. } | HostError::WitMismatch { .. }) => vec![format!(
            "build against a supported `wit/` version ({}) and declare the same in `plugin.toml`",
            sfiu_plugin_host::SUPPORTED_WIT
                .iter()
                .map(|version| format!("`{version}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )],
        _ => Vec::new(),
    };
    if hints.is_empty() {
        return error;
    }
    let message = error.to_string();
    match error.downcast::<HostError>() {
        Ok(inner) => anyhow::Error::new(inner).context(Hinted::new(message, hints)),
        Err(error) => error,
    }
}
