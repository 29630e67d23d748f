//! When and how long to wait before retrying a request that failed transiently.
//!
//! Row-lock contention, a briefly unavailable instance and dropped connections clear up on
//! their own; everything else (a bad field, a refused grant) fails the same way every time,
//! so only the former are retried, a bounded number of times, with jittered exponential
//! backoff so that parallel runs do not retry in lock step.
//!
//! A timeout or a dropped connection after a create was sent may mean the create happened;
//! callers that cannot tolerate a duplicate should set [`RetryPolicy::none`] for that call's
//! client or look the record up before retrying themselves.

use std::time::Duration;

use rand::Rng;

/// How many times to retry a transient failure, and how long to wait in between.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Retries after the first attempt; zero disables retrying.
    pub max_retries: u32,
    /// The delay before the first retry, before jitter.
    pub initial_backoff: Duration,
    /// The ceiling for any one delay.
    pub max_backoff: Duration,
    /// The factor by which the delay grows after each retry.
    pub multiplier: f64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 3,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(10),
            multiplier: 2.0,
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn none() -> Self {
        Self {
            max_retries: 0,
            ..Self::default()
        }
    }

    /// The delay before retry number `retry` (starting at 1), with jitter: a uniformly
    /// random value between half the exponential delay and the full delay.
    pub fn backoff(&self, retry: u32) -> Duration {
        let exponent = i32::try_from(retry.saturating_sub(1)).unwrap_or(i32::MAX);
        let factor = self.multiplier.max(1.0).powi(exponent);
        let ceiling = self.max_backoff.as_secs_f64();
        let full = (self.initial_backoff.as_secs_f64() * factor).min(ceiling);
        if !full.is_finite() || full <= 0.0 {
            return Duration::ZERO;
        }
        let jittered = rand::rng().random_range(full / 2.0..=full);
        Duration::from_secs_f64(jittered)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let policy = RetryPolicy {
            max_retries: 5,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(300),
            multiplier: 2.0,
        };
        for _ in 0..50 {
            let first = policy.backoff(1);
            assert!(first >= Duration::from_millis(50) && first <= Duration::from_millis(100));
            let second = policy.backoff(2);
            assert!(second >= Duration::from_millis(100) && second <= Duration::from_millis(200));
            assert!(policy.backoff(10) <= Duration::from_millis(300));
        }
    }

    #[test]
    fn zero_backoff_is_allowed() {
        let policy = RetryPolicy {
            initial_backoff: Duration::ZERO,
            ..RetryPolicy::default()
        };
        assert_eq!(policy.backoff(3), Duration::ZERO);
    }
}
