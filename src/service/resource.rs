//! Create, read, update, delete and import for every service resource, and
//! the plan rules that keep plans right; the plan-time checks are in
//! [`super::checks`].

use std::time::Duration;

use aiven_api::types::{
    CreateService, MaintenanceIn, Service, ServiceState, TagsBody, TechEmail, UpdateService,
};
use aiven_api::user_config::{PROJECT_TO_FORK_FROM, RECOVERY_TARGET_TIME, SERVICE_TO_FORK_FROM};
use aiven_api::{catalog, timestamp};
use serde_json::{Map, Value as Json};
use tfplugin::diag::{AttributePath, Diagnostic, Diagnostics};
use tfplugin::resource::{Applied, Change, Context, Plan, Resource};
use tfplugin::schema::Schema;
use tfplugin::value::Value;

use super::kind::{EXTRA_JSON, ServiceKind};
use super::schema::{TIMEOUTS, resource_schema};
use super::state::{self, disk_request, service_id};
use super::user_config;
use super::wait::{self, Expected, WaitError};
use crate::client::{CallError, Client, CreateFailed};

const DEFAULT_TIMEOUT: Duration = Duration::from_secs(20 * 60);

pub struct ServiceResource {
    pub kind: ServiceKind,
}

pub(super) fn user_config_path(kind: &ServiceKind, field: &str) -> AttributePath {
    AttributePath::attr(kind.user_config_block)
        .index(0)
        .then(field)
}

pub(super) fn api_diagnostic(summary: &str, err: &CallError) -> Diagnostic {
    Diagnostic::error(summary, format!("The Aiven API answered: {err}"))
}

fn timeout_of(value: &Value, which: &str) -> Duration {
    let timeouts = value.get(TIMEOUTS);
    [which, "default"]
        .into_iter()
        .find_map(|name| timeouts.get(name).as_str().and_then(wait::parse_duration))
        .unwrap_or(DEFAULT_TIMEOUT)
}

