//! The tfplugin6 `Provider` service: decodes each request against the
//! right schema, hands it to the provider's resource model and encodes the
//! answer. Panics inside provider code become error diagnostics.

use std::collections::HashMap;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, RwLock};

use futures_util::FutureExt;
use tokio_util::sync::CancellationToken;
use tonic::{Request, Response, Status};

use crate::diag::{AttributePath, Diagnostic, Diagnostics, PathStep, Severity};
use crate::plan::{plan_from_schema, strip_write_only};
use crate::proto::tfplugin6 as pb;
use crate::resource::{Applied, Change, Context, DataSource, Plan, Provider, Resource};
use crate::schema::{AttributeKind, Block, BlockNesting, ObjectNesting, Schema};
use crate::value::{Type, Value, ValueError};

struct Typed<T: ?Sized> {
    implementation: Arc<T>,
    schema: Schema,
    ty: Type,
}

/// Serves one provider. Schemas are built once at start-up: Terraform asks
/// for them on every run and decodes every value against them.
pub struct ProviderService<P: Provider> {
    provider: P,
    provider_schema: Schema,
    provider_type: Type,
    resources: HashMap<&'static str, Typed<dyn Resource<P::Data>>>,
    data_sources: HashMap<&'static str, Typed<dyn DataSource<P::Data>>>,
    data: RwLock<Option<Arc<P::Data>>>,
    stop: CancellationToken,
}

