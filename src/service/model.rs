//! The typed model of a service resource: a configuration, plan or state as
//! Rust fields, converted from and to Terraform's value in this one place.
//!
//! Attribute names are written once, in [`name`]; the schema, the model and
//! the plan rules all use them. A field is `None` when its value is null or
//! not known yet (in a plan). The `user_config` block and `timeouts` stay
//! values: their shape follows the definitions the schema is generated from,
//! and `user_config.rs` converts them.

use std::collections::BTreeMap;

use aiven_api::types::Component;
use tfplugin::value::Value;

use super::kind::ServiceKind;

/// The names of a service resource's attributes and blocks.
pub mod name {
    pub const ID: &str = "id";
    pub const PROJECT: &str = "project";
    pub const SERVICE_NAME: &str = "service_name";
    pub const SERVICE_TYPE: &str = "service_type";
    pub const PLAN: &str = "plan";
    pub const CLOUD_NAME: &str = "cloud_name";
    pub const MAINTENANCE_WINDOW_DOW: &str = "maintenance_window_dow";
    pub const MAINTENANCE_WINDOW_TIME: &str = "maintenance_window_time";
    pub const TERMINATION_PROTECTION: &str = "termination_protection";
    pub const DISK_SPACE: &str = "disk_space";
    pub const ADDITIONAL_DISK_SPACE: &str = "additional_disk_space";
    pub const PROJECT_VPC_ID: &str = "project_vpc_id";
    pub const STATIC_IPS: &str = "static_ips";
    pub const STATE: &str = "state";
    pub const SERVICE_URI: &str = "service_uri";
    pub const SERVICE_HOST: &str = "service_host";
    pub const SERVICE_PORT: &str = "service_port";
    pub const SERVICE_USERNAME: &str = "service_username";
    pub const SERVICE_PASSWORD: &str = "service_password";
    pub const COMPONENTS: &str = "components";
    pub const DISK_SPACE_DEFAULT: &str = "disk_space_default";
    pub const DISK_SPACE_USED: &str = "disk_space_used";
    pub const DISK_SPACE_STEP: &str = "disk_space_step";
    pub const DISK_SPACE_CAP: &str = "disk_space_cap";
    pub const MAINTENANCE_WINDOW_ENABLED: &str = "maintenance_window_enabled";
    pub const CMK_ID: &str = "cmk_id";
    pub const SERVICE_INTEGRATIONS: &str = "service_integrations";
    pub const FORK_POINT: &str = "fork_point";
    pub const FORK_RESTORED_TO: &str = "fork_restored_to";
    pub const TAG: &str = "tag";
    pub const TECH_EMAILS: &str = "tech_emails";
    pub const TIMEOUTS: &str = "timeouts";
}

/// The connection details block (`pg`, `mysql`, ...): this provider's
/// seven keys on every type, then the official provider's, which differ by
/// type (see [`connection_keys`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConnectionModel {
    pub host: Option<String>,
    pub port: Option<i64>,
    pub user: Option<String>,
    pub password: Option<String>,
    pub dbname: Option<String>,
    pub sslmode: Option<String>,
    pub uri: Option<String>,
    pub uris: Option<Vec<String>>,
    pub standby_uris: Option<Vec<String>>,
    pub syncing_uris: Option<Vec<String>>,
    pub slave_uris: Option<Vec<String>>,
    pub replica_uri: Option<String>,
    pub params: Option<Vec<ConnectionParamsModel>>,
    pub max_connections: Option<i64>,
    pub bouncer: Option<String>,
    pub username: Option<String>,
    pub opensearch_dashboards_uri: Option<String>,
    pub kibana_uri: Option<String>,
    pub query_frontend_uri: Option<String>,
    pub query_uri: Option<String>,
    pub receiver_remote_write_uri: Option<String>,
}

/// One entry of a connection block's `params`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConnectionParamsModel {
    pub host: Option<String>,
    pub port: Option<i64>,
    pub user: Option<String>,
    pub password: Option<String>,
    pub database_name: Option<String>,
    pub sslmode: Option<String>,
}

