//! `aiven_pg_user`, `aiven_mysql_user`, `aiven_valkey_user` and
//! `aiven_opensearch_user`: a user of
//! a service, with a password that is generated, set, or written once and
//! never stored (`password_wo`, rotated by `password_wo_version`).

use aiven_api::names;
use aiven_api::types::{
    AccessControl, CreateUser, ModifyUser, RESET_CREDENTIALS, SET_ACCESS_CONTROL, ServiceUser,
    VALKEY_ACL_FIELDS as VALKEY_ACLS, secret,
};
use tfplugin::diag::{AttributePath, Diagnostics};
use tfplugin::resource::{Applied, Change, Context, Plan, Resource};
use tfplugin::schema::{Attribute, Block, Schema};
use tfplugin::value::{Type, Value};

use super::{ObjectKey, api_error, kept_by_the_service, key_attributes};
use crate::client::{CallError, Client};

pub const USERNAME: &str = "username";
pub(super) const PASSWORD: &str = "password";
pub(super) const PASSWORD_WO: &str = "password_wo";
pub(super) const PASSWORD_WO_VERSION: &str = "password_wo_version";
const TYPE: &str = "type";
const ACCESS_CERT: &str = "access_cert";
const ACCESS_KEY: &str = "access_key";
const PG_ALLOW_REPLICATION: &str = "pg_allow_replication";
const AUTHENTICATION: &str = "authentication";

/// Which service type's users, and so which type-specific attributes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    Pg,
    Mysql,
    Valkey,
    Opensearch,
}

pub struct UserResource {
    pub type_name: &'static str,
    pub flavor: Flavor,
}

pub const PG_USER: UserResource = UserResource {
    type_name: "aiven_pg_user",
    flavor: Flavor::Pg,
};
pub const MYSQL_USER: UserResource = UserResource {
    type_name: "aiven_mysql_user",
    flavor: Flavor::Mysql,
};
pub const VALKEY_USER: UserResource = UserResource {
    type_name: "aiven_valkey_user",
    flavor: Flavor::Valkey,
};
pub const OPENSEARCH_USER: UserResource = UserResource {
    type_name: "aiven_opensearch_user",
    flavor: Flavor::Opensearch,
};

fn strings(value: &Value) -> Option<Vec<String>> {
    (!value.is_null() && !value.is_unknown()).then(|| {
        value
            .elements()
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect()
    })
}

/// A password as the API generates them (`AVNS_…`, see
/// [`names::generated_password`]) from the kernel's generator; `None` if
/// it cannot be read.
pub(super) fn generated_password() -> Option<String> {
    use std::io::Read;
    let mut random = [0u8; names::GENERATED_PASSWORD_CHARACTERS];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut source| source.read_exact(&mut random))
        .ok()?;
    Some(names::generated_password(random))
}

/// The password a change asks for: the written one, the write-only one
/// (from the configuration, the only place it is), or none.
pub(super) fn wanted_password(change: &Change) -> Option<String> {
    let config = &change.config;
    config
        .get(PASSWORD_WO)
        .as_str()
        .or_else(|| config.get(PASSWORD).as_str())
        .map(str::to_owned)
}

/// The rules every user's configuration follows: a name the API takes,
/// `password` or `password_wo` (the latter with its version), and a
/// password the API takes.
pub(super) fn check_user(config: &Value, diags: &mut Diagnostics) {
    if let Some(name) = config.get(USERNAME).as_str()
        && let Err(message) = names::check_role_name(name)
    {
        diags.error_at(
            AttributePath::attr(USERNAME),
            "Invalid username",
            format!("username {message}"),
        );
    }
    let written = |name: &str| !config.get(name).is_null();
    if written(PASSWORD) && written(PASSWORD_WO) {
        diags.error_at(
            AttributePath::attr(PASSWORD_WO),
            "Conflicting passwords",
            "Set password or password_wo, not both.",
        );
    }
    if written(PASSWORD_WO) != written(PASSWORD_WO_VERSION) {
        diags.error_at(AttributePath::attr(PASSWORD_WO_VERSION), "password_wo needs password_wo_version", "Set both: password_wo is never stored, so password_wo_version is how a plan knows to send a new one.");
    }
    if let Some(Err(rule)) = config.get(PASSWORD).as_str().map(names::check_password) {
        diags.error_at(
            AttributePath::attr(PASSWORD),
            "Invalid password",
            format!("password: {rule}."),
        );
    }
}

