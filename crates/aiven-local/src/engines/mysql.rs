//! MySQL services on MariaDB 10.11, which speaks MySQL's protocol and SQL.
//! One `mariadbd` per service on 127.0.0.1, with the API's users (password
//! logins) and databases. aiven-local itself logs in over a Unix socket in
//! its own private directory as the account MariaDB makes for the OS user
//! that installed the data, so it needs no password and no password ever
//! reaches a command line.
//!
//! Point-in-time recovery as pg has it: every binary log file MariaDB
//! closes is archived (copied, fsynced, renamed); base backups are taken
//! with `mariadb-backup` while writes go on, prepared at once and stored
//! as `data.tar.lz4` with the binary log position they stand at; a fork
//! unpacks one and replays the archived binary log (row events, in UTC)
//! from that position to the latest transaction or to its target time.
//! A read replica unpacks its source's newest backup and replicates the
//! source's binary log from that position (`CHANGE MASTER TO`), with
//! `read_only` on until it is promoted. Each server's `server-id` is its
//! port, so no two are alike.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use aiven_api::types::{DatabaseEntry, ServiceNotification, ServiceUser};
use serde_json::{Map, Value};
use tokio::process::Command;

use super::process::{self, run, run_with_input};
use super::{
    AccountChange, ClusterPaths, DEFAULT_DATABASE, Engine, EngineError, Instance, Lag, RestoreTo,
    Stop, Upstream,
};

/// The name the server runs under.
const PROGRAM: &str = "mariadbd";
/// The notification kind for a `mysql_version` the engine does not run.
pub const VERSION_NOT_RUN: &str = "mysql_version_not_run";
/// How the binary log files are named, in `binlog/`.
const BINLOG_BASE: &str = "mysql-bin";
/// How often mariadb-backup's redo-log copier looks for new log, in ms.
/// While it holds `BACKUP STAGE BLOCK_COMMIT` (to read the binary log
/// position a point-in-time fork replays from) it waits for the copier's
/// next look, so commits stall for up to this long: mariadb-backup's
/// default, 1,000 ms, stalled them about a second (`bench/fork.sh mysql`).
const LOG_COPY_INTERVAL_MS: u32 = 10;

/// Runs MariaDB's server and tools.
#[derive(Debug)]
pub struct MariaDb {
    pub server: PathBuf,
    /// The directory holding `mariadb`, `mariadb-install-db`,
    /// `mariadb-backup` and `mariadb-binlog`.
    pub tools: PathBuf,
    /// Where the servers' sockets are: a short path (a socket's may not
    /// exceed 107 bytes) inside aiven-local's private data directory.
    pub sockets: PathBuf,
    /// The server's version (`10.11.14`), when it answers.
    pub version: Option<String>,
    /// The OS user aiven-local runs as, whose MariaDB account it uses.
    pub os_user: String,
    /// `mysql.*` settings MariaDB has, and whether each is read-only:
    /// asked of the first server that applies settings.
    known_settings: tokio::sync::OnceCell<std::collections::HashMap<String, bool>>,
}

fn data(paths: &ClusterPaths) -> PathBuf {
    paths.root.join("mysql")
}

fn binlog_dir(paths: &ClusterPaths) -> PathBuf {
    paths.root.join("binlog")
}

fn pid_file(paths: &ClusterPaths) -> PathBuf {
    paths.root.join("mariadbd.pid")
}

fn server_log(paths: &ClusterPaths) -> PathBuf {
    paths.root.join("mariadbd.log")
}

/// The server's temporary files: its own, not the shared /tmp, where
/// servers starting at once could meet.
fn tmp_dir(paths: &ClusterPaths) -> PathBuf {
    paths.root.join("tmp")
}

/// Creates the directories a server writes besides its data: the binary
/// log (emptied: a new or restored server starts its own) and `tmp/`.
fn prepare_server_dirs(paths: &ClusterPaths) -> Result<(), EngineError> {
    let binlog = binlog_dir(paths);
    let _ = std::fs::remove_dir_all(&binlog);
    for dir in [binlog, tmp_dir(paths)] {
        std::fs::create_dir_all(&dir).map_err(|err| EngineError::io("create", &dir, err))?;
    }
    Ok(())
}

/// A string literal for SQL (values the API validated; quotes and
/// backslashes escaped all the same).
fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// An account the API manages: its name, from any host.
fn account(username: &str) -> String {
    format!("{}@'%'", quote(username))
}

