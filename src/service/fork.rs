//! The point a fork is restored to (`fork_point`): read from the
//! configuration, where the official provider's `user_config` keys say it
//! too; checked before anything is planned; described in the plan; turned
//! at apply time into the request the API takes; and recorded in state
//! (`fork_restored_to`).
//!
//! The API restores a fork that names no point from the source's newest
//! backup, and nothing committed after it (see `aiven_api::fork_point`).
//! That is the default here too, so HCL written for the official provider
//! forks as it does there; the plan says what such a fork will leave out.

use aiven_api::catalog::ServiceType;
use aiven_api::fork_point::{self, ForkPoint};
use aiven_api::timestamp;
use aiven_api::types::{BackupsResponse, CreateService, Service};
use aiven_api::user_config::{
    RECOVERY_BASEBACKUP_NAME, RECOVERY_TARGET_TIME, SERVICE_TO_FORK_FROM,
};
use serde_json::Value as Json;
use tfplugin::CancellationToken;
use tfplugin::diag::{AttributePath, Diagnostic, Diagnostics};
use tfplugin::value::Value;
use time::OffsetDateTime;

use super::kind::ServiceKind;
use super::model::{RestoredToModel, ServiceModel, name};

/// The point a configuration, plan or state asks for, as far as it is
/// known.
#[derive(Debug, Clone, PartialEq)]
pub enum Asked {
    /// Not a fork: no `service_to_fork_from`.
    NoFork,
    /// A fork whose point depends on values not known yet.
    Unknown,
    Point(ForkPoint),
}

fn user_config_text<'v>(model: &'v ServiceModel, key: &str) -> &'v Value {
    model.user_config.first().get(key)
}

/// What `model` asks for: `fork_point` when written, else the
/// `user_config` keys (a time, a backup, or neither: the latest backup).
/// A value that does not parse is for [`check`] to report; here it reads
/// as the user_config keys would.
pub fn asked(model: &ServiceModel, written_point: &Value) -> Asked {
    if user_config_text(model, SERVICE_TO_FORK_FROM).is_null() {
        return Asked::NoFork;
    }
    if written_point.is_unknown() {
        return Asked::Unknown;
    }
    if let Some(Ok(point)) = written_point.as_str().map(ForkPoint::parse) {
        return Asked::Point(point);
    }
    let target = user_config_text(model, RECOVERY_TARGET_TIME);
    let backup = user_config_text(model, RECOVERY_BASEBACKUP_NAME);
    if target.is_unknown() || backup.is_unknown() {
        return Asked::Unknown;
    }
    match ForkPoint::of_request(target.as_str(), backup.as_str()) {
        Ok(point) => Asked::Point(point),
        Err(_) => Asked::Unknown,
    }
}

/// Plan-time checks of `fork_point`: its form, that there is a fork for it
/// to apply to, that the type can restore to it, and that the
/// `user_config` keys, if also written, say the same.
pub fn check(
    kind: &ServiceKind,
    service_type: Option<&ServiceType>,
    config: &ServiceModel,
    diags: &mut Diagnostics,
) {
    let Some(text) = config.fork_point.as_deref() else {
        return;
    };
    let at = AttributePath::attr(name::FORK_POINT);
    let point = match ForkPoint::parse(text) {
        Ok(point) => point,
        Err(err) => return diags.error_at(at, "Invalid fork point", err.to_string()),
    };
    let source = user_config_text(config, SERVICE_TO_FORK_FROM);
    if source.is_null() && !config.user_config.is_unknown() {
        let detail = format!(
            "fork_point only applies to a fork: set {}[0].{SERVICE_TO_FORK_FROM} to the service to restore from, or remove fork_point (removing both from a fork that exists keeps it).",
            kind.user_config_block
        );
        return diags.error_at(at, "fork_point needs a fork source", detail);
    }
    if let Some(Err(err)) = service_type.map(|t| point.check_type(t)) {
        return diags.error_at(
            at,
            "Fork point not available for this type",
            err.to_string(),
        );
    }
    let target = user_config_text(config, RECOVERY_TARGET_TIME);
    let backup = user_config_text(config, RECOVERY_BASEBACKUP_NAME);
    if target.is_unknown() || backup.is_unknown() {
        return;
    }
    let written_key = [
        (RECOVERY_TARGET_TIME, target),
        (RECOVERY_BASEBACKUP_NAME, backup),
    ]
    .into_iter()
    .find(|(_, value)| !value.is_null());
    let Some((key, value)) = written_key else {
        return;
    };
    let keys = ForkPoint::of_request(target.as_str(), backup.as_str());
    if keys.is_ok_and(|keys| keys == point) {
        return;
    }
    let said = value.as_str().unwrap_or_default();
    diags.error_at(
        at,
        "Conflicting fork points",
        format!(
            "fork_point = {text:?}, but {}[0].{key} = {said:?} asks for another point: keep one of them.",
            kind.user_config_block
        ),
    );
}

