//! The HTTP API: Aiven's paths and JSON envelopes over [`Services`].
//! Bodies are parsed by hand (not axum's `Json` extractor) so that every
//! malformed or mistyped body gets a 400 in the API's error shape naming
//! the field. The whole HTTP layer lives here: the project routes in
//! [`projects`], read replicas' integrations in [`integrations`], the
//! contract check in [`conformance`], the `Host` check
//! in [`host_check`], and the server with its limits in [`serve`].

mod accounts;
mod clickhouse;
pub mod conformance;
pub mod host_check;
mod index_acls;
mod integrations;
mod projects;
pub mod serve;

use std::sync::Arc;

use aiven_api::catalog::{self, SERVICE_TYPES};
use aiven_api::types::{
    ApiError, BackupConfig, CreateDatabase, CreatePool, CreateService, CreateUser,
    DatabasesResponse, ModifyUser, ServiceEnvelope, ServicePlan, ServicePlanList, ServicePlanSpecs,
    ServicesEnvelope, TagsBody, UpdatePool, UpdateService, UserEnvelope,
};
use aiven_api::user_config;
use axum::body::Bytes;
use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, put};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::error::Error;
use crate::services::Services;
use crate::wrong_guesses::WrongGuesses;

#[derive(Clone)]
pub(crate) struct AppState {
    pub(crate) services: Arc<Services>,
    token: Arc<str>,
    guesses: Arc<WrongGuesses>,
}

/// The one place a domain error becomes HTTP: its status, and the API's
/// error body (`message` plus `errors[]`) with the same text.
/// The one mapping from a domain error to its HTTP status, for the API
/// and the Console alike.
pub fn status_of(error: &Error) -> StatusCode {
    match error {
        Error::NotFound(_) => StatusCode::NOT_FOUND,
        Error::Conflict(_) => StatusCode::CONFLICT,
        Error::Invalid { .. } => StatusCode::BAD_REQUEST,
        Error::Forbidden(_) => StatusCode::FORBIDDEN,
        Error::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        refusal(status_of(&self), self.to_string())
    }
}

/// A reply in the API's error shape, for refusals made before the domain
/// is reached too: authentication, and bodies too large or too slow.
pub fn refusal(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(ApiError::new(status.as_u16(), message))).into_response()
}

pub(crate) type Reply = Result<Response, Error>;

pub(crate) fn ok(body: Value) -> Reply {
    Ok(Json(body).into_response())
}

/// A typed reply; one that cannot be serialised is an error, never null.
pub(crate) fn reply<T: serde::Serialize>(body: &T) -> Reply {
    serde_json::to_value(body)
        .map_err(|err| Error::internal(format!("cannot serialise the reply: {err}")))
        .and_then(ok)
}

pub(crate) fn parse<T: DeserializeOwned>(body: &Bytes) -> Result<T, Error> {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        Error::invalid(match (inner.is_data(), path.as_str()) {
            (true, "." | "") => format!("Invalid request body: {inner}"),
            (true, field) => format!("Invalid request body: field {field}: {inner}"),
            (false, _) => format!("Request body is not valid JSON: {inner}"),
        })
    })?;
    deserializer
        .end()
        .map_err(|err| Error::invalid(format!("Request body is not valid JSON: {err}")))?;
    Ok(value)
}

pub(crate) fn project_name(project: &str) -> Result<(), Error> {
    aiven_api::names::check_project_name(project).map_err(Error::invalid)
}

