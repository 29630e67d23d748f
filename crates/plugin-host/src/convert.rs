//! Turning a plugin's answer into checked [`sfiu_core::Requirements`].
//!
//! Two layers of checks, both run in full so every problem is reported at once:
//! host-side sanity (ids, string sizes, list lengths: a plugin must not flood the terminal or
//! the runbook) and core's vocabulary (known permission API names and scope tokens,
//! well-formed object, field and package names). Dangerous permissions pass with a warning;
//! the spec must acknowledge them before anything is deployed.

use serde::Serialize;
use sfiu_core::{
    Evidence, FieldAccess, FieldGrant, LicenseFit, Need, OAuthScopeGrant, ObjectAccess,
    ObjectGrant, PackagePermissionSetGrant, Provenance, Requirements, SystemPermissionGrant,
    UserShape,
};

use crate::plugin::{Feature, PluginInfo, PresetInfo, Source};
use crate::wit::v0_1::sfiu::integration::types as wit;
use crate::{Error, Result, WitVersion};

/// Size limits on what a plugin may return.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutputLimits {
    /// Objects plus system permissions plus packages in one answer.
    pub max_grants: usize,
    /// Entries in any other list (sources, notes, steps, features, presets, fields).
    pub max_list: usize,
    /// Bytes in free text (reasons, labels, descriptions, notes, URLs).
    pub max_text: usize,
    /// Bytes in an API name or id.
    pub max_name: usize,
}

impl OutputLimits {
    /// The limits the host applies.
    pub const DEFAULT: Self = Self {
        max_grants: 500,
        max_list: 100,
        max_text: 2048,
        max_name: 255,
    };
}

/// The licence verdict as the plugin gave it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LicenseVerdict {
    /// Fits, does not fit, or unknown.
    pub fit: LicenseFit,
    /// One sentence.
    pub reason: String,
    /// How well it is backed.
    pub evidence: Evidence,
    /// Links.
    pub sources: Vec<String>,
}

/// A managed package the integration installs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PackageInfo {
    /// Namespace prefix.
    pub namespace: String,
    /// Display name.
    pub label: String,
    /// Permission sets to assign (also in the requirements).
    pub permission_sets: Vec<String>,
    /// Why the package is there.
    pub provenance: Provenance,
}

/// A preset's requirements, converted and checked, with the text that goes beside them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Resolved {
    /// Plugin id.
    pub plugin: String,
    /// Preset id.
    pub preset: String,
    /// The grants, duplicates merged.
    pub requirements: Requirements,
    /// Whether the Integration licence fits, and why.
    pub license: LicenseVerdict,
    /// Managed packages, including ones without permission sets.
    pub packages: Vec<PackageInfo>,
    /// Steps on the vendor's side, for the runbook.
    pub vendor_steps: Vec<String>,
    /// The plugin's notes, then the host's own.
    pub notes: Vec<String>,
    /// Things to confirm before deploying (dangerous permissions).
    pub warnings: Vec<String>,
}

/// Collects problems with the path of the value at fault.
struct Problems {
    limits: OutputLimits,
    list: Vec<String>,
}

impl Problems {
    fn new() -> Self {
        Self {
            limits: OutputLimits::DEFAULT,
            list: Vec::new(),
        }
    }

    fn push(&mut self, path: &str, message: impl std::fmt::Display) {
        // Past a screenful the rest adds nothing, and a hostile plugin could send millions.
        if self.list.len() < 20 {
            self.list.push(format!("{path}: {message}"));
        }
    }

    fn text(&mut self, path: &str, value: &str) {
        if value.len() > self.limits.max_text {
            self.push(
                path,
                format!(
                    "is {} bytes long; the limit is {}",
                    value.len(),
                    self.limits.max_text
                ),
            );
        }
    }

    fn name(&mut self, path: &str, value: &str) {
        if value.is_empty() {
            self.push(path, "is empty");
        } else if value.len() > self.limits.max_name {
            self.push(
                path,
                format!(
                    "is {} bytes long; the limit is {}",
                    value.len(),
                    self.limits.max_name
                ),
            );
        }
    }

    fn id(&mut self, path: &str, value: &str) {
        if value.len() > 64 {
            self.push(
                path,
                format!("is {} bytes long; ids have at most 64", value.len()),
            );
        } else if let Err(reason) = sfiu_core::check_integration_id(value) {
            self.push(path, format!("`{value}` {reason}"));
        }
    }

    fn list<T>(&mut self, path: &str, items: &[T]) -> bool {
        if items.len() > self.limits.max_list {
            self.push(
                path,
                format!(
                    "has {} entries; the limit is {}",
                    items.len(),
                    self.limits.max_list
                ),
            );
            return false;
        }
        true
    }

