//! Calls for the objects around a service: its users, databases and
//! connection pools, and projects. Creates are sent once (a lost answer
//! is settled by the caller reading the object back); the rest may be
//! resent.

use aiven_api::types::{
    ClickhouseDatabases, ClickhousePassword, ClickhouseUser, ClickhouseUserEnvelope,
    ClickhouseUsers, CreateClickhouseUser, CreatePool, CreateProject, CreateUser,
    DatabasesResponse, ModifyUser, Project, ProjectEnvelope, ServiceUser, UpdatePool,
    UpdateProject, UserEnvelope,
};
use reqwest::Method;
use serde::de::IgnoredAny;
use tokio_util::sync::CancellationToken;

use super::{CallError, Client, Resend};

impl Client {
    fn object_path(project: &str, service: &str, kind: &str, name: &str) -> String {
        format!("{}/{kind}/{name}", Self::service_path(project, service))
    }

    pub async fn create_user(
        &self,
        project: &str,
        service: &str,
        request: &CreateUser,
        cancel: &CancellationToken,
    ) -> Result<ServiceUser, CallError> {
        let path = format!("{}/user", Self::service_path(project, service));
        let reply: UserEnvelope = self
            .call(
                Method::POST,
                &path,
                Some(request),
                Resend::OnlyIfNotActedOn,
                cancel,
            )
            .await?;
        Ok(reply.user)
    }

    pub async fn get_user(
        &self,
        project: &str,
        service: &str,
        username: &str,
        cancel: &CancellationToken,
    ) -> Result<ServiceUser, CallError> {
        let path = Self::object_path(project, service, "user", username);
        let reply: UserEnvelope = self
            .call(Method::GET, &path, None::<&()>, Resend::Freely, cancel)
            .await?;
        Ok(reply.user)
    }

    /// A new password or new access rules (`ServiceUserCredentialsModify`),
    /// then the user as it is now. The API answers the change with the
    /// whole service, its passwords redacted, so the user is read again.
    pub async fn modify_user(
        &self,
        project: &str,
        service: &str,
        username: &str,
        request: &ModifyUser,
        cancel: &CancellationToken,
    ) -> Result<ServiceUser, CallError> {
        let path = Self::object_path(project, service, "user", username);
        self.call::<IgnoredAny>(Method::PUT, &path, Some(request), Resend::Freely, cancel)
            .await?;
        self.get_user(project, service, username, cancel).await
    }

    /// Creates a database through the endpoint of `kind` (`db`, or
    /// ClickHouse's `clickhouse/db`), with the body that endpoint takes.
    pub async fn create_database(
        &self,
        project: &str,
        service: &str,
        kind: &str,
        request: &(impl serde::Serialize + Sync),
        cancel: &CancellationToken,
    ) -> Result<(), CallError> {
        let path = format!("{}/{kind}", Self::service_path(project, service));
        self.call::<IgnoredAny>(
            Method::POST,
            &path,
            Some(request),
            Resend::OnlyIfNotActedOn,
            cancel,
        )
        .await
        .map(drop)
    }

    pub async fn databases(
        &self,
        project: &str,
        service: &str,
        cancel: &CancellationToken,
    ) -> Result<DatabasesResponse, CallError> {
        let path = format!("{}/db", Self::service_path(project, service));
        self.call(Method::GET, &path, None::<&()>, Resend::Freely, cancel)
            .await
    }

    /// A ClickHouse service's databases, as its own endpoint lists them.
    pub async fn clickhouse_databases(
        &self,
        project: &str,
        service: &str,
        cancel: &CancellationToken,
    ) -> Result<ClickhouseDatabases, CallError> {
        let path = format!("{}/clickhouse/db", Self::service_path(project, service));
        self.call(Method::GET, &path, None::<&()>, Resend::Freely, cancel)
            .await
    }

    pub async fn create_clickhouse_user(
        &self,
        project: &str,
        service: &str,
        request: &CreateClickhouseUser,
        cancel: &CancellationToken,
    ) -> Result<ClickhouseUser, CallError> {
        let path = format!("{}/clickhouse/user", Self::service_path(project, service));
        let reply: ClickhouseUserEnvelope = self
            .call(
                Method::POST,
                &path,
                Some(request),
                Resend::OnlyIfNotActedOn,
                cancel,
            )
            .await?;
        Ok(reply.user)
    }

