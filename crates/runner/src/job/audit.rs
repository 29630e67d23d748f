//! The drift audit: what changed in the org since the integration was declared, each change
//! with where it is, since when and by whom, and how to undo it.
//!
//! The declared state is the prepared plan's desired state (spec and plugin preset, or the
//! requirements the last runbook recorded). The org is read through SOQL only: the main
//! job's one Composite read, plus one more Composite here for what only the audit needs
//! (modification dates and authors of the grant rows, other holders of the permission set,
//! the user's profile flags and the rights its profile gives, the app row). Every query is
//! filtered by the integration's user, profile, permission set or app, so the cost follows
//! the integration's own grants and never the size of the org.
//!
//! Rights also reach the user through the permission set its profile owns, which the plan
//! does not cover: a dangerous system permission or an undeclared object right there is a
//! `profile-grant` finding. sfiu does not edit profiles, so `--fix` leaves those alone.
//!
//! Two findings are read as deliberate revokes rather than drift: a deactivated user and the
//! integration's own permission set taken off its user are what the runbook tells an admin
//! to do to cut access at once, so `--fix` leaves them alone unless asked to restore access.
//! Field grants that `apply` could not write (the field is missing or takes no field-level
//! security) are judged by the same rule `apply` writes by, and become notes, not drift.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::Context as _;
use serde::Serialize;
use serde_json::Value;
use sfiu_core::{
    Action, FieldAccess, ObjectAccess, ObjectRight, Operation, Plan, Resource, Value as PlanValue,
};
use sfiu_sf_client::{CompositeSubresponse, Session};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::app::{self, FieldInfo};
use super::observe::{query_subrequest, records, run_queries, soql_string};
use super::{Prepared, rotate};

/// Users that have not logged in for this many days look abandoned.
pub(crate) const STALE_LOGIN_DAYS: i64 = 90;

/// One way the org differs from the declared state.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Finding {
    /// Stable kebab-case kind, e.g. `grant-added`.
    pub(crate) kind: &'static str,
    /// What differs, in one sentence.
    pub(crate) what: String,
    /// Where it is: the record or component.
    #[serde(rename = "where")]
    pub(crate) location: String,
    /// When it changed (`LastModifiedDate`), where the org records it.
    pub(crate) since: Option<String>,
    /// Who changed it (`LastModifiedBy.Username`), where the org records it.
    pub(crate) by: Option<String>,
    /// How to bring it back.
    pub(crate) fix: String,
    /// Whether `sfiu audit --fix` repairs it.
    pub(crate) fixable: bool,
    /// Whether it looks like an admin cut the integration's access on purpose (user
    /// deactivated, or its permission set taken away): `--fix` restores it only with
    /// `--restore-access`.
    pub(crate) looks_like_revoke: bool,
}

/// Why `--fix` leaves a revoke finding alone.
pub(crate) const REVOKE_KEPT: &str = "not fixed: looks like a deliberate revoke";

/// Repairs the plan cannot express, done by `--fix` around the plan's execution.
#[derive(Debug, Clone, Default)]
pub(crate) struct Repairs {
    /// Move the user back to the API-only profile: `(user id, profile id, profile name)`.
    pub(crate) restore_profile: Option<(String, String, String)>,
    /// Assignments of the integration's permission set to other users: `(id, username)`.
    pub(crate) foreign_assignments: Vec<(String, String)>,
    /// Save the app again to restore its OAuth policy.
    pub(crate) resave_app: bool,
}

impl Repairs {
    /// One line per repair, for the plan shown before `--fix` writes.
    pub(crate) fn describe(&self, username: &str, permission_set: &str, app: &str) -> Vec<String> {
        let mut lines = Vec::new();
        if let Some((_, _, profile)) = &self.restore_profile {
            lines.push(format!(
                "~ update user `{username}`: ProfileId → `{profile}`"
            ));
        }
        for (_, other) in &self.foreign_assignments {
            lines.push(format!(
                "- unassign permission set `{permission_set}` from `{other}`"
            ));
        }
        if self.resave_app {
            lines.push(format!("~ update app `{app}`: OAuth policy as sfiu set it"));
        }
        lines
    }
}

/// What an audit found for one integration.
#[derive(Debug, Clone, Default)]
pub(crate) struct Audit {
    /// Every finding, in plan order, then the audit's own checks.
    pub(crate) findings: Vec<Finding>,
    /// Repairs outside the plan.
    pub(crate) repairs: Repairs,
    /// Declared grants the org cannot hold as declared, by the rule `apply` writes by; they
    /// are not drift.
    pub(crate) notes: Vec<String>,
    /// The fields of those grants (lower case), whose plan actions `--fix` leaves out.
    noted_fields: BTreeSet<String>,
}

/// When and by whom a row was last changed.
#[derive(Debug, Clone, Default)]
struct Modified {
    date: Option<String>,
    by: Option<String>,
}

/// The audit's own read: modification details and the checks the plan does not make.
#[derive(Debug, Clone, Default)]
pub(crate) struct AuditRead {
    /// By key: `object:<lower>`, `field:<lower>`, `entity:<id>`, `set`, `user`, `app`,
    /// `assignment:<lower name>`.
    modified: BTreeMap<String, Modified>,
    /// Assignments of the integration's permission set to other users.
    foreign: Vec<(String, String, Modified)>,
    /// The user's profile and whether it is confined to the API.
    profile: Option<(String, bool)>,
    /// When the user's password was last set, where the org exposes it.
    password_changed: Option<String>,
    /// The describe of the objects whose declared field grants have no matching row.
    field_info: BTreeMap<String, FieldInfo>,
    /// An app named as the integration's rotation overlap app that pre-authorises its
    /// permission set while no rotation is under way: `(name, modified)`.
    extra_app: Option<(String, Modified)>,
    /// What the permission set the user's profile owns grants beyond the API-only baseline.
    profile_grants: Option<ProfileGrants>,
}

