//! Request and response bodies. Optional fields are skipped when absent so
//! that a request only says what the caller set.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The API's error body: `{"message": "...", "errors": [{"message", "status"}]}`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ApiError {
    pub message: String,
    #[serde(default)]
    pub errors: Vec<ApiErrorItem>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ApiErrorItem {
    pub message: String,
    pub status: u16,
}

impl ApiError {
    pub fn new(status: u16, message: impl Into<String>) -> ApiError {
        let message = message.into();
        ApiError {
            errors: vec![ApiErrorItem {
                message: message.clone(),
                status,
            }],
            message,
        }
    }
}

/// The maintenance window a request sets (`MaintenanceIn`): the day has
/// no `never` here, unlike in replies.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(deny_unknown_fields)]
pub struct MaintenanceIn {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dow: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
}

/// The maintenance window a reply reports (`MaintenanceOut`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
pub struct Maintenance {
    pub dow: String,
    pub time: String,
    #[serde(default)]
    pub enabled: bool,
    #[serde(default)]
    pub updates: Vec<Value>,
}

/// What the API writes in place of a secret unless the read asks for
/// secrets (`include_secrets=true`): never a value to keep.
pub const REDACTED: &str = "<redacted>";

/// A secret as a reply gives it: `None` when absent, null or redacted.
pub fn secret(value: Option<&str>) -> Option<&str> {
    value.filter(|v| *v != REDACTED)
}

/// A service's state. The API may add states; an unknown one is kept as
/// written rather than refused.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum ServiceState {
    #[default]
    Rebuilding,
    Running,
    Rebalancing,
    Poweroff,
    Other(String),
}

impl ServiceState {
    pub fn as_str(&self) -> &str {
        match self {
            ServiceState::Rebuilding => "REBUILDING",
            ServiceState::Running => "RUNNING",
            ServiceState::Rebalancing => "REBALANCING",
            ServiceState::Poweroff => "POWEROFF",
            ServiceState::Other(other) => other,
        }
    }
}

impl From<String> for ServiceState {
    fn from(text: String) -> ServiceState {
        match text.as_str() {
            "REBUILDING" => ServiceState::Rebuilding,
            "RUNNING" => ServiceState::Running,
            "REBALANCING" => ServiceState::Rebalancing,
            "POWEROFF" => ServiceState::Poweroff,
            _ => ServiceState::Other(text),
        }
    }
}

impl From<ServiceState> for String {
    fn from(state: ServiceState) -> String {
        state.as_str().to_owned()
    }
}

impl std::fmt::Display for ServiceState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct TechEmail {
    pub email: String,
}

/// `POST /v1/project/{project}/service`.
#[derive(Debug, Clone, Serialize, Deserialize, Default, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CreateService {
    pub service_name: String,
    pub service_type: String,
    pub plan: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloud: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_config: Option<Map<String, Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub termination_protection: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disk_space_mb: Option<i64>,
    /// Sent even when null: left out, the API puts the service into the
    /// project's VPC if it has one; null means the public network.
    #[serde(default)]
    pub project_vpc_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_integrations: Option<Vec<NewIntegration>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub static_ips: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<BTreeMap<String, String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tech_emails: Option<Vec<TechEmail>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maintenance: Option<MaintenanceIn>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub copy_tags: Option<bool>,
    /// Sent by the official CLI; accepted and ignored.
    #[serde(default, skip_serializing)]
    pub group_name: Option<String>,
    /// The customer-managed key that encrypts the service's data at rest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cmk_id: Option<String>,
}

