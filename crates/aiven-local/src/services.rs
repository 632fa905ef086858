//! Service lifecycle: validating requests, resolving forks, provisioning
//! in the background (REBUILDING → RUNNING), backups on a schedule, and
//! bringing everything back after a restart, written once for every
//! engine (see [`crate::engines`]): a type whose engine is installed runs
//! it, the others keep the same lifecycle and bookkeeping without one.
//! Fork requests are resolved in [`fork`], backups and retention live in
//! [`backups`], users, databases and pools in [`accounts`].

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
    self, ADMIN_USER, ClusterPaths, Engine, EngineError, Engines, Instance, Stop, default_database,
};
use crate::error::Error;
use crate::store::{ForkSource, RestoreTo, ServiceRecord, Store, StoreError};

mod accounts;
mod backups;
mod fork;

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
pub const LOCAL_NOTIFICATION_KINDS: [&str; 7] = [
    PROVISIONING_FAILED,
    ENGINE_FAILED,
    engines::postgres::VERSION_NOT_RUN,
    engines::valkey::VERSION_NOT_RUN,
    engines::mysql::VERSION_NOT_RUN,
    FORK_SSO_NOT_COPIED,
    ENGINE_MISSING,
];

/// The notification kind for a service made while its type's engine was
/// not installed: it keeps the lifecycle only.
const ENGINE_MISSING: &str = "engine_missing";
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
    pub store: Store,
    pub data_dir: PathBuf,
    pub engines: Engines,
    pub backup_interval: Duration,
    /// Backups kept per service; older ones, and the WAL only they
    /// needed, are deleted.
    pub backup_retention: usize,
    pub shutdown: CancellationToken,
    pub tasks: TaskTracker,
    ports: tokio::sync::Mutex<()>,
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

