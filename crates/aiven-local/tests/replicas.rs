//! Read replicas for real: a pg service created with a `read_replica`
//! integration is a hot standby of its source (built from the source's
//! newest backup, then streaming), reads what the source writes after it
//! was made, refuses writes, survives a restart of aiven-local, and once
//! its integration is deleted takes writes of its own that never reach
//! the source.

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

/// Waits until `uri` lists exactly `expected` in table t.
async fn until_ids(uri: &str, expected: &str) {
    let mut last = String::new();
    for _ in 0..200 {
        last = ids(uri);
        if last == expected {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the replica never held {expected}: it holds {last}");
}

#[tokio::test]
async fn a_pg_read_replica_follows_its_source_refuses_writes_and_stands_alone_once_promoted() {
    let local = Local::start();
    let source = local.create_pg("primary", json!({})).await;
    support::psql(
        &uri(&source),
        "CREATE TABLE t (id int); INSERT INTO t VALUES (1)",
    );
    let (status, created) = local
        .create(json!({
            "service_name": "replica", "service_type": "pg", "plan": "startup-4",
            "service_integrations": [{"integration_type": "read_replica", "source_service": "primary"}],
        }))
        .await;
    assert_eq!(status, 200, "{created}");
    let replica = local.wait_ready("replica").await;
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
}
