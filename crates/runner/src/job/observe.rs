//! Reading the org: one Composite request of SOQL queries gives everything `plan` and
//! `apply` compare against, so a no-change re-run stays within a handful of round trips.
//!
//! Every query is filtered by the integration's own user, permission set and app, never
//! scanning the org: the cost depends on the integration's grants, not on the org's size.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{Context as _, bail};
use serde_json::Value;
use sfiu_core::{
    FieldAccess, FieldPermissionRow, LicenseSeats, ObjectAccess, ObjectPermissionRow, ObjectRight,
    ObservedAssignment, ObservedOrg, ObservedPermissionSet, ObservedUser, SetupEntityAccessRow,
};
use sfiu_sf_client::{CompositeRequest, CompositeSubrequest, CompositeSubresponse, Session};

/// What the integration is called in the org: the natural keys every query filters by.
#[derive(Debug, Clone)]
pub(crate) struct Keys {
    /// The integration user's username.
    pub(crate) username: String,
    /// The integration's permission set API name.
    pub(crate) permission_set: String,
    /// The app's API name.
    pub(crate) app: String,
}

/// Record ids the writes need, keyed by natural key (lower-cased where Salesforce compares
/// case-insensitively).
#[derive(Debug, Clone, Default)]
pub(crate) struct Ids {
    /// The integration profile (found through its licence).
    pub(crate) integration_profile: Option<(String, String)>,
    /// The integration user.
    pub(crate) user: Option<String>,
    /// The Salesforce API Integration permission set licence.
    pub(crate) integration_psl: Option<String>,
    /// The integration's permission set.
    pub(crate) permission_set: Option<String>,
    /// `ObjectPermissions` rows by lower-cased object.
    pub(crate) object_permissions: BTreeMap<String, String>,
    /// `FieldPermissions` rows by lower-cased `Object.Field`.
    pub(crate) field_permissions: BTreeMap<String, String>,
    /// `SetupEntityAccess` rows by `(type, entity id)`.
    pub(crate) setup_entity_access: BTreeMap<(String, String), String>,
    /// Assignments of the user by permission set id.
    pub(crate) assignments: BTreeMap<String, String>,
    /// Assignments of the user by lower-cased permission set name (`namespace__Name` for
    /// package ones), for removing undeclared ones.
    pub(crate) assignments_by_name: BTreeMap<String, String>,
    /// Managed-package permission sets by lower-cased `namespace__Name`.
    pub(crate) package_permission_sets: BTreeMap<String, String>,
    /// Apex classes by lower-cased name (`ns.Name` for namespaced ones).
    pub(crate) apex_classes: BTreeMap<String, String>,
    /// Custom permissions by lower-cased name (`ns__Name` for namespaced ones).
    pub(crate) custom_permissions: BTreeMap<String, String>,
    /// The `ConnectedApplication` row of the app.
    pub(crate) app_row: Option<String>,
}

/// Facts about the org handed to the plugin and printed in the runbook.
#[derive(Debug, Clone, Default)]
pub(crate) struct Facts {
    /// Organisation id.
    pub(crate) org_id: String,
    /// Edition, e.g. `Enterprise Edition`.
    pub(crate) edition: Option<String>,
    /// Whether the org is a sandbox.
    pub(crate) is_sandbox: bool,
    /// Namespaces of the integration's managed packages found installed (seen through their
    /// permission sets).
    pub(crate) namespaces: Vec<String>,
}

/// The org as read before planning.
#[derive(Debug, Clone, Default)]
pub(crate) struct Snapshot {
    /// What core's planner compares against.
    pub(crate) observed: ObservedOrg,
    /// Ids for the writes.
    pub(crate) ids: Ids,
    /// Org facts.
    pub(crate) facts: Facts,
    /// The user's last login, if it ever logged in.
    pub(crate) user_last_login: Option<String>,
    /// Active users on the Integration licence with their last login.
    pub(crate) seat_holders: Vec<(String, Option<String>)>,
    /// Other users holding the integration's permission set.
    pub(crate) other_holders: Vec<String>,
}

/// Quotes a value for a SOQL string literal.
pub(crate) fn soql_string(value: &str) -> String {
    let escaped = value.replace('\\', "\\\\").replace('\'', "\\'");
    format!("'{escaped}'")
}

