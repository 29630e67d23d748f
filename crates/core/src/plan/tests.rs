//! Tests of the plan: fresh org, matching org, drift, blockers and ordering.

use super::*;
use crate::requirements::{ObjectGrant, ObjectRight, SystemPermissionGrant};
use crate::spec::IntegrationSpec;

const SPEC: &str = r#"
id = "hubspot"
[user]
username = "integration-hubspot@acme.example"
email = "integration-hubspot@acme.example"
[permission_set]
name = "HubSpot_Integration"
label = "HubSpot Integration"
[[grants.package_permission_sets]]
namespace = "HubSpot_Inc"
name = "HubSpot_Integration_Permissions"
"#;

fn desired() -> DesiredState {
    let spec = IntegrationSpec::from_toml_str(SPEC).unwrap();
    let object = |name: &str, rights: &[ObjectRight]| ObjectGrant {
        object: name.into(),
        access: ObjectAccess::from_rights(rights),
        vendor_documented: None,
        provenance: vec![],
    };
    let mut requirements = Requirements {
        objects: vec![
            object("Contact", &[ObjectRight::Read, ObjectRight::Edit]),
            object("Lead", &[ObjectRight::Read]),
        ],
        fields: vec![crate::requirements::FieldGrant {
            field: "Contact.Email".into(),
            access: FieldAccess::READ_EDIT,
            provenance: vec![],
        }],
        system_permissions: vec![SystemPermissionGrant {
            name: "PermissionsApiEnabled".into(),
            provenance: vec![],
        }],
        apex_classes: vec![crate::requirements::NamedGrant {
            name: "HubSpot_Inc.Sync".into(),
            provenance: vec![],
        }],
        ..Requirements::default()
    };
    let issues = requirements.apply(&spec.grants);
    assert!(issues.is_empty(), "{issues:?}");
    DesiredState::new(&spec, &requirements)
}

fn fresh_org() -> ObservedOrg {
    ObservedOrg {
        user_license: Some(LicenseSeats { total: 5, used: 2 }),
        permission_set_license: Some(LicenseSeats { total: 5, used: 2 }),
        ..ObservedOrg::default()
    }
}

/// An org that already holds exactly what [`desired`] declares.
fn matching_org() -> ObservedOrg {
    let mut org = fresh_org();
    org.user = Some(ObservedUser {
        id: "005000000000001AAA".into(),
        username: "Integration-HubSpot@acme.example".into(),
        email: "integration-hubspot@acme.example".into(),
        first_name: None,
        last_name: "Hubspot Integration".into(),
        alias: "hubspot".into(),
        time_zone_sid_key: "GMT".into(),
        locale_sid_key: "en_US".into(),
        language_locale_key: "en_US".into(),
        email_encoding_key: "UTF-8".into(),
        profile_name: Some(crate::license::INTEGRATION_PROFILE.into()),
        license_name: Some(crate::license::INTEGRATION_USER_LICENSE.into()),
        is_active: true,
    });
    org.psl_assigned = true;
    org.permission_set = Some(ObservedPermissionSet {
        id: "0PS000000000001AAA".into(),
        name: "HubSpot_Integration".into(),
        label: "HubSpot Integration".into(),
        description: None,
        system_permissions: [
            ("PermissionsApiEnabled".to_owned(), true),
            ("PermissionsViewSetup".to_owned(), false),
        ]
        .into_iter()
        .collect(),
        object_permissions: vec![
            ObjectPermissionRow {
                sobject_type: "Contact".into(),
                access: ObjectAccess::from_rights(&[ObjectRight::Read, ObjectRight::Edit]),
            },
            ObjectPermissionRow {
                sobject_type: "Lead".into(),
                access: ObjectAccess::READ,
            },
        ],
        field_permissions: vec![FieldPermissionRow {
            field: "Contact.Email".into(),
            access: FieldAccess::READ_EDIT,
        }],
        setup_entity_access: vec![
            SetupEntityAccessRow {
                entity_type: APEX_CLASS_ENTITY.into(),
                name: "HubSpot_Inc.Sync".into(),
            },
            SetupEntityAccessRow {
                entity_type: "ConnectedApplication".into(),
                name: "HubSpot_Integration".into(),
            },
        ],
    });
    org.assignments = vec![
        ObservedAssignment {
            permission_set: "HubSpot_Integration".into(),
            namespace: None,
        },
        ObservedAssignment {
            permission_set: "HubSpot_Integration_Permissions".into(),
            namespace: Some("HubSpot_Inc".into()),
        },
    ];
    org.app = Some(ObservedApp {
        kind: AppKind::ExternalClientApp,
        name: "HubSpot_Integration".into(),
        label: "HubSpot Integration".into(),
        contact_email: Some("integration-hubspot@acme.example".into()),
        oauth_scopes: ["api".to_owned()].into_iter().collect(),
        admin_approved: true,
        permission_sets: ["HubSpot_Integration".to_owned()].into_iter().collect(),
        has_certificate: true,
        certificate_fingerprint_sha256: Some("ab12".into()),
    });
    org
}

