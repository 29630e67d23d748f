//! What an integration needs from its Salesforce user, with the reason for every grant.
//!
//! A plugin preset and the spec's own `[grants]` both end up as [`Requirements`]. The types
//! are plain serde data with stable field names because the plugin host converts WASM plugin
//! output into them and the runbook renders them. Merging is a union of access: the same
//! object, field or permission named twice becomes one grant carrying both provenances, so
//! the runbook can still say why each grant exists.

use std::collections::BTreeSet;
use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One right on an sObject, as the `ObjectPermissions` fields name them.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum ObjectRight {
    /// `PermissionsRead`.
    Read,
    /// `PermissionsCreate`; needs read.
    Create,
    /// `PermissionsEdit`; needs read.
    Edit,
    /// `PermissionsDelete`; needs read and edit.
    Delete,
    /// `PermissionsViewAllRecords`; needs read.
    ViewAllRecords,
    /// `PermissionsModifyAllRecords`; needs read, edit, delete and view-all-records.
    ModifyAllRecords,
    /// `PermissionsViewAllFields`; needs read.
    ViewAllFields,
}

impl ObjectRight {
    /// Every right, in the order Salesforce lists them.
    pub const ALL: [Self; 7] = [
        Self::Read,
        Self::Create,
        Self::Edit,
        Self::Delete,
        Self::ViewAllRecords,
        Self::ModifyAllRecords,
        Self::ViewAllFields,
    ];

    /// The `ObjectPermissions` field that carries this right, e.g. `PermissionsRead`.
    pub fn field_name(self) -> &'static str {
        match self {
            Self::Read => "PermissionsRead",
            Self::Create => "PermissionsCreate",
            Self::Edit => "PermissionsEdit",
            Self::Delete => "PermissionsDelete",
            Self::ViewAllRecords => "PermissionsViewAllRecords",
            Self::ModifyAllRecords => "PermissionsModifyAllRecords",
            Self::ViewAllFields => "PermissionsViewAllFields",
        }
    }

    /// The name used in specs and plugin output, e.g. `view-all-records`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Create => "create",
            Self::Edit => "edit",
            Self::Delete => "delete",
            Self::ViewAllRecords => "view-all-records",
            Self::ModifyAllRecords => "modify-all-records",
            Self::ViewAllFields => "view-all-fields",
        }
    }

    /// The rights Salesforce requires alongside this one (object reference, `ObjectPermissions`).
    pub fn prerequisites(self) -> &'static [ObjectRight] {
        match self {
            Self::Read => &[],
            Self::Create | Self::Edit | Self::ViewAllRecords | Self::ViewAllFields => &[Self::Read],
            Self::Delete => &[Self::Read, Self::Edit],
            Self::ModifyAllRecords => &[Self::Read, Self::Edit, Self::Delete, Self::ViewAllRecords],
        }
    }
}

impl fmt::Display for ObjectRight {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// The rights granted on one sObject; serialised as a list such as `["read", "edit"]`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(from = "Vec<ObjectRight>", into = "Vec<ObjectRight>")]
pub struct ObjectAccess {
    /// `PermissionsRead`.
    pub read: bool,
    /// `PermissionsCreate`.
    pub create: bool,
    /// `PermissionsEdit`.
    pub edit: bool,
    /// `PermissionsDelete`.
    pub delete: bool,
    /// `PermissionsViewAllRecords`.
    pub view_all_records: bool,
    /// `PermissionsModifyAllRecords`.
    pub modify_all_records: bool,
    /// `PermissionsViewAllFields`.
    pub view_all_fields: bool,
}

impl ObjectAccess {
    /// No rights at all.
    pub const NONE: Self = Self {
        read: false,
        create: false,
        edit: false,
        delete: false,
        view_all_records: false,
        modify_all_records: false,
        view_all_fields: false,
    };

    /// Read only.
    pub const READ: Self = Self {
        read: true,
        ..Self::NONE
    };

    /// Builds an access value from a list of rights.
    pub fn from_rights(rights: &[ObjectRight]) -> Self {
        let mut access = Self::NONE;
        for right in rights {
            access.set(*right, true);
        }
        access
    }

