//! The one error type of the plugin host: every failure names the plugin it concerns.

use std::path::PathBuf;

/// Which sandbox limit stopped a plugin, or which trap it hit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LimitKind {
    /// The fuel budget (a deterministic instruction count) ran out.
    Fuel {
        /// The budget that ran out.
        budget: u64,
    },
    /// The wall-clock deadline passed.
    Time {
        /// The deadline, in milliseconds.
        milliseconds: u128,
    },
    /// Linear memory would have grown past the cap.
    Memory {
        /// The cap, in bytes.
        limit: usize,
        /// The size the plugin asked for, in bytes.
        requested: usize,
    },
    /// A table would have grown past the cap.
    Table {
        /// The cap, in elements.
        limit: usize,
    },
    /// The wasm stack overflowed.
    Stack {
        /// The stack cap, in bytes.
        limit: usize,
    },
    /// Any other trap (a guest panic shows as `unreachable`).
    Trap(String),
}

impl std::fmt::Display for LimitKind {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Fuel { budget } => write!(formatter, "ran out of fuel (budget {budget})"),
            Self::Time { milliseconds } => {
                write!(formatter, "exceeded the time limit of {milliseconds} ms")
            }
            Self::Memory { limit, requested } => write!(
                formatter,
                "exceeded the memory limit of {} MiB (asked for {requested} bytes)",
                limit >> 20
            ),
            Self::Table { limit } => {
                write!(formatter, "exceeded the table limit of {limit} elements")
            }
            Self::Stack { limit } => {
                write!(
                    formatter,
                    "overflowed its stack (limit {} KiB)",
                    limit >> 10
                )
            }
            Self::Trap(trap) => write!(formatter, "trapped: {trap}"),
        }
    }
}

/// Everything that can go wrong while loading or calling a plugin.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The wasmtime engine could not be set up.
    #[error("failed to set up the wasm engine: {0}")]
    Engine(String),
    /// A file could not be read or written.
    #[error("failed to access `{path}`")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The bundle manifest is not valid TOML of the expected shape.
    #[error("the plugin manifest `{path}` is malformed")]
    BundleManifest {
        /// The `plugin.toml`.
        path: PathBuf,
        /// What the parser said.
        #[source]
        source: toml::de::Error,
    },
    /// A bundle manifest field breaks a rule.
    #[error("the plugin manifest `{path}` is invalid: {message}")]
    InvalidBundle {
        /// The `plugin.toml`.
        path: PathBuf,
        /// Which rule, with values in backticks.
        message: String,
    },
    /// The wasm does not match the SHA-256 the bundle pins.
    #[error("plugin `{plugin}`: `{path}` has SHA-256 `{actual}` but plugin.toml pins `{expected}`")]
    HashMismatch {
        /// Plugin id from the bundle.
        plugin: String,
        /// The wasm file.
        path: PathBuf,
        /// The pinned hash.
        expected: String,
        /// The file's hash.
        actual: String,
    },
    /// The plugin needs a newer sfiu.
    #[error("plugin `{plugin}` needs sfiu `{required}` or newer; this is `{current}`")]
    ToolTooOld {
        /// Plugin id.
        plugin: String,
        /// Its minimum tool version.
        required: String,
        /// This tool's version.
        current: String,
    },
    /// The bytes are not a valid WebAssembly component.
    #[error("plugin `{plugin}` is not a valid WebAssembly component: {message}")]
    Malformed {
        /// Plugin label.
        plugin: String,
        /// What wasmtime said.
        message: String,
    },
    /// The component imports something the host does not provide.
    #[error(
        "plugin `{plugin}` imports `{import}`, which sfiu does not provide: plugins get no \
         capabilities (only `sfiu:integration/types` may be imported)"
    )]
    ForbiddenImport {
        /// Plugin label.
        plugin: String,
        /// The first forbidden import.
        import: String,
    },
    /// The component targets a WIT version this host does not support.
    #[error(
        "plugin `{plugin}` targets `sfiu:integration@{found}`, which this sfiu does not \
         support (supported: {supported})"
    )]
    UnsupportedWit {
        /// Plugin label.
        plugin: String,
        /// The version it exports.
        found: String,
        /// What this host supports.
        supported: String,
    },
    /// The component exports no `sfiu:integration/plugin` interface at all.
    #[error("plugin `{plugin}` does not export `sfiu:integration/plugin` (is it an sfiu plugin?)")]
    NotAPlugin {
        /// Plugin label.
        plugin: String,
    },
    /// The bundle says one version but the component exports another.
    #[error(
        "plugin `{plugin}`: plugin.toml says WIT `{declared}` but the component exports `{actual}`"
    )]
    WitMismatch {
        /// Plugin id.
        plugin: String,
        /// From `plugin.toml`.
        declared: String,
        /// From the component's exports.
        actual: String,
    },
    /// A limit or trap stopped the plugin.
    #[error("plugin `{plugin}` failed: {limit}")]
    Trapped {
        /// Plugin label.
        plugin: String,
        /// Which limit or trap.
        limit: LimitKind,
    },
    /// Wasmtime failed for a reason that is not a trap (e.g. instantiation).
    #[error("plugin `{plugin}` failed: {message}")]
    Runtime {
        /// Plugin label.
        plugin: String,
        /// What wasmtime said, causes joined.
        message: String,
    },
    /// The plugin does not offer that preset.
    #[error("plugin `{plugin}` has no preset `{preset}` (it offers: {available})")]
    UnknownPreset {
        /// Plugin id.
        plugin: String,
        /// The preset asked for.
        preset: String,
        /// The presets it has, comma-separated.
        available: String,
    },
    /// The plugin says the org cannot run the integration.
    #[error("plugin `{plugin}` does not support this org: {reason}")]
    UnsupportedOrg {
        /// Plugin id.
        plugin: String,
        /// The plugin's explanation.
        reason: String,
    },
    /// The plugin reported an internal error.
    #[error("plugin `{plugin}` reported an error: {message}")]
    PluginReported {
        /// Plugin id.
        plugin: String,
        /// The plugin's message.
        message: String,
    },
    /// The plugin's answer breaks the host's rules (sizes, ids, names).
    #[error("plugin `{plugin}` returned invalid output: {}", problems.join("; "))]
    InvalidOutput {
        /// Plugin label.
        plugin: String,
        /// Every problem found, each with the path of the value at fault.
        problems: Vec<String>,
    },
    /// No bundled plugin has that id.
    #[error("no bundled plugin `{id}` (bundled: {available})")]
    UnknownBundled {
        /// The id asked for.
        id: String,
        /// The bundled ids, comma-separated.
        available: String,
    },
}

/// Result of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
