//! The plan: what `apply` would change to bring the org to the declared state.
//!
//! [`DesiredState`] is built from the spec and the effective requirements; [`ObservedOrg`]
//! is a plain struct the Salesforce client fills from queries. [`Plan::new`] compares the
//! two and lists [`Action`]s in the order they must run: licence check, user, permission set
//! licence, permission set and its grants, assignments, certificate, app, login test. Every
//! action prints as one line, so `plan` reads like a Terraform diff, and a second `apply`
//! proves itself idempotent when [`Plan::has_changes`] is false. Nothing here executes.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::license;
use crate::requirements::{FieldAccess, ObjectAccess, ObjectRight, Requirements};
use crate::spec::{AppKind, CertificateSource, IntegrationSpec, PackagePermissionSetRef};
use crate::validate::{Issue, codes};

/// Scope every app gets, because the login test and all REST calls need it.
const BASELINE_SCOPE: &str = "api";

/// `SetupEntityAccess.SetupEntityType` of Apex class access.
pub const APEX_CLASS_ENTITY: &str = "ApexClass";
/// `SetupEntityAccess.SetupEntityType` of custom permission access.
pub const CUSTOM_PERMISSION_ENTITY: &str = "CustomPermission";

/// The user fields sfiu manages, by their Salesforce field names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DesiredUser {
    /// `Username`.
    pub username: String,
    /// `Email`.
    pub email: String,
    /// `FirstName`.
    pub first_name: Option<String>,
    /// `LastName`.
    pub last_name: String,
    /// `Alias`.
    pub alias: String,
    /// `TimeZoneSidKey`.
    pub time_zone_sid_key: String,
    /// `LocaleSidKey`.
    pub locale_sid_key: String,
    /// `LanguageLocaleKey`.
    pub language_locale_key: String,
    /// `EmailEncodingKey`.
    pub email_encoding_key: String,
}

/// The permission set sfiu owns, with every grant it should hold and nothing else.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DesiredPermissionSet {
    /// `Name`.
    pub name: String,
    /// `Label`.
    pub label: String,
    /// `Description`.
    pub description: Option<String>,
    /// System permissions set to true, by API name.
    pub system_permissions: BTreeSet<String>,
    /// Object permissions by sObject.
    pub objects: BTreeMap<String, ObjectAccess>,
    /// Field permissions by `Object.Field`.
    pub fields: BTreeMap<String, FieldAccess>,
    /// Apex classes enabled through setup entity access.
    pub apex_classes: BTreeSet<String>,
    /// Custom permissions enabled through setup entity access.
    pub custom_permissions: BTreeSet<String>,
}

/// The certificate the app should carry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DesiredCertificate {
    /// Where it comes from.
    pub source: CertificateSource,
    /// SHA-256 fingerprint (hex) when the runner already knows it (a file certificate);
    /// `None` means any certificate already on the app is accepted.
    pub fingerprint_sha256: Option<String>,
}

/// The OAuth app the external system authenticates against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DesiredApp {
    /// The kind the spec asks for (`auto` is resolved against the org when planning).
    pub kind: AppKind,
    /// API name.
    pub name: String,
    /// Label.
    pub label: String,
    /// Contact e-mail.
    pub contact_email: String,
    /// OAuth scope tokens the app allows.
    pub oauth_scopes: BTreeSet<String>,
    /// Whether only admin-approved users may use it (they are pre-authorised); always true
    /// here, because an API-only user cannot approve an app interactively.
    pub admin_approved: bool,
    /// The permission set whose holders are pre-authorised.
    pub pre_authorized_permission_set: String,
}

/// Objects every user reads without an `ObjectPermissions` row, and which the
/// `ObjectPermissions.SobjectType` picklist does not offer (Salesforce refuses a row for
/// them with a restricted-picklist error). A grant on them stays in the requirements, for
/// the runbook and the access proof, but never becomes a row.
pub const OBJECTS_WITHOUT_OBJECT_PERMISSIONS: &[&str] = &[
    "User",
    "Organization",
    "Profile",
    "Group",
    "RecordType",
    "BusinessHours",
];

/// Child objects whose access follows their parent's (no `ObjectPermissions` row exists for
/// them either), as `(child, parent)`. A grant on them stays in the requirements for the
/// runbook, but never becomes a row; the parent's grant is what gives access.
pub const OBJECTS_FOLLOWING_PARENT: &[(&str, &str)] = &[
    ("AccountTeamMember", "Account"),
    ("CampaignMember", "Campaign"),
    ("CaseComment", "Case"),
    ("OpportunityContactRole", "Opportunity"),
    ("OpportunityHistory", "Opportunity"),
    ("OpportunityLineItem", "Opportunity"),
    ("OpportunitySplit", "Opportunity"),
    ("OpportunityTeamMember", "Opportunity"),
];

/// Whether `object` takes no `ObjectPermissions` row: one of
/// [`OBJECTS_WITHOUT_OBJECT_PERMISSIONS`] or a child in [`OBJECTS_FOLLOWING_PARENT`].
pub fn is_without_object_permissions(object: &str) -> bool {
    OBJECTS_WITHOUT_OBJECT_PERMISSIONS
        .iter()
        .any(|name| name.eq_ignore_ascii_case(object))
        || parent_object(object).is_some()
}

/// The parent whose access a child object follows, if it is one of
/// [`OBJECTS_FOLLOWING_PARENT`].
pub fn parent_object(object: &str) -> Option<&'static str> {
    OBJECTS_FOLLOWING_PARENT
        .iter()
        .find(|(child, _)| child.eq_ignore_ascii_case(object))
        .map(|(_, parent)| *parent)
}

/// Everything `apply` should leave in the org.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DesiredState {
    /// Integration id.
    pub integration_id: String,
    /// The integration user.
    pub user: DesiredUser,
    /// The least-privilege permission set.
    pub permission_set: DesiredPermissionSet,
    /// Managed-package permission sets to assign as well.
    pub package_permission_sets: Vec<PackagePermissionSetRef>,
    /// The app's certificate.
    pub certificate: DesiredCertificate,
    /// The app.
    pub app: DesiredApp,
}

