//! Validation of a spec and its requirements, reporting every problem in one pass.
//!
//! Each [`Issue`] has a stable code (listed in [`codes`] and in `docs/spec.md`), the path of
//! the field at fault (`grants.objects[2].access`), a message and, where there is one, a
//! hint such as the closest known name. Errors stop the run; warnings are printed and the
//! run goes on. Nothing here stops at the first problem, so an admin fixes a spec in one go.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::catalogue::{self, SYSTEM_PERMISSIONS, closest};
use crate::license::{self, Reach};
use crate::names;
use crate::requirements::{
    FieldGrant, LicenseFit, NamedGrant, OAuthScopeGrant, ObjectAccess, ObjectGrant,
    PackagePermissionSetGrant, Provenance, Requirements, SystemPermissionGrant, UserShape,
};
use crate::spec::{AppKind, CertificateSource, GrantChanges, IntegrationSpec};

/// Stable issue codes. `E` codes are errors, `W` codes are warnings.
pub mod codes {
    /// The integration id breaks the id rule.
    pub const INVALID_ID: &str = "SFIU-E001";
    /// The username is not an e-mail-form name of at most 80 characters.
    pub const INVALID_USERNAME: &str = "SFIU-E002";
    /// The e-mail is not an address of at most 80 characters.
    pub const INVALID_EMAIL: &str = "SFIU-E003";
    /// A user name field (first, last, alias) is empty or too long.
    pub const INVALID_USER_NAME_FIELD: &str = "SFIU-E004";
    /// A locale, language, time-zone or encoding key is empty.
    pub const EMPTY_USER_KEY: &str = "SFIU-E005";
    /// The permission set API name breaks the developer-name rule.
    pub const INVALID_PERMISSION_SET_NAME: &str = "SFIU-E006";
    /// The permission set label or description is empty or too long.
    pub const INVALID_PERMISSION_SET_LABEL: &str = "SFIU-E007";
    /// The app API name breaks the developer-name rule.
    pub const INVALID_APP_NAME: &str = "SFIU-E008";
    /// The certificate path is empty.
    pub const EMPTY_CERTIFICATE_PATH: &str = "SFIU-E009";
    /// The plugin or preset id is empty.
    pub const INVALID_PLUGIN: &str = "SFIU-E010";
    /// An sObject API name is malformed.
    pub const INVALID_OBJECT_NAME: &str = "SFIU-E011";
    /// A field reference is malformed.
    pub const INVALID_FIELD_NAME: &str = "SFIU-E012";
    /// An object right lacks a right Salesforce requires with it.
    pub const OBJECT_ACCESS_DEPENDENCY: &str = "SFIU-E013";
    /// Field edit without field read.
    pub const FIELD_ACCESS_DEPENDENCY: &str = "SFIU-E014";
    /// A grant with no rights at all.
    pub const EMPTY_ACCESS: &str = "SFIU-E015";
    /// An Apex class name is malformed.
    pub const INVALID_APEX_CLASS: &str = "SFIU-E016";
    /// A custom permission name is malformed.
    pub const INVALID_CUSTOM_PERMISSION: &str = "SFIU-E017";
    /// A package namespace or permission set name is malformed.
    pub const INVALID_PACKAGE_PERMISSION_SET: &str = "SFIU-E018";
    /// A system permission is not in the catalogue.
    pub const UNKNOWN_PERMISSION: &str = "SFIU-E020";
    /// A dangerous system permission is requested without acknowledgement.
    pub const UNACKNOWLEDGED_DANGEROUS_PERMISSION: &str = "SFIU-E021";
    /// An OAuth scope token is not one Salesforce advertises.
    pub const UNKNOWN_SCOPE: &str = "SFIU-E022";
    /// The integration cannot run as a dedicated integration user.
    pub const UNSUPPORTED_USER_SHAPE: &str = "SFIU-E030";
    /// The integration needs a full Salesforce licence.
    pub const FULL_LICENSE_REQUIRED: &str = "SFIU-E031";
    /// An acknowledged permission is not dangerous or not requested.
    pub const NEEDLESS_ACKNOWLEDGEMENT: &str = "SFIU-W001";
    /// The scope has no Connected App metadata name.
    pub const SCOPE_NOT_IN_CONNECTED_APP: &str = "SFIU-W002";
    /// A removal names a grant the preset does not have.
    pub const REMOVAL_MATCHES_NOTHING: &str = "SFIU-W003";
    /// An object is reported unreachable on the Integration licence.
    pub const OBJECT_UNREACHABLE: &str = "SFIU-W010";
    /// A system permission is reported unavailable on the Integration licence.
    pub const PERMISSION_UNAVAILABLE: &str = "SFIU-W011";
    /// A field is granted on an object without object read.
    pub const FIELD_WITHOUT_OBJECT_READ: &str = "SFIU-W012";
    /// The permission is not in the catalogue but the spec vouches for it.
    pub const UNLISTED_PERMISSION_ALLOWED: &str = "SFIU-W013";
    /// No OAuth scope is requested, so the app gets `api` only.
    pub const NO_SCOPES: &str = "SFIU-W014";
    /// The org lacks the Integration user licence or its permission set licence.
    pub const LICENSE_NOT_IN_ORG: &str = "SFIU-E040";
    /// No seat of the licence is free.
    pub const NO_FREE_SEAT: &str = "SFIU-E041";
    /// The username exists on another licence.
    pub const USER_ON_OTHER_LICENSE: &str = "SFIU-E042";
    /// The app exists as the other kind.
    pub const APP_KIND_MISMATCH: &str = "SFIU-E043";
}

