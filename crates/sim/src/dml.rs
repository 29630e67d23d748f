//! Creating, updating and deleting records, with the rules a real org enforces.
//!
//! Generic checks (unknown and read-only fields, types, lengths, references, required fields,
//! field-level security) come first, then the per-object rules: licence seats, unique
//! usernames, the PSL-before-permission-set rule, permission dependencies and so on.

use serde_json::{Map, Value};

use crate::access::{self, Access};
use crate::ids;
use crate::schema::{self, FieldDef, FieldType, ObjectDef};
use crate::sferror::{RestError, SfError};
use crate::store::{OrgData, Record, now_string};

type DmlResult<T> = Result<T, RestError>;

const FLS_MESSAGE: &str = "Please check the security settings of this field and verify that it is read/write for your profile or permission set.";

fn bad(code: &str, message: impl Into<String>, fields: &[&str]) -> RestError {
    RestError::bad(SfError::dml(code, message, fields))
}

fn str_of<'a>(record: &'a Record, field: &str) -> Option<&'a str> {
    record.get(field).and_then(Value::as_str)
}

fn bool_of(record: &Record, field: &str) -> bool {
    record.get(field).and_then(Value::as_bool).unwrap_or(false)
}

/// Resolves an object for DML, refusing unknown and invisible ones.
pub(crate) fn object_for_dml(access: &Access, name: &str) -> DmlResult<&'static ObjectDef> {
    match schema::object(name) {
        Some(def) if access.can_read(def) => Ok(def),
        _ => Err(RestError::bad(SfError::new(
            "INVALID_TYPE",
            format!("sObject type '{name}' is not supported."),
        ))),
    }
}

fn insufficient() -> RestError {
    bad(
        "INSUFFICIENT_ACCESS_OR_READONLY",
        "insufficient access rights on object id",
        &[],
    )
}

/// Checks and converts the body fields of a create or update.
fn clean_fields(
    org: &OrgData,
    access: &Access,
    def: &ObjectDef,
    body: &Value,
    creating: bool,
) -> DmlResult<Record> {
    let Some(input) = body.as_object() else {
        return Err(RestError::json_parse(
            "Cannot deserialize instance of object from a non-object value",
        ));
    };
    let mut clean = Map::new();
    let mut not_writable: Vec<&str> = Vec::new();
    for (key, value) in input {
        if key == "attributes" || (!creating && key.eq_ignore_ascii_case("Id")) {
            continue;
        }
        let Some(field) = def.field(key) else {
            return Err(RestError::bad(SfError::dml(
                "INVALID_FIELD",
                format!("No such column '{key}' on sobject of type {}", def.name),
                &[],
            )));
        };
        let writable = if creating {
            field.createable
        } else {
            field.updateable
        };
        if !writable || !access.can_edit_field(def, field) {
            not_writable.push(field.name);
            continue;
        }
        clean.insert(field.name.to_owned(), check_value(org, def, field, value)?);
    }
    if !not_writable.is_empty() {
        let list = not_writable.join(", ");
        return Err(bad(
            "INVALID_FIELD_FOR_INSERT_UPDATE",
            format!("Unable to create/update fields: {list}. {FLS_MESSAGE}"),
            &not_writable,
        ));
    }
    if creating {
        let missing: Vec<&str> = def
            .fields
            .iter()
            .filter(|f| f.is_required())
            .filter(|f| {
                clean
                    .get(f.name)
                    .is_none_or(|v| v.is_null() || v.as_str() == Some(""))
            })
            .map(|f| f.name)
            .collect();
        if !missing.is_empty() {
            return Err(bad(
                "REQUIRED_FIELD_MISSING",
                format!("Required fields are missing: [{}]", missing.join(", ")),
                &missing,
            ));
        }
    }
    Ok(clean)
}

