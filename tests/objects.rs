//! The objects around a service, through terraform against aiven-local:
//! a project, a database, users (one with a generated password, one with
//! a write-only password) and a pool apply, re-plan empty, import, come
//! back after being deleted behind terraform's back, and are real in
//! PostgreSQL.

mod support;

use support::{env, psql, uri_as, words};

const SECRET: &str = "bob-first-secret-1";
const ROTATED: &str = "bob-second-secret-2";

fn config(bob_password: &str, bob_version: u32) -> String {
    format!(
        r#"
resource "aiven_project" "acme" {{
  project = "objects"
}}

data "aiven_project" "acme" {{
  project = aiven_project.acme.project
}}

resource "aiven_pg" "db" {{
  project      = data.aiven_project.acme.project
  service_name = "shop"
  plan         = "startup-4"
  # Follows the settings the service reports, which an import reads.
  pg_user_config {{}}
}}

resource "aiven_pg_database" "app" {{
  project       = aiven_pg.db.project
  service_name  = aiven_pg.db.service_name
  database_name = "app"
}}

resource "aiven_pg_user" "alice" {{
  project      = aiven_pg.db.project
  service_name = aiven_pg.db.service_name
  username     = "alice"
}}

resource "aiven_pg_user" "bob" {{
  project             = aiven_pg.db.project
  service_name        = aiven_pg.db.service_name
  username            = "bob"
  password_wo         = "{bob_password}"
  password_wo_version = {bob_version}
}}

resource "aiven_connection_pool" "app" {{
  project       = aiven_pg.db.project
  service_name  = aiven_pg.db.service_name
  pool_name     = "app-pool"
  database_name = aiven_pg_database.app.database_name
  username      = aiven_pg_user.alice.username
  pool_size     = 5
}}

data "aiven_pg_user" "alice" {{
  project      = aiven_pg_user.alice.project
  service_name = aiven_pg_user.alice.service_name
  username     = aiven_pg_user.alice.username
}}

# The API may not show a user's password (aiven-local's variations hide
# it): then the data source has none, and never another one.
output "alice_password_matches" {{
  value = nonsensitive(data.aiven_pg_user.alice.password == null || data.aiven_pg_user.alice.password == aiven_pg_user.alice.password)
}}
"#
    )
}

/// A password the API takes and our earlier rule refused: spaces, quotes
/// and the characters that end a URI's userinfo.
const ODD: &str = r#"Test$1234 "q" o'k @:/%"#;

#[test]
fn passwords_the_api_takes_log_in_to_every_engine() {
    let e = env();
    let hcl_password = ODD.replace('"', "\\\"");
    e.configure(&format!(
        r#"
resource "aiven_pg" "db" {{
  project      = "pw"
  service_name = "pw-pg"
  plan         = "startup-4"
}}

resource "aiven_pg_user" "odd" {{
  project      = aiven_pg.db.project
  service_name = aiven_pg.db.service_name
  username     = "odd"
  password     = "{hcl_password}"
}}

resource "aiven_connection_pool" "odd" {{
  project       = aiven_pg.db.project
  service_name  = aiven_pg.db.service_name
  pool_name     = "odd-pool"
  database_name = "defaultdb"
  username      = aiven_pg_user.odd.username
}}

resource "aiven_mysql" "db" {{
  project      = "pw"
  service_name = "pw-mysql"
  plan         = "startup-4"
}}

resource "aiven_mysql_user" "odd" {{
  project      = aiven_mysql.db.project
  service_name = aiven_mysql.db.service_name
  username     = "odd"
  password     = "{hcl_password}"
}}

resource "aiven_valkey" "db" {{
  project      = "pw"
  service_name = "pw-valkey"
  plan         = "startup-4"
}}

resource "aiven_valkey_user" "odd" {{
  project      = aiven_valkey.db.project
  service_name = aiven_valkey.db.service_name
  username     = "odd"
  password     = "{hcl_password}"
}}
"#
    ));
    e.tf.apply().assert_ok();
    assert_eq!(e.tf.plan().code, 0, "a second plan is empty");
    let pg = uri_as(&e.uri("aiven_pg.db"), "odd", ODD, "defaultdb");
    assert_eq!(psql(&pg, "SELECT current_user"), "odd");
    let pool = e.attribute("aiven_connection_pool.odd", "connection_uri");
    assert_eq!(
        psql(pool.as_str().unwrap(), "SELECT current_user"),
        "odd",
        "through PgBouncer"
    );
    let encoded = aiven_api::userinfo::encode(ODD);
    let at_host = |uri: String| uri.rsplit_once('@').unwrap().1.to_owned();
    let mysql = format!("mysql://odd:{encoded}@{}", at_host(e.uri("aiven_mysql.db")));
    assert_eq!(testkit::mariadb(&mysql, "SELECT current_user()"), "odd@%");
    let valkey = format!(
        "rediss://odd:{encoded}@{}",
        at_host(e.uri("aiven_valkey.db"))
    );
    assert_eq!(testkit::redis_cli(&valkey, &["PING"]), "PONG");
    // The service's own URI carries its generated password, escaped or not.
    let primary = e.attribute("aiven_pg.db", "service_password");
    assert!(
        primary.as_str().unwrap().starts_with("AVNS_"),
        "as the API makes them"
    );
}