/// How serious an issue is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    /// The run cannot go on.
    Error,
    /// Worth reading; the run goes on.
    Warning,
}

/// One problem found by validation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Issue {
    /// Stable code, e.g. `SFIU-E013`.
    pub code: String,
    /// Error or warning.
    pub severity: Severity,
    /// Path of the field at fault, e.g. `grants.objects[2].access`.
    pub path: String,
    /// What is wrong, with values in backticks.
    pub message: String,
    /// How to fix it, if there is something specific to say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

impl Issue {
    fn new(code: &str, path: impl Into<String>, message: impl Into<String>) -> Self {
        let severity = if code.contains("-W") {
            Severity::Warning
        } else {
            Severity::Error
        };
        Self {
            code: code.to_owned(),
            severity,
            path: path.into(),
            message: message.into(),
            hint: None,
        }
    }

    fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    fn hint_opt(mut self, hint: Option<String>) -> Self {
        self.hint = hint;
        self
    }

    /// Whether this issue stops the run.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Issue {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let severity = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(
            formatter,
            "{severity}[{}] {}: {}",
            self.code, self.path, self.message
        )?;
        if let Some(hint) = &self.hint {
            write!(formatter, " (hint: {hint})")?;
        }
        Ok(())
    }
}

/// Whether any issue in the list is an error.
pub fn has_errors(issues: &[Issue]) -> bool {
    issues.iter().any(Issue::is_error)
}

/// The outcome of [`validate`]: the effective requirements and every issue found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Validation {
    /// Preset plus the spec's grants, merged, with removals applied.
    pub requirements: Requirements,
    /// Every problem found, errors and warnings.
    pub issues: Vec<Issue>,
}

impl Validation {
    /// Whether any issue is an error.
    pub fn has_errors(&self) -> bool {
        has_errors(&self.issues)
    }
}

/// Validates the spec and the preset, applies the spec's grants, and checks the result.
///
/// Issue paths start with the spec's own keys (`user.alias`, `grants.objects[0]`) or with
/// `preset.` for entries that came from the plugin.
pub fn validate(spec: &IntegrationSpec, preset: &Requirements) -> Validation {
    let mut issues = validate_spec(spec);
    check_requirement_names(preset, spec, "preset", &mut issues);

    let mut requirements = preset.clone();
    requirements.normalise();
    issues.extend(requirements.apply(&spec.grants));
    check_effective(&requirements, spec, preset, &mut issues);

    Validation {
        requirements,
        issues,
    }
}

/// Validates the spec on its own: user fields, names, and its `[grants]`.
pub fn validate_spec(spec: &IntegrationSpec) -> Vec<Issue> {
    let mut issues = Vec::new();
    check_identity(spec, &mut issues);
    check_user(spec, &mut issues);
    check_grant_changes(spec, &mut issues);
    check_acknowledgements(spec, &mut issues);
    issues
}

