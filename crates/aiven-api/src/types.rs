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

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
pub struct Maintenance {
    pub dow: String,
    pub time: String,
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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_vpc_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_integrations: Option<Vec<Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub static_ips: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<BTreeMap<String, String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tech_emails: Option<Vec<TechEmail>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maintenance: Option<Maintenance>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub copy_tags: Option<bool>,
    /// Sent by the official CLI; accepted and ignored.
    #[serde(default, skip_serializing)]
    pub group_name: Option<String>,
    /// Customer-managed key, sent by the official CLI; accepted and ignored.
    #[serde(default, skip_serializing)]
    pub cmk_id: Option<String>,
}

/// `PUT /v1/project/{project}/service/{service}`.
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
    pub maintenance: Option<Maintenance>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub termination_protection: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disk_space_mb: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_config: Option<Map<String, Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_vpc_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<BTreeMap<String, String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tech_emails: Option<Vec<TechEmail>>,
    /// Sent by the official CLI for other service types; accepted and
    /// ignored.
    #[serde(default, skip_serializing)]
    pub karapace: Option<Value>,
    #[serde(default, skip_serializing)]
    pub schema_registry_authz: Option<Value>,
    #[serde(default, skip_serializing)]
    pub disaster_recovery_role: Option<Value>,
    #[serde(default, skip_serializing)]
    pub cmk_id: Option<Value>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct NodeState {
    pub name: String,
    pub state: String,
    pub role: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Component {
    pub component: String,
    pub host: String,
    pub port: u16,
    pub route: String,
    pub usage: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ServiceUser {
    pub username: String,
    pub password: String,
    #[serde(rename = "type")]
    pub kind: String,
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
    /// Where the backup is kept, e.g. a bucket URL.
    #[serde(default)]
    pub storage_location: String,
}

/// A message the service wants its owner to see, such as settings a fork
/// could not copy.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ServiceNotification {
    pub level: String,
    pub message: String,
    #[serde(rename = "type")]
    pub kind: String,
}

/// The service object of `GET /v1/project/{project}/service/{service}`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct Service {
    pub service_name: String,
    pub service_type: String,
    pub plan: String,
    pub cloud_name: String,
    pub state: String,
    pub create_time: String,
    pub update_time: String,
    pub node_count: i64,
    #[serde(default)]
    pub node_states: Vec<NodeState>,
    pub service_uri: String,
    #[serde(default)]
    pub service_uri_params: BTreeMap<String, String>,
    #[serde(default)]
    pub components: Vec<Component>,
    #[serde(default)]
    pub user_config: Map<String, Value>,
    #[serde(default)]
    pub users: Vec<ServiceUser>,
    #[serde(default)]
    pub databases: Vec<String>,
    #[serde(default)]
    pub connection_pools: Vec<ConnectionPool>,
    #[serde(default)]
    pub backups: Vec<Backup>,
    #[serde(default)]
    pub termination_protection: bool,
    #[serde(default)]
    pub service_integrations: Vec<Value>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    #[serde(default)]
    pub disk_space_mb: i64,
    #[serde(default)]
    pub project_vpc_id: Option<String>,
    #[serde(default)]
    pub maintenance: Option<Maintenance>,
    #[serde(default)]
    pub tech_emails: Vec<TechEmail>,
    #[serde(default)]
    pub service_notifications: Vec<ServiceNotification>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ServiceEnvelope {
    pub service: Service,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ServicesEnvelope {
    pub services: Vec<Service>,
}

/// The window a point-in-time recovery may target.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PitrRange {
    pub pitr_range_start: String,
    pub pitr_range_end: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Pitr {
    pub primary_region: PitrRange,
}

/// `GET /v1/project/{project}/service/{service}/backups`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct BackupsResponse {
    pub backups: Vec<Backup>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pitr: Option<Pitr>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CreateUser {
    pub username: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authentication: Option<String>,
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

fn default_pool_mode() -> String {
    "transaction".to_owned()
}

fn default_pool_size() -> i64 {
    10
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Project {
    pub project_name: String,
    #[serde(default)]
    pub default_cloud: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CreateProject {
    pub project: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloud: Option<String>,
}
