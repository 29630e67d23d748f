//! The integration spec: the TOML file in which an admin declares one integration.
//!
//! It names the plugin preset that supplies the requirements, the user to create, the
//! permission set and app names, where the certificate comes from, which dangerous
//! permissions the admin accepts, and grants to add or remove on top of the preset. Parsing
//! is strict (`deny_unknown_fields`) so a typo is an error with a line and column, not a
//! silently ignored key. `docs/spec.md` documents the format with an annotated example.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::requirements::{FieldAccess, ObjectAccess};

/// One integration, as declared in its spec file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IntegrationSpec {
    /// Integration id: lower-case letters, digits and hyphens, e.g. `hubspot`.
    pub id: String,
    /// Free text for the runbook.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The plugin and preset that supply the requirements; omit for a spec-only integration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plugin: Option<PluginSpec>,
    /// The integration user.
    pub user: UserSpec,
    /// The least-privilege permission set sfiu creates.
    #[serde(default)]
    pub permission_set: PermissionSetSpec,
    /// The OAuth client the external system authenticates against.
    #[serde(default)]
    pub app: AppSpec,
    /// Where the X.509 certificate for the JWT bearer flow comes from.
    #[serde(default)]
    pub certificate: CertificateSource,
    /// Dangerous system permissions the admin accepts, by API name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub acknowledge_dangerous: Vec<String>,
    /// System permissions missing from sfiu's catalogue that the admin vouches for.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allow_unlisted_permissions: Vec<String>,
    /// Grants added to or removed from the preset.
    #[serde(default)]
    pub grants: GrantChanges,
}

/// Which plugin preset supplies the requirements.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PluginSpec {
    /// Plugin id, e.g. `hubspot`.
    pub id: String,
    /// Preset id within the plugin, e.g. `bidirectional`.
    pub preset: String,
    /// Vendor features switched on, which turn on feature-dependent grants.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub features: Vec<String>,
}

/// The integration user's fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UserSpec {
    /// `Username`: e-mail form, at most 80 characters, unique across all Salesforce orgs.
    pub username: String,
    /// `Email`: a generic mailbox the team reads, e.g. `integration-hubspot@acme.example`.
    pub email: String,
    /// `FirstName`, at most 40 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// `LastName`, at most 80 characters; defaults to `<Id> Integration`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// `Alias`, at most 8 characters; defaults to the first 8 characters of the id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alias: Option<String>,
    /// `TimeZoneSidKey`.
    #[serde(default = "default_time_zone")]
    pub time_zone_sid_key: String,
    /// `LocaleSidKey`.
    #[serde(default = "default_locale")]
    pub locale_sid_key: String,
    /// `LanguageLocaleKey`.
    #[serde(default = "default_locale")]
    pub language_locale_key: String,
    /// `EmailEncodingKey`.
    #[serde(default = "default_email_encoding")]
    pub email_encoding_key: String,
}

fn default_time_zone() -> String {
    "GMT".to_owned()
}

fn default_locale() -> String {
    "en_US".to_owned()
}

fn default_email_encoding() -> String {
    "UTF-8".to_owned()
}

/// Names of the permission set sfiu creates.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PermissionSetSpec {
    /// API name (`Name`); defaults to `<Id>_Integration`, e.g. `Hubspot_Integration`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `Label`; defaults to `<Id> Integration`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// `Description`, at most 255 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// Which kind of OAuth client to create.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum AppKind {
    /// Keep whatever app of that name exists; otherwise create a Connected App, or an External
    /// Client App where the org refuses new Connected Apps (the Spring '26 default).
    #[default]
    Auto,
    /// An External Client App (the only kind customers may create since Spring '26).
    ExternalClientApp,
    /// A legacy Connected App.
    ConnectedApp,
}

impl std::fmt::Display for AppKind {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(match self {
            Self::Auto => "auto",
            Self::ExternalClientApp => "external client app",
            Self::ConnectedApp => "connected app",
        })
    }
}

/// The OAuth client the external system authenticates against.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AppSpec {
    /// Which kind of app.
    #[serde(default)]
    pub kind: AppKind,
    /// API name; defaults to the permission set name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Label; defaults to the permission set label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Contact e-mail (required by the metadata); defaults to the user's e-mail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_email: Option<String>,
}

