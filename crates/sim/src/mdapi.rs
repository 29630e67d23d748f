//! The Metadata API (SOAP) at `/services/Soap/m/<version>`: create, upsert, update, read and
//! delete of ConnectedApp, the External Client App family and PermissionSet, plus `deploy` and
//! `checkDeployStatus`.
//!
//! Components land in the same store as REST records: an app gets a readable
//! `ConnectedApplication` row and a permission set becomes PermissionSet, ObjectPermissions,
//! FieldPermissions and SetupEntityAccess rows, so both APIs see one org.

use std::io::{Cursor, Read};

use axum::response::Response;
use base64::Engine;
use serde_json::{Map, Value, json};

use crate::access::Access;
use crate::dml;
use crate::ids;
use crate::oauth;
use crate::schema;
use crate::server::{self, Shared};
use crate::settings::AppRowName;
use crate::sferror::SfError;
use crate::store::{
    DeployComponent, DeployJob, DeployOutcome, OrgData, StoredMetadata, now_ms, now_string,
};
use crate::xml::{self, XmlNode, escape};

const ENVELOPE_START: &str = r#"<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns="http://soap.sforce.com/2006/04/metadata" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>"#;
const ENVELOPE_END: &str = "</soapenv:Body></soapenv:Envelope>";

fn envelope(inner: &str) -> Response {
    server::respond(
        200,
        "text/xml;charset=UTF-8",
        format!("{ENVELOPE_START}{inner}{ENVELOPE_END}"),
    )
}

/// A SOAP fault in the shape of `soap-fault-invalid-session.xml`.
fn fault(code: &str, message: &str) -> Response {
    let code = escape(code);
    let message = escape(message);
    let body = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:sf="urn:fault.partner.soap.sforce.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><soapenv:Fault><faultcode>sf:{code}</faultcode><faultstring>{code}: {message}</faultstring><detail><sf:UnexpectedErrorFault xsi:type="sf:UnexpectedErrorFault"><sf:exceptionCode>{code}</sf:exceptionCode><sf:exceptionMessage>{message}</sf:exceptionMessage></sf:UnexpectedErrorFault></detail></soapenv:Fault></soapenv:Body></soapenv:Envelope>"#
    );
    server::respond(500, "text/xml;charset=UTF-8", body)
}

fn client_fault(message: &str) -> Response {
    let body = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><soapenv:Fault><faultcode>soapenv:Client</faultcode><faultstring>{}</faultstring></soapenv:Fault></soapenv:Body></soapenv:Envelope>"#,
        escape(message)
    );
    server::respond(500, "text/xml;charset=UTF-8", body)
}

/// Serves one SOAP call.
pub(crate) fn handle(shared: &Shared, method: &str, body: &[u8]) -> Response {
    if method != "POST" {
        return client_fault("The Metadata API only accepts POST");
    }
    let text = String::from_utf8_lossy(body);
    let document = match xml::parse(&text) {
        Ok(document) if document.name == "Envelope" => document,
        Ok(_) => return client_fault("The request is not a SOAP envelope"),
        Err(error) => return client_fault(&format!("Could not parse the SOAP message: {error}")),
    };
    let session = document
        .path_text(&["Header", "SessionHeader", "sessionId"])
        .unwrap_or_default()
        .to_owned();
    let Some(operation) = document
        .child("Body")
        .and_then(|b| b.children.first())
        .cloned()
    else {
        return client_fault("The SOAP body is empty");
    };
    let mut org = shared.org();
    let user = org.sessions.get(&session).map(|s| s.user_id.clone());
    let active = user
        .as_ref()
        .and_then(|u| org.get("User", u))
        .is_some_and(|u| u.get("IsActive") == Some(&Value::Bool(true)));
    let Some(user) = user.filter(|_| active) else {
        return fault(
            "INVALID_SESSION_ID",
            "Invalid Session ID found in SessionHeader: Illegal Session",
        );
    };
    let access = Access::of(&org, &user);
    if !(access.system.contains("ModifyAllData") || access.system.contains("ModifyMetadata")) {
        return fault(
            "INSUFFICIENT_ACCESS",
            "insufficient access rights on cross-reference id",
        );
    }
    if org.api_usage >= org.settings.daily_api_limit {
        return fault("REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.");
    }
    org.api_usage += 1;
    let name = operation.name.clone();
    let inner = match name.as_str() {
        "createMetadata" => save_all(&mut org, &access, &operation, Mode::Create),
        "updateMetadata" => save_all(&mut org, &access, &operation, Mode::Update),
        "upsertMetadata" => save_all(&mut org, &access, &operation, Mode::Upsert),
        "readMetadata" => read_all(&org, &operation),
        "deleteMetadata" => delete_all(&mut org, &operation),
        "deploy" => deploy(&mut org, &user, &operation),
        "checkDeployStatus" => match check_deploy_status(&mut org, &access, &operation) {
            Some(inner) => inner,
            None => return fault("INVALID_ID_FIELD", "invalid id"),
        },
        other => {
            return client_fault(&format!(
                "No operation available for request {{http://soap.sforce.com/2006/04/metadata}}{other}, please check the WSDL for the service."
            ));
        }
    };
    envelope(&inner)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Create,
    Update,
    Upsert,
}

