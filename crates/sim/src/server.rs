//! The HTTP server: one axum fallback handler that logs, injects faults and latency, and
//! dispatches to REST, OAuth, the Metadata API and the control endpoints.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use serde_json::Value;
use tokio::sync::oneshot;

use crate::control::{Control, Counters, Fault, FaultAction, LoggedRequest};
use crate::error::{Error, Result};
use crate::scenario::{self, Scenario};
use crate::settings::Settings;
use crate::store::OrgData;
use crate::{mdapi, oauth, rest};

/// How to start a simulated org.
#[derive(Clone, Debug)]
pub struct StartOptions {
    /// The starting state (ignored when `state_file` exists).
    pub scenario: Scenario,
    /// Settings; `None` uses [`Scenario::default_settings`] (or the saved ones).
    pub settings: Option<Settings>,
    /// Port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// Load the org from this JSON file if it exists, and save it after every write.
    pub state_file: Option<PathBuf>,
}

impl StartOptions {
    /// Options for a scenario on a free port, without persistence.
    pub fn new(scenario: Scenario) -> StartOptions {
        StartOptions {
            scenario,
            settings: None,
            port: 0,
            state_file: None,
        }
    }
}

/// State shared by every request of one running org.
pub(crate) struct Shared {
    org: Mutex<OrgData>,
    control: Mutex<Control>,
    pub(crate) base_url: String,
    state_file: Option<PathBuf>,
}

impl Shared {
    pub(crate) fn org(&self) -> MutexGuard<'_, OrgData> {
        self.org.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn control(&self) -> MutexGuard<'_, Control> {
        self.control.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Saves the org if persistence is on; failures are logged, the request still succeeds.
    fn persist(&self) {
        if let Some(path) = &self.state_file {
            let org = self.org();
            if let Err(error) = org.save(path) {
                tracing::warn!(%error, "could not save the simulated org");
            }
        }
    }
}

/// A simulated org serving on loopback.
pub struct RunningOrg {
    shared: Arc<Shared>,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl std::fmt::Debug for RunningOrg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunningOrg")
            .field("instance_url", &self.shared.base_url)
            .finish_non_exhaustive()
    }
}

/// Starts a simulated org on 127.0.0.1.
///
/// # Errors
///
/// [`Error::Bind`] when the port is taken; [`Error::StateIo`] or [`Error::StateFormat`] when
/// the state file exists but cannot be read.
pub async fn start(options: StartOptions) -> Result<RunningOrg> {
    let mut org = match &options.state_file {
        Some(path) if path.exists() => OrgData::load(path)?,
        _ => {
            let settings = options
                .settings
                .clone()
                .unwrap_or_else(|| options.scenario.default_settings());
            scenario::build(options.scenario, settings)
        }
    };
    if let Some(settings) = options.settings {
        org.settings = settings;
    }
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", options.port))
        .await
        .map_err(|source| Error::Bind {
            port: options.port,
            source,
        })?;
    let address = listener.local_addr().map_err(|source| Error::Bind {
        port: options.port,
        source,
    })?;
    let shared = Arc::new(Shared {
        org: Mutex::new(org),
        control: Mutex::new(Control::default()),
        base_url: format!("http://127.0.0.1:{}", address.port()),
        state_file: options.state_file,
    });
    shared.persist();
    let router = Router::new().fallback(handle).with_state(shared.clone());
    let (sender, receiver) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let server = axum::serve(listener, router).with_graceful_shutdown(async {
            let _ = receiver.await;
        });
        if let Err(error) = server.await {
            tracing::warn!(%error, "simulated org stopped");
        }
    });
    Ok(RunningOrg {
        shared,
        shutdown: Some(sender),
        task: Some(task),
    })
}

impl RunningOrg {
    /// The instance URL (`http://127.0.0.1:<port>`), as returned in `instance_url`.
    pub fn instance_url(&self) -> &str {
        &self.shared.base_url
    }

    /// The login URL: the same server. A JWT `aud` may be this URL, the login host of the
    /// org kind (`https://login.salesforce.com` or `https://test.salesforce.com`), or any of
    /// [`Settings::extra_audiences`].
    pub fn login_url(&self) -> &str {
        &self.shared.base_url
    }

    /// A session token of the System Administrator user.
    pub fn admin_access_token(&self) -> String {
        self.shared.org().admin_token.clone()
    }

