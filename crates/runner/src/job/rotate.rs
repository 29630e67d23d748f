//! Certificate rotation without downtime: a second app carries the new certificate beside
//! the old one, so the external system can switch at its own pace, and `--finish` removes
//! the old app once it has.
//!
//! Salesforce apps hold exactly one certificate, so an overlap needs two apps. The overlap
//! app is pre-authorised through the same permission set and has its own consumer key; the
//! vendor switches to that consumer key and the new key in one change. `--finish` then
//! deletes the old app (and with it the old certificate) and records the overlap app as the
//! integration's own, so there is one switch on the vendor's side, not two. The two app
//! names alternate (`<name>` and `<name>_Rotated`) from one rotation to the next.
//!
//! Every stage is recorded in the runbook's [`Rotation`] record and is idempotent: files are
//! reused when present, metadata is upserted with the consumer key chosen up front, deletes
//! of what is already gone succeed, so re-running an interrupted stage completes it. While
//! a rotation is under way the main job refuses to apply (`SFIU-E108`): the local
//! certificate is still the old one and would overwrite the overlap app's new one.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, anyhow, bail};
use sfiu_core::{AppKind, DesiredApp};
use sfiu_jwt::{Certificate, CertificateOptions, KeySize, PrivateKey};
use sfiu_runbook::{Rotation, Runbook};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::{JobArgs, Prepared, app};
use crate::org::Org;
use crate::output::with_hint;

/// The overlap app exists (or is being made) and carries the new certificate.
pub(crate) const STARTED: &str = "started";
/// Both the old and the new login were proven during the overlap.
pub(crate) const VERIFIED: &str = "verified";
/// The old app is gone; the overlap app is the integration's own.
pub(crate) const FINISHED: &str = "finished";

/// Suffix of the alternate app name.
const SUFFIX: &str = "_Rotated";
/// The longest app API name sfiu makes.
const MAX_NAME: usize = 40;

/// The integration's own app when a rotation decides it rather than the spec: the overlap
/// app once a rotation finished, and the app being replaced while one is under way.
///
/// The second case matters from the second rotation on: its overlap app takes the spec's
/// name again, so falling back to the spec would point every command at the overlap app.
pub(crate) fn rotated_app_name(runbook: &Runbook) -> Option<String> {
    let rotation = runbook.rotation.as_ref()?;
    let recorded = &runbook.app.developer_name;
    let is_overlap = rotation.overlap_app.eq_ignore_ascii_case(recorded);
    if rotation.stage == FINISHED {
        is_overlap.then(|| rotation.overlap_app.clone())
    } else {
        (!is_overlap).then(|| recorded.clone())
    }
}

/// The overlap app's name: the other of the two alternating names.
pub(crate) fn overlap_name(base: &str, current: &str) -> String {
    if current.eq_ignore_ascii_case(base) {
        let keep = MAX_NAME - SUFFIX.len();
        let stem: String = base.chars().take(keep).collect();
        format!("{}{SUFFIX}", stem.trim_end_matches('_'))
    } else {
        base.to_owned()
    }
}

/// Where the new key, certificate and consumer key wait during the overlap.
struct Staged {
    folder: PathBuf,
    key: PathBuf,
    certificate: PathBuf,
    consumer_key: PathBuf,
}

impl Staged {
    fn new(prepared: &Prepared) -> Self {
        let folder = prepared.artifacts.folder.join("rotation");
        Self {
            key: folder.join("private-key.pem"),
            certificate: folder.join("certificate.pem"),
            consumer_key: folder.join("consumer-key.txt"),
            folder,
        }
    }
}

/// What a rotation stage did, for the report.
#[derive(Debug, Clone, serde::Serialize)]
pub(crate) struct Report {
    /// The stage reached.
    pub(crate) stage: String,
    /// The app that carries the new certificate.
    pub(crate) overlap_app: String,
    /// The app being replaced.
    pub(crate) previous_app: String,
    /// Fingerprint of the certificate being replaced.
    pub(crate) previous_fingerprint: String,
    /// Fingerprint of the new certificate.
    pub(crate) new_fingerprint: String,
    /// Whether the new key logged in through the overlap app.
    pub(crate) new_login: bool,
    /// Whether the old key still logged in through the old app (`None`: not tested).
    pub(crate) old_login: Option<bool>,
    /// Where the vendor's new key is.
    pub(crate) key_path: String,
    /// Where the new certificate is.
    pub(crate) certificate_path: String,
    /// Where the overlap app's consumer key is.
    pub(crate) consumer_key_path: String,
    /// Whether this run changed anything.
    pub(crate) changed: bool,
}

