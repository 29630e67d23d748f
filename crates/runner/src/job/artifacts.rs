//! Files sfiu keeps for an integration: the private key (mode 0600), the certificate, the
//! consumer key for the vendor, and the runbook in Markdown and JSON.
//!
//! They live in one folder per integration (`sfiu-out/<id>/` unless `--out` says otherwise).
//! The JSON runbook doubles as the record of the last apply: which kind of app was made and
//! what it was set to, so a re-run can tell what changed without re-reading everything.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use sfiu_core::CertificateSource;
use sfiu_jwt::{Certificate, CertificateOptions, KeySize, PrivateKey};
use sfiu_runbook::Runbook;
use time::OffsetDateTime;

use crate::output::with_hint;

/// Where an integration's files are.
#[derive(Debug, Clone)]
pub(crate) struct Artifacts {
    /// The integration's folder.
    pub(crate) folder: PathBuf,
    /// The private key (generated, or given with `--key-file`).
    pub(crate) key_path: PathBuf,
    /// The certificate uploaded to the app.
    pub(crate) certificate_path: PathBuf,
    /// The consumer key, for the vendor's configuration.
    pub(crate) consumer_key_path: PathBuf,
    /// The Markdown runbook.
    pub(crate) runbook_markdown_path: PathBuf,
    /// The JSON runbook.
    pub(crate) runbook_json_path: PathBuf,
    /// Whether the key is the external system's own (given) rather than sfiu's.
    key_given: bool,
}

impl Artifacts {
    /// The files of integration `id` under `out_dir`, with an optional explicit key path and
    /// the certificate source of the spec (paths relative to `spec_dir`).
    pub(crate) fn new(
        out_dir: &Path,
        id: &str,
        key_file: Option<&Path>,
        source: &CertificateSource,
        spec_dir: &Path,
    ) -> Self {
        let folder = out_dir.join(id);
        let certificate_path = match source {
            CertificateSource::Generate {} => folder.join("certificate.pem"),
            CertificateSource::File { path } => spec_dir.join(path),
        };
        Self {
            key_path: key_file.map_or_else(|| folder.join("private-key.pem"), Path::to_path_buf),
            certificate_path,
            consumer_key_path: folder.join("consumer-key.txt"),
            runbook_markdown_path: folder.join("runbook.md"),
            runbook_json_path: folder.join("runbook.json"),
            key_given: key_file.is_some(),
            folder,
        }
    }

    /// Creates the integration's folder readable by its owner only (mode 0700 on Unix): it
    /// holds the private key.
    fn create_folder(&self) -> anyhow::Result<()> {
        if self.folder.is_dir() {
            return Ok(());
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt as _;
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(&self.folder)
                .with_context(|| format!("failed to create `{}`", self.folder.display()))?;
        }
        #[cfg(not(unix))]
        fs_err::create_dir_all(&self.folder)?;
        Ok(())
    }

    /// The certificate on disk, if there is one.
    pub(crate) fn certificate(&self) -> anyhow::Result<Option<Certificate>> {
        if !self.certificate_path.exists() {
            return Ok(None);
        }
        let certificate = Certificate::from_file(&self.certificate_path)?;
        Ok(Some(certificate))
    }

    /// The private key on disk, if there is one; checked against the certificate.
    pub(crate) fn private_key(
        &self,
        certificate: &Certificate,
    ) -> anyhow::Result<Option<PrivateKey>> {
        if !self.key_path.exists() {
            return Ok(None);
        }
        let key = PrivateKey::from_file(&self.key_path)?;
        key.check_matches(certificate).with_context(|| {
            format!(
                "the key `{}` does not belong to the certificate `{}`",
                self.key_path.display(),
                self.certificate_path.display()
            )
        })?;
        Ok(Some(key))
    }

    /// Makes the key and certificate if the spec asks sfiu to generate them and they do not
    /// exist yet; returns the certificate and whether it was made now.
    pub(crate) fn ensure_certificate(
        &self,
        source: &CertificateSource,
        subject: &str,
        now: OffsetDateTime,
    ) -> anyhow::Result<(Certificate, bool)> {
        if let Some(certificate) = self.certificate()? {
            return Ok((certificate, false));
        }
        if let CertificateSource::File { path } = source {
            bail!("the certificate file `{path}` named in the spec does not exist");
        }
        if self.key_path.exists() && !self.key_given {
            return Err(with_hint(
                format!(
                    "`{}` exists but its certificate `{}` is missing",
                    self.key_path.display(),
                    self.certificate_path.display()
                ),
                "restore the certificate, or move the key away to have a new pair made",
            ));
        }
        self.create_folder()?;
        let key = match self.key_given {
            true => PrivateKey::from_file(&self.key_path)?,
            false => {
                let key = PrivateKey::generate(KeySize::Rsa2048)
                    .context("failed to generate the RSA key")?;
                key.write_pem_file(&self.key_path, false)?;
                key
            }
        };
        let certificate = Certificate::self_signed(&key, &CertificateOptions::new(subject), now)
            .context("failed to make the self-signed certificate")?;
        certificate.write_pem_file(&self.certificate_path, false)?;
        Ok((certificate, true))
    }

    /// Writes the consumer key file (not a secret, but the vendor needs it exactly).
    pub(crate) fn write_consumer_key(&self, consumer_key: &str) -> anyhow::Result<()> {
        self.create_folder()?;
        fs_err::write(&self.consumer_key_path, format!("{consumer_key}\n"))?;
        Ok(())
    }

    /// The consumer key recorded by an earlier run.
    pub(crate) fn recorded_consumer_key(&self) -> Option<String> {
        let text = fs_err::read_to_string(&self.consumer_key_path).ok()?;
        let key = text.trim();
        (!key.is_empty()).then(|| key.to_owned())
    }

    /// The runbook of the last apply, if one was written and can be read.
    pub(crate) fn previous_runbook(&self) -> Option<Runbook> {
        let text = fs_err::read_to_string(&self.runbook_json_path).ok()?;
        serde_json::from_str(&text).ok()
    }

    /// Writes both runbook files.
    pub(crate) fn write_runbook(&self, markdown: &str, json: &str) -> anyhow::Result<()> {
        self.create_folder()?;
        fs_err::write(&self.runbook_markdown_path, markdown)?;
        fs_err::write(&self.runbook_json_path, json)?;
        Ok(())
    }

    /// Where the key lives, as the runbook says it.
    pub(crate) fn key_location(&self) -> String {
        if self.key_path.exists() {
            format!("`{}` (mode 0600)", self.key_path.display())
        } else {
            "held by the external system (sfiu was given only the certificate)".to_owned()
        }
    }
}
