//! `aiven_connection_pool`: a PgBouncer pool of a pg service. aiven-local
//! records pools and reports each one's URI; serving them through
//! pgbouncer is the engines' work.

use aiven_api::names;
use aiven_api::types::{ConnectionPool, CreatePool, UpdatePool};
use tfplugin::diag::{AttributePath, Diagnostic, Diagnostics};
use tfplugin::resource::{Applied, Change, Context, Resource};
use tfplugin::schema::{Attribute, Block, Schema};
use tfplugin::value::{Type, Value};

use super::{ObjectKey, api_error, key_attributes, text};
use crate::client::Client;

pub const POOL_NAME: &str = "pool_name";
const DATABASE_NAME: &str = "database_name";
const POOL_MODE: &str = "pool_mode";
const POOL_SIZE: &str = "pool_size";
const USERNAME: &str = "username";
const CONNECTION_URI: &str = "connection_uri";

const MODES: [&str; 3] = ["session", "statement", "transaction"];

pub struct PoolResource;

fn state(key: &ObjectKey, pool: &ConnectionPool, known: &Value) -> Value {
    let mut state = key.state(POOL_NAME, known);
    state.set(DATABASE_NAME, Value::string(&pool.database));
    state.set(POOL_MODE, Value::string(&pool.pool_mode));
    state.set(POOL_SIZE, Value::number(pool.pool_size));
    state.set(USERNAME, Value::opt_string(pool.username.clone()));
    state.set(CONNECTION_URI, Value::string(&pool.connection_uri));
    state
}

/// What a service's reply says of a pool.
enum Listed {
    Found(ConnectionPool),
    /// The service, or the pool in its list, is gone.
    Gone,
    /// The reply leaves `connection_pools` out, as the contract allows.
    /// The hosted API leaves empty lists out, so after a refresh this is
    /// read as no pools; right after a create, as the pool just made.
    Unlisted,
}

/// The pool as its service lists it.
async fn find(
    client: &Client,
    key: &ObjectKey,
    ctx: &Context<Client>,
) -> Result<Listed, crate::client::CallError> {
    let service = match client
        .get_service(&key.project, &key.service, &ctx.cancel)
        .await
    {
        Ok(service) => service,
        Err(err) if err.is_not_found() => return Ok(Listed::Gone),
        Err(err) => return Err(err),
    };
    let Some(pools) = service.connection_pools else {
        return Ok(Listed::Unlisted);
    };
    Ok(pools
        .into_iter()
        .find(|p| p.pool_name == key.name)
        .map_or(Listed::Gone, Listed::Found))
}

/// The planned pool as state, for a reply that does not list pools: the
/// URI is what state had (none for a new pool).
fn as_planned(planned: &Value, prior: &Value) -> Value {
    let mut state = planned.clone();
    state.set(CONNECTION_URI, prior.get(CONNECTION_URI).known_or_null());
    state
}

