//! The main job end to end, as issue #5 defines "done": `apply` on each kind of org, `verify`,
//! a second `apply` that writes nothing, a failure at every write step followed by a run that
//! converges without duplicates, JSON output, and spec-file driven runs.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt as _;

use serde_json::{Value, json};

use crate::support::{
    Fault, LoggedRequest, Output, Scenario, TestContext, USERNAME, assert_no_key_material, records,
};

const PERMISSION_SET: &str = "Hubspot_Integration";
const APP: &str = "Hubspot_Integration";

/// Requests of a run that the sim flags as writes, other than Composite calls.
///
/// The sim flags every `POST …/composite` as a write, whatever its subrequests, so the
/// read-only Composite calls sfiu makes (the observe read and the login proof) look like
/// writes in the log. They are left out here; the org snapshot proves they changed nothing.
fn non_composite_writes(log: &[LoggedRequest]) -> Vec<String> {
    log.iter()
        .filter(|request| request.is_write && !request.path.ends_with("/composite"))
        .map(|request| format!("{} {}", request.method, request.path))
        .collect()
}

/// The only record of `sobject` whose `field` is `value`.
#[track_caller]
fn only_record<'a>(snapshot: &'a Value, sobject: &str, field: &str, value: &str) -> &'a Value {
    let found: Vec<&Value> = records(snapshot, sobject)
        .into_iter()
        .filter(|record| record[field] == value)
        .collect();
    assert_eq!(
        found.len(),
        1,
        "expected exactly one {sobject} with {field} = {value}, found {found:#?}"
    );
    found[0]
}

/// Checks that the org holds the setup exactly once: one user, one permission set licence
/// assignment, one permission set with one row per object, one assignment per permission set,
/// one app (of `app_metadata_type`).
#[track_caller]
fn assert_set_up_once(cx: &TestContext, app_metadata_type: &str) {
    let snapshot = cx.org().snapshot();
    let user = only_record(&snapshot, "User", "Username", cx.username());
    let user_id = user["Id"].as_str().expect("user id");
    only_record(
        &snapshot,
        "PermissionSetLicenseAssign",
        "AssigneeId",
        user_id,
    );
    let set = only_record(&snapshot, "PermissionSet", "Name", PERMISSION_SET);
    let set_id = set["Id"].as_str().expect("permission set id");

    // Every user also holds its profile's own permission set; that one is not sfiu's.
    let profile_sets: Vec<&Value> = records(&snapshot, "PermissionSet")
        .into_iter()
        .filter(|set| set["IsOwnedByProfile"] == true)
        .map(|set| &set["Id"])
        .collect();
    let mut per_set: BTreeMap<String, usize> = BTreeMap::new();
    for assignment in records(&snapshot, "PermissionSetAssignment") {
        if assignment["AssigneeId"] == user_id
            && !profile_sets.contains(&&assignment["PermissionSetId"])
        {
            let id = assignment["PermissionSetId"]
                .as_str()
                .expect("id")
                .to_owned();
            *per_set.entry(id).or_default() += 1;
        }
    }
    assert!(
        per_set.values().all(|n| *n == 1),
        "duplicate permission set assignments: {per_set:?}"
    );
    assert!(
        per_set.contains_key(set_id),
        "the permission set is not assigned"
    );
    assert_eq!(per_set.len(), 2, "own and HubSpot package permission sets");

    let mut per_object: BTreeMap<String, usize> = BTreeMap::new();
    for row in records(&snapshot, "ObjectPermissions") {
        if row["ParentId"] == set_id {
            let object = row["SobjectType"].as_str().expect("object").to_owned();
            *per_object.entry(object).or_default() += 1;
        }
    }
    assert!(
        !per_object.is_empty() && per_object.values().all(|n| *n == 1),
        "object permissions missing or duplicated: {per_object:?}"
    );

    only_record(&snapshot, "ConnectedApplication", "Name", APP);
    let metadata = snapshot["metadata"].as_object().expect("metadata");
    assert!(
        metadata[app_metadata_type].get(APP).is_some(),
        "no {app_metadata_type} `{APP}` in {:?}",
        metadata.keys().collect::<Vec<_>>()
    );
    let other = if app_metadata_type == "ConnectedApp" {
        "ExternalClientApplication"
    } else {
        "ConnectedApp"
    };
    assert!(
        metadata
            .get(other)
            .is_none_or(|apps| apps.get(APP).is_none()),
        "the app exists as both kinds"
    );
}

