//! The seam between a service's lifecycle and the program that holds its
//! data. Every engine does the same few things for one service at a time
//! (make it, start and stop it, change its settings and accounts, back it
//! up, and restore a backup into a new service), so the lifecycle in
//! [`crate::services`] is written once for all of them: fork resolution,
//! window checks, pinning a source's backup into a fork, the backup
//! schedule, retention and reconcile-on-start know nothing of PostgreSQL.
//!
//! One module per engine; [`none`] stands in for types no engine runs here,
//! or whose engine is not installed.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use aiven_api::names;
use aiven_api::types::{
    CreateDatabase, DatabaseEntry, OpensearchAclConfig, ServiceNotification, ServiceUser,
};
use serde_json::{Map, Value};

pub use crate::store::RestoreTo;
use crate::store::ServiceRecord;

pub mod cassandra;
pub mod clickhouse;
pub mod error;
pub mod mysql;
pub mod none;
pub mod opensearch;
pub mod pgbouncer;
pub mod postgres;
pub mod process;
pub mod thanos;
pub mod valkey;

pub use error::EngineError;

/// The name of every service's default database, and of the primary user
/// a new service gets unless its settings choose another.
pub const DEFAULT_DATABASE: &str = "defaultdb";
pub const ADMIN_USER: &str = "avnadmin";

/// A database as the platform makes it in a service of `service_type`:
/// pg's in the locale the request names, and in
/// [`names::PG_DATABASE_LOCALE`] where it names none; other types' with
/// no locale reported.
pub fn database_as_made(service_type: &str, request: &CreateDatabase) -> DatabaseEntry {
    let pg = service_type == "pg";
    let locale = |asked: &Option<String>| {
        pg.then(|| {
            asked
                .clone()
                .unwrap_or_else(|| names::PG_DATABASE_LOCALE.to_owned())
        })
    };
    DatabaseEntry {
        database_name: request.database.clone(),
        lc_collate: locale(&request.lc_collate),
        lc_ctype: locale(&request.lc_ctype),
    }
}

/// A new service's default database, as [`database_as_made`] makes it.
pub fn default_database(service_type: &str) -> DatabaseEntry {
    let request = CreateDatabase {
        database: DEFAULT_DATABASE.to_owned(),
        lc_collate: None,
        lc_ctype: None,
    };
    database_as_made(service_type, &request)
}

/// The account aiven-local connects to a service as: its primary user.
#[derive(Debug, Clone, Copy)]
pub struct Login<'a> {
    pub user: &'a str,
    pub password: &'a str,
}

/// Where one service keeps its files. Every engine has the same layout
/// around its own data directory: `archive/` (a change log archived
/// continuously, for engines with point-in-time recovery), `backups/NAME/`
/// and, while a fork restores, `restore-source/` (hard links to its
/// source's backup and archive, so that the source's retention or deletion
/// cannot pull them away mid-restore).
#[derive(Debug, Clone)]
pub struct ClusterPaths {
    pub root: PathBuf,
}

impl ClusterPaths {
    pub fn archive(&self) -> PathBuf {
        self.root.join("archive")
    }

    pub fn backups(&self) -> PathBuf {
        self.root.join("backups")
    }

    pub fn backup(&self, name: &str) -> PathBuf {
        self.backups().join(name)
    }

    pub fn restore_source(&self) -> PathBuf {
        self.root.join("restore-source")
    }

    /// The service's certificate, its key and its project's CA, written by
    /// [`crate::tls`] before every start.
    pub fn tls_dir(&self) -> PathBuf {
        self.root.join("tls")
    }

    pub fn tls_cert(&self) -> PathBuf {
        self.tls_dir().join("server.crt")
    }

    pub fn tls_key(&self) -> PathBuf {
        self.tls_dir().join("server.key")
    }

    pub fn tls_ca(&self) -> PathBuf {
        self.tls_dir().join("ca.crt")
    }

    /// The linked backup a fork restores from.
    pub fn restore_backup(&self) -> PathBuf {
        self.restore_source().join("backup")
    }

