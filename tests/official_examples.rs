//! Configurations using the keys of the official provider's own example for
//! each type (`examples/resources/aiven_<type>/resource.tf` in
//! aiven/terraform-provider-aiven; the HCL here is ours) apply against
//! aiven-local and plan no changes afterwards.

mod support;

use support::env;

/// One service per type, each with the settings its official example
/// writes.
const CONFIG: &str = r#"
resource "aiven_pg" "pg" {
  project                 = "official-examples"
  service_name            = "ex-pg"
  cloud_name              = "google-europe-west1"
  plan                    = "startup-4"
  maintenance_window_dow  = "monday"
  maintenance_window_time = "10:00:00"
  static_ips              = toset([])

  pg_user_config {
    static_ips = true

    public_access {
      pg         = true
      prometheus = false
    }

    pg {
      idle_in_transaction_session_timeout = 900
      log_min_duration_statement          = -1
    }
  }

  timeouts {
    create = "20m"
    update = "15m"
  }
}

resource "aiven_mysql" "mysql" {
  project                 = "official-examples"
  service_name            = "ex-mysql"
  cloud_name              = "google-europe-west1"
  plan                    = "business-4"
  maintenance_window_dow  = "monday"
  maintenance_window_time = "10:00:00"

  mysql_user_config {
    mysql_version = 8

    mysql {
      sql_mode                = "ANSI,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION,NO_ZERO_DATE,NO_ZERO_IN_DATE"
      sql_require_primary_key = true
    }

    public_access {
      mysql = true
    }
  }
}

resource "aiven_valkey" "valkey" {
  project      = "official-examples"
  service_name = "ex-valkey"
  cloud_name   = "google-europe-west1"
  plan         = "startup-4"

  valkey_user_config {
    valkey_maxmemory_policy = "allkeys-random"
  }
}

resource "aiven_clickhouse" "clickhouse" {
  project                 = "official-examples"
  service_name            = "ex-clickhouse"
  cloud_name              = "google-europe-west1"
  plan                    = "business-8"
  maintenance_window_dow  = "monday"
  maintenance_window_time = "10:00:00"
}

resource "aiven_opensearch" "opensearch" {
  project                 = "official-examples"
  service_name            = "ex-opensearch"
  cloud_name              = "google-europe-west1"
  plan                    = "startup-4"
  maintenance_window_dow  = "monday"
  maintenance_window_time = "10:00:00"

  opensearch_user_config {
    opensearch_dashboards {
      enabled                    = true
      opensearch_request_timeout = 30000
    }

    public_access {
      opensearch            = true
      opensearch_dashboards = true
    }
  }
}

resource "aiven_grafana" "grafana" {
  project                 = "official-examples"
  service_name            = "ex-grafana"
  cloud_name              = "google-europe-west1"
  plan                    = "startup-4"
  maintenance_window_dow  = "monday"
  maintenance_window_time = "10:00:00"

  grafana_user_config {
    alerting_enabled = true

    public_access {
      grafana = true
    }
  }
}

resource "aiven_thanos" "thanos" {
  project      = "official-examples"
  service_name = "ex-thanos"
  cloud_name   = "google-europe-west1"
  plan         = "startup-4"

  thanos_user_config {
    compactor {
      retention_days = "30"
    }
    object_storage_usage_alert_threshold_gb = "10"
  }
}
"#;

#[test]
fn the_official_examples_keys_apply_and_replan_empty_for_every_type() {
    let e = env();
    e.configure(CONFIG);
    e.tf.apply().assert_ok();
    let plan = e.tf.plan();
    assert_eq!(plan.code, 0, "{}\n{}", plan.stdout, plan.stderr);
    let pg = e.tf.resource("aiven_pg.pg").unwrap();
    let settings = &pg["pg_user_config"][0]["pg"][0];
    assert_eq!(settings["idle_in_transaction_session_timeout"], 900);
    let uri = pg["service_uri"].as_str().unwrap().to_owned();
    assert_eq!(
        support::psql(&uri, "SHOW idle_in_transaction_session_timeout").trim(),
        "900ms",
        "the setting reaches PostgreSQL"
    );
    // The switches the written access block leaves out read as the
    // platform reports them, not null.
    let access = &pg["pg_user_config"][0]["public_access"][0];
    assert_eq!(access["pg"], true);
    assert_eq!(access["pgbouncer"], false);
    assert_eq!(access["prometheus"], false);
    let mysql = e.tf.resource("aiven_mysql.mysql").unwrap();
    let access = &mysql["mysql_user_config"][0]["public_access"][0];
    assert_eq!(access["mysqlx"], false);
    let mysql_settings = &mysql["mysql_user_config"][0]["mysql"][0];
    assert_eq!(mysql_settings["sql_require_primary_key"], true);
}

/// The objects around a service, with the keys of the official provider's
/// examples for them (`examples/resources/aiven_pg_user/resource.tf` and
/// the rest). aiven-local runs no MySQL or Valkey engine yet, so those
/// users are recorded, not real; the pg objects are.
const OBJECTS: &str = r#"
resource "aiven_organization" "main" {
  name = "Example organization"
}

