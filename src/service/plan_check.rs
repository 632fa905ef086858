//! Plan-time checks against the API's own plan facts: the plan is one the
//! API lists for the type in this project, and the disk size fits that
//! plan's figures. Our own catalog is never consulted here: the platform's
//! plans differ per type and change over time, so a plan the API lists is
//! never refused. When the API cannot be asked, the plan warns and goes
//! on (the API still checks the request when it is applied). Clouds are
//! checked the same way, against the clouds the API lists.

use aiven_api::catalog;
use tfplugin::CancellationToken;
use tfplugin::diag::{AttributePath, Diagnostic, Diagnostics};
use tfplugin::value::Value;

use super::kind::ServiceKind;
use super::model::{ServiceModel, name};
use super::state::parse_disk;
use crate::client::{CallError, Client};

/// The disk size a configuration writes, and the attribute it wrote it in.
enum WrittenDisk {
    /// `additional_disk_space`: on top of the plan's disk.
    Additional(i64),
    /// The deprecated `disk_space`: the total.
    Total(i64),
}

impl WrittenDisk {
    fn of(config: &Value) -> Option<WrittenDisk> {
        let parsed = |attribute| config.get(attribute).as_str().and_then(parse_disk);
        parsed(name::ADDITIONAL_DISK_SPACE)
            .map(WrittenDisk::Additional)
            .or_else(|| parsed(name::DISK_SPACE).map(WrittenDisk::Total))
    }

    fn attribute(&self) -> &'static str {
        match self {
            WrittenDisk::Additional(_) => name::ADDITIONAL_DISK_SPACE,
            WrittenDisk::Total(_) => name::DISK_SPACE,
        }
    }

    fn total(&self, plan_disk_mb: i64) -> i64 {
        match *self {
            WrittenDisk::Additional(extra) => plan_disk_mb + extra,
            WrittenDisk::Total(total) => total,
        }
    }
}

fn cannot_ask(diags: &mut Diagnostics, what: &str, at: AttributePath, err: &CallError) {
    diags.push(
        Diagnostic::warning(
            format!("Could not check the {what} with the API"),
            format!("The Aiven API could not be asked ({err}), so the {what} goes unchecked in this plan; the API checks it when the change is applied."),
        )
        .at(at),
    );
}

/// Checks the planned plan and disk size against what the API publishes
/// for the project. Nothing is asked when the project, type or plan is not
/// known yet.
pub async fn check_plan_with_api(
    kind: &ServiceKind,
    client: &Client,
    cancel: &CancellationToken,
    planned: &ServiceModel,
    config: &Value,
    diags: &mut Diagnostics,
) {
    let (Some(project), Some(written_type), Some(plan)) = (
        planned.project.as_deref(),
        planned.type_name(kind),
        planned.plan.as_deref(),
    ) else {
        return;
    };
    // The name the API lists the type under (`redis` is `valkey` now).
    let service_type = catalog::service_type(written_type).map_or(written_type, |t| t.name);
    match client.service_plans(project, service_type, cancel).await {
        Ok(list) => {
            if !list.service_plans.iter().any(|p| p.service_plan == plan) {
                let offered: Vec<&str> = list
                    .service_plans
                    .iter()
                    .map(|p| p.service_plan.as_str())
                    .collect();
                diags.error_at(
                    AttributePath::attr(name::PLAN),
                    "Plan not offered",
                    format!(
                        "The API offers no plan {plan:?} for {service_type} services in project {project}; it lists: {}.",
                        offered.join(", ")
                    ),
                );
                return;
            }
        }
        Err(CallError::Cancelled) => return,
        Err(err) => return cannot_ask(diags, "plan", AttributePath::attr(name::PLAN), &err),
    }
    let Some(written) = WrittenDisk::of(config) else {
        return;
    };
    let at = AttributePath::attr(written.attribute());
    match client.plan_specs(project, service_type, plan, cancel).await {
        Ok(Some(specs)) => {
            if let Err(err) = specs.disk_rule().check(written.total(specs.disk_space_mb)) {
                diags.error_at(
                    at,
                    "Disk size does not fit the plan",
                    format!("{} for plan {plan}: {err}.", written.attribute()),
                );
            }
        }
        Ok(None) => {
            if let WrittenDisk::Additional(extra) = written
                && extra > 0
            {
                diags.error_at(
                    at,
                    "No disk figures for the plan",
                    format!("The API gives no disk figures for plan {plan:?} of {service_type}, so additional_disk_space cannot be added to it. Set disk_space (the total) instead."),
                );
            }
        }
        Err(CallError::Cancelled) => {}
        Err(err) => cannot_ask(diags, "disk size", at, &err),
    }
}

/// Checks a cloud the configuration sets against the clouds the API
/// lists: the project's own list where the project exists, else every
/// cloud the API offers (the project may be made in this same apply).
pub async fn check_cloud_with_api(
    client: &Client,
    cancel: &CancellationToken,
    project: Option<&str>,
    cloud: &str,
    at: AttributePath,
    diags: &mut Diagnostics,
) {
    let mut answer = client.clouds(project, cancel).await;
    if project.is_some() && matches!(answer, Ok(None)) {
        answer = client.clouds(None, cancel).await;
    }
    let list = match answer {
        Ok(Some(list)) => list,
        Ok(None) | Err(CallError::Cancelled) => return,
        Err(err) => return cannot_ask(diags, "cloud", at, &err),
    };
    let offered = list.clouds.iter().map(|c| c.cloud_name.as_str());
    if offered.clone().any(|name| name == cloud) {
        return;
    }
    let scope = project.map_or("The API".to_owned(), |p| format!("Project {p}"));
    diags.error_at(
        at,
        "Cloud not offered",
        format!(
            "{scope} offers no cloud {cloud:?}; {}.",
            catalog::instead_of_cloud(cloud, offered)
        ),
    );
}
