//! Cassandra services run Apache Cassandra 5.0: CQL over TLS on the
//! service's port with the service's users, checked with Cassandra's own
//! Python driver (the one cqlsh runs on). Backups are snapshots; a fork,
//! from the newest or a named backup, holds every row its backup holds,
//! and the roles and grants too.

mod support;

use std::path::Path;

use reqwest::Method;
use serde_json::json;
use support::{Local, as_user, uri};
use testkit::cql;

/// Writes rows `first..first + count` of `app.t` (making the keyspace and
/// table if missing), each acknowledged before this returns.
fn write_rows(uri: &str, ca: &Path, first: u32, count: u32) {
    let script = format!(
        r#"
from cassandra.concurrent import execute_concurrent_with_args
session.execute("CREATE KEYSPACE IF NOT EXISTS app WITH replication = {{'class': 'SimpleStrategy', 'replication_factor': 1}}")
session.execute("CREATE TABLE IF NOT EXISTS app.t (id int PRIMARY KEY, v text)")
insert = session.prepare("INSERT INTO app.t (id, v) VALUES (?, ?)")
rows = [(i, "row %d" % i) for i in range({first}, {first} + {count})]
for ok, result in execute_concurrent_with_args(session, insert, rows, concurrency=32):
    assert ok, result
"#
    );
    cql(uri, Some(ca), &script).unwrap_or_else(|err| panic!("writing rows: {err}"));
}

/// Every row of `app.t`, summed up so that any one lost or changed shows.
fn rows_digest(uri: &str, ca: &Path) -> String {
    let script = r#"
import hashlib
rows = sorted((r.id, r.v) for r in session.execute("SELECT id, v FROM app.t"))
print("%d rows, sum %d, sha %s" % (len(rows), sum(r[0] for r in rows),
      hashlib.sha256(repr(rows).encode()).hexdigest()[:16]))
"#;
    cql(uri, Some(ca), script).unwrap_or_else(|err| panic!("reading rows: {err}"))
}

/// What a statement run as `uri`'s user gets: `ok`, or its error.
fn try_statement(uri: &str, ca: &Path, statement: &str) -> Result<String, String> {
    cql(
        uri,
        Some(ca),
        &format!("session.execute({statement:?})\nprint('ok')"),
    )
}

