//! HTTP helpers over a real aiven-local started by `testkit`.

#![allow(dead_code, unused_imports)]

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
pub use testkit::psql;
use testkit::{LocalServer, TOKEN};

pub const PROJECT: &str = "test";

pub struct Local {
    pub server: LocalServer,
    pub http: reqwest::Client,
}

impl Local {
    pub fn start() -> Local {
        Local::wrap(LocalServer::start(
            Path::new(env!("CARGO_BIN_EXE_aiven-local")),
            &[],
        ))
    }

    /// A fresh server with extra `serve` flags.
    pub fn start_with(args: &[&str]) -> Local {
        Local::wrap(LocalServer::start(
            Path::new(env!("CARGO_BIN_EXE_aiven-local")),
            args,
        ))
    }

    /// Starts again on `data_dir`, as after a stop or a crash; `owns`
    /// removes the directory when this server is dropped.
    pub fn restart_in(data_dir: &Path, owns: bool) -> Local {
        let server =
            LocalServer::start_in(Path::new(env!("CARGO_BIN_EXE_aiven-local")), data_dir, &[]);
        Local::wrap(if owns {
            server.owning_data_dir()
        } else {
            server
        })
    }

    /// Stops this server with SIGTERM and starts another on its data.
    pub fn restart(self) -> Local {
        let binary = Path::new(env!("CARGO_BIN_EXE_aiven-local"));
        Local::wrap(self.server.restart(binary, &[], false))
    }

    /// Kills this server with SIGKILL, leaving its engines running, and
    /// starts another on its data.
    pub fn kill9_and_restart(self) -> Local {
        let binary = Path::new(env!("CARGO_BIN_EXE_aiven-local"));
        Local::wrap(self.server.restart(binary, &[], true))
    }

    /// A pg service `name` holding row 1 of table `t`, written before the
    /// instant returned (UTC, `YYYY-MM-DDTHH:MM:SS`, as a date-time input
    /// takes it), and row 2, written after.
    pub async fn pg_with_a_moment_between_rows(&self, name: &str) -> String {
        let source = self.create_pg(name, json!({})).await;
        psql(
            &uri(&source),
            "CREATE TABLE t (id int); INSERT INTO t VALUES (1)",
        );
        let moment = tokio::task::spawn_blocking(testkit::moment_between_writes)
            .await
            .unwrap();
        psql(&uri(&source), "INSERT INTO t VALUES (2)");
        moment
            .format(time::macros::format_description!(
                "[year]-[month]-[day]T[hour]:[minute]:[second]"
            ))
            .unwrap()
    }

    pub fn wrap_server(server: LocalServer) -> Local {
        Local::wrap(server)
    }

    fn wrap(server: LocalServer) -> Local {
        Local {
            server,
            http: reqwest::Client::new(),
        }
    }

    pub fn base(&self) -> &str {
        &self.server.url
    }

    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base()))
            .header("Authorization", format!("aivenv1 {TOKEN}"))
            // These tests check aiven-local itself: no contract variations.
            .header(testkit::EXACT_HEADER, "1");
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("request");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    pub async fn create(&self, body: Value) -> (u16, Value) {
        self.call(
            reqwest::Method::POST,
            &format!("/v1/project/{PROJECT}/service"),
            Some(body),
        )
        .await
    }

    pub async fn service(&self, name: &str) -> Value {
        let (status, body) = self
            .call(
                reqwest::Method::GET,
                &format!("/v1/project/{PROJECT}/service/{name}?include_secrets=true"),
                None,
            )
            .await;
        assert_eq!(status, 200, "{body}");
        body["service"].clone()
    }

    /// Waits until the service runs and has at least one backup.
    pub async fn wait_ready(&self, name: &str) -> Value {
        let started = Instant::now();
        loop {
            let service = self.service(name).await;
            if let Some(error) = service["service_notifications"]
                .as_array()
                .and_then(|n| n.iter().find(|n| n["type"] == "provisioning_failed"))
            {
                panic!("{name} failed: {error}");
            }
            if service["state"] == "RUNNING" && !service["backups"].as_array().unwrap().is_empty() {
                return service;
            }
            assert!(
                started.elapsed() < Duration::from_secs(120),
                "{name} not ready: {service}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// `name`'s backups, oldest first.
    pub async fn backups(&self, name: &str) -> Value {
        let path = format!("/v1/project/{PROJECT}/service/{name}/backups");
        let (status, body) = self.call(reqwest::Method::GET, &path, None).await;
        assert_eq!(status, 200, "{body}");
        body
    }

    /// [`LocalServer::back_up_now`] for a service of the project.
    pub async fn back_up_now(&self, name: &str) -> String {
        self.server.back_up_now(PROJECT, name)
    }

    /// [`LocalServer::latest_transaction`] for a service of the project.
    pub async fn latest_transaction(&self, name: &str) -> String {
        self.server.latest_transaction(PROJECT, name)
    }

    pub async fn create_pg(&self, name: &str, user_config: Value) -> Value {
        let (status, body) =
            self.create(json!({"service_name": name, "service_type": "pg", "plan": "startup-4", "user_config": user_config})).await;
        assert_eq!(status, 200, "{body}");
        self.wait_ready(name).await
    }
}

pub fn uri(service: &Value) -> String {
    service["service_uri"].as_str().unwrap().to_owned()
}

/// The ids in table `t`, comma-separated.
pub fn ids(uri: &str) -> String {
    psql(uri, "SELECT string_agg(id::text, ',' ORDER BY id) FROM t")
}

/// Asserts an answer's status and that its message says `fragment`.
pub fn assert_answer(answer: (u16, Value), status: u16, fragment: &str) {
    let (got, body) = answer;
    assert_eq!(got, status, "{body}");
    let message = body["message"].as_str().unwrap_or_default();
    assert!(message.contains(fragment), "{fragment:?} not in {body}");
}

impl Local {
    /// The project CA's certificate (`GET .../kms/ca`) in a file, for a
    /// client to verify a service's certificate with.
    pub async fn ca_file(&self) -> std::path::PathBuf {
        let (_, ca) = self
            .call(reqwest::Method::GET, "/v1/project/test/kms/ca", None)
            .await;
        let file = testkit::temp_dir("project-ca").join("ca.pem");
        std::fs::write(&file, ca["certificate"].as_str().expect("certificate")).unwrap();
        file
    }
}

/// `uri` with another user and password in it.
pub fn as_user(uri: &str, user: &str, password: &str) -> String {
    let start = uri.find("://").expect("scheme") + 3;
    let end = uri.rfind('@').expect("userinfo");
    format!("{}{user}:{password}{}", &uri[..start], &uri[end..])
}
