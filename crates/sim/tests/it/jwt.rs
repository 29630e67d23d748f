//! The whole JWT bearer flow and its failure modes.

use serde_json::{Value, json};
use sfiu_sim::Scenario;

use crate::mdapi::{soap, soap_body};
use crate::{Sim, TestKey, V, fixture_json, key, keys, other_key, sim};

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn sign(key: &TestKey, claims: Value) -> String {
    let header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
    jsonwebtoken::encode(
        &header,
        &claims,
        &jsonwebtoken::EncodingKey::from_rsa_pem(key.key_pem.as_bytes()).unwrap(),
    )
    .unwrap()
}

async fn exchange(sim: &Sim, assertion: &str) -> (u16, Value) {
    let response = sim
        .http
        .post(sim.url("/services/oauth2/token"))
        .form(&[
            ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
            ("assertion", assertion),
        ])
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

fn cert_body(pem: &str) -> String {
    pem.lines()
        .filter(|l| !l.starts_with("-----"))
        .collect::<Vec<_>>()
        .concat()
}

pub(crate) fn connected_app(name: &str, cert: &str, approved: bool) -> String {
    format!(
        r#"<met:metadata xsi:type="met:ConnectedApp"><met:fullName>{name}</met:fullName><met:contactEmail>ops@example.com</met:contactEmail><met:label>{name}</met:label><met:oauthConfig><met:callbackUrl>https://login.salesforce.com/services/oauth2/callback</met:callbackUrl><met:certificate>{cert}</met:certificate><met:isAdminApproved>{approved}</met:isAdminApproved><met:scopes>Api</met:scopes><met:scopes>Web</met:scopes></met:oauthConfig></met:metadata>"#
    )
}

struct Flow {
    sim: Sim,
    username: String,
    consumer_key: String,
}

async fn setup() -> Flow {
    let sim = sim(Scenario::FreshEnterprise).await;
    let user = sim.new_integration_user("jwt").await;
    let username = sim
        .one(
            &format!("SELECT Username FROM User WHERE Id = '{user}'"),
            "Username",
        )
        .await
        .as_str()
        .unwrap()
        .to_owned();
    let psl = sim.psl().await;
    sim.create_id(
        "PermissionSetLicenseAssign",
        json!({"AssigneeId": user, "PermissionSetLicenseId": psl}),
    )
    .await;
    let set = sim
        .create_id(
            "PermissionSet",
            json!({"Name": "Jwt_Access", "Label": "Jwt Access", "PermissionsApiEnabled": true}),
        )
        .await;
    sim.create_id(
        "ObjectPermissions",
        json!({"ParentId": set, "SobjectType": "Account", "PermissionsRead": true}),
    )
    .await;
    sim.create_id("FieldPermissions", json!({"ParentId": set, "SobjectType": "Account", "Field": "Account.Industry", "PermissionsRead": true})).await;
    sim.create_id(
        "PermissionSetAssignment",
        json!({"AssigneeId": user, "PermissionSetId": set}),
    )
    .await;

    let reply = soap(
        &sim,
        &format!(
            "<met:createMetadata>{}</met:createMetadata>",
            connected_app("Sim_App", &cert_body(&key().cert_pem), true)
        ),
    )
    .await;
    assert!(reply.contains("<success>true</success>"), "{reply}");
    let app = sim
        .one(
            "SELECT Id FROM ConnectedApplication WHERE Name = 'Sim_App'",
            "Id",
        )
        .await;
    assert!(app.as_str().unwrap().starts_with("0H4"));
    sim.create_id(
        "SetupEntityAccess",
        json!({"ParentId": set, "SetupEntityId": app}),
    )
    .await;
    let read = soap(&sim, "<met:readMetadata><met:type>ConnectedApp</met:type><met:fullNames>Sim_App</met:fullNames></met:readMetadata>").await;
    let document = soap_body(&read);
    let consumer_key = document
        .split("<consumerKey>")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_owned();
    assert!(consumer_key.len() > 20);
    Flow {
        sim,
        username,
        consumer_key,
    }
}

fn claims(flow: &Flow, audience: &str) -> Value {
    json!({"iss": flow.consumer_key, "sub": flow.username, "aud": audience, "exp": now() + 180})
}

#[tokio::test]
async fn jwt_flow_grants_a_token_scoped_to_the_users_permissions() {
    let flow = setup().await;
    let sim = &flow.sim;
    let (status, body) = exchange(sim, &sign(key(), claims(&flow, sim.org.login_url()))).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(keys(&body), keys(&fixture_json("oauth-jwt-success.json")));
    assert_eq!(body["instance_url"], sim.org.instance_url());
    assert_eq!(body["scope"], "api web");
    let id = body["id"].as_str().unwrap();
    assert!(
        id.starts_with(&format!(
            "{}/id/{}/005",
            sim.org.login_url(),
            sim.org.org_id()
        )),
        "{id}"
    );
    let token = body["access_token"].as_str().unwrap().to_owned();
    assert!(token.starts_with(&sim.org.org_id()[..15]));

    let reply = sim
        .query_as(&token, "SELECT Id, Name, Industry FROM Account")
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.json()["totalSize"], 2);
    let reply = sim.query_as(&token, "SELECT Id, Phone FROM Account").await;
    assert_eq!(reply.json()[0]["errorCode"], "INVALID_FIELD");
    let reply = sim.query_as(&token, "SELECT Id FROM Lead").await;
    assert_eq!(reply.status, 400);
    assert_eq!(reply.json()[0]["errorCode"], "INVALID_TYPE");
    assert!(
        reply.json()[0]["message"]
            .as_str()
            .unwrap()
            .contains("sObject type 'Lead' is not supported.")
    );
    let reply = sim
        .send(
            "POST",
            &format!("{V}/sobjects/Account"),
            Some(&token),
            Some(json!({"Name": "x"})),
        )
        .await;
    assert_eq!(reply.status, 400);
    let last_login = sim
        .one(
            &format!(
                "SELECT LastLoginDate FROM User WHERE Username = '{}'",
                flow.username
            ),
            "LastLoginDate",
        )
        .await;
    assert!(last_login.is_string());

    // The legacy `prn` claim and a far-future `exp` (milliseconds) are accepted.
    let legacy = json!({"iss": flow.consumer_key, "prn": flow.username, "aud": "https://login.salesforce.com", "exp": now() * 1000});
    assert_eq!(exchange(sim, &sign(key(), legacy)).await.0, 200);
}

