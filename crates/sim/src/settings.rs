//! Knobs for the behaviours the reference could not confirm.
//!
//! Every field here stands for a fact that `reference/salesforce-api.md` marks UNCONFIRMED (or a
//! test convenience such as the page size). Tests flip them to check that sfiu copes with either
//! answer; the defaults are the most likely reading of the evidence.

use serde::{Deserialize, Serialize};

/// An OAuth error pair as returned by the token endpoint.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OAuthErrorPair {
    /// The `error` member.
    pub error: String,
    /// The `error_description` member.
    pub description: String,
}

impl OAuthErrorPair {
    fn new(error: &str, description: &str) -> Self {
        Self {
            error: error.to_owned(),
            description: description.to_owned(),
        }
    }
}

/// A Salesforce error code with its message template (`{...}` placeholders are filled in).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorTemplate {
    /// The `errorCode` / `statusCode`.
    pub code: String,
    /// The message, with placeholders.
    pub message: String,
}

impl ErrorTemplate {
    fn new(code: &str, message: &str) -> Self {
        Self {
            code: code.to_owned(),
            message: message.to_owned(),
        }
    }

    /// Fills `{key}` placeholders.
    pub(crate) fn render(&self, values: &[(&str, &str)]) -> String {
        let mut message = self.message.clone();
        for (key, value) in values {
            message = message.replace(&format!("{{{key}}}"), value);
        }
        message
    }
}

/// Which JWT `aud` the simulated org accepts besides its own base URL.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OrgKind {
    /// A production org: `https://login.salesforce.com`.
    Production,
    /// A sandbox: `https://test.salesforce.com`.
    Sandbox,
}

/// Which value the `ConnectedApplication.Name` row gets when an app is created through metadata.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AppRowName {
    /// The metadata `fullName` (API name).
    FullName,
    /// The metadata `label`.
    Label,
}

/// Behaviour switches of one simulated org.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Daily API request allocation reported in `Sforce-Limit-Info` and enforced with
    /// `REQUEST_LIMIT_EXCEEDED`.
    pub daily_api_limit: u64,
    /// Rows per query page (Salesforce: at most 2000; tests use small values).
    pub query_page_size: usize,
    /// The newest API version served (`66` = Spring '26, `67` = Summer '26).
    pub latest_api_version: u32,
    /// Production or sandbox: decides which login host is a valid JWT `aud`.
    pub org_kind: OrgKind,
    /// More accepted JWT audiences (for example a My Domain URL); the server's own base URL is
    /// always accepted.
    pub extra_audiences: Vec<String>,
    /// Objects the Salesforce Integration licence reaches once the user holds the Salesforce API
    /// Integration PSL (custom objects are always reachable). UNCONFIRMED list.
    pub integration_psl_objects: Vec<String>,
    /// Objects an Integration-licence user may reach without the PSL. UNCONFIRMED; empty by default.
    pub integration_base_objects: Vec<String>,
    /// Objects every user may query without an object permission.
    pub universally_readable_objects: Vec<String>,
    /// Error for an admin-approved app whose pre-authorised profiles and permission sets do not
    /// include the user (the split with `user hasn't approved this consumer` is UNCONFIRMED).
    pub unlinked_user_error: OAuthErrorPair,
    /// Error for an app that is not admin-approved at all.
    pub not_approved_error: OAuthErrorPair,
    /// Error for a `sub` that names no user of the org (exact wording UNCONFIRMED).
    pub unknown_user_error: OAuthErrorPair,
    /// Error for a login-host audience used with an External Client App, reported by the
    /// community after Spring '26; `None` accepts the login host for ECAs too.
    pub eca_login_audience_error: Option<OAuthErrorPair>,
    /// Milliseconds after creation during which a new app's consumer key is not yet known to
    /// the token endpoint (real orgs: minutes).
    pub app_propagation_delay_ms: u64,
    /// Whether the org refuses to create new Connected Apps (Spring '26 default for new orgs).
    pub connected_app_creation_blocked: bool,
    /// The Metadata API error for a blocked Connected App creation (text UNCONFIRMED).
    pub connected_app_blocked_error: ErrorTemplate,
    /// `LICENSE_LIMIT_EXCEEDED` on User create; `{license}` is the licence name (message for
    /// the Integration licence UNCONFIRMED).
    pub license_limit_error: ErrorTemplate,
    /// Error when the PSL has no seat left (code UNCONFIRMED).
    pub psl_limit_error: ErrorTemplate,
    /// Duplicate `PermissionSet.Name` (code UNCONFIRMED).
    pub duplicate_permission_set_error: ErrorTemplate,
    /// ObjectPermissions dependency violation; `{permission}`, `{object}` and `{required}`
    /// are filled in (real code and text UNCONFIRMED).
    pub object_permission_dependency_error: ErrorTemplate,
    /// FieldPermissions on a field that does not accept FLS (code UNCONFIRMED); `{value}` is
    /// `Object.Field`.
    pub field_permission_error: ErrorTemplate,
    /// Consumer key already used by an app in any org (code UNCONFIRMED).
    pub consumer_key_taken_error: ErrorTemplate,
    /// Metadata create of a component that already exists; `{type}`, `{name}`.
    pub metadata_duplicate_error: ErrorTemplate,
    /// Whether SOQL errors carry the query echo, the `ERROR at Row:1:Column:N` line and the
    /// naming hint, as real orgs do (abridged fixtures show only the final sentence).
    pub soql_error_echo: bool,
    /// Subrequests allowed in one `composite` call (25 per a third-party source).
    pub composite_max_subrequests: usize,
    /// `checkDeployStatus` polls that report Pending/InProgress before the deploy finishes.
    pub deploy_polls_before_done: u32,
    /// ECA `commaSeparatedPermissionSet` entries may be permission set names as well as Ids.
    pub eca_permission_sets_by_name: bool,
    /// Value of `ConnectedApplication.Name` for apps created through metadata.
    pub app_row_name: AppRowName,
}

