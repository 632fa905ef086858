//! Resolving a fork request: its source, the backup to restore and the
//! point in time, checked against the source's recovery window.

use aiven_api::catalog::{self, ServiceType};
use aiven_api::timestamp;
use aiven_api::user_config::{
    PROJECT_TO_FORK_FROM, RECOVERY_BASEBACKUP_NAME, RECOVERY_TARGET_TIME, SERVICE_TO_FORK_FROM,
};
use serde_json::{Map, Value};
use time::OffsetDateTime;

use super::{Services, service_missing};
use crate::error::Error;
use crate::store::{ForkSource, ServiceRecord};

impl Services {
    pub(super) fn resolve_fork(
        &self,
        project: &str,
        service_type: &ServiceType,
        plan: &catalog::Plan,
        config: &Map<String, Value>,
    ) -> Result<Option<(ServiceRecord, ForkSource)>, Error> {
        let text = |key: &str| config.get(key).and_then(Value::as_str).map(str::to_owned);
        let target = text(RECOVERY_TARGET_TIME);
        let named_backup = text(RECOVERY_BASEBACKUP_NAME);
        let Some(source_name) = text(SERVICE_TO_FORK_FROM) else {
            if target.is_some() || named_backup.is_some() {
                return Err(Error::invalid(format!(
                    "user_config.{}: only valid together with user_config.{SERVICE_TO_FORK_FROM}",
                    if target.is_some() {
                        RECOVERY_TARGET_TIME
                    } else {
                        RECOVERY_BASEBACKUP_NAME
                    }
                )));
            }
            return Ok(None);
        };
        let source_project = text(PROJECT_TO_FORK_FROM).unwrap_or_else(|| project.to_owned());
        let source = self
            .store
            .service(&source_project, &source_name)?
            .ok_or_else(|| service_missing(&source_project, &source_name))?;
        if source.service_type != service_type.name {
            return Err(Error::invalid(format!(
                "user_config.{SERVICE_TO_FORK_FROM}: {source_name} is a {} service and cannot be forked into a {} service",
                source.service_type, service_type.name
            )));
        }
        if service_type.forks_keep_node_count && plan.node_count < source.node_count {
            return Err(Error::invalid(format!(
                "plan {} has {} nodes, but {source_name} has {}: {} services cannot be forked to fewer nodes",
                plan.name, plan.node_count, source.node_count, service_type.name
            )));
        }
        let backups = self.store.backups(&source_project, &source_name)?;
        let Some(newest) = backups.last() else {
            return Err(Error::invalid(format!(
                "Service {source_name} has no backup yet, so it cannot be forked. A first backup is taken right after \
                 the service starts running; try again shortly."
            )));
        };
        let backup_name = match (&target, &named_backup) {
            (Some(target), _) => {
                let target_time = timestamp::parse(target).map_err(|err| {
                    Error::invalid_at(format!("user_config.{RECOVERY_TARGET_TIME}"), err)
                })?;
                let window_start = timestamp::parse(&backups[0].time)
                    .map_err(|err| Error::internal(format!("stored backup time: {err}")))?;
                let window_end = OffsetDateTime::now_utc();
                if target_time < window_start || target_time > window_end {
                    return Err(Error::invalid(format!(
                        "user_config.{RECOVERY_TARGET_TIME}: {target} is outside the recovery window of {source_name}, \
                         which is {} to {}",
                        timestamp::format(window_start),
                        timestamp::format(window_end)
                    )));
                }
                backups
                    .iter()
                    .rev()
                    .find(|b| timestamp::parse(&b.time).is_ok_and(|t| t <= target_time))
                    .map(|b| b.name.clone())
                    .unwrap_or_else(|| backups[0].name.clone())
            }
            (None, Some(name)) => {
                if !backups.iter().any(|b| &b.name == name) {
                    let available: Vec<&str> = backups.iter().map(|b| b.name.as_str()).collect();
                    return Err(Error::invalid(format!(
                        "user_config.{RECOVERY_BASEBACKUP_NAME}: {source_name} has no backup {name:?}; available: {}",
                        available.join(", ")
                    )));
                }
                name.clone()
            }
            (None, None) => newest.name.clone(),
        };
        let target_time = target
            .map(|t| timestamp::parse(&t).map(timestamp::format))
            .transpose()
            .map_err(|err| Error::invalid_at(format!("user_config.{RECOVERY_TARGET_TIME}"), err))?;
        let fork = ForkSource {
            project: source_project,
            service: source_name,
            target_time,
            backup_name,
        };
        Ok(Some((source, fork)))
    }
}
