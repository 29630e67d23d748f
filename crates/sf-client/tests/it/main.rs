//! Integration tests: the client against loopback servers that serve the shared fixtures.

#![expect(
    clippy::unwrap_used,
    reason = "test helpers outside #[test] functions fail loudly on a broken fixture or server"
)]

mod composite;
mod limits;
mod metadata;
mod oauth;
mod rest;
mod retry;
mod secrets;
mod support;
