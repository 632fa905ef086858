//! `aiven_clickhouse_user`: a user of a ClickHouse service, in the
//! official provider's shape, made through ClickHouse's own endpoints
//! (`.../clickhouse/user`), which name a user by its UUID. The password is
//! generated, written, or written once and never stored, as for the other
//! users (see [`super::user`]).

use aiven_api::types::{ClickhouseUser, CreateClickhouseUser};
use tfplugin::diag::{Diagnostic, Diagnostics};
use tfplugin::identity::Identity;
use tfplugin::resource::{Applied, Change, Context, Plan, Resource};
use tfplugin::schema::{Attribute, Block, Schema};
use tfplugin::value::{Type, Value};

use super::user::{
    PASSWORD, PASSWORD_WO, PASSWORD_WO_VERSION, USERNAME, check_user, generated_password,
    leaves_write_only, plan_password, wanted_password,
};
use super::{
    ID, PROJECT, SERVICE_NAME, TIMEOUTS, api_error, import_parts, kept_by_the_service, text,
};
use crate::client::{CallError, Client};

const UUID: &str = "uuid";
const REQUIRED: &str = "required";

pub struct ClickhouseUserResource;

/// Where a user lives and how it is named: by its name, and by the UUID
/// the API gives it once known.
struct UserKey {
    project: String,
    service: String,
    username: Option<String>,
    uuid: Option<String>,
}

impl UserKey {
    fn of(value: &Value) -> Option<UserKey> {
        Some(UserKey {
            project: text(value, PROJECT)?,
            service: text(value, SERVICE_NAME)?,
            username: text(value, USERNAME),
            uuid: text(value, UUID),
        })
    }

    /// The user among `users`: by UUID when known, else by name.
    fn find(&self, users: Vec<ClickhouseUser>) -> Option<ClickhouseUser> {
        users.into_iter().find(|u| match &self.uuid {
            Some(uuid) => &u.uuid == uuid,
            None => self.username.as_deref() == Some(u.name.as_str()),
        })
    }
}

/// State from the API's user; with a write-only password, no password is
/// kept, and one the API does not show is as `known` had it.
fn state(key: &UserKey, user: &ClickhouseUser, known: &Value) -> Value {
    let write_only = !known.get(PASSWORD_WO_VERSION).is_null();
    let password = match user.password.as_deref().filter(|p| !p.is_empty()) {
        _ if write_only => Value::Null,
        Some(password) => Value::string(password),
        None => known.get(PASSWORD).known_or_null(),
    };
    Value::object([
        (
            ID,
            Value::string(format!("{}/{}/{}", key.project, key.service, user.uuid)),
        ),
        (PROJECT, Value::string(&key.project)),
        (SERVICE_NAME, Value::string(&key.service)),
        (USERNAME, Value::string(&user.name)),
        (PASSWORD, password),
        (PASSWORD_WO, Value::Null),
        (
            PASSWORD_WO_VERSION,
            known.get(PASSWORD_WO_VERSION).known_or_null(),
        ),
        (UUID, Value::string(&user.uuid)),
        (REQUIRED, Value::Bool(user.required)),
        (TIMEOUTS, known.get(TIMEOUTS).known_or_null()),
    ])
}

fn failed(kept: &Value, attribute: &str, summary: &str, err: &CallError) -> Applied {
    let mut diags = Diagnostics::new();
    api_error(&mut diags, attribute, summary, err);
    Applied::failed(kept.clone(), diags)
}

impl ClickhouseUserResource {
    async fn listed(
        client: &Client,
        key: &UserKey,
        ctx: &Context<Client>,
    ) -> Result<Option<ClickhouseUser>, CallError> {
        let users = client
            .clickhouse_users(&key.project, &key.service, &ctx.cancel)
            .await?;
        Ok(key.find(users))
    }
}

