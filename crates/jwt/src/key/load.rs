//! Turning the many shapes a private key arrives in into one RSA key, or a precise error.
//!
//! Keys reach sfiu from files, secret stores and CI variables. CI systems often flatten
//! newlines to a literal `\n` or ask for base64, and people regularly paste the certificate,
//! the public key or a key from another tool. Each of those is recognised and named, and no
//! message ever repeats any of the input.

use base64::Engine as _;
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs8::der::Decode;
use rsa::pkcs8::{DecodePrivateKey, ObjectIdentifier, PrivateKeyInfoRef, SubjectPublicKeyInfoRef};

use crate::error::shorten;
use crate::{Error, Result};

/// PEM begins with this marker; its absence means the text is base64 or garbage.
const PEM_MARKER: &str = "-----BEGIN";

/// Legacy OpenSSL encryption of a PKCS#1 key shows this header inside the PEM block.
const LEGACY_ENCRYPTION_HEADER: &str = "Proc-Type: 4,ENCRYPTED";

const OID_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");

/// Names of the key algorithms people most often meet.
const KNOWN_ALGORITHMS: &[(&str, &str)] = &[
    ("1.2.840.113549.1.1.1", "RSA"),
    ("1.2.840.113549.1.1.10", "RSA-PSS"),
    ("1.2.840.10045.2.1", "EC"),
    ("1.3.101.112", "Ed25519"),
    ("1.3.101.113", "Ed448"),
    ("1.3.101.110", "X25519"),
    ("1.3.101.111", "X448"),
    ("1.2.840.10040.4.1", "DSA"),
];

/// Parses a private key from any of the accepted text forms.
pub(super) fn from_text(text: &str) -> Result<rsa::PrivateKey> {
    let text = strip_quotes(text.trim());
    if text.contains(PEM_MARKER) {
        return from_pem(&unescape_newlines(text));
    }

    // Not PEM: the whole value may be the base64 of a PEM file or of DER.
    let decoded = decode_base64(text).ok_or(Error::KeyNotFound)?;
    match std::str::from_utf8(&decoded) {
        Ok(inner) if inner.contains(PEM_MARKER) => from_pem(&unescape_newlines(inner.trim())),
        _ => from_der(&decoded),
    }
}

/// Parses a DER private key, recognising the common wrong inputs.
pub(super) fn from_der(der: &[u8]) -> Result<rsa::PrivateKey> {
    if let Ok(info) = PrivateKeyInfoRef::from_der(der) {
        return from_pkcs8_info(&info, der);
    }
    if let Ok(key) = rsa::PrivateKey::from_pkcs1_der(der) {
        return Ok(key);
    }
    if x509_parser::parse_x509_certificate(der).is_ok() {
        return Err(Error::CertificateInsteadOfKey);
    }
    if SubjectPublicKeyInfoRef::from_der(der).is_ok() {
        return Err(Error::PublicKeyInsteadOfPrivate);
    }
    if looks_like_encrypted_pkcs8(der) {
        return Err(Error::KeyEncrypted {
            format: "encrypted PKCS#8 DER",
        });
    }
    Err(Error::KeyNotFound)
}

