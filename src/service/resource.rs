//! Create, read, update, delete and import for every service resource, and
//! the plan rules that keep plans right; the plan-time checks are in
//! [`super::checks`], the replacement rules on the attributes themselves.

use std::sync::Arc;
use std::time::{Duration, Instant};

use aiven_api::catalog;
use aiven_api::types::{
    CreateService, MaintenanceIn, NewIntegration, Service, ServicePlanSpecs, ServiceState,
    TagsBody, TechEmail, UpdateService,
};
use aiven_api::user_config::{PROJECT_TO_FORK_FROM, SERVICE_TO_FORK_FROM};
use serde_json::Value as Json;
use tfplugin::diag::{AttributePath, Diagnostic, Diagnostics};
use tfplugin::resource::{Applied, Change, Context, Plan, Resource};
use tfplugin::schema::Schema;
use tfplugin::value::Value;

use super::api_diagnostic;
use super::checks::{check_fork_source, check_static};
use super::fork;
use super::kind::{EXTRA_JSON, ServiceKind};
use super::model::{IntegrationModel, ServiceModel, name};
use super::plan_check::{check_cloud_with_api, check_plan_with_api};
use super::schema::resource_schema;
use super::state::{self, disk_request, service_id};
use super::upgrade;
use super::user_config;
use super::wait::{self, Expected, WaitError};
use crate::client::{CallError, Client, CreateFailed};

const DEFAULT_TIMEOUT: Duration = Duration::from_secs(20 * 60);

pub struct ServiceResource {
    pub kind: ServiceKind,
}

fn timeout_of(model: &ServiceModel, which: &str) -> Duration {
    [which, "default"]
        .into_iter()
        .find_map(|name| {
            model
                .timeouts
                .get(name)
                .as_str()
                .and_then(wait::parse_duration)
        })
        .unwrap_or(DEFAULT_TIMEOUT)
}

fn maintenance(model: &ServiceModel) -> Option<MaintenanceIn> {
    let dow = model.maintenance_window_dow.clone();
    let time = model.maintenance_window_time.clone();
    (dow.is_some() || time.is_some()).then_some(MaintenanceIn { dow, time })
}

fn tech_emails(model: &ServiceModel) -> Vec<TechEmail> {
    let emails = model.tech_emails.iter().flatten();
    emails
        .map(|email| TechEmail {
            email: email.clone(),
        })
        .collect()
}

/// The identity every call about a planned or stored service needs.
fn project_and_name(model: &ServiceModel) -> (String, String) {
    let project = model.project.clone().unwrap_or_default();
    (project, model.service_name.clone().unwrap_or_default())
}

impl ServiceResource {
    fn model(&self, value: &Value) -> ServiceModel {
        ServiceModel::from_value(&self.kind, value)
    }

    fn state_of(
        &self,
        project: &str,
        service: &Service,
        prior: &ServiceModel,
        plan: Option<&ServicePlanSpecs>,
    ) -> Value {
        state::from_service(&self.kind, project, service, prior, false, plan).to_value(&self.kind)
    }

    /// The API's figures for a service's plan, for its disk sizes; `None`
    /// when the API cannot say (state then keeps what it had).
    async fn plan_of(
        &self,
        client: &Client,
        project: &str,
        service_type: &str,
        plan: &str,
        cancel: &tokio_util::sync::CancellationToken,
    ) -> Option<Arc<ServicePlanSpecs>> {
        match client.plan_specs(project, service_type, plan, cancel).await {
            Ok(specs) => specs,
            Err(err) => {
                tracing::warn!(plan, error = %err, "cannot read the plan's specifications");
                None
            }
        }
    }

    /// The plan's figures for a request, refusing `additional_disk_space` on
    /// a plan the API gives no disk figures for (as the official provider
    /// does): the extra disk would otherwise be silently dropped.
    async fn plan_figures_for(
        &self,
        client: &Client,
        planned: &ServiceModel,
        cancel: &tokio_util::sync::CancellationToken,
    ) -> Result<Option<Arc<ServicePlanSpecs>>, Diagnostic> {
        let project = planned.project.as_deref().unwrap_or_default();
        let service_type = planned.type_name(&self.kind).unwrap_or_default();
        let plan = planned.plan.as_deref().unwrap_or_default();
        let specs = self
            .plan_of(client, project, service_type, plan, cancel)
            .await;
        let extra = planned
            .additional_disk_space
            .as_deref()
            .and_then(state::parse_disk);
        if specs.is_none() && extra.is_some_and(|mib| mib > 0) {
            return Err(Diagnostic::error(
                "No disk figures for the plan",
                format!("additional_disk_space needs the plan's own disk size, and the API gave none for plan {plan:?} of {service_type}. Set disk_space (the total) instead, or try again when the API answers."),
            )
            .at(AttributePath::attr(name::ADDITIONAL_DISK_SPACE)));
        }
        Ok(specs)
    }