fn check_value(
    org: &OrgData,
    def: &ObjectDef,
    field: &FieldDef,
    value: &Value,
) -> DmlResult<Value> {
    if value.is_null() {
        if !field.nillable && !field.defaulted {
            return Err(bad(
                "REQUIRED_FIELD_MISSING",
                format!("Required fields are missing: [{}]", field.name),
                &[field.name],
            ));
        }
        return Ok(Value::Null);
    }
    let mismatch = |expected: &str| {
        RestError::json_parse(format!(
            "Cannot deserialize instance of {expected} from {} value {value} or request may be missing a required field",
            json_kind(value)
        ))
    };
    match &field.kind {
        FieldType::Boolean => value
            .as_bool()
            .map(Value::Bool)
            .ok_or_else(|| mismatch("boolean")),
        FieldType::Int | FieldType::Double | FieldType::Currency => match value {
            Value::Number(_) => Ok(value.clone()),
            Value::String(s) => s
                .trim()
                .parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64)
                .map(Value::Number)
                .ok_or_else(|| mismatch("double")),
            _ => Err(mismatch("double")),
        },
        FieldType::Reference(targets) => {
            let raw = value.as_str().ok_or_else(|| mismatch("reference"))?;
            if raw.is_empty() {
                return Ok(Value::Null);
            }
            let wrong_type = || {
                bad(
                    "FIELD_INTEGRITY_EXCEPTION",
                    format!("{}: id value of incorrect type: {raw}", field.label),
                    &[field.name],
                )
            };
            let id = ids::normalize(raw).ok_or_else(wrong_type)?;
            let target = schema::object_for_id(&id).ok_or_else(wrong_type)?;
            if !targets.contains(&target.name) {
                return Err(wrong_type());
            }
            if org.get(target.name, &id).is_none() {
                return Err(bad(
                    "INVALID_CROSS_REFERENCE_KEY",
                    "invalid cross reference id".to_string(),
                    &[field.name],
                ));
            }
            Ok(Value::String(id))
        }
        _ => {
            let text = match value {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                _ => return Err(mismatch("string")),
            };
            if let FieldType::Text(max) = field.kind
                && text.chars().count() > max as usize
            {
                return Err(bad(
                    "STRING_TOO_LONG",
                    format!(
                        "{}: data value too large: {text} (max length={max})",
                        field.label
                    ),
                    &[field.name],
                ));
            }
            if field.kind == FieldType::Email && !text.is_empty() && !is_email(&text) {
                return Err(bad(
                    "INVALID_EMAIL_ADDRESS",
                    format!("{}: invalid email address: {text}", field.label),
                    &[field.name],
                ));
            }
            let _ = def;
            Ok(Value::String(text))
        }
    }
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::String(_) => "VALUE_STRING",
        Value::Number(_) => "VALUE_NUMBER_INT",
        Value::Bool(true) => "VALUE_TRUE",
        Value::Bool(false) => "VALUE_FALSE",
        Value::Array(_) => "START_ARRAY",
        Value::Object(_) => "START_OBJECT",
        Value::Null => "VALUE_NULL",
    }
}

fn is_email(text: &str) -> bool {
    match text.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty() && domain.contains('.') && !domain.ends_with('.')
        }
        None => false,
    }
}

/// Creates a record; returns its id.
pub(crate) fn create(
    org: &mut OrgData,
    access: &Access,
    object: &str,
    body: &Value,
) -> DmlResult<String> {
    let def = object_for_dml(access, object)?;
    if !def.createable {
        return Err(bad(
            "INVALID_TYPE_FOR_OPERATION",
            format!("entity type cannot be inserted: {}", def.label),
            &[],
        ));
    }
    if !access.can_create(def) {
        return Err(insufficient());
    }
    let mut record = clean_fields(org, access, def, body, true)?;
    before_insert(org, def, &mut record)?;
    let id = org.insert(def.name, record);
    after_insert(org, def, &id);
    Ok(id)
}

