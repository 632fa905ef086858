//! Waiting for the API: adaptive polling that answers within a fraction
//! of a second of the service being ready, backs off to a few seconds for
//! long waits, and stops at once on a deadline or Ctrl-C.

use std::time::{Duration, Instant};

use aiven_api::timestamp;
use aiven_api::types::{PROVISIONING_FAILED, Service, ServiceState, UpdateService};
use serde_json::{Map, Value as Json};
use tfplugin::CancellationToken;

use crate::client::{CallError, Client};

const FIRST_POLL: Duration = Duration::from_millis(100);
const MAX_POLL: Duration = Duration::from_secs(5);

/// Why a wait ended without success.
#[derive(Debug)]
pub enum WaitError {
    TimedOut {
        waited: Duration,
        last_state: String,
    },
    Failed(String),
    Call(CallError),
}

impl std::fmt::Display for WaitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WaitError::TimedOut { waited, last_state } => {
                write!(
                    f,
                    "still {last_state} after {} s (the timeout)",
                    waited.as_secs()
                )
            }
            WaitError::Failed(message) => write!(f, "{message}"),
            WaitError::Call(err) => write!(f, "{err}"),
        }
    }
}

/// A poll schedule: 100 ms, then a quarter longer each time, up to 5 s, so
/// a wait ends at most a quarter of its length after the service is ready,
/// and a long wait costs one GET per 5 s.
struct Schedule {
    next: Duration,
    deadline: Instant,
    started: Instant,
}

impl Schedule {
    fn new(timeout: Duration) -> Schedule {
        let started = Instant::now();
        Schedule {
            next: FIRST_POLL,
            deadline: started + timeout,
            started,
        }
    }

    /// The pause before the next poll, lengthening the one after it.
    fn advance(&mut self) -> Duration {
        let pause = self.next;
        self.next = (self.next * 5 / 4).min(MAX_POLL);
        pause
    }

    /// The error for a wait that ran out, with the state last seen.
    fn timed_out(&self, last_state: String) -> WaitError {
        WaitError::TimedOut {
            waited: self.started.elapsed(),
            last_state,
        }
    }

    /// Sleeps until the next poll; `false` when the deadline has passed.
    async fn tick(&mut self, cancel: &CancellationToken) -> Result<bool, WaitError> {
        let now = Instant::now();
        if now >= self.deadline {
            return Ok(false);
        }
        let pause = self.advance().min(self.deadline - now);
        tokio::select! {
            _ = tokio::time::sleep(pause) => Ok(true),
            _ = cancel.cancelled() => Err(WaitError::Call(CallError::Cancelled)),
        }
    }
}

fn failure(service: &Service) -> Option<String> {
    service
        .notifications()
        .iter()
        .find(|n| n.kind == PROVISIONING_FAILED)
        .map(|n| n.message.clone())
}

/// What a change asked for, which a read must show before the change
/// counts as applied.
#[derive(Debug, Default, Clone, Copy)]
pub struct Expected<'a> {
    /// The update request sent.
    pub update: Option<&'a UpdateService>,
    /// The `update_time` of the API's answer to it: an older read is from
    /// before the update.
    pub updated_at: Option<&'a str>,
}

/// Whether `service` has settled: RUNNING, every node it lists running,
/// and whatever `expected` asks for visible.
///
/// One RUNNING read is not enough on the hosted platform. Right after an
/// update a read can still come from before it, RUNNING as it was; and a
/// fork may answer RUNNING while a node is still syncing. So the nodes
/// must agree (when listed: the reply may leave them out), and after an
/// update the read must be no older than the update's answer and show the
/// values sent. This costs nothing when the service is ready: the first
/// read that passes ends the wait.
pub fn settled(service: &Service, expected: Expected<'_>) -> bool {
    service.state == ServiceState::Running
        && service
            .node_states
            .iter()
            .flatten()
            .all(|node| node.state == "running")
        && expected
            .updated_at
            .is_none_or(|at| !older(&service.update_time, at))
        && expected.update.is_none_or(|update| shows(service, update))
}

/// `time` is before `than`; unreadable times are not compared.
fn older(time: &str, than: &str) -> bool {
    match (timestamp::parse(time), timestamp::parse(than)) {
        (Ok(time), Ok(than)) => time < than,
        _ => false,
    }
}

/// The service shows what `update` set, as far as the reply reports it.
fn shows(service: &Service, update: &UpdateService) -> bool {
    let same = |sent: &Option<String>, now: &str| sent.as_deref().is_none_or(|s| s == now);
    same(&update.plan, &service.plan)
        && same(&update.cloud, &service.cloud_name)
        && update
            .termination_protection
            .is_none_or(|p| p == service.termination_protection)
        && (update.disk_space_mb.zip(service.disk_space_mb)).is_none_or(|(a, b)| a == b)
        && (update
            .maintenance
            .as_ref()
            .zip(service.maintenance.as_ref()))
        .is_none_or(|(a, b)| {
            a.dow.as_ref().is_none_or(|d| *d == b.dow)
                && a.time.as_ref().is_none_or(|t| *t == b.time)
        })
        && update
            .user_config
            .as_ref()
            .is_none_or(|sent| scalars_shown(sent, &service.user_config))
}