    fn create_request(
        &self,
        planned: &ServiceModel,
        plan_figures: Option<&ServicePlanSpecs>,
    ) -> Result<CreateService, Diagnostic> {
        let service_type = planned.type_name(&self.kind).unwrap_or_default().to_owned();
        let plan = planned.plan.clone().unwrap_or_default();
        Ok(CreateService {
            service_name: planned.service_name.clone().unwrap_or_default(),
            disk_space_mb: disk_request(planned, plan_figures),
            service_type,
            plan,
            cloud: planned.cloud_name.clone(),
            user_config: Some(user_config::to_request(
                &self.kind,
                &planned.user_config,
                true,
            )?),
            termination_protection: planned.termination_protection,
            project_vpc_id: super::checks::api_vpc_id(planned.project_vpc_id.as_deref()),
            static_ips: planned.static_ips.clone(),
            tags: Some(planned.tags.clone().unwrap_or_default()),
            tech_emails: Some(tech_emails(planned)),
            maintenance: maintenance(planned),
            cmk_id: planned.cmk_id.clone(),
            service_integrations: planned
                .service_integrations
                .as_ref()
                .filter(|all| !all.is_empty())
                .map(|all| {
                    let project = planned.project.clone();
                    let integration = |i: &IntegrationModel| NewIntegration {
                        integration_type: i.integration_type.clone(),
                        source_project: project.clone(),
                        source_service: Some(i.source_service_name.clone()),
                    };
                    all.iter().map(integration).collect()
                }),
            ..CreateService::default()
        })
    }

    /// The update from `prior` to `planned`: what changed, and the
    /// `user_config` keys the configuration (`config`) writes. A key it no
    /// longer writes is left as the service has it: the API has no way to
    /// return a setting to its default.
    fn update_request(
        &self,
        prior: &ServiceModel,
        planned: &ServiceModel,
        config: &ServiceModel,
        plan_figures: Option<&ServicePlanSpecs>,
    ) -> Result<UpdateService, Diagnostic> {
        let mut user_config = user_config::to_request(&self.kind, &planned.user_config, false)?;
        user_config::keep_written_keys(&self.kind, &config.user_config, &mut user_config);
        let plan_changed = planned.plan != prior.plan;
        let disk_changed = planned.disk_space != prior.disk_space
            || planned.additional_disk_space != prior.additional_disk_space;
        let maintenance_changed = planned.maintenance_window_dow != prior.maintenance_window_dow
            || planned.maintenance_window_time != prior.maintenance_window_time;
        Ok(UpdateService {
            plan: plan_changed.then(|| planned.plan.clone()).flatten(),
            cloud: (planned.cloud_name != prior.cloud_name)
                .then(|| planned.cloud_name.clone())
                .flatten(),
            maintenance: maintenance_changed.then(|| maintenance(planned)).flatten(),
            termination_protection: planned.termination_protection,
            disk_space_mb: (disk_changed || plan_changed)
                .then(|| disk_request(planned, plan_figures))
                .flatten(),
            user_config: Some(user_config),
            // Unset, it is sent as null: out of the VPC, onto the public
            // network.
            project_vpc_id: (planned.project_vpc_id != prior.project_vpc_id)
                .then(|| super::checks::api_vpc_id(planned.project_vpc_id.as_deref())),
            tech_emails: Some(tech_emails(planned)),
            cmk_id: (planned.cmk_id != prior.cmk_id)
                .then(|| planned.cmk_id.clone())
                .flatten(),
            ..UpdateService::default()
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
            .at(AttributePath::attr(name::SERVICE_NAME))),
        }
    }

