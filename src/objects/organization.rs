//! `aiven_organization` and the deprecated `aiven_account`, the parents
//! projects name in `parent_id`, in the official provider's shape. Both
//! are an account of the API (`/v1/account`): an organization is told by
//! its ID (`org…`) and reached through its root account (`a…`), an
//! account by its own ID. The data sources find either by name.

use aiven_api::types::{Account, CreateAccount, UpdateAccount};
use tfplugin::diag::{AttributePath, Diagnostic, Diagnostics};
use tfplugin::identity::Identity;
use tfplugin::resource::{Applied, Change, Context, DataSource, Resource};
use tfplugin::schema::{Attribute, Block, Schema};
use tfplugin::value::{Type, Value};

use super::{ID, TIMEOUTS, api_error, text};
use crate::client::{CallError, Client};

const NAME: &str = "name";
const TENANT_ID: &str = "tenant_id";
const CREATE_TIME: &str = "create_time";
const UPDATE_TIME: &str = "update_time";
const ACCOUNT_ID: &str = "account_id";
const OWNER_TEAM_ID: &str = "owner_team_id";
const IS_ACCOUNT_OWNER: &str = "is_account_owner";
const PRIMARY_BILLING_GROUP_ID: &str = "primary_billing_group_id";

/// The longest name the official provider takes for an organization.
const MAX_NAME: usize = 83;

/// Whether an ID names an organization rather than an account, as the
/// official provider tells them (`org` in front).
pub fn is_organization_id(id: &str) -> bool {
    id.starts_with("org")
}

/// The account an organization or account ID stands for: an organization
/// ID is looked up, an account ID is itself.
pub async fn account_id_of(
    client: &Client,
    id: &str,
    ctx: &Context<Client>,
) -> Result<String, CallError> {
    if is_organization_id(id) {
        Ok(client.get_organization(id, &ctx.cancel).await?.account_id)
    } else {
        Ok(id.to_owned())
    }
}

fn computed(name: &str, what: &str) -> Attribute {
    Attribute::new(name, Type::String)
        .computed()
        .use_state_for_unknown()
        .description(what)
}

/// A computed attribute a change gives a new value.
fn changes(name: &str, what: &str) -> Attribute {
    Attribute::new(name, Type::String)
        .computed()
        .description(what)
}

fn name_attribute(what: &str) -> Attribute {
    Attribute::new(NAME, Type::String)
        .required()
        .description(format!(
            "The {what}'s name, 1 to {MAX_NAME} characters. Changes in place."
        ))
}

fn check_name(config: &Value, diags: &mut Diagnostics) {
    if let Some(name) = config.get(NAME).as_str()
        && (name.trim().is_empty() || name.chars().count() > MAX_NAME)
    {
        diags.error_at(
            AttributePath::attr(NAME),
            "Invalid name",
            format!("name must be 1 to {MAX_NAME} characters, not only spaces."),
        );
    }
}

fn failed(state: &Value, summary: &str, err: &CallError) -> Applied {
    let mut diags = Diagnostics::new();
    api_error(&mut diags, NAME, summary, err);
    Applied::failed(state.clone(), diags)
}

/// The state an import ID stands for, for a read to complete.
fn by_id(id: &str) -> Value {
    Value::object([(ID, Value::string(id))])
}

/// Held by each account create of this process: names need not be unique,
/// so a create whose answer is lost is settled by finding the one account
/// of that name that was not there before it, which holds only while no
/// other create of ours runs.
static CREATES: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Creates an account, once: a create that may have been acted on (no
/// answer, a 5xx) is followed by a look for an account of that name new
/// since it began, and sent again only when there is none (see
/// [`super::create_settled`]).
async fn create(
    client: &Client,
    request: &CreateAccount,
    ctx: &Context<Client>,
) -> Result<Account, CallError> {
    let _one_at_a_time = CREATES.lock().await;
    let before: Vec<String> = client
        .accounts(&ctx.cancel)
        .await?
        .into_iter()
        .map(|a| a.account_id)
        .collect();
    super::create_settled(
        || client.create_account(request, &ctx.cancel),
        || async {
            let now = client.accounts(&ctx.cancel).await.ok()?;
            now.into_iter()
                .find(|a| a.account_name == request.account_name && !before.contains(&a.account_id))
        },
    )
    .await
}

/// Which parent a resource or data source is: both are accounts of the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Parent {
    /// `aiven_organization`: named by its organization ID, reached through
    /// its root account.
    Organization,
    /// `aiven_account` (deprecated): named by its account ID.
    Account,
}

pub struct ParentResource {
    pub kind: Parent,
}

pub const ORGANIZATION: ParentResource = ParentResource {
    kind: Parent::Organization,
};
pub const ACCOUNT: ParentResource = ParentResource {
    kind: Parent::Account,
};

