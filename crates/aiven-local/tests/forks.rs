//! Forks restore real backups and replay real WAL: the newest backup and
//! nothing after it unless a time is named, as the hosted platform does;
//! exactly the transactions up to a time when one is.

mod support;

use std::time::Duration;

use serde_json::json;
use support::{Local, ids, psql, uri};

/// The backup a fork's create answer says its node restores from.
fn restoring_from(created: &serde_json::Value) -> String {
    let node = &created["service"]["node_states"][0];
    assert_eq!(node["state"], "syncing_data", "{created}");
    let phases = node["progress_updates"].as_array().expect("restore phases");
    phases
        .iter()
        .find_map(|p| p["position"]["backup_name"].as_str())
        .expect("a phase names the backup")
        .to_owned()
}

#[tokio::test]
async fn a_fork_that_names_no_point_holds_the_newest_backup_and_nothing_written_after_it() {
    let local = Local::start();
    let source = local.create_pg("source", json!({})).await;
    psql(
        &uri(&source),
        "CREATE TABLE t (id int); INSERT INTO t VALUES (1)",
    );
    let backup = local.back_up_now("source").await;
    psql(&uri(&source), "INSERT INTO t VALUES (2)");
    // A user made after the backup is in the source's data, not the backup's.
    let (status, user) = local
        .call(
            reqwest::Method::POST,
            "/v1/project/test/service/source/user",
            Some(json!({"username": "late"})),
        )
        .await;
    assert_eq!(status, 200, "{user}");
    let (status, created) = local
        .create(
            json!({"service_name": "copy", "service_type": "pg", "plan": "startup-4",
                       "user_config": {"service_to_fork_from": "source"}}),
        )
        .await;
    assert_eq!(status, 200, "{created}");
    assert_eq!(
        restoring_from(&created),
        backup,
        "the API reports the backup it restores"
    );
    let copy = local.wait_ready("copy").await;
    assert_eq!(ids(&uri(&copy)), "1", "row 2 came after the newest backup");
    let names = |service: &serde_json::Value| -> Vec<String> {
        let users = service["users"].as_array().unwrap();
        users
            .iter()
            .map(|u| u["username"].as_str().unwrap().to_owned())
            .collect()
    };
    assert!(
        !names(&copy).contains(&"late".to_owned()),
        "the API lists the users the fork's data has: {:?}",
        names(&copy)
    );
    let roles = "SELECT count(*) FROM pg_roles WHERE rolname = 'late'";
    assert_eq!(psql(&uri(&copy), roles), "0");
    assert_eq!(
        copy["node_states"][0]["state"], "running",
        "no restore progress once it runs"
    );
    assert!(copy["node_states"][0].get("progress_updates").is_none());

    let target = local.latest_transaction("source").await;
    let (status, created) = local
        .create(json!({"service_name": "now", "service_type": "pg", "plan": "startup-4",
                       "user_config": {"service_to_fork_from": "source", "recovery_target_time": target}}))
        .await;
    assert_eq!(status, 200, "{created}");
    let phases: Vec<&str> = created["service"]["node_states"][0]["progress_updates"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["phase"].as_str())
        .collect();
    assert_eq!(
        phases,
        ["basebackup", "stream"],
        "a backup, then WAL replay"
    );
    let now = local.wait_ready("now").await;
    assert_eq!(ids(&uri(&now)), "1,2", "the latest transaction");
    assert!(names(&now).contains(&"late".to_owned()));
    assert_eq!(psql(&uri(&now), roles), "1");
}

