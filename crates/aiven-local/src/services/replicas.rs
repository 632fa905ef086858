//! Read replicas: the `read_replica` integration. A service created with
//! `service_integrations: [{integration_type: read_replica,
//! source_service: X}]` is built from X's newest backup and keeps applying
//! what X commits, read-only (pg, mysql and valkey: each engine's
//! `follow`); deleting the integration promotes it to a service of its
//! own, as on the platform ("Create and use Aiven for PostgreSQL read-only
//! replicas"). The integration lives in the replica's record ([`Follow`]);
//! the API's integration endpoints read it there.

use aiven_api::types::{
    CreateIntegration, IntegrationState, IntegrationStatus, NewIntegration, ServiceIntegration,
};

use super::*;
use crate::engines::Upstream;
use crate::store::Follow;

/// The integration types a service's create takes, and the one aiven-local
/// runs.
const READ_REPLICA: &str = "read_replica";
const DISASTER_RECOVERY: &str = "disaster_recovery";

/// Why aiven-local refuses an integration of `kind`: only read replicas
/// run here. Cross-region disaster recovery is named apart: the platform
/// offers it in limited availability, and the API description we follow
/// has no `disaster_recovery_role` on services, through which its
/// switchovers and failovers are made.
fn not_run(at: &str, kind: &str) -> Error {
    let why = if kind == DISASTER_RECOVERY {
        "disaster_recovery (cross-region disaster recovery) is in limited availability on the platform, \
         and the API aiven-local follows has no disaster_recovery_role to switch over or fail over with, \
         so it is not run here; a read_replica integration makes a standby that deleting the integration promotes"
            .to_owned()
    } else {
        format!("aiven-local runs read_replica integrations only; {kind} is not run here")
    };
    Error::invalid(format!("{at}: {why}"))
}

/// How long a replica waits for its source's first backup.
const FIRST_BACKUP_WAIT: Duration = Duration::from_secs(600);

impl Services {
    /// The source a new service is to follow (its record, and the
    /// integration to record), from its create's `service_integrations`;
    /// `None` for a service made on its own.
    pub(super) fn resolve_follow(
        &self,
        project: &str,
        service_type: &ServiceType,
        integrations: &[NewIntegration],
    ) -> Result<Option<(ServiceRecord, Follow)>, Error> {
        let Some(first) = integrations.first() else {
            return Ok(None);
        };
        if first.integration_type != READ_REPLICA {
            return Err(not_run(
                "service_integrations[0].integration_type",
                &first.integration_type,
            ));
        }
        if integrations.len() > 1 {
            return Err(Error::invalid(
                "service_integrations: aiven-local runs one read_replica integration per service",
            ));
        }
        let source_project = first.source_project.as_deref().unwrap_or(project);
        let Some(source_name) = first.source_service.as_deref() else {
            return Err(Error::invalid(
                "service_integrations[0].source_service: a read_replica names the service it replicates",
            ));
        };
        let source = self
            .store
            .service(source_project, source_name)?
            .ok_or_else(|| service_missing(source_project, source_name))?;
        if source.service_type != service_type.name {
            return Err(Error::invalid(format!(
                "service_integrations[0].source_service: {source_name} is a {} service; a read replica is of its source's type",
                source.service_type
            )));
        }
        if !self.engines.for_type(service_type.name).follows() {
            return Err(Error::invalid(format!(
                "service_integrations: aiven-local does not yet run {} read replicas",
                service_type.name
            )));
        }
        let follow = Follow {
            integration_id: crate::random::uuid_v4(),
            project: source_project.to_owned(),
            service: source_name.to_owned(),
            backup_name: None,
            create_time: now(),
        };
        Ok(Some((source, follow)))
    }

    /// Builds a replica: waits for its source's first backup, links the
    /// newest, and has the engine follow the source from there.
    pub(super) async fn provision_replica(
        &self,
        record: &ServiceRecord,
        follow: &Follow,
    ) -> Result<(), JobError> {
        let backup = match &follow.backup_name {
            Some(name) => name.clone(),
            None => self.first_backup_of(follow).await?,
        };
        self.store
            .update_service(&record.project, &record.name, |r| {
                if let Some(f) = r.follows.as_mut() {
                    f.backup_name = Some(backup.clone());
                }
                Ok(())
            })?;
        let source = self
            .store
            .service(&follow.project, &follow.service)?
            .ok_or(JobError::Gone)?;
        let source_paths = self.paths(&follow.project, &follow.service);
        let (engine, at) = self.instance(record);
        engines::link_restore_source(&source_paths, &backup, &at.paths)?;
        let upstream = Self::upstream(&source, &source_paths)?;
        tracing::info!(service = %record.name, source = %follow.service, backup = %backup, "building a read replica");
        engine.follow(&at, upstream).await?;
        Ok(())
    }

