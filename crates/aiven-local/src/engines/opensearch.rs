//! OpenSearch services on OpenSearch 2.19 with its security plugin, from
//! Maven Central's jars (`scripts/setup.sh` gathers them and compiles
//! [`AivenLocalNode.java`](./opensearch/AivenLocalNode.java), which starts
//! one node from the classpath). Each service is one single-node cluster
//! whose REST API answers HTTPS only, with basic authentication against
//! the service's users, on the service's port, as the platform's does;
//! its transport port is an ephemeral one on 127.0.0.2, out of the way of
//! the ports aiven-local hands out on 127.0.0.1.
//!
//! The service's users are the security plugin's internal users (bcrypt
//! hashes, never the password itself): the primary user maps to
//! `all_access`, the others to a role with every index and cluster
//! action and no access to the security API, as the platform's users
//! have with its access control lists off. Backups are snapshots into an
//! `fs` repository in the backup's directory (every index but the
//! security plugin's own); a fork restores the snapshot into a fresh node
//! whose users are its record's, copied from the source.

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
/// The notification kind for an `opensearch_version` other than the one
/// that runs.
pub const VERSION_NOT_RUN: &str = "opensearch_version_not_run";
/// The notification kind for settings recorded but not applied.
pub const SETTINGS_NOT_APPLIED: &str = "opensearch_settings_not_applied";
/// The `opensearch_user_config` keys that configure the engine, which
/// aiven-local records without applying: index and cluster settings,
/// single sign-on, Dashboards, custom repositories and keystores,
/// migrations from other clouds.
const NOT_APPLIED: [&str; 15] = [
    "opensearch",
    "index_patterns",
    "index_template",
    "index_rollup",
    "max_index_count",
    "keep_index_refresh_interval",
    "disable_replication_factor_adjustment",
    "opensearch_dashboards",
    "saml",
    "openid",
    "jwt",
    "custom_keystores",
    "custom_repos",
    "s3_migration",
    "gcs_migration",
];
/// The security plugin's backend role of the service's other users, and
/// the role it maps to.
const USER_ROLE: &str = "aiven_local_user";
/// bcrypt's work factor for the users' hashes. The security plugin checks
/// a hash on a user's first request and caches the result.
const BCRYPT_COST: u32 = 10;
/// The repository a fork's snapshot is read from while it restores.
const RESTORE_REPOSITORY: &str = "aiven-local-restore";
/// The one snapshot each backup's repository holds.
const SNAPSHOT: &str = "snapshot";

/// Runs services with `java` on the jars in `home`.
#[derive(Debug, Clone)]
pub struct OpenSearch {
    pub java: PathBuf,
    /// What `scripts/setup.sh` installs: `lib/` (OpenSearch and its
    /// dependencies), `security/` (the plugin's jars and its default
    /// configuration in `security/config/`) and `classes/` (the launcher).
    pub home: PathBuf,
    pub curl: PathBuf,
    /// Each node's heap, in MiB.
    pub heap_mb: u32,
    /// The engine's version (`2.19.4`), from its jar's name.
    pub version: Option<String>,
}

fn data(paths: &ClusterPaths) -> PathBuf {
    paths.root.join("opensearch")
}

fn config_dir(paths: &ClusterPaths) -> PathBuf {
    paths.root.join("opensearch-config")
}

fn pid_file(paths: &ClusterPaths) -> PathBuf {
    paths.root.join("opensearch.pid")
}

fn log_file(paths: &ClusterPaths) -> PathBuf {
    paths.root.join("opensearch.log")
}

/// A string as YAML: JSON's quoting is YAML's too.
fn yaml(text: &str) -> String {
    Value::from(text).to_string()
}

