//! Real PostgreSQL clusters: one per pg service, with continuous WAL
//! archiving, compressed base backups, and forks made by archive recovery
//! from a base backup plus archived WAL, never from the live source.
//!
//! Each service owns a directory:
//! `pgdata/` (the cluster), `archive/` (its WAL archive), `backups/NAME/`
//! (`base.tar.lz4` and `pg_wal.tar` from `pg_basebackup`; LZ4 because
//! a fork's restore waits on decompression, and LZ4 unpacks several times
//! faster than gzip), `postgres.log`, and while a fork restores,
//! `restore-source/` (hard links to its source's backup and WAL).

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::process::Command;

pub use crate::engine::EngineError;

pub const ADMIN_USER: &str = "avnadmin";
pub const DEFAULT_DATABASE: &str = "defaultdb";
const RECOVERY_CONF: &str = "aiven_local_recovery.conf";
const SERVER_CONF: &str = "aiven_local.conf";

/// The account aiven-local connects to a cluster as: its primary user.
#[derive(Debug, Clone, Copy)]
pub struct Login<'a> {
    pub user: &'a str,
    pub password: &'a str,
}

/// Runs the PostgreSQL binaries.
#[derive(Debug, Clone)]
pub struct Postgres {
    pub bin: PathBuf,
    /// The major version those binaries run (`15`), when they answer.
    pub major_version: Option<String>,
    /// The `user_config.pg` settings those binaries have: asked of the
    /// first cluster that applies settings, the same for every cluster.
    pub known_settings: std::sync::Arc<tokio::sync::OnceCell<Vec<&'static str>>>,
}

/// Asks `postgres -V` in `bin` for its major version: every cluster runs
/// it, whatever `pg_version` a service asks for.
pub fn major_version(bin: &Path) -> Option<String> {
    let output = std::process::Command::new(bin.join("postgres"))
        .arg("-V")
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&output.stdout);
    let version = text.split_whitespace().nth(2)?;
    Some(version.split('.').next()?.to_owned())
}

/// Paths of one service's cluster.
#[derive(Debug, Clone)]
pub struct ClusterPaths {
    pub root: PathBuf,
}

impl ClusterPaths {
    pub fn data(&self) -> PathBuf {
        self.root.join("pgdata")
    }

    pub fn archive(&self) -> PathBuf {
        self.root.join("archive")
    }

    pub fn backup(&self, name: &str) -> PathBuf {
        self.root.join("backups").join(name)
    }

    pub fn log(&self) -> PathBuf {
        self.root.join("postgres.log")
    }

    /// A fork's inputs: `backup/` (the chosen base backup) and `wal/` (its
    /// source's archived WAL), hard-linked rather than read in place so
    /// that the source's backup retention, or the source's deletion,
    /// cannot pull them away mid-restore.
    pub fn restore_source(&self) -> PathBuf {
        self.root.join("restore-source")
    }
}

/// Hard-links every file of `from` into `into` that `into` lacks yet.
fn link_missing(from: &Path, into: &Path) -> Result<(), EngineError> {
    std::fs::create_dir_all(into).map_err(|err| EngineError::io("create", into, err))?;
    let entries = std::fs::read_dir(from).map_err(|err| EngineError::io("read", from, err))?;
    for entry in entries {
        let entry = entry.map_err(|err| EngineError::io("read", from, err))?;
        let target = into.join(entry.file_name());
        match std::fs::hard_link(entry.path(), &target) {
            Ok(()) => {}
            Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {}
            // The archiver or retention may add or remove a file between
            // listing and linking; a vanished file is simply not needed.
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
            Err(err) => return Err(EngineError::io("link", target, err)),
        }
    }
    Ok(())
}

/// Links `backup` of `source` and the WAL archived so far into `fork`'s
/// restore source. Call it again to add WAL archived since; once the links
/// exist, the source itself is no longer needed.
pub fn link_restore_source(
    source: &ClusterPaths,
    backup: &str,
    fork: &ClusterPaths,
) -> Result<(), EngineError> {
    let linked_backup = fork.restore_source().join("backup");
    if !linked_backup.join("base.tar.lz4").exists() {
        let _ = std::fs::remove_dir_all(&linked_backup);
        link_missing(&source.backup(backup), &linked_backup)?;
    }
    let archive = source.archive();
    match link_missing(&archive, &fork.restore_source().join("wal")) {
        // The source is gone; the WAL linked before is what there is.
        Err(_) if !archive.exists() => Ok(()),
        linked => linked,
    }
}

