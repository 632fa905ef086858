//! Every service type's `user_config` keys, defined once. The definition
//! yields the JSON Schema aiven-local publishes (and `avn` reads), the
//! validation both aiven-local and the provider apply, and the provider's
//! Terraform schema, so the three can never disagree.

use serde_json::{Map, Value, json};

use crate::catalog::ServiceType;

mod facts;
pub(crate) mod patterns;

/// A key's value type and the values it allows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    String,
    /// A string `min` to `max` bytes long matching `pattern` (the API's
    /// regular expression). Errors never repeat the value: passwords are
    /// of this kind.
    Text {
        min: usize,
        max: usize,
        pattern: Option<&'static str>,
    },
    /// An RFC 3339 or `YYYY-MM-DD HH:MM:SS` time.
    Timestamp,
    Integer {
        min: i64,
        max: i64,
    },
    /// A decimal number, such as a scale factor.
    Number {
        min: f64,
        max: f64,
    },
    Boolean,
    Enum(&'static [&'static str]),
    /// An integer out of a fixed set, such as hours between backups.
    IntegerOneOf(&'static [i64]),
    /// A database role name the service may create: up to 63 letters,
    /// digits, `_`, `-` or `.`, and not one PostgreSQL reserves.
    RoleName,
    StringList,
    /// A list of strings, each at most `max` bytes, matching `pattern`,
    /// and one of `allowed` unless that is empty.
    TextList {
        max: usize,
        pattern: Option<&'static str>,
        allowed: &'static [&'static str],
    },
    IntList,
    /// String keys to string values.
    Map,
    /// `ip_filter`: CIDR ranges, each a string or an object with `network`
    /// and an optional `description`.
    IpFilter,
    Object(&'static [Field]),
    /// A list (or, where order does not matter, a set) of objects.
    ObjectList {
        fields: &'static [Field],
        set: bool,
    },
}

/// One `user_config` key.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Field {
    /// The name in Terraform: the API's, or for a key with dots or hyphens
    /// the official provider's spelling of it (`pg_partman_bgw__dot__role`).
    pub name: &'static str,
    /// The key in the API's JSON.
    pub api_name: &'static str,
    pub kind: Kind,
    pub description: &'static str,
    /// Only honoured when the service is created (fork and recovery keys);
    /// changing it later means a new service.
    pub create_only: bool,
    /// A secret: Terraform hides it in plans and output.
    pub sensitive: bool,
    /// Still accepted, but on its way out; using it warns.
    pub deprecated: bool,
    /// The value the API uses when the key is not set, as it publishes it.
    pub default: Option<&'static Value>,
    /// Whether Terraform has it. A key the API publishes that the official
    /// provider has no attribute for is validated and recorded here, but
    /// is set in Terraform only through `aiven_service`'s `extra_json`.
    pub in_terraform: bool,
    /// Null is one of the values the API takes (its enum lists it); any
    /// other key refuses null.
    pub nullable: bool,
    /// The most entries a list may have, as the API publishes it.
    pub max_items: Option<usize>,
}

const fn field(name: &'static str, kind: Kind, description: &'static str) -> Field {
    Field {
        name,
        api_name: name,
        kind,
        description,
        create_only: false,
        sensitive: false,
        deprecated: false,
        default: None,
        in_terraform: true,
        nullable: false,
        max_items: None,
    }
}

const fn create_only(name: &'static str, kind: Kind, description: &'static str) -> Field {
    Field {
        create_only: true,
        ..field(name, kind, description)
    }
}

pub const SERVICE_TO_FORK_FROM: &str = "service_to_fork_from";
pub const PROJECT_TO_FORK_FROM: &str = "project_to_fork_from";
pub const RECOVERY_TARGET_TIME: &str = "recovery_target_time";
pub const RECOVERY_BASEBACKUP_NAME: &str = "recovery_basebackup_name";

const FORK_FIELDS: [Field; 2] = [
    create_only(
        SERVICE_TO_FORK_FROM,
        Kind::String,
        "Name of the service to fork from. The new service starts as a complete, independent copy restored from its backups.",
    ),
    create_only(
        PROJECT_TO_FORK_FROM,
        Kind::String,
        "Project of the service to fork from, when it is not this service's project.",
    ),
];

