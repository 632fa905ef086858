//! Metrics (thanos) services on Prometheus 2.42, which has what Aiven for
//! Metrics offers its clients: the Prometheus remote-write receiver and
//! the PromQL query API. One Prometheus per service on 127.0.0.1, over
//! HTTPS with the project CA's certificate, behind HTTP basic auth for the service's users (Prometheus's own web
//! configuration, bcrypt hashes; it rereads the file on every request, so
//! a user change needs no restart). Backups are copies of the live TSDB
//! (its write-ahead log, then its blocks), taken while samples keep
//! arriving; a fork starts from one and answers the same queries for
//! every series written before it. The admin API (snapshots, deleting
//! series) stays off: basic auth has no per-path rights, so every metrics
//! user could call it.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use aiven_api::types::ServiceUser;
use tokio::process::Command;

use super::process;
use super::{AccountChange, ClusterPaths, Engine, EngineError, Instance, RestoreTo, Stop};

/// The name the server runs under.
const PROGRAM: &str = "prometheus";
/// bcrypt's work factor for the web configuration. Prometheus checks a
/// hash on each new login; passwords here are 24 random characters, so a
/// low factor costs nothing in safety and keeps requests fast.
const HASH_COST: u32 = 6;

/// How many times a backup copies the TSDB before giving up: a copy fails
/// when Prometheus removes a file it was reading (a compaction or a
/// write-ahead log checkpoint, every two hours or so).
const COPY_ATTEMPTS: usize = 3;

/// Runs `prometheus`; `curl` asks it whether it is ready.
#[derive(Debug, Clone)]
pub struct Prometheus {
    pub server: PathBuf,
    pub curl: PathBuf,
    /// The server's version (`2.42.0`), when it answers.
    pub version: Option<String>,
}

fn tsdb(paths: &ClusterPaths) -> PathBuf {
    paths.root.join("tsdb")
}

fn pid_file(paths: &ClusterPaths) -> PathBuf {
    paths.root.join("prometheus.pid")
}

fn web_config(paths: &ClusterPaths) -> PathBuf {
    paths.root.join("web.yml")
}

/// The web configuration: TLS with the certificate the project's CA
/// signed (all traffic to the platform's services is TLS), and every user
/// of the service, by bcrypt hash. Names, hashes and paths are YAML-safe
/// (the API's names; bcrypt's alphabet; our own directories), quoted all
/// the same.
fn web_config_text(paths: &ClusterPaths, users: &[ServiceUser]) -> Result<String, EngineError> {
    let mut text = String::from("# Managed by aiven-local.\n");
    if paths.tls_cert().exists() {
        text.push_str(&format!(
            "tls_server_config:\n  cert_file: \"{}\"\n  key_file: \"{}\"\n",
            paths.tls_cert().display(),
            paths.tls_key().display()
        ));
    }
    text.push_str("basic_auth_users:\n");
    for user in users {
        let password = user.password.as_deref().unwrap_or_default();
        let hash = bcrypt::hash(password, HASH_COST)
            .map_err(|err| EngineError::Invalid(format!("cannot hash a password: {err}")))?;
        text.push_str(&format!("  \"{}\": \"{hash}\"\n", user.username));
    }
    Ok(text)
}

/// Copies a running Prometheus's TSDB at `live` into `into`: what a
/// restore needs to answer for every sample written before the copy.
/// The write-ahead log goes first, then the blocks, so that a compaction
/// in between (which moves samples out of the log into a new block) at
/// worst copies a sample twice, which Prometheus takes, and never loses
/// one. Blocks are complete directories with a `meta.json`; those being
/// made or deleted carry a suffix and are left out. The memory-mapped
/// head chunks are left out too: the log holds the same samples, and a
/// restore replays it (repairing a record cut short at the copy's end).
fn copy_live_tsdb(live: &Path, into: &Path) -> std::io::Result<()> {
    copy_dir(&live.join("wal"), &into.join("wal"))?;
    for entry in std::fs::read_dir(live)? {
        let entry = entry?;
        let name = entry.file_name();
        let block = !name.to_string_lossy().contains('.')
            && entry.file_type()?.is_dir()
            && entry.path().join("meta.json").is_file();
        if block {
            copy_dir(&entry.path(), &into.join(&name))?;
        }
    }
    Ok(())
}