fn save_all(org: &mut OrgData, access: &Access, operation: &XmlNode, mode: Mode) -> String {
    let response = match mode {
        Mode::Create => "createMetadataResponse",
        Mode::Update => "updateMetadataResponse",
        Mode::Upsert => "upsertMetadataResponse",
    };
    let mut out = format!("<{response}>");
    for component in operation.all("metadata") {
        let full_name = component.text_of("fullName").unwrap_or_default().to_owned();
        let kind = component.xsi_type().unwrap_or_default().to_owned();
        let snapshot = org.clone();
        let outcome = apply(org, access, &kind, &full_name, component, mode);
        if outcome.is_err() {
            *org = snapshot;
            org.sync_registry();
        }
        out.push_str("<result>");
        if mode == Mode::Upsert {
            out.push_str(&format!(
                "<created>{}</created>",
                outcome.as_ref().is_ok_and(|c| *c)
            ));
        }
        if let Err(error) = &outcome {
            out.push_str(&format!(
                "<errors><message>{}</message><statusCode>{}</statusCode></errors>",
                escape(&error.message),
                escape(&error.code)
            ));
        }
        out.push_str(&format!(
            "<fullName>{}</fullName><success>{}</success></result>",
            escape(&full_name),
            outcome.is_ok()
        ));
    }
    out.push_str(&format!("</{response}>"));
    out
}

fn err(code: &str, message: impl Into<String>) -> SfError {
    SfError::new(code, message)
}

fn required(node: &XmlNode, field: &str) -> Result<(), SfError> {
    match node.text_of(field) {
        Some(text) if !text.is_empty() => Ok(()),
        _ => Err(err(
            "REQUIRED_FIELD_MISSING",
            format!("Required field is missing: {field}"),
        )),
    }
}

fn is_app_kind(kind: &str) -> bool {
    matches!(kind, "ConnectedApp" | "ExternalClientApplication")
}

fn exists(org: &OrgData, kind: &str, full_name: &str) -> bool {
    if kind == "PermissionSet" {
        return find_permission_set(org, full_name).is_some();
    }
    org.metadata
        .get(kind)
        .is_some_and(|m| m.contains_key(full_name))
}

fn find_permission_set(org: &OrgData, full_name: &str) -> Option<String> {
    org.table("PermissionSet")
        .find(|s| {
            s.get("Name")
                .and_then(Value::as_str)
                .is_some_and(|n| n.eq_ignore_ascii_case(full_name))
                && s.get("IsOwnedByProfile") != Some(&Value::Bool(true))
                && s.get("NamespacePrefix").is_none_or(Value::is_null)
        })
        .and_then(|s| s.get("Id").and_then(Value::as_str))
        .map(str::to_owned)
}

