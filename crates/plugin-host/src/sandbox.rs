//! One call into a plugin: a fresh store with fuel, an epoch deadline and a memory cap, and
//! the translation of whatever stops it into a [`LimitKind`].

use wasmtime::{ResourceLimiter, Store, Trap};

use crate::host::TICK;
use crate::wit::v0_1::{Integration, IntegrationPre};
use crate::{Error, Host, LimitKind, Result};

/// Per-store state: only the limiter, since plugins import nothing.
pub(crate) struct State {
    limiter: Limiter,
}

/// Caps memory and tables and remembers which cap was hit, so the error can say so.
struct Limiter {
    memory_bytes: usize,
    table_elements: usize,
    hit: Option<LimitKind>,
}

impl ResourceLimiter for Limiter {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.memory_bytes {
            let limit = LimitKind::Memory {
                limit: self.memory_bytes,
                requested: desired,
            };
            let message = limit.to_string();
            self.hit = Some(limit);
            return Err(wasmtime::Error::msg(message));
        }
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.table_elements {
            let limit = LimitKind::Table {
                limit: self.table_elements,
            };
            let message = limit.to_string();
            self.hit = Some(limit);
            return Err(wasmtime::Error::msg(message));
        }
        Ok(true)
    }

    fn instances(&self) -> usize {
        16
    }

    fn tables(&self) -> usize {
        16
    }

    fn memories(&self) -> usize {
        4
    }
}

/// Instantiates the plugin in a fresh store and runs `call` on it under the host's limits.
pub(crate) fn call<R>(
    host: &Host,
    pre: &IntegrationPre<State>,
    plugin: &str,
    call: impl FnOnce(&mut Store<State>, &Integration) -> wasmtime::Result<R>,
) -> Result<R> {
    let limits = &host.inner.limits;
    let state = State {
        limiter: Limiter {
            memory_bytes: limits.memory_bytes,
            table_elements: limits.table_elements,
            hit: None,
        },
    };
    let mut store = Store::new(&host.inner.engine, state);
    store.limiter(|state| &mut state.limiter);
    store
        .set_fuel(limits.fuel)
        .map_err(|error| Error::Runtime {
            plugin: plugin.to_owned(),
            message: format!("{error:#}"),
        })?;
    let ticks = limits
        .wall_time
        .as_millis()
        .div_ceil(TICK.as_millis())
        .max(1);
    store.set_epoch_deadline(u64::try_from(ticks).unwrap_or(u64::MAX));
    store.epoch_deadline_trap();

    let outcome = match pre.instantiate(&mut store) {
        Ok(integration) => call(&mut store, &integration),
        Err(error) => Err(error),
    };
    outcome.map_err(|error| classify(&error, &mut store, host, plugin))
}

fn classify(error: &wasmtime::Error, store: &mut Store<State>, host: &Host, plugin: &str) -> Error {
    let limits = &host.inner.limits;
    if let Some(limit) = store.data_mut().limiter.hit.take() {
        return Error::Trapped {
            plugin: plugin.to_owned(),
            limit,
        };
    }
    let Some(trap) = error.downcast_ref::<Trap>() else {
        return Error::Runtime {
            plugin: plugin.to_owned(),
            message: format!("{error:#}"),
        };
    };
    let limit = match trap {
        Trap::OutOfFuel => LimitKind::Fuel {
            budget: limits.fuel,
        },
        Trap::Interrupt => LimitKind::Time {
            milliseconds: limits.wall_time.as_millis(),
        },
        Trap::StackOverflow => LimitKind::Stack {
            limit: limits.stack_bytes,
        },
        Trap::UnreachableCodeReached => {
            LimitKind::Trap("unreachable instruction executed (a panic in the plugin)".into())
        }
        // Rust guests keep big frames on a shadow stack in linear memory; overflowing it
        // walks below address 0, which wasm reports as an out-of-bounds access.
        Trap::MemoryOutOfBounds => LimitKind::Trap(
            "out of bounds memory access (in a Rust plugin, usually its stack overflowing)".into(),
        ),
        other => LimitKind::Trap(other.to_string()),
    };
    Error::Trapped {
        plugin: plugin.to_owned(),
        limit,
    }
}
