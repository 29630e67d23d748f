//! Keeping an integration healthy (issue #6 "Done when"): the drift audit and its fix, the
//! certificate rotation with interruptions, the seat report, and the audit's cost against
//! the org's size.

#![expect(
    clippy::unwrap_used,
    reason = "test helpers fail the test loudly on any unexpected error"
)]

use serde_json::{Value, json};
use sfiu_sf_client::{
    AccessToken, Client, ConnectedApp, ConnectedAppOauthConfig, ConnectedAppOauthPolicy,
    Connection, JwtAssertion, Session,
};

use crate::support::{Fault, Output, Scenario, TestContext, writes};

/// The permission set and app the HubSpot plugin's setup makes.
const PERMISSION_SET: &str = "Hubspot_Integration";

/// The simulated orgs of one test process share Salesforce's cross-org username registry,
/// so each test signs its integration user up under its own name.
fn username(test: &str) -> String {
    format!("integration-hubspot-{test}@acme.example")
}

/// `sfiu <command…> <setup flags with the test's username> <extra…>`.
fn setup(cx: &TestContext, user: &str, command: &[&str], extra: &[&str]) -> Output {
    let mut arguments: Vec<String> = command.iter().map(|a| (*a).to_owned()).collect();
    arguments.extend(setup_flags(cx, user));
    arguments.extend(extra.iter().map(|a| (*a).to_owned()));
    cx.run(&arguments)
}

fn setup_flags(cx: &TestContext, user: &str) -> Vec<String> {
    let mut flags = vec![
        "--plugin".to_owned(),
        "hubspot".to_owned(),
        "--username".to_owned(),
        user.to_owned(),
        "--out".to_owned(),
        cx.out_dir().display().to_string(),
    ];
    flags.extend(cx.org_flags());
    flags
}

/// An admin session on the context's org, for changes "someone made in Setup".
fn admin(cx: &TestContext) -> Session {
    let org = cx.org();
    let client = Client::builder().build().unwrap();
    client
        .session(Connection {
            instance_url: org.instance_url().to_owned(),
            access_token: AccessToken::new(org.admin_access_token()),
            api_version: "66.0".to_owned(),
        })
        .unwrap()
}

fn query(cx: &TestContext, session: &Session, soql: &str) -> Vec<Value> {
    cx.runtime()
        .block_on(session.query_all::<Value>(soql, 10_000))
        .unwrap()
}