    /// Whether the given right is granted.
    pub fn has(&self, right: ObjectRight) -> bool {
        match right {
            ObjectRight::Read => self.read,
            ObjectRight::Create => self.create,
            ObjectRight::Edit => self.edit,
            ObjectRight::Delete => self.delete,
            ObjectRight::ViewAllRecords => self.view_all_records,
            ObjectRight::ModifyAllRecords => self.modify_all_records,
            ObjectRight::ViewAllFields => self.view_all_fields,
        }
    }

    /// Grants or withdraws one right, leaving the others as they are.
    pub fn set(&mut self, right: ObjectRight, value: bool) {
        let slot = match right {
            ObjectRight::Read => &mut self.read,
            ObjectRight::Create => &mut self.create,
            ObjectRight::Edit => &mut self.edit,
            ObjectRight::Delete => &mut self.delete,
            ObjectRight::ViewAllRecords => &mut self.view_all_records,
            ObjectRight::ModifyAllRecords => &mut self.modify_all_records,
            ObjectRight::ViewAllFields => &mut self.view_all_fields,
        };
        *slot = value;
    }

    /// The granted rights in Salesforce's order.
    pub fn rights(&self) -> Vec<ObjectRight> {
        ObjectRight::ALL
            .into_iter()
            .filter(|right| self.has(*right))
            .collect()
    }

    /// Whether no right is granted.
    pub fn is_none(&self) -> bool {
        *self == Self::NONE
    }

    /// The union of both.
    pub fn union(self, other: Self) -> Self {
        let mut access = self;
        for right in other.rights() {
            access.set(right, true);
        }
        access
    }

    /// Whether every right in `other` is also in `self`.
    pub fn contains(&self, other: &Self) -> bool {
        other.rights().into_iter().all(|right| self.has(right))
    }

    /// The granted rights whose prerequisites are missing, each with what it lacks.
    pub fn missing_prerequisites(&self) -> Vec<(ObjectRight, Vec<ObjectRight>)> {
        self.rights()
            .into_iter()
            .filter_map(|right| {
                let missing: Vec<ObjectRight> = right
                    .prerequisites()
                    .iter()
                    .copied()
                    .filter(|needed| !self.has(*needed))
                    .collect();
                (!missing.is_empty()).then_some((right, missing))
            })
            .collect()
    }

    /// Adds every prerequisite of every granted right (modify-all brings delete, and so on).
    pub fn with_prerequisites(self) -> Self {
        let mut access = self;
        // Two passes settle chains such as modify-all → delete → edit → read.
        for _ in 0..2 {
            for right in access.rights() {
                for needed in right.prerequisites() {
                    access.set(*needed, true);
                }
            }
        }
        access
    }

    /// Withdraws `removed` and every right that depends on a withdrawn one.
    pub fn without(self, removed: Self) -> Self {
        let mut access = self;
        for right in removed.rights() {
            access.set(right, false);
        }
        // Withdraw dependants until nothing changes; chains are at most three long.
        for _ in 0..3 {
            for right in access.rights() {
                if right
                    .prerequisites()
                    .iter()
                    .any(|needed| !access.has(*needed))
                {
                    access.set(right, false);
                }
            }
        }
        access
    }
}

impl From<Vec<ObjectRight>> for ObjectAccess {
    fn from(rights: Vec<ObjectRight>) -> Self {
        Self::from_rights(&rights)
    }
}

impl From<ObjectAccess> for Vec<ObjectRight> {
    fn from(access: ObjectAccess) -> Self {
        access.rights()
    }
}

impl JsonSchema for ObjectAccess {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "ObjectAccess".into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        <Vec<ObjectRight>>::json_schema(generator)
    }
}

impl fmt::Display for ObjectAccess {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rights = self.rights();
        if rights.is_empty() {
            return formatter.write_str("none");
        }
        let names: Vec<&str> = rights.into_iter().map(ObjectRight::as_str).collect();
        formatter.write_str(&names.join(", "))
    }
}

/// One right on a field, as the `FieldPermissions` fields name them.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum FieldRight {
    /// `PermissionsRead`.
    Read,
    /// `PermissionsEdit`; needs read.
    Edit,
}

/// The rights granted on one field; serialised as `["read"]` or `["read", "edit"]`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(from = "Vec<FieldRight>", into = "Vec<FieldRight>")]
pub struct FieldAccess {
    /// `PermissionsRead`.
    pub read: bool,
    /// `PermissionsEdit`.
    pub edit: bool,
}

