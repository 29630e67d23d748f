//! Runbook rendering for sfiu: the record a future admin reads to understand, test, rotate
//! and revoke an integration user.
//!
//! This crate turns a finished (or inspected) setup into Markdown and JSON. It returns
//! strings and writes no files; the runner decides where they go. Rendering is
//! deterministic: the same input gives byte-identical output, so runbooks can be
//! snapshot-tested and diffed.
//!
//! The renderer arrives with the main job (issue #5); until then this crate holds only its
//! contract.
