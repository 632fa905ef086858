//! The mission: terraform apply forks a service from its latest backup (the
//! API's default), to its latest transaction, or to a point in time, with
//! real backups and real WAL replay, and the plan and state say which.

mod support;

use std::time::Duration;

use support::{env, ids, psql, words};

const SOURCE: &str = r#"
resource "aiven_pg" "source" {
  project      = "acme"
  service_name = "orders"
  plan         = "startup-4"
  cloud_name   = "google-europe-west1"
  pg_user_config {
    pg_version = "15"
    pg {
      max_connections = 150
    }
  }
}
"#;

/// A fork of [`SOURCE`] at the API's default point, as the official
/// provider writes one.
const COPY: &str = r#"
resource "aiven_pg" "copy" {
  project      = "acme"
  service_name = "orders-copy"
  plan         = "startup-4"
  pg_user_config {
    service_to_fork_from = aiven_pg.source.service_name
  }
}
"#;

#[test]
fn forks_hold_the_latest_backup_the_latest_transaction_or_exactly_the_point_in_time() {
    let e = env();
    e.configure(SOURCE);
    e.tf.apply().assert_ok();
    e.wait_for_backup("acme", "orders");
    let source_uri = e.uri("aiven_pg.source");
    psql(
        &source_uri,
        "CREATE TABLE t (id int); INSERT INTO t VALUES (1)",
    );
    let backup = e.local.back_up_now("acme", "orders");
    psql(&source_uri, "INSERT INTO t VALUES (2)");
    // Written as the CLI writes it: UTC, no zone, whole seconds.
    let target = testkit::moment_between_writes()
        .format(time::macros::format_description!(
            "[year]-[month]-[day] [hour]:[minute]:[second]"
        ))
        .unwrap();
    psql(&source_uri, "INSERT INTO t VALUES (3)");

    e.configure(&format!(
        r#"{SOURCE}
data "aiven_service_backups" "source" {{
  project      = aiven_pg.source.project
  service_name = aiven_pg.source.service_name
}}

# As the official provider writes a fork: the API's default point.
resource "aiven_pg" "backup" {{
  project      = "acme"
  service_name = "orders-backup"
  plan         = "startup-4"
  pg_user_config {{
    service_to_fork_from = aiven_pg.source.service_name
  }}
}}

resource "aiven_pg" "latest" {{
  project      = "acme"
  service_name = "orders-latest"
  plan         = "startup-4"
  cloud_name   = "aws-eu-central-1"
  fork_point   = "latest_transaction"
  pg_user_config {{
    service_to_fork_from = aiven_pg.source.service_name
  }}
}}

resource "aiven_pg" "point" {{
  project      = "acme"
  service_name = "orders-point"
  plan         = "business-4"
  pg_user_config {{
    service_to_fork_from = aiven_pg.source.service_name
    recovery_target_time = "{target}"
  }}
}}

output "window_start" {{
  value = data.aiven_service_backups.source.pitr_range_start
}}
"#
    ));
    // The plan says which backup the default fork holds, and what it
    // leaves out.
    let plan = e.tf.plan();
    assert_eq!(plan.code, 2, "{}", plan.stdout);
    let said = words(&plan.stdout);
    assert!(
        said.contains("The fork will hold the latest backup of orders")
            && said.contains(&format!("restored from backup {backup}, taken at")),
        "{said}"
    );
    assert!(
        said.contains("seconds ago) will not be in the fork; choose the latest transaction to include them: fork_point = \"latest_transaction\""),
        "the gap in words: {said}"
    );
    assert_eq!(
        said.matches("will hold the latest backup").count(),
        1,
        "only the fork that names no point is warned about: {said}"
    );
    e.tf.apply().assert_ok();
    assert_eq!(
        ids(&e.uri("aiven_pg.backup")),
        "1",
        "the latest backup, and nothing written after it"
    );
    assert_eq!(
        ids(&e.uri("aiven_pg.latest")),
        "1,2,3",
        "the latest transaction, not just the latest backup"
    );
    assert_eq!(
        ids(&e.uri("aiven_pg.point")),
        "1,2",
        "exactly the transactions up to recovery_target_time"
    );

    // State records what each fork was restored to.
    let restored = |address: &str| e.attribute(address, "fork_restored_to");
    assert_eq!(
        e.attribute("aiven_pg.backup", "fork_point"),
        "latest_backup"
    );
    assert_eq!(restored("aiven_pg.backup")["backup_name"], backup.as_str());
    let (_, backups) = e
        .local
        .call("GET", "/v1/project/acme/service/orders/backups", None);
    let taken = backups["backups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["backup_name"] == backup.as_str())
        .map(|b| b["backup_time"].clone())
        .unwrap();
    assert_eq!(restored("aiven_pg.backup")["time"], taken);
    assert_eq!(
        e.attribute("aiven_pg.latest", "fork_point"),
        "latest_transaction"
    );
    let latest = restored("aiven_pg.latest");
    assert!(latest["backup_name"].is_null(), "{latest}");
    let latest_time = aiven_api::timestamp::parse(latest["time"].as_str().unwrap()).unwrap();
    let target_time = aiven_api::timestamp::parse(&target).unwrap();
    assert!(
        latest_time > target_time + Duration::from_secs(1),
        "{latest}"
    );
    assert_eq!(
        restored("aiven_pg.point")["time"],
        format!("{}Z", target.replace(' ', "T")),
        "the point, in RFC 3339"
    );
    assert_eq!(
        e.attribute("aiven_pg.point", "fork_point"),
        format!("{}Z", target.replace(' ', "T"))
    );
    assert_eq!(
        e.attribute("aiven_pg.point", "plan"),
        "business-4",
        "a fork can move to a bigger plan"
    );
    assert_eq!(
        e.attribute("aiven_pg.latest", "cloud_name"),
        "aws-eu-central-1",
        "and to another cloud"
    );
    assert_eq!(e.attribute("aiven_pg.latest", "state"), "RUNNING");
    assert!(
        !e.tf
            .run(&["output", "-raw", "window_start"])
            .stdout
            .is_empty()
    );

    let plan = e.tf.plan();
    assert_eq!(plan.code, 0, "second plan must be empty:\n{}", plan.stdout);

    // The same instant written in RFC 3339 never replaces the fork: it is
    // recorded in place, once (Terraform keeps configured text verbatim).
    let main = std::fs::read_to_string(e.tf.work_dir().join("main.tf")).unwrap();
    let rfc3339 = format!("{}Z", target.replace(' ', "T"));
    e.tf.write("main.tf", &main.replace(&target, &rfc3339));
    let plan = e.tf.plan();
    assert_eq!(plan.code, 2);
    assert!(
        !plan.stdout.contains("must be replaced"),
        "reformatting must not replace the fork:\n{}",
        plan.stdout
    );
    assert!(
        plan.stdout.contains("0 to add, 1 to change, 0 to destroy"),
        "{}",
        plan.stdout
    );
    e.tf.apply().assert_ok();
    assert_eq!(
        ids(&e.uri("aiven_pg.point")),
        "1,2",
        "the fork was kept, not rebuilt"
    );
    assert_eq!(e.tf.plan().code, 0);

    // Another instant is a new fork.
    e.tf.write("main.tf", &main.replace(&target, "2001-01-01 00:00:00"));
    let plan = e.tf.plan().assert_failed();
    assert!(
        plan.contains("must be replaced") || plan.contains("outside the recovery window"),
        "{plan}"
    );
    assert!(
        plan.contains("outside the recovery window of orders"),
        "a different time is a new fork, checked against the window: {plan}"
    );

    // Dropping the origin and its point from the configuration, once the
    // fork is made, keeps the fork.
    let forgotten = main.replace(&target, &rfc3339).replace(
        "  fork_point   = \"latest_transaction\"\n  pg_user_config {\n    service_to_fork_from = aiven_pg.source.service_name\n  }\n}\n\nresource \"aiven_pg\" \"point\"",
        "}\n\nresource \"aiven_pg\" \"point\"",
    );
    assert_eq!(
        forgotten.matches("service_to_fork_from").count(),
        2,
        "one origin dropped"
    );
    e.tf.write("main.tf", &forgotten);
    let plan = e.tf.plan();
    assert_eq!(plan.code, 2);
    assert!(
        !plan.stdout.contains("must be replaced")
            && plan.stdout.contains("0 to add, 1 to change, 0 to destroy"),
        "forgetting the origin must not replace the fork:\n{}",
        plan.stdout
    );
    e.tf.apply().assert_ok();
    assert_eq!(ids(&e.uri("aiven_pg.latest")), "1,2,3", "the fork was kept");
    let plan = e.tf.plan();
    assert_eq!(plan.code, 0, "and stays settled:\n{}", plan.stdout);
}

#[test]
fn a_fork_in_the_same_apply_as_its_source_waits_for_the_first_backup() {
    let e = env();
    e.configure(&format!(r#"{SOURCE}{COPY}"#));
    let plan = e.tf.plan();
    assert!(
        words(&plan.stdout).contains("The fork's point is known after the source's first backup")
            && words(&plan.stdout)
                .contains("choose fork_point = \"latest_transaction\" to include everything"),
        "{}",
        plan.stdout
    );
    e.tf.apply().assert_ok();
    assert_eq!(e.attribute("aiven_pg.copy", "state"), "RUNNING");
    assert_eq!(
        psql(&e.uri("aiven_pg.copy"), "SELECT current_database()"),
        "defaultdb"
    );
    let first = e
        .local
        .call("GET", "/v1/project/acme/service/orders/backups", None)
        .1["backups"][0]
        .clone();
    let restored = e.attribute("aiven_pg.copy", "fork_restored_to");
    assert_eq!(
        restored["backup_name"], first["backup_name"],
        "the source's first backup"
    );
    assert_eq!(restored["time"], first["backup_time"]);
    assert_eq!(e.tf.plan().code, 0);
}

/// Forks made outside Terraform, adopted: state records the point where
/// the API tells it, and writing the point the fork was made with plans no
/// replacement.
#[test]
fn importing_a_fork_records_the_point_the_api_reports() {
    let e = env();
    // No settings of its own: a block the forks inherit and the
    // configuration leaves out would plan as removed.
    let source = "resource \"aiven_pg\" \"source\" {\n  project      = \"acme\"\n  service_name = \"orders\"\n  plan         = \"startup-4\"\n}\n";
    e.configure(source);
    e.tf.apply().assert_ok();
    e.wait_for_backup("acme", "orders");
    let target = e.local.latest_transaction("acme", "orders");
    for (name, config) in [
        (
            "orders-now",
            format!(r#"{{"service_to_fork_from": "orders", "recovery_target_time": "{target}"}}"#),
        ),
        (
            "orders-copy",
            r#"{"service_to_fork_from": "orders"}"#.to_owned(),
        ),
    ] {
        let body = format!(
            r#"{{"service_name": "{name}", "service_type": "pg", "plan": "startup-4", "user_config": {config}}}"#
        );
        let (status, answer) = e
            .local
            .call("POST", "/v1/project/acme/service", Some(&body));
        assert_eq!(status, 200, "{answer}");
        e.wait_for_backup("acme", name);
    }
    e.configure(&format!(
        r#"{source}
import {{
  to = aiven_pg.now
  id = "acme/orders-now"
}}

import {{
  to = aiven_pg.copy
  id = "acme/orders-copy"
}}

# Made in the Console as "Latest transaction".
resource "aiven_pg" "now" {{
  project      = "acme"
  service_name = "orders-now"
  plan         = "startup-4"
  fork_point   = "latest_transaction"
  pg_user_config {{
    service_to_fork_from = "orders"
  }}
}}

resource "aiven_pg" "copy" {{
  project      = "acme"
  service_name = "orders-copy"
  plan         = "startup-4"
  pg_user_config {{
    service_to_fork_from = "orders"
  }}
}}
"#
    ));
    let plan = e.tf.plan();
    assert!(
        !plan.stdout.contains("must be replaced")
            && plan
                .stdout
                .contains("2 to import, 0 to add, 1 to change, 0 to destroy"),
        "the latest transaction is recorded in place, nothing replaced:\n{}",
        plan.stdout
    );
    e.tf.apply().assert_ok();
    let now = e.attribute("aiven_pg.now", "fork_restored_to");
    assert_eq!(now["time"], target.as_str(), "{now}");
    assert!(now["backup_name"].is_null());
    assert_eq!(e.attribute("aiven_pg.copy", "fork_point"), "latest_backup");
    assert!(
        e.attribute("aiven_pg.copy", "fork_restored_to").is_null(),
        "the API does not say which backup once the fork runs"
    );
    let plan = e.tf.plan();
    assert_eq!(plan.code, 0, "{}", plan.stdout);
}

#[test]
fn the_fork_example_applies_as_shipped_and_replans_empty() {
    let e = env();
    let example = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/fork/main.tf"
    ))
    .unwrap();
    e.tf.write("main.tf", &example);
    e.tf.apply().assert_ok();
    let point = e.tf.resource("aiven_pg.point_in_time").unwrap();
    assert!(
        point["pg_user_config"][0]["recovery_target_time"]
            .as_str()
            .unwrap()
            .ends_with('Z'),
        "{point}"
    );
    assert_eq!(e.attribute("aiven_pg.latest", "state"), "RUNNING");
    let plan = e.tf.plan();
    assert_eq!(plan.code, 0, "{}", plan.stdout);
}

/// HCL in the shape the official provider documents for forking, with
/// only the provider source changed.
#[test]
fn hcl_written_for_the_official_provider_runs_unchanged() {
    let e = env();
    e.configure(
        r#"
resource "aiven_pg" "pg" {
  project                 = "acme"
  cloud_name              = "google-europe-west1"
  plan                    = "startup-4"
  service_name            = "my-pg1"
  maintenance_window_dow  = "monday"
  maintenance_window_time = "10:00:00"
  termination_protection  = false

  pg_user_config {
    pg_version = 15
    static_ips = false

    ip_filter_object {
      network     = "10.20.0.0/16"
      description = "office"
    }
    ip_filter_object {
      network = "0.0.0.0/0"
    }

    public_access {
      pg         = true
      prometheus = false
    }

    pg {
      idle_in_transaction_session_timeout = 900
      log_min_duration_statement          = -1
      autovacuum_vacuum_scale_factor      = 0.05
      max_locks_per_transaction           = 128
    }

    pgbouncer {
      autodb_pool_mode = "transaction"
    }
  }

  tag {
    key   = "env"
    value = "prod"
  }

  timeouts {
    create  = "20m"
    update  = "15m"
    default = "30m"
  }
}

resource "aiven_pg" "pg_fork" {
  project      = "acme"
  cloud_name   = "aws-eu-central-1"
  plan         = "startup-4"
  service_name = "my-pg1-fork"

  pg_user_config {
    service_to_fork_from = aiven_pg.pg.service_name
  }
}
"#,
    );
    e.tf.apply().assert_ok();
    let source = e.tf.resource("aiven_pg.pg").unwrap();
    assert_eq!(source["pg_user_config"][0]["pg_version"], "15");
    assert_eq!(source["pg_user_config"][0]["public_access"][0]["pg"], true);
    assert_eq!(source["tag"][0]["value"], "prod");
    assert_eq!(
        source["pg_user_config"][0]["ip_filter_object"][0]["description"],
        "office"
    );
    let source_uri = e.uri("aiven_pg.pg");
    assert_eq!(
        psql(&source_uri, "SHOW autovacuum_vacuum_scale_factor"),
        "0.05"
    );
    assert_eq!(psql(&source_uri, "SHOW max_locks_per_transaction"), "128");
    assert_eq!(e.attribute("aiven_pg.pg_fork", "state"), "RUNNING");
    assert_eq!(psql(&e.uri("aiven_pg.pg_fork"), "SELECT 1"), "1");
    assert_eq!(
        e.attribute("aiven_pg.pg_fork", "pg_user_config")[0]["service_to_fork_from"],
        "my-pg1",
        "the fork's own settings are only what it configured"
    );
    let plan = e.tf.plan();
    assert_eq!(plan.code, 0, "{}", plan.stdout);
}

/// The rename-by-fork example, both steps: fork under the new name, then
/// drop the old service and the fork's origin. The fork keeps its data.
#[test]
fn renaming_by_fork_deletes_the_old_service_and_keeps_the_fork() {
    let e = env();
    let example = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/rename-by-fork/main.tf"
    ))
    .unwrap();
    let start = example.find("resource \"aiven_pg\" \"old_name\"").unwrap();
    let end = example.find("resource \"aiven_pg\" \"new_name\"").unwrap();
    // The old service alone first, with rows to carry over.
    e.tf.write("main.tf", &example[..end]);
    e.tf.apply().assert_ok();
    psql(
        &e.uri("aiven_pg.old_name"),
        "CREATE TABLE t (id int); INSERT INTO t VALUES (1), (2)",
    );
    e.tf.write("main.tf", &example);
    e.tf.apply().assert_ok();
    assert_eq!(ids(&e.uri("aiven_pg.new_name")), "1,2");

    let renamed = format!("{}{}", &example[..start], &example[end..]).replace(
        "\n  # Everything committed before the fork, not only the latest backup.\n  fork_point = \"latest_transaction\"\n\n  pg_user_config {\n    service_to_fork_from = aiven_pg.old_name.service_name\n  }\n",
        "\n",
    );
    assert!(!renamed.contains("aiven_pg.old_name"), "{renamed}");
    e.tf.write("main.tf", &renamed);
    let plan = e.tf.plan();
    assert!(
        plan.stdout.contains("0 to add, 1 to change, 1 to destroy"),
        "{}",
        plan.stdout
    );
    e.tf.apply().assert_ok();
    assert!(!e.exists("examples", "legacy-db"));
    assert_eq!(ids(&e.uri("aiven_pg.new_name")), "1,2", "the fork was kept");
    assert_eq!(e.tf.plan().code, 0);
}