impl Default for Settings {
    fn default() -> Self {
        let strings = |items: &[&str]| items.iter().map(|s| (*s).to_owned()).collect();
        Self {
            daily_api_limit: 100_000,
            query_page_size: 2000,
            latest_api_version: 67,
            org_kind: OrgKind::Production,
            extra_audiences: Vec::new(),
            integration_psl_objects: strings(&[
                "Account",
                "Contact",
                "Lead",
                "Opportunity",
                "Campaign",
                "Task",
                "Event",
                "Case",
                "Product2",
                "Pricebook2",
                "Order",
            ]),
            integration_base_objects: Vec::new(),
            universally_readable_objects: strings(&["User", "Organization"]),
            unlinked_user_error: OAuthErrorPair::new(
                "invalid_app_access",
                "user is not admin approved to access this app",
            ),
            not_approved_error: OAuthErrorPair::new(
                "invalid_grant",
                "user hasn't approved this consumer",
            ),
            unknown_user_error: OAuthErrorPair::new("invalid_grant", "authentication failure"),
            eca_login_audience_error: None,
            app_propagation_delay_ms: 0,
            connected_app_creation_blocked: false,
            connected_app_blocked_error: ErrorTemplate::new(
                "INSUFFICIENT_ACCESS",
                "You can't create a connected app. To continue, create an external client app \
                 instead, or contact Salesforce Support.",
            ),
            license_limit_error: ErrorTemplate::new(
                "LICENSE_LIMIT_EXCEEDED",
                "License Limit Exceeded - {license}",
            ),
            psl_limit_error: ErrorTemplate::new(
                "LICENSE_LIMIT_EXCEEDED",
                "License Limit Exceeded - {license}",
            ),
            duplicate_permission_set_error: ErrorTemplate::new(
                "DUPLICATE_DEVELOPER_NAME",
                "The permission set API name '{name}' is already in use. Enter a unique name.",
            ),
            object_permission_dependency_error: ErrorTemplate::new(
                "FIELD_INTEGRITY_EXCEPTION",
                "Permission {permission} {object} depends on permission(s): {required}",
            ),
            field_permission_error: ErrorTemplate::new(
                "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                "Field: bad value for restricted picklist field: {value}",
            ),
            consumer_key_taken_error: ErrorTemplate::new(
                "DUPLICATE_VALUE",
                "The consumer key is already taken",
            ),
            metadata_duplicate_error: ErrorTemplate::new(
                "DUPLICATE_DEVELOPER_NAME",
                "There is already a {type} named {name}.",
            ),
            soql_error_echo: true,
            composite_max_subrequests: 25,
            deploy_polls_before_done: 2,
            eca_permission_sets_by_name: true,
            app_row_name: AppRowName::FullName,
        }
    }
}
