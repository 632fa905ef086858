//! Stored state from earlier schemas, brought to the current one.
//!
//! - Version 0 is this provider's first schema. It differs from the current
//!   one only in its number, so its state is taken as it is.
//! - Version 1 is the official Aiven provider's (`aiven/aiven` v4), which
//!   users bring along with `terraform state replace-provider`. Its shapes
//!   mostly match; attributes it has and this schema lacks are dropped when
//!   the state is decoded. What differs is how it writes "not set": the
//!   plugin SDK it is built on stores an unset string as `""` and an unset
//!   list or set of strings as `[]`. Read as values, those would plan
//!   changes against a configuration that leaves them out (and a
//!   create-only field such as `service_to_fork_from` keeps its stored
//!   value), so they become null here. Blocks stay as they are: an empty
//!   list is how both providers store a block that is not written.
//!
//! Nested blocks that hold only the API's defaults are emptied, since a
//! block left out of the configuration cannot keep its state the way an
//! attribute does.
//!
//! The version is 2 so that the two earlier ones can be told apart.

use aiven_api::user_config::{Field, Kind};
use serde_json::Value as Json;

use super::schema::{IP_FILTER, IP_FILTER_STRING};

/// The schema version of every service resource.
pub const CURRENT: i64 = 2;

/// The official provider's schema version for service resources.
pub const OFFICIAL: i64 = 1;

/// State of `version`, in the current schema's shape; `None` for a version
/// this provider does not know.
/// `fields` are the resource's `user_config` fields, which say which of
/// its block's entries are attributes and which are blocks.
pub fn upgrade(
    version: i64,
    user_config_block: &str,
    fields: &[Field],
    mut state: Json,
) -> Option<Json> {
    match version {
        0 => Some(state),
        OFFICIAL => {
            from_official(user_config_block, fields, &mut state);
            Some(state)
        }
        _ => None,
    }
}

fn from_official(user_config_block: &str, fields: &[Field], state: &mut Json) {
    let Some(attributes) = state.as_object_mut() else {
        return;
    };
    for (name, value) in attributes.iter_mut() {
        // `tag` and `tech_emails` are blocks: their empty sets stay.
        let collection = name == "static_ips";
        if is_unset(value, collection) {
            *value = Json::Null;
        }
    }
    let element = attributes
        .get_mut(user_config_block)
        .and_then(Json::as_array_mut)
        .and_then(|items| items.first_mut());
    if let Some(element) = element {
        unset_to_null(fields, element);
        drop_default_blocks(fields, element);
    }
}

/// Empties the nested blocks whose every value is the API's default. The
/// official provider stored whatever the API reported, and the API reports
/// some blocks of defaults on every service (`pglookout`, for one); a
/// block cannot keep a value the configuration leaves out, so kept, each
/// would plan as a removal. One the configuration does write plans as
/// added once, changing nothing on the service.
fn drop_default_blocks(fields: &[Field], element: &mut Json) {
    let Some(entries) = element.as_object_mut() else {
        return;
    };
    for field in fields.iter().filter(|f| f.in_terraform) {
        let Kind::Object(inner) = field.kind else {
            continue;
        };
        let Some(Json::Array(items)) = entries.get_mut(field.name) else {
            continue;
        };
        if let [item] = items.as_mut_slice() {
            drop_default_blocks(inner, item);
            if only_defaults(inner, item) {
                items.clear();
            }
        }
    }
}

/// Whether a block's object holds nothing but null, its fields' defaults
/// and emptied blocks.
fn only_defaults(fields: &[Field], item: &Json) -> bool {
    let Some(entries) = item.as_object() else {
        return false;
    };
    entries.iter().all(|(name, value)| {
        let field = fields.iter().find(|f| f.name == *name);
        match (value, field) {
            (Json::Null, _) => true,
            (Json::Array(items), Some(f)) if matches!(f.kind, Kind::Object(_)) => items.is_empty(),
            (value, Some(f)) => f.default.is_some_and(|default| is_default(value, default)),
            (_, None) => false,
        }
    })
}

/// The published facts write some numeric defaults as text (`"60"`).
fn is_default(value: &Json, default: &Json) -> bool {
    match (value, default) {
        (Json::Number(number), Json::String(text)) => number.to_string() == *text,
        _ => value == default,
    }
}