/// Creates or updates one component; `Ok(true)` when it was created.
fn apply(
    org: &mut OrgData,
    access: &Access,
    kind: &str,
    full_name: &str,
    node: &XmlNode,
    mode: Mode,
) -> Result<bool, SfError> {
    if kind.is_empty() {
        return Err(err("INVALID_TYPE", "The metadata element has no xsi:type"));
    }
    if full_name.is_empty() {
        return Err(err(
            "REQUIRED_FIELD_MISSING",
            "Required field is missing: fullName",
        ));
    }
    let existed = exists(org, kind, full_name);
    match (mode, existed) {
        (Mode::Create, true) => {
            return Err(SfError::from_template(
                &org.settings.metadata_duplicate_error,
                &[("type", kind), ("name", full_name)],
                &[],
            ));
        }
        (Mode::Update, false) => {
            return Err(err(
                "INVALID_CROSS_REFERENCE_KEY",
                format!("In field: fullName - no {kind} named {full_name} found"),
            ));
        }
        _ => {}
    }
    if kind == "PermissionSet" {
        apply_permission_set(org, access, full_name, node)?;
        return Ok(!existed);
    }
    let mut body = node.clone();
    body.name = "metadata".into();
    body.attrs.clear();
    match kind {
        "ConnectedApp" => {
            required(&body, "label")?;
            required(&body, "contactEmail")?;
            if !existed && org.settings.connected_app_creation_blocked {
                let template = org.settings.connected_app_blocked_error.clone();
                return Err(SfError::from_template(
                    &template,
                    &[("name", full_name)],
                    &[],
                ));
            }
            if let Some(config) = body.child_mut("oauthConfig") {
                let old = org
                    .metadata
                    .get(kind)
                    .and_then(|m| m.get(full_name))
                    .and_then(|m| m.body.path_text(&["oauthConfig", "consumerKey"]))
                    .map(str::to_owned);
                let key = consumer_key(org, old, config.text_of("consumerKey"))?;
                config.set_text("consumerKey", &key);
                org.register_consumer_key(&key);
            }
        }
        "ExtlClntAppGlobalOauthSettings" => {
            eca_parent(org, &body)?;
            let old = org
                .metadata
                .get(kind)
                .and_then(|m| m.get(full_name))
                .and_then(|m| m.body.text_of("consumerKey"))
                .map(str::to_owned);
            let key = consumer_key(org, old, body.text_of("consumerKey"))?;
            body.set_text("consumerKey", &key);
            org.register_consumer_key(&key);
        }
        "ExtlClntAppOauthSettings"
        | "ExtlClntAppOauthConfigurablePolicies"
        | "ExtlClntAppConfigurablePolicies" => {
            eca_parent(org, &body)?;
        }
        "ExternalClientApplication" => required(&body, "label")?,
        _ => {}
    }
    let created_ms = org
        .metadata
        .get(kind)
        .and_then(|m| m.get(full_name))
        .map_or_else(now_ms, |m| m.created_ms);
    if is_app_kind(kind) {
        upsert_app_row(org, kind, full_name, &body);
    }
    org.metadata
        .entry(kind.to_owned())
        .or_default()
        .insert(full_name.to_owned(), StoredMetadata { body, created_ms });
    Ok(!existed)
}

fn eca_parent(org: &OrgData, body: &XmlNode) -> Result<(), SfError> {
    required(body, "externalClientApplication")?;
    let parent = body
        .text_of("externalClientApplication")
        .unwrap_or_default();
    if org
        .metadata
        .get("ExternalClientApplication")
        .is_some_and(|m| m.contains_key(parent))
    {
        Ok(())
    } else {
        Err(err(
            "INVALID_CROSS_REFERENCE_KEY",
            format!(
                "In field: externalClientApplication - no ExternalClientApplication named {parent} found"
            ),
        ))
    }
}

/// Keeps, checks or generates a consumer key: immutable once set and unique across orgs.
fn consumer_key(
    org: &OrgData,
    old: Option<String>,
    given: Option<&str>,
) -> Result<String, SfError> {
    let template = &org.settings.consumer_key_taken_error;
    match (old, given.filter(|g| !g.is_empty())) {
        (Some(old), Some(given)) if old != given => Err(SfError::new(
            &template.code,
            "The consumer key can't be changed once it's set",
        )),
        (Some(old), _) => Ok(old),
        (None, Some(given)) => {
            let taken_here = org.metadata.values().flat_map(|m| m.values()).any(|m| {
                m.body.path_text(&["oauthConfig", "consumerKey"]) == Some(given)
                    || m.body.text_of("consumerKey") == Some(given)
            });
            if taken_here || org.is_consumer_key_taken_elsewhere(given) {
                Err(SfError::from_template(template, &[("key", given)], &[]))
            } else {
                Ok(given.to_owned())
            }
        }
        (None, None) => Ok(format!("3MVG9{}", ids::random_string(80))),
    }
}

