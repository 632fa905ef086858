//! Teams switch from the official provider with `terraform state
//! replace-provider`: their state (schema version 1, the official shapes)
//! must plan "No changes" here against the same configuration. So must
//! this provider's own first state (version 0).
//!
//! The official state is built from a real apply here, rewritten into the
//! shape the official provider documents for its service resources
//! (`docs/resources/<type>.md` in aiven/terraform-provider-aiven): its
//! extra read-only attributes (`disk_space_*`, `maintenance_window_enabled`,
//! `cmk_id`, `service_integrations`), the richer connection block
//! (`params`, `uris`, `standby_uris`, ...) and components, and the plugin
//! SDK's way of storing unset values (`""`, `0`, `false`, `[]`).

mod support;

use serde_json::{Value as Json, json};
use support::{env, provider_address};

/// The official provider's zero value for an attribute of `ty` (a type in
/// `terraform providers schema -json` form).
fn zero(ty: &Json) -> Json {
    match ty {
        Json::String(t) if t == "string" => json!(""),
        Json::String(t) if t == "number" => json!(0),
        Json::String(t) if t == "bool" => json!(false),
        Json::Array(t) if t[0] == "map" => json!({}),
        _ => json!([]),
    }
}

/// Fills a `user_config` object the way the official provider stores it:
/// the values the API reports (`api`, its top-level keys), set in the
/// configuration or not; every attribute still unset as its zero value,
/// recursively; numbers set in nested blocks kept as strings, as its
/// earlier versions stored them; plus a key only the official provider
/// has.
fn official_user_config(element: &mut Json, block: &Json, api: &Json) {
    for (name, attribute) in block["attributes"].as_object().into_iter().flatten() {
        // The API's one `ip_filter` is stored in the form the
        // configuration uses, which the apply already wrote.
        if element[name].is_null() {
            element[name] = match &api[name.as_str()] {
                _ if name.starts_with("ip_filter") => zero(&attribute["type"]),
                Json::Null | Json::Object(_) => zero(&attribute["type"]),
                reported => reported.clone(),
            };
        }
    }
    for (name, nested) in block["block_types"].as_object().into_iter().flatten() {
        for item in element[name].as_array_mut().into_iter().flatten() {
            official_user_config(item, &nested["block"], &Json::Null);
            for value in item.as_object_mut().into_iter().flatten().map(|(_, v)| v) {
                if let Json::Number(number) = value
                    && number.as_f64() != Some(0.0)
                {
                    *value = json!(number.to_string());
                }
            }
        }
    }
    element["official_only_setting"] = json!("");
}

/// Rewrites one resource's attributes into the official provider's shape;
/// `api` is the service's `user_config` as the API reports it.
fn official_attributes(attributes: &mut Json, type_name: &str, schema: &Json, api: &Json) {
    let short = short(type_name);
    let disk = attributes["disk_space"].clone();
    let extra = json!({
        "disk_space_cap": "", "disk_space_default": disk.clone(), "disk_space_step": "30GiB",
        "disk_space_used": disk, "maintenance_window_enabled": true, "cmk_id": "",
        "service_integrations": [],
    });
    for (key, value) in extra.as_object().unwrap() {
        attributes[key] = value.clone();
    }
    for key in ["project_vpc_id", "additional_disk_space"] {
        if attributes[key].is_null() {
            attributes[key] = json!("");
        }
    }
    if attributes["static_ips"].is_null() {
        attributes["static_ips"] = json!([]);
    }
    for component in attributes["components"]
        .as_array_mut()
        .into_iter()
        .flatten()
    {
        component["kafka_authentication_method"] = json!("");
        component["kafka_ssl_ca"] = json!("");
        component["privatelink_connection_id"] = json!("");
    }
    for connection in attributes[short].as_array_mut().into_iter().flatten() {
        *connection = official_connection(short, connection);
    }
    let block_name = format!("{short}_user_config");
    let block = &schema["block"]["block_types"][&block_name]["block"];
    for element in attributes[&block_name].as_array_mut().into_iter().flatten() {
        official_user_config(element, block, api);
    }
}

/// The connection block as the official provider documents it for the
/// type, from this provider's (`host`, `port`, ..., `uri`).
fn official_connection(short: &str, ours: &Json) -> Json {
    let uris = json!([ours["uri"].clone()]);
    let params = json!([{
        "host": ours["host"], "port": ours["port"], "user": ours["user"],
        "password": ours["password"], "database_name": ours["dbname"],
        "sslmode": ours["sslmode"],
    }]);
    match short {
        "pg" => {
            let mut block = ours.clone();
            for (key, value) in [
                ("uris", uris),
                ("params", params),
                ("standby_uris", json!([])),
                ("syncing_uris", json!([])),
                ("replica_uri", json!("")),
                ("max_connections", json!(100)),
                ("bouncer", json!("")),
            ] {
                block[key] = value;
            }
            block
        }
        "mysql" => json!({
            "uris": uris, "params": params, "standby_uris": [], "syncing_uris": [],
            "replica_uri": "",
        }),
        "valkey" => json!({
            "uris": uris, "slave_uris": [], "replica_uri": "", "password": ours["password"],
        }),
        "opensearch" => json!({
            "uris": uris, "username": ours["user"], "password": ours["password"],
            "opensearch_dashboards_uri": "", "kibana_uri": "",
        }),
        "thanos" => json!({
            "uris": uris, "query_frontend_uri": "", "query_uri": "",
            "receiver_remote_write_uri": "",
        }),
        _ => json!({"uris": uris}),
    }
}