/// `""`, and for a collection attribute (a list or set of scalars, a map)
/// an empty one: the plugin SDK's way of storing "not set".
fn is_unset(value: &Json, collection: bool) -> bool {
    match value {
        Json::String(text) => text.is_empty(),
        Json::Array(items) => collection && items.is_empty(),
        Json::Object(entries) => collection && entries.is_empty(),
        _ => false,
    }
}

/// Nulls the unset values of one `user_config` object, descending into its
/// nested blocks.
fn unset_to_null(fields: &[Field], element: &mut Json) {
    let Some(entries) = element.as_object_mut() else {
        return;
    };
    for field in fields.iter().filter(|f| f.in_terraform) {
        match field.kind {
            Kind::Object(inner) | Kind::ObjectList { fields: inner, .. } => {
                let nested = entries.get_mut(field.name).and_then(Json::as_array_mut);
                for item in nested.into_iter().flatten() {
                    unset_to_null(inner, item);
                }
            }
            Kind::IpFilter => {
                for name in [IP_FILTER, IP_FILTER_STRING] {
                    null_if_unset(entries, name, true);
                }
            }
            Kind::StringList | Kind::TextList { .. } | Kind::IntList | Kind::Map => {
                null_if_unset(entries, field.name, true)
            }
            _ => null_if_unset(entries, field.name, false),
        }
    }
}

fn null_if_unset(entries: &mut serde_json::Map<String, Json>, name: &str, collection: bool) {
    if let Some(value) = entries.get_mut(name)
        && is_unset(value, collection)
    {
        *value = Json::Null;
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::service::kind::PG;

    fn upgrade_pg(version: i64, state: Json) -> Option<Json> {
        upgrade(version, PG.user_config_block, &PG.fields(), state)
    }

    #[test]
    fn this_providers_first_state_is_taken_as_it_is() {
        let state = json!({"service_name": "pg-a", "static_ips": [], "cloud_name": ""});
        assert_eq!(upgrade_pg(0, state.clone()), Some(state));
    }

    #[test]
    fn the_official_providers_unset_values_become_null() {
        let official = json!({
            "service_name": "pg-a",
            "project_vpc_id": "",
            "static_ips": [],
            "tag": [],
            "termination_protection": false,
            "pg_user_config": [{
                "service_to_fork_from": "",
                "pg_version": "15",
                "work_mem": 0,
                "ip_filter_string": [],
                "ip_filter_object": [],
                "pgbouncer": [],
                "pg": [{"timezone": "", "max_connections": 100}],
            }],
        });
        let upgraded = upgrade_pg(OFFICIAL, official).unwrap();
        assert_eq!(upgraded["project_vpc_id"], Json::Null);
        assert_eq!(upgraded["static_ips"], Json::Null);
        assert_eq!(upgraded["tag"], json!([]), "an empty block set stays");
        assert_eq!(upgraded["termination_protection"], false);
        let block = &upgraded["pg_user_config"][0];
        assert_eq!(block["service_to_fork_from"], Json::Null);
        assert_eq!(block["pg_version"], "15");
        assert_eq!(block["work_mem"], 0, "a number is a value, even 0");
        assert_eq!(block["ip_filter_string"], Json::Null);
        assert_eq!(block["ip_filter_object"], json!([]), "a block stays");
        assert_eq!(block["pgbouncer"], json!([]), "a block stays");
        assert_eq!(block["pg"][0]["timezone"], Json::Null);
        assert_eq!(block["pg"][0]["max_connections"], 100);
    }

    #[test]
    fn nested_blocks_of_nothing_but_the_apis_defaults_are_emptied() {
        let official = json!({
            "pg_user_config": [{
                "pglookout": [{"max_failover_replication_time_lag": 60}],
                "pgaudit": [{"feature_enabled": false, "log_level": "log", "log_rows": true}],
                "pg": [{"timezone": ""}],
            }],
        });
        let upgraded = upgrade_pg(OFFICIAL, official).unwrap();
        let block = &upgraded["pg_user_config"][0];
        assert_eq!(block["pglookout"], json!([]), "60 is the default");
        assert_eq!(block["pg"], json!([]), "nothing but unset values");
        assert_eq!(
            block["pgaudit"][0]["log_rows"], true,
            "a value that is not the default keeps its block"
        );
    }

    #[test]
    fn a_version_from_the_future_is_not_guessed_at() {
        assert_eq!(upgrade_pg(7, json!({})), None);
    }
}
