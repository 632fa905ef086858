//! Connection pools of a pg service, served by PgBouncer on the port
//! after the cluster's: one PgBouncer per service, from the moment the
//! service is made (so that its port is held before any pool is, and no
//! other process can take it and receive the pools' clients), its
//! `[databases]` written from the pools the API created (each pool a
//! database alias with its own mode and size), clients authenticated by
//! SCRAM against the service's users. It runs detached, as the cluster
//! does, so a restart of aiven-local finds it still serving.

use std::path::{Path, PathBuf};

use aiven_api::types::ConnectionPool;

use super::process::{self, run, write_secret};
use super::{ClusterPaths, EngineError, Instance};

/// The PgBouncer binary, and `psql` to reach its admin console.
#[derive(Debug, Clone)]
pub struct PgBouncer {
    pub bin: PathBuf,
    pub psql: PathBuf,
}

/// The admin console's user: aiven-local's own, with a password made for
/// each service and kept in its PgBouncer directory (mode 0600). Not one
/// of the service's users, so none of theirs can reconfigure PgBouncer,
/// and never changed, so a reload after a password change still logs in.
const ADMIN: &str = "aiven_local_pgbouncer";

/// The port pools are served on: the one after the cluster's, which
/// aiven-local keeps free for it.
pub fn pool_port(cluster_port: u16) -> u16 {
    cluster_port + 1
}

/// The name PgBouncer runs under.
const PROGRAM: &str = "pgbouncer";

fn dir(paths: &ClusterPaths) -> PathBuf {
    paths.root.join("pgbouncer")
}

fn pid_file(paths: &ClusterPaths) -> PathBuf {
    dir(paths).join("pgbouncer.pid")
}

/// The `[databases]` line of one pool: an alias for its database, as its
/// user if it has one, with its own mode and size.
fn database_line(pool: &ConnectionPool, cluster_port: u16) -> String {
    let user = pool
        .username
        .as_deref()
        .map(|user| format!(" user={user}"))
        .unwrap_or_default();
    format!(
        "{} = host=127.0.0.1 port={cluster_port} dbname={}{user} pool_size={} pool_mode={}\n",
        pool.pool_name, pool.database, pool.pool_size, pool.pool_mode
    )
}

/// The whole configuration for `pools` of a cluster on `cluster_port`.
fn config(paths: &ClusterPaths, pools: &[ConnectionPool], cluster_port: u16) -> String {
    let dir = dir(paths);
    let databases: String = pools
        .iter()
        .map(|p| database_line(p, cluster_port))
        .collect();
    // TLS as the cluster serves it, plain connections still taken.
    let tls = if paths.tls_cert().exists() {
        format!(
            "client_tls_sslmode = allow\nclient_tls_cert_file = {}\nclient_tls_key_file = {}\n",
            paths.tls_cert().display(),
            paths.tls_key().display()
        )
    } else {
        String::new()
    };
    let settings = format!(
        "# Managed by aiven-local; rewritten whenever the pools change.\n\
         [databases]\n{databases}\n\
         [pgbouncer]\n\
         listen_addr = 127.0.0.1\n\
         listen_port = {}\n\
         unix_socket_dir =\n\
         auth_type = scram-sha-256\n\
         auth_file = {}\n\
         admin_users = {ADMIN}\n\
         pidfile = {}\n\
         logfile = {}\n\
         max_client_conn = 1000\n\
         ignore_startup_parameters = extra_float_digits,options\n",
        pool_port(cluster_port),
        dir.join("userlist.txt").display(),
        pid_file(paths).display(),
        dir.join("pgbouncer.log").display(),
    );
    settings + &tls
}