/// Rewrites an RFC 3339 time into the form the server's
/// `recovery_target_time` check accepts (it refuses `T` and `Z`).
fn server_time(rfc3339: &str) -> Result<String, EngineError> {
    let invalid = |err: &dyn std::fmt::Display| EngineError::Invalid(err.to_string());
    let parsed = aiven_api::timestamp::parse(rfc3339)
        .map_err(|err| invalid(&err))?
        .to_offset(time::UtcOffset::UTC);
    let format = time::macros::format_description!(
        "[year]-[month]-[day] [hour]:[minute]:[second].[subsecond digits:6]+00"
    );
    parsed.format(&format).map_err(|err| invalid(&err))
}

/// The server settings a service's `user_config` asks for: the `pg`
/// object, and `work_mem`, which the API takes at the top level (in MB)
/// and PostgreSQL as a setting like the others. `None` when it sets none.
pub fn server_settings(
    user_config: &serde_json::Map<String, serde_json::Value>,
) -> Option<serde_json::Map<String, serde_json::Value>> {
    let pg = user_config.get("pg").and_then(serde_json::Value::as_object);
    let work_mem = user_config.get("work_mem");
    if pg.is_none() && work_mem.is_none() {
        return None;
    }
    let mut settings = pg.cloned().unwrap_or_default();
    if let Some(work_mem) = work_mem {
        settings.insert("work_mem".into(), work_mem.clone());
    }
    Some(settings)
}

/// `user_config.pg.max_connections`, or the server's default. Our own
/// settings file carries it rather than ALTER SYSTEM, so that a new cluster
/// or a restored fork starts with it instead of restarting for it.
pub fn max_connections(pg: Option<&serde_json::Map<String, serde_json::Value>>) -> i64 {
    pg.and_then(|settings| settings.get("max_connections"))
        .and_then(serde_json::Value::as_i64)
        .unwrap_or(100)
}

/// Every `user_config.pg` key is the server setting of the same name (the
/// API's name, dots and all), and so is the top-level `work_mem`;
/// [`max_connections`] is the one left to our settings file. Settings of extensions the server has not loaded are
/// among them; [`Postgres::apply_settings`] applies the ones it knows.
fn setting_names() -> Vec<&'static str> {
    let pg = aiven_api::catalog::service_type("pg").expect("pg is in the catalog");
    aiven_api::user_config::fields(pg)
        .into_iter()
        .find_map(|field| match (field.name, field.kind) {
            ("pg", aiven_api::user_config::Kind::Object(settings)) => Some(settings),
            _ => None,
        })
        .unwrap_or_default()
        .iter()
        .map(|field| field.api_name)
        .filter(|name| *name != "max_connections")
        .chain(["work_mem"])
        .collect()
}

/// A `user_config.pg` value in the server's terms: the API's unit where it
/// differs from the setting's own, `on`/`off` for booleans.
fn server_value(name: &str, value: &serde_json::Value) -> Option<String> {
    let unit = match name {
        "work_mem" => "MB",
        "bgwriter_flush_after" => "kB",
        "max_stack_depth" => "B",
        _ => "",
    };
    match value {
        serde_json::Value::Number(n) => Some(format!("{n}{unit}")),
        serde_json::Value::Bool(on) => Some(if *on { "on" } else { "off" }.to_owned()),
        serde_json::Value::String(text) => Some(text.clone()),
        _ => None,
    }
}

/// Quotes a value for postgresql.conf.
fn conf_quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// The archive command: copy under a temporary name, fsync, then rename,
/// so a crash never leaves a partial segment under its real name. A
/// segment already archived with the same contents counts as done (the
/// server retries one whose success it did not record before a crash);
/// one with other contents is never overwritten. Paths are relative to
/// the data directory the server runs in, because the server cuts the
/// command off at 1024 bytes once `%p` and `%f` are filled in.
const ARCHIVE_COMMAND: &str = "if test -f ../archive/%f; then cmp -s %p ../archive/%f; \
     else cp %p ../archive/%f.part && sync ../archive/%f.part \
     && mv ../archive/%f.part ../archive/%f && sync ../archive; fi";