impl DesiredState {
    /// Builds the desired state from a spec and its effective requirements (the
    /// [`crate::Validation::requirements`] of a clean validation).
    pub fn new(spec: &IntegrationSpec, requirements: &Requirements) -> Self {
        let user = DesiredUser {
            username: spec.user.username.clone(),
            email: spec.user.email.clone(),
            first_name: spec.user.first_name.clone(),
            last_name: spec.last_name(),
            alias: spec.alias(),
            time_zone_sid_key: spec.user.time_zone_sid_key.clone(),
            locale_sid_key: spec.user.locale_sid_key.clone(),
            language_locale_key: spec.user.language_locale_key.clone(),
            email_encoding_key: spec.user.email_encoding_key.clone(),
        };
        let permission_set = DesiredPermissionSet {
            name: spec.permission_set_name(),
            label: spec.permission_set_label(),
            description: spec.permission_set.description.clone(),
            system_permissions: requirements.system_permission_names(),
            objects: requirements
                .objects
                .iter()
                .filter(|grant| !is_without_object_permissions(&grant.object))
                .map(|grant| (grant.object.clone(), grant.access))
                .collect(),
            fields: requirements
                .fields
                .iter()
                .map(|grant| (grant.field.clone(), grant.access))
                .collect(),
            apex_classes: requirements
                .apex_classes
                .iter()
                .map(|grant| grant.name.clone())
                .collect(),
            custom_permissions: requirements
                .custom_permissions
                .iter()
                .map(|grant| grant.name.clone())
                .collect(),
        };
        let mut oauth_scopes: BTreeSet<String> = requirements
            .oauth_scopes
            .iter()
            .map(|grant| grant.scope.clone())
            .collect();
        oauth_scopes.insert(BASELINE_SCOPE.to_owned());
        let app = DesiredApp {
            kind: spec.app.kind,
            name: spec.app_name(),
            label: spec.app_label(),
            contact_email: spec.app_contact_email(),
            oauth_scopes,
            admin_approved: true,
            pre_authorized_permission_set: permission_set.name.clone(),
        };
        Self {
            integration_id: spec.id.clone(),
            user,
            permission_set,
            package_permission_sets: requirements
                .package_permission_sets
                .iter()
                .map(|set| PackagePermissionSetRef {
                    namespace: set.namespace.clone(),
                    name: set.name.clone(),
                })
                .collect(),
            certificate: DesiredCertificate {
                source: spec.certificate.clone(),
                fingerprint_sha256: None,
            },
            app,
        }
    }

    /// Sets the fingerprint of a certificate the runner has read, so a changed file shows
    /// up as an update.
    #[must_use]
    pub fn with_certificate_fingerprint(mut self, fingerprint_sha256: impl Into<String>) -> Self {
        self.certificate.fingerprint_sha256 = Some(fingerprint_sha256.into());
        self
    }
}

/// Seat counts of a user licence or permission set licence.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LicenseSeats {
    /// `TotalLicenses`.
    pub total: u32,
    /// `UsedLicenses`.
    pub used: u32,
}

impl LicenseSeats {
    /// Seats still free.
    pub fn free(&self) -> u32 {
        self.total.saturating_sub(self.used)
    }
}

/// The integration user as the org has it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObservedUser {
    /// Record Id (`005…`).
    pub id: String,
    /// `Username`.
    pub username: String,
    /// `Email`.
    pub email: String,
    /// `FirstName`.
    pub first_name: Option<String>,
    /// `LastName`.
    pub last_name: String,
    /// `Alias`.
    pub alias: String,
    /// `TimeZoneSidKey`.
    pub time_zone_sid_key: String,
    /// `LocaleSidKey`.
    pub locale_sid_key: String,
    /// `LanguageLocaleKey`.
    pub language_locale_key: String,
    /// `EmailEncodingKey`.
    pub email_encoding_key: String,
    /// `Profile.Name`.
    pub profile_name: Option<String>,
    /// `Profile.UserLicense.Name`.
    pub license_name: Option<String>,
    /// `IsActive`.
    pub is_active: bool,
}

/// One `ObjectPermissions` row of the permission set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectPermissionRow {
    /// `SobjectType`.
    pub sobject_type: String,
    /// The row's permission flags.
    pub access: ObjectAccess,
}

/// One `FieldPermissions` row of the permission set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldPermissionRow {
    /// `Field` (`Object.Field`).
    pub field: String,
    /// The row's permission flags.
    pub access: FieldAccess,
}

/// One `SetupEntityAccess` row of the permission set, with the entity's name resolved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetupEntityAccessRow {
    /// `SetupEntityType`, e.g. `ApexClass`, `CustomPermission`, `ConnectedApplication`.
    pub entity_type: String,
    /// The entity's name (`ns.Class`, `ns__Permission`, app name).
    pub name: String,
}

/// The permission set as the org has it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObservedPermissionSet {
    /// Record Id (`0PS…`).
    pub id: String,
    /// `Name`.
    pub name: String,
    /// `Label`.
    pub label: String,
    /// `Description`.
    pub description: Option<String>,
    /// `Permissions…` flags by API name; only true ones matter, false ones may be omitted.
    pub system_permissions: BTreeMap<String, bool>,
    /// Object permission rows.
    pub object_permissions: Vec<ObjectPermissionRow>,
    /// Field permission rows.
    pub field_permissions: Vec<FieldPermissionRow>,
    /// Setup entity access rows.
    pub setup_entity_access: Vec<SetupEntityAccessRow>,
}

/// One permission set assigned to the user (profile-owned sets excluded).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObservedAssignment {
    /// `PermissionSet.Name`.
    pub permission_set: String,
    /// `PermissionSet.NamespacePrefix`.
    pub namespace: Option<String>,
}

