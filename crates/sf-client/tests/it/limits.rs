//! `Sforce-Limit-Info` tracking and the API budget check.

use serde_json::Value;
use sfiu_sf_client::{ApiUsage, Error};

use crate::support::{Mock, client, json};

const EMPTY: &str = r#"{"totalSize":0,"done":true,"records":[]}"#;

#[tokio::test]
async fn tracks_the_latest_usage_and_refuses_a_run_that_would_exhaust_it() {
    let mock = Mock::start().await;
    mock.on(
        "GET",
        "/services/data/v66.0/query",
        vec![
            json(200, EMPTY)
                .limit("api-usage=18/5000; per-app-api-usage=17/250(appName=sample-connected-app)"),
            json(200, EMPTY).limit("api-usage=4950/5000"),
        ],
    );
    let client = client();
    let session = mock.session(&client);
    assert_eq!(client.api_usage(), None);
    client.ensure_api_budget(1_000_000).unwrap();

    let _: Vec<Value> = session.query_all("SELECT Id FROM User", 1).await.unwrap();
    assert_eq!(
        client.api_usage(),
        Some(ApiUsage {
            used: 18,
            limit: 5000
        })
    );
    client.ensure_api_budget(100).unwrap();

    let _: Vec<Value> = session.query_all("SELECT Id FROM User", 1).await.unwrap();
    assert_eq!(client.api_usage().unwrap().remaining(), 50);
    client.ensure_api_budget(50).unwrap();
    let error = client.ensure_api_budget(100).unwrap_err();

    assert!(
        matches!(
            error,
            Error::ApiBudget {
                used: 4950,
                limit: 5000,
                remaining: 50,
                needed: 100
            }
        ),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        "the run needs `100` API requests but only `50` of the daily `5000` remain (`4950` used)"
    );
}

#[tokio::test]
async fn clones_share_the_usage_and_the_round_trip_count() {
    let mock = Mock::start().await;
    mock.on(
        "GET",
        "/services/data/v66.0/query",
        vec![json(200, EMPTY).limit("api-usage=7/100")],
    );
    let client = client();
    let clone = client.clone();
    let session = mock.session(&clone);

    let _: Vec<Value> = session.query_all("SELECT Id FROM User", 1).await.unwrap();

    assert_eq!(client.round_trips(), 1);
    assert_eq!(
        client.api_usage(),
        Some(ApiUsage {
            used: 7,
            limit: 100
        })
    );
}