/// Writes a file only its owner can read, created afresh (a leftover is
/// replaced, never written through).
fn write_secret(path: &Path, secret: &str) -> Result<(), EngineError> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let _ = std::fs::remove_file(path);
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .and_then(|mut file| file.write_all(secret.as_bytes()))
        .map_err(|err| EngineError::io("write", path, err))
}

impl Postgres {
    fn command(&self, program: &str) -> Command {
        let mut command = Command::new(self.bin.join(program));
        command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        command
            .env_remove("PGPASSWORD")
            .env_remove("PGDATA")
            .env("LC_ALL", "C.UTF-8");
        command
    }

    async fn run(command: Command, what: &str) -> Result<String, EngineError> {
        Self::run_with_input(command, None, what).await
    }

    /// Runs `command`, writing `input` to its standard input if given (the
    /// way to hand it a secret: a command line is visible to every user).
    async fn run_with_input(
        mut command: Command,
        input: Option<&[u8]>,
        what: &str,
    ) -> Result<String, EngineError> {
        use tokio::io::AsyncWriteExt;
        if input.is_some() {
            command.stdin(Stdio::piped());
        }
        let spawn = |source| EngineError::Spawn {
            program: what.to_owned(),
            source,
        };
        let mut child = command.spawn().map_err(spawn)?;
        if let (Some(input), Some(mut stdin)) = (input, child.stdin.take()) {
            stdin.write_all(input).await.map_err(spawn)?;
        }
        let output = child.wait_with_output().await.map_err(spawn)?;
        if output.status.success() {
            Ok(String::from_utf8_lossy(&output.stdout).into_owned())
        } else {
            Err(EngineError::Failed {
                program: what.to_owned(),
                stderr: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
            })
        }
    }

    /// Creates the service's directories and returns its data directory,
    /// emptied: whatever is there is from an attempt a crash interrupted.
    fn prepare_dirs(&self, paths: &ClusterPaths) -> Result<PathBuf, EngineError> {
        for dir in [
            paths.root.clone(),
            paths.archive(),
            paths.root.join("backups"),
        ] {
            std::fs::create_dir_all(&dir).map_err(|err| EngineError::io("create", &dir, err))?;
        }
        let data = paths.data();
        if data.exists() {
            std::fs::remove_dir_all(&data).map_err(|err| EngineError::io("clear", &data, err))?;
        }
        Ok(data)
    }

    /// Writes the settings aiven-local owns: where to listen, where to
    /// archive and how many connections. Called on create, on every
    /// restore (a restored backup carries its source's copy) and whenever
    /// settings are applied.
    fn write_server_conf(
        &self,
        paths: &ClusterPaths,
        port: u16,
        max_connections: i64,
    ) -> Result<(), EngineError> {
        let conf = format!(
            "# Managed by aiven-local; rewritten on every start.\n\
             listen_addresses = '127.0.0.1'\n\
             port = {port}\n\
             unix_socket_directories = ''\n\
             wal_level = replica\n\
             archive_mode = on\n\
             archive_command = {}\n\
             max_wal_senders = 4\n\
             max_connections = {max_connections}\n\
             shared_buffers = 16MB\n\
             password_encryption = 'scram-sha-256'\n",
            conf_quote(ARCHIVE_COMMAND)
        );
        let data = paths.data();
        let write = |name: &str, text: &str| {
            let path = data.join(name);
            std::fs::write(&path, text).map_err(|err| EngineError::io("write", path, err))
        };
        write(SERVER_CONF, &conf)?;
        let hba = "host all all 127.0.0.1/32 scram-sha-256\nhost replication all 127.0.0.1/32 scram-sha-256\n";
        write("pg_hba.conf", hba)?;
        let main_conf = data.join("postgresql.conf");
        let current = std::fs::read_to_string(&main_conf).unwrap_or_default();
        if !current.contains(SERVER_CONF) {
            let includes = format!(
                "\ninclude_if_exists = '{SERVER_CONF}'\ninclude_if_exists = '{RECOVERY_CONF}'\n"
            );
            write("postgresql.conf", &(current + &includes))?;
        }
        Ok(())
    }

