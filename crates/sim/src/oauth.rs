//! `POST /services/oauth2/token` with the JWT bearer grant.
//!
//! The checks follow `reference/salesforce-api.md` §6: the signature is verified with the
//! certificate uploaded on the app, `iss` must be a consumer key, `aud` must name this
//! server or the login host of the org kind, a past `exp` is refused while a far-future one is
//! accepted, `prn` stands in for `sub`, and the user must be pre-authorised on the app.

use std::collections::HashSet;

use axum::http::HeaderValue;
use axum::response::Response;
use base64::Engine;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Value, json};

use crate::access;
use crate::server::{self, Shared};
use crate::settings::{OAuthErrorPair, OrgKind};
use crate::store::{OrgData, form_decode, now_ms, now_string};

const JWT_GRANT: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/// An app that can issue tokens, whatever metadata family defined it.
pub(crate) struct OAuthApp {
    pub(crate) is_external: bool,
    pub(crate) certificate: Option<String>,
    pub(crate) created_ms: u64,
    pub(crate) admin_approved: bool,
    pub(crate) permission_sets: Vec<String>,
    pub(crate) profiles: Vec<String>,
    pub(crate) scopes: Vec<String>,
    /// The `ConnectedApplication` row that SetupEntityAccess may point at.
    pub(crate) row_id: Option<String>,
}

fn error(pair: (&str, &str)) -> Response {
    let mut response = server::json(400, &json!({"error": pair.0, "error_description": pair.1}));
    response
        .headers_mut()
        .insert("Cache-Control", HeaderValue::from_static("no-store"));
    response
}

fn error_pair(pair: &OAuthErrorPair) -> Response {
    error((&pair.error, &pair.description))
}

fn split_list(text: Option<&str>) -> Vec<String> {
    text.unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The row id of the `ConnectedApplication` created for a metadata component.
pub(crate) fn app_row(org: &OrgData, full_name: &str) -> Option<String> {
    org.table("ConnectedApplication")
        .find(|r| r.get("__MetadataName").and_then(Value::as_str) == Some(full_name))
        .and_then(|r| r.get("Id").and_then(Value::as_str))
        .map(str::to_owned)
}

/// Finds the app whose consumer key is `key`.
pub(crate) fn find_app(org: &OrgData, key: &str) -> Option<OAuthApp> {
    for (name, stored) in org.metadata.get("ConnectedApp").into_iter().flatten() {
        let body = &stored.body;
        if body.path_text(&["oauthConfig", "consumerKey"]) != Some(key) {
            continue;
        }
        let config = body.child("oauthConfig");
        return Some(OAuthApp {
            is_external: false,
            certificate: config
                .and_then(|c| c.text_of("certificate"))
                .map(str::to_owned),
            created_ms: stored.created_ms,
            admin_approved: config
                .and_then(|c| c.bool_of("isAdminApproved"))
                .unwrap_or(false),
            permission_sets: body
                .all("permissionSetName")
                .map(|n| n.text.trim().to_owned())
                .collect(),
            profiles: body
                .all("profileName")
                .map(|n| n.text.trim().to_owned())
                .collect(),
            scopes: config
                .map(|c| c.all("scopes").map(|s| s.text.trim().to_owned()).collect())
                .unwrap_or_default(),
            row_id: app_row(org, name),
        });
    }
    for stored in org
        .metadata
        .get("ExtlClntAppGlobalOauthSettings")
        .into_iter()
        .flat_map(|m| m.values())
    {
        let body = &stored.body;
        if body.text_of("consumerKey") != Some(key) {
            continue;
        }
        let eca = body
            .text_of("externalClientApplication")
            .unwrap_or_default();
        let related = |kind: &str| {
            org.metadata
                .get(kind)
                .into_iter()
                .flat_map(|m| m.values())
                .find(|m| m.body.text_of("externalClientApplication") == Some(eca))
        };
        let policies = related("ExtlClntAppOauthConfigurablePolicies");
        let settings = related("ExtlClntAppOauthSettings");
        return Some(OAuthApp {
            is_external: true,
            certificate: body.text_of("certificate").map(str::to_owned),
            created_ms: stored.created_ms,
            admin_approved: policies
                .and_then(|p| p.body.text_of("permittedUsersPolicyType"))
                .is_some_and(|t| t == "AdminApprovedPreAuthorized"),
            permission_sets: split_list(
                policies.and_then(|p| p.body.text_of("commaSeparatedPermissionSet")),
            ),
            profiles: split_list(policies.and_then(|p| p.body.text_of("commaSeparatedProfile"))),
            scopes: split_list(settings.and_then(|s| s.body.text_of("commaSeparatedOauthScopes"))),
            row_id: app_row(org, eca),
        });
    }
    None
}

/// Reads a certificate given as PEM, PEM body or base64 DER, and returns its RSA key.
pub(crate) fn certificate_key(text: &str) -> Option<DecodingKey> {
    let body: String = text
        .lines()
        .filter(|line| !line.starts_with("-----"))
        .flat_map(|line| line.chars())
        .filter(|c| !c.is_whitespace())
        .collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(body)
        .ok()?;
    let (_, certificate) = x509_parser::parse_x509_certificate(&der).ok()?;
    Some(DecodingKey::from_rsa_der(
        &certificate.public_key().subject_public_key.data,
    ))
}

fn scope_name(scope: &str) -> Option<&'static str> {
    Some(match scope.to_ascii_lowercase().as_str() {
        "api" => "api",
        "web" => "web",
        "full" => "full",
        "basic" | "id" => "id",
        "refreshtoken" | "refresh_token" => "refresh_token",
        "offlineaccess" | "offline_access" => "offline_access",
        "openid" => "openid",
        "profile" => "profile",
        "email" => "email",
        "address" => "address",
        "phone" => "phone",
        "chatter" | "chatter_api" => "chatter_api",
        "customapplications" | "visualforce" => "visualforce",
        "custompermissions" | "custom_permissions" => "custom_permissions",
        _ => return None,
    })
}

