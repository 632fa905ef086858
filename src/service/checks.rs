//! Plan-time checks: everything that can be known wrong before anything
//! is created, from names and formats to a fork's source and its recovery
//! window. Each error names the attribute it is about.

use aiven_api::catalog::{self, ServiceType};
use aiven_api::fork_point::ForkPoint;
use aiven_api::types::{BackupsResponse, Service, ServiceState};
use aiven_api::user_config::{
    ConfigError, ConfigStep, Field, Kind, PROJECT_TO_FORK_FROM, RECOVERY_BASEBACKUP_NAME,
    RECOVERY_TARGET_TIME, SERVICE_TO_FORK_FROM,
};
use aiven_api::{names, timestamp};
use tfplugin::CancellationToken;
use tfplugin::diag::{AttributePath, Diagnostic, Diagnostics, PathStep};
use tfplugin::value::Value;
use time::OffsetDateTime;

use super::api_diagnostic;
use super::fork;
use super::kind::ServiceKind;
use super::model::{ServiceModel, name};
use super::schema::{IP_FILTER, IP_FILTER_FORMS};
use super::state::parse_disk;
use super::user_config;
use super::wait;
use crate::client::{CallError, Client};

/// Where a `user_config` error is in the configuration: each API key as
/// its Terraform name, every object a block written once (`name[0]`), a
/// list of objects by index. Elements of sets (the string lists here, and
/// sets of blocks) have no index, so the path stops at their attribute.
fn attribute_path(kind: &ServiceKind, error: &ConfigError) -> AttributePath {
    let mut path = AttributePath::attr(kind.user_config_block).index(0);
    let all = kind.fields();
    let mut fields: &[Field] = &all;
    let mut steps = error.path.iter().peekable();
    while let Some(ConfigStep::Key(key)) = steps.next() {
        let Some(field) = fields.iter().find(|f| f.api_name == key) else {
            path.push(PathStep::Attribute(key.clone()));
            break;
        };
        path.push(PathStep::Attribute(field.name.to_owned()));
        match field.kind {
            Kind::Object(inner) => {
                path.push(PathStep::Index(0));
                fields = inner;
            }
            Kind::ObjectList {
                fields: inner,
                set: false,
            } => match steps.next() {
                Some(ConfigStep::Index(index)) => {
                    path.push(PathStep::Index(*index as i64));
                    fields = inner;
                }
                _ => break,
            },
            _ => break,
        }
    }
    path
}

/// Everything the configuration alone can show to be wrong.
pub fn check_static(kind: &ServiceKind, config: &ServiceModel, diags: &mut Diagnostics) {
    let block = AttributePath::attr(kind.user_config_block).index(0);
    warn_deprecated(&kind.fields(), config.user_config.first(), block, diags);
    check_names(config, diags);
    check_vpc_id(config, diags);
    check_disk_sizes(config, diags);
    check_timeouts(config, diags);
    let service_type = check_type(kind, config, diags);
    if let Some(service_type) = service_type {
        check_user_config(kind, service_type, config, diags);
    }
    fork::check(kind, service_type, config, diags);
}

/// `project_vpc_id` as the official provider writes it, the VPC
/// resource's ID `project/vpc_id`, in the service's project.
fn check_vpc_id(config: &ServiceModel, diags: &mut Diagnostics) {
    let Some(id) = config.project_vpc_id.as_deref() else {
        return;
    };
    let at = AttributePath::attr(name::PROJECT_VPC_ID);
    match id.split_once('/') {
        Some((project, vpc)) if !vpc.is_empty() && !vpc.contains('/') => {
            if let Some(own) = config.project.as_deref()
                && own != project
            {
                diags.error_at(
                    at,
                    "VPC of another project",
                    format!("project_vpc_id {id:?} is a VPC of project {project:?}; a service runs in a VPC of its own project, {own:?}."),
                );
            }
        }
        _ => diags.error_at(
            at,
            "Invalid project_vpc_id",
            format!("project_vpc_id {id:?} must be project/vpc_id, as aiven_project_vpc's id is."),
        ),
    }
}

/// The VPC ID the API takes: `project_vpc_id` without its project.
pub fn api_vpc_id(id: Option<&str>) -> Option<String> {
    id.map(|id| id.split_once('/').map_or(id, |(_, vpc)| vpc).to_owned())
}

