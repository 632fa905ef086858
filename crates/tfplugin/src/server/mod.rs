//! The tfplugin6 `Provider` service: decodes each request against the
//! right schema, hands it to the provider's resource model and encodes the
//! answer. Panics inside provider code become error diagnostics.
//!
//! This module holds what every RPC shares: the service with its schemas,
//! the lookup of a resource or data source, the panic guard and
//! [`respond`], the request → diagnostics → response skeleton. The RPCs
//! themselves live one group per module, and [`convert`] turns the model
//! into wire messages and back.

mod convert;
mod data_sources;
mod ephemeral;
mod identity;
mod metadata;
mod provider;
mod resources;

use std::collections::HashMap;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, RwLock};

use futures_util::FutureExt;
use tokio_util::sync::CancellationToken;
use tonic::{Request, Response, Status};

use crate::diag::{Diagnostic, Diagnostics};
use crate::proto::tfplugin6 as pb;
use crate::resource::{Context, DataSource, EphemeralResource, Provider, Resource};
use crate::schema::Schema;
use crate::value::Type;

struct Typed<T: ?Sized> {
    implementation: Arc<T>,
    schema: Schema,
    ty: Type,
    /// A resource type's identity; data sources have none.
    identity: Option<crate::identity::Identity>,
}

impl<T: ?Sized> Typed<T> {
    fn new(
        implementation: Arc<T>,
        schema: Schema,
        identity: Option<crate::identity::Identity>,
    ) -> Typed<T> {
        let ty = schema.block.value_type();
        Typed {
            implementation,
            schema,
            ty,
            identity,
        }
    }
}

/// Serves one provider. Schemas are built once at start-up: Terraform asks
/// for them on every run and decodes every value against them.
pub struct ProviderService<P: Provider> {
    provider: P,
    provider_schema: Schema,
    provider_type: Type,
    resources: HashMap<&'static str, Typed<dyn Resource<P::Data>>>,
    data_sources: HashMap<&'static str, Typed<dyn DataSource<P::Data>>>,
    ephemeral_resources: HashMap<&'static str, Typed<dyn EphemeralResource<P::Data>>>,
    data: RwLock<Option<Arc<P::Data>>>,
    stop: CancellationToken,
}

impl<P: Provider> ProviderService<P> {
    pub fn new(provider: P) -> ProviderService<P> {
        let resources = provider
            .resources()
            .into_iter()
            .map(|resource| {
                let (schema, identity) = (resource.schema(), resource.identity());
                (resource.type_name(), Typed::new(resource, schema, identity))
            })
            .collect();
        let data_sources = provider
            .data_sources()
            .into_iter()
            .map(|source| {
                let schema = source.schema();
                (source.type_name(), Typed::new(source, schema, None))
            })
            .collect();
        let ephemeral_resources = provider
            .ephemeral_resources()
            .into_iter()
            .map(|ephemeral| {
                let schema = ephemeral.schema();
                (ephemeral.type_name(), Typed::new(ephemeral, schema, None))
            })
            .collect();
        let provider_schema = provider.schema();
        let provider_type = provider_schema.block.value_type();
        ProviderService {
            provider,
            provider_schema,
            provider_type,
            resources,
            data_sources,
            ephemeral_resources,
            data: RwLock::new(None),
            stop: CancellationToken::new(),
        }
    }

    /// Cancelled by `StopProvider`; exposed so the plugin host can cancel
    /// work on shutdown too.
    pub fn stop_token(&self) -> CancellationToken {
        self.stop.clone()
    }

    fn context(&self) -> Context<P::Data> {
        let data = self.data.read().map(|guard| guard.clone()).unwrap_or(None);
        Context::new(data, self.stop.clone())
    }

    fn resource(&self, type_name: &str) -> Result<&Typed<dyn Resource<P::Data>>, Diagnostics> {
        tracing::debug!(resource = type_name, "resource call");
        self.resources.get(type_name).ok_or_else(|| {
            Diagnostic::error(
                "Unknown resource type",
                format!("This provider has no resource type {type_name:?}."),
            )
            .into()
        })
    }

