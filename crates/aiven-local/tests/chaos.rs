//! A crash loop, for each engine that keeps data: each round runs a
//! workflow (create a source, write rows, fork it, fork it again, delete a
//! fork and create it again) and `kill -9`s aiven-local at a random moment
//! of it, then starts it again on the same data directory and checks that
//! every service settles (RUNNING, or failed with its reason), that every
//! committed row is where it was promised, that the catalog and the disk
//! agree, and, after a clean stop, that no process is left behind. pg and
//! mysql fork to the latest transaction and to a point in time; valkey,
//! clickhouse, opensearch and cassandra, which restore backups only, fork their
//! newest backup, taken on demand.
//! CHAOS_ROUNDS (default 3 for pg, 2 for the others) and CHAOS_SEED set
//! the run; `bench/chaos.sh` runs 30 rounds of each and prints the figures.

mod support;

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use testkit::LocalServer;

const PROJECT: &str = "chaos";

/// What the workflow achieved before the crash: what later checks hold
/// the services to.
#[derive(Debug, Default, Clone)]
struct Progress {
    /// Rows committed in the source, in order.
    rows: Vec<i32>,
    /// The rows a fork must hold, from the moment its request was answered.
    promised: Vec<(String, Vec<i32>)>,
}

fn binary() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_aiven-local"))
}

fn call(server_url: &str, method: &str, path: &str, body: Option<Value>) -> Option<(u16, Value)> {
    let mut command = std::process::Command::new("curl");
    command.args([
        "-s",
        "--max-time",
        "60",
        "-w",
        "\n%{http_code}",
        "-X",
        method,
        "-H",
        &format!("Authorization: aivenv1 {}", testkit::TOKEN),
        "-H",
        &format!("{}: 1", testkit::EXACT_HEADER),
    ]);
    command.arg(format!("{server_url}{path}"));
    if let Some(body) = body {
        command.args(["-d", &body.to_string()]);
    }
    let output = command.output().ok()?;
    let text = String::from_utf8_lossy(&output.stdout);
    let (json, status) = text.rsplit_once('\n')?;
    let status: u16 = status.trim().parse().ok()?;
    (status != 0).then(|| (status, serde_json::from_str(json).unwrap_or_default()))
}

fn service(url: &str, name: &str) -> Option<Value> {
    let (status, body) = call(
        url,
        "GET",
        &format!("/v1/project/{PROJECT}/service/{name}?include_secrets=true"),
        None,
    )?;
    (status == 200).then(|| body["service"].clone())
}

fn failed(service: &Value) -> Option<String> {
    service["service_notifications"]
        .as_array()?
        .iter()
        .find(|n| n["type"] == "provisioning_failed")
        .map(|n| n["message"].to_string())
}