/// What a plan says of the password: a write-only one is never kept; one
/// written or generated is (a new one when leaving write-only, since the
/// old one was never kept).
pub(super) fn plan_password(plan: &mut Plan) {
    if !plan.config.get(PASSWORD_WO_VERSION).is_null() {
        plan.planned.set(PASSWORD, Value::Null);
    } else if leaves_write_only(&plan.prior, &plan.config) {
        plan.planned.set(PASSWORD, Value::unknown());
    }
}

/// Whether a change goes from a write-only password to one this resource
/// keeps, without writing it: from `password_wo` to neither.
pub(super) fn leaves_write_only(prior: &Value, config: &Value) -> bool {
    !prior.is_null()
        && !prior.get(PASSWORD_WO_VERSION).is_null()
        && config.get(PASSWORD_WO_VERSION).is_null()
        && config.get(PASSWORD).is_null()
}

fn string_list(items: &Option<Vec<String>>) -> Value {
    items.as_ref().map_or(Value::Null, |items| {
        Value::List(items.iter().map(Value::string).collect())
    })
}

impl UserResource {
    /// The access rules a configuration or plan asks for; `None` when it
    /// sets none.
    fn access_control(&self, value: &Value) -> Option<AccessControl> {
        let access = match self.flavor {
            Flavor::Pg => AccessControl {
                pg_allow_replication: value.get(PG_ALLOW_REPLICATION).as_bool(),
                ..AccessControl::default()
            },
            Flavor::Valkey => AccessControl {
                valkey_acl_categories: strings(value.get(VALKEY_ACLS[0])),
                valkey_acl_channels: strings(value.get(VALKEY_ACLS[1])),
                valkey_acl_commands: strings(value.get(VALKEY_ACLS[2])),
                valkey_acl_keys: strings(value.get(VALKEY_ACLS[3])),
                ..AccessControl::default()
            },
            Flavor::Mysql | Flavor::Opensearch => return None,
        };
        (access != AccessControl::default()).then_some(access)
    }

    /// State from the API's user; what it leaves out or redacts comes
    /// from `known` (the plan or the state before). With a write-only
    /// password, no password is kept.
    fn state(&self, key: &ObjectKey, user: &ServiceUser, known: &Value) -> Value {
        let mut state = key.state(USERNAME, known);
        let write_only = !known.get(PASSWORD_WO_VERSION).is_null();
        let password = match secret(user.password.as_deref()) {
            _ if write_only => Value::Null,
            Some(password) => Value::string(password),
            None => known.get(PASSWORD).known_or_null(),
        };
        state.set(PASSWORD, password);
        state.set(PASSWORD_WO, Value::Null);
        state.set(
            PASSWORD_WO_VERSION,
            known.get(PASSWORD_WO_VERSION).known_or_null(),
        );
        state.set(TYPE, Value::string(&user.kind));
        state.set(ACCESS_CERT, Value::Null);
        state.set(ACCESS_KEY, Value::Null);
        // Whether the reply says what the rules are (an absent block says
        // nothing; a block without a list says that list is empty).
        let reported = user.access_control.is_some();
        let access = user.access_control.clone().unwrap_or_default();
        match self.flavor {
            Flavor::Pg => state.set(
                PG_ALLOW_REPLICATION,
                Value::Bool(access.pg_allow_replication.unwrap_or(false)),
            ),
            Flavor::Mysql => state.set(
                AUTHENTICATION,
                user.authentication
                    .clone()
                    .map_or_else(|| known.get(AUTHENTICATION).known_or_null(), Value::string),
            ),
            Flavor::Valkey => {
                for (name, list) in access.valkey_lists() {
                    let had_rules = !known.get(name).elements().is_empty();
                    let value = match list {
                        Some(items) if !items.is_empty() => string_list(list),
                        // Emptied outside Terraform: drift, shown as such.
                        _ if reported && had_rules => Value::List(Vec::new()),
                        // Unset and empty are the same rule: keep how it
                        // was written.
                        _ => known.get(name).known_or_null(),
                    };
                    state.set(name, value);
                }
            }
            // Its access is the service's access control lists, not the
            // user's own.
            Flavor::Opensearch => {}
        }
        state
    }

