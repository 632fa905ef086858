//! The Terraform schema of a service resource: the attributes every type
//! shares, its `<type>_user_config` block generated from the definitions
//! in `aiven_api::user_config`, a connection block, and `timeouts`.

use aiven_api::user_config::{self, Field, Kind};
use tfplugin::schema::{Attribute, Block, NestedBlock, ObjectNesting, Schema};
use tfplugin::value::{Type, Value};

use super::kind::{EXTRA_JSON, ServiceKind};
use super::model::{connection_keys, name};

/// The three ways to write the API's one `ip_filter` key: plain strings,
/// strings under the official provider's newer name, or objects with a
/// description.
pub const IP_FILTER: &str = "ip_filter";
pub const IP_FILTER_STRING: &str = "ip_filter_string";
pub const IP_FILTER_OBJECT: &str = "ip_filter_object";
pub const IP_FILTER_FORMS: [&str; 3] = [IP_FILTER, IP_FILTER_STRING, IP_FILTER_OBJECT];

/// What the API takes in an IP filter (every published type's schema).
const FILTER_LIMITS: &str = "Each entry an IPv4 or IPv6 address or CIDR range (`10.0.0.0/8`, `2001:db8::/32`) of at most 43 characters, at most 8000 entries.";

/// What the `ip_filter` attributes' docs say of the filter a service
/// reports when its settings name none.
const OPEN_FILTER: &str = "A service whose settings name no filter admits every address: the API reports `[\"0.0.0.0/0\", \"::/0\"]` (older services `[\"0.0.0.0/0\"]`): a new service (not a fork) whose written settings block names no filter plans that in `ip_filter`, and state shows it.";

fn string(name: &str) -> Attribute {
    Attribute::new(name, Type::String)
}

fn components_type() -> Type {
    Type::list(Type::object([
        ("component", Type::String),
        ("host", Type::String),
        ("port", Type::Number),
        ("route", Type::String),
        ("usage", Type::String),
        ("connection_uri", Type::String),
        ("ssl", Type::Bool),
        ("kafka_authentication_method", Type::String),
        ("kafka_ssl_ca", Type::String),
        ("privatelink_connection_id", Type::String),
    ]))
}

/// The type of a connection block key beyond this provider's seven.
fn connection_key_type(key: &str) -> Type {
    match key {
        "uris" | "standby_uris" | "syncing_uris" | "slave_uris" => Type::list(Type::String),
        "max_connections" => Type::Number,
        "params" => Type::list(Type::object([
            ("host", Type::String),
            ("port", Type::Number),
            ("user", Type::String),
            ("password", Type::String),
            ("database_name", Type::String),
            ("sslmode", Type::String),
        ])),
        _ => Type::String,
    }
}

/// The connection details block (`pg`, `mysql`, ...): host, port and
/// credentials as the API reports them, plus the keys the official
/// provider has for `service_type` (URIs of standbys and replicas,
/// parameters, ...).
pub fn connection_type(service_type: &str) -> Type {
    let ours = [
        ("host", Type::String),
        ("port", Type::Number),
        ("user", Type::String),
        ("password", Type::String),
        ("dbname", Type::String),
        ("sslmode", Type::String),
        ("uri", Type::String),
    ];
    let theirs = connection_keys(service_type)
        .iter()
        .map(|key| (*key, connection_key_type(key)));
    Type::list(Type::object(ours.into_iter().chain(theirs)))
}

