//! The msgpack encoding of cty values, which Terraform uses for every value
//! it sends while planning and applying.
//!
//! The encoding carries no types except at `dynamic` positions, so both
//! directions walk the schema's [`Type`] alongside the bytes, one small
//! function per kind. Unknown values are msgpack extensions: 0 for a plain
//! unknown, 12 for one with refinements, kept byte for byte.

use std::collections::BTreeMap;

use rmp::Marker as M;
use rmp::encode as e;

use super::{Number, Type, Value, ValueError, infer_type, mismatch};
use crate::diag::{AttributePath, PathStep};

const UNKNOWN_EXT: i8 = 0;
const REFINED_UNKNOWN_EXT: i8 = 12;

// Writing into a Vec cannot fail, so the writers' results are dropped.

pub(super) fn encode(
    value: &Value,
    ty: &Type,
    out: &mut Vec<u8>,
    path: &mut AttributePath,
) -> Result<(), ValueError> {
    if let Value::Unknown(refinements) = value {
        encode_unknown(refinements.as_deref(), out);
        return Ok(());
    }
    if *ty == Type::Dynamic {
        return encode_dynamic(value, out, path);
    }
    match (value, ty) {
        (Value::Dynamic(_, inner), _) => encode(inner, ty, out, path),
        (Value::Null, _) => {
            let _ = e::write_nil(out);
            Ok(())
        }
        (Value::String(text), Type::String) => {
            let _ = e::write_str(out, text);
            Ok(())
        }
        (Value::Bool(flag), Type::Bool) => {
            let _ = e::write_bool(out, *flag);
            Ok(())
        }
        (Value::Number(number), Type::Number) => {
            encode_number(number, out);
            Ok(())
        }
        (Value::List(items) | Value::Set(items), Type::List(element) | Type::Set(element)) => {
            encode_sequence(
                items.iter().map(|item| (item, &**element)),
                items.len(),
                out,
                path,
            )
        }
        (Value::Tuple(items) | Value::List(items), Type::Tuple(elements))
            if items.len() == elements.len() =>
        {
            encode_sequence(items.iter().zip(elements), items.len(), out, path)
        }
        (Value::Map(entries) | Value::Object(entries), Type::Map(element)) => {
            encode_map(entries, element, out, path)
        }
        (Value::Object(attributes), Type::Object(types)) => {
            encode_object(attributes, types, out, path)
        }
        (value, ty) => Err(mismatch(path, ty, value)),
    }
}

fn encode_unknown(refinements: Option<&[u8]>, out: &mut Vec<u8>) {
    match refinements {
        Some(payload) => {
            let _ = e::write_ext_meta(out, payload.len() as u32, REFINED_UNKNOWN_EXT);
            out.extend_from_slice(payload);
        }
        None => {
            let _ = e::write_ext_meta(out, 1, UNKNOWN_EXT);
            out.push(0);
        }
    }
}

/// A value at a `dynamic` position travels as `[type JSON, value]`.
fn encode_dynamic(
    value: &Value,
    out: &mut Vec<u8>,
    path: &mut AttributePath,
) -> Result<(), ValueError> {
    let (concrete, inner) = match value {
        Value::Null => {
            let _ = e::write_nil(out);
            return Ok(());
        }
        Value::Dynamic(concrete, inner) => (concrete.clone(), &**inner),
        other => (infer_type(other), other),
    };
    let _ = e::write_array_len(out, 2);
    let _ = e::write_bin(out, concrete.to_json().to_string().as_bytes());
    encode(inner, &concrete, out, path)
}

fn encode_number(number: &Number, out: &mut Vec<u8>) {
    if let Ok(int) = number.0.parse::<i64>() {
        let _ = e::write_sint(out, int);
    } else if let Ok(int) = number.0.parse::<u64>() {
        let _ = e::write_uint(out, int);
    } else {
        // cty reads a string at a number position as exact decimal text,
        // which keeps precision an f64 would lose.
        let _ = e::write_str(out, &number.0);
    }
}

