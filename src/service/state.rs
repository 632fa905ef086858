//! Building a service's state from the API's service object.

use aiven_api::catalog;
use aiven_api::types::{ConnectionParams, Service, ServicePlanSpecs, secret};
use serde_json::{Map, Value as Json};
use tfplugin::value::Value;

use super::kind::{EXTRA_JSON, ServiceKind};
use super::model::{ConnectionModel, ConnectionParamsModel, IntegrationModel, ServiceModel};
use super::user_config;

const MIB_PER_GIB: i64 = 1024;

/// `"10GiB"` → MiB: whole gibibytes written as the API and state write
/// them, nothing around or between (`"1 GiB"` would be stored back as
/// `"1GiB"`, a value the configuration never wrote).
pub fn parse_disk(text: &str) -> Option<i64> {
    let number = text.strip_suffix("GiB")?;
    if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    number.parse::<i64>().ok().map(|n| n * MIB_PER_GIB)
}

fn format_disk(mib: i64) -> String {
    format!("{}GiB", mib.max(0) / MIB_PER_GIB)
}

/// The disk to request: the plan's (from the API's plan specifications)
/// plus `additional_disk_space` (`"0GiB"` once removed: back to the
/// plan's disk), or the deprecated total `disk_space`. `None` leaves it to
/// the API: nothing written, or no plan figures to add to.
pub fn disk_request(model: &ServiceModel, plan: Option<&ServicePlanSpecs>) -> Option<i64> {
    if let Some(additional) = model.additional_disk_space.as_deref().and_then(parse_disk) {
        return plan.map(|p| p.disk_space_mb + additional);
    }
    model.disk_space.as_deref().and_then(parse_disk)
}

/// The id Terraform tracks a service by, also its import ID.
pub fn service_id(project: &str, service: &str) -> String {
    format!("{project}/{service}")
}

/// Connection details: `service_uri_params` where the reply has them,
/// else read from `service_uri` (the reply may leave the params out).
pub struct Connection {
    pub host: Option<String>,
    pub port: Option<i64>,
    pub user: Option<String>,
    pub password: Option<String>,
    pub dbname: Option<String>,
    pub sslmode: Option<String>,
}

impl Connection {
    pub fn of(service: &Service) -> Connection {
        let uri = service.service_uri.as_deref().and_then(parse_uri);
        let from_uri = |pick: fn(&UriParts) -> Option<String>| uri.as_ref().and_then(pick);
        let param = |key: &str| service.uri_param(key);
        Connection {
            host: param("host").or_else(|| from_uri(|u| u.host.clone())),
            port: param("port")
                .and_then(|p| p.parse().ok())
                .or_else(|| uri.as_ref().and_then(|u| u.port)),
            user: param("user").or_else(|| from_uri(|u| u.user.clone())),
            password: param("password").or_else(|| from_uri(|u| u.password.clone())),
            dbname: param("dbname").or_else(|| from_uri(|u| u.dbname.clone())),
            sslmode: param("sslmode").or_else(|| from_uri(|u| u.sslmode.clone())),
        }
    }
}

impl Connection {
    /// The connection block's own keys, with `uri`.
    fn into_block(self, uri: Option<String>) -> ConnectionModel {
        ConnectionModel {
            host: self.host,
            port: self.port,
            user: self.user,
            password: self.password,
            dbname: self.dbname,
            sslmode: self.sslmode,
            uri,
            ..ConnectionModel::default()
        }
    }
}

/// The parts of a `scheme://user:password@host:port/dbname?sslmode=x` URI.
#[derive(Debug, Default, PartialEq)]
struct UriParts {
    user: Option<String>,
    password: Option<String>,
    host: Option<String>,
    port: Option<i64>,
    dbname: Option<String>,
    sslmode: Option<String>,
}

