//! Markdown rendering of a [`Runbook`]: one document a future admin can read top to bottom.
//!
//! Sections follow the admin's questions in order: what is this, who is the user, what can
//! it do and why, how does the vendor log in, where are the certificate and key, how do I
//! test, rotate and revoke it. Tables are sorted so that two runs over the same org give the
//! same text.

use std::fmt::Write as _;

use sfiu_core::{Provenance, Requirements, strongest_need};

use crate::model::Runbook;

/// Renders a runbook as Markdown, one sentence per line, ending with a newline.
pub fn render_markdown(runbook: &Runbook) -> String {
    let mut out = String::new();
    header(&mut out, runbook);
    user(&mut out, runbook);
    permissions(&mut out, &runbook.requirements);
    app(&mut out, runbook);
    certificate(&mut out, runbook);
    vendor_steps(&mut out, runbook);
    verification(&mut out, runbook);
    how_to(&mut out, runbook);
    out
}

// `write!` into a `String` cannot fail, so the results below are discarded on purpose.

fn header(out: &mut String, runbook: &Runbook) {
    let integration = &runbook.integration;
    let _ = writeln!(
        out,
        "# Integration user runbook: {} (`{}`)\n",
        integration.name, integration.id
    );
    let _ = write!(
        out,
        "Generated {} by sfiu {} from plugin `{}` {} (preset `{}`, vendor {})",
        runbook.generated_at,
        runbook.tool_version,
        integration.plugin,
        integration.plugin_version,
        integration.preset,
        integration.vendor
    );
    match &integration.spec_file {
        Some(spec_file) => {
            let _ = writeln!(out, " and the spec file `{spec_file}`.");
        }
        None => {
            let _ = writeln!(out, ".");
        }
    }
    if integration.features.is_empty() {
        let _ = writeln!(
            out,
            "Vendor features on: none, so no grant that depends on a feature was given."
        );
    } else {
        let _ = writeln!(
            out,
            "Vendor features on: {}; grants that depend on any other feature were left out.",
            code_list(&integration.features)
        );
    }
    let _ = writeln!(
        out,
        "Regenerate this page from the org's current state with `sfiu runbook` (see \"How to\" below).\n"
    );
    let org = &runbook.org;
    let _ = writeln!(out, "## Org\n");
    let _ = writeln!(out, "| | |\n|---|---|");
    let _ = writeln!(out, "| Organisation id | `{}` |", org.org_id);
    let _ = writeln!(out, "| Edition | {} |", escape(&org.edition));
    let _ = writeln!(out, "| Instance URL | {} |", org.instance_url);
    let _ = writeln!(out, "| Login URL (JWT audience) | {} |", org.login_url);
    let _ = writeln!(out, "| API version | {} |\n", org.api_version);
}

fn user(out: &mut String, runbook: &Runbook) {
    let user = &runbook.user;
    let _ = writeln!(out, "## Integration user\n");
    let _ = writeln!(out, "| | |\n|---|---|");
    let _ = writeln!(out, "| Username | `{}` |", user.username);
    let _ = writeln!(out, "| E-mail | `{}` |", user.email);
    if let Some(id) = &user.id {
        let _ = writeln!(out, "| Id | `{id}` |");
    }
    let _ = writeln!(out, "| Profile | {} |", escape(&user.profile));
    let _ = writeln!(out, "| User licence | {} |", escape(&user.user_license));
    let _ = writeln!(
        out,
        "| Permission set licence | {} |",
        escape(&user.permission_set_license)
    );
    let _ = writeln!(out, "| Active | {} |", yes_no(user.active));
    let _ = writeln!(
        out,
        "| API only (no interactive login, no password) | {} |\n",
        yes_no(user.api_only)
    );
    let permission_set = &runbook.permission_set;
    let _ = write!(
        out,
        "The user's access comes from the integration's own permission set `{}` (\"{}\"",
        permission_set.name,
        escape(&permission_set.label)
    );
    if let Some(id) = &permission_set.id {
        let _ = write!(out, ", `{id}`");
    }
    let mut package_sets: Vec<String> = runbook
        .requirements
        .package_permission_sets
        .iter()
        .map(|grant| format!("{}__{}", grant.namespace, grant.name))
        .collect();
    package_sets.sort();
    package_sets.dedup();
    match package_sets.len() {
        0 => {
            let _ = writeln!(out, ").");
        }
        1 => {
            let _ = writeln!(
                out,
                ") and the managed package's permission set {}, listed below.",
                code_list(&package_sets)
            );
        }
        _ => {
            let _ = writeln!(
                out,
                ") and the managed packages' permission sets {}, listed below.",
                code_list(&package_sets)
            );
        }
    }
    let _ = writeln!(
        out,
        "Any other permission set on this user is drift; `sfiu audit` reports it.\n"
    );
}

