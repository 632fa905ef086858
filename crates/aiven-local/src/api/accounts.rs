//! The account and organization endpoints (`/v1/account...`,
//! `/v1/organization/{id}`): what `aiven_organization`, `aiven_account` and
//! projects' `parent_id` call. See `services::organizations`.

use aiven_api::types::{AccountEnvelope, AccountsEnvelope, CreateAccount, UpdateAccount};
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use serde::Deserialize;
use serde_json::json;

use crate::api::{AppState, Reply, ok, parse, reply};

pub async fn list(State(state): State<AppState>) -> Reply {
    let accounts = state.services.accounts()?;
    reply(&AccountsEnvelope { accounts })
}

pub async fn create(State(state): State<AppState>, body: Bytes) -> Reply {
    let request: CreateAccount = parse(&body)?;
    let account = state.services.create_account(&request)?;
    reply(&AccountEnvelope { account })
}

pub async fn get(State(state): State<AppState>, Path(id): Path<String>) -> Reply {
    let account = state.services.account(&id)?;
    reply(&AccountEnvelope { account })
}

pub async fn update(State(state): State<AppState>, Path(id): Path<String>, body: Bytes) -> Reply {
    let request: UpdateAccount = parse(&body)?;
    let account = state.services.update_account(&id, &request)?;
    reply(&AccountEnvelope { account })
}

pub async fn delete(State(state): State<AppState>, Path(id): Path<String>) -> Reply {
    state.services.delete_account(&id)?;
    ok(json!({ "message": "deleted" }))
}

pub async fn organization(State(state): State<AppState>, Path(id): Path<String>) -> Reply {
    reply(&state.services.organization(&id)?)
}

#[derive(Deserialize)]
pub struct DeleteOrganization {
    #[serde(default)]
    recursive: bool,
}

pub async fn delete_organization(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<DeleteOrganization>,
) -> Reply {
    state.services.delete_organization(&id, query.recursive)?;
    ok(json!({ "message": "deleted" }))
}
