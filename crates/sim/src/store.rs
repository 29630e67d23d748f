//! The org's data: every record, session, app and deploy, in one serialisable value.
//!
//! Records are kept as JSON maps per object type so that SOQL, REST and persistence share one
//! representation; the typed rules live in `dml` and only read and write these maps.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::{LazyLock, Mutex};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::ids;
use crate::schema;
use crate::settings::Settings;
use crate::xml::XmlNode;

/// One record: field name → value, always including `Id`.
pub(crate) type Record = Map<String, Value>;

/// An OAuth session.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Session {
    pub(crate) user_id: String,
    /// Whether the token may call the REST API (the app granted `api` or `full`).
    pub(crate) rest_allowed: bool,
}

/// A metadata deploy in progress or finished.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct DeployJob {
    pub(crate) id: String,
    pub(crate) polls: u32,
    pub(crate) check_only: bool,
    pub(crate) rollback_on_error: bool,
    pub(crate) created_date: String,
    pub(crate) created_by: String,
    /// `(type, fullName, fileName, body)`; `None` body for package.xml itself.
    pub(crate) components: Vec<DeployComponent>,
    /// Set once the deploy has been applied.
    pub(crate) outcome: Option<DeployOutcome>,
    /// A whole-deploy failure found when the zip was read (for example no package.xml).
    pub(crate) zip_problem: Option<String>,
}

/// One file of a deploy.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct DeployComponent {
    pub(crate) component_type: String,
    pub(crate) full_name: String,
    pub(crate) file_name: String,
    pub(crate) body: Option<XmlNode>,
}

/// The result of applying a deploy.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct DeployOutcome {
    pub(crate) completed_date: String,
    /// Per component: `(component, Ok(created) | Err(problem))`.
    pub(crate) results: Vec<(DeployComponent, std::result::Result<bool, String>)>,
}

/// A stored metadata component (ConnectedApp, ECA family, anything else deployed).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct StoredMetadata {
    pub(crate) body: XmlNode,
    /// Milliseconds since the Unix epoch when it was created.
    pub(crate) created_ms: u64,
}

/// The whole org.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct OrgData {
    pub(crate) format: u32,
    pub(crate) scenario: String,
    pub(crate) org_id: String,
    pub(crate) settings: Settings,
    pub(crate) admin_user_id: String,
    pub(crate) admin_token: String,
    pub(crate) api_usage: u64,
    pub(crate) next_id: u64,
    pub(crate) sessions: BTreeMap<String, Session>,
    /// Object type → Id → record.
    pub(crate) tables: BTreeMap<String, BTreeMap<String, Record>>,
    /// Metadata type → fullName → component.
    pub(crate) metadata: BTreeMap<String, BTreeMap<String, StoredMetadata>>,
    pub(crate) deploys: BTreeMap<String, DeployJob>,
    /// Query locator → remaining rows; not worth persisting.
    #[serde(skip)]
    pub(crate) cursors: HashMap<String, Vec<Value>>,
}

/// Decodes `application/x-www-form-urlencoded` text (also used for query strings).
pub(crate) fn form_decode(text: &str) -> Vec<(String, String)> {
    text.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(key), percent_decode(value))
        })
        .collect()
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(byte) => {
                        out.push(byte);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            other => out.push(other),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Usernames and consumer keys taken anywhere in "the world": other simulated orgs in this
/// process, plus a few seeded ones standing for real orgs elsewhere.
#[derive(Default)]
struct Registry {
    usernames: HashMap<String, String>,
    consumer_keys: HashMap<String, String>,
}

/// Usernames that count as taken by orgs outside the simulator.
pub const USERNAMES_TAKEN_ELSEWHERE: &[&str] = &[
    "admin@example.com",
    "integration@example.com",
    "hubspot@example.com",
    "taken@example.com",
];

const ELSEWHERE: &str = "elsewhere";

static REGISTRY: LazyLock<Mutex<Registry>> = LazyLock::new(|| {
    let mut registry = Registry::default();
    for name in USERNAMES_TAKEN_ELSEWHERE {
        registry
            .usernames
            .insert((*name).to_owned(), ELSEWHERE.to_owned());
    }
    Mutex::new(registry)
});

fn registry() -> std::sync::MutexGuard<'static, Registry> {
    REGISTRY
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Current time as Salesforce formats datetimes.
pub(crate) fn now_string() -> String {
    format_time(time::OffsetDateTime::now_utc())
}

pub(crate) fn format_time(t: time::OffsetDateTime) -> String {
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}+0000",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond()
    )
}