fn upsert_app_row(org: &mut OrgData, kind: &str, full_name: &str, body: &XmlNode) {
    let name = match org.settings.app_row_name {
        AppRowName::FullName => full_name.to_owned(),
        AppRowName::Label => body.text_of("label").unwrap_or(full_name).to_owned(),
    };
    let approved = body
        .path_text(&["oauthConfig", "isAdminApproved"])
        .is_some_and(|t| t == "true");
    match oauth::app_row(org, full_name) {
        Some(id) => {
            if let Some(row) = org.get_mut("ConnectedApplication", &id) {
                row.insert("Name".into(), Value::String(name));
                row.insert(
                    "OptionsAllowAdminApprovedUsersOnly".into(),
                    Value::Bool(approved),
                );
            }
        }
        None => {
            let mut row = Map::new();
            row.insert("Name".into(), Value::String(name));
            row.insert(
                "OptionsAllowAdminApprovedUsersOnly".into(),
                Value::Bool(approved),
            );
            row.insert(
                "OptionsRefreshTokenValidityMetric".into(),
                Value::Bool(false),
            );
            row.insert("OptionsHasSessionLevelPolicy".into(), Value::Bool(false));
            row.insert("OptionsIsInternal".into(), Value::Bool(false));
            row.insert("__MetadataName".into(), Value::String(full_name.to_owned()));
            row.insert("__MetadataType".into(), Value::String(kind.to_owned()));
            org.insert("ConnectedApplication", row);
        }
    }
}

fn rest_to_sf(error: crate::sferror::RestError) -> SfError {
    error
        .errors
        .into_iter()
        .next()
        .unwrap_or_else(|| err("UNKNOWN_EXCEPTION", "unknown error"))
}

fn apply_permission_set(
    org: &mut OrgData,
    access: &Access,
    full_name: &str,
    node: &XmlNode,
) -> Result<(), SfError> {
    required(node, "label")?;
    let mut fields = Map::new();
    fields.insert("Name".into(), json!(full_name));
    fields.insert("Label".into(), json!(node.text_of("label")));
    fields.insert("Description".into(), json!(node.text_of("description")));
    fields.insert(
        "HasActivationRequired".into(),
        json!(node.bool_of("hasActivationRequired").unwrap_or(false)),
    );
    let license = match node.text_of("license").filter(|l| !l.is_empty()) {
        Some(label) => Some(license_id(org, label).ok_or_else(|| {
            err(
                "INVALID_CROSS_REFERENCE_KEY",
                format!("In field: license - no license named {label} found"),
            )
        })?),
        None => None,
    };
    fields.insert("LicenseId".into(), json!(license));
    for name in schema::SYSTEM_PERMISSIONS {
        fields.insert(format!("Permissions{name}"), Value::Bool(false));
    }
    for permission in node.all("userPermissions") {
        let name = permission.text_of("name").unwrap_or_default();
        if !schema::SYSTEM_PERMISSIONS.contains(&name) {
            return Err(err(
                "INVALID_CROSS_REFERENCE_KEY",
                format!("Unknown user permission: {name}"),
            ));
        }
        fields.insert(
            format!("Permissions{name}"),
            Value::Bool(permission.bool_of("enabled").unwrap_or(false)),
        );
    }
    let set_id = match find_permission_set(org, full_name) {
        Some(id) => {
            dml::update(org, access, "PermissionSet", &id, &Value::Object(fields))
                .map_err(rest_to_sf)?;
            for child in ["ObjectPermissions", "FieldPermissions"] {
                if let Some(table) = org.tables.get_mut(child) {
                    table.retain(|_, r| {
                        r.get("ParentId").and_then(Value::as_str) != Some(id.as_str())
                    });
                }
            }
            if let Some(table) = org.tables.get_mut("SetupEntityAccess") {
                table.retain(|_, r| {
                    !(r.get("ParentId").and_then(Value::as_str) == Some(id.as_str())
                        && r.get("SetupEntityType").and_then(Value::as_str) == Some("ApexClass"))
                });
            }
            id
        }
        None => {
            dml::create(org, access, "PermissionSet", &Value::Object(fields)).map_err(rest_to_sf)?
        }
    };
    for permission in node.all("objectPermissions") {
        let flag = |name: &str| permission.bool_of(name).unwrap_or(false);
        let row = json!({
            "ParentId": set_id, "SobjectType": permission.text_of("object"),
            "PermissionsRead": flag("allowRead"), "PermissionsCreate": flag("allowCreate"),
            "PermissionsEdit": flag("allowEdit"), "PermissionsDelete": flag("allowDelete"),
            "PermissionsViewAllRecords": flag("viewAllRecords"), "PermissionsModifyAllRecords": flag("modifyAllRecords"),
            "PermissionsViewAllFields": flag("viewAllFields"),
        });
        dml::create(org, access, "ObjectPermissions", &row).map_err(rest_to_sf)?;
    }
    for permission in node.all("fieldPermissions") {
        let readable = permission.bool_of("readable").unwrap_or(false);
        let editable = permission.bool_of("editable").unwrap_or(false);
        if !readable && !editable {
            continue;
        }
        let field = permission.text_of("field").unwrap_or_default();
        let object = field.split('.').next().unwrap_or_default();
        let row = json!({"ParentId": set_id, "SobjectType": object, "Field": field, "PermissionsRead": readable, "PermissionsEdit": editable});
        dml::create(org, access, "FieldPermissions", &row).map_err(rest_to_sf)?;
    }
    for class in node.all("classAccesses") {
        if !class.bool_of("enabled").unwrap_or(false) {
            continue;
        }
        let name = class.text_of("apexClass").unwrap_or_default();
        let (namespace, short) = match name.split_once("__") {
            Some((ns, short)) => (Some(ns), short),
            None => (None, name),
        };
        let class_id = org
            .table("ApexClass")
            .find(|c| {
                c.get("Name")
                    .and_then(Value::as_str)
                    .is_some_and(|n| n.eq_ignore_ascii_case(short))
                    && c.get("NamespacePrefix").and_then(Value::as_str) == namespace
            })
            .and_then(|c| c.get("Id").and_then(Value::as_str))
            .map(str::to_owned)
            .ok_or_else(|| {
                err(
                    "INVALID_CROSS_REFERENCE_KEY",
                    format!("In field: apexClass - no ApexClass named {name} found"),
                )
            })?;
        dml::create(
            org,
            access,
            "SetupEntityAccess",
            &json!({"ParentId": set_id, "SetupEntityId": class_id}),
        )
        .map_err(rest_to_sf)?;
    }
    Ok(())
}

