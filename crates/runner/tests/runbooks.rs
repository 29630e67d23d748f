//! The example runbooks in `docs/runbooks/`: one per bundled plugin preset, each made by a
//! real `sfiu apply` against a fresh simulated org, and checked here as insta snapshots whose
//! files are those examples.
//!
//! Values that differ between runs (the org id, record ids, the port, timestamps, the
//! certificate's fingerprint and dates, the masked consumer key) are replaced by bracketed
//! placeholders, each taken from the run's own `runbook.json`, so that a placeholder can
//! never hide more than the value it stands for. `cargo xtask runbooks` rewrites the examples
//! (`INSTA_UPDATE=always`); `cargo xtask runbooks --check` and CI only compare them.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use sfiu_plugin_host::{Host, HostConfig, OrgFacts};

/// Where the examples live, relative to this crate.
const EXAMPLES: &str = "../../docs/runbooks";

/// The working directory of one `sfiu apply`, and what it produced.
struct Generated {
    markdown: String,
    json: Value,
    folder: PathBuf,
}

fn examples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(EXAMPLES)
        .canonicalize()
        .expect("docs/runbooks exists")
}

/// Presets whose apply fails on every simulated org today, with a text their error shows;
/// each entry needs a comment naming the issue that will make it apply.
const KNOWN_FAILURES: &[(&str, &str, &str)] = &[];

/// One bundled preset.
struct Preset {
    plugin: String,
    preset: String,
    /// Dangerous system permissions the preset may grant, which the spec must acknowledge.
    dangerous: Vec<String>,
}

impl Preset {
    fn name(&self) -> String {
        format!("{}-{}", self.plugin, self.preset)
    }

    fn known_failure(&self) -> Option<&'static str> {
        KNOWN_FAILURES
            .iter()
            .find(|(plugin, preset, _)| *plugin == self.plugin && *preset == self.preset)
            .map(|(_, _, error)| *error)
    }

    /// The spec an admin would write for this preset: the plugin, the preset, the user and
    /// the acknowledgement of the preset's dangerous permissions.
    fn spec(&self) -> String {
        let username = format!("integration-{}@acme.example", self.plugin);
        let acknowledged: Vec<String> = self
            .dangerous
            .iter()
            .map(|name| format!("\"{name}\""))
            .collect();
        format!(
            "id = \"{plugin}\"\nacknowledge_dangerous = [{acknowledged}]\n\n\
             [plugin]\nid = \"{plugin}\"\npreset = \"{preset}\"\n\n\
             [user]\nusername = \"{username}\"\nemail = \"{username}\"\n",
            plugin = self.plugin,
            preset = self.preset,
            acknowledged = acknowledged.join(", "),
        )
    }
}

/// Every preset bundled in this build, in a stable order.
fn bundled_presets(cache: &Path) -> Vec<Preset> {
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
            // Resolving with every feature on gives every permission the preset may grant.
            let resolved = plugin
                .resolve(&preset.id, &OrgFacts::default())
                .expect("resolve a bundled preset");
            let dangerous = resolved
                .requirements
                .system_permissions
                .iter()
                .filter(|grant| {
                    sfiu_core::system_permission(&grant.name)
                        .is_some_and(|permission| permission.dangerous)
                })
                .map(|grant| grant.name.clone())
                .collect();
            presets.push(Preset {
                plugin: id.to_owned(),
                preset: preset.id.clone(),
                dangerous,
            });
        }
    }
    presets.sort_by_key(Preset::name);
    presets
}