/// What no service user holds: the server's files (`FILE`: `LOAD_FILE`,
/// `INTO OUTFILE`), `SUPER` (with which `SET GLOBAL general_log_file`
/// writes anywhere the engine user may), `SHUTDOWN`, and `READ_ONLY
/// ADMIN` (which writes past a read replica's `read_only`). aiven-local
/// manages the server as its own OS user over the private socket, not as
/// a service user.
fn confined(username: &str) -> String {
    format!(
        "REVOKE FILE, SUPER, SHUTDOWN, READ_ONLY ADMIN ON *.* FROM {}",
        account(username)
    )
}

/// While the service is a read replica: the option that keeps it so
/// across restarts (MariaDB keeps where it replicates from itself).
fn replica_file(paths: &ClusterPaths) -> PathBuf {
    paths.root.join("replica.cnf")
}

/// The statements that make `change`.
fn account_sql(change: AccountChange<'_>) -> Vec<String> {
    let password = |user: &ServiceUser| quote(user.password.as_deref().unwrap_or_default());
    match change {
        AccountChange::CreateUser(user) => vec![
            format!(
                "CREATE USER {} IDENTIFIED BY {}",
                account(&user.username),
                password(user)
            ),
            format!("GRANT ALL PRIVILEGES ON *.* TO {}", account(&user.username)),
            confined(&user.username),
        ],
        AccountChange::SetPassword(user) => vec![format!(
            "ALTER USER {} IDENTIFIED BY {}",
            account(&user.username),
            password(user)
        )],
        // MySQL users have no access control in the API, nor index ACLs.
        AccountChange::SetAccess(_) | AccountChange::SetIndexAcl(_) => Vec::new(),
        AccountChange::DropUser(username) => vec![format!("DROP USER {}", account(username))],
        AccountChange::CreateDatabase(DatabaseEntry {
            database_name: database,
            ..
        }) => {
            vec![format!("CREATE DATABASE `{database}`")]
        }
        AccountChange::DropDatabase(database) => vec![format!("DROP DATABASE `{database}`")],
    }
}

/// The server variable a `mysql.*` key sets (the API names the time zone
/// apart).
fn variable(key: &str) -> &str {
    match key {
        "default_time_zone" => "time_zone",
        other => other,
    }
}

/// A `mysql.*` value as SQL.
fn sql_value(value: &Value) -> Option<String> {
    match value {
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(on) => Some(if *on { "ON" } else { "OFF" }.to_owned()),
        Value::String(text) => Some(quote(text)),
        _ => None,
    }
}

/// A `mysql.*` value as an option file has it.
fn option_value(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        other => sql_value(other),
    }
}

/// The `user_config.mysql` settings.
fn settings(config: &Map<String, Value>) -> Vec<(&str, &Value)> {
    config
        .get("mysql")
        .and_then(Value::as_object)
        .map(|mysql| mysql.iter().map(|(k, v)| (variable(k), v)).collect())
        .unwrap_or_default()
}

/// The binary log file and position a backup stands at, from
/// `xtrabackup_binlog_info` (`file<TAB>position<TAB>gtid`).
fn binlog_position(info: &str) -> Option<(String, u64)> {
    let mut fields = info.split_whitespace();
    let file = fields.next()?;
    let position = fields.next()?.parse().ok()?;
    let file = Path::new(file).file_name()?.to_str()?.to_owned();
    Some((file, position))
}

/// The archived binary log files a replay from `first` reads, in order.
fn replay_files(archive: &Path, first: &str) -> Result<Vec<PathBuf>, EngineError> {
    let entries = match std::fs::read_dir(archive) {
        Ok(entries) => entries,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(err) => return Err(EngineError::io("read", archive, err)),
    };
    let mut files: Vec<String> = entries
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|name| {
            name.starts_with(BINLOG_BASE) && !name.contains(".part") && name.as_str() >= first
        })
        .collect();
    files.sort();
    Ok(files.into_iter().map(|name| archive.join(name)).collect())
}

