//! Holding aiven-local to the real API's contract, and making it as hard
//! to talk to as the contract allows.
//!
//! - **Contract check** (`--contract-log FILE`): every request body is
//!   checked against its endpoint's In structure, and every reply against
//!   its Out structure (required fields present, JSON types, enum values),
//!   using the facts in `aiven_api::contract`. Each departure is appended
//!   to FILE as a JSON line; the test harness fails a test whose server
//!   logged any.
//! - **Variations** (`--vary SPEC`): answers the way the hosted API may, so
//!   that a client which only works against aiven-local's habits fails
//!   here rather than in production. See [`Variations`].
//!
//! A request carrying `X-Aiven-Local-Exact` skips the variations: it is the
//! test harness looking at the truth, not a client under test.

use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use aiven_api::contract::{self, Endpoint, Problem, Shape, Violation};
use aiven_api::types::ServiceState;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::error::StartError;
use crate::services::LOCAL_NOTIFICATION_KINDS;

/// The header that exempts a request from the variations.
pub const EXACT_HEADER: &str = "x-aiven-local-exact";

/// Bodies larger than this are not inspected (aiven-local's own replies
/// are far smaller).
const MAX_INSPECTED: usize = 16 << 20;

/// Optional reply fields the variations leave out: the ones the hosted API
/// was seen to omit for a plain service. `connection_pools` is not among
/// them: a plain service has none, and an empty list is always left out;
/// the pools a service has are only ever read from this field.
const DROPPABLE: [&str; 8] = [
    "node_count",
    "node_states",
    "components",
    "users",
    "databases",
    "backups",
    "service_uri_params",
    "disk_space_mb",
];

/// How loosely aiven-local answers. Parsed from `--vary` as comma-separated
/// `key=value` pairs; `on` takes every default.
#[derive(Debug, Clone, PartialEq)]
pub struct Variations {
    /// Seeds every random choice.
    pub seed: u64,
    /// Probability that a droppable optional field (see [`DROPPABLE`]) is
    /// left out of a reply; empty optional lists and maps are always left
    /// out.
    pub drop: f64,
    /// Whether replies carry fields the contract does not name.
    pub unknown_fields: bool,
    /// Probability that the first read of a service after an update still
    /// shows it as it was before, RUNNING.
    pub stale: f64,
    /// Probability that a request is refused with 503 or 429 and
    /// `Retry-After` before it is acted on.
    pub faults: f64,
    /// Probability that a write is acted on and then answered 504, as a
    /// proxy that timed out would.
    pub lost_replies: f64,
    /// Probability that an answer is delayed by up to 300 ms.
    pub slow: f64,
}

impl Default for Variations {
    fn default() -> Variations {
        Variations {
            seed: 1,
            drop: 1.0,
            unknown_fields: true,
            stale: 1.0,
            faults: 0.05,
            lost_replies: 0.03,
            slow: 0.1,
        }
    }
}

impl std::str::FromStr for Variations {
    type Err = String;

    fn from_str(spec: &str) -> Result<Variations, String> {
        let mut variations = Variations::default();
        for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            if part == "on" {
                continue;
            }
            let (key, value) = part
                .split_once('=')
                .ok_or_else(|| format!("{part:?}: expected key=value or `on`"))?;
            let probability = || {
                value
                    .parse::<f64>()
                    .ok()
                    .filter(|p| (0.0..=1.0).contains(p))
                    .ok_or_else(|| format!("{key}={value}: expected a probability from 0 to 1"))
            };
            match key {
                "seed" => {
                    variations.seed = value
                        .parse()
                        .map_err(|_| format!("seed={value}: expected a whole number"))?;
                }
                "drop" => variations.drop = probability()?,
                "unknown" => variations.unknown_fields = probability()? > 0.0,
                "stale" => variations.stale = probability()?,
                "faults" => variations.faults = probability()?,
                "lost" => variations.lost_replies = probability()?,
                "slow" => variations.slow = probability()?,
                _ => {
                    return Err(format!(
                        "unknown variation {key:?}; known: seed, drop, unknown, stale, faults, lost, slow"
                    ));
                }
            }
        }
        Ok(variations)
    }
}