/// The node's settings: one node on loopback, HTTPS with the service's
/// certificate, snapshots only into the service's own directories.
fn node_settings(paths: &ClusterPaths, name: &str, port: u16) -> String {
    let path = |p: PathBuf| yaml(&p.display().to_string());
    [
        "# Managed by aiven-local; rewritten on every start.".to_owned(),
        format!("cluster.name: {}", yaml(name)),
        format!("node.name: {}", yaml(name)),
        format!("path.data: {}", path(data(paths))),
        format!("path.logs: {}", path(paths.root.join("opensearch-logs"))),
        format!(
            "path.repo: [{}, {}]",
            path(paths.backups()),
            path(paths.restore_source())
        ),
        "discovery.type: single-node".to_owned(),
        "http.host: 127.0.0.1".to_owned(),
        format!("http.port: {port}"),
        "transport.host: 127.0.0.2".to_owned(),
        "transport.port: 0".to_owned(),
        // aiven-local watches the volume itself; OpenSearch's watermarks
        // would make indices read-only on a laptop's fuller disk.
        "cluster.routing.allocation.disk.threshold_enabled: false".to_owned(),
        // The serial collector lets the heap fill before it collects, so
        // a breaker counting real memory would refuse writes (429) that
        // the heap has room for once collected; count reservations only.
        "indices.breaker.total.use_real_memory: false".to_owned(),
        "plugins.security.ssl.transport.pemcert_filepath: node.pem".to_owned(),
        "plugins.security.ssl.transport.pemkey_filepath: node-key.pem".to_owned(),
        "plugins.security.ssl.transport.pemtrustedcas_filepath: ca.pem".to_owned(),
        "plugins.security.ssl.transport.enforce_hostname_verification: false".to_owned(),
        "plugins.security.ssl.http.enabled: true".to_owned(),
        "plugins.security.ssl.http.pemcert_filepath: node.pem".to_owned(),
        "plugins.security.ssl.http.pemkey_filepath: node-key.pem".to_owned(),
        "plugins.security.ssl.http.pemtrustedcas_filepath: ca.pem".to_owned(),
        "plugins.security.nodes_dn: [\"CN=127.0.0.1\"]".to_owned(),
        "plugins.security.allow_default_init_securityindex: true".to_owned(),
        "plugins.security.restapi.roles_enabled: [\"all_access\"]".to_owned(),
        "plugins.security.audit.type: noop".to_owned(),
        "plugins.security.system_indices.enabled: true".to_owned(),
        "plugins.security.check_snapshot_restore_write_privileges: true".to_owned(),
    ]
    .join("\n")
        + "\n"
}

/// Logging to standard error, which aiven-local keeps in the service's
/// log file.
const LOG_SETTINGS: &str = "status = error
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d{ISO8601}][%-5p][%c{1.}] %m%n
rootLogger.level = warn
rootLogger.appenderRef.console.ref = console
logger.node.name = org.opensearch.node.Node
logger.node.level = info
";

/// The role of the service's other users: every index and cluster
/// action, and not the security API (only `all_access` reaches that).
const ROLES: &str = r#"_meta:
  type: "roles"
  config_version: 2
aiven_local_user:
  reserved: true
  description: "A service user of aiven-local: every index and cluster action"
  cluster_permissions: ["cluster_all", "cluster_composite_ops"]
  index_permissions:
    - index_patterns: ["*"]
      allowed_actions: ["indices_all"]
"#;

const ROLES_MAPPING: &str = r#"_meta:
  type: "rolesmapping"
  config_version: 2
all_access:
  reserved: true
  backend_roles: ["admin"]
aiven_local_user:
  reserved: true
  backend_roles: ["aiven_local_user"]
"#;

/// The backend role a user gets: the primary user's is `admin`.
fn backend_role(user: &ServiceUser) -> &'static str {
    if user.kind == "primary" {
        "admin"
    } else {
        USER_ROLE
    }
}

fn password_hash(user: &ServiceUser) -> Result<String, EngineError> {
    let password = user.password.as_deref().unwrap_or_default();
    bcrypt::hash(password, BCRYPT_COST).map_err(|err| EngineError::Refused {
        program: "bcrypt".to_owned(),
        reason: err.to_string(),
    })
}

/// The security plugin's internal users: the service's users by hash.
/// Read when the node first starts, to make its security index.
fn internal_users(users: &[ServiceUser]) -> Result<String, EngineError> {
    let mut text = "_meta:\n  type: \"internalusers\"\n  config_version: 2\n".to_owned();
    for user in users {
        text.push_str(&format!(
            "{}:\n  hash: {}\n  backend_roles: [{}]\n",
            yaml(&user.username),
            yaml(&password_hash(user)?),
            yaml(backend_role(user))
        ));
    }
    Ok(text)
}

/// `name` as one segment of a URL's path.
fn segment(name: &str) -> String {
    form_urlencoded::byte_serialize(name.as_bytes()).collect()
}

