//! `aiven_project`: a project, the container of services, in the official
//! provider's shape. Its data source is what most configurations start
//! from.

use std::collections::BTreeMap;

use aiven_api::names;
use aiven_api::types::{CreateProject, Project, TechEmail, UpdateProject};
use tfplugin::diag::{AttributePath, Diagnostic, Diagnostics};
use tfplugin::resource::{Applied, Change, Context, Plan, Resource};
use tfplugin::schema::{Attribute, Block, NestedBlock, Schema};
use tfplugin::value::{Type, Value};

use super::organization::{account_id_of, is_organization_id};
use super::{ID, PROJECT, TIMEOUTS, api_error, text};
use crate::client::Client;

const DEFAULT_CLOUD: &str = "default_cloud";
const PARENT_ID: &str = "parent_id";
const ACCOUNT_ID: &str = "account_id";
const BILLING_GROUP: &str = "billing_group";
const COPY_FROM_PROJECT: &str = "copy_from_project";
const ADD_OWNERS: &str = "add_account_owners_admin_access";
const USE_SOURCE_BILLING: &str = "use_source_project_billing_group";
const TECHNICAL_EMAILS: &str = "technical_emails";
const TAG: &str = "tag";
const CA_CERT: &str = "ca_cert";
const PAYMENT_METHOD: &str = "payment_method";
const ESTIMATED_BALANCE: &str = "estimated_balance";
const AVAILABLE_CREDITS: &str = "available_credits";

/// What the configuration wrote and the API does not report back: kept
/// from the plan or the state before.
const AS_WRITTEN: [&str; 5] = [
    PARENT_ID,
    COPY_FROM_PROJECT,
    ADD_OWNERS,
    USE_SOURCE_BILLING,
    TIMEOUTS,
];

pub struct ProjectResource;

/// State from the API's project; `known` (the plan, or the state before)
/// supplies what the API does not report.
fn state(project: &Project, known: &Value) -> Value {
    let mut state = Value::object([
        (ID, Value::string(&project.project_name)),
        (PROJECT, Value::string(&project.project_name)),
        (DEFAULT_CLOUD, Value::string(&project.default_cloud)),
        (ACCOUNT_ID, Value::string(&project.account_id)),
        (BILLING_GROUP, Value::string(&project.billing_group_id)),
        (CA_CERT, known.get(CA_CERT).known_or_null()),
        (PAYMENT_METHOD, Value::string(&project.payment_method)),
        (ESTIMATED_BALANCE, Value::string(&project.estimated_balance)),
        (
            AVAILABLE_CREDITS,
            Value::opt_string(project.available_credits.clone()),
        ),
    ]);
    for name in AS_WRITTEN {
        state.set(name, known.get(name).known_or_null());
    }
    // Contacts are followed once written; unset, the project's are not a diff.
    let emails = project.tech_emails.as_deref().unwrap_or_default();
    let emails = match known.get(TECHNICAL_EMAILS) {
        Value::Null => Value::Null,
        _ => Value::Set(emails.iter().map(|e| Value::string(&e.email)).collect()),
    };
    state.set(TECHNICAL_EMAILS, emails);
    let tags = project.tags.clone().unwrap_or_default();
    let tag = |(key, value): (&String, &String)| {
        Value::object([("key", Value::string(key)), ("value", Value::string(value))])
    };
    state.set(TAG, Value::Set(tags.iter().map(tag).collect()));
    state
}

/// The project's parent in the form `known` wrote it: the API answers
/// with an account ID, so an organization ID is found through that account
/// (as the official provider does), and a parent moved elsewhere shows.
async fn parent_as_written(
    client: &Client,
    project: &Project,
    known: &Value,
    ctx: &Context<Client>,
) -> Value {
    let written = known.get(PARENT_ID);
    let Some(id) = written.as_str() else {
        return written.known_or_null();
    };
    if !is_organization_id(id) {
        return Value::string(&project.account_id);
    }
    match client.get_account(&project.account_id, &ctx.cancel).await {
        Ok(account) if !account.organization_id.is_empty() => {
            Value::string(account.organization_id)
        }
        _ => written.clone(),
    }
}

/// The account a plan puts the project in: `parent_id` (an organization
/// ID is turned into its root account's, which the API takes), else the
/// deprecated `account_id`.
async fn parent_account(
    client: &Client,
    planned: &Value,
    ctx: &Context<Client>,
) -> Result<Option<String>, Diagnostic> {
    let Some(parent) = text(planned, PARENT_ID) else {
        return Ok(text(planned, ACCOUNT_ID));
    };
    account_id_of(client, &parent, ctx)
        .await
        .map(Some)
        .map_err(|err| {
            Diagnostic::error(
                "Cannot find the project's parent",
                format!("parent_id {parent}: the Aiven API answered: {err}"),
            )
            .at(AttributePath::attr(PARENT_ID))
        })
}

