//! Service resources and data sources. Each typed resource is a
//! [`kind::ServiceKind`] declaration; schema, planning, API calls and state
//! mapping are shared:
//!
//! - [`schema`]: the Terraform schema a kind implies;
//! - [`resource`]: plan rules, create/read/update/delete/import;
//! - [`checks`]: plan-time checks, down to a fork's source and its window;
//! - [`state`]: API service object → Terraform state;
//! - [`user_config`]: `user_config` between Terraform values and JSON;
//! - [`wait`]: polling until RUNNING, forkable or gone;
//! - [`data_source`]: read-only views.

mod checks;
pub mod data_source;
pub mod kind;
mod replace;
pub mod resource;
pub mod schema;
pub mod state;
pub mod user_config;
pub mod wait;