impl OpenSearch {
    /// `java` and the jars in `home` if both are there, or why OpenSearch
    /// services cannot run.
    pub fn find(
        java: &Path,
        home: &Path,
        heap_mb: u32,
    ) -> Result<std::sync::Arc<dyn Engine>, String> {
        let launcher = home.join("classes").join("AivenLocalNode.class");
        let missing = || {
            format!(
                "OpenSearch is not installed in {} (run scripts/setup.sh, or point --opensearch-home at its jars) \
                 or Java is missing at {}",
                home.display(),
                java.display()
            )
        };
        let (true, true, Some(curl)) = (java.is_file(), launcher.is_file(), process::find_curl())
        else {
            return Err(missing());
        };
        let version = std::fs::read_dir(home.join("lib"))
            .map_err(|_| missing())?
            .flatten()
            .filter_map(|entry| {
                let name = entry.file_name().to_string_lossy().into_owned();
                let version = name.strip_prefix("opensearch-")?.strip_suffix(".jar")?;
                version
                    .starts_with(|c: char| c.is_ascii_digit())
                    .then(|| version.to_owned())
            })
            .next();
        Ok(std::sync::Arc::new(OpenSearch {
            java: java.to_owned(),
            home: home.to_owned(),
            curl,
            heap_mb,
            version,
        }))
    }

