//! The store: aiven-local's catalog of projects, services and backups, in
//! SQLite (named apart from `aiven_api::catalog`, the service types and
//! plans). Every change is
//! one transaction, so a crash at any point leaves either the old or the
//! new record, never half of one; on start the engine reconciles records
//! with the processes and directories on disk.

use aiven_api::types::ServiceState;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Mutex;

use aiven_api::types::{
    Account, ConnectionPool, DatabaseEntry, Maintenance, OpensearchAclConfig, ServiceNotification,
    ServiceUser, TechEmail,
};
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Where a fork restores from; kept after the fork completes so a restart
/// mid-restore can start over, and so the fork can say what it holds.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ForkSource {
    pub project: String,
    pub service: String,
    /// RFC 3339: replay the source's changes up to this instant. `None`
    /// restores the backup as it was taken and nothing after it, as the
    /// hosted platform does for a fork that names no time.
    pub target_time: Option<String>,
    /// The backup to restore from, chosen when the fork was accepted.
    pub backup_name: String,
    /// When that backup was taken (RFC 3339); absent in records written
    /// before it was kept.
    #[serde(default)]
    pub backup_time: Option<String>,
}

impl ForkSource {
    /// How far past its backup the fork replays.
    pub fn restore_to(&self) -> RestoreTo<'_> {
        match &self.target_time {
            Some(time) => RestoreTo::Time(time),
            None => RestoreTo::Backup,
        }
    }
}

/// What a fork holds of its source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RestoreTo<'a> {
    /// The backup as it was taken: nothing committed after it.
    Backup,
    /// Every change committed at or before this instant (RFC 3339).
    Time(&'a str),
}

/// What a project holds beyond its name and default cloud: where it
/// belongs, who is told about it, its labels.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct ProjectRecord {
    #[serde(default)]
    pub account_id: Option<String>,
    #[serde(default)]
    pub billing_group_id: Option<String>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    #[serde(default)]
    pub tech_emails: Vec<TechEmail>,
    /// The project's VPCs: recorded, no network is made.
    #[serde(default)]
    pub vpcs: Vec<VpcRecord>,
    /// The project's static IP addresses: recorded, nothing routed.
    #[serde(default)]
    pub static_ips: Vec<StaticIpRecord>,
}

/// A static IP address as aiven-local records it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct StaticIpRecord {
    pub id: String,
    pub cloud_name: String,
    pub ip_address: String,
    pub termination_protection: bool,
    /// The service it is associated with.
    pub service: Option<String>,
}

/// A project VPC as aiven-local records it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct VpcRecord {
    pub id: String,
    pub cloud_name: String,
    pub network_cidr: String,
    pub create_time: String,
}

/// Everything aiven-local knows about a service.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ServiceRecord {
    pub project: String,
    pub name: String,
    pub service_type: String,
    pub plan: String,
    pub cloud: String,
    pub state: ServiceState,
    pub create_time: String,
    pub update_time: String,
    pub node_count: i64,
    pub user_config: Map<String, Value>,
    pub termination_protection: bool,
    pub disk_space_mb: i64,
    pub maintenance: Maintenance,
    pub tags: BTreeMap<String, String>,
    pub tech_emails: Vec<TechEmail>,
    pub project_vpc_id: Option<String>,
    pub powered: bool,
    /// The local port an engine listens on, kept across restarts.
    pub port: Option<u16>,
    pub users: Vec<ServiceUser>,
    #[serde(deserialize_with = "databases")]
    pub databases: Vec<DatabaseEntry>,
    pub pools: Vec<ConnectionPool>,
    pub notifications: Vec<ServiceNotification>,
    pub fork: Option<ForkSource>,
    /// The customer-managed key the service was given (recorded; data at
    /// rest is not encrypted with it here).
    #[serde(default)]
    pub cmk_id: Option<String>,
    /// The service this one is a read replica of, while it is one.
    #[serde(default)]
    pub follows: Option<Follow>,
    /// OpenSearch's index access control lists (off for a new service).
    #[serde(default)]
    pub opensearch_acl: OpensearchAclConfig,
}

/// A read replica's source (the `read_replica` integration that made it):
/// the replica is built from the source's newest backup and then follows
/// its changes until the integration is deleted, which promotes it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Follow {
    /// The integration's id, as the API reports it.
    pub integration_id: String,
    pub project: String,
    pub service: String,
    /// The backup the replica was built from, once chosen.
    #[serde(default)]
    pub backup_name: Option<String>,
    pub create_time: String,
}

