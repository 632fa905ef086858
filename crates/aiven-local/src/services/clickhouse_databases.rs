//! ClickHouse's own database and user endpoints (`.../clickhouse/db`,
//! `.../clickhouse/user`), which the official provider's
//! `aiven_clickhouse_database` and `aiven_clickhouse_user` use: the same
//! databases and users as the service's record and engine hold (see
//! `accounts`), in ClickHouse's shapes, bounded as the platform bounds
//! them. A user is named by a UUID there; aiven-local derives it from the
//! service and the user's name, so it stays the same across restarts.

use aiven_api::types::{
    ClickhouseDatabase, ClickhouseUser, CreateClickhouseUser, CreateDatabase, CreateUser,
    ModifyUser, RESET_CREDENTIALS, ServiceUser,
};
use sha2::{Digest, Sha256};

use super::Services;
use crate::engines::DEFAULT_DATABASE;
use crate::error::Error;

/// The most databases a ClickHouse service holds (Aiven docs, "Manage
/// Aiven for ClickHouse databases and tables").
pub const MAX_DATABASES: usize = 400;

/// The engine aiven-local's chDB gives a new database; the platform's
/// are `Replicated`.
const ENGINE: &str = "Atomic";

impl Services {
    fn clickhouse(&self, project: &str, name: &str) -> Result<crate::store::ServiceRecord, Error> {
        let record = self.get(project, name)?;
        if record.service_type != "clickhouse" {
            return Err(Error::invalid(format!(
                "Service {name} is a {} service; these are ClickHouse's database endpoints",
                record.service_type
            )));
        }
        Ok(record)
    }

    pub fn clickhouse_databases(
        &self,
        project: &str,
        name: &str,
    ) -> Result<Vec<ClickhouseDatabase>, Error> {
        let record = self.clickhouse(project, name)?;
        Ok(record
            .databases
            .iter()
            .map(|d| ClickhouseDatabase {
                name: d.database_name.clone(),
                engine: ENGINE.to_owned(),
                required: d.database_name == DEFAULT_DATABASE,
                state: Some("ok".to_owned()),
            })
            .collect())
    }

    pub async fn create_clickhouse_database(
        &self,
        project: &str,
        name: &str,
        database: &str,
    ) -> Result<(), Error> {
        let record = self.clickhouse(project, name)?;
        if record.databases.len() >= MAX_DATABASES {
            return Err(Error::invalid(format!(
                "Service {name} has {MAX_DATABASES} databases, the most a ClickHouse service holds; delete one first"
            )));
        }
        let request = CreateDatabase {
            database: database.to_owned(),
            lc_collate: None,
            lc_ctype: None,
        };
        self.create_database(project, name, &request).await
    }

    pub fn clickhouse_users(
        &self,
        project: &str,
        name: &str,
    ) -> Result<Vec<ClickhouseUser>, Error> {
        let record = self.clickhouse(project, name)?;
        Ok(record
            .users
            .iter()
            .map(|user| clickhouse_user(project, name, user))
            .collect())
    }

    /// Makes a user with the password given, or one of the API's making.
    /// Roles are refused: chDB keeps no roles (see `engines::clickhouse`).
    pub async fn create_clickhouse_user(
        &self,
        project: &str,
        name: &str,
        request: &CreateClickhouseUser,
    ) -> Result<ClickhouseUser, Error> {
        self.clickhouse(project, name)?;
        if request
            .roles
            .as_ref()
            .is_some_and(|roles| !roles.is_empty())
        {
            return Err(Error::invalid(
                "roles: aiven-local's ClickHouse (chDB) keeps no roles; create the user without them",
            ));
        }
        let create = CreateUser {
            username: request.name.clone(),
            authentication: None,
            access_control: None,
        };
        let mut user = self.create_user(project, name, &create).await?;
        if let Some(password) = &request.password {
            user = self
                .set_clickhouse_password(project, name, &user.username, Some(password))
                .await?;
        }
        Ok(clickhouse_user(project, name, &user))
    }

    /// The user `uuid` names, or a 404.
    fn clickhouse_user_named(
        &self,
        project: &str,
        name: &str,
        uuid: &str,
    ) -> Result<String, Error> {
        self.clickhouse_users(project, name)?
            .into_iter()
            .find(|u| u.uuid == uuid)
            .map(|u| u.name)
            .ok_or_else(|| Error::not_found(format!("Service user {uuid} does not exist")))
    }

    pub async fn delete_clickhouse_user(
        &self,
        project: &str,
        name: &str,
        uuid: &str,
    ) -> Result<(), Error> {
        let username = self.clickhouse_user_named(project, name, uuid)?;
        self.delete_user(project, name, &username).await
    }

    /// A new password for the user `uuid`: the one given, or a new one.
    pub async fn reset_clickhouse_password(
        &self,
        project: &str,
        name: &str,
        uuid: &str,
        password: Option<&str>,
    ) -> Result<String, Error> {
        let username = self.clickhouse_user_named(project, name, uuid)?;
        let user = self
            .set_clickhouse_password(project, name, &username, password)
            .await?;
        Ok(user.password.unwrap_or_default())
    }

    async fn set_clickhouse_password(
        &self,
        project: &str,
        name: &str,
        username: &str,
        password: Option<&str>,
    ) -> Result<ServiceUser, Error> {
        let request = ModifyUser {
            operation: RESET_CREDENTIALS.to_owned(),
            new_password: password.map(str::to_owned),
            authentication: None,
            access_control: None,
        };
        self.modify_user(project, name, username, &request).await?;
        self.get(project, name)?
            .users
            .into_iter()
            .find(|u| u.username == username)
            .ok_or_else(|| Error::not_found(format!("Service user {username} does not exist")))
    }

    /// Runs one statement through the API (`ServiceClickHouseQuery`), as
    /// the service's own user. ClickHouse answers what it cannot do in its
    /// own words: chDB keeps no roles, so `CREATE ROLE` and `GRANT` fail
    /// there as they would on a server without writable access storage.
    pub async fn clickhouse_query(
        &self,
        project: &str,
        name: &str,
        database: &str,
        sql: &str,
    ) -> Result<serde_json::Value, Error> {
        let record = self.clickhouse(project, name)?;
        let (engine, at) = self.instance(&record);
        engine.query(&at, database, sql).await.map_err(|err| {
            Error::invalid(
                err.reason()
                    .unwrap_or_else(|| "ClickHouse refused the query".to_owned()),
            )
        })
    }

    pub async fn delete_clickhouse_database(
        &self,
        project: &str,
        name: &str,
        database: &str,
    ) -> Result<(), Error> {
        self.clickhouse(project, name)?;
        self.delete_database(project, name, database).await
    }
}

/// A service user in ClickHouse's shape: no roles or privileges (chDB
/// keeps none), its UUID derived from where it lives.
fn clickhouse_user(project: &str, service: &str, user: &ServiceUser) -> ClickhouseUser {
    let digest = Sha256::digest(format!("{project}/{service}/{}", user.username));
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    let uuid = format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    );
    ClickhouseUser {
        name: user.username.clone(),
        password: user.password.clone(),
        required: user.kind == "primary",
        uuid,
        privileges: Vec::new(),
        roles: Vec::new(),
    }
}