impl PgBouncer {
    /// Serves exactly the service's pools, none at first: started with
    /// the service, reloaded when its pools or users change, stopped with
    /// it.
    pub async fn serve(&self, at: &Instance<'_>) -> Result<(), EngineError> {
        let paths = &at.paths;
        let dir = dir(paths);
        std::fs::create_dir_all(&dir).map_err(|err| EngineError::io("create", &dir, err))?;
        // Passwords as PgBouncer reads them: in plain text, which lets it
        // log in to the cluster as the pool's user by SCRAM too; quoted,
        // a quote inside doubled (its auth_file format).
        let quoted = |text: &str| format!("\"{}\"", text.replace('"', "\"\""));
        let users: String = at
            .record
            .users
            .iter()
            .map(|u| {
                let password = u.password.as_deref().unwrap_or_default();
                format!("{} {}\n", quoted(&u.username), quoted(password))
            })
            .collect();
        let admin_password = admin_password(&dir)?;
        let users = format!("{users}\"{ADMIN}\" \"{admin_password}\"\n");
        // Written beside and renamed into place: PgBouncer rereads the
        // file on RELOAD only when its inode, size or mtime (in seconds)
        // changed, and a password changed within the second to one of the
        // same length would otherwise go unread.
        let (list, next) = (dir.join("userlist.txt"), dir.join("userlist.txt.next"));
        write_secret(&next, &users)?;
        std::fs::rename(&next, &list).map_err(|err| EngineError::io("replace", &list, err))?;
        let conf = dir.join("pgbouncer.ini");
        std::fs::write(&conf, config(paths, &at.record.pools, at.port()?))
            .map_err(|err| EngineError::io("write", &conf, err))?;
        match process::running_pid(&pid_file(paths), PROGRAM) {
            Some(_) => self.reload(at.port()?, &admin_password).await,
            None => self.start(paths, &conf, at.port()?).await,
        }
    }

    /// RELOAD on the admin console: unlike SIGHUP, answered only once the
    /// new pools and users are in force, so the API's answer means they
    /// are served.
    async fn reload(&self, cluster_port: u16, admin_password: &str) -> Result<(), EngineError> {
        let mut command = process::command(&self.psql);
        command
            .args([
                "-X",
                "-q",
                "-h",
                "127.0.0.1",
                "-U",
                ADMIN,
                "-d",
                "pgbouncer",
                "-p",
            ])
            .arg(pool_port(cluster_port).to_string())
            .args(["-c", "RELOAD"])
            .env("PGPASSWORD", admin_password)
            .env("PGCONNECT_TIMEOUT", "10");
        run(command, "pgbouncer RELOAD").await.map(drop)
    }

    /// Starts it detached, and waits until it has written its pid file and
    /// listens: `-d` returns before either, and a change made meanwhile
    /// would otherwise start a second one. A port another process holds is
    /// refused first: waiting for it to listen would take the squatter for
    /// PgBouncer.
    async fn start(
        &self,
        paths: &ClusterPaths,
        conf: &Path,
        cluster_port: u16,
    ) -> Result<(), EngineError> {
        let port = pool_port(cluster_port);
        if let Err(source) = std::net::TcpListener::bind(("127.0.0.1", port)) {
            return Err(EngineError::PortHeld {
                port,
                serving: "connection pools",
                source,
            });
        }
        let mut command = process::command(&self.bin);
        command.arg("-d").arg("-q").arg(conf);
        run(command, PROGRAM).await?;
        process::wait_listening(pool_port(cluster_port), std::time::Duration::from_secs(10))
            .await?;
        let started = std::time::Instant::now();
        while process::running_pid(&pid_file(paths), PROGRAM).is_none() {
            if started.elapsed() > std::time::Duration::from_secs(10) {
                return Err(EngineError::TimedOut {
                    waiting_for: "pgbouncer's pid file".to_owned(),
                });
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        Ok(())
    }

    /// Stops it, if it runs, and waits for it to exit: SIGTERM closes
    /// client connections at once (SIGINT would wait for them to end).
    pub async fn stop(&self, paths: &ClusterPaths) -> Result<(), EngineError> {
        let patience = std::time::Duration::from_secs(5);
        process::stop_pid(
            &pid_file(paths),
            PROGRAM,
            rustix::process::Signal::TERM,
            patience,
        )
        .await
    }
}

/// The admin console's password for the PgBouncer in `dir`, made once.
fn admin_password(dir: &Path) -> Result<String, EngineError> {
    let path = dir.join("admin.secret");
    if let Ok(kept) = std::fs::read_to_string(&path) {
        return Ok(kept);
    }
    let made = crate::random::random_token();
    write_secret(&path, &made)?;
    Ok(made)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_pool_is_an_alias_with_its_own_user_mode_and_size() {
        let pool = ConnectionPool {
            pool_name: "reports".into(),
            database: "analytics".into(),
            username: Some("reader".into()),
            pool_mode: "transaction".into(),
            pool_size: 7,
            connection_uri: String::new(),
        };
        assert_eq!(
            database_line(&pool, 20400),
            "reports = host=127.0.0.1 port=20400 dbname=analytics user=reader pool_size=7 pool_mode=transaction\n"
        );
        let anyone = ConnectionPool {
            username: None,
            ..pool
        };
        assert!(!database_line(&anyone, 20400).contains("user="));
        let paths = ClusterPaths {
            root: "/srv/s".into(),
        };
        assert!(config(&paths, &[anyone], 20400).contains("listen_port = 20401\n"));
    }
}
