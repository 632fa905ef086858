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
//! have with its access control lists off. With the lists on, each other
//! user instead holds a role made from the rules that name it (see
//! [`acl_role`]); the primary user keeps `all_access`, since aiven-local
//! works as that user. Backups are snapshots into an
//! `fs` repository in the backup's directory (every index but the
//! security plugin's own); a fork restores the snapshot into a fresh node
//! whose users are its record's, copied from the source.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use aiven_api::types::{OpensearchAclConfig, OpensearchAclRule, ServiceNotification, ServiceUser};
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

/// A user as the security plugin keeps it: its hash and how it gets its
/// permissions. The primary user maps to `all_access` (aiven-local acts
/// as it); with the access control lists on, each other user holds only
/// its own role of index rules (see [`acl_role`]), and otherwise the role
/// of every index and cluster action.
fn user_entry(user: &ServiceUser, acl: &OpensearchAclConfig) -> Result<Value, EngineError> {
    let hash = password_hash(user)?;
    Ok(if user.kind == "primary" {
        json!({"hash": hash, "backend_roles": ["admin"]})
    } else if acl.enabled {
        json!({"hash": hash, "backend_roles": [],
               "opendistro_security_roles": [acl_role_name(&user.username)]})
    } else {
        json!({"hash": hash, "backend_roles": [USER_ROLE]})
    })
}

fn password_hash(user: &ServiceUser) -> Result<String, EngineError> {
    let password = user.password.as_deref().unwrap_or_default();
    bcrypt::hash(password, BCRYPT_COST).map_err(|err| EngineError::Refused {
        program: "bcrypt".to_owned(),
        reason: err.to_string(),
    })
}

/// The security plugin's internal users: the service's users by hash.
/// Read when the node first starts, to make its security index. Each
/// entry is a JSON object, which YAML reads as its own flow mapping.
fn internal_users(users: &[ServiceUser], acl: &OpensearchAclConfig) -> Result<String, EngineError> {
    let mut text = "_meta:\n  type: \"internalusers\"\n  config_version: 2\n".to_owned();
    for user in users {
        text.push_str(&format!(
            "{}: {}\n",
            yaml(&user.username),
            user_entry(user, acl)?
        ));
    }
    Ok(text)
}

/// The roles the node starts with: aiven-local's own and, with the access
/// control lists on, each non-primary user's rules (a fork's users keep
/// their access from the first request).
fn roles(users: &[ServiceUser], acl: &OpensearchAclConfig) -> String {
    let mut text = ROLES.to_owned();
    if acl.enabled {
        for user in users.iter().filter(|u| u.kind != "primary") {
            let name = acl_role_name(&user.username);
            text.push_str(&format!(
                "{}: {}\n",
                yaml(&name),
                acl_role(&user.username, acl)
            ));
        }
    }
    text
}

/// The role that holds `username`'s index rules.
fn acl_role_name(username: &str) -> String {
    format!("aiven_acl_{username}")
}

/// What a rule's permission allows on the indices it matches, as the
/// security plugin's action groups and actions (the platform's docs list
/// the APIs each reaches: `read` searches and gets; `write` adds, updates
/// and deletes documents, changes mappings and creates indices but does
/// not delete them; `admin` anything). `deny` allows nothing.
fn allowed_actions(permission: &str) -> &'static [&'static str] {
    const READ: &str = "read";
    const WRITE: [&str; 3] = ["write", "create_index", "indices:admin/mapping/put"];
    const MAPPINGS: &str = "indices:admin/mappings/get";
    match permission {
        "admin" => &["indices_all"],
        "readwrite" => &[READ, MAPPINGS, WRITE[0], WRITE[1], WRITE[2]],
        "read" => &[READ, MAPPINGS],
        "write" => &WRITE,
        _ => &[],
    }
}

/// An index pattern of the API (`*` any run of characters, `?` one) as a
/// Java regular expression matching the same names.
fn glob_regex(glob: &str) -> String {
    let mut regex = String::new();
    for c in glob.chars() {
        match c {
            '*' => regex.push_str(".*"),
            '?' => regex.push('.'),
            c if c.is_ascii_alphanumeric() || c == '_' => regex.push(c),
            // A backslash before any other character stands for itself.
            c => {
                regex.push('\\');
                regex.push(c);
            }
        }
    }
    regex
}

