//! What a provider author writes: a provider, its resources and data
//! sources, each a schema plus lifecycle functions. Nothing here is shaped by
//! gRPC; [`crate::server`] translates.

use std::sync::Arc;

use async_trait::async_trait;
use tokio_util::sync::CancellationToken;

use crate::diag::{AttributePath, Diagnostic, Diagnostics};
use crate::identity::Identity;
use crate::schema::Schema;
use crate::value::Value;

/// Handed to every provider, resource and data source call.
pub struct Context<D> {
    data: Option<Arc<D>>,
    /// Cancelled when Terraform asks the provider to stop (Ctrl-C). Long
    /// waits must select on it.
    pub cancel: CancellationToken,
}

impl<D> Context<D> {
    pub(crate) fn new(data: Option<Arc<D>>, cancel: CancellationToken) -> Context<D> {
        Context { data, cancel }
    }

    /// The configured provider's data (its API client), or an error when
    /// Terraform has not configured the provider yet, as during validation
    /// or when the provider block is partly unknown.
    pub fn data(&self) -> Result<&D, Diagnostic> {
        self.data.as_deref().ok_or_else(|| {
            Diagnostic::error(
                "Provider not configured",
                "This operation needs the provider's API connection, but Terraform has not configured the provider. \
                 This happens when the provider block depends on values known only after apply.",
            )
        })
    }

    /// Like [`Context::data`], but `None` instead of an error: for checks
    /// that are worth doing when possible and skipped otherwise.
    pub fn configured(&self) -> Option<&D> {
        self.data.as_deref()
    }
}

/// A plan being made for one resource instance.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Null when the resource is being created.
    pub prior: Value,
    pub config: Value,
    /// What the schema's rules planned; the resource may refine it. Null
    /// when the resource is being destroyed.
    pub planned: Value,
    pub requires_replace: Vec<AttributePath>,
}

impl Plan {
    pub fn is_create(&self) -> bool {
        self.prior.is_null()
    }

    pub fn is_destroy(&self) -> bool {
        self.planned.is_null()
    }
}

/// The change Terraform asks a resource to carry out.
#[derive(Debug, Clone)]
pub struct Change {
    pub prior: Value,
    pub planned: Value,
    pub config: Value,
}

/// The result of create or update. On failure, return the state of
/// whatever the API did create together with error diagnostics: Terraform
/// records it (tainted on create) so nothing is orphaned.
#[derive(Debug)]
pub struct Applied {
    pub state: Value,
    pub diagnostics: Diagnostics,
}

impl Applied {
    pub fn ok(state: Value) -> Applied {
        Applied {
            state,
            diagnostics: Diagnostics::new(),
        }
    }

    pub fn failed(state: Value, diagnostics: impl Into<Diagnostics>) -> Applied {
        Applied {
            state,
            diagnostics: diagnostics.into(),
        }
    }
}

/// A managed resource type.
#[async_trait]
pub trait Resource<D: Send + Sync>: Send + Sync {
    /// The full type name, e.g. `aiven_pg`.
    fn type_name(&self) -> &'static str;

    fn schema(&self) -> Schema;

    /// Checks configuration that needs no API access. Values may be unknown.
    async fn validate(&self, _ctx: &Context<D>, _config: &Value, _diags: &mut Diagnostics) {}

    /// Refines a plan after the schema's rules ran: validation against the
    /// API, normalisation, extra replacement paths. Also called for
    /// destroys (`plan.planned` null), where an error stops the plan.
    async fn modify_plan(&self, _ctx: &Context<D>, _plan: &mut Plan, _diags: &mut Diagnostics) {}

    async fn create(&self, ctx: &Context<D>, change: &Change) -> Applied;

    /// Refreshes state from the API. `None` means the object is gone and
    /// should be removed from state.
    async fn read(&self, ctx: &Context<D>, state: &Value, diags: &mut Diagnostics)
    -> Option<Value>;

    async fn update(&self, ctx: &Context<D>, change: &Change) -> Applied;

    async fn delete(&self, ctx: &Context<D>, prior: &Value, diags: &mut Diagnostics);

    /// The attributes that name an object of this type for good (protocol
    /// 6.9), in the order the import ID joins them with `/`; `None` for a
    /// type without one. Clients that know identity (Terraform 1.12,
    /// OpenTofu 1.12) keep it beside the state and import by it.
    fn identity(&self) -> Option<Identity> {
        None
    }

    /// Turns an import ID into a state that `read` can complete.
    async fn import(&self, _ctx: &Context<D>, _id: &str, diags: &mut Diagnostics) -> Option<Value> {
        diags.push(Diagnostic::error(
            "Import not supported",
            format!("Resource type {} cannot be imported.", self.type_name()),
        ));
        None
    }

    /// Rewrites JSON state stored by schema `version` into the current
    /// schema's shape. Only called when `version` is older than current.
    fn upgrade_state(
        &self,
        version: i64,
        _state: serde_json::Value,
    ) -> Result<serde_json::Value, Diagnostic> {
        Err(Diagnostic::error(
            "Unsupported state version",
            format!(
                "State for {} was written with schema version {version}, which this provider version cannot upgrade.",
                self.type_name()
            ),
        ))
    }
}

/// A data source type.
#[async_trait]
pub trait DataSource<D: Send + Sync>: Send + Sync {
    fn type_name(&self) -> &'static str;

    fn schema(&self) -> Schema;

    async fn validate(&self, _ctx: &Context<D>, _config: &Value, _diags: &mut Diagnostics) {}

    async fn read(&self, ctx: &Context<D>, config: &Value, diags: &mut Diagnostics) -> Value;
}

/// An ephemeral resource type (protocol 6.7; Terraform 1.10, OpenTofu
/// 1.11): values read for one run and handed to what needs them (a
/// write-only argument, a provider block), never written to plan or state.
#[async_trait]
pub trait EphemeralResource<D: Send + Sync>: Send + Sync {
    fn type_name(&self) -> &'static str;

    fn schema(&self) -> Schema;

    async fn validate(&self, _ctx: &Context<D>, _config: &Value, _diags: &mut Diagnostics) {}

    /// Reads the values. Terraform opens an ephemeral resource only once
    /// its configuration is wholly known; nothing is held open afterwards,
    /// so there is nothing to renew or close.
    async fn open(&self, ctx: &Context<D>, config: &Value, diags: &mut Diagnostics) -> Value;
}

/// A provider: its own configuration and the types it offers.
#[async_trait]
pub trait Provider: Send + Sync + 'static {
    /// What configuration produces and every call receives, typically an
    /// API client.
    type Data: Send + Sync + 'static;

    fn schema(&self) -> Schema;

    async fn validate(&self, _config: &Value, _diags: &mut Diagnostics) {}

    async fn configure(
        &self,
        config: &Value,
        terraform_version: &str,
        diags: &mut Diagnostics,
    ) -> Option<Self::Data>;

    fn resources(&self) -> Vec<Arc<dyn Resource<Self::Data>>>;

    fn data_sources(&self) -> Vec<Arc<dyn DataSource<Self::Data>>>;

    fn ephemeral_resources(&self) -> Vec<Arc<dyn EphemeralResource<Self::Data>>> {
        Vec::new()
    }
}
