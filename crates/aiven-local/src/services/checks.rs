//! The checks a create or an update passes before anything is stored,
//! each as the API makes it (names, type, plan, cloud, settings,
//! maintenance, tags, disk), and how a checked update is written into a
//! record. Pure: nothing here reaches the store or an engine.

use super::*;

/// Lays `changes` over `base` key by key, into nested objects too: a fork
/// that sets one `pg` setting keeps the others it copied from its source.
pub(super) fn overlay(base: &mut Map<String, Value>, changes: Map<String, Value>) {
    for (key, value) in changes {
        match (base.get_mut(&key), value) {
            (Some(Value::Object(inner)), Value::Object(more)) => overlay(inner, more),
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
}

/// The maintenance window a request asks for, by the API's rules.
pub(super) fn check_maintenance(maintenance: Option<&MaintenanceIn>) -> Result<(), Error> {
    let Some(maintenance) = maintenance else {
        return Ok(());
    };
    if let Some(dow) = &maintenance.dow {
        names::check_maintenance_day(dow)
            .map_err(|m| Error::invalid(format!("maintenance.dow: {m}")))?;
    }
    if let Some(time) = &maintenance.time {
        names::check_maintenance_time(time)
            .map_err(|m| Error::invalid(format!("maintenance.time: {m}")))?;
    }
    Ok(())
}

/// A create request that passed every check that needs no other service.
pub(super) struct CheckedCreate {
    pub(super) service_type: &'static ServiceType,
    pub(super) plan: catalog::Plan,
    pub(super) cloud: String,
    pub(super) user_config: Map<String, Value>,
}

/// The nested blocks as the platform reports them: a block the request
/// writes holds the keys the platform fills in when left out (see
/// `user_config::reported_when_left_out`: every access switch, off).
pub(super) fn with_access_switches(
    service_type: &catalog::ServiceType,
    config: &mut Map<String, Value>,
) {
    for field in user_config::fields(service_type) {
        let user_config::Kind::Object(switches) = field.kind else {
            continue;
        };
        let Some(Value::Object(block)) = config.get_mut(field.api_name) else {
            continue;
        };
        for switch in switches {
            if let Some(value) = user_config::reported_when_left_out(&field, switch) {
                block.entry(switch.api_name).or_insert(value);
            }
        }
    }
}

/// [`catalog::check_cloud`], refused at the request's `cloud`.
pub fn offered_cloud(cloud: &str) -> Result<(), Error> {
    catalog::check_cloud(cloud)
        .map(drop)
        .map_err(|message| Error::invalid_at("cloud", message))
}

/// A service's or project's tags, as the API takes them.
pub fn check_tags(tags: Option<&BTreeMap<String, String>>, of: names::TagsOf) -> Result<(), Error> {
    let pairs = tags
        .into_iter()
        .flatten()
        .map(|(k, v)| (k.as_str(), v.as_str()));
    names::check_tags(pairs, of).map_err(Error::invalid)
}

/// A disk size against its plan: the plan's disk, or more in its steps up
/// to its cap where the type has dynamic disk sizing.
pub(super) fn check_disk(plan: &catalog::Plan, disk_space_mb: i64) -> Result<(), Error> {
    catalog::DiskRule::from(plan)
        .check(disk_space_mb)
        .map_err(|err| Error::invalid(format!("disk_space_mb: {err} (plan {})", plan.name)))
}

/// Names, type, plan, cloud, settings, maintenance window and disk size of
/// a create request, each checked as the API does. A request that names
/// no cloud gets `default_cloud`, the project's.
pub(super) fn check_create(
    project: &str,
    default_cloud: &str,
    request: &CreateService,
) -> Result<CheckedCreate, Error> {
    names::check_project_name(project).map_err(Error::invalid)?;
    names::check_service_name(&request.service_name).map_err(Error::invalid)?;
    let service_type = Services::service_type(&request.service_type)?;
    let plan = catalog::plan(service_type, &request.plan).ok_or_else(|| {
        Error::invalid(catalog::unknown_plan_message(service_type, &request.plan))
    })?;
    let cloud = request
        .cloud
        .clone()
        .unwrap_or_else(|| default_cloud.to_owned());
    offered_cloud(&cloud)?;
    let mut user_config = request.user_config.clone().unwrap_or_default();
    user_config::validate(service_type, &user_config)?;
    with_access_switches(service_type, &mut user_config);
    check_maintenance(request.maintenance.as_ref())?;
    check_tags(request.tags.as_ref(), names::TagsOf::Service)?;
    if let Some(id) = &request.cmk_id {
        names::check_cmk_id(id).map_err(Error::invalid)?;
    }
    if let Some(disk) = request.disk_space_mb {
        check_disk(&plan, disk)?;
    }
    Ok(CheckedCreate {
        service_type,
        plan,
        cloud,
        user_config,
    })
}

/// An update request that passed its checks.
pub(super) struct CheckedUpdate {
    pub(super) service_type: &'static ServiceType,
    pub(super) plan: Option<catalog::Plan>,
    /// The `user_config` keys to change (never null: the API cannot
    /// remove a setting).
    pub(super) config_update: Map<String, Value>,
}

/// Plan, cloud, disk size, settings and maintenance window of an update,
/// each checked as the API does. Fork and recovery keys are create-only:
/// an update ignores them.
pub(super) fn check_update(
    current: &ServiceRecord,
    request: &UpdateService,
) -> Result<CheckedUpdate, Error> {
    let service_type = Services::service_type(&current.service_type)?;
    let plan = match &request.plan {
        Some(plan_name) => Some(catalog::plan(service_type, plan_name).ok_or_else(|| {
            Error::invalid(catalog::unknown_plan_message(service_type, plan_name))
        })?),
        None => None,
    };
    if let Some(cloud) = &request.cloud {
        offered_cloud(cloud)?;
    }
    if let Some(disk) = request.disk_space_mb {
        let target = plan
            .clone()
            .or_else(|| catalog::plan(service_type, &current.plan));
        if let Some(target) = target {
            check_disk(&target, disk)?;
        }
    }
    let mut config_update = request.user_config.clone().unwrap_or_default();
    for key in [
        SERVICE_TO_FORK_FROM,
        PROJECT_TO_FORK_FROM,
        RECOVERY_TARGET_TIME,
        RECOVERY_BASEBACKUP_NAME,
    ] {
        config_update.remove(key);
    }
    user_config::validate(service_type, &config_update)?;
    with_access_switches(service_type, &mut config_update);
    check_maintenance(request.maintenance.as_ref())?;
    if let Some(id) = &request.cmk_id {
        names::check_cmk_id(id).map_err(Error::invalid)?;
    }
    Ok(CheckedUpdate {
        service_type,
        plan,
        config_update,
    })
}

/// Writes a checked update into a record: what the request sets changes,
/// what it leaves out stays.
pub(super) fn apply_update(
    r: &mut ServiceRecord,
    request: &UpdateService,
    checked: &CheckedUpdate,
    powered_change: Option<bool>,
) {
    if let Some(plan) = &checked.plan {
        r.plan = plan.name.clone();
        r.node_count = plan.node_count;
        r.disk_space_mb = r.disk_space_mb.max(plan.disk_space_mb);
    }
    let maintenance = request.maintenance.as_ref();
    let set = |field: &mut String, value: Option<&String>| {
        if let Some(value) = value {
            field.clone_from(value);
        }
    };
    set(&mut r.cloud, request.cloud.as_ref());
    set(
        &mut r.maintenance.dow,
        maintenance.and_then(|m| m.dow.as_ref()),
    );
    set(
        &mut r.maintenance.time,
        maintenance.and_then(|m| m.time.as_ref()),
    );
    if let Some(protection) = request.termination_protection {
        r.termination_protection = protection;
    }
    if let Some(disk) = request.disk_space_mb {
        r.disk_space_mb = disk;
    }
    if let Some(emails) = &request.tech_emails {
        r.tech_emails = emails.clone();
    }
    if let Some(vpc) = &request.project_vpc_id {
        r.project_vpc_id = vpc.clone();
    }
    if let Some(id) = &request.cmk_id {
        r.cmk_id = Some(id.clone()).filter(|id| id != names::NO_CMK);
    }
    for (key, value) in &checked.config_update {
        r.user_config.insert(key.clone(), value.clone());
    }
    if let Some(powered) = powered_change {
        r.powered = powered;
        r.state = if powered {
            ServiceState::Running
        } else {
            ServiceState::Poweroff
        };
    }
    r.update_time = now();
}
