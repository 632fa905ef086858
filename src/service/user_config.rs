//! Converting `user_config` between Terraform values and API JSON, driven
//! by the same field definitions that built the schema.

use aiven_api::timestamp;
use aiven_api::user_config::{
    Field, Kind, RECOVERY_TARGET_TIME, REPORTED_IP_FILTER, is_default_ip_filter,
    reported_when_left_out,
};
use serde_json::{Map, Value as Json};
use tfplugin::diag::Diagnostic;
use tfplugin::value::{Number, Value};

use super::kind::{EXTRA_JSON, ServiceKind};
use super::schema::{IP_FILTER, IP_FILTER_FORMS, IP_FILTER_OBJECT, IP_FILTER_STRING};

/// The complete `user_config` JSON of a `kind` resource's block (a list of
/// at most one): the typed fields, the recovery time in the API's form,
/// and for `aiven_service` the keys of `extra_json`.
pub fn to_request(
    kind: &ServiceKind,
    block: &Value,
    include_create_only: bool,
) -> Result<Map<String, Json>, Diagnostic> {
    let block = block.first();
    let mut json = to_api(&kind.fields(), block, include_create_only);
    // Sent in the one form the API takes (at most 32 characters); the same
    // instant written any accepted way.
    if let Some(Json::String(time)) = json.get_mut(RECOVERY_TARGET_TIME)
        && let Ok(normal) = timestamp::normalize(time)
    {
        *time = normal;
    }
    if kind.service_type.is_none()
        && let Some(extra) = block.get(EXTRA_JSON).as_str()
    {
        merge_extra_json(kind, extra, &mut json)?;
    }
    Ok(json)
}

/// Keeps, of a request's `user_config`, the keys the configuration
/// writes. The plan also holds the keys it leaves out, at the values the
/// service has (see the schema's `unset_keeps_state`); those are the
/// service's own and are not sent back. A nested block the configuration
/// writes goes whole, as planned, so that an API which replaces the object
/// keeps the values the configuration does not mention.
pub fn keep_written_keys(kind: &ServiceKind, config: &Value, json: &mut Map<String, Json>) {
    let element = config.first();
    for field in kind.fields().iter().filter(|f| f.in_terraform) {
        let written = match field.kind {
            Kind::IpFilter => ip_filter_form(element).is_some(),
            Kind::Object(_) | Kind::ObjectList { .. } => {
                !element.get(field.name).elements().is_empty()
            }
            _ => !element.get(field.name).is_null(),
        };
        if !written {
            json.remove(field.api_name);
        }
    }
}

/// Whether a `user_config` element holds any value: a set attribute or a
/// written block. The `ip_filter` every service reports when its
/// settings name none is not a setting.
pub fn holds_settings(element: &Value) -> bool {
    match element {
        Value::Object(entries) => entries.iter().any(|(key, value)| match value {
            _ if IP_FILTER_FORMS.contains(&key.as_str()) && is_default_filter(value) => false,
            Value::List(items) | Value::Set(items) => !items.is_empty(),
            other => !other.is_null(),
        }),
        _ => false,
    }
}

/// Whether one of the `ip_filter` attributes holds the filter the
/// platform reports for a service whose settings name none.
fn is_default_filter(value: &Value) -> bool {
    let networks: Option<Vec<&str>> = value
        .elements()
        .iter()
        .map(|entry| entry.as_str().or_else(|| entry.get("network").as_str()))
        .collect();
    networks.is_some_and(|networks| !networks.is_empty() && is_default_ip_filter(networks))
}

