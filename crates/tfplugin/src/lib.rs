//! A Terraform plugin protocol 6 server for Rust providers.
//!
//! The layers, from the wire up:
//! - [`proto`]: the gRPC messages and services, generated at build time;
//! - [`host`]: the go-plugin handshake, AutoMTLS and side services;
//! - [`value`] and [`diag`]: cty values with both wire encodings, and
//!   diagnostics tied to attribute paths;
//! - [`schema`] and [`plan`]: schemas and the planning rules they imply;
//! - [`resource`]: what a provider author implements, with [`identity`]
//!   for the resources that name their objects for good;
//! - [`server`]: the translation between requests and the resource model;
//! - [`harness`]: drives the real `terraform` binary in acceptance tests.
//!
//! Nothing here knows about any particular provider.

pub mod diag;
pub mod harness;
pub mod host;
pub mod identity;
pub mod logging;
pub mod plan;
pub mod proto;
pub mod resource;
pub mod schema;
pub mod server;
pub mod value;

pub use async_trait::async_trait;
pub use tokio_util::sync::CancellationToken;
