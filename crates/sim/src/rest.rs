//! The REST API under `/services/data`: versions, query, sObject CRUD and describe, limits,
//! composite and sObject Collections.

use axum::http::{HeaderMap, HeaderValue};
use axum::response::Response;
use serde_json::{Map, Value, json};

use crate::access::Access;
use crate::dml;
use crate::ids;
use crate::query;
use crate::schema;
use crate::server::{self, Shared};
use crate::sferror::{RestError, SfError};
use crate::store::{OrgData, form_decode};

/// A successful REST reply.
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) body: Option<Value>,
    pub(crate) location: Option<String>,
}

impl Reply {
    fn ok(body: Value) -> Reply {
        Reply {
            status: 200,
            body: Some(body),
            location: None,
        }
    }

    fn no_content() -> Reply {
        Reply {
            status: 204,
            body: None,
            location: None,
        }
    }
}

type RestResult = Result<Reply, RestError>;

/// The release name of an API version (31.0 = Summer '14, three releases a year).
fn release_label(version: u32) -> String {
    let n = version.saturating_sub(31);
    let season = ["Summer", "Winter", "Spring"][(n % 3) as usize];
    format!("{season} '{:02}", 14 + n.div_ceil(3))
}

fn versions(latest: u32) -> Value {
    (31..=latest.max(31))
        .map(|v| json!({"label": release_label(v), "url": format!("/services/data/v{v}.0"), "version": format!("{v}.0")}))
        .collect()
}

fn error_response(error: &RestError, limit: Option<&str>) -> Response {
    let mut response = server::json(error.status, &error.body());
    add_limit(&mut response, limit);
    response
}

fn add_limit(response: &mut Response, limit: Option<&str>) {
    if let Some(value) = limit.and_then(|l| HeaderValue::from_str(l).ok()) {
        response.headers_mut().insert("Sforce-Limit-Info", value);
    }
}

/// Parses `vNN.N` (or `latest`) into the canonical `NN.N`.
fn version_of(segment: &str, latest: u32) -> Option<String> {
    if segment == "latest" {
        return Some(format!("{latest}.0"));
    }
    let number = segment.strip_prefix('v')?;
    let (major, minor) = number.split_once('.')?;
    let major: u32 = major.parse().ok()?;
    (minor == "0" && (20..=latest).contains(&major)).then(|| format!("{major}.0"))
}

/// Serves one REST request.
pub(crate) fn handle(
    shared: &Shared,
    method: &str,
    path: &str,
    query: Option<&str>,
    headers: &HeaderMap,
    body: &[u8],
) -> Response {
    let trimmed = path.trim_end_matches('/');
    let mut org = shared.org();
    if trimmed == "/services/data" {
        return if method == "GET" {
            server::json(200, &versions(org.settings.latest_api_version))
        } else {
            error_response(&method_not_allowed(method, "GET"), None)
        };
    }
    let session = server::bearer_token(headers).and_then(|t| org.sessions.get(&t).cloned());
    let user_active = session
        .as_ref()
        .and_then(|s| org.get("User", &s.user_id))
        .is_some_and(|u| u.get("IsActive").and_then(Value::as_bool).unwrap_or(false));
    let Some(session) = session.filter(|_| user_active) else {
        return error_response(
            &RestError::new(
                401,
                SfError::new("INVALID_SESSION_ID", "Session expired or invalid"),
            ),
            None,
        );
    };
    if !session.rest_allowed {
        return error_response(
            &RestError::new(
                401,
                SfError::new(
                    "INVALID_SESSION_ID",
                    "This session is not valid for use with the REST API",
                ),
            ),
            None,
        );
    }
    let limit = org.settings.daily_api_limit;
    if org.api_usage >= limit {
        let header = format!("api-usage={}/{limit}", org.api_usage);
        return error_response(
            &RestError::new(
                403,
                SfError::new("REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded."),
            ),
            Some(&header),
        );
    }
    org.api_usage += 1;
    let header = format!("api-usage={}/{limit}", org.api_usage);
    let access = Access::of(&org, &session.user_id);
    let segments: Vec<&str> = trimmed
        .trim_start_matches("/services/data/")
        .split('/')
        .collect();
    let Some(version) = segments
        .first()
        .and_then(|s| version_of(s, org.settings.latest_api_version))
    else {
        return error_response(&RestError::not_found(), Some(&header));
    };
    let params = query.map(form_decode).unwrap_or_default();
    let result = route(
        &mut org,
        &access,
        &shared.base_url,
        method,
        &version,
        &segments[1..],
        &params,
        body,
    );
    drop(org);
    match result {
        Ok(reply) => {
            let mut response = match &reply.body {
                Some(body) => server::json(reply.status, body),
                None => server::respond(reply.status, "application/json;charset=UTF-8", ""),
            };
            if let Some(location) = reply.location.and_then(|l| HeaderValue::from_str(&l).ok()) {
                response.headers_mut().insert("Location", location);
            }
            add_limit(&mut response, Some(&header));
            response
        }
        Err(error) => error_response(&error, Some(&header)),
    }
}

