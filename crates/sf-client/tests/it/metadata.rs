//! The Metadata API: faults, CRUD with typed models, and deploy polling.

use std::io::Read as _;
use std::time::Duration;

use base64::Engine as _;
use sfiu_sf_client::{
    ConnectedApp, ConnectedAppOauthConfig, ConnectedAppOauthPolicy, DeployOptions, DeployStatus,
    Error, Metadata, ObjectPermission, Package, PermissionSet, PollPolicy, UserPermission,
    XmlElement,
};

use crate::support::{Mock, client, fixture, xml};

const SOAP_PATH: &str = "/services/Soap/m/66.0";

fn child_names(element: &XmlElement) -> Vec<&str> {
    element.children.iter().map(|c| c.name.as_str()).collect()
}

fn sent_operation(body: &str, operation: &str) -> XmlElement {
    XmlElement::parse(body)
        .unwrap()
        .find(operation)
        .unwrap()
        .clone()
}

#[tokio::test]
async fn parses_a_soap_fault_into_a_typed_error() {
    let mock = Mock::start().await;
    mock.on(
        "POST",
        SOAP_PATH,
        vec![xml(500, fixture("soap-fault-invalid-session.xml"))],
    );
    let client = client();
    let session = mock.session(&client);

    let error = session
        .read_metadata("PermissionSet", &["X"])
        .await
        .unwrap_err();

    let Error::Soap { status, fault, .. } = &error else {
        panic!("{error:?}")
    };
    assert_eq!(*status, 500);
    assert_eq!(fault.code, "sf:INVALID_SESSION_ID");
    assert_eq!(fault.code_name(), "INVALID_SESSION_ID");
    assert!(
        fault
            .message
            .starts_with("INVALID_SESSION_ID: Invalid Session ID")
    );
    assert_eq!(fault.exception_code.as_deref(), Some("INVALID_SESSION_ID"));
    assert!(error.is_invalid_session());
    assert!(!error.is_transient());
    assert_eq!(mock.requests().len(), 1);
}

fn hubspot_app() -> ConnectedApp {
    ConnectedApp {
        full_name: "HubSpot_Integration".into(),
        contact_email: "ops@example.com".into(),
        label: "HubSpot Integration".into(),
        oauth_config: Some(ConnectedAppOauthConfig {
            callback_url: "https://login.salesforce.com/services/oauth2/callback".into(),
            certificate: Some("MIIC...".into()),
            is_admin_approved: Some(true),
            scopes: vec!["Api".into()],
            ..ConnectedAppOauthConfig::default()
        }),
        oauth_policy: Some(ConnectedAppOauthPolicy {
            ip_relaxation: "ENFORCE".into(),
            refresh_token_policy: "infinite".into(),
        }),
        permission_set_names: vec!["HubSpot_Integration".into()],
        ..ConnectedApp::default()
    }
}