impl ServiceResource {
    pub(super) fn service_type<'v>(&self, value: &'v Value) -> Option<&'v str>
    where
        'static: 'v,
    {
        self.kind
            .service_type
            .or_else(|| value.get("service_type").as_str())
    }

    /// The complete `user_config` JSON of a configuration or plan.
    pub(super) fn user_config_json(
        &self,
        value: &Value,
        include_create_only: bool,
    ) -> Result<Map<String, Json>, Diagnostic> {
        let block = self.kind.user_config(value);
        let mut json = user_config::to_api(&self.kind.fields(), block, include_create_only);
        // Sent in the one form the API takes (at most 32 characters); the
        // same instant written any accepted way.
        if let Some(Json::String(time)) = json.get_mut(RECOVERY_TARGET_TIME)
            && let Ok(normal) = timestamp::normalize(time)
        {
            *time = normal;
        }
        if self.kind.service_type.is_none()
            && let Some(extra) = block.get(EXTRA_JSON).as_str()
        {
            let path = user_config_path(&self.kind, EXTRA_JSON);
            let parsed: Json = serde_json::from_str(extra).map_err(|err| {
                Diagnostic::error(
                    "Invalid extra_json",
                    format!("extra_json must be a JSON object (use jsonencode): {err}"),
                )
                .at(path.clone())
            })?;
            let Json::Object(extra) = parsed else {
                return Err(Diagnostic::error(
                    "Invalid extra_json",
                    "extra_json must be a JSON object, e.g. jsonencode({ pg_version = \"16\" }).",
                )
                .at(path));
            };
            for (key, value) in extra {
                if json.contains_key(&key) {
                    return Err(Diagnostic::error(
                        "Duplicate user_config key",
                        format!(
                            "{key} is set both as an attribute and in extra_json; set it once."
                        ),
                    )
                    .at(path));
                }
                json.insert(key, value);
            }
        }
        Ok(json)
    }

    fn create_request(&self, planned: &Value) -> Result<CreateService, Diagnostic> {
        let text = |name: &str| planned.get(name).as_str().map(str::to_owned);
        let service_type = self.service_type(planned).unwrap_or_default().to_owned();
        let plan = text("plan").unwrap_or_default();
        Ok(CreateService {
            service_name: text("service_name").unwrap_or_default(),
            disk_space_mb: disk_request(planned, &service_type, &plan),
            service_type,
            plan,
            cloud: text("cloud_name"),
            user_config: Some(self.user_config_json(planned, true)?),
            termination_protection: planned.get("termination_protection").as_bool(),
            project_vpc_id: text("project_vpc_id"),
            static_ips: strings(planned.get("static_ips")),
            tags: Some(tags(planned)),
            tech_emails: Some(tech_emails(planned)),
            maintenance: maintenance(planned),
            ..CreateService::default()
        })
    }

    /// Refuses a create whose name is taken, with the `import` block that
    /// adopts the existing service. Checking first also means that a
    /// service found after a lost answer is the one this create made.
    async fn check_name_free(
        &self,
        client: &Client,
        project: &str,
        name: &str,
        ctx: &Context<Client>,
    ) -> Result<(), Diagnostic> {
        match client.get_service(project, name, &ctx.cancel).await {
            Err(err) if err.is_not_found() => Ok(()),
            Err(err) => Err(api_diagnostic("Cannot create the service", &err)),
            Ok(existing) => Err(Diagnostic::error(
                "Service already exists",
                format!(
                    "Project {project} already has a {} service named {name}. To manage it with this resource, adopt it:\n\n{}\n\nor choose another service_name.",
                    existing.service_type,
                    self.import_block(project, name)
                ),
            )
            .at(AttributePath::attr("service_name"))),
        }
    }

    /// An `import` block that adopts `project/name` into this resource.
    fn import_block(&self, project: &str, name: &str) -> String {
        format!(
            "import {{\n  to = {}.<this resource's name>\n  id = \"{}\"\n}}",
            self.kind.type_name,
            service_id(project, name)
        )
    }

    /// The error for a create that did not come back with a service. When
    /// the API may have acted on it, it says so and how to adopt the
    /// service, so that nothing is orphaned unknowingly.
    fn create_failed(&self, project: &str, name: &str, failed: &CreateFailed) -> Diagnostic {
        let err = match failed {
            CreateFailed::NotCreated(err) => {
                return api_diagnostic("Cannot create the service", err);
            }
            CreateFailed::Unsettled(err) => err,
        };
        let what = match err {
            CallError::Unreadable { field, .. } => {
                format!(
                    "the API accepted the request, but its answer could not be read at {field} ({err})"
                )
            }
            _ => format!("no usable answer came back ({err})"),
        };
        Diagnostic::error(
            "Service may have been created",
            format!(
                "Creating {name}: {what}, and looking the service up did not settle it. The service may exist in project {project}. \
                 If it does, adopt it rather than creating it again:\n\n{}",
                self.import_block(project, name)
            ),
        )
    }

    fn failed_create(
        &self,
        project: &str,
        service: Option<Service>,
        planned: &Value,
        summary: &str,
        err: &WaitError,
    ) -> Applied {
        let name = planned.get("service_name").as_str().unwrap_or_default();
        let detail = format!(
            "The API accepted the service {name}, but {err}. It has been saved to state and marked tainted, so it is not lost: \
             the next apply replaces it, or run `terraform untaint` if it finished on its own."
        );
        let state = match service {
            Some(service) => state::from_service(&self.kind, project, &service, planned, false),
            None => planned_with_id(planned, project, name),
        };
        Applied::failed(state, Diagnostic::error(summary, detail))
    }
}

/// The planned state with its unknowns filled as far as known, for a
/// service that exists but could not be read back.
fn planned_with_id(planned: &Value, project: &str, name: &str) -> Value {
    let mut state = planned.clone();
    if let Value::Object(entries) = &mut state {
        for value in entries.values_mut() {
            if value.is_unknown() {
                *value = Value::Null;
            }
        }
    }
    state.set("id", Value::string(service_id(project, name)));
    state
}

fn strings(value: &Value) -> Option<Vec<String>> {
    (!value.is_null()).then(|| {
        value
            .elements()
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect()
    })
}

fn tags(value: &Value) -> std::collections::BTreeMap<String, String> {
    value
        .get("tag")
        .elements()
        .iter()
        .filter_map(|t| {
            Some((
                t.get("key").as_str()?.to_owned(),
                t.get("value").as_str()?.to_owned(),
            ))
        })
        .collect()
}

