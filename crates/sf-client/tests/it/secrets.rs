//! Credentials never print: tokens, sessions, token responses and redacted URLs.

use sfiu_sf_client::{
    AccessToken, ClientSecret, Connection, JwtAssertion, RefreshToken, redact_url,
};

use crate::support::client;

#[test]
fn tokens_are_masked_in_debug_and_display() {
    let token = AccessToken::new("00D000000000001!VERYSECRET");
    assert_eq!(token.to_string(), "***");
    assert_eq!(format!("{token:?}"), "AccessToken(***)");
    assert_eq!(token.expose(), "00D000000000001!VERYSECRET");
    for shown in [
        format!("{:?}", RefreshToken::new("VERYSECRET")),
        RefreshToken::new("VERYSECRET").to_string(),
        format!("{:?}", ClientSecret::new("VERYSECRET")),
        format!("{:?}", JwtAssertion::new("VERYSECRET")),
        JwtAssertion::new("VERYSECRET").to_string(),
    ] {
        assert!(!shown.contains("VERYSECRET"), "{shown}");
    }
}

#[test]
fn connections_and_sessions_do_not_print_their_token() {
    let connection = Connection {
        instance_url: "https://acme.my.salesforce.com".into(),
        access_token: AccessToken::new("00D000000000001!VERYSECRET"),
        api_version: "v66.0".into(),
    };
    assert!(!format!("{connection:?}").contains("VERYSECRET"));
    let session = client().session(connection).unwrap();
    let shown = format!("{session:?}");
    assert!(!shown.contains("VERYSECRET"), "{shown}");
    assert_eq!(session.api_version(), "66.0");
}

#[test]
fn urls_with_credentials_are_redacted() {
    assert_eq!(
        redact_url("https://user:pw@acme.example/services/oauth2/token?refresh_token=abc&x=1"),
        "https://***:***@acme.example/services/oauth2/token?refresh_token=***&x=1"
    );
}