#[test]
fn objects_apply_replan_empty_import_and_come_back_after_drift() {
    let e = env();
    e.configure(&config(SECRET, 1));
    e.tf.apply().assert_ok();
    assert_eq!(e.tf.plan().code, 0, "a second plan is empty");
    let service_uri = e.uri("aiven_pg.db");

    // Real roles and a real database.
    let alice = e.attribute("aiven_pg_user.alice", "password");
    let alice = alice.as_str().expect("a generated password in state");
    assert_eq!(
        psql(
            &uri_as(&service_uri, "alice", alice, "app"),
            "SELECT current_user"
        ),
        "alice"
    );
    assert_eq!(
        psql(
            &uri_as(&service_uri, "bob", SECRET, "app"),
            "SELECT current_user"
        ),
        "bob"
    );
    let pool = e.attribute("aiven_connection_pool.app", "connection_uri");
    assert!(pool.as_str().unwrap().contains("/app"), "{pool}");
    assert_eq!(e.attribute("aiven_pg_user.alice", "type"), "normal");
    let output = e.tf.run(&["output", "-raw", "alice_password_matches"]);
    assert_eq!(
        output.stdout.trim(),
        "true",
        "the data source reads the same user"
    );

    // The write-only password is in neither state nor plan.
    let state = std::fs::read_to_string(e.tf.work_dir().join("terraform.tfstate")).unwrap();
    assert!(
        !state.contains(SECRET),
        "the write-only password is not stored"
    );
    e.configure(&config(ROTATED, 2));
    let plan = e.tf.plan();
    assert!(
        plan.stdout.contains("updated in-place") && !plan.stdout.contains("replace"),
        "{}",
        plan.stdout
    );
    assert!(!plan.stdout.contains(ROTATED) && !plan.stdout.contains(SECRET));
    e.tf.apply().assert_ok();
    assert_eq!(
        psql(&uri_as(&service_uri, "bob", ROTATED, "app"), "SELECT 1"),
        "1",
        "rotated"
    );
    let state = std::fs::read_to_string(e.tf.work_dir().join("terraform.tfstate")).unwrap();
    assert!(!state.contains(ROTATED));
    assert_eq!(e.tf.plan().code, 0);

    // A new name is a new object: each of these plans a replacement.
    for (from, to, address) in [
        (
            "pool_name     = \"app-pool\"",
            "pool_name     = \"app-pool-2\"",
            "aiven_connection_pool.app",
        ),
        (
            "database_name = \"app\"",
            "database_name = \"app2\"",
            "aiven_pg_database.app",
        ),
        (
            "username     = \"alice\"",
            "username     = \"alice2\"",
            "aiven_pg_user.alice",
        ),
    ] {
        let renamed = config(ROTATED, 2).replacen(from, to, 1);
        assert_ne!(
            renamed,
            config(ROTATED, 2),
            "{from} is in the configuration"
        );
        e.configure(&renamed);
        let plan = e.tf.plan();
        assert!(
            plan.stdout.contains(&format!("{address} must be replaced")),
            "{address}: {}",
            plan.stdout
        );
    }
    e.configure(&config(ROTATED, 2));

    // Deleted behind terraform's back: planned and made again.
    let (status, _) = e.local.call(
        "DELETE",
        "/v1/project/objects/service/shop/user/alice",
        None,
    );
    assert_eq!(status, 200);
    let plan = e.tf.plan();
    assert!(
        plan.stdout.contains("aiven_pg_user.alice will be created"),
        "{}",
        plan.stdout
    );
    e.tf.apply().assert_ok();
    assert_eq!(e.tf.plan().code, 0);
    // The same for the pool and the database (which takes its pool along).
    let (status, _) = e
        .local
        .call("DELETE", "/v1/project/objects/service/shop/db/app", None);
    assert_eq!(status, 200);
    let plan = e.tf.plan();
    for address in ["aiven_pg_database.app", "aiven_connection_pool.app"] {
        assert!(
            plan.stdout.contains(&format!("{address} will be created")),
            "{address}: {}",
            plan.stdout
        );
    }
    e.tf.apply().assert_ok();
    assert_eq!(e.tf.plan().code, 0);

    // Import: a new state adopts the same objects and plans no change.
    let fresh = e.terraform_with(&[]);
    for (address, id) in [
        ("aiven_project.acme", "objects"),
        ("aiven_pg.db", "objects/shop"),
        ("aiven_pg_database.app", "objects/shop/app"),
        ("aiven_pg_user.alice", "objects/shop/alice"),
        ("aiven_pg_user.bob", "objects/shop/bob"),
        ("aiven_connection_pool.app", "objects/shop/app-pool"),
    ] {
        fresh.import(address, id).assert_ok();
    }
    let plan = fresh.plan();
    // Only bob's write-only password, which no import can read, is sent again.
    assert!(
        plan.stdout.contains("1 to change") && plan.stdout.contains("aiven_pg_user.bob"),
        "{}",
        plan.stdout
    );
}

