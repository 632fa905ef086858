//! The Console over HTTP: login with the token into an HttpOnly,
//! SameSite=Strict session; CSRF tokens on every form; escaped values;
//! and forks made from the Fork & restore form whose rows are checked
//! with the engine's own client (psql, mariadb, clickhouse-connect, curl).

mod support;

use reqwest::header::{CONTENT_TYPE, COOKIE, LOCATION, SET_COOKIE};
use reqwest::redirect::Policy;
use serde_json::json;
use support::{Local, psql, uri};

/// A browser without JavaScript: follows no redirects by itself, keeps
/// the session cookie, and the session key the login hands over, by hand.
struct Browser {
    http: reqwest::Client,
    base: String,
    cookie: String,
    key: String,
}

fn cookie_value(set_cookie: &str) -> (&str, &str) {
    let pair = set_cookie.split(';').next().unwrap_or_default();
    pair.split_once('=').unwrap_or((pair, ""))
}

/// The value of the hidden `csrf` field in a page.
fn csrf_of(page: &str) -> String {
    let at = page.find("name=\"csrf\" value=\"").expect("a csrf field") + 19;
    page[at..].split('"').next().unwrap().to_owned()
}

impl Browser {
    fn new(local: &Local) -> Browser {
        Browser {
            http: reqwest::Client::builder()
                .redirect(Policy::none())
                .build()
                .unwrap(),
            base: local.base().to_owned(),
            cookie: String::new(),
            key: String::new(),
        }
    }

    /// Asks for a service's secrets as the Console's script does, with
    /// `key` in the session key's header.
    async fn secrets(&self, service: &str, key: &str) -> (u16, serde_json::Value) {
        let reply = self
            .http
            .post(format!(
                "{}/console/project/test/service/{service}/secrets",
                self.base
            ))
            .header(COOKIE, &self.cookie)
            .header("x-console-key", key)
            .send()
            .await
            .unwrap();
        let status = reply.status().as_u16();
        let no_store = reply
            .headers()
            .get("cache-control")
            .map(|v| v.to_str().unwrap().to_owned());
        assert_eq!(
            no_store.as_deref(),
            Some("no-store"),
            "secrets are never cached"
        );
        (status, reply.json().await.unwrap_or_default())
    }

    async fn get(&self, path: &str) -> (u16, String, reqwest::header::HeaderMap) {
        let reply = self
            .http
            .get(format!("{}{path}", self.base))
            .header(COOKIE, &self.cookie)
            .send()
            .await
            .unwrap();
        let (status, headers) = (reply.status().as_u16(), reply.headers().clone());
        (status, reply.text().await.unwrap(), headers)
    }

    async fn post(
        &self,
        path: &str,
        form: &[(&str, &str)],
    ) -> (u16, String, reqwest::header::HeaderMap) {
        let body: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        let reply = self
            .http
            .post(format!("{}{path}", self.base))
            .header(COOKIE, &self.cookie)
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        let (status, headers) = (reply.status().as_u16(), reply.headers().clone());
        (status, reply.text().await.unwrap(), headers)
    }

    /// Logs in with `token`; the status of the answer to the login form.
    async fn log_in(&mut self, token: &str) -> u16 {
        let (status, page, headers) = self.get("/console/login").await;
        assert_eq!(status, 200);
        let set = headers
            .get(SET_COOKIE)
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();
        let (name, value) = cookie_value(&set);
        self.cookie = format!("{name}={value}");
        let csrf = csrf_of(&page);
        let (status, page, headers) = self
            .post("/console/login", &[("csrf", &csrf), ("token", token)])
            .await;
        assert!(
            !page.contains(token) || token.is_empty(),
            "the token is never echoed"
        );
        if status == 200 {
            let at = page.find("data-key=\"").expect("the session's key") + 10;
            self.key = page[at..].split('"').next().unwrap().to_owned();
            let session = headers
                .get_all(SET_COOKIE)
                .iter()
                .map(|v| v.to_str().unwrap().to_owned())
                .find(|c| c.starts_with("aiven_local_session="))
                .expect("a session cookie");
            assert!(
                session.contains("HttpOnly") && session.contains("SameSite=Strict"),
                "{session}"
            );
            let (name, value) = cookie_value(&session);
            self.cookie = format!("{name}={value}");
        }
        status
    }
}