    /// The linked archive a fork replays.
    pub fn restore_archive(&self) -> PathBuf {
        self.restore_source().join("wal")
    }
}

/// One service as an engine sees it: its record (users, settings), where
/// its files are, and its port (`None` for services no engine runs).
pub struct Instance<'a> {
    pub record: &'a ServiceRecord,
    pub paths: ClusterPaths,
    pub port: Option<u16>,
}

impl<'a> Instance<'a> {
    /// The service's port; a service an engine runs always has one.
    pub fn port(&self) -> Result<u16, EngineError> {
        self.port
            .ok_or(EngineError::Invalid("the service has no port".to_owned()))
    }

    /// How aiven-local connects: as the primary user.
    pub fn login(&self) -> Login<'a> {
        let primary = self.record.users.iter().find(|u| u.kind == "primary");
        Login {
            user: primary.map_or(ADMIN_USER, |u| u.username.as_str()),
            password: primary.map_or("", |u| u.password.as_deref().unwrap_or_default()),
        }
    }

    /// The service's `user_config`.
    pub fn config(&self) -> &Map<String, Value> {
        &self.record.user_config
    }
}

/// Where a read replica's source is, for an engine to follow it: its
/// port, primary user, files (its archive, its certificates) and settings.
#[derive(Clone, Copy)]
pub struct Upstream<'a> {
    pub port: u16,
    pub login: Login<'a>,
    pub paths: &'a ClusterPaths,
    pub config: &'a Map<String, Value>,
}

/// How far a read replica is behind its source: changes received or made
/// by the source and not yet applied, in bytes of the engine's log, and
/// how old the oldest of them is.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Lag {
    pub bytes: Option<u64>,
    pub seconds: Option<f64>,
}

/// How to stop an engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// Finish cleanly: open transactions roll back, data is flushed.
    Fast,
    /// As quickly as possible, for a service about to be deleted.
    Immediate,
}

impl Stop {
    /// The signal for a server that shuts down cleanly on SIGTERM (as
    /// mariadbd and redis-server do): that, or SIGKILL when its data is
    /// about to go.
    pub fn signal(self) -> rustix::process::Signal {
        match self {
            Stop::Fast => rustix::process::Signal::TERM,
            Stop::Immediate => rustix::process::Signal::KILL,
        }
    }
}