#[test]
fn what_the_service_keeps_cannot_be_planned_away_and_bad_input_fails_the_plan() {
    let e = env();
    let service = r#"
resource "aiven_pg" "db" {
  project      = "keeps"
  service_name = "kept"
  plan         = "startup-4"
}
"#;
    let adopted = r#"
import {
  to = aiven_pg_user.admin
  id = "keeps/kept/avnadmin"
}

resource "aiven_pg_user" "admin" {
  project      = aiven_pg.db.project
  service_name = aiven_pg.db.service_name
  username     = "avnadmin"
}

import {
  to = aiven_pg_database.default
  id = "keeps/kept/defaultdb"
}

resource "aiven_pg_database" "default" {
  project       = aiven_pg.db.project
  service_name  = aiven_pg.db.service_name
  database_name = "defaultdb"
}
"#;
    e.configure(service);
    e.tf.apply().assert_ok();
    e.configure(&format!("{service}{adopted}"));
    e.tf.apply().assert_ok();
    assert_eq!(e.attribute("aiven_pg_user.admin", "type"), "primary");
    assert_eq!(e.tf.plan().code, 0, "adopted as they are");

    e.configure(service);
    let output = e.tf.plan();
    assert_eq!(output.code, 1, "{}", output.stdout);
    let flat = output
        .stderr
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        flat.contains("avnadmin is the service's primary user"),
        "{flat}"
    );
    assert!(
        flat.contains("defaultdb is the service's default database"),
        "{flat}"
    );
    assert!(
        flat.contains("removed"),
        "says how to stop managing it: {flat}"
    );

    let bad = r#"
resource "aiven_pg_user" "both" {
  project             = "keeps"
  service_name        = "kept"
  username            = "-both"
  password            = "short"
  password_wo         = "another-password"
}

resource "aiven_valkey_user" "open" {
  project               = "keeps"
  service_name          = "cache"
  username              = "open"
  valkey_acl_categories = ["+@read", "nopass"]
}

resource "aiven_mysql_database" "system" {
  project       = "keeps"
  service_name  = "sql"
  database_name = "performance_schema"
}

resource "aiven_pg_database" "long" {
  project       = "keeps"
  service_name  = "kept"
  database_name = "a_database_name_of_forty_one_characters_x"
}
"#;
    e.configure(&format!("{service}{adopted}{bad}"));
    let output = e.tf.plan();
    let flat = output
        .stderr
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    for expected in [
        "Invalid username",
        "Conflicting passwords",
        "password_wo needs password_wo_version",
        "Invalid password",
        "Invalid ACL rule",
        "valkey_acl_categories rule \"nopass\" is not +@category or -@category",
        "Reserved database name",
        "database_name \"performance_schema\" is one the service keeps for itself",
        "database_name \"a_database_name_of_forty_one_characters_x\" is invalid: use 1 to 40 letters",
    ] {
        assert!(flat.contains(expected), "{expected}: {flat}");
    }
}

/// A pg service with one database that names no locale and one that
/// names `C`.
fn locales_config(extra: &str) -> String {
    format!(
        r#"
resource "aiven_pg" "db" {{
  project      = "locales"
  service_name = "sorted"
  plan         = "startup-4"
}}

resource "aiven_pg_database" "plain" {{
  project       = aiven_pg.db.project
  service_name  = aiven_pg.db.service_name
  database_name = "plain"
}}

resource "aiven_pg_database" "bytes" {{
  project       = aiven_pg.db.project
  service_name  = aiven_pg.db.service_name
  database_name = "bytes"
  lc_collate    = "C"
  lc_ctype      = "C"
}}
{extra}"#
    )
}

