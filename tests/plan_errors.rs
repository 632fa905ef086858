//! Mistakes fail the plan, name the attribute, and create nothing.

mod support;

use support::{Env, env, words as flat};
use testkit::{Fault, FaultProxy, FaultRule};

fn pg(body: &str) -> String {
    format!("resource \"aiven_pg\" \"db\" {{\n  project = \"acme\"\n{body}\n}}\n")
}

/// Runs `terraform apply` (which plans first) and checks it failed with
/// every fragment in its output and without creating `service`.
fn assert_refused(e: &Env, service: &str, fragments: &[&str]) {
    let output = e.tf.apply().assert_failed();
    // Terraform wraps diagnostics at ~78 columns; compare word by word.
    let flattened = flat(&output);
    for fragment in fragments {
        assert!(
            flattened.contains(fragment),
            "{fragment:?} missing from:\n{output}"
        );
    }
    assert!(
        !output.contains("Creating..."),
        "failed only at apply:\n{output}"
    );
    assert!(!e.exists("acme", service), "{service} was created");
}

#[test]
fn static_mistakes_are_caught_before_anything_is_created() {
    let e = env();
    let cases: &[(&str, &str, &[&str])] = &[
        (
            "Bad_Name",
            "  service_name = \"Bad_Name\"\n  plan = \"startup-4\"",
            &[
                "Invalid service name",
                "lowercase letters",
                "service_name = \"Bad_Name\"",
            ],
        ),
        (
            "pg1",
            "  service_name = \"pg1\"\n  plan = \"startup-3\"",
            &[
                "Plan not offered",
                "The API offers no plan \"startup-3\" for pg services in project acme; it lists: hobbyist, startup-4",
            ],
        ),
        (
            "pg2",
            "  service_name = \"pg2\"\n  plan = \"startup-4\"\n  cloud_name = \"mars-north1\"",
            &[
                "Cloud not offered",
                "offers no cloud \"mars-north1\"",
                "avn cloud list",
            ],
        ),
        (
            "pg-cmk",
            "  service_name = \"pg-cmk\"\n  plan = \"startup-4\"\n  cmk_id = \"key-1\"",
            &[
                "Invalid customer-managed key",
                "use the key's UUID",
                "cmk_id = \"key-1\"",
            ],
        ),
        (
            "pg3",
            "  service_name = \"pg3\"\n  plan = \"startup-4\"\n  pg_user_config {\n    pg {\n      max_connections = 5\n    }\n  }",
            &[
                "user_config.pg.max_connections: 5 is out of range; allowed 25 to 60000",
                "max_connections = 5",
            ],
        ),
        (
            "pg3b",
            "  service_name = \"pg3b\"\n  plan = \"startup-4\"\n  pg_user_config {\n    pg {\n      autovacuum_vacuum_scale_factor = 1.5\n    }\n  }",
            &[
                "user_config.pg.autovacuum_vacuum_scale_factor: 1.5 is out of range; allowed 0 to 1",
                "autovacuum_vacuum_scale_factor = 1.5",
            ],
        ),
        (
            "pg3c",
            "  service_name = \"pg3c\"\n  plan = \"startup-4\"\n  pg_user_config {\n    ip_filter = [\"10.0.0.0/8\"]\n    ip_filter_string = [\"10.0.0.0/8\"]\n  }",
            &[
                "Conflicting IP filters",
                "ip_filter and ip_filter_string all set the service's one IP filter",
            ],
        ),
        (
            "pg3d",
            "  service_name = \"pg3d\"\n  plan = \"startup-4\"\n  pg_user_config {\n    ip_filter_string = [\"999.1.1.1/99\"]\n  }",
            &[
                "user_config.ip_filter[0]: expected an address or CIDR range",
                "999.1.1.1/99",
            ],
        ),
        (
            "pg4",
            "  service_name = \"pg4\"\n  plan = \"startup-4\"\n  pg_user_config {\n    service_to_fork_from = \"src\"\n    recovery_target_time = \"last tuesday\"\n  }",
            &[
                "is not a valid time",
                "RFC 3339",
                "recovery_target_time = \"last tuesday\"",
            ],
        ),
        (
            "pg5",
            "  service_name = \"pg5\"\n  plan = \"startup-4\"\n  pg_user_config {\n    recovery_target_time = \"2025-07-01 15:16:22\"\n  }",
            &[
                "recovery_target_time needs a fork source",
                "set service_to_fork_from",
            ],
        ),
        (
            "pg6",
            "  service_name = \"pg6\"\n  plan = \"startup-4\"\n  maintenance_window_time = \"3am\"",
            &["Invalid maintenance time", "HH:MM:SS"],
        ),
        (
            "pg6b",
            "  service_name = \"pg6b\"\n  plan = \"startup-4\"\n  maintenance_window_dow = \"never\"",
            &[
                "Invalid maintenance day",
                "can be reported by the API but not requested",
            ],
        ),
        (
            "pg7",
            "  service_name = \"pg7\"\n  plan = \"startup-4\"\n  timeouts {\n    create = \"forever\"\n  }",
            &["Invalid timeout", "90s, 20m or 1h30m"],
        ),
        (
            "pg-disk",
            "  service_name = \"pg-disk\"\n  plan = \"startup-4\"\n  additional_disk_space = \"1 GiB\"",
            &[
                "Invalid disk size",
                "additional_disk_space \"1 GiB\" is invalid",
            ],
        ),
        (
            "pg-step",
            "  service_name = \"pg-step\"\n  plan = \"startup-4\"\n  additional_disk_space = \"20GiB\"",
            &[
                "Disk size does not fit the plan",
                "100GiB is not the plan's 80GiB plus a multiple of 30GiB",
            ],
        ),
        (
            "pg-cap",
            "  service_name = \"pg-cap\"\n  plan = \"startup-4\"\n  additional_disk_space = \"600GiB\"",
            &[
                "Disk size does not fit the plan",
                "680GiB is above the plan's maximum of 400GiB",
            ],
        ),
        (
            "pg-tags",
            "  service_name = \"pg-tags\"\n  plan = \"startup-4\"\n  tag {\n    key = \"a\"\n    value = \"1\"\n  }\n  tag {\n    key = \"a\"\n    value = \"2\"\n  }",
            &["Invalid tags", "tag key \"a\" is written more than once"],
        ),
        (
            "pg-tag-key",
            "  service_name = \"pg-tag-key\"\n  plan = \"startup-4\"\n  tag {\n    key = \"cost center\"\n    value = \"1\"\n  }",
            &["Invalid tags", "starting with a letter"],
        ),
    ];
    for (service, body, fragments) in cases {
        e.configure(&pg(body));
        assert_refused(&e, service, fragments);
    }
}

