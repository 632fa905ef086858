//! Service lifecycle: validating requests, resolving forks, provisioning
//! in the background (REBUILDING → RUNNING), backups on a schedule, and
//! bringing everything back after a restart, written once for every
//! engine (see [`crate::engines`]): a type whose engine is installed runs
//! it, the others keep the same lifecycle and bookkeeping without one.
//! By job: a request's checks in [`checks`], fork requests resolved in
//! [`fork`], provisioning in [`provision`], the reply a service reads as
//! in [`read`], bringing things back after a start in [`reconcile`],
//! backups and retention in [`backups`], users, databases and pools in
//! [`accounts`]; here the record's life itself (create, update, delete).

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use aiven_api::catalog::{self, ServiceType};
use aiven_api::types::{
    self as api, Component, CreateService, Maintenance, MaintenanceIn, NodeState,
    PROVISIONING_FAILED, ProgressUpdate, REDACTED, RestorePosition, ServiceNotification,
    ServiceState, ServiceUser, UpdateService,
};
use aiven_api::user_config::{
    self, PROJECT_TO_FORK_FROM, RECOVERY_BASEBACKUP_NAME, RECOVERY_TARGET_TIME,
    SERVICE_TO_FORK_FROM,
};
use aiven_api::{names, timestamp};
use serde_json::{Map, Value};
use time::OffsetDateTime;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::endpoint::Endpoint;
use crate::engines::{
    self, ClusterPaths, Engine, EngineError, Engines, Instance, Stop, default_database,
};
use crate::error::Error;
use crate::store::{ForkSource, RestoreTo, ServiceRecord, Store, StoreError};

mod accounts;
mod backups;
mod checks;
mod clickhouse_databases;
mod fork;
mod index_acls;
mod organizations;
mod projects;

pub use projects::DEFAULT_CLOUD;
mod provision;
mod read;
mod reconcile;
mod replicas;
mod static_ips;
mod vpcs;

use checks::{CheckedCreate, apply_update, check_create, check_update, overlay};
pub use checks::{check_tags, offered_cloud};

/// Why work a service does in the background (provisioning, a backup,
/// retention) failed. It is logged, or shown in the service's
/// notifications; no request is waiting for it.
#[derive(Debug)]
pub enum JobError {
    Engine(EngineError),
    Store(StoreError),
    /// A backup that would not fit on the disk was not started.
    NoRoom(crate::disk::NoRoom),
    /// The service was deleted meanwhile.
    Gone,
}

impl std::fmt::Display for JobError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            JobError::Engine(err) => err.fmt(f),
            JobError::Store(err) => err.fmt(f),
            JobError::NoRoom(no_room) => write!(f, "skipped: {no_room}"),
            JobError::Gone => f.write_str("the service is gone"),
        }
    }
}

impl std::error::Error for JobError {}

impl From<EngineError> for JobError {
    fn from(err: EngineError) -> JobError {
        JobError::Engine(err)
    }
}

impl From<StoreError> for JobError {
    fn from(err: StoreError) -> JobError {
        JobError::Store(err)
    }
}

/// Every notification kind aiven-local adds that the hosted API does not
/// have.
pub const LOCAL_NOTIFICATION_KINDS: [&str; 14] = [
    PROVISIONING_FAILED,
    ENGINE_FAILED,
    engines::postgres::VERSION_NOT_RUN,
    engines::valkey::VERSION_NOT_RUN,
    engines::mysql::VERSION_NOT_RUN,
    engines::clickhouse::VERSION_NOT_RUN,
    engines::clickhouse::SETTINGS_NOT_APPLIED,
    engines::opensearch::VERSION_NOT_RUN,
    engines::opensearch::SETTINGS_NOT_APPLIED,
    engines::cassandra::VERSION_NOT_RUN,
    FORK_SSO_NOT_COPIED,
    ENGINE_MISSING,
    LIFECYCLE_ONLY,
    vpcs::VPC_NO_NETWORK,
];

/// The notification kind for a service made while its type's engine was
/// not installed: it keeps the lifecycle only.
const ENGINE_MISSING: &str = "engine_missing";
/// The notification kind for a service of a type aiven-local runs no
/// engine for (Grafana): it keeps the lifecycle only.
const LIFECYCLE_ONLY: &str = "lifecycle_only";
/// A service whose engine did not start with aiven-local.
const ENGINE_FAILED: &str = "engine_failed";

