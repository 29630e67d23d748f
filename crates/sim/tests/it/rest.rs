//! Versions, authentication, limits, query and CRUD shapes.

use serde_json::{Value, json};
use sfiu_sim::{Fault, Scenario, Settings};

use crate::{V, fixture_json, keys, sim, sim_with};

#[tokio::test]
async fn versions_need_no_auth_and_send_no_limit_header() {
    let sim = sim(Scenario::FreshEnterprise).await;
    let reply = sim.send("GET", "/services/data/", None, None).await;
    assert_eq!(reply.status, 200);
    assert!(reply.limit().is_none());
    let body = reply.json();
    assert_eq!(keys(&body), keys(&fixture_json("versions-list.json")));
    let list = body.as_array().unwrap();
    assert!(list.contains(
        &json!({"label": "Spring '26", "url": "/services/data/v66.0", "version": "66.0"})
    ));
    assert!(list.contains(
        &json!({"label": "Summer '14", "url": "/services/data/v31.0", "version": "31.0"})
    ));
}

#[tokio::test]
async fn rejects_missing_or_bad_tokens_like_salesforce() {
    let sim = sim(Scenario::FreshEnterprise).await;
    for token in [None, Some("00Dxx!bogus")] {
        let reply = sim.send("GET", &format!("{V}/limits"), token, None).await;
        assert_eq!(reply.status, 401);
        assert_eq!(
            reply.json(),
            fixture_json("rest-error-invalid-session-id.json")
        );
    }
}

#[tokio::test]
async fn counts_usage_and_enforces_the_daily_limit() {
    let settings = Settings {
        daily_api_limit: 2,
        ..Settings::default()
    };
    let sim = sim_with(Scenario::FreshEnterprise, Some(settings)).await;
    assert_eq!(
        sim.get(&format!("{V}/limits")).await.limit().as_deref(),
        Some("api-usage=1/2")
    );
    assert_eq!(
        sim.get(&format!("{V}/limits")).await.limit().as_deref(),
        Some("api-usage=2/2")
    );
    let reply = sim.get(&format!("{V}/limits")).await;
    assert_eq!(reply.status, 403);
    assert_eq!(
        reply.json(),
        fixture_json("rest-error-request-limit-exceeded.json")
    );
}

#[tokio::test]
async fn license_queries_match_the_fixture_shapes() {
    let sim = sim(Scenario::FreshEnterprise).await;
    let reply = sim.query("SELECT Id, Name, MasterLabel, Status, TotalLicenses, UsedLicenses FROM UserLicense WHERE Status = 'Active'").await;
    assert_eq!(reply.status, 200);
    assert!(reply.limit().unwrap().starts_with("api-usage="));
    let body = reply.json();
    let fixture = fixture_json("userlicense-query.json");
    assert_eq!(keys(&body), keys(&fixture));
    assert_eq!(keys(&body["records"][0]), keys(&fixture["records"][0]));
    let integration = body["records"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["Name"] == "Salesforce Integration")
        .unwrap();
    assert_eq!(integration["TotalLicenses"], 5);
    assert_eq!(integration["UsedLicenses"], 0);
    let id = integration["Id"].as_str().unwrap();
    assert_eq!(id.len(), 18);
    assert!(id.starts_with("100"));
    assert_eq!(
        integration["attributes"]["url"],
        format!("{V}/sobjects/UserLicense/{id}")
    );

    let reply = sim.query("SELECT Id, DeveloperName, MasterLabel, Status, TotalLicenses, UsedLicenses FROM PermissionSetLicense WHERE DeveloperName = 'SalesforceAPIIntegrationPsl'").await;
    let fixture = fixture_json("permissionsetlicense-query.json");
    assert_eq!(
        keys(&reply.json()["records"][0]),
        keys(&fixture["records"][0])
    );
    assert!(
        reply.json()["records"][0]["Id"]
            .as_str()
            .unwrap()
            .starts_with("0PL")
    );
}

#[tokio::test]
async fn queries_follow_relationships_and_return_null_for_empty_subqueries() {
    let sim = sim(Scenario::FreshEnterprise).await;
    let user = sim.new_integration_user("rel").await;
    let reply = sim
        .query(&format!(
            "SELECT Id, Username, Profile.Name, Profile.UserLicense.Name, (SELECT Id FROM PermissionSetLicenseAssignments) FROM User WHERE Id = '{}'",
            &user[..15]
        ))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let record = &reply.json()["records"][0];
    assert_eq!(
        record["Profile"]["UserLicense"]["Name"],
        "Salesforce Integration"
    );
    assert_eq!(record["Profile"]["attributes"]["type"], "Profile");
    assert_eq!(record["PermissionSetLicenseAssignments"], Value::Null);
    // The profile's own permission set assignment exists, as in a real org.
    let reply = sim
        .query(&format!("SELECT PermissionSet.Name, PermissionSet.IsOwnedByProfile, Assignee.Username FROM PermissionSetAssignment WHERE AssigneeId = '{user}'"))
        .await;
    assert_eq!(reply.json()["totalSize"], 1);
    assert_eq!(
        reply.json()["records"][0]["PermissionSet"]["IsOwnedByProfile"],
        true
    );
}

