//! REST resources: API versions, SOQL queries with pagination, single-record CRUD and
//! describe.
//!
//! Queries are exposed as a stream that fetches the next page (`nextRecordsUrl`) only when
//! the caller has consumed the previous one, so a large result is never collected by
//! accident; [`Session::query_all`] collects, but only up to a cap the caller chooses.

use std::collections::VecDeque;

use futures_util::Stream;
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use url::Url;

use crate::client::{Body, Call, Client, ErrorShape};
use crate::error::{ApiError, Error, Result, null_as_default};
use crate::session::{Session, check_id, check_name, parse_base_url};

/// One entry of the `GET /services/data/` versions list.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ApiVersion {
    /// The release name, e.g. `Spring '26`.
    pub label: String,
    /// The resource path, e.g. `/services/data/v66.0`.
    pub url: String,
    /// The version number, e.g. `66.0`.
    pub version: String,
}

/// One page of a SOQL query result.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct QueryPage<T> {
    /// How many records the whole query matched.
    #[serde(rename = "totalSize")]
    pub total_size: u64,
    /// Whether this is the last page.
    pub done: bool,
    /// The path of the next page, present when `done` is false.
    #[serde(rename = "nextRecordsUrl", default)]
    pub next_records_url: Option<String>,
    /// The records on this page.
    pub records: Vec<T>,
}

/// A save result: from a single create, an sObject Collections call or a composite body.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SaveResult {
    /// The record id, when the save succeeded (or, for deletes, the id concerned).
    #[serde(default)]
    pub id: Option<String>,
    /// Whether the record was saved.
    pub success: bool,
    /// Per-record errors; their code arrives as `statusCode`.
    #[serde(default, deserialize_with = "null_as_default")]
    pub errors: Vec<ApiError>,
    /// For upserts: whether the record was created rather than updated.
    #[serde(default)]
    pub created: Option<bool>,
}

/// The parts of an sObject describe this crate reads.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SObjectDescribe {
    /// The API name, e.g. `Contact`.
    pub name: String,
    /// The singular label.
    #[serde(default)]
    pub label: String,
    /// Whether the caller can create records.
    #[serde(default)]
    pub createable: bool,
    /// Whether the caller can query records.
    #[serde(default)]
    pub queryable: bool,
    /// Whether the caller can update records.
    #[serde(default)]
    pub updateable: bool,
    /// Whether the caller can delete records.
    #[serde(default)]
    pub deletable: bool,
    /// The object's fields.
    #[serde(default, deserialize_with = "null_as_default")]
    pub fields: Vec<FieldDescribe>,
}

/// The parts of a field describe this crate reads.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldDescribe {
    /// The API name, e.g. `Title`.
    pub name: String,
    /// The label.
    #[serde(default)]
    pub label: String,
    /// The field type, e.g. `string` or `reference`.
    #[serde(rename = "type", default)]
    pub field_type: String,
    /// Whether the field can be set on create.
    #[serde(default)]
    pub createable: bool,
    /// Whether the field can be set on update.
    #[serde(default)]
    pub updateable: bool,
    /// Whether the field may be empty.
    #[serde(default)]
    pub nillable: bool,
    /// Whether Salesforce fills the field on create.
    #[serde(default)]
    pub defaulted_on_create: bool,
    /// The maximum length of text fields.
    #[serde(default)]
    pub length: u64,
    /// Whether field-level security can be granted on the field.
    #[serde(default)]
    pub permissionable: bool,
}

impl Client {
    /// Lists the API versions an instance supports (`GET /services/data/`, no
    /// authentication).
    ///
    /// # Errors
    ///
    /// Returns an [`Error`] if the URL is invalid, the request fails or the body is not a
    /// versions list.
    pub async fn versions(&self, instance_url: &str) -> Result<Vec<ApiVersion>> {
        let mut url = parse_base_url(instance_url)?;
        url.set_path("/services/data/");
        let call = Call {
            method: Method::GET,
            url,
            token: None,
            body: Body::Empty,
            shape: ErrorShape::Rest,
        };
        self.send(call).await?.json()
    }
}

