//! HubSpot's features and presets as data, kept apart from the export glue.

use crate::bindings::sfiu::integration::types::{
    Basis, Evidence, Feature, FieldAccess, FieldGrant, FieldScope, LicenseFit, LicenseVerdict,
    Need, ObjectAccess, ObjectGrant, OrgFacts, PackageNeed, PluginError, PluginManifest, Preset,
    RequirementSet, SystemPermission, UserShape,
};

const MINIMUM_PERMISSIONS: &str = "https://knowledge.hubspot.com/articles/kcs_article/salesforce/what-are-the-minimum-permissions-the-salesforce-integration-user-needs";
const REQUIREMENTS_2017: &str = "https://knowledge.hubspot.com/articles/kcs_article/integrations/what-are-the-requirements-and-general-expectations-for-the-hubspot-salesforce-integration";
const INSTALL: &str =
    "https://knowledge.hubspot.com/salesforce/install-the-hubspot-salesforce-integration";
const MANAGE_SETTINGS: &str = "https://knowledge.hubspot.com/articles/kcs_article/salesforce/manage-your-salesforce-integration-settings";
const FAQ: &str =
    "https://knowledge.hubspot.com/articles/kcs_article/salesforce/salesforce-integration-faq";
const TRAILBLAZER_THREAD: &str =
    "https://trailhead.salesforce.com/trailblazer-community/groups/0F9300000009Q1XCAU";
const INTELLIGENCE: &str = "https://knowledge.hubspot.com/articles/kcs_article/salesforce/how-can-i-get-users-who-are-not-admins-in-salesforce-to-see-hubspot-intelligence";
const ACTIVITIES_REPOSITORY: &str =
    "https://github.com/TheRealBenSmith/HubSpot-Salesforce-Activities/blob/HEAD/README.md";
const BLU_NINJAS: &str =
    "https://bluninjas.com/how-tos/how-to-use-the-new-salesforce-integration_user-licenses/";
const NAVATAR: &str = "https://helpcenter.navatargroup.com/en/articles/11393108-setting-up-a-dedicated-salesforce-integration-user";
const MARKETING_USER: &str = "https://support.picnet.net/hc/en-us/articles/23748727755163-Troubleshooting-Marketing-User-Checkbox-for-Integration-User";

const BIDIRECTIONAL: &str = "bidirectional-sync";
const VENDOR_DOCUMENTED: &str = "vendor-documented";
const READ_ONLY: &str = "read-only";

const DEAL_SYNC: &str = "deal-sync";
const TIMELINE_SYNC: &str = "timeline-sync";
const CAMPAIGN_SYNC: &str = "campaign-sync";
const TICKET_SYNC: &str = "ticket-sync";
const LEGACY_VISUALFORCE: &str = "legacy-visualforce";

/// Identity and features.
pub(crate) fn manifest() -> PluginManifest {
    PluginManifest {
        id: "hubspot".into(),
        name: "HubSpot".into(),
        vendor: "HubSpot".into(),
        version: "0.1.0".into(),
        homepage: Some(INSTALL.into()),
        features: vec![
            feature(
                DEAL_SYNC,
                "Deal sync",
                "HubSpot deals sync with Salesforce opportunities.",
                true,
            ),
            feature(
                TIMELINE_SYNC,
                "Timeline sync",
                "HubSpot engagements are written to Salesforce as tasks.",
                true,
            ),
            feature(
                CAMPAIGN_SYNC,
                "Campaign sync",
                "HubSpot adds contacts and leads to Salesforce campaigns.",
                false,
            ),
            feature(
                TICKET_SYNC,
                "Ticket sync",
                "HubSpot tickets sync with Salesforce cases.",
                false,
            ),
            feature(
                LEGACY_VISUALFORCE,
                "Legacy Visualforce window",
                "The deprecated HubSpot Intelligence Visualforce module (replaced by HubSpot Embed).",
                false,
            ),
        ],
    }
}