/// Fills a create's planned `fork_point` (when the configuration leaves
/// it out: what the `user_config` keys say) and `fork_restored_to` (known
/// now only for a point in time; null for a service that is no fork).
pub fn plan_create(planned: &mut Value, asked: &Asked) {
    let written = planned.get(name::FORK_POINT).clone();
    let (point, restored) = match asked {
        Asked::NoFork => (Value::Null, Value::Null),
        Asked::Unknown => (Value::unknown(), Value::unknown()),
        Asked::Point(point) => {
            let restored = match point {
                ForkPoint::Time(time) => RestoredToModel {
                    backup_name: None,
                    time: Some(timestamp::format(*time)),
                }
                .to_value(),
                _ => Value::unknown(),
            };
            (Value::string(point.to_string()), restored)
        }
    };
    if written.is_null() {
        planned.set(name::FORK_POINT, point);
    }
    planned.set(name::FORK_RESTORED_TO, restored);
}

/// "05:43:05Z (12 minutes ago)", with the date when it is not today's.
pub fn moment(time: OffsetDateTime, now: OffsetDateTime) -> String {
    let shown = if time.date() == now.date() {
        time.format(time::macros::format_description!(
            "[hour]:[minute]:[second]Z"
        ))
    } else {
        time.format(time::macros::format_description!(
            "[year]-[month]-[day] [hour]:[minute]:[second]Z"
        ))
    };
    format!("{} ({})", shown.unwrap_or_default(), ago(now - time))
}

fn ago(elapsed: time::Duration) -> String {
    let seconds = elapsed.whole_seconds().max(0);
    let (count, unit) = match seconds {
        0..60 => (seconds, "second"),
        60..3600 => (seconds / 60, "minute"),
        3600..86400 => (seconds / 3600, "hour"),
        _ => (seconds / 86400, "day"),
    };
    let plural = if count == 1 { "" } else { "s" };
    format!("{count} {unit}{plural} ago")
}

/// What the plan says a latest-backup fork of an existing source will
/// hold: the backup it will come from (the newest now; a newer one taken
/// before the apply would be used instead) and, where the type could
/// replay more, what it leaves out.
pub fn describe_latest_backup(
    kind: &ServiceKind,
    service_type: &ServiceType,
    source: &str,
    backups: &BackupsResponse,
    now: OffsetDateTime,
    diags: &mut Diagnostics,
) {
    let Some(newest) = backups.backups.last() else {
        return describe_first_backup(kind, service_type, source, diags);
    };
    let taken = timestamp::parse(&newest.backup_time)
        .map(|t| moment(t, now))
        .unwrap_or_else(|_| newest.backup_time.clone());
    let left_out = if service_type.point_in_time_recovery {
        format!(
            "Transactions after {taken} will not be in the fork; choose the latest transaction to include them: fork_point = \"latest_transaction\"."
        )
    } else {
        format!("What was written to {source} after it will not be in the fork.")
    };
    diags.push(
        Diagnostic::warning(
            format!("The fork will hold the latest backup of {source}"),
            format!(
                "The fork will be restored from backup {}, taken at {taken}: the newest now (a backup taken before the apply would be used instead). {left_out}",
                newest.backup_name
            ),
        )
        .at(kind.user_config_path(SERVICE_TO_FORK_FROM)),
    );
}

