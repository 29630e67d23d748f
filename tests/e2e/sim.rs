//! `sfiu sim serve` on its own, driven by a plain HTTP client the way any Salesforce client
//! would: list versions, query the licences, create a user, create an app through the
//! Metadata API, and get a JWT bearer token for the user.

use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Instant;

use serde_json::{Value, json};
use sfiu_jwt::{Assertion, Audience, Certificate, CertificateOptions, KeySize, PrivateKey};

/// Stops the served org when the test ends, whatever happens.
struct Served(Child);

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("a client without TLS roots to load always builds")
}

#[test]
fn served_org_answers_a_plain_http_client_from_versions_to_a_jwt_token() {
    let folder = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_sfiu"))
        .args(["sim", "serve", "--port", "0", "--state"])
        .arg(folder.path().join("org.json"))
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let served = Served(child);
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    // Reported, not asserted: timing belongs to benchmarks.
    eprintln!("sim serve answered after {:?}", started.elapsed());
    let session: Value = serde_json::from_str(&line).unwrap();
    let instance = session["instance_url"].as_str().unwrap().to_owned();
    let token = session["access_token"].as_str().unwrap().to_owned();
    assert!(instance.starts_with("http://127.0.0.1:"), "{instance}");
    assert!(session["org_id"].as_str().unwrap().starts_with("00D"));

    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let http = client();
        let versions: Value =
            http.get(format!("{instance}/services/data/")).send().await.unwrap().json().await.unwrap();
        assert!(versions.as_array().unwrap().iter().any(|v| v["version"] == "66.0"));

        let data = format!("{instance}/services/data/v66.0");
        let query = |soql: &str| {
            let encoded: String = url::form_urlencoded::byte_serialize(soql.as_bytes()).collect();
            http.get(format!("{data}/query?q={encoded}")).bearer_auth(&token).send()
        };
        let licences: Value = query(
            "SELECT Name, TotalLicenses, UsedLicenses FROM UserLicense WHERE Name = 'Salesforce Integration'",
        )
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
        assert_eq!(licences["records"][0]["TotalLicenses"], 5);
        let profiles: Value = query(
            "SELECT Id, Name FROM Profile WHERE UserLicense.Name = 'Salesforce Integration'",
        )
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
        let profile = &profiles["records"][0];

        let created = http
            .post(format!("{data}/sobjects/User"))
            .bearer_auth(&token)
            .json(&json!({
                "Username": "curl-like@acme.example", "LastName": "Plain", "Email": "ops@acme.example",
                "Alias": "plain", "TimeZoneSidKey": "GMT", "LocaleSidKey": "en_US",
                "EmailEncodingKey": "UTF-8", "LanguageLocaleKey": "en_US", "ProfileId": profile["Id"],
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(created.status().as_u16(), 201);

        // A Connected App pre-authorised through the user's profile, made with a raw SOAP call.
        let now = time::OffsetDateTime::now_utc();
        let key = PrivateKey::generate(KeySize::Rsa2048).unwrap();
        let certificate = Certificate::self_signed(&key, &CertificateOptions::new("plain client"), now).unwrap();
        let envelope = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<env:Envelope xmlns:env="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<env:Header><SessionHeader xmlns="http://soap.sforce.com/2006/04/metadata"><sessionId>{token}</sessionId></SessionHeader></env:Header>
<env:Body><createMetadata xmlns="http://soap.sforce.com/2006/04/metadata"><metadata xsi:type="ConnectedApp">
<fullName>Plain_Client</fullName><contactEmail>ops@acme.example</contactEmail><label>Plain Client</label>
<oauthConfig><callbackUrl>https://login.salesforce.com/services/oauth2/success</callbackUrl>
<certificate>{}</certificate><consumerKey>PLAIN_CLIENT_KEY_0123456789</consumerKey><isAdminApproved>true</isAdminApproved><scopes>Api</scopes></oauthConfig>
<oauthPolicy><ipRelaxation>ENFORCE</ipRelaxation><refreshTokenPolicy>infinite</refreshTokenPolicy></oauthPolicy>
<profileName>{}</profileName>
</metadata></createMetadata></env:Body></env:Envelope>"#,
            certificate.to_base64_body(),
            profile["Name"].as_str().unwrap()
        );
        let soap = http
            .post(format!("{instance}/services/Soap/m/66.0"))
            .header("Content-Type", "text/xml; charset=UTF-8")
            .header("SOAPAction", "\"\"")
            .body(envelope)
            .send()
            .await
            .unwrap();
        let soap_text = soap.text().await.unwrap();
        assert!(soap_text.contains("<success>true</success>"), "{soap_text}");

        let assertion = Assertion::new("PLAIN_CLIENT_KEY_0123456789", "curl-like@acme.example", Audience::production())
            .unwrap()
            .sign(&key, now)
            .unwrap();
        let grant = http
            .post(format!("{instance}/services/oauth2/token"))
            .form(&[
                ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
                ("assertion", assertion.expose()),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(grant.status().as_u16(), 200);
        let body: Value = grant.json().await.unwrap();
        assert!(body["access_token"].as_str().is_some_and(|t| !t.is_empty()));
        assert!(body.get("refresh_token").is_none());
        assert!(body["id"].as_str().unwrap().contains("/id/00D"));
    });
    drop(served);
}