const RECOVERY_TIME: Field = create_only(
    RECOVERY_TARGET_TIME,
    Kind::Timestamp,
    "Restore the fork to this point in time instead of the latest backup. RFC 3339 or `YYYY-MM-DD HH:MM:SS` (UTC), inside the source's recovery window.",
);

const BASEBACKUP_NAME: Field = create_only(
    RECOVERY_BASEBACKUP_NAME,
    Kind::String,
    "Name of the source's backup to fork from instead of the latest one.",
);

const COMMON: [Field; 1] = [Field {
    // What every published type's schema gives its `ip_filter`.
    max_items: Some(8000),
    ..field(
        "ip_filter",
        Kind::IpFilter,
        "Allow incoming connections from these CIDR ranges.",
    )
}];

const CASSANDRA: [Field; 1] = [field(
    "cassandra_version",
    Kind::Enum(&["4", "5"]),
    "Cassandra major version.",
)];

/// The blocks the platform reports whole: a request that writes one reads
/// back with every switch the type has, those it leaves out `false`
/// (`public_access { pg = true }` reports `pgbouncer` and `prometheus`
/// false; observed on the platform, see docs/platform-facts.md).
const REPORTED_WHOLE: [&str; 3] = ["public_access", "private_access", "privatelink_access"];

/// What the platform reports for `switch`, a key of the nested block
/// `block`, when a request writes the block but not the key; `None` when
/// it reports nothing for such a key.
pub fn reported_when_left_out(block: &Field, switch: &Field) -> Option<Value> {
    let reported = REPORTED_WHOLE.contains(&block.api_name)
        && matches!(block.kind, Kind::Object(_))
        && matches!(switch.kind, Kind::Boolean);
    reported.then_some(Value::Bool(false))
}

/// The `ip_filter` a service reports when its settings name none: every
/// IPv4 and IPv6 address (the default every type's published schema
/// gives, see `../../docs/platform-facts.md`).
pub const REPORTED_IP_FILTER: [&str; 2] = ["0.0.0.0/0", "::/0"];

/// Whether `networks` is an `ip_filter` the platform reports for a service
/// whose settings name none: today's [`REPORTED_IP_FILTER`], or the IPv4
/// range alone, which older services report (the official provider's
/// `internal/sdkprovider/userconfig/diff` takes both as no setting). Order
/// does not matter; an empty list is not a default, it admits no one.
pub fn is_default_ip_filter<'n>(networks: impl IntoIterator<Item = &'n str>) -> bool {
    let mut networks: Vec<&str> = networks.into_iter().collect();
    networks.sort_unstable();
    networks == ["0.0.0.0/0"] || networks == ["0.0.0.0/0", "::/0"]
}

/// The `user_config` keys of a service type: every key the API publishes
/// for it (see [`facts`]), and the fork keys this project relies on where
/// the published set lacks them.
pub fn fields(service_type: &ServiceType) -> Vec<Field> {
    let Some(published) = facts::fields(service_type.name) else {
        // Cassandra: the API no longer publishes its schema.
        let mut fields: Vec<Field> = FORK_FIELDS.to_vec();
        fields.push(BASEBACKUP_NAME);
        fields.extend(COMMON);
        fields.extend(CASSANDRA);
        return fields;
    };
    let mut fields = published.to_vec();
    let ours = FORK_FIELDS
        .iter()
        .chain(
            service_type
                .point_in_time_recovery
                .then_some(&RECOVERY_TIME),
        )
        .chain(
            service_type
                .named_backup_recovery
                .then_some(&BASEBACKUP_NAME),
        );
    for field in ours {
        if !fields.iter().any(|f| f.name == field.name) {
            fields.push(*field);
        }
    }
    fields
}

