//! What users see besides state: data sources, and provider logs that
//! help without leaking secrets.

mod support;

use support::env;

#[test]
fn the_pg_data_source_reads_an_existing_service() {
    let e = env();
    e.configure(
        r#"
resource "aiven_pg" "db" {
  project      = "acme"
  service_name = "reporting"
  plan         = "startup-8"
}
"#,
    );
    e.tf.apply().assert_ok();
    e.configure(
        r#"
resource "aiven_pg" "db" {
  project      = "acme"
  service_name = "reporting"
  plan         = "startup-8"
}

data "aiven_pg" "read" {
  project      = "acme"
  service_name = aiven_pg.db.service_name
}

output "plan" {
  value = data.aiven_pg.read.plan
}

output "port" {
  value = data.aiven_pg.read.pg[0].port
  sensitive = true
}
"#,
    );
    e.tf.apply().assert_ok();
    assert_eq!(e.tf.run(&["output", "-raw", "plan"]).stdout, "startup-8");
    assert_eq!(
        e.tf.run(&["output", "-raw", "port"]).stdout,
        e.attribute("aiven_pg.db", "service_port").to_string()
    );

    e.tf.write(
        "missing.tf",
        "data \"aiven_pg\" \"missing\" {\n  project = \"acme\"\n  service_name = \"nowhere\"\n}\n",
    );
    let output = e.tf.plan().assert_failed();
    assert!(
        output.contains("Service nowhere does not exist in project acme"),
        "{output}"
    );
}

#[test]
fn debug_logs_reach_terraform_and_never_carry_secrets() {
    let e = env();
    e.configure(
        r#"
resource "aiven_pg" "db" {
  project      = "acme"
  service_name = "logged"
  plan         = "startup-4"
}
"#,
    );
    let tf = e.terraform_with(&[("TF_LOG_PROVIDER", "TRACE")]);
    let apply = tf.apply();
    apply.assert_ok();
    assert!(
        apply
            .stderr
            .contains("[DEBUG] provider.terraform-provider-aiven"),
        "provider logs shown at their level"
    );
    assert!(
        apply.stderr.contains("resource call"),
        "our own log lines arrive"
    );
    let password = tf.resource("aiven_pg.db").unwrap()["service_password"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(!password.is_empty());
    let plan = tf.plan();
    for secret in [testkit::TOKEN, password.as_str()] {
        assert!(
            !apply.stderr.contains(secret) && !plan.stderr.contains(secret),
            "a secret reached the log"
        );
        assert!(
            !apply.stdout.contains(secret) && !plan.stdout.contains(secret),
            "a secret reached the output"
        );
    }
}
