//! aiven-local: an Aiven-API-compatible control plane for laptops and CI.
//! pg, mysql, valkey and thanos services run real engines (see
//! [`engines`]), forked from real backups, pg and mysql to a point in
//! time; the other service types keep the hosted lifecycle without an
//! engine. The API is under `/v1`, the web Console under `/console`.

mod api;
mod console;
mod disk;
mod endpoint;
mod engines;
mod error;
mod privilege;
mod random;
mod services;
mod store;
mod tls;
mod wrong_guesses;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{Parser, Subcommand};

use crate::api::{conformance, host_check, serve};
use crate::engines::Engines;
use crate::engines::cassandra::Cassandra;
use crate::engines::clickhouse::ClickHouse;
use crate::engines::mysql::MariaDb;
use crate::engines::none::NoEngine;
use crate::engines::opensearch::OpenSearch;
use crate::engines::postgres::Postgres;
use crate::engines::thanos::Prometheus;
use crate::engines::valkey::Valkey;
use crate::error::StartError;
use crate::services::Services;
use crate::store::Store;

#[derive(Parser)]
#[command(
    name = "aiven-local",
    version,
    about = "An Aiven-API-compatible control plane running real PostgreSQL, MariaDB, redis-server and Prometheus"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API until SIGTERM or Ctrl-C, then stop every cluster.
    Serve(ServeArgs),
}

#[derive(clap::Args)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8090")]
    listen: SocketAddr,
    /// Permit listening on a non-loopback address (the API then reaches
    /// your network; the token is the only protection).
    #[arg(long)]
    allow_remote: bool,
    /// Where the catalog, clusters, WAL archives and backups live. Reusing
    /// it brings every service back.
    #[arg(long)]
    data_dir: PathBuf,
    /// API token clients must send as `Authorization: aivenv1 TOKEN`.
    /// On the command line it is visible to every local user (ps); prefer
    /// AIVEN_LOCAL_TOKEN or --token-file. Without any, a token is
    /// generated, printed once and stored in DATA_DIR/token (mode 0600).
    #[arg(long, env = "AIVEN_LOCAL_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// Read the API token from this file (its first line).
    #[arg(long, value_name = "FILE", conflicts_with = "token")]
    token_file: Option<PathBuf>,
    /// How often every running service is backed up, e.g. 30s, 15m, 1h.
    #[arg(long, default_value = "1h", value_parser = parse_duration)]
    backup_interval: Duration,
    /// How many backups to keep per service; older backups, and the WAL
    /// only they needed, are deleted (the recovery window shrinks to match).
    #[arg(long, default_value_t = 7, value_parser = clap::value_parser!(u32).range(1..))]
    backup_retention: u32,
    /// How long services without an engine stay REBUILDING.
    #[arg(long, default_value = "1s", value_parser = parse_duration)]
    provision_delay: Duration,
    /// Directory holding the PostgreSQL server binaries.
    #[arg(long, default_value = "/usr/lib/postgresql/15/bin")]
    pg_bin: PathBuf,
    /// The server valkey services run on (`redis-cli` is taken from the
    /// same directory).
    #[arg(long, default_value = "/usr/bin/redis-server")]
    valkey_server: PathBuf,
    /// The server mysql services run on: MariaDB's `mariadbd`.
    #[arg(long, default_value = "/usr/sbin/mariadbd")]
    mariadb_server: PathBuf,
    /// The directory with MariaDB's `mariadb`, `mariadb-install-db`,
    /// `mariadb-backup` and `mariadb-binlog`.
    #[arg(long, default_value = "/usr/bin")]
    mariadb_tools: PathBuf,
    /// The server thanos (Metrics) services run on: Prometheus.
    #[arg(long, default_value = "/usr/bin/prometheus")]
    prometheus: PathBuf,
    /// The Python that runs clickhouse services: one with chDB
    /// (`chdb-core`) installed, as `scripts/setup.sh` makes it.
    #[arg(long, default_value = "/opt/aiven-local/chdb/bin/python")]
    chdb_python: PathBuf,
    /// The Java that runs opensearch and cassandra services (17 or newer).
    #[arg(long, default_value = "/usr/bin/java")]
    java: PathBuf,
    /// OpenSearch's jars and aiven-local's launcher for them, as
    /// `scripts/setup.sh` puts them together.
    #[arg(long, default_value = "/opt/aiven-local/opensearch-2.19.4")]
    opensearch_home: PathBuf,
    /// Each OpenSearch node's heap, in MiB.
    #[arg(long, default_value_t = 256)]
    opensearch_heap_mb: u32,
    /// Cassandra's jars and aiven-local's launcher for them, as
    /// `scripts/setup.sh` puts them together.
    #[arg(long, default_value = "/opt/aiven-local/cassandra-5.0.6")]
    cassandra_home: PathBuf,
    /// Each Cassandra node's heap, in MiB.
    #[arg(long, default_value_t = 256)]
    cassandra_heap_mb: u32,
    /// PgBouncer, which serves pg connection pools.
    #[arg(long, default_value = "/usr/sbin/pgbouncer")]
    pgbouncer_bin: PathBuf,
    /// The unprivileged OS user aiven-local runs as when started as root
    /// (PostgreSQL refuses to run as root): it re-executes itself as this
    /// user, which then owns the data directory.
    #[arg(long, default_value = "postgres")]
    pg_user: String,
    /// Connections served at once; more wait until one closes.
    #[arg(long, default_value_t = 512, value_parser = clap::value_parser!(u32).range(1..))]
    max_connections: u32,
    /// How long a client may take to send a request's headers.
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    header_timeout: Duration,
    /// How long a client may take to send a request's body.
    #[arg(long, default_value = "30s", value_parser = parse_duration)]
    body_timeout: Duration,
    /// Append every request or reply that departs from the real API's
    /// contract to FILE, one JSON line each (the test suite sets it).
    #[arg(long, value_name = "FILE")]
    contract_log: Option<PathBuf>,
    /// Answer as loosely as the real API may: `on`, or comma-separated
    /// seed=N, drop=P, unknown=P, stale=P, faults=P, lost=P, slow=P
    /// (see the README's "Contract variations").
    #[arg(long, env = "AIVEN_LOCAL_VARY", value_name = "SPEC")]
    vary: Option<conformance::Variations>,
}

