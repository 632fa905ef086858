//! The OpenSearch access control list endpoints
//! (`/v1/project/{project}/service/{service}/opensearch/acl`): read (GET),
//! replaced whole (POST) or changed in part (PUT); every reply is the
//! lists as they now are, inside `opensearch_acl_config`. See
//! `services::index_acls`.

use aiven_api::types::{OpensearchAclChange, OpensearchAclConfig, OpensearchAclEnvelope};
use axum::body::Bytes;
use axum::extract::{Path, State};

use crate::api::{AppState, Reply, parse, reply};

fn answer(opensearch_acl_config: OpensearchAclConfig) -> Reply {
    reply(&OpensearchAclEnvelope {
        opensearch_acl_config,
    })
}

pub async fn get(
    State(state): State<AppState>,
    Path((project, service)): Path<(String, String)>,
) -> Reply {
    answer(state.services.index_acl(&project, &service)?)
}

pub async fn set(
    State(state): State<AppState>,
    Path((project, service)): Path<(String, String)>,
    body: Bytes,
) -> Reply {
    let request: OpensearchAclEnvelope<OpensearchAclConfig> = parse(&body)?;
    let whole = request.opensearch_acl_config;
    let change = OpensearchAclChange {
        acls: Some(whole.acls),
        enabled: Some(whole.enabled),
    };
    answer(
        state
            .services
            .change_index_acl(&project, &service, change)
            .await?,
    )
}

pub async fn update(
    State(state): State<AppState>,
    Path((project, service)): Path<(String, String)>,
    body: Bytes,
) -> Reply {
    let request: OpensearchAclEnvelope<OpensearchAclChange> = parse(&body)?;
    let change = request.opensearch_acl_config;
    answer(
        state
            .services
            .change_index_acl(&project, &service, change)
            .await?,
    )
}
