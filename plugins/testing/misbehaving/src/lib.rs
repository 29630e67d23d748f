//! A test-only plugin whose presets misbehave on purpose, so the host's limits and output
//! checks can be shown to stop each kind of misbehaviour with a clear message.
//!
//! Never shipped: only `sfiu-test-plugins` builds it.

mod bindings {
    wit_bindgen::generate!({ path: "../../../wit/0.1.0", world: "integration" });
}

use bindings::exports::sfiu::integration::plugin::Guest;
use bindings::sfiu::integration::types::FieldScope;
use bindings::sfiu::integration::types::{
    Basis, Evidence, LicenseFit, LicenseVerdict, Need, ObjectAccess, ObjectGrant, OrgFacts,
    PluginError, PluginManifest, Preset, RequirementSet, SystemPermission, UserShape,
};

struct Misbehaving;

/// The preset ids, each named for what it does.
const PRESETS: &[&str] = &[
    "well-behaved",
    "infinite-loop",
    "memory-bomb",
    "deep-recursion",
    "panic",
    "unknown-permission",
    "huge-string",
    "too-many-grants",
];

impl Guest for Misbehaving {
    fn manifest() -> PluginManifest {
        PluginManifest {
            id: "misbehaving".into(),
            name: "Misbehaving test plugin".into(),
            vendor: "sfiu tests".into(),
            version: "0.0.1".into(),
            homepage: None,
            features: Vec::new(),
        }
    }

    fn presets() -> Vec<Preset> {
        PRESETS
            .iter()
            .map(|id| Preset {
                id: (*id).into(),
                label: (*id).into(),
                description: format!("Test preset `{id}`."),
                is_default: *id == "well-behaved",
            })
            .collect()
    }

    fn requirements(preset_id: String, org: OrgFacts) -> Result<RequirementSet, PluginError> {
        match preset_id.as_str() {
            "well-behaved" => Ok(requirement_set(vec!["PermissionsApiEnabled".into()], 1)),
            "infinite-loop" => {
                let mut counter = 0_u64;
                loop {
                    counter = std::hint::black_box(counter.wrapping_add(1));
                }
            }
            "memory-bomb" => {
                let mut hoard: Vec<Vec<u8>> = Vec::new();
                loop {
                    hoard.push(vec![1; 1 << 20]);
                    std::hint::black_box(&hoard);
                }
            }
            "deep-recursion" => {
                let depth = recurse(std::hint::black_box(u64::MAX));
                Err(PluginError::Internal(format!(
                    "returned from depth {depth}"
                )))
            }
            "panic" => panic!("panicking on purpose for `{}`", org.api_version),
            "unknown-permission" => Ok(requirement_set(vec!["PermissionsTeleport".into()], 1)),
            "huge-string" => Ok(requirement_set(vec!["x".repeat(1 << 20)], 1)),
            "too-many-grants" => Ok(requirement_set(Vec::new(), 100_000)),
            _ => Err(PluginError::UnknownPreset(preset_id)),
        }
    }
}

fn recurse(depth: u64) -> u64 {
    if depth == 0 {
        return 0;
    }
    let mut frame = [depth; 64];
    frame[(depth % 64) as usize] = recurse(std::hint::black_box(depth - 1));
    std::hint::black_box(frame).iter().sum()
}

fn requirement_set(permissions: Vec<String>, n_objects: usize) -> RequirementSet {
    let basis = || Basis {
        need: Need::Required,
        reason: "Test grant.".into(),
        evidence: Evidence::Unconfirmed,
        sources: Vec::new(),
    };
    RequirementSet {
        user_shape: UserShape::Dedicated,
        integration_license: LicenseVerdict {
            fit: LicenseFit::Unknown,
            reason: "Test plugin.".into(),
            evidence: Evidence::Unconfirmed,
            sources: Vec::new(),
        },
        objects: (0..n_objects)
            .map(|_| ObjectGrant {
                object: "Account".into(),
                access: ObjectAccess::READ,
                vendor_asks: None,
                fields: FieldScope::None,
                basis: basis(),
            })
            .collect(),
        system_permissions: permissions
            .into_iter()
            .map(|name| SystemPermission {
                name,
                basis: basis(),
            })
            .collect(),
        packages: Vec::new(),
        oauth_scopes: vec!["api".into()],
        vendor_steps: Vec::new(),
        notes: Vec::new(),
    }
}

/// The `extern "C"` entry points the component model calls.
#[expect(
    unsafe_code,
    reason = "wit-bindgen's export glue declares the raw entry points of the component"
)]
mod entry {
    use super::Misbehaving;

    crate::bindings::export!(Misbehaving with_types_in crate::bindings);
}
