//! Typed models of the metadata sfiu writes: ConnectedApp, the External Client App types and
//! PermissionSet.
//!
//! The Metadata API validates documents against WSDL sequences, so element order matters.
//! Each model writes its elements in the order of the v63.0 WSDL (salesforce-api.md §5, §7);
//! anything the models do not cover can be sent as a raw fragment through
//! [`Metadata::from_fragment`].

use crate::error::Result;
use crate::metadata::Metadata;
use crate::xml::{Element, XmlWriter};

/// A legacy Connected App (creation is blocked in most orgs since Spring '26; prefer the
/// External Client App types).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConnectedApp {
    /// The API name.
    pub full_name: String,
    /// The contact e-mail (required).
    pub contact_email: String,
    /// The contact phone.
    pub contact_phone: Option<String>,
    /// A description.
    pub description: Option<String>,
    /// The label (required).
    pub label: String,
    /// OAuth settings.
    pub oauth_config: Option<ConnectedAppOauthConfig>,
    /// OAuth policies.
    pub oauth_policy: Option<ConnectedAppOauthPolicy>,
    /// Permission sets whose users are pre-authorised.
    pub permission_set_names: Vec<String>,
    /// Profiles whose users are pre-authorised.
    pub profile_names: Vec<String>,
}

/// The `oauthConfig` of a [`ConnectedApp`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConnectedAppOauthConfig {
    /// The callback URL (required even for the JWT flow).
    pub callback_url: String,
    /// The X.509 certificate used to verify JWT assertions.
    pub certificate: Option<String>,
    /// The consumer key; Salesforce generates one when absent.
    pub consumer_key: Option<String>,
    /// "Admin approved users are pre-authorized".
    pub is_admin_approved: Option<bool>,
    /// OAuth scopes, e.g. `Api`.
    pub scopes: Vec<String>,
}

/// The `oauthPolicy` of a [`ConnectedApp`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConnectedAppOauthPolicy {
    /// IP relaxation, e.g. `ENFORCE`.
    pub ip_relaxation: String,
    /// Refresh token policy, e.g. `infinite`.
    pub refresh_token_policy: String,
}

impl ConnectedApp {
    /// The metadata for create, upsert or deploy.
    pub fn to_metadata(&self) -> Metadata {
        let mut w = XmlWriter::new();
        w.text("contactEmail", &self.contact_email)
            .optional("contactPhone", self.contact_phone.as_deref())
            .optional("description", self.description.as_deref())
            .text("label", &self.label);
        if let Some(config) = &self.oauth_config {
            w.open("oauthConfig")
                .text("callbackUrl", &config.callback_url)
                .optional("certificate", config.certificate.as_deref())
                .optional("consumerKey", config.consumer_key.as_deref())
                .optional_flag("isAdminApproved", config.is_admin_approved)
                .each("scopes", &config.scopes)
                .close("oauthConfig");
        }
        if let Some(policy) = &self.oauth_policy {
            w.open("oauthPolicy")
                .text("ipRelaxation", &policy.ip_relaxation)
                .text("refreshTokenPolicy", &policy.refresh_token_policy)
                .close("oauthPolicy");
        }
        w.each("permissionSetName", &self.permission_set_names)
            .each("profileName", &self.profile_names);
        Metadata::typed("ConnectedApp", &self.full_name, w.finish())
    }
}

/// An External Client App header record (`ExternalClientApplication`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExternalClientApplication {
    /// The API name.
    pub full_name: String,
    /// The contact e-mail.
    pub contact_email: Option<String>,
    /// The contact phone.
    pub contact_phone: Option<String>,
    /// A description.
    pub description: Option<String>,
    /// `Local`, `Packaged`, `Managed` or `AutoInstalled`.
    pub distribution_state: String,
    /// Whether the app is protected.
    pub is_protected: Option<bool>,
    /// The label.
    pub label: String,
}

impl ExternalClientApplication {
    /// The metadata for create, upsert or deploy.
    pub fn to_metadata(&self) -> Metadata {
        let mut w = XmlWriter::new();
        w.optional("contactEmail", self.contact_email.as_deref())
            .optional("contactPhone", self.contact_phone.as_deref())
            .optional("description", self.description.as_deref())
            .text("distributionState", &self.distribution_state)
            .optional_flag("isProtected", self.is_protected)
            .text("label", &self.label);
        Metadata::typed("ExternalClientApplication", &self.full_name, w.finish())
    }
}

/// The global OAuth settings of an External Client App (consumer key, certificate).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExtlClntAppGlobalOauthSettings {
    /// The API name.
    pub full_name: String,
    /// The callback URL.
    pub callback_url: Option<String>,
    /// The X.509 certificate for JWT assertions; re-send it on every redeploy, or the app
    /// loses it.
    pub certificate: Option<String>,
    /// The consumer key.
    pub consumer_key: Option<String>,
    /// The API name of the [`ExternalClientApplication`] (required).
    pub external_client_application: String,
    /// Whether the consumer secret is optional.
    pub is_consumer_secret_optional: Option<bool>,
    /// Whether the secret is needed to refresh a token.
    pub is_secret_required_for_refresh_token: Option<bool>,
    /// The label.
    pub label: String,
}