fn license_id(org: &OrgData, label: &str) -> Option<String> {
    let matches = |r: &&Map<String, Value>, fields: &[&str]| {
        fields.iter().any(|f| {
            r.get(*f)
                .and_then(Value::as_str)
                .is_some_and(|v| v.eq_ignore_ascii_case(label))
        })
    };
    org.table("PermissionSetLicense")
        .find(|r| matches(r, &["MasterLabel", "DeveloperName"]))
        .or_else(|| {
            org.table("UserLicense")
                .find(|r| matches(r, &["MasterLabel", "Name"]))
        })
        .and_then(|r| r.get("Id").and_then(Value::as_str))
        .map(str::to_owned)
}

fn read_all(org: &OrgData, operation: &XmlNode) -> String {
    let kind = operation.text_of("type").unwrap_or_default();
    let mut out = String::from("<readMetadataResponse><result>");
    for name in operation.all("fullNames") {
        let full_name = name.text.trim();
        let node = if kind == "PermissionSet" {
            read_permission_set(org, full_name)
        } else {
            org.metadata
                .get(kind)
                .and_then(|m| m.get(full_name))
                .map(|m| m.body.clone())
        };
        if let Some(node) = node {
            node.write_typed(&mut out, "records", kind);
        }
    }
    out.push_str("</result></readMetadataResponse>");
    out
}