#[test]
fn fork_points_the_type_or_the_source_cannot_give_fail_the_plan() {
    let e = env();
    e.configure(&pg("  service_name = \"src\"\n  plan = \"startup-4\""));
    e.tf.apply().assert_ok();
    let source = pg("  service_name = \"src\"\n  plan = \"startup-4\"");
    let fork = |kind: &str, name: &str, body: &str| {
        format!(
            "{source}\nresource \"aiven_{kind}\" \"{name}\" {{\n  project = \"acme\"\n  service_name = \"{name}\"\n  plan = \"startup-4\"\n{body}\n}}\n"
        )
    };
    let cases: Vec<(&str, String, &[&str])> = vec![
        (
            "f1",
            fork(
                "pg",
                "f1",
                "  fork_point = \"yesterday\"\n  pg_user_config {\n    service_to_fork_from = \"src\"\n  }",
            ),
            &[
                "Invalid fork point",
                "\"yesterday\" is not a fork point",
                "\"latest_transaction\"",
                "fork_point = \"yesterday\"",
            ],
        ),
        (
            "f2",
            fork("pg", "f2", "  fork_point = \"latest_transaction\""),
            &[
                "fork_point needs a fork source",
                "set pg_user_config[0].service_to_fork_from",
            ],
        ),
        (
            "f3",
            fork(
                "valkey",
                "f3",
                "  fork_point = \"latest_transaction\"\n  valkey_user_config {\n    service_to_fork_from = \"cache\"\n  }",
            ),
            &[
                "Fork point not available for this type",
                "valkey has no point-in-time recovery",
                "\"latest_backup\" or \"backup:NAME\"",
            ],
        ),
        (
            "f4",
            fork(
                "pg",
                "f4",
                "  fork_point = \"backup:b-1\"\n  pg_user_config {\n    service_to_fork_from = \"src\"\n  }",
            ),
            &[
                "pg forks cannot name a backup",
                "\"latest_transaction\" or a time",
            ],
        ),
        (
            "f5",
            fork(
                "pg",
                "f5",
                "  fork_point = \"latest_transaction\"\n  pg_user_config {\n    service_to_fork_from = \"src\"\n    recovery_target_time = \"2025-07-01 15:16:22\"\n  }",
            ),
            &[
                "Conflicting fork points",
                "fork_point = \"latest_transaction\", but pg_user_config[0].recovery_target_time = \"2025-07-01 15:16:22\"",
                "keep one of them",
            ],
        ),
        (
            "f6",
            fork(
                "pg",
                "f6",
                "  fork_point = \"2001-01-01T00:00:00Z\"\n  pg_user_config {\n    service_to_fork_from = \"src\"\n  }",
            ),
            &[
                "outside the recovery window of src",
                "fork_point = \"2001-01-01T00:00:00Z\"",
            ],
        ),
    ];
    for (service, config, fragments) in &cases {
        e.configure(config);
        assert_refused(&e, service, fragments);
    }
    // The same point written both ways is one point.
    let target = aiven_api::timestamp::format_seconds(time::OffsetDateTime::now_utc());
    e.configure(&fork(
        "pg",
        "f7",
        &format!("  fork_point = \"{target}\"\n  pg_user_config {{\n    service_to_fork_from = \"src\"\n    recovery_target_time = \"{target}\"\n  }}"),
    ));
    let plan = e.tf.plan();
    assert_eq!(plan.code, 2, "{}", plan.stdout);
}

