//! Integration tests: the client against loopback servers that serve the shared fixtures.

mod composite;
mod limits;
mod metadata;
mod oauth;
mod rest;
mod retry;
mod secrets;
mod support;