/// Attributes every service resource and data source has.
fn common_attributes(kind: &ServiceKind) -> Vec<Attribute> {
    let mut attributes = vec![
        string(name::ID).computed().use_state_for_unknown().description("`project/service_name`, the import ID."),
        string(name::PROJECT).required().requires_replace().description("The project the service belongs to. Changing it forces a new service."),
        string(name::SERVICE_NAME)
            .required()
            .requires_replace()
            .description("The service name: lowercase letters, digits and hyphens. Changing it forces a new service (fork the old one to keep its data)."),
        string(name::PLAN).required().description("The subscription plan, e.g. `startup-4` or `business-8`: node count, memory and default disk. Checked at plan time against the plans the API lists for the type in the project (a warning, not an error, when the API cannot be asked)."),
        string(name::CLOUD_NAME).optional().computed().use_state_for_unknown().description("Cloud and region, e.g. `google-europe-west1`: one the API lists for the project (`avn cloud list`), checked at plan time. Can be changed in place (the service migrates)."),
        string(name::MAINTENANCE_WINDOW_DOW).optional().computed().use_state_for_unknown().description("Day of week for maintenance, e.g. `sunday`."),
        string(name::MAINTENANCE_WINDOW_TIME).optional().computed().use_state_for_unknown().description("Time of day (UTC) for maintenance, `HH:MM:SS`."),
        Attribute::new(name::TERMINATION_PROTECTION, Type::Bool)
            .default(Value::Bool(false))
            .description("Refuse to delete the service. A plan that would destroy or replace it fails while this is `true`."),
        string(name::DISK_SPACE).optional().computed().deprecated().description("Total disk space, e.g. `90GiB`. Deprecated: use `additional_disk_space`."),
        string(name::ADDITIONAL_DISK_SPACE).optional().computed().description("Disk space on top of the plan's, e.g. `30GiB`: in the plan's steps (`disk_space_step`) up to its maximum (`disk_space_cap`), checked at plan time against the API's figures for the plan. Removing it returns the service to the plan's disk (the nodes restart)."),
        string(name::PROJECT_VPC_ID).optional().description("The VPC the service runs in, as `aiven_project_vpc`'s `id` (`project/vpc_id`), in the service's cloud and project. Left out, the service is on the public network; changing it moves the service."),
        Attribute::new(name::STATIC_IPS, Type::set(Type::String)).optional().description("Static IP addresses to associate with the service."),
        string(name::STATE).computed().description("`REBUILDING`, `RUNNING`, `REBALANCING` or `POWEROFF`."),
        string(name::SERVICE_URI).computed().sensitive().use_state_for_unknown().description("URI for connecting to the service."),
        string(name::SERVICE_HOST).computed().use_state_for_unknown().description("The service's host name."),
        Attribute::new(name::SERVICE_PORT, Type::Number).computed().use_state_for_unknown().description("The service's port."),
        string(name::SERVICE_USERNAME).computed().use_state_for_unknown().description("The admin user's name."),
        string(name::SERVICE_PASSWORD).computed().sensitive().use_state_for_unknown().description("The admin user's password."),
        Attribute::new(name::COMPONENTS, components_type()).computed().use_state_for_unknown().description("Endpoints of the service's components: host, port, `connection_uri` (`host:port`), route, usage and whether it takes TLS."),
        string(name::DISK_SPACE_DEFAULT).computed().description("The disk the plan includes, e.g. `80GiB`."),
        string(name::DISK_SPACE_USED).computed().description("The disk the service has: the plan's and `additional_disk_space`."),
        string(name::DISK_SPACE_STEP).computed().description("The increment disk can grow by, where the API reports it."),
        string(name::DISK_SPACE_CAP).computed().description("The most disk the plan allows, where the API reports it."),
        Attribute::new(name::MAINTENANCE_WINDOW_ENABLED, Type::Bool).computed().use_state_for_unknown().description("Whether maintenance runs in the maintenance window."),
        string(name::FORK_POINT)
            .unset_keeps_state()
            .requires_replace_if(super::replace::fork_point())
            .description("What a fork holds of its source: `latest_backup` (the default, as the API does: the source's newest backup and nothing committed after it), `latest_transaction` (PostgreSQL and MySQL: everything committed before the apply, sent as the end of the source's recovery window), a time (RFC 3339 or `YYYY-MM-DD HH:MM:SS` UTC, PostgreSQL and MySQL: the same as `recovery_target_time`) or `backup:NAME` (types that take `recovery_basebackup_name`). Only with `service_to_fork_from`. Changing it forces a new fork; the same point written another way, or removing it, does not."),
        Attribute::nested(
            name::FORK_RESTORED_TO,
            ObjectNesting::Single,
            vec![
                string("backup_name").computed().description("The backup restored, for a fork of a backup; null for a point in time."),
                string("time").computed().description("The instant the fork holds everything committed at or before (a point in time), or when its backup was taken (RFC 3339)."),
            ],
        )
        .computed()
        .use_state_for_unknown()
        .description("What the fork was restored to, recorded when it was made; null for a service that is no fork. An imported fork has it where the API tells: the time of a point-in-time fork, the backup a fork named."),
        string(name::CMK_ID).unset_keeps_state().description("UUID of the customer-managed key that encrypts the service's data at rest. Removing it from the configuration keeps the key; `00000000-0000-0000-0000-000000000000` removes it."),
    ];
    attributes.push(match kind.service_type {
        Some(_) => string(name::SERVICE_TYPE)
            .computed()
            .use_state_for_unknown()
            .description("The service type, e.g. `pg`."),
        None => string(name::SERVICE_TYPE)
            .required()
            .requires_replace()
            .description("The service type: pg, mysql, valkey, clickhouse, cassandra, opensearch, grafana or thanos."),
    });
    if let Some(connection) = kind.connection_attribute {
        let service_type = kind.service_type.unwrap_or_default();
        attributes.push(
            Attribute::new(connection, connection_type(service_type))
                .computed()
                .sensitive()
                .use_state_for_unknown()
                .description(
                    "Connection details: host, port, user, password, database, SSL mode and URI, and the official provider's keys for the type (`uris`, and where the type has them `params`, `standby_uris`, `replica_uri`, ...).",
                ),
        );
    }
    attributes
}

