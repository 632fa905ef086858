//! Terraform's JSON encoding of values, the form stored state arrives in
//! when Terraform asks a provider to upgrade it.
//!
//! Decoding is lenient where cty is (numbers and booleans as strings), and
//! drops attributes the type no longer has: they belong to an older schema.

use std::collections::BTreeMap;

use super::{Number, Type, Value, ValueError};
use crate::diag::{AttributePath, PathStep};

pub(super) fn decode(
    json: &serde_json::Value,
    ty: &Type,
    path: &mut AttributePath,
) -> Result<Value, ValueError> {
    use serde_json::Value as J;
    let wrong = |path: &AttributePath| {
        ValueError::new(
            path.clone(),
            format!("JSON {json} does not fit type {}", ty.to_json()),
        )
    };
    match (ty, json) {
        (_, J::Null) => Ok(Value::Null),
        (Type::Dynamic, J::Object(wrapper))
            if wrapper.contains_key("type") && wrapper.contains_key("value") =>
        {
            let concrete = Type::from_json(&wrapper["type"])
                .map_err(|err| ValueError::new(path.clone(), err))?;
            let inner = decode(&wrapper["value"], &concrete, path)?;
            Ok(Value::Dynamic(concrete, Box::new(inner)))
        }
        (Type::Dynamic, _) => Err(wrong(path)),
        (Type::String, J::String(text)) => Ok(Value::String(text.clone())),
        (Type::String, J::Number(number)) => Ok(Value::String(number.to_string())),
        (Type::String, J::Bool(flag)) => Ok(Value::String(flag.to_string())),
        (Type::Number, J::Number(number)) => Ok(Value::Number(Number(number.to_string()))),
        (Type::Number, J::String(text)) => Number::parse(text)
            .map(Value::Number)
            .ok_or_else(|| wrong(path)),
        (Type::Bool, J::Bool(flag)) => Ok(Value::Bool(*flag)),
        (Type::Bool, J::String(text)) if text == "true" || text == "false" => {
            Ok(Value::Bool(text == "true"))
        }
        (Type::List(element) | Type::Set(element), J::Array(items)) => {
            let values = decode_items(items.iter().map(|item| (item, &**element)), path)?;
            Ok(if matches!(ty, Type::Set(_)) {
                Value::Set(values)
            } else {
                Value::List(values)
            })
        }
        (Type::Tuple(elements), J::Array(items)) if items.len() == elements.len() => {
            decode_items(items.iter().zip(elements), path).map(Value::Tuple)
        }
        (Type::Map(element), J::Object(entries)) => {
            let mut values = BTreeMap::new();
            for (key, item) in entries {
                path.push(PathStep::Key(key.clone()));
                values.insert(key.clone(), decode(item, element, path)?);
                path.pop();
            }
            Ok(Value::Map(values))
        }
        (Type::Object(attributes), J::Object(entries)) => decode_object(attributes, entries, path),
        _ => Err(wrong(path)),
    }
}

fn decode_items<'j>(
    items: impl Iterator<Item = (&'j serde_json::Value, &'j Type)>,
    path: &mut AttributePath,
) -> Result<Vec<Value>, ValueError> {
    let mut values = Vec::new();
    for (index, (item, element)) in items.enumerate() {
        path.push(PathStep::Index(index as i64));
        values.push(decode(item, element, path)?);
        path.pop();
    }
    Ok(values)
}

fn decode_object(
    attributes: &BTreeMap<String, Type>,
    entries: &serde_json::Map<String, serde_json::Value>,
    path: &mut AttributePath,
) -> Result<Value, ValueError> {
    let mut values = BTreeMap::new();
    for (name, attribute_type) in attributes {
        path.push(PathStep::Attribute(name.clone()));
        let value = match entries.get(name) {
            Some(item) => decode(item, attribute_type, path)?,
            None => Value::Null,
        };
        path.pop();
        values.insert(name.clone(), value);
    }
    Ok(Value::Object(values))
}

pub(super) fn encode(
    value: &Value,
    path: &mut AttributePath,
) -> Result<serde_json::Value, ValueError> {
    use serde_json::Value as J;
    Ok(match value {
        Value::Null => J::Null,
        Value::Unknown(_) => {
            return Err(ValueError::new(
                path.clone(),
                "unknown values cannot be stored as JSON",
            ));
        }
        Value::String(text) => J::String(text.clone()),
        Value::Number(number) => J::Number(
            serde_json::from_str(&number.0)
                .map_err(|err| ValueError::new(path.clone(), err.to_string()))?,
        ),
        Value::Bool(flag) => J::Bool(*flag),
        Value::List(items) | Value::Set(items) | Value::Tuple(items) => {
            let mut out = Vec::with_capacity(items.len());
            for (index, item) in items.iter().enumerate() {
                path.push(PathStep::Index(index as i64));
                out.push(encode(item, path)?);
                path.pop();
            }
            J::Array(out)
        }
        Value::Map(entries) | Value::Object(entries) => {
            let mut out = serde_json::Map::new();
            for (key, item) in entries {
                path.push(PathStep::Attribute(key.clone()));
                out.insert(key.clone(), encode(item, path)?);
                path.pop();
            }
            J::Object(out)
        }
        Value::Dynamic(ty, inner) => {
            serde_json::json!({ "type": ty.to_json(), "value": encode(inner, path)? })
        }
    })
}