/// The middleware's state.
pub struct Conformance {
    log: Option<Mutex<std::fs::File>>,
    variations: Option<Variations>,
    rng: Mutex<fastrand::Rng>,
    /// The last RUNNING reply per service path, and the ones to replay once.
    seen: Mutex<HashMap<String, Value>>,
    stale: Mutex<HashMap<String, Value>>,
}

impl Conformance {
    pub fn new(
        log: Option<PathBuf>,
        variations: Option<Variations>,
    ) -> Result<Conformance, StartError> {
        let log = match log {
            Some(path) => Some(Mutex::new(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(&path)
                    .map_err(|err| StartError::io("open the contract log", &path, err))?,
            )),
            None => None,
        };
        let seed = variations.as_ref().map_or(0, |v| v.seed);
        Ok(Conformance {
            log,
            variations,
            rng: Mutex::new(fastrand::Rng::with_seed(seed)),
            seen: Mutex::new(HashMap::new()),
            stale: Mutex::new(HashMap::new()),
        })
    }

    pub fn is_active(&self) -> bool {
        self.log.is_some() || self.variations.is_some()
    }

    fn chance(&self, probability: f64) -> bool {
        probability > 0.0
            && self
                .rng
                .lock()
                .map(|mut r| r.f64() < probability)
                .unwrap_or(false)
    }

    fn record(&self, direction: &str, method: &Method, path: &str, found: &[Violation]) {
        let Some(log) = &self.log else { return };
        let Ok(mut file) = log.lock() else { return };
        for violation in found {
            tracing::error!(%method, path, %violation, "{direction} outside the API contract");
            let line = json!({
                "direction": direction,
                "method": method.as_str(),
                "path": path,
                "violation": violation.to_string(),
            });
            let _ = writeln!(file, "{line}");
        }
    }
}

/// The middleware: checks and varies one exchange.
pub async fn conform(
    State(conformance): State<std::sync::Arc<Conformance>>,
    request: Request,
    next: Next,
) -> Response {
    if !conformance.is_active() {
        return next.run(request).await;
    }
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let endpoint = contract::contract().endpoint(method.as_str(), &path);
    let vary = conformance
        .variations
        .as_ref()
        .filter(|_| !request.headers().contains_key(EXACT_HEADER));
    let (parts, body) = request.into_parts();
    let Ok(body) = axum::body::to_bytes(body, MAX_INSPECTED).await else {
        return (StatusCode::PAYLOAD_TOO_LARGE, "request body too large").into_response();
    };
    // Logged only for a request aiven-local accepts: one it refuses is a
    // test of its refusals, and the client learns of it anyway.
    let request_violations = match (endpoint, serde_json::from_slice::<Value>(&body)) {
        (Some(endpoint), Ok(json)) => contract::contract().check_request(endpoint, &json),
        _ => Vec::new(),
    };
    if let Some(vary) = vary
        && let Some(varied) = answer_varied(&conformance, vary, endpoint, &method, &path).await
    {
        return varied;
    }
    let response = next.run(Request::from_parts(parts, Body::from(body))).await;
    if response.status().is_success() {
        conformance.record("request", &method, &path, &request_violations);
    }
    let (parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_INSPECTED).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    if let Some(vary) = vary
        && method != Method::GET
        && conformance.chance(vary.lost_replies)
    {
        return lost_reply();
    }
    let json = serde_json::from_slice::<Value>(&bytes).ok();
    match (json, parts.status.is_success()) {
        (Some(json), true) => {
            if let (Some(vary), Some(endpoint)) = (vary, endpoint) {
                remember_for_staleness(&conformance, vary, endpoint, &path, &json);
            }
            finish(
                &conformance,
                vary,
                endpoint,
                &method,
                &path,
                parts.status,
                json,
            )
        }
        _ => Response::from_parts(parts, Body::from(bytes)),
    }
}

