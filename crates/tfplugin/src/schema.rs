//! Schemas: what a provider, resource or data source accepts and returns,
//! with the plan behaviour of each attribute declared beside it.
//!
//! ```
//! use tfplugin::schema::{Attribute, Block};
//! use tfplugin::value::{Type, Value};
//!
//! let block = Block::new("A managed database.")
//!     .attribute(Attribute::new("name", Type::String).required().requires_replace())
//!     .attribute(Attribute::new("id", Type::String).computed().use_state_for_unknown());
//! let name = block.attribute_named("name").unwrap();
//! assert!(name.replace.on(&Value::string("a"), &Value::string("b")));
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use crate::value::{Type, Value};

/// A versioned schema. Bump `version` and add an upgrader when stored state
/// written by an older version would no longer decode.
#[derive(Clone, Debug)]
pub struct Schema {
    pub version: i64,
    pub block: Block,
}

impl Schema {
    pub fn new(block: Block) -> Schema {
        Schema { version: 0, block }
    }

    pub fn with_version(mut self, version: i64) -> Schema {
        self.version = version;
        self
    }
}

/// A configuration block: attributes and nested blocks.
#[derive(Clone, Debug, Default)]
pub struct Block {
    pub attributes: Vec<Attribute>,
    pub blocks: Vec<NestedBlock>,
    /// Markdown.
    pub description: String,
    pub deprecated: bool,
}

impl Block {
    pub fn new(description: impl Into<String>) -> Block {
        Block {
            description: description.into(),
            ..Block::default()
        }
    }

    pub fn attribute(mut self, attribute: Attribute) -> Block {
        self.attributes.push(attribute);
        self
    }

    pub fn attributes(mut self, attributes: impl IntoIterator<Item = Attribute>) -> Block {
        self.attributes.extend(attributes);
        self
    }

    pub fn block(mut self, block: NestedBlock) -> Block {
        self.blocks.push(block);
        self
    }

    pub fn attribute_named(&self, name: &str) -> Option<&Attribute> {
        self.attributes
            .iter()
            .find(|attribute| attribute.name == name)
    }

    pub fn block_named(&self, name: &str) -> Option<&NestedBlock> {
        self.blocks.iter().find(|block| block.type_name == name)
    }

    /// The object type of this block's values.
    pub fn value_type(&self) -> Type {
        let mut attributes: BTreeMap<String, Type> = self
            .attributes
            .iter()
            .map(|attribute| (attribute.name.clone(), attribute.value_type()))
            .collect();
        for block in &self.blocks {
            let inner = block.block.value_type();
            let ty = match block.nesting {
                BlockNesting::Single => inner,
                BlockNesting::List => Type::list(inner),
                BlockNesting::Set => Type::set(inner),
            };
            attributes.insert(block.type_name.clone(), ty);
        }
        Type::Object(attributes)
    }
}

/// How often a nested block may appear and how its values are collected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlockNesting {
    Single,
    List,
    Set,
}

#[derive(Clone, Debug)]
pub struct NestedBlock {
    pub type_name: String,
    pub block: Block,
    pub nesting: BlockNesting,
    pub min_items: i64,
    pub max_items: i64,
}

impl NestedBlock {
    /// A block written at most once, as `name { ... }`, stored as a list of
    /// zero or one element: the shape the official provider uses for
    /// `*_user_config`, so existing HCL keeps working.
    pub fn list_max_one(type_name: impl Into<String>, block: Block) -> NestedBlock {
        NestedBlock {
            type_name: type_name.into(),
            block,
            nesting: BlockNesting::List,
            min_items: 0,
            max_items: 1,
        }
    }

    pub fn list(type_name: impl Into<String>, block: Block) -> NestedBlock {
        NestedBlock {
            type_name: type_name.into(),
            block,
            nesting: BlockNesting::List,
            min_items: 0,
            max_items: 0,
        }
    }

    pub fn set(type_name: impl Into<String>, block: Block) -> NestedBlock {
        NestedBlock {
            type_name: type_name.into(),
            block,
            nesting: BlockNesting::Set,
            min_items: 0,
            max_items: 0,
        }
    }