impl ServiceRecord {
    pub fn has_database(&self, name: &str) -> bool {
        self.databases.iter().any(|d| d.database_name == name)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct BackupRecord {
    pub name: String,
    /// RFC 3339: when the backup became consistent (its end).
    pub time: String,
    pub size: i64,
    /// The service's users, databases and pools when the backup was
    /// taken: what a fork of this backup alone holds. `None` for backups
    /// recorded before they were kept.
    pub accounts: Option<AccountsAt>,
}

/// A service's users, databases and pools at one moment.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AccountsAt {
    pub users: Vec<ServiceUser>,
    #[serde(deserialize_with = "databases")]
    pub databases: Vec<DatabaseEntry>,
    pub pools: Vec<ConnectionPool>,
}

/// A service's databases as recorded: with their locales, or, in records
/// written before locales were kept, by name alone.
fn databases<'de, D: serde::Deserializer<'de>>(from: D) -> Result<Vec<DatabaseEntry>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Recorded {
        Entry(DatabaseEntry),
        Name(String),
    }
    let recorded = Vec::<Recorded>::deserialize(from)?;
    Ok(recorded
        .into_iter()
        .map(|database| match database {
            Recorded::Entry(entry) => entry,
            Recorded::Name(database_name) => DatabaseEntry {
                database_name,
                lc_collate: None,
                lc_ctype: None,
            },
        })
        .collect())
}

#[derive(Debug)]
pub enum StoreError {
    /// The name is taken.
    Conflict,
    /// The record does not exist.
    Missing,
    /// A change refused because of what the record holds.
    Invalid(String),
    Storage(String),
}

impl From<rusqlite::Error> for StoreError {
    fn from(err: rusqlite::Error) -> StoreError {
        StoreError::Storage(err.to_string())
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(err: serde_json::Error) -> StoreError {
        StoreError::Storage(err.to_string())
    }
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreError::Conflict => write!(f, "already exists"),
            StoreError::Missing => write!(f, "not found"),
            StoreError::Invalid(message) => write!(f, "{message}"),
            StoreError::Storage(message) => write!(f, "catalog storage error: {message}"),
        }
    }
}

pub struct Store {
    connection: Mutex<Connection>,
}

/// The catalog holds every service's passwords: it and its WAL files are
/// readable by their owner alone. SQLite gives the WAL files the mode of
/// the database file, which is created 0600 before SQLite opens it.
fn close_to_others(path: &Path) -> Result<(), StoreError> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(path)
        .map_err(|err| StoreError::Storage(format!("cannot open {}: {err}", path.display())))?;
    for suffix in ["", "-wal", "-shm"] {
        let mut file = path.as_os_str().to_owned();
        file.push(suffix);
        if std::path::Path::new(&file).exists() {
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).map_err(
                |err| StoreError::Storage(format!("cannot close {}: {err}", path.display())),
            )?;
        }
    }
    Ok(())
}