/// Whether `name` matches `pattern` (`*` any run of characters, `?` one):
/// a list's username may be a pattern, its rules then hold for every user
/// it matches.
fn glob_matches(pattern: &str, name: &str) -> bool {
    let (pattern, name): (Vec<char>, Vec<char>) =
        (pattern.chars().collect(), name.chars().collect());
    let (mut p, mut n) = (0, 0);
    // The last `*` seen, and where in `name` its run would end next.
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        match pattern.get(p) {
            Some('*') => {
                star = Some((p, n));
                p += 1;
            }
            Some(&c) if c == '?' || c == name[n] => (p, n) = (p + 1, n + 1),
            _ => match star {
                // Let the last `*` take one more character and go on.
                Some((at, from)) => {
                    star = Some((at, from + 1));
                    (p, n) = (at + 1, from + 1);
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|&c| c == '*')
}

/// `username`'s rules as a security plugin role. The plugin only adds
/// permissions up, so `admin` over `read` on the same index needs nothing
/// more; a `deny` rule instead takes its indices out of every other rule's
/// pattern, as a regular expression (`/…/`) that refuses them. Cluster
/// APIs are the service's, not the lists': users may read cluster state,
/// and use `_bulk`, `_mget` and `_msearch` where every index they name is
/// allowed.
fn acl_role(username: &str, acl: &OpensearchAclConfig) -> Value {
    let rules: Vec<&OpensearchAclRule> = acl
        .acls
        .iter()
        .filter(|a| glob_matches(&a.username, username))
        .flat_map(|a| &a.rules)
        .collect();
    let denied: Vec<String> = rules
        .iter()
        .filter(|r| r.permission == "deny")
        .map(|r| glob_regex(&r.index))
        .collect();
    let index_permissions: Vec<Value> = rules
        .iter()
        .filter(|r| !allowed_actions(&r.permission).is_empty())
        .map(|r| {
            let pattern = if denied.is_empty() {
                r.index.clone()
            } else {
                format!("/(?!(?:{})$){}/", denied.join("|"), glob_regex(&r.index))
            };
            json!({"index_patterns": [pattern], "allowed_actions": allowed_actions(&r.permission)})
        })
        .collect();
    json!({
        "description": format!("aiven-local: the access control list of {username}"),
        "cluster_permissions": ["cluster_monitor", "cluster_composite_ops"],
        "index_permissions": index_permissions,
    })
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
        let (users, acl) = (&at.record.users, &at.record.opensearch_acl);
        write(security.join("roles.yml"), &roles(users, acl))?;
        write(security.join("roles_mapping.yml"), ROLES_MAPPING)?;
        process::write_secret(
            &security.join("internal_users.yml"),
            &internal_users(users, acl)?,
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

    /// A user as the security plugin keeps it, made or replaced, with its
    /// role of index rules first when the access control lists are on.
    async fn put_user(
        &self,
        at: &Instance<'_>,
        user: &ServiceUser,
        acl: &OpensearchAclConfig,
    ) -> Result<(), EngineError> {
        let name = &user.username;
        if acl.enabled && user.kind != "primary" {
            let path = format!(
                "/_plugins/_security/api/roles/{}",
                segment(&acl_role_name(name))
            );
            self.must(at, "PUT", &path, Some(&acl_role(name, acl)))
                .await?;
        }
        let path = format!("/_plugins/_security/api/internalusers/{}", segment(name));
        let entry = user_entry(user, acl)?;
        self.must(at, "PUT", &path, Some(&entry)).await.map(drop)
    }

    /// Puts every user under `acl`: each non-primary user's role and how
    /// it gets its permissions change together.
    async fn set_index_acl(
        &self,
        at: &Instance<'_>,
        acl: &OpensearchAclConfig,
    ) -> Result<(), EngineError> {
        for user in at.record.users.iter().filter(|u| u.kind != "primary") {
            self.put_user(at, user, acl).await?;
        }
        Ok(())
    }

    async fn drop_user(&self, at: &Instance<'_>, name: &str) -> Result<(), EngineError> {
        let path = format!("/_plugins/_security/api/internalusers/{}", segment(name));
        self.must(at, "DELETE", &path, None).await?;
        // Its role of rules, if it had one.
        let role = format!(
            "/_plugins/_security/api/roles/{}",
            segment(&acl_role_name(name))
        );
        self.call(at, "DELETE", &role, None).await.map(drop)
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
                self.put_user(at, user, &at.record.opensearch_acl).await
            }
            AccountChange::DropUser(name) => self.drop_user(at, name).await,
            AccountChange::SetIndexAcl(acl) => self.set_index_acl(at, acl).await,
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
    use aiven_api::types::OpensearchAcl;

    fn rule(index: &str, permission: &str) -> OpensearchAclRule {
        OpensearchAclRule {
            index: index.into(),
            permission: permission.into(),
        }
    }

    fn lists(enabled: bool, username: &str, rules: Vec<OpensearchAclRule>) -> OpensearchAclConfig {
        OpensearchAclConfig {
            enabled,
            acls: vec![OpensearchAcl {
                username: username.into(),
                rules,
            }],
        }
    }

    /// The internal users file as the plugin reads it: each user's entry.
    fn entries(text: &str) -> Vec<(String, Value)> {
        text.lines()
            .skip(3)
            .map(|line| {
                let (name, entry) = line.split_once(": ").unwrap();
                (
                    serde_json::from_str(name).unwrap(),
                    serde_json::from_str(entry).unwrap(),
                )
            })
            .collect()
    }

    #[test]
    fn internal_users_hold_bcrypt_hashes_that_check_and_no_password() {
        let users = [
            user("avnadmin", "primary", "pw-123456789"),
            user("ana\"lyst", "normal", "pw-123456789"),
        ];
        let text = internal_users(&users, &OpensearchAclConfig::default()).unwrap();
        assert!(!text.contains("pw-123456789"), "{text}");
        let entries = entries(&text);
        assert_eq!(entries[0].0, "avnadmin");
        assert_eq!(entries[0].1["backend_roles"], json!(["admin"]));
        assert_eq!(entries[1].0, "ana\"lyst", "names are quoted");
        assert_eq!(entries[1].1["backend_roles"], json!(["aiven_local_user"]));
        let hash = entries[1].1["hash"].as_str().unwrap();
        assert!(bcrypt::verify("pw-123456789", hash).unwrap());
    }

    #[test]
    fn with_the_lists_on_other_users_hold_only_their_rules_and_the_primary_keeps_all() {
        let users = [
            user("avnadmin", "primary", "pw-123456789"),
            user("ana", "normal", "pw-123456789"),
        ];
        let acl = lists(true, "ana", vec![rule("logs_*", "read")]);
        let entries = entries(&internal_users(&users, &acl).unwrap());
        assert_eq!(entries[0].1["backend_roles"], json!(["admin"]));
        assert_eq!(entries[1].1["backend_roles"], json!([]));
        assert_eq!(
            entries[1].1["opendistro_security_roles"],
            json!(["aiven_acl_ana"])
        );
        let made = roles(&users, &acl);
        assert!(made.starts_with(ROLES), "{made}");
        assert!(made.contains("\n\"aiven_acl_ana\": {"), "{made}");
        assert!(!made.contains("aiven_acl_avnadmin"), "{made}");
        assert_eq!(roles(&users, &lists(false, "ana", Vec::new())), ROLES);
    }

    #[test]
    fn patterns_become_regular_expressions_that_match_the_same_names() {
        assert_eq!(glob_regex("logs_2019*"), "logs_2019.*");
        assert_eq!(glob_regex("a?c"), "a.c");
        assert_eq!(glob_regex("x.y-z+"), "x\\.y\\-z\\+");
    }

    #[test]
    fn usernames_in_the_lists_may_be_patterns() {
        for (pattern, name, expected) in [
            ("ana", "ana", true),
            ("ana", "anna", false),
            ("*", "ana", true),
            ("an?", "ana", true),
            ("a*a", "anna", true),
            ("a*a", "anne", false),
            ("*-reader", "logs-reader", true),
            ("*-reader", "logs-writer", false),
            ("a**", "a", true),
        ] {
            assert_eq!(glob_matches(pattern, name), expected, "{pattern} / {name}");
        }
        let mut acl = lists(true, "*-reader", vec![rule("logs_*", "read")]);
        acl.acls.push(OpensearchAcl {
            username: "logs-reader".into(),
            rules: vec![rule("events", "admin")],
        });
        let role = acl_role("logs-reader", &acl);
        assert_eq!(
            role["index_permissions"].as_array().unwrap().len(),
            2,
            "{role}"
        );
    }

    #[test]
    fn deny_rules_take_their_indices_out_of_every_other_rule() {
        let acl = lists(
            true,
            "ana",
            vec![
                rule("logs_*", "read"),
                rule("events_*", "write"),
                rule("logs_2018*", "deny"),
                rule("logs_2019*", "admin"),
            ],
        );
        let role = acl_role("ana", &acl);
        let permissions = role["index_permissions"].as_array().unwrap();
        assert_eq!(permissions.len(), 3, "deny adds no permission: {role}");
        assert_eq!(
            permissions[0]["index_patterns"],
            json!(["/(?!(?:logs_2018.*)$)logs_.*/"])
        );
        assert_eq!(
            permissions[0]["allowed_actions"],
            json!(["read", "indices:admin/mappings/get"])
        );
        assert_eq!(permissions[2]["allowed_actions"], json!(["indices_all"]));
        let plain = acl_role("ana", &lists(true, "ana", vec![rule("logs_*", "write")]));
        assert_eq!(
            plain["index_permissions"][0]["index_patterns"],
            json!(["logs_*"])
        );
        let none = acl_role("bo", &acl);
        assert_eq!(
            none["index_permissions"],
            json!([]),
            "no rule, no index: {none}"
        );
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