/// Updates a record.
pub(crate) fn update(
    org: &mut OrgData,
    access: &Access,
    object: &str,
    id: &str,
    body: &Value,
) -> DmlResult<()> {
    let def = object_for_dml(access, object)?;
    let id = existing_id(org, def, id)?;
    if !def.updateable {
        return Err(bad(
            "INVALID_TYPE_FOR_OPERATION",
            format!("entity type cannot be updated: {}", def.label),
            &[],
        ));
    }
    if !access.can_edit(def) {
        return Err(insufficient());
    }
    let changes = clean_fields(org, access, def, body, false)?;
    let old = org.get(def.name, &id).cloned().unwrap_or_default();
    let mut new = old.clone();
    for (key, value) in changes {
        new.insert(key, value);
    }
    before_update(org, def, &old, &mut new)?;
    new.insert("LastModifiedDate".into(), Value::String(now_string()));
    new.insert("SystemModstamp".into(), Value::String(now_string()));
    new.insert(
        "LastModifiedById".into(),
        Value::String(access.user_id.clone()),
    );
    derive_fields(def, &mut new);
    if def.name == "FieldPermissions"
        && !bool_of(&new, "PermissionsRead")
        && !bool_of(&new, "PermissionsEdit")
    {
        // A FieldPermissions row without Read is removed by the platform.
        org.remove(def.name, &id);
        return Ok(());
    }
    if let Some(slot) = org.get_mut(def.name, &id) {
        *slot = new;
    }
    Ok(())
}

/// Deletes a record.
pub(crate) fn delete(org: &mut OrgData, access: &Access, object: &str, id: &str) -> DmlResult<()> {
    let def = object_for_dml(access, object)?;
    let id = existing_id(org, def, id)?;
    if !def.deletable {
        return Err(bad(
            "INVALID_TYPE_FOR_OPERATION",
            format!("entity type cannot be deleted: {}", def.label),
            &[],
        ));
    }
    if !access.can_delete(def) {
        return Err(insufficient());
    }
    delete_unchecked(org, def.name, &id)
}

fn existing_id(org: &OrgData, def: &ObjectDef, id: &str) -> DmlResult<String> {
    ids::normalize(id)
        .filter(|id| org.get(def.name, id).is_some())
        .ok_or_else(RestError::not_found)
}

/// Deletes a record and what hangs off it.
pub(crate) fn delete_unchecked(org: &mut OrgData, object: &str, id: &str) -> DmlResult<()> {
    let Some(old) = org.get(object, id).cloned() else {
        return Err(RestError::not_found());
    };
    match object {
        "PermissionSet" => {
            if bool_of(&old, "IsOwnedByProfile") {
                return Err(insufficient());
            }
            for (child, field) in [
                ("PermissionSetAssignment", "PermissionSetId"),
                ("ObjectPermissions", "ParentId"),
                ("FieldPermissions", "ParentId"),
                ("SetupEntityAccess", "ParentId"),
            ] {
                remove_where(org, child, field, id);
            }
        }
        "PermissionSetLicenseAssign" => {
            if let Some(psl) = str_of(&old, "PermissionSetLicenseId").map(str::to_owned) {
                bump(org, "PermissionSetLicense", &psl, -1);
            }
        }
        "PermissionSetAssignment" => {
            let set = str_of(&old, "PermissionSetId").and_then(|s| org.get("PermissionSet", s));
            if set.is_some_and(|s| bool_of(s, "IsOwnedByProfile")) {
                return Err(insufficient());
            }
        }
        _ => {}
    }
    org.remove(object, id);
    Ok(())
}

fn remove_where(org: &mut OrgData, object: &str, field: &str, id: &str) {
    if let Some(table) = org.tables.get_mut(object) {
        table.retain(|_, r| r.get(field).and_then(Value::as_str) != Some(id));
    }
}

fn bump(org: &mut OrgData, object: &str, id: &str, delta: i64) {
    if let Some(record) = org.get_mut(object, id) {
        let used = record
            .get("UsedLicenses")
            .and_then(Value::as_i64)
            .unwrap_or(0);
        record.insert("UsedLicenses".into(), Value::from((used + delta).max(0)));
    }
}

/// `(total, used, name)` of a licence record.
fn seats(record: &Record, name_field: &str) -> (i64, i64, String) {
    (
        record
            .get("TotalLicenses")
            .and_then(Value::as_i64)
            .unwrap_or(0),
        record
            .get("UsedLicenses")
            .and_then(Value::as_i64)
            .unwrap_or(0),
        str_of(record, name_field).unwrap_or_default().to_owned(),
    )
}

fn user_license_of_profile(org: &OrgData, profile_id: &str) -> Option<String> {
    org.get("Profile", profile_id)
        .and_then(|p| str_of(p, "UserLicenseId"))
        .map(str::to_owned)
}

