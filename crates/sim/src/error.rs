//! The crate's one error type: what can go wrong when starting, loading or saving a simulated org.
//!
//! Request-level failures never surface here; they become Salesforce-shaped responses.

use std::path::PathBuf;

/// Everything that can fail outside a request: binding the port, reading or writing the state file.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The scenario name is not one of [`crate::Scenario::NAMES`].
    #[error("unknown scenario `{name}`")]
    UnknownScenario {
        /// The name that was asked for.
        name: String,
    },
    /// The listener could not be bound.
    #[error("failed to bind the simulated org to `127.0.0.1:{port}`")]
    Bind {
        /// The requested port.
        port: u16,
        /// The socket error.
        #[source]
        source: std::io::Error,
    },
    /// The state file could not be read or written.
    #[error("failed to access the state file `{path}`")]
    StateIo {
        /// The state file.
        path: PathBuf,
        /// The file-system error.
        #[source]
        source: std::io::Error,
    },
    /// The state file is not a saved simulated org.
    #[error("the state file `{path}` is not a saved simulated org")]
    StateFormat {
        /// The state file.
        path: PathBuf,
        /// The JSON error.
        #[source]
        source: serde_json::Error,
    },
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
