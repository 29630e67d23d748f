//! The interface versions this host speaks, and the bindings for each.
//!
//! One module per supported version; each converts into the same internal model, so a new
//! version adds a module and a `match` arm rather than changing old code.

/// An interface version of `sfiu:integration` this host supports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum WitVersion {
    /// `sfiu:integration@0.1.x` (`wit/0.1.0/`).
    V0_1,
}

impl WitVersion {
    /// The exported interface name the host looks up, e.g. `sfiu:integration/plugin@0.1.0`.
    /// Wasmtime matches it semver-compatibly, so any `0.1.x` export is found.
    pub fn export_name(self) -> &'static str {
        match self {
            Self::V0_1 => "sfiu:integration/plugin@0.1.0",
        }
    }

    /// The version as written in `plugin.toml`, e.g. `0.1.0`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::V0_1 => "0.1.0",
        }
    }

    /// Whether a version string such as `0.1.3` falls in this version's range.
    pub fn matches(self, version: &str) -> bool {
        match self {
            Self::V0_1 => version.strip_prefix("0.1.").is_some_and(|patch| {
                !patch.is_empty() && patch.bytes().all(|byte| byte.is_ascii_digit())
            }),
        }
    }
}

impl std::fmt::Display for WitVersion {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// Every supported version, newest first.
pub const SUPPORTED_WIT: &[WitVersion] = &[WitVersion::V0_1];

/// The supported range, for messages: `0.1.x`.
pub(crate) fn supported_text() -> String {
    SUPPORTED_WIT
        .iter()
        .map(|version| match version {
            WitVersion::V0_1 => "`0.1.x`",
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Host bindings for `sfiu:integration@0.1.0`.
pub(crate) mod v0_1 {
    wasmtime::component::bindgen!({ path: "../../wit/0.1.0", world: "integration" });
}
