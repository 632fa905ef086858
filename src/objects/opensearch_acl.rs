//! `aiven_opensearch_acl_config` and `aiven_opensearch_acl_rule`: an
//! OpenSearch service's index access control lists, in the official
//! provider's shape. The API keeps one configuration per service (on or
//! off, and each user's rules); the config resource turns it on or off,
//! and each rule resource is one user's permission on one index pattern.
//! Both change it through `Client::change_opensearch_acl`, one at a time.

use aiven_api::types::{
    OPENSEARCH_PERMISSIONS, OpensearchAcl, OpensearchAclConfig, OpensearchAclRule,
};
use tfplugin::diag::{AttributePath, Diagnostic, Diagnostics};
use tfplugin::identity::Identity;
use tfplugin::resource::{Applied, Change, Context, Resource};
use tfplugin::schema::{Attribute, Block, Schema};
use tfplugin::value::{Type, Value};

use super::{ID, PROJECT, SERVICE_NAME, TIMEOUTS, api_error, import_parts, text};
use crate::client::{CallError, Client};

const ENABLED: &str = "enabled";
const EXTENDED_ACL: &str = "extended_acl";
pub const USERNAME: &str = "username";
pub const INDEX: &str = "index";
const PERMISSION: &str = "permission";

/// The longest index pattern the official provider takes.
const MAX_INDEX: usize = 249;

/// `project` and `service_name`, the service whose lists these are.
fn service_attributes() -> [Attribute; 2] {
    [
        Attribute::new(PROJECT, Type::String)
            .required()
            .requires_replace()
            .description("The project of the OpenSearch service. Changing it forces a new one."),
        Attribute::new(SERVICE_NAME, Type::String)
            .required()
            .requires_replace()
            .description("The OpenSearch service. Changing it forces a new one."),
    ]
}

/// The `project` and `service_name` a value names, when both are known.
fn service_of(value: &Value) -> Option<(String, String)> {
    Some((text(value, PROJECT)?, text(value, SERVICE_NAME)?))
}

/// A failed change: what state keeps and why.
fn failed(state: &Value, attribute: &str, summary: &str, err: &CallError) -> Applied {
    let mut diags = Diagnostics::new();
    api_error(&mut diags, attribute, summary, err);
    Applied::failed(state.clone(), diags)
}

fn unknown_key(summary: &str) -> Applied {
    Applied::failed(
        Value::Null,
        Diagnostic::error(summary, "project and service_name must be known."),
    )
}

pub struct AclConfigResource;

impl AclConfigResource {
    /// State from the API's lists; `extended_acl`, which the API no longer
    /// reports, as `known` (the plan or the state before) has it.
    fn state(project: &str, service: &str, lists: &OpensearchAclConfig, known: &Value) -> Value {
        let extended = match known.get(EXTENDED_ACL) {
            v if v.is_null() || v.is_unknown() => Value::Bool(true),
            v => v.clone(),
        };
        Value::object([
            (ID, Value::string(format!("{project}/{service}"))),
            (PROJECT, Value::string(project)),
            (SERVICE_NAME, Value::string(service)),
            (ENABLED, Value::Bool(lists.enabled)),
            (EXTENDED_ACL, extended),
            (TIMEOUTS, known.get(TIMEOUTS).known_or_null()),
        ])
    }

    /// Turns the lists on or off as `value` says; its rules stay.
    async fn apply(&self, ctx: &Context<Client>, value: &Value, summary: &str) -> Applied {
        let client = match ctx.data() {
            Ok(client) => client,
            Err(diag) => return Applied::failed(Value::Null, diag),
        };
        let Some((project, service)) = service_of(value) else {
            return unknown_key(summary);
        };
        let enabled = value.get(ENABLED).as_bool().unwrap_or(true);
        let changed = client
            .change_opensearch_acl(&project, &service, |l| l.enabled = enabled, &ctx.cancel)
            .await;
        match changed {
            Ok(lists) => Applied::ok(Self::state(&project, &service, &lists, value)),
            Err(err) => failed(&Value::Null, ENABLED, summary, &err),
        }
    }
}