/// The keys of a type's connection block beyond this provider's seven,
/// as the official provider has them.
pub fn connection_keys(service_type: &str) -> &'static [&'static str] {
    match service_type {
        "pg" => &[
            "uris",
            "standby_uris",
            "syncing_uris",
            "replica_uri",
            "params",
            "max_connections",
            "bouncer",
        ],
        "mysql" => &[
            "uris",
            "standby_uris",
            "syncing_uris",
            "replica_uri",
            "params",
        ],
        "valkey" => &["uris", "slave_uris", "replica_uri"],
        "opensearch" => &[
            "uris",
            "username",
            "opensearch_dashboards_uri",
            "kibana_uri",
        ],
        "thanos" => &[
            "uris",
            "query_frontend_uri",
            "query_uri",
            "receiver_remote_write_uri",
        ],
        _ => &["uris"],
    }
}

/// What a fork was restored to (`fork_restored_to`): the instant of a
/// point-in-time fork, or the backup's name and time.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RestoredToModel {
    pub backup_name: Option<String>,
    pub time: Option<String>,
}

/// An integration made when the service is created.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct IntegrationModel {
    pub integration_type: String,
    pub source_service_name: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ServiceModel {
    pub id: Option<String>,
    pub project: Option<String>,
    pub service_name: Option<String>,
    pub service_type: Option<String>,
    pub plan: Option<String>,
    pub cloud_name: Option<String>,
    pub maintenance_window_dow: Option<String>,
    pub maintenance_window_time: Option<String>,
    pub termination_protection: Option<bool>,
    pub disk_space: Option<String>,
    pub additional_disk_space: Option<String>,
    pub project_vpc_id: Option<String>,
    pub static_ips: Option<Vec<String>>,
    pub state: Option<String>,
    pub service_uri: Option<String>,
    pub service_host: Option<String>,
    pub service_port: Option<i64>,
    pub service_username: Option<String>,
    pub service_password: Option<String>,
    pub components: Option<Vec<Component>>,
    pub disk_space_default: Option<String>,
    pub disk_space_used: Option<String>,
    pub disk_space_step: Option<String>,
    pub disk_space_cap: Option<String>,
    pub maintenance_window_enabled: Option<bool>,
    pub cmk_id: Option<String>,
    pub service_integrations: Option<Vec<IntegrationModel>>,
    /// Where a fork restores to, as written (see `aiven_api::fork_point`).
    pub fork_point: Option<String>,
    /// `None` while not known, and for a service that is no fork.
    pub fork_restored_to: Option<RestoredToModel>,
    /// `None` when the block is null or the resource has none.
    pub connection: Option<ConnectionModel>,
    /// Key to value; `None` when the set is null.
    pub tags: Option<BTreeMap<String, String>>,
    pub tech_emails: Option<Vec<String>>,
    /// The `<type>_user_config` block as written: a list of at most one.
    pub user_config: Value,
    pub timeouts: Value,
}

fn text(value: &Value, attribute: &str) -> Option<String> {
    value.get(attribute).as_str().map(str::to_owned)
}

fn known<T>(value: &Value, read: impl FnOnce(&Value) -> T) -> Option<T> {
    (!value.is_null() && !value.is_unknown()).then(|| read(value))
}

fn strings(value: &Value) -> Vec<String> {
    value
        .elements()
        .iter()
        .filter_map(|item| item.as_str().map(str::to_owned))
        .collect()
}

fn opt_text(value: &Option<String>) -> Value {
    Value::opt_string(value.clone())
}

fn string_set(items: &Option<Vec<String>>) -> Value {
    match items {
        Some(items) => Value::Set(items.iter().map(Value::string).collect()),
        None => Value::Null,
    }
}

