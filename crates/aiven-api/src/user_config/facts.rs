//! The generated definitions of each type's keys, `user-config/<type>.json`
//! (written by `scripts/import-user-config.py` from the API's published
//! schema and the official provider's shapes), read once into [`Field`]s.
//!
//! Definitions live for the whole program, so they are leaked into
//! `'static` data once rather than reference-counted on every use.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Deserialize;

use super::{Field, Kind, RECOVERY_TARGET_TIME};

const FILES: [(&str, &str); 7] = [
    (
        "clickhouse",
        include_str!("../../user-config/clickhouse.json"),
    ),
    ("grafana", include_str!("../../user-config/grafana.json")),
    ("mysql", include_str!("../../user-config/mysql.json")),
    (
        "opensearch",
        include_str!("../../user-config/opensearch.json"),
    ),
    ("pg", include_str!("../../user-config/pg.json")),
    ("thanos", include_str!("../../user-config/thanos.json")),
    ("valkey", include_str!("../../user-config/valkey.json")),
];

#[derive(Deserialize)]
struct TypeFacts {
    fields: Vec<FieldFacts>,
}

#[derive(Deserialize)]
struct FieldFacts {
    name: String,
    api_name: String,
    kind: String,
    description: String,
    #[serde(default)]
    create_only: bool,
    #[serde(default)]
    sensitive: bool,
    #[serde(default)]
    deprecated: bool,
    #[serde(default)]
    api_only: bool,
    /// The API's enum lists null among the values.
    #[serde(default)]
    nullable: bool,
    nesting: Option<String>,
    min: Option<f64>,
    max: Option<f64>,
    min_length: Option<usize>,
    max_length: Option<usize>,
    pattern: Option<String>,
    values: Option<Vec<String>>,
    default: Option<serde_json::Value>,
    #[serde(default)]
    integer: bool,
    /// The most entries a list takes (for a block, 1: how the official
    /// provider writes an object).
    max_items: Option<usize>,
    items: Option<ItemFacts>,
    #[serde(default)]
    fields: Vec<FieldFacts>,
}

/// Rules for each string of a list.
#[derive(Deserialize)]
struct ItemFacts {
    max_length: Option<usize>,
    pattern: Option<String>,
    #[serde(rename = "enum")]
    allowed: Option<Vec<String>>,
}

fn leak(text: String) -> &'static str {
    Box::leak(text.into_boxed_str())
}

/// The generated fields of `service_type`, or `None` for a type the API
/// no longer publishes a schema for (cassandra).
pub fn fields(service_type: &str) -> Option<&'static [Field]> {
    static LOADED: OnceLock<HashMap<&'static str, &'static [Field]>> = OnceLock::new();
    let loaded = LOADED.get_or_init(|| {
        FILES
            .iter()
            .map(|(name, text)| {
                let facts: TypeFacts = serde_json::from_str(text)
                    .unwrap_or_else(|err| panic!("user-config/{name}.json is not valid: {err}"));
                (*name, convert_all(facts.fields))
            })
            .collect()
    });
    loaded.get(service_type).copied()
}

fn convert_all(facts: Vec<FieldFacts>) -> &'static [Field] {
    let mut fields: Vec<Field> = Vec::new();
    for fact in facts {
        // The official provider's three ways of writing the API's one
        // `ip_filter` key are one field here; the schema spells the forms.
        match fact.name.as_str() {
            "ip_filter_string" | "ip_filter_object" => continue,
            "ip_filter" => {
                fields.push(Field {
                    kind: Kind::IpFilter,
                    deprecated: false,
                    ..convert(fact)
                });
                continue;
            }
            _ => fields.push(convert(fact)),
        }
    }
    Box::leak(fields.into_boxed_slice())
}

fn convert(mut fact: FieldFacts) -> Field {
    let nested = std::mem::take(&mut fact.fields);
    let kind = kind(&fact, nested);
    // The API does not mark the backup to restore as create-only, but like
    // the other fork keys it only means something when the service is
    // made: another backup is another fork.
    let create_only = fact.create_only || fact.name == super::RECOVERY_BASEBACKUP_NAME;
    Field {
        name: leak(fact.name),
        api_name: leak(fact.api_name),
        kind,
        description: leak(fact.description),
        create_only,
        sensitive: fact.sensitive,
        deprecated: fact.deprecated,
        default: fact.default.map(|value| &*Box::leak(Box::new(value))),
        in_terraform: !fact.api_only,
        nullable: fact.nullable,
        max_items: fact.max_items,
    }
}

fn kind(fact: &FieldFacts, nested: Vec<FieldFacts>) -> Kind {
    match (fact.kind.as_str(), fact.name.as_str()) {
        ("string", RECOVERY_TARGET_TIME) => Kind::Timestamp,
        // A role PostgreSQL would create: the API's pattern, and no name
        // PostgreSQL reserves.
        ("string", "admin_username") => Kind::RoleName,
        ("string", _) => Kind::Text {
            min: fact.min_length.unwrap_or(0),
            max: fact.max_length.unwrap_or(usize::MAX),
            pattern: fact.pattern.clone().map(leak),
        },
        ("integer", _) => Kind::Integer {
            min: fact.min.map_or(i64::MIN, |m| m as i64),
            max: fact.max.map_or(i64::MAX, |m| m as i64),
        },
        ("number", _) => Kind::Number {
            min: fact.min.unwrap_or(f64::MIN),
            max: fact.max.unwrap_or(f64::MAX),
        },
        ("boolean", _) => Kind::Boolean,
        ("enum", _) if fact.integer => {
            let values: Vec<i64> = fact
                .values
                .iter()
                .flatten()
                .filter_map(|v| v.parse().ok())
                .collect();
            Kind::IntegerOneOf(Box::leak(values.into_boxed_slice()))
        }
        ("enum", _) => {
            let values: Vec<&'static str> =
                fact.values.iter().flatten().cloned().map(leak).collect();
            Kind::Enum(Box::leak(values.into_boxed_slice()))
        }
        ("int_list", _) => Kind::IntList,
        ("string_list", _) => match &fact.items {
            Some(items) => {
                let allowed: Vec<&'static str> =
                    items.allowed.iter().flatten().cloned().map(leak).collect();
                Kind::TextList {
                    max: items.max_length.unwrap_or(usize::MAX),
                    pattern: items.pattern.clone().map(leak),
                    allowed: Box::leak(allowed.into_boxed_slice()),
                }
            }
            None => Kind::StringList,
        },
        ("map", _) => Kind::Map,
        ("object", _) => Kind::Object(convert_all(nested)),
        ("object_list", _) => Kind::ObjectList {
            fields: convert_all(nested),
            set: fact.nesting.as_deref() == Some("set"),
        },
        _ => Kind::StringList,
    }
}
