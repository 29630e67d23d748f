//! The Metadata API (SOAP): CRUD on metadata components and zip deployments.
//!
//! Connected Apps, External Client Apps and permission sets are metadata, not records, so
//! creating them goes through `/services/Soap/m/<version>`. Components travel as
//! [`Metadata`]: a type, a full name and a body in WSDL element order, built from a typed
//! model or from a raw fragment.

mod deploy;
mod model;
pub(crate) mod soap;

use std::time::Duration;

use base64::Engine as _;
use reqwest::Method;
use url::Url;

pub use self::deploy::{
    AsyncResult, DeployMessage, DeployOptions, DeployResult, DeployStatus, Package, PollPolicy,
};
pub use self::model::{
    ClassAccess, ConnectedApp, ConnectedAppOauthConfig, ConnectedAppOauthPolicy,
    ExternalClientApplication, ExtlClntAppGlobalOauthSettings,
    ExtlClntAppOauthConfigurablePolicies, ExtlClntAppOauthSettings, FieldPermission,
    ObjectPermission, PermissionSet, UserPermission,
};
use crate::client::Body;
use crate::error::{ApiError, Error, Result};
use crate::session::{Session, check_name};
use crate::xml::{Element, XmlWriter, check_fragment};

/// Folder and file suffix of each type in an mdapi-format zip.
const MDAPI_PATHS: &[(&str, &str, &str)] = &[
    ("ConnectedApp", "connectedApps", "connectedApp"),
    ("ExternalClientApplication", "externalClientApps", "eca"),
    (
        "ExtlClntAppGlobalOauthSettings",
        "extlClntAppGlobalOauthSets",
        "ecaGlblOauth",
    ),
    (
        "ExtlClntAppOauthSettings",
        "extlClntAppOauthSettings",
        "ecaOauth",
    ),
    (
        "ExtlClntAppOauthConfigurablePolicies",
        "extlClntAppOauthPolicies",
        "ecaOauthPlcy",
    ),
    (
        "ExtlClntAppConfigurablePolicies",
        "extlClntAppPolicies",
        "ecaPlcy",
    ),
    ("PermissionSet", "permissionsets", "permissionset"),
    (
        "PermissionSetGroup",
        "permissionsetgroups",
        "permissionsetgroup",
    ),
];

/// One metadata component: its type, full name and body (the elements after `fullName`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Metadata {
    type_name: String,
    full_name: String,
    body: String,
}

impl Metadata {
    /// A component from a raw XML fragment: the elements inside the component, in WSDL
    /// order, without `fullName` and without namespace prefixes.
    ///
    /// # Errors
    ///
    /// Returns [`Error::InvalidArgument`] for a malformed type or full name and
    /// [`Error::Xml`] for a fragment that is not well-formed XML.
    pub fn from_fragment(type_name: &str, full_name: &str, fragment: &str) -> Result<Self> {
        check_name("metadata type", type_name, false)?;
        check_full_name(full_name)?;
        check_fragment(fragment).map_err(|source| Error::Xml {
            context: format!("the `{type_name}` fragment for `{full_name}`"),
            source,
        })?;
        Ok(Self::typed(type_name, full_name, fragment.to_owned()))
    }

    pub(crate) fn typed(type_name: &str, full_name: &str, body: String) -> Self {
        Self {
            type_name: type_name.to_owned(),
            full_name: full_name.to_owned(),
            body,
        }
    }

    /// The metadata type, e.g. `PermissionSet`.
    pub fn type_name(&self) -> &str {
        &self.type_name
    }

    /// The full name, e.g. `HubSpot_Integration`.
    pub fn full_name(&self) -> &str {
        &self.full_name
    }

    /// The body elements as XML.
    pub fn body(&self) -> &str {
        &self.body
    }

    /// The path of the component in an mdapi-format zip, e.g.
    /// `permissionsets/X.permissionset`, for the types sfiu deploys.
    pub fn mdapi_path(&self) -> Option<String> {
        MDAPI_PATHS
            .iter()
            .find(|(name, _, _)| *name == self.type_name)
            .map(|(_, folder, suffix)| format!("{folder}/{}.{suffix}", self.full_name))
    }

