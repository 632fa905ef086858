//! Service resources and data sources. Each typed resource is a
//! [`kind::ServiceKind`] declaration; schema, planning, API calls and state
//! mapping are shared:
//!
//! - [`schema`]: the Terraform schema a kind implies;
//! - [`resource`]: validation, plan checks, create/read/update/delete/import;
//! - [`state`]: API service object → Terraform state;
//! - [`user_config`]: `user_config` between Terraform values and JSON;
//! - [`wait`]: polling until RUNNING, forkable or gone;
//! - [`data_source`]: read-only views.

pub mod data_source;
pub mod kind;
pub mod resource;
pub mod schema;
pub mod state;
pub mod user_config;
pub mod wait;
