//! Shared hosts and components, compiled once per test binary (debug cranelift is slow).

use std::sync::LazyLock;
use std::time::Duration;

use sfiu_plugin_host::{Host, HostConfig, Limits, Plugin, Source};
use sfiu_test_plugins::{Behaviour, handmade};

/// A host with the production limits and no cache.
pub(crate) static HOST: LazyLock<Host> =
    LazyLock::new(|| Host::new(HostConfig::default()).expect("host"));

/// A host whose fuel never runs out, so only the 100 ms epoch deadline can stop a loop.
pub(crate) static EPOCH_ONLY_HOST: LazyLock<Host> = LazyLock::new(|| {
    Host::new(HostConfig {
        limits: Limits {
            fuel: u64::MAX,
            wall_time: Duration::from_millis(100),
            ..Limits::default()
        },
        cache_dir: None,
    })
    .expect("host")
});

pub(crate) fn load(host: &Host, behaviour: Behaviour) -> Plugin {
    let bytes = handmade(behaviour).expect("assemble");
    host.load_bytes("handmade", &bytes, Source::Bundled)
        .expect("load")
}

pub(crate) static WELL_BEHAVED: LazyLock<Plugin> =
    LazyLock::new(|| load(&HOST, Behaviour::WellBehaved));
