//! Calls for service integrations (`/v1/project/{project}/integration`),
//! read replicas' among them. A create is sent once; the rest may be
//! resent.

use aiven_api::types::{
    CreateIntegration, IntegrationEnvelope, IntegrationsEnvelope, ServiceIntegration,
};
use reqwest::Method;
use tokio_util::sync::CancellationToken;

use super::{CallError, Client, Resend};

impl Client {
    fn integration_path(project: &str, id: &str) -> String {
        format!("/v1/project/{project}/integration/{id}")
    }

    pub async fn create_integration(
        &self,
        project: &str,
        request: &CreateIntegration,
        cancel: &CancellationToken,
    ) -> Result<ServiceIntegration, CallError> {
        let path = format!("/v1/project/{project}/integration");
        let reply: IntegrationEnvelope = self
            .call(
                Method::POST,
                &path,
                Some(request),
                Resend::OnlyIfNotActedOn,
                cancel,
            )
            .await?;
        Ok(reply.service_integration)
    }

    pub async fn get_integration(
        &self,
        project: &str,
        id: &str,
        cancel: &CancellationToken,
    ) -> Result<ServiceIntegration, CallError> {
        let path = Self::integration_path(project, id);
        let reply: IntegrationEnvelope = self
            .call(Method::GET, &path, None::<&()>, Resend::Freely, cancel)
            .await?;
        Ok(reply.service_integration)
    }

    /// The integrations a service takes part in, as source or destination.
    pub async fn integrations(
        &self,
        project: &str,
        service: &str,
        cancel: &CancellationToken,
    ) -> Result<Vec<ServiceIntegration>, CallError> {
        let path = format!("{}/integration", Self::service_path(project, service));
        let reply: IntegrationsEnvelope = self
            .call(Method::GET, &path, None::<&()>, Resend::Freely, cancel)
            .await?;
        Ok(reply.service_integrations)
    }

    /// Deletes an integration; one already gone counts as deleted.
    pub async fn delete_integration(
        &self,
        project: &str,
        id: &str,
        cancel: &CancellationToken,
    ) -> Result<(), CallError> {
        self.delete_path(&Self::integration_path(project, id), cancel)
            .await
    }
}