/// Plans official configurations use, beside a disk size off no step.
const PLANS_THE_API_LISTS: &str = r#"
resource "aiven_grafana" "dash" {
  project      = "acme"
  service_name = "dash"
  plan         = "startup-1"
}

resource "aiven_opensearch" "search" {
  project      = "acme"
  service_name = "search"
  plan         = "hobbyist"
}

resource "aiven_valkey" "cache" {
  project               = "acme"
  service_name          = "cache"
  plan                  = "startup-4"
  additional_disk_space = "30GiB"
}
"#;

#[test]
fn plans_are_checked_against_the_apis_own_list_and_an_api_that_cannot_be_asked_only_warns() {
    let e = env();
    e.configure(PLANS_THE_API_LISTS);
    let output = e.tf.apply().assert_failed();
    let flattened = flat(&output);
    assert!(
        flattened.contains(
            "this plan's disk cannot be changed (the service type has no dynamic disk sizing)"
        ),
        "valkey has no dynamic disk sizing on the platform:\n{output}"
    );
    assert_eq!(
        output.matches("Error:").count(),
        1,
        "plans the API lists (grafana startup-1, opensearch hobbyist) are never refused:\n{output}"
    );
    e.configure(&PLANS_THE_API_LISTS.replace("  additional_disk_space = \"30GiB\"\n", ""));
    let plan = e.tf.plan();
    assert_eq!(plan.code, 2, "{}{}", plan.stdout, plan.stderr);

    // The plan endpoints failing: each resource warns and the plan goes on.
    let proxy = FaultProxy::start(
        &e.local.url,
        vec![FaultRule {
            method: "GET",
            path: "/plans",
            fault: Fault::Status(403, None),
            times: 100,
        }],
    );
    let plan = e.terraform_via(&proxy.url).plan();
    assert_eq!(plan.code, 2, "{}{}", plan.stdout, plan.stderr);
    let flattened = flat(&format!("{}{}", plan.stdout, plan.stderr));
    assert!(
        flattened.contains("Could not check the plan with the API"),
        "{flattened}"
    );
    let asked = proxy
        .requests()
        .iter()
        .filter(|r| r.contains("/plans"))
        .count();
    assert_eq!(
        asked,
        3,
        "one question per type and plan in a run: {:?}",
        proxy.requests()
    );
}

