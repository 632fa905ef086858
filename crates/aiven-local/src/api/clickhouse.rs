//! ClickHouse's database and user endpoints (`.../clickhouse/db`,
//! `.../clickhouse/user`): list, create, delete, and a user's new
//! password. See `services::clickhouse_databases`.

use aiven_api::types::{
    ClickhouseDatabases, ClickhousePassword, ClickhouseQuery, ClickhouseUserEnvelope,
    ClickhouseUsers, CreateClickhouseDatabase, CreateClickhouseUser,
};
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

pub async fn users(
    State(state): State<AppState>,
    Path((project, service)): Path<(String, String)>,
) -> Reply {
    let users = state.services.clickhouse_users(&project, &service)?;
    reply(&ClickhouseUsers { users })
}

pub async fn create_user(
    State(state): State<AppState>,
    Path((project, service)): Path<(String, String)>,
    body: Bytes,
) -> Reply {
    let request: CreateClickhouseUser = parse(&body)?;
    let user = state
        .services
        .create_clickhouse_user(&project, &service, &request)
        .await?;
    reply(&ClickhouseUserEnvelope { user })
}

pub async fn delete_user(
    State(state): State<AppState>,
    Path((project, service, uuid)): Path<(String, String, String)>,
) -> Reply {
    state
        .services
        .delete_clickhouse_user(&project, &service, &uuid)
        .await?;
    ok(json!({ "message": "deleted" }))
}

pub async fn reset_password(
    State(state): State<AppState>,
    Path((project, service, uuid)): Path<(String, String, String)>,
    body: Bytes,
) -> Reply {
    let request: ClickhousePassword = parse(&body)?;
    let password = state
        .services
        .reset_clickhouse_password(&project, &service, &uuid, request.password.as_deref())
        .await?;
    reply(&ClickhousePassword {
        password: Some(password),
    })
}

pub async fn query(
    State(state): State<AppState>,
    Path((project, service)): Path<(String, String)>,
    body: Bytes,
) -> Reply {
    let request: ClickhouseQuery = parse(&body)?;
    let answer = state
        .services
        .clickhouse_query(&project, &service, &request.database, &request.query)
        .await?;
    ok(answer)
}