    fn texts(&mut self, path: &str, items: &[String]) {
        if self.list(path, items) {
            for (index, item) in items.iter().enumerate() {
                self.text(&format!("{path}[{index}]"), item);
            }
        }
    }

    fn finish(self, plugin: &str) -> Result<()> {
        if self.list.is_empty() {
            Ok(())
        } else {
            Err(Error::InvalidOutput {
                plugin: plugin.to_owned(),
                problems: self.list,
            })
        }
    }
}

/// Checks and converts the manifest and preset list read at load time.
pub(crate) fn manifest(
    label: &str,
    version: WitVersion,
    source: Source,
    manifest: wit::PluginManifest,
    presets: Vec<wit::Preset>,
) -> Result<(PluginInfo, Vec<PresetInfo>)> {
    let mut problems = Problems::new();
    problems.id("manifest.id", &manifest.id);
    problems.text("manifest.name", &manifest.name);
    problems.text("manifest.vendor", &manifest.vendor);
    problems.name("manifest.version", &manifest.version);
    if let Some(homepage) = &manifest.homepage {
        problems.text("manifest.homepage", homepage);
    }
    if problems.list("manifest.features", &manifest.features) {
        for (index, feature) in manifest.features.iter().enumerate() {
            let path = format!("manifest.features[{index}]");
            problems.id(&format!("{path}.id"), &feature.id);
            problems.text(&format!("{path}.label"), &feature.label);
            problems.text(&format!("{path}.description"), &feature.description);
        }
    }
    if presets.is_empty() {
        problems.push("presets", "is empty; a plugin offers at least one preset");
    }
    if problems.list("presets", &presets) {
        for (index, preset) in presets.iter().enumerate() {
            let path = format!("presets[{index}]");
            problems.id(&format!("{path}.id"), &preset.id);
            problems.text(&format!("{path}.label"), &preset.label);
            problems.text(&format!("{path}.description"), &preset.description);
            if presets[..index]
                .iter()
                .any(|earlier| earlier.id == preset.id)
            {
                problems.push(
                    &format!("{path}.id"),
                    format!("`{}` appears twice", preset.id),
                );
            }
        }
    }
    // The manifest id is not trusted for messages until it passed the checks above.
    problems.finish(label)?;

    let info = PluginInfo {
        id: manifest.id,
        name: manifest.name,
        vendor: manifest.vendor,
        version: manifest.version,
        homepage: manifest.homepage,
        wit: version.as_str().to_owned(),
        source,
        features: manifest
            .features
            .into_iter()
            .map(|feature| Feature {
                id: feature.id,
                label: feature.label,
                description: feature.description,
                default_on: feature.default_on,
            })
            .collect(),
    };
    let presets = presets
        .into_iter()
        .map(|preset| PresetInfo {
            id: preset.id,
            label: preset.label,
            description: preset.description,
            is_default: preset.is_default,
        })
        .collect();
    Ok((info, presets))
}

