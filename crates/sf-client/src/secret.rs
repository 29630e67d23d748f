//! Secret strings (tokens, assertions, client secrets) that never print themselves.
//!
//! Every credential the client handles is wrapped in one of these types so that a stray
//! `{:?}` in a log line or an error message shows a mask instead of the value. The only way
//! to read the value is an explicit `expose()` call, which the client makes when it writes
//! an `Authorization` header, a SOAP session header or an OAuth form.

use std::fmt;

use serde::Deserialize;

/// What `Debug` and `Display` print in place of a secret value.
pub const MASK: &str = "***";

macro_rules! secret_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Wraps a secret value.
            pub fn new(value: impl Into<String>) -> Self {
                Self(value.into())
            }

            /// Returns the secret value; call it only where the value goes on the wire.
            pub fn expose(&self) -> &str {
                &self.0
            }

            /// Reports whether the secret is the empty string.
            pub fn is_empty(&self) -> bool {
                self.0.is_empty()
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({MASK})", stringify!($name))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(MASK)
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                Self(value)
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                Self(value.to_owned())
            }
        }
    };
}

secret_type!(
    /// An OAuth access token (also the Metadata API session id).
    AccessToken
);
secret_type!(
    /// An OAuth refresh token, as held inside an SFDX auth URL.
    RefreshToken
);
secret_type!(
    /// An OAuth client (consumer) secret.
    ClientSecret
);
secret_type!(
    /// A signed JWT bearer assertion, ready to be exchanged for an access token.
    JwtAssertion
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_in_debug_and_display() {
        let token = AccessToken::new("00D000000000001!secret");
        assert_eq!(format!("{token}"), "***");
        assert_eq!(format!("{token:?}"), "AccessToken(***)");
        assert_eq!(token.expose(), "00D000000000001!secret");
    }
}