#[tokio::test]
async fn creates_a_connected_app_in_wsdl_order() {
    let mock = Mock::start().await;
    mock.on(
        "POST",
        SOAP_PATH,
        vec![xml(200, fixture("mdapi-createMetadata-response.xml"))],
    );
    let client = client();
    let session = mock.session(&client);

    let results = session
        .create_metadata(&[hubspot_app().to_metadata()])
        .await
        .unwrap();

    assert_eq!(results.len(), 1);
    assert_eq!(results[0].full_name, "HubSpot_Integration");
    assert!(results[0].success);
    let request = &mock.requests()[0];
    assert_eq!(request.soap_action.as_deref(), Some("createMetadata"));
    assert!(
        request
            .content_type
            .as_deref()
            .unwrap()
            .starts_with("text/xml")
    );
    assert!(
        request
            .body
            .contains("<sessionId>00D000000000001!TESTTOKEN</sessionId>")
    );
    assert!(
        request
            .body
            .contains(r#"<metadata xsi:type="ConnectedApp">"#)
    );
    // The fixture request is the reference for element order.
    let expected = sent_operation(
        &fixture("mdapi-createMetadata-connectedapp-request.xml"),
        "metadata",
    );
    let sent = sent_operation(&request.body, "metadata");
    assert_eq!(child_names(&sent), child_names(&expected));
    assert_eq!(
        child_names(sent.child("oauthConfig").unwrap()),
        child_names(expected.child("oauthConfig").unwrap())
    );
}

#[tokio::test]
async fn reads_a_permission_set_into_the_typed_model() {
    let mock = Mock::start().await;
    mock.on(
        "POST",
        SOAP_PATH,
        vec![xml(
            200,
            fixture("mdapi-readMetadata-permissionset-response.xml"),
        )],
    );
    let client = client();
    let session = mock.session(&client);

    let records = session
        .read_metadata("PermissionSet", &["HubSpot_Integration"])
        .await
        .unwrap();

    assert_eq!(records.len(), 1);
    assert_eq!(records[0].type_name.as_deref(), Some("PermissionSet"));
    let permission_set = PermissionSet::from_element(&records[0].element);
    assert_eq!(permission_set.full_name, "HubSpot_Integration");
    assert_eq!(permission_set.label, "HubSpot Integration");
    assert_eq!(
        permission_set.object_permissions,
        [ObjectPermission {
            allow_create: true,
            allow_edit: true,
            allow_read: true,
            object: "Contact".into(),
            ..ObjectPermission::default()
        }]
    );
    assert_eq!(
        permission_set.user_permissions,
        [UserPermission {
            enabled: true,
            name: "ApiEnabled".into()
        }]
    );
    // Writing the model back gives the same elements in the same order.
    let written = XmlElement::parse(&format!(
        "<r><fullName>HubSpot_Integration</fullName>{}</r>",
        permission_set.to_metadata().body()
    ))
    .unwrap();
    assert_eq!(written.children, records[0].element.children);
    let sent = sent_operation(&mock.requests()[0].body, "readMetadata");
    assert_eq!(sent.child_text("type"), Some("PermissionSet"));
    assert_eq!(sent.child_texts("fullNames"), ["HubSpot_Integration"]);
}

#[test]
fn permission_set_round_trips_the_source_fixture_in_order() {
    let document = fixture("dreamhouse.permissionset-meta.xml");
    let permission_set = PermissionSet::from_document(&document, "dreamhouse").unwrap();
    assert_eq!(permission_set.full_name, "dreamhouse");
    assert!(permission_set.field_permissions.len() > 5);

    let written = XmlElement::parse(&permission_set.to_metadata().to_document()).unwrap();
    let original = XmlElement::parse(&document).unwrap();
    let modelled = [
        "classAccesses",
        "description",
        "fieldPermissions",
        "hasActivationRequired",
        "label",
        "license",
        "objectPermissions",
        "userPermissions",
    ];
    let original_names: Vec<&str> = child_names(&original)
        .into_iter()
        .filter(|n| modelled.contains(n))
        .collect();
    assert_eq!(child_names(&written), original_names);
}

#[test]
fn raw_fragments_must_be_well_formed() {
    assert!(
        Metadata::from_fragment("ExternalClientApplication", "X", "<label>X</label><oops>")
            .is_err()
    );
    assert!(
        Metadata::from_fragment("ExternalClientApplication", "../X", "<label>X</label>").is_err()
    );
    let metadata = Metadata::from_fragment(
        "ExternalClientApplication",
        "HubSpot",
        "<distributionState>Local</distributionState><label>HubSpot</label>",
    )
    .unwrap();
    assert_eq!(
        metadata.mdapi_path().as_deref(),
        Some("externalClientApps/HubSpot.eca")
    );
}

#[tokio::test]
async fn deploys_a_zip_and_polls_until_it_succeeds() {
    let mock = Mock::start().await;
    mock.on(
        "POST",
        SOAP_PATH,
        vec![
            xml(200, fixture("mdapi-deploy-response.xml")),
            xml(200, fixture("mdapi-checkdeploystatus-inprogress.xml")),
            xml(200, fixture("mdapi-checkdeploystatus-succeeded.xml")),
        ],
    );
    let client = client();
    let session = mock.session(&client);
    let permission_set = PermissionSet {
        full_name: "HubSpot_Integration".into(),
        label: "HubSpot Integration".into(),
        ..PermissionSet::default()
    };
    let mut package = Package::new("66.0");
    package.add(&permission_set.to_metadata()).unwrap();
    package.add(&hubspot_app().to_metadata()).unwrap();
    let poll = PollPolicy {
        initial_interval: Duration::from_millis(1),
        max_interval: Duration::from_millis(4),
        multiplier: 2.0,
        timeout: Duration::from_secs(5),
    };

    let result = session
        .deploy_and_wait(&package, &DeployOptions::default(), &poll)
        .await
        .unwrap();

    assert!(result.done);
    assert!(result.success);
    assert_eq!(result.status, DeployStatus::Succeeded);
    assert_eq!(result.number_components_deployed, 4);
    assert_eq!(result.component_successes.len(), 5);
    let requests = mock.requests();
    let actions: Vec<_> = requests
        .iter()
        .map(|r| r.soap_action.clone().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["deploy", "checkDeployStatus", "checkDeployStatus"]
    );
    let status_request = sent_operation(&requests[1].body, "checkDeployStatus");
    assert_eq!(
        status_request.child_text("asyncProcessId"),
        Some("0Af3B00001CMyfASAT")
    );

    let deploy = sent_operation(&requests[0].body, "deploy");
    let zip_bytes = base64::engine::general_purpose::STANDARD
        .decode(deploy.child_text("ZipFile").unwrap())
        .unwrap();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip_bytes)).unwrap();
    let mut names: Vec<String> = archive.file_names().map(str::to_owned).collect();
    names.sort();
    assert_eq!(
        names,
        [
            "connectedApps/HubSpot_Integration.connectedApp",
            "package.xml",
            "permissionsets/HubSpot_Integration.permissionset"
        ]
    );
    let mut manifest = String::new();
    archive
        .by_name("package.xml")
        .unwrap()
        .read_to_string(&mut manifest)
        .unwrap();
    let manifest = XmlElement::parse(&manifest).unwrap();
    let types: Vec<_> = manifest
        .children_named("types")
        .map(|t| t.child_text("name").unwrap())
        .collect();
    assert_eq!(types, ["ConnectedApp", "PermissionSet"]);
    assert_eq!(manifest.child_text("version"), Some("66.0"));
    let options = deploy.child("DeployOptions").unwrap();
    assert_eq!(options.child_text("rollbackOnError"), Some("true"));
}