#[tfplugin::async_trait]
impl Resource<Client> for AclConfigResource {
    fn type_name(&self) -> &'static str {
        "aiven_opensearch_acl_config"
    }

    fn schema(&self) -> Schema {
        let block = Block::new("Turns an OpenSearch service's access control lists on or off. Off, every service user reaches every index; on, each user other than the primary one reaches only what its `aiven_opensearch_acl_rule`s allow. Deleting it turns them off and keeps the rules. A fork starts with its source's lists.")
            .attribute(Attribute::new(ID, Type::String).computed().use_state_for_unknown().description("`project/service_name`, the import ID."))
            .attributes(service_attributes())
            .attribute(Attribute::new(ENABLED, Type::Bool).default(Value::Bool(true)).description("Whether the lists are on. Defaults to `true`."))
            .attribute(Attribute::new(EXTENDED_ACL, Type::Bool).default(Value::Bool(true)).description("Accepted for the official provider's configurations and kept in state only: the API no longer takes or reports this setting. On aiven-local, `_bulk`, `_mget` and `_msearch` are allowed when every index they name is."));
        Schema::new(block.block(super::timeouts_block()))
    }

    async fn create(&self, ctx: &Context<Client>, change: &Change) -> Applied {
        self.apply(
            ctx,
            &change.planned,
            "Cannot turn the access control lists on",
        )
        .await
    }

    async fn read(
        &self,
        ctx: &Context<Client>,
        prior: &Value,
        diags: &mut Diagnostics,
    ) -> Option<Value> {
        let client = ctx.data().map_err(|d| diags.push(d)).ok()?;
        let (project, service) = service_of(prior)?;
        match client.opensearch_acl(&project, &service, &ctx.cancel).await {
            Ok(lists) => Some(Self::state(&project, &service, &lists, prior)),
            // The service is gone, and its lists with it.
            Err(err) if err.is_not_found() => None,
            Err(err) => {
                api_error(
                    diags,
                    SERVICE_NAME,
                    "Cannot read the access control lists",
                    &err,
                );
                None
            }
        }
    }

    async fn update(&self, ctx: &Context<Client>, change: &Change) -> Applied {
        let applied = self
            .apply(
                ctx,
                &change.planned,
                "Cannot change the access control lists",
            )
            .await;
        if applied.state.is_null() {
            return Applied {
                state: change.prior.clone(),
                ..applied
            };
        }
        applied
    }

    async fn delete(&self, ctx: &Context<Client>, prior: &Value, diags: &mut Diagnostics) {
        let (Ok(client), Some((project, service))) = (ctx.data(), service_of(prior)) else {
            return;
        };
        let off = client
            .change_opensearch_acl(&project, &service, |l| l.enabled = false, &ctx.cancel)
            .await;
        match off {
            Ok(_) => {}
            Err(err) if err.is_not_found() => {}
            Err(err) => api_error(
                diags,
                ENABLED,
                "Cannot turn the access control lists off",
                &err,
            ),
        }
    }

    fn identity(&self) -> Option<Identity> {
        Some(Identity::of(&[
            (PROJECT, "The project the service is in."),
            (SERVICE_NAME, "The OpenSearch service."),
        ]))
    }

    async fn import(
        &self,
        _ctx: &Context<Client>,
        id: &str,
        diags: &mut Diagnostics,
    ) -> Option<Value> {
        import_parts(id, &[PROJECT, SERVICE_NAME], diags)
    }
}

pub struct AclRuleResource;

/// The rule of `username` (a name or pattern) on `index`, if the lists
/// have one.
fn rule_of<'a>(
    lists: &'a OpensearchAclConfig,
    username: &str,
    index: &str,
) -> Option<&'a OpensearchAclRule> {
    lists
        .acls
        .iter()
        .filter(|acl| acl.username == username)
        .flat_map(|acl| &acl.rules)
        .find(|rule| rule.index == index)
}

/// Takes `username`'s rule on `index` out of the lists, and the user's
/// entry with it once it has no rules left.
fn remove_rule(lists: &mut OpensearchAclConfig, username: &str, index: &str) {
    for acl in lists.acls.iter_mut().filter(|a| a.username == username) {
        acl.rules.retain(|rule| rule.index != index);
    }
    lists
        .acls
        .retain(|acl| acl.username != username || !acl.rules.is_empty());
}

/// Puts `username`'s rule on `index` in the lists, replacing one there.
fn put_rule(lists: &mut OpensearchAclConfig, username: &str, index: &str, permission: &str) {
    remove_rule(lists, username, index);
    let rule = OpensearchAclRule {
        index: index.to_owned(),
        permission: permission.to_owned(),
    };
    match lists.acls.iter_mut().find(|a| a.username == username) {
        Some(acl) => acl.rules.push(rule),
        None => lists.acls.push(OpensearchAcl {
            username: username.to_owned(),
            rules: vec![rule],
        }),
    }
}