/// `mariadb-binlog --stop-datetime` for an RFC 3339 target, in UTC. Binary
/// log events carry whole seconds, and replay stops at the first event at
/// or after this time, so the target is rounded down: an event in the
/// target's own second may have come after it, and is left out. The hosted
/// platform's MySQL restores (Aiven's myhoard) do the same: the target is a
/// whole second and binlog entries stamped at or after it are excluded
/// (`myhoard/util.py` `read_gtids_from_log`, `restore_coordinator.py`).
fn stop_datetime(target: &str) -> Result<String, EngineError> {
    let parsed = aiven_api::timestamp::parse(target)
        .map_err(|err| EngineError::Invalid(err.to_string()))?
        .to_offset(time::UtcOffset::UTC);
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    parsed
        .format(&format)
        .map_err(|err| EngineError::Invalid(err.to_string()))
}

impl MariaDb {
    /// MariaDB's server at `server` and its tools in `tools`, or why they
    /// cannot run services.
    pub fn find(
        server: &Path,
        tools: &Path,
        sockets: &Path,
    ) -> Result<std::sync::Arc<dyn Engine>, String> {
        let missing: Vec<String> = std::iter::once(server.to_owned())
            .chain(
                [
                    "mariadb",
                    "mariadb-install-db",
                    "mariadb-backup",
                    "mariadb-binlog",
                ]
                .iter()
                .map(|tool| tools.join(tool)),
            )
            .filter(|path| !path.is_file())
            .map(|path| path.display().to_string())
            .collect();
        if !missing.is_empty() {
            return Err(format!(
                "MariaDB is not installed: {} missing (install mariadb-server and mariadb-backup, or point \
                 --mariadb-server and --mariadb-tools at them)",
                missing.join(", ")
            ));
        }
        let os_user = crate::privilege::current_user_name()
            .ok_or_else(|| "cannot tell which OS user aiven-local runs as".to_owned())?;
        std::fs::create_dir_all(sockets)
            .map_err(|err| format!("cannot create {}: {err}", sockets.display()))?;
        // "/usr/sbin/mariadbd  Ver 10.11.14-MariaDB-0+deb12u2 for ..."
        let version = process::version_of(server, |text| {
            let word = text.split_whitespace().find(|w| w.contains("-MariaDB"))?;
            Some(word.split('-').next()?.to_owned())
        });
        Ok(std::sync::Arc::new(MariaDb {
            server: server.to_owned(),
            tools: tools.to_owned(),
            sockets: sockets.to_owned(),
            version,
            os_user,
            known_settings: tokio::sync::OnceCell::new(),
        }))
    }

    fn socket(&self, port: u16) -> PathBuf {
        self.sockets.join(format!("mysql-{port}.sock"))
    }

    fn tool(&self, name: &str) -> Command {
        process::command(self.tools.join(name))
    }

    /// The `mariadb` client on the service's socket, as aiven-local's own
    /// account; batch output without column names.
    fn client(&self, port: u16) -> Command {
        let mut command = self.tool("mariadb");
        command
            .arg("--no-defaults")
            .arg(format!("--socket={}", self.socket(port).display()))
            .arg(format!("--user={}", self.os_user))
            .args(["--batch", "--skip-column-names"]);
        command
    }

    /// Runs `statements` (read from standard input, so a password in one
    /// is never on a command line).
    async fn sql(&self, port: u16, statements: &[String]) -> Result<String, EngineError> {
        let script: String = statements.iter().map(|s| format!("{s};\n")).collect();
        run_with_input(self.client(port), Some(script.as_bytes()), "mariadb")
            .await
            .map_err(refusal)
    }