/// A warning for each deprecated key the configuration sets: it still
/// works, as in the official provider, but is on its way out.
fn warn_deprecated(fields: &[Field], element: &Value, at: AttributePath, diags: &mut Diagnostics) {
    for field in fields.iter().filter(|f| f.in_terraform) {
        let value = element.get(field.name);
        let path = at.clone().then(field.name);
        // A block the configuration leaves out is an empty list, not null.
        let written = match field.kind {
            Kind::Object(_) | Kind::ObjectList { .. } => !value.elements().is_empty(),
            _ => !value.is_null(),
        };
        if field.kind == Kind::IpFilter {
            if user_config::ip_filter_written(element, IP_FILTER) {
                let detail = "ip_filter is deprecated, as in the official provider: write the same ranges as ip_filter_string, or as ip_filter_object blocks to describe them.";
                let at = at.clone().then(IP_FILTER);
                diags.push(Diagnostic::warning("Deprecated key", detail).at(at));
            }
            continue;
        }
        if field.deprecated && written {
            let detail = format!(
                "{} is deprecated, as in the official provider; it still works for now.",
                field.name
            );
            diags.push(Diagnostic::warning("Deprecated key", detail).at(path.clone()));
            // Its keys go with it: one warning says so.
            continue;
        }
        match field.kind {
            Kind::Object(inner) if written => {
                warn_deprecated(inner, value.first(), path.index(0), diags);
            }
            Kind::ObjectList {
                fields: inner,
                set: false,
            } => {
                for (index, item) in value.elements().iter().enumerate() {
                    warn_deprecated(inner, item, path.clone().index(index as i64), diags);
                }
            }
            _ => {}
        }
    }
}

/// The `tag` blocks of a service or project as the API takes them (see
/// [`names::check_tags`]): unique keys above all, since two blocks with
/// one key would apply as one tag and leave state inconsistent.
pub fn check_tag_blocks(config: &Value, of: names::TagsOf, diags: &mut Diagnostics) {
    let tags = config.get(name::TAG).elements();
    // Blocks whose key or value is not known yet are checked at apply.
    let known: Vec<(&str, &str)> = tags
        .iter()
        .filter_map(|tag| Some((tag.get("key").as_str()?, tag.get("value").as_str()?)))
        .collect();
    if let Err(message) = names::check_tags(known, of) {
        diags.error_at(AttributePath::attr(name::TAG), "Invalid tags", message);
    }
}

/// Project, service, cloud, maintenance window and key id: each in the
/// API's form.
fn check_names(config: &ServiceModel, diags: &mut Diagnostics) {
    type Rule = fn(&str) -> Result<(), names::NameError>;
    // The last column: whether the rule's message leaves the attribute
    // unnamed, so the detail starts with it (the maintenance window's do).
    let rules: [(&str, &Option<String>, &str, Rule, bool); 5] = [
        (
            name::PROJECT,
            &config.project,
            "Invalid project name",
            names::check_project_name,
            false,
        ),
        (
            name::SERVICE_NAME,
            &config.service_name,
            "Invalid service name",
            names::check_service_name,
            false,
        ),
        (
            name::MAINTENANCE_WINDOW_DOW,
            &config.maintenance_window_dow,
            "Invalid maintenance day",
            names::check_maintenance_day,
            true,
        ),
        (
            name::MAINTENANCE_WINDOW_TIME,
            &config.maintenance_window_time,
            "Invalid maintenance time",
            names::check_maintenance_time,
            true,
        ),
        (
            name::CMK_ID,
            &config.cmk_id,
            "Invalid customer-managed key",
            names::check_cmk_id,
            false,
        ),
    ];
    for (attribute, value, summary, rule, prefixed) in rules {
        if let Some(Err(message)) = value.as_deref().map(rule) {
            let detail = if prefixed {
                format!("{attribute}: {message}")
            } else {
                message
            };
            diags.error_at(AttributePath::attr(attribute), summary, detail);
        }
    }
}

fn check_disk_sizes(config: &ServiceModel, diags: &mut Diagnostics) {
    let sizes = [
        (name::DISK_SPACE, &config.disk_space),
        (name::ADDITIONAL_DISK_SPACE, &config.additional_disk_space),
    ];
    for (attribute, size) in sizes {
        if let Some(size) = size
            && parse_disk(size).is_none()
        {
            diags.error_at(
                AttributePath::attr(attribute),
                "Invalid disk size",
                format!("{attribute} {size:?} is invalid; use whole gibibytes such as \"10GiB\""),
            );
        }
    }
}