fn permissions(out: &mut String, requirements: &Requirements) {
    let _ = writeln!(out, "## What the user can do, and why\n");
    let _ = writeln!(
        out,
        "Licence fit: {}; user shape: {}.\n",
        requirements.license_fit, requirements.user_shape
    );

    let mut objects: Vec<_> = requirements.objects.iter().collect();
    objects.sort_by(|a, b| a.object.cmp(&b.object));
    if !objects.is_empty() {
        let _ = writeln!(out, "### Objects\n");
        let _ = writeln!(
            out,
            "| Object | Access | Vendor asks for | Need | Evidence | Reason |"
        );
        let _ = writeln!(out, "|---|---|---|---|---|---|");
        for grant in objects {
            let vendor = grant
                .vendor_documented
                .map_or_else(|| "same".to_owned(), |access| rights(&access));
            let _ = writeln!(
                out,
                "| `{}` | {} | {} | {} |",
                grant.object,
                rights(&grant.access),
                vendor,
                provenance_cells(&grant.provenance)
            );
        }
        out.push('\n');
    }

    let mut fields: Vec<_> = requirements.fields.iter().collect();
    fields.sort_by(|a, b| a.field.cmp(&b.field));
    if !fields.is_empty() {
        let _ = writeln!(out, "### Fields\n");
        let _ = writeln!(
            out,
            "| Field | Access | Need | Evidence | Reason |\n|---|---|---|---|---|"
        );
        for grant in fields {
            let _ = writeln!(
                out,
                "| `{}` | {} | {} |",
                grant.field,
                grant.access,
                provenance_cells(&grant.provenance)
            );
        }
        out.push('\n');
    }

    let mut named: Vec<(&str, String, &[Provenance])> = Vec::new();
    for grant in &requirements.system_permissions {
        // A dangerous permission reaches beyond the integration's own data; the admin
        // acknowledged it by name, and the runbook keeps that visible.
        let kind = if sfiu_core::system_permission(&grant.name).is_some_and(|known| known.dangerous)
        {
            "System permission (dangerous, acknowledged)"
        } else {
            "System permission"
        };
        named.push((kind, format!("`{}`", grant.name), &grant.provenance));
    }
    for grant in &requirements.apex_classes {
        named.push(("Apex class", format!("`{}`", grant.name), &grant.provenance));
    }
    for grant in &requirements.custom_permissions {
        named.push((
            "Custom permission",
            format!("`{}`", grant.name),
            &grant.provenance,
        ));
    }
    for grant in &requirements.package_permission_sets {
        named.push((
            "Package permission set",
            format!("`{}__{}`", grant.namespace, grant.name),
            &grant.provenance,
        ));
    }
    for grant in &requirements.oauth_scopes {
        named.push((
            "OAuth scope",
            format!("`{}`", grant.scope),
            &grant.provenance,
        ));
    }
    named.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    if !named.is_empty() {
        let _ = writeln!(out, "### Permissions and scopes\n");
        let _ = writeln!(
            out,
            "| Kind | Name | Need | Evidence | Reason |\n|---|---|---|---|---|"
        );
        for (kind, name, provenance) in named {
            let _ = writeln!(
                out,
                "| {kind} | {name} | {} |",
                provenance_cells(provenance)
            );
        }
        out.push('\n');
    }

    let sources = collect_sources(requirements);
    if !sources.is_empty() {
        let _ = writeln!(out, "Sources:\n");
        for source in sources {
            let _ = writeln!(out, "- {source}");
        }
        out.push('\n');
    }
}

