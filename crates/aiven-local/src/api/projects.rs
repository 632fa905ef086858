//! The project endpoints: a project is created, read, changed and, once
//! it holds no services, deleted; reading one never creates it. aiven-local
//! has no billing: every project reports one local account. Its VPCs are
//! recorded here too (`/vpcs`), with no network made, and its static IP
//! addresses (`/static-ips`), with nothing routed.

use aiven_api::names;
use aiven_api::types::{
    AssociateStaticIp, CreateProject, CreateStaticIp, CreateVpc, PatchStaticIp, Project,
    StaticIpsEnvelope, UpdateProject, VpcsEnvelope,
};
use axum::body::Bytes;
use axum::extract::{Path, State};
use serde_json::json;

use crate::api::{AppState, Reply, ok, parse, project_name, reply as typed};
use crate::error::Error;
use crate::store::ProjectRecord;

/// A project as the API reports it, with the organization of its parent
/// account (a project with none reports aiven-local's own, `local`).
fn reply(state: &AppState, name: String, default_cloud: String, record: ProjectRecord) -> Project {
    let parent = record.account_id.as_deref();
    let organization = parent.and_then(|id| state.services.account(id).ok());
    Project {
        account_id: record.account_id.clone().unwrap_or_else(|| "local".into()),
        organization_id: organization.map_or_else(|| "local".into(), |a| a.organization_id),
        billing_group_id: record.billing_group_id.unwrap_or_else(|| "local".into()),
        billing_group_name: "aiven-local".into(),
        estimated_balance: "0.00".into(),
        payment_method: "no_payment_expected".into(),
        project_name: name,
        default_cloud,
        tags: Some(record.tags),
        tech_emails: Some(record.tech_emails),
        ..Project::default()
    }
}

/// A project's cloud and details; one that does not exist is a 404.
pub(crate) fn found(state: &AppState, project: &str) -> Result<(String, ProjectRecord), Error> {
    project_name(project)?;
    state.services.project(project)
}

pub async fn list(State(state): State<AppState>) -> Reply {
    let mut projects = Vec::new();
    for name in state.services.project_names()? {
        let (cloud, record) = found(&state, &name)?;
        projects.push(reply(&state, name, cloud, record));
    }
    let names = projects.iter().map(|p| p.project_name.clone());
    ok(json!({
        "projects": projects,
        "project_membership": names.clone().map(|n| (n, json!("admin"))).collect::<serde_json::Map<_, _>>(),
        "project_memberships": names.map(|n| (n, json!(["admin"]))).collect::<serde_json::Map<_, _>>(),
    }))
}

/// Creates a project; `copy_from_project` starts it with that project's
/// billing group and contacts where the request names none, and with its
/// tags when `copy_tags` says so.
pub async fn create(State(state): State<AppState>, body: Bytes) -> Reply {
    let request: CreateProject = parse(&body)?;
    project_name(&request.project)?;
    let cloud = request
        .cloud
        .unwrap_or_else(|| crate::services::DEFAULT_CLOUD.into());
    crate::services::offered_cloud(&cloud)?;
    crate::services::check_tags(request.tags.as_ref(), names::TagsOf::Project)?;
    state
        .services
        .check_project_parent(request.account_id.as_deref())?;
    let source = match &request.copy_from_project {
        Some(source) => found(&state, source)?.1,
        None => ProjectRecord::default(),
    };
    let record = ProjectRecord {
        account_id: request.account_id,
        billing_group_id: request.billing_group_id.or(source.billing_group_id),
        tags: request.tags.unwrap_or_else(|| {
            if request.copy_tags == Some(true) {
                source.tags
            } else {
                Default::default()
            }
        }),
        tech_emails: request.tech_emails.unwrap_or(source.tech_emails),
        // A copy takes the source's settings, not its networks.
        vpcs: Vec::new(),
        static_ips: Vec::new(),
    };
    state
        .services
        .create_project(&request.project, &cloud, &record)?;
    ok(json!({ "project": reply(&state, request.project, cloud, record) }))
}

pub async fn get(State(state): State<AppState>, Path(project): Path<String>) -> Reply {
    let (cloud, record) = found(&state, &project)?;
    ok(json!({ "project": reply(&state, project, cloud, record) }))
}

/// The project's CA certificate, which signs its services' certificates.
pub async fn ca(State(state): State<AppState>, Path(project): Path<String>) -> Reply {
    found(&state, &project)?;
    let ca = crate::tls::ProjectCa::of(&state.services.data_dir, &project)
        .map_err(|err| Error::internal(format!("the project's CA: {err}")))?;
    crate::api::reply(&aiven_api::types::ProjectCa {
        certificate: ca.certificate_pem,
    })
}