fn check_timeouts(config: &ServiceModel, diags: &mut Diagnostics) {
    for which in ["create", "update", "delete", "read", "default"] {
        if let Some(duration) = config.timeouts.get(which).as_str()
            && wait::parse_duration(duration).is_none()
        {
            diags.error_at(
                AttributePath::attr(name::TIMEOUTS).then(which),
                "Invalid timeout",
                format!("{duration:?} is not a duration; use forms like 90s, 20m or 1h30m"),
            );
        }
    }
}

/// The service type, when it is known and real. The plan is checked in
/// the plan, against the API's own list (`plan_check`): our catalog is
/// aiven-local's, not the platform's.
fn check_type(
    kind: &ServiceKind,
    config: &ServiceModel,
    diags: &mut Diagnostics,
) -> Option<&'static ServiceType> {
    let type_name = config.type_name(kind)?;
    let Some(service_type) = catalog::service_type(type_name) else {
        diags.error_at(
            AttributePath::attr(name::SERVICE_TYPE),
            "Unknown service type",
            format!(
                "service_type {type_name:?} is not supported; use one of {}",
                catalog::service_type_names()
            ),
        );
        return None;
    };
    Some(service_type)
}

/// The `user_config` block: rules between its keys, then every value
/// against the API's definitions.
fn check_user_config(
    kind: &ServiceKind,
    service_type: &ServiceType,
    config: &ServiceModel,
    diags: &mut Diagnostics,
) {
    let block = config.user_config.first();
    let target = block.get(RECOVERY_TARGET_TIME);
    if !target.is_null() && block.get(SERVICE_TO_FORK_FROM).is_null() {
        diags.error_at(
            kind.user_config_path(RECOVERY_TARGET_TIME),
            "recovery_target_time needs a fork source",
            format!("recovery_target_time only applies to a fork: set {SERVICE_TO_FORK_FROM} to the service to restore from."),
        );
    }
    let written: Vec<&str> = IP_FILTER_FORMS
        .into_iter()
        .filter(|form| user_config::ip_filter_written(block, form))
        .collect();
    if written.len() > 1 {
        diags.error_at(
            kind.user_config_path(written[1]),
            "Conflicting IP filters",
            format!(
                "{} all set the service's one IP filter: keep one of them.",
                written.join(" and ")
            ),
        );
    }
    match user_config::to_request(kind, &config.user_config, true) {
        Ok(json) => {
            if let Err(error) = aiven_api::user_config::validate(service_type, &json) {
                let path = attribute_path(kind, &error);
                diags.error_at(path, "Invalid user_config", error.to_string());
            }
        }
        Err(diagnostic) => diags.push(diagnostic),
    }
}

/// What a planned fork asks for.
struct ForkRequest<'p> {
    source: &'p str,
    project: &'p str,
    /// The point is written as `fork_point` (its errors point there), not
    /// as `user_config` keys.
    written_point: bool,
}

