//! A crash loop: each round runs a workflow (create a source, write rows,
//! fork to the latest transaction, fork to a point in time, delete a fork
//! and create it again) and `kill -9`s aiven-local at a random moment of
//! it, then starts it again on the same data directory and checks that
//! every service settles (RUNNING, or failed with its reason), that every
//! committed row is where it was promised, that the catalog and the disk
//! agree, and, after a clean stop, that no process is left behind.
//! CHAOS_ROUNDS (default 3) and CHAOS_SEED set the run; `bench/chaos.sh`
//! runs 30 rounds and prints the figures.

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

fn ids(uri: &str) -> Option<Vec<i32>> {
    let output = std::process::Command::new("psql")
        .args([uri, "-X", "-A", "-t", "-c", "SELECT id FROM t ORDER BY id"])
        .output()
        .ok()?;
    output.status.success().then(|| {
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .filter_map(|l| l.trim().parse().ok())
            .collect()
    })
}

/// Runs SQL; `None` when it did not commit (the cluster may be gone).
fn sql(uri: &str, statement: &str) -> Option<()> {
    std::process::Command::new("psql")
        .args([uri, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", statement])
        .output()
        .ok()?
        .status
        .success()
        .then_some(())
}

/// The workflow; stops quietly at the first request that finds no server.
fn workflow(url: &str, progress: &Mutex<Progress>) -> Option<()> {
    let create = |name: &str, config: Value| {
        call(
            url,
            "POST",
            &format!("/v1/project/{PROJECT}/service"),
            Some(json!({"service_name": name, "service_type": "pg", "plan": "startup-4", "user_config": config})),
        )
        .filter(|(status, _)| *status == 200)
    };
    create("source", json!({}))?;
    let source = settle(url, "source", Duration::from_secs(60))?;
    sql(&uri(&source), "CREATE TABLE IF NOT EXISTS t (id int)")?;
    for id in 1..=3 {
        if sql(&uri(&source), &format!("INSERT INTO t VALUES ({id})")).is_some() {
            progress.lock().ok()?.rows.push(id);
        }
    }
    let promise = |name: &str| {
        let rows = progress.lock().map(|p| p.rows.clone()).unwrap_or_default();
        if let Ok(mut progress) = progress.lock() {
            progress.promised.push((name.to_owned(), rows));
        }
    };
    // The latest transaction, as the provider asks for it: the window's
    // end (now), as a point in time.
    let latest = || {
        let now = aiven_api::timestamp::format(time::OffsetDateTime::now_utc());
        json!({"service_to_fork_from": "source", "recovery_target_time": now})
    };
    create("latest", latest())?;
    promise("latest");
    std::thread::sleep(Duration::from_millis(1100));
    let target = aiven_api::timestamp::format(time::OffsetDateTime::now_utc());
    let before_target = progress.lock().ok()?.rows.clone();
    std::thread::sleep(Duration::from_millis(1100));
    sql(&uri(&source), "INSERT INTO t VALUES (4)")?;
    progress.lock().ok()?.rows.push(4);
    create(
        "point",
        json!({"service_to_fork_from": "source", "recovery_target_time": target}),
    )?;
    progress
        .lock()
        .ok()?
        .promised
        .push(("point".into(), before_target));
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
    create("latest", latest())?;
    promise("latest");
    Some(())
}

/// Postgres servers whose data lies under `dir`.
fn servers_under(dir: &Path) -> Vec<String> {
    let needle = dir.to_string_lossy().into_owned();
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| std::fs::read(e.path().join("cmdline")).ok())
        .map(|raw| String::from_utf8_lossy(&raw).replace('\0', " "))
        .filter(|line| line.contains("postgres") && line.contains(&needle))
        .collect()
}

/// One round; the problems found, and how long recovery took.
fn round(seed: u64) -> (Vec<String>, Duration) {
    let mut rng = fastrand::Rng::with_seed(seed);
    let dir = testkit::temp_dir("chaos");
    let mut first = LocalServer::start_in(binary(), &dir, &["--backup-interval", "1h"]);
    let url = first.url.clone();
    let progress = Arc::new(Mutex::new(Progress::default()));
    let worker = {
        let (url, progress) = (url.clone(), Arc::clone(&progress));
        std::thread::spawn(move || workflow(&url, &progress))
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
        let rows = ids(&uri(found));
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
            (_, Some(rows), Some(expected))
                if name != "source" && expected.iter().all(|r| rows.contains(r)) =>
            {
                if name == "point" && rows != expected {
                    problems.push(format!(
                        "point holds {rows:?}, expected exactly {expected:?}"
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

#[test]
fn kill_9_at_any_moment_of_a_fork_workflow_loses_nothing_and_orphans_nothing() {
    let rounds: u64 = std::env::var("CHAOS_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let seed: u64 = std::env::var("CHAOS_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    let mut failures = Vec::new();
    let mut recoveries = Vec::new();
    for n in 0..rounds {
        let (problems, recovery) = round(seed.wrapping_mul(1000) + n);
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
        "chaos: {rounds} rounds (seed {seed}), {} failures; recovery median {:.1} s, worst {:.1} s",
        failures.len(),
        median.as_secs_f64(),
        worst.as_secs_f64()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
