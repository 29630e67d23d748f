//! Zip deployments: building the mdapi-format zip in memory, starting a deploy and polling
//! `checkDeployStatus` until it finishes.
//!
//! Deploys are asynchronous on the server, so a deploy returns an id and the client polls
//! with a growing interval until the status is final or the caller's wait runs out.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Cursor, Write as _};
use std::time::Duration;

use zip::write::SimpleFileOptions;

use crate::error::{Error, Result};
use crate::metadata::Metadata;
use crate::metadata::soap::METADATA_NS;
use crate::xml::{Element, XmlWriter};

/// An mdapi-format package: `package.xml` plus one file per component.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Package {
    api_version: String,
    members: BTreeMap<String, BTreeSet<String>>,
    files: BTreeMap<String, Vec<u8>>,
}

impl Package {
    /// An empty package for the given API version (e.g. `66.0`).
    pub fn new(api_version: impl Into<String>) -> Self {
        Self {
            api_version: api_version.into(),
            members: BTreeMap::new(),
            files: BTreeMap::new(),
        }
    }

    /// Adds a component whose type has a known folder and suffix (see
    /// [`Metadata::mdapi_path`]).
    ///
    /// # Errors
    ///
    /// Returns [`Error::InvalidArgument`] for a type without a known folder.
    pub fn add(&mut self, metadata: &Metadata) -> Result<&mut Self> {
        let path = metadata
            .mdapi_path()
            .ok_or_else(|| Error::InvalidArgument {
                what: "metadata type for a zip deployment",
                value: metadata.type_name().to_owned(),
            })?;
        self.add_file(
            metadata.type_name(),
            metadata.full_name(),
            &path,
            metadata.to_document().into_bytes(),
        )
    }

    /// Adds a file under an explicit path, listing `member` under `type_name` in
    /// `package.xml`.
    ///
    /// # Errors
    ///
    /// Returns [`Error::InvalidArgument`] for an absolute path or one that climbs out of the
    /// package.
    pub fn add_file(
        &mut self,
        type_name: &str,
        member: &str,
        path: &str,
        contents: Vec<u8>,
    ) -> Result<&mut Self> {
        let climbs = path
            .split(['/', '\\'])
            .any(|segment| segment == ".." || segment.is_empty());
        if climbs || path == "package.xml" {
            return Err(Error::InvalidArgument {
                what: "package file path",
                value: path.to_owned(),
            });
        }
        self.members
            .entry(type_name.to_owned())
            .or_default()
            .insert(member.to_owned());
        self.files.insert(path.to_owned(), contents);
        Ok(self)
    }

    /// The `package.xml` manifest.
    pub fn manifest(&self) -> String {
        let mut w = XmlWriter::new();
        w.raw(r#"<?xml version="1.0" encoding="UTF-8"?>"#)
            .raw("\n")
            .raw(&format!(r#"<Package xmlns="{METADATA_NS}">"#));
        for (type_name, members) in &self.members {
            w.open("types");
            for member in members {
                w.text("members", member);
            }
            w.text("name", type_name).close("types");
        }
        w.text("version", &self.api_version).raw("</Package>\n");
        w.finish()
    }

    /// Writes the zip in memory.
    ///
    /// # Errors
    ///
    /// Returns [`Error::Zip`] if the archive cannot be written.
    pub fn to_zip(&self) -> Result<Vec<u8>> {
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .last_modified_time(zip::DateTime::default());
        let io = |e: std::io::Error| Error::Zip(zip::result::ZipError::Io(e));
        zip.start_file("package.xml", options).map_err(Error::Zip)?;
        zip.write_all(self.manifest().as_bytes()).map_err(io)?;
        for (path, contents) in &self.files {
            zip.start_file(path.as_str(), options).map_err(Error::Zip)?;
            zip.write_all(contents).map_err(io)?;
        }
        Ok(zip.finish().map_err(Error::Zip)?.into_inner())
    }
}

/// Options for a deploy; the defaults roll back on error and run no tests beyond what the
/// org requires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeployOptions {
    /// Validate only; change nothing.
    pub check_only: bool,
    /// Deploy despite warnings.
    pub ignore_warnings: bool,
    /// Roll back everything when one component fails.
    pub rollback_on_error: bool,
    /// The zip holds one package at its root.
    pub single_package: bool,
    /// e.g. `NoTestRun` or `RunSpecifiedTests`; `None` lets the org decide.
    pub test_level: Option<String>,
    /// Tests to run with `RunSpecifiedTests`.
    pub run_tests: Vec<String>,
}

impl Default for DeployOptions {
    fn default() -> Self {
        Self {
            check_only: false,
            ignore_warnings: false,
            rollback_on_error: true,
            single_package: true,
            test_level: None,
            run_tests: Vec::new(),
        }
    }
}

impl DeployOptions {
    pub(crate) fn write(&self, w: &mut XmlWriter) {
        w.open("DeployOptions")
            .flag("checkOnly", self.check_only)
            .flag("ignoreWarnings", self.ignore_warnings)
            .flag("rollbackOnError", self.rollback_on_error)
            .each("runTests", &self.run_tests)
            .flag("singlePackage", self.single_package)
            .optional("testLevel", self.test_level.as_deref())
            .close("DeployOptions");
    }
}

/// The handle a `deploy` call returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AsyncResult {
    /// The async process id (`0Af…`).
    pub id: String,
    /// Whether the deploy already finished.
    pub done: bool,
    /// The state, e.g. `Queued`.
    pub state: Option<String>,
}

impl AsyncResult {
    pub(crate) fn from_element(result: &Element) -> Self {
        Self {
            id: result.child_text("id").unwrap_or_default().to_owned(),
            done: result.child_bool("done").unwrap_or(false),
            state: result.child_text("state").map(str::to_owned),
        }
    }
}

/// A deploy's status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeployStatus {
    /// Queued.
    Pending,
    /// Running.
    InProgress,
    /// Finished, every component deployed.
    Succeeded,
    /// Finished, some components deployed (only without `rollbackOnError`).
    SucceededPartial,
    /// Finished, nothing deployed.
    Failed,
    /// Being cancelled.
    Canceling,
    /// Cancelled.
    Canceled,
    /// A status this crate does not know.
    Other(String),
}