fn app(out: &mut String, runbook: &Runbook) {
    let app = &runbook.app;
    let _ = writeln!(out, "## App\n");
    let _ = writeln!(out, "| | |\n|---|---|");
    let _ = writeln!(out, "| Kind | {} |", app.kind);
    let _ = writeln!(out, "| Developer name | `{}` |", app.developer_name);
    let _ = writeln!(out, "| Label | {} |", escape(&app.label));
    let _ = writeln!(
        out,
        "| Consumer key | `{}` (masked) |",
        app.consumer_key_masked
    );
    if let Some(path) = &app.consumer_key_path {
        let _ = writeln!(out, "| Full consumer key for the vendor | `{path}` |");
    }
    let _ = writeln!(
        out,
        "| OAuth flow | JWT bearer: it issues no refresh token and needs no client secret |"
    );
    let _ = writeln!(
        out,
        "| Scopes the app allows | {} |",
        code_list(&app.scopes)
    );
    let _ = writeln!(
        out,
        "| Admin approved (pre-authorised) through | {} |\n",
        code_list(&app.pre_authorised_through)
    );
    // The vendor's app may ask for `refresh_token`; allowing it does not make the JWT bearer
    // flow hand one out, and an admin reading both rows deserves to know that.
    if app.scopes.iter().any(|scope| scope == "refresh_token") {
        let _ = writeln!(
            out,
            "The app allows `refresh_token` because the vendor's app asks for it; logging in with the JWT bearer flow never returns a refresh token.\n"
        );
    }
}

fn certificate(out: &mut String, runbook: &Runbook) {
    let certificate = &runbook.certificate;
    let _ = writeln!(out, "## Certificate and key\n");
    let _ = writeln!(out, "| | |\n|---|---|");
    let _ = writeln!(out, "| Subject | `{}` |", certificate.subject);
    let _ = writeln!(
        out,
        "| SHA-256 fingerprint | `{}` |",
        certificate.fingerprint_sha256
    );
    let _ = writeln!(out, "| Valid from | {} |", certificate.not_before);
    let _ = writeln!(out, "| Valid until | {} |", certificate.not_after);
    let _ = writeln!(
        out,
        "| Days left when generated | {} |",
        certificate.days_left
    );
    let _ = writeln!(
        out,
        "| Certificate file | `{}` |",
        certificate.certificate_path
    );
    let _ = writeln!(
        out,
        "| Private key | {} |\n",
        certificate.private_key_location
    );
    let _ = writeln!(
        out,
        "The private key never leaves the machine it was written on except to the vendor's secret store."
    );
    let _ = writeln!(
        out,
        "Losing it means rotating the certificate (below); the integration keeps working during a rotation.\n"
    );

    if let Some(rotation) = &runbook.rotation {
        let _ = writeln!(out, "### Rotation\n");
        let _ = writeln!(out, "| | |\n|---|---|");
        let _ = writeln!(
            out,
            "| Stage | {} (since {}) |",
            rotation.stage, rotation.updated_at
        );
        let _ = writeln!(
            out,
            "| Previous certificate | `{}` |",
            rotation.previous_fingerprint
        );
        let _ = writeln!(out, "| New certificate | `{}` |", rotation.new_fingerprint);
        let _ = writeln!(out, "| Overlap app | `{}` |\n", rotation.overlap_app);
    }
}

fn vendor_steps(out: &mut String, runbook: &Runbook) {
    if runbook.vendor_steps.is_empty() {
        return;
    }
    let _ = writeln!(out, "## On the vendor's side\n");
    for (index, step) in runbook.vendor_steps.iter().enumerate() {
        let _ = writeln!(out, "{}. {step}", index + 1);
    }
    out.push('\n');
}

fn verification(out: &mut String, runbook: &Runbook) {
    let _ = writeln!(out, "## Last verification\n");
    let Some(verification) = &runbook.verification else {
        let _ = writeln!(
            out,
            "No login test has run yet; run `sfiu verify` (see \"How to\" below).\n"
        );
        return;
    };
    let _ = writeln!(
        out,
        "At {} sfiu signed a JWT as the integration user, received a token with scopes `{}`, and probed each object:\n",
        verification.verified_at, verification.token_scopes
    );
    let _ = writeln!(
        out,
        "| Object | Granted | Reachable | Result |\n|---|---|---|---|"
    );
    let mut objects: Vec<_> = verification.objects.iter().collect();
    objects.sort_by(|a, b| (!a.expected, &a.object).cmp(&(!b.expected, &b.object)));
    for proof in objects {
        let result = if proof.expected == proof.reachable {
            "as intended"
        } else {
            "MISMATCH"
        };
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {result} |",
            proof.object,
            yes_no(proof.expected),
            yes_no(proof.reachable)
        );
    }
    out.push('\n');
}