impl ParentResource {
    fn what(&self) -> &'static str {
        match self.kind {
            Parent::Organization => "organization",
            Parent::Account => "account",
        }
    }

    fn state(&self, account: &Account, known: &Value) -> Value {
        let common = [
            (NAME, Value::string(&account.account_name)),
            (TENANT_ID, Value::opt_string(account.tenant_id.clone())),
            (CREATE_TIME, Value::string(&account.create_time)),
            (UPDATE_TIME, Value::string(&account.update_time)),
            (TIMEOUTS, known.get(TIMEOUTS).known_or_null()),
        ];
        let own = match self.kind {
            Parent::Organization => vec![(ID, Value::string(&account.organization_id))],
            Parent::Account => vec![
                (ID, Value::string(&account.account_id)),
                (ACCOUNT_ID, Value::string(&account.account_id)),
                (
                    PRIMARY_BILLING_GROUP_ID,
                    known.get(PRIMARY_BILLING_GROUP_ID).known_or_null(),
                ),
                (OWNER_TEAM_ID, Value::string(&account.account_owner_team_id)),
                (IS_ACCOUNT_OWNER, Value::Bool(account.is_account_owner)),
            ],
        };
        Value::object(own.into_iter().chain(common))
    }

    /// The account the resource's ID stands for.
    async fn account_of(
        &self,
        client: &Client,
        id: &str,
        ctx: &Context<Client>,
    ) -> Result<String, CallError> {
        match self.kind {
            // The official provider also takes an account's own ID here.
            Parent::Organization => account_id_of(client, id, ctx).await,
            Parent::Account => Ok(id.to_owned()),
        }
    }

    fn organization_schema() -> Block {
        Block::new("An organization: the top of the hierarchy projects sit in (`aiven_project.parent_id`). Deleting it deletes its organizational units; the API refuses while it holds projects. aiven-local keeps organizations with no users, teams or billing.")
            .attribute(computed(ID, "The organization's ID (`org…`), the import ID and what `parent_id` takes."))
            .attribute(name_attribute("organization"))
            .attribute(computed(TENANT_ID, "The tenant. Deprecated, as in the official provider.").deprecated())
    }

    fn account_schema() -> Block {
        let mut block = Block::new("An account, as projects' parents were named before organizations. Deprecated, as in the official provider: use `aiven_organization`. Its ID also works as a project's `parent_id`.")
            .attribute(computed(ID, "The account's ID (`a…`), the import ID."))
            .attribute(computed(ACCOUNT_ID, "The account's ID. Deprecated: use `id`.").deprecated())
            .attribute(name_attribute("account"))
            .attribute(Attribute::new(PRIMARY_BILLING_GROUP_ID, Type::String).optional().requires_replace().deprecated().description("A billing group. Deprecated: the API ignores it. Changing it forces a new account."))
            .attribute(computed(OWNER_TEAM_ID, "The account's owner team. Deprecated.").deprecated())
            .attribute(computed(TENANT_ID, "The tenant."))
            .attribute(Attribute::new(IS_ACCOUNT_OWNER, Type::Bool).computed().use_state_for_unknown().deprecated().description("Whether the token's user owns the account. Deprecated."));
        block.deprecated = true;
        block
    }
}

