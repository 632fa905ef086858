//! ClickHouse services run the ClickHouse engine (chDB) behind
//! ClickHouse's HTTP interface over TLS, so ClickHouse's own Python client
//! (clickhouse-connect) talks to them unchanged. Backups are the engine's
//! `BACKUP ALL`; a fork, from the newest or a named backup, holds every
//! database, table and row its backup holds, and its users.

mod support;

use std::path::Path;

use reqwest::Method;
use serde_json::json;
use support::{Local, as_user, uri};
use testkit::{clickhouse_connect, clickhouse_query};

/// Writes `count` rows from `first` into `defaultdb.events` (made if
/// missing) with the client's own insert (the Native format).
fn write_events(uri: &str, ca: &Path, first: u32, count: u32) {
    let script = format!(
        "client.command('CREATE TABLE IF NOT EXISTS defaultdb.events \
         (id UInt32, name String, amount Float64) ENGINE = MergeTree ORDER BY id')\n\
         rows = [[i, f'event-{{i}}', i * 1.5] for i in range({first}, {first} + {count})]\n\
         client.insert('defaultdb.events', rows, column_names=['id', 'name', 'amount'])"
    );
    clickhouse_connect(uri, Some(ca), &script).expect("insert");
}

/// Every row of `defaultdb.events`, summed up so that any row lost or
/// changed shows: count, sum of ids, sum of name lengths, sum of amounts.
fn events_digest(uri: &str, ca: &Path) -> String {
    clickhouse_query(
        uri,
        ca,
        "SELECT count(), sum(id), sum(length(name)), sum(amount), \
         groupBitXor(cityHash64(id, name, amount)) FROM defaultdb.events",
    )
}