resource "aiven_project" "example_project" {
  project   = "objects-examples"
  parent_id = aiven_organization.main.id
}

data "aiven_project" "example_project" {
  project = aiven_project.example_project.project
}

resource "aiven_pg" "pg" {
  project      = data.aiven_project.example_project.project
  service_name = "my-pg"
  plan         = "startup-4"
}

resource "aiven_mysql" "mysql" {
  project      = data.aiven_project.example_project.project
  service_name = "my-mysql"
  plan         = "startup-4"
}

resource "aiven_valkey" "valkey" {
  project      = data.aiven_project.example_project.project
  service_name = "my-valkey"
  plan         = "startup-4"
}

resource "aiven_pg_database" "example" {
  project       = aiven_pg.pg.project
  service_name  = aiven_pg.pg.service_name
  database_name = "testdb"
  lc_collate    = "en_US.UTF-8"
  lc_ctype      = "en_US.UTF-8"

  timeouts {
    create = "5m"
  }
}

resource "aiven_mysql_database" "example" {
  project       = aiven_mysql.mysql.project
  service_name  = aiven_mysql.mysql.service_name
  database_name = "testdb"
}

resource "aiven_pg_user" "example" {
  project              = aiven_pg.pg.project
  service_name         = aiven_pg.pg.service_name
  username             = "testuser"
  password_wo          = "password123"
  password_wo_version  = 1
  pg_allow_replication = true
}

resource "aiven_mysql_user" "example" {
  project             = aiven_mysql.mysql.project
  service_name        = aiven_mysql.mysql.service_name
  username            = "testuser"
  password_wo         = "password123"
  password_wo_version = 1
  authentication      = "caching_sha2_password"
}

resource "aiven_valkey_user" "example" {
  project               = aiven_valkey.valkey.project
  service_name          = aiven_valkey.valkey.service_name
  username              = "testuser"
  password_wo           = "password123"
  password_wo_version   = 1
  valkey_acl_categories = ["+@write", "+@keyspace"]
  valkey_acl_channels   = ["some*chan"]
  valkey_acl_commands   = ["+set", "+del", "+expire", "-flushall", "-flushdb"]
  valkey_acl_keys       = ["session:*"]
}

resource "aiven_connection_pool" "example" {
  project       = aiven_pg.pg.project
  service_name  = aiven_pg.pg.service_name
  pool_name     = "mypool-x-y-z"
  database_name = aiven_pg_database.example.database_name
  pool_mode     = "transaction"
  pool_size     = 10
  username      = aiven_pg_user.example.username
}
"#;

#[test]
fn the_official_examples_keys_for_the_objects_around_a_service_apply_and_replan_empty() {
    let e = env();
    e.configure(OBJECTS);
    e.tf.apply().assert_ok();
    let plan = e.tf.plan();
    assert_eq!(plan.code, 0, "{}\n{}", plan.stdout, plan.stderr);
    let uri = e.uri("aiven_pg.pg");
    let host = uri
        .rsplit_once('@')
        .unwrap()
        .1
        .split('/')
        .next()
        .unwrap()
        .to_owned();
    let testuser = format!("postgres://testuser:password123@{host}/testdb?sslmode=disable");
    assert_eq!(
        support::psql(
            &testuser,
            "SELECT rolreplication FROM pg_roles WHERE rolname = current_user"
        ),
        "t",
        "a real role that may replicate"
    );
    let (_, valkey) = e.local.call(
        "GET",
        "/v1/project/objects-examples/service/my-valkey/user/testuser",
        None,
    );
    assert_eq!(
        valkey["user"]["access_control"]["valkey_acl_keys"],
        serde_json::json!(["session:*"])
    );
    let (_, mysql) = e.local.call(
        "GET",
        "/v1/project/objects-examples/service/my-mysql/user/testuser",
        None,
    );
    assert_eq!(mysql["user"]["authentication"], "caching_sha2_password");

    // An ACL list emptied outside Terraform is drift: the plan puts it back.
    let user = "/v1/project/objects-examples/service/my-valkey/user/testuser";
    let emptied = serde_json::json!({
        "operation": "set-access-control",
        "access_control": {
            "valkey_acl_categories": ["+@write", "+@keyspace"],
            "valkey_acl_channels": ["some*chan"],
            "valkey_acl_commands": ["+set", "+del", "+expire", "-flushall", "-flushdb"],
            "valkey_acl_keys": [],
        },
    });
    let (status, _) = e.local.call("PUT", user, Some(&emptied.to_string()));
    assert_eq!(status, 200);
    let plan = e.tf.plan();
    assert_eq!(plan.code, 2, "the emptied list is seen:\n{}", plan.stdout);
    assert!(
        support::words(&plan.stdout).contains("aiven_valkey_user.example will be updated in-place"),
        "{}",
        plan.stdout
    );
    e.tf.apply().assert_ok();
    let (_, valkey) = e.local.call("GET", user, None);
    assert_eq!(
        valkey["user"]["access_control"]["valkey_acl_keys"],
        serde_json::json!(["session:*"]),
        "put back"
    );
    assert_eq!(e.tf.plan().code, 0);
}