/// `PUT /v1/project/{project}/service/{service}` (`ServiceUpdateIn`): no
/// tags here, they have their own endpoint ([`TagsBody`]).
#[derive(Debug, Clone, Serialize, Deserialize, Default, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct UpdateService {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloud: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub powered: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maintenance: Option<MaintenanceIn>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub termination_protection: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disk_space_mb: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_config: Option<Map<String, Value>>,
    /// `Some(None)` is sent as null: out of the VPC, onto the public
    /// network. `None` leaves it as it is.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub project_vpc_id: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tech_emails: Option<Vec<TechEmail>>,
    /// Fields of the structure this project does not use; accepted (the
    /// official CLI sends some) and ignored.
    #[serde(default, skip_serializing)]
    pub karapace: Option<Value>,
    #[serde(default, skip_serializing)]
    pub schema_registry_authz: Option<Value>,
    #[serde(default, skip_serializing)]
    pub group_name: Option<Value>,
    /// A new customer-managed key; the all-zero UUID removes the one set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cmk_id: Option<String>,
}

/// Deserializes a field that is present, null included, as `Some`.
fn present<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(deserializer).map(Some)
}

/// `PUT /v1/project/{project}/service/{service}/tags`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct TagsBody {
    pub tags: BTreeMap<String, String>,
}

/// The reply of `GET /v1/project/{project}/service/{service}/tags`; like
/// every reply, it may carry fields this project does not know.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct TagsReply {
    pub tags: BTreeMap<String, String>,
}

// Replies. Every field the contract marks optional is an `Option` (absent
// and null both read as `None`), so that a reply the API may send always
// parses and a missing value is never mistaken for a real one; fields
// this project does not read are not declared, and unknown fields are
// ignored.

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct NodeState {
    pub name: String,
    /// `running`, `setting_up_vm`, ...; kept as text, new states included.
    pub state: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(default)]
    pub availability_zone: String,
    /// While a node restores (`syncing_data`): its restore phases, in
    /// order, best effort; missing or empty otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub progress_updates: Option<Vec<ProgressUpdate>>,
}

impl NodeState {
    /// The backup this node restores from, where a restore phase names it.
    pub fn restoring_backup(&self) -> Option<&str> {
        self.progress_updates
            .iter()
            .flatten()
            .find_map(|update| update.position.as_ref())
            .map(|position| position.backup_name.as_str())
    }
}

/// One phase of a node's restore: `prepare`, `basebackup`, `stream`
/// (replaying changes) or `finalize`. Counters are estimates and may be
/// missing; `unit` names what they count.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ProgressUpdate {
    pub phase: String,
    pub completed: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// Which backup the phase restores.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<RestorePosition>,
}

/// The backup a restore phase works on, and where it is in a chain of
/// incremental backups.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RestorePosition {
    pub backup_name: String,
    pub backup_incremental: bool,
    pub chain_index: i64,
    pub chain_total: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct Component {
    pub component: String,
    pub host: String,
    pub port: i64,
    pub route: String,
    pub usage: String,
    /// Absent where the component is always encrypted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ssl: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kafka_authentication_method: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kafka_ssl_ca: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub privatelink_connection_id: Option<String>,
}

/// One set of connection parameters (`PGParamOut`, `MysqlParamOut`); the
/// port is text, as the API sends it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct ConnectionParams {
    pub dbname: String,
    pub host: String,
    pub password: String,
    pub port: String,
    /// PostgreSQL's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sslmode: Option<String>,
    /// MySQL's name for the same.
    #[serde(default, rename = "ssl-mode", skip_serializing_if = "Option::is_none")]
    pub ssl_mode: Option<String>,
    pub user: String,
}

impl ConnectionParams {
    /// The SSL mode, by either type's name.
    pub fn ssl_mode(&self) -> Option<&str> {
        self.sslmode.as_deref().or(self.ssl_mode.as_deref())
    }
}

/// `connection_info` (`ConnectionInfoOut`), the fields of the types this
/// project serves: each type's URIs under its own name, and what else the
/// API reports for it. Every field is optional in the contract.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct ConnectionInfo {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pg: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pg_params: Option<Vec<ConnectionParams>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pg_standby: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pg_syncing: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pg_replica_uri: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mysql: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mysql_params: Option<Vec<ConnectionParams>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mysql_standby: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mysql_replica_uri: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valkey: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valkey_password: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valkey_slave: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valkey_replica_uri: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clickhouse: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cassandra: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opensearch: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opensearch_dashboards_uri: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opensearch_username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opensearch_password: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grafana: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thanos: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query_frontend_uri: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query_uri: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receiver_remote_write_uri: Option<String>,
}