/// Every file the run left in the integration's folder, for leak checks.
fn artifacts_text(cx: &TestContext) -> String {
    let mut text = String::new();
    for name in [
        "runbook.md",
        "runbook.json",
        "consumer-key.txt",
        "certificate.pem",
    ] {
        text.push_str(&fs_err::read_to_string(cx.integration_dir().join(name)).expect(name));
    }
    text
}

#[test]
fn fresh_org_is_set_up_verified_and_left_alone_by_a_second_apply() {
    let cx = TestContext::with_scenario(Scenario::FreshEnterprise);

    let first = cx.run_setup("apply", &[]);
    first.assert_code(0);
    insta::assert_snapshot!("apply_fresh_enterprise", cx.redact_output(&first));
    let key_path = cx.integration_dir().join("private-key.pem");
    let mode = fs_err::metadata(&key_path)
        .expect("key")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600, "the private key is not private");
    let key = fs_err::read_to_string(&key_path).expect("key");
    assert!(key.contains("PRIVATE KEY"), "not a PEM key: {key_path:?}");
    let runbook = artifacts_text(&cx);
    assert!(
        runbook.contains(cx.username()),
        "the runbook names the user"
    );
    assert_no_key_material(&key, &first.all());
    assert_no_key_material(&key, &runbook);
    cx.assert_no_secrets(&first.all());
    cx.assert_no_secrets(&runbook);
    assert_set_up_once(&cx, "ConnectedApp");

    let verify = cx.run_setup("verify", &[]);
    verify.assert_code(0);
    assert!(
        verify
            .stdout
            .contains(&format!("logged in as {}", cx.username())),
        "{}",
        verify.block()
    );
    assert!(!verify.stdout.contains("MISMATCH"), "{}", verify.block());
    cx.assert_no_secrets(&verify.all());

    let before = cx.written_state();
    cx.org().reset_log();
    let second = cx.run_setup("apply", &[]);
    second.assert_code(0);
    insta::assert_snapshot!("apply_again_no_changes", cx.redact_output(&second));
    assert!(
        second.stderr.contains("no changes"),
        "the second apply must report no changes:\n{}",
        second.block()
    );
    assert_eq!(
        non_composite_writes(&cx.org().request_log()),
        Vec::<String>::new(),
        "the second apply sent writes"
    );
    cx.assert_unchanged_since(&before, "the second apply");

    let third = cx.run_setup("apply", &["--format", "json"]);
    third.assert_code(0);
    let document = third.json();
    assert_eq!(document["changed"], json!(false), "{document:#}");
    assert_eq!(document["write_calls"], json!(0), "{document:#}");
    cx.assert_unchanged_since(&before, "the third apply");
    cx.assert_no_secrets(&third.all());
}

/// Runs a refused `apply` and checks that it exits 1 and wrote nothing.
fn refused_apply(scenario: Scenario) -> (TestContext, Output) {
    let cx = TestContext::with_scenario(scenario);
    let before = cx.written_state();
    let output = cx.run_setup("apply", &[]);
    output.assert_code(1);
    assert!(
        output.stderr.contains("nothing was written"),
        "{}",
        output.block()
    );
    assert_eq!(
        non_composite_writes(&cx.org().request_log()),
        Vec::<String>::new()
    );
    cx.assert_unchanged_since(&before, "a refused apply");
    assert!(
        !cx.integration_dir().join("private-key.pem").exists(),
        "a refused apply made a key"
    );
    (cx, output)
}