#[tfplugin::async_trait]
impl Resource<Client> for ClickhouseUserResource {
    fn type_name(&self) -> &'static str {
        "aiven_clickhouse_user"
    }

    fn schema(&self) -> Schema {
        let block = Block::new("A user of a ClickHouse service. Forks copy users with their passwords. On aiven-local a user logs in with its password; chDB keeps no roles or grants, so every user may do what the service's own may.")
            .attribute(Attribute::new(ID, Type::String).computed().use_state_for_unknown().description("`project/service_name/uuid`, the import ID."))
            .attribute(Attribute::new(PROJECT, Type::String).required().requires_replace().description("The project of the service the user is in. Changing it forces a new one."))
            .attribute(Attribute::new(SERVICE_NAME, Type::String).required().requires_replace().description("The ClickHouse service the user is in. Changing it forces a new one."))
            .attribute(Attribute::new(USERNAME, Type::String).required().requires_replace().description("The user name: letters, digits, `_`, `-` and `.`, at most 63 characters. Changing it forces a new user."))
            .attribute(Attribute::new(PASSWORD, Type::String).optional().computed().sensitive().use_state_for_unknown().description("The password: 8 to 256 characters. Generated when not set, in the API's form (`AVNS_` and 19 characters). Not kept when `password_wo` is used."))
            .attribute(Attribute::new(PASSWORD_WO, Type::String).optional().sensitive().write_only().description("The password, write-only (Terraform 1.11 or later): sent to the API, never stored in state or shown in a plan. Needs `password_wo_version`; conflicts with `password`."))
            .attribute(Attribute::new(PASSWORD_WO_VERSION, Type::Number).optional().description("The version of `password_wo`: change it to send a new one (an in-place update)."))
            .attribute(Attribute::new(UUID, Type::String).computed().use_state_for_unknown().description("The user's ID, which the API names it by."))
            .attribute(Attribute::new(REQUIRED, Type::Bool).computed().use_state_for_unknown().description("Whether the service keeps the user for itself (its primary user), which cannot be deleted."));
        Schema::new(block.block(super::timeouts_block()))
    }

    async fn validate(&self, _ctx: &Context<Client>, config: &Value, diags: &mut Diagnostics) {
        check_user(config, diags);
    }

    async fn modify_plan(&self, _ctx: &Context<Client>, plan: &mut Plan, diags: &mut Diagnostics) {
        if plan.is_destroy() {
            if plan.prior.get(REQUIRED).as_bool() == Some(true) {
                let name = text(&plan.prior, USERNAME).unwrap_or_default();
                kept_by_the_service(diags, USERNAME, format!("{name} is the service's own user"));
            }
            return;
        }
        plan_password(plan);
    }

    async fn create(&self, ctx: &Context<Client>, change: &Change) -> Applied {
        let client = match ctx.data() {
            Ok(client) => client,
            Err(diag) => return Applied::failed(Value::Null, diag),
        };
        let Some(key) = UserKey::of(&change.planned).filter(|k| k.username.is_some()) else {
            return Applied::failed(
                Value::Null,
                Diagnostic::error(
                    "Cannot create the user",
                    "project, service_name and username must be known.",
                ),
            );
        };
        // A password the configuration leaves to the API is made here, in
        // the API's form, so that it is known whatever the reply shows.
        let request = CreateClickhouseUser {
            name: key.username.clone().unwrap_or_default(),
            password: wanted_password(change).or_else(generated_password),
            roles: None,
        };
        let created = super::create_settled(
            || client.create_clickhouse_user(&key.project, &key.service, &request, &ctx.cancel),
            || async { Self::listed(client, &key, ctx).await.ok().flatten() },
        );
        match created.await {
            Ok(mut user) => {
                if user.password.is_none() {
                    user.password = request.password.clone();
                }
                Applied::ok(state(&key, &user, &change.planned))
            }
            Err(err) => failed(&Value::Null, USERNAME, "Cannot create the user", &err),
        }
    }

    async fn read(
        &self,
        ctx: &Context<Client>,
        prior: &Value,
        diags: &mut Diagnostics,
    ) -> Option<Value> {
        let client = ctx.data().map_err(|d| diags.push(d)).ok()?;
        let key = UserKey::of(prior)?;
        match Self::listed(client, &key, ctx).await {
            Ok(user) => Some(state(&key, &user?, prior)),
            // The service is gone, and the user with it.
            Err(err) if err.is_not_found() => None,
            Err(err) => {
                api_error(diags, USERNAME, "Cannot read the user", &err);
                None
            }
        }
    }

    /// Only the password changes in place.
    async fn update(&self, ctx: &Context<Client>, change: &Change) -> Applied {
        let client = match ctx.data() {
            Ok(client) => client,
            Err(diag) => return Applied::failed(change.prior.clone(), diag),
        };
        let (prior, planned) = (&change.prior, &change.planned);
        let Some(key) = UserKey::of(prior).filter(|k| k.uuid.is_some()) else {
            return Applied::failed(
                prior.clone(),
                Diagnostic::error("Cannot update the user", "Its uuid is not known."),
            );
        };
        let changed = |name: &str| prior.get(name) != planned.get(name);
        let mut user = ClickhouseUser {
            name: key.username.clone().unwrap_or_default(),
            uuid: key.uuid.clone().unwrap_or_default(),
            required: prior.get(REQUIRED).as_bool().unwrap_or(false),
            password: text(prior, PASSWORD),
            ..ClickhouseUser::default()
        };
        if changed(PASSWORD_WO_VERSION)
            || (changed(PASSWORD) && !planned.get(PASSWORD).is_unknown())
            || leaves_write_only(prior, &change.config)
        {
            let Some(password) = wanted_password(change).or_else(generated_password) else {
                return Applied::failed(
                    prior.clone(),
                    Diagnostic::error(
                        "Cannot change the password",
                        "No password could be made: /dev/urandom cannot be read.",
                    ),
                );
            };
            let uuid = user.uuid.clone();
            if let Err(err) = client
                .set_clickhouse_password(&key.project, &key.service, &uuid, &password, &ctx.cancel)
                .await
            {
                return failed(prior, PASSWORD, "Cannot change the password", &err);
            }
            user.password = Some(password);
        }
        Applied::ok(state(&key, &user, planned))
    }

    async fn delete(&self, ctx: &Context<Client>, prior: &Value, diags: &mut Diagnostics) {
        let (Ok(client), Some(key)) = (ctx.data(), UserKey::of(prior)) else {
            return;
        };
        let Some(uuid) = key.uuid.as_deref() else {
            return;
        };
        let deleted = client
            .delete_object(
                &key.project,
                &key.service,
                "clickhouse/user",
                uuid,
                &ctx.cancel,
            )
            .await;
        if let Err(err) = deleted {
            api_error(diags, USERNAME, "Cannot delete the user", &err);
        }
    }

    fn identity(&self) -> Option<Identity> {
        Some(super::object_identity(USERNAME, "The user's name."))
    }

    /// By `project/service_name/uuid`, as the official provider imports.
    async fn import(
        &self,
        _ctx: &Context<Client>,
        id: &str,
        diags: &mut Diagnostics,
    ) -> Option<Value> {
        import_parts(id, &[PROJECT, SERVICE_NAME, UUID], diags)
    }
}