#[test]
fn a_pg_database_gets_the_platforms_locale_unless_it_names_one() {
    let e = env();
    e.configure(&locales_config(""));
    e.tf.apply().assert_ok();
    assert_eq!(e.tf.plan().code, 0, "a second plan is empty");
    for (address, locale) in [
        ("aiven_pg_database.plain", "en_US.UTF-8"),
        ("aiven_pg_database.bytes", "C"),
    ] {
        assert_eq!(e.attribute(address, "lc_collate"), locale, "{address}");
        assert_eq!(e.attribute(address, "lc_ctype"), locale, "{address}");
    }
    let locales = psql(
        &e.uri("aiven_pg.db"),
        "SELECT string_agg(datname || '=' || datcollate || '/' || datctype, ' ' ORDER BY datname) \
         FROM pg_database WHERE datname IN ('bytes', 'defaultdb', 'plain')",
    );
    assert_eq!(
        locales, "bytes=C/C defaultdb=en_US.UTF-8/en_US.UTF-8 plain=en_US.UTF-8/en_US.UTF-8",
        "what PostgreSQL made"
    );

    // A locale the machine lacks fails the apply, and nothing is left.
    let unknown = r#"
resource "aiven_pg_database" "unknown" {
  project       = aiven_pg.db.project
  service_name  = aiven_pg.db.service_name
  database_name = "unknown"
  lc_collate    = "xx_YY.UTF-8"
}
"#;
    e.configure(&locales_config(unknown));
    let failed = e.tf.apply();
    assert_ne!(failed.code, 0);
    let flat = failed
        .stderr
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        flat.contains("xx_YY.UTF-8") && flat.contains("locale -a"),
        "{flat}"
    );
    assert!(e.tf.resource("aiven_pg_database.unknown").is_none());
    let listed = psql(
        &e.uri("aiven_pg.db"),
        "SELECT count(*) FROM pg_database WHERE datname = 'unknown'",
    );
    assert_eq!(listed, "0");

    // An empty locale fails the plan, naming the attribute.
    e.configure(&locales_config(&unknown.replace("xx_YY.UTF-8", "")));
    let plan = e.tf.plan();
    assert_eq!(plan.code, 1);
    let flat = plan.stderr.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains("Invalid locale") && flat.contains("lc_collate"),
        "{flat}"
    );
}

const SOURCE: &str = r#"
resource "aiven_pg" "source" {
  project      = "story"
  service_name = "orders"
  plan         = "startup-4"
}

resource "aiven_pg_database" "app" {
  project       = aiven_pg.source.project
  service_name  = aiven_pg.source.service_name
  database_name = "app"
}

resource "aiven_pg_user" "alice" {
  project      = aiven_pg.source.project
  service_name = aiven_pg.source.service_name
  username     = "alice"
  password     = "alice-password-1"
}

resource "aiven_pg_user" "bob" {
  project      = aiven_pg.source.project
  service_name = aiven_pg.source.service_name
  username     = "bob"
}

resource "aiven_connection_pool" "app" {
  project       = aiven_pg.source.project
  service_name  = aiven_pg.source.service_name
  pool_name     = "app-pool"
  database_name = aiven_pg_database.app.database_name
  username      = aiven_pg_user.alice.username
}
"#;

const FORK: &str = r#"
resource "aiven_pg" "fork" {
  project      = "story"
  service_name = "orders-fork"
  plan         = "startup-4"
  # The users, database and pool were made after the source's latest
  # backup: the latest transaction holds them.
  fork_point = "latest_transaction"

  pg_user_config {
    service_to_fork_from = aiven_pg.source.service_name
  }
}
"#;

/// The fork's copies of the source's objects, adopted as resources.
const ADOPT: &str = r#"
import {
  to = aiven_pg_database.fork_app
  id = "story/orders-fork/app"
}

resource "aiven_pg_database" "fork_app" {
  project       = aiven_pg.fork.project
  service_name  = aiven_pg.fork.service_name
  database_name = "app"
}

import {
  to = aiven_pg_user.fork_alice
  id = "story/orders-fork/alice"
}

resource "aiven_pg_user" "fork_alice" {
  project      = aiven_pg.fork.project
  service_name = aiven_pg.fork.service_name
  username     = "alice"
  password     = aiven_pg_user.alice.password
}

import {
  to = aiven_pg_user.fork_bob
  id = "story/orders-fork/bob"
}

resource "aiven_pg_user" "fork_bob" {
  project      = aiven_pg.fork.project
  service_name = aiven_pg.fork.service_name
  username     = "bob"
}

import {
  to = aiven_connection_pool.fork_app
  id = "story/orders-fork/app-pool"
}

resource "aiven_connection_pool" "fork_app" {
  project       = aiven_pg.fork.project
  service_name  = aiven_pg.fork.service_name
  pool_name     = "app-pool"
  database_name = aiven_pg_database.fork_app.database_name
  username      = aiven_pg_user.fork_alice.username
}
"#;