#[tfplugin::async_trait]
impl Resource<Client> for PoolResource {
    fn type_name(&self) -> &'static str {
        "aiven_connection_pool"
    }

    fn schema(&self) -> Schema {
        Schema::new(
            Block::new("A PgBouncer connection pool of a PostgreSQL service. Forks copy pools.")
                .attributes(key_attributes(POOL_NAME, "the pool serves"))
                .attribute(Attribute::new(POOL_NAME, Type::String).required().requires_replace().description("The pool's name, which clients use as the database name. Changing it forces a new pool."))
                .attribute(Attribute::new(DATABASE_NAME, Type::String).required().requires_replace().description("The database the pool connects to. Changing it forces a new pool, as in the official provider."))
                .attribute(Attribute::new(POOL_MODE, Type::String).default(Value::string("transaction")).description("When a server connection returns to the pool: `session`, `transaction` (the default) or `statement`."))
                .attribute(Attribute::new(POOL_SIZE, Type::Number).default(Value::number(10)).description("Server connections in the pool, 1 to 10000 (default 10)."))
                .attribute(Attribute::new(USERNAME, Type::String).optional().description("The user the pool connects as; unset, each client connects as itself."))
                .attribute(Attribute::new(CONNECTION_URI, Type::String).computed().sensitive().use_state_for_unknown().description("The URI to connect through the pool. The API builds it with the pool user's password (the service's primary user's when the pool names none), so it is in state even when that password was written with `password_wo`: keep state where secrets may be, or build the URI from the pool's host, port and name and the password you hold."))
                .block(super::timeouts_block()),
        )
    }

    async fn validate(&self, _ctx: &Context<Client>, config: &Value, diags: &mut Diagnostics) {
        if let Some(name) = config.get(POOL_NAME).as_str()
            && let Err(message) = names::check_identifier(POOL_NAME, name)
        {
            diags.error_at(AttributePath::attr(POOL_NAME), "Invalid pool name", message);
        }
        if let Some(mode) = config.get(POOL_MODE).as_str()
            && !MODES.contains(&mode)
        {
            diags.error_at(
                AttributePath::attr(POOL_MODE),
                "Invalid pool mode",
                format!("pool_mode {mode:?} is not one of {}.", MODES.join(", ")),
            );
        }
        if let Some(size) = config.get(POOL_SIZE).as_i64()
            && !(1..=10000).contains(&size)
        {
            diags.error_at(
                AttributePath::attr(POOL_SIZE),
                "Invalid pool size",
                format!("pool_size {size} is out of range; allowed 1 to 10000."),
            );
        }
    }

    async fn create(&self, ctx: &Context<Client>, change: &Change) -> Applied {
        let (client, key) = match super::client_and_key(
            ctx,
            &change.planned,
            POOL_NAME,
            "Cannot create the pool",
            &Value::Null,
        ) {
            Ok(found) => found,
            Err(failed) => return failed,
        };
        let planned = &change.planned;
        let request = CreatePool {
            pool_name: key.name.clone(),
            database: text(planned, DATABASE_NAME).unwrap_or_default(),
            username: text(planned, USERNAME),
            pool_mode: text(planned, POOL_MODE).unwrap_or_else(|| "transaction".into()),
            pool_size: planned.get(POOL_SIZE).as_i64().unwrap_or(10),
        };
        let mut diags = Diagnostics::new();
        let sent = super::create_settled(
            || client.create_pool(&key.project, &key.service, &request, &ctx.cancel),
            || async {
                match find(client, &key, ctx).await {
                    Ok(Listed::Found(_)) => Some(()),
                    _ => None,
                }
            },
        );
        let sent = sent.await;
        match (sent, find(client, &key, ctx).await) {
            (_, Ok(Listed::Found(pool))) => Applied::ok(state(&key, &pool, planned)),
            (Ok(()), Ok(Listed::Unlisted)) => Applied::ok(as_planned(planned, &Value::Null)),
            (Err(err), _) | (Ok(()), Err(err)) => {
                api_error(&mut diags, POOL_NAME, "Cannot create the pool", &err);
                Applied::failed(Value::Null, diags)
            }
            (Ok(()), Ok(Listed::Gone)) => Applied::failed(
                Value::Null,
                Diagnostic::error(
                    "Cannot create the pool",
                    "The API accepted the pool but its service's list of pools does not have it.",
                ),
            ),
        }
    }

    async fn read(
        &self,
        ctx: &Context<Client>,
        prior: &Value,
        diags: &mut Diagnostics,
    ) -> Option<Value> {
        let client = ctx.data().map_err(|d| diags.push(d)).ok()?;
        let key = ObjectKey::of(prior, POOL_NAME)?;
        match find(client, &key, ctx).await {
            Ok(Listed::Found(pool)) => Some(state(&key, &pool, prior)),
            Ok(Listed::Gone | Listed::Unlisted) => None,
            Err(err) => {
                api_error(diags, POOL_NAME, "Cannot read the pool", &err);
                None
            }
        }
    }

    async fn update(&self, ctx: &Context<Client>, change: &Change) -> Applied {
        let (client, key) = match super::client_and_key(
            ctx,
            &change.planned,
            POOL_NAME,
            "Cannot update the pool",
            &change.prior,
        ) {
            Ok(found) => found,
            Err(failed) => return failed,
        };
        let planned = &change.planned;
        let request = UpdatePool {
            database: text(planned, DATABASE_NAME),
            pool_mode: text(planned, POOL_MODE),
            pool_size: planned.get(POOL_SIZE).as_i64(),
            username: text(planned, USERNAME),
        };
        let mut diags = Diagnostics::new();
        let sent = client
            .update_pool(&key.project, &key.service, &key.name, &request, &ctx.cancel)
            .await;
        match (sent, find(client, &key, ctx).await) {
            (Ok(()), Ok(Listed::Found(pool))) => Applied::ok(state(&key, &pool, planned)),
            (Ok(()), Ok(Listed::Unlisted)) => Applied::ok(as_planned(planned, &change.prior)),
            (Err(err), _) | (_, Err(err)) => {
                api_error(&mut diags, POOL_NAME, "Cannot update the pool", &err);
                Applied::failed(change.prior.clone(), diags)
            }
            (Ok(()), Ok(Listed::Gone)) => Applied::failed(
                Value::Null,
                Diagnostic::error("Cannot update the pool", "The pool is gone."),
            ),
        }
    }

    async fn delete(&self, ctx: &Context<Client>, prior: &Value, diags: &mut Diagnostics) {
        super::delete(ctx, prior, POOL_NAME, "connection_pool", diags).await;
    }

    fn identity(&self) -> Option<tfplugin::identity::Identity> {
        Some(super::object_identity(
            POOL_NAME,
            "The connection pool's name.",
        ))
    }

    async fn import(
        &self,
        _ctx: &Context<Client>,
        id: &str,
        diags: &mut Diagnostics,
    ) -> Option<Value> {
        super::import(id, POOL_NAME, diags)
    }
}