/// The notification kind for a fork of OpenSearch, whose SSO settings are
/// not copied.
const FORK_SSO_NOT_COPIED: &str = "fork_sso_not_copied";

fn service_missing(project: &str, name: &str) -> Error {
    Error::not_found(format!(
        "Service {name} does not exist in project {project}"
    ))
}

/// Shared state of a running aiven-local.
pub struct Services {
    store: Store,
    pub data_dir: PathBuf,
    pub engines: Engines,
    pub backup_interval: Duration,
    /// Backups kept per service; older ones, and the WAL only they
    /// needed, are deleted.
    pub backup_retention: usize,
    pub shutdown: CancellationToken,
    pub tasks: TaskTracker,
    ports: tokio::sync::Mutex<()>,
    /// Held while OpenSearch access control lists change, so that two
    /// changes at once reach the engine in the order the record keeps.
    index_acls: tokio::sync::Mutex<()>,
    /// Provisioning in flight, by project and service name, so that a
    /// delete ends it before a service of the same name can be created.
    provisioning: std::sync::Mutex<HashMap<(String, String), tokio::task::JoinHandle<()>>>,
}

fn now() -> String {
    timestamp::format(OffsetDateTime::now_utc())
}

/// A password as the hosted API makes them (`AVNS_…`), from the kernel's
/// randomness (never a seeded generator: a local user could replay it).
fn random_password() -> String {
    let mut random = [0u8; names::GENERATED_PASSWORD_CHARACTERS];
    crate::random::fill_random(&mut random);
    names::generated_password(random)
}

/// Why a fork could not be made independent of its source.
#[derive(Debug)]
enum PinError {
    /// The volume cannot hold the fork.
    NoRoom(crate::disk::NoRoom),
    /// The source could not archive its WAL, or its backups changed.
    Source(String),
}

impl std::fmt::Display for PinError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PinError::NoRoom(no_room) => write!(f, "cannot fork: {no_room}"),
            PinError::Source(reason) => f.write_str(reason),
        }
    }
}

/// Whether the service's engine failed to start when aiven-local did.
fn engine_failed(record: &ServiceRecord) -> bool {
    record.notifications.iter().any(|n| n.kind == ENGINE_FAILED)
}

/// Whether the service's provisioning failed for good.
fn has_failed(record: &ServiceRecord) -> bool {
    record
        .notifications
        .iter()
        .any(|n| n.kind == PROVISIONING_FAILED)
}

/// The lowest port a cluster gets.
const PORT_FLOOR: u16 = 20000;

/// The ports clusters get: from [`PORT_FLOOR`] up to the ephemeral range.
fn cluster_ports() -> std::ops::Range<u16> {
    PORT_FLOOR..ephemeral_port_start().max(PORT_FLOOR + 1000)
}

/// The first port of the kernel's ephemeral range (32768 unless changed).
fn ephemeral_port_start() -> u16 {
    std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|range| range.split_whitespace().next()?.parse().ok())
        .unwrap_or(32768)
}

/// The users, databases and pools a service starts with.
struct Accounts {
    users: Vec<ServiceUser>,
    databases: Vec<api::DatabaseEntry>,
    pools: Vec<api::ConnectionPool>,
}

