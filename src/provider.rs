//! The provider block: where the API is and how to authenticate, and the
//! resource and data source types on offer.

use std::sync::Arc;

use tfplugin::diag::{AttributePath, Diagnostics};
use tfplugin::resource::{DataSource, EphemeralResource, Provider, Resource};
use tfplugin::schema::{Attribute, Block, Schema};
use tfplugin::value::{Type, Value};

use crate::client::{Client, Token};
use crate::ephemeral::connection::ConnectionEphemeral;
use crate::ephemeral::credentials::CredentialsEphemeral;
use crate::objects::clickhouse_user::ClickhouseUserResource;
use crate::objects::data_source::ObjectDataSource;
use crate::objects::database::{CLICKHOUSE_DATABASE, MYSQL_DATABASE, PG_DATABASE};
use crate::objects::integration::IntegrationResource;
use crate::objects::opensearch_acl::{AclConfigResource, AclRuleResource};
use crate::objects::organization::{ACCOUNT, ORGANIZATION, Parent, ParentDataSource};
use crate::objects::pool::PoolResource;
use crate::objects::project::ProjectResource;
use crate::objects::static_ip::StaticIpResource;
use crate::objects::user::{MYSQL_USER, OPENSEARCH_USER, PG_USER, VALKEY_USER};
use crate::objects::vpc::{VpcDataSource, VpcResource};
use crate::service::data_source::{BackupsDataSource, ServiceDataSource};
use crate::service::kind::{GENERIC, TYPED};
use crate::service::resource::ServiceResource;

pub const ADDRESS: &str = "registry.terraform.io/aiven-rs/aiven";
const DEFAULT_URL: &str = "https://api.aiven.io";

pub struct AivenProvider;

fn setting(config: &Value, attribute: &str, env: &str) -> Option<String> {
    config
        .get(attribute)
        .as_str()
        .map(str::to_owned)
        .or_else(|| std::env::var(env).ok())
        .filter(|value| !value.trim().is_empty())
}

#[tfplugin::async_trait]
impl Provider for AivenProvider {
    type Data = Client;

    fn schema(&self) -> Schema {
        Schema::new(
            Block::new("Aiven-compatible managed data services, with forks from backups.")
                .attribute(
                    Attribute::new("api_token", Type::String)
                        .optional()
                        .sensitive()
                        .description("API token. Falls back to the `AIVEN_TOKEN` environment variable."),
                )
                .attribute(Attribute::new("api_url", Type::String).optional().description(
                    "API base URL. Falls back to `AIVEN_WEB_URL`, then `https://api.aiven.io`. Point it at aiven-local to run without a cloud account.",
                )),
        )
    }

    async fn configure(
        &self,
        config: &Value,
        _terraform_version: &str,
        diags: &mut Diagnostics,
    ) -> Option<Client> {
        if config.get("api_token").is_unknown() || config.get("api_url").is_unknown() {
            // Known after apply: resources that need the API say so.
            return None;
        }
        let Some(token) = setting(config, "api_token", "AIVEN_TOKEN") else {
            diags.error_at(
                AttributePath::attr("api_token"),
                "Missing API token",
                "Set api_token in the provider block or the AIVEN_TOKEN environment variable. For aiven-local, use the token it printed or was started with.",
            );
            return None;
        };
        let url =
            setting(config, "api_url", "AIVEN_WEB_URL").unwrap_or_else(|| DEFAULT_URL.to_owned());
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            diags.error_at(
                AttributePath::attr("api_url"),
                "Invalid API URL",
                format!("api_url {url:?} must start with https:// or http://"),
            );
            return None;
        }
        match Client::new(&url, Token::new(token)) {
            Ok(client) => Some(client),
            Err(message) => {
                diags.error_at(
                    AttributePath::attr("api_url"),
                    "Cannot set up the API client",
                    message,
                );
                None
            }
        }
    }

    fn resources(&self) -> Vec<Arc<dyn Resource<Client>>> {
        let typed = TYPED
            .into_iter()
            .map(|kind| Arc::new(ServiceResource { kind }) as Arc<dyn Resource<Client>>);
        let generic = Arc::new(ServiceResource { kind: GENERIC }) as Arc<dyn Resource<Client>>;
        typed
            .chain([
                generic,
                Arc::new(VpcResource) as Arc<dyn Resource<Client>>,
                Arc::new(StaticIpResource),
                Arc::new(ORGANIZATION),
                Arc::new(ACCOUNT),
            ])
            .chain(objects().into_iter().map(|object| object.resource))
            .collect()
    }

    fn data_sources(&self) -> Vec<Arc<dyn DataSource<Client>>> {
        let typed = TYPED
            .into_iter()
            .map(|kind| Arc::new(ServiceDataSource { kind }) as Arc<dyn DataSource<Client>>);
        let objects = objects()
            .into_iter()
            .map(|object| Arc::new(object) as Arc<dyn DataSource<Client>>);
        typed
            .chain([
                Arc::new(BackupsDataSource) as Arc<dyn DataSource<Client>>,
                Arc::new(crate::service::list::ServiceListDataSource),
                Arc::new(crate::service::component::ComponentDataSource),
                Arc::new(VpcDataSource),
                Arc::new(ParentDataSource {
                    kind: Parent::Organization,
                }),
                Arc::new(ParentDataSource {
                    kind: Parent::Account,
                }),
            ])
            .chain(objects)
            .collect()
    }

    fn ephemeral_resources(&self) -> Vec<Arc<dyn EphemeralResource<Client>>> {
        vec![
            Arc::new(ConnectionEphemeral),
            Arc::new(CredentialsEphemeral),
        ]
    }
}