fn parse_duration(text: &str) -> Result<Duration, String> {
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: u64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a duration like 30s, 15m or 1h"))?;
    let seconds = match unit {
        "ms" => return Ok(Duration::from_millis(number)),
        "" | "s" => number,
        "m" => number * 60,
        "h" => number * 3600,
        _ => {
            return Err(format!(
                "{text:?}: unknown unit {unit:?}; use ms, s, m or h"
            ));
        }
    };
    Ok(Duration::from_secs(seconds))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("AIVEN_LOCAL_LOG")
                .unwrap_or_else(|_| "aiven_local=info".into()),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let Command::Serve(args) = cli.command;
    // Read before root is dropped: a token file only root may read is the
    // safe way to keep one.
    let given = match given_token(args.token_file.as_deref(), args.token.clone()) {
        Ok(given) => given,
        Err(message) => {
            eprintln!("aiven-local: {message}");
            return ExitCode::from(1);
        }
    };
    if let Err(message) =
        privilege::become_engine_user(&args.pg_user, &args.data_dir, given.as_deref())
    {
        eprintln!("aiven-local: {message}");
        return ExitCode::from(1);
    }
    // Everything made from here on, by aiven-local and by the engines it
    // starts (they inherit the mask), is its own user's alone.
    rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o077));
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("aiven-local: cannot start the async runtime: {err}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(serve(args, given)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("aiven-local: {message}");
            ExitCode::from(1)
        }
    }
}

/// The shortest API token taken. There is no rate limit on wrong tokens
/// (a lockout would let any local process lock a pipeline out), so a
/// token must be too long to guess: 32 letters and digits are 62^32.
const MIN_TOKEN_CHARS: usize = 32;

/// Reads or creates the API token.
fn resolve_token(data_dir: &Path, given: Option<String>) -> Result<String, StartError> {
    use std::os::unix::fs::OpenOptionsExt;
    if let Some(token) = given.filter(|t| !t.trim().is_empty()) {
        let token = token.trim();
        let chars = token.chars().count();
        if chars < MIN_TOKEN_CHARS {
            return Err(StartError::Refused(format!(
                "the API token has {chars} characters; use at least {MIN_TOKEN_CHARS} (say, `head -c 32 /dev/urandom | base64`), or give none to have one generated"
            )));
        }
        return Ok(token.to_owned());
    }
    let path = data_dir.join("token");
    if let Ok(existing) = std::fs::read_to_string(&path) {
        return Ok(existing.trim().to_owned());
    }
    // From the kernel: a seeded generator's output could be replayed by a
    // local user who reads the start time from /proc.
    let token = format!("{}{}", random::random_token(), random::random_token());
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)
        .map_err(|err| StartError::io("store the token in", &path, err))?;
    std::io::Write::write_all(&mut file, token.as_bytes())
        .map_err(|err| StartError::io("store the token in", &path, err))?;
    println!(
        "Generated API token (stored in {}): {token}",
        path.display()
    );
    Ok(token)
}

