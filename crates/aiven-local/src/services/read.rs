//! A service as the API reports it: the record, its endpoint and
//! backups turned into the reply's shape, with the settings and node
//! states the platform reports.

use super::*;

impl Services {
    /// The API's view of a service. Without `secrets` (the API's
    /// `include_secrets`), passwords read [`REDACTED`], as the hosted API
    /// answers; the URI keeps its password, as the official CLI expects.
    pub fn to_api(&self, record: &ServiceRecord, secrets: bool) -> api::Service {
        // A read replica's users and databases are its source's, as its
        // data follows them.
        let followed = self.followed_accounts(record).map(|source| ServiceRecord {
            users: source.users,
            databases: source.databases,
            ..record.clone()
        });
        let record = followed.as_ref().unwrap_or(record);
        let endpoint = Endpoint::of(record);
        let shown = |password: &str| {
            if secrets {
                password.to_owned()
            } else {
                REDACTED.to_owned()
            }
        };
        let shown_password = shown(&endpoint.password);
        let (service_uri, params) = endpoint.connection(record, shown_password.clone());
        let backups = self.api_backups(record).unwrap_or_default();
        let connection_info = endpoint.connection_info(record, &shown_password);
        let users = record
            .users
            .iter()
            .map(|u| api::ServiceUser {
                password: u.password.as_deref().map(shown),
                ..u.clone()
            })
            .collect();
        api::Service {
            service_name: record.name.clone(),
            service_type: record.service_type.clone(),
            plan: record.plan.clone(),
            cloud_name: record.cloud.clone(),
            state: record.state.clone(),
            create_time: record.create_time.clone(),
            update_time: record.update_time.clone(),
            group_list: vec!["default".into()],
            node_count: Some(record.node_count),
            node_states: Some(node_states(record, !backups.is_empty())),
            service_uri: Some(service_uri),
            service_uri_params: Some(params),
            components: Some(vec![Component {
                component: Endpoint::component(record),
                host: endpoint.host.clone(),
                port: i64::from(endpoint.port),
                route: "dynamic".into(),
                usage: "primary".into(),
                ssl: Some(Endpoint::tls(record)),
                ..Component::default()
            }]),
            connection_info: Some(connection_info),
            metadata: Some(self.engines.of(record).metadata(&record.user_config)),
            cmk_id: record.cmk_id.clone(),
            user_config: reported_settings(&record.service_type, &record.user_config),
            users: Some(users),
            databases: Some(
                record
                    .databases
                    .iter()
                    .map(|d| d.database_name.clone())
                    .collect(),
            ),
            connection_pools: Some(endpoint.pools(record)),
            backups: Some(backups),
            termination_protection: record.termination_protection,
            service_integrations: self.integrations_of_record(record).unwrap_or_default(),
            tags: Some(record.tags.clone()),
            disk_space_mb: Some(record.disk_space_mb),
            project_vpc_id: record.project_vpc_id.clone(),
            maintenance: Some(record.maintenance.clone()),
            tech_emails: Some(record.tech_emails.clone()),
            service_notifications: Some(
                record
                    .notifications
                    .iter()
                    .cloned()
                    .chain(Self::vpc_notice(record))
                    .collect(),
            ),
            cloud_description: catalog::cloud(&record.cloud).map(|c| c.description.to_owned()),
            ..api::Service::default()
        }
    }
}

/// A service's settings as the platform reports them: what was written,
/// and the `ip_filter` a service that names none has (every address; see
/// `user_config::REPORTED_IP_FILTER`). It is added to the reply, not
/// stored, so that a fork still inherits its source's filter.
pub(super) fn reported_settings(
    service_type: &str,
    written: &Map<String, Value>,
) -> Map<String, Value> {
    let mut reported = written.clone();
    let filter = catalog::service_type(service_type).and_then(|t| {
        user_config::fields(t)
            .into_iter()
            .find(|f| f.kind == user_config::Kind::IpFilter)
    });
    if let Some(filter) = filter {
        let open = user_config::REPORTED_IP_FILTER.map(|network| Value::String(network.into()));
        reported
            .entry(filter.api_name)
            .or_insert_with(|| Value::Array(open.to_vec()));
    }
    reported
}

