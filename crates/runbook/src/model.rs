//! The runbook's content: plain serde data the runner fills from a finished setup.
//!
//! The JSON form of [`Runbook`] is also the machine-readable record of the last apply: the
//! audit command can read it back to know what was declared, so its field names are stable
//! and it carries [`FORMAT_VERSION`].

use serde::{Deserialize, Serialize};
use sfiu_core::Requirements;

/// Version of the JSON runbook format; bumped on any incompatible change.
pub const FORMAT_VERSION: u32 = 1;

/// Everything a runbook records about one integration's setup.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Runbook {
    /// [`FORMAT_VERSION`] at the time of writing.
    pub format_version: u32,
    /// When the runbook was generated, RFC 3339 in UTC (from the runner's injected clock).
    pub generated_at: String,
    /// The sfiu version that generated it.
    pub tool_version: String,
    /// Which integration this is.
    pub integration: IntegrationRecord,
    /// The org it was set up in.
    pub org: OrgRecord,
    /// The integration user.
    pub user: UserRecord,
    /// The integration's own permission set.
    pub permission_set: PermissionSetRecord,
    /// Every grant with its reason and evidence.
    pub requirements: Requirements,
    /// The OAuth client the external system logs in through.
    pub app: AppRecord,
    /// The certificate on the app and where its key lives.
    pub certificate: CertificateRecord,
    /// What must be done on the vendor's side, in order.
    #[serde(default)]
    pub vendor_steps: Vec<String>,
    /// The result of the last login test and access proof, if one ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification: Option<Verification>,
    /// A certificate rotation in progress or completed, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rotation: Option<Rotation>,
}

/// Which integration a runbook describes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IntegrationRecord {
    /// The integration id from the spec, e.g. `hubspot`.
    pub id: String,
    /// Human name, e.g. `HubSpot`.
    pub name: String,
    /// The plugin that supplied the requirements.
    pub plugin: String,
    /// That plugin's version.
    pub plugin_version: String,
    /// The preset used.
    pub preset: String,
    /// The vendor's name, as the plugin states it.
    pub vendor: String,
    /// The spec file the setup was read from, as the admin named it, when there was one;
    /// the runbook's commands then name it instead of the plugin.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spec_file: Option<String>,
    /// The vendor features that were on (switched on in the spec or on by default), sorted;
    /// grants that depend on any other feature were left out.
    #[serde(default)]
    pub features: Vec<String>,
}

/// The org an integration was set up in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrgRecord {
    /// The 18-character organisation id.
    pub org_id: String,
    /// The org's instance (My Domain) URL.
    pub instance_url: String,
    /// The login URL the external system uses as the JWT audience.
    pub login_url: String,
    /// The edition, e.g. `Enterprise Edition`.
    pub edition: String,
    /// The REST API version used, e.g. `66.0`.
    pub api_version: String,
}

/// The integration user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserRecord {
    /// The username (the JWT `sub`).
    pub username: String,
    /// The generic mailbox the user's mail goes to.
    pub email: String,
    /// The user's id, once created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The profile name.
    pub profile: String,
    /// The user licence name.
    pub user_license: String,
    /// The permission set licence assigned to the user.
    pub permission_set_license: String,
    /// Whether the user is active.
    pub active: bool,
    /// Whether the user is confined to the API (no interactive login).
    pub api_only: bool,
}

/// The integration's own permission set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PermissionSetRecord {
    /// API name.
    pub name: String,
    /// Label.
    pub label: String,
    /// The id, once created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

/// The OAuth client (Connected App or External Client App).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppRecord {
    /// `External Client App` or `Connected App`.
    pub kind: String,
    /// The app's developer (API) name.
    pub developer_name: String,
    /// The app's label.
    pub label: String,
    /// The contact e-mail on the app.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_email: Option<String>,
    /// The consumer key with all but its ends masked, e.g. `3MVG9…x7Qa`.
    pub consumer_key_masked: String,
    /// Where the full consumer key was written for the vendor, if it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consumer_key_path: Option<String>,
    /// OAuth scopes the app allows, as the login server spells them.
    pub scopes: Vec<String>,
    /// Permission sets through which users are pre-authorised (admin approved).
    pub pre_authorised_through: Vec<String>,
}

