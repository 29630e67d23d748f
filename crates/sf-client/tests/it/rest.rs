//! Versions, queries with pagination, CRUD, describe and REST error mapping.

use futures_util::{StreamExt as _, TryStreamExt as _};
use serde::Deserialize;
use serde_json::{Value, json};
use sfiu_sf_client::{Error, SaveResult};

use crate::support::{Mock, client, fast_retries, fixture, json};

#[tokio::test]
async fn lists_versions_without_authentication() {
    let mock = Mock::start().await;
    mock.on(
        "GET",
        "/services/data/",
        vec![json(200, fixture("versions-list.json")).no_limit()],
    );
    let client = client();

    let versions = client.versions(&mock.url).await.unwrap();

    assert_eq!(versions.len(), 4);
    assert_eq!(versions[2].label, "Spring '26");
    assert_eq!(versions[2].version, "66.0");
    assert_eq!(mock.requests()[0].authorization, None);
    assert_eq!(client.api_usage(), None);
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
struct Account {
    name: String,
}

fn three_pages(mock: &Mock) {
    let page2 = json!({
        "totalSize": 3, "done": false,
        "nextRecordsUrl": "/services/data/v66.0/query/01gRO0000016PIAYA2-1000",
        "records": [{"attributes": {"type": "Account"}, "Name": "Test 2"}]
    });
    let page3 = json!({
        "totalSize": 3, "done": true,
        "records": [{"attributes": {"type": "Account"}, "Name": "Test 3"}]
    });
    mock.on(
        "GET",
        "/services/data/v66.0/query",
        vec![json(200, fixture("query-page1.json"))],
    )
    .on(
        "GET",
        "/services/data/v66.0/query/01gRO0000016PIAYA2-500",
        vec![json(200, page2.to_string())],
    )
    .on(
        "GET",
        "/services/data/v66.0/query/01gRO0000016PIAYA2-1000",
        vec![json(200, page3.to_string())],
    );
}

#[tokio::test]
async fn streams_a_query_across_three_pages() {
    let mock = Mock::start().await;
    three_pages(&mock);
    let client = client();
    let session = mock.session(&client);

    let accounts: Vec<Account> = session
        .query("SELECT Name FROM Account")
        .try_collect()
        .await
        .unwrap();

    let names: Vec<_> = accounts.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["Test 1", "Test 2", "Test 3"]);
    let requests = mock.requests();
    assert_eq!(requests.len(), 3);
    assert_eq!(
        requests[0].query.as_deref(),
        Some("q=SELECT+Name+FROM+Account")
    );
    assert_eq!(
        requests[1].path,
        "/services/data/v66.0/query/01gRO0000016PIAYA2-500"
    );
    assert_eq!(requests[1].query, None);
    assert_eq!(
        requests[2].authorization.as_deref(),
        Some("Bearer 00D000000000001!TESTTOKEN")
    );
    assert_eq!(client.round_trips(), 3);
}

#[tokio::test]
async fn fetches_further_pages_only_when_consumed() {
    let mock = Mock::start().await;
    three_pages(&mock);
    let client = client();
    let session = mock.session(&client);

    let first: Vec<Value> = session
        .query::<Value>("SELECT Name FROM Account")
        .take(1)
        .try_collect()
        .await
        .unwrap();

    assert_eq!(first.len(), 1);
    assert_eq!(mock.requests().len(), 1);
}

#[tokio::test]
async fn query_all_refuses_results_over_the_cap_after_one_page() {
    let mock = Mock::start().await;
    three_pages(&mock);
    let client = client();
    let session = mock.session(&client);

    let error = session
        .query_all::<Value>("SELECT Name FROM Account", 100)
        .await
        .unwrap_err();

    assert!(
        matches!(
            error,
            Error::QueryTooLarge {
                cap: 100,
                total_size: 3222
            }
        ),
        "{error:?}"
    );
    assert_eq!(mock.requests().len(), 1);
}

#[tokio::test]
async fn query_all_collects_every_page_under_the_cap() {
    let mock = Mock::start().await;
    three_pages(&mock);
    let client = client();
    let session = mock.session(&client);

    let accounts: Vec<Account> = session
        .query_all("SELECT Name FROM Account", 5000)
        .await
        .unwrap();

    assert_eq!(accounts.len(), 3);
    assert_eq!(
        accounts[2],
        Account {
            name: "Test 3".into()
        }
    );
}

#[tokio::test]
async fn refuses_a_next_page_on_another_host() {
    let mock = Mock::start().await;
    let page = json!({
        "totalSize": 2, "done": false,
        "nextRecordsUrl": "https://elsewhere.invalid/services/data/v66.0/query/x-500",
        "records": [{"Name": "a"}]
    });
    mock.on(
        "GET",
        "/services/data/v66.0/query",
        vec![json(200, page.to_string())],
    );
    let client = client();
    let session = mock.session(&client);

    let results: Vec<_> = session
        .query::<Value>("SELECT Name FROM Account")
        .collect()
        .await;

    assert_eq!(results.len(), 2);
    assert!(results[0].is_ok());
    assert!(
        matches!(results[1], Err(Error::InvalidUrl { .. })),
        "{:?}",
        results[1]
    );
    assert_eq!(mock.requests().len(), 1);
}

