//! Where a fork is restored to, as a user chooses it and as the API takes
//! it. The API knows the point only through two `user_config` keys, and
//! without them restores the source's newest backup and nothing after it
//! (Aiven's "Fork a service": "a complete and independent copy of it from
//! its latest backup"). For types with point-in-time recovery the hosted
//! Console also offers "the latest transaction"; the API has no key for
//! it, so it is a point in time resolved when the fork is requested: the
//! end of the source's recovery window.
//!
//! The provider (`fork_point`), aiven-local's Console and its snippets all
//! go through here, so the four ways to fork send the same request.

use std::fmt;

use time::{Duration, OffsetDateTime};

use crate::catalog::ServiceType;
use crate::timestamp;

/// How a [`ForkPoint`] is written.
pub const LATEST_BACKUP: &str = "latest_backup";
pub const LATEST_TRANSACTION: &str = "latest_transaction";
/// The prefix of a named backup: `backup:NAME`.
pub const BACKUP_PREFIX: &str = "backup:";

/// The forms a fork point takes, for error messages.
pub const FORMS: &str = "\"latest_backup\", \"latest_transaction\", a time (RFC 3339 such as 2026-12-02T05:43:05Z, or YYYY-MM-DD HH:MM:SS in UTC) or \"backup:NAME\"";

/// What a fork holds of its source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ForkPoint {
    /// The source's newest backup when the fork is requested, and nothing
    /// committed after it: what the API does when told nothing else.
    LatestBackup,
    /// Everything the source committed before the fork is requested.
    LatestTransaction,
    /// Every transaction committed at or before this instant.
    Time(OffsetDateTime),
    /// The source's backup of this name.
    Backup(String),
}

/// A fork point written in none of the [`FORMS`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidForkPoint {
    pub text: String,
}

impl fmt::Display for InvalidForkPoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?} is not a fork point: use {FORMS}", self.text)
    }
}

impl std::error::Error for InvalidForkPoint {}

/// A fork point the source's type cannot restore to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnsupportedForkPoint {
    pub point: ForkPoint,
    pub service_type: &'static str,
    /// The forms the type takes, in words.
    pub allowed: String,
}

impl fmt::Display for UnsupportedForkPoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let why = if self.point.is_point_in_time() {
            "has no point-in-time recovery, so its forks restore a backup"
        } else {
            "forks cannot name a backup (the API has no recovery_basebackup_name for them)"
        };
        write!(f, "{} {why}: use {}", self.service_type, self.allowed)
    }
}

impl std::error::Error for UnsupportedForkPoint {}

/// The forms of fork point `service_type` takes, in words.
pub fn allowed(service_type: &ServiceType) -> String {
    let mut forms = vec![format!("\"{LATEST_BACKUP}\"")];
    if service_type.point_in_time_recovery {
        forms.push(format!("\"{LATEST_TRANSACTION}\""));
        forms.push("a time".to_owned());
    }
    if service_type.named_backup_recovery {
        forms.push(format!("\"{BACKUP_PREFIX}NAME\""));
    }
    match forms.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    }
}

impl ForkPoint {
    /// Reads a fork point in one of the [`FORMS`].
    pub fn parse(text: &str) -> Result<ForkPoint, InvalidForkPoint> {
        let invalid = || InvalidForkPoint {
            text: text.to_owned(),
        };
        match text.trim() {
            LATEST_BACKUP => Ok(ForkPoint::LatestBackup),
            LATEST_TRANSACTION => Ok(ForkPoint::LatestTransaction),
            other => match other.strip_prefix(BACKUP_PREFIX) {
                Some(name) if !name.is_empty() => Ok(ForkPoint::Backup(name.to_owned())),
                Some(_) => Err(invalid()),
                None => timestamp::parse(other)
                    .map(ForkPoint::Time)
                    .map_err(|_| invalid()),
            },
        }
    }

    /// The point a request's `user_config` keys name: a time, a backup, or
    /// (neither) the latest backup.
    pub fn of_request(
        recovery_target_time: Option<&str>,
        recovery_basebackup_name: Option<&str>,
    ) -> Result<ForkPoint, timestamp::InvalidTime> {
        match (recovery_target_time, recovery_basebackup_name) {
            (Some(time), _) => timestamp::parse(time).map(ForkPoint::Time),
            (None, Some(name)) => Ok(ForkPoint::Backup(name.to_owned())),
            (None, None) => Ok(ForkPoint::LatestBackup),
        }
    }

    /// Whether the point replays changes past a backup, which only types
    /// with point-in-time recovery can.
    pub fn is_point_in_time(&self) -> bool {
        matches!(self, ForkPoint::LatestTransaction | ForkPoint::Time(_))
    }

    /// Refuses a point that `service_type`'s forks cannot restore to.
    pub fn check_type(&self, service_type: &ServiceType) -> Result<(), UnsupportedForkPoint> {
        let supported = match self {
            ForkPoint::LatestBackup => true,
            ForkPoint::LatestTransaction | ForkPoint::Time(_) => {
                service_type.point_in_time_recovery
            }
            ForkPoint::Backup(_) => service_type.named_backup_recovery,
        };
        if supported {
            return Ok(());
        }
        Err(UnsupportedForkPoint {
            point: self.clone(),
            service_type: service_type.name,
            allowed: allowed(service_type),
        })
    }
}