#[test]
fn full_org_is_refused_with_the_seat_numbers_and_nothing_written() {
    let (cx, output) = refused_apply(Scenario::FullEnterprise);
    assert!(
        output.all().contains("5 of 5 used"),
        "the error must give the seat numbers:\n{}",
        output.block()
    );
    insta::assert_snapshot!("apply_full_enterprise", cx.redact_output(&output));
}

#[test]
fn professional_edition_is_refused_and_nothing_written() {
    let (cx, output) = refused_apply(Scenario::ProfessionalEdition);
    assert!(
        output
            .all()
            .contains("no `Salesforce Integration` user licence"),
        "{}",
        output.block()
    );
    insta::assert_snapshot!("apply_professional_edition", cx.redact_output(&output));
}

#[test]
fn blocked_connected_apps_lead_to_an_external_client_app_that_logs_in() {
    let cx = TestContext::with_scenario(Scenario::ConnectedAppBlocked);
    let output = cx.run_setup("apply", &["--format", "json"]);
    output.assert_code(0);
    let document = output.json();
    assert_eq!(document["app_kind"], json!("external-client-app"));
    let login = document["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .find(|step| step["step"] == "login-test")
        .expect("a login-test step");
    assert_eq!(login["status"], json!("done"), "{document:#}");
    assert_set_up_once(&cx, "ExternalClientApplication");

    cx.run_setup("verify", &[]).assert_code(0);
}

#[test]
fn json_output_is_one_document_with_steps_and_round_trips() {
    let cx = TestContext::with_scenario(Scenario::FreshEnterprise);
    let output = cx.run_setup("apply", &["--format", "json"]);
    output.assert_code(0);
    let document = output.json();
    for key in [
        "format_version",
        "command",
        "applied",
        "changed",
        "app_kind",
        "steps",
        "round_trips",
        "write_calls",
        "ids",
        "runbook",
    ] {
        assert!(document.get(key).is_some(), "no `{key}` in {document:#}");
    }
    assert_eq!(document["command"], json!("apply"));
    assert_eq!(document["applied"], json!(true));
    assert_eq!(document["changed"], json!(true));
    let steps: Vec<(&str, &str)> = document["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .map(|step| {
            (
                step["step"].as_str().expect("step"),
                step["status"].as_str().expect("status"),
            )
        })
        .collect();
    assert_eq!(
        steps,
        [
            ("license-check", "done"),
            ("user", "done"),
            ("psl-assignment", "done"),
            ("permission-set", "done"),
            ("permission-set-assignment", "done"),
            ("certificate", "done"),
            ("app", "done"),
            ("login-test", "done"),
        ]
    );
    let round_trips = document["round_trips"].as_u64().expect("round_trips");
    let served = cx.org().counters().total;
    assert_eq!(
        round_trips, served,
        "round_trips must count what the org served"
    );
    let user_id = document["ids"]["user"].as_str().expect("user id");
    assert_eq!(
        only_record(&cx.org().snapshot(), "User", "Username", cx.username())["Id"],
        user_id
    );
    assert!(
        !output.stdout.contains('\u{1b}'),
        "JSON output carries no colour"
    );
    cx.assert_no_secrets(&output.all());
}

/// A write step to break: the org, the fault that breaks it, the step sfiu must report as
/// failed, and the kind of app the org ends up with.
struct BrokenStep {
    scenario: Scenario,
    fault: Fault,
    failed_step: &'static str,
    app_metadata_type: &'static str,
}

impl BrokenStep {
    /// A fault in a fresh Enterprise org, which ends with a Connected App.
    fn fresh(fault: Fault, failed_step: &'static str) -> BrokenStep {
        BrokenStep {
            scenario: Scenario::FreshEnterprise,
            fault,
            failed_step,
            app_metadata_type: "ConnectedApp",
        }
    }
}

fn server_error() -> Value {
    json!([{"errorCode": "UNKNOWN_EXCEPTION", "message": "injected fault"}])
}

