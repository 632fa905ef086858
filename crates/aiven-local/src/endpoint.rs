//! Where a service answers and as whom, written the ways the API reports
//! it: `service_uri` and its params, `connection_info` by type, and each
//! pool's URI.

use aiven_api::catalog;
use aiven_api::types::{self as api, Connection, ConnectionInfo};
use serde_json::{Map, Value};

use crate::engines::DEFAULT_DATABASE;
use crate::store::ServiceRecord;

/// The type's facts from the catalog; every record's type is in it.
fn type_of(record: &ServiceRecord) -> Option<&'static catalog::ServiceType> {
    catalog::service_type(&record.service_type)
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
        let kind = type_of(record);
        let scheme = kind.map_or(record.service_type.as_str(), |t| {
            t.scheme(&record.user_config)
        });
        let service_uri = match kind.and_then(|t| t.uri_query) {
            // The types whose clients are told the TLS mode in the URI name
            // the default database in it too.
            Some(query) => {
                params.insert("dbname".into(), DEFAULT_DATABASE.into());
                if let Some(mode) = query.strip_prefix("sslmode=") {
                    params.insert("sslmode".into(), mode.into());
                }
                format!("{scheme}://{user}:{password}@{host}:{port}/{DEFAULT_DATABASE}?{query}")
            }
            None => format!("{scheme}://{user}:{password}@{host}:{port}"),
        };
        (service_uri, params)
    }

    /// `connection_info`, in the type's shape (see
    /// [`ConnectionInfo::of_type`]). Passwords read as `shown_password`
    /// (redacted unless secrets were asked for).
    pub fn connection_info(&self, record: &ServiceRecord, shown_password: &str) -> ConnectionInfo {
        let (uri, _) = self.connection(record, shown_password.to_owned());
        let at = Connection {
            uri: &uri,
            host: &self.host,
            port: self.port,
            user: &self.user,
            password: shown_password,
            dbname: DEFAULT_DATABASE,
        };
        ConnectionInfo::of_type(&record.service_type, &at)
    }

    /// Whether clients connect over TLS: always, as on the platform, but
    /// where the type lets its settings turn TLS off (Valkey's
    /// `valkey_ssl`).
    pub fn tls(record: &ServiceRecord) -> bool {
        type_of(record).is_none_or(|t| t.requires_tls(&record.user_config))
    }

    /// The name of the component the service's port serves.
    pub fn component(record: &ServiceRecord) -> String {
        type_of(record).map_or_else(|| record.service_type.clone(), |t| t.component.to_owned())
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
