use sfiu_jwt::{Certificate, CertificateOptions, Error, PrivateKey};
use sha2::{Digest, Sha256};
use time::{Duration, OffsetDateTime};

use crate::{certificate_a, data, key_a, now, read};

fn at(seconds: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(seconds).unwrap()
}

/// Values `openssl x509 -noout -fingerprint -sha256 -serial -dates` printed for certificate A.
#[test]
fn reads_what_openssl_reads() {
    let certificate = certificate_a();
    assert_eq!(
        certificate.fingerprint().to_string(),
        "DF:67:10:EF:71:CB:45:89:1D:5D:D5:A8:8F:F9:50:84:BE:9F:E9:AD:DA:F0:48:61:89:51:FE:DD:8E:53:03:F9"
    );
    assert_eq!(
        certificate.serial(),
        "3B95F352FBC2B2CB32396B21CAD62F999B5B93AC"
    );
    assert_eq!(certificate.subject(), "CN=sfiu test, O=Example Test");
    assert_eq!(certificate.issuer(), certificate.subject());
    assert_eq!(certificate.not_before(), at(1_796_402_241)); // 2026-12-04 16:37:21Z
    assert_eq!(certificate.not_after(), at(2_111_762_241)); // 2036-12-01 16:37:21Z
    assert_eq!(certificate.public_key_algorithm(), "RSA");
}

#[test]
fn fingerprint_is_sha256_of_the_der() {
    let der = fs_err::read(data("test-cert-a.der")).unwrap();
    let independent: Vec<String> = Sha256::digest(&der)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect();
    assert_eq!(
        certificate_a().fingerprint().to_string(),
        independent.join(":")
    );
    assert_eq!(certificate_a().der(), der.as_slice());
}

#[test]
fn every_certificate_form_parses_to_the_same_certificate() {
    let expected = certificate_a();
    let pem = read("test-cert-a.pem");
    let body: String = pem
        .lines()
        .filter(|line| !line.starts_with("-----"))
        .collect();
    let forms: Vec<(&str, Vec<u8>)> = vec![
        ("PEM", pem.clone().into_bytes()),
        ("DER", fs_err::read(data("test-cert-a.der")).unwrap()),
        ("one-line body", body.clone().into_bytes()),
        (
            "wrapped body",
            pem.lines()
                .filter(|l| !l.starts_with("-----"))
                .collect::<Vec<_>>()
                .join("\n")
                .into_bytes(),
        ),
        (
            "literal \\n PEM",
            pem.trim_end().replace('\n', "\\n").into_bytes(),
        ),
        (
            "key then certificate",
            (read("test-key-a.pkcs8.pem") + &pem).into_bytes(),
        ),
        ("to_pem", expected.to_pem().into_bytes()),
        ("to_base64_body", expected.to_base64_body().into_bytes()),
    ];
    for (form, input) in forms {
        let parsed = Certificate::parse(&input).unwrap_or_else(|error| panic!("{form}: {error}"));
        assert_eq!(parsed, expected, "{form}");
    }
    assert_eq!(expected.to_base64_body(), body);
    assert_eq!(expected.to_pem(), pem);
}

#[test]
fn expiry_arithmetic_uses_the_given_instant() {
    let certificate = certificate_a();
    let not_after = certificate.not_after();
    assert_eq!(certificate.days_left(not_after - Duration::days(30)), 30);
    assert_eq!(certificate.days_left(not_after - Duration::hours(23)), 0);
    assert_eq!(certificate.days_left(not_after + Duration::seconds(1)), -1);
    assert!(!certificate.is_expired(not_after));
    assert!(certificate.is_expired(not_after + Duration::seconds(1)));
    assert!(certificate.is_valid_at(certificate.not_before()));
    assert!(!certificate.is_valid_at(certificate.not_before() - Duration::seconds(1)));
}

