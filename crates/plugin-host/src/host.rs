//! The engine every plugin runs on: configuration, limits, the epoch ticker and the cache.

use std::path::PathBuf;
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use wasmtime::{Config, Engine};

use crate::{Error, Result};

/// How often the epoch ticker advances; time limits are rounded up to it.
pub(crate) const TICK: Duration = Duration::from_millis(10);

/// Limits applied to every plugin call. Each call gets a fresh store, so nothing carries
/// over between calls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Fuel per call. A real requirements call uses tens of thousands; `100_000_000` is
    /// about 25 ms of tight loop on this class of machine.
    pub fuel: u64,
    /// Wall-clock limit per call, enforced by epoch interruption.
    pub wall_time: Duration,
    /// Cap on a plugin's linear memory, in bytes.
    pub memory_bytes: usize,
    /// Cap on table elements.
    pub table_elements: usize,
    /// Cap on the wasm stack, in bytes (an engine setting, so fixed per [`Host`]).
    pub stack_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            fuel: 100_000_000,
            wall_time: Duration::from_secs(2),
            memory_bytes: 32 << 20,
            table_elements: 10_000,
            stack_bytes: 512 << 10,
        }
    }
}

/// How to build a [`Host`].
#[derive(Debug, Clone, Default)]
pub struct HostConfig {
    /// Per-call limits.
    pub limits: Limits,
    /// Where compiled components are cached; `None` turns the cache off. See
    /// [`HostConfig::with_user_cache`] for the usual directory.
    pub cache_dir: Option<PathBuf>,
}

impl HostConfig {
    /// A configuration that caches in `$XDG_CACHE_HOME/sfiu` or `~/.cache/sfiu`, given the
    /// two environment values (the runner reads the environment, this crate does not).
    pub fn with_user_cache(xdg_cache_home: Option<PathBuf>, home: Option<PathBuf>) -> Self {
        let base = xdg_cache_home
            .filter(|path| path.is_absolute())
            .or_else(|| home.map(|home| home.join(".cache")));
        Self {
            limits: Limits::default(),
            cache_dir: base.map(|base| base.join("sfiu")),
        }
    }
}

/// The shared engine and its settings; cheap to clone.
#[derive(Clone)]
pub struct Host {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) engine: Engine,
    pub(crate) limits: Limits,
    pub(crate) cache_dir: Option<PathBuf>,
}

impl std::fmt::Debug for Host {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Host")
            .field("limits", &self.inner.limits)
            .field("cache_dir", &self.inner.cache_dir)
            .finish_non_exhaustive()
    }
}

impl Host {
    /// Builds the engine (fuel, epochs, stack cap) and starts the epoch ticker, a thread that
    /// ends by itself when the last clone of the host is dropped.
    ///
    /// # Errors
    /// [`Error::Engine`] if wasmtime rejects the configuration or the ticker cannot start.
    pub fn new(config: HostConfig) -> Result<Self> {
        let mut wasm = Config::new();
        wasm.consume_fuel(true)
            .epoch_interruption(true)
            .max_wasm_stack(config.limits.stack_bytes)
            .wasm_component_model(true);
        let engine = Engine::new(&wasm).map_err(|error| Error::Engine(format!("{error:#}")))?;

        let weak = engine.weak();
        thread::Builder::new()
            .name("sfiu-plugin-epoch".into())
            .spawn(move || {
                while let Some(engine) = weak.upgrade() {
                    engine.increment_epoch();
                    drop(engine);
                    thread::sleep(TICK);
                }
            })
            .map_err(|error| Error::Engine(format!("failed to start the epoch ticker: {error}")))?;

        Ok(Self {
            inner: Arc::new(Inner {
                engine,
                limits: config.limits,
                cache_dir: config.cache_dir,
            }),
        })
    }

    /// The limits every call runs under.
    pub fn limits(&self) -> &Limits {
        &self.inner.limits
    }

    /// The cache directory, if caching is on.
    pub fn cache_dir(&self) -> Option<&std::path::Path> {
        self.inner.cache_dir.as_deref()
    }
}