pub(crate) fn now_ms() -> u64 {
    let nanos = time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000;
    u64::try_from(nanos).unwrap_or(0)
}

impl OrgData {
    /// An empty org with a fresh id.
    pub(crate) fn empty(scenario: &str, settings: Settings) -> Self {
        let org_id = ids::to_18(&format!("00D{}", random_digits(12)));
        Self {
            format: 1,
            scenario: scenario.to_owned(),
            admin_token: String::new(),
            org_id,
            settings,
            admin_user_id: String::new(),
            api_usage: 0,
            next_id: 1,
            sessions: BTreeMap::new(),
            tables: BTreeMap::new(),
            metadata: BTreeMap::new(),
            deploys: BTreeMap::new(),
            cursors: HashMap::new(),
        }
    }

    /// The 15-character org id, as used in access tokens.
    pub(crate) fn org_id15(&self) -> &str {
        &self.org_id[..15]
    }

    /// A fresh id for a key prefix.
    pub(crate) fn new_id(&mut self, prefix: &str) -> String {
        let n = self.next_id;
        self.next_id += 1;
        // Mixing the org id into the pod segment keeps ids of different orgs apart.
        let pod = format!("{}0", &self.org_id[13..15]);
        ids::make(prefix, &pod, n)
    }

    pub(crate) fn new_token(&mut self, user_id: &str, rest_allowed: bool) -> String {
        let token = format!("{}!AQ{}", self.org_id15(), ids::random_string(96));
        self.sessions.insert(
            token.clone(),
            Session {
                user_id: user_id.to_owned(),
                rest_allowed,
            },
        );
        token
    }

    pub(crate) fn table(&self, object: &str) -> impl Iterator<Item = &Record> {
        self.tables.get(object).into_iter().flat_map(|t| t.values())
    }

    pub(crate) fn get(&self, object: &str, id: &str) -> Option<&Record> {
        self.tables.get(object)?.get(id)
    }

    pub(crate) fn get_mut(&mut self, object: &str, id: &str) -> Option<&mut Record> {
        self.tables.get_mut(object)?.get_mut(id)
    }

    /// Finds a record by id whatever its type.
    pub(crate) fn find(&self, id: &str) -> Option<(&'static str, &Record)> {
        let object = schema::object_for_id(id)?;
        Some((object.name, self.get(object.name, id)?))
    }

    /// Inserts a record, filling Id, audit fields and schema defaults.
    pub(crate) fn insert(&mut self, object: &str, mut record: Record) -> String {
        let def = schema::object(object);
        let prefix = def.map_or("000", |d| d.key_prefix);
        let id = match record.get("Id").and_then(Value::as_str) {
            Some(id) => id.to_owned(),
            None => self.new_id(prefix),
        };
        let now = now_string();
        let creator = Value::String(self.admin_user_id.clone());
        if let Some(def) = def {
            for field in &def.fields {
                if !record.contains_key(field.name) {
                    let value = field.default.clone().unwrap_or(Value::Null);
                    record.insert(field.name.to_owned(), value);
                }
            }
        }
        record.insert("Id".into(), Value::String(id.clone()));
        for key in ["CreatedDate", "LastModifiedDate", "SystemModstamp"] {
            record.insert(key.into(), Value::String(now.clone()));
        }
        for key in ["CreatedById", "LastModifiedById"] {
            record.insert(key.into(), creator.clone());
        }
        if record.contains_key("IsDeleted") {
            record.insert("IsDeleted".into(), Value::Bool(false));
        }
        if record.get("OwnerId").is_some_and(Value::is_null) {
            record.insert("OwnerId".into(), creator);
        }
        self.tables
            .entry(object.to_owned())
            .or_default()
            .insert(id.clone(), record);
        id
    }

