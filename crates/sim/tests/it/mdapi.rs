//! Metadata API SOAP calls.

use base64::Engine;
use sfiu_sim::Scenario;

use crate::{Sim, fixture, sim};

const PREFIXED: &str = r#"<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:met="http://soap.sforce.com/2006/04/metadata" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Header><met:SessionHeader><met:sessionId>TOKEN</met:sessionId></met:SessionHeader></soapenv:Header><soapenv:Body>BODY</soapenv:Body></soapenv:Envelope>"#;

pub(crate) async fn soap_raw(sim: &Sim, envelope: String) -> (u16, String) {
    let response = sim
        .http
        .post(sim.url("/services/Soap/m/66.0"))
        .header("Content-Type", "text/xml")
        .header("SOAPAction", "\"\"")
        .body(envelope)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

pub(crate) async fn soap(sim: &Sim, body: &str) -> String {
    let envelope = PREFIXED.replace("TOKEN", &sim.token).replace("BODY", body);
    let (status, text) = soap_raw(sim, envelope).await;
    assert_eq!(status, 200, "{text}");
    text
}

pub(crate) fn soap_body(text: &str) -> String {
    text.split("<soapenv:Body>")
        .nth(1)
        .unwrap()
        .split("</soapenv:Body>")
        .next()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn create_metadata_accepts_the_fixture_request_and_answers_its_shape() {
    let sim = sim(Scenario::FreshEnterprise).await;
    sim.create_id(
        "PermissionSet",
        serde_json::json!({"Name": "HubSpot_Integration", "Label": "HubSpot"}),
    )
    .await;
    let request = fixture("mdapi-createMetadata-connectedapp-request.xml")
        .replace("00D000000000001!AQ0AQFAKE", &sim.token)
        .replace("MIIC...base64-DER-of-the-X509-cert...", "MIIC");
    let (status, text) = soap_raw(&sim, request).await;
    assert_eq!(status, 200, "{text}");
    let expected = fixture("mdapi-createMetadata-response.xml");
    let squash = |s: &str| s.split_whitespace().collect::<String>();
    assert!(
        squash(&text).contains(&squash(soap_body(&expected).as_str())),
        "{text}"
    );
    // Creating it again is refused, per component.
    let request = fixture("mdapi-createMetadata-connectedapp-request.xml")
        .replace("00D000000000001!AQ0AQFAKE", &sim.token);
    let (_, text) = soap_raw(&sim, request).await;
    assert!(
        text.contains("<success>false</success>") && text.contains("DUPLICATE_DEVELOPER_NAME"),
        "{text}"
    );
}

#[tokio::test]
async fn bad_sessions_get_the_fixture_fault() {
    let sim = sim(Scenario::FreshEnterprise).await;
    let envelope = PREFIXED
        .replace("TOKEN", "bogus")
        .replace("BODY", "<met:readMetadata/>");
    let (status, text) = soap_raw(&sim, envelope).await;
    assert_eq!(status, 500);
    let squash = |s: &str| s.split_whitespace().collect::<String>();
    let expected = soap_body(&fixture("soap-fault-invalid-session.xml"));
    assert!(squash(&text).contains(&squash(&expected)), "{text}");
    let (status, text) = soap_raw(&sim, "<not xml".into()).await;
    assert_eq!(status, 500);
    assert!(text.contains("soapenv:Client"));
}

#[tokio::test]
async fn permission_sets_round_trip_through_metadata() {
    let sim = sim(Scenario::FreshEnterprise).await;
    let body = r#"<met:upsertMetadata><met:metadata xsi:type="PermissionSet"><met:fullName>HubSpot_Integration</met:fullName><met:classAccesses><met:apexClass>AccountService</met:apexClass><met:enabled>true</met:enabled></met:classAccesses><met:fieldPermissions><met:editable>true</met:editable><met:field>Contact.Title</met:field><met:readable>true</met:readable></met:fieldPermissions><met:label>HubSpot Integration</met:label><met:objectPermissions><met:allowCreate>true</met:allowCreate><met:allowDelete>false</met:allowDelete><met:allowEdit>true</met:allowEdit><met:allowRead>true</met:allowRead><met:modifyAllRecords>false</met:modifyAllRecords><met:object>Contact</met:object><met:viewAllRecords>false</met:viewAllRecords></met:objectPermissions><met:userPermissions><met:enabled>true</met:enabled><met:name>ApiEnabled</met:name></met:userPermissions></met:metadata></met:upsertMetadata>"#;
    let text = soap(&sim, body).await;
    assert!(
        text.contains("<created>true</created>") && text.contains("<success>true</success>"),
        "{text}"
    );
    let reply = sim.query("SELECT Id, PermissionsApiEnabled, (SELECT SobjectType, PermissionsEdit FROM ObjectPerms) FROM PermissionSet WHERE Name = 'HubSpot_Integration'").await;
    let record = &reply.json()["records"][0];
    assert_eq!(record["PermissionsApiEnabled"], true);
    assert_eq!(
        record["ObjectPerms"]["records"][0]["SobjectType"],
        "Contact"
    );
    let text = soap(&sim, "<met:readMetadata><met:type>PermissionSet</met:type><met:fullNames>HubSpot_Integration</met:fullNames></met:readMetadata>").await;
    let squash = |s: &str| s.split_whitespace().collect::<String>();
    let read = squash(&soap_body(&text));
    assert!(read.contains(r#"<recordsxsi:type="PermissionSet"><fullName>HubSpot_Integration</fullName><classAccesses><apexClass>AccountService</apexClass><enabled>true</enabled></classAccesses><fieldPermissions><editable>true</editable><field>Contact.Title</field><readable>true</readable></fieldPermissions><hasActivationRequired>false</hasActivationRequired><label>HubSpotIntegration</label>"#), "{read}");
    let bad = body.replace("Contact.Title", "Contact.LastName");
    let text = soap(&sim, &bad).await;
    assert!(
        text.contains("bad value for restricted picklist field: Contact.LastName"),
        "{text}"
    );
}

#[tokio::test]
async fn connected_app_creation_can_be_blocked_while_ecas_work() {
    let sim = sim(Scenario::ConnectedAppBlocked).await;
    let text = soap(
        &sim,
        &format!(
            "<met:createMetadata>{}</met:createMetadata>",
            crate::jwt::connected_app("Blocked", "MIIC", true)
        ),
    )
    .await;
    assert!(text.contains("<success>false</success>"), "{text}");
    let eca = r#"<met:createMetadata><met:metadata xsi:type="ExternalClientApplication"><met:fullName>Sim_Eca</met:fullName><met:contactEmail>ops@example.com</met:contactEmail><met:distributionState>Local</met:distributionState><met:label>Sim Eca</met:label></met:metadata><met:metadata xsi:type="ExtlClntAppGlobalOauthSettings"><met:fullName>Sim_Eca_glbloauth</met:fullName><met:certificate>MIIC</met:certificate><met:externalClientApplication>Sim_Eca</met:externalClientApplication><met:label>Sim Eca</met:label></met:metadata><met:metadata xsi:type="ExtlClntAppOauthSettings"><met:fullName>Sim_Eca_oauth</met:fullName><met:commaSeparatedOauthScopes>Api</met:commaSeparatedOauthScopes><met:externalClientApplication>Sim_Eca</met:externalClientApplication><met:label>Sim Eca</met:label></met:metadata><met:metadata xsi:type="ExtlClntAppGlobalOauthSettings"><met:fullName>Orphan</met:fullName><met:externalClientApplication>Missing</met:externalClientApplication></met:metadata></met:createMetadata>"#;
    let text = soap(&sim, eca).await;
    assert_eq!(text.matches("<success>true</success>").count(), 3, "{text}");
    assert!(text.contains("no ExternalClientApplication named Missing"));
    let text = soap(&sim, "<met:readMetadata><met:type>ExtlClntAppGlobalOauthSettings</met:type><met:fullNames>Sim_Eca_glbloauth</met:fullNames></met:readMetadata>").await;
    assert!(text.contains("<consumerKey>3MVG9"), "{text}");
}

fn zip(files: &[(&str, &str)]) -> String {
    let mut buffer = std::io::Cursor::new(Vec::new());
    {
        let mut writer = zip::ZipWriter::new(&mut buffer);
        for (name, content) in files {
            writer
                .start_file(*name, zip::write::SimpleFileOptions::default())
                .unwrap();
            std::io::Write::write_all(&mut writer, content.as_bytes()).unwrap();
        }
        writer.finish().unwrap();
    }
    base64::engine::general_purpose::STANDARD.encode(buffer.into_inner())
}

#[tokio::test]
async fn deploys_progress_through_polls() {
    let sim = sim(Scenario::FreshEnterprise).await;
    let package = r#"<Package xmlns="http://soap.sforce.com/2006/04/metadata"><types><members>*</members><name>PermissionSet</name></types><version>66.0</version></Package>"#;
    let set = r#"<?xml version="1.0" encoding="UTF-8"?><PermissionSet xmlns="http://soap.sforce.com/2006/04/metadata"><label>Deployed</label><objectPermissions><allowCreate>false</allowCreate><allowDelete>false</allowDelete><allowEdit>false</allowEdit><allowRead>true</allowRead><modifyAllRecords>false</modifyAllRecords><object>Account</object><viewAllRecords>false</viewAllRecords></objectPermissions></PermissionSet>"#;
    let zipped = zip(&[
        ("unpackaged/package.xml", package),
        ("unpackaged/permissionsets/Deployed_Set.permissionset", set),
    ]);
    let text = soap(&sim, &format!("<met:deploy><met:ZipFile>{zipped}</met:ZipFile><met:DeployOptions><met:rollbackOnError>true</met:rollbackOnError><met:singlePackage>false</met:singlePackage></met:DeployOptions></met:deploy>")).await;
    assert!(
        text.contains("<done>false</done>") && text.contains("<state>Queued</state>"),
        "{text}"
    );
    let id = text
        .split("<id>")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_owned();
    assert!(id.starts_with("0Af"));
    let poll = format!(
        "<met:checkDeployStatus><met:asyncProcessId>{id}</met:asyncProcessId><met:includeDetails>true</met:includeDetails></met:checkDeployStatus>"
    );
    assert!(soap(&sim, &poll).await.contains("<status>Pending</status>"));
    assert!(
        soap(&sim, &poll)
            .await
            .contains("<status>InProgress</status>")
    );
    let done = soap(&sim, &poll).await;
    assert!(
        done.contains("<status>Succeeded</status>") && done.contains("<done>true</done>"),
        "{done}"
    );
    assert!(done.contains("<componentType>PermissionSet</componentType>"));
    assert_eq!(
        sim.query("SELECT Id FROM PermissionSet WHERE Name = 'Deployed_Set'")
            .await
            .json()["totalSize"],
        1
    );

    let zipped = zip(&[("permissionsets/X.permissionset", set)]);
    let text = soap(
        &sim,
        &format!("<met:deploy><met:ZipFile>{zipped}</met:ZipFile></met:deploy>"),
    )
    .await;
    let id = text
        .split("<id>")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_owned();
    let poll = format!(
        "<met:checkDeployStatus><met:asyncProcessId>{id}</met:asyncProcessId></met:checkDeployStatus>"
    );
    soap(&sim, &poll).await;
    soap(&sim, &poll).await;
    let failed = soap(&sim, &poll).await;
    assert!(
        failed.contains("<problem>No package.xml found</problem>")
            && failed.contains("<status>Failed</status>"),
        "{failed}"
    );
}
