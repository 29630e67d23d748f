//! `sfiu audit`: drift between what was declared for an integration and what the org holds,
//! as a table or JSON for CI, and `--fix` to bring the org back through the main job.
//!
//! With `--all`, the integrations are the ones sfiu set up from this machine: every
//! `<out>/<id>/runbook.json` whose org id is this org's. The runbook is the record of the
//! last apply, so its requirements are the declared state. Permission sets in the org whose
//! description says they are managed by sfiu but that no runbook covers are listed too, as
//! integrations that cannot be audited from here.
//!
//! `--fix` restores everything except what looks like a deliberate revoke (the user
//! deactivated, or the integration's permission set taken off it): the runbook tells admins
//! to cut access that way in an incident, so re-opening it takes `--restore-access`.

use anyhow::Context as _;
use clap::Args;
use serde_json::{Value, json};
use sfiu_core::{AppKind, IntegrationSpec, PlanOptions, Requirements};
use time::OffsetDateTime;

use crate::integration::{self, Integration, IntegrationArgs};
use crate::job::audit::{self, Audit, Finding};
use crate::job::{self, JobArgs, PrepareOptions, Prepared};
use crate::org::{self, Org, OrgArgs};
use crate::output::{Format, Outcome, Printer, Tone};

/// Arguments of `sfiu audit`.
#[derive(Debug, Args)]
pub(crate) struct AuditArgs {
    #[command(flatten)]
    pub(crate) integration: IntegrationArgs,

    #[command(flatten)]
    pub(crate) org: OrgArgs,

    #[command(flatten)]
    pub(crate) job: JobArgs,

    /// Audit every integration sfiu set up in this org (the runbooks under `--out`).
    #[arg(long, conflicts_with_all = ["plugin", "spec"])]
    pub(crate) all: bool,

    /// Report a certificate that expires within this many days.
    #[arg(
        long,
        value_name = "N",
        default_value_t = 30,
        env = "SFIU_CERT_WARN_DAYS"
    )]
    pub(crate) days: u32,

    /// Show the plan that undoes the drift, then apply it and audit again. A deactivated
    /// integration user and its permission set taken off it look like a deliberate revoke
    /// and are left alone (see `--restore-access`).
    #[arg(long)]
    pub(crate) fix: bool,

    /// With `--fix`, also undo what looks like a deliberate revoke: activate the integration
    /// user again and assign it its permission set again, re-opening the integration's access.
    #[arg(long, requires = "fix")]
    pub(crate) restore_access: bool,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub(crate) format: Format,
}

/// One integration to audit and where its declared state comes from.
struct Target {
    integration: Integration,
    recorded: Option<Requirements>,
    org_id: Option<String>,
}

/// The result for one integration.
struct Result {
    id: String,
    username: String,
    permission_set: String,
    app: String,
    source: String,
    findings: Vec<Finding>,
    fix_plan: Vec<String>,
    fixed: Option<Vec<Finding>>,
    notes: Vec<String>,
    error: Option<String>,
}

/// Runs `sfiu audit`.
pub(crate) fn run(arguments: &AuditArgs, printer: &Printer) -> anyhow::Result<Outcome> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(run_async(arguments, printer))
}

