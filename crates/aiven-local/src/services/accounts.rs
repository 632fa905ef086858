//! Service users, databases and connection pools: made in the service's
//! engine first (where it runs one), then kept in its record.

use aiven_api::names;
use aiven_api::types::ServiceState;
use aiven_api::types::{self as api, ServiceUser};

use super::{Services, random_password};
use crate::engines::{AccountChange, DEFAULT_DATABASE, EngineError, database_as_made};
use crate::error::Error;
use crate::store::StoreError;

/// A database the service keeps for itself.
fn reserved_database(service_type: &str, database: &str) -> Result<(), Error> {
    let reserved = names::reserved_databases(service_type);
    // MySQL's schema names are not case-sensitive everywhere.
    if reserved.iter().any(|r| r.eq_ignore_ascii_case(database)) {
        return Err(Error::invalid(format!(
            "database {database:?} is reserved ({}); choose another name",
            reserved.join(", ")
        )));
    }
    Ok(())
}

fn check_pool_mode(mode: &str) -> Result<(), Error> {
    if ["session", "transaction", "statement"].contains(&mode) {
        Ok(())
    } else {
        Err(Error::invalid(format!(
            "pool_mode {mode:?} is invalid; use session, transaction or statement"
        )))
    }
}

fn check_pool_size(size: i64) -> Result<(), Error> {
    if (1..=10000).contains(&size) {
        Ok(())
    } else {
        Err(Error::invalid(format!(
            "pool_size {size} is out of range; allowed 1 to 10000"
        )))
    }
}

/// MySQL's password plugins, the ones the API names.
fn check_authentication(authentication: Option<&str>) -> Result<(), Error> {
    const PLUGINS: [&str; 2] = ["caching_sha2_password", "mysql_native_password"];
    match authentication {
        Some(plugin) if !PLUGINS.contains(&plugin) => Err(Error::invalid(format!(
            "authentication {plugin:?} is invalid; use {}",
            PLUGINS.join(" or ")
        ))),
        _ => Ok(()),
    }
}

/// Valkey ACL rules as the API takes them: each one rule of its kind
/// (see [`names::check_valkey_acl`]).
fn check_access(access: Option<&api::AccessControl>) -> Result<(), Error> {
    let Some(access) = access else {
        return Ok(());
    };
    for (field, rules) in access.valkey_lists() {
        let rules = rules.as_deref().unwrap_or_default();
        names::check_valkey_acl(field, rules)
            .map_err(|rule| Error::invalid(format!("access_control.{rule}")))?;
    }
    Ok(())
}

/// A password a user may be given: the API's rule (see
/// [`names::check_password`]); the engines quote or hash it. The password
/// itself is never in the message.
fn check_password(password: &str) -> Result<&str, Error> {
    names::check_password(password)
        .map(|()| password)
        .map_err(|rule| Error::invalid(format!("new_password is invalid: {rule}")))
}

/// An engine failure as the API reports it: the engine's own reason (see
/// [`EngineError::reason`]), never the statement.
/// The engine's refusal, in its words without the statement: a conflict
/// (409) when it already holds what the request collides with, else a
/// failure (500).
fn engine_failure(error: EngineError) -> Error {
    let message = error
        .reason()
        .unwrap_or_else(|| "the database engine refused the request".to_owned());
    if error.is_conflict() {
        return Error::conflict(message);
    }
    if error.is_unknown_locale() {
        return Error::invalid(format!(
            "{message}: a database's locale must be one the machine running aiven-local has \
             (`locale -a` lists them; scripts/setup.sh adds {})",
            names::PG_DATABASE_LOCALE
        ));
    }
    tracing::warn!(%message, "engine failure");
    Error::internal(message)
}