/// Plans, for a new service whose written settings block names no IP
/// filter, the one the API will report (every address), so that state
/// shows it as the platform does. It goes in `ip_filter`, where an import
/// reads a filter of plain ranges (the official provider does the same).
/// A fork is left out: it inherits its source's filter, which the plan
/// does not know.
pub fn plan_reported_ip_filter(config: &Value, planned: &mut Value) {
    let written = IP_FILTER_FORMS.into_iter().any(|form| {
        let value = config.get(form);
        value.is_unknown() || ip_filter_written(config, form)
    });
    if config.is_null() || written || !planned.get(IP_FILTER).is_null() {
        return;
    }
    let open = REPORTED_IP_FILTER.into_iter().map(Value::string).collect();
    planned.set(IP_FILTER, Value::Set(open));
}

/// Adds `extra_json`'s keys to the typed ones; a key set both ways is an
/// error rather than one silently winning.
fn merge_extra_json(
    kind: &ServiceKind,
    extra: &str,
    json: &mut Map<String, Json>,
) -> Result<(), Diagnostic> {
    let path = kind.user_config_path(EXTRA_JSON);
    let invalid = |detail: String| Diagnostic::error("Invalid extra_json", detail).at(path.clone());
    let parsed: Json = serde_json::from_str(extra).map_err(|err| {
        invalid(format!(
            "extra_json must be a JSON object (use jsonencode): {err}"
        ))
    })?;
    let Json::Object(extra) = parsed else {
        return Err(invalid(
            "extra_json must be a JSON object, e.g. jsonencode({ pg_version = \"16\" }).".into(),
        ));
    };
    for (key, value) in extra {
        if json.contains_key(&key) {
            let detail =
                format!("{key} is set both as an attribute and in extra_json; set it once.");
            return Err(Diagnostic::error("Duplicate user_config key", detail).at(path));
        }
        json.insert(key, value);
    }
    Ok(())
}

/// The API JSON for a user config block element. Create-only fields are
/// left out unless `include_create_only` (they only mean something on
/// create, and the API ignores them later).
pub fn to_api(fields: &[Field], block: &Value, include_create_only: bool) -> Map<String, Json> {
    let mut out = Map::new();
    for field in fields.iter().filter(|f| f.in_terraform) {
        if field.create_only && !include_create_only {
            continue;
        }
        let json = match field.kind {
            Kind::IpFilter => ip_filter_to_api(block),
            kind => value_to_api(kind, block.get(field.name), include_create_only),
        };
        if let Some(json) = json {
            out.insert(field.api_name.to_owned(), json);
        }
    }
    out
}

/// The API JSON of one value of `kind`; `None` when it is not set.
fn value_to_api(kind: Kind, value: &Value, include_create_only: bool) -> Option<Json> {
    if value.is_null() || value.is_unknown() {
        return None;
    }
    Some(match kind {
        Kind::Object(inner) => {
            let element = value.first();
            if element.is_null() {
                return None;
            }
            Json::Object(to_api(inner, element, include_create_only))
        }
        // No blocks written is no value, as for a single block.
        Kind::ObjectList { .. } if value.elements().is_empty() => return None,
        Kind::ObjectList { fields, .. } => Json::Array(
            value
                .elements()
                .iter()
                .map(|item| Json::Object(to_api(fields, item, include_create_only)))
                .collect(),
        ),
        Kind::StringList | Kind::TextList { .. } => json_strings(value),
        Kind::IntList => Json::Array(value.elements().iter().filter_map(number_json).collect()),
        Kind::Map => match value {
            Value::Map(entries) | Value::Object(entries) => Json::Object(
                entries
                    .iter()
                    .filter_map(|(k, v)| Some((k.clone(), Json::String(v.as_str()?.to_owned()))))
                    .collect(),
            ),
            _ => return None,
        },
        Kind::Integer { .. } | Kind::Number { .. } | Kind::IntegerOneOf(_) => number_json(value)?,
        Kind::Boolean => Json::Bool(value.as_bool()?),
        Kind::String | Kind::Text { .. } | Kind::Timestamp | Kind::Enum(_) | Kind::RoleName => {
            Json::String(value.as_str()?.to_owned())
        }
        Kind::IpFilter => return None,
    })
}

