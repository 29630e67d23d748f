//! What one user may see and change: the union of the profile's and the assigned permission
//! sets, plus the licence ceiling.
//!
//! Queries and DML as an integration user must fail exactly where a real org would refuse
//! them, so every request computes this view before touching data.

use std::collections::{BTreeSet, HashMap};

use serde_json::Value;

use crate::schema::{self, ObjectDef};
use crate::store::OrgData;

/// The name of the Salesforce Integration user licence.
pub(crate) const INTEGRATION_LICENSE: &str = "Salesforce Integration";
/// The DeveloperName of the Salesforce API Integration PSL (matched case-insensitively).
pub(crate) const INTEGRATION_PSL: &str = "SalesforceAPIIntegrationPsl";

/// Object permission bits.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct ObjectBits {
    pub(crate) read: bool,
    pub(crate) create: bool,
    pub(crate) edit: bool,
    pub(crate) delete: bool,
    pub(crate) view_all_fields: bool,
}

/// A user's effective permissions.
#[derive(Clone, Debug, Default)]
pub(crate) struct Access {
    pub(crate) user_id: String,
    /// View All Data / Modify All Data: everything is visible and writable.
    pub(crate) all: bool,
    pub(crate) system: BTreeSet<String>,
    objects: HashMap<String, ObjectBits>,
    fields: HashMap<String, (bool, bool)>,
    universal: Vec<String>,
}

fn flag(record: &serde_json::Map<String, Value>, name: &str) -> bool {
    record.get(name).and_then(Value::as_bool).unwrap_or(false)
}