fn tech_emails(value: &Value) -> Vec<TechEmail> {
    value
        .get("tech_emails")
        .elements()
        .iter()
        .filter_map(|e| {
            Some(TechEmail {
                email: e.get("email").as_str()?.to_owned(),
            })
        })
        .collect()
}

fn maintenance(value: &Value) -> Option<MaintenanceIn> {
    let dow = value.get("maintenance_window_dow").as_str();
    let time = value.get("maintenance_window_time").as_str();
    (dow.is_some() || time.is_some()).then(|| MaintenanceIn {
        dow: dow.map(str::to_owned),
        time: time.map(str::to_owned),
    })
}

/// Disk sizes the configuration leaves to the API stay as they are unless
/// the change moves them: the total follows the plan and the additional
/// size, the additional size follows a configured total.
fn keep_unaffected_disk_sizes(plan: &mut Plan) {
    let unchanged =
        |plan: &Plan, attribute: &str| plan.planned.get(attribute) == plan.prior.get(attribute);
    let same_plan = unchanged(plan, "plan");
    if plan.config.get("additional_disk_space").is_null()
        && (plan.config.get("disk_space").is_null() || (same_plan && unchanged(plan, "disk_space")))
    {
        keep_prior(plan, "additional_disk_space");
    }
    if plan.config.get("disk_space").is_null()
        && same_plan
        && unchanged(plan, "additional_disk_space")
    {
        keep_prior(plan, "disk_space");
    }
}

/// Plans an attribute as it is in state, when state knows it.
fn keep_prior(plan: &mut Plan, attribute: &str) {
    let prior = plan.prior.get(attribute);
    if !prior.is_unknown() && !prior.is_null() {
        let prior = prior.clone();
        plan.planned.set(attribute, prior);
    }
}

