//! ClickHouse services on chDB, the ClickHouse engine built as a library
//! (PyPI `chdb-core`), which has no server of its own. Each service runs
//! [`clickhouse_http.py`](./clickhouse_http.py), a small server of ours
//! embedded in this binary: ClickHouse's HTTP interface over TLS on the
//! service's port in front of one chDB session, so ClickHouse's own
//! clients connect unchanged, and a control socket in the service's
//! private directory for aiven-local. The platform serves ClickHouse over
//! TLS only (Aiven's "Interfaces and drivers supported in Aiven for
//! ClickHouse"); the native TCP and MySQL interfaces are not served here.
//!
//! Backups are ClickHouse's own `BACKUP ALL` into the backup's directory
//! (each table as of one moment; writes go on meanwhile), and a fork is a
//! `RESTORE ALL` of one backup into a fresh engine: its databases, tables
//! and rows as the backup holds them. The service's users log in with
//! their passwords (checked by our server against salted digests); chDB
//! runs every statement as its one built-in user, so grants are not
//! enforced here.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use aiven_api::types::{ServiceNotification, ServiceUser};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use tokio::process::Command;

use super::process;
use super::{AccountChange, ClusterPaths, Engine, EngineError, Instance, RestoreTo, Stop};

/// The name our server gives its process (`/proc/PID/comm`).
const PROGRAM: &str = "chdb-http";
/// The server, written next to each service's data before it starts.
const SERVER: &str = include_str!("clickhouse_http.py");
/// The notification kind for a `clickhouse_version` other than chDB's.
pub const VERSION_NOT_RUN: &str = "clickhouse_version_not_run";
/// The notification kind for settings recorded but not applied.
pub const SETTINGS_NOT_APPLIED: &str = "clickhouse_settings_not_applied";
/// The `user_config` key whose settings every session starts with: the
/// one ClickHouse settings key chDB applies.
const SESSION_SETTINGS: &str = "session_settings";
/// The engine settings keys of `clickhouse_user_config` that chDB cannot
/// honour: the server's own settings and tiered storage, which a library
/// without a server or object storage has no place for.
const NOT_APPLIED: [&str; 2] = ["server_settings", "tiered_storage_move_factor"];

/// Runs services with the Python that has chDB installed.
#[derive(Debug, Clone)]
pub struct ClickHouse {
    pub python: PathBuf,
    /// Where the control sockets are (`chdb.PORT.sock` each): a short
    /// directory of aiven-local's, as a socket's path has at most 107
    /// bytes and a service's directory can be longer.
    pub sockets: PathBuf,
    /// The engine's version (`26.9.2.1`).
    pub version: Option<String>,
}

fn data(paths: &ClusterPaths) -> PathBuf {
    paths.root.join("clickhouse")
}

fn pid_file(paths: &ClusterPaths) -> PathBuf {
    paths.root.join("clickhouse.pid")
}

fn users_file(paths: &ClusterPaths) -> PathBuf {
    paths.root.join("clickhouse-users.json")
}

fn log_file(paths: &ClusterPaths) -> PathBuf {
    paths.root.join("clickhouse.log")
}

/// A backup's one file, a tar archive ClickHouse writes and reads itself:
/// one file, so a fork links it as it links the other engines' backups.
fn backup_files(backup_dir: &Path) -> PathBuf {
    backup_dir.join("clickhouse.tar")
}

