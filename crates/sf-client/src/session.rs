//! An authenticated handle on one org: instance URL, access token and API version.
//!
//! Every call that needs a token goes through a [`Session`], which builds URLs only under
//! the org's instance and refuses path segments that could escape the intended resource, so
//! the bearer token is never sent anywhere else.

use std::fmt;

use reqwest::Method;
use url::Url;

use crate::client::{Body, Call, Client, ErrorShape, Reply};
use crate::error::{Error, Result};
use crate::oauth::TokenResponse;
use crate::redact::redact_url;
use crate::secret::AccessToken;

/// What a session needs: where the org lives, the token, and the API version to speak.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connection {
    /// The org's instance URL, e.g. `https://acme.my.salesforce.com`.
    pub instance_url: String,
    /// The OAuth access token.
    pub access_token: AccessToken,
    /// The API version, e.g. `66.0` (a leading `v` is accepted).
    pub api_version: String,
}

impl Connection {
    /// A connection from a token response and the API version to use.
    pub fn from_token(token: &TokenResponse, api_version: impl Into<String>) -> Self {
        Self {
            instance_url: token.instance_url.clone(),
            access_token: token.access_token.clone(),
            api_version: api_version.into(),
        }
    }
}

/// An authenticated session on one org. Cheap to clone; clones share the [`Client`]'s
/// counters.
#[derive(Clone)]
pub struct Session {
    client: Client,
    instance: Url,
    token: AccessToken,
    api_version: String,
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("instance", &self.instance.as_str())
            .field("token", &self.token)
            .field("api_version", &self.api_version)
            .finish()
    }
}

impl Client {
    /// Opens a session on the org described by `connection`.
    ///
    /// # Errors
    ///
    /// Returns [`Error::InvalidUrl`] if the instance URL is not a plain `http(s)` origin and
    /// [`Error::InvalidArgument`] if the API version is not of the form `66.0`.
    pub fn session(&self, connection: Connection) -> Result<Session> {
        let instance = parse_base_url(&connection.instance_url)?;
        let api_version = normalise_version(&connection.api_version)?;
        Ok(Session {
            client: self.clone(),
            instance,
            token: connection.access_token,
            api_version,
        })
    }
}

impl Session {
    /// The client this session sends through (round trips, API usage).
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The org's instance URL.
    pub fn instance_url(&self) -> &Url {
        &self.instance
    }

    /// The API version, without the leading `v` (e.g. `66.0`).
    pub fn api_version(&self) -> &str {
        &self.api_version
    }

    /// The path of a REST resource under this session's API version, e.g.
    /// `/services/data/v66.0/sobjects/Account` for `sobjects/Account`; composite
    /// subrequests take URLs of this form.
    pub fn data_path(&self, resource: &str) -> String {
        format!(
            "/services/data/v{}/{}",
            self.api_version,
            resource.trim_start_matches('/')
        )
    }

    pub(crate) fn data_url(&self, resource: &str) -> Result<Url> {
        self.path_url(&self.data_path(resource))
    }

    /// Joins an absolute path (as found in `nextRecordsUrl`) onto the instance URL, refusing
    /// anything that could point at another host.
    pub(crate) fn path_url(&self, path: &str) -> Result<Url> {
        if !path.starts_with('/') || path.starts_with("//") || path.contains('\\') {
            return Err(Error::InvalidUrl {
                url: redact_url(path),
                reason: "expected a path on the org's instance".into(),
            });
        }
        let url = self.instance.join(path).map_err(|e| Error::InvalidUrl {
            url: redact_url(path),
            reason: e.to_string(),
        })?;
        if url.origin() != self.instance.origin() {
            return Err(Error::InvalidUrl {
                url: redact_url(url.as_str()),
                reason: "the URL leaves the org's instance".into(),
            });
        }
        Ok(url)
    }

