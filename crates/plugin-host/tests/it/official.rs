//! The bundled HubSpot and Gong plugins resolve to the expected requirements.
//!
//! These need the official plugins built into the host, which needs the
//! `wasm32-unknown-unknown` Rust target; without it they fail and say so.

use std::sync::LazyLock;

use sfiu_plugin_host::{OrgFacts, Plugin, bundled_missing};

use crate::common::HOST;

fn bundled(id: &str) -> Plugin {
    if let Some(reason) = bundled_missing() {
        panic!("the official plugins are not built into this host: {reason}");
    }
    HOST.load_bundled(id).expect("load bundled plugin")
}

static HUBSPOT: LazyLock<Plugin> = LazyLock::new(|| bundled("hubspot"));
static GONG: LazyLock<Plugin> = LazyLock::new(|| bundled("gong"));

fn org() -> OrgFacts {
    OrgFacts {
        api_version: "66.0".into(),
        edition: Some("Enterprise Edition".into()),
        installed_namespaces: vec!["HubSpot_Inc".into()],
        available_objects: Vec::new(),
    }
}

#[test]
fn hubspot_lists_its_presets_with_the_least_privilege_one_first() {
    let ids: Vec<_> = HUBSPOT
        .presets()
        .iter()
        .map(|preset| preset.id.as_str())
        .collect();
    assert_eq!(
        ids,
        ["bidirectional-sync", "vendor-documented", "read-only"]
    );
    assert_eq!(
        HUBSPOT.default_preset().map(|preset| preset.id.as_str()),
        Some("bidirectional-sync")
    );
    insta::assert_yaml_snapshot!("hubspot_manifest", HUBSPOT.info());
}

#[test]
fn hubspot_presets_resolve() {
    for preset in ["bidirectional-sync", "vendor-documented", "read-only"] {
        let resolved = HUBSPOT.resolve(preset, &org()).expect("resolve");
        insta::assert_yaml_snapshot!(format!("hubspot_{preset}"), resolved);
    }
}

#[test]
fn hubspot_least_privilege_default_never_proposes_modify_all_or_delete() {
    let resolved = HUBSPOT
        .resolve("bidirectional-sync", &org())
        .expect("resolve");
    for grant in &resolved.requirements.objects {
        assert!(
            !grant.access.modify_all_records && !grant.access.delete,
            "{grant:?}"
        );
    }
    let contact = resolved.requirements.object("Contact").expect("Contact");
    assert!(
        contact
            .vendor_documented
            .is_some_and(|asks| asks.modify_all_records)
    );
    assert_eq!(
        resolved.requirements.package_permission_sets[0].name,
        "HubSpot_Integration_Permissions"
    );
}

#[test]
fn hubspot_notes_a_missing_package() {
    let facts = OrgFacts {
        installed_namespaces: vec!["other".into()],
        ..org()
    };
    let resolved = HUBSPOT.resolve("read-only", &facts).expect("resolve");
    assert!(
        resolved
            .notes
            .iter()
            .any(|note| note.contains("is not installed")),
        "{:?}",
        resolved.notes
    );
}

#[test]
fn gong_presets_resolve() {
    for preset in ["standard", "read-only"] {
        let resolved = GONG.resolve(preset, &org()).expect("resolve");
        insta::assert_yaml_snapshot!(format!("gong_{preset}"), resolved);
    }
}

#[test]
fn gong_engage_grants_merge_into_the_base_grants() {
    let resolved = GONG.resolve("standard", &org()).expect("resolve");
    let contact = resolved.requirements.object("Contact").expect("Contact");
    assert!(contact.access.modify_all_records && contact.access.view_all_records);
    assert_eq!(
        contact.provenance.len(),
        2,
        "base grant and Engage grant both kept"
    );
    assert_eq!(
        resolved
            .requirements
            .objects
            .iter()
            .filter(|grant| grant.object == "Contact")
            .count(),
        1
    );
}

#[test]
fn gong_reports_objects_the_org_lacks() {
    let facts = OrgFacts {
        available_objects: [
            "Lead",
            "Contact",
            "Account",
            "Opportunity",
            "OpportunityLineItem",
        ]
        .map(String::from)
        .to_vec(),
        ..org()
    };
    let resolved = GONG.resolve("read-only", &facts).expect("resolve");
    assert!(resolved.requirements.object("OpportunitySplit").is_none());
    assert!(
        resolved
            .notes
            .iter()
            .any(|note| note.contains("`OpportunitySplit` is not available"))
    );
}

#[test]
fn gong_features_that_are_off_add_no_rights() {
    let resolved = GONG
        .resolve_with_features("standard", &org(), &["deals-forecast".into()])
        .expect("resolve");
    let contact = resolved.requirements.object("Contact").expect("Contact");
    assert!(contact.access.read && contact.access.view_all_records);
    assert!(
        !contact.access.edit && !contact.access.modify_all_records,
        "{contact:?}"
    );
    assert!(resolved.requirements.object("OpportunitySplit").is_some());
    assert!(resolved.requirements.object("Campaign").is_none());
}