impl FieldAccess {
    /// Read only.
    pub const READ: Self = Self {
        read: true,
        edit: false,
    };
    /// Read and edit.
    pub const READ_EDIT: Self = Self {
        read: true,
        edit: true,
    };

    /// The union of both.
    pub fn union(self, other: Self) -> Self {
        Self {
            read: self.read || other.read,
            edit: self.edit || other.edit,
        }
    }

    /// Whether no right is granted.
    pub fn is_none(&self) -> bool {
        !self.read && !self.edit
    }
}

impl From<Vec<FieldRight>> for FieldAccess {
    fn from(rights: Vec<FieldRight>) -> Self {
        Self {
            read: rights.contains(&FieldRight::Read),
            edit: rights.contains(&FieldRight::Edit),
        }
    }
}

impl From<FieldAccess> for Vec<FieldRight> {
    fn from(access: FieldAccess) -> Self {
        let mut rights = Vec::new();
        if access.read {
            rights.push(FieldRight::Read);
        }
        if access.edit {
            rights.push(FieldRight::Edit);
        }
        rights
    }
}

impl JsonSchema for FieldAccess {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "FieldAccess".into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        <Vec<FieldRight>>::json_schema(generator)
    }
}

impl fmt::Display for FieldAccess {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(match (self.read, self.edit) {
            (true, true) => "read, edit",
            (true, false) => "read",
            (false, true) => "edit",
            (false, false) => "none",
        })
    }
}

/// How much the integration depends on a grant.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Need {
    /// The integration does not work without it.
    Required,
    /// The vendor or our least-privilege reading advises it.
    Recommended,
    /// Nice to have; safe to drop.
    Optional,
    /// Needed only when the named vendor feature is switched on.
    WhenFeature(String),
    /// Lets the vendor self-check its setup (e.g. View Setup); a strict admin may drop it.
    Diagnostic,
}

impl Need {
    /// A rank for merging: the strongest need of a merged grant wins.
    fn rank(&self) -> u8 {
        match self {
            Self::Required => 4,
            Self::Recommended => 3,
            Self::WhenFeature(_) => 2,
            Self::Optional => 1,
            Self::Diagnostic => 0,
        }
    }
}

impl fmt::Display for Need {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Required => formatter.write_str("required"),
            Self::Recommended => formatter.write_str("recommended"),
            Self::Optional => formatter.write_str("optional"),
            Self::WhenFeature(feature) => write!(formatter, "only when feature `{feature}` is on"),
            Self::Diagnostic => formatter.write_str("diagnostic"),
        }
    }
}

/// How well a grant is backed by sources.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Evidence {
    /// Stated in the vendor's or Salesforce's own documentation.
    Documented,
    /// Stated by a third party (consultant, community thread).
    Reported,
    /// Inferred or not found; verify before relying on it.
    Unconfirmed,
}

impl fmt::Display for Evidence {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(match self {
            Self::Documented => "documented",
            Self::Reported => "reported",
            Self::Unconfirmed => "unconfirmed",
        })
    }
}

/// Why one grant is there: the runbook prints this next to the grant.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Provenance {
    /// Who asked for it: a plugin id and preset (`hubspot/bidirectional`) or `spec`.
    pub origin: String,
    /// One sentence saying why the integration needs the grant.
    pub reason: String,
    /// How much the integration depends on it.
    pub need: Need,
    /// How well the reason is backed.
    pub evidence: Evidence,
    /// URLs or short citations backing the reason.
    #[serde(default)]
    pub sources: Vec<String>,
}

impl Provenance {
    /// A provenance for a grant the spec declares itself.
    pub fn from_spec(reason: Option<&str>) -> Self {
        Self {
            origin: "spec".to_owned(),
            reason: reason
                .unwrap_or("declared in the integration spec")
                .to_owned(),
            need: Need::Required,
            evidence: Evidence::Documented,
            sources: Vec::new(),
        }
    }
}

/// Object-level access on one sObject.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ObjectGrant {
    /// sObject API name, e.g. `Contact` or `HubSpot_Inc__HubSpot_Intelligence__c`.
    pub object: String,
    /// The least-privilege access proposed.
    pub access: ObjectAccess,
    /// What the vendor's documentation asks for, when it differs from `access`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor_documented: Option<ObjectAccess>,
    /// Why the grant is there; several entries after a merge.
    #[serde(default)]
    pub provenance: Vec<Provenance>,
}

