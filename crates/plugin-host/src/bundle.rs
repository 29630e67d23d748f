//! Plugin bundles on disk: `plugin.wasm` beside a `plugin.toml` that pins its SHA-256.
//!
//! The manifest is read and the hash checked before wasmtime sees a single byte, so a
//! swapped or corrupted wasm file is refused with both hashes in the message.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::{Error, Result, WitVersion};

/// File name of the bundle manifest.
pub const BUNDLE_MANIFEST: &str = "plugin.toml";
/// Default file name of the component in a bundle.
pub const BUNDLE_WASM: &str = "plugin.wasm";

/// The contents of `plugin.toml`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BundleManifest {
    /// Plugin id; must equal the id the component's manifest reports.
    pub id: String,
    /// The plugin's own version; must equal the component's.
    pub version: String,
    /// The `sfiu:integration` version the component exports, e.g. `0.1.0`.
    pub wit: String,
    /// The oldest sfiu that can load the plugin.
    pub min_sfiu: String,
    /// Lower-case hex SHA-256 of the wasm file.
    pub sha256: String,
    /// The wasm file, relative to the manifest; `plugin.wasm` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wasm: Option<String>,
    /// Reserved for a detached signature. This version verifies none, so it refuses a bundle
    /// that carries one rather than pretend to have checked it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
}

/// A plugin read from disk, its hash already checked.
#[derive(Debug, Clone)]
pub struct Bundle {
    /// The manifest, absent for a bare `.wasm` file.
    pub manifest: Option<BundleManifest>,
    /// Path of the wasm file.
    pub wasm_path: PathBuf,
    /// The wasm bytes.
    pub wasm: Vec<u8>,
}

impl Bundle {
    /// Reads a bundle from `path`: a `plugin.toml`, a directory holding one, or a bare
    /// `.wasm` file (for development; nothing is pinned then).
    ///
    /// # Errors
    /// Unreadable files, a malformed or invalid manifest, a signature (unsupported), a hash
    /// mismatch, or a minimum tool version newer than this one.
    pub fn open(path: &Path) -> Result<Self> {
        let manifest_path = if path.is_dir() {
            path.join(BUNDLE_MANIFEST)
        } else {
            path.to_owned()
        };
        if manifest_path
            .extension()
            .is_some_and(|extension| extension == "wasm")
        {
            let wasm = read(&manifest_path)?;
            return Ok(Self {
                manifest: None,
                wasm_path: manifest_path,
                wasm,
            });
        }

        let text = fs_err::read_to_string(&manifest_path).map_err(|source| Error::Io {
            path: manifest_path.clone(),
            source,
        })?;
        let manifest: BundleManifest =
            toml::from_str(&text).map_err(|source| Error::BundleManifest {
                path: manifest_path.clone(),
                source,
            })?;
        check_manifest(&manifest_path, &manifest)?;

        let directory = manifest_path.parent().unwrap_or(Path::new("."));
        let wasm_name = manifest.wasm.as_deref().unwrap_or(BUNDLE_WASM);
        let wasm_path = directory.join(wasm_name);
        let wasm = read(&wasm_path)?;
        let actual = sha256_hex(&wasm);
        if actual != manifest.sha256 {
            return Err(Error::HashMismatch {
                plugin: manifest.id,
                path: wasm_path,
                expected: manifest.sha256,
                actual,
            });
        }
        Ok(Self {
            manifest: Some(manifest),
            wasm_path,
            wasm,
        })
    }

    /// Writes `wasm` and a matching `plugin.toml` into `directory`, and returns the path of
    /// the manifest. Used to package a plugin and by tests.
    ///
    /// # Errors
    /// [`Error::Io`] if a file cannot be written.
    pub fn write(
        directory: &Path,
        id: &str,
        version: &str,
        wit: WitVersion,
        wasm: &[u8],
    ) -> Result<PathBuf> {
        let manifest = BundleManifest {
            id: id.to_owned(),
            version: version.to_owned(),
            wit: wit.as_str().to_owned(),
            min_sfiu: env!("CARGO_PKG_VERSION").to_owned(),
            sha256: sha256_hex(wasm),
            wasm: None,
            signature: None,
        };
        let text = toml::to_string(&manifest)
            .map_err(|error| Error::Engine(format!("failed to encode plugin.toml: {error}")))?;
        let wasm_path = directory.join(BUNDLE_WASM);
        fs_err::write(&wasm_path, wasm).map_err(|source| Error::Io {
            path: wasm_path,
            source,
        })?;
        let manifest_path = directory.join(BUNDLE_MANIFEST);
        fs_err::write(&manifest_path, text).map_err(|source| Error::Io {
            path: manifest_path.clone(),
            source,
        })?;
        Ok(manifest_path)
    }

    /// A label for messages before the component has told its id: the bundle id, else the
    /// file name without extension.
    pub fn label(&self) -> String {
        match &self.manifest {
            Some(manifest) => manifest.id.clone(),
            None => self.wasm_path.file_stem().map_or_else(
                || "plugin".to_owned(),
                |stem| stem.to_string_lossy().into_owned(),
            ),
        }
    }
}

/// Lower-case hex SHA-256 of `bytes`.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn read(path: &Path) -> Result<Vec<u8>> {
    fs_err::read(path).map_err(|source| Error::Io {
        path: path.to_owned(),
        source,
    })
}

fn check_manifest(path: &Path, manifest: &BundleManifest) -> Result<()> {
    let invalid = |message: String| Error::InvalidBundle {
        path: path.to_owned(),
        message,
    };
    if let Err(reason) = sfiu_core::check_integration_id(&manifest.id) {
        return Err(invalid(format!("id `{}` {reason}", manifest.id)));
    }
    if manifest.sha256.len() != 64
        || !manifest
            .sha256
            .bytes()
            .all(|byte| matches!(byte, b'0'..=b'9' | b'a'..=b'f'))
    {
        return Err(invalid(format!(
            "sha256 `{}` is not 64 lower-case hex digits",
            manifest.sha256
        )));
    }
    if manifest.signature.is_some() {
        return Err(invalid(
            "it carries a `signature`, which this sfiu cannot verify yet".to_owned(),
        ));
    }
    if let Some(wasm) = &manifest.wasm
        && (wasm.contains('/') || wasm.contains('\\') || wasm.starts_with('.'))
    {
        return Err(invalid(format!(
            "wasm `{wasm}` must be a file name beside plugin.toml"
        )));
    }
    let Some(required) = parse_version(&manifest.min_sfiu) else {
        return Err(invalid(format!(
            "min_sfiu `{}` is not a version",
            manifest.min_sfiu
        )));
    };
    let current = env!("CARGO_PKG_VERSION");
    if parse_version(current).is_some_and(|current| required > current) {
        return Err(Error::ToolTooOld {
            plugin: manifest.id.clone(),
            required: manifest.min_sfiu.clone(),
            current: current.to_owned(),
        });
    }
    Ok(())
}

/// `major.minor.patch` as numbers; pre-release suffixes are not accepted.
fn parse_version(text: &str) -> Option<(u64, u64, u64)> {
    let mut parts = text.split('.').map(|part| part.parse::<u64>().ok());
    let version = (parts.next()??, parts.next()??, parts.next()??);
    parts.next().is_none().then_some(version)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_plain_versions_only() {
        assert_eq!(parse_version("0.1.0"), Some((0, 1, 0)));
        assert_eq!(parse_version("10.20.30"), Some((10, 20, 30)));
        assert_eq!(parse_version("0.1"), None);
        assert_eq!(parse_version("0.1.0.1"), None);
        assert_eq!(parse_version("0.1.0-beta"), None);
    }
}
