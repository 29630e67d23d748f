//! composite and sObject Collections.

use serde_json::{Value, json};
use sfiu_sim::{Scenario, StartOptions};

use crate::{V, fixture_json, keys, sim};

#[tokio::test]
async fn composite_substitutes_references_and_rolls_back() {
    let sim = sim(Scenario::FreshEnterprise).await;
    let request = json!({"allOrNone": false, "compositeRequest": [
        {"method": "POST", "url": format!("{V}/sobjects/Account"), "referenceId": "refAccount", "body": {"Name": "Composite Co"}},
        {"method": "POST", "url": format!("{V}/sobjects/Contact"), "referenceId": "refContact", "body": {"LastName": "Doe", "AccountId": "@{refAccount.id}"}},
        {"method": "GET", "url": format!("{V}/sobjects/Contact/@{{refContact.id}}?fields=AccountId"), "referenceId": "read"},
    ]});
    let reply = sim.post(&format!("{V}/composite"), request).await;
    assert_eq!(reply.status, 200);
    let body = reply.json();
    let first = &body["compositeResponse"][0];
    let fixture = fixture_json("composite-success.json");
    assert_eq!(keys(first), keys(&fixture["compositeResponse"][0]));
    assert_eq!(first["httpStatusCode"], 201);
    assert!(
        first["httpHeaders"]["Location"]
            .as_str()
            .unwrap()
            .contains("/sobjects/Account/001")
    );
    assert_eq!(
        body["compositeResponse"][2]["body"]["AccountId"],
        first["body"]["id"]
    );

    let request = json!({"allOrNone": true, "compositeRequest": [
        {"method": "POST", "url": format!("{V}/sobjects/Account"), "referenceId": "ok", "body": {"Name": "Rolled Back"}},
        {"method": "POST", "url": format!("{V}/sobjects/Contact"), "referenceId": "newContact", "body": {"FirstName": "No last name"}},
    ]});
    let body = sim.post(&format!("{V}/composite"), request).await.json();
    let fixture = fixture_json("composite-allornone-true-failure.json");
    assert_eq!(
        body["compositeResponse"][0],
        json!({"body": fixture["compositeResponse"][0]["body"], "httpHeaders": {}, "httpStatusCode": 400, "referenceId": "ok"})
    );
    assert_eq!(
        body["compositeResponse"][1]["body"][0]["errorCode"],
        "REQUIRED_FIELD_MISSING"
    );
    assert_eq!(
        sim.query("SELECT Id FROM Account WHERE Name = 'Rolled Back'")
            .await
            .json()["totalSize"],
        0
    );
}

#[tokio::test]
async fn collections_report_per_record_status_codes() {
    let sim = sim(Scenario::FreshEnterprise).await;
    let url = format!("{V}/composite/sobjects");
    let records = json!({"allOrNone": false, "records": [
        {"attributes": {"type": "Account"}, "Name": "One"},
        {"attributes": {"type": "Account"}},
    ]});
    let body = sim.post(&url, records).await.json();
    let fixture = fixture_json("composite-sobjects-allornone-false.json");
    assert_eq!(keys(&body[0]), keys(&fixture[0]));
    assert_eq!(keys(&body[1]["errors"][0]), keys(&fixture[1]["errors"][0]));
    assert_eq!(body[1]["errors"][0]["statusCode"], "REQUIRED_FIELD_MISSING");
    let id = body[0]["id"].as_str().unwrap().to_owned();

    let records = json!({"allOrNone": true, "records": [
        {"attributes": {"type": "Account"}, "Name": "Two"},
        {"attributes": {"type": "Account"}},
    ]});
    let body = sim.post(&url, records).await.json();
    let fixture = fixture_json("composite-sobjects-allornone-true.json");
    assert_eq!(body[0], fixture[1]);
    assert_eq!(
        sim.query("SELECT Id FROM Account WHERE Name = 'Two'")
            .await
            .json()["totalSize"],
        0
    );

    let mixed = json!({"records": [
        {"attributes": {"type": "Account"}, "Name": "Three"},
        {"attributes": {"type": "PermissionSet"}, "Name": "Mixed", "Label": "Mixed"},
    ]});
    assert_eq!(
        sim.post(&url, mixed).await.json()[0]["errors"][0]["statusCode"],
        "MIXED_DML_OPERATION"
    );
    let many: Vec<Value> = (0..201)
        .map(|i| json!({"attributes": {"type": "Account"}, "Name": format!("A{i}")}))
        .collect();
    assert_eq!(sim.post(&url, json!({"records": many})).await.status, 400);

    let patch = json!({"records": [{"attributes": {"type": "Account"}, "id": id, "Phone": "1"}]});
    let reply = sim.send("PATCH", &url, Some(&sim.token), Some(patch)).await;
    assert_eq!(reply.json()[0]["success"], true, "{}", reply.text);
    let reply = sim
        .send(
            "DELETE",
            &format!("{url}?ids={id}&allOrNone=false"),
            Some(&sim.token),
            None,
        )
        .await;
    assert_eq!(
        reply.json()[0],
        json!({"id": id, "success": true, "errors": []})
    );
}

#[tokio::test]
async fn state_round_trips_through_the_state_file() {
    crate::install_provider();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("org.json");
    let mut options = StartOptions::new(Scenario::FreshEnterprise);
    options.state_file = Some(path.clone());
    let org = sfiu_sim::start(options.clone()).await.unwrap();
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let token = org.admin_access_token();
    let response = http
        .post(format!("{}{V}/sobjects/Account", org.instance_url()))
        .bearer_auth(&token)
        .json(&json!({"Name": "Persisted"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 201);
    let before = org.snapshot();
    let org_id = org.org_id();
    org.shutdown().await;
    assert!(path.exists());
    let org = sfiu_sim::start(options).await.unwrap();
    assert_eq!(org.org_id(), org_id);
    assert_eq!(org.admin_access_token(), token);
    assert_eq!(org.snapshot()["tables"], before["tables"]);
    let response = http
        .get(format!(
            "{}{V}/query?q=SELECT+Id+FROM+Account+WHERE+Name+%3D+%27Persisted%27",
            org.instance_url()
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.json::<Value>().await.unwrap()["totalSize"], 1);
}
