//! Starts the real aiven-local binary on a fresh data directory and talks
//! to it over HTTP; checks data with the real psql.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

pub const TOKEN: &str = "test-token";
pub const PROJECT: &str = "test";

pub struct Local {
    child: Option<Child>,
    pub data_dir: PathBuf,
    pub base: String,
    pub http: reqwest::Client,
    owns_dir: bool,
}

pub fn temp_dir() -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let dir = std::env::temp_dir().join(format!("aiven-local-test-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

impl Local {
    pub fn start() -> Local {
        Local::start_in(&temp_dir(), true, &[])
    }

    pub fn start_with(args: &[&str]) -> Local {
        Local::start_in(&temp_dir(), true, args)
    }

    /// Starts on an existing data directory (a restart).
    pub fn start_in(data_dir: &Path, owns_dir: bool, args: &[&str]) -> Local {
        let mut child = Command::new(env!("CARGO_BIN_EXE_aiven-local"))
            .args([
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--token",
                TOKEN,
                "--provision-delay",
                "200ms",
                "--data-dir",
            ])
            .arg(data_dir)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start aiven-local");
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let base = loop {
            let line = lines
                .next()
                .expect("aiven-local printed its address")
                .unwrap();
            if let Some(address) = line.strip_prefix("aiven-local listening on ") {
                break address.to_owned();
            }
        };
        // Keep draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Local {
            child: Some(child),
            data_dir: data_dir.to_owned(),
            base,
            http: reqwest::Client::new(),
            owns_dir,
        }
    }

    /// SIGTERM and wait: every cluster is stopped cleanly.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill")
                .arg("-TERM")
                .arg(child.id().to_string())
                .status();
            let _ = child.wait();
        }
    }

    /// SIGKILL: clusters keep running, the catalog is left as it was.
    pub fn kill9(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header("Authorization", format!("aivenv1 {TOKEN}"));
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
                &format!("/v1/project/{PROJECT}/service/{name}"),
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
                .and_then(|n| n.iter().find(|n| n["level"] == "error"))
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

    pub async fn create_pg(&self, name: &str, user_config: Value) -> Value {
        let (status, body) =
            self.create(json!({"service_name": name, "service_type": "pg", "plan": "startup-4", "user_config": user_config})).await;
        assert_eq!(status, 200, "{body}");
        self.wait_ready(name).await
    }
}

impl Drop for Local {
    fn drop(&mut self) {
        self.stop();
        if self.owns_dir {
            let _ = std::fs::remove_dir_all(&self.data_dir);
        }
    }
}

/// Runs SQL through psql against a service URI; returns trimmed output.
pub fn psql(uri: &str, sql: &str) -> String {
    let output = Command::new("psql")
        .args([uri, "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql])
        .output()
        .expect("run psql");
    assert!(
        output.status.success(),
        "psql failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

pub fn uri(service: &Value) -> String {
    service["service_uri"].as_str().unwrap().to_owned()
}