/// The variations that answer before the request reaches the API: a
/// pause (then `None`: the request goes on), a refused connection, or a
/// stale read that an update earlier arranged.
async fn answer_varied(
    conformance: &Conformance,
    vary: &Variations,
    endpoint: Option<&Endpoint>,
    method: &Method,
    path: &str,
) -> Option<Response> {
    if conformance.chance(vary.slow) {
        let pause = conformance.rng.lock().map_or(0, |mut r| r.u64(50..300));
        tokio::time::sleep(Duration::from_millis(pause)).await;
    }
    if conformance.chance(vary.faults) {
        return Some(refused(conformance.chance(0.5)));
    }
    if *method != Method::GET {
        return None;
    }
    let stale = conformance.stale.lock().ok()?.remove(path)?;
    Some(finish(
        conformance,
        Some(vary),
        endpoint,
        method,
        path,
        StatusCode::OK,
        stale,
    ))
}

/// Remembers each RUNNING service reply, and after an update arranges for
/// the next read to show the service as it was.
fn remember_for_staleness(
    conformance: &Conformance,
    vary: &Variations,
    endpoint: &Endpoint,
    path: &str,
    json: &Value,
) {
    match endpoint.op.as_str() {
        "ServiceGet" if json["service"]["state"] == ServiceState::Running.as_str() => {
            if let Ok(mut seen) = conformance.seen.lock() {
                seen.insert(path.to_owned(), json.clone());
            }
        }
        "ServiceUpdate" if conformance.chance(vary.stale) => {
            let before = conformance
                .seen
                .lock()
                .ok()
                .and_then(|s| s.get(path).cloned());
            if let (Some(before), Ok(mut stale)) = (before, conformance.stale.lock()) {
                stale.insert(path.to_owned(), before);
            }
        }
        "ServiceDelete" => {
            if let Ok(mut seen) = conformance.seen.lock() {
                seen.remove(path);
            }
        }
        _ => {}
    }
}

/// Varies a successful JSON reply, checks it, and sends it.
fn finish(
    conformance: &Conformance,
    vary: Option<&Variations>,
    endpoint: Option<&Endpoint>,
    method: &Method,
    path: &str,
    status: StatusCode,
    mut json: Value,
) -> Response {
    if let Some(endpoint) = endpoint {
        if let (Some(vary), Some((envelope, shape))) =
            (vary, contract::contract().reply_shape(endpoint))
        {
            let inner = match envelope {
                Some(key) => json.get_mut(key),
                None => Some(&mut json),
            };
            if let Some(inner) = inner {
                vary_value(conformance, vary, &shape, inner);
            }
        }
        let found: Vec<Violation> = contract::contract()
            .check_reply(endpoint, &json)
            .into_iter()
            .filter(|v| !is_local_notification_kind(v))
            .collect();
        conformance.record("reply", method, path, &found);
    }
    (status, axum::Json(json)).into_response()
}

/// aiven-local's own notification kinds are outside the API's enum on
/// purpose (see the README); clients treat them as plain warnings.
fn is_local_notification_kind(violation: &Violation) -> bool {
    matches!(&violation.problem, Problem::NotInEnum { value, .. }
        if violation.path.ends_with(".type")
            && violation.path.contains("service_notifications")
            && LOCAL_NOTIFICATION_KINDS.contains(&value.as_str()))
}

