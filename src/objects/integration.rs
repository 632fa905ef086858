//! `aiven_service_integration`: an integration between two services, in
//! the official provider's shape (ID `project/integration_id`). A read
//! replica's (`read_replica`) is made by the replica's own create
//! (`service_integrations`); creating this resource for it adopts that
//! one, as the official provider does, and deleting it promotes the
//! replica. The data source finds one by its type and its two services.

use aiven_api::contract::contract;
use aiven_api::types::{CreateIntegration, ServiceIntegration};
use tfplugin::diag::{AttributePath, Diagnostics};
use tfplugin::identity::Identity;
use tfplugin::resource::{Applied, Change, Context, Resource};
use tfplugin::schema::{Attribute, Block, Schema};
use tfplugin::value::{Type, Value};

use super::{ID, PROJECT, TIMEOUTS, api_error, project_and_id, text};
use crate::client::Client;

const INTEGRATION_ID: &str = "integration_id";
const INTEGRATION_TYPE: &str = "integration_type";
const SOURCE: &str = "source_service_name";
const DESTINATION: &str = "destination_service_name";
const SOURCE_PROJECT: &str = "source_service_project";
const DESTINATION_PROJECT: &str = "destination_service_project";
const SOURCE_ENDPOINT: &str = "source_endpoint_id";
const DESTINATION_ENDPOINT: &str = "destination_endpoint_id";
const READ_REPLICA: &str = "read_replica";

pub struct IntegrationResource;

/// The integration types the API takes (`IntegrationType`).
fn integration_types() -> &'static [String] {
    contract()
        .enums
        .get("IntegrationType")
        .map_or(&[], Vec::as_slice)
}

/// State from the API's integration; `known` (plan or prior state) keeps
/// the timeouts and the endpoint IDs the API writes without a project.
fn state_of(project: &str, integration: &ServiceIntegration, known: &Value) -> Value {
    let dest = integration
        .dest_service
        .as_deref()
        .map_or(Value::Null, Value::string);
    Value::object([
        (
            ID,
            Value::string(format!("{project}/{}", integration.service_integration_id)),
        ),
        (PROJECT, Value::string(project)),
        (
            INTEGRATION_ID,
            Value::string(&integration.service_integration_id),
        ),
        (
            INTEGRATION_TYPE,
            Value::string(&integration.integration_type),
        ),
        (SOURCE, Value::string(&integration.source_service)),
        (DESTINATION, dest),
        (SOURCE_PROJECT, Value::string(&integration.source_project)),
        (
            DESTINATION_PROJECT,
            Value::string(&integration.dest_project),
        ),
        (SOURCE_ENDPOINT, known.get(SOURCE_ENDPOINT).known_or_null()),
        (
            DESTINATION_ENDPOINT,
            known.get(DESTINATION_ENDPOINT).known_or_null(),
        ),
        (TIMEOUTS, known.get(TIMEOUTS).known_or_null()),
    ])
}

impl IntegrationResource {
    /// The one integration of `wanted`'s type between its two services.
    async fn find(
        &self,
        client: &Client,
        ctx: &Context<Client>,
        wanted: &Value,
    ) -> Result<Option<ServiceIntegration>, crate::client::CallError> {
        let (Some(project), Some(source)) = (text(wanted, PROJECT), text(wanted, SOURCE)) else {
            return Ok(None);
        };
        let listed = client.integrations(&project, &source, &ctx.cancel).await?;
        Ok(listed.into_iter().find(|i| {
            Some(&i.integration_type) == text(wanted, INTEGRATION_TYPE).as_ref()
                && i.source_service == source
                && i.dest_service == text(wanted, DESTINATION)
        }))
    }

    async fn create_new(
        &self,
        client: &Client,
        ctx: &Context<Client>,
        planned: &Value,
        project: &str,
    ) -> Result<ServiceIntegration, crate::client::CallError> {
        let request = CreateIntegration {
            integration_type: text(planned, INTEGRATION_TYPE).unwrap_or_default(),
            source_service: text(planned, SOURCE),
            dest_service: text(planned, DESTINATION),
            source_project: text(planned, SOURCE_PROJECT),
            dest_project: text(planned, DESTINATION_PROJECT),
            source_endpoint_id: endpoint(planned, SOURCE_ENDPOINT),
            dest_endpoint_id: endpoint(planned, DESTINATION_ENDPOINT),
            user_config: None,
        };
        client
            .create_integration(project, &request, &ctx.cancel)
            .await
    }
}

/// An endpoint ID as the API takes it: without the `project/` the
/// configuration writes.
fn endpoint(value: &Value, name: &str) -> Option<String> {
    let full = text(value, name)?;
    Some(
        full.split_once('/')
            .map_or(full.clone(), |(_, id)| id.to_owned()),
    )
}

fn replaces(name: &str, description: &str) -> Attribute {
    Attribute::new(name, Type::String)
        .optional()
        .requires_replace()
        .description(format!(
            "{description} Changing it forces a new integration."
        ))
}

