//! Licence, uniqueness and permission rules.

use serde_json::json;
use sfiu_sim::{Scenario, USERNAMES_TAKEN_ELSEWHERE};

use crate::{V, fixture_json, keys, sim, user_body};

#[tokio::test]
async fn seats_are_counted_and_enforced() {
    let sim = sim(Scenario::DeveloperEdition).await;
    let profile = sim.integration_profile().await;
    let user = sim.create_id("User", user_body("seat1", &profile)).await;
    let used = "SELECT UsedLicenses FROM UserLicense WHERE Name = 'Salesforce Integration'";
    assert_eq!(sim.one(used, "UsedLicenses").await, 1);
    let reply = sim.create("User", user_body("seat2", &profile)).await;
    assert_eq!(reply.status, 400);
    assert_eq!(reply.json()[0]["errorCode"], "LICENSE_LIMIT_EXCEEDED");
    assert_eq!(
        reply.json()[0]["message"],
        "License Limit Exceeded - Salesforce Integration"
    );
    let path = format!("{V}/sobjects/User/{user}");
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
    assert_eq!(sim.one(used, "UsedLicenses").await, 0);
    assert_eq!(
        sim.create("User", user_body("seat3", &profile))
            .await
            .status,
        201
    );
    let reply = sim
        .send(
            "PATCH",
            &path,
            Some(&sim.token),
            Some(json!({"IsActive": true})),
        )
        .await;
    assert_eq!(reply.json()[0]["errorCode"], "LICENSE_LIMIT_EXCEEDED");
}

#[tokio::test]
async fn full_enterprise_has_no_free_seat() {
    let sim = sim(Scenario::FullEnterprise).await;
    let profile = sim.integration_profile().await;
    assert_eq!(
        sim.create("User", user_body("nope", &profile)).await.json()[0]["errorCode"],
        "LICENSE_LIMIT_EXCEEDED"
    );
    let never = sim.query("SELECT COUNT() FROM User WHERE LastLoginDate = null AND IsActive = true AND Profile.UserLicense.Name = 'Salesforce Integration'").await;
    assert_eq!(never.json()["totalSize"], 2);
}

#[tokio::test]
async fn professional_edition_has_no_integration_license() {
    let sim = sim(Scenario::ProfessionalEdition).await;
    let reply = sim
        .query("SELECT Id FROM UserLicense WHERE Name = 'Salesforce Integration'")
        .await;
    assert_eq!(reply.json()["totalSize"], 0);
    let reply = sim.query("SELECT Id FROM PermissionSetLicense").await;
    assert_eq!(reply.json()["totalSize"], 0);
}

#[tokio::test]
async fn usernames_are_unique_across_orgs_and_nicknames_per_org() {
    let first = sim(Scenario::FreshEnterprise).await;
    let second = sim(Scenario::FreshEnterprise).await;
    let profile = first.integration_profile().await;
    let mut body = user_body("dup", &profile);
    assert_eq!(first.create("User", body.clone()).await.status, 201);
    let reply = first.create("User", body.clone()).await;
    assert_eq!(
        reply.json(),
        fixture_json("rest-error-duplicate-username.json")
    );
    body["ProfileId"] = second.integration_profile().await.into();
    body["CommunityNickname"] = "other".into();
    assert_eq!(
        second.create("User", body.clone()).await.json()[0]["errorCode"],
        "DUPLICATE_USERNAME"
    );
    body["Username"] = USERNAMES_TAKEN_ELSEWHERE[0].into();
    assert_eq!(
        second.create("User", body.clone()).await.json()[0]["errorCode"],
        "DUPLICATE_USERNAME"
    );
    body["Username"] = format!("fresh.{}@sim-test.example.com", crate::unique()).into();
    body["CommunityNickname"] = "admin".into();
    let reply = second.create("User", body).await;
    assert_eq!(reply.json()[0]["errorCode"], "DUPLICATE_COMM_NICKNAME");
    assert_eq!(reply.json()[0]["fields"], json!(["CommunityNickname"]));
}

async fn permission_set(sim: &crate::Sim, name: &str, object: &str) -> String {
    let set = sim
        .create_id("PermissionSet", json!({"Name": name, "Label": name}))
        .await;
    sim.create_id(
        "ObjectPermissions",
        json!({"ParentId": set, "SobjectType": object, "PermissionsRead": true, "PermissionsEdit": true}),
    )
    .await;
    set
}

