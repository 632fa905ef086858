//! Plan-time checks: everything that can be known wrong before anything
//! is created, from names and formats to a fork's source and its recovery
//! window. Each error names the attribute it is about.

use aiven_api::types::ServiceState;
use aiven_api::user_config::{
    ConfigError, ConfigStep, PROJECT_TO_FORK_FROM, RECOVERY_BASEBACKUP_NAME, RECOVERY_TARGET_TIME,
    SERVICE_TO_FORK_FROM,
};
use aiven_api::{catalog, names, timestamp};
use tfplugin::diag::{AttributePath, Diagnostics, PathStep};
use tfplugin::value::Value;

use super::kind::ServiceKind;
use super::resource::{ServiceResource, api_diagnostic, user_config_path};
use super::schema::{IP_FILTER_FORMS, TIMEOUTS};
use super::state::parse_disk;
use super::user_config;
use super::wait;
use crate::client::Client;

/// Where a `user_config` error is in the configuration. Every object in
/// `user_config` is a block written once, so a key followed by another key
/// is `name[0]`. A list element is reported at its attribute: the lists
/// here are sets in Terraform, whose elements have no index.
fn attribute_path(kind: &ServiceKind, error: &ConfigError) -> AttributePath {
    let mut path = AttributePath::attr(kind.user_config_block).index(0);
    let mut steps = error.path.iter().peekable();
    while let Some(ConfigStep::Key(key)) = steps.next() {
        path.push(PathStep::Attribute(key.clone()));
        if let Some(ConfigStep::Key(_)) = steps.peek() {
            path.push(PathStep::Index(0));
        }
    }
    path
}

impl ServiceResource {
    pub(super) fn check_static(&self, config: &Value, diags: &mut Diagnostics) {
        let text = |name: &str| config.get(name).as_str().map(str::to_owned);
        if let Some(project) = text("project")
            && let Err(message) = names::check_project_name(&project)
        {
            diags.error_at(
                AttributePath::attr("project"),
                "Invalid project name",
                message,
            );
        }
        if let Some(name) = text("service_name")
            && let Err(message) = names::check_service_name(&name)
        {
            diags.error_at(
                AttributePath::attr("service_name"),
                "Invalid service name",
                message,
            );
        }
        if let Some(cloud) = text("cloud_name")
            && let Err(message) = names::check_cloud_name(&cloud)
        {
            diags.error_at(
                AttributePath::attr("cloud_name"),
                "Invalid cloud name",
                message,
            );
        }
        if let Some(Err(message)) =
            text("maintenance_window_dow").map(|dow| names::check_maintenance_day(&dow))
        {
            diags.error_at(
                AttributePath::attr("maintenance_window_dow"),
                "Invalid maintenance day",
                format!("maintenance_window_dow: {message}"),
            );
        }
        if let Some(Err(message)) =
            text("maintenance_window_time").map(|time| names::check_maintenance_time(&time))
        {
            diags.error_at(
                AttributePath::attr("maintenance_window_time"),
                "Invalid maintenance time",
                format!("maintenance_window_time: {message}"),
            );
        }
        for attribute in ["disk_space", "additional_disk_space"] {
            if let Some(size) = text(attribute)
                && parse_disk(&size).is_none()
            {
                diags.error_at(
                    AttributePath::attr(attribute),
                    "Invalid disk size",
                    format!(
                        "{attribute} {size:?} is invalid; use whole gibibytes such as \"10GiB\""
                    ),
                );
            }
        }
        for which in ["create", "update", "delete", "read", "default"] {
            if let Some(duration) = config.get(TIMEOUTS).get(which).as_str()
                && wait::parse_duration(duration).is_none()
            {
                diags.error_at(
                    AttributePath::attr(TIMEOUTS).then(which),
                    "Invalid timeout",
                    format!("{duration:?} is not a duration; use forms like 90s, 20m or 1h30m"),
                );
            }
        }
        let Some(type_name) = self.service_type(config) else {
            return;
        };
        let Some(service_type) = catalog::service_type(type_name) else {
            diags.error_at(
                AttributePath::attr("service_type"),
                "Unknown service type",
                format!(
                    "service_type {type_name:?} is not supported; use one of {}",
                    catalog::service_type_names()
                ),
            );
            return;
        };
        if let Some(plan) = text("plan")
            && catalog::plan(service_type, &plan).is_none()
        {
            diags.error_at(
                AttributePath::attr("plan"),
                "Unknown plan",
                catalog::unknown_plan_message(service_type, &plan),
            );
        }
        let block = self.kind.user_config(config);
        let target = block.get(RECOVERY_TARGET_TIME);
        if !target.is_null() && block.get(SERVICE_TO_FORK_FROM).is_null() {
            diags.error_at(
                user_config_path(&self.kind, RECOVERY_TARGET_TIME),
                "recovery_target_time needs a fork source",
                format!("recovery_target_time only applies to a fork: set {SERVICE_TO_FORK_FROM} to the service to restore from."),
            );
        }
        let written: Vec<&str> = IP_FILTER_FORMS
            .into_iter()
            .filter(|name| user_config::ip_filter_written(block, name))
            .collect();
        if written.len() > 1 {
            diags.error_at(
                user_config_path(&self.kind, written[1]),
                "Conflicting IP filters",
                format!(
                    "{} all set the service's one IP filter: keep one of them.",
                    written.join(" and ")
                ),
            );
        }
        match self.user_config_json(config, true) {
            Ok(json) => {
                if let Err(error) = aiven_api::user_config::validate(service_type, &json) {
                    let path = attribute_path(&self.kind, &error);
                    diags.error_at(path, "Invalid user_config", error.to_string());
                }
            }
            Err(diagnostic) => diags.push(diagnostic),
        }
    }

