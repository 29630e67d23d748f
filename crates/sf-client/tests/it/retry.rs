//! Retries: transient failures are retried with backoff, semantic errors are not.

use std::time::Duration;

use serde_json::{Value, json};
use sfiu_sf_client::{Client, Error};

use crate::support::{Mock, client, fast_retries, fixture, json};

const CREATE_PATH: &str = "/services/data/v66.0/sobjects/Contact/";

#[tokio::test]
async fn retries_row_lock_contention_then_succeeds() {
    let mock = Mock::start().await;
    mock.on(
        "POST",
        CREATE_PATH,
        vec![
            json(400, fixture("rest-error-unable-to-lock-row.json")),
            json(500, fixture("rest-error-unable-to-lock-row.json")),
            json(201, fixture("sobject-create-success.json")),
        ],
    );
    let client = client();
    let session = mock.session(&client);

    let saved = session
        .create("Contact", &json!({"LastName": "x"}))
        .await
        .unwrap();

    assert!(saved.success);
    assert_eq!(mock.requests().len(), 3);
    assert_eq!(client.round_trips(), 3);
}

#[tokio::test]
async fn retries_a_503_then_succeeds() {
    let mock = Mock::start().await;
    mock.on(
        "GET",
        "/services/data/v66.0/query",
        vec![
            json(503, "Service Unavailable"),
            json(200, r#"{"totalSize":0,"done":true,"records":[]}"#),
        ],
    );
    let client = client();
    let session = mock.session(&client);

    let rows: Vec<Value> = session.query_all("SELECT Id FROM User", 10).await.unwrap();

    assert!(rows.is_empty());
    assert_eq!(client.round_trips(), 2);
}

#[tokio::test]
async fn does_not_retry_a_semantic_error() {
    let mock = Mock::start().await;
    mock.on(
        "GET",
        "/services/data/v66.0/query",
        vec![json(400, fixture("rest-error-invalid-field-soql.json"))],
    );
    let client = client();
    let session = mock.session(&client);

    let error = session
        .query_all::<Value>("SELECT foo__c FROM Lead", 10)
        .await
        .unwrap_err();

    assert_eq!(error.error_code(), Some("INVALID_FIELD"));
    assert_eq!(error.status(), Some(400));
    assert_eq!(client.round_trips(), 1);
}

#[tokio::test]
async fn gives_up_after_the_configured_retries() {
    let mock = Mock::start().await;
    mock.on(
        "POST",
        CREATE_PATH,
        vec![json(400, fixture("rest-error-unable-to-lock-row.json"))],
    );
    let client = Client::builder()
        .retry_policy(fast_retries(2))
        .build()
        .unwrap();
    let session = mock.session(&client);

    let error = session.create("Contact", &json!({})).await.unwrap_err();

    assert!(error.is_transient());
    assert_eq!(error.error_code(), Some("UNABLE_TO_LOCK_ROW"));
    assert_eq!(client.round_trips(), 3);
}

#[tokio::test]
async fn retries_a_request_that_timed_out() {
    let mock = Mock::start().await;
    mock.on(
        "POST",
        CREATE_PATH,
        vec![
            json(201, fixture("sobject-create-success.json")).delayed(Duration::from_millis(800)),
            json(201, fixture("sobject-create-success.json")),
        ],
    );
    let client = Client::builder()
        .retry_policy(fast_retries(2))
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let session = mock.session(&client);

    let saved = session.create("Contact", &json!({})).await.unwrap();

    assert!(saved.success);
    assert_eq!(client.round_trips(), 2);
}

#[tokio::test]
async fn retries_a_refused_connection_and_reports_it() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let client = Client::builder()
        .retry_policy(fast_retries(2))
        .build()
        .unwrap();

    let error = client.versions(&url).await.unwrap_err();

    assert!(matches!(error, Error::Transport { .. }), "{error:?}");
    assert!(error.is_transient());
    assert_eq!(client.round_trips(), 3);
}