#[test]
fn a_fork_copies_databases_users_and_pools_which_import_blocks_adopt() {
    let e = env();
    e.configure(SOURCE);
    e.tf.apply().assert_ok();
    let source_uri = e.uri("aiven_pg.source");
    let alice_source = uri_as(&source_uri, "alice", "alice-password-1", "app");
    // The admin owns the database's schema (PostgreSQL 15 lets no one else
    // create there); alice reads.
    let admin_app = source_uri.replace("/defaultdb", "/app");
    psql(
        &admin_app,
        "CREATE TABLE t (id int); INSERT INTO t VALUES (1), (2); GRANT SELECT ON t TO alice",
    );
    assert_eq!(psql(&alice_source, "SELECT count(*) FROM t"), "2");
    e.wait_for_backup("story", "orders");

    e.configure(&format!("{SOURCE}{FORK}"));
    e.tf.apply().assert_ok();
    e.configure(&format!("{SOURCE}{FORK}{ADOPT}"));
    let applied = e.tf.apply();
    applied.assert_ok();
    // Where the API hides a copied user's password, the import has none
    // and the password the configuration gives is set: one change.
    assert!(
        applied.stdout.contains("4 imported, 0 added") && applied.stdout.contains("0 destroyed"),
        "{}",
        applied.stdout
    );
    assert_eq!(
        e.tf.plan().code,
        0,
        "the copies are as the configuration says"
    );

    // The copied user logs in to the fork with the source's password.
    let fork_uri = e.uri("aiven_pg.fork");
    let alice_fork = uri_as(&fork_uri, "alice", "alice-password-1", "app");
    assert_eq!(
        psql(
            &alice_fork,
            "SELECT string_agg(id::text, ',' ORDER BY id) FROM t"
        ),
        "1,2"
    );
    let copied = e.attribute("aiven_pg_user.fork_bob", "password");
    if !copied.is_null() {
        assert_eq!(copied, e.attribute("aiven_pg_user.bob", "password"));
    }
    // And through the copied pool's URI.
    let pool = e.attribute("aiven_connection_pool.fork_app", "connection_uri");
    let pool = pool.as_str().unwrap();
    let source_pool = e.attribute("aiven_connection_pool.app", "connection_uri");
    assert_ne!(
        Some(pool),
        source_pool.as_str(),
        "the fork serves its own copy of the pool"
    );
    assert_eq!(
        psql(pool, "SELECT current_user || '@' || current_database()"),
        "alice@app"
    );
}

fn project(cloud: &str, team: &str) -> String {
    format!(
        r#"
resource "aiven_organization" "acme" {{
  name = "Acme"
}}

resource "aiven_project" "team" {{
  project          = "team-{team}"
  parent_id        = aiven_organization.acme.id
  default_cloud    = "{cloud}"
  billing_group    = "bg-1"
  technical_emails = ["ops@example.com"]

  tag {{
    key   = "team"
    value = "{team}"
  }}
}}

resource "aiven_project" "copy" {{
  project           = "team-{team}-copy"
  copy_from_project = aiven_project.team.project
}}

data "aiven_project" "copy" {{
  project = aiven_project.copy.project
}}

output "copied_billing_group" {{
  value = data.aiven_project.copy.billing_group
}}
"#
    )
}

#[test]
fn projects_are_created_changed_in_place_imported_and_deleted_only_when_empty() {
    let e = env();
    e.configure(&project("google-europe-west1", "data"));
    e.tf.apply().assert_ok();
    assert_eq!(e.tf.plan().code, 0, "a second plan is empty");
    let (_, reply) = e.local.call("GET", "/v1/project/team-data", None);
    assert_eq!(reply["project"]["tags"]["team"], "data");
    assert_eq!(
        reply["project"]["tech_emails"][0]["email"],
        "ops@example.com"
    );
    // The API takes the organization's root account; state keeps the
    // organization's ID, as written.
    let organization = e.attribute("aiven_organization.acme", "id");
    assert_eq!(reply["project"]["organization_id"], organization);
    let (_, root) = e.local.call(
        "GET",
        &format!("/v1/organization/{}", organization.as_str().unwrap()),
        None,
    );
    assert_eq!(reply["project"]["account_id"], root["account_id"]);
    assert_eq!(e.attribute("aiven_project.team", "parent_id"), organization);
    let (_, copy) = e.local.call("GET", "/v1/project/team-data-copy", None);
    assert_eq!(
        copy["project"]["tech_emails"][0]["email"], "ops@example.com",
        "copied from the source project"
    );
    assert_eq!(copy["project"]["billing_group_id"], "bg-1");

    // The cloud and the tags change in place.
    e.configure(
        &project("aws-eu-west-1", "data").replace("value = \"data\"", "value = \"platform\""),
    );
    let plan = e.tf.plan();
    assert!(
        plan.stdout.contains("updated in-place") && !plan.stdout.contains("replace"),
        "{}",
        plan.stdout
    );
    e.tf.apply().assert_ok();
    let (_, reply) = e.local.call("GET", "/v1/project/team-data", None);
    assert_eq!(reply["project"]["default_cloud"], "aws-eu-west-1");
    assert_eq!(reply["project"]["tags"]["team"], "platform");

    // A project with services cannot go; a GET never makes one.
    let body = r#"{"service_name": "svc", "service_type": "pg", "plan": "startup-4"}"#;
    let (status, _) = e
        .local
        .call("POST", "/v1/project/team-data/service", Some(body));
    assert_eq!(status, 200);
    let (status, reply) = e.local.call("DELETE", "/v1/project/team-data", None);
    assert_eq!(status, 409, "{reply}");
    let (status, _) = e.local.call("GET", "/v1/project/never-made", None);
    assert_eq!(status, 404);

    let fresh = e.terraform_with(&[]);
    fresh.write(
        "main.tf",
        "terraform {\n  required_providers {\n    aiven = { source = \"aiven-rs/aiven\" }\n  }\n}\n\nresource \"aiven_project\" \"team\" {\n  project = \"team-data-copy\"\n}\n",
    );
    fresh
        .import("aiven_project.team", "team-data-copy")
        .assert_ok();
    let plan = fresh.plan();
    assert_eq!(plan.code, 0, "imported as it is: {}", plan.stdout);
}

