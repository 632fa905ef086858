//! Acceptance-test setup: a real aiven-local per test and the real
//! terraform driving the real provider binary against it.

#![allow(dead_code)]

use std::path::Path;

use testkit::{LocalServer, TOKEN, workspace_binary};
use tfplugin::harness::Terraform;

pub use testkit::psql;

pub const ADDRESS: &str = "registry.terraform.io/aiven-rs/aiven";

/// The binary the tests drive: `$TERRAFORM`, or `terraform`.
pub fn binary() -> std::ffi::OsString {
    std::env::var_os("TERRAFORM").unwrap_or_else(|| "terraform".into())
}

/// The registry a bare `source = "NAMESPACE/TYPE"` means to that binary:
/// OpenTofu's for OpenTofu, Terraform's for Terraform. State records
/// providers by it.
pub fn registry_host() -> &'static str {
    static HOST: std::sync::OnceLock<&'static str> = std::sync::OnceLock::new();
    HOST.get_or_init(|| {
        let output = std::process::Command::new(binary())
            .arg("version")
            .output()
            .expect("the binary in $TERRAFORM runs");
        // OpenTofu 1.12 may print a warning about the CLI configuration
        // before its version line.
        let stdout = String::from_utf8_lossy(&output.stdout);
        if stdout.lines().any(|line| line.starts_with("OpenTofu v")) {
            "registry.opentofu.org"
        } else {
            "registry.terraform.io"
        }
    })
}

/// `NAMESPACE/TYPE` as state records it under the binary the tests drive.
pub fn provider_address(namespace_and_type: &str) -> String {
    format!("{}/{namespace_and_type}", registry_host())
}

/// A main.tf: the provider requirement plus `body`.
pub fn main_tf(body: &str) -> String {
    format!(
        "terraform {{\n  required_providers {{\n    aiven = {{ source = \"aiven-rs/aiven\" }}\n  }}\n}}\n\n{body}\n"
    )
}

/// A pg service's URI as `user` with `password`, into `database`.
pub fn uri_as(service_uri: &str, user: &str, password: &str, database: &str) -> String {
    let host = service_uri.rsplit_once('@').unwrap().1;
    let host = host.split('/').next().unwrap();
    let password = aiven_api::userinfo::encode(password);
    format!("postgres://{user}:{password}@{host}/{database}?sslmode=disable")
}

pub struct Env {
    pub local: LocalServer,
    pub tf: Terraform,
}

/// A fresh aiven-local (with extra `serve` flags) and a terraform working
/// directory whose provider points at it through the environment.
pub fn env_with(args: &[&str]) -> Env {
    let local = LocalServer::start(&workspace_binary("aiven-local"), args);
    let tf = Terraform::new(
        ADDRESS,
        Path::new(env!("CARGO_BIN_EXE_terraform-provider-aiven")),
    )
    .expect("terraform work dir")
    .with_env("AIVEN_TOKEN", TOKEN)
    .with_env("AIVEN_WEB_URL", &local.url);
    Env { local, tf }
}

pub fn env() -> Env {
    env_with(&[])
}

/// [`env`] for a test that counts the requests it sends through a fault
/// proxy: under contract variations (`AIVEN_LOCAL_VARY`) aiven-local keeps
/// its loose replies but injects no faults of its own, which the client
/// would retry and the count would include.
pub fn env_counting_requests() -> Env {
    match std::env::var("AIVEN_LOCAL_VARY") {
        Ok(spec) => env_with(&["--vary", &format!("{spec},faults=0,lost=0")]),
        Err(_) => env(),
    }
}

impl Env {
    /// Writes main.tf: the provider requirement plus `body`.
    pub fn configure(&self, body: &str) {
        self.tf.write("main.tf", &main_tf(body));
    }

    /// Another terraform working directory on the same aiven-local, with
    /// the current main.tf (if any) and extra environment.
    pub fn terraform_with(&self, env: &[(&str, &str)]) -> Terraform {
        let mut tf = Terraform::new(
            ADDRESS,
            Path::new(env!("CARGO_BIN_EXE_terraform-provider-aiven")),
        )
        .expect("terraform work dir")
        .with_env("AIVEN_TOKEN", TOKEN)
        .with_env("AIVEN_WEB_URL", &self.local.url);
        for (key, value) in env {
            tf = tf.with_env(key, value);
        }
        if let Ok(main) = std::fs::read_to_string(self.tf.work_dir().join("main.tf")) {
            tf.write("main.tf", &main);
        }
        tf
    }

    /// Another terraform working directory on the same configuration and
    /// state, talking to the API at `url` (say, through a fault proxy).
    pub fn terraform_via(&self, url: &str) -> Terraform {
        let tf = self.terraform_with(&[("AIVEN_WEB_URL", url)]);
        let state = self.tf.work_dir().join("terraform.tfstate");
        if state.exists() {
            std::fs::copy(state, tf.work_dir().join("terraform.tfstate")).expect("copy state");
        }
        tf
    }

    /// A resource attribute from state.
    pub fn attribute(&self, address: &str, name: &str) -> serde_json::Value {
        self.tf
            .resource(address)
            .unwrap_or_else(|| panic!("{address} not in state"))[name]
            .clone()
    }

    pub fn uri(&self, address: &str) -> String {
        self.attribute(address, "service_uri")
            .as_str()
            .expect("service_uri")
            .to_owned()
    }

    /// Asks aiven-local directly (bypassing terraform) whether a service exists.
    pub fn exists(&self, project: &str, service: &str) -> bool {
        self.local
            .call(
                "GET",
                &format!("/v1/project/{project}/service/{service}"),
                None,
            )
            .0
            == 200
    }

    /// Waits until aiven-local lists a backup of the service: the start of
    /// its recovery window.
    pub fn wait_for_backup(&self, project: &str, service: &str) {
        for _ in 0..600 {
            let (_, body) = self.local.call(
                "GET",
                &format!("/v1/project/{project}/service/{service}/backups"),
                None,
            );
            if body["backups"].as_array().is_some_and(|b| !b.is_empty()) {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        panic!("{service} has no backup after 60 s");
    }

    /// Deletes a service behind terraform's back.
    pub fn delete_directly(&self, project: &str, service: &str) {
        let (status, body) = self.local.call(
            "DELETE",
            &format!("/v1/project/{project}/service/{service}"),
            None,
        );
        assert_eq!(status, 200, "{body}");
    }
}

/// `count(*)`-style query helper: the ids in table t, comma-separated.
pub fn ids(uri: &str) -> String {
    psql(uri, "SELECT string_agg(id::text, ',' ORDER BY id) FROM t")
}

/// Terraform's output with its line wrapping undone: every run of
/// whitespace one space, for finding a sentence it may have wrapped.
pub fn words(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