fn kind_schema(kind: &Kind) -> Value {
    match kind {
        Kind::String => json!({"type": "string", "maxLength": 1024}),
        Kind::Timestamp => json!({"type": "string", "maxLength": 32, "format": "date-time"}),
        Kind::Text { min, max, pattern } => {
            let mut schema = json!({"type": "string"});
            if *min > 0 {
                schema["minLength"] = json!(min);
            }
            if *max < usize::MAX {
                schema["maxLength"] = json!(max);
            }
            if let Some(pattern) = pattern {
                schema["pattern"] = json!(pattern);
            }
            schema
        }
        Kind::Integer { min, max } => {
            let mut schema = json!({"type": "integer"});
            if *min > i64::MIN {
                schema["minimum"] = json!(min);
            }
            if *max < i64::MAX {
                schema["maximum"] = json!(max);
            }
            schema
        }
        Kind::Number { min, max } => {
            let mut schema = json!({"type": "number"});
            if *min > f64::MIN {
                schema["minimum"] = json!(min);
            }
            if *max < f64::MAX {
                schema["maximum"] = json!(max);
            }
            schema
        }
        Kind::IntegerOneOf(values) => json!({"type": "integer", "enum": values}),
        Kind::IntList => json!({"type": "array", "items": {"type": "integer"}}),
        Kind::Map => json!({"type": "object", "additionalProperties": {"type": "string"}}),
        Kind::ObjectList { fields, .. } => json!({"type": "array", "items": object_schema(fields)}),
        Kind::Boolean => json!({"type": "boolean"}),
        Kind::Enum(values) => json!({"type": "string", "enum": values}),
        Kind::RoleName => json!({
            "type": "string",
            "minLength": 1,
            "maxLength": 63,
            "pattern": "^[A-Za-z0-9_.\\-]+$",
            "not": {"pattern": "^(pg_.*|public|none)$"},
        }),
        Kind::StringList => json!({"type": "array", "items": {"type": "string"}, "maxItems": 1024}),
        Kind::TextList {
            max,
            pattern,
            allowed,
        } => {
            let mut items = kind_schema(&Kind::Text {
                min: 0,
                max: *max,
                pattern: *pattern,
            });
            if !allowed.is_empty() {
                items["enum"] = json!(allowed);
            }
            json!({"type": "array", "items": items})
        }
        Kind::IpFilter => json!({
            "type": "array",
            "maxItems": 8000,
            "items": {"oneOf": [
                {"type": "string", "maxLength": 43},
                {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["network"],
                    "properties": {
                        "network": {"type": "string", "maxLength": 43},
                        "description": {"type": "string", "maxLength": 1024},
                    },
                },
            ]},
        }),
        Kind::Object(fields) => object_schema(fields),
    }
}

fn object_schema(fields: &[Field]) -> Value {
    let properties: Map<String, Value> = fields
        .iter()
        .map(|f| {
            let mut schema = kind_schema(&f.kind);
            schema["title"] = Value::String(f.description.to_owned());
            if f.create_only {
                schema["createOnly"] = Value::Bool(true);
            }
            if f.deprecated {
                schema["deprecated"] = Value::Bool(true);
            }
            if let Some(default) = f.default {
                schema["default"] = default.clone();
            }
            if f.nullable {
                // Null is one of the values, as the API's schema lists it.
                let kind = schema["type"].clone();
                schema["type"] = json!([kind, "null"]);
                if let Some(values) = schema["enum"].as_array_mut() {
                    values.push(Value::Null);
                }
            }
            (f.api_name.to_owned(), schema)
        })
        .collect();
    json!({"type": "object", "additionalProperties": false, "properties": properties})
}

/// The JSON Schema published as `user_config_schema`.
pub fn json_schema(service_type: &ServiceType) -> Value {
    object_schema(&fields(service_type))
}

/// Checks a `user_config` object; the error names the offending key path
/// and says what is allowed.
pub fn validate(
    service_type: &ServiceType,
    config: &Map<String, Value>,
) -> Result<(), ConfigError> {
    let mut path = Vec::new();
    validate_object(&fields(service_type), config, &mut path, service_type)
}

/// A step into a `user_config` value: a key of an object or an element of
/// a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigStep {
    Key(String),
    Index(usize),
}

/// A `user_config` value the API would refuse: where, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigError {
    /// From the top of `user_config`; never empty.
    pub path: Vec<ConfigStep>,
    pub problem: Problem,
}

