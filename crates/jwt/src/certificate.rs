//! X.509 certificates: the public half Salesforce stores on the app and checks assertions with.
//!
//! [`Certificate`] reads every form a certificate travels in (PEM, DER, and the bare base64
//! body that Connected App and External Client App metadata hold), reports what a runbook
//! records (fingerprint, subject, serial, validity), and can make a self-signed certificate for
//! a [`PrivateKey`]. Time questions take the current instant as a parameter, so tests fix it.

use std::fmt;
use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rsa::pkcs8::DecodePublicKey;
use time::{Duration, OffsetDateTime, UtcOffset};

use crate::files::{self, PUBLIC_MODE};
use crate::key::{algorithm_name, is_private_key_der};
use crate::{Error, Fingerprint, PrivateKey, Result};

/// Longest validity a new certificate may have; longer ones defeat planned rotation.
pub const MAX_VALIDITY_DAYS: u32 = 3650;

/// X.520 upper bound for a common name or organisation name.
const MAX_NAME_LENGTH: usize = 64;

const SECONDS_PER_DAY: i64 = 86_400;

/// What to put in a new self-signed certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertificateOptions {
    /// Subject common name (CN), e.g. `sfiu hubspot integration`.
    pub common_name: String,
    /// Subject organisation (O), if any.
    pub organization: Option<String>,
    /// Days from now until the certificate expires, 1 to [`MAX_VALIDITY_DAYS`].
    pub validity_days: u32,
}

impl CertificateOptions {
    /// Options for a certificate named `common_name`, valid for 365 days, without organisation.
    pub fn new(common_name: impl Into<String>) -> Self {
        Self {
            common_name: common_name.into(),
            organization: None,
            validity_days: 365,
        }
    }

    fn check(&self) -> Result<()> {
        check_name("common_name", &self.common_name)?;
        if let Some(organization) = &self.organization {
            check_name("organization", organization)?;
        }
        if !(1..=MAX_VALIDITY_DAYS).contains(&self.validity_days) {
            return Err(Error::InvalidCertificateOption {
                option: "validity_days",
                reason: format!(
                    "`{}` is outside 1 to {MAX_VALIDITY_DAYS} days",
                    self.validity_days
                ),
            });
        }
        Ok(())
    }
}

fn check_name(option: &'static str, value: &str) -> Result<()> {
    let reason = if value.trim().is_empty() {
        "must not be empty".to_owned()
    } else if value.chars().count() > MAX_NAME_LENGTH {
        format!("is longer than {MAX_NAME_LENGTH} characters")
    } else if value.chars().any(char::is_control) {
        "must not contain control characters".to_owned()
    } else {
        return Ok(());
    };
    Err(Error::InvalidCertificateOption { option, reason })
}

/// A parsed X.509 certificate.
#[derive(Clone)]
pub struct Certificate {
    der: Vec<u8>,
    fingerprint: Fingerprint,
    subject: String,
    issuer: String,
    serial: String,
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
    public_key_der: Vec<u8>,
    public_key_algorithm: String,
    rsa_public_key: Option<rsa::PublicKey>,
}

impl Certificate {
    /// Makes a self-signed certificate (SHA-256 with RSA) for `key`, valid from `now` (to the
    /// second) for `options.validity_days` days.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidCertificateOption`] for an empty or over-long name or a validity outside
    /// 1 to [`MAX_VALIDITY_DAYS`] days; [`Error::CertificateGeneration`] if signing fails.
    pub fn self_signed(
        key: &PrivateKey,
        options: &CertificateOptions,
        now: OffsetDateTime,
    ) -> Result<Self> {
        options.check()?;
        let not_before = now
            .to_offset(UtcOffset::UTC)
            .replace_nanosecond(0)
            .map_err(|_| Error::InvalidCertificateOption {
                option: "now",
                reason: "is not a representable instant".to_owned(),
            })?;
        let not_after = not_before
            .checked_add(Duration::days(i64::from(options.validity_days)))
            .ok_or_else(|| Error::InvalidCertificateOption {
                option: "validity_days",
                reason: "ends after the last representable date".to_owned(),
            })?;

        let mut params = rcgen::CertificateParams::default();
        let mut name = rcgen::DistinguishedName::new();
        name.push(rcgen::DnType::CommonName, options.common_name.trim());
        if let Some(organization) = &options.organization {
            name.push(rcgen::DnType::OrganizationName, organization.trim());
        }
        params.distinguished_name = name;
        params.not_before = not_before;
        params.not_after = not_after;
        params.serial_number = Some(rcgen::SerialNumber::from_slice(&random_serial()?));
        params.key_usages = vec![rcgen::KeyUsagePurpose::DigitalSignature];

        let generation = |source: rcgen::Error| Error::CertificateGeneration {
            source: Box::new(source),
        };
        let key_pem = key.expose_pkcs8_pem()?;
        let key_pair =
            rcgen::KeyPair::from_pkcs8_pem_and_sign_algo(&key_pem, &rcgen::PKCS_RSA_SHA256)
                .map_err(generation)?;
        let certificate = params.self_signed(&key_pair).map_err(generation)?;
        Self::from_der(certificate.der())
    }

