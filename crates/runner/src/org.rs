//! Connecting to an org as an admin: the embedded simulated org, an access token, an `sf`
//! CLI alias, or an SFDX auth URL.
//!
//! Every command that touches an org takes the same [`OrgArgs`]; [`connect`] turns them
//! into an [`Org`]: a Salesforce client, an admin session, and the login URL to use as the
//! JWT audience. With `--org sim` the simulated org runs inside this process on loopback,
//! its state kept in a file so the next run sees the same org.

use std::path::PathBuf;
use std::process::Command;

use anyhow::{Context as _, bail};
use clap::Args;
use serde::Deserialize;
use sfiu_sf_client::{AccessToken, Client, Connection, Session, SfdxAuthUrl};

use crate::output::with_hint;

/// The REST and Metadata API version sfiu speaks (Spring '26).
pub(crate) const DEFAULT_API_VERSION: &str = "66.0";

/// How to reach the org, shared by every command that touches one.
#[derive(Debug, Clone, Args)]
pub(crate) struct OrgArgs {
    /// `sim`: the embedded simulated org (state kept in `--sim-state`).
    #[arg(long, value_name = "sim", value_parser = ["sim"], env = "SFIU_ORG")]
    pub(crate) org: Option<String>,

    /// Instance URL of a real org; the access token comes from `SF_ACCESS_TOKEN`.
    #[arg(
        long,
        value_name = "URL",
        env = "SFIU_INSTANCE_URL",
        conflicts_with = "org"
    )]
    pub(crate) instance_url: Option<String>,

    /// An org alias or username known to an installed `sf` CLI.
    #[arg(long, value_name = "ALIAS", conflicts_with_all = ["org", "instance_url"])]
    pub(crate) target_org: Option<String>,

    /// An SFDX auth URL (`force://…`); prefer the `SFIU_AUTH_URL` variable, which keeps the
    /// refresh token out of the process list.
    #[arg(
        long,
        value_name = "force://…",
        env = "SFIU_AUTH_URL",
        hide_env_values = true,
        conflicts_with_all = ["org", "instance_url", "target_org"]
    )]
    pub(crate) auth_url: Option<String>,

    /// Scenario a new simulated org starts from (see `sfiu sim scenarios`).
    #[arg(long, value_name = "NAME", default_value = "fresh-enterprise")]
    pub(crate) sim_scenario: String,

    /// File that keeps the simulated org between runs.
    #[arg(
        long,
        value_name = "FILE",
        default_value = ".sfiu/sim-org.json",
        env = "SFIU_SIM_STATE"
    )]
    pub(crate) sim_state: PathBuf,

    /// Login URL the integration signs its JWT for (the audience), if not the default:
    /// `https://test.salesforce.com` for sandboxes, the My Domain for External Client Apps,
    /// `https://login.salesforce.com` otherwise. The token request itself always goes to the
    /// org's own instance URL.
    #[arg(long, value_name = "URL", env = "SFIU_LOGIN_URL")]
    pub(crate) login_url: Option<String>,

    /// REST and Metadata API version.
    #[arg(long, value_name = "VERSION", default_value = DEFAULT_API_VERSION)]
    pub(crate) api_version: String,
}

/// An admin connection to an org.
pub(crate) struct Org {
    /// The HTTP client (counts round trips).
    pub(crate) client: Client,
    /// The admin session.
    pub(crate) session: Session,
    /// The JWT audience, when the user gave one.
    pub(crate) login_url: Option<String>,
    /// A short description for messages, e.g. `the simulated org` or an instance URL.
    pub(crate) label: String,
    /// The embedded simulated org, kept alive while the connection is used.
    pub(crate) sim: Option<sfiu_sim::RunningOrg>,
}

impl Org {
    /// The login URL for the JWT audience: the explicit one, the simulated org's own, or the
    /// production login host.
    pub(crate) fn login_url_or(&self, fallback: &str) -> String {
        if let Some(url) = &self.login_url {
            return url.clone();
        }
        if let Some(sim) = &self.sim {
            return sim.login_url().to_owned();
        }
        fallback.to_owned()
    }
}

/// Connects as an admin according to the org arguments.
pub(crate) async fn connect(arguments: &OrgArgs) -> anyhow::Result<Org> {
    let client = Client::builder()
        .user_agent(concat!("sfiu/", env!("CARGO_PKG_VERSION")))
        .build()
        .context("failed to set up the HTTP client")?;

    if arguments.org.is_some() {
        return connect_sim(arguments, client).await;
    }
    if let Some(instance_url) = &arguments.instance_url {
        warn_if_unencrypted(instance_url);
        let token = std::env::var("SF_ACCESS_TOKEN").map_err(|_| {
            with_hint(
                "`--instance-url` needs an access token in `SF_ACCESS_TOKEN`",
                "export SF_ACCESS_TOKEN=<token>, for example from `sf org display --json`",
            )
        })?;
        let connection = Connection {
            instance_url: instance_url.trim_end_matches('/').to_owned(),
            access_token: AccessToken::new(token.trim()),
            api_version: arguments.api_version.clone(),
        };
        let session = client.session(connection)?;
        return Ok(Org {
            client,
            session,
            login_url: arguments.login_url.clone(),
            label: format!("`{instance_url}`"),
            sim: None,
        });
    }
    if let Some(alias) = &arguments.target_org {
        let (instance_url, token) = sf_cli_display(alias)?;
        let connection = Connection {
            instance_url: instance_url.clone(),
            access_token: token,
            api_version: arguments.api_version.clone(),
        };
        let session = client.session(connection)?;
        return Ok(Org {
            client,
            session,
            login_url: arguments.login_url.clone(),
            label: format!("`{alias}` ({instance_url})"),
            sim: None,
        });
    }
    if let Some(auth_url) = &arguments.auth_url {
        let auth: SfdxAuthUrl = auth_url.parse().context("the SFDX auth URL is not valid")?;
        let token = client.refresh_from_auth_url(&auth).await.with_context(|| {
            format!(
                "failed to log in to `{}` with the SFDX auth URL",
                auth.instance_url
            )
        })?;
        let session = client.session(Connection::from_token(
            &token,
            arguments.api_version.clone(),
        ))?;
        return Ok(Org {
            client,
            session,
            login_url: arguments.login_url.clone(),
            label: format!("`{}`", auth.instance_url),
            sim: None,
        });
    }
    Err(with_hint(
        "no org given",
        "pass `--org sim` for the simulated org, `--instance-url URL` with SF_ACCESS_TOKEN, \
         `--target-org ALIAS`, or `--auth-url force://…`",
    ))
}

