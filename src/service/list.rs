//! `aiven_service_list`: a project's services, in the official provider's
//! shape (`services`, one element per service with its plan, state,
//! cloud and the rest of the API's flat fields), and, beyond it, the
//! source each fork was made from, with filters by type and by source:
//! a project's forks at a glance.

use aiven_api::types::Service;
use aiven_api::user_config::SERVICE_TO_FORK_FROM;
use serde_json::Value as Json;
use tfplugin::diag::{AttributePath, Diagnostic, Diagnostics};
use tfplugin::resource::{Context, DataSource};
use tfplugin::schema::{Attribute, Block, NestedBlock, ObjectNesting, Schema};
use tfplugin::value::{Type, Value};

use crate::client::Client;

const PROJECT: &str = "project";
const SERVICE_TYPE: &str = "service_type";
const FORKED_FROM: &str = "forked_from";
const SERVICES: &str = "services";

pub struct ServiceListDataSource;

/// The attributes of one element of `services`, every one read-only.
/// `services` is a nested attribute, not a block: it is unknown until a
/// read that waits for the apply, and `service_uri` stays sensitive
/// alone, so names can go to outputs.
fn service_attributes() -> Vec<Attribute> {
    let read =
        |name: &str, ty: Type, about: &str| Attribute::new(name, ty).computed().description(about);
    let text = |name: &str, about: &str| read(name, Type::String, about);
    vec![
        text("service_name", "Service name."),
        text(SERVICE_TYPE, "Service type code, such as `pg`."),
        text(
            "service_type_description",
            "The type, in a line of the API's words.",
        ),
        text("plan", "Subscription plan."),
        text("cloud_name", "Target cloud."),
        text("cloud_description", "Cloud provider and location."),
        text(
            "state",
            "`POWEROFF`, `REBALANCING`, `REBUILDING` or `RUNNING`.",
        ),
        text("create_time", "Creation time (ISO 8601)."),
        text("update_time", "Last update time (ISO 8601)."),
        text("cmk_id", "Active customer managed key, if any."),
        text("project_vpc_id", "Project VPC, null on the public network."),
        read("disk_space_mb", Type::Number, "Disk for data, in MB."),
        read("node_count", Type::Number, "Nodes in the plan."),
        read("node_cpu_count", Type::Number, "CPUs per node."),
        read("node_memory_mb", Type::Number, "Memory per node, in MB."),
        read(
            "is_cluster_plan",
            Type::Bool,
            "Whether the plan has dedicated node groups.",
        ),
        read(
            "termination_protection",
            Type::Bool,
            "Whether the service is protected from deletion and power-off.",
        ),
        text("service_uri", "URI to connect with (may be null).").sensitive(),
        text(
            SERVICE_TO_FORK_FROM,
            "The service this one was forked from; null for a service that is no fork.",
        ),
    ]
}

fn element(service: &Service) -> Value {
    let text = |value: Option<&str>| value.map_or(Value::Null, |v| Value::string(v.to_owned()));
    let int = |value: Option<i64>| value.map_or(Value::Null, Value::number);
    let fork_source = service
        .user_config
        .get(SERVICE_TO_FORK_FROM)
        .and_then(Json::as_str);
    Value::object([
        ("service_name", Value::string(service.service_name.clone())),
        (SERVICE_TYPE, Value::string(service.service_type.clone())),
        (
            "service_type_description",
            text(service.service_type_description.as_deref()),
        ),
        ("plan", Value::string(service.plan.clone())),
        ("cloud_name", Value::string(service.cloud_name.clone())),
        (
            "cloud_description",
            text(service.cloud_description.as_deref()),
        ),
        ("state", Value::string(service.state.as_str().to_owned())),
        ("create_time", Value::string(service.create_time.clone())),
        ("update_time", Value::string(service.update_time.clone())),
        ("cmk_id", text(service.cmk_id.as_deref())),
        ("project_vpc_id", text(service.project_vpc_id.as_deref())),
        ("disk_space_mb", int(service.disk_space_mb)),
        ("node_count", int(service.node_count)),
        ("node_cpu_count", int(service.node_cpu_count)),
        (
            "node_memory_mb",
            service.node_memory_mb.map_or(Value::Null, Value::number),
        ),
        (
            "is_cluster_plan",
            service.is_cluster_plan.map_or(Value::Null, Value::Bool),
        ),
        (
            "termination_protection",
            Value::Bool(service.termination_protection),
        ),
        ("service_uri", text(service.service_uri.as_deref())),
        (SERVICE_TO_FORK_FROM, text(fork_source)),
    ])
}

#[tfplugin::async_trait]
impl DataSource<Client> for ServiceListDataSource {
    fn type_name(&self) -> &'static str {
        "aiven_service_list"
    }

    fn schema(&self) -> Schema {
        let string = |name: &str| Attribute::new(name, Type::String);
        let timeouts = NestedBlock::single(
            "timeouts",
            Block::new(
                "Accepted for the official provider's configurations; the read does not wait.",
            )
            .attribute(
                string("read")
                    .optional()
                    .description("A duration such as `30s`."),
            ),
        );
        Schema::new(
            Block::new("The services of a project, optionally only those of one type or the forks of one service.")
                .attribute(string(PROJECT).required().description("Project name."))
                .attribute(string(SERVICE_TYPE).optional().description("Only services of this type (`pg`, `mysql`, ...)."))
                .attribute(string(FORKED_FROM).optional().description("Only the forks of this service (its `service_to_fork_from`)."))
                .attribute(string("id").computed().description("The project's name."))
                .attribute(
                    Attribute::nested(SERVICES, ObjectNesting::List, service_attributes())
                        .computed()
                        .description("The services, by name."),
                )
                .block(timeouts),
        )
    }

    async fn read(&self, ctx: &Context<Client>, config: &Value, diags: &mut Diagnostics) -> Value {
        let (Ok(client), Some(project)) = (ctx.data(), config.get(PROJECT).as_str()) else {
            diags.push(Diagnostic::error(
                "Cannot list services",
                "project must be known and the provider configured.",
            ));
            return Value::Null;
        };
        let services = match client.list_services(project, &ctx.cancel).await {
            Ok(services) => services,
            Err(err) => {
                diags.push(
                    super::api_diagnostic("Cannot list services", &err)
                        .at(AttributePath::attr(PROJECT)),
                );
                return Value::Null;
            }
        };
        let of_type = config.get(SERVICE_TYPE).as_str();
        let forks_of = config.get(FORKED_FROM).as_str();
        let wanted = |service: &&Service| {
            let fork_source = service
                .user_config
                .get(SERVICE_TO_FORK_FROM)
                .and_then(Json::as_str);
            of_type.is_none_or(|t| service.service_type == t)
                && forks_of.is_none_or(|s| fork_source == Some(s))
        };
        let mut picked: Vec<&Service> = services.iter().filter(wanted).collect();
        picked.sort_by(|a, b| a.service_name.cmp(&b.service_name));
        Value::object([
            (PROJECT, Value::string(project.to_owned())),
            (SERVICE_TYPE, config.get(SERVICE_TYPE).clone()),
            (FORKED_FROM, config.get(FORKED_FROM).clone()),
            ("id", Value::string(project.to_owned())),
            (
                SERVICES,
                Value::List(picked.into_iter().map(element).collect()),
            ),
            ("timeouts", config.get("timeouts").clone()),
        ])
    }
}
