//! Caching (valkey) services on `redis-server` 7, the engine Valkey forked
//! from and still speaks the protocol of. One server per service on
//! 127.0.0.1, its users the API's (the primary user `default` included,
//! so there is never a passwordless default user) from an ACL file written
//! before the server first starts; backups are RDB snapshots taken with
//! BGSAVE, so writes go on meanwhile; a fork starts from exactly one
//! backup's keys. `valkey_*` settings Redis 7 has are applied with CONFIG
//! SET (those it reads only at start, at the next start); the others are
//! recorded. A read replica starts from its source's backup and follows
//! the source with Redis replication (`replicaof`, over TLS when the
//! source takes only TLS), read-only until promoted.

use std::path::{Path, PathBuf};
use std::time::Duration;

use aiven_api::types::{ServiceNotification, ServiceUser};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::process::{self, run, run_with_input};
use super::{
    AccountChange, ClusterPaths, Engine, EngineError, Instance, Lag, Login, RestoreTo, Stop,
    Upstream,
};

/// The name the server runs under.
const PROGRAM: &str = "redis-server";
/// The notification kind for a `valkey_version` other than the engine's.
pub const VERSION_NOT_RUN: &str = "valkey_version_not_run";

/// Runs `redis-server`, and `redis-cli` to talk to it.
#[derive(Debug, Clone)]
pub struct Valkey {
    pub server: PathBuf,
    pub cli: PathBuf,
    /// The server's version (`7.0.15`), when it answers.
    pub version: Option<String>,
}

fn data(paths: &ClusterPaths) -> PathBuf {
    paths.root.join("valkey")
}

fn pid_file(paths: &ClusterPaths) -> PathBuf {
    paths.root.join("valkey.pid")
}

/// While the service is a read replica: how it reaches its source (the
/// primary user's password inside, so readable by aiven-local alone).
fn replica_file(paths: &ClusterPaths) -> PathBuf {
    paths.root.join("replica.conf")
}

/// The settings that make the server a replica of `upstream`.
fn replica_text(upstream: &Upstream<'_>) -> String {
    let mut text = format!(
        "replicaof 127.0.0.1 {}
masteruser {}
masterauth {}
replica-read-only yes
",
        upstream.port,
        conf_quote(upstream.login.user),
        conf_quote(upstream.login.password)
    );
    if requires_tls(upstream.config) {
        text.push_str(&format!(
            "tls-replication yes
tls-ca-cert-file {}
",
            conf_quote(&upstream.paths.tls_ca().display().to_string())
        ));
    }
    text
}

fn acl_file(paths: &ClusterPaths) -> PathBuf {
    paths.root.join("users.acl")
}

