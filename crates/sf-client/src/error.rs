//! The crate's single error type, with the Salesforce detail a caller needs to decide what
//! to do next.
//!
//! Salesforce reports failures in four shapes (REST error arrays, per-record `statusCode`
//! errors, OAuth `{error, error_description}` and SOAP faults). Each arrives here as a typed
//! variant carrying the HTTP status, the Salesforce code, the message and the request that
//! failed (method and redacted URL), so the runner can print it and decide whether to retry.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Deserializer};

/// The result type of every fallible call in this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The request a failure belongs to: method and URL, with credentials redacted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestInfo {
    /// The HTTP method, e.g. `GET`.
    pub method: String,
    /// The URL with user info and credential-bearing query values redacted.
    pub url: String,
}

impl fmt::Display for RequestInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} `{}`", self.method, self.url)
    }
}

/// One error entry from a REST error array or a per-record save result.
///
/// REST calls spell the code `errorCode`, sObject Collections and save results spell it
/// `statusCode`; both land in [`ApiError::error_code`].
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ApiError {
    /// The Salesforce code, e.g. `INVALID_FIELD` or `UNABLE_TO_LOCK_ROW`.
    #[serde(rename = "errorCode", alias = "statusCode")]
    pub error_code: String,
    /// The human-readable message.
    #[serde(default)]
    pub message: String,
    /// The fields at fault, when Salesforce names them.
    #[serde(default, deserialize_with = "null_as_default")]
    pub fields: Vec<String>,
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}`: {}", self.error_code, self.message)?;
        if !self.fields.is_empty() {
            write!(f, " (fields `{}`)", self.fields.join("`, `"))?;
        }
        Ok(())
    }
}

/// An OAuth token endpoint refusal: `{"error": …, "error_description": …}`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct OAuthError {
    /// The OAuth error code, e.g. `invalid_grant`.
    pub error: String,
    /// Salesforce's description, e.g. `user hasn't approved this consumer`.
    #[serde(rename = "error_description", default)]
    pub description: String,
}

/// What an [`OAuthError`] means for the JWT bearer and refresh-token flows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum OAuthErrorKind {
    /// `invalid_client_id`: the `iss` claim or client id matches no consumer key.
    InvalidClientId,
    /// `invalid_grant` / `user hasn't approved this consumer`: no pre-authorisation.
    UserNotApproved,
    /// `invalid_app_access`: the user is not admin-approved for the app.
    NotAdminApproved,
    /// `invalid_grant` / `invalid assertion`: bad signature, key or certificate.
    InvalidAssertion,
    /// `invalid_grant` / `expired authorization code`: the assertion's `exp` is past.
    ExpiredAssertion,
    /// `invalid_grant` / `Audience validation failed` (or `Audience is invalid`).
    InvalidAudience,
    /// `invalid_grant` / `inactive user`.
    InactiveUser,
    /// `invalid_grant` / `expired access/refresh token`.
    ExpiredRefreshToken,
    /// `invalid_grant` / `authentication failure`, and any other `invalid_grant`.
    InvalidGrant,
    /// `unsupported_grant_type`.
    UnsupportedGrantType,
    /// `app_not_found` (External Client Apps reached through a non-My-Domain host).
    AppNotFound,
    /// A code this crate does not recognise.
    Other,
}

impl OAuthError {
    /// Classifies the error by its code and description.
    pub fn kind(&self) -> OAuthErrorKind {
        let description = self.description.to_ascii_lowercase();
        match self.error.as_str() {
            "invalid_client_id" => OAuthErrorKind::InvalidClientId,
            "invalid_app_access" => OAuthErrorKind::NotAdminApproved,
            "unsupported_grant_type" => OAuthErrorKind::UnsupportedGrantType,
            "app_not_found" | "OAUTH_EC_APP_NOT_FOUND" => OAuthErrorKind::AppNotFound,
            "invalid_grant" => {
                if description.contains("hasn't approved") {
                    OAuthErrorKind::UserNotApproved
                } else if description.contains("invalid assertion") {
                    OAuthErrorKind::InvalidAssertion
                } else if description.contains("expired authorization code") {
                    OAuthErrorKind::ExpiredAssertion
                } else if description.contains("audience") {
                    OAuthErrorKind::InvalidAudience
                } else if description.contains("inactive user") {
                    OAuthErrorKind::InactiveUser
                } else if description.contains("expired access/refresh token") {
                    OAuthErrorKind::ExpiredRefreshToken
                } else {
                    OAuthErrorKind::InvalidGrant
                }
            }
            _ => OAuthErrorKind::Other,
        }
    }
}