/// The new pair the admin supplies instead of a generated one.
pub(crate) struct Supplied<'a> {
    /// The new certificate.
    pub(crate) certificate: &'a Path,
    /// Its private key.
    pub(crate) key: &'a Path,
}

fn now_text(now: OffsetDateTime) -> String {
    now.format(&Rfc3339)
        .unwrap_or_else(|_| now.unix_timestamp().to_string())
}

fn runbook_of(prepared: &Prepared) -> anyhow::Result<Runbook> {
    prepared.artifacts.previous_runbook().ok_or_else(|| {
        with_hint(
            format!(
                "no runbook at `{}`: the integration has not been set up from here",
                prepared.artifacts.runbook_json_path.display()
            ),
            "run `sfiu apply` first (with the same `--out`)",
        )
    })
}

fn write_runbook(prepared: &Prepared, runbook: &Runbook) -> anyhow::Result<()> {
    prepared.artifacts.write_runbook(
        &sfiu_runbook::render_markdown(runbook),
        &sfiu_runbook::render_json(runbook),
    )
}

fn app_named(prepared: &Prepared, name: &str) -> DesiredApp {
    let mut desired = prepared.desired.app.clone();
    desired.name = name.to_owned();
    desired
}

/// Makes, copies or reuses the new pair in the staging folder.
fn stage_pair(
    prepared: &Prepared,
    staged: &Staged,
    supplied: Option<&Supplied<'_>>,
    now: OffsetDateTime,
) -> anyhow::Result<(PrivateKey, Certificate, bool)> {
    create_private_dir(&staged.folder)?;
    if let Some(supplied) = supplied {
        let certificate = Certificate::from_file(supplied.certificate)?;
        let key = PrivateKey::from_file(supplied.key)?;
        key.check_matches(&certificate).with_context(|| {
            format!(
                "the key `{}` does not belong to the certificate `{}`",
                supplied.key.display(),
                supplied.certificate.display()
            )
        })?;
        let same = Certificate::from_file(&staged.certificate)
            .is_ok_and(|staged| staged.fingerprint() == certificate.fingerprint());
        if !same {
            key.write_pem_file(&staged.key, true)?;
            certificate.write_pem_file(&staged.certificate, true)?;
        }
        return Ok((key, certificate, !same));
    }
    // A key without its certificate is what an interrupted run leaves: finish the pair.
    let (key, made_key) = match PrivateKey::from_file(&staged.key) {
        Ok(key) => (key, false),
        Err(_) => {
            let key =
                PrivateKey::generate(KeySize::Rsa2048).context("failed to generate the RSA key")?;
            key.write_pem_file(&staged.key, true)?;
            (key, true)
        }
    };
    if !made_key
        && let Ok(certificate) = Certificate::from_file(&staged.certificate)
        && key.check_matches(&certificate).is_ok()
    {
        return Ok((key, certificate, false));
    }
    let subject = format!("sfiu {}", prepared.integration.spec.id);
    let certificate = Certificate::self_signed(&key, &CertificateOptions::new(subject), now)
        .context("failed to make the self-signed certificate")?;
    certificate.write_pem_file(&staged.certificate, true)?;
    Ok((key, certificate, true))
}

fn staged_consumer_key(staged: &Staged) -> anyhow::Result<String> {
    if let Ok(text) = fs_err::read_to_string(&staged.consumer_key)
        && !text.trim().is_empty()
    {
        return Ok(text.trim().to_owned());
    }
    let key = app::new_consumer_key();
    fs_err::write(&staged.consumer_key, format!("{key}\n"))?;
    Ok(key)
}

/// Upserts every component of an app; the consumer key chosen up front makes a repeat
/// harmless.
async fn save_app(
    org: &Org,
    kind: AppKind,
    desired: &DesiredApp,
    certificate: &Certificate,
    consumer_key: &str,
) -> anyhow::Result<()> {
    let body = certificate.to_base64_body();
    let components = app::components(kind, desired, &body, Some(consumer_key));
    let mut n_calls = 0;
    app::save_components(&org.session, components, true, &mut n_calls).await
}

/// Reads an app by name whatever its kind.
async fn read_any_app(org: &Org, desired: &DesiredApp) -> anyhow::Result<Option<app::AppState>> {
    if let Some(state) = app::read_connected_app(&org.session, &desired.name).await? {
        return Ok(Some(state));
    }
    app::read_external_client_app(&org.session, desired, None, false).await
}