impl ServiceModel {
    /// The service type: the resource's own, or for `aiven_service` the
    /// one its configuration names.
    pub fn type_name<'m>(&'m self, kind: &ServiceKind) -> Option<&'m str> {
        kind.service_type.or(self.service_type.as_deref())
    }

    /// Reads a configuration, plan or state of a `kind` resource.
    pub fn from_value(kind: &ServiceKind, value: &Value) -> ServiceModel {
        use name::*;
        ServiceModel {
            id: text(value, ID),
            project: text(value, PROJECT),
            service_name: text(value, SERVICE_NAME),
            service_type: text(value, SERVICE_TYPE),
            plan: text(value, PLAN),
            cloud_name: text(value, CLOUD_NAME),
            maintenance_window_dow: text(value, MAINTENANCE_WINDOW_DOW),
            maintenance_window_time: text(value, MAINTENANCE_WINDOW_TIME),
            termination_protection: value.get(TERMINATION_PROTECTION).as_bool(),
            disk_space: text(value, DISK_SPACE),
            additional_disk_space: text(value, ADDITIONAL_DISK_SPACE),
            project_vpc_id: text(value, PROJECT_VPC_ID),
            static_ips: known(value.get(STATIC_IPS), strings),
            state: text(value, STATE),
            service_uri: text(value, SERVICE_URI),
            service_host: text(value, SERVICE_HOST),
            service_port: value.get(SERVICE_PORT).as_i64(),
            service_username: text(value, SERVICE_USERNAME),
            service_password: text(value, SERVICE_PASSWORD),
            components: known(value.get(COMPONENTS), read_components),
            disk_space_default: text(value, DISK_SPACE_DEFAULT),
            disk_space_used: text(value, DISK_SPACE_USED),
            disk_space_step: text(value, DISK_SPACE_STEP),
            disk_space_cap: text(value, DISK_SPACE_CAP),
            maintenance_window_enabled: value.get(MAINTENANCE_WINDOW_ENABLED).as_bool(),
            cmk_id: text(value, CMK_ID),
            service_integrations: known(value.get(SERVICE_INTEGRATIONS), read_integrations),
            fork_point: text(value, FORK_POINT),
            fork_restored_to: known(value.get(FORK_RESTORED_TO), |restored| RestoredToModel {
                backup_name: text(restored, "backup_name"),
                time: text(restored, "time"),
            }),
            connection: kind
                .connection_attribute
                .and_then(|attribute| known(value.get(attribute), read_connection)),
            tags: known(value.get(TAG), read_tags),
            tech_emails: known(value.get(TECH_EMAILS), |emails| {
                let email = |item: &Value| text(item, "email");
                emails.elements().iter().filter_map(email).collect()
            }),
            user_config: value.get(kind.user_config_block).clone(),
            timeouts: value.get(TIMEOUTS).clone(),
        }
    }

    /// The value of a `kind` resource with these fields.
    pub fn to_value(&self, kind: &ServiceKind) -> Value {
        use name::*;
        let mut value = Value::object([
            (ID, opt_text(&self.id)),
            (PROJECT, opt_text(&self.project)),
            (SERVICE_NAME, opt_text(&self.service_name)),
            (SERVICE_TYPE, opt_text(&self.service_type)),
            (PLAN, opt_text(&self.plan)),
            (CLOUD_NAME, opt_text(&self.cloud_name)),
            (
                MAINTENANCE_WINDOW_DOW,
                opt_text(&self.maintenance_window_dow),
            ),
            (
                MAINTENANCE_WINDOW_TIME,
                opt_text(&self.maintenance_window_time),
            ),
            (
                TERMINATION_PROTECTION,
                self.termination_protection.map_or(Value::Null, Value::Bool),
            ),
            (DISK_SPACE, opt_text(&self.disk_space)),
            (ADDITIONAL_DISK_SPACE, opt_text(&self.additional_disk_space)),
            (PROJECT_VPC_ID, opt_text(&self.project_vpc_id)),
            (STATIC_IPS, string_set(&self.static_ips)),
            (STATE, opt_text(&self.state)),
            (SERVICE_URI, opt_text(&self.service_uri)),
            (SERVICE_HOST, opt_text(&self.service_host)),
            (SERVICE_PORT, Value::opt_number(self.service_port)),
            (SERVICE_USERNAME, opt_text(&self.service_username)),
            (SERVICE_PASSWORD, opt_text(&self.service_password)),
            (
                COMPONENTS,
                self.components
                    .as_deref()
                    .map_or(Value::Null, components_value),
            ),
            (DISK_SPACE_DEFAULT, opt_text(&self.disk_space_default)),
            (DISK_SPACE_USED, opt_text(&self.disk_space_used)),
            (DISK_SPACE_STEP, opt_text(&self.disk_space_step)),
            (DISK_SPACE_CAP, opt_text(&self.disk_space_cap)),
            (
                MAINTENANCE_WINDOW_ENABLED,
                self.maintenance_window_enabled
                    .map_or(Value::Null, Value::Bool),
            ),
            (CMK_ID, opt_text(&self.cmk_id)),
            (
                SERVICE_INTEGRATIONS,
                self.service_integrations
                    .as_deref()
                    .map_or(Value::Null, integrations_value),
            ),
            (FORK_POINT, opt_text(&self.fork_point)),
            (
                FORK_RESTORED_TO,
                self.fork_restored_to
                    .as_ref()
                    .map_or(Value::Null, RestoredToModel::to_value),
            ),
            (TAG, self.tags.as_ref().map_or(Value::Null, tags_value)),
            (
                TECH_EMAILS,
                self.tech_emails
                    .as_deref()
                    .map_or(Value::Null, emails_value),
            ),
            (TIMEOUTS, self.timeouts.clone()),
        ]);
        value.set(kind.user_config_block, self.user_config.clone());
        if let Some(attribute) = kind.connection_attribute {
            let keys = connection_keys(kind.service_type.unwrap_or_default());
            let connection = self
                .connection
                .as_ref()
                .map_or(Value::Null, |c| connection_value(c, keys));
            value.set(attribute, connection);
        }
        value
    }
}

