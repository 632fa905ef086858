//! The fork the dialog is about to make, written three ready-to-paste
//! ways: an `aiven_<type>` Terraform resource, the official CLI's
//! `avn service create`, and the API call with curl. A fork tried by hand
//! becomes code in one step. The API token is never in them: the CLI and
//! curl read it from the environment.

use aiven_api::fork_point::ForkPoint;
use serde_json::{Map, Value, json};

/// What a fork request asks for.
#[derive(Debug, Clone, PartialEq)]
pub struct Fork {
    pub project: String,
    pub service_type: String,
    pub name: String,
    pub plan: String,
    pub cloud: String,
    pub source: String,
    pub restore: Restore,
}

/// Where a fork restores to: the dialog's four choices.
#[derive(Debug, Clone, PartialEq)]
pub enum Restore {
    /// The newest backup, and nothing after it: what the API does when
    /// the request names no point.
    LatestBackup,
    /// Everything committed before the fork is asked for (PITR types): a
    /// point in time, resolved from the source's recovery window when the
    /// fork is created (see `aiven_api::fork_point::latest_transaction`).
    LatestTransaction {
        /// The instant it resolved to, once it has.
        resolved: Option<String>,
    },
    /// A point in time, RFC 3339 in UTC.
    At(String),
    /// A named backup.
    Backup(String),
}

impl Fork {
    /// The `user_config` the request sends.
    pub fn user_config(&self) -> Map<String, Value> {
        let mut config = Map::new();
        config.insert("service_to_fork_from".into(), self.source.clone().into());
        match &self.restore {
            Restore::LatestBackup | Restore::LatestTransaction { resolved: None } => {}
            Restore::At(time)
            | Restore::LatestTransaction {
                resolved: Some(time),
            } => {
                config.insert("recovery_target_time".into(), time.clone().into());
            }
            Restore::Backup(name) => {
                config.insert("recovery_basebackup_name".into(), name.clone().into());
            }
        }
        config
    }

    /// The API's create request body.
    pub fn request(&self) -> Value {
        json!({
            "service_name": self.name,
            "service_type": self.service_type,
            "plan": self.plan,
            "cloud": self.cloud,
            "user_config": self.user_config(),
        })
    }

    /// An `aiven_<type>` resource, its label the name in Terraform's
    /// terms. The latest backup and the latest transaction are this
    /// provider's `fork_point`; a time and a backup are the `user_config`
    /// keys the official provider writes too.
    pub fn hcl(&self) -> String {
        let label: String = self
            .name
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        let point = match &self.restore {
            Restore::LatestBackup => Some(ForkPoint::LatestBackup),
            Restore::LatestTransaction { .. } => Some(ForkPoint::LatestTransaction),
            Restore::At(_) | Restore::Backup(_) => None,
        };
        let point = point.map_or_else(String::new, |p| {
            format!("  fork_point   = {}\n", hcl_string(&p.to_string()))
        });
        let mut settings = String::new();
        let keys = Fork {
            restore: Restore::LatestBackup,
            ..self.clone()
        };
        let config = if point.is_empty() { self } else { &keys }.user_config();
        for (key, value) in config {
            let value = value.as_str().unwrap_or_default();
            settings.push_str(&format!("    {key:<24} = {}\n", hcl_string(value)));
        }
        format!(
            "resource \"aiven_{kind}\" \"{label}\" {{\n  project      = {}\n  service_name = {}\n  plan         = {}\n  cloud_name   = {}\n{point}\n  {kind}_user_config {{\n{settings}  }}\n}}\n",
            hcl_string(&self.project),
            hcl_string(&self.name),
            hcl_string(&self.plan),
            hcl_string(&self.cloud),
            kind = self.service_type,
        )
    }

    /// `avn service create` with the fork flags.
    pub fn avn(&self) -> String {
        let mut words = vec![
            "avn service create".to_owned(),
            shell_word(&self.name),
            format!("--project {}", shell_word(&self.project)),
            format!("--service-type {}", shell_word(&self.service_type)),
            format!("--plan {}", shell_word(&self.plan)),
            format!("--cloud {}", shell_word(&self.cloud)),
            format!("--service-to-fork-from {}", shell_word(&self.source)),
        ];
        match &self.restore {
            Restore::LatestBackup => {}
            // Pasted later, "latest" means when it runs.
            Restore::LatestTransaction { .. } => {
                words.push(format!("--recovery-target-time {SHELL_NOW}"))
            }
            Restore::At(time) => words.push(format!("--recovery-target-time {}", shell_word(time))),
            Restore::Backup(name) => words.push(format!(
                "-c {}",
                shell_word(&format!("recovery_basebackup_name={name}"))
            )),
        }
        words.join(" \\\n  ")
    }

