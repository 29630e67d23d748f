//! Loading: malformed wasm, bundles and their hashes, imports and interface versions, cache.

use sfiu_plugin_host::{Bundle, Error, Host, HostConfig, Source, WitVersion};
use sfiu_test_plugins::{Behaviour, handmade};

use crate::common::HOST;

#[test]
fn malformed_wasm_is_refused() {
    let error = HOST
        .load_bytes("junk", b"\0asm but not really", Source::Bundled)
        .expect_err("refused");
    assert!(matches!(error, Error::Malformed { .. }), "{error:?}");
    assert!(
        error
            .to_string()
            .starts_with("plugin `junk` is not a valid WebAssembly component: "),
        "{error}"
    );
}

#[test]
fn a_component_importing_the_filesystem_is_refused_naming_the_import() {
    let bytes = handmade(Behaviour::ImportsFilesystem).expect("assemble");
    let error = HOST
        .load_bytes("sneaky", &bytes, Source::Bundled)
        .expect_err("refused");
    insta::assert_snapshot!(error.to_string(), @"plugin `sneaky` imports `wasi:filesystem/types@0.2.0`, which sfiu does not provide: plugins get no capabilities (only `sfiu:integration/types` may be imported)");
}

#[test]
fn an_unsupported_interface_version_is_refused_naming_both_versions() {
    let bytes = handmade(Behaviour::FutureInterface).expect("assemble");
    let error = HOST
        .load_bytes("future", &bytes, Source::Bundled)
        .expect_err("refused");
    insta::assert_snapshot!(error.to_string(), @"plugin `future` targets `sfiu:integration@0.2.0`, which this sfiu does not support (supported: `0.1.x`)");
}

#[test]
fn a_bundle_round_trips() {
    let directory = tempfile::tempdir().expect("temp dir");
    let bytes = handmade(Behaviour::WellBehaved).expect("assemble");
    let manifest = Bundle::write(
        directory.path(),
        "handmade",
        "0.0.1",
        WitVersion::V0_1,
        &bytes,
    )
    .expect("write");
    let plugin = HOST.load_path(&manifest).expect("load");
    assert_eq!(plugin.info().id, "handmade");
    assert_eq!(
        plugin.info().source,
        Source::Path(directory.path().join("plugin.wasm"))
    );
    // The directory works as well as the manifest path.
    assert_eq!(
        HOST.load_path(directory.path()).expect("load").info().id,
        "handmade"
    );
}

#[test]
fn a_hash_mismatch_is_refused() {
    let directory = tempfile::tempdir().expect("temp dir");
    let bytes = handmade(Behaviour::WellBehaved).expect("assemble");
    let manifest = Bundle::write(
        directory.path(),
        "handmade",
        "0.0.1",
        WitVersion::V0_1,
        &bytes,
    )
    .expect("write");
    let mut tampered = bytes.clone();
    tampered.push(0);
    fs_err::write(directory.path().join("plugin.wasm"), &tampered).expect("tamper");

    let error = HOST.load_path(&manifest).expect_err("refused");
    let Error::HashMismatch {
        plugin,
        expected,
        actual,
        ..
    } = &error
    else {
        panic!("{error:?}")
    };
    assert_eq!(plugin, "handmade");
    assert_ne!(expected, actual);
    assert!(
        error.to_string().contains("but plugin.toml pins"),
        "{error}"
    );
}

#[test]
fn a_bundle_whose_id_differs_from_the_component_is_refused() {
    let directory = tempfile::tempdir().expect("temp dir");
    let bytes = handmade(Behaviour::WellBehaved).expect("assemble");
    let manifest =
        Bundle::write(directory.path(), "other", "0.0.1", WitVersion::V0_1, &bytes).expect("write");
    let error = HOST.load_path(&manifest).expect_err("refused");
    insta::assert_snapshot!(error.to_string(), @"plugin `other` returned invalid output: plugin.toml says id `other` but the component says `handmade`");
}

#[test]
fn bundle_manifests_are_checked() {
    let directory = tempfile::tempdir().expect("temp dir");
    let bytes = handmade(Behaviour::WellBehaved).expect("assemble");
    let manifest = Bundle::write(
        directory.path(),
        "handmade",
        "0.0.1",
        WitVersion::V0_1,
        &bytes,
    )
    .expect("write");
    let original = fs_err::read_to_string(&manifest).expect("read");

    let check = |text: String| {
        fs_err::write(&manifest, text).expect("write");
        Bundle::open(&manifest).expect_err("refused").to_string()
    };
    let signed = check(format!("{original}signature = \"abc\"\n"));
    assert!(
        signed.ends_with("it carries a `signature`, which this sfiu cannot verify yet"),
        "{signed}"
    );
    let future = check(original.replace(env!("CARGO_PKG_VERSION"), "99.0.0"));
    assert!(future.contains("needs sfiu `99.0.0` or newer"), "{future}");
    let unknown = check(format!("{original}surprise = 1\n"));
    assert!(unknown.contains("is malformed"), "{unknown}");
}

#[test]
fn the_cache_stores_and_reuses_compiled_components() {
    let cache = tempfile::tempdir().expect("temp dir");
    let host = Host::new(HostConfig {
        cache_dir: Some(cache.path().to_owned()),
        ..HostConfig::default()
    })
    .expect("host");
    let bytes = handmade(Behaviour::WellBehaved).expect("assemble");
    host.load_bytes("handmade", &bytes, Source::Bundled)
        .expect("first load");

    let artifacts: Vec<_> = walk(cache.path())
        .into_iter()
        .filter(|path| path.extension().is_some_and(|e| e == "cwasm"))
        .collect();
    assert_eq!(artifacts.len(), 1, "{artifacts:?}");

    // A second load uses the artifact; a corrupted artifact falls back to compiling.
    host.load_bytes("handmade", &bytes, Source::Bundled)
        .expect("cached load");
    fs_err::write(&artifacts[0], b"garbage").expect("corrupt");
    host.load_bytes("handmade", &bytes, Source::Bundled)
        .expect("load after corruption");
    assert!(
        fs_err::read(&artifacts[0]).expect("read").len() > 1000,
        "artifact rewritten"
    );
}

fn walk(directory: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    for entry in fs_err::read_dir(directory).expect("read dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            found.extend(walk(&path));
        } else {
            found.push(path);
        }
    }
    found
}