/// Where the next query page comes from.
#[derive(Debug)]
enum NextPage {
    First(String),
    Locator(String),
}

#[derive(Debug)]
struct QueryState<T> {
    session: Session,
    next: Option<NextPage>,
    buffer: VecDeque<T>,
}

impl Session {
    /// Runs a SOQL query and streams its records, fetching each further page only when the
    /// previous one has been consumed.
    ///
    /// Each record deserialises into `T`; use [`serde_json::Value`] for untyped records.
    /// The stream ends after the first error.
    pub fn query<T>(&self, soql: &str) -> impl Stream<Item = Result<T>> + Send + 'static
    where
        T: DeserializeOwned + Send + 'static,
    {
        let state = QueryState {
            session: self.clone(),
            next: Some(NextPage::First(soql.to_owned())),
            buffer: VecDeque::new(),
        };
        futures_util::stream::try_unfold(state, |mut state| async move {
            loop {
                if let Some(record) = state.buffer.pop_front() {
                    return Ok(Some((record, state)));
                }
                let Some(next) = state.next.take() else {
                    return Ok(None);
                };
                let page: QueryPage<T> = state.session.fetch_page(next).await?;
                // A page that is not the last must say where the next one is; a missing
                // locator ends the stream rather than looping.
                if !page.done {
                    state.next = page.next_records_url.map(NextPage::Locator);
                }
                state.buffer.extend(page.records);
            }
        })
    }

    /// Fetches the first page of a SOQL query.
    ///
    /// # Errors
    ///
    /// Returns [`Error::Api`] with `MALFORMED_QUERY`, `INVALID_FIELD` or `INVALID_TYPE` for
    /// a query Salesforce refuses, or a transport or decoding error.
    pub async fn query_page<T: DeserializeOwned>(&self, soql: &str) -> Result<QueryPage<T>> {
        self.fetch_page(NextPage::First(soql.to_owned())).await
    }

    /// Fetches the page at a `nextRecordsUrl`.
    ///
    /// # Errors
    ///
    /// Returns [`Error::InvalidUrl`] if the locator is not a path on this instance, or the
    /// errors of [`Session::query_page`].
    pub async fn query_more<T: DeserializeOwned>(
        &self,
        next_records_url: &str,
    ) -> Result<QueryPage<T>> {
        self.fetch_page(NextPage::Locator(next_records_url.to_owned()))
            .await
    }

    /// Runs a SOQL query and collects every record, refusing results larger than `cap`.
    ///
    /// # Errors
    ///
    /// Returns [`Error::QueryTooLarge`] when the query matches more than `cap` records
    /// (checked on the first page, before fetching the rest), or the errors of
    /// [`Session::query_page`].
    pub async fn query_all<T: DeserializeOwned>(&self, soql: &str, cap: usize) -> Result<Vec<T>> {
        let mut page: QueryPage<T> = self.query_page(soql).await?;
        let too_large = |total_size: u64| Error::QueryTooLarge { cap, total_size };
        if usize::try_from(page.total_size).map_or(true, |total| total > cap) {
            return Err(too_large(page.total_size));
        }
        let mut records = Vec::with_capacity(usize::try_from(page.total_size).unwrap_or(cap));
        loop {
            records.append(&mut page.records);
            if records.len() > cap {
                return Err(too_large(page.total_size.max(records.len() as u64)));
            }
            match (page.done, page.next_records_url.take()) {
                (false, Some(next)) => page = self.query_more(&next).await?,
                _ => return Ok(records),
            }
        }
    }

    async fn fetch_page<T: DeserializeOwned>(&self, next: NextPage) -> Result<QueryPage<T>> {
        let url = match next {
            NextPage::First(soql) => {
                let mut url = self.data_url("query")?;
                url.query_pairs_mut().append_pair("q", &soql);
                url
            }
            NextPage::Locator(path) => self.path_url(&path)?,
        };
        self.send(Method::GET, url, Body::Empty).await?.json()
    }