    /// The newest backup of a replica's source, once it has one.
    async fn first_backup_of(&self, follow: &Follow) -> Result<String, JobError> {
        let started = std::time::Instant::now();
        loop {
            if self
                .store
                .service(&follow.project, &follow.service)?
                .is_none()
            {
                return Err(JobError::Gone);
            }
            let backups = self.store.backups(&follow.project, &follow.service)?;
            if let Some(newest) = backups.last() {
                return Ok(newest.name.clone());
            }
            if started.elapsed() > FIRST_BACKUP_WAIT {
                return Err(EngineError::TimedOut {
                    waiting_for: format!("a first backup of {}", follow.service),
                }
                .into());
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// The integrations a service takes part in: its own as a replica,
    /// and one per replica of it.
    pub fn integrations_of(
        &self,
        project: &str,
        name: &str,
    ) -> Result<Vec<ServiceIntegration>, Error> {
        self.integrations_of_record(&self.get(project, name)?)
    }

    /// [`Services::integrations_of`] for a record in hand, as a service's
    /// reply has it (no second read of the record).
    pub(super) fn integrations_of_record(
        &self,
        record: &ServiceRecord,
    ) -> Result<Vec<ServiceIntegration>, Error> {
        let mut found: Vec<ServiceIntegration> = Vec::new();
        if let Some(follow) = &record.follows {
            found.push(self.integration_reply(record, follow));
        }
        for replica in self.store.services(None)? {
            if let Some(follow) = replica
                .follows
                .as_ref()
                .filter(|f| f.project == record.project && f.service == record.name)
            {
                found.push(self.integration_reply(&replica, follow));
            }
        }
        Ok(found)
    }

    /// One integration of `project`, by id.
    pub fn integration(&self, project: &str, id: &str) -> Result<ServiceIntegration, Error> {
        let (replica, follow) = self.replica_by_integration(project, id)?;
        Ok(self.integration_reply(&replica, &follow))
    }

    fn replica_by_integration(
        &self,
        project: &str,
        id: &str,
    ) -> Result<(ServiceRecord, Follow), Error> {
        self.store
            .services(Some(project))?
            .into_iter()
            .find_map(|r| {
                let follow = r.follows.clone().filter(|f| f.integration_id == id)?;
                Some((r, follow))
            })
            .ok_or_else(|| Error::not_found(format!("Service integration {id} not found")))
    }

    /// A new integration between services that exist already. aiven-local
    /// makes a read replica only with its service (the platform documents
    /// that way, `service_integrations` on the create); whether the
    /// platform turns a running service into a replica is not documented.
    pub fn create_integration(
        &self,
        project: &str,
        request: &CreateIntegration,
    ) -> Result<ServiceIntegration, Error> {
        let source = request.source_service.as_deref().unwrap_or_default();
        let dest = request.dest_service.as_deref().unwrap_or_default();
        if request.integration_type != READ_REPLICA {
            return Err(not_run("integration_type", &request.integration_type));
        }
        // One that exists already (made by the replica's create) is an
        // answer, as the official provider expects of a second create.
        let existing = self.integrations_of(project, dest)?.into_iter().find(|i| {
            i.integration_type == READ_REPLICA
                && i.source_service == source
                && i.dest_service.as_deref() == Some(dest)
        });
        existing.ok_or_else(|| {
            Error::invalid(format!(
                "read_replica: {dest} was not created as a replica of {source}; aiven-local makes a read replica \
                 with its service (service_integrations on the service's create)"
            ))
        })
    }

    /// Deletes a replica's integration: the replica is promoted and takes
    /// writes of its own.
    pub async fn delete_integration(&self, project: &str, id: &str) -> Result<(), Error> {
        let (replica, _) = self.replica_by_integration(project, id)?;
        if replica.state != ServiceState::Running {
            return Err(Error::conflict(format!(
                "Service {} is still being built as a replica; delete its integration once it is running",
                replica.name
            )));
        }
        self.promote(&replica).await
    }

    /// Promotes a replica; its record takes the users and databases its
    /// data holds, its source's as they were when it stopped following.
    async fn promote(&self, replica: &ServiceRecord) -> Result<(), Error> {
        let source = replica
            .follows
            .as_ref()
            .and_then(|f| self.store.service(&f.project, &f.service).ok().flatten());
        let (engine, at) = self.instance(replica);
        engine
            .promote(&at)
            .await
            .map_err(|err| Error::internal(format!("cannot promote {}: {err}", replica.name)))?;
        self.store
            .update_service(&replica.project, &replica.name, |r| {
                if let Some(source) = &source {
                    (r.users, r.databases) = (source.users.clone(), source.databases.clone());
                }
                r.follows = None;
                r.update_time = now();
                Ok(())
            })
            .map_err(Error::from)?;
        tracing::info!(service = %replica.name, "read replica promoted");
        Ok(())
    }

    /// Promotes the replicas of a service about to be deleted, so that none
    /// is left following nothing.
    pub(super) async fn promote_replicas_of(&self, project: &str, name: &str) -> Result<(), Error> {
        for replica in self.store.services(None)? {
            let follows = replica
                .follows
                .as_ref()
                .is_some_and(|f| f.project == project && f.service == name);
            if follows && replica.state == ServiceState::Running {
                self.promote(&replica).await?;
            }
        }
        Ok(())
    }

    /// The accounts a replica reports while it follows: its source's as
    /// they are now, which its data follows.
    pub(super) fn followed_accounts(&self, record: &ServiceRecord) -> Option<ServiceRecord> {
        let follow = record.follows.as_ref()?;
        self.store
            .service(&follow.project, &follow.service)
            .ok()
            .flatten()
    }

    /// `integration` with its replica's lag in `integration_status`: the
    /// nodes map holds `replication_lag_bytes` and `replication_lag_seconds`
    /// under the replica's node, as far as its engine can tell, and the
    /// description says it. A replica being built, or an engine that
    /// cannot say, leaves it as it is.
    pub async fn with_lag(&self, mut integration: ServiceIntegration) -> ServiceIntegration {
        let Some(replica_name) = integration.dest_service.clone() else {
            return integration;
        };
        let lag = self
            .lag_of(&integration.dest_project, &replica_name)
            .await
            .unwrap_or_else(|err| {
                tracing::debug!(replica = %replica_name, error = %err, "no lag to report");
                None
            });
        let (Some(lag), Some(status)) = (lag, integration.integration_status.as_mut()) else {
            return integration;
        };
        let mut node = Map::new();
        if let Some(bytes) = lag.bytes {
            node.insert("replication_lag_bytes".into(), bytes.into());
        }
        if let Some(seconds) = lag.seconds {
            node.insert("replication_lag_seconds".into(), seconds.into());
        }
        let behind = match (lag.bytes, lag.seconds) {
            (Some(bytes), _) => format!("{bytes} bytes behind"),
            (None, Some(seconds)) => format!("{seconds} s behind"),
            (None, None) => return integration,
        };
        status.status_user_desc = format!("{}, {behind}", status.status_user_desc);
        status
            .state
            .nodes
            .insert(format!("{replica_name}-1"), node.into());
        integration
    }

    /// The lag of a running replica, from its engine.
    async fn lag_of(&self, project: &str, name: &str) -> Result<Option<engines::Lag>, Error> {
        let replica = self.get(project, name)?;
        let Some(follow) = replica.follows.as_ref() else {
            return Ok(None);
        };
        if replica.state != ServiceState::Running {
            return Ok(None);
        }
        let source = self.get(&follow.project, &follow.service)?;
        let source_paths = self.paths(&follow.project, &follow.service);
        let (engine, at) = self.instance(&replica);
        let upstream = Self::upstream(&source, &source_paths)?;
        Ok(engine.lag(&at, upstream).await?)
    }

    /// Where a replica's engine finds `source`, whose files are at `paths`.
    fn upstream<'a>(
        source: &'a ServiceRecord,
        paths: &'a ClusterPaths,
    ) -> Result<Upstream<'a>, EngineError> {
        let at = engines::Instance {
            record: source,
            paths: paths.clone(),
            port: source.port,
        };
        Ok(Upstream {
            port: at.port()?,
            login: at.login(),
            paths,
            config: &source.user_config,
        })
    }

    /// The integration as the API reports it.
    fn integration_reply(&self, replica: &ServiceRecord, follow: &Follow) -> ServiceIntegration {
        let source_type = self
            .store
            .service(&follow.project, &follow.service)
            .ok()
            .flatten()
            .map_or_else(|| replica.service_type.clone(), |s| s.service_type);
        let running = replica.state == ServiceState::Running;
        let status = if running { "running" } else { "starting" };
        ServiceIntegration {
            service_integration_id: follow.integration_id.clone(),
            integration_type: READ_REPLICA.to_owned(),
            source_project: follow.project.clone(),
            source_service: follow.service.clone(),
            source_service_type: source_type,
            dest_project: replica.project.clone(),
            dest_service: Some(replica.name.clone()),
            dest_service_type: replica.service_type.clone(),
            active: true,
            enabled: true,
            description: "Replicates the source service's data to the destination service"
                .to_owned(),
            integration_status: Some(IntegrationStatus {
                state: IntegrationState {
                    errors: Vec::new(),
                    nodes: Map::new(),
                    status: status.to_owned(),
                },
                status_user_desc: if running {
                    format!("{} follows {}", replica.name, follow.service)
                } else {
                    format!(
                        "{} is being built from a backup of {}",
                        replica.name, follow.service
                    )
                },
            }),
            user_config: Some(Map::new()),
        }
    }
}