async fn run_async(arguments: &AuditArgs, printer: &Printer) -> anyhow::Result<Outcome> {
    let org = org::connect(&arguments.org).await?;
    let (targets, unrecorded) = if arguments.all {
        all_targets(&org, arguments).await?
    } else {
        let default_domain = org.sim.as_ref().and_then(|sim| {
            let admin = sim.admin_username();
            admin.split_once('@').map(|(_, domain)| domain.to_owned())
        });
        let integration = integration::load(
            &arguments.integration,
            default_domain.as_deref(),
            &arguments.job.out,
        )?;
        let target = Target {
            integration,
            recorded: None,
            org_id: None,
        };
        (vec![target], Vec::new())
    };

    let mut results = Vec::new();
    for target in targets {
        let id = target.integration.spec.id.clone();
        printer.status(format!("audit `{id}` on {}", org.label));
        match audit_one(&org, target, arguments, printer).await {
            Ok(Some(result)) => results.push(result),
            Ok(None) => {}
            Err(error) => results.push(Result {
                id,
                username: String::new(),
                permission_set: String::new(),
                app: String::new(),
                source: String::new(),
                findings: Vec::new(),
                fix_plan: Vec::new(),
                fixed: None,
                notes: Vec::new(),
                error: Some(format!("{error:#}")),
            }),
        }
    }

    // A single integration that could not be audited is a failure like any other command's.
    if !arguments.all
        && let Some(error) = results.first().and_then(|result| result.error.clone())
    {
        anyhow::bail!("could not audit: {error}");
    }
    print(arguments, printer, &org, &results, &unrecorded);

    let remaining = |result: &Result| {
        result
            .fixed
            .as_ref()
            .map_or(!result.findings.is_empty(), |after| !after.is_empty())
    };
    if results.iter().any(|result| result.error.is_some()) {
        return Ok(Outcome::Failed);
    }
    if results.iter().any(remaining) || !unrecorded.is_empty() {
        return Ok(Outcome::ProblemsFound);
    }
    Ok(Outcome::Success)
}

async fn prepare(
    org: &Org,
    integration: Integration,
    recorded: Option<&Requirements>,
    job: &JobArgs,
) -> anyhow::Result<Prepared> {
    let options = PrepareOptions {
        plan: PlanOptions { delete_extra: true },
        full_app_read: true,
        recorded_requirements: recorded.cloned(),
        rotating: false,
    };
    job::prepare_with(org, integration, job, &options).await
}

async fn audit_one(
    org: &Org,
    target: Target,
    arguments: &AuditArgs,
    printer: &Printer,
) -> anyhow::Result<Option<Result>> {
    let from_runbook = target.recorded.is_some();
    let source = if from_runbook {
        "runbook".to_owned()
    } else {
        target.integration.spec_origin.clone()
    };
    let spec = target.integration.spec.clone();
    let recorded = target.recorded;
    let mut prepared = prepare(org, target.integration, recorded.as_ref(), &arguments.job).await?;
    if let Some(org_id) = &target.org_id
        && !prepared.snapshot.facts.org_id.eq_ignore_ascii_case(org_id)
    {
        printer.status(format!(
            "skipped `{}`: its runbook is for org `{org_id}`",
            spec.id
        ));
        return Ok(None);
    }
    let now = OffsetDateTime::now_utc();
    let restore_access = arguments.restore_access;
    let found = run_audit(org, &prepared, arguments, now, from_runbook).await?;
    let kept_revoke = audit::plan_for_fix(
        &mut prepared.plan,
        &found,
        &prepared.desired.permission_set.name,
        restore_access,
    );
    let mut result = Result {
        id: spec.id.clone(),
        username: prepared.desired.user.username.clone(),
        permission_set: prepared.desired.permission_set.name.clone(),
        app: prepared.desired.app.name.clone(),
        source,
        findings: found.findings.clone(),
        fix_plan: fix_plan(&prepared, &found),
        fixed: None,
        notes: found.notes.clone(),
        error: None,
    };
    if !arguments.fix || !found.findings.iter().any(|finding| finding.fixable) {
        return Ok(Some(result));
    }

    if arguments.format == Format::Human {
        printer.data(format!("plan to restore `{}`:", spec.id));
        for line in &result.fix_plan {
            printer.data(format!("  {line}"));
        }
    }
    let prepared = fix(
        org,
        prepared,
        &found,
        recorded.as_ref(),
        arguments,
        kept_revoke,
        printer,
    )
    .await?;
    let prepared = prepare(org, prepared.integration, recorded.as_ref(), &arguments.job).await?;
    let after = run_audit(org, &prepared, arguments, now, from_runbook).await?;
    result.fixed = Some(after.findings);
    Ok(Some(result))
}