impl Services {
    /// Makes `change` in the service's engine, if it runs one; a service
    /// that is not RUNNING cannot take it yet.
    pub(super) async fn change_engine(
        &self,
        project: &str,
        name: &str,
        change: AccountChange<'_>,
    ) -> Result<(), Error> {
        let record = self.get(project, name)?;
        let (engine, at) = self.instance(&record);
        if !engine.runs() {
            return Ok(());
        }
        if record.state != ServiceState::Running {
            return Err(Error::conflict(format!(
                "Service {name} is {}, not RUNNING; try again when it runs",
                record.state
            )));
        }
        if let Some(follow) = &record.follows {
            return Err(Error::conflict(format!(
                "Service {name} is a read replica of {}: its users and databases are its source's;                  change them there, or delete the read_replica integration to promote it first",
                follow.service
            )));
        }
        engine.account(&at, change).await.map_err(engine_failure)
    }

    /// Brings what serves the pools in line with the record.
    async fn serve_pools(&self, project: &str, name: &str) -> Result<(), Error> {
        let record = self.get(project, name)?;
        let (engine, at) = self.instance(&record);
        if record.state != ServiceState::Running {
            // Provisioning serves the pools the record has when it ends.
            return Ok(());
        }
        engine.serve_pools(&at).await.map_err(engine_failure)
    }

    pub async fn create_user(
        &self,
        project: &str,
        name: &str,
        request: &api::CreateUser,
    ) -> Result<ServiceUser, Error> {
        let username = request.username.as_str();
        names::check_identifier("username", username).map_err(Error::invalid)?;
        names::check_role_name(username)
            .map_err(|err| Error::invalid(format!("username {err}")))?;
        check_authentication(request.authentication.as_deref())?;
        if self
            .get(project, name)?
            .users
            .iter()
            .any(|u| u.username == username)
        {
            return Err(Error::conflict(format!(
                "Service user {username} already exists"
            )));
        }
        check_access(request.access_control.as_ref())?;
        let user = ServiceUser {
            username: username.to_owned(),
            password: Some(random_password()),
            kind: "normal".into(),
            authentication: request.authentication.clone(),
            access_control: request.access_control.clone(),
        };
        self.change_engine(project, name, AccountChange::CreateUser(&user))
            .await?;
        self.store.update_service(project, name, |r| {
            r.users.push(user.clone());
            Ok(())
        })?;
        self.serve_pools(project, name).await?;
        Ok(user)
    }

    /// A new password (the one given, or a new random one) or new access
    /// rules for a user; on pg the role changes too. The API answers with
    /// the whole service, which the caller builds.
    pub async fn modify_user(
        &self,
        project: &str,
        name: &str,
        username: &str,
        request: &api::ModifyUser,
    ) -> Result<(), Error> {
        let record = self.get(project, name)?;
        let mut user = record
            .users
            .iter()
            .find(|u| u.username == username)
            .cloned()
            .ok_or_else(|| Error::not_found(format!("Service user {username} does not exist")))?;
        let change = match request.operation.as_str() {
            api::RESET_CREDENTIALS => {
                let password = match &request.new_password {
                    Some(password) => check_password(password)?.to_owned(),
                    None => random_password(),
                };
                check_authentication(request.authentication.as_deref())?;
                if request.authentication.is_some() {
                    user.authentication = request.authentication.clone();
                }
                user.password = Some(password);
                AccountChange::SetPassword
            }
            api::SET_ACCESS_CONTROL => {
                check_access(request.access_control.as_ref())?;
                user.access_control = request.access_control.clone();
                AccountChange::SetAccess
            }
            other => {
                return Err(Error::invalid(format!(
                    "operation {other:?} is not supported; use {} or {}",
                    api::RESET_CREDENTIALS,
                    api::SET_ACCESS_CONTROL
                )));
            }
        };
        self.change_engine(project, name, change(&user)).await?;
        self.store.update_service(project, name, |r| {
            if let Some(stored) = r.users.iter_mut().find(|u| u.username == user.username) {
                *stored = user.clone();
            }
            Ok(())
        })?;
        self.serve_pools(project, name).await
    }