/// What names one rule: its service, user and index pattern.
struct RuleKey {
    project: String,
    service: String,
    username: String,
    index: String,
}

impl RuleKey {
    fn of(value: &Value) -> Option<RuleKey> {
        let (project, service) = service_of(value)?;
        Some(RuleKey {
            project,
            service,
            username: text(value, USERNAME)?,
            index: text(value, INDEX)?,
        })
    }

    fn state(&self, permission: &str, known: &Value) -> Value {
        let id = format!(
            "{}/{}/{}/{}",
            self.project, self.service, self.username, self.index
        );
        Value::object([
            (ID, Value::string(id)),
            (PROJECT, Value::string(&self.project)),
            (SERVICE_NAME, Value::string(&self.service)),
            (USERNAME, Value::string(&self.username)),
            (INDEX, Value::string(&self.index)),
            (PERMISSION, Value::string(permission)),
            (TIMEOUTS, known.get(TIMEOUTS).known_or_null()),
        ])
    }
}

impl AclRuleResource {
    /// Puts the rule `value` describes; `kept` is what state keeps if the
    /// API refuses.
    async fn apply(
        &self,
        ctx: &Context<Client>,
        value: &Value,
        kept: &Value,
        summary: &str,
    ) -> Applied {
        let client = match ctx.data() {
            Ok(client) => client,
            Err(diag) => return Applied::failed(kept.clone(), diag),
        };
        let (Some(key), Some(permission)) = (RuleKey::of(value), text(value, PERMISSION)) else {
            return unknown_key(summary);
        };
        let put = |lists: &mut OpensearchAclConfig| {
            put_rule(lists, &key.username, &key.index, &permission)
        };
        match client
            .change_opensearch_acl(&key.project, &key.service, put, &ctx.cancel)
            .await
        {
            Ok(lists) => match rule_of(&lists, &key.username, &key.index) {
                Some(rule) => Applied::ok(key.state(&rule.permission, value)),
                None => Applied::failed(
                    kept.clone(),
                    Diagnostic::error(summary, "The API answered without the rule it was sent.")
                        .at(AttributePath::attr(INDEX)),
                ),
            },
            Err(err) => failed(kept, PERMISSION, summary, &err),
        }
    }
}

