//! Command-line definitions (clap derive). The doc comments here are the `--help` text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::commands::audit::AuditArgs;
use crate::commands::licenses::LicensesArgs;
use crate::commands::plugin::PluginCommand;
use crate::commands::rotate::RotateArgs;
use crate::commands::setup::SetupArgs;
use crate::commands::sim::SimCommand;
use crate::output::Format;

/// Set up and keep healthy a least-privilege Salesforce Integration User for a third-party
/// integration.
#[derive(Debug, Parser)]
#[command(name = "sfiu", version, propagate_version = true)]
pub(crate) struct Cli {
    #[command(flatten)]
    pub(crate) global: GlobalArgs,

    #[command(subcommand)]
    pub(crate) command: Command,
}

/// Flags every command accepts.
#[derive(Debug, Args)]
pub(crate) struct GlobalArgs {
    /// More log output on stderr: `-v` debug, `-vv` trace (`SFIU_LOG` overrides).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub(crate) verbose: u8,

    /// Print only errors and the command's data.
    #[arg(
        short,
        long,
        global = true,
        conflicts_with = "verbose",
        env = "SFIU_QUIET",
        value_parser = clap::builder::FalseyValueParser::new()
    )]
    pub(crate) quiet: bool,

    /// When to colour output.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, env = "SFIU_COLOR")]
    pub(crate) color: ColorChoice,

    /// Never draw progress bars.
    #[arg(
        long,
        global = true,
        env = "SFIU_NO_PROGRESS",
        value_parser = clap::builder::FalseyValueParser::new()
    )]
    pub(crate) no_progress: bool,
}

/// When to colour output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ColorChoice {
    /// Colour when writing to a terminal and `NO_COLOR` is unset.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Show what `apply` would change in the org, and every problem, without writing.
    Plan(SetupArgs),

    /// Set up the integration user end to end: licence check, user, permission set licence,
    /// permission set, assignment, key and certificate, app, JWT login test, runbook.
    Apply(SetupArgs),

    /// Test an existing setup: JWT login as the integration user and the access proof.
    ///
    /// Exits 1 when Salesforce refuses the login (inactive user, wrong key, not
    /// pre-authorised) or access differs from the grant; 2 when it could not test.
    Verify(SetupArgs),

    /// Regenerate the runbook from the org's current state.
    Runbook(SetupArgs),

    /// Run the simulated Salesforce org on its own.
    #[command(subcommand)]
    Sim(SimCommand),

    /// The integration spec file: its JSON Schema, and checking a file.
    #[command(subcommand)]
    Spec(SpecCommand),

    /// Keys and certificates for the JWT bearer flow.
    #[command(subcommand)]
    Cert(CertCommand),

    /// Compare an integration (or `--all`) with the org and report drift: exit 0 none, 1
    /// drift found, 2 could not audit. `--fix` restores the declared state.
    Audit(AuditArgs),

    /// Seat report for the Salesforce Integration licence and its permission set licence,
    /// with the integration users holding them and the ones that look abandoned.
    ///
    /// Exits 1 when no Salesforce Integration seat is free (or the org has no such licence),
    /// after printing the report.
    Licenses(LicensesArgs),

    /// Integration plugins: list them, show what a preset asks for, check a bundle.
    #[command(subcommand)]
    Plugin(PluginCommand),
}

impl Command {
    /// The output format the command was asked for, so that an error can be reported in it
    /// too (`--format json` gets a JSON error document on stdout).
    pub(crate) fn format(&self) -> Format {
        match self {
            Command::Plan(arguments)
            | Command::Apply(arguments)
            | Command::Verify(arguments)
            | Command::Runbook(arguments) => arguments.format,
            Command::Spec(SpecCommand::Check(arguments)) => arguments.format,
            Command::Cert(CertCommand::New(arguments)) => arguments.format,
            Command::Cert(CertCommand::Show(arguments)) => arguments.format,
            Command::Cert(CertCommand::Rotate(arguments)) => arguments.format,
            Command::Audit(arguments) => arguments.format,
            Command::Licenses(arguments) => arguments.format,
            Command::Plugin(command) => command.format(),
            Command::Spec(SpecCommand::Schema) | Command::Sim(_) => Format::Human,
        }
    }
}

/// `sfiu spec …`
#[derive(Debug, Subcommand)]
pub(crate) enum SpecCommand {
    /// Print the JSON Schema of the spec file format (for editors and CI validation).
    Schema,
    /// Check a spec file: syntax, names, lengths, grants and acknowledgements.
    Check(SpecCheckArgs),
}

/// Arguments of `sfiu spec check`.
#[derive(Debug, Args)]
pub(crate) struct SpecCheckArgs {
    /// The spec file (TOML).
    pub(crate) file: PathBuf,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub(crate) format: Format,
}

/// `sfiu cert …`
#[derive(Debug, Subcommand)]
pub(crate) enum CertCommand {
    /// Generate an RSA key and a self-signed certificate (the key is written with mode 0600).
    New(CertNewArgs),
    /// Show a certificate's subject, SHA-256 fingerprint, validity and days left.
    ///
    /// Exits 1 when the certificate has expired or expires within `--warn-days`.
    Show(CertShowArgs),
    /// Replace an integration's certificate without downtime: a second app carries the new
    /// certificate beside the old one; `--finish` removes the old one once the vendor has
    /// switched. `--certificate` and `--key-file` name the new pair (default: generated).
    Rotate(Box<RotateArgs>),
}

/// Arguments of `sfiu cert new`.
#[derive(Debug, Args)]
pub(crate) struct CertNewArgs {
    /// Folder to write `<name>.key.pem` and `<name>.crt.pem` into.
    #[arg(long, default_value = ".")]
    pub(crate) out_dir: PathBuf,

    /// Base name of the two files.
    #[arg(long, default_value = "integration")]
    pub(crate) name: String,

    /// Certificate subject common name (CN).
    #[arg(long, default_value = "sfiu integration")]
    pub(crate) subject: String,

    /// Days the certificate is valid, 1 to 3650.
    #[arg(long, default_value_t = 365, value_parser = clap::value_parser!(u32).range(1..=3650))]
    pub(crate) days: u32,

    /// RSA key size.
    #[arg(long, value_enum, default_value_t = KeySizeArg::Rsa2048)]
    pub(crate) key_size: KeySizeArg,

    /// Replace existing files of the same name.
    #[arg(long)]
    pub(crate) force: bool,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub(crate) format: Format,
}

/// RSA key sizes offered for new keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum KeySizeArg {
    /// 2048-bit RSA (Salesforce's common choice).
    #[value(name = "2048")]
    Rsa2048,
    /// 4096-bit RSA.
    #[value(name = "4096")]
    Rsa4096,
}

/// Arguments of `sfiu cert show`.
#[derive(Debug, Args)]
pub(crate) struct CertShowArgs {
    /// Certificate file: PEM, DER, or the bare base64 body.
    pub(crate) file: PathBuf,

    /// Report a problem (exit 1) when fewer days than this are left.
    #[arg(long, default_value_t = 30, env = "SFIU_CERT_WARN_DAYS")]
    pub(crate) warn_days: u32,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub(crate) format: Format,
}