/// The resources around a service, each with the data source that looks
/// it up by its key attributes.
fn objects() -> Vec<ObjectDataSource> {
    const DATABASE: &[&str] = &["project", "service_name", "database_name"];
    const USER: &[&str] = &["project", "service_name", "username"];
    let object = |resource: Arc<dyn Resource<Client>>, keys| ObjectDataSource { resource, keys };
    vec![
        object(Arc::new(PG_DATABASE), DATABASE),
        object(Arc::new(MYSQL_DATABASE), DATABASE),
        object(
            Arc::new(CLICKHOUSE_DATABASE),
            &["project", "service_name", "name"],
        ),
        object(Arc::new(PG_USER), USER),
        object(Arc::new(MYSQL_USER), USER),
        object(Arc::new(VALKEY_USER), USER),
        object(Arc::new(OPENSEARCH_USER), USER),
        object(Arc::new(ClickhouseUserResource), USER),
        object(Arc::new(AclConfigResource), &["project", "service_name"]),
        object(
            Arc::new(AclRuleResource),
            &["project", "service_name", "username", "index"],
        ),
        object(
            Arc::new(PoolResource),
            &["project", "service_name", "pool_name"],
        ),
        object(Arc::new(ProjectResource), &["project"]),
        // Found by what it joins, not by its identity (its API ID).
        object(
            Arc::new(IntegrationResource),
            &[
                "project",
                "integration_type",
                "source_service_name",
                "destination_service_name",
            ],
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use tfplugin::schema::{AttributeKind, Replacement};
    use tfplugin::value::Type;

    /// Identity must name an object for good: every resource has one, made
    /// of string attributes that never change for the object: required
    /// ones a change of which makes a new object, or an ID the API gives
    /// and state keeps; and an object named by what the configuration
    /// writes has the key its data source looks it up by.
    #[test]
    fn every_resource_has_an_identity_of_attributes_that_name_it_for_good() {
        let provider = AivenProvider;
        for resource in provider.resources() {
            let name = resource.type_name();
            let identity = resource
                .identity()
                .unwrap_or_else(|| panic!("{name} has no identity"));
            let schema = resource.schema();
            for part in &identity.attributes {
                let attribute = schema
                    .block
                    .attribute_named(part.name)
                    .unwrap_or_else(|| panic!("{name}: no attribute {}", part.name));
                assert!(
                    matches!(attribute.kind, AttributeKind::Plain(Type::String)),
                    "{name}.{} is not a string",
                    part.name
                );
                let given_by_the_api =
                    attribute.computed && !attribute.optional && attribute.use_state_for_unknown;
                assert!(
                    given_by_the_api
                        || attribute.required && matches!(attribute.replace, Replacement::OnChange),
                    "{name}.{}: neither required and replacing nor an ID the API gives",
                    part.name
                );
            }
        }
        let by_api_id = ["aiven_service_integration"];
        for object in objects()
            .into_iter()
            .filter(|o| !by_api_id.contains(&o.resource.type_name()))
        {
            let identity = object.resource.identity().unwrap();
            let names: Vec<&str> = identity.attributes.iter().map(|a| a.name).collect();
            assert_eq!(names, object.keys, "{}", object.resource.type_name());
        }
    }
}
