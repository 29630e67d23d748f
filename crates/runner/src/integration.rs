//! Which integration a command works on: the plugin and preset, the optional spec file, and
//! the flags that stand in for a spec when there is none.
//!
//! The result is an [`IntegrationSpec`] (read from the file or built from the flags) plus the
//! loaded plugin. The plugin's requirements are resolved later, once the org's facts are
//! known, because a preset may depend on them (for example an installed package).

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use sfiu_core::{AppKind, AppSpec, CertificateSource, IntegrationSpec, PluginSpec};
use sfiu_plugin_host::{Plugin, PresetInfo};

use crate::output::with_hint;

/// Flags naming the integration, shared by `plan`, `apply`, `verify`, `runbook` and `audit`.
#[derive(Debug, Clone, Args)]
pub(crate) struct IntegrationArgs {
    /// Plugin: a bundled id (`hubspot`, `gong`) or a path to a vendor's `plugin.toml`.
    #[arg(long, value_name = "ID|PATH")]
    pub(crate) plugin: Option<String>,

    /// Preset within the plugin (default: the plugin's default preset).
    #[arg(long, value_name = "PRESET")]
    pub(crate) preset: Option<String>,

    /// Integration spec file (TOML, see docs/spec.md); flags below override nothing in it.
    #[arg(long, value_name = "FILE")]
    pub(crate) spec: Option<PathBuf>,

    /// Integration user's username, when there is no spec file (default: the user recorded
    /// in the output folder's runbook; on the simulated org, `integration-<plugin>@<the
    /// admin's domain>`).
    #[arg(long, value_name = "USERNAME")]
    pub(crate) username: Option<String>,

    /// Integration user's e-mail (a generic mailbox); defaults to the username.
    #[arg(long, value_name = "EMAIL")]
    pub(crate) email: Option<String>,

    /// Which kind of OAuth app to create when there is no spec file.
    #[arg(long, value_enum, value_name = "KIND")]
    pub(crate) app_kind: Option<AppKindArg>,

    /// The external system's own certificate (PEM) instead of a generated key pair.
    #[arg(long, value_name = "FILE")]
    pub(crate) certificate: Option<PathBuf>,
}

/// `--app-kind` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum AppKindArg {
    /// Keep an existing app's kind; otherwise try a Connected App and fall back to an External
    /// Client App when the org refuses new Connected Apps (the Spring '26 default).
    Auto,
    /// An External Client App.
    ExternalClientApp,
    /// A legacy Connected App.
    ConnectedApp,
}

impl From<AppKindArg> for AppKind {
    fn from(kind: AppKindArg) -> Self {
        match kind {
            AppKindArg::Auto => AppKind::Auto,
            AppKindArg::ExternalClientApp => AppKind::ExternalClientApp,
            AppKindArg::ConnectedApp => AppKind::ConnectedApp,
        }
    }
}

/// The integration a command works on.
pub(crate) struct Integration {
    /// The spec, from the file or built from flags.
    pub(crate) spec: IntegrationSpec,
    /// The loaded plugin, if the integration has one.
    pub(crate) plugin: Option<Plugin>,
    /// The preset to resolve.
    pub(crate) preset: Option<PresetInfo>,
    /// Where the spec came from, for messages.
    pub(crate) spec_origin: String,
    /// The spec file, when there is one (relative paths in it start from its folder).
    pub(crate) spec_path: Option<PathBuf>,
}

impl Integration {
    /// The vendor features whose grants the setup includes: those the spec switches on and
    /// those the plugin turns on by default; sorted, each once.
    pub(crate) fn enabled_features(&self) -> Vec<String> {
        let mut features: Vec<String> = self
            .spec
            .plugin
            .as_ref()
            .map(|plugin| plugin.features.clone())
            .unwrap_or_default();
        if let Some(plugin) = &self.plugin {
            features.extend(
                plugin
                    .info()
                    .features
                    .iter()
                    .filter(|feature| feature.default_on)
                    .map(|feature| feature.id.clone()),
            );
        }
        features.sort();
        features.dedup();
        features
    }
}

