//! SHA-256 fingerprints: the identifiers a runbook records and an admin compares by eye.
//!
//! The text form is the one `openssl x509 -noout -fingerprint -sha256` prints (upper-case hex
//! pairs joined by colons), so a value from sfiu can be checked against OpenSSL directly.

use std::fmt;

use sha2::{Digest, Sha256};

/// A SHA-256 digest of DER bytes (a certificate, or a public key's SPKI).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fingerprint([u8; 32]);

impl Fingerprint {
    /// Hashes `der` with SHA-256.
    pub fn of(der: &[u8]) -> Self {
        Self(Sha256::digest(der).into())
    }

    /// The raw 32 digest bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Lower-case hex without separators (64 characters), for file names and JSON.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, byte) in self.0.iter().enumerate() {
            if index > 0 {
                f.write_str(":")?;
            }
            write!(f, "{byte:02X}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{self}\"")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_openssl() {
        let fingerprint = Fingerprint::of(b"abc");
        assert_eq!(
            fingerprint.to_string(),
            "BA:78:16:BF:8F:01:CF:EA:41:41:40:DE:5D:AE:22:23:B0:03:61:A3:96:17:7A:9C:B4:10:FF:61:\
             F2:00:15:AD"
        );
        assert_eq!(
            fingerprint.to_hex(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
