//! Loading a component into a [`Plugin`]: compile (or load from cache), refuse forbidden
//! imports and unsupported interface versions, then ask for the manifest and presets once.

use std::path::{Path, PathBuf};

use serde::Serialize;
use wasmtime::component::{Component, Linker};

use crate::bundle::Bundle;
use crate::convert::{self, Resolved};
use crate::sandbox::{self, State};
use crate::wit::{self, v0_1};
use crate::{Error, Host, Result, SUPPORTED_WIT, WitVersion, bundled};

/// Imports a plugin may have: the types-only interface, which needs nothing from the host.
const ALLOWED_IMPORT_PREFIX: &str = "sfiu:integration/types@";
/// Prefix of the exported interface, before its version.
const EXPORT_PREFIX: &str = "sfiu:integration/plugin@";

/// Where a plugin came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    /// Built into this binary.
    Bundled,
    /// Loaded from this file.
    Path(PathBuf),
}

impl std::fmt::Display for Source {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Bundled => formatter.write_str("bundled"),
            Self::Path(path) => write!(formatter, "{}", path.display()),
        }
    }
}

/// An optional part of the integration that changes what it needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Feature {
    /// Feature id, e.g. `timeline-sync`.
    pub id: String,
    /// Short label.
    pub label: String,
    /// One sentence.
    pub description: String,
    /// Whether the vendor turns it on by default.
    pub default_on: bool,
}

/// Who a plugin is, from its manifest, plus where it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PluginInfo {
    /// Plugin id, e.g. `hubspot`.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Vendor.
    pub vendor: String,
    /// The plugin's own version.
    pub version: String,
    /// Vendor documentation, if given.
    pub homepage: Option<String>,
    /// The interface version it exports.
    pub wit: String,
    /// Bundled or a path.
    pub source: Source,
    /// Its optional features.
    pub features: Vec<Feature>,
}

/// A preset as the plugin lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PresetInfo {
    /// Preset id, e.g. `bidirectional-sync`.
    pub id: String,
    /// Short label.
    pub label: String,
    /// One or two sentences.
    pub description: String,
    /// Whether this is the preset proposed when none is named.
    pub is_default: bool,
}

/// What the host knows about the target org, handed to the plugin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrgFacts {
    /// REST API version, e.g. `66.0`.
    pub api_version: String,
    /// Organization edition, when known.
    pub edition: Option<String>,
    /// Installed managed-package namespaces; empty when unknown.
    pub installed_namespaces: Vec<String>,
    /// sObject API names the org offers; empty when unknown.
    pub available_objects: Vec<String>,
}

impl Default for OrgFacts {
    /// An org nothing is known about yet (offline `plugin show`).
    fn default() -> Self {
        Self {
            api_version: "66.0".to_owned(),
            edition: None,
            installed_namespaces: Vec::new(),
            available_objects: Vec::new(),
        }
    }
}

/// A loaded, checked plugin. Calls run in a fresh sandbox each time.
#[derive(Clone)]
pub struct Plugin {
    host: Host,
    pre: v0_1::IntegrationPre<State>,
    info: PluginInfo,
    presets: Vec<PresetInfo>,
}

impl std::fmt::Debug for Plugin {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Plugin")
            .field("info", &self.info)
            .field("presets", &self.presets)
            .finish_non_exhaustive()
    }
}

impl Host {
    /// Loads a bundled plugin by id.
    ///
    /// # Errors
    /// [`Error::UnknownBundled`] for an id not built in, or any load error.
    pub fn load_bundled(&self, id: &str) -> Result<Plugin> {
        let bytes = bundled::bundled_bytes(id).ok_or_else(|| Error::UnknownBundled {
            id: id.to_owned(),
            available: bundled::bundled_ids().join(", "),
        })?;
        self.load_bytes(id, bytes, Source::Bundled)
    }

