//! `sfiu plan`, `sfiu apply`, `sfiu verify` and `sfiu runbook`: the main job and its parts.

use clap::Args;
use serde_json::json;
use sfiu_core::{Operation, PlanOptions};
use time::OffsetDateTime;

use crate::integration::{self, IntegrationArgs};
use crate::job::{self, JobArgs, Prepared, StepStatus};
use crate::org::{self, Org, OrgArgs};
use crate::output::{Format, Outcome, Printer, Tone, with_hint};

/// Arguments shared by the four commands.
#[derive(Debug, Args)]
pub(crate) struct SetupArgs {
    #[command(flatten)]
    pub(crate) integration: IntegrationArgs,

    #[command(flatten)]
    pub(crate) org: OrgArgs,

    #[command(flatten)]
    pub(crate) job: JobArgs,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub(crate) format: Format,
}

/// Which of the four commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Show what apply would do.
    Plan,
    /// Do it.
    Apply,
    /// Test the login on an existing setup.
    Verify,
    /// Regenerate the runbook.
    Runbook,
}

impl Mode {
    fn name(self) -> &'static str {
        match self {
            Mode::Plan => "plan",
            Mode::Apply => "apply",
            Mode::Verify => "verify",
            Mode::Runbook => "runbook",
        }
    }
}

/// Runs one of the four commands.
pub(crate) fn run(mode: Mode, arguments: &SetupArgs, printer: &Printer) -> anyhow::Result<Outcome> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(run_async(mode, arguments, printer))
}

async fn run_async(
    mode: Mode,
    arguments: &SetupArgs,
    printer: &Printer,
) -> anyhow::Result<Outcome> {
    let org = org::connect(&arguments.org).await?;
    let default_domain = org.sim.as_ref().and_then(|sim| {
        let admin = sim.admin_username();
        admin.split_once('@').map(|(_, domain)| domain.to_owned())
    });
    let integration = integration::load(
        &arguments.integration,
        default_domain.as_deref(),
        &arguments.job.out,
    )?;
    printer.status(format!(
        "{} `{}` on {} (spec from {})",
        mode.name(),
        integration.spec.id,
        org.label,
        integration.spec_origin
    ));
    let prepared = job::prepare(&org, integration, &arguments.job, PlanOptions::default()).await?;

    match mode {
        Mode::Plan => plan(&org, &prepared, arguments.format, printer),
        Mode::Apply => apply(&org, &prepared, &arguments.job, arguments.format, printer).await,
        Mode::Verify => verify(&org, &prepared, arguments.format, printer).await,
        Mode::Runbook => runbook(&org, &prepared, arguments.format, printer),
    }
}

fn print_problems(prepared: &Prepared, printer: &Printer) {
    for issue in prepared.problems() {
        printer.issue(issue, false);
    }
}

fn print_plan(prepared: &Prepared, printer: &Printer, changes_only: bool) {
    for action in &prepared.plan.actions {
        if changes_only && !action.operation.is_change() && action.operation != Operation::Extra {
            continue;
        }
        let tone = match action.operation {
            Operation::Create | Operation::Assign => Some(Tone::Success),
            Operation::Update => Some(Tone::Warning),
            Operation::Delete | Operation::Extra => Some(Tone::Error),
            Operation::Check | Operation::Unchanged => None,
        };
        let line = action.to_string();
        printer.data(match tone {
            Some(tone) => printer.paint(tone, &line),
            None => line,
        });
    }
}

fn plan_json(org: &Org, prepared: &Prepared) -> serde_json::Value {
    json!({
        "integration": prepared.integration.spec.id,
        "org_id": prepared.snapshot.facts.org_id,
        "app_kind": prepared.app_kind,
        "has_changes": prepared.plan.has_changes(),
        "has_undeclared": prepared.plan.actions.iter().any(|action| action.operation == Operation::Extra),
        "actions": prepared.plan.actions,
        "problems": prepared.problems(),
        "round_trips": org.client.round_trips(),
    })
}

fn plan(
    org: &Org,
    prepared: &Prepared,
    format: Format,
    printer: &Printer,
) -> anyhow::Result<Outcome> {
    let blocked = prepared.is_blocked();
    if format == Format::Json {
        let mut document = plan_json(org, prepared);
        document["format_version"] = json!(1);
        document["command"] = json!("plan");
        printer.json(&document);
    } else {
        print_plan(prepared, printer, false);
        print_problems(prepared, printer);
        let has_undeclared = prepared
            .plan
            .actions
            .iter()
            .any(|action| action.operation == Operation::Extra);
        if has_undeclared {
            printer.warn(
                "the org holds rights or assignments nobody declared (lines marked `!`); apply keeps them, \
                 `sfiu audit` reports them and `sfiu audit --fix` removes them",
            );
        }
        if !prepared.plan.has_changes() && !blocked && !has_undeclared {
            printer.success("no changes: the org matches the declared state");
        }
    }
    Ok(if blocked {
        Outcome::ProblemsFound
    } else {
        Outcome::Success
    })
}

