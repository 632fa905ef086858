//! The API's own published facts (which plans a type has, each plan's
//! disk, which clouds a project can use), read once per provider run and shared by every resource that asks: a
//! plan with forty services asks once per type and plan, not forty times.
//! Failures are kept too, so an API that cannot be asked is waited for
//! once, and every resource goes on with a warning.

use std::collections::HashMap;
use std::sync::Arc;

use aiven_api::types::{CloudList, ServicePlanList, ServicePlanSpecs};
use reqwest::Method;
use tokio::sync::Mutex;
use tokio_util::sync::CancellationToken;

use super::{CallError, Client, Resend};

/// The catalog answers one run has had (plan lists, plan specifications,
/// cloud lists), by request path.
#[derive(Debug, Default)]
pub(super) struct CatalogAnswers {
    lists: HashMap<String, Result<Arc<ServicePlanList>, CallError>>,
    specs: HashMap<String, Result<Option<Arc<ServicePlanSpecs>>, CallError>>,
    clouds: HashMap<String, Result<Option<Arc<CloudList>>, CallError>>,
}

pub(super) type SharedCatalogAnswers = Arc<Mutex<CatalogAnswers>>;

/// This run's answer for `path`: the one kept, or `fetch`'s, kept unless
/// Terraform cancelled it.
async fn remembered<T: Clone>(
    known: &mut HashMap<String, Result<T, CallError>>,
    path: String,
    fetch: impl Future<Output = Result<T, CallError>>,
) -> Result<T, CallError> {
    if let Some(answer) = known.get(&path) {
        return answer.clone();
    }
    let answer = fetch.await;
    if !matches!(answer, Err(CallError::Cancelled)) {
        known.insert(path, answer.clone());
    }
    answer
}

impl Client {
    /// The plans the API offers for a service type in a project.
    pub async fn service_plans(
        &self,
        project: &str,
        service_type: &str,
        cancel: &CancellationToken,
    ) -> Result<Arc<ServicePlanList>, CallError> {
        let path = format!("/v1/project/{project}/service-types/{service_type}/plans");
        let fetch = async {
            self.call::<ServicePlanList>(Method::GET, &path, None::<&()>, Resend::Freely, cancel)
                .await
                .map(Arc::new)
        };
        let mut facts = self.plans.lock().await;
        remembered(&mut facts.lists, path.clone(), fetch).await
    }

    /// A plan's disk and nodes; `None` when the API does not know the plan
    /// here (which the official provider takes as a plan newer than this
    /// endpoint, not as a mistake).
    pub async fn plan_specs(
        &self,
        project: &str,
        service_type: &str,
        plan: &str,
        cancel: &CancellationToken,
    ) -> Result<Option<Arc<ServicePlanSpecs>>, CallError> {
        let path = format!("/v1/project/{project}/service-types/{service_type}/plans/{plan}");
        let fetch = async {
            match self
                .call::<ServicePlanSpecs>(Method::GET, &path, None::<&()>, Resend::Freely, cancel)
                .await
            {
                Ok(specs) => Ok(Some(Arc::new(specs))),
                Err(err) if err.is_not_found() => Ok(None),
                Err(err) => Err(err),
            }
        };
        let mut facts = self.plans.lock().await;
        remembered(&mut facts.specs, path.clone(), fetch).await
    }

    /// The clouds a project can use (`GET /v1/project/{project}/clouds`),
    /// or every cloud the API offers (`GET /v1/clouds`) without a project.
    /// `None` when the project does not exist (yet).
    pub async fn clouds(
        &self,
        project: Option<&str>,
        cancel: &CancellationToken,
    ) -> Result<Option<Arc<CloudList>>, CallError> {
        let path = match project {
            Some(project) => format!("/v1/project/{project}/clouds"),
            None => "/v1/clouds".to_owned(),
        };
        let fetch = async {
            match self
                .call::<CloudList>(Method::GET, &path, None::<&()>, Resend::Freely, cancel)
                .await
            {
                Ok(list) => Ok(Some(Arc::new(list))),
                Err(err) if err.is_not_found() => Ok(None),
                Err(err) => Err(err),
            }
        };
        let mut facts = self.plans.lock().await;
        remembered(&mut facts.clouds, path.clone(), fetch).await
    }
}