/// Why a `user_config` value is refused. Values are repeated in messages
/// only where they cannot be secrets: numbers, enum choices, times.
#[derive(Debug, Clone, PartialEq)]
pub enum Problem {
    UnknownKey {
        allowed: Vec<&'static str>,
    },
    /// `recovery_target_time` on a type without point-in-time recovery.
    NoPointInTimeRecovery {
        service_type: &'static str,
    },
    OutOfRange {
        value: String,
        min: String,
        max: String,
    },
    /// A nonzero number a float cannot hold (1e-99999): it would read as 0
    /// here but not in the engine.
    TooSmall {
        value: String,
        min: String,
        max: String,
    },
    TimeTooLong {
        length: usize,
        example: String,
    },
    InvalidTime(crate::timestamp::InvalidTime),
    InvalidRoleName(crate::names::NameError),
    NotOneOf {
        value: String,
        allowed: &'static [&'static str],
    },
    NotOneOfIntegers {
        value: String,
        allowed: &'static [i64],
    },
    /// A string of the wrong length or form. The value is not repeated:
    /// it may be a password.
    InvalidText {
        min: usize,
        max: usize,
        pattern: Option<&'static str>,
    },
    InvalidIpFilterEntry {
        value: String,
    },
    /// A list longer than the API takes.
    TooManyItems {
        max: usize,
        found: usize,
    },
    WrongType {
        expected: &'static str,
        value: String,
    },
    /// Null: the API has no way to remove a setting or return it to its
    /// default, only to change it.
    Null,
}

impl ConfigError {
    fn new(path: &[ConfigStep], problem: Problem) -> ConfigError {
        ConfigError {
            path: path.to_vec(),
            problem,
        }
    }

    /// The path as the API's messages write it: `user_config.pg.work_mem`,
    /// `user_config.ip_filter[2]`.
    pub fn dotted_path(&self) -> String {
        let mut text = String::from("user_config");
        for step in &self.path {
            match step {
                ConfigStep::Key(key) => text.push_str(&format!(".{key}")),
                ConfigStep::Index(index) => text.push_str(&format!("[{index}]")),
            }
        }
        text
    }
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.dotted_path(), self.problem)
    }
}

impl std::error::Error for ConfigError {}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Problem::UnknownKey { allowed } => {
                write!(f, "unknown key; allowed keys are {}", allowed.join(", "))
            }
            Problem::NoPointInTimeRecovery { service_type } => write!(
                f,
                "service type {service_type} does not support point-in-time recovery; types that do: {}",
                crate::catalog::point_in_time_types()
            ),
            Problem::OutOfRange { value, min, max } => {
                write!(f, "{value} is out of range; allowed {min} to {max}")
            }
            Problem::TooSmall { value, min, max } => write!(
                f,
                "{value} is too small to represent; use 0 or a value from {min} to {max}"
            ),
            Problem::TimeTooLong { length, example } => write!(
                f,
                "{length} characters is too long; the API takes at most {}, e.g. {example}",
                crate::timestamp::MAX_LENGTH
            ),
            Problem::InvalidTime(err) => err.fmt(f),
            Problem::InvalidRoleName(err) => err.fmt(f),
            Problem::NotOneOf { value, allowed } => {
                write!(
                    f,
                    "{value} is not allowed; use one of {}",
                    allowed.join(", ")
                )
            }
            Problem::NotOneOfIntegers { value, allowed } => {
                let allowed: Vec<String> = allowed.iter().map(ToString::to_string).collect();
                write!(
                    f,
                    "{value} is not allowed; use one of {}",
                    allowed.join(", ")
                )
            }
            Problem::InvalidText { min, max, pattern } => {
                match (*min, *max) {
                    (0, usize::MAX) => write!(f, "the value has the wrong form")?,
                    (0, max) => write!(f, "use at most {max} characters")?,
                    (min, usize::MAX) => write!(f, "use at least {min} characters")?,
                    (min, max) => write!(f, "use {min} to {max} characters")?,
                }
                match pattern {
                    Some(pattern) => write!(f, " matching {pattern}"),
                    None => Ok(()),
                }
            }
            Problem::InvalidIpFilterEntry { value } => write!(
                f,
                "expected an address or CIDR range (such as 10.0.0.0/8 or 2001:db8::/32, at most 43 characters), as a string or {{\"network\": ..., \"description\": ...}} with a description of at most 1024 characters, got {value}"
            ),
            Problem::TooManyItems { max, found } => {
                let entries = if *max == 1 { "entry" } else { "entries" };
                write!(f, "the API takes at most {max} {entries}, got {found}")
            }
            Problem::WrongType { expected, value } => write!(f, "expected {expected}, got {value}"),
            Problem::Null => write!(
                f,
                "null is not allowed: a setting cannot be removed or reset, only set to the value wanted"
            ),
        }
    }
}

