//! mysql services run a real MariaDB: forks restore a `mariadb-backup`
//! backup, alone or with the archived binary log replayed to the latest
//! transaction or a point in time, checked row by row with the `mariadb`
//! client.

mod support;

use std::process::Command;

use serde_json::{Value, json};
use support::Local;
use testkit::{MysqlUri, mariadb, try_mariadb};

fn service_uri(service: &Value) -> String {
    service["service_uri"]
        .as_str()
        .expect("service_uri")
        .to_owned()
}

async fn create_mysql(local: &Local, name: &str, user_config: Value) -> Value {
    let (status, body) = local
        .create(json!({"service_name": name, "service_type": "mysql", "plan": "startup-4", "user_config": user_config}))
        .await;
    assert_eq!(status, 200, "{body}");
    local.wait_ready(name).await
}

/// An instant between two writes, in the CLI's format.
async fn a_moment_between_writes() -> String {
    let moment = tokio::task::spawn_blocking(testkit::moment_between_writes)
        .await
        .unwrap();
    moment
        .format(time::macros::format_description!(
            "[year]-[month]-[day] [hour]:[minute]:[second]"
        ))
        .unwrap()
}

#[tokio::test]
async fn mysql_forks_hold_exactly_the_rows_up_to_their_target_and_are_independent() {
    let local = Local::start();
    let source = create_mysql(&local, "orders", json!({})).await;
    let uri = service_uri(&source);
    mariadb(
        &uri,
        "CREATE TABLE t (id INT PRIMARY KEY, note VARCHAR(20)); INSERT INTO t VALUES (1, 'first')",
    );
    let target = a_moment_between_writes().await;
    mariadb(
        &uri,
        "INSERT INTO t VALUES (2, 'second'); UPDATE t SET note = 'changed' WHERE id = 1",
    );

    let now = local.latest_transaction("orders").await;
    let latest = create_mysql(
        &local,
        "orders-now",
        json!({"service_to_fork_from": "orders", "recovery_target_time": now}),
    )
    .await;
    let latest_uri = service_uri(&latest);
    assert_ne!(
        MysqlUri::parse(&latest_uri).port,
        MysqlUri::parse(&uri).port
    );
    assert_eq!(
        mariadb(&latest_uri, "SELECT id, note FROM t ORDER BY id"),
        "1\tchanged\n2\tsecond"
    );
    let then = create_mysql(
        &local,
        "orders-then",
        json!({"service_to_fork_from": "orders", "recovery_target_time": target}),
    )
    .await;
    assert_eq!(
        mariadb(&service_uri(&then), "SELECT id, note FROM t ORDER BY id"),
        "1\tfirst"
    );

    mariadb(&latest_uri, "INSERT INTO t VALUES (3, 'fork only')");
    assert_eq!(
        mariadb(&uri, "SELECT count(*) FROM t"),
        "2",
        "the source never sees the fork's writes"
    );
    mariadb(&uri, "INSERT INTO t VALUES (4, 'source only')");
    assert_eq!(
        mariadb(&latest_uri, "SELECT group_concat(id ORDER BY id) FROM t"),
        "1,2,3"
    );

    let (status, body) = local
        .call(
            reqwest::Method::GET,
            "/v1/project/test/service/orders/backups",
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["pitr"]["primary_region"]["pitr_range_start"], body["backups"][0]["backup_time"],
        "the window opens at the oldest backup: {body}"
    );
}

#[tokio::test]
async fn a_mysql_fork_that_names_no_point_holds_the_newest_backup_and_nothing_after_it() {
    let local = Local::start();
    let source = create_mysql(&local, "ledger", json!({})).await;
    let uri = service_uri(&source);
    mariadb(
        &uri,
        "CREATE TABLE t (id INT PRIMARY KEY); INSERT INTO t VALUES (1)",
    );
    local.back_up_now("ledger").await;
    mariadb(&uri, "INSERT INTO t VALUES (2)");
    let copy = create_mysql(
        &local,
        "ledger-copy",
        json!({"service_to_fork_from": "ledger"}),
    )
    .await;
    let ids = "SELECT group_concat(id ORDER BY id) FROM t";
    assert_eq!(
        mariadb(&service_uri(&copy), ids),
        "1",
        "row 2 came after the newest backup"
    );
    let now = local.latest_transaction("ledger").await;
    let latest = create_mysql(
        &local,
        "ledger-now",
        json!({"service_to_fork_from": "ledger", "recovery_target_time": now}),
    )
    .await;
    assert_eq!(mariadb(&service_uri(&latest), ids), "1,2");
}

