//! Read replicas through the real binary ($TERRAFORM), in the official
//! provider's shape: a replica made by its `service_integrations` block,
//! its integration adopted by `aiven_service_integration` and found by the
//! data source; the replica follows rows written to its source and
//! refuses writes; removing the integration promotes it, and then its
//! writes and its source's stay apart. Checked with psql.

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

/// Waits until the table's ids at `uri` are `expected`.
fn until_ids(uri: &str, expected: &str) {
    let mut last = String::new();
    for _ in 0..200 {
        last = ids(uri);
        if last == expected {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("{uri} never held {expected}: it holds {last}");
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
    until_ids(&replica, "1");
    let output = e.tf.run(&["output", "-raw", "found"]);
    assert_eq!(output.stdout.trim(), "true", "the data source finds it");
    let integrations = e.attribute("aiven_pg.replica", "service_integrations");
    assert_eq!(integrations[0]["source_service_name"], "orders");
    let plan = e.tf.plan();
    assert_eq!(plan.code, 0, "replans empty:\n{}", plan.stdout);

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
