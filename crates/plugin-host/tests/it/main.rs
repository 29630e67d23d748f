//! Integration tests of the plugin host: one binary, components compiled once and shared.

mod bundles;
mod common;
mod limits;
mod official;
mod wasm_guests;