impl DeployStatus {
    fn parse(value: &str) -> Self {
        match value {
            "Pending" => Self::Pending,
            "InProgress" => Self::InProgress,
            "Succeeded" => Self::Succeeded,
            "SucceededPartial" => Self::SucceededPartial,
            "Failed" => Self::Failed,
            "Canceling" => Self::Canceling,
            "Canceled" => Self::Canceled,
            other => Self::Other(other.to_owned()),
        }
    }
}

/// One component's outcome in a deploy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeployMessage {
    /// The metadata type, e.g. `PermissionSet` (empty for `package.xml`).
    pub component_type: String,
    /// The file in the zip.
    pub file_name: String,
    /// The component's full name.
    pub full_name: String,
    /// Whether the component deployed.
    pub success: bool,
    /// The problem, for failures and warnings.
    pub problem: Option<String>,
    /// `Error`, `Warning` or `Info`.
    pub problem_type: Option<String>,
}

impl DeployMessage {
    fn from_element(element: &Element) -> Self {
        let text = |name: &str| element.child_text(name).unwrap_or_default().to_owned();
        Self {
            component_type: text("componentType"),
            file_name: text("fileName"),
            full_name: text("fullName"),
            success: element.child_bool("success").unwrap_or(false),
            problem: element.child_text("problem").map(str::to_owned),
            problem_type: element.child_text("problemType").map(str::to_owned),
        }
    }
}

/// The `checkDeployStatus` result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeployResult {
    /// The async process id.
    pub id: String,
    /// Whether the deploy is finished.
    pub done: bool,
    /// The status.
    pub status: DeployStatus,
    /// Whether it succeeded.
    pub success: bool,
    /// Whether it was a validation only.
    pub check_only: bool,
    /// Components deployed so far.
    pub number_components_deployed: u64,
    /// Components in the package.
    pub number_components_total: u64,
    /// Components that failed.
    pub number_component_errors: u64,
    /// A deploy-level error message.
    pub error_message: Option<String>,
    /// A deploy-level error code.
    pub error_status_code: Option<String>,
    /// Failed components (with details requested).
    pub component_failures: Vec<DeployMessage>,
    /// Deployed components (with details requested).
    pub component_successes: Vec<DeployMessage>,
}

impl DeployResult {
    pub(crate) fn from_element(result: &Element) -> Self {
        let details = result.child("details");
        let messages = |name: &str| {
            details
                .map(|d| {
                    d.children_named(name)
                        .map(DeployMessage::from_element)
                        .collect()
                })
                .unwrap_or_default()
        };
        Self {
            id: result.child_text("id").unwrap_or_default().to_owned(),
            done: result.child_bool("done").unwrap_or(false),
            status: DeployStatus::parse(result.child_text("status").unwrap_or_default()),
            success: result.child_bool("success").unwrap_or(false),
            check_only: result.child_bool("checkOnly").unwrap_or(false),
            number_components_deployed: result.child_u64("numberComponentsDeployed").unwrap_or(0),
            number_components_total: result.child_u64("numberComponentsTotal").unwrap_or(0),
            number_component_errors: result.child_u64("numberComponentErrors").unwrap_or(0),
            error_message: result.child_text("errorMessage").map(str::to_owned),
            error_status_code: result.child_text("errorStatusCode").map(str::to_owned),
            component_failures: messages("componentFailures"),
            component_successes: messages("componentSuccesses"),
        }
    }
}

/// How often to poll a running deploy, and for how long.
#[derive(Debug, Clone, PartialEq)]
pub struct PollPolicy {
    /// The first wait.
    pub initial_interval: Duration,
    /// The longest wait between two polls.
    pub max_interval: Duration,
    /// The factor by which the wait grows after each poll.
    pub multiplier: f64,
    /// Give up after this long.
    pub timeout: Duration,
}

impl Default for PollPolicy {
    fn default() -> Self {
        Self {
            initial_interval: Duration::from_secs(1),
            max_interval: Duration::from_secs(15),
            multiplier: 1.5,
            timeout: Duration::from_secs(600),
        }
    }
}

impl PollPolicy {
    pub(crate) fn next_interval(&self, current: Duration) -> Duration {
        current
            .mul_f64(self.multiplier.max(1.0))
            .min(self.max_interval)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_groups_members_by_type() {
        let mut package = Package::new("66.0");
        package
            .add_file(
                "PermissionSet",
                "B",
                "permissionsets/B.permissionset",
                vec![],
            )
            .unwrap();
        package
            .add_file(
                "PermissionSet",
                "A",
                "permissionsets/A.permissionset",
                vec![],
            )
            .unwrap();
        assert_eq!(
            package.manifest(),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Package xmlns=\"http://soap.sforce.com/2006/04/metadata\"><types><members>A</members><members>B</members><name>PermissionSet</name></types><version>66.0</version></Package>\n"
        );
        assert!(package.add_file("X", "y", "../y", vec![]).is_err());
        assert!(package.add_file("X", "y", "/y", vec![]).is_err());
    }
}