fn method_not_allowed(method: &str, allowed: &str) -> RestError {
    RestError::new(
        405,
        SfError::new(
            "METHOD_NOT_ALLOWED",
            format!("HTTP Method '{method}' not allowed. Allowed are {allowed}"),
        ),
    )
}

fn parse_json(body: &[u8]) -> Result<Value, RestError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(RestError::json_parse(
            "No content to map due to end-of-input",
        ));
    }
    serde_json::from_slice(body)
        .map_err(|e| RestError::json_parse(format!("Unexpected character: {e}")))
}

/// Routes a request below `/services/data/vNN.N`; composite subrequests come through here too.
#[expect(
    clippy::too_many_arguments,
    reason = "the request parts are passed through unchanged"
)]
pub(crate) fn route(
    org: &mut OrgData,
    access: &Access,
    base_url: &str,
    method: &str,
    version: &str,
    segments: &[&str],
    params: &[(String, String)],
    body: &[u8],
) -> RestResult {
    let param = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    match (method, segments) {
        ("GET", [] | [""]) => Ok(Reply::ok(json!({
            "sobjects": format!("/services/data/v{version}/sobjects"),
            "query": format!("/services/data/v{version}/query"),
            "composite": format!("/services/data/v{version}/composite"),
            "limits": format!("/services/data/v{version}/limits"),
        }))),
        ("GET", ["limits"]) => {
            let max = org.settings.daily_api_limit;
            Ok(Reply::ok(
                json!({"DailyApiRequests": {"Max": max, "Remaining": max.saturating_sub(org.api_usage)}}),
            ))
        }
        ("GET", ["query" | "queryAll"]) => {
            let Some(soql) = param("q") else {
                return Err(RestError::bad(SfError::new(
                    "MALFORMED_QUERY",
                    "A query string has to be specified",
                )));
            };
            let page = query::run(org, access, soql, version)?;
            let mut body = page.body;
            if let Some(rest) = page.rest {
                let locator = format!("01g{}", ids::random_string(15));
                let size = org.settings.query_page_size.max(1);
                body["nextRecordsUrl"] =
                    Value::String(format!("/services/data/v{version}/query/{locator}-{size}"));
                org.cursors.insert(locator, rest);
            }
            Ok(Reply::ok(body))
        }
        ("GET", ["query" | "queryAll", cursor]) => next_page(org, version, cursor),
        ("GET", ["sobjects"]) => {
            let sobjects: Vec<Value> = schema::CATALOGUE
                .iter()
                .filter(|o| access.can_read(o))
                .map(|o| o.global_entry(version))
                .collect();
            Ok(Reply::ok(
                json!({"encoding": "UTF-8", "maxBatchSize": 200, "sobjects": sobjects}),
            ))
        }
        (_, ["sobjects", object]) => {
            let def = visible(access, object)?;
            match method {
                "GET" => Ok(Reply::ok(
                    json!({"objectDescribe": def.global_entry(version), "recentItems": []}),
                )),
                "POST" => {
                    let value = parse_json(body)?;
                    let id = dml::create(org, access, def.name, &value)?;
                    Ok(Reply {
                        status: 201,
                        location: Some(format!(
                            "/services/data/v{version}/sobjects/{}/{id}",
                            def.name
                        )),
                        body: Some(json!({"id": id, "success": true, "errors": []})),
                    })
                }
                _ => Err(method_not_allowed(method, "GET,HEAD,POST")),
            }
        }
        ("GET", ["sobjects", object, "describe"]) => {
            Ok(Reply::ok(visible(access, object)?.describe(version)))
        }
        (_, ["sobjects", object, id]) => {
            let def = visible(access, object)?;
            match method {
                "GET" => read(org, access, def, id, param("fields"), version),
                "PATCH" => {
                    let value = parse_json(body)?;
                    dml::update(org, access, def.name, id, &value)?;
                    Ok(Reply::no_content())
                }
                "DELETE" => {
                    dml::delete(org, access, def.name, id)?;
                    Ok(Reply::no_content())
                }
                _ => Err(method_not_allowed(method, "GET,HEAD,PATCH,DELETE")),
            }
        }
        ("POST", ["composite"]) => {
            crate::composite::composite(org, access, base_url, version, body)
        }
        (_, ["composite", "sobjects"]) => {
            crate::composite::collections(org, access, method, params, body)
        }
        _ => Err(RestError::not_found()),
    }
}

