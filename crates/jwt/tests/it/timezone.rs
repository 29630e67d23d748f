//! `exp` must be the same instant whatever the machine's time zone: Salesforce rejects an
//! assertion whose expiry a local-time bug pushed into the past (`expired authorization code`).

use std::process::Command;

use sfiu_jwt::{Assertion, Audience};
use time::OffsetDateTime;

use crate::{NOW_SECONDS, certificate_a, key_a};

const MARKER: &str = "sfiu-jwt-exp:";

/// Runs in each child process: signs at the fixed instant and with the real clock, and prints
/// what it got. It also passes on its own, in whatever time zone the suite runs.
#[test]
fn child_prints_exp() {
    let assertion = Assertion::new("k", "u@example.com", Audience::production()).unwrap();
    let fixed = OffsetDateTime::from_unix_timestamp(NOW_SECONDS).unwrap();
    let signed = assertion.sign(&key_a(), fixed).unwrap();
    let verified = sfiu_jwt::verify_assertion(signed.expose(), &certificate_a()).unwrap();
    assert_eq!(verified.exp, NOW_SECONDS + 180);

    let before = unix_now();
    let live = assertion.claims(OffsetDateTime::now_utc()).exp;
    let after = unix_now();
    assert!(
        (before + 180..=after + 180).contains(&live),
        "{before} {live} {after}"
    );

    println!("{MARKER}{} {}", verified.exp, signed.expose());
}

fn unix_now() -> i64 {
    let elapsed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    i64::try_from(elapsed.as_secs()).unwrap()
}

#[test]
fn exp_is_identical_in_every_time_zone() {
    let executable = std::env::current_exe().unwrap();
    let mut outputs = Vec::new();
    for zone in [
        "Asia/Kolkata",
        "America/Los_Angeles",
        "UTC",
        "Pacific/Kiritimati",
    ] {
        let output = Command::new(&executable)
            .args([
                "timezone::child_prints_exp",
                "--exact",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("TZ", zone)
            .output()
            .unwrap();
        let stdout = String::from_utf8(output.stdout).unwrap();
        assert!(
            output.status.success(),
            "{zone}: {stdout}{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let line = stdout
            .lines()
            .find_map(|line| line.split_once(MARKER).map(|(_, value)| value))
            .unwrap_or_else(|| panic!("{zone}: no marker in {stdout}"))
            .to_owned();
        outputs.push((zone, line));
    }

    let (_, first) = &outputs[0];
    assert!(first.starts_with("1700000180 "), "{first}");
    for (zone, line) in &outputs {
        assert_eq!(line, first, "exp and token under TZ={zone}");
    }
}