/// Builds the router. `token` is compared against `Authorization:
/// aivenv1 TOKEN` (the official clients' scheme; `Bearer` is accepted too).
pub fn router(
    services: Arc<Services>,
    token: String,
    conformance: Arc<conformance::Conformance>,
    guesses: Arc<WrongGuesses>,
) -> Router {
    let state = AppState {
        services,
        token: token.into(),
        guesses,
    };
    let service = "/v1/project/{project}/service/{service}";
    Router::new()
        .route("/v1/project", get(projects::list).post(projects::create))
        .route("/v1/account", get(accounts::list).post(accounts::create))
        .route(
            "/v1/account/{account}",
            get(accounts::get)
                .put(accounts::update)
                .delete(accounts::delete),
        )
        .route(
            "/v1/organization/{organization}",
            get(accounts::organization).delete(accounts::delete_organization),
        )
        .route("/v1/project/{project}/kms/ca", get(projects::ca))
        .route(
            "/v1/project/{project}",
            get(projects::get)
                .put(projects::update)
                .delete(projects::delete),
        )
        .route(
            "/v1/project/{project}/vpcs",
            get(projects::list_vpcs).post(projects::create_vpc),
        )
        .route(
            "/v1/project/{project}/static-ips",
            get(projects::list_static_ips).post(projects::create_static_ip),
        )
        .route(
            "/v1/project/{project}/static-ips/{ip}",
            delete(projects::delete_static_ip).patch(projects::patch_static_ip),
        )
        .route(
            "/v1/project/{project}/static-ips/{ip}/association",
            axum::routing::post(projects::associate_static_ip)
                .delete(projects::dissociate_static_ip),
        )
        .route(
            "/v1/project/{project}/vpcs/{vpc}",
            get(projects::get_vpc).delete(projects::delete_vpc),
        )
        .route(
            "/v1/project/{project}/service",
            get(list_services).post(create_service),
        )
        .route(
            service,
            get(get_service).put(update_service).delete(delete_service),
        )
        .route(&format!("{service}/backups"), get(list_backups))
        .route(&format!("{service}/integration"), get(integrations::list))
        .route(
            "/v1/project/{project}/integration",
            axum::routing::post(integrations::create),
        )
        .route(
            "/v1/project/{project}/integration/{integration}",
            get(integrations::get)
                .put(integrations::update)
                .delete(integrations::delete),
        )
        .route(&format!("{service}/tags"), get(get_tags).put(replace_tags))
        .route(
            &format!("{service}/clickhouse/db"),
            get(clickhouse::list).post(clickhouse::create),
        )
        .route(
            &format!("{service}/clickhouse/db/{{database}}"),
            delete(clickhouse::delete),
        )
        .route(
            &format!("{service}/clickhouse/query"),
            axum::routing::post(clickhouse::query),
        )
        .route(
            &format!("{service}/clickhouse/user"),
            get(clickhouse::users).post(clickhouse::create_user),
        )
        .route(
            &format!("{service}/clickhouse/user/{{uuid}}"),
            delete(clickhouse::delete_user),
        )
        .route(
            &format!("{service}/clickhouse/user/{{uuid}}/password"),
            put(clickhouse::reset_password),
        )
        .route(
            &format!("{service}/opensearch/acl"),
            get(index_acls::get)
                .post(index_acls::set)
                .put(index_acls::update),
        )
        .route(
            &format!("{service}/user"),
            get(list_users).post(create_user),
        )
        .route(
            &format!("{service}/user/{{username}}"),
            get(get_user).put(modify_user).delete(delete_user),
        )
        .route(
            &format!("{service}/db"),
            get(list_databases).post(create_database),
        )
        .route(
            &format!("{service}/db/{{database}}"),
            delete(delete_database),
        )
        .route(
            &format!("{service}/connection_pool"),
            get(list_pools).post(create_pool),
        )
        .route(
            &format!("{service}/connection_pool/{{pool}}"),
            put(update_pool).delete(delete_pool),
        )
        .route("/v1/service_types", get(service_types))
        .route(
            "/v1/project/{project}/service_types",
            get(project_service_types),
        )
        .route(
            "/v1/project/{project}/service-types/{service_type}",
            get(one_service_type),
        )
        .route(
            "/v1/project/{project}/service-types/{service_type}/plans",
            get(plan_list),
        )
        .route(
            "/v1/project/{project}/service-types/{service_type}/plans/{plan}",
            get(plan_specs),
        )
        .route("/v1/service_versions", get(service_versions))
        .route("/v1/clouds", get(clouds))
        .route("/v1/project/{project}/clouds", get(project_clouds))
        .fallback(|| async { Error::not_found("Not found: no such API endpoint") })
        .layer(middleware::from_fn_with_state(state.clone(), authenticate))
        .layer(middleware::from_fn_with_state(
            conformance,
            conformance::conform,
        ))
        .with_state(state)
}

async fn authenticate(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let header = request
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let presented = header
        .strip_prefix("aivenv1 ")
        .or_else(|| header.strip_prefix("Bearer "));
    match presented {
        None => refusal(
            StatusCode::UNAUTHORIZED,
            "Authentication failed: send 'Authorization: aivenv1 <token>'",
        ),
        Some(token) if !same_secret(token.trim().as_bytes(), state.token.as_bytes()) => {
            state.guesses.answer_later().await;
            Error::forbidden("Invalid authentication token").into_response()
        }
        Some(_) => next.run(request).await,
    }
}

/// Compares a presented token with the real one in time that depends on
/// the length alone, so timing does not reveal how much of it was right.
fn same_secret(presented: &[u8], real: &[u8]) -> bool {
    presented.len() == real.len()
        && presented
            .iter()
            .zip(real)
            .fold(0u8, |differs, (a, b)| differs | (a ^ b))
            == 0
}

