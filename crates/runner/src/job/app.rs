//! The OAuth app: building Connected App and External Client App metadata, and reading an
//! existing app back into the planner's terms.
//!
//! A Connected App is one metadata component; an External Client App is four (the app, its
//! OAuth settings with the scopes, its global OAuth settings with the consumer key and
//! certificate, and its policies with the pre-authorisation). sfiu chooses the consumer key
//! itself on creation, as the Metadata API allows, so it never has to read it back; on
//! updates the key is left out, because Salesforce treats it as immutable.
//!
//! It also holds the rule for which declared field grants can become field permission rows
//! (describe the objects, skip missing and non-permissionable fields, keep formula fields
//! read-only), because `apply` writes by it and the audit must judge drift by the same rule.

use std::collections::BTreeSet;

use anyhow::Context as _;
use rand::Rng as _;
use sfiu_core::{AppKind, DesiredApp, ObservedApp};
use sfiu_sf_client::{
    ConnectedApp, ConnectedAppOauthConfig, ConnectedAppOauthPolicy, ExternalClientApplication,
    ExtlClntAppGlobalOauthSettings, ExtlClntAppOauthConfigurablePolicies, ExtlClntAppOauthSettings,
    Metadata, Session,
};

/// The callback URL in the metadata; the JWT bearer flow never redirects to it.
const CALLBACK_URL: &str = "https://login.salesforce.com/services/oauth2/success";

/// What sfiu knows about an existing app beyond the planner's view.
#[derive(Debug, Clone)]
pub(crate) struct AppState {
    /// The planner's view.
    pub(crate) observed: ObservedApp,
    /// The consumer key, when the org returned it.
    pub(crate) consumer_key: Option<String>,
    /// The certificate on the app, when it has one that parses.
    pub(crate) certificate: Option<sfiu_jwt::Certificate>,
    /// OAuth policy settings read back (`ipRelaxation`, `refreshTokenPolicy` and their
    /// External Client App counterparts); empty when they were not read.
    pub(crate) policies: std::collections::BTreeMap<String, String>,
    /// An External Client App whose creation stopped half-way: the app exists but its global
    /// OAuth settings (consumer key and certificate) do not, so the next save must supply a
    /// consumer key again.
    pub(crate) is_incomplete: bool,
}

/// The OAuth policy settings sfiu writes on an app of `kind`, by metadata element name.
pub(crate) fn expected_policies(kind: AppKind) -> std::collections::BTreeMap<String, String> {
    let pairs: [(&str, &str); 2] = match kind {
        AppKind::ExternalClientApp => [
            ("ipRelaxationPolicyType", "Enforce"),
            ("refreshTokenPolicyType", "Infinite"),
        ],
        AppKind::ConnectedApp | AppKind::Auto => [
            ("ipRelaxation", "ENFORCE"),
            ("refreshTokenPolicy", "infinite"),
        ],
    };
    pairs
        .into_iter()
        .map(|(name, value)| (name.to_owned(), value.to_owned()))
        .collect()
}

/// Component names of an External Client App's parts.
struct EcaNames {
    oauth: String,
    global: String,
    policies: String,
}

fn eca_names(app: &str) -> EcaNames {
    EcaNames {
        oauth: format!("{app}_oauth"),
        global: format!("{app}_glbloauth"),
        policies: format!("{app}_oauthPlcy"),
    }
}

/// A new consumer key in the shape Salesforce issues: long, letters, digits and dots.
pub(crate) fn new_consumer_key() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::rng();
    let tail: String = (0..81)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect();
    format!("3MVG{tail}")
}

/// Masks a consumer key for the runbook and output: its first and last four characters.
pub(crate) fn mask_consumer_key(key: &str) -> String {
    let characters: Vec<char> = key.chars().collect();
    if characters.len() <= 12 {
        return "…".to_owned();
    }
    let head: String = characters[..4].iter().collect();
    let tail: String = characters[characters.len() - 4..].iter().collect();
    format!("{head}…{tail}")
}

fn metadata_scopes(tokens: &BTreeSet<String>) -> Vec<String> {
    tokens
        .iter()
        .filter_map(|token| sfiu_core::oauth_scope(token).and_then(|scope| scope.metadata_name))
        .map(str::to_owned)
        .collect()
}

