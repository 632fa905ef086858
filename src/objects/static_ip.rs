//! `aiven_static_ip`: a static IP address of a project, in the official
//! provider's shape (ID `project/static_ip_address_id`); services take
//! them with `static_ips`. Deleting one dissociates it first, as the
//! official provider does; an `assigned` one stays bound to its node and
//! cannot go.

use aiven_api::types::{CreateStaticIp, StaticIp};
use tfplugin::diag::{Diagnostic, Diagnostics};
use tfplugin::identity::Identity;
use tfplugin::resource::{Applied, Change, Context, Plan, Resource};
use tfplugin::schema::{Attribute, Block, Schema};
use tfplugin::value::{Type, Value};

use super::{ID, PROJECT, TIMEOUTS, api_error, project_and_id, text};
use crate::client::{CallError, Client};

const CLOUD_NAME: &str = "cloud_name";
const TERMINATION_PROTECTION: &str = "termination_protection";
const STATIC_IP_ADDRESS_ID: &str = "static_ip_address_id";
const IP_ADDRESS: &str = "ip_address";
const SERVICE_NAME: &str = "service_name";
const STATE: &str = "state";

pub struct StaticIpResource;

/// Held by each create of this process: an address has no name of its
/// own, so a create whose answer is lost is settled by finding the one
/// address that was not there before it, which holds only while no other
/// create of ours runs.
static CREATES: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Creates an address, once: a create that may have been acted on (no
/// answer, a 5xx) is followed by a look for an address new since it
/// began, and sent again only when there is none (see
/// [`super::create_settled`]).
async fn create(
    client: &Client,
    ctx: &Context<Client>,
    project: &str,
    request: &CreateStaticIp,
) -> Result<StaticIp, CallError> {
    let _one_at_a_time = CREATES.lock().await;
    let ids = |ips: Vec<StaticIp>| ips.into_iter().map(|ip| ip.static_ip_address_id);
    let before: Vec<String> = ids(client.static_ips(project, &ctx.cancel).await?).collect();
    super::create_settled(
        || client.create_static_ip(project, request, &ctx.cancel),
        || async {
            let now = client.static_ips(project, &ctx.cancel).await.ok()?;
            now.into_iter().find(|ip| {
                ip.cloud_name == request.cloud_name && !before.contains(&ip.static_ip_address_id)
            })
        },
    )
    .await
}

fn state_of(project: &str, ip: &StaticIp, known: &Value) -> Value {
    Value::object([
        (
            ID,
            Value::string(format!("{project}/{}", ip.static_ip_address_id)),
        ),
        (PROJECT, Value::string(project)),
        (CLOUD_NAME, Value::string(&ip.cloud_name)),
        (
            TERMINATION_PROTECTION,
            Value::Bool(ip.termination_protection),
        ),
        (
            STATIC_IP_ADDRESS_ID,
            Value::string(&ip.static_ip_address_id),
        ),
        (IP_ADDRESS, Value::string(&ip.ip_address)),
        (SERVICE_NAME, Value::string(&ip.service_name)),
        (STATE, Value::string(&ip.state)),
        (TIMEOUTS, known.get(TIMEOUTS).known_or_null()),
    ])
}

/// The address `id` of `project`, as the project's list has it.
async fn find(
    client: &Client,
    ctx: &Context<Client>,
    project: &str,
    id: &str,
) -> Result<Option<StaticIp>, crate::client::CallError> {
    let listed = client.static_ips(project, &ctx.cancel).await?;
    Ok(listed.into_iter().find(|ip| ip.static_ip_address_id == id))
}

#[tfplugin::async_trait]
impl Resource<Client> for StaticIpResource {
    fn type_name(&self) -> &'static str {
        "aiven_static_ip"
    }

    fn schema(&self) -> Schema {
        let computed = |name: &str, about: &str| {
            Attribute::new(name, Type::String)
                .computed()
                .description(about)
        };
        Schema::new(
            Block::new(
                "A static IP address of a project, for services in its cloud (`static_ips` on the service, and the `static_ips` setting on to use them). Once `assigned` it stays bound to its node: it can be neither dissociated nor deleted. aiven-local records it; nothing is routed to it.",
            )
            .attribute(
                computed(ID, "`project/static_ip_address_id`, the import ID.").use_state_for_unknown(),
            )
            .attribute(
                Attribute::new(PROJECT, Type::String)
                    .required()
                    .requires_replace()
                    .description("The project. Changing it forces a new address."),
            )
            .attribute(
                Attribute::new(CLOUD_NAME, Type::String)
                    .required()
                    .requires_replace()
                    .description("The cloud, such as `google-europe-west1`. Changing it forces a new address."),
            )
            .attribute(
                Attribute::new(TERMINATION_PROTECTION, Type::Bool)
                    .default(Value::Bool(false))
                    .description("Refuse to delete the address (the API refuses too). Changes in place, keeping the address."),
            )
            .attribute(
                computed(STATIC_IP_ADDRESS_ID, "The address's ID, which services' `static_ips` take.")
                    .use_state_for_unknown(),
            )
            .attribute(computed(IP_ADDRESS, "The IPv4 address.").use_state_for_unknown())
            .attribute(computed(SERVICE_NAME, "The service it is associated with; empty when none."))
            .attribute(computed(
                STATE,
                "`creating`, `created`, `available` (associated), `assigned` (in use), `deleting` or `deleted`.",
            ))
            .block(super::timeouts_block()),
        )
    }

    /// A plan that would delete an `assigned` address is refused, as the
    /// official provider refuses it: the API would refuse the delete after
    /// the rest of the apply was done. The address is read afresh: state
    /// may hold the state of an apply before the service's setting changed.
    async fn modify_plan(&self, ctx: &Context<Client>, plan: &mut Plan, diags: &mut Diagnostics) {
        if !plan.is_destroy() {
            return;
        }
        let prior = &plan.prior;
        let (Some(client), Some((project, id))) = (
            ctx.configured(),
            project_and_id(prior, STATIC_IP_ADDRESS_ID),
        ) else {
            return;
        };
        let Ok(Some(ip)) = find(client, ctx, &project, &id).await else {
            return;
        };
        if ip.state == "assigned" {
            diags.push(Diagnostic::error(
                "The address is assigned",
                format!(
                    "Static IP address {id} is assigned to {}: it stays bound to its node until the node is recycled, so it cannot be deleted. Turn the service's static_ips setting off and apply that first.",
                    ip.service_name
                ),
            ));
        }
    }

    async fn create(&self, ctx: &Context<Client>, change: &Change) -> Applied {
        let client = match ctx.data() {
            Ok(client) => client,
            Err(diag) => return Applied::failed(Value::Null, diag),
        };
        let planned = &change.planned;
        let project = text(planned, PROJECT).unwrap_or_default();
        let request = CreateStaticIp {
            cloud_name: text(planned, CLOUD_NAME).unwrap_or_default(),
            termination_protection: planned.get(TERMINATION_PROTECTION).as_bool(),
        };
        let mut diags = Diagnostics::new();
        let mut ip = match create(client, ctx, &project, &request).await {
            Ok(ip) => ip,
            Err(err) => {
                api_error(
                    &mut diags,
                    CLOUD_NAME,
                    "Cannot create the static IP address",
                    &err,
                );
                diags.push(Diagnostic::warning(
                    "The address may have been made",
                    format!("If the API made it all the same, the project lists it (`GET /v1/project/{project}/static-ips`, or avn static-ip list); adopt it with terraform import <address> {project}/<static_ip_address_id>."),
                ));
                return Applied::failed(Value::Null, diags);
            }
        };
        // `creating` until the platform has the address.
        for _ in 0..600 {
            if ip.state != "creating" || ctx.cancel.is_cancelled() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            if let Ok(Some(now)) = find(client, ctx, &project, &ip.static_ip_address_id).await {
                ip = now;
            }
        }
        Applied::ok(state_of(&project, &ip, planned))
    }

    async fn read(
        &self,
        ctx: &Context<Client>,
        prior: &Value,
        diags: &mut Diagnostics,
    ) -> Option<Value> {
        let client = ctx.data().map_err(|d| diags.push(d)).ok()?;
        let (project, id) = project_and_id(prior, STATIC_IP_ADDRESS_ID)?;
        match find(client, ctx, &project, &id).await {
            Ok(Some(ip)) if ip.state != "deleted" => Some(state_of(&project, &ip, prior)),
            Ok(_) => None,
            Err(err) if err.is_not_found() => None,
            Err(err) => {
                api_error(
                    diags,
                    STATIC_IP_ADDRESS_ID,
                    "Cannot read the static IP address",
                    &err,
                );
                None
            }
        }
    }

    /// Only `timeouts` changes in place; it lives in state.
    /// Only `termination_protection` changes in place.
    async fn update(&self, ctx: &Context<Client>, change: &Change) -> Applied {
        let client = match ctx.data() {
            Ok(client) => client,
            Err(diag) => return Applied::failed(change.prior.clone(), diag),
        };
        let planned = &change.planned;
        let Some((project, id)) = project_and_id(&change.prior, STATIC_IP_ADDRESS_ID) else {
            return Applied::failed(
                change.prior.clone(),
                Diagnostic::error(
                    "Cannot change the static IP address",
                    "Its ID is not known.",
                ),
            );
        };
        let protected = planned
            .get(TERMINATION_PROTECTION)
            .as_bool()
            .unwrap_or(false);
        match client
            .patch_static_ip(&project, &id, protected, &ctx.cancel)
            .await
        {
            Ok(ip) => Applied::ok(state_of(&project, &ip, planned)),
            Err(err) => {
                let mut diags = Diagnostics::new();
                api_error(
                    &mut diags,
                    TERMINATION_PROTECTION,
                    "Cannot change the static IP address",
                    &err,
                );
                Applied::failed(change.prior.clone(), diags)
            }
        }
    }

    async fn delete(&self, ctx: &Context<Client>, prior: &Value, diags: &mut Diagnostics) {
        let (Ok(client), Some((project, id))) =
            (ctx.data(), project_and_id(prior, STATIC_IP_ADDRESS_ID))
        else {
            return;
        };
        // As the official provider does: dissociate first, whatever that
        // answers; the delete says why if the address cannot go.
        let _ = client
            .dissociate_static_ip(&project, &id, &ctx.cancel)
            .await;
        if let Err(err) = client.delete_static_ip(&project, &id, &ctx.cancel).await {
            api_error(
                diags,
                STATIC_IP_ADDRESS_ID,
                "Cannot delete the static IP address",
                &err,
            );
        }
    }

    fn identity(&self) -> Option<Identity> {
        Some(Identity::of(&[
            (PROJECT, "The project the address belongs to."),
            (STATIC_IP_ADDRESS_ID, "The address's ID."),
        ]))
    }

    async fn import(
        &self,
        _ctx: &Context<Client>,
        id: &str,
        diags: &mut Diagnostics,
    ) -> Option<Value> {
        super::import_by_api_id(id, STATIC_IP_ADDRESS_ID, "a static IP address", diags)
    }
}
