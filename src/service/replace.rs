//! When a change to a create-only `user_config` field replaces the service.
//!
//! Create-only fields, the fork origin among them, only mean something when
//! the service is made, so a different value asks for a different service.
//! Two changes do not: removing the field (the service stays as it is; its
//! state just forgets how it was made, say once the source is gone), and
//! writing the same recovery instant another way.

use aiven_api::fork_point::ForkPoint;
use aiven_api::timestamp;
use aiven_api::user_config::{Field, RECOVERY_TARGET_TIME};
use tfplugin::schema::ReplaceIf;
use tfplugin::value::Value;

/// The replacement rule for a create-only field.
pub fn create_only(field: &Field) -> ReplaceIf {
    if field.name == RECOVERY_TARGET_TIME {
        ReplaceIf::new("set to a different instant", |prior, planned| {
            !removed(planned) && !same_instant(prior, planned)
        })
    } else {
        ReplaceIf::new("set to a different value", |_, planned| !removed(planned))
    }
}

/// The replacement rule for `fork_point`: a different point is a new
/// fork; the same point written another way (a time with another offset)
/// is not, nor is removing it or writing it where state has none (a fork
/// made by an earlier version, or imported with a point the API cannot
/// tell apart: a latest-transaction fork reads back as a time).
pub fn fork_point() -> ReplaceIf {
    ReplaceIf::new("set to a different point", |prior, planned| {
        !removed(prior) && !removed(planned) && !same_point(prior, planned)
    })
}

/// Both values are fork points that name the same point.
fn same_point(prior: &Value, planned: &Value) -> bool {
    let point = |value: &Value| value.as_str().map(ForkPoint::parse);
    matches!(
        (point(prior), point(planned)),
        (Some(Ok(before)), Some(Ok(after))) if before == after
    )
}

fn removed(planned: &Value) -> bool {
    planned.is_null()
}

/// Both values are times that name the same instant. An unknown or
/// unparseable value is not: that is for validation to report.
fn same_instant(prior: &Value, planned: &Value) -> bool {
    let instant = |value: &Value| value.as_str().map(timestamp::parse);
    matches!(
        (instant(prior), instant(planned)),
        (Some(Ok(before)), Some(Ok(after))) if before == after
    )
}

#[cfg(test)]
mod tests {
    use aiven_api::user_config::{Kind, SERVICE_TO_FORK_FROM};
    use tfplugin::schema::Replacement;

    use super::*;

    fn field(name: &'static str) -> Field {
        Field {
            name,
            api_name: name,
            deprecated: false,
            default: None,
            in_terraform: true,
            kind: Kind::String,
            max_items: None,
            description: "",
            sensitive: false,
            create_only: true,
            nullable: false,
        }
    }

    fn replaces(name: &'static str, prior: Value, planned: Value) -> bool {
        Replacement::If(create_only(&field(name))).on(&prior, &planned)
    }

    #[test]
    fn a_fork_pointed_at_another_source_is_a_new_service() {
        let (a, b) = (Value::string("src-a"), Value::string("src-b"));
        assert!(replaces(SERVICE_TO_FORK_FROM, a, b));
    }

    #[test]
    fn removing_the_fork_origin_keeps_the_service() {
        let origin = Value::string("src-a");
        assert!(!replaces(SERVICE_TO_FORK_FROM, origin, Value::Null));
    }

    #[test]
    fn adding_a_fork_origin_to_a_running_service_replaces_it() {
        assert!(replaces(
            SERVICE_TO_FORK_FROM,
            Value::Null,
            Value::string("src")
        ));
    }

    #[test]
    fn an_origin_not_yet_known_replaces_unless_it_turns_out_equal() {
        assert!(replaces(
            SERVICE_TO_FORK_FROM,
            Value::string("src"),
            Value::unknown()
        ));
    }

    #[test]
    fn the_same_recovery_instant_written_another_way_keeps_the_fork() {
        let utc = Value::string("2026-11-26T09:00:00Z");
        let offset = Value::string("2026-11-26T10:00:00+01:00");
        assert!(!replaces(RECOVERY_TARGET_TIME, utc, offset));
    }

    #[test]
    fn a_different_recovery_instant_is_a_new_fork() {
        let nine = Value::string("2026-11-26T09:00:00Z");
        let ten = Value::string("2026-11-26T10:00:00Z");
        assert!(replaces(RECOVERY_TARGET_TIME, nine, ten));
    }

    #[test]
    fn removing_the_recovery_time_keeps_the_fork() {
        let nine = Value::string("2026-11-26T09:00:00Z");
        assert!(!replaces(RECOVERY_TARGET_TIME, nine, Value::Null));
    }

    fn fork_point_replaces(prior: Value, planned: Value) -> bool {
        Replacement::If(fork_point()).on(&prior, &planned)
    }

    #[test]
    fn another_fork_point_is_a_new_fork() {
        let backup = Value::string("latest_backup");
        let latest = Value::string("latest_transaction");
        assert!(fork_point_replaces(backup.clone(), latest));
        let nine = Value::string("2026-11-26T09:00:00Z");
        assert!(fork_point_replaces(backup, nine));
    }

    #[test]
    fn the_same_fork_point_written_another_way_or_removed_keeps_the_fork() {
        let utc = Value::string("2026-11-26T09:00:00Z");
        let offset = Value::string("2026-11-26T10:00:00+01:00");
        assert!(!fork_point_replaces(utc.clone(), offset));
        let cli = Value::string("2026-11-26 09:00:00");
        assert!(!fork_point_replaces(utc.clone(), cli));
        let later = Value::string("2026-11-26 10:00:00");
        assert!(fork_point_replaces(utc.clone(), later), "another instant");
        assert!(!fork_point_replaces(utc, Value::Null));
    }

    #[test]
    fn a_fork_point_where_state_has_none_is_recorded_in_place() {
        let latest = Value::string("latest_transaction");
        assert!(!fork_point_replaces(Value::Null, latest));
    }

    #[test]
    fn an_unparseable_recovery_time_still_counts_as_a_change() {
        let nine = Value::string("2026-11-26T09:00:00Z");
        assert!(replaces(RECOVERY_TARGET_TIME, nine, Value::string("soon")));
    }
}