#[tokio::test]
async fn the_console_needs_the_token_and_refuses_forms_without_their_csrf_token() {
    let local = Local::start();
    let mut browser = Browser::new(&local);
    let (status, _, headers) = browser.get("/console/project/test").await;
    assert_eq!(status, 303, "a page needs a session");
    assert_eq!(headers.get(LOCATION).unwrap(), "/console/login");
    assert_eq!(
        browser.log_in("not-the-token").await,
        401,
        "a wrong token is refused"
    );
    let (status, _, _) = browser.get("/console/project/test").await;
    assert_eq!(status, 303, "and gives no session");
    // A login form's token is one this server handed out: a value a page
    // elsewhere on the host set as both cookie and field is refused.
    let forged = "forged-login-nonce-forged-login-n";
    let mut forger = Browser::new(&local);
    forger.cookie = format!("aiven_local_login={forged}");
    let (status, _, _) = forger
        .post(
            "/console/login",
            &[("csrf", forged), ("token", testkit::TOKEN)],
        )
        .await;
    assert_eq!(status, 403, "a login form this server never gave");
    // Each form is good once: a wrong token gets a fresh one, which the
    // right token then passes.
    let (_, page, headers) = forger.get("/console/login").await;
    let login_cookie = |headers: &reqwest::header::HeaderMap| {
        let set = headers.get(SET_COOKIE).unwrap().to_str().unwrap();
        let (name, value) = cookie_value(set);
        format!("{name}={value}")
    };
    forger.cookie = login_cookie(&headers);
    let form = csrf_of(&page);
    let (status, page, headers) = forger
        .post("/console/login", &[("csrf", &form), ("token", "wrong")])
        .await;
    assert_eq!(status, 401);
    let (status, _, _) = forger
        .post(
            "/console/login",
            &[("csrf", &form), ("token", testkit::TOKEN)],
        )
        .await;
    assert_eq!(status, 403, "the used form is not taken again");
    forger.cookie = login_cookie(&headers);
    let (status, _, _) = forger
        .post(
            "/console/login",
            &[("csrf", &csrf_of(&page)), ("token", testkit::TOKEN)],
        )
        .await;
    assert_eq!(status, 200, "the fresh form is");

    assert_eq!(browser.log_in(testkit::TOKEN).await, 200);
    local.create_pg("guarded", json!({})).await;
    let (status, page, _) = browser.get("/console/project/test").await;
    assert_eq!(status, 200);
    assert!(
        page.contains("guarded") && page.contains("RUNNING"),
        "{page}"
    );
    assert!(
        !page.contains(testkit::TOKEN),
        "the token is not in the page"
    );

    let fork = "/console/project/test/service/guarded/fork";
    let (status, _, _) = browser.post(fork, &[("name", "sneaky")]).await;
    assert_eq!(status, 403, "a form without its CSRF token is refused");
    let (status, _, _) = browser
        .post(fork, &[("name", "sneaky"), ("csrf", "guess")])
        .await;
    assert_eq!(status, 403);
    let (status, _) = local
        .call(
            reqwest::Method::GET,
            "/v1/project/test/service/sneaky",
            None,
        )
        .await;
    assert_eq!(status, 404, "nothing was created");

    let (status, _, headers) = browser.get("/console").await;
    assert_eq!(status, 303, "one project: the Console opens on it");
    assert_eq!(headers.get(LOCATION).unwrap(), "/console/project/test");
    let (_, page, _) = browser.get("/console/project/test").await;
    let (status, _, _) = browser
        .post("/console/logout", &[("csrf", &csrf_of(&page))])
        .await;
    assert_eq!(status, 303);
    let (status, _, _) = browser.get("/console/project/test").await;
    assert_eq!(status, 303, "logged out");
}