    /// The option file: where the server listens and keeps its files, the
    /// binary log every recovery needs, small caches (a laptop runs many)
    /// but a redo log big enough that mariadb-backup's copy of it keeps up
    /// with a heavy load (at 16 MB a 1 GB bulk load outran it),
    /// and the `mysql.*` settings (`loose-`, so one MariaDB lacks is
    /// recorded, not fatal).
    fn write_config(&self, at: &Instance<'_>) -> Result<PathBuf, EngineError> {
        let paths = &at.paths;
        let port = at.port()?;
        let mut conf = format!(
            "# Managed by aiven-local; rewritten on every start.\n\
             [mariadbd]\n\
             datadir={}\n\
             port={port}\n\
             bind-address=127.0.0.1\n\
             socket={}\n\
             pid-file={}\n\
             log-error={}\n\
             tmpdir={}\n\
             log-bin={}\n\
             binlog_format=ROW\n\
             server-id={port}\n\
             sync_binlog=1\n\
             innodb_flush_log_at_trx_commit=1\n\
             skip-name-resolve\n\
             performance_schema=OFF\n\
             innodb_buffer_pool_size=16M\n\
             innodb_log_file_size=64M\n\
             key_buffer_size=1M\n\
             character-set-server=utf8mb4\n\
             default-time-zone=+00:00\n",
            data(paths).display(),
            self.socket(port).display(),
            pid_file(paths).display(),
            server_log(paths).display(),
            tmp_dir(paths).display(),
            binlog_dir(paths).join(BINLOG_BASE).display(),
        );
        // The only directory file import and export may touch: the
        // service's own, empty one (unset, they reach every file the
        // engine user can).
        let files = paths.root.join("files");
        std::fs::create_dir_all(&files).map_err(|err| EngineError::io("create", &files, err))?;
        conf.push_str(&format!("secure_file_priv={}\n", files.display()));
        // TLS with the certificate its project's CA signed; plain
        // connections are still taken.
        if paths.tls_cert().exists() {
            conf.push_str(&format!(
                "ssl-cert={}\nssl-key={}\nssl-ca={}\n",
                paths.tls_cert().display(),
                paths.tls_key().display(),
                paths.tls_ca().display()
            ));
        }
        for (name, value) in settings(at.config()) {
            if let Some(value) = option_value(value) {
                conf.push_str(&format!("loose-{name}={value}\n"));
            }
        }
        if replica_file(paths).exists() {
            conf.push_str("read_only=ON\n");
        }
        let path = paths.root.join("my.cnf");
        std::fs::write(&path, conf).map_err(|err| EngineError::io("write", &path, err))?;
        Ok(path)
    }