    /// Reads a certificate file in any form [`Certificate::parse`] accepts.
    ///
    /// # Errors
    ///
    /// [`Error::ReadFile`] if the file cannot be read, otherwise as [`Certificate::parse`].
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let bytes = fs_err::read(path).map_err(|source| Error::ReadFile {
            path: path.to_owned(),
            source,
        })?;
        Self::parse(&bytes)
    }

    /// Parses a certificate given as PEM (a `CERTIFICATE` block, newlines real or written as
    /// `\n`), as DER, or as the bare base64 body that Salesforce metadata stores.
    ///
    /// # Errors
    ///
    /// [`Error::KeyInsteadOfCertificate`] when given a private key,
    /// [`Error::CertificateMalformed`] when the bytes are not X.509, and
    /// [`Error::CertificateNotFound`] for anything else.
    pub fn parse(input: &[u8]) -> Result<Self> {
        let Ok(text) = std::str::from_utf8(input) else {
            return Self::from_der(input);
        };
        let text = text.trim();
        if text.contains("-----BEGIN") {
            Self::from_pem(text)
        } else {
            Self::from_base64_body(text)
        }
    }

    /// Parses the first `CERTIFICATE` block of PEM text.
    ///
    /// # Errors
    ///
    /// As [`Certificate::parse`].
    pub fn from_pem(text: &str) -> Result<Self> {
        let text = text.replace("\\r\\n", "\n").replace("\\n", "\n");
        // The PEM parser's messages can quote input bytes, which might be a misplaced key.
        let blocks =
            pem::parse_many(&text).map_err(|_| Error::CertificateMalformed { source: None })?;
        if let Some(block) = blocks.iter().find(|block| block.tag() == "CERTIFICATE") {
            return Self::from_der(block.contents());
        }
        if blocks
            .iter()
            .any(|block| block.tag().ends_with("PRIVATE KEY"))
        {
            return Err(Error::KeyInsteadOfCertificate);
        }
        Err(Error::CertificateNotFound)
    }

    /// Parses the base64 body of a PEM certificate, without the `-----BEGIN/END-----` lines;
    /// line breaks and spaces are ignored.
    ///
    /// # Errors
    ///
    /// As [`Certificate::parse`].
    pub fn from_base64_body(body: &str) -> Result<Self> {
        let compact: String = body.chars().filter(|c| !c.is_whitespace()).collect();
        if compact.is_empty() {
            return Err(Error::CertificateNotFound);
        }
        let der = STANDARD
            .decode(compact)
            .map_err(|_| Error::CertificateNotFound)?;
        Self::from_der(&der)
    }

    /// Parses a DER certificate.
    ///
    /// # Errors
    ///
    /// As [`Certificate::parse`].
    pub fn from_der(der: &[u8]) -> Result<Self> {
        let parsed = match x509_parser::parse_x509_certificate(der) {
            Ok(([], parsed)) => parsed,
            Ok(_) => return Err(Error::CertificateMalformed { source: None }),
            Err(error) => {
                if is_private_key_der(der) {
                    return Err(Error::KeyInsteadOfCertificate);
                }
                let source: Option<Box<dyn std::error::Error + Send + Sync>> = match error {
                    x509_parser::nom::Err::Error(inner) | x509_parser::nom::Err::Failure(inner) => {
                        Some(Box::new(inner))
                    }
                    x509_parser::nom::Err::Incomplete(_) => None,
                };
                return Err(Error::CertificateMalformed { source });
            }
        };

        let validity = parsed.validity();
        let instant = |timestamp: i64| {
            OffsetDateTime::from_unix_timestamp(timestamp)
                .map_err(|_| Error::CertificateMalformed { source: None })
        };
        let not_before = instant(validity.not_before.timestamp())?;
        let not_after = instant(validity.not_after.timestamp())?;

        let spki = parsed.public_key();
        let public_key_der = spki.raw.to_vec();
        let public_key_algorithm = algorithm_name(&spki.algorithm.algorithm.to_id_string());
        let rsa_public_key = if public_key_algorithm == "RSA" {
            rsa::PublicKey::from_public_key_der(&public_key_der).ok()
        } else {
            None
        };

        Ok(Self {
            fingerprint: Fingerprint::of(der),
            subject: parsed.subject().to_string(),
            issuer: parsed.issuer().to_string(),
            serial: serial_hex(parsed.raw_serial()),
            not_before,
            not_after,
            public_key_der,
            public_key_algorithm,
            rsa_public_key,
            der: der.to_vec(),
        })
    }

    /// The certificate's DER bytes.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The certificate as a PEM `CERTIFICATE` block (64-character lines, `\n` endings).
    pub fn to_pem(&self) -> String {
        pem::encode_config(
            &pem::Pem::new("CERTIFICATE", self.der.clone()),
            pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF),
        )
    }

    /// The base64 of the DER on one line, without `-----BEGIN/END-----` lines: the form sent in
    /// the `certificate` element of Connected App and External Client App metadata.
    pub fn to_base64_body(&self) -> String {
        STANDARD.encode(&self.der)
    }

    /// SHA-256 over the DER, as `openssl x509 -noout -fingerprint -sha256` prints it.
    pub fn fingerprint(&self) -> Fingerprint {
        self.fingerprint
    }

    /// The subject name, e.g. `CN=sfiu hubspot, O=Example`.
    pub fn subject(&self) -> &str {
        &self.subject
    }

    /// The issuer name; equal to [`Certificate::subject`] for a self-signed certificate.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The serial number in upper-case hex without leading zero bytes, as `openssl x509
    /// -serial` prints it.
    pub fn serial(&self) -> &str {
        &self.serial
    }

    /// Start of validity (UTC).
    pub fn not_before(&self) -> OffsetDateTime {
        self.not_before
    }

    /// End of validity (UTC); the certificate is still valid at this very second.
    pub fn not_after(&self) -> OffsetDateTime {
        self.not_after
    }

    /// Whole days from `now` until [`Certificate::not_after`], rounded down: 0 on the last day,
    /// negative once expired.
    pub fn days_left(&self, now: OffsetDateTime) -> i64 {
        (self.not_after.unix_timestamp() - now.unix_timestamp()).div_euclid(SECONDS_PER_DAY)
    }

    /// True when `now` is past [`Certificate::not_after`].
    pub fn is_expired(&self, now: OffsetDateTime) -> bool {
        now > self.not_after
    }

    /// True when `now` lies within the validity period (both ends included).
    pub fn is_valid_at(&self, now: OffsetDateTime) -> bool {
        self.not_before <= now && now <= self.not_after
    }

    /// The name of the public key's algorithm, e.g. `RSA` or `EC`.
    pub fn public_key_algorithm(&self) -> &str {
        &self.public_key_algorithm
    }

    /// The public key as a `PUBLIC KEY` (SPKI) PEM block, which
    /// `jsonwebtoken::DecodingKey::from_rsa_pem` and `openssl` accept.
    pub fn public_key_pem(&self) -> String {
        pem::encode_config(
            &pem::Pem::new("PUBLIC KEY", self.public_key_der.clone()),
            pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF),
        )
    }

    /// A `jsonwebtoken` key that verifies RS256 signatures made by the certificate's key.
    ///
    /// # Errors
    ///
    /// [`Error::CertificateKeyNotRsa`] when the certificate's key is not RSA.
    pub fn decoding_key(&self) -> Result<jsonwebtoken::DecodingKey> {
        let public = self
            .rsa_public_key
            .as_ref()
            .ok_or_else(|| Error::CertificateKeyNotRsa {
                fingerprint: self.fingerprint,
                algorithm: self.public_key_algorithm.clone(),
            })?;
        use rsa::pkcs1::EncodeRsaPublicKey;
        let pkcs1 = public.to_pkcs1_der().map_err(|source| Error::KeyEncoding {
            format: "PKCS#1",
            source: Box::new(source),
        })?;
        Ok(jsonwebtoken::DecodingKey::from_rsa_der(pkcs1.as_bytes()))
    }

    /// Writes the certificate as PEM to a file created with mode 0644.
    ///
    /// # Errors
    ///
    /// [`Error::FileExists`] when the file exists and `overwrite` is false,
    /// [`Error::WriteFile`] when writing fails.
    pub fn write_pem_file(&self, path: impl AsRef<Path>, overwrite: bool) -> Result<()> {
        files::write_file(
            path.as_ref(),
            self.to_pem().as_bytes(),
            PUBLIC_MODE,
            overwrite,
        )
    }

    pub(crate) fn rsa_public_key(&self) -> Option<&rsa::PublicKey> {
        self.rsa_public_key.as_ref()
    }
}

