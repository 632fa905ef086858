//! OpenSearch's index access control lists
//! (`/v1/project/{project}/service/{service}/opensearch/acl`): kept in the
//! service's record and made in its security plugin (see
//! `engines::opensearch`), so that the rules hold for the users' own
//! requests. A fork starts with its source's lists.

use aiven_api::types::{
    OPENSEARCH_PERMISSIONS, OpensearchAcl, OpensearchAclChange, OpensearchAclConfig,
};

use super::Services;
use crate::engines::AccountChange;
use crate::error::Error;

/// The longest index pattern taken: the official provider's bound
/// (`opensearch_acl_rule.index`); the API's own is not published.
const MAX_PATTERN: usize = 249;

/// Refuses a list the API would not take: an unknown permission, an empty
/// or overlong pattern, a rule without a user.
fn check(acls: &[OpensearchAcl]) -> Result<(), Error> {
    for (i, acl) in acls.iter().enumerate() {
        if acl.username.is_empty() {
            return Err(Error::invalid(format!(
                "opensearch_acl_config.acls[{i}].username is empty; name a service user"
            )));
        }
        for (j, rule) in acl.rules.iter().enumerate() {
            let at = format!("opensearch_acl_config.acls[{i}].rules[{j}]");
            if !OPENSEARCH_PERMISSIONS.contains(&rule.permission.as_str()) {
                return Err(Error::invalid(format!(
                    "{at}.permission {:?} is invalid; use one of {}",
                    rule.permission,
                    OPENSEARCH_PERMISSIONS.join(", ")
                )));
            }
            if rule.index.is_empty() || rule.index.len() > MAX_PATTERN {
                return Err(Error::invalid(format!(
                    "{at}.index must be 1 to {MAX_PATTERN} characters long"
                )));
            }
        }
    }
    Ok(())
}

impl Services {
    /// The lists of an OpenSearch service; other types have none.
    pub fn index_acl(&self, project: &str, name: &str) -> Result<OpensearchAclConfig, Error> {
        let record = self.get(project, name)?;
        if record.service_type != "opensearch" {
            return Err(Error::invalid(format!(
                "Service {name} is a {} service; access control lists are OpenSearch's",
                record.service_type
            )));
        }
        Ok(record.opensearch_acl)
    }

    /// Replaces the lists (`ServiceOpenSearchAclSet`) or changes what
    /// `change` gives (`ServiceOpenSearchAclUpdate`): made in the engine,
    /// then kept.
    pub async fn change_index_acl(
        &self,
        project: &str,
        name: &str,
        change: OpensearchAclChange,
    ) -> Result<OpensearchAclConfig, Error> {
        let _one_at_a_time = self.index_acls.lock().await;
        let mut acl = self.index_acl(project, name)?;
        if let Some(acls) = change.acls {
            check(&acls)?;
            acl.acls = acls;
        }
        if let Some(enabled) = change.enabled {
            acl.enabled = enabled;
        }
        self.change_engine(project, name, AccountChange::SetIndexAcl(&acl))
            .await?;
        self.store.update_service(project, name, |r| {
            r.opensearch_acl = acl.clone();
            Ok(())
        })?;
        Ok(acl)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aiven_api::types::OpensearchAclRule;

    fn acl(username: &str, index: &str, permission: &str) -> OpensearchAcl {
        OpensearchAcl {
            username: username.into(),
            rules: vec![OpensearchAclRule {
                index: index.into(),
                permission: permission.into(),
            }],
        }
    }

    #[test]
    fn lists_are_refused_naming_the_rule_and_what_is_allowed() {
        assert!(check(&[acl("ana", "logs_*", "readwrite")]).is_ok());
        let err = check(&[acl("ana", "logs_*", "read"), acl("bo", "x", "owner")])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("acls[1].rules[0].permission \"owner\""),
            "{err}"
        );
        assert!(err.contains("admin, deny, read, readwrite, write"), "{err}");
        let err = check(&[acl("ana", "", "read")]).unwrap_err().to_string();
        assert!(err.contains("acls[0].rules[0].index"), "{err}");
        let err = check(&[acl("", "x", "read")]).unwrap_err().to_string();
        assert!(err.contains("acls[0].username"), "{err}");
    }
}