    /// Starts the server detached (it outlives aiven-local, as pg's does)
    /// and waits until it answers on its socket.
    async fn launch(&self, at: &Instance<'_>) -> Result<(), EngineError> {
        let conf = self.write_config(at)?;
        let _ = std::fs::remove_file(self.socket(at.port()?));
        let mut command = Command::new(&self.server);
        process::own_environment(&mut command);
        command
            .arg(format!("--defaults-file={}", conf.display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0);
        let mut child = command.spawn().map_err(|source| EngineError::Spawn {
            program: PROGRAM.to_owned(),
            source,
        })?;
        let started = std::time::Instant::now();
        while started.elapsed() < Duration::from_secs(120) {
            if let Ok(Some(status)) = child.try_wait() {
                return Err(self.with_log_tail(
                    &at.paths,
                    EngineError::Failed {
                        program: PROGRAM.to_owned(),
                        stderr: format!("exited with {status} while starting"),
                    },
                ));
            }
            if self.sql(at.port()?, &["SELECT 1".to_owned()]).await.is_ok() {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Err(self.with_log_tail(
            &at.paths,
            EngineError::TimedOut {
                waiting_for: "mariadbd to accept connections (2 minutes)".to_owned(),
            },
        ))
    }

    /// Appends the server log's last error line.
    fn with_log_tail(&self, paths: &ClusterPaths, error: EngineError) -> EngineError {
        let log = std::fs::read_to_string(server_log(paths)).unwrap_or_default();
        match log.lines().rev().find(|l| l.contains("[ERROR]")) {
            Some(line) => EngineError::Logged {
                error: Box::new(error),
                log_line: line.to_owned(),
            },
            None => error,
        }
    }

    /// Copies every binary log file MariaDB has closed into the archive.
    /// The last file its index names is still being written; the others
    /// are complete (`sync_binlog=1`).
    fn archive_closed(&self, paths: &ClusterPaths) -> Result<(), EngineError> {
        let index = binlog_dir(paths).join(format!("{BINLOG_BASE}.index"));
        let Ok(text) = std::fs::read_to_string(&index) else {
            return Ok(());
        };
        let files: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
        let archive = paths.archive();
        for file in files.iter().take(files.len().saturating_sub(1)) {
            let name = Path::new(file.trim())
                .file_name()
                .ok_or_else(|| EngineError::Invalid(format!("binary log index entry {file:?}")))?;
            let from = binlog_dir(paths).join(name);
            if from.exists() {
                process::archive_file(&from, &archive.join(name))?;
            }
        }
        Ok(())
    }

    /// The `mysql.*` settings this MariaDB has, and which only a restart
    /// applies.
    async fn known_settings(
        &self,
        port: u16,
    ) -> Result<&std::collections::HashMap<String, bool>, EngineError> {
        self.known_settings
            .get_or_try_init(|| async {
                let query = "SELECT lower(VARIABLE_NAME), READ_ONLY FROM information_schema.SYSTEM_VARIABLES"
                    .to_owned();
                let rows = self.sql(port, &[query]).await?;
                Ok(rows
                    .lines()
                    .filter_map(|line| {
                        let (name, read_only) = line.split_once('\t')?;
                        Some((name.to_owned(), read_only == "YES"))
                    })
                    .collect())
            })
            .await
    }

    /// Unpacks the fork's backup into a new data directory.
    async fn unpack(&self, paths: &ClusterPaths) -> Result<(), EngineError> {
        let data = data(paths);
        super::prepare_dirs(paths, &data).await?;
        prepare_server_dirs(paths)?;
        process::unpack(&paths.restore_backup().join("data.tar.lz4"), &data).await
    }

    /// Replays the archived binary log from the backup's position into
    /// the running fork: every transaction before `target`'s second (see
    /// [`stop_datetime`]).
    async fn replay(&self, at: &Instance<'_>, target: &str) -> Result<(), EngineError> {
        let info_path = at.paths.restore_backup().join("binlog_info");
        let info = std::fs::read_to_string(&info_path)
            .map_err(|err| EngineError::io("read", &info_path, err))?;
        let (first, position) = binlog_position(&info)
            .ok_or_else(|| EngineError::Invalid(format!("binary log position {info:?}")))?;
        let files = replay_files(&at.paths.restore_archive(), &first)?;
        if files.first().and_then(|f| f.file_name()) != Some(std::ffi::OsStr::new(&first)) {
            // The backup was taken at the very end of a file archived
            // later than the fork was pinned: nothing to replay.
            return Ok(());
        }
        let mut binlog = self.tool("mariadb-binlog");
        binlog
            .env("TZ", "UTC")
            .arg(format!("--start-position={position}"))
            .arg(format!("--stop-datetime={}", stop_datetime(target)?))
            .args(&files);
        let mut reader = binlog.spawn().map_err(|source| EngineError::Spawn {
            program: "mariadb-binlog".to_owned(),
            source,
        })?;
        let events: Stdio = reader
            .stdout
            .take()
            .and_then(|out| out.try_into().ok())
            .ok_or_else(|| EngineError::Invalid("mariadb-binlog's output".to_owned()))?;
        let mut client = self.client(at.port()?);
        client.stdin(events);
        let applied = run(client, "replaying the binary log").await;
        let read = reader.wait_with_output().await;
        applied.map_err(refusal)?;
        match read {
            Ok(out) if out.status.success() => Ok(()),
            Ok(out) => Err(EngineError::Failed {
                program: "mariadb-binlog".to_owned(),
                stderr: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
            }),
            Err(source) => Err(EngineError::Spawn {
                program: "mariadb-binlog".to_owned(),
                source,
            }),
        }
    }
}

/// MariaDB's own error line (`ERROR 1064 (42000) at line 1: ...`), which
/// names what it refused without quoting the statement.
fn refusal(error: EngineError) -> EngineError {
    match error {
        EngineError::Failed { program, stderr } => {
            match stderr.lines().find(|l| l.starts_with("ERROR")) {
                Some(line) => EngineError::Refused {
                    program,
                    reason: line.to_owned(),
                },
                None => EngineError::Failed { program, stderr },
            }
        }
        other => other,
    }
}

#[async_trait::async_trait]
impl Engine for MariaDb {
    fn product(&self) -> String {
        process::product("MariaDB", self.version.as_deref())
    }

    fn data_dir(&self, paths: &ClusterPaths) -> PathBuf {
        data(paths)
    }

    fn setting_keys(&self) -> &'static [&'static str] {
        &["mysql"]
    }

    /// A new data directory; then, before anyone but aiven-local can log
    /// in, the primary user and the default database, and `root` goes.
    async fn init(&self, at: &Instance<'_>) -> Result<(), EngineError> {
        let data = data(&at.paths);
        super::prepare_dirs(&at.paths, &data).await?;
        prepare_server_dirs(&at.paths)?;
        let mut install = self.tool("mariadb-install-db");
        install
            .arg("--no-defaults")
            .arg(format!("--datadir={}", data.display()))
            .arg(format!("--tmpdir={}", tmp_dir(&at.paths).display()))
            // The account aiven-local logs in as, by its OS user over the
            // socket; named here, since the environment may still say
            // `root` after aiven-local dropped root.
            .arg(format!("--auth-root-socket-user={}", self.os_user))
            .arg("--skip-test-db");
        run(install, "mariadb-install-db").await?;
        self.launch(at).await?;
        let login = at.login();
        let primary = ServiceUser {
            username: login.user.to_owned(),
            password: Some(login.password.to_owned()),
            kind: "primary".into(),
            authentication: None,
            access_control: None,
        };
        let mut statements = account_sql(AccountChange::CreateUser(&primary));
        statements.push(format!(
            "GRANT ALL PRIVILEGES ON *.* TO {} WITH GRANT OPTION",
            account(login.user)
        ));
        statements.push(confined(login.user));
        statements.push(format!("CREATE DATABASE `{DEFAULT_DATABASE}`"));
        statements.push("DROP USER IF EXISTS 'root'@'localhost'".to_owned());
        self.sql(at.port()?, &statements).await.map(drop)
    }

    /// The prepared backup is the fork as of the backup's end; a point in
    /// time replays the archived binary log on top of it.
    async fn restore(&self, at: &Instance<'_>, to: RestoreTo<'_>) -> Result<(), EngineError> {
        let started = std::time::Instant::now();
        self.unpack(&at.paths).await?;
        let unpacked = started.elapsed();
        self.launch(at).await?;
        if let RestoreTo::Time(target) = to {
            self.replay(at, target).await?;
        }
        // A backup from before users were confined carries their old grants.
        let confine: Vec<String> = at
            .record
            .users
            .iter()
            .map(|u| confined(&u.username))
            .collect();
        self.sql(at.port()?, &confine).await?;
        tracing::info!(
            unpack_ms = unpacked.as_millis() as u64,
            recover_ms = (started.elapsed() - unpacked).as_millis() as u64,
            "restored and started"
        );
        super::drop_restore_source(&at.paths)
    }

    async fn start(&self, at: &Instance<'_>) -> Result<(), EngineError> {
        self.launch(at).await
    }

    fn follows(&self) -> bool {
        true
    }

    /// Unpacks the source's backup, read-only, and replicates the source's
    /// binary log from the backup's position as the source's primary user.
    /// The users the backup holds lose what would write past `read_only`
    /// (here only: the replica does not log it).
    async fn follow(&self, at: &Instance<'_>, upstream: Upstream<'_>) -> Result<(), EngineError> {
        self.unpack(&at.paths).await?;
        let marker = replica_file(&at.paths);
        std::fs::write(&marker, "read_only\n")
            .map_err(|err| EngineError::io("write", &marker, err))?;
        self.launch(at).await?;
        let info_path = at.paths.restore_backup().join("binlog_info");
        let info = std::fs::read_to_string(&info_path)
            .map_err(|err| EngineError::io("read", &info_path, err))?;
        let (file, position) = binlog_position(&info).ok_or_else(|| {
            EngineError::Invalid(format!("{} names no position", info_path.display()))
        })?;
        let mut statements = vec!["SET sql_log_bin = 0".to_owned()];
        statements.extend(at.record.users.iter().map(|u| confined(&u.username)));
        statements.push(format!(
            "CHANGE MASTER TO MASTER_HOST = '127.0.0.1', MASTER_PORT = {}, MASTER_USER = {}, \
             MASTER_PASSWORD = {}, MASTER_LOG_FILE = {}, MASTER_LOG_POS = {position}, MASTER_USE_GTID = no",
            upstream.port,
            quote(upstream.login.user),
            quote(upstream.login.password),
            quote(&file)
        ));
        statements.push("START SLAVE".to_owned());
        let port = at.port()?;
        self.sql(port, &statements).await?;
        for _ in 0..2400 {
            let running = self
                .sql(
                    port,
                    &["SHOW GLOBAL STATUS LIKE 'Slave_running'".to_owned()],
                )
                .await?;
            if running.trim().ends_with("ON") {
                return super::drop_restore_source(&at.paths);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Err(self.with_log_tail(
            &at.paths,
            EngineError::TimedOut {
                waiting_for: "the replica to replicate from its source (2 minutes)".to_owned(),
            },
        ))
    }

    /// Replication stops and is forgotten; the server takes writes.
    /// `Seconds_Behind_Master` of the replica's `SHOW SLAVE STATUS`
    /// (vertical, as the client prints `\G`); bytes are not told apart
    /// from binary log positions, so only seconds are reported.
    async fn lag(
        &self,
        at: &Instance<'_>,
        _upstream: Upstream<'_>,
    ) -> Result<Option<Lag>, EngineError> {
        // Vertical output names each field; `client` leaves names out.
        let mut client = self.client(at.port()?);
        client.arg("--column-names");
        let status = run_with_input(client, Some(b"SHOW SLAVE STATUS\\G\n"), "mariadb")
            .await
            .map_err(refusal)?;
        let seconds = status
            .lines()
            .find_map(|line| line.trim().strip_prefix("Seconds_Behind_Master:"))
            .and_then(|value| value.trim().parse().ok());
        Ok(Some(Lag {
            bytes: None,
            seconds,
        }))
    }

    async fn promote(&self, at: &Instance<'_>) -> Result<(), EngineError> {
        let statements = [
            "STOP SLAVE".to_owned(),
            "RESET SLAVE ALL".to_owned(),
            "SET GLOBAL read_only = OFF".to_owned(),
        ];
        self.sql(at.port()?, &statements).await?;
        let marker = replica_file(&at.paths);
        match std::fs::remove_file(&marker) {
            Err(err) if err.kind() != std::io::ErrorKind::NotFound => {
                Err(EngineError::io("remove", &marker, err))
            }
            _ => self.write_config(at).map(drop),
        }
    }

    /// `Fast` shuts down cleanly; `Immediate` kills (the data is about to
    /// go).
    async fn stop(&self, paths: &ClusterPaths, mode: Stop) -> Result<(), EngineError> {
        let patience = Duration::from_secs(120);
        process::stop_pid(&pid_file(paths), PROGRAM, mode.signal(), patience).await
    }

    async fn is_running(&self, paths: &ClusterPaths) -> bool {
        process::running_pid(&pid_file(paths), PROGRAM).is_some()
    }

    /// `mysql.*` with SET GLOBAL where MariaDB can change it live; every
    /// one is in the option file for the next start too. Those MariaDB
    /// lacks are recorded only.
    async fn apply_settings(&self, at: &Instance<'_>) -> Result<(), EngineError> {
        self.write_config(at)?;
        let port = at.port()?;
        let known = self.known_settings(port).await?;
        let statements: Vec<String> = settings(at.config())
            .into_iter()
            .filter(|(name, _)| known.get(*name) == Some(&false))
            .filter_map(|(name, value)| Some(format!("SET GLOBAL {name} = {}", sql_value(value)?)))
            .collect();
        if statements.is_empty() {
            return Ok(());
        }
        self.sql(port, &statements).await.map(drop)
    }

    /// `mariadb-backup` copies the data while writes go on, then prepares
    /// the copy (so a fork only unpacks it); kept compressed, with the
    /// binary log position it stands at.
    async fn backup(&self, at: &Instance<'_>, name: &str) -> Result<i64, EngineError> {
        let target = at.paths.backup(name);
        let raw = at.paths.backups().join(format!("{name}.raw"));
        for dir in [&target, &raw] {
            let _ = std::fs::remove_dir_all(dir);
        }
        let result = self.take_backup(at, &raw, &target).await;
        let _ = std::fs::remove_dir_all(&raw);
        if result.is_err() {
            let _ = std::fs::remove_dir_all(&target);
        }
        result?;
        self.archive_closed(&at.paths)?;
        process::files_size(&target)
    }

    async fn archive(&self, paths: &ClusterPaths) -> Result<(), EngineError> {
        self.archive_closed(paths)
    }

    /// Closes the binary log file being written (a new one opens) and
    /// archives it.
    async fn flush_to_archive(&self, at: &Instance<'_>) -> Result<(), EngineError> {
        self.sql(at.port()?, &["FLUSH BINARY LOGS".to_owned()])
            .await?;
        self.archive_closed(&at.paths)
    }

    /// Archived binary log files before the one the oldest kept backup
    /// starts replay from go.
    async fn prune_archive(
        &self,
        paths: &ClusterPaths,
        oldest_kept: &str,
    ) -> Result<(), EngineError> {
        let info = std::fs::read_to_string(paths.backup(oldest_kept).join("binlog_info"));
        let Some((first_needed, _)) = info.ok().as_deref().and_then(binlog_position) else {
            return Ok(());
        };
        let archive = paths.archive();
        let Ok(entries) = std::fs::read_dir(&archive) else {
            return Ok(());
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with(BINLOG_BASE) && name < first_needed {
                std::fs::remove_file(entry.path())
                    .map_err(|err| EngineError::io("remove", entry.path(), err))?;
            }
        }
        Ok(())
    }

    async fn account(
        &self,
        at: &Instance<'_>,
        change: AccountChange<'_>,
    ) -> Result<(), EngineError> {
        let statements = account_sql(change);
        if statements.is_empty() {
            return Ok(());
        }
        self.sql(at.port()?, &statements).await.map(drop)
    }

    fn version_notice(&self, config: &Map<String, Value>) -> Option<ServiceNotification> {
        let asked = config.get("mysql_version")?.as_str()?;
        Some(super::warning(
            VERSION_NOT_RUN,
            format!(
                "mysql_version {asked} is recorded, but aiven-local runs {}, which speaks MySQL's protocol \
                 and SQL; features only MySQL {asked} has are not available.",
                self.product()
            ),
        ))
    }
}

impl MariaDb {
    async fn take_backup(
        &self,
        at: &Instance<'_>,
        raw: &Path,
        target: &Path,
    ) -> Result<(), EngineError> {
        let data = data(&at.paths);
        let mut backup = self.tool("mariadb-backup");
        backup
            .arg("--backup")
            .arg(format!("--target-dir={}", raw.display()))
            .arg(format!("--datadir={}", data.display()))
            .arg(format!("--socket={}", self.socket(at.port()?).display()))
            .arg(format!("--user={}", self.os_user))
            .arg(format!("--log-copy-interval={LOG_COPY_INTERVAL_MS}"));
        run(backup, "mariadb-backup --backup").await?;
        let mut prepare = self.tool("mariadb-backup");
        prepare
            .arg("--prepare")
            .arg(format!("--target-dir={}", raw.display()));
        run(prepare, "mariadb-backup --prepare").await?;
        std::fs::create_dir_all(target).map_err(|err| EngineError::io("create", target, err))?;
        let info = raw.join("xtrabackup_binlog_info");
        std::fs::copy(&info, target.join("binlog_info"))
            .map_err(|err| EngineError::io("copy", &info, err))?;
        process::pack(raw, &target.join("data.tar.lz4")).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_backups_binlog_position_is_read_from_its_info_file() {
        assert_eq!(
            binlog_position("mysql-bin.000003\t1177\t0-1-9\n"),
            Some(("mysql-bin.000003".to_owned(), 1177))
        );
        assert_eq!(
            binlog_position("/srv/x/binlog/mysql-bin.000010\t4\t\n"),
            Some(("mysql-bin.000010".to_owned(), 4))
        );
        assert_eq!(binlog_position(""), None);
    }

    #[test]
    fn a_target_time_stops_replay_at_the_start_of_its_second_in_utc() {
        assert_eq!(
            stop_datetime("2026-11-26T15:27:06.900+02:00").unwrap(),
            "2026-11-26 13:27:06"
        );
    }

    #[test]
    fn replay_reads_the_archived_files_from_the_backups_onward_in_order() {
        let dir = testkit::temp_dir("binlog-archive");
        for name in [
            "mysql-bin.000003",
            "mysql-bin.000001",
            "mysql-bin.000002",
            "mysql-bin.000004.part-0badf00d",
        ] {
            std::fs::write(dir.join(name), "").unwrap();
        }
        let files = replay_files(&dir, "mysql-bin.000002").unwrap();
        let names: Vec<_> = files
            .iter()
            .map(|f| f.file_name().unwrap().to_owned())
            .collect();
        assert_eq!(names, ["mysql-bin.000002", "mysql-bin.000003"]);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn account_statements_quote_names_and_passwords() {
        let user = ServiceUser {
            username: "app".into(),
            password: Some("pass-word_1".into()),
            kind: "normal".into(),
            authentication: None,
            access_control: None,
        };
        assert_eq!(
            account_sql(AccountChange::CreateUser(&user)),
            [
                "CREATE USER 'app'@'%' IDENTIFIED BY 'pass-word_1'",
                "GRANT ALL PRIVILEGES ON *.* TO 'app'@'%'",
                "REVOKE FILE, SUPER, SHUTDOWN, READ_ONLY ADMIN ON *.* FROM 'app'@'%'"
            ]
        );
        assert_eq!(quote("it's"), "'it\\'s'");
    }
}
