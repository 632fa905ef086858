//! Building Terraform state from the API's service object.

use aiven_api::catalog;
use aiven_api::types::Service;
use serde_json::{Map, Value as Json};
use tfplugin::value::Value;

use super::kind::{EXTRA_JSON, ServiceKind};
use super::schema::TIMEOUTS;
use super::user_config;

const MIB_PER_GIB: i64 = 1024;

/// `"10GiB"` → MiB.
pub fn parse_disk(text: &str) -> Option<i64> {
    let number = text.trim().strip_suffix("GiB")?;
    number
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|n| *n >= 0)
        .map(|n| n * MIB_PER_GIB)
}

fn format_disk(mib: i64) -> String {
    format!("{}GiB", mib.max(0) / MIB_PER_GIB)
}

/// The plan's included disk, where our catalog knows the plan.
pub fn plan_disk(service_type: &str, plan: &str) -> Option<i64> {
    catalog::service_type(service_type)
        .and_then(|t| catalog::plan(t, plan))
        .map(|p| p.disk_space_mb)
}

/// The id Terraform tracks a service by, also its import ID.
pub fn service_id(project: &str, service: &str) -> String {
    format!("{project}/{service}")
}

/// The full state for `service`. `prior` supplies what the API does not
/// report (timeouts, create-only fields); `import` takes every user config
/// key from the API because there is no configuration to follow yet.
pub fn from_service(
    kind: &ServiceKind,
    project: &str,
    service: &Service,
    prior: &Value,
    import: bool,
) -> Value {
    let params = &service.service_uri_params;
    let param = |key: &str| Value::opt_string(params.get(key).cloned());
    let port = params.get("port").and_then(|p| p.parse::<i64>().ok());
    let mut state = Value::object([
        (
            "id",
            Value::string(service_id(project, &service.service_name)),
        ),
        ("project", Value::string(project)),
        ("service_name", Value::string(&service.service_name)),
        ("plan", Value::string(&service.plan)),
        ("cloud_name", Value::string(&service.cloud_name)),
        (
            "maintenance_window_dow",
            Value::opt_string(service.maintenance.as_ref().map(|m| m.dow.clone())),
        ),
        (
            "maintenance_window_time",
            Value::opt_string(service.maintenance.as_ref().map(|m| m.time.clone())),
        ),
        (
            "termination_protection",
            Value::Bool(service.termination_protection),
        ),
        (
            "disk_space",
            Value::string(format_disk(service.disk_space_mb)),
        ),
        (
            "additional_disk_space",
            Value::string(format_disk(
                service.disk_space_mb
                    - plan_disk(&service.service_type, &service.plan)
                        .unwrap_or(service.disk_space_mb),
            )),
        ),
        (
            "project_vpc_id",
            Value::opt_string(service.project_vpc_id.clone()),
        ),
        ("static_ips", prior.get("static_ips").clone()),
        ("state", Value::string(&service.state)),
        ("service_uri", Value::string(&service.service_uri)),
        ("service_host", param("host")),
        ("service_port", Value::opt_number(port)),
        ("service_username", param("user")),
        ("service_password", param("password")),
        (
            "components",
            Value::List(
                service
                    .components
                    .iter()
                    .map(|c| {
                        Value::object([
                            ("component", Value::string(&c.component)),
                            ("host", Value::string(&c.host)),
                            ("port", Value::number(i64::from(c.port))),
                            ("route", Value::string(&c.route)),
                            ("usage", Value::string(&c.usage)),
                        ])
                    })
                    .collect(),
            ),
        ),
        (
            "tag",
            Value::Set(
                service
                    .tags
                    .iter()
                    .map(|(key, value)| {
                        Value::object([
                            ("key", Value::string(key)),
                            ("value", Value::string(value)),
                        ])
                    })
                    .collect(),
            ),
        ),
        (
            "tech_emails",
            Value::Set(
                service
                    .tech_emails
                    .iter()
                    .map(|e| Value::object([("email", Value::string(&e.email))]))
                    .collect(),
            ),
        ),
        (TIMEOUTS, prior.get(TIMEOUTS).clone()),
    ]);
    // Keep an alias as written (`redis` for `valkey`): same type, no diff.
    let written = prior.get("service_type").as_str();
    let same_type = written.and_then(catalog::service_type).map(|t| t.name)
        == Some(service.service_type.as_str());
    let service_type = match written {
        Some(written) if same_type => written,
        _ => &service.service_type,
    };
    state.set("service_type", Value::string(service_type));
    if let Some(connection) = kind.connection_attribute {
        state.set(
            connection,
            Value::List(vec![Value::object([
                ("host", param("host")),
                ("port", Value::opt_number(port)),
                ("user", param("user")),
                ("password", param("password")),
                ("dbname", param("dbname")),
                ("sslmode", param("sslmode")),
                ("uri", Value::string(&service.service_uri)),
            ])]),
        );
    }
    state.set(
        kind.user_config_block,
        user_config_state(
            kind,
            &service.user_config,
            prior.get(kind.user_config_block),
            import,
        ),
    );
    state
}

fn user_config_state(
    kind: &ServiceKind,
    api: &Map<String, Json>,
    prior: &Value,
    import: bool,
) -> Value {
    let prior_element = prior.first();
    if !import && prior_element.is_null() {
        return Value::List(Vec::new());
    }
    let fields = kind.fields();
    let mut element = user_config::from_api(&fields, api, prior_element, import);
    if kind.service_type.is_none() {
        let extra = if import {
            let rest: Map<String, Json> = api
                .iter()
                .filter(|(key, _)| !fields.iter().any(|f| f.name == *key))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            if rest.is_empty() {
                Value::Null
            } else {
                Value::string(Json::Object(rest).to_string())
            }
        } else {
            prior_element.get(EXTRA_JSON).clone()
        };
        element.set(EXTRA_JSON, extra);
    }
    if import && is_empty_object(&element) {
        return Value::List(Vec::new());
    }
    Value::List(vec![element])
}

fn is_empty_object(value: &Value) -> bool {
    match value {
        Value::Object(entries) => entries
            .values()
            .all(|v| v.is_null() || matches!(v, Value::List(items) if items.is_empty())),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disk_sizes_parse_and_format_in_gib() {
        assert_eq!(parse_disk("10GiB"), Some(10 * 1024));
        assert_eq!(parse_disk("10 GB"), None);
        assert_eq!(format_disk(81920), "80GiB");
    }
}