/// Field-level security on one field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FieldGrant {
    /// `Object.Field`, e.g. `Contact.Email`.
    pub field: String,
    /// Read, or read and edit.
    pub access: FieldAccess,
    /// Why the grant is there; several entries after a merge.
    #[serde(default)]
    pub provenance: Vec<Provenance>,
}

impl FieldGrant {
    /// The object part of `Object.Field`.
    pub fn object(&self) -> &str {
        self.field
            .split_once('.')
            .map_or(self.field.as_str(), |(object, _)| object)
    }
}

/// A system permission by its PermissionSet field name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SystemPermissionGrant {
    /// PermissionSet field name, e.g. `PermissionsApiEnabled`.
    pub name: String,
    /// Why the grant is there; several entries after a merge.
    #[serde(default)]
    pub provenance: Vec<Provenance>,
}

/// Access to an Apex class, or to a custom permission (both are setup entity access).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NamedGrant {
    /// The class or custom permission name, with its namespace if any (`ns__Name`).
    pub name: String,
    /// Why the grant is there; several entries after a merge.
    #[serde(default)]
    pub provenance: Vec<Provenance>,
}

/// A permission set that ships in a managed package and is assigned as is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PackagePermissionSetGrant {
    /// The package namespace, e.g. `HubSpot_Inc`.
    pub namespace: String,
    /// The permission set API name, e.g. `HubSpot_Integration_Permissions`.
    pub name: String,
    /// Why the grant is there; several entries after a merge.
    #[serde(default)]
    pub provenance: Vec<Provenance>,
}

/// An OAuth scope token the app must allow, e.g. `api`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OAuthScopeGrant {
    /// The scope token as the login server spells it (`api`, `refresh_token`).
    pub scope: String,
    /// Why the grant is there; several entries after a merge.
    #[serde(default)]
    pub provenance: Vec<Provenance>,
}

/// Which kind of Salesforce user the integration runs as.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum UserShape {
    /// A dedicated integration user that sfiu creates (the normal case).
    #[default]
    Dedicated,
    /// A user someone else provisions; sfiu only checks it (username pattern given).
    VerifyExisting(String),
    /// The vendor needs an interactive user on a full licence.
    InteractiveFullLicense,
    /// Each person connects their own user; there is no integration user to create.
    PerUser,
}

impl fmt::Display for UserShape {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Dedicated => formatter.write_str("dedicated integration user"),
            Self::VerifyExisting(pattern) => write!(formatter, "existing user `{pattern}`"),
            Self::InteractiveFullLicense => formatter.write_str("interactive full-licence user"),
            Self::PerUser => formatter.write_str("per-user connection"),
        }
    }
}

/// Whether the integration can run on the free Salesforce Integration licence.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum LicenseFit {
    /// Works on the Salesforce Integration licence.
    IntegrationLicense,
    /// Needs a full Salesforce licence.
    FullLicenseRequired,
    /// Not known; the live check decides.
    #[default]
    Unknown,
}

impl fmt::Display for LicenseFit {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(match self {
            Self::IntegrationLicense => "fits the Salesforce Integration licence",
            Self::FullLicenseRequired => "needs a full Salesforce licence",
            Self::Unknown => "licence fit unknown",
        })
    }
}

/// Everything an integration needs from its user, each grant with its provenance.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Requirements {
    /// Object permissions.
    #[serde(default)]
    pub objects: Vec<ObjectGrant>,
    /// Field permissions.
    #[serde(default)]
    pub fields: Vec<FieldGrant>,
    /// System permissions by PermissionSet field name.
    #[serde(default)]
    pub system_permissions: Vec<SystemPermissionGrant>,
    /// Apex classes the user must be able to run.
    #[serde(default)]
    pub apex_classes: Vec<NamedGrant>,
    /// Custom permissions.
    #[serde(default)]
    pub custom_permissions: Vec<NamedGrant>,
    /// Managed-package permission sets to assign as they are.
    #[serde(default)]
    pub package_permission_sets: Vec<PackagePermissionSetGrant>,
    /// OAuth scopes the app must allow.
    #[serde(default)]
    pub oauth_scopes: Vec<OAuthScopeGrant>,
    /// Which kind of user the integration runs as.
    #[serde(default)]
    pub user_shape: UserShape,
    /// Whether it fits the Salesforce Integration licence.
    #[serde(default)]
    pub license_fit: LicenseFit,
}

