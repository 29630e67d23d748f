//! Every limit stops its misbehaving plugin with a message naming the plugin and the limit.

use sfiu_plugin_host::{Error, LimitKind, OrgFacts};
use sfiu_test_plugins::{Behaviour, handmade};

use crate::common::{EPOCH_ONLY_HOST, HOST, WELL_BEHAVED, load};

fn run(behaviour: Behaviour, host: &sfiu_plugin_host::Host) -> Error {
    let plugin = load(host, behaviour);
    plugin
        .resolve("only", &OrgFacts::default())
        .expect_err("must be stopped")
}

#[test]
fn fuel_stops_an_infinite_loop() {
    let error = run(Behaviour::InfiniteLoop, &HOST);
    assert!(
        matches!(
            &error,
            Error::Trapped {
                limit: LimitKind::Fuel { .. },
                ..
            }
        ),
        "{error:?}"
    );
    insta::assert_snapshot!(error.to_string(), @"plugin `handmade` failed: ran out of fuel (budget 100000000)");
}

#[test]
fn epoch_deadline_stops_a_loop_when_fuel_is_unlimited() {
    let started = std::time::Instant::now();
    let error = run(Behaviour::InfiniteLoop, &EPOCH_ONLY_HOST);
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    insta::assert_snapshot!(error.to_string(), @"plugin `handmade` failed: exceeded the time limit of 100 ms");
}

#[test]
fn memory_cap_stops_a_memory_bomb() {
    let error = run(Behaviour::MemoryBomb, &HOST);
    let Error::Trapped {
        limit: LimitKind::Memory { limit, requested },
        ..
    } = &error
    else {
        panic!("{error:?}");
    };
    assert_eq!(*limit, 32 << 20);
    assert!(*requested > *limit);
    assert!(
        error
            .to_string()
            .starts_with("plugin `handmade` failed: exceeded the memory limit of 32 MiB"),
        "{error}"
    );
}

#[test]
fn stack_cap_stops_deep_recursion() {
    let error = run(Behaviour::DeepRecursion, &HOST);
    insta::assert_snapshot!(error.to_string(), @"plugin `handmade` failed: overflowed its stack (limit 512 KiB)");
}

#[test]
fn a_well_behaved_plugin_is_not_stopped() {
    let info = WELL_BEHAVED.info();
    assert_eq!(
        (info.id.as_str(), info.version.as_str(), info.wit.as_str()),
        ("handmade", "0.0.1", "0.1.0")
    );
    assert_eq!(
        WELL_BEHAVED
            .default_preset()
            .map(|preset| preset.id.as_str()),
        Some("only")
    );
}

#[test]
fn unknown_preset_is_an_error_before_calling_the_plugin() {
    let error = WELL_BEHAVED
        .resolve("nope", &OrgFacts::default())
        .expect_err("unknown");
    insta::assert_snapshot!(error.to_string(), @"plugin `handmade` has no preset `nope` (it offers: only)");
}

#[test]
fn unknown_preset_answer_from_the_plugin_is_an_error() {
    // The hand-made plugin lists `only` but answers every requirements call with
    // `unknown-preset`, echoing the id it was given through guest memory.
    let error = WELL_BEHAVED
        .resolve("only", &OrgFacts::default())
        .expect_err("unknown");
    assert!(
        matches!(&error, Error::UnknownPreset { preset, .. } if preset == "only"),
        "{error:?}"
    );
}

#[test]
fn huge_manifest_strings_are_refused() {
    let bytes = handmade(Behaviour::HugeManifestId).expect("assemble");
    let error = HOST
        .load_bytes("huge", &bytes, sfiu_plugin_host::Source::Bundled)
        .expect_err("refused");
    insta::assert_snapshot!(error.to_string(), @"plugin `huge` returned invalid output: manifest.id: is 150000 bytes long; ids have at most 64");
}
