//! Acceptance-test harness: runs the real `terraform` binary against a
//! provider binary through `dev_overrides`, in a throwaway directory, and
//! hands back exit codes, output and parsed JSON.
//!
//! ```no_run
//! use tfplugin::harness::Terraform;
//! let tf = Terraform::new("registry.terraform.io/aiven-rs/aiven", "target/debug/terraform-provider-aiven".as_ref()).unwrap();
//! tf.write("main.tf", r#"resource "aiven_pg" "x" { project = "p" service_name = "x" plan = "startup-4" }"#);
//! tf.apply().assert_ok();
//! assert_eq!(tf.plan().code, 0, "second plan must be empty");
//! ```

use std::path::{Path, PathBuf};
use std::process::Command;

/// The result of one terraform command.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Outcome {
    /// Panics with the command's output unless it exited 0.
    #[track_caller]
    pub fn assert_ok(&self) -> &Outcome {
        assert_eq!(
            self.code, 0,
            "terraform failed\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout, self.stderr
        );
        self
    }

    /// Panics unless it failed, returning stdout and stderr together for
    /// matching against the expected error.
    #[track_caller]
    pub fn assert_failed(&self) -> String {
        assert_ne!(
            self.code, 0,
            "terraform succeeded but should have failed\n{}",
            self.stdout
        );
        format!("{}\n{}", self.stdout, self.stderr)
    }
}

/// A working directory with its own CLI configuration, data directory and
/// state, removed on drop.
pub struct Terraform {
    root: PathBuf,
    binary: PathBuf,
    env: Vec<(String, String)>,
}

/// The CLI configuration that resolves `address` to the provider in
/// `plugins`. A bare `source = "NAMESPACE/TYPE"` means Terraform's registry
/// to Terraform and OpenTofu's to OpenTofu, so an address on either
/// registry is overridden on both: one directory serves either binary (the
/// one `$TERRAFORM` names).
fn cli_config(address: &str, plugins: &Path) -> String {
    const REGISTRIES: [&str; 2] = ["registry.terraform.io/", "registry.opentofu.org/"];
    let addresses: Vec<String> = match REGISTRIES.iter().find_map(|r| address.strip_prefix(r)) {
        Some(name) => REGISTRIES.iter().map(|r| format!("{r}{name}")).collect(),
        None => vec![address.to_owned()],
    };
    let overrides: String = addresses
        .iter()
        .map(|a| format!("    \"{a}\" = \"{}\"\n", plugins.display()))
        .collect();
    format!("provider_installation {{\n  dev_overrides {{\n{overrides}  }}\n  direct {{}}\n}}\n")
}

impl Terraform {
    /// Prepares a directory where `address` (e.g.
    /// `registry.terraform.io/aiven-rs/aiven`) resolves to `provider`.
    pub fn new(address: &str, provider: &Path) -> std::io::Result<Terraform> {
        let provider = provider.canonicalize()?;
        let type_name = address.rsplit('/').next().unwrap_or(address);
        let root = unique_temp_dir("tf")?;
        let plugins = root.join("plugins");
        std::fs::create_dir_all(&plugins)?;
        std::fs::create_dir_all(root.join("work"))?;
        std::os::unix::fs::symlink(
            &provider,
            plugins.join(format!("terraform-provider-{type_name}")),
        )?;
        std::fs::write(root.join("cli.tfrc"), cli_config(address, &plugins))?;
        let binary =
            std::env::var_os("TERRAFORM").map_or_else(|| PathBuf::from("terraform"), PathBuf::from);
        let env = vec![
            (
                "TF_CLI_CONFIG_FILE".to_owned(),
                root.join("cli.tfrc").display().to_string(),
            ),
            (
                "TF_DATA_DIR".to_owned(),
                root.join("tfdata").display().to_string(),
            ),
            ("TF_IN_AUTOMATION".to_owned(), "1".to_owned()),
            ("TF_INPUT".to_owned(), "0".to_owned()),
            ("CHECKPOINT_DISABLE".to_owned(), "1".to_owned()),
        ];
        Ok(Terraform { root, binary, env })
    }

