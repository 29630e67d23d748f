//! The shared harness of the end-to-end tests: a temporary working directory, a clean
//! environment, an optional simulated org served from this test process, and a way to run
//! the real `sfiu` binary against it and snapshot what it printed.
//!
//! Every test builds one [`TestContext`]. The binary runs as a child process with its working
//! directory and `HOME` inside the context's temporary directory and no inherited `SFIU_*` or
//! `SF_*` variables, so nothing from the developer's machine leaks in. The simulated org runs
//! on a tokio runtime owned by the context, on `127.0.0.1` with a free port, and the test keeps
//! its control handle (faults, latency, request log, counters, snapshot).
//!
//! ```ignore
//! let cx = TestContext::with_scenario(Scenario::FreshEnterprise);
//! let output = cx.run_setup("apply", &[]);
//! output.assert_code(0);
//! insta::assert_snapshot!(cx.redact_output(&output));
//! ```

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
pub(crate) use sfiu_sim::{Fault, LoggedRequest, RunningOrg, Scenario, Settings};

/// The integration user's username as snapshots show it. Each context passes its own
/// [`TestContext::username`], because the sim keeps usernames unique across every org in the
/// process (as Salesforce does across all orgs), and redaction maps it back to this one.
pub(crate) const USERNAME: &str = "integration-hubspot@acme.example";

/// Numbers the contexts of this process, to give each a username no other org holds.
static CONTEXTS: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

/// The bundled plugin the setup helpers use.
pub(crate) const PLUGIN: &str = "hubspot";

/// A change to the simulated org's settings before it starts.
type SettingsChange = Box<dyn FnOnce(&mut Settings)>;

/// Builds a [`TestContext`].
#[derive(Default)]
pub(crate) struct TestContextBuilder {
    scenario: Option<Scenario>,
    settings: Option<SettingsChange>,
    env: Vec<(String, String)>,
}

impl TestContextBuilder {
    /// Starts a simulated org from `scenario`.
    pub(crate) fn scenario(mut self, scenario: Scenario) -> Self {
        self.scenario = Some(scenario);
        self
    }

    /// Changes the simulated org's settings (from the scenario's defaults) before it starts.
    pub(crate) fn settings(mut self, change: impl FnOnce(&mut Settings) + 'static) -> Self {
        self.settings = Some(Box::new(change));
        self
    }

    /// Sets an extra environment variable for every run of the binary.
    pub(crate) fn env(mut self, name: &str, value: &str) -> Self {
        self.env.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Creates the directory and starts the org.
    pub(crate) fn build(self) -> TestContext {
        let dir = tempfile::Builder::new()
            .prefix("sfiu-e2e-")
            .tempdir()
            .expect("create the test's temporary directory");
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("start the tokio runtime for the simulated org");
        let org = self.scenario.map(|scenario| {
            let mut options = sfiu_sim::StartOptions::new(scenario);
            if let Some(change) = self.settings {
                let mut settings = scenario.default_settings();
                change(&mut settings);
                options.settings = Some(settings);
            }
            runtime
                .block_on(sfiu_sim::start(options))
                .expect("start the simulated org")
        });
        fs_err::create_dir_all(dir.path().join("home")).expect("create HOME");
        let n = CONTEXTS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let username = if n == 0 {
            USERNAME.to_owned()
        } else {
            format!("integration-hubspot@acme-{n}.example")
        };
        TestContext {
            dir,
            org,
            runtime,
            env: self.env,
            username,
        }
    }
}

/// One test's world: a temporary directory, an environment and maybe a simulated org.
pub(crate) struct TestContext {
    dir: tempfile::TempDir,
    org: Option<RunningOrg>,
    runtime: tokio::runtime::Runtime,
    env: Vec<(String, String)>,
    username: String,
}

impl TestContext {
    /// A builder for a context with options.
    pub(crate) fn builder() -> TestContextBuilder {
        TestContextBuilder::default()
    }

    /// A context without an org (for commands that need none).
    pub(crate) fn new() -> TestContext {
        TestContext::builder().build()
    }

    /// A context with a simulated org started from `scenario` with default settings.
    pub(crate) fn with_scenario(scenario: Scenario) -> TestContext {
        TestContext::builder().scenario(scenario).build()
    }

    /// This context's integration username (see [`USERNAME`]).
    pub(crate) fn username(&self) -> &str {
        &self.username
    }

