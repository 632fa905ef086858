//! Resource identity (plugin protocol 6.9; Terraform 1.12, OpenTofu 1.12):
//! the few attributes that name one object of a resource type for good,
//! kept by the client beside the state and used to import an object
//! without an ID string (`import { identity = { ... } }`).
//!
//! Here an identity is always made of string attributes of the state
//! itself, in the order the resource's import ID joins them with `/`: the
//! identity of a state is read off it, and an import by identity is the
//! import of the ID those values make. A resource declares its identity
//! once ([`crate::resource::Resource::identity`]); the server does the rest.

use std::fmt;

use crate::value::{Type, Value};

/// The identity of a resource type: its version (bumped whenever the
/// attributes change) and its attributes, in import-ID order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub version: i64,
    pub attributes: Vec<IdentityAttribute>,
}

/// One string attribute of an identity, named as in the state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityAttribute {
    pub name: &'static str,
    pub description: &'static str,
}

/// Why an identity given for import makes no import ID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdentityError {
    /// An attribute is null, unknown or empty: every one is needed.
    Missing { attribute: &'static str },
    /// A value holds `/`, which would split it in the import ID.
    Slash { attribute: &'static str },
}

impl fmt::Display for IdentityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IdentityError::Missing { attribute } => write!(
                f,
                "identity attribute {attribute:?} is required to import: give it a value"
            ),
            IdentityError::Slash { attribute } => write!(
                f,
                "identity attribute {attribute:?} holds a \"/\", which no name of this type can"
            ),
        }
    }
}

impl std::error::Error for IdentityError {}

impl Identity {
    /// An identity of these attributes, each with its description.
    pub fn of(attributes: &[(&'static str, &'static str)]) -> Identity {
        Identity {
            version: 0,
            attributes: attributes
                .iter()
                .map(|&(name, description)| IdentityAttribute { name, description })
                .collect(),
        }
    }

    /// The object type identity data is encoded with.
    pub fn value_type(&self) -> Type {
        Type::object(self.attributes.iter().map(|a| (a.name, Type::String)))
    }

    /// The identity of `state`: its identity attributes, or `None` when
    /// the state is gone or one of them is not a known string yet (a
    /// create whose name is computed).
    pub fn of_state(&self, state: &Value) -> Option<Value> {
        if state.is_null() {
            return None;
        }
        let values: Option<Vec<(&str, Value)>> = self
            .attributes
            .iter()
            .map(|a| {
                let text = state.get(a.name).as_str()?;
                Some((a.name, Value::String(text.to_owned())))
            })
            .collect();
        values.map(Value::object)
    }

    /// The import ID `identity` stands for: its values joined with `/`.
    pub fn import_id(&self, identity: &Value) -> Result<String, IdentityError> {
        let mut parts = Vec::with_capacity(self.attributes.len());
        for attribute in &self.attributes {
            let missing = IdentityError::Missing {
                attribute: attribute.name,
            };
            let text = identity
                .get(attribute.name)
                .as_str()
                .ok_or(missing.clone())?;
            if text.is_empty() {
                return Err(missing);
            }
            if text.contains('/') {
                return Err(IdentityError::Slash {
                    attribute: attribute.name,
                });
            }
            parts.push(text);
        }
        Ok(parts.join("/"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service() -> Identity {
        Identity::of(&[
            ("project", "The project."),
            ("service_name", "The service."),
        ])
    }

    #[test]
    fn a_states_identity_is_its_identity_attributes_and_nothing_else() {
        let state = Value::object([
            ("project", Value::String("acme".into())),
            ("service_name", Value::String("db".into())),
            ("plan", Value::String("startup-4".into())),
        ]);
        let identity = service().of_state(&state).unwrap();
        assert_eq!(
            identity,
            Value::object([
                ("project", Value::String("acme".into())),
                ("service_name", Value::String("db".into())),
            ])
        );
        assert_eq!(service().import_id(&identity).unwrap(), "acme/db");
    }

    #[test]
    fn a_state_gone_or_not_yet_known_has_no_identity() {
        assert_eq!(service().of_state(&Value::Null), None);
        let unknown = Value::object([
            ("project", Value::String("acme".into())),
            ("service_name", Value::Unknown(None)),
        ]);
        assert_eq!(service().of_state(&unknown), None);
    }

    #[test]
    fn an_import_by_identity_needs_every_attribute_and_no_slash() {
        let partial = Value::object([
            ("project", Value::String("acme".into())),
            ("service_name", Value::Null),
        ]);
        assert_eq!(
            service().import_id(&partial),
            Err(IdentityError::Missing {
                attribute: "service_name"
            })
        );
        let slashed = Value::object([
            ("project", Value::String("acme/x".into())),
            ("service_name", Value::String("db".into())),
        ]);
        let err = service().import_id(&slashed).unwrap_err();
        assert!(err.to_string().contains("\"project\""), "{err}");
    }
}