impl<P: Provider> ProviderService<P> {
    pub fn new(provider: P) -> ProviderService<P> {
        let resources = provider
            .resources()
            .into_iter()
            .map(|resource| {
                let schema = resource.schema();
                let ty = schema.block.value_type();
                (
                    resource.type_name(),
                    Typed {
                        implementation: resource,
                        schema,
                        ty,
                    },
                )
            })
            .collect();
        let data_sources = provider
            .data_sources()
            .into_iter()
            .map(|source| {
                let schema = source.schema();
                let ty = schema.block.value_type();
                (
                    source.type_name(),
                    Typed {
                        implementation: source,
                        schema,
                        ty,
                    },
                )
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

fn decode(value: Option<&pb::DynamicValue>, ty: &Type, what: &str) -> Result<Value, Diagnostics> {
    let Some(value) = value else {
        return Ok(Value::Null);
    };
    let decoded = if !value.msgpack.is_empty() {
        Value::from_msgpack(&value.msgpack, ty)
    } else if !value.json.is_empty() {
        serde_json::from_slice(&value.json)
            .map_err(|err| ValueError {
                path: AttributePath::root(),
                message: err.to_string(),
            })
            .and_then(|json| Value::from_json(&json, ty))
    } else {
        Ok(Value::Null)
    };
    decoded.map_err(|err| value_error(err, &format!("Invalid {what}")))
}

fn encode(value: &Value, ty: &Type, what: &str) -> Result<pb::DynamicValue, Diagnostics> {
    let msgpack = value
        .to_msgpack(ty)
        .map_err(|err| value_error(err, &format!("Provider produced an invalid {what}")))?;
    Ok(pb::DynamicValue {
        msgpack,
        json: Vec::new(),
    })
}

fn value_error(err: ValueError, summary: &str) -> Diagnostics {
    let path = (!err.path.is_root()).then(|| err.path.clone());
    Diagnostic {
        severity: Severity::Error,
        summary: summary.to_owned(),
        detail: err.to_string(),
        path,
    }
    .into()
}

fn diagnostics_to_proto(diagnostics: Diagnostics) -> Vec<pb::Diagnostic> {
    diagnostics
        .into_vec()
        .into_iter()
        .map(|d| pb::Diagnostic {
            severity: match d.severity {
                Severity::Error => pb::diagnostic::Severity::Error as i32,
                Severity::Warning => pb::diagnostic::Severity::Warning as i32,
            },
            summary: d.summary,
            detail: d.detail,
            attribute: d.path.as_ref().map(path_to_proto),
        })
        .collect()
}

fn path_to_proto(path: &AttributePath) -> pb::AttributePath {
    use pb::attribute_path::step::Selector;
    pb::AttributePath {
        steps: path
            .steps()
            .iter()
            .map(|step| pb::attribute_path::Step {
                selector: Some(match step {
                    PathStep::Attribute(name) => Selector::AttributeName(name.clone()),
                    PathStep::Index(index) => Selector::ElementKeyInt(*index),
                    PathStep::Key(key) => Selector::ElementKeyString(key.clone()),
                }),
            })
            .collect(),
    }
}

fn schema_to_proto(schema: &Schema) -> pb::Schema {
    pb::Schema {
        version: schema.version,
        block: Some(block_to_proto(&schema.block, schema.version)),
    }
}

fn block_to_proto(block: &Block, version: i64) -> pb::schema::Block {
    use pb::schema::nested_block::NestingMode;
    pb::schema::Block {
        version,
        attributes: block.attributes.iter().map(attribute_to_proto).collect(),
        block_types: block
            .blocks
            .iter()
            .map(|nested| pb::schema::NestedBlock {
                type_name: nested.type_name.clone(),
                block: Some(block_to_proto(&nested.block, 0)),
                nesting: match nested.nesting {
                    BlockNesting::Single => NestingMode::Single,
                    BlockNesting::List => NestingMode::List,
                    BlockNesting::Set => NestingMode::Set,
                } as i32,
                min_items: nested.min_items,
                max_items: nested.max_items,
            })
            .collect(),
        description: block.description.clone(),
        description_kind: pb::StringKind::Markdown as i32,
        deprecated: block.deprecated,
    }
}

fn attribute_to_proto(attribute: &crate::schema::Attribute) -> pb::schema::Attribute {
    use pb::schema::object::NestingMode;
    let (ty, nested_type) = match &attribute.kind {
        AttributeKind::Plain(ty) => (ty.to_json().to_string().into_bytes(), None),
        AttributeKind::Nested {
            nesting,
            attributes,
        } => (
            Vec::new(),
            Some(pb::schema::Object {
                attributes: attributes.iter().map(attribute_to_proto).collect(),
                nesting: match nesting {
                    ObjectNesting::Single => NestingMode::Single,
                    ObjectNesting::List => NestingMode::List,
                    ObjectNesting::Set => NestingMode::Set,
                    ObjectNesting::Map => NestingMode::Map,
                } as i32,
                ..Default::default()
            }),
        ),
    };
    pb::schema::Attribute {
        name: attribute.name.clone(),
        r#type: ty,
        nested_type,
        description: attribute.description.clone(),
        required: attribute.required,
        optional: attribute.optional,
        computed: attribute.computed,
        sensitive: attribute.sensitive,
        description_kind: pb::StringKind::Markdown as i32,
        deprecated: attribute.deprecated,
        write_only: attribute.write_only,
    }
}

fn capabilities() -> pb::ServerCapabilities {
    pb::ServerCapabilities {
        plan_destroy: true,
        get_provider_schema_optional: true,
        move_resource_state: false,
    }
}

/// Collapses the Ok/Err split used below: either way the diagnostics end
/// up in the response.
fn settle<T: Default>(result: Result<T, Diagnostics>, diagnostics: &mut Diagnostics) -> T {
    match result {
        Ok(value) => value,
        Err(errors) => {
            diagnostics.extend(errors);
            T::default()
        }
    }
}

#[tonic::async_trait]
impl<P: Provider> pb::provider_server::Provider for ProviderService<P> {
    async fn get_metadata(
        &self,
        _request: Request<pb::get_metadata::Request>,
    ) -> Result<Response<pb::get_metadata::Response>, Status> {
        let mut resources: Vec<_> = self.resources.keys().collect();
        resources.sort();
        let mut data_sources: Vec<_> = self.data_sources.keys().collect();
        data_sources.sort();
        Ok(Response::new(pb::get_metadata::Response {
            server_capabilities: Some(capabilities()),
            resources: resources
                .into_iter()
                .map(|name| pb::get_metadata::ResourceMetadata {
                    type_name: (*name).to_owned(),
                })
                .collect(),
            data_sources: data_sources
                .into_iter()
                .map(|name| pb::get_metadata::DataSourceMetadata {
                    type_name: (*name).to_owned(),
                })
                .collect(),
            ..Default::default()
        }))
    }

    async fn get_provider_schema(
        &self,
        _request: Request<pb::get_provider_schema::Request>,
    ) -> Result<Response<pb::get_provider_schema::Response>, Status> {
        Ok(Response::new(pb::get_provider_schema::Response {
            provider: Some(schema_to_proto(&self.provider_schema)),
            resource_schemas: self
                .resources
                .iter()
                .map(|(name, typed)| ((*name).to_owned(), schema_to_proto(&typed.schema)))
                .collect(),
            data_source_schemas: self
                .data_sources
                .iter()
                .map(|(name, typed)| ((*name).to_owned(), schema_to_proto(&typed.schema)))
                .collect(),
            server_capabilities: Some(capabilities()),
            ..Default::default()
        }))
    }

    async fn validate_provider_config(
        &self,
        request: Request<pb::validate_provider_config::Request>,
    ) -> Result<Response<pb::validate_provider_config::Response>, Status> {
        let request = request.into_inner();
        let mut diagnostics = Diagnostics::new();
        let result = async {
            let config = decode(
                request.config.as_ref(),
                &self.provider_type,
                "provider configuration",
            )?;
            guarded(self.provider.validate(&config, &mut diagnostics)).await
        }
        .await;
        settle(result, &mut diagnostics);
        Ok(Response::new(pb::validate_provider_config::Response {
            diagnostics: diagnostics_to_proto(diagnostics),
        }))
    }

    async fn validate_resource_config(
        &self,
        request: Request<pb::validate_resource_config::Request>,
    ) -> Result<Response<pb::validate_resource_config::Response>, Status> {
        let request = request.into_inner();
        let mut diagnostics = Diagnostics::new();
        let result = async {
            let typed = self.resource(&request.type_name)?;
            let config = decode(request.config.as_ref(), &typed.ty, "resource configuration")?;
            let ctx = self.context();
            guarded(
                typed
                    .implementation
                    .validate(&ctx, &config, &mut diagnostics),
            )
            .await
        }
        .await;
        settle(result, &mut diagnostics);
        Ok(Response::new(pb::validate_resource_config::Response {
            diagnostics: diagnostics_to_proto(diagnostics),
        }))
    }

    async fn validate_data_resource_config(
        &self,
        request: Request<pb::validate_data_resource_config::Request>,
    ) -> Result<Response<pb::validate_data_resource_config::Response>, Status> {
        let request = request.into_inner();
        let mut diagnostics = Diagnostics::new();
        let result = async {
            let typed = self.data_source(&request.type_name)?;
            let config = decode(
                request.config.as_ref(),
                &typed.ty,
                "data source configuration",
            )?;
            let ctx = self.context();
            guarded(
                typed
                    .implementation
                    .validate(&ctx, &config, &mut diagnostics),
            )
            .await
        }
        .await;
        settle(result, &mut diagnostics);
        Ok(Response::new(pb::validate_data_resource_config::Response {
            diagnostics: diagnostics_to_proto(diagnostics),
        }))
    }

    async fn upgrade_resource_state(
        &self,
        request: Request<pb::upgrade_resource_state::Request>,
    ) -> Result<Response<pb::upgrade_resource_state::Response>, Status> {
        let request = request.into_inner();
        let mut diagnostics = Diagnostics::new();
        let result = async {
            let typed = self.resource(&request.type_name)?;
            let raw = request.raw_state.unwrap_or_default();
            if raw.json.is_empty() {
                let detail = "Only JSON state (Terraform 0.12 and later) can be upgraded; this state uses the legacy flatmap format.";
                return Err(Diagnostic::error("Unsupported state format", detail).into());
            }
            let mut json: serde_json::Value = serde_json::from_slice(&raw.json).map_err(|err| {
                Diagnostics::from(Diagnostic::error("Stored state is not valid JSON", err.to_string()))
            })?;
            let current = typed.schema.version;
            if request.version > current {
                let detail = format!(
                    "The state was written by a newer provider (schema version {}, this one knows {current}). Upgrade the provider.",
                    request.version
                );
                return Err(Diagnostic::error("State from a newer provider", detail).into());
            }
            if request.version < current {
                let upgraded = guarded(async { typed.implementation.upgrade_state(request.version, json) }).await?;
                json = upgraded.map_err(Diagnostics::from)?;
            }
            let value = Value::from_json(&json, &typed.ty).map_err(|err| value_error(err, "Stored state does not match the schema"))?;
            encode(&value, &typed.ty, "upgraded state").map(Some)
        }
        .await;
        let upgraded_state = settle(result, &mut diagnostics);
        Ok(Response::new(pb::upgrade_resource_state::Response {
            upgraded_state,
            diagnostics: diagnostics_to_proto(diagnostics),
        }))
    }

    async fn configure_provider(
        &self,
        request: Request<pb::configure_provider::Request>,
    ) -> Result<Response<pb::configure_provider::Response>, Status> {
        let request = request.into_inner();
        let mut diagnostics = Diagnostics::new();
        let result = async {
            let config = decode(
                request.config.as_ref(),
                &self.provider_type,
                "provider configuration",
            )?;
            guarded(
                self.provider
                    .configure(&config, &request.terraform_version, &mut diagnostics),
            )
            .await
        }
        .await;
        if let Some(data) = settle(result, &mut diagnostics)
            && let Ok(mut slot) = self.data.write()
        {
            *slot = Some(Arc::new(data));
        }
        Ok(Response::new(pb::configure_provider::Response {
            diagnostics: diagnostics_to_proto(diagnostics),
        }))
    }

    async fn read_resource(
        &self,
        request: Request<pb::read_resource::Request>,
    ) -> Result<Response<pb::read_resource::Response>, Status> {
        let request = request.into_inner();
        let mut diagnostics = Diagnostics::new();
        let private = request.private.clone();
        let result = async {
            let typed = self.resource(&request.type_name)?;
            let state = decode(request.current_state.as_ref(), &typed.ty, "current state")?;
            let ctx = self.context();
            let refreshed =
                guarded(typed.implementation.read(&ctx, &state, &mut diagnostics)).await?;
            // On a failed refresh keep the old state: dropping it would make
            // Terraform forget a resource that may well still exist.
            let new_state = match refreshed {
                Some(mut value) => {
                    strip_write_only(&typed.schema.block, &mut value);
                    value
                }
                None if diagnostics.has_errors() => state,
                None => Value::Null,
            };
            encode(&new_state, &typed.ty, "refreshed state").map(Some)
        }
        .await;
        let new_state = settle(result, &mut diagnostics);
        Ok(Response::new(pb::read_resource::Response {
            new_state,
            diagnostics: diagnostics_to_proto(diagnostics),
            private,
            deferred: None,
        }))
    }

    async fn plan_resource_change(
        &self,
        request: Request<pb::plan_resource_change::Request>,
    ) -> Result<Response<pb::plan_resource_change::Response>, Status> {
        let request = request.into_inner();
        let mut diagnostics = Diagnostics::new();
        let planned_private = request.prior_private.clone();
        let result = async {
            let typed = self.resource(&request.type_name)?;
            let prior = decode(request.prior_state.as_ref(), &typed.ty, "prior state")?;
            let proposed = decode(
                request.proposed_new_state.as_ref(),
                &typed.ty,
                "proposed state",
            )?;
            let config = decode(request.config.as_ref(), &typed.ty, "configuration")?;
            let mut plan = if proposed.is_null() {
                Plan {
                    prior,
                    config,
                    planned: Value::Null,
                    requires_replace: Vec::new(),
                }
            } else {
                let schema_plan = plan_from_schema(&typed.schema.block, &prior, &config, &proposed);
                Plan {
                    prior,
                    config,
                    planned: schema_plan.planned,
                    requires_replace: schema_plan.requires_replace,
                }
            };
            let ctx = self.context();
            guarded(
                typed
                    .implementation
                    .modify_plan(&ctx, &mut plan, &mut diagnostics),
            )
            .await?;
            let planned_state = encode(&plan.planned, &typed.ty, "plan")?;
            Ok((
                Some(planned_state),
                plan.requires_replace.iter().map(path_to_proto).collect(),
            ))
        }
        .await;
        let (planned_state, requires_replace) = settle(result, &mut diagnostics);
        Ok(Response::new(pb::plan_resource_change::Response {
            planned_state,
            requires_replace,
            planned_private,
            diagnostics: diagnostics_to_proto(diagnostics),
            legacy_type_system: false,
            deferred: None,
        }))
    }

    async fn apply_resource_change(
        &self,
        request: Request<pb::apply_resource_change::Request>,
    ) -> Result<Response<pb::apply_resource_change::Response>, Status> {
        let request = request.into_inner();
        let mut diagnostics = Diagnostics::new();
        let private = request.planned_private.clone();
        let result = async {
            let typed = self.resource(&request.type_name)?;
            let prior = decode(request.prior_state.as_ref(), &typed.ty, "prior state")?;
            let planned = decode(request.planned_state.as_ref(), &typed.ty, "planned state")?;
            let config = decode(request.config.as_ref(), &typed.ty, "configuration")?;
            let ctx = self.context();
            let implementation = &typed.implementation;
            let new_state = if planned.is_null() {
                guarded(implementation.delete(&ctx, &prior, &mut diagnostics)).await?;
                // A failed delete leaves the object, so it stays in state.
                if diagnostics.has_errors() {
                    prior
                } else {
                    Value::Null
                }
            } else {
                let change = Change {
                    prior,
                    planned,
                    config,
                };
                let applied: Applied = if change.prior.is_null() {
                    guarded(implementation.create(&ctx, &change)).await?
                } else {
                    guarded(implementation.update(&ctx, &change)).await?
                };
                diagnostics.extend(applied.diagnostics);
                let mut state = applied.state;
                strip_write_only(&typed.schema.block, &mut state);
                state
            };
            encode(&new_state, &typed.ty, "new state").map(Some)
        }
        .await;
        let new_state = settle(result, &mut diagnostics);
        Ok(Response::new(pb::apply_resource_change::Response {
            new_state,
            private,
            diagnostics: diagnostics_to_proto(diagnostics),
            legacy_type_system: false,
        }))
    }

    async fn import_resource_state(
        &self,
        request: Request<pb::import_resource_state::Request>,
    ) -> Result<Response<pb::import_resource_state::Response>, Status> {
        let request = request.into_inner();
        let mut diagnostics = Diagnostics::new();
        let result = async {
            let typed = self.resource(&request.type_name)?;
            let ctx = self.context();
            let imported = guarded(typed.implementation.import(
                &ctx,
                &request.id,
                &mut diagnostics,
            ))
            .await?;
            match imported {
                Some(state) => Ok(vec![pb::import_resource_state::ImportedResource {
                    type_name: request.type_name.clone(),
                    state: Some(encode(&state, &typed.ty, "imported state")?),
                    private: Vec::new(),
                }]),
                None => Ok(Vec::new()),
            }
        }
        .await;
        let imported_resources = settle(result, &mut diagnostics);
        Ok(Response::new(pb::import_resource_state::Response {
            imported_resources,
            diagnostics: diagnostics_to_proto(diagnostics),
            deferred: None,
        }))
    }

    async fn move_resource_state(
        &self,
        request: Request<pb::move_resource_state::Request>,
    ) -> Result<Response<pb::move_resource_state::Response>, Status> {
        let request = request.into_inner();
        let detail = format!(
            "Moving state from {} ({}) into {} is not supported by this provider.",
            request.source_type_name, request.source_provider_address, request.target_type_name
        );
        let diagnostics = Diagnostic::error("Resource move not supported", detail).into();
        Ok(Response::new(pb::move_resource_state::Response {
            target_state: None,
            diagnostics: diagnostics_to_proto(diagnostics),
            target_private: Vec::new(),
        }))
    }

    async fn read_data_source(
        &self,
        request: Request<pb::read_data_source::Request>,
    ) -> Result<Response<pb::read_data_source::Response>, Status> {
        let request = request.into_inner();
        let mut diagnostics = Diagnostics::new();
        let result = async {
            let typed = self.data_source(&request.type_name)?;
            let config = decode(
                request.config.as_ref(),
                &typed.ty,
                "data source configuration",
            )?;
            let ctx = self.context();
            let state = guarded(typed.implementation.read(&ctx, &config, &mut diagnostics)).await?;
            if diagnostics.has_errors() {
                return Ok(None);
            }
            encode(&state, &typed.ty, "data source result").map(Some)
        }
        .await;
        let state = settle(result, &mut diagnostics);
        Ok(Response::new(pb::read_data_source::Response {
            state,
            diagnostics: diagnostics_to_proto(diagnostics),
            deferred: None,
        }))
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
        let name = request.into_inner().name;
        Ok(Response::new(pb::call_function::Response {
            result: None,
            error: Some(pb::FunctionError {
                text: format!("This provider defines no functions, so {name:?} cannot be called."),
                function_argument: None,
            }),
        }))
    }

    async fn stop_provider(
        &self,
        _request: Request<pb::stop_provider::Request>,
    ) -> Result<Response<pb::stop_provider::Response>, Status> {
        tracing::info!("stop requested: cancelling work in flight");
        self.stop.cancel();
        Ok(Response::new(pb::stop_provider::Response {
            error: String::new(),
        }))
    }
}