fn visible(access: &Access, object: &str) -> Result<&'static schema::ObjectDef, RestError> {
    schema::object(object)
        .filter(|o| access.can_read(o))
        .ok_or_else(RestError::not_found)
}

fn next_page(org: &mut OrgData, version: &str, cursor: &str) -> RestResult {
    let invalid = || {
        RestError::bad(SfError::new(
            "INVALID_QUERY_LOCATOR",
            "invalid query locator",
        ))
    };
    let (locator, offset) = cursor.rsplit_once('-').ok_or_else(invalid)?;
    let offset: usize = offset.parse().map_err(|_| invalid())?;
    let size = org.settings.query_page_size.max(1);
    let remaining = org.cursors.get(locator).ok_or_else(invalid)?;
    let total = remaining.len() + size;
    // The cursor holds every row after the first page; `offset` counts from the very start.
    let start = offset.checked_sub(size).ok_or_else(invalid)?;
    if start > remaining.len() {
        return Err(invalid());
    }
    let end = (start + size).min(remaining.len());
    let records: Vec<Value> = remaining[start..end].to_vec();
    let done = end >= remaining.len();
    let mut body = json!({"totalSize": total, "done": done, "records": records});
    if done {
        org.cursors.remove(locator);
    } else {
        body["nextRecordsUrl"] = Value::String(format!(
            "/services/data/v{version}/query/{locator}-{}",
            offset + size
        ));
    }
    Ok(Reply::ok(body))
}

fn read(
    org: &OrgData,
    access: &Access,
    def: &'static schema::ObjectDef,
    id: &str,
    fields: Option<&str>,
    version: &str,
) -> RestResult {
    let id = ids::normalize(id).ok_or_else(RestError::not_found)?;
    let record = org.get(def.name, &id).ok_or_else(RestError::not_found)?;
    let mut out = Map::new();
    out.insert(
        "attributes".into(),
        json!({"type": def.name, "url": format!("/services/data/v{version}/sobjects/{}/{id}", def.name)}),
    );
    let wanted: Option<Vec<&str>> = fields.map(|f| f.split(',').map(str::trim).collect());
    for field in &def.fields {
        if !access.can_read_field(def, field) {
            continue;
        }
        if let Some(wanted) = &wanted
            && !wanted.iter().any(|w| w.eq_ignore_ascii_case(field.name))
        {
            continue;
        }
        out.insert(
            field.name.to_owned(),
            record.get(field.name).cloned().unwrap_or(Value::Null),
        );
    }
    if let Some(wanted) = &wanted
        && let Some(unknown) = wanted
            .iter()
            .find(|w| def.field(w).is_none_or(|f| !access.can_read_field(def, f)))
    {
        return Err(RestError::bad(SfError::new(
            "INVALID_FIELD",
            format!(
                "No such column '{unknown}' on entity '{}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.",
                def.name
            ),
        )));
    }
    Ok(Reply::ok(Value::Object(out)))
}

#[cfg(test)]
mod tests {
    use super::release_label;

    #[test]
    fn labels_releases() {
        assert_eq!(release_label(31), "Summer '14");
        assert_eq!(release_label(32), "Winter '15");
        assert_eq!(release_label(66), "Spring '26");
        assert_eq!(release_label(67), "Summer '26");
    }
}
