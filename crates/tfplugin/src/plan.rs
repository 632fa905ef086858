//! The planning rules every resource gets from its schema, applied before a
//! resource's own `modify_plan` sees the plan:
//!
//! - an unset attribute with a default plans as the default;
//! - an unset computed attribute plans as unknown on create, and on update
//!   when anything else changes, unless it keeps its state
//!   ([`Attribute::use_state_for_unknown`](crate::schema::Attribute));
//! - an unset attribute that keeps its state
//!   ([`Attribute::unset_keeps_state`](crate::schema::Attribute)) plans as
//!   null on create and as its prior value on update;
//! - write-only attributes are never planned or stored;
//! - a changed attribute asks for replacement as its
//!   [`Replacement`](crate::schema::Replacement) says.

use crate::diag::{AttributePath, PathStep};
use crate::schema::{AttributeKind, Block, ObjectNesting, Unset};
use crate::value::Value;

/// The outcome of planning from the schema alone.
#[derive(Debug, Clone, PartialEq)]
pub struct SchemaPlan {
    pub planned: Value,
    pub requires_replace: Vec<AttributePath>,
}

/// Plans a create (`prior` null) or an update of a resource of `block`.
pub fn plan_from_schema(
    block: &Block,
    prior: &Value,
    config: &Value,
    proposed: &Value,
) -> SchemaPlan {
    let creating = prior.is_null();
    let mut planned = proposed.clone();
    apply_defaults(block, config, &mut planned);
    if creating || planned != *prior {
        mark_unknown(block, config, &mut planned, creating);
    }
    let mut requires_replace = Vec::new();
    if !creating {
        collect_replacements(
            block,
            prior,
            &planned,
            &mut AttributePath::root(),
            &mut requires_replace,
        );
    }
    SchemaPlan {
        planned,
        requires_replace,
    }
}

/// Nulls every write-only attribute: such values reach the provider in the
/// configuration only and must never be planned or stored.
pub fn strip_write_only(block: &Block, value: &mut Value) {
    if value.is_null() || value.is_unknown() {
        return;
    }
    for attribute in &block.attributes {
        if attribute.write_only {
            value.set(&attribute.name, Value::Null);
        }
    }
    for nested in &block.blocks {
        if let Some(items) = value.get_mut(&nested.type_name) {
            for_each_object(items, |item| strip_write_only(&nested.block, item));
        }
    }
}

fn apply_defaults(block: &Block, config: &Value, planned: &mut Value) {
    if planned.is_null() || planned.is_unknown() {
        return;
    }
    for attribute in &block.attributes {
        if attribute.write_only {
            planned.set(&attribute.name, Value::Null);
            continue;
        }
        if let Some(default) = &attribute.default
            && config.get(&attribute.name).is_null()
        {
            planned.set(&attribute.name, default.clone());
        }
        if let AttributeKind::Nested {
            nesting: ObjectNesting::Single,
            attributes,
        } = &attribute.kind
        {
            let inner = Block {
                attributes: attributes.clone(),
                ..Block::default()
            };
            let inner_config = config.get(&attribute.name).clone();
            if let Some(value) = planned.get_mut(&attribute.name) {
                apply_defaults(&inner, &inner_config, value);
            }
        }
    }
    for nested in &block.blocks {
        let configs = config.get(&nested.type_name).elements().to_vec();
        if let Some(items) = planned.get_mut(&nested.type_name) {
            let mut index = 0;
            for_each_object(items, |item| {
                apply_defaults(
                    &nested.block,
                    configs.get(index).unwrap_or(&Value::Null),
                    item,
                );
                index += 1;
            });
        }
    }
}

fn mark_unknown(block: &Block, config: &Value, planned: &mut Value, creating: bool) {
    if planned.is_null() || planned.is_unknown() {
        return;
    }
    for attribute in &block.attributes {
        let unset = config.get(&attribute.name).is_null();
        if let Unset::KeepsState { on_create } = &attribute.unset {
            // Terraform proposes the prior value for an unset computed
            // attribute, which is the plan on update; a new resource has
            // none, and `on_create` is what the apply will store.
            if unset && creating {
                planned.set(&attribute.name, on_create.clone());
            }
            continue;
        }
        let keep_state = attribute.use_state_for_unknown && !creating;
        if attribute.computed && unset && attribute.default.is_none() && !keep_state {
            planned.set(&attribute.name, Value::unknown());
        }
    }
    for nested in &block.blocks {
        let configs = config.get(&nested.type_name).elements().to_vec();
        if let Some(items) = planned.get_mut(&nested.type_name) {
            let mut index = 0;
            for_each_object(items, |item| {
                mark_unknown(
                    &nested.block,
                    configs.get(index).unwrap_or(&Value::Null),
                    item,
                    creating,
                );
                index += 1;
            });
        }
    }
}