fn number_json(value: &Value) -> Option<Json> {
    match value {
        Value::Number(number) => serde_json::from_str(number.as_str()).ok(),
        _ => None,
    }
}

/// The API's `ip_filter` from whichever of its three attributes is set.
fn ip_filter_to_api(block: &Value) -> Option<Json> {
    let form = ip_filter_form(block)?;
    let value = block.get(form);
    if form != IP_FILTER_OBJECT {
        return Some(json_strings(value));
    }
    let entries = value.elements().iter().map(|entry| {
        let mut object = Map::new();
        for key in ["network", "description"] {
            if let Some(text) = entry.get(key).as_str() {
                object.insert(key.to_owned(), Json::String(text.to_owned()));
            }
        }
        Json::Object(object)
    });
    Some(Json::Array(entries.collect()))
}

/// A JSON array of a collection's strings.
fn json_strings(value: &Value) -> Json {
    Json::Array(
        value
            .elements()
            .iter()
            .filter_map(|v| v.as_str())
            .map(|s| Json::String(s.to_owned()))
            .collect(),
    )
}

/// Whether `block` sets the `ip_filter` attribute `name` (an empty
/// `ip_filter_object` list is how Terraform writes "no blocks").
pub fn ip_filter_written(block: &Value, name: &str) -> bool {
    let value = block.get(name);
    !(value.is_null() || name == IP_FILTER_OBJECT && value.elements().is_empty())
}

/// Leaves only the `ip_filter` form the configuration writes in the
/// planned block: the other string forms keep their state while unset,
/// and would otherwise plan two filters after a switch from one form to
/// another. The object form is a block, which always plans as written.
pub fn plan_one_ip_filter_form(config: &Value, planned: &mut Value) {
    let Some(written) = ip_filter_form(config) else {
        return;
    };
    for form in [IP_FILTER, IP_FILTER_STRING] {
        if form != written {
            planned.set(form, Value::Null);
        }
    }
}

/// The attribute `block` writes its IP filter in, if it sets one it knows.
fn ip_filter_form(block: &Value) -> Option<&'static str> {
    IP_FILTER_FORMS
        .into_iter()
        .find(|name| ip_filter_written(block, name) && !block.get(name).is_unknown())
}