/// The rights the user's profile gives through the permission set it owns.
#[derive(Debug, Clone, Default)]
struct ProfileGrants {
    /// The profile's name.
    profile: String,
    /// When and by whom the profile's permission set was last changed.
    set: Modified,
    /// Dangerous system permissions switched on, by API name.
    dangerous: Vec<&'static str>,
    /// Object rights, by object.
    objects: Vec<(String, ObjectAccess, Modified)>,
}

fn text(record: &Value, path: &str) -> Option<String> {
    let mut value = record;
    for part in path.split('.') {
        value = value.get(part)?;
    }
    value.as_str().map(str::to_owned)
}

fn modified(record: &Value) -> Modified {
    Modified {
        date: text(record, "LastModifiedDate"),
        by: text(record, "LastModifiedBy.Username"),
    }
}

/// Rows of an optional query: an org that lacks a field (older release, or one the
/// simulated org does not model) answers with an error, which means "not observable".
fn optional_records<'a>(
    responses: &'a BTreeMap<String, CompositeSubresponse>,
    reference: &str,
) -> &'a [Value] {
    responses
        .get(reference)
        .filter(|response| response.is_success())
        .and_then(|response| response.body.get("records"))
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// Reads what only the audit needs, in one Composite request.
pub(crate) async fn read(session: &Session, prepared: &Prepared) -> anyhow::Result<AuditRead> {
    let username = soql_string(&prepared.desired.user.username);
    let permission_set = soql_string(&prepared.desired.permission_set.name);
    let app = soql_string(&prepared.desired.app.name);
    let overlap_app = overlap_app_name(prepared);
    let overlap = soql_string(&overlap_app);
    const AUDIT: &str = "LastModifiedDate, LastModifiedBy.Username";
    // The profile the main read found the user on; its name is unique in an org.
    let profile = prepared
        .snapshot
        .observed
        .user
        .as_ref()
        .and_then(|user| user.profile_name.as_deref())
        .map(soql_string);
    let mut dangerous_columns = dangerous_permission_fields();
    let mut queries = vec![
        query_subrequest(
            session,
            "objectRows",
            &format!(
                "SELECT Id, SobjectType, {AUDIT} FROM ObjectPermissions \
                 WHERE Parent.Name = {permission_set}"
            ),
        ),
        query_subrequest(
            session,
            "fieldRows",
            &format!(
                "SELECT Id, Field, {AUDIT} FROM FieldPermissions WHERE Parent.Name = {permission_set}"
            ),
        ),
        query_subrequest(
            session,
            "entityRows",
            &format!(
                "SELECT Id, SetupEntityId, {AUDIT} FROM SetupEntityAccess \
                 WHERE Parent.Name = {permission_set}"
            ),
        ),
        query_subrequest(
            session,
            "set",
            &format!(
                "SELECT Id, {AUDIT} FROM PermissionSet WHERE Name = {permission_set} \
                 AND NamespacePrefix = null"
            ),
        ),
        query_subrequest(
            session,
            "assignments",
            &format!(
                "SELECT Id, PermissionSet.Name, PermissionSet.NamespacePrefix, {AUDIT} \
                 FROM PermissionSetAssignment WHERE Assignee.Username = {username}"
            ),
        ),
        query_subrequest(
            session,
            "holders",
            &format!(
                "SELECT Id, Assignee.Username, {AUDIT} FROM PermissionSetAssignment \
                 WHERE PermissionSet.Name = {permission_set} \
                 AND PermissionSet.NamespacePrefix = null"
            ),
        ),
        query_subrequest(
            session,
            "user",
            &format!(
                "SELECT Id, Profile.Name, Profile.PermissionsApiUserOnly, {AUDIT} \
                 FROM User WHERE Username = {username}"
            ),
        ),
        // Asked separately, because an org that does not expose the field fails only this
        // query, not the others.
        query_subrequest(
            session,
            "password",
            &format!("SELECT Id, LastPasswordChangeDate FROM User WHERE Username = {username}"),
        ),
        query_subrequest(
            session,
            "app",
            &format!(
                "SELECT Id, Name, {AUDIT} FROM ConnectedApplication WHERE Name IN ({app}, {overlap})"
            ),
        ),
    ];
    if let Some(profile) = &profile {
        queries.push(profile_set_query(session, profile, &dangerous_columns));
        queries.push(query_subrequest(
            session,
            "profileObjects",
            &format!(
                "SELECT Id, SobjectType, {}, {AUDIT} FROM ObjectPermissions \
                 WHERE Parent.IsOwnedByProfile = true AND Parent.Profile.Name = {profile}",
                object_right_fields()
            ),
        ));
    }
    let mut responses = run_queries(session, queries)
        .await
        .context("failed to read the audit details")?;
    // An org on an older release lacks some newer permission fields; drop the ones it
    // names as unknown and ask again, as the main read does. Only such an org pays for it.
    if let Some(profile) = &profile {
        for _attempt in 0..5 {
            let Some(unknown) = super::observe::unknown_column(responses.get("profileSet")) else {
                break;
            };
            dangerous_columns.retain(|column| !column.eq_ignore_ascii_case(&unknown));
            let retry = run_queries(
                session,
                vec![profile_set_query(session, profile, &dangerous_columns)],
            )
            .await
            .context("failed to read the permission set of the user's profile")?;
            responses.extend(retry);
        }
    }

    let mut read = AuditRead::default();
    for row in records(&responses, "objectRows")? {
        if let Some(object) = text(row, "SobjectType") {
            read.modified.insert(
                format!("object:{}", object.to_ascii_lowercase()),
                modified(row),
            );
        }
    }
    for row in records(&responses, "fieldRows")? {
        if let Some(field) = text(row, "Field") {
            read.modified.insert(
                format!("field:{}", field.to_ascii_lowercase()),
                modified(row),
            );
        }
    }
    let mut entities = BTreeSet::new();
    for row in records(&responses, "entityRows")? {
        if let Some(entity) = text(row, "SetupEntityId") {
            read.modified
                .insert(format!("entity:{entity}"), modified(row));
            entities.insert(entity);
        }
    }
    if let Some(row) = records(&responses, "set")?.first() {
        read.modified.insert("set".to_owned(), modified(row));
    }
    for row in records(&responses, "assignments")? {
        let name = text(row, "PermissionSet.Name").unwrap_or_default();
        let full = match text(row, "PermissionSet.NamespacePrefix") {
            Some(namespace) => format!("{namespace}__{name}"),
            None => name,
        };
        read.modified.insert(
            format!("assignment:{}", full.to_ascii_lowercase()),
            modified(row),
        );
    }
    let own = prepared.desired.user.username.to_ascii_lowercase();
    for row in records(&responses, "holders")? {
        let (Some(id), Some(holder)) = (text(row, "Id"), text(row, "Assignee.Username")) else {
            continue;
        };
        if holder.to_ascii_lowercase() != own {
            read.foreign.push((id, holder, modified(row)));
        }
    }
    if let Some(row) = records(&responses, "user")?.first() {
        read.modified.insert("user".to_owned(), modified(row));
        let api_only = row
            .pointer("/Profile/PermissionsApiUserOnly")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        read.profile = text(row, "Profile.Name").map(|name| (name, api_only));
    }
    read.password_changed = optional_records(&responses, "password")
        .first()
        .and_then(|row| text(row, "LastPasswordChangeDate"));
    let mut overlap_row = None;
    for row in records(&responses, "app")? {
        let name = text(row, "Name").unwrap_or_default();
        if name.eq_ignore_ascii_case(&prepared.desired.app.name) {
            read.modified.insert("app".to_owned(), modified(row));
        } else if name.eq_ignore_ascii_case(&overlap_app) {
            overlap_row = text(row, "Id").map(|id| (id, modified(row)));
        }
    }
    if let Some((id, modified)) = overlap_row
        && !is_rotation_under_way(prepared)
        && pre_authorises(session, prepared, &overlap_app, &id, &entities).await?
    {
        read.extra_app = Some((overlap_app, modified));
    }
    if profile.is_some() {
        read.profile_grants = read_profile_grants(&responses, &dangerous_columns)?;
    }
    read.field_info = describe_missing_fields(session, prepared).await?;
    Ok(read)
}