async fn run_audit(
    org: &Org,
    prepared: &Prepared,
    arguments: &AuditArgs,
    now: OffsetDateTime,
    from_runbook: bool,
) -> anyhow::Result<Audit> {
    let read = audit::read(&org.session, prepared).await?;
    let mut found = audit::findings(
        prepared,
        &read,
        arguments.days,
        now,
        arguments.restore_access,
    );
    // A runbook records the user's username and e-mail, not its names and locale, so those
    // fields are not declared and cannot drift.
    if from_runbook {
        found
            .findings
            .retain(|finding| finding.kind != "user-changed");
    }
    Ok(found)
}

fn fix_plan(prepared: &Prepared, found: &Audit) -> Vec<String> {
    let mut lines: Vec<String> = prepared
        .plan
        .actions
        .iter()
        .filter(|action| action.operation.is_change())
        .map(ToString::to_string)
        .collect();
    lines.extend(found.repairs.describe(
        &prepared.desired.user.username,
        &prepared.desired.permission_set.name,
        &prepared.desired.app.name,
    ));
    lines
}

/// Applies the repairs and the plan (already stripped by [`audit::plan_for_fix`]); returns
/// the state it worked from. `kept_revoke` says the integration's access stays cut, so its
/// login test is expected to fail.
async fn fix(
    org: &Org,
    prepared: Prepared,
    found: &Audit,
    recorded: Option<&Requirements>,
    arguments: &AuditArgs,
    kept_revoke: bool,
    printer: &Printer,
) -> anyhow::Result<Prepared> {
    let job = &arguments.job;
    let session = &org.session;
    let repairs = &found.repairs;
    // The profile first: the plan refuses a user that sits on another licence.
    let prepared = if let Some((user_id, profile_id, _)) = &repairs.restore_profile {
        session
            .update("User", user_id, &json!({ "ProfileId": profile_id }))
            .await
            .context("failed to move the user back to the API-only profile")?;
        let mut prepared = prepare(org, prepared.integration, recorded, job).await?;
        audit::plan_for_fix(
            &mut prepared.plan,
            found,
            &prepared.desired.permission_set.name,
            arguments.restore_access,
        );
        prepared
    } else {
        prepared
    };
    if prepared.is_blocked() {
        let problems: Vec<String> = prepared
            .problems()
            .iter()
            .filter(|issue| issue.is_error())
            .map(|issue| issue.message.clone())
            .collect();
        anyhow::bail!("the plan is blocked: {}", problems.join("; "));
    }

    let execution = job::execute(org, &prepared, job, &|_, _, _| {}).await;
    let login_failed = execution.steps.iter().any(|outcome| {
        outcome.step == sfiu_core::Step::LoginTest && outcome.status == job::StepStatus::Failed
    });
    match execution.error {
        // The login test is the last step: everything else was restored, and a user whose
        // access stays revoked cannot log in.
        Some(error) if kept_revoke && login_failed => printer.warn(format!(
            "the login test failed, as it must while the integration's access stays revoked ({error:#})"
        )),
        Some(error) => {
            return Err(error.context("the fix stopped; run `sfiu audit --fix` again to finish"));
        }
        None => {}
    }
    for warning in &execution.warnings {
        printer.warn(warning);
    }
    if !repairs.foreign_assignments.is_empty() {
        let ids: Vec<&str> = repairs
            .foreign_assignments
            .iter()
            .map(|(id, _)| id.as_str())
            .collect();
        let results = session
            .delete_records(&ids, false)
            .await
            .context("failed to remove the permission set from other users")?;
        if let Some(failed) = results.iter().find(|result| !result.success) {
            let errors: Vec<String> = failed.errors.iter().map(ToString::to_string).collect();
            anyhow::bail!("removing an assignment failed: {}", errors.join("; "));
        }
    }
    let app_saved = execution.steps.iter().any(|outcome| {
        outcome.step == sfiu_core::Step::App && outcome.status == job::StepStatus::Done
    });
    if repairs.resave_app && !app_saved {
        resave_app(org, &prepared).await?;
    }

    let runbook = job::build_runbook(
        &prepared,
        &job::RunbookInputs {
            org,
            app_kind: execution.app_kind,
            consumer_key: execution.consumer_key.as_deref(),
            certificate: execution.certificate.as_ref(),
            login: execution.login.as_ref(),
            user_id: execution.user_id.as_deref(),
            permission_set_id: execution.permission_set_id.as_deref(),
            now: OffsetDateTime::now_utc(),
        },
    );
    prepared.artifacts.write_runbook(
        &sfiu_runbook::render_markdown(&runbook),
        &sfiu_runbook::render_json(&runbook),
    )?;
    Ok(prepared)
}