/// A SOAP fault returned by the Metadata API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SoapFault {
    /// The `faultcode`, e.g. `sf:INVALID_SESSION_ID`.
    pub code: String,
    /// The `faultstring`.
    pub message: String,
    /// The `exceptionCode` from the fault detail, when present.
    pub exception_code: Option<String>,
}

impl SoapFault {
    /// The fault code without its namespace prefix, e.g. `INVALID_SESSION_ID`.
    pub fn code_name(&self) -> &str {
        self.code.rsplit(':').next().unwrap_or(&self.code)
    }
}

/// A malformed XML document or fragment.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct XmlError(pub(crate) String);

/// Everything that can go wrong talking to Salesforce.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The HTTP client could not be built.
    #[error("failed to build the HTTP client")]
    Build(#[source] reqwest::Error),

    /// A URL given to the client, or built from a response, did not parse or was refused.
    #[error("invalid URL `{url}`: {reason}")]
    InvalidUrl {
        /// The URL, redacted.
        url: String,
        /// Why it was refused.
        reason: String,
    },

    /// An argument that becomes part of a URL or document was refused.
    #[error("invalid {what} `{value}`")]
    InvalidArgument {
        /// What the argument is, e.g. `sObject name`.
        what: &'static str,
        /// The refused value.
        value: String,
    },

    /// The request did not complete: connection refused or reset, timeout, broken body.
    #[error("request {request} failed")]
    Transport {
        /// The failed request.
        request: RequestInfo,
        /// The transport failure.
        #[source]
        source: reqwest::Error,
    },

    /// A REST call returned a Salesforce error array.
    #[error("salesforce returned HTTP {status} for {request}: {}", summary(errors))]
    Api {
        /// The failed request.
        request: RequestInfo,
        /// The HTTP status code.
        status: u16,
        /// Every error in the body, in order.
        errors: Vec<ApiError>,
    },

    /// A call returned an unexpected status with a body this crate cannot interpret.
    #[error("unexpected HTTP {status} from {request}")]
    Http {
        /// The failed request.
        request: RequestInfo,
        /// The HTTP status code.
        status: u16,
    },

    /// The OAuth token endpoint refused the grant.
    #[error(
        "the token endpoint refused the grant at {request} with HTTP {status}: `{}`: {}",
        error.error,
        error.description
    )]
    OAuth {
        /// The failed request.
        request: RequestInfo,
        /// The HTTP status code.
        status: u16,
        /// The OAuth error body.
        error: OAuthError,
    },

    /// The Metadata API returned a SOAP fault.
    #[error("the metadata API returned fault `{}` for {request}: {}", fault.code, fault.message)]
    Soap {
        /// The failed request.
        request: RequestInfo,
        /// The HTTP status code.
        status: u16,
        /// The parsed fault.
        fault: SoapFault,
    },

    /// A JSON response did not have the expected shape.
    #[error("failed to decode the response to {request}")]
    Decode {
        /// The request whose response failed to decode.
        request: RequestInfo,
        /// The decoding failure.
        #[source]
        source: serde_json::Error,
    },

    /// An XML document (a response or a caller's fragment) was malformed or incomplete.
    #[error("malformed XML in {context}")]
    Xml {
        /// Where the XML came from.
        context: String,
        /// What was wrong with it.
        #[source]
        source: XmlError,
    },

    /// Starting the run would exhaust the org's daily API request allowance.
    #[error(
        "the run needs `{needed}` API requests but only `{remaining}` of the daily `{limit}` \
         remain (`{used}` used)"
    )]
    ApiBudget {
        /// Requests already used today.
        used: u64,
        /// The daily allowance.
        limit: u64,
        /// Requests left.
        remaining: u64,
        /// Requests the run expects to make.
        needed: u64,
    },

    /// A query returned more rows than the caller allowed.
    #[error("the query matched `{total_size}` records, more than the cap of `{cap}`")]
    QueryTooLarge {
        /// The caller's cap.
        cap: usize,
        /// What Salesforce reported as `totalSize`.
        total_size: u64,
    },

    /// An SFDX auth URL did not parse; the URL itself is never echoed.
    #[error("invalid SFDX auth URL: {reason}")]
    AuthUrl {
        /// What was wrong.
        reason: &'static str,
    },

    /// The in-memory deployment zip could not be written.
    #[error("failed to build the deployment zip")]
    Zip(#[source] zip::result::ZipError),

    /// A deployment was still running when the caller's wait ran out.
    #[error("deployment `{id}` did not finish within {waited:?}")]
    DeployTimeout {
        /// The deployment's async process id.
        id: String,
        /// How long the client waited.
        waited: Duration,
    },
}