async fn connect_sim(arguments: &OrgArgs, client: Client) -> anyhow::Result<Org> {
    let scenario = sfiu_sim::Scenario::from_name(&arguments.sim_scenario).map_err(|error| {
        with_hint(
            error.to_string(),
            format!(
                "known scenarios: {}",
                sfiu_sim::Scenario::ALL
                    .iter()
                    .map(|scenario| scenario.name())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
    })?;
    if let Some(folder) = arguments
        .sim_state
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
    {
        fs_err::create_dir_all(folder)?;
    }
    // The org keeps the port it had last time when it is free, so its instance URL (and the
    // runbook that records it) stays the same from one run to the next.
    let port_file = arguments.sim_state.with_extension("port");
    let remembered = fs_err::read_to_string(&port_file)
        .ok()
        .and_then(|text| text.trim().parse::<u16>().ok())
        .unwrap_or(0);
    let mut options = sfiu_sim::StartOptions::new(scenario);
    options.state_file = Some(arguments.sim_state.clone());
    options.port = remembered;
    let started = match sfiu_sim::start(options.clone()).await {
        Err(sfiu_sim::Error::Bind { .. }) if remembered != 0 => {
            options.port = 0;
            sfiu_sim::start(options).await
        }
        other => other,
    };
    let sim = started.with_context(|| {
        format!(
            "failed to start the simulated org from `{}`",
            arguments.sim_state.display()
        )
    })?;
    if let Some(port) = sim.instance_url().rsplit(':').next()
        && port != remembered.to_string()
    {
        // Only a convenience: a run that cannot record the port still works.
        let _ = fs_err::write(&port_file, format!("{port}\n"));
    }
    let connection = Connection {
        instance_url: sim.instance_url().to_owned(),
        access_token: AccessToken::new(sim.admin_access_token()),
        api_version: arguments.api_version.clone(),
    };
    let session = client.session(connection)?;
    Ok(Org {
        client,
        session,
        login_url: arguments.login_url.clone(),
        label: format!("the simulated org (`{}`)", arguments.sim_state.display()),
        sim: Some(sim),
    })
}

#[derive(Deserialize)]
struct SfDisplay {
    status: i64,
    result: Option<SfDisplayResult>,
    message: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SfDisplayResult {
    access_token: Option<String>,
    instance_url: Option<String>,
}

/// Asks the `sf` CLI for an org's instance URL and access token.
fn sf_cli_display(alias: &str) -> anyhow::Result<(String, AccessToken)> {
    let output = match Command::new("sf")
        .args(["org", "display", "--target-org", alias, "--json"])
        .output()
    {
        Ok(output) => output,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            return Err(with_hint(
                "`--target-org` needs the Salesforce CLI (`sf`), which is not installed or not on PATH",
                "install it (npm install --global @salesforce/cli), or use `--instance-url` with SF_ACCESS_TOKEN",
            ));
        }
        Err(error) => return Err(error).context("failed to run `sf org display`"),
    };
    let display: SfDisplay = serde_json::from_slice(&output.stdout)
        .context("`sf org display --json` printed something that is not its JSON result")?;
    let result = display.result.filter(|_| display.status == 0);
    let Some(SfDisplayResult {
        access_token: Some(token),
        instance_url: Some(instance_url),
    }) = result
    else {
        bail!(
            "`sf org display` could not describe `{alias}`: {}",
            display
                .message
                .unwrap_or_else(|| "no access token in its answer".to_owned())
        );
    };
    Ok((
        instance_url.trim_end_matches('/').to_owned(),
        AccessToken::new(token),
    ))
}

/// An admin token sent over plain HTTP can be read on the way; only loopback (a simulated
/// org on this machine) is exempt.
fn warn_if_unencrypted(instance_url: &str) {
    let Ok(url) = url::Url::parse(instance_url) else {
        return;
    };
    let is_loopback = match url.host() {
        Some(url::Host::Domain(host)) => host.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(address)) => address.is_loopback(),
        Some(url::Host::Ipv6(address)) => address.is_loopback(),
        None => false,
    };
    if url.scheme() == "http" && !is_loopback {
        tracing::warn!(
            "`{instance_url}` is plain HTTP: the admin access token travels unencrypted"
        );
    }
}
