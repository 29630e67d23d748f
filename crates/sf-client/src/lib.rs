//! The Salesforce client for sfiu: REST, Metadata API (SOAP) and OAuth token calls.
//!
//! This is the only sfiu crate that speaks HTTP. It speaks Salesforce, not sfiu's domain:
//! queries, records, composite batches, metadata components, deployments and tokens. It
//! never prints and reads no configuration or environment.
//!
//! - [`Client`] holds the HTTP stack, the retry policy, the round-trip counter and the
//!   latest API usage; it runs the unauthenticated calls ([`Client::versions`],
//!   [`Client::jwt_bearer`], [`Client::refresh_access_token`]).
//! - [`Session`] (from [`Client::session`] and a [`Connection`]) runs everything that needs
//!   an access token: [`Session::query`], record CRUD, [`Session::composite`], sObject
//!   Collections and the Metadata API.
//! - [`Error`] carries HTTP status, Salesforce code, message and the redacted request;
//!   [`Error::is_transient`] drives the bounded, jittered retries.
//! - Credentials are [`AccessToken`], [`RefreshToken`], [`ClientSecret`] and
//!   [`JwtAssertion`], which print a mask.
//!
//! ```no_run
//! use futures_util::TryStreamExt as _;
//! use sfiu_sf_client::{Client, Connection, JwtAssertion};
//!
//! # async fn run(assertion: JwtAssertion) -> sfiu_sf_client::Result<()> {
//! let client = Client::new()?;
//! let token = client.jwt_bearer("https://acme.my.salesforce.com", &assertion).await?;
//! let session = client.session(Connection::from_token(&token, "66.0"))?;
//! let users: Vec<serde_json::Value> =
//!     session.query("SELECT Id FROM User").try_collect().await?;
//! let round_trips = client.round_trips();
//! assert!(round_trips >= 2 && users.len() <= 2_000);
//! # Ok(())
//! # }
//! ```

mod client;
mod composite;
mod error;
mod limits;
mod metadata;
mod oauth;
mod redact;
mod rest;
mod retry;
mod secret;
mod session;
mod xml;

pub use crate::client::{Client, ClientBuilder};
pub use crate::composite::{
    COLLECTION_CHUNK, CompositeRequest, CompositeResponse, CompositeSubrequest,
    CompositeSubresponse,
};
pub use crate::error::{
    ApiError, Error, OAuthError, OAuthErrorKind, RequestInfo, Result, SoapFault, XmlError,
};
pub use crate::limits::ApiUsage;
pub use crate::metadata::{
    AsyncResult, ClassAccess, ConnectedApp, ConnectedAppOauthConfig, ConnectedAppOauthPolicy,
    DeployMessage, DeployOptions, DeployResult, DeployStatus, ExternalClientApplication,
    ExtlClntAppGlobalOauthSettings, ExtlClntAppOauthConfigurablePolicies, ExtlClntAppOauthSettings,
    FieldPermission, Metadata, MetadataResult, ObjectPermission, Package, PermissionSet,
    PollPolicy, ReadRecord, UserPermission,
};
pub use crate::oauth::{JWT_BEARER_GRANT, SfdxAuthUrl, TokenResponse};
pub use crate::redact::redact_url;
pub use crate::rest::{ApiVersion, FieldDescribe, QueryPage, SObjectDescribe, SaveResult};
pub use crate::retry::RetryPolicy;
pub use crate::secret::{AccessToken, ClientSecret, JwtAssertion, MASK, RefreshToken};
pub use crate::session::{Connection, Session};
pub use crate::xml::Element as XmlElement;