    /// The component as a standalone file, as it appears in a zip or a source tree.
    pub fn to_document(&self) -> String {
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<{name} xmlns=\"{ns}\">{body}</{name}>\n",
            name = self.type_name,
            ns = soap::METADATA_NS,
            body = self.body,
        )
    }

    fn write_soap(&self, w: &mut XmlWriter) {
        w.raw(&format!(r#"<metadata xsi:type="{}">"#, self.type_name))
            .text("fullName", &self.full_name)
            .raw(&self.body)
            .close("metadata");
    }
}

fn check_full_name(full_name: &str) -> Result<()> {
    let valid = !full_name.is_empty()
        && full_name != "."
        && full_name != ".."
        && !full_name.contains(['/', '\\'])
        && !full_name.chars().any(char::is_control);
    if valid {
        Ok(())
    } else {
        Err(Error::InvalidArgument {
            what: "metadata full name",
            value: full_name.to_owned(),
        })
    }
}

/// The outcome for one component of a create, upsert or delete call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetadataResult {
    /// The component's full name.
    pub full_name: String,
    /// Whether the operation succeeded.
    pub success: bool,
    /// For upserts: whether the component was created.
    pub created: Option<bool>,
    /// Errors, each with a `statusCode`.
    pub errors: Vec<ApiError>,
}

impl MetadataResult {
    fn from_element(result: &Element) -> Self {
        Self {
            full_name: result.child_text("fullName").unwrap_or_default().to_owned(),
            success: result.child_bool("success").unwrap_or(false),
            created: result.child_bool("created"),
            errors: result
                .children_named("errors")
                .map(|e| ApiError {
                    error_code: e.child_text("statusCode").unwrap_or_default().to_owned(),
                    message: e.child_text("message").unwrap_or_default().to_owned(),
                    fields: e.child_texts("fields"),
                })
                .collect(),
        }
    }
}

/// A component returned by `readMetadata`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadRecord {
    /// The `xsi:type`, without prefix.
    pub type_name: Option<String>,
    /// The full name.
    pub full_name: String,
    /// The record element; see [`PermissionSet::from_element`] for a typed view.
    pub element: Element,
}

impl Session {
    fn soap_url(&self) -> Result<Url> {
        self.path_url(&format!("/services/Soap/m/{}", self.api_version()))
    }

    async fn soap_call(&self, action: &'static str, operation: String) -> Result<Element> {
        let xml = soap::envelope(self.token(), &operation);
        let reply = self
            .send(Method::POST, self.soap_url()?, Body::Soap { xml, action })
            .await?;
        let root = reply.xml()?;
        // A fault normally comes with HTTP 500, but one inside a 200 is still a fault.
        if let Some(fault) = soap::parse_fault(&reply.body) {
            return Err(Error::Soap {
                request: reply.request,
                status: reply.status.as_u16(),
                fault,
            });
        }
        Ok(root)
    }

    /// Creates components (`createMetadata`); one result per component, in order.
    ///
    /// # Errors
    ///
    /// Returns [`Error::Soap`] for a fault such as `sf:INVALID_SESSION_ID`; per-component
    /// failures are in the results.
    pub async fn create_metadata(&self, components: &[Metadata]) -> Result<Vec<MetadataResult>> {
        self.save_metadata("createMetadata", components).await
    }

    /// Creates or updates components (`upsertMetadata`); `created` tells which.
    ///
    /// # Errors
    ///
    /// As for [`Session::create_metadata`].
    pub async fn upsert_metadata(&self, components: &[Metadata]) -> Result<Vec<MetadataResult>> {
        self.save_metadata("upsertMetadata", components).await
    }

    async fn save_metadata(
        &self,
        operation: &'static str,
        components: &[Metadata],
    ) -> Result<Vec<MetadataResult>> {
        let mut w = XmlWriter::new();
        w.open(operation);
        for component in components {
            component.write_soap(&mut w);
        }
        w.close(operation);
        let root = self.soap_call(operation, w.finish()).await?;
        let response = format!("{operation}Response");
        Ok(soap::results(&root, &response)
            .into_iter()
            .map(MetadataResult::from_element)
            .collect())
    }

    /// Deletes components of one type by full name (`deleteMetadata`).
    ///
    /// # Errors
    ///
    /// As for [`Session::create_metadata`].
    pub async fn delete_metadata(
        &self,
        type_name: &str,
        full_names: &[&str],
    ) -> Result<Vec<MetadataResult>> {
        let operation = names_operation("deleteMetadata", type_name, full_names)?;
        let root = self.soap_call("deleteMetadata", operation).await?;
        Ok(soap::results(&root, "deleteMetadataResponse")
            .into_iter()
            .map(MetadataResult::from_element)
            .collect())
    }