    pub fn single(type_name: impl Into<String>, block: Block) -> NestedBlock {
        NestedBlock {
            type_name: type_name.into(),
            block,
            nesting: BlockNesting::Single,
            min_items: 0,
            max_items: 0,
        }
    }

    pub fn min_items(mut self, min: i64) -> NestedBlock {
        self.min_items = min;
        self
    }
}

/// What a change of an attribute's value means for the resource.
#[derive(Clone, Debug, Default)]
pub enum Replacement {
    /// Changed in place.
    #[default]
    Never,
    /// Any change replaces the resource.
    OnChange,
    /// A change replaces the resource when the rule holds for it.
    If(ReplaceIf),
}

impl Replacement {
    /// Whether going from `prior` to `planned` replaces the resource. An
    /// unchanged value never does.
    pub fn on(&self, prior: &Value, planned: &Value) -> bool {
        prior != planned
            && match self {
                Replacement::Never => false,
                Replacement::OnChange => true,
                Replacement::If(rule) => (rule.predicate)(prior, planned),
            }
    }
}

/// A condition under which a changed value replaces the resource, given the
/// attribute's prior and planned values. It sits on the attribute, so the
/// rule is declared and tested where the attribute is, without Terraform.
///
/// ```
/// use tfplugin::schema::{Replacement, ReplaceIf};
/// use tfplugin::value::Value;
///
/// let rule = ReplaceIf::new("removing the value keeps the resource", |_, planned| {
///     !planned.is_null()
/// });
/// let replace = Replacement::If(rule);
/// assert!(replace.on(&Value::string("a"), &Value::string("b")));
/// assert!(!replace.on(&Value::string("a"), &Value::Null));
/// ```
#[derive(Clone)]
pub struct ReplaceIf {
    /// When the rule holds, in words, for documentation and debugging.
    pub description: &'static str,
    predicate: Arc<Predicate>,
}

/// Called with the attribute's prior and planned values.
type Predicate = dyn Fn(&Value, &Value) -> bool + Send + Sync;

impl ReplaceIf {
    pub fn new(
        description: &'static str,
        predicate: impl Fn(&Value, &Value) -> bool + Send + Sync + 'static,
    ) -> ReplaceIf {
        ReplaceIf {
            description,
            predicate: Arc::new(predicate),
        }
    }
}

impl fmt::Debug for ReplaceIf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ReplaceIf({:?})", self.description)
    }
}

/// How the objects of a nested attribute are collected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ObjectNesting {
    Single,
    List,
    Set,
    Map,
}

/// An attribute's value type: a plain type, or nested attributes (which,
/// unlike a plain object type, keep per-field flags such as `sensitive`).
#[derive(Clone, Debug)]
pub enum AttributeKind {
    Plain(Type),
    Nested {
        nesting: ObjectNesting,
        attributes: Vec<Attribute>,
    },
}

#[derive(Clone, Debug)]
pub struct Attribute {
    pub name: String,
    pub kind: AttributeKind,
    /// Markdown.
    pub description: String,
    pub required: bool,
    pub optional: bool,
    pub computed: bool,
    pub sensitive: bool,
    pub write_only: bool,
    pub deprecated: bool,
    /// Whether a change to this attribute destroys and recreates the
    /// resource.
    pub replace: Replacement,
    /// While unconfigured, keep the value from state instead of planning it
    /// as unknown (for values that never change after create, such as ids).
    pub use_state_for_unknown: bool,
    /// What an attribute left out of the configuration plans as.
    pub unset: Unset,
    /// The value planned when the configuration leaves the attribute unset.
    pub default: Option<Value>,
}

/// What an attribute the configuration leaves out plans as, beyond its
/// [`Attribute::default`].
#[derive(Debug, Clone, PartialEq)]
pub enum Unset {
    /// As Terraform proposes: null, or unknown for a computed attribute.
    Planned,
    /// `on_create` when the resource is created, the prior value after: a
    /// value the remote side may set, which the configuration does not
    /// manage (see [`Attribute::unset_keeps_state`]).
    KeepsState { on_create: Value },
}