/// Sets the three `ip_filter` attributes from the API's list, in the
/// shape the prior state used (objects on import if any has a description).
fn ip_filter_from_api(element: &mut Value, api: Option<&Json>, prior: &Value, everything: bool) {
    let entries: Vec<(String, Option<String>)> = api
        .and_then(Json::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|item| match item {
                    Json::String(network) => Some((network.clone(), None)),
                    Json::Object(object) => Some((
                        object.get("network")?.as_str()?.to_owned(),
                        object
                            .get("description")
                            .and_then(Json::as_str)
                            .map(str::to_owned),
                    )),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    let imported = || {
        let described = entries.iter().any(|(_, d)| d.is_some());
        if described {
            IP_FILTER_OBJECT
        } else {
            IP_FILTER
        }
    };
    let shape = ip_filter_form(prior).or_else(|| (everything && api.is_some()).then(imported));
    let strings = || Value::Set(entries.iter().map(|(n, _)| Value::string(n)).collect());
    let objects = || {
        let object = |(network, description): &(String, Option<String>)| {
            let description = description.as_deref().map_or(Value::Null, Value::string);
            Value::object([
                ("network", Value::string(network)),
                ("description", description),
            ])
        };
        entries.iter().map(object).collect()
    };
    // Either default stands for the other: a state that planned today's
    // default keeps it when an older service reports the IPv4 range alone.
    let both_default = shape.is_some_and(|form| is_default_filter(prior.get(form)))
        && !entries.is_empty()
        && is_default_ip_filter(entries.iter().map(|(network, _)| network.as_str()));
    for form in IP_FILTER_FORMS {
        let chosen = shape == Some(form);
        let value = if chosen && both_default {
            prior.get(form).clone()
        } else if form == IP_FILTER_OBJECT {
            Value::Set(if chosen { objects() } else { Vec::new() })
        } else if chosen {
            strings()
        } else {
            Value::Null
        };
        element.set(form, value);
    }
}

/// The Terraform value of one field from API JSON.
fn field_from_api(field: &Field, json: &Json, prior: &Value, everything: bool) -> Value {
    let strings = |items: &Vec<Json>| {
        Value::Set(
            items
                .iter()
                .filter_map(Json::as_str)
                .map(Value::string)
                .collect(),
        )
    };
    let number =
        |n: &serde_json::Number| Number::parse(&n.to_string()).map_or(Value::Null, Value::Number);
    match (field.kind, json) {
        (_, Json::Null) => Value::Null,
        (Kind::Object(inner), Json::Object(map)) => {
            let block = block_from_api(inner, Some(field), map, prior.first(), everything);
            Value::List(vec![block])
        }
        (Kind::ObjectList { fields, set }, Json::Array(items)) => {
            let priors = prior.elements();
            let objects = items.iter().enumerate().filter_map(|(index, item)| {
                let prior = priors.get(index).unwrap_or(&Value::Null);
                Some(from_api(fields, item.as_object()?, prior, true))
            });
            let objects = objects.collect();
            if set {
                Value::Set(objects)
            } else {
                Value::List(objects)
            }
        }
        (Kind::StringList | Kind::TextList { .. }, Json::Array(items)) => strings(items),
        (Kind::IntList, Json::Array(items)) => Value::List(
            items
                .iter()
                .filter_map(|i| match i {
                    Json::Number(n) => Some(number(n)),
                    _ => None,
                })
                .collect(),
        ),
        (Kind::Map, Json::Object(entries)) => Value::Map(
            entries
                .iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        Value::string(v.as_str().map_or_else(|| v.to_string(), str::to_owned)),
                    )
                })
                .collect(),
        ),
        (Kind::Integer { .. } | Kind::Number { .. } | Kind::IntegerOneOf(_), Json::Number(n)) => {
            number(n)
        }
        (Kind::Boolean, Json::Bool(flag)) => Value::Bool(*flag),
        (
            Kind::String | Kind::Text { .. } | Kind::Timestamp | Kind::Enum(_) | Kind::RoleName,
            Json::String(text),
        ) => Value::string(text),
        (Kind::String | Kind::Text { .. } | Kind::Enum(_), other) => {
            Value::string(other.to_string())
        }
        _ => Value::Null,
    }
}

/// A user config block element from API JSON. Only the fields the prior
/// state manages are refreshed (a key the configuration leaves unset is
/// the API's business, not a diff), unless `everything`, as on import.
/// Create-only fields always keep their prior value: the API may drop or
/// normalise them after create, and they cannot change anyway.
pub fn from_api(
    fields: &[Field],
    api: &Map<String, Json>,
    prior: &Value,
    everything: bool,
) -> Value {
    block_from_api(fields, None, api, prior, everything)
}

/// [`from_api`] for the fields of `parent`'s nested block (`None` at the
/// top). A key the platform fills in when its block is written without it
/// (`user_config::reported_when_left_out`) is refreshed like a managed
/// one: the schema plans its reported value, and a state written before
/// it did so catches up on the next read instead of planning a change.
fn block_from_api(
    fields: &[Field],
    parent: Option<&Field>,
    api: &Map<String, Json>,
    prior: &Value,
    everything: bool,
) -> Value {
    let mut element = Value::object([]);
    for field in fields.iter().filter(|f| f.in_terraform) {
        if field.kind == Kind::IpFilter {
            ip_filter_from_api(&mut element, api.get(field.api_name), prior, everything);
            continue;
        }
        let prior_value = prior.get(field.name);
        let reported = parent.is_some_and(|block| reported_when_left_out(block, field).is_some());
        let value = if field.create_only && !everything {
            prior_value.clone()
        } else if everything
            || reported
            || !prior_value.is_null()
                && !(matches!(prior_value, Value::List(items) if items.is_empty()))
        {
            api.get(field.api_name).map_or(Value::Null, |json| {
                field_from_api(field, json, prior_value, everything)
            })
        } else {
            Value::Null
        };
        let value = match (field.kind, value) {
            (Kind::Object(_), Value::Null) => Value::List(Vec::new()),
            (Kind::ObjectList { set: false, .. }, Value::Null) => Value::List(Vec::new()),
            (Kind::ObjectList { set: true, .. }, Value::Null) => Value::Set(Vec::new()),
            (_, value) => value,
        };
        element.set(field.name, value);
    }
    element
}