fn validate_object(
    fields: &[Field],
    config: &Map<String, Value>,
    path: &mut Vec<ConfigStep>,
    service_type: &ServiceType,
) -> Result<(), ConfigError> {
    for (key, value) in config {
        path.push(ConfigStep::Key(key.clone()));
        let Some(field) = fields.iter().find(|f| f.api_name == key) else {
            let problem = if key == RECOVERY_TARGET_TIME {
                Problem::NoPointInTimeRecovery {
                    service_type: service_type.name,
                }
            } else {
                Problem::UnknownKey {
                    allowed: fields.iter().map(|f| f.api_name).collect(),
                }
            };
            return Err(ConfigError::new(path, problem));
        };
        if value.is_null() && !field.nullable {
            return Err(ConfigError::new(path, Problem::Null));
        }
        if value.is_null() {
            path.pop();
            continue;
        }
        if let (Some(max), Value::Array(items)) = (field.max_items, value)
            && items.len() > max
        {
            let found = items.len();
            return Err(ConfigError::new(path, Problem::TooManyItems { max, found }));
        }
        validate_value(&field.kind, value, path, service_type)?;
        path.pop();
    }
    Ok(())
}

fn validate_value(
    kind: &Kind,
    value: &Value,
    path: &mut Vec<ConfigStep>,
    service_type: &ServiceType,
) -> Result<(), ConfigError> {
    let problem = match (kind, value) {
        (Kind::Object(fields), Value::Object(inner)) => {
            return validate_object(fields, inner, path, service_type);
        }
        (Kind::IpFilter, Value::Array(items)) => return validate_ip_filter(items, path),
        (Kind::ObjectList { fields, .. }, Value::Array(items)) => {
            return validate_objects(fields, items, path, service_type);
        }
        (Kind::Text { min, max, pattern }, Value::String(text)) => {
            let fits = (*min..=*max).contains(&text.len())
                && pattern.is_none_or(|pattern| patterns::matches(pattern, text));
            (!fits).then_some(Problem::InvalidText {
                min: *min,
                max: *max,
                pattern: *pattern,
            })
        }
        (Kind::IntegerOneOf(allowed), Value::Number(number))
            if number.as_i64().is_some_and(|n| allowed.contains(&n)) =>
        {
            None
        }
        (Kind::IntegerOneOf(allowed), _) => Some(Problem::NotOneOfIntegers {
            value: value.to_string(),
            allowed,
        }),
        (Kind::IntList, Value::Array(items)) if items.iter().all(|i| i.as_i64().is_some()) => None,
        (
            Kind::TextList {
                max,
                pattern,
                allowed,
            },
            Value::Array(items),
        ) => {
            return validate_texts(items, *max, *pattern, allowed, path);
        }
        (Kind::Map, Value::Object(entries)) if entries.values().all(Value::is_string) => None,
        (Kind::String, Value::String(_)) | (Kind::Boolean, Value::Bool(_)) => None,
        (Kind::Timestamp, Value::String(text)) => time_problem(text),
        (Kind::Integer { min, max }, Value::Number(number)) => match number.as_i64() {
            Some(n) if (*min..=*max).contains(&n) => None,
            _ => Some(out_of_range(number, min, max)),
        },
        (Kind::Number { min, max }, Value::Number(number)) => number_problem(number, *min, *max),
        (Kind::RoleName, Value::String(text)) => crate::names::check_role_name(text)
            .err()
            .map(Problem::InvalidRoleName),
        (Kind::Enum(allowed), Value::String(text)) if allowed.contains(&text.as_str()) => None,
        (Kind::Enum(allowed), _) => Some(Problem::NotOneOf {
            value: value.to_string(),
            allowed,
        }),
        (Kind::StringList, Value::Array(items)) if items.iter().all(Value::is_string) => None,
        (kind, value) => Some(Problem::WrongType {
            expected: describe(kind),
            value: value.to_string(),
        }),
    };
    match problem {
        Some(problem) => Err(ConfigError::new(path, problem)),
        None => Ok(()),
    }
}