    fn data_source(&self, type_name: &str) -> Result<&Typed<dyn DataSource<P::Data>>, Diagnostics> {
        tracing::debug!(data_source = type_name, "data source call");
        self.data_sources.get(type_name).ok_or_else(|| {
            Diagnostic::error(
                "Unknown data source",
                format!("This provider has no data source {type_name:?}."),
            )
            .into()
        })
    }

    fn ephemeral_resource(
        &self,
        type_name: &str,
    ) -> Result<&Typed<dyn EphemeralResource<P::Data>>, Diagnostics> {
        tracing::debug!(ephemeral_resource = type_name, "ephemeral resource call");
        self.ephemeral_resources.get(type_name).ok_or_else(|| {
            Diagnostic::error(
                "Unknown ephemeral resource",
                format!("This provider has no ephemeral resource type {type_name:?}."),
            )
            .into()
        })
    }
}

/// Runs provider code, turning a panic into an error diagnostic so one bug
/// fails one operation instead of killing the plugin mid-apply.
async fn guarded<T>(future: impl Future<Output = T>) -> Result<T, Diagnostics> {
    AssertUnwindSafe(future).catch_unwind().await.map_err(|panic| {
        let message = panic
            .downcast_ref::<&str>()
            .map(|text| (*text).to_owned())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown cause".to_owned());
        tracing::error!(message = %message, "provider code panicked");
        Diagnostic::error(
            "Internal error in the provider",
            format!("The provider hit a bug and could not finish this operation: {message}. Please report it."),
        )
        .into()
    })
}

/// Runs an RPC's body, gathering every diagnostic it reports, whether it
/// returns normally or bails out early with errors. An early error gives
/// the response the empty value for its payload.
async fn respond<T: Default>(
    body: impl AsyncFnOnce(&mut Diagnostics) -> Result<T, Diagnostics>,
) -> (T, Vec<pb::Diagnostic>) {
    let mut diagnostics = Diagnostics::new();
    let payload = match body(&mut diagnostics).await {
        Ok(payload) => payload,
        Err(errors) => {
            diagnostics.extend(errors);
            T::default()
        }
    };
    (payload, convert::diagnostics_to_proto(diagnostics))
}

/// The gRPC surface: each RPC hands its request to the module for its
/// group and wraps the answer.
#[tonic::async_trait]
impl<P: Provider> pb::provider_server::Provider for ProviderService<P> {
    async fn get_metadata(
        &self,
        _request: Request<pb::get_metadata::Request>,
    ) -> Result<Response<pb::get_metadata::Response>, Status> {
        Ok(Response::new(metadata::get_metadata(self)))
    }

    async fn get_provider_schema(
        &self,
        _request: Request<pb::get_provider_schema::Request>,
    ) -> Result<Response<pb::get_provider_schema::Response>, Status> {
        Ok(Response::new(metadata::get_provider_schema(self)))
    }

    async fn validate_provider_config(
        &self,
        request: Request<pb::validate_provider_config::Request>,
    ) -> Result<Response<pb::validate_provider_config::Response>, Status> {
        Ok(Response::new(
            provider::validate_provider_config(self, request.into_inner()).await,
        ))
    }

    async fn validate_resource_config(
        &self,
        request: Request<pb::validate_resource_config::Request>,
    ) -> Result<Response<pb::validate_resource_config::Response>, Status> {
        Ok(Response::new(
            resources::validate_resource_config(self, request.into_inner()).await,
        ))
    }

    async fn validate_data_resource_config(
        &self,
        request: Request<pb::validate_data_resource_config::Request>,
    ) -> Result<Response<pb::validate_data_resource_config::Response>, Status> {
        Ok(Response::new(
            data_sources::validate_data_resource_config(self, request.into_inner()).await,
        ))
    }

    async fn upgrade_resource_state(
        &self,
        request: Request<pb::upgrade_resource_state::Request>,
    ) -> Result<Response<pb::upgrade_resource_state::Response>, Status> {
        Ok(Response::new(
            resources::upgrade_resource_state(self, request.into_inner()).await,
        ))
    }

    async fn get_resource_identity_schemas(
        &self,
        _request: Request<pb::get_resource_identity_schemas::Request>,
    ) -> Result<Response<pb::get_resource_identity_schemas::Response>, Status> {
        Ok(Response::new(identity::get_resource_identity_schemas(self)))
    }

