//! Opening plugins for the runner: one host per process, the user's compile cache, and the
//! choice between a bundled plugin id and a vendor's `plugin.toml` or `.wasm` path.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use sfiu_plugin_host::{Host, HostConfig, Plugin};

/// A plugin host whose compile cache lives in the user's cache directory.
pub(crate) fn host() -> anyhow::Result<Host> {
    let config = HostConfig::with_user_cache(
        std::env::var_os("XDG_CACHE_HOME").map(PathBuf::from),
        std::env::var_os("HOME").map(PathBuf::from),
    );
    Host::new(config).context("failed to start the plugin host")
}

/// Loads a plugin given as a bundled id (`hubspot`) or a path (`./vendor/plugin.toml`).
pub(crate) fn load(host: &Host, reference: &str) -> anyhow::Result<Plugin> {
    let looks_like_path = reference.contains('/')
        || reference.contains('\\')
        || reference.ends_with(".toml")
        || reference.ends_with(".wasm")
        || Path::new(reference).is_dir();
    if looks_like_path {
        // A bundle folder stands for the `plugin.toml` inside it.
        let folder_manifest = Path::new(reference).join(sfiu_plugin_host::BUNDLE_MANIFEST);
        let path = if Path::new(reference).is_dir() {
            folder_manifest.as_path()
        } else {
            Path::new(reference)
        };
        host.load_path(path)
            .with_context(|| format!("failed to load the plugin at `{reference}`"))
    } else {
        host.load_bundled(reference).map_err(|error| {
            let ids = sfiu_plugin_host::bundled_ids();
            let suggestion = matches!(error, sfiu_plugin_host::Error::UnknownBundled { .. })
                .then(|| sfiu_core::closest(reference, ids.iter().copied()))
                .flatten();
            let error =
                anyhow::Error::new(error).context(format!("failed to load plugin `{reference}`"));
            match suggestion {
                Some(id) => error.context(crate::output::Hinted::new(
                    format!("no plugin `{reference}`"),
                    vec![format!(
                        "did you mean `{id}`? `sfiu plugin list` shows every plugin"
                    )],
                )),
                None => error,
            }
        })
    }
}