#[tokio::test]
async fn a_clickhouse_fork_holds_every_row_of_its_backup_and_its_users() {
    let local = Local::start();
    let (status, body) = local
        .create(
            json!({"service_name": "events", "service_type": "clickhouse", "plan": "startup-16"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let service = local.wait_ready("events").await;
    let source = uri(&service);
    assert!(source.starts_with("https://avnadmin:"), "{source}");
    assert_eq!(service["components"][0]["component"], "clickhouse_https");
    let ca = local.ca_file().await;
    let version = clickhouse_query(&source, &ca, "SELECT version()");
    assert!(
        version.chars().next().is_some_and(|c| c.is_ascii_digit()),
        "{version}"
    );

    // Server-side parameters and per-query settings, as the client sends
    // them (`param_*` and setting names in the query string).
    let bound = clickhouse_connect(
        &source,
        Some(&ca),
        "print(client.query('SELECT {n:UInt32} + 1, getSetting(\\'max_threads\\')', \
         parameters={'n': 41}, settings={'max_threads': 3}).result_rows[0])",
    )
    .expect("parameters and settings");
    assert_eq!(bound, "(42, 3)");
    // A parameter that is no setting's name is refused as ClickHouse
    // refuses an unknown setting, never spliced into a statement.
    let odd = clickhouse_connect(
        &source,
        Some(&ca),
        "import ssl, urllib.request, urllib.error, base64\n\
         ctx = ssl.create_default_context(cafile=os.environ['CH_CA'])\n\
         auth = base64.b64encode(f'{unquote(_uri.username)}:{unquote(_uri.password)}'.encode()).decode()\n\
         url = f'https://{_uri.hostname}:{_uri.port}/?query=SELECT+1&max_threads%3D1%3BSELECT+2=1'\n\
         try:\n    urllib.request.urlopen(urllib.request.Request(url, headers={'Authorization': 'Basic ' + auth}), context=ctx)\n\
         except urllib.error.HTTPError as err:\n    print(err.code, err.headers['X-ClickHouse-Exception-Code'])",
    )
    .expect("raw request");
    assert_eq!(odd, "400 115");

    let wrong = as_user(&source, "avnadmin", "not-the-password");
    let refused = clickhouse_connect(&wrong, Some(&ca), "client.command('SELECT 1')").unwrap_err();
    assert!(
        refused.contains("516") || refused.contains("401"),
        "{refused}"
    );

    // A database made through the API, as the platform makes them, and a
    // service user who logs in with the password the API gave it.
    let (status, body) = local
        .call(
            Method::POST,
            "/v1/project/test/service/events/db",
            Some(json!({"database": "analytics"})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = local
        .call(
            Method::POST,
            "/v1/project/test/service/events/user",
            Some(json!({"username": "analyst"})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let password = body["user"]["password"]
        .as_str()
        .expect("password")
        .to_owned();
    let analyst = as_user(&source, "analyst", &password);
    let databases = clickhouse_query(&analyst, &ca, "SHOW DATABASES");
    assert!(databases.lines().any(|d| d == "analytics"), "{databases}");

    write_events(&source, &ca, 0, 20_000);
    clickhouse_connect(
        &source,
        Some(&ca),
        "client.command('CREATE TABLE analytics.daily (day Date, total UInt64) ENGINE = MergeTree ORDER BY day')\n\
         client.command(\"INSERT INTO analytics.daily VALUES ('2026-12-01', 7), ('2026-12-02', 11)\")",
    )
    .expect("second database");
    let first = local.back_up_now("events").await;
    let at_first = events_digest(&source, &ca);
    assert!(at_first.starts_with("20000\t"), "{at_first}");

    write_events(&source, &ca, 20_000, 500);
    let newest = local.back_up_now("events").await;
    let at_newest = events_digest(&source, &ca);
    assert_ne!(at_first, at_newest);

    // The newest backup, with aiven-local killed in the middle of the fork.
    let (status, body) = local
        .create(json!({"service_name": "events-copy", "service_type": "clickhouse", "plan": "startup-16",
                       "user_config": {"service_to_fork_from": "events"}}))
        .await;
    assert_eq!(status, 200, "{body}");
    let local = local.kill9_and_restart();
    let copy = local.wait_ready("events-copy").await;
    let copy_uri = uri(&copy);
    assert_ne!(copy_uri, source);
    assert_eq!(
        events_digest(&copy_uri, &ca),
        at_newest,
        "every row of {newest}"
    );
    let copy_analyst = as_user(&copy_uri, "analyst", &password);
    assert_eq!(
        clickhouse_query(
            &copy_analyst,
            &ca,
            "SELECT day, total FROM analytics.daily ORDER BY day"
        ),
        "2026-12-01\t7\n2026-12-02\t11",
        "the fork's user reads the copied database"
    );

    // A write to the fork stays in the fork.
    write_events(&copy_uri, &ca, 90_000, 1);
    assert_ne!(events_digest(&copy_uri, &ca), at_newest);
    assert_eq!(
        events_digest(&source, &ca),
        at_newest,
        "the source never sees it"
    );

    // A named backup, the older one, with a graceful restart mid-fork.
    let (status, body) = local
        .create(json!({"service_name": "events-then", "service_type": "clickhouse", "plan": "startup-16",
                       "user_config": {"service_to_fork_from": "events", "recovery_basebackup_name": first}}))
        .await;
    assert_eq!(status, 200, "{body}");
    let local = local.restart();
    let then = uri(&local.wait_ready("events-then").await);
    assert_eq!(
        events_digest(&then, &ca),
        at_first,
        "the rows of {first}, no later"
    );
    local.wait_ready("events").await;
    assert_eq!(
        events_digest(&source, &ca),
        at_newest,
        "the source after a restart"
    );
}

#[tokio::test]
async fn a_clickhouse_database_dropped_through_the_api_is_gone_from_the_engine() {
    let local = Local::start();
    let (status, body) = local
        .create(json!({"service_name": "olap", "service_type": "clickhouse", "plan": "hobbyist"}))
        .await;
    assert_eq!(status, 200, "{body}");
    let source = uri(&local.wait_ready("olap").await);
    let ca = local.ca_file().await;
    let path = "/v1/project/test/service/olap/db";
    let (status, body) = local
        .call(Method::POST, path, Some(json!({"database": "scratch"})))
        .await;
    assert_eq!(status, 200, "{body}");
    clickhouse_connect(
        &source,
        Some(&ca),
        "client.command('CREATE TABLE scratch.t (x UInt8) ENGINE = Memory')",
    )
    .expect("table in the new database");
    let (status, body) = local
        .call(Method::DELETE, &format!("{path}/scratch"), None)
        .await;
    assert_eq!(status, 200, "{body}");
    let databases = clickhouse_query(&source, &ca, "SHOW DATABASES");
    assert!(!databases.lines().any(|d| d == "scratch"), "{databases}");
    assert!(databases.lines().any(|d| d == "defaultdb"), "{databases}");

    // ClickHouse's own endpoints, which the official provider uses.
    let own = "/v1/project/test/service/olap/clickhouse/db";
    let (status, body) = local
        .call(Method::POST, own, Some(json!({"database": "events"})))
        .await;
    assert_eq!(status, 200, "{body}");
    let databases = clickhouse_query(&source, &ca, "SHOW DATABASES");
    assert!(databases.lines().any(|d| d == "events"), "{databases}");
    let (status, body) = local.call(Method::GET, own, None).await;
    assert_eq!(status, 200, "{body}");
    let listed = body["databases"].as_array().unwrap();
    let entry = |name: &str| listed.iter().find(|d| d["name"] == name).cloned();
    assert_eq!(entry("events").unwrap()["required"], false, "{body}");
    assert_eq!(entry("events").unwrap()["state"], "ok", "{body}");
    assert_eq!(entry("defaultdb").unwrap()["required"], true, "{body}");
    let (status, body) = local
        .call(Method::DELETE, &format!("{own}/defaultdb"), None)
        .await;
    assert_eq!(status, 400, "the default database stays: {body}");
    let (status, body) = local
        .call(Method::DELETE, &format!("{own}/events"), None)
        .await;
    assert_eq!(status, 200, "{body}");
    let databases = clickhouse_query(&source, &ca, "SHOW DATABASES");
    assert!(!databases.lines().any(|d| d == "events"), "{databases}");

    // And its users: named by a UUID, logging in with their passwords.
    let users = "/v1/project/test/service/olap/clickhouse/user";
    let (status, body) = local
        .call(
            Method::POST,
            users,
            Some(json!({"name": "loader", "password": "loader-secret-1"})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let uuid = body["user"]["uuid"].as_str().unwrap().to_owned();
    assert_eq!(body["user"]["required"], false, "{body}");
    let loader = as_user(&source, "loader", "loader-secret-1");
    assert_eq!(clickhouse_query(&loader, &ca, "SELECT 2"), "2", "logs in");
    let (_, listed) = local.call(Method::GET, users, None).await;
    let primary = listed["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["name"] == "avnadmin")
        .cloned();
    assert_eq!(primary.unwrap()["required"], true, "{listed}");
    let (status, body) = local
        .call(
            Method::PUT,
            &format!("{users}/{uuid}/password"),
            Some(json!({"password": "loader-secret-2"})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["password"], "loader-secret-2", "{body}");
    let renewed = "loader-secret-2";
    assert!(
        clickhouse_connect(&loader, Some(&ca), "client.command('SELECT 1')").is_err(),
        "the old password no longer works"
    );
    let loader = as_user(&source, "loader", renewed);
    assert_eq!(clickhouse_query(&loader, &ca, "SELECT 1"), "1");
    let (status, body) = local
        .call(
            Method::POST,
            users,
            Some(json!({"name": "ranked", "roles": [{"role": "reader"}]})),
        )
        .await;
    assert_eq!(status, 400, "no roles here: {body}");
    let (status, body) = local
        .call(Method::DELETE, &format!("{users}/{uuid}"), None)
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(
        clickhouse_connect(&loader, Some(&ca), "client.command('SELECT 1')").is_err(),
        "gone"
    );

    // The API's query endpoint runs a statement in the engine; what chDB
    // cannot do (roles, grants) is refused in ClickHouse's own words.
    let query = "/v1/project/test/service/olap/clickhouse/query";
    let (status, body) = local
        .call(
            Method::POST,
            query,
            Some(json!({"database": "defaultdb", "query": "SELECT 41 + 1 AS answer"})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["meta"][0]["name"], "answer", "{body}");
    assert_eq!(body["data"][0][0], 42, "{body}");
    assert_eq!(body["summary"]["result_rows"], 1, "{body}");
    let (status, body) = local
        .call(
            Method::POST,
            query,
            Some(json!({"database": "defaultdb", "query": "CREATE ROLE IF NOT EXISTS reader"})),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    let said = body["message"].as_str().unwrap();
    assert!(
        said.contains("DB::Exception") && said.contains("CREATE ROLE"),
        "ClickHouse's words: {body}"
    );
}

#[tokio::test]
async fn clickhouse_session_settings_are_where_every_query_starts_and_server_settings_are_named_as_unapplied()
 {
    let local = Local::start();
    let config = json!({"session_settings": {"compatibility": "24.8"},
                        "server_settings": {"vector_similarity_index_cache_size": 0.1}});
    let (status, body) = local
        .create(
            json!({"service_name": "tuned", "service_type": "clickhouse", "plan": "startup-16",
                       "user_config": config}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let service = local.wait_ready("tuned").await;
    let notices = service["service_notifications"].as_array().unwrap();
    let unapplied = notices
        .iter()
        .find(|n| n["type"] == "clickhouse_settings_not_applied")
        .unwrap_or_else(|| panic!("names what it does not apply: {notices:?}"));
    assert!(
        unapplied["message"]
            .as_str()
            .unwrap()
            .contains("server_settings"),
        "{unapplied}"
    );
    let source = uri(&service);
    let ca = local.ca_file().await;
    let compatibility = "SELECT getSetting('compatibility')";
    assert_eq!(clickhouse_query(&source, &ca, compatibility), "24.8");
    // A query's own setting counts for that query alone.
    let own = clickhouse_connect(
        &source,
        Some(&ca),
        "print(client.query(\"SELECT getSetting('compatibility')\", settings={'compatibility': '23.8'}).result_rows[0][0])",
    )
    .expect("a query's own setting");
    assert_eq!(own, "23.8");
    assert_eq!(clickhouse_query(&source, &ca, compatibility), "24.8");

    let (status, body) = local
        .call(
            Method::PUT,
            "/v1/project/test/service/tuned",
            Some(json!({"user_config": {"session_settings": {"compatibility": "25.3"}}})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(clickhouse_query(&source, &ca, compatibility), "25.3");
    let local = local.restart();
    let source = uri(&local.wait_ready("tuned").await);
    assert_eq!(
        clickhouse_query(&source, &ca, compatibility),
        "25.3",
        "a restart keeps them"
    );
}