/// State with the project's CA certificate, which the API serves apart
/// (`GET /v1/project/{project}/kms/ca`); as `known` had it when the API
/// cannot say.
async fn with_ca(
    client: &Client,
    project: &Project,
    known: &Value,
    ctx: &Context<Client>,
) -> Value {
    let mut state = state(project, known);
    state.set(
        PARENT_ID,
        parent_as_written(client, project, known, ctx).await,
    );
    match client.project_ca(&project.project_name, &ctx.cancel).await {
        Ok(certificate) => state.set(CA_CERT, Value::string(certificate)),
        Err(err) => {
            tracing::warn!(project = %project.project_name, error = %err, "cannot read the project's CA")
        }
    }
    state
}

fn tags(value: &Value) -> BTreeMap<String, String> {
    let pair = |tag: &Value| Some((text(tag, "key")?, text(tag, "value")?));
    value.get(TAG).elements().iter().filter_map(pair).collect()
}

fn emails(value: &Value) -> Option<Vec<TechEmail>> {
    let emails = value.get(TECHNICAL_EMAILS);
    (!emails.is_null()).then(|| {
        let email = |e: &Value| {
            e.as_str().map(|email| TechEmail {
                email: email.to_owned(),
            })
        };
        emails.elements().iter().filter_map(email).collect()
    })
}

fn string(name: &str) -> Attribute {
    Attribute::new(name, Type::String)
}

