//! The objects around a service, each its own resource with a data source
//! and import: databases (`aiven_pg_database`, `aiven_mysql_database`,
//! `aiven_clickhouse_database`),
//! users (`aiven_pg_user`, `aiven_mysql_user`, `aiven_valkey_user`,
//! `aiven_opensearch_user`, `aiven_clickhouse_user`), OpenSearch access control lists
//! (`aiven_opensearch_acl_config`, `aiven_opensearch_acl_rule`),
//! connection pools (`aiven_connection_pool`), projects
//! (`aiven_project`) and their parents (`aiven_organization`, the
//! deprecated `aiven_account`), integrations (`aiven_service_integration`), VPCs
//! (`aiven_project_vpc`) and static IP addresses (`aiven_static_ip`).
//!
//! - [`database`], [`user`], [`pool`], [`project`], [`integration`],
//!   [`vpc`], [`static_ip`], [`opensearch_acl`], [`organization`],
//!   [`clickhouse_user`]: one
//!   resource family each;
//! - [`data_source`]: a data source from any of them, reading by its keys.
//!
//! Objects of a service are addressed as `project/service_name/<name>`,
//! which is also their import ID.

use tfplugin::diag::{AttributePath, Diagnostic, Diagnostics};
use tfplugin::resource::{Applied, Context};
use tfplugin::schema::{Attribute, Block, NestedBlock};
use tfplugin::value::{Type, Value};

use crate::client::{CallError, Client};

pub mod clickhouse_user;
pub mod data_source;
pub mod database;
pub mod integration;
pub mod opensearch_acl;
pub mod organization;
pub mod pool;
pub mod project;
pub mod static_ip;
pub mod user;
pub mod vpc;

pub const ID: &str = "id";
pub const TIMEOUTS: &str = "timeouts";
pub const PROJECT: &str = "project";
pub const SERVICE_NAME: &str = "service_name";

/// Where an object lives: its project, its service and its own name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectKey {
    pub project: String,
    pub service: String,
    pub name: String,
}

impl ObjectKey {
    /// The key of a state or configuration whose name attribute is `name`.
    pub fn of(value: &Value, name: &str) -> Option<ObjectKey> {
        Some(ObjectKey {
            project: value.get(PROJECT).as_str()?.to_owned(),
            service: value.get(SERVICE_NAME).as_str()?.to_owned(),
            name: value.get(name).as_str()?.to_owned(),
        })
    }

    /// Reads an import ID, `project/service_name/<name>`.
    pub fn parse(id: &str, what: &str) -> Result<ObjectKey, Diagnostic> {
        let parts: Vec<&str> = id.split('/').collect();
        match parts.as_slice() {
            [project, service, name] if parts.iter().all(|p| !p.is_empty()) => Ok(ObjectKey {
                project: (*project).to_owned(),
                service: (*service).to_owned(),
                name: (*name).to_owned(),
            }),
            _ => Err(Diagnostic::error(
                "Invalid import ID",
                format!(
                    "{id:?} is not an import ID for this resource; write project/service_name/{what}, e.g. my-project/my-pg/{what}."
                ),
            )),
        }
    }

    pub fn id(&self) -> String {
        format!("{}/{}/{}", self.project, self.service, self.name)
    }

    /// The lookup attributes as a value, for a read to complete.
    pub fn value(&self, name: &str) -> Value {
        Value::object([
            (ID, Value::string(self.id())),
            (PROJECT, Value::string(&self.project)),
            (SERVICE_NAME, Value::string(&self.service)),
            (name, Value::string(&self.name)),
        ])
    }
}

impl ObjectKey {
    /// State for the object: its key attributes and, from `known` (the plan
    /// or the state before), the `timeouts` the configuration wrote.
    pub fn state(&self, name: &str, known: &Value) -> Value {
        let mut state = self.value(name);
        state.set(TIMEOUTS, known.get(TIMEOUTS).known_or_null());
        state
    }
}

/// The `timeouts` block the official provider's resources have. Calls on
/// these objects are answered at once, so nothing waits on it; it is
/// accepted so that configurations written for that provider apply.
pub fn timeouts_block() -> NestedBlock {
    let limit = |name: &str| {
        Attribute::new(name, Type::String).optional().description(
            "Accepted for the official provider's configurations; these calls do not wait.",
        )
    };
    NestedBlock::single(
        TIMEOUTS,
        Block::new("Limits for waiting on the API.")
            .attribute(limit("create"))
            .attribute(limit("read"))
            .attribute(limit("update"))
            .attribute(limit("delete"))
            .attribute(limit("default").deprecated()),
    )
}

/// `id`, `project` and `service_name`, the attributes every object of a
/// service has; the name attribute follows.
pub fn key_attributes(name: &str, what: &str) -> Vec<Attribute> {
    vec![
        Attribute::new(ID, Type::String)
            .computed()
            .use_state_for_unknown()
            .description(format!("`project/service_name/{name}`, the import ID.")),
        Attribute::new(PROJECT, Type::String)
            .required()
            .requires_replace()
            .description(format!(
                "The project of the service {what}. Changing it forces a new one."
            )),
        Attribute::new(SERVICE_NAME, Type::String)
            .required()
            .requires_replace()
            .description(format!("The service {what}. Changing it forces a new one.")),
    ]
}

/// An error the API answered, at the attribute it concerns.
pub fn api_error(diags: &mut Diagnostics, attribute: &str, summary: &str, err: &CallError) {
    diags.push(
        Diagnostic::error(summary, format!("The Aiven API answered: {err}"))
            .at(AttributePath::attr(attribute)),
    );
}