/// A change to a service's users or databases, made in its engine before
/// the record keeps it.
#[derive(Debug, Clone, Copy)]
pub enum AccountChange<'a> {
    CreateUser(&'a ServiceUser),
    /// The user's password (and, for MySQL, its authentication plugin).
    SetPassword(&'a ServiceUser),
    /// The user's access control (pg replication, valkey ACLs).
    SetAccess(&'a ServiceUser),
    DropUser(&'a str),
    /// A database, with the locale its record keeps (pg).
    CreateDatabase(&'a DatabaseEntry),
    DropDatabase(&'a str),
    /// OpenSearch's index access control lists, replacing the record's.
    SetIndexAcl(&'a OpensearchAclConfig),
}

/// What an engine does for one service.
#[async_trait::async_trait]
pub trait Engine: Send + Sync {
    /// What runs the services, for messages: "PostgreSQL 15".
    fn product(&self) -> String;

    /// Whether services get a process and a port. Only [`none`] says no.
    fn runs(&self) -> bool {
        true
    }

    /// The directory holding the service's live data.
    fn data_dir(&self, paths: &ClusterPaths) -> PathBuf;

    /// The `user_config` keys that carry engine settings: an update that
    /// changes none of them does not touch the engine, and one the engine
    /// refuses has exactly these put back.
    fn setting_keys(&self) -> &'static [&'static str];

    /// Makes a new service: its data, its primary user and default
    /// database, started and ready. Settings come after, from
    /// [`Engine::apply_settings`].
    async fn init(&self, at: &Instance<'_>) -> Result<(), EngineError>;

    /// Makes a fork from the backup and archive linked into its restore
    /// source (see [`link_restore_source`]): the backup alone, or the
    /// backup with the archived changes replayed up to an instant (engines
    /// without point-in-time recovery are only ever asked for the backup);
    /// started and ready, with the restore source removed.
    async fn restore(&self, at: &Instance<'_>, to: RestoreTo<'_>) -> Result<(), EngineError>;

    async fn start(&self, at: &Instance<'_>) -> Result<(), EngineError>;

    /// Whether this engine's services can be read replicas.
    fn follows(&self) -> bool {
        false
    }

    /// Makes a read replica from the backup linked into its restore
    /// source (as for a fork), then keeps applying what `upstream` commits
    /// after it; started, ready, and read-only. Only called when
    /// [`Engine::follows`].
    async fn follow(&self, _at: &Instance<'_>, _upstream: Upstream<'_>) -> Result<(), EngineError> {
        Err(EngineError::Invalid(format!(
            "{} services cannot be read replicas here",
            self.product()
        )))
    }

    /// Runs one statement of the API's query endpoint in `database` and
    /// answers with its columns (`meta`), rows (`data`) and `summary`, as
    /// `ServiceClickHouseQuery` does. Only ClickHouse has one.
    async fn query(
        &self,
        _at: &Instance<'_>,
        _database: &str,
        _sql: &str,
    ) -> Result<Value, EngineError> {
        Err(EngineError::Invalid(format!(
            "{} services have no query endpoint",
            self.product()
        )))
    }

    /// How far a read replica is behind `upstream`, as far as the engine
    /// can tell; `None` from engines that cannot.
    async fn lag(
        &self,
        _at: &Instance<'_>,
        _upstream: Upstream<'_>,
    ) -> Result<Option<Lag>, EngineError> {
        Ok(None)
    }

    /// Stops following: the replica takes writes of its own and no longer
    /// needs its source.
    async fn promote(&self, _at: &Instance<'_>) -> Result<(), EngineError> {
        Err(EngineError::Invalid(format!(
            "{} services cannot be read replicas here",
            self.product()
        )))
    }

    async fn stop(&self, paths: &ClusterPaths, mode: Stop) -> Result<(), EngineError>;

    async fn is_running(&self, paths: &ClusterPaths) -> bool;

    /// Brings the engine's settings in line with the record's.
    async fn apply_settings(&self, at: &Instance<'_>) -> Result<(), EngineError>;

    /// Takes a backup into `paths.backup(name)` and returns its size in
    /// bytes. The service keeps taking writes meanwhile.
    async fn backup(&self, at: &Instance<'_>, name: &str) -> Result<i64, EngineError>;

    /// Archives what the engine has finished writing of its change log, for
    /// engines that leave that to aiven-local (PostgreSQL archives its
    /// own). Called every second for every running service.
    async fn archive(&self, _paths: &ClusterPaths) -> Result<(), EngineError> {
        Ok(())
    }

    /// Makes every change committed so far reach the archive, before a fork
    /// links it. Engines without an archive have nothing to do.
    async fn flush_to_archive(&self, _at: &Instance<'_>) -> Result<(), EngineError> {
        Ok(())
    }

    /// Deletes archived changes older than backup `oldest_kept`, which no
    /// kept backup needs any more.
    async fn prune_archive(
        &self,
        _paths: &ClusterPaths,
        _oldest_kept: &str,
    ) -> Result<(), EngineError> {
        Ok(())
    }

    async fn account(
        &self,
        at: &Instance<'_>,
        change: AccountChange<'_>,
    ) -> Result<(), EngineError>;

    /// Brings what serves the service's connection pools in line with the
    /// record's pools. Engines without pools have nothing to do.
    async fn serve_pools(&self, _at: &Instance<'_>) -> Result<(), EngineError> {
        Ok(())
    }

    /// A warning for a version the settings ask for that the engine does
    /// not run.
    fn version_notice(&self, _config: &Map<String, Value>) -> Option<ServiceNotification> {
        None
    }

    /// Warnings for settings the engine records but cannot honour: a
    /// version it does not run, settings it does not apply. Each update
    /// replaces them (see [`is_settings_notice`]).
    fn settings_notices(&self, config: &Map<String, Value>) -> Vec<ServiceNotification> {
        self.version_notice(config).into_iter().collect()
    }

    /// What the API reports in a service's `metadata`.
    fn metadata(&self, _config: &Map<String, Value>) -> Map<String, Value> {
        Map::new()
    }

    /// Where a backup is kept, as the API's `storage_location` says.
    fn storage_location(&self, paths: &ClusterPaths, backup: &str) -> String {
        format!("file://{}", paths.backup(backup).display())
    }
}

/// The engine for each service type that has one installed here, and why
/// the others have none.
pub struct Engines {
    running: HashMap<&'static str, Arc<dyn Engine>>,
    /// Types with an engine that could not be found, and why.
    missing: HashMap<&'static str, String>,
    /// Types aiven-local runs no engine for, by design, and why.
    lifecycle_only: HashMap<&'static str, &'static str>,
    none: Arc<none::NoEngine>,
}

impl Engines {
    pub fn new(none: none::NoEngine) -> Engines {
        Engines {
            running: HashMap::new(),
            missing: HashMap::new(),
            lifecycle_only: HashMap::new(),
            none: Arc::new(none),
        }
    }

    /// Registers `service_type`'s engine, or the reason it has none.
    pub fn add(&mut self, service_type: &'static str, engine: Result<Arc<dyn Engine>, String>) {
        match engine {
            Ok(engine) => {
                self.running.insert(service_type, engine);
            }
            Err(why) => {
                tracing::warn!(service_type, reason = %why, "no engine: lifecycle only");
                self.missing.insert(service_type, why);
            }
        }
    }

    /// The engine new services of `service_type` get.
    pub fn for_type(&self, service_type: &str) -> &dyn Engine {
        match self.running.get(service_type) {
            Some(engine) => engine.as_ref(),
            None => self.none.as_ref(),
        }
    }

    /// Why `service_type` has an engine elsewhere but none here.
    pub fn missing(&self, service_type: &str) -> Option<&str> {
        self.missing.get(service_type).map(String::as_str)
    }

    /// Records that aiven-local runs no engine for `service_type`, and
    /// why: its services keep the lifecycle and say so.
    pub fn keep_lifecycle_only(&mut self, service_type: &'static str, why: &'static str) {
        self.lifecycle_only.insert(service_type, why);
    }

    /// Why aiven-local runs no engine for `service_type`, if it runs none
    /// by design.
    pub fn lifecycle_only(&self, service_type: &str) -> Option<&'static str> {
        self.lifecycle_only.get(service_type).copied()
    }

    /// Every installed engine, for work on a directory whose service is
    /// no longer known.
    pub fn all(&self) -> impl Iterator<Item = &dyn Engine> {
        self.running.values().map(|engine| engine.as_ref())
    }

    /// The engine a service has: the one of its type if it was given a port
    /// when made, else none (a service made while its engine was missing
    /// stays lifecycle-only).
    pub fn of(&self, record: &ServiceRecord) -> &dyn Engine {
        if record.port.is_some() {
            self.for_type(&record.service_type)
        } else {
            self.none.as_ref()
        }
    }
}

/// A service's users with `change` made: for engines that write their
/// whole user list at once.
pub fn users_after(users: &[ServiceUser], change: AccountChange<'_>) -> Vec<ServiceUser> {
    let mut users = users.to_vec();
    match change {
        AccountChange::CreateUser(user) => users.push(user.clone()),
        AccountChange::SetPassword(user) | AccountChange::SetAccess(user) => {
            for stored in users.iter_mut().filter(|u| u.username == user.username) {
                *stored = user.clone();
            }
        }
        AccountChange::DropUser(name) => users.retain(|u| u.username != name),
        AccountChange::CreateDatabase(_)
        | AccountChange::DropDatabase(_)
        | AccountChange::SetIndexAcl(_) => {}
    }
    users
}

/// The warning that the keys of `keys` present in `config` are recorded
/// but not applied, worded by `message` from those keys; none when none
/// is present. For [`Engine::settings_notices`].
pub fn not_applied_notice(
    config: &Map<String, Value>,
    keys: &[&str],
    kind: &str,
    message: impl FnOnce(&[&str]) -> String,
) -> Option<ServiceNotification> {
    let present: Vec<&str> = keys
        .iter()
        .copied()
        .filter(|key| config.contains_key(*key))
        .collect();
    (!present.is_empty()).then(|| warning(kind, message(&present)))
}

/// A notification of aiven-local's own, of level `warning`.
pub fn warning(kind: &str, message: String) -> ServiceNotification {
    ServiceNotification {
        level: "warning".into(),
        message,
        kind: kind.into(),
        metadata: Map::new(),
    }
}

/// The warning that `config`'s `key` asks for a version `product` does
/// not run: one `runs` does not start with (`2` is 2.19's, `4` is not
/// 5.0.6's). For [`Engine::version_notice`].
pub fn other_version(
    config: &Map<String, Value>,
    key: &str,
    product: &str,
    runs: &str,
    kind: &str,
) -> Option<ServiceNotification> {
    let asked = config.get(key)?.as_str()?;
    (!runs.starts_with(asked)).then(|| {
        warning(
            kind,
            format!(
                "{key} {asked} is recorded, but aiven-local runs {product} {runs}: \
                 behaviour that changed between the two versions follows {runs}."
            ),
        )
    })
}

/// A service user for engines' tests.
#[cfg(test)]
pub fn test_user(name: &str, kind: &str, password: &str) -> ServiceUser {
    ServiceUser {
        username: name.into(),
        password: Some(password.into()),
        kind: kind.into(),
        authentication: None,
        access_control: None,
    }
}

/// Whether a notification kind is one of [`Engine::settings_notices`]: a
/// version the engine does not run (`pg_version_not_run`), settings it
/// does not apply (`clickhouse_settings_not_applied`). Each update
/// replaces them.
pub fn is_settings_notice(kind: &str) -> bool {
    kind.ends_with("_version_not_run") || kind.ends_with("_settings_not_applied")
}

/// Links backup `backup` of `source` and its archive as archived so far
/// into `fork`'s restore source. Call it again to add what was archived
/// since; once the links exist, the source itself is no longer needed. The
/// backup is linked under a temporary name and renamed, so a crash never
/// leaves half a backup looking whole.
pub fn link_restore_source(
    source: &ClusterPaths,
    backup: &str,
    fork: &ClusterPaths,
) -> Result<(), EngineError> {
    let linked_backup = fork.restore_backup();
    if !linked_backup.exists() {
        let partial = fork.restore_source().join("backup.part");
        let _ = std::fs::remove_dir_all(&partial);
        process::link_missing(&source.backup(backup), &partial)?;
        std::fs::rename(&partial, &linked_backup)
            .map_err(|err| EngineError::io("rename", &partial, err))?;
    }
    let archive = source.archive();
    match process::link_missing(&archive, &fork.restore_archive()) {
        // The source is gone (or keeps no archive); what was linked before
        // is what there is.
        Err(_) if !archive.exists() => Ok(()),
        linked => linked,
    }
}

/// Creates a service's directories, and its data directory (0700)
/// emptied: whatever is there is from an attempt a crash interrupted,
/// whose processes may still be finishing (see
/// [`process::remove_dir_settling`]).
pub async fn prepare_dirs(paths: &ClusterPaths, data: &Path) -> Result<(), EngineError> {
    for dir in [paths.root.clone(), paths.archive(), paths.backups()] {
        std::fs::create_dir_all(&dir).map_err(|err| EngineError::io("create", &dir, err))?;
    }
    process::remove_dir_settling(data)
        .await
        .map_err(|err| EngineError::io("clear", data, err))?;
    std::fs::create_dir_all(data).map_err(|err| EngineError::io("create", data, err))?;
    std::fs::set_permissions(data, std::os::unix::fs::PermissionsExt::from_mode(0o700))
        .map_err(|err| EngineError::io("set the mode of", data, err))
}

/// Removes a fork's restore source once it stands on its own.
pub fn drop_restore_source(paths: &ClusterPaths) -> Result<(), EngineError> {
    let source = paths.restore_source();
    std::fs::remove_dir_all(&source).map_err(|err| EngineError::io("remove", source, err))
}