/// The ACL rule of one user: on, with its password, and its access control
/// (all keys, channels and commands unless that narrows them).
fn acl_line(user: &ServiceUser) -> String {
    let access = user.access_control.as_ref();
    let list = |pick: fn(&aiven_api::types::AccessControl) -> &Option<Vec<String>>| {
        access
            .and_then(|a| pick(a).clone())
            .filter(|l| !l.is_empty())
    };
    let keys = match list(|a| &a.valkey_acl_keys) {
        Some(keys) => keys.iter().map(|k| format!(" ~{k}")).collect(),
        None => " ~*".to_owned(),
    };
    let channels = match list(|a| &a.valkey_acl_channels) {
        Some(channels) => channels.iter().map(|c| format!(" &{c}")).collect(),
        None => " &*".to_owned(),
    };
    let categories = list(|a| &a.valkey_acl_categories).unwrap_or_default();
    let commands = list(|a| &a.valkey_acl_commands).unwrap_or_default();
    let rules: String = if categories.is_empty() && commands.is_empty() {
        " +@all".to_owned()
    } else {
        categories
            .iter()
            .chain(&commands)
            .map(|rule| format!(" {rule}"))
            .collect()
    };
    // The password as its SHA-256 (`#<hex>`): an ACL file's rules are
    // split at spaces, which a password may hold, and the file then keeps
    // no password in plain text.
    let password = user.password.as_deref().unwrap_or_default();
    let digest: String = Sha256::digest(password.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    format!(
        "user {} on #{digest}{keys}{channels}{rules}\n",
        user.username
    )
}

/// The ACL file for `users`. The API's checks keep names and rules free
/// of spaces, so each stays one rule.
fn acl_file_text(users: &[ServiceUser]) -> String {
    let mut text: String = users.iter().map(acl_line).collect();
    if !users.iter().any(|u| u.username == "default") {
        // Redis makes a passwordless `default` unless the file names one.
        text.push_str("user default off resetpass -@all\n");
    }
    text
}

/// `user_config` keys and the Redis 7 setting each is, in Redis's terms.
fn redis_settings(config: &Map<String, Value>) -> Vec<(&'static str, String)> {
    let number = |key: &str| config.get(key).and_then(Value::as_i64);
    let text = |key: &str| config.get(key).and_then(Value::as_str).map(str::to_owned);
    let mut settings = Vec::new();
    let mut add = |name: &'static str, value: Option<String>| {
        if let Some(value) = value {
            settings.push((name, value));
        }
    };
    add("maxmemory-policy", text("valkey_maxmemory_policy"));
    add(
        "lfu-log-factor",
        number("valkey_lfu_log_factor").map(|n| n.to_string()),
    );
    add(
        "lfu-decay-time",
        number("valkey_lfu_decay_time").map(|n| n.to_string()),
    );
    add(
        "notify-keyspace-events",
        text("valkey_notify_keyspace_events"),
    );
    add("timeout", number("valkey_timeout").map(|n| n.to_string()));
    add(
        "active-expire-effort",
        number("valkey_active_expire_effort").map(|n| n.to_string()),
    );
    add(
        "activedefrag",
        config
            .get("valkey_activedefrag")
            .and_then(Value::as_bool)
            .map(|on| if on { "yes" } else { "no" }.to_owned()),
    );
    add("acl-pubsub-default", text("valkey_acl_channels_default"));
    // The API's limit is the hard one, in MB; the soft one is a quarter.
    add(
        "client-output-buffer-limit",
        number("valkey_pubsub_client_output_buffer_limit")
            .map(|mb| format!("pubsub {}mb {}mb 60", mb, (mb / 4).max(1))),
    );
    add(
        "save",
        text("valkey_persistence").map(|p| {
            if p == "off" {
                ""
            } else {
                "3600 1 300 100 60 10000"
            }
            .to_owned()
        }),
    );
    settings
}

/// Settings Redis reads only when it starts.
fn startup_settings(config: &Map<String, Value>) -> Vec<(&'static str, String)> {
    let number = |key: &str| {
        config
            .get(key)
            .and_then(Value::as_i64)
            .map(|n| n.to_string())
    };
    [
        ("databases", number("valkey_number_of_databases")),
        ("io-threads", number("valkey_io_threads")),
    ]
    .into_iter()
    .filter_map(|(name, value)| Some((name, value?)))
    .collect()
}

/// Quotes a value for redis.conf.
fn conf_quote(value: &str) -> String {
    format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
}

/// The socket aiven-local talks to the server on, in the service's
/// private directory: its password goes only to the server it started,
/// never to whatever holds the TCP port.
fn socket(paths: &ClusterPaths) -> std::path::PathBuf {
    paths.root.join("valkey.sock")
}

/// Whether clients must use TLS: `valkey_ssl`, true unless the service
/// says false, as on the platform (the API's default).
fn requires_tls(config: &Map<String, Value>) -> bool {
    aiven_api::catalog::service_type("valkey").is_none_or(|t| t.requires_tls(config))
}