fn plan(org: &ObservedOrg, delete_extra: bool) -> Plan {
    Plan::new(&desired(), org, PlanOptions { delete_extra })
}

#[test]
fn fresh_org_gets_all_creates_in_order() {
    let plan = plan(&fresh_org(), false);
    insta::assert_snapshot!(plan.to_string(), @r#"
    ? check user licence `Salesforce Integration` (2 of 5 seats used)
    + create user `integration-hubspot@acme.example`: Username="integration-hubspot@acme.example", Email="integration-hubspot@acme.example", LastName="Hubspot Integration", Alias="hubspot", TimeZoneSidKey="GMT", LocaleSidKey="en_US", LanguageLocaleKey="en_US", EmailEncodingKey="UTF-8" (profile of licence `Salesforce Integration`)
    + assign permission set licence `SalesforceAPIIntegrationPsl` to `integration-hubspot@acme.example`
    + create permission set `HubSpot_Integration`: Label="HubSpot Integration", PermissionsApiEnabled=true
    + create object permissions `Contact` on `HubSpot_Integration`: PermissionsRead=true, PermissionsEdit=true
    + create object permissions `Lead` on `HubSpot_Integration`: PermissionsRead=true
    + create field permissions `Contact.Email` on `HubSpot_Integration`: PermissionsRead=true, PermissionsEdit=true
    + create ApexClass access `HubSpot_Inc.Sync` on `HubSpot_Integration`
    + assign permission set `HubSpot_Integration` to `integration-hubspot@acme.example`
    + assign permission set `HubSpot_Inc__HubSpot_Integration_Permissions` to `integration-hubspot@acme.example`
    + create certificate (generated)
    + create connected app `HubSpot_Integration`: Label="HubSpot Integration", ContactEmail="integration-hubspot@acme.example", OAuthScopes=[api], AdminApproved=true, PermissionSets=[HubSpot_Integration]
    ? check JWT login as `integration-hubspot@acme.example` through `HubSpot_Integration`
    11 change(s)
    "#);
    assert!(plan.blockers.is_empty());
    assert!(plan.has_changes());
    let steps: Vec<Step> = plan.actions.iter().map(|action| action.step).collect();
    let mut sorted = steps.clone();
    sorted.sort();
    assert_eq!(steps, sorted, "actions follow the step order");
}

#[test]
fn matching_org_gives_an_empty_plan() {
    let plan = plan(&matching_org(), false);
    assert!(plan.is_empty(), "{plan}");
    assert!(!plan.has_drift(), "{plan}");
    assert!(plan.blockers.is_empty());
    assert!(plan.to_string().ends_with("no changes"));
    assert!(
        plan.actions
            .iter()
            .all(|action| matches!(action.operation, Operation::Unchanged | Operation::Check))
    );
    // The same holds when extras would be deleted, because there are none.
    assert!(self::plan(&matching_org(), true).is_empty());
}

#[test]
fn a_drifted_grant_is_one_update() {
    let mut org = matching_org();
    let set = org.permission_set.as_mut().unwrap();
    set.object_permissions[0].access = ObjectAccess::READ;
    let plan = plan(&org, false);
    let changes: Vec<String> = plan.changes().map(ToString::to_string).collect();
    assert_eq!(
        changes,
        [
            "~ update object permissions `Contact` on `HubSpot_Integration`: PermissionsEdit: false → true"
        ]
    );
}

#[test]
fn extras_are_reported_and_deleted_only_when_asked() {
    let mut org = matching_org();
    let set = org.permission_set.as_mut().unwrap();
    set.system_permissions
        .insert("PermissionsViewAllData".into(), true);
    set.object_permissions[1].access =
        ObjectAccess::from_rights(&[ObjectRight::Read, ObjectRight::Edit]);
    set.object_permissions.push(ObjectPermissionRow {
        sobject_type: "Case".into(),
        access: ObjectAccess::READ,
    });
    org.assignments.push(ObservedAssignment {
        permission_set: "Old_Admin".into(),
        namespace: None,
    });

    let kept = plan(&org, false);
    assert!(kept.is_empty(), "{kept}");
    assert!(kept.has_drift());
    let extras: Vec<String> = kept
        .actions
        .iter()
        .filter(|action| action.operation == Operation::Extra)
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        extras,
        [
            "! extra permission set `HubSpot_Integration`: PermissionsViewAllData: true → (none) (not declared; kept)",
            "! extra object permissions `Lead` on `HubSpot_Integration`: PermissionsEdit: true → (none) (not declared; kept)",
            "! extra object permissions `Case` on `HubSpot_Integration` (holds read; not declared; kept)",
            "! extra assignment of permission set `Old_Admin` to `integration-hubspot@acme.example` (not declared; kept)",
        ]
    );

    let deleting = plan(&org, true);
    let changes: Vec<String> = deleting.changes().map(ToString::to_string).collect();
    assert_eq!(
        changes,
        [
            "~ update permission set `HubSpot_Integration`: PermissionsViewAllData: true → false",
            "~ update object permissions `Lead` on `HubSpot_Integration`: PermissionsEdit: true → false",
            "- delete object permissions `Case` on `HubSpot_Integration` (holds read)",
            "- unassign permission set `Old_Admin` from `integration-hubspot@acme.example`",
        ]
    );
}

