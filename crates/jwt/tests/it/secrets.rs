use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use sfiu_jwt::{Assertion, Audience, Certificate, Error, PrivateKey};

use crate::{chain, data, key_a, now, read};

/// Every 12-character window of the key's base64 lines: if any of them shows up in a
/// message, part of the key leaked.
fn key_fragments() -> Vec<String> {
    let mut fragments = Vec::new();
    for name in ["test-key-a.pkcs8.pem", "test-key-a.pkcs1.pem"] {
        for line in read(name).lines().filter(|line| !line.starts_with("-----")) {
            let chars: Vec<char> = line.chars().collect();
            for window in chars.windows(12) {
                fragments.push(window.iter().collect());
            }
        }
    }
    fragments
}

fn assert_no_fragment(text: &str, fragments: &[String], what: &str) {
    for fragment in fragments {
        assert!(
            !text.contains(fragment.as_str()),
            "{what} leaks `{fragment}`: {text}"
        );
    }
}

/// Inputs made from key A's own bytes that each fail to load.
fn failing_inputs() -> Vec<(&'static str, Error)> {
    let pkcs8 = read("test-key-a.pkcs8.pem");
    let pkcs1 = read("test-key-a.pkcs1.pem");
    let truncated: String =
        pkcs8.lines().take(8).collect::<Vec<_>>().join("\n") + "\n-----END PRIVATE KEY-----\n";
    let damaged_base64 = pkcs8.replacen('A', "!", 3);
    let body_only: String = pkcs8
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .take(5)
        .collect();
    let relabelled = pkcs1.replace("RSA PRIVATE KEY", "SECRET THING");
    let as_certificate = pkcs8.replace("PRIVATE KEY", "CERTIFICATE");
    let inputs = [
        ("truncated", PrivateKey::from_text(&truncated)),
        ("damaged base64", PrivateKey::from_text(&damaged_base64)),
        ("body only", PrivateKey::from_text(&body_only)),
        (
            "base64 of truncated",
            PrivateKey::from_text(&STANDARD.encode(&truncated)),
        ),
        ("relabelled", PrivateKey::from_text(&relabelled)),
        (
            "half a DER",
            PrivateKey::from_der(&fs_err::read(data("test-key-a.pkcs8.der")).unwrap()[..600]),
        ),
        (
            "encrypted",
            PrivateKey::from_file(data("test-key-encrypted.pkcs8.pem")),
        ),
        (
            "key as certificate",
            Certificate::parse(pkcs8.as_bytes()).map(|_| key_a()),
        ),
        (
            "relabelled key as certificate",
            Certificate::parse(as_certificate.as_bytes()).map(|_| key_a()),
        ),
        (
            "key body as certificate",
            Certificate::from_base64_body(&body_only).map(|_| key_a()),
        ),
    ];
    inputs
        .into_iter()
        .map(|(name, result)| (name, result.unwrap_err()))
        .collect()
}

#[test]
fn no_error_quotes_the_key() {
    let fragments = key_fragments();
    for (name, error) in failing_inputs() {
        assert_no_fragment(&chain(&error), &fragments, name);
        assert_no_fragment(&format!("{error:?}"), &fragments, name);
        assert_no_fragment(&format!("{error:#?}"), &fragments, name);
    }
}

#[test]
fn key_debug_and_display_show_no_key() {
    let key = key_a();
    let debug = format!("{key:?}");
    let display = key.to_string();
    assert_no_fragment(&debug, &key_fragments(), "Debug");
    assert_no_fragment(&format!("{key:#?}"), &key_fragments(), "alternate Debug");
    assert_no_fragment(&display, &key_fragments(), "Display");
    insta::assert_snapshot!(debug, @r#"PrivateKey { bits: 2048, sha256_of_public_key: "07:1C:8C:85:B6:36:8B:AB:51:C9:0F:84:61:78:C6:23:CA:81:C3:2C:1A:FA:D8:4B:10:10:2A:81:43:3C:9C:3C" }"#);
    insta::assert_snapshot!(display, @"RSA-2048 private key (public key SHA-256 07:1C:8C:85:B6:36:8B:AB:51:C9:0F:84:61:78:C6:23:CA:81:C3:2C:1A:FA:D8:4B:10:10:2A:81:43:3C:9C:3C)");
}

#[test]
fn signed_assertion_debug_and_display_hide_the_token() {
    let signed = Assertion::new(
        "3MVG9consumerkey",
        "int@acme.example",
        Audience::production(),
    )
    .unwrap()
    .sign(&key_a(), now())
    .unwrap();
    let token = signed.expose();
    let signature = token.rsplit('.').next().unwrap();
    for text in [
        format!("{signed:?}"),
        format!("{signed:#?}"),
        signed.to_string(),
    ] {
        assert!(!text.contains(token));
        assert!(!text.contains(&signature[..16]), "{text}");
    }
    insta::assert_snapshot!(format!("{signed:?}"), @r#"SignedAssertion { token: "<redacted>", claims: Claims { iss: "3MVG9consumerkey", sub: "int@acme.example", aud: "https://login.salesforce.com", exp: 1700000180 } }"#);
    insta::assert_snapshot!(signed.to_string(), @"<redacted JWT assertion for `int@acme.example` at `https://login.salesforce.com`>");
}

#[test]
fn verification_errors_do_not_quote_the_token() {
    let signed = Assertion::new(
        "3MVG9consumerkey",
        "int@acme.example",
        Audience::production(),
    )
    .unwrap()
    .sign(&key_a(), now())
    .unwrap();
    let token = signed.expose();
    let signature = token.rsplit('.').next().unwrap();
    let wrong = Certificate::from_file(data("test-cert-b.pem")).unwrap();
    let broken = format!(
        "{}.!!{}",
        &token[..token.len() - signature.len() - 1],
        signature
    );
    for candidate in [token.to_owned(), broken, token.replacen('e', "%", 1)] {
        let error = sfiu_jwt::verify_assertion(&candidate, &wrong).unwrap_err();
        for text in [chain(&error), format!("{error:?}")] {
            assert!(!text.contains(&signature[..16]), "{text}");
            assert!(!text.contains(&token[..24]), "{text}");
        }
    }
}