    /// The temporary directory: the binary's working directory.
    pub(crate) fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The `--out` folder the setup helpers pass (`<temp>/out`).
    pub(crate) fn out_dir(&self) -> PathBuf {
        self.path().join("out")
    }

    /// The folder holding one integration's key, certificate, consumer key and runbook.
    pub(crate) fn integration_dir(&self) -> PathBuf {
        self.out_dir().join(PLUGIN)
    }

    /// The simulated org.
    ///
    /// # Panics
    ///
    /// When the context was built without a scenario.
    pub(crate) fn org(&self) -> &RunningOrg {
        self.org
            .as_ref()
            .expect("this TestContext was built without a simulated org")
    }

    /// The tokio runtime the org runs on, for tests that talk to it directly.
    pub(crate) fn runtime(&self) -> &tokio::runtime::Runtime {
        &self.runtime
    }

    /// Writes a file into the temporary directory and returns its path.
    pub(crate) fn write_file(&self, name: &str, contents: &str) -> PathBuf {
        let path = self.path().join(name);
        if let Some(parent) = path.parent() {
            fs_err::create_dir_all(parent).expect("create the file's folder");
        }
        fs_err::write(&path, contents).expect("write the test file");
        path
    }

    /// Reads a file relative to the temporary directory.
    pub(crate) fn read_file(&self, name: impl AsRef<Path>) -> String {
        fs_err::read_to_string(self.path().join(name)).expect("read the file")
    }

    /// The binary with the context's environment and working directory, ready for arguments.
    pub(crate) fn command(&self) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_sfiu"));
        command.current_dir(self.path()).env_clear();
        if let Some(path) = std::env::var_os("PATH") {
            command.env("PATH", path);
        }
        command
            .env("HOME", self.path().join("home"))
            .env("XDG_CACHE_HOME", shared_cache_dir())
            .env("NO_COLOR", "1")
            .env("TZ", "UTC");
        if let Some(org) = &self.org {
            command.env("SF_ACCESS_TOKEN", org.admin_access_token());
        }
        for (name, value) in &self.env {
            command.env(name, value);
        }
        command
    }

    /// Runs the binary with exactly these arguments.
    pub(crate) fn run<S: AsRef<std::ffi::OsStr>>(&self, arguments: &[S]) -> Output {
        let mut command = self.command();
        command.args(arguments);
        Output::from_command(command)
    }

    /// The flags that point a command at the simulated org: `--instance-url <url>`.
    pub(crate) fn org_flags(&self) -> Vec<String> {
        vec![
            "--instance-url".to_owned(),
            self.org().instance_url().to_owned(),
        ]
    }

    /// Runs the binary with `arguments` followed by [`TestContext::org_flags`].
    pub(crate) fn run_org(&self, arguments: &[&str]) -> Output {
        let mut all: Vec<String> = arguments.iter().map(|a| (*a).to_owned()).collect();
        all.extend(self.org_flags());
        self.run(&all)
    }

    /// The flags of a setup command (`plan`, `apply`, `verify`, `runbook`) for the HubSpot
    /// plugin: `--plugin hubspot --username <username> --out <temp>/out`, then the org flags.
    pub(crate) fn setup_flags(&self) -> Vec<String> {
        let mut flags = vec![
            "--plugin".to_owned(),
            PLUGIN.to_owned(),
            "--username".to_owned(),
            self.username.clone(),
            "--out".to_owned(),
            self.out_dir().display().to_string(),
        ];
        flags.extend(self.org_flags());
        flags
    }

    /// Runs `sfiu <command> <setup flags> <extra>` against the simulated org.
    pub(crate) fn run_setup(&self, command: &str, extra: &[&str]) -> Output {
        let mut all = vec![command.to_owned()];
        all.extend(self.setup_flags());
        all.extend(extra.iter().map(|a| (*a).to_owned()));
        self.run(&all)
    }