/// The app as the org has it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObservedApp {
    /// External Client App or Connected App (never `auto`).
    pub kind: AppKind,
    /// API name.
    pub name: String,
    /// Label.
    pub label: String,
    /// Contact e-mail.
    pub contact_email: Option<String>,
    /// OAuth scope tokens (Connected App enum values mapped back to tokens).
    pub oauth_scopes: BTreeSet<String>,
    /// Whether admin-approved users are pre-authorised.
    pub admin_approved: bool,
    /// Permission sets whose holders are pre-authorised.
    pub permission_sets: BTreeSet<String>,
    /// Whether a certificate is uploaded.
    pub has_certificate: bool,
    /// SHA-256 fingerprint (hex) of that certificate, if the client computed it.
    pub certificate_fingerprint_sha256: Option<String>,
}

/// What the Salesforce client found in the org.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObservedOrg {
    /// Seats of the `Salesforce Integration` user licence; `None` if the org lacks it.
    pub user_license: Option<LicenseSeats>,
    /// Seats of the `SalesforceAPIIntegrationPsl` permission set licence; `None` if absent.
    pub permission_set_license: Option<LicenseSeats>,
    /// The integration user, if it exists.
    pub user: Option<ObservedUser>,
    /// Whether the user holds the permission set licence.
    pub psl_assigned: bool,
    /// The permission set, if it exists.
    pub permission_set: Option<ObservedPermissionSet>,
    /// Permission sets assigned to the user.
    pub assignments: Vec<ObservedAssignment>,
    /// The app, if it exists.
    pub app: Option<ObservedApp>,
}

/// Options that change what the plan proposes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanOptions {
    /// Remove grants and assignments nobody declared, instead of only reporting them.
    pub delete_extra: bool,
}

/// The phase an action belongs to, in execution order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Step {
    /// Check that a licence seat is free.
    LicenseCheck,
    /// Create or update the user.
    User,
    /// Assign the permission set licence.
    PslAssignment,
    /// Create or update the permission set and its grants.
    PermissionSet,
    /// Assign the permission sets.
    PermissionSetAssignment,
    /// Generate or load the certificate.
    Certificate,
    /// Create or update the app.
    App,
    /// Sign a JWT, get a token and make an API call.
    LoginTest,
}

impl fmt::Display for Step {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(match self {
            Self::LicenseCheck => "licence check",
            Self::User => "user",
            Self::PslAssignment => "permission set licence",
            Self::PermissionSet => "permission set",
            Self::PermissionSetAssignment => "permission set assignment",
            Self::Certificate => "certificate",
            Self::App => "app",
            Self::LoginTest => "login test",
        })
    }
}

/// What an action does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Operation {
    /// Read-only check; changes nothing.
    Check,
    /// Create a record or component.
    Create,
    /// Change fields of an existing one.
    Update,
    /// Assign a licence or permission set.
    Assign,
    /// Delete something nobody declared (only with `delete_extra`).
    Delete,
    /// Already as declared.
    Unchanged,
    /// Present but not declared; kept because `delete_extra` is off.
    Extra,
}

impl Operation {
    /// Whether executing it changes the org.
    pub fn is_change(self) -> bool {
        matches!(
            self,
            Self::Create | Self::Update | Self::Assign | Self::Delete
        )
    }

    /// The diff marker: `+` create or assign, `~` update, `-` delete, `!` extra, `?` check.
    pub fn symbol(self) -> char {
        match self {
            Self::Check => '?',
            Self::Create | Self::Assign => '+',
            Self::Update => '~',
            Self::Delete => '-',
            Self::Unchanged => '=',
            Self::Extra => '!',
        }
    }

    /// The verb, e.g. `create`.
    pub fn verb(self) -> &'static str {
        match self {
            Self::Check => "check",
            Self::Create => "create",
            Self::Update => "update",
            Self::Assign => "assign",
            Self::Delete => "delete",
            Self::Unchanged => "unchanged",
            Self::Extra => "extra",
        }
    }
}

/// What an action acts on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum Resource {
    /// The `Salesforce Integration` user licence.
    UserLicense {
        /// `UserLicense.Name`.
        name: String,
    },
    /// The integration user.
    User {
        /// `Username`.
        username: String,
    },
    /// The permission set licence assigned to the user.
    PermissionSetLicenseAssignment {
        /// `PermissionSetLicense.DeveloperName`.
        license: String,
        /// `Username`.
        username: String,
    },
    /// The permission set itself (label, description, system permissions).
    PermissionSet {
        /// `Name`.
        name: String,
    },
    /// One object's permissions on the permission set.
    ObjectPermissions {
        /// `Name` of the permission set.
        permission_set: String,
        /// `SobjectType`.
        object: String,
    },
    /// One field's permissions on the permission set.
    FieldPermissions {
        /// `Name` of the permission set.
        permission_set: String,
        /// `Object.Field`.
        field: String,
    },
    /// Access to an Apex class or custom permission.
    SetupEntityAccess {
        /// `Name` of the permission set.
        permission_set: String,
        /// `SetupEntityType`.
        entity_type: String,
        /// Entity name.
        name: String,
    },
    /// A permission set assigned to the user.
    PermissionSetAssignment {
        /// `PermissionSet.Name`.
        permission_set: String,
        /// Namespace of a managed-package permission set.
        namespace: Option<String>,
        /// `Username`.
        username: String,
    },
    /// The app's certificate.
    Certificate {
        /// Where it comes from.
        source: CertificateSource,
    },
    /// The OAuth app.
    App {
        /// External Client App or Connected App.
        kind: AppKind,
        /// API name.
        name: String,
    },
    /// The end-to-end JWT login test.
    LoginTest {
        /// `Username` signed into the JWT.
        username: String,
        /// App name.
        app: String,
    },
}

