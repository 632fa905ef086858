//! The client's behaviour when the network or the API misbehaves, through
//! a fault-injecting proxy in front of the real aiven-local.

mod support;

use testkit::{Fault, FaultProxy, FaultRule};

const SERVICE: &str = r#"
resource "aiven_service" "cache" {
  project      = "acme"
  service_name = "cache"
  service_type = "valkey"
  plan         = "startup-4"
}
"#;

#[test]
fn retries_and_an_unknown_create_outcome_never_create_twice() {
    let e = support::env_counting_requests();
    let proxy = FaultProxy::start(
        &e.local.url,
        vec![
            FaultRule {
                method: "POST",
                path: "/service",
                fault: Fault::DropAfterForwarding,
                times: 1,
            },
            FaultRule {
                method: "GET",
                path: "/service/cache",
                fault: Fault::Status(503, None),
                times: 2,
            },
            FaultRule {
                method: "GET",
                path: "/service/cache",
                fault: Fault::Status(429, Some(1)),
                times: 1,
            },
        ],
    );
    e.configure(SERVICE);
    let tf = e.terraform_with(&[("AIVEN_WEB_URL", &proxy.url)]);
    let started = std::time::Instant::now();
    tf.apply().assert_ok();
    let requests = proxy.requests();
    let posts = requests.iter().filter(|r| r.starts_with("POST")).count();
    assert_eq!(
        posts, 1,
        "the create reached the API once; its lost answer was resolved by a lookup: {requests:?}"
    );
    let gets = requests
        .iter()
        .filter(|r| r.starts_with("GET /v1/project/acme/service/cache"))
        .count();
    assert!(gets >= 4, "503, 503 and 429 were retried: {requests:?}");
    assert!(
        started.elapsed() >= std::time::Duration::from_secs(1),
        "Retry-After was honoured"
    );
    assert_eq!(
        tf.resource("aiven_service.cache").unwrap()["state"],
        "RUNNING"
    );
    assert_eq!(tf.plan().code, 0);
}

#[test]
fn api_errors_surface_with_message_and_status_and_are_not_retried() {
    let e = support::env_counting_requests();
    let proxy = FaultProxy::start(
        &e.local.url,
        vec![FaultRule {
            method: "POST",
            path: "/service",
            fault: Fault::Status(400, None),
            times: 1,
        }],
    );
    e.configure(SERVICE);
    let tf = e.terraform_with(&[("AIVEN_WEB_URL", &proxy.url)]);
    let output = tf.apply().assert_failed();
    let flat = output.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(flat.contains("injected fault (HTTP 400)"), "{output}");
    assert_eq!(
        proxy
            .requests()
            .iter()
            .filter(|r| r.starts_with("POST"))
            .count(),
        1,
        "a 400 is final"
    );
    assert!(!e.exists("acme", "cache"));
}

#[test]
fn a_delete_answered_417_and_a_read_answered_408_are_retried() {
    let e = support::env_counting_requests();
    e.configure(SERVICE);
    e.tf.apply().assert_ok();
    let proxy = FaultProxy::start(
        &e.local.url,
        vec![
            FaultRule {
                method: "GET",
                path: "/service/cache",
                fault: Fault::Status(408, None),
                times: 1,
            },
            FaultRule {
                method: "DELETE",
                path: "/service/cache",
                fault: Fault::Status(417, None),
                times: 2,
            },
        ],
    );
    let tf = e.terraform_via(&proxy.url);
    tf.destroy().assert_ok();
    let deletes = proxy
        .requests()
        .iter()
        .filter(|r| r.starts_with("DELETE"))
        .count();
    assert_eq!(
        deletes,
        3,
        "two 417s, then the delete: {:?}",
        proxy.requests()
    );
    assert!(!e.exists("acme", "cache"));
}

#[test]
fn a_service_whose_provisioning_fails_is_an_error_with_the_reason_and_kept_in_state() {
    let pg_bin = testkit::pg_bin_without_initdb();
    let e = support::env_with(&["--pg-bin", pg_bin.to_str().unwrap()]);
    e.configure(
        r#"
resource "aiven_pg" "db" {
  project      = "acme"
  service_name = "doomed"
  plan         = "startup-4"
}
"#,
    );
    let output = e.tf.apply().assert_failed();
    let flat = output.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(flat.contains("Provisioning failed"), "{output}");
    assert!(flat.contains("initdb"), "says why: {output}");
    assert!(
        e.tf.resource("aiven_pg.db").is_some(),
        "saved to state (tainted), not orphaned"
    );
}

