//! The crate's single error type.
//!
//! Every message says what was found and, where the user can act, how to fix it. No variant
//! carries key material or a token: only labels, paths, fingerprints and sizes, so printing an
//! error (with its whole `source` chain) never leaks a secret.

use std::path::PathBuf;

use crate::Fingerprint;

/// A `Result` whose error is the crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Boxed cause chained under an [`Error`]; never a type whose text could echo its input.
type Cause = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Everything that can go wrong while loading keys, handling certificates and signing or
/// verifying assertions.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A key or certificate file could not be read.
    #[error("failed to read `{}`", path.display())]
    ReadFile {
        /// The file that could not be read.
        path: PathBuf,
        /// The I/O failure.
        #[source]
        source: std::io::Error,
    },

    /// A key or certificate file could not be written.
    #[error("failed to write `{}`", path.display())]
    WriteFile {
        /// The file that could not be written.
        path: PathBuf,
        /// The I/O failure.
        #[source]
        source: std::io::Error,
    },

    /// The target file exists and overwriting was not asked for.
    #[error("refusing to overwrite the existing file `{}`; move it away or ask to overwrite", path.display())]
    FileExists {
        /// The file that already exists.
        path: PathBuf,
    },

    /// The input holds no recognisable private key at all.
    #[error(
        "no private key found: expected a PEM block such as `-----BEGIN PRIVATE KEY-----`, \
         the same text with literal `\\n` for newlines, or the base64 of the PEM file"
    )]
    KeyNotFound,

    /// The private key is password-protected.
    #[error(
        "the private key is encrypted ({format}); sfiu needs it unencrypted: run \
         `openssl pkey -in <encrypted.pem> -out <key.pem>` and keep the result readable only by you"
    )]
    KeyEncrypted {
        /// How the encryption was recognised, e.g. `ENCRYPTED PRIVATE KEY`.
        format: &'static str,
    },

    /// The private key uses an algorithm other than RSA.
    #[error(
        "the private key is a `{algorithm}` key, but Salesforce's JWT bearer flow signs with RS256 \
         and needs an RSA key: generate one with `openssl genpkey -algorithm RSA -pkeyopt \
         rsa_keygen_bits:2048`"
    )]
    KeyNotRsa {
        /// The algorithm found, e.g. `EC` or `Ed25519`.
        algorithm: String,
    },

    /// A certificate was given where a private key was expected.
    #[error(
        "found a certificate where a private key was expected; pass the private key file that \
         belongs to the certificate (it starts with `-----BEGIN PRIVATE KEY-----`)"
    )]
    CertificateInsteadOfKey,

    /// A public key was given where a private key was expected.
    #[error(
        "found a public key where a private key was expected; the JWT is signed with the private \
         half of the key pair"
    )]
    PublicKeyInsteadOfPrivate,

    /// The input holds a PEM block that is neither a supported key nor a known mistake.
    #[error("found a `{label}` PEM block, which is not a supported private key; {advice}")]
    UnsupportedKeyFormat {
        /// The PEM label found (shortened if long).
        label: String,
        /// What to do instead.
        advice: &'static str,
    },

    /// A private key block was found but its contents could not be decoded.
    #[error("the `{format}` private key is malformed")]
    KeyMalformed {
        /// The container format, e.g. `PKCS#8` or `PKCS#1`.
        format: &'static str,
        /// The decoder's reason, which never quotes the key.
        #[source]
        source: Option<Cause>,
    },

    /// The RSA key is shorter than Salesforce accepts.
    #[error("the RSA key has {bits} bits; use at least 2048")]
    KeyTooSmall {
        /// The key's modulus length.
        bits: usize,
    },

    /// The random number generator or the RSA arithmetic failed while making a key.
    #[error("failed to generate a {bits}-bit RSA key")]
    KeyGeneration {
        /// The requested modulus length.
        bits: usize,
        /// The generator's failure.
        #[source]
        source: Cause,
    },

    /// A key could not be re-encoded (PKCS#1, PKCS#8 or SPKI).
    #[error("failed to encode the key as {format}")]
    KeyEncoding {
        /// The target format.
        format: &'static str,
        /// The encoder's failure.
        #[source]
        source: Cause,
    },

    /// The input holds no recognisable certificate.
    #[error(
        "no X.509 certificate found: expected PEM (`-----BEGIN CERTIFICATE-----`), DER, or the \
         base64 body of a PEM certificate"
    )]
    CertificateNotFound,

    /// A private key was given where a certificate was expected.
    #[error(
        "found a private key where a certificate was expected; give the certificate instead \
         and keep the private key out of metadata and logs"
    )]
    KeyInsteadOfCertificate,

    /// The certificate's DER could not be parsed as X.509.
    #[error("the certificate is not valid X.509")]
    CertificateMalformed {
        /// The parser's reason.
        #[source]
        source: Option<Cause>,
    },

    /// The certificate carries a public key that cannot verify RS256 signatures.
    #[error(
        "the certificate `{fingerprint}` holds a `{algorithm}` public key, but RS256 needs RSA"
    )]
    CertificateKeyNotRsa {
        /// The certificate's SHA-256 fingerprint.
        fingerprint: Fingerprint,
        /// The public key algorithm found.
        algorithm: String,
    },

    /// The options for a new certificate are unusable.
    #[error("invalid certificate option `{option}`: {reason}")]
    InvalidCertificateOption {
        /// The option at fault, e.g. `validity_days`.
        option: &'static str,
        /// Why it was refused.
        reason: String,
    },

    /// rcgen failed to build or sign the certificate.
    #[error("failed to create the self-signed certificate")]
    CertificateGeneration {
        /// rcgen's failure.
        #[source]
        source: Cause,
    },

    /// The private key does not belong to the certificate.
    #[error(
        "the private key does not match the certificate `{certificate}` (the key's public half has \
         SHA-256 `{key}`); Salesforce would reject every assertion: use the key the certificate \
         was made from, or upload a certificate made from this key"
    )]
    KeyCertificateMismatch {
        /// SHA-256 fingerprint of the certificate.
        certificate: Fingerprint,
        /// SHA-256 of the private key's public half (SPKI DER).
        key: Fingerprint,
    },

    /// The JWT audience is not a usable Salesforce login URL.
    #[error("invalid JWT audience `{audience}`: {reason}")]
    InvalidAudience {
        /// The audience given (a URL, not a secret).
        audience: String,
        /// Why it was refused.
        reason: &'static str,
    },

    /// A claim value for a new assertion is unusable.
    #[error("invalid `{claim}` claim: {reason}")]
    InvalidClaim {
        /// The claim at fault.
        claim: &'static str,
        /// Why it was refused.
        reason: &'static str,
    },

    /// The requested assertion lifetime is outside what Salesforce accepts.
    #[error("an assertion must expire between 1 and {max} seconds from now, not {seconds}")]
    InvalidLifetime {
        /// The requested lifetime in seconds.
        seconds: i64,
        /// The largest lifetime allowed.
        max: i64,
    },

    /// The JWT library failed to sign.
    #[error("failed to sign the JWT assertion")]
    Signing {
        /// The library's failure.
        #[source]
        source: Cause,
    },

    /// The assertion is not a well-formed compact JWS.
    #[error("the assertion is malformed: {reason}")]
    AssertionMalformed {
        /// What is wrong with its shape.
        reason: &'static str,
    },

    /// The assertion is signed with an algorithm other than RS256.
    #[error("the assertion uses algorithm `{algorithm}`; only `RS256` is accepted")]
    AssertionAlgorithm {
        /// The `alg` header value (shortened if long).
        algorithm: String,
    },

    /// The signature does not verify with the certificate's public key.
    #[error("the assertion's signature does not verify with the certificate `{certificate}`")]
    AssertionSignature {
        /// SHA-256 fingerprint of the certificate tried.
        certificate: Fingerprint,
    },

    /// A required claim is missing or has the wrong type.
    #[error("the assertion's `{claim}` claim is {problem}")]
    AssertionClaim {
        /// The claim at fault.
        claim: &'static str,
        /// What is wrong, e.g. `missing` or `not a string`.
        problem: &'static str,
    },
}

/// Shortens untrusted labels so that an error line stays readable.
pub(crate) fn shorten(text: &str) -> String {
    const LIMIT: usize = 40;
    let printable: String = text.chars().filter(|c| !c.is_control()).collect();
    if printable.chars().count() <= LIMIT {
        printable
    } else {
        let mut short: String = printable.chars().take(LIMIT).collect();
        short.push('…');
        short
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_and_secrets_cross_threads() {
        fn check<T: Send + Sync + 'static>() {}
        check::<Error>();
        check::<crate::PrivateKey>();
        check::<crate::SignedAssertion>();
        check::<crate::Certificate>();
    }

    #[test]
    fn shorten_caps_length_and_drops_control_characters() {
        assert_eq!(shorten("EC\u{1b}[31m KEY"), "EC[31m KEY");
        assert_eq!(shorten(&"x".repeat(50)), format!("{}…", "x".repeat(40)));
    }
}
