//! The main job: read the org, plan, apply the six steps, prove the login, write the runbook.
//!
//! [`prepare`] does everything up to the plan without writing anything (it is all `plan`
//! needs); [`execute()`] applies a prepared plan step by step; [`verify`] runs the login test
//! and access proof on an existing setup. Each step is idempotent by natural key (username,
//! permission set name, app name), so a run that fails half-way is finished by the next.

pub(crate) mod app;
mod artifacts;
pub(crate) mod audit;
mod execute;
pub(crate) mod login;
pub(crate) mod observe;
mod report;
pub(crate) mod rotate;

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context as _;
use clap::Args;
use sfiu_core::{
    AppKind, CertificateSource, DesiredState, Issue, Plan, PlanOptions, Reach, Requirements,
    Resource, Severity, Validation,
};
use sfiu_plugin_host::{OrgFacts, Resolved};

pub(crate) use self::artifacts::Artifacts;
pub(crate) use self::execute::{StepStatus, execute};
pub(crate) use self::observe::Snapshot;
pub(crate) use self::report::{RunbookInputs, build_runbook, verify};

use crate::integration::Integration;
use crate::org::Org;

/// Options about files and timing shared by the job's commands.
#[derive(Debug, Clone, Args)]
pub(crate) struct JobArgs {
    /// Folder for the key, certificate, consumer key and runbook (one sub-folder per
    /// integration).
    #[arg(long, value_name = "DIR", default_value = "sfiu-out", env = "SFIU_OUT")]
    pub(crate) out: PathBuf,

    /// The private key to sign the test JWT with, when it is not in the output folder (for
    /// example the external system's own key next to its certificate).
    #[arg(long, value_name = "FILE", env = "SFIU_KEY_FILE")]
    pub(crate) key_file: Option<PathBuf>,

    /// How long the login test keeps retrying while a new app propagates, in seconds
    /// (Salesforce: up to 10 minutes).
    #[arg(long, value_name = "SECONDS", default_value_t = 600)]
    pub(crate) propagation_wait: u64,

    /// Upload a newly generated certificate even though the app already carries one this
    /// output folder has no key for (the integration's current key stops working).
    #[arg(long)]
    pub(crate) replace_certificate: bool,
}

/// Everything known before the first write.
pub(crate) struct Prepared {
    /// The integration.
    pub(crate) integration: Integration,
    /// The plugin's answer for the chosen preset, if there is a plugin.
    pub(crate) resolved: Option<Resolved>,
    /// Spec and preset merged and validated.
    pub(crate) validation: Validation,
    /// What the org should look like.
    pub(crate) desired: DesiredState,
    /// What the org looks like.
    pub(crate) snapshot: Snapshot,
    /// The existing app's extra state (consumer key).
    pub(crate) app: Option<app::AppState>,
    /// The app kind the plan settled on.
    pub(crate) app_kind: AppKind,
    /// The ordered actions and blockers.
    pub(crate) plan: Plan,
    /// Problems beyond the plan's blockers: objects the licence cannot reach, and warnings.
    pub(crate) findings: Vec<Issue>,
    /// The integration's files.
    pub(crate) artifacts: Artifacts,
    /// The login URL for the JWT audience.
    pub(crate) login_url: String,
}

impl Prepared {
    /// Whether anything stops `apply` before it writes.
    pub(crate) fn is_blocked(&self) -> bool {
        self.validation.has_errors()
            || !self.plan.blockers.is_empty()
            || self.findings.iter().any(Issue::is_error)
    }

    /// The objects the access proof queries as granted: every granted object except child
    /// objects whose access follows a parent (the parent is probed instead).
    pub(crate) fn probed_objects(&self) -> Vec<String> {
        self.validation
            .requirements
            .objects
            .iter()
            .filter(|grant| sfiu_core::parent_object(&grant.object).is_none())
            .map(|grant| grant.object.clone())
            .collect()
    }

    /// Every problem: validation, plan blockers and findings.
    pub(crate) fn problems(&self) -> Vec<&Issue> {
        self.validation
            .issues
            .iter()
            .chain(&self.plan.blockers)
            .chain(&self.findings)
            .collect()
    }
}