/// A composite subrequest running one SOQL query.
pub(crate) fn query_subrequest(
    session: &Session,
    reference: &str,
    soql: &str,
) -> CompositeSubrequest {
    let encoded: String = url::form_urlencoded::byte_serialize(soql.as_bytes()).collect();
    CompositeSubrequest::new(
        "GET",
        session.data_path(&format!("query?q={encoded}")),
        reference,
    )
}

/// The records of a query subresponse, or an error naming the query.
pub(crate) fn records<'a>(
    responses: &'a BTreeMap<String, CompositeSubresponse>,
    reference: &str,
) -> anyhow::Result<&'a [Value]> {
    let response = responses
        .get(reference)
        .with_context(|| format!("the org did not answer query `{reference}`"))?;
    if !response.is_success() {
        let errors: Vec<String> = response.errors().iter().map(ToString::to_string).collect();
        bail!("query `{reference}` failed: {}", errors.join("; "));
    }
    Ok(response
        .body
        .get("records")
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice))
}

/// Runs a composite of queries and indexes the answers by reference id.
pub(crate) async fn run_queries(
    session: &Session,
    queries: Vec<CompositeSubrequest>,
) -> anyhow::Result<BTreeMap<String, CompositeSubresponse>> {
    let request = CompositeRequest {
        all_or_none: false,
        collate_subrequests: None,
        composite_request: queries,
    };
    let response = session
        .composite(&request)
        .await
        .context("failed to read the org")?;
    let mut answers = BTreeMap::new();
    for mut subresponse in response.composite_response {
        // A query answers at most one page inside a Composite call; fetch the rest so no
        // grant or assignment is missed.
        let mut next = subresponse
            .body
            .get("nextRecordsUrl")
            .and_then(Value::as_str)
            .map(str::to_owned);
        while let Some(locator) = next.take() {
            let page = session
                .query_more::<Value>(&locator)
                .await
                .with_context(|| {
                    format!(
                        "failed to read the rest of query `{}`",
                        subresponse.reference_id
                    )
                })?;
            if let Some(Value::Array(rows)) = subresponse.body.get_mut("records") {
                rows.extend(page.records);
            }
            next = page.next_records_url.filter(|_| !page.done);
        }
        answers.insert(subresponse.reference_id.clone(), subresponse);
    }
    Ok(answers)
}

fn text(record: &Value, path: &str) -> Option<String> {
    let mut value = record;
    for part in path.split('.') {
        value = value.get(part)?;
    }
    value.as_str().map(str::to_owned)
}

fn flag(record: &Value, field: &str) -> bool {
    record.get(field).and_then(Value::as_bool).unwrap_or(false)
}

fn count(record: &Value, field: &str) -> u32 {
    record
        .get(field)
        .and_then(Value::as_u64)
        .and_then(|n| u32::try_from(n).ok())
        .unwrap_or(0)
}

/// `PermissionSet` fields selected: every system permission in the catalogue.
fn permission_fields() -> Vec<&'static str> {
    sfiu_core::SYSTEM_PERMISSIONS
        .iter()
        .map(|permission| permission.api_name)
        .collect()
}

const OBJECT_PERMISSION_FIELDS: &str = "Id, SobjectType, PermissionsRead, PermissionsCreate, \
    PermissionsEdit, PermissionsDelete, PermissionsViewAllRecords, PermissionsModifyAllRecords, \
    PermissionsViewAllFields";

