//! Gong's features and presets as data, kept apart from the export glue.

use crate::bindings::sfiu::integration::types::{
    Basis, Evidence, Feature, FieldAccess, FieldGrant, FieldScope, LicenseFit, LicenseVerdict,
    Need, ObjectAccess, ObjectGrant, OrgFacts, PackageNeed, PluginError, PluginManifest, Preset,
    RequirementSet, SystemPermission, UserShape,
};

const REQUIREMENTS: &str = "https://help.gong.io/docs/set-up-requirements.md";
const FIELDS: &str =
    "https://help.gong.io/v1/docs/salesforce-fields-the-integration-user-needs-access-to";
const FAQ: &str = "https://help.gong.io/docs/faqs-for-salesforce-integration";
const API_USAGE: &str = "https://help.gong.io/v1/docs/accessing-the-salesforce-api.md";
const EXTERNAL_CLIENT_APP: &str =
    "https://help.gong.io/docs/about-the-salesforce-external-client-app";

const STANDARD: &str = "standard";
const READ_ONLY: &str = "read-only";

const ACTIVITY_EXPORT: &str = "activity-export";
const DEALS: &str = "deals-forecast";
const ENGAGE: &str = "engage";
const SIGN_IN: &str = "sign-in-with-salesforce";

/// Identity and features.
pub(crate) fn manifest() -> PluginManifest {
    PluginManifest {
        id: "gong".into(),
        name: "Gong".into(),
        vendor: "Gong".into(),
        version: "0.1.0".into(),
        homepage: Some(REQUIREMENTS.into()),
        features: vec![
            feature(
                ACTIVITY_EXPORT,
                "Activity export",
                "Gong writes calls and emails back to Salesforce as tasks and events.",
                false,
            ),
            feature(
                DEALS,
                "Deals and Forecast",
                "Gong reads opportunity teams, splits and products.",
                true,
            ),
            feature(
                ENGAGE,
                "Gong Engage",
                "With a Gong Engage license, Gong edits records and reads campaigns.",
                false,
            ),
            feature(
                SIGN_IN,
                "Sign in with Salesforce",
                "Users sign in to Gong through Gong's external client app package.",
                false,
            ),
        ],
    }
}

/// The presets, default first.
pub(crate) fn list() -> Vec<Preset> {
    vec![
        Preset {
            id: STANDARD.into(),
            label: "Standard (Gong's documented set)".into(),
            description: "Read with View All on the synced objects; write access only for \
                          the features that need it."
                .into(),
            is_default: true,
        },
        Preset {
            id: READ_ONLY.into(),
            label: "Read only".into(),
            description: "Import only: no activity export and no Engage write access.".into(),
            is_default: false,
        },
    ]
}

/// The requirements of one preset.
pub(crate) fn resolve(preset_id: &str, org: &OrgFacts) -> Result<RequirementSet, PluginError> {
    let writes = match preset_id {
        STANDARD => true,
        READ_ONLY => false,
        _ => return Err(PluginError::UnknownPreset(preset_id.into())),
    };
    let mut notes = vec![
        "With multi-currency, set the integration user's personal currency to the corporate \
         currency."
            .to_string(),
        "Gong calls query, queryAll, sObject get and describe; it keeps only the OAuth token."
            .to_string(),
    ];

    let mut objects = base_objects();
    for object in [
        "OpportunityTeamMember",
        "OpportunitySplit",
        "OpportunityLineItem",
    ] {
        // Splits and teams exist only when the org has switched them on, so an object the org
        // does not offer is reported rather than granted.
        if is_available(org, object) {
            objects.push(read_view_all(
                object,
                Need::WhenFeature(DEALS.into()),
                "Deals and Forecast read opportunity teams, splits and products.",
                Evidence::Documented,
                &[FIELDS, REQUIREMENTS],
            ));
        } else {
            notes.push(format!(
                "`{object}` is not available in this org, so Deals and Forecast will not see it."
            ));
        }
    }
    if writes {
        objects.extend(write_objects());
    }

    Ok(RequirementSet {
        user_shape: UserShape::Dedicated,
        integration_license: LicenseVerdict {
            fit: LicenseFit::Fits,
            reason: "Gong accepts either a Salesforce license or a Salesforce Integration \
                     license for its integration user."
                .into(),
            evidence: Evidence::Documented,
            sources: vec![REQUIREMENTS.into()],
        },
        objects,
        system_permissions: vec![
            SystemPermission {
                name: "PermissionsApiEnabled".into(),
                basis: basis(
                    Need::Required,
                    "Gong imports records through the API and reads the API limits to stay \
                     under them.",
                    Evidence::Documented,
                    &[REQUIREMENTS, FIELDS],
                ),
            },
            SystemPermission {
                name: "PermissionsViewAllUsers".into(),
                basis: basis(
                    Need::Required,
                    "Gong imports Salesforce users to match them with Gong users.",
                    Evidence::Documented,
                    &[FIELDS],
                ),
            },
        ],
        packages: vec![PackageNeed {
            namespace: "gongeca".into(),
            label: "Gong external client app (no code)".into(),
            permission_sets: Vec::new(),
            basis: basis(
                Need::WhenFeature(SIGN_IN.into()),
                "Sign-in with Salesforce goes through Gong's external client app package; it \
                 needs the Refresh Token IP Allowlist completed.",
                Evidence::Documented,
                &[EXTERNAL_CLIENT_APP],
            ),
        }],
        oauth_scopes: vec!["api".into(), "refresh_token".into()],
        vendor_steps: vec![
            "In Gong, open the CRM integration settings, choose Salesforce and connect as the \
             integration user."
                .into(),
            "Pick the objects and fields Gong should import; fields the user cannot see are \
             skipped."
                .into(),
        ],
        notes,
    })
}