fn from_pem(text: &str) -> Result<rsa::PrivateKey> {
    // Checked on the raw text because the PEM parser's own error would otherwise win.
    if text.contains(LEGACY_ENCRYPTION_HEADER) {
        return Err(Error::KeyEncrypted {
            format: "`Proc-Type: 4,ENCRYPTED` PEM",
        });
    }
    let blocks = pem::parse_many(text).map_err(|_| Error::KeyMalformed {
        format: "PEM",
        // The PEM parser's messages can quote bytes of the input, so none is chained.
        source: None,
    })?;
    let chosen = blocks
        .iter()
        .find(|block| block.tag().ends_with("PRIVATE KEY"))
        .or_else(|| blocks.first())
        .ok_or(Error::KeyNotFound)?;

    match chosen.tag() {
        "PRIVATE KEY" => {
            let info = PrivateKeyInfoRef::from_der(chosen.contents()).map_err(|source| {
                Error::KeyMalformed {
                    format: "PKCS#8",
                    source: Some(Box::new(source)),
                }
            })?;
            from_pkcs8_info(&info, chosen.contents())
        }
        "RSA PRIVATE KEY" => rsa::PrivateKey::from_pkcs1_der(chosen.contents()).map_err(|source| {
            Error::KeyMalformed {
                format: "PKCS#1",
                source: Some(Box::new(source)),
            }
        }),
        "ENCRYPTED PRIVATE KEY" => Err(Error::KeyEncrypted {
            format: "`ENCRYPTED PRIVATE KEY`",
        }),
        "EC PRIVATE KEY" => Err(Error::KeyNotRsa {
            algorithm: "EC".to_owned(),
        }),
        "DSA PRIVATE KEY" => Err(Error::KeyNotRsa {
            algorithm: "DSA".to_owned(),
        }),
        "CERTIFICATE" | "TRUSTED CERTIFICATE" | "X509 CERTIFICATE" => {
            Err(Error::CertificateInsteadOfKey)
        }
        "PUBLIC KEY" | "RSA PUBLIC KEY" => Err(Error::PublicKeyInsteadOfPrivate),
        "OPENSSH PRIVATE KEY" => Err(Error::UnsupportedKeyFormat {
            label: "OPENSSH PRIVATE KEY".to_owned(),
            advice: "convert a copy to PKCS#8 with `ssh-keygen -p -m PKCS8 -f <copy of the key>`",
        }),
        other => Err(Error::UnsupportedKeyFormat {
            label: shorten(other),
            advice: "give an unencrypted RSA key in PKCS#8 (`PRIVATE KEY`) or PKCS#1 \
                     (`RSA PRIVATE KEY`) PEM form",
        }),
    }
}

/// A readable name for a public-key algorithm OID (dotted form).
pub(crate) fn algorithm_name(oid: &str) -> String {
    KNOWN_ALGORITHMS
        .iter()
        .find(|(known, _)| *known == oid)
        .map_or_else(
            || format!("unknown (OID {})", shorten(oid)),
            |(_, name)| (*name).to_owned(),
        )
}

/// True when `der` decodes as a PKCS#8 or PKCS#1 private key, whatever its algorithm.
pub(crate) fn is_private_key_der(der: &[u8]) -> bool {
    PrivateKeyInfoRef::from_der(der).is_ok() || rsa::PrivateKey::from_pkcs1_der(der).is_ok()
}

fn from_pkcs8_info(info: &PrivateKeyInfoRef<'_>, der: &[u8]) -> Result<rsa::PrivateKey> {
    let oid = info.algorithm.oid;
    if oid != OID_RSA {
        return Err(Error::KeyNotRsa {
            algorithm: algorithm_name(&oid.to_string()),
        });
    }
    rsa::PrivateKey::from_pkcs8_der(der).map_err(|source| Error::KeyMalformed {
        format: "PKCS#8",
        source: Some(Box::new(source)),
    })
}

/// Environment variables and JSON often carry PEM with each newline written as `\n`.
fn unescape_newlines(text: &str) -> String {
    text.replace("\\r\\n", "\n")
        .replace("\\n", "\n")
        .replace("\\r", "\n")
}

fn strip_quotes(text: &str) -> &str {
    for quote in ['"', '\''] {
        if let Some(inner) = text
            .strip_prefix(quote)
            .and_then(|rest| rest.strip_suffix(quote))
        {
            return inner.trim();
        }
    }
    text
}

/// Decodes standard or URL-safe base64, with or without padding and line breaks.
fn decode_base64(text: &str) -> Option<Vec<u8>> {
    use base64::engine::DecodePaddingMode;
    use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};

    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    if compact.is_empty() {
        return None;
    }
    let lenient =
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent);
    let standard = GeneralPurpose::new(&base64::alphabet::STANDARD, lenient);
    let url_safe = GeneralPurpose::new(&base64::alphabet::URL_SAFE, lenient);
    standard
        .decode(&compact)
        .or_else(|_| url_safe.decode(&compact))
        .ok()
}