/// Where the app's X.509 certificate comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "source", rename_all = "kebab-case", deny_unknown_fields)]
pub enum CertificateSource {
    /// sfiu generates a key pair and a self-signed certificate.
    // A struct variant, because serde ignores unknown keys next to a unit variant's tag.
    Generate {},
    /// The external system's own certificate, as a PEM file path (relative to the spec).
    File {
        /// Path to the PEM file; read by the runner, never by this crate.
        path: String,
    },
}

impl Default for CertificateSource {
    fn default() -> Self {
        Self::Generate {}
    }
}

/// Grants added to or removed from the preset, declared under `[grants]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GrantChanges {
    /// Extra object access.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub objects: Vec<SpecObjectGrant>,
    /// Extra field access.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<SpecFieldGrant>,
    /// Extra system permissions by API name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub system_permissions: Vec<String>,
    /// Extra Apex classes (`Name` or `ns.Name`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub apex_classes: Vec<String>,
    /// Extra custom permissions (`Name` or `ns__Name`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub custom_permissions: Vec<String>,
    /// Extra managed-package permission sets to assign.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub package_permission_sets: Vec<PackagePermissionSetRef>,
    /// Extra OAuth scope tokens.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub oauth_scopes: Vec<String>,
    /// Grants taken away from the preset.
    #[serde(default)]
    pub remove: GrantRemovals,
}

/// Extra access on one object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SpecObjectGrant {
    /// sObject API name.
    pub object: String,
    /// Rights, e.g. `["read", "edit"]`.
    pub access: ObjectAccess,
    /// Why; printed in the runbook.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// Extra access on one field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SpecFieldGrant {
    /// `Object.Field`.
    pub field: String,
    /// `["read"]` or `["read", "edit"]`.
    pub access: FieldAccess,
    /// Why; printed in the runbook.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// A managed-package permission set by namespace and API name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PackagePermissionSetRef {
    /// Package namespace.
    pub namespace: String,
    /// Permission set API name.
    pub name: String,
}

/// Grants removed from the preset, declared under `[grants.remove]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GrantRemovals {
    /// Object rights to take away.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub objects: Vec<ObjectRemoval>,
    /// Fields (`Object.Field`) whose grant is dropped.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<String>,
    /// System permissions to drop.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub system_permissions: Vec<String>,
    /// Apex classes to drop.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub apex_classes: Vec<String>,
    /// Custom permissions to drop.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub custom_permissions: Vec<String>,
    /// Package permission sets not to assign.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub package_permission_sets: Vec<PackagePermissionSetRef>,
    /// OAuth scopes to drop.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub oauth_scopes: Vec<String>,
}

/// Rights to take away from one object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ObjectRemoval {
    /// sObject API name.
    pub object: String,
    /// Rights to withdraw, together with every right that depends on them; omit to drop the
    /// object entirely.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access: Option<ObjectAccess>,
}

/// `hubspot` → `["Hubspot"]`, `data-warehouse` → `["Data", "Warehouse"]`.
fn id_words(id: &str) -> Vec<String> {
    id.split('-')
        .filter(|word| !word.is_empty())
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect()
}

impl IntegrationSpec {
    /// Parses a spec from TOML text.
    ///
    /// # Errors
    ///
    /// [`Error::SpecSyntax`] with the line and column of the first problem: bad TOML, an
    /// unknown key, a missing required key or a value of the wrong type. Rules that need
    /// more than one field (names, lengths, permissions) are checked by
    /// [`crate::validate_spec`], which reports every problem at once.
    pub fn from_toml_str(text: &str) -> Result<Self> {
        toml::from_str(text).map_err(|error| Error::from_toml(text, &error))
    }

    /// Renders the spec back to TOML.
    ///
    /// # Errors
    ///
    /// [`Error::Serialize`] if TOML cannot represent a value (not expected for valid specs).
    pub fn to_toml_string(&self) -> Result<String> {
        toml::to_string_pretty(self).map_err(|error| Error::Serialize {
            message: error.to_string(),
        })
    }

    /// The `LastName` to use: the declared one or `<Id> Integration`.
    pub fn last_name(&self) -> String {
        self.user
            .last_name
            .clone()
            .unwrap_or_else(|| format!("{} Integration", id_words(&self.id).join(" ")))
    }

    /// The `Alias` to use: the declared one or the first 8 characters of the id.
    pub fn alias(&self) -> String {
        self.user
            .alias
            .clone()
            .unwrap_or_else(|| self.id.chars().take(8).collect())
    }