/// aiven-local has no VPCs; the official CLI lists them before a create.
/// A project's services; their passwords only with `include_secrets`, as
/// for one service.
async fn list_services(
    State(state): State<AppState>,
    Path(project): Path<String>,
    Query(query): Query<SecretsQuery>,
) -> Reply {
    project_name(&project)?;
    let services = state
        .services
        .services_of(Some(&project))?
        .iter()
        .map(|r| state.services.to_api(r, query.wanted()))
        .collect();
    reply(&ServicesEnvelope { services })
}

async fn create_service(
    State(state): State<AppState>,
    Path(project): Path<String>,
    body: Bytes,
) -> Reply {
    let request: CreateService = parse(&body)?;
    let record = state.services.create(&project, request).await?;
    reply(&ServiceEnvelope {
        service: state.services.to_api(&record, false),
    })
}

/// `?include_secrets=true` asks for passwords; without it they read
/// `<redacted>`, as on the hosted API.
#[derive(serde::Deserialize)]
struct SecretsQuery {
    #[serde(default)]
    include_secrets: Option<String>,
}

impl SecretsQuery {
    fn wanted(&self) -> bool {
        self.include_secrets
            .as_deref()
            .is_some_and(|v| v.eq_ignore_ascii_case("true") || v == "1")
    }
}

async fn get_service(
    State(state): State<AppState>,
    Path((project, service)): Path<(String, String)>,
    Query(query): Query<SecretsQuery>,
) -> Reply {
    let record = state.services.get(&project, &service)?;
    reply(&ServiceEnvelope {
        service: state.services.to_api(&record, query.wanted()),
    })
}

async fn update_service(
    State(state): State<AppState>,
    Path((project, service)): Path<(String, String)>,
    body: Bytes,
) -> Reply {
    let request: UpdateService = parse(&body)?;
    let record = state.services.update(&project, &service, request).await?;
    reply(&ServiceEnvelope {
        service: state.services.to_api(&record, false),
    })
}

async fn delete_service(
    State(state): State<AppState>,
    Path((project, service)): Path<(String, String)>,
) -> Reply {
    state.services.delete(&project, &service).await?;
    ok(json!({ "message": "deleted" }))
}

async fn get_tags(
    State(state): State<AppState>,
    Path((project, service)): Path<(String, String)>,
) -> Reply {
    let tags = state.services.get(&project, &service)?.tags;
    reply(&TagsBody { tags })
}

async fn replace_tags(
    State(state): State<AppState>,
    Path((project, service)): Path<(String, String)>,
    body: Bytes,
) -> Reply {
    let request: TagsBody = parse(&body)?;
    state
        .services
        .replace_tags(&project, &service, request.tags)?;
    ok(json!({ "message": "tags updated" }))
}

async fn list_backups(
    State(state): State<AppState>,
    Path((project, service)): Path<(String, String)>,
) -> Reply {
    reply(&state.services.backups(&project, &service)?)
}

async fn list_users(
    State(state): State<AppState>,
    Path((project, service)): Path<(String, String)>,
) -> Reply {
    ok(json!({ "users": state.services.get(&project, &service)?.users }))
}

async fn create_user(
    State(state): State<AppState>,
    Path((project, service)): Path<(String, String)>,
    body: Bytes,
) -> Reply {
    let request: CreateUser = parse(&body)?;
    let user = state
        .services
        .create_user(&project, &service, &request)
        .await?;
    reply(&UserEnvelope { user })
}

async fn get_user(
    State(state): State<AppState>,
    Path((project, service, username)): Path<(String, String, String)>,
) -> Reply {
    let record = state.services.get(&project, &service)?;
    let user = record
        .users
        .into_iter()
        .find(|u| u.username == username)
        .ok_or_else(|| Error::not_found(format!("Service user {username} does not exist")))?;
    reply(&UserEnvelope { user })
}

async fn modify_user(
    State(state): State<AppState>,
    Path((project, service, username)): Path<(String, String, String)>,
    body: Bytes,
) -> Reply {
    let request: ModifyUser = parse(&body)?;
    state
        .services
        .modify_user(&project, &service, &username, &request)
        .await?;
    // The API answers with the whole service, passwords redacted.
    let record = state.services.get(&project, &service)?;
    let service = state.services.to_api(&record, false);
    reply(&ServiceEnvelope { service })
}

