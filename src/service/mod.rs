//! Service resources and data sources. Each typed resource is a
//! [`kind::ServiceKind`] declaration; schema, planning, API calls and state
//! mapping are shared:
//!
//! - [`model`]: a resource's value as typed fields, and its attribute names;
//! - [`schema`]: the Terraform schema a kind implies;
//! - [`resource`]: plan rules, create/read/update/delete/import;
//! - `replace`: when a change to a create-only field replaces the service;
//! - [`checks`]: plan-time checks, down to a fork's source and its window;
//! - `plan_check`: the plan and disk size against the API's own plan facts;
//! - [`fork`]: the point a fork is restored to, from plan to state;
//! - [`state`]: API service object → Terraform state;
//! - [`user_config`]: `user_config` between Terraform values and JSON;
//! - `upgrade`: stored state from this provider's first schema and from
//!   the official provider's;
//! - [`wait`]: polling until RUNNING, forkable or gone;
//! - [`data_source`]: read-only views; [`list`] a project's services;
//!   [`component`] one endpoint of a service.

use tfplugin::diag::Diagnostic;

use crate::client::CallError;

mod checks;
pub mod component;
pub use checks::check_tag_blocks;
pub use plan_check::check_cloud_with_api;
pub mod data_source;
pub mod fork;
pub mod kind;
pub mod list;
pub mod model;
mod plan_check;
mod replace;
pub mod resource;
pub mod schema;
pub mod state;
mod upgrade;
pub mod user_config;
pub mod wait;

/// An error the API answered, as a diagnostic.
fn api_diagnostic(summary: &str, err: &CallError) -> Diagnostic {
    Diagnostic::error(summary, format!("The Aiven API answered: {err}"))
}