/// `aiven_pg` → `pg`.
fn short(type_name: &str) -> &str {
    type_name.trim_start_matches("aiven_")
}

/// The state file as the official provider would have left it.
fn officialize(state: &mut Json, schemas: &Json, api: &Json) {
    let (address, official) = (
        provider_address("aiven-rs/aiven"),
        provider_address("aiven/aiven"),
    );
    let ours = format!("provider[\"{address}\"]");
    for resource in state["resources"].as_array_mut().unwrap() {
        assert_eq!(resource["provider"], ours.as_str());
        resource["provider"] = json!(format!("provider[\"{official}\"]"));
        let type_name = resource["type"].as_str().unwrap().to_owned();
        let schema = &schemas["provider_schemas"][&address]["resource_schemas"][&type_name];
        for instance in resource["instances"].as_array_mut().unwrap() {
            instance["schema_version"] = json!(1);
            official_attributes(&mut instance["attributes"], &type_name, schema, api);
        }
    }
}

/// `terraform state replace-provider` from the official provider to this.
fn replace_provider(tf: &tfplugin::harness::Terraform) {
    let (official, ours) = (
        provider_address("aiven/aiven"),
        provider_address("aiven-rs/aiven"),
    );
    let replace = [
        "state",
        "replace-provider",
        "-auto-approve",
        official.as_str(),
        ours.as_str(),
    ];
    tf.run(&replace).assert_ok();
}

/// The migrated state plans no change, and the apply with nothing to do
/// writes it at this schema.
fn plans_and_applies_nothing(tf: &tfplugin::harness::Terraform, what: &str) {
    let plan = tf.plan();
    assert_eq!(
        plan.code, 0,
        "{what}: the state must plan no changes:\n{}\n{}",
        plan.stdout, plan.stderr
    );
    let apply = tf.apply();
    apply.assert_ok();
    assert!(
        apply.stdout.contains("0 added, 0 changed, 0 destroyed"),
        "{what}: {}",
        apply.stdout
    );
}

const TYPES: [&str; 8] = [
    "aiven_pg",
    "aiven_mysql",
    "aiven_valkey",
    "aiven_clickhouse",
    "aiven_cassandra",
    "aiven_opensearch",
    "aiven_grafana",
    "aiven_thanos",
];

