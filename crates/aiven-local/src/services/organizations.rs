//! Organizations and their accounts (`/v1/account`, `/v1/organization`),
//! as far as projects need them: an account made without a parent is an
//! organization's root, one made under a parent is an organizational unit
//! of the same organization, and a project names either as its parent
//! (`account_id`). aiven-local has one user, who owns every account; no
//! teams, billing or members are kept.

use aiven_api::types::{Account, CreateAccount, Organization, UpdateAccount};

use super::{Services, now};
use crate::error::Error;
use crate::store::StoreError;

/// The longest account name taken: the official provider's bound on
/// `aiven_organization.name` (the API's own is not published).
const MAX_NAME: usize = 83;

fn check_name(name: &str) -> Result<(), Error> {
    if name.trim().is_empty() || name.chars().count() > MAX_NAME {
        return Err(Error::invalid(format!(
            "account_name must be 1 to {MAX_NAME} characters, not only spaces"
        )));
    }
    Ok(())
}

fn account_missing(id: &str) -> Error {
    Error::not_found(format!("Account {id} does not exist"))
}

/// A new ID of the platform's form: `prefix` and 12 hex digits.
fn new_id(prefix: &str) -> String {
    format!(
        "{prefix}{}",
        &crate::random::uuid_v4().replace('-', "")[..12]
    )
}

impl Services {
    pub fn accounts(&self) -> Result<Vec<Account>, Error> {
        Ok(self.store.accounts()?)
    }

    pub fn account(&self, id: &str) -> Result<Account, Error> {
        self.accounts()?
            .into_iter()
            .find(|a| a.account_id == id)
            .ok_or_else(|| account_missing(id))
    }

    /// Makes an account: an organization of its own, or a unit of its
    /// parent's.
    pub fn create_account(&self, request: &CreateAccount) -> Result<Account, Error> {
        check_name(&request.account_name)?;
        let account_id = new_id("a");
        let (organization_id, root_account_id) = match &request.parent_account_id {
            Some(parent) => {
                let parent = self.account(parent).map_err(|_| {
                    Error::invalid(format!("parent_account_id {parent}: no such account"))
                })?;
                (parent.organization_id, parent.root_account_id)
            }
            None => (new_id("org"), account_id.clone()),
        };
        let created = now();
        let account = Account {
            account_owner_team_id: new_id("at"),
            account_name: request.account_name.clone(),
            create_time: created.clone(),
            update_time: created,
            is_account_owner: true,
            organization_id,
            parent_account_id: request.parent_account_id.clone(),
            root_account_id,
            account_id,
            ..Account::default()
        };
        self.store.insert_account(&account)?;
        Ok(account)
    }

    pub fn update_account(&self, id: &str, request: &UpdateAccount) -> Result<Account, Error> {
        if let Some(name) = &request.account_name {
            check_name(name)?;
        }
        let changed = self.store.update_account(id, |account| {
            if let Some(name) = &request.account_name {
                account.account_name = name.clone();
            }
            account.update_time = now();
        });
        match changed {
            Err(StoreError::Missing) => Err(account_missing(id)),
            other => Ok(other?),
        }
    }

    /// Deletes an account with no units under it and no projects in it.
    pub fn delete_account(&self, id: &str) -> Result<(), Error> {
        let account = self.account(id)?;
        let accounts = self.accounts()?;
        if let Some(unit) = accounts
            .iter()
            .find(|a| a.parent_account_id.as_deref() == Some(id))
        {
            return Err(Error::conflict(format!(
                "Account {id} has the organizational unit {}; delete it first",
                unit.account_id
            )));
        }
        self.refuse_with_projects(std::slice::from_ref(&account))?;
        Ok(self.store.delete_accounts(&[account.account_id])?)
    }

    /// The organization `id`, told by its root account.
    pub fn organization(&self, id: &str) -> Result<Organization, Error> {
        let root = self
            .accounts()?
            .into_iter()
            .find(|a| a.organization_id == id && a.parent_account_id.is_none())
            .ok_or_else(|| Error::not_found(format!("Organization {id} does not exist")))?;
        Ok(Organization {
            organization_id: root.organization_id,
            organization_name: root.account_name,
            account_id: root.account_id,
            create_time: root.create_time,
            update_time: root.update_time,
            tier: "business".to_owned(),
        })
    }

    /// Deletes an organization; its units too when `recursive`. One that
    /// still holds projects stays.
    pub fn delete_organization(&self, id: &str, recursive: bool) -> Result<(), Error> {
        self.organization(id)?;
        let members: Vec<Account> = self
            .accounts()?
            .into_iter()
            .filter(|a| a.organization_id == id)
            .collect();
        if !recursive && members.len() > 1 {
            return Err(Error::conflict(format!(
                "Organization {id} has organizational units; delete them first, or ask for recursive=true"
            )));
        }
        self.refuse_with_projects(&members)?;
        let ids: Vec<String> = members.into_iter().map(|a| a.account_id).collect();
        Ok(self.store.delete_accounts(&ids)?)
    }

    /// A conflict naming a project whose parent is one of `accounts`.
    fn refuse_with_projects(&self, accounts: &[Account]) -> Result<(), Error> {
        for project in self.store.projects()? {
            let Some((_, record)) = self.store.project(&project)? else {
                continue;
            };
            if let Some(parent) = accounts
                .iter()
                .find(|a| record.account_id.as_deref() == Some(a.account_id.as_str()))
            {
                return Err(Error::conflict(format!(
                    "Account {} holds project {project}; move or delete the project first",
                    parent.account_id
                )));
            }
        }
        Ok(())
    }

    /// Refuses a project parent that is no account here.
    pub fn check_project_parent(&self, account_id: Option<&str>) -> Result<(), Error> {
        match account_id {
            Some(id) if self.account(id).is_err() => Err(Error::invalid(format!(
                "account_id {id}: no such account or organizational unit; make it first (aiven_organization) and give its account ID"
            ))),
            _ => Ok(()),
        }
    }
}
