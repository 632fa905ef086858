//! Read replicas for real: a pg service created with a `read_replica`
//! integration is a hot standby of its source (built from the source's
//! newest backup, then streaming), reads what the source writes after it
//! was made, refuses writes, survives a restart of aiven-local, and once
//! its integration is deleted takes writes of its own that never reach
//! the source. A valkey replica does the same by Redis replication, over
//! TLS, and a mysql one by binary log replication; checked with psql,
//! redis-cli and the mariadb client.

mod support;

use std::time::Duration;

use reqwest::Method;
use serde_json::json;
use support::{Local, assert_answer, ids, uri};

/// psql's outcome without asserting success: (ok, stdout or stderr).
fn try_psql(uri: &str, sql: &str) -> (bool, String) {
    let output = std::process::Command::new("psql")
        .args([uri, "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql])
        .output()
        .expect("run psql");
    let text = if output.status.success() {
        String::from_utf8_lossy(&output.stdout)
    } else {
        String::from_utf8_lossy(&output.stderr)
    };
    (output.status.success(), text.trim().to_owned())
}

/// Polls `read` until it gives `expected`, for 20 seconds at most.
async fn until(what: &str, expected: &str, read: impl Fn() -> String) {
    let mut last = String::new();
    for _ in 0..200 {
        last = read();
        if last == expected {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{what} never read {expected}: it reads {last:?}");
}

/// The ids in table t of a pg service.
async fn until_ids(uri: &str, expected: &str) {
    until(uri, expected, || ids(uri)).await;
}

/// Creates `name`, a `kind` read replica of `source`, and waits until it
/// runs.
async fn create_replica(local: &Local, kind: &str, name: &str, source: &str) -> serde_json::Value {
    let (status, created) = local
        .create(json!({
            "service_name": name, "service_type": kind, "plan": "startup-4",
            "service_integrations": [{"integration_type": "read_replica", "source_service": source}],
        }))
        .await;
    assert_eq!(status, 200, "{created}");
    local.wait_ready(name).await
}

/// Polls the replica's integration until its node reports `field` as 0:
/// caught up with its source. The value is a number all along.
async fn until_caught_up(local: &Local, replica: &serde_json::Value, field: &str) {
    let id = replica["service_integrations"][0]["service_integration_id"]
        .as_str()
        .expect("the replica lists its integration");
    let node = format!("{}-1", replica["service_name"].as_str().unwrap());
    let path = format!("/v1/project/test/integration/{id}");
    let mut last = serde_json::Value::Null;
    for _ in 0..200 {
        let (status, body) = local.call(Method::GET, &path, None).await;
        assert_eq!(status, 200, "{body}");
        last = body["service_integration"]["integration_status"].clone();
        let lag = &last["state"]["nodes"][&node][field];
        assert!(lag.is_number(), "{field} of {node}: {last}");
        if lag.as_f64() == Some(0.0) {
            assert!(
                last["status_user_desc"]
                    .as_str()
                    .unwrap()
                    .contains("behind"),
                "{last}"
            );
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{node} never caught up: {last}");
}

/// Deletes a replica's integration, which promotes it.
async fn promote(local: &Local, replica: &serde_json::Value) {
    let id = replica["service_integrations"][0]["service_integration_id"]
        .as_str()
        .expect("the replica lists its integration");
    let path = format!("/v1/project/test/integration/{id}");
    let (status, body) = local.call(Method::DELETE, &path, None).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn a_pg_read_replica_follows_its_source_refuses_writes_and_stands_alone_once_promoted() {
    let local = Local::start();
    let source = local.create_pg("primary", json!({})).await;
    support::psql(
        &uri(&source),
        "CREATE TABLE t (id int); INSERT INTO t VALUES (1)",
    );
    let replica = create_replica(&local, "pg", "replica", "primary").await;
    let listed = &replica["service_integrations"][0];
    assert_eq!(listed["integration_type"], "read_replica", "{replica}");
    assert_eq!(listed["source_service"], "primary");
    assert_eq!(listed["dest_service"], "replica");
    let id = listed["service_integration_id"]
        .as_str()
        .unwrap()
        .to_owned();

    // Written after the replica was made: it follows.
    support::psql(&uri(&source), "INSERT INTO t VALUES (2)");
    until_ids(&uri(&replica), "1,2").await;
    until_caught_up(&local, &replica, "replication_lag_bytes").await;
    let (wrote, said) = try_psql(&uri(&replica), "INSERT INTO t VALUES (9)");
    assert!(!wrote && said.contains("read-only"), "{said}");

    // Its users are its source's: changed there, refused here.
    let answer = local
        .call(
            Method::POST,
            "/v1/project/test/service/replica/user",
            Some(json!({"username": "late"})),
        )
        .await;
    assert_answer(answer, 409, "is a read replica of primary");

    // The source lists it too; the integration reads alone.
    let (status, of_source) = local
        .call(
            Method::GET,
            "/v1/project/test/service/primary/integration",
            None,
        )
        .await;
    assert_eq!(status, 200, "{of_source}");
    assert_eq!(
        of_source["service_integrations"][0]["service_integration_id"],
        id
    );
    let path = format!("/v1/project/test/integration/{id}");
    let (status, one) = local.call(Method::GET, &path, None).await;
    assert_eq!(status, 200, "{one}");
    assert_eq!(one["service_integration"]["active"], true);

    // Across a restart of aiven-local it still follows.
    let local = local.kill9_and_restart();
    let replica = local.wait_ready("replica").await;
    let source = local.wait_ready("primary").await;
    support::psql(&uri(&source), "INSERT INTO t VALUES (3)");
    until_ids(&uri(&replica), "1,2,3").await;

    // Deleting the integration promotes the replica.
    let (status, body) = local.call(Method::DELETE, &path, None).await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = local.call(Method::GET, &path, None).await;
    assert_eq!(status, 404, "the integration is gone");
    support::psql(&uri(&replica), "INSERT INTO t VALUES (4)");
    support::psql(&uri(&source), "INSERT INTO t VALUES (5)");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        ids(&uri(&replica)),
        "1,2,3,4",
        "the source's row 5 does not reach it"
    );
    assert_eq!(
        ids(&uri(&source)),
        "1,2,3,5",
        "the replica's row 4 stays there"
    );
    let promoted = local.service("replica").await;
    assert!(
        promoted["service_integrations"]
            .as_array()
            .unwrap()
            .is_empty(),
        "{promoted}"
    );
}

/// Waits until `key` reads `expected` at a valkey `uri`.
async fn until_key(uri: &str, key: &str, expected: &str) {
    until(key, expected, || testkit::redis_cli(uri, &["GET", key])).await;
}

#[tokio::test]
async fn a_valkey_read_replica_follows_over_tls_refuses_writes_and_stands_alone_once_promoted() {
    let local = Local::start();
    let (status, created) = local
        .create(json!({"service_name": "cache", "service_type": "valkey", "plan": "startup-4"}))
        .await;
    assert_eq!(status, 200, "{created}");
    let source = local.wait_ready("cache").await;
    let source_uri = source["service_uri"].as_str().unwrap().to_owned();
    assert!(
        source_uri.starts_with("valkeys://"),
        "TLS only: {source_uri}"
    );
    testkit::redis_cli(&source_uri, &["SET", "before", "1"]);
    let replica = create_replica(&local, "valkey", "cache-replica", "cache").await;
    let replica_uri = replica["service_uri"].as_str().unwrap().to_owned();
    until_key(&replica_uri, "before", "1").await;
    testkit::redis_cli(&source_uri, &["SET", "after", "2"]);
    until_key(&replica_uri, "after", "2").await;
    until_caught_up(&local, &replica, "replication_lag_bytes").await;
    let refused = testkit::redis_cli(&replica_uri, &["SET", "mine", "x"]);
    assert!(refused.contains("READONLY"), "{refused}");

    let local = local.kill9_and_restart();
    local.wait_ready("cache-replica").await;
    testkit::redis_cli(&source_uri, &["SET", "restarted", "3"]);
    until_key(&replica_uri, "restarted", "3").await;

    promote(&local, &replica).await;
    assert_eq!(
        testkit::redis_cli(&replica_uri, &["SET", "mine", "x"]),
        "OK"
    );
    testkit::redis_cli(&source_uri, &["SET", "later", "4"]);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(testkit::redis_cli(&replica_uri, &["GET", "later"]), "");
    assert_eq!(testkit::redis_cli(&source_uri, &["GET", "mine"]), "");

    // Promoted for good: a restart does not make it a replica again.
    let local = local.restart();
    local.wait_ready("cache-replica").await;
    assert_eq!(
        testkit::redis_cli(&replica_uri, &["SET", "still", "mine"]),
        "OK"
    );
}

/// Waits until the ids in table t of a mysql service are `expected`.
async fn until_mysql_ids(uri: &str, expected: &str) {
    let query = "SELECT COALESCE(GROUP_CONCAT(id ORDER BY id), '') FROM defaultdb.t";
    until(uri, expected, || {
        testkit::try_mariadb(uri, query).unwrap_or_default()
    })
    .await;
}

#[tokio::test]
async fn a_mysql_read_replica_replicates_the_binary_log_refuses_writes_and_stands_alone_once_promoted()
 {
    let local = Local::start();
    let (status, created) = local
        .create(json!({"service_name": "shop", "service_type": "mysql", "plan": "startup-4"}))
        .await;
    assert_eq!(status, 200, "{created}");
    let source = uri(&local.wait_ready("shop").await);
    testkit::mariadb(
        &source,
        "CREATE TABLE defaultdb.t (id INT PRIMARY KEY); INSERT INTO defaultdb.t VALUES (1)",
    );
    let replica_service = create_replica(&local, "mysql", "shop-replica", "shop").await;
    let replica = uri(&replica_service);
    testkit::mariadb(&source, "INSERT INTO defaultdb.t VALUES (2)");
    until_mysql_ids(&replica, "1,2").await;
    until_caught_up(&local, &replica_service, "replication_lag_seconds").await;
    let refused = testkit::try_mariadb(&replica, "INSERT INTO defaultdb.t VALUES (9)").unwrap_err();
    assert!(
        refused.contains("read-only") || refused.contains("READ-ONLY"),
        "{refused}"
    );

    let local = local.kill9_and_restart();
    local.wait_ready("shop-replica").await;
    testkit::mariadb(&source, "INSERT INTO defaultdb.t VALUES (3)");
    until_mysql_ids(&replica, "1,2,3").await;

    promote(&local, &replica_service).await;
    testkit::mariadb(&replica, "INSERT INTO defaultdb.t VALUES (4)");
    testkit::mariadb(&source, "INSERT INTO defaultdb.t VALUES (5)");
    tokio::time::sleep(Duration::from_millis(500)).await;
    until_mysql_ids(&replica, "1,2,3,4").await;
    until_mysql_ids(&source, "1,2,3,5").await;
}

#[tokio::test]
async fn read_replica_requests_the_platform_would_refuse_or_aiven_local_cannot_run_say_why() {
    let local = Local::start();
    local.create_pg("primary", json!({})).await;
    let replica_of = |source: &str, kind: &str, name: &str| {
        json!({
            "service_name": name, "service_type": kind, "plan": "startup-4",
            "service_integrations": [{"integration_type": "read_replica", "source_service": source}],
        })
    };
    assert_answer(
        local.create(replica_of("nowhere", "pg", "r1")).await,
        404,
        "nowhere",
    );
    assert_answer(
        local.create(replica_of("primary", "mysql", "r2")).await,
        400,
        "a read replica is of its source's type",
    );
    let answer = local
        .call(
            Method::POST,
            "/v1/project/test/integration",
            Some(json!({"integration_type": "read_replica", "source_service": "primary", "dest_service": "primary"})),
        )
        .await;
    assert_answer(answer, 400, "makes a read replica with its service");
    let answer = local
        .call(
            Method::POST,
            "/v1/project/test/integration",
            Some(json!({"integration_type": "metrics", "source_service": "primary", "dest_service": "primary"})),
        )
        .await;
    assert_answer(answer, 400, "metrics is not run here");

    // Cross-region disaster recovery, as the platform's docs make it: a
    // recovery service created with a disaster_recovery integration.
    let recovery = json!({
        "service_name": "recovery", "service_type": "pg", "plan": "startup-4",
        "service_integrations": [{"integration_type": "disaster_recovery", "source_service": "primary", "user_config": {}}],
    });
    assert_answer(
        local.create(recovery).await,
        400,
        "disaster_recovery (cross-region disaster recovery) is in limited availability",
    );
    let (status, _) = local
        .call(Method::GET, "/v1/project/test/service/recovery", None)
        .await;
    assert_eq!(status, 404, "nothing is made");
}
