use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use sfiu_jwt::{Assertion, Audience, Error, PrivateKey};

use crate::{certificate_a, chain, data, key_a, now, read};

fn sign(key: &PrivateKey) -> String {
    Assertion::new("3MVG9test", "int@example.com", Audience::production())
        .unwrap()
        .sign(key, now())
        .unwrap()
        .expose()
        .to_owned()
}

fn literal_newlines(pem: &str) -> String {
    pem.trim_end().replace('\n', "\\n")
}

#[test]
fn every_key_form_gives_the_same_signature() {
    let pkcs8 = read("test-key-a.pkcs8.pem");
    let pkcs1 = read("test-key-a.pkcs1.pem");
    let der = fs_err::read(data("test-key-a.pkcs8.der")).unwrap();
    let forms = [
        (
            "PKCS#8 PEM file",
            PrivateKey::from_file(data("test-key-a.pkcs8.pem")),
        ),
        (
            "PKCS#1 PEM file",
            PrivateKey::from_file(data("test-key-a.pkcs1.pem")),
        ),
        (
            "PKCS#8 DER file",
            PrivateKey::from_file(data("test-key-a.pkcs8.der")),
        ),
        (
            "PKCS#8 literal \\n",
            PrivateKey::from_text(&literal_newlines(&pkcs8)),
        ),
        (
            "PKCS#1 literal \\n",
            PrivateKey::from_text(&literal_newlines(&pkcs1)),
        ),
        (
            "quoted literal \\n",
            PrivateKey::from_text(&format!("\"{}\"", literal_newlines(&pkcs8))),
        ),
        (
            "CRLF PEM",
            PrivateKey::from_text(&pkcs8.replace('\n', "\r\n")),
        ),
        (
            "base64 of PKCS#8 PEM",
            PrivateKey::from_text(&STANDARD.encode(&pkcs8)),
        ),
        (
            "base64 of PKCS#1 PEM",
            PrivateKey::from_text(&STANDARD.encode(&pkcs1)),
        ),
        (
            "base64 of DER",
            PrivateKey::from_text(&STANDARD.encode(&der)),
        ),
        ("DER bytes", PrivateKey::from_der(&der)),
        (
            "PEM after a certificate",
            PrivateKey::from_text(&(read("test-cert-a.pem") + &pkcs1)),
        ),
    ];

    let expected = sign(&key_a());
    for (form, key) in forms {
        let key = key.unwrap_or_else(|error| panic!("{form}: {}", chain(&error)));
        assert_eq!(key.bits(), 2048, "{form}");
        assert_eq!(sign(&key), expected, "{form}");
    }
}

#[test]
fn public_key_fingerprint_matches_openssl() {
    // `openssl rsa -in test-key-a.pkcs8.pem -pubout -outform DER | sha256sum`
    assert_eq!(
        key_a().public_key_fingerprint().to_hex(),
        "071c8c85b6368bab51c90f846178c623ca81c32c1afad84b10102a81433c9c3c"
    );
    let spki = key_a().public_key_pem();
    assert!(spki.starts_with("-----BEGIN PUBLIC KEY-----"));
    assert_eq!(spki, certificate_a().public_key_pem());
}

fn load_error(name: &str) -> Error {
    PrivateKey::from_file(data(name)).unwrap_err()
}

#[test]
fn encrypted_keys_are_reported_with_the_fix() {
    for name in [
        "test-key-encrypted.pkcs8.pem",
        "test-key-encrypted.legacy.pem",
    ] {
        let error = load_error(name);
        assert!(
            matches!(error, Error::KeyEncrypted { .. }),
            "{name}: {error:?}"
        );
        let message = error.to_string();
        assert!(
            message.starts_with("the private key is encrypted"),
            "{message}"
        );
        assert!(message.contains("openssl pkey -in"), "{message}");
    }
    assert!(
        load_error("test-key-encrypted.pkcs8.pem")
            .to_string()
            .contains("`ENCRYPTED PRIVATE KEY`")
    );
    assert!(
        load_error("test-key-encrypted.legacy.pem")
            .to_string()
            .contains("Proc-Type")
    );
}

#[test]
fn non_rsa_keys_name_their_algorithm() {
    for (name, algorithm) in [
        ("test-key-ec.pkcs8.pem", "EC"),
        ("test-key-ec.sec1.pem", "EC"),
        ("test-key-ed25519.pem", "Ed25519"),
    ] {
        let error = load_error(name);
        assert!(
            matches!(&error, Error::KeyNotRsa { algorithm: found } if found == algorithm),
            "{name}: {error:?}"
        );
        let message = error.to_string();
        assert!(message.contains(&format!("`{algorithm}` key")), "{message}");
        assert!(message.contains("RS256"), "{message}");
    }
}