/// Runs `sfiu apply --spec <spec>` for a preset against a new simulated org kept in
/// `folder`; the error output when it fails.
fn apply(folder: &Path, cache: &Path, preset: &Preset) -> Result<Generated, String> {
    fs_err::create_dir_all(folder.join("home")).expect("create HOME");
    fs_err::write(folder.join("spec.toml"), preset.spec()).expect("write the spec");
    let mut command = Command::new(env!("CARGO_BIN_EXE_sfiu"));
    command
        .args(["apply", "--spec", "spec.toml"])
        .args(["--org", "sim", "--sim-state", "org.json"])
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
    if !output.status.success() {
        return Err(format!(
            "`sfiu apply` of `{}` failed ({}):\n{}{}",
            preset.name(),
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let out = folder.join("sfiu-out").join(&preset.plugin);
    let markdown = fs_err::read_to_string(out.join("runbook.md")).expect("read runbook.md");
    let json = fs_err::read_to_string(out.join("runbook.json")).expect("read runbook.json");
    Ok(Generated {
        markdown,
        json: serde_json::from_str(&json).expect("runbook.json is JSON"),
        folder: folder.to_owned(),
    })
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
    let key_body: String = key
        .lines()
        .filter(|line| !line.starts_with("-----"))
        .collect();
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
        (
            consumer_key[4..consumer_key.len() - 4].to_owned(),
            "part of the consumer key",
        ),
        (key_middle, "private key material"),
        ("PRIVATE KEY-----".to_owned(), "a PEM private key"),
        (admin_token, "the admin access token"),
    ]
}

/// Replaces `value` by `placeholder` on the lines that start with `line_start`, and fails
/// when there is no such line, so that a change in the renderer is noticed here.
fn replace_on_lines(markdown: &str, line_start: &str, value: &str, placeholder: &str) -> String {
    let mut found = false;
    let mut out = String::with_capacity(markdown.len());
    for line in markdown.split_inclusive('\n') {
        if line.starts_with(line_start) && line.contains(value) {
            found = true;
            out.push_str(&line.replace(value, placeholder));
        } else {
            out.push_str(line);
        }
    }
    assert!(
        found,
        "no line starting with `{line_start}` shows `{value}`"
    );
    out
}

/// Replaces each run-specific value by its placeholder, only on the line that shows it
/// (two of them can be the same text, such as a timestamp).
fn normalise(generated: &Generated) -> String {
    let json = &generated.json;
    let instance_url = text(json, "/org/instance_url");
    let port = instance_url
        .rsplit_once(':')
        .map(|(_, port)| port)
        .expect("the instance URL has a port");
    let masked = text(json, "/app/consumer_key_masked");
    let last_four: String = masked
        .chars()
        .rev()
        .take(4)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let days_left = json
        .pointer("/certificate/days_left")
        .and_then(Value::as_i64)
        .expect("runbook.json has the days left")
        .to_string();
    let host = format!("127.0.0.1:{port}");
    let replacements = [
        ("Generated ", text(json, "/generated_at"), "[generated at]"),
        ("| Organisation id |", text(json, "/org/org_id"), "[org id]"),
        // The simulated org mixes its random org id into every record id.
        ("| Id |", text(json, "/user/id"), "[user id]"),
        (
            "The user's access comes from",
            text(json, "/permission_set/id"),
            "[permission set id]",
        ),
        ("| Instance URL |", host.as_str(), "127.0.0.1:[port]"),
        (
            "| Login URL (JWT audience) |",
            host.as_str(),
            "127.0.0.1:[port]",
        ),
        ("| Consumer key |", last_four.as_str(), "[last 4]"),
        (
            "| SHA-256 fingerprint |",
            text(json, "/certificate/fingerprint_sha256"),
            "[SHA-256 fingerprint]",
        ),
        (
            "| Valid from |",
            text(json, "/certificate/not_before"),
            "[valid from]",
        ),
        (
            "| Valid until |",
            text(json, "/certificate/not_after"),
            "[valid until]",
        ),
        // 365 or 364: the certificate and the runbook each read the clock.
        (
            "| Days left when generated |",
            days_left.as_str(),
            "[days left]",
        ),
        (
            "At ",
            text(json, "/verification/verified_at"),
            "[verified at]",
        ),
    ];
    let mut markdown = generated.markdown.clone();
    for (line_start, value, placeholder) in replacements {
        markdown = replace_on_lines(&markdown, line_start, value, placeholder);
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

    for preset in &presets {
        let name = preset.name();
        let generated = match (
            apply(&scratch.path().join(&name), &cache, preset),
            preset.known_failure(),
        ) {
            (Ok(generated), None) => generated,
            (Err(error), Some(known)) => {
                assert!(
                    error.contains(known),
                    "`{name}` failed otherwise than known: {error}"
                );
                continue;
            }
            (Err(error), None) => panic!("{error}"),
            (Ok(_), Some(_)) => panic!(
                "`{name}` applies now: remove it from KNOWN_FAILURES and generate its example"
            ),
        };
        for (secret, what) in secrets(&generated, &preset.plugin) {
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
            "Example runbook: `sfiu apply` of the `{}` preset of plugin `{}` on a fresh \
             simulated org; bracketed values differ on every run.",
            preset.preset, preset.plugin
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
        .filter(|preset| preset.known_failure().is_none())
        .map(|preset| format!("{}.snap", preset.name()))
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