    /// Adds an environment variable for every command (e.g. credentials).
    pub fn with_env(mut self, key: &str, value: &str) -> Terraform {
        self.env.push((key.to_owned(), value.to_owned()));
        self
    }

    /// The directory terraform runs in.
    pub fn work_dir(&self) -> PathBuf {
        self.root.join("work")
    }

    /// Writes a file into the working directory (configuration or state).
    pub fn write(&self, file: &str, contents: &str) {
        std::fs::write(self.work_dir().join(file), contents)
            .expect("write into terraform work dir");
    }

    /// Runs `terraform ARGS` in the working directory.
    pub fn run(&self, args: &[&str]) -> Outcome {
        let output = Command::new(&self.binary)
            .args(args)
            .current_dir(self.work_dir())
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .output()
            .unwrap_or_else(|err| panic!("cannot run {}: {err}", self.binary.display()));
        Outcome {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// Starts `terraform ARGS` without waiting, its output discarded: for
    /// interrupting it midway.
    pub fn spawn(&self, args: &[&str]) -> std::process::Child {
        Command::new(&self.binary)
            .args(args)
            .current_dir(self.work_dir())
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap_or_else(|err| panic!("cannot run {}: {err}", self.binary.display()))
    }

    /// `plan -detailed-exitcode`: 0 no changes, 2 changes, 1 error.
    pub fn plan(&self) -> Outcome {
        self.run(&["plan", "-detailed-exitcode", "-no-color", "-input=false"])
    }

    pub fn apply(&self) -> Outcome {
        self.run(&["apply", "-auto-approve", "-no-color", "-input=false"])
    }

    pub fn destroy(&self) -> Outcome {
        self.run(&["destroy", "-auto-approve", "-no-color", "-input=false"])
    }

    pub fn import(&self, address: &str, id: &str) -> Outcome {
        self.run(&["import", "-no-color", "-input=false", address, id])
    }

    /// `show -json` of the current state.
    pub fn show(&self) -> serde_json::Value {
        let outcome = self.run(&["show", "-json", "-no-color"]);
        outcome.assert_ok();
        serde_json::from_str(&outcome.stdout).expect("terraform show -json prints JSON")
    }

    /// The attribute values of one resource in state (`values` in `show
    /// -json`), or `None` when it is not in state.
    pub fn resource(&self, address: &str) -> Option<serde_json::Value> {
        let state = self.show();
        let resources = state
            .pointer("/values/root_module/resources")?
            .as_array()?
            .clone();
        resources
            .into_iter()
            .find(|r| r["address"] == address)
            .map(|r| r["values"].clone())
    }

    /// `providers schema -json`.
    pub fn providers_schema(&self) -> serde_json::Value {
        let outcome = self.run(&["providers", "schema", "-json"]);
        outcome.assert_ok();
        serde_json::from_str(&outcome.stdout).expect("terraform providers schema -json prints JSON")
    }
}

impl Drop for Terraform {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

/// A new empty directory under the system temp dir.
pub fn unique_temp_dir(prefix: &str) -> std::io::Result<PathBuf> {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let dir = std::env::temp_dir().join(format!(
        "{prefix}-{}-{nanos}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_registry_address_is_overridden_on_terraforms_and_opentofus_registry() {
        let config = cli_config("registry.terraform.io/aiven-rs/aiven", Path::new("/p"));
        for address in [
            "registry.terraform.io/aiven-rs/aiven",
            "registry.opentofu.org/aiven-rs/aiven",
        ] {
            assert!(
                config.contains(&format!("\"{address}\" = \"/p\"")),
                "{config}"
            );
        }
        let other = cli_config("example.com/acme/thing", Path::new("/p"));
        assert_eq!(other.matches(" = ").count(), 1, "{other}");
    }
}