/// Where a service answers, for [`ConnectionInfo::of_type`]: its URI and
/// what the API lists beside it. `password` is as the reply shows it
/// (redacted unless secrets were asked for).
#[derive(Debug, Clone)]
pub struct Connection<'a> {
    pub uri: &'a str,
    pub host: &'a str,
    pub port: u16,
    pub user: &'a str,
    pub password: &'a str,
    pub dbname: &'a str,
}

impl ConnectionInfo {
    /// `connection_info` as the API reports it for `service_type`: the
    /// URIs under the type's own name, and the fields the type has beside
    /// them. One node per service: no standbys or replicas.
    pub fn of_type(service_type: &str, at: &Connection<'_>) -> ConnectionInfo {
        let uris = Some(vec![at.uri.to_owned()]);
        let params = |pg: bool| {
            Some(vec![ConnectionParams {
                dbname: at.dbname.to_owned(),
                host: at.host.to_owned(),
                password: at.password.to_owned(),
                port: at.port.to_string(),
                // MySQL's params name the TLS mode apart from pg's.
                sslmode: pg.then(|| "require".into()),
                ssl_mode: (!pg).then(|| "require".into()),
                user: at.user.to_owned(),
            }])
        };
        let mut info = ConnectionInfo::default();
        match service_type {
            "pg" => {
                info.pg = uris;
                info.pg_params = params(true);
                info.pg_standby = Some(Vec::new());
                info.pg_syncing = Some(Vec::new());
            }
            "mysql" => {
                info.mysql = uris;
                info.mysql_params = params(false);
                info.mysql_standby = Some(Vec::new());
            }
            "valkey" => {
                info.valkey = uris;
                info.valkey_password = Some(at.password.to_owned());
                info.valkey_slave = Some(Vec::new());
            }
            "opensearch" => {
                info.opensearch = uris;
                info.opensearch_username = Some(at.user.to_owned());
                info.opensearch_password = Some(at.password.to_owned());
                info.opensearch_dashboards_uri = Some(at.uri.to_owned());
            }
            "thanos" => {
                info.thanos = uris;
                info.query_uri = Some(at.uri.to_owned());
                info.query_frontend_uri = Some(at.uri.to_owned());
                info.receiver_remote_write_uri = Some(format!("{}/api/v1/write", at.uri));
            }
            "clickhouse" => info.clickhouse = uris,
            "cassandra" => info.cassandra = uris,
            "grafana" => info.grafana = uris,
            _ => {}
        }
        info
    }

    /// The URIs of a service type, listed under its name.
    pub fn uris(&self, service_type: &str) -> Option<&[String]> {
        match service_type {
            "pg" => self.pg.as_deref(),
            "mysql" => self.mysql.as_deref(),
            "valkey" => self.valkey.as_deref(),
            "clickhouse" => self.clickhouse.as_deref(),
            "cassandra" => self.cassandra.as_deref(),
            "opensearch" => self.opensearch.as_deref(),
            "grafana" => self.grafana.as_deref(),
            "thanos" => self.thanos.as_deref(),
            _ => None,
        }
    }
}

/// An integration between two services as the API reports it
/// (`ServiceIntegrationOut`, and the `Get`/`Create`/`Update` replies of
/// the same shape). Fields a reply may leave out default, so a loose
/// reply still reads.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct ServiceIntegration {
    #[serde(default)]
    pub service_integration_id: String,
    pub integration_type: String,
    pub source_project: String,
    pub source_service: String,
    #[serde(default)]
    pub source_service_type: String,
    #[serde(default)]
    pub dest_project: String,
    #[serde(default)]
    pub dest_service: Option<String>,
    #[serde(default)]
    pub dest_service_type: String,
    /// Whether the integration is in effect: true once it is set up.
    #[serde(default)]
    pub active: bool,
    #[serde(default)]
    pub enabled: bool,
    #[serde(default)]
    pub description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub integration_status: Option<IntegrationStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_config: Option<Map<String, Value>>,
}

