//! The Rust test guests that `build.rs` compiled, or the reason they are missing.

use crate::{Error, Result};

mod built {
    include!(concat!(env!("OUT_DIR"), "/guests.rs"));
}

/// The misbehaving plugin as a zero-import component (`id` = `misbehaving`).
///
/// # Errors
/// [`Error::NotBuilt`] when the wasm target was missing at build time.
pub fn misbehaving() -> Result<&'static [u8]> {
    available(built::MISBEHAVING)
}

/// The misbehaving plugin built for `wasm32-wasip2`, so it imports WASI interfaces.
///
/// # Errors
/// [`Error::NotBuilt`] when the wasm target was missing at build time.
pub fn misbehaving_wasip2() -> Result<&'static [u8]> {
    available(built::MISBEHAVING_WASIP2)
}

/// A plugin that exports `sfiu:integration/plugin@0.2.0`, a version no host supports.
///
/// # Errors
/// [`Error::NotBuilt`] when the wasm target was missing at build time.
pub fn future_wit() -> Result<&'static [u8]> {
    available(built::FUTURE_WIT)
}

fn available(bytes: &'static [u8]) -> Result<&'static [u8]> {
    match built::MISSING {
        Some(reason) if bytes.is_empty() => Err(Error::NotBuilt(reason)),
        _ => Ok(bytes),
    }
}