#[tokio::test]
async fn maps_each_rest_error_fixture_to_a_typed_error() {
    // (fixture, status, errorCode, fields, transient)
    let cases: &[(&str, u16, &str, &[&str], bool)] = &[
        (
            "rest-error-duplicate-username.json",
            400,
            "DUPLICATE_USERNAME",
            &["Username"],
            false,
        ),
        (
            "rest-error-insufficient-access-password.json",
            403,
            "INSUFFICIENT_ACCESS",
            &[],
            false,
        ),
        (
            "rest-error-invalid-field-for-insert-update.json",
            400,
            "INVALID_FIELD_FOR_INSERT_UPDATE",
            &["IsClosedOnCreate"],
            false,
        ),
        (
            "rest-error-invalid-field-soql.json",
            400,
            "INVALID_FIELD",
            &[],
            false,
        ),
        (
            "rest-error-invalid-session-id.json",
            401,
            "INVALID_SESSION_ID",
            &[],
            false,
        ),
        (
            "rest-error-invalid-type.json",
            400,
            "INVALID_TYPE",
            &[],
            false,
        ),
        (
            "rest-error-license-integrity-psa.json",
            400,
            "FIELD_INTEGRITY_EXCEPTION",
            &[],
            false,
        ),
        ("rest-error-not-found.json", 404, "NOT_FOUND", &[], false),
        (
            "rest-error-psa-duplicate.json",
            400,
            "DUPLICATE_VALUE",
            &[],
            false,
        ),
        (
            "rest-error-request-limit-exceeded.json",
            403,
            "REQUEST_LIMIT_EXCEEDED",
            &[],
            false,
        ),
        (
            "rest-error-unable-to-lock-row.json",
            400,
            "UNABLE_TO_LOCK_ROW",
            &[],
            true,
        ),
    ];
    for &(name, status, code, fields, transient) in cases {
        let mock = Mock::start().await;
        mock.on(
            "POST",
            "/services/data/v66.0/sobjects/User/",
            vec![json(status, fixture(name))],
        );
        let client = sfiu_sf_client::Client::builder()
            .retry_policy(fast_retries(0))
            .build()
            .unwrap();
        let session = mock.session(&client);

        let error = session
            .create("User", &json!({"LastName": "x"}))
            .await
            .unwrap_err();

        let Error::Api {
            request,
            status: got,
            errors,
        } = &error
        else {
            panic!("{name}: expected an API error, got {error:?}");
        };
        assert_eq!(*got, status, "{name}");
        assert_eq!(errors[0].error_code, code, "{name}");
        assert!(!errors[0].message.is_empty(), "{name}");
        assert_eq!(errors[0].fields, fields, "{name}");
        assert_eq!(error.is_transient(), transient, "{name}");
        assert_eq!(error.error_code(), Some(code));
        assert_eq!(request.method, "POST");
        assert!(
            request.url.ends_with("/services/data/v66.0/sobjects/User/"),
            "{}",
            request.url
        );
        let message = error.to_string();
        assert!(message.contains(&format!("`{code}`")), "{message}");
        assert!(!message.contains("TESTTOKEN"), "{message}");
        assert_eq!(error.is_invalid_session(), code == "INVALID_SESSION_ID");
    }
}

#[tokio::test]
async fn creates_reads_updates_deletes_and_describes() {
    let mock = Mock::start().await;
    let id = "001D000000IqhSLIAZ";
    let record_path = format!("/services/data/v66.0/sobjects/Account/{id}");
    let describe = json!({
        "name": "Account", "label": "Account", "createable": true, "queryable": true,
        "fields": [{"name": "Name", "label": "Account Name", "type": "string", "createable": true,
                    "updateable": true, "nillable": false, "length": 255, "permissionable": false}]
    });
    mock.on(
        "POST",
        "/services/data/v66.0/sobjects/Account/",
        vec![json(201, fixture("sobject-create-success.json"))],
    )
    .on(
        "GET",
        &record_path,
        vec![json(
            200,
            r#"{"attributes":{"type":"Account"},"Name":"Acme"}"#,
        )],
    )
    .on("PATCH", &record_path, vec![json(204, "")])
    .on("DELETE", &record_path, vec![json(204, "")])
    .on(
        "GET",
        "/services/data/v66.0/sobjects/Account/describe",
        vec![json(200, describe.to_string())],
    );
    let client = client();
    let session = mock.session(&client);

    let created: SaveResult = session
        .create("Account", &json!({"Name": "Acme"}))
        .await
        .unwrap();
    let account: Account = session.get("Account", id, &["Name"]).await.unwrap();
    session
        .update("Account", id, &json!({"Name": "Acme 2"}))
        .await
        .unwrap();
    session.delete("Account", id).await.unwrap();
    let describe = session.describe("Account").await.unwrap();

    assert_eq!(created.id.as_deref(), Some(id));
    assert!(created.success);
    assert_eq!(account.name, "Acme");
    assert_eq!(describe.fields[0].name, "Name");
    assert!(!describe.fields[0].permissionable);
    let requests = mock.requests();
    assert_eq!(requests[0].body, r#"{"Name":"Acme"}"#);
    assert_eq!(
        requests[0].content_type.as_deref(),
        Some("application/json")
    );
    assert_eq!(requests[1].query.as_deref(), Some("fields=Name"));
    assert_eq!(requests[2].method, "PATCH");
    assert_eq!(requests[3].method, "DELETE");
    assert_eq!(client.round_trips(), 5);
}

#[tokio::test]
async fn refuses_path_segments_before_sending() {
    let mock = Mock::start().await;
    let client = client();
    let session = mock.session(&client);

    let error = session
        .create("Account/../User", &json!({}))
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::InvalidArgument {
                what: "sObject name",
                ..
            }
        ),
        "{error:?}"
    );
    let error = session.delete("Account", "001/../../x").await.unwrap_err();
    assert!(
        matches!(
            error,
            Error::InvalidArgument {
                what: "record id",
                ..
            }
        ),
        "{error:?}"
    );
    assert!(mock.requests().is_empty());
    assert_eq!(client.round_trips(), 0);
}
