//! The real API's contract, as facts this crate carries: which endpoints
//! exist, which request fields each accepts, which reply fields may be
//! absent or null, and each enum's values. aiven-local checks every request
//! and reply against it, and its variation mode uses it to answer as
//! loosely as the contract allows; neither needs anything outside the
//! repository. The facts are in `contract/services.json`, brought in by
//! `scripts/import-contract.py`.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;
use serde_json::Value;

/// One field of a structure.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Field {
    /// The Go type the generated client gives it, e.g. `*int`, `[]UserOut`.
    #[serde(rename = "type")]
    pub go_type: String,
    /// The API may leave it out (and then may also send null).
    #[serde(default)]
    pub optional: bool,
    /// Documented as possibly null even when present.
    #[serde(default)]
    pub nullable: bool,
}

/// A structure: its fields by JSON name.
pub type Struct = BTreeMap<String, Field>;

/// One endpoint.
#[derive(Debug, Clone, Deserialize)]
pub struct Endpoint {
    pub op: String,
    pub method: String,
    /// With `{}` for each path parameter.
    pub path: String,
    /// The request structure, if the endpoint takes a body.
    #[serde(default, rename = "in")]
    pub input: Option<String>,
    /// The reply structure.
    #[serde(default)]
    pub out: Option<String>,
    /// The key the reply structure is wrapped in, if any.
    #[serde(default)]
    pub envelope: Option<String>,
    /// A reply described field by field rather than by a named structure.
    #[serde(default)]
    pub out_inline: Option<Struct>,
}

impl Endpoint {
    fn matches(&self, method: &str, path: &str) -> bool {
        if !self.method.eq_ignore_ascii_case(method) {
            return false;
        }
        let ours: Vec<&str> = self.path.trim_matches('/').split('/').collect();
        let theirs: Vec<&str> = path.trim_matches('/').split('/').collect();
        ours.len() == theirs.len()
            && ours
                .iter()
                .zip(&theirs)
                .all(|(a, b)| *a == "{}" && !b.is_empty() || a == b)
    }
}

/// The whole contract.
#[derive(Debug, Deserialize)]
pub struct Contract {
    pub endpoints: Vec<Endpoint>,
    pub structs: BTreeMap<String, Struct>,
    pub enums: BTreeMap<String, Vec<String>>,
}

/// What is wrong at one place in a body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// A field the contract requires is absent.
    Missing,
    /// Null where the contract allows no null.
    Null,
    /// The JSON type differs from the contract's.
    WrongType { expected: &'static str },
    /// A value outside the enum.
    NotInEnum { value: String, allowed: Vec<String> },
    /// A request field the endpoint's In structure does not have.
    NotInStructure { structure: String },
}

/// A [`Problem`] and where it is, e.g. `service.node_states[0].state`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub path: String,
    pub problem: Problem,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let path = if self.path.is_empty() {
            "(body)"
        } else {
            &self.path
        };
        match &self.problem {
            Problem::Missing => write!(f, "{path}: required but absent"),
            Problem::Null => write!(f, "{path}: null, which the contract does not allow"),
            Problem::WrongType { expected } => write!(f, "{path}: not {expected}"),
            Problem::NotInEnum { value, allowed } => {
                write!(f, "{path}: {value:?} is not one of {}", allowed.join(", "))
            }
            Problem::NotInStructure { structure } => {
                write!(f, "{path}: not a field of {structure}")
            }
        }
    }
}

/// The shape a Go type stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shape<'c> {
    String,
    Integer,
    Number,
    Bool,
    /// `time.Time`: a string.
    Time,
    /// `any`, or a named type the contract does not describe.
    Any,
    Enum(&'c str, &'c [String]),
    Struct(&'c str, &'c Struct),
    List(Box<Shape<'c>>),
    Map(Box<Shape<'c>>),
}

/// The contract this crate carries.
pub fn contract() -> &'static Contract {
    static CONTRACT: OnceLock<Contract> = OnceLock::new();
    CONTRACT.get_or_init(|| {
        serde_json::from_str(include_str!("../contract/services.json"))
            .expect("contract/services.json is valid (checked by a unit test)")
    })
}