    async fn upgrade_resource_identity(
        &self,
        request: Request<pb::upgrade_resource_identity::Request>,
    ) -> Result<Response<pb::upgrade_resource_identity::Response>, Status> {
        Ok(Response::new(
            identity::upgrade_resource_identity(self, request.into_inner()).await,
        ))
    }

    async fn configure_provider(
        &self,
        request: Request<pb::configure_provider::Request>,
    ) -> Result<Response<pb::configure_provider::Response>, Status> {
        Ok(Response::new(
            provider::configure_provider(self, request.into_inner()).await,
        ))
    }

    async fn read_resource(
        &self,
        request: Request<pb::read_resource::Request>,
    ) -> Result<Response<pb::read_resource::Response>, Status> {
        Ok(Response::new(
            resources::read_resource(self, request.into_inner()).await,
        ))
    }

    async fn plan_resource_change(
        &self,
        request: Request<pb::plan_resource_change::Request>,
    ) -> Result<Response<pb::plan_resource_change::Response>, Status> {
        Ok(Response::new(
            resources::plan_resource_change(self, request.into_inner()).await,
        ))
    }

    async fn apply_resource_change(
        &self,
        request: Request<pb::apply_resource_change::Request>,
    ) -> Result<Response<pb::apply_resource_change::Response>, Status> {
        Ok(Response::new(
            resources::apply_resource_change(self, request.into_inner()).await,
        ))
    }

    async fn import_resource_state(
        &self,
        request: Request<pb::import_resource_state::Request>,
    ) -> Result<Response<pb::import_resource_state::Response>, Status> {
        Ok(Response::new(
            resources::import_resource_state(self, request.into_inner()).await,
        ))
    }

    async fn move_resource_state(
        &self,
        request: Request<pb::move_resource_state::Request>,
    ) -> Result<Response<pb::move_resource_state::Response>, Status> {
        Ok(Response::new(resources::move_resource_state(
            request.into_inner(),
        )))
    }

    async fn read_data_source(
        &self,
        request: Request<pb::read_data_source::Request>,
    ) -> Result<Response<pb::read_data_source::Response>, Status> {
        Ok(Response::new(
            data_sources::read_data_source(self, request.into_inner()).await,
        ))
    }

    async fn validate_ephemeral_resource_config(
        &self,
        request: Request<pb::validate_ephemeral_resource_config::Request>,
    ) -> Result<Response<pb::validate_ephemeral_resource_config::Response>, Status> {
        Ok(Response::new(
            ephemeral::validate_ephemeral_resource_config(self, request.into_inner()).await,
        ))
    }

    async fn open_ephemeral_resource(
        &self,
        request: Request<pb::open_ephemeral_resource::Request>,
    ) -> Result<Response<pb::open_ephemeral_resource::Response>, Status> {
        Ok(Response::new(
            ephemeral::open_ephemeral_resource(self, request.into_inner()).await,
        ))
    }

    async fn renew_ephemeral_resource(
        &self,
        request: Request<pb::renew_ephemeral_resource::Request>,
    ) -> Result<Response<pb::renew_ephemeral_resource::Response>, Status> {
        Ok(Response::new(ephemeral::renew_ephemeral_resource(
            self,
            request.into_inner(),
        )))
    }

    async fn close_ephemeral_resource(
        &self,
        request: Request<pb::close_ephemeral_resource::Request>,
    ) -> Result<Response<pb::close_ephemeral_resource::Response>, Status> {
        Ok(Response::new(ephemeral::close_ephemeral_resource(
            self,
            request.into_inner(),
        )))
    }

    async fn get_functions(
        &self,
        _request: Request<pb::get_functions::Request>,
    ) -> Result<Response<pb::get_functions::Response>, Status> {
        Ok(Response::new(pb::get_functions::Response::default()))
    }

    async fn call_function(
        &self,
        request: Request<pb::call_function::Request>,
    ) -> Result<Response<pb::call_function::Response>, Status> {
        Ok(Response::new(metadata::call_function(request.into_inner())))
    }

    async fn stop_provider(
        &self,
        _request: Request<pb::stop_provider::Request>,
    ) -> Result<Response<pb::stop_provider::Response>, Status> {
        Ok(Response::new(metadata::stop_provider(self)))
    }
}
