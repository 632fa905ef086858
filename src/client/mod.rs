//! The Aiven REST client the resources use, following the API's own rules
//! for retries: 408, 429 and 500–504 are retried with jittered backoff, or
//! after the `Retry-After` the API names; a DELETE answered 417 too. A
//! create is never sent again while it may have been acted on: its
//! outcome is settled by looking the service up ([`Client::create_service`]).
//! Everything else surfaces with the API's own message and status.

mod accounts;
mod integrations;
mod objects;
mod opensearch;
mod plans;
mod vpcs;

use std::time::Duration;

use aiven_api::types::{
    ApiError, BackupsResponse, CreateService, Service, ServiceEnvelope, TagsBody, TagsReply,
    UpdateService,
};
use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Names the provider and its version to the API.
pub const USER_AGENT: &str = concat!("terraform-provider-aiven-rs/", env!("CARGO_PKG_VERSION"));
const MAX_ATTEMPTS: u32 = 6;
/// The longest `Retry-After` honoured; a longer one waits this long.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

/// An API token that never shows up in logs or debug output.
#[derive(Clone)]
pub struct Token(String);

impl Token {
    pub fn new(token: String) -> Token {
        Token(token)
    }
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

/// Why a call failed.
#[derive(Debug, Clone, PartialEq)]
pub enum CallError {
    /// The API answered with an error status.
    Api { status: u16, message: String },
    /// The API answered success, but the body is not what the contract
    /// allows: `field` names where it went wrong (`service.state`, or
    /// `(body)` when it is not JSON at all).
    Unreadable {
        status: u16,
        field: String,
        reason: String,
    },
    /// No usable answer: connection refused or reset, timeout.
    Transport(String),
    /// Terraform asked the provider to stop.
    Cancelled,
}

impl CallError {
    pub fn status(&self) -> Option<u16> {
        match self {
            CallError::Api { status, .. } => Some(*status),
            _ => None,
        }
    }

    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }
}

impl std::fmt::Display for CallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CallError::Api { status, message } => write!(f, "{message} (HTTP {status})"),
            CallError::Unreadable {
                status,
                field,
                reason,
            } => write!(
                f,
                "the reply (HTTP {status}) could not be read at {field}: {reason}"
            ),
            CallError::Transport(message) => write!(f, "{message}"),
            CallError::Cancelled => write!(f, "cancelled by Terraform"),
        }
    }
}

/// How a create failed.
#[derive(Debug)]
pub enum CreateFailed {
    /// Nothing was created: the API refused the request, or it failed and
    /// a look-up after each try found no service.
    NotCreated(CallError),
    /// The API may have created the service, and no look-up settled it.
    Unsettled(CallError),
}

#[derive(Clone, Debug)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    token: Token,
    plans: plans::SharedCatalogAnswers,
}

/// Whether a request may be sent again after it may have been acted on.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Resend {
    /// Idempotent: GET, PUT, DELETE.
    Freely,
    /// A create: only when the API cannot have acted on it (the connection
    /// failed, or the API refused it with 429).
    OnlyIfNotActedOn,
}

/// One exchange's outcome before decoding.
enum Attempt {
    Reply {
        status: StatusCode,
        body: Vec<u8>,
        content_type: String,
        retry_after: Option<Duration>,
    },
    /// The request never left: nothing was acted on.
    NotSent(String),
    /// The request may have reached the API; no answer came back.
    NoAnswer(String),
}

fn backoff(attempt: u32) -> Duration {
    let base = 250u64 << attempt.min(5);
    Duration::from_millis(base / 2 + fastrand::u64(0..=base / 2))
}

/// The statuses the API's own client retries.
fn retryable(method: &Method, status: StatusCode) -> bool {
    matches!(status.as_u16(), 408 | 429 | 500..=504)
        || (*method == Method::DELETE && status == StatusCode::EXPECTATION_FAILED)
}

