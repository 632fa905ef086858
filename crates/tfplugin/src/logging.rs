//! Logs as hclog JSON lines on stderr. Terraform's plugin host parses such
//! lines and re-emits them at their own level, so `TF_LOG_PROVIDER=DEBUG
//! terraform plan` shows our logs; any other stderr output would be
//! reported as an unparsed line at a guessed level.
//!
//! Secrets must never be passed to `tracing` macros: nothing here can tell
//! a password from any other string.

use std::fmt::Write as _;
use std::io::Write as _;

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::Layer;
use tracing_subscriber::layer::{Context, SubscriberExt};

struct HclogLayer {
    module: &'static str,
    max_level: Level,
}

#[derive(Default)]
struct Fields {
    message: String,
    rest: serde_json::Map<String, serde_json::Value>,
}

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let mut text = String::new();
        let _ = write!(text, "{value:?}");
        if field.name() == "message" {
            self.message = text;
        } else {
            self.rest
                .insert(field.name().to_owned(), serde_json::Value::String(text));
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message = value.to_owned();
        } else {
            self.rest.insert(
                field.name().to_owned(),
                serde_json::Value::String(value.to_owned()),
            );
        }
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.rest.insert(field.name().to_owned(), value.into());
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.rest.insert(field.name().to_owned(), value.into());
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.rest.insert(field.name().to_owned(), value.into());
    }
}

impl HclogLayer {
    /// Transport crates log every HTTP/2 frame at debug; only their
    /// warnings are worth a provider log line.
    fn level_for(&self, target: &str) -> Level {
        const CHATTY: [&str; 6] = ["h2", "hyper", "tonic", "tower", "rustls", "reqwest"];
        if CHATTY.iter().any(|prefix| target.starts_with(prefix)) {
            Level::WARN.min(self.max_level)
        } else {
            self.max_level
        }
    }
}

impl<S: Subscriber> Layer<S> for HclogLayer {
    fn enabled(&self, metadata: &tracing::Metadata<'_>, _ctx: Context<'_, S>) -> bool {
        *metadata.level() <= self.level_for(metadata.target())
    }

    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let metadata = event.metadata();
        if *metadata.level() > self.level_for(metadata.target()) {
            return;
        }
        let mut fields = Fields::default();
        event.record(&mut fields);
        let level = match *metadata.level() {
            Level::TRACE => "trace",
            Level::DEBUG => "debug",
            Level::INFO => "info",
            Level::WARN => "warn",
            Level::ERROR => "error",
        };
        let timestamp = time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default();
        let mut line = fields.rest;
        line.insert("@level".into(), level.into());
        line.insert("@message".into(), fields.message.into());
        line.insert("@module".into(), self.module.into());
        line.insert("@timestamp".into(), timestamp.into());
        let mut text = serde_json::Value::Object(line).to_string();
        text.push('\n');
        let _ = std::io::stderr().lock().write_all(text.as_bytes());
    }
}

/// The most detailed level asked for through Terraform's own variables
/// (the plugin inherits Terraform's environment). Without them only
/// warnings and errors are written, which keeps plans fast.
fn level_from_env() -> Level {
    let requested = std::env::var("TF_LOG_PROVIDER")
        .or_else(|_| std::env::var("TF_LOG"))
        .unwrap_or_default();
    match requested.to_ascii_uppercase().as_str() {
        "TRACE" | "JSON" => Level::TRACE,
        "DEBUG" => Level::DEBUG,
        "INFO" => Level::INFO,
        "ERROR" => Level::ERROR,
        _ => Level::WARN,
    }
}

/// Installs the hclog writer as the global subscriber. `module` names the
/// source in Terraform's log (e.g. `provider.terraform-provider-aiven`).
pub fn init(module: &'static str) {
    let subscriber = tracing_subscriber::registry().with(HclogLayer {
        module,
        max_level: level_from_env(),
    });
    let _ = tracing::subscriber::set_global_default(subscriber);
}
