//! The starting orgs: a fresh Enterprise org, one whose free seats are used up, a Developer
//! Edition, a Professional Edition without the Integration licence, and one that blocks new
//! Connected Apps.

use serde_json::{Map, Value, json};

use crate::access::{INTEGRATION_LICENSE, INTEGRATION_PSL};
use crate::dml;
use crate::error::{Error, Result};
use crate::schema;
use crate::settings::Settings;
use crate::store::{OrgData, Record, format_time};

/// A named starting state for a simulated org.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scenario {
    /// Enterprise Edition with 5 unused Salesforce Integration licences and the PSL, standard
    /// objects with a few rows, and the HubSpot managed package installed.
    FreshEnterprise,
    /// Like `FreshEnterprise`, but all 5 Integration seats are held: some by users who never
    /// logged in or not for over a year, plus deactivated integration users holding none.
    FullEnterprise,
    /// Developer Edition: one Integration licence.
    DeveloperEdition,
    /// Professional Edition: no Integration licence, profile or PSL at all.
    ProfessionalEdition,
    /// Like `FreshEnterprise`, but Connected App creation is blocked (the Spring '26 default).
    ConnectedAppBlocked,
}

impl Scenario {
    /// Every scenario name, in the order of the enum.
    pub const NAMES: &'static [&'static str] = &[
        "fresh-enterprise",
        "full-enterprise",
        "developer-edition",
        "professional-edition",
        "connected-app-blocked",
    ];

    /// Every scenario, in the order `sfiu sim scenarios` lists them.
    pub const ALL: [Scenario; 5] = [
        Scenario::FreshEnterprise,
        Scenario::FullEnterprise,
        Scenario::DeveloperEdition,
        Scenario::ProfessionalEdition,
        Scenario::ConnectedAppBlocked,
    ];

    /// Looks a scenario up by its kebab-case name.
    ///
    /// # Errors
    ///
    /// [`Error::UnknownScenario`] when the name is not one of [`Scenario::NAMES`].
    pub fn from_name(name: &str) -> Result<Scenario> {
        Scenario::ALL
            .into_iter()
            .find(|s| s.name() == name)
            .ok_or_else(|| Error::UnknownScenario {
                name: name.to_owned(),
            })
    }

    /// The kebab-case name.
    pub fn name(self) -> &'static str {
        match self {
            Scenario::FreshEnterprise => "fresh-enterprise",
            Scenario::FullEnterprise => "full-enterprise",
            Scenario::DeveloperEdition => "developer-edition",
            Scenario::ProfessionalEdition => "professional-edition",
            Scenario::ConnectedAppBlocked => "connected-app-blocked",
        }
    }

    /// One line saying what the scenario is for.
    pub fn description(self) -> &'static str {
        match self {
            Scenario::FreshEnterprise => {
                "Enterprise Edition, 5 Integration seats all free, the HubSpot package installed"
            }
            Scenario::FullEnterprise => {
                "Enterprise Edition with all 5 Integration seats used, some by abandoned users"
            }
            Scenario::DeveloperEdition => "Developer Edition with its single Integration seat",
            Scenario::ProfessionalEdition => "Professional Edition: no Integration licence at all",
            Scenario::ConnectedAppBlocked => {
                "like fresh-enterprise, but new Connected Apps are refused (the Spring '26 default)"
            }
        }
    }

    /// The settings this scenario starts from.
    pub fn default_settings(self) -> Settings {
        let mut settings = Settings::default();
        match self {
            Scenario::DeveloperEdition => settings.daily_api_limit = 15_000,
            Scenario::ConnectedAppBlocked => settings.connected_app_creation_blocked = true,
            _ => {}
        }
        settings
    }

    fn integration_seats(self) -> Option<i64> {
        match self {
            Scenario::DeveloperEdition => Some(1),
            Scenario::ProfessionalEdition => None,
            _ => Some(5),
        }
    }
}