/// How the server listens on the service's port: TLS with the certificate
/// the project's CA signed (clients present none) or, with `valkey_ssl`
/// off, plain text; and the TLS port that makes, 0 for none.
fn listen_settings(
    paths: &ClusterPaths,
    port: u16,
    config: &Map<String, Value>,
) -> (Vec<(&'static str, String)>, u16) {
    if !requires_tls(config) {
        return (
            vec![("port", port.to_string()), ("tls-port", "0".to_owned())],
            0,
        );
    }
    let file = |path: PathBuf| path.display().to_string();
    let settings = vec![
        ("tls-cert-file", file(paths.tls_cert())),
        ("tls-key-file", file(paths.tls_key())),
        ("tls-ca-cert-file", file(paths.tls_ca())),
        ("tls-auth-clients", "no".to_owned()),
        ("port", "0".to_owned()),
        ("tls-port", port.to_string()),
    ];
    (settings, port)
}

/// The server's configuration: where it listens and keeps its files
/// (never changeable from a client: Redis 7 protects `dir` and the like),
/// then the service's settings.
fn config_text(paths: &ClusterPaths, port: u16, config: &Map<String, Value>) -> String {
    let mut conf = format!(
        "# Managed by aiven-local; rewritten on every start.\n\
         bind 127.0.0.1\n\
         daemonize yes\n\
         pidfile {}\n\
         logfile {}\n\
         dir {}\n\
         dbfilename dump.rdb\n\
         aclfile {}\n\
         unixsocket {}\n\
         unixsocketperm 700\n\
         save \"3600 1 300 100 60 10000\"\n\
         appendonly no\n\
         enable-debug-command no\n\
         enable-module-command no\n",
        conf_quote(&pid_file(paths).display().to_string()),
        conf_quote(&paths.root.join("valkey.log").display().to_string()),
        conf_quote(&data(paths).display().to_string()),
        conf_quote(&acl_file(paths).display().to_string()),
        conf_quote(&socket(paths).display().to_string()),
    );
    for (name, value) in listen_settings(paths, port, config)
        .0
        .into_iter()
        .chain(startup_settings(config))
        .chain(redis_settings(config))
    {
        conf.push_str(&format!("{name} {}\n", conf_quote(&value)));
    }
    if replica_file(paths).exists() {
        conf.push_str(&format!(
            "include {}\n",
            conf_quote(&replica_file(paths).display().to_string())
        ));
    }
    conf
}

/// A field of `INFO`'s output.
fn info_field<'a>(info: &'a str, name: &str) -> Option<&'a str> {
    info.lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(':'))
        .map(str::trim)
}

impl Valkey {
    /// `redis-server` and `redis-cli` at `server` and next to it, or why
    /// they cannot run services.
    pub fn find(server: &Path) -> Result<std::sync::Arc<dyn Engine>, String> {
        let cli = server.with_file_name("redis-cli");
        if !server.is_file() || !cli.is_file() {
            return Err(format!(
                "redis-server is not installed at {} (install redis-server, or point --valkey-server at it)",
                server.display()
            ));
        }
        // "Redis server v=7.0.15 sha=..."
        let version = process::version_of(server, |text| {
            let v = text.split_whitespace().find_map(|w| w.strip_prefix("v="))?;
            Some(v.to_owned())
        });
        Ok(std::sync::Arc::new(Valkey {
            server: server.to_owned(),
            cli,
            version,
        }))
    }

    /// Runs `commands` (one per line) through redis-cli as the primary
    /// user, the password in the environment rather than on the command
    /// line; an error reply is the engine refusing.
    async fn cli(&self, at: &Instance<'_>, commands: &[String]) -> Result<String, EngineError> {
        self.cli_to(&at.paths, at.login(), commands).await
    }

    /// [`Self::cli`] to the server of `paths`, as `login`.
    async fn cli_to(
        &self,
        paths: &ClusterPaths,
        login: Login<'_>,
        commands: &[String],
    ) -> Result<String, EngineError> {
        let mut command = process::command(&self.cli);
        command
            .arg("-s")
            .arg(socket(paths))
            .args(["--no-auth-warning", "--user", login.user])
            .env("REDISCLI_AUTH", login.password);
        let script: String = commands.iter().map(|c| format!("{c}\n")).collect();
        let output = run_with_input(command, Some(script.as_bytes()), "redis-cli").await?;
        if let Some(error) = output
            .lines()
            .find(|l| l.starts_with("ERR") || l.starts_with("NOAUTH") || l.starts_with("WRONGPASS"))
        {
            return Err(EngineError::Refused {
                program: PROGRAM.to_owned(),
                reason: error.to_owned(),
            });
        }
        Ok(output)
    }