#[cfg(test)]
mod tests {
    use super::*;
    use aiven_api::catalog::service_type;
    use serde_json::json;

    fn pg_fields() -> Vec<Field> {
        aiven_api::user_config::fields(service_type("pg").unwrap())
    }

    #[test]
    fn ip_filters_keep_the_shape_they_were_written_in() {
        let fields = pg_fields();
        let office = Value::object([
            ("network", Value::string("10.20.0.0/16")),
            ("description", Value::string("office")),
        ]);
        let mut block = Value::object([]);
        block.set(IP_FILTER_OBJECT, Value::Set(vec![office.clone()]));
        let json = to_api(&fields, &block, false);
        assert_eq!(
            json["ip_filter"],
            json!([{"network": "10.20.0.0/16", "description": "office"}])
        );
        let back = from_api(&fields, &json, &block, false);
        assert_eq!(back.get(IP_FILTER_OBJECT), &Value::Set(vec![office]));
        assert!(back.get(IP_FILTER).is_null() && back.get(IP_FILTER_STRING).is_null());

        // Strings written as ip_filter_string come back there, even when the
        // API answers with objects.
        let mut block = Value::object([]);
        block.set(
            IP_FILTER_STRING,
            Value::Set(vec![Value::string("10.0.0.0/8")]),
        );
        assert_eq!(
            to_api(&fields, &block, false)["ip_filter"],
            json!(["10.0.0.0/8"])
        );
        let api = json!({"ip_filter": [{"network": "10.0.0.0/8"}]});
        let back = from_api(&fields, api.as_object().unwrap(), &block, false);
        assert_eq!(
            back.get(IP_FILTER_STRING),
            &Value::Set(vec![Value::string("10.0.0.0/8")])
        );
        assert!(back.get(IP_FILTER_OBJECT).elements().is_empty());
    }

    #[test]
    fn round_trips_scalars_lists_and_nested_objects() {
        let fields = pg_fields();
        let api = json!({"pg_version": "15", "ip_filter": ["10.0.0.0/8"], "pg": {"max_connections": 200}, "service_to_fork_from": "src"});
        let block = from_api(&fields, api.as_object().unwrap(), &Value::Null, true);
        assert_eq!(block.get("pg_version"), &Value::string("15"));
        assert_eq!(
            block.get("pg").first().get("max_connections"),
            &Value::number(200)
        );
        let back = to_api(&fields, &block, true);
        assert_eq!(Json::Object(back), api);
    }

    #[test]
    fn create_only_fields_are_not_sent_on_update_and_keep_their_prior_value() {
        let fields = pg_fields();
        let prior = from_api(
            &fields,
            json!({"service_to_fork_from": "src", "recovery_target_time": "2025-07-01 15:16:22"})
                .as_object()
                .unwrap(),
            &Value::Null,
            true,
        );
        assert!(!to_api(&fields, &prior, false).contains_key("service_to_fork_from"));
        let api =
            json!({"service_to_fork_from": "src", "recovery_target_time": "2025-07-01T15:16:22Z"});
        let refreshed = from_api(&fields, api.as_object().unwrap(), &prior, false);
        assert_eq!(
            refreshed.get("recovery_target_time"),
            &Value::string("2025-07-01 15:16:22"),
            "no perpetual diff from normalisation"
        );
    }

