//! `aiven_project`: a project, the container of services. Its data source
//! is what most configurations start from.

use aiven_api::names;
use aiven_api::types::{CreateProject, Project, UpdateProject};
use tfplugin::diag::{AttributePath, Diagnostic, Diagnostics};
use tfplugin::resource::{Applied, Change, Context, Resource};
use tfplugin::schema::{Attribute, Block, Schema};
use tfplugin::value::{Type, Value};

use super::{ID, PROJECT, api_error};
use crate::client::Client;

const DEFAULT_CLOUD: &str = "default_cloud";
const PARENT_ID: &str = "parent_id";

pub struct ProjectResource;

/// State from the API's project. `parent_id` is the organization or unit
/// the configuration placed it in, kept as written: the API reports the
/// account it resolves to, in another form.
fn state(project: &Project, known: &Value) -> Value {
    let parent = known.get(PARENT_ID);
    Value::object([
        (ID, Value::string(&project.project_name)),
        (PROJECT, Value::string(&project.project_name)),
        (DEFAULT_CLOUD, Value::string(&project.default_cloud)),
        (
            PARENT_ID,
            if parent.is_unknown() {
                Value::Null
            } else {
                parent.clone()
            },
        ),
    ])
}

#[tfplugin::async_trait]
impl Resource<Client> for ProjectResource {
    fn type_name(&self) -> &'static str {
        "aiven_project"
    }

    fn schema(&self) -> Schema {
        Schema::new(
            Block::new("A project: the services in it share billing, members and a default cloud.")
                .attribute(Attribute::new(ID, Type::String).computed().use_state_for_unknown().description("The project name, also the import ID."))
                .attribute(Attribute::new(PROJECT, Type::String).required().requires_replace().description("The project name. Changing it forces a new project."))
                .attribute(Attribute::new(DEFAULT_CLOUD, Type::String).optional().computed().use_state_for_unknown().description("The cloud new services use when they name none, e.g. `google-europe-west1`."))
                .attribute(Attribute::new(PARENT_ID, Type::String).unset_keeps_state().description("The organization or organizational unit the project belongs to, sent as the project's account when it is created. aiven-local has no organizations and takes any value.")),
        )
    }

    async fn validate(&self, _ctx: &Context<Client>, config: &Value, diags: &mut Diagnostics) {
        if let Some(name) = config.get(PROJECT).as_str()
            && let Err(message) = names::check_project_name(name)
        {
            diags.error_at(
                AttributePath::attr(PROJECT),
                "Invalid project name",
                message,
            );
        }
        if let Some(cloud) = config.get(DEFAULT_CLOUD).as_str()
            && let Err(message) = names::check_cloud_name(cloud)
        {
            diags.error_at(
                AttributePath::attr(DEFAULT_CLOUD),
                "Invalid cloud name",
                message,
            );
        }
    }

    async fn create(&self, ctx: &Context<Client>, change: &Change) -> Applied {
        let client = match ctx.data() {
            Ok(client) => client,
            Err(diag) => return Applied::failed(Value::Null, diag),
        };
        let Some(name) = change.planned.get(PROJECT).as_str() else {
            return Applied::failed(
                Value::Null,
                Diagnostic::error("Cannot create the project", "project must be known."),
            );
        };
        let request = CreateProject {
            project: name.to_owned(),
            cloud: change
                .planned
                .get(DEFAULT_CLOUD)
                .as_str()
                .map(str::to_owned),
            account_id: change.planned.get(PARENT_ID).as_str().map(str::to_owned),
            tags: None,
        };
        let mut diags = Diagnostics::new();
        match client.create_project(&request, &ctx.cancel).await {
            Ok(project) => Applied::ok(state(&project, &change.planned)),
            Err(err) => {
                // An answer lost after the API acted: the project exists.
                if let Ok(project) = client.get_project(name, &ctx.cancel).await {
                    return Applied::ok(state(&project, &change.planned));
                }
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
            Ok(project) => Some(state(&project, prior)),
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
        let name = change.planned.get(PROJECT).as_str().unwrap_or_default();
        let request = UpdateProject {
            cloud: change
                .planned
                .get(DEFAULT_CLOUD)
                .as_str()
                .map(str::to_owned),
            tags: None,
        };
        let mut diags = Diagnostics::new();
        match client.update_project(name, &request, &ctx.cancel).await {
            Ok(project) => Applied::ok(state(&project, &change.planned)),
            Err(err) => {
                api_error(&mut diags, DEFAULT_CLOUD, "Cannot update the project", &err);
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

    async fn import(
        &self,
        _ctx: &Context<Client>,
        id: &str,
        _diags: &mut Diagnostics,
    ) -> Option<Value> {
        Some(Value::object([
            (ID, Value::string(id)),
            (PROJECT, Value::string(id)),
        ]))
    }
}
