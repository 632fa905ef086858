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

/// The disk to request: the plan's plus `additional_disk_space`, or the
/// deprecated total `disk_space`; `None` leaves the plan's default.
pub fn disk_request(value: &Value, service_type: &str, plan: &str) -> Option<i64> {
    if let Some(additional) = value
        .get("additional_disk_space")
        .as_str()
        .and_then(parse_disk)
    {
        return plan_disk(service_type, plan).map(|base| base + additional);
    }
    value.get("disk_space").as_str().and_then(parse_disk)
}

/// The id Terraform tracks a service by, also its import ID.
pub fn service_id(project: &str, service: &str) -> String {
    format!("{project}/{service}")
}

/// Connection details: `service_uri_params` where the reply has them,
/// else read from `service_uri` (the reply may leave the params out).
struct Connection {
    host: Option<String>,
    port: Option<i64>,
    user: Option<String>,
    password: Option<String>,
    dbname: Option<String>,
    sslmode: Option<String>,
}

impl Connection {
    fn of(service: &Service) -> Connection {
        let uri = service.service_uri.as_deref().and_then(parse_uri);
        let from_uri = |pick: fn(&UriParts) -> Option<String>| uri.as_ref().and_then(pick);
        let param = |key: &str| service.uri_param(key);
        Connection {
            host: param("host").or_else(|| from_uri(|u| u.host.clone())),
            port: param("port")
                .and_then(|p| p.parse().ok())
                .or_else(|| uri.as_ref().and_then(|u| u.port)),
            user: param("user").or_else(|| from_uri(|u| u.user.clone())),
            password: param("password").or_else(|| from_uri(|u| u.password.clone())),
            dbname: param("dbname").or_else(|| from_uri(|u| u.dbname.clone())),
            sslmode: param("sslmode").or_else(|| from_uri(|u| u.sslmode.clone())),
        }
    }
}

/// The parts of a `scheme://user:password@host:port/dbname?sslmode=x` URI.
#[derive(Debug, Default, PartialEq)]
struct UriParts {
    user: Option<String>,
    password: Option<String>,
    host: Option<String>,
    port: Option<i64>,
    dbname: Option<String>,
    sslmode: Option<String>,
}

fn parse_uri(uri: &str) -> Option<UriParts> {
    let (_, rest) = uri.split_once("://")?;
    let (authority, tail) = rest.split_at(rest.find(['/', '?']).unwrap_or(rest.len()));
    let (userinfo, hostport) = match authority.rsplit_once('@') {
        Some((userinfo, hostport)) => (Some(userinfo), hostport),
        None => (None, authority),
    };
    let (user, password) = match userinfo.map(|u| u.split_once(':')) {
        Some(Some((user, password))) => (Some(user), Some(password)),
        Some(None) => (userinfo, None),
        None => (None, None),
    };
    let (host, port) = match hostport.rsplit_once(':') {
        Some((host, port)) => (host, port.parse().ok()),
        None => (hostport, None),
    };
    let (path, query) = tail.split_once('?').unwrap_or((tail, ""));
    let text = |s: Option<&str>| s.filter(|s| !s.is_empty()).map(str::to_owned);
    Some(UriParts {
        user: text(user),
        password: text(aiven_api::types::secret(password)),
        host: text(Some(host)),
        port,
        dbname: text(path.strip_prefix('/')),
        sslmode: query
            .split('&')
            .find_map(|pair| pair.strip_prefix("sslmode="))
            .map(str::to_owned),
    })
}

/// A value the reply reports, or else what `prior` holds: a field the API
/// leaves out or redacts is unknown, not empty.
fn or_prior(value: Option<Value>, prior: &Value, attribute: &str) -> Value {
    value.unwrap_or_else(|| match prior.get(attribute) {
        unknown if unknown.is_unknown() => Value::Null,
        known => known.clone(),
    })
}