/// Reads the spec (or builds one from flags) and loads the plugin.
///
/// `default_domain` is the e-mail domain for a default username, when one is known (the
/// simulated org's admin domain).
pub(crate) fn load(
    arguments: &IntegrationArgs,
    default_domain: Option<&str>,
    out: &std::path::Path,
) -> anyhow::Result<Integration> {
    let from_file = match &arguments.spec {
        Some(path) => Some(crate::commands::spec::load(path)?),
        None => None,
    };
    let file_plugin = from_file.as_ref().and_then(|spec| spec.plugin.as_ref());
    let plugin_reference = arguments
        .plugin
        .clone()
        .or_else(|| file_plugin.map(|plugin| plugin.id.clone()));
    if from_file.is_none() && plugin_reference.is_none() {
        return Err(with_hint(
            "no integration given",
            "pass `--plugin hubspot` (see `sfiu plugin list`) or `--spec FILE`",
        ));
    }
    let plugin = match &plugin_reference {
        Some(reference) => Some(crate::plugins::load(&crate::plugins::host()?, reference)?),
        None => None,
    };
    // A spec names its plugin; a `--plugin` flag naming another one is a mistake, not an
    // override, since the spec's grants and names were written for its own plugin.
    if let (Some(file_plugin), Some(plugin)) = (file_plugin, &plugin)
        && !file_plugin.id.eq_ignore_ascii_case(&plugin.info().id)
    {
        return Err(with_hint(
            format!(
                "the spec is for plugin `{}`, but `--plugin` loads plugin `{}`",
                file_plugin.id,
                plugin.info().id
            ),
            "drop `--plugin`, or use it only to point at the spec's own plugin as a bundle path",
        ));
    }

    let (mut spec, spec_origin) = match (from_file, &arguments.spec) {
        (Some(spec), Some(path)) => (spec, format!("`{}`", path.display())),
        _ => {
            // The integration id is the plugin's own id, whatever file it was loaded from.
            let id = plugin.as_ref().map_or_else(
                || "integration".to_owned(),
                |plugin| plugin.info().id.clone(),
            );
            (
                spec_from_flags(arguments, &id, default_domain, out)?,
                "command-line flags".to_owned(),
            )
        }
    };
    if let (Some(certificate), None) = (&arguments.certificate, &arguments.spec) {
        spec.certificate = CertificateSource::File {
            path: certificate.display().to_string(),
        };
    }

    let Some(plugin) = plugin else {
        return Ok(Integration {
            spec,
            plugin: None,
            preset: None,
            spec_origin,
            spec_path: arguments.spec.clone(),
        });
    };

    let wanted = arguments
        .preset
        .clone()
        .or_else(|| spec.plugin.as_ref().map(|plugin| plugin.preset.clone()));
    let preset = match wanted {
        Some(id) => plugin
            .presets()
            .iter()
            .find(|preset| preset.id == id)
            .cloned()
            .ok_or_else(|| {
                let known: Vec<&str> = plugin
                    .presets()
                    .iter()
                    .map(|preset| preset.id.as_str())
                    .collect();
                with_hint(
                    format!("plugin `{}` has no preset `{id}`", plugin.info().id),
                    format!("its presets are: {}", known.join(", ")),
                )
            })?,
        None => plugin.default_preset().cloned().ok_or_else(|| {
            with_hint(
                format!("plugin `{}` declares no default preset", plugin.info().id),
                "choose one with `--preset`; `sfiu plugin show` lists them",
            )
        })?,
    };
    let features = spec
        .plugin
        .as_ref()
        .map(|plugin| plugin.features.clone())
        .unwrap_or_default();
    spec.plugin = Some(PluginSpec {
        id: plugin.info().id.clone(),
        preset: preset.id.clone(),
        features,
    });
    Ok(Integration {
        spec,
        plugin: Some(plugin),
        preset: Some(preset),
        spec_origin,
        spec_path: arguments.spec.clone(),
    })
}

fn spec_from_flags(
    arguments: &IntegrationArgs,
    id: &str,
    default_domain: Option<&str>,
    out: &std::path::Path,
) -> anyhow::Result<IntegrationSpec> {
    // An earlier apply recorded the user in its runbook; later commands run from the same
    // folder need not repeat `--username`.
    let recorded = fs_err::read_to_string(out.join(id).join("runbook.json"))
        .ok()
        .and_then(|text| serde_json::from_str::<sfiu_runbook::Runbook>(&text).ok())
        .map(|runbook| (runbook.user.username, runbook.user.email));
    let recorded_email = recorded.as_ref().map(|(_, email)| email.clone());
    let username = match (&arguments.username, recorded, default_domain) {
        (Some(username), _, _) => username.clone(),
        (None, Some((username, _)), _) => username,
        (None, None, Some(domain)) => format!("integration-{id}@{domain}"),
        (None, None, None) => {
            return Err(with_hint(
                "no username for the integration user",
                "pass `--username integration-<name>@your-company.example` (usernames are \
                 unique across all Salesforce orgs), or use `--spec FILE`",
            ));
        }
    };
    let email = arguments
        .email
        .clone()
        .or(recorded_email.filter(|_| arguments.username.is_none()))
        .unwrap_or_else(|| username.clone());
    let toml = format!("id = {id:?}\n[user]\nusername = {username:?}\nemail = {email:?}\n");
    let mut spec = IntegrationSpec::from_toml_str(&toml)?;
    spec.app = AppSpec {
        kind: arguments.app_kind.map_or(AppKind::Auto, AppKind::from),
        ..spec.app
    };
    Ok(spec)
}
