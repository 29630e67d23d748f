//! Applying a prepared plan: each of the six steps turns its plan actions into as few
//! Salesforce calls as possible (one Composite for the user, licence and permission set; one
//! sObject Collections call per kind of grant; one Metadata API call per app component).
//!
//! Every step reads ids from the snapshot or from the step before it, and nothing is written
//! twice: a re-run starts again from a fresh read of the org, so a run that failed half-way
//! is finished by the next without duplicates.

use std::collections::BTreeMap;
use std::fmt;

use anyhow::{Context as _, bail};
use serde_json::{Map, Value, json};
use sfiu_core::{
    Action, AppKind, CertificateSource, FieldAccess, Operation, Resource, Step, Value as PlanValue,
};
use sfiu_jwt::Certificate;
use sfiu_sf_client::{CompositeRequest, CompositeSubrequest, SaveResult};
use time::OffsetDateTime;

use super::app;
use super::login::LoginOutcome;
use super::{JobArgs, Prepared};
use crate::org::Org;
use crate::output::Hinted;

/// How a step ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum StepStatus {
    /// Wrote to the org (or made a file).
    Done,
    /// Nothing to do.
    Unchanged,
    /// Not run, for a stated reason.
    Skipped,
    /// Failed; the run stopped here.
    Failed,
    /// Not reached because an earlier step failed.
    NotReached,
}

impl fmt::Display for StepStatus {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(match self {
            Self::Done => "done",
            Self::Unchanged => "unchanged",
            Self::Skipped => "skipped",
            Self::Failed => "FAILED",
            Self::NotReached => "not reached",
        })
    }
}

/// One step's result.
#[derive(Debug, Clone, serde::Serialize)]
pub(crate) struct StepOutcome {
    /// The step.
    pub(crate) step: Step,
    /// How it ended.
    pub(crate) status: StepStatus,
    /// One line saying what happened.
    pub(crate) detail: String,
}

/// The result of applying a plan.
pub(crate) struct Execution {
    /// Every step in order.
    pub(crate) steps: Vec<StepOutcome>,
    /// The error that stopped the run, if any.
    pub(crate) error: Option<anyhow::Error>,
    /// Warnings worth showing (skipped fields, fallbacks).
    pub(crate) warnings: Vec<String>,
    /// The login test's result, if it ran.
    pub(crate) login: Option<LoginOutcome>,
    /// The app kind that exists after the run.
    pub(crate) app_kind: AppKind,
    /// The consumer key, when known.
    pub(crate) consumer_key: Option<String>,
    /// The certificate on the app.
    pub(crate) certificate: Option<Certificate>,
    /// Number of writes sent (Composite, Collections and Metadata calls).
    pub(crate) n_write_calls: u32,
    /// The user's id after the run.
    pub(crate) user_id: Option<String>,
    /// The permission set's id after the run.
    pub(crate) permission_set_id: Option<String>,
}

impl Execution {
    /// Whether any step wrote to the org.
    pub(crate) fn has_changes(&self) -> bool {
        self.steps.iter().any(|outcome| {
            outcome.status == StepStatus::Done
                && !matches!(outcome.step, Step::LicenseCheck | Step::LoginTest)
        })
    }
}

const ORDER: [Step; 8] = [
    Step::LicenseCheck,
    Step::User,
    Step::PslAssignment,
    Step::PermissionSet,
    Step::PermissionSetAssignment,
    Step::Certificate,
    Step::App,
    Step::LoginTest,
];

/// Step-by-step state: ids learnt while writing.
struct Run<'a> {
    org: &'a Org,
    prepared: &'a Prepared,
    job: &'a JobArgs,
    user_id: Option<String>,
    permission_set_id: Option<String>,
    /// What the identity Composite did for the licence step.
    psl_result: (StepStatus, String),
    /// What it did for the permission set record.
    set_record_result: (StepStatus, String),
    execution: Execution,
}