/// The full state for `service`. `prior` supplies what the API does not
/// report (timeouts, create-only fields) and what this reply left out;
/// `import` takes every user config key from the API because there is no
/// configuration to follow yet.
pub fn from_service(
    kind: &ServiceKind,
    project: &str,
    service: &Service,
    prior: &Value,
    import: bool,
) -> Value {
    let connection = Connection::of(service);
    let text = |value: &Option<String>| value.as_ref().map(Value::string);
    // A reply may leave the disk size out; then it is the size this
    // configuration asked for and the API accepted, when one was asked for.
    let disk = service
        .disk_space_mb
        .or_else(|| disk_request(prior, &service.service_type, &service.plan));
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
            "termination_protection",
            Value::Bool(service.termination_protection),
        ),
        (
            "project_vpc_id",
            Value::opt_string(service.project_vpc_id.clone()),
        ),
        ("static_ips", prior.get("static_ips").clone()),
        ("state", Value::string(service.state.as_str())),
        (TIMEOUTS, prior.get(TIMEOUTS).clone()),
    ]);
    let reported: [(&str, Option<Value>); 14] = [
        (
            "maintenance_window_dow",
            service.maintenance.as_ref().map(|m| Value::string(&m.dow)),
        ),
        (
            "maintenance_window_time",
            service.maintenance.as_ref().map(|m| Value::string(&m.time)),
        ),
        (
            "disk_space",
            disk.map(|mib| Value::string(format_disk(mib))),
        ),
        (
            "additional_disk_space",
            disk.map(|mib| {
                let included = plan_disk(&service.service_type, &service.plan).unwrap_or(mib);
                Value::string(format_disk(mib - included))
            }),
        ),
        (
            "service_uri",
            aiven_api::types::secret(service.service_uri.as_deref()).map(Value::string),
        ),
        ("service_host", text(&connection.host)),
        ("service_port", connection.port.map(Value::number)),
        ("service_username", text(&connection.user)),
        ("service_password", text(&connection.password)),
        (
            "components",
            service.components.as_ref().map(|c| components(c)),
        ),
        ("tag", service.tags.as_ref().map(tag_set)),
        (
            "tech_emails",
            service.tech_emails.as_ref().map(|emails| {
                Value::Set(
                    emails
                        .iter()
                        .map(|e| Value::object([("email", Value::string(&e.email))]))
                        .collect(),
                )
            }),
        ),
        (
            "service_type",
            Some(Value::string(written_type(service, prior))),
        ),
        (
            kind.user_config_block,
            Some(user_config_state(
                kind,
                &service.user_config,
                prior.get(kind.user_config_block),
                import,
            )),
        ),
    ];
    for (attribute, value) in reported {
        state.set(attribute, or_prior(value, prior, attribute));
    }
    if let Some(attribute) = kind.connection_attribute {
        let prior_block = prior.get(attribute).first();
        let field =
            |name: &'static str, value: Option<Value>| (name, or_prior(value, prior_block, name));
        let block = Value::object([
            field("host", text(&connection.host)),
            field("port", connection.port.map(Value::number)),
            field("user", text(&connection.user)),
            field("password", text(&connection.password)),
            field("dbname", text(&connection.dbname)),
            field("sslmode", text(&connection.sslmode)),
            field(
                "uri",
                aiven_api::types::secret(service.service_uri.as_deref()).map(Value::string),
            ),
        ]);
        state.set(attribute, Value::List(vec![block]));
    }
    state
}

fn components(components: &[aiven_api::types::Component]) -> Value {
    Value::List(
        components
            .iter()
            .map(|c| {
                Value::object([
                    ("component", Value::string(&c.component)),
                    ("host", Value::string(&c.host)),
                    ("port", Value::number(c.port)),
                    ("route", Value::string(&c.route)),
                    ("usage", Value::string(&c.usage)),
                ])
            })
            .collect(),
    )
}