#[test]
fn wrong_inputs_get_specific_errors() {
    assert!(matches!(
        load_error("test-cert-a.pem"),
        Error::CertificateInsteadOfKey
    ));
    assert!(matches!(
        load_error("test-cert-a.der"),
        Error::CertificateInsteadOfKey
    ));
    assert!(matches!(
        PrivateKey::from_text(&STANDARD.encode(read("test-cert-a.pem"))),
        Err(Error::CertificateInsteadOfKey)
    ));
    assert!(matches!(
        PrivateKey::from_text(&certificate_a().public_key_pem()),
        Err(Error::PublicKeyInsteadOfPrivate)
    ));
    assert!(matches!(
        load_error("test-key-openssh.pem"),
        Error::UnsupportedKeyFormat { label, .. } if label == "OPENSSH PRIVATE KEY"
    ));
    assert!(
        load_error("test-key-openssh.pem")
            .to_string()
            .contains("ssh-keygen -p -m PKCS8")
    );
    assert!(matches!(
        load_error("test-key-1024.pem"),
        Error::KeyTooSmall { bits: 1024 }
    ));
    assert_eq!(
        load_error("test-key-1024.pem").to_string(),
        "the RSA key has 1024 bits; use at least 2048"
    );
}

#[test]
fn garbage_is_reported_as_no_key_found() {
    for garbage in [
        "",
        "   ",
        "hello world",
        "password123!",
        "{\"private_key\": 1}",
        "AAAA",
    ] {
        let error = PrivateKey::from_text(garbage).unwrap_err();
        assert!(
            matches!(error, Error::KeyNotFound),
            "{garbage:?}: {error:?}"
        );
        assert!(
            error.to_string().starts_with("no private key found"),
            "{error}"
        );
    }
    assert!(matches!(
        PrivateKey::from_der(&[0xde, 0xad, 0xbe, 0xef]),
        Err(Error::KeyNotFound)
    ));
}

#[test]
fn damaged_keys_are_malformed_not_missing() {
    let pkcs8 = read("test-key-a.pkcs8.pem");
    let mut lines: Vec<&str> = pkcs8.lines().collect();
    lines.remove(5);
    let truncated = lines.join("\n");
    let error = PrivateKey::from_text(&truncated).unwrap_err();
    assert!(
        matches!(
            error,
            Error::KeyMalformed {
                format: "PKCS#8",
                ..
            }
        ),
        "{error:?}"
    );

    let broken_base64 = pkcs8.replacen('M', "*", 2);
    let error = PrivateKey::from_text(&broken_base64).unwrap_err();
    assert!(
        matches!(error, Error::KeyMalformed { format: "PEM", .. }),
        "{error:?}"
    );
}

#[test]
fn missing_file_names_the_path() {
    let path = data("no-such-key.pem");
    let error = PrivateKey::from_file(&path).unwrap_err();
    assert!(matches!(&error, Error::ReadFile { path: p, .. } if p == &path));
    assert!(error.to_string().contains("no-such-key.pem"));
}

#[test]
fn key_and_certificate_mismatch_is_detected() {
    let key_a = key_a();
    let key_b = PrivateKey::from_file(data("test-key-b.pkcs8.pem")).unwrap();
    let certificate_a = certificate_a();
    let certificate_ec = sfiu_jwt::Certificate::from_file(data("test-cert-ec.pem")).unwrap();

    assert!(key_a.matches(&certificate_a));
    key_a.check_matches(&certificate_a).unwrap();
    assert!(!key_b.matches(&certificate_a));
    assert!(!key_a.matches(&certificate_ec));

    let error = key_b.check_matches(&certificate_a).unwrap_err();
    let message = error.to_string();
    assert!(matches!(error, Error::KeyCertificateMismatch { .. }));
    assert!(
        message.contains(&certificate_a.fingerprint().to_string()),
        "{message}"
    );
    assert!(
        message.contains(&key_b.public_key_fingerprint().to_string()),
        "{message}"
    );
    assert!(
        message.starts_with("the private key does not match the certificate"),
        "{message}"
    );
}

#[test]
fn exposed_pem_round_trips() {
    let key = key_a();
    let pem = key.expose_pkcs8_pem().unwrap();
    assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----\n"));
    let again = PrivateKey::from_text(&pem).unwrap();
    assert_eq!(again.public_key_fingerprint(), key.public_key_fingerprint());
}