async fn delete_user(
    State(state): State<AppState>,
    Path((project, service, username)): Path<(String, String, String)>,
) -> Reply {
    state
        .services
        .delete_user(&project, &service, &username)
        .await?;
    ok(json!({ "message": "deleted" }))
}

async fn list_databases(
    State(state): State<AppState>,
    Path((project, service)): Path<(String, String)>,
) -> Reply {
    let databases = state.services.get(&project, &service)?.databases;
    reply(&DatabasesResponse { databases })
}

async fn create_database(
    State(state): State<AppState>,
    Path((project, service)): Path<(String, String)>,
    body: Bytes,
) -> Reply {
    let request: CreateDatabase = parse(&body)?;
    state
        .services
        .create_database(&project, &service, &request)
        .await?;
    ok(json!({ "message": "created" }))
}

async fn delete_database(
    State(state): State<AppState>,
    Path((project, service, database)): Path<(String, String, String)>,
) -> Reply {
    state
        .services
        .delete_database(&project, &service, &database)
        .await?;
    ok(json!({ "message": "deleted" }))
}

async fn list_pools(
    State(state): State<AppState>,
    Path((project, service)): Path<(String, String)>,
) -> Reply {
    let record = state.services.get(&project, &service)?;
    ok(json!({ "connection_pools": state.services.to_api(&record, true).connection_pools }))
}

async fn create_pool(
    State(state): State<AppState>,
    Path((project, service)): Path<(String, String)>,
    body: Bytes,
) -> Reply {
    let request: CreatePool = parse(&body)?;
    state
        .services
        .create_pool(&project, &service, request)
        .await?;
    ok(json!({ "message": "created" }))
}

async fn update_pool(
    State(state): State<AppState>,
    Path((project, service, pool)): Path<(String, String, String)>,
    body: Bytes,
) -> Reply {
    let request: UpdatePool = parse(&body)?;
    state
        .services
        .update_pool(&project, &service, &pool, &request)
        .await?;
    ok(json!({ "message": "updated" }))
}

async fn delete_pool(
    State(state): State<AppState>,
    Path((project, service, pool)): Path<(String, String, String)>,
) -> Reply {
    state
        .services
        .delete_pool(&project, &service, &pool)
        .await?;
    ok(json!({ "message": "deleted" }))
}

/// Clouds every plan is listed in (any `provider-region` name is accepted
/// on create; `avn service plans --cloud` filters by these).
const PLAN_CLOUDS: [&str; 6] = [
    "google-europe-west1",
    "google-us-central1",
    "aws-eu-central-1",
    "aws-us-east-1",
    "azure-westeurope",
    "do-ams",
];

fn backup_config(service_type: &catalog::ServiceType, plan: &catalog::Plan) -> BackupConfig {
    BackupConfig {
        interval: 24,
        max_count: plan.backup_days,
        recovery_mode: if service_type.point_in_time_recovery {
            "pitr"
        } else {
            "basic"
        }
        .into(),
    }
}

fn plan_summary(service_type: &catalog::ServiceType, plan: &catalog::Plan) -> ServicePlan {
    ServicePlan {
        service_plan: plan.name.clone(),
        service_type: service_type.name.to_owned(),
        node_count: Some(plan.node_count),
        backup_config: backup_config(service_type, plan),
    }
}

fn service_type_json(service_type: &catalog::ServiceType) -> Value {
    let plans: Vec<Value> = catalog::plans(service_type)
        .into_iter()
        .map(|plan| {
            let regions: serde_json::Map<String, Value> = PLAN_CLOUDS
                .iter()
                .map(|cloud| {
                    let memory_mb = plan.disk_space_mb / 20;
                    let region = json!({
                        "disk_space_mb": plan.disk_space_mb,
                        "disk_space_step_mb": plan.disk_space_step_mb,
                        "disk_space_cap_mb": plan.disk_space_cap_mb,
                        "node_memory_mb": memory_mb,
                        "node_cpu_count": (memory_mb / 4096).max(1),
                        "price_usd": "0.000",
                    });
                    (cloud.to_string(), region)
                })
                .collect();
            let mut entry =
                serde_json::to_value(plan_summary(service_type, &plan)).expect("a plan serialises");
            entry["regions"] = Value::Object(regions);
            entry["max_memory_percent"] = Value::Null;
            entry
        })
        .collect();
    json!({
        "description": service_type.description,
        "service_plans": plans,
        "user_config_schema": user_config::json_schema(service_type),
        "latest_available_version": null,
        "default_version": null,
    })
}

fn all_service_types() -> Value {
    let map: serde_json::Map<String, Value> = SERVICE_TYPES
        .iter()
        .map(|t| (t.name.to_owned(), service_type_json(t)))
        .collect();
    json!({ "service_types": map })
}