    /// Replaces everything that changes from run to run with a stable placeholder: the
    /// temporary directory, the org's URL and port, the admin's randomised domain, this
    /// context's username (by [`USERNAME`]), 18-character Salesforce ids, certificate
    /// fingerprints, serials, consumer keys, dates, times and durations.
    pub(crate) fn redact(&self, text: &str) -> String {
        let mut literal: Vec<(String, &str)> = Vec::new();
        if let Ok(canonical) = self.path().canonicalize() {
            literal.push((canonical.display().to_string(), "[TEMP]"));
        }
        literal.push((self.path().display().to_string(), "[TEMP]"));
        literal.push((shared_cache_dir().display().to_string(), "[CACHE]"));
        literal.push((self.username.clone(), USERNAME));
        if let Some(org) = &self.org {
            literal.push((org.instance_url().to_owned(), "[SIM_URL]"));
            let admin = org.admin_username();
            if let Some((_, domain)) = admin.split_once('@') {
                literal.push((domain.to_owned(), "[ADMIN_DOMAIN]"));
            }
        }
        let mut text = text.to_owned();
        for (from, to) in literal {
            if !from.is_empty() {
                text = text.replace(&from, to);
            }
        }
        redact_patterns(&text)
    }

    /// An output as one redacted block for a snapshot.
    pub(crate) fn redact_output(&self, output: &Output) -> String {
        self.redact(&output.block())
    }

    /// Fails if any secret of this context appears in `text`: the admin access token, or the
    /// body of the integration's private key.
    pub(crate) fn assert_no_secrets(&self, text: &str) {
        if let Some(org) = &self.org {
            let token = org.admin_access_token();
            assert!(
                !text.contains(&token),
                "the admin access token leaked into:\n{text}"
            );
        }
        let key_path = self.integration_dir().join("private-key.pem");
        if let Ok(key) = fs_err::read_to_string(&key_path) {
            assert_no_key_material(&key, text);
        }
    }
}

/// Fails if any line of a PEM body (longer than a few characters) appears in `text`.
pub(crate) fn assert_no_key_material(pem: &str, text: &str) {
    for line in pem.lines().filter(|line| !line.starts_with("-----")) {
        if line.len() >= 16 {
            assert!(
                !text.contains(line),
                "private key material leaked into:\n{text}"
            );
        }
    }
}

/// What one run of the binary did.
#[derive(Debug, Clone)]
pub(crate) struct Output {
    /// Exit code (`-1` when killed by a signal).
    pub(crate) code: i32,
    /// Standard output, lossily decoded.
    pub(crate) stdout: String,
    /// Standard error, lossily decoded.
    pub(crate) stderr: String,
}

impl Output {
    fn from_command(mut command: Command) -> Output {
        let output = command.output().expect("run the sfiu binary");
        Output {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// Exit code, stdout and stderr as one block (unredacted).
    pub(crate) fn block(&self) -> String {
        format!(
            "exit code: {}\n----- stdout -----\n{}----- stderr -----\n{}",
            self.code,
            with_final_newline(&self.stdout),
            with_final_newline(&self.stderr)
        )
    }

    /// Panics with the whole block unless the exit code is `expected`.
    #[track_caller]
    pub(crate) fn assert_code(&self, expected: i32) -> &Output {
        assert_eq!(
            self.code,
            expected,
            "unexpected exit code; the run printed:\n{}",
            self.block()
        );
        self
    }

    /// Stdout parsed as one JSON document.
    #[track_caller]
    pub(crate) fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|error| {
            panic!(
                "stdout is not one JSON document ({error}); the run printed:\n{}",
                self.block()
            )
        })
    }

    /// Stdout and stderr together, for "contains" checks.
    pub(crate) fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

fn with_final_newline(text: &str) -> String {
    if text.is_empty() || text.ends_with('\n') {
        text.to_owned()
    } else {
        format!("{text}\n")
    }
}

/// The plugin compile cache shared by every test, so each plugin is compiled once per target
/// directory instead of once per test.
pub(crate) fn shared_cache_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("sfiu-e2e-cache")
}

/// Requests in the log that changed the org: every write except the OAuth token exchange.
///
/// The sim marks a request as a write from its method and path, so a composite request made
/// only of `GET` subrequests would count; callers that need a stricter answer look at the org
/// snapshot as well.
pub(crate) fn writes(log: &[LoggedRequest]) -> Vec<&LoggedRequest> {
    log.iter().filter(|request| request.is_write).collect()
}

/// The records of one sObject type in an org snapshot ([`RunningOrg::snapshot`]).
pub(crate) fn records<'a>(snapshot: &'a Value, sobject: &str) -> Vec<&'a Value> {
    snapshot["tables"][sobject]
        .as_object()
        .map(|table| table.values().collect())
        .unwrap_or_default()
}

