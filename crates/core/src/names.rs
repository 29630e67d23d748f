//! Salesforce naming rules, checked before anything reaches the org.
//!
//! Each check returns the reason a name is wrong, so validation can report it with the
//! field's path. The rules follow the developer-name rule Salesforce documents (letters,
//! digits and underscores, starting with a letter, no trailing or double underscore) and the
//! User field lengths in `salesforce-api.md` §3.1.

/// Longest `Username` and `Email` Salesforce accepts.
pub(crate) const MAX_USERNAME_LENGTH: usize = 80;
/// Longest `Email`.
pub(crate) const MAX_EMAIL_LENGTH: usize = 80;
/// Longest `LastName`.
pub(crate) const MAX_LAST_NAME_LENGTH: usize = 80;
/// Longest `FirstName`.
pub(crate) const MAX_FIRST_NAME_LENGTH: usize = 40;
/// Longest `Alias`.
pub(crate) const MAX_ALIAS_LENGTH: usize = 8;
/// Longest PermissionSet `Name` and `Label`.
pub(crate) const MAX_PERMISSION_SET_NAME_LENGTH: usize = 80;
/// Longest part of an object or field API name, without namespace and suffix.
pub(crate) const MAX_API_NAME_PART_LENGTH: usize = 40;
/// Longest managed-package namespace prefix.
pub(crate) const MAX_NAMESPACE_LENGTH: usize = 15;
/// Longest integration id.
pub(crate) const MAX_INTEGRATION_ID_LENGTH: usize = 40;

/// Suffixes of custom sObject API names (`Name__c`, `ns__Name__mdt`, …).
const OBJECT_SUFFIXES: &[&str] = &[
    "c",
    "mdt",
    "e",
    "x",
    "b",
    "kav",
    "ka",
    "Share",
    "History",
    "Feed",
    "ChangeEvent",
    "hd",
];

/// Suffixes of custom field API names (`Name__c`, person-account `__pc`, geolocation `__s`).
const FIELD_SUFFIXES: &[&str] = &["c", "pc", "s", "r"];

/// Checks the developer-name rule: letters, digits, underscores; starts with a letter; no
/// trailing or double underscore.
pub fn check_developer_name(name: &str) -> Result<(), String> {
    let Some(first) = name.chars().next() else {
        return Err("is empty".to_owned());
    };
    if !first.is_ascii_alphabetic() {
        return Err("must start with a letter".to_owned());
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !c.is_ascii_alphanumeric() && *c != '_')
    {
        return Err(format!(
            "contains `{bad}`; only letters, digits and underscores are allowed"
        ));
    }
    if name.contains("__") {
        return Err("contains a double underscore".to_owned());
    }
    if name.ends_with('_') {
        return Err("ends with an underscore".to_owned());
    }
    Ok(())
}

fn check_part(part: &str, what: &str) -> Result<(), String> {
    check_developer_name(part).map_err(|reason| format!("{what} `{part}` {reason}"))?;
    if part.len() > MAX_API_NAME_PART_LENGTH {
        return Err(format!(
            "{what} `{part}` is longer than {MAX_API_NAME_PART_LENGTH} characters"
        ));
    }
    Ok(())
}

fn check_namespace_part(namespace: &str) -> Result<(), String> {
    check_namespace(namespace).map_err(|reason| format!("namespace {reason}"))
}

/// Checks a managed-package namespace prefix such as `HubSpot_Inc`.
pub fn check_namespace(namespace: &str) -> Result<(), String> {
    check_developer_name(namespace)?;
    if namespace.len() > MAX_NAMESPACE_LENGTH {
        return Err(format!("is longer than {MAX_NAMESPACE_LENGTH} characters"));
    }
    Ok(())
}