#[tokio::test]
async fn jwt_failures_use_the_documented_error_pairs() {
    let flow = setup().await;
    let sim = &flow.sim;
    let base = claims(&flow, "https://login.salesforce.com");
    let check = |name: &'static str| fixture_json(name);

    let mut expired = base.clone();
    expired["exp"] = json!(now() - 10);
    assert_eq!(
        exchange(sim, &sign(key(), expired)).await,
        (400, check("oauth-error-expired-authorization-code.json"))
    );

    let mut sandbox = base.clone();
    sandbox["aud"] = json!("https://test.salesforce.com");
    assert_eq!(
        exchange(sim, &sign(key(), sandbox)).await,
        (400, check("oauth-error-audience-validation-failed.json"))
    );

    let mut unknown = base.clone();
    unknown["iss"] = json!("not-a-key");
    assert_eq!(
        exchange(sim, &sign(key(), unknown)).await,
        (400, check("oauth-error-invalid-client-id.json"))
    );

    assert_eq!(
        exchange(sim, &sign(other_key(), base.clone())).await,
        (400, check("oauth-error-invalid-assertion.json"))
    );
    assert_eq!(
        exchange(sim, "not.a.jwt").await,
        (400, check("oauth-error-invalid-assertion.json"))
    );

    let mut nobody = base.clone();
    nobody["sub"] = json!("nobody@nowhere.example.com");
    assert_eq!(
        exchange(sim, &sign(key(), nobody)).await.1["error"],
        "invalid_grant"
    );

    let outsider = sim.new_integration_user("outsider").await;
    let outsider_name = sim
        .one(
            &format!("SELECT Username FROM User WHERE Id = '{outsider}'"),
            "Username",
        )
        .await;
    let mut unlinked = base.clone();
    unlinked["sub"] = outsider_name;
    assert_eq!(
        exchange(sim, &sign(key(), unlinked.clone())).await,
        (400, check("oauth-error-invalid-app-access.json"))
    );

    let path = format!("{V}/sobjects/User/{outsider}");
    assert_eq!(
        sim.send(
            "PATCH",
            &path,
            Some(&sim.token),
            Some(json!({"IsActive": false}))
        )
        .await
        .status,
        204
    );
    assert_eq!(
        exchange(sim, &sign(key(), unlinked)).await,
        (400, check("oauth-error-inactive-user.json"))
    );

    let reply = soap(
        sim,
        &format!(
            "<met:upsertMetadata>{}</met:upsertMetadata>",
            connected_app("Sim_App", &cert_body(&key().cert_pem), false)
        ),
    )
    .await;
    assert!(reply.contains("<created>false</created>"), "{reply}");
    assert_eq!(
        exchange(sim, &sign(key(), base)).await,
        (400, check("oauth-error-user-not-approved.json"))
    );

    let response = sim
        .http
        .post(sim.url("/services/oauth2/token"))
        .form(&[("grant_type", "password")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 400);
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        check("oauth-error-unsupported-grant-type.json")
    );
}