#[tokio::test]
async fn forks_hold_exactly_the_transactions_up_to_their_target_and_are_independent() {
    let local = Local::start();
    let source = local.create_pg("source", json!({})).await;
    let source_uri = uri(&source);
    psql(
        &source_uri,
        "CREATE TABLE t (id int); INSERT INTO t VALUES (1)",
    );
    let (status, user) = local
        .call(
            reqwest::Method::POST,
            "/v1/project/test/service/source/user",
            Some(json!({"username": "app"})),
        )
        .await;
    assert_eq!(status, 200, "{user}");
    let app_password = user["user"]["password"].as_str().unwrap().to_owned();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    // The CLI's format, in UTC, at whole seconds: after row 1, before row 2.
    let target = time::OffsetDateTime::now_utc()
        .format(time::macros::format_description!(
            "[year]-[month]-[day] [hour]:[minute]:[second]"
        ))
        .unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    psql(&source_uri, "INSERT INTO t VALUES (2)");

    let latest_target = local.latest_transaction("source").await;
    let latest = local
        .create_pg(
            "latest",
            json!({"service_to_fork_from": "source", "recovery_target_time": latest_target}),
        )
        .await;
    let point = local
        .create_pg(
            "point",
            json!({"service_to_fork_from": "source", "recovery_target_time": target}),
        )
        .await;
    assert_eq!(
        psql(
            &uri(&latest),
            "SELECT string_agg(id::text, ',' ORDER BY id) FROM t"
        ),
        "1,2",
        "latest transaction"
    );
    assert_eq!(
        psql(
            &uri(&point),
            "SELECT string_agg(id::text, ',' ORDER BY id) FROM t"
        ),
        "1",
        "point in time"
    );

    // Users come along with their passwords, as do databases.
    let app_uri = uri(&latest).replacen("avnadmin", "app", 1).replacen(
        source["service_uri_params"]["password"].as_str().unwrap(),
        &app_password,
        1,
    );
    assert_eq!(psql(&app_uri, "SELECT current_user"), "app");
    assert!(
        latest["users"]
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u["username"] == "app" && u["password"] == app_password.as_str())
    );
    assert_eq!(
        latest["user_config"],
        json!({
            "service_to_fork_from": "source",
            "recovery_target_time": latest_target,
            "ip_filter": ["0.0.0.0/0", "::/0"],
        }),
        "the fork records its own source and point, and its source's open filter"
    );

    // Independent: writes to a fork never reach the source, and vice versa.
    psql(&uri(&latest), "INSERT INTO t VALUES (99)");
    psql(&source_uri, "INSERT INTO t VALUES (3)");
    assert_eq!(
        psql(
            &source_uri,
            "SELECT string_agg(id::text, ',' ORDER BY id) FROM t"
        ),
        "1,2,3"
    );
    assert_eq!(
        psql(
            &uri(&latest),
            "SELECT string_agg(id::text, ',' ORDER BY id) FROM t"
        ),
        "1,2,99"
    );
    assert_ne!(
        latest["service_uri_params"]["port"],
        source["service_uri_params"]["port"]
    );

    // A fork of a fork works from the fork's own backups: its first,
    // taken once it ran, before row 99 was written.
    let grandchild = local
        .create_pg("grandchild", json!({"service_to_fork_from": "latest"}))
        .await;
    assert_eq!(ids(&uri(&grandchild)), "1,2");
    assert_eq!(
        grandchild["user_config"],
        json!({"service_to_fork_from": "latest", "ip_filter": ["0.0.0.0/0", "::/0"]}),
        "a source's fork keys are not inherited"
    );
}

#[tokio::test]
async fn the_backups_endpoint_reports_real_backups_and_the_recovery_window() {
    let local = Local::start();
    local.create_pg("db", json!({})).await;
    let (status, backups) = local
        .call(
            reqwest::Method::GET,
            "/v1/project/test/service/db/backups",
            None,
        )
        .await;
    assert_eq!(status, 200);
    let first = &backups["backups"][0];
    assert!(
        first["data_size"].as_i64().unwrap() > 1_000_000,
        "a real compressed base backup: {first}"
    );
    let window = &backups["pitr"]["primary_region"];
    assert_eq!(window["pitr_range_start"], first["backup_time"]);
    assert!(window["pitr_range_end"].as_str().unwrap() >= first["backup_time"].as_str().unwrap());
}