/// The value type Terraform uses for a `user_config` field.
pub fn field_type(kind: &Kind) -> Option<Type> {
    match kind {
        Kind::String | Kind::Text { .. } | Kind::Timestamp | Kind::Enum(_) | Kind::RoleName => {
            Some(Type::String)
        }
        Kind::Integer { .. } | Kind::Number { .. } | Kind::IntegerOneOf(_) => Some(Type::Number),
        Kind::Boolean => Some(Type::Bool),
        Kind::StringList | Kind::TextList { .. } => Some(Type::set(Type::String)),
        Kind::IntList => Some(Type::list(Type::Number)),
        Kind::Map => Some(Type::map(Type::String)),
        Kind::Object(_) | Kind::ObjectList { .. } | Kind::IpFilter => None,
    }
}

/// "from MIN to MAX", or the one bound there is.
fn bounds(min: Option<String>, max: Option<String>) -> String {
    match (min, max) {
        (Some(min), Some(max)) => format!(" Allowed: {min} to {max}."),
        (Some(min), None) => format!(" At least {min}."),
        (None, Some(max)) => format!(" At most {max}."),
        (None, None) => String::new(),
    }
}

fn field_description(field: &Field) -> String {
    let mut text = field.description.to_owned();
    match field.kind {
        Kind::Integer { min, max } => text.push_str(&bounds(
            (min > i64::MIN).then(|| min.to_string()),
            (max < i64::MAX).then(|| max.to_string()),
        )),
        Kind::Number { min, max } => text.push_str(&bounds(
            (min > f64::MIN).then(|| min.to_string()),
            (max < f64::MAX).then(|| max.to_string()),
        )),
        Kind::Enum(values) => text.push_str(&format!(" One of: {}.", values.join(", "))),
        Kind::IntegerOneOf(values) => {
            let values: Vec<String> = values.iter().map(ToString::to_string).collect();
            text.push_str(&format!(" One of: {}.", values.join(", ")));
        }
        Kind::Text { min, max, pattern } => {
            let length = match (min, max) {
                (0, usize::MAX) => None,
                (0, max) => Some(format!("At most {max} characters")),
                (min, usize::MAX) => Some(format!("At least {min} characters")),
                (min, max) => Some(format!("{min} to {max} characters")),
            };
            let form = pattern.map(|p| format!("matching `{p}`"));
            let parts: Vec<String> = length.into_iter().chain(form).collect();
            if !parts.is_empty() {
                text.push_str(&format!(" {}.", parts.join(", ")));
            }
        }
        Kind::RoleName => text.push_str(
            " 1 to 63 letters, digits or any of `_-.`, not starting with `-` or `.`; not `public`, `none` or a name starting with `pg_`.",
        ),
        _ => {}
    }
    let list = matches!(
        field.kind,
        Kind::StringList | Kind::TextList { .. } | Kind::IntList | Kind::ObjectList { .. }
    );
    if let (true, Some(max)) = (list, field.max_items) {
        text.push_str(&format!(" At most {max} entries."));
    }
    if field.create_only {
        text.push_str(" Only used when the service is created: changing it forces a new service; removing it keeps the service.");
    }
    text
}