#[test]
fn self_signed_certificate_has_the_requested_contents() {
    let key = key_a();
    let options = CertificateOptions {
        common_name: "sfiu hubspot".to_owned(),
        organization: Some("Acme".to_owned()),
        validity_days: 730,
    };
    let instant = now() + Duration::milliseconds(750);
    let certificate = Certificate::self_signed(&key, &options, instant).unwrap();

    assert_eq!(certificate.subject(), "CN=sfiu hubspot, O=Acme");
    assert_eq!(certificate.issuer(), certificate.subject());
    assert_eq!(certificate.not_before(), now());
    assert_eq!(certificate.not_after(), now() + Duration::days(730));
    assert_eq!(certificate.days_left(now()), 730);
    assert_eq!(certificate.serial().len(), 32, "16 random bytes");
    assert_eq!(certificate.public_key_algorithm(), "RSA");
    key.check_matches(&certificate).unwrap();
    assert_eq!(
        certificate.fingerprint().as_bytes().as_slice(),
        Sha256::digest(certificate.der()).as_slice()
    );
    // A fresh parse of its own output gives the same certificate.
    assert_eq!(
        Certificate::parse(certificate.to_pem().as_bytes()).unwrap(),
        certificate
    );

    let other = Certificate::self_signed(&key, &options, instant).unwrap();
    assert_ne!(other.serial(), certificate.serial(), "serials are random");
}

#[test]
fn time_zone_of_now_does_not_move_validity() {
    let key = key_a();
    let options = CertificateOptions::new("sfiu tz");
    let kolkata = now().to_offset(time::macros::offset!(+5:30));
    let certificate = Certificate::self_signed(&key, &options, kolkata).unwrap();
    assert_eq!(certificate.not_before(), now());
    assert_eq!(certificate.not_before().offset(), time::UtcOffset::UTC);
}

#[test]
fn public_key_pem_verifies_with_jsonwebtoken_directly() {
    let key = key_a();
    let token = sfiu_jwt::Assertion::new("k", "u@example.com", sfiu_jwt::Audience::production())
        .unwrap()
        .sign(&key, now())
        .unwrap();
    let decoding_key =
        jsonwebtoken::DecodingKey::from_rsa_pem(certificate_a().public_key_pem().as_bytes())
            .unwrap();
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    validation.validate_exp = false;
    validation.set_audience(&["https://login.salesforce.com"]);
    let decoded =
        jsonwebtoken::decode::<sfiu_jwt::Claims>(token.expose(), &decoding_key, &validation)
            .unwrap();
    assert_eq!(&decoded.claims, token.claims());
}

#[test]
fn wrong_inputs_are_named() {
    assert!(matches!(
        Certificate::parse(read("test-key-a.pkcs8.pem").as_bytes()),
        Err(Error::KeyInsteadOfCertificate)
    ));
    assert!(matches!(
        Certificate::parse(&fs_err::read(data("test-key-a.pkcs8.der")).unwrap()),
        Err(Error::KeyInsteadOfCertificate)
    ));
    let public = key_a().public_key_pem();
    assert!(matches!(
        Certificate::parse(public.as_bytes()),
        Err(Error::CertificateNotFound)
    ));
    assert!(matches!(
        Certificate::from_file(data("missing.pem")),
        Err(Error::ReadFile { .. })
    ));
}

#[test]
fn ec_certificate_parses_but_cannot_verify_rs256() {
    let certificate = Certificate::from_file(data("test-cert-ec.pem")).unwrap();
    assert_eq!(certificate.public_key_algorithm(), "EC");
    let error = certificate.decoding_key().unwrap_err();
    assert!(matches!(error, Error::CertificateKeyNotRsa { .. }));
    assert!(
        error.to_string().contains("holds a `EC` public key"),
        "{error}"
    );
    assert!(
        !PrivateKey::from_file(data("test-key-b.pkcs8.pem"))
            .unwrap()
            .matches(&certificate)
    );
}

#[test]
fn debug_and_display_summarise() {
    let certificate = certificate_a();
    insta::assert_snapshot!(certificate.to_string(), @"certificate `CN=sfiu test, O=Example Test` (SHA-256 DF:67:10:EF:71:CB:45:89:1D:5D:D5:A8:8F:F9:50:84:BE:9F:E9:AD:DA:F0:48:61:89:51:FE:DD:8E:53:03:F9)");
    insta::assert_snapshot!(format!("{certificate:?}"), @r#"Certificate { subject: "CN=sfiu test, O=Example Test", serial: "3B95F352FBC2B2CB32396B21CAD62F999B5B93AC", not_before: 2026-12-04 16:37:21.0 +00:00:00, not_after: 2036-12-01 16:37:21.0 +00:00:00, sha256: "DF:67:10:EF:71:CB:45:89:1D:5D:D5:A8:8F:F9:50:84:BE:9F:E9:AD:DA:F0:48:61:89:51:FE:DD:8E:53:03:F9", .. }"#);
}