/// `PermissionSet` columns read on the profile's set: the catalogue's dangerous system
/// permissions. The API-only profile's baseline (`PermissionsApiEnabled`,
/// `PermissionsApiUserOnly`) is not among them, so it is never reported.
fn dangerous_permission_fields() -> Vec<&'static str> {
    sfiu_core::SYSTEM_PERMISSIONS
        .iter()
        .filter(|permission| permission.dangerous)
        .map(|permission| permission.api_name)
        .collect()
}

fn object_right_fields() -> String {
    ObjectRight::ALL
        .iter()
        .map(|right| right.field_name())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The permission set the profile `profile` (a SOQL literal) owns, with `columns`.
fn profile_set_query(
    session: &Session,
    profile: &str,
    columns: &[&str],
) -> sfiu_sf_client::CompositeSubrequest {
    query_subrequest(
        session,
        "profileSet",
        &format!(
            "SELECT Id, Profile.Name, LastModifiedDate, LastModifiedBy.Username, {} \
             FROM PermissionSet WHERE IsOwnedByProfile = true AND Profile.Name = {profile}",
            columns.join(", ")
        ),
    )
}

/// What the profile's own permission set grants: its dangerous system permissions and its
/// object rights. `None` when the org has no such set for the profile.
fn read_profile_grants(
    responses: &BTreeMap<String, CompositeSubresponse>,
    columns: &[&'static str],
) -> anyhow::Result<Option<ProfileGrants>> {
    let Some(row) = records(responses, "profileSet")?.first() else {
        return Ok(None);
    };
    let dangerous = columns
        .iter()
        .copied()
        .filter(|column| row.get(*column).and_then(Value::as_bool) == Some(true))
        .collect();
    let mut objects = Vec::new();
    for row in records(responses, "profileObjects")? {
        let Some(object) = text(row, "SobjectType") else {
            continue;
        };
        let mut access = ObjectAccess::NONE;
        for right in ObjectRight::ALL {
            access.set(
                right,
                row.get(right.field_name()).and_then(Value::as_bool) == Some(true),
            );
        }
        objects.push((object, access, modified(row)));
    }
    Ok(Some(ProfileGrants {
        profile: text(row, "Profile.Name").unwrap_or_default(),
        set: modified(row),
        dangerous,
        objects,
    }))
}

/// The name a rotation gives the integration's second app: the other of the two names it
/// alternates between.
fn overlap_app_name(prepared: &Prepared) -> String {
    rotate::overlap_name(
        &prepared.integration.spec.app_name(),
        &prepared.desired.app.name,
    )
}

/// Whether the runbook records a rotation that has started and not finished, during which
/// the overlap app is meant to exist.
fn is_rotation_under_way(prepared: &Prepared) -> bool {
    prepared
        .artifacts
        .previous_runbook()
        .and_then(|runbook| runbook.rotation)
        .is_some_and(|rotation| rotation.stage != rotate::FINISHED)
}

/// Whether the app `name` (row `row_id`) lets the integration user in: pre-authorised through
/// the integration's permission set, by a SetupEntityAccess row or in its own metadata.
async fn pre_authorises(
    session: &Session,
    prepared: &Prepared,
    name: &str,
    row_id: &str,
    entities: &BTreeSet<String>,
) -> anyhow::Result<bool> {
    if entities.contains(row_id) {
        return Ok(true);
    }
    // Only an app of that name in the org costs these reads, so an org without one pays
    // nothing for the check.
    let state = match app::read_connected_app(session, name).await? {
        Some(state) => Some(state),
        None => {
            let mut desired = prepared.desired.app.clone();
            desired.name = name.to_owned();
            app::read_external_client_app(session, &desired, None, true).await?
        }
    };
    let permission_set = &prepared.desired.permission_set.name;
    Ok(state.is_some_and(|state| {
        state
            .observed
            .permission_sets
            .iter()
            .any(|set| set.eq_ignore_ascii_case(permission_set))
    }))
}

/// Describes the objects of declared field grants that have no matching row, so the audit
/// can tell a grant someone removed from one `apply` could never write. Nothing is read when
/// every declared field grant has its row.
async fn describe_missing_fields(
    session: &Session,
    prepared: &Prepared,
) -> anyhow::Result<BTreeMap<String, FieldInfo>> {
    let mut objects: Vec<String> = prepared
        .plan
        .actions
        .iter()
        .filter(|action| matches!(action.operation, Operation::Create | Operation::Update))
        .filter_map(|action| match &action.resource {
            Resource::FieldPermissions { field, .. } => field.split('.').next().map(str::to_owned),
            _ => None,
        })
        .collect();
    objects.sort();
    objects.dedup();
    if objects.is_empty() {
        return Ok(BTreeMap::new());
    }
    app::describe_fields(session, &objects).await
}

/// Builder of findings with the context every finding shares.
struct Collector<'a> {
    prepared: &'a Prepared,
    read: &'a AuditRead,
    /// Whether `--fix` may undo what looks like a deliberate revoke.
    restore_access: bool,
    findings: Vec<Finding>,
    notes: Vec<String>,
    noted_fields: BTreeSet<String>,
}

impl Collector<'_> {
    fn push(
        &mut self,
        kind: &'static str,
        what: String,
        location: String,
        modified_key: Option<&str>,
        fix: String,
    ) {
        let modified = modified_key
            .and_then(|key| self.read.modified.get(key))
            .cloned()
            .unwrap_or_default();
        self.findings.push(Finding {
            kind,
            what,
            location,
            since: modified.date,
            by: modified.by,
            fix,
            fixable: true,
            looks_like_revoke: false,
        });
    }

    /// A finding that looks like an admin cut the integration's access on purpose: fixed
    /// only with `--restore-access`.
    fn push_revoke(&mut self, kind: &'static str, what: String, location: String, restores: &str) {
        let restore_access = self.restore_access;
        let fix = if restore_access {
            format!("{FIX}: {restores}")
        } else {
            format!(
                "this looks like a deliberate revoke, which plain `--fix` leaves alone; to open access again, `sfiu audit --fix --restore-access` {restores}"
            )
        };
        let modified_key = (kind == "user-inactive").then_some("user");
        self.push(kind, what, location, modified_key, fix);
        if let Some(finding) = self.findings.last_mut() {
            finding.fixable = restore_access;
            finding.looks_like_revoke = true;
        }
    }

    fn set_location(&self) -> String {
        format!(
            "permission set `{}`",
            self.prepared.desired.permission_set.name
        )
    }
}

