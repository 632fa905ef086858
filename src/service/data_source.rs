//! Data sources over services: one service by name (`aiven_pg`, ...) and
//! a service's backups with its point-in-time recovery window
//! (`aiven_service_backups`), so a configuration can pick a
//! `recovery_target_time` from real data.

use std::time::Duration;

use aiven_api::timestamp;
use tfplugin::diag::{AttributePath, Diagnostic, Diagnostics};
use tfplugin::resource::{Context, DataSource};
use tfplugin::schema::{Attribute, Block, BlockNesting, Replacement, Schema, Unset};
use tfplugin::value::{Type, Value};

use aiven_api::types::Service;

use super::kind::ServiceKind;
use super::model::{ServiceModel, name};
use super::schema::resource_schema;
use super::state;
use super::wait;
use crate::client::Client;

/// The resource schema as read-only output: every attribute computed
/// except the lookup keys, blocks turned into computed attributes, and no
/// write-only attributes (nothing can be read back from them).
pub fn read_only(block: &Block, keys: &[&str]) -> Block {
    let mut out = Block::new(block.description.clone());
    for attribute in block.attributes.iter().filter(|a| !a.write_only) {
        let mut copy = Attribute {
            required: false,
            optional: false,
            computed: true,
            default: None,
            unset: Unset::Planned,
            replace: Replacement::Never,
            ..attribute.clone()
        };
        if keys.contains(&attribute.name.as_str()) {
            copy.required = true;
            copy.computed = false;
        }
        out.attributes.push(copy);
    }
    for nested in block
        .blocks
        .iter()
        .filter(|b| b.type_name != name::TIMEOUTS)
    {
        let inner = nested.block.value_type();
        let ty = match nested.nesting {
            BlockNesting::Single => inner,
            BlockNesting::List => Type::list(inner),
            BlockNesting::Set => Type::set(inner),
        };
        let mut attribute = Attribute::new(nested.type_name.clone(), ty)
            .computed()
            .description(nested.block.description.clone());
        // One attribute cannot be partly sensitive: a block holding a
        // secret (`admin_password`) is hidden whole.
        if holds_secret(&nested.block) {
            attribute = attribute.sensitive();
        }
        out.attributes.push(attribute);
    }
    out
}

fn holds_secret(block: &Block) -> bool {
    block.attributes.iter().any(|a| a.sensitive)
        || block
            .blocks
            .iter()
            .any(|nested| holds_secret(&nested.block))
}

pub struct ServiceDataSource {
    pub kind: ServiceKind,
}

fn lookup(config: &Value) -> Option<(String, String)> {
    Some((
        config.get(name::PROJECT).as_str()?.to_owned(),
        config.get(name::SERVICE_NAME).as_str()?.to_owned(),
    ))
}

#[tfplugin::async_trait]
impl DataSource<Client> for ServiceDataSource {
    fn type_name(&self) -> &'static str {
        self.kind.type_name
    }

    fn schema(&self) -> Schema {
        let resource = resource_schema(&self.kind).block;
        let mut block = read_only(&resource, &["project", "service_name"]);
        block.description = format!("Reads an existing service. {}", resource.description);
        Schema::new(block)
    }

    async fn read(&self, ctx: &Context<Client>, config: &Value, diags: &mut Diagnostics) -> Value {
        let (Ok(client), Some((project, name))) = (ctx.data(), lookup(config)) else {
            diags.push(Diagnostic::error(
                "Cannot read the service",
                "project and service_name must be known and the provider configured.",
            ));
            return Value::Null;
        };
        match client.get_service(&project, &name, &ctx.cancel).await {
            Ok(service) => {
                if let Some(expected) = self.kind.service_type
                    && aiven_api::catalog::service_type(expected).map(|t| t.name)
                        != Some(service.service_type.as_str())
                {
                    diags.error_at(
                        AttributePath::attr(name::SERVICE_NAME),
                        "Wrong service type",
                        format!("{name} is a {} service, not {expected}; use the data source for its type.", service.service_type),
                    );
                    return Value::Null;
                }
                let nothing_known = ServiceModel::default();
                let plan = client
                    .plan_specs(&project, &service.service_type, &service.plan, &ctx.cancel)
                    .await
                    .ok()
                    .flatten();
                let state = state::from_service(
                    &self.kind,
                    &project,
                    &service,
                    &nothing_known,
                    true,
                    plan.as_deref(),
                );
                let mut value = state.to_value(&self.kind);
                if let Value::Object(entries) = &mut value {
                    entries.remove(name::TIMEOUTS);
                }
                value
            }
            Err(err) => {
                diags.error_at(
                    AttributePath::attr(name::SERVICE_NAME),
                    "Cannot read the service",
                    format!("The Aiven API answered: {err}"),
                );
                Value::Null
            }
        }
    }
}

pub struct BackupsDataSource;

fn backup_type() -> Type {
    Type::object([
        ("backup_name", Type::String),
        ("backup_time", Type::String),
        ("data_size", Type::Number),
    ])
}