fn check_seat(org: &OrgData, license_id: &str) -> DmlResult<()> {
    let Some(license) = org.get("UserLicense", license_id) else {
        return Ok(());
    };
    let (total, used, name) = seats(license, "Name");
    if used >= total {
        return Err(RestError::bad(SfError::from_template(
            &org.settings.license_limit_error,
            &[("license", &name)],
            &[],
        )));
    }
    Ok(())
}

fn check_username(org: &OrgData, username: &str, own_id: Option<&str>) -> DmlResult<()> {
    let clash_here = org.table("User").any(|u| {
        str_of(u, "Username").is_some_and(|n| n.eq_ignore_ascii_case(username))
            && str_of(u, "Id") != own_id
    });
    if clash_here || org.is_username_taken_elsewhere(username) {
        return Err(bad(
            "DUPLICATE_USERNAME",
            "Duplicate Username.<br>The username already exists in this or another Salesforce organization. Usernames must be unique across all Salesforce organizations. To resolve, use a different username (it doesn't need to match the user's email address). ",
            &["Username"],
        ));
    }
    Ok(())
}

fn nickname_taken(org: &OrgData, nickname: &str, own_id: Option<&str>) -> bool {
    org.table("User").any(|u| {
        str_of(u, "CommunityNickname").is_some_and(|n| n.eq_ignore_ascii_case(nickname))
            && str_of(u, "Id") != own_id
    })
}

fn duplicate_nickname() -> RestError {
    bad(
        "DUPLICATE_COMM_NICKNAME",
        "Duplicate Nickname.<br>Another user has already selected this nickname.<br>Please select another.",
        &["CommunityNickname"],
    )
}

fn is_developer_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !name.ends_with('_')
        && !name.contains("__")
}

fn duplicate_value(existing: &str) -> RestError {
    bad(
        "DUPLICATE_VALUE",
        format!("duplicate value found: <unknown> duplicates value on record with id: {existing}"),
        &[],
    )
}

fn find_row<'a>(org: &'a OrgData, object: &str, pairs: &[(&str, &str)]) -> Option<&'a Record> {
    org.table(object).find(|r| {
        pairs
            .iter()
            .all(|(field, value)| str_of(r, field).is_some_and(|v| v.eq_ignore_ascii_case(value)))
    })
}

