//! The integration endpoints (`/v1/project/{project}/integration...`):
//! read replicas' `read_replica` integrations listed, read, adopted and
//! deleted (which promotes the replica); see `services::replicas`.

use aiven_api::types::{
    CreateIntegration, IntegrationEnvelope, IntegrationsEnvelope, UpdateIntegration,
};
use axum::body::Bytes;
use axum::extract::{Path, State};
use serde_json::json;

use crate::api::{AppState, Reply, ok, parse, project_name, reply};
use crate::error::Error;

pub async fn list(
    State(state): State<AppState>,
    Path((project, service)): Path<(String, String)>,
) -> Reply {
    let mut service_integrations = Vec::new();
    for integration in state.services.integrations_of(&project, &service)? {
        service_integrations.push(state.services.with_lag(integration).await);
    }
    reply(&IntegrationsEnvelope {
        service_integrations,
    })
}

pub async fn create(
    State(state): State<AppState>,
    Path(project): Path<String>,
    body: Bytes,
) -> Reply {
    project_name(&project)?;
    let request: CreateIntegration = parse(&body)?;
    let service_integration = state.services.create_integration(&project, &request)?;
    reply(&IntegrationEnvelope {
        service_integration,
    })
}

pub async fn get(
    State(state): State<AppState>,
    Path((project, id)): Path<(String, String)>,
) -> Reply {
    let integration = state.services.integration(&project, &id)?;
    let service_integration = state.services.with_lag(integration).await;
    reply(&IntegrationEnvelope {
        service_integration,
    })
}

/// A read replica's integration has no settings: an update that gives
/// none changes nothing, one that gives some is refused.
pub async fn update(
    State(state): State<AppState>,
    Path((project, id)): Path<(String, String)>,
    body: Bytes,
) -> Reply {
    let request: UpdateIntegration = parse(&body)?;
    let service_integration = state.services.integration(&project, &id)?;
    if let Some(key) = request.user_config.keys().next() {
        return Err(Error::invalid_at(
            format!("user_config.{key}"),
            "a read_replica integration takes no settings",
        ));
    }
    reply(&IntegrationEnvelope {
        service_integration,
    })
}

pub async fn delete(
    State(state): State<AppState>,
    Path((project, id)): Path<(String, String)>,
) -> Reply {
    state.services.delete_integration(&project, &id).await?;
    ok(json!({ "message": "deleted" }))
}
