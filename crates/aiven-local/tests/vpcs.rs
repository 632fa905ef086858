//! Project VPCs and static IP addresses as the platform's rules have them,
//! recorded with no network made. VPCs: one per cloud in a project,
//! `APPROVED` then `ACTIVE`; a service is put in one of its project's VPCs
//! in the VPC's cloud and says in its notifications that no network is
//! made; a VPC with services in it is not deleted; bad CIDR blocks are
//! refused naming the field. Static IPs: `created`, `available` once
//! associated, `assigned` once the service's `static_ips` is on, and then
//! neither dissociated nor deleted; kept, dissociated, when the service
//! goes.

mod support;

use std::time::Duration;

use reqwest::Method;
use serde_json::json;
use support::{Local, assert_answer};

#[tokio::test]
async fn vpcs_follow_the_platforms_rules_and_say_that_no_network_is_made() {
    let local = Local::start();
    let (status, project) = local
        .call(
            Method::POST,
            "/v1/project",
            Some(json!({"project": "test"})),
        )
        .await;
    assert_eq!(status, 200, "{project}");
    let vpc = |cloud: &str, cidr: &str| json!({"cloud_name": cloud, "network_cidr": cidr, "peering_connections": []});
    let (status, created) = local
        .call(
            Method::POST,
            "/v1/project/test/vpcs",
            Some(vpc("google-europe-west1", "10.0.0.0/24")),
        )
        .await;
    assert_eq!(status, 200, "{created}");
    assert_eq!(created["state"], "APPROVED");
    let id = created["project_vpc_id"].as_str().unwrap().to_owned();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (_, read) = local
        .call(Method::GET, &format!("/v1/project/test/vpcs/{id}"), None)
        .await;
    assert_eq!(read["state"], "ACTIVE", "{read}");

    let answer = local
        .call(
            Method::POST,
            "/v1/project/test/vpcs",
            Some(vpc("google-europe-west1", "10.1.0.0/24")),
        )
        .await;
    assert_answer(answer, 409, "already has a VPC in google-europe-west1");
    let answer = local
        .call(
            Method::POST,
            "/v1/project/test/vpcs",
            Some(vpc("aws-eu-west-1", "10.1.0.1/24")),
        )
        .await;
    assert_answer(answer, 400, "host bits");

    let service = |cloud: &str| {
        json!({"service_name": "db", "service_type": "pg", "plan": "startup-4",
               "cloud": cloud, "project_vpc_id": id})
    };
    assert_answer(
        local.create(service("aws-eu-west-1")).await,
        400,
        "a service in a VPC is in the VPC's cloud",
    );
    let (status, body) = local.create(service("google-europe-west1")).await;
    assert_eq!(status, 200, "{body}");
    let db = local.wait_ready("db").await;
    assert_eq!(db["project_vpc_id"], id.as_str());
    let kinds: Vec<&str> = db["service_notifications"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|n| n["type"].as_str())
        .collect();
    assert!(kinds.contains(&"vpc_no_network"), "{db}");

    let path = format!("/v1/project/test/vpcs/{id}");
    assert_answer(
        local.call(Method::DELETE, &path, None).await,
        409,
        "has services in it (db)",
    );
    let (status, _) = local
        .call(
            Method::PUT,
            "/v1/project/test/service/db",
            Some(json!({"project_vpc_id": null})),
        )
        .await;
    assert_eq!(status, 200);
    let (status, deleted) = local.call(Method::DELETE, &path, None).await;
    assert_eq!(status, 200, "{deleted}");
    assert_eq!(deleted["state"], "DELETING");
    let (status, _) = local.call(Method::GET, &path, None).await;
    assert_eq!(status, 404);
    let (_, listed) = local.call(Method::GET, "/v1/project/test/vpcs", None).await;
    assert_eq!(listed["vpcs"], json!([]));
}

#[tokio::test]
async fn static_ips_go_from_created_to_available_to_assigned_and_outlive_their_service() {
    let local = Local::start();
    let (status, _) = local
        .call(
            Method::POST,
            "/v1/project",
            Some(json!({"project": "test"})),
        )
        .await;
    assert_eq!(status, 200);
    let new_ip = async |cloud: &str| {
        let (status, ip) = local
            .call(
                Method::POST,
                "/v1/project/test/static-ips",
                Some(json!({"cloud_name": cloud})),
            )
            .await;
        assert_eq!(status, 200, "{ip}");
        assert_eq!(ip["state"], "created");
        assert!(
            ip["ip_address"].as_str().unwrap().starts_with("198.1"),
            "{ip}"
        );
        ip["static_ip_address_id"].as_str().unwrap().to_owned()
    };
    let (first, second, elsewhere) = (
        new_ip("google-europe-west1").await,
        new_ip("google-europe-west1").await,
        new_ip("aws-eu-west-1").await,
    );
    let service = |ips: &[&str]| {
        json!({"service_name": "db", "service_type": "pg", "plan": "startup-4",
               "cloud": "google-europe-west1", "static_ips": ips})
    };
    assert_answer(
        local.create(service(&[&elsewhere])).await,
        400,
        "is in aws-eu-west-1",
    );
    let (status, body) = local.create(service(&[&first])).await;
    assert_eq!(status, 200, "{body}");
    local.wait_ready("db").await;
    let state_of = async |id: &str| {
        let (_, listed) = local
            .call(Method::GET, "/v1/project/test/static-ips", None)
            .await;
        let ip = listed["static_ips"]
            .as_array()
            .unwrap()
            .iter()
            .find(|ip| ip["static_ip_address_id"] == id)
            .cloned()
            .unwrap_or_default();
        (
            ip["state"].as_str().unwrap_or("gone").to_owned(),
            ip["service_name"].clone(),
        )
    };
    assert_eq!(state_of(&first).await, ("available".into(), json!("db")));
    let association = format!("/v1/project/test/static-ips/{second}/association");
    let (status, body) = local
        .call(
            Method::POST,
            &association,
            Some(json!({"service_name": "db"})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = local
        .call(
            Method::PUT,
            "/v1/project/test/service/db",
            Some(json!({"user_config": {"static_ips": true}})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(state_of(&second).await.0, "assigned");
    assert_answer(
        local.call(Method::DELETE, &association, None).await,
        409,
        "stays bound",
    );
    let path = format!("/v1/project/test/static-ips/{second}");
    assert_answer(
        local.call(Method::DELETE, &path, None).await,
        409,
        "stays bound",
    );

    let (status, _) = local
        .call(Method::DELETE, "/v1/project/test/service/db", None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        state_of(&second).await,
        ("created".into(), json!("")),
        "kept, dissociated"
    );
    let (status, deleted) = local.call(Method::DELETE, &path, None).await;
    assert_eq!(status, 200, "{deleted}");
    assert_eq!(state_of(&second).await.0, "gone");
}
