//! Answering only requests addressed to this server. A page in the user's
//! browser can make its own host name resolve to 127.0.0.1 (DNS
//! rebinding) and then talk to aiven-local as a same-origin site; its
//! requests still carry that name in `Host`. On a loopback address
//! aiven-local therefore takes only the names that mean this machine
//! (`127.0.0.1`, `localhost`, `[::1]`) with its own port; listening on
//! another address (`--allow-remote`) it takes any, as clients then
//! reach it by whatever name the network gives it.

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;

use crate::api::refusal;

/// The `Host` values taken, or none for any.
#[derive(Debug, Clone)]
pub struct AllowedHosts(Option<Vec<String>>);

impl AllowedHosts {
    /// For a server listening on `local`: loopback names with its port,
    /// or any name when it listens beyond this machine.
    pub fn for_address(local: std::net::SocketAddr) -> AllowedHosts {
        if !local.ip().is_loopback() {
            return AllowedHosts(None);
        }
        let port = local.port();
        let names = ["127.0.0.1", "localhost", "[::1]"];
        let mut taken: Vec<String> = names.iter().map(|n| format!("{n}:{port}")).collect();
        // Browsers leave the default port out.
        if port == 80 {
            taken.extend(names.iter().map(|n| (*n).to_owned()));
        }
        AllowedHosts(Some(taken))
    }

    fn takes(&self, host: &str) -> bool {
        self.0
            .as_ref()
            .is_none_or(|names| names.iter().any(|name| name.eq_ignore_ascii_case(host)))
    }
}

/// Refuses a request whose `Host` is not one of this server's names.
pub async fn check_host(
    State(allowed): State<AllowedHosts>,
    request: Request,
    next: Next,
) -> Response {
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    if allowed.takes(host) {
        return next.run(request).await;
    }
    let names = allowed.0.as_deref().unwrap_or_default().join(", ");
    refusal(
        StatusCode::MISDIRECTED_REQUEST,
        format!(
            "Host {host:?} is not this server's name; aiven-local answers as {names} (a page that made its own name resolve here is refused)"
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_this_machines_names_with_this_port_are_taken_on_loopback() {
        let allowed = AllowedHosts::for_address("127.0.0.1:8090".parse().unwrap());
        for host in [
            "127.0.0.1:8090",
            "localhost:8090",
            "LOCALHOST:8090",
            "[::1]:8090",
        ] {
            assert!(allowed.takes(host), "{host}");
        }
        for host in [
            "evil.example:8090",
            "127.0.0.1:8091",
            "127.0.0.1",
            "",
            "localhost.evil:8090",
        ] {
            assert!(!allowed.takes(host), "{host}");
        }
        let anywhere = AllowedHosts::for_address("0.0.0.0:8090".parse().unwrap());
        assert!(anywhere.takes("ci-runner.internal:8090"));
    }
}