impl Contract {
    /// The endpoint a request line addresses; the query string is ignored.
    pub fn endpoint(&self, method: &str, path: &str) -> Option<&Endpoint> {
        let path = path.split('?').next().unwrap_or_default();
        self.endpoints.iter().find(|e| e.matches(method, path))
    }

    /// The shape of a Go type, e.g. `*[]TechEmailIn`.
    pub fn shape<'c>(&'c self, go_type: &str) -> Shape<'c> {
        let go_type = go_type.trim_start_matches('*');
        if let Some(element) = go_type.strip_prefix("[]") {
            return Shape::List(Box::new(self.shape(element)));
        }
        if let Some(value) = go_type.strip_prefix("map[string]") {
            return Shape::Map(Box::new(self.shape(value)));
        }
        match go_type {
            "string" => Shape::String,
            "int" => Shape::Integer,
            "float64" => Shape::Number,
            "bool" => Shape::Bool,
            "time.Time" => Shape::Time,
            name => {
                if let Some((key, values)) = self.enums.get_key_value(name) {
                    Shape::Enum(key, values)
                } else if let Some((key, fields)) = self.structs.get_key_value(name) {
                    Shape::Struct(key, fields)
                } else {
                    Shape::Any
                }
            }
        }
    }

    /// The reply's envelope key (if it has one) and the shape inside it.
    pub fn reply_shape<'c>(
        &'c self,
        endpoint: &'c Endpoint,
    ) -> Option<(Option<&'c str>, Shape<'c>)> {
        if let Some(inline) = &endpoint.out_inline {
            return Some((None, Shape::Struct(&endpoint.op, inline)));
        }
        let inner = self.shape(endpoint.out.as_deref()?);
        Some((endpoint.envelope.as_deref(), inner))
    }

    /// Every way `body` departs from what `endpoint` may answer.
    pub fn check_reply(&self, endpoint: &Endpoint, body: &Value) -> Vec<Violation> {
        let mut found = Vec::new();
        match self.reply_shape(endpoint) {
            Some((Some(key), inner)) => match body.get(key) {
                Some(inner_body) => self.check_value(&inner, inner_body, key, false, &mut found),
                None => found.push(Violation {
                    path: key.to_owned(),
                    problem: Problem::Missing,
                }),
            },
            Some((None, shape)) => self.check_value(&shape, body, "", false, &mut found),
            None => {}
        }
        found
    }

    /// Every way a request `body` departs from `endpoint`'s In structure,
    /// fields it does not have included.
    pub fn check_request(&self, endpoint: &Endpoint, body: &Value) -> Vec<Violation> {
        let mut found = Vec::new();
        if let Some(input) = endpoint.input.as_deref() {
            self.check_value(&self.shape(input), body, "", true, &mut found);
        }
        found
    }

    fn check_value(
        &self,
        shape: &Shape<'_>,
        value: &Value,
        path: &str,
        request: bool,
        found: &mut Vec<Violation>,
    ) {
        let wrong = |expected| Violation {
            path: path.to_owned(),
            problem: Problem::WrongType { expected },
        };
        match shape {
            Shape::Any => {}
            Shape::String | Shape::Time if !value.is_string() => found.push(wrong("a string")),
            Shape::Integer if !(value.is_i64() || value.is_u64()) => {
                found.push(wrong("an integer"))
            }
            Shape::Number if !value.is_number() => found.push(wrong("a number")),
            Shape::Bool if !value.is_boolean() => found.push(wrong("a boolean")),
            Shape::Enum(_, allowed) => match value.as_str() {
                None => found.push(wrong("a string")),
                Some(text) if !allowed.iter().any(|a| a == text) => found.push(Violation {
                    path: path.to_owned(),
                    problem: Problem::NotInEnum {
                        value: text.to_owned(),
                        allowed: allowed.to_vec(),
                    },
                }),
                Some(_) => {}
            },
            Shape::Struct(_, fields) => self.check_struct(fields, value, path, request, found),
            Shape::List(element) => match value.as_array() {
                None => found.push(wrong("a list")),
                Some(items) => {
                    for (index, item) in items.iter().enumerate() {
                        self.check_value(
                            element,
                            item,
                            &format!("{path}[{index}]"),
                            request,
                            found,
                        );
                    }
                }
            },
            Shape::Map(element) => match value.as_object() {
                None => found.push(wrong("an object")),
                Some(entries) => {
                    for (key, item) in entries {
                        self.check_value(element, item, &join(path, key), request, found);
                    }
                }
            },
            _ => {}
        }
    }

    fn check_struct(
        &self,
        fields: &Struct,
        value: &Value,
        path: &str,
        request: bool,
        found: &mut Vec<Violation>,
    ) {
        let Some(entries) = value.as_object() else {
            found.push(Violation {
                path: path.to_owned(),
                problem: Problem::WrongType {
                    expected: "an object",
                },
            });
            return;
        };
        for (name, field) in fields {
            let here = join(path, name);
            match entries.get(name) {
                None if !field.optional => found.push(Violation {
                    path: here,
                    problem: Problem::Missing,
                }),
                Some(Value::Null) if !field.optional && !field.nullable => found.push(Violation {
                    path: here,
                    problem: Problem::Null,
                }),
                Some(Value::Null) | None => {}
                Some(item) => {
                    self.check_value(&self.shape(&field.go_type), item, &here, request, found)
                }
            }
        }
        if request {
            let structure = self.name_of(fields);
            for name in entries.keys().filter(|k| !fields.contains_key(*k)) {
                found.push(Violation {
                    path: join(path, name),
                    problem: Problem::NotInStructure {
                        structure: structure.clone(),
                    },
                });
            }
        }
    }

    fn name_of(&self, fields: &Struct) -> String {
        self.structs
            .iter()
            .find(|(_, s)| std::ptr::eq(*s, fields))
            .map_or_else(|| "the request".to_owned(), |(name, _)| name.clone())
    }
}

