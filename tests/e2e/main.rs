//! End-to-end tests: the real `sfiu` binary against a simulated org on loopback.
//!
//! One test binary (`cargo nextest run -p sfiu-runner --test e2e`) so the binary and the
//! harness build once; each module covers one area and shares [`support::TestContext`].

mod apply;
mod cli;
mod health;
mod sim;
#[allow(
    dead_code,
    unused_imports,
    reason = "the harness is shared by every module; no single module uses all of it"
)]
mod support;