#[tokio::test]
async fn reports_a_failed_deploy_with_its_component_failures() {
    let mock = Mock::start().await;
    mock.on(
        "POST",
        SOAP_PATH,
        vec![xml(200, fixture("mdapi-checkdeploystatus-failed.xml"))],
    );
    let client = client();
    let session = mock.session(&client);

    let result = session
        .check_deploy_status("0Af3D00001NVD0TSAX")
        .await
        .unwrap();

    assert_eq!(result.status, DeployStatus::Failed);
    assert!(!result.success);
    assert_eq!(
        result.component_failures[0].problem.as_deref(),
        Some("No package.xml found")
    );
    assert_eq!(
        result.component_failures[0].problem_type.as_deref(),
        Some("Error")
    );
}

#[tokio::test]
async fn gives_up_on_a_deploy_that_never_finishes() {
    let mock = Mock::start().await;
    mock.on(
        "POST",
        SOAP_PATH,
        vec![
            xml(200, fixture("mdapi-deploy-response.xml")),
            xml(200, fixture("mdapi-checkdeploystatus-inprogress.xml")),
        ],
    );
    let client = client();
    let session = mock.session(&client);
    let poll = PollPolicy {
        initial_interval: Duration::from_millis(5),
        max_interval: Duration::from_millis(10),
        multiplier: 2.0,
        timeout: Duration::from_millis(60),
    };

    let error = session
        .deploy_and_wait(&Package::new("66.0"), &DeployOptions::default(), &poll)
        .await
        .unwrap_err();

    assert!(
        matches!(error, Error::DeployTimeout { ref id, .. } if id == "0Af3B00001CMyfASAT"),
        "{error:?}"
    );
}