/// Lays `changes` over `base` key by key, into nested objects too: a fork
/// that sets one `pg` setting keeps the others it copied from its source.
fn overlay(base: &mut Map<String, Value>, changes: Map<String, Value>) {
    for (key, value) in changes {
        match (base.get_mut(&key), value) {
            (Some(Value::Object(inner)), Value::Object(more)) => overlay(inner, more),
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
}

/// The maintenance window a request asks for, by the API's rules.
fn check_maintenance(maintenance: Option<&MaintenanceIn>) -> Result<(), Error> {
    let Some(maintenance) = maintenance else {
        return Ok(());
    };
    if let Some(dow) = &maintenance.dow {
        names::check_maintenance_day(dow)
            .map_err(|m| Error::invalid(format!("maintenance.dow: {m}")))?;
    }
    if let Some(time) = &maintenance.time {
        names::check_maintenance_time(time)
            .map_err(|m| Error::invalid(format!("maintenance.time: {m}")))?;
    }
    Ok(())
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

/// A create request that passed every check that needs no other service.
struct CheckedCreate {
    service_type: &'static ServiceType,
    plan: catalog::Plan,
    cloud: String,
    user_config: Map<String, Value>,
}

/// The nested blocks as the platform reports them: a block the request
/// writes holds the keys the platform fills in when left out (see
/// `user_config::reported_when_left_out`: every access switch, off).
fn with_access_switches(service_type: &catalog::ServiceType, config: &mut Map<String, Value>) {
    for field in user_config::fields(service_type) {
        let user_config::Kind::Object(switches) = field.kind else {
            continue;
        };
        let Some(Value::Object(block)) = config.get_mut(field.api_name) else {
            continue;
        };
        for switch in switches {
            if let Some(value) = user_config::reported_when_left_out(&field, switch) {
                block.entry(switch.api_name).or_insert(value);
            }
        }
    }
}

/// A service's settings as the platform reports them: what was written,
/// and the `ip_filter` a service that names none has (every address; see
/// `user_config::REPORTED_IP_FILTER`). It is added to the reply, not
/// stored, so that a fork still inherits its source's filter.
fn reported_settings(service_type: &str, written: &Map<String, Value>) -> Map<String, Value> {
    let mut reported = written.clone();
    let filter = catalog::service_type(service_type).and_then(|t| {
        user_config::fields(t)
            .into_iter()
            .find(|f| f.kind == user_config::Kind::IpFilter)
    });
    if let Some(filter) = filter {
        let open = user_config::REPORTED_IP_FILTER.map(|network| Value::String(network.into()));
        reported
            .entry(filter.api_name)
            .or_insert_with(|| Value::Array(open.to_vec()));
    }
    reported
}

/// A cloud the platform publishes (see `aiven_api::clouds`); any other is
/// refused, naming the published clouds closest to it.
pub fn offered_cloud(cloud: &str) -> Result<(), Error> {
    if catalog::cloud(cloud).is_some() {
        return Ok(());
    }
    let offered = aiven_api::clouds::CLOUDS.iter().map(|c| c.name);
    Err(Error::invalid_at(
        "cloud",
        format!(
            "{cloud:?} is not available; {}",
            catalog::instead_of_cloud(cloud, offered)
        ),
    ))
}

/// A service's or project's tags, as the API takes them.
pub fn check_tags(tags: Option<&BTreeMap<String, String>>, of: names::TagsOf) -> Result<(), Error> {
    let pairs = tags
        .into_iter()
        .flatten()
        .map(|(k, v)| (k.as_str(), v.as_str()));
    names::check_tags(pairs, of).map_err(Error::invalid)
}

/// A disk size against its plan: the plan's disk, or more in its steps up
/// to its cap where the type has dynamic disk sizing.
fn check_disk(plan: &catalog::Plan, disk_space_mb: i64) -> Result<(), Error> {
    catalog::DiskRule::from(plan)
        .check(disk_space_mb)
        .map_err(|err| Error::invalid(format!("disk_space_mb: {err} (plan {})", plan.name)))
}

/// Names, type, plan, cloud, settings, maintenance window and disk size of
/// a create request, each checked as the API does. A request that names
/// no cloud gets `default_cloud`, the project's.
fn check_create(
    project: &str,
    default_cloud: &str,
    request: &CreateService,
) -> Result<CheckedCreate, Error> {
    names::check_project_name(project).map_err(Error::invalid)?;
    names::check_service_name(&request.service_name).map_err(Error::invalid)?;
    let service_type = Services::service_type(&request.service_type)?;
    let plan = catalog::plan(service_type, &request.plan).ok_or_else(|| {
        Error::invalid(catalog::unknown_plan_message(service_type, &request.plan))
    })?;
    let cloud = request
        .cloud
        .clone()
        .unwrap_or_else(|| default_cloud.to_owned());
    offered_cloud(&cloud)?;
    let mut user_config = request.user_config.clone().unwrap_or_default();
    user_config::validate(service_type, &user_config)?;
    with_access_switches(service_type, &mut user_config);
    check_maintenance(request.maintenance.as_ref())?;
    check_tags(request.tags.as_ref(), names::TagsOf::Service)?;
    if let Some(id) = &request.cmk_id {
        names::check_cmk_id(id).map_err(Error::invalid)?;
    }
    if request
        .service_integrations
        .as_ref()
        .is_some_and(|i| !i.is_empty())
    {
        return Err(Error::invalid(
            "service_integrations: aiven-local runs no integrations (read_replica, disaster_recovery); create the service without them",
        ));
    }
    if let Some(disk) = request.disk_space_mb {
        check_disk(&plan, disk)?;
    }
    Ok(CheckedCreate {
        service_type,
        plan,
        cloud,
        user_config,
    })
}

/// An update request that passed its checks.
struct CheckedUpdate {
    service_type: &'static ServiceType,
    plan: Option<catalog::Plan>,
    /// The `user_config` keys to change (never null: the API cannot
    /// remove a setting).
    config_update: Map<String, Value>,
}

/// Plan, cloud, disk size, settings and maintenance window of an update,
/// each checked as the API does. Fork and recovery keys are create-only:
/// an update ignores them.
fn check_update(current: &ServiceRecord, request: &UpdateService) -> Result<CheckedUpdate, Error> {
    let service_type = Services::service_type(&current.service_type)?;
    let plan = match &request.plan {
        Some(plan_name) => Some(catalog::plan(service_type, plan_name).ok_or_else(|| {
            Error::invalid(catalog::unknown_plan_message(service_type, plan_name))
        })?),
        None => None,
    };
    if let Some(cloud) = &request.cloud {
        offered_cloud(cloud)?;
    }
    if let Some(disk) = request.disk_space_mb {
        let target = plan
            .clone()
            .or_else(|| catalog::plan(service_type, &current.plan));
        if let Some(target) = target {
            check_disk(&target, disk)?;
        }
    }
    let mut config_update = request.user_config.clone().unwrap_or_default();
    for key in [
        SERVICE_TO_FORK_FROM,
        PROJECT_TO_FORK_FROM,
        RECOVERY_TARGET_TIME,
        RECOVERY_BASEBACKUP_NAME,
    ] {
        config_update.remove(key);
    }
    user_config::validate(service_type, &config_update)?;
    with_access_switches(service_type, &mut config_update);
    check_maintenance(request.maintenance.as_ref())?;
    if let Some(id) = &request.cmk_id {
        names::check_cmk_id(id).map_err(Error::invalid)?;
    }
    Ok(CheckedUpdate {
        service_type,
        plan,
        config_update,
    })
}

/// Writes a checked update into a record: what the request sets changes,
/// what it leaves out stays.
fn apply_update(
    r: &mut ServiceRecord,
    request: &UpdateService,
    checked: &CheckedUpdate,
    powered_change: Option<bool>,
) {
    if let Some(plan) = &checked.plan {
        r.plan = plan.name.clone();
        r.node_count = plan.node_count;
        r.disk_space_mb = r.disk_space_mb.max(plan.disk_space_mb);
    }
    let maintenance = request.maintenance.as_ref();
    let set = |field: &mut String, value: Option<&String>| {
        if let Some(value) = value {
            field.clone_from(value);
        }
    };
    set(&mut r.cloud, request.cloud.as_ref());
    set(
        &mut r.maintenance.dow,
        maintenance.and_then(|m| m.dow.as_ref()),
    );
    set(
        &mut r.maintenance.time,
        maintenance.and_then(|m| m.time.as_ref()),
    );
    if let Some(protection) = request.termination_protection {
        r.termination_protection = protection;
    }
    if let Some(disk) = request.disk_space_mb {
        r.disk_space_mb = disk;
    }
    if let Some(emails) = &request.tech_emails {
        r.tech_emails = emails.clone();
    }
    if let Some(vpc) = &request.project_vpc_id {
        r.project_vpc_id = vpc.clone();
    }
    if let Some(id) = &request.cmk_id {
        r.cmk_id = Some(id.clone()).filter(|id| id != names::NO_CMK);
    }
    for (key, value) in &checked.config_update {
        r.user_config.insert(key.clone(), value.clone());
    }
    if let Some(powered) = powered_change {
        r.powered = powered;
        r.state = if powered {
            ServiceState::Running
        } else {
            ServiceState::Poweroff
        };
    }
    r.update_time = now();
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
        let primary = match service_type.name {
            "valkey" => "default",
            _ => ADMIN_USER,
        };
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

    /// A fork's: its source's, which its data carries.
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
    overlay(&mut inherited, requested);
    let mut notifications = Vec::new();
    if service_type.name == "opensearch" {
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
            Ok(None) => crate::projects::DEFAULT_CLOUD.to_owned(),
            Err(err) => return Err(err.into()),
        };
        let checked = check_create(project, &default_cloud, &request)?;
        let fork = self.resolve_fork(
            project,
            checked.service_type,
            &checked.plan,
            &checked.user_config,
        )?;
        let port = if self.engines.for_type(checked.service_type.name).runs() {
            let _guard = self.ports.lock().await;
            Some(self.allocate_port().await?)
        } else {
            None
        };
        let record = self.new_record(project, &request, checked, fork, port);
        self.insert_pinned(&record).await?;
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
        notifications.extend(self.version_notice(service_type, &user_config));
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

    fn spawn_provision(self: &Arc<Self>, record: ServiceRecord) {
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
    async fn provisioning_failed(&self, record: &ServiceRecord, err: &JobError) {
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
    async fn end_provisioning(&self, project: &str, name: &str) {
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

    /// A warning when the settings ask for what the type's engine records
    /// but cannot honour, such as another major version.
    fn version_notice(
        &self,
        service_type: &ServiceType,
        config: &Map<String, Value>,
    ) -> Option<ServiceNotification> {
        self.engines
            .for_type(service_type.name)
            .version_notice(config)
    }

    /// A warning when the type has an engine but it is not installed here.
    fn engine_missing_notice(&self, service_type: &ServiceType) -> Option<ServiceNotification> {
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

    /// Makes the service's engine: a new one, or a fork restored from the
    /// backup and archive pinned for it; then the settings as the record
    /// has them now, and its pools.
    async fn provision(&self, record: &ServiceRecord) -> Result<(), JobError> {
        let (engine, at) = self.instance(record);
        self.issue_certificate(engine, record, &at.paths)?;
        match &record.fork {
            Some(fork) if engine.runs() => {
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
    fn issue_certificate(
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

    fn set_state(&self, project: &str, name: &str, state: ServiceState) -> Result<(), StoreError> {
        self.store.update_service(project, name, |r| {
            r.state = state;
            r.update_time = now();
            Ok(())
        })?;
        Ok(())
    }

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
    async fn start_engine(&self, record: &ServiceRecord) {
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
    fn note_engine_start(&self, record: &ServiceRecord, failed: Option<&EngineError>) {
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
    fn spawn_first_backup_if_missing(self: &Arc<Self>, record: ServiceRecord) {
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
    fn remove_unrecorded_backups(&self, record: &ServiceRecord) {
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
    async fn remove_orphans(&self, known: &[ServiceRecord]) {
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
    fn remove_orphaned_projects(&self) {
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
        let powered_change = request.powered.filter(|p| *p != current.powered);
        let (_, record) = self.store.update_service(project, name, |r| {
            apply_update(r, &request, &checked, powered_change);
            r.notifications
                .retain(|n| !engines::is_version_notice(&n.kind));
            let notice = self.version_notice(checked.service_type, &r.user_config);
            r.notifications.extend(notice);
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
        self.store.delete_service(project, name)?;
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

    /// The API's view of a service. Without `secrets` (the API's
    /// `include_secrets`), passwords read [`REDACTED`], as the hosted API
    /// answers; the URI keeps its password, as the official CLI expects.
    pub fn to_api(&self, record: &ServiceRecord, secrets: bool) -> api::Service {
        let endpoint = Endpoint::of(record);
        let shown = |password: &str| {
            if secrets {
                password.to_owned()
            } else {
                REDACTED.to_owned()
            }
        };
        let shown_password = shown(&endpoint.password);
        let (service_uri, params) = endpoint.connection(record, shown_password.clone());
        let backups = self.api_backups(record).unwrap_or_default();
        let connection_info = endpoint.connection_info(record, &shown_password);
        let users = record
            .users
            .iter()
            .map(|u| api::ServiceUser {
                password: u.password.as_deref().map(shown),
                ..u.clone()
            })
            .collect();
        api::Service {
            service_name: record.name.clone(),
            service_type: record.service_type.clone(),
            plan: record.plan.clone(),
            cloud_name: record.cloud.clone(),
            state: record.state.clone(),
            create_time: record.create_time.clone(),
            update_time: record.update_time.clone(),
            group_list: vec!["default".into()],
            node_count: Some(record.node_count),
            node_states: Some(node_states(record, !backups.is_empty())),
            service_uri: Some(service_uri),
            service_uri_params: Some(params),
            components: Some(vec![Component {
                component: record.service_type.clone(),
                host: endpoint.host.clone(),
                port: i64::from(endpoint.port),
                route: "dynamic".into(),
                usage: "primary".into(),
                // TLS, as on the platform, but for Valkey with valkey_ssl off.
                ssl: Some(
                    record.service_type != "valkey"
                        || crate::engines::valkey::requires_tls(&record.user_config),
                ),
                ..Component::default()
            }]),
            connection_info: Some(connection_info),
            metadata: Some(self.engines.of(record).metadata(&record.user_config)),
            cmk_id: record.cmk_id.clone(),
            user_config: reported_settings(&record.service_type, &record.user_config),
            users: Some(users),
            databases: Some(
                record
                    .databases
                    .iter()
                    .map(|d| d.database_name.clone())
                    .collect(),
            ),
            connection_pools: Some(endpoint.pools(record)),
            backups: Some(backups),
            termination_protection: record.termination_protection,
            service_integrations: Vec::new(),
            tags: Some(record.tags.clone()),
            disk_space_mb: Some(record.disk_space_mb),
            project_vpc_id: record.project_vpc_id.clone(),
            maintenance: Some(record.maintenance.clone()),
            tech_emails: Some(record.tech_emails.clone()),
            service_notifications: Some(record.notifications.clone()),
            cloud_description: catalog::cloud(&record.cloud).map(|c| c.description.to_owned()),
            ..api::Service::default()
        }
    }
}

/// One state per node. A fork runs on one node until its own first backup
/// completes, as the hosted service builds it: the others join after.
/// While a fork restores, its node is `syncing_data` and names the backup
/// in its progress, where the hosted API reports restore progress
/// (`node_states[].progress_updates`, Aiven's "Track service restore
/// progress" docs); the phases are reported without counters.
fn node_states(record: &ServiceRecord, has_backup: bool) -> Vec<NodeState> {
    let running = record.state == ServiceState::Running;
    let nodes = match (&record.fork, has_backup) {
        (Some(_), false) => 1,
        _ => record.node_count,
    };
    let restoring = record.fork.as_ref().filter(|_| !running);
    let node = |n: i64| NodeState {
        name: format!("{}-{n}", record.name),
        state: match (running, restoring) {
            (true, _) => "running",
            (false, Some(_)) => "syncing_data",
            (false, None) => "setting_up_vm",
        }
        .into(),
        role: Some(if n == 1 { "master" } else { "standby" }.into()),
        availability_zone: "local".into(),
        progress_updates: restoring.map(restore_phases),
    };
    (1..=nodes).map(node).collect()
}

/// A restoring fork's phases: its backup, then for a point in time the
/// replay of what the source committed after it.
fn restore_phases(fork: &ForkSource) -> Vec<ProgressUpdate> {
    let phase = |name: &str, position: Option<RestorePosition>| ProgressUpdate {
        phase: name.into(),
        completed: false,
        current: None,
        min: None,
        max: None,
        unit: None,
        position,
    };
    let backup = RestorePosition {
        backup_name: fork.backup_name.clone(),
        backup_incremental: false,
        chain_index: 0,
        chain_total: 1,
    };
    let mut phases = vec![phase("basebackup", Some(backup))];
    if let RestoreTo::Time(_) = fork.restore_to() {
        phases.push(phase("stream", None));
    }
    phases
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fork_has_one_node_until_its_first_backup() {
        let mut record: ServiceRecord = serde_json::from_value(serde_json::json!({
            "project": "p", "name": "copy", "service_type": "pg", "plan": "business-4",
            "cloud": "c", "state": "RUNNING", "create_time": "t", "update_time": "t",
            "node_count": 2, "user_config": {}, "termination_protection": false,
            "disk_space_mb": 1, "maintenance": {"dow": "sunday", "time": "02:00:00", "enabled": true, "updates": []},
            "tags": {}, "tech_emails": [], "project_vpc_id": null, "powered": true, "port": null,
            "users": [], "databases": [], "pools": [], "notifications": [],
            "fork": {"project": "p", "service": "src", "target_time": null, "backup_name": "b"}
        }))
        .unwrap();
        assert_eq!(node_states(&record, false).len(), 1);
        assert_eq!(node_states(&record, true).len(), 2);
        record.fork = None;
        assert_eq!(
            node_states(&record, false).len(),
            2,
            "a new service has all its nodes"
        );
    }

    #[test]
    fn a_restoring_fork_names_its_backup_in_its_nodes_progress() {
        let mut record: ServiceRecord = serde_json::from_value(serde_json::json!({
            "project": "p", "name": "copy", "service_type": "pg", "plan": "business-4",
            "cloud": "c", "state": "REBUILDING", "create_time": "t", "update_time": "t",
            "node_count": 2, "user_config": {}, "termination_protection": false,
            "disk_space_mb": 1, "maintenance": {"dow": "sunday", "time": "02:00:00", "enabled": true, "updates": []},
            "tags": {}, "tech_emails": [], "project_vpc_id": null, "powered": true, "port": null,
            "users": [], "databases": [], "pools": [], "notifications": [],
            "fork": {"project": "p", "service": "src", "target_time": null, "backup_name": "b-1"}
        }))
        .unwrap();
        let phases = |record: &ServiceRecord| -> Vec<String> {
            let nodes = node_states(record, false);
            let updates = nodes[0].progress_updates.clone().unwrap_or_default();
            updates.into_iter().map(|u| u.phase).collect()
        };
        let nodes = node_states(&record, false);
        assert_eq!(nodes[0].state, "syncing_data");
        assert_eq!(nodes[0].restoring_backup(), Some("b-1"));
        assert_eq!(phases(&record), ["basebackup"], "the backup alone");
        record.fork.as_mut().unwrap().target_time = Some("2026-12-02T05:43:05Z".into());
        assert_eq!(phases(&record), ["basebackup", "stream"], "then the replay");
        record.state = ServiceState::Running;
        let nodes = node_states(&record, false);
        assert_eq!(nodes[0].state, "running");
        assert_eq!(nodes[0].progress_updates, None, "no progress once it runs");
    }

    #[test]
    fn cluster_ports_come_from_below_the_kernels_ephemeral_range() {
        let ports = cluster_ports();
        assert!(ports.end <= ephemeral_port_start(), "{ports:?}");
        assert!(ports.len() >= 1000, "room for many clusters: {ports:?}");
    }
}