/// How an integration is doing (`IntegrationStatusOut`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct IntegrationStatus {
    pub state: IntegrationState,
    /// A sentence for people, e.g. how far a replica lags.
    pub status_user_desc: String,
}

/// `StateOut`: the status (`IntegrationStatusType`: `failed`,
/// `inactive`, `running`, `starting`, `unknown`), errors and per-node
/// details.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct IntegrationState {
    pub errors: Vec<String>,
    pub nodes: Map<String, Value>,
    pub status: String,
}

/// A project's VPC as the API reports it (`VpcGetOut`, and `VpcOut` in a
/// list, which leaves the peering connections out). aiven-local records
/// VPCs and makes no network.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct Vpc {
    pub project_vpc_id: String,
    pub cloud_name: String,
    pub network_cidr: String,
    /// `APPROVED`, `ACTIVE`, `DELETING` or `DELETED` (`VpcStateType`).
    pub state: String,
    #[serde(default)]
    pub create_time: String,
    #[serde(default)]
    pub update_time: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peering_connections: Option<Vec<Value>>,
}

/// `VpcCreateIn`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct CreateVpc {
    pub cloud_name: String,
    pub network_cidr: String,
    #[serde(default)]
    pub peering_connections: Vec<Value>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct VpcsEnvelope {
    pub vpcs: Vec<Vpc>,
}

/// A static IP address of a project (`StaticIPOut` and the replies of the
/// same shape). aiven-local records them and routes nothing to them.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct StaticIp {
    pub static_ip_address_id: String,
    pub cloud_name: String,
    pub ip_address: String,
    /// The service it is associated with; empty when none.
    #[serde(default)]
    pub service_name: String,
    /// `creating`, `created`, `available`, `assigned`, `deleting` or
    /// `deleted` (`StaticIPStateType`).
    pub state: String,
    #[serde(default)]
    pub termination_protection: bool,
}

/// `StaticIPCreateIn`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct CreateStaticIp {
    pub cloud_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub termination_protection: Option<bool>,
}

/// `ProjectStaticIPPatchIn`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct PatchStaticIp {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub termination_protection: Option<bool>,
}

/// `ProjectStaticIPAssociateIn`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct AssociateStaticIp {
    pub service_name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct StaticIpsEnvelope {
    pub static_ips: Vec<StaticIp>,
}

/// A new integration between existing services
/// (`ServiceIntegrationCreateIn`); projects default to the path's.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct CreateIntegration {
    pub integration_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_project: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_service: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dest_project: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dest_service: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_endpoint_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dest_endpoint_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_config: Option<Map<String, Value>>,
}

/// `ServiceIntegrationUpdateIn`: the integration's settings, whole.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct UpdateIntegration {
    pub user_config: Map<String, Value>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct IntegrationEnvelope {
    pub service_integration: ServiceIntegration,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct IntegrationsEnvelope {
    pub service_integrations: Vec<ServiceIntegration>,
}

/// An integration to make with a new service (`ServiceIntegrationIn`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct NewIntegration {
    pub integration_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_project: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_service: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ServiceUser {
    pub username: String,
    /// Null for users whose password the API does not show, and
    /// [`REDACTED`] unless secrets were asked for.
    #[serde(default)]
    pub password: Option<String>,
    /// `primary` or `normal`.
    #[serde(rename = "type")]
    pub kind: String,
    /// MySQL's password plugin (`caching_sha2_password`,
    /// `mysql_native_password`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authentication: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_control: Option<AccessControl>,
}

/// What a user may do beyond logging in (`AccessControlIn`/`Out`): pg
/// replication, Valkey ACL rules.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct AccessControl {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pg_allow_replication: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valkey_acl_categories: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valkey_acl_channels: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valkey_acl_commands: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valkey_acl_keys: Option<Vec<String>>,
}