/// One state per node. A fork runs on one node until its own first backup
/// completes, as the hosted service builds it: the others join after.
/// While a fork restores, its node is `syncing_data` and names the backup
/// in its progress, where the hosted API reports restore progress
/// (`node_states[].progress_updates`, Aiven's "Track service restore
/// progress" docs); the phases are reported without counters.
pub(super) fn node_states(record: &ServiceRecord, has_backup: bool) -> Vec<NodeState> {
    let running = record.state == ServiceState::Running;
    let nodes = match (&record.fork, has_backup) {
        (Some(_), false) => 1,
        _ => record.node_count,
    };
    let restoring = record.fork.as_ref().filter(|_| !running);
    let node = |n: i64| NodeState {
        name: format!("{}-{n}", record.name),
        state: match (running, restoring) {
            (true, _) => "running",
            (false, Some(_)) => "syncing_data",
            (false, None) => "setting_up_vm",
        }
        .into(),
        role: Some(if n == 1 { "master" } else { "standby" }.into()),
        availability_zone: "local".into(),
        progress_updates: restoring.map(restore_phases),
    };
    (1..=nodes).map(node).collect()
}

/// A restoring fork's phases: its backup, then for a point in time the
/// replay of what the source committed after it.
pub(super) fn restore_phases(fork: &ForkSource) -> Vec<ProgressUpdate> {
    let phase = |name: &str, position: Option<RestorePosition>| ProgressUpdate {
        phase: name.into(),
        completed: false,
        current: None,
        min: None,
        max: None,
        unit: None,
        position,
    };
    let backup = RestorePosition {
        backup_name: fork.backup_name.clone(),
        backup_incremental: false,
        chain_index: 0,
        chain_total: 1,
    };
    let mut phases = vec![phase("basebackup", Some(backup))];
    if let RestoreTo::Time(_) = fork.restore_to() {
        phases.push(phase("stream", None));
    }
    phases
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fork_has_one_node_until_its_first_backup() {
        let mut record: ServiceRecord = serde_json::from_value(serde_json::json!({
            "project": "p", "name": "copy", "service_type": "pg", "plan": "business-4",
            "cloud": "c", "state": "RUNNING", "create_time": "t", "update_time": "t",
            "node_count": 2, "user_config": {}, "termination_protection": false,
            "disk_space_mb": 1, "maintenance": {"dow": "sunday", "time": "02:00:00", "enabled": true, "updates": []},
            "tags": {}, "tech_emails": [], "project_vpc_id": null, "powered": true, "port": null,
            "users": [], "databases": [], "pools": [], "notifications": [],
            "fork": {"project": "p", "service": "src", "target_time": null, "backup_name": "b"}
        }))
        .unwrap();
        assert_eq!(node_states(&record, false).len(), 1);
        assert_eq!(node_states(&record, true).len(), 2);
        record.fork = None;
        assert_eq!(
            node_states(&record, false).len(),
            2,
            "a new service has all its nodes"
        );
    }

    #[test]
    fn a_restoring_fork_names_its_backup_in_its_nodes_progress() {
        let mut record: ServiceRecord = serde_json::from_value(serde_json::json!({
            "project": "p", "name": "copy", "service_type": "pg", "plan": "business-4",
            "cloud": "c", "state": "REBUILDING", "create_time": "t", "update_time": "t",
            "node_count": 2, "user_config": {}, "termination_protection": false,
            "disk_space_mb": 1, "maintenance": {"dow": "sunday", "time": "02:00:00", "enabled": true, "updates": []},
            "tags": {}, "tech_emails": [], "project_vpc_id": null, "powered": true, "port": null,
            "users": [], "databases": [], "pools": [], "notifications": [],
            "fork": {"project": "p", "service": "src", "target_time": null, "backup_name": "b-1"}
        }))
        .unwrap();
        let phases = |record: &ServiceRecord| -> Vec<String> {
            let nodes = node_states(record, false);
            let updates = nodes[0].progress_updates.clone().unwrap_or_default();
            updates.into_iter().map(|u| u.phase).collect()
        };
        let nodes = node_states(&record, false);
        assert_eq!(nodes[0].state, "syncing_data");
        assert_eq!(nodes[0].restoring_backup(), Some("b-1"));
        assert_eq!(phases(&record), ["basebackup"], "the backup alone");
        record.fork.as_mut().unwrap().target_time = Some("2026-12-02T05:43:05Z".into());
        assert_eq!(phases(&record), ["basebackup", "stream"], "then the replay");
        record.state = ServiceState::Running;
        let nodes = node_states(&record, false);
        assert_eq!(nodes[0].state, "running");
        assert_eq!(nodes[0].progress_updates, None, "no progress once it runs");
    }
}
