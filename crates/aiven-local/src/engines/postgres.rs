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
//!
//! As on the platform ("Aiven doesn't allow superuser access", Aiven's
//! "Perform DBA-type tasks"), the primary user is no superuser: it may
//! create databases and roles and replicate (CREATEDB, CREATEROLE,
//! REPLICATION). aiven-local manages each cluster as the superuser
//! `postgres`, over a Unix socket in its own private directory with peer
//! authentication, so it sends no password and reaches only the server it
//! started. Clusters made by earlier versions, whose primary user was
//! their superuser, are brought to this on their next start.

use std::path::{Path, PathBuf};
use std::time::Duration;

use aiven_api::types::{DatabaseEntry, ServiceNotification};
use serde_json::{Map, Value};
use tokio::process::Command;

use super::pgbouncer::PgBouncer;
use super::process::{self, run, run_with_input};
use super::{
    AccountChange, ClusterPaths, DEFAULT_DATABASE, Engine, EngineError, Instance, Lag, Login,
    RestoreTo, Stop, Upstream, default_database,
};

const RECOVERY_CONF: &str = "aiven_local_recovery.conf";
/// The role aiven-local manages every cluster as (the platform's own
/// superuser has this name too); only aiven-local's OS user may log in
/// as it, over the private socket.
const SUPERUSER: &str = "postgres";
/// What the primary user may do, as Aiven documents `avnadmin`'s rights.
const PRIMARY_RIGHTS: &str = "NOSUPERUSER CREATEDB CREATEROLE REPLICATION";
const SERVER_CONF: &str = "aiven_local.conf";

/// The notification kind for a `pg_version` the local binaries do not run.
pub const VERSION_NOT_RUN: &str = "pg_version_not_run";

/// Where and as whom psql connects: a socket directory or an address.
struct Connect<'a> {
    host: &'a Path,
    user: &'a str,
    password: Option<&'a str>,
    port: u16,
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
    /// What serves connection pools; without it pools are recorded only.
    pub pgbouncer: Option<PgBouncer>,
    /// Where the servers' sockets are (`.s.PGSQL.PORT` each): a short
    /// path inside aiven-local's private data directory.
    pub sockets: PathBuf,
    /// The OS user aiven-local runs as, who alone may be [`SUPERUSER`].
    pub os_user: String,
}

