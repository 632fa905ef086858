//! OpenSearch services run OpenSearch 2.19 with its security plugin: the
//! REST API over HTTPS with the service's users, checked with curl as
//! the platform's docs connect. Backups are snapshots; a fork, from the
//! newest or a named backup, holds every document its backup holds, and
//! its users log in with their passwords.

mod support;

use std::path::Path;

use reqwest::Method;
use serde_json::json;
use support::{Local, as_user, uri};
use testkit::opensearch;

/// Indexes `count` documents from `first` into `logs` in one bulk
/// request, visible to searches once it answers.
fn index_logs(uri: &str, ca: &Path, first: u32, count: u32) {
    let mut lines = String::new();
    for id in first..first + count {
        lines.push_str(&json!({"index": {"_index": "logs", "_id": id.to_string()}}).to_string());
        lines.push('\n');
        lines.push_str(&json!({"n": id, "message": format!("event {id}")}).to_string());
        lines.push('\n');
    }
    // _bulk takes newline-delimited JSON: a JSON string carries it here.
    let (status, reply) = testkit::opensearch_ndjson(uri, ca, "/_bulk?refresh=true", &lines);
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply["errors"], false, "{reply}");
}

/// Every document of `logs`, summed up so that any one lost or changed
/// shows: count, sum of `n`, and the ids.
fn logs_digest(uri: &str, ca: &Path) -> String {
    let query = json!({"size": 0, "track_total_hits": true,
                       "aggs": {"sum": {"sum": {"field": "n"}}, "max": {"max": {"field": "n"}}}});
    let (status, reply) = opensearch(uri, ca, "POST", "/logs/_search", Some(&query));
    assert_eq!(status, 200, "{reply}");
    format!(
        "{} docs, sum {}, max {}",
        reply["hits"]["total"]["value"],
        reply["aggregations"]["sum"]["value"],
        reply["aggregations"]["max"]["value"]
    )
}

