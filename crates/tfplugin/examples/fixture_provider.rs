//! A provider that exists only to test the plugin layer with the real
//! Terraform: one resource exercising every schema feature, stored as JSON
//! files in a directory so state survives between plugin processes.
//! `cargo test` builds it; nothing ships it.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use tfplugin::async_trait;
use tfplugin::diag::{AttributePath, Diagnostic, Diagnostics};
use tfplugin::identity::Identity;
use tfplugin::resource::{
    Applied, Change, Context, DataSource, EphemeralResource, Plan, Provider, Resource,
};
use tfplugin::schema::{Attribute, Block, NestedBlock, ObjectNesting, Schema};
use tfplugin::value::{Type, Value};

struct Fixture;

struct Store {
    dir: PathBuf,
}

impl Store {
    fn path(&self, id: &str) -> PathBuf {
        self.dir.join(format!("{id}.json"))
    }

    fn load(&self, id: &str) -> Option<serde_json::Value> {
        let text = std::fs::read_to_string(self.path(id)).ok()?;
        serde_json::from_str(&text).ok()
    }

    fn save(&self, id: &str, state: &Value) -> Result<(), Diagnostic> {
        let json = state
            .to_json()
            .map_err(|err| Diagnostic::error("Cannot store object", err.to_string()))?;
        std::fs::write(self.path(id), json.to_string())
            .map_err(|err| Diagnostic::error("Cannot store object", err.to_string()))
    }
}

#[async_trait]
impl Provider for Fixture {
    type Data = Store;

    fn schema(&self) -> Schema {
        Schema::new(
            Block::new("Fixture provider.")
                .attribute(Attribute::new("store_dir", Type::String).required()),
        )
    }

    async fn configure(
        &self,
        config: &Value,
        _terraform_version: &str,
        diags: &mut Diagnostics,
    ) -> Option<Store> {
        let Some(dir) = config.get("store_dir").as_str() else {
            diags.error_at(
                AttributePath::attr("store_dir"),
                "Missing store_dir",
                "Set store_dir.",
            );
            return None;
        };
        Some(Store {
            dir: PathBuf::from(dir),
        })
    }

    fn resources(&self) -> Vec<Arc<dyn Resource<Store>>> {
        vec![Arc::new(Thing)]
    }

    fn data_sources(&self) -> Vec<Arc<dyn DataSource<Store>>> {
        vec![Arc::new(Lookup)]
    }

    fn ephemeral_resources(&self) -> Vec<Arc<dyn EphemeralResource<Store>>> {
        vec![Arc::new(Secret)]
    }
}

struct Thing;

fn thing_block() -> Block {
    Block::new("A stored thing.")
        .attribute(
            Attribute::new("name", Type::String)
                .required()
                .requires_replace(),
        )
        .attribute(
            Attribute::new("size", Type::Number)
                .optional()
                .description("0 to 10."),
        )
        .attribute(
            Attribute::new("id", Type::String)
                .computed()
                .use_state_for_unknown(),
        )
        .attribute(Attribute::new("revision", Type::Number).computed())
        .attribute(Attribute::new("labels", Type::map(Type::String)).optional())
        .attribute(Attribute::new("payload", Type::Dynamic).optional())
        .attribute(
            Attribute::new("secret", Type::String)
                .optional()
                .sensitive(),
        )
        .attribute(
            Attribute::new("token", Type::String)
                .optional()
                .write_only(),
        )
        .attribute(Attribute::new("delay_ms", Type::Number).optional())
        .attribute(Attribute::new("panic", Type::Bool).optional())
        .attribute(
            Attribute::nested(
                "limits",
                ObjectNesting::Single,
                vec![
                    Attribute::new("cpu", Type::Number).required(),
                    Attribute::new("note", Type::String).optional().sensitive(),
                ],
            )
            .optional(),
        )
        .block(NestedBlock::list_max_one(
            "settings",
            Block::new("Settings.")
                .attribute(Attribute::new("mode", Type::String).default(Value::string("fast")))
                .attribute(
                    Attribute::new("origin", Type::String)
                        .optional()
                        .requires_replace(),
                ),
        ))
}

