//! Tests of validation: every rule with good and bad cases, and all issues in one pass.

use super::*;
use crate::requirements::{Evidence, FieldAccess, Need, ObjectRight};
use crate::spec::{ObjectRemoval, SpecFieldGrant, SpecObjectGrant};

const BASE: &str = r#"
id = "hubspot"
[plugin]
id = "hubspot"
preset = "bidirectional"
[user]
username = "integration-hubspot@acme.example"
email = "integration-hubspot@acme.example"
"#;

fn provenance() -> Vec<Provenance> {
    vec![Provenance {
        origin: "hubspot/bidirectional".into(),
        reason: "sync".into(),
        need: Need::Required,
        evidence: Evidence::Documented,
        sources: vec![],
    }]
}

/// A preset like the HubSpot one: a few objects, API Enabled, View Setup, `api`.
fn preset() -> Requirements {
    let object = |name: &str, rights: &[ObjectRight]| ObjectGrant {
        object: name.into(),
        access: ObjectAccess::from_rights(rights),
        vendor_documented: None,
        provenance: provenance(),
    };
    let permission = |name: &str| SystemPermissionGrant {
        name: name.into(),
        provenance: provenance(),
    };
    Requirements {
        objects: vec![
            object(
                "Contact",
                &[ObjectRight::Read, ObjectRight::Create, ObjectRight::Edit],
            ),
            object(
                "Lead",
                &[ObjectRight::Read, ObjectRight::Edit, ObjectRight::Delete],
            ),
            object("Campaign", &[ObjectRight::Read]),
        ],
        system_permissions: vec![
            permission("PermissionsApiEnabled"),
            permission("PermissionsViewSetup"),
        ],
        oauth_scopes: vec![OAuthScopeGrant {
            scope: "api".into(),
            provenance: provenance(),
        }],
        user_shape: UserShape::Dedicated,
        license_fit: LicenseFit::IntegrationLicense,
        ..Requirements::default()
    }
}

fn base() -> IntegrationSpec {
    IntegrationSpec::from_toml_str(BASE).unwrap()
}