/// The presets, default first.
pub(crate) fn list() -> Vec<Preset> {
    vec![
        preset(
            BIDIRECTIONAL,
            "Bidirectional sync (least privilege)",
            "Two-way sync with read, create and edit on the synced objects; no delete and no \
             Modify All.",
            true,
        ),
        preset(
            VENDOR_DOCUMENTED,
            "HubSpot's documented ask",
            "Exactly what HubSpot's minimum-permissions article asks for: Modify All on every \
             synced object.",
            false,
        ),
        preset(
            READ_ONLY,
            "Read only",
            "Salesforce to HubSpot only; HubSpot logs errors if its settings push data back.",
            false,
        ),
    ]
}

/// The requirements of one preset.
pub(crate) fn resolve(preset_id: &str, org: &OrgFacts) -> Result<RequirementSet, PluginError> {
    let objects = match preset_id {
        BIDIRECTIONAL => bidirectional_objects(),
        VENDOR_DOCUMENTED => vendor_documented_objects(),
        READ_ONLY => read_only_objects(),
        _ => return Err(PluginError::UnknownPreset(preset_id.into())),
    };
    let mut notes = vec![
        "HubSpot also accepts a System Administrator instead of per-object access; this plugin \
         never proposes Modify All Data."
            .to_string(),
        "HubSpot does not document its connected app's OAuth scopes; `api` and `refresh_token` \
         are the usual pair for an offline sync (unconfirmed)."
            .to_string(),
    ];
    if !org.installed_namespaces.is_empty()
        && !org
            .installed_namespaces
            .iter()
            .any(|namespace| namespace == "HubSpot_Inc")
    {
        notes.push(
            "The HubSpot managed package (namespace `HubSpot_Inc`) is not installed in this \
             org yet; install it before assigning its permission set."
                .to_string(),
        );
    }

    Ok(RequirementSet {
        user_shape: UserShape::Dedicated,
        integration_license: LicenseVerdict {
            fit: LicenseFit::Fits,
            reason: "Consultants report HubSpot working on the Salesforce Integration license; \
                     HubSpot's own pages say neither way. Creating or editing Campaigns may \
                     still need the Marketing User feature license."
                .into(),
            evidence: Evidence::Reported,
            sources: strings(&[BLU_NINJAS, NAVATAR, MARKETING_USER]),
        },
        objects,
        system_permissions: system_permissions(preset_id),
        packages: vec![PackageNeed {
            namespace: "HubSpot_Inc".into(),
            label: "HubSpot Integration (AppExchange managed package)".into(),
            permission_sets: vec!["HubSpot_Integration_Permissions".into()],
            basis: basis(
                Need::Required,
                "HubSpot asks for its package permission set, labelled HubSpot Integration \
                 Permissions, on the integration user; the API name comes from a public org \
                 inventory.",
                Evidence::Reported,
                &[MINIMUM_PERMISSIONS],
            ),
        }],
        oauth_scopes: strings(&["api", "refresh_token"]),
        vendor_steps: strings(&[
            "Install the HubSpot managed package from AppExchange as an admin who holds \
             Download AppExchange Packages; the integration user does not need that \
             permission.",
            "HubSpot documents connecting by signing in to Salesforce as the integration user \
             from its integration settings; an API-only user cannot sign in interactively, so \
             confirm with HubSpot that your account can connect with this app's consumer key \
             and private key (JWT bearer) before relying on this setup.",
            "Check that HubSpot shows the integration user's username as the connected \
             account.",
            "Cap the Salesforce API calls HubSpot may use per day in the sync settings; one \
             contact sync can take up to four calls.",
        ]),
        notes,
    })
}

fn system_permissions(preset_id: &str) -> Vec<SystemPermission> {
    let mut permissions = vec![
        SystemPermission {
            name: "PermissionsApiEnabled".into(),
            basis: basis(
                Need::Required,
                "HubSpot reads and writes Salesforce records through the API.",
                Evidence::Documented,
                &[MINIMUM_PERMISSIONS],
            ),
        },
        SystemPermission {
            name: "PermissionsViewSetup".into(),
            basis: basis(
                if preset_id == VENDOR_DOCUMENTED {
                    Need::Required
                } else {
                    Need::Diagnostic
                },
                "HubSpot lists View Setup and Configuration as required; it lets HubSpot \
                 inspect the org's configuration and check its own permissions.",
                Evidence::Documented,
                &[MINIMUM_PERMISSIONS],
            ),
        },
    ];
    if preset_id != READ_ONLY {
        permissions.push(SystemPermission {
            name: "PermissionsEditTask".into(),
            basis: basis(
                Need::WhenFeature(TIMELINE_SYNC.into()),
                "Timeline sync writes HubSpot engagements as Salesforce tasks, which takes \
                 Edit Tasks.",
                Evidence::Unconfirmed,
                &[MANAGE_SETTINGS],
            ),
        });
        permissions.push(SystemPermission {
            name: "PermissionsModifyMetadata".into(),
            basis: basis(
                Need::WhenFeature(LEGACY_VISUALFORCE.into()),
                "HubSpot text quoted in a community thread asks for it for the legacy \
                 Visualforce window and deal sync; the module is being retired.",
                Evidence::Reported,
                &[TRAILBLAZER_THREAD, INSTALL],
            ),
        });
    }
    permissions
}