impl Store {
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        close_to_others(path)?;
        let connection = Connection::open(path)?;
        connection.execute_batch(
            "PRAGMA journal_mode = WAL;
             PRAGMA synchronous = FULL;
             PRAGMA busy_timeout = 5000;
             CREATE TABLE IF NOT EXISTS projects (
                 name TEXT PRIMARY KEY,
                 default_cloud TEXT NOT NULL
             );
             CREATE TABLE IF NOT EXISTS project_details (
                 name TEXT PRIMARY KEY,
                 record TEXT NOT NULL
             );
             CREATE TABLE IF NOT EXISTS services (
                 project TEXT NOT NULL,
                 name TEXT NOT NULL,
                 record TEXT NOT NULL,
                 PRIMARY KEY (project, name)
             );
             CREATE TABLE IF NOT EXISTS accounts (
                 id TEXT PRIMARY KEY,
                 record TEXT NOT NULL
             );
             CREATE TABLE IF NOT EXISTS backups (
                 project TEXT NOT NULL,
                 service TEXT NOT NULL,
                 name TEXT NOT NULL,
                 time TEXT NOT NULL,
                 size INTEGER NOT NULL,
                 PRIMARY KEY (project, service, name)
             );",
        )?;
        // Catalogs from before backups kept their accounts gain the column.
        let has_accounts = connection
            .prepare("SELECT 1 FROM pragma_table_info('backups') WHERE name = 'accounts'")?
            .exists([])?;
        if !has_accounts {
            connection.execute("ALTER TABLE backups ADD COLUMN accounts TEXT", [])?;
        }
        // Projects made by a service's create once took a cloud the
        // platform has never offered; they take the platform's default.
        connection.execute(
            "UPDATE projects SET default_cloud = 'google-europe-west1' WHERE default_cloud = 'local-laptop'",
            [],
        )?;
        Ok(Store {
            connection: Mutex::new(connection),
        })
    }

    fn with<T>(
        &self,
        work: impl FnOnce(&mut Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        // A panic while holding the lock cannot leave SQLite half-written
        // (transactions roll back on drop), so a poisoned lock is safe to reuse.
        let mut connection = self
            .connection
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        work(&mut connection)
    }

    /// Creates a project; `Conflict` if it exists.
    pub fn create_project(
        &self,
        name: &str,
        default_cloud: &str,
        record: &ProjectRecord,
    ) -> Result<(), StoreError> {
        let json = serde_json::to_string(record)?;
        self.with(|c| {
            let tx = c.transaction()?;
            let added = tx.execute(
                "INSERT OR IGNORE INTO projects (name, default_cloud) VALUES (?1, ?2)",
                [name, default_cloud],
            )?;
            if added == 0 {
                return Err(StoreError::Conflict);
            }
            tx.execute(
                "INSERT OR REPLACE INTO project_details (name, record) VALUES (?1, ?2)",
                [name, &json],
            )?;
            tx.commit()?;
            Ok(())
        })
    }

    /// A project's default cloud and details; `None` when there is no such
    /// project. One made by a service create has no details yet.
    pub fn project(&self, name: &str) -> Result<Option<(String, ProjectRecord)>, StoreError> {
        self.with(|c| read_project(c, name))
    }

    /// Reads, changes and writes a project's default cloud and details in
    /// one transaction, so changes made at once all land.
    pub fn update_project(
        &self,
        name: &str,
        change: impl FnOnce(&mut String, &mut ProjectRecord),
    ) -> Result<(String, ProjectRecord), StoreError> {
        self.with(|c| {
            let tx = c.transaction()?;
            let (mut cloud, mut record) = read_project(&tx, name)?.ok_or(StoreError::Missing)?;
            change(&mut cloud, &mut record);
            tx.execute(
                "UPDATE projects SET default_cloud = ?2 WHERE name = ?1",
                [name, &cloud],
            )?;
            tx.execute(
                "INSERT OR REPLACE INTO project_details (name, record) VALUES (?1, ?2)",
                [name, &serde_json::to_string(&record)?],
            )?;
            tx.commit()?;
            Ok((cloud, record))
        })
    }

    /// Deletes an empty project: `Missing` if there is none, `Conflict`
    /// while it has services.
    pub fn delete_project(&self, name: &str) -> Result<(), StoreError> {
        self.with(|c| {
            let tx = c.transaction()?;
            let services: i64 = tx.query_row(
                "SELECT count(*) FROM services WHERE project = ?1",
                [name],
                |row| row.get(0),
            )?;
            if services > 0 {
                return Err(StoreError::Conflict);
            }
            if tx.execute("DELETE FROM projects WHERE name = ?1", [name])? == 0 {
                return Err(StoreError::Missing);
            }
            tx.execute("DELETE FROM project_details WHERE name = ?1", [name])?;
            tx.commit()?;
            Ok(())
        })
    }

    /// Records a new account.
    pub fn insert_account(&self, account: &Account) -> Result<(), StoreError> {
        let json = serde_json::to_string(account)?;
        self.with(|c| {
            c.execute(
                "INSERT INTO accounts (id, record) VALUES (?1, ?2)",
                [&account.account_id, &json],
            )?;
            Ok(())
        })
    }

    /// Every account, oldest first.
    pub fn accounts(&self) -> Result<Vec<Account>, StoreError> {
        self.with(|c| {
            let mut statement = c.prepare("SELECT record FROM accounts ORDER BY rowid")?;
            let rows = statement
                .query_map([], |row| row.get::<_, String>(0))?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows
                .iter()
                .map(|json| serde_json::from_str(json))
                .collect::<Result<Vec<_>, _>>()?)
        })
    }

    /// Reads, changes and writes one account in a single transaction.
    pub fn update_account(
        &self,
        id: &str,
        change: impl FnOnce(&mut Account),
    ) -> Result<Account, StoreError> {
        self.with(|c| {
            let tx = c.transaction()?;
            let json: String = tx
                .query_row("SELECT record FROM accounts WHERE id = ?1", [id], |row| {
                    row.get(0)
                })
                .optional()?
                .ok_or(StoreError::Missing)?;
            let mut account: Account = serde_json::from_str(&json)?;
            change(&mut account);
            tx.execute(
                "UPDATE accounts SET record = ?2 WHERE id = ?1",
                [id, &serde_json::to_string(&account)?],
            )?;
            tx.commit()?;
            Ok(account)
        })
    }

    /// Removes accounts, all or none.
    pub fn delete_accounts(&self, ids: &[String]) -> Result<(), StoreError> {
        self.with(|c| {
            let tx = c.transaction()?;
            for id in ids {
                tx.execute("DELETE FROM accounts WHERE id = ?1", [id])?;
            }
            tx.commit()?;
            Ok(())
        })
    }

    pub fn projects(&self) -> Result<Vec<String>, StoreError> {
        self.with(|c| {
            let mut statement = c.prepare("SELECT name FROM projects ORDER BY name")?;
            let names = statement
                .query_map([], |row| row.get(0))?
                .collect::<Result<Vec<String>, _>>()?;
            Ok(names)
        })
    }

    pub fn insert_service(&self, record: &ServiceRecord) -> Result<(), StoreError> {
        let json = serde_json::to_string(record)?;
        self.with(|c| {
            let tx = c.transaction()?;
            tx.execute(
                "INSERT OR IGNORE INTO projects (name, default_cloud) VALUES (?1, 'google-europe-west1')",
                [&record.project],
            )?;
            let inserted = tx.execute(
                "INSERT OR IGNORE INTO services (project, name, record) VALUES (?1, ?2, ?3)",
                params![record.project, record.name, json],
            )?;
            if inserted == 0 {
                return Err(StoreError::Conflict);
            }
            tx.commit()?;
            Ok(())
        })
    }

    pub fn service(&self, project: &str, name: &str) -> Result<Option<ServiceRecord>, StoreError> {
        self.with(|c| {
            let json: Option<String> = c
                .query_row(
                    "SELECT record FROM services WHERE project = ?1 AND name = ?2",
                    [project, name],
                    |row| row.get(0),
                )
                .optional()?;
            Ok(json.map(|json| serde_json::from_str(&json)).transpose()?)
        })
    }

    /// Services of one project, or of all projects with `None`.
    pub fn services(&self, project: Option<&str>) -> Result<Vec<ServiceRecord>, StoreError> {
        self.with(|c| {
            let mut statement = c.prepare(
                "SELECT record FROM services WHERE ?1 IS NULL OR project = ?1 ORDER BY project, name",
            )?;
            let rows = statement.query_map([project], |row| row.get::<_, String>(0))?.collect::<Result<Vec<_>, _>>()?;
            Ok(rows.iter().map(|json| serde_json::from_str(json)).collect::<Result<Vec<_>, _>>()?)
        })
    }

    /// Reads, changes and writes one record in a single transaction. The
    /// change may refuse by returning an error, which writes nothing.
    pub fn update_service<T>(
        &self,
        project: &str,
        name: &str,
        change: impl FnOnce(&mut ServiceRecord) -> Result<T, StoreError>,
    ) -> Result<(T, ServiceRecord), StoreError> {
        self.with(|c| {
            let tx = c.transaction()?;
            let json: Option<String> = tx
                .query_row(
                    "SELECT record FROM services WHERE project = ?1 AND name = ?2",
                    [project, name],
                    |row| row.get(0),
                )
                .optional()?;
            let mut record: ServiceRecord =
                serde_json::from_str(&json.ok_or(StoreError::Missing)?)?;
            let outcome = change(&mut record)?;
            tx.execute(
                "UPDATE services SET record = ?3 WHERE project = ?1 AND name = ?2",
                params![project, name, serde_json::to_string(&record)?],
            )?;
            tx.commit()?;
            Ok((outcome, record))
        })
    }

    /// Removes a service and its backups.
    pub fn delete_service(&self, project: &str, name: &str) -> Result<(), StoreError> {
        self.with(|c| {
            let tx = c.transaction()?;
            let removed = tx.execute(
                "DELETE FROM services WHERE project = ?1 AND name = ?2",
                [project, name],
            )?;
            tx.execute(
                "DELETE FROM backups WHERE project = ?1 AND service = ?2",
                [project, name],
            )?;
            tx.commit()?;
            if removed == 0 {
                Err(StoreError::Missing)
            } else {
                Ok(())
            }
        })
    }

    pub fn add_backup(
        &self,
        project: &str,
        service: &str,
        backup: &BackupRecord,
    ) -> Result<(), StoreError> {
        let accounts = backup
            .accounts
            .as_ref()
            .map(serde_json::to_string)
            .transpose()?;
        self.with(|c| {
            c.execute(
                "INSERT OR REPLACE INTO backups (project, service, name, time, size, accounts) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![project, service, backup.name, backup.time, backup.size, accounts],
            )?;
            Ok(())
        })
    }

    pub fn delete_backup(
        &self,
        project: &str,
        service: &str,
        name: &str,
    ) -> Result<(), StoreError> {
        self.with(|c| {
            c.execute(
                "DELETE FROM backups WHERE project = ?1 AND service = ?2 AND name = ?3",
                [project, service, name],
            )?;
            Ok(())
        })
    }

    /// Backups oldest first.
    pub fn backups(&self, project: &str, service: &str) -> Result<Vec<BackupRecord>, StoreError> {
        self.with(|c| {
            let mut statement =
                c.prepare("SELECT name, time, size, accounts FROM backups WHERE project = ?1 AND service = ?2 ORDER BY time, name")?;
            let rows = statement
                .query_map([project, service], |row| {
                    let accounts: Option<String> = row.get(3)?;
                    Ok(BackupRecord {
                        name: row.get(0)?,
                        time: row.get(1)?,
                        size: row.get(2)?,
                        accounts: accounts.and_then(|json| serde_json::from_str(&json).ok()),
                    })
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
    }

    /// Ports held by any service, so a new one never collides.
    pub fn used_ports(&self) -> Result<Vec<u16>, StoreError> {
        Ok(self
            .services(None)?
            .into_iter()
            .filter_map(|s| s.port)
            .collect())
    }
}

/// A project's row and details, read on a connection or inside a transaction.
fn read_project(c: &Connection, name: &str) -> Result<Option<(String, ProjectRecord)>, StoreError> {
    let row: Option<(String, Option<String>)> = c
        .query_row(
            "SELECT p.default_cloud, d.record FROM projects p
             LEFT JOIN project_details d ON d.name = p.name WHERE p.name = ?1",
            [name],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?;
    row.map(|(cloud, json)| {
        let record = json.map(|j| serde_json::from_str(&j)).transpose()?;
        Ok((cloud, record.unwrap_or_default()))
    })
    .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn databases_recorded_by_name_alone_read_without_a_locale() {
        let recorded = serde_json::json!({
            "users": [],
            "databases": ["defaultdb", {"database_name": "app", "lc_collate": "C", "lc_ctype": "C"}],
            "pools": [],
        });
        let accounts: AccountsAt = serde_json::from_value(recorded).unwrap();
        assert_eq!(accounts.databases[0].database_name, "defaultdb");
        assert_eq!(accounts.databases[0].lc_collate, None);
        assert_eq!(accounts.databases[1].lc_ctype.as_deref(), Some("C"));
    }

    fn scratch() -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "aiven-local-store-{}-{}",
            std::process::id(),
            fastrand::u64(..)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        dir.join("catalog.sqlite3")
    }

    #[test]
    fn changes_to_one_project_made_at_once_all_land() {
        // Two static IPs created in one apply are two requests at once; each
        // change must see the other's, or one address is lost.
        let store = std::sync::Arc::new(Store::open(&scratch()).unwrap());
        store
            .create_project("p", "google-europe-west1", &ProjectRecord::default())
            .unwrap();
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let store = store.clone();
                std::thread::spawn(move || {
                    for i in 0..50 {
                        store
                            .update_project("p", |_, details| {
                                details.tags.insert(format!("{t}-{i}"), String::new());
                            })
                            .unwrap();
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        let (_, details) = store.project("p").unwrap().unwrap();
        assert_eq!(details.tags.len(), 200);
    }

    #[test]
    fn a_catalog_from_before_backups_kept_accounts_opens_and_keeps_its_backups() {
        let path = scratch();
        let old = Connection::open(&path).unwrap();
        old.execute_batch(
            "CREATE TABLE backups (project TEXT NOT NULL, service TEXT NOT NULL, name TEXT NOT NULL,
                 time TEXT NOT NULL, size INTEGER NOT NULL, PRIMARY KEY (project, service, name));
             INSERT INTO backups VALUES ('p', 's', 'b-1', '2026-12-01T00:00:00Z', 7);",
        )
        .unwrap();
        drop(old);
        let store = Store::open(&path).unwrap();
        let listed = store.backups("p", "s").unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].accounts, None, "not known for an old backup");

        let accounts = AccountsAt {
            users: Vec::new(),
            databases: vec![DatabaseEntry {
                database_name: "defaultdb".into(),
                lc_collate: None,
                lc_ctype: None,
            }],
            pools: Vec::new(),
        };
        let backup = BackupRecord {
            name: "b-2".into(),
            time: "2026-12-02T00:00:00Z".into(),
            size: 9,
            accounts: Some(accounts.clone()),
        };
        store.add_backup("p", "s", &backup).unwrap();
        assert_eq!(store.backups("p", "s").unwrap()[1].accounts, Some(accounts));
        let _ = std::fs::remove_dir_all(path.parent().unwrap());
    }
}