fn tokens_from_metadata(names: &[String]) -> BTreeSet<String> {
    names
        .iter()
        .filter_map(|name| {
            sfiu_core::OAUTH_SCOPES
                .iter()
                .find(|scope| {
                    scope
                        .metadata_name
                        .is_some_and(|metadata| metadata.eq_ignore_ascii_case(name))
                })
                .map(|scope| scope.token.to_owned())
        })
        .collect()
}

/// The components that create or update the app. `consumer_key` is set only on creation.
pub(crate) fn components(
    kind: AppKind,
    app: &DesiredApp,
    certificate_base64: &str,
    consumer_key: Option<&str>,
) -> Vec<Metadata> {
    if kind == AppKind::ConnectedApp {
        let connected_app = ConnectedApp {
            full_name: app.name.clone(),
            contact_email: app.contact_email.clone(),
            contact_phone: None,
            description: Some("Integration app managed by sfiu (JWT bearer flow).".to_owned()),
            label: app.label.clone(),
            oauth_config: Some(ConnectedAppOauthConfig {
                callback_url: CALLBACK_URL.to_owned(),
                certificate: Some(certificate_base64.to_owned()),
                consumer_key: consumer_key.map(str::to_owned),
                is_admin_approved: Some(app.admin_approved),
                scopes: metadata_scopes(&app.oauth_scopes),
            }),
            oauth_policy: Some(ConnectedAppOauthPolicy {
                ip_relaxation: "ENFORCE".to_owned(),
                refresh_token_policy: "infinite".to_owned(),
            }),
            permission_set_names: vec![app.pre_authorized_permission_set.clone()],
            profile_names: Vec::new(),
        };
        return vec![connected_app.to_metadata()];
    }

    let names = eca_names(&app.name);
    let scopes: Vec<&str> = app.oauth_scopes.iter().map(String::as_str).collect();
    vec![
        ExternalClientApplication {
            full_name: app.name.clone(),
            contact_email: Some(app.contact_email.clone()),
            contact_phone: None,
            description: Some("Integration app managed by sfiu (JWT bearer flow).".to_owned()),
            distribution_state: "Local".to_owned(),
            is_protected: Some(false),
            label: app.label.clone(),
        }
        .to_metadata(),
        ExtlClntAppOauthSettings {
            full_name: names.oauth,
            comma_separated_oauth_scopes: scopes.join(","),
            external_client_application: app.name.clone(),
            label: app.label.clone(),
        }
        .to_metadata(),
        ExtlClntAppGlobalOauthSettings {
            full_name: names.global,
            callback_url: Some(CALLBACK_URL.to_owned()),
            certificate: Some(certificate_base64.to_owned()),
            consumer_key: consumer_key.map(str::to_owned),
            external_client_application: app.name.clone(),
            is_consumer_secret_optional: Some(true),
            is_secret_required_for_refresh_token: Some(false),
            label: app.label.clone(),
        }
        .to_metadata(),
        ExtlClntAppOauthConfigurablePolicies {
            full_name: names.policies,
            comma_separated_permission_set: Some(app.pre_authorized_permission_set.clone()),
            external_client_application: app.name.clone(),
            ip_relaxation_policy_type: Some("Enforce".to_owned()),
            label: app.label.clone(),
            permitted_users_policy_type: if app.admin_approved {
                "AdminApprovedPreAuthorized".to_owned()
            } else {
                "AllSelfAuthorized".to_owned()
            },
            refresh_token_policy_type: Some("Infinite".to_owned()),
        }
        .to_metadata(),
    ]
}

/// Salesforce refused a metadata component (as opposed to the call failing).
#[derive(Debug)]
pub(crate) struct Refused(String);

impl std::fmt::Display for Refused {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(&self.0)
    }
}

impl std::error::Error for Refused {}