    /// The node's configuration directory, written afresh: its settings,
    /// logging, the service's certificate and the security plugin's files
    /// (users from the record; the rest the plugin's defaults).
    fn write_config(&self, at: &Instance<'_>) -> Result<(), EngineError> {
        let paths = &at.paths;
        let dir = config_dir(paths);
        let security = dir.join("opensearch-security");
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&security)
            .map_err(|err| EngineError::io("create", &security, err))?;
        let write = |path: PathBuf, text: &str| {
            std::fs::write(&path, text).map_err(|err| EngineError::io("write", path, err))
        };
        let copy = |from: PathBuf, to: PathBuf| {
            std::fs::copy(&from, &to)
                .map(drop)
                .map_err(|err| EngineError::io("copy", from, err))
        };
        write(
            dir.join("opensearch.yml"),
            &node_settings(paths, &at.record.name, at.port()?),
        )?;
        write(dir.join("log4j2.properties"), LOG_SETTINGS)?;
        copy(paths.tls_cert(), dir.join("node.pem"))?;
        copy(paths.tls_key(), dir.join("node-key.pem"))?;
        copy(paths.tls_ca(), dir.join("ca.pem"))?;
        let defaults = self.home.join("security").join("config");
        for name in [
            "config.yml",
            "action_groups.yml",
            "tenants.yml",
            "nodes_dn.yml",
            "allowlist.yml",
            "whitelist.yml",
            "audit.yml",
        ] {
            copy(defaults.join(name), security.join(name))?;
        }
        write(security.join("roles.yml"), ROLES)?;
        write(security.join("roles_mapping.yml"), ROLES_MAPPING)?;
        process::write_secret(
            &security.join("internal_users.yml"),
            &internal_users(&at.record.users)?,
        )
    }

    /// Writes the configuration, starts the node detached (it outlives
    /// aiven-local, as the other engines do) and waits until it answers
    /// the primary user.
    async fn launch(&self, at: &Instance<'_>) -> Result<(), EngineError> {
        let paths = &at.paths;
        self.write_config(at)?;
        let tmp = paths.root.join("opensearch-tmp");
        std::fs::create_dir_all(&tmp).map_err(|err| EngineError::io("create", &tmp, err))?;
        let _ = std::fs::remove_file(pid_file(paths));
        let log = std::fs::File::create(log_file(paths))
            .map_err(|err| EngineError::io("create", log_file(paths), err))?;
        let classpath = ["classes", "lib/*", "security/*"]
            .map(|part| self.home.join(part).display().to_string())
            .join(":");
        let heap = format!("{}m", self.heap_mb);
        let mut command = Command::new(&self.java);
        process::own_environment(&mut command);
        command
            .args([format!("-Xms{heap}"), format!("-Xmx{heap}")])
            // A small heap, and a node that starts rather than one that
            // runs long: one collector thread, the quick compiler only.
            .args(["-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss1m"])
            .args([
                "-Djava.awt.headless=true",
                "-Dfile.encoding=UTF-8",
                "-Dlog4j2.disable.jmx=true",
            ])
            .arg(format!("-Djava.io.tmpdir={}", tmp.display()))
            .arg("-cp")
            .arg(classpath)
            .arg("AivenLocalNode")
            .arg(config_dir(paths))
            .arg(pid_file(paths))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .process_group(0);
        let mut child = command.spawn().map_err(|source| EngineError::Spawn {
            program: PROGRAM.to_owned(),
            source,
        })?;
        for _ in 0..1200 {
            if let Ok(Some(status)) = child.try_wait() {
                return Err(process::exited_early(
                    PROGRAM,
                    "OpenSearch",
                    &log_file(paths),
                    at.port()?,
                    status,
                ));
            }
            if matches!(self.call(at, "GET", "/", None).await, Ok((200, _))) {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Err(EngineError::TimedOut {
            waiting_for: "OpenSearch to answer".to_owned(),
        })
    }

    /// One call to the node's REST API as the primary user.
    async fn call(
        &self,
        at: &Instance<'_>,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> Result<(u16, String), EngineError> {
        let body = body.map(Value::to_string);
        let request = (method, path, body.as_deref());
        let ca = at.paths.tls_ca();
        process::https_call(
            &self.curl,
            &ca,
            at.port()?,
            at.login(),
            request,
            "curl (OpenSearch API)",
        )
        .await
    }

    /// A call that must succeed: a status other than 2xx is OpenSearch's
    /// refusal, in its words.
    async fn must(
        &self,
        at: &Instance<'_>,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Value, EngineError> {
        let (status, reply) = self.call(at, method, path, body).await?;
        let reply: Value = serde_json::from_str(&reply).unwrap_or(Value::String(reply));
        if (200..300).contains(&status) {
            return Ok(reply);
        }
        let reason = reply
            .pointer("/error/reason")
            .or_else(|| reply.get("message"))
            .and_then(Value::as_str)
            .map_or_else(|| reply.to_string(), str::to_owned);
        Err(EngineError::Refused {
            program: "OpenSearch".to_owned(),
            reason: format!("{method} {path}: HTTP {status}: {reason}"),
        })
    }

    /// Registers `location` as the fs repository `name`.
    async fn register(
        &self,
        at: &Instance<'_>,
        name: &str,
        location: &Path,
        readonly: bool,
    ) -> Result<(), EngineError> {
        let settings =
            json!({"type": "fs", "settings": {"location": location, "readonly": readonly}});
        self.must(
            at,
            "PUT",
            &format!("/_snapshot/{}", segment(name)),
            Some(&settings),
        )
        .await
        .map(drop)
    }

    /// Forgets repository `name`; its files stay.
    async fn unregister(&self, at: &Instance<'_>, name: &str) -> Result<(), EngineError> {
        self.must(at, "DELETE", &format!("/_snapshot/{}", segment(name)), None)
            .await
            .map(drop)
    }

    /// A user as the security plugin keeps it, made or replaced.
    async fn put_user(&self, at: &Instance<'_>, user: &ServiceUser) -> Result<(), EngineError> {
        let body = json!({"hash": password_hash(user)?, "backend_roles": [backend_role(user)]});
        let path = format!(
            "/_plugins/_security/api/internalusers/{}",
            segment(&user.username)
        );
        self.must(at, "PUT", &path, Some(&body)).await.map(drop)
    }
}

#[async_trait::async_trait]
impl Engine for OpenSearch {
    fn product(&self) -> String {
        process::product("OpenSearch", self.version.as_deref())
    }

    fn data_dir(&self, paths: &ClusterPaths) -> PathBuf {
        data(paths)
    }

    /// Every OpenSearch setting of `opensearch_user_config` is recorded
    /// only (see [`NOT_APPLIED`]).
    fn setting_keys(&self) -> &'static [&'static str] {
        &[]
    }

    async fn init(&self, at: &Instance<'_>) -> Result<(), EngineError> {
        super::prepare_dirs(&at.paths, &data(&at.paths)).await?;
        self.launch(at).await
    }

    /// A fresh node, with the record's users (the source's), and the
    /// backup's snapshot restored into it: every index and document.
    async fn restore(&self, at: &Instance<'_>, _to: RestoreTo<'_>) -> Result<(), EngineError> {
        super::prepare_dirs(&at.paths, &data(&at.paths)).await?;
        self.launch(at).await?;
        self.register(at, RESTORE_REPOSITORY, &at.paths.restore_backup(), true)
            .await?;
        let snapshot = format!("/_snapshot/{RESTORE_REPOSITORY}/{SNAPSHOT}");
        let listed = self.must(at, "GET", &snapshot, None).await?;
        let indices = listed
            .pointer("/snapshots/0/indices")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        // A snapshot of no index has nothing to restore (and the security
        // plugin refuses a restore of nothing).
        if !indices.is_empty() {
            let restore = json!({"indices": indices, "include_global_state": false});
            let path = format!("{snapshot}/_restore?wait_for_completion=true");
            self.must(at, "POST", &path, Some(&restore)).await?;
        }
        self.unregister(at, RESTORE_REPOSITORY).await?;
        super::drop_restore_source(&at.paths)
    }

    async fn start(&self, at: &Instance<'_>) -> Result<(), EngineError> {
        self.launch(at).await
    }

    /// `Fast` lets the node close its indices; `Immediate` kills it.
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

    /// A snapshot of every index but the security plugin's into an fs
    /// repository in the backup's directory, registered for the snapshot
    /// and forgotten after it. A backup that fails leaves no directory.
    async fn backup(&self, at: &Instance<'_>, name: &str) -> Result<i64, EngineError> {
        let target = at.paths.backup(name);
        let repository = format!("aiven-local-{name}");
        let taken = async {
            self.register(at, &repository, &target, false).await?;
            let snapshot =
                json!({"indices": "*,-.opendistro_security", "include_global_state": false});
            let path = format!(
                "/_snapshot/{}/{SNAPSHOT}?wait_for_completion=true",
                segment(&repository)
            );
            let reply = self.must(at, "PUT", &path, Some(&snapshot)).await;
            let forgotten = self.unregister(at, &repository).await;
            match reply?.pointer("/snapshot/state").and_then(Value::as_str) {
                Some("SUCCESS") => forgotten,
                state => Err(EngineError::Refused {
                    program: "OpenSearch".to_owned(),
                    reason: format!("the snapshot ended {}", state.unwrap_or("without a state")),
                }),
            }
        };
        if let Err(err) = taken.await {
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
        match change {
            AccountChange::CreateUser(user) | AccountChange::SetPassword(user) => {
                self.put_user(at, user).await
            }
            AccountChange::DropUser(name) => {
                let path = format!("/_plugins/_security/api/internalusers/{}", segment(name));
                self.must(at, "DELETE", &path, None).await.map(drop)
            }
            AccountChange::SetAccess(_)
            | AccountChange::CreateDatabase(_)
            | AccountChange::DropDatabase(_) => Ok(()),
        }
    }

    fn settings_notices(&self, config: &Map<String, Value>) -> Vec<ServiceNotification> {
        let unapplied =
            super::not_applied_notice(config, &NOT_APPLIED, SETTINGS_NOT_APPLIED, |keys| {
                format!(
                    "{} recorded, but aiven-local's OpenSearch does not apply them.",
                    keys.join(", ")
                )
            });
        self.version_notice(config)
            .into_iter()
            .chain(unapplied)
            .collect()
    }

    fn version_notice(&self, config: &Map<String, Value>) -> Option<ServiceNotification> {
        let runs = self.version.as_deref().unwrap_or("2.19");
        super::other_version(
            config,
            "opensearch_version",
            "OpenSearch",
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
    fn internal_users_hold_bcrypt_hashes_that_check_and_no_password() {
        let text = internal_users(&[
            user("avnadmin", "primary", "pw-123456789"),
            user("ana\"lyst", "normal", "pw-123456789"),
        ])
        .unwrap();
        assert!(!text.contains("pw-123456789"), "{text}");
        assert!(text.contains("\"avnadmin\":\n  hash: \"$2b$"), "{text}");
        assert!(
            text.contains("\"ana\\\"lyst\":"),
            "names are quoted: {text}"
        );
        assert!(text.contains("backend_roles: [\"admin\"]"), "{text}");
        assert!(
            text.contains("backend_roles: [\"aiven_local_user\"]"),
            "{text}"
        );
        let hash = text
            .lines()
            .nth(4)
            .unwrap()
            .trim()
            .trim_start_matches("hash: ");
        let hash: String = serde_json::from_str(hash).unwrap();
        assert!(bcrypt::verify("pw-123456789", &hash).unwrap());
    }

    #[test]
    fn the_node_serves_https_on_loopback_and_snapshots_only_into_the_service() {
        let paths = ClusterPaths {
            root: PathBuf::from("/data/p/s"),
        };
        let text = node_settings(&paths, "logs", 12345);
        for line in [
            "http.host: 127.0.0.1",
            "http.port: 12345",
            "transport.host: 127.0.0.2",
            "plugins.security.ssl.http.enabled: true",
            "path.repo: [\"/data/p/s/backups\", \"/data/p/s/restore-source\"]",
        ] {
            assert!(text.lines().any(|l| l == line), "{line}: {text}");
        }
    }
}