impl ExtlClntAppGlobalOauthSettings {
    /// The metadata for create, upsert or deploy.
    pub fn to_metadata(&self) -> Metadata {
        let mut w = XmlWriter::new();
        w.optional("callbackUrl", self.callback_url.as_deref())
            .optional("certificate", self.certificate.as_deref())
            .optional("consumerKey", self.consumer_key.as_deref())
            .text(
                "externalClientApplication",
                &self.external_client_application,
            )
            .optional_flag("isConsumerSecretOptional", self.is_consumer_secret_optional)
            .optional_flag(
                "isSecretRequiredForRefreshToken",
                self.is_secret_required_for_refresh_token,
            )
            .text("label", &self.label);
        Metadata::typed(
            "ExtlClntAppGlobalOauthSettings",
            &self.full_name,
            w.finish(),
        )
    }
}

/// The OAuth settings of an External Client App (scopes).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExtlClntAppOauthSettings {
    /// The API name.
    pub full_name: String,
    /// Scopes as one comma-separated string, e.g. `Api`; there are no `<scopes>` elements.
    pub comma_separated_oauth_scopes: String,
    /// The API name of the [`ExternalClientApplication`] (required).
    pub external_client_application: String,
    /// The label.
    pub label: String,
}

impl ExtlClntAppOauthSettings {
    /// The metadata for create, upsert or deploy.
    pub fn to_metadata(&self) -> Metadata {
        let mut w = XmlWriter::new();
        w.text(
            "commaSeparatedOauthScopes",
            &self.comma_separated_oauth_scopes,
        )
        .text(
            "externalClientApplication",
            &self.external_client_application,
        )
        .text("label", &self.label);
        Metadata::typed("ExtlClntAppOauthSettings", &self.full_name, w.finish())
    }
}

/// The OAuth policies of an External Client App (who may use it).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExtlClntAppOauthConfigurablePolicies {
    /// The API name.
    pub full_name: String,
    /// Pre-authorised permission sets, comma separated (ids or names: UNCONFIRMED which).
    pub comma_separated_permission_set: Option<String>,
    /// The API name of the [`ExternalClientApplication`] (required).
    pub external_client_application: String,
    /// e.g. `Enforce` or `Bypass`.
    pub ip_relaxation_policy_type: Option<String>,
    /// The label.
    pub label: String,
    /// `AllSelfAuthorized` or `AdminApprovedPreAuthorized`.
    pub permitted_users_policy_type: String,
    /// e.g. `Infinite` or `SpecificLifetime`.
    pub refresh_token_policy_type: Option<String>,
}

impl ExtlClntAppOauthConfigurablePolicies {
    /// The metadata for create, upsert or deploy.
    pub fn to_metadata(&self) -> Metadata {
        // The WSDL sequence for this type was not retrieved; its elements are written in
        // alphabetical order, which is how every other Metadata API sequence is laid out.
        let mut w = XmlWriter::new();
        w.optional(
            "commaSeparatedPermissionSet",
            self.comma_separated_permission_set.as_deref(),
        )
        .text(
            "externalClientApplication",
            &self.external_client_application,
        )
        .optional(
            "ipRelaxationPolicyType",
            self.ip_relaxation_policy_type.as_deref(),
        )
        .text("label", &self.label)
        .text(
            "permittedUsersPolicyType",
            &self.permitted_users_policy_type,
        )
        .optional(
            "refreshTokenPolicyType",
            self.refresh_token_policy_type.as_deref(),
        );
        Metadata::typed(
            "ExtlClntAppOauthConfigurablePolicies",
            &self.full_name,
            w.finish(),
        )
    }
}

/// A permission set, limited to the grants sfiu manages.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PermissionSet {
    /// The API name.
    pub full_name: String,
    /// Apex class access.
    pub class_accesses: Vec<ClassAccess>,
    /// A description.
    pub description: Option<String>,
    /// Field-level security.
    pub field_permissions: Vec<FieldPermission>,
    /// Whether session activation is required.
    pub has_activation_required: Option<bool>,
    /// The label (required).
    pub label: String,
    /// The license label restricting the set; `None` for a license-less set.
    pub license: Option<String>,
    /// Object permissions.
    pub object_permissions: Vec<ObjectPermission>,
    /// System permissions, e.g. `ApiEnabled`.
    pub user_permissions: Vec<UserPermission>,
}

/// Access to one Apex class.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClassAccess {
    /// The class name.
    pub apex_class: String,
    /// Whether access is granted.
    pub enabled: bool,
}

