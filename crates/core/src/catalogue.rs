//! Built-in vocabularies: PermissionSet system permissions and OAuth scope tokens.
//!
//! Validation refuses names outside these lists, because a misspelt permission is silently
//! ignored by nothing: it fails the deployment halfway through. Names come from the
//! PermissionSet field reference (`Permissions…` fields) and the login server's advertised
//! scopes; see `shared/reference/plugins.md` A.0 and `salesforce-api.md` §4.1 and §5.1.
//! Labels drift between releases, so they are for display only.

/// One system permission known to the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SystemPermission {
    /// PermissionSet field name, e.g. `PermissionsApiEnabled`.
    pub api_name: &'static str,
    /// The Setup label at the time of writing, e.g. `API Enabled`.
    pub label: &'static str,
    /// Whether it reaches far beyond one integration's data or lets the user change the
    /// org's security; such permissions need the spec to acknowledge them by name.
    pub dangerous: bool,
}

impl SystemPermission {
    /// The metadata `userPermissions/name` form: the API name without `Permissions`.
    pub fn metadata_name(&self) -> &'static str {
        self.api_name
            .strip_prefix("Permissions")
            .unwrap_or(self.api_name)
    }
}

const fn safe(api_name: &'static str, label: &'static str) -> SystemPermission {
    SystemPermission {
        api_name,
        label,
        dangerous: false,
    }
}

const fn dangerous(api_name: &'static str, label: &'static str) -> SystemPermission {
    SystemPermission {
        api_name,
        label,
        dangerous: true,
    }
}