fn encode_sequence<'v>(
    items: impl Iterator<Item = (&'v Value, &'v Type)>,
    len: usize,
    out: &mut Vec<u8>,
    path: &mut AttributePath,
) -> Result<(), ValueError> {
    let _ = e::write_array_len(out, len as u32);
    for (index, (item, element)) in items.enumerate() {
        path.push(PathStep::Index(index as i64));
        encode(item, element, out, path)?;
        path.pop();
    }
    Ok(())
}

fn encode_map(
    entries: &BTreeMap<String, Value>,
    element: &Type,
    out: &mut Vec<u8>,
    path: &mut AttributePath,
) -> Result<(), ValueError> {
    let _ = e::write_map_len(out, entries.len() as u32);
    for (key, item) in entries {
        let _ = e::write_str(out, key);
        path.push(PathStep::Key(key.clone()));
        encode(item, element, out, path)?;
        path.pop();
    }
    Ok(())
}

/// Every attribute of the type is written, a missing one as null; an
/// attribute the type lacks is an error rather than silently dropped.
fn encode_object(
    attributes: &BTreeMap<String, Value>,
    types: &BTreeMap<String, Type>,
    out: &mut Vec<u8>,
    path: &mut AttributePath,
) -> Result<(), ValueError> {
    if let Some(extra) = attributes.keys().find(|name| !types.contains_key(*name)) {
        let message = format!("unsupported attribute {extra:?}");
        return Err(ValueError::new(path.clone(), message));
    }
    let _ = e::write_map_len(out, types.len() as u32);
    for (name, ty) in types {
        let _ = e::write_str(out, name);
        path.push(PathStep::Attribute(name.clone()));
        encode(attributes.get(name).unwrap_or(&Value::Null), ty, out, path)?;
        path.pop();
    }
    Ok(())
}