#[tokio::test]
async fn filters_orders_counts_and_limits() {
    let sim = sim(Scenario::FullEnterprise).await;
    let reply = sim.query("SELECT COUNT() FROM User WHERE Profile.UserLicense.Name = 'Salesforce Integration' AND IsActive = true").await;
    assert_eq!(
        reply.json(),
        json!({"totalSize": 5, "done": true, "records": []})
    );
    let reply = sim
        .query("SELECT Username, LastLoginDate FROM User WHERE (Username LIKE 'int-%' OR Username LIKE 'nobody%') AND IsActive != false AND LastLoginDate = null ORDER BY Username DESC LIMIT 5")
        .await;
    let names: Vec<String> = reply.json()["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["Username"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(names[0].starts_with("int-unused") && names[1].starts_with("int-pilot"));
    let reply = sim
        .query(
            "SELECT Name FROM Account WHERE Name IN ('Edge Communications', 'Nope') ORDER BY Name",
        )
        .await;
    assert_eq!(reply.json()["totalSize"], 1);
    let reply = sim.query("SELECT UsedLicenses, TotalLicenses FROM UserLicense WHERE Name = 'Salesforce Integration'").await;
    assert_eq!(reply.json()["records"][0]["UsedLicenses"], 5);
}

#[tokio::test]
async fn paginates_with_next_records_url() {
    let settings = Settings {
        query_page_size: 2,
        ..Settings::default()
    };
    let sim = sim_with(Scenario::FreshEnterprise, Some(settings)).await;
    let first = sim.query("SELECT Id FROM ApexClass").await.json();
    assert_eq!(first["totalSize"], 4);
    assert_eq!(first["done"], false);
    assert_eq!(first["records"].as_array().unwrap().len(), 2);
    assert_eq!(keys(&first), keys(&fixture_json("query-page1.json")));
    let next = first["nextRecordsUrl"].as_str().unwrap();
    assert!(
        next.starts_with(&format!("{V}/query/01g")) && next.ends_with("-2"),
        "{next}"
    );
    let second = sim.get(next).await.json();
    assert_eq!(second["done"], true);
    assert_eq!(second["records"].as_array().unwrap().len(), 2);
    assert!(second.get("nextRecordsUrl").is_none());
}

#[tokio::test]
async fn query_errors_have_salesforce_codes() {
    let sim = sim(Scenario::FreshEnterprise).await;
    let reply = sim.query("SELECT Id, foo__c FROM Lead").await;
    assert_eq!(reply.status, 400);
    let error = &reply.json()[0];
    assert_eq!(
        keys(&reply.json()),
        keys(&fixture_json("rest-error-invalid-field-soql.json"))
    );
    assert_eq!(error["errorCode"], "INVALID_FIELD");
    let message = error["message"].as_str().unwrap();
    assert!(
        message.contains("No such column 'foo__c' on entity 'Lead'"),
        "{message}"
    );
    assert!(
        message.contains("SELECT Id, foo__c FROM Lead\n           ^\nERROR at Row:1:Column:12"),
        "{message}"
    );
    let reply = sim.query("SELECT Id FROM BotDefinition").await;
    assert_eq!(reply.json()[0]["errorCode"], "INVALID_TYPE");
    assert!(
        reply.json()[0]["message"]
            .as_str()
            .unwrap()
            .contains("sObject type 'BotDefinition' is not supported.")
    );
    for bad in [
        "SELECT FROM User",
        "SELECT Id FROM User WHERE",
        "SELECT Id FROM User LIMIT x",
        "garbage'",
    ] {
        let reply = sim.query(bad).await;
        assert_eq!(reply.status, 400, "{bad}");
        assert_eq!(reply.json()[0]["errorCode"], "MALFORMED_QUERY", "{bad}");
    }
    let settings = Settings {
        soql_error_echo: false,
        ..Settings::default()
    };
    let plain = sim_with(Scenario::FreshEnterprise, Some(settings)).await;
    assert_eq!(
        plain.query("SELECT Id, foo__c FROM Lead").await.json(),
        fixture_json("rest-error-invalid-field-soql.json")
    );
    assert_eq!(
        plain.query("SELECT Id FROM BotDefinition").await.json(),
        fixture_json("rest-error-invalid-type.json")
    );
}

#[tokio::test]
async fn crud_round_trip_with_fixture_shapes() {
    let sim = sim(Scenario::FreshEnterprise).await;
    let reply = sim.create("Account", json!({"Name": "Sim Test"})).await;
    assert_eq!(reply.status, 201);
    assert_eq!(
        keys(&reply.json()),
        keys(&fixture_json("sobject-create-success.json"))
    );
    let id = reply.json()["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("001"));
    let path = format!("{V}/sobjects/Account/{id}");
    assert_eq!(
        sim.send(
            "PATCH",
            &path,
            Some(&sim.token),
            Some(json!({"Phone": "555"}))
        )
        .await
        .status,
        204
    );
    let record = sim.get(&format!("{path}?fields=Name,Phone")).await.json();
    assert_eq!(record["Phone"], "555");
    assert_eq!(record["attributes"]["type"], "Account");
    assert_eq!(
        sim.send("DELETE", &path, Some(&sim.token), None)
            .await
            .status,
        204
    );
    let reply = sim.get(&path).await;
    assert_eq!(reply.status, 404);
    assert_eq!(reply.json(), fixture_json("rest-error-not-found.json"));
    let reply = sim
        .send(
            "POST",
            &format!("{V}/sobjects/Account"),
            Some(&sim.token),
            None,
        )
        .await;
    assert_eq!(reply.json()[0]["errorCode"], "JSON_PARSER_ERROR");
}

#[tokio::test]
async fn describe_reports_required_calculated_and_permissionable_fields() {
    let sim = sim(Scenario::FreshEnterprise).await;
    let describe = sim
        .get(&format!("{V}/sobjects/Opportunity/describe"))
        .await
        .json();
    let field = |name: &str| {
        describe["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == name)
            .unwrap()
            .clone()
    };
    assert_eq!(field("ExpectedRevenue")["calculated"], true);
    assert_eq!(field("ExpectedRevenue")["updateable"], false);
    assert_eq!(field("Name")["nillable"], false);
    assert_eq!(field("Name")["permissionable"], false);
    assert_eq!(field("Amount")["permissionable"], true);
    assert_eq!(describe["keyPrefix"], "006");
    let reply = sim.create("Opportunity", json!({"Name": "x", "StageName": "Prospecting", "CloseDate": "2027-01-01", "ExpectedRevenue": 5})).await;
    assert_eq!(
        reply.json()[0]["errorCode"],
        "INVALID_FIELD_FOR_INSERT_UPDATE"
    );
    let fixture = fixture_json("rest-error-invalid-field-for-insert-update.json");
    assert_eq!(keys(&reply.json()), keys(&fixture));
    assert_eq!(reply.json()[0]["fields"], json!(["ExpectedRevenue"]));
    let reply = sim.create("Opportunity", json!({"Name": "x"})).await;
    assert_eq!(reply.json()[0]["errorCode"], "REQUIRED_FIELD_MISSING");
}

#[tokio::test]
async fn faults_latency_and_the_request_log() {
    let sim = sim(Scenario::FreshEnterprise).await;
    let body = fixture_json("rest-error-unable-to-lock-row.json");
    let mut fault = Fault::respond("GET", "/services/data/*/limits", 500, body.clone());
    fault.nth = 2;
    sim.org.add_fault(fault);
    assert_eq!(sim.get(&format!("{V}/limits")).await.status, 200);
    let reply = sim.get(&format!("{V}/limits")).await;
    assert_eq!((reply.status, reply.json()), (500, body));
    assert_eq!(sim.get(&format!("{V}/limits")).await.status, 200);
    sim.org.add_fault(Fault::hang(
        "GET",
        "*",
        std::time::Duration::from_millis(600),
    ));
    let quick = reqwest::Client::builder()
        .no_proxy()
        .timeout(std::time::Duration::from_millis(150))
        .build()
        .unwrap();
    assert!(
        quick
            .get(sim.url(&format!("{V}/limits")))
            .bearer_auth(&sim.token)
            .send()
            .await
            .is_err()
    );
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    let counters = sim.org.counters();
    assert_eq!(counters.total, 4);
    assert_eq!(counters.by_route[&format!("GET {V}/limits")], 4);
    // Over HTTP, with the admin token only.
    let log = sim.get("/__sim/log").await;
    assert_eq!(log.status, 200);
    assert!(
        log.json()["requests"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["faulted"] == true)
    );
    assert_eq!(sim.send("GET", "/__sim/log", None, None).await.status, 401);
    assert_eq!(sim.post("/__sim/log/reset", json!({})).await.status, 200);
    assert_eq!(sim.org.counters().total, 0);
    let reply = sim.post("/__sim/faults", json!({"method": "POST", "path": "*/sobjects/Account", "action": {"kind": "respond", "status": 503, "body": []}})).await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        sim.create("Account", json!({"Name": "x"})).await.status,
        503
    );
    assert_eq!(sim.org.counters().writes, 1);
}