/// The parts of an org snapshot that only writes change: records, metadata and the id
/// sequence. Sessions, the API usage counter and users' `LastLoginDate` move with every login
/// and read, and are left out.
pub(crate) fn written_state(snapshot: &Value) -> Value {
    let mut tables = snapshot["tables"].clone();
    if let Some(users) = tables.get_mut("User").and_then(Value::as_object_mut) {
        for user in users.values_mut() {
            if let Some(user) = user.as_object_mut() {
                user.remove("LastLoginDate");
            }
        }
    }
    serde_json::json!({
        "tables": tables,
        "metadata": snapshot["metadata"],
        "next_id": snapshot["next_id"],
    })
}

/// The JSON paths at which two values differ (at most 20), for readable failures.
pub(crate) fn differences(before: &Value, after: &Value) -> Vec<String> {
    fn walk(path: &str, before: &Value, after: &Value, found: &mut Vec<String>) {
        if found.len() >= 20 || before == after {
            return;
        }
        match (before, after) {
            (Value::Object(left), Value::Object(right)) => {
                let keys: std::collections::BTreeSet<&String> =
                    left.keys().chain(right.keys()).collect();
                for key in keys {
                    let null = Value::Null;
                    walk(
                        &format!("{path}/{key}"),
                        left.get(key).unwrap_or(&null),
                        right.get(key).unwrap_or(&null),
                        found,
                    );
                }
            }
            _ => found.push(format!("{path}: {before} -> {after}")),
        }
    }
    let mut found = Vec::new();
    walk("", before, after, &mut found);
    found
}

impl TestContext {
    /// [`written_state`] of the context's org now.
    pub(crate) fn written_state(&self) -> Value {
        written_state(&self.org().snapshot())
    }

    /// Fails, listing the differences, if the org's written state is no longer `before`.
    #[track_caller]
    pub(crate) fn assert_unchanged_since(&self, before: &Value, what: &str) {
        let changes = differences(before, &self.written_state());
        assert!(
            changes.is_empty(),
            "{what} changed the org:\n{}",
            changes.join("\n")
        );
    }
}

/// Replaces run-dependent tokens found by shape rather than by value.
pub(crate) fn redact_patterns(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let at_boundary = i == 0 || !is_word(chars[i - 1]);
        if at_boundary {
            let matched = [
                (
                    match_fingerprint as fn(&[char]) -> Option<usize>,
                    "[FINGERPRINT]",
                ),
                (match_datetime, "[DATETIME]"),
                (match_date, "[DATE]"),
                (match_time, "[TIME]"),
                (match_consumer_key, "[CONSUMER_KEY]"),
                (match_duration, "[DURATION]"),
                (match_id, "[ID]"),
                (match_long_hex, "[HEX]"),
            ]
            .into_iter()
            .find_map(|(matcher, placeholder)| matcher(&chars[i..]).map(|len| (len, placeholder)));
            if let Some((len, placeholder)) = matched {
                out.push_str(placeholder);
                i += len;
                continue;
            }
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

fn is_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

fn ends_word(rest: &[char], len: usize) -> bool {
    rest.get(len).is_none_or(|c| !is_word(*c))
}

fn digits(rest: &[char], at: usize, n: usize) -> bool {
    rest.len() >= at + n && rest[at..at + n].iter().all(char::is_ascii_digit)
}

/// `AB:CD:…` with at least eight hexadecimal pairs.
fn match_fingerprint(rest: &[char]) -> Option<usize> {
    let mut len = 0;
    let mut pairs = 0;
    loop {
        if rest.len() >= len + 2 && rest[len..len + 2].iter().all(char::is_ascii_hexdigit) {
            pairs += 1;
            len += 2;
        } else {
            return None;
        }
        if rest.get(len) == Some(&':') && rest.get(len + 1).is_some_and(char::is_ascii_hexdigit) {
            len += 1;
        } else {
            break;
        }
    }
    (pairs >= 8 && ends_word(rest, len)).then_some(len)
}

fn is_date_shaped(rest: &[char]) -> bool {
    digits(rest, 0, 4)
        && rest.get(4) == Some(&'-')
        && digits(rest, 5, 2)
        && rest.get(7) == Some(&'-')
        && digits(rest, 8, 2)
}

/// `YYYY-MM-DD`.
fn match_date(rest: &[char]) -> Option<usize> {
    (is_date_shaped(rest) && ends_word(rest, 10)).then_some(10)
}

/// `HH:MM` or `HH:MM:SS`, with optional fractions and a zone (`Z`, `+00:00`, `+0000`,
/// ` UTC`).
fn match_time(rest: &[char]) -> Option<usize> {
    if !(digits(rest, 0, 2) && rest.get(2) == Some(&':') && digits(rest, 3, 2)) {
        return None;
    }
    let mut len = 5;
    if rest.get(len) == Some(&':') && digits(rest, len + 1, 2) {
        len += 3;
        if rest.get(len) == Some(&'.') && digits(rest, len + 1, 1) {
            len += 1;
            while rest.get(len).is_some_and(char::is_ascii_digit) {
                len += 1;
            }
        }
    }
    if rest.get(len) == Some(&'Z') {
        len += 1;
    } else if matches!(rest.get(len), Some('+' | '-'))
        && digits(rest, len + 1, 2)
        && rest.get(len + 3) == Some(&':')
        && digits(rest, len + 4, 2)
    {
        len += 6;
    } else if matches!(rest.get(len), Some('+' | '-')) && digits(rest, len + 1, 4) {
        len += 5;
    } else if rest[len..].starts_with(&[' ', 'U', 'T', 'C']) {
        len += 4;
    }
    ends_word(rest, len).then_some(len)
}

/// A date followed by `T` or a space and a time.
fn match_datetime(rest: &[char]) -> Option<usize> {
    if !is_date_shaped(rest) || !matches!(rest.get(10), Some('T' | ' ')) {
        return None;
    }
    let time = match_time(&rest[11..])?;
    Some(11 + time)
}

/// Sim and Salesforce consumer keys start `3MVG`; masked ones read `3MVG…abcd`.
fn match_consumer_key(rest: &[char]) -> Option<usize> {
    if !rest.starts_with(&['3', 'M', 'V', 'G']) {
        return None;
    }
    let len = rest
        .iter()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '…'))
        .count();
    Some(len)
}