impl Postgres {
    /// The PostgreSQL binaries in `bin`, or why they cannot run services;
    /// pools are served by `pgbouncer` if that is installed; sockets go in
    /// `sockets`.
    pub fn find(
        bin: &Path,
        pgbouncer: &Path,
        sockets: &Path,
    ) -> Result<std::sync::Arc<dyn Engine>, String> {
        if !bin.join("postgres").is_file() {
            return Err(format!(
                "PostgreSQL is not installed in {} (install postgresql-15, or point --pg-bin at its binaries)",
                bin.display()
            ));
        }
        let os_user = crate::privilege::current_user_name()
            .ok_or_else(|| "cannot tell which OS user aiven-local runs as".to_owned())?;
        std::fs::create_dir_all(sockets)
            .map_err(|err| format!("cannot create {}: {err}", sockets.display()))?;
        Ok(std::sync::Arc::new(Postgres {
            sockets: sockets.to_owned(),
            os_user,
            major_version: major_version(bin),
            bin: bin.to_owned(),
            known_settings: Default::default(),
            pgbouncer: match pgbouncer.is_file() {
                true => Some(PgBouncer {
                    bin: pgbouncer.to_owned(),
                    psql: bin.join("psql"),
                }),
                false => {
                    tracing::warn!(path = %pgbouncer.display(), "pgbouncer is not installed: pg pools are recorded, not served");
                    None
                }
            },
        }))
    }
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

/// The cluster's data directory.
fn pgdata(paths: &ClusterPaths) -> PathBuf {
    paths.root.join("pgdata")
}

/// The server's log, where it says why it would not start or recover.
fn server_log(paths: &ClusterPaths) -> PathBuf {
    paths.root.join("postgres.log")
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

/// The recovery settings that stop a fork where `to` says: at the end of
/// its base backup (`immediate`: the first consistent point, which for a
/// backup taken online is where the backup ended), or after the last
/// transaction committed at or before an instant.
fn recovery_target(to: RestoreTo<'_>) -> Result<String, EngineError> {
    Ok(match to {
        RestoreTo::Backup => "recovery_target = 'immediate'\n".to_owned(),
        RestoreTo::Time(target) => format!(
            "recovery_target_time = {}\n",
            conf_quote(&server_time(target)?)
        ),
    })
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

impl Postgres {
    fn command(&self, program: &str) -> Command {
        let mut command = process::command(self.bin.join(program));
        command.env_remove("PGPASSWORD").env_remove("PGDATA");
        command
    }

    /// Writes the settings aiven-local owns: where to listen, where to
    /// archive, how many connections and the TLS certificate. Called on
    /// create, on every start and restore (a restored backup carries its
    /// source's copy) and whenever settings are applied.
    fn write_server_conf(
        &self,
        paths: &ClusterPaths,
        port: u16,
        max_connections: i64,
    ) -> Result<(), EngineError> {
        // TLS with the certificate its project's CA signed; plain
        // connections are still taken (as `sslmode=disable` asks).
        let tls = if paths.tls_cert().exists() {
            format!(
                "ssl = on\nssl_cert_file = {}\nssl_key_file = {}\n",
                conf_quote(&paths.tls_cert().display().to_string()),
                conf_quote(&paths.tls_key().display().to_string())
            )
        } else {
            String::new()
        };
        let conf = format!(
            "# Managed by aiven-local; rewritten on every start.\n\
             listen_addresses = '127.0.0.1'\n\
             port = {port}\n\
             unix_socket_directories = {}\n\
             unix_socket_permissions = 0700\n\
             wal_level = replica\n\
             archive_mode = on\n\
             archive_command = {}\n\
             max_wal_senders = 4\n\
             max_connections = {max_connections}\n\
             shared_buffers = 16MB\n\
             password_encryption = 'scram-sha-256'\n",
            conf_quote(&self.sockets.display().to_string()),
            conf_quote(ARCHIVE_COMMAND)
        ) + &tls;
        let data = pgdata(paths);
        let write = |name: &str, text: &str| {
            let path = data.join(name);
            std::fs::write(&path, text).map_err(|err| EngineError::io("write", path, err))
        };
        write(SERVER_CONF, &conf)?;
        // The socket is for aiven-local's OS user as the superuser alone;
        // every service user logs in with a password over TCP.
        let hba = "local all all peer map=aiven_local\n\
                   local replication all peer map=aiven_local\n\
                   host all all 127.0.0.1/32 scram-sha-256\n\
                   host replication all 127.0.0.1/32 scram-sha-256\n";
        write("pg_hba.conf", hba)?;
        write(
            "pg_ident.conf",
            &format!("aiven_local \"{}\" {SUPERUSER}\n", self.os_user),
        )?;
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

    /// Creates a new cluster: the superuser aiven-local manages it as,
    /// the primary user with the rights the platform gives it, and the
    /// default database, which the primary user owns.
    async fn init_cluster(
        &self,
        paths: &ClusterPaths,
        port: u16,
        login: Login<'_>,
        max_connections: i64,
    ) -> Result<(), EngineError> {
        let data = pgdata(paths);
        super::prepare_dirs(paths, &data).await?;
        let mut command = self.command("initdb");
        // pg_hba.conf is rewritten before the first start.
        command.arg("-D").arg(&data).args([
            "-U",
            SUPERUSER,
            "--auth-local=peer",
            "--auth-host=reject",
            "-E",
            "UTF8",
            "--no-locale",
        ]);
        run(command, "initdb").await?;
        self.write_server_conf(paths, port, max_connections)?;
        self.start_cluster(paths).await?;
        let primary = format!(
            "CREATE ROLE \"{}\" LOGIN {PRIMARY_RIGHTS} PASSWORD {}",
            login.user,
            sql_literal(login.password)
        );
        let database = create_database(&default_database("pg"), login.user);
        self.psql(
            port,
            "postgres",
            &[&primary, &database],
            "creating the primary user",
        )
        .await
        .map(drop)
    }

    /// Brings a cluster made by an earlier aiven-local (or restored from
    /// its backup), whose primary user was the superuser, to the roles of
    /// today: [`SUPERUSER`] made once over TCP as the primary user (the
    /// server was started by us a moment ago), then the primary user's
    /// rights set as the platform has them, on every start.
    async fn own_roles(&self, port: u16, login: Login<'_>) -> Result<(), EngineError> {
        let rights = format!("ALTER ROLE \"{}\" {PRIMARY_RIGHTS}", login.user);
        match self
            .psql(
                port,
                "postgres",
                &[&rights],
                "setting the primary user's rights",
            )
            .await
        {
            Err(err)
                if err
                    .to_string()
                    .contains(&format!("role \"{SUPERUSER}\" does not exist")) =>
            {
                tracing::info!(
                    user = login.user,
                    "making the superuser of a cluster from an earlier version"
                );
                let create = format!("CREATE ROLE {SUPERUSER} SUPERUSER LOGIN");
                self.psql_over_tcp(port, login, &[&create]).await?;
                self.psql(
                    port,
                    "postgres",
                    &[&rights],
                    "setting the primary user's rights",
                )
                .await
                .map(drop)
            }
            other => other.map(drop),
        }
    }

    async fn start_cluster(&self, paths: &ClusterPaths) -> Result<(), EngineError> {
        let mut command = self.command("pg_ctl");
        command
            .arg("-D")
            .arg(pgdata(paths))
            .arg("-l")
            .arg(server_log(paths))
            .args(["-w", "-t", "120", "start"]);
        run(command, "pg_ctl start")
            .await
            .map(|_| ())
            .map_err(|err| self.with_log_tail(paths, err))
    }

    /// Stops the cluster; `fast` rolls back open transactions, `immediate`
    /// skips the checkpoint (for a cluster about to be deleted).
    async fn stop_cluster(&self, paths: &ClusterPaths, mode: &str) -> Result<(), EngineError> {
        if !self.cluster_running(paths).await {
            return Ok(());
        }
        let mut command = self.command("pg_ctl");
        command
            .arg("-D")
            .arg(pgdata(paths))
            .args(["-m", mode, "-w", "-t", "60", "stop"]);
        run(command, "pg_ctl stop").await.map(|_| ())
    }

    async fn cluster_running(&self, paths: &ClusterPaths) -> bool {
        if !pgdata(paths).join("PG_VERSION").exists() {
            return false;
        }
        let mut command = self.command("pg_ctl");
        command.arg("-D").arg(pgdata(paths)).arg("status");
        run(command, "pg_ctl status").await.is_ok()
    }

    /// psql to `host` (a socket directory or an address) as `user`,
    /// unaligned and tuples-only, stopping at the first error, reading
    /// `statements` from its standard input: SQL can carry passwords, and
    /// a command line is visible to every local user. Each statement
    /// commits on its own (ALTER SYSTEM refuses to run in a transaction).
    async fn run_psql(
        &self,
        to: Connect<'_>,
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
                "-U",
                to.user,
            ])
            .arg("-h")
            .arg(to.host)
            .arg("-p")
            .arg(to.port.to_string())
            .arg("-d")
            .arg(database)
            .env("PGCONNECT_TIMEOUT", "10");
        if let Some(password) = to.password {
            command.env("PGPASSWORD", password);
        }
        let script: String = statements.iter().map(|s| format!("{s};\n")).collect();
        run_with_input(command, Some(script.as_bytes()), what).await
    }

    /// psql as [`SUPERUSER`] over the cluster's private socket.
    async fn psql(
        &self,
        port: u16,
        database: &str,
        statements: &[&str],
        what: &str,
    ) -> Result<String, EngineError> {
        let to = Connect {
            host: &self.sockets,
            user: SUPERUSER,
            password: None,
            port,
        };
        self.run_psql(to, database, statements, what).await
    }

    /// psql as the primary user over TCP, with its password: only for
    /// [`Self::own_roles`] on a cluster that has no [`SUPERUSER`] yet.
    async fn psql_over_tcp(
        &self,
        port: u16,
        login: Login<'_>,
        statements: &[&str],
    ) -> Result<String, EngineError> {
        let to = Connect {
            host: Path::new("127.0.0.1"),
            user: login.user,
            password: Some(login.password),
            port,
        };
        self.run_psql(to, "postgres", statements, "psql (upgrading the roles)")
            .await
    }

    /// Runs SQL as [`SUPERUSER`]; unaligned, tuples-only output.
    async fn sql(&self, port: u16, database: &str, sql: &str) -> Result<String, EngineError> {
        self.psql(port, database, &[sql], "psql")
            .await
            .map(|out| out.trim().to_owned())
    }

    /// Applies `user_config.pg`: `max_connections` to our settings file,
    /// the rest with ALTER SYSTEM (unset keys are reset), then a reload,
    /// and one restart if any setting that only a restart applies still
    /// differs from what the server runs with.
    async fn apply_pg_settings(
        &self,
        paths: &ClusterPaths,
        port: u16,
        pg: Option<&serde_json::Map<String, serde_json::Value>>,
    ) -> Result<(), EngineError> {
        self.write_server_conf(paths, port, max_connections(pg))?;
        let wanted = |name: &str| {
            pg.and_then(|settings| settings.get(name))
                .and_then(|value| server_value(name, value))
        };
        let names = self.settings_known(port).await?;
        let mut statements: Vec<String> = names
            .iter()
            .map(|name| match wanted(name) {
                Some(value) => format!("ALTER SYSTEM SET {name} = {}", conf_quote(&value)),
                None => format!("ALTER SYSTEM RESET {name}"),
            })
            .collect();
        statements.push("SELECT pg_reload_conf()".to_owned());
        let statements: Vec<&str> = statements.iter().map(String::as_str).collect();
        self.psql(port, DEFAULT_DATABASE, &statements, "applying pg settings")
            .await?;

        // Settings of the postmaster context wait for a restart. Both
        // views read the files when asked, so the reload cannot race this:
        // a value set but not applied, or one reset whose old value from
        // ALTER SYSTEM still runs.
        let pending = self
            .sql(
                port,
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
    async fn settings_known(&self, port: u16) -> Result<&[&'static str], EngineError> {
        let names = self.known_settings.get_or_try_init(|| async {
            let query = "SELECT lower(name) FROM pg_settings";
            let known = self.sql(port, DEFAULT_DATABASE, query).await?;
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
            .arg(pgdata(paths))
            .args(["-m", "fast", "-w", "-t", "120", "restart"])
            .arg("-l")
            .arg(server_log(paths));
        run(command, "pg_ctl restart").await.map(|_| ())
    }

    /// Takes a compressed base backup into `backups/NAME` and returns its
    /// size in bytes.
    async fn base_backup(
        &self,
        paths: &ClusterPaths,
        port: u16,
        name: &str,
    ) -> Result<i64, EngineError> {
        let target = paths.backup(name);
        if target.exists() {
            let _ = std::fs::remove_dir_all(&target);
        }
        let mut command = self.command("pg_basebackup");
        command
            .args([
                "-U",
                SUPERUSER,
                "-Ft",
                "--compress=client-lz4",
                "-c",
                "fast",
                "-h",
            ])
            .arg(&self.sockets)
            .arg("-D")
            .arg(&target)
            .arg("-p")
            .arg(port.to_string());
        if let Err(err) = run(command, "pg_basebackup").await {
            // A backup that failed halfway (a full disk, say) leaves nothing.
            let _ = std::fs::remove_dir_all(&target);
            return Err(err);
        }
        process::files_size(&target)
    }

    /// The first WAL segment a backup needs, from its manifest's
    /// `WAL-Ranges` (16 MiB segments: timeline, then the LSN's high word,
    /// then its low word divided by the segment size).
    fn backup_start_segment(&self, paths: &ClusterPaths, name: &str) -> Option<String> {
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
    async fn prune_wal(&self, paths: &ClusterPaths, first_needed: &str) -> Result<(), EngineError> {
        let mut command = self.command("pg_archivecleanup");
        command.arg(paths.archive()).arg(first_needed);
        run(command, "pg_archivecleanup").await.map(|_| ())
    }

    /// Makes everything the source committed so far reach its archive: a
    /// fresh commit record (so recovery to any time up to now finds a
    /// record past its target) and a WAL segment switch, then waits until
    /// the archiver copied that segment.
    async fn flush_wal(&self, paths: &ClusterPaths, port: u16) -> Result<(), EngineError> {
        self.sql(port, DEFAULT_DATABASE, "SELECT txid_current()")
            .await?;
        let segment = self
            .sql(
                port,
                DEFAULT_DATABASE,
                "SELECT pg_walfile_name(pg_switch_wal())",
            )
            .await?;
        let archived = paths.archive().join(&segment);
        for _ in 0..600 {
            if archived.exists() {
                return Ok(());
            }
            if !pgdata(paths).exists() {
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

    /// Unpacks the backup linked into `paths`' restore source (see
    /// [`super::link_restore_source`]) into a new data directory, with
    /// the settings aiven-local owns written over the source's.
    async fn unpack_backup(
        &self,
        paths: &ClusterPaths,
        port: u16,
        max_connections: i64,
    ) -> Result<(), EngineError> {
        let data = pgdata(paths);
        super::prepare_dirs(paths, &data).await?;
        let wal = data.join("pg_wal");
        std::fs::create_dir_all(&wal).map_err(|err| EngineError::io("create", wal, err))?;
        let backup_dir = paths.restore_backup();
        // pg_basebackup compresses the data archive on the client side and
        // leaves the WAL archive uncompressed.
        let archives: [(&str, &[&str], PathBuf); 2] = [
            ("base.tar.lz4", &["-I", "lz4", "-xf"], data.clone()),
            ("pg_wal.tar", &["-xf"], data.join("pg_wal")),
        ];
        for (archive, flags, into) in archives {
            let mut tar = process::command("tar");
            tar.args(flags)
                .arg(backup_dir.join(archive))
                .arg("-C")
                .arg(&into);
            run(tar, &format!("unpacking {archive} of the backup")).await?;
        }
        self.write_server_conf(paths, port, max_connections)
    }

    /// Restores the backup linked into `paths`' restore source into a new
    /// cluster, recovers it as far as `to` says and promotes it; the links
    /// go once the fork stands on its own.
    async fn restore_cluster(
        &self,
        paths: &ClusterPaths,
        port: u16,
        to: RestoreTo<'_>,
        max_connections: i64,
    ) -> Result<(), EngineError> {
        let data = pgdata(paths);
        let started = std::time::Instant::now();
        self.unpack_backup(paths, port, max_connections).await?;
        // Nothing queries the fork before promotion, and without hot
        // standby recovery does not demand the source's max_connections
        // and other limits, so a fork may ask for smaller ones.
        let recovery = format!(
            "restore_command = {}\nrecovery_target_action = 'promote'\nhot_standby = off\n",
            conf_quote("cp ../restore-source/wal/%f %p")
        );
        let write = |name: &str, text: &str| {
            let path = data.join(name);
            std::fs::write(&path, text).map_err(|err| EngineError::io("write", path, err))
        };
        write(
            RECOVERY_CONF,
            &format!("{recovery}{}", recovery_target(to)?),
        )?;
        write("recovery.signal", "")?;
        let unpacked = started.elapsed();
        match self.recover(paths, port).await {
            // A source that was not running when the fork was asked for
            // (powered off) wrote nothing after its last transaction, so
            // recovery to a later instant runs out of WAL first, which
            // PostgreSQL refuses. Everything archived is then at or before
            // the target: recovering to the end of the archive is exactly
            // the fork asked for.
            Err(err) if matches!(to, RestoreTo::Time(_)) && self.ran_out_before_target(paths) => {
                tracing::info!(error = %err, "the archive ends before the target; recovering all of it");
                write(RECOVERY_CONF, &recovery)?;
                self.recover(paths, port).await?;
            }
            recovered => recovered?,
        }
        tracing::info!(
            unpack_ms = unpacked.as_millis() as u64,
            recover_ms = (started.elapsed() - unpacked).as_millis() as u64,
            "restored and promoted"
        );
        // Promotion removed recovery.signal; drop the settings too so the
        // fork never reads its restore source again, then the source.
        write(RECOVERY_CONF, "")?;
        super::drop_restore_source(paths)
    }

    /// Makes a hot standby of `upstream` from the backup linked into the
    /// restore source: WAL comes from the linked archive, then the
    /// source's own archive, then streamed from the source over its
    /// private socket as the superuser. It serves read-only queries, so
    /// it takes the source's connection limit where that is higher (a hot
    /// standby refuses to run with less).
    async fn follow_cluster(
        &self,
        paths: &ClusterPaths,
        port: u16,
        upstream: Upstream<'_>,
        max_connections: i64,
    ) -> Result<(), EngineError> {
        self.unpack_backup(paths, port, max_connections).await?;
        let source_pg = server_settings(upstream.config);
        let limit = max_connections.max(self::max_connections(source_pg.as_ref()));
        let fetch = format!(
            "cp ../restore-source/wal/%f %p 2>/dev/null || cp \"{}/%f\" %p",
            upstream.paths.archive().display()
        );
        let source = format!(
            "host='{}' port={} user={SUPERUSER} application_name=replica",
            self.sockets.display(),
            upstream.port
        );
        let standby = format!(
            "restore_command = {}\nprimary_conninfo = {}\nhot_standby = on\nmax_connections = {limit}\n",
            conf_quote(&fetch),
            conf_quote(&source)
        );
        let data = pgdata(paths);
        for (name, text) in [(RECOVERY_CONF, standby.as_str()), ("standby.signal", "")] {
            let path = data.join(name);
            std::fs::write(&path, text).map_err(|err| EngineError::io("write", path, err))?;
        }
        self.start_cluster(paths).await?;
        self.wait_accepting(port).await
    }

    /// Whether the cluster is a standby still following its source.
    async fn in_recovery(&self, port: u16) -> Result<bool, EngineError> {
        Ok(self
            .sql(port, "postgres", "SELECT pg_is_in_recovery()")
            .await?
            == "t")
    }

    /// Ends a standby's recovery: it takes writes from now on, and its
    /// standby settings and links to the source go.
    async fn promote_cluster(&self, paths: &ClusterPaths, port: u16) -> Result<(), EngineError> {
        if self.in_recovery(port).await? {
            self.sql(port, "postgres", "SELECT pg_promote(true, 60)")
                .await?;
        }
        let recovery = pgdata(paths).join(RECOVERY_CONF);
        std::fs::write(&recovery, "").map_err(|err| EngineError::io("write", recovery, err))?;
        if paths.restore_source().exists() {
            super::drop_restore_source(paths)?;
        }
        Ok(())
    }

    /// Starts a cluster set up for recovery and waits until it is promoted.
    async fn recover(&self, paths: &ClusterPaths, port: u16) -> Result<(), EngineError> {
        self.start_cluster(paths).await?;
        self.wait_promoted(paths, port).await
    }

    /// Whether the server stopped because its WAL ended before the
    /// recovery target.
    fn ran_out_before_target(&self, paths: &ClusterPaths) -> bool {
        std::fs::read_to_string(server_log(paths)).is_ok_and(|log| {
            log.contains("recovery ended before configured recovery target was reached")
        })
    }

    async fn wait_promoted(&self, paths: &ClusterPaths, port: u16) -> Result<(), EngineError> {
        // Connecting needs a password we may not know yet (the source's
        // admin password arrives with the data), so watch the control file.
        for _ in 0..2400 {
            let mut command = self.command("pg_controldata");
            command.arg("-D").arg(pgdata(paths));
            if let Ok(output) = run(command, "pg_controldata").await
                && output.lines().any(|line| {
                    line.starts_with("Database cluster state:") && line.ends_with("in production")
                })
            {
                return self.wait_accepting(port).await;
            }
            if !self.cluster_running(paths).await {
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
            if run(command, "pg_isready").await.is_ok() {
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
        let log = std::fs::read_to_string(server_log(paths)).unwrap_or_default();
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

/// The role option for a user's `pg_allow_replication`.
fn replication(user: &aiven_api::types::ServiceUser) -> &'static str {
    match user
        .access_control
        .as_ref()
        .and_then(|a| a.pg_allow_replication)
    {
        Some(true) => "REPLICATION",
        _ => "NOREPLICATION",
    }
}

/// A string literal for SQL: quotes doubled (standard_conforming_strings
/// is on, so a backslash is itself).
fn sql_literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// The statement that makes a database, owned by the primary user (as
/// when it made one itself), in the locale its record keeps: from
/// `template0`, the one template PostgreSQL copies into another locale.
fn create_database(database: &DatabaseEntry, primary: &str) -> String {
    let mut sql = format!(
        "CREATE DATABASE \"{}\" OWNER \"{primary}\"",
        database.database_name
    );
    if database.lc_collate.is_some() || database.lc_ctype.is_some() {
        sql.push_str(" TEMPLATE template0");
    }
    for (clause, locale) in [
        ("LC_COLLATE", &database.lc_collate),
        ("LC_CTYPE", &database.lc_ctype),
    ] {
        if let Some(locale) = locale {
            sql.push_str(&format!(" {clause} {}", sql_literal(locale)));
        }
    }
    sql
}

/// The statement that makes `change`, if PostgreSQL has one (names are
/// checked before they get here: identifiers without quotes; passwords,
/// which may hold any character but control characters, are quoted).
fn account_sql(change: AccountChange<'_>, primary: &str) -> Option<String> {
    let password = |user: &aiven_api::types::ServiceUser| {
        sql_literal(user.password.as_deref().unwrap_or_default())
    };
    Some(match change {
        AccountChange::CreateUser(user) => format!(
            "CREATE ROLE \"{}\" LOGIN {} PASSWORD {}",
            user.username,
            replication(user),
            password(user)
        ),
        AccountChange::SetPassword(user) => {
            format!(
                "ALTER ROLE \"{}\" PASSWORD {}",
                user.username,
                password(user)
            )
        }
        AccountChange::SetAccess(user) => {
            format!("ALTER ROLE \"{}\" {}", user.username, replication(user))
        }
        AccountChange::DropUser(username) => format!("DROP ROLE \"{username}\""),
        // Owned by the primary user, as when it made them itself.
        AccountChange::CreateDatabase(database) => create_database(database, primary),
        AccountChange::DropDatabase(database) => {
            format!("DROP DATABASE \"{database}\" WITH (FORCE)")
        }
        AccountChange::SetIndexAcl(_) => return None,
    })
}

#[async_trait::async_trait]
impl Engine for Postgres {
    fn product(&self) -> String {
        match &self.major_version {
            Some(version) => format!("PostgreSQL {version}"),
            None => "PostgreSQL".to_owned(),
        }
    }

    fn data_dir(&self, paths: &ClusterPaths) -> PathBuf {
        pgdata(paths)
    }

    fn setting_keys(&self) -> &'static [&'static str] {
        &["pg", "work_mem"]
    }

    async fn init(&self, at: &Instance<'_>) -> Result<(), EngineError> {
        let pg = at.config().get("pg").and_then(Value::as_object);
        self.init_cluster(&at.paths, at.port()?, at.login(), max_connections(pg))
            .await
    }

    async fn restore(&self, at: &Instance<'_>, to: RestoreTo<'_>) -> Result<(), EngineError> {
        let pg = at.config().get("pg").and_then(Value::as_object);
        self.restore_cluster(&at.paths, at.port()?, to, max_connections(pg))
            .await?;
        self.own_roles(at.port()?, at.login()).await
    }

    async fn start(&self, at: &Instance<'_>) -> Result<(), EngineError> {
        // What aiven-local owns is rewritten on every start, so a data
        // directory from an earlier aiven-local serves TLS too.
        let pg = at.config().get("pg").and_then(Value::as_object);
        self.write_server_conf(&at.paths, at.port()?, max_connections(pg))?;
        self.start_cluster(&at.paths).await?;
        // A read replica's roles are its source's, and read-only. Told by
        // its file, not by asking the server: a cluster from an earlier
        // aiven-local has no superuser to ask with until own_roles runs.
        if pgdata(&at.paths).join("standby.signal").exists() {
            return Ok(());
        }
        self.own_roles(at.port()?, at.login()).await
    }

    fn follows(&self) -> bool {
        true
    }

    async fn follow(&self, at: &Instance<'_>, upstream: Upstream<'_>) -> Result<(), EngineError> {
        let pg = at.config().get("pg").and_then(Value::as_object);
        self.follow_cluster(&at.paths, at.port()?, upstream, max_connections(pg))
            .await
    }

    /// WAL the source has written and the standby has not replayed, and
    /// how long ago the newest replayed transaction committed while some
    /// is left (none left, no lag).
    async fn lag(
        &self,
        at: &Instance<'_>,
        upstream: Upstream<'_>,
    ) -> Result<Option<Lag>, EngineError> {
        let written = self
            .sql(
                upstream.port,
                DEFAULT_DATABASE,
                "SELECT pg_current_wal_lsn()",
            )
            .await?;
        let query = format!(
            "SELECT greatest(pg_wal_lsn_diff({}, pg_last_wal_replay_lsn()), 0)::bigint, \
             CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 \
             ELSE coalesce(extract(epoch FROM now() - pg_last_xact_replay_timestamp()), 0) END",
            sql_literal(&written)
        );
        let row = self.sql(at.port()?, DEFAULT_DATABASE, &query).await?;
        let mut fields = row.split('|').map(str::trim);
        Ok(Some(Lag {
            bytes: fields.next().and_then(|f| f.parse().ok()),
            seconds: fields.next().and_then(|f| f.parse().ok()),
        }))
    }

    async fn promote(&self, at: &Instance<'_>) -> Result<(), EngineError> {
        self.promote_cluster(&at.paths, at.port()?).await?;
        self.own_roles(at.port()?, at.login()).await
    }

    /// `Fast` rolls back open transactions; `Immediate` skips the
    /// checkpoint.
    async fn stop(&self, paths: &ClusterPaths, mode: Stop) -> Result<(), EngineError> {
        if let Some(pgbouncer) = &self.pgbouncer {
            pgbouncer.stop(paths).await?;
        }
        let mode = match mode {
            Stop::Fast => "fast",
            Stop::Immediate => "immediate",
        };
        self.stop_cluster(paths, mode).await
    }

    async fn is_running(&self, paths: &ClusterPaths) -> bool {
        self.cluster_running(paths).await
    }

    async fn apply_settings(&self, at: &Instance<'_>) -> Result<(), EngineError> {
        let settings = server_settings(at.config());
        self.apply_pg_settings(&at.paths, at.port()?, settings.as_ref())
            .await
    }

    async fn backup(&self, at: &Instance<'_>, name: &str) -> Result<i64, EngineError> {
        self.base_backup(&at.paths, at.port()?, name).await
    }

    async fn flush_to_archive(&self, at: &Instance<'_>) -> Result<(), EngineError> {
        self.flush_wal(&at.paths, at.port()?).await
    }

    /// The WAL before the oldest kept backup's first segment goes.
    async fn prune_archive(
        &self,
        paths: &ClusterPaths,
        oldest_kept: &str,
    ) -> Result<(), EngineError> {
        match self.backup_start_segment(paths, oldest_kept) {
            Some(first_needed) => self.prune_wal(paths, &first_needed).await,
            None => Ok(()),
        }
    }

    async fn account(
        &self,
        at: &Instance<'_>,
        change: AccountChange<'_>,
    ) -> Result<(), EngineError> {
        match account_sql(change, at.login().user) {
            Some(sql) => self.sql(at.port()?, DEFAULT_DATABASE, &sql).await.map(drop),
            None => Ok(()),
        }
    }

    async fn serve_pools(&self, at: &Instance<'_>) -> Result<(), EngineError> {
        match &self.pgbouncer {
            Some(pgbouncer) => pgbouncer.serve(at).await,
            None => Ok(()),
        }
    }

    /// A `pg_version` other than the major version the binaries run is
    /// kept, as the hosted API would, but the cluster cannot honour it.
    fn version_notice(&self, config: &Map<String, Value>) -> Option<ServiceNotification> {
        let asked = config.get("pg_version")?.as_str()?;
        let runs = self.major_version.as_deref()?;
        (asked != runs).then(|| super::warning(
            VERSION_NOT_RUN,
            format!(
                "pg_version {asked} is recorded, but aiven-local runs PostgreSQL {runs} (the server in --pg-bin), \
                 so this cluster is PostgreSQL {runs}."
            ),
        ))
    }

    /// PostgreSQL's connection limit.
    fn metadata(&self, config: &Map<String, Value>) -> Map<String, Value> {
        let pg = config.get("pg").and_then(Value::as_object);
        let mut metadata = Map::new();
        metadata.insert("max_connections".into(), max_connections(pg).into());
        metadata
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
        let wal = pgdata(&paths).join("pg_wal");
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