/// Changes what the request names: cloud, account, billing group, tags,
/// contacts. Any other field of the API's structure is accepted and has
/// no effect here; one outside it is refused, as the API does.
pub async fn update(
    State(state): State<AppState>,
    Path(project): Path<String>,
    body: Bytes,
) -> Reply {
    let raw: serde_json::Value = parse(&body)?;
    let contract = aiven_api::contract::contract();
    if let Some(endpoint) = contract.endpoint("PUT", &format!("/v1/project/{project}"))
        && let Some(violation) = contract.check_request(endpoint, &raw).first()
    {
        return Err(Error::invalid(violation.to_string()));
    }
    let request: UpdateProject = serde_json::from_value(raw)
        .map_err(|err| Error::invalid(format!("the request body does not fit: {err}")))?;
    found(&state, &project)?;
    if let Some(cloud) = &request.cloud {
        crate::services::offered_cloud(cloud)?;
    }
    crate::services::check_tags(request.tags.as_ref(), names::TagsOf::Project)?;
    state
        .services
        .check_project_parent(request.account_id.as_deref())?;
    let (cloud, record) = state.services.update_project(&project, |cloud, record| {
        if let Some(new_cloud) = request.cloud {
            *cloud = new_cloud;
        }
        if request.account_id.is_some() {
            record.account_id = request.account_id;
        }
        if request.billing_group_id.is_some() {
            record.billing_group_id = request.billing_group_id;
        }
        if let Some(tags) = request.tags {
            record.tags = tags;
        }
        if let Some(emails) = request.tech_emails {
            record.tech_emails = emails;
        }
    })?;
    ok(json!({ "project": reply(&state, project, cloud, record) }))
}

/// Deletes a project that has no services left.
pub async fn delete(State(state): State<AppState>, Path(project): Path<String>) -> Reply {
    project_name(&project)?;
    state.services.delete_project(&project)?;
    ok(json!({ "message": "deleted" }))
}

/// A project's VPCs (recorded; aiven-local makes no network).
pub async fn list_vpcs(State(state): State<AppState>, Path(project): Path<String>) -> Reply {
    project_name(&project)?;
    typed(&VpcsEnvelope {
        vpcs: state.services.vpcs(&project)?,
    })
}

pub async fn create_vpc(
    State(state): State<AppState>,
    Path(project): Path<String>,
    body: Bytes,
) -> Reply {
    project_name(&project)?;
    let request: CreateVpc = parse(&body)?;
    typed(&state.services.create_vpc(&project, &request)?)
}

pub async fn get_vpc(
    State(state): State<AppState>,
    Path((project, vpc)): Path<(String, String)>,
) -> Reply {
    typed(&state.services.vpc(&project, &vpc)?)
}

pub async fn delete_vpc(
    State(state): State<AppState>,
    Path((project, vpc)): Path<(String, String)>,
) -> Reply {
    typed(&state.services.delete_vpc(&project, &vpc)?)
}

pub async fn list_static_ips(State(state): State<AppState>, Path(project): Path<String>) -> Reply {
    project_name(&project)?;
    typed(&StaticIpsEnvelope {
        static_ips: state.services.static_ips(&project)?,
    })
}

pub async fn create_static_ip(
    State(state): State<AppState>,
    Path(project): Path<String>,
    body: Bytes,
) -> Reply {
    project_name(&project)?;
    let request: CreateStaticIp = parse(&body)?;
    typed(&state.services.create_static_ip(&project, &request)?)
}

pub async fn patch_static_ip(
    State(state): State<AppState>,
    Path((project, ip)): Path<(String, String)>,
    body: Bytes,
) -> Reply {
    let request: PatchStaticIp = parse(&body)?;
    typed(
        &state
            .services
            .patch_static_ip(&project, &ip, request.termination_protection)?,
    )
}

pub async fn delete_static_ip(
    State(state): State<AppState>,
    Path((project, ip)): Path<(String, String)>,
) -> Reply {
    typed(&state.services.delete_static_ip(&project, &ip)?)
}

pub async fn associate_static_ip(
    State(state): State<AppState>,
    Path((project, ip)): Path<(String, String)>,
    body: Bytes,
) -> Reply {
    let request: AssociateStaticIp = parse(&body)?;
    typed(
        &state
            .services
            .associate_static_ip(&project, &ip, &request.service_name)?,
    )
}

pub async fn dissociate_static_ip(
    State(state): State<AppState>,
    Path((project, ip)): Path<(String, String)>,
) -> Reply {
    typed(&state.services.dissociate_static_ip(&project, &ip)?)
}
