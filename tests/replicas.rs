//! Read replicas through the real binary ($TERRAFORM), in the official
//! provider's shape: a replica made by its `service_integrations` block,
//! its integration adopted by `aiven_service_integration` and found by the
//! data source; the replica follows rows written to its source and
//! refuses writes; removing the integration promotes it, and then its
//! writes and its source's stay apart. pg, mysql and valkey, each checked
//! with its own client.

mod support;

use std::time::Duration;

use support::{env, ids, psql};

const SERVICES: &str = r#"
resource "aiven_pg" "primary" {
  project      = "acme"
  service_name = "orders"
  plan         = "startup-4"
}

resource "aiven_pg" "replica" {
  project      = "acme"
  service_name = "orders-replica"
  plan         = "startup-4"

  service_integrations {
    integration_type    = "read_replica"
    source_service_name = aiven_pg.primary.service_name
  }
}
"#;

const INTEGRATION: &str = r#"
resource "aiven_service_integration" "replica" {
  project                  = "acme"
  integration_type         = "read_replica"
  source_service_name      = aiven_pg.primary.service_name
  destination_service_name = aiven_pg.replica.service_name
}

data "aiven_service_integration" "replica" {
  project                  = "acme"
  integration_type         = "read_replica"
  source_service_name      = aiven_pg.primary.service_name
  destination_service_name = aiven_service_integration.replica.destination_service_name
}

output "found" {
  value = data.aiven_service_integration.replica.integration_id == aiven_service_integration.replica.integration_id
}
"#;

/// Polls `read` until it gives `expected`.
fn until(what: &str, expected: &str, read: impl Fn() -> String) {
    let mut last = String::new();
    for _ in 0..200 {
        last = read();
        if last == expected {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("{what} never read {expected}: it reads {last}");
}

#[test]
fn a_read_replica_follows_until_its_integration_goes_then_stands_alone() {
    let e = env();
    e.configure(&format!("{SERVICES}{INTEGRATION}"));
    e.tf.apply().assert_ok();
    let (primary, replica) = (e.uri("aiven_pg.primary"), e.uri("aiven_pg.replica"));
    psql(
        &primary,
        "CREATE TABLE t (id int); INSERT INTO t VALUES (1)",
    );
    until("the replica", "1", || ids(&replica));
    let output = e.tf.run(&["output", "-raw", "found"]);
    assert_eq!(output.stdout.trim(), "true", "the data source finds it");
    let integrations = e.attribute("aiven_pg.replica", "service_integrations");
    assert_eq!(integrations[0]["source_service_name"], "orders");
    let plan = e.tf.plan();
    assert_eq!(plan.code, 0, "replans empty:\n{}", plan.stdout);
    let id = e.attribute("aiven_service_integration.replica", "id");
    e.tf.run(&["state", "rm", "aiven_service_integration.replica"])
        .assert_ok();
    e.tf.import("aiven_service_integration.replica", id.as_str().unwrap())
        .assert_ok();
    assert_eq!(e.tf.plan().code, 0, "replans empty after import");

    let refused = std::process::Command::new("psql")
        .args([replica.as_str(), "-X", "-c", "INSERT INTO t VALUES (9)"])
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("read-only"));

    // The integration goes: the replica is promoted.
    e.configure(SERVICES);
    e.tf.apply().assert_ok();
    psql(&replica, "INSERT INTO t VALUES (2)");
    psql(&primary, "INSERT INTO t VALUES (3)");
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(ids(&replica), "1,2", "the source's row does not reach it");
    assert_eq!(ids(&primary), "1,3", "its row does not reach the source");
    assert_eq!(e.tf.plan().code, 0, "replans empty after promotion");
}

const MYSQL_AND_VALKEY: &str = r#"
resource "aiven_mysql" "primary" {
  project      = "acme"
  service_name = "shop"
  plan         = "startup-4"
}

resource "aiven_mysql" "replica" {
  project      = "acme"
  service_name = "shop-replica"
  plan         = "startup-4"

  service_integrations {
    integration_type    = "read_replica"
    source_service_name = aiven_mysql.primary.service_name
  }
}

resource "aiven_valkey" "primary" {
  project      = "acme"
  service_name = "cache"
  plan         = "startup-4"
}

resource "aiven_valkey" "replica" {
  project      = "acme"
  service_name = "cache-replica"
  plan         = "startup-4"

  service_integrations {
    integration_type    = "read_replica"
    source_service_name = aiven_valkey.primary.service_name
  }
}
"#;

const MYSQL_AND_VALKEY_INTEGRATIONS: &str = r#"
resource "aiven_service_integration" "mysql" {
  project                  = "acme"
  integration_type         = "read_replica"
  source_service_name      = aiven_mysql.primary.service_name
  destination_service_name = aiven_mysql.replica.service_name
}

resource "aiven_service_integration" "valkey" {
  project                  = "acme"
  integration_type         = "read_replica"
  source_service_name      = aiven_valkey.primary.service_name
  destination_service_name = aiven_valkey.replica.service_name
}
"#;

#[test]
fn mysql_and_valkey_read_replicas_follow_and_stand_alone_once_their_integrations_go() {
    let e = env();
    e.configure(&format!(
        "{MYSQL_AND_VALKEY}{MYSQL_AND_VALKEY_INTEGRATIONS}"
    ));
    e.tf.apply().assert_ok();
    assert_eq!(e.tf.plan().code, 0, "replans empty");
    let mysql = (e.uri("aiven_mysql.primary"), e.uri("aiven_mysql.replica"));
    let valkey = (e.uri("aiven_valkey.primary"), e.uri("aiven_valkey.replica"));
    let rows = |uri: &str| {
        testkit::try_mariadb(
            uri,
            "SELECT COALESCE(GROUP_CONCAT(id ORDER BY id), '') FROM defaultdb.t",
        )
        .unwrap_or_default()
    };
    testkit::mariadb(
        &mysql.0,
        "CREATE TABLE defaultdb.t (id INT PRIMARY KEY); INSERT INTO defaultdb.t VALUES (1)",
    );
    testkit::redis_cli(&valkey.0, &["SET", "k", "1"]);
    until("the mysql replica", "1", || rows(&mysql.1));
    until("the valkey replica", "1", || {
        testkit::redis_cli(&valkey.1, &["GET", "k"])
    });
    assert!(testkit::try_mariadb(&mysql.1, "INSERT INTO defaultdb.t VALUES (9)").is_err());
    assert!(testkit::redis_cli(&valkey.1, &["SET", "k", "9"]).contains("READONLY"));

    e.configure(MYSQL_AND_VALKEY);
    e.tf.apply().assert_ok();
    testkit::mariadb(&mysql.1, "INSERT INTO defaultdb.t VALUES (2)");
    testkit::mariadb(&mysql.0, "INSERT INTO defaultdb.t VALUES (3)");
    testkit::redis_cli(&valkey.1, &["SET", "k", "replica"]);
    testkit::redis_cli(&valkey.0, &["SET", "k", "primary"]);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(rows(&mysql.1), "1,2");
    assert_eq!(rows(&mysql.0), "1,3");
    assert_eq!(testkit::redis_cli(&valkey.1, &["GET", "k"]), "replica");
    assert_eq!(testkit::redis_cli(&valkey.0, &["GET", "k"]), "primary");
    assert_eq!(e.tf.plan().code, 0, "replans empty after promotion");
}