/// The type's example up to its first resource: the service, without the
/// fork the example goes on to make (see the README on inherited settings).
fn example(type_name: &str) -> String {
    let path = format!(
        "{}/examples/resources/{type_name}/resource.tf",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(path).unwrap();
    let first = text.find("\nresource \"").expect("a resource");
    match text[first + 1..].find("\nresource \"") {
        Some(second) => text[..first + 1 + second].to_owned(),
        None => text,
    }
}

#[test]
fn state_from_the_official_provider_plans_no_changes_for_every_type() {
    let e = env();
    e.configure("");
    let schemas = e.tf.providers_schema();
    for (index, type_name) in TYPES.iter().enumerate() {
        let project = format!("migrate-{index}");
        let tf = e.terraform_with(&[("TF_VAR_project", &project)]);
        tf.write("main.tf", &example(type_name));
        tf.apply().assert_ok();
        let service = format!("/v1/project/{project}/service/example-{}", short(type_name));
        if *type_name == "aiven_pg" {
            // A setting made outside this configuration: the official
            // provider keeps it in state, and here it must plan no change.
            let body = r#"{"user_config": {"backup_hour": 3}}"#;
            let (status, reply) = e.local.call("PUT", &service, Some(body));
            assert_eq!(status, 200, "{reply}");
        }
        let (_, reply) = e.local.call("GET", &service, None);
        let api = &reply["service"]["user_config"];
        let path = tf.work_dir().join("terraform.tfstate");
        let mut state: Json = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        officialize(&mut state, &schemas, api);
        std::fs::write(&path, serde_json::to_vec_pretty(&state).unwrap()).unwrap();

        replace_provider(&tf);
        plans_and_applies_nothing(&tf, type_name);
        let migrated = tf.resource(&format!("{type_name}.example")).unwrap();
        assert!(
            migrated["service_uri"].is_string(),
            "{type_name}: {migrated}"
        );
        let short = short(type_name);
        // Converted, not dropped: the official provider's attributes keep
        // their values (or take the API's) in this provider's schema.
        let connection = &migrated[short][0];
        assert!(
            connection["uris"][0]
                .as_str()
                .is_some_and(|u| u.contains("://")),
            "{type_name}: {connection}"
        );
        assert!(
            connection["host"].is_string(),
            "{type_name}: our keys are filled in too"
        );
        assert_eq!(
            migrated["disk_space_step"], "30GiB",
            "{type_name}: kept from the official state"
        );
        assert_eq!(
            migrated["disk_space_used"], migrated["disk_space"],
            "{type_name}"
        );
        assert_eq!(migrated["maintenance_window_enabled"], true, "{type_name}");
        assert_eq!(migrated["service_integrations"], json!([]), "{type_name}");
        assert_eq!(migrated["cmk_id"], Json::Null, "{type_name}: \"\" is unset");
        // Replies may leave components out (the contract variations do).
        if let Some(component) = migrated["components"].get(0) {
            assert_eq!(
                component["connection_uri"],
                format!(
                    "{}:{}",
                    component["host"].as_str().unwrap(),
                    component["port"]
                ),
                "{type_name}"
            );
        }
        if *type_name == "aiven_pg" {
            let block = &migrated["pg_user_config"][0];
            assert_eq!(block["backup_hour"], 3, "kept, as the service has it");
            assert_eq!(connection["params"][0]["database_name"], "defaultdb");
            assert_eq!(connection["standby_uris"], json!([]));
            assert!(connection["max_connections"].is_number(), "{connection}");
        }
    }
}

#[test]
fn this_providers_first_state_plans_no_changes() {
    let e = env();
    let tf = e.terraform_with(&[("TF_VAR_project", "first-state")]);
    tf.write("main.tf", &example("aiven_pg"));
    tf.apply().assert_ok();
    let path = tf.work_dir().join("terraform.tfstate");
    let mut state: Json = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    for resource in state["resources"].as_array_mut().unwrap() {
        for instance in resource["instances"].as_array_mut().unwrap() {
            assert_eq!(instance["schema_version"], 2, "the current version");
            instance["schema_version"] = json!(0);
        }
    }
    std::fs::write(&path, serde_json::to_vec_pretty(&state).unwrap()).unwrap();
    let plan = tf.plan();
    assert_eq!(plan.code, 0, "{}\n{}", plan.stdout, plan.stderr);
}

/// Forks made before `fork_point` existed, by this provider or the
/// official one: their state lacks `fork_point` and `fork_restored_to`,
/// and must plan no change (nothing replaced, nothing re-forked).
#[test]
fn state_of_forks_from_earlier_versions_and_the_official_provider_plans_no_changes() {
    let e = env();
    e.configure("");
    let schemas = e.tf.providers_schema();
    for (index, official) in [false, true].into_iter().enumerate() {
        let project = format!("migrate-forks-{index}");
        let tf = e.terraform_with(&[("TF_VAR_project", &project)]);
        let source = example("aiven_pg");
        tf.write("main.tf", &source);
        tf.apply().assert_ok();
        e.wait_for_backup(&project, "example-pg");
        let target = e.local.latest_transaction(&project, "example-pg");
        let forks = format!(
            r#"{source}
resource "aiven_pg" "copy" {{
  project      = var.project
  service_name = "example-pg-copy"
  plan         = "startup-4"
  pg_user_config {{
    service_to_fork_from = aiven_pg.example.service_name
  }}
}}

resource "aiven_pg" "then" {{
  project      = var.project
  service_name = "example-pg-then"
  plan         = "startup-4"
  pg_user_config {{
    service_to_fork_from = aiven_pg.example.service_name
    recovery_target_time = "{target}"
  }}
}}
"#
        );
        tf.write("main.tf", &forks);
        tf.apply().assert_ok();
        let service = format!("/v1/project/{project}/service/example-pg");
        let (_, reply) = e.local.call("GET", &service, None);
        let api = &reply["service"]["user_config"];
        let path = tf.work_dir().join("terraform.tfstate");
        let mut state: Json = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        for resource in state["resources"].as_array_mut().unwrap() {
            for instance in resource["instances"].as_array_mut().unwrap() {
                let attributes = instance["attributes"].as_object_mut().unwrap();
                assert!(attributes.contains_key("fork_point"));
                attributes.remove("fork_point");
                attributes.remove("fork_restored_to");
            }
        }
        if official {
            officialize(&mut state, &schemas, api);
        }
        std::fs::write(&path, serde_json::to_vec_pretty(&state).unwrap()).unwrap();
        if official {
            replace_provider(&tf);
        }
        plans_and_applies_nothing(&tf, &format!("forks (official state: {official})"));
        let copy = tf.resource("aiven_pg.copy").unwrap();
        assert_eq!(copy["fork_point"], Json::Null, "not guessed: {copy}");
        assert_eq!(
            copy["pg_user_config"][0]["service_to_fork_from"], "example-pg",
            "{copy}"
        );
    }
}