    /// The permission set API name: the declared one or `<Id>_Integration`.
    pub fn permission_set_name(&self) -> String {
        self.permission_set
            .name
            .clone()
            .unwrap_or_else(|| format!("{}_Integration", id_words(&self.id).join("_")))
    }

    /// The permission set label: the declared one or `<Id> Integration`.
    pub fn permission_set_label(&self) -> String {
        self.permission_set
            .label
            .clone()
            .unwrap_or_else(|| format!("{} Integration", id_words(&self.id).join(" ")))
    }

    /// The app API name: the declared one or the permission set name.
    pub fn app_name(&self) -> String {
        self.app
            .name
            .clone()
            .unwrap_or_else(|| self.permission_set_name())
    }

    /// The app label: the declared one or the permission set label.
    pub fn app_label(&self) -> String {
        self.app
            .label
            .clone()
            .unwrap_or_else(|| self.permission_set_label())
    }

    /// The app contact e-mail: the declared one or the user's e-mail.
    pub fn app_contact_email(&self) -> String {
        self.app
            .contact_email
            .clone()
            .unwrap_or_else(|| self.user.email.clone())
    }

    /// Whether the spec acknowledges the dangerous permission `api_name`.
    pub fn acknowledges(&self, api_name: &str) -> bool {
        self.acknowledge_dangerous
            .iter()
            .any(|name| name.eq_ignore_ascii_case(api_name))
    }

    /// Whether the spec vouches for a permission outside the catalogue.
    pub fn allows_unlisted(&self, api_name: &str) -> bool {
        self.allow_unlisted_permissions
            .iter()
            .any(|name| name.eq_ignore_ascii_case(api_name))
    }
}

