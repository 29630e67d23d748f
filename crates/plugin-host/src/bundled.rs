//! The official plugins, compiled into the binary by `build.rs`.

mod generated {
    include!(concat!(env!("OUT_DIR"), "/bundled.rs"));
}

/// Ids of the plugins built into this binary, e.g. `["hubspot", "gong"]`.
pub fn bundled_ids() -> Vec<&'static str> {
    generated::BUNDLED.iter().map(|(id, _)| *id).collect()
}

/// Why this binary has no bundled plugins, when it has none (the wasm target was missing
/// when it was built).
pub fn bundled_missing() -> Option<&'static str> {
    generated::BUNDLED_MISSING
}

/// The component bytes of bundled plugin `id`: what a vendor bundle of the same plugin would
/// carry as `plugin.wasm` (examples and tests package it that way).
pub fn bundled_bytes(id: &str) -> Option<&'static [u8]> {
    generated::BUNDLED
        .iter()
        .find(|(name, _)| *name == id)
        .map(|(_, bytes)| *bytes)
}
