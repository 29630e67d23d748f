//! A simulated Salesforce org on loopback, for sfiu's demo and tests.
//!
//! It reproduces, where sfiu touches Salesforce, the real wire behaviour recorded in
//! `reference/salesforce-api.md`: REST query and sObject calls with their error bodies and
//! `Sforce-Limit-Info`, composite and sObject Collections, the OAuth JWT bearer grant, and the
//! Metadata API for Connected Apps, External Client Apps and permission sets. Licence seats,
//! the PSL-before-permission-set rule and object reach of the Integration licence are enforced.
//! Behaviours the reference could not confirm are [`Settings`].
//!
//! It is not a general Salesforce emulator: only the objects and calls sfiu needs exist.
//!
//! ```no_run
//! # async fn demo() -> sfiu_sim::Result<()> {
//! use sfiu_sim::{Scenario, StartOptions};
//!
//! let org = sfiu_sim::start(StartOptions::new(Scenario::FreshEnterprise)).await?;
//! println!("{} {}", org.instance_url(), org.admin_access_token());
//! org.shutdown().await;
//! # Ok(())
//! # }
//! ```

mod access;
mod composite;
mod control;
mod dml;
mod error;
mod ids;
mod mdapi;
mod oauth;
mod query;
mod rest;
mod scenario;
mod schema;
mod server;
mod settings;
mod sferror;
mod soql;
mod store;
mod xml;

pub use control::{Counters, Fault, FaultAction, LoggedRequest};
pub use error::{Error, Result};
pub use scenario::Scenario;
pub use server::{RunningOrg, StartOptions, start};
pub use settings::{AppRowName, ErrorTemplate, OAuthErrorPair, OrgKind, Settings};
pub use store::USERNAMES_TAKEN_ELSEWHERE;
