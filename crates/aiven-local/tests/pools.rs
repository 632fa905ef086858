//! pg connection pools are served by a real PgBouncer on the port the API
//! reports, each in its own mode, and forks serve the pools they copy.

mod support;

use std::process::Command;

use serde_json::{Value, json};
use support::{Local, psql};

/// psql through `uri`, one query per `-c` in one session; `Err` with
/// psql's message when it fails.
fn psql_steps(uri: &str, steps: &[&str]) -> Result<String, String> {
    let mut command = Command::new("psql");
    command.args([uri, "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1"]);
    for step in steps {
        command.args(["-c", step]);
    }
    let output = command
        .env("PGCONNECT_TIMEOUT", "5")
        .output()
        .expect("run psql");
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).into_owned())
    }
}

fn try_psql(uri: &str, sql: &str) -> Result<String, String> {
    psql_steps(uri, &[sql])
}

fn pool_uri(service: &Value, pool: &str) -> String {
    let pools = service["connection_pools"].as_array().expect("pools");
    let found = pools.iter().find(|p| p["pool_name"] == pool);
    let found = found.unwrap_or_else(|| panic!("no pool {pool}: {pools:?}"));
    found["connection_uri"].as_str().unwrap().to_owned()
}

async fn post(local: &Local, path: &str, body: Value) {
    let (status, reply) = local.call(reqwest::Method::POST, path, Some(body)).await;
    assert_eq!(status, 200, "{path}: {reply}");
}