/// A block for a list of `user_config` fields: scalars become optional
/// attributes, objects become nested blocks written at most once.
/// `parent` is the field whose nested block this is, if any.
pub fn fields_block(description: &str, fields: &[Field], parent: Option<&Field>) -> Block {
    let mut block = Block::new(description);
    for field in fields.iter().filter(|f| f.in_terraform) {
        match (field_type(&field.kind), field.kind) {
            (Some(ty), _) => {
                let reported = parent
                    .and_then(|block| user_config::reported_when_left_out(block, field))
                    .and_then(|json| Some((Value::from_json(&json, &ty).ok()?, json)));
                let attribute = Attribute::new(field.name, ty);
                let mut attribute = match reported {
                    // The platform fills the key in when its block is
                    // written without it: plan that, so that state shows it.
                    Some((default, value)) => attribute.default(default).description(format!(
                        "{} Left out of a written block, the platform reports `{value}`.",
                        field_description(field)
                    )),
                    // The API reports keys the configuration leaves out
                    // (its defaults, what a fork inherited): they are the
                    // service's, not a diff.
                    None => attribute
                        .unset_keeps_state()
                        .description(field_description(field)),
                };
                if field.sensitive {
                    attribute = attribute.sensitive();
                }
                if field.deprecated {
                    attribute = attribute.deprecated();
                }
                if field.create_only {
                    attribute = attribute.requires_replace_if(super::replace::create_only(field));
                }
                block = block.attribute(attribute);
            }
            (None, Kind::Object(inner)) => {
                block = block.block(NestedBlock::list_max_one(
                    field.name,
                    fields_block(field.description, inner, Some(field)),
                ));
            }
            (None, Kind::ObjectList { fields, set }) => {
                let inner = fields_block(field.description, fields, Some(field));
                block = block.block(if set {
                    NestedBlock::set(field.name, inner)
                } else {
                    NestedBlock::list(field.name, inner)
                });
            }
            (None, Kind::IpFilter) => {
                let cidrs = |name: &str, more: &str| {
                    Attribute::new(name, Type::set(Type::String))
                        .unset_keeps_state()
                        .description(format!(
                            "{} {more} {FILTER_LIMITS} {OPEN_FILTER}",
                            field.description
                        ))
                };
                block = block
                    .attribute(
                        cidrs(
                            IP_FILTER,
                            "Use one of `ip_filter`, `ip_filter_string` and `ip_filter_object`; this name is deprecated, as in the official provider.",
                        )
                        .deprecated(),
                    )
                    .attribute(cidrs(
                        IP_FILTER_STRING,
                        "The same as `ip_filter`, by the name the official provider now uses.",
                    ))
                    .block(NestedBlock::set(
                        IP_FILTER_OBJECT,
                        Block::new(format!(
                            "{} One block per range, with a description.",
                            field.description
                        ))
                        .attribute(
                            string("network")
                                .required()
                                .description("CIDR range, e.g. `10.20.0.0/16`."),
                        )
                        .attribute(
                            string("description")
                                .optional()
                                .description("What the range is."),
                        ),
                    ));
            }
            (None, _) => {}
        }
    }
    block
}

fn timeouts_block() -> NestedBlock {
    let duration = |name: &str, what: &str| {
        string(name).optional().description(format!(
            "How long {what} may take, e.g. `30m` or `1h` (default 20 minutes)."
        ))
    };
    NestedBlock::single(
        name::TIMEOUTS,
        Block::new("Limits for waiting on the API.")
            .attribute(duration(
                "create",
                "creating the service (including a fork's restore)",
            ))
            .attribute(duration("update", "an update"))
            .attribute(duration("delete", "deleting the service"))
            .attribute(duration("read", "a refresh"))
            .attribute(
                string("default")
                    .optional()
                    .description("The limit for any of the above not set itself, e.g. `45m`."),
            ),
    )
}

/// The `<type>_user_config` block; `aiven_service`'s adds `extra_json`.
fn user_config_block(kind: &ServiceKind) -> Block {
    let block = fields_block(
        "Service settings (the API's `user_config`).",
        &kind.fields(),
        None,
    );
    if kind.service_type.is_some() {
        return block;
    }
    block.attribute(
        Attribute::new(EXTRA_JSON, Type::String)
            .optional()
            .description("Any other `user_config` keys, as a JSON object (use `jsonencode`). Validated against the service type at plan time."),
    )
}

/// The resource schema.
pub fn resource_schema(kind: &ServiceKind) -> Schema {
    let mut block = Block::new(kind.description()).attributes(common_attributes(kind));
    block = block.block(NestedBlock::list_max_one(
        kind.user_config_block,
        user_config_block(kind),
    ));
    block = block.block(NestedBlock::set(
        name::TAG,
        Block::new("Tags: labels for the service.")
            .attribute(string("key").required().description("Tag key."))
            .attribute(string("value").required().description("Tag value.")),
    ));
    block = block.block(NestedBlock::set(
        name::SERVICE_INTEGRATIONS,
        Block::new("Integrations to make when the service is created, such as a read replica of another service. Changing them later makes no integration.")
            .attribute(string("integration_type").required().description("`read_replica` or `disaster_recovery`."))
            .attribute(string("source_service_name").required().description("The service the integration comes from.")),
    ));
    block = block.block(NestedBlock::set(
        name::TECH_EMAILS,
        Block::new("People to notify about technical issues with the service.")
            .attribute(string("email").required().description("An email address.")),
    ));
    Schema::new(block.block(timeouts_block())).with_version(super::upgrade::CURRENT)
}
