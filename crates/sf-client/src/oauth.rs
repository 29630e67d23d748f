//! The OAuth token endpoint: the JWT bearer exchange and the refresh-token flow, plus the
//! SFDX auth URL that carries a refresh token.
//!
//! The JWT assertion is signed elsewhere (the `sfiu-jwt` crate); this module only posts it.
//! Token responses and OAuth error bodies are never logged, and every credential is held in
//! a masking type.

use std::fmt;
use std::str::FromStr;

use reqwest::Method;
use serde::Deserialize;

use crate::client::{Body, Call, Client, ErrorShape};
use crate::error::{Error, Result};
use crate::secret::{AccessToken, ClientSecret, JwtAssertion, RefreshToken};
use crate::session::parse_base_url;

/// The JWT bearer grant type.
pub const JWT_BEARER_GRANT: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/// A successful token response.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct TokenResponse {
    /// The access token.
    pub access_token: AccessToken,
    /// The org's instance URL; API calls go here, not to the login host.
    pub instance_url: String,
    /// The identity URL, `https://<host>/id/<orgId>/<userId>`.
    #[serde(default)]
    pub id: String,
    /// The granted scopes, space separated (e.g. `web api`).
    #[serde(default)]
    pub scope: Option<String>,
    /// The token type, `Bearer`.
    #[serde(default)]
    pub token_type: Option<String>,
}

impl TokenResponse {
    /// The org id from the identity URL.
    pub fn org_id(&self) -> Option<&str> {
        self.identity_parts().map(|(org, _)| org)
    }

    /// The user id from the identity URL.
    pub fn user_id(&self) -> Option<&str> {
        self.identity_parts().map(|(_, user)| user)
    }

    fn identity_parts(&self) -> Option<(&str, &str)> {
        let (_, rest) = self.id.split_once("/id/")?;
        let (org, user) = rest.split_once('/')?;
        let user = user.trim_end_matches('/');
        (!org.is_empty() && !user.is_empty() && !user.contains('/')).then_some((org, user))
    }
}

impl Client {
    /// Exchanges a signed JWT for an access token at `{login_url}/services/oauth2/token`.
    ///
    /// `login_url` is `https://login.salesforce.com`, `https://test.salesforce.com` or the
    /// org's My Domain URL (the last is required for External Client Apps).
    ///
    /// # Errors
    ///
    /// Returns [`Error::OAuth`] when Salesforce refuses the grant; its
    /// [`kind`](crate::OAuthError::kind) tells an unapproved user from a bad signature or
    /// an expired assertion.
    pub async fn jwt_bearer(
        &self,
        login_url: &str,
        assertion: &JwtAssertion,
    ) -> Result<TokenResponse> {
        let form = encode_form(&[
            ("grant_type", JWT_BEARER_GRANT),
            ("assertion", assertion.expose()),
        ]);
        self.token_request(login_url, form).await
    }

    /// Obtains a fresh access token with a refresh token (`grant_type=refresh_token`).
    ///
    /// # Errors
    ///
    /// Returns [`Error::OAuth`] when Salesforce refuses the grant, e.g.
    /// `expired access/refresh token`.
    pub async fn refresh_access_token(
        &self,
        login_url: &str,
        client_id: &str,
        client_secret: Option<&ClientSecret>,
        refresh_token: &RefreshToken,
    ) -> Result<TokenResponse> {
        let mut fields = vec![
            ("grant_type", "refresh_token"),
            ("client_id", client_id),
            ("refresh_token", refresh_token.expose()),
        ];
        if let Some(secret) = client_secret.filter(|s| !s.is_empty()) {
            fields.push(("client_secret", secret.expose()));
        }
        self.token_request(login_url, encode_form(&fields)).await
    }

    /// Obtains an access token from an SFDX auth URL, against its own instance.
    ///
    /// # Errors
    ///
    /// As for [`Client::refresh_access_token`].
    pub async fn refresh_from_auth_url(&self, auth: &SfdxAuthUrl) -> Result<TokenResponse> {
        self.refresh_access_token(
            &auth.instance_url,
            &auth.client_id,
            auth.client_secret.as_ref(),
            &auth.refresh_token,
        )
        .await
    }

    async fn token_request(&self, login_url: &str, form: String) -> Result<TokenResponse> {
        let mut url = parse_base_url(login_url)?;
        url.set_path("/services/oauth2/token");
        let call = Call {
            method: Method::POST,
            url,
            token: None,
            body: Body::Form(form),
            shape: ErrorShape::OAuth,
        };
        self.send(call).await?.json()
    }
}