#[tfplugin::async_trait]
impl Resource<Client> for ServiceResource {
    fn type_name(&self) -> &'static str {
        self.kind.type_name
    }

    fn schema(&self) -> Schema {
        resource_schema(&self.kind)
    }

    async fn validate(&self, _ctx: &Context<Client>, config: &Value, diags: &mut Diagnostics) {
        self.check_static(config, diags);
    }

    async fn modify_plan(&self, ctx: &Context<Client>, plan: &mut Plan, diags: &mut Diagnostics) {
        let protected = plan.prior.get("termination_protection").as_bool() == Some(true);
        let name = plan
            .prior
            .get("service_name")
            .as_str()
            .unwrap_or_default()
            .to_owned();
        if plan.is_destroy() {
            if protected {
                diags.error_at(
                    AttributePath::attr("termination_protection"),
                    "Service is protected from deletion",
                    format!("{name} has termination_protection = true, so this plan would fail when applied. Set termination_protection = false and apply that first."),
                );
            }
            return;
        }
        if !plan.is_create() {
            keep_unaffected_disk_sizes(plan);
            // An update ends when the service runs again.
            if plan.prior.get("state").as_str() == Some(ServiceState::Running.as_str()) {
                keep_prior(plan, "state");
            }
            if protected && !plan.requires_replace.is_empty() {
                let causes: Vec<String> = plan
                    .requires_replace
                    .iter()
                    .map(ToString::to_string)
                    .collect();
                diags.error_at(
                    AttributePath::attr("termination_protection"),
                    "Service is protected from replacement",
                    format!(
                        "Changing {} replaces {name}, which deletes it, but it has termination_protection = true. Disable termination protection first, or revert the change.",
                        causes.join(", ")
                    ),
                );
            }
            return;
        }
        let forking = !self
            .kind
            .user_config(&plan.planned)
            .get(SERVICE_TO_FORK_FROM)
            .is_null();
        if forking
            && self
                .service_type(&plan.planned)
                .and_then(catalog::service_type)
                .map(|t| t.name)
                == Some("opensearch")
        {
            diags.push(
                Diagnostic::warning(
                    "Single sign-on settings are not copied to a fork",
                    "OpenSearch SSO methods are tied to the source's URLs and endpoints, which change in a fork. Configure SSO for the fork, or its users may lose access.",
                )
                .at(user_config_path(&self.kind, SERVICE_TO_FORK_FROM)),
            );
        }
        if let Some(client) = ctx.configured() {
            self.check_fork_source(client, &ctx.cancel, &plan.planned, diags)
                .await;
        }
    }

    async fn create(&self, ctx: &Context<Client>, change: &Change) -> Applied {
        let client = match ctx.data() {
            Ok(client) => client,
            Err(diag) => return Applied::failed(Value::Null, diag),
        };
        let planned = &change.planned;
        let project = planned
            .get("project")
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let timeout = timeout_of(&change.config, "create");
        let started = std::time::Instant::now();
        let request = match self.create_request(planned) {
            Ok(request) => request,
            Err(diag) => return Applied::failed(Value::Null, diag),
        };
        if let Some(source) = request
            .user_config
            .as_ref()
            .and_then(|c| c.get(SERVICE_TO_FORK_FROM))
            .and_then(Json::as_str)
        {
            let source_project = request
                .user_config
                .as_ref()
                .and_then(|c| c.get(PROJECT_TO_FORK_FROM))
                .and_then(Json::as_str)
                .unwrap_or(&project)
                .to_owned();
            if let Err(err) =
                wait::until_backed_up(client, &source_project, source, timeout, &ctx.cancel).await
            {
                let detail = match &err {
                    WaitError::Call(call) if call.is_not_found() => format!(
                        "The fork source {source} does not exist in project {source_project}."
                    ),
                    other => format!(
                        "The fork source {source} is not ready to be forked: {other}. Nothing was created."
                    ),
                };
                return Applied::failed(
                    Value::Null,
                    Diagnostic::error("Cannot fork", detail)
                        .at(user_config_path(&self.kind, SERVICE_TO_FORK_FROM)),
                );
            }
        }
        if let Err(diag) = self
            .check_name_free(client, &project, &request.service_name, ctx)
            .await
        {
            return Applied::failed(Value::Null, diag);
        }
        let created = match client.create_service(&project, &request, &ctx.cancel).await {
            Ok(created) => created,
            Err(err) => {
                return Applied::failed(
                    Value::Null,
                    self.create_failed(&project, &request.service_name, &err),
                );
            }
        };
        tracing::info!(service = %created.service_name, "created; waiting until RUNNING");
        let remaining = timeout.saturating_sub(started.elapsed());
        match wait::until_running(
            client,
            &project,
            &created.service_name,
            Expected::default(),
            remaining,
            &ctx.cancel,
        )
        .await
        {
            Ok(service) => {
                let mut applied = Applied::ok(state::from_service(
                    &self.kind, &project, &service, planned, false,
                ));
                for notice in service
                    .notifications()
                    .iter()
                    .filter(|n| n.level == "warning")
                {
                    applied.diagnostics.push(Diagnostic::warning(
                        format!("Notice from the API about {}", service.service_name),
                        notice.message.clone(),
                    ));
                }
                applied
            }
            Err((err, last)) => self.failed_create(
                &project,
                last.or(Some(created)),
                planned,
                "Service created but not running",
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
        let project = prior.get("project").as_str()?.to_owned();
        let name = prior.get("service_name").as_str()?.to_owned();
        match client.get_service(&project, &name, &ctx.cancel).await {
            Ok(service) => {
                let importing = prior.get("plan").is_null();
                Some(state::from_service(
                    &self.kind, &project, &service, prior, importing,
                ))
            }
            Err(err) if err.is_not_found() => {
                tracing::info!(service = %name, "service no longer exists; removing it from state");
                None
            }
            Err(err) => {
                diags.push(api_diagnostic("Cannot read the service", &err));
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
        let prior = &change.prior;
        let project = planned
            .get("project")
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let name = planned
            .get("service_name")
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let changed = |attribute: &str| {
            planned.get(attribute) != prior.get(attribute) && !planned.get(attribute).is_unknown()
        };
        let text = |attribute: &str| planned.get(attribute).as_str().map(str::to_owned);
        let service_type = self.service_type(planned).unwrap_or_default().to_owned();
        let mut user_config = match self.user_config_json(planned, false) {
            Ok(json) => json,
            Err(diag) => return Applied::failed(prior.clone(), diag),
        };
        // Keys the configuration no longer sets are unset, not left as they were.
        if let Ok(before) = self.user_config_json(prior, false) {
            for key in before.keys() {
                user_config.entry(key.clone()).or_insert(Json::Null);
            }
        }
        let request = UpdateService {
            plan: changed("plan").then(|| text("plan")).flatten(),
            cloud: changed("cloud_name").then(|| text("cloud_name")).flatten(),
            maintenance: (changed("maintenance_window_dow") || changed("maintenance_window_time"))
                .then(|| maintenance(planned))
                .flatten(),
            termination_protection: planned.get("termination_protection").as_bool(),
            disk_space_mb: (changed("additional_disk_space")
                || changed("disk_space")
                || changed("plan"))
            .then(|| disk_request(planned, &service_type, &text("plan").unwrap_or_default()))
            .flatten(),
            user_config: Some(user_config),
            // Unset, it is sent as null: out of the VPC, onto the public
            // network.
            project_vpc_id: changed("project_vpc_id").then(|| text("project_vpc_id")),
            tech_emails: Some(tech_emails(planned)),
            ..UpdateService::default()
        };
        let answer = match client
            .update_service(&project, &name, &request, &ctx.cancel)
            .await
        {
            Ok(answer) => answer,
            Err(err) => {
                return Applied::failed(
                    prior.clone(),
                    api_diagnostic("Cannot update the service", &err),
                );
            }
        };
        // Tags have their own endpoint; the service update takes none.
        if changed("tag") {
            let body = TagsBody {
                tags: tags(planned),
            };
            if let Err(err) = client
                .replace_tags(&project, &name, &body, &ctx.cancel)
                .await
            {
                return Applied::failed(
                    prior.clone(),
                    api_diagnostic("The service was updated, but its tags could not be", &err),
                );
            }
        }
        let expected = Expected {
            update: Some(&request),
            updated_at: Some(&answer.update_time),
        };
        match wait::until_running(
            client,
            &project,
            &name,
            expected,
            timeout_of(&change.config, "update"),
            &ctx.cancel,
        )
        .await
        {
            Ok(service) => Applied::ok(state::from_service(
                &self.kind, &project, &service, planned, false,
            )),
            Err((err, last)) => {
                let state = last.map_or_else(
                    || prior.clone(),
                    |s| state::from_service(&self.kind, &project, &s, planned, false),
                );
                Applied::failed(
                    state,
                    Diagnostic::error(
                        "Service updated but not running",
                        format!("{name} was updated, but {err}."),
                    ),
                )
            }
        }
    }

    async fn delete(&self, ctx: &Context<Client>, prior: &Value, diags: &mut Diagnostics) {
        let client = match ctx.data() {
            Ok(client) => client,
            Err(diag) => return diags.push(diag),
        };
        let project = prior.get("project").as_str().unwrap_or_default();
        let name = prior.get("service_name").as_str().unwrap_or_default();
        if let Err(err) = client.delete_service(project, name, &ctx.cancel).await {
            return diags.push(api_diagnostic("Cannot delete the service", &err));
        }
        if let Err(err) = wait::until_deleted(
            client,
            project,
            name,
            timeout_of(prior, "delete"),
            &ctx.cancel,
        )
        .await
        {
            diags.push(Diagnostic::error(
                "Service deletion not finished",
                format!("{name} was asked to delete, but {err}."),
            ));
        }
    }

    async fn import(
        &self,
        _ctx: &Context<Client>,
        id: &str,
        diags: &mut Diagnostics,
    ) -> Option<Value> {
        let Some((project, name)) = id
            .split_once('/')
            .filter(|(p, n)| !p.is_empty() && !n.is_empty() && !n.contains('/'))
        else {
            diags.push(Diagnostic::error(
                "Invalid import ID",
                format!(
                    "{id:?} is not an import ID; use PROJECT/SERVICE_NAME, e.g. my-project/pg-main."
                ),
            ));
            return None;
        };
        Some(Value::object([
            ("id", Value::string(id)),
            ("project", Value::string(project)),
            ("service_name", Value::string(name)),
            (self.kind.user_config_block, Value::List(Vec::new())),
            ("tag", Value::Set(Vec::new())),
            ("tech_emails", Value::Set(Vec::new())),
        ]))
    }
}
