//! The objects the simulated org knows: fields, types, key prefixes and relationships.
//!
//! Describe, SOQL and DML all read this one catalogue, so a field that describe reports as
//! calculated is also refused on write, and a field that is not permissionable is refused in
//! FieldPermissions.

use std::sync::LazyLock;

use serde_json::{Value, json};

/// The data type of a field, as far as validation and describe need it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum FieldType {
    Id,
    Text(u32),
    TextArea,
    Email,
    Phone,
    Url,
    Boolean,
    Int,
    Double,
    Currency,
    Date,
    DateTime,
    Picklist(&'static [&'static str]),
    Reference(&'static [&'static str]),
}

impl FieldType {
    fn describe_name(&self) -> &'static str {
        match self {
            FieldType::Id => "id",
            FieldType::Text(_) => "string",
            FieldType::TextArea => "textarea",
            FieldType::Email => "email",
            FieldType::Phone => "phone",
            FieldType::Url => "url",
            FieldType::Boolean => "boolean",
            FieldType::Int => "int",
            FieldType::Double => "double",
            FieldType::Currency => "currency",
            FieldType::Date => "date",
            FieldType::DateTime => "datetime",
            FieldType::Picklist(_) => "picklist",
            FieldType::Reference(_) => "reference",
        }
    }

    fn length(&self) -> u32 {
        match self {
            FieldType::Id | FieldType::Reference(_) => 18,
            FieldType::Text(n) => *n,
            FieldType::TextArea => 32000,
            FieldType::Email | FieldType::Phone | FieldType::Url => 80,
            FieldType::Picklist(_) => 255,
            _ => 0,
        }
    }
}

/// One field of an object.
#[derive(Clone, Debug)]
pub(crate) struct FieldDef {
    pub(crate) name: &'static str,
    pub(crate) label: String,
    pub(crate) kind: FieldType,
    pub(crate) nillable: bool,
    pub(crate) createable: bool,
    pub(crate) updateable: bool,
    pub(crate) calculated: bool,
    pub(crate) permissionable: bool,
    pub(crate) defaulted: bool,
    pub(crate) relationship: Option<&'static str>,
    pub(crate) default: Option<Value>,
}

impl FieldDef {
    /// Whether a create must supply this field.
    pub(crate) fn is_required(&self) -> bool {
        self.createable && !self.nillable && !self.defaulted
    }

    fn describe(&self) -> Value {
        let reference_to: Vec<&str> = match &self.kind {
            FieldType::Reference(targets) => targets.to_vec(),
            _ => Vec::new(),
        };
        let picklist: Vec<Value> = match &self.kind {
            FieldType::Picklist(values) => values
                .iter()
                .map(|v| json!({"active": true, "defaultValue": false, "label": v, "validFor": null, "value": v}))
                .collect(),
            _ => Vec::new(),
        };
        json!({
            "name": self.name,
            "label": self.label,
            "type": self.kind.describe_name(),
            "length": self.kind.length(),
            "nillable": self.nillable,
            "createable": self.createable,
            "updateable": self.updateable,
            "calculated": self.calculated,
            "permissionable": self.permissionable,
            "defaultedOnCreate": self.defaulted,
            "custom": self.name.ends_with("__c"),
            "filterable": true,
            "sortable": !matches!(self.kind, FieldType::TextArea),
            "idLookup": self.name == "Id" || self.name == "Username",
            "unique": self.name == "Username",
            "referenceTo": reference_to,
            "relationshipName": self.relationship,
            "picklistValues": picklist,
            "restrictedPicklist": matches!(self.kind, FieldType::Picklist(_)),
            "calculatedFormula": if self.calculated { Value::String("formula".into()) } else { Value::Null },
            "defaultValue": self.default.clone().unwrap_or(Value::Null),
            "soapType": match self.kind {
                FieldType::Id | FieldType::Reference(_) => "tns:ID",
                FieldType::Boolean => "xsd:boolean",
                FieldType::Int => "xsd:int",
                FieldType::Double | FieldType::Currency => "xsd:double",
                FieldType::Date => "xsd:date",
                FieldType::DateTime => "xsd:dateTime",
                _ => "xsd:string",
            },
        })
    }
}

/// A child relationship: `(SELECT ... FROM <name>)` on the parent.
#[derive(Clone, Debug)]
pub(crate) struct ChildRel {
    pub(crate) name: &'static str,
    pub(crate) child: &'static str,
    pub(crate) field: &'static str,
}