/// Each string of a list against the rules for its items, its index in
/// the path.
fn validate_texts(
    items: &[Value],
    max: usize,
    pattern: Option<&'static str>,
    allowed: &'static [&'static str],
    path: &mut Vec<ConfigStep>,
) -> Result<(), ConfigError> {
    for (index, item) in items.iter().enumerate() {
        path.push(ConfigStep::Index(index));
        let problem = match item {
            Value::String(text) if !allowed.is_empty() && !allowed.contains(&text.as_str()) => {
                Some(Problem::NotOneOf {
                    value: item.to_string(),
                    allowed,
                })
            }
            Value::String(text)
                if text.len() > max || pattern.is_some_and(|p| !patterns::matches(p, text)) =>
            {
                Some(Problem::InvalidText {
                    min: 0,
                    max,
                    pattern,
                })
            }
            Value::String(_) => None,
            other => Some(Problem::WrongType {
                expected: "a string",
                value: other.to_string(),
            }),
        };
        if let Some(problem) = problem {
            return Err(ConfigError::new(path, problem));
        }
        path.pop();
    }
    Ok(())
}

/// Each object of a list, validated against `fields`, its index in the
/// path.
fn validate_objects(
    fields: &[Field],
    items: &[Value],
    path: &mut Vec<ConfigStep>,
    service_type: &ServiceType,
) -> Result<(), ConfigError> {
    for (index, item) in items.iter().enumerate() {
        path.push(ConfigStep::Index(index));
        let Value::Object(entries) = item else {
            let problem = Problem::WrongType {
                expected: "an object",
                value: item.to_string(),
            };
            return Err(ConfigError::new(path, problem));
        };
        validate_object(fields, entries, path, service_type)?;
        path.pop();
    }
    Ok(())
}

fn out_of_range(value: impl ToString, min: impl ToString, max: impl ToString) -> Problem {
    Problem::OutOfRange {
        value: value.to_string(),
        min: min.to_string(),
        max: max.to_string(),
    }
}

fn time_problem(text: &str) -> Option<Problem> {
    if text.len() > crate::timestamp::MAX_LENGTH {
        let example =
            crate::timestamp::normalize(text).unwrap_or_else(|_| "2025-07-01T15:16:22Z".into());
        return Some(Problem::TimeTooLong {
            length: text.len(),
            example,
        });
    }
    crate::timestamp::parse(text)
        .err()
        .map(Problem::InvalidTime)
}

fn number_problem(number: &serde_json::Number, min: f64, max: f64) -> Option<Problem> {
    match number.as_f64() {
        Some(n) if n == 0.0 && !is_zero(&number.to_string()) => Some(Problem::TooSmall {
            value: number.to_string(),
            min: min.to_string(),
            max: max.to_string(),
        }),
        Some(n) if n.is_finite() && (min..=max).contains(&n) => None,
        _ => Some(out_of_range(number, min, max)),
    }
}

/// Each entry is a CIDR string or `{"network": ..., "description": ...}`.
/// The longest `network` and `description` of an `ip_filter` entry the
/// API takes (every published type's schema).
const NETWORK_MAX: usize = 43;
const DESCRIPTION_MAX: usize = 1024;

/// Whether `network` is an address or a CIDR range: an IPv4 or IPv6
/// address, with a prefix no longer than the address.
pub fn is_network(network: &str) -> bool {
    let (address, prefix) = match network.split_once('/') {
        Some((address, prefix)) => (address, Some(prefix)),
        None => (network, None),
    };
    let Ok(address) = address.parse::<std::net::IpAddr>() else {
        return false;
    };
    let bits = if address.is_ipv4() { 32 } else { 128 };
    prefix.is_none_or(|prefix| {
        prefix.bytes().all(|b| b.is_ascii_digit())
            && prefix.parse::<u8>().is_ok_and(|length| length <= bits)
    })
}

