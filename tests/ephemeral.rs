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

const APPLICATION: &str = r#"
ephemeral "aiven_service_connection" "db" {
  project      = "acme"
  service_name = "shop"
}

ephemeral "aiven_service_user_credentials" "app" {
  project      = "acme"
  service_name = "shop"
  username     = "app"
}

resource "aiven_pg_user" "reporting" {
  project             = "acme"
  service_name        = "shop"
  username            = "reporting"
  password_wo         = ephemeral.aiven_service_connection.db.password
  password_wo_version = 1
}

resource "aiven_pg_user" "app_twin" {
  project             = "acme"
  service_name        = "shop"
  username            = "app_twin"
  password_wo         = ephemeral.aiven_service_user_credentials.app.password
  password_wo_version = 1
}
"#;

#[test]
fn ephemeral_credentials_reach_write_only_passwords_and_never_state_or_plan() {
    let e = env();
    e.configure(PLATFORM);
    e.tf.apply().assert_ok();
    let service_uri = e.uri("aiven_pg.db");
    let admin_password = e.attribute("aiven_pg.db", "service_password");
    let app_password = e.attribute("aiven_pg_user.app", "password");
    let secrets = [
        admin_password
            .as_str()
            .expect("the primary user's password"),
        app_password.as_str().expect("the generated password"),
    ];

    let app = e.terraform_with(&[]);
    app.write("main.tf", &main_tf(APPLICATION));
    app.apply().assert_ok();
    assert_eq!(
        psql(
            &uri_as(&service_uri, "reporting", secrets[0], "defaultdb"),
            "SELECT current_user"
        ),
        "reporting",
        "the primary user's password reached the engine"
    );
    assert_eq!(
        psql(
            &uri_as(&service_uri, "app_twin", secrets[1], "defaultdb"),
            "SELECT current_user"
        ),
        "app_twin",
        "the app user's password reached the engine"
    );

    let state = std::fs::read_to_string(app.work_dir().join("terraform.tfstate")).unwrap();
    assert!(state.contains("app_twin"), "the state holds the users");
    let saved = app.run(&["plan", "-out=saved.plan", "-detailed-exitcode", "-no-color"]);
    assert_eq!(
        saved.code, 0,
        "replans empty:\n{}{}",
        saved.stdout, saved.stderr
    );
    let plan = app.run(&["show", "-json", "saved.plan"]);
    plan.assert_ok();
    for secret in secrets {
        assert!(!state.contains(secret), "a password is in state");
        assert!(!plan.stdout.contains(secret), "a password is in the plan");
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