fn check_identity(spec: &IntegrationSpec, issues: &mut Vec<Issue>) {
    if let Err(reason) = names::check_integration_id(&spec.id) {
        issues.push(Issue::new(
            codes::INVALID_ID,
            "id",
            format!("id `{}` {reason}", spec.id),
        ));
    }
    if let Some(plugin) = &spec.plugin {
        if plugin.id.trim().is_empty() {
            issues.push(Issue::new(
                codes::INVALID_PLUGIN,
                "plugin.id",
                "plugin id is empty",
            ));
        }
        if plugin.preset.trim().is_empty() {
            issues.push(Issue::new(
                codes::INVALID_PLUGIN,
                "plugin.preset",
                "preset id is empty",
            ));
        }
    }

    let name = spec.permission_set_name();
    if let Err(reason) = names::check_permission_set_name(&name) {
        issues.push(
            Issue::new(
                codes::INVALID_PERMISSION_SET_NAME,
                "permission_set.name",
                format!("permission set name `{name}` {reason}"),
            )
            .hint("use letters, digits and single underscores, starting with a letter"),
        );
    }
    let label = spec.permission_set_label();
    if let Err(reason) = names::check_length(&label, names::MAX_PERMISSION_SET_NAME_LENGTH) {
        issues.push(Issue::new(
            codes::INVALID_PERMISSION_SET_LABEL,
            "permission_set.label",
            format!("permission set label `{label}` {reason}"),
        ));
    }
    if let Some(description) = &spec.permission_set.description
        && description.chars().count() > 255
    {
        issues.push(Issue::new(
            codes::INVALID_PERMISSION_SET_LABEL,
            "permission_set.description",
            "permission set description is longer than 255 characters",
        ));
    }

    let app_name = spec.app_name();
    if let Err(reason) = names::check_permission_set_name(&app_name) {
        issues.push(Issue::new(
            codes::INVALID_APP_NAME,
            "app.name",
            format!("app name `{app_name}` {reason}"),
        ));
    }
    if let Some(contact) = &spec.app.contact_email
        && let Err(reason) = names::check_email_form(contact)
    {
        issues.push(Issue::new(
            codes::INVALID_EMAIL,
            "app.contact_email",
            format!("contact e-mail `{contact}` {reason}"),
        ));
    }
    if let CertificateSource::File { path } = &spec.certificate
        && path.trim().is_empty()
    {
        issues.push(
            Issue::new(codes::EMPTY_CERTIFICATE_PATH, "certificate.path", "certificate path is empty")
                .hint("give the PEM file of the external system's certificate, or use `source = \"generate\"`"),
        );
    }
}

fn check_user(spec: &IntegrationSpec, issues: &mut Vec<Issue>) {
    let user = &spec.user;
    let username_problem = names::check_email_form(&user.username)
        .and_then(|()| names::check_length(&user.username, names::MAX_USERNAME_LENGTH));
    if let Err(reason) = username_problem {
        issues.push(
            Issue::new(codes::INVALID_USERNAME, "user.username", format!("username `{}` {reason}", user.username))
                .hint("a username has the form of an e-mail address, e.g. `integration-hubspot@acme.example`; it need not be a real mailbox"),
        );
    }
    let email_problem = names::check_email_form(&user.email)
        .and_then(|()| names::check_length(&user.email, names::MAX_EMAIL_LENGTH));
    if let Err(reason) = email_problem {
        issues.push(Issue::new(
            codes::INVALID_EMAIL,
            "user.email",
            format!("e-mail `{}` {reason}", user.email),
        ));
    }

    let mut check_name = |path: &str, what: &str, value: &str, max: usize| {
        if let Err(reason) = names::check_length(value, max) {
            issues.push(Issue::new(
                codes::INVALID_USER_NAME_FIELD,
                path,
                format!("{what} `{value}` {reason}"),
            ));
        }
    };
    check_name(
        "user.last_name",
        "last name",
        &spec.last_name(),
        names::MAX_LAST_NAME_LENGTH,
    );
    if let Some(first_name) = &user.first_name {
        check_name(
            "user.first_name",
            "first name",
            first_name,
            names::MAX_FIRST_NAME_LENGTH,
        );
    }
    check_name(
        "user.alias",
        "alias",
        &spec.alias(),
        names::MAX_ALIAS_LENGTH,
    );

    for (path, value) in [
        ("user.time_zone_sid_key", &user.time_zone_sid_key),
        ("user.locale_sid_key", &user.locale_sid_key),
        ("user.language_locale_key", &user.language_locale_key),
        ("user.email_encoding_key", &user.email_encoding_key),
    ] {
        if value.trim().is_empty() {
            issues.push(Issue::new(codes::EMPTY_USER_KEY, path, "value is empty"));
        }
    }
}