impl fmt::Display for ForkPoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ForkPoint::LatestBackup => f.write_str(LATEST_BACKUP),
            ForkPoint::LatestTransaction => f.write_str(LATEST_TRANSACTION),
            ForkPoint::Time(time) => f.write_str(&timestamp::format(*time)),
            ForkPoint::Backup(name) => write!(f, "{BACKUP_PREFIX}{name}"),
        }
    }
}

/// The instant a latest-transaction fork is requested for, and when it may
/// be sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LatestTransaction {
    /// Sent as `recovery_target_time`.
    pub target: OffsetDateTime,
    /// The request waits until the clock has passed this (the target
    /// itself), so the target is never in the source's future.
    pub not_before: OffsetDateTime,
}

/// The latest transaction of a source whose recovery window ends at
/// `window_end` (`None`: the API's null, "now"). A type that recovers in
/// whole seconds (MySQL: the binary log stamps seconds, and a restore
/// leaves out the target's own second) gets the next whole second, so that
/// what was committed in the current second is in the fork too.
pub fn latest_transaction(
    service_type: &ServiceType,
    window_end: Option<OffsetDateTime>,
    now: OffsetDateTime,
) -> LatestTransaction {
    let end = window_end.unwrap_or(now);
    let target = if service_type.recovers_whole_seconds && end.nanosecond() > 0 {
        end.replace_nanosecond(0).unwrap_or(end) + Duration::SECOND
    } else {
        end
    };
    LatestTransaction {
        target,
        not_before: target,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::service_type;
    use time::macros::datetime;

    #[test]
    fn every_form_reads_back_as_written_in_its_own_form() {
        for text in [
            "latest_backup",
            "latest_transaction",
            "2026-12-02T05:43:05Z",
            "backup:backup-20261202T054305-0042",
        ] {
            assert_eq!(ForkPoint::parse(text).unwrap().to_string(), text);
        }
    }

    #[test]
    fn a_time_in_any_accepted_form_is_the_same_point() {
        let a = ForkPoint::parse("2026-12-02T06:43:05+01:00").unwrap();
        let b = ForkPoint::parse("2026-12-02 05:43:05").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.to_string(), "2026-12-02T05:43:05Z");
    }

    #[test]
    fn anything_else_is_refused_with_the_forms_allowed() {
        for text in ["latest", "backup:", "yesterday", ""] {
            let err = ForkPoint::parse(text).unwrap_err().to_string();
            assert!(err.contains("latest_transaction"), "{err}");
        }
    }

    #[test]
    fn request_keys_name_a_time_a_backup_or_the_latest_backup() {
        let time = ForkPoint::of_request(Some("2026-12-02 05:43:05"), None).unwrap();
        assert_eq!(time, ForkPoint::Time(datetime!(2026-12-02 05:43:05 UTC)));
        let named = ForkPoint::of_request(None, Some("b-1")).unwrap();
        assert_eq!(named, ForkPoint::Backup("b-1".into()));
        assert_eq!(
            ForkPoint::of_request(None, None).unwrap(),
            ForkPoint::LatestBackup
        );
    }

    #[test]
    fn points_in_time_need_a_type_with_point_in_time_recovery() {
        let pg = service_type("pg").unwrap();
        let valkey = service_type("valkey").unwrap();
        assert!(ForkPoint::LatestTransaction.check_type(pg).is_ok());
        let err = ForkPoint::LatestTransaction
            .check_type(valkey)
            .unwrap_err()
            .to_string();
        assert!(err.contains("backup:NAME"), "{err}");
        let err = ForkPoint::Backup("b".into())
            .check_type(pg)
            .unwrap_err()
            .to_string();
        assert!(err.contains("\"latest_transaction\" or a time"), "{err}");
        assert!(ForkPoint::Backup("b".into()).check_type(valkey).is_ok());
        assert!(ForkPoint::LatestBackup.check_type(pg).is_ok());
    }

    #[test]
    fn the_latest_transaction_is_the_end_of_the_window_or_now() {
        let pg = service_type("pg").unwrap();
        let now = datetime!(2026-12-02 05:43:05.250 UTC);
        let end = datetime!(2026-12-02 05:40:00.5 UTC);
        assert_eq!(latest_transaction(pg, Some(end), now).target, end);
        let resolved = latest_transaction(pg, None, now);
        assert_eq!(resolved.target, now);
        assert_eq!(resolved.not_before, now);
    }

    #[test]
    fn whole_second_types_take_the_next_second_and_wait_for_it() {
        let mysql = service_type("mysql").unwrap();
        let now = datetime!(2026-12-02 05:43:05.250 UTC);
        let resolved = latest_transaction(mysql, None, now);
        assert_eq!(resolved.target, datetime!(2026-12-02 05:43:06 UTC));
        assert!(resolved.not_before > now, "sent once the second is over");
        let whole = datetime!(2026-12-02 05:40:00 UTC);
        assert_eq!(latest_transaction(mysql, Some(whole), now).target, whole);
    }
}
