//! Terraform's value model (cty): types, values and their two wire encodings.
//!
//! Values travel as msgpack during planning and applying, and as JSON when
//! Terraform hands stored state to `UpgradeResourceState`. Neither encoding
//! carries types except at `dynamic` positions, so every decode and encode
//! here is driven by the [`Type`] the schema implies.
//!
//! Numbers are kept as their exact decimal text ([`Number`]) so that a value
//! Terraform sends is never silently rounded through `f64`.

use std::collections::BTreeMap;
use std::fmt;

use crate::diag::AttributePath;

mod json;
mod msgpack;

/// A cty type constraint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Type {
    String,
    Number,
    Bool,
    /// Any type; values at such a position carry their concrete type.
    Dynamic,
    List(Box<Type>),
    Set(Box<Type>),
    Map(Box<Type>),
    Object(BTreeMap<String, Type>),
    Tuple(Vec<Type>),
}

impl Type {
    pub fn list(element: Type) -> Type {
        Type::List(Box::new(element))
    }

    pub fn set(element: Type) -> Type {
        Type::Set(Box::new(element))
    }

    pub fn map(element: Type) -> Type {
        Type::Map(Box::new(element))
    }

    pub fn object<'a>(attributes: impl IntoIterator<Item = (&'a str, Type)>) -> Type {
        Type::Object(
            attributes
                .into_iter()
                .map(|(name, ty)| (name.to_owned(), ty))
                .collect(),
        )
    }

    /// The JSON type constraint syntax Terraform uses in schemas and in
    /// dynamic values.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::{Value as J, json};
        match self {
            Type::String => J::from("string"),
            Type::Number => J::from("number"),
            Type::Bool => J::from("bool"),
            Type::Dynamic => J::from("dynamic"),
            Type::List(element) => json!(["list", element.to_json()]),
            Type::Set(element) => json!(["set", element.to_json()]),
            Type::Map(element) => json!(["map", element.to_json()]),
            Type::Object(attributes) => {
                let attributes: serde_json::Map<String, J> = attributes
                    .iter()
                    .map(|(name, ty)| (name.clone(), ty.to_json()))
                    .collect();
                json!(["object", attributes])
            }
            Type::Tuple(elements) => {
                json!([
                    "tuple",
                    elements.iter().map(Type::to_json).collect::<Vec<_>>()
                ])
            }
        }
    }

    /// Parses the JSON type constraint syntax. Optional-attribute markers
    /// (a third element of an object type) are accepted and ignored: they
    /// only matter to Terraform's own type conversion.
    pub fn from_json(json: &serde_json::Value) -> Result<Type, String> {
        use serde_json::Value as J;
        match json {
            J::String(name) => match name.as_str() {
                "string" => Ok(Type::String),
                "number" => Ok(Type::Number),
                "bool" => Ok(Type::Bool),
                "dynamic" => Ok(Type::Dynamic),
                other => Err(format!("unknown primitive type {other:?}")),
            },
            J::Array(parts) if parts.len() >= 2 => {
                let kind = parts[0].as_str().ok_or("type kind must be a string")?;
                match (kind, &parts[1]) {
                    ("list", element) => Ok(Type::list(Type::from_json(element)?)),
                    ("set", element) => Ok(Type::set(Type::from_json(element)?)),
                    ("map", element) => Ok(Type::map(Type::from_json(element)?)),
                    ("object", J::Object(attributes)) => Ok(Type::Object(
                        attributes
                            .iter()
                            .map(|(name, ty)| Ok((name.clone(), Type::from_json(ty)?)))
                            .collect::<Result<_, String>>()?,
                    )),
                    ("tuple", J::Array(elements)) => Ok(Type::Tuple(
                        elements
                            .iter()
                            .map(Type::from_json)
                            .collect::<Result<_, _>>()?,
                    )),
                    (other, _) => Err(format!("malformed {other:?} type")),
                }
            }
            other => Err(format!("malformed type constraint {other}")),
        }
    }
}

/// A number as exact decimal text, e.g. `"42"`, `"-0.5"`, `"1e+400"`-free
/// plain notation where Terraform sends it that way.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Number(String);

