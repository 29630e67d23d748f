//! Runbook rendering for sfiu: the record a future admin reads to understand, test, rotate
//! and revoke an integration user.
//!
//! This crate turns a finished (or inspected) setup, described by a [`Runbook`], into
//! Markdown ([`render_markdown`]) and JSON ([`render_json`]). It returns strings and writes
//! no files; the runner decides where they go. Rendering is deterministic: the same input
//! gives byte-identical output (grants are sorted, times come from the input), so runbooks
//! can be snapshot-tested and diffed between runs.
//!
//! A runbook never holds key material: only where the key lives, the certificate's
//! fingerprint and its validity dates. The consumer key is shown masked.
//!
//! ```
//! use sfiu_runbook::{Runbook, render_markdown};
//!
//! let runbook = Runbook::sample();
//! let markdown = render_markdown(&runbook);
//! assert!(markdown.starts_with("# Integration user runbook: HubSpot"));
//! assert!(!markdown.contains("BEGIN PRIVATE KEY"));
//! ```

mod markdown;
mod model;

pub use markdown::render_markdown;
pub use model::{
    AppRecord, CertificateRecord, FORMAT_VERSION, IntegrationRecord, ObjectProof, OrgRecord,
    PermissionSetRecord, Rotation, Runbook, UserRecord, Verification, render_json,
};
