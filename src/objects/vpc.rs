//! `aiven_project_vpc`: a project's VPC in a cloud, in the official
//! provider's shape (ID `project/project_vpc_id`); services join it with
//! `project_vpc_id = aiven_project_vpc.x.id`. A create waits until the
//! VPC is `ACTIVE`, a delete until it is gone. The data source finds one
//! by cloud, by its ID or by the deprecated `vpc_id`.

use std::time::Duration;

use aiven_api::names;
use aiven_api::types::{CreateVpc, Vpc};
use tfplugin::diag::{AttributePath, Diagnostic, Diagnostics};
use tfplugin::identity::Identity;
use tfplugin::resource::{Applied, Change, Context, DataSource, Resource};
use tfplugin::schema::{Attribute, Block, Schema};
use tfplugin::value::{Type, Value};

use super::{ID, PROJECT, TIMEOUTS, api_error, project_and_id, text};
use crate::client::{CallError, Client};

const CLOUD_NAME: &str = "cloud_name";
const NETWORK_CIDR: &str = "network_cidr";
const PROJECT_VPC_ID: &str = "project_vpc_id";
const STATE: &str = "state";
const VPC_ID: &str = "vpc_id";
/// How long a create or delete waits for the VPC to settle.
const SETTLE: Duration = Duration::from_secs(600);

pub struct VpcResource;
pub struct VpcDataSource;

fn state_of(project: &str, vpc: &Vpc, known: &Value) -> Value {
    Value::object([
        (
            ID,
            Value::string(format!("{project}/{}", vpc.project_vpc_id)),
        ),
        (PROJECT, Value::string(project)),
        (PROJECT_VPC_ID, Value::string(&vpc.project_vpc_id)),
        (CLOUD_NAME, Value::string(&vpc.cloud_name)),
        (NETWORK_CIDR, Value::string(&vpc.network_cidr)),
        (STATE, Value::string(&vpc.state)),
        (TIMEOUTS, known.get(TIMEOUTS).known_or_null()),
    ])
}