fn rec(value: Value) -> Record {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

struct Builder {
    org: OrgData,
    domain: String,
}

impl Builder {
    fn insert(&mut self, object: &str, value: Value) -> String {
        self.org.insert(object, rec(value))
    }

    fn profile(
        &mut self,
        name: &str,
        license: &str,
        permissions: &[&str],
        objects: &[(&str, &str)],
    ) -> String {
        let mut profile = json!({"Name": name, "UserLicenseId": license, "UserType": "Standard"});
        let mut set = json!({"IsOwnedByProfile": true, "IsCustom": false, "Type": "Profile"});
        for p in schema::SYSTEM_PERMISSIONS {
            let on = permissions.contains(p) || permissions.contains(&"*");
            profile[format!("Permissions{p}")] = Value::Bool(on);
            set[format!("Permissions{p}")] = Value::Bool(on);
        }
        let profile_id = self.insert("Profile", profile);
        set["ProfileId"] = Value::String(profile_id.clone());
        set["Name"] = Value::String(format!("X{}", &profile_id[..15]));
        set["Label"] = Value::String(format!("X{}", &profile_id[..15]));
        let set_id = self.insert("PermissionSet", set);
        for (object, bits) in objects {
            self.object_permission(&set_id, object, bits);
        }
        profile_id
    }

    /// Adds an ObjectPermissions row; `bits` is a subset of "rcedva" (read, create, edit,
    /// delete, view all, modify all).
    fn object_permission(&mut self, set_id: &str, object: &str, bits: &str) {
        self.insert(
            "ObjectPermissions",
            json!({
                "ParentId": set_id, "SobjectType": object,
                "PermissionsRead": bits.contains('r'), "PermissionsCreate": bits.contains('c'),
                "PermissionsEdit": bits.contains('e'), "PermissionsDelete": bits.contains('d'),
                "PermissionsViewAllRecords": bits.contains('v'), "PermissionsModifyAllRecords": bits.contains('a'),
                "PermissionsViewAllFields": false,
            }),
        );
    }

    fn user(
        &mut self,
        alias: &str,
        last: &str,
        profile: &str,
        active: bool,
        last_login: Option<String>,
    ) -> String {
        let username = format!("{alias}@{}", self.domain);
        let user = json!({
            "Username": username, "LastName": last, "FirstName": null, "Name": last,
            "Email": format!("{alias}@{}", self.domain), "Alias": alias.chars().take(8).collect::<String>(),
            "CommunityNickname": alias, "TimeZoneSidKey": "America/Los_Angeles", "LocaleSidKey": "en_US",
            "EmailEncodingKey": "UTF-8", "LanguageLocaleKey": "en_US", "ProfileId": profile,
            "IsActive": active, "UserType": "Standard", "LastLoginDate": last_login,
        });
        let id = self.insert("User", user);
        self.org.register_username(&username);
        if active {
            let license = self
                .org
                .get("Profile", profile)
                .and_then(|p| p.get("UserLicenseId"))
                .and_then(Value::as_str)
                .map(str::to_owned);
            if let Some(license) = license
                && let Some(row) = self.org.get_mut("UserLicense", &license)
            {
                let used = row.get("UsedLicenses").and_then(Value::as_i64).unwrap_or(0);
                row.insert("UsedLicenses".into(), Value::from(used + 1));
            }
        }
        dml::assign_profile_set(&mut self.org, &id, profile);
        id
    }
}

fn days_ago(days: i64) -> String {
    format_time(time::OffsetDateTime::now_utc() - time::Duration::days(days))
}

/// Builds the org for a scenario.
pub(crate) fn build(scenario: Scenario, settings: Settings) -> OrgData {
    let org = OrgData::empty(scenario.name(), settings);
    let domain = format!(
        "acme-{}.example.com",
        org.org_id[9..15].to_ascii_lowercase()
    );
    let mut b = Builder { org, domain };
    let org_id = b.org.org_id.clone();
    let (edition, full_seats) = match scenario {
        Scenario::DeveloperEdition => ("Developer Edition", 2),
        Scenario::ProfessionalEdition => ("Professional Edition", 10),
        _ => ("Enterprise Edition", 20),
    };
    let organization = rec(json!({
        "Id": org_id, "Name": "Acme (simulated)", "OrganizationType": edition, "IsSandbox": false,
        "InstanceName": "SIM1", "NamespacePrefix": null, "Country": "US",
        "DefaultLocaleSidKey": "en_US", "LanguageLocaleKey": "en_US", "TimeZoneSidKey": "America/Los_Angeles",
    }));
    b.org.insert("Organization", organization);

    let full = b.insert(
        "UserLicense",
        json!({"Name": "Salesforce", "MasterLabel": "Salesforce", "LicenseDefinitionKey": "SFDC",
               "Status": "Active", "TotalLicenses": full_seats, "UsedLicenses": 0}),
    );
    let integration = scenario.integration_seats().map(|seats| {
        // The LicenseDefinitionKey of this licence is not documented; clients must match on Name.
        b.insert(
            "UserLicense",
            json!({"Name": INTEGRATION_LICENSE, "MasterLabel": INTEGRATION_LICENSE,
                   "LicenseDefinitionKey": "PID_SALESFORCE_INTEGRATION", "Status": "Active",
                   "TotalLicenses": seats, "UsedLicenses": 0}),
        )
    });
    if let Some(seats) = scenario.integration_seats() {
        b.insert(
            "PermissionSetLicense",
            json!({"DeveloperName": INTEGRATION_PSL, "MasterLabel": "Salesforce API Integration",
                   "PermissionSetLicenseKey": INTEGRATION_PSL, "Status": "Active",
                   "TotalLicenses": seats, "UsedLicenses": 0, "ExpirationDate": null,
                   "IsAvailableForIntegrations": true, "IsSupplementLicense": false,
                   "MaximumPermissionsApiEnabled": true, "MaximumPermissionsApiUserOnly": true}),
        );
    }

    let admin_profile = b.profile("System Administrator", &full, &["*"], &[]);
    let standard_objects: Vec<(&str, &str)> = [
        "Account",
        "Contact",
        "Lead",
        "Opportunity",
        "Campaign",
        "Task",
        "Event",
        "Case",
    ]
    .into_iter()
    .map(|o| (o, "rced"))
    .collect();
    b.profile(
        "Standard User",
        &full,
        &[
            "ApiEnabled",
            "EditTask",
            "EditEvent",
            "RunReports",
            "ActivitiesAccess",
            "ConvertLeads",
        ],
        &standard_objects,
    );
    b.profile("Minimum Access - Salesforce", &full, &[], &[]);
    let integration_profile = integration.as_ref().map(|license| {
        b.profile(
            "Minimum Access - API Only Integrations",
            license,
            &["ApiEnabled", "ApiUserOnly"],
            &[],
        )
    });

    let admin = b.user("admin", "Admin", &admin_profile, true, Some(days_ago(0)));
    b.org.admin_user_id = admin.clone();
    for table in b.org.tables.values_mut() {
        for record in table.values_mut() {
            for key in ["CreatedById", "LastModifiedById"] {
                record.insert(key.into(), Value::String(admin.clone()));
            }
            if record.get("OwnerId").is_some_and(Value::is_null) {
                record.insert("OwnerId".into(), Value::String(admin.clone()));
            }
        }
    }
    let token = b.org.new_token(&admin, true);
    b.org.admin_token = token;

    if scenario == Scenario::FullEnterprise
        && let Some(profile) = &integration_profile
    {
        b.user(
            "int-gong",
            "Gong Integration",
            profile,
            true,
            Some(days_ago(1)),
        );
        b.user(
            "int-fivetran",
            "Fivetran Integration",
            profile,
            true,
            Some(days_ago(3)),
        );
        b.user(
            "int-legacy",
            "Legacy ETL Integration",
            profile,
            true,
            Some(days_ago(420)),
        );
        b.user("int-pilot", "Pilot Integration", profile, true, None);
        b.user("int-unused", "Unused Integration", profile, true, None);
        b.user(
            "int-old1",
            "Retired Integration",
            profile,
            false,
            Some(days_ago(700)),
        );
        b.user("int-old2", "Retired Sync", profile, false, None);
    }

    install_hubspot(&mut b);
    sample_data(&mut b);
    b.org
}

fn install_hubspot(b: &mut Builder) {
    let set = b.insert(
        "PermissionSet",
        json!({"Name": "HubSpot_Integration_Permissions", "Label": "HubSpot Integration Permissions",
               "Description": "Access to the HubSpot integration package", "NamespacePrefix": "HubSpot_Inc",
               "IsOwnedByProfile": false, "IsCustom": true, "Type": "Regular", "LicenseId": null}),
    );
    b.object_permission(&set, "HubSpot_Inc__HubSpot_Intelligence__c", "rv");
    b.object_permission(&set, "HubSpot_Inc__HubSpot_Activity__c", "rv");
    for field in [
        "HubSpot_Inc__HubSpot_Intelligence__c.HubSpot_Inc__Contact__c",
        "HubSpot_Inc__HubSpot_Intelligence__c.HubSpot_Inc__Lead__c",
        "HubSpot_Inc__HubSpot_Activity__c.HubSpot_Inc__Title__c",
        "HubSpot_Inc__HubSpot_Activity__c.HubSpot_Inc__Body__c",
    ] {
        let object = field.split('.').next().unwrap_or_default();
        b.insert(
            "FieldPermissions",
            json!({"ParentId": set, "SobjectType": object, "Field": field,
                   "PermissionsRead": true, "PermissionsEdit": false}),
        );
    }
    for (name, namespace) in [
        ("SyncController", Some("HubSpot_Inc")),
        ("IntelligenceService", Some("HubSpot_Inc")),
        ("AccountService", None),
        ("LeadRoutingHandler", None),
    ] {
        let class = b.insert(
            "ApexClass",
            json!({"Name": name, "NamespacePrefix": namespace, "Status": "Active", "ApiVersion": 62.0, "IsValid": true}),
        );
        if namespace.is_some() {
            b.insert(
                "SetupEntityAccess",
                json!({"ParentId": set, "SetupEntityId": class, "SetupEntityType": "ApexClass"}),
            );
        }
    }
}

fn sample_data(b: &mut Builder) {
    let account = b.insert(
        "Account",
        json!({"Name": "Edge Communications", "Type": "Customer - Direct", "Industry": "Technology", "BillingCity": "Austin"}),
    );
    let other = b.insert(
        "Account",
        json!({"Name": "Burlington Textiles", "Type": "Prospect", "Industry": "Other"}),
    );
    let contact = b.insert(
        "Contact",
        json!({"FirstName": "Rose", "LastName": "Gonzalez", "Name": "Rose Gonzalez", "Email": "rose@edge.example.com", "AccountId": account, "Title": "SVP, Procurement"}),
    );
    b.insert(
        "Contact",
        json!({"FirstName": "Jack", "LastName": "Rogers", "Name": "Jack Rogers", "Email": "jack@burlington.example.com", "AccountId": other}),
    );
    b.insert(
        "Lead",
        json!({"FirstName": "Bertha", "LastName": "Boxer", "Name": "Bertha Boxer", "Company": "Farmers Coop", "Status": "Open - Not Contacted", "IsConverted": false}),
    );
    b.insert(
        "Opportunity",
        json!({"Name": "Edge Installation", "StageName": "Prospecting", "CloseDate": "2027-03-31", "Amount": 50000.0, "Probability": 10.0, "ExpectedRevenue": 5000.0, "AccountId": account, "IsClosed": false, "IsWon": false}),
    );
    b.insert(
        "Campaign",
        json!({"Name": "Spring Webinar", "Status": "Planned", "Type": "Webinar", "IsActive": true}),
    );
    b.insert(
        "Case",
        json!({"Subject": "Cannot log in", "Status": "New", "Origin": "Web", "AccountId": account, "ContactId": contact, "CaseNumber": "00001001", "IsClosed": false}),
    );
    b.insert("Task", json!({"Subject": "Call Rose", "Status": "Not Started", "Priority": "Normal", "WhoId": contact, "IsClosed": false}));
    b.insert(
        "Product2",
        json!({"Name": "GenWatt Diesel 1000kW", "ProductCode": "GC1060", "IsActive": true}),
    );
    b.insert(
        "Pricebook2",
        json!({"Name": "Standard Price Book", "IsActive": true, "IsStandard": true}),
    );
}
