//! What distinguishes one service resource from another: its Terraform
//! name, the API service type, and the names of its blocks. Each typed
//! resource is one such declaration; the engine in this module does the rest.

use aiven_api::catalog;
use aiven_api::user_config::{
    self, Field, PROJECT_TO_FORK_FROM, RECOVERY_BASEBACKUP_NAME, RECOVERY_TARGET_TIME,
    SERVICE_TO_FORK_FROM,
};
use tfplugin::diag::AttributePath;

/// The escape hatch of `aiven_service`'s `user_config` block.
pub const EXTRA_JSON: &str = "extra_json";

#[derive(Debug, Clone, Copy)]
pub struct ServiceKind {
    /// Terraform type name, e.g. `aiven_pg`.
    pub type_name: &'static str,
    /// The API service type; `None` for the generic `aiven_service`, whose
    /// configuration names it.
    pub service_type: Option<&'static str>,
    /// Name of the user config block, e.g. `pg_user_config`.
    pub user_config_block: &'static str,
    /// Name of the connection details attribute, e.g. `pg`.
    pub connection_attribute: Option<&'static str>,
}

pub const PG: ServiceKind = ServiceKind {
    type_name: "aiven_pg",
    service_type: Some("pg"),
    user_config_block: "pg_user_config",
    connection_attribute: Some("pg"),
};

/// Declares a typed service resource whose blocks are named after its type.
const fn typed(
    type_name: &'static str,
    service_type: &'static str,
    user_config_block: &'static str,
) -> ServiceKind {
    ServiceKind {
        type_name,
        service_type: Some(service_type),
        user_config_block,
        connection_attribute: Some(service_type),
    }
}

pub const MYSQL: ServiceKind = typed("aiven_mysql", "mysql", "mysql_user_config");
pub const VALKEY: ServiceKind = typed("aiven_valkey", "valkey", "valkey_user_config");
pub const CLICKHOUSE: ServiceKind =
    typed("aiven_clickhouse", "clickhouse", "clickhouse_user_config");
pub const CASSANDRA: ServiceKind = typed("aiven_cassandra", "cassandra", "cassandra_user_config");
pub const OPENSEARCH: ServiceKind =
    typed("aiven_opensearch", "opensearch", "opensearch_user_config");
pub const GRAFANA: ServiceKind = typed("aiven_grafana", "grafana", "grafana_user_config");
pub const THANOS: ServiceKind = typed("aiven_thanos", "thanos", "thanos_user_config");

/// Every typed resource, in the product page's order.
pub const TYPED: [ServiceKind; 8] = [
    PG, MYSQL, VALKEY, CLICKHOUSE, CASSANDRA, OPENSEARCH, GRAFANA, THANOS,
];

pub const GENERIC: ServiceKind = ServiceKind {
    type_name: "aiven_service",
    service_type: None,
    user_config_block: "user_config",
    connection_attribute: None,
};

impl ServiceKind {
    /// The path of the `user_config` field `field` in this resource.
    pub fn user_config_path(&self, field: &str) -> AttributePath {
        AttributePath::attr(self.user_config_block)
            .index(0)
            .then(field)
    }

    pub fn description(&self) -> String {
        match self.service_type.and_then(catalog::service_type) {
            Some(t) => format!(
                "An Aiven for {} service. Set `{}.service_to_fork_from` to create it as a fork: a complete, independent copy of the source's latest backup, as the API makes it{}. The plan names the backup and `fork_restored_to` records the point.",
                t.description.split(" - ").next().unwrap_or(t.name),
                self.user_config_block,
                if t.point_in_time_recovery {
                    ", or with `fork_point` of its latest transaction (`\"latest_transaction\"`) or a point in time"
                } else if t.named_backup_recovery {
                    ", or with `fork_point = \"backup:NAME\"` of a named backup"
                } else {
                    ""
                }
            ),
            None => "Any Aiven service type, for types and settings the typed resources do not cover. Fork with `user_config.service_to_fork_from`, from the latest backup unless `fork_point` says otherwise; other user_config keys go in `user_config.extra_json`.".to_owned(),
        }
    }

    /// The typed `user_config` fields this resource exposes. Every typed
    /// block has `recovery_target_time`, so that setting it on a type
    /// without point-in-time recovery fails validation with a message
    /// naming the types that have it, not Terraform's bare "unsupported
    /// argument".
    pub fn fields(&self) -> Vec<Field> {
        match self.service_type.and_then(catalog::service_type) {
            Some(t) => {
                let mut fields = user_config::fields(t);
                if !t.point_in_time_recovery
                    && let Some(pg) = catalog::service_type("pg")
                    && let Some(recovery) = user_config::fields(pg)
                        .into_iter()
                        .find(|f| f.name == RECOVERY_TARGET_TIME)
                {
                    let position = fields
                        .iter()
                        .position(|f| f.name == PROJECT_TO_FORK_FROM)
                        .map_or(0, |p| p + 1);
                    fields.insert(position, Field { description: "Point-in-time recovery is only available for pg and mysql services; setting this fails the plan.", ..recovery });
                }
                fields
            }
            None => {
                let every_type: Vec<Field> = catalog::SERVICE_TYPES
                    .iter()
                    .flat_map(user_config::fields)
                    .collect();
                [
                    SERVICE_TO_FORK_FROM,
                    PROJECT_TO_FORK_FROM,
                    RECOVERY_TARGET_TIME,
                    RECOVERY_BASEBACKUP_NAME,
                ]
                .iter()
                .filter_map(|name| every_type.iter().find(|f| f.name == *name).copied())
                .collect()
            }
        }
    }
}