/// Checks the raw answer, converts it, merges duplicates and checks names against core.
///
/// With `features`, grants needed only for a feature not in the list are dropped before
/// duplicates merge, so an off feature's extra rights never ride along on a merged grant.
pub(crate) fn requirements(
    plugin: &str,
    preset: &str,
    mut set: wit::RequirementSet,
    features: Option<&[String]>,
) -> Result<Resolved> {
    let mut problems = Problems::new();
    check_sizes(&mut problems, &set);
    problems.finish(plugin)?;

    if let Some(features) = features {
        let is_on = |basis: &wit::Basis| match &basis.need {
            wit::Need::WhenFeature(feature) => features.contains(feature),
            _ => true,
        };
        set.objects.retain(|grant| is_on(&grant.basis));
        set.system_permissions.retain(|grant| is_on(&grant.basis));
        set.packages.retain(|grant| is_on(&grant.basis));
    }

    let origin = format!("{plugin}/{preset}");
    let provenance = |basis: wit::Basis| Provenance {
        origin: origin.clone(),
        reason: basis.reason,
        need: match basis.need {
            wit::Need::Required => Need::Required,
            wit::Need::Recommended => Need::Recommended,
            wit::Need::WhenFeature(feature) => Need::WhenFeature(feature),
            wit::Need::Diagnostic => Need::Diagnostic,
        },
        evidence: evidence(basis.evidence),
        sources: basis.sources,
    };

    let mut requirements = Requirements {
        user_shape: match set.user_shape {
            wit::UserShape::Dedicated => UserShape::Dedicated,
            wit::UserShape::FullLicense => UserShape::InteractiveFullLicense,
            wit::UserShape::PerUser => UserShape::PerUser,
        },
        license_fit: match set.integration_license.fit {
            wit::LicenseFit::Fits => LicenseFit::IntegrationLicense,
            wit::LicenseFit::DoesNotFit => LicenseFit::FullLicenseRequired,
            wit::LicenseFit::Unknown => LicenseFit::Unknown,
        },
        ..Requirements::default()
    };
    let mut notes = set.notes;
    for grant in set.objects {
        let provenance = provenance(grant.basis);
        let mut access = object_access(grant.access);
        match grant.fields {
            wit::FieldScope::None => {}
            wit::FieldScope::All(wit::FieldAccess::Read) => access.view_all_fields = true,
            wit::FieldScope::All(wit::FieldAccess::ReadEdit) => {
                access.view_all_fields = true;
                notes.push(format!(
                    "The plugin asks for edit access on every field of `{}`; sfiu grants read \
                     on all of them (View All Fields) and edit only on fields listed by name.",
                    grant.object
                ));
            }
            wit::FieldScope::Listed(fields) => {
                for field in fields {
                    requirements.fields.push(FieldGrant {
                        field: format!("{}.{}", grant.object, field.field),
                        access: match field.access {
                            wit::FieldAccess::Read => FieldAccess::READ,
                            wit::FieldAccess::ReadEdit => FieldAccess::READ_EDIT,
                        },
                        provenance: vec![provenance.clone()],
                    });
                }
            }
        }
        requirements.objects.push(ObjectGrant {
            object: grant.object,
            access,
            vendor_documented: grant.vendor_asks.map(object_access),
            provenance: vec![provenance],
        });
    }
    for permission in set.system_permissions {
        requirements.system_permissions.push(SystemPermissionGrant {
            name: permission.name,
            provenance: vec![provenance(permission.basis)],
        });
    }
    let mut packages = Vec::new();
    for package in set.packages {
        let provenance = provenance(package.basis);
        for name in &package.permission_sets {
            requirements
                .package_permission_sets
                .push(PackagePermissionSetGrant {
                    namespace: package.namespace.clone(),
                    name: name.clone(),
                    provenance: vec![provenance.clone()],
                });
        }
        packages.push(PackageInfo {
            namespace: package.namespace,
            label: package.label,
            permission_sets: package.permission_sets,
            provenance,
        });
    }
    for scope in set.oauth_scopes {
        requirements.oauth_scopes.push(OAuthScopeGrant {
            scope,
            provenance: vec![Provenance {
                origin: origin.clone(),
                reason: "the vendor's app requests this scope".to_owned(),
                need: Need::Required,
                evidence: Evidence::Unconfirmed,
                sources: Vec::new(),
            }],
        });
    }
    requirements.normalise();

    let mut problems = Problems::new();
    let warnings = check_names(&mut problems, &requirements);
    problems.finish(plugin)?;
    Ok(Resolved {
        plugin: plugin.to_owned(),
        preset: preset.to_owned(),
        requirements,
        license: LicenseVerdict {
            fit: match set.integration_license.fit {
                wit::LicenseFit::Fits => LicenseFit::IntegrationLicense,
                wit::LicenseFit::DoesNotFit => LicenseFit::FullLicenseRequired,
                wit::LicenseFit::Unknown => LicenseFit::Unknown,
            },
            reason: set.integration_license.reason,
            evidence: evidence(set.integration_license.evidence),
            sources: set.integration_license.sources,
        },
        packages,
        vendor_steps: set.vendor_steps,
        notes,
        warnings,
    })
}

fn evidence(evidence: wit::Evidence) -> Evidence {
    match evidence {
        wit::Evidence::Documented => Evidence::Documented,
        wit::Evidence::Reported => Evidence::Reported,
        wit::Evidence::Unconfirmed => Evidence::Unconfirmed,
    }
}

fn object_access(flags: wit::ObjectAccess) -> ObjectAccess {
    ObjectAccess {
        read: flags.contains(wit::ObjectAccess::READ),
        create: flags.contains(wit::ObjectAccess::CREATE),
        edit: flags.contains(wit::ObjectAccess::EDIT),
        delete: flags.contains(wit::ObjectAccess::DELETE),
        view_all_records: flags.contains(wit::ObjectAccess::VIEW_ALL_RECORDS),
        modify_all_records: flags.contains(wit::ObjectAccess::MODIFY_ALL_RECORDS),
        view_all_fields: false,
    }
}

fn check_basis(problems: &mut Problems, path: &str, basis: &wit::Basis) {
    problems.text(&format!("{path}.reason"), &basis.reason);
    if basis.reason.trim().is_empty() {
        problems.push(
            &format!("{path}.reason"),
            "is empty; every grant says why it is there",
        );
    }
    if let wit::Need::WhenFeature(feature) = &basis.need {
        problems.id(&format!("{path}.need"), feature);
    }
    problems.texts(&format!("{path}.sources"), &basis.sources);
}