impl RestoredToModel {
    pub fn to_value(&self) -> Value {
        Value::object([
            ("backup_name", opt_text(&self.backup_name)),
            ("time", opt_text(&self.time)),
        ])
    }
}

fn read_components(list: &Value) -> Vec<Component> {
    list.elements()
        .iter()
        .map(|item| Component {
            component: text(item, "component").unwrap_or_default(),
            host: text(item, "host").unwrap_or_default(),
            port: item.get("port").as_i64().unwrap_or_default(),
            route: text(item, "route").unwrap_or_default(),
            usage: text(item, "usage").unwrap_or_default(),
            ssl: item.get("ssl").as_bool(),
            kafka_authentication_method: text(item, "kafka_authentication_method"),
            kafka_ssl_ca: text(item, "kafka_ssl_ca"),
            privatelink_connection_id: text(item, "privatelink_connection_id"),
        })
        .collect()
}

/// Components as the schema has them, with `connection_uri` (`host:port`)
/// added as the official provider does.
fn components_value(components: &[Component]) -> Value {
    let component = |c: &Component| {
        Value::object([
            ("component", Value::string(&c.component)),
            ("host", Value::string(&c.host)),
            ("port", Value::number(c.port)),
            ("route", Value::string(&c.route)),
            ("usage", Value::string(&c.usage)),
            (
                "connection_uri",
                Value::string(format!("{}:{}", c.host, c.port)),
            ),
            // Encrypted unless the API says otherwise.
            ("ssl", Value::Bool(c.ssl.unwrap_or(true))),
            (
                "kafka_authentication_method",
                Value::opt_string(c.kafka_authentication_method.clone()),
            ),
            ("kafka_ssl_ca", Value::opt_string(c.kafka_ssl_ca.clone())),
            (
                "privatelink_connection_id",
                Value::opt_string(c.privatelink_connection_id.clone()),
            ),
        ])
    };
    Value::List(components.iter().map(component).collect())
}

fn known_strings(value: &Value) -> Option<Vec<String>> {
    known(value, strings)
}

fn opt_strings(items: &Option<Vec<String>>) -> Value {
    match items {
        Some(items) => Value::List(items.iter().map(Value::string).collect()),
        None => Value::Null,
    }
}