/// Tags as the `tag` set.
fn tag_set(tags: &std::collections::BTreeMap<String, String>) -> Value {
    Value::Set(
        tags.iter()
            .map(|(key, value)| {
                Value::object([("key", Value::string(key)), ("value", Value::string(value))])
            })
            .collect(),
    )
}

/// The service type as the configuration wrote it: an alias (`redis` for
/// `valkey`) names the same type, so it stays and shows no diff.
fn written_type<'s>(service: &'s Service, prior: &'s Value) -> &'s str {
    let written = prior.get("service_type").as_str();
    let same_type = written.and_then(catalog::service_type).map(|t| t.name)
        == Some(service.service_type.as_str());
    match written {
        Some(written) if same_type => written,
        _ => &service.service_type,
    }
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

    fn reply(json: serde_json::Value) -> Service {
        serde_json::from_value(json).expect("a reply the contract allows")
    }

    fn minimal() -> serde_json::Value {
        serde_json::json!({
            "service_name": "pg-a", "service_type": "pg", "plan": "startup-4",
            "cloud_name": "google-europe-west1", "state": "RUNNING",
            "create_time": "2025-01-01T00:00:00Z", "update_time": "2025-01-01T00:00:00Z",
            "group_list": [], "project_vpc_id": null, "service_integrations": [],
            "termination_protection": false, "user_config": {},
            "service_uri": "postgres://avnadmin:pw@db.example:21691/defaultdb?sslmode=require",
        })
    }

    #[test]
    fn a_reply_with_only_the_required_fields_fills_state_without_inventing_values() {
        let kind = &crate::service::kind::PG;
        let state = from_service(kind, "p", &reply(minimal()), &Value::Null, false);
        assert_eq!(
            state.get("disk_space"),
            &Value::Null,
            "no disk size is not 0GiB"
        );
        assert_eq!(state.get("additional_disk_space"), &Value::Null);
        assert_eq!(state.get("service_host").as_str(), Some("db.example"));
        assert_eq!(state.get("service_port"), &Value::number(21691));
        assert_eq!(state.get("service_password").as_str(), Some("pw"));
        let block = state.get("pg").first();
        assert_eq!(block.get("dbname").as_str(), Some("defaultdb"));
        assert_eq!(block.get("sslmode").as_str(), Some("require"));
    }

    #[test]
    fn what_a_reply_leaves_out_or_redacts_keeps_the_value_state_had() {
        let kind = &crate::service::kind::PG;
        let full = from_service(
            kind,
            "p",
            &reply({
                let mut full = minimal();
                full["disk_space_mb"] = 81920.into();
                full["service_uri_params"] = serde_json::json!({"host": "db.example", "port": "21691", "user": "avnadmin", "password": "pw"});
                full
            }),
            &Value::Null,
            false,
        );
        let mut redacted = minimal();
        redacted["service_uri"] = serde_json::Value::Null;
        redacted["service_uri_params"] = serde_json::json!({"password": "<redacted>"});
        let state = from_service(kind, "p", &reply(redacted), &full, false);
        assert_eq!(state.get("disk_space").as_str(), Some("80GiB"));
        assert_eq!(
            state.get("service_password").as_str(),
            Some("pw"),
            "never <redacted>"
        );
        assert_eq!(state.get("service_uri"), full.get("service_uri"));
        assert_eq!(state.get("pg").first().get("password").as_str(), Some("pw"));
    }

    #[test]
    fn uris_split_into_their_parts() {
        assert_eq!(
            parse_uri("rediss://default:<redacted>@h.example:1234"),
            Some(UriParts {
                user: Some("default".into()),
                host: Some("h.example".into()),
                port: Some(1234),
                ..UriParts::default()
            })
        );
    }

    #[test]
    fn disk_sizes_parse_and_format_in_gib() {
        assert_eq!(parse_disk("10GiB"), Some(10 * 1024));
        assert_eq!(parse_disk("10 GB"), None);
        assert_eq!(format_disk(81920), "80GiB");
    }
}