/// The strongest need among several provenances; `Required` when there are none.
pub fn strongest_need(provenance: &[Provenance]) -> Need {
    provenance
        .iter()
        .map(|entry| entry.need.clone())
        .max_by_key(Need::rank)
        .unwrap_or(Need::Required)
}

fn add_provenance(into: &mut Vec<Provenance>, from: Vec<Provenance>) {
    for entry in from {
        if !into.contains(&entry) {
            into.push(entry);
        }
    }
}

/// Merges entries of one list that share a key, keeping the first one's position.
fn merge_by_key<T>(
    items: Vec<T>,
    key: impl Fn(&T) -> String,
    mut absorb: impl FnMut(&mut T, T),
) -> Vec<T> {
    let mut merged: Vec<T> = Vec::with_capacity(items.len());
    for item in items {
        let item_key = key(&item);
        match merged.iter_mut().find(|existing| key(existing) == item_key) {
            Some(existing) => absorb(existing, item),
            None => merged.push(item),
        }
    }
    merged
}

/// Salesforce API names are case-insensitive, so merging compares them that way.
fn fold(name: &str) -> String {
    name.to_ascii_lowercase()
}

impl Requirements {
    /// Whether nothing at all is required.
    pub fn is_empty(&self) -> bool {
        self.objects.is_empty()
            && self.fields.is_empty()
            && self.system_permissions.is_empty()
            && self.apex_classes.is_empty()
            && self.custom_permissions.is_empty()
            && self.package_permission_sets.is_empty()
            && self.oauth_scopes.is_empty()
    }

    /// Adds `other` to `self`: the union of access, duplicates merged, provenance kept.
    ///
    /// Names compare case-insensitively, as Salesforce API names do; the first spelling
    /// seen is kept. The user shape and licence fit take the more restrictive of the two.
    pub fn merge(&mut self, other: Requirements) {
        self.objects.extend(other.objects);
        self.fields.extend(other.fields);
        self.system_permissions.extend(other.system_permissions);
        self.apex_classes.extend(other.apex_classes);
        self.custom_permissions.extend(other.custom_permissions);
        self.package_permission_sets
            .extend(other.package_permission_sets);
        self.oauth_scopes.extend(other.oauth_scopes);
        self.user_shape = match (&self.user_shape, other.user_shape) {
            (UserShape::Dedicated, shape) => shape,
            (_, _) => self.user_shape.clone(),
        };
        self.license_fit = match (self.license_fit, other.license_fit) {
            (LicenseFit::FullLicenseRequired, _) | (_, LicenseFit::FullLicenseRequired) => {
                LicenseFit::FullLicenseRequired
            }
            (LicenseFit::Unknown, _) | (_, LicenseFit::Unknown) => LicenseFit::Unknown,
            _ => LicenseFit::IntegrationLicense,
        };
        self.normalise();
    }

    /// Merges duplicate entries within each list (see [`Requirements::merge`]).
    pub fn normalise(&mut self) {
        self.objects = merge_by_key(
            std::mem::take(&mut self.objects),
            |grant| fold(&grant.object),
            |existing, grant| {
                existing.access = existing.access.union(grant.access);
                existing.vendor_documented =
                    match (existing.vendor_documented, grant.vendor_documented) {
                        (Some(left), Some(right)) => Some(left.union(right)),
                        (left, right) => left.or(right),
                    };
                add_provenance(&mut existing.provenance, grant.provenance);
            },
        );
        self.fields = merge_by_key(
            std::mem::take(&mut self.fields),
            |grant| fold(&grant.field),
            |existing, grant| {
                existing.access = existing.access.union(grant.access);
                add_provenance(&mut existing.provenance, grant.provenance);
            },
        );
        self.system_permissions = merge_by_key(
            std::mem::take(&mut self.system_permissions),
            |grant| fold(&grant.name),
            |existing, grant| add_provenance(&mut existing.provenance, grant.provenance),
        );
        for list in [&mut self.apex_classes, &mut self.custom_permissions] {
            *list = merge_by_key(
                std::mem::take(list),
                |grant| fold(&grant.name),
                |existing, grant| add_provenance(&mut existing.provenance, grant.provenance),
            );
        }
        self.package_permission_sets = merge_by_key(
            std::mem::take(&mut self.package_permission_sets),
            |grant| format!("{}__{}", fold(&grant.namespace), fold(&grant.name)),
            |existing, grant| add_provenance(&mut existing.provenance, grant.provenance),
        );
        self.oauth_scopes = merge_by_key(
            std::mem::take(&mut self.oauth_scopes),
            |grant| grant.scope.clone(),
            |existing, grant| add_provenance(&mut existing.provenance, grant.provenance),
        );
    }