    pub(crate) async fn send(&self, method: Method, url: Url, body: Body) -> Result<Reply> {
        let shape = if matches!(body, Body::Soap { .. }) {
            ErrorShape::Soap
        } else {
            ErrorShape::Rest
        };
        let call = Call {
            method,
            url,
            token: Some(&self.token),
            body,
            shape,
        };
        self.client.send(call).await
    }

    pub(crate) fn token(&self) -> &AccessToken {
        &self.token
    }
}

/// Parses a base URL such as an instance or login URL: `http` or `https`, a host, no
/// credentials, query or fragment.
pub(crate) fn parse_base_url(value: &str) -> Result<Url> {
    let invalid = |reason: &str| Error::InvalidUrl {
        url: redact_url(value),
        reason: reason.into(),
    };
    let url = Url::parse(value.trim()).map_err(|e| invalid(&e.to_string()))?;
    if !matches!(url.scheme(), "https" | "http") {
        return Err(invalid("the scheme must be `https` or `http`"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(invalid("the URL has no host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid("the URL must not carry credentials"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("the URL must not have a query or fragment"));
    }
    Ok(url)
}

fn normalise_version(value: &str) -> Result<String> {
    let version = value.trim().trim_start_matches(['v', 'V']);
    let valid = version.split_once('.').is_some_and(|(major, minor)| {
        !major.is_empty()
            && major.len() <= 3
            && major.bytes().all(|b| b.is_ascii_digit())
            && minor.len() == 1
            && minor.bytes().all(|b| b.is_ascii_digit())
    });
    if valid {
        Ok(version.to_owned())
    } else {
        Err(Error::InvalidArgument {
            what: "API version",
            value: value.to_owned(),
        })
    }
}

/// Refuses values that would change the shape of a REST path: sObject and field names are
/// letters, digits and underscores (dots for relationship fields).
pub(crate) fn check_name(what: &'static str, value: &str, allow_dots: bool) -> Result<()> {
    let valid = !value.is_empty()
        && value.len() <= 255
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || (allow_dots && b == b'.'));
    if valid {
        Ok(())
    } else {
        Err(Error::InvalidArgument {
            what,
            value: value.to_owned(),
        })
    }
}

/// Refuses anything but a 15- or 18-character Salesforce id.
pub(crate) fn check_id(value: &str) -> Result<()> {
    let valid = matches!(value.len(), 15 | 18) && value.bytes().all(|b| b.is_ascii_alphanumeric());
    if valid {
        Ok(())
    } else {
        Err(Error::InvalidArgument {
            what: "record id",
            value: value.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_versions_with_or_without_prefix() {
        assert_eq!(normalise_version("v66.0").unwrap(), "66.0");
        assert_eq!(normalise_version("66.0").unwrap(), "66.0");
        assert!(normalise_version("66").is_err());
        assert!(normalise_version("66.0/../x").is_err());
    }

    #[test]
    fn refuses_base_urls_with_credentials_or_odd_schemes() {
        assert!(parse_base_url("https://acme.my.salesforce.com").is_ok());
        assert!(parse_base_url("https://u:p@acme.my.salesforce.com").is_err());
        assert!(parse_base_url("file:///etc/passwd").is_err());
        assert!(parse_base_url("https://acme.example/?a=b").is_err());
    }

    #[test]
    fn keeps_paths_on_the_instance() {
        let client = Client::new().unwrap();
        let session = client
            .session(Connection {
                instance_url: "https://acme.example".into(),
                access_token: AccessToken::new("t"),
                api_version: "66.0".into(),
            })
            .unwrap();
        assert!(
            session
                .path_url("/services/data/v66.0/query/01g-500")
                .is_ok()
        );
        assert!(session.path_url("//evil.example/x").is_err());
        assert!(session.path_url("https://evil.example/x").is_err());
        assert!(check_name("sObject name", "Account/../User", false).is_err());
        assert!(check_id("001D000000IqhSLIAZ").is_ok());
        assert!(check_id("001D000000IqhSL/AZ").is_err());
    }
}
