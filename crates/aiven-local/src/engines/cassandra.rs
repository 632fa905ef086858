//! Cassandra services on Apache Cassandra 5.0 from Maven Central's jars
//! (`scripts/setup.sh` gathers `cassandra-all` and its dependencies and
//! compiles [`AivenLocalCassandra.java`](./cassandra/AivenLocalCassandra.java),
//! which starts Cassandra's daemon with a control socket beside it). Each
//! service is one node whose CQL port is the service's port, TLS only with
//! the service's certificate, and password authentication against the
//! service's roles, as the platform's nodes require. Its storage port
//! (which a single node never uses for peers but still binds) is the same
//! number on 127.0.0.3, out of the way of the ports aiven-local hands out
//! on 127.0.0.1. JMX is not started: what `nodetool` would ask of it
//! (snapshots, roles) the launcher does in the node itself, asked on the
//! control socket.
//!
//! The service's users are Cassandra roles with bcrypt hashes (the
//! password never reaches the node): the primary user a superuser, the
//! others logins with every permission on the data and none on roles.
//! Cassandra's default `cassandra` superuser is dropped before CQL opens.
//! A backup is a snapshot of the user keyspaces, the schema and the roles
//! (`system_schema`, `system_auth`), hard-linked into the backup's
//! directory in a data directory's layout; a fork starts a fresh node on
//! those files, so it has every keyspace, table, row, role and grant the
//! backup holds.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use aiven_api::types::{ServiceNotification, ServiceUser};
use serde_json::{Map, Value, json};
use tokio::process::Command;

use super::process;
use super::{AccountChange, ClusterPaths, Engine, EngineError, Instance, RestoreTo, Stop};

/// What the node's process is called (`/proc/PID/comm`).
const PROGRAM: &str = "java";
/// The notification kind for a `cassandra_version` other than the one
/// that runs.
pub const VERSION_NOT_RUN: &str = "cassandra_version_not_run";
/// bcrypt's work factor for the roles' hashes, Cassandra's own default.
const BCRYPT_COST: u32 = 10;
/// What Java 17 must open to Cassandra, as its `jvm17-server.options`
/// lists (the JDK's internals it reaches for off-heap memory, its
/// classloaders and its own attach).
const MODULE_ACCESS: [&str; 23] = [
    "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED",
    "--add-exports=java.management.rmi/com.sun.jmx.remote.internal.rmi=ALL-UNNAMED",
    "--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED",
    "--add-exports=java.rmi/sun.rmi.server=ALL-UNNAMED",
    "--add-exports=java.sql/java.sql=ALL-UNNAMED",
    "--add-exports=java.base/java.lang.ref=ALL-UNNAMED",
    "--add-exports=jdk.unsupported/sun.misc=ALL-UNNAMED",
    "--add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED",
    "--add-exports=jdk.attach/sun.tools.attach=ALL-UNNAMED",
    "--add-opens=java.base/java.lang.module=ALL-UNNAMED",
    "--add-opens=java.base/jdk.internal.loader=ALL-UNNAMED",
    "--add-opens=java.base/jdk.internal.ref=ALL-UNNAMED",
    "--add-opens=java.base/jdk.internal.reflect=ALL-UNNAMED",
    "--add-opens=java.base/jdk.internal.math=ALL-UNNAMED",
    "--add-opens=java.base/jdk.internal.module=ALL-UNNAMED",
    "--add-opens=java.base/jdk.internal.util.jar=ALL-UNNAMED",
    "--add-opens=jdk.management/com.sun.management.internal=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
    "--add-opens=jdk.compiler/com.sun.tools.javac=ALL-UNNAMED",
    "--add-opens=java.base/java.lang=ALL-UNNAMED",
    "--add-opens=java.base/java.util=ALL-UNNAMED",
];