fn parse_uri(uri: &str) -> Option<UriParts> {
    let (_, rest) = uri.split_once("://")?;
    let (authority, tail) = rest.split_at(rest.find(['/', '?']).unwrap_or(rest.len()));
    let (userinfo, hostport) = match authority.rsplit_once('@') {
        Some((userinfo, hostport)) => (Some(userinfo), hostport),
        None => (None, authority),
    };
    let (user, password) = match userinfo.map(|u| u.split_once(':')) {
        Some(Some((user, password))) => (Some(user), Some(password)),
        Some(None) => (userinfo, None),
        None => (None, None),
    };
    let (host, port) = match hostport.rsplit_once(':') {
        Some((host, port)) => (host, port.parse().ok()),
        None => (hostport, None),
    };
    let (path, query) = tail.split_once('?').unwrap_or((tail, ""));
    let text = |s: Option<&str>| s.filter(|s| !s.is_empty()).map(str::to_owned);
    // A URI's user and password are percent-encoded.
    let decoded = |s: Option<&str>| text(s).map(|s| aiven_api::userinfo::decode(&s));
    Some(UriParts {
        user: decoded(user),
        password: decoded(secret(password)),
        host: text(Some(host)),
        port,
        dbname: text(path.strip_prefix('/')),
        sslmode: query
            .split('&')
            .find_map(|pair| pair.strip_prefix("sslmode="))
            .map(str::to_owned),
    })
}

/// The full state for `service`. `prior` (the plan, or the state before)
/// supplies what the API does not report (timeouts, create-only fields)
/// and what this reply left out or redacted: such a field is unknown, not
/// empty. `import` takes every user config key from the API because there
/// is no configuration to follow yet.
pub fn from_service(
    kind: &ServiceKind,
    project: &str,
    service: &Service,
    prior: &ServiceModel,
    import: bool,
    plan: Option<&ServicePlanSpecs>,
) -> ServiceModel {
    let connection = Connection::of(service);
    let uri = secret(service.service_uri.as_deref()).map(str::to_owned);
    let disk = Disk::of(service, prior, plan);
    let maintenance = service.maintenance.as_ref();
    // Not the API's: what state recorded when the fork was made, or on
    // import what the API's user_config tells.
    let (fork_point, fork_restored_to) = if import {
        super::fork::from_api(&service.user_config)
    } else {
        (prior.fork_point.clone(), prior.fork_restored_to.clone())
    };
    ServiceModel {
        id: Some(service_id(project, &service.service_name)),
        project: Some(project.to_owned()),
        service_name: Some(service.service_name.clone()),
        service_type: Some(written_type(service, prior).to_owned()),
        plan: Some(service.plan.clone()),
        cloud_name: Some(service.cloud_name.clone()),
        maintenance_window_dow: maintenance
            .map(|m| m.dow.clone())
            .or_else(|| prior.maintenance_window_dow.clone()),
        maintenance_window_time: maintenance
            .map(|m| m.time.clone())
            .or_else(|| prior.maintenance_window_time.clone()),
        termination_protection: Some(service.termination_protection),
        disk_space: disk.total.clone(),
        additional_disk_space: disk.additional,
        // As the official provider keeps it: the VPC resource's ID.
        project_vpc_id: service
            .project_vpc_id
            .as_ref()
            .map(|vpc| format!("{project}/{vpc}")),
        static_ips: prior.static_ips.clone(),
        state: Some(service.state.as_str().to_owned()),
        service_uri: uri.clone().or_else(|| prior.service_uri.clone()),
        service_host: connection
            .host
            .clone()
            .or_else(|| prior.service_host.clone()),
        service_port: connection.port.or(prior.service_port),
        service_username: connection
            .user
            .clone()
            .or_else(|| prior.service_username.clone()),
        service_password: connection
            .password
            .clone()
            .or_else(|| prior.service_password.clone()),
        components: service
            .components
            .clone()
            .or_else(|| prior.components.clone()),
        disk_space_default: disk.included,
        disk_space_used: disk.total.or_else(|| prior.disk_space_used.clone()),
        // The plan's figures, from the API's plan specifications; as state
        // had them when the API could not say.
        disk_space_step: disk.step.or_else(|| prior.disk_space_step.clone()),
        disk_space_cap: disk.cap.or_else(|| prior.disk_space_cap.clone()),
        maintenance_window_enabled: maintenance
            .map(|m| m.enabled)
            .or(prior.maintenance_window_enabled),
        cmk_id: service.cmk_id.clone().or_else(|| prior.cmk_id.clone()),
        service_integrations: Some(integrations_of(service, prior)),
        fork_point,
        fork_restored_to,
        connection: kind.connection_attribute.map(|_| {
            let reported = with_connection_info(connection.into_block(uri), service);
            fill_from(reported, prior.connection.clone().unwrap_or_default())
        }),
        tags: service.tags.clone().or_else(|| prior.tags.clone()),
        tech_emails: service
            .tech_emails
            .as_ref()
            .map(|emails| emails.iter().map(|e| e.email.clone()).collect())
            .or_else(|| prior.tech_emails.clone()),
        user_config: user_config_state(kind, &service.user_config, &prior.user_config, import),
        timeouts: prior.timeouts.clone(),
    }
}

