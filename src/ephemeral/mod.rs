//! Ephemeral resources (protocol 6.7): a service's connection and a
//! service user's credentials, read for one run and handed to what needs
//! them (another provider's block, a write-only argument) with nothing
//! written to plan or state. Terraform 1.10 and OpenTofu 1.11 know them.
//!
//! Terraform opens an ephemeral resource as soon as its configuration is
//! known, at plan as at apply. Names written in the configuration are
//! known at plan even when the service or user is made in the same apply,
//! so each resource here also takes the object's `id` (the resource's
//! `id` attribute, unknown until it is made): then Terraform opens it at
//! apply, after the object exists. A missing object is an error, at plan
//! where the names are known then.

pub mod connection;
pub mod credentials;

use tfplugin::diag::{AttributePath, Diagnostic, Diagnostics};
use tfplugin::resource::Context;
use tfplugin::schema::{Attribute, Block};
use tfplugin::value::{Type, Value};

use crate::client::Client;
use crate::objects::{PROJECT, SERVICE_NAME};

const ID: &str = "id";

/// How an ephemeral resource names its object: `id`, or each of `parts`
/// (name, description) by name, in the order `id` joins them with `/`.
struct Key {
    parts: &'static [(&'static str, &'static str)],
    /// What `id` is, for its description: a resource's attribute.
    id_of: &'static str,
}

impl Key {
    fn attributes(&self) -> Vec<Attribute> {
        let names: Vec<&str> = self.parts.iter().map(|(name, _)| *name).collect();
        let id = Attribute::new(ID, Type::String).optional().description(format!(
            "The object's ID, `{}`, as {} has it: unknown until the object is made, so Terraform reads this at apply when the object is made in the same run. Set it or the names, not both.",
            names.join("/"),
            self.id_of
        ));
        let parts = self.parts.iter().map(|(name, what)| {
            Attribute::new(*name, Type::String)
                .optional()
                .computed()
                .description(format!("{what} Required unless `id` is set."))
        });
        std::iter::once(id).chain(parts).collect()
    }

    /// A block described by `description`, with the key's attributes.
    fn block(&self, description: &str) -> Block {
        self.attributes()
            .into_iter()
            .fold(Block::new(description), Block::attribute)
    }

    /// The API client and the names, for an open; `None` once the reason
    /// is among the diagnostics.
    fn open<'c>(
        &self,
        ctx: &'c Context<Client>,
        config: &Value,
        diags: &mut Diagnostics,
    ) -> Option<(&'c Client, Vec<String>)> {
        let client = ctx.data().map_err(|diag| diags.push(diag)).ok()?;
        Some((client, self.resolve(config, diags)?))
    }

    /// Plan-time check: `id` or every name, not both. Unknown values
    /// count as set.
    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        let id_set = !config.get(ID).is_null();
        for (name, _) in self.parts {
            let set = !config.get(name).is_null();
            if set == id_set {
                let detail = if set {
                    format!("Set either id or {}, not both.", self.names())
                } else {
                    format!("{name} is required unless id is set.")
                };
                diags.error_at(AttributePath::attr(name), "Name the object once", detail);
            }
        }
    }

    fn names(&self) -> String {
        let names: Vec<&str> = self.parts.iter().map(|(name, _)| *name).collect();
        names.join(", ")
    }

    /// The names, from `id` or the configuration; an error at `id` for
    /// one of another shape.
    fn resolve(&self, config: &Value, diags: &mut Diagnostics) -> Option<Vec<String>> {
        if let Some(id) = config.get(ID).as_str() {
            let parts: Vec<&str> = id.split('/').collect();
            if parts.len() != self.parts.len() || parts.iter().any(|p| p.is_empty()) {
                let shape: Vec<&str> = self.parts.iter().map(|(name, _)| *name).collect();
                diags.error_at(
                    AttributePath::attr(ID),
                    "Invalid ID",
                    format!("{id:?} is not of the form {}.", shape.join("/")),
                );
                return None;
            }
            return Some(parts.into_iter().map(str::to_owned).collect());
        }
        self.parts
            .iter()
            .map(|(name, _)| config.get(name).as_str().map(str::to_owned))
            .collect()
    }

    /// `config` with the names filled in, for the result.
    fn result(&self, config: &Value, names: &[String]) -> Value {
        let mut result = config.clone();
        for ((name, _), value) in self.parts.iter().zip(names) {
            result.set(name, Value::string(value));
        }
        result
    }
}

const SERVICE_PARTS: [(&str, &str); 2] = [
    (PROJECT, "The project the service is in."),
    (SERVICE_NAME, "The service's name."),
];

fn text(name: &str, description: &str) -> Attribute {
    Attribute::new(name, Type::String)
        .computed()
        .description(description)
}

fn string_or_null(value: Option<&str>) -> Value {
    value.map_or(Value::Null, Value::string)
}

/// The attribute an error about the part `name` belongs at: `id` when the
/// configuration named the object by it.
fn at<'a>(config: &Value, name: &'a str) -> &'a str {
    if config.get(ID).is_null() { name } else { ID }
}

/// An error at `attribute` for a secret the API withheld: a value passed
/// on empty would fail later, somewhere harder to trace.
fn withheld(diags: &mut Diagnostics, attribute: &str, what: &str) {
    diags.push(
        Diagnostic::error(
            "The API withheld a secret",
            format!(
                "The Aiven API did not show {what}. Tokens of project members without the \
                 right to see credentials (read_only) get it redacted; use a token that may."
            ),
        )
        .at(AttributePath::attr(attribute)),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: Key = Key {
        parts: &SERVICE_PARTS,
        id_of: "a service resource",
    };

    fn config(id: Value, project: Value, service: Value) -> Value {
        Value::object([(ID, id), (PROJECT, project), (SERVICE_NAME, service)])
    }

    #[test]
    fn an_object_is_named_by_id_or_by_every_name_never_both() {
        let named = |c: &Value| {
            let mut diags = Diagnostics::new();
            KEY.validate(c, &mut diags);
            diags.has_errors()
        };
        let s = Value::string;
        assert!(!named(&config(Value::Null, s("p"), s("db"))));
        assert!(!named(&config(Value::unknown(), Value::Null, Value::Null)));
        assert!(named(&config(s("p/db"), s("p"), Value::Null)), "both");
        assert!(
            named(&config(Value::Null, s("p"), Value::Null)),
            "a name missing"
        );
    }

    #[test]
    fn an_id_of_the_wrong_shape_is_refused_at_id() {
        let mut diags = Diagnostics::new();
        let c = config(Value::string("p/db/extra"), Value::Null, Value::Null);
        assert_eq!(KEY.resolve(&c, &mut diags), None);
        assert!(diags.has_errors());
        let c = config(Value::string("p/db"), Value::Null, Value::Null);
        let names = KEY.resolve(&c, &mut Diagnostics::new()).unwrap();
        assert_eq!(names, ["p", "db"]);
        assert_eq!(KEY.result(&c, &names).get(PROJECT).as_str(), Some("p"));
    }
}
