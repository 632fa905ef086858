//! Backups: taken after creation and on a schedule, pruned to the
//! retention count together with the WAL only they needed, and listed
//! with the point-in-time recovery window.

use aiven_api::types::ServiceState;
use std::sync::Arc;

use aiven_api::catalog;
use aiven_api::types::{Backup, BackupsResponse, Pitr, PitrRange};
use time::OffsetDateTime;

use super::{JobError, Services, is_pg, login, now};
use crate::error::Error;
use crate::postgres::EngineError;
use crate::store::{BackupRecord, ServiceRecord};

impl Services {
    /// Takes a backup now: a real base backup for pg, a catalog entry for
    /// types without an engine.
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
        let size = if is_pg(&record) {
            let port = record
                .port
                .ok_or(JobError::Inconsistent("pg service without a port"))?;
            let paths = self.paths(project, name);
            // A backup is at most the data it copies; starting one that
            // cannot fit would also checkpoint the cluster into a full disk.
            crate::disk::ensure_room(&paths.root, crate::disk::size_of(&paths.data()))
                .map_err(JobError::NoRoom)?;
            self.postgres
                .base_backup(&paths, port, login(&record), &backup_name)
                .await?
        } else {
            0
        };
        let backup = BackupRecord {
            name: backup_name,
            time: now(),
            size,
        };
        self.store.add_backup(project, name, &backup)?;
        self.apply_retention(&record).await?;
        Ok(backup)
    }

    /// Keeps the newest `backup_retention` backups of a service. For pg the
    /// archived WAL older than the oldest kept backup goes too, so the
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
        if is_pg(record)
            && let Some(first_needed) = self
                .postgres
                .backup_start_segment(&paths, &backups[excess].name)
        {
            self.postgres.prune_archive(&paths, &first_needed).await?;
        }
        Ok(())
    }

    /// Backs up every running service once per interval.
    pub fn spawn_backup_schedule(self: &Arc<Self>) {
        let services = Arc::clone(self);
        self.tasks.spawn(async move {
            loop {
                tokio::select! {
                    _ = tokio::time::sleep(services.backup_interval) => {}
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

    /// A service's backups as the API lists them, oldest first.
    pub(super) fn api_backups(&self, record: &ServiceRecord) -> Result<Vec<Backup>, Error> {
        let root = self.paths(&record.project, &record.name).root;
        Ok(self
            .store
            .backups(&record.project, &record.name)?
            .into_iter()
            .map(|b| Backup {
                storage_location: Some(if is_pg(record) {
                    format!("file://{}", root.join("backups").join(&b.name).display())
                } else {
                    "aiven-local catalog (no engine)".to_owned()
                }),
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