#[tfplugin::async_trait]
impl Resource<Client> for AclRuleResource {
    fn type_name(&self) -> &'static str {
        "aiven_opensearch_acl_rule"
    }

    fn schema(&self) -> Schema {
        let permissions = OPENSEARCH_PERMISSIONS.map(|p| format!("`{p}`")).join(", ");
        let block = Block::new("One rule of an OpenSearch service's access control lists: what a user may do with the indices a pattern matches. Rules hold while the lists are on (`aiven_opensearch_acl_config`). Where rules overlap, `admin` gives more than `read` or `write`, and `deny` takes the indices it matches away from every other rule of the user; an index no rule matches is refused. The rules apply to indices only, not to cluster APIs, and not to the service's primary user on aiven-local.")
            .attribute(Attribute::new(ID, Type::String).computed().use_state_for_unknown().description("`project/service_name/username/index`, the import ID."))
            .attributes(service_attributes())
            .attribute(Attribute::new(USERNAME, Type::String).required().requires_replace().description("The service user the rule is for, or a pattern of users (`*` any run of characters, `?` one): letters, digits, `-`, `_`, `.`, `*` and `?`. Changing it forces a new rule."))
            .attribute(Attribute::new(INDEX, Type::String).required().requires_replace().description(format!("The indices the rule is about, as a pattern (`*` any run of characters, `?` one), 1 to {MAX_INDEX} characters. Changing it forces a new rule.")))
            .attribute(Attribute::new(PERMISSION, Type::String).required().description(format!("What the user may do: {permissions}. `read` searches and gets documents; `write` adds, changes and deletes documents and creates indices; `readwrite` both; `admin` anything, deleting indices included; `deny` nothing.")));
        Schema::new(block.block(super::timeouts_block()))
    }

    async fn validate(&self, _ctx: &Context<Client>, config: &Value, diags: &mut Diagnostics) {
        if let Some(username) = config.get(USERNAME).as_str() {
            let allowed = |c: char| c.is_ascii_alphanumeric() || "-._*?".contains(c);
            if username.is_empty() || !username.chars().all(allowed) {
                diags.error_at(
                    AttributePath::attr(USERNAME),
                    "Invalid username",
                    format!("username {username:?} may hold only letters, digits, `-`, `_`, `.`, `*` and `?`, and not be empty."),
                );
            }
        }
        if let Some(index) = config.get(INDEX).as_str()
            && (index.is_empty() || index.chars().count() > MAX_INDEX)
        {
            diags.error_at(
                AttributePath::attr(INDEX),
                "Invalid index pattern",
                format!("index must be 1 to {MAX_INDEX} characters long."),
            );
        }
        if let Some(permission) = config.get(PERMISSION).as_str()
            && !OPENSEARCH_PERMISSIONS.contains(&permission)
        {
            diags.error_at(
                AttributePath::attr(PERMISSION),
                "Invalid permission",
                format!(
                    "permission {permission:?} is not one of {}.",
                    OPENSEARCH_PERMISSIONS.join(", ")
                ),
            );
        }
    }

    async fn create(&self, ctx: &Context<Client>, change: &Change) -> Applied {
        self.apply(ctx, &change.planned, &Value::Null, "Cannot add the rule")
            .await
    }

    async fn read(
        &self,
        ctx: &Context<Client>,
        prior: &Value,
        diags: &mut Diagnostics,
    ) -> Option<Value> {
        let client = ctx.data().map_err(|d| diags.push(d)).ok()?;
        let key = RuleKey::of(prior)?;
        match client
            .opensearch_acl(&key.project, &key.service, &ctx.cancel)
            .await
        {
            Ok(lists) => {
                let rule = rule_of(&lists, &key.username, &key.index)?;
                Some(key.state(&rule.permission, prior))
            }
            Err(err) if err.is_not_found() => None,
            Err(err) => {
                api_error(diags, INDEX, "Cannot read the rule", &err);
                None
            }
        }
    }

    /// Only `permission` changes in place.
    async fn update(&self, ctx: &Context<Client>, change: &Change) -> Applied {
        self.apply(
            ctx,
            &change.planned,
            &change.prior,
            "Cannot change the rule",
        )
        .await
    }

    async fn delete(&self, ctx: &Context<Client>, prior: &Value, diags: &mut Diagnostics) {
        let (Ok(client), Some(key)) = (ctx.data(), RuleKey::of(prior)) else {
            return;
        };
        let remove =
            |lists: &mut OpensearchAclConfig| remove_rule(lists, &key.username, &key.index);
        match client
            .change_opensearch_acl(&key.project, &key.service, remove, &ctx.cancel)
            .await
        {
            Ok(_) => {}
            Err(err) if err.is_not_found() => {}
            Err(err) => api_error(diags, INDEX, "Cannot remove the rule", &err),
        }
    }

    fn identity(&self) -> Option<Identity> {
        Some(Identity::of(&[
            (PROJECT, "The project the service is in."),
            (SERVICE_NAME, "The OpenSearch service."),
            (USERNAME, "The user, or pattern of users, the rule is for."),
            (INDEX, "The index pattern the rule is about."),
        ]))
    }

    async fn import(
        &self,
        _ctx: &Context<Client>,
        id: &str,
        diags: &mut Diagnostics,
    ) -> Option<Value> {
        import_parts(id, &[PROJECT, SERVICE_NAME, USERNAME, INDEX], diags)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rule_is_put_once_per_user_and_index_and_its_user_goes_with_its_last_rule() {
        let mut lists = OpensearchAclConfig::default();
        put_rule(&mut lists, "ana", "logs_*", "read");
        put_rule(&mut lists, "ana", "events", "write");
        put_rule(&mut lists, "ana", "logs_*", "admin");
        assert_eq!(lists.acls.len(), 1);
        assert_eq!(
            rule_of(&lists, "ana", "logs_*").unwrap().permission,
            "admin"
        );
        assert_eq!(
            lists.acls[0].rules.len(),
            2,
            "replaced, not added: {lists:?}"
        );
        remove_rule(&mut lists, "ana", "logs_*");
        assert!(rule_of(&lists, "ana", "logs_*").is_none());
        remove_rule(&mut lists, "ana", "events");
        assert!(lists.acls.is_empty(), "{lists:?}");
    }
}