async fn resave_app(org: &Org, prepared: &Prepared) -> anyhow::Result<()> {
    let kind = prepared
        .app
        .as_ref()
        .map_or(AppKind::ConnectedApp, |app| app.observed.kind);
    let certificate = prepared
        .artifacts
        .certificate()?
        .context("no certificate to save the app with")?;
    let body = certificate.to_base64_body();
    for component in job::app::components(kind, &prepared.desired.app, &body, None) {
        let results = org
            .session
            .upsert_metadata(std::slice::from_ref(&component))
            .await
            .with_context(|| format!("failed to save {}", component.full_name()))?;
        if let Some(result) = results.iter().find(|result| !result.success) {
            let errors: Vec<String> = result.errors.iter().map(ToString::to_string).collect();
            anyhow::bail!(
                "Salesforce refused {}: {}",
                result.full_name,
                errors.join("; ")
            );
        }
    }
    Ok(())
}

/// Every integration recorded under `--out` for this org, and the sfiu-managed permission
/// sets no runbook covers.
async fn all_targets(
    org: &Org,
    arguments: &AuditArgs,
) -> anyhow::Result<(Vec<Target>, Vec<String>)> {
    let out = &arguments.job.out;
    let mut targets = Vec::new();
    let mut recorded_sets = Vec::new();
    let entries = match fs_err::read_dir(out) {
        Ok(entries) => entries.filter_map(std::result::Result::ok).collect(),
        Err(_) => Vec::new(),
    };
    let mut paths: Vec<_> = entries
        .iter()
        .map(|entry| entry.path().join("runbook.json"))
        .filter(|path| path.exists())
        .collect();
    paths.sort();
    for path in paths {
        let text = fs_err::read_to_string(&path)?;
        let runbook: sfiu_runbook::Runbook = serde_json::from_str(&text)
            .with_context(|| format!("`{}` is not a runbook sfiu can read", path.display()))?;
        recorded_sets.push(runbook.permission_set.name.to_ascii_lowercase());
        targets.push(Target {
            integration: integration_from_runbook(&runbook, &path)?,
            recorded: Some(runbook.requirements.clone()),
            org_id: Some(runbook.org.org_id.clone()),
        });
    }

    // Permission sets sfiu made carry its mark in their description.
    let soql = "SELECT Id, Name FROM PermissionSet WHERE Description LIKE '%managed by sfiu%' \
                AND NamespacePrefix = null";
    let rows: Vec<Value> = org
        .session
        .query_all(soql, 2000)
        .await
        .context("failed to list the permission sets sfiu manages")?;
    let unrecorded = rows
        .iter()
        .filter_map(|row| row.get("Name").and_then(Value::as_str))
        .filter(|name| !recorded_sets.contains(&name.to_ascii_lowercase()))
        .map(str::to_owned)
        .collect();
    Ok((targets, unrecorded))
}