fn read_connection(list: &Value) -> ConnectionModel {
    let block = list.first();
    let params = |list: &Value| {
        let entry = |p: &Value| ConnectionParamsModel {
            host: text(p, "host"),
            port: p.get("port").as_i64(),
            user: text(p, "user"),
            password: text(p, "password"),
            database_name: text(p, "database_name"),
            sslmode: text(p, "sslmode"),
        };
        list.elements().iter().map(entry).collect()
    };
    ConnectionModel {
        host: text(block, "host"),
        port: block.get("port").as_i64(),
        user: text(block, "user"),
        password: text(block, "password"),
        dbname: text(block, "dbname"),
        sslmode: text(block, "sslmode"),
        uri: text(block, "uri"),
        uris: known_strings(block.get("uris")),
        standby_uris: known_strings(block.get("standby_uris")),
        syncing_uris: known_strings(block.get("syncing_uris")),
        slave_uris: known_strings(block.get("slave_uris")),
        replica_uri: text(block, "replica_uri"),
        params: known(block.get("params"), params),
        max_connections: block.get("max_connections").as_i64(),
        bouncer: text(block, "bouncer"),
        username: text(block, "username"),
        opensearch_dashboards_uri: text(block, "opensearch_dashboards_uri"),
        kibana_uri: text(block, "kibana_uri"),
        query_frontend_uri: text(block, "query_frontend_uri"),
        query_uri: text(block, "query_uri"),
        receiver_remote_write_uri: text(block, "receiver_remote_write_uri"),
    }
}

fn params_value(params: &[ConnectionParamsModel]) -> Value {
    let entry = |p: &ConnectionParamsModel| {
        Value::object([
            ("host", opt_text(&p.host)),
            ("port", Value::opt_number(p.port)),
            ("user", opt_text(&p.user)),
            ("password", opt_text(&p.password)),
            ("database_name", opt_text(&p.database_name)),
            ("sslmode", opt_text(&p.sslmode)),
        ])
    };
    Value::List(params.iter().map(entry).collect())
}

/// The block with this provider's keys and the type's `keys`.
fn connection_value(c: &ConnectionModel, keys: &[&str]) -> Value {
    let extra = [
        ("uris", opt_strings(&c.uris)),
        ("standby_uris", opt_strings(&c.standby_uris)),
        ("syncing_uris", opt_strings(&c.syncing_uris)),
        ("slave_uris", opt_strings(&c.slave_uris)),
        ("replica_uri", opt_text(&c.replica_uri)),
        (
            "params",
            c.params.as_deref().map_or(Value::Null, params_value),
        ),
        ("max_connections", Value::opt_number(c.max_connections)),
        ("bouncer", opt_text(&c.bouncer)),
        ("username", opt_text(&c.username)),
        (
            "opensearch_dashboards_uri",
            opt_text(&c.opensearch_dashboards_uri),
        ),
        ("kibana_uri", opt_text(&c.kibana_uri)),
        ("query_frontend_uri", opt_text(&c.query_frontend_uri)),
        ("query_uri", opt_text(&c.query_uri)),
        (
            "receiver_remote_write_uri",
            opt_text(&c.receiver_remote_write_uri),
        ),
    ];
    let ours = [
        ("host", opt_text(&c.host)),
        ("port", Value::opt_number(c.port)),
        ("user", opt_text(&c.user)),
        ("password", opt_text(&c.password)),
        ("dbname", opt_text(&c.dbname)),
        ("sslmode", opt_text(&c.sslmode)),
        ("uri", opt_text(&c.uri)),
    ];
    let theirs = extra.into_iter().filter(|(key, _)| keys.contains(key));
    Value::List(vec![Value::object(ours.into_iter().chain(theirs))])
}

fn read_integrations(set: &Value) -> Vec<IntegrationModel> {
    let entry = |item: &Value| {
        Some(IntegrationModel {
            integration_type: text(item, "integration_type")?,
            source_service_name: text(item, "source_service_name")?,
        })
    };
    set.elements().iter().filter_map(entry).collect()
}

fn integrations_value(integrations: &[IntegrationModel]) -> Value {
    let entry = |i: &IntegrationModel| {
        Value::object([
            ("integration_type", Value::string(&i.integration_type)),
            ("source_service_name", Value::string(&i.source_service_name)),
        ])
    };
    Value::Set(integrations.iter().map(entry).collect())
}

fn read_tags(set: &Value) -> BTreeMap<String, String> {
    let pair = |tag: &Value| Some((text(tag, "key")?, text(tag, "value")?));
    set.elements().iter().filter_map(pair).collect()
}