    /// Turns a planned fork's point into the request (see
    /// [`fork::resolve`]); `None` for a service that is no fork.
    async fn resolve_fork(
        &self,
        client: &Client,
        project: &str,
        change: &Change,
        request: &mut CreateService,
        ctx: &Context<Client>,
    ) -> Result<Option<fork::Resolved>, Diagnostic> {
        let planned = self.model(&change.planned);
        let fork::Asked::Point(point) = fork::asked(&planned, change.planned.get(name::FORK_POINT))
        else {
            return Ok(None);
        };
        let (Some((source_project, source)), Some(service_type)) = (
            fork_source(project, request),
            planned
                .type_name(&self.kind)
                .and_then(catalog::service_type),
        ) else {
            return Ok(None);
        };
        let source = (source_project.as_str(), source.as_str());
        let resolved = fork::resolve(client, service_type, source, &point, request, &ctx.cancel);
        resolved.await.map(Some).map_err(|err| {
            Diagnostic::error(
                "Cannot fork",
                format!(
                    "The fork's point ({point}) could not be resolved: {err}. Nothing was created."
                ),
            )
            .at(AttributePath::attr(name::FORK_POINT))
        })
    }

    /// Waits until a fork's source has a backup to restore from; a source
    /// that is missing or never gets one fails the create, with nothing
    /// created.
    async fn wait_for_fork_source(
        &self,
        client: &Client,
        project: &str,
        request: &CreateService,
        timeout: Duration,
        ctx: &Context<Client>,
    ) -> Result<(), Diagnostic> {
        let Some((source_project, source)) = fork_source(project, request) else {
            return Ok(());
        };
        let waited = wait::until_backed_up(client, &source_project, &source, timeout, &ctx.cancel);
        let detail = match waited.await {
            Ok(()) => return Ok(()),
            Err(WaitError::Call(call)) if call.is_not_found() => {
                format!("The fork source {source} does not exist in project {source_project}.")
            }
            Err(other) => format!(
                "The fork source {source} is not ready to be forked: {other}. Nothing was created."
            ),
        };
        let at = self.kind.user_config_path(SERVICE_TO_FORK_FROM);
        Err(Diagnostic::error("Cannot fork", detail).at(at))
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

    /// A created service that did not come up is kept in state, tainted,
    /// so it is neither lost nor orphaned.
    fn failed_create(
        &self,
        project: &str,
        service: Option<Service>,
        change: &Change,
        err: &WaitError,
        plan: Option<&ServicePlanSpecs>,
    ) -> Applied {
        let planned = self.model(&change.planned);
        let name = planned.service_name.as_deref().unwrap_or_default();
        let detail = format!(
            "The API accepted the service {name}, but {err}. It has been saved to state and marked tainted, so it is not lost: \
             the next apply replaces it, or run `terraform untaint` if it finished on its own."
        );
        let state = match service {
            Some(service) => self.state_of(project, &service, &planned, plan),
            None => planned_with_id(&change.planned, project, name),
        };
        let diagnostic = Diagnostic::error("Service created but not running", detail);
        Applied::failed(state, diagnostic)
    }

    /// Waits for a created service to run, and passes on the warnings the
    /// API attached to it.
    async fn await_created(
        &self,
        client: &Client,
        project: &str,
        created: Service,
        change: &Change,
        (timeout, plan): (Duration, Option<&ServicePlanSpecs>),
        ctx: &Context<Client>,
    ) -> Applied {
        tracing::info!(service = %created.service_name, "created; waiting until RUNNING");
        let waited = wait::until_running(
            client,
            project,
            &created.service_name,
            Expected::default(),
            timeout,
            &ctx.cancel,
        );
        let service = match waited.await {
            Ok(service) => service,
            Err((err, last)) => {
                return self.failed_create(project, last.or(Some(created)), change, &err, plan);
            }
        };
        let planned = self.model(&change.planned);
        let mut applied = Applied::ok(self.state_of(project, &service, &planned, plan));
        let warnings = service
            .notifications()
            .iter()
            .filter(|n| n.level == "warning");
        for notice in warnings {
            applied.diagnostics.push(Diagnostic::warning(
                format!("Notice from the API about {}", service.service_name),
                notice.message.clone(),
            ));
        }
        applied
    }

    /// Sends an update (static IP addresses associated before it and
    /// dissociated after it), then the tags through their own endpoint (the
    /// service update takes none). Returns the update time the answer
    /// carries, which the wait compares reads against.
    async fn send_update(
        &self,
        client: &Client,
        prior: &ServiceModel,
        planned: &ServiceModel,
        request: &UpdateService,
        ctx: &Context<Client>,
    ) -> Result<String, Diagnostic> {
        let (project, name) = project_and_name(planned);
        let (added, removed) = static_ip_changes(prior, planned);
        // Associated first, so that a `static_ips` setting turned on in
        // the same update finds them (as the official provider does).
        for id in &added {
            client
                .associate_static_ip(&project, id, &name, &ctx.cancel)
                .await
                .map_err(|err| {
                    api_diagnostic(&format!("Cannot associate static IP address {id}"), &err)
                })?;
        }
        let answer = client
            .update_service(&project, &name, request, &ctx.cancel)
            .await
            .map_err(|err| api_diagnostic("Cannot update the service", &err))?;
        for id in &removed {
            client
                .dissociate_static_ip(&project, id, &ctx.cancel)
                .await
                .map_err(|err| {
                    api_diagnostic(
                        &format!("The service was updated, but static IP address {id} could not be dissociated"),
                        &err,
                    )
                })?;
        }
        if planned.tags.is_some() && planned.tags != prior.tags {
            let body = TagsBody {
                tags: planned.tags.clone().unwrap_or_default(),
            };
            let replaced = client
                .replace_tags(&project, &name, &body, &ctx.cancel)
                .await;
            replaced.map_err(|err| {
                api_diagnostic("The service was updated, but its tags could not be", &err)
            })?;
        }
        Ok(answer.update_time)
    }

    /// Plan rules for an update: what the API will not change stays as it
    /// is, and a protected service is never replaced.
    fn plan_update(&self, plan: &mut Plan, diags: &mut Diagnostics) {
        keep_unaffected_disk_sizes(plan);
        let integrations =
            |value: &Value| value.get(name::SERVICE_INTEGRATIONS).elements().to_vec();
        if integrations(&plan.planned) != integrations(&plan.prior) {
            diags.push(
                Diagnostic::warning(
                    "Integrations are made only when a service is created",
                    "This change is recorded in state, but makes or removes no integration on the existing service. Manage integrations of a running service with their own resource.",
                )
                .at(AttributePath::attr(name::SERVICE_INTEGRATIONS)),
            );
        }
        let block = self.kind.user_config_block;
        let config = plan.config.get(block).first().clone();
        if let Some(element) = plan.planned.get_mut(block).and_then(Value::first_mut) {
            user_config::plan_one_ip_filter_form(&config, element);
        }
        if config.is_null() && user_config::holds_settings(plan.prior.get(block).first()) {
            diags.push(
                Diagnostic::warning(
                    "Removing the block leaves the settings as they are",
                    format!("The API cannot return settings to their defaults, so the service keeps the values in {block}; this plan only stops tracking them. Write a value to change a setting; keep an empty {block} {{}} block to track what the service reports without a diff."),
                )
                .at(AttributePath::attr(block)),
            );
        }
        self.connection_follows_its_settings(plan);
        // An update ends when the service runs again.
        if plan.prior.get(name::STATE).as_str() == Some(ServiceState::Running.as_str()) {
            keep_prior(plan, name::STATE);
        }
        let prior = self.model(&plan.prior);
        if prior.termination_protection == Some(true) && !plan.requires_replace.is_empty() {
            let causes: Vec<String> = plan
                .requires_replace
                .iter()
                .map(ToString::to_string)
                .collect();
            diags.error_at(
                AttributePath::attr(name::TERMINATION_PROTECTION),
                "Service is protected from replacement",
                format!(
                    "Changing {} replaces {}, which deletes it, but it has termination_protection = true. Disable termination protection first, or revert the change.",
                    causes.join(", "),
                    prior.service_name.unwrap_or_default()
                ),
            );
        }
    }

    /// What a new service (not a fork) reports of the settings its written
    /// block leaves out: the open IP filter. `aiven_service` writes its
    /// other keys as JSON, which may hold a filter, so it plans none there.
    fn plan_reported_settings(&self, plan: &mut Plan) {
        let block = self.kind.user_config_block;
        let config = plan.config.get(block).first().clone();
        if self.kind.service_type.is_none() && !config.get(EXTRA_JSON).is_null() {
            return;
        }
        if let Some(element) = plan.planned.get_mut(block).and_then(Value::first_mut) {
            user_config::plan_reported_ip_filter(&config, element);
        }
    }

    /// Settings that change how clients connect (TLS on or off, which
    /// networks a service answers on) change its URIs and components:
    /// those are known only after the apply.
    fn connection_follows_its_settings(&self, plan: &mut Plan) {
        const CONNECTION_KEYS: [&str; 5] = [
            "valkey_ssl",
            "redis_ssl",
            "public_access",
            "private_access",
            "privatelink_access",
        ];
        let block = self.kind.user_config_block;
        let (planned, prior) = (
            plan.planned.get(block).first(),
            plan.prior.get(block).first(),
        );
        // A key the plan leaves out (the block removed, say) keeps the
        // service's value: only a written value can change it.
        let written = |value: &Value| match value {
            Value::Null => false,
            Value::List(items) | Value::Set(items) => !items.is_empty(),
            _ => true,
        };
        let changes = |key: &&str| written(planned.get(key)) && planned.get(key) != prior.get(key);
        if !CONNECTION_KEYS.iter().any(changes) {
            return;
        }
        let connection = [
            name::SERVICE_URI,
            name::SERVICE_HOST,
            name::SERVICE_PORT,
            name::COMPONENTS,
        ];
        for attribute in connection.into_iter().chain(self.kind.connection_attribute) {
            plan.planned.set(attribute, Value::unknown());
        }
    }

    /// The planned plan and disk size against the API's own plan facts.
    async fn check_plan(
        &self,
        client: &Client,
        ctx: &Context<Client>,
        plan: &Plan,
        diags: &mut Diagnostics,
    ) {
        let planned = self.model(&plan.planned);
        let cancel = &ctx.cancel;
        check_plan_with_api(&self.kind, client, cancel, &planned, &plan.config, diags).await;
    }

    /// A cloud the configuration sets, when it is new or changed, against
    /// the clouds the API lists.
    async fn check_cloud(
        &self,
        client: &Client,
        ctx: &Context<Client>,
        plan: &Plan,
        diags: &mut Diagnostics,
    ) {
        let Some(cloud) = plan.config.get(name::CLOUD_NAME).as_str() else {
            return;
        };
        if !plan.is_create() && plan.prior.get(name::CLOUD_NAME).as_str() == Some(cloud) {
            return;
        }
        let project = self.model(&plan.planned).project;
        let at = AttributePath::attr(name::CLOUD_NAME);
        check_cloud_with_api(client, &ctx.cancel, project.as_deref(), cloud, at, diags).await;
    }

    /// OpenSearch single sign-on does not survive a fork: say so before it
    /// is made.
    fn warn_of_uncopied_sso(&self, planned: &ServiceModel, diags: &mut Diagnostics) {
        let forking = !planned
            .user_config
            .first()
            .get(SERVICE_TO_FORK_FROM)
            .is_null();
        let service_type = planned
            .type_name(&self.kind)
            .and_then(catalog::service_type);
        if forking && service_type.is_some_and(|t| t.fork_leaves_out_sso) {
            diags.push(
                Diagnostic::warning(
                    "Single sign-on settings are not copied to a fork",
                    "OpenSearch SSO methods are tied to the source's URLs and endpoints, which change in a fork. Configure SSO for the fork, or its users may lose access.",
                )
                .at(self.kind.user_config_path(SERVICE_TO_FORK_FROM)),
            );
        }
    }
}

/// The project and name of the service a create request forks, if any.
fn fork_source(project: &str, request: &CreateService) -> Option<(String, String)> {
    let config = request.user_config.as_ref()?;
    let text = |key: &str| config.get(key).and_then(Json::as_str);
    let source = text(SERVICE_TO_FORK_FROM)?;
    let source_project = text(PROJECT_TO_FORK_FROM).unwrap_or(project);
    Some((source_project.to_owned(), source.to_owned()))
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
    state.set(name::ID, Value::string(service_id(project, name)));
    state
}

/// Whether an update moves the plan or a disk size the configuration
/// writes: what the API's plan facts are asked about.
fn plan_or_disk_changes(plan: &Plan) -> bool {
    [name::PLAN, name::ADDITIONAL_DISK_SPACE, name::DISK_SPACE]
        .iter()
        .any(|attribute| plan.planned.get(attribute) != plan.prior.get(attribute))
}

/// Disk sizes the configuration leaves to the API stay as they are unless
/// the change moves them: the total follows the plan and the additional
/// size, the additional size follows a configured total. Removing
/// `additional_disk_space` (with no `disk_space` written) returns the
/// service to the plan's disk, as with the official provider.
fn keep_unaffected_disk_sizes(plan: &mut Plan) {
    use name::{ADDITIONAL_DISK_SPACE, DISK_SPACE, DISK_SPACE_DEFAULT, DISK_SPACE_USED, PLAN};
    let unchanged =
        |plan: &Plan, attribute: &str| plan.planned.get(attribute) == plan.prior.get(attribute);
    let same_plan = unchanged(plan, PLAN);
    let writes_none =
        plan.config.get(ADDITIONAL_DISK_SPACE).is_null() && plan.config.get(DISK_SPACE).is_null();
    let had_extra = plan
        .prior
        .get(ADDITIONAL_DISK_SPACE)
        .as_str()
        .and_then(state::parse_disk)
        .is_some_and(|mib| mib > 0);
    if writes_none && had_extra {
        plan.planned
            .set(ADDITIONAL_DISK_SPACE, Value::string("0GiB".to_owned()));
        if same_plan {
            keep_prior(plan, DISK_SPACE_DEFAULT);
            let default = plan.planned.get(DISK_SPACE_DEFAULT).clone();
            plan.planned.set(DISK_SPACE, default.clone());
            plan.planned.set(DISK_SPACE_USED, default);
        } else {
            plan.planned.set(DISK_SPACE, Value::unknown());
            plan.planned.set(DISK_SPACE_USED, Value::unknown());
        }
        return keep_plan_facts(plan);
    }
    if plan.config.get(ADDITIONAL_DISK_SPACE).is_null()
        && (plan.config.get(DISK_SPACE).is_null() || (same_plan && unchanged(plan, DISK_SPACE)))
    {
        keep_prior(plan, ADDITIONAL_DISK_SPACE);
    }
    if plan.config.get(DISK_SPACE).is_null() && same_plan && unchanged(plan, ADDITIONAL_DISK_SPACE)
    {
        keep_prior(plan, DISK_SPACE);
    }
    if same_plan {
        keep_prior(plan, DISK_SPACE_DEFAULT);
        if unchanged(plan, DISK_SPACE) && unchanged(plan, ADDITIONAL_DISK_SPACE) {
            keep_prior(plan, DISK_SPACE_USED);
        }
    }
    keep_plan_facts(plan);
}

/// The plan's step and cap: on the same plan exactly as state has them,
/// null included (the update keeps them so; a refresh learns what state
/// lacks), so a replan stays empty; a new plan's are learnt on apply.
fn keep_plan_facts(plan: &mut Plan) {
    let same_plan = plan.planned.get(name::PLAN) == plan.prior.get(name::PLAN);
    for fact in PLAN_FACTS {
        let value = if same_plan {
            plan.prior.get(fact).clone()
        } else {
            Value::unknown()
        };
        plan.planned.set(fact, value);
    }
}

/// The plan figures state shows, which only the API's plan endpoint knows.
const PLAN_FACTS: [&str; 2] = [name::DISK_SPACE_STEP, name::DISK_SPACE_CAP];

/// State after an update holds the plan figures the plan promised, where
/// it promised them.
fn as_planned(mut state: Value, planned: &Value) -> Value {
    for fact in PLAN_FACTS {
        let promised = planned.get(fact);
        if !promised.is_unknown() {
            let promised = promised.clone();
            state.set(fact, promised);
        }
    }
    state
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
        check_static(&self.kind, &self.model(config), diags);
        super::check_tag_blocks(config, aiven_api::names::TagsOf::Service, diags);
    }