#[tfplugin::async_trait]
impl Resource<Client> for ParentResource {
    fn type_name(&self) -> &'static str {
        match self.kind {
            Parent::Organization => "aiven_organization",
            Parent::Account => "aiven_account",
        }
    }

    fn schema(&self) -> Schema {
        let block = match self.kind {
            Parent::Organization => Self::organization_schema(),
            Parent::Account => Self::account_schema(),
        };
        let block = block
            .attribute(computed(CREATE_TIME, "When it was made (ISO 8601, UTC)."))
            .attribute(changes(
                UPDATE_TIME,
                "When it last changed (ISO 8601, UTC).",
            ));
        Schema::new(block.block(super::timeouts_block()))
    }

    async fn validate(&self, _ctx: &Context<Client>, config: &Value, diags: &mut Diagnostics) {
        check_name(config, diags);
    }

    async fn create(&self, ctx: &Context<Client>, change: &Change) -> Applied {
        let client = match ctx.data() {
            Ok(client) => client,
            Err(diag) => return Applied::failed(Value::Null, diag),
        };
        let request = CreateAccount {
            account_name: text(&change.planned, NAME).unwrap_or_default(),
            primary_billing_group_id: text(&change.planned, PRIMARY_BILLING_GROUP_ID),
            ..CreateAccount::default()
        };
        match create(client, &request, ctx).await {
            Ok(account) => Applied::ok(self.state(&account, &change.planned)),
            Err(err) => failed(
                &Value::Null,
                &format!("Cannot create the {}", self.what()),
                &err,
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
        let id = text(prior, ID)?;
        let read = async {
            let account = self.account_of(client, &id, ctx).await?;
            client.get_account(&account, &ctx.cancel).await
        };
        match read.await {
            Ok(account) => Some(self.state(&account, prior)),
            Err(err) if err.is_not_found() => None,
            Err(err) => {
                api_error(diags, ID, &format!("Cannot read the {}", self.what()), &err);
                None
            }
        }
    }

    async fn update(&self, ctx: &Context<Client>, change: &Change) -> Applied {
        let client = match ctx.data() {
            Ok(client) => client,
            Err(diag) => return Applied::failed(change.prior.clone(), diag),
        };
        let id = text(&change.prior, ID).unwrap_or_default();
        let request = UpdateAccount {
            account_name: text(&change.planned, NAME),
            ..UpdateAccount::default()
        };
        let updated = async {
            let account = self.account_of(client, &id, ctx).await?;
            client.update_account(&account, &request, &ctx.cancel).await
        };
        match updated.await {
            Ok(account) => Applied::ok(self.state(&account, &change.planned)),
            Err(err) => failed(
                &change.prior,
                &format!("Cannot rename the {}", self.what()),
                &err,
            ),
        }
    }

    /// An organization goes with its units (`recursive`), as the official
    /// provider deletes it; an account alone.
    async fn delete(&self, ctx: &Context<Client>, prior: &Value, diags: &mut Diagnostics) {
        let (Ok(client), Some(id)) = (ctx.data(), text(prior, ID)) else {
            return;
        };
        let deleted = if is_organization_id(&id) {
            client.delete_organization(&id, &ctx.cancel).await
        } else {
            client.delete_account(&id, &ctx.cancel).await
        };
        if let Err(err) = deleted {
            api_error(
                diags,
                ID,
                &format!("Cannot delete the {}", self.what()),
                &err,
            );
        }
    }

    fn identity(&self) -> Option<Identity> {
        Some(Identity::of(&[(
            ID,
            match self.kind {
                Parent::Organization => "The organization's ID.",
                Parent::Account => "The account's ID.",
            },
        )]))
    }

    async fn import(
        &self,
        _ctx: &Context<Client>,
        id: &str,
        _diags: &mut Diagnostics,
    ) -> Option<Value> {
        Some(by_id(id))
    }
}

/// The account named `name`: for an organization, its root.
async fn named(
    client: &Client,
    name: &str,
    roots_only: bool,
    ctx: &Context<Client>,
) -> Result<Option<Account>, CallError> {
    let accounts = client.accounts(&ctx.cancel).await?;
    Ok(accounts
        .into_iter()
        .find(|a| a.account_name == name && !(roots_only && a.parent_account_id.is_some())))
}

/// `aiven_organization` and `aiven_account` as data sources: found by ID
/// (organizations) or by name.
pub struct ParentDataSource {
    pub kind: Parent,
}

impl ParentDataSource {
    fn resource(&self) -> ParentResource {
        ParentResource { kind: self.kind }
    }

    fn organization(&self) -> bool {
        self.kind == Parent::Organization
    }
}

#[tfplugin::async_trait]
impl DataSource<Client> for ParentDataSource {
    fn type_name(&self) -> &'static str {
        self.resource().type_name()
    }

    fn schema(&self) -> Schema {
        let resource = self.resource().schema().block;
        let keys: &[&str] = if self.organization() { &[] } else { &[NAME] };
        let mut block = crate::service::data_source::read_only(&resource, keys);
        block.description = if self.organization() {
            "Reads an organization, by `id` or by `name` (one of them).".to_owned()
        } else {
            "Reads an account by `name`. Deprecated: use the `aiven_organization` data source."
                .to_owned()
        };
        if self.organization() {
            for attribute in block
                .attributes
                .iter_mut()
                .filter(|a| a.name == ID || a.name == NAME)
            {
                attribute.optional = true;
                attribute.computed = true;
            }
        }
        Schema::new(block)
    }

    async fn read(&self, ctx: &Context<Client>, config: &Value, diags: &mut Diagnostics) -> Value {
        let Ok(client) = ctx.data().map_err(|d| diags.push(d)) else {
            return Value::Null;
        };
        let (id, name) = (text(config, ID), text(config, NAME));
        let lookup = match (id, name) {
            (Some(id), None) => Some(by_id(&id)),
            (None, Some(name)) => match named(client, &name, self.organization(), ctx).await {
                Ok(Some(account)) if self.organization() => Some(by_id(&account.organization_id)),
                Ok(Some(account)) => Some(by_id(&account.account_id)),
                Ok(None) => None,
                Err(err) => {
                    api_error(diags, NAME, "Cannot list the accounts", &err);
                    return Value::Null;
                }
            },
            _ => {
                diags.push(Diagnostic::error(
                    "Name one organization",
                    "Set exactly one of id and name.",
                ));
                return Value::Null;
            }
        };
        let found = match lookup {
            Some(lookup) => self.resource().read(ctx, &lookup, diags).await,
            None => None,
        };
        match found {
            Some(state) => {
                let attributes = self.schema().block.attributes;
                Value::object(
                    attributes
                        .iter()
                        .map(|a| (a.name.as_str(), state.get(&a.name).clone())),
                )
            }
            None => {
                if !diags.has_errors() {
                    diags.push(Diagnostic::error(
                        "Not found",
                        format!("No {} with {}.", self.type_name(), describe(config)),
                    ));
                }
                Value::Null
            }
        }
    }
}

fn describe(config: &Value) -> String {
    match (text(config, ID), text(config, NAME)) {
        (Some(id), _) => format!("id = {id}"),
        (_, Some(name)) => format!("name = {name:?}"),
        _ => "nothing named".to_owned(),
    }
}