    /// Loads a bundle (`plugin.toml`, its directory, or a bare `.wasm`) from `path`.
    ///
    /// # Errors
    /// Any bundle error (see [`Bundle::open`]) or load error; a component whose manifest id,
    /// version or interface version differs from `plugin.toml` is refused.
    pub fn load_path(&self, path: &Path) -> Result<Plugin> {
        let bundle = Bundle::open(path)?;
        self.load_bundle(&bundle)
    }

    /// Loads an already opened bundle.
    ///
    /// # Errors
    /// See [`Host::load_path`].
    pub fn load_bundle(&self, bundle: &Bundle) -> Result<Plugin> {
        let plugin = self.load_bytes(
            &bundle.label(),
            &bundle.wasm,
            Source::Path(bundle.wasm_path.clone()),
        )?;
        if let Some(manifest) = &bundle.manifest {
            let mismatch = |field: &str, declared: &str, actual: &str| Error::InvalidOutput {
                plugin: manifest.id.clone(),
                problems: vec![format!(
                    "plugin.toml says {field} `{declared}` but the component says `{actual}`"
                )],
            };
            if manifest.id != plugin.info.id {
                return Err(mismatch("id", &manifest.id, &plugin.info.id));
            }
            if manifest.version != plugin.info.version {
                return Err(mismatch("version", &manifest.version, &plugin.info.version));
            }
            if !SUPPORTED_WIT.iter().any(|version| {
                version.matches(&manifest.wit) && version.as_str() == plugin.info.wit
            }) {
                return Err(Error::WitMismatch {
                    plugin: manifest.id.clone(),
                    declared: manifest.wit.clone(),
                    actual: plugin.info.wit.clone(),
                });
            }
        }
        Ok(plugin)
    }

    /// Loads a component from bytes; `label` names it in errors until its manifest is read.
    ///
    /// # Errors
    /// [`Error::Malformed`], [`Error::ForbiddenImport`], [`Error::UnsupportedWit`],
    /// [`Error::NotAPlugin`], a trap while reading the manifest, or an invalid manifest.
    pub fn load_bytes(&self, label: &str, wasm: &[u8], source: Source) -> Result<Plugin> {
        let engine = &self.inner.engine;
        let component = crate::cache::compile(engine, self.cache_dir(), wasm, label)?;
        check_imports(engine, &component, label)?;
        let version = detect_version(engine, &component, label)?;
        let pre = match version {
            WitVersion::V0_1 => {
                let linker = Linker::<State>::new(engine);
                let instance_pre =
                    linker
                        .instantiate_pre(&component)
                        .map_err(|error| Error::Runtime {
                            plugin: label.to_owned(),
                            message: format!("{error:#}"),
                        })?;
                v0_1::IntegrationPre::new(instance_pre).map_err(|error| Error::Runtime {
                    plugin: label.to_owned(),
                    message: format!("{error:#}"),
                })?
            }
        };

        let (manifest, presets) = sandbox::call(self, &pre, label, |store, integration| {
            let plugin = integration.sfiu_integration_plugin();
            let manifest = plugin.call_manifest(&mut *store)?;
            let presets = plugin.call_presets(&mut *store)?;
            Ok((manifest, presets))
        })?;
        let (info, presets) = convert::manifest(label, version, source, manifest, presets)?;
        tracing::debug!(plugin = %info.id, version = %info.version, wit = %info.wit, "plugin loaded");
        Ok(Plugin {
            host: self.clone(),
            pre,
            info,
            presets,
        })
    }
}

impl Plugin {
    /// Who the plugin is.
    pub fn info(&self) -> &PluginInfo {
        &self.info
    }

    /// Its presets, as it listed them.
    pub fn presets(&self) -> &[PresetInfo] {
        &self.presets
    }

    /// The preset proposed when the admin names none: the one marked default, else the
    /// first.
    pub fn default_preset(&self) -> Option<&PresetInfo> {
        self.presets
            .iter()
            .find(|preset| preset.is_default)
            .or_else(|| self.presets.first())
    }