/// Checks an API name of the form `Name`, `Name__suffix` or `ns__Name__suffix`.
fn check_api_name(name: &str, suffixes: &[&str], what: &str) -> Result<(), String> {
    let parts: Vec<&str> = name.split("__").collect();
    let check_suffix = |suffix: &str| {
        if suffixes.contains(&suffix) {
            Ok(())
        } else {
            Err(format!(
                "has the unknown suffix `__{suffix}`; custom {what}s end in {}",
                suffixes
                    .iter()
                    .map(|s| format!("`__{s}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        }
    };
    match parts.as_slice() {
        [single] => check_part(single, "name"),
        [base, suffix] => {
            check_suffix(suffix)?;
            check_part(base, "name")
        }
        [namespace, base, suffix] => {
            check_suffix(suffix)?;
            check_namespace_part(namespace)?;
            check_part(base, "name")
        }
        _ => Err("has too many `__` separators for an API name".to_owned()),
    }
}

/// Checks an sObject API name: `Contact`, `Invoice__c` or `ns__Invoice__c`.
pub fn check_object_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("is empty".to_owned());
    }
    check_api_name(name, OBJECT_SUFFIXES, "object")
}

/// Checks a field reference of the form `Object.Field`, e.g. `Contact.Email`.
pub fn check_field_name(name: &str) -> Result<(), String> {
    let Some((object, field)) = name.split_once('.') else {
        return Err("must be `Object.Field`, e.g. `Contact.Email`".to_owned());
    };
    check_object_name(object).map_err(|reason| format!("object part: {reason}"))?;
    if field.is_empty() {
        return Err("field part is empty".to_owned());
    }
    check_api_name(field, FIELD_SUFFIXES, "field").map_err(|reason| format!("field part: {reason}"))
}

/// Checks a PermissionSet API name (`Name`).
pub fn check_permission_set_name(name: &str) -> Result<(), String> {
    check_developer_name(name)?;
    if name.len() > MAX_PERMISSION_SET_NAME_LENGTH {
        return Err(format!(
            "is longer than {MAX_PERMISSION_SET_NAME_LENGTH} characters"
        ));
    }
    Ok(())
}

/// Checks an Apex class name: `ClassName` or `ns.ClassName`.
pub fn check_apex_class_name(name: &str) -> Result<(), String> {
    match name.split_once('.') {
        Some((namespace, class)) => {
            check_namespace_part(namespace)?;
            check_part(class, "class")
        }
        None => check_part(name, "class"),
    }
}

/// Checks a custom permission name: `Name` or `ns__Name`.
pub fn check_custom_permission_name(name: &str) -> Result<(), String> {
    match name.split("__").collect::<Vec<_>>().as_slice() {
        [single] => check_part(single, "name"),
        [namespace, base] => {
            check_namespace_part(namespace)?;
            check_part(base, "name")
        }
        _ => Err("has too many `__` separators; use `Name` or `ns__Name`".to_owned()),
    }
}

/// Checks that a value has the form of an e-mail address (`local@domain.tld`).
///
/// This is a shape check, not RFC 5322: it catches the mistakes people make in a config
/// file (missing `@`, spaces, no dot in the domain), which is what Salesforce rejects too.
pub fn check_email_form(value: &str) -> Result<(), String> {
    if value.is_empty() {
        return Err("is empty".to_owned());
    }
    if let Some(bad) = value.chars().find(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!(
            "contains whitespace or a control character ({bad:?})"
        ));
    }
    let Some((local, domain)) = value.split_once('@') else {
        return Err("has no `@`".to_owned());
    };
    if local.is_empty() {
        return Err("has nothing before the `@`".to_owned());
    }
    if domain.contains('@') {
        return Err("has more than one `@`".to_owned());
    }
    if !domain.contains('.') || domain.split('.').any(str::is_empty) {
        return Err(format!("has an invalid domain `{domain}`"));
    }
    Ok(())
}

/// Checks that `value` is not empty and at most `max` characters long.
pub fn check_length(value: &str, max: usize) -> Result<(), String> {
    let length = value.chars().count();
    if length == 0 {
        return Err("is empty".to_owned());
    }
    if length > max {
        return Err(format!("is {length} characters long; the limit is {max}"));
    }
    Ok(())
}

/// Checks an integration id: lower-case letters, digits and hyphens, starting with a letter.
pub fn check_integration_id(id: &str) -> Result<(), String> {
    let Some(first) = id.chars().next() else {
        return Err("is empty".to_owned());
    };
    if !first.is_ascii_lowercase() {
        return Err("must start with a lower-case letter".to_owned());
    }
    if let Some(bad) = id
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-'))
    {
        return Err(format!(
            "contains `{bad}`; use lower-case letters, digits and hyphens"
        ));
    }
    if id.len() > MAX_INTEGRATION_ID_LENGTH {
        return Err(format!(
            "is longer than {MAX_INTEGRATION_ID_LENGTH} characters"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs `check` on each input and compares "ok" or the error text.
    fn check(checker: fn(&str) -> Result<(), String>, cases: &[(&str, &str)]) {
        for (input, expected) in cases {
            let actual = match checker(input) {
                Ok(()) => "ok".to_owned(),
                Err(reason) => reason,
            };
            assert_eq!(&actual, expected, "input `{input}`");
        }
    }

    #[test]
    fn object_names() {
        check(
            check_object_name,
            &[
                ("Contact", "ok"),
                ("Pricebook2", "ok"),
                ("Invoice__c", "ok"),
                ("HubSpot_Inc__HubSpot_Intelligence__c", "ok"),
                ("Setting__mdt", "ok"),
                ("", "is empty"),
                ("2Contact", "name `2Contact` must start with a letter"),
                (
                    "Con tact",
                    "name `Con tact` contains ` `; only letters, digits and underscores are allowed",
                ),
                ("Invoice_", "name `Invoice_` ends with an underscore"),
                (
                    "Invoice__q",
                    "has the unknown suffix `__q`; custom objects end in `__c`, `__mdt`, `__e`, `__x`, `__b`, `__kav`, `__ka`, `__Share`, `__History`, `__Feed`, `__ChangeEvent`, `__hd`",
                ),
                ("a__b__c__c", "has too many `__` separators for an API name"),
                ("_x__Name__c", "namespace must start with a letter"),
            ],
        );
    }

    #[test]
    fn field_names() {
        check(
            check_field_name,
            &[
                ("Contact.Email", "ok"),
                ("Contact.AccountId", "ok"),
                ("Lead.mkto71_Lead_Score__c", "ok"),
                (
                    "HubSpot_Inc__HubSpot_Intelligence__c.HubSpot_Inc__Contact__c",
                    "ok",
                ),
                ("Email", "must be `Object.Field`, e.g. `Contact.Email`"),
                ("Contact.", "field part is empty"),
                (
                    "Contact.Bad-Name",
                    "field part: name `Bad-Name` contains `-`; only letters, digits and underscores are allowed",
                ),
                (
                    "1Contact.Email",
                    "object part: name `1Contact` must start with a letter",
                ),
            ],
        );
    }

    #[test]
    fn permission_set_names() {
        let long = "A".repeat(81);
        check(
            check_permission_set_name,
            &[
                ("HubSpot_Integration", "ok"),
                ("A1", "ok"),
                ("1A", "must start with a letter"),
                ("Hub__Spot", "contains a double underscore"),
                ("HubSpot_", "ends with an underscore"),
                (
                    "Hub-Spot",
                    "contains `-`; only letters, digits and underscores are allowed",
                ),
                (&long, "is longer than 80 characters"),
            ],
        );
    }

    #[test]
    fn email_forms() {
        check(
            check_email_form,
            &[
                ("integration-hubspot@acme.example", "ok"),
                ("a@b.c", "ok"),
                ("", "is empty"),
                ("no-at.example", "has no `@`"),
                ("@acme.example", "has nothing before the `@`"),
                ("a@b@acme.example", "has more than one `@`"),
                ("a@localhost", "has an invalid domain `localhost`"),
                ("a@acme..example", "has an invalid domain `acme..example`"),
                (
                    "a b@acme.example",
                    "contains whitespace or a control character (' ')",
                ),
            ],
        );
    }

    #[test]
    fn apex_and_custom_permission_names() {
        check(
            check_apex_class_name,
            &[
                ("SyncService", "ok"),
                ("HubSpot_Inc.SyncService", "ok"),
                (
                    "Sync.Ser vice",
                    "class `Ser vice` contains ` `; only letters, digits and underscores are allowed",
                ),
            ],
        );
        check(
            check_custom_permission_name,
            &[
                ("Can_Sync", "ok"),
                ("ns__Can_Sync", "ok"),
                (
                    "a__b__c",
                    "has too many `__` separators; use `Name` or `ns__Name`",
                ),
            ],
        );
    }

    #[test]
    fn lengths_and_ids() {
        check(
            |value| check_length(value, 8),
            &[
                ("hubspot", "ok"),
                ("", "is empty"),
                ("hubspot-1", "is 9 characters long; the limit is 8"),
            ],
        );
        check(
            check_integration_id,
            &[
                ("hubspot", "ok"),
                ("data-warehouse-2", "ok"),
                ("HubSpot", "must start with a lower-case letter"),
                (
                    "hub_spot",
                    "contains `_`; use lower-case letters, digits and hyphens",
                ),
            ],
        );
    }
}