/// Applies the plan; stops at the first failing step. `progress` hears of each step as it
/// starts (its position from 1, and the total).
pub(crate) async fn execute(
    org: &Org,
    prepared: &Prepared,
    job: &JobArgs,
    progress: &dyn Fn(usize, usize, Step),
) -> Execution {
    let mut run = Run {
        org,
        prepared,
        job,
        user_id: prepared.snapshot.ids.user.clone(),
        permission_set_id: prepared.snapshot.ids.permission_set.clone(),
        psl_result: (StepStatus::Unchanged, "already assigned".to_owned()),
        set_record_result: (StepStatus::Unchanged, "record unchanged".to_owned()),
        execution: Execution {
            steps: Vec::new(),
            error: None,
            warnings: Vec::new(),
            login: None,
            app_kind: prepared.app_kind,
            consumer_key: prepared
                .app
                .as_ref()
                .and_then(|app| app.consumer_key.clone()),
            certificate: None,
            n_write_calls: 0,
            user_id: None,
            permission_set_id: None,
        },
    };
    for (index, step) in ORDER.into_iter().enumerate() {
        progress(index + 1, ORDER.len(), step);
        // User, licence and permission set record go out in one Composite call; the licence
        // and permission set steps report on what that call did.
        let result = match step {
            Step::LicenseCheck => Ok(license_check(prepared)),
            Step::User => run.identity().await,
            Step::PslAssignment => Ok(run.psl_result.clone()),
            Step::PermissionSet => run.grants().await,
            Step::PermissionSetAssignment => run.assignments().await,
            Step::Certificate => run.certificate(),
            Step::App => run.app().await,
            Step::LoginTest => run.login().await,
        };
        match result {
            Ok((status, detail)) => run.execution.steps.push(StepOutcome {
                step,
                status,
                detail,
            }),
            Err(error) => {
                run.execution.steps.push(StepOutcome {
                    step,
                    status: StepStatus::Failed,
                    detail: format!("{error:#}"),
                });
                for later in ORDER.iter().skip_while(|s| **s != step).skip(1) {
                    if !run
                        .execution
                        .steps
                        .iter()
                        .any(|outcome| outcome.step == *later)
                    {
                        run.execution.steps.push(StepOutcome {
                            step: *later,
                            status: StepStatus::NotReached,
                            detail: String::new(),
                        });
                    }
                }
                run.execution.error = Some(error);
                break;
            }
        }
    }
    run.execution.user_id = run.user_id;
    run.execution.permission_set_id = run.permission_set_id;
    run.execution
}

/// One line for a step's report: the action without its field values.
fn short(action: &Action) -> String {
    format!("{} {}", action.operation.verb(), action.resource)
}

fn license_check(prepared: &Prepared) -> (StepStatus, String) {
    let detail = prepared
        .plan
        .actions
        .iter()
        .find(|action| action.step == Step::LicenseCheck)
        .and_then(|action| action.note.clone())
        .unwrap_or_default();
    (StepStatus::Done, detail)
}

fn actions(prepared: &Prepared, step: Step) -> impl Iterator<Item = &Action> {
    prepared
        .plan
        .actions
        .iter()
        .filter(move |action| action.step == step)
}

fn changed_fields(action: &Action) -> Map<String, Value> {
    action
        .changes
        .iter()
        .filter_map(|change| {
            let value = match &change.to {
                Some(PlanValue::Bool(value)) => Value::Bool(*value),
                Some(PlanValue::Text(value)) => Value::String(value.clone()),
                Some(PlanValue::List(_)) | None => return None,
            };
            Some((change.field.clone(), value))
        })
        .collect()
}

/// The save results of a Collections call as an error naming every failed record.
fn check_saves(what: &str, labels: &[String], results: &[SaveResult]) -> anyhow::Result<()> {
    // With all-or-none, every record but the culprits comes back rolled back; naming only
    // the culprits keeps the message to what needs fixing.
    let mut n_rolled_back = 0;
    let mut failures = Vec::new();
    for (label, result) in labels
        .iter()
        .zip(results)
        .filter(|(_, result)| !result.success)
    {
        let errors: Vec<String> = result
            .errors
            .iter()
            .filter(|error| error.error_code != "ALL_OR_NONE_OPERATION_ROLLED_BACK")
            .map(ToString::to_string)
            .collect();
        if errors.is_empty() {
            n_rolled_back += 1;
        } else {
            failures.push(format!("{label}: {}", errors.join("; ")));
        }
    }
    if failures.is_empty() && n_rolled_back == 0 {
        return Ok(());
    }
    let rolled_back = if n_rolled_back > 0 {
        format!(" ({n_rolled_back} other record(s) rolled back with them)")
    } else {
        String::new()
    };
    bail!("{what} failed for {}{rolled_back}", failures.join(" | "))
}