fn read_permission_set(org: &OrgData, full_name: &str) -> Option<XmlNode> {
    let id = find_permission_set(org, full_name)?;
    let set = org.get("PermissionSet", &id)?;
    let text = |r: &Map<String, Value>, f: &str| {
        r.get(f)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let flag = |r: &Map<String, Value>, f: &str| {
        r.get(f)
            .and_then(Value::as_bool)
            .unwrap_or(false)
            .to_string()
    };
    let mine = |object: &'static str| {
        let id = id.clone();
        org.table(object)
            .filter(move |r| r.get("ParentId").and_then(Value::as_str) == Some(id.as_str()))
    };
    let mut children = vec![XmlNode::leaf("fullName", text(set, "Name"))];
    let mut classes: Vec<String> = mine("SetupEntityAccess")
        .filter(|r| r.get("SetupEntityType").and_then(Value::as_str) == Some("ApexClass"))
        .filter_map(|r| org.get("ApexClass", r.get("SetupEntityId")?.as_str()?))
        .map(|c| match c.get("NamespacePrefix").and_then(Value::as_str) {
            Some(ns) => format!("{ns}__{}", text(c, "Name")),
            None => text(c, "Name"),
        })
        .collect();
    classes.sort();
    for class in classes {
        children.push(XmlNode::branch(
            "classAccesses",
            vec![
                XmlNode::leaf("apexClass", class),
                XmlNode::leaf("enabled", "true"),
            ],
        ));
    }
    if let Some(description) = set.get("Description").and_then(Value::as_str) {
        children.push(XmlNode::leaf("description", description));
    }
    let mut fields: Vec<_> = mine("FieldPermissions").collect();
    fields.sort_by_key(|r| text(r, "Field"));
    for row in fields {
        children.push(XmlNode::branch(
            "fieldPermissions",
            vec![
                XmlNode::leaf("editable", flag(row, "PermissionsEdit")),
                XmlNode::leaf("field", text(row, "Field")),
                XmlNode::leaf("readable", flag(row, "PermissionsRead")),
            ],
        ));
    }
    children.push(XmlNode::leaf(
        "hasActivationRequired",
        flag(set, "HasActivationRequired"),
    ));
    children.push(XmlNode::leaf("label", text(set, "Label")));
    if let Some(license) = set
        .get("LicenseId")
        .and_then(Value::as_str)
        .and_then(|l| org.find(l))
    {
        children.push(XmlNode::leaf("license", text(license.1, "MasterLabel")));
    }
    let mut objects: Vec<_> = mine("ObjectPermissions").collect();
    objects.sort_by_key(|r| text(r, "SobjectType"));
    for row in objects {
        children.push(XmlNode::branch(
            "objectPermissions",
            vec![
                XmlNode::leaf("allowCreate", flag(row, "PermissionsCreate")),
                XmlNode::leaf("allowDelete", flag(row, "PermissionsDelete")),
                XmlNode::leaf("allowEdit", flag(row, "PermissionsEdit")),
                XmlNode::leaf("allowRead", flag(row, "PermissionsRead")),
                XmlNode::leaf("modifyAllRecords", flag(row, "PermissionsModifyAllRecords")),
                XmlNode::leaf("object", text(row, "SobjectType")),
                XmlNode::leaf("viewAllFields", flag(row, "PermissionsViewAllFields")),
                XmlNode::leaf("viewAllRecords", flag(row, "PermissionsViewAllRecords")),
            ],
        ));
    }
    let mut permissions: Vec<&str> = schema::SYSTEM_PERMISSIONS
        .iter()
        .copied()
        .filter(|p| set.get(&format!("Permissions{p}")) == Some(&Value::Bool(true)))
        .collect();
    permissions.sort_unstable();
    for permission in permissions {
        children.push(XmlNode::branch(
            "userPermissions",
            vec![
                XmlNode::leaf("enabled", "true"),
                XmlNode::leaf("name", permission),
            ],
        ));
    }
    Some(XmlNode::branch("records", children))
}

fn delete_all(org: &mut OrgData, operation: &XmlNode) -> String {
    let kind = operation.text_of("type").unwrap_or_default().to_owned();
    let mut out = String::from("<deleteMetadataResponse>");
    for name in operation.all("fullNames") {
        let full_name = name.text.trim().to_owned();
        let outcome = delete_one(org, &kind, &full_name);
        out.push_str("<result>");
        if let Err(error) = &outcome {
            out.push_str(&format!(
                "<errors><message>{}</message><statusCode>{}</statusCode></errors>",
                escape(&error.message),
                escape(&error.code)
            ));
        }
        out.push_str(&format!(
            "<fullName>{}</fullName><success>{}</success></result>",
            escape(&full_name),
            outcome.is_ok()
        ));
    }
    out.push_str("</deleteMetadataResponse>");
    out
}

fn delete_one(org: &mut OrgData, kind: &str, full_name: &str) -> Result<(), SfError> {
    let missing = || {
        err(
            "INVALID_CROSS_REFERENCE_KEY",
            format!("In field: fullName - no {kind} named {full_name} found"),
        )
    };
    if kind == "PermissionSet" {
        let id = find_permission_set(org, full_name).ok_or_else(missing)?;
        return dml::delete_unchecked(org, "PermissionSet", &id).map_err(rest_to_sf);
    }
    org.metadata
        .get_mut(kind)
        .and_then(|m| m.remove(full_name))
        .ok_or_else(missing)?;
    if is_app_kind(kind)
        && let Some(row) = oauth::app_row(org, full_name)
    {
        org.remove("ConnectedApplication", &row);
        if let Some(table) = org.tables.get_mut("SetupEntityAccess") {
            table.retain(|_, r| {
                r.get("SetupEntityId").and_then(Value::as_str) != Some(row.as_str())
            });
        }
    }
    org.sync_registry();
    Ok(())
}

