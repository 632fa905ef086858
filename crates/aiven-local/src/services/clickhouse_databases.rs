//! ClickHouse's own database endpoints (`.../clickhouse/db`), which the
//! official provider's `aiven_clickhouse_database` uses: the same
//! databases as the service's record and engine hold (see `accounts`),
//! listed in ClickHouse's shape and bounded as the platform bounds them.

use aiven_api::types::{ClickhouseDatabase, CreateDatabase};

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