    /// Reads components of one type by full name (`readMetadata`). Names that do not exist
    /// are left out of the result.
    ///
    /// # Errors
    ///
    /// As for [`Session::create_metadata`].
    pub async fn read_metadata(
        &self,
        type_name: &str,
        full_names: &[&str],
    ) -> Result<Vec<ReadRecord>> {
        let operation = names_operation("readMetadata", type_name, full_names)?;
        let root = self.soap_call("readMetadata", operation).await?;
        let records = soap::results(&root, "readMetadataResponse")
            .into_iter()
            .flat_map(|result| result.children_named("records"))
            .filter_map(|record| {
                let full_name = record.child_text("fullName").filter(|n| !n.is_empty())?;
                Some(ReadRecord {
                    type_name: record.xsi_type().map(str::to_owned),
                    full_name: full_name.to_owned(),
                    element: record.clone(),
                })
            })
            .collect();
        Ok(records)
    }

    /// Starts a zip deployment (`deploy`) and returns its async handle.
    ///
    /// # Errors
    ///
    /// As for [`Session::create_metadata`].
    pub async fn deploy(&self, zip: &[u8], options: &DeployOptions) -> Result<AsyncResult> {
        let encoded = base64::engine::general_purpose::STANDARD.encode(zip);
        let mut w = XmlWriter::new();
        w.open("deploy").text("ZipFile", &encoded);
        options.write(&mut w);
        w.close("deploy");
        let root = self.soap_call("deploy", w.finish()).await?;
        let result = soap::results(&root, "deployResponse")
            .into_iter()
            .next()
            .ok_or_else(|| missing("deployResponse/result"))?;
        Ok(AsyncResult::from_element(result))
    }

    /// Reads a deployment's status (`checkDeployStatus`, with component details).
    ///
    /// # Errors
    ///
    /// As for [`Session::create_metadata`].
    pub async fn check_deploy_status(&self, id: &str) -> Result<DeployResult> {
        check_name("deploy id", id, false)?;
        let mut w = XmlWriter::new();
        w.open("checkDeployStatus")
            .text("asyncProcessId", id)
            .flag("includeDetails", true)
            .close("checkDeployStatus");
        let root = self.soap_call("checkDeployStatus", w.finish()).await?;
        let result = soap::results(&root, "checkDeployStatusResponse")
            .into_iter()
            .next()
            .ok_or_else(|| missing("checkDeployStatusResponse/result"))?;
        Ok(DeployResult::from_element(result))
    }

    /// Deploys a package and polls until the deploy is done, waiting longer between polls
    /// each time. A finished but failed deploy is returned as `Ok`; check
    /// [`DeployResult::success`].
    ///
    /// # Errors
    ///
    /// Returns [`Error::DeployTimeout`] when the deploy is still running after
    /// `poll.timeout`, or the errors of [`Session::deploy`].
    pub async fn deploy_and_wait(
        &self,
        package: &Package,
        options: &DeployOptions,
        poll: &PollPolicy,
    ) -> Result<DeployResult> {
        let handle = self.deploy(&package.to_zip()?, options).await?;
        let started = tokio::time::Instant::now();
        let mut interval = poll.initial_interval;
        loop {
            tokio::time::sleep(interval).await;
            let status = self.check_deploy_status(&handle.id).await?;
            tracing::debug!(
                id = %status.id,
                status = ?status.status,
                deployed = status.number_components_deployed,
                total = status.number_components_total,
                "deploy status"
            );
            if status.done {
                return Ok(status);
            }
            let waited = started.elapsed();
            if waited >= poll.timeout {
                return Err(Error::DeployTimeout {
                    id: handle.id,
                    waited,
                });
            }
            interval = poll.next_interval(interval).min(
                poll.timeout
                    .saturating_sub(waited)
                    .max(Duration::from_millis(1)),
            );
        }
    }
}

fn names_operation(operation: &str, type_name: &str, full_names: &[&str]) -> Result<String> {
    check_name("metadata type", type_name, false)?;
    let mut w = XmlWriter::new();
    w.open(operation).text("type", type_name);
    for full_name in full_names {
        check_full_name(full_name)?;
        w.text("fullNames", full_name);
    }
    w.close(operation);
    Ok(w.finish())
}

fn missing(path: &str) -> Error {
    Error::Xml {
        context: "a metadata API response".into(),
        source: crate::error::XmlError(format!("the response has no `{path}` element")),
    }
}