impl fmt::Display for Resource {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UserLicense { name } => write!(formatter, "user licence `{name}`"),
            Self::User { username } => write!(formatter, "user `{username}`"),
            Self::PermissionSetLicenseAssignment { license, username } => {
                write!(
                    formatter,
                    "permission set licence `{license}` to `{username}`"
                )
            }
            Self::PermissionSet { name } => write!(formatter, "permission set `{name}`"),
            Self::ObjectPermissions {
                permission_set,
                object,
            } => {
                write!(
                    formatter,
                    "object permissions `{object}` on `{permission_set}`"
                )
            }
            Self::FieldPermissions {
                permission_set,
                field,
            } => {
                write!(
                    formatter,
                    "field permissions `{field}` on `{permission_set}`"
                )
            }
            Self::SetupEntityAccess {
                permission_set,
                entity_type,
                name,
            } => {
                write!(
                    formatter,
                    "{entity_type} access `{name}` on `{permission_set}`"
                )
            }
            Self::PermissionSetAssignment {
                permission_set,
                namespace,
                username,
            } => {
                match namespace {
                    Some(namespace) => {
                        write!(formatter, "permission set `{namespace}__{permission_set}`")
                    }
                    None => write!(formatter, "permission set `{permission_set}`"),
                }?;
                write!(formatter, " to `{username}`")
            }
            Self::Certificate { source } => match source {
                CertificateSource::Generate {} => formatter.write_str("certificate (generated)"),
                CertificateSource::File { path } => write!(formatter, "certificate from `{path}`"),
            },
            Self::App { kind, name } => write!(formatter, "{kind} `{name}`"),
            Self::LoginTest { username, app } => {
                write!(formatter, "JWT login as `{username}` through `{app}`")
            }
        }
    }
}

/// A value in a field-level change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Value {
    /// A checkbox.
    Bool(bool),
    /// Text.
    Text(String),
    /// A set of names, sorted.
    List(Vec<String>),
}

impl fmt::Display for Value {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Bool(value) => write!(formatter, "{value}"),
            Self::Text(value) => write!(formatter, "{value:?}"),
            Self::List(values) => write!(formatter, "[{}]", values.join(", ")),
        }
    }
}

/// One field of a record or component changing value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// Salesforce field or metadata element, e.g. `Email`, `PermissionsEdit`.
    pub field: String,
    /// Current value; `None` when absent.
    pub from: Option<Value>,
    /// New value; `None` when it is removed.
    pub to: Option<Value>,
}

impl Change {
    fn set(field: impl Into<String>, from: Option<Value>, to: Value) -> Self {
        Self {
            field: field.into(),
            from,
            to: Some(to),
        }
    }
}

impl fmt::Display for Change {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.from, &self.to) {
            (None, Some(to)) => write!(formatter, "{}={to}", self.field),
            (Some(from), Some(to)) => write!(formatter, "{}: {from} → {to}", self.field),
            (Some(from), None) => write!(formatter, "{}: {from} → (none)", self.field),
            (None, None) => write!(formatter, "{}", self.field),
        }
    }
}

/// One step of the plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Action {
    /// The phase it belongs to.
    pub step: Step,
    /// What it does.
    pub operation: Operation,
    /// What it acts on.
    pub resource: Resource,
    /// Field-level changes (for creates, the values set).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<Change>,
    /// Extra context, e.g. seat counts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Action {
    fn new(step: Step, operation: Operation, resource: Resource) -> Self {
        Self {
            step,
            operation,
            resource,
            changes: Vec::new(),
            note: None,
        }
    }

    fn with_changes(mut self, changes: Vec<Change>) -> Self {
        self.changes = changes;
        self
    }

    fn with_note(mut self, note: impl Into<String>) -> Self {
        self.note = Some(note.into());
        self
    }
}

impl fmt::Display for Action {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        // "delete permission set `X` to `user`" reads as deleting the permission set, so an
        // assignment that goes or stays undeclared says what happens to the assignment.
        let assignment = match &self.resource {
            Resource::PermissionSetAssignment {
                permission_set,
                namespace,
                username,
            } => Some((
                match namespace {
                    Some(namespace) => format!("{namespace}__{permission_set}"),
                    None => permission_set.clone(),
                },
                username,
            )),
            _ => None,
        };
        let symbol = self.operation.symbol();
        match (self.operation, assignment) {
            (Operation::Delete, Some((set, username))) => write!(
                formatter,
                "{symbol} unassign permission set `{set}` from `{username}`"
            )?,
            (Operation::Extra, Some((set, username))) => write!(
                formatter,
                "{symbol} extra assignment of permission set `{set}` to `{username}`"
            )?,
            _ => write!(
                formatter,
                "{symbol} {} {}",
                self.operation.verb(),
                self.resource
            )?,
        }
        if !self.changes.is_empty() {
            let changes: Vec<String> = self.changes.iter().map(ToString::to_string).collect();
            write!(formatter, ": {}", changes.join(", "))?;
        }
        if let Some(note) = &self.note {
            write!(formatter, " ({note})")?;
        }
        Ok(())
    }
}

/// The ordered actions that bring the org to the desired state, and what blocks them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    /// Actions in execution order.
    pub actions: Vec<Action>,
    /// Problems found in the org that stop `apply` before it changes anything, such as no
    /// free licence seat.
    pub blockers: Vec<Issue>,
}

impl Plan {
    /// Compares the desired state with the org and lists what to do.
    pub fn new(desired: &DesiredState, observed: &ObservedOrg, options: PlanOptions) -> Self {
        let mut plan = Self::default();
        plan.plan_license(observed);
        plan.plan_user(desired, observed);
        plan.plan_psl(desired, observed);
        plan.plan_permission_set(desired, observed, options);
        plan.plan_assignments(desired, observed, options);
        let app_kind = plan.resolve_app_kind(desired, observed);
        plan.plan_certificate(desired, observed);
        plan.plan_app(desired, observed, app_kind, options);
        plan.push(Action::new(
            Step::LoginTest,
            Operation::Check,
            Resource::LoginTest {
                username: desired.user.username.clone(),
                app: desired.app.name.clone(),
            },
        ));
        plan
    }