/// Clouds of every published provider, OVH's and Oracle's included.
const CLOUDS_THE_API_LISTS: &str = r#"
resource "aiven_project" "oci" {
  project       = "oci-project"
  default_cloud = "ap-melbourne-1"
}

resource "aiven_pg" "db" {
  project      = "acme"
  service_name = "ovh-db"
  plan         = "startup-4"
  cloud_name   = "avn-ovh-de1"
}
"#;

#[test]
fn clouds_are_checked_against_the_apis_own_list_and_an_api_that_cannot_be_asked_only_warns() {
    let e = env();
    e.configure(CLOUDS_THE_API_LISTS);
    let plan = e.tf.plan();
    assert_eq!(
        plan.code, 2,
        "clouds the API lists pass: {}{}",
        plan.stdout, plan.stderr
    );

    e.configure(&CLOUDS_THE_API_LISTS.replace("avn-ovh-de1", "google-europe-west7"));
    let plan = e.tf.plan();
    let flattened = flat(&format!("{}{}", plan.stdout, plan.stderr));
    assert_eq!(plan.code, 1, "{flattened}");
    assert!(
        flattened.contains(
            "offers no cloud \"google-europe-west7\"; the closest offered: google-europe-west1"
        ),
        "{flattened}"
    );
    assert!(
        flattened.contains("cloud_name = \"google-europe-west7\""),
        "{flattened}"
    );

    // The clouds endpoints failing: a warning, and the plan goes on.
    let proxy = FaultProxy::start(
        &e.local.url,
        vec![FaultRule {
            method: "GET",
            path: "/clouds",
            fault: Fault::Status(403, None),
            times: 100,
        }],
    );
    let plan = e.terraform_via(&proxy.url).plan();
    let flattened = flat(&format!("{}{}", plan.stdout, plan.stderr));
    assert_eq!(plan.code, 2, "{flattened}");
    // Terraform folds the second resource's warning into the first's.
    assert!(
        flattened.contains("Could not check the cloud with the API")
            && flattened.contains("and one more similar warning elsewhere"),
        "{flattened}"
    );
}

#[test]
fn generic_services_are_validated_against_their_type() {
    let e = env();
    let service = |body: &str| {
        format!(
            "resource \"aiven_service\" \"s\" {{\n  project = \"acme\"\n  service_name = \"cache\"\n  service_type = \"valkey\"\n  plan = \"startup-4\"\n{body}\n}}\n"
        )
    };
    e.configure(&service("  user_config {\n    service_to_fork_from = \"other\"\n    recovery_target_time = \"2025-07-01 15:16:22\"\n  }"));
    assert_refused(
        &e,
        "cache",
        &["does not support point-in-time recovery", "pg, mysql"],
    );
    e.configure(&service("  user_config {\n    extra_json = jsonencode({ valkey_maxmemory_policy = \"sometimes\" })\n  }"));
    assert_refused(
        &e,
        "cache",
        &["user_config.valkey_maxmemory_policy", "allkeys-lru"],
    );
    e.configure(&service(
        "  user_config {\n    extra_json = \"[1, 2]\"\n  }",
    ));
    assert_refused(&e, "cache", &["extra_json must be a JSON object"]);
    e.configure(
        &service(
            "  user_config {\n    extra_json = jsonencode({ valkey_persistence = \"rdb\" })\n  }",
        )
        .replace("\"valkey\"", "\"redis\""),
    );
    e.tf.apply().assert_ok();
    assert_eq!(e.tf.plan().code, 0, "the redis alias reads back as written");
    assert_eq!(e.attribute("aiven_service.s", "service_type"), "redis");
    // Asked of aiven-local itself: a reply may leave components out.
    assert_eq!(
        e.local
            .call("GET", "/v1/project/acme/service/cache", None)
            .1["service"]["service_type"],
        "valkey",
        "the API made a valkey service"
    );
}

