//! ClickHouse's database endpoints (`.../clickhouse/db`): list, create,
//! delete. See `services::clickhouse_databases`.

use aiven_api::types::{ClickhouseDatabases, CreateClickhouseDatabase};
use axum::body::Bytes;
use axum::extract::{Path, State};
use serde_json::json;

use crate::api::{AppState, Reply, ok, parse, reply};

pub async fn list(
    State(state): State<AppState>,
    Path((project, service)): Path<(String, String)>,
) -> Reply {
    let databases = state.services.clickhouse_databases(&project, &service)?;
    reply(&ClickhouseDatabases { databases })
}

pub async fn create(
    State(state): State<AppState>,
    Path((project, service)): Path<(String, String)>,
    body: Bytes,
) -> Reply {
    let request: CreateClickhouseDatabase = parse(&body)?;
    state
        .services
        .create_clickhouse_database(&project, &service, &request.database)
        .await?;
    ok(json!({ "message": "created" }))
}

pub async fn delete(
    State(state): State<AppState>,
    Path((project, service, database)): Path<(String, String, String)>,
) -> Reply {
    state
        .services
        .delete_clickhouse_database(&project, &service, &database)
        .await?;
    ok(json!({ "message": "deleted" }))
}