/// Creates of objects with no name of their own (static IP addresses, a
/// VPC): an answer lost after the API acted, and a 503 before it did,
/// end with each object made exactly once and in state.
#[test]
fn network_objects_whose_create_answer_is_lost_or_refused_are_made_exactly_once() {
    let e = support::env_counting_requests();
    let proxy = FaultProxy::start(
        &e.local.url,
        vec![
            FaultRule {
                method: "POST",
                path: "/static-ips",
                fault: Fault::DropAfterForwarding,
                times: 1,
            },
            FaultRule {
                method: "POST",
                path: "/static-ips",
                fault: Fault::Status(503, None),
                times: 1,
            },
            FaultRule {
                method: "POST",
                path: "/vpcs",
                fault: Fault::DropAfterForwarding,
                times: 1,
            },
        ],
    );
    e.configure(
        r#"
resource "aiven_project" "net" {
  project = "net"
}

resource "aiven_static_ip" "ip" {
  count      = 3
  project    = aiven_project.net.project
  cloud_name = "google-europe-west1"
}

resource "aiven_project_vpc" "vpc" {
  project      = aiven_project.net.project
  cloud_name   = "google-europe-west1"
  network_cidr = "10.0.0.0/24"
}
"#,
    );
    let tf = e.terraform_with(&[("AIVEN_WEB_URL", &proxy.url)]);
    tf.apply().assert_ok();
    let (_, listed) = e.local.call("GET", "/v1/project/net/static-ips", None);
    let made: Vec<&str> = listed["static_ips"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|ip| ip["static_ip_address_id"].as_str())
        .collect();
    assert_eq!(made.len(), 3, "three addresses, none twice: {listed}");
    let mut held: Vec<String> = (0..3)
        .map(|i| {
            let ip = tf.resource(&format!("aiven_static_ip.ip[{i}]")).unwrap();
            ip["static_ip_address_id"].as_str().unwrap().to_owned()
        })
        .collect();
    held.sort();
    held.dedup();
    assert_eq!(
        held.len(),
        3,
        "each resource holds its own address: {held:?}"
    );
    assert!(
        held.iter().all(|id| made.contains(&id.as_str())),
        "{held:?} {made:?}"
    );
    let (_, vpcs) = e.local.call("GET", "/v1/project/net/vpcs", None);
    assert_eq!(vpcs["vpcs"].as_array().unwrap().len(), 1, "{vpcs}");
    assert_eq!(tf.plan().code, 0);
}

/// Organizations and accounts need not have unique names: an answer lost
/// after the API acted, and a 503 before it did, still end with each made
/// once and in state.
#[test]
fn an_organization_whose_create_answer_is_lost_or_refused_is_made_exactly_once() {
    let e = support::env_counting_requests();
    let proxy = FaultProxy::start(
        &e.local.url,
        vec![
            FaultRule {
                method: "POST",
                path: "/v1/account",
                fault: Fault::DropAfterForwarding,
                times: 1,
            },
            FaultRule {
                method: "POST",
                path: "/v1/account",
                fault: Fault::Status(503, None),
                times: 1,
            },
        ],
    );
    e.configure(
        r#"
resource "aiven_organization" "acme" {
  name = "Acme"
}

resource "aiven_account" "legacy" {
  name = "Acme"
}
"#,
    );
    let tf = e.terraform_with(&[("AIVEN_WEB_URL", &proxy.url)]);
    tf.apply().assert_ok();
    let (_, listed) = e.local.call("GET", "/v1/account", None);
    let accounts = listed["accounts"].as_array().unwrap();
    assert_eq!(accounts.len(), 2, "two accounts, none twice: {listed}");
    let org = tf.resource("aiven_organization.acme").unwrap()["id"].clone();
    let account = tf.resource("aiven_account.legacy").unwrap()["id"].clone();
    assert!(
        accounts.iter().any(|a| a["organization_id"] == org),
        "{listed}"
    );
    assert!(
        accounts.iter().any(|a| a["account_id"] == account),
        "{listed}"
    );
    assert_ne!(
        accounts
            .iter()
            .find(|a| a["organization_id"] == org)
            .unwrap()["account_id"],
        account,
        "each resource holds its own account"
    );
    assert_eq!(tf.plan().code, 0);
}