fn before_insert(org: &mut OrgData, def: &ObjectDef, record: &mut Record) -> DmlResult<()> {
    match def.name {
        "User" => {
            let username = str_of(record, "Username").unwrap_or_default().to_owned();
            check_username(org, &username, None)?;
            match str_of(record, "CommunityNickname").map(str::to_owned) {
                Some(nickname) if !nickname.is_empty() => {
                    if nickname_taken(org, &nickname, None) {
                        return Err(duplicate_nickname());
                    }
                }
                _ => {
                    let base: String = username
                        .split('@')
                        .next()
                        .unwrap_or("user")
                        .chars()
                        .take(36)
                        .collect();
                    let mut nickname = base.clone();
                    let mut n = 1;
                    while nickname_taken(org, &nickname, None) {
                        nickname = format!("{base}{n}");
                        n += 1;
                    }
                    record.insert("CommunityNickname".into(), Value::String(nickname));
                }
            }
            let active = record
                .get("IsActive")
                .and_then(Value::as_bool)
                .unwrap_or(true);
            let profile = str_of(record, "ProfileId").unwrap_or_default().to_owned();
            if let (true, Some(license)) = (active, user_license_of_profile(org, &profile)) {
                check_seat(org, &license)?;
            }
            record.insert("UserType".into(), Value::String("Standard".into()));
        }
        "PermissionSet" => {
            let name = str_of(record, "Name").unwrap_or_default().to_owned();
            check_permission_set_name(org, &name, None)?;
            record.insert("IsOwnedByProfile".into(), Value::Bool(false));
            record.insert("IsCustom".into(), Value::Bool(true));
            record.insert("Type".into(), Value::String("Regular".into()));
        }
        "PermissionSetAssignment" => {
            let user = str_of(record, "AssigneeId").unwrap_or_default().to_owned();
            let Some(set) = str_of(record, "PermissionSetId").map(str::to_owned) else {
                return Err(bad(
                    "REQUIRED_FIELD_MISSING",
                    "Required fields are missing: [PermissionSetId]",
                    &["PermissionSetId"],
                ));
            };
            if find_row(
                org,
                "PermissionSetAssignment",
                &[("AssigneeId", &user), ("PermissionSetId", &set)],
            )
            .is_some()
            {
                return Err(bad(
                    "DUPLICATE_VALUE",
                    "You can't add the same permission set to a user twice.",
                    &[],
                ));
            }
            if org
                .get("PermissionSet", &set)
                .is_some_and(|s| bool_of(s, "IsOwnedByProfile"))
            {
                return Err(bad(
                    "INVALID_CROSS_REFERENCE_KEY",
                    "invalid cross reference id",
                    &["PermissionSetId"],
                ));
            }
            if let Some((permission, object)) = access::license_denial(org, &user, &set) {
                return Err(bad(
                    "FIELD_INTEGRITY_EXCEPTION",
                    format!("The user license doesn't allow the permission: {permission} {object}"),
                    &[],
                ));
            }
            record.insert("IsActive".into(), Value::Bool(true));
        }
        "PermissionSetLicenseAssign" => {
            let user = str_of(record, "AssigneeId").unwrap_or_default().to_owned();
            let psl = str_of(record, "PermissionSetLicenseId")
                .unwrap_or_default()
                .to_owned();
            if let Some(existing) = find_row(
                org,
                "PermissionSetLicenseAssign",
                &[("AssigneeId", &user), ("PermissionSetLicenseId", &psl)],
            ) {
                return Err(duplicate_value(
                    str_of(existing, "Id").unwrap_or("<unknown>"),
                ));
            }
            if let Some(license) = org.get("PermissionSetLicense", &psl) {
                let (total, used, label) = seats(license, "MasterLabel");
                if used >= total {
                    return Err(RestError::bad(SfError::from_template(
                        &org.settings.psl_limit_error,
                        &[("license", &label)],
                        &[],
                    )));
                }
            }
        }
        "ObjectPermissions" => {
            let given = str_of(record, "SobjectType").unwrap_or_default().to_owned();
            let object = match schema::object(&given) {
                Some(o) if !o.setup => o,
                _ => {
                    return Err(bad(
                        "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                        format!("Object Name: bad value for restricted picklist field: {given}"),
                        &["SobjectType"],
                    ));
                }
            };
            record.insert("SobjectType".into(), Value::String(object.name.to_owned()));
            let parent = str_of(record, "ParentId").unwrap_or_default().to_owned();
            if let Some(existing) = find_row(
                org,
                "ObjectPermissions",
                &[("ParentId", &parent), ("SobjectType", object.name)],
            ) {
                return Err(duplicate_value(
                    str_of(existing, "Id").unwrap_or("<unknown>"),
                ));
            }
            check_object_dependencies(org, record)?;
            check_assigned_licenses(org, &parent, record)?;
        }
        "FieldPermissions" => {
            let given = str_of(record, "Field").unwrap_or_default().to_owned();
            let canonical = permissionable_field(&given).ok_or_else(|| {
                RestError::bad(SfError::from_template(
                    &org.settings.field_permission_error,
                    &[("value", &given)],
                    &["Field"],
                ))
            })?;
            let object_given = str_of(record, "SobjectType").unwrap_or_default();
            if !canonical.starts_with(&format!(
                "{}.",
                schema::object(object_given).map_or(object_given, |o| o.name)
            )) {
                return Err(RestError::bad(SfError::from_template(
                    &org.settings.field_permission_error,
                    &[("value", &given)],
                    &["Field"],
                )));
            }
            let object = canonical.split('.').next().unwrap_or_default().to_owned();
            record.insert("SobjectType".into(), Value::String(object));
            record.insert("Field".into(), Value::String(canonical.clone()));
            let parent = str_of(record, "ParentId").unwrap_or_default().to_owned();
            if let Some(existing) = find_row(
                org,
                "FieldPermissions",
                &[("ParentId", &parent), ("Field", &canonical)],
            ) {
                return Err(duplicate_value(
                    str_of(existing, "Id").unwrap_or("<unknown>"),
                ));
            }
            check_field_dependencies(org, record)?;
        }
        "SetupEntityAccess" => {
            let parent = str_of(record, "ParentId").unwrap_or_default().to_owned();
            let entity = str_of(record, "SetupEntityId")
                .unwrap_or_default()
                .to_owned();
            if let Some(existing) = find_row(
                org,
                "SetupEntityAccess",
                &[("ParentId", &parent), ("SetupEntityId", &entity)],
            ) {
                return Err(duplicate_value(
                    str_of(existing, "Id").unwrap_or("<unknown>"),
                ));
            }
            let kind = schema::object_for_id(&entity).map_or("ApexClass", |o| o.name);
            record.insert("SetupEntityType".into(), Value::String(kind.to_owned()));
        }
        _ => {}
    }
    derive_fields(def, record);
    Ok(())
}

