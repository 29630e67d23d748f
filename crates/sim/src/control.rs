//! Test controls: injected faults and latency, the request log and counters.
//!
//! Harnesses drive these in process through [`crate::RunningOrg`] or over HTTP under
//! `/__sim/`, so that retry, timeout and idempotence behaviour of sfiu can be proven.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What an injected fault does to the matching request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum FaultAction {
    /// Answer with this status and JSON body instead of processing the request.
    Respond {
        /// HTTP status.
        status: u16,
        /// JSON body, typically a Salesforce error array.
        body: Value,
    },
    /// Wait this long before processing the request, so that client timeouts fire.
    Hang {
        /// How long to wait, in milliseconds.
        millis: u64,
    },
}

/// A fault: the `nth` request (1-based, counted from installation) whose method and path
/// match fails, `times` times in a row.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Fault {
    /// HTTP method to match (`None` matches any).
    #[serde(default)]
    pub method: Option<String>,
    /// Path pattern; `*` matches any run of characters (for example `/services/data/*/query*`).
    pub path: String,
    /// Which matching request fails first (1 = the next one).
    #[serde(default = "one")]
    pub nth: u32,
    /// How many consecutive matching requests fail from then on.
    #[serde(default = "one")]
    pub times: u32,
    /// What happens to them.
    pub action: FaultAction,
}

fn one() -> u32 {
    1
}

impl Fault {
    /// A fault that answers the next matching request with `status` and `body`.
    pub fn respond(method: &str, path: &str, status: u16, body: Value) -> Fault {
        Fault {
            method: Some(method.to_owned()),
            path: path.to_owned(),
            nth: 1,
            times: 1,
            action: FaultAction::Respond { status, body },
        }
    }

    /// A fault that delays the next matching request by `delay`.
    pub fn hang(method: &str, path: &str, delay: Duration) -> Fault {
        let millis = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX);
        Fault {
            method: Some(method.to_owned()),
            path: path.to_owned(),
            nth: 1,
            times: 1,
            action: FaultAction::Hang { millis },
        }
    }

    fn matches(&self, method: &str, path: &str) -> bool {
        self.method
            .as_deref()
            .is_none_or(|m| m.eq_ignore_ascii_case(method))
            && glob(&self.path, path)
    }
}

fn glob(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let mut rest = text;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            match rest.strip_prefix(part) {
                Some(r) => rest = r,
                None => return false,
            }
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            match rest.find(part) {
                Some(at) => rest = &rest[at + part.len()..],
                None => return false,
            }
        }
    }
    true
}

/// One logged request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoggedRequest {
    /// Sequence number since the last reset, from 1.
    pub seq: u64,
    /// HTTP method.
    pub method: String,
    /// Path without the query string.
    pub path: String,
    /// The raw query string, if any.
    pub query: Option<String>,
    /// Response status (0 for a request held by a hang fault, logged before it waits).
    pub status: u16,
    /// Whether the request could change data (POST, PATCH, PUT, DELETE; SOAP writes included).
    pub is_write: bool,
    /// Whether an injected fault answered it.
    pub faulted: bool,
}

/// Counters over the log.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counters {
    /// All requests.
    pub total: u64,
    /// Write requests.
    pub writes: u64,
    /// Requests per `METHOD path`.
    pub by_route: BTreeMap<String, u64>,
}

#[derive(Clone, Debug)]
struct ActiveFault {
    fault: Fault,
    seen: u32,
    fired: u32,
}

/// The mutable control state of one running org.
#[derive(Debug, Default)]
pub(crate) struct Control {
    faults: Vec<ActiveFault>,
    pub(crate) latency: Duration,
    log: Vec<LoggedRequest>,
    counters: Counters,
}

impl Control {
    pub(crate) fn add_fault(&mut self, fault: Fault) {
        self.faults.push(ActiveFault {
            fault,
            seen: 0,
            fired: 0,
        });
    }

    pub(crate) fn clear_faults(&mut self) {
        self.faults.clear();
    }

    /// Advances the fault counters for a request and returns the action to take, if any.
    pub(crate) fn fault_for(&mut self, method: &str, path: &str) -> Option<FaultAction> {
        let mut action = None;
        for active in &mut self.faults {
            if !active.fault.matches(method, path) {
                continue;
            }
            active.seen += 1;
            if action.is_none()
                && active.seen >= active.fault.nth
                && active.fired < active.fault.times
            {
                active.fired += 1;
                action = Some(active.fault.action.clone());
            }
        }
        action
    }

    pub(crate) fn record(&mut self, mut entry: LoggedRequest) {
        self.counters.total += 1;
        if entry.is_write {
            self.counters.writes += 1;
        }
        *self
            .counters
            .by_route
            .entry(format!("{} {}", entry.method, entry.path))
            .or_default() += 1;
        entry.seq = self.counters.total;
        self.log.push(entry);
    }

    pub(crate) fn log(&self) -> Vec<LoggedRequest> {
        self.log.clone()
    }

    pub(crate) fn counters(&self) -> Counters {
        self.counters.clone()
    }

    pub(crate) fn reset_log(&mut self) {
        self.log.clear();
        self.counters = Counters::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_paths() {
        assert!(glob(
            "/services/data/*/query*",
            "/services/data/v66.0/query"
        ));
        assert!(glob("*", "/anything"));
        assert!(!glob("/services/oauth2/token", "/services/oauth2/tokens"));
        assert!(glob("/a/*/c", "/a/b/c"));
    }

    #[test]
    fn faults_fire_on_the_nth_match_only() {
        let mut control = Control::default();
        let mut fault = Fault::respond("GET", "/x", 500, Value::Null);
        fault.nth = 2;
        control.add_fault(fault);
        assert!(control.fault_for("GET", "/x").is_none());
        assert!(control.fault_for("POST", "/x").is_none());
        assert!(control.fault_for("GET", "/x").is_some());
        assert!(control.fault_for("GET", "/x").is_none());
    }
}
