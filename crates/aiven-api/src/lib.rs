//! The Aiven REST API as both sides of this repository see it: the
//! provider's client sends these types and aiven-local answers with them,
//! so the two cannot drift apart. Field names are the public API's.
//!
//! - [`types`]: request and response bodies;
//! - [`names`]: what the API accepts as project, service and user names;
//! - [`catalog`]: service types, plans, and which types can do what;
//! - [`clouds`]: the cloud regions the platform publishes;
//! - [`contract`]: the real API's endpoints, fields and enums, as facts
//!   to check requests and replies against;
//! - [`user_config`]: each type's `user_config` keys, defined once and
//!   turned into a JSON Schema, a validator and the provider's schema;
//! - [`timestamp`]: the time formats the API and its CLI accept;
//! - [`fork_point`]: where a fork is restored to, and how the latest
//!   transaction becomes a time the API takes;
//! - [`userinfo`]: user names and passwords inside connection URIs.

pub mod catalog;
pub mod clouds;
pub mod contract;
pub mod fork_point;
pub mod names;
pub mod timestamp;
pub mod types;
pub mod user_config;
pub mod userinfo;
