//! Test-only plugin components for the plugin host's tests and benchmark.
//!
//! Two sources, because each proves something the other cannot:
//! - **Rust guests** from `plugins/testing/`, built by `build.rs` with the same recipe as the
//!   official plugins: a misbehaving plugin (loops, memory bombs, deep recursion, panics,
//!   malformed output), the same plugin built for `wasm32-wasip2` (so it imports WASI), and a
//!   plugin built against a future interface version.
//! - **Hand-made components** assembled here from WebAssembly text and the WIT, which need no
//!   wasm Rust target and pin exact shapes (a WASI filesystem import, a 150 KB manifest id).
//!
//! ```no_run
//! let component = sfiu_test_plugins::handmade(sfiu_test_plugins::Behaviour::InfiniteLoop)?;
//! assert!(!component.is_empty());
//! # Ok::<(), sfiu_test_plugins::Error>(())
//! ```

mod guests;
mod handmade;

pub use guests::{future_wit, misbehaving, misbehaving_wasip2};
pub use handmade::{Behaviour, handmade};

/// Why a test component could not be produced.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The Rust guests were not built, typically because a wasm target is missing.
    #[error("the Rust test plugins were not built: {0}")]
    NotBuilt(&'static str),
    /// Assembling a hand-made component failed.
    #[error("failed to assemble the hand-made `{behaviour}` component: {message}")]
    Assemble {
        /// The behaviour being assembled.
        behaviour: &'static str,
        /// What went wrong, with its causes.
        message: String,
    },
}

/// Result of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