/// PostgreSQL archives the last partial WAL segment when it shuts down
/// cleanly with archiving on; powering off relies on that.
#[tokio::test]
async fn a_powered_off_source_forks_to_its_last_transaction() {
    let local = Local::start();
    let source = local.create_pg("sleepy", json!({})).await;
    psql(
        &uri(&source),
        "CREATE TABLE t (id int); INSERT INTO t VALUES (1)",
    );
    let (status, body) = local
        .call(
            reqwest::Method::PUT,
            "/v1/project/test/service/sleepy",
            Some(json!({"powered": false})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(local.service("sleepy").await["state"], "POWEROFF");
    let target = local.latest_transaction("sleepy").await;
    let fork = local
        .create_pg(
            "awake",
            json!({"service_to_fork_from": "sleepy", "recovery_target_time": target}),
        )
        .await;
    assert_eq!(
        psql(&uri(&fork), "SELECT count(*) FROM t"),
        "1",
        "the row written just before power-off"
    );
}

#[tokio::test]
async fn pg_settings_are_real_and_forks_keep_them() {
    let local = Local::start();
    // work_mem is a top-level key in the API and a setting in PostgreSQL.
    let settings = json!({"work_mem": 8, "pg": {
        "timezone": "Europe/Helsinki", "max_connections": 50, "jit": false,
        "autovacuum_vacuum_scale_factor": 0.05, "bgwriter_flush_after": 256,
        "max_locks_per_transaction": 128, "track_commit_timestamp": "on",
    }});
    let source = local.create_pg("tuned", settings).await;
    let show = |uri: &str, setting: &str| psql(uri, &format!("SHOW {setting}"));
    assert_eq!(show(&uri(&source), "work_mem"), "8MB");
    assert_eq!(show(&uri(&source), "timezone"), "Europe/Helsinki");
    assert_eq!(show(&uri(&source), "max_connections"), "50");
    assert_eq!(show(&uri(&source), "jit"), "off");
    assert_eq!(
        show(&uri(&source), "autovacuum_vacuum_scale_factor"),
        "0.05"
    );
    assert_eq!(
        show(&uri(&source), "bgwriter_flush_after"),
        "256kB",
        "kilobytes, as the API means"
    );
    assert_eq!(
        show(&uri(&source), "max_locks_per_transaction"),
        "128",
        "settings that need a restart get one"
    );
    assert_eq!(show(&uri(&source), "track_commit_timestamp"), "on");

    let fork = local
        .create_pg("tuned-copy", json!({"service_to_fork_from": "tuned"}))
        .await;
    assert_eq!(
        fork["user_config"]["work_mem"], 8,
        "configuration comes along"
    );
    assert_eq!(show(&uri(&fork), "work_mem"), "8MB");
    assert_eq!(show(&uri(&fork), "max_connections"), "50");

    // Recovery needs the source's connection count; the fork gets its own
    // smaller one once it stands alone.
    let smaller = local
        .create_pg(
            "tuned-smaller",
            json!({"service_to_fork_from": "tuned", "pg": {"max_connections": 30}}),
        )
        .await;
    assert_eq!(show(&uri(&smaller), "max_connections"), "30");
    assert_eq!(
        show(&uri(&smaller), "work_mem"),
        "8MB",
        "the source's other settings come along"
    );

    let (status, body) = local
        .call(
            reqwest::Method::PUT,
            "/v1/project/test/service/tuned",
            Some(json!({"user_config": {"work_mem": 16, "pg": {}}})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(show(&uri(&source), "work_mem"), "16MB");
    assert_eq!(
        show(&uri(&source), "max_connections"),
        "100",
        "unset settings return to their defaults"
    );
    assert_eq!(
        show(&uri(&source), "max_locks_per_transaction"),
        "64",
        "also those that need a restart"
    );
    assert_eq!(show(&uri(&fork), "max_locks_per_transaction"), "128");
    assert_ne!(show(&uri(&source), "timezone"), "Europe/Helsinki");
    assert_eq!(
        show(&uri(&fork), "work_mem"),
        "8MB",
        "the fork is independent"
    );
}

/// A fork restores from hard links to its source's backup and WAL, so
/// deleting the source (or its backup retention) mid-fork loses nothing.
/// The source's name is as long as names go: the server cuts its archive
/// command off at 1024 bytes, so long paths must not reach it.
#[tokio::test]
async fn a_fork_completes_when_its_source_is_deleted_mid_fork() {
    let local = Local::start();
    let doomed = format!("doomed{}", "-source".repeat(8));
    let source = local.create_pg(&doomed, json!({})).await;
    let source_uri = uri(&source);
    psql(
        &source_uri,
        "CREATE TABLE t (id int); INSERT INTO t VALUES (1), (2)",
    );
    // No WAL switch by hand: the primary user may not (as on the
    // platform), and a fork to a time makes its source archive everything
    // committed up to then.
    let target = local.latest_transaction(&doomed).await;
    let (status, body) = local
        .create(
            json!({"service_name": "survivor", "service_type": "pg", "plan": "startup-4",
                       "user_config": {"service_to_fork_from": doomed, "recovery_target_time": target}}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = local
        .call(
            reqwest::Method::DELETE,
            &format!("/v1/project/test/service/{doomed}"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");

    let fork = local.wait_ready("survivor").await;
    assert_eq!(psql(&uri(&fork), "SELECT count(*) FROM t"), "2");
    let (status, _) = local
        .call(
            reqwest::Method::GET,
            &format!("/v1/project/test/service/{doomed}"),
            None,
        )
        .await;
    assert_eq!(status, 404, "the source stays deleted");
}

#[tokio::test]
async fn a_fork_holds_the_latest_transaction_when_its_source_is_deleted_right_after_the_request() {
    let local = Local::start();
    let source = local.create_pg("fleeting", json!({})).await;
    // Written after the base backup and not yet archived: only a fork that
    // pins the source's WAL when it is asked for can hold these rows.
    psql(
        &uri(&source),
        "CREATE TABLE t (id int); INSERT INTO t VALUES (1), (2), (3)",
    );
    let target = local.latest_transaction("fleeting").await;
    let (status, body) = local
        .create(
            json!({"service_name": "keeper", "service_type": "pg", "plan": "startup-4",
                       "user_config": {"service_to_fork_from": "fleeting", "recovery_target_time": target}}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = local
        .call(
            reqwest::Method::DELETE,
            "/v1/project/test/service/fleeting",
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let fork = local.wait_ready("keeper").await;
    assert_eq!(psql(&uri(&fork), "SELECT count(*) FROM t"), "3");
}

#[tokio::test]
async fn a_fork_deleted_while_it_unpacks_is_gone_whole() {
    let local = Local::start();
    local.create_pg("busy", json!({})).await;
    for round in 0..5 {
        let (status, body) = local
            .create(
                json!({"service_name": "brief", "service_type": "pg", "plan": "startup-4",
                           "user_config": {"service_to_fork_from": "busy"}}),
            )
            .await;
        assert_eq!(status, 200, "round {round}: {body}");
        tokio::time::sleep(Duration::from_millis(round * 40)).await;
        let (status, body) = local
            .call(
                reqwest::Method::DELETE,
                "/v1/project/test/service/brief",
                None,
            )
            .await;
        assert_eq!(status, 200, "round {round}: {body}");
        assert!(
            !local.server.data_dir.join("services/test/brief").exists(),
            "round {round}: its data is gone"
        );
    }
}
