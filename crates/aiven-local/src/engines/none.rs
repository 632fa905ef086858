//! The engine of types nothing runs here (ClickHouse, Cassandra,
//! OpenSearch, Grafana) and of types whose engine is not installed: the
//! hosted lifecycle (REBUILDING for a while, then RUNNING; backups as
//! catalog entries) with no process and no data.

use std::path::PathBuf;
use std::time::Duration;

use super::{AccountChange, ClusterPaths, Engine, EngineError, Instance, RestoreTo, Stop};

/// Keeps the lifecycle only.
pub struct NoEngine {
    /// How long a new service stays REBUILDING, as a hosted one would.
    pub provision_delay: Duration,
}

#[async_trait::async_trait]
impl Engine for NoEngine {
    fn product(&self) -> String {
        "no engine".to_owned()
    }

    fn runs(&self) -> bool {
        false
    }

    fn data_dir(&self, paths: &ClusterPaths) -> PathBuf {
        paths.root.join("data")
    }

    fn setting_keys(&self) -> &'static [&'static str] {
        &[]
    }

    async fn init(&self, _at: &Instance<'_>) -> Result<(), EngineError> {
        tokio::time::sleep(self.provision_delay).await;
        Ok(())
    }

    async fn restore(&self, at: &Instance<'_>, _to: RestoreTo<'_>) -> Result<(), EngineError> {
        tokio::time::sleep(self.provision_delay).await;
        let _ = std::fs::remove_dir_all(at.paths.restore_source());
        Ok(())
    }

    async fn start(&self, _at: &Instance<'_>) -> Result<(), EngineError> {
        Ok(())
    }

    async fn stop(&self, _paths: &ClusterPaths, _mode: Stop) -> Result<(), EngineError> {
        Ok(())
    }

    async fn is_running(&self, _paths: &ClusterPaths) -> bool {
        false
    }

    async fn apply_settings(&self, _at: &Instance<'_>) -> Result<(), EngineError> {
        Ok(())
    }

    async fn backup(&self, _at: &Instance<'_>, _name: &str) -> Result<i64, EngineError> {
        Ok(0)
    }

    async fn account(
        &self,
        _at: &Instance<'_>,
        _change: AccountChange<'_>,
    ) -> Result<(), EngineError> {
        Ok(())
    }

    fn storage_location(&self, _paths: &ClusterPaths, _backup: &str) -> String {
        "aiven-local catalog (no engine)".to_owned()
    }
}