fn render(issues: &[Issue]) -> String {
    issues
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

/// Applies `edit` to the base spec and `edit_preset` to the preset, validates, and compares
/// the issues as `CODE path` lines.
fn check_with(
    edit: impl FnOnce(&mut IntegrationSpec),
    edit_preset: impl FnOnce(&mut Requirements),
    expected: &[&str],
) {
    let mut spec = base();
    edit(&mut spec);
    let mut requirements = preset();
    edit_preset(&mut requirements);
    let validation = validate(&spec, &requirements);
    let actual: Vec<String> = validation
        .issues
        .iter()
        .map(|issue| format!("{} {}", issue.code, issue.path))
        .collect();
    assert_eq!(actual, expected, "issues:\n{}", render(&validation.issues));
}

fn check(edit: impl FnOnce(&mut IntegrationSpec), expected: &[&str]) {
    check_with(edit, |_| {}, expected);
}

#[test]
fn a_clean_spec_has_no_issues() {
    check(|_| {}, &[]);
}

#[test]
fn identity_and_names() {
    check(|spec| spec.id = "HubSpot".into(), &["SFIU-E001 id"]);
    check(
        |spec| spec.permission_set.name = Some("HubSpot__Sync".into()),
        &["SFIU-E006 permission_set.name", "SFIU-E008 app.name"],
    );
    check(
        |spec| spec.permission_set.name = Some("HubSpot_Sync_".into()),
        &["SFIU-E006 permission_set.name", "SFIU-E008 app.name"],
    );
    check(
        |spec| spec.permission_set.name = Some("A".repeat(81)),
        &["SFIU-E006 permission_set.name", "SFIU-E008 app.name"],
    );
    check(
        |spec| spec.permission_set.name = Some(format!("A{}", "b".repeat(79))),
        &[],
    );
    check(
        |spec| spec.permission_set.label = Some(String::new()),
        &["SFIU-E007 permission_set.label"],
    );
    check(
        |spec| spec.permission_set.description = Some("x".repeat(256)),
        &["SFIU-E007 permission_set.description"],
    );
    check(
        |spec| spec.app.name = Some("9lives".into()),
        &["SFIU-E008 app.name"],
    );
    check(
        |spec| spec.app.contact_email = Some("ops".into()),
        &["SFIU-E003 app.contact_email"],
    );
    check(
        |spec| spec.certificate = CertificateSource::File { path: " ".into() },
        &["SFIU-E009 certificate.path"],
    );
    check(
        |spec| {
            spec.certificate = CertificateSource::File {
                path: "certs/x.crt".into(),
            }
        },
        &[],
    );
    check(
        |spec| spec.plugin.as_mut().unwrap().preset = String::new(),
        &["SFIU-E010 plugin.preset"],
    );
}

#[test]
fn user_fields() {
    check(
        |spec| spec.user.username = "hubspot".into(),
        &["SFIU-E002 user.username"],
    );
    check(
        |spec| spec.user.username = format!("{}@acme.example", "a".repeat(67)),
        &[],
    );
    check(
        |spec| spec.user.username = format!("{}@acme.example", "a".repeat(68)),
        &["SFIU-E002 user.username"],
    );
    check(
        |spec| spec.user.email = "ops@acme".into(),
        &["SFIU-E003 user.email"],
    );
    check(
        |spec| spec.user.email = format!("{}@acme.example", "a".repeat(69)),
        &["SFIU-E003 user.email"],
    );
    check(|spec| spec.user.alias = Some("hubspot1".into()), &[]);
    check(
        |spec| spec.user.alias = Some("hubspot12".into()),
        &["SFIU-E004 user.alias"],
    );
    check(
        |spec| spec.user.alias = Some(String::new()),
        &["SFIU-E004 user.alias"],
    );
    check(|spec| spec.user.first_name = Some("F".repeat(40)), &[]);
    check(
        |spec| spec.user.first_name = Some("F".repeat(41)),
        &["SFIU-E004 user.first_name"],
    );
    check(|spec| spec.user.last_name = Some("L".repeat(80)), &[]);
    check(
        |spec| spec.user.last_name = Some("L".repeat(81)),
        &["SFIU-E004 user.last_name"],
    );
    check(
        |spec| spec.user.locale_sid_key = String::new(),
        &["SFIU-E005 user.locale_sid_key"],
    );
}

#[test]
fn object_access_dependencies() {
    let grant = |object: &str, rights: &[ObjectRight]| SpecObjectGrant {
        object: object.into(),
        access: ObjectAccess::from_rights(rights),
        reason: None,
    };
    use ObjectRight::*;
    let cases: &[(&[ObjectRight], &[&str])] = &[
        (&[Read], &[]),
        (
            &[Read, Create, Edit, Delete, ViewAllRecords, ModifyAllRecords],
            &[],
        ),
        (&[Create], &["SFIU-E013 grants.objects[0].access"]),
        (&[Edit], &["SFIU-E013 grants.objects[0].access"]),
        (&[Read, Delete], &["SFIU-E013 grants.objects[0].access"]),
        (&[ViewAllRecords], &["SFIU-E013 grants.objects[0].access"]),
        (
            &[Read, Edit, Delete, ModifyAllRecords],
            &["SFIU-E013 grants.objects[0].access"],
        ),
        (&[], &["SFIU-E015 grants.objects[0].access"]),
    ];
    for (rights, expected) in cases {
        check(
            |spec| spec.grants.objects = vec![grant("Case", rights)],
            expected,
        );
    }
    check(
        |spec| spec.grants.objects = vec![grant("Case", &[Read]), grant("Bad Name", &[Read])],
        &["SFIU-E011 grants.objects[1].object"],
    );
    // Plugin output is checked the same way, under `preset.`.
    check_with(
        |_| {},
        |preset| preset.objects[1].access = ObjectAccess::from_rights(&[Read, Delete]),
        &["SFIU-E013 preset.objects[1].access"],
    );
}

#[test]
fn field_access_and_names() {
    let field = |name: &str, read: bool, edit: bool| SpecFieldGrant {
        field: name.into(),
        access: FieldAccess { read, edit },
        reason: None,
    };
    check(
        |spec| spec.grants.fields = vec![field("Contact.Email", true, true)],
        &[],
    );
    check(
        |spec| spec.grants.fields = vec![field("Contact.Email", false, true)],
        &["SFIU-E014 grants.fields[0].access"],
    );
    check(
        |spec| spec.grants.fields = vec![field("Email", true, false)],
        &[
            "SFIU-E012 grants.fields[0].field",
            "SFIU-W012 requirements.fields.Email",
        ],
    );
    check(
        |spec| spec.grants.fields = vec![field("Account.Name", true, false)],
        &["SFIU-W012 requirements.fields.Account.Name"],
    );
}

#[test]
fn system_permissions_unknown_and_dangerous() {
    check(
        |spec| spec.grants.system_permissions = vec!["PermissionsEditTask".into()],
        &[],
    );
    check(
        |spec| spec.grants.system_permissions = vec!["PermissionsEditTasks".into()],
        &["SFIU-E020 grants.system_permissions[0]"],
    );
    let mut spec = base();
    spec.grants.system_permissions = vec!["PermissionsEditTasks".into()];
    let issues = validate(&spec, &preset()).issues;
    assert_eq!(
        issues[0].hint.as_deref(),
        Some("did you mean `PermissionsEditTask`?")
    );

    check(
        |spec| spec.grants.system_permissions = vec!["API Enabled".into()],
        &["SFIU-E020 grants.system_permissions[0]"],
    );
    check(
        |spec| {
            spec.grants.system_permissions = vec!["PermissionsUseAnyApiClient".into()];
            spec.allow_unlisted_permissions = vec!["PermissionsUseAnyApiClient".into()];
        },
        &["SFIU-W013 grants.system_permissions[0]"],
    );

    check(
        |spec| spec.grants.system_permissions = vec!["PermissionsModifyMetadata".into()],
        &["SFIU-E021 grants.system_permissions[0]"],
    );
    check(
        |spec| {
            spec.grants.system_permissions = vec!["PermissionsModifyMetadata".into()];
            spec.acknowledge_dangerous = vec!["PermissionsModifyMetadata".into()];
        },
        &[],
    );
    check_with(
        |_| {},
        |preset| {
            preset.system_permissions.push(SystemPermissionGrant {
                name: "PermissionsViewAllData".into(),
                provenance: provenance(),
            })
        },
        &["SFIU-E021 preset.system_permissions[2].name"],
    );
    check(
        |spec| spec.acknowledge_dangerous = vec!["PermissionsViewAllData".into()],
        &["SFIU-W001 acknowledge_dangerous[0]"],
    );
    check(
        |spec| spec.acknowledge_dangerous = vec!["PermissionsApiEnabled".into()],
        &["SFIU-W001 acknowledge_dangerous[0]"],
    );
    check(
        |spec| spec.acknowledge_dangerous = vec!["PermissionsModifyAlData".into()],
        &["SFIU-E020 acknowledge_dangerous[0]"],
    );
    check(
        |spec| spec.grants.system_permissions = vec!["PermissionsRunReports".into()],
        &["SFIU-W011 grants.system_permissions[0]"],
    );
}

#[test]
fn oauth_scopes() {
    check(
        |spec| spec.grants.oauth_scopes = vec!["refresh_token".into()],
        &[],
    );
    check(
        |spec| spec.grants.oauth_scopes = vec!["refresh-token".into()],
        &["SFIU-E022 grants.oauth_scopes[0]"],
    );
    let mut spec = base();
    spec.grants.oauth_scopes = vec!["refresh-token".into()];
    assert_eq!(
        validate(&spec, &preset()).issues[0].hint.as_deref(),
        Some("did you mean `refresh_token`?")
    );
    check(
        |spec| {
            spec.app.kind = AppKind::ConnectedApp;
            spec.grants.oauth_scopes = vec!["mcp_api".into()];
        },
        &["SFIU-W002 grants.oauth_scopes[0]"],
    );
    check_with(
        |_| {},
        |preset| preset.oauth_scopes.clear(),
        &["SFIU-W014 grants.oauth_scopes"],
    );
}

#[test]
fn other_names() {
    check(
        |spec| spec.grants.apex_classes = vec!["HubSpot_Inc.Sync".into(), "Bad-Class".into()],
        &["SFIU-E016 grants.apex_classes[1]"],
    );
    check(
        |spec| spec.grants.custom_permissions = vec!["a__b__c".into()],
        &["SFIU-E017 grants.custom_permissions[0]"],
    );
    check(
        |spec| {
            spec.grants.package_permission_sets = vec![crate::spec::PackagePermissionSetRef {
                namespace: "HubSpot__Inc".into(),
                name: "HubSpot_Integration_Permissions".into(),
            }]
        },
        &["SFIU-E018 grants.package_permission_sets[0].namespace"],
    );
}

#[test]
fn licence_fit_and_user_shape() {
    check_with(
        |_| {},
        |preset| preset.user_shape = UserShape::PerUser,
        &["SFIU-E030 plugin.preset"],
    );
    check_with(
        |_| {},
        |preset| preset.user_shape = UserShape::InteractiveFullLicense,
        &["SFIU-E030 plugin.preset"],
    );
    check_with(
        |_| {},
        |preset| preset.license_fit = LicenseFit::FullLicenseRequired,
        &["SFIU-E031 plugin.preset"],
    );
    check(
        |spec| {
            spec.grants.objects = vec![SpecObjectGrant {
                object: "FinancialAccount".into(),
                access: ObjectAccess::READ,
                reason: None,
            }]
        },
        &["SFIU-W010 grants.objects[0].object"],
    );
}

#[test]
fn grants_are_applied_with_removals_cascading() {
    let mut spec = base();
    spec.grants.objects = vec![SpecObjectGrant {
        object: "contact".into(),
        access: ObjectAccess::from_rights(&[ObjectRight::Read, ObjectRight::ViewAllRecords]),
        reason: Some("reporting".into()),
    }];
    spec.grants.system_permissions = vec!["permissionsapienabled".into()];
    spec.grants.remove.objects = vec![
        ObjectRemoval {
            object: "Lead".into(),
            access: Some(ObjectAccess::from_rights(&[ObjectRight::Edit])),
        },
        ObjectRemoval {
            object: "Campaign".into(),
            access: None,
        },
        ObjectRemoval {
            object: "Opportunity".into(),
            access: None,
        },
    ];
    spec.grants.remove.system_permissions = vec!["PermissionsViewSetup".into()];

    let validation = validate(&spec, &preset());
    assert_eq!(
        render(&validation.issues),
        "warning[SFIU-W003] grants.remove.objects[2]: `Opportunity` is not granted, so there is nothing to remove"
    );
    let requirements = validation.requirements;
    let objects: Vec<String> = requirements
        .objects
        .iter()
        .map(|grant| format!("{}: {}", grant.object, grant.access))
        .collect();
    assert_eq!(
        objects,
        [
            "Contact: read, create, edit, view-all-records",
            "Lead: read"
        ]
    );
    assert_eq!(requirements.objects[0].provenance.len(), 2);
    assert_eq!(requirements.objects[0].provenance[1].reason, "reporting");
    let permissions: Vec<&str> = requirements
        .system_permissions
        .iter()
        .map(|grant| grant.name.as_str())
        .collect();
    assert_eq!(permissions, ["PermissionsApiEnabled"]);
    assert_eq!(requirements.system_permissions[0].provenance.len(), 2);
}

#[test]
fn reports_every_problem_in_one_pass() {
    let spec = IntegrationSpec::from_toml_str(
        r#"
id = "Hub Spot"
acknowledge_dangerous = ["PermissionsApiEnabled"]
[user]
username = "hubspot"
email = "ops@acme"
alias = "hubspot-integration"
[[grants.objects]]
object = "Lead"
access = ["delete"]
[[grants.fields]]
field = "Lead.Email"
access = ["edit"]
[grants]
system_permissions = ["PermissionsModifyAllData", "PermissionsApiEnable"]
oauth_scopes = ["apii"]
"#,
    )
    .unwrap();
    let validation = validate(&spec, &Requirements::default());
    insta::assert_snapshot!(render(&validation.issues), @r#"
    error[SFIU-E001] id: id `Hub Spot` must start with a lower-case letter
    error[SFIU-E006] permission_set.name: permission set name `Hub Spot_Integration` contains ` `; only letters, digits and underscores are allowed (hint: use letters, digits and single underscores, starting with a letter)
    error[SFIU-E008] app.name: app name `Hub Spot_Integration` contains ` `; only letters, digits and underscores are allowed
    error[SFIU-E002] user.username: username `hubspot` has no `@` (hint: a username has the form of an e-mail address, e.g. `integration-hubspot@acme.example`; it need not be a real mailbox)
    error[SFIU-E003] user.email: e-mail `ops@acme` has an invalid domain `acme`
    error[SFIU-E004] user.alias: alias `hubspot-integration` is 19 characters long; the limit is 8
    error[SFIU-E013] grants.objects[0].access: `delete` on `Lead` needs `read` and `edit` as well (hint: Salesforce refuses object rights without their prerequisites; add them)
    error[SFIU-E014] grants.fields[0].access: `edit` on `Lead.Email` needs `read` as well (hint: write `access = ["read", "edit"]`)
    error[SFIU-E020] grants.system_permissions[1]: unknown system permission `PermissionsApiEnable` (hint: did you mean `PermissionsApiEnabled`?)
    error[SFIU-E022] grants.oauth_scopes[0]: unknown OAuth scope `apii` (hint: did you mean `api`?)
    warning[SFIU-W001] acknowledge_dangerous[0]: `PermissionsApiEnabled` is not a dangerous permission; no acknowledgement is needed
    error[SFIU-E021] grants.system_permissions[0]: `PermissionsModifyAllData` (Modify All Data) is dangerous and not acknowledged (hint: add `PermissionsModifyAllData` to `acknowledge_dangerous` if the integration truly needs it, or remove it under `[grants.remove]`)
    warning[SFIU-W012] requirements.fields.Lead.Email: field `Lead.Email` is granted but its object `Lead` has no read access (hint: grant `read` on `Lead` or the field grant has no effect)
    "#);
    assert!(validation.has_errors());
}
