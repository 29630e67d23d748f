//! Turning a prepared (and possibly applied) setup into a runbook, and the `verify` flow that
//! re-runs the login test on an existing setup.

use anyhow::Context as _;
use sfiu_core::AppKind;
use sfiu_jwt::Certificate;
use sfiu_runbook::{
    AppRecord, CertificateRecord, FORMAT_VERSION, IntegrationRecord, OrgRecord,
    PermissionSetRecord, Runbook, UserRecord, Verification,
};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::Prepared;
use super::app::mask_consumer_key;
use super::login::LoginOutcome;
use crate::org::Org;

/// How the runbook names an External Client App.
pub(crate) const EXTERNAL_CLIENT_APP: &str = "External Client App";
/// How the runbook names a Connected App.
pub(crate) const CONNECTED_APP: &str = "Connected App";

/// RFC 3339 in UTC to the second: runbooks are read by people and diffed between runs.
fn rfc3339(time: OffsetDateTime) -> String {
    let time = time.to_offset(time::UtcOffset::UTC);
    let time = time.replace_nanosecond(0).unwrap_or(time);
    time.format(&Rfc3339)
        .unwrap_or_else(|_| time.unix_timestamp().to_string())
}

/// Everything the runbook needs beyond the prepared state.
pub(crate) struct RunbookInputs<'a> {
    /// The org connection (instance URL).
    pub(crate) org: &'a Org,
    /// The app kind that exists.
    pub(crate) app_kind: AppKind,
    /// The consumer key, if known.
    pub(crate) consumer_key: Option<&'a str>,
    /// The certificate on the app.
    pub(crate) certificate: Option<&'a Certificate>,
    /// The latest login test, if one ran now.
    pub(crate) login: Option<&'a LoginOutcome>,
    /// The integration user's id when this run created or found it; the snapshot taken
    /// before the run is used otherwise.
    pub(crate) user_id: Option<&'a str>,
    /// The permission set's id when this run created or found it; the snapshot taken before
    /// the run is used otherwise.
    pub(crate) permission_set_id: Option<&'a str>,
    /// The moment of writing.
    pub(crate) now: OffsetDateTime,
}