/// Breaks one write of an apply and checks that the run exits 2 naming completed and failed
/// steps; returns the context with the faults cleared.
fn break_apply(broken: &BrokenStep) -> (TestContext, Output) {
    let cx = TestContext::with_scenario(broken.scenario);
    cx.org().add_fault(broken.fault.clone());
    let failed = cx.run_setup("apply", &[]);
    failed.assert_code(2);
    assert!(
        cx.org().request_log().iter().any(|request| request.faulted),
        "the fault never fired: {:?}\n{}",
        broken.fault,
        failed.block()
    );
    let failed_lines: Vec<&str> = failed
        .stderr
        .lines()
        .filter(|line| line.contains("FAILED"))
        .collect();
    assert_eq!(
        failed_lines.len(),
        1,
        "exactly one failed step:\n{}",
        failed.block()
    );
    assert!(
        failed_lines[0].trim_start().starts_with(broken.failed_step),
        "expected `{}` to fail:\n{}",
        broken.failed_step,
        failed.block()
    );
    assert!(
        failed.stderr.contains("licence check                done"),
        "completed steps are listed:\n{}",
        failed.block()
    );
    assert!(
        failed.stderr.contains("not reached") || broken.failed_step == "login test",
        "later steps are listed as not reached:\n{}",
        failed.block()
    );
    assert!(
        failed.stderr.contains("error: apply stopped"),
        "{}",
        failed.block()
    );
    cx.assert_no_secrets(&failed.all());
    cx.org().clear_faults();
    (cx, failed)
}

/// Breaks one write of an apply, then checks that the next apply converges without
/// duplicates.
fn fault_then_converge(broken: BrokenStep) -> (TestContext, Output) {
    let (cx, failed) = break_apply(&broken);
    let again = cx.run_setup("apply", &[]);
    again.assert_code(0);
    assert_set_up_once(&cx, broken.app_metadata_type);
    (cx, failed)
}

#[test]
fn failed_identity_composite_is_finished_by_the_next_apply() {
    // The first Composite call reads the org; the second writes the user, the licence
    // assignment and the permission set record.
    let mut fault = Fault::respond("POST", "/services/data/*/composite", 500, server_error());
    fault.nth = 2;
    let (cx, failed) = fault_then_converge(BrokenStep::fresh(fault, "user"));
    insta::assert_snapshot!("apply_fault_identity", cx.redact_output(&failed));
}

#[test]
fn failed_grants_collection_is_finished_by_the_next_apply() {
    let fault = Fault::respond(
        "POST",
        "/services/data/*/composite/sobjects",
        500,
        server_error(),
    );
    fault_then_converge(BrokenStep::fresh(fault, "permission set "));
}

#[test]
fn failed_assignments_collection_is_finished_by_the_next_apply() {
    let mut fault = Fault::respond(
        "POST",
        "/services/data/*/composite/sobjects",
        500,
        server_error(),
    );
    fault.nth = 2;
    fault_then_converge(BrokenStep::fresh(fault, "permission set assignment"));
}

#[test]
fn failed_app_metadata_call_is_finished_by_the_next_apply() {
    // Every Metadata API call fails, so the fallback from a refused Connected App to an
    // External Client App fails as well.
    let mut fault = Fault::respond("POST", "/services/Soap/m/*", 500, server_error());
    fault.times = u32::MAX;
    fault_then_converge(BrokenStep::fresh(fault, "app"));
}

/// Breaks Metadata API call `nth` of an apply where Connected Apps are blocked: call 1 is the
/// refused Connected App, calls 2 to 5 the External Client App's header, OAuth settings,
/// global OAuth settings (certificate, consumer key) and policies (pre-authorisation).
fn half_made_external_client_app(nth: u32) -> (TestContext, Output) {
    let mut fault = Fault::respond("POST", "/services/Soap/m/*", 500, server_error());
    fault.nth = nth;
    let broken = BrokenStep {
        scenario: Scenario::ConnectedAppBlocked,
        fault,
        failed_step: "app",
        app_metadata_type: "ExternalClientApplication",
    };
    let (cx, _) = break_apply(&broken);
    let again = cx.run_setup("apply", &[]);
    (cx, again)
}

