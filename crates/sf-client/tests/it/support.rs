//! A scripted loopback server that plays canned Salesforce responses and records requests.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use sfiu_sf_client::{AccessToken, Client, Connection, RetryPolicy, Session};

pub(crate) fn fixture(name: &str) -> String {
    let path = format!(
        "{}/../../../shared/fixtures/salesforce/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    fs_err::read_to_string(path).unwrap()
}

#[derive(Debug, Clone)]
pub(crate) struct Canned {
    pub(crate) status: u16,
    pub(crate) content_type: &'static str,
    pub(crate) body: String,
    pub(crate) limit_info: Option<String>,
    pub(crate) delay: Duration,
}

pub(crate) fn json(status: u16, body: impl Into<String>) -> Canned {
    Canned {
        status,
        content_type: "application/json",
        body: body.into(),
        limit_info: Some("api-usage=10/15000".into()),
        delay: Duration::ZERO,
    }
}

pub(crate) fn xml(status: u16, body: impl Into<String>) -> Canned {
    Canned {
        content_type: "text/xml",
        limit_info: None,
        ..json(status, body)
    }
}

impl Canned {
    pub(crate) fn limit(mut self, value: &str) -> Self {
        self.limit_info = Some(value.into());
        self
    }

    pub(crate) fn no_limit(mut self) -> Self {
        self.limit_info = None;
        self
    }

    pub(crate) fn delayed(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Recorded {
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) query: Option<String>,
    pub(crate) authorization: Option<String>,
    pub(crate) content_type: Option<String>,
    pub(crate) soap_action: Option<String>,
    pub(crate) body: String,
}

#[derive(Debug)]
struct Route {
    method: String,
    path: String,
    responses: VecDeque<Canned>,
}

#[derive(Debug, Default)]
struct MockState {
    routes: Mutex<Vec<Route>>,
    requests: Mutex<Vec<Recorded>>,
}

pub(crate) struct Mock {
    pub(crate) url: String,
    state: Arc<MockState>,
}

impl Mock {
    pub(crate) async fn start() -> Mock {
        let state = Arc::new(MockState::default());
        let app = axum::Router::new()
            .fallback(handle)
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Mock {
            url: format!("http://{address}"),
            state,
        }
    }

    /// Serves `responses` in order for `method path`; the last one repeats.
    pub(crate) fn on(&self, method: &str, path: &str, responses: Vec<Canned>) -> &Self {
        self.state.routes.lock().unwrap().push(Route {
            method: method.into(),
            path: path.into(),
            responses: responses.into(),
        });
        self
    }

    pub(crate) fn requests(&self) -> Vec<Recorded> {
        self.state.requests.lock().unwrap().clone()
    }

    pub(crate) fn session(&self, client: &Client) -> Session {
        client
            .session(Connection {
                instance_url: self.url.clone(),
                access_token: AccessToken::new("00D000000000001!TESTTOKEN"),
                api_version: "66.0".into(),
            })
            .unwrap()
    }
}

pub(crate) fn fast_retries(max_retries: u32) -> RetryPolicy {
    RetryPolicy {
        max_retries,
        initial_backoff: Duration::from_millis(1),
        max_backoff: Duration::from_millis(5),
        multiplier: 2.0,
    }
}

pub(crate) fn client() -> Client {
    Client::builder()
        .retry_policy(fast_retries(3))
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

async fn handle(State(state): State<Arc<MockState>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let header = |name: &str| {
        parts
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let body = to_bytes(body, 10 << 20).await.unwrap();
    let recorded = Recorded {
        method: parts.method.to_string(),
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().map(str::to_owned),
        authorization: header("authorization"),
        content_type: header("content-type"),
        soap_action: header("soapaction"),
        body: String::from_utf8_lossy(&body).into_owned(),
    };
    state.requests.lock().unwrap().push(recorded.clone());

    let canned = {
        let mut routes = state.routes.lock().unwrap();
        routes
            .iter_mut()
            .find(|r| r.method == recorded.method && r.path == recorded.path)
            .map(|route| {
                if route.responses.len() > 1 {
                    route.responses.pop_front().unwrap()
                } else {
                    route.responses.front().unwrap().clone()
                }
            })
    };
    let Some(canned) = canned else {
        return Response::builder()
            .status(StatusCode::NOT_FOUND)
            .body(Body::from(fixture("rest-error-not-found.json")))
            .unwrap();
    };
    if !canned.delay.is_zero() {
        tokio::time::sleep(canned.delay).await;
    }
    let mut response = Response::builder()
        .status(canned.status)
        .header("content-type", canned.content_type)
        .body(Body::from(canned.body))
        .unwrap();
    if let Some(limit) = canned.limit_info {
        response
            .headers_mut()
            .insert("sforce-limit-info", HeaderValue::from_str(&limit).unwrap());
    }
    response
}
