//! Service users, databases and connection pools: real roles and
//! databases on pg clusters, catalog records everywhere.

use aiven_api::names;
use aiven_api::types::ServiceState;
use aiven_api::types::{self as api, ServiceUser};

use super::{Services, is_pg, login, random_password};
use crate::error::Error;
use crate::postgres::{DEFAULT_DATABASE, EngineError};
use crate::store::{ServiceRecord, StoreError};

/// A database the service keeps for itself.
fn reserved_database(database: &str) -> Result<(), Error> {
    if names::RESERVED_DATABASES.contains(&database) {
        return Err(Error::invalid(format!(
            "database {database:?} is reserved ({}); choose another name",
            names::RESERVED_DATABASES.join(", ")
        )));
    }
    Ok(())
}

/// An engine failure as the API reports it: PostgreSQL's own reason (see
/// [`EngineError::reason`]), never the statement.
fn engine_failure(error: EngineError) -> Error {
    let message = error
        .reason()
        .unwrap_or_else(|| "the database engine refused the request".to_owned());
    tracing::warn!(%message, "engine failure");
    Error::internal(message)
}

impl Services {
    async fn running_pg(
        &self,
        project: &str,
        name: &str,
    ) -> Result<Option<(ServiceRecord, u16)>, Error> {
        let record = self.get(project, name)?;
        if !is_pg(&record) {
            return Ok(None);
        }
        if record.state != ServiceState::Running {
            return Err(Error::conflict(format!(
                "Service {name} is {}, not RUNNING; try again when it runs",
                record.state
            )));
        }
        let port = record
            .port
            .ok_or_else(|| Error::internal("pg service without a port"))?;
        Ok(Some((record, port)))
    }

    pub async fn create_user(
        &self,
        project: &str,
        name: &str,
        username: &str,
    ) -> Result<ServiceUser, Error> {
        names::check_identifier("username", username).map_err(Error::invalid)?;
        names::check_role_name(username)
            .map_err(|err| Error::invalid(format!("username {err}")))?;
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
        let user = ServiceUser {
            username: username.to_owned(),
            password: Some(random_password()),
            kind: "normal".into(),
        };
        if let Some((record, port)) = self.running_pg(project, name).await? {
            let sql = format!(
                "CREATE ROLE \"{username}\" LOGIN PASSWORD '{}'",
                user.password.as_deref().unwrap_or_default()
            );
            self.postgres
                .sql(port, login(&record), DEFAULT_DATABASE, &sql)
                .await
                .map_err(engine_failure)?;
        }
        self.store.update_service(project, name, |r| {
            r.users.push(user.clone());
            Ok(())
        })?;
        Ok(user)
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
        if let Some((record, port)) = self.running_pg(project, name).await? {
            let sql = format!("DROP ROLE \"{username}\"");
            self.postgres
                .sql(port, login(&record), DEFAULT_DATABASE, &sql)
                .await
                .map_err(engine_failure)?;
        }
        self.store.update_service(project, name, |r| {
            r.users.retain(|u| u.username != username);
            Ok(())
        })?;
        Ok(())
    }

    pub async fn create_database(
        &self,
        project: &str,
        name: &str,
        database: &str,
    ) -> Result<(), Error> {
        names::check_identifier("database", database).map_err(Error::invalid)?;
        reserved_database(database)?;
        if self
            .get(project, name)?
            .databases
            .iter()
            .any(|d| d == database)
        {
            return Err(Error::conflict(format!(
                "Database {database} already exists"
            )));
        }
        if let Some((record, port)) = self.running_pg(project, name).await? {
            let sql = format!("CREATE DATABASE \"{database}\"");
            self.postgres
                .sql(port, login(&record), DEFAULT_DATABASE, &sql)
                .await
                .map_err(engine_failure)?;
        }
        self.store.update_service(project, name, |r| {
            r.databases.push(database.to_owned());
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
        reserved_database(database)?;
        if database == DEFAULT_DATABASE {
            return Err(Error::invalid(format!(
                "{DEFAULT_DATABASE} is the service's default database and cannot be deleted"
            )));
        }
        if !self
            .get(project, name)?
            .databases
            .iter()
            .any(|d| d == database)
        {
            return Err(Error::not_found(format!(
                "Database {database} does not exist"
            )));
        }
        if let Some((record, port)) = self.running_pg(project, name).await? {
            let sql = format!("DROP DATABASE \"{database}\" WITH (FORCE)");
            self.postgres
                .sql(port, login(&record), DEFAULT_DATABASE, &sql)
                .await
                .map_err(engine_failure)?;
        }
        self.store.update_service(project, name, |r| {
            r.databases.retain(|d| d != database);
            r.pools.retain(|p| p.database != database);
            Ok(())
        })?;
        Ok(())
    }

    pub fn create_pool(
        &self,
        project: &str,
        name: &str,
        request: api::CreatePool,
    ) -> Result<(), Error> {
        names::check_identifier("pool_name", &request.pool_name).map_err(Error::invalid)?;
        if let Some(username) = &request.username {
            names::check_identifier("username", username).map_err(Error::invalid)?;
        }
        if !["session", "transaction", "statement"].contains(&request.pool_mode.as_str()) {
            return Err(Error::invalid(format!(
                "pool_mode {:?} is invalid; use session, transaction or statement",
                request.pool_mode
            )));
        }
        if !(1..=10000).contains(&request.pool_size) {
            return Err(Error::invalid(format!(
                "pool_size {} is out of range; allowed 1 to 10000",
                request.pool_size
            )));
        }
        self.store
            .update_service(project, name, |r| {
                if r.pools.iter().any(|p| p.pool_name == request.pool_name) {
                    return Err(StoreError::Conflict);
                }
                if !r.databases.contains(&request.database) {
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
        Ok(())
    }

    pub fn delete_pool(&self, project: &str, name: &str, pool: &str) -> Result<(), Error> {
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
        Ok(())
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
    }
}