/// Copies the files and directories under `from` into `to`.
fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}

impl Prometheus {
    /// `prometheus` at `server` (and `curl` on the path), or why they
    /// cannot run services.
    pub fn find(server: &Path) -> Result<std::sync::Arc<dyn Engine>, String> {
        let (true, Some(curl)) = (server.is_file(), process::find_curl()) else {
            return Err(format!(
                "Prometheus is not installed at {} (install prometheus and curl, or point --prometheus at it)",
                server.display()
            ));
        };
        // "prometheus, version 2.42.0+ds (branch: ...)"
        let version = process::version_of(server, |text| {
            let word = text.split_whitespace().nth(2)?;
            Some(word.split('+').next()?.to_owned())
        });
        Ok(std::sync::Arc::new(Prometheus {
            server: server.to_owned(),
            curl,
            version,
        }))
    }

    fn write_web_config(
        &self,
        paths: &ClusterPaths,
        users: &[ServiceUser],
    ) -> Result<(), EngineError> {
        process::write_secret(&web_config(paths), &web_config_text(paths, users)?)
    }

    /// Starts Prometheus detached (it outlives aiven-local, as the other
    /// engines do), records its pid, and waits until it is ready.
    async fn launch(&self, at: &Instance<'_>) -> Result<(), EngineError> {
        let paths = &at.paths;
        let port = at.port()?;
        self.write_web_config(paths, &at.record.users)?;
        let config = paths.root.join("prometheus.yml");
        std::fs::write(
            &config,
            "# Managed by aiven-local: no scraping; samples arrive by remote write.\nglobal: {}\n",
        )
        .map_err(|err| EngineError::io("write", &config, err))?;
        let log = std::fs::File::create(paths.root.join("prometheus.log"))
            .map_err(|err| EngineError::io("create", paths.root.join("prometheus.log"), err))?;
        let mut command = Command::new(&self.server);
        process::own_environment(&mut command);
        command
            .arg(format!("--config.file={}", config.display()))
            .arg(format!("--storage.tsdb.path={}", tsdb(paths).display()))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .arg(format!("--web.config.file={}", web_config(paths).display()))
            .args([
                "--web.enable-remote-write-receiver",
                "--storage.tsdb.retention.time=3650d",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .process_group(0);
        let child = command.spawn().map_err(|source| EngineError::Spawn {
            program: PROGRAM.to_owned(),
            source,
        })?;
        let pid = child.id().unwrap_or_default().to_string();
        std::fs::write(pid_file(paths), pid)
            .map_err(|err| EngineError::io("write", pid_file(paths), err))?;
        process::wait_listening(port, Duration::from_secs(60)).await?;
        // Listening comes before the TSDB is open; ready comes after.
        for _ in 0..2400 {
            if self.api(at, "GET", "/-/ready").await.is_ok() {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        Err(EngineError::TimedOut {
            waiting_for: "Prometheus to be ready".to_owned(),
        })
    }

    /// Calls Prometheus's HTTP API as the primary user (see
    /// [`process::https_call`]); a status other than 2xx is its refusal.
    async fn api(
        &self,
        at: &Instance<'_>,
        method: &str,
        path: &str,
    ) -> Result<String, EngineError> {
        let what = "curl (Prometheus API)";
        let ca = at.paths.tls_ca();
        let call = (method, path, None);
        let (status, reply) =
            process::https_call(&self.curl, &ca, at.port()?, at.login(), call, what).await?;
        if (200..300).contains(&status) {
            Ok(reply)
        } else {
            Err(EngineError::Failed {
                program: what.to_owned(),
                stderr: format!("HTTP {status}: {}", reply.trim()),
            })
        }
    }
}

#[async_trait::async_trait]
impl Engine for Prometheus {
    fn product(&self) -> String {
        process::product("Prometheus", self.version.as_deref())
    }

    fn data_dir(&self, paths: &ClusterPaths) -> PathBuf {
        tsdb(paths)
    }

    /// Thanos's settings (compactor retention, query limits) have no
    /// Prometheus equivalent here: recorded only.
    fn setting_keys(&self) -> &'static [&'static str] {
        &[]
    }

    async fn init(&self, at: &Instance<'_>) -> Result<(), EngineError> {
        super::prepare_dirs(&at.paths, &tsdb(&at.paths)).await?;
        self.launch(at).await
    }

    /// The snapshot becomes the fork's TSDB.
    async fn restore(&self, at: &Instance<'_>, _to: RestoreTo<'_>) -> Result<(), EngineError> {
        let data = tsdb(&at.paths);
        super::prepare_dirs(&at.paths, &data).await?;
        process::unpack(&at.paths.restore_backup().join("tsdb.tar.lz4"), &data).await?;
        self.launch(at).await?;
        super::drop_restore_source(&at.paths)
    }

    async fn start(&self, at: &Instance<'_>) -> Result<(), EngineError> {
        self.launch(at).await
    }

    /// `Fast` lets Prometheus close its TSDB cleanly; `Immediate` kills.
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

    /// A copy of the live TSDB (see [`copy_live_tsdb`]), packed into the
    /// backup.
    async fn backup(&self, at: &Instance<'_>, name: &str) -> Result<i64, EngineError> {
        let target = at.paths.backup(name);
        let staging = target.join("tsdb");
        let live = tsdb(&at.paths);
        let mut copied = Ok(());
        for _ in 0..COPY_ATTEMPTS {
            let _ = std::fs::remove_dir_all(&staging);
            let (live, staging) = (live.clone(), staging.clone());
            copied = tokio::task::spawn_blocking(move || copy_live_tsdb(&live, &staging))
                .await
                .unwrap_or_else(|err| Err(std::io::Error::other(err)));
            if copied.is_ok() {
                break;
            }
        }
        let packed = match copied {
            Ok(()) => process::pack(&staging, &target.join("tsdb.tar.lz4")).await,
            Err(err) => Err(EngineError::io("copy", &live, err)),
        };
        let _ = std::fs::remove_dir_all(&staging);
        if let Err(err) = packed {
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
        let users = super::users_after(&at.record.users, change);
        self.write_web_config(&at.paths, &users)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_web_configuration_holds_a_verifiable_hash_per_user() {
        let user = ServiceUser {
            username: "avnadmin".into(),
            password: Some("secret-pass-1".into()),
            kind: "primary".into(),
            authentication: None,
            access_control: None,
        };
        let paths = ClusterPaths {
            root: PathBuf::from("/nonexistent"),
        };
        let text = web_config_text(&paths, &[user]).unwrap();
        assert!(!text.contains("secret-pass-1"), "{text}");
        let hash = text.lines().last().unwrap().split('"').nth(3).unwrap();
        assert!(bcrypt::verify("secret-pass-1", hash).unwrap());
        assert!(
            text.contains("basic_auth_users:\n  \"avnadmin\": \"$2"),
            "{text}"
        );
    }

    #[test]
    fn a_live_copy_holds_the_log_and_whole_blocks_but_nothing_half_made() {
        let root = std::env::temp_dir().join(format!("tsdb-copy-{}", std::process::id()));
        let live = root.join("live");
        let write = |path: &str| {
            let path = live.join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, b"x").unwrap();
        };
        for path in [
            "wal/00000003",
            "wal/checkpoint.00000002/00000000",
            "01HBLOCK/meta.json",
            "01HBLOCK/chunks/000001",
            "01HGONE.tmp-for-deletion/meta.json",
            "01HMAKING.tmp-for-creation/chunks/000001",
            "chunks_head/000001",
            "lock",
            "queries.active",
        ] {
            write(path);
        }
        let copy = root.join("copy");
        copy_live_tsdb(&live, &copy).unwrap();
        for kept in [
            "wal/00000003",
            "wal/checkpoint.00000002/00000000",
            "01HBLOCK/meta.json",
            "01HBLOCK/chunks/000001",
        ] {
            assert!(copy.join(kept).is_file(), "{kept} copied");
        }
        for left in [
            "01HGONE.tmp-for-deletion",
            "01HMAKING.tmp-for-creation",
            "chunks_head",
            "lock",
            "queries.active",
        ] {
            assert!(!copy.join(left).exists(), "{left} left out");
        }
        std::fs::remove_dir_all(&root).unwrap();
    }
}
