//! Bringing the store and the disk back in line after a start: engines
//! started, interrupted provisioning begun again, and what a crash left
//! behind (data of deleted services and projects, backups no run
//! recorded) removed.

use super::*;

impl Services {
    /// Brings the store and the disk back in line after a start: running
    /// services get their clusters started, interrupted provisioning
    /// starts over from a clean directory.
    pub async fn reconcile(self: &Arc<Self>) {
        let Ok(all) = self.store.services(None) else {
            return;
        };
        self.remove_orphans(&all).await;
        self.remove_orphaned_projects();
        for record in &all {
            self.remove_unrecorded_backups(record);
        }
        for record in all {
            let paths = self.paths(&record.project, &record.name);
            match record.state {
                ServiceState::Rebuilding if has_failed(&record) => {
                    tracing::info!(service = %record.name, "provisioning failed before; not retried");
                }
                // Provisioned, but its engine did not start last time: its
                // data is whole, so it is started, never provisioned again.
                ServiceState::Rebuilding if engine_failed(&record) => {
                    self.start_engine(&record).await;
                    self.spawn_first_backup_if_missing(record);
                }
                ServiceState::Rebuilding => {
                    tracing::info!(service = %record.name, "resuming interrupted provisioning");
                    // A half-made engine may still run from before the crash.
                    let _ = self.engines.of(&record).stop(&paths, Stop::Immediate).await;
                    self.spawn_provision(record);
                }
                ServiceState::Running => {
                    self.start_engine(&record).await;
                    self.spawn_first_backup_if_missing(record);
                }
                _ => {}
            }
        }
    }

    /// Starts a running service's engine, and what serves its pools, unless
    /// they run already.
    pub(super) async fn start_engine(&self, record: &ServiceRecord) {
        let (engine, at) = self.instance(record);
        if let Err(err) = self.issue_certificate(engine, record, &at.paths) {
            tracing::error!(service = %record.name, error = %err, "cannot issue the certificate");
            return;
        }
        if !engine.is_running(&at.paths).await {
            let started = engine.start(&at).await;
            if let Err(err) = &started {
                tracing::error!(service = %record.name, error = %err, "cannot start the engine");
            }
            self.note_engine_start(record, started.as_ref().err());
            if started.is_err() {
                return;
            }
        } else {
            self.note_engine_start(record, None);
        }
        if let Err(err) = engine.serve_pools(&at).await {
            tracing::error!(service = %record.name, error = %err, "cannot serve the pools");
        }
    }

    /// Says on the service why its engine did not start (where a user
    /// looks: its notifications) and that it is not running
    /// (`REBUILDING`, as the platform says of a service whose nodes are
    /// being brought back), and takes both back once it starts.
    pub(super) fn note_engine_start(&self, record: &ServiceRecord, failed: Option<&EngineError>) {
        if failed.is_none() && !engine_failed(record) {
            return;
        }
        let _ = self
            .store
            .update_service(&record.project, &record.name, |r| {
                let was_down = engine_failed(r);
                r.notifications.retain(|n| n.kind != ENGINE_FAILED);
                match (failed, was_down) {
                    (Some(_), _) => r.state = ServiceState::Rebuilding,
                    (None, true) => r.state = ServiceState::Running,
                    (None, false) => {}
                }
                if let Some(err) = failed {
                    r.notifications.push(ServiceNotification {
                        level: "warning".into(),
                        message: format!("The service's engine did not start when aiven-local did: {err}. Its data is kept; restart aiven-local once the cause is gone."),
                        kind: ENGINE_FAILED.into(),
                        metadata: Map::new(),
                    });
                }
                Ok(())
            });
    }

