//! What the free Salesforce Integration user licence is known to reach.
//!
//! Salesforce publishes no list of the objects this licence (with its permission set
//! licence) allows, so this catalogue records only what public sources report, each entry
//! with its source, and answers [`Reach::Unknown`] for everything else. Unknown is a real
//! answer: the runner confirms it against the org before assigning anything. Sources:
//! `shared/reference/salesforce-api.md` §1.1 and §1.6, `plugins.md` A.0.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::requirements::Evidence;

/// `UserLicense.Name` of the free integration licence.
pub const INTEGRATION_USER_LICENSE: &str = "Salesforce Integration";

/// The current profile of that licence. It was renamed once, so look the profile up
/// through its licence ([`PROFILE_BY_LICENSE_SOQL`]) rather than by this name.
pub const INTEGRATION_PROFILE: &str = "Minimum Access - API Only Integrations";

/// The deprecated profile older orgs may still have instead.
pub const LEGACY_INTEGRATION_PROFILE: &str = "Salesforce API Only System Integrations";

/// SOQL that finds the integration profile whatever it is called in this org.
pub const PROFILE_BY_LICENSE_SOQL: &str =
    "SELECT Id, Name FROM Profile WHERE UserLicense.Name = 'Salesforce Integration'";

/// `PermissionSetLicense.DeveloperName` of the API integration permission set licence.
///
/// Community-confirmed only, and one public repository spells it with `PSL`, so compare
/// with [`is_integration_psl`].
pub const INTEGRATION_PSL_DEVELOPER_NAME: &str = "SalesforceAPIIntegrationPsl";

/// `PermissionSetLicense.MasterLabel` of the same licence (official).
pub const INTEGRATION_PSL_LABEL: &str = "Salesforce API Integration";

/// Whether a `PermissionSetLicense.DeveloperName` is the API integration PSL.
pub fn is_integration_psl(developer_name: &str) -> bool {
    developer_name.eq_ignore_ascii_case(INTEGRATION_PSL_DEVELOPER_NAME)
}

/// Whether an object is reachable on the Integration licence with its PSL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Reach {
    /// Public reports show it working.
    Reachable,
    /// Public sources say it does not work without more licences.
    Unreachable,
    /// Nobody says; the live check against the org decides.
    Unknown,
}

impl fmt::Display for Reach {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(match self {
            Self::Reachable => "reachable",
            Self::Unreachable => "not reachable",
            Self::Unknown => "unknown",
        })
    }
}

/// One catalogue answer: reach, how sure, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ObjectReach {
    /// The sObject API name as catalogued (or as asked, for unknown objects).
    pub object: &'static str,
    /// The answer.
    pub reach: Reach,
    /// How well the answer is backed.
    pub evidence: Evidence,
    /// A caveat worth printing, e.g. a feature licence that is also needed.
    pub note: &'static str,
    /// Where the answer comes from.
    pub source: &'static str,
}

const HELP_PAGE: &str =
    "https://help.salesforce.com/s/articleView?id=platform.integration_user.htm";
const FSC_PAGE: &str = "https://help.salesforce.com/apex/HTViewHelpDoc?id=ind.fsc_admin_fam_integration_user_access.htm";
const REPORTS: &str = "community reports collected in salesforce-api.md §1.6";
const PICNET: &str = "https://support.picnet.net/hc/en-us/articles/23748727755163-Troubleshooting-Marketing-User-Checkbox-for-Integration-User";

const fn entry(
    object: &'static str,
    reach: Reach,
    evidence: Evidence,
    note: &'static str,
    source: &'static str,
) -> ObjectReach {
    ObjectReach {
        object,
        reach,
        evidence,
        note,
        source,
    }
}

