//! The example runbooks in `docs/runbooks/`: one per bundled plugin preset, each made by a
//! real `sfiu apply` against a fresh simulated org, and checked here as insta snapshots whose
//! files are those examples.
//!
//! Values that differ between runs (the org id, the port, timestamps, the certificate's
//! fingerprint and dates, the masked consumer key) are replaced by bracketed placeholders,
//! each taken from the run's own `runbook.json`, so that a placeholder can never hide more
//! than the value it stands for. `cargo xtask runbooks` rewrites the examples
//! (`INSTA_UPDATE=always`); `cargo xtask runbooks --check` and CI only compare them.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use sfiu_plugin_host::{Host, HostConfig};

/// Where the examples live, relative to this crate.
const EXAMPLES: &str = "../../docs/runbooks";

/// The working directory of one `sfiu apply`, and what it produced.
struct Generated {
    markdown: String,
    json: Value,
    folder: PathBuf,
}

fn examples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(EXAMPLES)
}

/// Every `(plugin, preset)` bundled in this build, in a stable order.
fn bundled_presets(cache: &Path) -> Vec<(String, String)> {
    let ids = sfiu_plugin_host::bundled_ids();
    assert!(
        !ids.is_empty(),
        "this build has no bundled plugins ({}); the examples cannot be made",
        sfiu_plugin_host::bundled_missing().unwrap_or("no reason given")
    );
    // The same cache the runner uses under `XDG_CACHE_HOME`, so each plugin compiles once.
    let host = Host::new(HostConfig::with_user_cache(Some(cache.to_owned()), None))
        .expect("start the plugin host");
    let mut presets = Vec::new();
    for id in ids {
        let plugin = host.load_bundled(id).expect("load a bundled plugin");
        for preset in plugin.presets() {
            presets.push((id.to_owned(), preset.id.clone()));
        }
    }
    presets.sort();
    presets
}

/// Runs `sfiu apply --plugin <plugin> --preset <preset>` against a new simulated org kept
/// in `folder`.
fn apply(folder: &Path, cache: &Path, plugin: &str, preset: &str) -> Generated {
    fs_err::create_dir_all(folder.join("home")).expect("create HOME");
    let username = format!("integration-{plugin}@acme.example");
    let mut command = Command::new(env!("CARGO_BIN_EXE_sfiu"));
    command
        .args(["apply", "--plugin", plugin, "--preset", preset])
        .args(["--org", "sim", "--sim-state", "org.json"])
        .args(["--username", &username])
        .args(["--color", "never", "--no-progress"])
        .current_dir(folder);
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        if name.starts_with("SFIU_") || name.starts_with("SF_") {
            command.env_remove(name.as_ref());
        }
    }
    let output = command
        .env("HOME", folder.join("home"))
        .env("XDG_CACHE_HOME", cache)
        .env("NO_COLOR", "1")
        .output()
        .expect("run sfiu");
    assert!(
        output.status.success(),
        "`sfiu apply --plugin {plugin} --preset {preset}` failed ({}):\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    let out = folder.join("sfiu-out").join(plugin);
    let markdown = fs_err::read_to_string(out.join("runbook.md")).expect("read runbook.md");
    let json = fs_err::read_to_string(out.join("runbook.json")).expect("read runbook.json");
    Generated {
        markdown,
        json: serde_json::from_str(&json).expect("runbook.json is JSON"),
        folder: folder.to_owned(),
    }
}

fn text<'a>(json: &'a Value, pointer: &str) -> &'a str {
    json.pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("runbook.json has no `{pointer}`"))
}

