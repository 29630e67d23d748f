//! The JWT bearer assertion the integration signs to get a Salesforce access token.
//!
//! Salesforce's OAuth 2.0 JWT bearer flow takes an RS256-signed JWT with four claims: `iss`
//! (the app's consumer key), `sub` (the integration user's username), `aud` (the login URL)
//! and `exp` (seconds since the Unix epoch, at most three minutes ahead). See
//! <https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_jwt_flow.htm>.
//!
//! The expiry is computed from an instant the caller passes in, as Unix seconds, so neither
//! the machine's time zone nor a test's clock can shift it. [`verify_assertion`] is the other
//! side, for the simulated org and for tests: it checks the signature only and hands the
//! claims back for the caller's own policy.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, Header, Validation};
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

use crate::error::shorten;
use crate::{Certificate, Error, PrivateKey, Result};

/// The longest lifetime Salesforce documents for an assertion: three minutes.
pub const MAX_LIFETIME: Duration = Duration::seconds(180);

/// The `aud` claim: the login URL of the authorisation server the assertion is meant for.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Audience(String);

impl Audience {
    /// The production login URL, `https://login.salesforce.com`.
    pub const PRODUCTION_URL: &str = "https://login.salesforce.com";

    /// The sandbox login URL, `https://test.salesforce.com`.
    pub const SANDBOX_URL: &str = "https://test.salesforce.com";

    /// The audience for production orgs and Developer Edition.
    pub fn production() -> Self {
        Self(Self::PRODUCTION_URL.to_owned())
    }

    /// The audience for sandboxes.
    pub fn sandbox() -> Self {
        Self(Self::SANDBOX_URL.to_owned())
    }

    /// A My Domain or Experience Cloud site URL, e.g. `https://acme.my.salesforce.com`.
    ///
    /// External Client Apps are reported to accept only the org's My Domain as audience. The
    /// URL must be `https` (or `http` for a loopback host, where the simulated org runs) and
    /// may carry a port but no path, query, fragment or credentials. It is lower-cased and a
    /// trailing `/` is dropped.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidAudience`] saying what is wrong with the URL.
    pub fn custom(url: &str) -> Result<Self> {
        let lowered = url.trim().to_ascii_lowercase();
        let invalid = |reason| Error::InvalidAudience {
            audience: shorten(url),
            reason,
        };

        let (scheme, authority) = lowered
            .split_once("://")
            .ok_or_else(|| invalid("it is not an absolute URL"))?;
        let authority = authority.strip_suffix('/').unwrap_or(authority);
        // A port follows the last `:`, except inside a bracketed IPv6 address.
        let host = match authority.rsplit_once(':') {
            Some((host, port)) if !port.contains(']') => host,
            _ => authority,
        };
        let is_loopback = matches!(host, "localhost" | "127.0.0.1" | "[::1]");
        match scheme {
            "https" => {}
            "http" if is_loopback => {}
            _ => return Err(invalid("it must start with `https://`")),
        }
        if host.is_empty() {
            return Err(invalid("it names no host"));
        }
        if authority.contains(['/', '?', '#']) {
            return Err(invalid(
                "it must be the bare login URL, without a path or query",
            ));
        }
        if authority.contains('@') {
            return Err(invalid("it must not carry credentials"));
        }
        if authority
            .chars()
            .any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(invalid("it contains spaces or control characters"));
        }
        Ok(Self(format!("{scheme}://{authority}")))
    }

    /// The URL as it goes into the `aud` claim.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Audience {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The claims of a JWT bearer assertion, in the order they are serialised.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// Issuer: the app's consumer key (OAuth client id).
    pub iss: String,
    /// Subject: the Salesforce username the token is for. When verifying, the legacy `prn`
    /// claim is accepted in its place.
    pub sub: String,
    /// Audience: the login URL.
    pub aud: String,
    /// Expiry as a JWT NumericDate (seconds since 1970-01-01T00:00:00Z).
    pub exp: i64,
}

impl Claims {
    /// The expiry as a UTC instant, or `None` when `exp` is outside the representable range
    /// (some clients send milliseconds).
    pub fn expires_at(&self) -> Option<OffsetDateTime> {
        OffsetDateTime::from_unix_timestamp(self.exp).ok()
    }