impl Accounts {
    /// A new service's: the primary user (named and with the password the
    /// settings choose, if they do; on valkey `default`, as the hosted
    /// service names it) and the default database.
    fn new(service_type: &ServiceType, user_config: &Map<String, Value>) -> Accounts {
        let primary = service_type.primary_user;
        let chosen = |key: &str| {
            user_config
                .get(key)
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        Accounts {
            users: vec![ServiceUser {
                username: chosen("admin_username").unwrap_or_else(|| primary.into()),
                password: Some(chosen("admin_password").unwrap_or_else(random_password)),
                kind: "primary".into(),
                authentication: None,
                access_control: None,
            }],
            databases: vec![default_database(service_type.name)],
            pools: Vec::new(),
        }
    }

    /// A fork's or a read replica's: its source's, which its data carries.
    fn of(source: &ServiceRecord) -> Accounts {
        Accounts {
            users: source.users.clone(),
            databases: source.databases.clone(),
            pools: source.pools.clone(),
        }
    }
}

/// A fork's settings: its source's without the fork keys, overlaid with the
/// request's; and the notice an OpenSearch fork gets about SSO.
fn inherit_settings(
    service_type: &ServiceType,
    source: &ServiceRecord,
    requested: Map<String, Value>,
) -> (Map<String, Value>, Vec<ServiceNotification>) {
    let mut inherited = source.user_config.clone();
    for key in [
        SERVICE_TO_FORK_FROM,
        PROJECT_TO_FORK_FROM,
        RECOVERY_TARGET_TIME,
        RECOVERY_BASEBACKUP_NAME,
    ] {
        inherited.remove(key);
    }
    if service_type.fork_leaves_out_sso {
        for key in catalog::SSO_SETTINGS {
            inherited.remove(key);
        }
    }
    overlay(&mut inherited, requested);
    let mut notifications = Vec::new();
    if service_type.fork_leaves_out_sso {
        notifications.push(ServiceNotification {
            level: "warning".into(),
            message: "Single sign-on (SSO) settings were not copied from the source service, because they are \
                      linked to its URLs. Configure SSO for this fork, or users may lose access."
                .into(),
            kind: FORK_SSO_NOT_COPIED.into(),
            metadata: Map::new(),
        });
    }
    (inherited, notifications)
}

impl Services {
    pub fn new(
        store: Store,
        data_dir: PathBuf,
        engines: Engines,
        backup_interval: Duration,
        backup_retention: usize,
    ) -> Services {
        Services {
            store,
            data_dir,
            engines,
            backup_interval,
            backup_retention: backup_retention.max(1),
            shutdown: CancellationToken::new(),
            tasks: TaskTracker::new(),
            ports: tokio::sync::Mutex::new(()),
            index_acls: tokio::sync::Mutex::new(()),
            provisioning: std::sync::Mutex::new(HashMap::new()),
        }
    }

    pub fn paths(&self, project: &str, service: &str) -> ClusterPaths {
        ClusterPaths {
            root: self.data_dir.join("services").join(project).join(service),
        }
    }

    /// A service's engine and the service as the engine sees it.
    pub(crate) fn instance<'a>(
        &'a self,
        record: &'a ServiceRecord,
    ) -> (&'a dyn Engine, Instance<'a>) {
        let instance = Instance {
            record,
            paths: self.paths(&record.project, &record.name),
            port: record.port,
        };
        (self.engines.of(record), instance)
    }