/// Splits an update's changes into rights the org added (declared `false`, found `true`) and
/// rights it lost (declared `true`, found `false`).
fn split_changes(action: &Action) -> (Vec<String>, Vec<String>) {
    let mut added = Vec::new();
    let mut removed = Vec::new();
    for change in &action.changes {
        match (&change.from, &change.to) {
            (Some(PlanValue::Bool(true)), Some(PlanValue::Bool(false))) => {
                added.push(change.field.clone());
            }
            (_, Some(PlanValue::Bool(true))) => removed.push(change.field.clone()),
            _ => {}
        }
    }
    (added, removed)
}

const FIX: &str = "`sfiu audit --fix` restores the declared state";

/// Turns the plan (made with `delete_extra`) and the audit's read into findings.
///
/// With `restore_access`, `--fix` may reactivate the user and assign its permission set
/// again; without it those findings are reported as kept revokes.
pub(crate) fn findings(
    prepared: &Prepared,
    read: &AuditRead,
    days: u32,
    now: OffsetDateTime,
    restore_access: bool,
) -> Audit {
    let mut collector = Collector {
        prepared,
        read,
        restore_access,
        findings: Vec::new(),
        notes: Vec::new(),
        noted_fields: BTreeSet::new(),
    };
    // Nothing of the integration in the org: one finding says so, instead of every declared
    // grant reported as removed.
    let observed = &prepared.snapshot.observed;
    if observed.user.is_none() && observed.permission_set.is_none() && observed.app.is_none() {
        collector.findings.push(Finding {
            kind: "not-set-up",
            what: format!(
                "the integration is not set up in this org: no user `{}`, no permission set `{}`, no app `{}`",
                prepared.desired.user.username, prepared.desired.permission_set.name, prepared.desired.app.name
            ),
            location: "org".to_owned(),
            since: None,
            by: None,
            fix: "run `sfiu apply` with the same integration and org flags".to_owned(),
            fixable: false,
            looks_like_revoke: false,
        });
        return Audit {
            findings: collector.findings,
            repairs: Repairs::default(),
            notes: collector.notes,
            noted_fields: collector.noted_fields,
        };
    }
    for action in &prepared.plan.actions {
        plan_finding(&mut collector, action);
    }
    let mut repairs = Repairs::default();
    user_findings(&mut collector, &mut repairs, now);
    // A user on the wrong profile is one finding already, and moving it back takes the
    // profile's rights away with it.
    if repairs.restore_profile.is_none() {
        profile_grant_findings(&mut collector);
    }
    for (id, holder, modified) in &read.foreign {
        collector.findings.push(Finding {
            kind: "permission-set-shared",
            what: format!("the integration's permission set is also assigned to `{holder}`"),
            location: collector.set_location(),
            since: modified.date.clone(),
            by: modified.by.clone(),
            fix: format!("{FIX}: removes the assignment to `{holder}`"),
            fixable: true,
            looks_like_revoke: false,
        });
        repairs
            .foreign_assignments
            .push((id.clone(), holder.clone()));
    }
    app_policy_findings(&mut collector, &mut repairs);
    extra_app_finding(&mut collector);
    certificate_findings(&mut collector, days, now);
    Audit {
        findings: collector.findings,
        repairs,
        notes: collector.notes,
        noted_fields: collector.noted_fields,
    }
}

