//! Integration tests of the simulated org over real HTTP on loopback.

#![expect(clippy::unwrap_used, reason = "test helpers fail loudly on purpose")]

mod composite;
mod jwt;
mod mdapi;
mod rest;
mod rules;

use std::sync::{Once, OnceLock};

use serde_json::{Value, json};
use sfiu_sim::{RunningOrg, Scenario, Settings, StartOptions};

pub(crate) const V: &str = "/services/data/v66.0";

pub(crate) fn fixture(name: &str) -> String {
    let path = format!(
        "{}/../../../shared/fixtures/salesforce/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    fs_err::read_to_string(path).unwrap()
}

pub(crate) fn fixture_json(name: &str) -> Value {
    serde_json::from_str(&fixture(name)).unwrap()
}

/// The set of keys of a JSON object (or of the first element of an array).
pub(crate) fn keys(value: &Value) -> Vec<String> {
    let object = match value {
        Value::Array(items) => items.first().and_then(Value::as_object),
        Value::Object(map) => Some(map),
        _ => None,
    };
    let mut keys: Vec<String> = object
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    keys.sort();
    keys
}

pub(crate) struct Sim {
    pub(crate) org: RunningOrg,
    pub(crate) http: reqwest::Client,
    pub(crate) token: String,
}

pub(crate) async fn sim(scenario: Scenario) -> Sim {
    sim_with(scenario, None).await
}

pub(crate) fn install_provider() {
    static PROVIDER: Once = Once::new();
    PROVIDER.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

pub(crate) async fn sim_with(scenario: Scenario, settings: Option<Settings>) -> Sim {
    install_provider();
    let mut options = StartOptions::new(scenario);
    options.settings = settings;
    let org = sfiu_sim::start(options).await.unwrap();
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let token = org.admin_access_token();
    Sim { org, http, token }
}

pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) headers: reqwest::header::HeaderMap,
    pub(crate) text: String,
}

impl Reply {
    pub(crate) fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or(Value::Null)
    }
    pub(crate) fn limit(&self) -> Option<String> {
        self.headers
            .get("Sforce-Limit-Info")
            .map(|v| v.to_str().unwrap().to_owned())
    }
}

impl Sim {
    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.org.instance_url())
    }

    pub(crate) async fn send(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = self.http.request(method, self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap();
        Reply {
            status,
            headers,
            text,
        }
    }

    pub(crate) async fn get(&self, path: &str) -> Reply {
        self.send("GET", path, Some(&self.token.clone()), None)
            .await
    }

    pub(crate) async fn post(&self, path: &str, body: Value) -> Reply {
        self.send("POST", path, Some(&self.token.clone()), Some(body))
            .await
    }

    pub(crate) async fn query_as(&self, token: &str, soql: &str) -> Reply {
        let url = format!("{V}/query?q={}", encode(soql));
        self.send("GET", &url, Some(token), None).await
    }

    pub(crate) async fn query(&self, soql: &str) -> Reply {
        let token = self.token.clone();
        self.query_as(&token, soql).await
    }

    /// The first record's field of an admin query.
    pub(crate) async fn one(&self, soql: &str, field: &str) -> Value {
        let reply = self.query(soql).await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        reply.json()["records"][0][field].clone()
    }

    pub(crate) async fn create(&self, object: &str, body: Value) -> Reply {
        self.post(&format!("{V}/sobjects/{object}"), body).await
    }

    pub(crate) async fn create_id(&self, object: &str, body: Value) -> String {
        let reply = self.create(object, body).await;
        assert_eq!(reply.status, 201, "{}", reply.text);
        reply.json()["id"].as_str().unwrap().to_owned()
    }

    pub(crate) async fn integration_profile(&self) -> String {
        self.one(
            "SELECT Id FROM Profile WHERE UserLicense.Name = 'Salesforce Integration'",
            "Id",
        )
        .await
        .as_str()
        .unwrap()
        .to_owned()
    }

    pub(crate) async fn psl(&self) -> String {
        self.one("SELECT Id FROM PermissionSetLicense WHERE DeveloperName = 'SalesforceAPIIntegrationPsl'", "Id")
            .await
            .as_str()
            .unwrap()
            .to_owned()
    }

    pub(crate) async fn new_integration_user(&self, alias: &str) -> String {
        let profile = self.integration_profile().await;
        self.create_id("User", user_body(alias, &profile)).await
    }
}

pub(crate) fn user_body(alias: &str, profile: &str) -> Value {
    let suffix = std::process::id();
    json!({
        "Username": format!("{alias}.{suffix}.{}@sim-test.example.com", unique()),
        "LastName": format!("{alias} Integration"), "Email": "ops@sim-test.example.com",
        "Alias": alias.chars().take(8).collect::<String>(), "TimeZoneSidKey": "America/Los_Angeles",
        "LocaleSidKey": "en_US", "EmailEncodingKey": "UTF-8", "LanguageLocaleKey": "en_US", "ProfileId": profile,
    })
}

pub(crate) fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

pub(crate) fn encode(text: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// A test RSA key (PKCS#8 PEM) and its self-signed certificate (PEM).
pub(crate) struct TestKey {
    pub(crate) key_pem: String,
    pub(crate) cert_pem: String,
}

fn make_key() -> TestKey {
    use rsa::pkcs8::EncodePrivateKey;
    let key = rsa::PrivateKey::new(&mut getrandom::SysRng, 2048).unwrap();
    let key_pem = key
        .to_pkcs8_pem(rsa::pkcs8::LineEnding::LF)
        .unwrap()
        .to_string();
    let pair =
        rcgen::KeyPair::from_pkcs8_pem_and_sign_algo(&key_pem, &rcgen::PKCS_RSA_SHA256).unwrap();
    let cert = rcgen::CertificateParams::new(vec!["sim-test".to_owned()])
        .unwrap()
        .self_signed(&pair)
        .unwrap();
    TestKey {
        key_pem,
        cert_pem: cert.pem(),
    }
}

pub(crate) fn key() -> &'static TestKey {
    static KEY: OnceLock<TestKey> = OnceLock::new();
    KEY.get_or_init(make_key)
}

pub(crate) fn other_key() -> &'static TestKey {
    static KEY: OnceLock<TestKey> = OnceLock::new();
    KEY.get_or_init(make_key)
}
