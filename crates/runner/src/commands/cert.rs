//! `sfiu cert`: make a key and self-signed certificate, inspect a certificate, and rotate an
//! integration's certificate (in `commands/rotate.rs`).

use anyhow::Context as _;
use serde_json::json;
use sfiu_jwt::{Certificate, CertificateOptions, KeySize, PrivateKey};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::cli::{CertCommand, CertNewArgs, CertShowArgs, KeySizeArg};
use crate::output::{Format, Outcome, Printer};

/// Runs a `sfiu cert` subcommand.
pub(crate) fn run(command: CertCommand, printer: &Printer) -> anyhow::Result<Outcome> {
    match command {
        CertCommand::New(arguments) => new(&arguments, printer),
        CertCommand::Show(arguments) => show(&arguments, printer),
        CertCommand::Rotate(arguments) => super::rotate::run(*arguments, printer),
    }
}

fn new(arguments: &CertNewArgs, printer: &Printer) -> anyhow::Result<Outcome> {
    let now = OffsetDateTime::now_utc();
    let key_path = arguments
        .out_dir
        .join(format!("{}.key.pem", arguments.name));
    let certificate_path = arguments
        .out_dir
        .join(format!("{}.crt.pem", arguments.name));
    // Refuse before generating anything: a half-done pair is worse than none.
    if !arguments.force {
        for path in [&key_path, &certificate_path] {
            if path.exists() {
                return Err(crate::output::with_hint(
                    format!(
                        "`{}` already exists; refusing to overwrite it",
                        path.display()
                    ),
                    "pass `--force` to replace the pair, or choose another `--name`",
                ));
            }
        }
    }
    fs_err::create_dir_all(&arguments.out_dir)?;

    let size = match arguments.key_size {
        KeySizeArg::Rsa2048 => KeySize::Rsa2048,
        KeySizeArg::Rsa4096 => KeySize::Rsa4096,
    };
    let key = PrivateKey::generate(size).context("failed to generate the RSA key")?;
    let mut options = CertificateOptions::new(arguments.subject.clone());
    options.validity_days = arguments.days;
    let certificate = Certificate::self_signed(&key, &options, now)
        .context("failed to make the self-signed certificate")?;
    key.write_pem_file(&key_path, arguments.force)?;
    certificate.write_pem_file(&certificate_path, arguments.force)?;

    let document = describe(&certificate, now)?;
    if arguments.format == Format::Json {
        let mut document = document;
        document["key_path"] = json!(key_path.display().to_string());
        document["certificate_path"] = json!(certificate_path.display().to_string());
        printer.json(&document);
    } else {
        printer.data(format!("key:         {} (mode 0600)", key_path.display()));
        printer.data(format!("certificate: {}", certificate_path.display()));
        print_human(printer, &document);
    }
    Ok(Outcome::Success)
}

fn show(arguments: &CertShowArgs, printer: &Printer) -> anyhow::Result<Outcome> {
    let now = OffsetDateTime::now_utc();
    let certificate = Certificate::from_file(&arguments.file)?;
    let document = describe(&certificate, now)?;
    let days_left = certificate.days_left(now);
    if arguments.format == Format::Json {
        printer.json(&document);
    } else {
        print_human(printer, &document);
    }

    // Expired, or inside the warning window: the run completed but found a problem.
    if certificate.is_expired(now) {
        printer.warn(format!("`{}` has expired", arguments.file.display()));
        return Ok(Outcome::ProblemsFound);
    }
    if days_left <= i64::from(arguments.warn_days) {
        printer.warn(format!(
            "`{}` expires in {days_left} days (warning window: {} days)",
            arguments.file.display(),
            arguments.warn_days
        ));
        return Ok(Outcome::ProblemsFound);
    }
    Ok(Outcome::Success)
}

fn describe(certificate: &Certificate, now: OffsetDateTime) -> anyhow::Result<serde_json::Value> {
    Ok(json!({
        "format_version": 1,
        "subject": certificate.subject(),
        "issuer": certificate.issuer(),
        "serial": certificate.serial(),
        "fingerprint_sha256": certificate.fingerprint().to_string(),
        "not_before": certificate.not_before().format(&Rfc3339)?,
        "not_after": certificate.not_after().format(&Rfc3339)?,
        "days_left": certificate.days_left(now),
        "expired": certificate.is_expired(now),
        "public_key_algorithm": certificate.public_key_algorithm(),
    }))
}

fn print_human(printer: &Printer, document: &serde_json::Value) {
    let field = |name: &str| match &document[name] {
        serde_json::Value::String(text) => text.clone(),
        other => other.to_string(),
    };
    printer.data(format!("subject:     {}", field("subject")));
    printer.data(format!("issuer:      {}", field("issuer")));
    printer.data(format!("serial:      {}", field("serial")));
    printer.data(format!("sha-256:     {}", field("fingerprint_sha256")));
    printer.data(format!("valid from:  {}", field("not_before")));
    printer.data(format!("valid until: {}", field("not_after")));
    printer.data(format!("days left:   {}", field("days_left")));
}
