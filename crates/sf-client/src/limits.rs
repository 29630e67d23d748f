//! The org's daily API allowance, read from the `Sforce-Limit-Info` response header.
//!
//! Salesforce counts every REST call against a daily allowance and reports the running
//! total on each response. A setup run makes dozens of calls, so the client keeps the latest
//! figure and refuses to start a run that would use up what is left.

use std::fmt;
use std::str::FromStr;

/// The `api-usage=<used>/<limit>` part of a `Sforce-Limit-Info` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApiUsage {
    /// Requests counted against the allowance so far today.
    pub used: u64,
    /// The daily allowance.
    pub limit: u64,
}

impl ApiUsage {
    /// The requests left today (zero when over the limit).
    pub fn remaining(&self) -> u64 {
        self.limit.saturating_sub(self.used)
    }

    /// Parses a `Sforce-Limit-Info` header value, e.g.
    /// `api-usage=18/5000; per-app-api-usage=17/250(appName=sample)`.
    ///
    /// Returns `None` when the value has no well-formed `api-usage` part; other parts are
    /// ignored.
    pub fn parse_header(value: &str) -> Option<Self> {
        value.split([';', ',']).find_map(|part| {
            let (key, counts) = part.trim().split_once('=')?;
            if !key.trim().eq_ignore_ascii_case("api-usage") {
                return None;
            }
            let (used, limit) = counts.trim().split_once('/')?;
            Some(Self {
                used: used.trim().parse().ok()?,
                limit: limit.trim().parse().ok()?,
            })
        })
    }
}

impl FromStr for ApiUsage {
    type Err = ();

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        Self::parse_header(value).ok_or(())
    }
}

impl fmt::Display for ApiUsage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.used, self.limit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(header: &str, expected: Option<(u64, u64)>) {
        let parsed = ApiUsage::parse_header(header).map(|u| (u.used, u.limit));
        assert_eq!(parsed, expected, "header {header:?}");
    }

    #[test]
    fn parses_usage_and_tolerates_other_parts() {
        check("api-usage=10018/100000", Some((10018, 100000)));
        check(
            "api-usage=18/5000; per-app-api-usage=17/250(appName=sample-app)",
            Some((18, 5000)),
        );
        check("api-bursts=1/750; api-usage=2/15000", Some((2, 15000)));
        check(" API-Usage = 3 / 10 ", Some((3, 10)));
        check("per-app-api-usage=17/250(appName=x)", None);
        check("api-usage=abc/10", None);
        check("", None);
    }
}