/// One object type.
#[derive(Clone, Debug)]
pub(crate) struct ObjectDef {
    pub(crate) name: &'static str,
    pub(crate) label: &'static str,
    pub(crate) label_plural: &'static str,
    pub(crate) key_prefix: &'static str,
    /// Setup objects are governed by View Setup, not object permissions, and cannot share
    /// a collections call with data objects.
    pub(crate) setup: bool,
    pub(crate) createable: bool,
    pub(crate) updateable: bool,
    pub(crate) deletable: bool,
    pub(crate) fields: Vec<FieldDef>,
    pub(crate) children: Vec<ChildRel>,
}

impl ObjectDef {
    /// Case-insensitive field lookup.
    pub(crate) fn field(&self, name: &str) -> Option<&FieldDef> {
        self.fields
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(name))
    }

    /// Case-insensitive lookup of a reference field by relationship name.
    pub(crate) fn relationship(&self, name: &str) -> Option<&FieldDef> {
        self.fields
            .iter()
            .find(|f| f.relationship.is_some_and(|r| r.eq_ignore_ascii_case(name)))
    }

    /// Case-insensitive child relationship lookup.
    pub(crate) fn child(&self, name: &str) -> Option<&ChildRel> {
        self.children
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(name))
    }

    /// Whether the object is a custom object.
    pub(crate) fn is_custom(&self) -> bool {
        self.name.ends_with("__c")
    }

    /// The describe body.
    pub(crate) fn describe(&self, version: &str) -> Value {
        let mut value = self.global_entry(version);
        if let Some(map) = value.as_object_mut() {
            map.insert(
                "fields".into(),
                self.fields.iter().map(FieldDef::describe).collect(),
            );
            map.insert(
                "childRelationships".into(),
                self.children
                    .iter()
                    .map(|c| {
                        json!({"childSObject": c.child, "field": c.field, "relationshipName": c.name,
                               "cascadeDelete": false, "deprecatedAndHidden": false})
                    })
                    .collect(),
            );
            map.insert("recordTypeInfos".into(), json!([]));
        }
        value
    }

    /// The describeGlobal entry.
    pub(crate) fn global_entry(&self, version: &str) -> Value {
        let base = format!("/services/data/v{version}/sobjects/{}", self.name);
        json!({
            "name": self.name,
            "label": self.label,
            "labelPlural": self.label_plural,
            "keyPrefix": self.key_prefix,
            "custom": self.is_custom(),
            "customSetting": false,
            "createable": self.createable,
            "updateable": self.updateable,
            "deletable": self.deletable,
            "queryable": true,
            "retrieveable": true,
            "searchable": !self.setup,
            "layoutable": !self.setup,
            "undeletable": !self.setup && self.deletable,
            "urls": {
                "sobject": base,
                "describe": format!("{base}/describe"),
                "rowTemplate": format!("{base}/{{ID}}"),
            },
        })
    }
}

/// The whole catalogue.
pub(crate) static CATALOGUE: LazyLock<Vec<ObjectDef>> = LazyLock::new(build);

/// Case-insensitive object lookup.
pub(crate) fn object(name: &str) -> Option<&'static ObjectDef> {
    CATALOGUE.iter().find(|o| o.name.eq_ignore_ascii_case(name))
}

/// The object whose ids start with this key prefix.
pub(crate) fn object_for_id(id: &str) -> Option<&'static ObjectDef> {
    let prefix = id.get(..3)?;
    CATALOGUE.iter().find(|o| o.key_prefix == prefix)
}