#[tokio::test]
async fn mysql_users_databases_and_settings_are_real() {
    let local = Local::start();
    let service = create_mysql(
        &local,
        "accounts",
        json!({"mysql_version": "8", "mysql": {"max_connections": 77, "sql_mode": "ANSI_QUOTES,STRICT_ALL_TABLES"}}),
    )
    .await;
    let uri = service_uri(&service);
    assert_eq!(mariadb(&uri, "SELECT @@global.max_connections"), "77");
    assert_eq!(
        mariadb(&uri, "SELECT @@global.sql_mode"),
        "ANSI_QUOTES,STRICT_ALL_TABLES"
    );
    let notices = service["service_notifications"].to_string();
    assert!(
        notices.contains("mysql_version_not_run") && notices.contains("MariaDB"),
        "{notices}"
    );

    let base = "/v1/project/test/service/accounts";
    let (status, body) = local
        .call(
            reqwest::Method::POST,
            &format!("{base}/db"),
            Some(json!({"database": "ledger"})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = local
        .call(
            reqwest::Method::POST,
            &format!("{base}/user"),
            Some(json!({"username": "clerk"})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let password = body["user"]["password"].as_str().unwrap();
    let parts = MysqlUri::parse(&uri);
    let clerk = format!(
        "mysql://clerk:{password}@{}:{}/ledger",
        parts.host, parts.port
    );
    assert_eq!(mariadb(&clerk, "SELECT database()"), "ledger");
    let (status, body) = local
        .call(
            reqwest::Method::PUT,
            &format!("{base}/user/clerk"),
            Some(json!({"operation": "reset-credentials", "new_password": "Rotated-pass-1"})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(
        try_mariadb(&clerk, "SELECT 1").is_err(),
        "the old password is refused"
    );
    let rotated = format!(
        "mysql://clerk:Rotated-pass-1@{}:{}/ledger",
        parts.host, parts.port
    );
    assert_eq!(mariadb(&rotated, "SELECT 1"), "1");
    let (status, body) = local
        .call(reqwest::Method::DELETE, &format!("{base}/db/ledger"), None)
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(!mariadb(&uri, "SHOW DATABASES").contains("ledger"));
    let root = Command::new("mariadb")
        .args([
            "-h",
            &parts.host,
            "-P",
            &parts.port,
            "-u",
            "root",
            "-e",
            "SELECT 1",
        ])
        .output()
        .unwrap();
    assert!(!root.status.success(), "no passwordless root");
}

#[tokio::test]
async fn mysql_data_survives_a_restart_and_a_kill_9_in_the_middle_of_a_fork() {
    let local = Local::start();
    let source = create_mysql(&local, "steady", json!({})).await;
    let uri = service_uri(&source);
    mariadb(
        &uri,
        "CREATE TABLE t (id INT PRIMARY KEY); INSERT INTO t VALUES (1), (2)",
    );
    let now = local.latest_transaction("steady").await;
    let (status, body) = local
        .create(
            json!({"service_name": "steady-fork", "service_type": "mysql", "plan": "startup-4",
                       "user_config": {"service_to_fork_from": "steady", "recovery_target_time": now}}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let local = local.kill9_and_restart();
    let fork = local.wait_ready("steady-fork").await;
    assert_eq!(
        mariadb(
            &service_uri(&fork),
            "SELECT group_concat(id ORDER BY id) FROM t"
        ),
        "1,2"
    );
    mariadb(&uri, "INSERT INTO t VALUES (3)");
    let now = local.latest_transaction("steady").await;
    let (status, body) = local
        .create(
            json!({"service_name": "steady-fork2", "service_type": "mysql", "plan": "startup-4",
                       "user_config": {"service_to_fork_from": "steady", "recovery_target_time": now}}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let local = local.restart();
    let fork = local.wait_ready("steady-fork2").await;
    let ids = "SELECT group_concat(id ORDER BY id) FROM t";
    assert_eq!(
        mariadb(&service_uri(&fork), ids),
        "1,2,3",
        "a fork a restart interrupted"
    );
    local.wait_ready("steady").await;
    assert_eq!(mariadb(&uri, ids), "1,2,3", "after a restart");
}

#[tokio::test]
async fn a_mysql_primary_user_reaches_no_file_outside_its_service() {
    let local = Local::start();
    let service = create_mysql(&local, "walled", json!({})).await;
    let uri = service_uri(&service);
    let catalog = local.server.data_dir.join("catalog.sqlite3");
    let read = mariadb(
        &uri,
        &format!("SELECT LOAD_FILE('{}') IS NULL", catalog.display()),
    );
    assert_eq!(read, "1", "the catalog (every password) is not readable");
    let outside = std::env::temp_dir().join(format!("walled-{}", std::process::id()));
    let written = try_mariadb(
        &uri,
        &format!("SELECT 'x' INTO OUTFILE '{}'", outside.display()),
    );
    assert!(written.is_err(), "wrote {}", outside.display());
    assert!(!outside.exists());
    let logged = try_mariadb(
        &uri,
        &format!("SET GLOBAL general_log_file = '{}'", outside.display()),
    );
    assert!(logged.is_err(), "moved the server's log: {logged:?}");
    let grants = mariadb(&uri, "SHOW GRANTS");
    assert!(!grants.contains("ALL PRIVILEGES ON *.*"), "{grants}");
}