async fn prove_login(
    org: &Org,
    prepared: &Prepared,
    consumer_key: &str,
    key: &PrivateKey,
    wait: std::time::Duration,
) -> anyhow::Result<()> {
    let outcome =
        super::prove_login(org, prepared, &prepared.login_url, consumer_key, key, wait).await?;
    let mismatches: Vec<String> = outcome
        .mismatches()
        .iter()
        .map(|proof| proof.object.clone())
        .collect();
    if !mismatches.is_empty() {
        bail!(
            "the login works, but access differs from the grant on {}",
            mismatches.join(", ")
        );
    }
    Ok(())
}

/// Starts (or resumes) a rotation: the new pair, the overlap app, and both logins proven.
pub(crate) async fn start(
    org: &Org,
    prepared: &Prepared,
    job: &JobArgs,
    supplied: Option<&Supplied<'_>>,
    now: OffsetDateTime,
) -> anyhow::Result<Report> {
    let mut runbook = runbook_of(prepared)?;
    let current = prepared.app.as_ref().ok_or_else(|| {
        with_hint(
            format!("app `{}` not found in the org", prepared.desired.app.name),
            "run `sfiu apply` first; a rotation replaces the certificate of a working setup",
        )
    })?;
    let old_certificate = current
        .certificate
        .clone()
        .or_else(|| prepared.artifacts.certificate().ok().flatten())
        .context("the app has no certificate to replace")?;
    let in_progress = runbook
        .rotation
        .clone()
        .filter(|rotation| rotation.stage != FINISHED);
    let overlap = match &in_progress {
        Some(rotation) => rotation.overlap_app.clone(),
        None => overlap_name(
            &prepared.integration.spec.app_name(),
            &prepared.desired.app.name,
        ),
    };
    if overlap.eq_ignore_ascii_case(&prepared.desired.app.name) {
        return Err(same_app(&overlap));
    }
    let previous_fingerprint = in_progress.as_ref().map_or_else(
        || old_certificate.fingerprint().to_string(),
        |rotation| rotation.previous_fingerprint.clone(),
    );

    let staged = Staged::new(prepared);
    let (new_key, new_certificate, made) = stage_pair(prepared, &staged, supplied, now)?;
    let consumer_key = staged_consumer_key(&staged)?;
    let new_fingerprint = new_certificate.fingerprint().to_string();
    let mut rotation = Rotation {
        stage: STARTED.to_owned(),
        updated_at: now_text(now),
        previous_fingerprint: previous_fingerprint.clone(),
        new_fingerprint: new_fingerprint.clone(),
        overlap_app: overlap.clone(),
    };
    let already_verified = in_progress.as_ref().is_some_and(|recorded| {
        recorded.stage == VERIFIED && recorded.new_fingerprint == new_fingerprint
    });
    if !already_verified {
        runbook.rotation = Some(rotation.clone());
        write_runbook(prepared, &runbook)?;
    }

    // The overlap app: the same kind as the current one, or an External Client App where
    // the org no longer lets anyone create Connected Apps.
    let desired = app_named(prepared, &overlap);
    let existing = read_any_app(org, &desired).await?;
    let needs_save = existing.as_ref().is_none_or(|state| {
        state.observed.certificate_fingerprint_sha256.as_deref() != Some(new_fingerprint.as_str())
            || state.consumer_key.as_deref() != Some(consumer_key.as_str())
    });
    if needs_save {
        let kind = existing
            .as_ref()
            .map_or(current.observed.kind, |state| state.observed.kind);
        if let Err(error) = save_app(org, kind, &desired, &new_certificate, &consumer_key).await {
            if kind != AppKind::ConnectedApp || existing.is_some() {
                return Err(error);
            }
            save_app(
                org,
                AppKind::ExternalClientApp,
                &desired,
                &new_certificate,
                &consumer_key,
            )
            .await
            .map_err(|fallback| anyhow!("{fallback:#} (after: {error:#})"))?;
        }
    }

    // Both logins, so the vendor can switch whenever it likes.
    prove_login(
        org,
        prepared,
        &consumer_key,
        &new_key,
        super::propagation_wait(job),
    )
    .await
    .context("the new key could not log in through the overlap app")?;
    let old_consumer_key = current
        .consumer_key
        .clone()
        .or_else(|| prepared.artifacts.recorded_consumer_key());
    let old_key = prepared
        .artifacts
        .private_key(&old_certificate)
        .ok()
        .flatten();
    let old_login = match (old_consumer_key, old_key) {
        (Some(consumer_key), Some(key)) => Some(
            prove_login(
                org,
                prepared,
                &consumer_key,
                &key,
                std::time::Duration::ZERO,
            )
            .await
            .is_ok(),
        ),
        _ => None,
    };
    if old_login == Some(false) {
        bail!(
            "the old key no longer logs in through `{}`; the overlap protects nothing — \
             switch the vendor to the new key now and run `sfiu cert rotate --finish`",
            prepared.desired.app.name
        );
    }

    rotation.stage = VERIFIED.to_owned();
    rotation.updated_at = now_text(now);
    runbook.rotation = Some(rotation);
    write_runbook(prepared, &runbook)?;
    Ok(Report {
        stage: VERIFIED.to_owned(),
        overlap_app: overlap,
        previous_app: prepared.desired.app.name.clone(),
        previous_fingerprint,
        new_fingerprint,
        new_login: true,
        old_login,
        key_path: staged.key.display().to_string(),
        certificate_path: staged.certificate.display().to_string(),
        consumer_key_path: staged.consumer_key.display().to_string(),
        changed: made || needs_save || !already_verified,
    })
}