/// `Retry-After` as seconds or as an HTTP date.
fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    let wait = match value.parse::<u64>() {
        Ok(seconds) => Duration::from_secs(seconds),
        Err(_) => {
            let at =
                time::OffsetDateTime::parse(value, &time::format_description::well_known::Rfc2822)
                    .ok()?;
            let left = at - time::OffsetDateTime::now_utc();
            Duration::try_from(left).unwrap_or(Duration::ZERO)
        }
    };
    Some(wait.min(MAX_RETRY_AFTER))
}

/// A readable account of an error reply whose body is not the API's JSON
/// error, such as a proxy's HTML page or nothing at all.
fn describe_foreign_error(status: StatusCode, content_type: &str, body: &[u8]) -> String {
    let reason = status.canonical_reason().unwrap_or("error");
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        return format!("{reason}, with an empty reply");
    }
    let kind = if content_type.is_empty() {
        "a non-JSON reply".to_owned()
    } else {
        format!("a non-JSON reply ({content_type})")
    };
    let title = text
        .split_once("<title>")
        .and_then(|(_, rest)| rest.split_once("</title>"))
        .map(|(title, _)| title.trim().to_owned());
    let gist = title.unwrap_or_else(|| {
        let mut plain = String::new();
        let mut in_tag = false;
        for c in text.chars() {
            match c {
                '<' => in_tag = true,
                '>' => {
                    in_tag = false;
                    plain.push(' ');
                }
                c if !in_tag => plain.push(c),
                _ => {}
            }
        }
        plain.split_whitespace().collect::<Vec<_>>().join(" ")
    });
    let gist: String = gist.chars().take(200).collect();
    format!("{reason}, with {kind}: {gist:?}")
}

/// Decodes a success body, naming the field where it departs from `T`.
fn decode_success<T: DeserializeOwned>(status: StatusCode, body: &[u8]) -> Result<T, CallError> {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(&mut deserializer).map_err(|err| {
        let field = err.path().to_string();
        let inner = err.into_inner();
        CallError::Unreadable {
            status: status.as_u16(),
            field: if field.is_empty() || field == "." {
                "(body)".to_owned()
            } else {
                field
            },
            reason: inner.to_string(),
        }
    })
}