/// Reads everything the plan needs in one Composite request (plus one more only when the
/// permission set grants Apex classes or custom permissions, to resolve their names).
///
/// `namespaces` are the managed packages the integration refers to; only their permission
/// sets are read, so the cost does not grow with the number of packages in the org.
pub(crate) async fn observe(
    session: &Session,
    keys: &Keys,
    namespaces: &[String],
) -> anyhow::Result<Snapshot> {
    let username = soql_string(&keys.username);
    let permission_set = soql_string(&keys.permission_set);
    let mut permission_columns = permission_fields();
    let mut queries = vec![
        query_subrequest(
            session,
            "org",
            "SELECT Id, Name, OrganizationType, IsSandbox FROM Organization",
        ),
        query_subrequest(
            session,
            "userLicense",
            &format!(
                "SELECT Id, Name, TotalLicenses, UsedLicenses FROM UserLicense WHERE Name = {}",
                soql_string(sfiu_core::INTEGRATION_USER_LICENSE)
            ),
        ),
        query_subrequest(
            session,
            "psl",
            "SELECT Id, DeveloperName, MasterLabel, TotalLicenses, UsedLicenses FROM PermissionSetLicense",
        ),
        query_subrequest(session, "profile", sfiu_core::PROFILE_BY_LICENSE_SOQL),
        query_subrequest(
            session,
            "user",
            &format!(
                "SELECT Id, Username, Email, FirstName, LastName, Alias, TimeZoneSidKey, \
                 LocaleSidKey, LanguageLocaleKey, EmailEncodingKey, IsActive, LastLoginDate, \
                 Profile.Name, Profile.UserLicense.Name FROM User WHERE Username = {username}"
            ),
        ),
        query_subrequest(
            session,
            "psla",
            &format!(
                "SELECT Id, PermissionSetLicenseId, PermissionSetLicense.DeveloperName \
                 FROM PermissionSetLicenseAssign WHERE Assignee.Username = {username}"
            ),
        ),
        query_subrequest(
            session,
            "objectPermissions",
            &format!(
                "SELECT {OBJECT_PERMISSION_FIELDS} FROM ObjectPermissions \
                 WHERE Parent.Name = {permission_set}"
            ),
        ),
        query_subrequest(
            session,
            "fieldPermissions",
            &format!(
                "SELECT Id, Field, PermissionsRead, PermissionsEdit FROM FieldPermissions \
                 WHERE Parent.Name = {permission_set}"
            ),
        ),
        query_subrequest(
            session,
            "setupEntityAccess",
            &format!(
                "SELECT Id, SetupEntityId, SetupEntityType FROM SetupEntityAccess \
                 WHERE Parent.Name = {permission_set}"
            ),
        ),
        query_subrequest(
            session,
            "assignments",
            &format!(
                "SELECT Id, PermissionSetId, PermissionSet.Name, PermissionSet.NamespacePrefix, \
                 PermissionSet.IsOwnedByProfile FROM PermissionSetAssignment \
                 WHERE Assignee.Username = {username}"
            ),
        ),
        package_query(session, namespaces),
        query_subrequest(
            session,
            "app",
            &format!(
                "SELECT Id, Name FROM ConnectedApplication WHERE Name = {}",
                soql_string(&keys.app)
            ),
        ),
        permission_set_query(session, &permission_columns, &permission_set),
        // Normally empty: anyone else holding the integration's permission set, which would
        // mean the name belongs to another integration.
        query_subrequest(
            session,
            "otherHolders",
            &format!(
                "SELECT Assignee.Username FROM PermissionSetAssignment \
                 WHERE PermissionSet.Name = {permission_set} AND Assignee.Username != {username} LIMIT 20"
            ),
        ),
        // Bounded by the licence's seats (a handful): who holds them, for the no-seat error.
        query_subrequest(
            session,
            "seatHolders",
            &format!(
                "SELECT Username, LastLoginDate FROM User WHERE IsActive = true \
                 AND Profile.UserLicense.Name = {} ORDER BY Username LIMIT 200",
                soql_string(sfiu_core::INTEGRATION_USER_LICENSE)
            ),
        ),
    ];
    let mut responses = run_queries(session, std::mem::take(&mut queries)).await?;

    // An org on an older release lacks some newer permission fields; drop the ones it
    // names as unknown and ask again, so the catalogue can run ahead of any one org.
    for _attempt in 0..5 {
        let Some(unknown) = unknown_column(responses.get("permissionSet")) else {
            break;
        };
        permission_columns.retain(|column| !column.eq_ignore_ascii_case(&unknown));
        let retry = run_queries(
            session,
            vec![permission_set_query(
                session,
                &permission_columns,
                &permission_set,
            )],
        )
        .await?;
        responses.extend(retry);
    }

    let mut snapshot = Snapshot::default();
    read_facts(&responses, &mut snapshot)?;
    read_licences(&responses, &mut snapshot)?;
    read_user(&responses, &mut snapshot)?;
    read_permission_set(&responses, &permission_columns, &mut snapshot)?;
    read_assignments(&responses, &mut snapshot)?;
    for record in records(&responses, "otherHolders")? {
        if let Some(username) = text(record, "Assignee.Username") {
            snapshot.other_holders.push(username);
        }
    }
    for record in records(&responses, "seatHolders")? {
        if let Some(username) = text(record, "Username") {
            snapshot
                .seat_holders
                .push((username, text(record, "LastLoginDate")));
        }
    }
    for record in records(&responses, "app")? {
        snapshot.ids.app_row = text(record, "Id");
    }
    Ok(snapshot)
}

