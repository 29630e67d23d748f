//! Several records in one round trip: the Composite resource and sObject Collections.
//!
//! A setup run creates dozens of permission rows; batching them keeps the run inside the
//! daily API allowance. Composite chains dependent requests through `referenceId`s, and
//! Collections saves up to 200 records of one kind per call, with one result per record.

use std::collections::BTreeMap;

use reqwest::Method;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::client::Body;
use crate::error::{ApiError, Error, Result, null_as_default};
use crate::rest::{SaveResult, json_body};
use crate::session::{Session, check_id, check_name};

/// The most records sObject Collections accepts in one call.
pub const COLLECTION_CHUNK: usize = 200;

/// A Composite request body (`POST /composite`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CompositeRequest {
    /// Roll back every subrequest when one fails.
    pub all_or_none: bool,
    /// Whether Salesforce may group subrequests (defaults to true from API 49.0).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub collate_subrequests: Option<bool>,
    /// The subrequests, in order; later ones may refer to `@{referenceId.id}`.
    pub composite_request: Vec<CompositeSubrequest>,
}

/// One subrequest of a [`CompositeRequest`].
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CompositeSubrequest {
    /// The HTTP method, e.g. `POST`.
    pub method: String,
    /// The resource path, e.g. from [`Session::data_path`].
    pub url: String,
    /// The name later subrequests use to refer to this one's result.
    pub reference_id: String,
    /// The JSON body, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
    /// Extra headers; `Accept`, `Authorization` and `Content-Type` are not allowed.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub http_headers: BTreeMap<String, String>,
}

impl CompositeSubrequest {
    /// A subrequest without a body.
    pub fn new(method: &str, url: impl Into<String>, reference_id: impl Into<String>) -> Self {
        Self {
            method: method.to_owned(),
            url: url.into(),
            reference_id: reference_id.into(),
            body: None,
            http_headers: BTreeMap::new(),
        }
    }

    /// Sets the JSON body.
    pub fn with_body(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }
}

/// The Composite response: one entry per subrequest, always with HTTP 200 overall.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CompositeResponse {
    /// The subresponses, in request order.
    pub composite_response: Vec<CompositeSubresponse>,
}

/// The result of one subrequest.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CompositeSubresponse {
    /// The body: a record, a save result or an error array.
    #[serde(default)]
    pub body: Value,
    /// Response headers such as `Location`.
    #[serde(default, deserialize_with = "null_as_default")]
    pub http_headers: BTreeMap<String, String>,
    /// The subrequest's own HTTP status.
    pub http_status_code: u16,
    /// The subrequest's `referenceId`.
    pub reference_id: String,
}

impl CompositeSubresponse {
    /// Whether the subrequest succeeded (2xx).
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.http_status_code)
    }

    /// The errors of a failed subrequest (e.g. `PROCESSING_HALTED` for those rolled back
    /// with `allOrNone`); empty for a success.
    pub fn errors(&self) -> Vec<ApiError> {
        if self.is_success() {
            return Vec::new();
        }
        serde_json::from_value(self.body.clone()).unwrap_or_default()
    }

    /// Decodes the body of a successful subrequest.
    ///
    /// # Errors
    ///
    /// Returns [`Error::InvalidArgument`] if the body does not fit `T`.
    pub fn body_as<T: DeserializeOwned>(&self) -> Result<T> {
        serde_json::from_value(self.body.clone()).map_err(|e| Error::InvalidArgument {
            what: "composite subresponse body",
            value: e.to_string(),
        })
    }
}

impl Session {
    /// Sends a Composite request (`POST /composite`).
    ///
    /// # Errors
    ///
    /// Returns [`Error::Api`] when the whole request is refused (e.g. a forbidden
    /// subrequest header); per-subrequest failures are in the response.
    pub async fn composite(&self, request: &CompositeRequest) -> Result<CompositeResponse> {
        let url = self.data_url("composite")?;
        self.send(Method::POST, url, json_body(request)?)
            .await?
            .json()
    }