/// The refusal when the app being replaced and the overlap app are one: going on would
/// delete (or overwrite) the app the integration logs in through.
fn same_app(name: &str) -> anyhow::Error {
    with_hint(
        format!(
            "the runbook names `{name}` as both the integration's app and the rotation's overlap app; nothing was changed"
        ),
        "an earlier `sfiu apply` rewrote the runbook mid-rotation; set `app.developer_name` in \
         `runbook.json` to the app the vendor logs in through now (see Setup), then run \
         `sfiu cert rotate` again",
    )
}

/// Deletes an app and, for an External Client App, its parts (settings first, because they
/// name the app). What is already gone counts as deleted.
async fn delete_app(org: &Org, kind: AppKind, name: &str) -> anyhow::Result<bool> {
    let parts: Vec<(&str, String)> = match kind {
        AppKind::ExternalClientApp => vec![
            (
                "ExtlClntAppOauthConfigurablePolicies",
                format!("{name}_oauthPlcy"),
            ),
            (
                "ExtlClntAppGlobalOauthSettings",
                format!("{name}_glbloauth"),
            ),
            ("ExtlClntAppOauthSettings", format!("{name}_oauth")),
            ("ExternalClientApplication", name.to_owned()),
        ],
        AppKind::ConnectedApp | AppKind::Auto => vec![("ConnectedApp", name.to_owned())],
    };
    let mut deleted = false;
    for (type_name, full_name) in parts {
        let results = org
            .session
            .delete_metadata(type_name, &[full_name.as_str()])
            .await
            .with_context(|| format!("failed to delete {type_name} `{full_name}`"))?;
        for result in results {
            if result.success {
                deleted = true;
                continue;
            }
            let text: Vec<String> = result.errors.iter().map(ToString::to_string).collect();
            let text = text.join("; ");
            if !(text.contains("INVALID_CROSS_REFERENCE_KEY") || text.contains("no ")) {
                bail!("Salesforce refused to delete {type_name} `{full_name}`: {text}");
            }
        }
    }
    Ok(deleted)
}

/// Creates `folder` (and its parents) readable by the owner only: it holds the new private
/// key until the rotation finishes.
fn create_private_dir(folder: &Path) -> anyhow::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(folder)
        .with_context(|| format!("failed to create the folder `{}`", folder.display()))?;
    // A folder an earlier version made keeps its old mode unless it is tightened here.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        fs_err::set_permissions(folder, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

fn move_file(from: &Path, to: &Path) -> anyhow::Result<bool> {
    if !from.exists() {
        return Ok(false);
    }
    if let Some(parent) = to.parent() {
        fs_err::create_dir_all(parent)?;
    }
    fs_err::rename(from, to)?;
    Ok(true)
}