/// `12ms`, `1.5s`, `300µs`.
fn match_duration(rest: &[char]) -> Option<usize> {
    let mut len = rest.iter().take_while(|c| c.is_ascii_digit()).count();
    if len == 0 {
        return None;
    }
    if rest.get(len) == Some(&'.') && rest.get(len + 1).is_some_and(char::is_ascii_digit) {
        len += 1;
        len += rest[len..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count();
    }
    for unit in [&['m', 's'][..], &['µ', 's'][..], &['s'][..]] {
        if rest[len..].starts_with(unit) && ends_word(rest, len + unit.len()) {
            return Some(len + unit.len());
        }
    }
    None
}

/// An 18-character Salesforce id: alphanumeric, with a digit among its first three characters.
fn match_id(rest: &[char]) -> Option<usize> {
    let len = rest
        .iter()
        .take_while(|c| c.is_ascii_alphanumeric())
        .count();
    let is_id = len == 18 && rest[..3].iter().any(char::is_ascii_digit) && ends_word(rest, len);
    is_id.then_some(len)
}

/// A bare hash or certificate serial in hexadecimal (32 or more hexadecimal digits).
fn match_long_hex(rest: &[char]) -> Option<usize> {
    let len = rest.iter().take_while(|c| c.is_ascii_hexdigit()).count();
    (len >= 32 && ends_word(rest, len)).then_some(len)
}

#[test]
fn redacts_run_dependent_tokens() {
    let text = "id 005Rk00000AbCdEAAZ at 2027-12-04T10:11:12Z (2027-12-04) took 12ms, \
                key 3MVG…uQRU, SHA-256 27:0A:12:1C:3B:AF:E2:CC:8C:DF:49:EA, v66.0, 7 trips, \
                created 2026-12-04T16:58:12.815+0000 at 09:30, serial \
                6B70F6E3AF06293F1A35A3CB030A913E, 2048-bit";
    assert_eq!(
        redact_patterns(text),
        "id [ID] at [DATETIME] ([DATE]) took [DURATION], key [CONSUMER_KEY], \
         SHA-256 [FINGERPRINT], v66.0, 7 trips, created [DATETIME] at [TIME], serial \
         [HEX], 2048-bit"
    );
}
