//! Import, drift, updates, timeouts and deletes through real terraform.

mod support;

use support::{env, env_with, psql};

fn pg(name: &str, extra: &str) -> String {
    format!(
        r#"
resource "aiven_pg" "db" {{
  project      = "acme"
  service_name = "{name}"
  plan         = "startup-4"
  {extra}
}}
"#
    )
}

#[test]
fn import_round_trips_and_a_service_deleted_behind_terraforms_back_is_recreated() {
    let e = env();
    e.configure(&pg("billing", "pg_user_config {\n    pg_version = \"15\"\n  }\n  tag {\n    key = \"team\"\n    value = \"core\"\n  }"));
    e.tf.apply().assert_ok();
    let before = e.tf.resource("aiven_pg.db").unwrap();

    e.tf.run(&["state", "rm", "aiven_pg.db"]).assert_ok();
    e.tf.import("aiven_pg.db", "acme/billing").assert_ok();
    let imported = e.tf.resource("aiven_pg.db").unwrap();
    for attribute in [
        "id",
        "plan",
        "service_uri",
        "pg_user_config",
        "tag",
        "cloud_name",
        "service_password",
    ] {
        assert_eq!(
            imported[attribute], before[attribute],
            "{attribute} after import"
        );
    }
    let plan = e.tf.plan();
    assert_eq!(
        plan.code, 0,
        "plan after import must be empty:\n{}",
        plan.stdout
    );

    let output = e.tf.import("aiven_pg.db", "billing").assert_failed();
    assert!(output.contains("PROJECT/SERVICE_NAME"), "{output}");

    e.delete_directly("acme", "billing");
    let plan = e.tf.plan();
    assert_eq!(plan.code, 2);
    assert!(
        plan.stdout.contains("aiven_pg.db will be created"),
        "{}",
        plan.stdout
    );
}

#[test]
fn a_service_that_names_no_ip_filter_reports_the_open_one_which_import_counts_as_no_setting() {
    let e = env();
    e.configure(&pg("open", ""));
    e.tf.apply().assert_ok();
    let (_, service) = e.local.call("GET", "/v1/project/acme/service/open", None);
    assert_eq!(
        service["service"]["user_config"]["ip_filter"],
        serde_json::json!(["0.0.0.0/0", "::/0"]),
        "every address, as the platform reports it"
    );

    e.tf.run(&["state", "rm", "aiven_pg.db"]).assert_ok();
    e.tf.import("aiven_pg.db", "acme/open").assert_ok();
    let imported = e.tf.resource("aiven_pg.db").unwrap();
    assert_eq!(
        imported["pg_user_config"][0]["ip_filter"],
        serde_json::json!(["0.0.0.0/0", "::/0"]),
        "state shows what the API reports"
    );
    // The configuration writes no settings block: the plan stops tracking
    // the reported one, and has no settings to warn of.
    let plan = e.tf.plan();
    assert!(
        !plan
            .stdout
            .contains("Removing the block leaves the settings"),
        "the open filter is no setting:\n{}",
        plan.stdout
    );
    e.configure(&pg("open", "pg_user_config {}"));
    let plan = e.tf.plan();
    assert_eq!(plan.code, 0, "an empty block tracks it:\n{}", plan.stdout);
}