fn collect_replacements(
    block: &Block,
    prior: &Value,
    planned: &Value,
    path: &mut AttributePath,
    out: &mut Vec<AttributePath>,
) {
    for attribute in &block.attributes {
        if attribute
            .replace
            .on(prior.get(&attribute.name), planned.get(&attribute.name))
        {
            let mut attribute_path = path.clone();
            attribute_path.push(PathStep::Attribute(attribute.name.clone()));
            out.push(attribute_path);
        }
    }
    for nested in &block.blocks {
        let prior_items = prior.get(&nested.type_name).elements();
        let planned_items = planned.get(&nested.type_name).elements();
        let count = prior_items.len().max(planned_items.len());
        for index in 0..count {
            let prior_item = prior_items.get(index).unwrap_or(&Value::Null);
            let planned_item = planned_items.get(index).unwrap_or(&Value::Null);
            path.push(PathStep::Attribute(nested.type_name.clone()));
            path.push(PathStep::Index(index as i64));
            collect_replacements(&nested.block, prior_item, planned_item, path, out);
            path.pop();
            path.pop();
        }
    }
}

/// Visits each object of a nested block's value (a single object, or the
/// elements of a list or set).
fn for_each_object(value: &mut Value, mut visit: impl FnMut(&mut Value)) {
    match value {
        Value::List(items) | Value::Set(items) => items.iter_mut().for_each(visit),
        Value::Object(_) => visit(value),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Attribute, NestedBlock, ReplaceIf};
    use crate::value::Type;

    fn block() -> Block {
        Block::new("test")
            .attribute(
                Attribute::new("name", Type::String)
                    .required()
                    .requires_replace(),
            )
            .attribute(Attribute::new("size", Type::Number).optional())
            .attribute(
                Attribute::new("id", Type::String)
                    .computed()
                    .use_state_for_unknown(),
            )
            .attribute(Attribute::new("state", Type::String).computed())
            .attribute(Attribute::new("mode", Type::String).default(Value::string("fast")))
            .attribute(
                Attribute::new("secret", Type::String)
                    .optional()
                    .write_only(),
            )
            .block(NestedBlock::list_max_one(
                "cfg",
                Block::new("").attribute(
                    Attribute::new("fork", Type::String)
                        .optional()
                        .requires_replace_if(ReplaceIf::new("unless removed", |_, planned| {
                            !planned.is_null()
                        })),
                ),
            ))
    }

    fn object(name: &str, size: i64, cfg_fork: Option<&str>, computed: (&str, &str)) -> Value {
        Value::object([
            ("name", Value::string(name)),
            ("size", Value::number(size)),
            ("id", Value::string(computed.0)),
            ("state", Value::string(computed.1)),
            ("mode", Value::string("fast")),
            ("secret", Value::Null),
            (
                "cfg",
                Value::List(
                    cfg_fork
                        .map(|f| Value::object([("fork", Value::string(f))]))
                        .into_iter()
                        .collect(),
                ),
            ),
        ])
    }

    fn config(name: &str, size: i64, fork: Option<&str>) -> Value {
        Value::object([
            ("name", Value::string(name)),
            ("size", Value::number(size)),
            ("id", Value::Null),
            ("state", Value::Null),
            ("mode", Value::Null),
            ("secret", Value::string("s3cret")),
            (
                "cfg",
                Value::List(
                    fork.map(|f| Value::object([("fork", Value::string(f))]))
                        .into_iter()
                        .collect(),
                ),
            ),
        ])
    }

    #[test]
    fn create_plans_computed_as_unknown_defaults_as_default_and_drops_write_only() {
        let config = config("a", 1, None);
        let plan = plan_from_schema(&block(), &Value::Null, &config, &config);
        assert!(plan.planned.get("id").is_unknown());
        assert!(plan.planned.get("state").is_unknown());
        assert_eq!(plan.planned.get("mode"), &Value::string("fast"));
        assert_eq!(plan.planned.get("secret"), &Value::Null);
        assert!(plan.requires_replace.is_empty());
    }

    #[test]
    fn unchanged_update_plans_exactly_the_prior_state() {
        let prior = object("a", 1, Some("src"), ("id-1", "RUNNING"));
        let mut proposed = prior.clone();
        proposed.set("secret", Value::string("s3cret"));
        let plan = plan_from_schema(&block(), &prior, &config("a", 1, Some("src")), &proposed);
        assert_eq!(plan.planned, prior);
    }

    #[test]
    fn changed_update_keeps_stable_computed_values_and_unknowns_the_rest() {
        let prior = object("a", 1, None, ("id-1", "RUNNING"));
        let mut proposed = prior.clone();
        proposed.set("size", Value::number(2));
        let plan = plan_from_schema(&block(), &prior, &config("a", 2, None), &proposed);
        assert_eq!(plan.planned.get("id"), &Value::string("id-1"));
        assert!(plan.planned.get("state").is_unknown());
        assert!(plan.requires_replace.is_empty());
    }

    #[test]
    fn an_unset_attribute_that_keeps_state_plans_null_on_create_and_its_prior_value_after() {
        let block = Block::new("test")
            .attribute(Attribute::new("size", Type::Number).optional())
            .attribute(Attribute::new("version", Type::String).unset_keeps_state());
        let config = Value::object([("size", Value::number(1)), ("version", Value::Null)]);
        let created = plan_from_schema(&block, &Value::Null, &config, &config);
        assert_eq!(created.planned.get("version"), &Value::Null, "not unknown");

        let prior = Value::object([("size", Value::number(1)), ("version", Value::string("16"))]);
        // Terraform proposes the prior value of an unset computed attribute.
        let mut proposed = prior.clone();
        proposed.set("size", Value::number(2));
        let mut changed = config.clone();
        changed.set("size", Value::number(2));
        let updated = plan_from_schema(&block, &prior, &changed, &proposed);
        assert_eq!(updated.planned.get("version"), &Value::string("16"));
    }

    #[test]
    fn an_unset_attribute_created_as_a_value_plans_it_on_create_and_keeps_a_different_prior_value()
    {
        let block = Block::new("test")
            .attribute(Attribute::new("size", Type::Number).optional())
            .attribute(
                Attribute::new("locale", Type::String)
                    .requires_replace()
                    .unset_keeps_state_created_as(Value::string("en_US.UTF-8")),
            );
        let config = Value::object([("size", Value::number(1)), ("locale", Value::Null)]);
        let created = plan_from_schema(&block, &Value::Null, &config, &config);
        assert_eq!(created.planned.get("locale"), &Value::string("en_US.UTF-8"));

        // A resource made with another value is neither changed nor replaced.
        let prior = Value::object([("size", Value::number(1)), ("locale", Value::string("C"))]);
        let updated = plan_from_schema(&block, &prior, &config, &prior);
        assert_eq!(updated.planned.get("locale"), &Value::string("C"));
        assert!(updated.requires_replace.is_empty());
    }

    #[test]
    fn replacement_paths_reach_into_nested_blocks() {
        let prior = object("a", 1, Some("src"), ("id-1", "RUNNING"));
        let proposed = object("b", 1, Some("other"), ("id-1", "RUNNING"));
        let plan = plan_from_schema(&block(), &prior, &config("b", 1, Some("other")), &proposed);
        let paths: Vec<String> = plan
            .requires_replace
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(paths, vec!["name", "cfg[0].fork"]);
    }

    #[test]
    fn a_replace_if_rule_on_a_nested_attribute_decides_whether_its_change_replaces() {
        let prior = object("a", 1, Some("src"), ("id-1", "RUNNING"));
        let removed = object("a", 1, None, ("id-1", "RUNNING"));
        let plan = plan_from_schema(&block(), &prior, &config("a", 1, None), &removed);
        assert!(
            plan.requires_replace.is_empty(),
            "{:?}",
            plan.requires_replace
        );
        let changed = object("a", 1, Some("other"), ("id-1", "RUNNING"));
        let plan = plan_from_schema(&block(), &prior, &config("a", 1, Some("other")), &changed);
        assert_eq!(plan.requires_replace.len(), 1);
    }
}