#[test]
fn the_service_list_shows_a_projects_services_and_the_forks_of_one() {
    let e = env();
    let services = format!(
        r#"{SOURCE}{COPY}
resource "aiven_grafana" "dash" {{
  project      = "acme"
  service_name = "dash"
  plan         = "startup-1"
}}
"#
    );
    e.configure(&services);
    e.tf.apply().assert_ok();
    // The official provider's own example, then the filters.
    let lists = r#"
data "aiven_service_list" "all" {
  project = "acme"
}

data "aiven_service_list" "pg" {
  project      = "acme"
  service_type = "pg"
}

data "aiven_service_list" "forks" {
  project     = "acme"
  forked_from = "orders"
}

output "service_names" {
  value = [for service in data.aiven_service_list.all.services : service.service_name]
}

output "service_types" {
  value = [for service in data.aiven_service_list.all.services : service.service_type]
}

output "pg_names" {
  value = [for service in data.aiven_service_list.pg.services : service.service_name]
}

output "forks" {
  value = [for service in data.aiven_service_list.forks.services : "${service.service_name}<-${service.service_to_fork_from}"]
}
"#;
    e.configure(&format!("{services}{lists}"));
    e.tf.apply().assert_ok();
    let outputs = e.tf.run(&["output", "-json"]);
    let outputs: serde_json::Value = serde_json::from_str(&outputs.assert_ok().stdout).unwrap();
    let value = |name: &str| outputs[name]["value"].clone();
    assert_eq!(
        value("service_names"),
        serde_json::json!(["dash", "orders", "orders-copy"])
    );
    assert_eq!(
        value("service_types"),
        serde_json::json!(["grafana", "pg", "pg"])
    );
    assert_eq!(
        value("pg_names"),
        serde_json::json!(["orders", "orders-copy"])
    );
    assert_eq!(value("forks"), serde_json::json!(["orders-copy<-orders"]));
    let listed = e.tf.resource("data.aiven_service_list.all").unwrap();
    let orders = &listed["services"][1];
    assert_eq!(orders["state"], "RUNNING");
    assert_eq!(orders["plan"], "startup-4");
    assert_eq!(orders["cloud_description"], "Europe, Belgium: Belgium");
    let uri = orders["service_uri"].as_str().unwrap();
    assert_eq!(
        psql(uri, "SELECT 1"),
        "1",
        "the URI connects, its password real"
    );
    let plan = e.tf.plan();
    assert_eq!(plan.code, 0, "{}", plan.stdout);
}