fn known_permission_names() -> impl Iterator<Item = &'static str> + Clone {
    SYSTEM_PERMISSIONS
        .iter()
        .map(|permission| permission.api_name)
}

fn suggestion(name: &str, candidates: impl IntoIterator<Item = &'static str>) -> Option<String> {
    closest(name, candidates).map(|known| format!("did you mean `{known}`?"))
}

fn check_object_access(path: &str, object: &str, access: &ObjectAccess, issues: &mut Vec<Issue>) {
    if access.is_none() {
        issues.push(
            Issue::new(
                codes::EMPTY_ACCESS,
                path,
                format!("no rights granted on `{object}`"),
            )
            .hint("list at least `read`, or drop the entry"),
        );
    }
    for (right, missing) in access.missing_prerequisites() {
        let missing: Vec<String> = missing.iter().map(|right| format!("`{right}`")).collect();
        issues.push(
            Issue::new(
                codes::OBJECT_ACCESS_DEPENDENCY,
                path,
                format!(
                    "`{right}` on `{object}` needs {} as well",
                    missing.join(" and ")
                ),
            )
            .hint("Salesforce refuses object rights without their prerequisites; add them"),
        );
    }
}

fn check_object_name(path: &str, object: &str, issues: &mut Vec<Issue>) {
    if let Err(reason) = names::check_object_name(object) {
        issues.push(Issue::new(
            codes::INVALID_OBJECT_NAME,
            path,
            format!("object `{object}` {reason}"),
        ));
    }
}

fn check_field(
    path: &str,
    access_path: &str,
    field: &str,
    edit_without_read: bool,
    issues: &mut Vec<Issue>,
) {
    if let Err(reason) = names::check_field_name(field) {
        issues.push(Issue::new(
            codes::INVALID_FIELD_NAME,
            path,
            format!("field `{field}` {reason}"),
        ));
    }
    if edit_without_read {
        issues.push(
            Issue::new(
                codes::FIELD_ACCESS_DEPENDENCY,
                access_path,
                format!("`edit` on `{field}` needs `read` as well"),
            )
            .hint("write `access = [\"read\", \"edit\"]`"),
        );
    }
}

fn check_permission_name(path: &str, name: &str, spec: &IntegrationSpec, issues: &mut Vec<Issue>) {
    if catalogue::system_permission(name).is_some() {
        return;
    }
    if spec.allows_unlisted(name) {
        issues.push(Issue::new(
            codes::UNLISTED_PERMISSION_ALLOWED,
            path,
            format!(
                "system permission `{name}` is not in sfiu's catalogue; the spec vouches for it"
            ),
        ));
        return;
    }
    let hint = suggestion(name, known_permission_names()).unwrap_or_else(|| {
        format!(
            "use the PermissionSet field name (e.g. `PermissionsApiEnabled`); if `{name}` is real, list it in `allow_unlisted_permissions`"
        )
    });
    issues.push(
        Issue::new(
            codes::UNKNOWN_PERMISSION,
            path,
            format!("unknown system permission `{name}`"),
        )
        .hint(hint),
    );
}

fn check_scope(path: &str, token: &str, spec: &IntegrationSpec, issues: &mut Vec<Issue>) {
    match catalogue::oauth_scope(token) {
        None => {
            let hint = suggestion(
                token,
                catalogue::OAUTH_SCOPES.iter().map(|scope| scope.token),
            );
            issues.push(
                Issue::new(
                    codes::UNKNOWN_SCOPE,
                    path,
                    format!("unknown OAuth scope `{token}`"),
                )
                .hint_opt(hint),
            );
        }
        Some(scope) if scope.metadata_name.is_none() && spec.app.kind == AppKind::ConnectedApp => {
            issues.push(Issue::new(
                codes::SCOPE_NOT_IN_CONNECTED_APP,
                path,
                format!("OAuth scope `{token}` has no Connected App metadata value and will be left out"),
            ).hint("External Client Apps take any scope token"));
        }
        Some(_) => {}
    }
}