/// The integrations the service was created with, as the API lists them
/// (the kinds a create can make, into this service); state's when the
/// reply lists none, since a change after creation makes none.
fn integrations_of(service: &Service, prior: &ServiceModel) -> Vec<IntegrationModel> {
    let mut listed: Vec<IntegrationModel> = service
        .service_integrations
        .iter()
        .filter(|i| CREATE_INTEGRATIONS.contains(&i.integration_type.as_str()))
        .filter(|i| i.dest_service.as_deref() == Some(&service.service_name))
        .map(|i| IntegrationModel {
            integration_type: i.integration_type.clone(),
            source_service_name: i.source_service.clone(),
        })
        .collect();
    if listed.is_empty() {
        return prior.service_integrations.clone().unwrap_or_default();
    }
    listed.sort();
    listed
}

/// The integrations a service can be created with.
pub const CREATE_INTEGRATIONS: [&str; 2] = ["read_replica", "disaster_recovery"];

/// Adds what `connection_info` and `metadata` report for the service's
/// type to the block read from `service_uri`. A redacted secret is left
/// unset.
fn with_connection_info(mut block: ConnectionModel, service: &Service) -> ConnectionModel {
    let Some(info) = &service.connection_info else {
        return block;
    };
    let shown = |value: &Option<String>| secret(value.as_deref()).map(str::to_owned);
    let uris = |items: Option<&[String]>| {
        let shown_uri = |uri: &String| secret(Some(uri)).map(str::to_owned);
        items.map(|items| items.iter().filter_map(shown_uri).collect())
    };
    let params = |items: &Option<Vec<ConnectionParams>>| {
        let entry = |p: &ConnectionParams| ConnectionParamsModel {
            host: Some(p.host.clone()),
            port: p.port.parse().ok(),
            user: Some(p.user.clone()),
            password: shown(&Some(p.password.clone())),
            database_name: Some(p.dbname.clone()),
            sslmode: p.ssl_mode().map(str::to_owned),
        };
        items
            .as_ref()
            .map(|items| items.iter().map(entry).collect())
    };
    block.uris = uris(info.uris(&service.service_type));
    match service.service_type.as_str() {
        "pg" => {
            block.standby_uris = uris(info.pg_standby.as_deref());
            block.syncing_uris = uris(info.pg_syncing.as_deref());
            block.replica_uri = shown(&info.pg_replica_uri);
            block.params = params(&info.pg_params);
            block.max_connections = service
                .metadata
                .as_ref()
                .and_then(|m| m.get("max_connections"))
                .and_then(Json::as_i64);
        }
        "mysql" => {
            block.standby_uris = uris(info.mysql_standby.as_deref());
            block.replica_uri = shown(&info.mysql_replica_uri);
            block.params = params(&info.mysql_params);
        }
        "valkey" => {
            block.slave_uris = uris(info.valkey_slave.as_deref());
            block.replica_uri = shown(&info.valkey_replica_uri);
            block.password = shown(&info.valkey_password).or(block.password);
        }
        "opensearch" => {
            block.username = info.opensearch_username.clone();
            block.password = shown(&info.opensearch_password).or(block.password);
            block.opensearch_dashboards_uri = shown(&info.opensearch_dashboards_uri);
        }
        "thanos" => {
            block.query_frontend_uri = shown(&info.query_frontend_uri);
            block.query_uri = shown(&info.query_uri);
            block.receiver_remote_write_uri = shown(&info.receiver_remote_write_uri);
        }
        _ => {}
    }
    block
}