fn package_query(session: &Session, namespaces: &[String]) -> CompositeSubrequest {
    // With no package of interest the query still runs, matching nothing, so the answer's
    // shape stays the same.
    let list = if namespaces.is_empty() {
        "''".to_owned()
    } else {
        namespaces
            .iter()
            .map(|namespace| soql_string(namespace))
            .collect::<Vec<_>>()
            .join(", ")
    };
    query_subrequest(
        session,
        "packagePermissionSets",
        &format!(
            "SELECT Id, Name, NamespacePrefix FROM PermissionSet WHERE NamespacePrefix IN ({list})"
        ),
    )
}

fn permission_set_query(
    session: &Session,
    columns: &[&str],
    permission_set: &str,
) -> CompositeSubrequest {
    query_subrequest(
        session,
        "permissionSet",
        &format!(
            "SELECT Id, Name, Label, Description, {} FROM PermissionSet WHERE Name = {permission_set} \
             AND NamespacePrefix = null",
            columns.join(", ")
        ),
    )
}

/// The column an `INVALID_FIELD` error names (`No such column 'X' on entity 'Y'`).
pub(crate) fn unknown_column(response: Option<&CompositeSubresponse>) -> Option<String> {
    let response = response?;
    let error = response
        .errors()
        .into_iter()
        .find(|error| error.error_code == "INVALID_FIELD")?;
    let start = error.message.find("No such column '")? + "No such column '".len();
    let rest = &error.message[start..];
    let end = rest.find('\'')?;
    let column = &rest[..end];
    column.starts_with("Permissions").then(|| column.to_owned())
}

fn read_facts(
    responses: &BTreeMap<String, CompositeSubresponse>,
    snapshot: &mut Snapshot,
) -> anyhow::Result<()> {
    if let Some(record) = records(responses, "org")?.first() {
        snapshot.facts.org_id = text(record, "Id").unwrap_or_default();
        snapshot.facts.edition = text(record, "OrganizationType");
        snapshot.facts.is_sandbox = flag(record, "IsSandbox");
    }
    let mut namespaces = BTreeSet::new();
    for record in records(responses, "packagePermissionSets")? {
        let (Some(id), Some(name), Some(namespace)) = (
            text(record, "Id"),
            text(record, "Name"),
            text(record, "NamespacePrefix"),
        ) else {
            continue;
        };
        snapshot
            .ids
            .package_permission_sets
            .insert(format!("{namespace}__{name}").to_ascii_lowercase(), id);
        namespaces.insert(namespace);
    }
    snapshot.facts.namespaces = namespaces.into_iter().collect();
    Ok(())
}

fn read_licences(
    responses: &BTreeMap<String, CompositeSubresponse>,
    snapshot: &mut Snapshot,
) -> anyhow::Result<()> {
    if let Some(record) = records(responses, "userLicense")?.first() {
        snapshot.observed.user_license = Some(LicenseSeats {
            total: count(record, "TotalLicenses"),
            used: count(record, "UsedLicenses"),
        });
    }
    for record in records(responses, "psl")? {
        let developer_name = text(record, "DeveloperName").unwrap_or_default();
        if sfiu_core::is_integration_psl(&developer_name) {
            snapshot.observed.permission_set_license = Some(LicenseSeats {
                total: count(record, "TotalLicenses"),
                used: count(record, "UsedLicenses"),
            });
            snapshot.ids.integration_psl = text(record, "Id");
        }
    }
    // Newly provisioned orgs have the current profile; older ones may only have the
    // deprecated one, which works the same way.
    let profiles = records(responses, "profile")?;
    let pick = profiles
        .iter()
        .find(|record| text(record, "Name").as_deref() == Some(sfiu_core::INTEGRATION_PROFILE))
        .or_else(|| profiles.first());
    if let Some(record) = pick {
        snapshot.ids.integration_profile = text(record, "Id").zip(text(record, "Name"));
    }
    Ok(())
}