    /// Creates a new cluster with the admin user and the default database.
    pub async fn init(
        &self,
        paths: &ClusterPaths,
        port: u16,
        login: Login<'_>,
        max_connections: i64,
    ) -> Result<(), EngineError> {
        let data = self.prepare_dirs(paths)?;
        let password_file = paths.root.join("initdb.pw");
        write_secret(&password_file, login.password)?;
        let mut command = self.command("initdb");
        command.arg("-D").arg(&data).args([
            "-U",
            login.user,
            "--auth=scram-sha-256",
            "-E",
            "UTF8",
            "--no-locale",
        ]);
        command.arg(format!("--pwfile={}", password_file.display()));
        let result = Self::run(command, "initdb").await;
        let _ = std::fs::remove_file(&password_file);
        result?;
        self.write_server_conf(paths, port, max_connections)?;
        self.start(paths).await?;
        self.sql(
            port,
            login,
            "postgres",
            &format!("CREATE DATABASE {DEFAULT_DATABASE}"),
        )
        .await?;
        Ok(())
    }

    pub async fn start(&self, paths: &ClusterPaths) -> Result<(), EngineError> {
        let mut command = self.command("pg_ctl");
        command
            .arg("-D")
            .arg(paths.data())
            .arg("-l")
            .arg(paths.log())
            .args(["-w", "-t", "120", "start"]);
        Self::run(command, "pg_ctl start")
            .await
            .map(|_| ())
            .map_err(|err| self.with_log_tail(paths, err))
    }

    /// Stops the cluster; `fast` rolls back open transactions, `immediate`
    /// skips the checkpoint (for a cluster about to be deleted).
    pub async fn stop(&self, paths: &ClusterPaths, mode: &str) -> Result<(), EngineError> {
        if !self.is_running(paths).await {
            return Ok(());
        }
        let mut command = self.command("pg_ctl");
        command
            .arg("-D")
            .arg(paths.data())
            .args(["-m", mode, "-w", "-t", "60", "stop"]);
        Self::run(command, "pg_ctl stop").await.map(|_| ())
    }

    pub async fn is_running(&self, paths: &ClusterPaths) -> bool {
        if !paths.data().join("PG_VERSION").exists() {
            return false;
        }
        let mut command = self.command("pg_ctl");
        command.arg("-D").arg(paths.data()).arg("status");
        Self::run(command, "pg_ctl status").await.is_ok()
    }

    /// psql as the admin user on `port`, unaligned and tuples-only,
    /// stopping at the first error, reading `statements` from its standard
    /// input: SQL can carry passwords, and a command line is visible to
    /// every local user. Each statement commits on its own (ALTER SYSTEM
    /// refuses to run in a transaction).
    async fn psql(
        &self,
        port: u16,
        login: Login<'_>,
        database: &str,
        statements: &[&str],
        what: &str,
    ) -> Result<String, EngineError> {
        let mut command = self.command("psql");
        command
            .args([
                "-X",
                "-q",
                "-A",
                "-t",
                "-v",
                "ON_ERROR_STOP=1",
                "-h",
                "127.0.0.1",
                "-U",
                login.user,
            ])
            .arg("-p")
            .arg(port.to_string())
            .arg("-d")
            .arg(database)
            .env("PGPASSWORD", login.password)
            .env("PGCONNECT_TIMEOUT", "10");
        let script: String = statements.iter().map(|s| format!("{s};\n")).collect();
        Self::run_with_input(command, Some(script.as_bytes()), what).await
    }

    /// Runs SQL as the admin user and returns unaligned, tuples-only output.
    pub async fn sql(
        &self,
        port: u16,
        login: Login<'_>,
        database: &str,
        sql: &str,
    ) -> Result<String, EngineError> {
        self.psql(port, login, database, &[sql], "psql")
            .await
            .map(|out| out.trim().to_owned())
    }