    async fn modify_plan(&self, ctx: &Context<Client>, plan: &mut Plan, diags: &mut Diagnostics) {
        if plan.is_destroy() {
            let prior = self.model(&plan.prior);
            if prior.termination_protection == Some(true) {
                let name = prior.service_name.unwrap_or_default();
                diags.error_at(
                    AttributePath::attr(name::TERMINATION_PROTECTION),
                    "Service is protected from deletion",
                    format!("{name} has termination_protection = true, so this plan would fail when applied. Set termination_protection = false and apply that first."),
                );
            }
            return;
        }
        if !plan.is_create() {
            self.plan_update(plan, diags);
            if let Some(client) = ctx.configured() {
                self.check_cloud(client, ctx, plan, diags).await;
                if plan_or_disk_changes(plan) {
                    self.check_plan(client, ctx, plan, diags).await;
                }
            }
            return;
        }
        let planned = self.model(&plan.planned);
        let asked = fork::asked(&planned, plan.planned.get(name::FORK_POINT));
        fork::plan_create(&mut plan.planned, &asked);
        if matches!(asked, fork::Asked::NoFork) {
            self.plan_reported_settings(plan);
        }
        self.warn_of_uncopied_sso(&planned, diags);
        if let Some(client) = ctx.configured() {
            let written = !plan.config.get(name::FORK_POINT).is_null();
            let check = check_fork_source(
                &self.kind,
                client,
                &ctx.cancel,
                &planned,
                &asked,
                written,
                diags,
            );
            check.await;
            self.check_cloud(client, ctx, plan, diags).await;
            self.check_plan(client, ctx, plan, diags).await;
        }
    }