fn integration_from_runbook(
    runbook: &sfiu_runbook::Runbook,
    path: &std::path::Path,
) -> anyhow::Result<Integration> {
    let kind = if runbook.app.kind == "External Client App" {
        "external-client-app"
    } else {
        "connected-app"
    };
    let toml = format!(
        "id = {:?}\n[user]\nusername = {:?}\nemail = {:?}\n[permission_set]\nname = {:?}\n\
         label = {:?}\n[app]\nkind = {kind:?}\nname = {:?}\nlabel = {:?}\n",
        runbook.integration.id,
        runbook.user.username,
        runbook.user.email,
        runbook.permission_set.name,
        runbook.permission_set.label,
        runbook.app.developer_name,
        runbook.app.label,
    );
    let mut spec = IntegrationSpec::from_toml_str(&toml).with_context(|| {
        format!(
            "the runbook `{}` names an invalid integration",
            path.display()
        )
    })?;
    spec.app.contact_email = runbook.app.contact_email.clone();
    // The recorded requirements passed validation when they were applied, dangerous
    // permissions included, so those stand acknowledged.
    spec.acknowledge_dangerous = runbook
        .requirements
        .system_permissions
        .iter()
        .filter_map(|grant| sfiu_core::system_permission(&grant.name))
        .filter(|permission| permission.dangerous)
        .map(|permission| permission.api_name.to_owned())
        .collect();
    Ok(Integration {
        spec,
        plugin: None,
        preset: None,
        spec_origin: format!("`{}`", path.display()),
        spec_path: None,
    })
}

fn finding_json(finding: &Finding) -> Value {
    serde_json::to_value(finding).unwrap_or(Value::Null)
}

/// Whether `--fix` removed a finding: the audit after the fix no longer reports it.
fn is_fixed(finding: &Finding, after: Option<&Vec<Finding>>) -> bool {
    after.is_some_and(|after| {
        !after.iter().any(|left| {
            left.kind == finding.kind
                && left.location == finding.location
                && left.what == finding.what
        })
    })
}

/// Why `--fix` (when `fixing`) leaves a finding alone on purpose: a revoke it keeps, or a
/// right on the user's profile, which sfiu does not edit.
fn kept_reason(finding: &Finding, fixing: bool) -> Option<&'static str> {
    if !fixing || finding.fixable {
        None
    } else if finding.looks_like_revoke {
        Some(audit::REVOKE_KEPT)
    } else if finding.kind == "profile-grant" {
        Some(audit::PROFILE_KEPT)
    } else {
        None
    }
}

/// A finding as JSON with `fixed`: whether `--fix` ran and removed it; with `fixing`, a
/// finding `--fix` leaves alone on purpose carries `not_fixed` saying why.
fn found_json(finding: &Finding, after: Option<&Vec<Finding>>, fixing: bool) -> Value {
    let mut value = finding_json(finding);
    if let Value::Object(map) = &mut value {
        map.insert("fixed".to_owned(), json!(is_fixed(finding, after)));
        if let Some(reason) = kept_reason(finding, fixing) {
            map.insert("not_fixed".to_owned(), json!(reason));
        }
    }
    value
}