/// `reported`, with what the reply left out or redacted taken from the
/// block state had.
fn fill_from(reported: ConnectionModel, prior: ConnectionModel) -> ConnectionModel {
    ConnectionModel {
        host: reported.host.or(prior.host),
        port: reported.port.or(prior.port),
        user: reported.user.or(prior.user),
        password: reported.password.or(prior.password),
        dbname: reported.dbname.or(prior.dbname),
        sslmode: reported.sslmode.or(prior.sslmode),
        uri: reported.uri.or(prior.uri),
        uris: reported.uris.or(prior.uris),
        standby_uris: reported.standby_uris.or(prior.standby_uris),
        syncing_uris: reported.syncing_uris.or(prior.syncing_uris),
        slave_uris: reported.slave_uris.or(prior.slave_uris),
        replica_uri: reported.replica_uri.or(prior.replica_uri),
        params: match (reported.params, prior.params) {
            (Some(mut now), Some(before)) => {
                // A redacted password keeps the one state had.
                for (entry, old) in now.iter_mut().zip(before) {
                    entry.password = entry.password.take().or(old.password);
                }
                Some(now)
            }
            (now, before) => now.or(before),
        },
        max_connections: reported.max_connections.or(prior.max_connections),
        bouncer: reported.bouncer.or(prior.bouncer),
        username: reported.username.or(prior.username),
        opensearch_dashboards_uri: reported
            .opensearch_dashboards_uri
            .or(prior.opensearch_dashboards_uri),
        kibana_uri: reported.kibana_uri.or(prior.kibana_uri),
        query_frontend_uri: reported.query_frontend_uri.or(prior.query_frontend_uri),
        query_uri: reported.query_uri.or(prior.query_uri),
        receiver_remote_write_uri: reported
            .receiver_remote_write_uri
            .or(prior.receiver_remote_write_uri),
    }
}

/// A service's disk sizes as state writes them, each falling back to
/// state's where the reply or the plan's specifications say nothing.
struct Disk {
    total: Option<String>,
    additional: Option<String>,
    included: Option<String>,
    step: Option<String>,
    cap: Option<String>,
}

impl Disk {
    fn of(service: &Service, prior: &ServiceModel, plan: Option<&ServicePlanSpecs>) -> Disk {
        let included = plan.map(|p| p.disk_space_mb);
        // A reply may leave the disk size out; then it is the size this
        // configuration asked for and the API accepted, when one was asked for.
        let disk = service.disk_space_mb.or_else(|| disk_request(prior, plan));
        Disk {
            total: disk.map(format_disk).or_else(|| prior.disk_space.clone()),
            additional: disk
                .zip(included)
                .map(|(mib, base)| format_disk(mib - base))
                .or_else(|| prior.additional_disk_space.clone()),
            included: included
                .map(format_disk)
                .or_else(|| prior.disk_space_default.clone()),
            step: plan.and_then(|p| p.disk_space_step_mb).map(format_disk),
            cap: plan.and_then(|p| p.disk_space_cap_mb).map(format_disk),
        }
    }
}

/// The service type as the configuration wrote it: an alias (`redis` for
/// `valkey`) names the same type, so it stays and shows no diff.
fn written_type<'s>(service: &'s Service, prior: &'s ServiceModel) -> &'s str {
    let written = prior.service_type.as_deref();
    let same_type = written.and_then(catalog::service_type).map(|t| t.name)
        == Some(service.service_type.as_str());
    match written {
        Some(written) if same_type => written,
        _ => &service.service_type,
    }
}