    async fn create(&self, ctx: &Context<Client>, change: &Change) -> Applied {
        let client = match ctx.data() {
            Ok(client) => client,
            Err(diag) => return Applied::failed(Value::Null, diag),
        };
        let planned = self.model(&change.planned);
        let project = planned.project.clone().unwrap_or_default();
        let timeout = timeout_of(&self.model(&change.config), "create");
        let started = Instant::now();
        let specs = match self.plan_figures_for(client, &planned, &ctx.cancel).await {
            Ok(found) => found,
            Err(diag) => return Applied::failed(Value::Null, diag),
        };
        let mut request = match self.create_request(&planned, specs.as_deref()) {
            Ok(request) => request,
            Err(diag) => return Applied::failed(Value::Null, diag),
        };
        let ready = self.wait_for_fork_source(client, &project, &request, timeout, ctx);
        if let Err(diag) = ready.await {
            return Applied::failed(Value::Null, diag);
        }
        let free = self.check_name_free(client, &project, &request.service_name, ctx);
        if let Err(diag) = free.await {
            return Applied::failed(Value::Null, diag);
        }
        // Last before the request: the latest transaction is as late as
        // it can be, the latest backup as likely as can be the one used.
        let mut resolved = match self
            .resolve_fork(client, &project, change, &mut request, ctx)
            .await
        {
            Ok(resolved) => resolved,
            Err(diag) => return Applied::failed(Value::Null, diag),
        };
        let created = match client.create_service(&project, &request, &ctx.cancel).await {
            Ok(created) => created,
            Err(err) => {
                let diag = self.create_failed(&project, &request.service_name, &err);
                return Applied::failed(Value::Null, diag);
            }
        };
        if let (Some(resolved), Some(source)) = (&mut resolved, fork_source(&project, &request)) {
            let source = (source.0.as_str(), source.1.as_str());
            resolved
                .learn_from(&created, client, source, &ctx.cancel)
                .await;
        }
        let remaining = timeout.saturating_sub(started.elapsed());
        let mut applied = self
            .await_created(
                client,
                &project,
                created,
                change,
                (remaining, specs.as_deref()),
                ctx,
            )
            .await;
        if let Some(resolved) = resolved {
            applied
                .state
                .set(name::FORK_RESTORED_TO, resolved.restored.to_value());
        }
        applied
    }