    /// Seconds from `now` until `exp`; negative once expired.
    pub fn seconds_until_expiry(&self, now: OffsetDateTime) -> i64 {
        self.exp.saturating_sub(now.unix_timestamp())
    }

    /// True from the second `exp` names onwards (RFC 7519 §4.1.4), with no leeway.
    pub fn is_expired(&self, now: OffsetDateTime) -> bool {
        now.unix_timestamp() >= self.exp
    }
}

/// What to sign: who asks ([`Claims::iss`]), for whom ([`Claims::sub`]), where
/// ([`Claims::aud`]), and for how long.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assertion {
    consumer_key: String,
    username: String,
    audience: Audience,
    lifetime: Duration,
}

impl Assertion {
    /// An assertion for `username` through the app with `consumer_key`, valid for
    /// [`MAX_LIFETIME`]. Surrounding whitespace (a trailing newline from a file, say) is
    /// dropped from both values.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidClaim`] when the consumer key is empty or contains spaces, or the
    /// username is not in the e-mail form Salesforce usernames have.
    pub fn new(
        consumer_key: impl Into<String>,
        username: impl Into<String>,
        audience: Audience,
    ) -> Result<Self> {
        let consumer_key = consumer_key.into().trim().to_owned();
        let username = username.into().trim().to_owned();
        check_claim("iss", &consumer_key)?;
        check_claim("sub", &username)?;
        if !username.contains('@') {
            return Err(Error::InvalidClaim {
                claim: "sub",
                reason: "a Salesforce username has the form of an e-mail address",
            });
        }
        Ok(Self {
            consumer_key,
            username,
            audience,
            lifetime: MAX_LIFETIME,
        })
    }

    /// Sets how long after signing the assertion expires: 1 second to [`MAX_LIFETIME`].
    ///
    /// # Errors
    ///
    /// [`Error::InvalidLifetime`] outside that range.
    pub fn with_lifetime(mut self, lifetime: Duration) -> Result<Self> {
        let seconds = lifetime.whole_seconds();
        if seconds < 1 || lifetime > MAX_LIFETIME {
            return Err(Error::InvalidLifetime {
                seconds,
                max: MAX_LIFETIME.whole_seconds(),
            });
        }
        self.lifetime = lifetime;
        Ok(self)
    }

    /// The claims this assertion carries when signed at `now`.
    ///
    /// `exp` is `now` as Unix seconds (fraction dropped) plus the lifetime, whatever offset
    /// `now` is expressed in.
    pub fn claims(&self, now: OffsetDateTime) -> Claims {
        Claims {
            iss: self.consumer_key.clone(),
            sub: self.username.clone(),
            aud: self.audience.as_str().to_owned(),
            exp: now
                .unix_timestamp()
                .saturating_add(self.lifetime.whole_seconds()),
        }
    }

    /// Signs the claims for `now` with RS256 (RSASSA-PKCS1-v1_5 with SHA-256), which is
    /// deterministic: the same key, claims and instant give the same token.
    ///
    /// # Errors
    ///
    /// [`Error::Signing`] if the JWT library fails.
    pub fn sign(&self, key: &PrivateKey, now: OffsetDateTime) -> Result<SignedAssertion> {
        let claims = self.claims(now);
        let token =
            jsonwebtoken::encode(&Header::new(Algorithm::RS256), &claims, key.encoding_key())
                .map_err(|source| Error::Signing {
                    source: Box::new(source),
                })?;
        Ok(SignedAssertion { token, claims })
    }
}

fn check_claim(claim: &'static str, value: &str) -> Result<()> {
    if value.is_empty() {
        return Err(Error::InvalidClaim {
            claim,
            reason: "it is empty",
        });
    }
    if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Error::InvalidClaim {
            claim,
            reason: "it contains spaces or control characters",
        });
    }
    Ok(())
}

/// A signed assertion: a bearer credential until it expires.
///
/// `Debug` and `Display` never show the token; [`SignedAssertion::expose`] is for the one
/// request that sends it.
#[derive(Clone, PartialEq, Eq)]
pub struct SignedAssertion {
    token: String,
    claims: Claims,
}

