//! Restarts, crashes, concurrency and the API's errors.

mod support;

use serde_json::json;
use support::{Local, psql, uri};

#[tokio::test]
async fn restart_and_kill_9_lose_nothing() {
    let mut local = Local::start();
    let service = local.create_pg("keep", json!({})).await;
    psql(
        &uri(&service),
        "CREATE TABLE t (id int); INSERT INTO t VALUES (1)",
    );
    let (status, _) = local
        .create(json!({"service_name": "cache", "service_type": "valkey", "plan": "startup-4"}))
        .await;
    assert_eq!(status, 200);
    local.wait_ready("cache").await;

    let dir = local.server.data_dir.clone();
    local.server.stop();
    let mut restarted = Local::restart_in(&dir, false);
    let service = restarted.wait_ready("keep").await;
    assert_eq!(psql(&uri(&service), "SELECT count(*) FROM t"), "1");
    psql(&uri(&service), "INSERT INTO t VALUES (2)");
    assert_eq!(restarted.service("cache").await["state"], "RUNNING");

    restarted.server.kill9();
    // As if a crash struck between deleting a record and deleting its data.
    let orphan = dir
        .join("services")
        .join("test")
        .join("deleted-before-crash");
    std::fs::create_dir_all(orphan.join("pgdata")).unwrap();
    // Left by aiven-local, so owned as its data directory is.
    let owner = std::os::unix::fs::MetadataExt::uid(&std::fs::metadata(&dir).unwrap());
    for made in [orphan.clone(), orphan.join("pgdata")] {
        std::os::unix::fs::chown(made, Some(owner), None).unwrap();
    }
    // As if a crash struck in the middle of a backup: its directory,
    // half written, and never recorded.
    let backups = dir
        .join("services")
        .join("test")
        .join("keep")
        .join("backups");
    let cut_short = backups.join("backup-cut-short");
    std::fs::create_dir_all(&cut_short).unwrap();
    std::fs::write(cut_short.join("base.tar.lz4"), vec![0u8; 1 << 20]).unwrap();
    std::os::unix::fs::chown(&cut_short, Some(owner), None).unwrap();
    let mut again = Local::restart_in(&dir, true);
    assert!(
        !orphan.exists(),
        "data of services the catalog does not know is removed on start"
    );
    assert!(
        !cut_short.exists(),
        "a backup no run recorded is removed on start"
    );
    let recorded = again.service("keep").await["backups"]
        .as_array()
        .unwrap()
        .clone();
    assert!(!recorded.is_empty());
    for backup in &recorded {
        let name = backup["backup_name"].as_str().unwrap();
        assert!(
            backups.join(name).exists(),
            "recorded backup {name} is kept"
        );
    }
    let service = again.wait_ready("keep").await;
    assert_eq!(
        psql(
            &uri(&service),
            "SELECT string_agg(id::text, ',' ORDER BY id) FROM t"
        ),
        "1,2"
    );
    // A fork after the crash still replays everything.
    let now = again.latest_transaction("keep").await;
    let fork = again
        .create_pg(
            "after-crash",
            json!({"service_to_fork_from": "keep", "recovery_target_time": now}),
        )
        .await;
    assert_eq!(psql(&uri(&fork), "SELECT count(*) FROM t"), "2");
    again.server.stop();
    assert!(
        std::process::Command::new("pgrep")
            .args(["-f", &dir.display().to_string()])
            .output()
            .unwrap()
            .stdout
            .is_empty(),
        "SIGTERM stopped every cluster"
    );
}

async fn project_ca(local: &Local, project: &str) -> serde_json::Value {
    let path = format!("/v1/project/{project}/kms/ca");
    local.call(reqwest::Method::GET, &path, None).await.1["certificate"].clone()
}