/// Directory of an mdapi zip → metadata type.
fn kind_of_directory(directory: &str) -> Option<&'static str> {
    Some(match directory {
        "connectedApps" => "ConnectedApp",
        "permissionsets" => "PermissionSet",
        "externalClientApps" => "ExternalClientApplication",
        "extlClntAppGlobalOauthSets" => "ExtlClntAppGlobalOauthSettings",
        "extlClntAppOauthSettings" => "ExtlClntAppOauthSettings",
        "extlClntAppOauthPolicies" => "ExtlClntAppOauthConfigurablePolicies",
        "extlClntAppPolicies" => "ExtlClntAppConfigurablePolicies",
        _ => return None,
    })
}

fn read_zip(bytes: &[u8]) -> Result<Vec<(String, Vec<u8>)>, String> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| e.to_string())?;
    let mut files = Vec::new();
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).map_err(|e| e.to_string())?;
        if file.is_dir() {
            continue;
        }
        let name = file.name().to_owned();
        let mut content = Vec::new();
        file.read_to_end(&mut content).map_err(|e| e.to_string())?;
        files.push((name, content));
    }
    Ok(files)
}

fn deploy(org: &mut OrgData, user: &str, operation: &XmlNode) -> String {
    let options = operation.child("DeployOptions");
    let option = |name: &str| options.and_then(|o| o.bool_of(name));
    let id = org.new_id("0Af");
    let mut job = DeployJob {
        id: id.clone(),
        polls: 0,
        check_only: option("checkOnly").unwrap_or(false),
        rollback_on_error: option("rollbackOnError").unwrap_or(true),
        created_date: now_string(),
        created_by: user.to_owned(),
        components: Vec::new(),
        outcome: None,
        zip_problem: None,
    };
    let zip = operation.text_of("ZipFile").unwrap_or_default();
    let cleaned: String = zip.chars().filter(|c| !c.is_whitespace()).collect();
    let files = base64::engine::general_purpose::STANDARD
        .decode(cleaned)
        .map_err(|e| e.to_string())
        .and_then(|bytes| read_zip(&bytes));
    match files {
        Err(problem) => job.zip_problem = Some(format!("Unable to read the zip file: {problem}")),
        Ok(files) => {
            let package = files
                .iter()
                .filter(|(n, _)| n.rsplit('/').next() == Some("package.xml"))
                .min_by_key(|(n, _)| n.len());
            match package {
                None => job.zip_problem = Some("No package.xml found".into()),
                Some((package_name, _)) => {
                    let root = package_name.trim_end_matches("package.xml").to_owned();
                    job.components.push(DeployComponent {
                        component_type: String::new(),
                        full_name: "package.xml".into(),
                        file_name: package_name.clone(),
                        body: None,
                    });
                    for (name, content) in &files {
                        let Some(relative) = name.strip_prefix(&root) else {
                            continue;
                        };
                        let Some((directory, file)) = relative.split_once('/') else {
                            continue;
                        };
                        let Some(kind) = kind_of_directory(directory) else {
                            continue;
                        };
                        let full_name = file.split('.').next().unwrap_or_default().to_owned();
                        let body = xml::parse(&String::from_utf8_lossy(content)).ok();
                        job.components.push(DeployComponent {
                            component_type: kind.to_owned(),
                            full_name,
                            file_name: name.clone(),
                            body: Some(body.unwrap_or_default()),
                        });
                    }
                }
            }
        }
    }
    org.deploys.insert(id.clone(), job);
    format!(
        "<deployResponse><result><done>false</done><id>{id}</id><state>Queued</state></result></deployResponse>"
    )
}

fn run_deploy(org: &mut OrgData, access: &Access, job: &DeployJob) -> DeployOutcome {
    let snapshot = org.clone();
    let mut results = Vec::new();
    let mut any_failed = false;
    for component in &job.components {
        let Some(body) = &component.body else {
            results.push((component.clone(), Ok(false)));
            continue;
        };
        let outcome = if body.name.is_empty() {
            Err("Error parsing file: the document is not well-formed XML".to_owned())
        } else {
            let before = org.clone();
            let result = apply(
                org,
                access,
                &component.component_type,
                &component.full_name,
                body,
                Mode::Upsert,
            )
            .map_err(|e| e.message);
            if result.is_err() {
                *org = before;
            }
            result
        };
        any_failed |= outcome.is_err();
        results.push((component.clone(), outcome));
    }
    if job.check_only || (any_failed && job.rollback_on_error) {
        *org = snapshot;
    }
    org.sync_registry();
    DeployOutcome {
        completed_date: now_string(),
        results,
    }
}