    pub async fn delete_user(
        &self,
        project: &str,
        name: &str,
        username: &str,
    ) -> Result<(), Error> {
        let record = self.get(project, name)?;
        let user = record
            .users
            .iter()
            .find(|u| u.username == username)
            .ok_or_else(|| Error::not_found(format!("Service user {username} does not exist")))?;
        if user.kind == "primary" {
            return Err(Error::invalid(format!(
                "{username} is the primary user and cannot be deleted"
            )));
        }
        self.change_engine(project, name, AccountChange::DropUser(username))
            .await?;
        self.store.update_service(project, name, |r| {
            r.users.retain(|u| u.username != username);
            Ok(())
        })?;
        self.serve_pools(project, name).await
    }

    pub async fn create_database(
        &self,
        project: &str,
        name: &str,
        request: &api::CreateDatabase,
    ) -> Result<(), Error> {
        let database = request.database.as_str();
        names::check_database_name("database", database).map_err(Error::invalid)?;
        for (field, locale) in [
            ("lc_collate", &request.lc_collate),
            ("lc_ctype", &request.lc_ctype),
        ] {
            if let Some(locale) = locale {
                names::check_locale(field, locale).map_err(Error::invalid)?;
            }
        }
        let record = self.get(project, name)?;
        reserved_database(&record.service_type, database)?;
        let made = database_as_made(&record.service_type, request);
        if record.has_database(database) {
            return Err(Error::conflict(format!(
                "Database {database} already exists"
            )));
        }
        self.change_engine(project, name, AccountChange::CreateDatabase(&made))
            .await?;
        self.store.update_service(project, name, |r| {
            r.databases.push(made.clone());
            Ok(())
        })?;
        Ok(())
    }

    pub async fn delete_database(
        &self,
        project: &str,
        name: &str,
        database: &str,
    ) -> Result<(), Error> {
        let record = self.get(project, name)?;
        reserved_database(&record.service_type, database)?;
        if database == DEFAULT_DATABASE {
            return Err(Error::invalid(format!(
                "{DEFAULT_DATABASE} is the service's default database and cannot be deleted"
            )));
        }
        if !record.has_database(database) {
            return Err(Error::not_found(format!(
                "Database {database} does not exist"
            )));
        }
        self.change_engine(project, name, AccountChange::DropDatabase(database))
            .await?;
        self.store.update_service(project, name, |r| {
            r.databases.retain(|d| d.database_name != database);
            r.pools.retain(|p| p.database != database);
            Ok(())
        })?;
        self.serve_pools(project, name).await
    }

    pub async fn create_pool(
        &self,
        project: &str,
        name: &str,
        request: api::CreatePool,
    ) -> Result<(), Error> {
        names::check_identifier("pool_name", &request.pool_name).map_err(Error::invalid)?;
        if let Some(username) = &request.username {
            names::check_identifier("username", username).map_err(Error::invalid)?;
        }
        check_pool_mode(&request.pool_mode)?;
        check_pool_size(request.pool_size)?;
        self.store
            .update_service(project, name, |r| {
                if r.pools.iter().any(|p| p.pool_name == request.pool_name) {
                    return Err(StoreError::Conflict);
                }
                if !r.has_database(&request.database) {
                    return Err(StoreError::Missing);
                }
                if let Some(username) = &request.username
                    && !r.users.iter().any(|u| &u.username == username)
                {
                    return Err(StoreError::Invalid(format!(
                        "username {username:?} is not a user of service {name}"
                    )));
                }
                r.pools.push(api::ConnectionPool {
                    pool_name: request.pool_name.clone(),
                    database: request.database.clone(),
                    username: request.username.clone(),
                    pool_mode: request.pool_mode.clone(),
                    pool_size: request.pool_size,
                    connection_uri: String::new(),
                });
                Ok(())
            })
            .map_err(|err| match err {
                StoreError::Conflict => Error::conflict(format!(
                    "Connection pool {} already exists",
                    request.pool_name
                )),
                StoreError::Missing => Error::invalid(format!(
                    "database {:?} does not exist in service {name}",
                    request.database
                )),
                StoreError::Invalid(message) => Error::invalid(message),
                other => other.into(),
            })?;
        if let Err(err) = self.serve_pools(project, name).await {
            // Not served, not kept: a pool the API lists is one clients
            // can reach.
            let _ = self.store.update_service(project, name, |r| {
                r.pools.retain(|p| p.pool_name != request.pool_name);
                Ok(())
            });
            let _ = self.serve_pools(project, name).await;
            return Err(err);
        }
        Ok(())
    }