/// The token from `--token-file` (its first line), else from `--token` or
/// the environment.
fn given_token(file: Option<&Path>, token: Option<String>) -> Result<Option<String>, StartError> {
    let Some(file) = file else {
        return Ok(token);
    };
    let text = std::fs::read_to_string(file)
        .map_err(|err| StartError::io("read --token-file", file, err))?;
    Ok(Some(text.lines().next().unwrap_or_default().to_owned()))
}

/// The engine of every type whose programs are installed; the others keep
/// the lifecycle only, and say why.
fn find_engines(args: &ServeArgs, data_dir: &Path) -> Engines {
    let mut engines = Engines::new(NoEngine {
        provision_delay: args.provision_delay,
    });
    let sockets = data_dir.join("run");
    engines.add(
        "pg",
        Postgres::find(&args.pg_bin, &args.pgbouncer_bin, &sockets),
    );
    engines.add("valkey", Valkey::find(&args.valkey_server));
    engines.add("thanos", Prometheus::find(&args.prometheus));
    engines.add("clickhouse", ClickHouse::find(&args.chdb_python, &sockets));
    engines.add(
        "opensearch",
        OpenSearch::find(&args.java, &args.opensearch_home, args.opensearch_heap_mb),
    );
    engines.add(
        "cassandra",
        Cassandra::find(
            &args.java,
            &args.cassandra_home,
            &sockets,
            args.cassandra_heap_mb,
        ),
    );
    engines.add(
        "mysql",
        MariaDb::find(&args.mariadb_server, &args.mariadb_tools, &sockets),
    );
    engines.keep_lifecycle_only(
        "grafana",
        "Grafana's server is AGPL-licensed, and aiven-local neither ships nor builds it, so no dashboards \
         or data sources are served or copied by a fork",
    );
    engines
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let mut terminate =
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    let terminated = async {
        match terminate.as_mut() {
            Some(signal) => {
                signal.recv().await;
            }
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminated => {}
    }
    tracing::info!("shutting down: stopping every cluster");
}

async fn serve(args: ServeArgs, given_token: Option<String>) -> Result<(), StartError> {
    if !args.listen.ip().is_loopback() && !args.allow_remote {
        return Err(StartError::Refused(format!(
            "refusing to listen on {} without --allow-remote",
            args.listen
        )));
    }
    let services_dir = args.data_dir.join("services");
    std::fs::create_dir_all(&services_dir)
        .map_err(|err| StartError::io("create data dir", services_dir, err))?;
    let data_dir = args
        .data_dir
        .canonicalize()
        .map_err(|err| StartError::io("resolve data dir", &args.data_dir, err))?;
    let token = resolve_token(&data_dir, given_token)?;
    let engines = find_engines(&args, &data_dir);
    let store_path = data_dir.join("catalog.sqlite3");
    let store = Store::open(&store_path).map_err(|err| {
        StartError::Refused(format!(
            "cannot open the store {}: {err}",
            store_path.display()
        ))
    })?;
    let services = Arc::new(Services::new(
        store,
        data_dir.clone(),
        engines,
        args.backup_interval,
        args.backup_retention as usize,
    ));
    services.reconcile().await;
    services.spawn_backup_schedule();
    services.spawn_archiver();

    let cannot_listen = |err: std::io::Error| {
        StartError::Refused(format!("cannot listen on {}: {err}", args.listen))
    };
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(cannot_listen)?;
    let local = listener.local_addr().map_err(cannot_listen)?;
    tracing::info!(address = %local, data_dir = %data_dir.display(), "aiven-local serving");
    println!("aiven-local listening on http://{local}");
    let variations = args.vary;
    if let Some(variations) = &variations {
        tracing::info!(?variations, "answering with contract variations");
    }
    let conformance = Arc::new(conformance::Conformance::new(
        args.contract_log,
        variations,
    )?);
    let guesses = Arc::new(wrong_guesses::WrongGuesses::default());
    let app = console::router(Arc::clone(&services), token.clone(), Arc::clone(&guesses))
        .merge(api::router(
            Arc::clone(&services),
            token,
            conformance,
            guesses,
        ))
        .layer(axum::middleware::from_fn_with_state(
            host_check::AllowedHosts::for_address(local),
            host_check::check_host,
        ));
    let limits = serve::Limits {
        max_connections: args.max_connections as usize,
        header_timeout: args.header_timeout,
        body_timeout: args.body_timeout,
        ..serve::Limits::default()
    };
    serve::serve(listener, app, limits, shutdown_signal()).await;
    services.stop_all().await;
    Ok(())
}