fn print(
    arguments: &AuditArgs,
    printer: &Printer,
    org: &Org,
    results: &[Result],
    unrecorded: &[String],
) {
    let not_audited: Vec<&str> = results
        .iter()
        .filter(|result| result.error.is_some())
        .map(|result| result.id.as_str())
        .collect();
    if arguments.format == Format::Json {
        let integrations: Vec<Value> = results
            .iter()
            .map(|result| {
                json!({
                    "integration": result.id,
                    "username": result.username,
                    "permission_set": result.permission_set,
                    "app": result.app,
                    "declared_by": result.source,
                    "drift": result.error.is_none().then_some(!result.findings.is_empty()),
                    "findings": result.findings.iter().map(|finding| found_json(finding, result.fixed.as_ref(), arguments.fix)).collect::<Vec<_>>(),
                    "fix_applied": result.fixed.is_some(),
                    "fix_plan": result.fix_plan,
                    "after_fix": result.fixed.as_ref().map(|after| after.iter().map(finding_json).collect::<Vec<_>>()),
                    "notes": result.notes,
                    "error": result.error,
                })
            })
            .collect();
        let drift =
            results.iter().any(|result| !result.findings.is_empty()) || !unrecorded.is_empty();
        // Drift found anywhere is drift; none found while some integration went unaudited is
        // unknown, not "no drift".
        let drift = if drift || not_audited.is_empty() {
            Value::Bool(drift)
        } else {
            Value::Null
        };
        printer.json(&json!({
            "format_version": 1,
            "command": "audit",
            "days": arguments.days,
            "complete": not_audited.is_empty(),
            "not_audited": not_audited,
            "drift": drift,
            "integrations": integrations,
            "unrecorded_permission_sets": unrecorded,
            "round_trips": org.client.round_trips(),
        }));
        return;
    }
    for result in results {
        if let Some(error) = &result.error {
            printer.warn(format!("could not audit `{}`: {error}", result.id));
            continue;
        }
        let after = result.fixed.as_ref();
        let count = match after {
            None => format!("{} finding(s)", result.findings.len()),
            Some(_) => {
                let n_fixed = result
                    .findings
                    .iter()
                    .filter(|finding| is_fixed(finding, after))
                    .count();
                format!(
                    "{} finding(s) before the fix, {n_fixed} of them fixed",
                    result.findings.len()
                )
            }
        };
        printer.data(format!(
            "{} (user `{}`, permission set `{}`, app `{}`): {count}",
            result.id, result.username, result.permission_set, result.app,
        ));
        print_table(printer, &result.findings, after, arguments.fix);
        for note in &result.notes {
            printer.data(format!("  note: {note}"));
        }
        if let Some(after) = after {
            if after.is_empty() {
                printer.data("after the fix: no drift left");
                printer.success(format!("`{}` restored: no drift left", result.id));
            } else {
                printer.data(format!("after the fix: {} finding(s) left", after.len()));
                print_table(printer, after, None, false);
            }
        }
    }
    for name in unrecorded {
        printer.warn(format!(
            "permission set `{name}` is managed by sfiu but no runbook under `{}` records it; audit it with `--plugin`",
            arguments.job.out.display()
        ));
    }
    printer.status(format!("{} HTTP round trips", org.client.round_trips()));
    if !not_audited.is_empty() {
        printer.warn(format!(
            "the audit is incomplete: {} integration(s) could not be audited ({}), so drift there is unknown",
            not_audited.len(),
            not_audited
                .iter()
                .map(|id| format!("`{id}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    } else if results.iter().all(|result| result.findings.is_empty()) && unrecorded.is_empty() {
        printer.success("no drift: the org matches the declared state");
    }
}

/// The findings as a table; with `after` (the audit after `--fix`), each one says whether
/// the fix removed it, and with `fixing`, a finding `--fix` left alone on purpose says why.
fn print_table(
    printer: &Printer,
    findings: &[Finding],
    after: Option<&Vec<Finding>>,
    fixing: bool,
) {
    if findings.is_empty() {
        return;
    }
    printer.data(format!(
        "  {:<24} {:<30} {:<30} {}",
        "KIND", "SINCE", "BY", "WHERE"
    ));
    for finding in findings {
        let kind = printer.paint(Tone::Warning, &format!("{:<24}", finding.kind));
        printer.data(format!(
            "  {kind} {:<30} {:<30} {}",
            finding.since.as_deref().unwrap_or("unknown"),
            finding.by.as_deref().unwrap_or("unknown"),
            finding.location
        ));
        printer.data(format!("  {:<24} what: {}", "", finding.what));
        printer.data(format!("  {:<24} fix:  {}", "", finding.fix));
        if let Some(reason) = kept_reason(finding, fixing) {
            let now = printer.paint(Tone::Warning, reason);
            printer.data(format!("  {:<24} now:  {now}", ""));
        } else if after.is_some() {
            let now = if is_fixed(finding, after) {
                printer.paint(Tone::Success, "fixed")
            } else {
                printer.paint(Tone::Warning, "still there")
            };
            printer.data(format!("  {:<24} now:  {now}", ""));
        }
    }
}
