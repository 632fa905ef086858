//! OpenSearch users and access control lists through terraform, in the
//! official provider's shape: `aiven_opensearch_user`,
//! `aiven_opensearch_acl_config` and `aiven_opensearch_acl_rule` apply,
//! re-plan empty, change in place and import; and what they say holds
//! in OpenSearch, checked with curl as the user.

mod support;

use support::{env, words};
use testkit::opensearch_unverified as opensearch;

/// The service, an analyst user, the lists (on or off) and the analyst's
/// rules, index pattern to permission.
fn config(lists_on: bool, rules: &[(&str, &str)]) -> String {
    let rules: String = rules
        .iter()
        .map(|(index, permission)| format!("    {index:?} = {permission:?}\n"))
        .collect();
    let lists = if lists_on {
        r#"
resource "aiven_opensearch_acl_config" "lists" {
  project      = aiven_opensearch.search.project
  service_name = aiven_opensearch.search.service_name
  enabled      = true
  extended_acl = false
}
"#
    } else {
        ""
    };
    format!(
        r#"
resource "aiven_opensearch" "search" {{
  project      = "acme"
  service_name = "search"
  plan         = "startup-4"
}}

resource "aiven_opensearch_user" "analyst" {{
  project      = aiven_opensearch.search.project
  service_name = aiven_opensearch.search.service_name
  username     = "analyst"
}}
{lists}
locals {{
  rules = {{
{rules}  }}
}}

resource "aiven_opensearch_acl_rule" "analyst" {{
  for_each     = local.rules
  project      = aiven_opensearch.search.project
  service_name = aiven_opensearch.search.service_name
  username     = aiven_opensearch_user.analyst.username
  index        = each.key
  permission   = each.value
}}
"#
    )
}

/// The status OpenSearch answers `method path` from `who`.
fn status(who: &str, method: &str, path: &str) -> u16 {
    let doc = serde_json::json!({"n": 1});
    let body = (method == "PUT").then_some(&doc);
    let (status, reply) = opensearch(who, method, path, body);
    assert!(
        [200, 201, 403].contains(&status),
        "{method} {path}: {status} {reply}"
    );
    status
}

#[test]
fn access_control_lists_apply_replan_empty_change_in_place_and_hold_in_opensearch() {
    let e = env();
    let read = [("logs_*", "read"), ("logs_2025*", "deny")];
    e.configure(&config(true, &read));
    e.tf.apply().assert_ok();
    let service = e.uri("aiven_opensearch.search");
    let password = e.attribute("aiven_opensearch_user.analyst", "password");
    let host = service.rsplit_once('@').unwrap().1;
    let analyst = format!("https://analyst:{}@{host}", password.as_str().unwrap());
    for index in ["logs_2024", "logs_2025", "events_1"] {
        assert_eq!(
            status(&service, "PUT", &format!("/{index}/_doc/1?refresh=true")),
            201
        );
    }
    assert_eq!(status(&analyst, "GET", "/logs_2024/_doc/1"), 200, "read");
    assert_eq!(
        status(&analyst, "PUT", "/logs_2024/_doc/2"),
        403,
        "read only"
    );
    assert_eq!(status(&analyst, "GET", "/logs_2025/_doc/1"), 403, "denied");
    assert_eq!(status(&analyst, "GET", "/events_1/_doc/1"), 403, "no rule");
    let plan = e.tf.plan();
    assert_eq!(plan.code, 0, "second plan must be empty:\n{}", plan.stdout);
    let rule = r#"aiven_opensearch_acl_rule.analyst["logs_*"]"#;
    assert_eq!(e.attribute(rule, "id"), "acme/search/analyst/logs_*");

    // A permission changes in place, and a new rule adds to the others.
    e.configure(&config(
        true,
        &[
            ("logs_*", "readwrite"),
            ("logs_2025*", "deny"),
            ("events_*", "read"),
        ],
    ));
    let plan = e.tf.plan();
    assert!(
        words(&plan.stdout).contains("Plan: 1 to add, 1 to change, 0 to destroy"),
        "{}",
        plan.stdout
    );
    e.tf.apply().assert_ok();
    assert_eq!(
        status(&analyst, "PUT", "/logs_2024/_doc/2"),
        201,
        "readwrite"
    );
    assert_eq!(
        status(&analyst, "GET", "/events_1/_doc/1"),
        200,
        "the new rule"
    );
    assert_eq!(
        status(&analyst, "GET", "/logs_2025/_doc/1"),
        403,
        "still denied"
    );

    // Adopted by its import ID, the rule and the lists replan empty.
    for address in [rule, "aiven_opensearch_acl_config.lists"] {
        e.tf.run(&["state", "rm", address]).assert_ok();
    }
    e.tf.import(rule, "acme/search/analyst/logs_*").assert_ok();
    e.tf.import("aiven_opensearch_acl_config.lists", "acme/search")
        .assert_ok();
    let plan = e.tf.plan();
    assert!(
        words(&plan.stdout).contains("Plan: 0 to add, 1 to change, 0 to destroy")
            && plan.stdout.contains("extended_acl"),
        "only extended_acl, which the API does not report, differs after an import:\n{}",
        plan.stdout
    );
    e.tf.apply().assert_ok();

    // Refused at plan time, naming the attribute and what is allowed.
    e.configure(&config(true, &[("logs_*", "owner")]));
    let failed = words(&e.tf.plan().assert_failed());
    assert!(
        failed.contains("permission \"owner\" is not one of admin, deny, read, readwrite, write"),
        "{failed}"
    );
    assert!(
        failed.contains("aiven_opensearch_acl_rule.analyst"),
        "{failed}"
    );

    // Without the config resource the lists are off: every index again.
    e.configure(&config(
        false,
        &[
            ("logs_*", "readwrite"),
            ("logs_2025*", "deny"),
            ("events_*", "read"),
        ],
    ));
    e.tf.apply().assert_ok();
    assert_eq!(
        status(&analyst, "GET", "/logs_2025/_doc/1"),
        200,
        "lists off"
    );
    let plan = e.tf.plan();
    assert_eq!(
        plan.code, 0,
        "the rules stay, and replan empty:\n{}",
        plan.stdout
    );
    let (_, lists) = e.local.call(
        "GET",
        "/v1/project/acme/service/search/opensearch/acl",
        None,
    );
    assert_eq!(lists["opensearch_acl_config"]["enabled"], false, "{lists}");
    assert_eq!(
        lists["opensearch_acl_config"]["acls"][0]["rules"]
            .as_array()
            .map(Vec::len),
        Some(3),
        "{lists}"
    );
}