impl SignedAssertion {
    /// The compact JWS (`header.payload.signature`) to put in the token request's
    /// `assertion` field.
    pub fn expose(&self) -> &str {
        &self.token
    }

    /// The claims that were signed.
    pub fn claims(&self) -> &Claims {
        &self.claims
    }
}

impl fmt::Debug for SignedAssertion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignedAssertion")
            .field("token", &"<redacted>")
            .field("claims", &self.claims)
            .finish()
    }
}

impl fmt::Display for SignedAssertion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "<redacted JWT assertion for `{}` at `{}`>",
            self.claims.sub, self.claims.aud
        )
    }
}

/// Checks an assertion's signature against `certificate` and returns its claims.
///
/// Checked: the token is a three-part compact JWS; its header's `alg` is exactly `RS256`
/// (`none`, `HS256` and everything else are refused before any key is used); the signature
/// verifies with the certificate's RSA public key; the payload is a JSON object with string
/// `iss`, `sub` (or the legacy `prn`) and `aud` (a string, or an array of exactly one), and a
/// numeric `exp` (a fraction is dropped).
///
/// Not checked, by design: `exp` against any clock, `nbf`, `iat`, the values of `iss` and
/// `aud`, and the certificate's own validity period. Those are the caller's policy; use
/// [`Claims::is_expired`] with the caller's clock, which applies no leeway.
///
/// # Errors
///
/// [`Error::AssertionMalformed`], [`Error::AssertionAlgorithm`],
/// [`Error::CertificateKeyNotRsa`], [`Error::AssertionSignature`] or
/// [`Error::AssertionClaim`]; none of them quotes the token.
pub fn verify_assertion(token: &str, certificate: &Certificate) -> Result<Claims> {
    let mut parts = token.split('.');
    let (Some(header), Some(_payload), Some(_signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(Error::AssertionMalformed {
            reason: "it does not have three `.`-separated parts",
        });
    };
    check_algorithm(header)?;
    let decoding_key = certificate.decoding_key()?;

    let mut validation = Validation::new(Algorithm::RS256);
    validation.leeway = 0;
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    let decoded = jsonwebtoken::decode::<serde_json::Value>(token, &decoding_key, &validation)
        .map_err(|error| match error.kind() {
            jsonwebtoken::errors::ErrorKind::InvalidSignature => Error::AssertionSignature {
                certificate: certificate.fingerprint(),
            },
            // The library's own messages may quote payload text, so they are not chained.
            _ => Error::AssertionMalformed {
                reason: "its parts are not base64url-encoded JSON",
            },
        })?;

    claims_from_payload(&decoded.claims)
}

fn check_algorithm(encoded_header: &str) -> Result<()> {
    let malformed = || Error::AssertionMalformed {
        reason: "its header is not base64url-encoded JSON",
    };
    let bytes = URL_SAFE_NO_PAD
        .decode(encoded_header)
        .map_err(|_| malformed())?;
    let header: serde_json::Value = serde_json::from_slice(&bytes).map_err(|_| malformed())?;
    match header.get("alg") {
        Some(serde_json::Value::String(alg)) if alg == "RS256" => Ok(()),
        Some(serde_json::Value::String(alg)) => Err(Error::AssertionAlgorithm {
            algorithm: shorten(alg),
        }),
        _ => Err(Error::AssertionMalformed {
            reason: "its header has no string `alg`",
        }),
    }
}

fn claims_from_payload(payload: &serde_json::Value) -> Result<Claims> {
    use serde_json::Value;

    let object = payload.as_object().ok_or(Error::AssertionMalformed {
        reason: "its payload is not a JSON object",
    })?;
    let string = |claim: &'static str, value: Option<&Value>| match value {
        Some(Value::String(text)) => Ok(text.clone()),
        Some(_) => Err(Error::AssertionClaim {
            claim,
            problem: "not a string",
        }),
        None => Err(Error::AssertionClaim {
            claim,
            problem: "missing",
        }),
    };

    let iss = string("iss", object.get("iss"))?;
    let sub = string("sub", object.get("sub").or_else(|| object.get("prn")))?;
    let aud = match object.get("aud") {
        Some(Value::Array(items)) => match items.as_slice() {
            [only] => string("aud", Some(only))?,
            _ => {
                return Err(Error::AssertionClaim {
                    claim: "aud",
                    problem: "not a single audience",
                });
            }
        },
        other => string("aud", other)?,
    };
    let exp = match object.get("exp") {
        Some(Value::Number(number)) => number
            .as_i64()
            .or_else(|| {
                number
                    .as_f64()
                    .filter(|value| value.is_finite())
                    .map(seconds_from_float)
            })
            .ok_or(Error::AssertionClaim {
                claim: "exp",
                problem: "not a usable number",
            })?,
        Some(_) => {
            return Err(Error::AssertionClaim {
                claim: "exp",
                problem: "not a number",
            });
        }
        None => {
            return Err(Error::AssertionClaim {
                claim: "exp",
                problem: "missing",
            });
        }
    };
    Ok(Claims { iss, sub, aud, exp })
}