fn tags_value(tags: &BTreeMap<String, String>) -> Value {
    let tag = |(key, value): (&String, &String)| {
        Value::object([("key", Value::string(key)), ("value", Value::string(value))])
    };
    Value::Set(tags.iter().map(tag).collect())
}

fn emails_value(emails: &[String]) -> Value {
    let email = |email: &String| Value::object([("email", Value::string(email))]);
    Value::Set(emails.iter().map(email).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::kind::{GENERIC, PG};
    use crate::service::schema::resource_schema;

    fn full() -> ServiceModel {
        ServiceModel {
            id: Some("p/pg-a".into()),
            project: Some("p".into()),
            service_name: Some("pg-a".into()),
            service_type: Some("pg".into()),
            plan: Some("startup-4".into()),
            cloud_name: Some("google-europe-west1".into()),
            maintenance_window_dow: Some("sunday".into()),
            maintenance_window_time: Some("02:00:00".into()),
            termination_protection: Some(true),
            disk_space: Some("80GiB".into()),
            additional_disk_space: Some("0GiB".into()),
            project_vpc_id: None,
            static_ips: Some(vec!["ip-1".into()]),
            state: Some("RUNNING".into()),
            service_uri: Some("postgres://u:pw@h:1/db".into()),
            service_host: Some("h".into()),
            service_port: Some(1),
            service_username: Some("u".into()),
            service_password: Some("pw".into()),
            components: Some(vec![Component {
                component: "pg".into(),
                host: "h".into(),
                port: 1,
                route: "dynamic".into(),
                usage: "primary".into(),
                ssl: Some(false),
                ..Component::default()
            }]),
            disk_space_default: Some("80GiB".into()),
            disk_space_used: Some("80GiB".into()),
            disk_space_step: Some("30GiB".into()),
            disk_space_cap: None,
            maintenance_window_enabled: Some(true),
            cmk_id: Some("3f2a1b4c-5d6e-4f70-8192-a3b4c5d6e7f8".into()),
            service_integrations: Some(vec![IntegrationModel {
                integration_type: "read_replica".into(),
                source_service_name: "pg-b".into(),
            }]),
            connection: Some(ConnectionModel {
                host: Some("h".into()),
                port: Some(1),
                uris: Some(vec!["postgres://u:pw@h:1/db".into()]),
                standby_uris: Some(Vec::new()),
                params: Some(vec![ConnectionParamsModel {
                    host: Some("h".into()),
                    port: Some(1),
                    ..ConnectionParamsModel::default()
                }]),
                max_connections: Some(100),
                ..ConnectionModel::default()
            }),
            fork_point: Some("latest_backup".into()),
            fork_restored_to: Some(RestoredToModel {
                backup_name: Some("backup-1".into()),
                time: Some("2026-12-02T05:43:05Z".into()),
            }),
            tags: Some(BTreeMap::from([("team".into(), "data".into())])),
            tech_emails: Some(vec!["ops@example.com".into()]),
            user_config: Value::List(Vec::new()),
            timeouts: Value::Null,
        }
    }

    #[test]
    fn a_model_round_trips_through_its_value() {
        for kind in [PG, GENERIC] {
            let mut model = full();
            if kind.connection_attribute.is_none() {
                model.connection = None;
            }
            let value = model.to_value(&kind);
            assert_eq!(ServiceModel::from_value(&kind, &value), model);
        }
    }

    #[test]
    fn the_value_fits_the_schema() {
        for kind in [PG, GENERIC] {
            let value = full().to_value(&kind);
            let ty = resource_schema(&kind).block.value_type();
            value.to_msgpack(&ty).expect("the model fits the schema");
        }
    }

    #[test]
    fn unknown_values_in_a_plan_read_as_not_set() {
        let mut value = full().to_value(&PG);
        value.set(name::PLAN, Value::unknown());
        value.set(name::TAG, Value::unknown());
        let model = ServiceModel::from_value(&PG, &value);
        assert_eq!(model.plan, None);
        assert_eq!(model.tags, None);
    }
}