/// Runs services with `java` on the jars in `home`.
#[derive(Debug, Clone)]
pub struct Cassandra {
    pub java: PathBuf,
    /// What `scripts/setup.sh` installs: `lib/` (Cassandra and its
    /// dependencies) and `classes/` (the launcher).
    pub home: PathBuf,
    /// Where the control sockets are (`cassandra.PORT.sock` each): a short
    /// directory of aiven-local's, as a socket's path has at most 107
    /// bytes and a service's directory can be longer.
    pub sockets: PathBuf,
    /// Each node's heap, in MiB.
    pub heap_mb: u32,
    /// The engine's version (`5.0.6`), from its jar's name.
    pub version: Option<String>,
}

/// The node's files: `data/` (what backups hold), and the commit log,
/// hints and caches beside it.
fn data(paths: &ClusterPaths) -> PathBuf {
    paths.root.join("cassandra")
}

fn config_dir(paths: &ClusterPaths) -> PathBuf {
    paths.root.join("cassandra-config")
}

fn users_file(paths: &ClusterPaths) -> PathBuf {
    config_dir(paths).join("users.jsonl")
}

/// Java's temporary directory for the node, inside the service's own.
fn tmp_dir(paths: &ClusterPaths) -> PathBuf {
    paths.root.join("cassandra-tmp")
}

fn pid_file(paths: &ClusterPaths) -> PathBuf {
    paths.root.join("cassandra.pid")
}

fn log_file(paths: &ClusterPaths) -> PathBuf {
    paths.root.join("cassandra.log")
}

/// A string as YAML: JSON's quoting is YAML's too.
fn yaml(text: &str) -> String {
    Value::from(text).to_string()
}

/// The node's settings: one node on loopback, CQL over TLS only with the
/// service's certificate, passwords and permissions checked, CQL closed
/// until the launcher has set up the roles.
fn node_settings(paths: &ClusterPaths, name: &str, port: u16) -> String {
    let dir = |sub: &str| yaml(&data(paths).join(sub).display().to_string());
    let keystore = yaml(&config_dir(paths).join("node.pem").display().to_string());
    format!(
        "# Managed by aiven-local; rewritten on every start.
cluster_name: {name}
num_tokens: 1
initial_token: 0
partitioner: org.apache.cassandra.dht.Murmur3Partitioner
data_file_directories: [{data}]
commitlog_directory: {commitlog}
saved_caches_directory: {caches}
hints_directory: {hints}
cdc_raw_directory: {cdc}
commitlog_sync: periodic
commitlog_sync_period: 10000ms
seed_provider:
  - class_name: org.apache.cassandra.locator.SimpleSeedProvider
    parameters:
      - seeds: \"127.0.0.3:{port}\"
listen_address: 127.0.0.3
storage_port: {port}
rpc_address: 127.0.0.1
native_transport_port: {port}
start_native_transport: false
endpoint_snitch: SimpleSnitch
authenticator: PasswordAuthenticator
authorizer: CassandraAuthorizer
role_manager: CassandraRoleManager
client_encryption_options:
  enabled: true
  optional: false
  ssl_context_factory:
    class_name: org.apache.cassandra.security.PEMBasedSslContextFactory
  keystore: {keystore}
",
        name = yaml(name),
        data = dir("data"),
        commitlog = dir("commitlog"),
        caches = dir("saved_caches"),
        hints = dir("hints"),
        cdc = dir("cdc_raw"),
    )
}

/// Logging to standard error, which aiven-local keeps in the service's
/// log file: warnings, and the daemon's start-up lines.
const LOG_SETTINGS: &str = r#"<configuration>
  <appender name="STDERR" class="ch.qos.logback.core.ConsoleAppender">
    <target>System.err</target>
    <encoder><pattern>%date{ISO8601} %-5level [%thread] %logger{0} %msg%n</pattern></encoder>
  </appender>
  <root level="WARN"><appender-ref ref="STDERR"/></root>
  <logger name="org.apache.cassandra.service.CassandraDaemon" level="INFO"/>
</configuration>
"#;

