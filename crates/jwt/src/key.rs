//! The RSA private key that signs JWT bearer assertions.
//!
//! [`PrivateKey`] is a secret type: it can be loaded (see the `load` submodule for the accepted
//! forms), generated, written to a file created with mode 0600, and compared with a
//! [`Certificate`], but its `Debug` and `Display` show only its size and the fingerprint of its
//! public half, and the only way to get the key's bytes out is the explicitly named
//! [`PrivateKey::expose_pkcs8_pem`].

mod load;

pub(crate) use load::{algorithm_name, is_private_key_der};

use std::fmt;
use std::path::Path;

use rsa::pkcs1::EncodeRsaPrivateKey;
use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
use rsa::traits::PublicKeyParts;

use crate::files::{self, PRIVATE_MODE};
use crate::{Certificate, Error, Fingerprint, Result};

/// The smallest RSA modulus Salesforce accepts for a JWT signing certificate.
pub(crate) const MIN_BITS: usize = 2048;

/// The size of a newly generated RSA key.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeySize {
    /// 2048 bits: what Salesforce documents and most tools produce.
    #[default]
    Rsa2048,
    /// 3072 bits.
    Rsa3072,
    /// 4096 bits: slower to generate and to sign with, for policies that ask for it.
    Rsa4096,
}

impl KeySize {
    /// The modulus length in bits.
    pub fn bits(self) -> usize {
        match self {
            Self::Rsa2048 => 2048,
            Self::Rsa3072 => 3072,
            Self::Rsa4096 => 4096,
        }
    }
}

/// An RSA private key able to sign RS256 assertions.
///
/// `Debug` prints `PrivateKey { bits: 2048, sha256_of_public_key: ".." }` and `Display` prints
/// `RSA-2048 private key (public key SHA-256 ..)`; neither shows any part of the key.
#[derive(Clone)]
pub struct PrivateKey {
    key: rsa::PrivateKey,
    encoding_key: jsonwebtoken::EncodingKey,
    public_key_der: Vec<u8>,
    public_key_fingerprint: Fingerprint,
}

impl PrivateKey {
    /// Generates a fresh RSA key from the operating system's random source.
    ///
    /// # Errors
    ///
    /// [`Error::KeyGeneration`] if the random source fails.
    pub fn generate(size: KeySize) -> Result<Self> {
        let bits = size.bits();
        let key = rsa::PrivateKey::new(&mut getrandom::SysRng, bits).map_err(|source| {
            Error::KeyGeneration {
                bits,
                source: Box::new(source),
            }
        })?;
        Self::from_rsa(key)
    }