/// Takes out of `plan` what `--fix` must not do: the actions behind notes (field grants the
/// org cannot hold as declared) and, unless `restore_access`, the ones that would undo a
/// deliberate revoke (activating the user, assigning its permission set again). Returns
/// whether a revoke was kept.
pub(crate) fn plan_for_fix(
    plan: &mut Plan,
    found: &Audit,
    permission_set: &str,
    restore_access: bool,
) -> bool {
    let mut kept_revoke = false;
    plan.actions.retain(|action| match &action.resource {
        Resource::FieldPermissions { field, .. } => {
            action.operation == Operation::Delete
                || !found.noted_fields.contains(&field.to_ascii_lowercase())
        }
        Resource::PermissionSetAssignment {
            permission_set: name,
            namespace: None,
            ..
        } if action.operation == Operation::Assign
            && name.eq_ignore_ascii_case(permission_set)
            && !restore_access =>
        {
            kept_revoke = true;
            false
        }
        _ => true,
    });
    if restore_access {
        return kept_revoke;
    }
    for action in &mut plan.actions {
        if !matches!(action.resource, Resource::User { .. })
            || action.operation != Operation::Update
        {
            continue;
        }
        let before = action.changes.len();
        action.changes.retain(|change| change.field != "IsActive");
        if action.changes.len() != before {
            kept_revoke = true;
            if action.changes.is_empty() {
                action.operation = Operation::Unchanged;
            }
        }
    }
    kept_revoke
}