#[test]
fn external_client_app_that_failed_before_its_header_is_made_by_the_next_apply() {
    let (cx, again) = half_made_external_client_app(2);
    again.assert_code(0);
    assert_set_up_once(&cx, "ExternalClientApplication");
}

#[test]
fn half_made_external_client_app_is_completed_by_the_next_apply() {
    // A failure at the second, third or fourth of the app's components leaves the app itself
    // in the org; the next apply completes it rather than colliding with it, and logs in.
    for nth in [3, 4, 5] {
        let (cx, again) = half_made_external_client_app(nth);
        again.assert_code(0);
        assert!(
            again.stderr.contains("login test                   done"),
            "call {nth}:\n{}",
            again.block()
        );
        assert_set_up_once(&cx, "ExternalClientApplication");
    }
}

#[test]
fn server_error_on_a_new_connected_app_fails_the_app_step() {
    // Only Salesforce refusing the Connected App means the org blocks them; a server error
    // is an error, and the next apply (the server healthy again) makes the Connected App.
    let cx = TestContext::with_scenario(Scenario::FreshEnterprise);
    let mut fault = Fault::respond("POST", "/services/Soap/m/*", 500, server_error());
    fault.times = 1;
    cx.org().add_fault(fault);
    let failed = cx.run_setup("apply", &["--format", "json"]);
    failed.assert_code(2);
    assert_eq!(failed.json()["applied"], json!(false));
    let again = cx.run_setup("apply", &["--format", "json"]);
    again.assert_code(0);
    assert_eq!(again.json()["app_kind"], json!("connected-app"));
    assert_set_up_once(&cx, "ConnectedApp");
}

#[test]
fn failed_login_token_call_is_finished_by_the_next_apply() {
    let fault = Fault::respond(
        "POST",
        "/services/oauth2/token",
        400,
        json!({"error": "invalid_grant", "error_description": "injected fault"}),
    );
    let (cx, failed) = fault_then_converge(BrokenStep::fresh(fault, "login test"));
    insta::assert_snapshot!("apply_fault_login", cx.redact_output(&failed));
}

const SPEC: &str = r#"
id = "hubspot"

[plugin]
id = "hubspot"
preset = "bidirectional-sync"

[user]
username = "integration-hubspot@acme.example"
email = "integration-hubspot@acme.example"

[[grants.objects]]
object = "Case"
access = ["read"]
reason = "support reps see open cases in HubSpot"

[grants.remove]
system_permissions = ["PermissionsViewSetup"]

[[grants.remove.objects]]
object = "Event"
"#;

/// The object permissions of the integration's permission set, by object.
fn object_permissions(cx: &TestContext) -> BTreeMap<String, Value> {
    let snapshot = cx.org().snapshot();
    let set = only_record(&snapshot, "PermissionSet", "Name", PERMISSION_SET);
    records(&snapshot, "ObjectPermissions")
        .into_iter()
        .filter(|row| row["ParentId"] == set["Id"])
        .map(|row| {
            (
                row["SobjectType"].as_str().expect("object").to_owned(),
                row.clone(),
            )
        })
        .collect()
}

