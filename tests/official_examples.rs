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
    let mysql = e.tf.resource("aiven_mysql.mysql").unwrap();
    let mysql_settings = &mysql["mysql_user_config"][0]["mysql"][0];
    assert_eq!(mysql_settings["sql_require_primary_key"], true);
}