/// Saves an app's components one call each, the app itself first because the others name
/// it (Salesforce takes one metadata type per call); `n_calls` counts the calls made.
///
/// # Errors
///
/// A [`Refused`] error when Salesforce refuses a component; any other error when the call
/// itself fails.
pub(crate) async fn save_components(
    session: &Session,
    components: Vec<Metadata>,
    upsert: bool,
    n_calls: &mut u32,
) -> anyhow::Result<()> {
    for component in components {
        *n_calls += 1;
        let results = if upsert {
            session
                .upsert_metadata(std::slice::from_ref(&component))
                .await
        } else {
            session
                .create_metadata(std::slice::from_ref(&component))
                .await
        }
        .with_context(|| {
            format!(
                "failed to save {} `{}`",
                component.type_name(),
                component.full_name()
            )
        })?;
        if let Some(result) = results.iter().find(|result| !result.success) {
            let errors: Vec<String> = result.errors.iter().map(ToString::to_string).collect();
            return Err(anyhow::Error::new(Refused(format!(
                "Salesforce refused {} `{}`: {}",
                component.type_name(),
                result.full_name,
                errors.join("; ")
            ))));
        }
    }
    Ok(())
}

/// Reads a Connected App; `None` when there is none of that name.
pub(crate) async fn read_connected_app(
    session: &Session,
    name: &str,
) -> anyhow::Result<Option<AppState>> {
    let records = session
        .read_metadata("ConnectedApp", &[name])
        .await
        .with_context(|| format!("failed to read Connected App `{name}`"))?;
    let Some(record) = records.into_iter().next() else {
        return Ok(None);
    };
    let element = &record.element;
    let oauth = element.child("oauthConfig");
    let certificate = oauth
        .and_then(|oauth| oauth.child_text("certificate"))
        .filter(|c| !c.trim().is_empty());
    let observed = ObservedApp {
        kind: AppKind::ConnectedApp,
        name: record.full_name.clone(),
        label: element.child_text("label").unwrap_or_default().to_owned(),
        contact_email: element.child_text("contactEmail").map(str::to_owned),
        oauth_scopes: tokens_from_metadata(
            &oauth
                .map(|oauth| oauth.child_texts("scopes"))
                .unwrap_or_default(),
        ),
        admin_approved: oauth.and_then(|oauth| oauth.child_text("isAdminApproved")) == Some("true"),
        permission_sets: element
            .child_texts("permissionSetName")
            .into_iter()
            .collect(),
        has_certificate: certificate.is_some(),
        certificate_fingerprint_sha256: certificate.and_then(fingerprint_of),
    };
    let policy = element.child("oauthPolicy");
    let policies = ["ipRelaxation", "refreshTokenPolicy"]
        .into_iter()
        .filter_map(|name| {
            let value = policy?.child_text(name)?;
            Some((name.to_owned(), value.to_owned()))
        })
        .collect();
    Ok(Some(AppState {
        observed,
        consumer_key: oauth
            .and_then(|oauth| oauth.child_text("consumerKey"))
            .map(str::to_owned),
        certificate: certificate.and_then(parse_certificate),
        policies,
        is_incomplete: false,
    }))
}