/// Objects the catalogue has an opinion on.
pub const OBJECT_REACH: &[ObjectReach] = &[
    entry("Account", Reach::Reachable, Evidence::Reported, "", REPORTS),
    entry("Contact", Reach::Reachable, Evidence::Reported, "", REPORTS),
    entry(
        "Campaign",
        Reach::Reachable,
        Evidence::Reported,
        "creating or editing campaigns also needs a Marketing User feature licence, which the \
         integration user does not get by default",
        PICNET,
    ),
    entry(
        "Opportunity",
        Reach::Reachable,
        Evidence::Reported,
        "",
        REPORTS,
    ),
    entry("Order", Reach::Reachable, Evidence::Reported, "", REPORTS),
    entry(
        "Pricebook2",
        Reach::Reachable,
        Evidence::Reported,
        "",
        REPORTS,
    ),
    entry(
        "Product2",
        Reach::Reachable,
        Evidence::Reported,
        "",
        REPORTS,
    ),
    entry(
        "FinancialAccount",
        Reach::Unreachable,
        Evidence::Documented,
        "Financial Services Cloud objects need the integration PSL edited first",
        FSC_PAGE,
    ),
    entry(
        "FinancialAccountRole",
        Reach::Unreachable,
        Evidence::Documented,
        "Financial Services Cloud objects need the integration PSL edited first",
        FSC_PAGE,
    ),
    entry(
        "FinancialGoal",
        Reach::Unreachable,
        Evidence::Documented,
        "Financial Services Cloud objects need the integration PSL edited first",
        FSC_PAGE,
    ),
    entry(
        "FinancialHolding",
        Reach::Unreachable,
        Evidence::Documented,
        "Financial Services Cloud objects need the integration PSL edited first",
        FSC_PAGE,
    ),
    entry("Lead", Reach::Unknown, Evidence::Unconfirmed, "", REPORTS),
    entry("Case", Reach::Unknown, Evidence::Unconfirmed, "", REPORTS),
    entry("Task", Reach::Unknown, Evidence::Unconfirmed, "", REPORTS),
    entry("Event", Reach::Unknown, Evidence::Unconfirmed, "", REPORTS),
    entry("Quote", Reach::Unknown, Evidence::Unconfirmed, "", REPORTS),
    entry("Asset", Reach::Unknown, Evidence::Unconfirmed, "", REPORTS),
    entry(
        "Contract",
        Reach::Unknown,
        Evidence::Unconfirmed,
        "",
        REPORTS,
    ),
    entry("User", Reach::Unknown, Evidence::Unconfirmed, "", REPORTS),
];

/// What the catalogue knows about `object` on the Integration licence.
///
/// Objects it has no entry for come back as [`Reach::Unknown`] with the help page as source.
pub fn object_reach(object: &str) -> ObjectReach {
    OBJECT_REACH
        .iter()
        .find(|entry| entry.object.eq_ignore_ascii_case(object))
        .copied()
        .unwrap_or(ObjectReach {
            object: "",
            reach: Reach::Unknown,
            evidence: Evidence::Unconfirmed,
            note: "no public source lists this object; the live check decides",
            source: HELP_PAGE,
        })
}

/// System permissions reported unavailable on the Integration licence, with the source.
pub const UNAVAILABLE_SYSTEM_PERMISSIONS: &[(&str, &str)] = &[
    (
        "PermissionsSolutionImport",
        "an integration vendor's public setup page (plugins.md A.0)",
    ),
    (
        "PermissionsRunReports",
        "an integration vendor's public setup page (plugins.md A.0)",
    ),
    (
        "PermissionsEmailSingle",
        "an integration vendor's public setup page (plugins.md A.0)",
    ),
    (
        "PermissionsEditBrandTemplates",
        "an integration vendor's public setup page (plugins.md A.0)",
    ),
    (
        "PermissionsChatterInternalUser",
        "an integration vendor's public setup page (plugins.md A.0)",
    ),
];

/// The source saying `api_name` is unavailable on the Integration licence, if one does.
pub fn unavailable_system_permission(api_name: &str) -> Option<&'static str> {
    UNAVAILABLE_SYSTEM_PERMISSIONS
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(api_name))
        .map(|(_, source)| *source)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_answers_with_sources() {
        let check = |object: &str, reach: Reach| {
            let answer = object_reach(object);
            assert_eq!(answer.reach, reach, "{object}");
            assert!(!answer.source.is_empty(), "{object}");
        };
        check("Account", Reach::Reachable);
        check("contact", Reach::Reachable);
        check("FinancialAccount", Reach::Unreachable);
        check("Lead", Reach::Unknown);
        check("Invoice__c", Reach::Unknown);
    }

    #[test]
    fn psl_name_matches_case_insensitively() {
        assert!(is_integration_psl("SalesforceAPIIntegrationPsl"));
        assert!(is_integration_psl("SalesforceAPIIntegrationPSL"));
        assert!(!is_integration_psl("SalesforceIntegrationPsl"));
    }

    #[test]
    fn reported_unavailable_permissions() {
        assert!(unavailable_system_permission("PermissionsRunReports").is_some());
        assert!(unavailable_system_permission("PermissionsApiEnabled").is_none());
    }
}