/// What the plan says of a latest-backup fork of a source that has no
/// backup yet, or is made in this same apply.
pub fn describe_first_backup(
    kind: &ServiceKind,
    service_type: &ServiceType,
    source: &str,
    diags: &mut Diagnostics,
) {
    let more = if service_type.point_in_time_recovery {
        " Transactions written to it after that backup will not be in the fork; choose fork_point = \"latest_transaction\" to include everything committed before the fork is made."
    } else {
        ""
    };
    diags.push(
        Diagnostic::warning(
            "The fork's point is known after the source's first backup",
            format!(
                "{source} has no backup yet (it is made in this apply, or has just started): the fork will be restored from its first backup, taken once it runs.{more}"
            ),
        )
        .at(kind.user_config_path(SERVICE_TO_FORK_FROM)),
    );
}

/// Why a fork's point could not be resolved at apply time.
#[derive(Debug)]
pub enum ResolveError {
    Backups(crate::client::CallError),
    Cancelled,
}

impl std::fmt::Display for ResolveError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ResolveError::Backups(err) => {
                write!(f, "the source's backups could not be read ({err})")
            }
            ResolveError::Cancelled => f.write_str("the apply was cancelled"),
        }
    }
}

/// A fork's point turned into the request the API takes, and what will be
/// recorded of it.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub restored: RestoredToModel,
    /// The API chooses the backup (the latest): what it reports wins.
    api_chooses: bool,
    /// The source's backups as read while resolving, to name a backup's
    /// time once the API says which one it restores.
    pub backups: Option<BackupsResponse>,
}

/// Resolves `point` for a fork of `source` into `request`: the latest
/// transaction becomes the end of the source's recovery window (waited
/// for, so it is never in the future), a point written as `fork_point`
/// goes into the `user_config` key the API reads.
pub async fn resolve(
    client: &crate::client::Client,
    service_type: &ServiceType,
    (project, source): (&str, &str),
    point: &ForkPoint,
    request: &mut CreateService,
    cancel: &CancellationToken,
) -> Result<Resolved, ResolveError> {
    let read = || async {
        client
            .backups(project, source, cancel)
            .await
            .map_err(ResolveError::Backups)
    };
    let config = request.user_config.get_or_insert_with(Default::default);
    let (restored, backups) = match point {
        ForkPoint::LatestTransaction => {
            let backups = read().await?;
            let end = backups
                .pitr
                .as_ref()
                .and_then(|p| p.primary_region.pitr_range_end.as_deref())
                .and_then(|t| timestamp::parse(t).ok());
            let now = OffsetDateTime::now_utc();
            let latest = fork_point::latest_transaction(service_type, end, now);
            let ahead = latest.not_before - OffsetDateTime::now_utc();
            if ahead.is_positive() {
                tokio::select! {
                    _ = tokio::time::sleep(ahead.unsigned_abs()) => {}
                    _ = cancel.cancelled() => return Err(ResolveError::Cancelled),
                }
            }
            let target = timestamp::format(latest.target);
            tracing::info!(source, %target, "the latest transaction resolved to the end of the recovery window");
            config.insert(RECOVERY_TARGET_TIME.into(), Json::String(target.clone()));
            let restored = RestoredToModel {
                backup_name: None,
                time: Some(target),
            };
            (restored, Some(backups))
        }
        ForkPoint::Time(time) => {
            let target = timestamp::format(*time);
            config
                .entry(RECOVERY_TARGET_TIME)
                .or_insert_with(|| Json::String(target.clone()));
            let restored = RestoredToModel {
                backup_name: None,
                time: Some(target),
            };
            (restored, None)
        }
        ForkPoint::Backup(backup) => {
            config
                .entry(RECOVERY_BASEBACKUP_NAME)
                .or_insert_with(|| Json::String(backup.clone()));
            let backups = read().await.ok();
            let restored = RestoredToModel {
                backup_name: Some(backup.clone()),
                time: backups.as_ref().and_then(|b| backup_time(b, backup)),
            };
            (restored, backups)
        }
        ForkPoint::LatestBackup => {
            let backups = read().await?;
            let newest = backups.backups.last();
            let restored = RestoredToModel {
                backup_name: newest.map(|b| b.backup_name.clone()),
                time: newest.map(|b| b.backup_time.clone()),
            };
            (restored, Some(backups))
        }
    };
    Ok(Resolved {
        restored,
        backups,
        api_chooses: *point == ForkPoint::LatestBackup,
    })
}