/// Reads an External Client App; `None` when its global OAuth settings do not exist.
///
/// A full read takes four calls (one per metadata type); `full` is false during `apply`,
/// where the consumer key and certificate are read and the rest is taken from the last
/// runbook, because the JWT login test that follows checks pre-authorisation for real.
pub(crate) async fn read_external_client_app(
    session: &Session,
    desired: &DesiredApp,
    recorded: Option<&ObservedApp>,
    full: bool,
) -> anyhow::Result<Option<AppState>> {
    let names = eca_names(&desired.name);
    let global = session
        .read_metadata("ExtlClntAppGlobalOauthSettings", &[names.global.as_str()])
        .await
        .with_context(|| {
            format!(
                "failed to read the OAuth settings of External Client App `{}`",
                desired.name
            )
        })?;
    let Some(global) = global.into_iter().next() else {
        return read_incomplete_external_client_app(session, desired).await;
    };
    let certificate = global
        .element
        .child_text("certificate")
        .filter(|c| !c.trim().is_empty());
    let consumer_key = global.element.child_text("consumerKey").map(str::to_owned);
    let parsed_certificate = certificate.and_then(parse_certificate);
    let mut policy_values = std::collections::BTreeMap::new();

    let mut observed = recorded.cloned().unwrap_or_else(|| ObservedApp {
        kind: AppKind::ExternalClientApp,
        name: desired.name.clone(),
        label: desired.label.clone(),
        contact_email: Some(desired.contact_email.clone()),
        oauth_scopes: desired.oauth_scopes.clone(),
        admin_approved: desired.admin_approved,
        permission_sets: [desired.pre_authorized_permission_set.clone()]
            .into_iter()
            .collect(),
        has_certificate: false,
        certificate_fingerprint_sha256: None,
    });
    observed.kind = AppKind::ExternalClientApp;
    observed.has_certificate = certificate.is_some();
    observed.certificate_fingerprint_sha256 = certificate.and_then(fingerprint_of);

    if full {
        let app = session
            .read_metadata("ExternalClientApplication", &[desired.name.as_str()])
            .await?;
        if let Some(app) = app.first() {
            observed.label = app
                .element
                .child_text("label")
                .unwrap_or_default()
                .to_owned();
            observed.contact_email = app.element.child_text("contactEmail").map(str::to_owned);
        }
        let oauth = session
            .read_metadata("ExtlClntAppOauthSettings", &[names.oauth.as_str()])
            .await?;
        observed.oauth_scopes = oauth
            .first()
            .and_then(|record| record.element.child_text("commaSeparatedOauthScopes"))
            .map(|scopes| {
                scopes
                    .split(',')
                    .map(|s| s.trim().to_owned())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        let policies = session
            .read_metadata(
                "ExtlClntAppOauthConfigurablePolicies",
                &[names.policies.as_str()],
            )
            .await?;
        let policy = policies.first();
        for name in ["ipRelaxationPolicyType", "refreshTokenPolicyType"] {
            if let Some(value) = policy.and_then(|record| record.element.child_text(name)) {
                policy_values.insert(name.to_owned(), value.to_owned());
            }
        }
        observed.admin_approved = policy
            .and_then(|record| record.element.child_text("permittedUsersPolicyType"))
            == Some("AdminApprovedPreAuthorized");
        observed.permission_sets = policy
            .and_then(|record| record.element.child_text("commaSeparatedPermissionSet"))
            .map(|sets| {
                sets.split(',')
                    .map(|s| s.trim().to_owned())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default();
    }
    Ok(Some(AppState {
        observed,
        consumer_key,
        certificate: parsed_certificate,
        policies: policy_values,
        is_incomplete: false,
    }))
}

/// An External Client App without global OAuth settings: either none at all (`None`) or one
/// whose four-part creation stopped half-way, which the next `apply` completes.
async fn read_incomplete_external_client_app(
    session: &Session,
    desired: &DesiredApp,
) -> anyhow::Result<Option<AppState>> {
    let app = session
        .read_metadata("ExternalClientApplication", &[desired.name.as_str()])
        .await
        .with_context(|| format!("failed to read External Client App `{}`", desired.name))?;
    let Some(app) = app.first() else {
        return Ok(None);
    };
    let observed = ObservedApp {
        kind: AppKind::ExternalClientApp,
        name: desired.name.clone(),
        label: app
            .element
            .child_text("label")
            .unwrap_or_default()
            .to_owned(),
        contact_email: app.element.child_text("contactEmail").map(str::to_owned),
        oauth_scopes: BTreeSet::new(),
        admin_approved: false,
        permission_sets: BTreeSet::new(),
        has_certificate: false,
        certificate_fingerprint_sha256: None,
    };
    Ok(Some(AppState {
        observed,
        consumer_key: None,
        certificate: None,
        policies: std::collections::BTreeMap::new(),
        is_incomplete: true,
    }))
}

fn parse_certificate(body: &str) -> Option<sfiu_jwt::Certificate> {
    sfiu_jwt::Certificate::parse(body.as_bytes()).ok()
}

fn fingerprint_of(body: &str) -> Option<String> {
    sfiu_jwt::Certificate::parse(body.as_bytes())
        .ok()
        .map(|certificate| certificate.fingerprint().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consumer_keys_are_long_unique_and_masked() {
        let first = new_consumer_key();
        assert_eq!(first.len(), 85);
        assert_ne!(first, new_consumer_key());
        let masked = mask_consumer_key(&first);
        assert!(masked.starts_with("3MVG") && masked.chars().count() == 9);
        assert!(!masked.contains(&first[4..20]));
    }

    #[test]
    fn scopes_map_both_ways() {
        let tokens: BTreeSet<String> = ["api".to_owned(), "refresh_token".to_owned()]
            .into_iter()
            .collect();
        let names = metadata_scopes(&tokens);
        assert_eq!(names, vec!["Api".to_owned(), "RefreshToken".to_owned()]);
        assert_eq!(tokens_from_metadata(&names), tokens);
    }
}

/// What an object's describe says about one of its fields, for field-level security.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FieldInfo {
    /// Whether the field takes field-level security (required and system fields do not).
    pub(crate) permissionable: bool,
    /// Whether it is a formula field, which can only be read.
    pub(crate) calculated: bool,
}

/// The most subrequests one Composite call carries.
const COMPOSITE_LIMIT: usize = 25;

/// Describes `objects` (one Composite call per 25) and indexes their fields by lower-case
/// `Object.Field`. An object the org does not describe contributes no fields.
pub(crate) async fn describe_fields(
    session: &Session,
    objects: &[String],
) -> anyhow::Result<std::collections::BTreeMap<String, FieldInfo>> {
    let mut info = std::collections::BTreeMap::new();
    for chunk in objects.chunks(COMPOSITE_LIMIT) {
        let subrequests = chunk
            .iter()
            .map(|object| {
                sfiu_sf_client::CompositeSubrequest::new(
                    "GET",
                    session.data_path(&format!("sobjects/{object}/describe")),
                    object.clone(),
                )
            })
            .collect();
        let request = sfiu_sf_client::CompositeRequest {
            all_or_none: false,
            collate_subrequests: None,
            composite_request: subrequests,
        };
        let response = session
            .composite(&request)
            .await
            .context("failed to describe the granted objects")?;
        for answer in response.composite_response {
            let Some(fields) = answer
                .body
                .get("fields")
                .and_then(serde_json::Value::as_array)
            else {
                continue;
            };
            for field in fields {
                let Some(name) = field.get("name").and_then(serde_json::Value::as_str) else {
                    continue;
                };
                let flag = |key: &str| {
                    field
                        .get(key)
                        .and_then(serde_json::Value::as_bool)
                        .unwrap_or(false)
                };
                info.insert(
                    format!("{}.{name}", answer.reference_id).to_ascii_lowercase(),
                    FieldInfo {
                        permissionable: flag("permissionable"),
                        calculated: flag("calculated"),
                    },
                );
            }
        }
    }
    Ok(info)
}

/// How a declared field grant can land in the org, by the rule `apply` writes it with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FieldGrantFate {
    /// The field is not in the org: no row.
    Missing,
    /// The field takes no field-level security (the object grant covers it): no row.
    NotPermissionable,
    /// A formula field asked to be edited: a read-only row.
    ReadOnly,
    /// A row with the declared access.
    AsDeclared,
}

impl FieldGrantFate {
    /// The access the row carries, or `None` when there is no row.
    pub(crate) fn access(self, wanted: sfiu_core::FieldAccess) -> Option<sfiu_core::FieldAccess> {
        match self {
            Self::Missing | Self::NotPermissionable => None,
            Self::ReadOnly => Some(sfiu_core::FieldAccess {
                read: true,
                edit: false,
            }),
            Self::AsDeclared => Some(wanted),
        }
    }

    /// Why the row differs from the declared grant, in one sentence (`None`: it does not).
    pub(crate) fn note(self, field: &str) -> Option<String> {
        match self {
            Self::Missing => Some(format!(
                "`{field}` does not exist in the org; its field grant was skipped"
            )),
            Self::NotPermissionable => Some(format!(
                "`{field}` takes no field-level security (required or system field); the object grant covers it"
            )),
            Self::ReadOnly => Some(format!("`{field}` is a formula field; granted read only")),
            Self::AsDeclared => None,
        }
    }
}

/// What becomes of the declared grant `wanted` on `field`, given the describe `info`.
pub(crate) fn field_grant_fate(
    field: &str,
    wanted: sfiu_core::FieldAccess,
    info: &std::collections::BTreeMap<String, FieldInfo>,
) -> FieldGrantFate {
    match info.get(&field.to_ascii_lowercase()) {
        None => FieldGrantFate::Missing,
        Some(info) if !info.permissionable => FieldGrantFate::NotPermissionable,
        Some(info) if info.calculated && wanted.edit => FieldGrantFate::ReadOnly,
        Some(_) => FieldGrantFate::AsDeclared,
    }
}