/// The Valkey ACL lists, by their API names, in this order everywhere.
pub const VALKEY_ACL_FIELDS: [&str; 4] = [
    "valkey_acl_categories",
    "valkey_acl_channels",
    "valkey_acl_commands",
    "valkey_acl_keys",
];

impl AccessControl {
    /// Each Valkey ACL list with its API name (see [`VALKEY_ACL_FIELDS`]).
    pub fn valkey_lists(&self) -> [(&'static str, &Option<Vec<String>>); 4] {
        let [categories, channels, commands, keys] = VALKEY_ACL_FIELDS;
        [
            (categories, &self.valkey_acl_categories),
            (channels, &self.valkey_acl_channels),
            (commands, &self.valkey_acl_commands),
            (keys, &self.valkey_acl_keys),
        ]
    }
}

/// `ServiceUserCredentialsModify`'s operations.
pub const RESET_CREDENTIALS: &str = "reset-credentials";
pub const SET_ACCESS_CONTROL: &str = "set-access-control";

/// `PUT .../user/{username}` (`ServiceUserCredentialsModifyIn`): a new
/// password (or one the API makes up), or new access rules.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ModifyUser {
    pub operation: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_password: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authentication: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_control: Option<AccessControl>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ConnectionPool {
    pub pool_name: String,
    pub database: String,
    #[serde(default)]
    pub username: Option<String>,
    pub pool_mode: String,
    pub pool_size: i64,
    #[serde(default)]
    pub connection_uri: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Backup {
    pub backup_name: String,
    /// RFC 3339, UTC.
    pub backup_time: String,
    pub data_size: i64,
    /// The cloud the backup is kept in.
    #[serde(default)]
    pub cloud: String,
    /// Where the backup is kept, e.g. a bucket URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_location: Option<String>,
}

/// aiven-local's own notification kind for a service whose provisioning
/// failed for good. The hosted API has no such kind: a client waits on it
/// and shows its message, and against the hosted API it never matches.
pub const PROVISIONING_FAILED: &str = "provisioning_failed";

/// A message the service wants its owner to see, such as settings a fork
/// could not copy.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ServiceNotification {
    /// `notice` or `warning`; kept as text.
    pub level: String,
    pub message: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub metadata: Map<String, Value>,
}

/// The service object of `GET /v1/project/{project}/service/{service}`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct Service {
    pub service_name: String,
    pub service_type: String,
    pub plan: String,
    pub cloud_name: String,
    pub state: ServiceState,
    pub create_time: String,
    pub update_time: String,
    #[serde(default)]
    pub group_list: Vec<String>,
    #[serde(default)]
    pub node_count: Option<i64>,
    #[serde(default)]
    pub node_states: Option<Vec<NodeState>>,
    /// Documented as possibly null.
    #[serde(default)]
    pub service_uri: Option<String>,
    /// Strings in practice, but the contract allows any JSON value.
    #[serde(default)]
    pub service_uri_params: Option<Map<String, Value>>,
    #[serde(default)]
    pub components: Option<Vec<Component>>,
    #[serde(default)]
    pub user_config: Map<String, Value>,
    #[serde(default)]
    pub users: Option<Vec<ServiceUser>>,
    #[serde(default)]
    pub databases: Option<Vec<String>>,
    #[serde(default)]
    pub connection_pools: Option<Vec<ConnectionPool>>,
    #[serde(default)]
    pub backups: Option<Vec<Backup>>,
    #[serde(default)]
    pub termination_protection: bool,
    #[serde(default)]
    pub service_integrations: Vec<ServiceIntegration>,
    #[serde(default)]
    pub connection_info: Option<ConnectionInfo>,
    /// Facts about the running service, such as PostgreSQL's
    /// `max_connections`.
    #[serde(default)]
    pub metadata: Option<Map<String, Value>>,
    #[serde(default)]
    pub cmk_id: Option<String>,
    #[serde(default)]
    pub tags: Option<BTreeMap<String, String>>,
    #[serde(default)]
    pub disk_space_mb: Option<i64>,
    /// Null on the public network.
    #[serde(default)]
    pub project_vpc_id: Option<String>,
    #[serde(default)]
    pub maintenance: Option<Maintenance>,
    #[serde(default)]
    pub tech_emails: Option<Vec<TechEmail>>,
    #[serde(default)]
    pub service_notifications: Option<Vec<ServiceNotification>>,
    /// Where the cloud is, in the platform's words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloud_description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_type_description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_cpu_count: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_memory_mb: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_cluster_plan: Option<bool>,
}

