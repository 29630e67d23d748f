//! The Gong plugin: what Gong's Salesforce integration needs from its integration user.
//!
//! Gong documents its needs well (`shared/reference/plugins.md` §A.4): a mostly read-only
//! user with View All on the synced objects, write access only for activity export and Gong
//! Engage. Feature-gated grants come as separate entries; the host merges duplicates.

mod bindings {
    wit_bindgen::generate!({ path: "../../wit/0.1.0", world: "integration" });
}

mod presets;

use bindings::exports::sfiu::integration::plugin::Guest;
use bindings::sfiu::integration::types::{
    OrgFacts, PluginError, PluginManifest, Preset, RequirementSet,
};

struct Gong;

impl Guest for Gong {
    fn manifest() -> PluginManifest {
        presets::manifest()
    }

    fn presets() -> Vec<Preset> {
        presets::list()
    }

    fn requirements(preset_id: String, org: OrgFacts) -> Result<RequirementSet, PluginError> {
        presets::resolve(&preset_id, &org)
    }
}

/// The `extern "C"` entry points the component model calls.
#[expect(
    unsafe_code,
    reason = "wit-bindgen's export glue declares the raw entry points of the component"
)]
mod entry {
    use super::Gong;

    crate::bindings::export!(Gong with_types_in crate::bindings);
}