/// What [`prepare_with`] reads beyond what `plan` needs, and where the declared state comes
/// from.
#[derive(Debug, Clone, Default)]
pub(crate) struct PrepareOptions {
    /// How the plan treats undeclared grants.
    pub(crate) plan: PlanOptions,
    /// Read every part of an External Client App (four calls) instead of taking the parts
    /// `apply` does not re-read from the last runbook; the audit needs the real policy.
    pub(crate) full_app_read: bool,
    /// The requirements the last apply recorded, standing in for the plugin's preset (the
    /// audit of an integration found through its runbook).
    pub(crate) recorded_requirements: Option<Requirements>,
    /// Allow a certificate rotation in progress: `cert rotate` resumes and finishes it, while
    /// every other command is stopped by an error finding (`SFIU-E108`).
    pub(crate) rotating: bool,
}

/// Reads the org and works out the plan, writing nothing.
pub(crate) async fn prepare(
    org: &Org,
    integration: Integration,
    job: &JobArgs,
    options: PlanOptions,
) -> anyhow::Result<Prepared> {
    let options = PrepareOptions {
        plan: options,
        ..PrepareOptions::default()
    };
    prepare_with(org, integration, job, &options).await
}

/// [`prepare`] with the audit's and rotation's extra options.
pub(crate) async fn prepare_with(
    org: &Org,
    integration: Integration,
    job: &JobArgs,
    prepare_options: &PrepareOptions,
) -> anyhow::Result<Prepared> {
    let options = prepare_options.plan;
    let spec = &integration.spec;
    let spec_dir = integration
        .spec_path
        .as_deref()
        .and_then(std::path::Path::parent)
        .map(std::path::Path::to_path_buf)
        .unwrap_or_default();
    let artifacts = Artifacts::new(
        &job.out,
        &spec.id,
        job.key_file.as_deref(),
        &spec.certificate,
        &spec_dir,
    );
    let previous = artifacts.previous_runbook();
    // A finished certificate rotation leaves the overlap app as the integration's own, so
    // the app's name comes from the runbook from then on.
    let app_name = previous
        .as_ref()
        .and_then(rotate::rotated_app_name)
        .unwrap_or_else(|| spec.app_name());
    let keys = observe::Keys {
        username: spec.user.username.clone(),
        permission_set: spec.permission_set_name(),
        app: app_name.clone(),
    };
    // Grants for vendor features stay out unless the feature is on: switched on in the spec,
    // or on by default in the plugin. They are dropped before merging, so a feature's wider
    // access on an object never widens the always-on grant.
    let enabled = integration.enabled_features();
    let resolve = |facts: &OrgFacts| -> anyhow::Result<Option<Resolved>> {
        match (&integration.plugin, &integration.preset) {
            (Some(plugin), Some(preset)) => Ok(Some(
                plugin
                    .resolve_with_features(&preset.id, facts, &enabled)
                    .with_context(|| {
                        format!(
                            "plugin `{}` could not resolve preset `{}`",
                            plugin.info().id,
                            preset.id
                        )
                    })?,
            )),
            _ => Ok(None),
        }
    };

    // A first, offline answer names the packages the integration cares about, so the read
    // looks only at those packages' permission sets however many the org has installed.
    // Plugin calls are local and take well under a millisecond.
    let offline = OrgFacts {
        api_version: org.session.api_version().to_owned(),
        ..OrgFacts::default()
    };
    let namespaces = resolve(&offline)?
        .map(|resolved| package_namespaces(&resolved))
        .unwrap_or_default();
    let namespaces: Vec<String> = namespaces
        .into_iter()
        .chain(
            spec.grants
                .package_permission_sets
                .iter()
                .map(|set| set.namespace.clone()),
        )
        .chain(
            prepare_options
                .recorded_requirements
                .iter()
                .flat_map(|requirements| &requirements.package_permission_sets)
                .map(|set| set.namespace.clone()),
        )
        .collect();
    let mut snapshot = observe::observe(&org.session, &keys, &namespaces).await?;

    let facts = OrgFacts {
        api_version: org.session.api_version().to_owned(),
        edition: snapshot.facts.edition.clone(),
        installed_namespaces: snapshot.facts.namespaces.clone(),
        available_objects: Vec::new(),
    };
    let resolved = resolve(&facts)?;
    let preset_requirements = match &prepare_options.recorded_requirements {
        Some(recorded) => recorded.clone(),
        None => resolved
            .as_ref()
            .map_or_else(Requirements::default, |resolved| {
                resolved.requirements.clone()
            }),
    };
    let validation = sfiu_core::validate(spec, &preset_requirements);

    let mut desired_names = DesiredState::new(spec, &validation.requirements);
    desired_names.app.name = app_name;
    observe::resolve_entities(
        &org.session,
        &desired_names.permission_set.apex_classes,
        &desired_names.permission_set.custom_permissions,
        &mut snapshot,
    )
    .await?;

    let app = read_app(
        org,
        &snapshot,
        &desired_names,
        previous.as_ref(),
        spec.app.kind,
        prepare_options.full_app_read,
    )
    .await?;
    snapshot.observed.app = app.as_ref().map(|state| state.observed.clone());

    let mut desired = desired_names;
    if let Some(certificate) = artifacts.certificate()? {
        desired = desired.with_certificate_fingerprint(certificate.fingerprint().to_string());
    }
    let mut plan = Plan::new(&desired, &snapshot.observed, options);
    name_seat_holders(&mut plan, &snapshot);
    let app_kind = plan
        .actions
        .iter()
        .find_map(|action| match &action.resource {
            Resource::App { kind, .. } => Some(*kind),
            _ => None,
        })
        .unwrap_or(AppKind::ConnectedApp);

    let mut findings = reach_findings(&validation.requirements);
    if let Some(resolved) = &resolved {
        for warning in &resolved.warnings {
            findings.push(issue(
                "SFIU-W100",
                Severity::Warning,
                "plugin",
                warning,
                None,
            ));
        }
    }
    for grant in &validation.requirements.system_permissions {
        if let Some(known) =
            sfiu_core::system_permission(&grant.name).filter(|known| known.dangerous)
            && spec.acknowledges(&grant.name)
        {
            findings.push(issue(
                "SFIU-W109",
                Severity::Warning,
                "acknowledge_dangerous",
                &format!(
                    "`{}` ({}) reaches beyond this integration's data; it is granted because the spec acknowledges it",
                    grant.name, known.label
                ),
                None,
            ));
        }
    }
    let unacknowledged = validation
        .issues
        .iter()
        .any(|issue| issue.code == sfiu_core::codes::UNACKNOWLEDGED_DANGEROUS_PERMISSION);
    if unacknowledged && integration.spec_path.is_none() {
        findings.push(issue(
            "SFIU-W110",
            Severity::Warning,
            "acknowledge_dangerous",
            "dangerous permissions can be acknowledged only in a spec file",
            Some("write a spec (`sfiu spec schema` gives its schema, docs/spec.md an example) with `acknowledge_dangerous = [...]` and run with `--spec`"),
        ));
    }
    findings.extend(ownership_findings(
        spec,
        &artifacts,
        previous.as_ref(),
        &snapshot,
        job.replace_certificate,
    )?);
    if snapshot.ids.integration_profile.is_none() && snapshot.observed.user_license.is_some() {
        findings.push(issue(
            "SFIU-E101",
            Severity::Error,
            "org",
            "the org has the `Salesforce Integration` licence but no profile on it",
            Some("the `Minimum Access - API Only Integrations` profile comes with the licence; ask Salesforce support"),
        ));
    }

    // Mid-rotation the local certificate is still the old one, so an apply would upload it
    // onto the overlap app and break the new key the vendor is switching to.
    if !prepare_options.rotating
        && let Some(rotation) = previous
            .as_ref()
            .and_then(|runbook| runbook.rotation.as_ref())
        && matches!(rotation.stage.as_str(), rotate::STARTED | rotate::VERIFIED)
    {
        findings.push(issue(
            "SFIU-E108",
            Severity::Error,
            "rotation",
            &format!(
                "a certificate rotation is in progress (stage `{}`): the overlap app `{}` carries the new certificate, which the files here do not hold yet",
                rotation.stage, rotation.overlap_app
            ),
            Some("finish it with `sfiu cert rotate --finish` (with this run's integration and org flags) once the vendor uses the new key, or re-run `sfiu cert rotate` to resume it"),
        ));
    }

    let default_login = if snapshot.facts.is_sandbox {
        sfiu_jwt::Audience::SANDBOX_URL
    } else if app_kind == AppKind::ExternalClientApp {
        // External Client Apps are reported to accept only the org's My Domain as audience.
        org.session.instance_url().as_str()
    } else {
        sfiu_jwt::Audience::PRODUCTION_URL
    };
    let login_url = org.login_url_or(default_login.trim_end_matches('/'));

    Ok(Prepared {
        integration,
        resolved,
        validation,
        desired,
        snapshot,
        app,
        app_kind,
        plan,
        findings,
        artifacts,
        login_url,
    })
}