fn after_insert(org: &mut OrgData, def: &ObjectDef, id: &str) {
    match def.name {
        "User" => {
            let Some(user) = org.get("User", id).cloned() else {
                return;
            };
            if let Some(name) = str_of(&user, "Username") {
                org.register_username(name);
            }
            let profile = str_of(&user, "ProfileId").unwrap_or_default().to_owned();
            if bool_of(&user, "IsActive")
                && let Some(license) = user_license_of_profile(org, &profile)
            {
                bump(org, "UserLicense", &license, 1);
            }
            assign_profile_set(org, id, &profile);
        }
        "PermissionSetLicenseAssign" => {
            let psl = org
                .get(def.name, id)
                .and_then(|r| str_of(r, "PermissionSetLicenseId"))
                .map(str::to_owned);
            if let Some(psl) = psl {
                bump(org, "PermissionSetLicense", &psl, 1);
            }
        }
        "Case" => {
            let number = format!("{:08}", 1000 + org.table("Case").count());
            if let Some(record) = org.get_mut("Case", id) {
                record.insert("CaseNumber".into(), Value::String(number));
            }
        }
        "Order" => {
            let number = format!("{:08}", 100 + org.table("Order").count());
            if let Some(record) = org.get_mut("Order", id) {
                record.insert("OrderNumber".into(), Value::String(number));
            }
        }
        _ => {}
    }
}

/// Gives a user the hidden assignment of its profile's permission set, as real orgs do.
pub(crate) fn assign_profile_set(org: &mut OrgData, user_id: &str, profile_id: &str) {
    remove_profile_assignments(org, user_id);
    let set = org
        .table("PermissionSet")
        .find(|s| bool_of(s, "IsOwnedByProfile") && str_of(s, "ProfileId") == Some(profile_id))
        .and_then(|s| str_of(s, "Id"))
        .map(str::to_owned);
    if let Some(set) = set {
        let mut row = Map::new();
        row.insert("AssigneeId".into(), Value::String(user_id.to_owned()));
        row.insert("PermissionSetId".into(), Value::String(set));
        row.insert("IsActive".into(), Value::Bool(true));
        org.insert("PermissionSetAssignment", row);
    }
}

fn remove_profile_assignments(org: &mut OrgData, user_id: &str) {
    let owned: Vec<String> = org
        .table("PermissionSet")
        .filter(|s| bool_of(s, "IsOwnedByProfile"))
        .filter_map(|s| str_of(s, "Id").map(str::to_owned))
        .collect();
    if let Some(table) = org.tables.get_mut("PermissionSetAssignment") {
        table.retain(|_, a| {
            !(str_of(a, "AssigneeId") == Some(user_id)
                && str_of(a, "PermissionSetId").is_some_and(|s| owned.iter().any(|o| o == s)))
        });
    }
}