fn check_deploy_status(org: &mut OrgData, access: &Access, operation: &XmlNode) -> Option<String> {
    let id = ids::normalize(operation.text_of("asyncProcessId").unwrap_or_default())?;
    let mut job = org.deploys.get(&id)?.clone();
    job.polls += 1;
    let waiting = job.polls <= org.settings.deploy_polls_before_done && job.outcome.is_none();
    if !waiting && job.outcome.is_none() && job.zip_problem.is_none() {
        job.outcome = Some(run_deploy(org, access, &job));
    }
    org.deploys.insert(id, job.clone());
    Some(deploy_result(org, &job, waiting))
}

fn deploy_result(org: &OrgData, job: &DeployJob, waiting: bool) -> String {
    let created_by_name = org
        .get("User", &job.created_by)
        .and_then(|u| u.get("Name"))
        .and_then(Value::as_str)
        .unwrap_or_default();
    let total = job.components.iter().filter(|c| c.body.is_some()).count();
    let mut details = String::from("<details>");
    let (status, done, success, deployed, errors, completed) = if waiting {
        let status = if job.polls == 1 {
            "Pending"
        } else {
            "InProgress"
        };
        let deployed = if job.polls == 1 { 0 } else { total / 2 };
        (status, false, false, deployed, 0, None)
    } else if let Some(problem) = &job.zip_problem {
        details.push_str(&format!(
            "<componentFailures><changed>false</changed><componentType></componentType><created>false</created><createdDate>{}</createdDate><deleted>false</deleted><fileName>package.xml</fileName><fullName>package.xml</fullName><problem>{}</problem><problemType>Error</problemType><success>false</success></componentFailures>",
            job.created_date,
            escape(problem)
        ));
        ("Failed", true, false, 0, 0, Some(job.created_date.clone()))
    } else {
        let outcome = job.outcome.as_ref();
        let mut failures = 0;
        let mut successes = 0;
        for (component, result) in outcome.map(|o| o.results.as_slice()).unwrap_or_default() {
            let common = format!(
                "<componentType>{}</componentType><created>{}</created><createdDate>{}</createdDate><deleted>false</deleted><fileName>{}</fileName><fullName>{}</fullName>",
                escape(&component.component_type),
                matches!(result, Ok(true)),
                job.created_date,
                escape(&component.file_name),
                escape(&component.full_name)
            );
            match result {
                Ok(_) => {
                    if component.body.is_some() {
                        successes += 1;
                    }
                    details.push_str(&format!("<componentSuccesses><changed>true</changed>{common}<success>true</success></componentSuccesses>"));
                }
                Err(problem) => {
                    failures += 1;
                    details.push_str(&format!(
                        "<componentFailures><changed>false</changed>{common}<problem>{}</problem><problemType>Error</problemType><success>false</success></componentFailures>",
                        escape(problem)
                    ));
                }
            }
        }
        let status = match (failures, job.rollback_on_error) {
            (0, _) => "Succeeded",
            (_, true) => "Failed",
            (_, false) => "SucceededPartial",
        };
        let deployed = if failures > 0 && job.rollback_on_error {
            0
        } else {
            successes
        };
        (
            status,
            true,
            failures == 0,
            deployed,
            failures,
            outcome.map(|o| o.completed_date.clone()),
        )
    };
    details.push_str("<runTestResult><numFailures>0</numFailures><numTestsRun>0</numTestsRun><totalTime>0.0</totalTime></runTestResult></details>");
    let completed = completed
        .map(|c| format!("<completedDate>{c}</completedDate>"))
        .unwrap_or_default();
    format!(
        "<checkDeployStatusResponse><result><checkOnly>{check}</checkOnly>{completed}<createdBy>{by}</createdBy><createdByName>{by_name}</createdByName><createdDate>{created}</createdDate>{details}<done>{done}</done><id>{id}</id><ignoreWarnings>false</ignoreWarnings><lastModifiedDate>{now}</lastModifiedDate><numberComponentErrors>{errors}</numberComponentErrors><numberComponentsDeployed>{deployed}</numberComponentsDeployed><numberComponentsTotal>{total}</numberComponentsTotal><numberTestErrors>0</numberTestErrors><numberTestsCompleted>0</numberTestsCompleted><numberTestsTotal>0</numberTestsTotal><rollbackOnError>{rollback}</rollbackOnError><runTestsEnabled>false</runTestsEnabled><startDate>{created}</startDate><status>{status}</status><success>{success}</success></result></checkDeployStatusResponse>",
        check = job.check_only,
        by = &job.created_by[..15.min(job.created_by.len())],
        by_name = escape(created_by_name),
        created = job.created_date,
        id = job.id,
        now = now_string(),
        rollback = job.rollback_on_error,
    )
}
