//! Domain model of sfiu: the integration spec, requirements, validation, the Salesforce
//! Integration licence catalogue and the plan.
//!
//! This crate does no I/O and no async: the runner reads files and talks to Salesforce,
//! and hands this crate plain data. The main types, in the order a run uses them:
//!
//! - [`IntegrationSpec`]: what the admin declares in TOML ([`IntegrationSpec::from_toml_str`],
//!   [`spec_json_schema`]).
//! - [`Requirements`]: what the integration needs, each grant with its [`Provenance`]; a
//!   plugin preset converts into it and [`Requirements::merge`] unions several.
//! - [`validate`]: every problem at once as [`Issue`]s with stable [`codes`].
//! - [`object_reach`] and the licence constants: what the Integration licence is known to reach.
//! - [`DesiredState`], [`ObservedOrg`] and [`Plan`]: the ordered [`Action`]s `apply` runs.
//!
//! ```
//! use sfiu_core::{DesiredState, IntegrationSpec, ObservedOrg, Plan, PlanOptions, Requirements};
//!
//! let spec = IntegrationSpec::from_toml_str(r#"
//!     id = "hubspot"
//!     acknowledge_dangerous = []
//!
//!     [user]
//!     username = "integration-hubspot@acme.example"
//!     email = "integration-hubspot@acme.example"
//!
//!     [[grants.objects]]
//!     object = "Contact"
//!     access = ["read", "edit"]
//!
//!     [grants]
//!     system_permissions = ["PermissionsApiEnabled"]
//! "#)?;
//! let validation = sfiu_core::validate(&spec, &Requirements::default());
//! assert!(!validation.has_errors(), "{:?}", validation.issues);
//!
//! let desired = DesiredState::new(&spec, &validation.requirements);
//! let plan = Plan::new(&desired, &ObservedOrg::default(), PlanOptions::default());
//! assert!(plan.has_changes());
//! # Ok::<(), sfiu_core::Error>(())
//! ```

mod catalogue;
mod error;
mod license;
mod names;
mod plan;
mod requirements;
mod spec;
mod validate;

pub use catalogue::{
    OAUTH_SCOPES, OAuthScope, SYSTEM_PERMISSIONS, SystemPermission, closest, oauth_scope,
    system_permission, system_permission_by_label,
};
pub use error::{Error, Result};
pub use license::{
    INTEGRATION_PROFILE, INTEGRATION_PSL_DEVELOPER_NAME, INTEGRATION_PSL_LABEL,
    INTEGRATION_USER_LICENSE, LEGACY_INTEGRATION_PROFILE, OBJECT_REACH, ObjectReach,
    PROFILE_BY_LICENSE_SOQL, Reach, UNAVAILABLE_SYSTEM_PERMISSIONS, is_integration_psl,
    object_reach, unavailable_system_permission,
};
pub use names::{
    check_apex_class_name, check_custom_permission_name, check_developer_name, check_email_form,
    check_field_name, check_integration_id, check_length, check_namespace, check_object_name,
    check_permission_set_name,
};
pub use plan::{
    APEX_CLASS_ENTITY, Action, CUSTOM_PERMISSION_ENTITY, Change, DesiredApp, DesiredCertificate,
    DesiredPermissionSet, DesiredState, DesiredUser, FieldPermissionRow, LicenseSeats,
    OBJECTS_FOLLOWING_PARENT, OBJECTS_WITHOUT_OBJECT_PERMISSIONS, ObjectPermissionRow, ObservedApp,
    ObservedAssignment, ObservedOrg, ObservedPermissionSet, ObservedUser, Operation, Plan,
    PlanOptions, Resource, SetupEntityAccessRow, Step, Value, is_without_object_permissions,
    parent_object,
};
pub use requirements::{
    Evidence, FieldAccess, FieldGrant, FieldRight, LicenseFit, NamedGrant, Need, OAuthScopeGrant,
    ObjectAccess, ObjectGrant, ObjectRight, PackagePermissionSetGrant, Provenance, Requirements,
    SystemPermissionGrant, UserShape, strongest_need,
};
pub use spec::{
    AppKind, AppSpec, CertificateSource, GrantChanges, GrantRemovals, IntegrationSpec,
    ObjectRemoval, PackagePermissionSetRef, PermissionSetSpec, PluginSpec, SpecFieldGrant,
    SpecObjectGrant, UserSpec, spec_json_schema,
};
pub use validate::{Issue, Severity, Validation, codes, has_errors, validate, validate_spec};