    async fn read(
        &self,
        ctx: &Context<Client>,
        prior: &Value,
        diags: &mut Diagnostics,
    ) -> Option<Value> {
        let client = ctx.data().map_err(|d| diags.push(d)).ok()?;
        let prior = self.model(prior);
        let project = prior.project.clone()?;
        let name = prior.service_name.clone()?;
        match client.get_service(&project, &name, &ctx.cancel).await {
            Ok(service) => {
                let importing = prior.plan.is_none();
                let plan = self
                    .plan_of(
                        client,
                        &project,
                        &service.service_type,
                        &service.plan,
                        &ctx.cancel,
                    )
                    .await;
                let mut state = state::from_service(
                    &self.kind,
                    &project,
                    &service,
                    &prior,
                    importing,
                    plan.as_deref(),
                );
                state.static_ips = static_ips_of(client, &project, &name, &prior, ctx).await;
                Some(state.to_value(&self.kind))
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
        let (prior, planned) = (self.model(&change.prior), self.model(&change.planned));
        let (project, name) = project_and_name(&planned);
        let config = self.model(&change.config);
        let specs = match self.plan_figures_for(client, &planned, &ctx.cancel).await {
            Ok(found) => found,
            Err(diag) => return Applied::failed(change.prior.clone(), diag),
        };
        let request = match self.update_request(&prior, &planned, &config, specs.as_deref()) {
            Ok(request) => request,
            Err(diag) => return Applied::failed(change.prior.clone(), diag),
        };
        let updated_at = match self
            .send_update(client, &prior, &planned, &request, ctx)
            .await
        {
            Ok(updated_at) => updated_at,
            Err(diag) => return Applied::failed(change.prior.clone(), diag),
        };
        let expected = Expected {
            update: Some(&request),
            updated_at: Some(&updated_at),
        };
        let timeout = timeout_of(&config, "update");
        let waited = wait::until_running(client, &project, &name, expected, timeout, &ctx.cancel);
        match waited.await {
            Ok(service) => {
                let state = self.state_of(&project, &service, &planned, specs.as_deref());
                Applied::ok(as_planned(state, &change.planned))
            }
            Err((err, last)) => {
                let state = last.map_or_else(
                    || change.prior.clone(),
                    |service| {
                        let state = self.state_of(&project, &service, &planned, specs.as_deref());
                        as_planned(state, &change.planned)
                    },
                );
                let detail = format!("{name} was updated, but {err}.");
                Applied::failed(
                    state,
                    Diagnostic::error("Service updated but not running", detail),
                )
            }
        }
    }

    async fn delete(&self, ctx: &Context<Client>, prior: &Value, diags: &mut Diagnostics) {
        let client = match ctx.data() {
            Ok(client) => client,
            Err(diag) => return diags.push(diag),
        };
        let prior = self.model(prior);
        let (project, name) = project_and_name(&prior);
        if let Err(err) = client.delete_service(&project, &name, &ctx.cancel).await {
            return diags.push(api_diagnostic("Cannot delete the service", &err));
        }
        let timeout = timeout_of(&prior, "delete");
        if let Err(err) = wait::until_deleted(client, &project, &name, timeout, &ctx.cancel).await {
            diags.push(Diagnostic::error(
                "Service deletion not finished",
                format!("{name} was asked to delete, but {err}."),
            ));
        }
    }

    fn upgrade_state(&self, version: i64, state: Json) -> Result<Json, Diagnostic> {
        let fields = self.kind.fields();
        upgrade::upgrade(version, self.kind.user_config_block, &fields, state).ok_or_else(|| {
            Diagnostic::error(
                "Unsupported state version",
                format!(
                    "State for {} was written with schema version {version}: neither this provider's (0, {}) nor the official provider's ({}).",
                    self.kind.type_name,
                    upgrade::CURRENT,
                    upgrade::OFFICIAL
                ),
            )
        })
    }

    /// A service is named by its project and its name, its import ID's
    /// two parts.
    fn identity(&self) -> Option<tfplugin::identity::Identity> {
        Some(tfplugin::identity::Identity::of(&[
            ("project", "The project the service is in."),
            ("service_name", "The service's name."),
        ]))
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
        let model = ServiceModel {
            id: Some(id.to_owned()),
            project: Some(project.to_owned()),
            service_name: Some(name.to_owned()),
            tags: Some(Default::default()),
            tech_emails: Some(Vec::new()),
            user_config: Value::List(Vec::new()),
            ..ServiceModel::default()
        };
        Some(model.to_value(&self.kind))
    }
}

/// The static IP addresses an update associates and dissociates.
fn static_ip_changes(prior: &ServiceModel, planned: &ServiceModel) -> (Vec<String>, Vec<String>) {
    let listed = |model: &ServiceModel| model.static_ips.clone().unwrap_or_default();
    let (before, after) = (listed(prior), listed(planned));
    let added = after
        .iter()
        .filter(|id| !before.contains(id))
        .cloned()
        .collect();
    let removed = before
        .iter()
        .filter(|id| !after.contains(id))
        .cloned()
        .collect();
    (added, removed)
}

/// The static IP addresses associated with the service, as its project's
/// list has them; what state had when none are and state named none, or
/// when the list cannot be read.
async fn static_ips_of(
    client: &Client,
    project: &str,
    name: &str,
    prior: &ServiceModel,
    ctx: &Context<Client>,
) -> Option<Vec<String>> {
    let Ok(all) = client.static_ips(project, &ctx.cancel).await else {
        return prior.static_ips.clone();
    };
    let mut ids: Vec<String> = all
        .into_iter()
        .filter(|ip| ip.service_name == name)
        .map(|ip| ip.static_ip_address_id)
        .collect();
    ids.sort();
    if ids.is_empty() && prior.static_ips.as_ref().is_none_or(Vec::is_empty) {
        return prior.static_ips.clone();
    }
    Some(ids)
}