    /// The admin user's username.
    pub fn admin_username(&self) -> String {
        let org = self.shared.org();
        org.get("User", &org.admin_user_id)
            .and_then(|u| u.get("Username"))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    }

    /// The 18-character organisation id.
    pub fn org_id(&self) -> String {
        self.shared.org().org_id.clone()
    }

    /// The current settings.
    pub fn settings(&self) -> Settings {
        self.shared.org().settings.clone()
    }

    /// Changes settings while running.
    pub fn update_settings(&self, change: impl FnOnce(&mut Settings)) {
        change(&mut self.shared.org().settings);
        self.shared.persist();
    }

    /// The whole org as JSON (the `--state` file format).
    pub fn snapshot(&self) -> Value {
        serde_json::to_value(&*self.shared.org()).unwrap_or(Value::Null)
    }

    /// Installs a fault.
    pub fn add_fault(&self, fault: Fault) {
        self.shared.control().add_fault(fault);
    }

    /// Removes every fault.
    pub fn clear_faults(&self) {
        self.shared.control().clear_faults();
    }

    /// Delays every request by `latency`.
    pub fn set_latency(&self, latency: Duration) {
        self.shared.control().latency = latency;
    }

    /// The requests served since the last reset (control requests excluded).
    pub fn request_log(&self) -> Vec<LoggedRequest> {
        self.shared.control().log()
    }

    /// Counters over the request log.
    pub fn counters(&self) -> Counters {
        self.shared.control().counters()
    }

    /// Clears the request log and counters.
    pub fn reset_log(&self) {
        self.shared.control().reset_log();
    }