impl Error {
    /// Reports whether retrying the same request may succeed: row-lock contention, an
    /// unavailable server, a timeout or a dropped connection. Semantic 4xx errors are never
    /// transient.
    pub fn is_transient(&self) -> bool {
        match self {
            Error::Transport { source, .. } => {
                source.is_timeout()
                    || source.is_connect()
                    || source.is_request()
                    || source.is_body()
            }
            Error::Api { status, errors, .. } => {
                is_transient_status(*status)
                    || errors.iter().any(|e| is_transient_code(&e.error_code))
            }
            Error::Http { status, .. } | Error::OAuth { status, .. } => {
                is_transient_status(*status)
            }
            Error::Soap { status, fault, .. } => {
                is_transient_status(*status) || is_transient_code(fault.code_name())
            }
            _ => false,
        }
    }

    /// The HTTP status of the failed response, if there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api { status, .. }
            | Error::Http { status, .. }
            | Error::OAuth { status, .. }
            | Error::Soap { status, .. } => Some(*status),
            Error::Transport { source, .. } => source.status().map(|s| s.as_u16()),
            _ => None,
        }
    }

    /// The Salesforce code: the first REST `errorCode`, the SOAP fault code without its
    /// prefix, or the OAuth `error`.
    pub fn error_code(&self) -> Option<&str> {
        match self {
            Error::Api { errors, .. } => errors.first().map(|e| e.error_code.as_str()),
            Error::Soap { fault, .. } => Some(fault.code_name()),
            Error::OAuth { error, .. } => Some(error.error.as_str()),
            _ => None,
        }
    }

    /// The request that failed, when the failure belongs to one.
    pub fn request(&self) -> Option<&RequestInfo> {
        match self {
            Error::Transport { request, .. }
            | Error::Api { request, .. }
            | Error::Http { request, .. }
            | Error::OAuth { request, .. }
            | Error::Soap { request, .. }
            | Error::Decode { request, .. } => Some(request),
            _ => None,
        }
    }

    /// Reports whether the session (access token) is expired or invalid.
    pub fn is_invalid_session(&self) -> bool {
        self.error_code() == Some("INVALID_SESSION_ID")
    }
}

fn is_transient_status(status: u16) -> bool {
    matches!(status, 502..=504)
}

fn is_transient_code(code: &str) -> bool {
    // Salesforce documents row-lock contention as retryable; SERVER_UNAVAILABLE is the
    // code it uses while an instance is briefly down for maintenance.
    matches!(code, "UNABLE_TO_LOCK_ROW" | "SERVER_UNAVAILABLE")
}

fn summary(errors: &[ApiError]) -> String {
    match errors {
        [] => "no error detail".to_owned(),
        [only] => only.to_string(),
        [first, rest @ ..] => format!("{first} (and {} more)", rest.len()),
    }
}

pub(crate) fn null_as_default<'de, D, T>(deserializer: D) -> std::result::Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}
