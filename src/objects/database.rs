//! `aiven_pg_database`, `aiven_mysql_database` and
//! `aiven_clickhouse_database`: a database in a service, real in the
//! service's engine in aiven-local. ClickHouse's is named by `name` and
//! made through ClickHouse's own endpoints (`.../clickhouse/db`), as the
//! official provider's is.

use aiven_api::names;
use aiven_api::types::{CreateClickhouseDatabase, CreateDatabase};
use tfplugin::diag::{AttributePath, Diagnostics};
use tfplugin::resource::{Applied, Change, Context, Plan, Resource};
use tfplugin::schema::{Attribute, Block, Schema};
use tfplugin::value::{Type, Value};

use super::{ObjectKey, api_error, kept_by_the_service, key_attributes};
use crate::client::{CallError, Client};

pub const DATABASE_NAME: &str = "database_name";
const LC_COLLATE: &str = "lc_collate";
const LC_CTYPE: &str = "lc_ctype";
const TERMINATION_PROTECTION: &str = "termination_protection";

/// The database every service is created with.
pub const DEFAULT_DATABASE: &str = "defaultdb";

pub struct DatabaseResource {
    pub type_name: &'static str,
    /// `pg`, `mysql` or `clickhouse`: only pg databases take a collation.
    pub service_type: &'static str,
}

/// ClickHouse's database attribute, as the official provider names it.
const NAME: &str = "name";

pub const PG_DATABASE: DatabaseResource = DatabaseResource {
    type_name: "aiven_pg_database",
    service_type: "pg",
};
pub const MYSQL_DATABASE: DatabaseResource = DatabaseResource {
    type_name: "aiven_mysql_database",
    service_type: "mysql",
};
pub const CLICKHOUSE_DATABASE: DatabaseResource = DatabaseResource {
    type_name: "aiven_clickhouse_database",
    service_type: "clickhouse",
};

impl DatabaseResource {
    fn is_pg(&self) -> bool {
        self.service_type == "pg"
    }

    fn is_clickhouse(&self) -> bool {
        self.service_type == "clickhouse"
    }

    /// The attribute that names the database.
    fn name_attribute(&self) -> &'static str {
        if self.is_clickhouse() {
            NAME
        } else {
            DATABASE_NAME
        }
    }

    /// The API's path segment for the service's databases.
    fn kind(&self) -> &'static str {
        if self.is_clickhouse() {
            "clickhouse/db"
        } else {
            "db"
        }
    }

    fn product(&self) -> &'static str {
        match self.service_type {
            "pg" => "PostgreSQL",
            "mysql" => "MySQL",
            _ => "ClickHouse",
        }
    }

    /// State for a database the API lists, collation as `known` says (the
    /// API may leave it out).
    fn state(&self, key: &ObjectKey, known: &Value) -> Value {
        let mut state = key.state(self.name_attribute(), known);
        if self.is_pg() {
            state.set(LC_COLLATE, known.get(LC_COLLATE).clone());
            state.set(LC_CTYPE, known.get(LC_CTYPE).clone());
        }
        let protection = known.get(TERMINATION_PROTECTION);
        let protection = if protection.is_null() {
            Value::Bool(false)
        } else {
            protection.clone()
        };
        state.set(TERMINATION_PROTECTION, protection);
        state
    }
}