fn id_of(cx: &TestContext, session: &Session, soql: &str) -> String {
    query(cx, session, soql)[0]["Id"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn audit(cx: &TestContext, user: &str, extra: &[&str]) -> Output {
    let mut arguments = vec!["--format", "json"];
    arguments.extend_from_slice(extra);
    setup(cx, user, &["audit"], &arguments)
}

/// The kinds of the findings of a JSON audit.
fn kinds(output: &Output) -> Vec<String> {
    output.json()["integrations"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|finding| finding["kind"].as_str().unwrap().to_owned())
        .collect()
}

/// Audits, expecting exactly `expected`, then fixes (with `fix_flags` after `--fix`) and
/// expects a clean audit.
#[track_caller]
fn expect_drift_then_fix(cx: &TestContext, user: &str, expected: &str, fix_flags: &[&str]) {
    let found = audit(cx, user, &[]);
    found.assert_code(1);
    assert_eq!(kinds(&found), vec![expected.to_owned()], "{}", found.stdout);
    let finding = &found.json()["integrations"][0]["findings"][0];
    assert!(finding["fix"].as_str().is_some_and(|fix| !fix.is_empty()));
    assert!(finding["where"].as_str().is_some_and(|at| !at.is_empty()));

    let mut flags = vec!["--fix"];
    flags.extend_from_slice(fix_flags);
    let fixed = audit(cx, user, &flags);
    fixed.assert_code(0);
    let result = &fixed.json()["integrations"][0];
    assert_eq!(result["after_fix"], json!([]));
    assert_eq!(result["fix_applied"], true);
    assert_eq!(result["findings"][0]["kind"], expected);
    assert_eq!(result["findings"][0]["fixed"], true, "{result}");
    let clean = audit(cx, user, &[]);
    clean.assert_code(0);
    assert!(kinds(&clean).is_empty(), "{}", clean.stdout);
    cx.assert_no_secrets(&fixed.all());
}

/// Plain `--fix` leaves a revoke finding alone: exit 1, the finding marked as kept, with the
/// command that would restore it.
#[track_caller]
fn expect_revoke_kept(cx: &TestContext, user: &str, expected: &str) {
    let fixed = audit(cx, user, &["--fix"]);
    fixed.assert_code(1);
    assert_eq!(kinds(&fixed), vec![expected.to_owned()], "{}", fixed.stdout);
    let finding = &fixed.json()["integrations"][0]["findings"][0];
    assert_eq!(finding["looks_like_revoke"], true, "{finding}");
    assert_eq!(finding["fixable"], false);
    assert_eq!(finding["fixed"], false);
    assert_eq!(
        finding["not_fixed"],
        "not fixed: looks like a deliberate revoke"
    );
    assert!(
        finding["fix"]
            .as_str()
            .unwrap()
            .contains("`sfiu audit --fix --restore-access`"),
        "{finding}"
    );
    let human = setup(cx, user, &["audit", "--fix"], &[]);
    human.assert_code(1);
    assert!(
        human
            .stdout
            .contains("now:  not fixed: looks like a deliberate revoke"),
        "{}",
        human.block()
    );
    assert!(!human.stderr.contains("no drift"), "{}", human.block());
}

fn app_metadata(cx: &TestContext, user: &str, admin_approved: bool) -> sfiu_sf_client::Metadata {
    connected_app(cx, user, admin_approved).to_metadata()
}

/// The integration's Connected App as sfiu saves it, except for the approval and without a
/// pre-authorised permission set.
fn connected_app(cx: &TestContext, user: &str, admin_approved: bool) -> ConnectedApp {
    let certificate =
        sfiu_jwt::Certificate::from_file(cx.integration_dir().join("certificate.pem")).unwrap();
    ConnectedApp {
        full_name: PERMISSION_SET.to_owned(),
        contact_email: user.to_owned(),
        contact_phone: None,
        description: None,
        label: "Hubspot Integration".to_owned(),
        oauth_config: Some(ConnectedAppOauthConfig {
            callback_url: "https://login.salesforce.com/services/oauth2/success".to_owned(),
            certificate: Some(certificate.to_base64_body()),
            consumer_key: None,
            is_admin_approved: Some(admin_approved),
            scopes: vec!["Api".to_owned(), "RefreshToken".to_owned()],
        }),
        oauth_policy: Some(ConnectedAppOauthPolicy {
            ip_relaxation: "ENFORCE".to_owned(),
            refresh_token_policy: "infinite".to_owned(),
        }),
        permission_set_names: Vec::new(),
        profile_names: Vec::new(),
    }
}

#[test]
fn audit_reports_each_drift_alone_and_fix_restores_it() {
    let cx = TestContext::with_scenario(Scenario::FreshEnterprise);
    let user = username("drift");
    setup(&cx, &user, &["apply"], &[]).assert_code(0);
    let session = admin(&cx);

    // A clean org: no drift, exit 0, and the human table says so.
    let clean = setup(&cx, &user, &["audit"], &[]);
    clean.assert_code(0);
    assert!(clean.stderr.contains("no drift"), "{}", clean.block());

    let set_id = id_of(
        &cx,
        &session,
        &format!("SELECT Id FROM PermissionSet WHERE Name = '{PERMISSION_SET}'"),
    );
    let user_id = id_of(
        &cx,
        &session,
        &format!("SELECT Id FROM User WHERE Username = '{user}'"),
    );

    // A grant added to the integration's permission set.
    cx.runtime()
        .block_on(session.create(
            "ObjectPermissions",
            &json!({"ParentId": set_id, "SobjectType": "Case", "PermissionsRead": true}),
        ))
        .unwrap();
    let found = audit(&cx, &user, &[]);
    let finding = &found.json()["integrations"][0]["findings"][0];
    assert!(finding["what"].as_str().unwrap().contains("Case"));
    assert!(finding["since"].is_string(), "{finding}");
    assert!(finding["by"].as_str().unwrap().starts_with("admin@"));
    expect_drift_then_fix(&cx, &user, "grant-added", &[]);

    // A declared grant removed.
    let row = id_of(
        &cx,
        &session,
        &format!(
            "SELECT Id FROM ObjectPermissions WHERE Parent.Name = '{PERMISSION_SET}' AND SobjectType = 'Contact'"
        ),
    );
    cx.runtime()
        .block_on(session.delete("ObjectPermissions", &row))
        .unwrap();
    expect_drift_then_fix(&cx, &user, "grant-removed", &[]);

    // Another permission set assigned to the integration user.
    let extra = cx
        .runtime()
        .block_on(session.create(
            "PermissionSet",
            &json!({"Name": "Extra_Access", "Label": "Extra Access"}),
        ))
        .unwrap()
        .id
        .unwrap();
    cx.runtime()
        .block_on(session.create(
            "PermissionSetAssignment",
            &json!({"AssigneeId": user_id, "PermissionSetId": extra}),
        ))
        .unwrap();
    let found = audit(&cx, &user, &[]);
    assert_eq!(kinds(&found), ["extra-assignment"]);
    assert_eq!(
        found.json()["integrations"][0]["findings"][0]["fixed"],
        false
    );
    // The human `--fix` says the assignment goes (not the permission set), and on stdout that
    // the findings it lists were found before the fix and are gone now.
    let fixed = setup(&cx, &user, &["audit", "--fix"], &[]);
    fixed.assert_code(0);
    assert!(
        fixed.stdout.contains(&format!(
            "- unassign permission set `Extra_Access` from `{user}`"
        )),
        "{}",
        fixed.block()
    );
    assert!(
        !fixed.stdout.contains("- delete permission set"),
        "{}",
        fixed.stdout
    );
    assert!(
        fixed
            .stdout
            .contains("1 finding(s) before the fix, 1 of them fixed"),
        "{}",
        fixed.stdout
    );
    assert!(fixed.stdout.contains("now:  fixed"), "{}", fixed.stdout);
    assert!(
        fixed.stdout.contains("after the fix: no drift left"),
        "{}",
        fixed.stdout
    );
    audit(&cx, &user, &[]).assert_code(0);

    // The integration's permission set assigned to someone else.
    let admin_id = id_of(
        &cx,
        &session,
        &format!(
            "SELECT Id FROM User WHERE Username = '{}'",
            cx.org().admin_username()
        ),
    );
    cx.runtime()
        .block_on(session.create(
            "PermissionSetAssignment",
            &json!({"AssigneeId": admin_id, "PermissionSetId": set_id}),
        ))
        .unwrap();
    let plan = audit(&cx, &user, &[]).json()["integrations"][0]["fix_plan"].clone();
    assert_eq!(
        plan,
        json!([format!(
            "- unassign permission set `{PERMISSION_SET}` from `{}`",
            cx.org().admin_username()
        )])
    );
    expect_drift_then_fix(&cx, &user, "permission-set-shared", &[]);

    // The user moved to a profile that allows interactive login.
    let standard = id_of(
        &cx,
        &session,
        "SELECT Id FROM Profile WHERE Name = 'Standard User'",
    );
    cx.runtime()
        .block_on(session.update("User", &user_id, &json!({"ProfileId": standard})))
        .unwrap();
    expect_drift_then_fix(&cx, &user, "interactive-login", &[]);

    // The user deactivated, as the runbook tells an admin to cut access in an incident:
    // plain `--fix` keeps it (and still fixes the rest), only `--restore-access` undoes it.
    cx.runtime()
        .block_on(session.update("User", &user_id, &json!({"IsActive": false})))
        .unwrap();
    let is_active = || {
        query(
            &cx,
            &session,
            &format!("SELECT IsActive FROM User WHERE Id = '{user_id}'"),
        )[0]["IsActive"]
            .clone()
    };
    expect_revoke_kept(&cx, &user, "user-inactive");
    assert_eq!(is_active(), false);
    cx.runtime()
        .block_on(session.create(
            "ObjectPermissions",
            &json!({"ParentId": set_id, "SobjectType": "Case", "PermissionsRead": true}),
        ))
        .unwrap();
    let fixed = audit(&cx, &user, &["--fix"]);
    fixed.assert_code(1);
    let result = &fixed.json()["integrations"][0];
    assert_eq!(result["fix_applied"], true, "{}", fixed.block());
    assert_eq!(kinds(&fixed), ["user-inactive", "grant-added"]);
    assert_eq!(result["findings"][0]["fixed"], false);
    assert_eq!(result["findings"][1]["fixed"], true);
    assert_eq!(result["after_fix"][0]["kind"], "user-inactive", "{result}");
    assert_eq!(is_active(), false);
    expect_drift_then_fix(&cx, &user, "user-inactive", &["--restore-access"]);
    assert_eq!(is_active(), true);

    // The integration's permission set taken off its user: kept the same way.
    let assignment = id_of(
        &cx,
        &session,
        &format!(
            "SELECT Id FROM PermissionSetAssignment WHERE PermissionSet.Name = '{PERMISSION_SET}' AND AssigneeId = '{user_id}'"
        ),
    );
    cx.runtime()
        .block_on(session.delete("PermissionSetAssignment", &assignment))
        .unwrap();
    let holders = || {
        query(
            &cx,
            &session,
            &format!(
                "SELECT Id FROM PermissionSetAssignment WHERE PermissionSet.Name = '{PERMISSION_SET}'"
            ),
        )
        .len()
    };
    expect_revoke_kept(&cx, &user, "assignment-removed");
    assert_eq!(holders(), 0);
    let all = cx.run_org(&[
        "audit", "--all", "--fix", "--format", "json", "--out", "out",
    ]);
    all.assert_code(1);
    assert_eq!(holders(), 0);
    expect_drift_then_fix(&cx, &user, "assignment-removed", &["--restore-access"]);
    assert_eq!(holders(), 1);
    // `--restore-access` means nothing without `--fix`.
    audit(&cx, &user, &["--restore-access"]).assert_code(2);

    // The app no longer admin-approved nor pre-authorised through the permission set.
    let results = cx
        .runtime()
        .block_on(session.upsert_metadata(&[app_metadata(&cx, &user, false)]))
        .unwrap();
    assert!(results[0].success, "{results:?}");
    expect_drift_then_fix(&cx, &user, "app-pre-authorisation", &[]);

    // An app under the rotation's other name that lets the integration user in while no
    // rotation is under way is a second door: reported, not fixed, until it is deleted.
    let mut extra = connected_app(&cx, &user, true);
    extra.full_name = "Hubspot_Integration_Rotated".to_owned();
    extra.permission_set_names = vec![PERMISSION_SET.to_owned()];
    let extra = extra.to_metadata();
    let results = cx
        .runtime()
        .block_on(session.upsert_metadata(&[extra]))
        .unwrap();
    assert!(results[0].success, "{results:?}");
    let found = audit(&cx, &user, &[]);
    found.assert_code(1);
    assert_eq!(kinds(&found), ["extra-app"], "{}", found.stdout);
    let finding = &found.json()["integrations"][0]["findings"][0];
    assert_eq!(finding["where"], "app `Hubspot_Integration_Rotated`");
    assert_eq!(finding["fixable"], false);
    assert!(finding["fix"].as_str().unwrap().contains("delete the app"));
    audit(&cx, &user, &["--fix"]).assert_code(1);
    cx.runtime()
        .block_on(session.delete_metadata("ConnectedApp", &["Hubspot_Integration_Rotated"]))
        .unwrap();
    audit(&cx, &user, &[]).assert_code(0);

    // `--all` finds the integration through its runbook, and a permission set that says it
    // is managed by sfiu but has no runbook here is reported as not auditable.
    let all = cx.run_org(&["audit", "--all", "--format", "json", "--out", "out"]);
    all.assert_code(0);
    assert_eq!(all.json()["integrations"][0]["declared_by"], "runbook");
    assert_eq!(all.json()["integrations"][0]["findings"], json!([]));
    cx.runtime()
        .block_on(session.create(
            "PermissionSet",
            &json!({"Name": "Elsewhere_Integration", "Label": "Elsewhere",
                    "Description": "Least-privilege access for the elsewhere integration, managed by sfiu."}),
        ))
        .unwrap();
    let all = cx.run_org(&["audit", "--all", "--format", "json", "--out", "out"]);
    all.assert_code(1);
    assert_eq!(
        all.json()["unrecorded_permission_sets"],
        json!(["Elsewhere_Integration"])
    );

    // A 365-day certificate is inside a 400-day window: flagged, not fixable by `--fix`.
    let expiring = audit(&cx, &user, &["--days", "400"]);
    expiring.assert_code(1);
    assert_eq!(kinds(&expiring), vec!["certificate-expiring".to_owned()]);
    audit(&cx, &user, &[]).assert_code(0);
}

#[test]
fn audit_all_fix_keeps_acknowledgements_notes_unwritable_fields_and_admits_gaps() {
    let cx = TestContext::with_scenario(Scenario::FreshEnterprise);
    let out = cx.out_dir().display().to_string();
    let spec = cx.write_file(
        "gong.toml",
        "id = \"gong\"\nacknowledge_dangerous = [\"PermissionsViewAllUsers\"]\n\
         [plugin]\nid = \"gong\"\npreset = \"standard\"\n\
         [user]\nusername = \"integration-gong-audit@acme.example\"\n\
         email = \"integration-gong@acme.example\"\n",
    );
    let spec = spec.display().to_string();
    let gong = |command: &[&str]| {
        let mut arguments: Vec<String> = command.iter().map(|a| (*a).to_owned()).collect();
        arguments.extend([
            "--spec".to_owned(),
            spec.clone(),
            "--out".to_owned(),
            out.clone(),
        ]);
        arguments.extend(cx.org_flags());
        cx.run(&arguments)
    };
    gong(&["apply"]).assert_code(0);

    // Field grants apply could not write (no such field, or no field-level security) are
    // notes, not drift: a fresh setup audits clean.
    let clean = gong(&["audit", "--format", "json"]);
    clean.assert_code(0);
    let result = &clean.json()["integrations"][0];
    assert_eq!(result["findings"], json!([]), "{result}");
    let notes: Vec<&str> = result["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|note| note.as_str().unwrap())
        .collect();
    assert!(
        notes.contains(
            &"`Account.Id` takes no field-level security (required or system field); the object grant covers it"
        ),
        "{notes:?}"
    );
    let human = gong(&["audit"]);
    human.assert_code(0);
    assert!(
        human.stdout.contains("  note: `Account.Id`"),
        "{}",
        human.block()
    );
    assert!(human.stderr.contains("no drift"), "{}", human.block());

    // `--all --fix` declares from the runbook, whose dangerous permission was acknowledged
    // when it was applied.
    let session = admin(&cx);
    let set_id = id_of(
        &cx,
        &session,
        "SELECT Id FROM PermissionSet WHERE Name = 'Gong_Integration'",
    );
    cx.runtime()
        .block_on(session.create(
            "ObjectPermissions",
            &json!({"ParentId": set_id, "SobjectType": "Case", "PermissionsRead": true}),
        ))
        .unwrap();
    let fixed = cx.run_org(&["audit", "--all", "--fix", "--format", "json", "--out", &out]);
    fixed.assert_code(0);
    assert_eq!(fixed.json()["complete"], true, "{}", fixed.block());
    assert_eq!(fixed.json()["drift"], true);
    assert_eq!(fixed.json()["integrations"][0]["after_fix"], json!([]));

    // An integration that cannot be audited leaves the result unknown, never "no drift".
    let user = username("incomplete");
    setup(&cx, &user, &["apply"], &[]).assert_code(0);
    let runbook_path = cx.out_dir().join("hubspot").join("runbook.json");
    let mut runbook: Value = serde_json::from_str(&cx.read_file(&runbook_path)).unwrap();
    runbook["requirements"]["apex_classes"] = json!([{"name": "Missing_Class", "provenance": []}]);
    fs_err::write(&runbook_path, runbook.to_string()).unwrap();
    let partial = cx.run_org(&["audit", "--all", "--fix", "--format", "json", "--out", &out]);
    partial.assert_code(2);
    let report = partial.json();
    assert_eq!(report["complete"], false, "{report}");
    assert_eq!(report["not_audited"], json!(["hubspot"]));
    assert_eq!(report["drift"], Value::Null);
    assert_eq!(report["integrations"][0]["drift"], false);
    assert_eq!(report["integrations"][1]["drift"], Value::Null);
    let human = cx.run_org(&["audit", "--all", "--fix", "--out", &out]);
    human.assert_code(2);
    assert!(
        human.stderr.contains("could not audit `hubspot`"),
        "{}",
        human.block()
    );
    assert!(!human.stderr.contains("no drift"), "{}", human.block());
    assert!(
        human
            .stderr
            .contains("the audit is incomplete: 1 integration(s) could not be audited (`hubspot`)"),
        "{}",
        human.block()
    );
}

#[test]
fn audit_reports_rights_the_profile_gives_and_fix_leaves_them() {
    let cx = TestContext::with_scenario(Scenario::FreshEnterprise);
    let user = username("profile");
    setup(&cx, &user, &["apply"], &[]).assert_code(0);
    // The API-only profile's own baseline (API Enabled, API Only User) is not drift.
    audit(&cx, &user, &[]).assert_code(0);

    // Someone gives the integration profile's hidden permission set View All Data and a
    // right on an object the grant leaves out, and a right the grant itself declares.
    let profile = "Minimum Access - API Only Integrations";
    let session = admin(&cx);
    let profile_set = id_of(
        &cx,
        &session,
        &format!(
            "SELECT Id FROM PermissionSet WHERE IsOwnedByProfile = true AND Profile.Name = '{profile}'"
        ),
    );
    cx.runtime()
        .block_on(session.update(
            "PermissionSet",
            &profile_set,
            &json!({"PermissionsViewAllData": true}),
        ))
        .unwrap();
    for object in ["Case", "Contact"] {
        cx.runtime()
            .block_on(session.create(
                "ObjectPermissions",
                &json!({"ParentId": profile_set, "SobjectType": object, "PermissionsRead": true}),
            ))
            .unwrap();
    }

    let found = audit(&cx, &user, &[]);
    found.assert_code(1);
    assert_eq!(
        kinds(&found),
        ["profile-grant", "profile-grant"],
        "{}",
        found.stdout
    );
    let findings = found.json()["integrations"][0]["findings"].clone();
    for finding in findings.as_array().unwrap() {
        assert_eq!(finding["where"], format!("profile `{profile}`"));
        assert_eq!(finding["fixable"], false, "{finding}");
        assert!(finding["since"].is_string(), "{finding}");
        assert!(
            finding["by"].as_str().unwrap().starts_with("admin@"),
            "{finding}"
        );
        assert!(
            finding["fix"]
                .as_str()
                .unwrap()
                .contains("sfiu does not edit profiles"),
            "{finding}"
        );
    }
    assert!(
        findings[0]["what"]
            .as_str()
            .unwrap()
            .contains("PermissionsViewAllData"),
        "{findings}"
    );
    assert!(
        findings[1]["what"]
            .as_str()
            .unwrap()
            .contains("object `Case`")
            && findings[1]["what"]
                .as_str()
                .unwrap()
                .contains("PermissionsRead"),
        "{findings}"
    );

    // `--fix` changes nothing on the profile and says why.
    let fixed = audit(&cx, &user, &["--fix"]);
    fixed.assert_code(1);
    assert_eq!(kinds(&fixed), ["profile-grant", "profile-grant"]);
    let result = &fixed.json()["integrations"][0];
    assert_eq!(result["fix_applied"], false, "{result}");
    for finding in result["findings"].as_array().unwrap() {
        assert_eq!(finding["fixed"], false);
        assert_eq!(
            finding["not_fixed"],
            "not fixed: sfiu does not edit profiles"
        );
    }
    let human = setup(&cx, &user, &["audit", "--fix"], &[]);
    human.assert_code(1);
    assert!(
        human
            .stdout
            .contains("now:  not fixed: sfiu does not edit profiles"),
        "{}",
        human.block()
    );
    let still = query(
        &cx,
        &session,
        &format!("SELECT PermissionsViewAllData FROM PermissionSet WHERE Id = '{profile_set}'"),
    );
    assert_eq!(still[0]["PermissionsViewAllData"], true);
}

#[test]
fn audit_costs_the_same_with_10_and_5000_permission_sets() {
    let cx = TestContext::with_scenario(Scenario::FreshEnterprise);
    let user = username("cost");
    setup(&cx, &user, &["apply"], &[]).assert_code(0);
    let session = admin(&cx);
    let add_sets = |from: usize, to: usize| {
        let records: Vec<Value> = (from..to)
            .map(|n| {
                json!({"attributes": {"type": "PermissionSet"}, "Name": format!("Bulk_{n}"), "Label": format!("Bulk {n}")})
            })
            .collect();
        let results = cx
            .runtime()
            .block_on(session.create_records("PermissionSet", &records, false))
            .unwrap();
        assert!(results.iter().all(|result| result.success));
    };
    let n_sets = || query(&cx, &session, "SELECT Id FROM PermissionSet").len();
    let requests = || {
        cx.org().reset_log();
        audit(&cx, &user, &[]).assert_code(0);
        cx.org().counters().total
    };

    let existing = n_sets();
    add_sets(existing, 10);
    assert_eq!(n_sets(), 10);
    let small = requests();
    add_sets(10, 5000);
    assert_eq!(n_sets(), 5000);
    let large = requests();
    eprintln!("audit requests: {small} with 10 permission sets, {large} with 5,000");
    assert_eq!(small, large);
    assert!(small <= 4, "the audit took {small} requests");
}

#[test]
fn audit_of_an_integration_never_applied_says_so_once() {
    let cx = TestContext::with_scenario(Scenario::FreshEnterprise);
    let before = cx.written_state();
    for extra in [&[][..], &["--fix"][..]] {
        let mut arguments = vec!["--format", "json"];
        arguments.extend_from_slice(extra);
        let output = cx.run_setup("audit", &arguments);
        output.assert_code(1);
        let findings: Vec<String> = output
            .all()
            .lines()
            .filter(|line| line.contains("\"kind\""))
            .map(str::to_owned)
            .collect();
        assert_eq!(findings.len(), 1, "{}", output.block());
        assert!(findings[0].contains("not-set-up"), "{}", output.block());
    }
    cx.assert_unchanged_since(&before, "audit of an integration never applied");
}

#[test]
fn seat_report_matches_the_full_enterprise_scenario() {
    let cx = TestContext::with_scenario(Scenario::FullEnterprise);
    // No free Integration seat is a problem found: exit 1, with the report printed.
    let output = cx.run_org(&["licenses", "--format", "json"]);
    output.assert_code(1);
    let report = output.json();
    assert_eq!(report["has_free_seat"], false);
    assert_eq!(report["user_license"]["total"], 5);
    assert_eq!(report["user_license"]["used"], 5);
    assert_eq!(report["user_license"]["free"], 0);
    assert_eq!(report["permission_set_license"]["total"], 5);
    assert_eq!(report["permission_set_license"]["free"], 5);
    let users = report["users"].as_array().unwrap();
    let by_alias = |alias: &str| {
        users
            .iter()
            .find(|user| user["username"].as_str().unwrap().starts_with(alias))
            .unwrap()
    };
    assert_eq!(users.len(), 7);
    assert_eq!(
        users
            .iter()
            .filter(|user| user["holds_seat"] == true)
            .count(),
        5
    );
    assert_eq!(by_alias("int-gong@")["abandoned"], Value::Null);
    assert_eq!(by_alias("int-fivetran@")["abandoned"], Value::Null);
    assert_eq!(by_alias("int-legacy@")["days_since_login"], 420);
    assert_eq!(
        by_alias("int-legacy@")["abandoned"],
        "no login for 420 days"
    );
    assert_eq!(by_alias("int-pilot@")["abandoned"], "never logged in");
    assert_eq!(by_alias("int-unused@")["abandoned"], "never logged in");
    assert_eq!(by_alias("int-old1@")["abandoned"], "inactive");
    assert_eq!(by_alias("int-old2@")["abandoned"], "inactive");
    assert_eq!(report["abandoned"], 5);

    let human = cx.run_org(&["licenses"]);
    human.assert_code(1);
    assert!(human.stdout.contains("int-legacy@"), "{}", human.block());
    assert!(
        human
            .stderr
            .contains("no free `Salesforce Integration` seat (5 of 5 used); 3 seat(s)")
    );
}

/// Logs in with the JWT bearer flow as the integration user.
fn login(
    cx: &TestContext,
    user: &str,
    consumer_key: &str,
    key: &std::path::Path,
) -> Result<(), String> {
    let key = sfiu_jwt::PrivateKey::from_file(key).unwrap();
    let assertion =
        sfiu_jwt::Assertion::new(consumer_key.trim(), user, sfiu_jwt::Audience::production())
            .unwrap()
            .sign(&key, time::OffsetDateTime::now_utc())
            .unwrap();
    let client = Client::builder().build().unwrap();
    cx.runtime()
        .block_on(client.jwt_bearer(
            cx.org().instance_url(),
            &JwtAssertion::new(assertion.expose()),
        ))
        .map(drop)
        .map_err(|error| error.to_string())
}

fn rotation_stage(cx: &TestContext) -> Value {
    let runbook: Value =
        serde_json::from_str(&cx.read_file(cx.integration_dir().join("runbook.json"))).unwrap();
    runbook["rotation"]["stage"].clone()
}

#[test]
fn rotation_overlaps_finishes_and_survives_interruptions() {
    let cx = TestContext::with_scenario(Scenario::FreshEnterprise);
    let user = username("rotation");
    setup(&cx, &user, &["apply"], &[]).assert_code(0);
    let folder = cx.integration_dir();
    let saved = cx.path().join("old");
    fs_err::create_dir_all(&saved).unwrap();
    for file in ["private-key.pem", "consumer-key.txt"] {
        fs_err::copy(folder.join(file), saved.join(file)).unwrap();
    }
    let old_key = saved.join("private-key.pem");
    let old_consumer_key = fs_err::read_to_string(saved.join("consumer-key.txt")).unwrap();
    let soap = |nth: u32| {
        let mut fault = Fault::respond(
            "POST",
            "/services/Soap/m/*",
            500,
            json!([{"errorCode": "UNKNOWN_EXCEPTION", "message": "injected"}]),
        );
        fault.nth = nth;
        // More failures than the client's retries, so the run stops.
        fault.times = 10;
        fault
    };

    // Start, interrupted while the overlap app is saved (the fourth SOAP call, after three
    // reads), then while the new login is proven; each re-run completes the stage.
    let start = {
        let mut arguments = vec!["cert".to_owned(), "rotate".to_owned()];
        arguments.extend(setup_flags(&cx, &user));
        arguments
    };
    cx.org().add_fault(soap(4));
    cx.run(&start).assert_code(2);
    cx.org().clear_faults();
    assert_eq!(rotation_stage(&cx), "started");
    cx.org().add_fault(Fault::respond(
        "POST",
        "/services/oauth2/token",
        400,
        json!({"error": "invalid_grant", "error_description": "authentication failure"}),
    ));
    cx.run(&start).assert_code(2);
    cx.org().clear_faults();
    assert_eq!(rotation_stage(&cx), "started");
    let started = cx.run(&{
        let mut arguments = start.clone();
        arguments.extend(["--format".to_owned(), "json".to_owned()]);
        arguments
    });
    started.assert_code(0);
    let report = &started.json()["rotation"];
    assert_eq!(report["stage"], "verified");
    assert_eq!(report["new_login"], true);
    assert_eq!(report["old_login"], true);
    assert_eq!(rotation_stage(&cx), "verified");

    // Both logins work during the overlap; the new key waits in a folder only its owner
    // can open.
    let staged = folder.join("rotation");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = fs_err::metadata(&staged).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700, "{mode:o}");
    }
    let new_consumer_key = fs_err::read_to_string(staged.join("consumer-key.txt")).unwrap();
    login(&cx, &user, &old_consumer_key, &old_key).unwrap();
    login(
        &cx,
        &user,
        &new_consumer_key,
        &staged.join("private-key.pem"),
    )
    .unwrap();

    // Finish, interrupted at the delete of the old app (the third SOAP call): nothing is
    // lost, and the re-run completes it.
    cx.org().add_fault(soap(3));
    let mut finish = start.clone();
    finish.push("--finish".to_owned());
    cx.run(&finish).assert_code(2);
    cx.org().clear_faults();
    login(&cx, &user, &old_consumer_key, &old_key).unwrap();
    cx.run(&finish).assert_code(0);
    assert_eq!(rotation_stage(&cx), "finished");
    cx.run(&finish).assert_code(0);

    // The new pair is the integration's own; the old key is refused.
    let consumer_key = fs_err::read_to_string(folder.join("consumer-key.txt")).unwrap();
    assert_eq!(consumer_key, new_consumer_key);
    login(&cx, &user, &consumer_key, &folder.join("private-key.pem")).unwrap();
    let refused = login(&cx, &user, &old_consumer_key, &old_key).unwrap_err();
    assert!(refused.contains("invalid_client_id"), "{refused}");
    assert!(login(&cx, &user, &consumer_key, &old_key).is_err());
    assert!(!staged.exists());

    // The main job and the audit follow the rotated app.
    setup(&cx, &user, &["verify"], &[]).assert_code(0);
    let clean = audit(&cx, &user, &[]);
    clean.assert_code(0);
    assert_eq!(
        clean.json()["integrations"][0]["app"],
        "Hubspot_Integration_Rotated"
    );
}

/// `sfiu cert rotate [--finish]` with the setup flags, then `extra`.
fn rotate(cx: &TestContext, user: &str, extra: &[&str]) -> Output {
    setup(cx, user, &["cert", "rotate"], extra)
}

#[test]
fn a_second_rotation_keeps_the_live_app_and_apply_waits_for_it() {
    let cx = TestContext::with_scenario(Scenario::FreshEnterprise);
    let user = username("second-rotation");
    let folder = cx.integration_dir();
    let runbook_path = folder.join("runbook.json");
    setup(&cx, &user, &["apply"], &[]).assert_code(0);
    rotate(&cx, &user, &[]).assert_code(0);
    rotate(&cx, &user, &["--finish"]).assert_code(0);

    // The second rotation's overlap app takes the spec's name again.
    let started = rotate(&cx, &user, &["--format", "json"]);
    started.assert_code(0);
    assert_eq!(
        started.json()["rotation"]["overlap_app"],
        "Hubspot_Integration"
    );
    assert_eq!(
        started.json()["rotation"]["previous_app"],
        "Hubspot_Integration_Rotated"
    );

    // `apply` mid-rotation would upload the old certificate onto the overlap app: refused
    // before anything is written, naming the stage and the overlap app.
    cx.org().reset_log();
    let runbook_before = fs_err::read_to_string(&runbook_path).unwrap();
    let apply = setup(&cx, &user, &["apply"], &[]);
    apply.assert_code(1);
    assert!(apply.stderr.contains("SFIU-E108"), "{}", apply.block());
    assert!(
        apply
            .stderr
            .contains("stage `verified`): the overlap app `Hubspot_Integration`"),
        "{}",
        apply.block()
    );
    assert!(apply.stderr.contains("sfiu cert rotate --finish"));
    assert!(writes(&cx.org().request_log()).is_empty());
    assert_eq!(
        fs_err::read_to_string(&runbook_path).unwrap(),
        runbook_before
    );
    let staged = folder.join("rotation");
    let new_consumer_key = fs_err::read_to_string(staged.join("consumer-key.txt")).unwrap();
    login(
        &cx,
        &user,
        &new_consumer_key,
        &staged.join("private-key.pem"),
    )
    .unwrap();

    // A runbook that names the overlap app as the integration's own (what the unguarded
    // apply left behind) makes `--finish` refuse rather than delete the live app.
    let mut corrupt: Value = serde_json::from_str(&runbook_before).unwrap();
    corrupt["app"]["developer_name"] = json!("Hubspot_Integration");
    fs_err::write(&runbook_path, corrupt.to_string()).unwrap();
    let refused = rotate(&cx, &user, &["--finish"]);
    refused.assert_code(2);
    assert!(
        refused
            .stderr
            .contains("names `Hubspot_Integration` as both the integration's app and the rotation's overlap app"),
        "{}",
        refused.block()
    );
    rotate(&cx, &user, &[]).assert_code(2);
    fs_err::write(&runbook_path, &runbook_before).unwrap();
    login(
        &cx,
        &user,
        &new_consumer_key,
        &staged.join("private-key.pem"),
    )
    .unwrap();

    // A new login that fails stops `--finish` before it removes anything.
    cx.org().add_fault(Fault::respond(
        "POST",
        "/services/oauth2/token",
        400,
        json!({"error": "invalid_grant", "error_description": "authentication failure"}),
    ));
    let failed = rotate(&cx, &user, &["--finish"]);
    cx.org().clear_faults();
    failed.assert_code(2);
    assert!(
        failed.stderr.contains("nothing was removed"),
        "{}",
        failed.block()
    );
    let old_consumer_key = fs_err::read_to_string(folder.join("consumer-key.txt")).unwrap();
    login(
        &cx,
        &user,
        &old_consumer_key,
        &folder.join("private-key.pem"),
    )
    .unwrap();

    // Resuming and finishing replace the first rotation's app, not the live one.
    rotate(&cx, &user, &[]).assert_code(0);
    let finished = rotate(&cx, &user, &["--finish", "--format", "json"]);
    finished.assert_code(0);
    let report = &finished.json()["rotation"];
    assert_eq!(report["previous_app"], "Hubspot_Integration_Rotated");
    assert_eq!(report["overlap_app"], "Hubspot_Integration");
    let again = rotate(&cx, &user, &["--finish", "--format", "json"]);
    again.assert_code(0);
    assert_eq!(
        again.json()["rotation"]["previous_app"],
        "Hubspot_Integration_Rotated"
    );
    assert_eq!(again.json()["rotation"]["changed"], false);

    let consumer_key = fs_err::read_to_string(folder.join("consumer-key.txt")).unwrap();
    assert_eq!(consumer_key, new_consumer_key);
    login(&cx, &user, &consumer_key, &folder.join("private-key.pem")).unwrap();
    assert!(
        login(
            &cx,
            &user,
            &old_consumer_key,
            &folder.join("private-key.pem")
        )
        .is_err()
    );
    setup(&cx, &user, &["verify"], &[]).assert_code(0);
    setup(&cx, &user, &["apply"], &[]).assert_code(0);
    cx.assert_no_secrets(&finished.all());
}

#[test]
fn verify_reports_a_refused_login_as_a_problem() {
    let cx = TestContext::with_scenario(Scenario::FreshEnterprise);
    let user = username("refused");
    setup(&cx, &user, &["apply"], &[]).assert_code(0);
    cx.run_org(&["licenses"]).assert_code(0);
    setup(&cx, &user, &["verify"], &[]).assert_code(0);

    // Someone deactivates the integration user in Setup.
    let session = admin(&cx);
    let user_id = id_of(
        &cx,
        &session,
        &format!("SELECT Id FROM User WHERE Username = '{user}'"),
    );
    cx.runtime()
        .block_on(session.update("User", &user_id, &json!({"IsActive": false})))
        .unwrap();
    let refused = setup(&cx, &user, &["verify"], &[]);
    refused.assert_code(1);
    assert!(
        refused.stderr.contains("inactive user"),
        "{}",
        refused.block()
    );

    assert_eq!(
        refused.stderr.matches("error: ").count(),
        1,
        "{}",
        refused.block()
    );
    let json = setup(&cx, &user, &["verify", "--format", "json"], &[]);
    json.assert_code(1);
    assert_eq!(json.json()["logged_in"], false);
    assert!(
        json.json()["error"]
            .as_str()
            .unwrap()
            .contains("inactive user")
    );
    cx.assert_no_secrets(&refused.all());
    cx.assert_no_secrets(&json.all());

    // The token endpoint failing is not an answer about the login: still exit 2.
    let mut outage = Fault::respond(
        "POST",
        "/services/oauth2/token",
        503,
        json!({"error": "server_error", "error_description": "unavailable"}),
    );
    outage.times = 10;
    cx.org().add_fault(outage);
    setup(&cx, &user, &["verify"], &[]).assert_code(2);
    cx.org().clear_faults();
}
