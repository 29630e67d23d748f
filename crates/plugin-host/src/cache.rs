//! Compiled-component cache: compiling costs tens of milliseconds in release (and about a
//! second in a debug build), loading a precompiled artifact well under one.
//!
//! Entries live in `<cache dir>/components/<engine key>/<wasm SHA-256>.cwasm`. The engine key
//! hashes wasmtime's own compatibility hash (wasmtime version, target, compiler flags,
//! tunables such as fuel, epochs and the stack cap), so a different engine never reads
//! another's artifacts. Writes go to a temporary file that is renamed into place.

use std::hash::Hasher;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use wasmtime::Engine;
use wasmtime::component::Component;

use crate::bundle::sha256_hex;
use crate::{Error, Result};

/// Feeds `std::hash::Hash` output into SHA-256, which is stable across Rust releases.
struct Sha256Hasher(Sha256);

impl Hasher for Sha256Hasher {
    fn finish(&self) -> u64 {
        0
    }

    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }
}

/// The directory for artifacts of this engine configuration.
fn engine_directory(engine: &Engine, cache_dir: &Path) -> PathBuf {
    let mut hasher = Sha256Hasher(Sha256::new());
    std::hash::Hash::hash(&engine.precompile_compatibility_hash(), &mut hasher);
    let key = hex::encode(hasher.0.finalize());
    cache_dir.join("components").join(&key[..16])
}

/// Compiles `wasm`, or loads it from the cache when an artifact for the same bytes and
/// engine exists. Cache problems only cost speed: they are logged and compilation goes on.
pub(crate) fn compile(
    engine: &Engine,
    cache_dir: Option<&Path>,
    wasm: &[u8],
    plugin: &str,
) -> Result<Component> {
    let Some(cache_dir) = cache_dir else {
        return compile_fresh(engine, wasm, plugin);
    };
    let directory = engine_directory(engine, cache_dir);
    let artifact = directory.join(format!("{}.cwasm", sha256_hex(wasm)));

    if artifact.is_file() {
        match load_artifact(engine, &artifact) {
            Ok(component) => {
                tracing::debug!(plugin, path = %artifact.display(), "loaded cached component");
                return Ok(component);
            }
            Err(error) => {
                tracing::debug!(plugin, path = %artifact.display(), %error, "cache entry unusable");
            }
        }
    }

    let component = compile_fresh(engine, wasm, plugin)?;
    if let Err(error) = store_artifact(&component, &directory, &artifact) {
        tracing::warn!(plugin, path = %artifact.display(), %error, "could not cache component");
    }
    Ok(component)
}

fn compile_fresh(engine: &Engine, wasm: &[u8], plugin: &str) -> Result<Component> {
    // Say plainly when the file is not WebAssembly at all, instead of the parser's bytes.
    if !wasm.starts_with(b"\0asm") {
        return Err(Error::Malformed {
            plugin: plugin.to_owned(),
            message: "the file does not start with the WebAssembly magic number `\\0asm`; \
                      give the plugin's `.wasm` component or its `plugin.toml`"
                .to_owned(),
        });
    }
    Component::new(engine, wasm).map_err(|error| Error::Malformed {
        plugin: plugin.to_owned(),
        message: format!("{error:#}"),
    })
}

#[expect(
    unsafe_code,
    reason = "deserialising a precompiled component is unsafe in wasmtime"
)]
fn load_artifact(engine: &Engine, artifact: &Path) -> wasmtime::Result<Component> {
    // SAFETY: wasmtime requires that the file was produced by `Component::serialize` of a
    // compatible engine. Only this module writes into the cache directory, which it creates
    // private to the user; the file name is the SHA-256 of the wasm it was compiled from and
    // the directory name is derived from this engine's compatibility hash, so a file here is
    // one we serialised for these exact bytes and settings. Wasmtime itself still rejects
    // artifacts from another version or configuration.
    unsafe { Component::deserialize_file(engine, artifact) }
}

fn store_artifact(component: &Component, directory: &Path, artifact: &Path) -> Result<()> {
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| Error::Io { path, source }
    };
    fs_err::create_dir_all(directory).map_err(io(directory))?;
    restrict(directory)?;
    let bytes = component
        .serialize()
        .map_err(|error| Error::Engine(format!("failed to serialise a component: {error:#}")))?;
    let temporary = artifact.with_extension(format!("tmp{}", std::process::id()));
    fs_err::write(&temporary, bytes).map_err(io(&temporary))?;
    fs_err::rename(&temporary, artifact).map_err(io(artifact))?;
    Ok(())
}

/// Makes the cache directory private to the user, because artifacts are trusted code.
#[cfg(unix)]
fn restrict(directory: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    fs_err::set_permissions(directory, std::fs::Permissions::from_mode(0o700)).map_err(|source| {
        Error::Io {
            path: directory.to_owned(),
            source,
        }
    })
}

#[cfg(not(unix))]
fn restrict(_directory: &Path) -> Result<()> {
    Ok(())
}