    /// Whether applying the plan would change the org.
    pub fn has_changes(&self) -> bool {
        self.actions
            .iter()
            .any(|action| action.operation.is_change())
    }

    /// Whether applying the plan would change nothing (checks and extras aside).
    pub fn is_empty(&self) -> bool {
        !self.has_changes()
    }

    /// Whether the org holds grants or assignments nobody declared.
    pub fn has_drift(&self) -> bool {
        self.actions.iter().any(|action| {
            matches!(
                action.operation,
                Operation::Extra | Operation::Delete | Operation::Update
            )
        })
    }

    /// The actions that change the org.
    pub fn changes(&self) -> impl Iterator<Item = &Action> {
        self.actions
            .iter()
            .filter(|action| action.operation.is_change())
    }

    fn push(&mut self, action: Action) {
        self.actions.push(action);
    }

    fn block(&mut self, code: &str, path: &str, message: String, hint: Option<&str>) {
        self.blockers.push(Issue {
            code: code.to_owned(),
            severity: crate::validate::Severity::Error,
            path: path.to_owned(),
            message,
            hint: hint.map(str::to_owned),
        });
    }

    fn plan_license(&mut self, observed: &ObservedOrg) {
        let resource = Resource::UserLicense {
            name: license::INTEGRATION_USER_LICENSE.to_owned(),
        };
        let needs_seat = observed.user.is_none();
        let mut action = Action::new(Step::LicenseCheck, Operation::Check, resource);
        match observed.user_license {
            None => self.block(
                codes::LICENSE_NOT_IN_ORG,
                "org",
                format!("the org has no `{}` user licence", license::INTEGRATION_USER_LICENSE),
                Some("the licence exists on Enterprise, Unlimited, Performance and Developer editions"),
            ),
            Some(seats) => {
                action = action.with_note(format!("{} of {} seats used", seats.used, seats.total));
                if needs_seat && seats.free() == 0 {
                    self.block(
                        codes::NO_FREE_SEAT,
                        "org",
                        format!(
                            "no free `{}` seat: {} of {} used",
                            license::INTEGRATION_USER_LICENSE,
                            seats.used,
                            seats.total
                        ),
                        Some("deactivate an unused integration user or buy more seats"),
                    );
                }
            }
        }
        if !observed.psl_assigned {
            match observed.permission_set_license {
                None => self.block(
                    codes::LICENSE_NOT_IN_ORG,
                    "org",
                    format!(
                        "the org has no `{}` permission set licence",
                        license::INTEGRATION_PSL_DEVELOPER_NAME
                    ),
                    None,
                ),
                Some(seats) if seats.free() == 0 => self.block(
                    codes::NO_FREE_SEAT,
                    "org",
                    format!(
                        "no free `{}` seat: {} of {} used",
                        license::INTEGRATION_PSL_LABEL,
                        seats.used,
                        seats.total
                    ),
                    None,
                ),
                Some(_) => {}
            }
        }
        if let Some(user) = &observed.user
            && let Some(name) = &user.license_name
            && name != license::INTEGRATION_USER_LICENSE
        {
            self.block(
                codes::USER_ON_OTHER_LICENSE,
                "user.username",
                format!(
                    "user `{}` exists on the `{name}` licence, not `{}`",
                    user.username,
                    license::INTEGRATION_USER_LICENSE
                ),
                Some("choose another username; sfiu does not move users between licences"),
            );
        }
        self.push(action);
    }

    fn plan_user(&mut self, desired: &DesiredState, observed: &ObservedOrg) {
        let wanted = &desired.user;
        let resource = Resource::User {
            username: wanted.username.clone(),
        };
        let text = |value: &str| Value::Text(value.to_owned());
        let fields: [(&str, Option<String>); 9] = [
            ("Username", Some(wanted.username.clone())),
            ("Email", Some(wanted.email.clone())),
            ("FirstName", wanted.first_name.clone()),
            ("LastName", Some(wanted.last_name.clone())),
            ("Alias", Some(wanted.alias.clone())),
            ("TimeZoneSidKey", Some(wanted.time_zone_sid_key.clone())),
            ("LocaleSidKey", Some(wanted.locale_sid_key.clone())),
            (
                "LanguageLocaleKey",
                Some(wanted.language_locale_key.clone()),
            ),
            ("EmailEncodingKey", Some(wanted.email_encoding_key.clone())),
        ];
        let Some(user) = &observed.user else {
            let changes = fields
                .iter()
                .filter_map(|(field, value)| {
                    value
                        .as_deref()
                        .map(|value| Change::set(*field, None, text(value)))
                })
                .collect();
            self.push(
                Action::new(Step::User, Operation::Create, resource)
                    .with_changes(changes)
                    .with_note(format!(
                        "profile of licence `{}`",
                        license::INTEGRATION_USER_LICENSE
                    )),
            );
            return;
        };

        let current: [(&str, Option<&str>); 9] = [
            ("Username", Some(user.username.as_str())),
            ("Email", Some(user.email.as_str())),
            ("FirstName", user.first_name.as_deref()),
            ("LastName", Some(user.last_name.as_str())),
            ("Alias", Some(user.alias.as_str())),
            ("TimeZoneSidKey", Some(user.time_zone_sid_key.as_str())),
            ("LocaleSidKey", Some(user.locale_sid_key.as_str())),
            ("LanguageLocaleKey", Some(user.language_locale_key.as_str())),
            ("EmailEncodingKey", Some(user.email_encoding_key.as_str())),
        ];
        let mut changes = Vec::new();
        for ((field, wanted_value), (_, current_value)) in fields.iter().zip(current) {
            // Usernames are case-insensitive in Salesforce; other values compare exactly.
            let same = match (wanted_value.as_deref(), current_value) {
                (Some(left), Some(right)) if *field == "Username" => {
                    left.eq_ignore_ascii_case(right)
                }
                (left, right) => left == right,
            };
            // An undeclared first name leaves whatever the org has.
            if same || wanted_value.is_none() {
                continue;
            }
            changes.push(Change {
                field: (*field).to_owned(),
                from: current_value.map(text),
                to: wanted_value.as_deref().map(text),
            });
        }
        if !user.is_active {
            changes.push(Change::set(
                "IsActive",
                Some(Value::Bool(false)),
                Value::Bool(true),
            ));
        }
        let operation = if changes.is_empty() {
            Operation::Unchanged
        } else {
            Operation::Update
        };
        self.push(Action::new(Step::User, operation, resource).with_changes(changes));
    }