#[tfplugin::async_trait]
impl Resource<Client> for ProjectResource {
    fn type_name(&self) -> &'static str {
        "aiven_project"
    }

    fn schema(&self) -> Schema {
        let block = Block::new("A project: the services in it share billing, contacts and a default cloud.")
            .attribute(string(ID).computed().use_state_for_unknown().description("The project name, also the import ID."))
            .attribute(string(PROJECT).required().requires_replace().description("The project name, unique among all projects. Changing it forces a new project."))
            .attribute(string(DEFAULT_CLOUD).optional().computed().use_state_for_unknown().description("The cloud new services use when they name none, e.g. `google-europe-west1`."))
            .attribute(string(PARENT_ID).unset_keeps_state().description("The organization or organizational unit the project belongs to."))
            .attribute(string(ACCOUNT_ID).optional().computed().use_state_for_unknown().deprecated().description("The account the project belongs to. Deprecated: use `parent_id`."))
            .attribute(string(BILLING_GROUP).optional().computed().use_state_for_unknown().description("The billing group the project is charged to."))
            .attribute(string(COPY_FROM_PROJECT).unset_keeps_state().description("A project whose billing group, contacts and tags the new project starts with. Only used when the project is created."))
            .attribute(Attribute::new(ADD_OWNERS, Type::Bool).optional().deprecated().description("Give the account owners admin access to the new project. Deprecated, as in the official provider."))
            .attribute(Attribute::new(USE_SOURCE_BILLING, Type::Bool).optional().deprecated().description("Use `copy_from_project`'s billing group. Deprecated, as in the official provider."))
            .attribute(Attribute::new(TECHNICAL_EMAILS, Type::set(Type::String)).optional().description("Addresses told about technical matters of the project's services."))
            .attribute(string(CA_CERT).computed().sensitive().description("The project's CA certificate (PEM), which signs its services' certificates: give it to clients that verify the server, e.g. `sslmode=verify-full` with `sslrootcert`."))
            .attribute(string(PAYMENT_METHOD).computed().use_state_for_unknown().description("How the project is paid for."))
            .attribute(string(ESTIMATED_BALANCE).computed().deprecated().description("The month's running estimate. Deprecated, as in the official provider."))
            .attribute(string(AVAILABLE_CREDITS).computed().deprecated().description("Trial or promotional credits left. Deprecated, as in the official provider."))
            .block(NestedBlock::set(
                TAG,
                Block::new("Tags: labels for the project.")
                    .attribute(string("key").required().description("Tag key."))
                    .attribute(string("value").required().description("Tag value.")),
            ))
            .block(super::timeouts_block());
        Schema::new(block)
    }

    async fn validate(&self, _ctx: &Context<Client>, config: &Value, diags: &mut Diagnostics) {
        crate::service::check_tag_blocks(config, names::TagsOf::Project, diags);
        for name in [PROJECT, COPY_FROM_PROJECT] {
            if let Some(project) = config.get(name).as_str()
                && let Err(message) = names::check_project_name(project)
            {
                diags.error_at(AttributePath::attr(name), "Invalid project name", message);
            }
        }
    }

    /// A default cloud the configuration sets, when new or changed,
    /// against the clouds the API offers.
    async fn modify_plan(&self, ctx: &Context<Client>, plan: &mut Plan, diags: &mut Diagnostics) {
        let (Some(client), Some(cloud)) =
            (ctx.configured(), plan.config.get(DEFAULT_CLOUD).as_str())
        else {
            return;
        };
        if plan.is_destroy() || plan.prior.get(DEFAULT_CLOUD).as_str() == Some(cloud) {
            return;
        }
        let at = AttributePath::attr(DEFAULT_CLOUD);
        crate::service::check_cloud_with_api(client, &ctx.cancel, None, cloud, at, diags).await;
    }

    async fn create(&self, ctx: &Context<Client>, change: &Change) -> Applied {
        let client = match ctx.data() {
            Ok(client) => client,
            Err(diag) => return Applied::failed(Value::Null, diag),
        };
        let planned = &change.planned;
        let Some(name) = text(planned, PROJECT) else {
            return Applied::failed(
                Value::Null,
                Diagnostic::error("Cannot create the project", "project must be known."),
            );
        };
        let account_id = match parent_account(client, planned, ctx).await {
            Ok(account) => account,
            Err(diag) => return Applied::failed(Value::Null, diag),
        };
        let request = CreateProject {
            project: name.clone(),
            cloud: text(planned, DEFAULT_CLOUD),
            account_id,
            billing_group_id: text(planned, BILLING_GROUP),
            copy_from_project: text(planned, COPY_FROM_PROJECT),
            add_account_owners_admin_access: planned.get(ADD_OWNERS).as_bool(),
            use_source_project_billing_group: planned.get(USE_SOURCE_BILLING).as_bool(),
            copy_tags: None,
            // None written: the API's (or `copy_from_project`'s) stand.
            tags: Some(tags(planned)).filter(|tags| !tags.is_empty()),
            tech_emails: emails(planned),
        };
        let mut diags = Diagnostics::new();
        let created = super::create_settled(
            || client.create_project(&request, &ctx.cancel),
            || async { client.get_project(&name, &ctx.cancel).await.ok() },
        );
        match created.await {
            Ok(project) => Applied::ok(with_ca(client, &project, planned, ctx).await),
            Err(err) => {
                api_error(&mut diags, PROJECT, "Cannot create the project", &err);
                Applied::failed(Value::Null, diags)
            }
        }
    }

    async fn read(
        &self,
        ctx: &Context<Client>,
        prior: &Value,
        diags: &mut Diagnostics,
    ) -> Option<Value> {
        let client = ctx.data().map_err(|d| diags.push(d)).ok()?;
        let name = prior.get(PROJECT).as_str()?;
        match client.get_project(name, &ctx.cancel).await {
            Ok(project) => Some(with_ca(client, &project, prior, ctx).await),
            Err(err) if err.is_not_found() => None,
            Err(err) => {
                api_error(diags, PROJECT, "Cannot read the project", &err);
                None
            }
        }
    }

    async fn update(&self, ctx: &Context<Client>, change: &Change) -> Applied {
        let client = match ctx.data() {
            Ok(client) => client,
            Err(diag) => return Applied::failed(change.prior.clone(), diag),
        };
        let planned = &change.planned;
        let name = planned.get(PROJECT).as_str().unwrap_or_default();
        let changed = |attribute: &str| planned.get(attribute) != change.prior.get(attribute);
        let account_id = if changed(PARENT_ID) || changed(ACCOUNT_ID) {
            match parent_account(client, planned, ctx).await {
                Ok(account) => account,
                Err(diag) => return Applied::failed(change.prior.clone(), diag),
            }
        } else {
            None
        };
        let request = UpdateProject {
            cloud: text(planned, DEFAULT_CLOUD),
            account_id,
            billing_group_id: changed(BILLING_GROUP)
                .then(|| text(planned, BILLING_GROUP))
                .flatten(),
            tags: Some(tags(planned)),
            tech_emails: emails(planned),
        };
        let mut diags = Diagnostics::new();
        match client.update_project(name, &request, &ctx.cancel).await {
            Ok(project) => Applied::ok(with_ca(client, &project, planned, ctx).await),
            Err(err) => {
                api_error(&mut diags, PROJECT, "Cannot update the project", &err);
                Applied::failed(change.prior.clone(), diags)
            }
        }
    }

    async fn delete(&self, ctx: &Context<Client>, prior: &Value, diags: &mut Diagnostics) {
        let (Ok(client), Some(name)) = (ctx.data(), prior.get(PROJECT).as_str()) else {
            return;
        };
        if let Err(err) = client.delete_project(name, &ctx.cancel).await {
            api_error(diags, PROJECT, "Cannot delete the project", &err);
        }
    }

    /// A project is named by its name alone, its import ID.
    fn identity(&self) -> Option<tfplugin::identity::Identity> {
        Some(tfplugin::identity::Identity::of(&[(
            PROJECT,
            "The project's name.",
        )]))
    }

    async fn import(
        &self,
        _ctx: &Context<Client>,
        id: &str,
        _diags: &mut Diagnostics,
    ) -> Option<Value> {
        let mut value = Value::object([(ID, Value::string(id)), (PROJECT, Value::string(id))]);
        for name in AS_WRITTEN {
            value.set(name, Value::Null);
        }
        value.set(TECHNICAL_EMAILS, Value::Null);
        Some(value)
    }
}
