//! The command line itself, through the real binary: help, `spec`, `cert`, and the errors a
//! user meets first (no org given, an unknown preset). Each run is snapshotted as one block of
//! exit code, stdout and stderr.

use std::os::unix::fs::PermissionsExt as _;

use crate::support::{Output, Scenario, TestContext};

/// A spec that passes validation.
const GOOD_SPEC: &str = r#"
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
"#;

/// A spec that parses but breaks three rules.
const INVALID_SPEC: &str = r#"
id = "Hub Spot"

[user]
username = "not-an-email"
email = "integration-hubspot@acme.example"

[[grants.objects]]
object = "Case"
access = ["delete"]
"#;

/// Certificate day counts move as the clock does; hide them along with everything the shared
/// redaction hides.
fn redact_days(cx: &TestContext, output: &Output) -> String {
    cx.redact_output(output)
        .lines()
        .map(|line| {
            let Some(at) = line
                .find("days left:")
                .map(|at| at + "days left:".len())
                .or_else(|| line.find("expires in ").map(|at| at + "expires in ".len()))
            else {
                return line.to_owned();
            };
            let (head, tail) = line.split_at(at);
            let spaces = tail.len() - tail.trim_start().len();
            let digits = tail
                .trim_start()
                .chars()
                .take_while(char::is_ascii_digit)
                .count();
            format!("{head}{}[N]{}", &tail[..spaces], &tail[spaces + digits..])
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn help_lists_the_commands() {
    let cx = TestContext::new();
    let output = cx.run(&["--help"]);
    output.assert_code(0);
    for command in ["plan", "apply", "verify", "runbook", "spec", "cert", "sim"] {
        assert!(
            output.stdout.contains(&format!("\n  {command} ")),
            "`{command}` missing from:\n{}",
            output.stdout
        );
    }
    insta::assert_snapshot!("help", cx.redact_output(&output));
}

#[test]
fn spec_check_accepts_a_valid_spec() {
    let cx = TestContext::new();
    cx.write_file("hubspot.toml", GOOD_SPEC);
    let output = cx.run(&["spec", "check", "hubspot.toml"]);
    output.assert_code(0);
    insta::assert_snapshot!("spec_check_good", cx.redact_output(&output));
}

#[test]
fn spec_check_lists_every_issue_and_exits_1() {
    let cx = TestContext::new();
    cx.write_file("invalid.toml", INVALID_SPEC);
    let output = cx.run(&["spec", "check", "invalid.toml"]);
    output.assert_code(1);
    for code in ["SFIU-E001", "SFIU-E002", "SFIU-E013"] {
        assert!(output.all().contains(code), "{code}:\n{}", output.block());
    }
    insta::assert_snapshot!("spec_check_invalid", cx.redact_output(&output));
}

#[test]
fn spec_check_refuses_an_unknown_key_and_exits_2() {
    let cx = TestContext::new();
    cx.write_file("typo.toml", &GOOD_SPEC.replace("[user]", "[usr]"));
    let output = cx.run(&["spec", "check", "typo.toml"]);
    output.assert_code(2);
    assert!(
        output.stderr.contains("unknown field `usr`"),
        "{}",
        output.block()
    );
    insta::assert_snapshot!("spec_check_unknown_key", cx.redact_output(&output));
}

#[test]
fn spec_check_json_is_one_document() {
    let cx = TestContext::new();
    cx.write_file("invalid.toml", INVALID_SPEC);
    let output = cx.run(&["spec", "check", "invalid.toml", "--format", "json"]);
    output.assert_code(1);
    let document = output.json();
    let text = document.to_string();
    assert!(text.contains("SFIU-E002"), "{document:#}");
}

#[test]
fn spec_schema_is_valid_json_schema() {
    let cx = TestContext::new();
    let output = cx.run(&["spec", "schema"]);
    output.assert_code(0);
    let schema = output.json();
    assert!(
        schema.get("$schema").is_some(),
        "no `$schema` in the schema"
    );
    let properties = schema["properties"].as_object().expect("properties");
    for key in ["id", "plugin", "user", "app", "certificate", "grants"] {
        assert!(properties.contains_key(key), "no `{key}` property");
    }
    assert!(output.stderr.is_empty(), "{}", output.block());
}

#[test]
fn cert_new_writes_a_private_key_and_refuses_to_overwrite_it() {
    let cx = TestContext::new();
    let output = cx.run(&["cert", "new", "--out-dir", "keys", "--name", "test"]);
    output.assert_code(0);
    let key_path = cx.path().join("keys/test.key.pem");
    let mode = fs_err::metadata(&key_path)
        .expect("key")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    let key = cx.read_file("keys/test.key.pem");
    crate::support::assert_no_key_material(&key, &output.all());
    insta::assert_snapshot!("cert_new", redact_days(&cx, &output));

    let refused = cx.run(&["cert", "new", "--out-dir", "keys", "--name", "test"]);
    refused.assert_code(2);
    assert_eq!(
        key,
        cx.read_file("keys/test.key.pem"),
        "the key was replaced"
    );
    insta::assert_snapshot!("cert_new_refuses_overwrite", cx.redact_output(&refused));

    let forced = cx.run(&[
        "cert",
        "new",
        "--out-dir",
        "keys",
        "--name",
        "test",
        "--force",
    ]);
    forced.assert_code(0);
    assert_ne!(
        key,
        cx.read_file("keys/test.key.pem"),
        "--force keeps the old key"
    );
    let mode = fs_err::metadata(&key_path)
        .expect("key")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
}

#[test]
fn cert_show_warns_and_exits_1_inside_the_warning_window() {
    let cx = TestContext::new();
    cx.run(&[
        "cert",
        "new",
        "--out-dir",
        "keys",
        "--name",
        "test",
        "--days",
        "20",
    ])
    .assert_code(0);

    let fine = cx.run(&["cert", "show", "keys/test.crt.pem", "--warn-days", "5"]);
    fine.assert_code(0);
    assert!(!fine.stderr.contains("warning"), "{}", fine.block());

    let warned = cx.run(&["cert", "show", "keys/test.crt.pem"]);
    warned.assert_code(1);
    assert!(warned.stderr.contains("warning:"), "{}", warned.block());
    insta::assert_snapshot!("cert_show_expiring", redact_days(&cx, &warned));

    let json = cx.run(&["cert", "show", "keys/test.crt.pem", "--format", "json"]);
    json.assert_code(1);
    json.json();
}

#[test]
fn cert_show_names_a_missing_file() {
    let cx = TestContext::new();
    let output = cx.run(&["cert", "show", "nowhere.pem"]);
    output.assert_code(2);
    assert!(output.stderr.contains("nowhere.pem"), "{}", output.block());
}

#[test]
fn missing_org_flags_give_an_error_with_a_hint() {
    let cx = TestContext::new();
    let output = cx.run(&["plan", "--plugin", "hubspot"]);
    output.assert_code(2);
    assert!(output.stderr.contains("hint:"), "{}", output.block());
    insta::assert_snapshot!("missing_org", cx.redact_output(&output));
}

#[test]
fn json_runs_that_cannot_complete_print_a_json_error_document() {
    let cx = TestContext::new();
    let output = cx.run(&["audit", "--plugin", "hubspot", "--format", "json"]);
    output.assert_code(2);
    let document = output.json();
    assert_eq!(document["format_version"], 1);
    assert_eq!(document["error"], "no org given");
    assert!(
        document["hints"][0]
            .as_str()
            .is_some_and(|hint| hint.contains("--org sim")),
        "{}",
        output.block()
    );
    // The human rendering still goes to stderr for whoever watches the run.
    assert!(
        output.stderr.contains("error: no org given"),
        "{}",
        output.block()
    );
}

#[test]
fn unknown_preset_lists_the_presets() {
    let cx = TestContext::with_scenario(Scenario::FreshEnterprise);
    let output = cx.run_setup("plan", &["--preset", "everything"]);
    output.assert_code(2);
    for preset in ["bidirectional-sync", "vendor-documented", "read-only"] {
        assert!(output.stderr.contains(preset), "{}", output.block());
    }
    insta::assert_snapshot!("unknown_preset", cx.redact_output(&output));
}

#[test]
fn spec_check_judges_the_spec_against_its_plugin_preset() {
    let cx = TestContext::new();
    let spec = cx.write_file(
        "gong.toml",
        "id = \"gong\"\nacknowledge_dangerous = [\"PermissionsViewAllUsers\"]\n\
         [plugin]\nid = \"gong\"\npreset = \"standard\"\n\
         [user]\nusername = \"integration-gong@acme.example\"\nemail = \"integration-gong@acme.example\"\n",
    );
    let spec = spec.display().to_string();
    let output = cx.run(&["spec", "check", &spec]);
    output.assert_code(0);
    // The preset asks for the acknowledged permission and supplies scopes, so neither the
    // unused-acknowledgement nor the no-scopes warning applies.
    assert!(!output.all().contains("SFIU-W001"), "{}", output.block());
    assert!(!output.all().contains("SFIU-W014"), "{}", output.block());

    let without = cx.write_file(
        "gong-unacknowledged.toml",
        "id = \"gong\"\n[plugin]\nid = \"gong\"\npreset = \"standard\"\n\
         [user]\nusername = \"integration-gong@acme.example\"\nemail = \"integration-gong@acme.example\"\n",
    );
    let without = without.display().to_string();
    let output = cx.run(&["spec", "check", &without]);
    output.assert_code(1);
    assert!(output.all().contains("SFIU-E021"), "{}", output.block());
}
