//! `sfiu plugin list|show|check` through the real binary: exit code, stdout and stderr
//! snapshotted as one block, with temporary paths and wasm hashes filtered out.

use std::path::{Path, PathBuf};
use std::process::Command;

use sfiu_plugin_host::{Bundle, WitVersion};

/// One run of the binary, rendered for a snapshot.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn block(&self) -> String {
        format!(
            "exit: {}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// A temporary working directory and home for one test.
struct Context {
    directory: tempfile::TempDir,
}

impl Context {
    fn new() -> Self {
        Self {
            directory: tempfile::tempdir().expect("temp dir"),
        }
    }

    fn path(&self) -> &Path {
        self.directory.path()
    }

    /// Runs `sfiu` with a clean environment. Compiled plugins are cached in one directory
    /// shared by every test run (keyed by the wasm's hash, written atomically), because
    /// compiling a component with an unoptimised wasmtime takes about a second.
    fn run(&self, arguments: &[&str]) -> Run {
        let mut command = Command::new(env!("CARGO_BIN_EXE_sfiu"));
        command
            .args(arguments)
            .current_dir(self.path())
            .env_clear()
            .env("HOME", self.path().join("home"))
            .env(
                "XDG_CACHE_HOME",
                Path::new(env!("CARGO_TARGET_TMPDIR")).join("plugin-cli-cache"),
            )
            .env("NO_COLOR", "1");
        let output = command.output().expect("run sfiu");
        let clean = |bytes: &[u8]| self.filter(&String::from_utf8_lossy(bytes));
        Run {
            code: output.status.code().expect("exit code"),
            stdout: clean(&output.stdout),
            stderr: clean(&output.stderr),
        }
    }

    /// Hides the temporary directory and SHA-256 hashes, which change between runs and
    /// toolchains.
    fn filter(&self, text: &str) -> String {
        let text = text.replace(&self.path().display().to_string(), "[TEMP]");
        let mut out = String::with_capacity(text.len());
        let mut run = String::new();
        for character in text.chars() {
            if character.is_ascii_hexdigit() {
                run.push(character);
                continue;
            }
            out.push_str(if run.len() == 64 { "[SHA256]" } else { &run });
            run.clear();
            out.push(character);
        }
        out.push_str(if run.len() == 64 { "[SHA256]" } else { &run });
        out
    }

    /// Writes a bundle (`plugin.wasm` + `plugin.toml`) into `name/` and returns the
    /// manifest path relative to the working directory.
    fn bundle(&self, name: &str, id: &str, wasm: &[u8]) -> PathBuf {
        let directory = self.path().join(name);
        fs_err::create_dir_all(&directory).expect("bundle dir");
        Bundle::write(&directory, id, "0.0.1", WitVersion::V0_1, wasm).expect("write bundle");
        Path::new(name).join("plugin.toml")
    }
}

fn misbehaving() -> &'static [u8] {
    sfiu_test_plugins::misbehaving().expect("the test plugins are built (wasm target installed)")
}

#[test]
fn list_shows_the_bundled_plugins_and_their_presets() {
    let context = Context::new();
    let run = context.run(&["plugin", "list"]);
    assert_eq!(run.code, 0, "{}", run.block());
    insta::assert_snapshot!(run.block());
}