#[tokio::test]
async fn pools_are_served_by_pgbouncer_in_their_mode_and_forks_serve_the_copies() {
    let local = Local::start();
    let source = local.create_pg("pooled", json!({})).await;
    let base = "/v1/project/test/service/pooled";
    post(&local, &format!("{base}/db"), json!({"database": "shop"})).await;
    post(
        &local,
        &format!("{base}/user"),
        json!({"username": "clerk"}),
    )
    .await;
    psql(
        &support::uri(&source),
        "SELECT 1", // the cluster itself answers before any pool exists
    );
    let shop_uri = support::uri(&source).replace("/defaultdb", "/shop");
    psql(
        &shop_uri,
        "CREATE TABLE orders (id int); INSERT INTO orders VALUES (1), (2); GRANT SELECT ON orders TO clerk",
    );
    let pool = |name: &str, mode: &str, user: Option<&str>| {
        let mut body =
            json!({"pool_name": name, "database": "shop", "pool_mode": mode, "pool_size": 3});
        if let Some(user) = user {
            body["username"] = json!(user);
        }
        body
    };
    post(
        &local,
        &format!("{base}/connection_pool"),
        pool("tx", "transaction", Some("clerk")),
    )
    .await;
    post(
        &local,
        &format!("{base}/connection_pool"),
        pool("one", "statement", None),
    )
    .await;
    let service = local.service("pooled").await;
    let tx = pool_uri(&service, "tx");
    let server_port = service["service_uri_params"]["port"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        !tx.contains(&format!(":{server_port}/")),
        "a pool's URI reaches PgBouncer, not the cluster: {tx}"
    );
    assert_eq!(try_psql(&tx, "SELECT count(*) FROM orders").unwrap(), "2");
    assert_eq!(try_psql(&tx, "SELECT current_user").unwrap(), "clerk");
    let one = pool_uri(&service, "one");
    assert_eq!(try_psql(&one, "SELECT max(id) FROM orders").unwrap(), "2");
    let transaction = ["BEGIN", "SELECT 1", "SELECT 2", "COMMIT"];
    let refused = psql_steps(&one, &transaction).unwrap_err();
    assert!(
        refused.contains("statement pooling"),
        "statement mode holds: {refused}"
    );
    assert!(
        psql_steps(&tx, &transaction).is_ok(),
        "transaction mode takes transactions"
    );

    // A fork serves the pools it copied, against its own data.
    psql(&shop_uri, "INSERT INTO orders VALUES (3)");
    let now = local.latest_transaction("pooled").await;
    let fork = local
        .create_pg(
            "pooled-fork",
            json!({"service_to_fork_from": "pooled", "recovery_target_time": now}),
        )
        .await;
    let fork_tx = pool_uri(&fork, "tx");
    assert_ne!(fork_tx, tx);
    assert_eq!(
        try_psql(&fork_tx, "SELECT count(*) FROM orders").unwrap(),
        "3"
    );
    let fork_shop = support::uri(&fork).replace("/defaultdb", "/shop");
    psql(&fork_shop, "INSERT INTO orders VALUES (4)");
    assert_eq!(try_psql(&tx, "SELECT count(*) FROM orders").unwrap(), "3");
    assert_eq!(
        try_psql(&fork_tx, "SELECT count(*) FROM orders").unwrap(),
        "4"
    );

    // A deleted pool is no longer served; the others still are.
    let (status, body) = local
        .call(
            reqwest::Method::DELETE,
            &format!("{base}/connection_pool/one"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(try_psql(&one, "SELECT 1").is_err(), "pool one is gone");
    assert_eq!(try_psql(&tx, "SELECT 1").unwrap(), "1");
}

#[tokio::test]
async fn pools_are_served_again_after_a_restart_and_a_kill() {
    let mut local = Local::start();
    local.create_pg("steady", json!({})).await;
    let base = "/v1/project/test/service/steady";
    post(
        &local,
        &format!("{base}/connection_pool"),
        json!({"pool_name": "main", "database": "defaultdb", "pool_mode": "session", "pool_size": 2}),
    )
    .await;
    let uri = pool_uri(&local.service("steady").await, "main");
    assert_eq!(try_psql(&uri, "SELECT 1").unwrap(), "1");
    local = local.restart();
    local.wait_ready("steady").await;
    assert_eq!(try_psql(&uri, "SELECT 1").unwrap(), "1", "after a restart");
    local = local.kill9_and_restart();
    local.wait_ready("steady").await;
    assert_eq!(try_psql(&uri, "SELECT 1").unwrap(), "1", "after kill -9");
    // A password change reaches PgBouncer too.
    let (status, body) = local
        .call(
            reqwest::Method::PUT,
            &format!("{base}/user/avnadmin"),
            Some(json!({"operation": "reset-credentials", "new_password": "Another-pass-123"})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let rotated = pool_uri(&local.service("steady").await, "main");
    assert!(rotated.contains("Another-pass-123"));
    assert_eq!(try_psql(&rotated, "SELECT 1").unwrap(), "1");
    assert!(
        try_psql(&uri, "SELECT 1").is_err(),
        "the old password is refused"
    );
}

/// The pid file of the one PgBouncer under `data_dir`.
fn pgbouncer_pid_file(data_dir: &std::path::Path) -> std::path::PathBuf {
    let listing = Command::new("find")
        .arg(data_dir)
        .args(["-name", "pgbouncer.pid"])
        .output()
        .expect("run find");
    let found = String::from_utf8_lossy(&listing.stdout);
    let path = found.lines().next().expect("a PgBouncer runs");
    std::path::PathBuf::from(path)
}

#[tokio::test]
async fn a_pg_service_holds_its_pool_port_from_the_start_and_a_held_one_is_refused() {
    let local = Local::start();
    let service = local.create_pg("squatted-pool", json!({})).await;
    let uri = service["service_uri"].as_str().unwrap();
    let port: u16 = uri
        .rsplit_once(':')
        .and_then(|(_, tail)| tail.split('/').next())
        .and_then(|p| p.parse().ok())
        .expect("the service's port");
    assert!(
        std::net::TcpListener::bind(("127.0.0.1", port + 1)).is_err(),
        "the pools' port is PgBouncer's before any pool exists"
    );

    // Were PgBouncer gone (a reboot) and the port taken meanwhile, a pool
    // is refused rather than handed to the squatter, and nothing stored.
    let pid_file = pgbouncer_pid_file(&local.server.data_dir);
    let pid = std::fs::read_to_string(&pid_file).unwrap();
    let killed = Command::new("kill").arg(pid.trim()).status().unwrap();
    assert!(killed.success());
    let started = std::time::Instant::now();
    let squatter = loop {
        match std::net::TcpListener::bind(("127.0.0.1", port + 1)) {
            Ok(listener) => break listener,
            Err(_) if started.elapsed() < std::time::Duration::from_secs(10) => {
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            Err(err) => panic!("PgBouncer never let go of its port: {err}"),
        }
    };
    let pools = format!(
        "/v1/project/{}/service/squatted-pool/connection_pool",
        support::PROJECT
    );
    let pool = json!({"pool_name": "app", "database": "defaultdb", "pool_mode": "transaction", "pool_size": 5});
    let (status, body) = local
        .call(reqwest::Method::POST, &pools, Some(pool.clone()))
        .await;
    assert_eq!(status, 409, "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("held by another process"),
        "{body}"
    );
    let listed = local.service("squatted-pool").await;
    assert!(
        listed["connection_pools"]
            .as_array()
            .is_none_or(Vec::is_empty),
        "nothing stored: {listed}"
    );
    drop(squatter);
    let (status, body) = local.call(reqwest::Method::POST, &pools, Some(pool)).await;
    assert_eq!(status, 200, "once the port is free: {body}");
    let served = pool_uri(&local.service("squatted-pool").await, "app");
    assert_eq!(try_psql(&served, "SELECT 1").unwrap(), "1");
}