#[tokio::test]
async fn a_deleted_projects_files_go_with_it_and_a_project_made_again_gets_a_new_ca() {
    use reqwest::Method;
    let local = Local::start();
    let dir = local.server.data_dir.clone();
    let (status, body) = local
        .call(
            Method::POST,
            "/v1/project",
            Some(json!({"project": "brief"})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let service = json!({"service_name": "db", "service_type": "valkey", "plan": "startup-4"});
    let create = "/v1/project/brief/service";
    let (status, body) = local
        .call(Method::POST, create, Some(service.clone()))
        .await;
    assert_eq!(status, 200, "{body}");
    let first = project_ca(&local, "brief").await;
    assert!(first.is_string(), "{first}");
    let (status, _) = local
        .call(Method::DELETE, "/v1/project/brief/service/db", None)
        .await;
    assert_eq!(status, 200);
    let (status, body) = local.call(Method::DELETE, "/v1/project/brief", None).await;
    assert_eq!(status, 200, "{body}");
    for kept in ["services/brief", "ca/brief"] {
        assert!(!dir.join(kept).exists(), "{kept} went with the project");
    }
    local
        .call(
            Method::POST,
            "/v1/project",
            Some(json!({"project": "brief"})),
        )
        .await;
    local.call(Method::POST, create, Some(service)).await;
    assert_ne!(
        project_ca(&local, "brief").await,
        first,
        "a new project, a new CA"
    );

    // As if a crash struck between deleting a project and its files.
    let local = local.restart();
    let owner = std::os::unix::fs::MetadataExt::uid(&std::fs::metadata(&dir).unwrap());
    for ghost in ["services/ghost", "ca/ghost", "ca/.brief.half-made"] {
        std::fs::create_dir_all(dir.join(ghost)).unwrap();
        std::os::unix::fs::chown(dir.join(ghost), Some(owner), None).unwrap();
    }
    let local = local.restart();
    for ghost in ["services/ghost", "ca/ghost", "ca/.brief.half-made"] {
        assert!(!dir.join(ghost).exists(), "{ghost} is removed on start");
    }
    assert!(dir.join("ca/brief").exists(), "a live project's CA stays");
    drop(local);
}

#[tokio::test]
async fn concurrent_creates_get_distinct_services_and_one_name_wins() {
    let local = Local::start();
    let mut creates = Vec::new();
    for i in 0..8 {
        let service_type = if i < 2 { "pg" } else { "grafana" };
        creates.push(local.create(json!({"service_name": format!("svc-{i}"), "service_type": service_type, "plan": "startup-4"})));
    }
    for _ in 0..4 {
        creates.push(local.create(
            json!({"service_name": "same", "service_type": "thanos", "plan": "startup-4"}),
        ));
    }
    let results = futures_util::future::join_all(creates).await;
    assert!(
        results[..8].iter().all(|(status, _)| *status == 200),
        "{results:?}"
    );
    let conflicts: Vec<_> = results[8..]
        .iter()
        .filter(|(status, _)| *status == 409)
        .collect();
    assert_eq!(
        conflicts.len(),
        3,
        "exactly one create of `same` wins: {results:?}"
    );
    let ports: std::collections::HashSet<_> = results[..2]
        .iter()
        .map(|(_, body)| body["service"]["service_uri_params"]["port"].clone())
        .collect();
    assert_eq!(ports.len(), 2, "pg services get distinct ports");
    for i in 0..8 {
        local.wait_ready(&format!("svc-{i}")).await;
    }
}

async fn expect_error(local: &Local, body: serde_json::Value, status: u16, fragment: &str) {
    let (got, response) = local.create(body).await;
    assert_eq!(got, status, "{response}");
    let message = response["message"].as_str().unwrap();
    assert!(message.contains(fragment), "{message:?} lacks {fragment:?}");
    assert_eq!(response["errors"][0]["status"], status);
}

#[tokio::test]
async fn every_published_cloud_is_listed_and_takes_services_and_projects() {
    let local = Local::start();
    let (status, body) = local.call(reqwest::Method::GET, "/v1/clouds", None).await;
    assert_eq!(status, 200, "{body}");
    let names: Vec<&str> = body["clouds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["cloud_name"].as_str().unwrap())
        .collect();
    for cloud in [
        "google-europe-west1",
        "avn-ovh-de1",
        "do-fra",
        "aws-eu-west-1",
    ] {
        assert!(names.contains(&cloud), "{cloud} not in {names:?}");
    }
    // Clouds of providers our old PROVIDER-REGION rule did not know.
    let (status, body) = local
        .create(json!({"service_name": "ovh-grafana", "service_type": "grafana", "plan": "startup-1", "cloud": "avn-ovh-de1"}))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["service"]["cloud_name"], "avn-ovh-de1");
    let project = json!({"project": "oci-project", "cloud": "ap-melbourne-1"});
    let (status, body) = local
        .call(reqwest::Method::POST, "/v1/project", Some(project))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["project"]["default_cloud"], "ap-melbourne-1");
    // A service that names no cloud is made in its project's default.
    let (status, body) = local
        .call(
            reqwest::Method::POST,
            "/v1/project/oci-project/service",
            Some(json!({"service_name": "oci-grafana", "service_type": "grafana", "plan": "startup-1"})),
        )
        .await;
    assert_eq!(
        (status, &body["service"]["cloud_name"]),
        (200, &json!("ap-melbourne-1")),
        "{body}"
    );
    let (status, body) = local
        .call(reqwest::Method::GET, "/v1/project/oci-project/clouds", None)
        .await;
    assert_eq!(
        (status, body["clouds"].as_array().map(Vec::len)),
        (200, Some(names.len()))
    );
    let (status, _) = local
        .call(
            reqwest::Method::GET,
            "/v1/project/no-such-project/clouds",
            None,
        )
        .await;
    assert_eq!(status, 404);
    let near_miss = json!({"cloud": "google-europe-west7"});
    let (status, body) = local
        .call(
            reqwest::Method::PUT,
            "/v1/project/oci-project",
            Some(near_miss),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    let message = body["message"].as_str().unwrap();
    assert!(
        message.contains("closest offered: google-europe-west"),
        "{message}"
    );
}

#[tokio::test]
async fn every_error_names_what_was_wrong() {
    let local = Local::start();
    // Authentication.
    let response = local
        .http
        .get(format!("{}/v1/project/test/service", local.base()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 401);
    let response = local
        .http
        .get(format!("{}/v1/project/test/service", local.base()))
        .header("Authorization", "aivenv1 wrong")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 403);
    let (status, body) = local.call(reqwest::Method::GET, "/v1/nowhere", None).await;
    assert_eq!(
        (status, body["errors"][0]["status"].as_u64()),
        (404, Some(404))
    );

    // The seed page's own curl body has a trailing comma.
    let response = local
        .http
        .post(format!("{}/v1/project/test/service", local.base()))
        .header("Authorization", format!("aivenv1 {}", testkit::TOKEN))
        .body(r#"{"service_name":"pg-fork","service_type":"pg","plan":"startup-4","user_config":{"service_to_fork_from":"x",}}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 400);
    assert!(response.text().await.unwrap().contains("trailing comma"));

    let base = |extra: serde_json::Value| {
        let mut body =
            json!({"service_name": "ok-name", "service_type": "pg", "plan": "startup-4"});
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        body
    };
    expect_error(
        &local,
        base(json!({"plan": 4})),
        400,
        "field plan: invalid type",
    )
    .await;
    expect_error(
        &local,
        base(json!({"colour": "blue"})),
        400,
        "unknown field `colour`",
    )
    .await;
    expect_error(
        &local,
        base(json!({"user_config": {"ip_filter": ["10.0.0.0/8", {"net": "10.1.0.0/16"}]}})),
        400,
        "user_config.ip_filter[1]: expected an address or CIDR range",
    )
    .await;
    expect_error(
        &local,
        base(json!({"user_config": {"ip_filter": ["999.1.1.1/99"]}})),
        400,
        "user_config.ip_filter[0]: expected an address or CIDR range",
    )
    .await;
    expect_error(
        &local,
        base(json!({"service_name": "Bad_Name"})),
        400,
        "service_name \"Bad_Name\" is invalid",
    )
    .await;
    expect_error(
        &local,
        base(json!({"plan": "gigantic-9"})),
        400,
        "business-4",
    )
    .await;
    expect_error(
        &local,
        base(json!({"cloud": "mars-north1"})),
        400,
        "cloud: \"mars-north1\" is not available",
    )
    .await;
    expect_error(
        &local,
        base(json!({"service_type": "oracle"})),
        400,
        "service_type \"oracle\"",
    )
    .await;
    expect_error(
        &local,
        base(json!({"user_config": {"pg": {"max_connections": 1}}})),
        400,
        "user_config.pg.max_connections",
    )
    .await;
    expect_error(
        &local,
        base(json!({"user_config": {"nonsense": true}})),
        400,
        "user_config.nonsense: unknown key",
    )
    .await;
    expect_error(
        &local,
        base(json!({"user_config": {"recovery_target_time": "2025-01-01 00:00:00"}})),
        400,
        "only valid together with",
    )
    .await;
    expect_error(
        &local,
        base(json!({"user_config": {"service_to_fork_from": "ghost"}})),
        404,
        "Service ghost does not exist",
    )
    .await;

    // A source still being built has no backup yet.
    let (status, _) = local
        .create(json!({"service_name": "young", "service_type": "pg", "plan": "startup-4"}))
        .await;
    assert_eq!(status, 200);
    expect_error(
        &local,
        base(json!({"user_config": {"service_to_fork_from": "young"}})),
        400,
        "has no backup yet",
    )
    .await;
    local.wait_ready("young").await;
    expect_error(
        &local,
        base(json!({"service_name": "young"})),
        409,
        "already in use",
    )
    .await;
    expect_error(
        &local,
        base(json!({"user_config": {"service_to_fork_from": "young", "recovery_target_time": "2001-01-01T00:00:00Z"}})),
        400,
        "outside the recovery window of young, which is",
    )
    .await;
    expect_error(
        &local,
        base(json!({"user_config": {"service_to_fork_from": "young", "recovery_target_time": "tomorrow"}})),
        400,
        "RFC 3339",
    )
    .await;

    // Type-specific rules.
    let (status, _) = local
        .create(json!({"service_name": "cache", "service_type": "valkey", "plan": "startup-4"}))
        .await;
    assert_eq!(status, 200);
    expect_error(
        &local,
        json!({"service_name": "cache2", "service_type": "valkey", "plan": "startup-4", "user_config": {"service_to_fork_from": "cache", "recovery_target_time": "2025-01-01 00:00:00"}}),
        400,
        "does not support point-in-time recovery",
    )
    .await;
    let (status, _) = local
        .create(json!({"service_name": "ch", "service_type": "clickhouse", "plan": "business-8"}))
        .await;
    assert_eq!(status, 200);
    local.wait_ready("ch").await;
    expect_error(
        &local,
        json!({"service_name": "ch-small", "service_type": "clickhouse", "plan": "startup-8", "user_config": {"service_to_fork_from": "ch"}}),
        400,
        "cannot be forked to fewer nodes",
    )
    .await;
    let (status, _) = local
        .create(
            json!({"service_name": "search", "service_type": "opensearch", "plan": "startup-4"}),
        )
        .await;
    assert_eq!(status, 200);
    local.wait_ready("search").await;
    let (status, fork) = local
        .create(json!({"service_name": "search-fork", "service_type": "opensearch", "plan": "startup-4", "user_config": {"service_to_fork_from": "search"}}))
        .await;
    assert_eq!(status, 200);
    assert!(
        fork["service"]["service_notifications"][0]["message"]
            .as_str()
            .unwrap()
            .contains("SSO")
    );
    let (status, engineless) = local
        .create(json!({"service_name": "dash", "service_type": "grafana", "plan": "startup-4"}))
        .await;
    assert_eq!(status, 200, "{engineless}");
    assert!(
        engineless["service"]["service_uri"]
            .as_str()
            .unwrap()
            .contains(".invalid"),
        "engine-less URIs must not resolve"
    );

    // Termination protection.
    let (status, _) = local
        .call(
            reqwest::Method::PUT,
            "/v1/project/test/service/young",
            Some(json!({"termination_protection": true})),
        )
        .await;
    assert_eq!(status, 200);
    let (status, body) = local
        .call(
            reqwest::Method::DELETE,
            "/v1/project/test/service/young",
            None,
        )
        .await;
    assert_eq!(status, 403);
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("termination protection")
    );
}

#[tokio::test]
async fn a_service_whose_provisioning_fails_says_why_once_and_is_not_provisioned_again() {
    let dir = testkit::temp_dir("failing");
    let pg_bin = testkit::pg_bin_without_initdb();
    let pg_bin = pg_bin.to_str().unwrap();
    let binary = std::path::Path::new(env!("CARGO_BIN_EXE_aiven-local"));
    let failed = |service: &serde_json::Value| {
        service["service_notifications"]
            .as_array()
            .map(|n| {
                n.iter()
                    .filter(|n| n["type"] == "provisioning_failed")
                    .count()
            })
            .unwrap_or(0)
    };
    {
        let local = Local::wrap_server(testkit::LocalServer::start_in(
            binary,
            &dir,
            &["--pg-bin", pg_bin],
        ));
        let (status, body) = local
            .create(json!({"service_name": "broken", "service_type": "pg", "plan": "startup-4"}))
            .await;
        assert_eq!(status, 200, "{body}");
        let started = std::time::Instant::now();
        while failed(&local.service("broken").await) == 0 {
            assert!(started.elapsed() < std::time::Duration::from_secs(30));
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        let service = local.service("broken").await;
        let reason = service["service_notifications"][0]["message"].to_string();
        assert!(reason.contains("initdb"), "says why: {reason}");
    }
    let local = Local::wrap_server(
        testkit::LocalServer::start_in(binary, &dir, &["--pg-bin", pg_bin]).owning_data_dir(),
    );
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    assert_eq!(
        failed(&local.service("broken").await),
        1,
        "not provisioned again at the restart"
    );
}

#[tokio::test]
async fn a_type_whose_engine_is_missing_keeps_the_lifecycle_and_says_why() {
    let binary = std::path::Path::new(env!("CARGO_BIN_EXE_aiven-local"));
    let local = Local::wrap_server(testkit::LocalServer::start(
        binary,
        &["--pg-bin", "/nonexistent/bin"],
    ));
    let (status, body) = local
        .create(json!({"service_name": "hollow", "service_type": "pg", "plan": "startup-4"}))
        .await;
    assert_eq!(status, 200, "{body}");
    let service = local.wait_ready("hollow").await;
    let notices = service["service_notifications"].as_array().unwrap();
    let missing = notices
        .iter()
        .find(|n| n["type"] == "engine_missing")
        .unwrap_or_else(|| panic!("says it has no engine: {notices:?}"));
    let message = missing["message"].as_str().unwrap();
    assert!(message.contains("/nonexistent/bin"), "says why: {message}");
    assert!(
        service["service_uri"]
            .as_str()
            .unwrap()
            .contains(".invalid"),
        "no address that could be mistaken for a server: {service}"
    );
    let (status, backups) = local
        .call(
            reqwest::Method::GET,
            "/v1/project/test/service/hollow/backups",
            None,
        )
        .await;
    assert_eq!(status, 200, "{backups}");
    assert!(
        backups["backups"][0]["storage_location"]
            .as_str()
            .unwrap()
            .contains("no engine"),
        "{backups}"
    );
}

#[tokio::test]
async fn a_deleted_services_provisioning_never_touches_a_new_one_of_the_same_name() {
    let local = Local::start();
    for round in 0..3 {
        let (status, body) = local
            .create(json!({"service_name": "phoenix", "service_type": "pg", "plan": "startup-4"}))
            .await;
        assert_eq!(status, 200, "round {round}: {body}");
        let (status, body) = local
            .call(
                reqwest::Method::DELETE,
                "/v1/project/test/service/phoenix",
                None,
            )
            .await;
        assert_eq!(status, 200, "round {round}: {body}");
    }
    let service = local.create_pg("phoenix", json!({})).await;
    assert_eq!(psql(&uri(&service), "SELECT 1"), "1");
}

#[tokio::test]
async fn values_the_engine_would_refuse_are_refused_before_anything_is_stored() {
    let local = Local::start();
    let service = local
        .create_pg("strict", json!({"pg": {"timezone": "UTC"}}))
        .await;
    let path = "/v1/project/test/service/strict";
    let put = |body: serde_json::Value| local.call(reqwest::Method::PUT, path, Some(body));
    let huge = "A".repeat(1 << 20);
    let refused = [
        json!({"user_config": {"pg": {"timezone": "Mars/Olympus"}}}),
        json!({"user_config": {"pg": {"timezone": "Europe/\u{0}x"}}}),
        json!({"user_config": {"pg": {"timezone": huge}}}),
        json!({"disk_space_mb": -100}),
        json!({"maintenance": {"dow": "funday", "time": "99:99:99"}}),
    ];
    for body in refused {
        let (status, reply) = put(body.clone()).await;
        let shown: String = body.to_string().chars().take(80).collect();
        assert_eq!(status, 400, "{shown}: {reply}");
    }
    // 1e-99999 cannot even be built as a JSON value here: send it as text.
    let (status, reply) = local
        .http
        .put(format!("{}{path}", local.base()))
        .header("Authorization", format!("aivenv1 {}", testkit::TOKEN))
        .header(testkit::EXACT_HEADER, "1")
        .body(r#"{"user_config": {"pg": {"autovacuum_vacuum_scale_factor": 1e-99999}}}"#)
        .send()
        .await
        .map(|r| r.status().as_u16())
        .map(|s| (s, ()))
        .unwrap();
    assert_eq!(status, 400, "{reply:?}");
    let now = local.service("strict").await;
    assert_eq!(
        now["user_config"]["pg"]["timezone"], "UTC",
        "nothing stored"
    );
    assert_eq!(
        psql(&uri(&service), "SHOW timezone"),
        "UTC",
        "nothing applied"
    );
    assert_eq!(now["disk_space_mb"], service["disk_space_mb"]);
    assert_eq!(now["maintenance"]["dow"], service["maintenance"]["dow"]);
    // A fork of it starts: no bad value was inherited.
    local
        .create_pg("strict-fork", json!({"service_to_fork_from": "strict"}))
        .await;
}

#[tokio::test]
async fn settings_changed_while_a_service_is_built_are_applied_when_it_runs() {
    let local = Local::start();
    let (status, body) = local
        .create(json!({"service_name": "early", "service_type": "pg", "plan": "startup-4"}))
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = local
        .call(
            reqwest::Method::PUT,
            "/v1/project/test/service/early",
            Some(json!({"user_config": {"work_mem": 64}})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let service = local.wait_ready("early").await;
    assert_eq!(psql(&uri(&service), "SHOW work_mem"), "64MB");
}

#[tokio::test]
async fn what_the_engine_already_holds_is_a_conflict_and_its_own_databases_are_reserved() {
    const POST: reqwest::Method = reqwest::Method::POST;
    const DELETE: reqwest::Method = reqwest::Method::DELETE;
    let local = Local::start();
    let pg = local.create_pg("held", json!({})).await;
    let pg_uri = uri(&pg);
    let users = "/v1/project/test/service/held/user";
    // A role made in the engine behind the API's back: a conflict, which
    // clients do not retry.
    psql(&pg_uri, "CREATE ROLE ghost LOGIN");
    let ghost = Some(json!({"username": "ghost"}));
    support::assert_answer(local.call(POST, users, ghost).await, 409, "already exists");
    // A role that owns something cannot simply go.
    let (status, body) = local
        .call(POST, users, Some(json!({"username": "owner"})))
        .await;
    assert_eq!(status, 200, "{body}");
    psql(&pg_uri, "ALTER ROLE owner CREATEDB");
    let password = body["user"]["password"].as_str().unwrap().to_owned();
    let (scheme_and_user, host) = pg_uri.rsplit_once('@').unwrap();
    let scheme = scheme_and_user.split("://").next().unwrap();
    let as_owner = format!(
        "{scheme}://owner:{}@{host}",
        aiven_api::userinfo::encode(&password)
    );
    psql(&as_owner, "CREATE DATABASE owned");
    let owner = format!("{users}/owner");
    support::assert_answer(local.call(DELETE, &owner, None).await, 409, "depend on it");

    let (status, body) = local
        .create(json!({"service_name": "held-mysql", "service_type": "mysql", "plan": "startup-4"}))
        .await;
    assert_eq!(status, 200, "{body}");
    let mysql = local.wait_ready("held-mysql").await;
    let databases = "/v1/project/test/service/held-mysql/db";
    testkit::mariadb(
        mysql["service_uri"].as_str().unwrap(),
        "CREATE DATABASE behind",
    );
    let behind = Some(json!({"database": "behind"}));
    support::assert_answer(
        local.call(POST, databases, behind).await,
        409,
        "database exists",
    );
    for own in [
        "mysql",
        "sys",
        "performance_schema",
        "information_schema",
        "MySQL",
    ] {
        let asked = local
            .call(POST, databases, Some(json!({"database": own})))
            .await;
        support::assert_answer(asked, 400, "reserved");
    }
    let sys = format!("{databases}/sys");
    support::assert_answer(local.call(DELETE, &sys, None).await, 400, "reserved");
}

#[tokio::test]
async fn an_access_block_reads_back_with_every_switch_it_leaves_out_off() {
    let local = Local::start();
    let (status, body) = local
        .create(
            json!({"service_name": "reachable", "service_type": "grafana", "plan": "startup-1",
                       "user_config": {"public_access": {"grafana": true}}}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = local
        .create(
            json!({"service_name": "reachable-pg", "service_type": "pg", "plan": "startup-4",
                       "user_config": {"public_access": {"pg": true}}}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    // As the platform reports them (issue #22, observation 6).
    assert_eq!(
        body["service"]["user_config"]["public_access"],
        json!({"pg": true, "pgbouncer": false, "prometheus": false})
    );
    let change = json!({"user_config": {"private_access": {"prometheus": true}}});
    let (status, body) = local
        .call(
            reqwest::Method::PUT,
            "/v1/project/test/service/reachable-pg",
            Some(change),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let config = &body["service"]["user_config"];
    assert_eq!(
        config["private_access"],
        json!({"pg": false, "pgbouncer": false, "prometheus": true})
    );
    assert_eq!(
        config["public_access"]["pg"], true,
        "a block the update leaves out is kept"
    );
}

#[tokio::test]
async fn grafana_services_say_they_keep_the_lifecycle_only_and_why() {
    let local = Local::start();
    let (status, body) = local
        .create(json!({"service_name": "dash", "service_type": "grafana", "plan": "startup-4"}))
        .await;
    assert_eq!(status, 200, "{body}");
    let service = local.wait_ready("dash").await;
    let notices = service["service_notifications"].as_array().unwrap();
    let notice = notices
        .iter()
        .find(|n| n["type"] == "lifecycle_only")
        .unwrap_or_else(|| panic!("grafana says it keeps the lifecycle only: {notices:?}"));
    assert!(
        notice["message"].as_str().unwrap().contains("AGPL"),
        "{notice}"
    );
}
