//! Resource identity through the real binary ($TERRAFORM): a fork's copied
//! service user, which no configuration made, is adopted with an `import`
//! block that names it by identity (project, service, username) instead
//! of an ID string, then replans empty. A client that knows identity
//! (OpenTofu 1.12, Terraform 1.12 and later) imports it; an older one
//! (Terraform 1.11, OpenTofu 1.11) refuses the block at plan time in its
//! own words, and nothing is made or lost.

mod support;

use support::{env, words};

/// The client's version (`terraform version -json` reports it for
/// OpenTofu too), as (major, minor).
fn client_version(e: &support::Env) -> (u64, u64) {
    let outcome = e.tf.run(&["version", "-json"]);
    outcome.assert_ok();
    let json: serde_json::Value = serde_json::from_str(&outcome.stdout).expect("version JSON");
    let version = json["terraform_version"].as_str().expect("a version");
    let mut parts = version.split('.').map(|p| p.parse().unwrap_or(0));
    (parts.next().unwrap_or(0), parts.next().unwrap_or(0))
}

const SOURCE: &str = r#"
resource "aiven_pg" "source" {
  project      = "acme"
  service_name = "shop"
  plan         = "startup-4"
}

resource "aiven_pg_user" "app" {
  project      = aiven_pg.source.project
  service_name = aiven_pg.source.service_name
  username     = "app"
}
"#;

/// A fork from the backup taken after the user was made: it holds the
/// user, which no resource of the configuration manages there.
const FORK: &str = r#"
resource "aiven_pg" "fork" {
  project      = "acme"
  service_name = "shop-fork"
  plan         = "startup-4"
  pg_user_config {
    service_to_fork_from = aiven_pg.source.service_name
  }
}
"#;

const ADOPT: &str = r#"
import {
  to = aiven_pg_user.fork_app
  identity = {
    project      = "acme"
    service_name = "shop-fork"
    username     = "app"
  }
}

resource "aiven_pg_user" "fork_app" {
  project      = aiven_pg.fork.project
  service_name = aiven_pg.fork.service_name
  username     = "app"
}
"#;

#[test]
fn a_forks_copied_user_is_adopted_by_identity_or_refused_by_an_older_client() {
    let e = env();
    e.configure(SOURCE);
    e.tf.apply().assert_ok();
    e.local.back_up_now("acme", "shop");
    e.configure(&format!("{SOURCE}{FORK}"));
    e.tf.apply().assert_ok();
    let users = |service: &str| {
        let path = format!("/v1/project/acme/service/{service}");
        let (_, body) = e.local.call("GET", &path, None);
        body["service"]["users"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    };
    assert!(
        users("shop-fork").iter().any(|u| u["username"] == "app"),
        "the fork holds the source's user"
    );

    e.configure(&format!("{SOURCE}{FORK}{ADOPT}"));
    let plan = e.tf.plan();
    if client_version(&e) < (1, 12) {
        assert_eq!(plan.code, 1, "an older client refuses:\n{}", plan.stdout);
        let said = words(&format!("{}{}", plan.stdout, plan.stderr));
        assert!(
            said.contains(r#"An argument named "identity" is not expected here"#),
            "it names the argument: {said}"
        );
        return;
    }
    assert_eq!(plan.code, 2, "{}\n{}", plan.stdout, plan.stderr);
    assert!(
        words(&plan.stdout).contains("will be imported"),
        "{}",
        plan.stdout
    );
    e.tf.apply().assert_ok();
    assert_eq!(
        e.attribute("aiven_pg_user.fork_app", "username"),
        "app",
        "the copied user is in state"
    );
    let replan = e.tf.plan();
    assert_eq!(replan.code, 0, "replans empty:\n{}", replan.stdout);
    // Adopting it made nothing new: the fork still has its one copy.
    let copies = users("shop-fork")
        .iter()
        .filter(|u| u["username"] == "app")
        .count();
    assert_eq!(copies, 1);
}