/// `GET /v1/project/{project}/service`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ServiceList {
    pub services: Vec<Service>,
}

impl Service {
    /// A `service_uri_params` entry as text (a number given as a number
    /// too); `None` when absent, null or redacted.
    pub fn uri_param(&self, key: &str) -> Option<String> {
        let value = self.service_uri_params.as_ref()?.get(key)?;
        let text = match value {
            Value::String(text) => text.clone(),
            Value::Number(number) => number.to_string(),
            _ => return None,
        };
        secret(Some(&text)).map(str::to_owned)
    }

    /// The notifications, none when the reply leaves them out.
    pub fn notifications(&self) -> &[ServiceNotification] {
        self.service_notifications.as_deref().unwrap_or_default()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ServiceEnvelope {
    pub service: Service,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ServicesEnvelope {
    pub services: Vec<Service>,
}

/// The window a point-in-time recovery may target (`PrimaryRegionOut`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PitrRange {
    /// Null: no backup allows point-in-time recovery yet.
    #[serde(default)]
    pub pitr_range_start: Option<String>,
    /// Null: the window runs to now.
    #[serde(default)]
    pub pitr_range_end: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Pitr {
    pub primary_region: PitrRange,
    #[serde(default)]
    pub additional_regions: Vec<Value>,
}

/// `GET /v1/project/{project}/service/{service}/backups`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct BackupsResponse {
    pub backups: Vec<Backup>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pitr: Option<Pitr>,
}

/// `GET /v1/project/{project}/kms/ca`: the CA that signs the project's
/// service certificates.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ProjectCa {
    /// PEM.
    pub certificate: String,
}

/// How a plan's backups are taken and kept.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct BackupConfig {
    /// Hours between backups.
    pub interval: i64,
    /// How many backups are kept.
    pub max_count: i64,
    /// `pitr` or `basic`.
    pub recovery_mode: String,
}

/// One plan of `GET /v1/project/{project}/service-types/{type}/plans`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ServicePlan {
    pub service_plan: String,
    pub service_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_count: Option<i64>,
    pub backup_config: BackupConfig,
}

/// One cloud region, as `GET /v1/clouds` and
/// `GET /v1/project/{project}/clouds` list it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CloudOut {
    pub cloud_name: String,
    pub geo_region: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloud_description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub geo_latitude: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub geo_longitude: Option<f64>,
}

/// `GET /v1/clouds`, `GET /v1/project/{project}/clouds`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CloudList {
    pub clouds: Vec<CloudOut>,
}

impl From<&crate::clouds::Cloud> for CloudOut {
    fn from(cloud: &crate::clouds::Cloud) -> CloudOut {
        CloudOut {
            cloud_name: cloud.name.to_owned(),
            geo_region: cloud.geo_region.to_owned(),
            cloud_description: Some(cloud.description.to_owned()),
            provider: cloud.provider.map(str::to_owned),
            provider_description: Some(cloud.provider_description.to_owned()),
            geo_latitude: None,
            geo_longitude: None,
        }
    }
}

/// `GET /v1/project/{project}/service-types/{type}/plans`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ServicePlanList {
    pub service_plans: Vec<ServicePlan>,
}

/// `GET /v1/project/{project}/service-types/{type}/plans/{plan}`: the
/// plan's disk and nodes. The official provider takes a 404 here to mean a
/// plan too new for this endpoint, not a mistake.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ServicePlanSpecs {
    pub service_plan: String,
    pub service_type: String,
    pub node_count: i64,
    pub disk_space_mb: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disk_space_step_mb: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disk_space_cap_mb: Option<i64>,
    pub backup_config: BackupConfig,
}

