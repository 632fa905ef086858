//! All eight service types of the product page as resources: each
//! creates, forks, re-plans empty and imports; the type-specific fork
//! rules hold at plan time.

mod support;

use support::env;

/// (resource, service type, a plan) for every typed resource.
const TYPES: [(&str, &str, &str); 8] = [
    ("aiven_pg", "pg", "startup-4"),
    ("aiven_mysql", "mysql", "startup-4"),
    ("aiven_valkey", "valkey", "startup-4"),
    ("aiven_clickhouse", "clickhouse", "business-8"),
    ("aiven_cassandra", "cassandra", "startup-8"),
    ("aiven_opensearch", "opensearch", "startup-4"),
    ("aiven_grafana", "grafana", "startup-4"),
    ("aiven_thanos", "thanos", "startup-4"),
];

fn service(resource: &str, kind: &str, name: &str, plan: &str, user_config: &str) -> String {
    format!(
        "resource \"{resource}\" \"{name}\" {{\n  project      = \"acme\"\n  service_name = \"{kind}-{name}\"\n  plan         = \"{plan}\"\n  {kind}_user_config {{\n{user_config}\n  }}\n}}\n"
    )
}

#[test]
fn every_type_creates_forks_replans_empty_and_imports() {
    let e = env();
    let mut config = String::new();
    for (resource, kind, plan) in TYPES {
        config.push_str(&service(resource, kind, "src", plan, ""));
        config.push_str(&service(
            resource,
            kind,
            "copy",
            plan,
            &format!("    service_to_fork_from = {resource}.src.service_name"),
        ));
    }
    e.configure(&config);
    let apply = e.tf.apply();
    apply.assert_ok();
    assert!(
        apply
            .stdout
            .contains("Single sign-on settings are not copied"),
        "OpenSearch forks warn about SSO"
    );
    for (resource, kind, _) in TYPES {
        let fork = e.tf.resource(&format!("{resource}.copy")).unwrap();
        assert_eq!(fork["state"], "RUNNING", "{resource}");
        assert_eq!(fork["service_type"], kind);
        assert_eq!(
            fork[&format!("{kind}_user_config")][0]["service_to_fork_from"],
            format!("{kind}-src")
        );
        assert!(
            fork[kind][0]["host"].is_string(),
            "{resource} has its connection block"
        );
    }
    let plan = e.tf.plan();
    assert_eq!(plan.code, 0, "{}", plan.stdout);

    for (resource, kind, _) in TYPES {
        let address = format!("{resource}.copy");
        e.tf.run(&["state", "rm", &address]).assert_ok();
        e.tf.import(&address, &format!("acme/{kind}-copy"))
            .assert_ok();
    }
    let plan = e.tf.plan();
    assert_eq!(
        plan.code, 0,
        "plan after importing every type must be empty:\n{}",
        plan.stdout
    );

    // Data sources read each type back.
    let mut lookups = String::new();
    for (resource, kind, _) in TYPES {
        lookups.push_str(&format!(
            "data \"{resource}\" \"read\" {{\n  project = \"acme\"\n  service_name = {resource}.copy.service_name\n}}\noutput \"{kind}\" {{\n  value = data.{resource}.read.state\n}}\n"
        ));
    }
    e.tf.write("lookups.tf", &lookups);
    e.tf.apply().assert_ok();
    for (_, kind, _) in TYPES {
        assert_eq!(e.tf.run(&["output", "-raw", kind]).stdout, "RUNNING");
    }
}

#[test]
fn type_specific_fork_rules_fail_the_plan() {
    let e = env();
    let sources = format!(
        "{}{}{}",
        service("aiven_clickhouse", "clickhouse", "src", "business-8", ""),
        service("aiven_cassandra", "cassandra", "src", "business-8", ""),
        service("aiven_valkey", "valkey", "src", "startup-4", "")
    );
    e.configure(&sources);
    e.tf.apply().assert_ok();
    let fork = |resource: &str, kind: &str, plan: &str, extra: &str| {
        format!(
            "{sources}{}",
            service(
                resource,
                kind,
                "copy",
                plan,
                &format!("    service_to_fork_from = {resource}.src.service_name\n{extra}")
            )
        )
    };
    let flat = |text: String| text.split_whitespace().collect::<Vec<_>>().join(" ");
    for (resource, kind, plan, nodes) in [
        (
            "aiven_clickhouse",
            "clickhouse",
            "startup-8",
            "1 nodes, but clickhouse-src has 3",
        ),
        (
            "aiven_cassandra",
            "cassandra",
            "startup-8",
            "3 nodes, but cassandra-src has 6",
        ),
    ] {
        e.configure(&fork(resource, kind, plan, ""));
        let output = flat(e.tf.plan().assert_failed());
        assert!(
            output.contains("Fork to fewer nodes") && output.contains(nodes),
            "{output}"
        );
        assert!(
            output.contains(&format!(
                "{kind} services cannot be forked to a plan with fewer nodes"
            )),
            "{output}"
        );
    }
    e.configure(&fork(
        "aiven_valkey",
        "valkey",
        "startup-4",
        "    recovery_target_time = \"2025-07-01 15:16:22\"",
    ));
    let output = flat(e.tf.plan().assert_failed());
    assert!(
        output.contains("does not support point-in-time recovery; types that do: pg, mysql"),
        "{output}"
    );
    // A named backup, chosen from the backups data source.
    e.configure(&format!(
        "{}data \"aiven_service_backups\" \"valkey\" {{\n  project = \"acme\"\n  service_name = aiven_valkey.src.service_name\n}}\n",
        fork("aiven_valkey", "valkey", "startup-4", "    recovery_basebackup_name = data.aiven_service_backups.valkey.backups[0].backup_name")
    ));
    e.tf.apply().assert_ok();
    let copy = e.tf.resource("aiven_valkey.copy").unwrap();
    assert!(
        copy["valkey_user_config"][0]["recovery_basebackup_name"]
            .as_str()
            .unwrap()
            .starts_with("backup-")
    );
    e.configure(&fork(
        "aiven_valkey",
        "valkey",
        "startup-4",
        "    recovery_basebackup_name = \"backup-that-never-was\"",
    ));
    let output = flat(e.tf.plan().assert_failed());
    assert!(
        output.contains("No such backup"),
        "caught at plan time: {output}"
    );
    assert!(
        output.contains("has no backup \"backup-that-never-was\"; available: backup-"),
        "{output}"
    );
    // A bigger plan is fine.
    e.configure(&fork("aiven_clickhouse", "clickhouse", "premium-8", ""));
    e.tf.apply().assert_ok();
    assert_eq!(e.tf.plan().code, 0);
}