fn bidirectional_objects() -> Vec<ObjectGrant> {
    let sync = ObjectAccess::READ | ObjectAccess::CREATE | ObjectAccess::EDIT;
    let sync_all = sync | ObjectAccess::VIEW_ALL_RECORDS;
    vec![
        synced(
            "Lead",
            sync_all,
            Need::Required,
            "HubSpot contacts sync to Salesforce leads.",
        ),
        synced(
            "Contact",
            sync_all,
            Need::Required,
            "HubSpot contacts sync to Salesforce contacts.",
        ),
        synced(
            "Account",
            sync_all,
            Need::Required,
            "HubSpot companies sync to Salesforce accounts.",
        ),
        synced(
            "Opportunity",
            sync_all,
            Need::WhenFeature(DEAL_SYNC.into()),
            "HubSpot deals sync to Salesforce opportunities.",
        ),
        ObjectGrant {
            object: "Campaign".into(),
            access: ObjectAccess::READ | ObjectAccess::EDIT,
            vendor_asks: Some(ObjectAccess::all()),
            fields: FieldScope::None,
            basis: basis(
                Need::WhenFeature(CAMPAIGN_SYNC.into()),
                "HubSpot lists Campaign among the synced objects; editing campaigns may also \
                 need the Marketing User feature license.",
                Evidence::Documented,
                &[MINIMUM_PERMISSIONS, MARKETING_USER],
            ),
        },
        plain(
            "CampaignMember",
            ObjectAccess::READ | ObjectAccess::CREATE | ObjectAccess::EDIT,
            Need::WhenFeature(CAMPAIGN_SYNC.into()),
            "Adding HubSpot contacts to Salesforce campaigns creates campaign members; no \
             HubSpot page lists this object.",
            Evidence::Unconfirmed,
            &[],
        ),
        plain(
            "Task",
            ObjectAccess::READ | ObjectAccess::CREATE | ObjectAccess::EDIT,
            Need::WhenFeature(TIMELINE_SYNC.into()),
            "Timeline sync writes HubSpot engagements as tasks; the exact bits are not \
             documented.",
            Evidence::Documented,
            &[MANAGE_SETTINGS],
        ),
        plain(
            "Event",
            ObjectAccess::READ,
            Need::WhenFeature(TIMELINE_SYNC.into()),
            "Activity sync is documented only in general terms; reading events is a guess.",
            Evidence::Unconfirmed,
            &[INSTALL],
        ),
        plain(
            "Case",
            ObjectAccess::READ | ObjectAccess::CREATE | ObjectAccess::EDIT,
            Need::WhenFeature(TICKET_SYNC.into()),
            "HubSpot says tickets sync; the mapping to cases and the bits needed are not \
             stated.",
            Evidence::Unconfirmed,
            &[INSTALL],
        ),
        owner_mapping(),
        intelligence(),
    ]
}