fn before_update(
    org: &mut OrgData,
    def: &ObjectDef,
    old: &Record,
    new: &mut Record,
) -> DmlResult<()> {
    let id = str_of(old, "Id").unwrap_or_default().to_owned();
    match def.name {
        "User" => {
            let username = str_of(new, "Username").unwrap_or_default().to_owned();
            if str_of(old, "Username") != Some(username.as_str()) {
                check_username(org, &username, Some(&id))?;
            }
            if let Some(nickname) = str_of(new, "CommunityNickname")
                && nickname_taken(org, nickname, Some(&id))
            {
                return Err(duplicate_nickname());
            }
            let was_active = bool_of(old, "IsActive");
            let is_active = new
                .get("IsActive")
                .and_then(Value::as_bool)
                .unwrap_or(was_active);
            new.insert("IsActive".into(), Value::Bool(is_active));
            let old_license =
                str_of(old, "ProfileId").and_then(|p| user_license_of_profile(org, p));
            let new_profile = str_of(new, "ProfileId").unwrap_or_default().to_owned();
            let new_license = user_license_of_profile(org, &new_profile);
            let holds_old = was_active;
            let needs_new = is_active;
            if needs_new
                && (!holds_old || old_license != new_license)
                && let Some(license) = &new_license
            {
                check_seat(org, license)?;
            }
            if holds_old && let Some(license) = &old_license {
                bump(org, "UserLicense", license, -1);
            }
            if needs_new && let Some(license) = &new_license {
                bump(org, "UserLicense", license, 1);
            }
            if str_of(old, "ProfileId") != Some(new_profile.as_str()) {
                assign_profile_set(org, &id, &new_profile);
            }
            org.register_username(&username);
        }
        "PermissionSet" => {
            let name = str_of(new, "Name").unwrap_or_default().to_owned();
            if str_of(old, "Name") != Some(name.as_str()) {
                check_permission_set_name(org, &name, Some(&id))?;
            }
        }
        "ObjectPermissions" => {
            check_object_dependencies(org, new)?;
            let parent = str_of(new, "ParentId").unwrap_or_default().to_owned();
            check_assigned_licenses(org, &parent, new)?;
        }
        "FieldPermissions" => check_field_dependencies(org, new)?,
        _ => {}
    }
    Ok(())
}

fn check_permission_set_name(org: &OrgData, name: &str, own_id: Option<&str>) -> DmlResult<()> {
    if !is_developer_name(name) {
        return Err(bad(
            "FIELD_INTEGRITY_EXCEPTION",
            "Name: The API name can only contain underscores and alphanumeric characters. It must begin with a letter, not include spaces, not end with an underscore, and not contain two consecutive underscores.",
            &["Name"],
        ));
    }
    let clash = org.table("PermissionSet").any(|s| {
        str_of(s, "Name").is_some_and(|n| n.eq_ignore_ascii_case(name))
            && str_of(s, "NamespacePrefix").is_none()
            && str_of(s, "Id") != own_id
    });
    if clash {
        return Err(RestError::bad(SfError::from_template(
            &org.settings.duplicate_permission_set_error,
            &[("name", name)],
            &["Name"],
        )));
    }
    Ok(())
}

/// `(field, label, required (field, label) pairs)`.
type DependencyRule = (
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);

fn check_object_dependencies(org: &OrgData, row: &Record) -> DmlResult<()> {
    let has = |f: &str| bool_of(row, f);
    let rules: [DependencyRule; 5] = [
        (
            "PermissionsCreate",
            "Create",
            &[("PermissionsRead", "Read")],
        ),
        ("PermissionsEdit", "Edit", &[("PermissionsRead", "Read")]),
        (
            "PermissionsDelete",
            "Delete",
            &[("PermissionsRead", "Read"), ("PermissionsEdit", "Edit")],
        ),
        (
            "PermissionsViewAllRecords",
            "View All",
            &[("PermissionsRead", "Read")],
        ),
        (
            "PermissionsModifyAllRecords",
            "Modify All",
            &[
                ("PermissionsRead", "Read"),
                ("PermissionsEdit", "Edit"),
                ("PermissionsDelete", "Delete"),
                ("PermissionsViewAllRecords", "View All"),
            ],
        ),
    ];
    let object = str_of(row, "SobjectType").unwrap_or_default();
    for (field, label, needs) in rules {
        if !has(field) {
            continue;
        }
        let missing: Vec<String> = needs
            .iter()
            .filter(|(f, _)| !has(f))
            .map(|(_, l)| format!("{l} {object}"))
            .collect();
        if !missing.is_empty() {
            return Err(RestError::bad(SfError::from_template(
                &org.settings.object_permission_dependency_error,
                &[
                    ("permission", label),
                    ("object", object),
                    ("required", &missing.join(", ")),
                ],
                &[],
            )));
        }
    }
    Ok(())
}

