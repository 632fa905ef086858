//! The provider against the real API's contract rather than aiven-local's
//! habits: replies as loose as the contract allows (aiven-local's
//! `--vary`), answers lost or unreadable (the fault proxy), and requests
//! checked field by field (every test server logs departures, and the
//! harness fails a test that caused any).

mod support;

use support::{env, env_with, ids, psql};
use testkit::{Fault, FaultProxy, FaultRule};

/// Loose replies, every time, and nothing random: optional fields left
/// out, nullable ones null where that is true, unknown fields added, a
/// stale read after every update.
const LOOSE: &str = "seed=3,drop=1,stale=1,faults=0,lost=0,slow=0";

const PG: &str = r#"
resource "aiven_pg" "db" {
  project                 = "acme"
  service_name            = "db"
  plan                    = "startup-4"
  maintenance_window_dow  = "monday"
  maintenance_window_time = "03:00:00"
  tag {
    key   = "team"
    value = "core"
  }
}
"#;

#[test]
fn a_service_applies_and_replans_empty_when_replies_leave_out_what_they_may() {
    let e = env_with(&["--vary", LOOSE]);
    e.configure(PG);
    e.tf.apply().assert_ok();
    let state = e.tf.resource("aiven_pg.db").expect("saved to state");
    assert_eq!(state["state"], "RUNNING");
    // disk_space_mb is never in a reply here: no size is known, and none
    // is made up (not "0GiB").
    assert!(state["disk_space"].is_null(), "{}", state["disk_space"]);
    // service_uri_params are never in a reply either: the connection
    // details come from service_uri.
    assert_eq!(state["service_host"], "127.0.0.1");
    let uri = e.uri("aiven_pg.db");
    assert_eq!(psql(&uri, "SELECT 1"), "1");
    assert_eq!(state["pg"][0]["dbname"], "defaultdb");
    assert_eq!(e.tf.plan().code, 0, "nothing left to change");
}

#[test]
fn an_update_waits_until_a_read_shows_it_not_a_stale_running() {
    let e = env_with(&["--vary", LOOSE]);
    e.configure(PG);
    e.tf.apply().assert_ok();
    e.configure(
        &PG.replace("startup-4", "business-4")
            .replace("\"core\"", "\"platform\""),
    );
    e.tf.apply().assert_ok();
    let state = e.tf.resource("aiven_pg.db").unwrap();
    assert_eq!(state["plan"], "business-4", "the stale read was not taken");
    assert_eq!(state["tag"][0]["value"], "platform");
    assert_eq!(e.tf.plan().code, 0);
}

