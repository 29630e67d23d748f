use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sfiu_jwt::{
    Assertion, Audience, Certificate, CertificateOptions, Claims, Error, PrivateKey,
    verify_assertion,
};
use time::Duration;

use crate::{NOW_SECONDS, certificate_a, data, key_a, now};

fn assertion() -> Assertion {
    Assertion::new(
        "3MVG9consumerkey",
        "integration-hubspot@acme.example",
        Audience::production(),
    )
    .unwrap()
}

#[test]
fn token_has_the_documented_shape() {
    let signed = assertion().sign(&key_a(), now()).unwrap();
    let parts: Vec<&str> = signed.expose().split('.').collect();
    assert_eq!(parts.len(), 3);
    let header = String::from_utf8(URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
    let payload = String::from_utf8(URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    assert_eq!(header, r#"{"typ":"JWT","alg":"RS256"}"#);
    assert_eq!(
        payload,
        r#"{"iss":"3MVG9consumerkey","sub":"integration-hubspot@acme.example","aud":"https://login.salesforce.com","exp":1700000180}"#
    );
    assert_eq!(
        URL_SAFE_NO_PAD.decode(parts[2]).unwrap().len(),
        256,
        "RSA-2048 signature"
    );
}

#[test]
fn signed_assertion_verifies_with_a_generated_certificate() {
    let key = key_a();
    let certificate =
        Certificate::self_signed(&key, &CertificateOptions::new("sfiu"), now()).unwrap();
    let signed = assertion()
        .with_lifetime(Duration::seconds(60))
        .unwrap()
        .sign(&key, now())
        .unwrap();

    let claims = verify_assertion(signed.expose(), &certificate).unwrap();

    assert_eq!(
        claims,
        Claims {
            iss: "3MVG9consumerkey".to_owned(),
            sub: "integration-hubspot@acme.example".to_owned(),
            aud: "https://login.salesforce.com".to_owned(),
            exp: NOW_SECONDS + 60,
        }
    );
    assert_eq!(&claims, signed.claims());
    // OpenSSL's certificate for the same key verifies it too.
    assert_eq!(
        verify_assertion(signed.expose(), &certificate_a()).unwrap(),
        claims
    );
}

#[test]
fn other_certificate_fails_with_its_fingerprint() {
    let signed = assertion().sign(&key_a(), now()).unwrap();
    let other = Certificate::from_file(data("test-cert-b.pem")).unwrap();
    let error = verify_assertion(signed.expose(), &other).unwrap_err();
    assert!(
        matches!(&error, Error::AssertionSignature { certificate } if *certificate == other.fingerprint())
    );
    assert!(error.to_string().contains(&other.fingerprint().to_string()));
}

#[test]
fn audiences_are_carried_verbatim() {
    let key = key_a();
    for (audience, expected) in [
        (Audience::production(), "https://login.salesforce.com"),
        (Audience::sandbox(), "https://test.salesforce.com"),
        (
            Audience::custom("https://acme.my.salesforce.com/").unwrap(),
            "https://acme.my.salesforce.com",
        ),
    ] {
        let signed = Assertion::new("k", "u@example.com", audience)
            .unwrap()
            .sign(&key, now())
            .unwrap();
        assert_eq!(
            verify_assertion(signed.expose(), &certificate_a())
                .unwrap()
                .aud,
            expected
        );
    }
}

#[test]
fn exp_is_never_more_than_three_minutes_ahead() {
    let claims = assertion().claims(now());
    assert_eq!(claims.exp - NOW_SECONDS, 180);
    assert_eq!(claims.seconds_until_expiry(now()), 180);
    assert!(assertion().with_lifetime(Duration::seconds(181)).is_err());
}

#[test]
fn verification_leaves_expiry_to_the_caller() {
    let signed = assertion().sign(&key_a(), now()).unwrap();
    let later = now() + Duration::hours(1);
    let claims = verify_assertion(signed.expose(), &certificate_a()).unwrap();
    assert!(claims.is_expired(later));
    assert!(!claims.is_expired(now()));
}

fn forge(header: &str, payload: &str, signature: &[u8]) -> String {
    format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(payload),
        URL_SAFE_NO_PAD.encode(signature)
    )
}

#[test]
fn alg_none_and_hs256_are_refused() {
    let payload = r#"{"iss":"k","sub":"u@example.com","aud":"https://login.salesforce.com","exp":1700000180}"#;
    let none = forge(r#"{"alg":"none"}"#, payload, b"");
    let error = verify_assertion(&none, &certificate_a()).unwrap_err();
    assert!(
        matches!(&error, Error::AssertionAlgorithm { algorithm } if algorithm == "none"),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        "the assertion uses algorithm `none`; only `RS256` is accepted"
    );

    // The classic confusion attack: an HMAC keyed with the public key's PEM.
    let public_pem = certificate_a().public_key_pem();
    let hs256 = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &serde_json::from_str::<serde_json::Value>(payload).unwrap(),
        &jsonwebtoken::EncodingKey::from_secret(public_pem.as_bytes()).unwrap(),
    )
    .unwrap();
    assert!(matches!(
        verify_assertion(&hs256, &certificate_a()),
        Err(Error::AssertionAlgorithm { algorithm }) if algorithm == "HS256"
    ));
    let ps256 = forge(r#"{"alg":"PS256"}"#, payload, b"x");
    assert!(matches!(
        verify_assertion(&ps256, &certificate_a()),
        Err(Error::AssertionAlgorithm { .. })
    ));
}

#[test]
fn tampered_or_malformed_tokens_are_refused() {
    let signed = assertion().sign(&key_a(), now()).unwrap();
    let parts: Vec<&str> = signed.expose().split('.').collect();
    let other_payload = URL_SAFE_NO_PAD.encode(
        r#"{"iss":"3MVG9consumerkey","sub":"admin@acme.example","aud":"https://login.salesforce.com","exp":1700000180}"#,
    );
    let tampered = format!("{}.{}.{}", parts[0], other_payload, parts[2]);
    assert!(matches!(
        verify_assertion(&tampered, &certificate_a()),
        Err(Error::AssertionSignature { .. })
    ));

    for malformed in [
        "",
        "a.b",
        "a.b.c.d",
        "not a jwt",
        &format!("{}.{}", parts[0], parts[1]),
    ] {
        let error = verify_assertion(malformed, &certificate_a()).unwrap_err();
        assert!(
            matches!(error, Error::AssertionMalformed { .. }),
            "{malformed:?}: {error:?}"
        );
    }
    let bad_signature = format!("{}.{}.%%%", parts[0], parts[1]);
    assert!(matches!(
        verify_assertion(&bad_signature, &certificate_a()),
        Err(Error::AssertionMalformed { .. })
    ));
}

#[test]
fn legacy_prn_and_millisecond_exp_are_decoded() {
    // sfdx-core sends `exp` in milliseconds and older clients send `prn`; both verify.
    let key = key_a();
    let encoding_key =
        jsonwebtoken::EncodingKey::from_rsa_pem(key.expose_pkcs8_pem().unwrap().as_bytes())
            .unwrap();
    let payload = serde_json::json!({
        "iss": "k", "prn": "u@example.com", "aud": "https://test.salesforce.com", "exp": 1_700_000_300_000_i64
    });
    let token = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256),
        &payload,
        &encoding_key,
    )
    .unwrap();
    let claims = verify_assertion(&token, &certificate_a()).unwrap();
    assert_eq!(claims.sub, "u@example.com");
    assert_eq!(claims.exp, 1_700_000_300_000);
    assert!(!claims.is_expired(now()));
    assert_eq!(claims.expires_at(), None);
}

#[test]
fn a_generated_key_signs_what_its_certificate_verifies() {
    let key = PrivateKey::generate(sfiu_jwt::KeySize::Rsa2048).unwrap();
    let certificate =
        Certificate::self_signed(&key, &CertificateOptions::new("fresh"), now()).unwrap();
    let signed = assertion().sign(&key, now()).unwrap();
    assert_eq!(
        verify_assertion(signed.expose(), &certificate).unwrap(),
        *signed.claims()
    );
    assert!(verify_assertion(signed.expose(), &certificate_a()).is_err());
}