fn join(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_owned()
    } else {
        format!("{path}.{name}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn service_get() -> &'static Endpoint {
        contract()
            .endpoint("GET", "/v1/project/p/service/s?include_secrets=true")
            .expect("ServiceGet")
    }

    #[test]
    fn the_carried_contract_parses_and_knows_the_service_endpoints() {
        let contract = contract();
        assert_eq!(service_get().op, "ServiceGet");
        assert_eq!(
            contract
                .endpoint("PUT", "/v1/project/p/service/s/tags")
                .unwrap()
                .op,
            "ProjectServiceTagsReplace"
        );
        assert!(
            contract
                .endpoint("PATCH", "/v1/project/p/service/s")
                .is_none()
        );
        assert!(contract.enums["DowType"].iter().all(|d| d != "never"));
    }

    #[test]
    fn a_reply_missing_a_required_field_or_with_a_stray_enum_is_caught() {
        let reply = json!({"service": {
            "service_name": "s", "service_type": "pg", "plan": "startup-4",
            "cloud_name": "c", "create_time": "2025-01-01T00:00:00Z",
            "update_time": "2025-01-01T00:00:00Z", "group_list": [],
            "project_vpc_id": null, "service_integrations": [],
            "service_uri": null, "termination_protection": false,
            "user_config": {}, "state": "EXPLODED",
            "node_states": [{"name": "n", "state": "running"}],
            "an_unknown_field": 1,
        }});
        let found: Vec<String> = contract()
            .check_reply(service_get(), &reply)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            found,
            vec![
                "service.node_states[0].availability_zone: required but absent".to_owned(),
                "service.state: \"EXPLODED\" is not one of POWEROFF, REBALANCING, REBUILDING, RUNNING".to_owned(),
            ],
            "unknown reply fields are allowed, nullable ones may be null"
        );
    }

    #[test]
    fn a_request_field_outside_the_in_structure_is_caught() {
        let update = contract()
            .endpoint("PUT", "/v1/project/p/service/s")
            .unwrap();
        let found = contract().check_request(
            update,
            &json!({"plan": "x", "tags": {"a": "b"}, "maintenance": {"dow": "never"}}),
        );
        let found: Vec<String> = found.iter().map(ToString::to_string).collect();
        assert_eq!(
            found,
            vec![
                "maintenance.dow: \"never\" is not one of friday, monday, saturday, sunday, thursday, tuesday, wednesday".to_owned(),
                "tags: not a field of ServiceUpdateIn".to_owned(),
            ]
        );
    }
}
