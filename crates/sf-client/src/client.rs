//! The HTTP transport every call goes through: timeouts, retries, logging, the round-trip
//! counter and the API usage figure.
//!
//! Keeping one send path means every request, whatever the API (REST, SOAP, OAuth), is
//! counted, timed, logged with a redacted URL, retried only when the failure is transient,
//! and mapped to the crate's [`Error`].

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::header::{self, HeaderMap, HeaderValue};
use reqwest::{Method, StatusCode};
use tracing::Instrument as _;
use url::Url;

use crate::error::{ApiError, Error, OAuthError, RequestInfo, Result};
use crate::limits::ApiUsage;
use crate::redact::redact_parsed;
use crate::retry::RetryPolicy;
use crate::secret::AccessToken;
use crate::xml::Element;

/// The header that carries the org's API usage on every REST response.
const LIMIT_HEADER: &str = "sforce-limit-info";

/// Configures a [`Client`].
#[derive(Debug, Clone)]
pub struct ClientBuilder {
    timeout: Duration,
    connect_timeout: Duration,
    retry: RetryPolicy,
    user_agent: String,
    system_proxy: bool,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(10),
            retry: RetryPolicy::default(),
            user_agent: concat!("sfiu-sf-client/", env!("CARGO_PKG_VERSION")).to_owned(),
            system_proxy: false,
        }
    }
}

impl ClientBuilder {
    /// Sets the time limit for one request attempt, from connecting to the end of the body.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets the time limit for establishing a connection.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Sets the retry policy for transient failures.
    pub fn retry_policy(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Sets the `User-Agent` header.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// Lets the HTTP stack honour the system's proxy settings (the `HTTPS_PROXY` family of
    /// environment variables). Off by default: this crate reads no environment unless the
    /// caller asks for it.
    pub fn use_system_proxy(mut self, enabled: bool) -> Self {
        self.system_proxy = enabled;
        self
    }

    /// Builds the client.
    ///
    /// # Errors
    ///
    /// Returns [`Error::Build`] if the TLS stack cannot be initialised.
    pub fn build(self) -> Result<Client> {
        // reqwest is built without a default crypto provider; ring is installed here. A
        // provider installed earlier (by the caller or another client) is fine as it is.
        let _ = rustls::crypto::ring::default_provider().install_default();

        let mut http = reqwest::Client::builder()
            .timeout(self.timeout)
            .connect_timeout(self.connect_timeout)
            .user_agent(self.user_agent)
            // Salesforce APIs answer directly; following a redirect could carry the bearer
            // token to another host.
            .redirect(reqwest::redirect::Policy::none());
        if !self.system_proxy {
            http = http.no_proxy();
        }
        let http = http.build().map_err(Error::Build)?;
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                retry: self.retry,
                round_trips: AtomicU64::new(0),
                usage: Mutex::new(None),
            }),
        })
    }
}

/// The Salesforce HTTP client: cheap to clone, and every clone shares the round-trip counter
/// and the latest API usage figure.
///
/// Unauthenticated calls ([`Client::versions`], the OAuth token flows) live here; calls that
/// need an access token go through a [`Session`](crate::Session) from [`Client::session`].
#[derive(Debug, Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    http: reqwest::Client,
    retry: RetryPolicy,
    round_trips: AtomicU64,
    usage: Mutex<Option<ApiUsage>>,
}

/// How a failed response's body is to be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ErrorShape {
    Rest,
    OAuth,
    Soap,
}

/// A request body, kept as bytes so that a retry can send it again.
#[derive(Debug, Clone)]
pub(crate) enum Body {
    Empty,
    Json(Vec<u8>),
    Form(String),
    Soap { xml: String, action: &'static str },
}

/// One logical request; [`Client::send`] may put it on the wire several times.
#[derive(Debug)]
pub(crate) struct Call<'a> {
    pub(crate) method: Method,
    pub(crate) url: Url,
    pub(crate) token: Option<&'a AccessToken>,
    pub(crate) body: Body,
    pub(crate) shape: ErrorShape,
}

/// A successful response.
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    pub(crate) body: Vec<u8>,
    pub(crate) request: RequestInfo,
}

impl Reply {
    pub(crate) fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T> {
        serde_json::from_slice(&self.body).map_err(|source| Error::Decode {
            request: self.request.clone(),
            source,
        })
    }

    pub(crate) fn xml(&self) -> Result<Element> {
        let text = String::from_utf8_lossy(&self.body);
        Element::parse(&text).map_err(|source| Error::Xml {
            context: self.request.to_string(),
            source,
        })
    }
}

impl Client {
    /// A client with the default timeouts and retry policy.
    ///
    /// # Errors
    ///
    /// Returns [`Error::Build`] if the TLS stack cannot be initialised.
    pub fn new() -> Result<Self> {
        ClientBuilder::default().build()
    }

    /// Starts configuring a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The number of HTTP requests sent so far by this client and its clones, retries
    /// included.
    pub fn round_trips(&self) -> u64 {
        self.inner.round_trips.load(Ordering::Relaxed)
    }

    /// The latest `Sforce-Limit-Info` API usage seen, if any response carried one.
    pub fn api_usage(&self) -> Option<ApiUsage> {
        match self.inner.usage.lock() {
            Ok(guard) => *guard,
            Err(poisoned) => **poisoned.get_ref(),
        }
    }

