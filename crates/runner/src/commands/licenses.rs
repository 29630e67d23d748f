//! `sfiu licenses`: the seat report for the free integration allocation — the Salesforce
//! Integration user licence and the Salesforce API Integration permission set licence —
//! with the users holding them and the ones that look abandoned.
//!
//! One Composite request of four queries; the user query is filtered by the licence, so
//! its size follows the number of integration users, not the org's. It exits 1 when no
//! Integration seat is free, because that stops the next `apply`.

use std::collections::BTreeSet;

use anyhow::Context as _;
use clap::Args;
use serde::Serialize;
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::job::audit::{STALE_LOGIN_DAYS, parse_date};
use crate::job::observe::{query_subrequest, records, run_queries, soql_string};
use crate::org::{self, OrgArgs};
use crate::output::{Format, Outcome, Printer, Tone};

/// Arguments of `sfiu licenses`.
#[derive(Debug, Args)]
pub(crate) struct LicensesArgs {
    #[command(flatten)]
    pub(crate) org: OrgArgs,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub(crate) format: Format,
}

/// Seats of one licence.
#[derive(Debug, Clone, Serialize)]
struct Seats {
    name: String,
    total: i64,
    used: i64,
    free: i64,
}

/// One user on the Integration licence.
#[derive(Debug, Clone, Serialize)]
struct Holder {
    username: String,
    name: String,
    profile: String,
    active: bool,
    /// Active users hold a user licence seat; deactivated ones free it.
    holds_seat: bool,
    holds_psl: bool,
    last_login: Option<String>,
    days_since_login: Option<i64>,
    /// Why the user looks abandoned, if it does.
    abandoned: Option<String>,
}

/// Runs `sfiu licenses`.
pub(crate) fn run(arguments: &LicensesArgs, printer: &Printer) -> anyhow::Result<Outcome> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(run_async(arguments, printer))
}

fn count(record: &Value, field: &str) -> i64 {
    record.get(field).and_then(Value::as_i64).unwrap_or(0)
}

fn text(record: &Value, path: &str) -> Option<String> {
    let mut value = record;
    for part in path.split('.') {
        value = value.get(part)?;
    }
    value.as_str().map(str::to_owned)
}

fn seats(name: &str, record: &Value) -> Seats {
    let total = count(record, "TotalLicenses");
    let used = count(record, "UsedLicenses");
    Seats {
        name: name.to_owned(),
        total,
        used,
        free: (total - used).max(0),
    }
}

async fn run_async(arguments: &LicensesArgs, printer: &Printer) -> anyhow::Result<Outcome> {
    let org = org::connect(&arguments.org).await?;
    let session = &org.session;
    let license = soql_string(sfiu_core::INTEGRATION_USER_LICENSE);
    let queries = vec![
        query_subrequest(
            session,
            "userLicense",
            &format!(
                "SELECT Id, Name, TotalLicenses, UsedLicenses FROM UserLicense WHERE Name = {license}"
            ),
        ),
        query_subrequest(
            session,
            "psl",
            "SELECT Id, DeveloperName, MasterLabel, TotalLicenses, UsedLicenses FROM PermissionSetLicense",
        ),
        query_subrequest(
            session,
            "users",
            &format!(
                "SELECT Id, Username, Name, IsActive, LastLoginDate, Profile.Name FROM User \
                 WHERE Profile.UserLicense.Name = {license} ORDER BY Username"
            ),
        ),
        query_subrequest(
            session,
            "pslHolders",
            &format!(
                "SELECT Id, Assignee.Username FROM PermissionSetLicenseAssign \
                 WHERE PermissionSetLicense.DeveloperName = {}",
                soql_string(sfiu_core::INTEGRATION_PSL_DEVELOPER_NAME)
            ),
        ),
    ];
    let responses = run_queries(session, queries)
        .await
        .with_context(|| format!("failed to read the licences of {}", org.label))?;

    let user_license = records(&responses, "userLicense")?
        .first()
        .map(|record| seats(sfiu_core::INTEGRATION_USER_LICENSE, record));
    let psl = records(&responses, "psl")?
        .iter()
        .find(|record| {
            text(record, "DeveloperName").is_some_and(|name| sfiu_core::is_integration_psl(&name))
        })
        .map(|record| seats(sfiu_core::INTEGRATION_PSL_LABEL, record));
    let psl_holders: BTreeSet<String> = records(&responses, "pslHolders")?
        .iter()
        .filter_map(|record| text(record, "Assignee.Username"))
        .map(|username| username.to_ascii_lowercase())
        .collect();
    let now = OffsetDateTime::now_utc();
    let holders: Vec<Holder> = records(&responses, "users")?
        .iter()
        .map(|record| holder(record, &psl_holders, now))
        .collect();

    // No free seat (or no licence at all) means no new integration user can be made: the
    // problem this report exists to catch before an `apply` runs into it.
    let has_free_seat = user_license.as_ref().is_some_and(|seats| seats.free > 0);
    if arguments.format == Format::Json {
        printer.json(&json!({
            "format_version": 1,
            "command": "licenses",
            "user_license": user_license,
            "permission_set_license": psl,
            "users": holders,
            "abandoned": holders.iter().filter(|holder| holder.abandoned.is_some()).count(),
            "has_free_seat": has_free_seat,
            "stale_after_days": STALE_LOGIN_DAYS,
            "round_trips": org.client.round_trips(),
        }));
    } else {
        print_human(printer, user_license.as_ref(), psl.as_ref(), &holders);
    }
    Ok(if has_free_seat {
        Outcome::Success
    } else {
        Outcome::ProblemsFound
    })
}