/// The system permissions carried by PermissionSet and Profile as `Permissions<Name>` fields
/// (the common ones of a Spring '26 org; a real org has a few hundred).
pub(crate) const SYSTEM_PERMISSIONS: &[&str] = &[
    "ApiEnabled",
    "ApiUserOnly",
    "ViewSetup",
    "ModifyAllData",
    "ViewAllData",
    "ManageUsers",
    "ViewAllUsers",
    "ModifyMetadata",
    "CustomizeApplication",
    "InstallPackaging",
    "EditTask",
    "EditEvent",
    "ConvertLeads",
    "EditHtmlTemplates",
    "EditPublicDocuments",
    "EditPublicTemplates",
    "EditBrandTemplates",
    "PasswordNeverExpires",
    "RunReports",
    "ViewPublicReports",
    "ViewRoles",
    "ActivitiesAccess",
    "CanApproveUninstalledApps",
    "ManageRemoteAccess",
    "ManageProfilesPermissionsets",
    "AssignPermissionSets",
    "RunFlow",
    "QueryAllFiles",
    "BulkApiHardDelete",
    "AuthorApex",
    "SolutionImport",
    "PrivacyDataAccess",
    "ApexRestServices",
    "ChatterInternalUser",
    "CreateCustomizeDashboards",
    "CreateCustomizeReports",
    "DataExport",
    "EditOppLineItemUnitPrice",
    "EditReadonlyFields",
    "EmailMass",
    "EmailSingle",
    "ExportReport",
    "FreezeUsers",
    "ImportLeads",
    "LightningExperienceUser",
    "ManageAuthProviders",
    "ManageCases",
    "ManageCustomPermissions",
    "ManageDashboards",
    "ManageDataIntegrations",
    "ManageEncryptionKeys",
    "ManageInteraction",
    "ManageInternalUsers",
    "ManageIpAddresses",
    "ManageLeads",
    "ManageLoginAccessPolicies",
    "ManagePasswordPolicies",
    "ManagePvtRptsAndDashbds",
    "ManageReportsInPubFolders",
    "ManageRoles",
    "ManageSharing",
    "ManageTwoFactor",
    "MassInlineEdit",
    "ResetPasswords",
    "ScheduleReports",
    "TransferAnyCase",
    "TransferAnyEntity",
    "TransferAnyLead",
    "ViewDataCategories",
    "ViewEncryptedData",
    "ViewEventLogFiles",
    "ViewHealthCheck",
    "ViewHelpLink",
];

struct F(FieldDef);

impl F {
    fn new(name: &'static str, kind: FieldType) -> Self {
        F(FieldDef {
            name,
            label: label_of(name),
            kind,
            nillable: true,
            createable: true,
            updateable: true,
            calculated: false,
            permissionable: true,
            defaulted: false,
            relationship: None,
            default: None,
        })
    }
    fn required(mut self) -> Self {
        self.0.nillable = false;
        self.0.permissionable = false;
        self
    }
    fn system(mut self) -> Self {
        self.0.createable = false;
        self.0.updateable = false;
        self.0.permissionable = false;
        self
    }
    fn read_only(mut self) -> Self {
        self.0.createable = false;
        self.0.updateable = false;
        self
    }
    fn calculated(mut self) -> Self {
        self.0.calculated = true;
        self.0.createable = false;
        self.0.updateable = false;
        self
    }
    fn not_permissionable(mut self) -> Self {
        self.0.permissionable = false;
        self
    }
    fn create_only(mut self) -> Self {
        self.0.updateable = false;
        self
    }
    fn defaulted(mut self, value: Value) -> Self {
        self.0.nillable = false;
        self.0.defaulted = true;
        self.0.default = Some(value);
        self
    }
    fn rel(mut self, name: &'static str) -> Self {
        self.0.relationship = Some(name);
        self
    }
}

fn label_of(name: &str) -> String {
    let base = name.trim_end_matches("__c").trim_end_matches("Id");
    let base = base.rsplit("__").next().unwrap_or(base).replace('_', " ");
    let mut out = String::new();
    for (i, c) in base.chars().enumerate() {
        if i > 0 && c.is_ascii_uppercase() && !out.ends_with(' ') {
            out.push(' ');
        }
        out.push(c);
    }
    if out.is_empty() { name.to_owned() } else { out }
}

struct O(ObjectDef);