/// The JSON Schema of the spec format, pretty-printed, for editors and `sfiu spec schema`.
pub fn spec_json_schema() -> String {
    let schema = schemars::schema_for!(IntegrationSpec);
    // A schema is a JSON value with string keys, which always serialises.
    serde_json::to_string_pretty(&schema).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
id = "data-warehouse"
[user]
username = "dw@acme.example"
email = "dw@acme.example"
"#;

    /// The annotated example of `docs/spec.md`, so the documentation cannot rot.
    fn documented_example() -> String {
        let doc = include_str!("../../../docs/spec.md");
        let start = doc.find("```toml\n").unwrap() + "```toml\n".len();
        let end = start + doc[start..].find("```").unwrap();
        doc[start..end].to_owned()
    }

    /// Parses `input` and compares the error's display text.
    fn check_error(input: &str, expected: &str) {
        let error = IntegrationSpec::from_toml_str(input).unwrap_err();
        assert_eq!(error.to_string(), expected, "input:\n{input}");
    }

    #[test]
    fn parses_the_documented_example() {
        let spec = IntegrationSpec::from_toml_str(&documented_example()).unwrap();
        assert_eq!(spec.id, "hubspot");
        assert_eq!(spec.plugin.as_ref().unwrap().features, ["timeline-sync"]);
        assert_eq!(spec.permission_set_name(), "HubSpot_Integration");
        assert_eq!(spec.app.kind, AppKind::Auto);
        assert_eq!(spec.certificate, CertificateSource::Generate {});
        assert_eq!(spec.grants.objects[0].access, ObjectAccess::READ);
        assert_eq!(spec.grants.fields[0].access, FieldAccess::READ_EDIT);
        assert_eq!(spec.grants.remove.objects[0].access, None);
        assert_eq!(spec.app_contact_email(), "salesforce-admins@acme.example");
    }

    #[test]
    fn fills_sensible_defaults() {
        let spec = IntegrationSpec::from_toml_str(MINIMAL).unwrap();
        assert_eq!(spec.last_name(), "Data Warehouse Integration");
        assert_eq!(spec.alias(), "data-war");
        assert_eq!(spec.permission_set_name(), "Data_Warehouse_Integration");
        assert_eq!(spec.permission_set_label(), "Data Warehouse Integration");
        assert_eq!(spec.app_name(), "Data_Warehouse_Integration");
        assert_eq!(spec.app_contact_email(), "dw@acme.example");
        assert_eq!(spec.user.time_zone_sid_key, "GMT");
        assert_eq!(spec.user.locale_sid_key, "en_US");
        assert_eq!(spec.user.language_locale_key, "en_US");
        assert_eq!(spec.user.email_encoding_key, "UTF-8");
        assert_eq!(spec.certificate, CertificateSource::Generate {});
        assert!(spec.plugin.is_none());
    }

    #[test]
    fn reads_a_certificate_file_path_without_touching_it() {
        let spec = IntegrationSpec::from_toml_str(&format!(
            "{MINIMAL}[certificate]\nsource = \"file\"\npath = \"certs/missing.crt\"\n"
        ))
        .unwrap();
        assert_eq!(
            spec.certificate,
            CertificateSource::File {
                path: "certs/missing.crt".into()
            }
        );
    }

    #[test]
    fn round_trips_through_toml() {
        let spec = IntegrationSpec::from_toml_str(&documented_example()).unwrap();
        let text = spec.to_toml_string().unwrap();
        assert_eq!(IntegrationSpec::from_toml_str(&text).unwrap(), spec);
    }

    #[test]
    fn syntax_errors_are_specific_with_line_and_column() {
        check_error(
            &format!("{MINIMAL}usrname = \"x\"\n"),
            "invalid integration spec at line 6, column 1: unknown field `usrname`, expected one of `username`, `email`, `first_name`, `last_name`, `alias`, `time_zone_sid_key`, `locale_sid_key`, `language_locale_key`, `email_encoding_key`",
        );
        check_error(
            "id = \"x\"\n",
            "invalid integration spec at line 1, column 1: missing field `user`",
        );
        check_error(
            &format!("{MINIMAL}[[grants.objects]]\nobject = \"Lead\"\naccess = [\"reed\"]\n"),
            "invalid integration spec at line 8, column 11: unknown variant `reed`, expected one of `read`, `create`, `edit`, `delete`, `view-all-records`, `modify-all-records`, `view-all-fields`",
        );
        check_error(
            &format!("{MINIMAL}[certificate]\nsource = \"file\"\n"),
            "invalid integration spec at line 6, column 1: missing field `path`",
        );
        check_error(
            &format!("{MINIMAL}[certificate]\nsource = \"generate\"\npath = \"x\"\n"),
            "invalid integration spec at line 6, column 1: unknown field `path`, there are no fields",
        );
        check_error(
            &format!("{MINIMAL}[app]\nkind = \"connected_app\"\n"),
            "invalid integration spec at line 7, column 8: unknown variant `connected_app`, expected one of `auto`, `external-client-app`, `connected-app`",
        );
        check_error(
            "id = \"x\"\n[user\n",
            "invalid integration spec at line 2, column 6: unclosed table, expected `]`",
        );
    }

    #[test]
    fn schema_is_json_and_mentions_every_field() {
        let schema: serde_json::Value = serde_json::from_str(&spec_json_schema()).unwrap();
        let mut properties = Vec::new();
        collect_properties(&schema, &mut properties);
        for field in [
            "id",
            "description",
            "plugin",
            "preset",
            "features",
            "user",
            "username",
            "email",
            "first_name",
            "last_name",
            "alias",
            "time_zone_sid_key",
            "locale_sid_key",
            "language_locale_key",
            "email_encoding_key",
            "permission_set",
            "name",
            "label",
            "app",
            "kind",
            "contact_email",
            "certificate",
            "source",
            "path",
            "acknowledge_dangerous",
            "allow_unlisted_permissions",
            "grants",
            "objects",
            "object",
            "access",
            "reason",
            "fields",
            "field",
            "system_permissions",
            "apex_classes",
            "custom_permissions",
            "package_permission_sets",
            "namespace",
            "oauth_scopes",
            "remove",
        ] {
            assert!(
                properties.iter().any(|p| p == field),
                "schema lacks `{field}`"
            );
        }
        let text = spec_json_schema();
        for value in [
            "external-client-app",
            "connected-app",
            "modify-all-records",
            "generate",
        ] {
            assert!(text.contains(value), "schema lacks `{value}`");
        }
    }

    fn collect_properties(value: &serde_json::Value, into: &mut Vec<String>) {
        match value {
            serde_json::Value::Object(map) => {
                if let Some(serde_json::Value::Object(properties)) = map.get("properties") {
                    into.extend(properties.keys().cloned());
                }
                for child in map.values() {
                    collect_properties(child, into);
                }
            }
            serde_json::Value::Array(items) => {
                for item in items {
                    collect_properties(item, into);
                }
            }
            _ => {}
        }
    }
}