    fn plan_psl(&mut self, desired: &DesiredState, observed: &ObservedOrg) {
        let resource = Resource::PermissionSetLicenseAssignment {
            license: license::INTEGRATION_PSL_DEVELOPER_NAME.to_owned(),
            username: desired.user.username.clone(),
        };
        let operation = if observed.psl_assigned {
            Operation::Unchanged
        } else {
            Operation::Assign
        };
        self.push(Action::new(Step::PslAssignment, operation, resource));
    }

    fn plan_permission_set(
        &mut self,
        desired: &DesiredState,
        observed: &ObservedOrg,
        options: PlanOptions,
    ) {
        let wanted = &desired.permission_set;
        let name = wanted.name.clone();
        let empty = ObservedPermissionSet::default();
        let (current, exists) = match &observed.permission_set {
            Some(set) => (set, true),
            None => (&empty, false),
        };

        // The permission set record: label, description and system permissions.
        let mut changes = Vec::new();
        let mut extras = Vec::new();
        if !exists || current.label != wanted.label {
            changes.push(Change {
                field: "Label".to_owned(),
                from: exists.then(|| Value::Text(current.label.clone())),
                to: Some(Value::Text(wanted.label.clone())),
            });
        }
        if wanted.description.is_some() && current.description != wanted.description {
            changes.push(Change {
                field: "Description".to_owned(),
                from: current.description.clone().map(Value::Text),
                to: wanted.description.clone().map(Value::Text),
            });
        }
        let enabled: BTreeSet<String> = current
            .system_permissions
            .iter()
            .filter(|(_, enabled)| **enabled)
            .map(|(name, _)| name.clone())
            .collect();
        for permission in &wanted.system_permissions {
            if !contains_folded(&enabled, permission) {
                changes.push(Change::set(
                    permission.clone(),
                    exists.then_some(Value::Bool(false)),
                    Value::Bool(true),
                ));
            }
        }
        for permission in &enabled {
            if !contains_folded(&wanted.system_permissions, permission) {
                if options.delete_extra {
                    changes.push(Change::set(
                        permission.clone(),
                        Some(Value::Bool(true)),
                        Value::Bool(false),
                    ));
                } else {
                    extras.push(permission.clone());
                }
            }
        }
        let resource = Resource::PermissionSet { name: name.clone() };
        let operation = match (exists, changes.is_empty()) {
            (false, _) => Operation::Create,
            (true, true) => Operation::Unchanged,
            (true, false) => Operation::Update,
        };
        self.push(
            Action::new(Step::PermissionSet, operation, resource.clone()).with_changes(changes),
        );
        if !extras.is_empty() {
            self.push(
                Action::new(Step::PermissionSet, Operation::Extra, resource)
                    .with_changes(
                        extras
                            .into_iter()
                            .map(|permission| Change {
                                field: permission,
                                from: Some(Value::Bool(true)),
                                to: None,
                            })
                            .collect(),
                    )
                    .with_note("not declared; kept"),
            );
        }

        self.plan_object_permissions(wanted, current, options);
        self.plan_field_permissions(wanted, current, options);
        self.plan_setup_entity_access(wanted, current, options);
    }

    fn plan_object_permissions(
        &mut self,
        wanted: &DesiredPermissionSet,
        current: &ObservedPermissionSet,
        options: PlanOptions,
    ) {
        let rows: BTreeMap<String, &ObjectPermissionRow> = current
            .object_permissions
            .iter()
            .filter(|row| !row.access.is_none())
            .map(|row| (row.sobject_type.to_ascii_lowercase(), row))
            .collect();
        for (object, access) in &wanted.objects {
            let resource = Resource::ObjectPermissions {
                permission_set: wanted.name.clone(),
                object: object.clone(),
            };
            let Some(row) = rows.get(&object.to_ascii_lowercase()) else {
                let changes = access
                    .rights()
                    .into_iter()
                    .map(|right| Change::set(right.field_name(), None, Value::Bool(true)))
                    .collect();
                self.push(
                    Action::new(Step::PermissionSet, Operation::Create, resource)
                        .with_changes(changes),
                );
                continue;
            };
            let target = if options.delete_extra {
                *access
            } else {
                access.union(row.access)
            };
            let changes: Vec<Change> = ObjectRight::ALL
                .into_iter()
                .filter(|right| target.has(*right) != row.access.has(*right))
                .map(|right| {
                    Change::set(
                        right.field_name(),
                        Some(Value::Bool(row.access.has(right))),
                        Value::Bool(target.has(right)),
                    )
                })
                .collect();
            let operation = if changes.is_empty() {
                Operation::Unchanged
            } else {
                Operation::Update
            };
            self.push(
                Action::new(Step::PermissionSet, operation, resource.clone()).with_changes(changes),
            );
            let extra = row.access.without_rights(*access);
            if !options.delete_extra && !extra.is_none() {
                self.push(
                    Action::new(Step::PermissionSet, Operation::Extra, resource)
                        .with_changes(
                            extra
                                .rights()
                                .into_iter()
                                .map(|right| Change {
                                    field: right.field_name().to_owned(),
                                    from: Some(Value::Bool(true)),
                                    to: None,
                                })
                                .collect(),
                        )
                        .with_note("not declared; kept"),
                );
            }
        }
        for (key, row) in &rows {
            if wanted
                .objects
                .keys()
                .any(|object| object.to_ascii_lowercase() == *key)
            {
                continue;
            }
            let resource = Resource::ObjectPermissions {
                permission_set: wanted.name.clone(),
                object: row.sobject_type.clone(),
            };
            self.push(self.extra_or_delete(resource, format!("holds {}", row.access), options));
        }
    }

