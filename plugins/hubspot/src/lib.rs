//! The HubSpot plugin: what HubSpot's native Salesforce connector needs from its
//! integration user, as presets the tool can turn into a permission set.
//!
//! Facts and their evidence come from `shared/reference/plugins.md` §A.1: HubSpot documents
//! API Enabled, View Setup and Configuration, the package permission set and "Modify All" on
//! every synced object; everything else here is marked reported or unconfirmed. The
//! least-privilege default keeps HubSpot's broader ask visible through `vendor-asks`.

mod bindings {
    wit_bindgen::generate!({ path: "../../wit/0.1.0", world: "integration" });
}

mod presets;

use bindings::exports::sfiu::integration::plugin::Guest;
use bindings::sfiu::integration::types::{
    OrgFacts, PluginError, PluginManifest, Preset, RequirementSet,
};

struct HubSpot;

impl Guest for HubSpot {
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
    use super::HubSpot;

    crate::bindings::export!(HubSpot with_types_in crate::bindings);
}