fn read_user(
    responses: &BTreeMap<String, CompositeSubresponse>,
    snapshot: &mut Snapshot,
) -> anyhow::Result<()> {
    let Some(record) = records(responses, "user")?.first() else {
        return Ok(());
    };
    let user = ObservedUser {
        id: text(record, "Id").unwrap_or_default(),
        username: text(record, "Username").unwrap_or_default(),
        email: text(record, "Email").unwrap_or_default(),
        first_name: text(record, "FirstName"),
        last_name: text(record, "LastName").unwrap_or_default(),
        alias: text(record, "Alias").unwrap_or_default(),
        time_zone_sid_key: text(record, "TimeZoneSidKey").unwrap_or_default(),
        locale_sid_key: text(record, "LocaleSidKey").unwrap_or_default(),
        language_locale_key: text(record, "LanguageLocaleKey").unwrap_or_default(),
        email_encoding_key: text(record, "EmailEncodingKey").unwrap_or_default(),
        profile_name: text(record, "Profile.Name"),
        license_name: text(record, "Profile.UserLicense.Name"),
        is_active: flag(record, "IsActive"),
    };
    snapshot.ids.user = Some(user.id.clone());
    snapshot.user_last_login = text(record, "LastLoginDate");
    snapshot.observed.user = Some(user);
    snapshot.observed.psl_assigned = records(responses, "psla")?.iter().any(|record| {
        text(record, "PermissionSetLicense.DeveloperName")
            .is_some_and(|name| sfiu_core::is_integration_psl(&name))
            || text(record, "PermissionSetLicenseId") == snapshot.ids.integration_psl
    });
    Ok(())
}

fn read_permission_set(
    responses: &BTreeMap<String, CompositeSubresponse>,
    columns: &[&str],
    snapshot: &mut Snapshot,
) -> anyhow::Result<()> {
    let Some(record) = records(responses, "permissionSet")?.first() else {
        return Ok(());
    };
    let id = text(record, "Id").unwrap_or_default();
    let system_permissions = columns
        .iter()
        .filter(|column| flag(record, column))
        .map(|column| ((*column).to_owned(), true))
        .collect();
    let mut set = ObservedPermissionSet {
        id: id.clone(),
        name: text(record, "Name").unwrap_or_default(),
        label: text(record, "Label").unwrap_or_default(),
        description: text(record, "Description"),
        system_permissions,
        ..ObservedPermissionSet::default()
    };
    for row in records(responses, "objectPermissions")? {
        let object = text(row, "SobjectType").unwrap_or_default();
        let mut access = ObjectAccess::NONE;
        for right in ObjectRight::ALL {
            access.set(right, flag(row, right.field_name()));
        }
        if let Some(row_id) = text(row, "Id") {
            snapshot
                .ids
                .object_permissions
                .insert(object.to_ascii_lowercase(), row_id);
        }
        set.object_permissions.push(ObjectPermissionRow {
            sobject_type: object,
            access,
        });
    }
    for row in records(responses, "fieldPermissions")? {
        let field = text(row, "Field").unwrap_or_default();
        let access = FieldAccess {
            read: flag(row, "PermissionsRead"),
            edit: flag(row, "PermissionsEdit"),
        };
        if let Some(row_id) = text(row, "Id") {
            snapshot
                .ids
                .field_permissions
                .insert(field.to_ascii_lowercase(), row_id);
        }
        set.field_permissions
            .push(FieldPermissionRow { field, access });
    }
    for row in records(responses, "setupEntityAccess")? {
        let (Some(row_id), Some(entity), Some(kind)) = (
            text(row, "Id"),
            text(row, "SetupEntityId"),
            text(row, "SetupEntityType"),
        ) else {
            continue;
        };
        snapshot
            .ids
            .setup_entity_access
            .insert((kind, entity), row_id);
    }
    snapshot.ids.permission_set = Some(id);
    snapshot.observed.permission_set = Some(set);
    Ok(())
}

fn read_assignments(
    responses: &BTreeMap<String, CompositeSubresponse>,
    snapshot: &mut Snapshot,
) -> anyhow::Result<()> {
    for record in records(responses, "assignments")? {
        // The hidden set behind the user's profile is not an assignment anyone made.
        if record
            .pointer("/PermissionSet/IsOwnedByProfile")
            .and_then(Value::as_bool)
            == Some(true)
        {
            continue;
        }
        let (Some(id), Some(set_id)) = (text(record, "Id"), text(record, "PermissionSetId")) else {
            continue;
        };
        let name = text(record, "PermissionSet.Name").unwrap_or_default();
        let namespace = text(record, "PermissionSet.NamespacePrefix");
        let full = match &namespace {
            Some(namespace) => format!("{namespace}__{name}"),
            None => name.clone(),
        };
        snapshot
            .ids
            .assignments_by_name
            .insert(full.to_ascii_lowercase(), id.clone());
        snapshot.ids.assignments.insert(set_id, id);
        snapshot.observed.assignments.push(ObservedAssignment {
            permission_set: name,
            namespace,
        });
    }
    Ok(())
}