    /// Applies `user_config.pg`: `max_connections` to our settings file,
    /// the rest with ALTER SYSTEM (unset keys are reset), then a reload,
    /// and one restart if any setting that only a restart applies still
    /// differs from what the server runs with.
    pub async fn apply_settings(
        &self,
        paths: &ClusterPaths,
        port: u16,
        login: Login<'_>,
        pg: Option<&serde_json::Map<String, serde_json::Value>>,
    ) -> Result<(), EngineError> {
        self.write_server_conf(paths, port, max_connections(pg))?;
        let wanted = |name: &str| {
            pg.and_then(|settings| settings.get(name))
                .and_then(|value| server_value(name, value))
        };
        let names = self.settings_known(port, login).await?;
        let mut statements: Vec<String> = names
            .iter()
            .map(|name| match wanted(name) {
                Some(value) => format!("ALTER SYSTEM SET {name} = {}", conf_quote(&value)),
                None => format!("ALTER SYSTEM RESET {name}"),
            })
            .collect();
        statements.push("SELECT pg_reload_conf()".to_owned());
        let statements: Vec<&str> = statements.iter().map(String::as_str).collect();
        self.psql(
            port,
            login,
            DEFAULT_DATABASE,
            &statements,
            "applying pg settings",
        )
        .await?;

        // Settings of the postmaster context wait for a restart. Both
        // views read the files when asked, so the reload cannot race this:
        // a value set but not applied, or one reset whose old value from
        // ALTER SYSTEM still runs.
        let pending = self
            .sql(
                port,
                login,
                DEFAULT_DATABASE,
                "SELECT (SELECT count(*) FROM pg_file_settings WHERE NOT applied AND error IS NOT NULL) \
                 + (SELECT count(*) FROM pg_settings s WHERE s.context = 'postmaster' \
                    AND s.sourcefile LIKE '%postgresql.auto.conf' AND NOT EXISTS \
                    (SELECT 1 FROM pg_file_settings f WHERE f.name = s.name AND f.sourcefile = s.sourcefile))",
            )
            .await?;
        if pending != "0" {
            self.restart(paths).await?;
        }
        Ok(())
    }

    /// The API's settings this server has (it spells some in capitals,
    /// such as TimeZone); the others are recorded only.
    async fn settings_known(
        &self,
        port: u16,
        login: Login<'_>,
    ) -> Result<&[&'static str], EngineError> {
        let names = self.known_settings.get_or_try_init(|| async {
            let query = "SELECT lower(name) FROM pg_settings";
            let known = self.sql(port, login, DEFAULT_DATABASE, query).await?;
            let known: std::collections::HashSet<&str> = known.lines().collect();
            let names = setting_names().into_iter();
            Ok::<_, EngineError>(
                names
                    .filter(|name| known.contains(name.to_lowercase().as_str()))
                    .collect(),
            )
        });
        Ok(names.await?)
    }

    async fn restart(&self, paths: &ClusterPaths) -> Result<(), EngineError> {
        let mut command = self.command("pg_ctl");
        command
            .arg("-D")
            .arg(paths.data())
            .args(["-m", "fast", "-w", "-t", "120", "restart"])
            .arg("-l")
            .arg(paths.log());
        Self::run(command, "pg_ctl restart").await.map(|_| ())
    }

    /// Takes a compressed base backup into `backups/NAME` and returns its
    /// size in bytes.
    pub async fn base_backup(
        &self,
        paths: &ClusterPaths,
        port: u16,
        login: Login<'_>,
        name: &str,
    ) -> Result<i64, EngineError> {
        let target = paths.backup(name);
        if target.exists() {
            let _ = std::fs::remove_dir_all(&target);
        }
        let mut command = self.command("pg_basebackup");
        command
            .args([
                "-h",
                "127.0.0.1",
                "-U",
                login.user,
                "-Ft",
                "--compress=client-lz4",
                "-c",
                "fast",
                "-D",
            ])
            .arg(&target)
            .arg("-p")
            .arg(port.to_string())
            .env("PGPASSWORD", login.password);
        if let Err(err) = Self::run(command, "pg_basebackup").await {
            // A backup that failed halfway (a full disk, say) leaves nothing.
            let _ = std::fs::remove_dir_all(&target);
            return Err(err);
        }
        let size = std::fs::read_dir(&target)
            .map_err(|err| EngineError::io("read", &target, err))?
            .filter_map(|entry| entry.ok()?.metadata().ok())
            .map(|metadata| metadata.len() as i64)
            .sum();
        Ok(size)
    }