impl O {
    fn new(
        name: &'static str,
        label: &'static str,
        plural: &'static str,
        prefix: &'static str,
    ) -> Self {
        let mut fields = vec![F::new("Id", FieldType::Id).system().0];
        fields[0].nillable = false;
        fields[0].defaulted = true;
        O(ObjectDef {
            name,
            label,
            label_plural: plural,
            key_prefix: prefix,
            setup: false,
            createable: true,
            updateable: true,
            deletable: true,
            fields,
            children: Vec::new(),
        })
    }
    fn setup(mut self) -> Self {
        self.0.setup = true;
        self
    }
    fn read_only(mut self) -> Self {
        self.0.createable = false;
        self.0.updateable = false;
        self.0.deletable = false;
        self
    }
    fn no_update(mut self) -> Self {
        self.0.updateable = false;
        self
    }
    fn no_delete(mut self) -> Self {
        self.0.deletable = false;
        self
    }
    fn field(mut self, field: F) -> Self {
        let mut def = field.0;
        if self.0.setup || !self.0.createable {
            def.permissionable = false;
        }
        if !self.0.createable {
            def.createable = false;
            def.updateable = false;
        }
        self.0.fields.push(def);
        self
    }
    fn owner(self) -> Self {
        self.field(
            F::new("OwnerId", FieldType::Reference(&["User"]))
                .rel("Owner")
                .defaulted(Value::Null)
                .not_permissionable(),
        )
    }
    fn child(mut self, name: &'static str, child: &'static str, field: &'static str) -> Self {
        self.0.children.push(ChildRel { name, child, field });
        self
    }
    fn done(mut self) -> ObjectDef {
        for name in ["CreatedDate", "LastModifiedDate", "SystemModstamp"] {
            self.0
                .fields
                .push(F::new(name, FieldType::DateTime).system().0);
        }
        for (name, rel) in [
            ("CreatedById", "CreatedBy"),
            ("LastModifiedById", "LastModifiedBy"),
        ] {
            self.0.fields.push(
                F::new(name, FieldType::Reference(&["User"]))
                    .system()
                    .rel(rel)
                    .0,
            );
        }
        if !self.0.setup {
            self.0
                .fields
                .push(F::new("IsDeleted", FieldType::Boolean).system().0);
        }
        self.0
    }
}

fn permissions(mut object: O) -> O {
    for name in SYSTEM_PERMISSIONS {
        let field: &'static str = Box::leak(format!("Permissions{name}").into_boxed_str());
        object = object.field(F::new(field, FieldType::Boolean).defaulted(Value::Bool(false)));
    }
    object
}

const SETUP_ENTITIES: &[&str] = &["ApexClass", "ConnectedApplication"];

