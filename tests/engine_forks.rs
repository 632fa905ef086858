//! Forks of mysql, valkey, clickhouse, opensearch and cassandra services
//! through terraform, against aiven-local's real MariaDB, redis-server,
//! ClickHouse (chDB), OpenSearch and Cassandra, checked with the engines'
//! own clients: `mariadb` row by row, `redis-cli` key by key,
//! `clickhouse-connect` row by row, curl document by document, Cassandra's
//! Python driver row by row. A fork that names no point holds
//! the latest backup; the plan says which.

mod support;

use support::{env, words};
use testkit::{mariadb, redis_cli};

const MYSQL: &str = r#"
resource "aiven_mysql" "source" {
  project      = "acme"
  service_name = "shop"
  plan         = "startup-4"
}
"#;

/// An instant between two writes, as the CLI writes it: UTC, no zone.
fn a_moment_between_writes() -> String {
    testkit::moment_between_writes()
        .format(time::macros::format_description!(
            "[year]-[month]-[day] [hour]:[minute]:[second]"
        ))
        .unwrap()
}

#[test]
fn mysql_forks_hold_the_latest_backup_the_latest_transaction_or_exactly_the_point_in_time() {
    let e = env();
    e.configure(MYSQL);
    e.tf.apply().assert_ok();
    e.wait_for_backup("acme", "shop");
    let uri = e.uri("aiven_mysql.source");
    mariadb(
        &uri,
        "CREATE TABLE t (id INT PRIMARY KEY); INSERT INTO t VALUES (1)",
    );
    let backup = e.local.back_up_now("acme", "shop");
    mariadb(&uri, "INSERT INTO t VALUES (2)");
    let target = a_moment_between_writes();
    mariadb(&uri, "INSERT INTO t VALUES (3)");

    e.configure(&format!(
        r#"{MYSQL}
resource "aiven_mysql" "backup" {{
  project      = "acme"
  service_name = "shop-backup"
  plan         = "startup-4"
  mysql_user_config {{
    service_to_fork_from = aiven_mysql.source.service_name
  }}
}}

resource "aiven_mysql" "latest" {{
  project      = "acme"
  service_name = "shop-latest"
  plan         = "startup-4"
  fork_point   = "latest_transaction"
  mysql_user_config {{
    service_to_fork_from = aiven_mysql.source.service_name
  }}
}}

resource "aiven_mysql" "point" {{
  project      = "acme"
  service_name = "shop-point"
  plan         = "startup-4"
  fork_point   = "{target}"
  mysql_user_config {{
    service_to_fork_from = aiven_mysql.source.service_name
  }}
}}
"#
    ));
    let plan = words(&e.tf.plan().stdout);
    assert!(
        plan.contains(&format!("restored from backup {backup}"))
            && plan.contains("will not be in the fork; choose the latest transaction"),
        "{plan}"
    );
    e.tf.apply().assert_ok();
    let ids = "SELECT group_concat(id ORDER BY id) FROM t";
    let latest = e.uri("aiven_mysql.latest");
    assert_eq!(
        mariadb(&e.uri("aiven_mysql.backup"), ids),
        "1",
        "the latest backup, nothing after it"
    );
    assert_eq!(mariadb(&latest, ids), "1,2,3", "the latest transaction");
    assert_eq!(
        mariadb(&e.uri("aiven_mysql.point"), ids),
        "1,2",
        "exactly the transactions up to the point"
    );
    let restored = e.attribute("aiven_mysql.backup", "fork_restored_to");
    assert_eq!(restored["backup_name"], backup.as_str());
    let restored = e.attribute("aiven_mysql.latest", "fork_restored_to");
    let time = restored["time"].as_str().unwrap();
    assert!(
        !time.contains('.'),
        "MySQL recovers whole seconds: the latest transaction is one ({time})"
    );
    let plan = e.tf.plan();
    assert_eq!(plan.code, 0, "second plan must be empty:\n{}", plan.stdout);

    mariadb(&latest, "INSERT INTO t VALUES (4)");
    assert_eq!(
        mariadb(&uri, ids),
        "1,2,3",
        "the source never sees the fork's writes"
    );
}