fn plan_finding(collector: &mut Collector<'_>, action: &Action) {
    let location = collector.set_location();
    match (&action.resource, action.operation) {
        (Resource::User { username }, Operation::Create) => collector.push(
            "user-missing",
            format!("the integration user `{username}` does not exist"),
            format!("user `{username}`"),
            None,
            FIX.to_owned(),
        ),
        (Resource::User { username }, Operation::Update) => {
            let inactive = action
                .changes
                .iter()
                .any(|change| change.field == "IsActive");
            if inactive {
                collector.push_revoke(
                    "user-inactive",
                    format!("the integration user `{username}` is deactivated"),
                    format!("user `{username}`"),
                    "activates the user (it needs a free seat)",
                );
            }
            let others: Vec<String> = action
                .changes
                .iter()
                .filter(|change| change.field != "IsActive")
                .map(ToString::to_string)
                .collect();
            if !others.is_empty() {
                collector.push(
                    "user-changed",
                    format!("the user's fields differ: {}", others.join(", ")),
                    format!("user `{username}`"),
                    Some("user"),
                    FIX.to_owned(),
                );
            }
        }
        (Resource::PermissionSetLicenseAssignment { license, username }, Operation::Assign) => {
            collector.push(
                "licence-removed",
                format!("the permission set licence `{license}` is no longer assigned"),
                format!("user `{username}`"),
                None,
                FIX.to_owned(),
            );
        }
        (Resource::PermissionSet { name }, Operation::Create) => collector.push(
            "permission-set-missing",
            format!("the permission set `{name}` does not exist"),
            location,
            None,
            FIX.to_owned(),
        ),
        (Resource::PermissionSet { .. }, Operation::Update) => {
            let (added, removed) = split_changes(action);
            if !added.is_empty() {
                collector.push(
                    "grant-added",
                    format!("system permission(s) not declared: {}", added.join(", ")),
                    location.clone(),
                    Some("set"),
                    format!("{FIX}: switches them off"),
                );
            }
            if !removed.is_empty() {
                collector.push(
                    "grant-removed",
                    format!(
                        "declared system permission(s) switched off: {}",
                        removed.join(", ")
                    ),
                    location.clone(),
                    Some("set"),
                    format!("{FIX}: switches them on"),
                );
            }
            let record: Vec<String> = action
                .changes
                .iter()
                .filter(|change| !matches!(change.to, Some(PlanValue::Bool(_))))
                .map(ToString::to_string)
                .collect();
            if !record.is_empty() {
                collector.push(
                    "permission-set-changed",
                    format!("the permission set's fields differ: {}", record.join(", ")),
                    location,
                    Some("set"),
                    FIX.to_owned(),
                );
            }
        }
        (Resource::ObjectPermissions { object, .. }, operation) => {
            let key = format!("object:{}", object.to_ascii_lowercase());
            grant_finding(
                collector,
                action,
                operation,
                &format!("object `{object}`"),
                &key,
            );
        }
        (Resource::FieldPermissions { field, .. }, operation) => {
            if let Some(note) = field_note(collector, action, field) {
                collector.notes.push(note);
                collector.noted_fields.insert(field.to_ascii_lowercase());
                return;
            }
            let key = format!("field:{}", field.to_ascii_lowercase());
            grant_finding(
                collector,
                action,
                operation,
                &format!("field `{field}`"),
                &key,
            );
        }
        (
            Resource::SetupEntityAccess {
                entity_type, name, ..
            },
            operation,
        ) => {
            let ids = &collector.prepared.snapshot.ids;
            let lookup = if entity_type == sfiu_core::APEX_CLASS_ENTITY {
                &ids.apex_classes
            } else {
                &ids.custom_permissions
            };
            let key = lookup
                .get(&name.to_ascii_lowercase())
                .map(|id| format!("entity:{id}"))
                .unwrap_or_default();
            grant_finding(
                collector,
                action,
                operation,
                &format!("{entity_type} `{name}`"),
                &key,
            );
        }
        (
            Resource::PermissionSetAssignment {
                permission_set,
                namespace,
                username,
            },
            operation @ (Operation::Assign | Operation::Delete),
        ) => {
            let full = match namespace {
                Some(namespace) => format!("{namespace}__{permission_set}"),
                None => permission_set.clone(),
            };
            let is_own = namespace.is_none()
                && permission_set
                    .eq_ignore_ascii_case(&collector.prepared.desired.permission_set.name);
            if operation == Operation::Assign && is_own {
                collector.push_revoke(
                    "assignment-removed",
                    format!("the integration's permission set `{full}` is no longer assigned to its user"),
                    format!("user `{username}`"),
                    "assigns it again",
                );
            } else if operation == Operation::Assign {
                collector.push(
                    "assignment-removed",
                    format!("the declared permission set `{full}` is no longer assigned"),
                    format!("user `{username}`"),
                    None,
                    format!("{FIX}: assigns it again"),
                );
            } else {
                collector.push(
                    "extra-assignment",
                    format!(
                        "another permission set, `{full}`, is assigned to the integration user"
                    ),
                    format!("user `{username}`"),
                    Some(&format!("assignment:{}", full.to_ascii_lowercase())),
                    format!("{FIX}: removes the assignment"),
                );
            }
        }
        (Resource::Certificate { .. }, Operation::Update) => collector.push(
            "app-certificate-changed",
            "the certificate on the app is not the integration's certificate".to_owned(),
            format!("app `{}`", collector.prepared.desired.app.name),
            Some("app"),
            format!("{FIX}: uploads the integration's certificate again"),
        ),
        (Resource::App { kind, name }, Operation::Create) => collector.push(
            "app-missing",
            format!("the {kind} `{name}` does not exist"),
            format!("app `{name}`"),
            None,
            FIX.to_owned(),
        ),
        (Resource::App { name, .. }, Operation::Update) => {
            let mut pre_authorisation = Vec::new();
            let mut policy = Vec::new();
            let mut other = Vec::new();
            for change in &action.changes {
                match change.field.as_str() {
                    "AdminApproved" | "PermissionSets" => {
                        pre_authorisation.push(change.to_string())
                    }
                    "OAuthScopes" => policy.push(change.to_string()),
                    _ => other.push(change.to_string()),
                }
            }
            for (kind, changes) in [
                ("app-pre-authorisation", pre_authorisation),
                ("app-oauth-policy", policy),
                ("app-changed", other),
            ] {
                if !changes.is_empty() {
                    collector.push(
                        kind,
                        format!("the app's settings differ: {}", changes.join(", ")),
                        format!("app `{name}`"),
                        Some("app"),
                        FIX.to_owned(),
                    );
                }
            }
        }
        _ => {}
    }
}

/// A note instead of a finding when the field row is as `apply` would have written it: no
/// row for a field that is missing or takes no field-level security, a read-only row for a
/// formula field declared editable.
fn field_note(collector: &Collector<'_>, action: &Action, field: &str) -> Option<String> {
    if !matches!(action.operation, Operation::Create | Operation::Update) {
        return None;
    }
    let wanted = collector
        .prepared
        .desired
        .permission_set
        .fields
        .get(field)
        .copied()
        .unwrap_or_default();
    let fate = app::field_grant_fate(field, wanted, &collector.read.field_info);
    let expected = fate.access(wanted);
    let matches = match action.operation {
        Operation::Create => expected.is_none(),
        _ => expected.is_some_and(|expected| expected == observed_access(action, wanted)),
    };
    if !matches {
        return None;
    }
    fate.note(field)
}

