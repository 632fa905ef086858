//! `aiven_service_component`: one of a service's endpoints (its
//! `components`), found by component name and optionally by route,
//! usage, TLS and the Kafka details, in the official provider's shape.
//! The API may leave `components` out of a reply; the primary endpoint is
//! then the one the service's URI names.

use aiven_api::catalog;
use aiven_api::contract::contract;
use aiven_api::types::{Component, Service};
use tfplugin::diag::{AttributePath, Diagnostics};
use tfplugin::resource::{Context, DataSource};
use tfplugin::schema::{Attribute, Block, Schema};
use tfplugin::value::{Type, Value};

use crate::client::Client;
use crate::service::data_source::read_named;
use crate::service::state::Connection;

const PROJECT: &str = "project";
const SERVICE_NAME: &str = "service_name";
const COMPONENT: &str = "component";
const ROUTE: &str = "route";
const USAGE: &str = "usage";
const SSL: &str = "ssl";
const KAFKA_AUTHENTICATION_METHOD: &str = "kafka_authentication_method";
const KAFKA_SSL_CA: &str = "kafka_ssl_ca";
const PRIVATELINK: &str = "privatelink_connection_id";
/// What the official data source looks for when `usage` is left out.
const PRIMARY: &str = "primary";

pub struct ComponentDataSource;

/// The values the API's enum `name` has, for descriptions and checks.
fn choices(name: &str) -> &'static [String] {
    contract().enums.get(name).map_or(&[], Vec::as_slice)
}

/// The filters that are enums, with the enum each takes.
const ENUM_FILTERS: [(&str, &str); 4] = [
    (ROUTE, "RouteType"),
    (USAGE, "UsageType"),
    (KAFKA_AUTHENTICATION_METHOD, "KafkaAuthenticationMethodType"),
    (KAFKA_SSL_CA, "KafkaSslCaType"),
];

fn filter(name: &str, about: &str) -> Attribute {
    Attribute::new(name, Type::String)
        .optional()
        .computed()
        .description(about)
}

/// Whether `component` is the one `config` asks for: every filter set
/// must match, and `usage` left out means the primary endpoint.
fn matches(component: &Component, config: &Value) -> bool {
    let wanted = |name: &str| config.get(name).as_str();
    let same = |name: &str, value: Option<&str>| wanted(name).is_none_or(|w| Some(w) == value);
    Some(component.component.as_str()) == wanted(COMPONENT)
        && same(ROUTE, Some(&component.route))
        && wanted(USAGE).unwrap_or(PRIMARY) == component.usage
        && config
            .get(SSL)
            .as_bool()
            .is_none_or(|ssl| component.ssl == Some(ssl))
        && same(
            KAFKA_AUTHENTICATION_METHOD,
            component.kafka_authentication_method.as_deref(),
        )
        && same(KAFKA_SSL_CA, component.kafka_ssl_ca.as_deref())
        && same(PRIVATELINK, component.privatelink_connection_id.as_deref())
}

/// The service's components; where the reply leaves them out, its primary
/// endpoint as its URI names it.
fn components_of(service: &Service) -> Vec<Component> {
    if let Some(components) = &service.components {
        return components.clone();
    }
    let connection = Connection::of(service);
    let (Some(host), Some(port), Some(kind)) = (
        connection.host,
        connection.port,
        catalog::service_type(&service.service_type),
    ) else {
        return Vec::new();
    };
    vec![Component {
        component: kind.component.to_owned(),
        host,
        port,
        route: "dynamic".to_owned(),
        usage: PRIMARY.to_owned(),
        ..Component::default()
    }]
}

fn text_or_null(value: Option<&str>) -> Value {
    value.map_or(Value::Null, Value::string)
}