#[test]
fn requests_stay_inside_the_contract_tags_have_their_own_endpoint_and_no_vpc_is_sent_as_null() {
    let e = env();
    let proxy = FaultProxy::start(&e.local.url, vec![]);
    e.configure(PG);
    let tf = e.terraform_via(&proxy.url);
    tf.apply().assert_ok();
    tf.write(
        "main.tf",
        &std::fs::read_to_string(e.tf.work_dir().join("main.tf"))
            .unwrap()
            .replace("\"core\"", "\"platform\""),
    );
    tf.apply().assert_ok();
    let messages = proxy.messages();
    let create = messages
        .iter()
        .find(|m| m.starts_with("POST /v1/project/acme/service "))
        .expect("a create");
    assert!(
        create.contains(r#""project_vpc_id":null"#),
        "public network asked for explicitly: {create}"
    );
    let update = messages
        .iter()
        .find(|m| m.starts_with("PUT /v1/project/acme/service/db "))
        .expect("an update");
    assert!(
        !update.contains("\"tags\""),
        "no tags in the service update: {update}"
    );
    let tags = messages
        .iter()
        .find(|m| m.starts_with("PUT /v1/project/acme/service/db/tags "))
        .expect("tags through their own endpoint");
    assert!(tags.contains(r#""tags":{"team":"platform"}"#), "{tags}");
    let reads: Vec<&String> = messages
        .iter()
        .filter(|m| m.starts_with("GET /v1/project/acme/service/db"))
        .collect();
    assert!(
        reads.iter().all(
            |m| m.starts_with("GET /v1/project/acme/service/db?include_secrets=true")
                || m.starts_with("GET /v1/project/acme/service/db/")
        ),
        "service reads ask for secrets: {reads:?}"
    );
    assert!(
        messages
            .iter()
            .all(|m| m.contains("user-agent: terraform-provider-aiven-rs/")),
        "every request names the provider"
    );
}

#[test]
fn moving_a_service_out_of_its_vpc_sends_null() {
    let e = env();
    // The project and its VPC (in the default cloud, the service's) stay.
    let network = "resource \"aiven_project\" \"acme\" {\n  project = \"acme\"\n}\n\
        resource \"aiven_project_vpc\" \"net\" {\n  project      = aiven_project.acme.project\n  \
        cloud_name   = \"google-europe-west1\"\n  network_cidr = \"10.0.0.0/24\"\n}\n";
    let in_vpc = PG.replace(
        "  plan                    = \"startup-4\"\n",
        "  plan                    = \"startup-4\"\n  project_vpc_id          = aiven_project_vpc.net.id\n",
    );
    e.configure(&format!("{network}{in_vpc}"));
    e.tf.apply().assert_ok();
    let vpc = e.attribute("aiven_project_vpc.net", "id");
    assert_eq!(e.attribute("aiven_pg.db", "project_vpc_id"), vpc);
    let proxy = FaultProxy::start(&e.local.url, vec![]);
    e.configure(&format!("{network}{PG}"));
    let tf = e.terraform_via(&proxy.url);
    tf.apply().assert_ok();
    let update = proxy
        .messages()
        .into_iter()
        .find(|m| m.starts_with("PUT /v1/project/acme/service/db "))
        .expect("an update");
    assert!(update.contains(r#""project_vpc_id":null"#), "{update}");
    assert!(tf.resource("aiven_pg.db").unwrap()["project_vpc_id"].is_null());
    assert_eq!(tf.plan().code, 0);
}

#[test]
fn a_create_whose_answer_cannot_be_read_is_found_and_kept_not_sent_again() {
    let e = env();
    let proxy = FaultProxy::start(
        &e.local.url,
        vec![FaultRule {
            method: "POST",
            path: "/service",
            fault: Fault::GarbledAfterForwarding,
            times: 1,
        }],
    );
    e.configure(PG);
    let tf = e.terraform_via(&proxy.url);
    tf.apply().assert_ok();
    let posts = proxy
        .requests()
        .iter()
        .filter(|r| r.starts_with("POST"))
        .count();
    assert_eq!(posts, 1, "never resent: {:?}", proxy.requests());
    assert_eq!(tf.resource("aiven_pg.db").unwrap()["state"], "RUNNING");
    assert_eq!(tf.plan().code, 0);
}

#[test]
fn a_create_that_cannot_be_settled_names_the_field_and_the_import_block() {
    let e = env();
    let proxy = FaultProxy::start(
        &e.local.url,
        vec![
            FaultRule {
                method: "POST",
                path: "/service",
                fault: Fault::GarbledAfterForwarding,
                times: 1,
            },
            // The name check passes; every look-up after the create fails.
            FaultRule {
                method: "GET",
                path: "/service/db?include_secrets",
                fault: Fault::Status(404, None),
                times: 1,
            },
            FaultRule {
                method: "GET",
                path: "/service/db",
                fault: Fault::Status(403, None),
                times: 100,
            },
        ],
    );
    e.configure(PG);
    let tf = e.terraform_via(&proxy.url);
    let output = tf.apply().assert_failed();
    let flat = output.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(flat.contains("Service may have been created"), "{output}");
    assert!(
        flat.contains("service.service_name"),
        "names the field: {output}"
    );
    assert!(
        flat.contains(r#"import { to = aiven_pg.<this resource's name> id = "acme/db" }"#),
        "{output}"
    );
    assert!(
        e.exists("acme", "db"),
        "the service the API made is there to adopt"
    );
}

#[test]
fn a_taken_name_is_refused_with_the_import_block_that_adopts_it() {
    let e = env();
    e.configure(PG);
    e.tf.apply().assert_ok();
    let other = e.terraform_with(&[]);
    let output = other.apply().assert_failed();
    let flat = output.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(flat.contains("Service already exists"), "{output}");
    assert!(flat.contains(r#"id = "acme/db""#), "{output}");
}

#[test]
fn an_error_page_that_is_not_json_reads_as_its_status_not_a_parse_error() {
    let e = env();
    let proxy = FaultProxy::start(
        &e.local.url,
        vec![FaultRule {
            method: "GET",
            path: "/service/db",
            fault: Fault::Page(403),
            times: 100,
        }],
    );
    e.configure(PG);
    let tf = e.terraform_via(&proxy.url);
    let output = tf.apply().assert_failed();
    let flat = output.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains(
            r#"Forbidden, with a non-JSON reply (text/html): "403 Denied by proxy" (HTTP 403)"#
        ),
        "{output}"
    );
}

#[test]
fn a_null_window_start_fails_a_point_in_time_fork_at_plan_saying_no_backup_allows_it_yet() {
    let e = env();
    e.configure(PG);
    e.tf.apply().assert_ok();
    // What the API answers before any backup allows point-in-time recovery.
    let proxy = FaultProxy::start(
        &e.local.url,
        vec![FaultRule {
            method: "GET",
            path: "/service/db/backups",
            fault: Fault::Json(
                r#"{"backups": [], "pitr": {"primary_region": {"pitr_range_start": null, "pitr_range_end": null}, "additional_regions": []}}"#,
            ),
            times: 100,
        }],
    );
    e.configure(&format!(
        r#"{PG}
resource "aiven_pg" "fork" {{
  project      = "acme"
  service_name = "db-fork"
  plan         = "startup-4"
  pg_user_config {{
    service_to_fork_from = aiven_pg.db.service_name
    recovery_target_time = "2025-07-01T15:16:22Z"
  }}
}}
"#
    ));
    let tf = e.terraform_via(&proxy.url);
    let output = tf.plan();
    let flat = format!("{} {}", output.stdout, output.stderr)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert_eq!(output.code, 1, "{flat}");
    assert!(
        flat.contains("no backup of it allows point-in-time recovery yet"),
        "{flat}"
    );
}

/// The fork workflow through every variation, faults included.
#[test]
fn the_fork_workflow_passes_through_the_contract_variations_with_nothing_orphaned() {
    let e = env_with(&["--vary", "seed=11,faults=0.1,lost=0.1,slow=0.2"]);
    let source = r#"
resource "aiven_pg" "source" {
  project      = "acme"
  service_name = "orders"
  plan         = "startup-4"
  tag {
    key   = "env"
    value = "prod"
  }
}
"#;
    e.configure(source);
    e.tf.apply().assert_ok();
    e.wait_for_backup("acme", "orders");
    let source_uri = e.uri("aiven_pg.source");
    psql(
        &source_uri,
        "CREATE TABLE t (id int); INSERT INTO t VALUES (1)",
    );
    std::thread::sleep(std::time::Duration::from_millis(1100));
    // 35 characters: the API takes at most 32, so it is sent normalized.
    let target = time::OffsetDateTime::now_utc()
        .to_offset(time::macros::offset!(+2))
        .format(time::macros::format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:9]+02:00"
        ))
        .unwrap();
    assert!(target.len() > 32, "{target}");
    std::thread::sleep(std::time::Duration::from_millis(1100));
    psql(&source_uri, "INSERT INTO t VALUES (2)");
    let forks = format!(
        r#"{source}
data "aiven_service_backups" "source" {{
  project         = aiven_pg.source.project
  service_name    = aiven_pg.source.service_name
  wait_for_backup = true
}}

resource "aiven_pg" "latest" {{
  project      = "acme"
  service_name = "orders-latest"
  plan         = "startup-4"
  fork_point   = "latest_transaction"
  pg_user_config {{
    service_to_fork_from = aiven_pg.source.service_name
  }}
}}

resource "aiven_pg" "point" {{
  project      = "acme"
  service_name = "orders-point"
  plan         = "startup-4"
  pg_user_config {{
    service_to_fork_from = aiven_pg.source.service_name
    recovery_target_time = "{target}"
  }}
}}
"#
    );
    e.configure(&forks);
    e.tf.apply().assert_ok();
    let backups = e.tf.resource("data.aiven_service_backups.source").unwrap();
    let window_end = &backups["pitr_range_end"];
    assert!(
        window_end.is_string(),
        "a null window end reads as now: {window_end}"
    );
    assert_eq!(ids(&e.uri("aiven_pg.latest")), "1,2");
    assert_eq!(ids(&e.uri("aiven_pg.point")), "1");
    e.configure(&forks.replace("\"prod\"", "\"production\""));
    e.tf.apply().assert_ok();
    assert_eq!(
        e.attribute("aiven_pg.source", "tag")[0]["value"],
        "production"
    );
    let plan = e.tf.plan();
    assert_eq!(plan.code, 0, "an empty plan at the end: {}", plan.stdout);
    e.tf.destroy().assert_ok();
    let (_, listed) = e.local.call("GET", "/v1/project/acme/service", None);
    assert_eq!(
        listed["services"],
        serde_json::json!([]),
        "nothing orphaned"
    );
}