#[test]
fn organizations_and_accounts_parent_projects_rename_in_place_and_are_found_by_name() {
    let e = env();
    let config = |name: &str| {
        format!(
            r#"
resource "aiven_organization" "acme" {{
  name = "{name}"
}}

resource "aiven_account" "legacy" {{
  name = "Legacy"
}}

resource "aiven_project" "in_org" {{
  project   = "in-org"
  parent_id = aiven_organization.acme.id
}}

resource "aiven_project" "in_account" {{
  project   = "in-account"
  parent_id = aiven_account.legacy.id
}}

data "aiven_organization" "by_name" {{
  name = aiven_organization.acme.name
}}

data "aiven_organization" "by_id" {{
  id = aiven_organization.acme.id
}}

data "aiven_account" "legacy" {{
  name = aiven_account.legacy.name
}}
"#
        )
    };
    e.configure(&config("Acme"));
    e.tf.apply().assert_ok();
    let organization = e.attribute("aiven_organization.acme", "id");
    assert!(
        organization.as_str().unwrap().starts_with("org"),
        "{organization}"
    );
    let account = e.attribute("aiven_account.legacy", "id");
    assert!(account.as_str().unwrap().starts_with('a'), "{account}");
    assert_eq!(
        e.attribute("data.aiven_organization.by_name", "id"),
        organization
    );
    assert_eq!(e.attribute("data.aiven_organization.by_id", "name"), "Acme");
    assert_eq!(e.attribute("data.aiven_account.legacy", "id"), account);
    assert_eq!(
        e.attribute("aiven_project.in_account", "parent_id"),
        account
    );
    let (_, project) = e.local.call("GET", "/v1/project/in-account", None);
    assert_eq!(project["project"]["account_id"], account);
    assert_eq!(e.tf.plan().code, 0, "a second plan is empty");

    // A rename is in place; the organization keeps its ID and projects.
    e.configure(&config("Acme Corp"));
    let plan = words(&e.tf.plan().stdout);
    assert!(
        plan.contains("Plan: 0 to add, 1 to change, 0 to destroy"),
        "{plan}"
    );
    e.tf.apply().assert_ok();
    assert_eq!(e.attribute("aiven_organization.acme", "id"), organization);
    let id = organization.as_str().unwrap();
    let (_, found) = e.local.call("GET", &format!("/v1/organization/{id}"), None);
    assert_eq!(found["organization_name"], "Acme Corp");
    assert_eq!(e.tf.plan().code, 0, "replans empty after the rename");

    // The API keeps an organization that holds projects.
    let (status, body) = e.local.call(
        "DELETE",
        &format!("/v1/organization/{id}?recursive=true"),
        None,
    );
    assert_eq!(status, 409, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("in-org"),
        "{body}"
    );

    // A parent that does not exist is refused at apply, naming parent_id.
    e.configure(&format!(
        "{}
resource \"aiven_project\" \"orphan\" {{\n  project   = \"orphan\"\n  parent_id = \"org0000000000ff\"\n}}\n",
        config("Acme Corp")
    ));
    let failed = words(&e.tf.apply().assert_failed());
    assert!(failed.contains("parent_id org0000000000ff"), "{failed}");

    // Imported by ID, each replans empty; then all goes, projects first.
    e.configure(&config("Acme Corp"));
    for address in ["aiven_organization.acme", "aiven_account.legacy"] {
        e.tf.run(&["state", "rm", address]).assert_ok();
    }
    e.tf.import("aiven_organization.acme", id).assert_ok();
    e.tf.import("aiven_account.legacy", account.as_str().unwrap())
        .assert_ok();
    assert_eq!(e.tf.plan().code, 0, "imported as they are");
    e.tf.destroy().assert_ok();
    let (status, _) = e.local.call("GET", &format!("/v1/organization/{id}"), None);
    assert_eq!(status, 404);
}