fn backup_time(backups: &BackupsResponse, name: &str) -> Option<String> {
    backups
        .backups
        .iter()
        .find(|b| b.backup_name == name)
        .map(|b| b.backup_time.clone())
}

impl Resolved {
    /// What a latest-backup fork was restored from, once the API says
    /// (a fork that named its point keeps what it named):
    /// while a node restores, its progress names the backup (read here
    /// from the create answer or any read during the wait). A backup newer
    /// than the ones read before the create is looked up again.
    pub async fn learn_from(
        &mut self,
        service: &Service,
        client: &crate::client::Client,
        (project, source): (&str, &str),
        cancel: &CancellationToken,
    ) {
        if !self.api_chooses {
            return;
        }
        let reported = service
            .node_states
            .iter()
            .flatten()
            .find_map(|node| node.restoring_backup());
        let Some(reported) = reported else {
            return;
        };
        if self.restored.backup_name.as_deref() == Some(reported) {
            return;
        }
        let mut time = self.backups.as_ref().and_then(|b| backup_time(b, reported));
        if time.is_none()
            && let Ok(backups) = client.backups(project, source, cancel).await
        {
            time = backup_time(&backups, reported);
        }
        self.restored = RestoredToModel {
            backup_name: Some(reported.to_owned()),
            time,
        };
    }
}

/// What an imported fork (or a data source's read) records, from what the
/// API reports: a point-in-time fork's time (its `fork_point` is left
/// unset: the latest transaction and a time read back the same), a named
/// backup, or for neither the latest backup, whose name the API no longer
/// reports once the fork runs.
pub fn from_api(
    user_config: &serde_json::Map<String, Json>,
) -> (Option<String>, Option<RestoredToModel>) {
    let text = |key: &str| user_config.get(key).and_then(Json::as_str);
    if text(SERVICE_TO_FORK_FROM).is_none_or(str::is_empty) {
        return (None, None);
    }
    match ForkPoint::of_request(text(RECOVERY_TARGET_TIME), text(RECOVERY_BASEBACKUP_NAME)) {
        Ok(ForkPoint::Time(time)) => (
            None,
            Some(RestoredToModel {
                backup_name: None,
                time: Some(timestamp::format(time)),
            }),
        ),
        Ok(ForkPoint::Backup(backup)) => (
            Some(ForkPoint::Backup(backup.clone()).to_string()),
            Some(RestoredToModel {
                backup_name: Some(backup),
                time: None,
            }),
        ),
        Ok(point) => (Some(point.to_string()), None),
        Err(_) => (None, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn moments_say_how_long_ago_in_words() {
        let now = datetime!(2026-12-02 05:55:05 UTC);
        let backup = datetime!(2026-12-02 05:43:05 UTC);
        assert_eq!(moment(backup, now), "05:43:05Z (12 minutes ago)");
        let yesterday = datetime!(2026-12-01 05:43:05 UTC);
        assert_eq!(moment(yesterday, now), "2026-12-01 05:43:05Z (1 day ago)");
        assert_eq!(ago(time::Duration::seconds(1)), "1 second ago");
        assert_eq!(ago(time::Duration::hours(5)), "5 hours ago");
    }

    #[test]
    fn an_imported_fork_records_what_the_api_reports() {
        let config = |json: serde_json::Value| json.as_object().unwrap().clone();
        assert_eq!(from_api(&config(serde_json::json!({}))), (None, None));
        let latest = from_api(&config(serde_json::json!({"service_to_fork_from": "src"})));
        assert_eq!(latest, (Some("latest_backup".into()), None));
        let (point, restored) = from_api(&config(serde_json::json!({
            "service_to_fork_from": "src", "recovery_target_time": "2026-12-02 05:43:05"
        })));
        assert_eq!(
            point, None,
            "a time or the latest transaction: the API cannot tell"
        );
        assert_eq!(
            restored.unwrap().time.as_deref(),
            Some("2026-12-02T05:43:05Z")
        );
        let (point, restored) = from_api(&config(serde_json::json!({
            "service_to_fork_from": "src", "recovery_basebackup_name": "b-1"
        })));
        assert_eq!(point.as_deref(), Some("backup:b-1"));
        assert_eq!(restored.unwrap().backup_name.as_deref(), Some("b-1"));
    }
}