    /// Creates records of one type through sObject Collections, in calls of at most 200.
    ///
    /// Results come back in input order. With `all_or_none`, each call of up to 200 is
    /// atomic on its own; earlier calls stay committed when a later one fails.
    ///
    /// # Errors
    ///
    /// Returns [`Error::InvalidArgument`] if a record does not serialise to a JSON object,
    /// or [`Error::Api`] when a call is refused as a whole.
    pub async fn create_records<R: Serialize>(
        &self,
        sobject: &str,
        records: &[R],
        all_or_none: bool,
    ) -> Result<Vec<SaveResult>> {
        self.save_records(Method::POST, sobject, records, all_or_none)
            .await
    }

    /// Updates records of one type through sObject Collections; each record must carry its
    /// `Id`. Chunking and ordering are as for [`Session::create_records`].
    ///
    /// # Errors
    ///
    /// As for [`Session::create_records`].
    pub async fn update_records<R: Serialize>(
        &self,
        sobject: &str,
        records: &[R],
        all_or_none: bool,
    ) -> Result<Vec<SaveResult>> {
        self.save_records(Method::PATCH, sobject, records, all_or_none)
            .await
    }

    /// Deletes records by id through sObject Collections, in calls of at most 200.
    ///
    /// # Errors
    ///
    /// Returns [`Error::InvalidArgument`] for a malformed id, or [`Error::Api`] when a call
    /// is refused as a whole.
    pub async fn delete_records(&self, ids: &[&str], all_or_none: bool) -> Result<Vec<SaveResult>> {
        for id in ids {
            check_id(id)?;
        }
        let mut results = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(COLLECTION_CHUNK) {
            let mut url = self.data_url("composite/sobjects")?;
            url.query_pairs_mut()
                .append_pair("ids", &chunk.join(","))
                .append_pair("allOrNone", if all_or_none { "true" } else { "false" });
            let reply = self.send(Method::DELETE, url, Body::Empty).await?;
            results.extend(reply.json::<Vec<SaveResult>>()?);
        }
        Ok(results)
    }

    async fn save_records<R: Serialize>(
        &self,
        method: Method,
        sobject: &str,
        records: &[R],
        all_or_none: bool,
    ) -> Result<Vec<SaveResult>> {
        check_name("sObject name", sobject, false)?;
        let typed = records
            .iter()
            .map(|record| with_attributes(sobject, record))
            .collect::<Result<Vec<_>>>()?;

        let mut results = Vec::with_capacity(typed.len());
        for chunk in typed.chunks(COLLECTION_CHUNK) {
            let body = serde_json::json!({ "allOrNone": all_or_none, "records": chunk });
            let url = self.data_url("composite/sobjects")?;
            let reply = self.send(method.clone(), url, json_body(&body)?).await?;
            results.extend(reply.json::<Vec<SaveResult>>()?);
        }
        Ok(results)
    }
}

/// Adds `"attributes": {"type": <sobject>}`, which Collections needs on every record,
/// unless the record already names its type.
fn with_attributes<R: Serialize>(sobject: &str, record: &R) -> Result<Value> {
    let not_object = |detail: String| Error::InvalidArgument {
        what: "collection record",
        value: detail,
    };
    let value = serde_json::to_value(record).map_err(|e| not_object(e.to_string()))?;
    let Value::Object(mut fields) = value else {
        return Err(not_object("expected a JSON object".into()));
    };
    // Collections accepts several types in one call; a record naming its own type keeps it.
    if fields
        .get("attributes")
        .and_then(|attributes| attributes.get("type"))
        .is_some_and(Value::is_string)
    {
        return Ok(Value::Object(fields));
    }
    let mut attributes = Map::new();
    attributes.insert("type".into(), Value::String(sobject.to_owned()));
    fields.insert("attributes".into(), Value::Object(attributes));
    Ok(Value::Object(fields))
}