#[test]
fn a_valkey_fork_holds_the_keys_of_the_backup_it_names() {
    let e = env();
    let source = r#"
resource "aiven_valkey" "source" {
  project      = "acme"
  service_name = "cache"
  plan         = "startup-4"
}
"#;
    e.configure(source);
    e.tf.apply().assert_ok();
    let uri = e.uri("aiven_valkey.source");
    redis_cli(&uri, &["SET", "kept", "1"]);
    let backup = e.local.back_up_now("acme", "cache");
    redis_cli(&uri, &["SET", "later", "2"]);
    let newest = e.local.back_up_now("acme", "cache");

    e.configure(&format!(
        r#"{source}
resource "aiven_valkey" "copy" {{
  project      = "acme"
  service_name = "cache-copy"
  plan         = "startup-4"
  valkey_user_config {{
    service_to_fork_from     = aiven_valkey.source.service_name
    recovery_basebackup_name = "{backup}"
  }}
}}

resource "aiven_valkey" "named" {{
  project      = "acme"
  service_name = "cache-named"
  plan         = "startup-4"
  fork_point   = "backup:{backup}"
  valkey_user_config {{
    service_to_fork_from = aiven_valkey.source.service_name
  }}
}}

resource "aiven_valkey" "newest" {{
  project      = "acme"
  service_name = "cache-newest"
  plan         = "startup-4"
  valkey_user_config {{
    service_to_fork_from = aiven_valkey.source.service_name
  }}
}}
"#
    ));
    let plan = words(&e.tf.plan().stdout);
    assert!(
        plan.contains(&format!("restored from backup {newest}"))
            && plan.contains("What was written to cache after it will not be in the fork."),
        "{plan}"
    );
    e.tf.apply().assert_ok();
    for address in ["aiven_valkey.copy", "aiven_valkey.named"] {
        let copy = e.uri(address);
        assert_eq!(redis_cli(&copy, &["GET", "kept"]), "1", "{address}");
        assert_eq!(
            redis_cli(&copy, &["EXISTS", "later"]),
            "0",
            "{address}: written after the backup"
        );
        assert_eq!(redis_cli(&copy, &["DBSIZE"]), "1");
        let restored = e.attribute(address, "fork_restored_to");
        assert_eq!(restored["backup_name"], backup.as_str(), "{address}");
        assert!(restored["time"].is_string(), "{address}: {restored}");
    }
    let newest_copy = e.uri("aiven_valkey.newest");
    assert_eq!(
        redis_cli(&newest_copy, &["DBSIZE"]),
        "2",
        "the newest backup"
    );
    let restored = e.attribute("aiven_valkey.newest", "fork_restored_to");
    assert_eq!(restored["backup_name"], newest.as_str());
    let copy = e.uri("aiven_valkey.copy");
    redis_cli(&copy, &["SET", "fork-only", "x"]);
    assert_eq!(redis_cli(&uri, &["EXISTS", "fork-only"]), "0");
    let plan = e.tf.plan();
    assert_eq!(plan.code, 0, "second plan must be empty:\n{}", plan.stdout);
}

/// The ids in `defaultdb.t` of the ClickHouse service at `uri`, in order,
/// read with ClickHouse's own Python client (the certificate is checked
/// in aiven-local's tests; these are about data).
fn clickhouse_ids(uri: &str) -> String {
    let script = "print(','.join(str(r[0]) for r in client.query('SELECT id FROM defaultdb.t ORDER BY id').result_rows))";
    testkit::clickhouse_connect(uri, None, script).expect("read defaultdb.t")
}

fn clickhouse(uri: &str, sql: &str) {
    let script = format!("client.command({sql:?})");
    testkit::clickhouse_connect(uri, None, &script).unwrap_or_else(|err| panic!("{sql}: {err}"));
}