impl<'p> ForkRequest<'p> {
    fn of(planned: &'p ServiceModel, written_point: bool) -> Option<ForkRequest<'p>> {
        let block = planned.user_config.first();
        Some(ForkRequest {
            source: block.get(SERVICE_TO_FORK_FROM).as_str()?,
            project: block
                .get(PROJECT_TO_FORK_FROM)
                .as_str()
                .or(planned.project.as_deref())?,
            written_point,
        })
    }
}

/// Checks a fork against its source when the source already exists: its
/// type, its node count, a backup to fork from, and the named backup or
/// the recovery window; and says which backup a latest-backup fork will
/// hold. A source that does not exist yet may be created in this same
/// apply, so its absence is not an error here.
pub async fn check_fork_source(
    kind: &ServiceKind,
    client: &Client,
    cancel: &CancellationToken,
    planned: &ServiceModel,
    asked: &fork::Asked,
    written_point: bool,
    diags: &mut Diagnostics,
) {
    let fork::Asked::Point(point) = asked else {
        return;
    };
    let service_type = planned.type_name(kind).and_then(catalog::service_type);
    let latest_backup = *point == ForkPoint::LatestBackup;
    let Some(fork) = ForkRequest::of(planned, written_point) else {
        // The source's name is known only once it is made in this apply.
        if let (Some(t), true) = (service_type, latest_backup) {
            fork::describe_first_backup(kind, t, "The source", diags);
        }
        return;
    };
    let at_source = kind.user_config_path(SERVICE_TO_FORK_FROM);
    let source = match client.get_service(fork.project, fork.source, cancel).await {
        Ok(service) => service,
        Err(err) if err.is_not_found() => {
            if let (Some(t), true) = (service_type, latest_backup) {
                fork::describe_first_backup(kind, t, fork.source, diags);
            }
            return;
        }
        Err(err) => {
            diags.push(api_diagnostic("Cannot check the fork source", &err).at(at_source));
            return;
        }
    };
    if !same_type(kind, planned, &fork, &source, diags)
        || !enough_nodes(client, cancel, planned, &fork, &source, diags).await
    {
        return;
    }
    let powered_off = source.state == ServiceState::Poweroff;
    if *point == ForkPoint::LatestTransaction && !powered_off {
        return;
    }
    // One read of the backups serves every check below.
    let backups = client.backups(fork.project, fork.source, cancel).await;
    if powered_off && backups.as_ref().is_ok_and(|b| b.backups.is_empty()) {
        diags.error_at(
            at_source,
            "Fork source has no backup",
            format!("{} is powered off and has no backup, so it cannot be forked. Power it on so a backup is taken.", fork.source),
        );
        return;
    }
    match (point, &backups, service_type) {
        (ForkPoint::Backup(name), _, _) => check_named_backup(kind, &fork, name, &backups, diags),
        (ForkPoint::Time(target), _, _) => check_window(kind, &fork, *target, &backups, diags),
        (ForkPoint::LatestBackup, Ok(backups), Some(t)) => {
            let now = OffsetDateTime::now_utc();
            fork::describe_latest_backup(kind, t, fork.source, backups, now, diags);
        }
        _ => {}
    }
}

fn same_type(
    kind: &ServiceKind,
    planned: &ServiceModel,
    fork: &ForkRequest,
    source: &Service,
    diags: &mut Diagnostics,
) -> bool {
    let Some(expected) = planned.type_name(kind) else {
        return true;
    };
    if catalog::service_type(expected).map(|t| t.name) == Some(source.service_type.as_str()) {
        return true;
    }
    diags.error_at(
        kind.user_config_path(SERVICE_TO_FORK_FROM),
        "Fork source has another type",
        format!("{} is a {} service; a {expected} service can only be forked from a {expected} service.", fork.source, source.service_type),
    );
    false
}

/// Types whose forks keep the node count cannot fork to fewer nodes. Both
/// plans' node counts are the API's own (its plan specifications); a plan
/// the API gives no figures for goes unchecked here.
async fn enough_nodes(
    client: &Client,
    cancel: &CancellationToken,
    planned: &ServiceModel,
    fork: &ForkRequest<'_>,
    source: &Service,
    diags: &mut Diagnostics,
) -> bool {
    let keeps_nodes = catalog::service_type(&source.service_type)
        .filter(|t| t.forks_keep_node_count)
        .map(|t| t.name);
    let (Some(service_type), Some(plan_name)) = (keeps_nodes, planned.plan.as_deref()) else {
        return true;
    };
    let nodes_of = |plan: String| async move {
        match client
            .plan_specs(fork.project, service_type, &plan, cancel)
            .await
        {
            Ok(Some(specs)) => Some(specs.node_count),
            _ => None,
        }
    };
    // The reply may leave node_count out; the nodes it lists, or else its
    // plan, say the same.
    let listed = source
        .node_count
        .or_else(|| source.node_states.as_ref().map(|n| n.len() as i64));
    let source_nodes = match listed {
        Some(nodes) => Some(nodes),
        None => nodes_of(source.plan.clone()).await,
    };
    let (Some(source_nodes), Some(plan_nodes)) =
        (source_nodes, nodes_of(plan_name.to_owned()).await)
    else {
        return true;
    };
    if plan_nodes >= source_nodes {
        return true;
    }
    diags.error_at(
        AttributePath::attr(name::PLAN),
        "Fork to fewer nodes",
        format!(
            "Plan {plan_name} has {plan_nodes} nodes, but {} has {source_nodes}: {service_type} services cannot be forked to a plan with fewer nodes. Choose a plan with at least {source_nodes} nodes.",
            fork.source
        ),
    );
    false
}

fn check_named_backup(
    kind: &ServiceKind,
    fork: &ForkRequest,
    name: &str,
    backups: &Result<BackupsResponse, CallError>,
    diags: &mut Diagnostics,
) {
    let at = match fork.written_point {
        true => AttributePath::attr(name::FORK_POINT),
        false => kind.user_config_path(RECOVERY_BASEBACKUP_NAME),
    };
    match backups {
        Ok(backups) if !backups.backups.iter().any(|b| b.backup_name == name) => {
            let available: Vec<&str> = backups
                .backups
                .iter()
                .map(|b| b.backup_name.as_str())
                .collect();
            diags.error_at(
                at,
                "No such backup",
                format!(
                    "{} has no backup {name:?}; available: {}.",
                    fork.source,
                    available.join(", ")
                ),
            );
        }
        Ok(_) => {}
        Err(err) => diags.push(api_diagnostic("Cannot read the fork source's backups", err)),
    }
}

/// `recovery_target_time` must fall between the start of the window the
/// API reports (a null start: no backup allows it yet) and now.
fn check_window(
    kind: &ServiceKind,
    fork: &ForkRequest,
    target_time: OffsetDateTime,
    backups: &Result<BackupsResponse, CallError>,
    diags: &mut Diagnostics,
) {
    let at_target = match fork.written_point {
        true => AttributePath::attr(name::FORK_POINT),
        false => kind.user_config_path(RECOVERY_TARGET_TIME),
    };
    let target = timestamp::format(target_time);
    let backups = match backups {
        Ok(backups) => backups,
        Err(err) => {
            let diagnostic = api_diagnostic("Cannot read the fork source's backups", err);
            diags.push(diagnostic.at(at_target));
            return;
        }
    };
    let now = OffsetDateTime::now_utc();
    let window = match &backups.pitr {
        Some(pitr) => pitr.primary_region.pitr_range_start.clone(),
        None => backups.backups.first().map(|b| b.backup_time.clone()),
    };
    let window_start = window.as_deref().and_then(|t| timestamp::parse(t).ok());
    let window = match window_start {
        Some(start) if target_time >= start && target_time <= now => return,
        Some(start) => format!("from {} (its first backup) to now ({})", timestamp::format(start), timestamp::format_seconds(now)),
        None => "empty: no backup of it allows point-in-time recovery yet, so no time can be targeted until its first backup completes".to_owned(),
    };
    diags.error_at(
        at_target,
        "recovery_target_time outside the recovery window",
        format!(
            "{target} is outside the recovery window of {}, which is {window}.",
            fork.source
        ),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::kind::PG;

    #[test]
    fn validation_errors_point_at_their_attribute_through_nested_blocks() {
        let pg = catalog::service_type("pg").unwrap();
        let path_of = |config: serde_json::Value| {
            let config = config.as_object().unwrap().clone();
            let error = aiven_api::user_config::validate(pg, &config).unwrap_err();
            attribute_path(&PG, &error).to_string()
        };
        let deep = serde_json::json!({"pg": {"max_connections": 5}});
        assert_eq!(path_of(deep), "pg_user_config[0].pg[0].max_connections");
        let top = serde_json::json!({"recovery_target_time": "bad"});
        assert_eq!(path_of(top), "pg_user_config[0].recovery_target_time");
        let element = serde_json::json!({"ip_filter": ["10.0.0.0/8", 7]});
        assert_eq!(path_of(element), "pg_user_config[0].ip_filter");
    }

    #[test]
    fn a_deprecated_block_warns_only_when_it_is_written() {
        let fields = PG.fields();
        let qualstats = fields
            .iter()
            .find(|f| f.name == "pg_qualstats")
            .expect("pg has the deprecated pg_qualstats block");
        assert!(qualstats.deprecated);
        let warnings = |block: Value| {
            let element = Value::object([("pg_qualstats", block)]);
            let mut diags = Diagnostics::new();
            warn_deprecated(
                &fields,
                &element,
                AttributePath::attr("pg_user_config"),
                &mut diags,
            );
            diags.iter().count()
        };
        assert_eq!(warnings(Value::List(Vec::new())), 0, "left out: no warning");
        let written = Value::List(vec![Value::object([("enabled", Value::Bool(true))])]);
        assert_eq!(warnings(written), 1);
    }

    #[test]
    fn clock_times_are_checked() {
        assert!(names::check_maintenance_time("02:30:00").is_ok());
        assert!(names::check_maintenance_time("2:30").is_err());
        assert!(names::check_maintenance_time("25:00:00").is_err());
    }

    #[test]
    fn never_is_no_maintenance_day_a_request_may_set() {
        let err = names::check_maintenance_day("never").unwrap_err();
        assert!(
            err.contains("cannot") || err.contains("not requested"),
            "{err}"
        );
        assert!(names::check_maintenance_day("sunday").is_ok());
    }
}