#[tfplugin::async_trait]
impl Resource<Client> for DatabaseResource {
    fn type_name(&self) -> &'static str {
        self.type_name
    }

    fn schema(&self) -> Schema {
        let mut block = Block::new(format!(
            "A database in a {} service. Forks copy it with the data.",
            self.product()
        ))
        .attributes(key_attributes(self.name_attribute(), "the database is in"))
        .attribute(
            Attribute::new(self.name_attribute(), Type::String)
                .required()
                .requires_replace()
                .description(
                    "The database name, at most 40 characters. Changing it forces a new database.",
                ),
        );
        if self.is_pg() {
            for (name, what) in [
                (LC_COLLATE, "sort order (`LC_COLLATE`)"),
                (LC_CTYPE, "character classification (`LC_CTYPE`)"),
            ] {
                // The platform's default, planned so that state shows what
                // the database gets; a database made in another locale
                // (before this default, or adopted) is left as it is.
                block = block.attribute(
                    Attribute::new(name, Type::String)
                        .unset_keeps_state_created_as(Value::string(names::PG_DATABASE_LOCALE))
                        .requires_replace()
                        .description(format!(
                            "The database's {what}: a locale name of 1 to 128 characters. Left out, a new database gets `{}`, as on the platform. Changing it forces a new database.",
                            names::PG_DATABASE_LOCALE
                        )),
                );
            }
        }
        Schema::new(block.attribute(
            Attribute::new(TERMINATION_PROTECTION, Type::Bool)
                .default(Value::Bool(false))
                .deprecated()
                .description("Refuse to delete the database in a plan. Deprecated, as in the official provider: use `lifecycle { prevent_destroy = true }`."),
        ).block(super::timeouts_block()))
    }

    async fn validate(&self, _ctx: &Context<Client>, config: &Value, diags: &mut Diagnostics) {
        for field in [LC_COLLATE, LC_CTYPE] {
            if let Some(locale) = config.get(field).as_str()
                && let Err(message) = names::check_locale(field, locale)
            {
                diags.error_at(AttributePath::attr(field), "Invalid locale", message);
            }
        }
        let attribute = self.name_attribute();
        let Some(name) = config.get(attribute).as_str() else {
            return;
        };
        if let Err(message) = names::check_database_name(attribute, name) {
            diags.error_at(
                AttributePath::attr(attribute),
                "Invalid database name",
                message,
            );
        }
        let reserved = names::reserved_databases(self.service_type);
        if reserved.iter().any(|r| r.eq_ignore_ascii_case(name)) {
            diags.error_at(
                AttributePath::attr(attribute),
                "Reserved database name",
                format!(
                    "{attribute} {name:?} is one the service keeps for itself ({}); choose another name.",
                    reserved.join(", ")
                ),
            );
        }
    }

    async fn modify_plan(&self, _ctx: &Context<Client>, plan: &mut Plan, diags: &mut Diagnostics) {
        if !plan.is_destroy() {
            return;
        }
        if plan.prior.get(TERMINATION_PROTECTION).as_bool() == Some(true) {
            diags.error_at(
                AttributePath::attr(TERMINATION_PROTECTION),
                "Database is protected from deletion",
                "termination_protection is true; set it to false and apply that first.",
            );
        }
        if plan.prior.get(self.name_attribute()).as_str() == Some(DEFAULT_DATABASE) {
            kept_by_the_service(
                diags,
                self.name_attribute(),
                format!("{DEFAULT_DATABASE} is the service's default database"),
            );
        }
    }

    async fn create(&self, ctx: &Context<Client>, change: &Change) -> Applied {
        let (client, key) = match super::client_and_key(
            ctx,
            &change.planned,
            self.name_attribute(),
            "Cannot create the database",
            &Value::Null,
        ) {
            Ok(found) => found,
            Err(failed) => return failed,
        };
        let text = |name: &str| change.planned.get(name).as_str().map(str::to_owned);
        let request = CreateDatabase {
            database: key.name.clone(),
            lc_collate: text(LC_COLLATE),
            lc_ctype: text(LC_CTYPE),
        };
        let clickhouse_request = CreateClickhouseDatabase {
            database: key.name.clone(),
        };
        let (project, service, kind) = (&key.project, &key.service, self.kind());
        let mut diags = Diagnostics::new();
        let created = super::create_settled(
            || async {
                if self.is_clickhouse() {
                    client
                        .create_database(project, service, kind, &clickhouse_request, &ctx.cancel)
                        .await
                } else {
                    client
                        .create_database(project, service, kind, &request, &ctx.cancel)
                        .await
                }
            },
            || self.listed(client, &key, ctx),
        );
        if let Err(err) = created.await {
            api_error(
                &mut diags,
                self.name_attribute(),
                "Cannot create the database",
                &err,
            );
            return Applied::failed(Value::Null, diags);
        }
        Applied::ok(self.state(&key, &change.planned))
    }

    async fn read(
        &self,
        ctx: &Context<Client>,
        prior: &Value,
        diags: &mut Diagnostics,
    ) -> Option<Value> {
        let client = ctx.data().map_err(|d| diags.push(d)).ok()?;
        let key = ObjectKey::of(prior, self.name_attribute())?;
        match self.listing(client, &key, ctx).await {
            Ok(listing) => {
                let (lc_collate, lc_ctype) = listing.into_iter().find(|d| d.0 == key.name)?.1;
                let mut known = prior.clone();
                if let Some(collate) = lc_collate {
                    known.set(LC_COLLATE, Value::string(collate));
                }
                if let Some(ctype) = lc_ctype {
                    known.set(LC_CTYPE, Value::string(ctype));
                }
                Some(self.state(&key, &known))
            }
            // The service is gone, and the database with it.
            Err(err) if err.is_not_found() => None,
            Err(err) => {
                api_error(
                    diags,
                    self.name_attribute(),
                    "Cannot read the database",
                    &err,
                );
                None
            }
        }
    }

    /// Only `termination_protection` changes in place; it lives in state.
    async fn update(&self, _ctx: &Context<Client>, change: &Change) -> Applied {
        Applied::ok(change.planned.clone())
    }

    async fn delete(&self, ctx: &Context<Client>, prior: &Value, diags: &mut Diagnostics) {
        super::delete(ctx, prior, self.name_attribute(), self.kind(), diags).await;
    }

    fn identity(&self) -> Option<tfplugin::identity::Identity> {
        Some(super::object_identity(
            self.name_attribute(),
            "The database's name.",
        ))
    }

    async fn import(
        &self,
        _ctx: &Context<Client>,
        id: &str,
        diags: &mut Diagnostics,
    ) -> Option<Value> {
        super::import(id, self.name_attribute(), diags)
    }
}

/// A database as a listing has it: its name, and its collation and
/// character classification where the API gives them (pg).
type Listed = (String, (Option<String>, Option<String>));

impl DatabaseResource {
    /// The service's databases, from the endpoint of its type.
    async fn listing(
        &self,
        client: &Client,
        key: &ObjectKey,
        ctx: &Context<Client>,
    ) -> Result<Vec<Listed>, CallError> {
        let (project, service) = (&key.project, &key.service);
        Ok(if self.is_clickhouse() {
            let listing = client
                .clickhouse_databases(project, service, &ctx.cancel)
                .await?;
            listing
                .databases
                .into_iter()
                .map(|d| (d.name, (None, None)))
                .collect()
        } else {
            let listing = client.databases(project, service, &ctx.cancel).await?;
            listing
                .databases
                .into_iter()
                .map(|d| (d.database_name, (d.lc_collate, d.lc_ctype)))
                .collect()
        })
    }

    /// The database as the API lists it, if it does.
    async fn listed(&self, client: &Client, key: &ObjectKey, ctx: &Context<Client>) -> Option<()> {
        let listing = self.listing(client, key, ctx).await.ok()?;
        listing.iter().any(|d| d.0 == key.name).then_some(())
    }
}
