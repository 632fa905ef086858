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
use crate::store::{BackupRecord, ForkSource, ServiceRecord};

/// Where in a request each fork key is, for errors that name it.
fn at(key: &str) -> String {
    format!("user_config.{key}")
}

impl Services {
    /// The source a fork request names and what to restore from it, or
    /// `None` when the request is not a fork. Every error a fork can meet
    /// is found here, before anything is created.
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
            return match (&target, &named_backup) {
                (None, None) => Ok(None),
                (Some(_), _) => Err(without_source(RECOVERY_TARGET_TIME)),
                (None, Some(_)) => Err(without_source(RECOVERY_BASEBACKUP_NAME)),
            };
        };
        let source_project = text(PROJECT_TO_FORK_FROM).unwrap_or_else(|| project.to_owned());
        let source = self
            .store
            .service(&source_project, &source_name)?
            .ok_or_else(|| service_missing(&source_project, &source_name))?;
        check_source_fits(&source, service_type, plan)?;
        let backups = self.store.backups(&source_project, &source_name)?;
        let backup = match (&target, &named_backup) {
            (Some(target), _) => backup_before(&backups, &source_name, target)?,
            (None, Some(name)) => named(&backups, &source_name, name)?,
            (None, None) => newest(&backups, &source_name)?,
        };
        let target_time = target
            .map(|t| timestamp::parse(&t).map(timestamp::format))
            .transpose()
            .map_err(|err| Error::invalid_at(at(RECOVERY_TARGET_TIME), err))?;
        // A fork of a backup alone has the users, databases and pools its
        // data has: the source's as they were when the backup was taken.
        let mut source = source;
        if let (None, Some(accounts)) = (&target_time, &backup.accounts) {
            source.users = accounts.users.clone();
            source.databases = accounts.databases.clone();
            source.pools = accounts.pools.clone();
        }
        let fork = ForkSource {
            project: source_project,
            service: source_name,
            target_time,
            backup_name: backup.name.clone(),
            backup_time: Some(backup.time.clone()),
        };
        Ok(Some((source, fork)))
    }
}

fn without_source(key: &str) -> Error {
    let message = format!("only valid together with user_config.{SERVICE_TO_FORK_FROM}");
    Error::invalid_at(at(key), message)
}

/// The same type, and for types whose forks keep their nodes, no fewer.
fn check_source_fits(
    source: &ServiceRecord,
    service_type: &ServiceType,
    plan: &catalog::Plan,
) -> Result<(), Error> {
    if source.service_type != service_type.name {
        let message = format!(
            "{} is a {} service and cannot be forked into a {} service",
            source.name, source.service_type, service_type.name
        );
        return Err(Error::invalid_at(at(SERVICE_TO_FORK_FROM), message));
    }
    if service_type.forks_keep_node_count && plan.node_count < source.node_count {
        return Err(Error::invalid(format!(
            "plan {} has {} nodes, but {} has {}: {} services cannot be forked to fewer nodes",
            plan.name, plan.node_count, source.name, source.node_count, service_type.name
        )));
    }
    Ok(())
}

fn newest<'b>(backups: &'b [BackupRecord], source: &str) -> Result<&'b BackupRecord, Error> {
    match backups.last() {
        Some(backup) => Ok(backup),
        None => Err(Error::invalid(format!(
            "Service {source} has no backup yet, so it cannot be forked. A first backup is taken right after \
             the service starts running; try again shortly."
        ))),
    }
}

fn named<'b>(
    backups: &'b [BackupRecord],
    source: &str,
    name: &str,
) -> Result<&'b BackupRecord, Error> {
    newest(backups, source)?;
    if let Some(backup) = backups.iter().find(|b| b.name == name) {
        return Ok(backup);
    }
    let available: Vec<&str> = backups.iter().map(|b| b.name.as_str()).collect();
    let message = format!(
        "{source} has no backup {name:?}; available: {}",
        available.join(", ")
    );
    Err(Error::invalid_at(at(RECOVERY_BASEBACKUP_NAME), message))
}

/// The newest backup taken at or before `target`, which must lie in the
/// recovery window: from the oldest backup to now.
fn backup_before<'b>(
    backups: &'b [BackupRecord],
    source: &str,
    target: &str,
) -> Result<&'b BackupRecord, Error> {
    newest(backups, source)?;
    let target_time =
        timestamp::parse(target).map_err(|err| Error::invalid_at(at(RECOVERY_TARGET_TIME), err))?;
    let window_start = timestamp::parse(&backups[0].time)
        .map_err(|err| Error::internal(format!("stored backup time: {err}")))?;
    let window_end = OffsetDateTime::now_utc();
    if target_time < window_start || target_time > window_end {
        let message = format!(
            "{target} is outside the recovery window of {source}, which is {} to {}",
            timestamp::format(window_start),
            timestamp::format(window_end)
        );
        return Err(Error::invalid_at(at(RECOVERY_TARGET_TIME), message));
    }
    let taken_before =
        |b: &&BackupRecord| timestamp::parse(&b.time).is_ok_and(|t| t <= target_time);
    Ok(backups
        .iter()
        .rev()
        .find(taken_before)
        .unwrap_or(&backups[0]))
}