    pub(crate) fn remove(&mut self, object: &str, id: &str) -> Option<Record> {
        self.tables.get_mut(object)?.remove(id)
    }

    /// Claims a username in the cross-org registry; `false` if any org holds it.
    pub(crate) fn is_username_taken_elsewhere(&self, username: &str) -> bool {
        let key = username.to_ascii_lowercase();
        registry()
            .usernames
            .get(&key)
            .is_some_and(|org| org != &self.org_id)
    }

    pub(crate) fn register_username(&self, username: &str) {
        registry()
            .usernames
            .insert(username.to_ascii_lowercase(), self.org_id.clone());
    }

    pub(crate) fn is_consumer_key_taken_elsewhere(&self, key: &str) -> bool {
        registry()
            .consumer_keys
            .get(key)
            .is_some_and(|org| org != &self.org_id)
    }

    pub(crate) fn register_consumer_key(&self, key: &str) {
        registry()
            .consumer_keys
            .insert(key.to_owned(), self.org_id.clone());
    }

    /// Makes the registry agree with this org's tables (after a load or a rollback).
    pub(crate) fn sync_registry(&self) {
        let usernames: Vec<String> = self
            .table("User")
            .filter_map(|u| u.get("Username").and_then(Value::as_str))
            .map(str::to_ascii_lowercase)
            .collect();
        let keys = self.consumer_keys();
        let mut registry = registry();
        registry.usernames.retain(|_, org| org != &self.org_id);
        registry.consumer_keys.retain(|_, org| org != &self.org_id);
        for name in usernames {
            registry.usernames.insert(name, self.org_id.clone());
        }
        for key in keys {
            registry.consumer_keys.insert(key, self.org_id.clone());
        }
    }

    fn consumer_keys(&self) -> Vec<String> {
        let mut keys = Vec::new();
        for (kind, path) in [
            ("ConnectedApp", &["oauthConfig", "consumerKey"][..]),
            ("ExtlClntAppGlobalOauthSettings", &["consumerKey"][..]),
        ] {
            for stored in self.metadata.get(kind).into_iter().flat_map(|m| m.values()) {
                if let Some(key) = stored.body.path_text(path) {
                    keys.push(key.to_owned());
                }
            }
        }
        keys
    }

    /// Loads a saved org.
    pub(crate) fn load(path: &Path) -> Result<Self> {
        let text = fs_err::read_to_string(path).map_err(|source| Error::StateIo {
            path: path.to_owned(),
            source,
        })?;
        let org: OrgData = serde_json::from_str(&text).map_err(|source| Error::StateFormat {
            path: path.to_owned(),
            source,
        })?;
        org.sync_registry();
        Ok(org)
    }

    /// Saves atomically: a temporary file next to the target, then a rename.
    pub(crate) fn save(&self, path: &Path) -> Result<()> {
        let io = |source| Error::StateIo {
            path: path.to_owned(),
            source,
        };
        let text = serde_json::to_string_pretty(self)
            .map_err(|source| io(std::io::Error::other(source)))?;
        let mut temp = path.as_os_str().to_owned();
        temp.push(".tmp");
        let temp = std::path::PathBuf::from(temp);
        // The state holds session tokens (simulated ones, but tokens all the same): keep the
        // file readable by its owner only.
        let mut options = fs_err::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use fs_err::os::unix::fs::OpenOptionsExt as _;
            options.mode(0o600);
        }
        let mut file = options.open(&temp).map_err(io)?;
        std::io::Write::write_all(&mut file, text.as_bytes()).map_err(io)?;
        drop(file);
        fs_err::rename(&temp, path).map_err(io)?;
        Ok(())
    }
}

fn random_digits(len: usize) -> String {
    use rand::Rng;
    let mut rng = rand::rng();
    (0..len)
        .map(|_| char::from(b'0' + rng.random_range(0..10u8)))
        .collect()
}