/// Loosens one value as far as its shape allows.
fn vary_value(conformance: &Conformance, vary: &Variations, shape: &Shape<'_>, value: &mut Value) {
    match (shape, value) {
        (Shape::Struct(_, fields), Value::Object(entries)) => {
            let state = entries
                .get("state")
                .and_then(Value::as_str)
                .map(str::to_owned);
            let user_type = entries
                .get("type")
                .and_then(Value::as_str)
                .map(str::to_owned);
            for (name, field) in fields.iter() {
                let Some(item) = entries.get_mut(name) else {
                    continue;
                };
                let empty = matches!(item, Value::Array(a) if a.is_empty())
                    || matches!(item, Value::Object(o) if o.is_empty());
                if field.optional
                    && (empty
                        || DROPPABLE.contains(&name.as_str()) && conformance.chance(vary.drop))
                {
                    entries.remove(name);
                    continue;
                }
                // Null only where null says nothing false: the window's end
                // (null is "now"), a non-primary user's password, and the
                // URI of a service that is not running yet.
                let null_is_true = match name.as_str() {
                    "pitr_range_end" => true,
                    "password" => user_type.as_deref().is_some_and(|t| t != "primary"),
                    "service_uri" => state
                        .as_deref()
                        .is_some_and(|s| s != ServiceState::Running.as_str()),
                    _ => false,
                };
                if field.nullable && null_is_true {
                    *item = Value::Null;
                    continue;
                }
                vary_value(
                    conformance,
                    vary,
                    &contract::contract().shape(&field.go_type),
                    item,
                );
            }
            if vary.unknown_fields {
                entries.insert(
                    "aiven_local_unknown_field".into(),
                    json!({ "a field": ["no client should need"] }),
                );
            }
        }
        (Shape::List(element), Value::Array(items)) => {
            for item in items {
                vary_value(conformance, vary, element, item);
            }
        }
        _ => {}
    }
}

fn refused(rate_limited: bool) -> Response {
    let (status, message) = if rate_limited {
        (
            StatusCode::TOO_MANY_REQUESTS,
            "Too many requests (aiven-local variation)",
        )
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "Service unavailable (aiven-local variation)",
        )
    };
    let mut response = (
        status,
        axum::Json(json!({ "message": message, "errors": [{ "message": message, "status": status.as_u16() }] })),
    )
        .into_response();
    response
        .headers_mut()
        .insert("retry-after", HeaderValue::from_static("1"));
    response
}

/// What a proxy that gave up waiting sends: not JSON.
fn lost_reply() -> Response {
    (
        StatusCode::GATEWAY_TIMEOUT,
        [("content-type", "text/html")],
        Bytes::from_static(
            b"<html><head><title>504 Gateway Time-out</title></head><body>upstream timed out</body></html>",
        ),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spec_sets_what_it_names_and_keeps_the_other_defaults() {
        let parsed: Variations = "seed=7, faults=0,stale=0.5".parse().unwrap();
        assert_eq!(
            parsed,
            Variations {
                seed: 7,
                faults: 0.0,
                stale: 0.5,
                ..Variations::default()
            }
        );
        assert_eq!("on".parse::<Variations>().unwrap(), Variations::default());
        let err = "drop=2".parse::<Variations>().unwrap_err();
        assert!(err.contains("probability"), "{err}");
        assert!("nonsense=1".parse::<Variations>().is_err());
    }

    #[test]
    fn varied_replies_stay_inside_the_contract() {
        let conformance = Conformance::new(None, Some(Variations::default())).unwrap();
        let contract = contract::contract();
        let endpoint = contract.endpoint("GET", "/v1/project/p/service/s").unwrap();
        let mut reply = json!({"service": {
            "service_name": "s", "service_type": "pg", "plan": "startup-4",
            "cloud_name": "c", "create_time": "2025-01-01T00:00:00Z",
            "update_time": "2025-01-01T00:00:00Z", "group_list": ["default"],
            "project_vpc_id": null, "service_integrations": [],
            "service_uri": "postgres://u:p@h:1/d", "termination_protection": false,
            "user_config": {}, "state": "REBUILDING", "node_count": 1,
            "users": [{"username": "avnadmin", "password": "x", "type": "primary"},
                      {"username": "app", "password": "y", "type": "normal"}],
            "tags": {},
        }});
        let (_, shape) = contract.reply_shape(endpoint).unwrap();
        vary_value(
            &conformance,
            &Variations::default(),
            &shape,
            &mut reply["service"],
        );
        let service = &reply["service"];
        assert!(service.get("node_count").is_none(), "dropped: {service}");
        assert!(service.get("tags").is_none(), "empty optional map dropped");
        assert!(service["service_uri"].is_null(), "not running: no URI yet");
        assert!(service["aiven_local_unknown_field"].is_object());
        assert_eq!(contract.check_reply(endpoint, &reply), Vec::new());
    }
}