async fn apply(
    org: &Org,
    prepared: &Prepared,
    job: &JobArgs,
    format: Format,
    printer: &Printer,
) -> anyhow::Result<Outcome> {
    if prepared.is_blocked() {
        if format == Format::Json {
            let mut document = plan_json(org, prepared);
            document["format_version"] = json!(1);
            document["command"] = json!("apply");
            document["applied"] = json!(false);
            printer.json(&document);
        } else {
            print_problems(prepared, printer);
        }
        printer.warn("nothing was written: fix the problems above and run `sfiu apply` again");
        return Ok(Outcome::ProblemsFound);
    }
    if format == Format::Human {
        print_plan(prepared, printer, true);
        if !prepared.plan.has_changes() {
            printer.status("no changes to the org; checking the login");
        }
    }

    let show = |position: usize, total: usize, step: sfiu_core::Step| {
        printer.progress(format, position, total, &step.to_string());
    };
    let execution = job::execute(org, prepared, job, &show).await;
    printer.clear_progress(format);
    let now = OffsetDateTime::now_utc();
    let mut runbook_paths = None;
    if execution.error.is_none() {
        let runbook = job::build_runbook(
            prepared,
            &job::RunbookInputs {
                org,
                app_kind: execution.app_kind,
                consumer_key: execution.consumer_key.as_deref(),
                certificate: execution.certificate.as_ref(),
                login: execution.login.as_ref(),
                user_id: execution.user_id.as_deref(),
                permission_set_id: execution.permission_set_id.as_deref(),
                now,
            },
        );
        prepared.artifacts.write_runbook(
            &sfiu_runbook::render_markdown(&runbook),
            &sfiu_runbook::render_json(&runbook),
        )?;
        runbook_paths = Some((
            prepared
                .artifacts
                .runbook_markdown_path
                .display()
                .to_string(),
            prepared.artifacts.runbook_json_path.display().to_string(),
        ));
    }
    let mismatches: Vec<String> = execution
        .login
        .as_ref()
        .map(|login| {
            login
                .mismatches()
                .iter()
                .map(|proof| proof.object.clone())
                .collect()
        })
        .unwrap_or_default();

    if format == Format::Json {
        printer.json(&json!({
            "format_version": 1,
            "command": "apply",
            "integration": prepared.integration.spec.id,
            "org_id": prepared.snapshot.facts.org_id,
            "applied": execution.error.is_none(),
            "changed": execution.has_changes(),
            "app_kind": execution.app_kind,
            "steps": execution.steps,
            "warnings": execution.warnings,
            "problems": prepared.problems(),
            "access_mismatches": mismatches,
            "ids": {
                "user": execution.user_id,
                "permission_set": execution.permission_set_id,
            },
            "round_trips": org.client.round_trips(),
            "write_calls": execution.n_write_calls,
            "runbook": runbook_paths.as_ref().map(|(markdown, json)| json!({"markdown": markdown, "json": json})),
            "error": execution.error.as_ref().map(|error| format!("{error:#}")),
        }));
    } else {
        for outcome in &execution.steps {
            let status = outcome.status.to_string();
            let status = match outcome.status {
                StepStatus::Done => printer.paint(Tone::Success, &status),
                StepStatus::Failed => printer.paint(Tone::Error, &status),
                StepStatus::Skipped | StepStatus::NotReached => {
                    printer.paint(Tone::Warning, &status)
                }
                StepStatus::Unchanged => status,
            };
            printer.status(
                format!(
                    "  {:<28} {status:<11} {}",
                    outcome.step.to_string(),
                    outcome.detail
                )
                .trim_end(),
            );
        }
        for warning in &execution.warnings {
            printer.warn(warning);
        }
        printer.status(format!("{} HTTP round trips", org.client.round_trips()));
        if let Some((markdown, _)) = &runbook_paths {
            printer.data(format!("runbook: {}", printer.paint(Tone::Path, markdown)));
        }
    }

    let changed = execution.has_changes();
    if let Some(error) = execution.error {
        let message = if changed {
            "apply stopped; run it again to finish (the steps marked done are kept)"
        } else {
            "apply stopped before changing anything; fix the cause and run it again"
        };
        return Err(error.context(message));
    }
    if !mismatches.is_empty() {
        printer.warn(format!(
            "the integration user's access differs from the grant on: {}",
            mismatches.join(", ")
        ));
        return Ok(Outcome::ProblemsFound);
    }
    if !execution.has_changes() && format == Format::Human {
        printer.success("no changes: the org already matched, and the login works");
    } else if format == Format::Human {
        printer.success("the integration user is ready");
    }
    Ok(Outcome::Success)
}