#[tokio::test]
async fn permission_sets_need_the_psl_and_the_licence_reach() {
    let sim = sim(Scenario::FreshEnterprise).await;
    let user = sim.new_integration_user("psl").await;
    let set = permission_set(&sim, "Reads_Accounts", "Account").await;
    let assign = json!({"AssigneeId": user, "PermissionSetId": set});
    let reply = sim.create("PermissionSetAssignment", assign.clone()).await;
    assert_eq!(reply.status, 400);
    assert_eq!(
        reply.json(),
        fixture_json("rest-error-license-integrity-psa.json")
    );

    let psl = sim.psl().await;
    let reply = sim
        .create(
            "PermissionSetLicenseAssign",
            json!({"AssigneeId": user, "PermissionSetLicenseId": psl}),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    assert!(reply.json()["id"].as_str().unwrap().starts_with("2LA"));
    let reply = sim
        .create(
            "PermissionSetLicenseAssign",
            json!({"AssigneeId": user, "PermissionSetLicenseId": psl}),
        )
        .await;
    assert!(
        reply.json()[0]["message"]
            .as_str()
            .unwrap()
            .starts_with("duplicate value found")
    );
    assert_eq!(
        sim.one(
            "SELECT UsedLicenses FROM PermissionSetLicense",
            "UsedLicenses"
        )
        .await,
        1
    );

    let reply = sim.create("PermissionSetAssignment", assign.clone()).await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    assert!(reply.json()["id"].as_str().unwrap().starts_with("0Pa"));
    let reply = sim.create("PermissionSetAssignment", assign).await;
    assert_eq!(reply.json(), fixture_json("rest-error-psa-duplicate.json"));

    // An object outside the licence's reach, even with the PSL.
    let quote = permission_set(&sim, "Reads_Users", "HubSpot_Inc__HubSpot_Activity__c").await;
    assert_eq!(
        sim.create(
            "PermissionSetAssignment",
            json!({"AssigneeId": user, "PermissionSetId": quote})
        )
        .await
        .status,
        201
    );
    let blocked = sim
        .create_id(
            "PermissionSet",
            json!({"Name": "Reads_Products_Later", "Label": "Later"}),
        )
        .await;
    assert_eq!(
        sim.create(
            "PermissionSetAssignment",
            json!({"AssigneeId": user, "PermissionSetId": blocked})
        )
        .await
        .status,
        201
    );
    sim.org
        .update_settings(|s| s.integration_psl_objects.retain(|o| o != "Product2"));
    let reply = sim
        .create(
            "ObjectPermissions",
            json!({"ParentId": blocked, "SobjectType": "Product2", "PermissionsRead": true}),
        )
        .await;
    assert_eq!(reply.json()[0]["errorCode"], "FIELD_INTEGRITY_EXCEPTION");
    assert!(
        reply.json()[0]["message"]
            .as_str()
            .unwrap()
            .ends_with("The user license doesn't allow the permission: Read Product")
    );
}

#[tokio::test]
async fn psl_seats_run_out() {
    let sim = sim(Scenario::DeveloperEdition).await;
    let psl = sim.psl().await;
    let admin = sim
        .one("SELECT Id FROM User WHERE Username LIKE 'admin@%'", "Id")
        .await;
    let user = sim.new_integration_user("pslseat").await;
    assert_eq!(
        sim.create(
            "PermissionSetLicenseAssign",
            json!({"AssigneeId": user, "PermissionSetLicenseId": psl})
        )
        .await
        .status,
        201
    );
    let reply = sim
        .create(
            "PermissionSetLicenseAssign",
            json!({"AssigneeId": admin, "PermissionSetLicenseId": psl}),
        )
        .await;
    assert_eq!(reply.json()[0]["errorCode"], "LICENSE_LIMIT_EXCEEDED");
}

#[tokio::test]
async fn object_and_field_permission_rules() {
    let sim = sim(Scenario::FreshEnterprise).await;
    let set = sim
        .create_id("PermissionSet", json!({"Name": "Rules", "Label": "Rules"}))
        .await;
    let reply = sim
        .create("PermissionSet", json!({"Name": "rules", "Label": "Again"}))
        .await;
    assert_eq!(reply.json()[0]["errorCode"], "DUPLICATE_DEVELOPER_NAME");
    assert_eq!(
        sim.create("PermissionSet", json!({"Name": "bad name", "Label": "x"}))
            .await
            .status,
        400
    );
    let reply = sim.create("ObjectPermissions", json!({"ParentId": set, "SobjectType": "Account", "PermissionsDelete": true, "PermissionsRead": true})).await;
    assert_eq!(reply.json()[0]["errorCode"], "FIELD_INTEGRITY_EXCEPTION");
    assert!(
        reply.json()[0]["message"]
            .as_str()
            .unwrap()
            .contains("Edit Account")
    );
    let reply = sim.create("FieldPermissions", json!({"ParentId": set, "SobjectType": "Account", "Field": "Account.Name", "PermissionsRead": true})).await;
    assert_eq!(
        reply.json()[0]["errorCode"],
        "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"
    );
    assert_eq!(
        reply.json()[0]["message"],
        "Field: bad value for restricted picklist field: Account.Name"
    );
    let reply = sim.create("FieldPermissions", json!({"ParentId": set, "SobjectType": "Account", "Field": "Account.Nope__c", "PermissionsRead": true})).await;
    assert_eq!(
        reply.json()[0]["errorCode"],
        "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"
    );
    let reply = sim.create("FieldPermissions", json!({"ParentId": set, "SobjectType": "Contact", "Field": "Contact.Account", "PermissionsRead": true})).await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    let field = sim
        .one(
            "SELECT Field FROM FieldPermissions WHERE SobjectType = 'Contact'",
            "Field",
        )
        .await;
    assert_eq!(field, "Contact.AccountId");
    let class = sim
        .one(
            "SELECT Id FROM ApexClass WHERE Name = 'AccountService'",
            "Id",
        )
        .await;
    let reply = sim
        .create(
            "SetupEntityAccess",
            json!({"ParentId": set, "SetupEntityId": class, "SetupEntityType": "ApexClass"}),
        )
        .await;
    assert_eq!(
        reply.json()[0]["errorCode"],
        "INVALID_FIELD_FOR_INSERT_UPDATE"
    );
    let id = sim
        .create_id(
            "SetupEntityAccess",
            json!({"ParentId": set, "SetupEntityId": class}),
        )
        .await;
    assert!(id.starts_with("0J0"));
    let kind = sim
        .one(
            &format!("SELECT SetupEntityType FROM SetupEntityAccess WHERE Id = '{id}'"),
            "SetupEntityType",
        )
        .await;
    assert_eq!(kind, "ApexClass");
    assert_eq!(
        keys(&fixture_json("rest-error-psa-duplicate.json")),
        vec!["errorCode", "fields", "message"]
    );
}
