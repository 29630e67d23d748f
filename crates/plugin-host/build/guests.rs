//! Builds plugin guest crates for wasm from a build script, shared by the plugin host (the
//! official plugins) and `sfiu-test-plugins` (the test plugins) through `#[path]`.
//!
//! A nested `$CARGO build` with its own target directory and a scrubbed environment, as
//! `shared/reference/build.md` §2 records: the same target directory deadlocks on cargo's
//! lock, and flags or wrappers meant for the host (clippy, coverage) break a wasm build.

use std::env;
use std::error::Error;
use std::path::{Path, PathBuf};
use std::process::Command;

/// One guest crate to build.
pub(crate) struct Guest<'a> {
    /// Cargo package name, e.g. `sfiu-plugin-hubspot`.
    pub(crate) package: &'a str,
    /// Directory of the package, relative to the workspace root.
    pub(crate) directory: &'a str,
}

/// Why a guest build could not even start (as opposed to failing to compile).
pub(crate) struct Unavailable(pub(crate) String);

/// The workspace root, two levels above the package that runs the build script.
pub(crate) fn workspace_root(levels: usize) -> PathBuf {
    let mut root = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    for _ in 0..levels {
        root.pop();
    }
    root
}

/// Asks cargo to rerun the build script when a guest, the WIT, the lockfile or the set of
/// installed targets changes.
pub(crate) fn watch(root: &Path, guests: &[Guest<'_>]) {
    for guest in guests {
        println!(
            "cargo:rerun-if-changed={}",
            root.join(guest.directory).join("src").display()
        );
        println!(
            "cargo:rerun-if-changed={}",
            root.join(guest.directory).join("Cargo.toml").display()
        );
        let wit = root.join(guest.directory).join("wit");
        if wit.exists() {
            println!("cargo:rerun-if-changed={}", wit.display());
        }
    }
    println!("cargo:rerun-if-changed={}", root.join("wit").display());
    println!(
        "cargo:rerun-if-changed={}",
        root.join("Cargo.lock").display()
    );
    // Installing a wasm target adds a directory here, which makes the build script rerun.
    if let Some(rustlib) = sysroot().map(|sysroot| sysroot.join("lib").join("rustlib")) {
        println!("cargo:rerun-if-changed={}", rustlib.display());
    }
}

/// Builds `guests` for `target` in one cargo call and returns each one's core module or
/// component path, in the order given.
pub(crate) fn build(
    root: &Path,
    guests: &[Guest<'_>],
    target: &str,
) -> Result<Result<Vec<PathBuf>, Unavailable>, Box<dyn Error>> {
    if !is_target_installed(target) {
        return Ok(Err(Unavailable(format!(
            "the Rust target `{target}` is not installed; run `rustup target add {target}`"
        ))));
    }

    let target_dir = env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
        .join("guest");
    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .current_dir(root)
        .arg("build")
        .arg("--manifest-path")
        .arg(root.join("Cargo.toml"))
        .args([
            "--target",
            target,
            "--profile",
            "release-wasm",
            "--locked",
            "--quiet",
        ])
        .arg("--target-dir")
        .arg(&target_dir);
    for guest in guests {
        command.args(["-p", guest.package]);
    }
    scrub(&mut command);

    let output = command.output()?;
    if !output.status.success() {
        return Err(format!(
            "building the wasm guests failed ({}):\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        )
        .into());
    }
    Ok(Ok(guests
        .iter()
        .map(|guest| {
            target_dir
                .join(target)
                .join("release-wasm")
                .join(format!("{}.wasm", guest.package.replace('-', "_")))
        })
        .collect()))
}

/// Wraps a core module built for `wasm32-unknown-unknown` as a component; wit-bindgen has
/// already embedded the component type.
pub(crate) fn encode_component(module: &[u8]) -> Result<Vec<u8>, Box<dyn Error>> {
    let component = wit_component::ComponentEncoder::default()
        .module(module)
        .map_err(|error| format!("{error:#}"))?
        .validate(true)
        .encode()
        .map_err(|error| format!("{error:#}"))?;
    Ok(component)
}

/// Removes what the outer cargo set for the host build and must not leak into the guests'.
fn scrub(command: &mut Command) {
    const EXACT: &[&str] = &[
        "RUSTFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
        "RUSTDOCFLAGS",
        "CARGO_ENCODED_RUSTDOCFLAGS",
        "RUSTC_WRAPPER",
        "RUSTC_WORKSPACE_WRAPPER",
        "CARGO_TARGET_DIR",
        "CARGO_PRIMARY_PACKAGE",
        "CARGO_INCREMENTAL",
        "OUT_DIR",
        "TARGET",
        "HOST",
        "PROFILE",
        "OPT_LEVEL",
        "DEBUG",
        "NUM_JOBS",
        "RUSTC_LINKER",
    ];
    const PREFIXES: &[&str] = &[
        "CARGO_CFG_",
        "CARGO_FEATURE_",
        "CARGO_PKG_",
        "CARGO_MANIFEST_",
        "CARGO_BUILD_",
        "CARGO_PROFILE_",
        "CARGO_TARGET_",
        "CARGO_LLVM_COV",
        "DEP_",
    ];
    for (name, _) in env::vars_os() {
        let Some(name) = name.to_str() else { continue };
        if EXACT.contains(&name) || PREFIXES.iter().any(|prefix| name.starts_with(prefix)) {
            command.env_remove(name);
        }
    }
}

fn sysroot() -> Option<PathBuf> {
    let rustc = env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let output = Command::new(rustc)
        .args(["--print", "sysroot"])
        .output()
        .ok()?;
    output
        .status
        .success()
        .then(|| PathBuf::from(String::from_utf8_lossy(&output.stdout).trim()))
}

fn is_target_installed(target: &str) -> bool {
    sysroot().is_some_and(|sysroot| {
        sysroot
            .join("lib")
            .join("rustlib")
            .join(target)
            .join("lib")
            .is_dir()
    })
}
