//! Integration tests for `sfiu-jwt`, run against committed OpenSSL-made test keys (see
//! `tests/data/README.md`) so that most tests need no key generation.

#![expect(
    clippy::unwrap_used,
    reason = "helpers outside `#[test]` functions unwrap too; a panic is a test failure"
)]

mod assertions;
mod certificates;
mod generation;
mod keys;
mod secrets;
mod timezone;

use std::path::PathBuf;

use sfiu_jwt::{Certificate, PrivateKey};
use time::OffsetDateTime;

/// The fixed instant most tests sign at: 2023-11-14T22:13:20Z.
const NOW_SECONDS: i64 = 1_700_000_000;

fn now() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(NOW_SECONDS).unwrap()
}

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

fn read(name: &str) -> String {
    fs_err::read_to_string(data(name)).unwrap()
}

fn key_a() -> PrivateKey {
    PrivateKey::from_file(data("test-key-a.pkcs8.pem")).unwrap()
}

fn certificate_a() -> Certificate {
    Certificate::from_file(data("test-cert-a.pem")).unwrap()
}

/// The error's message followed by every cause, one per line, as the runner prints it.
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str("\ncaused by: ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