    /// Waits until the server stops (for `sfiu sim serve`, combined with a signal).
    pub async fn shutdown(mut self) {
        if let Some(sender) = self.shutdown.take() {
            let _ = sender.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for RunningOrg {
    fn drop(&mut self) {
        if let Some(sender) = self.shutdown.take() {
            let _ = sender.send(());
        }
    }
}

/// Builds a response with a body and content type.
pub(crate) fn respond(status: u16, content_type: &str, body: impl Into<Body>) -> Response {
    let mut response = Response::new(body.into());
    *response.status_mut() =
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if let Ok(value) = HeaderValue::from_str(content_type) {
        response.headers_mut().insert(header::CONTENT_TYPE, value);
    }
    response
}

/// A JSON response.
pub(crate) fn json(status: u16, body: &Value) -> Response {
    respond(status, "application/json;charset=UTF-8", body.to_string())
}

fn is_write(method: &str, path: &str, body: &[u8]) -> bool {
    if !matches!(method, "POST" | "PATCH" | "PUT" | "DELETE") || path == "/services/oauth2/token" {
        return false;
    }
    if path.starts_with("/services/Soap/") {
        let text = String::from_utf8_lossy(body);
        return ![
            "readMetadata",
            "checkDeployStatus",
            "listMetadata",
            "describeMetadata",
        ]
        .iter()
        .any(|op| text.contains(op));
    }
    // A Composite request is a write only if one of its subrequests is; a batch of GETs (a
    // read of the org) changes nothing.
    if path.ends_with("/composite") {
        return serde_json::from_slice::<Value>(body).map_or(true, |request| {
            request
                .get("compositeRequest")
                .and_then(Value::as_array)
                .is_none_or(|subrequests| {
                    subrequests.iter().any(|subrequest| {
                        subrequest
                            .get("method")
                            .and_then(Value::as_str)
                            .is_none_or(|m| !m.eq_ignore_ascii_case("GET"))
                    })
                })
        });
    }
    !path.ends_with("/query")
}

async fn handle(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let method = parts.method.as_str().to_owned();
    let path = parts.uri.path().to_owned();
    let query = parts.uri.query().map(str::to_owned);
    let Ok(bytes) = axum::body::to_bytes(body, 64 << 20).await else {
        return json(
            413,
            &serde_json::json!([{"message": "request body too large", "errorCode": "REQUEST_TOO_LARGE"}]),
        );
    };
    if path == "/__sim" || path.starts_with("/__sim/") {
        return control_http(&shared, &method, &path, &parts.headers, &bytes);
    }
    let (latency, fault) = {
        let mut control = shared.control();
        (control.latency, control.fault_for(&method, &path))
    };
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let mut faulted = false;
    let response = match fault {
        Some(FaultAction::Respond { status, body }) => {
            faulted = true;
            json(status, &body)
        }
        Some(FaultAction::Hang { millis }) => {
            // The client usually gives up first and hyper then drops this future, so the
            // request is logged before waiting.
            shared.control().record(LoggedRequest {
                seq: 0,
                method: method.clone(),
                path: path.clone(),
                query: query.clone(),
                status: 0,
                is_write: is_write(&method, &path, &bytes),
                faulted: true,
            });
            tokio::time::sleep(Duration::from_millis(millis)).await;
            let response = process(
                &shared,
                &method,
                &path,
                query.as_deref(),
                &parts.headers,
                &bytes,
            );
            if method != "GET" {
                shared.persist();
            }
            return response;
        }
        None => process(
            &shared,
            &method,
            &path,
            query.as_deref(),
            &parts.headers,
            &bytes,
        ),
    };
    let write = is_write(&method, &path, &bytes);
    if method != "GET" && !faulted {
        shared.persist();
    }
    shared.control().record(LoggedRequest {
        seq: 0,
        method,
        path,
        query,
        status: response.status().as_u16(),
        is_write: write,
        faulted,
    });
    response
}

fn process(
    shared: &Shared,
    method: &str,
    path: &str,
    query: Option<&str>,
    headers: &HeaderMap,
    body: &[u8],
) -> Response {
    if path == "/services/oauth2/token" {
        return oauth::token(shared, method, query, body);
    }
    if path.starts_with("/services/Soap/m/") {
        return mdapi::handle(shared, method, body);
    }
    if path == "/services/data" || path.starts_with("/services/data/") {
        return rest::handle(shared, method, path, query, headers, body);
    }
    json(
        404,
        &serde_json::json!([{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}]),
    )
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    (scheme.eq_ignore_ascii_case("Bearer") || scheme.eq_ignore_ascii_case("OAuth"))
        .then(|| token.trim().to_owned())
}

pub(crate) fn bearer_token(headers: &HeaderMap) -> Option<String> {
    bearer(headers)
}

fn control_http(
    shared: &Shared,
    method: &str,
    path: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Response {
    let admin = shared.org().admin_token.clone();
    if bearer(headers).as_deref() != Some(admin.as_str()) {
        return json(
            401,
            &serde_json::json!([{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]),
        );
    }
    let parse = || serde_json::from_slice::<Value>(body);
    let ok = serde_json::json!({"ok": true});
    match (method, path.trim_start_matches("/__sim")) {
        ("GET", "/log") => {
            let control = shared.control();
            json(
                200,
                &serde_json::json!({"requests": control.log(), "counters": control.counters()}),
            )
        }
        ("POST", "/log/reset") => {
            shared.control().reset_log();
            json(200, &ok)
        }
        ("POST", "/faults") => match parse()
            .ok()
            .and_then(|v| serde_json::from_value::<Fault>(v).ok())
        {
            Some(fault) => {
                shared.control().add_fault(fault);
                json(200, &ok)
            }
            None => json(
                400,
                &serde_json::json!([{"message": "body is not a fault", "errorCode": "JSON_PARSER_ERROR"}]),
            ),
        },
        ("DELETE", "/faults") => {
            shared.control().clear_faults();
            json(200, &ok)
        }
        ("POST", "/latency") => match parse()
            .ok()
            .and_then(|v| v.get("millis").and_then(Value::as_u64))
        {
            Some(millis) => {
                shared.control().latency = Duration::from_millis(millis);
                json(200, &ok)
            }
            None => json(
                400,
                &serde_json::json!([{"message": "expected {\"millis\": n}", "errorCode": "JSON_PARSER_ERROR"}]),
            ),
        },
        ("GET", "/state") => json(
            200,
            &serde_json::to_value(&*shared.org()).unwrap_or(Value::Null),
        ),
        ("GET", "/settings") => json(
            200,
            &serde_json::to_value(&shared.org().settings).unwrap_or(Value::Null),
        ),
        ("PUT", "/settings") => match parse()
            .ok()
            .and_then(|v| serde_json::from_value::<Settings>(v).ok())
        {
            Some(settings) => {
                shared.org().settings = settings;
                shared.persist();
                json(200, &ok)
            }
            None => json(
                400,
                &serde_json::json!([{"message": "body is not a settings object", "errorCode": "JSON_PARSER_ERROR"}]),
            ),
        },
        _ => json(
            404,
            &serde_json::json!([{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}]),
        ),
    }
}