    pub async fn clickhouse_users(
        &self,
        project: &str,
        service: &str,
        cancel: &CancellationToken,
    ) -> Result<Vec<ClickhouseUser>, CallError> {
        let path = format!("{}/clickhouse/user", Self::service_path(project, service));
        let reply: ClickhouseUsers = self
            .call(Method::GET, &path, None::<&()>, Resend::Freely, cancel)
            .await?;
        Ok(reply.users)
    }

    /// Sets a ClickHouse user's password (`ServiceClickHousePasswordReset`).
    pub async fn set_clickhouse_password(
        &self,
        project: &str,
        service: &str,
        uuid: &str,
        password: &str,
        cancel: &CancellationToken,
    ) -> Result<(), CallError> {
        let path = format!(
            "{}/clickhouse/user/{uuid}/password",
            Self::service_path(project, service)
        );
        let request = ClickhousePassword {
            password: Some(password.to_owned()),
        };
        self.call::<IgnoredAny>(Method::PUT, &path, Some(&request), Resend::Freely, cancel)
            .await
            .map(drop)
    }

    pub async fn create_pool(
        &self,
        project: &str,
        service: &str,
        request: &CreatePool,
        cancel: &CancellationToken,
    ) -> Result<(), CallError> {
        let path = format!("{}/connection_pool", Self::service_path(project, service));
        self.call::<IgnoredAny>(
            Method::POST,
            &path,
            Some(request),
            Resend::OnlyIfNotActedOn,
            cancel,
        )
        .await
        .map(drop)
    }

    pub async fn update_pool(
        &self,
        project: &str,
        service: &str,
        pool: &str,
        request: &UpdatePool,
        cancel: &CancellationToken,
    ) -> Result<(), CallError> {
        let path = Self::object_path(project, service, "connection_pool", pool);
        self.call::<IgnoredAny>(Method::PUT, &path, Some(request), Resend::Freely, cancel)
            .await
            .map(drop)
    }

    /// Deletes a user (`kind` "user"), database ("db") or pool
    /// ("connection_pool"); one already gone counts as deleted.
    pub async fn delete_object(
        &self,
        project: &str,
        service: &str,
        kind: &str,
        name: &str,
        cancel: &CancellationToken,
    ) -> Result<(), CallError> {
        self.delete_path(&Self::object_path(project, service, kind, name), cancel)
            .await
    }

    pub async fn create_project(
        &self,
        request: &CreateProject,
        cancel: &CancellationToken,
    ) -> Result<Project, CallError> {
        let reply: ProjectEnvelope = self
            .call(
                Method::POST,
                "/v1/project",
                Some(request),
                Resend::OnlyIfNotActedOn,
                cancel,
            )
            .await?;
        Ok(reply.project)
    }

    pub async fn get_project(
        &self,
        project: &str,
        cancel: &CancellationToken,
    ) -> Result<Project, CallError> {
        let path = format!("/v1/project/{project}");
        let reply: ProjectEnvelope = self
            .call(Method::GET, &path, None::<&()>, Resend::Freely, cancel)
            .await?;
        Ok(reply.project)
    }

    pub async fn update_project(
        &self,
        project: &str,
        request: &UpdateProject,
        cancel: &CancellationToken,
    ) -> Result<Project, CallError> {
        let path = format!("/v1/project/{project}");
        let reply: ProjectEnvelope = self
            .call(Method::PUT, &path, Some(request), Resend::Freely, cancel)
            .await?;
        Ok(reply.project)
    }

    /// The project's CA certificate, in PEM.
    pub async fn project_ca(
        &self,
        project: &str,
        cancel: &CancellationToken,
    ) -> Result<String, CallError> {
        let path = format!("/v1/project/{project}/kms/ca");
        let reply: aiven_api::types::ProjectCa = self
            .call(Method::GET, &path, None::<&()>, Resend::Freely, cancel)
            .await?;
        Ok(reply.certificate)
    }

    /// Deletes a project; one already gone counts as deleted.
    pub async fn delete_project(
        &self,
        project: &str,
        cancel: &CancellationToken,
    ) -> Result<(), CallError> {
        self.delete_path(&format!("/v1/project/{project}"), cancel)
            .await
    }
}