/// Field-level security on one field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldPermission {
    /// Whether the field is editable.
    pub editable: bool,
    /// `Object.Field`, e.g. `Contact.Title`.
    pub field: String,
    /// Whether the field is readable.
    pub readable: bool,
}

/// CRUD and sharing overrides on one object.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ObjectPermission {
    /// Create.
    pub allow_create: bool,
    /// Delete.
    pub allow_delete: bool,
    /// Edit.
    pub allow_edit: bool,
    /// Read.
    pub allow_read: bool,
    /// Modify All.
    pub modify_all_records: bool,
    /// The object API name.
    pub object: String,
    /// View All Fields, when set.
    pub view_all_fields: Option<bool>,
    /// View All.
    pub view_all_records: bool,
}

/// One system permission.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserPermission {
    /// Whether the permission is granted.
    pub enabled: bool,
    /// The permission name without the `Permissions` prefix, e.g. `ApiEnabled`.
    pub name: String,
}

impl PermissionSet {
    /// The metadata for create, upsert or deploy.
    pub fn to_metadata(&self) -> Metadata {
        let mut w = XmlWriter::new();
        for access in &self.class_accesses {
            w.open("classAccesses")
                .text("apexClass", &access.apex_class)
                .flag("enabled", access.enabled)
                .close("classAccesses");
        }
        w.optional("description", self.description.as_deref());
        for permission in &self.field_permissions {
            w.open("fieldPermissions")
                .flag("editable", permission.editable)
                .text("field", &permission.field)
                .flag("readable", permission.readable)
                .close("fieldPermissions");
        }
        w.optional_flag("hasActivationRequired", self.has_activation_required)
            .text("label", &self.label)
            .optional("license", self.license.as_deref());
        for permission in &self.object_permissions {
            w.open("objectPermissions")
                .flag("allowCreate", permission.allow_create)
                .flag("allowDelete", permission.allow_delete)
                .flag("allowEdit", permission.allow_edit)
                .flag("allowRead", permission.allow_read)
                .flag("modifyAllRecords", permission.modify_all_records)
                .text("object", &permission.object)
                .optional_flag("viewAllFields", permission.view_all_fields)
                .flag("viewAllRecords", permission.view_all_records)
                .close("objectPermissions");
        }
        for permission in &self.user_permissions {
            w.open("userPermissions")
                .flag("enabled", permission.enabled)
                .text("name", &permission.name)
                .close("userPermissions");
        }
        Metadata::typed("PermissionSet", &self.full_name, w.finish())
    }

    /// Reads a permission set from a `readMetadata` record or a `.permissionset` document
    /// root. Elements the model does not cover are ignored.
    pub fn from_element(element: &Element) -> Self {
        let text = |e: &Element, name: &str| e.child_text(name).unwrap_or_default().to_owned();
        let flag = |e: &Element, name: &str| e.child_bool(name).unwrap_or(false);
        Self {
            full_name: text(element, "fullName"),
            class_accesses: element
                .children_named("classAccesses")
                .map(|e| ClassAccess {
                    apex_class: text(e, "apexClass"),
                    enabled: flag(e, "enabled"),
                })
                .collect(),
            description: element.child_text("description").map(str::to_owned),
            field_permissions: element
                .children_named("fieldPermissions")
                .map(|e| FieldPermission {
                    editable: flag(e, "editable"),
                    field: text(e, "field"),
                    readable: flag(e, "readable"),
                })
                .collect(),
            has_activation_required: element.child_bool("hasActivationRequired"),
            label: text(element, "label"),
            license: element.child_text("license").map(str::to_owned),
            object_permissions: element
                .children_named("objectPermissions")
                .map(|e| ObjectPermission {
                    allow_create: flag(e, "allowCreate"),
                    allow_delete: flag(e, "allowDelete"),
                    allow_edit: flag(e, "allowEdit"),
                    allow_read: flag(e, "allowRead"),
                    modify_all_records: flag(e, "modifyAllRecords"),
                    object: text(e, "object"),
                    view_all_fields: e.child_bool("viewAllFields"),
                    view_all_records: flag(e, "viewAllRecords"),
                })
                .collect(),
            user_permissions: element
                .children_named("userPermissions")
                .map(|e| UserPermission {
                    enabled: flag(e, "enabled"),
                    name: text(e, "name"),
                })
                .collect(),
        }
    }

    /// Parses a `.permissionset` (or `-meta.xml`) document.
    ///
    /// # Errors
    ///
    /// Returns [`Error::Xml`](crate::Error::Xml) for malformed XML.
    pub fn from_document(document: &str, full_name: &str) -> Result<Self> {
        let root = Element::parse(document).map_err(|source| crate::Error::Xml {
            context: format!("the permission set `{full_name}`"),
            source,
        })?;
        let mut permission_set = Self::from_element(&root);
        if permission_set.full_name.is_empty() {
            permission_set.full_name = full_name.to_owned();
        }
        Ok(permission_set)
    }
}