fn how_to(out: &mut String, runbook: &Runbook) {
    let id = &runbook.integration.id;
    let integration = integration_flags(runbook);
    let _ = writeln!(out, "## How to\n");
    let _ = writeln!(
        out,
        "In the commands below, `<org flags>` stands for the flags you connect to the org with: `--instance-url <URL>` with an admin access token in `SF_ACCESS_TOKEN`, `--target-org <alias>`, `--auth-url <force://…>` (better: the `SFIU_AUTH_URL` variable), or `--org sim` for the simulated org."
    );
    let _ = writeln!(
        out,
        "Run them in the folder the setup ran in (or pass the same `--out`), so that sfiu finds the key.\n"
    );
    let _ = writeln!(
        out,
        "- **Test the login:** `sfiu verify {integration} <org flags>` signs a JWT with the key, logs in and repeats the access proof."
    );
    let _ = writeln!(
        out,
        "- **Check for drift:** `sfiu audit {integration} <org flags>` compares the org with this runbook's grants; run it quarterly or in CI."
    );
    let _ = writeln!(
        out,
        "- **Rotate the certificate:** `sfiu cert rotate {integration} <org flags>` makes a new key and certificate on a second app beside the old one and proves the new login; give the vendor the new key and the second app's consumer key, and once it has switched, `sfiu cert rotate {integration} <org flags> --finish` deletes the old app and its certificate."
    );
    let _ = writeln!(
        out,
        "- **Regenerate this runbook:** `sfiu runbook {integration} <org flags>`."
    );
    let _ = writeln!(
        out,
        "- **Revoke access at once:** deactivate the user `{}` (Setup > Users), or remove the permission set `{}` from it; the app's pre-authorisation then no longer applies; `sfiu audit --fix` leaves a revoke in place unless given `--restore-access`.",
        runbook.user.username, runbook.permission_set.name
    );
    let _ = writeln!(
        out,
        "- **Remove the integration:** deactivate the user (which frees the licence seat), delete the app `{}`, then the permission set `{}`.",
        runbook.app.developer_name, runbook.permission_set.name
    );
    let _ = writeln!(
        out,
        "\nThis runbook belongs to the integration `{id}`; keep it with the org's admin documentation."
    );
}

/// The flags that name this integration again: its spec file when it came from one, or else
/// the plugin, preset, username and e-mail it was set up with.
fn integration_flags(runbook: &Runbook) -> String {
    let integration = &runbook.integration;
    if let Some(spec_file) = &integration.spec_file {
        return format!("--spec {}", shell_word(spec_file));
    }
    let mut flags = format!("--plugin {}", shell_word(&integration.plugin));
    if !integration.preset.is_empty() {
        let _ = write!(flags, " --preset {}", shell_word(&integration.preset));
    }
    let user = &runbook.user;
    let _ = write!(flags, " --username {}", shell_word(&user.username));
    // Without a spec the e-mail defaults to the username, so only a different one is named.
    if user.email != user.username {
        let _ = write!(flags, " --email {}", shell_word(&user.email));
    }
    flags
}

/// Quotes a value for a POSIX shell when it holds anything beyond plain path characters.
fn shell_word(value: &str) -> String {
    let plain = !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./@:+=,".contains(c));
    if plain {
        value.to_owned()
    } else {
        format!("'{}'", value.replace('\'', "'\\''"))
    }
}

fn provenance_cells(provenance: &[Provenance]) -> String {
    let need = strongest_need(provenance);
    let evidence = provenance
        .iter()
        .map(|entry| entry.evidence)
        .max()
        .map_or_else(|| "—".to_owned(), |evidence| evidence.to_string());
    let mut reasons: Vec<&str> = provenance
        .iter()
        .map(|entry| entry.reason.as_str())
        .collect();
    reasons.sort_unstable();
    reasons.dedup();
    let reason = if reasons.is_empty() {
        "—".to_owned()
    } else {
        escape(&reasons.join("; "))
    };
    format!("{need} | {evidence} | {reason}")
}

fn collect_sources(requirements: &Requirements) -> Vec<String> {
    let mut sources: Vec<String> = requirements
        .provenance()
        .flat_map(|entry| entry.sources.iter().cloned())
        .collect();
    sources.sort();
    sources.dedup();
    sources
}

fn rights(access: &sfiu_core::ObjectAccess) -> String {
    let names: Vec<&str> = access
        .rights()
        .into_iter()
        .map(|right| right.as_str())
        .collect();
    if names.is_empty() {
        "none".to_owned()
    } else {
        names.join(", ")
    }
}