/// Finishes a rotation: proves the new login once more, deletes the old app, makes the new
/// pair and the overlap app the integration's own, and records it.
pub(crate) async fn finish(
    org: &Org,
    prepared: &Prepared,
    job: &JobArgs,
    now: OffsetDateTime,
) -> anyhow::Result<Report> {
    let mut runbook = runbook_of(prepared)?;
    let Some(mut rotation) = runbook.rotation.clone() else {
        return Err(with_hint(
            "no certificate rotation is in progress",
            "start one with `sfiu cert rotate` (without `--finish`)",
        ));
    };
    let staged = Staged::new(prepared);
    let artifacts = &prepared.artifacts;
    // Once finished, the runbook's app is the overlap app; the one it replaced had the other
    // of the two alternating names.
    let previous_app = if rotation.stage == FINISHED {
        overlap_name(&prepared.integration.spec.app_name(), &rotation.overlap_app)
    } else {
        runbook.app.developer_name.clone()
    };
    let mut report = Report {
        stage: FINISHED.to_owned(),
        overlap_app: rotation.overlap_app.clone(),
        previous_app,
        previous_fingerprint: rotation.previous_fingerprint.clone(),
        new_fingerprint: rotation.new_fingerprint.clone(),
        new_login: false,
        old_login: None,
        key_path: artifacts.key_path.display().to_string(),
        certificate_path: artifacts.certificate_path.display().to_string(),
        consumer_key_path: artifacts.consumer_key_path.display().to_string(),
        changed: false,
    };
    if rotation.stage == FINISHED {
        return Ok(report);
    }
    if report
        .previous_app
        .eq_ignore_ascii_case(&rotation.overlap_app)
    {
        return Err(same_app(&rotation.overlap_app));
    }

    // The new pair is in the staging folder, or already moved by an interrupted run.
    let (key_path, certificate_path, consumer_key_path) = if staged.certificate.exists() {
        (&staged.key, &staged.certificate, &staged.consumer_key)
    } else {
        (
            &artifacts.key_path,
            &artifacts.certificate_path,
            &artifacts.consumer_key_path,
        )
    };
    let certificate = Certificate::from_file(certificate_path)?;
    if certificate.fingerprint().to_string() != rotation.new_fingerprint {
        bail!(
            "`{}` is not the certificate this rotation started with ({})",
            certificate_path.display(),
            rotation.new_fingerprint
        );
    }
    let key = PrivateKey::from_file(key_path)?;
    key.check_matches(&certificate)?;
    let consumer_key = fs_err::read_to_string(consumer_key_path)?.trim().to_owned();

    // Nothing is removed before the new credentials are proven to work.
    let desired = app_named(prepared, &rotation.overlap_app);
    let overlap = read_any_app(org, &desired).await?.with_context(|| {
        format!(
            "the overlap app `{}` is missing; run `sfiu cert rotate` again to recreate it",
            rotation.overlap_app
        )
    })?;
    prove_login(
        org,
        prepared,
        &consumer_key,
        &key,
        super::propagation_wait(job),
    )
    .await
    .context("the new key could not log in through the overlap app; nothing was removed")?;
    report.new_login = true;

    let old_kind = if runbook.app.kind == super::report::EXTERNAL_CLIENT_APP {
        AppKind::ExternalClientApp
    } else {
        AppKind::ConnectedApp
    };
    let old_name = runbook.app.developer_name.clone();
    report.changed |= delete_app(org, old_kind, &old_name).await?;

    report.changed |= move_file(&staged.key, &artifacts.key_path)?;
    report.changed |= move_file(&staged.certificate, &artifacts.certificate_path)?;
    report.changed |= move_file(&staged.consumer_key, &artifacts.consumer_key_path)?;
    // The staging folder is empty now; an error here leaves only an empty folder behind.
    let _ = fs_err::remove_dir(&staged.folder);

    runbook.app.developer_name = rotation.overlap_app.clone();
    runbook.app.kind = super::execute::kind_label(overlap.observed.kind).to_owned();
    runbook.app.consumer_key_masked = app::mask_consumer_key(&consumer_key);
    runbook.app.consumer_key_path = Some(artifacts.consumer_key_path.display().to_string());
    runbook.certificate.subject = certificate.subject().to_owned();
    runbook.certificate.fingerprint_sha256 = certificate.fingerprint().to_string();
    runbook.certificate.not_before = now_text(certificate.not_before());
    runbook.certificate.not_after = now_text(certificate.not_after());
    runbook.certificate.days_left = certificate.days_left(now);
    runbook.certificate.certificate_path = artifacts.certificate_path.display().to_string();
    runbook.certificate.private_key_location = artifacts.key_location();
    runbook.generated_at = now_text(now);
    rotation.stage = FINISHED.to_owned();
    rotation.updated_at = now_text(now);
    runbook.rotation = Some(rotation);
    write_runbook(prepared, &runbook)?;
    report.changed = true;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlap_names_alternate() {
        assert_eq!(
            overlap_name("Hubspot_Integration", "Hubspot_Integration"),
            "Hubspot_Integration_Rotated"
        );
        assert_eq!(
            overlap_name("Hubspot_Integration", "Hubspot_Integration_Rotated"),
            "Hubspot_Integration"
        );
        let long = "A".repeat(60);
        assert!(overlap_name(&long, &long).len() <= MAX_NAME);
    }
}
