//! Sandboxed wasmtime host for sfiu integration plugins.
//!
//! A plugin is a WebAssembly component that exports the versioned `sfiu:integration` WIT
//! interface (`wit/0.1.0/`): a manifest, its presets, and the requirements of a preset for a
//! given org. Plugins are pure data functions; the host links nothing into them, runs each
//! call in a fresh store under fuel, time, memory and stack limits, and converts the answer
//! into [`sfiu_core::Requirements`], validated before anyone sees it.
//!
//! This crate does not print, read configuration or talk to Salesforce; the runner does.
//! Main types: [`Host`] (engine, limits, compile cache), [`Plugin`] (one loaded component),
//! [`Bundle`] (`plugin.wasm` + `plugin.toml` on disk), [`Resolved`] (a preset's checked
//! requirements) and [`Error`].
//!
//! ```no_run
//! use sfiu_plugin_host::{Host, HostConfig, OrgFacts};
//!
//! let host = Host::new(HostConfig::default())?;
//! let hubspot = host.load_bundled("hubspot")?;
//! let resolved = hubspot.resolve("bidirectional-sync", &OrgFacts::default())?;
//! assert!(resolved.requirements.object("Contact").is_some());
//! # Ok::<(), sfiu_plugin_host::Error>(())
//! ```

mod bundle;
mod bundled;
mod cache;
mod convert;
mod error;
mod host;
mod plugin;
mod sandbox;
mod wit;

pub use bundle::{BUNDLE_MANIFEST, BUNDLE_WASM, Bundle, BundleManifest};
pub use bundled::{bundled_bytes, bundled_ids, bundled_missing};
pub use convert::{LicenseVerdict, OutputLimits, PackageInfo, Resolved};
pub use error::{Error, LimitKind, Result};
pub use host::{Host, HostConfig, Limits};
pub use plugin::{Feature, OrgFacts, Plugin, PluginInfo, PresetInfo, Source};
pub use wit::{SUPPORTED_WIT, WitVersion};