    /// The first WAL segment a backup needs, from its manifest's
    /// `WAL-Ranges` (16 MiB segments: timeline, then the LSN's high word,
    /// then its low word divided by the segment size).
    pub fn backup_start_segment(&self, paths: &ClusterPaths, name: &str) -> Option<String> {
        let manifest = std::fs::read(paths.backup(name).join("backup_manifest")).ok()?;
        let manifest: serde_json::Value = serde_json::from_slice(&manifest).ok()?;
        let range = manifest["WAL-Ranges"].get(0)?;
        let timeline = range["Timeline"].as_u64()?;
        let (high, low) = range["Start-LSN"].as_str()?.split_once('/')?;
        let high = u64::from_str_radix(high, 16).ok()?;
        let low = u64::from_str_radix(low, 16).ok()?;
        Some(format!("{timeline:08X}{high:08X}{:08X}", low >> 24))
    }

    /// Deletes archived WAL segments older than `first_needed`.
    pub async fn prune_archive(
        &self,
        paths: &ClusterPaths,
        first_needed: &str,
    ) -> Result<(), EngineError> {
        let mut command = self.command("pg_archivecleanup");
        command.arg(paths.archive()).arg(first_needed);
        Self::run(command, "pg_archivecleanup").await.map(|_| ())
    }