#[tokio::test]
async fn a_cassandra_fork_holds_every_row_role_and_grant_of_its_backup() {
    let local = Local::start();
    let (status, body) = local
        .create(json!({"service_name": "wide", "service_type": "cassandra", "plan": "startup-4"}))
        .await;
    assert_eq!(status, 200, "{body}");
    let service = local.wait_ready("wide").await;
    let source = uri(&service);
    let ca = local.ca_file().await;
    let version = cql(
        &source,
        Some(&ca),
        "print(session.execute('SELECT release_version FROM system.local').one()[0])",
    );
    assert!(
        version.as_deref().unwrap().starts_with("5.0"),
        "{version:?}"
    );
    let refused = cql(
        &as_user(&source, "avnadmin", "not-the-password"),
        Some(&ca),
        "",
    );
    assert!(
        refused
            .as_ref()
            .is_err_and(|e| e.contains("Bad credentials")),
        "a wrong password is refused: {refused:?}"
    );
    let default_role = cql(&as_user(&source, "cassandra", "cassandra"), Some(&ca), "");
    assert!(
        default_role.is_err(),
        "Cassandra's default superuser is gone"
    );

    // A service user made through the API logs in and works with data,
    // but cannot manage roles.
    let (status, body) = local
        .call(
            Method::POST,
            "/v1/project/test/service/wide/user",
            Some(json!({"username": "writer"})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let password = body["user"]["password"].as_str().unwrap().to_owned();
    let writer = as_user(&source, "writer", &password);
    write_rows(&writer, &ca, 0, 500);
    let denied = try_statement(
        &writer,
        &ca,
        "CREATE ROLE sneaky WITH LOGIN = true AND PASSWORD = 'sneaky-pw-1'",
    );
    assert!(
        denied.as_ref().is_err_and(|e| e.contains("Unauthorized")),
        "{denied:?}"
    );
    // A role made with CQL, with a grant: the backup's roles carry it.
    try_statement(
        &source,
        &ca,
        "CREATE ROLE reader WITH LOGIN = true AND PASSWORD = 'reader-pw-123'",
    )
    .unwrap();
    try_statement(&source, &ca, "GRANT SELECT ON KEYSPACE app TO reader").unwrap();

    let first = local.back_up_now("wide").await;
    let at_first = rows_digest(&source, &ca);
    assert!(at_first.starts_with("500 rows"), "{at_first}");
    write_rows(&source, &ca, 500, 20);
    let newest = local.back_up_now("wide").await;
    let at_newest = rows_digest(&source, &ca);
    assert_ne!(at_first, at_newest);

    // The newest backup, with aiven-local killed in the middle of the fork.
    let (status, body) = local
        .create(
            json!({"service_name": "wide-copy", "service_type": "cassandra", "plan": "startup-4",
                       "user_config": {"service_to_fork_from": "wide"}}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let local = local.kill9_and_restart();
    let copy = uri(&local.wait_ready("wide-copy").await);
    assert_ne!(copy, source);
    assert_eq!(rows_digest(&copy, &ca), at_newest, "every row of {newest}");
    let copy_writer = as_user(&copy, "writer", &password);
    assert_eq!(rows_digest(&copy_writer, &ca), at_newest);
    let reader = as_user(&copy, "reader", "reader-pw-123");
    assert_eq!(
        rows_digest(&reader, &ca),
        at_newest,
        "the CQL-made role logs in to the fork"
    );
    let read_only = try_statement(&reader, &ca, "INSERT INTO app.t (id, v) VALUES (1, 'x')");
    assert!(
        read_only
            .as_ref()
            .is_err_and(|e| e.contains("Unauthorized")),
        "and has only its grant: {read_only:?}"
    );

    // A write to the fork stays in the fork.
    write_rows(&copy, &ca, 9000, 1);
    assert_ne!(rows_digest(&copy, &ca), at_newest);
    assert_eq!(
        rows_digest(&source, &ca),
        at_newest,
        "the source never sees it"
    );

    // A named backup, the older one, with a graceful restart mid-fork.
    let (status, body) = local
        .create(json!({"service_name": "wide-then", "service_type": "cassandra", "plan": "startup-4",
                       "user_config": {"service_to_fork_from": "wide", "recovery_basebackup_name": first}}))
        .await;
    assert_eq!(status, 200, "{body}");
    let local = local.restart();
    let then = uri(&local.wait_ready("wide-then").await);
    assert_eq!(
        rows_digest(&then, &ca),
        at_first,
        "the rows of {first}, no later"
    );
    local.wait_ready("wide").await;
    assert_eq!(
        rows_digest(&source, &ca),
        at_newest,
        "the source after a restart"
    );
}

#[tokio::test]
async fn cassandra_users_follow_the_api_and_another_version_is_named() {
    let local = Local::start();
    let config = json!({"cassandra_version": "4"});
    let (status, body) = local
        .create(
            json!({"service_name": "ring", "service_type": "cassandra", "plan": "startup-4",
                       "user_config": config}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let service = local.wait_ready("ring").await;
    let notices = service["service_notifications"].as_array().unwrap();
    assert!(
        notices
            .iter()
            .any(|n| n["type"] == "cassandra_version_not_run"
                && n["message"].as_str().unwrap().contains("5.0")),
        "the version asked for is not the one that runs: {notices:?}"
    );
    let source = uri(&service);
    let ca = local.ca_file().await;
    let path = "/v1/project/test/service/ring/user";
    let (status, body) = local
        .call(Method::POST, path, Some(json!({"username": "app"})))
        .await;
    assert_eq!(status, 200, "{body}");
    let old = body["user"]["password"].as_str().unwrap().to_owned();
    let (status, body) = local
        .call(
            Method::PUT,
            &format!("{path}/app"),
            Some(
                json!({"operation": "reset-credentials", "new_password": "a-new-password-of-app"}),
            ),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let logs_in = |uri: &str| cql(uri, Some(&ca), "print('in')").is_ok();
    assert!(
        !logs_in(&as_user(&source, "app", &old)),
        "the old password no longer works"
    );
    assert!(logs_in(&as_user(&source, "app", "a-new-password-of-app")));
    let (status, body) = local
        .call(Method::DELETE, &format!("{path}/app"), None)
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(
        !logs_in(&as_user(&source, "app", "a-new-password-of-app")),
        "a deleted user is gone from the engine"
    );

    // The primary user's own password, kept across a restart, which
    // applies the users file again: the deleted user stays deleted.
    let (status, body) = local
        .call(
            Method::PUT,
            &format!("{path}/avnadmin"),
            Some(json!({"operation": "reset-credentials", "new_password": "a-new-password-of-avnadmin"})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(
        !logs_in(&source),
        "the primary user's old password no longer works"
    );
    let primary = as_user(&source, "avnadmin", "a-new-password-of-avnadmin");
    assert!(logs_in(&primary));
    let local = local.restart();
    local.wait_ready("ring").await;
    assert!(logs_in(&primary), "and still does after a restart");
    assert!(!logs_in(&as_user(&source, "app", "a-new-password-of-app")));
    let (status, body) = local
        .call(Method::POST, path, Some(json!({"username": "later"})))
        .await;
    assert_eq!(status, 200, "aiven-local still manages users: {body}");
}