    /// The API call, against `api_url` (this aiven-local, or
    /// `https://api.aiven.io`), the token from `$AIVEN_TOKEN`.
    pub fn curl(&self, api_url: &str) -> String {
        let mut request = self.request();
        let body = match &self.restore {
            // The body is quoted as one word, with the shell's clock
            // spliced in where the time goes.
            Restore::LatestTransaction { .. } => {
                const MARK: &str = "@NOW@";
                request["user_config"]["recovery_target_time"] = MARK.into();
                let quoted = shell_word(&request.to_string());
                quoted.replacen(MARK, &format!("'{SHELL_NOW}'"), 1)
            }
            _ => shell_word(&request.to_string()),
        };
        format!(
            "curl -X POST \\\n  -H \"Authorization: aivenv1 $AIVEN_TOKEN\" \\\n  -H 'Content-Type: application/json' \\\n  {} \\\n  -d {body}",
            shell_word(&format!("{api_url}/v1/project/{}/service", self.project)),
        )
    }
}

/// The shell's clock, for a snippet that asks for the latest transaction
/// when it is run: UTC, to the second (a MySQL fork then leaves out what
/// was committed in that same second).
const SHELL_NOW: &str = "\"$(date -u +%Y-%m-%dT%H:%M:%SZ)\"";

/// A string literal for HCL.
fn hcl_string(text: &str) -> String {
    let escaped = text
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace("${", "$${")
        .replace("%{", "%%{");
    format!("\"{escaped}\"")
}

/// One shell word: bare when it is plainly safe, else single-quoted.
fn shell_word(text: &str) -> String {
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.:/=+@".contains(c));
    if plain {
        text.to_owned()
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fork(restore: Restore) -> Fork {
        Fork {
            project: "acme".into(),
            service_type: "pg".into(),
            name: "orders-fork".into(),
            plan: "startup-4".into(),
            cloud: "google-europe-west1".into(),
            source: "orders".into(),
            restore,
        }
    }

    #[test]
    fn the_resource_names_the_source_and_the_point_in_time() {
        let hcl = fork(Restore::At("2026-11-26T15:00:00Z".into())).hcl();
        assert!(
            hcl.starts_with("resource \"aiven_pg\" \"orders_fork\" {"),
            "{hcl}"
        );
        assert!(hcl.contains("  pg_user_config {\n"), "{hcl}");
        assert!(
            hcl.contains("service_to_fork_from     = \"orders\"\n"),
            "{hcl}"
        );
        assert!(
            hcl.contains("recovery_target_time     = \"2026-11-26T15:00:00Z\"\n"),
            "{hcl}"
        );
    }

    #[test]
    fn the_cli_and_curl_carry_the_same_fork_and_never_the_token() {
        let named = fork(Restore::Backup("backup-1".into()));
        let avn = named.avn();
        assert!(avn.contains("--service-to-fork-from orders"), "{avn}");
        assert!(
            avn.contains("-c recovery_basebackup_name=backup-1"),
            "{avn}"
        );
        let curl = named.curl("http://127.0.0.1:8090");
        assert!(curl.contains("$AIVEN_TOKEN"), "{curl}");
        assert!(
            curl.contains("'{\"cloud\":\"google-europe-west1\""),
            "{curl}"
        );
        assert!(
            curl.contains("\"recovery_basebackup_name\":\"backup-1\""),
            "{curl}"
        );
    }

    #[test]
    fn the_latest_transaction_is_a_time_in_the_request_and_the_shells_clock_in_snippets() {
        let resolved = "2026-12-02T05:43:05.25Z".to_owned();
        let latest = fork(Restore::LatestTransaction {
            resolved: Some(resolved.clone()),
        });
        assert_eq!(
            latest.request()["user_config"]["recovery_target_time"],
            resolved.as_str()
        );
        let avn = latest.avn();
        assert!(
            avn.contains("--recovery-target-time \"$(date -u +%Y-%m-%dT%H:%M:%SZ)\""),
            "{avn}"
        );
        let curl = latest.curl("http://127.0.0.1:8090");
        assert!(
            curl.contains("\"recovery_target_time\":\"'\"$(date -u +%Y-%m-%dT%H:%M:%SZ)\"'\""),
            "the clock is outside the single quotes: {curl}"
        );
        let hcl = latest.hcl();
        assert!(
            hcl.contains("  fork_point   = \"latest_transaction\"\n"),
            "{hcl}"
        );
        assert!(
            !hcl.contains("recovery_target_time"),
            "resolved at apply: {hcl}"
        );
        let backup = fork(Restore::LatestBackup);
        assert!(backup.hcl().contains("fork_point   = \"latest_backup\""));
        assert!(!backup.avn().contains("recovery"), "the API's default");
        assert_eq!(
            backup.request()["user_config"],
            serde_json::json!({"service_to_fork_from": "orders"})
        );
    }

    #[test]
    fn quotes_cannot_break_out_of_a_string() {
        assert_eq!(hcl_string("a\"b${x}"), "\"a\\\"b$${x}\"");
        assert_eq!(shell_word("it's"), "'it'\\''s'");
        assert_eq!(shell_word("plain-word"), "plain-word");
    }
}
