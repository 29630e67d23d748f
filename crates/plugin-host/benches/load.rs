//! Load and call timings: first load (compile), cached load (deserialise), one call.
//!
//! `cargo bench -p sfiu-plugin-host`. Uses the bundled HubSpot plugin when this build has
//! it, else the hand-made test plugin, and prints the median of repeated runs.

use std::time::{Duration, Instant};

use sfiu_plugin_host::{Host, HostConfig, OrgFacts, Source, bundled_ids};

const RUNS: usize = 21;

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

#[expect(clippy::print_stdout, reason = "a benchmark reports on stdout")]
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (label, bytes, preset): (&str, Vec<u8>, &str) = if bundled_ids().contains(&"hubspot") {
        ("hubspot", Vec::new(), "bidirectional-sync")
    } else {
        let bytes = sfiu_test_plugins::handmade(sfiu_test_plugins::Behaviour::WellBehaved)?;
        ("handmade", bytes, "only")
    };
    let load = |host: &Host| {
        if bytes.is_empty() {
            host.load_bundled(label)
        } else {
            host.load_bytes(label, &bytes, Source::Bundled)
        }
    };

    let uncached = Host::new(HostConfig::default())?;
    let mut first = Vec::new();
    for _ in 0..RUNS {
        let started = Instant::now();
        load(&uncached)?;
        first.push(started.elapsed());
    }

    let cache = tempfile::tempdir()?;
    let cached_host = Host::new(HostConfig {
        cache_dir: Some(cache.path().to_owned()),
        ..HostConfig::default()
    })?;
    load(&cached_host)?;
    let mut cached = Vec::new();
    for _ in 0..RUNS {
        let started = Instant::now();
        load(&cached_host)?;
        cached.push(started.elapsed());
    }

    let plugin = load(&cached_host)?;
    let org = OrgFacts::default();
    let mut calls = Vec::new();
    for _ in 0..RUNS * 10 {
        let started = Instant::now();
        // The hand-made plugin answers `unknown-preset`, which is still one full sandboxed
        // call (fresh store, instantiate, call, lift); only the result differs.
        let _ = plugin.resolve(preset, &org);
        calls.push(started.elapsed());
    }

    println!(
        "plugin `{label}`, median of {RUNS} runs ({} for the call):",
        RUNS * 10
    );
    println!(
        "  first load (compile):       {:>9.3} ms",
        median(first).as_secs_f64() * 1e3
    );
    println!(
        "  cached load (deserialise):  {:>9.3} ms",
        median(cached).as_secs_f64() * 1e3
    );
    println!(
        "  one requirements call:      {:>9.3} ms",
        median(calls).as_secs_f64() * 1e3
    );
    Ok(())
}
