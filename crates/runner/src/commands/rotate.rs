//! `sfiu cert rotate`: replace an integration's certificate with an overlap window, in two
//! resumable stages (start, then `--finish` once the vendor has switched).

use clap::Args;
use serde_json::json;
use sfiu_core::PlanOptions;
use time::OffsetDateTime;

use crate::integration::{self, IntegrationArgs};
use crate::job::{self, JobArgs, PrepareOptions, rotate};
use crate::org::{self, OrgArgs};
use crate::output::{Format, Outcome, Printer, Tone, with_hint};

/// Arguments of `sfiu cert rotate`.
///
/// Here `--certificate` and `--key-file` name the new pair to rotate to (instead of a
/// generated one); the current pair is the one in the integration's folder under `--out`.
#[derive(Debug, Args)]
pub(crate) struct RotateArgs {
    #[command(flatten)]
    pub(crate) integration: IntegrationArgs,

    #[command(flatten)]
    pub(crate) org: OrgArgs,

    #[command(flatten)]
    pub(crate) job: JobArgs,

    /// Finish the rotation: prove the new login, delete the old app and its certificate, and
    /// make the overlap app the integration's own. Run it once the vendor uses the new key.
    #[arg(long)]
    pub(crate) finish: bool,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub(crate) format: Format,
}

/// Runs `sfiu cert rotate`.
pub(crate) fn run(arguments: RotateArgs, printer: &Printer) -> anyhow::Result<Outcome> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(run_async(arguments, printer))
}

async fn run_async(mut arguments: RotateArgs, printer: &Printer) -> anyhow::Result<Outcome> {
    let new_certificate = arguments.integration.certificate.take();
    let new_key = arguments.job.key_file.take();
    let supplied_paths = match (&new_certificate, &new_key) {
        (Some(certificate), Some(key)) => Some((certificate.clone(), key.clone())),
        (None, None) => None,
        _ => {
            return Err(with_hint(
                "`--certificate` and `--key-file` go together for a rotation",
                "pass both to rotate to your own pair, or neither to have sfiu generate one",
            ));
        }
    };
    if arguments.finish && supplied_paths.is_some() {
        return Err(with_hint(
            "`--finish` takes no new pair",
            "the pair was chosen when the rotation started",
        ));
    }

    let org = org::connect(&arguments.org).await?;
    let default_domain = org.sim.as_ref().and_then(|sim| {
        let admin = sim.admin_username();
        admin.split_once('@').map(|(_, domain)| domain.to_owned())
    });
    let integration = integration::load(
        &arguments.integration,
        default_domain.as_deref(),
        &arguments.job.out,
    )?;
    let stage = if arguments.finish { "finish" } else { "start" };
    printer.status(format!(
        "certificate rotation ({stage}) of `{}` on {}",
        integration.spec.id, org.label
    ));
    let options = PrepareOptions {
        plan: PlanOptions::default(),
        rotating: true,
        ..PrepareOptions::default()
    };
    let prepared = job::prepare_with(&org, integration, &arguments.job, &options).await?;
    let now = OffsetDateTime::now_utc();
    let report = if arguments.finish {
        rotate::finish(&org, &prepared, &arguments.job, now).await?
    } else {
        let supplied = supplied_paths
            .as_ref()
            .map(|(certificate, key)| rotate::Supplied { certificate, key });
        rotate::start(&org, &prepared, &arguments.job, supplied.as_ref(), now).await?
    };

    if arguments.format == Format::Json {
        printer.json(&json!({
            "format_version": 1,
            "command": "cert rotate",
            "integration": prepared.integration.spec.id,
            "rotation": report,
            "round_trips": org.client.round_trips(),
        }));
        return Ok(Outcome::Success);
    }
    printer.data(format!("stage:            {}", report.stage));
    printer.data(format!("old app:          {}", report.previous_app));
    printer.data(format!("new app:          {}", report.overlap_app));
    printer.data(format!("old certificate:  {}", report.previous_fingerprint));
    printer.data(format!("new certificate:  {}", report.new_fingerprint));
    printer.data(format!(
        "new key:          {}",
        printer.paint(Tone::Path, &report.key_path)
    ));
    printer.data(format!(
        "new consumer key: {}",
        printer.paint(Tone::Path, &report.consumer_key_path)
    ));
    if report.stage == rotate::FINISHED && !report.changed {
        printer.success(format!(
            "the rotation had already finished: `{}` is the integration's app",
            report.overlap_app
        ));
    } else if report.stage == rotate::FINISHED {
        printer.success(format!(
            "rotation finished: `{}` is the integration's app, the old certificate is gone",
            report.overlap_app
        ));
    } else {
        let old = match report.old_login {
            Some(true) => "the old key still logs in",
            _ => "the old key was not tested (it is not here)",
        };
        printer.success(format!(
            "overlap ready: the new key logs in through `{}`; {old}",
            report.overlap_app
        ));
        printer.status(format!(
            "next: give the vendor the new key and the consumer key of `{}`, then run `sfiu cert rotate --finish` with the same flags as this run",
            report.overlap_app
        ));
    }
    Ok(Outcome::Success)
}