#[tokio::test]
async fn an_opensearch_fork_holds_every_document_of_its_backup_and_its_users() {
    let local = Local::start();
    let (status, body) = local
        .create(
            json!({"service_name": "search", "service_type": "opensearch", "plan": "startup-4"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let service = local.wait_ready("search").await;
    let source = uri(&service);
    assert!(source.starts_with("https://avnadmin:"), "{source}");
    let ca = local.ca_file().await;
    let (status, root) = opensearch(&source, &ca, "GET", "/", None);
    assert_eq!(status, 200, "{root}");
    assert!(
        root["version"]["number"]
            .as_str()
            .unwrap()
            .starts_with("2.19"),
        "{root}"
    );
    let (status, _) = opensearch(
        &as_user(&source, "avnadmin", "not-the-password"),
        &ca,
        "GET",
        "/",
        None,
    );
    assert_eq!(status, 401, "a wrong password is refused");

    // A service user made through the API logs in with its password and
    // works with indices, but not with the security plugin's API.
    let (status, body) = local
        .call(
            Method::POST,
            "/v1/project/test/service/search/user",
            Some(json!({"username": "indexer"})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let password = body["user"]["password"]
        .as_str()
        .expect("password")
        .to_owned();
    let indexer = as_user(&source, "indexer", &password);
    index_logs(&indexer, &ca, 0, 500);
    let (status, reply) = opensearch(
        &indexer,
        &ca,
        "GET",
        "/_plugins/_security/api/internalusers",
        None,
    );
    assert_eq!(status, 403, "{reply}");

    let first = local.back_up_now("search").await;
    let at_first = logs_digest(&source, &ca);
    assert!(at_first.starts_with("500 docs"), "{at_first}");
    index_logs(&source, &ca, 500, 20);
    let newest = local.back_up_now("search").await;
    let at_newest = logs_digest(&source, &ca);
    assert_ne!(at_first, at_newest);

    // The newest backup, with aiven-local killed in the middle of the fork.
    let (status, body) = local
        .create(
            json!({"service_name": "search-copy", "service_type": "opensearch", "plan": "startup-4",
                       "user_config": {"service_to_fork_from": "search"}}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let local = local.kill9_and_restart();
    let copy = local.wait_ready("search-copy").await;
    let copy_uri = uri(&copy);
    assert_ne!(copy_uri, source);
    assert_eq!(
        logs_digest(&copy_uri, &ca),
        at_newest,
        "every document of {newest}"
    );
    let copy_indexer = as_user(&copy_uri, "indexer", &password);
    let (status, reply) = opensearch(&copy_indexer, &ca, "GET", "/logs/_doc/519", None);
    assert_eq!(
        status, 200,
        "the fork's user reads the copied index: {reply}"
    );
    assert_eq!(reply["_source"]["message"], "event 519");

    // A write to the fork stays in the fork.
    index_logs(&copy_uri, &ca, 9000, 1);
    assert_ne!(logs_digest(&copy_uri, &ca), at_newest);
    assert_eq!(
        logs_digest(&source, &ca),
        at_newest,
        "the source never sees it"
    );

    // A named backup, the older one, with a graceful restart mid-fork.
    let (status, body) = local
        .create(json!({"service_name": "search-then", "service_type": "opensearch", "plan": "startup-4",
                       "user_config": {"service_to_fork_from": "search", "recovery_basebackup_name": first}}))
        .await;
    assert_eq!(status, 200, "{body}");
    let local = local.restart();
    let then = uri(&local.wait_ready("search-then").await);
    assert_eq!(
        logs_digest(&then, &ca),
        at_first,
        "the documents of {first}, no later"
    );
    local.wait_ready("search").await;
    assert_eq!(
        logs_digest(&source, &ca),
        at_newest,
        "the source after a restart"
    );
}

#[tokio::test]
async fn opensearch_users_follow_the_api_and_unapplied_settings_are_named() {
    let local = Local::start();
    let config = json!({"opensearch": {"action_auto_create_index_enabled": false}});
    let (status, body) = local
        .create(
            json!({"service_name": "docs", "service_type": "opensearch", "plan": "hobbyist",
                       "user_config": config}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let service = local.wait_ready("docs").await;
    let notices = service["service_notifications"].as_array().unwrap();
    assert!(
        notices
            .iter()
            .any(|n| n["type"] == "opensearch_settings_not_applied"
                && n["message"].as_str().unwrap().contains("opensearch")),
        "names what it does not apply: {notices:?}"
    );
    let source = uri(&service);
    let ca = local.ca_file().await;
    let path = "/v1/project/test/service/docs/user";
    let (status, body) = local
        .call(Method::POST, path, Some(json!({"username": "reader"})))
        .await;
    assert_eq!(status, 200, "{body}");
    let old = body["user"]["password"].as_str().unwrap().to_owned();
    let (status, body) = local
        .call(
            Method::PUT,
            &format!("{path}/reader"),
            Some(json!({"operation": "reset-credentials", "new_password": "a-new-password-of-reader"})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = opensearch(&as_user(&source, "reader", &old), &ca, "GET", "/", None);
    assert_eq!(status, 401, "the old password no longer works");
    let (status, _) = opensearch(
        &as_user(&source, "reader", "a-new-password-of-reader"),
        &ca,
        "GET",
        "/",
        None,
    );
    assert_eq!(status, 200, "the new one does");
    let (status, body) = local
        .call(Method::DELETE, &format!("{path}/reader"), None)
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = opensearch(
        &as_user(&source, "reader", "a-new-password-of-reader"),
        &ca,
        "GET",
        "/",
        None,
    );
    assert_eq!(status, 401, "a deleted user is gone from the engine");

    // The primary user's own password: aiven-local changes it as that user.
    let (status, body) = local
        .call(
            Method::PUT,
            &format!("{path}/avnadmin"),
            Some(json!({"operation": "reset-credentials", "new_password": "a-new-password-of-avnadmin"})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = opensearch(&source, &ca, "GET", "/", None);
    assert_eq!(
        status, 401,
        "the primary user's old password no longer works"
    );
    let primary = as_user(&source, "avnadmin", "a-new-password-of-avnadmin");
    let (status, _) = opensearch(&primary, &ca, "GET", "/", None);
    assert_eq!(status, 200, "its new one does");
    let local = local.restart();
    let (status, _) = opensearch(&primary, &ca, "GET", "/", None);
    assert_eq!(status, 200, "and still does after a restart");
    let (status, body) = local
        .call(Method::POST, path, Some(json!({"username": "later"})))
        .await;
    assert_eq!(status, 200, "aiven-local still manages users: {body}");
}

#[tokio::test]
async fn an_opensearch_fork_leaves_out_single_sign_on_and_says_so() {
    let local = Local::start();
    let saml = json!({"enabled": true, "idp_entity_id": "idp", "idp_metadata_url": "https://idp.example/metadata",
                      "sp_entity_id": "search", "roles_key": "roles"});
    let (status, body) = local
        .create(
            json!({"service_name": "sso", "service_type": "opensearch", "plan": "startup-4",
                       "user_config": {"saml": saml, "max_index_count": 100}}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    local.wait_ready("sso").await;
    let (status, body) = local
        .create(
            json!({"service_name": "sso-fork", "service_type": "opensearch", "plan": "startup-4",
                       "user_config": {"service_to_fork_from": "sso"}}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let fork = local.wait_ready("sso-fork").await;
    let config = &fork["user_config"];
    assert!(config.get("saml").is_none(), "SSO is not copied: {config}");
    assert_eq!(
        config["max_index_count"], 100,
        "the other settings are: {config}"
    );
    let notices = fork["service_notifications"].as_array().unwrap();
    assert!(
        notices.iter().any(|n| n["type"] == "fork_sso_not_copied"),
        "{notices:?}"
    );
}

/// `method path` as `who`, and the status OpenSearch answers.
fn status_of(who: &str, ca: &Path, method: &str, path: &str) -> u16 {
    let body = (method == "PUT").then(|| json!({"n": 2}));
    let (status, reply) = opensearch(who, ca, method, path, body.as_ref());
    assert!(
        [200, 201, 403].contains(&status),
        "{method} {path}: {status} {reply}"
    );
    status
}

#[tokio::test]
async fn access_control_lists_limit_each_user_to_its_indices_and_a_fork_keeps_them() {
    let local = Local::start();
    let (status, body) = local
        .create(json!({"service_name": "acl", "service_type": "opensearch", "plan": "startup-4"}))
        .await;
    assert_eq!(status, 200, "{body}");
    let source = uri(&local.wait_ready("acl").await);
    let ca = local.ca_file().await;
    let users = "/v1/project/test/service/acl/user";
    let (status, body) = local
        .call(Method::POST, users, Some(json!({"username": "ana"})))
        .await;
    assert_eq!(status, 200, "{body}");
    let ana = as_user(&source, "ana", body["user"]["password"].as_str().unwrap());
    for index in [
        "logs_2017",
        "logs_2018",
        "logs_2019",
        "events_1",
        "messages",
    ] {
        let path = format!("/{index}/_doc/1?refresh=true");
        let (status, reply) = opensearch(&source, &ca, "PUT", &path, Some(&json!({"n": 1})));
        assert_eq!(status, 201, "{reply}");
    }
    assert_eq!(
        status_of(&ana, &ca, "GET", "/messages/_doc/1"),
        200,
        "lists off: every index"
    );

    // The platform docs' example rules.
    let acl = "/v1/project/test/service/acl/opensearch/acl";
    let rules = json!([
        {"index": "logs_*", "permission": "read"},
        {"index": "events_*", "permission": "write"},
        {"index": "logs_2018*", "permission": "deny"},
        {"index": "logs_2019*", "permission": "admin"},
    ]);
    let whole = json!({"opensearch_acl_config": {"enabled": true,
                       "acls": [{"username": "ana", "rules": rules}]}});
    let (status, body) = local.call(Method::POST, acl, Some(whole.clone())).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, whole, "the reply is the lists as they now are");
    let (status, body) = local.call(Method::GET, acl, None).await;
    assert_eq!((status, &body), (200, &whole));
    for (method, path, expected, why) in [
        ("GET", "/logs_2017/_doc/1", 200, "read"),
        ("PUT", "/logs_2017/_doc/2", 403, "read only"),
        ("GET", "/logs_2018/_doc/1", 403, "deny beats logs_*"),
        ("GET", "/messages/_doc/1", 403, "no rule matches"),
        ("PUT", "/events_1/_doc/2", 201, "write"),
        ("GET", "/events_1/_doc/1", 403, "write only"),
        ("PUT", "/events_2/_doc/1", 201, "write makes the index"),
        ("DELETE", "/events_2", 403, "but does not delete it"),
        ("DELETE", "/logs_2019", 200, "admin beats logs_*/read"),
    ] {
        assert_eq!(
            status_of(&ana, &ca, method, path),
            expected,
            "{method} {path}: {why}"
        );
    }
    let mget = json!({"docs": [{"_index": "logs_2017", "_id": "1"}]});
    let (status, reply) = opensearch(&ana, &ca, "POST", "/_mget", Some(&mget));
    assert_eq!(status, 200, "_mget of allowed indices: {reply}");
    assert_eq!(reply["docs"][0]["found"], true, "{reply}");
    assert_eq!(
        status_of(&source, &ca, "GET", "/messages/_doc/1"),
        200,
        "the primary user is not limited"
    );

    // Refused, naming the rule; nothing changes.
    let bad = json!({"opensearch_acl_config": {"enabled": true, "acls": [{"username": "ana",
                     "rules": [{"index": "messages", "permission": "owner"}]}]}});
    let (status, body) = local.call(Method::POST, acl, Some(bad)).await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("rules[0].permission"),
        "{body}"
    );
    assert_eq!(status_of(&ana, &ca, "GET", "/messages/_doc/1"), 403);

    // A change in part keeps the rest; off lets every user everywhere.
    let (status, body) = local
        .call(
            Method::PUT,
            acl,
            Some(json!({"opensearch_acl_config": {"enabled": false}})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["opensearch_acl_config"]["acls"],
        whole["opensearch_acl_config"]["acls"]
    );
    assert_eq!(status_of(&ana, &ca, "GET", "/messages/_doc/1"), 200);
    let (status, body) = local
        .call(
            Method::PUT,
            acl,
            Some(json!({"opensearch_acl_config": {"enabled": true}})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(status_of(&ana, &ca, "GET", "/messages/_doc/1"), 403);

    // A user made while the lists are on has what its rules give: none.
    let (status, body) = local
        .call(Method::POST, users, Some(json!({"username": "bo"})))
        .await;
    assert_eq!(status, 200, "{body}");
    let bo = as_user(&source, "bo", body["user"]["password"].as_str().unwrap());
    assert_eq!(status_of(&bo, &ca, "GET", "/logs_2017/_doc/1"), 403);

    // A fork starts with its source's lists.
    local.back_up_now("acl").await;
    let (status, body) = local
        .create(
            json!({"service_name": "acl-copy", "service_type": "opensearch", "plan": "startup-4",
                       "user_config": {"service_to_fork_from": "acl"}}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let copy = uri(&local.wait_ready("acl-copy").await);
    let (status, body) = local
        .call(
            Method::GET,
            "/v1/project/test/service/acl-copy/opensearch/acl",
            None,
        )
        .await;
    assert_eq!((status, &body), (200, &whole));
    let ana_copy = ana.replace(
        &source[source.rfind('@').unwrap()..],
        &copy[copy.rfind('@').unwrap()..],
    );
    assert_eq!(status_of(&ana_copy, &ca, "GET", "/logs_2017/_doc/1"), 200);
    assert_eq!(status_of(&ana_copy, &ca, "GET", "/messages/_doc/1"), 403);
}