fn vendor_documented_objects() -> Vec<ObjectGrant> {
    let modify_all = ObjectAccess::all();
    let reason = "HubSpot asks for Modify All on every object that syncs.";
    let documented = |object: &str, need: Need| ObjectGrant {
        object: object.into(),
        access: modify_all,
        vendor_asks: None,
        fields: FieldScope::All(FieldAccess::ReadEdit),
        basis: basis(
            need,
            reason,
            Evidence::Documented,
            &[MINIMUM_PERMISSIONS, REQUIREMENTS_2017],
        ),
    };
    vec![
        documented("Lead", Need::Required),
        documented("Contact", Need::Required),
        documented("Account", Need::Required),
        documented("Opportunity", Need::WhenFeature(DEAL_SYNC.into())),
        documented("Campaign", Need::WhenFeature(CAMPAIGN_SYNC.into())),
        plain(
            "Task",
            ObjectAccess::READ | ObjectAccess::CREATE | ObjectAccess::EDIT,
            Need::WhenFeature(TIMELINE_SYNC.into()),
            "Timeline sync writes HubSpot engagements as tasks.",
            Evidence::Documented,
            &[MANAGE_SETTINGS],
        ),
        intelligence(),
    ]
}

fn read_only_objects() -> Vec<ObjectGrant> {
    let read_all = ObjectAccess::READ | ObjectAccess::VIEW_ALL_RECORDS;
    let reading = |object: &str, need: Need, reason: &str| ObjectGrant {
        object: object.into(),
        access: read_all,
        vendor_asks: Some(ObjectAccess::all()),
        fields: FieldScope::All(FieldAccess::Read),
        basis: basis(need, reason, Evidence::Documented, &[MINIMUM_PERMISSIONS]),
    };
    vec![
        reading("Lead", Need::Required, "HubSpot imports Salesforce leads."),
        reading(
            "Contact",
            Need::Required,
            "HubSpot imports Salesforce contacts.",
        ),
        reading(
            "Account",
            Need::Required,
            "HubSpot imports Salesforce accounts as companies.",
        ),
        reading(
            "Opportunity",
            Need::WhenFeature(DEAL_SYNC.into()),
            "HubSpot imports Salesforce opportunities as deals.",
        ),
        plain(
            "Campaign",
            ObjectAccess::READ,
            Need::WhenFeature(CAMPAIGN_SYNC.into()),
            "HubSpot reads Salesforce campaigns.",
            Evidence::Documented,
            &[MINIMUM_PERMISSIONS],
        ),
        owner_mapping(),
    ]
}

fn synced(object: &str, access: ObjectAccess, need: Need, reason: &str) -> ObjectGrant {
    ObjectGrant {
        object: object.into(),
        access,
        vendor_asks: Some(ObjectAccess::all()),
        fields: FieldScope::All(FieldAccess::ReadEdit),
        basis: basis(
            need,
            &format!(
                "{reason} View All lets the sync reach records outside the user's sharing; \
                 add Delete only if deletion sync is on."
            ),
            Evidence::Documented,
            &[MINIMUM_PERMISSIONS, REQUIREMENTS_2017],
        ),
    }
}

fn owner_mapping() -> ObjectGrant {
    plain(
        "User",
        ObjectAccess::READ,
        Need::Recommended,
        "HubSpot maps record owners between HubSpot users and Salesforce users.",
        Evidence::Unconfirmed,
        &[FAQ],
    )
}

fn intelligence() -> ObjectGrant {
    ObjectGrant {
        object: "HubSpot_Inc__HubSpot_Intelligence__c".into(),
        access: ObjectAccess::READ | ObjectAccess::VIEW_ALL_RECORDS,
        vendor_asks: None,
        fields: FieldScope::Listed(vec![
            FieldGrant {
                field: "HubSpot_Inc__Contact__c".into(),
                access: FieldAccess::Read,
            },
            FieldGrant {
                field: "HubSpot_Inc__Lead__c".into(),
                access: FieldAccess::Read,
            },
        ]),
        basis: basis(
            Need::WhenFeature(LEGACY_VISUALFORCE.into()),
            "The legacy HubSpot Intelligence window reads this package object; the package \
             permission set normally covers it.",
            Evidence::Documented,
            &[INTELLIGENCE, ACTIVITIES_REPOSITORY],
        ),
    }
}

fn plain(
    object: &str,
    access: ObjectAccess,
    need: Need,
    reason: &str,
    evidence: Evidence,
    sources: &[&str],
) -> ObjectGrant {
    ObjectGrant {
        object: object.into(),
        access,
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
        sources: strings(sources),
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

fn preset(id: &str, label: &str, description: &str, is_default: bool) -> Preset {
    Preset {
        id: id.into(),
        label: label.into(),
        description: description.into(),
        is_default,
    }
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|item| (*item).to_string()).collect()
}