fn validate_ip_filter(items: &[Value], path: &mut Vec<ConfigStep>) -> Result<(), ConfigError> {
    let network_ok = |network: &str| network.len() <= NETWORK_MAX && is_network(network);
    for (index, item) in items.iter().enumerate() {
        let valid = match item {
            Value::String(network) => network_ok(network),
            Value::Object(object) => {
                object
                    .get("network")
                    .and_then(Value::as_str)
                    .is_some_and(network_ok)
                    && object.get("description").is_none_or(|d| {
                        d.as_str()
                            .is_some_and(|d| d.chars().count() <= DESCRIPTION_MAX)
                    })
                    && object.keys().all(|k| k == "network" || k == "description")
            }
            _ => false,
        };
        if !valid {
            path.push(ConfigStep::Index(index));
            // A long entry is cut: the message names it, not repeats it.
            let mut value = item.to_string();
            if value.len() > 80 {
                let cut = (0..=80)
                    .rev()
                    .find(|&i| value.is_char_boundary(i))
                    .unwrap_or(0);
                value.truncate(cut);
                value.push('…');
            }
            let problem = Problem::InvalidIpFilterEntry { value };
            return Err(ConfigError::new(path, problem));
        }
    }
    Ok(())
}

/// Whether a JSON number's text is zero (its digits before any exponent).
fn is_zero(text: &str) -> bool {
    text.split(['e', 'E'])
        .next()
        .unwrap_or_default()
        .chars()
        .all(|c| matches!(c, '0' | '.' | '-' | '+'))
}