impl fmt::Debug for Certificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Certificate")
            .field("subject", &self.subject)
            .field("serial", &self.serial)
            .field("not_before", &self.not_before)
            .field("not_after", &self.not_after)
            .field("sha256", &self.fingerprint)
            .finish_non_exhaustive()
    }
}

impl fmt::Display for Certificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "certificate `{}` (SHA-256 {})",
            self.subject, self.fingerprint
        )
    }
}

impl PartialEq for Certificate {
    fn eq(&self, other: &Self) -> bool {
        self.der == other.der
    }
}

impl Eq for Certificate {}

/// A positive 127-bit serial: random, as RFC 5280 asks, and never negative in DER.
fn random_serial() -> Result<[u8; 16]> {
    let mut serial = [0_u8; 16];
    getrandom::fill(&mut serial).map_err(|source| Error::CertificateGeneration {
        source: source.to_string().into(),
    })?;
    serial[0] = (serial[0] & 0x7f) | 0x01;
    Ok(serial)
}

fn serial_hex(raw: &[u8]) -> String {
    let start = raw
        .iter()
        .position(|&byte| byte != 0)
        .unwrap_or(raw.len().saturating_sub(1));
    hex::encode_upper(raw.get(start..).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serial_drops_leading_zero_bytes() {
        assert_eq!(serial_hex(&[0x00, 0x8f, 0x01]), "8F01");
        assert_eq!(serial_hex(&[0x00]), "00");
        assert_eq!(serial_hex(&[0x12]), "12");
    }

    #[test]
    fn rejects_bad_options() {
        let check = |options: CertificateOptions| options.check().unwrap_err().to_string();
        let mut options = CertificateOptions::new("  ");
        assert_eq!(
            check(options.clone()),
            "invalid certificate option `common_name`: must not be empty"
        );
        options.common_name = "x".repeat(65);
        assert!(check(options.clone()).contains("longer than 64"));
        options.common_name = "ok".to_owned();
        options.validity_days = 0;
        assert!(check(options.clone()).contains("`0` is outside 1 to 3650 days"));
        options.validity_days = 3651;
        assert!(check(options.clone()).contains("`3651`"));
        options.validity_days = 30;
        options.organization = Some("a\nb".to_owned());
        assert!(check(options).contains("`organization`"));
    }

    #[test]
    fn garbage_is_not_a_certificate() {
        assert!(matches!(
            Certificate::parse(b""),
            Err(Error::CertificateNotFound)
        ));
        assert!(matches!(
            Certificate::parse(b"hello world"),
            Err(Error::CertificateNotFound)
        ));
        assert!(matches!(
            Certificate::parse(b"AAAA"),
            Err(Error::CertificateMalformed { .. })
        ));
        assert!(matches!(
            Certificate::parse(&[0xff, 0x00, 0x30]),
            Err(Error::CertificateMalformed { .. })
        ));
    }
}
