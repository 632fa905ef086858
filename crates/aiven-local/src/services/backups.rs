//! Backups: taken after creation and on a schedule, pruned to the
//! retention count together with the WAL only they needed, and listed
//! with the point-in-time recovery window.

use aiven_api::types::ServiceState;
use std::sync::Arc;

use aiven_api::catalog;
use aiven_api::types::{Backup, BackupsResponse, Pitr, PitrRange};
use time::OffsetDateTime;
use tokio::signal::unix::{SignalKind, signal};

use super::{JobError, Services, now};
use crate::engines::EngineError;
use crate::error::Error;
use crate::store::{AccountsAt, BackupRecord, ServiceRecord};

impl Services {
    /// Takes a backup now: the engine's own, or a catalog entry for a
    /// service without one.
    pub async fn take_backup(&self, project: &str, name: &str) -> Result<BackupRecord, JobError> {
        let record = self.store.service(project, name)?.ok_or(JobError::Gone)?;
        let started = OffsetDateTime::now_utc();
        let backup_name = format!(
            "backup-{}-{:04}",
            started
                .format(time::macros::format_description!(
                    "[year][month][day]T[hour][minute][second]"
                ))
                .unwrap_or_default(),
            fastrand::u16(0..10000)
        );
        let (engine, at) = self.instance(&record);
        if engine.runs() {
            // A backup is at most the data it copies; starting one that
            // cannot fit would also fill the disk under the live engine.
            let data = engine.data_dir(&at.paths);
            crate::disk::ensure_room(&at.paths.root, crate::disk::size_of(&data))
                .map_err(JobError::NoRoom)?;
        }
        let size = engine.backup(&at, &backup_name).await?;
        let backup = BackupRecord {
            name: backup_name,
            time: now(),
            size,
            // As the record was when the backup started: what its data holds.
            accounts: Some(AccountsAt {
                users: record.users.clone(),
                databases: record.databases.clone(),
                pools: record.pools.clone(),
            }),
        };
        self.store.add_backup(project, name, &backup)?;
        self.apply_retention(&record).await?;
        Ok(backup)
    }

    /// Keeps the newest `backup_retention` backups of a service. What the
    /// engine archived before the oldest kept backup goes too, so the
    /// recovery window starts at that backup, as the API reports.
    async fn apply_retention(&self, record: &ServiceRecord) -> Result<(), JobError> {
        let backups = self.store.backups(&record.project, &record.name)?;
        let Some(excess) = backups
            .len()
            .checked_sub(self.backup_retention)
            .filter(|n| *n > 0)
        else {
            return Ok(());
        };
        let paths = self.paths(&record.project, &record.name);
        for old in &backups[..excess] {
            self.store
                .delete_backup(&record.project, &record.name, &old.name)?;
            let dir = paths.backup(&old.name);
            if dir.exists() {
                std::fs::remove_dir_all(&dir)
                    .map_err(|err| EngineError::io("remove backup", &dir, err))?;
            }
        }
        let engine = self.engines.of(record);
        engine.prune_archive(&paths, &backups[excess].name).await?;
        Ok(())
    }

    /// Backs up every running service once per interval, and at once on
    /// SIGUSR1: a backup on demand for an operator about to fork (the
    /// hosted API has no such call; its schedule is the only way), and
    /// for tests that need a backup between two writes.
    pub fn spawn_backup_schedule(self: &Arc<Self>) {
        let services = Arc::clone(self);
        let mut asked = signal(SignalKind::user_defined1())
            .map_err(|err| tracing::warn!(error = %err, "no backups on SIGUSR1"))
            .ok();
        self.tasks.spawn(async move {
            loop {
                let now_asked = async {
                    match asked.as_mut() {
                        Some(signal) => signal.recv().await,
                        None => std::future::pending().await,
                    }
                };
                tokio::select! {
                    _ = tokio::time::sleep(services.backup_interval) => {}
                    _ = now_asked => tracing::info!("SIGUSR1: backing up every running service now"),
                    _ = services.shutdown.cancelled() => return,
                }
                let Ok(all) = services.store.services(None) else { continue };
                for record in all.into_iter().filter(|r| r.state == ServiceState::Running) {
                    if let Err(err) = services.take_backup(&record.project, &record.name).await {
                        tracing::warn!(service = %record.name, error = %err, "scheduled backup failed");
                    }
                }
            }
        });
    }

    /// Archives every running service's finished change log, once a
    /// second, so that a fork can recover up to a second ago even if its
    /// source's engine stops.
    pub fn spawn_archiver(self: &Arc<Self>) {
        let services = Arc::clone(self);
        self.tasks.spawn(async move {
            loop {
                tokio::select! {
                    _ = tokio::time::sleep(std::time::Duration::from_secs(1)) => {}
                    _ = services.shutdown.cancelled() => return,
                }
                let Ok(all) = services.store.services(None) else {
                    continue;
                };
                for record in all.iter().filter(|r| r.state == ServiceState::Running) {
                    let (engine, at) = services.instance(record);
                    if let Err(err) = engine.archive(&at.paths).await {
                        tracing::warn!(service = %record.name, error = %err, "archiving failed");
                    }
                }
            }
        });
    }

    /// A service's backups as the API lists them, oldest first.
    pub(super) fn api_backups(&self, record: &ServiceRecord) -> Result<Vec<Backup>, Error> {
        let paths = self.paths(&record.project, &record.name);
        let engine = self.engines.of(record);
        Ok(self
            .store
            .backups(&record.project, &record.name)?
            .into_iter()
            .map(|b| Backup {
                storage_location: Some(engine.storage_location(&paths, &b.name)),
                cloud: record.cloud.clone(),
                backup_name: b.name,
                backup_time: b.time,
                data_size: b.size,
            })
            .collect())
    }

    pub fn backups(&self, project: &str, name: &str) -> Result<BackupsResponse, Error> {
        let record = self.get(project, name)?;
        let backups = self.api_backups(&record)?;
        // A type with point-in-time recovery always reports its window; the
        // start is null until a backup allows recovery.
        let pitr = catalog::service_type(&record.service_type)
            .filter(|t| t.point_in_time_recovery)
            .map(|_| Pitr {
                primary_region: PitrRange {
                    pitr_range_start: backups.first().map(|b| b.backup_time.clone()),
                    pitr_range_end: Some(now()),
                },
                additional_regions: Vec::new(),
            });
        Ok(BackupsResponse { backups, pitr })
    }
}