/// The system permissions the catalogue knows, sorted by API name.
pub const SYSTEM_PERMISSIONS: &[SystemPermission] = &[
    safe("PermissionsActivitiesAccess", "Access Activities"),
    safe("PermissionsApexRestServices", "Apex REST Services"),
    safe("PermissionsApiEnabled", "API Enabled"),
    safe("PermissionsApiUserOnly", "API Only User"),
    dangerous("PermissionsAssignPermissionSets", "Assign Permission Sets"),
    dangerous("PermissionsAuthorApex", "Author Apex"),
    dangerous("PermissionsBulkApiHardDelete", "Bulk API Hard Delete"),
    safe(
        "PermissionsCanApproveUninstalledApps",
        "Approve Uninstalled Connected Apps",
    ),
    safe("PermissionsChatterInternalUser", "Chatter Internal User"),
    safe("PermissionsConvertLeads", "Convert Leads"),
    safe(
        "PermissionsCreateCustomizeDashboards",
        "Create and Customize Dashboards",
    ),
    safe(
        "PermissionsCreateCustomizeReports",
        "Create and Customize Reports",
    ),
    dangerous("PermissionsCustomizeApplication", "Customize Application"),
    dangerous("PermissionsDataExport", "Weekly Data Export"),
    safe("PermissionsEditBrandTemplates", "Manage Letterheads"),
    safe("PermissionsEditEvent", "Edit Events"),
    safe("PermissionsEditHtmlTemplates", "Edit HTML Templates"),
    safe(
        "PermissionsEditOppLineItemUnitPrice",
        "Edit Opportunity Product Sales Price",
    ),
    safe("PermissionsEditPublicDocuments", "Manage Public Documents"),
    safe(
        "PermissionsEditPublicTemplates",
        "Manage Public Classic Email Templates",
    ),
    safe("PermissionsEditReadonlyFields", "Edit Read Only Fields"),
    safe("PermissionsEditTask", "Edit Tasks"),
    safe("PermissionsEmailMass", "Mass Email"),
    safe("PermissionsEmailSingle", "Send Email"),
    safe("PermissionsExportReport", "Export Reports"),
    dangerous("PermissionsFreezeUsers", "Freeze Users"),
    safe("PermissionsImportLeads", "Import Leads"),
    dangerous(
        "PermissionsInstallPackaging",
        "Download AppExchange Packages",
    ),
    safe(
        "PermissionsLightningExperienceUser",
        "Lightning Experience User",
    ),
    dangerous("PermissionsManageAuthProviders", "Manage Auth. Providers"),
    safe("PermissionsManageCases", "Manage Cases"),
    dangerous(
        "PermissionsManageCustomPermissions",
        "Manage Custom Permissions",
    ),
    safe(
        "PermissionsManageDashboards",
        "Manage Dashboards in Public Folders",
    ),
    dangerous(
        "PermissionsManageDataIntegrations",
        "Manage Data Integrations",
    ),
    dangerous("PermissionsManageEncryptionKeys", "Manage Encryption Keys"),
    dangerous("PermissionsManageInteraction", "Manage Flow"),
    dangerous("PermissionsManageInternalUsers", "Manage Internal Users"),
    dangerous("PermissionsManageIpAddresses", "Manage IP Addresses"),
    safe("PermissionsManageLeads", "Manage Leads"),
    dangerous(
        "PermissionsManageLoginAccessPolicies",
        "Manage Login Access Policies",
    ),
    dangerous(
        "PermissionsManagePasswordPolicies",
        "Manage Password Policies",
    ),
    dangerous(
        "PermissionsManageProfilesPermissionsets",
        "Manage Profiles and Permission Sets",
    ),
    dangerous(
        "PermissionsManagePvtRptsAndDashbds",
        "Manage All Private Reports and Dashboards",
    ),
    dangerous("PermissionsManageRemoteAccess", "Manage Connected Apps"),
    safe(
        "PermissionsManageReportsInPubFolders",
        "Manage Reports in Public Folders",
    ),
    dangerous("PermissionsManageRoles", "Manage Roles"),
    dangerous("PermissionsManageSharing", "Manage Sharing"),
    dangerous(
        "PermissionsManageTwoFactor",
        "Manage Multi-Factor Authentication in User Interface",
    ),
    dangerous("PermissionsManageUsers", "Manage Users"),
    safe("PermissionsMassInlineEdit", "Mass Edits from Lists"),
    dangerous("PermissionsModifyAllData", "Modify All Data"),
    dangerous(
        "PermissionsModifyMetadata",
        "Modify Metadata Through Metadata API Functions",
    ),
    safe("PermissionsPasswordNeverExpires", "Password Never Expires"),
    dangerous("PermissionsQueryAllFiles", "Query All Files"),
    dangerous(
        "PermissionsResetPasswords",
        "Reset User Passwords and Unlock Users",
    ),
    safe("PermissionsRunFlow", "Run Flows"),
    safe("PermissionsRunReports", "Run Reports"),
    safe("PermissionsScheduleReports", "Schedule Reports"),
    safe("PermissionsSolutionImport", "Import Solutions"),
    safe("PermissionsTransferAnyCase", "Transfer Cases"),
    safe("PermissionsTransferAnyEntity", "Transfer Record"),
    safe("PermissionsTransferAnyLead", "Transfer Leads"),
    dangerous("PermissionsViewAllData", "View All Data"),
    dangerous("PermissionsViewAllUsers", "View All Users"),
    safe(
        "PermissionsViewDataCategories",
        "View Data Categories in Setup",
    ),
    dangerous("PermissionsViewEncryptedData", "View Encrypted Data"),
    safe("PermissionsViewEventLogFiles", "View Event Log Files"),
    safe("PermissionsViewHealthCheck", "View Health Check"),
    safe("PermissionsViewHelpLink", "View Help Link"),
    safe(
        "PermissionsViewPublicReports",
        "View Reports in Public Folders",
    ),
    safe("PermissionsViewRoles", "View Roles and Role Hierarchy"),
    safe("PermissionsViewSetup", "View Setup and Configuration"),
];

/// Looks a system permission up by API name, case-insensitively.
pub fn system_permission(api_name: &str) -> Option<&'static SystemPermission> {
    SYSTEM_PERMISSIONS
        .iter()
        .find(|permission| permission.api_name.eq_ignore_ascii_case(api_name))
}

/// Looks a system permission up by its Setup label, case-insensitively.
pub fn system_permission_by_label(label: &str) -> Option<&'static SystemPermission> {
    SYSTEM_PERMISSIONS
        .iter()
        .find(|permission| permission.label.eq_ignore_ascii_case(label))
}

