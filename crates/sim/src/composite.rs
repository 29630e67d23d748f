//! `composite` (dependent subrequests with `@{ref.field}` references) and sObject Collections
//! (`composite/sobjects`), both with all-or-none rollback.

use serde_json::{Value, json};

use crate::access::Access;
use crate::dml;
use crate::rest::{Reply, route};
use crate::schema;
use crate::sferror::{RestError, SfError};
use crate::store::{OrgData, form_decode};

const HALTED: &str =
    "The transaction was rolled back since another operation in the same transaction failed.";
const ROLLED_BACK: &str = "Record rolled back because not all records were valid and the request was using AllOrNone header";

fn restore(org: &mut OrgData, snapshot: OrgData) {
    *org = snapshot;
    org.sync_registry();
}

/// Replaces `@{ref.path}` references; `Err(reference)` names one that cannot be resolved.
fn substitute(text: &str, results: &[(String, Value)]) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("@{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            out.push_str(&rest[start..]);
            return Ok(out);
        };
        let reference = &after[..end];
        out.push_str(&resolve(reference, results).ok_or_else(|| reference.to_owned())?);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

fn resolve(reference: &str, results: &[(String, Value)]) -> Option<String> {
    let mut parts = reference.split('.');
    let name = parts.next()?;
    let mut value = &results.iter().find(|(r, _)| r == name)?.1;
    for part in parts {
        let (key, index) = match part.split_once('[') {
            Some((key, index)) => (key, index.trim_end_matches(']').parse::<usize>().ok()),
            None => (part, None),
        };
        value = value.get(key)?;
        if let Some(i) = index {
            value = value.get(i)?;
        }
    }
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Null => None,
        other => Some(other.to_string()),
    }
}

/// `POST /composite`.
pub(crate) fn composite(
    org: &mut OrgData,
    access: &Access,
    base_url: &str,
    version: &str,
    body: &[u8],
) -> Result<Reply, RestError> {
    let request: Value = serde_json::from_slice(body).map_err(RestError::json_parse)?;
    let all_or_none = request
        .get("allOrNone")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let Some(subrequests) = request.get("compositeRequest").and_then(Value::as_array) else {
        return Err(RestError::bad(SfError::new(
            "JSON_PARSER_ERROR",
            "compositeRequest is required",
        )));
    };
    let max = org.settings.composite_max_subrequests;
    if subrequests.len() > max {
        return Err(RestError::bad(SfError::new(
            "INVALID_FIELD",
            format!("Composite request can have at most {max} subrequests"),
        )));
    }
    for sub in subrequests {
        let headers = sub.get("httpHeaders").and_then(Value::as_object);
        let forbidden = headers.is_some_and(|h| {
            h.keys().any(|k| {
                ["accept", "authorization", "content-type"]
                    .contains(&k.to_ascii_lowercase().as_str())
            })
        });
        if forbidden {
            return Err(RestError::bad(SfError::new(
                "INVALID_FIELD",
                "Subrequests can't set the Accept, Authorization or Content-Type header",
            )));
        }
    }
    let snapshot = all_or_none.then(|| org.clone());
    let mut results: Vec<(String, Value)> = Vec::new();
    let mut responses: Vec<Value> = Vec::new();
    let mut failed = false;
    for sub in subrequests {
        let reference = sub
            .get("referenceId")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let method = sub
            .get("method")
            .and_then(Value::as_str)
            .unwrap_or("GET")
            .to_ascii_uppercase();
        let url = sub.get("url").and_then(Value::as_str).unwrap_or_default();
        if failed && all_or_none {
            responses.push(halted(&reference));
            continue;
        }
        let body_text = sub.get("body").map(Value::to_string).unwrap_or_default();
        let (url, body_text) = match (substitute(url, &results), substitute(&body_text, &results)) {
            (Ok(url), Ok(body)) => (url, body),
            (Err(missing), _) | (_, Err(missing)) => {
                failed = true;
                let name = missing.split('.').next().unwrap_or_default();
                responses.push(json!({
                    "body": [{"errorCode": "PROCESSING_HALTED", "message": format!("Invalid reference specified. No value for {missing} found in {name}. Provided referenceId ('{name}') must be a valid reference.")}],
                    "httpHeaders": {}, "httpStatusCode": 400, "referenceId": reference,
                }));
                continue;
            }
        };
        let outcome = run_sub(
            org,
            access,
            base_url,
            version,
            &method,
            &url,
            body_text.as_bytes(),
        );
        match outcome {
            Ok(reply) => {
                let mut headers = serde_json::Map::new();
                if let Some(location) = &reply.location {
                    headers.insert("Location".into(), Value::String(location.clone()));
                }
                let body = reply.body.clone().unwrap_or(Value::Null);
                results.push((reference.clone(), body.clone()));
                responses.push(json!({"body": body, "httpHeaders": headers, "httpStatusCode": reply.status, "referenceId": reference}));
            }
            Err(error) => {
                failed = true;
                responses.push(json!({"body": error.body(), "httpHeaders": {}, "httpStatusCode": error.status, "referenceId": reference}));
            }
        }
    }
    if failed && let Some(snapshot) = snapshot {
        restore(org, snapshot);
        for response in &mut responses {
            let succeeded = response
                .get("httpStatusCode")
                .and_then(Value::as_u64)
                .is_some_and(|s| s < 300);
            if succeeded {
                let reference = response
                    .get("referenceId")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
                *response = halted(&reference);
            }
        }
    }
    Ok(Reply {
        status: 200,
        body: Some(json!({"compositeResponse": responses})),
        location: None,
    })
}

