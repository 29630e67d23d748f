//! Redaction of URLs before they reach a log line or an error message.
//!
//! Token requests, SFDX auth URLs and the odd client that puts `access_token` in a query
//! string all carry credentials in URLs. Everything this crate displays goes through
//! [`redact_url`] first.

use url::Url;

use crate::secret::MASK;

/// Query parameters whose values are credentials.
const SENSITIVE_PARAMETERS: &[&str] = &[
    "access_token",
    "assertion",
    "client_secret",
    "code",
    "password",
    "refresh_token",
    "sessionid",
    "token",
];

/// Returns `url` with user info and credential-bearing query values replaced by a mask.
///
/// A string that does not parse as a URL is masked whole, because it cannot be shown to
/// hold no secret.
pub fn redact_url(url: &str) -> String {
    match Url::parse(url) {
        Ok(parsed) => redact_parsed(&parsed),
        Err(_) => MASK.to_owned(),
    }
}

pub(crate) fn redact_parsed(url: &Url) -> String {
    let mut url = url.clone();
    if !url.username().is_empty() {
        // Setting the username fails only for URLs that cannot have one, which a URL with a
        // username is not.
        let _ = url.set_username(MASK);
    }
    if url.password().is_some() {
        let _ = url.set_password(Some(MASK));
    }
    if url.query().is_some() {
        let pairs: Vec<(String, String)> = url
            .query_pairs()
            .map(|(key, value)| {
                let value = if SENSITIVE_PARAMETERS.contains(&key.to_ascii_lowercase().as_str()) {
                    MASK.to_owned()
                } else {
                    value.into_owned()
                };
                (key.into_owned(), value)
            })
            .collect();
        url.query_pairs_mut().clear().extend_pairs(pairs);
    }
    url.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_user_info_and_sensitive_parameters() {
        assert_eq!(
            redact_url("https://id:secret@example.invalid/a?q=SELECT+Id&access_token=abc"),
            "https://***:***@example.invalid/a?q=SELECT+Id&access_token=***"
        );
    }

    #[test]
    fn masks_unparseable_input_whole() {
        assert_eq!(
            redact_url("force://id:sec:tok@host.example"),
            "force://***:***@host.example"
        );
        assert_eq!(redact_url("not a url"), "***");
    }
}