#[test]
fn undeclared_assignments_read_as_assignments_not_permission_sets() {
    let mut org = matching_org();
    org.assignments.push(ObservedAssignment {
        permission_set: "Sneaky".into(),
        namespace: Some("Vendor".into()),
    });
    let line = |delete_extra: bool| -> String {
        plan(&org, delete_extra)
            .actions
            .iter()
            .find(|action| {
                matches!(&action.resource, Resource::PermissionSetAssignment { permission_set, .. } if permission_set == "Sneaky")
            })
            .unwrap()
            .to_string()
    };
    insta::assert_snapshot!(line(true), @"- unassign permission set `Vendor__Sneaky` from `integration-hubspot@acme.example`");
    insta::assert_snapshot!(line(false), @"! extra assignment of permission set `Vendor__Sneaky` to `integration-hubspot@acme.example` (not declared; kept)");
}

#[test]
fn user_drift_and_deactivation_become_field_changes() {
    let mut org = matching_org();
    let user = org.user.as_mut().unwrap();
    user.email = "someone@acme.example".into();
    user.is_active = false;
    let changes: Vec<String> = plan(&org, false)
        .changes()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        changes,
        [
            r#"~ update user `integration-hubspot@acme.example`: Email: "someone@acme.example" → "integration-hubspot@acme.example", IsActive: false → true"#
        ]
    );
}

#[test]
fn blockers_stop_before_anything_is_created() {
    let check = |org: ObservedOrg, expected: &[&str]| {
        let plan = plan(&org, false);
        let codes: Vec<&str> = plan
            .blockers
            .iter()
            .map(|issue| issue.code.as_str())
            .collect();
        assert_eq!(codes, expected, "{plan}");
    };
    check(
        ObservedOrg {
            user_license: Some(LicenseSeats { total: 5, used: 5 }),
            ..fresh_org()
        },
        &["SFIU-E041"],
    );
    check(
        ObservedOrg {
            user_license: None,
            ..fresh_org()
        },
        &["SFIU-E040"],
    );
    check(
        ObservedOrg {
            permission_set_license: Some(LicenseSeats { total: 1, used: 1 }),
            ..fresh_org()
        },
        &["SFIU-E041"],
    );
    // An existing user needs no new seat.
    check(
        ObservedOrg {
            user_license: Some(LicenseSeats { total: 5, used: 5 }),
            ..matching_org()
        },
        &[],
    );
    let mut org = matching_org();
    org.user.as_mut().unwrap().license_name = Some("Salesforce".into());
    check(org, &["SFIU-E042"]);
}

#[test]
fn app_kind_and_certificate() {
    let mut org = matching_org();
    org.app.as_mut().unwrap().kind = AppKind::ConnectedApp;
    let plan_auto = plan(&org, false);
    assert!(
        plan_auto.is_empty(),
        "auto keeps the existing connected app: {plan_auto}"
    );

    let mut desired = desired();
    desired.app.kind = AppKind::ExternalClientApp;
    let mismatched = Plan::new(&desired, &org, PlanOptions::default());
    assert_eq!(mismatched.blockers[0].code, codes::APP_KIND_MISMATCH);

    let rotated = Plan::new(
        &self::desired().with_certificate_fingerprint("cd34"),
        &matching_org(),
        PlanOptions::default(),
    );
    let changes: Vec<String> = rotated.changes().map(ToString::to_string).collect();
    assert_eq!(
        changes,
        [r#"~ update certificate (generated): FingerprintSha256: "ab12" → "cd34""#]
    );
}

#[test]
fn plan_serialises_for_json_output() {
    let plan = plan(&fresh_org(), false);
    let json = serde_json::to_value(&plan).unwrap();
    assert_eq!(json["actions"][0]["step"], "license-check");
    assert_eq!(json["actions"][1]["resource"]["type"], "user");
    assert_eq!(
        json["actions"][1]["changes"][0]["to"],
        "integration-hubspot@acme.example"
    );
    let back: Plan = serde_json::from_value(json).unwrap();
    assert_eq!(back, plan);
}