/// A user as the launcher takes it: a bcrypt hash in the `$2a$` form,
/// the one Cassandra's jBCrypt reads, and whether it is the superuser.
fn role(user: &ServiceUser) -> Result<Value, EngineError> {
    let password = user.password.as_deref().unwrap_or_default();
    let hash = bcrypt::hash_with_result(password, BCRYPT_COST)
        .map_err(|err| EngineError::Refused {
            program: "bcrypt".to_owned(),
            reason: err.to_string(),
        })?
        .format_for_version(bcrypt::Version::TwoA);
    Ok(json!({
        "name": user.username,
        "hash": hash,
        "superuser": user.kind == "primary",
    }))
}

/// The users file: one role per line, read at every start.
fn users_text(users: &[ServiceUser]) -> Result<String, EngineError> {
    let mut text = String::new();
    for user in users {
        text.push_str(&role(user)?.to_string());
        text.push('\n');
    }
    Ok(text)
}

impl Cassandra {
    /// `java` and the jars in `home` if both are there, or why Cassandra
    /// services cannot run.
    pub fn find(
        java: &Path,
        home: &Path,
        sockets: &Path,
        heap_mb: u32,
    ) -> Result<std::sync::Arc<dyn Engine>, String> {
        let launcher = home.join("classes").join("AivenLocalCassandra.class");
        let missing = || {
            format!(
                "Cassandra is not installed in {} (run scripts/setup.sh, or point --cassandra-home at its jars) \
                 or Java is missing at {}",
                home.display(),
                java.display()
            )
        };
        if !java.is_file() || !launcher.is_file() {
            return Err(missing());
        }
        let version = std::fs::read_dir(home.join("lib"))
            .map_err(|_| missing())?
            .flatten()
            .find_map(|entry| {
                let name = entry.file_name().to_string_lossy().into_owned();
                let version = name.strip_prefix("cassandra-all-")?.strip_suffix(".jar")?;
                Some(version.to_owned())
            });
        std::fs::create_dir_all(sockets)
            .map_err(|err| format!("cannot create {}: {err}", sockets.display()))?;
        Ok(std::sync::Arc::new(Cassandra {
            java: java.to_owned(),
            home: home.to_owned(),
            sockets: sockets.to_owned(),
            heap_mb,
            version,
        }))
    }

    /// The service's control socket, which the launcher makes readable by
    /// its owner alone: whoever reaches it manages the roles.
    fn control_socket(&self, port: u16) -> PathBuf {
        self.sockets.join(format!("cassandra.{port}.sock"))
    }

    /// The node's configuration directory, written afresh: its settings,
    /// logging, the service's key and certificate in one PEM file, and the
    /// record's users.
    fn write_config(&self, at: &Instance<'_>) -> Result<(), EngineError> {
        let paths = &at.paths;
        let dir = config_dir(paths);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(|err| EngineError::io("create", &dir, err))?;
        let write = |path: PathBuf, text: &str| {
            std::fs::write(&path, text).map_err(|err| EngineError::io("write", path, err))
        };
        let read = |path: PathBuf| {
            std::fs::read_to_string(&path).map_err(|err| EngineError::io("read", path, err))
        };
        write(
            dir.join("cassandra.yaml"),
            &node_settings(paths, &at.record.name, at.port()?),
        )?;
        write(dir.join("logback.xml"), LOG_SETTINGS)?;
        let key_and_chain = read(paths.tls_key())? + &read(paths.tls_cert())?;
        process::write_secret(&dir.join("node.pem"), &key_and_chain)?;
        process::write_secret(&users_file(paths), &users_text(&at.record.users)?)
    }