async fn verify(
    org: &Org,
    prepared: &Prepared,
    format: Format,
    printer: &Printer,
) -> anyhow::Result<Outcome> {
    // Whether the token endpoint refused the JWT login: an OAuth error answer below 500.
    let is_login_refused = |error: &anyhow::Error| {
        error.chain().any(|cause| {
            matches!(
                cause.downcast_ref::<sfiu_sf_client::Error>(),
                Some(sfiu_sf_client::Error::OAuth { status, .. }) if *status < 500
            )
        })
    };
    let (outcome, certificate) = match job::verify(org, prepared).await {
        Ok(verified) => verified,
        // Salesforce refusing the login (inactive user, wrong key, no pre-authorisation) is
        // what `verify` exists to find, so it exits 1; a refusal the org could not make
        // (5xx) and every transport or configuration error still mean it could not complete.
        Err(error) if is_login_refused(&error) => {
            printer.error(&error);
            if format == Format::Json {
                printer.json(&json!({
                    "format_version": 1,
                    "command": "verify",
                    "integration": prepared.integration.spec.id,
                    "username": prepared.desired.user.username,
                    "logged_in": false,
                    "error": format!("{error:#}"),
                    "round_trips": org.client.round_trips(),
                }));
            }
            return Ok(Outcome::ProblemsFound);
        }
        Err(error) => return Err(error),
    };
    let now = OffsetDateTime::now_utc();
    let mismatches: Vec<String> = outcome
        .mismatches()
        .iter()
        .map(|proof| proof.object.clone())
        .collect();
    if format == Format::Json {
        printer.json(&json!({
            "format_version": 1,
            "command": "verify",
            "integration": prepared.integration.spec.id,
            "username": prepared.desired.user.username,
            "logged_in": true,
            "token_scopes": outcome.scopes,
            "objects": outcome.objects,
            "access_mismatches": mismatches,
            "certificate_days_left": certificate.days_left(now),
            "round_trips": org.client.round_trips(),
        }));
    } else {
        printer.data(format!(
            "logged in as {} (scopes: {})",
            prepared.desired.user.username, outcome.scopes
        ));
        for proof in &outcome.objects {
            let verdict = if proof.expected == proof.reachable {
                "as intended"
            } else {
                "MISMATCH"
            };
            printer.data(format!(
                "  {:<24} granted: {:<3}  reachable: {:<3}  {verdict}",
                proof.object,
                if proof.expected { "yes" } else { "no" },
                if proof.reachable { "yes" } else { "no" }
            ));
        }
        printer.data(format!(
            "certificate: {} days left",
            certificate.days_left(now)
        ));
    }
    if mismatches.is_empty() {
        Ok(Outcome::Success)
    } else {
        printer.warn(format!(
            "access differs from the grant on: {}",
            mismatches.join(", ")
        ));
        Ok(Outcome::ProblemsFound)
    }
}

fn runbook(
    org: &Org,
    prepared: &Prepared,
    format: Format,
    printer: &Printer,
) -> anyhow::Result<Outcome> {
    let certificate = prepared.artifacts.certificate()?;
    // Without the integration's files the runbook would claim the key is held elsewhere and
    // lose the fingerprint; the folder is the record of where the key lives.
    if certificate.is_none()
        && prepared
            .app
            .as_ref()
            .is_some_and(|app| app.observed.has_certificate)
    {
        return Err(with_hint(
            format!(
                "`{}` holds no certificate for the app `{}`, so a runbook written here would be wrong",
                prepared.artifacts.folder.display(),
                prepared.desired.app.name
            ),
            "run `sfiu runbook` in the folder the setup ran in, or pass the same `--out`",
        ));
    }
    let app_kind = prepared
        .app
        .as_ref()
        .map_or(prepared.app_kind, |app| app.observed.kind);
    let consumer_key = prepared
        .app
        .as_ref()
        .and_then(|app| app.consumer_key.clone())
        .or_else(|| prepared.artifacts.recorded_consumer_key());
    let runbook = job::build_runbook(
        prepared,
        &job::RunbookInputs {
            org,
            app_kind,
            consumer_key: consumer_key.as_deref(),
            certificate: certificate.as_ref(),
            login: None,
            user_id: None,
            permission_set_id: None,
            now: OffsetDateTime::now_utc(),
        },
    );
    let markdown = sfiu_runbook::render_markdown(&runbook);
    let json_text = sfiu_runbook::render_json(&runbook);
    prepared.artifacts.write_runbook(&markdown, &json_text)?;
    if format == Format::Json {
        printer.data(json_text.trim_end());
    } else {
        printer.data(format!(
            "runbook: {}",
            printer.paint(
                Tone::Path,
                &prepared
                    .artifacts
                    .runbook_markdown_path
                    .display()
                    .to_string()
            )
        ));
    }
    if prepared.plan.has_changes() {
        printer.warn("the org differs from the declared state; `sfiu plan` shows how");
    }
    Ok(Outcome::Success)
}