/// The certificate uploaded to the app and where its private key lives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CertificateRecord {
    /// The certificate subject, e.g. `CN=sfiu hubspot`.
    pub subject: String,
    /// SHA-256 fingerprint, colon-separated upper-case hex.
    pub fingerprint_sha256: String,
    /// Start of validity, RFC 3339.
    pub not_before: String,
    /// End of validity, RFC 3339.
    pub not_after: String,
    /// Days of validity left when the runbook was generated.
    pub days_left: i64,
    /// Where the certificate file is.
    pub certificate_path: String,
    /// Where the private key is, or who holds it when sfiu was given only the certificate.
    pub private_key_location: String,
}

/// The result of the last JWT login test and access proof.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Verification {
    /// When the test ran, RFC 3339.
    pub verified_at: String,
    /// Scopes the issued token carried.
    pub token_scopes: String,
    /// One line per object probed.
    pub objects: Vec<ObjectProof>,
}

/// One object probed during the access proof.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObjectProof {
    /// The sObject queried.
    pub object: String,
    /// Whether the grant says the user should reach it.
    pub expected: bool,
    /// Whether the query succeeded.
    pub reachable: bool,
}

/// A certificate rotation, as far as it has got.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rotation {
    /// `started`, `verified` or `finished`.
    pub stage: String,
    /// When the current stage was reached, RFC 3339.
    pub updated_at: String,
    /// Fingerprint of the certificate being replaced.
    pub previous_fingerprint: String,
    /// Fingerprint of the new certificate.
    pub new_fingerprint: String,
    /// The overlap app that carries the new certificate during the rotation.
    pub overlap_app: String,
}

/// Serialises a runbook as pretty JSON with a trailing newline.
pub fn render_json(runbook: &Runbook) -> String {
    let mut text = serde_json::to_string_pretty(runbook)
        .expect("a runbook holds only strings, numbers, booleans and lists");
    text.push('\n');
    text
}

