//! Composite and sObject Collections, including per-record errors and chunking.

use serde_json::{Value, json};
use sfiu_sf_client::{CompositeRequest, CompositeSubrequest};

use crate::support::{Mock, client, fixture, json};

#[tokio::test]
async fn sends_a_composite_request_and_parses_the_response() {
    let mock = Mock::start().await;
    mock.on(
        "POST",
        "/services/data/v66.0/composite",
        vec![json(200, fixture("composite-success.json"))],
    );
    let client = client();
    let session = mock.session(&client);
    let request = CompositeRequest {
        all_or_none: true,
        collate_subrequests: None,
        composite_request: vec![
            CompositeSubrequest::new(
                "POST",
                session.data_path("sobjects/Account"),
                "refNewAccount",
            )
            .with_body(json!({"Name": "Acme"})),
        ],
    };

    let response = session.composite(&request).await.unwrap();

    let sub = &response.composite_response[0];
    assert!(sub.is_success());
    assert_eq!(sub.http_status_code, 201);
    assert_eq!(sub.reference_id, "refNewAccount");
    assert_eq!(
        sub.http_headers.get("Location").map(String::as_str),
        Some("/services/data/v51.0/sobjects/Account/001R0000006hfeZIAQ")
    );
    let saved: sfiu_sf_client::SaveResult = sub.body_as().unwrap();
    assert_eq!(saved.id.as_deref(), Some("001R0000006hfeZIAQ"));
    assert!(sub.errors().is_empty());
    let sent: Value = serde_json::from_str(&mock.requests()[0].body).unwrap();
    assert_eq!(
        sent,
        json!({"allOrNone": true, "compositeRequest": [{
            "method": "POST", "url": "/services/data/v66.0/sobjects/Account",
            "referenceId": "refNewAccount", "body": {"Name": "Acme"}}]})
    );
}

#[tokio::test]
async fn reports_halted_subrequests_of_an_all_or_none_composite() {
    let mock = Mock::start().await;
    mock.on(
        "POST",
        "/services/data/v66.0/composite",
        vec![json(200, fixture("composite-allornone-true-failure.json"))],
    );
    let client = client();
    let session = mock.session(&client);
    let request = CompositeRequest {
        all_or_none: true,
        collate_subrequests: Some(false),
        composite_request: vec![],
    };

    let response = session.composite(&request).await.unwrap();

    let sub = &response.composite_response[0];
    assert!(!sub.is_success());
    assert_eq!(sub.http_status_code, 400);
    let errors = sub.errors();
    assert_eq!(errors[0].error_code, "PROCESSING_HALTED");
    assert!(
        errors[0]
            .message
            .starts_with("The transaction was rolled back")
    );
}

#[tokio::test]
async fn collections_create_returns_per_record_results_with_status_codes() {
    let mock = Mock::start().await;
    mock.on(
        "POST",
        "/services/data/v66.0/composite/sobjects",
        vec![json(
            200,
            fixture("composite-sobjects-allornone-false.json"),
        )],
    );
    let client = client();
    let session = mock.session(&client);
    let records = [
        json!({"AssigneeId": "005000000000001", "PermissionSetId": "0PS000000000001"}),
        json!({"AssigneeId": "005000000000002", "PermissionSetId": "0PS000000000001"}),
    ];

    let results = session
        .create_records("PermissionSetAssignment", &records, false)
        .await
        .unwrap();

    assert_eq!(results.len(), 2);
    assert!(results[0].success);
    assert_eq!(results[0].id.as_deref(), Some("0Pa000000000000"));
    assert!(!results[1].success);
    assert_eq!(results[1].errors[0].error_code, "FOO");
    assert_eq!(results[1].errors[0].message, "Delphic exception message");
    let sent: Value = serde_json::from_str(&mock.requests()[0].body).unwrap();
    assert_eq!(sent["allOrNone"], json!(false));
    assert_eq!(
        sent["records"][1]["attributes"]["type"],
        json!("PermissionSetAssignment")
    );
    assert_eq!(sent["records"][1]["AssigneeId"], json!("005000000000002"));
}

#[tokio::test]
async fn collections_all_or_none_reports_rolled_back_records() {
    let mock = Mock::start().await;
    mock.on(
        "PATCH",
        "/services/data/v66.0/composite/sobjects",
        vec![json(200, fixture("composite-sobjects-allornone-true.json"))],
    );
    let client = client();
    let session = mock.session(&client);
    let records = [
        json!({"Id": "0PS000000000001AAA"}),
        json!({"Id": "0PS000000000002AAA"}),
    ];

    let results = session
        .update_records("PermissionSet", &records, true)
        .await
        .unwrap();

    assert_eq!(results[0].errors[0].error_code, "DUPLICATES_DETECTED");
    assert_eq!(
        results[1].errors[0].error_code,
        "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    );
    assert!(results.iter().all(|r| !r.success));
}

#[tokio::test]
async fn collections_split_large_batches_into_calls_of_200() {
    let mock = Mock::start().await;
    mock.on(
        "POST",
        "/services/data/v66.0/composite/sobjects",
        vec![json(
            200,
            fixture("composite-sobjects-allornone-false.json"),
        )],
    );
    let client = client();
    let session = mock.session(&client);
    let records: Vec<Value> = (0..450).map(|n| json!({"Name": format!("n{n}")})).collect();

    let results = session
        .create_records("Account", &records, false)
        .await
        .unwrap();

    let sizes: Vec<usize> = mock
        .requests()
        .iter()
        .map(|r| {
            serde_json::from_str::<Value>(&r.body).unwrap()["records"]
                .as_array()
                .unwrap()
                .len()
        })
        .collect();
    assert_eq!(sizes, [200, 200, 50]);
    assert_eq!(results.len(), 6, "two results per canned response");
    assert_eq!(client.round_trips(), 3);
}

#[tokio::test]
async fn collections_delete_passes_ids_and_all_or_none() {
    let mock = Mock::start().await;
    mock.on(
        "DELETE",
        "/services/data/v66.0/composite/sobjects",
        vec![json(
            200,
            fixture("composite-sobjects-allornone-false.json"),
        )],
    );
    let client = client();
    let session = mock.session(&client);

    let results = session
        .delete_records(&["0Pa000000000000", "0Pa000000000001"], true)
        .await
        .unwrap();

    assert_eq!(results.len(), 2);
    assert_eq!(
        mock.requests()[0].query.as_deref(),
        Some("ids=0Pa000000000000%2C0Pa000000000001&allOrNone=true")
    );
}