    /// Checks a fork against its source when the source already exists:
    /// the recovery window, and a source that can never produce a backup.
    /// A source that does not exist yet may be created in this same apply,
    /// so its absence is not an error here.
    pub(super) async fn check_fork_source(
        &self,
        client: &Client,
        ctx_cancel: &tfplugin::CancellationToken,
        planned: &Value,
        diags: &mut Diagnostics,
    ) {
        let block = self.kind.user_config(planned);
        let Some(source) = block.get(SERVICE_TO_FORK_FROM).as_str() else {
            return;
        };
        let Some(project) = block
            .get(PROJECT_TO_FORK_FROM)
            .as_str()
            .or(planned.get("project").as_str())
        else {
            return;
        };
        let service = match client.get_service(project, source, ctx_cancel).await {
            Ok(service) => service,
            Err(err) if err.is_not_found() => return,
            Err(err) => {
                diags.push(
                    api_diagnostic("Cannot check the fork source", &err)
                        .at(user_config_path(&self.kind, SERVICE_TO_FORK_FROM)),
                );
                return;
            }
        };
        if let Some(expected) = self.service_type(planned)
            && catalog::service_type(expected).map(|t| t.name)
                != Some(service.service_type.as_str())
        {
            diags.error_at(
                user_config_path(&self.kind, SERVICE_TO_FORK_FROM),
                "Fork source has another type",
                format!("{source} is a {} service; a {expected} service can only be forked from a {expected} service.", service.service_type),
            );
            return;
        }
        let service_type = catalog::service_type(&service.service_type);
        // The reply may leave node_count out; the nodes it lists, or else
        // its plan, say the same.
        let source_nodes = service
            .node_count
            .or_else(|| service.node_states.as_ref().map(|n| n.len() as i64))
            .or_else(|| {
                service_type
                    .and_then(|t| catalog::plan(t, &service.plan))
                    .map(|p| p.node_count)
            });
        if let (Some(t), Some(plan_name), Some(source_nodes)) =
            (service_type, planned.get("plan").as_str(), source_nodes)
            && t.forks_keep_node_count
            && let Some(plan) = catalog::plan(t, plan_name)
            && plan.node_count < source_nodes
        {
            diags.error_at(
                AttributePath::attr("plan"),
                "Fork to fewer nodes",
                format!(
                    "Plan {plan_name} has {} nodes, but {source} has {}: {} services cannot be forked to a plan with fewer nodes. Choose a plan with at least {} nodes.",
                    plan.node_count, source_nodes, t.name, source_nodes
                ),
            );
            return;
        }
        if service.state == ServiceState::Poweroff
            && client
                .backups(project, source, ctx_cancel)
                .await
                .is_ok_and(|b| b.backups.is_empty())
        {
            diags.error_at(
                user_config_path(&self.kind, SERVICE_TO_FORK_FROM),
                "Fork source has no backup",
                format!("{source} is powered off and has no backup, so it cannot be forked. Power it on so a backup is taken."),
            );
            return;
        }
        if let Some(name) = block.get(RECOVERY_BASEBACKUP_NAME).as_str() {
            match client.backups(project, source, ctx_cancel).await {
                Ok(backups) if !backups.backups.iter().any(|b| b.backup_name == name) => {
                    let available: Vec<&str> = backups
                        .backups
                        .iter()
                        .map(|b| b.backup_name.as_str())
                        .collect();
                    diags.error_at(
                        user_config_path(&self.kind, RECOVERY_BASEBACKUP_NAME),
                        "No such backup",
                        format!(
                            "{source} has no backup {name:?}; available: {}.",
                            available.join(", ")
                        ),
                    );
                }
                Ok(_) => {}
                Err(err) => diags.push(api_diagnostic(
                    "Cannot read the fork source's backups",
                    &err,
                )),
            }
            return;
        }
        let Some(target) = block.get(RECOVERY_TARGET_TIME).as_str() else {
            return;
        };
        let Ok(target_time) = timestamp::parse(target) else {
            return;
        };
        let backups = match client.backups(project, source, ctx_cancel).await {
            Ok(backups) => backups,
            Err(err) => {
                diags.push(
                    api_diagnostic("Cannot read the fork source's backups", &err)
                        .at(user_config_path(&self.kind, RECOVERY_TARGET_TIME)),
                );
                return;
            }
        };
        let now = time::OffsetDateTime::now_utc();
        let window = match &backups.pitr {
            // The API reports the window; a null start means no backup
            // allows point-in-time recovery yet.
            Some(pitr) => pitr.primary_region.pitr_range_start.clone(),
            None => backups.backups.first().map(|b| b.backup_time.clone()),
        };
        let window_start = window.as_deref().and_then(|t| timestamp::parse(t).ok());
        let out_of_window = match window_start {
            Some(start) => target_time < start || target_time > now,
            None => true,
        };
        if out_of_window {
            let window = match window_start {
                Some(start) => format!("from {} (its first backup) to now ({})", timestamp::format(start), timestamp::format_seconds(now)),
                None => "empty: no backup of it allows point-in-time recovery yet, so no time can be targeted until its first backup completes".to_owned(),
            };
            diags.error_at(
                user_config_path(&self.kind, RECOVERY_TARGET_TIME),
                "recovery_target_time outside the recovery window",
                format!("{target} is outside the recovery window of {source}, which is {window}."),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::kind::PG;

    #[test]
    fn validation_errors_point_at_their_attribute_through_nested_blocks() {
        let pg = catalog::service_type("pg").unwrap();
        let path_of = |config: serde_json::Value| {
            let config = config.as_object().unwrap().clone();
            let error = aiven_api::user_config::validate(pg, &config).unwrap_err();
            attribute_path(&PG, &error).to_string()
        };
        let deep = serde_json::json!({"pg": {"max_connections": 5}});
        assert_eq!(path_of(deep), "pg_user_config[0].pg[0].max_connections");
        let top = serde_json::json!({"recovery_target_time": "bad"});
        assert_eq!(path_of(top), "pg_user_config[0].recovery_target_time");
        let element = serde_json::json!({"ip_filter": ["10.0.0.0/8", 7]});
        assert_eq!(path_of(element), "pg_user_config[0].ip_filter");
    }

    #[test]
    fn clock_times_are_checked() {
        assert!(names::check_maintenance_time("02:30:00").is_ok());
        assert!(names::check_maintenance_time("2:30").is_err());
        assert!(names::check_maintenance_time("25:00:00").is_err());
    }

    #[test]
    fn never_is_no_maintenance_day_a_request_may_set() {
        let err = names::check_maintenance_day("never").unwrap_err();
        assert!(
            err.contains("cannot") || err.contains("not requested"),
            "{err}"
        );
        assert!(names::check_maintenance_day("sunday").is_ok());
    }
}