fn code_list(items: &[String]) -> String {
    if items.is_empty() {
        return "none".to_owned();
    }
    items
        .iter()
        .map(|item| format!("`{item}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn yes_no(value: bool) -> &'static str {
    if value { "yes" } else { "no" }
}

/// Keeps table cells intact: a `|` or a newline in free text would break the row.
fn escape(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Runbook;

    #[test]
    fn rendering_is_deterministic() {
        let runbook = Runbook::sample();
        assert_eq!(render_markdown(&runbook), render_markdown(&runbook));
    }

    #[test]
    fn pipes_in_free_text_do_not_break_tables() {
        let mut runbook = Runbook::sample();
        runbook.requirements.objects[0].provenance[0].reason = "a | b\nc".to_owned();
        let markdown = render_markdown(&runbook);
        assert!(markdown.contains("a \\| b c"));
    }

    #[test]
    fn mismatched_probe_is_flagged() {
        let mut runbook = Runbook::sample();
        if let Some(verification) = runbook.verification.as_mut() {
            verification.objects[1].reachable = true;
        }
        assert!(render_markdown(&runbook).contains("MISMATCH"));
    }

    #[test]
    fn commands_name_the_spec_file_when_there_is_one() {
        let mut runbook = Runbook::sample();
        let markdown = render_markdown(&runbook);
        assert!(markdown.contains(
            "`sfiu verify --plugin hubspot --preset least-privilege \
             --username integration-hubspot@acme.example <org flags>`"
        ));
        assert!(markdown.contains(
            "`sfiu cert rotate --plugin hubspot --preset least-privilege \
             --username integration-hubspot@acme.example <org flags> --finish`"
        ));
        assert!(!markdown.contains("--org <org>"));

        runbook.integration.spec_file = Some("specs/hub spot.toml".to_owned());
        let markdown = render_markdown(&runbook);
        assert!(markdown.contains("`sfiu audit --spec 'specs/hub spot.toml' <org flags>`"));
        assert!(
            markdown
                .contains("`sfiu cert rotate --spec 'specs/hub spot.toml' <org flags> --finish`")
        );
        assert!(!markdown.contains("--plugin"));
        assert!(markdown.contains("and the spec file `specs/hub spot.toml`."));
    }

    #[test]
    fn a_different_email_is_named_without_a_spec() {
        let mut runbook = Runbook::sample();
        runbook.user.email = "salesforce-admins@acme.example".to_owned();
        assert!(render_markdown(&runbook).contains(
            "--username integration-hubspot@acme.example --email salesforce-admins@acme.example <org flags>"
        ));
    }

    #[test]
    fn access_names_the_package_permission_sets() {
        let mut runbook = Runbook::sample();
        let markdown = render_markdown(&runbook);
        assert!(markdown.contains(
            "and the managed package's permission set `HubSpot_Inc__HubSpot_Integration_Permissions`, listed below."
        ));
        assert!(!markdown.contains("nothing else"));

        runbook.requirements.package_permission_sets.clear();
        let markdown = render_markdown(&runbook);
        assert!(markdown.contains("(\"sfiu: HubSpot integration\", `0PS000000000001AAA`).\n"));
    }

    #[test]
    fn header_names_the_features_that_were_on() {
        let mut runbook = Runbook::sample();
        assert!(render_markdown(&runbook).contains(
            "Vendor features on: `deal-sync`, `timeline-sync`; grants that depend on any other feature were left out."
        ));
        runbook.integration.features.clear();
        assert!(render_markdown(&runbook).contains("Vendor features on: none,"));
    }

    #[test]
    fn refresh_token_scope_is_explained_only_when_allowed() {
        let mut runbook = Runbook::sample();
        let note = "logging in with the JWT bearer flow never returns a refresh token";
        assert!(render_markdown(&runbook).contains(note));
        runbook.app.scopes = vec!["api".to_owned()];
        assert!(!render_markdown(&runbook).contains(note));
    }

    #[test]
    fn shell_words_are_quoted_only_when_needed() {
        assert_eq!(shell_word("spec.toml"), "spec.toml");
        assert_eq!(shell_word("a b"), "'a b'");
        assert_eq!(shell_word("it's"), "'it'\\''s'");
        assert_eq!(shell_word(""), "''");
    }

    #[test]
    fn sample_runbook_snapshot() {
        insta::assert_snapshot!(render_markdown(&Runbook::sample()));
    }
}
