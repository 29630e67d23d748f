//! The Rust test guests: the same misbehaviours compiled from Rust, malformed output, the
//! `wasm32-wasip2` build that imports WASI, and a guest built against a future interface.
//!
//! These need the wasm Rust targets; without them they fail and say so.

use std::sync::LazyLock;

use sfiu_plugin_host::{Error, LimitKind, OrgFacts, Plugin, Source};

use crate::common::HOST;

static MISBEHAVING: LazyLock<Plugin> = LazyLock::new(|| {
    let bytes = sfiu_test_plugins::misbehaving().expect("test plugins");
    HOST.load_bytes("misbehaving", bytes, Source::Bundled)
        .expect("load")
});

fn resolve(preset: &str) -> Result<sfiu_plugin_host::Resolved, Error> {
    MISBEHAVING.resolve(preset, &OrgFacts::default())
}

#[test]
fn well_behaved_rust_guest_resolves() {
    let resolved = resolve("well-behaved").expect("resolve");
    assert_eq!(resolved.requirements.system_permission_names().len(), 1);
}

#[test]
fn rust_guest_misbehaviours_are_stopped() {
    let loop_error = resolve("infinite-loop").expect_err("stopped");
    assert!(
        matches!(
            loop_error,
            Error::Trapped {
                limit: LimitKind::Fuel { .. },
                ..
            }
        ),
        "{loop_error}"
    );
    let bomb = resolve("memory-bomb").expect_err("stopped");
    assert!(
        matches!(
            bomb,
            Error::Trapped {
                limit: LimitKind::Memory { .. },
                ..
            }
        ),
        "{bomb}"
    );
    // Rust keeps large frames on a shadow stack in linear memory, which runs out (below
    // address 0) before the wasm stack cap; the hand-made recursion test covers the cap.
    let recursion = resolve("deep-recursion").expect_err("stopped");
    assert_eq!(
        recursion.to_string(),
        "plugin `misbehaving` failed: trapped: out of bounds memory access (in a Rust plugin, \
         usually its stack overflowing)"
    );
    let panic = resolve("panic").expect_err("stopped");
    assert_eq!(
        panic.to_string(),
        "plugin `misbehaving` failed: trapped: unreachable instruction executed (a panic in the plugin)"
    );
}

#[test]
fn malformed_rust_guest_output_is_refused() {
    let unknown = resolve("unknown-permission").expect_err("refused");
    assert!(
        unknown
            .to_string()
            .contains("`PermissionsTeleport` is not a known system permission"),
        "{unknown}"
    );
    let huge = resolve("huge-string").expect_err("refused");
    assert!(
        huge.to_string()
            .contains("system_permissions[0].name: is 1048576 bytes long"),
        "{huge}"
    );
    let many = resolve("too-many-grants").expect_err("refused");
    assert!(
        many.to_string()
            .contains("has 100000 grants; the limit is 500"),
        "{many}"
    );
}

#[test]
fn a_wasip2_build_is_refused_naming_a_wasi_import() {
    let bytes = sfiu_test_plugins::misbehaving_wasip2().expect("test plugins");
    let error = HOST
        .load_bytes("misbehaving", bytes, Source::Bundled)
        .expect_err("refused");
    let Error::ForbiddenImport { import, .. } = &error else {
        panic!("{error:?}")
    };
    assert!(import.starts_with("wasi:"), "{import}");
}

#[test]
fn a_rust_guest_built_against_a_future_interface_is_refused() {
    let bytes = sfiu_test_plugins::future_wit().expect("test plugins");
    let error = HOST
        .load_bytes("future-wit", bytes, Source::Bundled)
        .expect_err("refused");
    assert_eq!(
        error.to_string(),
        "plugin `future-wit` targets `sfiu:integration@0.2.0`, which this sfiu does not support (supported: `0.1.x`)"
    );
}