    fn plan_field_permissions(
        &mut self,
        wanted: &DesiredPermissionSet,
        current: &ObservedPermissionSet,
        options: PlanOptions,
    ) {
        let rows: BTreeMap<String, &FieldPermissionRow> = current
            .field_permissions
            .iter()
            .filter(|row| !row.access.is_none())
            .map(|row| (row.field.to_ascii_lowercase(), row))
            .collect();
        for (field, access) in &wanted.fields {
            let resource = Resource::FieldPermissions {
                permission_set: wanted.name.clone(),
                field: field.clone(),
            };
            let Some(row) = rows.get(&field.to_ascii_lowercase()) else {
                let mut changes = vec![Change::set(
                    "PermissionsRead",
                    None,
                    Value::Bool(access.read),
                )];
                changes.push(Change::set(
                    "PermissionsEdit",
                    None,
                    Value::Bool(access.edit),
                ));
                self.push(
                    Action::new(Step::PermissionSet, Operation::Create, resource)
                        .with_changes(changes),
                );
                continue;
            };
            let target = if options.delete_extra {
                *access
            } else {
                access.union(row.access)
            };
            let mut changes = Vec::new();
            if target.read != row.access.read {
                changes.push(Change::set(
                    "PermissionsRead",
                    Some(Value::Bool(row.access.read)),
                    Value::Bool(target.read),
                ));
            }
            if target.edit != row.access.edit {
                changes.push(Change::set(
                    "PermissionsEdit",
                    Some(Value::Bool(row.access.edit)),
                    Value::Bool(target.edit),
                ));
            }
            let operation = if changes.is_empty() {
                Operation::Unchanged
            } else {
                Operation::Update
            };
            self.push(
                Action::new(Step::PermissionSet, operation, resource.clone()).with_changes(changes),
            );
            if !options.delete_extra && row.access.edit && !access.edit {
                self.push(
                    Action::new(Step::PermissionSet, Operation::Extra, resource)
                        .with_changes(vec![Change {
                            field: "PermissionsEdit".to_owned(),
                            from: Some(Value::Bool(true)),
                            to: None,
                        }])
                        .with_note("not declared; kept"),
                );
            }
        }
        for (key, row) in &rows {
            if wanted
                .fields
                .keys()
                .any(|field| field.to_ascii_lowercase() == *key)
            {
                continue;
            }
            let resource = Resource::FieldPermissions {
                permission_set: wanted.name.clone(),
                field: row.field.clone(),
            };
            self.push(self.extra_or_delete(resource, format!("holds {}", row.access), options));
        }
    }

    fn plan_setup_entity_access(
        &mut self,
        wanted: &DesiredPermissionSet,
        current: &ObservedPermissionSet,
        options: PlanOptions,
    ) {
        for (entity_type, names) in [
            (APEX_CLASS_ENTITY, &wanted.apex_classes),
            (CUSTOM_PERMISSION_ENTITY, &wanted.custom_permissions),
        ] {
            let present: BTreeSet<String> = current
                .setup_entity_access
                .iter()
                .filter(|row| row.entity_type == entity_type)
                .map(|row| row.name.clone())
                .collect();
            for name in names {
                let resource = Resource::SetupEntityAccess {
                    permission_set: wanted.name.clone(),
                    entity_type: entity_type.to_owned(),
                    name: name.clone(),
                };
                let operation = if contains_folded(&present, name) {
                    Operation::Unchanged
                } else {
                    Operation::Create
                };
                self.push(Action::new(Step::PermissionSet, operation, resource));
            }
            for name in &present {
                if contains_folded(names, name) {
                    continue;
                }
                let resource = Resource::SetupEntityAccess {
                    permission_set: wanted.name.clone(),
                    entity_type: entity_type.to_owned(),
                    name: name.clone(),
                };
                self.push(self.extra_or_delete(resource, "not declared".to_owned(), options));
            }
        }
    }

    fn extra_or_delete(&self, resource: Resource, note: String, options: PlanOptions) -> Action {
        if options.delete_extra {
            Action::new(Step::PermissionSet, Operation::Delete, resource).with_note(note)
        } else {
            Action::new(Step::PermissionSet, Operation::Extra, resource)
                .with_note(format!("{note}; not declared; kept"))
        }
    }

    fn plan_assignments(
        &mut self,
        desired: &DesiredState,
        observed: &ObservedOrg,
        options: PlanOptions,
    ) {
        let username = desired.user.username.clone();
        let mut wanted: Vec<(Option<String>, String)> =
            vec![(None, desired.permission_set.name.clone())];
        wanted.extend(
            desired
                .package_permission_sets
                .iter()
                .map(|set| (Some(set.namespace.clone()), set.name.clone())),
        );
        let matches = |assignment: &ObservedAssignment, namespace: &Option<String>, name: &str| {
            assignment.permission_set.eq_ignore_ascii_case(name)
                && assignment.namespace.as_deref().map(str::to_ascii_lowercase)
                    == namespace.as_deref().map(str::to_ascii_lowercase)
        };
        for (namespace, name) in &wanted {
            let resource = Resource::PermissionSetAssignment {
                permission_set: name.clone(),
                namespace: namespace.clone(),
                username: username.clone(),
            };
            let assigned = observed
                .assignments
                .iter()
                .any(|assignment| matches(assignment, namespace, name));
            let operation = if assigned {
                Operation::Unchanged
            } else {
                Operation::Assign
            };
            self.push(Action::new(
                Step::PermissionSetAssignment,
                operation,
                resource,
            ));
        }
        for assignment in &observed.assignments {
            if wanted
                .iter()
                .any(|(namespace, name)| matches(assignment, namespace, name))
            {
                continue;
            }
            let resource = Resource::PermissionSetAssignment {
                permission_set: assignment.permission_set.clone(),
                namespace: assignment.namespace.clone(),
                username: username.clone(),
            };
            let action = if options.delete_extra {
                Action::new(Step::PermissionSetAssignment, Operation::Delete, resource)
            } else {
                Action::new(Step::PermissionSetAssignment, Operation::Extra, resource)
                    .with_note("not declared; kept")
            };
            self.push(action);
        }
    }

