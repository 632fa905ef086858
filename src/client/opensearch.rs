//! Calls for an OpenSearch service's access control lists
//! (`.../opensearch/acl`). The API keeps one list per service, so every
//! change here reads it, changes it and writes it back whole; those
//! changes go one at a time in this process, since Terraform applies the
//! rules of one service in parallel and each would otherwise undo the
//! others.

use aiven_api::types::{OpensearchAclChange, OpensearchAclConfig, OpensearchAclEnvelope};
use reqwest::Method;
use tokio_util::sync::CancellationToken;

use super::{CallError, Client, Resend};

/// Held from the read to the write of a change to the lists.
static CHANGES: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

impl Client {
    fn acl_path(project: &str, service: &str) -> String {
        format!("{}/opensearch/acl", Self::service_path(project, service))
    }

    pub async fn opensearch_acl(
        &self,
        project: &str,
        service: &str,
        cancel: &CancellationToken,
    ) -> Result<OpensearchAclConfig, CallError> {
        let path = Self::acl_path(project, service);
        let reply: OpensearchAclEnvelope<OpensearchAclConfig> = self
            .call(Method::GET, &path, None::<&()>, Resend::Freely, cancel)
            .await?;
        Ok(reply.opensearch_acl_config)
    }

    /// The lists with `change` made, written back whole
    /// (`ServiceOpenSearchAclUpdate`), as the API now has them.
    pub async fn change_opensearch_acl(
        &self,
        project: &str,
        service: &str,
        change: impl FnOnce(&mut OpensearchAclConfig),
        cancel: &CancellationToken,
    ) -> Result<OpensearchAclConfig, CallError> {
        let _one_at_a_time = CHANGES.lock().await;
        let mut lists = self.opensearch_acl(project, service, cancel).await?;
        change(&mut lists);
        let request = OpensearchAclEnvelope {
            opensearch_acl_config: OpensearchAclChange {
                acls: Some(lists.acls),
                enabled: Some(lists.enabled),
            },
        };
        let path = Self::acl_path(project, service);
        let reply: OpensearchAclEnvelope<OpensearchAclConfig> = self
            .call(Method::PUT, &path, Some(&request), Resend::Freely, cancel)
            .await?;
        Ok(reply.opensearch_acl_config)
    }
}