fn user_config_state(
    kind: &ServiceKind,
    api: &Map<String, Json>,
    prior: &Value,
    import: bool,
) -> Value {
    let prior_element = prior.first();
    if !import && prior_element.is_null() {
        return Value::List(Vec::new());
    }
    let fields = kind.fields();
    let mut element = user_config::from_api(&fields, api, prior_element, import);
    if kind.service_type.is_none() {
        let extra = if import {
            let rest: Map<String, Json> = api
                .iter()
                .filter(|(key, _)| !fields.iter().any(|f| f.name == *key))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            if rest.is_empty() {
                Value::Null
            } else {
                Value::string(Json::Object(rest).to_string())
            }
        } else {
            prior_element.get(EXTRA_JSON).clone()
        };
        element.set(EXTRA_JSON, extra);
    }
    // An import keeps the block even when the reply holds no key the
    // schema knows: the platform's services always report settings, so
    // the configurations that import them write the block.
    Value::List(vec![element])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(json: serde_json::Value) -> Service {
        serde_json::from_value(json).expect("a reply the contract allows")
    }

    fn minimal() -> serde_json::Value {
        serde_json::json!({
            "service_name": "pg-a", "service_type": "pg", "plan": "startup-4",
            "cloud_name": "google-europe-west1", "state": "RUNNING",
            "create_time": "2025-01-01T00:00:00Z", "update_time": "2025-01-01T00:00:00Z",
            "group_list": [], "project_vpc_id": null, "service_integrations": [],
            "termination_protection": false, "user_config": {},
            "service_uri": "postgres://avnadmin:pw@db.example:21691/defaultdb?sslmode=require",
        })
    }

    #[test]
    fn a_reply_with_only_the_required_fields_fills_state_without_inventing_values() {
        let kind = &crate::service::kind::PG;
        let nothing = ServiceModel::default();
        let state = from_service(kind, "p", &reply(minimal()), &nothing, false, None);
        assert_eq!(state.disk_space, None, "no disk size is not 0GiB");
        assert_eq!(state.additional_disk_space, None);
        assert_eq!(state.service_host.as_deref(), Some("db.example"));
        assert_eq!(state.service_port, Some(21691));
        assert_eq!(state.service_password.as_deref(), Some("pw"));
        let block = state.connection.unwrap();
        assert_eq!(block.dbname.as_deref(), Some("defaultdb"));
        assert_eq!(block.sslmode.as_deref(), Some("require"));
    }

    #[test]
    fn an_import_has_one_user_config_block_whatever_the_type_reports() {
        let nothing = ServiceModel::default();
        for kind in [&crate::service::kind::PG, &crate::service::kind::VALKEY] {
            let mut bare = minimal();
            bare["service_type"] = kind.service_type.unwrap().into();
            bare["user_config"] = serde_json::json!({});
            let imported = from_service(kind, "p", &reply(bare), &nothing, true, None);
            assert_eq!(
                imported.user_config.elements().len(),
                1,
                "{}",
                kind.type_name
            );
        }
        let mut bare = minimal();
        bare["user_config"] = serde_json::json!({"work_mem": 8});
        let kind = &crate::service::kind::PG;
        let imported = from_service(kind, "p", &reply(bare), &nothing, true, None);
        assert_eq!(
            imported.user_config.first().get("work_mem").as_i64(),
            Some(8)
        );
    }

    #[test]
    fn the_plans_figures_from_the_api_give_the_additional_disk_its_step_and_cap() {
        let kind = &crate::service::kind::PG;
        let mut bigger = minimal();
        bigger["disk_space_mb"] = (110 * 1024).into();
        let specs: ServicePlanSpecs = serde_json::from_value(serde_json::json!({
            "service_plan": "startup-4", "service_type": "pg", "node_count": 1,
            "disk_space_mb": 81920, "disk_space_step_mb": 30720, "disk_space_cap_mb": 409600,
            "backup_config": {"interval": 24, "max_count": 2, "recovery_mode": "pitr"},
        }))
        .unwrap();
        let nothing = ServiceModel::default();
        let state = from_service(
            kind,
            "p",
            &reply(bigger.clone()),
            &nothing,
            false,
            Some(&specs),
        );
        assert_eq!(state.additional_disk_space.as_deref(), Some("30GiB"));
        assert_eq!(state.disk_space_default.as_deref(), Some("80GiB"));
        assert_eq!(state.disk_space_step.as_deref(), Some("30GiB"));
        assert_eq!(state.disk_space_cap.as_deref(), Some("400GiB"));
        let unknown_plan = from_service(kind, "p", &reply(bigger), &state, false, None);
        assert_eq!(
            unknown_plan.additional_disk_space.as_deref(),
            Some("30GiB"),
            "the API could not say: state keeps what it had"
        );
    }

    #[test]
    fn what_a_reply_leaves_out_or_redacts_keeps_the_value_state_had() {
        let kind = &crate::service::kind::PG;
        let full = from_service(
            kind,
            "p",
            &reply({
                let mut full = minimal();
                full["disk_space_mb"] = 81920.into();
                full["service_uri_params"] = serde_json::json!({"host": "db.example", "port": "21691", "user": "avnadmin", "password": "pw"});
                full
            }),
            &ServiceModel::default(),
            false,
            None,
        );
        let mut redacted = minimal();
        redacted["service_uri"] = serde_json::Value::Null;
        redacted["service_uri_params"] = serde_json::json!({"password": "<redacted>"});
        let state = from_service(kind, "p", &reply(redacted), &full, false, None);
        assert_eq!(state.disk_space.as_deref(), Some("80GiB"));
        assert_eq!(
            state.service_password.as_deref(),
            Some("pw"),
            "never <redacted>"
        );
        assert_eq!(state.service_uri, full.service_uri);
        assert_eq!(state.connection.unwrap().password.as_deref(), Some("pw"));
    }

    #[test]
    fn connection_info_fills_the_official_keys_of_the_type() {
        let kind = &crate::service::kind::PG;
        let mut full = minimal();
        full["connection_info"] = serde_json::json!({
            "pg": ["postgres://avnadmin:pw@db.example:21691/defaultdb"],
            "pg_params": [{"dbname": "defaultdb", "host": "db.example", "password": "pw",
                           "port": "21691", "sslmode": "require", "user": "avnadmin"}],
            "pg_standby": [], "pg_syncing": [],
        });
        full["metadata"] = serde_json::json!({"max_connections": 100});
        let state = from_service(
            kind,
            "p",
            &reply(full),
            &ServiceModel::default(),
            false,
            None,
        );
        let block = state.connection.clone().unwrap();
        assert_eq!(block.uris.as_ref().map(Vec::len), Some(1));
        assert_eq!(block.standby_uris, Some(Vec::new()));
        assert_eq!(block.max_connections, Some(100));
        let params = &block.params.as_ref().unwrap()[0];
        assert_eq!(params.port, Some(21691), "the API's text port is a number");
        assert_eq!(params.database_name.as_deref(), Some("defaultdb"));

        let mut redacted = minimal();
        redacted["connection_info"] = serde_json::json!({
            "pg": ["<redacted>"],
            "pg_params": [{"dbname": "defaultdb", "host": "db.example", "password": "<redacted>",
                           "port": "21691", "sslmode": "require", "user": "avnadmin"}],
        });
        let again = from_service(kind, "p", &reply(redacted), &state, false, None);
        let block = again.connection.unwrap();
        let params = block.params.unwrap();
        assert_eq!(
            params[0].password.as_deref(),
            Some("pw"),
            "never <redacted>"
        );
        assert_eq!(
            block.max_connections,
            Some(100),
            "kept when the reply has none"
        );
        assert_eq!(block.uris, Some(Vec::new()), "a redacted URI is left out");
    }

    #[test]
    fn uris_split_into_their_parts() {
        assert_eq!(
            parse_uri("rediss://default:<redacted>@h.example:1234"),
            Some(UriParts {
                user: Some("default".into()),
                host: Some("h.example".into()),
                port: Some(1234),
                ..UriParts::default()
            })
        );
        let escaped = parse_uri("postgres://app:Test%241234%20a%40b@h:5432/defaultdb").unwrap();
        assert_eq!(
            escaped.password.as_deref(),
            Some("Test$1234 a@b"),
            "decoded"
        );
    }

    #[test]
    fn disk_sizes_parse_and_format_in_gib() {
        assert_eq!(parse_disk("10GiB"), Some(10 * 1024));
        assert_eq!(parse_disk("10 GB"), None);
        for written_otherwise in ["1 GiB", " 1GiB", "1GiB ", "-1GiB", "GiB", "1.5GiB"] {
            assert_eq!(parse_disk(written_otherwise), None, "{written_otherwise:?}");
        }
        assert_eq!(format_disk(81920), "80GiB");
    }
}