impl Client {
    pub fn new(base: &str, token: Token) -> Result<Client, String> {
        let http = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(60))
            .tcp_nodelay(true)
            .build()
            .map_err(|err| format!("cannot build the HTTP client: {err}"))?;
        Ok(Client {
            http,
            base: base.trim_end_matches('/').to_owned(),
            token,
            plans: plans::SharedCatalogAnswers::default(),
        })
    }

    async fn attempt(
        &self,
        method: &Method,
        path: &str,
        body: Option<&(impl Serialize + Sync)>,
    ) -> Attempt {
        let mut request = self
            .http
            .request(method.clone(), format!("{}{path}", self.base))
            .header("Authorization", format!("aivenv1 {}", self.token.0));
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = match request.send().await {
            Ok(response) => response,
            // Only a failed connect proves the request never left.
            Err(err) if err.is_connect() => return Attempt::NotSent(err.to_string()),
            Err(err) => return Attempt::NoAnswer(err.to_string()),
        };
        let status = response.status();
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let retry_after = header("retry-after").and_then(|v| parse_retry_after(&v));
        let content_type = header("content-type").unwrap_or_default();
        match response.bytes().await {
            Ok(body) => Attempt::Reply {
                status,
                body: body.to_vec(),
                content_type,
                retry_after,
            },
            Err(err) => Attempt::NoAnswer(format!("reading the reply: {err}")),
        }
    }

    /// Sends a request, retrying what the API's rules allow. A create that
    /// may have been acted on comes back as `Err(Transport)` (no answer)
    /// or `Err(Api)` with a retryable status, for the caller to settle.
    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&(impl Serialize + Sync)>,
        resend: Resend,
        cancel: &tokio_util::sync::CancellationToken,
    ) -> Result<T, CallError> {
        let mut attempt = 0;
        loop {
            let outcome = tokio::select! {
                outcome = self.attempt(&method, path, body) => outcome,
                _ = cancel.cancelled() => return Err(CallError::Cancelled),
            };
            let (error, retry_after, acted_on) = match outcome {
                Attempt::Reply { status, body, .. } if status.is_success() => {
                    return decode_success(status, &body);
                }
                Attempt::Reply {
                    status,
                    body,
                    content_type,
                    retry_after,
                } => {
                    let message = match serde_json::from_slice::<ApiError>(&body) {
                        Ok(error) => error.message,
                        Err(_) => describe_foreign_error(status, &content_type, &body),
                    };
                    let error = CallError::Api {
                        status: status.as_u16(),
                        message,
                    };
                    if !retryable(&method, status) {
                        return Err(error);
                    }
                    (error, retry_after, status != StatusCode::TOO_MANY_REQUESTS)
                }
                Attempt::NotSent(reason) => (
                    CallError::Transport(format!("{method} {path}: {reason}")),
                    None,
                    false,
                ),
                Attempt::NoAnswer(reason) => (
                    CallError::Transport(format!("{method} {path}: no answer: {reason}")),
                    None,
                    true,
                ),
            };
            if acted_on && resend == Resend::OnlyIfNotActedOn {
                return Err(error);
            }
            attempt += 1;
            if attempt >= MAX_ATTEMPTS {
                return Err(error);
            }
            let delay = retry_after.unwrap_or_else(|| backoff(attempt));
            tracing::debug!(path, attempt, error = %error, "retrying");
            tokio::select! {
                _ = tokio::time::sleep(delay) => {}
                _ = cancel.cancelled() => return Err(CallError::Cancelled),
            }
        }
    }

    fn service_path(project: &str, service: &str) -> String {
        format!("/v1/project/{project}/service/{service}")
    }

    /// Reads a service with its secrets (`include_secrets=true`). Tags the
    /// reply leaves out are read from their own endpoint.
    pub async fn get_service(
        &self,
        project: &str,
        service: &str,
        cancel: &tokio_util::sync::CancellationToken,
    ) -> Result<Service, CallError> {
        let path = format!(
            "{}?include_secrets=true",
            Self::service_path(project, service)
        );
        let mut found = self
            .call::<ServiceEnvelope>(Method::GET, &path, None::<&()>, Resend::Freely, cancel)
            .await?
            .service;
        if found.tags.is_none() {
            found.tags = Some(self.tags(project, service, cancel).await?.tags);
        }
        Ok(found)
    }

    /// A project's services, with their secrets (a list data source
    /// marks them sensitive).
    pub async fn list_services(
        &self,
        project: &str,
        cancel: &tokio_util::sync::CancellationToken,
    ) -> Result<Vec<Service>, CallError> {
        let path = format!("/v1/project/{project}/service?include_secrets=true");
        self.call::<aiven_api::types::ServiceList>(
            Method::GET,
            &path,
            None::<&()>,
            Resend::Freely,
            cancel,
        )
        .await
        .map(|list| list.services)
    }

    /// Creates a service, never sending the request again while it may
    /// have been acted on: a lost or unreadable answer is settled by
    /// looking the service up. The caller has made sure the name was free.
    pub async fn create_service(
        &self,
        project: &str,
        request: &CreateService,
        cancel: &tokio_util::sync::CancellationToken,
    ) -> Result<Service, CreateFailed> {
        let path = format!("/v1/project/{project}/service");
        let mut attempts = 0;
        loop {
            attempts += 1;
            let error = match self
                .call::<ServiceEnvelope>(
                    Method::POST,
                    &path,
                    Some(request),
                    Resend::OnlyIfNotActedOn,
                    cancel,
                )
                .await
            {
                Ok(envelope) => return Ok(envelope.service),
                Err(error @ (CallError::Transport(_) | CallError::Unreadable { .. })) => error,
                // A 429 was never acted on, and `call` has already retried
                // it as often as it retries anything: it is final here.
                Err(error @ CallError::Api { status, .. })
                    if status != 429
                        && retryable(
                            &Method::POST,
                            StatusCode::from_u16(status).unwrap_or_default(),
                        ) =>
                {
                    error
                }
                Err(CallError::Cancelled) => {
                    return Err(CreateFailed::Unsettled(CallError::Cancelled));
                }
                Err(other) => return Err(CreateFailed::NotCreated(other)),
            };
            tracing::warn!(error = %error, "create outcome unknown; looking the service up");
            match self
                .get_service(project, &request.service_name, cancel)
                .await
            {
                // This is the service the request created: the caller
                // made sure the name was free before.
                Ok(service) => {
                    tracing::warn!(service = %service.service_name, "the create's answer was lost; the service was found and is kept");
                    return Ok(service);
                }
                // Not created: sending it again is safe, unless the reply
                // was unreadable (then the API is not speaking our
                // language and another try would not help).
                // A success that could not be read says it was created,
                // whatever a look-up says a moment later.
                Err(lookup)
                    if lookup.is_not_found() && matches!(error, CallError::Unreadable { .. }) =>
                {
                    return Err(CreateFailed::Unsettled(error));
                }
                Err(lookup) if lookup.is_not_found() => {
                    if attempts >= MAX_ATTEMPTS {
                        return Err(CreateFailed::NotCreated(error));
                    }
                    tokio::select! {
                        _ = tokio::time::sleep(backoff(attempts)) => {}
                        _ = cancel.cancelled() => {
                            return Err(CreateFailed::Unsettled(CallError::Cancelled));
                        }
                    }
                }
                // The lookup failed too: the original error says most.
                Err(_) => return Err(CreateFailed::Unsettled(error)),
            }
        }
    }

    pub async fn update_service(
        &self,
        project: &str,
        service: &str,
        request: &UpdateService,
        cancel: &tokio_util::sync::CancellationToken,
    ) -> Result<Service, CallError> {
        let envelope: ServiceEnvelope = self
            .call(
                Method::PUT,
                &Self::service_path(project, service),
                Some(request),
                Resend::Freely,
                cancel,
            )
            .await?;
        Ok(envelope.service)
    }

    /// A service's tags, from their own endpoint.
    pub async fn tags(
        &self,
        project: &str,
        service: &str,
        cancel: &tokio_util::sync::CancellationToken,
    ) -> Result<TagsReply, CallError> {
        let path = format!("{}/tags", Self::service_path(project, service));
        self.call(Method::GET, &path, None::<&()>, Resend::Freely, cancel)
            .await
    }

    /// Replaces a service's tags (`ProjectServiceTagsReplace`).
    pub async fn replace_tags(
        &self,
        project: &str,
        service: &str,
        tags: &TagsBody,
        cancel: &tokio_util::sync::CancellationToken,
    ) -> Result<(), CallError> {
        let path = format!("{}/tags", Self::service_path(project, service));
        self.call::<serde::de::IgnoredAny>(Method::PUT, &path, Some(tags), Resend::Freely, cancel)
            .await
            .map(drop)
    }

    /// Deletes a service; one already gone counts as deleted.
    pub async fn delete_service(
        &self,
        project: &str,
        service: &str,
        cancel: &tokio_util::sync::CancellationToken,
    ) -> Result<(), CallError> {
        self.delete_path(&Self::service_path(project, service), cancel)
            .await
    }

    /// DELETE of what `path` names; already gone counts as deleted.
    async fn delete_path(
        &self,
        path: &str,
        cancel: &tokio_util::sync::CancellationToken,
    ) -> Result<(), CallError> {
        let deleted = self
            .call::<serde::de::IgnoredAny>(
                Method::DELETE,
                path,
                None::<&()>,
                Resend::Freely,
                cancel,
            )
            .await;
        match deleted {
            Err(err) if err.is_not_found() => Ok(()),
            other => other.map(drop),
        }
    }

    pub async fn backups(
        &self,
        project: &str,
        service: &str,
        cancel: &tokio_util::sync::CancellationToken,
    ) -> Result<BackupsResponse, CallError> {
        let path = format!("{}/backups", Self::service_path(project, service));
        self.call(Method::GET, &path, None::<&()>, Resend::Freely, cancel)
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_never_print() {
        let token = Token::new("s3cret".into());
        assert!(!format!("{token:?}").contains("s3cret"));
    }

    #[test]
    fn backoff_grows_and_stays_jittered_within_bounds() {
        for attempt in 1..8 {
            let delay = backoff(attempt).as_millis() as u64;
            let base = 250u64 << attempt.min(5);
            assert!(
                delay >= base / 2 && delay <= base,
                "attempt {attempt}: {delay}"
            );
        }
    }

    #[test]
    fn the_api_clients_retry_statuses_are_retried_and_no_others() {
        let retried: Vec<u16> = (400..=599)
            .filter(|s| retryable(&Method::GET, StatusCode::from_u16(*s).unwrap()))
            .collect();
        assert_eq!(retried, vec![408, 429, 500, 501, 502, 503, 504]);
        assert!(retryable(&Method::DELETE, StatusCode::EXPECTATION_FAILED));
        assert!(!retryable(&Method::PUT, StatusCode::EXPECTATION_FAILED));
    }

    #[test]
    fn retry_after_is_read_as_seconds_or_as_a_date_and_capped() {
        assert_eq!(parse_retry_after("3"), Some(Duration::from_secs(3)));
        assert_eq!(parse_retry_after("86400"), Some(MAX_RETRY_AFTER));
        let soon = time::OffsetDateTime::now_utc() + time::Duration::seconds(10);
        let date = soon
            .format(&time::format_description::well_known::Rfc2822)
            .unwrap()
            .replace("+0000", "GMT");
        let wait = parse_retry_after(&date).expect("an HTTP date");
        assert!(
            wait > Duration::from_secs(7) && wait <= Duration::from_secs(10),
            "{wait:?}"
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon"), None);
    }

    #[test]
    fn an_error_page_that_is_not_json_reads_as_its_status_and_title() {
        let html =
            b"<html><head><title>502 Bad Gateway</title></head><body><h1>nginx</h1></body></html>";
        assert_eq!(
            describe_foreign_error(StatusCode::BAD_GATEWAY, "text/html", html),
            "Bad Gateway, with a non-JSON reply (text/html): \"502 Bad Gateway\""
        );
        assert_eq!(
            describe_foreign_error(StatusCode::FORBIDDEN, "", b"  "),
            "Forbidden, with an empty reply"
        );
        assert_eq!(
            describe_foreign_error(
                StatusCode::FORBIDDEN,
                "text/plain",
                b"<p>denied by policy</p>"
            ),
            "Forbidden, with a non-JSON reply (text/plain): \"denied by policy\""
        );
    }

    #[test]
    fn an_unreadable_success_names_the_field() {
        let err = decode_success::<ServiceEnvelope>(
            StatusCode::OK,
            br#"{"service": {"service_name": "a", "service_type": "pg", "plan": "p", "cloud_name": "c", "state": 5}}"#,
        )
        .unwrap_err();
        match err {
            CallError::Unreadable { field, .. } => assert_eq!(field, "service.state"),
            other => panic!("{other:?}"),
        }
        let err = decode_success::<ServiceEnvelope>(StatusCode::OK, b"<html>").unwrap_err();
        assert!(
            matches!(err, CallError::Unreadable { ref field, .. } if field == "(body)"),
            "{err:?}"
        );
    }
}
