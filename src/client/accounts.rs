//! Calls for organizations and their accounts (`/v1/account`,
//! `/v1/organization/{id}`): what `aiven_organization`, `aiven_account`
//! and a project's `parent_id` need. A create is sent once; the rest may
//! be resent.

use aiven_api::types::{
    Account, AccountEnvelope, AccountsEnvelope, CreateAccount, Organization, UpdateAccount,
};
use reqwest::Method;
use tokio_util::sync::CancellationToken;

use super::{CallError, Client, Resend};

impl Client {
    pub async fn create_account(
        &self,
        request: &CreateAccount,
        cancel: &CancellationToken,
    ) -> Result<Account, CallError> {
        let reply: AccountEnvelope = self
            .call(
                Method::POST,
                "/v1/account",
                Some(request),
                Resend::OnlyIfNotActedOn,
                cancel,
            )
            .await?;
        Ok(reply.account)
    }

    pub async fn accounts(&self, cancel: &CancellationToken) -> Result<Vec<Account>, CallError> {
        let reply: AccountsEnvelope = self
            .call(
                Method::GET,
                "/v1/account",
                None::<&()>,
                Resend::Freely,
                cancel,
            )
            .await?;
        Ok(reply.accounts)
    }

    pub async fn get_account(
        &self,
        id: &str,
        cancel: &CancellationToken,
    ) -> Result<Account, CallError> {
        let path = format!("/v1/account/{id}");
        let reply: AccountEnvelope = self
            .call(Method::GET, &path, None::<&()>, Resend::Freely, cancel)
            .await?;
        Ok(reply.account)
    }

    pub async fn update_account(
        &self,
        id: &str,
        request: &UpdateAccount,
        cancel: &CancellationToken,
    ) -> Result<Account, CallError> {
        let path = format!("/v1/account/{id}");
        let reply: AccountEnvelope = self
            .call(Method::PUT, &path, Some(request), Resend::Freely, cancel)
            .await?;
        Ok(reply.account)
    }

    /// Deletes an account; one already gone counts as deleted.
    pub async fn delete_account(
        &self,
        id: &str,
        cancel: &CancellationToken,
    ) -> Result<(), CallError> {
        self.delete_path(&format!("/v1/account/{id}"), cancel).await
    }

    pub async fn get_organization(
        &self,
        id: &str,
        cancel: &CancellationToken,
    ) -> Result<Organization, CallError> {
        let path = format!("/v1/organization/{id}");
        self.call(Method::GET, &path, None::<&()>, Resend::Freely, cancel)
            .await
    }

    /// Deletes an organization with its organizational units, as the
    /// official provider does (`recursive=true`).
    pub async fn delete_organization(
        &self,
        id: &str,
        cancel: &CancellationToken,
    ) -> Result<(), CallError> {
        self.delete_path(&format!("/v1/organization/{id}?recursive=true"), cancel)
            .await
    }
}