#[tokio::test]
async fn a_replayed_session_cookie_reveals_no_secret_without_the_key_the_login_gave() {
    let local = Local::start();
    let mut browser = Browser::new(&local);
    browser.log_in(testkit::TOKEN).await;
    let service = local.create_pg("kept", json!({})).await;
    let password = service["service_uri_params"]["password"]
        .as_str()
        .unwrap()
        .to_owned();
    for path in ["", "?reveal=1"] {
        let (status, page, _) = browser
            .get(&format!("/console/project/test/service/kept{path}"))
            .await;
        assert_eq!(status, 200);
        assert!(
            !page.contains(&password),
            "the page{path} never holds the password: {page}"
        );
    }
    // What a server on another port of the host gets: the cookie alone.
    let key = std::mem::take(&mut browser.key);
    for presented in [
        "",
        "guess",
        &csrf_of(&browser.get("/console/project/test").await.1),
    ] {
        let (status, body) = browser.secrets("kept", presented).await;
        assert_eq!(status, 403, "{presented:?}: {body}");
        assert!(!body.to_string().contains(&password));
        assert!(
            body["message"].as_str().unwrap().contains("log in again"),
            "{body}"
        );
    }
    // Nor does it make a fork: the page's CSRF token is within its reach,
    // the key is not.
    let (_, page, _) = browser.get("/console/project/test/service/kept/fork").await;
    let form = [("csrf", csrf_of(&page)), ("name", "replayed".to_owned())];
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, page, _) = browser
        .post("/console/project/test/service/kept/fork", &form)
        .await;
    assert_eq!(status, 403, "{page}");
    assert!(page.contains("holds no key"), "{page}");
    let (status, _) = local
        .call(
            reqwest::Method::GET,
            "/v1/project/test/service/replayed",
            None,
        )
        .await;
    assert_eq!(status, 404, "no fork was made");
    let (status, body) = browser.secrets("kept", &key).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["password"], password.as_str());
    assert_eq!(body["uri"], service["service_uri"]);
}

#[tokio::test]
async fn values_from_users_and_the_api_are_shown_as_text() {
    let local = Local::start();
    let mut browser = Browser::new(&local);
    browser.log_in(testkit::TOKEN).await;
    let (status, body) = local
        .create(
            json!({"service_name": "tagged", "service_type": "opensearch", "plan": "startup-4",
                       "tags": {"owner": "<script>alert(1)</script>"}}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (_, page, _) = browser.get("/console/project/test/service/tagged").await;
    assert!(
        page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{page}"
    );
    assert!(!page.contains("<script>alert"), "never as markup");
}

#[tokio::test]
async fn fork_and_restore_from_the_console_makes_a_point_in_time_fork() {
    let local = Local::start();
    let mut browser = Browser::new(&local);
    browser.log_in(testkit::TOKEN).await;
    let at = local.pg_with_a_moment_between_rows("orders").await;

    let (_, page, _) = browser
        .get("/console/project/test/service/orders/backups")
        .await;
    assert!(
        page.contains("Recovery window") && page.contains("class=\"backup\""),
        "a timeline: {page}"
    );
    let (_, page, _) = browser
        .get("/console/project/test/service/orders/fork")
        .await;
    assert!(
        page.contains("value=\"orders-fork\""),
        "the name is prefilled"
    );
    assert!(
        page.contains("resource &quot;aiven_pg&quot; &quot;orders_fork&quot;"),
        "the fork as HCL: {page}"
    );
    let csrf = csrf_of(&page);

    let fork = "/console/project/test/service/orders/fork";
    let form = |name: &'static str, at: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("key", browser.key.clone()),
            ("name", name.to_owned()),
            ("cloud", "google-europe-west1".to_owned()),
            ("plan", "startup-4".to_owned()),
            ("restore", "time".to_owned()),
            ("at", at.to_owned()),
        ]
    };
    let send = |fields: Vec<(&'static str, String)>| {
        let browser = &browser;
        async move {
            let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            browser.post(fork, &pairs).await
        }
    };
    let mut preview = form("previewed", "2001-01-01T00:00:00");
    preview.push(("preview", "1".to_owned()));
    let (status, page, _) = send(preview).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("&quot;previewed&quot;"),
        "the code follows the form: {page}"
    );
    let (status, _) = local
        .call(
            reqwest::Method::GET,
            "/v1/project/test/service/previewed",
            None,
        )
        .await;
    assert_eq!(status, 404, "a preview creates nothing");
    let (status, page, _) = send(form("too-early", "2001-01-01T00:00:00")).await;
    assert_eq!(status, 400);
    let error = page
        .find("id=\"at-error\"")
        .expect("the error is at the time field");
    assert!(
        page[error..].contains("outside the recovery window"),
        "{page}"
    );
    let at: &'static str = Box::leak(at.into_boxed_str());
    let mut elsewhere = form("elsewhere", at);
    elsewhere[3].1 = "google-europe-west7".to_owned();
    let (status, page, _) = send(elsewhere).await;
    assert_eq!(status, 400);
    let error = page
        .find("id=\"cloud-error\"")
        .expect("an unoffered cloud is refused at the cloud field");
    assert!(
        page[error..].contains("closest offered: google-europe-west1"),
        "{page}"
    );
    let (status, page, _) = send(form("orders", at)).await;
    assert_eq!(status, 409, "a conflict, as the API answers it");
    assert!(
        page.contains("id=\"name-error\""),
        "a taken name is refused at the name: {page}"
    );

    let (status, _, headers) = send(form("orders-then", at)).await;
    assert_eq!(status, 303);
    assert_eq!(
        headers.get(LOCATION).unwrap(),
        "/console/project/test/service/orders-then"
    );
    let fork = local.wait_ready("orders-then").await;
    assert_eq!(
        psql(&uri(&fork), "SELECT string_agg(id::text, ',') FROM t"),
        "1"
    );
    let (_, page, _) = browser
        .get("/console/project/test/service/orders-then")
        .await;
    assert!(page.contains("Forked from"), "lineage: {page}");
    assert!(
        page.contains("every transaction committed at or before"),
        "and what it holds: {page}"
    );
    let (_, page, _) = browser.get("/console/project/test/service/orders").await;
    assert!(
        page.contains("test/orders-then"),
        "the source lists its forks"
    );
}