#[tfplugin::async_trait]
impl DataSource<Client> for ComponentDataSource {
    fn type_name(&self) -> &'static str {
        "aiven_service_component"
    }

    fn schema(&self) -> Schema {
        let listed = |name: &str| choices(name).join("`, `");
        Schema::new(
            Block::new(
                "One endpoint of a service (a component: its host and port), found by the component's name and, where a service has several, by route, usage, TLS and the Kafka details.",
            )
            .attribute(
                Attribute::new("id", Type::String)
                    .computed()
                    .description("`host/port` of the endpoint."),
            )
            .attribute(Attribute::new(PROJECT, Type::String).required().description("The project."))
            .attribute(
                Attribute::new(SERVICE_NAME, Type::String)
                    .optional()
                    .description("The service whose endpoint this is."),
            )
            .attribute(
                Attribute::new(COMPONENT, Type::String)
                    .required()
                    .description("The component's name, such as `pg`, `pgbouncer`, `mysql` or `valkey`."),
            )
            .attribute(filter(
                ROUTE,
                &format!("How the endpoint is reached: `{}`. Left out, any.", listed("RouteType")),
            ))
            .attribute(filter(
                USAGE,
                &format!("What the endpoint is for: `{}`. Left out, `primary`.", listed("UsageType")),
            ))
            .attribute(
                Attribute::new(SSL, Type::Bool)
                    .optional()
                    .computed()
                    .description("Whether the endpoint takes TLS only; reported only by components that may take plain text."),
            )
            .attribute(filter(
                KAFKA_AUTHENTICATION_METHOD,
                &format!("A Kafka endpoint's authentication: `{}`.", listed("KafkaAuthenticationMethodType")),
            ))
            .attribute(filter(
                KAFKA_SSL_CA,
                &format!("A Kafka endpoint's certificate: `{}`.", listed("KafkaSslCaType")),
            ))
            .attribute(filter(PRIVATELINK, "A Privatelink connection's ID."))
            .attribute(
                Attribute::new("host", Type::String)
                    .computed()
                    .description("Host name of the endpoint."),
            )
            .attribute(
                Attribute::new("port", Type::Number)
                    .computed()
                    .description("Port of the endpoint."),
            ),
        )
    }

    async fn validate(&self, _ctx: &Context<Client>, config: &Value, diags: &mut Diagnostics) {
        for (name, kind) in ENUM_FILTERS {
            if let Some(value) = config.get(name).as_str()
                && !choices(kind).iter().any(|c| c == value)
            {
                diags.error_at(
                    AttributePath::attr(name),
                    "Invalid value",
                    format!(
                        "{name} {value:?} is not one of: {}.",
                        choices(kind).join(", ")
                    ),
                );
            }
        }
    }

    async fn read(&self, ctx: &Context<Client>, config: &Value, diags: &mut Diagnostics) -> Value {
        let Ok(client) = ctx.data().map_err(|diag| diags.push(diag)) else {
            return Value::Null;
        };
        let (Some(project), Some(name)) = (
            config.get(PROJECT).as_str(),
            config.get(SERVICE_NAME).as_str(),
        ) else {
            diags.error_at(
                AttributePath::attr(SERVICE_NAME),
                "Missing service name",
                "Name the service whose endpoint to read.",
            );
            return Value::Null;
        };
        let named = (project, name);
        let Some(service) = read_named(client, ctx, named, SERVICE_NAME, diags).await else {
            return Value::Null;
        };
        let components = components_of(&service);
        let Some(found) = components.iter().find(|c| matches(c, config)) else {
            let offered: Vec<String> = components
                .iter()
                .map(|c| format!("{} ({}, {})", c.component, c.route, c.usage))
                .collect();
            diags.error_at(
                AttributePath::attr(COMPONENT),
                "No such component",
                format!(
                    "Service {name:?} has no endpoint matching these filters; it has: {}.",
                    if offered.is_empty() {
                        "none reported".to_owned()
                    } else {
                        offered.join(", ")
                    }
                ),
            );
            return Value::Null;
        };
        let mut result = config.clone();
        result.set(
            "id",
            Value::string(format!("{}/{}", found.host, found.port)),
        );
        result.set(ROUTE, Value::string(&found.route));
        result.set(USAGE, Value::string(&found.usage));
        result.set(SSL, found.ssl.map_or(Value::Null, Value::Bool));
        result.set(
            KAFKA_AUTHENTICATION_METHOD,
            text_or_null(found.kafka_authentication_method.as_deref()),
        );
        result.set(KAFKA_SSL_CA, text_or_null(found.kafka_ssl_ca.as_deref()));
        result.set(
            PRIVATELINK,
            text_or_null(found.privatelink_connection_id.as_deref()),
        );
        result.set("host", Value::string(&found.host));
        result.set("port", Value::number(found.port));
        result
    }
}