impl Number {
    /// Accepts decimal text as JSON would write it; rejects anything else.
    pub fn parse(text: &str) -> Option<Number> {
        let ok = serde_json::from_str::<serde_json::Number>(text).is_ok();
        ok.then(|| Number(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn as_i64(&self) -> Option<i64> {
        self.0.parse().ok()
    }

    pub fn as_f64(&self) -> Option<f64> {
        self.0.parse().ok()
    }
}

impl From<i64> for Number {
    fn from(value: i64) -> Number {
        Number(value.to_string())
    }
}

/// A finite float, in its shortest exact decimal form (cty numbers are
/// decimals of any precision).
impl From<f64> for Number {
    fn from(value: f64) -> Number {
        Number(value.to_string())
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A cty value. Nulls and unknowns are untyped here: their type comes from
/// the schema position they occupy, except at `dynamic` positions, where
/// [`Value::Dynamic`] records it.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Value {
    #[default]
    Null,
    /// Not known until apply. Refinements Terraform attached (msgpack
    /// extension 12) are kept byte for byte so they round-trip unchanged.
    Unknown(Option<Vec<u8>>),
    String(String),
    Number(Number),
    Bool(bool),
    List(Vec<Value>),
    Set(Vec<Value>),
    Map(BTreeMap<String, Value>),
    Object(BTreeMap<String, Value>),
    Tuple(Vec<Value>),
    /// A value at a `dynamic` position together with its concrete type.
    Dynamic(Type, Box<Value>),
}

impl Value {
    pub fn unknown() -> Value {
        Value::Unknown(None)
    }

    pub fn string(text: impl Into<String>) -> Value {
        Value::String(text.into())
    }

    pub fn number(number: impl Into<Number>) -> Value {
        Value::Number(number.into())
    }

    /// `Some(text)` as a string value, `None` as null.
    pub fn opt_string(text: Option<impl Into<String>>) -> Value {
        text.map_or(Value::Null, |text| Value::String(text.into()))
    }

    /// `Some(n)` as a number value, `None` as null.
    pub fn opt_number(number: Option<i64>) -> Value {
        number.map_or(Value::Null, Value::number)
    }

    pub fn object<'a>(attributes: impl IntoIterator<Item = (&'a str, Value)>) -> Value {
        Value::Object(
            attributes
                .into_iter()
                .map(|(name, value)| (name.to_owned(), value))
                .collect(),
        )
    }

    /// Strips a [`Value::Dynamic`] wrapper, if any.
    pub fn inner(&self) -> &Value {
        match self {
            Value::Dynamic(_, value) => value.inner(),
            other => other,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.inner(), Value::Null)
    }

    pub fn is_unknown(&self) -> bool {
        matches!(self.inner(), Value::Unknown(_))
    }

    /// The value as state may hold it: an unknown (planned) value is null.
    pub fn known_or_null(&self) -> Value {
        if self.is_unknown() {
            Value::Null
        } else {
            self.clone()
        }
    }

    /// True when neither this value nor anything inside it is unknown.
    pub fn is_wholly_known(&self) -> bool {
        match self.inner() {
            Value::Unknown(_) => false,
            Value::List(items) | Value::Set(items) | Value::Tuple(items) => {
                items.iter().all(Value::is_wholly_known)
            }
            Value::Map(entries) | Value::Object(entries) => {
                entries.values().all(Value::is_wholly_known)
            }
            _ => true,
        }
    }

    /// The attribute `name` of an object, or the element under key `name`
    /// of a map; null for anything else.
    pub fn get(&self, name: &str) -> &Value {
        match self.inner() {
            Value::Object(entries) | Value::Map(entries) => {
                entries.get(name).unwrap_or(&Value::Null)
            }
            _ => &Value::Null,
        }
    }

    /// Mutable access to an attribute of an object value.
    pub fn get_mut(&mut self, name: &str) -> Option<&mut Value> {
        match self {
            Value::Object(attributes) => attributes.get_mut(name),
            Value::Dynamic(_, value) => value.get_mut(name),
            _ => None,
        }
    }

    /// Sets an attribute of an object value; ignored on anything else.
    pub fn set(&mut self, name: &str, value: Value) {
        if let Value::Object(attributes) = self {
            attributes.insert(name.to_owned(), value);
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self.inner() {
            Value::String(text) => Some(text),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self.inner() {
            Value::Bool(flag) => Some(*flag),
            _ => None,
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        match self.inner() {
            Value::Number(number) => number.as_i64(),
            _ => None,
        }
    }

    /// Elements of a list, set or tuple; empty for anything else.
    pub fn elements(&self) -> &[Value] {
        match self.inner() {
            Value::List(items) | Value::Set(items) | Value::Tuple(items) => items,
            _ => &[],
        }
    }

    /// The first element of a list or set: how a block limited to one item
    /// is read.
    pub fn first(&self) -> &Value {
        self.elements().first().unwrap_or(&Value::Null)
    }

    /// The first element of a list or set, to change in place.
    pub fn first_mut(&mut self) -> Option<&mut Value> {
        match self {
            Value::List(items) | Value::Set(items) | Value::Tuple(items) => items.first_mut(),
            _ => None,
        }
    }

    /// Encodes as msgpack against `ty`.
    pub fn to_msgpack(&self, ty: &Type) -> Result<Vec<u8>, ValueError> {
        let mut out = Vec::with_capacity(256);
        msgpack::encode(self, ty, &mut out, &mut AttributePath::root())?;
        Ok(out)
    }

    /// Decodes msgpack against `ty`. Errors name the attribute path.
    pub fn from_msgpack(bytes: &[u8], ty: &Type) -> Result<Value, ValueError> {
        let mut reader = msgpack::Reader::new(bytes);
        let value = reader.value(ty, &mut AttributePath::root())?;
        if !reader.at_end() {
            return Err(ValueError::new(
                AttributePath::root(),
                "trailing bytes after value",
            ));
        }
        Ok(value)
    }

    /// Decodes Terraform's JSON state encoding against `ty`. Attributes the
    /// type does not know are dropped: they belong to an older schema.
    pub fn from_json(json: &serde_json::Value, ty: &Type) -> Result<Value, ValueError> {
        json::decode(json, ty, &mut AttributePath::root())
    }

    /// Encodes in Terraform's JSON state encoding. Unknown values cannot be
    /// stored and are an error.
    pub fn to_json(&self) -> Result<serde_json::Value, ValueError> {
        json::encode(self, &mut AttributePath::root())
    }
}

/// A value that does not fit its type, with the path where it went wrong.
#[derive(Debug, Clone, PartialEq)]
pub struct ValueError {
    pub path: AttributePath,
    pub message: String,
}

impl ValueError {
    pub(crate) fn new(path: AttributePath, message: impl Into<String>) -> ValueError {
        ValueError {
            path,
            message: message.into(),
        }
    }
}

impl fmt::Display for ValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_root() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

impl std::error::Error for ValueError {}

fn mismatch(path: &AttributePath, ty: &Type, value: &Value) -> ValueError {
    ValueError::new(
        path.clone(),
        format!("value {value:?} does not conform to type {}", ty.to_json()),
    )
}

/// The type a value literally has, for values placed at a dynamic position
/// without an explicit type.
fn infer_type(value: &Value) -> Type {
    match value {
        Value::Null | Value::Unknown(_) => Type::Dynamic,
        Value::String(_) => Type::String,
        Value::Number(_) => Type::Number,
        Value::Bool(_) => Type::Bool,
        Value::List(items) => Type::list(items.first().map_or(Type::Dynamic, infer_type)),
        Value::Set(items) => Type::set(items.first().map_or(Type::Dynamic, infer_type)),
        Value::Map(entries) => Type::map(entries.values().next().map_or(Type::Dynamic, infer_type)),
        Value::Object(attributes) => Type::Object(
            attributes
                .iter()
                .map(|(name, value)| (name.clone(), infer_type(value)))
                .collect(),
        ),
        Value::Tuple(items) => Type::Tuple(items.iter().map(infer_type).collect()),
        Value::Dynamic(ty, _) => ty.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_claiming_four_billion_elements_is_an_error_not_an_allocation() {
        let bytes = [0xdd, 0xff, 0xff, 0xff, 0xff, 0xc0];
        assert!(Value::from_msgpack(&bytes, &Type::list(Type::String)).is_err());
    }

    fn round_trip(value: &Value, ty: &Type) -> Value {
        let bytes = value.to_msgpack(ty).expect("encode");
        let mut reader = msgpack::Reader::new(&bytes);
        let decoded = reader
            .value(ty, &mut AttributePath::root())
            .expect("decode");
        assert!(reader.at_end());
        decoded
    }

    #[test]
    fn numbers_keep_precision_beyond_f64() {
        let big = Value::Number(
            Number::parse("123456789012345678901234567890.000000000000000001").unwrap(),
        );
        assert_eq!(round_trip(&big, &Type::Number), big);
        let json = big.to_json().unwrap();
        assert_eq!(Value::from_json(&json, &Type::Number).unwrap(), big);
    }

    #[test]
    fn integers_are_encoded_as_msgpack_integers() {
        let bytes = Value::number(-5).to_msgpack(&Type::Number).unwrap();
        assert_eq!(bytes, vec![0xfb]);
        let bytes = Value::number(300).to_msgpack(&Type::Number).unwrap();
        assert_eq!(bytes, vec![0xcd, 0x01, 0x2c]);
    }

    #[test]
    fn floats_from_terraform_decode_to_shortest_text() {
        let mut bytes = vec![0xcb];
        bytes.extend_from_slice(&0.1f64.to_bits().to_be_bytes());
        assert_eq!(
            Value::from_msgpack(&bytes, &Type::Number).unwrap(),
            Value::Number(Number("0.1".into()))
        );
    }

    #[test]
    fn refined_unknowns_round_trip_byte_for_byte() {
        // ext 12 with a one-entry map payload {1: true} (cty's "not null").
        let bytes = vec![0xc7, 0x03, 0x0c, 0x81, 0x01, 0xc3];
        let value = Value::from_msgpack(&bytes, &Type::String).unwrap();
        assert!(value.is_unknown());
        assert_eq!(value.to_msgpack(&Type::String).unwrap(), bytes);
    }

    #[test]
    fn plain_unknown_uses_extension_zero() {
        assert_eq!(
            Value::unknown().to_msgpack(&Type::Bool).unwrap(),
            vec![0xd4, 0x00, 0x00]
        );
    }

    #[test]
    fn dynamic_values_carry_their_type() {
        let value = Value::Dynamic(
            Type::list(Type::String),
            Box::new(Value::List(vec![Value::string("a")])),
        );
        assert_eq!(round_trip(&value, &Type::Dynamic), value);
        let json = value.to_json().unwrap();
        assert_eq!(Value::from_json(&json, &Type::Dynamic).unwrap(), value);
    }

    #[test]
    fn objects_fill_missing_attributes_with_null_and_reject_unknown_ones() {
        let ty = Type::object([("a", Type::String), ("b", Type::Number)]);
        let value = Value::object([("a", Value::string("x"))]);
        let decoded = round_trip(&value, &ty);
        assert_eq!(decoded.get("b"), &Value::Null);
        let bad = Value::object([("zzz", Value::Bool(true))]);
        let err = bad.to_msgpack(&ty).unwrap_err();
        assert!(err.message.contains("zzz"), "{err}");
    }

    #[test]
    fn decode_errors_name_the_attribute_path() {
        let ty = Type::object([("tags", Type::list(Type::object([("key", Type::String)])))]);
        let value = Value::object([(
            "tags",
            Value::List(vec![
                Value::object([("key", Value::string("ok"))]),
                Value::object([("key", Value::Bool(true))]),
            ]),
        )]);
        let err = value.to_msgpack(&ty).unwrap_err();
        assert_eq!(err.path.to_string(), "tags[1].key");
    }

    #[test]
    fn json_state_drops_attributes_the_schema_no_longer_has() {
        let ty = Type::object([("kept", Type::String)]);
        let json = serde_json::json!({"kept": "v", "removed": 1});
        assert_eq!(
            Value::from_json(&json, &ty).unwrap(),
            Value::object([("kept", Value::string("v"))])
        );
    }

    #[test]
    fn type_json_round_trips() {
        let ty = Type::object([
            ("a", Type::map(Type::set(Type::Number))),
            ("b", Type::Tuple(vec![Type::Bool, Type::Dynamic])),
        ]);
        assert_eq!(Type::from_json(&ty.to_json()).unwrap(), ty);
    }
}