    #[test]
    fn keys_the_configuration_leaves_unset_are_not_refreshed() {
        let fields = pg_fields();
        let prior = from_api(
            &fields,
            json!({"pg_version": "15"}).as_object().unwrap(),
            &Value::Null,
            true,
        );
        let api = json!({"pg_version": "16", "ip_filter": ["0.0.0.0/0"]});
        let refreshed = from_api(&fields, api.as_object().unwrap(), &prior, false);
        assert_eq!(
            refreshed.get("pg_version"),
            &Value::string("16"),
            "drift in a managed key shows"
        );
        assert!(
            refreshed.get("ip_filter").is_null(),
            "an unmanaged default does not"
        );
    }

    fn open_filter() -> Value {
        Value::Set(REPORTED_IP_FILTER.into_iter().map(Value::string).collect())
    }

    #[test]
    fn a_new_services_written_block_plans_the_open_filter_unless_it_writes_one() {
        let mut planned = Value::object([]);
        plan_reported_ip_filter(&Value::object([]), &mut planned);
        assert_eq!(planned.get(IP_FILTER), &open_filter());

        let mut written = Value::object([]);
        written.set(
            IP_FILTER_STRING,
            Value::Set(vec![Value::string("10.0.0.0/8")]),
        );
        let mut unknown = Value::object([]);
        unknown.set(IP_FILTER_OBJECT, Value::unknown());
        for config in [written, unknown] {
            let mut planned = Value::object([]);
            plan_reported_ip_filter(&config, &mut planned);
            assert!(planned.get(IP_FILTER).is_null(), "{config:?}");
        }
    }

    #[test]
    fn the_open_filter_alone_is_no_setting_and_either_default_reads_as_the_other() {
        let fields = pg_fields();
        let mut element = Value::object([]);
        element.set(IP_FILTER, open_filter());
        assert!(
            !holds_settings(&element),
            "the default filter is no setting"
        );
        element.set("pg_version", Value::string("16"));
        assert!(holds_settings(&element));

        // An older service reports the IPv4 range alone: no change from
        // the default planned.
        let mut prior = Value::object([]);
        prior.set(IP_FILTER, open_filter());
        let api = json!({"ip_filter": ["0.0.0.0/0"]});
        let read = from_api(&fields, api.as_object().unwrap(), &prior, false);
        assert_eq!(read.get(IP_FILTER), &open_filter());
        // A narrower filter made outside Terraform shows.
        let api = json!({"ip_filter": ["10.0.0.0/8"]});
        let read = from_api(&fields, api.as_object().unwrap(), &prior, false);
        assert_eq!(
            read.get(IP_FILTER),
            &Value::Set(vec![Value::string("10.0.0.0/8")])
        );
    }

    #[test]
    fn access_switches_a_written_block_leaves_out_read_as_the_platform_reports_them() {
        let fields = pg_fields();
        // A state written before the schema planned the reported `false`:
        // the block holds `pg` only, the other switches null.
        let mut access = Value::object([]);
        access.set("pg", Value::Bool(true));
        let mut prior = Value::object([]);
        prior.set("public_access", Value::List(vec![access]));
        let api = json!({"public_access": {"pg": true, "pgbouncer": false, "prometheus": false}});
        let refreshed = from_api(&fields, api.as_object().unwrap(), &prior, false);
        let access = refreshed.get("public_access").first();
        assert_eq!(access.get("pg"), &Value::Bool(true));
        assert_eq!(access.get("pgbouncer"), &Value::Bool(false));
        assert_eq!(access.get("prometheus"), &Value::Bool(false));
        assert!(
            refreshed.get("pg").elements().is_empty(),
            "a block the configuration does not write stays unread"
        );
    }
}