/// One OAuth scope token the Salesforce login server advertises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OAuthScope {
    /// The token in OAuth requests and External Client App settings, e.g. `refresh_token`.
    pub token: &'static str,
    /// The `ConnectedAppOauthAccessScope` enum value for Connected App metadata, e.g.
    /// `RefreshToken`; `None` when the v63.0 WSDL has no value for it.
    pub metadata_name: Option<&'static str>,
}

const fn scope(token: &'static str, metadata_name: &'static str) -> OAuthScope {
    OAuthScope {
        token,
        metadata_name: Some(metadata_name),
    }
}

/// The scope tokens the login server advertises (OpenID configuration), with their
/// Connected App metadata names.
pub const OAUTH_SCOPES: &[OAuthScope] = &[
    scope("address", "Address"),
    scope("api", "Api"),
    scope("cdp_api", "CDP"),
    scope("cdp_calculated_insight_api", "CDPCalculatedInsight"),
    scope("cdp_identityresolution_api", "CDPIdentityResolution"),
    scope("cdp_ingest_api", "CDPIngest"),
    scope("cdp_profile_api", "CDPProfile"),
    scope("cdp_query_api", "CDPQuery"),
    scope("cdp_segment_api", "CDPSegment"),
    scope("chatbot_api", "Chatbot"),
    scope("chatter_api", "Chatter"),
    scope("content", "Content"),
    scope("custom_permissions", "CustomPermissions"),
    scope("eclair_api", "Eclair"),
    scope("einstein_gpt_api", "EinsteinGPT"),
    scope("email", "Email"),
    scope("forgot_password", "ForgotPassword"),
    scope("full", "Full"),
    scope("id", "Basic"),
    scope("interaction_api", "Interaction"),
    scope("lightning", "Lightning"),
    OAuthScope {
        token: "mcp_api",
        metadata_name: None,
    },
    scope("offline_access", "OfflineAccess"),
    scope("openid", "OpenID"),
    scope("pardot_api", "Pardot"),
    scope("phone", "Phone"),
    scope("profile", "Profile"),
    scope("pwdless_login_api", "PwdlessLogin"),
    scope("refresh_token", "RefreshToken"),
    OAuthScope {
        token: "scrt_api",
        metadata_name: None,
    },
    scope("sfap_api", "SFAP"),
    scope("user_registration_api", "UserRegistration"),
    scope("visualforce", "CustomApplications"),
    scope("wave_api", "Wave"),
    scope("web", "Web"),
];

/// Looks a scope token up; tokens are case-sensitive on the wire, so the match is exact.
pub fn oauth_scope(token: &str) -> Option<&'static OAuthScope> {
    OAUTH_SCOPES.iter().find(|scope| scope.token == token)
}