    /// Refuses to start work that needs `needed` more API requests than the org has left
    /// today, going by the latest usage figure.
    ///
    /// With no figure yet (no authenticated response seen), there is nothing to go by and
    /// the check passes; make one cheap call first when the answer matters.
    ///
    /// # Errors
    ///
    /// Returns [`Error::ApiBudget`] with the numbers when `needed` exceeds what remains.
    pub fn ensure_api_budget(&self, needed: u64) -> Result<()> {
        match self.api_usage() {
            Some(usage) if needed > usage.remaining() => Err(Error::ApiBudget {
                used: usage.used,
                limit: usage.limit,
                remaining: usage.remaining(),
                needed,
            }),
            _ => Ok(()),
        }
    }

    fn record_usage(&self, usage: ApiUsage) {
        match self.inner.usage.lock() {
            Ok(mut guard) => *guard = Some(usage),
            Err(poisoned) => *poisoned.into_inner() = Some(usage),
        }
    }

    /// Sends a request, retrying transient failures under the client's policy.
    pub(crate) async fn send(&self, call: Call<'_>) -> Result<Reply> {
        let request = RequestInfo {
            method: call.method.to_string(),
            url: redact_parsed(&call.url),
        };
        let mut retry = 0;
        loop {
            let span = tracing::debug_span!(
                "sf_request",
                method = %request.method,
                url = %request.url,
                attempt = retry + 1,
            );
            let outcome = self.attempt(&call, &request).instrument(span).await;
            match outcome {
                Err(error) if error.is_transient() && retry < self.inner.retry.max_retries => {
                    retry += 1;
                    let delay = self.inner.retry.backoff(retry);
                    // Row-lock contention, 503s and dropped connections are documented as
                    // clearing on their own, so the same request is sent again after a pause.
                    tracing::debug!(
                        retry,
                        delay_ms = delay.as_millis(),
                        code = error.error_code().unwrap_or(""),
                        "retrying after a transient failure"
                    );
                    tokio::time::sleep(delay).await;
                }
                outcome => return outcome,
            }
        }
    }

    async fn attempt(&self, call: &Call<'_>, request: &RequestInfo) -> Result<Reply> {
        let mut builder = self
            .inner
            .http
            .request(call.method.clone(), call.url.clone());
        if let Some(token) = call.token {
            let mut value =
                HeaderValue::try_from(format!("Bearer {}", token.expose())).map_err(|_| {
                    Error::InvalidArgument {
                        what: "access token",
                        value: "***".into(),
                    }
                })?;
            value.set_sensitive(true);
            builder = builder.header(header::AUTHORIZATION, value);
        }
        builder = match &call.body {
            Body::Empty => builder,
            Body::Json(bytes) => builder
                .header(header::CONTENT_TYPE, "application/json")
                .body(bytes.clone()),
            Body::Form(form) => builder
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(form.clone()),
            Body::Soap { xml, action } => builder
                .header(header::CONTENT_TYPE, "text/xml; charset=utf-8")
                .header("SOAPAction", *action)
                .body(xml.clone()),
        };
        if call.shape != ErrorShape::Soap {
            builder = builder.header(header::ACCEPT, "application/json");
        }

        self.inner.round_trips.fetch_add(1, Ordering::Relaxed);
        let started = Instant::now();
        let response = builder.send().await.map_err(|source| Error::Transport {
            request: request.clone(),
            source,
        })?;
        let status = response.status();
        let limit_info = limit_info(response.headers());
        if let Some(usage) = limit_info.as_deref().and_then(ApiUsage::parse_header) {
            self.record_usage(usage);
        }
        let body = response.bytes().await.map_err(|source| Error::Transport {
            request: request.clone(),
            source,
        })?;
        tracing::debug!(
            status = status.as_u16(),
            duration_ms = started.elapsed().as_millis(),
            limit_info = limit_info.as_deref().unwrap_or(""),
            "salesforce responded"
        );

        if status.is_success() {
            return Ok(Reply {
                status,
                body: body.to_vec(),
                request: request.clone(),
            });
        }
        Err(failure(call.shape, status, &body, request))
    }
}

fn limit_info(headers: &HeaderMap) -> Option<String> {
    headers.get(LIMIT_HEADER)?.to_str().ok().map(str::to_owned)
}

/// Maps a non-2xx response to the matching error variant. The body is read but never
/// logged: OAuth bodies in particular may echo what was sent.
fn failure(shape: ErrorShape, status: StatusCode, body: &[u8], request: &RequestInfo) -> Error {
    let request = request.clone();
    let status = status.as_u16();
    match shape {
        ErrorShape::Rest => {
            if let Ok(errors) = serde_json::from_slice::<Vec<ApiError>>(body) {
                return Error::Api {
                    request,
                    status,
                    errors,
                };
            }
            // The user password resource documents a bare object rather than an array.
            if let Ok(error) = serde_json::from_slice::<ApiError>(body) {
                return Error::Api {
                    request,
                    status,
                    errors: vec![error],
                };
            }
        }
        ErrorShape::OAuth => {
            if let Ok(error) = serde_json::from_slice::<OAuthError>(body) {
                return Error::OAuth {
                    request,
                    status,
                    error,
                };
            }
        }
        ErrorShape::Soap => {
            if let Some(fault) = crate::metadata::soap::parse_fault(body) {
                return Error::Soap {
                    request,
                    status,
                    fault,
                };
            }
        }
    }
    Error::Http { request, status }
}