fn check_field_dependencies(org: &OrgData, row: &Record) -> DmlResult<()> {
    let field = str_of(row, "Field").unwrap_or_default();
    if bool_of(row, "PermissionsEdit") {
        if !bool_of(row, "PermissionsRead") {
            return Err(RestError::bad(SfError::from_template(
                &org.settings.object_permission_dependency_error,
                &[
                    ("permission", "Edit"),
                    ("object", field),
                    ("required", &format!("Read {field}")),
                ],
                &[],
            )));
        }
        let calculated = field
            .split_once('.')
            .and_then(|(o, f)| schema::object(o)?.field(f))
            .is_some_and(|f| f.calculated || !f.updateable);
        if calculated {
            return Err(bad(
                "FIELD_INTEGRITY_EXCEPTION",
                format!("Field {field} is read-only and can't be given Edit access"),
                &["PermissionsEdit"],
            ));
        }
    }
    Ok(())
}

/// Editing object permissions of a set that is already assigned must respect every assignee's
/// licence (Salesforce KB 001233479).
fn check_assigned_licenses(org: &OrgData, set_id: &str, row: &Record) -> DmlResult<()> {
    let Some(permission) = access::granted_label(row) else {
        return Ok(());
    };
    let object = str_of(row, "SobjectType").unwrap_or_default();
    let set_label = org
        .get("PermissionSet", set_id)
        .and_then(|s| str_of(s, "Label"))
        .unwrap_or_default();
    for assignment in org.table("PermissionSetAssignment") {
        if str_of(assignment, "PermissionSetId") != Some(set_id) {
            continue;
        }
        let user = str_of(assignment, "AssigneeId").unwrap_or_default();
        if !access::license_allows(org, user, object) {
            let license = access::license_name(org, user).unwrap_or_default();
            let object_label = schema::object(object).map_or(object, |o| o.label);
            return Err(bad(
                "FIELD_INTEGRITY_EXCEPTION",
                format!(
                    "Can't save permission set {set_label}, which is assigned to a user with user license {license}. The user license doesn't allow the permission: {permission} {object_label}"
                ),
                &[],
            ));
        }
    }
    Ok(())
}

/// `Object.Field` in canonical spelling when the field accepts field-level security.
pub(crate) fn permissionable_field(value: &str) -> Option<String> {
    let (object, field) = value.split_once('.')?;
    let object = schema::object(object).filter(|o| !o.setup)?;
    let field = object.field(field).or_else(|| {
        object
            .relationship(field)
            .filter(|f| !f.name.ends_with("__c"))
    })?;
    field
        .permissionable
        .then(|| format!("{}.{}", object.name, field.name))
}

fn derive_fields(def: &ObjectDef, record: &mut Record) {
    let text = |r: &Record, f: &str| str_of(r, f).unwrap_or_default().to_owned();
    match def.name {
        "User" | "Contact" | "Lead" => {
            let first = text(record, "FirstName");
            let last = text(record, "LastName");
            let name = if first.is_empty() {
                last
            } else {
                format!("{first} {last}")
            };
            record.insert("Name".into(), Value::String(name));
        }
        "Opportunity" => {
            let stage = text(record, "StageName");
            record.insert("IsClosed".into(), Value::Bool(stage.starts_with("Closed")));
            record.insert("IsWon".into(), Value::Bool(stage == "Closed Won"));
            let amount = record.get("Amount").and_then(Value::as_f64);
            let probability = record.get("Probability").and_then(Value::as_f64);
            let expected = match (amount, probability) {
                (Some(a), Some(p)) => {
                    serde_json::Number::from_f64(a * p / 100.0).map_or(Value::Null, Value::Number)
                }
                _ => Value::Null,
            };
            record.insert("ExpectedRevenue".into(), expected);
        }
        _ => {}
    }
    for flag in ["IsConverted", "IsClosed", "IsStandard"] {
        if def.field(flag).is_some() && record.get(flag).is_none_or(Value::is_null) {
            record.insert(flag.into(), Value::Bool(false));
        }
    }
}