#[test]
fn spec_file_adds_and_removes_grants() {
    let cx = TestContext::with_scenario(Scenario::FreshEnterprise);
    let spec_text = SPEC.replace(USERNAME, cx.username());
    let spec = cx.write_file("hubspot.toml", &spec_text);
    let spec = spec.display().to_string();
    let out = cx.out_dir().display().to_string();
    let url = cx.org().instance_url().to_owned();
    let flags = ["--spec", &spec, "--out", &out, "--instance-url", &url];

    cx.run(&[&["apply"][..], &flags[..]].concat())
        .assert_code(0);
    let objects = object_permissions(&cx);
    let case = objects.get("Case").expect("the spec's extra grant on Case");
    assert_eq!(case["PermissionsRead"], json!(true));
    assert_eq!(case["PermissionsEdit"], json!(false));
    assert!(
        !objects.contains_key("Event"),
        "Event was removed: {objects:?}"
    );
    let snapshot = cx.org().snapshot();
    let set = only_record(&snapshot, "PermissionSet", "Name", PERMISSION_SET);
    assert_eq!(set["PermissionsViewSetup"], json!(false));
    assert_eq!(set["PermissionsApiEnabled"], json!(true));

    // Dropping the extra grant from the spec does not delete it: apply never removes what
    // was not declared, but it shows the leftover and reports the access difference.
    cx.write_file(
        "hubspot.toml",
        &spec_text.replace("\"Case\"", "\"Contact\""),
    );
    let output = cx.run(&[&["apply"][..], &flags[..]].concat());
    output.assert_code(1);
    assert!(
        output.stdout.contains("extra object permissions `Case`"),
        "{}",
        output.block()
    );
    assert!(
        output.stderr.contains("differs from the grant on: Case"),
        "{}",
        output.block()
    );
    assert!(object_permissions(&cx).contains_key("Case"));
    assert_set_up_once(&cx, "ConnectedApp");
}

#[test]
fn malformed_spec_file_stops_before_the_org_is_touched() {
    let cx = TestContext::with_scenario(Scenario::FreshEnterprise);
    let spec = cx.write_file(
        "bad.toml",
        "id = \"hubspot\"\ncolour = \"blue\"\n[user]\nusername = \"a@b.example\"\nemail = \"a@b.example\"\n",
    );
    let before = cx.written_state();
    let output = cx.run_org(&["apply", "--spec", spec.to_str().expect("utf-8")]);
    output.assert_code(2);
    assert!(
        output.stderr.contains("unknown field `colour`"),
        "{}",
        output.block()
    );
    cx.assert_unchanged_since(&before, "a bad spec");
    assert!(
        cx.org().request_log().is_empty(),
        "the org was contacted before the spec was read"
    );
    insta::assert_snapshot!("apply_malformed_spec", cx.redact_output(&output));
}

#[test]
fn invalid_spec_lists_every_issue_and_writes_nothing() {
    let cx = TestContext::with_scenario(Scenario::FreshEnterprise);
    let spec = cx.write_file(
        "invalid.toml",
        "id = \"hubspot\"\n[plugin]\nid = \"hubspot\"\npreset = \"bidirectional-sync\"\n\
         [user]\nusername = \"not-an-email\"\nemail = \"a@b.example\"\n\
         [[grants.objects]]\nobject = \"Case\"\naccess = [\"delete\"]\n",
    );
    let before = cx.written_state();
    let output = cx.run_org(&["apply", "--spec", spec.to_str().expect("utf-8")]);
    output.assert_code(1);
    for code in ["SFIU-E002", "SFIU-E013"] {
        assert!(output.all().contains(code), "{code}:\n{}", output.block());
    }
    assert_eq!(
        non_composite_writes(&cx.org().request_log()),
        Vec::<String>::new()
    );
    cx.assert_unchanged_since(&before, "a bad spec");
}

#[test]
fn apply_from_a_folder_without_the_key_refuses_to_replace_the_certificate() {
    let cx = TestContext::with_scenario(Scenario::FreshEnterprise);
    cx.run_setup("apply", &[]).assert_code(0);
    let before = cx.written_state();
    let elsewhere = cx.path().join("elsewhere").display().to_string();
    let output = cx.run_org(&[
        "apply",
        "--plugin",
        "hubspot",
        "--username",
        cx.username(),
        "--out",
        &elsewhere,
    ]);
    output.assert_code(1);
    assert!(output.stderr.contains("SFIU-E105"), "{}", output.block());
    cx.assert_unchanged_since(&before, "apply from a folder without the key");
    // The original folder still logs in.
    cx.run_setup("verify", &[]).assert_code(0);
}

