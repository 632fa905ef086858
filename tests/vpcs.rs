//! Project VPCs through the real binary ($TERRAFORM), in the official
//! provider's shape: `aiven_project_vpc`, a service joining it with
//! `project_vpc_id = aiven_project_vpc.x.id` (the API takes the bare ID;
//! state keeps `project/vpc_id`, as the official provider does), the data
//! source by cloud, moving the service out, and the plan-time checks.

mod support;

use support::{env, words};

const VPC: &str = r#"
resource "aiven_project" "acme" {
  project = "acme"
}

resource "aiven_project_vpc" "net" {
  project      = aiven_project.acme.project
  cloud_name   = "google-europe-west1"
  network_cidr = "10.20.0.0/24"
}

data "aiven_project_vpc" "found" {
  project    = "acme"
  cloud_name = aiven_project_vpc.net.cloud_name
}

output "found" {
  value = data.aiven_project_vpc.found.id == aiven_project_vpc.net.id
}
"#;

fn service(vpc: &str) -> String {
    format!(
        r#"
resource "aiven_pg" "db" {{
  project      = "acme"
  service_name = "in-vpc"
  plan         = "startup-4"
  cloud_name   = "google-europe-west1"
  {vpc}
}}
"#
    )
}

#[test]
fn a_service_joins_and_leaves_a_vpc_named_as_the_official_provider_names_it() {
    let e = env();
    e.configure(&format!(
        "{VPC}{}",
        service("project_vpc_id = aiven_project_vpc.net.id")
    ));
    e.tf.apply().assert_ok();
    let vpc_id = e.attribute("aiven_project_vpc.net", "project_vpc_id");
    let id = e.attribute("aiven_project_vpc.net", "id");
    assert_eq!(id, format!("acme/{}", vpc_id.as_str().unwrap()).as_str());
    assert_eq!(e.attribute("aiven_project_vpc.net", "state"), "ACTIVE");
    assert_eq!(
        e.attribute("aiven_pg.db", "project_vpc_id"),
        id,
        "state keeps project/vpc_id"
    );
    let (_, reply) = e.local.call("GET", "/v1/project/acme/service/in-vpc", None);
    assert_eq!(
        reply["service"]["project_vpc_id"], vpc_id,
        "the API has the bare ID"
    );
    let output = e.tf.run(&["output", "-raw", "found"]);
    assert_eq!(
        output.stdout.trim(),
        "true",
        "the data source finds it by cloud"
    );
    assert_eq!(e.tf.plan().code, 0, "replans empty");

    // Adopted again by its import ID, it replans empty.
    e.tf.run(&["state", "rm", "aiven_project_vpc.net"])
        .assert_ok();
    e.tf.import("aiven_project_vpc.net", id.as_str().unwrap())
        .assert_ok();
    assert_eq!(e.tf.plan().code, 0, "replans empty after import");

    // Out of the VPC, onto the public network; then the VPC can go.
    e.configure(&format!("{VPC}{}", service("")));
    e.tf.apply().assert_ok();
    let (_, reply) = e.local.call("GET", "/v1/project/acme/service/in-vpc", None);
    assert!(reply["service"]["project_vpc_id"].is_null(), "{reply}");
    e.configure(&format!(
        "{}{}",
        "resource \"aiven_project\" \"acme\" {\n  project = \"acme\"\n}\n",
        service("")
    ));
    e.tf.apply().assert_ok();
    let (_, vpcs) = e.local.call("GET", "/v1/project/acme/vpcs", None);
    assert_eq!(vpcs["vpcs"], serde_json::json!([]));
}

#[test]
fn vpc_mistakes_are_refused_at_plan_time_naming_the_attribute() {
    let e = env();
    e.configure(
        r#"
resource "aiven_project_vpc" "net" {
  project      = "acme"
  cloud_name   = "google-europe-west1"
  network_cidr = "10.20.0.1/24"
}

resource "aiven_pg" "db" {
  project        = "acme"
  service_name   = "in-vpc"
  plan           = "startup-4"
  project_vpc_id = "other/1a2b3c4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d"
}
"#,
    );
    let output = words(&e.tf.plan().assert_failed());
    assert!(
        output.contains("network_cidr \"10.20.0.1/24\" has host bits set"),
        "{output}"
    );
    assert!(output.contains("is a VPC of project \"other\""), "{output}");
    assert!(!e.exists("acme", "in-vpc"));
}

