//! The main job end to end (issue #5 "Done when"): `apply`, `verify` and their failure modes.

use crate::support::{Scenario, TestContext};

#[test]
fn explore() {
    let cx = TestContext::with_scenario(Scenario::FreshEnterprise);
    let out = cx.run_setup("apply", &[]);
    eprintln!("{}", cx.redact_output(&out));
    for r in cx.org().request_log() { eprintln!("{r:?}"); }
    cx.org().reset_log();
    let out = cx.run_setup("apply", &[]);
    eprintln!("{}", cx.redact_output(&out));
    for r in cx.org().request_log() { eprintln!("{r:?}"); }
    panic!();
}
