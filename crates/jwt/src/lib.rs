//! Keys, certificates and JWT bearer assertions for Salesforce integration users.
//!
//! An integration authenticates to Salesforce with the OAuth 2.0 JWT bearer flow: it signs a
//! short-lived assertion with an RSA private key, and Salesforce checks it with the X.509
//! certificate uploaded to the app. This crate holds every piece of that that needs no
//! network: [`PrivateKey`] (load from the forms keys arrive in, or generate, and write with
//! mode 0600), [`Certificate`] (make self-signed, parse from PEM, DER or the bare base64 body,
//! inspect fingerprint and expiry), [`Assertion`] (build and sign with RS256), and
//! [`verify_assertion`] for the simulated org and tests.
//!
//! It does not talk to Salesforce (`sfiu-sf-client` exchanges the assertion for a token) and
//! never reads the clock: every time-dependent call takes `now`, so the caller decides
//! (`OffsetDateTime::now_utc()` in production, a fixed instant in tests). Secrets print as
//! masks, and no error message quotes a key or a token.
//!
//! ```
//! use sfiu_jwt::{Assertion, Audience, Certificate, CertificateOptions, KeySize, PrivateKey};
//!
//! let now = time::macros::datetime!(2026-03-01 12:00 UTC);
//! let key = PrivateKey::generate(KeySize::Rsa2048)?;
//! let certificate = Certificate::self_signed(&key, &CertificateOptions::new("sfiu demo"), now)?;
//! key.check_matches(&certificate)?;
//!
//! let assertion = Assertion::new("3MVG9-consumer-key", "int@acme.example", Audience::production())?
//!     .sign(&key, now)?;
//! let claims = sfiu_jwt::verify_assertion(assertion.expose(), &certificate)?;
//! assert_eq!(claims.exp, now.unix_timestamp() + 180);
//! assert_eq!(format!("{assertion:?}").contains(assertion.expose()), false);
//! # Ok::<(), sfiu_jwt::Error>(())
//! ```

mod assertion;
mod certificate;
mod error;
mod files;
mod fingerprint;
mod key;

pub use assertion::{Assertion, Audience, Claims, MAX_LIFETIME, SignedAssertion, verify_assertion};
pub use certificate::{Certificate, CertificateOptions, MAX_VALIDITY_DAYS};
pub use error::{Error, Result};
pub use fingerprint::Fingerprint;
pub use key::{KeySize, PrivateKey};