fn describe(kind: &Kind) -> &'static str {
    match kind {
        Kind::String | Kind::Text { .. } | Kind::Enum(_) | Kind::RoleName => "a string",
        Kind::Timestamp => "a time string",
        Kind::Integer { .. } | Kind::IntegerOneOf(_) => "an integer",
        Kind::Number { .. } => "a number",
        Kind::Boolean => "a boolean",
        Kind::StringList | Kind::TextList { .. } | Kind::IpFilter => "a list of strings",
        Kind::IntList => "a list of integers",
        Kind::Map => "an object of strings",
        Kind::Object(_) => "an object",
        Kind::ObjectList { .. } => "a list of objects",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::service_type;

    fn config(json: Value) -> Map<String, Value> {
        json.as_object().unwrap().clone()
    }

    #[test]
    fn ip_filters_take_addresses_and_ranges_within_the_apis_limits() {
        for good in [
            "10.0.0.0/8",
            "10.1.2.3",
            "0.0.0.0/0",
            "::/0",
            "2001:db8::/32",
            "::1",
        ] {
            assert!(is_network(good), "{good}");
        }
        for bad in [
            "999.1.1.1/99",
            "10.0.0.0/33",
            "::/129",
            "10.0.0.0/+8",
            "office",
            "",
            "10.0.0.0/",
        ] {
            assert!(!is_network(bad), "{bad}");
        }
        let pg = service_type("pg").unwrap();
        let err = validate(
            pg,
            &config(json!({"ip_filter": ["10.0.0.0/8", "999.1.1.1/99"]})),
        )
        .unwrap_err();
        assert_eq!(err.dotted_path(), "user_config.ip_filter[1]");
        let long = json!([{"network": "10.0.0.0/8", "description": "d".repeat(1025)}]);
        let err = validate(pg, &config(json!({"ip_filter": long}))).unwrap_err();
        assert!(
            err.to_string().len() < 400,
            "the entry is not repeated whole: {err}"
        );
        let many: Vec<String> = (0..8001)
            .map(|i| format!("10.{}.{}.0/24", i / 256, i % 256))
            .collect();
        let err = validate(pg, &config(json!({"ip_filter": many}))).unwrap_err();
        assert!(
            err.to_string().contains("at most 8000 entries, got 8001"),
            "{err}"
        );
    }

    #[test]
    fn a_list_holds_at_most_what_the_api_publishes() {
        let grafana = service_type("grafana").unwrap();
        let domains: Vec<String> = (0..65).map(|i| format!("d{i}.example.com")).collect();
        let err = validate(
            grafana,
            &config(json!({"auth_google": {"allowed_domains": domains}})),
        )
        .unwrap_err();
        assert_eq!(err.dotted_path(), "user_config.auth_google.allowed_domains");
        assert!(
            err.to_string().contains("at most 64 entries, got 65"),
            "{err}"
        );
    }

    #[test]
    fn either_open_filter_is_a_default_in_any_order_and_nothing_narrower_is() {
        assert!(is_default_ip_filter(REPORTED_IP_FILTER));
        assert!(is_default_ip_filter(["::/0", "0.0.0.0/0"]));
        assert!(is_default_ip_filter(["0.0.0.0/0"]));
        assert!(
            !is_default_ip_filter(["::/0"]),
            "IPv6 alone was never a default"
        );
        assert!(!is_default_ip_filter([]), "an empty filter admits no one");
        assert!(!is_default_ip_filter(["0.0.0.0/0", "10.0.0.0/8"]));
    }

    #[test]
    fn errors_name_the_key_and_what_is_allowed() {
        let pg = service_type("pg").unwrap();
        let err = validate(pg, &config(json!({"pg": {"max_connections": 5}}))).unwrap_err();
        assert_eq!(
            err.to_string(),
            "user_config.pg.max_connections: 5 is out of range; allowed 25 to 60000"
        );
        let key = |name: &str| ConfigStep::Key(name.to_owned());
        assert_eq!(err.path, vec![key("pg"), key("max_connections")]);
        let err = validate(pg, &config(json!({"bogus": 1})))
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("user_config.bogus: unknown key"), "{err}");
        let err = validate(pg, &config(json!({"recovery_target_time": "soon"}))).unwrap_err();
        assert!(matches!(err.problem, Problem::InvalidTime(_)), "{err}");
        assert!(err.to_string().contains("RFC 3339"), "{err}");
        let regions = json!({"additional_backup_regions": ["Not A Region"]});
        let err = validate(pg, &config(regions)).unwrap_err();
        assert_eq!(
            err.dotted_path(),
            "user_config.additional_backup_regions[0]"
        );
        assert!(err.to_string().contains("^[a-z0-9-]+$"), "{err}");
        let regions = json!({"additional_backup_regions": ["aws-eu-west-1", "aws-eu-west-2"]});
        let err = validate(pg, &config(regions)).unwrap_err();
        assert!(err.to_string().contains("at most 1 entry, got 2"), "{err}");
        let filter = json!({"ip_filter": ["10.0.0.0/8", {"cidr": "x"}]});
        let err = validate(pg, &config(filter)).unwrap_err();
        assert_eq!(err.path, vec![key("ip_filter"), ConfigStep::Index(1)]);
        assert_eq!(err.dotted_path(), "user_config.ip_filter[1]");
    }

    #[test]
    fn null_is_refused_because_a_setting_cannot_be_removed() {
        let pg = service_type("pg").unwrap();
        let err = validate(pg, &config(json!({"pg": {"timezone": null}}))).unwrap_err();
        assert_eq!(err.dotted_path(), "user_config.pg.timezone");
        assert_eq!(err.problem, Problem::Null);
    }

    #[test]
    fn null_is_taken_where_the_apis_enum_lists_it() {
        let pg = service_type("pg").unwrap();
        let schema = json_schema(pg);
        let interval = &schema["properties"]["backup_interval_hours"];
        assert!(
            interval["enum"].as_array().unwrap().contains(&Value::Null),
            "{interval}"
        );
        assert!(validate(pg, &config(json!({"backup_interval_hours": null}))).is_ok());
        let err = validate(pg, &config(json!({"backup_hour": null}))).unwrap_err();
        assert_eq!(err.problem, Problem::Null);
    }

    #[test]
    fn recovery_target_time_only_where_there_is_pitr() {
        let valkey = service_type("valkey").unwrap();
        let err = validate(
            valkey,
            &config(json!({"recovery_target_time": "2025-01-01 00:00:00"})),
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("does not support point-in-time recovery"),
            "{err}"
        );
        assert!(err.contains("pg, mysql"), "{err}");
        assert!(validate(valkey, &config(json!({"recovery_basebackup_name": "b1"}))).is_ok());
    }

    #[test]
    fn json_schema_marks_create_only_keys() {
        let schema = json_schema(service_type("pg").unwrap());
        assert_eq!(
            schema["properties"]["service_to_fork_from"]["createOnly"],
            true
        );
        assert_eq!(schema["properties"]["work_mem"]["maximum"], 1024);
        assert_eq!(
            schema["properties"]["enable_ha_replica_dns"]["default"],
            false
        );
        let dotted = &schema["properties"]["pg"]["properties"]["pg_partman_bgw.interval"];
        assert_eq!(dotted["minimum"], 3600, "a dotted key keeps the API's name");
    }
}