    /// `INFO persistence`: where the last save stands.
    async fn persistence(&self, at: &Instance<'_>) -> Result<String, EngineError> {
        self.cli(at, &["INFO persistence".to_owned()]).await
    }

    fn write_config(&self, at: &Instance<'_>) -> Result<PathBuf, EngineError> {
        let conf = at.paths.root.join("valkey.conf");
        let text = config_text(&at.paths, at.port()?, at.config());
        std::fs::write(&conf, text).map_err(|err| EngineError::io("write", &conf, err))?;
        Ok(conf)
    }

    fn write_acl(&self, paths: &ClusterPaths, users: &[ServiceUser]) -> Result<(), EngineError> {
        process::write_secret(&acl_file(paths), &acl_file_text(users))
    }
}

#[async_trait::async_trait]
impl Engine for Valkey {
    fn product(&self) -> String {
        process::product("redis-server", self.version.as_deref())
    }

    fn data_dir(&self, paths: &ClusterPaths) -> PathBuf {
        data(paths)
    }

    fn setting_keys(&self) -> &'static [&'static str] {
        &[
            "valkey_maxmemory_policy",
            "valkey_lfu_log_factor",
            "valkey_lfu_decay_time",
            "valkey_notify_keyspace_events",
            "valkey_timeout",
            "valkey_active_expire_effort",
            "valkey_activedefrag",
            "valkey_acl_channels_default",
            "valkey_pubsub_client_output_buffer_limit",
            "valkey_persistence",
            "valkey_ssl",
        ]
    }

    async fn init(&self, at: &Instance<'_>) -> Result<(), EngineError> {
        super::prepare_dirs(&at.paths, &data(&at.paths)).await?;
        self.start(at).await
    }

    /// Keys exactly as the backup has them: its RDB file is the fork's.
    async fn restore(&self, at: &Instance<'_>, _to: RestoreTo<'_>) -> Result<(), EngineError> {
        let data = data(&at.paths);
        super::prepare_dirs(&at.paths, &data).await?;
        let _ = std::fs::remove_file(replica_file(&at.paths));
        process::archive_file(
            &at.paths.restore_backup().join("dump.rdb"),
            &data.join("dump.rdb"),
        )?;
        self.start(at).await?;
        super::drop_restore_source(&at.paths)
    }

    fn follows(&self) -> bool {
        true
    }

    /// Starts from the backup's keys as a replica of `upstream`, then
    /// waits until the first sync with it is done.
    async fn follow(&self, at: &Instance<'_>, upstream: Upstream<'_>) -> Result<(), EngineError> {
        let data = data(&at.paths);
        super::prepare_dirs(&at.paths, &data).await?;
        process::archive_file(
            &at.paths.restore_backup().join("dump.rdb"),
            &data.join("dump.rdb"),
        )?;
        process::write_secret(&replica_file(&at.paths), &replica_text(&upstream))?;
        self.start(at).await?;
        for _ in 0..2400 {
            let info = self.cli(at, &["INFO replication".to_owned()]).await?;
            if info_field(&info, "master_link_status") == Some("up")
                && info_field(&info, "master_sync_in_progress") == Some("0")
            {
                return super::drop_restore_source(&at.paths);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Err(EngineError::TimedOut {
            waiting_for: "the replica's first sync with its source (2 minutes)".to_owned(),
        })
    }

    /// The source's replication offset less the replica's: bytes of the
    /// replication stream not yet applied.
    async fn lag(
        &self,
        at: &Instance<'_>,
        upstream: Upstream<'_>,
    ) -> Result<Option<Lag>, EngineError> {
        let info = ["INFO replication".to_owned()];
        let source = self.cli_to(upstream.paths, upstream.login, &info).await?;
        let replica = self.cli(at, &info).await?;
        let offset = |info: &str| info_field(info, "master_repl_offset")?.parse::<u64>().ok();
        Ok(Some(Lag {
            bytes: offset(&source)
                .zip(offset(&replica))
                .map(|(s, r)| s.saturating_sub(r)),
            seconds: None,
        }))
    }

    /// `REPLICAOF NO ONE`, and the replica's settings go for good.
    async fn promote(&self, at: &Instance<'_>) -> Result<(), EngineError> {
        self.cli(at, &["REPLICAOF NO ONE".to_owned()]).await?;
        let file = replica_file(&at.paths);
        match std::fs::remove_file(&file) {
            Err(err) if err.kind() != std::io::ErrorKind::NotFound => {
                return Err(EngineError::io("remove", &file, err));
            }
            _ => {}
        }
        self.write_config(at).map(drop)
    }

    async fn start(&self, at: &Instance<'_>) -> Result<(), EngineError> {
        self.write_acl(&at.paths, &at.record.users)?;
        let conf = self.write_config(at)?;
        let _ = std::fs::remove_file(pid_file(&at.paths));
        let mut command = process::command(&self.server);
        command.arg(&conf);
        run(command, PROGRAM).await?;
        // The server daemonizes first, then binds its port and socket: one
        // that cannot bind its port (held by another process) exits, and
        // so never answers on the socket. PING answers once data is loaded.
        for attempt in 0..2400 {
            match self.cli(at, &["PING".to_owned()]).await {
                Ok(out) if out.trim() == "PONG" => return Ok(()),
                _ if attempt > 40 && !self.is_running(&at.paths).await => {
                    let log = std::fs::read_to_string(at.paths.root.join("valkey.log"));
                    let last = log.unwrap_or_default().lines().last().map(str::to_owned);
                    return Err(EngineError::Refused {
                        program: PROGRAM.to_owned(),
                        reason: format!(
                            "redis-server exited (is port {} held by another process?): {}",
                            at.port()?,
                            last.unwrap_or_default()
                        ),
                    });
                }
                _ => tokio::time::sleep(Duration::from_millis(25)).await,
            }
        }
        Err(EngineError::TimedOut {
            waiting_for: "redis-server to load its data".to_owned(),
        })
    }

    /// `Fast` lets the server save its data first; `Immediate` does not.
    async fn stop(&self, paths: &ClusterPaths, mode: Stop) -> Result<(), EngineError> {
        let patience = Duration::from_secs(60);
        process::stop_pid(&pid_file(paths), PROGRAM, mode.signal(), patience).await
    }

    async fn is_running(&self, paths: &ClusterPaths) -> bool {
        process::running_pid(&pid_file(paths), PROGRAM).is_some()
    }

    async fn apply_settings(&self, at: &Instance<'_>) -> Result<(), EngineError> {
        // Switching between TLS and plain text moves the port from one
        // listener to the other: a restart, as the platform's nodes do.
        let (_, tls_port) = listen_settings(&at.paths, at.port()?, at.config());
        let listening = self.cli(at, &["CONFIG GET tls-port".to_owned()]).await?;
        if listening.lines().nth(1).map(str::trim) != Some(tls_port.to_string().as_str()) {
            self.stop(&at.paths, Stop::Fast).await?;
            return self.start(at).await;
        }
        self.write_config(at)?;
        let commands: Vec<String> = redis_settings(at.config())
            .into_iter()
            .map(|(name, value)| format!("CONFIG SET {name} {}", conf_quote(&value)))
            .collect();
        if commands.is_empty() {
            return Ok(());
        }
        self.cli(at, &commands).await.map(drop)
    }

    /// A BGSAVE (the server forks; writes go on), then its RDB file copied
    /// into the backup.
    async fn backup(&self, at: &Instance<'_>, name: &str) -> Result<i64, EngineError> {
        let saves = |info: &str| info_field(info, "rdb_saves").and_then(|n| n.parse::<u64>().ok());
        let before = saves(&self.persistence(at).await?);
        self.cli(at, &["BGSAVE SCHEDULE".to_owned()]).await?;
        let started = std::time::Instant::now();
        loop {
            let now = self.persistence(at).await?;
            if info_field(&now, "rdb_bgsave_in_progress") == Some("0") && saves(&now) > before {
                if info_field(&now, "rdb_last_bgsave_status") != Some("ok") {
                    return Err(EngineError::Refused {
                        program: PROGRAM.to_owned(),
                        reason: "the background save failed; see valkey.log".to_owned(),
                    });
                }
                break;
            }
            if started.elapsed() > Duration::from_secs(300) {
                return Err(EngineError::TimedOut {
                    waiting_for: "the background save (5 minutes)".to_owned(),
                });
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        let target = at.paths.backup(name);
        std::fs::create_dir_all(&target).map_err(|err| EngineError::io("create", &target, err))?;
        process::archive_file(&data(&at.paths).join("dump.rdb"), &target.join("dump.rdb"))?;
        process::files_size(&target)
    }

    async fn account(
        &self,
        at: &Instance<'_>,
        change: AccountChange<'_>,
    ) -> Result<(), EngineError> {
        if matches!(
            change,
            AccountChange::CreateDatabase(_) | AccountChange::DropDatabase(_)
        ) {
            return Ok(());
        }
        self.write_acl(&at.paths, &super::users_after(&at.record.users, change))?;
        // Logged in as the primary user before the file changed; a new
        // password of its own counts from the next connection.
        self.cli(at, &["ACL LOAD".to_owned()]).await.map(drop)
    }

    fn version_notice(&self, config: &Map<String, Value>) -> Option<ServiceNotification> {
        let asked = config.get("valkey_version")?.as_str()?;
        let runs = self.version.as_deref().unwrap_or("7");
        Some(super::warning(
            VERSION_NOT_RUN,
            format!(
                "valkey_version {asked} is recorded, but aiven-local runs redis-server {runs}, whose protocol \
                 Valkey speaks; commands added after Redis 7.0 are not available."
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aiven_api::types::AccessControl;

    fn user(name: &str, access: Option<AccessControl>) -> ServiceUser {
        ServiceUser {
            username: name.into(),
            password: Some("pw-123456789".into()),
            kind: "normal".into(),
            authentication: None,
            access_control: access,
        }
    }

    /// `printf pw-123456789 | sha256sum`
    const PASSWORD_DIGEST: &str =
        "#b3d264da2197c9553e8e768a44a21d3fbcb6d6523f0357d3d807851e7ff0da3c";

    #[test]
    fn users_get_everything_unless_their_access_control_narrows_it() {
        assert_eq!(
            acl_line(&user("default", None)),
            format!("user default on {PASSWORD_DIGEST} ~* &* +@all\n")
        );
        let narrowed = AccessControl {
            valkey_acl_keys: Some(vec!["session:*".into()]),
            valkey_acl_categories: Some(vec!["+@read".into()]),
            valkey_acl_commands: Some(vec!["-keys".into()]),
            valkey_acl_channels: Some(vec!["news".into()]),
            ..AccessControl::default()
        };
        assert_eq!(
            acl_line(&user("app", Some(narrowed))),
            format!("user app on {PASSWORD_DIGEST} ~session:* &news +@read -keys\n")
        );
    }

    #[test]
    fn without_a_user_named_default_the_default_user_is_switched_off() {
        let text = acl_file_text(&[user("avnadmin", None)]);
        assert!(
            text.contains("user default off resetpass -@all\n"),
            "{text}"
        );
        let text = acl_file_text(&[user("default", None)]);
        assert!(!text.contains(" off "), "{text}");
    }

    #[test]
    fn settings_are_in_redis_terms() {
        let config = serde_json::json!({
            "valkey_maxmemory_policy": "allkeys-lru",
            "valkey_activedefrag": true,
            "valkey_pubsub_client_output_buffer_limit": 64,
            "valkey_persistence": "off",
            "valkey_ssl": true,
        });
        let settings = redis_settings(config.as_object().unwrap());
        assert_eq!(
            settings,
            vec![
                ("maxmemory-policy", "allkeys-lru".to_owned()),
                ("activedefrag", "yes".to_owned()),
                (
                    "client-output-buffer-limit",
                    "pubsub 64mb 16mb 60".to_owned()
                ),
                ("save", String::new()),
            ]
        );
    }
}