/// A user's password moves between generated, written and write-only in
/// every direction: each step applies, replans empty, and the role logs in
/// with the password state (or the configuration) says.
#[test]
fn a_password_moves_between_generated_written_and_write_only_in_every_direction() {
    let e = env();
    let user = |password: &str| {
        format!(
            r#"
resource "aiven_pg" "db" {{
  project      = "moves"
  service_name = "moves"
  plan         = "startup-4"
}}

resource "aiven_pg_user" "u" {{
  project      = aiven_pg.db.project
  service_name = aiven_pg.db.service_name
  username     = "u"
{password}
}}
"#
        )
    };
    let generated = "";
    let written = "  password = \"written-password-1\"";
    let write_only = "  password_wo = \"write-only-password-1\"\n  password_wo_version = 1";
    let steps = [
        ("generated", generated),
        ("written", written),
        ("write-only", write_only),
        ("generated again", generated),
        ("write-only again", write_only),
        ("written again", written),
        ("generated at last", generated),
    ];
    for (step, password) in steps {
        e.configure(&user(password));
        e.tf.apply().assert_ok();
        let plan = e.tf.plan();
        assert_eq!(
            plan.code, 0,
            "{step}: a second plan is empty:\n{}",
            plan.stdout
        );
        let in_state = e.attribute("aiven_pg_user.u", "password");
        let expected = match password {
            p if p == written => "written-password-1".to_owned(),
            p if p == write_only => {
                assert!(
                    in_state.is_null(),
                    "{step}: a write-only password is not kept"
                );
                "write-only-password-1".to_owned()
            }
            _ => in_state
                .as_str()
                .expect("a generated password in state")
                .to_owned(),
        };
        let uri = uri_as(&e.uri("aiven_pg.db"), "u", &expected, "defaultdb");
        assert_eq!(psql(&uri, "SELECT current_user"), "u", "{step}");
    }
}

#[test]
fn pg_its_pools_and_mysql_serve_tls_that_the_projects_ca_verifies() {
    let e = env();
    e.configure(
        r#"
resource "aiven_project" "p" {
  project = "tls"
}

resource "aiven_pg" "db" {
  project      = aiven_project.p.project
  service_name = "tls-pg"
  plan         = "startup-4"
}

resource "aiven_connection_pool" "pool" {
  project       = aiven_pg.db.project
  service_name  = aiven_pg.db.service_name
  pool_name     = "tls-pool"
  database_name = "defaultdb"
  username      = "avnadmin"
}

resource "aiven_mysql" "db" {
  project      = aiven_project.p.project
  service_name = "tls-mysql"
  plan         = "startup-4"
}
"#,
    );
    e.tf.apply().assert_ok();
    assert_eq!(e.tf.plan().code, 0);
    let ca = e.attribute("aiven_project.p", "ca_cert");
    let ca = ca.as_str().expect("ca_cert is read from the API");
    assert!(ca.starts_with("-----BEGIN CERTIFICATE-----"), "{ca}");
    let ca_file = e.tf.work_dir().join("project-ca.pem");
    std::fs::write(&ca_file, ca).unwrap();
    let uri = e.uri("aiven_pg.db");
    assert!(
        uri.ends_with("?sslmode=require"),
        "as on the platform: {uri}"
    );
    let verified = |uri: &str| {
        uri.replace(
            "sslmode=require",
            &format!("sslmode=verify-full&sslrootcert={}", ca_file.display()),
        )
    };
    assert_eq!(
        psql(
            &verified(&uri),
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"
        ),
        "t",
        "a TLS connection, its certificate verified against the project's CA"
    );
    let pool = e.attribute("aiven_connection_pool.pool", "connection_uri");
    let pool = pool.as_str().unwrap();
    assert!(pool.ends_with("?sslmode=require"), "{pool}");
    assert_eq!(psql(&verified(pool), "SELECT 1"), "1", "PgBouncer too");
    // Another CA does not verify it.
    let output = std::process::Command::new("psql")
        .arg(uri.replace(
            "sslmode=require",
            "sslmode=verify-full&sslrootcert=/etc/ssl/certs/ca-certificates.crt",
        ))
        .args(["-X", "-c", "SELECT 1"])
        .output()
        .unwrap();
    assert!(
        !output.status.success(),
        "verified by a CA that did not sign it"
    );
    assert_eq!(
        psql(
            &uri.replace("sslmode=require", "sslmode=disable"),
            "SELECT 1"
        ),
        "1",
        "plain connections still work"
    );
}

/// `redis-cli` against `uri`, verifying the server with `ca_file` when
/// given; its exit status and output.
fn redis_cli_with(uri: &str, ca_file: Option<&std::path::Path>) -> (bool, String) {
    let mut command = std::process::Command::new("redis-cli");
    command.args(["--no-auth-warning", "-u", &testkit::redis_cli_uri(uri)]);
    if let Some(ca_file) = ca_file {
        command.arg("--cacert").arg(ca_file);
    }
    let output = command.arg("PING").output().unwrap();
    let said = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    (output.status.success() && said.trim() == "PONG", said)
}