/// Waits until `name` runs with a backup (or has failed); `None` when the
/// server went away.
fn settle(url: &str, name: &str, deadline: Duration) -> Option<Value> {
    let started = Instant::now();
    loop {
        let found = service(url, name)?;
        let has_backup = found["backups"].as_array().is_some_and(|b| !b.is_empty());
        if (found["state"] == "RUNNING" && has_backup) || failed(&found).is_some() {
            return Some(found);
        }
        if started.elapsed() > deadline {
            return Some(found);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn uri(service: &Value) -> String {
    service["service_uri"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// How a round reaches one engine's data: rows are integers, in a table
/// `t` (pg, mysql) or a set `rows` (valkey).
struct Engine {
    service_type: &'static str,
    /// Makes the place rows go; whether it committed.
    prepare: fn(&str) -> Option<()>,
    /// Writes row `id`; `None` when it did not commit.
    write: fn(&str, i32) -> Option<()>,
    /// The rows, in order; `None` when the service cannot be read or has
    /// no table yet.
    read: fn(&str) -> Option<Vec<i32>>,
    /// Whether it forks to a point in time (else: its newest backup).
    point_in_time: bool,
}

fn parse_rows(text: &str) -> Vec<i32> {
    let mut rows: Vec<i32> = text.lines().filter_map(|l| l.trim().parse().ok()).collect();
    rows.sort_unstable();
    rows
}

fn psql_ok(uri: &str, statement: &str) -> Option<String> {
    let output = std::process::Command::new("psql")
        .args([
            uri,
            "-X",
            "-q",
            "-A",
            "-t",
            "-v",
            "ON_ERROR_STOP=1",
            "-c",
            statement,
        ])
        .output()
        .ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
}

fn mariadb_ok(uri: &str, statement: &str) -> Option<String> {
    (!uri.is_empty())
        .then(|| testkit::try_mariadb(uri, statement).ok())
        .flatten()
}

fn valkey_ok(uri: &str, args: &[&str]) -> Option<String> {
    let uri = testkit::redis_cli_uri(uri);
    let output = std::process::Command::new("redis-cli")
        .args(["--no-auth-warning", "--insecure", "-u", &uri])
        .args(args)
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    (output.status.success() && !text.starts_with("ERR") && !text.contains("NOAUTH"))
        .then_some(text)
}

const PG: Engine = Engine {
    service_type: "pg",
    prepare: |uri| psql_ok(uri, "CREATE TABLE IF NOT EXISTS t (id int)").map(drop),
    write: |uri, id| psql_ok(uri, &format!("INSERT INTO t VALUES ({id})")).map(drop),
    read: |uri| psql_ok(uri, "SELECT id FROM t ORDER BY id").map(|t| parse_rows(&t)),
    point_in_time: true,
};

const MYSQL: Engine = Engine {
    service_type: "mysql",
    prepare: |uri| mariadb_ok(uri, "CREATE TABLE IF NOT EXISTS t (id int)").map(drop),
    write: |uri, id| mariadb_ok(uri, &format!("INSERT INTO t VALUES ({id})")).map(drop),
    read: |uri| mariadb_ok(uri, "SELECT id FROM t ORDER BY id").map(|t| parse_rows(&t)),
    point_in_time: true,
};

const VALKEY: Engine = Engine {
    service_type: "valkey",
    prepare: |uri| valkey_ok(uri, &["PING"]).map(drop),
    write: |uri, id| valkey_ok(uri, &["SADD", "rows", &id.to_string()]).map(drop),
    read: |uri| valkey_ok(uri, &["SMEMBERS", "rows"]).map(|t| parse_rows(&t)),
    point_in_time: false,
};

fn clickhouse_ok(uri: &str, sql: &str) -> Option<String> {
    let script = format!(
        "for row in client.query({sql:?}).result_rows:\n    print('\\t'.join(str(v) for v in row))"
    );
    (!uri.is_empty())
        .then(|| testkit::clickhouse_connect(uri, None, &script).ok())
        .flatten()
}

const CLICKHOUSE: Engine = Engine {
    service_type: "clickhouse",
    prepare: |uri| {
        let table =
            "CREATE TABLE IF NOT EXISTS defaultdb.t (id Int32) ENGINE = MergeTree ORDER BY id";
        clickhouse_ok(uri, table).map(drop)
    },
    write: |uri, id| {
        clickhouse_ok(uri, &format!("INSERT INTO defaultdb.t VALUES ({id})")).map(drop)
    },
    read: |uri| {
        clickhouse_ok(uri, "SELECT id FROM defaultdb.t ORDER BY id").map(|t| parse_rows(&t))
    },
    point_in_time: false,
};

fn opensearch_ok(uri: &str, method: &str, path: &str, body: Option<Value>) -> Option<Value> {
    let (status, reply) = (!uri.is_empty())
        .then(|| testkit::opensearch_unverified(uri, method, path, body.as_ref()))?;
    (200..300).contains(&status).then_some(reply)
}

const OPENSEARCH: Engine = Engine {
    service_type: "opensearch",
    prepare: |uri| opensearch_ok(uri, "GET", "/", None).map(drop),
    write: |uri, id| {
        let path = format!("/t/_doc/{id}?refresh=true");
        opensearch_ok(uri, "PUT", &path, Some(json!({"id": id}))).map(drop)
    },
    read: |uri| {
        let query = json!({"size": 1000, "query": {"match_all": {}}});
        let reply = opensearch_ok(
            uri,
            "POST",
            "/t/_search?ignore_unavailable=true",
            Some(query),
        )?;
        let ids = reply["hits"]["hits"].as_array()?.iter();
        let mut rows: Vec<i32> = ids
            .filter_map(|hit| hit["_id"].as_str()?.parse().ok())
            .collect();
        rows.sort_unstable();
        Some(rows)
    },
    point_in_time: false,
};

fn cql_ok(uri: &str, script: &str) -> Option<String> {
    (!uri.is_empty())
        .then(|| testkit::cql(uri, None, script).ok())
        .flatten()
}

const CASSANDRA: Engine = Engine {
    service_type: "cassandra",
    prepare: |uri| {
        let script = "session.execute(\"CREATE KEYSPACE IF NOT EXISTS app WITH replication = \
                      {'class': 'SimpleStrategy', 'replication_factor': 1}\")\n\
                      session.execute('CREATE TABLE IF NOT EXISTS app.t (id int PRIMARY KEY)')";
        cql_ok(uri, script).map(drop)
    },
    write: |uri, id| {
        cql_ok(
            uri,
            &format!("session.execute('INSERT INTO app.t (id) VALUES ({id})')"),
        )
        .map(drop)
    },
    read: |uri| {
        let script = "for row in session.execute('SELECT id FROM app.t'):\n    print(row.id)";
        cql_ok(uri, script).map(|t| parse_rows(&t))
    },
    point_in_time: false,
};

/// Asks the server at `pid` for a backup of every service (SIGUSR1) and
/// waits until `name` has one more; `None` when none came.
fn back_up(url: &str, pid: u32, name: &str) -> Option<()> {
    let count = || service(url, name).map(|s| s["backups"].as_array().map_or(0, Vec::len));
    let before = count()?;
    let sent = std::process::Command::new("kill")
        .args(["-USR1", &pid.to_string()])
        .status()
        .ok()?;
    sent.success().then_some(())?;
    let started = Instant::now();
    while count()? <= before {
        if started.elapsed() > Duration::from_secs(60) {
            return None;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Some(())
}

/// The workflow; stops quietly at the first request that finds no server.
/// `pid` is the server's, for the backup a backup-only fork needs.
fn workflow(engine: &Engine, url: &str, pid: u32, progress: &Mutex<Progress>) -> Option<()> {
    let create = |name: &str, config: Value| {
        let body = json!({"service_name": name, "service_type": engine.service_type,
                          "plan": "startup-4", "user_config": config});
        call(
            url,
            "POST",
            &format!("/v1/project/{PROJECT}/service"),
            Some(body),
        )
        .filter(|(status, _)| *status == 200)
    };
    create("source", json!({}))?;
    let source = uri(&settle(url, "source", Duration::from_secs(60))?);
    (engine.prepare)(&source)?;
    let write = |id: i32| {
        (engine.write)(&source, id)?;
        progress.lock().ok()?.rows.push(id);
        Some(())
    };
    for id in 1..=3 {
        let _ = write(id);
    }
    let rows = || progress.lock().map(|p| p.rows.clone()).unwrap_or_default();
    let promise = |name: &str, rows: Vec<i32>| {
        if let Ok(mut progress) = progress.lock() {
            progress.promised.retain(|(n, _)| n != name);
            progress.promised.push((name.to_owned(), rows));
        }
    };
    // pg and mysql: the latest transaction, as the provider asks for it
    // (the window's end, now, as a point in time). valkey: the newest
    // backup, taken now, holding every row written so far.
    // As the provider resolves it: MySQL restores whole seconds, so its
    // latest transaction is the next one, asked for once it has passed.
    let latest = || {
        if !engine.point_in_time {
            return Some(json!({"service_to_fork_from": "source"}));
        }
        let service_type = aiven_api::catalog::service_type(engine.service_type)?;
        let now = time::OffsetDateTime::now_utc();
        let latest = aiven_api::fork_point::latest_transaction(service_type, None, now);
        let ahead = latest.not_before - time::OffsetDateTime::now_utc();
        if ahead.is_positive() {
            std::thread::sleep(ahead.unsigned_abs());
        }
        let target = aiven_api::timestamp::format(latest.target);
        Some(json!({"service_to_fork_from": "source", "recovery_target_time": target}))
    };
    if !engine.point_in_time {
        back_up(url, pid, "source")?;
    }
    let backed_up = rows();
    create("latest", latest()?)?;
    promise("latest", backed_up.clone());
    std::thread::sleep(Duration::from_millis(1100));
    let target = aiven_api::timestamp::format(time::OffsetDateTime::now_utc());
    let before_target = rows();
    std::thread::sleep(Duration::from_millis(1100));
    write(4)?;
    // The second fork: to the moment before row 4, or (valkey) the same
    // newest backup, which row 4 came after.
    let point = match engine.point_in_time {
        true => json!({"service_to_fork_from": "source", "recovery_target_time": target}),
        false => json!({"service_to_fork_from": "source"}),
    };
    create("point", point)?;
    promise(
        "point",
        if engine.point_in_time {
            before_target
        } else {
            backed_up.clone()
        },
    );
    settle(url, "latest", Duration::from_secs(60))?;
    call(
        url,
        "DELETE",
        &format!("/v1/project/{PROJECT}/service/latest"),
        None,
    )?;
    progress
        .lock()
        .ok()?
        .promised
        .retain(|(n, _)| n != "latest");
    let again = if engine.point_in_time {
        rows()
    } else {
        backed_up
    };
    create("latest", latest()?)?;
    promise("latest", again);
    Some(())
}

/// Processes (servers, PgBouncer) whose command line names `dir`.
fn servers_under(dir: &Path) -> Vec<String> {
    let needle = dir.to_string_lossy().into_owned();
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| std::fs::read(e.path().join("cmdline")).ok())
        .map(|raw| String::from_utf8_lossy(&raw).replace('\0', " "))
        .filter(|line| line.contains(&needle))
        .collect()
}

/// One round; the problems found, and how long recovery took.
fn round(engine: &'static Engine, seed: u64) -> (Vec<String>, Duration) {
    let mut rng = fastrand::Rng::with_seed(seed);
    let dir = testkit::temp_dir("chaos");
    let mut first = LocalServer::start_in(binary(), &dir, &["--backup-interval", "1h"]);
    let url = first.url.clone();
    let progress = Arc::new(Mutex::new(Progress::default()));
    let pid = first.pid().expect("the server runs");
    let worker = {
        let (url, progress) = (url.clone(), Arc::clone(&progress));
        std::thread::spawn(move || workflow(engine, &url, pid, &progress))
    };
    std::thread::sleep(Duration::from_millis(rng.u64(200..9000)));
    first.kill9();
    let _ = worker.join();
    let progress = progress.lock().map(|p| p.clone()).unwrap_or_default();

    let restarted_at = Instant::now();
    let mut second = LocalServer::start_in(binary(), &dir, &[]);
    let mut problems = Vec::new();
    let (_, listed) = call(
        &second.url,
        "GET",
        &format!("/v1/project/{PROJECT}/service"),
        None,
    )
    .unwrap_or_default();
    let names: Vec<String> = listed["services"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["service_name"].as_str().map(str::to_owned))
        .collect();
    let mut settled = Vec::new();
    for name in &names {
        match settle(&second.url, name, Duration::from_secs(90)) {
            Some(s) if failed(&s).is_some() => settled.push(s),
            Some(s) if s["state"] == "RUNNING" => {
                if s["backups"].as_array().is_none_or(Vec::is_empty) {
                    problems.push(format!("{name} runs without a backup to fork from"));
                }
                settled.push(s);
            }
            other => problems.push(format!("{name} did not settle: {other:?}")),
        }
    }
    let recovery = restarted_at.elapsed();
    for found in &settled {
        let name = found["service_name"].as_str().unwrap_or_default();
        if failed(found).is_some() || found["state"] != "RUNNING" {
            continue;
        }
        let rows = (engine.read)(&uri(found));
        let expected = match name {
            "source" => Some(progress.rows.clone()),
            _ => progress
                .promised
                .iter()
                .rev()
                .find(|(n, _)| n == name)
                .map(|(_, rows)| rows.clone()),
        };
        match (name, rows, expected) {
            // The table may not exist yet if the crash came first.
            ("source", None, Some(expected)) if expected.is_empty() => {}
            ("source", Some(rows), Some(expected)) if rows == expected => {}
            // A fork holds at least what was promised when it was asked for.
            // A fork holds at least what was promised when it was asked
            // for; exactly that for a point in time and a backup.
            (_, Some(rows), Some(expected))
                if name != "source" && expected.iter().all(|r| rows.contains(r)) =>
            {
                let exact = name == "point" || !engine.point_in_time;
                if exact && rows != expected {
                    problems.push(format!(
                        "{name} holds {rows:?}, expected exactly {expected:?}"
                    ));
                }
            }
            (_, None, Some(expected)) if expected.is_empty() => {}
            (_, _, None) => {}
            (name, rows, expected) => {
                problems.push(format!("{name} holds {rows:?}, expected {expected:?}"))
            }
        }
    }
    // The catalog and the disk agree.
    let on_disk: BTreeSet<String> = std::fs::read_dir(dir.join("services").join(PROJECT))
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    let in_catalog: BTreeSet<String> = names.iter().cloned().collect();
    if on_disk != in_catalog {
        problems.push(format!("disk {on_disk:?} but catalog {in_catalog:?}"));
    }
    second.stop();
    std::thread::sleep(Duration::from_millis(300));
    let left = servers_under(&dir);
    if !left.is_empty() {
        problems.push(format!("servers left running: {left:?}"));
    }
    drop(second);
    let _ = std::fs::remove_dir_all(&dir);
    (problems, recovery)
}

/// Runs CHAOS_ROUNDS rounds (default `rounds`) of `engine`'s workflow and
/// prints the figures.
fn crash_loop(engine: &'static Engine, rounds: u64) {
    let rounds: u64 = std::env::var("CHAOS_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(rounds);
    let seed: u64 = std::env::var("CHAOS_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    let mut failures = Vec::new();
    let mut recoveries = Vec::new();
    for n in 0..rounds {
        let (problems, recovery) = round(engine, seed.wrapping_mul(1000) + n);
        recoveries.push(recovery);
        for problem in problems {
            failures.push(format!("round {n}: {problem}"));
        }
    }
    recoveries.sort();
    let median = recoveries
        .get(recoveries.len() / 2)
        .copied()
        .unwrap_or_default();
    let worst = recoveries.last().copied().unwrap_or_default();
    println!(
        "chaos: {} {rounds} rounds (seed {seed}), {} failures; recovery median {:.1} s, worst {:.1} s",
        engine.service_type,
        failures.len(),
        median.as_secs_f64(),
        worst.as_secs_f64()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn kill_9_at_any_moment_of_a_fork_workflow_loses_nothing_and_orphans_nothing() {
    crash_loop(&PG, 3);
}

#[test]
fn kill_9_at_any_moment_of_a_mysql_fork_workflow_loses_nothing_and_orphans_nothing() {
    crash_loop(&MYSQL, 2);
}

#[test]
fn kill_9_at_any_moment_of_a_valkey_backup_and_fork_loses_nothing_and_orphans_nothing() {
    crash_loop(&VALKEY, 2);
}

#[test]
fn kill_9_at_any_moment_of_a_clickhouse_backup_and_fork_loses_nothing_and_orphans_nothing() {
    crash_loop(&CLICKHOUSE, 2);
}

#[test]
fn kill_9_at_any_moment_of_an_opensearch_backup_and_fork_loses_nothing_and_orphans_nothing() {
    crash_loop(&OPENSEARCH, 2);
}

#[test]
fn kill_9_at_any_moment_of_a_cassandra_backup_and_fork_loses_nothing_and_orphans_nothing() {
    crash_loop(&CASSANDRA, 2);
}