#[test]
fn list_includes_a_bundle_named_by_path() {
    let context = Context::new();
    context.bundle("vendor", "misbehaving", misbehaving());
    let run = context.run(&["plugin", "list", "vendor", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.block());
    let document: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    let sources: Vec<(&str, &str)> = document["plugins"]
        .as_array()
        .expect("plugins")
        .iter()
        .map(|plugin| {
            (
                plugin["id"].as_str().expect("id"),
                plugin["source"].as_str().expect("source"),
            )
        })
        .collect();
    assert_eq!(
        sources,
        [
            ("gong", "bundled"),
            ("hubspot", "bundled"),
            ("misbehaving", "path")
        ]
    );
    assert_eq!(document["plugins"][2]["path"], "vendor/plugin.wasm");
    assert!(document["bundled_missing"].is_null());
}

#[test]
fn show_prints_the_default_preset_as_tables() {
    let context = Context::new();
    let run = context.run(&["plugin", "show", "hubspot"]);
    assert_eq!(run.code, 0, "{}", run.block());
    assert!(
        run.stdout
            .contains("preset:   bidirectional-sync (default)")
    );
    insta::assert_snapshot!(run.block());
}

#[test]
fn show_json_is_one_versioned_document() {
    let context = Context::new();
    let run = context.run(&[
        "plugin",
        "show",
        "hubspot",
        "--preset",
        "read-only",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 0, "{}", run.block());
    assert_eq!(run.stderr, "");
    let document: serde_json::Value = serde_json::from_str(&run.stdout).expect("valid JSON");
    assert_eq!(document["format_version"], 1);
    assert_eq!(document["plugin"]["id"], "hubspot");
    assert_eq!(document["preset"]["id"], "read-only");
    let objects: Vec<String> = document["resolved"]["requirements"]["objects"]
        .as_array()
        .expect("objects")
        .iter()
        .map(|grant| {
            let rights: Vec<&str> = grant["access"]
                .as_array()
                .expect("access")
                .iter()
                .map(|right| right.as_str().expect("right"))
                .collect();
            format!(
                "{}: {}",
                grant["object"].as_str().expect("object"),
                rights.join(" ")
            )
        })
        .collect();
    assert!(
        objects.iter().any(|line| line.starts_with("Contact: read")),
        "{objects:?}"
    );
    insta::assert_snapshot!(objects.join("\n"));
}

#[test]
fn show_with_an_unknown_preset_lists_the_presets() {
    let context = Context::new();
    let run = context.run(&["plugin", "show", "hubspot", "--preset", "everything"]);
    insta::assert_snapshot!(run.block(), @r"
    exit: 2
    --- stdout
    --- stderr
    error: plugin `hubspot` has no preset `everything`

    hint: its presets are: bidirectional-sync (default), vendor-documented, read-only
    ");
}

#[test]
fn show_with_features_keeps_only_their_grants() {
    let context = Context::new();
    let all = context.run(&["plugin", "show", "hubspot", "--format", "json"]);
    let some = context.run(&[
        "plugin",
        "show",
        "hubspot",
        "--feature",
        "deal-sync",
        "--format",
        "json",
    ]);
    let objects = |run: &Run| -> Vec<String> {
        let document: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
        document["resolved"]["requirements"]["objects"]
            .as_array()
            .expect("objects")
            .iter()
            .map(|grant| grant["object"].as_str().expect("object").to_owned())
            .collect()
    };
    assert!(objects(&all).contains(&"Task".to_owned()));
    assert!(objects(&some).contains(&"Opportunity".to_owned()));
    assert!(
        !objects(&some).contains(&"Task".to_owned()),
        "timeline-sync is off"
    );

    let unknown = context.run(&["plugin", "show", "hubspot", "--feature", "teleport"]);
    insta::assert_snapshot!(unknown.block(), @r"
    exit: 2
    --- stdout
    --- stderr
    error: plugin `hubspot` has no feature `teleport`

    hint: its features are: deal-sync, timeline-sync, campaign-sync, ticket-sync, legacy-visualforce
    ");
}

#[test]
fn check_reports_each_broken_preset_and_exits_1() {
    let context = Context::new();
    let manifest = context.bundle("vendor", "misbehaving", misbehaving());
    let run = context.run(&["plugin", "check", manifest.to_str().expect("utf-8")]);
    assert_eq!(run.code, 1, "{}", run.block());
    insta::assert_snapshot!(run.block());
}

#[test]
fn check_passes_a_good_plugin_with_dangerous_permissions_as_warnings() {
    let context = Context::new();
    let run = context.run(&["plugin", "check", "hubspot"]);
    assert_eq!(run.code, 0, "{}", run.block());
    insta::assert_snapshot!(run.block());
}

#[test]
fn check_refuses_a_bundle_whose_wasm_does_not_match_its_hash() {
    let context = Context::new();
    let manifest = context.bundle("vendor", "misbehaving", misbehaving());
    let mut tampered = misbehaving().to_vec();
    tampered.extend_from_slice(b"\0tampered");
    fs_err::write(context.path().join("vendor/plugin.wasm"), tampered).expect("tamper");

    let run = context.run(&["plugin", "check", manifest.to_str().expect("utf-8")]);
    insta::assert_snapshot!(run.block(), @r"
    exit: 2
    --- stdout
    --- stderr
    error: failed to load the plugin at `vendor/plugin.toml`
    caused by: plugin `misbehaving`: `vendor/plugin.wasm` has SHA-256 `[SHA256]` but plugin.toml pins `[SHA256]`

    hint: if you rebuilt `plugin.wasm` on purpose, put its new SHA-256 in `plugin.toml` (`sha256sum plugin.wasm`); otherwise the file was swapped or corrupted
    ");
}

#[test]
fn check_refuses_a_plugin_that_imports_wasi() {
    let context = Context::new();
    let wasip2 = sfiu_test_plugins::misbehaving_wasip2().expect("built");
    context.bundle("vendor", "misbehaving", wasip2);

    let run = context.run(&["plugin", "check", "vendor"]);
    assert_eq!(run.code, 2, "{}", run.block());
    assert!(run.stderr.contains("imports `wasi:"), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("hint: build for `wasm32-unknown-unknown`"),
        "{}",
        run.stderr
    );
}