    /// The object grant for `object`, compared case-insensitively.
    pub fn object(&self, object: &str) -> Option<&ObjectGrant> {
        self.objects
            .iter()
            .find(|grant| grant.object.eq_ignore_ascii_case(object))
    }

    /// Every provenance of every grant, in list order: what the runbook and `plugin show`
    /// cite as sources.
    pub fn provenance(&self) -> impl Iterator<Item = &Provenance> {
        self.objects
            .iter()
            .flat_map(|grant| &grant.provenance)
            .chain(self.fields.iter().flat_map(|grant| &grant.provenance))
            .chain(
                self.system_permissions
                    .iter()
                    .flat_map(|grant| &grant.provenance),
            )
            .chain(self.apex_classes.iter().flat_map(|grant| &grant.provenance))
            .chain(
                self.custom_permissions
                    .iter()
                    .flat_map(|grant| &grant.provenance),
            )
            .chain(
                self.package_permission_sets
                    .iter()
                    .flat_map(|grant| &grant.provenance),
            )
            .chain(self.oauth_scopes.iter().flat_map(|grant| &grant.provenance))
    }

    /// The system permission names, in order.
    pub fn system_permission_names(&self) -> BTreeSet<String> {
        self.system_permissions
            .iter()
            .map(|grant| grant.name.clone())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn provenance(origin: &str, need: Need) -> Provenance {
        Provenance {
            origin: origin.to_owned(),
            reason: format!("{origin} needs it"),
            need,
            evidence: Evidence::Documented,
            sources: vec!["https://example.invalid/doc".to_owned()],
        }
    }

    fn object(name: &str, rights: &[ObjectRight], origin: &str) -> ObjectGrant {
        ObjectGrant {
            object: name.to_owned(),
            access: ObjectAccess::from_rights(rights),
            vendor_documented: None,
            provenance: vec![provenance(origin, Need::Required)],
        }
    }

    #[test]
    fn access_serialises_as_a_list_of_rights() {
        let access = ObjectAccess::from_rights(&[ObjectRight::Edit, ObjectRight::Read]);
        assert_eq!(
            serde_json::to_string(&access).unwrap(),
            r#"["read","edit"]"#
        );
        let parsed: ObjectAccess = serde_json::from_str(r#"["view-all-records","read"]"#).unwrap();
        assert!(parsed.read && parsed.view_all_records && !parsed.edit);
        assert_eq!(
            serde_json::to_string(&FieldAccess::READ_EDIT).unwrap(),
            r#"["read","edit"]"#
        );
    }

    #[test]
    fn prerequisites_follow_salesforce_rules() {
        let check = |rights: &[ObjectRight], expected: &str| {
            let missing = ObjectAccess::from_rights(rights).missing_prerequisites();
            let text: Vec<String> = missing
                .iter()
                .map(|(right, needs)| {
                    let needs: Vec<&str> = needs.iter().map(|need| need.as_str()).collect();
                    format!("{right}<-{}", needs.join("+"))
                })
                .collect();
            assert_eq!(text.join(" "), expected, "{rights:?}");
        };
        use ObjectRight::*;
        check(&[Read], "");
        check(&[Create], "create<-read");
        check(&[Read, Edit, Delete], "");
        check(&[Read, Delete], "delete<-edit");
        check(&[ViewAllRecords], "view-all-records<-read");
        check(
            &[Read, ModifyAllRecords],
            "modify-all-records<-edit+delete+view-all-records",
        );
        check(&[Read, Edit, Delete, ViewAllRecords, ModifyAllRecords], "");
        assert_eq!(
            ObjectAccess::from_rights(&[ModifyAllRecords]).with_prerequisites(),
            ObjectAccess::from_rights(&[Read, Edit, Delete, ViewAllRecords, ModifyAllRecords])
        );
    }

    #[test]
    fn removing_a_right_removes_its_dependants() {
        use ObjectRight::*;
        let full = ObjectAccess::from_rights(&[
            Read,
            Create,
            Edit,
            Delete,
            ViewAllRecords,
            ModifyAllRecords,
        ]);
        assert_eq!(
            full.without(ObjectAccess::from_rights(&[Edit])),
            ObjectAccess::from_rights(&[Read, Create, ViewAllRecords])
        );
        assert_eq!(full.without(ObjectAccess::READ), ObjectAccess::NONE);
        assert_eq!(
            full.without(ObjectAccess::from_rights(&[ModifyAllRecords])),
            ObjectAccess::from_rights(&[Read, Create, Edit, Delete, ViewAllRecords])
        );
    }

    #[test]
    fn merge_unions_access_and_keeps_every_provenance() {
        use ObjectRight::*;
        let mut left = Requirements {
            objects: vec![
                object("Contact", &[Read], "hubspot/read-only"),
                object("Lead", &[Read], "hubspot/read-only"),
            ],
            system_permissions: vec![SystemPermissionGrant {
                name: "PermissionsApiEnabled".into(),
                provenance: vec![provenance("hubspot", Need::Diagnostic)],
            }],
            license_fit: LicenseFit::IntegrationLicense,
            ..Requirements::default()
        };
        let right = Requirements {
            objects: vec![object("contact", &[Read, Edit], "spec")],
            system_permissions: vec![
                SystemPermissionGrant {
                    name: "PermissionsApiEnabled".into(),
                    provenance: vec![provenance("spec", Need::Required)],
                },
                SystemPermissionGrant {
                    name: "PermissionsApiEnabled".into(),
                    provenance: vec![provenance("spec", Need::Required)],
                },
            ],
            fields: vec![
                FieldGrant {
                    field: "Contact.Email".into(),
                    access: FieldAccess::READ,
                    provenance: vec![],
                },
                FieldGrant {
                    field: "Contact.Email".into(),
                    access: FieldAccess::READ_EDIT,
                    provenance: vec![],
                },
            ],
            license_fit: LicenseFit::Unknown,
            ..Requirements::default()
        };
        left.merge(right);

        assert_eq!(left.objects.len(), 2);
        let contact = left.object("CONTACT").unwrap();
        assert_eq!(contact.object, "Contact", "first spelling wins");
        assert_eq!(contact.access, ObjectAccess::from_rights(&[Read, Edit]));
        let origins: Vec<&str> = contact
            .provenance
            .iter()
            .map(|p| p.origin.as_str())
            .collect();
        assert_eq!(origins, ["hubspot/read-only", "spec"]);

        assert_eq!(left.system_permissions.len(), 1);
        assert_eq!(
            left.system_permissions[0].provenance.len(),
            2,
            "identical provenance kept once"
        );
        assert_eq!(
            strongest_need(&left.system_permissions[0].provenance),
            Need::Required
        );
        assert_eq!(left.fields.len(), 1);
        assert_eq!(left.fields[0].access, FieldAccess::READ_EDIT);
        assert_eq!(left.license_fit, LicenseFit::Unknown);
    }

    #[test]
    fn requirements_round_trip_through_json_with_stable_names() {
        let requirements = Requirements {
            objects: vec![ObjectGrant {
                vendor_documented: Some(ObjectAccess::from_rights(&[
                    ObjectRight::Read,
                    ObjectRight::ModifyAllRecords,
                ])),
                ..object("Lead", &[ObjectRight::Read], "hubspot")
            }],
            oauth_scopes: vec![OAuthScopeGrant {
                scope: "api".into(),
                provenance: vec![],
            }],
            user_shape: UserShape::VerifyExisting("b2bmaintegration@*.ext".into()),
            ..Requirements::default()
        };
        let json = serde_json::to_value(&requirements).unwrap();
        assert_eq!(json["objects"][0]["provenance"][0]["need"], "required");
        assert_eq!(
            json["user_shape"]["verify-existing"],
            "b2bmaintegration@*.ext"
        );
        assert_eq!(json["license_fit"], "unknown");
        let need: Need = serde_json::from_str(r#"{"when-feature":"deal-sync"}"#).unwrap();
        assert_eq!(need, Need::WhenFeature("deal-sync".into()));
        let back: Requirements = serde_json::from_value(json).unwrap();
        assert_eq!(back, requirements);
    }
}