/// The candidate closest to `name` by edit distance, if it is close enough to be a typo.
///
/// Comparison ignores ASCII case. "Close enough" is at most a third of the name's length,
/// and at least one edit, so a short name does not match everything.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let wanted = name.to_ascii_lowercase();
    let limit = (wanted.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .map(|candidate| {
            (
                edit_distance(&wanted, &candidate.to_ascii_lowercase()),
                candidate,
            )
        })
        .filter(|(distance, _)| *distance <= limit)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

/// Levenshtein distance over characters.
fn edit_distance(left: &str, right: &str) -> usize {
    let right: Vec<char> = right.chars().collect();
    let mut previous: Vec<usize> = (0..=right.len()).collect();
    let mut current = vec![0; right.len() + 1];
    for (i, left_char) in left.chars().enumerate() {
        current[0] = i + 1;
        for (j, right_char) in right.iter().enumerate() {
            let substitution = previous[j] + usize::from(left_char != *right_char);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[right.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permissions_are_sorted_unique_and_prefixed() {
        for pair in SYSTEM_PERMISSIONS.windows(2) {
            assert!(
                pair[0].api_name < pair[1].api_name,
                "{} out of order",
                pair[1].api_name
            );
        }
        for permission in SYSTEM_PERMISSIONS {
            assert!(permission.api_name.starts_with("Permissions"));
        }
        assert!(SYSTEM_PERMISSIONS.len() >= 60);
    }

    #[test]
    fn every_reference_permission_is_known() {
        // plugins.md A.0, the integration-needs fixture and salesforce-api.md §4.1.
        for name in [
            "PermissionsApiEnabled",
            "PermissionsApiUserOnly",
            "PermissionsViewSetup",
            "PermissionsModifyAllData",
            "PermissionsViewAllData",
            "PermissionsManageUsers",
            "PermissionsViewAllUsers",
            "PermissionsModifyMetadata",
            "PermissionsCustomizeApplication",
            "PermissionsInstallPackaging",
            "PermissionsEditTask",
            "PermissionsEditEvent",
            "PermissionsConvertLeads",
            "PermissionsEditHtmlTemplates",
            "PermissionsEditPublicDocuments",
            "PermissionsEditPublicTemplates",
            "PermissionsEditBrandTemplates",
            "PermissionsPasswordNeverExpires",
            "PermissionsRunReports",
            "PermissionsViewPublicReports",
            "PermissionsViewRoles",
            "PermissionsActivitiesAccess",
            "PermissionsCanApproveUninstalledApps",
            "PermissionsManageRemoteAccess",
            "PermissionsManageProfilesPermissionsets",
            "PermissionsRunFlow",
            "PermissionsQueryAllFiles",
            "PermissionsBulkApiHardDelete",
            "PermissionsAuthorApex",
            "PermissionsSolutionImport",
            "PermissionsAssignPermissionSets",
        ] {
            assert!(system_permission(name).is_some(), "{name} missing");
        }
    }

    #[test]
    fn the_named_dangerous_permissions_are_flagged() {
        for name in [
            "PermissionsModifyAllData",
            "PermissionsViewAllData",
            "PermissionsManageUsers",
            "PermissionsCustomizeApplication",
            "PermissionsAuthorApex",
            "PermissionsModifyMetadata",
            "PermissionsViewAllUsers",
            "PermissionsAssignPermissionSets",
            "PermissionsInstallPackaging",
            "PermissionsManageProfilesPermissionsets",
            "PermissionsBulkApiHardDelete",
            "PermissionsManageInternalUsers",
        ] {
            assert!(
                system_permission(name).is_some_and(|p| p.dangerous),
                "{name}"
            );
        }
        for name in [
            "PermissionsApiEnabled",
            "PermissionsViewSetup",
            "PermissionsEditTask",
        ] {
            assert!(
                system_permission(name).is_some_and(|p| !p.dangerous),
                "{name}"
            );
        }
    }

    #[test]
    fn lookups_ignore_case_and_strip_the_metadata_prefix() {
        let permission = system_permission("permissionsapienabled").unwrap();
        assert_eq!(permission.api_name, "PermissionsApiEnabled");
        assert_eq!(permission.metadata_name(), "ApiEnabled");
        assert_eq!(
            system_permission_by_label("view setup and configuration")
                .unwrap()
                .api_name,
            "PermissionsViewSetup"
        );
    }

    #[test]
    fn scopes_map_to_connected_app_enum_names() {
        let check = |token: &str, expected: Option<&str>| {
            assert_eq!(
                oauth_scope(token).unwrap().metadata_name,
                expected,
                "{token}"
            );
        };
        check("api", Some("Api"));
        check("refresh_token", Some("RefreshToken"));
        check("offline_access", Some("OfflineAccess"));
        check("id", Some("Basic"));
        check("visualforce", Some("CustomApplications"));
        check("mcp_api", None);
        assert!(oauth_scope("API").is_none());
        for pair in OAUTH_SCOPES.windows(2) {
            assert!(pair[0].token < pair[1].token);
        }
    }

    #[test]
    fn closest_suggests_typos_only() {
        let names = SYSTEM_PERMISSIONS.iter().map(|p| p.api_name);
        assert_eq!(
            closest("PermissionsApiEnable", names.clone()),
            Some("PermissionsApiEnabled")
        );
        assert_eq!(
            closest("PermisionsViewSetup", names.clone()),
            Some("PermissionsViewSetup")
        );
        assert_eq!(closest("Completely_Different", names), None);
        assert_eq!(closest("apii", ["api", "web"]), Some("api"));
        assert_eq!(closest("x", ["api", "web"]), None);
    }
}