impl Runbook {
    /// A complete sample runbook: the HubSpot setup on a simulated org, with fixed ids and
    /// dates. Used by documentation and tests.
    pub fn sample() -> Self {
        use sfiu_core::{
            Evidence, Need, ObjectAccess, ObjectGrant, PackagePermissionSetGrant, Provenance,
            SystemPermissionGrant,
        };

        let provenance = |reason: &str, need: Need, evidence: Evidence| Provenance {
            origin: "hubspot/least-privilege".to_owned(),
            reason: reason.to_owned(),
            need,
            evidence,
            sources: vec!["https://knowledge.hubspot.com/salesforce".to_owned()],
        };
        let requirements = Requirements {
            objects: vec![
                ObjectGrant {
                    object: "Contact".to_owned(),
                    access: ObjectAccess {
                        read: true,
                        create: true,
                        edit: true,
                        ..ObjectAccess::NONE
                    },
                    vendor_documented: None,
                    provenance: vec![provenance(
                        "contacts sync both ways",
                        Need::Required,
                        Evidence::Documented,
                    )],
                },
                ObjectGrant {
                    object: "Opportunity".to_owned(),
                    access: ObjectAccess::READ,
                    vendor_documented: None,
                    provenance: vec![provenance(
                        "deals sync to opportunities",
                        Need::WhenFeature("deal-sync".to_owned()),
                        Evidence::Documented,
                    )],
                },
            ],
            system_permissions: vec![SystemPermissionGrant {
                name: "PermissionsApiEnabled".to_owned(),
                provenance: vec![provenance(
                    "the connector uses the REST API",
                    Need::Required,
                    Evidence::Documented,
                )],
            }],
            package_permission_sets: vec![PackagePermissionSetGrant {
                namespace: "HubSpot_Inc".to_owned(),
                name: "HubSpot_Integration_Permissions".to_owned(),
                provenance: vec![provenance(
                    "the managed package's own objects",
                    Need::Required,
                    Evidence::Reported,
                )],
            }],
            ..Requirements::default()
        };
        Self {
            format_version: FORMAT_VERSION,
            generated_at: "2026-12-04T12:00:00Z".to_owned(),
            tool_version: "0.1.0".to_owned(),
            integration: IntegrationRecord {
                id: "hubspot".to_owned(),
                name: "HubSpot".to_owned(),
                plugin: "hubspot".to_owned(),
                plugin_version: "0.1.0".to_owned(),
                preset: "least-privilege".to_owned(),
                vendor: "HubSpot, Inc.".to_owned(),
                spec_file: None,
                features: vec!["deal-sync".to_owned(), "timeline-sync".to_owned()],
            },
            org: OrgRecord {
                org_id: "00D000000000001AAA".to_owned(),
                instance_url: "http://127.0.0.1:8080".to_owned(),
                login_url: "https://login.salesforce.com".to_owned(),
                edition: "Enterprise Edition".to_owned(),
                api_version: "66.0".to_owned(),
            },
            user: UserRecord {
                username: "integration-hubspot@acme.example".to_owned(),
                email: "integration-hubspot@acme.example".to_owned(),
                id: Some("005000000000001AAA".to_owned()),
                profile: "Minimum Access - API Only Integrations".to_owned(),
                user_license: "Salesforce Integration".to_owned(),
                permission_set_license: "Salesforce API Integration".to_owned(),
                active: true,
                api_only: true,
            },
            permission_set: PermissionSetRecord {
                name: "sfiu_hubspot".to_owned(),
                label: "sfiu: HubSpot integration".to_owned(),
                id: Some("0PS000000000001AAA".to_owned()),
            },
            requirements,
            app: AppRecord {
                kind: "External Client App".to_owned(),
                developer_name: "sfiu_hubspot".to_owned(),
                label: "sfiu: HubSpot".to_owned(),
                contact_email: Some("integration-hubspot@acme.example".to_owned()),
                consumer_key_masked: "3MVG…Qa9x".to_owned(),
                consumer_key_path: Some("out/hubspot/consumer-key.txt".to_owned()),
                scopes: vec!["api".to_owned(), "refresh_token".to_owned()],
                pre_authorised_through: vec!["sfiu_hubspot".to_owned()],
            },
            certificate: CertificateRecord {
                subject: "CN=sfiu hubspot".to_owned(),
                fingerprint_sha256: "AB:CD:EF".to_owned(),
                not_before: "2026-12-04T12:00:00Z".to_owned(),
                not_after: "2027-12-04T12:00:00Z".to_owned(),
                days_left: 365,
                certificate_path: "out/hubspot/certificate.pem".to_owned(),
                private_key_location: "out/hubspot/private-key.pem (mode 0600)".to_owned(),
            },
            vendor_steps: vec![
                "In HubSpot, open Settings > Integrations > Salesforce and connect.".to_owned(),
            ],
            verification: Some(Verification {
                verified_at: "2026-12-04T12:00:05Z".to_owned(),
                token_scopes: "api".to_owned(),
                objects: vec![
                    ObjectProof {
                        object: "Contact".to_owned(),
                        expected: true,
                        reachable: true,
                    },
                    ObjectProof {
                        object: "Case".to_owned(),
                        expected: false,
                        reachable: false,
                    },
                ],
            }),
            rotation: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_round_trips() {
        let runbook = Runbook::sample();
        let text = render_json(&runbook);
        let parsed: Runbook = serde_json::from_str(&text).unwrap();
        assert_eq!(parsed, runbook);
        assert!(text.ends_with("}\n"));
    }

    #[test]
    fn json_without_spec_file_or_features_still_parses() {
        let mut value = serde_json::to_value(Runbook::sample()).unwrap();
        let integration = value["integration"].as_object_mut().unwrap();
        integration.remove("spec_file");
        integration.remove("features");
        let parsed: Runbook = serde_json::from_value(value).unwrap();
        assert_eq!(parsed.integration.spec_file, None);
        assert!(parsed.integration.features.is_empty());
    }

    #[test]
    fn json_rejects_unknown_fields() {
        let mut value = serde_json::to_value(Runbook::sample()).unwrap();
        value["surprise"] = serde_json::json!(true);
        assert!(serde_json::from_value::<Runbook>(value).is_err());
    }
}