/// A plan-time refusal to delete what the service keeps for itself.
pub fn kept_by_the_service(diags: &mut Diagnostics, attribute: &str, what: String) {
    diags.push(
        Diagnostic::error(
            "The service keeps this object",
            format!("{what}, so the API refuses to delete it. To stop managing it here, replace the resource block with a `removed` block whose lifecycle has destroy = false (or run terraform state rm); it goes when the service is deleted."),
        )
        .at(AttributePath::attr(attribute)),
    );
}

/// The client and the key of the object a change is about, or the failed
/// result to return: `failed_state` is what state keeps (null on create).
pub fn client_and_key<'c>(
    ctx: &'c Context<Client>,
    value: &Value,
    name: &str,
    action: &str,
    failed_state: &Value,
) -> Result<(&'c Client, ObjectKey), Applied> {
    let client = ctx
        .data()
        .map_err(|diag| Applied::failed(failed_state.clone(), diag))?;
    let key = ObjectKey::of(value, name).ok_or_else(|| {
        let detail = format!("project, service_name and {name} must be known.");
        Applied::failed(failed_state.clone(), Diagnostic::error(action, detail))
    })?;
    Ok((client, key))
}

/// Deletes the object of `prior` (`kind` is the API's path segment: `user`,
/// `db`, `connection_pool`); one already gone counts as deleted.
pub async fn delete(
    ctx: &Context<Client>,
    prior: &Value,
    name: &str,
    kind: &str,
    diags: &mut Diagnostics,
) {
    let (Ok(client), Some(key)) = (ctx.data(), ObjectKey::of(prior, name)) else {
        return;
    };
    let deleted = client
        .delete_object(&key.project, &key.service, kind, &key.name, &ctx.cancel)
        .await;
    if let Err(err) = deleted {
        api_error(diags, name, "Cannot delete it", &err);
    }
}

/// The identity of an object of a service (protocol 6.9): its project,
/// its service and its own name `name` (described by `what`), the parts
/// of its import ID.
pub fn object_identity(name: &'static str, what: &'static str) -> tfplugin::identity::Identity {
    tfplugin::identity::Identity::of(&[
        (PROJECT, "The project the service is in."),
        (SERVICE_NAME, "The service the object belongs to."),
        (name, what),
    ])
}

/// A string attribute's value, when it is known.
pub fn text(value: &Value, name: &str) -> Option<String> {
    value.get(name).as_str().map(str::to_owned)
}

/// The project and the API's ID (attribute `id_attribute`) of an object a
/// state names, when both are known.
pub fn project_and_id(value: &Value, id_attribute: &str) -> Option<(String, String)> {
    Some((text(value, PROJECT)?, text(value, id_attribute)?))
}

/// An object of a project named by the API's ID for it (an integration,
/// a VPC): its import ID is `project/<id>`, and the state that stands for
/// lets a read complete; `what` names it in the error.
pub fn import_by_api_id(
    id: &str,
    id_attribute: &str,
    what: &str,
    diags: &mut Diagnostics,
) -> Option<Value> {
    match id.split_once('/') {
        Some((project, own)) if !project.is_empty() && !own.is_empty() && !own.contains('/') => {
            Some(Value::object([
                (ID, Value::string(id)),
                (PROJECT, Value::string(project)),
                (id_attribute, Value::string(own)),
            ]))
        }
        _ => {
            diags.push(Diagnostic::error(
                "Invalid import ID",
                format!("{id:?} is not {what}'s import ID; write project/{id_attribute}."),
            ));
            None
        }
    }
}

/// The state an import ID stands for, for a read to complete.
pub fn import(id: &str, name: &str, diags: &mut Diagnostics) -> Option<Value> {
    let key = ObjectKey::parse(id, name).map_err(|d| diags.push(d)).ok()?;
    Some(key.value(name))
}

/// Sends a create until it is settled. The client sends a create once,
/// since the API may have acted on a request whose answer was lost or an
/// error; so after a failure `existing` looks for the object: found, it
/// is the result; not found and the failure was passing (no answer, 5xx),
/// the create is sent again, up to three times in all.
pub async fn create_settled<T, Sent, Found>(
    create: impl Fn() -> Sent,
    existing: impl Fn() -> Found,
) -> Result<T, CallError>
where
    Sent: Future<Output = Result<T, CallError>>,
    Found: Future<Output = Option<T>>,
{
    let mut attempt = 1;
    loop {
        let err = match create().await {
            Ok(created) => return Ok(created),
            Err(err) => err,
        };
        if let Some(found) = existing().await {
            return Ok(found);
        }
        let passing = matches!(err, CallError::Transport(_))
            || err.status().is_some_and(|status| status >= 500);
        if !passing || attempt == 3 {
            return Err(err);
        }
        attempt += 1;
        tokio::time::sleep(std::time::Duration::from_millis(200 * attempt)).await;
    }
}

/// The state an import ID of `attributes` joined by `/` stands for (each
/// part non-empty), for a read to complete.
pub fn import_parts(
    id: &str,
    attributes: &[&'static str],
    diags: &mut Diagnostics,
) -> Option<Value> {
    let parts: Vec<&str> = id.split('/').collect();
    if parts.len() != attributes.len() || parts.iter().any(|p| p.is_empty()) {
        diags.push(Diagnostic::error(
            "Invalid import ID",
            format!(
                "{id:?} is not an import ID for this resource; write {}.",
                attributes.join("/")
            ),
        ));
        return None;
    }
    let named = attributes
        .iter()
        .zip(parts)
        .map(|(a, p)| (*a, Value::string(p)));
    Some(Value::object(
        std::iter::once((ID, Value::string(id))).chain(named),
    ))
}