/// NumericDate may carry a fraction; whole seconds are enough, and huge values saturate.
#[expect(
    clippy::cast_possible_truncation,
    reason = "`as` saturates out-of-range floats, which is the intent for absurd expiries"
)]
fn seconds_from_float(value: f64) -> i64 {
    value.floor() as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custom_audience_rules() {
        let ok = |url: &str| Audience::custom(url).unwrap().as_str().to_owned();
        let reason = |url: &str| match Audience::custom(url).unwrap_err() {
            Error::InvalidAudience { reason, .. } => reason,
            other => panic!("unexpected {other:?}"),
        };
        assert_eq!(
            ok("https://Acme.my.salesforce.com/"),
            "https://acme.my.salesforce.com"
        );
        assert_eq!(
            ok(" https://login.salesforce.com "),
            Audience::PRODUCTION_URL
        );
        assert_eq!(ok("http://127.0.0.1:8080"), "http://127.0.0.1:8080");
        assert_eq!(
            ok("https://acme.my.site.com:8443"),
            "https://acme.my.site.com:8443"
        );
        assert_eq!(
            reason("http://acme.my.salesforce.com"),
            "it must start with `https://`"
        );
        assert_eq!(reason("login.salesforce.com"), "it is not an absolute URL");
        assert_eq!(reason("https://"), "it names no host");
        assert_eq!(reason("https://:443"), "it names no host");
        assert_eq!(ok("http://[::1]"), "http://[::1]");
        assert_eq!(ok("http://[::1]:8080/"), "http://[::1]:8080");
        assert_eq!(ok("http://localhost:1234"), "http://localhost:1234");
        assert!(reason("https://acme.my.salesforce.com/services/oauth2/token").contains("path"));
        assert!(reason("https://user:pw@acme.my.salesforce.com").contains("credentials"));
        assert!(reason("https://acme my.salesforce.com").contains("spaces"));
    }

    #[test]
    fn lifetime_is_capped_at_three_minutes() {
        let assertion = Assertion::new("key", "user@example.com", Audience::sandbox()).unwrap();
        assert!(
            assertion
                .clone()
                .with_lifetime(Duration::seconds(180))
                .is_ok()
        );
        assert!(
            assertion
                .clone()
                .with_lifetime(Duration::seconds(1))
                .is_ok()
        );
        let too_long = assertion
            .clone()
            .with_lifetime(Duration::seconds(181))
            .unwrap_err();
        assert_eq!(
            too_long.to_string(),
            "an assertion must expire between 1 and 180 seconds from now, not 181"
        );
        assert!(assertion.clone().with_lifetime(Duration::ZERO).is_err());
        assert!(assertion.with_lifetime(Duration::seconds(-5)).is_err());
    }

    #[test]
    fn claim_values_are_checked() {
        let audience = Audience::production;
        assert!(Assertion::new("", "user@example.com", audience()).is_err());
        assert!(Assertion::new("a b", "user@example.com", audience()).is_err());
        assert!(Assertion::new("key", "user", audience()).is_err());
        let trimmed = Assertion::new(" key\n", "user@example.com\n", audience()).unwrap();
        let claims = trimmed.claims(OffsetDateTime::UNIX_EPOCH);
        assert_eq!(
            (claims.iss.as_str(), claims.sub.as_str()),
            ("key", "user@example.com")
        );
    }

    #[test]
    fn exp_ignores_the_offset_and_fraction_of_now() {
        let assertion = Assertion::new("key", "user@example.com", Audience::production()).unwrap();
        let instant = OffsetDateTime::from_unix_timestamp_nanos(1_700_000_000_900_000_000).unwrap();
        let kolkata = instant.to_offset(time::macros::offset!(+5:30));
        let los_angeles = instant.to_offset(time::macros::offset!(-8));
        for now in [instant, kolkata, los_angeles] {
            assert_eq!(assertion.claims(now).exp, 1_700_000_180);
        }
    }

    #[test]
    fn claims_expiry_helpers_have_no_leeway() {
        let claims = Claims {
            iss: "i".into(),
            sub: "s".into(),
            aud: "a".into(),
            exp: 100,
        };
        let at = |seconds| OffsetDateTime::from_unix_timestamp(seconds).unwrap();
        assert!(!claims.is_expired(at(99)));
        assert!(claims.is_expired(at(100)));
        assert_eq!(claims.seconds_until_expiry(at(40)), 60);
        assert_eq!(claims.expires_at(), Some(at(100)));
        let millis = Claims {
            exp: i64::MAX,
            ..claims
        };
        assert_eq!(millis.expires_at(), None);
    }

    #[test]
    fn payload_claims_are_extracted_leniently_but_typed() {
        use serde_json::json;
        let claims = claims_from_payload(&json!({
            "iss": "k", "prn": "u@example.com", "aud": ["https://x"], "exp": 12.7
        }))
        .unwrap();
        assert_eq!(
            claims,
            Claims {
                iss: "k".into(),
                sub: "u@example.com".into(),
                aud: "https://x".into(),
                exp: 12
            }
        );
        let problem = |payload| match claims_from_payload(&payload).unwrap_err() {
            Error::AssertionClaim { claim, problem } => format!("{claim}: {problem}"),
            other => format!("{other:?}"),
        };
        assert_eq!(
            problem(json!({"sub": "u", "aud": "a", "exp": 1})),
            "iss: missing"
        );
        assert_eq!(
            problem(json!({"iss": 1, "sub": "u", "aud": "a", "exp": 1})),
            "iss: not a string"
        );
        assert_eq!(
            problem(json!({"iss": "k", "aud": "a", "exp": 1})),
            "sub: missing"
        );
        assert_eq!(
            problem(json!({"iss": "k", "sub": "u", "aud": [], "exp": 1})),
            "aud: not a single audience"
        );
        assert_eq!(
            problem(json!({"iss": "k", "sub": "u", "aud": "a", "exp": "1"})),
            "exp: not a number"
        );
        assert_eq!(
            problem(json!({"iss": "k", "sub": "u", "aud": "a"})),
            "exp: missing"
        );
        assert!(problem(json!([1])).contains("AssertionMalformed"));
    }

    #[test]
    fn header_algorithm_is_checked_first() {
        let encode = |json: &str| URL_SAFE_NO_PAD.encode(json);
        assert!(check_algorithm(&encode(r#"{"alg":"RS256"}"#)).is_ok());
        assert!(matches!(
            check_algorithm(&encode(r#"{"alg":"none"}"#)),
            Err(Error::AssertionAlgorithm { algorithm }) if algorithm == "none"
        ));
        assert!(matches!(
            check_algorithm(&encode(r#"{"alg":"HS256"}"#)),
            Err(Error::AssertionAlgorithm { algorithm }) if algorithm == "HS256"
        ));
        assert!(matches!(
            check_algorithm(&encode("{}")),
            Err(Error::AssertionMalformed { .. })
        ));
        assert!(matches!(
            check_algorithm("%%%"),
            Err(Error::AssertionMalformed { .. })
        ));
    }
}
