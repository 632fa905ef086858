//! The Aiven REST client the resources use. Requests that fail in ways
//! worth retrying (429, 5xx, dropped connections) are retried with jittered
//! backoff; everything else surfaces with the API's own message and status.

use std::time::Duration;

use aiven_api::types::{
    ApiError, BackupsResponse, CreateService, Service, ServiceEnvelope, UpdateService,
};
use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;

const USER_AGENT: &str = concat!("terraform-provider-aiven-rs/", env!("CARGO_PKG_VERSION"));
const MAX_ATTEMPTS: u32 = 6;

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
    /// No usable answer: connection refused or reset, timeout, bad body.
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
            CallError::Transport(message) => write!(f, "{message}"),
            CallError::Cancelled => write!(f, "cancelled by Terraform"),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    token: Token,
}

/// Whether a request may be sent again after an ambiguous failure. A
/// create is not: its retry goes through [`Client::create_service`], which
/// looks the service up first.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Retry {
    Safe,
    OnlyIfNotSent,
}

fn backoff(attempt: u32) -> Duration {
    let base = 250u64 << attempt.min(5);
    Duration::from_millis(base / 2 + fastrand::u64(0..=base / 2))
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
        })
    }

    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&(impl Serialize + Sync)>,
        retry: Retry,
        cancel: &tokio_util::sync::CancellationToken,
    ) -> Result<T, CallError> {
        let url = format!("{}{path}", self.base);
        let mut attempt = 0;
        loop {
            let mut request = self
                .http
                .request(method.clone(), &url)
                .header("Authorization", format!("aivenv1 {}", self.token.0));
            if let Some(body) = body {
                request = request.json(body);
            }
            let sent = tokio::select! {
                sent = request.send() => sent,
                _ = cancel.cancelled() => return Err(CallError::Cancelled),
            };
            let outcome = match sent {
                Ok(response) => Self::decode(response).await,
                Err(err) => {
                    // Only a failed connect proves the request never left;
                    // a request error may mean the connection closed after
                    // the API had acted on it.
                    let reached = !err.is_connect();
                    if reached && retry == Retry::OnlyIfNotSent {
                        return Err(CallError::Transport(format!(
                            "{method} {path}: outcome unknown: {err}"
                        )));
                    }
                    Err((
                        CallError::Transport(format!("{method} {path}: {err}")),
                        None,
                    ))
                }
            };
            let (error, retry_after) = match outcome {
                Ok(value) => return Ok(value),
                Err((error @ CallError::Api { status, .. }, retry_after))
                    if status == 429 || status >= 500 =>
                {
                    (error, retry_after)
                }
                Err((error @ CallError::Transport(_), retry_after)) => (error, retry_after),
                Err((error, _)) => return Err(error),
            };
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

    async fn decode<T: DeserializeOwned>(
        response: reqwest::Response,
    ) -> Result<T, (CallError, Option<Duration>)> {
        let status = response.status();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok())
            .map(|seconds| Duration::from_secs(seconds.min(60)));
        let bytes = response.bytes().await.map_err(|err| {
            (
                CallError::Transport(format!("reading the response: {err}")),
                None,
            )
        })?;
        if status.is_success() {
            return serde_json::from_slice(&bytes).map_err(|err| {
                (
                    CallError::Transport(format!("unexpected response from the API: {err}")),
                    None,
                )
            });
        }
        let message = serde_json::from_slice::<ApiError>(&bytes)
            .map(|e| e.message)
            .unwrap_or_else(|_| {
                let text = String::from_utf8_lossy(&bytes);
                if text.trim().is_empty() {
                    status.canonical_reason().unwrap_or("error").to_owned()
                } else {
                    text.chars().take(500).collect()
                }
            });
        Err((
            CallError::Api {
                status: status.as_u16(),
                message,
            },
            if status == StatusCode::TOO_MANY_REQUESTS {
                retry_after
            } else {
                None
            },
        ))
    }

    fn service_path(project: &str, service: &str) -> String {
        format!("/v1/project/{project}/service/{service}")
    }

    pub async fn get_service(
        &self,
        project: &str,
        service: &str,
        cancel: &tokio_util::sync::CancellationToken,
    ) -> Result<Service, CallError> {
        let envelope: ServiceEnvelope = self
            .call(
                Method::GET,
                &Self::service_path(project, service),
                None::<&()>,
                Retry::Safe,
                cancel,
            )
            .await?;
        Ok(envelope.service)
    }

    /// Creates a service. When the request may have reached the API but no
    /// answer came back, the service is looked up instead of created twice.
    pub async fn create_service(
        &self,
        project: &str,
        request: &CreateService,
        cancel: &tokio_util::sync::CancellationToken,
    ) -> Result<Service, CallError> {
        let path = format!("/v1/project/{project}/service");
        match self
            .call::<ServiceEnvelope>(
                Method::POST,
                &path,
                Some(request),
                Retry::OnlyIfNotSent,
                cancel,
            )
            .await
        {
            Ok(envelope) => Ok(envelope.service),
            Err(CallError::Transport(reason)) => {
                tracing::warn!(reason = %reason, "create outcome unknown; looking the service up");
                self.get_service(project, &request.service_name, cancel)
                    .await
                    .map_err(|lookup| match lookup {
                        CallError::Api { status: 404, .. } => CallError::Transport(reason),
                        other => other,
                    })
            }
            Err(other) => Err(other),
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
                Retry::Safe,
                cancel,
            )
            .await?;
        Ok(envelope.service)
    }

    /// Deletes a service; one already gone counts as deleted.
    pub async fn delete_service(
        &self,
        project: &str,
        service: &str,
        cancel: &tokio_util::sync::CancellationToken,
    ) -> Result<(), CallError> {
        match self
            .call::<serde_json::Value>(
                Method::DELETE,
                &Self::service_path(project, service),
                None::<&()>,
                Retry::Safe,
                cancel,
            )
            .await
        {
            Ok(_) => Ok(()),
            Err(err) if err.is_not_found() => Ok(()),
            Err(err) => Err(err),
        }
    }

    pub async fn backups(
        &self,
        project: &str,
        service: &str,
        cancel: &tokio_util::sync::CancellationToken,
    ) -> Result<BackupsResponse, CallError> {
        let path = format!("{}/backups", Self::service_path(project, service));
        self.call(Method::GET, &path, None::<&()>, Retry::Safe, cancel)
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
}