#[test]
fn a_second_integration_cannot_take_over_the_first_ones_user() {
    let cx = TestContext::with_scenario(Scenario::FreshEnterprise);
    cx.run_setup("apply", &[]).assert_code(0);
    let before = cx.written_state();
    let spec = cx.write_file(
        "gong.toml",
        &format!(
            "id = \"gong\"\nacknowledge_dangerous = [\"PermissionsViewAllUsers\"]\n\
             [plugin]\nid = \"gong\"\npreset = \"standard\"\n\
             [user]\nusername = \"{0}\"\nemail = \"{0}\"\n",
            cx.username()
        ),
    );
    let out = cx.out_dir().display().to_string();
    let spec = spec.display().to_string();
    let output = cx.run_org(&["apply", "--spec", &spec, "--out", &out]);
    output.assert_code(1);
    assert!(
        output.stderr.contains("SFIU-E106") && output.stderr.contains("another integration's user"),
        "{}",
        output.block()
    );
    cx.assert_unchanged_since(&before, "a second integration on the same user");
}

#[test]
fn a_missing_certificate_file_is_refused_before_any_write() {
    let cx = TestContext::with_scenario(Scenario::FreshEnterprise);
    let before = cx.written_state();
    let output = cx.run_setup("apply", &["--certificate", "nope.pem"]);
    output.assert_code(1);
    assert!(output.stderr.contains("SFIU-E107"), "{}", output.block());
    cx.assert_unchanged_since(&before, "apply with a missing certificate file");
}

/// Writes the bundled HubSpot component as a vendor bundle folder (`plugin.toml` +
/// `plugin.wasm`) named `folder`, the way docs/plugins.md describes it.
fn hubspot_bundle(cx: &TestContext, folder: &str) -> std::path::PathBuf {
    use sha2::Digest as _;
    let wasm = sfiu_plugin_host::bundled_bytes("hubspot")
        .expect("the test binary has the bundled plugins");
    let directory = cx.path().join(folder);
    fs_err::create_dir_all(&directory).expect("the temp folder is writable");
    fs_err::write(directory.join("plugin.wasm"), wasm).expect("the temp folder is writable");
    let manifest = format!(
        "id = \"hubspot\"\nversion = \"0.1.0\"\nwit = \"0.1.0\"\nmin_sfiu = \"0.1.0\"\nsha256 = \"{}\"\n",
        hex::encode(sha2::Sha256::digest(wasm))
    );
    fs_err::write(directory.join("plugin.toml"), manifest).expect("the temp folder is writable");
    directory
}

#[test]
fn a_vendor_bundle_keeps_its_own_integration_id() {
    let cx = TestContext::with_scenario(Scenario::FreshEnterprise);
    let bundle = hubspot_bundle(&cx, "vendor");
    let out = cx.out_dir().display().to_string();
    for reference in [bundle.join("plugin.toml"), bundle.clone()] {
        let reference = reference.display().to_string();
        let output = cx.run_org(&[
            "plan",
            "--plugin",
            &reference,
            "--username",
            cx.username(),
            "--out",
            &out,
            "--format",
            "json",
        ]);
        output.assert_code(0);
        assert_eq!(
            output.json()["integration"],
            "hubspot",
            "{}",
            output.block()
        );
        assert!(
            output.all().contains("Hubspot_Integration")
                && !output.all().contains("Integration_Integration"),
            "{}",
            output.block()
        );
    }
}

#[test]
fn a_plugin_flag_that_contradicts_the_spec_is_refused() {
    let cx = TestContext::with_scenario(Scenario::FreshEnterprise);
    let spec = cx.write_file(
        "gong.toml",
        &format!(
            "id = \"gong\"\n[plugin]\nid = \"gong\"\npreset = \"standard\"\n[user]\nusername = \"{0}\"\nemail = \"{0}\"\n",
            cx.username()
        ),
    );
    let spec = spec.display().to_string();
    let output = cx.run_org(&["plan", "--spec", &spec, "--plugin", "hubspot"]);
    output.assert_code(2);
    assert!(
        output.stderr.contains("the spec is for plugin `gong`"),
        "{}",
        output.block()
    );
}