fn base_objects() -> Vec<ObjectGrant> {
    let synced = "Gong imports these records and must see all of them, whoever owns them.";
    let mut objects = vec![
        read_view_all(
            "Lead",
            Need::Required,
            synced,
            Evidence::Documented,
            &[FIELDS, FAQ],
        ),
        read_view_all(
            "Contact",
            Need::Required,
            synced,
            Evidence::Documented,
            &[FIELDS, FAQ],
        ),
        read_view_all(
            "Opportunity",
            Need::Required,
            synced,
            Evidence::Documented,
            &[FIELDS, FAQ],
        ),
        read_view_all(
            "Task",
            Need::Required,
            "Gong reads activities.",
            Evidence::Documented,
            &[FIELDS],
        ),
        read_view_all(
            "Event",
            Need::Required,
            "Gong reads activities.",
            Evidence::Documented,
            &[FIELDS],
        ),
        ObjectGrant {
            object: "User".into(),
            access: ObjectAccess::READ,
            vendor_asks: None,
            fields: FieldScope::None,
            basis: basis(
                Need::Required,
                "Gong imports users.",
                Evidence::Documented,
                &[FAQ],
            ),
        },
        ObjectGrant {
            object: "OpportunityHistory".into(),
            access: ObjectAccess::READ,
            vendor_asks: None,
            fields: FieldScope::None,
            basis: basis(
                Need::Recommended,
                "An older Gong FAQ lists opportunity history together with the stage.",
                Evidence::Reported,
                &[FAQ, API_USAGE],
            ),
        },
    ];
    let account_fields = [
        "AccountSource",
        "Id",
        "Industry",
        "IsDeleted",
        "LastActivityDate",
        "LastModifiedDate",
        "Name",
        "OwnerId",
        "ParentId",
        "SystemModstamp",
        "Type",
        "Website",
    ];
    objects.insert(
        2,
        ObjectGrant {
            object: "Account".into(),
            access: ObjectAccess::READ | ObjectAccess::VIEW_ALL_RECORDS,
            vendor_asks: None,
            fields: FieldScope::Listed(
                account_fields
                    .iter()
                    .map(|field| FieldGrant {
                        field: (*field).into(),
                        access: FieldAccess::Read,
                    })
                    .collect(),
            ),
            basis: basis(Need::Required, synced, Evidence::Documented, &[FIELDS, FAQ]),
        },
    );
    objects
}

fn write_objects() -> Vec<ObjectGrant> {
    let export = ObjectAccess::READ
        | ObjectAccess::CREATE
        | ObjectAccess::EDIT
        | ObjectAccess::DELETE
        | ObjectAccess::VIEW_ALL_RECORDS;
    // Gong documents Modify All for Engage; Salesforce grants Modify All only together with
    // Delete (and Read, Edit, View All), so Delete is part of the same ask.
    let engage = ObjectAccess::READ
        | ObjectAccess::EDIT
        | ObjectAccess::DELETE
        | ObjectAccess::VIEW_ALL_RECORDS
        | ObjectAccess::MODIFY_ALL_RECORDS;
    let mut objects = Vec::new();
    for object in ["Task", "Event"] {
        objects.push(ObjectGrant {
            object: object.into(),
            access: export,
            vendor_asks: None,
            fields: FieldScope::None,
            basis: basis(
                Need::WhenFeature(ACTIVITY_EXPORT.into()),
                "Exporting activities creates, updates and deletes them.",
                Evidence::Documented,
                &[FIELDS],
            ),
        });
    }
    for object in ["Contact", "Lead", "Account", "Opportunity"] {
        objects.push(ObjectGrant {
            object: object.into(),
            access: engage,
            vendor_asks: None,
            fields: FieldScope::None,
            basis: basis(
                Need::WhenFeature(ENGAGE.into()),
                "Gong Engage edits these records, including ones the user does not own.",
                Evidence::Documented,
                &[FIELDS],
            ),
        });
    }
    for object in ["Campaign", "CampaignMember"] {
        objects.push(read_view_all(
            object,
            Need::WhenFeature(ENGAGE.into()),
            "Gong Engage reads campaigns and their members.",
            Evidence::Documented,
            &[FIELDS],
        ));
    }
    objects
}

fn is_available(org: &OrgFacts, object: &str) -> bool {
    org.available_objects.is_empty() || org.available_objects.iter().any(|name| name == object)
}

fn read_view_all(
    object: &str,
    need: Need,
    reason: &str,
    evidence: Evidence,
    sources: &[&str],
) -> ObjectGrant {
    ObjectGrant {
        object: object.into(),
        access: ObjectAccess::READ | ObjectAccess::VIEW_ALL_RECORDS,
        vendor_asks: None,
        fields: FieldScope::None,
        basis: basis(need, reason, evidence, sources),
    }
}

fn basis(need: Need, reason: &str, evidence: Evidence, sources: &[&str]) -> Basis {
    Basis {
        need,
        reason: reason.into(),
        evidence,
        sources: sources.iter().map(|source| (*source).to_string()).collect(),
    }
}

fn feature(id: &str, label: &str, description: &str, default_on: bool) -> Feature {
    Feature {
        id: id.into(),
        label: label.into(),
        description: description.into(),
        default_on,
    }
}