/// The field access the org holds, from an update's changes (`from`) over the declared one.
fn observed_access(action: &Action, wanted: FieldAccess) -> FieldAccess {
    let mut access = wanted;
    for change in &action.changes {
        let Some(PlanValue::Bool(from)) = change.from else {
            continue;
        };
        match change.field.as_str() {
            "PermissionsRead" => access.read = from,
            "PermissionsEdit" => access.edit = from,
            _ => {}
        }
    }
    access
}

fn grant_finding(
    collector: &mut Collector<'_>,
    action: &Action,
    operation: Operation,
    subject: &str,
    modified_key: &str,
) {
    let location = collector.set_location();
    match operation {
        Operation::Create => {
            let rights: Vec<String> = action
                .changes
                .iter()
                .filter(|change| change.to == Some(PlanValue::Bool(true)))
                .map(|change| change.field.clone())
                .collect();
            collector.push(
                "grant-removed",
                format!(
                    "the declared access to {subject} is missing ({})",
                    rights.join(", ")
                ),
                location,
                None,
                format!("{FIX}: grants it again"),
            );
        }
        Operation::Delete => collector.push(
            "grant-added",
            format!(
                "access to {subject} is not declared ({})",
                action.note.clone().unwrap_or_default()
            ),
            location,
            Some(modified_key),
            format!("{FIX}: deletes it"),
        ),
        Operation::Update => {
            let (added, removed) = split_changes(action);
            if !added.is_empty() {
                collector.push(
                    "grant-added",
                    format!("{subject} has undeclared rights: {}", added.join(", ")),
                    location.clone(),
                    Some(modified_key),
                    format!("{FIX}: takes them away"),
                );
            }
            if !removed.is_empty() {
                collector.push(
                    "grant-removed",
                    format!("{subject} lost declared rights: {}", removed.join(", ")),
                    location,
                    Some(modified_key),
                    format!("{FIX}: grants them again"),
                );
            }
        }
        _ => {}
    }
}

fn user_findings(collector: &mut Collector<'_>, repairs: &mut Repairs, now: OffsetDateTime) {
    let prepared = collector.prepared;
    let Some(user) = &prepared.snapshot.observed.user else {
        return;
    };
    let location = format!("user `{}`", user.username);
    let expected = prepared
        .snapshot
        .ids
        .integration_profile
        .clone()
        .filter(|(_, name)| !name.is_empty());
    if let Some((profile, api_only)) = &collector.read.profile
        && let Some((expected_id, expected_name)) = &expected
        && (profile != expected_name || !api_only)
    {
        collector.push(
            "interactive-login",
            format!(
                "the user's profile is `{profile}`, which allows interactive login, not the API-only `{expected_name}`"
            ),
            location.clone(),
            Some("user"),
            format!("{FIX}: moves the user back to `{expected_name}`"),
        );
        repairs.restore_profile =
            Some((user.id.clone(), expected_id.clone(), expected_name.clone()));
    }
    if let Some(changed) = &collector.read.password_changed {
        collector.findings.push(Finding {
            kind: "password-set",
            what: "the integration user has a password".to_owned(),
            location: location.clone(),
            since: Some(changed.clone()),
            by: None,
            fix: "an API-only integration user needs no password: reset it in Setup and \
                  keep the user on the API-only profile"
                .to_owned(),
            fixable: false,
            looks_like_revoke: false,
        });
    }
    if !user.is_active {
        return;
    }
    match prepared.snapshot.user_last_login.as_deref().map(parse_date) {
        None => collector.findings.push(Finding {
            kind: "never-logged-in",
            what: "the integration user has never logged in".to_owned(),
            location,
            since: None,
            by: None,
            fix: "give the vendor the consumer key and key, or check its configuration; \
                  `sfiu verify` tests the login"
                .to_owned(),
            fixable: false,
            looks_like_revoke: false,
        }),
        Some(Some(last)) if (now - last).whole_days() > STALE_LOGIN_DAYS => {
            collector.findings.push(Finding {
                kind: "no-recent-login",
                what: format!(
                    "the integration user has not logged in for {} days",
                    (now - last).whole_days()
                ),
                location,
                since: prepared.snapshot.user_last_login.clone(),
                by: None,
                fix: "if the integration is no longer used, deactivate the user to free its seat"
                    .to_owned(),
                fixable: false,
                looks_like_revoke: false,
            });
        }
        _ => {}
    }
}

/// Why `--fix` leaves a `profile-grant` finding alone.
pub(crate) const PROFILE_KEPT: &str = "not fixed: sfiu does not edit profiles";