async fn read_app(
    org: &Org,
    snapshot: &Snapshot,
    desired: &DesiredState,
    previous: Option<&sfiu_runbook::Runbook>,
    wanted: AppKind,
    full: bool,
) -> anyhow::Result<Option<app::AppState>> {
    let recorded_kind = previous.map(|runbook| runbook.app.kind.as_str());
    let recorded = previous.map(recorded_app);
    // Without a runbook from a finished apply there is nothing to stand in for the parts of
    // an External Client App that a quick read skips, so read them all.
    let full = full || recorded.is_none();
    // The kind recorded by the last apply (or asked for) decides which metadata to read
    // first; reading the other kind only when that finds nothing keeps re-runs cheap.
    let eca_first = matches!(recorded_kind, Some(report::EXTERNAL_CLIENT_APP))
        || (recorded_kind.is_none() && wanted == AppKind::ExternalClientApp);
    if snapshot.ids.app_row.is_none() && previous.is_none() {
        return Ok(None);
    }
    if eca_first {
        if let Some(state) =
            app::read_external_client_app(&org.session, &desired.app, recorded.as_ref(), full)
                .await?
        {
            return Ok(Some(state));
        }
        return app::read_connected_app(&org.session, &desired.app.name).await;
    }
    if let Some(state) = app::read_connected_app(&org.session, &desired.app.name).await? {
        return Ok(Some(state));
    }
    app::read_external_client_app(&org.session, &desired.app, recorded.as_ref(), full).await
}