fn with_ips(service_ips: &str, setting: bool) -> String {
    format!(
        r#"
resource "aiven_project" "acme" {{
  project = "acme"
}}

resource "aiven_static_ip" "ips" {{
  count      = 2
  project    = aiven_project.acme.project
  cloud_name = "google-europe-west1"
}}

resource "aiven_pg" "db" {{
  project      = aiven_project.acme.project
  service_name = "fixed"
  plan         = "startup-4"
  cloud_name   = "google-europe-west1"
  static_ips   = toset([{service_ips}])
  pg_user_config {{
    static_ips = {setting}
  }}
}}
"#
    )
}

#[test]
fn static_ips_are_associated_dissociated_and_an_assigned_one_is_kept_at_plan_time() {
    let e = env();
    let states = || {
        let (_, listed) = e.local.call("GET", "/v1/project/acme/static-ips", None);
        let mut pairs: Vec<(String, String)> = listed["static_ips"]
            .as_array()
            .unwrap()
            .iter()
            .map(|ip| {
                let id = ip["static_ip_address_id"].as_str().unwrap().to_owned();
                (
                    id,
                    format!(
                        "{}:{}",
                        ip["state"].as_str().unwrap(),
                        ip["service_name"].as_str().unwrap()
                    ),
                )
            })
            .collect();
        pairs.sort();
        pairs
    };
    e.configure(&with_ips(
        "aiven_static_ip.ips[0].static_ip_address_id",
        false,
    ));
    e.tf.apply().assert_ok();
    let first = e.tf.resource("aiven_static_ip.ips[0]").unwrap()["static_ip_address_id"].clone();
    let first = first.as_str().unwrap().to_owned();
    assert!(
        states().contains(&(first.clone(), "available:fixed".to_owned())),
        "{:?}",
        states()
    );
    assert_eq!(e.tf.plan().code, 0, "replans empty");

    let both =
        "aiven_static_ip.ips[0].static_ip_address_id, aiven_static_ip.ips[1].static_ip_address_id";
    e.configure(&with_ips(both, false));
    e.tf.apply().assert_ok();
    assert!(
        states().iter().all(|(_, s)| s == "available:fixed"),
        "{:?}",
        states()
    );

    // Dissociated while the setting is off; assigned once it is on (an
    // assigned address can no longer be dissociated).
    let second = "aiven_static_ip.ips[1].static_ip_address_id";
    e.configure(&with_ips(second, false));
    e.tf.apply().assert_ok();
    let now = states();
    assert!(
        now.contains(&(first.clone(), "created:".to_owned())),
        "dissociated: {now:?}"
    );
    e.configure(&with_ips(second, true));
    e.tf.apply().assert_ok();
    let now = states();
    assert!(now.iter().any(|(_, s)| s == "assigned:fixed"), "{now:?}");
    assert_eq!(e.tf.plan().code, 0, "replans empty");

    // A plan that would delete the assigned address is refused.
    e.configure(
        r#"
resource "aiven_project" "acme" {
  project = "acme"
}

resource "aiven_static_ip" "ips" {
  count      = 1
  project    = aiven_project.acme.project
  cloud_name = "google-europe-west1"
}
"#,
    );
    let output = words(&e.tf.plan().assert_failed());
    assert!(output.contains("is assigned to fixed"), "{output}");
}

#[test]
fn static_ip_termination_protection_changes_in_place_and_keeps_the_address() {
    let e = env();
    let config = |protected: bool| {
        format!(
            r#"
resource "aiven_project" "acme" {{
  project = "acme"
}}

resource "aiven_static_ip" "kept" {{
  project                = aiven_project.acme.project
  cloud_name             = "google-europe-west1"
  termination_protection = {protected}
}}
"#
        )
    };
    e.configure(&config(false));
    e.tf.apply().assert_ok();
    let before = e.attribute("aiven_static_ip.kept", "ip_address");
    let id = e.attribute("aiven_static_ip.kept", "static_ip_address_id");
    let id = id.as_str().unwrap();

    e.configure(&config(true));
    let plan = words(&e.tf.plan().stdout);
    assert!(
        plan.contains("Plan: 0 to add, 1 to change, 0 to destroy"),
        "{plan}"
    );
    e.tf.apply().assert_ok();
    assert_eq!(e.attribute("aiven_static_ip.kept", "ip_address"), before);
    let (status, body) = e
        .local
        .call("DELETE", &format!("/v1/project/acme/static-ips/{id}"), None);
    assert_eq!(status, 403, "protected: {body}");
    assert_eq!(e.tf.plan().code, 0, "replans empty");

    e.configure(&config(false));
    e.tf.apply().assert_ok();
    assert_eq!(e.attribute("aiven_static_ip.kept", "ip_address"), before);
    e.tf.destroy().assert_ok();
    let (_, listed) = e.local.call("GET", "/v1/project/acme/static-ips", None);
    assert_eq!(
        listed["static_ips"].as_array().unwrap().len(),
        0,
        "{listed}"
    );
}