/// Resolves Apex class and custom permission names to ids (for new grants) and the
/// permission set's existing setup entity rows to names (for the plan). Costs one more
/// Composite call, and only when the grant or the permission set involves such entities.
pub(crate) async fn resolve_entities(
    session: &Session,
    wanted_apex: &BTreeSet<String>,
    wanted_custom_permissions: &BTreeSet<String>,
    snapshot: &mut Snapshot,
) -> anyhow::Result<()> {
    let entity_ids: Vec<(String, String)> = snapshot
        .ids
        .setup_entity_access
        .keys()
        .filter(|(kind, _)| kind == "ApexClass" || kind == "CustomPermission")
        .cloned()
        .collect();
    if entity_ids.is_empty() && wanted_apex.is_empty() && wanted_custom_permissions.is_empty() {
        return Ok(());
    }
    let entity_ids = entity_ids.as_slice();
    let id_list = |kind: &str| -> Vec<String> {
        entity_ids
            .iter()
            .filter(|(k, _)| k == kind)
            .map(|(_, id)| soql_string(id))
            .collect()
    };
    let bare_names = |names: &BTreeSet<String>, separator: &str| -> Vec<String> {
        names
            .iter()
            .map(|name| soql_string(name.rsplit(separator).next().unwrap_or(name)))
            .collect()
    };
    let mut apex_filters = Vec::new();
    let apex_ids = id_list("ApexClass");
    if !apex_ids.is_empty() {
        apex_filters.push(format!("Id IN ({})", apex_ids.join(", ")));
    }
    if !wanted_apex.is_empty() {
        apex_filters.push(format!(
            "Name IN ({})",
            bare_names(wanted_apex, ".").join(", ")
        ));
    }
    let mut permission_filters = Vec::new();
    let permission_ids = id_list("CustomPermission");
    if !permission_ids.is_empty() {
        permission_filters.push(format!("Id IN ({})", permission_ids.join(", ")));
    }
    if !wanted_custom_permissions.is_empty() {
        permission_filters.push(format!(
            "DeveloperName IN ({})",
            bare_names(wanted_custom_permissions, "__").join(", ")
        ));
    }
    let mut queries = Vec::new();
    if !apex_filters.is_empty() {
        queries.push(query_subrequest(
            session,
            "apex",
            &format!(
                "SELECT Id, Name, NamespacePrefix FROM ApexClass WHERE {}",
                apex_filters.join(" OR ")
            ),
        ));
    }
    if !permission_filters.is_empty() {
        queries.push(query_subrequest(
            session,
            "customPermissions",
            &format!(
                "SELECT Id, DeveloperName, NamespacePrefix FROM CustomPermission WHERE {}",
                permission_filters.join(" OR ")
            ),
        ));
    }
    let responses = run_queries(session, queries).await?;

    let mut names_by_id = BTreeMap::new();
    if responses.contains_key("apex") {
        for record in records(&responses, "apex")? {
            let (Some(id), Some(name)) = (text(record, "Id"), text(record, "Name")) else {
                continue;
            };
            let full = match text(record, "NamespacePrefix") {
                Some(namespace) => format!("{namespace}.{name}"),
                None => name,
            };
            snapshot
                .ids
                .apex_classes
                .insert(full.to_ascii_lowercase(), id.clone());
            names_by_id.insert(id, ("ApexClass", full));
        }
    }
    if responses.contains_key("customPermissions") {
        for record in records(&responses, "customPermissions")? {
            let (Some(id), Some(name)) = (text(record, "Id"), text(record, "DeveloperName")) else {
                continue;
            };
            let full = match text(record, "NamespacePrefix") {
                Some(namespace) => format!("{namespace}__{name}"),
                None => name,
            };
            snapshot
                .ids
                .custom_permissions
                .insert(full.to_ascii_lowercase(), id.clone());
            names_by_id.insert(id, ("CustomPermission", full));
        }
    }
    if let Some(set) = snapshot.observed.permission_set.as_mut() {
        for (kind, id) in entity_ids {
            if let Some((_, name)) = names_by_id.get(id) {
                set.setup_entity_access.push(SetupEntityAccessRow {
                    entity_type: kind.clone(),
                    name: name.clone(),
                });
            }
        }
    }
    Ok(())
}