async fn service_types() -> Reply {
    ok(all_service_types())
}

async fn project_service_types(Path(project): Path<String>) -> Reply {
    project_name(&project)?;
    ok(all_service_types())
}

async fn one_service_type(Path((project, service_type)): Path<(String, String)>) -> Reply {
    project_name(&project)?;
    let found = known_type(&service_type)?;
    // The official CLI reads `user_config_schema` from the top level here.
    ok(service_type_json(found))
}

fn known_type(service_type: &str) -> Result<&'static catalog::ServiceType, Error> {
    catalog::service_type(service_type)
        .ok_or_else(|| Error::not_found(format!("Service type {service_type} does not exist")))
}

/// The plans a type offers, as the API lists them.
async fn plan_list(Path((project, service_type)): Path<(String, String)>) -> Reply {
    project_name(&project)?;
    let found = known_type(&service_type)?;
    let service_plans = catalog::plans(found)
        .iter()
        .map(|plan| plan_summary(found, plan))
        .collect();
    reply(&ServicePlanList { service_plans })
}

/// One plan's disk and nodes.
async fn plan_specs(Path((project, service_type, plan)): Path<(String, String, String)>) -> Reply {
    project_name(&project)?;
    let found = known_type(&service_type)?;
    let plan = catalog::plan(found, &plan)
        .ok_or_else(|| Error::not_found(format!("Service plan {plan} does not exist")))?;
    reply(&ServicePlanSpecs {
        service_plan: plan.name.clone(),
        service_type: found.name.to_owned(),
        node_count: plan.node_count,
        disk_space_mb: plan.disk_space_mb,
        disk_space_step_mb: plan.disk_space_step_mb,
        disk_space_cap_mb: plan.disk_space_cap_mb,
        backup_config: backup_config(found, &plan),
    })
}

/// The clouds the platform publishes (`aiven_api::clouds`).
fn all_clouds() -> aiven_api::types::CloudList {
    let clouds = aiven_api::clouds::CLOUDS.iter().map(Into::into).collect();
    aiven_api::types::CloudList { clouds }
}

async fn clouds() -> Reply {
    reply(&all_clouds())
}

/// A project's clouds: every published one, as no project here has
/// private clouds; a project that does not exist is a 404.
async fn project_clouds(State(state): State<AppState>, Path(project): Path<String>) -> Reply {
    projects::found(&state, &project)?;
    reply(&all_clouds())
}

async fn service_versions() -> Reply {
    let versions: Vec<Value> = ["13", "14", "15", "16", "17"]
        .iter()
        .map(|v| json!({ "service_type": "pg", "major_version": v, "state": "available" }))
        .collect();
    ok(json!({ "service_versions": versions }))
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn answer(error: Error) -> (StatusCode, ApiError) {
        let response = error.into_response();
        let status = response.status();
        let body = axum::body::to_bytes(response.into_body(), 4096)
            .await
            .unwrap();
        (status, serde_json::from_slice(&body).unwrap())
    }

    #[tokio::test]
    async fn each_domain_error_has_its_status_and_the_api_error_body() {
        let cases = [
            (Error::not_found("Service x does not exist"), 404),
            (Error::conflict("Service name x is already in use"), 409),
            (Error::invalid("maintenance.dow: bad"), 400),
            (Error::forbidden("x has termination protection"), 403),
            (Error::unavailable("no free local port"), 503),
            (Error::internal("cannot remove service data"), 500),
        ];
        for (error, status) in cases {
            let text = error.to_string();
            let (got, body) = answer(error).await;
            assert_eq!(got.as_u16(), status, "{text}");
            assert_eq!(body, ApiError::new(status, text));
        }
    }

    #[tokio::test]
    async fn an_invalid_user_config_names_its_key_path_in_the_message() {
        let pg = catalog::service_type("pg").unwrap();
        let config = json!({"pg": {"autovacuum_naptime": 0}});
        let error = user_config::validate(pg, config.as_object().unwrap()).unwrap_err();
        let (status, body) = answer(error.into()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(
            body.message
                .starts_with("user_config.pg.autovacuum_naptime: 0 is out of range"),
            "{}",
            body.message
        );
    }

    #[test]
    fn tokens_compare_equal_only_when_equal() {
        assert!(same_secret(b"s3cret", b"s3cret"));
        assert!(!same_secret(b"s3cres", b"s3cret"));
        assert!(!same_secret(b"s3cre", b"s3cret"));
        assert!(!same_secret(b"", b"s3cret"));
    }
}