fn encode_form(fields: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish()
}

/// An SFDX auth URL: `force://<clientId>:<clientSecret>:<refreshToken>@<instanceUrl>`.
///
/// The client secret may be empty (the Salesforce CLI's own app has none). `Display` masks
/// the secret and the refresh token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SfdxAuthUrl {
    /// The connected app's consumer key.
    pub client_id: String,
    /// The consumer secret, if the URL carries one.
    pub client_secret: Option<ClientSecret>,
    /// The refresh token.
    pub refresh_token: RefreshToken,
    /// The instance URL, with `https://` added when the URL gave a bare host.
    pub instance_url: String,
}

impl FromStr for SfdxAuthUrl {
    type Err = Error;

    fn from_str(value: &str) -> Result<Self> {
        let invalid = |reason| Error::AuthUrl { reason };
        let rest = value
            .trim()
            .strip_prefix("force://")
            .ok_or_else(|| invalid("it must start with `force://`"))?;
        // Refresh tokens and client ids never contain `@`, so the first one ends the
        // credentials even if the instance part were to hold another.
        let (credentials, instance) = rest
            .split_once('@')
            .ok_or_else(|| invalid("it has no `@<instanceUrl>` part"))?;
        let mut parts = credentials.splitn(3, ':');
        let (Some(client_id), Some(client_secret), Some(refresh_token)) =
            (parts.next(), parts.next(), parts.next())
        else {
            return Err(invalid(
                "expected `<clientId>:<clientSecret>:<refreshToken>` before `@`",
            ));
        };
        if client_id.is_empty() {
            return Err(invalid("the client id is empty"));
        }
        if refresh_token.is_empty() {
            return Err(invalid("the refresh token is empty"));
        }
        let instance = instance.trim_end_matches('/');
        let instance_url = if instance.contains("://") {
            instance.to_owned()
        } else {
            format!("https://{instance}")
        };
        parse_base_url(&instance_url)
            .map_err(|_| invalid("the instance URL is not a valid origin"))?;
        Ok(Self {
            client_id: client_id.to_owned(),
            client_secret: (!client_secret.is_empty()).then(|| ClientSecret::new(client_secret)),
            refresh_token: RefreshToken::new(refresh_token),
            instance_url,
        })
    }
}

impl fmt::Display for SfdxAuthUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secret = if self.client_secret.is_some() {
            crate::secret::MASK
        } else {
            ""
        };
        write!(
            f,
            "force://{}:{secret}:{}@{}",
            self.client_id, self.refresh_token, self.instance_url
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_auth_urls_and_masks_secrets() {
        let auth: SfdxAuthUrl = "force://PlatformCLI::5Aep861.secret==@acme.my.salesforce.com"
            .parse()
            .unwrap();
        assert_eq!(auth.client_id, "PlatformCLI");
        assert_eq!(auth.client_secret, None);
        assert_eq!(auth.refresh_token.expose(), "5Aep861.secret==");
        assert_eq!(auth.instance_url, "https://acme.my.salesforce.com");
        assert_eq!(
            auth.to_string(),
            "force://PlatformCLI::***@https://acme.my.salesforce.com"
        );
        assert!(!format!("{auth:?}").contains("secret=="));

        let auth: SfdxAuthUrl = "force://id:shh:tok@https://acme.my.salesforce.com/"
            .parse()
            .unwrap();
        assert_eq!(
            auth.client_secret.as_ref().map(ClientSecret::expose),
            Some("shh")
        );
        assert_eq!(auth.instance_url, "https://acme.my.salesforce.com");
    }

    #[test]
    fn refuses_bad_auth_urls_without_echoing_them() {
        for bad in [
            "https://SEKRET",
            "force://id:SEKRET:SEKRET",
            "force://id:SEKRET@host",
            "force://:SEKRET:SEKRET@host",
            "force://a:SEKRET:@host",
            "force://a:b:SEKRET@not a host",
        ] {
            let error = bad.parse::<SfdxAuthUrl>().unwrap_err();
            assert!(!error.to_string().contains("SEKRET"), "{error}");
        }
    }

    #[test]
    fn reads_org_and_user_from_the_identity_url() {
        let token: TokenResponse = serde_json::from_str(
            r#"{"access_token":"x","instance_url":"https://a","id":"https://login.salesforce.com/id/00Dx/005y","token_type":"Bearer"}"#,
        )
        .unwrap();
        assert_eq!(token.org_id(), Some("00Dx"));
        assert_eq!(token.user_id(), Some("005y"));
    }
}