#[test]
fn valkey_serves_tls_that_the_projects_ca_verifies_unless_valkey_ssl_is_off() {
    let e = env();
    let config = |user_config: &str| {
        format!(
            r#"
resource "aiven_project" "p" {{
  project = "tls-valkey"
}}

resource "aiven_valkey" "cache" {{
  project      = aiven_project.p.project
  service_name = "tls-cache"
  plan         = "startup-4"
{user_config}
}}
"#
        )
    };
    e.configure(&config(""));
    e.tf.apply().assert_ok();
    assert_eq!(e.tf.plan().code, 0);
    let ca = e.attribute("aiven_project.p", "ca_cert");
    let ca_file = e.tf.work_dir().join("project-ca.pem");
    std::fs::write(&ca_file, ca.as_str().unwrap()).unwrap();
    let uri = e.uri("aiven_valkey.cache");
    assert!(
        uri.starts_with("valkeys://default:"),
        "as on the platform: {uri}"
    );
    let (ok, said) = redis_cli_with(&uri, Some(&ca_file));
    assert!(ok, "verified against the project's CA: {said}");
    // aiven-local's own reply: under contract variations the provider's
    // reads may leave `components` out, as the API may.
    let ssl = || {
        let (_, reply) = e
            .local
            .call("GET", "/v1/project/tls-valkey/service/tls-cache", None);
        reply["service"]["components"][0]["ssl"].clone()
    };
    assert_eq!(ssl(), true);
    let (ok, said) = redis_cli_with(
        &uri,
        Some(std::path::Path::new("/etc/ssl/certs/ca-certificates.crt")),
    );
    assert!(!ok, "verified by a CA that did not sign it: {said}");
    let plain = uri.replacen("valkeys://", "valkey://", 1);
    let (ok, said) = redis_cli_with(&plain, None);
    assert!(!ok, "plain text on a TLS port: {said}");

    // valkey_ssl = false: the same port in plain text, in place.
    e.configure(&config(
        "  valkey_user_config {\n    valkey_ssl = false\n  }",
    ));
    e.tf.apply().assert_ok();
    assert_eq!(e.tf.plan().code, 0);
    let uri = e.uri("aiven_valkey.cache");
    assert!(uri.starts_with("valkey://default:"), "{uri}");
    let (ok, said) = redis_cli_with(&uri, None);
    assert!(ok, "plain text with valkey_ssl off: {said}");
    assert_eq!(ssl(), false);
}

/// A ClickHouse user's password, written once and never stored, then
/// rotated, then written; each step applies, replans empty, and the user
/// logs in with the password the step gave it (ClickHouse's own client).
#[test]
fn a_clickhouse_users_password_is_write_only_rotated_and_written_and_logs_in() {
    let e = env();
    let user = |password: &str| {
        format!(
            r#"
resource "aiven_clickhouse" "olap" {{
  project      = "users"
  service_name = "olap"
  plan         = "startup-16"
}}

resource "aiven_clickhouse_user" "writer" {{
  project      = aiven_clickhouse.olap.project
  service_name = aiven_clickhouse.olap.service_name
  username     = "writer"
{password}
}}
"#
        )
    };
    let logs_in = |password: &str| {
        let service = e.uri("aiven_clickhouse.olap");
        let host = service.rsplit_once('@').unwrap().1;
        let uri = format!(
            "https://writer:{}@{host}",
            aiven_api::userinfo::encode(password)
        );
        testkit::clickhouse_connect(&uri, None, "print(client.command('SELECT 1'))").is_ok()
    };
    for (step, password, wo) in [
        (
            "write-only",
            "  password_wo = \"write-only-one-1\"\n  password_wo_version = 1",
            "write-only-one-1",
        ),
        (
            "rotated",
            "  password_wo = \"write-only-two-2\"\n  password_wo_version = 2",
            "write-only-two-2",
        ),
        (
            "written",
            "  password = \"written-three-3\"",
            "written-three-3",
        ),
    ] {
        e.configure(&user(password));
        e.tf.apply().assert_ok();
        assert!(logs_in(wo), "{step}: logs in with its password");
        assert_eq!(e.tf.plan().code, 0, "{step}: replans empty");
    }
    assert!(
        !logs_in("write-only-two-2"),
        "the rotated-out password no longer works"
    );
    let state = std::fs::read_to_string(e.tf.work_dir().join("terraform.tfstate")).unwrap();
    assert!(
        !state.contains("write-only-"),
        "write-only passwords never reach state"
    );
    assert_eq!(
        e.attribute("aiven_clickhouse_user.writer", "password"),
        "written-three-3"
    );
    assert_eq!(
        e.attribute("aiven_clickhouse_user.writer", "required"),
        false
    );
}