/// EncryptedPrivateKeyInfo is a SEQUENCE that opens with another SEQUENCE (the algorithm),
/// where PrivateKeyInfo opens with an INTEGER (the version).
fn looks_like_encrypted_pkcs8(der: &[u8]) -> bool {
    const SEQUENCE: u8 = 0x30;
    let Some((&SEQUENCE, rest)) = der.split_first() else {
        return false;
    };
    let Some((&length, rest)) = rest.split_first() else {
        return false;
    };
    let skip = if length & 0x80 == 0 {
        0
    } else {
        usize::from(length & 0x7f)
    };
    rest.get(skip) == Some(&SEQUENCE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unescapes_literal_newlines() {
        assert_eq!(unescape_newlines("a\\nb\\r\\nc"), "a\nb\nc");
    }

    #[test]
    fn strips_one_pair_of_quotes() {
        assert_eq!(strip_quotes("\"abc\""), "abc");
        assert_eq!(strip_quotes("'abc'"), "abc");
        assert_eq!(strip_quotes("\"abc"), "\"abc");
    }

    #[test]
    fn decodes_padded_unpadded_and_wrapped_base64() {
        assert_eq!(decode_base64("aGVsbG8=").as_deref(), Some(&b"hello"[..]));
        assert_eq!(decode_base64("aGVsbG8").as_deref(), Some(&b"hello"[..]));
        assert_eq!(decode_base64("aGVs\nbG8=").as_deref(), Some(&b"hello"[..]));
        assert_eq!(decode_base64("not base64!"), None);
        assert_eq!(decode_base64("   "), None);
    }

    #[test]
    fn garbage_is_key_not_found() {
        for input in ["", "hello world", "-----BEGIN", "AAAA", "\u{0}\u{1}"] {
            let error = from_text(input).unwrap_err();
            assert!(
                matches!(error, Error::KeyNotFound | Error::KeyMalformed { .. }),
                "{input:?}: {error:?}"
            );
        }
    }

    #[test]
    fn classifies_labels_without_parsing_contents() {
        let check = |label: &str| {
            let text = pem::encode(&pem::Pem::new(label, vec![1, 2, 3]));
            from_text(&text).unwrap_err()
        };
        assert!(matches!(
            check("ENCRYPTED PRIVATE KEY"),
            Error::KeyEncrypted { .. }
        ));
        assert!(
            matches!(check("EC PRIVATE KEY"), Error::KeyNotRsa { algorithm } if algorithm == "EC")
        );
        assert!(matches!(
            check("CERTIFICATE"),
            Error::CertificateInsteadOfKey
        ));
        assert!(matches!(
            check("PUBLIC KEY"),
            Error::PublicKeyInsteadOfPrivate
        ));
        assert!(matches!(
            check("OPENSSH PRIVATE KEY"),
            Error::UnsupportedKeyFormat { .. }
        ));
        assert!(matches!(
            check("CERTIFICATE REQUEST"),
            Error::UnsupportedKeyFormat { .. }
        ));
        assert!(matches!(
            check("PRIVATE KEY"),
            Error::KeyMalformed {
                format: "PKCS#8",
                ..
            }
        ));
        assert!(matches!(
            check("RSA PRIVATE KEY"),
            Error::KeyMalformed {
                format: "PKCS#1",
                ..
            }
        ));
    }

    #[test]
    fn recognises_encrypted_pkcs8_shape() {
        assert!(looks_like_encrypted_pkcs8(&[0x30, 0x05, 0x30, 0x00]));
        assert!(looks_like_encrypted_pkcs8(&[0x30, 0x82, 0x01, 0x00, 0x30]));
        assert!(!looks_like_encrypted_pkcs8(&[0x30, 0x05, 0x02, 0x01, 0x00]));
        assert!(!looks_like_encrypted_pkcs8(&[]));
    }
}
