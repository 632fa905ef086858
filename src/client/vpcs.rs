//! Calls for project VPCs (`/v1/project/{project}/vpcs`). A create is
//! sent once; the rest may be resent.

use aiven_api::types::{CreateVpc, Vpc, VpcsEnvelope};
use reqwest::Method;
use tokio_util::sync::CancellationToken;

use super::{CallError, Client, Resend};

impl Client {
    fn vpc_path(project: &str, id: &str) -> String {
        format!("/v1/project/{project}/vpcs/{id}")
    }

    pub async fn create_vpc(
        &self,
        project: &str,
        request: &CreateVpc,
        cancel: &CancellationToken,
    ) -> Result<Vpc, CallError> {
        let path = format!("/v1/project/{project}/vpcs");
        self.call(
            Method::POST,
            &path,
            Some(request),
            Resend::OnlyIfNotActedOn,
            cancel,
        )
        .await
    }

    pub async fn get_vpc(
        &self,
        project: &str,
        id: &str,
        cancel: &CancellationToken,
    ) -> Result<Vpc, CallError> {
        let path = Self::vpc_path(project, id);
        self.call(Method::GET, &path, None::<&()>, Resend::Freely, cancel)
            .await
    }

    pub async fn vpcs(
        &self,
        project: &str,
        cancel: &CancellationToken,
    ) -> Result<Vec<Vpc>, CallError> {
        let path = format!("/v1/project/{project}/vpcs");
        let reply: VpcsEnvelope = self
            .call(Method::GET, &path, None::<&()>, Resend::Freely, cancel)
            .await?;
        Ok(reply.vpcs)
    }

    /// Deletes a VPC; one already gone counts as deleted.
    pub async fn delete_vpc(
        &self,
        project: &str,
        id: &str,
        cancel: &CancellationToken,
    ) -> Result<(), CallError> {
        self.delete_path(&Self::vpc_path(project, id), cancel).await
    }
}