impl Run<'_> {
    /// Step 2 and 3 and the permission set record: one Composite call, all or none.
    async fn identity(&mut self) -> anyhow::Result<(StepStatus, String)> {
        let prepared = self.prepared;
        let session = &self.org.session;
        let desired = &prepared.desired;
        let mut subrequests = Vec::new();
        let mut user_reference = self.user_id.clone();

        let user_action = actions(prepared, Step::User).next();
        match user_action.map(|action| action.operation) {
            Some(Operation::Create) => {
                let Some((profile_id, _)) = &prepared.snapshot.ids.integration_profile else {
                    bail!("the org has no profile on the `Salesforce Integration` licence");
                };
                let user = &desired.user;
                let mut body = json!({
                    "Username": user.username,
                    "Email": user.email,
                    "LastName": user.last_name,
                    "Alias": user.alias,
                    "TimeZoneSidKey": user.time_zone_sid_key,
                    "LocaleSidKey": user.locale_sid_key,
                    "LanguageLocaleKey": user.language_locale_key,
                    "EmailEncodingKey": user.email_encoding_key,
                    "ProfileId": profile_id,
                });
                if let Some(first_name) = &user.first_name {
                    body["FirstName"] = json!(first_name);
                }
                subrequests.push(
                    CompositeSubrequest::new("POST", session.data_path("sobjects/User"), "user")
                        .with_body(body),
                );
                user_reference = Some("@{user.id}".to_owned());
            }
            Some(Operation::Update) => {
                let id = self
                    .user_id
                    .clone()
                    .context("the user to update has no id")?;
                let fields = changed_fields(user_action.context("update action")?);
                subrequests.push(
                    CompositeSubrequest::new(
                        "PATCH",
                        session.data_path(&format!("sobjects/User/{id}")),
                        "user",
                    )
                    .with_body(Value::Object(fields)),
                );
            }
            _ => {}
        }

        let psl_needed = actions(prepared, Step::PslAssignment)
            .any(|action| action.operation == Operation::Assign);
        if psl_needed {
            let psl = prepared
                .snapshot
                .ids
                .integration_psl
                .clone()
                .context("the org has no Salesforce API Integration permission set licence")?;
            subrequests.push(
                CompositeSubrequest::new("POST", session.data_path("sobjects/PermissionSetLicenseAssign"), "psl").with_body(json!({
                    "AssigneeId": user_reference.clone().context("no user to assign the licence to")?,
                    "PermissionSetLicenseId": psl,
                })),
            );
        }

        let set_action = actions(prepared, Step::PermissionSet).find(|action| {
            matches!(action.resource, Resource::PermissionSet { .. })
                && action.operation.is_change()
        });
        if let Some(action) = set_action {
            let mut fields = changed_fields(action);
            if action.operation == Operation::Create {
                fields.insert("Name".to_owned(), json!(desired.permission_set.name));
                if let Some(description) = &desired.permission_set.description {
                    fields.insert("Description".to_owned(), json!(description));
                } else {
                    fields.insert(
                        "Description".to_owned(),
                        json!(format!(
                            "Least-privilege access for the {} integration, managed by sfiu.",
                            desired.integration_id
                        )),
                    );
                }
                subrequests.push(
                    CompositeSubrequest::new(
                        "POST",
                        session.data_path("sobjects/PermissionSet"),
                        "permissionSet",
                    )
                    .with_body(Value::Object(fields)),
                );
            } else {
                let id = self
                    .permission_set_id
                    .clone()
                    .context("the permission set to update has no id")?;
                subrequests.push(
                    CompositeSubrequest::new(
                        "PATCH",
                        session.data_path(&format!("sobjects/PermissionSet/{id}")),
                        "permissionSet",
                    )
                    .with_body(Value::Object(fields)),
                );
            }
        }

        let user_detail = user_action.map(short).unwrap_or_default();
        if subrequests.is_empty() {
            return Ok((StepStatus::Unchanged, user_detail));
        }
        let request = CompositeRequest {
            all_or_none: true,
            collate_subrequests: None,
            composite_request: subrequests,
        };
        self.execution.n_write_calls += 1;
        let response = session
            .composite(&request)
            .await
            .context("failed to write the user, licence and permission set")?;
        let mut failures = Vec::new();
        for answer in &response.composite_response {
            if answer.is_success() {
                let id = answer
                    .body
                    .get("id")
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                match answer.reference_id.as_str() {
                    "user" if id.is_some() => self.user_id = id,
                    "permissionSet" if id.is_some() => self.permission_set_id = id,
                    _ => {}
                }
            } else {
                let errors: Vec<String> = answer
                    .errors()
                    .iter()
                    .filter(|error| error.error_code != "PROCESSING_HALTED")
                    .map(ToString::to_string)
                    .collect();
                if !errors.is_empty() {
                    failures.push(format!("`{}`: {}", answer.reference_id, errors.join("; ")));
                }
            }
        }
        if !failures.is_empty() {
            let message = format!(
                "Salesforce refused the write (nothing was saved): {}",
                failures.join(" | ")
            );
            let hint = if message.contains("LICENSE_LIMIT_EXCEEDED") {
                "free a seat: deactivate an unused integration user (`sfiu licenses` lists them)"
            } else if message.contains("DUPLICATE_USERNAME") {
                "usernames are unique across every Salesforce org; choose another with `--username` or in the spec"
            } else {
                "fix the cause and run `sfiu apply` again; it continues where this run stopped"
            };
            return Err(anyhow::Error::new(Hinted::new(
                message,
                vec![hint.to_owned()],
            )));
        }
        if psl_needed {
            self.psl_result = (
                StepStatus::Done,
                "Salesforce API Integration assigned".to_owned(),
            );
        }
        if let Some(action) = set_action {
            self.set_record_result = (StepStatus::Done, short(action));
        }
        let status = if user_action.is_some_and(|action| action.operation.is_change()) {
            StepStatus::Done
        } else {
            StepStatus::Unchanged
        };
        Ok((status, user_detail))
    }

    /// Object, field and setup entity grants: one Collections call each for creates,
    /// updates and deletes.
    async fn grants(&mut self) -> anyhow::Result<(StepStatus, String)> {
        let prepared = self.prepared;
        let session = &self.org.session;
        let permission_set_id = self
            .permission_set_id
            .clone()
            .context("the permission set has no id")?;
        let ids = &prepared.snapshot.ids;
        let field_info = self.describe_granted_fields().await?;

        let mut creates: Vec<(String, Value)> = Vec::new();
        let mut updates: Vec<(String, Value)> = Vec::new();
        let mut deletes: Vec<(String, String)> = Vec::new();
        for action in
            actions(prepared, Step::PermissionSet).filter(|action| action.operation.is_change())
        {
            let label = action.resource.to_string();
            match (&action.resource, action.operation) {
                (Resource::ObjectPermissions { object, .. }, Operation::Create) => {
                    let mut record = changed_fields(action);
                    record.insert(
                        "attributes".to_owned(),
                        json!({"type": "ObjectPermissions"}),
                    );
                    record.insert("ParentId".to_owned(), json!(permission_set_id));
                    record.insert("SobjectType".to_owned(), json!(object));
                    creates.push((label, Value::Object(record)));
                }
                (Resource::ObjectPermissions { object, .. }, Operation::Update) => {
                    let id = ids
                        .object_permissions
                        .get(&object.to_ascii_lowercase())
                        .context("object permission row without id")?;
                    let mut record = changed_fields(action);
                    record.insert(
                        "attributes".to_owned(),
                        json!({"type": "ObjectPermissions"}),
                    );
                    record.insert("id".to_owned(), json!(id));
                    updates.push((label, Value::Object(record)));
                }
                (Resource::ObjectPermissions { object, .. }, Operation::Delete) => {
                    if let Some(id) = ids.object_permissions.get(&object.to_ascii_lowercase()) {
                        deletes.push((label, id.clone()));
                    }
                }
                (
                    Resource::FieldPermissions { field, .. },
                    Operation::Create | Operation::Update,
                ) => {
                    let wanted = prepared
                        .desired
                        .permission_set
                        .fields
                        .get(field)
                        .copied()
                        .unwrap_or_default();
                    let Some(access) = self.field_access(field, wanted, &field_info) else {
                        continue;
                    };
                    let mut record = Map::new();
                    record.insert("attributes".to_owned(), json!({"type": "FieldPermissions"}));
                    record.insert("PermissionsRead".to_owned(), json!(access.read));
                    record.insert("PermissionsEdit".to_owned(), json!(access.edit));
                    if action.operation == Operation::Create {
                        let object = field.split('.').next().unwrap_or_default();
                        record.insert("ParentId".to_owned(), json!(permission_set_id));
                        record.insert("SobjectType".to_owned(), json!(object));
                        record.insert("Field".to_owned(), json!(field));
                        creates.push((label, Value::Object(record)));
                    } else {
                        let id = ids
                            .field_permissions
                            .get(&field.to_ascii_lowercase())
                            .context("field permission row without id")?;
                        record.insert("id".to_owned(), json!(id));
                        updates.push((label, Value::Object(record)));
                    }
                }
                (Resource::FieldPermissions { field, .. }, Operation::Delete) => {
                    if let Some(id) = ids.field_permissions.get(&field.to_ascii_lowercase()) {
                        deletes.push((label, id.clone()));
                    }
                }
                (
                    Resource::SetupEntityAccess {
                        entity_type, name, ..
                    },
                    Operation::Create,
                ) => {
                    let lookup = if entity_type == sfiu_core::APEX_CLASS_ENTITY {
                        &ids.apex_classes
                    } else {
                        &ids.custom_permissions
                    };
                    let Some(entity_id) = lookup.get(&name.to_ascii_lowercase()) else {
                        bail!(
                            "{entity_type} `{name}` does not exist in the org; install or deploy it first, or remove the grant"
                        );
                    };
                    creates.push((label, json!({"attributes": {"type": "SetupEntityAccess"}, "ParentId": permission_set_id, "SetupEntityId": entity_id})));
                }
                (
                    Resource::SetupEntityAccess {
                        entity_type, name, ..
                    },
                    Operation::Delete,
                ) => {
                    let lookup = if entity_type == sfiu_core::APEX_CLASS_ENTITY {
                        &ids.apex_classes
                    } else {
                        &ids.custom_permissions
                    };
                    if let Some(entity_id) = lookup.get(&name.to_ascii_lowercase())
                        && let Some(row) = ids
                            .setup_entity_access
                            .get(&(entity_type.clone(), entity_id.clone()))
                    {
                        deletes.push((label, row.clone()));
                    }
                }
                _ => {}
            }
        }

        let n_changes = creates.len() + updates.len() + deletes.len();
        let permission_set_done = n_changes > 0;
        if !deletes.is_empty() {
            self.delete_labelled(deletes, "grants").await?;
        }
        if !updates.is_empty() {
            let (labels, records): (Vec<String>, Vec<Value>) = updates.into_iter().unzip();
            self.execution.n_write_calls += 1;
            let results = session
                .update_records("ObjectPermissions", &records, true)
                .await
                .context("failed to update grants")?;
            check_saves("updating grants", &labels, &results)?;
        }
        if !creates.is_empty() {
            let (labels, records): (Vec<String>, Vec<Value>) = creates.into_iter().unzip();
            self.execution.n_write_calls += 1;
            let results = session
                .create_records("ObjectPermissions", &records, true)
                .await
                .context("failed to add grants to the permission set")?;
            check_saves("adding grants", &labels, &results)?;
        }
        let (record_status, record_detail) = self.set_record_result.clone();
        if !permission_set_done {
            return Ok((record_status, record_detail));
        }
        let detail = match record_status {
            StepStatus::Done => format!("{record_detail}; {n_changes} grant change(s)"),
            _ => format!("{n_changes} grant change(s)"),
        };
        Ok((StepStatus::Done, detail))
    }

    /// Deletes records given as `(label, id)` in one all-or-none Collections call; `what`
    /// names them in messages (`grants`, `assignments`).
    async fn delete_labelled(
        &mut self,
        deletes: Vec<(String, String)>,
        what: &str,
    ) -> anyhow::Result<()> {
        let (labels, ids): (Vec<String>, Vec<String>) = deletes.into_iter().unzip();
        let id_refs: Vec<&str> = ids.iter().map(String::as_str).collect();
        self.execution.n_write_calls += 1;
        let results = self
            .org
            .session
            .delete_records(&id_refs, true)
            .await
            .with_context(|| format!("failed to remove undeclared {what}"))?;
        check_saves(&format!("removing {what}"), &labels, &results)
    }

    /// The permission set and any package permission sets assigned to the user.
    async fn assignments(&mut self) -> anyhow::Result<(StepStatus, String)> {
        let prepared = self.prepared;
        let session = &self.org.session;
        let permission_set_id = self
            .permission_set_id
            .clone()
            .context("the permission set has no id")?;
        let user_id = self.user_id.clone().context("the user has no id")?;
        let ids = &prepared.snapshot.ids;
        let mut deletes: Vec<(String, String)> = Vec::new();
        let mut assignments: Vec<(String, Value)> = Vec::new();
        for action in actions(prepared, Step::PermissionSetAssignment)
            .filter(|action| action.operation.is_change())
        {
            let Resource::PermissionSetAssignment {
                permission_set,
                namespace,
                ..
            } = &action.resource
            else {
                continue;
            };
            let label = action.resource.to_string();
            let set_id = match namespace {
                None => Some(permission_set_id.clone()),
                Some(namespace) => ids
                    .package_permission_sets
                    .get(&format!("{namespace}__{permission_set}").to_ascii_lowercase())
                    .cloned(),
            };
            match (action.operation, set_id) {
                (Operation::Assign, Some(set_id)) => assignments.push((
                    label,
                    json!({"attributes": {"type": "PermissionSetAssignment"}, "AssigneeId": user_id, "PermissionSetId": set_id}),
                )),
                (Operation::Assign, None) => self.execution.warnings.push(format!(
                    "{label} skipped: the package permission set is not in the org (is the `{}` package installed?)",
                    namespace.as_deref().unwrap_or_default()
                )),
                // An undeclared assignment is found by its own name: `set_id` above is the
                // integration's permission set for every set without a namespace.
                (Operation::Delete, _) => {
                    let full = match namespace {
                        Some(namespace) => format!("{namespace}__{permission_set}"),
                        None => permission_set.clone(),
                    };
                    if let Some(id) = ids.assignments_by_name.get(&full.to_ascii_lowercase()) {
                        deletes.push((label, id.clone()));
                    }
                }
                _ => {}
            }
        }

        if !deletes.is_empty() {
            self.delete_labelled(deletes, "assignments").await?;
        }
        if assignments.is_empty() {
            return Ok((StepStatus::Unchanged, "already assigned".to_owned()));
        }
        let (labels, records): (Vec<String>, Vec<Value>) = assignments.into_iter().unzip();
        self.execution.n_write_calls += 1;
        let results = session
            .create_records("PermissionSetAssignment", &records, false)
            .await
            .context("failed to assign the permission sets")?;
        if let Err(error) = check_saves("assigning", &labels, &results) {
            let text = format!("{error:#}");
            if text.contains("FIELD_INTEGRITY_EXCEPTION") {
                return Err(anyhow::Error::new(Hinted::new(
                    text,
                    vec![
                        "the user's licence does not allow a permission in the set: an object the Salesforce Integration licence cannot reach"
                            .to_owned(),
                        "remove that object with `[[grants.remove.objects]]` in the spec, or give the integration a full licence".to_owned(),
                    ],
                )));
            }
            return Err(error);
        }
        Ok((StepStatus::Done, format!("{} assignment(s)", labels.len())))
    }

    /// Describes the objects whose fields are granted, when field rows are to be written, so
    /// only permissionable fields get a row and formula fields stay read-only.
    async fn describe_granted_fields(
        &mut self,
    ) -> anyhow::Result<BTreeMap<String, app::FieldInfo>> {
        let prepared = self.prepared;
        let mut objects: Vec<String> = actions(prepared, Step::PermissionSet)
            .filter(|action| matches!(action.operation, Operation::Create | Operation::Update))
            .filter_map(|action| match &action.resource {
                Resource::FieldPermissions { field, .. } => {
                    field.split('.').next().map(str::to_owned)
                }
                _ => None,
            })
            .collect();
        objects.sort();
        objects.dedup();
        if objects.is_empty() {
            return Ok(BTreeMap::new());
        }
        app::describe_fields(&self.org.session, &objects).await
    }

    /// The access a field row may carry, or `None` (with a warning) when the field takes no
    /// field-level security.
    fn field_access(
        &mut self,
        field: &str,
        wanted: FieldAccess,
        info: &BTreeMap<String, app::FieldInfo>,
    ) -> Option<FieldAccess> {
        let fate = app::field_grant_fate(field, wanted, info);
        self.execution.warnings.extend(fate.note(field));
        fate.access(wanted)
    }

    /// The key and certificate: made now when the spec asks sfiu to generate them.
    fn certificate(&mut self) -> anyhow::Result<(StepStatus, String)> {
        let prepared = self.prepared;
        let spec = &prepared.integration.spec;
        let subject = format!("sfiu {}", spec.id);
        let (certificate, created) = prepared.artifacts.ensure_certificate(
            &spec.certificate,
            &subject,
            OffsetDateTime::now_utc(),
        )?;
        let detail = format!(
            "{} (SHA-256 {}, valid until {})",
            prepared.artifacts.certificate_path.display(),
            certificate.fingerprint(),
            certificate.not_after().date()
        );
        self.execution.certificate = Some(certificate);
        let status = match (&spec.certificate, created) {
            (CertificateSource::Generate {}, true) => StepStatus::Done,
            _ => StepStatus::Unchanged,
        };
        Ok((status, detail))
    }

    /// The app: created with a consumer key sfiu chooses, or updated without one.
    async fn app(&mut self) -> anyhow::Result<(StepStatus, String)> {
        let prepared = self.prepared;
        let certificate = self
            .execution
            .certificate
            .clone()
            .context("no certificate for the app")?;
        let app_action = actions(prepared, Step::App).next();
        let certificate_changed = actions(prepared, Step::Certificate)
            .any(|action| action.operation == Operation::Update)
            || prepared.app.as_ref().is_some_and(|app| {
                app.observed
                    .certificate_fingerprint_sha256
                    .as_deref()
                    .is_some_and(|current| {
                        !current.eq_ignore_ascii_case(&certificate.fingerprint().to_string())
                    })
            });
        let operation = app_action.map_or(Operation::Unchanged, |action| action.operation);
        let body = certificate.to_base64_body();

        match operation {
            Operation::Create => {
                let consumer_key = app::new_consumer_key();
                let kind = self.create_app(&body, &consumer_key).await?;
                self.execution.app_kind = kind;
                prepared.artifacts.write_consumer_key(&consumer_key)?;
                self.execution.consumer_key = Some(consumer_key.clone());
                Ok((
                    StepStatus::Done,
                    format!(
                        "created {} `{}` (consumer key {})",
                        kind_label(kind),
                        prepared.desired.app.name,
                        app::mask_consumer_key(&consumer_key)
                    ),
                ))
            }
            // The app exists but its creation stopped before the consumer key was saved:
            // complete it with a new key (a key is immutable only once it is set).
            _ if prepared.app.as_ref().is_some_and(|app| app.is_incomplete) => {
                let consumer_key = app::new_consumer_key();
                self.save_app(prepared.app_kind, &body, Some(&consumer_key), true)
                    .await?;
                prepared.artifacts.write_consumer_key(&consumer_key)?;
                self.execution.consumer_key = Some(consumer_key.clone());
                Ok((
                    StepStatus::Done,
                    format!(
                        "completed {} `{}` (consumer key {})",
                        kind_label(prepared.app_kind),
                        prepared.desired.app.name,
                        app::mask_consumer_key(&consumer_key)
                    ),
                ))
            }
            Operation::Update => {
                self.save_app(prepared.app_kind, &body, None, true).await?;
                Ok((
                    StepStatus::Done,
                    app_action.map(ToString::to_string).unwrap_or_default(),
                ))
            }
            _ if certificate_changed => {
                self.save_app(prepared.app_kind, &body, None, true).await?;
                Ok((StepStatus::Done, "uploaded the new certificate".to_owned()))
            }
            _ => {
                if let Some(key) = &self.execution.consumer_key
                    && prepared.artifacts.recorded_consumer_key().as_deref() != Some(key.as_str())
                {
                    prepared.artifacts.write_consumer_key(key)?;
                }
                Ok((
                    StepStatus::Unchanged,
                    format!(
                        "{} `{}`",
                        kind_label(prepared.app_kind),
                        prepared.desired.app.name
                    ),
                ))
            }
        }
    }

    /// Creates the app; a Connected App the org refuses to create (Spring '26) becomes an
    /// External Client App unless the spec asked for a Connected App by name.
    async fn create_app(
        &mut self,
        certificate: &str,
        consumer_key: &str,
    ) -> anyhow::Result<AppKind> {
        let prepared = self.prepared;
        let kind = prepared.app_kind;
        // An External Client App is four components saved one by one; upserting them makes a
        // retry after a failure part-way complete the app instead of colliding with itself.
        let upsert = kind == AppKind::ExternalClientApp;
        match self
            .save_app(kind, certificate, Some(consumer_key), upsert)
            .await
        {
            Ok(()) => Ok(kind),
            // Only a refusal of the component itself means the org blocks Connected Apps (the
            // exact error is not documented); a transport or server failure stays an error.
            Err(error)
                if kind == AppKind::ConnectedApp
                    && prepared.integration.spec.app.kind == AppKind::Auto
                    && error.downcast_ref::<app::Refused>().is_some() =>
            {
                self.execution.warnings.push(format!(
                    "the org refused a new Connected App ({error:#}); created an External Client App instead"
                ));
                self.save_app(
                    AppKind::ExternalClientApp,
                    certificate,
                    Some(consumer_key),
                    true,
                )
                .await?;
                Ok(AppKind::ExternalClientApp)
            }
            // The spec asked for a Connected App by name, so no fallback; say what would work.
            Err(error) if kind == AppKind::ConnectedApp && error.downcast_ref::<app::Refused>().is_some() => {
                Err(error.context(Hinted::new(
                    "the org refused the Connected App the spec asks for",
                    vec![
                        "orgs block new Connected Apps since Spring '26; set `[app] kind = \"auto\"` or \"external-client-app\" in the spec (or `--app-kind auto`)"
                            .to_owned(),
                    ],
                )))
            }
            Err(error) => Err(error),
        }
    }

    async fn save_app(
        &mut self,
        kind: AppKind,
        certificate: &str,
        consumer_key: Option<&str>,
        upsert: bool,
    ) -> anyhow::Result<()> {
        let components =
            app::components(kind, &self.prepared.desired.app, certificate, consumer_key);
        app::save_components(
            &self.org.session,
            components,
            upsert,
            &mut self.execution.n_write_calls,
        )
        .await
    }

    /// Step 5: the JWT login and access proof.
    async fn login(&mut self) -> anyhow::Result<(StepStatus, String)> {
        let prepared = self.prepared;
        let Some(certificate) = self.execution.certificate.clone() else {
            return Ok((StepStatus::Skipped, "no certificate".to_owned()));
        };
        let Some(key) = prepared.artifacts.private_key(&certificate)? else {
            return Ok((
                StepStatus::Skipped,
                "the private key is held by the external system; pass `--key-file` to test the login here".to_owned(),
            ));
        };
        let consumer_key = self
            .execution
            .consumer_key
            .clone()
            .or_else(|| prepared.artifacts.recorded_consumer_key())
            .context("the app's consumer key is unknown (the org did not return it and no earlier run recorded it)")?;
        let app_changed = self
            .execution
            .steps
            .iter()
            .any(|outcome| outcome.step == Step::App && outcome.status == StepStatus::Done);
        let wait = if app_changed {
            super::propagation_wait(self.job)
        } else {
            std::time::Duration::ZERO
        };
        let login_url = self.login_url();
        let outcome =
            super::prove_login(self.org, prepared, &login_url, &consumer_key, &key, wait).await?;
        let n_reached = outcome
            .objects
            .iter()
            .filter(|proof| proof.expected && proof.reachable)
            .count();
        let n_granted = outcome
            .objects
            .iter()
            .filter(|proof| proof.expected)
            .count();
        let mismatches: Vec<String> = outcome
            .mismatches()
            .iter()
            .map(|proof| proof.object.clone())
            .collect();
        let detail = if mismatches.is_empty() {
            format!(
                "logged in; {n_reached} of {n_granted} granted objects reachable, the object outside the grant refused"
            )
        } else {
            format!(
                "logged in; access differs from the grant on {}",
                mismatches.join(", ")
            )
        };
        self.execution.login = Some(outcome);
        Ok((StepStatus::Done, detail))
    }

    /// The login URL: an External Client App made by a Connected App fallback needs the
    /// My Domain audience the plan could not know about.
    fn login_url(&self) -> String {
        let prepared = self.prepared;
        if self.execution.app_kind == AppKind::ExternalClientApp
            && prepared.app_kind != AppKind::ExternalClientApp
            && self.org.login_url.is_none()
            && self.org.sim.is_none()
        {
            return self
                .org
                .session
                .instance_url()
                .as_str()
                .trim_end_matches('/')
                .to_owned();
        }
        prepared.login_url.clone()
    }
}

/// `Connected App` or `External Client App`.
pub(crate) fn kind_label(kind: AppKind) -> &'static str {
    match kind {
        AppKind::ExternalClientApp => super::report::EXTERNAL_CLIENT_APP,
        AppKind::ConnectedApp | AppKind::Auto => super::report::CONNECTED_APP,
    }
}