    fn resolve_app_kind(&mut self, desired: &DesiredState, observed: &ObservedOrg) -> AppKind {
        match (desired.app.kind, &observed.app) {
            (AppKind::Auto, Some(app)) => app.kind,
            // A new app starts as a Connected App; where the org refuses to create one (the
            // Spring '26 default), the runner falls back to an External Client App.
            (AppKind::Auto, None) => AppKind::ConnectedApp,
            (kind, Some(app)) if app.kind != kind => {
                self.block(
                    codes::APP_KIND_MISMATCH,
                    "app.kind",
                    format!("`{}` exists as a {}, but the spec asks for a {kind}", app.name, app.kind),
                    Some("set `kind = \"auto\"` to keep the existing app, or choose another app name"),
                );
                kind
            }
            (kind, _) => kind,
        }
    }

    fn plan_certificate(&mut self, desired: &DesiredState, observed: &ObservedOrg) {
        let resource = Resource::Certificate {
            source: desired.certificate.source.clone(),
        };
        let action = match &observed.app {
            Some(app) if app.has_certificate => {
                match (
                    &desired.certificate.fingerprint_sha256,
                    &app.certificate_fingerprint_sha256,
                ) {
                    (Some(wanted), Some(current)) if !wanted.eq_ignore_ascii_case(current) => {
                        Action::new(Step::Certificate, Operation::Update, resource).with_changes(
                            vec![Change::set(
                                "FingerprintSha256",
                                Some(Value::Text(current.clone())),
                                Value::Text(wanted.clone()),
                            )],
                        )
                    }
                    _ => Action::new(Step::Certificate, Operation::Unchanged, resource),
                }
            }
            _ => Action::new(Step::Certificate, Operation::Create, resource),
        };
        self.push(action);
    }

    fn plan_app(
        &mut self,
        desired: &DesiredState,
        observed: &ObservedOrg,
        kind: AppKind,
        options: PlanOptions,
    ) {
        let wanted = &desired.app;
        let resource = Resource::App {
            kind,
            name: wanted.name.clone(),
        };
        let scopes = |set: &BTreeSet<String>| Value::List(set.iter().cloned().collect());
        let Some(app) = &observed.app else {
            let changes = vec![
                Change::set("Label", None, Value::Text(wanted.label.clone())),
                Change::set(
                    "ContactEmail",
                    None,
                    Value::Text(wanted.contact_email.clone()),
                ),
                Change::set("OAuthScopes", None, scopes(&wanted.oauth_scopes)),
                Change::set("AdminApproved", None, Value::Bool(wanted.admin_approved)),
                Change::set(
                    "PermissionSets",
                    None,
                    Value::List(vec![wanted.pre_authorized_permission_set.clone()]),
                ),
            ];
            self.push(Action::new(Step::App, Operation::Create, resource).with_changes(changes));
            return;
        };

        let mut changes = Vec::new();
        if app.label != wanted.label {
            changes.push(Change::set(
                "Label",
                Some(Value::Text(app.label.clone())),
                Value::Text(wanted.label.clone()),
            ));
        }
        let target_scopes: BTreeSet<String> = if options.delete_extra {
            wanted.oauth_scopes.clone()
        } else {
            wanted
                .oauth_scopes
                .union(&app.oauth_scopes)
                .cloned()
                .collect()
        };
        if target_scopes != app.oauth_scopes {
            changes.push(Change::set(
                "OAuthScopes",
                Some(scopes(&app.oauth_scopes)),
                scopes(&target_scopes),
            ));
        }
        if app.admin_approved != wanted.admin_approved {
            changes.push(Change::set(
                "AdminApproved",
                Some(Value::Bool(app.admin_approved)),
                Value::Bool(wanted.admin_approved),
            ));
        }
        let mut target_sets: BTreeSet<String> = if options.delete_extra {
            BTreeSet::new()
        } else {
            app.permission_sets.clone()
        };
        target_sets.insert(wanted.pre_authorized_permission_set.clone());
        if !contains_folded(&app.permission_sets, &wanted.pre_authorized_permission_set)
            || target_sets.len() != app.permission_sets.len()
        {
            changes.push(Change::set(
                "PermissionSets",
                Some(scopes(&app.permission_sets)),
                scopes(&target_sets),
            ));
        }
        let operation = if changes.is_empty() {
            Operation::Unchanged
        } else {
            Operation::Update
        };
        self.push(Action::new(Step::App, operation, resource).with_changes(changes));
    }
}

fn contains_folded(set: &BTreeSet<String>, name: &str) -> bool {
    set.iter().any(|entry| entry.eq_ignore_ascii_case(name))
}

impl fmt::Display for Plan {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        for action in &self.actions {
            writeln!(formatter, "{action}")?;
        }
        for blocker in &self.blockers {
            writeln!(formatter, "{blocker}")?;
        }
        let n_changes = self.changes().count();
        if n_changes == 0 {
            write!(formatter, "no changes")
        } else {
            write!(formatter, "{n_changes} change(s)")
        }
    }
}

impl ObjectAccess {
    /// The rights in `self` that `declared` does not grant.
    pub fn without_rights(self, declared: ObjectAccess) -> ObjectAccess {
        let mut access = ObjectAccess::NONE;
        for right in self.rights() {
            if !declared.has(right) {
                access.set(right, true);
            }
        }
        access
    }
}

#[cfg(test)]
mod tests;