#[test]
fn termination_protection_fails_destroy_and_replacement_at_plan_time() {
    let e = env();
    let body =
        "  service_name = \"guarded\"\n  plan = \"startup-4\"\n  termination_protection = true";
    e.configure(&pg(body));
    e.tf.apply().assert_ok();
    let output = flat(&e.tf.run(&["plan", "-destroy", "-no-color"]).assert_failed());
    assert!(
        output.contains("Service is protected from deletion"),
        "{output}"
    );
    assert!(
        output.contains("termination_protection = false"),
        "{output}"
    );
    e.configure(&pg(&body.replace(
        "guarded\"",
        "guarded\"\n  pg_user_config {\n    service_to_fork_from = \"elsewhere\"\n  }",
    )));
    let output = flat(&e.tf.plan().assert_failed());
    assert!(
        output.contains("Service is protected from replacement"),
        "{output}"
    );
    assert!(e.exists("acme", "guarded"));
    // Lifting protection first makes the destroy go through.
    e.configure(&pg(&body.replace("true", "false")));
    e.tf.apply().assert_ok();
    e.tf.destroy().assert_ok();
    assert!(!e.exists("acme", "guarded"));
}

#[test]
fn a_missing_token_is_a_plan_error_not_a_crash() {
    let e = env();
    e.configure(&pg("  service_name = \"x\"\n  plan = \"startup-4\""));
    let output = e.tf.run(&["plan", "-no-color"]);
    assert_eq!(output.code, 0, "{}", output.stderr);
    let no_token = e.terraform_with(&[("AIVEN_TOKEN", "")]);
    let output = flat(&no_token.plan().assert_failed());
    assert!(output.contains("Missing API token"), "{output}");
    assert!(output.contains("AIVEN_TOKEN"), "{output}");
    for leak in ["panicked", "backtrace", "RUST_BACKTRACE"] {
        assert!(!output.contains(leak), "{output}");
    }
}

#[test]
fn keys_the_official_provider_deprecates_still_work_with_a_warning() {
    let e = env();
    e.configure(&pg(
        "  service_name = \"old-keys\"\n  plan = \"startup-4\"\n  pg_user_config {\n    ip_filter = [\"10.0.0.0/8\"]\n  }",
    ));
    let plan = e.tf.run(&["plan", "-no-color", "-input=false"]);
    plan.assert_ok();
    let output = flat(&format!("{}{}", plan.stdout, plan.stderr));
    assert!(output.contains("deprecated"), "{output}");
    assert!(output.contains("ip_filter"), "{output}");
}

/// Only what the configuration writes is warned about: a deprecated block
/// (`pg_qualstats`) the configuration leaves out says nothing.
#[test]
fn a_deprecated_block_the_configuration_leaves_out_is_not_warned_about() {
    let e = env();
    e.configure(&pg(
        "  service_name = \"quiet\"\n  plan = \"startup-4\"\n  pg_user_config {\n    pg_version = \"15\"\n  }",
    ));
    let plan = e.tf.run(&["plan", "-no-color", "-input=false"]);
    plan.assert_ok();
    let output = flat(&format!("{}{}", plan.stdout, plan.stderr));
    assert!(!output.contains("Deprecated key"), "{output}");
}