/// A path as a ClickHouse string literal. Paths here are our own
/// directories, quoted all the same.
fn literal(path: &Path) -> String {
    let text = path.display().to_string();
    format!("'{}'", text.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// A name as a ClickHouse identifier. The API's checks keep database
/// names to letters, digits, `_` and `-`, quoted all the same.
fn identifier(name: &str) -> String {
    format!("`{}`", name.replace('\\', "\\\\").replace('`', "\\`"))
}

/// The engine's configuration: backups may be written and read anywhere
/// in the service's own directory (its backups and a fork's linked
/// restore source), nowhere else.
fn config_text(paths: &ClusterPaths) -> String {
    let allowed = paths.root.display().to_string();
    let escaped = allowed
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    format!(
        "<!-- Managed by aiven-local; rewritten on every start. -->\n\
         <clickhouse><backups><allowed_path>{escaped}/</allowed_path></backups></clickhouse>\n"
    )
}

/// The users file: each user's name with a random salt and the SHA-256
/// of salt and password, so the file keeps no password in plain text.
fn users_text(users: &[ServiceUser]) -> String {
    let listed: Vec<Value> = users
        .iter()
        .map(|user| {
            let mut salt = [0u8; 16];
            crate::random::fill_random(&mut salt);
            let mut hasher = Sha256::new();
            hasher.update(salt);
            hasher.update(user.password.as_deref().unwrap_or_default().as_bytes());
            json!({
                "name": user.username,
                "salt": hex(&salt),
                "sha256": hex(&hasher.finalize()),
            })
        })
        .collect();
    Value::Array(listed).to_string()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

impl ClickHouse {
    /// The service's control socket. Our server makes it readable by its
    /// owner alone: whoever reaches it runs statements unchecked.
    fn control_socket(&self, port: u16) -> PathBuf {
        self.sockets.join(format!("chdb.{port}.sock"))
    }

    /// The Python at `python` if it has chDB, or why ClickHouse services
    /// cannot run.
    pub fn find(python: &Path, sockets: &Path) -> Result<std::sync::Arc<dyn Engine>, String> {
        let missing = || {
            format!(
                "chDB is not installed for {} (run scripts/setup.sh, or point --chdb-python at a Python with chdb-core)",
                python.display()
            )
        };
        let output = std::process::Command::new(python)
            .args(["-c", "import chdb; print(chdb.engine_version)"])
            .stdin(Stdio::null())
            .stderr(Stdio::null())
            .output()
            .map_err(|_| missing())?;
        if !output.status.success() {
            return Err(missing());
        }
        let version = String::from_utf8_lossy(&output.stdout).trim().to_owned();
        std::fs::create_dir_all(sockets)
            .map_err(|err| format!("cannot create {}: {err}", sockets.display()))?;
        Ok(std::sync::Arc::new(ClickHouse {
            python: python.to_owned(),
            sockets: sockets.to_owned(),
            version: (!version.is_empty()).then_some(version),
        }))
    }

    /// Writes the server, its configuration and the users, starts it
    /// detached (it outlives aiven-local, as the other engines do), and
    /// waits until it answers on its control socket.
    async fn launch(&self, at: &Instance<'_>) -> Result<(), EngineError> {
        let paths = &at.paths;
        let port = at.port()?;
        let write = |path: PathBuf, text: &str| {
            std::fs::write(&path, text).map_err(|err| EngineError::io("write", path, err))
        };
        let script = paths.root.join("clickhouse_http.py");
        let config = paths.root.join("clickhouse.xml");
        write(script.clone(), SERVER)?;
        write(config.clone(), &config_text(paths))?;
        process::write_secret(&users_file(paths), &users_text(&at.record.users))?;
        let _ = std::fs::remove_file(pid_file(paths));
        let log = std::fs::File::create(log_file(paths))
            .map_err(|err| EngineError::io("create", log_file(paths), err))?;
        let mut command = Command::new(&self.python);
        process::own_environment(&mut command);
        let path_arg = |flag: &str, path: PathBuf| [flag.into(), path.into_os_string()];
        command
            .arg(&script)
            .args(path_arg("--data", data(paths)))
            .args(path_arg("--config", config))
            .args(path_arg("--users", users_file(paths)))
            .args(path_arg("--cert", paths.tls_cert()))
            .args(path_arg("--key", paths.tls_key()))
            .args(path_arg("--control", self.control_socket(port)))
            .args(path_arg("--pid-file", pid_file(paths)))
            .arg("--port")
            .arg(port.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .process_group(0);
        let mut child = command.spawn().map_err(|source| EngineError::Spawn {
            program: PROGRAM.to_owned(),
            source,
        })?;
        for _ in 0..2400 {
            if let Ok(Some(status)) = child.try_wait() {
                return Err(process::exited_early(
                    PROGRAM,
                    "chDB's HTTP interface",
                    &log_file(paths),
                    port,
                    status,
                ));
            }
            if self.control(at, json!({"sql": "SELECT 1"})).await.is_ok() {
                // The server keeps settings in memory: every start gets them.
                return self.apply_settings(at).await;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        Err(EngineError::TimedOut {
            waiting_for: "chDB's HTTP interface to start".to_owned(),
        })
    }

    /// One request on the control socket, which only this service's
    /// directory (aiven-local's own) reaches; the engine's error is its
    /// refusal.
    async fn control(&self, at: &Instance<'_>, request: Value) -> Result<String, EngineError> {
        let socket = self.control_socket(at.port()?);
        match process::ask_control(&socket, &request, PROGRAM).await? {
            Value::String(out) => Ok(out),
            _ => Err(EngineError::Gone("chDB's HTTP interface answered nothing")),
        }
    }

    async fn sql(&self, at: &Instance<'_>, sql: String) -> Result<String, EngineError> {
        self.control(at, json!({ "sql": sql })).await
    }
}

/// ClickHouse's `JSONCompact` output in the API's shape: `meta` and
/// `data` as they are, the statistics as `summary`. A statement with no
/// result (DDL) has no output and answers empty.
fn query_reply(output: &str) -> Result<Value, EngineError> {
    if output.trim().is_empty() {
        return Ok(json!({"meta": [], "data": [], "summary": {}}));
    }
    let parsed: Value = serde_json::from_str(output).map_err(|err| EngineError::Refused {
        program: "ClickHouse".to_owned(),
        reason: format!("its JSONCompact output does not parse: {err}"),
    })?;
    let statistics = &parsed["statistics"];
    let elapsed_ns = statistics["elapsed"].as_f64().map(|s| (s * 1e9) as i64);
    Ok(json!({
        "meta": parsed["meta"].clone(),
        "data": parsed["data"].clone(),
        "summary": {
            "result_rows": parsed["rows"].clone(),
            "read_rows": statistics["rows_read"].clone(),
            "read_bytes": statistics["bytes_read"].clone(),
            "elapsed_ns": elapsed_ns,
        },
    }))
}

#[async_trait::async_trait]
impl Engine for ClickHouse {
    fn product(&self) -> String {
        process::product("ClickHouse (chDB)", self.version.as_deref())
    }

    fn data_dir(&self, paths: &ClusterPaths) -> PathBuf {
        data(paths)
    }

    /// Runs as the service's own user, in chDB's one session.
    async fn query(
        &self,
        at: &Instance<'_>,
        database: &str,
        sql: &str,
    ) -> Result<Value, EngineError> {
        let request = json!({"sql": sql, "format": "JSONCompact", "database": database});
        query_reply(&self.control(at, request).await?)
    }

    /// `session_settings`, the settings every session starts with; the
    /// others are recorded only (see [`NOT_APPLIED`]).
    fn setting_keys(&self) -> &'static [&'static str] {
        &[SESSION_SETTINGS]
    }

    /// A new engine with the service's default database, as its record has.
    async fn init(&self, at: &Instance<'_>) -> Result<(), EngineError> {
        super::prepare_dirs(&at.paths, &data(&at.paths)).await?;
        self.launch(at).await?;
        let database = identifier(super::DEFAULT_DATABASE);
        self.sql(at, format!("CREATE DATABASE IF NOT EXISTS {database}"))
            .await
            .map(drop)
    }

    /// A fresh engine with the backup restored into it: every database,
    /// table and row the backup holds.
    async fn restore(&self, at: &Instance<'_>, _to: RestoreTo<'_>) -> Result<(), EngineError> {
        super::prepare_dirs(&at.paths, &data(&at.paths)).await?;
        self.launch(at).await?;
        let from = literal(&backup_files(&at.paths.restore_backup()));
        self.sql(at, format!("RESTORE ALL FROM File({from})"))
            .await?;
        super::drop_restore_source(&at.paths)
    }

    async fn start(&self, at: &Instance<'_>) -> Result<(), EngineError> {
        self.launch(at).await
    }

    /// `Fast` lets the server finish its statement and close chDB;
    /// `Immediate` kills it.
    async fn stop(&self, paths: &ClusterPaths, mode: Stop) -> Result<(), EngineError> {
        let patience = Duration::from_secs(60);
        process::stop_pid(&pid_file(paths), PROGRAM, mode.signal(), patience).await
    }

    async fn is_running(&self, paths: &ClusterPaths) -> bool {
        process::running_pid(&pid_file(paths), PROGRAM).is_some()
    }

    /// Makes `session_settings` what every query starts with; a value the
    /// engine refuses is its refusal, and the server keeps the settings it
    /// had.
    async fn apply_settings(&self, at: &Instance<'_>) -> Result<(), EngineError> {
        let settings = at
            .config()
            .get(SESSION_SETTINGS)
            .cloned()
            .unwrap_or_else(|| json!({}));
        self.control(at, json!({ "session_settings": settings }))
            .await
            .map(drop)
    }

    /// `BACKUP ALL` into the backup's directory. A backup that fails
    /// leaves no directory behind to look whole.
    async fn backup(&self, at: &Instance<'_>, name: &str) -> Result<i64, EngineError> {
        let target = at.paths.backup(name);
        std::fs::create_dir_all(&target).map_err(|err| EngineError::io("create", &target, err))?;
        let into = literal(&backup_files(&target));
        if let Err(err) = self.sql(at, format!("BACKUP ALL TO File({into})")).await {
            let _ = std::fs::remove_dir_all(&target);
            return Err(err);
        }
        process::files_size(&target)
    }

    async fn account(
        &self,
        at: &Instance<'_>,
        change: AccountChange<'_>,
    ) -> Result<(), EngineError> {
        let paths = &at.paths;
        match change {
            AccountChange::CreateDatabase(database) => {
                let name = identifier(&database.database_name);
                self.sql(at, format!("CREATE DATABASE IF NOT EXISTS {name}"))
                    .await?;
            }
            AccountChange::DropDatabase(name) => {
                let name = identifier(name);
                self.sql(at, format!("DROP DATABASE IF EXISTS {name}"))
                    .await?;
            }
            AccountChange::SetAccess(_) | AccountChange::SetIndexAcl(_) => {}
            AccountChange::CreateUser(_)
            | AccountChange::SetPassword(_)
            | AccountChange::DropUser(_) => {
                let users = super::users_after(&at.record.users, change);
                process::write_secret(&users_file(paths), &users_text(&users))?;
                self.control(at, json!({"reread_users": true})).await?;
            }
        }
        Ok(())
    }

    fn settings_notices(&self, config: &Map<String, Value>) -> Vec<ServiceNotification> {
        let unapplied = super::not_applied_notice(
            config,
            &NOT_APPLIED,
            SETTINGS_NOT_APPLIED,
            |keys| {
                format!(
                    "{} recorded, but aiven-local's ClickHouse (chDB, the engine as a library) does not apply \
                 them: it has no server settings or tiered storage of its own.",
                    keys.join(" and ")
                )
            },
        );
        self.version_notice(config)
            .into_iter()
            .chain(unapplied)
            .collect()
    }

    fn version_notice(&self, config: &Map<String, Value>) -> Option<ServiceNotification> {
        let asked = config.get("clickhouse_version")?.as_str()?;
        let runs = self.version.as_deref().unwrap_or("26");
        Some(super::warning(
            VERSION_NOT_RUN,
            format!(
                "clickhouse_version {asked} is recorded, but aiven-local runs ClickHouse {runs} (chDB): \
                 behaviour that changed between the two versions follows {runs}."
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(name: &str, password: &str) -> ServiceUser {
        ServiceUser {
            username: name.into(),
            password: Some(password.into()),
            kind: "normal".into(),
            authentication: None,
            access_control: None,
        }
    }

    #[test]
    fn the_users_file_holds_salted_digests_that_check_and_no_password() {
        let text = users_text(&[
            user("avnadmin", "pw-123456789"),
            user("app", "pw-123456789"),
        ]);
        assert!(!text.contains("pw-123456789"), "{text}");
        let listed: Vec<Value> = serde_json::from_str(&text).unwrap();
        let salt = |u: &Value| u["salt"].as_str().unwrap().to_owned();
        assert_ne!(
            salt(&listed[0]),
            salt(&listed[1]),
            "each user has its own salt"
        );
        for entry in &listed {
            let salt: Vec<u8> = (0..16)
                .map(|i| {
                    u8::from_str_radix(&entry["salt"].as_str().unwrap()[2 * i..2 * i + 2], 16)
                        .unwrap()
                })
                .collect();
            let mut hasher = Sha256::new();
            hasher.update(&salt);
            hasher.update(b"pw-123456789");
            assert_eq!(entry["sha256"], hex(&hasher.finalize()));
        }
    }

    #[test]
    fn backups_may_go_only_into_the_service_directory() {
        let paths = ClusterPaths {
            root: PathBuf::from("/data/p/s&<x>"),
        };
        assert!(
            config_text(&paths).contains("<allowed_path>/data/p/s&amp;&lt;x&gt;/</allowed_path>"),
            "{}",
            config_text(&paths)
        );
    }

    #[test]
    fn names_and_paths_are_quoted_for_clickhouse() {
        assert_eq!(identifier("shop`x"), "`shop\\`x`");
        assert_eq!(literal(Path::new("/a/it's")), "'/a/it\\'s'");
    }
}
