//! The token endpoint: JWT bearer success and every OAuth error fixture, and the refresh flow.

use sfiu_sf_client::{Error, JwtAssertion, OAuthErrorKind, SfdxAuthUrl};

use crate::support::{Mock, client, fixture, json};

const TOKEN_PATH: &str = "/services/oauth2/token";

#[tokio::test]
async fn exchanges_a_jwt_for_an_access_token() {
    let mock = Mock::start().await;
    mock.on(
        "POST",
        TOKEN_PATH,
        vec![json(200, fixture("oauth-jwt-success.json")).no_limit()],
    );
    let client = client();

    let token = client
        .jwt_bearer(&mock.url, &JwtAssertion::new("header.claims.SIGNATURE"))
        .await
        .unwrap();

    assert_eq!(token.access_token.expose(), "12345");
    assert_eq!(token.instance_url, "https://na15.salesforce.com");
    assert_eq!(token.scope.as_deref(), Some("web api"));
    assert_eq!(token.token_type.as_deref(), Some("Bearer"));
    assert_eq!(token.org_id(), Some("00Di0000000icUB"));
    assert!(!format!("{token:?}").contains("12345"));
    let request = &mock.requests()[0];
    assert_eq!(
        request.content_type.as_deref(),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(
        request.body,
        "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=header.claims.SIGNATURE"
    );
    assert_eq!(request.authorization, None);
}

#[tokio::test]
async fn maps_each_oauth_error_fixture_to_its_kind() {
    let cases = [
        (
            "oauth-error-audience-validation-failed.json",
            OAuthErrorKind::InvalidAudience,
        ),
        (
            "oauth-error-expired-authorization-code.json",
            OAuthErrorKind::ExpiredAssertion,
        ),
        (
            "oauth-error-inactive-user.json",
            OAuthErrorKind::InactiveUser,
        ),
        (
            "oauth-error-invalid-app-access.json",
            OAuthErrorKind::NotAdminApproved,
        ),
        (
            "oauth-error-invalid-assertion.json",
            OAuthErrorKind::InvalidAssertion,
        ),
        (
            "oauth-error-invalid-client-id.json",
            OAuthErrorKind::InvalidClientId,
        ),
        (
            "oauth-error-unsupported-grant-type.json",
            OAuthErrorKind::UnsupportedGrantType,
        ),
        (
            "oauth-error-user-not-approved.json",
            OAuthErrorKind::UserNotApproved,
        ),
    ];
    for (name, kind) in cases {
        let mock = Mock::start().await;
        mock.on(
            "POST",
            TOKEN_PATH,
            vec![json(400, fixture(name)).no_limit()],
        );
        let client = client();

        let error = client
            .jwt_bearer(&mock.url, &JwtAssertion::new("SIGNED.ASSERTION"))
            .await
            .unwrap_err();

        let Error::OAuth {
            status,
            error: oauth,
            request,
        } = &error
        else {
            panic!("{name}: expected an OAuth error, got {error:?}");
        };
        assert_eq!(*status, 400, "{name}");
        assert_eq!(oauth.kind(), kind, "{name}");
        assert!(!oauth.description.is_empty(), "{name}");
        assert!(request.url.ends_with(TOKEN_PATH), "{name}");
        assert!(!error.is_transient(), "{name}");
        assert!(!error.to_string().contains("SIGNED.ASSERTION"), "{name}");
        assert_eq!(
            mock.requests().len(),
            1,
            "{name}: an OAuth refusal is not retried"
        );
    }
}

#[tokio::test]
async fn refreshes_a_token_from_an_sfdx_auth_url() {
    let mock = Mock::start().await;
    mock.on(
        "POST",
        TOKEN_PATH,
        vec![json(200, fixture("oauth-jwt-success.json")).no_limit()],
    );
    let client = client();
    let auth: SfdxAuthUrl = format!("force://MyClientId:MySecret:5Aep861REFRESH@{}", mock.url)
        .parse()
        .unwrap();

    let token = client.refresh_from_auth_url(&auth).await.unwrap();

    assert_eq!(token.access_token.expose(), "12345");
    assert_eq!(
        mock.requests()[0].body,
        "grant_type=refresh_token&client_id=MyClientId&refresh_token=5Aep861REFRESH&client_secret=MySecret"
    );
    assert!(!auth.to_string().contains("REFRESH"));
    assert!(!auth.to_string().contains("MySecret"));
}