    /// Creates a record (`POST /sobjects/<Type>/`).
    ///
    /// # Errors
    ///
    /// Returns [`Error::Api`] with the Salesforce codes (e.g. `DUPLICATE_USERNAME`,
    /// `INVALID_FIELD_FOR_INSERT_UPDATE`) when the record is refused.
    pub async fn create<F: Serialize + ?Sized>(
        &self,
        sobject: &str,
        fields: &F,
    ) -> Result<SaveResult> {
        check_name("sObject name", sobject, false)?;
        let url = self.data_url(&format!("sobjects/{sobject}/"))?;
        self.send(Method::POST, url, json_body(fields)?)
            .await?
            .json()
    }

    /// Reads a record, optionally only some fields (`GET /sobjects/<Type>/<Id>`).
    ///
    /// # Errors
    ///
    /// Returns [`Error::Api`] with `NOT_FOUND` for a missing record, or a decoding error if
    /// the record does not fit `T`.
    pub async fn get<T: DeserializeOwned>(
        &self,
        sobject: &str,
        id: &str,
        fields: &[&str],
    ) -> Result<T> {
        check_name("sObject name", sobject, false)?;
        check_id(id)?;
        let mut url = self.data_url(&format!("sobjects/{sobject}/{id}"))?;
        if !fields.is_empty() {
            for field in fields {
                check_name("field name", field, true)?;
            }
            url.query_pairs_mut()
                .append_pair("fields", &fields.join(","));
        }
        self.send(Method::GET, url, Body::Empty).await?.json()
    }

    /// Updates a record (`PATCH /sobjects/<Type>/<Id>`, 204 on success).
    ///
    /// # Errors
    ///
    /// Returns [`Error::Api`] when the update is refused.
    pub async fn update<F: Serialize + ?Sized>(
        &self,
        sobject: &str,
        id: &str,
        fields: &F,
    ) -> Result<()> {
        check_name("sObject name", sobject, false)?;
        check_id(id)?;
        let url = self.data_url(&format!("sobjects/{sobject}/{id}"))?;
        self.send(Method::PATCH, url, json_body(fields)?)
            .await
            .map(drop)
    }

    /// Deletes a record (`DELETE /sobjects/<Type>/<Id>`, 204 on success).
    ///
    /// # Errors
    ///
    /// Returns [`Error::Api`] with `NOT_FOUND` or `ENTITY_IS_DELETED` when there is nothing
    /// to delete.
    pub async fn delete(&self, sobject: &str, id: &str) -> Result<()> {
        check_name("sObject name", sobject, false)?;
        check_id(id)?;
        let url = self.data_url(&format!("sobjects/{sobject}/{id}"))?;
        self.send(Method::DELETE, url, Body::Empty).await.map(drop)
    }

    /// Describes an sObject (`GET /sobjects/<Type>/describe`).
    ///
    /// # Errors
    ///
    /// Returns [`Error::Api`] with `NOT_FOUND` or `INVALID_TYPE` for an object the caller
    /// cannot see.
    pub async fn describe(&self, sobject: &str) -> Result<SObjectDescribe> {
        check_name("sObject name", sobject, false)?;
        let url = self.data_url(&format!("sobjects/{sobject}/describe"))?;
        self.send(Method::GET, url, Body::Empty).await?.json()
    }

    /// Sends a GET to any path on the instance and decodes the JSON reply; an escape hatch
    /// for resources this crate does not wrap (e.g. `/services/data/v66.0/limits`).
    ///
    /// # Errors
    ///
    /// Returns [`Error::InvalidUrl`] for a path off the instance, or the request's error.
    pub async fn get_json<T: DeserializeOwned>(&self, path: &str) -> Result<T> {
        let url: Url = self.path_url(path)?;
        self.send(Method::GET, url, Body::Empty).await?.json()
    }
}

pub(crate) fn json_body<F: Serialize + ?Sized>(value: &F) -> Result<Body> {
    serde_json::to_vec(value)
        .map(Body::Json)
        .map_err(|e| Error::InvalidArgument {
            what: "request body",
            value: e.to_string(),
        })
}