#[tokio::test]
async fn a_mysql_fork_from_the_console_holds_the_latest_backup_or_the_latest_transaction() {
    let local = Local::start();
    let mut browser = Browser::new(&local);
    browser.log_in(testkit::TOKEN).await;
    let (status, body) = local
        .create(json!({"service_name": "shop", "service_type": "mysql", "plan": "startup-4"}))
        .await;
    assert_eq!(status, 200, "{body}");
    let shop = local.wait_ready("shop").await;
    // Written after the first (and, here, newest) backup.
    testkit::mariadb(
        shop["service_uri"].as_str().unwrap(),
        "CREATE TABLE t (id INT PRIMARY KEY); INSERT INTO t VALUES (1)",
    );
    let (_, page, _) = browser.get("/console/project/test/service/shop/fork").await;
    for choice in ["latest_backup", "latest_transaction", "time"] {
        assert!(
            page.contains(&format!("value=\"{choice}\"")),
            "{choice}: {page}"
        );
    }
    assert!(
        page.contains("holds nothing committed after it"),
        "the dialog says what a latest-backup fork leaves out: {page}"
    );
    let csrf = csrf_of(&page);
    for (name, restore) in [
        ("shop-backup", "latest_backup"),
        ("shop-now", "latest_transaction"),
    ] {
        let form = [
            ("csrf", csrf.as_str()),
            ("key", browser.key.as_str()),
            ("name", name),
            ("restore", restore),
        ];
        let (status, page, _) = browser
            .post("/console/project/test/service/shop/fork", &form)
            .await;
        assert_eq!(status, 303, "{page}");
    }
    let backup = local.wait_ready("shop-backup").await;
    let tables_in = "SELECT count(*) FROM information_schema.tables WHERE table_name = 't'";
    assert_eq!(
        testkit::mariadb(backup["service_uri"].as_str().unwrap(), tables_in),
        "0",
        "the table came after the newest backup"
    );
    let now = local.wait_ready("shop-now").await;
    let rows = testkit::mariadb(
        now["service_uri"].as_str().unwrap(),
        "SELECT count(*) FROM t",
    );
    assert_eq!(rows, "1", "the latest transaction");
    let (_, page, _) = browser
        .get("/console/project/test/service/shop-backup")
        .await;
    assert!(
        page.contains("and nothing written after it"),
        "lineage: {page}"
    );
}