#[async_trait]
impl Resource<Store> for Thing {
    fn type_name(&self) -> &'static str {
        "fixture_thing"
    }

    fn schema(&self) -> Schema {
        Schema::new(thing_block()).with_version(1)
    }

    async fn validate(&self, _ctx: &Context<Store>, config: &Value, diags: &mut Diagnostics) {
        if let Some(size) = config.get("size").as_i64()
            && !(0..=10).contains(&size)
        {
            diags.error_at(
                AttributePath::attr("size"),
                "Invalid size",
                format!("size must be between 0 and 10, got {size}."),
            );
        }
    }

    async fn modify_plan(&self, _ctx: &Context<Store>, plan: &mut Plan, diags: &mut Diagnostics) {
        if plan.is_destroy() && plan.prior.get("labels").get("protected").as_str() == Some("true") {
            diags.push(Diagnostic::error(
                "Protected",
                "This thing is protected and cannot be destroyed.",
            ));
        }
    }

    async fn create(&self, ctx: &Context<Store>, change: &Change) -> Applied {
        if change.planned.get("panic").as_bool() == Some(true) {
            panic!("asked to panic");
        }
        if let Some(delay) = change.planned.get("delay_ms").as_i64() {
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_millis(delay as u64)) => {}
                _ = ctx.cancel.cancelled() => {
                    return Applied::failed(Value::Null, Diagnostic::error("Cancelled", "Create was cancelled by Terraform."));
                }
            }
        }
        let store = match ctx.data() {
            Ok(store) => store,
            Err(diag) => return Applied::failed(Value::Null, diag),
        };
        let mut state = change.planned.clone();
        let id = format!(
            "thing-{}",
            change.planned.get("name").as_str().unwrap_or_default()
        );
        state.set("id", Value::string(&id));
        state.set("revision", Value::number(1));
        // What a write-only token delivered, kept where the tests can see
        // it and state cannot.
        if let Some(token) = change.config.get("token").as_str()
            && let Err(err) = std::fs::write(store.dir.join(format!("{id}.token")), token)
        {
            return Applied::failed(
                Value::Null,
                Diagnostic::error("Cannot store token", err.to_string()),
            );
        }
        match store.save(&id, &state) {
            Ok(()) => Applied::ok(state),
            Err(diag) => Applied::failed(Value::Null, diag),
        }
    }

    async fn read(
        &self,
        ctx: &Context<Store>,
        state: &Value,
        diags: &mut Diagnostics,
    ) -> Option<Value> {
        let store = ctx.data().map_err(|d| diags.push(d)).ok()?;
        let json = store.load(state.get("id").as_str()?)?;
        Value::from_json(&json, &thing_block().value_type())
            .map_err(|err| diags.push(Diagnostic::error("Corrupt object", err.to_string())))
            .ok()
    }

    async fn update(&self, ctx: &Context<Store>, change: &Change) -> Applied {
        let store = match ctx.data() {
            Ok(store) => store,
            Err(diag) => return Applied::failed(change.prior.clone(), diag),
        };
        let mut state = change.planned.clone();
        let revision = change.prior.get("revision").as_i64().unwrap_or(0) + 1;
        state.set("revision", Value::number(revision));
        match store.save(state.get("id").as_str().unwrap_or_default(), &state) {
            Ok(()) => Applied::ok(state),
            Err(diag) => Applied::failed(change.prior.clone(), diag),
        }
    }

    async fn delete(&self, ctx: &Context<Store>, prior: &Value, diags: &mut Diagnostics) {
        if let (Ok(store), Some(id)) = (ctx.data(), prior.get("id").as_str()) {
            let _ = std::fs::remove_file(store.path(id));
        } else {
            diags.push(Diagnostic::error("Cannot delete", "No store or id."));
        }
    }

    /// A thing is named by its stored id.
    fn identity(&self) -> Option<Identity> {
        Some(Identity::of(&[("id", "The thing's stored id.")]))
    }

    async fn import(
        &self,
        _ctx: &Context<Store>,
        id: &str,
        _diags: &mut Diagnostics,
    ) -> Option<Value> {
        Some(Value::object([("id", Value::string(id))]))
    }

    /// Version 0 called `size` `capacity`.
    fn upgrade_state(
        &self,
        version: i64,
        mut state: serde_json::Value,
    ) -> Result<serde_json::Value, Diagnostic> {
        if version == 0
            && let Some(object) = state.as_object_mut()
        {
            if let Some(capacity) = object.remove("capacity") {
                object.insert("size".into(), capacity);
            }
            return Ok(state);
        }
        Err(Diagnostic::error(
            "Unknown version",
            format!("version {version}"),
        ))
    }
}

struct Lookup;

#[async_trait]
impl DataSource<Store> for Lookup {
    fn type_name(&self) -> &'static str {
        "fixture_lookup"
    }

    fn schema(&self) -> Schema {
        Schema::new(
            Block::new("Looks up a thing.")
                .attribute(Attribute::new("id", Type::String).required())
                .attribute(Attribute::new("size", Type::Number).computed()),
        )
    }

    async fn read(&self, ctx: &Context<Store>, config: &Value, diags: &mut Diagnostics) -> Value {
        let id = config.get("id").as_str().unwrap_or_default().to_owned();
        let found = ctx.data().ok().and_then(|store| store.load(&id));
        match found {
            Some(json) => {
                let mut result = config.clone();
                result.set(
                    "size",
                    Value::from_json(&json["size"], &Type::Number).unwrap_or(Value::Null),
                );
                result
            }
            None => {
                diags.error_at(
                    AttributePath::attr("id"),
                    "Not found",
                    format!("No thing with id {id:?}."),
                );
                Value::Null
            }
        }
    }
}

/// A secret kept in the store directory as `<name>.secret`, read for one
/// run and never stored.
struct Secret;

#[async_trait]
impl EphemeralResource<Store> for Secret {
    fn type_name(&self) -> &'static str {
        "fixture_secret"
    }

    fn schema(&self) -> Schema {
        Schema::new(
            Block::new("Reads a stored secret.")
                .attribute(Attribute::new("name", Type::String).required())
                .attribute(Attribute::new("value", Type::String).computed().sensitive()),
        )
    }

    async fn validate(&self, _ctx: &Context<Store>, config: &Value, diags: &mut Diagnostics) {
        if config.get("name").as_str() == Some("") {
            diags.error_at(AttributePath::attr("name"), "Empty name", "Name a secret.");
        }
    }

    async fn open(&self, ctx: &Context<Store>, config: &Value, diags: &mut Diagnostics) -> Value {
        let name = config.get("name").as_str().unwrap_or_default();
        let store = match ctx.data() {
            Ok(store) => store,
            Err(diag) => {
                diags.push(diag);
                return Value::Null;
            }
        };
        match std::fs::read_to_string(store.dir.join(format!("{name}.secret"))) {
            Ok(secret) => {
                let mut result = config.clone();
                result.set("value", Value::string(secret.trim()));
                result
            }
            Err(_) => {
                diags.error_at(
                    AttributePath::attr("name"),
                    "No such secret",
                    format!("No secret named {name:?}."),
                );
                Value::Null
            }
        }
    }
}

fn main() -> ExitCode {
    tfplugin::host::serve(
        Fixture,
        "registry.terraform.io/aiven-rs/fixture",
        "fixture_provider",
    )
}