fn decode_claims(assertion: &str) -> Option<Value> {
    let payload = assertion.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// Serves the token endpoint.
pub(crate) fn token(shared: &Shared, method: &str, query: Option<&str>, body: &[u8]) -> Response {
    if method != "POST" {
        return error(("unsupported_grant_type", "grant type not supported"));
    }
    let mut form = form_decode(&String::from_utf8_lossy(body));
    if !form.iter().any(|(k, _)| k == "grant_type") {
        form.extend(query.map(form_decode).unwrap_or_default());
    }
    let field = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    if field("grant_type").as_deref() != Some(JWT_GRANT) {
        return error(("unsupported_grant_type", "grant type not supported"));
    }
    let invalid_assertion = ("invalid_grant", "invalid assertion");
    let Some(assertion) = field("assertion") else {
        return error(invalid_assertion);
    };
    let Some(claims) = decode_claims(&assertion) else {
        return error(invalid_assertion);
    };
    let mut org = shared.org();

    let issuer = claims
        .get("iss")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let Some(app) = find_app(&org, issuer) else {
        return error(("invalid_client_id", "client identifier invalid"));
    };
    if now_ms()
        < app
            .created_ms
            .saturating_add(org.settings.app_propagation_delay_ms)
    {
        return error(("invalid_client_id", "client identifier invalid"));
    }

    let Some(key) = app.certificate.as_deref().and_then(certificate_key) else {
        return error(invalid_assertion);
    };
    let header_ok =
        jsonwebtoken::decode_header(&assertion).is_ok_and(|h| h.alg == Algorithm::RS256);
    let mut validation = Validation::new(Algorithm::RS256);
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;
    validation.required_spec_claims = HashSet::new();
    if !header_ok || jsonwebtoken::decode::<Value>(&assertion, &key, &validation).is_err() {
        return error(invalid_assertion);
    }

    let audiences: Vec<&str> = match claims.get("aud") {
        Some(Value::String(a)) => vec![a.as_str()],
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let login_host = match org.settings.org_kind {
        OrgKind::Production => "https://login.salesforce.com",
        OrgKind::Sandbox => "https://test.salesforce.com",
    };
    let normalise = |a: &str| a.trim_end_matches('/').to_ascii_lowercase();
    let is_login_host = audiences.iter().any(|a| normalise(a) == login_host);
    let is_own = audiences.iter().any(|a| {
        normalise(a) == normalise(&shared.base_url)
            || org
                .settings
                .extra_audiences
                .iter()
                .any(|e| normalise(e) == normalise(a))
    });
    if !is_login_host && !is_own {
        return error(("invalid_grant", "Audience validation failed"));
    }
    if app.is_external
        && is_login_host
        && !is_own
        && let Some(pair) = &org.settings.eca_login_audience_error
    {
        return error_pair(pair);
    }

    let now_seconds = i64::try_from(now_ms() / 1000).unwrap_or(i64::MAX);
    match claims.get("exp").and_then(Value::as_f64) {
        Some(exp) if exp < now_seconds as f64 => {
            return error(("invalid_grant", "expired authorization code"));
        }
        Some(_) => {}
        None => return error(invalid_assertion),
    }

    let subject = claims
        .get("sub")
        .or_else(|| claims.get("prn"))
        .and_then(Value::as_str)
        .unwrap_or_default();
    let user = org
        .table("User")
        .find(|u| {
            u.get("Username")
                .and_then(Value::as_str)
                .is_some_and(|n| n.eq_ignore_ascii_case(subject))
        })
        .cloned();
    let Some(user) = user else {
        return error_pair(&org.settings.unknown_user_error.clone());
    };
    if !user
        .get("IsActive")
        .and_then(Value::as_bool)
        .unwrap_or(false)
    {
        return error(("invalid_grant", "inactive user"));
    }
    let user_id = user
        .get("Id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();

    if !app.admin_approved {
        return error_pair(&org.settings.not_approved_error.clone());
    }
    if !is_linked(&org, &app, &user_id) {
        return error_pair(&org.settings.unlinked_user_error.clone());
    }

    let mut scopes: Vec<&str> = app.scopes.iter().filter_map(|s| scope_name(s)).collect();
    scopes.dedup();
    let rest_allowed = scopes.iter().any(|s| *s == "api" || *s == "full");
    let token = org.new_token(&user_id, rest_allowed);
    if let Some(record) = org.get_mut("User", &user_id) {
        record.insert("LastLoginDate".into(), Value::String(now_string()));
    }
    let body = json!({
        "access_token": token,
        "scope": scopes.join(" "),
        "instance_url": shared.base_url,
        "id": format!("{}/id/{}/{}", shared.base_url, org.org_id, user_id),
        "token_type": "Bearer",
    });
    let mut response = server::json(200, &body);
    response
        .headers_mut()
        .insert("Cache-Control", HeaderValue::from_static("no-store"));
    response
}

/// Whether the app pre-authorises the user through a profile, permission set name or Id, or
/// a SetupEntityAccess row.
fn is_linked(org: &OrgData, app: &OAuthApp, user_id: &str) -> bool {
    let profile = org
        .get("User", user_id)
        .and_then(|u| u.get("ProfileId"))
        .and_then(Value::as_str)
        .and_then(|p| org.get("Profile", p))
        .and_then(|p| p.get("Name"))
        .and_then(Value::as_str)
        .unwrap_or_default();
    if app.profiles.iter().any(|p| p.eq_ignore_ascii_case(profile)) {
        return true;
    }
    let sets = access::permission_set_ids(org, user_id);
    for set_id in &sets {
        let Some(set) = org.get("PermissionSet", set_id) else {
            continue;
        };
        let name = set.get("Name").and_then(Value::as_str).unwrap_or_default();
        let by_name = (!app.is_external || org.settings.eca_permission_sets_by_name)
            && app
                .permission_sets
                .iter()
                .any(|p| p.eq_ignore_ascii_case(name));
        let by_id = app
            .permission_sets
            .iter()
            .any(|p| crate::ids::normalize(p).as_deref() == Some(set_id.as_str()));
        if by_name || by_id {
            return true;
        }
    }
    let Some(row) = &app.row_id else { return false };
    org.table("SetupEntityAccess").any(|access| {
        access.get("SetupEntityId").and_then(Value::as_str) == Some(row.as_str())
            && access
                .get("ParentId")
                .and_then(Value::as_str)
                .is_some_and(|p| sets.iter().any(|s| s == p))
    })
}