    /// A crash between a service's start and its first backup leaves it
    /// RUNNING with nothing to fork from until the next scheduled backup:
    /// take that first backup now, in the background, so that start-up
    /// does not wait on it.
    pub(super) fn spawn_first_backup_if_missing(self: &Arc<Self>, record: ServiceRecord) {
        let has_backup = self
            .store
            .backups(&record.project, &record.name)
            .is_ok_and(|b| !b.is_empty());
        if has_backup {
            return;
        }
        let services = Arc::clone(self);
        self.tasks.spawn(async move {
            tracing::info!(service = %record.name, "taking the first backup a crash interrupted");
            let backup = tokio::select! {
                backup = services.take_backup(&record.project, &record.name) => backup,
                _ = services.shutdown.cancelled() => return,
            };
            if let Err(err) = backup {
                tracing::warn!(service = %record.name, error = %err, "first backup failed");
            }
        });
    }

    /// Removes a service's backup directories the catalog does not list:
    /// backups a crash (`kill -9`) cut short, or finished but never
    /// recorded. Nothing lists them, so no retention would ever remove
    /// them. Called before anything can start a new backup.
    pub(super) fn remove_unrecorded_backups(&self, record: &ServiceRecord) {
        let Ok(recorded) = self.store.backups(&record.project, &record.name) else {
            return;
        };
        let paths = self.paths(&record.project, &record.name);
        let Ok(entries) = std::fs::read_dir(paths.backups()) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if recorded.iter().any(|b| b.name == name) {
                continue;
            }
            tracing::warn!(service = %record.name, backup = %name, "removing a backup no crash-free run recorded");
            if let Err(err) = std::fs::remove_dir_all(entry.path()) {
                tracing::error!(error = %err, "cannot remove an unrecorded backup");
            }
        }
    }

    /// Removes service directories the store no longer knows, left by a
    /// crash between deleting a record and deleting its data.
    pub(super) async fn remove_orphans(&self, known: &[ServiceRecord]) {
        let services = self.data_dir.join("services");
        let Ok(projects) = std::fs::read_dir(&services) else {
            return;
        };
        for project in projects.flatten() {
            let Ok(entries) = std::fs::read_dir(project.path()) else {
                continue;
            };
            for entry in entries.flatten() {
                let project_name = project.file_name().to_string_lossy().into_owned();
                let service_name = entry.file_name().to_string_lossy().into_owned();
                if known
                    .iter()
                    .any(|r| r.project == project_name && r.name == service_name)
                {
                    continue;
                }
                tracing::warn!(project = %project_name, service = %service_name, "removing data of a deleted service");
                let paths = self.paths(&project_name, &service_name);
                for engine in self.engines.all() {
                    let _ = engine.stop(&paths, Stop::Immediate).await;
                }
                if let Err(err) = std::fs::remove_dir_all(&paths.root) {
                    tracing::error!(error = %err, "cannot remove orphaned service data");
                }
            }
        }
    }

    /// Removes what a deleted project kept on disk: its (empty) services
    /// directory, and its CA, so that a project made again by the same
    /// name gets a CA of its own.
    pub fn remove_project_files(&self, project: &str) {
        for dir in [
            self.data_dir.join("services").join(project),
            self.data_dir.join("ca").join(project),
        ] {
            match std::fs::remove_dir_all(&dir) {
                Ok(()) => {}
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
                Err(err) => {
                    tracing::error!(dir = %dir.display(), error = %err, "cannot remove a deleted project's files");
                }
            }
        }
    }

    /// Removes the files of projects the store no longer knows (a crash
    /// between deleting a project and its files), and CA staging
    /// directories a crash left half made.
    pub(super) fn remove_orphaned_projects(&self) {
        let Ok(known) = self.store.projects() else {
            return;
        };
        for parent in ["services", "ca"] {
            let Ok(entries) = std::fs::read_dir(self.data_dir.join(parent)) else {
                continue;
            };
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                if known.contains(&name) {
                    continue;
                }
                tracing::warn!(project = %name, kind = parent, "removing files of a deleted project");
                if let Err(err) = std::fs::remove_dir_all(entry.path()) {
                    tracing::error!(error = %err, "cannot remove a deleted project's files");
                }
            }
        }
    }
}