/// The app as the last runbook recorded it, standing in for the parts of an External Client
/// App that `apply` does not re-read.
fn recorded_app(runbook: &sfiu_runbook::Runbook) -> sfiu_core::ObservedApp {
    sfiu_core::ObservedApp {
        kind: AppKind::ExternalClientApp,
        name: runbook.app.developer_name.clone(),
        label: runbook.app.label.clone(),
        contact_email: runbook.app.contact_email.clone(),
        oauth_scopes: runbook.app.scopes.iter().cloned().collect(),
        admin_approved: !runbook.app.pre_authorised_through.is_empty(),
        permission_sets: runbook.app.pre_authorised_through.iter().cloned().collect(),
        has_certificate: true,
        certificate_fingerprint_sha256: Some(runbook.certificate.fingerprint_sha256.clone()),
    }
}

fn issue(code: &str, severity: Severity, path: &str, message: &str, hint: Option<&str>) -> Issue {
    Issue {
        code: code.to_owned(),
        severity,
        path: path.to_owned(),
        message: message.to_owned(),
        hint: hint.map(str::to_owned),
    }
}

/// Objects the licence catalogue knows the Integration licence cannot reach are errors;
/// objects it has no answer for are noted, and the assignment step (which Salesforce
/// refuses for an unreachable object) is the live check.
fn reach_findings(requirements: &Requirements) -> Vec<Issue> {
    let mut findings = Vec::new();
    for grant in &requirements.objects {
        let Some(parent) = sfiu_core::parent_object(&grant.object) else {
            continue;
        };
        if requirements.object(parent).is_none() {
            findings.push(Issue {
                code: "SFIU-W104".to_owned(),
                severity: Severity::Warning,
                path: format!("requirements.objects.{}", grant.object),
                message: format!(
                    "access to `{}` follows `{parent}`, which is not granted, so the grant gives nothing",
                    grant.object
                ),
                hint: Some(format!("grant `{parent}` too, or drop `{}`", grant.object)),
            });
        }
    }
    // Objects every user reads (User, Organization…) take no object permission, so the
    // licence has nothing to refuse.
    for grant in requirements
        .objects
        .iter()
        .filter(|grant| !sfiu_core::is_without_object_permissions(&grant.object))
    {
        let reach = sfiu_core::object_reach(&grant.object);
        match reach.reach {
            Reach::Unreachable => findings.push(Issue {
                code: "SFIU-E102".to_owned(),
                severity: Severity::Error,
                path: format!("requirements.objects.{}", grant.object),
                message: format!(
                    "the Salesforce Integration licence cannot reach `{}` ({}; {})",
                    grant.object, reach.evidence, reach.source
                ),
                hint: Some(format!(
                    "remove it with `[[grants.remove.objects]] object = \"{}\"`, or give the integration a full licence",
                    grant.object
                )),
            }),
            Reach::Unknown => findings.push(Issue {
                code: "SFIU-W103".to_owned(),
                severity: Severity::Warning,
                path: format!("requirements.objects.{}", grant.object),
                message: format!(
                    "no record says whether the Salesforce Integration licence reaches `{}`; the assignment step checks it live",
                    grant.object
                ),
                hint: None,
            }),
            Reach::Reachable => {}
        }
    }
    findings
}