#[test]
fn updates_apply_in_place_and_keep_the_data() {
    let e = env();
    e.configure(&pg("inventory", ""));
    e.tf.apply().assert_ok();
    let uri = e.uri("aiven_pg.db");
    psql(&uri, "CREATE TABLE t (id int); INSERT INTO t VALUES (7)");

    e.configure(
        &pg(
            "inventory",
            r#"maintenance_window_dow  = "monday"
  maintenance_window_time = "03:00:00"
  additional_disk_space   = "30GiB"
  pg_user_config {
    work_mem = 8
  }"#,
        )
        .replace("startup-4", "business-8"),
    );
    let plan = e.tf.plan();
    assert!(
        plan.stdout.contains("updated in-place") && !plan.stdout.contains("replaced"),
        "{}",
        plan.stdout
    );
    e.tf.apply().assert_ok();
    let state = e.tf.resource("aiven_pg.db").unwrap();
    assert_eq!(state["plan"], "business-8");
    assert_eq!(state["maintenance_window_dow"], "monday");
    assert_eq!(state["additional_disk_space"], "30GiB");
    assert_eq!(state["disk_space"], "190GiB");
    assert_eq!(
        (
            state["disk_space_step"].as_str(),
            state["disk_space_cap"].as_str()
        ),
        (Some("30GiB"), Some("800GiB")),
        "the plan's figures, as the API's plan endpoint gives them"
    );
    assert_eq!(state["pg_user_config"][0]["work_mem"], 8);
    assert_eq!(psql(&uri, "SHOW work_mem"), "8MB", "applied to the cluster");
    assert_eq!(
        psql(&uri, "SELECT id FROM t"),
        "7",
        "same cluster, data kept"
    );
    assert_eq!(e.tf.plan().code, 0);

    // The API cannot return a setting to its default: a setting left out
    // of the configuration stays as the service has it and is no diff;
    // what the change cannot move is planned as it is, not as unknown.
    const EXTRA: &str = "additional_disk_space = \"30GiB\"\n";
    e.configure(
        &pg("inventory", &format!("{EXTRA}pg_user_config {{}}")).replace("startup-4", "business-8"),
    );
    let plan = e.tf.plan();
    assert_eq!(
        plan.code, 0,
        "work_mem is the service's now:\n{}",
        plan.stdout
    );
    e.configure(&pg("inventory", EXTRA).replace("startup-4", "business-8"));
    let plan = e.tf.plan();
    assert!(
        !plan.stdout.contains("known after apply"),
        "cloud, maintenance, disk and state cannot change here:\n{}",
        plan.stdout
    );
    assert!(
        plan.stdout
            .contains("Removing the block leaves the settings as they are"),
        "removing the block warns that it changes nothing:\n{}",
        plan.stdout
    );
    e.tf.apply().assert_ok();
    assert!(
        e.tf.resource("aiven_pg.db").unwrap()["pg_user_config"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let (_, service) = e
        .local
        .call("GET", "/v1/project/acme/service/inventory", None);
    assert_eq!(
        service["service"]["user_config"]["work_mem"], 8,
        "no null was sent: the service keeps the setting"
    );
    assert_eq!(psql(&uri, "SHOW work_mem"), "8MB");
    assert_eq!(e.tf.plan().code, 0);

    // A smaller plan keeps the extra disk the configuration writes.
    e.configure(&pg("inventory", EXTRA));
    e.tf.apply().assert_ok();
    let state = e.tf.resource("aiven_pg.db").unwrap();
    assert_eq!(state["plan"], "startup-4");
    assert_eq!(state["additional_disk_space"], "30GiB");
    assert_eq!(state["disk_space"], "110GiB");
    assert_eq!(e.tf.plan().code, 0);

    // Removing additional_disk_space returns the service to the plan's
    // disk, as with the official provider.
    e.configure(&pg("inventory", ""));
    let plan = e.tf.plan();
    assert!(
        support::words(&plan.stdout).contains(r#"additional_disk_space = "30GiB" -> "0GiB""#),
        "{}",
        plan.stdout
    );
    e.tf.apply().assert_ok();
    let state = e.tf.resource("aiven_pg.db").unwrap();
    assert_eq!(state["additional_disk_space"], "0GiB");
    assert_eq!(state["disk_space"], "80GiB");
    let (_, service) = e
        .local
        .call("GET", "/v1/project/acme/service/inventory", None);
    assert_eq!(
        service["service"]["disk_space_mb"],
        80 * 1024,
        "the API's disk too"
    );
    assert_eq!(e.tf.plan().code, 0);

    e.tf.destroy().assert_ok();
    assert!(
        !e.exists("acme", "inventory"),
        "destroy waits until the service is gone"
    );
}

#[test]
fn a_create_that_outlives_its_timeout_is_kept_in_state_as_tainted() {
    let e = env_with(&["--provision-delay", "60s"]);
    e.configure(
        r#"
resource "aiven_service" "slow" {
  project      = "acme"
  service_name = "slow-search"
  service_type = "opensearch"
  plan         = "startup-4"
  timeouts {
    create = "2s"
  }
}
"#,
    );
    let output = e.tf.apply().assert_failed();
    assert!(
        output.contains("Service created but not running"),
        "{output}"
    );
    assert!(
        output.contains("saved to state and marked tainted"),
        "{output}"
    );
    let state: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(e.tf.work_dir().join("terraform.tfstate")).unwrap(),
    )
    .unwrap();
    let instance = &state["resources"][0]["instances"][0];
    assert_eq!(instance["status"], "tainted", "{instance}");
    assert_eq!(instance["attributes"]["id"], "acme/slow-search");
    assert_eq!(instance["attributes"]["state"], "REBUILDING");
    let plan = e.tf.plan();
    assert!(
        plan.stdout.contains("is tainted, so must be replaced"),
        "{}",
        plan.stdout
    );
}

/// Warnings the API attaches to a new service reach the apply output. On
/// aiven-local one comes from a `pg_version` its binaries do not run.
#[test]
fn api_warnings_reach_the_apply_output() {
    let e = env();
    e.configure(&pg(
        "legacy",
        "pg_user_config {\n    pg_version = \"13\"\n  }",
    ));
    let apply = e.tf.apply();
    apply.assert_ok();
    assert!(
        apply.stdout.contains("Notice from the API about legacy")
            && apply.stdout.contains("pg_version 13 is recorded"),
        "{}",
        apply.stdout
    );
    assert_eq!(e.tf.plan().code, 0);

    let running = psql(&e.uri("aiven_pg.db"), "SHOW server_version_num");
    let major = (running.parse::<u32>().unwrap() / 10000).to_string();
    e.configure(&pg(
        "legacy",
        &format!("pg_user_config {{\n    pg_version = \"{major}\"\n  }}"),
    ));
    e.tf.apply().assert_ok();
    let (_, body) = e.local.call("GET", "/v1/project/acme/service/legacy", None);
    assert_eq!(
        body["service"]["service_notifications"],
        serde_json::json!([]),
        "the version it runs clears the warning"
    );
    assert_eq!(e.tf.plan().code, 0);
}

/// A custom admin user, as the official provider's `admin_username` and
/// `admin_password` set it; the password stays out of every output.
#[test]
fn a_custom_admin_user_is_created_and_its_password_stays_hidden() {
    let e = env();
    let password = "Owl-and-pussycat_42";
    e.configure(&pg(
        "custom-admin",
        &format!("pg_user_config {{\n    admin_username = \"boss\"\n    admin_password = \"{password}\"\n  }}"),
    ));
    let apply = e.tf.apply();
    apply.assert_ok();
    assert!(
        !apply.stdout.contains(password) && !apply.stderr.contains(password),
        "{}",
        apply.stdout
    );
    let uri = e.uri("aiven_pg.db");
    assert_eq!(psql(&uri, "SELECT current_user"), "boss");
    assert!(uri.contains(password), "the service URI carries it");
    let show = e.tf.run(&["show", "-no-color"]);
    assert!(!show.stdout.contains(password), "{}", show.stdout);
    assert_eq!(e.tf.plan().code, 0);

    // A bad password fails the plan, and the message does not repeat it.
    let bad = "short'pw";
    e.configure(&pg(
        "other-admin",
        &format!("pg_user_config {{\n    admin_password = \"{bad}\"\n  }}"),
    ));
    let plan = e.tf.plan();
    assert_eq!(plan.code, 1);
    assert!(
        plan.stderr
            .contains("user_config.admin_password: use 8 to 256 characters"),
        "{}",
        plan.stderr
    );
    // Terraform quotes the configuration line itself; our message must not.
    let message: Vec<&str> = plan
        .stderr
        .lines()
        .filter(|line| !line.trim_start().starts_with(|c: char| c.is_ascii_digit()))
        .collect();
    assert!(!message.join("\n").contains(bad), "{}", plan.stderr);
}

#[test]
fn a_customer_managed_key_is_kept_until_the_zero_uuid_removes_it() {
    let e = env();
    let key = "3f2a1b4c-5d6e-4f70-8192-a3b4c5d6e7f8";
    e.configure(&pg("vault", &format!("cmk_id = \"{key}\"")));
    e.tf.apply().assert_ok();
    let service = || {
        e.local
            .call("GET", "/v1/project/acme/service/vault", None)
            .1
    };
    assert_eq!(service()["service"]["cmk_id"], key);
    assert_eq!(e.attribute("aiven_pg.db", "cmk_id"), key);

    // Left out, the key stays, as the official provider documents.
    e.configure(&pg("vault", ""));
    assert_eq!(e.tf.plan().code, 0);

    let none = "00000000-0000-0000-0000-000000000000";
    e.configure(&pg("vault", &format!("cmk_id = \"{none}\"")));
    e.tf.apply().assert_ok();
    assert_eq!(service()["service"]["cmk_id"], serde_json::Value::Null);
    assert_eq!(e.tf.plan().code, 0);
}

#[test]
fn aiven_local_refuses_integrations_it_cannot_run_and_nothing_is_left_behind() {
    let e = env();
    e.configure(&pg(
        "replica",
        "service_integrations {\n    integration_type    = \"disaster_recovery\"\n    source_service_name = \"main\"\n  }",
    ));
    let output = e.tf.apply().assert_failed();
    let flat = output.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains(
            "disaster_recovery (cross-region disaster recovery) is in limited availability"
        ),
        "{output}"
    );
    assert!(!e.exists("acme", "replica"));
}

#[test]
fn a_service_component_is_the_services_endpoint_and_a_missing_one_is_named() {
    let e = env();
    e.configure(&format!(
        "{}\ndata \"aiven_service_component\" \"pg\" {{\n  project      = aiven_pg.db.project\n  service_name = aiven_pg.db.service_name\n  component    = \"pg\"\n}}\n",
        pg("endpoint", "")
    ));
    e.tf.apply().assert_ok();
    let component = e.tf.show()["values"]["root_module"]["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["address"] == "data.aiven_service_component.pg")
        .expect("the data source in state")["values"]
        .clone();
    assert_eq!(
        component["host"],
        e.attribute("aiven_pg.db", "service_host")
    );
    assert_eq!(
        component["port"],
        e.attribute("aiven_pg.db", "service_port")
    );
    assert_eq!(
        component["usage"], "primary",
        "the primary one when left out"
    );
    assert_eq!(e.tf.plan().code, 0, "replans empty");

    e.tf.write(
        "kafka.tf",
        "data \"aiven_service_component\" \"none\" {\n  project      = \"acme\"\n  service_name = \"endpoint\"\n  component    = \"kafka\"\n}\n",
    );
    let output = e.tf.plan().assert_failed();
    let flat = output.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains("has no endpoint matching these filters; it has: pg (dynamic, primary)"),
        "{output}"
    );
}