#[test]
fn a_clickhouse_fork_holds_the_rows_databases_and_users_of_the_backup_it_names_or_of_the_newest() {
    let e = env();
    let source = r#"
resource "aiven_clickhouse" "source" {
  project      = "acme"
  service_name = "olap"
  plan         = "startup-16"
}

resource "aiven_clickhouse_database" "events" {
  project      = aiven_clickhouse.source.project
  service_name = aiven_clickhouse.source.service_name
  name         = "events"
}

resource "aiven_clickhouse_user" "loader" {
  project      = aiven_clickhouse.source.project
  service_name = aiven_clickhouse.source.service_name
  username     = "loader"
}
"#;
    e.configure(source);
    e.tf.apply().assert_ok();
    let uri = e.uri("aiven_clickhouse.source");
    clickhouse(
        &uri,
        "CREATE TABLE defaultdb.t (id UInt32) ENGINE = MergeTree ORDER BY id",
    );
    clickhouse(&uri, "INSERT INTO defaultdb.t VALUES (1), (2)");
    clickhouse(
        &uri,
        "CREATE TABLE events.e (id UInt32) ENGINE = MergeTree ORDER BY id",
    );
    clickhouse(&uri, "INSERT INTO events.e VALUES (7)");
    let backup = e.local.back_up_now("acme", "olap");
    clickhouse(&uri, "INSERT INTO defaultdb.t VALUES (3)");
    let newest = e.local.back_up_now("acme", "olap");

    e.configure(&format!(
        r#"{source}
resource "aiven_clickhouse" "named" {{
  project      = "acme"
  service_name = "olap-named"
  plan         = "startup-16"
  fork_point   = "backup:{backup}"
  clickhouse_user_config {{
    service_to_fork_from = aiven_clickhouse.source.service_name
  }}
}}

resource "aiven_clickhouse" "newest" {{
  project      = "acme"
  service_name = "olap-newest"
  plan         = "startup-16"
  clickhouse_user_config {{
    service_to_fork_from = aiven_clickhouse.source.service_name
  }}
}}
"#
    ));
    let plan = words(&e.tf.plan().stdout);
    assert!(
        plan.contains(&format!("restored from backup {newest}")),
        "{plan}"
    );
    e.tf.apply().assert_ok();
    assert_eq!(clickhouse_ids(&e.uri("aiven_clickhouse.named")), "1,2");
    let restored = e.attribute("aiven_clickhouse.named", "fork_restored_to");
    assert_eq!(restored["backup_name"], backup.as_str());
    let copy = e.uri("aiven_clickhouse.newest");
    assert_eq!(clickhouse_ids(&copy), "1,2,3");
    clickhouse(&copy, "INSERT INTO defaultdb.t VALUES (4)");
    assert_eq!(
        clickhouse_ids(&uri),
        "1,2,3",
        "the fork's write stays there"
    );
    let plan = e.tf.plan();
    assert_eq!(plan.code, 0, "second plan must be empty:\n{}", plan.stdout);

    // The fork keeps the database, with its rows, and adopts it by import.
    let (_, listed) = e.local.call(
        "GET",
        "/v1/project/acme/service/olap-newest/clickhouse/db",
        None,
    );
    let names: Vec<&str> = listed["databases"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d["name"].as_str())
        .collect();
    assert!(names.contains(&"events"), "{listed}");
    let script = "print(client.query('SELECT id FROM events.e').result_rows[0][0])";
    assert_eq!(
        testkit::clickhouse_connect(&copy, None, script).unwrap(),
        "7"
    );
    // So is the user, who logs in to the fork with its password.
    let password = e.attribute("aiven_clickhouse_user.loader", "password");
    let host = copy.rsplit_once('@').unwrap().1;
    let loader = format!("https://loader:{}@{host}", password.as_str().unwrap());
    assert_eq!(
        testkit::clickhouse_connect(&loader, None, script).unwrap(),
        "7"
    );
    let (_, users) = e.local.call(
        "GET",
        "/v1/project/acme/service/olap-newest/clickhouse/user",
        None,
    );
    let uuid = users["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["name"] == "loader")
        .unwrap()["uuid"]
        .clone();
    let adopted = r#"
resource "aiven_clickhouse_database" "copied" {
  project      = aiven_clickhouse.newest.project
  service_name = aiven_clickhouse.newest.service_name
  name         = "events"
}

resource "aiven_clickhouse_user" "copied" {
  project      = aiven_clickhouse.newest.project
  service_name = aiven_clickhouse.newest.service_name
  username     = "loader"
}
"#;
    let main = std::fs::read_to_string(e.tf.work_dir().join("main.tf")).unwrap();
    e.tf.write("main.tf", &format!("{main}{adopted}"));
    e.tf.import(
        "aiven_clickhouse_database.copied",
        "acme/olap-newest/events",
    )
    .assert_ok();
    let user_id = format!("acme/olap-newest/{}", uuid.as_str().unwrap());
    e.tf.import("aiven_clickhouse_user.copied", &user_id)
        .assert_ok();
    assert_eq!(
        e.attribute("aiven_clickhouse_user.copied", "password"),
        password,
        "the source's password"
    );
    let plan = e.tf.plan();
    assert_eq!(
        plan.code, 0,
        "the adopted database replans empty:\n{}",
        plan.stdout
    );
}

/// The project's CA, from the API, in a file for curl.
fn project_ca(e: &support::Env) -> std::path::PathBuf {
    let (_, ca) = e.local.call("GET", "/v1/project/acme/kms/ca", None);
    let file = testkit::temp_dir("engine-forks-ca").join("ca.pem");
    std::fs::write(&file, ca["certificate"].as_str().expect("certificate")).unwrap();
    file
}

/// The ids of the documents in `articles`, sorted, joined by commas.
fn article_ids(uri: &str, ca: &std::path::Path) -> String {
    let query = serde_json::json!({"size": 100, "sort": [{"n": "asc"}]});
    let (status, reply) = testkit::opensearch(uri, ca, "POST", "/articles/_search", Some(&query));
    assert_eq!(status, 200, "{reply}");
    let hits = reply["hits"]["hits"].as_array().unwrap();
    hits.iter()
        .map(|hit| hit["_id"].as_str().unwrap().to_owned())
        .collect::<Vec<_>>()
        .join(",")
}

fn add_article(uri: &str, ca: &std::path::Path, n: u32) {
    let doc = serde_json::json!({"n": n, "title": format!("article {n}")});
    let path = format!("/articles/_doc/{n}?refresh=true");
    let (status, reply) = testkit::opensearch(uri, ca, "PUT", &path, Some(&doc));
    assert!(status == 200 || status == 201, "{reply}");
}

#[test]
fn an_opensearch_fork_holds_the_documents_of_the_backup_it_names_or_of_the_newest() {
    let e = env();
    let source = r#"
resource "aiven_opensearch" "source" {
  project      = "acme"
  service_name = "search"
  plan         = "startup-4"
}
"#;
    e.configure(source);
    e.tf.apply().assert_ok();
    let ca = project_ca(&e);
    let uri = e.uri("aiven_opensearch.source");
    add_article(&uri, &ca, 1);
    add_article(&uri, &ca, 2);
    let backup = e.local.back_up_now("acme", "search");
    add_article(&uri, &ca, 3);
    e.local.back_up_now("acme", "search");

    e.configure(&format!(
        r#"{source}
resource "aiven_opensearch" "named" {{
  project      = "acme"
  service_name = "search-named"
  plan         = "startup-4"
  fork_point   = "backup:{backup}"
  opensearch_user_config {{
    service_to_fork_from = aiven_opensearch.source.service_name
  }}
}}

resource "aiven_opensearch" "newest" {{
  project      = "acme"
  service_name = "search-newest"
  plan         = "startup-4"
  opensearch_user_config {{
    service_to_fork_from = aiven_opensearch.source.service_name
  }}
}}
"#
    ));
    let plan = e.tf.plan();
    assert!(
        words(&plan.stdout).contains("Single sign-on settings are not copied to a fork"),
        "{}",
        plan.stdout
    );
    e.tf.apply().assert_ok();
    assert_eq!(article_ids(&e.uri("aiven_opensearch.named"), &ca), "1,2");
    let copy = e.uri("aiven_opensearch.newest");
    assert_eq!(article_ids(&copy, &ca), "1,2,3");
    add_article(&copy, &ca, 4);
    assert_eq!(
        article_ids(&uri, &ca),
        "1,2,3",
        "the fork's write stays there"
    );
    let plan = e.tf.plan();
    assert_eq!(plan.code, 0, "second plan must be empty:\n{}", plan.stdout);
}

/// The ids in Cassandra's `app.t`, sorted, joined by commas.
fn cassandra_ids(uri: &str, ca: &std::path::Path) -> String {
    let script = "print(','.join(str(i) for i in sorted(r.id for r in session.execute('SELECT id FROM app.t'))))";
    testkit::cql(uri, Some(ca), script).expect("read app.t")
}

fn cassandra_write(uri: &str, ca: &std::path::Path, statement: &str) {
    let script = format!("session.execute({statement:?})");
    testkit::cql(uri, Some(ca), &script).unwrap_or_else(|err| panic!("{statement}: {err}"));
}

#[test]
fn a_cassandra_fork_holds_the_rows_of_the_newest_backup() {
    let e = env();
    let source = r#"
resource "aiven_cassandra" "source" {
  project      = "acme"
  service_name = "ring"
  plan         = "startup-4"
}
"#;
    e.configure(source);
    e.tf.apply().assert_ok();
    let ca = project_ca(&e);
    let uri = e.uri("aiven_cassandra.source");
    cassandra_write(
        &uri,
        &ca,
        "CREATE KEYSPACE app WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}",
    );
    cassandra_write(&uri, &ca, "CREATE TABLE app.t (id int PRIMARY KEY)");
    cassandra_write(&uri, &ca, "INSERT INTO app.t (id) VALUES (1)");
    cassandra_write(&uri, &ca, "INSERT INTO app.t (id) VALUES (2)");
    let backup = e.local.back_up_now("acme", "ring");
    cassandra_write(&uri, &ca, "INSERT INTO app.t (id) VALUES (3)");

    e.configure(&format!(
        r#"{source}
resource "aiven_cassandra" "copy" {{
  project      = "acme"
  service_name = "ring-copy"
  plan         = "startup-4"
  cassandra_user_config {{
    service_to_fork_from = aiven_cassandra.source.service_name
  }}
}}
"#
    ));
    let plan = words(&e.tf.plan().stdout);
    assert!(
        plan.contains(&format!("restored from backup {backup}")),
        "{plan}"
    );
    e.tf.apply().assert_ok();
    let copy = e.uri("aiven_cassandra.copy");
    assert_eq!(cassandra_ids(&copy, &ca), "1,2", "the rows of {backup}");
    cassandra_write(&copy, &ca, "INSERT INTO app.t (id) VALUES (4)");
    assert_eq!(
        cassandra_ids(&uri, &ca),
        "1,2,3",
        "the fork's write stays there"
    );
    let plan = e.tf.plan();
    assert_eq!(plan.code, 0, "second plan must be empty:\n{}", plan.stdout);
}

/// curl with a cookie jar, as a browser without JavaScript: the page.
fn browse(jar: &std::path::Path, url: &str, form: &[(&str, &str)]) -> String {
    let mut command = std::process::Command::new("curl");
    command
        .args(["-s", "-b"])
        .arg(jar)
        .arg("-c")
        .arg(jar)
        .arg(url);
    for (key, value) in form {
        command.args(["--data-urlencode", &format!("{key}={value}")]);
    }
    String::from_utf8_lossy(&command.output().expect("curl").stdout).into_owned()
}

/// Text inside a page's markup, unescaped.
fn unescape(html: &str) -> String {
    html.replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

#[test]
fn the_terraform_the_consoles_fork_dialog_shows_applies_and_replans_empty() {
    let e = env();
    let source = r#"
resource "aiven_pg" "source" {
  project      = "acme"
  service_name = "ledger"
  plan         = "startup-4"
}
"#;
    e.configure(source);
    e.tf.apply().assert_ok();
    e.wait_for_backup("acme", "ledger");
    let jar = testkit::temp_dir("console-jar").join("cookies");
    let login = browse(&jar, &format!("{}/console/login", e.local.url), &[]);
    let at = login.find("name=\"csrf\" value=\"").expect("a login form") + 19;
    let csrf = login[at..].split('"').next().unwrap();
    browse(
        &jar,
        &format!("{}/console/login", e.local.url),
        &[("csrf", csrf), ("token", testkit::TOKEN)],
    );
    let page = browse(
        &jar,
        &format!(
            "{}/console/project/acme/service/ledger/fork?name=ledger-copy",
            e.local.url
        ),
        &[],
    );
    let start = page
        .find("<pre><code>resource &quot;aiven_pg&quot;")
        .expect("the dialog shows HCL")
        + 11;
    let hcl = unescape(&page[start..start + page[start..].find("</code>").unwrap()]);
    assert!(hcl.contains("service_to_fork_from"), "{hcl}");

    e.configure(&format!("{source}\n{hcl}"));
    e.tf.apply().assert_ok();
    let plan = e.tf.plan();
    assert_eq!(plan.code, 0, "second plan must be empty:\n{}", plan.stdout);
    assert!(e.exists("acme", "ledger-copy"));
}