/// The default wait for a new app to propagate, from the job arguments.
pub(crate) fn propagation_wait(job: &JobArgs) -> Duration {
    Duration::from_secs(job.propagation_wait)
}

/// Namespaces of the managed packages a plugin answer refers to.
fn package_namespaces(resolved: &Resolved) -> Vec<String> {
    let mut namespaces: Vec<String> = resolved
        .packages
        .iter()
        .map(|package| package.namespace.clone())
        .chain(
            resolved
                .requirements
                .package_permission_sets
                .iter()
                .map(|set| set.namespace.clone()),
        )
        .collect();
    namespaces.sort();
    namespaces.dedup();
    namespaces
}

/// Adds to a no-free-seat blocker who holds the seats and which of them look abandoned, so
/// the admin knows which user to deactivate.
fn name_seat_holders(plan: &mut Plan, snapshot: &Snapshot) {
    let now = time::OffsetDateTime::now_utc();
    let mut abandoned = Vec::new();
    for (username, last_login) in &snapshot.seat_holders {
        let days = last_login
            .as_deref()
            .and_then(audit::parse_date)
            .map(|last| (now - last).whole_days());
        if let Some(reason) = crate::commands::licenses::abandonment(true, days) {
            abandoned.push(format!("`{username}` ({reason})"));
        }
    }
    for blocker in &mut plan.blockers {
        if blocker.code != sfiu_core::codes::NO_FREE_SEAT
            || !blocker
                .message
                .contains(sfiu_core::INTEGRATION_USER_LICENSE)
        {
            continue;
        }
        let holders = if abandoned.is_empty() {
            format!(
                "the {} seat holders all logged in within 90 days",
                snapshot.seat_holders.len()
            )
        } else {
            format!(
                "seats held by users that look abandoned: {}",
                abandoned.join(", ")
            )
        };
        let advice = blocker.hint.take().unwrap_or_default();
        blocker.hint = Some(format!(
            "{holders}; {advice}; `sfiu licenses` shows every holder"
        ));
    }
}

