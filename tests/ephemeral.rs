//! Ephemeral connection details through the real binary ($TERRAFORM): one
//! configuration (a platform team's) makes a service and a user; another
//! (an application team's) reads the service's connection and the user's
//! credentials as ephemeral resources and hands the passwords to
//! write-only arguments. The passwords reach the engine, which logs in
//! with them, and never the second configuration's state or plan.
//! Terraform 1.10 and OpenTofu 1.11 know ephemeral resources.

mod support;

use support::{env, main_tf, psql, uri_as, words};

const PLATFORM: &str = r#"
resource "aiven_pg" "db" {
  project      = "acme"
  service_name = "shop"
  plan         = "startup-4"
}

resource "aiven_pg_user" "app" {
  project      = aiven_pg.db.project
  service_name = aiven_pg.db.service_name
  username     = "app"
}
"#;

const CONNECTION: &str = r#"
ephemeral "aiven_service_connection" "db" {
  project      = "acme"
  service_name = "shop"
}

resource "aiven_pg_user" "reporting" {
  project             = "acme"
  service_name        = "shop"
  username            = "reporting"
  password_wo         = ephemeral.aiven_service_connection.db.password
  password_wo_version = 1
}
"#;

const CREDENTIALS: &str = r#"
ephemeral "aiven_service_user_credentials" "app" {
  project      = "acme"
  service_name = "shop"
  username     = "app"
}

resource "aiven_pg_user" "app_twin" {
  project             = "acme"
  service_name        = "shop"
  username            = "app_twin"
  password_wo         = ephemeral.aiven_service_user_credentials.app.password
  password_wo_version = 1
}
"#;

/// Whether aiven-local answers as loosely as the contract allows, where
/// the API may show no password for a user other than the primary one
/// (`AIVEN_LOCAL_VARY`).
fn loose() -> bool {
    std::env::var_os("AIVEN_LOCAL_VARY").is_some()
}

/// The refusal of a user whose password the API does not show.
const NOT_SHOWN: &str = "did not show a password for user";

#[test]
fn ephemeral_credentials_reach_write_only_passwords_and_never_state_or_plan() {
    let e = env();
    e.configure(PLATFORM);
    e.tf.apply().assert_ok();
    let service_uri = e.uri("aiven_pg.db");
    let admin_password = e.attribute("aiven_pg.db", "service_password");
    let admin_password = admin_password
        .as_str()
        .expect("the primary user's password");
    let app = e.terraform_with(&[]);
    let logs_in = |user: &str, password: &str| {
        let uri = uri_as(&service_uri, user, password, "defaultdb");
        assert_eq!(psql(&uri, "SELECT current_user"), user, "{user} logs in");
    };

    // A user's password the API does not show is refused at plan time,
    // and nothing is made.
    app.write("main.tf", &main_tf(&format!("{CONNECTION}{CREDENTIALS}")));
    let mut secrets = vec![admin_password.to_owned()];
    if loose() {
        let output = words(&app.plan().assert_failed());
        assert!(output.contains(NOT_SHOWN), "{output}");
        app.write("main.tf", &main_tf(CONNECTION));
    } else {
        let app_password = e.attribute("aiven_pg_user.app", "password");
        secrets.push(
            app_password
                .as_str()
                .expect("a generated password")
                .to_owned(),
        );
    }
    app.apply().assert_ok();
    logs_in("reporting", admin_password);
    if let Some(app_password) = secrets.get(1) {
        logs_in("app_twin", app_password);
    }

    let state = std::fs::read_to_string(app.work_dir().join("terraform.tfstate")).unwrap();
    assert!(state.contains("reporting"), "the state holds the users");
    let saved = app.run(&["plan", "-out=saved.plan", "-detailed-exitcode", "-no-color"]);
    assert_eq!(
        saved.code, 0,
        "replans empty:\n{}{}",
        saved.stdout, saved.stderr
    );
    let plan = app.run(&["show", "-json", "saved.plan"]);
    plan.assert_ok();
    for secret in &secrets {
        assert!(!state.contains(secret.as_str()), "a password is in state");
        assert!(
            !plan.stdout.contains(secret.as_str()),
            "a password is in the plan"
        );
    }

    // A user the service does not have fails the plan, at its name.
    app.write(
        "ghost.tf",
        "ephemeral \"aiven_service_user_credentials\" \"ghost\" {\n  project      = \"acme\"\n  service_name = \"shop\"\n  username     = \"ghost\"\n}\n",
    );
    let output = words(&app.plan().assert_failed());
    assert!(
        output.contains(r#"Service "shop" has no user "ghost""#) && output.contains("username"),
        "{output}"
    );
}

/// A user made in the same apply, named by its `id` (unknown until it is
/// made): Terraform opens the ephemeral resource at apply, after the user
/// exists, and its password reaches the twin.
const SAME_APPLY: &str = r#"
resource "aiven_pg_user" "fresh" {
  project      = aiven_pg.db.project
  service_name = aiven_pg.db.service_name
  username     = "fresh"
}

ephemeral "aiven_service_user_credentials" "fresh" {
  id = aiven_pg_user.fresh.id
}

resource "aiven_pg_user" "fresh_twin" {
  project             = aiven_pg.db.project
  service_name        = aiven_pg.db.service_name
  username            = "fresh_twin"
  password_wo         = ephemeral.aiven_service_user_credentials.fresh.password
  password_wo_version = 1
}
"#;

#[test]
fn an_object_made_in_the_same_apply_is_read_by_id_once_it_exists() {
    let e = env();
    e.configure(&format!("{PLATFORM}{SAME_APPLY}"));
    if loose() {
        // Read at apply, the password the API does not show stops the
        // apply before the twin is made.
        let output = words(&e.tf.apply().assert_failed());
        assert!(output.contains(NOT_SHOWN), "{output}");
        assert!(e.tf.resource("aiven_pg_user.fresh_twin").is_none());
        return;
    }
    e.tf.apply().assert_ok();
    let password = e.attribute("aiven_pg_user.fresh", "password");
    let uri = uri_as(
        &e.uri("aiven_pg.db"),
        "fresh_twin",
        password.as_str().expect("a generated password"),
        "defaultdb",
    );
    assert_eq!(psql(&uri, "SELECT current_user"), "fresh_twin");
    assert_eq!(e.tf.plan().code, 0, "replans empty");

    // Named by both an ID and names, it is refused at plan time.
    e.tf.write(
        "both.tf",
        "ephemeral \"aiven_service_connection\" \"both\" {\n  id           = \"acme/shop\"\n  service_name = \"shop\"\n}\n",
    );
    let output = words(&e.tf.plan().assert_failed());
    assert!(
        output.contains("Set either id or project, service_name, not both"),
        "{output}"
    );
}