/// The ids of every permission set that applies to a user, the profile's own set included.
pub(crate) fn permission_set_ids(org: &OrgData, user_id: &str) -> Vec<String> {
    org.table("PermissionSetAssignment")
        .filter(|a| a.get("AssigneeId").and_then(Value::as_str) == Some(user_id))
        .filter_map(|a| {
            a.get("PermissionSetId")
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
        .collect()
}

impl Access {
    /// Computes a user's access.
    pub(crate) fn of(org: &OrgData, user_id: &str) -> Access {
        let mut access = Access {
            user_id: user_id.to_owned(),
            universal: org.settings.universally_readable_objects.clone(),
            ..Access::default()
        };
        let sets = permission_set_ids(org, user_id);
        for set_id in &sets {
            let Some(set) = org.get("PermissionSet", set_id) else {
                continue;
            };
            for name in schema::SYSTEM_PERMISSIONS {
                if flag(set, &format!("Permissions{name}")) {
                    access.system.insert((*name).to_owned());
                }
            }
        }
        access.all =
            access.system.contains("ModifyAllData") || access.system.contains("ViewAllData");
        for row in org.table("ObjectPermissions") {
            let parent = row
                .get("ParentId")
                .and_then(Value::as_str)
                .unwrap_or_default();
            if !sets.iter().any(|s| s == parent) {
                continue;
            }
            let object = row
                .get("SobjectType")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let bits = access
                .objects
                .entry(object.to_ascii_lowercase())
                .or_default();
            bits.read |= flag(row, "PermissionsRead");
            bits.create |= flag(row, "PermissionsCreate");
            bits.edit |= flag(row, "PermissionsEdit");
            bits.delete |= flag(row, "PermissionsDelete");
            bits.view_all_fields |= flag(row, "PermissionsViewAllFields");
        }
        for row in org.table("FieldPermissions") {
            let parent = row
                .get("ParentId")
                .and_then(Value::as_str)
                .unwrap_or_default();
            if !sets.iter().any(|s| s == parent) {
                continue;
            }
            let field = row.get("Field").and_then(Value::as_str).unwrap_or_default();
            let entry = access.fields.entry(field.to_ascii_lowercase()).or_default();
            entry.0 |= flag(row, "PermissionsRead");
            entry.1 |= flag(row, "PermissionsEdit");
        }
        access
    }

    fn bits(&self, object: &ObjectDef) -> ObjectBits {
        self.objects
            .get(&object.name.to_ascii_lowercase())
            .copied()
            .unwrap_or_default()
    }

    fn is_universal(&self, object: &ObjectDef) -> bool {
        self.universal
            .iter()
            .any(|o| o.eq_ignore_ascii_case(object.name))
    }

    /// Whether the object is visible at all (query, describe, read).
    pub(crate) fn can_read(&self, object: &ObjectDef) -> bool {
        if self.all || self.is_universal(object) {
            return true;
        }
        if object.setup {
            return self.system.contains("ViewSetup");
        }
        self.bits(object).read
    }

    pub(crate) fn can_create(&self, object: &ObjectDef) -> bool {
        self.can_write_setup(object) || (!object.setup && self.bits(object).create)
    }

    pub(crate) fn can_edit(&self, object: &ObjectDef) -> bool {
        self.can_write_setup(object) || (!object.setup && self.bits(object).edit)
    }

    pub(crate) fn can_delete(&self, object: &ObjectDef) -> bool {
        self.can_write_setup(object) || (!object.setup && self.bits(object).delete)
    }

    fn can_write_setup(&self, object: &ObjectDef) -> bool {
        self.system.contains("ModifyAllData") && (object.setup || self.all)
    }

    /// Field-level security for reads.
    pub(crate) fn can_read_field(&self, object: &ObjectDef, field: &schema::FieldDef) -> bool {
        if self.all || object.setup || !field.permissionable {
            return true;
        }
        if self.bits(object).view_all_fields {
            return true;
        }
        let key = format!("{}.{}", object.name, field.name).to_ascii_lowercase();
        self.fields.get(&key).is_some_and(|(read, _)| *read)
    }

    /// Field-level security for writes.
    pub(crate) fn can_edit_field(&self, object: &ObjectDef, field: &schema::FieldDef) -> bool {
        if self.system.contains("ModifyAllData") || object.setup || !field.permissionable {
            return true;
        }
        let key = format!("{}.{}", object.name, field.name).to_ascii_lowercase();
        self.fields.get(&key).is_some_and(|(_, edit)| *edit)
    }
}

/// The user licence name of a user, through the profile.
pub(crate) fn license_name(org: &OrgData, user_id: &str) -> Option<String> {
    let user = org.get("User", user_id)?;
    let profile = org.get("Profile", user.get("ProfileId")?.as_str()?)?;
    let license = org.get("UserLicense", profile.get("UserLicenseId")?.as_str()?)?;
    license.get("Name")?.as_str().map(str::to_owned)
}

/// Whether the user holds the Salesforce API Integration PSL.
pub(crate) fn has_integration_psl(org: &OrgData, user_id: &str) -> bool {
    org.table("PermissionSetLicenseAssign")
        .filter(|a| a.get("AssigneeId").and_then(Value::as_str) == Some(user_id))
        .filter_map(|a| a.get("PermissionSetLicenseId").and_then(Value::as_str))
        .filter_map(|id| org.get("PermissionSetLicense", id))
        .any(|psl| {
            psl.get("DeveloperName")
                .and_then(Value::as_str)
                .is_some_and(|n| n.eq_ignore_ascii_case(INTEGRATION_PSL))
        })
}

/// Whether a user's licences allow any permission on an object.
pub(crate) fn license_allows(org: &OrgData, user_id: &str, object: &str) -> bool {
    let Some(license) = license_name(org, user_id) else {
        return true;
    };
    if license != INTEGRATION_LICENSE {
        return true;
    }
    let listed = |list: &[String]| list.iter().any(|o| o.eq_ignore_ascii_case(object));
    if listed(&org.settings.integration_base_objects) {
        return true;
    }
    has_integration_psl(org, user_id)
        && (object.ends_with("__c") || listed(&org.settings.integration_psl_objects))
}

/// The first permission a set grants on an object that the user's licence refuses, as
/// `(permission label, object label)`.
pub(crate) fn license_denial(
    org: &OrgData,
    user_id: &str,
    set_id: &str,
) -> Option<(String, String)> {
    let mut rows: Vec<_> = org
        .table("ObjectPermissions")
        .filter(|r| r.get("ParentId").and_then(Value::as_str) == Some(set_id))
        .collect();
    rows.sort_by_key(|r| {
        r.get("SobjectType")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    });
    for row in rows {
        let object = row
            .get("SobjectType")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if let Some(label) = granted_label(row)
            && !license_allows(org, user_id, object)
        {
            let object_label = schema::object(object).map_or(object, |o| o.label);
            return Some((label.to_owned(), object_label.to_owned()));
        }
    }
    None
}

/// The label of the weakest permission a row grants.
pub(crate) fn granted_label(row: &serde_json::Map<String, Value>) -> Option<&'static str> {
    [
        ("PermissionsRead", "Read"),
        ("PermissionsCreate", "Create"),
        ("PermissionsEdit", "Edit"),
        ("PermissionsDelete", "Delete"),
        ("PermissionsViewAllRecords", "View All"),
        ("PermissionsModifyAllRecords", "Modify All"),
    ]
    .into_iter()
    .find(|(field, _)| flag(row, field))
    .map(|(_, label)| label)
}