#[tokio::test]
async fn a_clickhouse_fork_from_the_console_holds_the_backup_it_names() {
    let local = Local::start();
    let mut browser = Browser::new(&local);
    browser.log_in(testkit::TOKEN).await;
    let (status, body) = local
        .create(json!({"service_name": "olap", "service_type": "clickhouse", "plan": "startup-16"}))
        .await;
    assert_eq!(status, 200, "{body}");
    let olap = uri(&local.wait_ready("olap").await);
    let write = |sql: &str| {
        let script = format!("client.command({sql:?})");
        testkit::clickhouse_connect(&olap, None, &script).expect("write");
    };
    write("CREATE TABLE defaultdb.t (id UInt32) ENGINE = MergeTree ORDER BY id");
    write("INSERT INTO defaultdb.t VALUES (1)");
    let named = local.back_up_now("olap").await;
    write("INSERT INTO defaultdb.t VALUES (2)");
    local.back_up_now("olap").await;

    let (_, page, _) = browser
        .get("/console/project/test/service/olap/backups")
        .await;
    assert!(page.contains(&named), "the Backups page lists it: {page}");
    let (_, page, _) = browser.get("/console/project/test/service/olap/fork").await;
    assert!(
        page.contains("value=\"backup\"") && page.contains(&format!("value=\"{named}\"")),
        "named backups to choose from: {page}"
    );
    assert!(
        !page.contains("value=\"latest_transaction\""),
        "no point in time for ClickHouse: {page}"
    );
    let csrf = csrf_of(&page);
    let form = [
        ("csrf", csrf.as_str()),
        ("key", browser.key.as_str()),
        ("name", "olap-then"),
        ("restore", "backup"),
        ("backup", named.as_str()),
    ];
    let (status, page, _) = browser
        .post("/console/project/test/service/olap/fork", &form)
        .await;
    assert_eq!(status, 303, "{page}");
    let then = uri(&local.wait_ready("olap-then").await);
    let script = "print(client.query('SELECT groupArray(id) FROM defaultdb.t').result_rows[0][0])";
    let rows = testkit::clickhouse_connect(&then, None, script).expect("read the fork");
    assert_eq!(rows, "[1]", "the rows of {named}, no later");
}

#[tokio::test]
async fn an_opensearch_fork_from_the_console_holds_the_newest_backups_documents() {
    let local = Local::start();
    let mut browser = Browser::new(&local);
    browser.log_in(testkit::TOKEN).await;
    let (status, body) = local
        .create(json!({"service_name": "docs", "service_type": "opensearch", "plan": "startup-4"}))
        .await;
    assert_eq!(status, 200, "{body}");
    let docs = uri(&local.wait_ready("docs").await);
    let put = |id: u32| {
        let path = format!("/articles/_doc/{id}?refresh=true");
        let (status, reply) =
            testkit::opensearch_unverified(&docs, "PUT", &path, Some(&json!({"id": id})));
        assert!(status == 200 || status == 201, "{reply}");
    };
    put(1);
    let newest = local.back_up_now("docs").await;
    put(2);
    let (_, page, _) = browser
        .get("/console/project/test/service/docs/backups")
        .await;
    assert!(page.contains(&newest), "the Backups page lists it: {page}");
    let (_, page, _) = browser.get("/console/project/test/service/docs/fork").await;
    assert!(
        page.contains("SSO"),
        "the dialog warns about single sign-on: {page}"
    );
    let csrf = csrf_of(&page);
    let form = [
        ("csrf", csrf.as_str()),
        ("key", browser.key.as_str()),
        ("name", "docs-copy"),
        ("restore", "latest_backup"),
    ];
    let (status, page, _) = browser
        .post("/console/project/test/service/docs/fork", &form)
        .await;
    assert_eq!(status, 303, "{page}");
    let copy = uri(&local.wait_ready("docs-copy").await);
    let (status, reply) = testkit::opensearch_unverified(&copy, "GET", "/articles/_count", None);
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply["count"], 1, "the documents of {newest}, no later");
}