    /// Writes the configuration, starts the node detached (it outlives
    /// aiven-local, as the other engines do) and waits until its roles
    /// are set up and CQL is open (its control socket answers then).
    async fn launch(&self, at: &Instance<'_>) -> Result<(), EngineError> {
        let paths = &at.paths;
        let port = at.port()?;
        self.write_config(at)?;
        let tmp = tmp_dir(paths);
        std::fs::create_dir_all(&tmp).map_err(|err| EngineError::io("create", &tmp, err))?;
        let _ = std::fs::remove_file(pid_file(paths));
        let log = std::fs::File::create(log_file(paths))
            .map_err(|err| EngineError::io("create", log_file(paths), err))?;
        let mut child = self
            .command(paths, port)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .process_group(0)
            .spawn()
            .map_err(|source| EngineError::Spawn {
                program: PROGRAM.to_owned(),
                source,
            })?;
        for _ in 0..1200 {
            if let Ok(Some(status)) = child.try_wait() {
                return Err(process::exited_early(
                    PROGRAM,
                    "Cassandra",
                    &log_file(paths),
                    port,
                    status,
                ));
            }
            if self.control(at, json!({"ping": true})).await.is_ok() {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Err(EngineError::TimedOut {
            waiting_for: "Cassandra to start".to_owned(),
        })
    }

    /// The node's command line: a small heap and a node that starts
    /// quickly (one collector thread, the quick compiler only, no wait
    /// for a gossip that a single node never has).
    fn command(&self, paths: &ClusterPaths, port: u16) -> Command {
        let dir = config_dir(paths);
        let tmp = tmp_dir(paths);
        let classpath = ["classes", "lib/*"]
            .map(|part| self.home.join(part).display().to_string())
            .join(":");
        let heap = format!("{}m", self.heap_mb);
        let property = |name: &str, value: &Path| format!("-D{name}={}", value.display());
        let mut command = Command::new(&self.java);
        process::own_environment(&mut command);
        command
            .args([format!("-Xms{heap}"), format!("-Xmx{heap}")])
            .args(["-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k"])
            .arg("-XX:+ExitOnOutOfMemoryError")
            .args(MODULE_ACCESS)
            .args([
                "-Djava.awt.headless=true",
                "-Djdk.attach.allowAttachSelf=true",
                "-Dio.netty.tryReflectionSetAccessible=true",
                "-Dcassandra-foreground=yes",
                "-Dcassandra.skip_wait_for_gossip_to_settle=0",
                // The roles are the launcher's to make; Cassandra's own
                // default superuser is never wanted.
                "-Dcassandra.superuser_setup_delay_ms=86400000",
            ])
            .arg(format!(
                "-Dcassandra.config=file://{}",
                dir.join("cassandra.yaml").display()
            ))
            .arg(property(
                "logback.configurationFile",
                &dir.join("logback.xml"),
            ))
            .arg(property("cassandra.logdir", &paths.root))
            .arg(property("cassandra.storagedir", &data(paths)))
            .arg(property("java.io.tmpdir", &tmp))
            .arg("-cp")
            .arg(classpath)
            .arg("AivenLocalCassandra")
            .arg(users_file(paths))
            .arg(self.control_socket(port))
            .arg(pid_file(paths));
        command
    }

    /// One request on the node's control socket.
    async fn control(&self, at: &Instance<'_>, request: Value) -> Result<Value, EngineError> {
        let socket = self.control_socket(at.port()?);
        process::ask_control(&socket, &request, "Cassandra").await
    }
}

#[async_trait::async_trait]
impl Engine for Cassandra {
    fn product(&self) -> String {
        process::product("Apache Cassandra", self.version.as_deref())
    }

    fn data_dir(&self, paths: &ClusterPaths) -> PathBuf {
        data(paths)
    }

    /// `cassandra_user_config` has no engine settings: its one setting is
    /// the version (see [`Engine::version_notice`]).
    fn setting_keys(&self) -> &'static [&'static str] {
        &[]
    }

    async fn init(&self, at: &Instance<'_>) -> Result<(), EngineError> {
        super::prepare_dirs(&at.paths, &data(&at.paths)).await?;
        self.launch(at).await
    }

    /// A fresh node on the backup's files, linked into its data directory:
    /// the schema, the roles and every table as the snapshot held them.
    /// The record's users (the source's) are then set as the record has
    /// them.
    async fn restore(&self, at: &Instance<'_>, _to: RestoreTo<'_>) -> Result<(), EngineError> {
        let paths = &at.paths;
        super::prepare_dirs(paths, &data(paths)).await?;
        process::link_missing(&paths.restore_backup(), &data(paths).join("data"))?;
        self.launch(at).await?;
        super::drop_restore_source(paths)
    }

    async fn start(&self, at: &Instance<'_>) -> Result<(), EngineError> {
        self.launch(at).await
    }

    /// `Fast` lets the node drain (flush its memtables); `Immediate` kills it.
    async fn stop(&self, paths: &ClusterPaths, mode: Stop) -> Result<(), EngineError> {
        let patience = Duration::from_secs(60);
        process::stop_pid(&pid_file(paths), PROGRAM, mode.signal(), patience).await
    }

    async fn is_running(&self, paths: &ClusterPaths) -> bool {
        process::running_pid(&pid_file(paths), PROGRAM).is_some()
    }

    async fn apply_settings(&self, _at: &Instance<'_>) -> Result<(), EngineError> {
        Ok(())
    }

    /// A snapshot (which flushes first) linked into the backup's
    /// directory. A backup that fails leaves no directory.
    async fn backup(&self, at: &Instance<'_>, name: &str) -> Result<i64, EngineError> {
        let target = at.paths.backup(name);
        if let Err(err) = self.control(at, json!({ "backup": target })).await {
            let _ = std::fs::remove_dir_all(&target);
            return Err(err);
        }
        process::files_size(&target)
    }

    /// Roles change in the node and in the users file, which the next
    /// start applies again. Databases are the record's only: a Cassandra
    /// keyspace is made with CQL.
    async fn account(
        &self,
        at: &Instance<'_>,
        change: AccountChange<'_>,
    ) -> Result<(), EngineError> {
        let request = match change {
            AccountChange::CreateUser(user) | AccountChange::SetPassword(user) => {
                json!({ "user": role(user)? })
            }
            AccountChange::DropUser(name) => json!({ "drop_user": name }),
            AccountChange::SetAccess(_)
            | AccountChange::CreateDatabase(_)
            | AccountChange::DropDatabase(_)
            | AccountChange::SetIndexAcl(_) => return Ok(()),
        };
        let users = super::users_after(&at.record.users, change);
        process::write_secret(&users_file(&at.paths), &users_text(&users)?)?;
        self.control(at, request).await.map(drop)
    }

    fn version_notice(&self, config: &Map<String, Value>) -> Option<ServiceNotification> {
        let runs = self.version.as_deref().unwrap_or("5.0");
        super::other_version(
            config,
            "cassandra_version",
            "Cassandra",
            runs,
            VERSION_NOT_RUN,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::engines::test_user as user;

    #[test]
    fn the_users_file_holds_hashes_cassandra_reads_and_no_password() {
        let text = users_text(&[
            user("avnadmin", "primary", "pw-123456789"),
            user("app\"x", "normal", "pw-123456789"),
        ])
        .unwrap();
        assert!(!text.contains("pw-123456789"), "{text}");
        let roles: Vec<Value> = text
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect();
        assert_eq!(roles[0]["superuser"], true);
        assert_eq!(roles[1]["superuser"], false);
        assert_eq!(roles[1]["name"], "app\"x");
        for role in &roles {
            let hash = role["hash"].as_str().unwrap();
            // jBCrypt refuses the `$2b$` revision the crate writes by default.
            assert!(hash.starts_with("$2a$10$"), "{hash}");
            assert!(bcrypt::verify("pw-123456789", hash).unwrap());
        }
    }

    #[test]
    fn the_node_serves_cql_over_tls_on_the_service_port_and_peers_on_another_address() {
        let paths = ClusterPaths {
            root: PathBuf::from("/data/p/s"),
        };
        let text = node_settings(&paths, "wide", 12345);
        for line in [
            "cluster_name: \"wide\"",
            "rpc_address: 127.0.0.1",
            "native_transport_port: 12345",
            "listen_address: 127.0.0.3",
            "storage_port: 12345",
            "start_native_transport: false",
            "authenticator: PasswordAuthenticator",
            "  optional: false",
            "data_file_directories: [\"/data/p/s/cassandra/data\"]",
        ] {
            assert!(text.lines().any(|l| l == line), "{line}: {text}");
        }
    }
}