fn check_grant_changes(spec: &IntegrationSpec, issues: &mut Vec<Issue>) {
    let grants = &spec.grants;
    for (index, grant) in grants.objects.iter().enumerate() {
        let path = format!("grants.objects[{index}]");
        check_object_name(&format!("{path}.object"), &grant.object, issues);
        check_object_access(
            &format!("{path}.access"),
            &grant.object,
            &grant.access,
            issues,
        );
    }
    for (index, grant) in grants.fields.iter().enumerate() {
        let path = format!("grants.fields[{index}]");
        if grant.access.is_none() {
            issues.push(Issue::new(
                codes::EMPTY_ACCESS,
                format!("{path}.access"),
                format!("no rights granted on `{}`", grant.field),
            ));
        }
        check_field(
            &format!("{path}.field"),
            &format!("{path}.access"),
            &grant.field,
            grant.access.edit && !grant.access.read,
            issues,
        );
    }
    for (index, name) in grants.system_permissions.iter().enumerate() {
        check_permission_name(
            &format!("grants.system_permissions[{index}]"),
            name,
            spec,
            issues,
        );
    }
    check_named(
        &grants.apex_classes,
        "grants.apex_classes",
        codes::INVALID_APEX_CLASS,
        "Apex class",
        names::check_apex_class_name,
        issues,
    );
    check_named(
        &grants.custom_permissions,
        "grants.custom_permissions",
        codes::INVALID_CUSTOM_PERMISSION,
        "custom permission",
        names::check_custom_permission_name,
        issues,
    );
    for (index, set) in grants.package_permission_sets.iter().enumerate() {
        check_package_set(
            &format!("grants.package_permission_sets[{index}]"),
            &set.namespace,
            &set.name,
            issues,
        );
    }
    for (index, token) in grants.oauth_scopes.iter().enumerate() {
        check_scope(
            &format!("grants.oauth_scopes[{index}]"),
            token,
            spec,
            issues,
        );
    }

    let remove = &grants.remove;
    for (index, removal) in remove.objects.iter().enumerate() {
        check_object_name(
            &format!("grants.remove.objects[{index}].object"),
            &removal.object,
            issues,
        );
    }
    for (index, field) in remove.fields.iter().enumerate() {
        check_field(
            &format!("grants.remove.fields[{index}]"),
            "",
            field,
            false,
            issues,
        );
    }
}

fn check_named(
    names_list: &[String],
    path: &str,
    code: &str,
    what: &str,
    checker: fn(&str) -> Result<(), String>,
    issues: &mut Vec<Issue>,
) {
    for (index, name) in names_list.iter().enumerate() {
        if let Err(reason) = checker(name) {
            issues.push(Issue::new(
                code,
                format!("{path}[{index}]"),
                format!("{what} `{name}` {reason}"),
            ));
        }
    }
}

fn check_package_set(path: &str, namespace: &str, name: &str, issues: &mut Vec<Issue>) {
    if let Err(reason) = names::check_namespace(namespace) {
        issues.push(Issue::new(
            codes::INVALID_PACKAGE_PERMISSION_SET,
            format!("{path}.namespace"),
            format!("namespace `{namespace}` {reason}"),
        ));
    }
    if let Err(reason) = names::check_permission_set_name(name) {
        issues.push(Issue::new(
            codes::INVALID_PACKAGE_PERMISSION_SET,
            format!("{path}.name"),
            format!("permission set name `{name}` {reason}"),
        ));
    }
}

fn check_acknowledgements(spec: &IntegrationSpec, issues: &mut Vec<Issue>) {
    for (index, name) in spec.acknowledge_dangerous.iter().enumerate() {
        let path = format!("acknowledge_dangerous[{index}]");
        match catalogue::system_permission(name) {
            None => check_permission_name(&path, name, spec, issues),
            Some(permission) if !permission.dangerous => issues.push(Issue::new(
                codes::NEEDLESS_ACKNOWLEDGEMENT,
                path,
                format!(
                    "`{}` is not a dangerous permission; no acknowledgement is needed",
                    permission.api_name
                ),
            )),
            Some(_) => {}
        }
    }
}