/// Why an integration user looks abandoned (inactive, never logged in, or no login for
/// more than 90 days), or `None` when it looks in use.
pub(crate) fn abandonment(active: bool, days_since_login: Option<i64>) -> Option<String> {
    if !active {
        return Some("inactive".to_owned());
    }
    match days_since_login {
        None => Some("never logged in".to_owned()),
        Some(days) if days > STALE_LOGIN_DAYS => Some(format!("no login for {days} days")),
        Some(_) => None,
    }
}

fn holder(record: &Value, psl_holders: &BTreeSet<String>, now: OffsetDateTime) -> Holder {
    let username = text(record, "Username").unwrap_or_default();
    let active = record
        .get("IsActive")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let last_login = text(record, "LastLoginDate");
    let days_since_login = last_login
        .as_deref()
        .and_then(parse_date)
        .map(|last| (now - last).whole_days());
    let abandoned = abandonment(active, days_since_login);
    Holder {
        holds_psl: psl_holders.contains(&username.to_ascii_lowercase()),
        username,
        name: text(record, "Name").unwrap_or_default(),
        profile: text(record, "Profile.Name").unwrap_or_default(),
        active,
        holds_seat: active,
        last_login,
        days_since_login,
        abandoned,
    }
}

fn print_human(
    printer: &Printer,
    user_license: Option<&Seats>,
    psl: Option<&Seats>,
    holders: &[Holder],
) {
    printer.data(format!(
        "{:<36} {:>5} {:>5} {:>5}",
        "LICENCE", "TOTAL", "USED", "FREE"
    ));
    for (name, seats) in [
        (sfiu_core::INTEGRATION_USER_LICENSE, user_license),
        (sfiu_core::INTEGRATION_PSL_LABEL, psl),
    ] {
        match seats {
            Some(seats) => printer.data(format!(
                "{:<36} {:>5} {:>5} {:>5}",
                seats.name, seats.total, seats.used, seats.free
            )),
            None => printer.data(format!("{name:<36} (not in this org)")),
        }
    }
    printer.data("");
    if holders.is_empty() {
        printer.data("no users on the Salesforce Integration licence");
    } else {
        print_holders(printer, holders);
    }
    let n_abandoned = holders
        .iter()
        .filter(|holder| holder.abandoned.is_some() && holder.holds_seat)
        .count();
    match user_license {
        Some(seats) if seats.free == 0 => printer.warn(format!(
            "no free `{}` seat ({} of {} used); {n_abandoned} seat(s) are held by users that look abandoned — deactivating one frees its seat",
            seats.name, seats.used, seats.total
        )),
        Some(_) => {}
        None => printer.warn(format!(
            "the org has no `{}` licence, so it cannot hold an integration user on it",
            sfiu_core::INTEGRATION_USER_LICENSE
        )),
    }
}

fn print_holders(printer: &Printer, holders: &[Holder]) {
    printer.data(format!(
        "{:<44} {:<7} {:<4} {:<30} {}",
        "INTEGRATION USER", "ACTIVE", "PSL", "LAST LOGIN", "LOOKS ABANDONED"
    ));
    for holder in holders {
        let abandoned = holder
            .abandoned
            .as_deref()
            .map_or_else(String::new, |reason| printer.paint(Tone::Warning, reason));
        printer.data(format!(
            "{:<44} {:<7} {:<4} {:<30} {abandoned}",
            holder.username,
            if holder.active { "yes" } else { "no" },
            if holder.holds_psl { "yes" } else { "no" },
            holder.last_login.as_deref().unwrap_or("never"),
        ));
    }
}