impl ServicePlanSpecs {
    pub fn disk_rule(&self) -> crate::catalog::DiskRule {
        crate::catalog::DiskRule {
            default_mb: self.disk_space_mb,
            step_mb: self.disk_space_step_mb,
            cap_mb: self.disk_space_cap_mb,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CreateUser {
    pub username: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authentication: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_control: Option<AccessControl>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct UserEnvelope {
    pub user: ServiceUser,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CreateDatabase {
    pub database: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lc_collate: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lc_ctype: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DatabaseEntry {
    pub database_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lc_collate: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lc_ctype: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DatabasesResponse {
    pub databases: Vec<DatabaseEntry>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CreatePool {
    pub pool_name: String,
    pub database: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(default = "default_pool_mode")]
    pub pool_mode: String,
    #[serde(default = "default_pool_size")]
    pub pool_size: i64,
}

/// `PUT .../connection_pool/{pool}` (`ServicePGBouncerUpdateIn`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct UpdatePool {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pool_mode: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pool_size: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
}

/// `PUT /v1/project/{project}` (`ProjectUpdateIn`), the fields this
/// project uses.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct UpdateProject {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloud: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub billing_group_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<BTreeMap<String, String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tech_emails: Option<Vec<TechEmail>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ProjectEnvelope {
    pub project: Project,
}

fn default_pool_mode() -> String {
    "transaction".to_owned()
}

fn default_pool_size() -> i64 {
    10
}

/// A project (`ProjectOut`). The billing and ownership fields are required
/// in replies; a control plane without billing fills them with empty
/// values.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct Project {
    pub project_name: String,
    #[serde(default)]
    pub default_cloud: String,
    #[serde(default)]
    pub account_id: String,
    #[serde(default)]
    pub organization_id: String,
    #[serde(default)]
    pub billing_address: String,
    #[serde(default)]
    pub billing_emails: Vec<Value>,
    #[serde(default)]
    pub billing_group_id: String,
    #[serde(default)]
    pub billing_group_name: String,
    #[serde(default)]
    pub country: String,
    #[serde(default)]
    pub country_code: String,
    #[serde(default)]
    pub estimated_balance: String,
    #[serde(default)]
    pub payment_method: String,
    #[serde(default)]
    pub vat_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<BTreeMap<String, String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tech_emails: Option<Vec<TechEmail>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub available_credits: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CreateProject {
    pub project: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloud: Option<String>,
    /// The organization (or unit) the project goes into.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub billing_group_id: Option<String>,
    /// A project whose billing and contacts the new one starts with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub copy_from_project: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub add_account_owners_admin_access: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub use_source_project_billing_group: Option<bool>,
    /// With `copy_from_project`: copy its tags too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub copy_tags: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<BTreeMap<String, String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tech_emails: Option<Vec<TechEmail>>,
}

/// An OpenSearch service's index access control lists
/// (`ServiceOpenSearchAclGetOut`, and `OpensearchAclConfigIn` for a
/// replacement); on the wire inside `{"opensearch_acl_config": …}`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct OpensearchAclConfig {
    #[serde(default)]
    pub acls: Vec<OpensearchAcl>,
    /// Off: every service user reaches every index.
    #[serde(default)]
    pub enabled: bool,
}

/// One user's rules (`AclIn`, `OpensearchAclOut`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct OpensearchAcl {
    pub username: String,
    #[serde(default)]
    pub rules: Vec<OpensearchAclRule>,
}

/// An index pattern (glob: `*` any run, `?` one character) and what the
/// user may do with the indices it matches (`RuleIn`, `RuleOut`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct OpensearchAclRule {
    pub index: String,
    /// One of [`OPENSEARCH_PERMISSIONS`] (`OpensearchPermissionType`).
    pub permission: String,
}

/// `OpensearchPermissionType`, as the API lists it.
pub const OPENSEARCH_PERMISSIONS: [&str; 5] = ["admin", "deny", "read", "readwrite", "write"];

/// The body of `ServiceOpenSearchAclSet` (a whole new configuration) and,
/// with [`OpensearchAclChange`], of `ServiceOpenSearchAclUpdate`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct OpensearchAclEnvelope<T> {
    pub opensearch_acl_config: T,
}

/// `ServiceOpenSearchAclUpdateOpensearchAclConfigIn`: what is given is
/// changed, the rest kept.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct OpensearchAclChange {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acls: Option<Vec<OpensearchAcl>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
}