    /// Makes everything the source committed so far reach its archive: a
    /// fresh commit record (so recovery to any time up to now finds a
    /// record past its target) and a WAL segment switch, then waits until
    /// the archiver copied that segment.
    pub async fn flush_to_archive(
        &self,
        paths: &ClusterPaths,
        port: u16,
        login: Login<'_>,
    ) -> Result<(), EngineError> {
        self.sql(port, login, DEFAULT_DATABASE, "SELECT txid_current()")
            .await?;
        let segment = self
            .sql(
                port,
                login,
                DEFAULT_DATABASE,
                "SELECT pg_walfile_name(pg_switch_wal())",
            )
            .await?;
        let archived = paths.archive().join(&segment);
        for _ in 0..600 {
            if archived.exists() {
                return Ok(());
            }
            if !paths.data().exists() {
                return Err(EngineError::Gone(
                    "the service was deleted before its WAL was archived",
                ));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Err(EngineError::TimedOut {
            waiting_for: format!("WAL segment {segment} to be archived (30 s)"),
        })
    }

    /// Restores the backup linked into `paths`' restore source (see
    /// [`link_restore_source`]) into a new cluster, replays the linked WAL
    /// up to `target_time` (or to the end: the latest transaction) and
    /// promotes it; the links go once the fork stands on its own.
    pub async fn restore(
        &self,
        paths: &ClusterPaths,
        port: u16,
        target_time: Option<&str>,
        max_connections: i64,
    ) -> Result<(), EngineError> {
        let data = self.prepare_dirs(paths)?;
        let wal = data.join("pg_wal");
        std::fs::create_dir_all(&wal).map_err(|err| EngineError::io("create", wal, err))?;
        std::fs::set_permissions(&data, std::os::unix::fs::PermissionsExt::from_mode(0o700))
            .map_err(|err| EngineError::io("set the mode of", &data, err))?;
        let backup_dir = paths.restore_source().join("backup");
        let started = std::time::Instant::now();
        // pg_basebackup compresses the data archive on the client side and
        // leaves the WAL archive uncompressed.
        let archives: [(&str, &[&str], PathBuf); 2] = [
            ("base.tar.lz4", &["-I", "lz4", "-xf"], data.clone()),
            ("pg_wal.tar", &["-xf"], data.join("pg_wal")),
        ];
        for (archive, flags, into) in archives {
            let mut tar = Command::new("tar");
            tar.args(flags)
                .arg(backup_dir.join(archive))
                .arg("-C")
                .arg(&into)
                .stdin(Stdio::null())
                .stderr(Stdio::piped());
            Self::run(tar, &format!("unpacking {archive} of the fork's backup")).await?;
        }
        self.write_server_conf(paths, port, max_connections)?;
        let mut recovery = format!(
            "restore_command = {}\nrecovery_target_action = 'promote'\nhot_standby = off\n",
            conf_quote("cp ../restore-source/wal/%f %p")
        );
        if let Some(target) = target_time {
            recovery.push_str(&format!(
                "recovery_target_time = {}\n",
                conf_quote(&server_time(target)?)
            ));
        }
        // Nothing queries the fork before promotion, and without hot
        // standby recovery does not demand the source's max_connections
        // and other limits, so a fork may ask for smaller ones.
        let write = |name: &str, text: &str| {
            let path = data.join(name);
            std::fs::write(&path, text).map_err(|err| EngineError::io("write", path, err))
        };
        write(RECOVERY_CONF, &recovery)?;
        write("recovery.signal", "")?;
        let unpacked = started.elapsed();
        self.start(paths).await?;
        self.wait_promoted(paths, port).await?;
        tracing::info!(
            unpack_ms = unpacked.as_millis() as u64,
            recover_ms = (started.elapsed() - unpacked).as_millis() as u64,
            "restored and promoted"
        );
        // Promotion removed recovery.signal; drop the settings too so the
        // fork never reads its restore source again, then the source.
        write(RECOVERY_CONF, "")?;
        let source = paths.restore_source();
        std::fs::remove_dir_all(&source).map_err(|err| EngineError::io("remove", source, err))
    }

    async fn wait_promoted(&self, paths: &ClusterPaths, port: u16) -> Result<(), EngineError> {
        // Connecting needs a password we may not know yet (the source's
        // admin password arrives with the data), so watch the control file.
        for _ in 0..2400 {
            let mut command = self.command("pg_controldata");
            command.arg("-D").arg(paths.data());
            if let Ok(output) = Self::run(command, "pg_controldata").await
                && output.lines().any(|line| {
                    line.starts_with("Database cluster state:") && line.ends_with("in production")
                })
            {
                return self.wait_accepting(port).await;
            }
            if !self.is_running(paths).await {
                return Err(self.with_log_tail(paths, EngineError::Gone("recovery stopped")));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let waiting_for = "recovery to finish (2 minutes)".to_owned();
        Err(self.with_log_tail(paths, EngineError::TimedOut { waiting_for }))
    }

    async fn wait_accepting(&self, port: u16) -> Result<(), EngineError> {
        for _ in 0..200 {
            let mut command = self.command("pg_isready");
            command
                .args(["-h", "127.0.0.1", "-p"])
                .arg(port.to_string());
            if Self::run(command, "pg_isready").await.is_ok() {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Err(EngineError::TimedOut {
            waiting_for: "the server to accept connections after recovery".to_owned(),
        })
    }

    /// Appends the last lines of the server log to an error, which is
    /// where PostgreSQL says why it would not start or recover.
    fn with_log_tail(&self, paths: &ClusterPaths, error: EngineError) -> EngineError {
        let log = std::fs::read_to_string(paths.log()).unwrap_or_default();
        let tail: Vec<&str> = log
            .lines()
            .filter(|l| l.contains("FATAL") || l.contains("ERROR"))
            .collect();
        match tail.last() {
            Some(line) => EngineError::Logged {
                error: Box::new(error),
                log_line: (*line).to_owned(),
            },
            None => error,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs the archive command as the server would for `segment`: in the
    /// data directory, next to the archive.
    fn archive(root: &Path, segment: &str) -> bool {
        let command = ARCHIVE_COMMAND
            .replace("%p", &format!("pg_wal/{segment}"))
            .replace("%f", segment);
        std::process::Command::new("sh")
            .arg("-c")
            .arg(command)
            .current_dir(root.join("pgdata"))
            .status()
            .expect("sh")
            .success()
    }

    #[test]
    fn archiving_is_atomic_idempotent_and_never_overwrites() {
        let root = testkit::temp_dir("aiven-local-archive");
        let paths = ClusterPaths { root: root.clone() };
        let wal = paths.data().join("pg_wal");
        std::fs::create_dir_all(&wal).unwrap();
        std::fs::create_dir_all(paths.archive()).unwrap();
        let segment = "000000010000000000000003";
        std::fs::write(wal.join(segment), "wal bytes").unwrap();
        // What a crash mid-copy leaves behind must not get in the way.
        let part = paths.archive().join(format!("{segment}.part"));
        std::fs::write(&part, "wal").unwrap();

        assert!(archive(&root, segment), "first archive");
        let archived = paths.archive().join(segment);
        assert_eq!(std::fs::read_to_string(&archived).unwrap(), "wal bytes");
        assert!(!part.exists());
        assert!(
            archive(&root, segment),
            "a retry of an archived segment succeeds"
        );

        std::fs::write(wal.join(segment), "other bytes").unwrap();
        assert!(
            !archive(&root, segment),
            "a different segment under the same name is refused"
        );
        assert_eq!(std::fs::read_to_string(&archived).unwrap(), "wal bytes");
        std::fs::remove_dir_all(root).unwrap();
    }
}