#[tokio::test]
async fn a_cassandra_fork_from_the_console_holds_the_newest_backups_rows() {
    let local = Local::start();
    let mut browser = Browser::new(&local);
    browser.log_in(testkit::TOKEN).await;
    let (status, body) = local
        .create(json!({"service_name": "ring", "service_type": "cassandra", "plan": "startup-4"}))
        .await;
    assert_eq!(status, 200, "{body}");
    let ring = uri(&local.wait_ready("ring").await);
    let cql = |uri: &str, script: &str| {
        testkit::cql(uri, None, script).unwrap_or_else(|err| panic!("{script}: {err}"))
    };
    cql(
        &ring,
        "session.execute(\"CREATE KEYSPACE app WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}\")\n\
         session.execute('CREATE TABLE app.t (id int PRIMARY KEY)')\n\
         session.execute('INSERT INTO app.t (id) VALUES (1)')",
    );
    let newest = local.back_up_now("ring").await;
    cql(
        &ring,
        "session.execute('INSERT INTO app.t (id) VALUES (2)')",
    );
    let (_, page, _) = browser
        .get("/console/project/test/service/ring/backups")
        .await;
    assert!(page.contains(&newest), "the Backups page lists it: {page}");
    let (_, page, _) = browser.get("/console/project/test/service/ring/fork").await;
    let csrf = csrf_of(&page);
    let form = [
        ("csrf", csrf.as_str()),
        ("key", browser.key.as_str()),
        ("name", "ring-copy"),
        ("restore", "latest_backup"),
    ];
    let (status, page, _) = browser
        .post("/console/project/test/service/ring/fork", &form)
        .await;
    assert_eq!(status, 303, "{page}");
    let copy = uri(&local.wait_ready("ring-copy").await);
    let ids = cql(
        &copy,
        "print(sorted(r.id for r in session.execute('SELECT id FROM app.t')))",
    );
    assert_eq!(ids, "[1]", "the rows of {newest}, no later");
}

#[tokio::test]
async fn the_fork_dialog_disables_smaller_plans_and_warns_about_sso() {
    let local = Local::start();
    let mut browser = Browser::new(&local);
    browser.log_in(testkit::TOKEN).await;
    for (name, kind, plan) in [
        ("wide", "clickhouse", "business-8"),
        ("search", "opensearch", "startup-4"),
    ] {
        let (status, body) = local
            .create(json!({"service_name": name, "service_type": kind, "plan": plan}))
            .await;
        assert_eq!(status, 200, "{body}");
        local.wait_ready(name).await;
    }
    let (_, page, _) = browser.get("/console/project/test/service/wide/fork").await;
    let startup = page
        .find("value=\"startup-8\"")
        .expect("the catalog's plans");
    let option = &page[startup..startup + page[startup..].find("</option>").unwrap()];
    assert!(option.contains("disabled"), "{option}");
    assert!(
        option.contains("fewer nodes than the source"),
        "the reason: {option}"
    );
    let csrf = csrf_of(&page);
    let form = [
        ("csrf", csrf.as_str()),
        ("key", browser.key.as_str()),
        ("name", "narrow"),
        ("plan", "startup-8"),
        ("restore", "latest_backup"),
    ];
    let (status, page, _) = browser
        .post("/console/project/test/service/wide/fork", &form)
        .await;
    assert_eq!(status, 400);
    let error = page
        .find("id=\"plan-error\"")
        .expect("the error is at the plan");
    assert!(page[error..].contains("fewer nodes"), "{page}");

    let (_, page, _) = browser
        .get("/console/project/test/service/search/fork")
        .await;
    assert!(
        page.contains("Single sign-on (SSO) settings are not copied"),
        "{page}"
    );
    assert!(
        !page.contains("type=\"datetime-local\""),
        "no point in time without PITR"
    );
}