/// Checks names and dependencies of requirements that came from a plugin.
fn check_requirement_names(
    requirements: &Requirements,
    spec: &IntegrationSpec,
    prefix: &str,
    issues: &mut Vec<Issue>,
) {
    for (index, grant) in requirements.objects.iter().enumerate() {
        let path = format!("{prefix}.objects[{index}]");
        check_object_name(&format!("{path}.object"), &grant.object, issues);
        check_object_access(
            &format!("{path}.access"),
            &grant.object,
            &grant.access,
            issues,
        );
    }
    for (index, grant) in requirements.fields.iter().enumerate() {
        let path = format!("{prefix}.fields[{index}]");
        check_field(
            &format!("{path}.field"),
            &format!("{path}.access"),
            &grant.field,
            grant.access.edit && !grant.access.read,
            issues,
        );
    }
    for (index, grant) in requirements.system_permissions.iter().enumerate() {
        check_permission_name(
            &format!("{prefix}.system_permissions[{index}].name"),
            &grant.name,
            spec,
            issues,
        );
    }
    for (index, grant) in requirements.apex_classes.iter().enumerate() {
        if let Err(reason) = names::check_apex_class_name(&grant.name) {
            issues.push(Issue::new(
                codes::INVALID_APEX_CLASS,
                format!("{prefix}.apex_classes[{index}].name"),
                format!("Apex class `{}` {reason}", grant.name),
            ));
        }
    }
    for (index, grant) in requirements.custom_permissions.iter().enumerate() {
        if let Err(reason) = names::check_custom_permission_name(&grant.name) {
            issues.push(Issue::new(
                codes::INVALID_CUSTOM_PERMISSION,
                format!("{prefix}.custom_permissions[{index}].name"),
                format!("custom permission `{}` {reason}", grant.name),
            ));
        }
    }
    for (index, set) in requirements.package_permission_sets.iter().enumerate() {
        check_package_set(
            &format!("{prefix}.package_permission_sets[{index}]"),
            &set.namespace,
            &set.name,
            issues,
        );
    }
    for (index, grant) in requirements.oauth_scopes.iter().enumerate() {
        check_scope(
            &format!("{prefix}.oauth_scopes[{index}].scope"),
            &grant.scope,
            spec,
            issues,
        );
    }
}

/// Where a system permission came from: the spec's grants if it names it, else the preset.
fn permission_path(name: &str, spec: &IntegrationSpec, preset: &Requirements) -> String {
    if let Some(index) = spec
        .grants
        .system_permissions
        .iter()
        .position(|n| n.eq_ignore_ascii_case(name))
    {
        return format!("grants.system_permissions[{index}]");
    }
    match preset
        .system_permissions
        .iter()
        .position(|grant| grant.name.eq_ignore_ascii_case(name))
    {
        Some(index) => format!("preset.system_permissions[{index}].name"),
        None => "requirements.system_permissions".to_owned(),
    }
}

fn object_path(object: &str, spec: &IntegrationSpec, preset: &Requirements) -> String {
    if let Some(index) = spec
        .grants
        .objects
        .iter()
        .position(|grant| grant.object.eq_ignore_ascii_case(object))
    {
        return format!("grants.objects[{index}].object");
    }
    match preset
        .objects
        .iter()
        .position(|grant| grant.object.eq_ignore_ascii_case(object))
    {
        Some(index) => format!("preset.objects[{index}].object"),
        None => "requirements.objects".to_owned(),
    }
}

