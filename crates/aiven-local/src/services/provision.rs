//! Provisioning in the background: a new service's engine made, or a
//! fork restored from the backup pinned for it, then its settings and
//! pools; REBUILDING until it runs, and a failure said once.

use super::*;

impl Services {
    pub(super) fn spawn_provision(self: &Arc<Self>, record: ServiceRecord) {
        let services = Arc::clone(self);
        let key = (record.project.clone(), record.name.clone());
        // Held until the handle is stored, so the task cannot finish and
        // remove its entry before it is there.
        let mut in_flight = self
            .provisioning
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let task_key = key.clone();
        let handle = self.tasks.spawn(async move {
            let result = tokio::select! {
                result = services.provision(&record) => result,
                _ = services.shutdown.cancelled() => return,
            };
            match result {
                Ok(()) => {
                    let _ =
                        services.set_state(&record.project, &record.name, ServiceState::Running);
                    if let Err(err) = services.take_backup(&record.project, &record.name).await {
                        tracing::warn!(service = %record.name, error = %err, "first backup failed");
                    }
                }
                Err(err) => services.provisioning_failed(&record, &err).await,
            }
            if let Ok(mut in_flight) = services.provisioning.lock() {
                in_flight.remove(&task_key);
            }
        });
        in_flight.insert(key, handle);
    }

    /// Records why provisioning failed, once: the service says so in its
    /// notifications and is not provisioned again at the next start.
    pub(super) async fn provisioning_failed(&self, record: &ServiceRecord, err: &JobError) {
        tracing::error!(service = %record.name, error = %err, "provisioning failed");
        let (engine, at) = self.instance(record);
        let _ = engine.stop(&at.paths, Stop::Immediate).await;
        let _ = self
            .store
            .update_service(&record.project, &record.name, |r| {
                r.notifications.push(ServiceNotification {
                    level: "warning".into(),
                    message: format!("Provisioning failed: {err}"),
                    kind: PROVISIONING_FAILED.into(),
                    metadata: Map::new(),
                });
                Ok(())
            });
    }

    /// Ends a service's provisioning, if any is in flight, and waits until
    /// it has stopped.
    pub(super) async fn end_provisioning(&self, project: &str, name: &str) {
        let handle = self
            .provisioning
            .lock()
            .ok()
            .and_then(|mut in_flight| in_flight.remove(&(project.to_owned(), name.to_owned())));
        if let Some(handle) = handle {
            handle.abort();
            let _ = handle.await;
        }
    }

    /// Makes the service's engine: a new one, or a fork restored from the
    /// backup and archive pinned for it; then the settings as the record
    /// has them now, and its pools.
    pub(super) async fn provision(&self, record: &ServiceRecord) -> Result<(), JobError> {
        let (engine, at) = self.instance(record);
        // A crash of aiven-local in the middle of a provisioning may have
        // left that attempt's engine starting on these directories, which
        // are about to be made afresh: it goes first (every engine writes
        // its pid file as it starts, so one still starting is found).
        engine.stop(&at.paths, Stop::Immediate).await?;
        self.issue_certificate(engine, record, &at.paths)?;
        match (&record.fork, &record.follows) {
            (_, Some(follow)) if engine.runs() => self.provision_replica(record, follow).await?,
            (Some(fork), _) if engine.runs() => {
                // Pinned when the fork was asked for (see pin_fork_source);
                // linking again is a no-op then, and recovers links a
                // crash interrupted.
                let source_paths = self.paths(&fork.project, &fork.service);
                engines::link_restore_source(&source_paths, &fork.backup_name, &at.paths)?;
                tracing::info!(
                    service = %record.name,
                    source = %format!("{}/{}", fork.project, fork.service),
                    backup = %fork.backup_name,
                    to = fork.target_time.as_deref().unwrap_or("the end of the backup"),
                    "restoring a fork"
                );
                engine.restore(&at, fork.restore_to()).await?
            }
            _ => engine.init(&at).await?,
        }
        // Settings and pools changed while provisioning are applied too:
        // the record as it is now, not as it was when provisioning started.
        let current = self
            .store
            .service(&record.project, &record.name)?
            .unwrap_or_else(|| record.clone());
        let (_, at) = self.instance(&current);
        engine.apply_settings(&at).await?;
        engine.serve_pools(&at).await?;
        Ok(())
    }

    /// The service's TLS certificate from its project's CA, before its
    /// engine starts (types without an engine have nothing to serve).
    pub(super) fn issue_certificate(
        &self,
        engine: &dyn Engine,
        record: &ServiceRecord,
        paths: &ClusterPaths,
    ) -> Result<(), EngineError> {
        if !engine.runs() {
            return Ok(());
        }
        let ca = crate::tls::ProjectCa::of(&self.data_dir, &record.project)?;
        Ok(ca.issue_for(paths)?)
    }
}