impl Attribute {
    /// A new attribute; call one of [`Attribute::required`],
    /// [`Attribute::optional`] or [`Attribute::computed`] next.
    pub fn new(name: impl Into<String>, ty: Type) -> Attribute {
        Attribute::of_kind(name, AttributeKind::Plain(ty))
    }

    /// An attribute holding nested attributes.
    pub fn nested(
        name: impl Into<String>,
        nesting: ObjectNesting,
        attributes: Vec<Attribute>,
    ) -> Attribute {
        Attribute::of_kind(
            name,
            AttributeKind::Nested {
                nesting,
                attributes,
            },
        )
    }

    fn of_kind(name: impl Into<String>, kind: AttributeKind) -> Attribute {
        Attribute {
            name: name.into(),
            kind,
            description: String::new(),
            required: false,
            optional: false,
            computed: false,
            sensitive: false,
            write_only: false,
            deprecated: false,
            replace: Replacement::Never,
            use_state_for_unknown: false,
            unset: Unset::Planned,
            default: None,
        }
    }

    pub fn required(mut self) -> Attribute {
        self.required = true;
        self
    }

    pub fn optional(mut self) -> Attribute {
        self.optional = true;
        self
    }

    pub fn computed(mut self) -> Attribute {
        self.computed = true;
        self
    }

    pub fn sensitive(mut self) -> Attribute {
        self.sensitive = true;
        self
    }

    pub fn write_only(mut self) -> Attribute {
        self.write_only = true;
        self
    }

    pub fn deprecated(mut self) -> Attribute {
        self.deprecated = true;
        self
    }

    /// Any change of the value replaces the resource.
    pub fn requires_replace(mut self) -> Attribute {
        self.replace = Replacement::OnChange;
        self
    }

    /// A change replaces the resource when `rule` says so.
    pub fn requires_replace_if(mut self, rule: ReplaceIf) -> Attribute {
        self.replace = Replacement::If(rule);
        self
    }

    pub fn use_state_for_unknown(mut self) -> Attribute {
        self.use_state_for_unknown = true;
        self
    }

    /// An optional attribute the remote side may also set. Left out of the
    /// configuration, it plans as null when the resource is created and
    /// keeps the value in state after that, refreshed from the remote
    /// side, so a value the configuration does not manage is never a diff.
    /// Writing a value manages it again. Makes the attribute computed, as
    /// Terraform requires of any value the provider may plan.
    pub fn unset_keeps_state(self) -> Attribute {
        self.unset_keeps_state_created_as(Value::Null)
    }

    /// [`Attribute::unset_keeps_state`], for a value the remote side gives
    /// a new resource: left out of the configuration, it plans as `value`
    /// on create (what the remote side reports), the prior value after.
    /// Unlike a default, a resource whose value differs (made elsewhere,
    /// or before the remote side had this default) is not changed.
    pub fn unset_keeps_state_created_as(mut self, value: Value) -> Attribute {
        self.optional = true;
        self.computed = true;
        self.unset = Unset::KeepsState { on_create: value };
        self
    }

    /// Sets the default, which makes the attribute optional and computed
    /// (Terraform requires that of any attribute the provider fills in).
    pub fn default(mut self, value: Value) -> Attribute {
        self.default = Some(value);
        self.optional = true;
        self.computed = true;
        self
    }

    pub fn description(mut self, text: impl Into<String>) -> Attribute {
        self.description = text.into();
        self
    }

    pub fn value_type(&self) -> Type {
        match &self.kind {
            AttributeKind::Plain(ty) => ty.clone(),
            AttributeKind::Nested {
                nesting,
                attributes,
            } => {
                let object = Type::Object(
                    attributes
                        .iter()
                        .map(|attribute| (attribute.name.clone(), attribute.value_type()))
                        .collect(),
                );
                match nesting {
                    ObjectNesting::Single => object,
                    ObjectNesting::List => Type::list(object),
                    ObjectNesting::Set => Type::set(object),
                    ObjectNesting::Map => Type::map(object),
                }
            }
        }
    }
}