/// A database of a ClickHouse service as its own endpoint lists it
/// (`ClickhouseDatabaseOut`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct ClickhouseDatabase {
    pub name: String,
    #[serde(default)]
    pub engine: String,
    /// Kept by the service: it cannot be deleted.
    #[serde(default)]
    pub required: bool,
    /// `ok`, `pending_creation` or `pending_removal` (`DatabaseStateType`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
}

/// The reply of `ServiceClickHouseDatabaseList`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct ClickhouseDatabases {
    #[serde(default)]
    pub databases: Vec<ClickhouseDatabase>,
}

/// `ServiceClickHouseDatabaseCreateIn`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct CreateClickhouseDatabase {
    pub database: String,
}

/// An account: an organization's root, or an organizational unit under
/// one (`AccountOut` and the replies of the same shape).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct Account {
    pub account_id: String,
    pub account_name: String,
    #[serde(default)]
    pub account_owner_team_id: String,
    #[serde(default)]
    pub create_time: String,
    #[serde(default)]
    pub update_time: String,
    #[serde(default)]
    pub is_account_owner: bool,
    /// The organization the account is (or is a unit of).
    #[serde(default)]
    pub organization_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_account_id: Option<String>,
    /// Deprecated by the API: always empty.
    #[serde(default)]
    pub primary_billing_group_id: String,
    #[serde(default)]
    pub root_account_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant_id: Option<String>,
}

/// `{"account": …}`, the reply of `AccountCreate`, `AccountGet` and
/// `AccountUpdate`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct AccountEnvelope {
    pub account: Account,
}

/// The reply of `AccountList`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct AccountsEnvelope {
    #[serde(default)]
    pub accounts: Vec<Account>,
}

/// `AccountCreateIn`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct CreateAccount {
    pub account_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_account_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_billing_group_id: Option<String>,
}

/// `AccountUpdateIn`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct UpdateAccount {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_billing_group_id: Option<String>,
}

/// An organization (`OrganizationGetOut`), whose root unit is the account
/// `account_id`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct Organization {
    pub organization_id: String,
    pub organization_name: String,
    pub account_id: String,
    #[serde(default)]
    pub create_time: String,
    #[serde(default)]
    pub update_time: String,
    /// `business` or `personal` (`TierType`).
    #[serde(default)]
    pub tier: String,
}

/// A user of a ClickHouse service as its own endpoints report it
/// (`ClickhouseUserOut`, `ServiceClickHouseUserCreateOut`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct ClickhouseUser {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    /// The service's own user: it cannot be deleted.
    #[serde(default)]
    pub required: bool,
    pub uuid: String,
    #[serde(default)]
    pub privileges: Vec<Value>,
    #[serde(default)]
    pub roles: Vec<Value>,
}

/// `{"user": …}`, the reply of `ServiceClickHouseUserCreate`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct ClickhouseUserEnvelope {
    pub user: ClickhouseUser,
}

/// The reply of `ServiceClickHouseUserList`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct ClickhouseUsers {
    #[serde(default)]
    pub users: Vec<ClickhouseUser>,
}

/// `ServiceClickHouseUserCreateIn`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct CreateClickhouseUser {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roles: Option<Vec<Value>>,
}

/// `ServiceClickHousePasswordResetIn`, and its reply: a password given,
/// or `null` for a new one the API makes.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct ClickhousePassword {
    pub password: Option<String>,
}

/// `ServiceClickHouseQueryIn`: one statement, run in `database`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct ClickhouseQuery {
    pub database: String,
    pub query: String,
}