fn check_sizes(problems: &mut Problems, set: &wit::RequirementSet) {
    let limits = problems.limits;
    let n_grants = set.objects.len() + set.system_permissions.len() + set.packages.len();
    if n_grants > limits.max_grants {
        problems.push(
            "requirements",
            format!("has {n_grants} grants; the limit is {}", limits.max_grants),
        );
        return;
    }
    problems.text(
        "integration_license.reason",
        &set.integration_license.reason,
    );
    problems.texts(
        "integration_license.sources",
        &set.integration_license.sources,
    );
    for (index, grant) in set.objects.iter().enumerate() {
        let path = format!("objects[{index}]");
        problems.name(&format!("{path}.object"), &grant.object);
        check_basis(problems, &path, &grant.basis);
        if let wit::FieldScope::Listed(fields) = &grant.fields
            && problems.list(&format!("{path}.fields"), fields)
        {
            for (field_index, field) in fields.iter().enumerate() {
                problems.name(&format!("{path}.fields[{field_index}]"), &field.field);
            }
        }
    }
    for (index, permission) in set.system_permissions.iter().enumerate() {
        let path = format!("system_permissions[{index}]");
        problems.name(&format!("{path}.name"), &permission.name);
        check_basis(problems, &path, &permission.basis);
    }
    for (index, package) in set.packages.iter().enumerate() {
        let path = format!("packages[{index}]");
        problems.name(&format!("{path}.namespace"), &package.namespace);
        problems.text(&format!("{path}.label"), &package.label);
        if problems.list(&format!("{path}.permission_sets"), &package.permission_sets) {
            for (set_index, name) in package.permission_sets.iter().enumerate() {
                problems.name(&format!("{path}.permission_sets[{set_index}]"), name);
            }
        }
        check_basis(problems, &path, &package.basis);
    }
    if problems.list("oauth_scopes", &set.oauth_scopes) {
        for (index, scope) in set.oauth_scopes.iter().enumerate() {
            problems.name(&format!("oauth_scopes[{index}]"), scope);
        }
    }
    problems.texts("vendor_steps", &set.vendor_steps);
    problems.texts("notes", &set.notes);
}

/// Checks names against core's rules and vocabularies; returns warnings.
fn check_names(problems: &mut Problems, requirements: &Requirements) -> Vec<String> {
    let mut warnings = Vec::new();
    for (index, grant) in requirements.objects.iter().enumerate() {
        if let Err(reason) = sfiu_core::check_object_name(&grant.object) {
            problems.push(
                &format!("objects[{index}].object"),
                format!("`{}` {reason}", grant.object),
            );
        }
        if grant.access.is_none() {
            problems.push(
                &format!("objects[{index}].access"),
                format!("grants nothing on `{}`", grant.object),
            );
        }
    }
    for (index, grant) in requirements.fields.iter().enumerate() {
        if let Err(reason) = sfiu_core::check_field_name(&grant.field) {
            problems.push(
                &format!("fields[{index}]"),
                format!("`{}` {reason}", grant.field),
            );
        }
    }
    for (index, grant) in requirements.system_permissions.iter().enumerate() {
        match sfiu_core::system_permission(&grant.name) {
            Some(permission) if permission.dangerous => warnings.push(format!(
                "`{}` ({}) is a dangerous permission; the spec must acknowledge it",
                permission.api_name, permission.label
            )),
            Some(_) => {}
            None => {
                let hint = sfiu_core::closest(
                    &grant.name,
                    sfiu_core::SYSTEM_PERMISSIONS
                        .iter()
                        .map(|permission| permission.api_name),
                )
                .map(|closest| format!(" (did you mean `{closest}`?)"))
                .unwrap_or_default();
                problems.push(
                    &format!("system_permissions[{index}]"),
                    format!("`{}` is not a known system permission{hint}", grant.name),
                );
            }
        }
    }
    for (index, grant) in requirements.package_permission_sets.iter().enumerate() {
        if let Err(reason) = sfiu_core::check_namespace(&grant.namespace) {
            problems.push(
                &format!("package_permission_sets[{index}].namespace"),
                format!("`{}` {reason}", grant.namespace),
            );
        }
        if let Err(reason) = sfiu_core::check_permission_set_name(&grant.name) {
            problems.push(
                &format!("package_permission_sets[{index}].name"),
                format!("`{}` {reason}", grant.name),
            );
        }
    }
    for (index, grant) in requirements.oauth_scopes.iter().enumerate() {
        if sfiu_core::oauth_scope(&grant.scope).is_none() {
            problems.push(
                &format!("oauth_scopes[{index}]"),
                format!("`{}` is not a Salesforce OAuth scope", grant.scope),
            );
        }
    }
    warnings
}