/// Reads one value after another out of a msgpack buffer.
pub(super) struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub(super) fn new(bytes: &'a [u8]) -> Reader<'a> {
        Reader { bytes, pos: 0 }
    }

    pub(super) fn at_end(&self) -> bool {
        self.pos == self.bytes.len()
    }

    fn take(&mut self, count: usize, path: &AttributePath) -> Result<&'a [u8], ValueError> {
        let end = self
            .pos
            .checked_add(count)
            .filter(|end| *end <= self.bytes.len());
        let end = end.ok_or_else(|| ValueError::new(path.clone(), "truncated msgpack value"))?;
        let slice = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(slice)
    }

    fn uint(&mut self, width: usize, path: &AttributePath) -> Result<u64, ValueError> {
        Ok(self
            .take(width, path)?
            .iter()
            .fold(0u64, |acc, byte| (acc << 8) | u64::from(*byte)))
    }

    fn marker(&mut self, path: &AttributePath) -> Result<M, ValueError> {
        Ok(M::from_u8(self.take(1, path)?[0]))
    }

    /// Reads the length that follows a string, binary, array, map or
    /// extension marker.
    fn length(&mut self, marker: M, path: &AttributePath) -> Result<usize, ValueError> {
        Ok(match marker {
            M::FixStr(len) | M::FixArray(len) | M::FixMap(len) => usize::from(len),
            M::Str8 | M::Bin8 | M::Ext8 => self.uint(1, path)? as usize,
            M::Str16 | M::Bin16 | M::Array16 | M::Map16 | M::Ext16 => self.uint(2, path)? as usize,
            M::Str32 | M::Bin32 | M::Array32 | M::Map32 | M::Ext32 => self.uint(4, path)? as usize,
            M::FixExt1 => 1,
            M::FixExt2 => 2,
            M::FixExt4 => 4,
            M::FixExt8 => 8,
            M::FixExt16 => 16,
            other => {
                let message = format!("unexpected msgpack marker {other:?}");
                return Err(ValueError::new(path.clone(), message));
            }
        })
    }

    fn text(&mut self, marker: M, path: &AttributePath) -> Result<String, ValueError> {
        let len = self.length(marker, path)?;
        let raw = self.take(len, path)?;
        String::from_utf8(raw.to_vec())
            .map_err(|_| ValueError::new(path.clone(), "string is not valid UTF-8"))
    }

    /// Decodes the next value as `ty`: nulls and unknowns fit any type,
    /// everything else goes to the reader for its kind.
    pub(super) fn value(
        &mut self,
        ty: &Type,
        path: &mut AttributePath,
    ) -> Result<Value, ValueError> {
        let marker = self.marker(path)?;
        match marker {
            M::Null => return Ok(Value::Null),
            M::FixExt1
            | M::FixExt2
            | M::FixExt4
            | M::FixExt8
            | M::FixExt16
            | M::Ext8
            | M::Ext16
            | M::Ext32 => return self.unknown(marker, path),
            _ => {}
        }
        let read = match ty {
            Type::Dynamic => self.dynamic(marker, path)?,
            Type::String => is_str(marker)
                .then(|| self.text(marker, path).map(Value::String))
                .transpose()?,
            Type::Bool => match marker {
                M::True => Some(Value::Bool(true)),
                M::False => Some(Value::Bool(false)),
                _ => None,
            },
            Type::Number => self.number(marker, path)?.map(Value::Number),
            Type::List(element) | Type::Set(element) => self.sequence(marker, ty, element, path)?,
            Type::Tuple(elements) => self.tuple(marker, elements, path)?,
            Type::Map(element) => self.map(marker, element, path)?,
            Type::Object(attributes) => self.object(marker, attributes, path)?,
        };
        read.ok_or_else(|| {
            let message = format!("msgpack {marker:?} does not fit type {}", ty.to_json());
            ValueError::new(path.clone(), message)
        })
    }

    fn unknown(&mut self, marker: M, path: &AttributePath) -> Result<Value, ValueError> {
        let len = self.length(marker, path)?;
        let ext_type = self.take(1, path)?[0] as i8;
        let payload = self.take(len, path)?;
        match ext_type {
            UNKNOWN_EXT => Ok(Value::Unknown(None)),
            REFINED_UNKNOWN_EXT => Ok(Value::Unknown(Some(payload.to_vec()))),
            other => {
                let message = format!("unsupported msgpack extension {other}");
                Err(ValueError::new(path.clone(), message))
            }
        }
    }

    /// `[type JSON, value]`; `None` when the marker is not a pair.
    fn dynamic(
        &mut self,
        marker: M,
        path: &mut AttributePath,
    ) -> Result<Option<Value>, ValueError> {
        if !is_array(marker) || self.length(marker, path)? != 2 {
            return Ok(None);
        }
        let type_marker = self.marker(path)?;
        let type_len = self.length(type_marker, path)?;
        let type_json: serde_json::Value = serde_json::from_slice(self.take(type_len, path)?)
            .map_err(|err| ValueError::new(path.clone(), format!("dynamic value type: {err}")))?;
        let concrete =
            Type::from_json(&type_json).map_err(|err| ValueError::new(path.clone(), err))?;
        let inner = self.value(&concrete, path)?;
        Ok(Some(Value::Dynamic(concrete, Box::new(inner))))
    }

    fn number(&mut self, marker: M, path: &AttributePath) -> Result<Option<Number>, ValueError> {
        let text = match marker {
            M::FixPos(n) => n.to_string(),
            M::FixNeg(n) => n.to_string(),
            M::U8 => self.uint(1, path)?.to_string(),
            M::U16 => self.uint(2, path)?.to_string(),
            M::U32 => self.uint(4, path)?.to_string(),
            M::U64 => self.uint(8, path)?.to_string(),
            M::I8 => (self.uint(1, path)? as u8 as i8).to_string(),
            M::I16 => (self.uint(2, path)? as u16 as i16).to_string(),
            M::I32 => (self.uint(4, path)? as u32 as i32).to_string(),
            M::I64 => (self.uint(8, path)? as i64).to_string(),
            M::F32 => format_float(f64::from(f32::from_bits(self.uint(4, path)? as u32)), path)?,
            M::F64 => format_float(f64::from_bits(self.uint(8, path)?), path)?,
            marker if is_str(marker) => {
                let text = self.text(marker, path)?;
                return Number::parse(&text).map(Some).ok_or_else(|| {
                    ValueError::new(path.clone(), format!("{text:?} is not a number"))
                });
            }
            _ => return Ok(None),
        };
        Ok(Some(Number(text)))
    }

    fn sequence(
        &mut self,
        marker: M,
        ty: &Type,
        element: &Type,
        path: &mut AttributePath,
    ) -> Result<Option<Value>, ValueError> {
        if !is_array(marker) {
            return Ok(None);
        }
        let len = self.length(marker, path)?;
        // Every element takes at least a byte: a length beyond what is left
        // is a lie, and must not size an allocation.
        let mut items = Vec::with_capacity(len.min(self.bytes.len() - self.pos));
        for index in 0..len {
            path.push(PathStep::Index(index as i64));
            items.push(self.value(element, path)?);
            path.pop();
        }
        Ok(Some(if matches!(ty, Type::Set(_)) {
            Value::Set(items)
        } else {
            Value::List(items)
        }))
    }

    fn tuple(
        &mut self,
        marker: M,
        elements: &[Type],
        path: &mut AttributePath,
    ) -> Result<Option<Value>, ValueError> {
        if !is_array(marker) {
            return Ok(None);
        }
        let len = self.length(marker, path)?;
        if len != elements.len() {
            let message = format!("tuple needs {} elements, got {len}", elements.len());
            return Err(ValueError::new(path.clone(), message));
        }
        let mut items = Vec::with_capacity(len);
        for (index, element) in elements.iter().enumerate() {
            path.push(PathStep::Index(index as i64));
            items.push(self.value(element, path)?);
            path.pop();
        }
        Ok(Some(Value::Tuple(items)))
    }

    fn map(
        &mut self,
        marker: M,
        element: &Type,
        path: &mut AttributePath,
    ) -> Result<Option<Value>, ValueError> {
        let entries = self.entries(marker, path, |key| {
            Ok((element, PathStep::Key(key.to_owned())))
        })?;
        Ok(entries.map(Value::Map))
    }

    /// Attributes the bytes leave out are null; one the type lacks is an
    /// error.
    fn object(
        &mut self,
        marker: M,
        types: &BTreeMap<String, Type>,
        path: &mut AttributePath,
    ) -> Result<Option<Value>, ValueError> {
        let Some(mut entries) = self.entries(marker, path, |key| {
            let ty = types
                .get(key)
                .ok_or_else(|| format!("unsupported attribute {key:?}"))?;
            Ok((ty, PathStep::Attribute(key.to_owned())))
        })?
        else {
            return Ok(None);
        };
        for name in types.keys() {
            entries.entry(name.clone()).or_insert(Value::Null);
        }
        Ok(Some(Value::Object(entries)))
    }

    /// The key/value pairs of a msgpack map, each value decoded as the type
    /// `lookup` gives for its key.
    fn entries<'t>(
        &mut self,
        marker: M,
        path: &mut AttributePath,
        lookup: impl Fn(&str) -> Result<(&'t Type, PathStep), String>,
    ) -> Result<Option<BTreeMap<String, Value>>, ValueError> {
        if !matches!(marker, M::FixMap(_) | M::Map16 | M::Map32) {
            return Ok(None);
        }
        let len = self.length(marker, path)?;
        let mut entries = BTreeMap::new();
        for _ in 0..len {
            let key_marker = self.marker(path)?;
            let key = self.text(key_marker, path)?;
            let (ty, step) =
                lookup(&key).map_err(|message| ValueError::new(path.clone(), message))?;
            path.push(step);
            let entry = self.value(ty, path)?;
            path.pop();
            entries.insert(key, entry);
        }
        Ok(Some(entries))
    }
}

fn is_str(marker: M) -> bool {
    matches!(marker, M::FixStr(_) | M::Str8 | M::Str16 | M::Str32)
}

fn is_array(marker: M) -> bool {
    matches!(marker, M::FixArray(_) | M::Array16 | M::Array32)
}

fn format_float(float: f64, path: &AttributePath) -> Result<String, ValueError> {
    if !float.is_finite() {
        return Err(ValueError::new(
            path.clone(),
            "infinite numbers are not supported",
        ));
    }
    // Rust prints the shortest text that reads back as the same f64, and
    // whole numbers without a fraction, matching cty's canonical form.
    Ok(format!("{float}"))
}