/// Checks the merged requirements: dangerous permissions, licence fit, field/object pairs.
fn check_effective(
    requirements: &Requirements,
    spec: &IntegrationSpec,
    preset: &Requirements,
    issues: &mut Vec<Issue>,
) {
    for grant in &requirements.system_permissions {
        let path = permission_path(&grant.name, spec, preset);
        if let Some(permission) = catalogue::system_permission(&grant.name)
            && permission.dangerous
            && !spec.acknowledges(permission.api_name)
        {
            issues.push(
                Issue::new(
                    codes::UNACKNOWLEDGED_DANGEROUS_PERMISSION,
                    &path,
                    format!("`{}` ({}) is dangerous and not acknowledged", permission.api_name, permission.label),
                )
                .hint(format!(
                    "add `{}` to `acknowledge_dangerous` if the integration truly needs it, or remove it under `[grants.remove]`",
                    permission.api_name
                )),
            );
        }
        if let Some(source) = license::unavailable_system_permission(&grant.name) {
            issues.push(Issue::new(
                codes::PERMISSION_UNAVAILABLE,
                &path,
                format!(
                    "`{}` is reported unavailable on the `{}` licence ({source})",
                    grant.name,
                    license::INTEGRATION_USER_LICENSE
                ),
            ));
        }
    }
    for name in &spec.acknowledge_dangerous {
        let requested = requirements
            .system_permissions
            .iter()
            .any(|grant| grant.name.eq_ignore_ascii_case(name));
        let dangerous =
            catalogue::system_permission(name).is_some_and(|permission| permission.dangerous);
        if dangerous && !requested {
            let index = spec
                .acknowledge_dangerous
                .iter()
                .position(|n| n == name)
                .unwrap_or_default();
            issues.push(
                Issue::new(
                    codes::NEEDLESS_ACKNOWLEDGEMENT,
                    format!("acknowledge_dangerous[{index}]"),
                    format!("`{name}` is acknowledged but nothing requests it"),
                )
                .hint("drop the acknowledgement so a later preset cannot slip it in unnoticed"),
            );
        }
    }

    for grant in &requirements.objects {
        let answer = license::object_reach(&grant.object);
        if answer.reach == Reach::Unreachable {
            let mut issue = Issue::new(
                codes::OBJECT_UNREACHABLE,
                object_path(&grant.object, spec, preset),
                format!(
                    "`{}` is reported unreachable on the `{}` licence ({})",
                    grant.object,
                    license::INTEGRATION_USER_LICENSE,
                    answer.source
                ),
            );
            if !answer.note.is_empty() {
                issue = issue.hint(answer.note);
            }
            issues.push(issue);
        }
    }
    for grant in &requirements.fields {
        let object = grant.object();
        let readable = requirements
            .object(object)
            .is_some_and(|object_grant| object_grant.access.read);
        if !readable {
            issues.push(
                Issue::new(
                    codes::FIELD_WITHOUT_OBJECT_READ,
                    format!("requirements.fields.{}", grant.field),
                    format!(
                        "field `{}` is granted but its object `{object}` has no read access",
                        grant.field
                    ),
                )
                .hint(format!(
                    "grant `read` on `{object}` or the field grant has no effect"
                )),
            );
        }
    }

    match &requirements.user_shape {
        UserShape::Dedicated | UserShape::VerifyExisting(_) => {}
        shape @ (UserShape::InteractiveFullLicense | UserShape::PerUser) => issues.push(
            Issue::new(
                codes::UNSUPPORTED_USER_SHAPE,
                "plugin.preset",
                format!("the preset needs a {shape}, which sfiu does not provision"),
            )
            .hint("sfiu creates dedicated API-only integration users"),
        ),
    }
    if requirements.license_fit == LicenseFit::FullLicenseRequired {
        issues.push(Issue::new(
            codes::FULL_LICENSE_REQUIRED,
            "plugin.preset",
            format!(
                "the preset needs a full Salesforce licence, not `{}`",
                license::INTEGRATION_USER_LICENSE
            ),
        ));
    }
    if requirements.oauth_scopes.is_empty() {
        issues.push(Issue::new(
            codes::NO_SCOPES,
            "grants.oauth_scopes",
            "no OAuth scopes requested; the app will allow `api` only",
        ));
    }
}