fn build() -> Vec<ObjectDef> {
    use FieldType as T;
    let text = |n| T::Text(n);
    let mut all = vec![
        O::new("Organization", "Organization", "Organizations", "00D")
            .setup()
            .read_only()
            .field(F::new("Name", text(80)))
            .field(F::new("OrganizationType", text(40)))
            .field(F::new("IsSandbox", T::Boolean))
            .field(F::new("InstanceName", text(5)))
            .field(F::new("NamespacePrefix", text(15)))
            .field(F::new("Country", text(80)))
            .field(F::new("DefaultLocaleSidKey", text(40)))
            .field(F::new("LanguageLocaleKey", text(40)))
            .field(F::new("TimeZoneSidKey", text(40)))
            .done(),
        O::new("UserLicense", "User License", "User Licenses", "100")
            .setup()
            .read_only()
            .field(F::new("Name", text(40)))
            .field(F::new("MasterLabel", text(80)))
            .field(F::new("LicenseDefinitionKey", text(40)))
            .field(F::new("Status", T::Picklist(&["Active", "Disabled"])))
            .field(F::new("TotalLicenses", T::Int))
            .field(F::new("UsedLicenses", T::Int))
            .done(),
        O::new(
            "PermissionSetLicense",
            "Permission Set License",
            "Permission Set Licenses",
            "0PL",
        )
        .setup()
        .read_only()
        .field(F::new("DeveloperName", text(80)))
        .field(F::new("MasterLabel", text(80)))
        .field(F::new("PermissionSetLicenseKey", text(255)))
        .field(F::new("Status", T::Picklist(&["Active", "Disabled"])))
        .field(F::new("TotalLicenses", T::Int))
        .field(F::new("UsedLicenses", T::Int))
        .field(F::new("ExpirationDate", T::Date))
        .field(F::new("IsAvailableForIntegrations", T::Boolean))
        .field(F::new("IsSupplementLicense", T::Boolean))
        .field(F::new("MaximumPermissionsApiEnabled", T::Boolean))
        .field(F::new("MaximumPermissionsApiUserOnly", T::Boolean))
        .child(
            "PermissionSetLicenseAssignments",
            "PermissionSetLicenseAssign",
            "PermissionSetLicenseId",
        )
        .done(),
        permissions(
            O::new("Profile", "Profile", "Profiles", "00e")
                .setup()
                .read_only()
                .field(F::new("Name", text(255)))
                .field(F::new("UserLicenseId", T::Reference(&["UserLicense"])).rel("UserLicense"))
                .field(F::new("UserType", text(40)))
                .field(F::new("Description", text(255))),
        )
        .child("Users", "User", "ProfileId")
        .done(),
        O::new("User", "User", "Users", "005")
            .setup()
            .no_delete()
            .field(F::new("Username", text(80)).required())
            .field(F::new("LastName", text(80)).required())
            .field(F::new("FirstName", text(40)))
            .field(F::new("Name", text(121)).system())
            .field(F::new("Email", T::Email).required())
            .field(F::new("Alias", text(8)).required())
            .field(F::new("CommunityNickname", text(40)).defaulted(Value::Null))
            .field(F::new("TimeZoneSidKey", text(40)).required())
            .field(F::new("LocaleSidKey", text(40)).required())
            .field(F::new("EmailEncodingKey", text(40)).required())
            .field(F::new("LanguageLocaleKey", text(40)).required())
            .field(
                F::new("ProfileId", T::Reference(&["Profile"]))
                    .required()
                    .rel("Profile"),
            )
            .field(F::new("IsActive", T::Boolean).defaulted(Value::Bool(true)))
            .field(F::new("UserType", text(40)).system())
            .field(F::new("LastLoginDate", T::DateTime).system())
            .field(F::new("Title", text(80)))
            .field(F::new("Department", text(80)))
            .field(F::new("CompanyName", text(80)))
            .field(F::new("FederationIdentifier", text(512)))
            .field(F::new("Description", T::TextArea))
            .child(
                "PermissionSetAssignments",
                "PermissionSetAssignment",
                "AssigneeId",
            )
            .child(
                "PermissionSetLicenseAssignments",
                "PermissionSetLicenseAssign",
                "AssigneeId",
            )
            .done(),
        permissions(
            O::new("PermissionSet", "Permission Set", "Permission Sets", "0PS")
                .setup()
                .field(F::new("Name", text(80)).required())
                .field(F::new("Label", text(80)).required())
                .field(F::new("Description", text(255)))
                .field(
                    F::new(
                        "LicenseId",
                        T::Reference(&["PermissionSetLicense", "UserLicense"]),
                    )
                    .rel("License"),
                )
                .field(
                    F::new("ProfileId", T::Reference(&["Profile"]))
                        .system()
                        .rel("Profile"),
                )
                .field(F::new("IsOwnedByProfile", T::Boolean).system())
                .field(F::new("IsCustom", T::Boolean).system())
                .field(F::new("NamespacePrefix", text(15)).system())
                .field(F::new("Type", text(40)).system())
                .field(F::new("PermissionSetGroupId", T::Reference(&["PermissionSet"])).system())
                .field(F::new("HasActivationRequired", T::Boolean).defaulted(Value::Bool(false))),
        )
        .child("Assignments", "PermissionSetAssignment", "PermissionSetId")
        .child("ObjectPerms", "ObjectPermissions", "ParentId")
        .child("FieldPerms", "FieldPermissions", "ParentId")
        .child("SetupEntityAccessItems", "SetupEntityAccess", "ParentId")
        .done(),
        O::new(
            "PermissionSetAssignment",
            "Permission Set Assignment",
            "Permission Set Assignments",
            "0Pa",
        )
        .setup()
        .no_update()
        .field(
            F::new("AssigneeId", T::Reference(&["User"]))
                .required()
                .create_only()
                .rel("Assignee"),
        )
        .field(
            F::new("PermissionSetId", T::Reference(&["PermissionSet"]))
                .create_only()
                .rel("PermissionSet"),
        )
        .field(F::new("PermissionSetGroupId", T::Reference(&["PermissionSet"])).create_only())
        .field(F::new("IsActive", T::Boolean).system())
        .field(F::new("ExpirationDate", T::DateTime))
        .done(),
        O::new(
            "PermissionSetLicenseAssign",
            "Permission Set License Assignment",
            "Permission Set License Assignments",
            // Key prefix not confirmed by any fixture.
            "2LA",
        )
        .setup()
        .no_update()
        .field(
            F::new("AssigneeId", T::Reference(&["User"]))
                .required()
                .create_only()
                .rel("Assignee"),
        )
        .field(
            F::new(
                "PermissionSetLicenseId",
                T::Reference(&["PermissionSetLicense"]),
            )
            .required()
            .create_only()
            .rel("PermissionSetLicense"),
        )
        .done(),
        // Key prefix not confirmed by any fixture.
        O::new(
            "ObjectPermissions",
            "Object Permissions",
            "Object Permissions",
            "110",
        )
        .setup()
        .field(
            F::new("ParentId", T::Reference(&["PermissionSet"]))
                .required()
                .create_only()
                .rel("Parent"),
        )
        .field(F::new("SobjectType", text(40)).required().create_only())
        .field(F::new("PermissionsRead", T::Boolean).defaulted(Value::Bool(false)))
        .field(F::new("PermissionsCreate", T::Boolean).defaulted(Value::Bool(false)))
        .field(F::new("PermissionsEdit", T::Boolean).defaulted(Value::Bool(false)))
        .field(F::new("PermissionsDelete", T::Boolean).defaulted(Value::Bool(false)))
        .field(F::new("PermissionsViewAllRecords", T::Boolean).defaulted(Value::Bool(false)))
        .field(F::new("PermissionsModifyAllRecords", T::Boolean).defaulted(Value::Bool(false)))
        .field(F::new("PermissionsViewAllFields", T::Boolean).defaulted(Value::Bool(false)))
        .done(),
        // Key prefix not confirmed by any fixture.
        O::new(
            "FieldPermissions",
            "Field Permissions",
            "Field Permissions",
            "01k",
        )
        .setup()
        .field(
            F::new("ParentId", T::Reference(&["PermissionSet"]))
                .required()
                .create_only()
                .rel("Parent"),
        )
        .field(F::new("SobjectType", text(40)).required().create_only())
        .field(F::new("Field", text(255)).required().create_only())
        .field(F::new("PermissionsRead", T::Boolean).defaulted(Value::Bool(false)))
        .field(F::new("PermissionsEdit", T::Boolean).defaulted(Value::Bool(false)))
        .done(),
        // Key prefix not confirmed by any fixture.
        O::new(
            "SetupEntityAccess",
            "Setup Entity Access",
            "Setup Entity Access",
            "0J0",
        )
        .setup()
        .no_update()
        .field(
            F::new("ParentId", T::Reference(&["PermissionSet"]))
                .required()
                .create_only()
                .rel("Parent"),
        )
        .field(
            F::new("SetupEntityId", T::Reference(SETUP_ENTITIES))
                .required()
                .create_only(),
        )
        .field(F::new("SetupEntityType", text(40)).system())
        .done(),
        O::new("ApexClass", "Apex Class", "Apex Classes", "01p")
            .setup()
            .read_only()
            .field(F::new("Name", text(255)))
            .field(F::new("NamespacePrefix", text(15)))
            .field(F::new(
                "Status",
                T::Picklist(&["Active", "Deleted", "Inactive"]),
            ))
            .field(F::new("ApiVersion", T::Double))
            .field(F::new("IsValid", T::Boolean))
            .done(),
        // Key prefix not confirmed by any fixture.
        O::new(
            "ConnectedApplication",
            "Connected App",
            "Connected Apps",
            "0H4",
        )
        .setup()
        .read_only()
        .field(F::new("Name", text(255)))
        .field(F::new("OptionsAllowAdminApprovedUsersOnly", T::Boolean))
        .field(F::new("OptionsRefreshTokenValidityMetric", T::Boolean))
        .field(F::new("RefreshTokenValidityPeriod", T::Int))
        .field(F::new("OptionsHasSessionLevelPolicy", T::Boolean))
        .field(F::new("OptionsIsInternal", T::Boolean))
        .field(F::new("MobileStartUrl", T::Url))
        .done(),
    ];
    all.extend(data_objects());
    all
}