/// Polls the VPC until `done` says it has settled, or the wait runs out.
async fn settle(
    client: &Client,
    ctx: &Context<Client>,
    project: &str,
    id: &str,
    done: impl Fn(&Result<Vpc, CallError>) -> bool,
) -> Result<Result<Vpc, CallError>, String> {
    let started = std::time::Instant::now();
    loop {
        let read = client.get_vpc(project, id, &ctx.cancel).await;
        if done(&read) {
            return Ok(read);
        }
        if matches!(&read, Err(err) if !err.is_not_found()) {
            return Ok(read);
        }
        if started.elapsed() > SETTLE || ctx.cancel.is_cancelled() {
            return Err(format!(
                "VPC {id} did not settle within {} s",
                SETTLE.as_secs()
            ));
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

fn check_cidr(config: &Value, diags: &mut Diagnostics) {
    if let Some(cidr) = config.get(NETWORK_CIDR).as_str()
        && let Err(message) = names::check_cidr(cidr)
    {
        diags.error_at(
            AttributePath::attr(NETWORK_CIDR),
            "Invalid network",
            message,
        );
    }
}

#[tfplugin::async_trait]
impl Resource<Client> for VpcResource {
    fn type_name(&self) -> &'static str {
        "aiven_project_vpc"
    }

    fn schema(&self) -> Schema {
        let replaces = |name: &str, about: &str| {
            Attribute::new(name, Type::String)
                .required()
                .requires_replace()
                .description(format!("{about} Changing it forces a new VPC."))
        };
        let computed = |name: &str, about: &str| {
            Attribute::new(name, Type::String)
                .computed()
                .use_state_for_unknown()
                .description(about)
        };
        Schema::new(
            Block::new(
                "A VPC of a project in one cloud, which services of that project and cloud can run in. A project has at most one VPC per cloud. aiven-local records it and makes no network.",
            )
            .attribute(computed(ID, "`project/project_vpc_id`, the import ID and what services' `project_vpc_id` takes."))
            .attribute(replaces(PROJECT, "The project the VPC belongs to."))
            .attribute(replaces(CLOUD_NAME, "The cloud and region, such as `google-europe-west1`."))
            .attribute(replaces(
                NETWORK_CIDR,
                "The VPC's IPv4 network, such as `192.168.1.0/24`; choose one that overlaps none you will peer with.",
            ))
            .attribute(computed(PROJECT_VPC_ID, "The VPC's ID, as the API names it."))
            .attribute(
                Attribute::new(STATE, Type::String)
                    .computed()
                    .description("`APPROVED`, `ACTIVE`, `DELETING` or `DELETED`."),
            )
            .block(super::timeouts_block()),
        )
    }

    async fn validate(&self, _ctx: &Context<Client>, config: &Value, diags: &mut Diagnostics) {
        check_cidr(config, diags);
    }

    async fn create(&self, ctx: &Context<Client>, change: &Change) -> Applied {
        let client = match ctx.data() {
            Ok(client) => client,
            Err(diag) => return Applied::failed(Value::Null, diag),
        };
        let planned = &change.planned;
        let project = text(planned, PROJECT).unwrap_or_default();
        let request = CreateVpc {
            cloud_name: text(planned, CLOUD_NAME).unwrap_or_default(),
            network_cidr: text(planned, NETWORK_CIDR).unwrap_or_default(),
            peering_connections: Vec::new(),
        };
        let mut diags = Diagnostics::new();
        // A create that may have been acted on is settled by the project's
        // VPC in that cloud with that range.
        let created = super::create_settled(
            || client.create_vpc(&project, &request, &ctx.cancel),
            || async {
                let vpcs = client.vpcs(&project, &ctx.cancel).await.ok()?;
                vpcs.into_iter().find(|v| {
                    v.cloud_name == request.cloud_name
                        && v.network_cidr == request.network_cidr
                        && v.state != "DELETING"
                        && v.state != "DELETED"
                })
            },
        );
        let created = match created.await {
            Ok(created) => created,
            Err(err) => {
                api_error(&mut diags, CLOUD_NAME, "Cannot create the VPC", &err);
                return Applied::failed(Value::Null, diags);
            }
        };
        let active = |read: &Result<Vpc, CallError>| matches!(read, Ok(v) if v.state == "ACTIVE");
        match settle(client, ctx, &project, &created.project_vpc_id, active).await {
            Ok(Ok(vpc)) => Applied::ok(state_of(&project, &vpc, planned)),
            outcome => {
                let detail = match outcome {
                    Err(waited) => waited,
                    Ok(Err(err)) => format!("The Aiven API answered: {err}"),
                    Ok(Ok(_)) => unreachable!(),
                };
                // Made, not yet active: state keeps it (tainted) so that
                // nothing is orphaned.
                diags.push(Diagnostic::error("The VPC did not become active", detail));
                Applied::failed(state_of(&project, &created, planned), diags)
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
        let (project, id) = project_and_id(prior, PROJECT_VPC_ID)?;
        match client.get_vpc(&project, &id, &ctx.cancel).await {
            Ok(vpc) if vpc.state == "DELETED" => None,
            Ok(vpc) => Some(state_of(&project, &vpc, prior)),
            Err(err) if err.is_not_found() => None,
            Err(err) => {
                api_error(diags, PROJECT_VPC_ID, "Cannot read the VPC", &err);
                None
            }
        }
    }

    /// Every attribute but `timeouts` replaces the VPC.
    async fn update(&self, _ctx: &Context<Client>, change: &Change) -> Applied {
        Applied::ok(change.planned.clone())
    }

    async fn delete(&self, ctx: &Context<Client>, prior: &Value, diags: &mut Diagnostics) {
        let (Ok(client), Some((project, id))) = (ctx.data(), project_and_id(prior, PROJECT_VPC_ID))
        else {
            return;
        };
        if let Err(err) = client.delete_vpc(&project, &id, &ctx.cancel).await {
            api_error(diags, PROJECT_VPC_ID, "Cannot delete the VPC", &err);
            return;
        }
        let gone = |read: &Result<Vpc, CallError>| match read {
            Ok(vpc) => vpc.state == "DELETED",
            Err(err) => err.is_not_found(),
        };
        if let Err(waited) = settle(client, ctx, &project, &id, gone).await {
            diags.push(Diagnostic::error("The VPC was not deleted", waited));
        }
    }

    fn identity(&self) -> Option<Identity> {
        Some(Identity::of(&[
            (PROJECT, "The project the VPC belongs to."),
            (PROJECT_VPC_ID, "The VPC's ID."),
        ]))
    }

    async fn import(
        &self,
        _ctx: &Context<Client>,
        id: &str,
        diags: &mut Diagnostics,
    ) -> Option<Value> {
        super::import_by_api_id(id, PROJECT_VPC_ID, "a VPC", diags)
    }
}

#[tfplugin::async_trait]
impl DataSource<Client> for VpcDataSource {
    fn type_name(&self) -> &'static str {
        "aiven_project_vpc"
    }

    fn schema(&self) -> Schema {
        let lookup = |name: &str, about: &str| {
            Attribute::new(name, Type::String)
                .optional()
                .computed()
                .description(about)
        };
        Schema::new(
            Block::new("Reads a project's VPC: by its cloud, by its ID, or by the deprecated `vpc_id`.")
                .attribute(Attribute::new(ID, Type::String).computed().description("`project/project_vpc_id`."))
                .attribute(lookup(PROJECT, "The project; needed with `cloud_name` and `project_vpc_id`."))
                .attribute(lookup(CLOUD_NAME, "The VPC's cloud. Set one of `cloud_name`, `project_vpc_id` and `vpc_id`."))
                .attribute(lookup(PROJECT_VPC_ID, "The VPC's ID."))
                .attribute(
                    Attribute::new(VPC_ID, Type::String)
                        .optional()
                        .deprecated()
                        .description("`project/project_vpc_id`. Deprecated, as in the official provider: use `project` and `project_vpc_id`."),
                )
                .attribute(Attribute::new(NETWORK_CIDR, Type::String).computed().description("The VPC's IPv4 network."))
                .attribute(Attribute::new(STATE, Type::String).computed().description("`APPROVED`, `ACTIVE`, `DELETING` or `DELETED`.")),
        )
    }

    async fn validate(&self, _ctx: &Context<Client>, config: &Value, diags: &mut Diagnostics) {
        let set: Vec<&str> = [CLOUD_NAME, PROJECT_VPC_ID, VPC_ID]
            .into_iter()
            .filter(|name| !config.get(name).is_null())
            .collect();
        if set.len() != 1 {
            diags.error_at(
                AttributePath::attr(CLOUD_NAME),
                "Name the VPC once",
                "Set exactly one of cloud_name, project_vpc_id and vpc_id.",
            );
        } else if set[0] != VPC_ID && config.get(PROJECT).is_null() {
            diags.error_at(
                AttributePath::attr(PROJECT),
                "Missing project",
                format!("project is needed with {}.", set[0]),
            );
        }
    }

    async fn read(&self, ctx: &Context<Client>, config: &Value, diags: &mut Diagnostics) -> Value {
        let Ok(client) = ctx.data().map_err(|d| diags.push(d)) else {
            return Value::Null;
        };
        let (project, by_id) = match text(config, VPC_ID) {
            Some(full) => match full.split_once('/') {
                Some((project, id)) => (project.to_owned(), Some(id.to_owned())),
                None => {
                    diags.error_at(
                        AttributePath::attr(VPC_ID),
                        "Invalid vpc_id",
                        "Write project/project_vpc_id.",
                    );
                    return Value::Null;
                }
            },
            None => (
                text(config, PROJECT).unwrap_or_default(),
                text(config, PROJECT_VPC_ID),
            ),
        };
        let found = match by_id {
            Some(id) => client.get_vpc(&project, &id, &ctx.cancel).await.map(Some),
            None => {
                let cloud = text(config, CLOUD_NAME);
                client.vpcs(&project, &ctx.cancel).await.map(|all| {
                    all.into_iter()
                        .find(|v| Some(&v.cloud_name) == cloud.as_ref())
                })
            }
        };
        let vpc = match found {
            Ok(Some(vpc)) => vpc,
            Ok(None) => {
                diags.error_at(
                    AttributePath::attr(CLOUD_NAME),
                    "Not found",
                    format!("Project {project:?} has no VPC in that cloud."),
                );
                return Value::Null;
            }
            Err(err) => {
                api_error(diags, PROJECT_VPC_ID, "Cannot read the VPC", &err);
                return Value::Null;
            }
        };
        let mut result = state_of(&project, &vpc, &Value::Null);
        result.set(VPC_ID, config.get(VPC_ID).clone());
        let mut out = config.clone();
        for name in [
            ID,
            PROJECT,
            CLOUD_NAME,
            PROJECT_VPC_ID,
            NETWORK_CIDR,
            STATE,
            VPC_ID,
        ] {
            out.set(name, result.get(name).clone());
        }
        out
    }
}
