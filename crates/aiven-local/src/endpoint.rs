//! Where a service answers and as whom, written the ways the API reports
//! it: `service_uri` and its params, `connection_info` by type, and each
//! pool's URI.

use aiven_api::catalog;
use aiven_api::types::{self as api, ConnectionInfo, ConnectionParams};
use serde_json::{Map, Value};

use crate::engines::DEFAULT_DATABASE;
use crate::store::ServiceRecord;

fn is_pg(record: &ServiceRecord) -> bool {
    record.service_type == "pg"
}

/// The URI scheme of a type's `service_uri`: as the platform writes
/// them, `valkeys://` for Valkey over TLS (its default) and `valkey://`
/// with `valkey_ssl` off (Aiven's "Manage SSL connectivity in Aiven for
/// Valkey"); thanos answers HTTPS (all traffic to the platform's
/// services is TLS).
fn scheme(record: &ServiceRecord) -> &str {
    match record.service_type.as_str() {
        "valkey" if crate::engines::valkey::requires_tls(&record.user_config) => "valkeys",
        "valkey" => "valkey",
        // Prometheus's query and remote-write APIs.
        "thanos" => "https",
        other => other,
    }
}

/// Where a service answers, and as whom: its primary user.
pub struct Endpoint {
    pub host: String,
    pub port: u16,
    pub user: String,
    pub password: String,
}

impl Endpoint {
    pub fn of(record: &ServiceRecord) -> Endpoint {
        let (host, port) = match record.port {
            Some(port) => ("127.0.0.1".to_owned(), port),
            // No engine runs for this type, so its address must not resolve.
            None => (
                format!("{}-{}.aiven-local.invalid", record.name, record.project),
                catalog::service_type(&record.service_type).map_or(443, |t| t.default_port),
            ),
        };
        let admin = record.users.iter().find(|u| u.kind == "primary");
        Endpoint {
            host,
            port,
            user: admin.map_or("", |u| u.username.as_str()).to_owned(),
            password: admin.and_then(|u| u.password.clone()).unwrap_or_default(),
        }
    }

    /// `service_uri` and `service_uri_params`; the params carry the
    /// password as `shown_password` (redacted unless secrets were asked
    /// for).
    pub fn connection(
        &self,
        record: &ServiceRecord,
        shown_password: String,
    ) -> (String, Map<String, Value>) {
        let Endpoint {
            host,
            port,
            user,
            password,
        } = self;
        // In a URI, a password may hold any character: escaped.
        let (user_text, password_text) = (user, password);
        let user = &aiven_api::userinfo::encode(user_text);
        let password = &aiven_api::userinfo::encode(password_text);
        let mut params: Map<String, Value> = [
            ("host", host.clone()),
            ("port", port.to_string()),
            ("user", user_text.clone()),
            ("password", shown_password),
        ]
        .into_iter()
        .map(|(key, value)| (key.to_owned(), Value::String(value)))
        .collect();
        let service_uri = if is_pg(record) {
            params.insert("dbname".into(), DEFAULT_DATABASE.into());
            params.insert("sslmode".into(), "require".into());
            format!("postgres://{user}:{password}@{host}:{port}/{DEFAULT_DATABASE}?sslmode=require")
        } else if record.service_type == "mysql" {
            params.insert("dbname".into(), DEFAULT_DATABASE.into());
            format!("mysql://{user}:{password}@{host}:{port}/{DEFAULT_DATABASE}?ssl-mode=REQUIRED")
        } else {
            format!("{}://{user}:{password}@{host}:{port}", scheme(record))
        };
        (service_uri, params)
    }

    /// `connection_info`: the type's URIs under its own name, and what
    /// else the API reports for the type. Passwords read as
    /// `shown_password` (redacted unless secrets were asked for).
    pub fn connection_info(&self, record: &ServiceRecord, shown_password: &str) -> ConnectionInfo {
        let (uri, _) = self.connection(record, shown_password.to_owned());
        let uris = Some(vec![uri.clone()]);
        let params = || {
            Some(vec![ConnectionParams {
                dbname: DEFAULT_DATABASE.into(),
                host: self.host.clone(),
                password: shown_password.to_owned(),
                port: self.port.to_string(),
                // TLS, as on the platform; MySQL's params name the mode apart.
                sslmode: is_pg(record).then(|| "require".into()),
                ssl_mode: (!is_pg(record)).then(|| "require".into()),
                user: self.user.clone(),
            }])
        };
        let mut info = ConnectionInfo::default();
        match record.service_type.as_str() {
            "pg" => {
                info.pg = uris;
                info.pg_params = params();
                // One node per service here: no standby, no replica.
                info.pg_standby = Some(Vec::new());
                info.pg_syncing = Some(Vec::new());
            }
            "mysql" => {
                info.mysql = uris;
                info.mysql_params = params();
                info.mysql_standby = Some(Vec::new());
            }
            "valkey" => {
                info.valkey = uris;
                info.valkey_password = Some(shown_password.to_owned());
                info.valkey_slave = Some(Vec::new());
            }
            "opensearch" => {
                info.opensearch = uris;
                info.opensearch_username = Some(self.user.clone());
                info.opensearch_password = Some(shown_password.to_owned());
                info.opensearch_dashboards_uri = Some(uri);
            }
            "thanos" => {
                info.thanos = uris;
                info.query_uri = Some(uri.clone());
                info.query_frontend_uri = Some(uri.clone());
                info.receiver_remote_write_uri = Some(format!("{uri}/api/v1/write"));
            }
            "clickhouse" => info.clickhouse = uris,
            "cassandra" => info.cassandra = uris,
            "grafana" => info.grafana = uris,
            _ => {}
        }
        info
    }

    /// The pools with the URI each connects through (PgBouncer's port, the
    /// pool's name), as its own user.
    pub fn pools(&self, record: &ServiceRecord) -> Vec<api::ConnectionPool> {
        let password_of = |username: Option<&str>| {
            let user = record
                .users
                .iter()
                .find(|u| Some(u.username.as_str()) == username);
            user.map_or(self.password.as_str(), |u| {
                u.password.as_deref().unwrap_or_default()
            })
        };
        // Each pool is a database of PgBouncer's, named as the pool.
        let with_uri = |p: &api::ConnectionPool| api::ConnectionPool {
            connection_uri: format!(
                "postgres://{}:{}@{}:{}/{}?sslmode=require",
                aiven_api::userinfo::encode(p.username.as_deref().unwrap_or(&self.user)),
                aiven_api::userinfo::encode(password_of(p.username.as_deref())),
                self.host,
                crate::engines::pgbouncer::pool_port(self.port),
                p.pool_name
            ),
            ..p.clone()
        };
        record.pools.iter().map(with_uri).collect()
    }
}