    async fn set_password(
        &self,
        client: &Client,
        key: &ObjectKey,
        password: Option<String>,
        authentication: Option<String>,
        ctx: &Context<Client>,
    ) -> Result<ServiceUser, CallError> {
        let request = ModifyUser {
            operation: RESET_CREDENTIALS.to_owned(),
            new_password: password.clone(),
            authentication,
            access_control: None,
        };
        let mut user = client
            .modify_user(&key.project, &key.service, &key.name, &request, &ctx.cancel)
            .await?;
        // The API may not show it; the one just set is the one it has.
        if secret(user.password.as_deref()).is_none() {
            user.password = password;
        }
        Ok(user)
    }
}

#[tfplugin::async_trait]
impl Resource<Client> for UserResource {
    fn type_name(&self) -> &'static str {
        self.type_name
    }

    fn schema(&self) -> Schema {
        let what = match self.flavor {
            Flavor::Pg => "PostgreSQL",
            Flavor::Mysql => "MySQL",
            Flavor::Valkey => "Valkey",
            Flavor::Opensearch => "OpenSearch",
        };
        let mut block = Block::new(format!("A user of a {what} service. Forks copy users with their passwords."))
            .attributes(key_attributes(USERNAME, "the user belongs to"))
            .attribute(Attribute::new(USERNAME, Type::String).required().requires_replace().description("The user name: letters, digits, `_`, `-` and `.`, not starting with `-` or `.`. Changing it forces a new user."))
            .attribute(Attribute::new(PASSWORD, Type::String).optional().computed().sensitive().use_state_for_unknown().description("The password: 8 to 256 characters, as the API takes (no control characters). Generated when not set (by the API, or here when the API does not show the one it made), in the API's form: `AVNS_` and 19 characters. Not kept when `password_wo` is used; a connection pool of this user still has it in its `connection_uri`, as the API builds that."))
            .attribute(Attribute::new(PASSWORD_WO, Type::String).optional().sensitive().write_only().description("The password, write-only (Terraform 1.11 or later): sent to the API and never stored in state or shown in a plan. Needs `password_wo_version`; conflicts with `password`."))
            .attribute(Attribute::new(PASSWORD_WO_VERSION, Type::Number).optional().description("The version of `password_wo`: change it to send a new one (an in-place update)."))
            .attribute(Attribute::new(TYPE, Type::String).computed().use_state_for_unknown().description("`primary` for the service's own user, `normal` for the others."))
            .attribute(Attribute::new(ACCESS_CERT, Type::String).computed().sensitive().use_state_for_unknown().description("A certificate for TLS client authentication, where the service type has one."))
            .attribute(Attribute::new(ACCESS_KEY, Type::String).computed().sensitive().use_state_for_unknown().description("The key of `access_cert`."));
        block = match self.flavor {
            Flavor::Pg => block.attribute(
                Attribute::new(PG_ALLOW_REPLICATION, Type::Bool)
                    .optional()
                    .computed()
                    .use_state_for_unknown()
                    .description("Whether the user may open replication connections."),
            ),
            Flavor::Mysql => block.attribute(
                Attribute::new(AUTHENTICATION, Type::String)
                    .optional()
                    .computed()
                    .use_state_for_unknown()
                    .description(
                        "The password plugin: `caching_sha2_password` or `mysql_native_password`.",
                    ),
            ),
            Flavor::Valkey => {
                let rules = [
                    "Command categories, `+@name` to allow and `-@name` to deny.",
                    "Pub/sub channels the user may use, as glob patterns.",
                    "Commands, `+name` to allow and `-name` to deny.",
                    "Keys the user may use, as glob patterns.",
                ];
                VALKEY_ACLS
                    .iter()
                    .zip(rules)
                    .fold(block, |block, (name, rule)| {
                        block.attribute(
                            Attribute::new(*name, Type::list(Type::String))
                                .optional()
                                .description(rule),
                        )
                    })
            }
            Flavor::Opensearch => block,
        };
        Schema::new(block.block(super::timeouts_block()))
    }

    async fn validate(&self, _ctx: &Context<Client>, config: &Value, diags: &mut Diagnostics) {
        check_user(config, diags);
        for field in VALKEY_ACLS {
            if let Some(rules) = strings(config.get(field))
                && let Err(message) = names::check_valkey_acl(field, &rules)
            {
                diags.error_at(
                    AttributePath::attr(field),
                    "Invalid ACL rule",
                    format!("{message}."),
                );
            }
        }
    }

    async fn modify_plan(&self, _ctx: &Context<Client>, plan: &mut Plan, diags: &mut Diagnostics) {
        if plan.is_destroy() {
            if plan.prior.get(TYPE).as_str() == Some("primary") {
                let name = plan
                    .prior
                    .get(USERNAME)
                    .as_str()
                    .unwrap_or_default()
                    .to_owned();
                kept_by_the_service(
                    diags,
                    USERNAME,
                    format!("{name} is the service's primary user"),
                );
            }
            return;
        }
        plan_password(plan);
    }

    async fn create(&self, ctx: &Context<Client>, change: &Change) -> Applied {
        let (client, key) = match super::client_and_key(
            ctx,
            &change.planned,
            USERNAME,
            "Cannot create the user",
            &Value::Null,
        ) {
            Ok(found) => found,
            Err(failed) => return failed,
        };
        let request = CreateUser {
            username: key.name.clone(),
            authentication: change
                .planned
                .get(AUTHENTICATION)
                .as_str()
                .map(str::to_owned),
            access_control: self.access_control(&change.planned),
        };
        let mut diags = Diagnostics::new();
        let created = super::create_settled(
            || client.create_user(&key.project, &key.service, &request, &ctx.cancel),
            || async {
                let found = client.get_user(&key.project, &key.service, &key.name, &ctx.cancel);
                found.await.ok()
            },
        );
        let mut user = match created.await {
            Ok(user) => user,
            Err(err) => {
                api_error(&mut diags, USERNAME, "Cannot create the user", &err);
                return Applied::failed(Value::Null, diags);
            }
        };
        // A password the configuration leaves to the API, which the API
        // does not show, would be lost: make one here and set it instead.
        let wanted = wanted_password(change).or_else(|| {
            secret(user.password.as_deref())
                .is_none()
                .then(generated_password)
                .flatten()
        });
        if let Some(password) = wanted {
            match self
                .set_password(client, &key, Some(password), None, ctx)
                .await
            {
                Ok(changed) => user = changed,
                Err(err) => {
                    // The user exists: keep it in state (tainted) with what is known.
                    api_error(
                        &mut diags,
                        PASSWORD,
                        "The user was created, but its password could not be set",
                        &err,
                    );
                    return Applied::failed(self.state(&key, &user, &change.planned), diags);
                }
            }
        }
        Applied::ok(self.state(&key, &user, &change.planned))
    }

    async fn read(
        &self,
        ctx: &Context<Client>,
        prior: &Value,
        diags: &mut Diagnostics,
    ) -> Option<Value> {
        let client = ctx.data().map_err(|d| diags.push(d)).ok()?;
        let key = ObjectKey::of(prior, USERNAME)?;
        match client
            .get_user(&key.project, &key.service, &key.name, &ctx.cancel)
            .await
        {
            Ok(user) => Some(self.state(&key, &user, prior)),
            Err(err) if err.is_not_found() => None,
            Err(err) => {
                api_error(diags, USERNAME, "Cannot read the user", &err);
                None
            }
        }
    }

    async fn update(&self, ctx: &Context<Client>, change: &Change) -> Applied {
        let (client, key) = match super::client_and_key(
            ctx,
            &change.planned,
            USERNAME,
            "Cannot update the user",
            &change.prior,
        ) {
            Ok(found) => found,
            Err(failed) => return failed,
        };
        let (prior, planned) = (&change.prior, &change.planned);
        let changed = |name: &str| prior.get(name) != planned.get(name);
        let mut diags = Diagnostics::new();
        let mut user = None;
        if changed(PASSWORD_WO_VERSION)
            || changed(AUTHENTICATION)
            || (changed(PASSWORD) && !planned.get(PASSWORD).is_unknown())
        {
            // A new plugin needs the password again: the one wanted, else
            // the one kept; leaving write-only, with neither, a new one
            // (the write-only one was never kept).
            let password = wanted_password(change)
                .or_else(|| prior.get(PASSWORD).as_str().map(str::to_owned))
                .or_else(|| {
                    leaves_write_only(prior, &change.config)
                        .then(generated_password)
                        .flatten()
                });
            let authentication = planned.get(AUTHENTICATION).as_str().map(str::to_owned);
            match self
                .set_password(client, &key, password, authentication, ctx)
                .await
            {
                Ok(changed) => user = Some(changed),
                Err(err) => {
                    api_error(&mut diags, PASSWORD, "Cannot change the password", &err);
                    return Applied::failed(prior.clone(), diags);
                }
            }
        }
        let access = self.access_control(planned);
        if access != self.access_control(prior) {
            let request = ModifyUser {
                operation: SET_ACCESS_CONTROL.to_owned(),
                new_password: None,
                authentication: None,
                access_control: Some(access.unwrap_or_default()),
            };
            match client
                .modify_user(&key.project, &key.service, &key.name, &request, &ctx.cancel)
                .await
            {
                Ok(changed) => user = Some(changed),
                Err(err) => {
                    api_error(
                        &mut diags,
                        USERNAME,
                        "Cannot change the user's access rules",
                        &err,
                    );
                    return Applied::failed(prior.clone(), diags);
                }
            }
        }
        let user = match user {
            Some(user) => user,
            None => match client
                .get_user(&key.project, &key.service, &key.name, &ctx.cancel)
                .await
            {
                Ok(user) => user,
                Err(err) => {
                    api_error(&mut diags, USERNAME, "Cannot read the user", &err);
                    return Applied::failed(prior.clone(), diags);
                }
            },
        };
        Applied::ok(self.state(&key, &user, planned))
    }

    async fn delete(&self, ctx: &Context<Client>, prior: &Value, diags: &mut Diagnostics) {
        super::delete(ctx, prior, USERNAME, "user", diags).await;
    }

    fn identity(&self) -> Option<tfplugin::identity::Identity> {
        Some(super::object_identity(USERNAME, "The service user's name."))
    }

    async fn import(
        &self,
        _ctx: &Context<Client>,
        id: &str,
        diags: &mut Diagnostics,
    ) -> Option<Value> {
        super::import(id, USERNAME, diags)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_passwords_are_the_apis_form_and_differ() {
        let (a, b) = (generated_password().unwrap(), generated_password().unwrap());
        assert_eq!(a.len(), 24);
        assert!(a.starts_with("AVNS_"), "{a}");
        assert_ne!(a, b);
    }
}