/// Problems that would make `apply` take over or break something it does not own: a
/// certificate on the app for which this output folder holds no key, a certificate file
/// that does not exist, an output folder or permission set that belongs to another user.
fn ownership_findings(
    spec: &sfiu_core::IntegrationSpec,
    artifacts: &Artifacts,
    previous: Option<&sfiu_runbook::Runbook>,
    snapshot: &Snapshot,
    replace_certificate: bool,
) -> anyhow::Result<Vec<Issue>> {
    let mut findings = Vec::new();
    let username = &spec.user.username;
    if let Some(runbook) = previous
        && !runbook.user.username.eq_ignore_ascii_case(username)
    {
        findings.push(issue(
            "SFIU-E106",
            Severity::Error,
            "out",
            &format!(
                "the output folder `{}` belongs to the integration user `{}`, not `{username}`",
                artifacts.folder.display(),
                runbook.user.username
            ),
            Some("use another `--out` folder or integration id, so one integration's key and runbook are not overwritten by another's"),
        ));
    }
    let holds_it = snapshot.observed.assignments.iter().any(|assignment| {
        assignment.namespace.is_none()
            && assignment
                .permission_set
                .eq_ignore_ascii_case(&spec.permission_set_name())
    });
    if !holds_it && !snapshot.other_holders.is_empty() {
        findings.push(issue(
            "SFIU-E106",
            Severity::Error,
            "permission_set.name",
            &format!(
                "the permission set `{}` is already assigned to {}; sfiu would change another integration's access",
                spec.permission_set_name(),
                snapshot.other_holders.iter().map(|name| format!("`{name}`")).collect::<Vec<_>>().join(", ")
            ),
            Some("choose another `permission_set.name` (or integration id) in the spec"),
        ));
    }

    // A user that holds another permission set of its own but not this integration's is
    // most likely another integration's user: taking it over would mix two integrations.
    if snapshot.observed.user.is_some() && !holds_it {
        let others: Vec<String> = snapshot
            .observed
            .assignments
            .iter()
            .filter(|assignment| assignment.namespace.is_none())
            .map(|assignment| format!("`{}`", assignment.permission_set))
            .collect();
        if !others.is_empty() {
            findings.push(issue(
                "SFIU-E106",
                Severity::Error,
                "user.username",
                &format!(
                    "the user `{username}` already holds {} and not `{}`; it looks like another integration's user",
                    others.join(", "),
                    spec.permission_set_name()
                ),
                Some("give each integration its own user (choose another username); if this user really is to move, remove its other permission sets first"),
            ));
        }
    }
    // An app that pre-authorises other permission sets but not this integration's belongs to
    // another integration; no flag lets sfiu rewrite it.
    if let Some(app) = &snapshot.observed.app
        && !app.permission_sets.is_empty()
        && !app
            .permission_sets
            .iter()
            .any(|set| set.eq_ignore_ascii_case(&spec.permission_set_name()))
    {
        findings.push(issue(
            "SFIU-E106",
            Severity::Error,
            "app.name",
            &format!(
                "the app `{}` pre-authorises {} and not `{}`; it belongs to another integration",
                app.name,
                app.permission_sets
                    .iter()
                    .map(|set| format!("`{set}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
                spec.permission_set_name()
            ),
            Some("give this integration its own app name (`[app] name` in the spec)"),
        ));
    }

    match &spec.certificate {
        CertificateSource::File { path } if !artifacts.certificate_path.exists() => findings.push(issue(
            "SFIU-E107",
            Severity::Error,
            "certificate.path",
            &format!("the certificate file `{path}` does not exist (looked for `{}`)", artifacts.certificate_path.display()),
            Some("give the path of the external system's certificate (PEM), relative to the spec file"),
        )),
        CertificateSource::Generate {} => {
            let on_app = snapshot.observed.app.as_ref().and_then(|app| app.certificate_fingerprint_sha256.clone());
            let local = artifacts.certificate()?.map(|certificate| certificate.fingerprint().to_string());
            let differs = match (&on_app, &local) {
                (Some(on_app), Some(local)) => !on_app.eq_ignore_ascii_case(local),
                (Some(_), None) => true,
                _ => false,
            };
            if differs && !replace_certificate {
                findings.push(issue(
                    "SFIU-E105",
                    Severity::Error,
                    "certificate",
                    &format!(
                        "the app `{}` carries a certificate for which `{}` holds no key; applying would replace it and the integration's current key would stop working",
                        spec.app_name(),
                        artifacts.folder.display()
                    ),
                    Some("run from the folder that holds the integration's key (`--out`), rotate with `sfiu cert rotate`, or pass `--replace-certificate` to upload a new one on purpose"),
                ));
            }
        }
        CertificateSource::File { .. } => {}
    }
    Ok(findings)
}

/// Signs a JWT as the integration user, logs in at the org's own token endpoint, and probes
/// the granted objects and one outside the grant.
pub(crate) async fn prove_login(
    org: &Org,
    prepared: &Prepared,
    login_url: &str,
    consumer_key: &str,
    key: &sfiu_jwt::PrivateKey,
    propagation_wait: Duration,
) -> anyhow::Result<login::LoginOutcome> {
    let token_url = org
        .session
        .instance_url()
        .as_str()
        .trim_end_matches('/')
        .to_owned();
    login::run(login::LoginTest {
        client: &org.client,
        login_url,
        token_url: &token_url,
        consumer_key,
        username: &prepared.desired.user.username,
        key,
        granted: prepared.probed_objects(),
        api_version: org.session.api_version(),
        propagation_wait,
    })
    .await
}