    /// Changes a pool's database, mode, size or user.
    pub async fn update_pool(
        &self,
        project: &str,
        name: &str,
        pool: &str,
        request: &api::UpdatePool,
    ) -> Result<(), Error> {
        if let Some(mode) = &request.pool_mode {
            check_pool_mode(mode)?;
        }
        if let Some(size) = request.pool_size {
            check_pool_size(size)?;
        }
        self.store
            .update_service(project, name, |r| {
                if let Some(database) = &request.database
                    && !r.has_database(database)
                {
                    return Err(StoreError::Invalid(format!(
                        "database {database:?} does not exist in service {name}"
                    )));
                }
                if let Some(username) = &request.username
                    && !r.users.iter().any(|u| &u.username == username)
                {
                    return Err(StoreError::Invalid(format!(
                        "username {username:?} is not a user of service {name}"
                    )));
                }
                let stored = r.pools.iter_mut().find(|p| p.pool_name == pool);
                let stored = stored.ok_or(StoreError::Missing)?;
                if let Some(database) = &request.database {
                    stored.database = database.clone();
                }
                if let Some(mode) = &request.pool_mode {
                    stored.pool_mode = mode.clone();
                }
                if let Some(size) = request.pool_size {
                    stored.pool_size = size;
                }
                if request.username.is_some() {
                    stored.username = request.username.clone();
                }
                Ok(())
            })
            .map_err(|err| match err {
                StoreError::Missing => {
                    Error::not_found(format!("Connection pool {pool} does not exist"))
                }
                StoreError::Invalid(message) => Error::invalid(message),
                other => other.into(),
            })?;
        self.serve_pools(project, name).await
    }

    pub async fn delete_pool(&self, project: &str, name: &str, pool: &str) -> Result<(), Error> {
        self.store
            .update_service(project, name, |r| {
                let before = r.pools.len();
                r.pools.retain(|p| p.pool_name != pool);
                if r.pools.len() == before {
                    Err(StoreError::Missing)
                } else {
                    Ok(())
                }
            })
            .map_err(|err| match err {
                StoreError::Missing => {
                    Error::not_found(format!("Connection pool {pool} does not exist"))
                }
                other => other.into(),
            })?;
        self.serve_pools(project, name).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_failures_keep_the_reason_and_drop_the_quoted_statement() {
        let failure = engine_failure(EngineError::Failed {
            program: "psql".to_owned(),
            stderr: "psql:<stdin>:1: ERROR:  syntax error at or near \"x\"\n\
                     LINE 1: CREATE ROLE \"x\" LOGIN PASSWORD 'hunter2hunter2'\n                    ^"
                .to_owned(),
        });
        let text = failure.to_string();
        assert!(text.contains("syntax error"), "{text}");
        assert!(!text.contains("hunter2"), "{text}");
        let mariadb = |stderr: &str| {
            engine_failure(EngineError::Failed {
                program: "mariadb".to_owned(),
                stderr: stderr.to_owned(),
            })
        };
        let syntax = mariadb(
            "ERROR 1064 (42000) at line 1: You have an error in your SQL syntax near 'PASSWORD 'hunter2hunter2''",
        );
        assert!(!syntax.to_string().contains("hunter2"), "{syntax}");
        let exists =
            mariadb("ERROR 1007 (HY000) at line 1: Can't create database 'x'; database exists");
        assert!(matches!(exists, Error::Conflict(_)), "{exists:?}");
        assert!(exists.to_string().contains("database exists"), "{exists}");
    }
}