impl Requirements {
    /// Applies a spec's `[grants]`: adds its grants (with provenance `spec`) and then takes
    /// its removals away. Removing an object right also removes the rights that depend on it
    /// (removing `edit` removes `delete` and `modify-all-records`). Returns a warning for each
    /// removal that matches nothing.
    pub fn apply(&mut self, changes: &GrantChanges) -> Vec<Issue> {
        let mut issues = Vec::new();
        let provenance = |reason: Option<&str>| vec![Provenance::from_spec(reason)];

        let mut added = Requirements {
            user_shape: self.user_shape.clone(),
            license_fit: self.license_fit,
            ..Requirements::default()
        };
        added.objects = changes
            .objects
            .iter()
            .map(|grant| ObjectGrant {
                object: grant.object.clone(),
                access: grant.access,
                vendor_documented: None,
                provenance: provenance(grant.reason.as_deref()),
            })
            .collect();
        added.fields = changes
            .fields
            .iter()
            .map(|grant| FieldGrant {
                field: grant.field.clone(),
                access: grant.access,
                provenance: provenance(grant.reason.as_deref()),
            })
            .collect();
        added.system_permissions = changes
            .system_permissions
            .iter()
            .map(|name| SystemPermissionGrant {
                name: canonical_permission(name),
                provenance: provenance(None),
            })
            .collect();
        added.apex_classes = named(&changes.apex_classes);
        added.custom_permissions = named(&changes.custom_permissions);
        added.package_permission_sets = changes
            .package_permission_sets
            .iter()
            .map(|set| PackagePermissionSetGrant {
                namespace: set.namespace.clone(),
                name: set.name.clone(),
                provenance: provenance(None),
            })
            .collect();
        added.oauth_scopes = changes
            .oauth_scopes
            .iter()
            .map(|scope| OAuthScopeGrant {
                scope: scope.clone(),
                provenance: provenance(None),
            })
            .collect();
        self.merge(added);

        let remove = &changes.remove;
        for (index, removal) in remove.objects.iter().enumerate() {
            let position = self
                .objects
                .iter()
                .position(|grant| grant.object.eq_ignore_ascii_case(&removal.object));
            match (position, removal.access) {
                (None, _) => issues.push(removal_warning(
                    format!("grants.remove.objects[{index}]"),
                    &removal.object,
                )),
                (Some(position), None) => {
                    self.objects.remove(position);
                }
                (Some(position), Some(access)) => {
                    let grant = &mut self.objects[position];
                    grant.access = grant.access.without(access);
                    if grant.access.is_none() {
                        self.objects.remove(position);
                    }
                }
            }
        }
        retain_named(
            &mut self.fields,
            &remove.fields,
            "grants.remove.fields",
            |grant| &grant.field,
            &mut issues,
        );
        retain_named(
            &mut self.system_permissions,
            &remove.system_permissions,
            "grants.remove.system_permissions",
            |grant| &grant.name,
            &mut issues,
        );
        retain_named(
            &mut self.apex_classes,
            &remove.apex_classes,
            "grants.remove.apex_classes",
            |grant| &grant.name,
            &mut issues,
        );
        retain_named(
            &mut self.custom_permissions,
            &remove.custom_permissions,
            "grants.remove.custom_permissions",
            |grant| &grant.name,
            &mut issues,
        );
        retain_named(
            &mut self.oauth_scopes,
            &remove.oauth_scopes,
            "grants.remove.oauth_scopes",
            |grant| &grant.scope,
            &mut issues,
        );
        for (index, set) in remove.package_permission_sets.iter().enumerate() {
            let before = self.package_permission_sets.len();
            self.package_permission_sets.retain(|grant| {
                !(grant.namespace.eq_ignore_ascii_case(&set.namespace)
                    && grant.name.eq_ignore_ascii_case(&set.name))
            });
            if self.package_permission_sets.len() == before {
                issues.push(removal_warning(
                    format!("grants.remove.package_permission_sets[{index}]"),
                    &format!("{}__{}", set.namespace, set.name),
                ));
            }
        }
        issues
    }
}

/// The catalogue's spelling of a permission, so case slips merge with the preset's entry.
fn canonical_permission(name: &str) -> String {
    catalogue::system_permission(name).map_or_else(
        || name.to_owned(),
        |permission| permission.api_name.to_owned(),
    )
}

fn named(names_list: &[String]) -> Vec<NamedGrant> {
    names_list
        .iter()
        .map(|name| NamedGrant {
            name: name.clone(),
            provenance: vec![Provenance::from_spec(None)],
        })
        .collect()
}

fn removal_warning(path: String, name: &str) -> Issue {
    Issue::new(
        codes::REMOVAL_MATCHES_NOTHING,
        path,
        format!("`{name}` is not granted, so there is nothing to remove"),
    )
}

fn retain_named<T>(
    grants: &mut Vec<T>,
    removals: &[String],
    path: &str,
    name_of: impl Fn(&T) -> &String,
    issues: &mut Vec<Issue>,
) {
    for (index, removal) in removals.iter().enumerate() {
        let before = grants.len();
        grants.retain(|grant| !name_of(grant).eq_ignore_ascii_case(removal));
        if grants.len() == before {
            issues.push(removal_warning(format!("{path}[{index}]"), removal));
        }
    }
}

#[cfg(test)]
mod tests;