/// Builds the runbook for a prepared setup.
pub(crate) fn build_runbook(prepared: &Prepared, inputs: &RunbookInputs<'_>) -> Runbook {
    let spec = &prepared.integration.spec;
    let desired = &prepared.desired;
    let previous = prepared.artifacts.previous_runbook();
    let info = prepared
        .integration
        .plugin
        .as_ref()
        .map(|plugin| plugin.info().clone());
    let user = prepared.snapshot.observed.user.as_ref();

    let certificate = match inputs.certificate {
        Some(certificate) => CertificateRecord {
            subject: certificate.subject().to_owned(),
            fingerprint_sha256: certificate.fingerprint().to_string(),
            not_before: rfc3339(certificate.not_before()),
            not_after: rfc3339(certificate.not_after()),
            days_left: certificate.days_left(inputs.now),
            certificate_path: prepared.artifacts.certificate_path.display().to_string(),
            private_key_location: prepared.artifacts.key_location(),
        },
        None => CertificateRecord {
            subject: "(none yet)".to_owned(),
            fingerprint_sha256: String::new(),
            not_before: String::new(),
            not_after: String::new(),
            days_left: 0,
            certificate_path: prepared.artifacts.certificate_path.display().to_string(),
            private_key_location: prepared.artifacts.key_location(),
        },
    };
    let verification = match inputs.login {
        Some(outcome) => Some(Verification {
            verified_at: rfc3339(inputs.now),
            token_scopes: outcome.scopes.clone(),
            objects: outcome.objects.clone(),
        }),
        None => previous
            .as_ref()
            .and_then(|runbook| runbook.verification.clone()),
    };

    Runbook {
        format_version: FORMAT_VERSION,
        generated_at: rfc3339(inputs.now),
        tool_version: env!("CARGO_PKG_VERSION").to_owned(),
        integration: IntegrationRecord {
            id: spec.id.clone(),
            name: info
                .as_ref()
                .map_or_else(|| spec.id.clone(), |info| info.name.clone()),
            plugin: info
                .as_ref()
                .map_or_else(|| "(none)".to_owned(), |info| info.id.clone()),
            plugin_version: info
                .as_ref()
                .map_or_else(String::new, |info| info.version.clone()),
            preset: prepared
                .integration
                .preset
                .as_ref()
                .map_or_else(String::new, |preset| preset.id.clone()),
            vendor: info
                .as_ref()
                .map_or_else(String::new, |info| info.vendor.clone()),
            spec_file: prepared
                .integration
                .spec_path
                .as_ref()
                .map(|path| path.display().to_string()),
            features: prepared.integration.enabled_features(),
        },
        org: OrgRecord {
            org_id: prepared.snapshot.facts.org_id.clone(),
            instance_url: inputs
                .org
                .session
                .instance_url()
                .as_str()
                .trim_end_matches('/')
                .to_owned(),
            login_url: prepared.login_url.clone(),
            edition: prepared
                .snapshot
                .facts
                .edition
                .clone()
                .unwrap_or_else(|| "unknown".to_owned()),
            api_version: inputs.org.session.api_version().to_owned(),
        },
        user: UserRecord {
            username: desired.user.username.clone(),
            email: desired.user.email.clone(),
            id: inputs
                .user_id
                .map(str::to_owned)
                .or_else(|| prepared.snapshot.ids.user.clone())
                .or_else(|| user.map(|user| user.id.clone())),
            profile: prepared
                .snapshot
                .ids
                .integration_profile
                .as_ref()
                .map_or_else(
                    || sfiu_core::INTEGRATION_PROFILE.to_owned(),
                    |(_, name)| name.clone(),
                ),
            user_license: sfiu_core::INTEGRATION_USER_LICENSE.to_owned(),
            permission_set_license: sfiu_core::INTEGRATION_PSL_LABEL.to_owned(),
            active: user.is_none_or(|user| user.is_active),
            api_only: true,
        },
        permission_set: PermissionSetRecord {
            name: desired.permission_set.name.clone(),
            label: desired.permission_set.label.clone(),
            id: inputs
                .permission_set_id
                .map(str::to_owned)
                .or_else(|| prepared.snapshot.ids.permission_set.clone()),
        },
        requirements: prepared.validation.requirements.clone(),
        app: AppRecord {
            kind: match inputs.app_kind {
                AppKind::ExternalClientApp => EXTERNAL_CLIENT_APP,
                _ => CONNECTED_APP,
            }
            .to_owned(),
            developer_name: desired.app.name.clone(),
            label: desired.app.label.clone(),
            contact_email: Some(desired.app.contact_email.clone()),
            consumer_key_masked: inputs
                .consumer_key
                .map_or_else(|| "(unknown)".to_owned(), mask_consumer_key),
            consumer_key_path: prepared
                .artifacts
                .consumer_key_path
                .exists()
                .then(|| prepared.artifacts.consumer_key_path.display().to_string()),
            scopes: desired.app.oauth_scopes.iter().cloned().collect(),
            pre_authorised_through: vec![desired.app.pre_authorized_permission_set.clone()],
        },
        certificate,
        vendor_steps: prepared
            .resolved
            .as_ref()
            .map(|resolved| resolved.vendor_steps.clone())
            .unwrap_or_default(),
        verification,
        rotation: previous.and_then(|runbook| runbook.rotation),
    }
}

/// Runs the login test and access proof on an existing setup.
pub(crate) async fn verify(
    org: &Org,
    prepared: &Prepared,
) -> anyhow::Result<(LoginOutcome, Certificate)> {
    let certificate = prepared.artifacts.certificate()?.with_context(|| {
        format!(
            "no certificate at `{}`; run `sfiu apply` first",
            prepared.artifacts.certificate_path.display()
        )
    })?;
    let key = prepared.artifacts.private_key(&certificate)?.with_context(|| {
        format!(
            "no private key at `{}`; pass `--key-file` with the key that belongs to the app's certificate",
            prepared.artifacts.key_path.display()
        )
    })?;
    let consumer_key = prepared
        .app
        .as_ref()
        .and_then(|app| app.consumer_key.clone())
        .or_else(|| prepared.artifacts.recorded_consumer_key())
        .with_context(|| {
            format!(
                "app `{}` not found in the org; run `sfiu apply` first",
                prepared.desired.app.name
            )
        })?;
    let outcome = super::prove_login(
        org,
        prepared,
        &prepared.login_url,
        &consumer_key,
        &key,
        std::time::Duration::ZERO,
    )
    .await?;
    Ok((outcome, certificate))
}