fn halted(reference: &str) -> Value {
    json!({
        "body": [{"errorCode": "PROCESSING_HALTED", "message": HALTED}],
        "httpHeaders": {}, "httpStatusCode": 400, "referenceId": reference,
    })
}

fn run_sub(
    org: &mut OrgData,
    access: &Access,
    base_url: &str,
    version: &str,
    method: &str,
    url: &str,
    body: &[u8],
) -> Result<Reply, RestError> {
    let (path, query) = url.split_once('?').unwrap_or((url, ""));
    let path = path.trim_end_matches('/');
    let rest = path
        .strip_prefix("/services/data/")
        .ok_or_else(RestError::not_found)?;
    let mut segments: Vec<&str> = rest.split('/').collect();
    if segments.is_empty() {
        return Err(RestError::not_found());
    }
    let sub_version = segments.remove(0).trim_start_matches('v').to_owned();
    let _ = version;
    if segments.first() == Some(&"composite") {
        return Err(RestError::bad(SfError::new(
            "INVALID_FIELD",
            "Composite requests can't be nested",
        )));
    }
    let params = form_decode(query);
    route(
        org,
        access,
        base_url,
        method,
        &sub_version,
        &segments,
        &params,
        body,
    )
}

/// `composite/sobjects`: create (POST), update (PATCH) and delete (DELETE `?ids=`).
pub(crate) fn collections(
    org: &mut OrgData,
    access: &Access,
    method: &str,
    params: &[(String, String)],
    body: &[u8],
) -> Result<Reply, RestError> {
    let param = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let (all_or_none, items): (bool, Vec<Item>) = match method {
        "POST" | "PATCH" => {
            let request: Value = serde_json::from_slice(body).map_err(RestError::json_parse)?;
            let all = request
                .get("allOrNone")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            let records = request
                .get("records")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            (all, records.into_iter().map(Item::Record).collect())
        }
        "DELETE" => {
            let all = param("allOrNone").is_some_and(|v| v.eq_ignore_ascii_case("true"));
            let ids = param("ids").unwrap_or_default();
            (
                all,
                ids.split(',')
                    .filter(|s| !s.is_empty())
                    .map(|s| Item::Id(s.to_owned()))
                    .collect(),
            )
        }
        _ => {
            return Err(RestError::new(
                405,
                SfError::new(
                    "METHOD_NOT_ALLOWED",
                    format!("HTTP Method '{method}' not allowed. Allowed are POST,PATCH,DELETE"),
                ),
            ));
        }
    };
    if items.len() > 200 {
        return Err(RestError::bad(SfError::new(
            "EXCEEDED_ID_LIMIT",
            "record limit reached. cannot submit more than 200 records into this call",
        )));
    }
    let types: Vec<Option<&'static schema::ObjectDef>> = items.iter().map(|i| i.object()).collect();
    let has_setup = types.iter().flatten().any(|o| o.setup);
    let has_data = types.iter().flatten().any(|o| !o.setup);
    if has_setup && has_data {
        let error = SfError::dml(
            "MIXED_DML_OPERATION",
            "DML operation on setup object is not permitted after you have updated a non-setup object (or vice versa)",
            &[],
        );
        let results: Vec<Value> = items
            .iter()
            .map(|_| json!({"success": false, "errors": [error.status_json()]}))
            .collect();
        return Ok(Reply {
            status: 200,
            body: Some(Value::Array(results)),
            location: None,
        });
    }
    let snapshot = all_or_none.then(|| org.clone());
    let mut results = Vec::new();
    let mut any_failed = false;
    for item in &items {
        let outcome = match (method, item) {
            ("POST", Item::Record(record)) => {
                let object = record
                    .pointer("/attributes/type")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                dml::create(org, access, object, record).map(Some)
            }
            ("PATCH", Item::Record(record)) => {
                let object = record
                    .pointer("/attributes/type")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let id = record
                    .get("id")
                    .or_else(|| record.get("Id"))
                    .or_else(|| record.pointer("/attributes/id"))
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
                dml::update(org, access, object, &id, record).map(|()| Some(id))
            }
            (_, Item::Id(id)) => match schema::object_for_id(id) {
                Some(def) => dml::delete(org, access, def.name, id).map(|()| Some(id.clone())),
                None => Err(RestError::bad(SfError::dml(
                    "MALFORMED_ID",
                    format!("malformed id {id}"),
                    &[],
                ))),
            },
            _ => Err(RestError::bad(SfError::new(
                "INVALID_FIELD",
                "unexpected record",
            ))),
        };
        match outcome {
            Ok(id) => results.push(Some(json!({"id": id, "success": true, "errors": []}))),
            Err(error) => {
                any_failed = true;
                let errors: Vec<Value> = error
                    .errors
                    .iter()
                    .map(|e| {
                        let mut e = e.clone();
                        if e.fields.is_none() {
                            e.fields = Some(Vec::new());
                        }
                        e.status_json()
                    })
                    .collect();
                let mut entry = json!({"success": false, "errors": errors});
                if let Item::Id(id) = item {
                    entry["id"] = Value::String(id.clone());
                }
                results.push(Some(entry));
            }
        }
    }
    if any_failed && let Some(snapshot) = snapshot {
        restore(org, snapshot);
        for result in results.iter_mut().flatten() {
            if result.get("success").and_then(Value::as_bool) == Some(true) {
                *result = json!({"success": false, "errors": [{"statusCode": "ALL_OR_NONE_OPERATION_ROLLED_BACK", "message": ROLLED_BACK, "fields": []}]});
            }
        }
    }
    let body: Vec<Value> = results.into_iter().flatten().collect();
    Ok(Reply {
        status: 200,
        body: Some(Value::Array(body)),
        location: None,
    })
}

enum Item {
    Record(Value),
    Id(String),
}

impl Item {
    fn object(&self) -> Option<&'static schema::ObjectDef> {
        match self {
            Item::Record(record) => record
                .pointer("/attributes/type")
                .and_then(Value::as_str)
                .and_then(schema::object),
            Item::Id(id) => schema::object_for_id(id),
        }
    }
}