/// Rights the user's profile gives through its own permission set beyond what the
/// integration declared: the plan cannot see them and `--fix` cannot take them away.
fn profile_grant_findings(collector: &mut Collector<'_>) {
    let Some(grants) = collector.read.profile_grants.clone() else {
        return;
    };
    let prepared = collector.prepared;
    let profile = &grants.profile;
    let location = format!("profile `{profile}`");
    let api_only = prepared
        .snapshot
        .ids
        .integration_profile
        .as_ref()
        .map(|(_, name)| name.clone())
        .filter(|name| !name.is_empty() && name != profile);
    let elsewhere = match &api_only {
        Some(name) => format!(", or move the user to `{name}`"),
        None => String::new(),
    };
    let mut push = |what: String, modified: &Modified, fix: String| {
        collector.findings.push(Finding {
            kind: "profile-grant",
            what,
            location: location.clone(),
            since: modified.date.clone(),
            by: modified.by.clone(),
            fix,
            fixable: false,
            looks_like_revoke: false,
        });
    };
    if !grants.dangerous.is_empty() {
        push(
            format!(
                "the user's profile grants dangerous system permission(s): {}",
                grants.dangerous.join(", ")
            ),
            &grants.set,
            format!(
                "switch them off on the profile `{profile}` in Setup (every user on it has them){elsewhere}; sfiu does not edit profiles"
            ),
        );
    }
    let declared = &prepared.desired.permission_set.objects;
    for (object, access, modified) in &grants.objects {
        let wanted = declared
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(object))
            .map_or(ObjectAccess::NONE, |(_, access)| *access);
        let extra: Vec<&str> = access
            .without_rights(wanted)
            .rights()
            .into_iter()
            .map(ObjectRight::field_name)
            .collect();
        if extra.is_empty() {
            continue;
        }
        push(
            format!(
                "the user's profile grants access to object `{object}` that is not declared: {}",
                extra.join(", ")
            ),
            modified,
            format!(
                "take it off the profile `{profile}` in Setup{elsewhere}; sfiu does not edit profiles"
            ),
        );
    }
}

fn app_policy_findings(collector: &mut Collector<'_>, repairs: &mut Repairs) {
    let prepared = collector.prepared;
    let Some(app) = &prepared.app else {
        return;
    };
    let expected = super::app::expected_policies(app.observed.kind);
    let differing: Vec<String> = expected
        .iter()
        .filter_map(|(name, wanted)| {
            let current = app.policies.get(name)?;
            (!current.eq_ignore_ascii_case(wanted)).then(|| format!("{name}: {current} → {wanted}"))
        })
        .collect();
    if differing.is_empty() {
        return;
    }
    collector.push(
        "app-oauth-policy",
        format!("the app's OAuth policy differs: {}", differing.join(", ")),
        format!("app `{}`", prepared.desired.app.name),
        Some("app"),
        FIX.to_owned(),
    );
    repairs.resave_app = true;
}

/// The rotation's other app name in the org, pre-authorised through the integration's
/// permission set, while no rotation is under way: a second door nobody is watching.
fn extra_app_finding(collector: &mut Collector<'_>) {
    let Some((name, modified)) = collector.read.extra_app.clone() else {
        return;
    };
    collector.findings.push(Finding {
        kind: "extra-app",
        what: format!(
            "the app `{name}` pre-authorises the integration's permission set, but no certificate rotation is under way"
        ),
        location: format!("app `{name}`"),
        since: modified.date,
        by: modified.by,
        fix: format!(
            "if a rotation was started elsewhere, finish it (`sfiu cert rotate --finish`) or undo it; otherwise delete the app `{name}` in Setup"
        ),
        fixable: false,
        looks_like_revoke: false,
    });
}

fn certificate_findings(collector: &mut Collector<'_>, days: u32, now: OffsetDateTime) {
    let prepared = collector.prepared;
    // The certificate on the app is what logins are checked against; the local file stands
    // in when the app cannot be read.
    let certificate = prepared
        .app
        .as_ref()
        .and_then(|app| app.certificate.clone())
        .or_else(|| prepared.artifacts.certificate().ok().flatten());
    let Some(certificate) = certificate else {
        return;
    };
    let location = format!(
        "certificate {} on app `{}`",
        certificate.fingerprint(),
        prepared.desired.app.name
    );
    let until = certificate.not_after().format(&Rfc3339).unwrap_or_default();
    let fix = format!(
        "rotate it: `sfiu cert rotate --plugin {}`",
        prepared.integration.spec.id
    );
    if certificate.is_expired(now) {
        collector.findings.push(Finding {
            kind: "certificate-expired",
            what: format!("the certificate expired on {until}"),
            location,
            since: Some(until),
            by: None,
            fix,
            fixable: false,
            looks_like_revoke: false,
        });
    } else if certificate.days_left(now) <= i64::from(days) {
        collector.findings.push(Finding {
            kind: "certificate-expiring",
            what: format!(
                "the certificate expires in {} days, within the {days}-day window",
                certificate.days_left(now)
            ),
            location,
            since: None,
            by: None,
            fix,
            fixable: false,
            looks_like_revoke: false,
        });
    }
}

/// Parses a Salesforce datetime (`2026-01-02T03:04:05.000+0000`) or RFC 3339.
pub(crate) fn parse_date(text: &str) -> Option<OffsetDateTime> {
    if let Ok(time) = OffsetDateTime::parse(text, &Rfc3339) {
        return Some(time);
    }
    // Salesforce writes the offset without a colon.
    let (head, offset) = text.split_at(text.len().checked_sub(5)?);
    let fixed = format!("{head}{}:{}", &offset[..3], &offset[3..]);
    OffsetDateTime::parse(&fixed, &Rfc3339).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_salesforce_and_rfc3339_dates() {
        let salesforce = parse_date("2026-01-02T03:04:05.000+0000").unwrap();
        let rfc = parse_date("2026-01-02T03:04:05Z").unwrap();
        assert_eq!(salesforce, rfc);
        assert!(parse_date("yesterday").is_none());
    }

    #[test]
    fn the_api_only_baseline_is_not_read_as_dangerous() {
        let columns = dangerous_permission_fields();
        assert!(columns.contains(&"PermissionsViewAllData"));
        for baseline in ["PermissionsApiEnabled", "PermissionsApiUserOnly"] {
            assert!(!columns.contains(&baseline), "{baseline}");
        }
    }
}
