//! What distinguishes one service resource from another: its Terraform
//! name, the API service type, and the names of its blocks. Each typed
//! resource is one such declaration; the engine in this module does the rest.

use aiven_api::catalog;
use aiven_api::user_config::{
    self, Field, PROJECT_TO_FORK_FROM, RECOVERY_BASEBACKUP_NAME, RECOVERY_TARGET_TIME,
    SERVICE_TO_FORK_FROM,
};
use tfplugin::schema::{Attribute, Block};
use tfplugin::value::Type;

use super::schema::fields_block;

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

pub const GENERIC: ServiceKind = ServiceKind {
    type_name: "aiven_service",
    service_type: None,
    user_config_block: "user_config",
    connection_attribute: None,
};

impl ServiceKind {
    pub fn description(&self) -> String {
        match self.service_type.and_then(catalog::service_type) {
            Some(t) => format!(
                "An Aiven for {} service. Set `{}.service_to_fork_from` to create it as a fork: a complete, independent copy restored from the source's backups{}.",
                t.description.split(" - ").next().unwrap_or(t.name),
                self.user_config_block,
                if t.point_in_time_recovery { ", to its latest transaction or to `recovery_target_time`" } else { "" }
            ),
            None => "Any Aiven service type, for types and settings the typed resources do not cover. Fork with `user_config.service_to_fork_from`; other user_config keys go in `user_config.extra_json`.".to_owned(),
        }
    }

    /// The typed `user_config` fields this resource exposes.
    pub fn fields(&self) -> Vec<Field> {
        match self.service_type.and_then(catalog::service_type) {
            Some(t) => user_config::fields(t),
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

    pub fn user_config_schema_block(&self) -> Block {
        let block = fields_block(
            "Service settings (the API's `user_config`).",
            &self.fields(),
        );
        if self.service_type.is_some() {
            return block;
        }
        block.attribute(
            Attribute::new(EXTRA_JSON, Type::String)
                .optional()
                .description("Any other `user_config` keys, as a JSON object (use `jsonencode`). Validated against the service type at plan time."),
        )
    }
}