    /// Reads a private key file: PEM (PKCS#1 or PKCS#8), DER, or any text form that
    /// [`PrivateKey::from_text`] accepts.
    ///
    /// # Errors
    ///
    /// [`Error::ReadFile`] if the file cannot be read, otherwise as [`PrivateKey::from_text`].
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let bytes = fs_err::read(path).map_err(|source| Error::ReadFile {
            path: path.to_owned(),
            source,
        })?;
        match std::str::from_utf8(&bytes) {
            Ok(text) => Self::from_text(text),
            Err(_) => Self::from_der(&bytes),
        }
    }

    /// Parses a private key from text, as it arrives from a file, a secret store or an
    /// environment variable.
    ///
    /// Accepted: a PEM `PRIVATE KEY` (PKCS#8) or `RSA PRIVATE KEY` (PKCS#1) block; the same
    /// text with each newline written as the two characters `\n`; and the base64 of the PEM
    /// text (or of the DER). Surrounding whitespace and one pair of quotes are ignored. When
    /// several PEM blocks are present (a certificate and its key, say) the private key is used.
    ///
    /// # Errors
    ///
    /// A specific error for an encrypted key ([`Error::KeyEncrypted`]), a non-RSA key
    /// ([`Error::KeyNotRsa`]), a certificate or public key given by mistake
    /// ([`Error::CertificateInsteadOfKey`], [`Error::PublicKeyInsteadOfPrivate`]), another PEM
    /// type ([`Error::UnsupportedKeyFormat`]), a damaged key ([`Error::KeyMalformed`]), a key
    /// under 2048 bits ([`Error::KeyTooSmall`]) and anything else ([`Error::KeyNotFound`]).
    pub fn from_text(text: &str) -> Result<Self> {
        Self::from_rsa(load::from_text(text)?)
    }

    /// Parses a DER private key (PKCS#8 or PKCS#1).
    ///
    /// # Errors
    ///
    /// As [`PrivateKey::from_text`].
    pub fn from_der(der: &[u8]) -> Result<Self> {
        Self::from_rsa(load::from_der(der)?)
    }

    fn from_rsa(key: rsa::PrivateKey) -> Result<Self> {
        let bits = key.n().bit_width() as usize;
        if bits < MIN_BITS {
            return Err(Error::KeyTooSmall { bits });
        }
        let pkcs1 = key.to_pkcs1_der().map_err(|source| Error::KeyEncoding {
            format: "PKCS#1",
            source: Box::new(source),
        })?;
        let public_key_der = key
            .as_public_key()
            .to_public_key_der()
            .map_err(|source| Error::KeyEncoding {
                format: "SPKI",
                source: Box::new(source),
            })?
            .into_vec();
        Ok(Self {
            encoding_key: jsonwebtoken::EncodingKey::from_rsa_der(pkcs1.as_bytes()),
            public_key_fingerprint: Fingerprint::of(&public_key_der),
            public_key_der,
            key,
        })
    }

    /// The modulus length in bits.
    pub fn bits(&self) -> usize {
        self.key.n().bit_width() as usize
    }

    /// SHA-256 of the public half's SubjectPublicKeyInfo DER; safe to log and record.
    pub fn public_key_fingerprint(&self) -> Fingerprint {
        self.public_key_fingerprint
    }

    /// The public half as a `PUBLIC KEY` (SPKI) PEM block.
    pub fn public_key_pem(&self) -> String {
        pem::encode_config(
            &pem::Pem::new("PUBLIC KEY", self.public_key_der.clone()),
            pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF),
        )
    }

    /// True when `certificate` carries this key's public half.
    pub fn matches(&self, certificate: &Certificate) -> bool {
        certificate
            .rsa_public_key()
            .is_some_and(|public| public == self.key.as_public_key())
    }

    /// Checks that `certificate` was made from this key, so that Salesforce will accept what
    /// this key signs; call it before uploading a certificate or sending an assertion.
    ///
    /// # Errors
    ///
    /// [`Error::KeyCertificateMismatch`] naming both fingerprints.
    pub fn check_matches(&self, certificate: &Certificate) -> Result<()> {
        if self.matches(certificate) {
            Ok(())
        } else {
            Err(Error::KeyCertificateMismatch {
                certificate: certificate.fingerprint(),
                key: self.public_key_fingerprint,
            })
        }
    }

    /// The key as a PKCS#8 `PRIVATE KEY` PEM block: the secret itself, for the one place that
    /// must store or hand it over.
    ///
    /// # Errors
    ///
    /// [`Error::KeyEncoding`] if the key cannot be encoded (not expected for a loaded key).
    pub fn expose_pkcs8_pem(&self) -> Result<String> {
        let pem = self
            .key
            .to_pkcs8_pem(LineEnding::LF)
            .map_err(|source| Error::KeyEncoding {
                format: "PKCS#8",
                source: Box::new(source),
            })?;
        Ok(pem.as_str().to_owned())
    }

    /// Writes the key as PKCS#8 PEM to a new file created with mode 0600 (owner only).
    ///
    /// An existing file is replaced only when `overwrite` is true; the replacement is a new
    /// file renamed into place, so it gets mode 0600 whatever the old file had.
    ///
    /// # Errors
    ///
    /// [`Error::FileExists`] naming the path when the file exists and `overwrite` is false,
    /// [`Error::WriteFile`] when writing fails.
    pub fn write_pem_file(&self, path: impl AsRef<Path>, overwrite: bool) -> Result<()> {
        let pem = self.expose_pkcs8_pem()?;
        files::write_file(path.as_ref(), pem.as_bytes(), PRIVATE_MODE, overwrite)
    }

    /// The key in the form the JWT library signs with.
    pub(crate) fn encoding_key(&self) -> &jsonwebtoken::EncodingKey {
        &self.encoding_key
    }
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrivateKey")
            .field("bits", &self.bits())
            .field("sha256_of_public_key", &self.public_key_fingerprint)
            .finish()
    }
}

impl fmt::Display for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "RSA-{} private key (public key SHA-256 {})",
            self.bits(),
            self.public_key_fingerprint
        )
    }
}