/// Every scalar `sent` sets (into nested objects) has that value in `now`.
/// Lists are not compared: the API may rewrite their entries' form.
fn scalars_shown(sent: &Map<String, Json>, now: &Map<String, Json>) -> bool {
    sent.iter().all(|(key, value)| match (value, now.get(key)) {
        (Json::Object(inner), Some(Json::Object(shown))) => scalars_shown(inner, shown),
        (Json::Object(_) | Json::Array(_), _) => true,
        (Json::Number(a), Some(Json::Number(b))) => a.as_f64() == b.as_f64(),
        (scalar, shown) => shown == Some(scalar),
    })
}

/// Polls until the service has settled (see [`settled`]). Returns the
/// last service seen on failure too, so the caller can save what exists.
pub async fn until_running(
    client: &Client,
    project: &str,
    name: &str,
    expected: Expected<'_>,
    timeout: Duration,
    cancel: &CancellationToken,
) -> Result<Service, (WaitError, Option<Service>)> {
    let mut schedule = Schedule::new(timeout);
    let mut last: Option<Service> = None;
    loop {
        match client.get_service(project, name, cancel).await {
            Ok(service) if settled(&service, expected) => return Ok(service),
            Ok(service) => {
                if let Some(message) = failure(&service) {
                    return Err((WaitError::Failed(message), Some(service)));
                }
                last = Some(service);
            }
            Err(err) => return Err((WaitError::Call(err), last)),
        }
        match schedule.tick(cancel).await {
            Ok(true) => {}
            Ok(false) => {
                let last_state = last
                    .as_ref()
                    .map_or_else(|| "unknown".to_owned(), |s| s.state.to_string());
                return Err((schedule.timed_out(last_state), last));
            }
            Err(err) => return Err((err, last)),
        }
    }
}

/// Waits until a service runs and has a backup, which is when it can be
/// forked. A service created in the same apply gets its first backup right
/// after it starts running. Backups are read from their own endpoint: the
/// service object may leave its `backups` out.
pub async fn until_backed_up(
    client: &Client,
    project: &str,
    name: &str,
    timeout: Duration,
    cancel: &CancellationToken,
) -> Result<(), WaitError> {
    let mut schedule = Schedule::new(timeout);
    loop {
        let service = client
            .get_service(project, name, cancel)
            .await
            .map_err(WaitError::Call)?;
        let usable = matches!(
            service.state,
            ServiceState::Running | ServiceState::Poweroff
        );
        let backed_up = usable
            && !client
                .backups(project, name, cancel)
                .await
                .map_err(WaitError::Call)?
                .backups
                .is_empty();
        if backed_up {
            return Ok(());
        }
        if service.state == ServiceState::Poweroff {
            return Err(WaitError::Failed(format!(
                "fork source {name} is powered off and has no backup"
            )));
        }
        if !schedule.tick(cancel).await? {
            return Err(schedule.timed_out(format!("{} without a backup", service.state)));
        }
    }
}

/// Polls until the service is gone.
pub async fn until_deleted(
    client: &Client,
    project: &str,
    name: &str,
    timeout: Duration,
    cancel: &CancellationToken,
) -> Result<(), WaitError> {
    let mut schedule = Schedule::new(timeout);
    loop {
        match client.get_service(project, name, cancel).await {
            Err(err) if err.is_not_found() => return Ok(()),
            Err(err) => return Err(WaitError::Call(err)),
            Ok(service) => {
                if !schedule.tick(cancel).await? {
                    return Err(schedule.timed_out(service.state.to_string()));
                }
            }
        }
    }
}

/// Parses Terraform-style durations: `90s`, `20m`, `1h30m`.
pub fn parse_duration(text: &str) -> Option<Duration> {
    let mut total = 0u64;
    let mut number = String::new();
    let mut seen_unit = false;
    for c in text.trim().chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let value: u64 = number.parse().ok()?;
        number.clear();
        total += value
            * match c {
                's' => 1,
                'm' => 60,
                'h' => 3600,
                _ => return None,
            };
        seen_unit = true;
    }
    (number.is_empty() && seen_unit).then(|| Duration::from_secs(total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_like_terraform() {
        assert_eq!(parse_duration("20m"), Some(Duration::from_secs(1200)));
        assert_eq!(parse_duration("1h30m"), Some(Duration::from_secs(5400)));
        assert_eq!(parse_duration("45s"), Some(Duration::from_secs(45)));
        assert_eq!(parse_duration("20"), None);
        assert_eq!(parse_duration("soon"), None);
    }

    #[test]
    fn polling_starts_fast_and_backs_off_to_a_ceiling() {
        let mut schedule = Schedule::new(Duration::from_secs(3600));
        let pauses: Vec<Duration> = (0..30).map(|_| schedule.advance()).collect();
        assert_eq!(pauses[0], Duration::from_millis(100));
        assert!(
            pauses
                .windows(2)
                .all(|w| w[1] <= w[0] * 5 / 4 && (w[0] < w[1] || w[1] == MAX_POLL)),
            "each pause at most a quarter longer than the last: {pauses:?}"
        );
        assert_eq!(*pauses.last().unwrap(), MAX_POLL);
        let first_second = pauses
            .iter()
            .scan(Duration::ZERO, |total, pause| {
                *total += *pause;
                Some(*total)
            })
            .take_while(|total| *total <= Duration::from_secs(1))
            .count();
        assert!(
            first_second >= 5,
            "a fast service is seen quickly: {pauses:?}"
        );
    }
}