#[tfplugin::async_trait]
impl DataSource<Client> for BackupsDataSource {
    fn type_name(&self) -> &'static str {
        "aiven_service_backups"
    }

    fn schema(&self) -> Schema {
        let string = |name: &str| Attribute::new(name, Type::String);
        Schema::new(
            Block::new("A service's backups, oldest first, and the window a point-in-time fork (`recovery_target_time`) may target.")
                .attribute(string("project").required().description("The project."))
                .attribute(string("service_name").required().description("The service."))
                .attribute(Attribute::new("wait_for_backup", Type::Bool).optional().description(
                    "Wait (up to 20 minutes) until the service runs and has a backup, for a service created in the same apply.",
                ))
                .attribute(string("id").computed().description("`project/service_name`."))
                .attribute(Attribute::new("backups", Type::list(backup_type())).computed().description("Backups: name, time (RFC 3339) and size in bytes."))
                .attribute(string("latest_backup_time").computed().description("Time of the newest backup; null when there is none."))
                .attribute(string("pitr_range_start").computed().description("Earliest time a point-in-time fork may target; null for types without point-in-time recovery, and until a backup allows it."))
                .attribute(string("pitr_range_end").computed().description("Latest time a point-in-time fork may target (now, when read).")),
        )
    }

    async fn read(&self, ctx: &Context<Client>, config: &Value, diags: &mut Diagnostics) -> Value {
        let (Ok(client), Some((project, name))) = (ctx.data(), lookup(config)) else {
            diags.push(Diagnostic::error(
                "Cannot read backups",
                "project and service_name must be known and the provider configured.",
            ));
            return Value::Null;
        };
        if config.get("wait_for_backup").as_bool() == Some(true)
            && let Err(err) = wait::until_backed_up(
                client,
                &project,
                &name,
                Duration::from_secs(20 * 60),
                &ctx.cancel,
            )
            .await
        {
            diags.error_at(
                AttributePath::attr(name::SERVICE_NAME),
                "No backup to read",
                format!("Waited for a backup of {name}, but {err}."),
            );
            return Value::Null;
        }
        match client.backups(&project, &name, &ctx.cancel).await {
            Ok(response) => {
                let range = response.pitr.as_ref().map(|p| &p.primary_region);
                Value::object([
                    ("project", Value::string(&project)),
                    ("service_name", Value::string(&name)),
                    ("wait_for_backup", config.get("wait_for_backup").clone()),
                    ("id", Value::string(state::service_id(&project, &name))),
                    (
                        "latest_backup_time",
                        Value::opt_string(response.backups.last().map(|b| b.backup_time.clone())),
                    ),
                    (
                        "pitr_range_start",
                        Value::opt_string(range.and_then(|r| r.pitr_range_start.clone())),
                    ),
                    (
                        "pitr_range_end",
                        // Null from the API means the window runs to now.
                        Value::opt_string(range.map(|r| {
                            r.pitr_range_end.clone().unwrap_or_else(|| {
                                timestamp::format_seconds(time::OffsetDateTime::now_utc())
                            })
                        })),
                    ),
                    (
                        "backups",
                        Value::List(
                            response
                                .backups
                                .iter()
                                .map(|b| {
                                    Value::object([
                                        ("backup_name", Value::string(&b.backup_name)),
                                        ("backup_time", Value::string(&b.backup_time)),
                                        ("data_size", Value::number(b.data_size)),
                                    ])
                                })
                                .collect(),
                        ),
                    ),
                ])
            }
            Err(err) => {
                diags.error_at(
                    AttributePath::attr(name::SERVICE_NAME),
                    "Cannot read backups",
                    format!("The Aiven API answered: {err}"),
                );
                Value::Null
            }
        }
    }
}

/// Service `name` of `project`, read with its secrets, for what looks one
/// up by name (`aiven_service_component`, the ephemeral resources); an
/// error at attribute `at` when the API cannot give it, saying plainly
/// when the service is not there.
pub async fn read_named(
    client: &Client,
    ctx: &Context<Client>,
    (project, name): (&str, &str),
    at: &str,
    diags: &mut Diagnostics,
) -> Option<Service> {
    match client.get_service(project, name, &ctx.cancel).await {
        Ok(service) => Some(service),
        Err(err) => {
            let detail = if err.is_not_found() {
                format!("Project {project:?} has no service {name:?}.")
            } else {
                format!("The Aiven API answered: {err}")
            };
            diags.push(
                Diagnostic::error("Cannot read the service", detail).at(AttributePath::attr(at)),
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::kind::PG;
    use tfplugin::schema::AttributeKind;

    #[test]
    fn the_data_source_schema_has_no_blocks_and_only_lookup_keys_required() {
        let schema = ServiceDataSource { kind: PG }.schema();
        assert!(schema.block.blocks.is_empty());
        let required: Vec<_> = schema
            .block
            .attributes
            .iter()
            .filter(|a| a.required)
            .map(|a| a.name.as_str())
            .collect();
        assert_eq!(required, vec!["project", "service_name"]);
        assert!(matches!(
            schema.block.attribute_named("pg_user_config").unwrap().kind,
            AttributeKind::Plain(Type::List(_))
        ));
    }
}