fn data_objects() -> Vec<ObjectDef> {
    use FieldType as T;
    let text = |n| T::Text(n);
    vec![
        O::new("Account", "Account", "Accounts", "001")
            .field(F::new("Name", text(255)).required())
            .field(F::new(
                "Type",
                T::Picklist(&["Prospect", "Customer - Direct", "Partner", "Other"]),
            ))
            .field(F::new(
                "Industry",
                T::Picklist(&["Agriculture", "Banking", "Technology", "Other"]),
            ))
            .field(F::new("Phone", T::Phone))
            .field(F::new("Website", T::Url))
            .field(F::new("BillingCity", text(40)))
            .field(F::new("AnnualRevenue", T::Currency))
            .field(F::new("NumberOfEmployees", T::Int))
            .field(F::new("Description", T::TextArea))
            .owner()
            .child("Contacts", "Contact", "AccountId")
            .child("Opportunities", "Opportunity", "AccountId")
            .child("Cases", "Case", "AccountId")
            .done(),
        O::new("Contact", "Contact", "Contacts", "003")
            .field(F::new("FirstName", text(40)))
            .field(F::new("LastName", text(80)).required())
            .field(F::new("Name", text(121)).system())
            .field(F::new("Email", T::Email))
            .field(F::new("Phone", T::Phone))
            .field(F::new("Title", text(128)))
            .field(F::new("AccountId", T::Reference(&["Account"])).rel("Account"))
            .field(F::new(
                "LeadSource",
                T::Picklist(&["Web", "Phone Inquiry", "Partner Referral", "Other"]),
            ))
            .field(F::new("MailingCity", text(40)))
            .field(F::new("Description", T::TextArea))
            .owner()
            .done(),
        O::new("Lead", "Lead", "Leads", "00Q")
            .field(F::new("FirstName", text(40)))
            .field(F::new("LastName", text(80)).required())
            .field(F::new("Name", text(121)).system())
            .field(F::new("Company", text(255)).required())
            .field(F::new("Email", T::Email))
            .field(F::new("Phone", T::Phone))
            .field(F::new("Title", text(128)))
            .field(
                F::new(
                    "Status",
                    T::Picklist(&[
                        "Open - Not Contacted",
                        "Working - Contacted",
                        "Closed - Converted",
                    ]),
                )
                .defaulted(Value::String("Open - Not Contacted".into()))
                .not_permissionable(),
            )
            .field(F::new(
                "LeadSource",
                T::Picklist(&["Web", "Phone Inquiry", "Partner Referral", "Other"]),
            ))
            .field(
                F::new("IsConverted", T::Boolean)
                    .read_only()
                    .not_permissionable(),
            )
            .owner()
            .done(),
        O::new("Opportunity", "Opportunity", "Opportunities", "006")
            .field(F::new("Name", text(120)).required())
            .field(
                F::new(
                    "StageName",
                    T::Picklist(&["Prospecting", "Qualification", "Closed Won", "Closed Lost"]),
                )
                .required(),
            )
            .field(F::new("CloseDate", T::Date).required())
            .field(F::new("Amount", T::Currency))
            .field(F::new("Probability", T::Double))
            .field(F::new("ExpectedRevenue", T::Currency).calculated())
            .field(F::new("AccountId", T::Reference(&["Account"])).rel("Account"))
            .field(
                F::new("IsClosed", T::Boolean)
                    .read_only()
                    .not_permissionable(),
            )
            .field(F::new("IsWon", T::Boolean).read_only().not_permissionable())
            .field(F::new(
                "Type",
                T::Picklist(&["New Customer", "Existing Customer - Upgrade"]),
            ))
            .field(F::new(
                "LeadSource",
                T::Picklist(&["Web", "Phone Inquiry", "Partner Referral", "Other"]),
            ))
            .owner()
            .done(),
        O::new("Campaign", "Campaign", "Campaigns", "701")
            .field(F::new("Name", text(80)).required())
            .field(F::new(
                "Status",
                T::Picklist(&["Planned", "In Progress", "Completed", "Aborted"]),
            ))
            .field(F::new(
                "Type",
                T::Picklist(&["Email", "Webinar", "Conference", "Other"]),
            ))
            .field(F::new("StartDate", T::Date))
            .field(F::new("EndDate", T::Date))
            .field(F::new("IsActive", T::Boolean))
            .field(F::new("BudgetedCost", T::Currency))
            .field(F::new("NumberOfLeads", T::Int).read_only())
            .owner()
            .done(),
        O::new("Task", "Task", "Tasks", "00T")
            .field(F::new("Subject", text(255)))
            .field(
                F::new(
                    "Status",
                    T::Picklist(&["Not Started", "In Progress", "Completed"]),
                )
                .defaulted(Value::String("Not Started".into()))
                .not_permissionable(),
            )
            .field(
                F::new("Priority", T::Picklist(&["High", "Normal", "Low"]))
                    .defaulted(Value::String("Normal".into()))
                    .not_permissionable(),
            )
            .field(F::new("WhoId", T::Reference(&["Contact", "Lead"])).rel("Who"))
            .field(
                F::new(
                    "WhatId",
                    T::Reference(&["Account", "Opportunity", "Case", "Campaign"]),
                )
                .rel("What"),
            )
            .field(F::new("ActivityDate", T::Date))
            .field(F::new("Description", T::TextArea))
            .field(
                F::new("IsClosed", T::Boolean)
                    .read_only()
                    .not_permissionable(),
            )
            .owner()
            .done(),
        O::new("Event", "Event", "Events", "00U")
            .field(F::new("Subject", text(255)))
            .field(F::new("StartDateTime", T::DateTime))
            .field(F::new("EndDateTime", T::DateTime))
            .field(F::new("DurationInMinutes", T::Int))
            .field(F::new("Location", text(255)))
            .field(F::new("WhoId", T::Reference(&["Contact", "Lead"])).rel("Who"))
            .field(
                F::new(
                    "WhatId",
                    T::Reference(&["Account", "Opportunity", "Case", "Campaign"]),
                )
                .rel("What"),
            )
            .field(F::new("Description", T::TextArea))
            .owner()
            .done(),
        O::new("Case", "Case", "Cases", "500")
            .field(F::new("CaseNumber", text(30)).system())
            .field(F::new("Subject", text(255)))
            .field(
                F::new(
                    "Status",
                    T::Picklist(&["New", "Working", "Escalated", "Closed"]),
                )
                .defaulted(Value::String("New".into()))
                .not_permissionable(),
            )
            .field(F::new("Origin", T::Picklist(&["Phone", "Email", "Web"])))
            .field(F::new("Priority", T::Picklist(&["High", "Medium", "Low"])))
            .field(F::new("AccountId", T::Reference(&["Account"])).rel("Account"))
            .field(F::new("ContactId", T::Reference(&["Contact"])).rel("Contact"))
            .field(F::new("Description", T::TextArea))
            .field(
                F::new("IsClosed", T::Boolean)
                    .read_only()
                    .not_permissionable(),
            )
            .owner()
            .done(),
        O::new("Product2", "Product", "Products", "01t")
            .field(F::new("Name", text(255)).required())
            .field(F::new("ProductCode", text(255)))
            .field(F::new(
                "Family",
                T::Picklist(&["None", "Hardware", "Software"]),
            ))
            .field(F::new("IsActive", T::Boolean))
            .field(F::new("Description", T::TextArea))
            .done(),
        O::new("Pricebook2", "Price Book", "Price Books", "01s")
            .field(F::new("Name", text(255)).required())
            .field(F::new("IsActive", T::Boolean))
            .field(F::new("IsStandard", T::Boolean).system())
            .field(F::new("Description", text(255)))
            .done(),
        O::new("Order", "Order", "Orders", "801")
            .field(
                F::new("AccountId", T::Reference(&["Account"]))
                    .required()
                    .rel("Account"),
            )
            .field(F::new("EffectiveDate", T::Date).required())
            .field(F::new("Status", T::Picklist(&["Draft", "Activated"])).required())
            .field(F::new("OrderNumber", text(30)).system())
            .field(F::new("TotalAmount", T::Currency).calculated())
            .field(F::new("Description", T::TextArea))
            .owner()
            .done(),
        O::new(
            "HubSpot_Inc__HubSpot_Intelligence__c",
            "HubSpot Intelligence",
            "HubSpot Intelligence",
            "a0H",
        )
        .field(F::new("Name", text(80)).not_permissionable())
        .field(
            F::new("HubSpot_Inc__Contact__c", T::Reference(&["Contact"]))
                .rel("HubSpot_Inc__Contact__r"),
        )
        .field(F::new("HubSpot_Inc__Lead__c", T::Reference(&["Lead"])).rel("HubSpot_Inc__Lead__r"))
        .field(F::new("HubSpot_Inc__Score__c", T::Double).calculated())
        .owner()
        .done(),
        O::new(
            "HubSpot_Inc__HubSpot_Activity__c",
            "HubSpot Activity",
            "HubSpot Activities",
            "a0I",
        )
        .field(F::new("Name", text(80)).not_permissionable())
        .field(
            F::new(
                "HubSpot_Inc__HubSpot_Intelligence__c",
                T::Reference(&["HubSpot_Inc__HubSpot_Intelligence__c"]),
            )
            .rel("HubSpot_Inc__HubSpot_Intelligence__r"),
        )
        .field(F::new("HubSpot_Inc__Title__c", text(255)))
        .field(F::new("HubSpot_Inc__Body__c", T::TextArea))
        .owner()
        .done(),
    ]
}