/// The secrets of a run, none of which may appear in its runbook.
fn secrets(generated: &Generated, plugin: &str) -> Vec<(String, &'static str)> {
    let out = generated.folder.join("sfiu-out").join(plugin);
    let consumer_key = fs_err::read_to_string(out.join("consumer-key.txt"))
        .expect("read consumer-key.txt")
        .trim()
        .to_owned();
    let key = fs_err::read_to_string(out.join("private-key.pem")).expect("read the key");
    // The middle of the key's base64 body: any copy of the key would contain it.
    let key_body: String = key.lines().filter(|line| !line.starts_with("-----")).collect();
    let key_middle = key_body[key_body.len() / 3..key_body.len() / 3 + 40].to_owned();
    let org: Value = serde_json::from_str(
        &fs_err::read_to_string(generated.folder.join("org.json")).expect("read the org state"),
    )
    .expect("the org state is JSON");
    let admin_token = org
        .get("admin_token")
        .and_then(Value::as_str)
        .expect("the org state has the admin token")
        .to_owned();
    vec![
        (consumer_key.clone(), "the full consumer key"),
        (consumer_key[4..consumer_key.len() - 4].to_owned(), "part of the consumer key"),
        (key_middle, "private key material"),
        ("PRIVATE KEY-----".to_owned(), "a PEM private key"),
        (admin_token, "the admin access token"),
    ]
}

/// Replaces each run-specific value by its placeholder.
fn normalise(generated: &Generated) -> String {
    let json = &generated.json;
    let instance_url = text(json, "/org/instance_url");
    let port = instance_url
        .rsplit_once(':')
        .map(|(_, port)| port)
        .expect("the instance URL has a port");
    let days_left = json
        .pointer("/certificate/days_left")
        .and_then(Value::as_i64)
        .expect("runbook.json has the days left");
    let replacements = [
        (
            format!("| Days left when generated | {days_left} |"),
            "| Days left when generated | [days left] |".to_owned(),
        ),
        (
            text(json, "/generated_at").to_owned(),
            "[generated at]".to_owned(),
        ),
        (
            text(json, "/certificate/not_before").to_owned(),
            "[valid from]".to_owned(),
        ),
        (
            text(json, "/certificate/not_after").to_owned(),
            "[valid until]".to_owned(),
        ),
        (
            text(json, "/certificate/fingerprint_sha256").to_owned(),
            "[SHA-256 fingerprint]".to_owned(),
        ),
        (
            text(json, "/app/consumer_key_masked").to_owned(),
            "[masked consumer key]".to_owned(),
        ),
        (text(json, "/org/org_id").to_owned(), "[org id]".to_owned()),
        (
            format!("127.0.0.1:{port}"),
            "127.0.0.1:[port]".to_owned(),
        ),
    ];
    let mut markdown = generated.markdown.clone();
    for (value, placeholder) in replacements {
        markdown = markdown.replace(&value, &placeholder);
    }
    markdown
}

#[test]
fn examples_match_a_fresh_apply_of_every_bundled_preset() {
    let scratch = tempfile::tempdir().expect("create a temporary directory");
    let cache = scratch.path().join("cache");
    let presets = bundled_presets(&cache);
    let examples = examples_dir();
    let mut failures = Vec::new();

    for (plugin, preset) in &presets {
        let name = format!("{plugin}-{preset}");
        let generated = apply(&scratch.path().join(&name), &cache, plugin, preset);
        for (secret, what) in secrets(&generated, plugin) {
            assert!(
                !generated.markdown.contains(&secret),
                "the `{name}` runbook contains {what}"
            );
        }
        let markdown = normalise(&generated);

        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_path(&examples);
        settings.set_prepend_module_to_snapshot(false);
        settings.set_omit_expression(true);
        settings.set_description(format!(
            "Example runbook: `sfiu apply --plugin {plugin} --preset {preset}` on a fresh \
             simulated org; bracketed values differ on every run."
        ));
        // Every preset is checked before the test fails, so one run shows every difference.
        let checked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            settings.bind(|| insta::assert_snapshot!(name.as_str(), markdown));
        }));
        if checked.is_err() {
            failures.push(name);
        }
    }

    let expected: Vec<String> = presets
        .iter()
        .map(|(plugin, preset)| format!("{plugin}-{preset}.snap"))
        .collect();
    let stale: Vec<String> = fs_err::read_dir(&examples)
        .expect("list docs/runbooks")
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|file| file.ends_with(".snap") && !expected.contains(file))
        .collect();
    assert!(
        stale.is_empty(),
        "examples without a bundled preset (delete them): {stale:?}"
    );
    assert!(
        failures.is_empty(),
        "runbooks differ from the examples in docs/runbooks: {failures:?}"
    );
}
