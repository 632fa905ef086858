//! Conversions between the wire's messages and this crate's model: values
//! in and out of `DynamicValue`, diagnostics and attribute paths, schemas.

use crate::diag::{AttributePath, Diagnostic, Diagnostics, PathStep, Severity};
use crate::proto::tfplugin6 as pb;
use crate::schema::{AttributeKind, Block, BlockNesting, ObjectNesting, Schema};
use crate::value::{Type, Value, ValueError};

pub(super) fn decode(
    value: Option<&pb::DynamicValue>,
    ty: &Type,
    what: &str,
) -> Result<Value, Diagnostics> {
    let Some(value) = value else {
        return Ok(Value::Null);
    };
    let decoded = if !value.msgpack.is_empty() {
        Value::from_msgpack(&value.msgpack, ty)
    } else if !value.json.is_empty() {
        serde_json::from_slice(&value.json)
            .map_err(|err| ValueError {
                path: AttributePath::root(),
                message: err.to_string(),
            })
            .and_then(|json| Value::from_json(&json, ty))
    } else {
        Ok(Value::Null)
    };
    decoded.map_err(|err| value_error(err, &format!("Invalid {what}")))
}

pub(super) fn encode(
    value: &Value,
    ty: &Type,
    what: &str,
) -> Result<pb::DynamicValue, Diagnostics> {
    let msgpack = value
        .to_msgpack(ty)
        .map_err(|err| value_error(err, &format!("Provider produced an invalid {what}")))?;
    Ok(pb::DynamicValue {
        msgpack,
        json: Vec::new(),
    })
}

pub(super) fn value_error(err: ValueError, summary: &str) -> Diagnostics {
    let path = (!err.path.is_root()).then(|| err.path.clone());
    Diagnostic {
        severity: Severity::Error,
        summary: summary.to_owned(),
        detail: err.to_string(),
        path,
    }
    .into()
}

pub(super) fn diagnostics_to_proto(diagnostics: Diagnostics) -> Vec<pb::Diagnostic> {
    diagnostics
        .into_vec()
        .into_iter()
        .map(|d| pb::Diagnostic {
            severity: match d.severity {
                Severity::Error => pb::diagnostic::Severity::Error as i32,
                Severity::Warning => pb::diagnostic::Severity::Warning as i32,
            },
            summary: d.summary,
            detail: d.detail,
            attribute: d.path.as_ref().map(path_to_proto),
        })
        .collect()
}

pub(super) fn path_to_proto(path: &AttributePath) -> pb::AttributePath {
    use pb::attribute_path::step::Selector;
    pb::AttributePath {
        steps: path
            .steps()
            .iter()
            .map(|step| pb::attribute_path::Step {
                selector: Some(match step {
                    PathStep::Attribute(name) => Selector::AttributeName(name.clone()),
                    PathStep::Index(index) => Selector::ElementKeyInt(*index),
                    PathStep::Key(key) => Selector::ElementKeyString(key.clone()),
                }),
            })
            .collect(),
    }
}

pub(super) fn schema_to_proto(schema: &Schema) -> pb::Schema {
    pb::Schema {
        version: schema.version,
        block: Some(block_to_proto(&schema.block, schema.version)),
    }
}

fn block_to_proto(block: &Block, version: i64) -> pb::schema::Block {
    use pb::schema::nested_block::NestingMode;
    pb::schema::Block {
        version,
        attributes: block.attributes.iter().map(attribute_to_proto).collect(),
        block_types: block
            .blocks
            .iter()
            .map(|nested| pb::schema::NestedBlock {
                type_name: nested.type_name.clone(),
                block: Some(block_to_proto(&nested.block, 0)),
                nesting: match nested.nesting {
                    BlockNesting::Single => NestingMode::Single,
                    BlockNesting::List => NestingMode::List,
                    BlockNesting::Set => NestingMode::Set,
                } as i32,
                min_items: nested.min_items,
                max_items: nested.max_items,
            })
            .collect(),
        description: block.description.clone(),
        description_kind: pb::StringKind::Markdown as i32,
        deprecated: block.deprecated,
    }
}

fn attribute_to_proto(attribute: &crate::schema::Attribute) -> pb::schema::Attribute {
    use pb::schema::object::NestingMode;
    let (ty, nested_type) = match &attribute.kind {
        AttributeKind::Plain(ty) => (ty.to_json().to_string().into_bytes(), None),
        AttributeKind::Nested {
            nesting,
            attributes,
        } => (
            Vec::new(),
            Some(pb::schema::Object {
                attributes: attributes.iter().map(attribute_to_proto).collect(),
                nesting: match nesting {
                    ObjectNesting::Single => NestingMode::Single,
                    ObjectNesting::List => NestingMode::List,
                    ObjectNesting::Set => NestingMode::Set,
                    ObjectNesting::Map => NestingMode::Map,
                } as i32,
                ..Default::default()
            }),
        ),
    };
    pb::schema::Attribute {
        name: attribute.name.clone(),
        r#type: ty,
        nested_type,
        description: attribute.description.clone(),
        required: attribute.required,
        optional: attribute.optional,
        computed: attribute.computed,
        sensitive: attribute.sensitive,
        description_kind: pb::StringKind::Markdown as i32,
        deprecated: attribute.deprecated,
        write_only: attribute.write_only,
    }
}

pub(super) fn capabilities() -> pb::ServerCapabilities {
    pb::ServerCapabilities {
        plan_destroy: true,
        get_provider_schema_optional: true,
        move_resource_state: false,
    }
}