    fn service_type(name: &str) -> Result<&'static ServiceType, Error> {
        catalog::service_type(name).ok_or_else(|| {
            Error::invalid(format!(
                "service_type {name:?} is not supported; use one of {}",
                catalog::service_type_names()
            ))
        })
    }

    /// A port for a new service, and the one after it for what serves its
    /// pools: both free now, not another service's, and below the kernel's
    /// ephemeral range, from which outgoing connections (and listeners on
    /// port 0) take theirs, so that none of those can take them between
    /// this check and the engine binding them. Services get even ports.
    async fn allocate_port(&self) -> Result<u16, Error> {
        let used = self.store.used_ports()?;
        let taken = |port: u16| used.contains(&port) || used.contains(&(port - 1));
        let free = |port: u16| std::net::TcpListener::bind(("127.0.0.1", port)).is_ok();
        for _ in 0..200 {
            let candidate = fastrand::u16(cluster_ports()) & !1;
            if taken(candidate) || taken(candidate + 1) {
                continue;
            }
            if free(candidate) && free(candidate + 1) {
                return Ok(candidate);
            }
        }
        Err(Error::unavailable("no free local port for a new service"))
    }

    /// Validates and records a new service, then provisions it in the
    /// background. Forks are resolved here, so every error a fork can
    /// meet is reported before anything is created.
    pub async fn create(
        self: &Arc<Self>,
        project: &str,
        request: CreateService,
    ) -> Result<ServiceRecord, Error> {
        // A project made by this create (as aiven-local allows) has the
        // platform's default cloud.
        let default_cloud = match self.store.project(project) {
            Ok(Some((cloud, _))) => cloud,
            Ok(None) => DEFAULT_CLOUD.to_owned(),
            Err(err) => return Err(err.into()),
        };
        let checked = check_create(project, &default_cloud, &request)?;
        if let Some(vpc) = &request.project_vpc_id {
            self.check_vpc(project, vpc, &checked.cloud)?;
        }
        let static_ips = request.static_ips.clone().unwrap_or_default();
        self.check_static_ips(project, &checked.cloud, &static_ips)?;
        let fork = self.resolve_fork(
            project,
            checked.service_type,
            &checked.plan,
            &checked.user_config,
        )?;
        let integrations = request.service_integrations.as_deref().unwrap_or_default();
        let follows = self.resolve_follow(project, checked.service_type, integrations)?;
        if fork.is_some() && follows.is_some() {
            return Err(Error::invalid(
                "service_integrations: a service is a fork or a read replica, not both",
            ));
        }
        let port = if self.engines.for_type(checked.service_type.name).runs() {
            let _guard = self.ports.lock().await;
            Some(self.allocate_port().await?)
        } else {
            None
        };
        let mut record = self.new_record(project, &request, checked, fork, port);
        if let Some((source, follow)) = follows {
            // A replica's data is its source's, accounts included.
            let accounts = Accounts::of(&source);
            (record.users, record.databases) = (accounts.users, accounts.databases);
            record.follows = Some(follow);
        }
        self.insert_pinned(&record).await?;
        for id in &static_ips {
            self.associate_static_ip(project, id, &record.name)?;
        }
        self.spawn_provision(record.clone());
        Ok(record)
    }

    /// The record a create makes: a fork starts with its source's users,
    /// databases, pools and settings (its data carries them), overlaid
    /// with the settings the request gives.
    fn new_record(
        &self,
        project: &str,
        request: &CreateService,
        checked: CheckedCreate,
        fork: Option<(ServiceRecord, ForkSource)>,
        port: Option<u16>,
    ) -> ServiceRecord {
        // A fork's users keep their access to indices.
        let opensearch_acl = fork
            .as_ref()
            .map(|(source, _)| source.opensearch_acl.clone())
            .unwrap_or_default();
        let CheckedCreate {
            service_type,
            plan,
            cloud,
            user_config,
        } = checked;
        let mut accounts = Accounts::new(service_type, &user_config);
        let (user_config, mut notifications) = match &fork {
            Some((source, _)) => {
                accounts = Accounts::of(source);
                inherit_settings(service_type, source, user_config)
            }
            None => (user_config, Vec::new()),
        };
        notifications.extend(self.settings_notices(service_type, &user_config));
        notifications.extend(self.engine_missing_notice(service_type));
        let created = now();
        let maintenance_in = request.maintenance.as_ref();
        let chosen = |pick: fn(&MaintenanceIn) -> &Option<String>, default: &str| {
            maintenance_in
                .and_then(|m| pick(m).clone())
                .unwrap_or_else(|| default.to_owned())
        };
        ServiceRecord {
            project: project.to_owned(),
            name: request.service_name.clone(),
            service_type: service_type.name.to_owned(),
            plan: plan.name.clone(),
            cloud,
            state: ServiceState::Rebuilding,
            create_time: created.clone(),
            update_time: created,
            node_count: plan.node_count,
            user_config,
            termination_protection: request.termination_protection.unwrap_or(false),
            disk_space_mb: request.disk_space_mb.unwrap_or(plan.disk_space_mb),
            maintenance: Maintenance {
                dow: chosen(|m| &m.dow, "sunday"),
                time: chosen(|m| &m.time, "02:00:00"),
                enabled: true,
                updates: Vec::new(),
            },
            tags: request.tags.clone().unwrap_or_default(),
            tech_emails: request.tech_emails.clone().unwrap_or_default(),
            project_vpc_id: request.project_vpc_id.clone(),
            powered: true,
            port,
            users: accounts.users,
            databases: accounts.databases,
            pools: accounts.pools,
            notifications,
            fork: fork.map(|(_, source)| source),
            cmk_id: request.cmk_id.clone().filter(|id| id != names::NO_CMK),
            follows: None,
            opensearch_acl,
        }
    }

    /// Stores a new record and, for a fork an engine runs, pins its
    /// source's backup and archive; if pinning fails, the record goes again
    /// and nothing was created.
    async fn insert_pinned(&self, record: &ServiceRecord) -> Result<(), Error> {
        let project = &record.project;
        self.store.insert_service(record).map_err(|err| match err {
            StoreError::Conflict => Error::conflict(format!(
                "Service name {} is already in use in project {project}",
                record.name
            )),
            other => other.into(),
        })?;
        let runs = self.engines.of(record).runs();
        let Some(fork) = record.fork.as_ref().filter(|_| runs) else {
            return Ok(());
        };
        let Err(err) = self.pin_fork_source(fork, project, &record.name).await else {
            return Ok(());
        };
        self.store.delete_service(project, &record.name)?;
        let _ = std::fs::remove_dir_all(self.paths(project, &record.name).root);
        let message = format!("{err}; nothing was created");
        Err(match err {
            PinError::NoRoom(_) => Error::unavailable(message),
            PinError::Source(_) => Error::conflict(message),
        })
    }

    /// Makes a fork independent of its source before the request is
    /// answered: for a point in time, the source's latest transaction is
    /// archived; the chosen backup and everything archived up to now are
    /// hard-linked into the fork's own directory. Deleting the source, or
    /// retention pruning its backups, a moment later then loses nothing the
    /// fork was promised. A fork of the backup alone asks nothing of the
    /// running source.
    async fn pin_fork_source(
        &self,
        fork: &ForkSource,
        project: &str,
        name: &str,
    ) -> Result<(), PinError> {
        let source_paths = self.paths(&fork.project, &fork.service);
        let paths = self.paths(project, name);
        if let Some(source) = self
            .store
            .service(&fork.project, &fork.service)
            .map_err(|e| PinError::Source(e.to_string()))?
        {
            let (engine, at) = self.instance(&source);
            // The fork unpacks a copy of the source's data next to it.
            let size = crate::disk::size_of(&engine.data_dir(&source_paths));
            crate::disk::ensure_room(&self.data_dir, size).map_err(PinError::NoRoom)?;
            let replays = matches!(fork.restore_to(), RestoreTo::Time(_));
            if replays && engine.is_running(&source_paths).await {
                engine.flush_to_archive(&at).await.map_err(|err| {
                    PinError::Source(format!(
                        "the source could not archive its latest transaction: {err}"
                    ))
                })?;
            }
        }
        engines::link_restore_source(&source_paths, &fork.backup_name, &paths).map_err(|err| {
            PinError::Source(format!("{err}; the source's backups changed meanwhile"))
        })
    }

    /// Warnings when the settings ask for what the type's engine records
    /// but cannot honour, such as another major version.
    fn settings_notices(
        &self,
        service_type: &ServiceType,
        config: &Map<String, Value>,
    ) -> Vec<ServiceNotification> {
        self.engines
            .for_type(service_type.name)
            .settings_notices(config)
    }

    /// A warning when the type has an engine but it is not installed here,
    /// or when aiven-local runs none for it.
    fn engine_missing_notice(&self, service_type: &ServiceType) -> Option<ServiceNotification> {
        if let Some(why) = self.engines.lifecycle_only(service_type.name) {
            return Some(ServiceNotification {
                level: "warning".into(),
                message: format!(
                    "On aiven-local this service keeps the lifecycle only, with no data: {why}."
                ),
                kind: LIFECYCLE_ONLY.into(),
                metadata: Map::new(),
            });
        }
        let why = self.engines.missing(service_type.name)?;
        Some(ServiceNotification {
            level: "warning".into(),
            message: format!(
                "This service keeps the lifecycle only, with no data: {why}. Install the engine and restart \
                 aiven-local, then create the service again."
            ),
            kind: ENGINE_MISSING.into(),
            metadata: Map::new(),
        })
    }

    fn set_state(&self, project: &str, name: &str, state: ServiceState) -> Result<(), StoreError> {
        self.store.update_service(project, name, |r| {
            r.state = state;
            r.update_time = now();
            Ok(())
        })?;
        Ok(())
    }

    /// Stops every cluster cleanly; called on SIGTERM/SIGINT.
    pub async fn stop_all(&self) {
        self.shutdown.cancel();
        self.tasks.close();
        let _ = tokio::time::timeout(Duration::from_secs(30), self.tasks.wait()).await;
        let Ok(all) = self.store.services(None) else {
            return;
        };
        for record in all {
            let (engine, at) = self.instance(&record);
            if let Err(err) = engine.stop(&at.paths, Stop::Fast).await {
                tracing::warn!(service = %record.name, error = %err, "stop failed");
            }
        }
    }

    pub fn get(&self, project: &str, name: &str) -> Result<ServiceRecord, Error> {
        self.store
            .service(project, name)?
            .ok_or_else(|| service_missing(project, name))
    }

    pub async fn update(
        &self,
        project: &str,
        name: &str,
        request: UpdateService,
    ) -> Result<ServiceRecord, Error> {
        let current = self.get(project, name)?;
        let checked = check_update(&current, &request)?;
        let vpc = request
            .project_vpc_id
            .as_ref()
            .map_or(current.project_vpc_id.as_ref(), Option::as_ref);
        if let Some(vpc) = vpc {
            let cloud = request.cloud.as_ref().unwrap_or(&current.cloud);
            self.check_vpc(project, vpc, cloud)?;
        }
        let powered_change = request.powered.filter(|p| *p != current.powered);
        let (_, record) = self.store.update_service(project, name, |r| {
            apply_update(r, &request, &checked, powered_change);
            r.notifications
                .retain(|n| !engines::is_settings_notice(&n.kind));
            let notices = self.settings_notices(checked.service_type, &r.user_config);
            r.notifications.extend(notices);
            Ok(())
        })?;
        self.update_engine(&current, &record, powered_change)
            .await?;
        Ok(record)
    }

    /// Brings a service's engine in line with an updated record: new
    /// settings applied (or refused, putting everything back), then
    /// powered on or off.
    async fn update_engine(
        &self,
        current: &ServiceRecord,
        record: &ServiceRecord,
        powered_change: Option<bool>,
    ) -> Result<(), Error> {
        let (engine, at) = self.instance(record);
        let keys = engine.setting_keys();
        let changed = keys
            .iter()
            .any(|key| current.user_config.get(*key) != record.user_config.get(*key));
        if record.state == ServiceState::Running
            && changed
            && let Err(err) = engine.apply_settings(&at).await
        {
            return Err(self.refuse_settings(current, err).await);
        }
        match powered_change {
            Some(true) => self.start_engine(record).await,
            Some(false) => engine.stop(&at.paths, Stop::Fast).await?,
            None => {}
        }
        Ok(())
    }

    /// The engine refused settings the validator let through (say, a time
    /// zone it does not know): the store and the engine go back to what
    /// they were, and the request fails naming the engine's reason.
    async fn refuse_settings(&self, before: &ServiceRecord, err: EngineError) -> Error {
        let (project, name) = (&before.project, &before.name);
        let (engine, at) = self.instance(before);
        let keys = engine.setting_keys();
        let _ = self.store.update_service(project, name, |r| {
            for key in keys {
                match before.user_config.get(*key) {
                    Some(old) => r.user_config.insert((*key).into(), old.clone()),
                    None => r.user_config.remove(*key),
                };
            }
            Ok(())
        });
        if let Err(restore) = engine.apply_settings(&at).await {
            tracing::error!(service = %name, error = %restore, "cannot restore the previous settings");
        }
        let reason = err
            .reason()
            .unwrap_or_else(|| format!("{} refused them", engine.product()));
        Error::invalid(format!(
            "user_config.{}: the settings were not applied and nothing changed: {reason}",
            keys.first().copied().unwrap_or("settings")
        ))
    }

    pub async fn delete(&self, project: &str, name: &str) -> Result<(), Error> {
        let record = self.get(project, name)?;
        if record.termination_protection {
            return Err(Error::forbidden(format!(
                "Service {name} has termination protection enabled; disable it before deleting the service"
            )));
        }
        self.promote_replicas_of(project, name).await?;
        self.store.delete_service(project, name)?;
        self.release_static_ips(project, name)?;
        self.end_provisioning(project, name).await;
        let (engine, at) = self.instance(&record);
        let _ = engine.stop(&at.paths, Stop::Immediate).await;
        engines::process::remove_dir_settling(&self.paths(project, name).root)
            .await
            .map_err(|err| Error::internal(format!("cannot remove service data: {err}")))
    }

    /// Replaces a service's tags (their own endpoint, as on the API).
    pub fn replace_tags(
        &self,
        project: &str,
        name: &str,
        tags: BTreeMap<String, String>,
    ) -> Result<(), Error> {
        check_tags(Some(&tags), names::TagsOf::Service)?;
        self.store
            .update_service(project, name, |r| {
                r.tags = tags;
                r.update_time = now();
                Ok(())
            })
            .map_err(|err| match err {
                StoreError::Missing => service_missing(project, name),
                other => other.into(),
            })?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cluster_ports_come_from_below_the_kernels_ephemeral_range() {
        let ports = cluster_ports();
        assert!(ports.end <= ephemeral_port_start(), "{ports:?}");
        assert!(ports.len() >= 1000, "room for many clusters: {ports:?}");
    }
}
