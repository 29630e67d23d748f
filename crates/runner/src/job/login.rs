//! The proof that the setup works: sign a JWT as the external system would, exchange it for
//! a token, and use that token to query each granted object (which must succeed) and one
//! object outside the grant (which must be refused).

use std::time::Duration;

use anyhow::Context as _;
use sfiu_jwt::{Assertion, Audience, PrivateKey};
use sfiu_runbook::ObjectProof;
use sfiu_sf_client::{
    Client, CompositeRequest, Connection, Error as ClientError, JwtAssertion, OAuthErrorKind,
};
use time::OffsetDateTime;

use crate::output::Hinted;

/// Objects tried, in order, as the one the integration must not reach.
const OUTSIDE_CANDIDATES: &[&str] = &[
    "Case",
    "Contract",
    "Opportunity",
    "Lead",
    "Campaign",
    "Account",
    "Contact",
    "Order",
];

/// The most subrequests one Composite call carries.
const COMPOSITE_LIMIT: usize = 25;

/// What the login test established.
#[derive(Debug, Clone)]
pub(crate) struct LoginOutcome {
    /// Scopes the token carried.
    pub(crate) scopes: String,
    /// One entry per object probed.
    pub(crate) objects: Vec<ObjectProof>,
}

impl LoginOutcome {
    /// Objects whose reachability differs from the grant.
    pub(crate) fn mismatches(&self) -> Vec<&ObjectProof> {
        self.objects
            .iter()
            .filter(|proof| proof.expected != proof.reachable)
            .collect()
    }
}

/// Everything the login test needs.
pub(crate) struct LoginTest<'a> {
    /// The HTTP client.
    pub(crate) client: &'a Client,
    /// The JWT audience: a login URL (`https://login.salesforce.com`) or the My Domain.
    pub(crate) login_url: &'a str,
    /// Where the token endpoint is: the org's own (My Domain) URL, which serves every user
    /// of the org whatever the audience.
    pub(crate) token_url: &'a str,
    /// The app's consumer key.
    pub(crate) consumer_key: &'a str,
    /// The integration user's username.
    pub(crate) username: &'a str,
    /// The private key matching the app's certificate.
    pub(crate) key: &'a PrivateKey,
    /// Objects the grant says the user reaches.
    pub(crate) granted: Vec<String>,
    /// API version for the proof queries.
    pub(crate) api_version: &'a str,
    /// How long to keep retrying while a new app propagates (zero: no retries).
    pub(crate) propagation_wait: Duration,
}

fn audience(login_url: &str) -> anyhow::Result<Audience> {
    let trimmed = login_url.trim_end_matches('/');
    Ok(match trimmed {
        Audience::PRODUCTION_URL => Audience::production(),
        Audience::SANDBOX_URL => Audience::sandbox(),
        other => Audience::custom(other)?,
    })
}

/// Logs in as the integration user and probes object access.
pub(crate) async fn run(test: LoginTest<'_>) -> anyhow::Result<LoginOutcome> {
    let token = exchange(&test).await?;
    let session = test
        .client
        .session(Connection::from_token(&token, test.api_version))?;

    let outside = OUTSIDE_CANDIDATES
        .iter()
        .find(|candidate| {
            !test
                .granted
                .iter()
                .any(|object| object.eq_ignore_ascii_case(candidate))
        })
        .map(|object| (*object).to_owned());
    let mut probes: Vec<(String, bool)> = test
        .granted
        .iter()
        .map(|object| (object.clone(), true))
        .collect();
    if let Some(outside) = outside {
        probes.push((outside, false));
    }

    let mut objects = Vec::new();
    for chunk in probes.chunks(COMPOSITE_LIMIT) {
        let subrequests = chunk
            .iter()
            .enumerate()
            .map(|(index, (object, _))| {
                super::observe::query_subrequest(
                    &session,
                    &format!("probe{index}"),
                    &format!("SELECT Id FROM {object} LIMIT 1"),
                )
            })
            .collect();
        let request = CompositeRequest {
            all_or_none: false,
            collate_subrequests: None,
            composite_request: subrequests,
        };
        let response = session.composite(&request).await.with_context(|| {
            format!(
                "the integration user `{}` could not make API calls",
                test.username
            )
        })?;
        for ((object, expected), answer) in chunk.iter().zip(response.composite_response) {
            objects.push(ObjectProof {
                object: object.clone(),
                expected: *expected,
                reachable: answer.is_success(),
            });
        }
    }
    Ok(LoginOutcome {
        scopes: token.scope.clone().unwrap_or_default(),
        objects,
    })
}

async fn exchange(test: &LoginTest<'_>) -> anyhow::Result<sfiu_sf_client::TokenResponse> {
    let audience = audience(test.login_url)?;
    let started = std::time::Instant::now();
    let mut delay = Duration::from_millis(500);
    loop {
        let assertion = Assertion::new(test.consumer_key, test.username, audience.clone())?
            .sign(test.key, OffsetDateTime::now_utc())?;
        let assertion = JwtAssertion::new(assertion.expose());
        match test.client.jwt_bearer(test.token_url, &assertion).await {
            Ok(token) => return Ok(token),
            // A new or changed app takes minutes to reach every Salesforce login server;
            // until then the consumer key is unknown or the approval not yet visible.
            Err(ClientError::OAuth { ref error, .. })
                if matches!(
                    error.kind(),
                    OAuthErrorKind::InvalidClientId | OAuthErrorKind::AppNotFound
                ) && started.elapsed() + delay < test.propagation_wait =>
            {
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(30));
            }
            Err(error) => return Err(explain(error, test)),
        }
    }
}

/// Adds the likely cause and fix to a failed JWT exchange.
fn explain(error: ClientError, test: &LoginTest<'_>) -> anyhow::Error {
    let hint = match &error {
        ClientError::OAuth { error: oauth, .. } => match oauth.kind() {
            OAuthErrorKind::UserNotApproved | OAuthErrorKind::NotAdminApproved => format!(
                "the app must be admin-approved and pre-authorise a permission set assigned to `{}`; `sfiu apply` restores both",
                test.username
            ),
            OAuthErrorKind::InvalidAssertion => "the key does not match the certificate on the app; re-run `sfiu apply` to upload the current certificate".to_owned(),
            OAuthErrorKind::ExpiredAssertion => "the clock of this machine is behind; sync it (the assertion is valid for 3 minutes)".to_owned(),
            OAuthErrorKind::InvalidAudience | OAuthErrorKind::AppNotFound => format!(
                "`{}` is not an accepted login URL for this org; pass `--login-url` (the My Domain URL for External Client Apps, test.salesforce.com for sandboxes)",
                test.login_url
            ),
            OAuthErrorKind::InactiveUser => format!("activate `{}` again, or re-run `sfiu apply`", test.username),
            OAuthErrorKind::InvalidClientId => "the consumer key is not known to the login server yet (new apps take up to 10 minutes); retry later with `sfiu verify`".to_owned(),
            _ => "check the app and the user in Setup, then run `sfiu verify` again".to_owned(),
        },
        _ => "check the network path to the login URL".to_owned(),
    };
    anyhow::Error::new(error)
        .context(format!("the JWT login as `{}` failed", test.username))
        .context(Hinted::new("the login test failed", vec![hint]))
}