    /// Asks the plugin what `preset` needs in `org`, converts the answer into
    /// [`sfiu_core::Requirements`] and checks it.
    ///
    /// # Errors
    /// [`Error::UnknownPreset`] (checked before calling and again from the plugin's answer),
    /// [`Error::Trapped`] when a limit stops it, [`Error::UnsupportedOrg`],
    /// [`Error::PluginReported`], or [`Error::InvalidOutput`] listing every problem.
    pub fn resolve(&self, preset: &str, org: &OrgFacts) -> Result<Resolved> {
        self.resolve_inner(preset, org, None)
    }

    /// Like [`Plugin::resolve`], keeping feature-gated grants only for the features listed
    /// (the spec's `plugin.features`). [`Plugin::resolve`] keeps every feature's grants,
    /// which suits showing a preset; this suits deploying one.
    ///
    /// # Errors
    /// As [`Plugin::resolve`].
    pub fn resolve_with_features(
        &self,
        preset: &str,
        org: &OrgFacts,
        features: &[String],
    ) -> Result<Resolved> {
        self.resolve_inner(preset, org, Some(features))
    }

    fn resolve_inner(
        &self,
        preset: &str,
        org: &OrgFacts,
        features: Option<&[String]>,
    ) -> Result<Resolved> {
        let unknown = || Error::UnknownPreset {
            plugin: self.info.id.clone(),
            preset: preset.to_owned(),
            available: self
                .presets
                .iter()
                .map(|preset| preset.id.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        };
        if !self.presets.iter().any(|known| known.id == preset) {
            return Err(unknown());
        }

        let facts = v0_1::sfiu::integration::types::OrgFacts {
            api_version: org.api_version.clone(),
            edition: org.edition.clone(),
            installed_namespaces: org.installed_namespaces.clone(),
            available_objects: org.available_objects.clone(),
        };
        let answer = sandbox::call(
            &self.host,
            &self.pre,
            &self.info.id,
            |store, integration| {
                integration
                    .sfiu_integration_plugin()
                    .call_requirements(store, preset, &facts)
            },
        )?;
        match answer {
            Ok(set) => convert::requirements(&self.info.id, preset, set, features),
            Err(v0_1::sfiu::integration::types::PluginError::UnknownPreset(_)) => Err(unknown()),
            Err(v0_1::sfiu::integration::types::PluginError::UnsupportedOrg(reason)) => {
                Err(Error::UnsupportedOrg {
                    plugin: self.info.id.clone(),
                    reason: clip(reason),
                })
            }
            Err(v0_1::sfiu::integration::types::PluginError::Internal(message)) => {
                Err(Error::PluginReported {
                    plugin: self.info.id.clone(),
                    message: clip(message),
                })
            }
        }
    }
}

/// Keeps a plugin's free text short enough for one error line.
fn clip(mut text: String) -> String {
    const MAX: usize = 500;
    if text.len() > MAX {
        let mut end = MAX;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
        text.push('…');
    }
    text
}

fn check_imports(engine: &wasmtime::Engine, component: &Component, plugin: &str) -> Result<()> {
    for (name, _) in component.component_type().imports(engine) {
        if !name.starts_with(ALLOWED_IMPORT_PREFIX) {
            return Err(Error::ForbiddenImport {
                plugin: plugin.to_owned(),
                import: name.to_owned(),
            });
        }
    }
    Ok(())
}

fn detect_version(
    engine: &wasmtime::Engine,
    component: &Component,
    plugin: &str,
) -> Result<WitVersion> {
    for version in SUPPORTED_WIT {
        if component
            .get_export_index(None, version.export_name())
            .is_some()
        {
            return Ok(*version);
        }
    }
    let found = component
        .component_type()
        .exports(engine)
        .find_map(|(name, _)| name.strip_prefix(EXPORT_PREFIX).map(str::to_owned));
    match found {
        Some(found) => Err(Error::UnsupportedWit {
            plugin: plugin.to_owned(),
            found,
            supported: wit::supported_text(),
        }),
        None => Err(Error::NotAPlugin {
            plugin: plugin.to_owned(),
        }),
    }
}
