//! Calls for a project's networks: VPCs (`/v1/project/{project}/vpcs`)
//! and static IP addresses (`.../static-ips`). A create is sent once; the
//! rest may be resent.

use aiven_api::types::{
    AssociateStaticIp, CreateStaticIp, CreateVpc, PatchStaticIp, StaticIp, StaticIpsEnvelope, Vpc,
    VpcsEnvelope,
};
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

impl Client {
    fn static_ip_path(project: &str, id: &str) -> String {
        format!("/v1/project/{project}/static-ips/{id}")
    }

    pub async fn create_static_ip(
        &self,
        project: &str,
        request: &CreateStaticIp,
        cancel: &CancellationToken,
    ) -> Result<StaticIp, CallError> {
        let path = format!("/v1/project/{project}/static-ips");
        self.call(
            Method::POST,
            &path,
            Some(request),
            Resend::OnlyIfNotActedOn,
            cancel,
        )
        .await
    }

    pub async fn static_ips(
        &self,
        project: &str,
        cancel: &CancellationToken,
    ) -> Result<Vec<StaticIp>, CallError> {
        let path = format!("/v1/project/{project}/static-ips");
        let reply: StaticIpsEnvelope = self
            .call(Method::GET, &path, None::<&()>, Resend::Freely, cancel)
            .await?;
        Ok(reply.static_ips)
    }

    /// Deletes an address; one already gone counts as deleted.
    pub async fn delete_static_ip(
        &self,
        project: &str,
        id: &str,
        cancel: &CancellationToken,
    ) -> Result<(), CallError> {
        self.delete_path(&Self::static_ip_path(project, id), cancel)
            .await
    }

    /// Turns an address's termination protection on or off
    /// (`ProjectStaticIPPatch`), and the address as it now is.
    pub async fn patch_static_ip(
        &self,
        project: &str,
        id: &str,
        termination_protection: bool,
        cancel: &CancellationToken,
    ) -> Result<StaticIp, CallError> {
        let request = PatchStaticIp {
            termination_protection: Some(termination_protection),
        };
        let path = Self::static_ip_path(project, id);
        self.call(Method::PATCH, &path, Some(&request), Resend::Freely, cancel)
            .await
    }

    pub async fn associate_static_ip(
        &self,
        project: &str,
        id: &str,
        service: &str,
        cancel: &CancellationToken,
    ) -> Result<(), CallError> {
        let path = format!("{}/association", Self::static_ip_path(project, id));
        let request = AssociateStaticIp {
            service_name: service.to_owned(),
        };
        self.call::<StaticIp>(Method::POST, &path, Some(&request), Resend::Freely, cancel)
            .await
            .map(drop)
    }

    pub async fn dissociate_static_ip(
        &self,
        project: &str,
        id: &str,
        cancel: &CancellationToken,
    ) -> Result<(), CallError> {
        let path = format!("{}/association", Self::static_ip_path(project, id));
        self.call::<StaticIp>(Method::DELETE, &path, None::<&()>, Resend::Freely, cancel)
            .await
            .map(drop)
    }
}