#[tfplugin::async_trait]
impl Resource<Client> for IntegrationResource {
    fn type_name(&self) -> &'static str {
        "aiven_service_integration"
    }

    fn schema(&self) -> Schema {
        Schema::new(
            Block::new(
                "An integration between two services. A read replica's (`read_replica`) is made with the replica, by its `service_integrations` block; this resource adopts it, and deleting it promotes the replica to a service of its own.",
            )
            .attribute(
                Attribute::new(ID, Type::String)
                    .computed()
                    .use_state_for_unknown()
                    .description("`project/integration_id`, the import ID."),
            )
            .attribute(
                Attribute::new(PROJECT, Type::String)
                    .required()
                    .requires_replace()
                    .description("The project the integration belongs to. Changing it forces a new integration."),
            )
            .attribute(
                Attribute::new(INTEGRATION_TYPE, Type::String)
                    .required()
                    .requires_replace()
                    .description("The kind of integration, e.g. `read_replica`. Changing it forces a new integration."),
            )
            .attribute(replaces(SOURCE, "The service the integration comes from.").computed())
            .attribute(replaces(DESTINATION, "The service the integration goes to."))
            .attribute(
                replaces(SOURCE_PROJECT, "The source service's project; the integration's by default.")
                    .computed(),
            )
            .attribute(
                replaces(
                    DESTINATION_PROJECT,
                    "The destination service's project; the integration's by default.",
                )
                .computed(),
            )
            .attribute(replaces(
                SOURCE_ENDPOINT,
                "An integration endpoint as the source, `project/endpoint_id`.",
            ))
            .attribute(replaces(
                DESTINATION_ENDPOINT,
                "An integration endpoint as the destination, `project/endpoint_id`.",
            ))
            .attribute(
                Attribute::new(INTEGRATION_ID, Type::String)
                    .computed()
                    .use_state_for_unknown()
                    .description("The integration's ID, as the API names it."),
            )
            .block(super::timeouts_block()),
        )
    }

    async fn validate(&self, _ctx: &Context<Client>, config: &Value, diags: &mut Diagnostics) {
        if let Some(kind) = config.get(INTEGRATION_TYPE).as_str()
            && !integration_types().iter().any(|t| t == kind)
        {
            diags.error_at(
                AttributePath::attr(INTEGRATION_TYPE),
                "Unknown integration type",
                format!(
                    "integration_type {kind:?} is not one the API takes: {}.",
                    integration_types().join(", ")
                ),
            );
        }
        for (name, other) in [
            (SOURCE, SOURCE_ENDPOINT),
            (DESTINATION, DESTINATION_ENDPOINT),
        ] {
            let set = |n: &str| !config.get(n).is_null();
            if set(name) && set(other) {
                diags.error_at(
                    AttributePath::attr(name),
                    "Two ends named",
                    format!("Set {name} or {other}, not both."),
                );
            }
            if let Some(id) = config.get(other).as_str()
                && id.split('/').filter(|p| !p.is_empty()).count() != 2
            {
                diags.error_at(
                    AttributePath::attr(other),
                    "Invalid endpoint ID",
                    format!("{other} {id:?} must be project/endpoint_id."),
                );
            }
        }
    }

    async fn create(&self, ctx: &Context<Client>, change: &Change) -> Applied {
        let client = match ctx.data() {
            Ok(client) => client,
            Err(diag) => return Applied::failed(Value::Null, diag),
        };
        let planned = &change.planned;
        let project = text(planned, PROJECT).unwrap_or_default();
        let mut diags = Diagnostics::new();
        // A read replica's integration exists from the replica's create:
        // adopted, not made again (as the official provider does).
        let existing = if text(planned, INTEGRATION_TYPE).as_deref() == Some(READ_REPLICA) {
            self.find(client, ctx, planned).await
        } else {
            Ok(None)
        };
        let made = match existing {
            Ok(Some(found)) => Ok(found),
            Ok(None) => self.create_new(client, ctx, planned, &project).await,
            Err(err) => Err(err),
        };
        match made {
            Ok(integration) => Applied::ok(state_of(&project, &integration, planned)),
            Err(err) => {
                api_error(
                    &mut diags,
                    INTEGRATION_TYPE,
                    "Cannot create the integration",
                    &err,
                );
                Applied::failed(Value::Null, diags)
            }
        }
    }

    async fn read(
        &self,
        ctx: &Context<Client>,
        prior: &Value,
        diags: &mut Diagnostics,
    ) -> Option<Value> {
        let client = ctx.data().map_err(|d| diags.push(d)).ok()?;
        let project = text(prior, PROJECT)?;
        let found = match text(prior, INTEGRATION_ID) {
            Some(id) => match client.get_integration(&project, &id, &ctx.cancel).await {
                Ok(integration) => Ok(Some(integration)),
                Err(err) if err.is_not_found() => Ok(None),
                Err(err) => Err(err),
            },
            // The data source: found by its type and its two services.
            None => self.find(client, ctx, prior).await,
        };
        match found {
            Ok(found) => Some(state_of(&project, &found?, prior)),
            Err(err) if err.is_not_found() => None,
            Err(err) => {
                api_error(diags, INTEGRATION_ID, "Cannot read the integration", &err);
                None
            }
        }
    }

    /// Every attribute but `timeouts` replaces the integration; those live
    /// in state.
    async fn update(&self, _ctx: &Context<Client>, change: &Change) -> Applied {
        Applied::ok(change.planned.clone())
    }

    async fn delete(&self, ctx: &Context<Client>, prior: &Value, diags: &mut Diagnostics) {
        let (Ok(client), Some((project, id))) = (ctx.data(), project_and_id(prior, INTEGRATION_ID))
        else {
            return;
        };
        if let Err(err) = client.delete_integration(&project, &id, &ctx.cancel).await {
            api_error(diags, INTEGRATION_ID, "Cannot delete the integration", &err);
        }
    }

    fn identity(&self) -> Option<Identity> {
        Some(Identity::of(&[
            (PROJECT, "The project the integration belongs to."),
            (INTEGRATION_ID, "The integration's ID."),
        ]))
    }

    async fn import(
        &self,
        _ctx: &Context<Client>,
        id: &str,
        diags: &mut Diagnostics,
    ) -> Option<Value> {
        super::import_by_api_id(id, INTEGRATION_ID, "an integration", diags)
    }
}
