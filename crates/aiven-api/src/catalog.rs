//! Service types and their plans: the facts both the provider (plan-time
//! checks) and aiven-local (what it accepts) need.

/// What a service type supports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServiceType {
    pub name: &'static str,
    pub description: &'static str,
    /// Forks can target a point in time (`recovery_target_time`).
    pub point_in_time_recovery: bool,
    /// Forks can name a backup (`recovery_basebackup_name`).
    pub named_backup_recovery: bool,
    /// Point-in-time recovery stops at whole seconds, leaving out the
    /// target's own second (MySQL: its binary log stamps seconds).
    pub recovers_whole_seconds: bool,
    /// Forks may not go to a plan with fewer nodes.
    pub forks_keep_node_count: bool,
    /// Nodes in the startup, business and premium tiers.
    pub nodes_per_tier: [i64; 3],
    pub has_hobbyist: bool,
    pub default_port: u16,
    /// The scheme of the service's `service_uri` and connection URIs.
    pub uri_scheme: &'static str,
    /// What follows the URI's path: the TLS mode for the types whose
    /// clients are told it there (pg `sslmode=require`, MySQL's
    /// `ssl-mode=REQUIRED`). Those types' URIs and params also name the
    /// default database.
    pub uri_query: Option<&'static str>,
    /// The name of the component that port serves, in `components`.
    pub component: &'static str,
    /// The `user_config` key that turns TLS off (TLS stays on unless the
    /// key is false), for the types whose clients may connect in plain
    /// text; `None` where TLS is always on, as on the platform.
    pub tls_switch: Option<&'static str>,
    /// The primary user a new service has: `avnadmin`, but `default` on
    /// Valkey, as the hosted service names it.
    pub primary_user: &'static str,
    /// A fork leaves out the source's single sign-on settings
    /// ([`SSO_SETTINGS`]), which are tied to its URLs (OpenSearch, Aiven's
    /// fork docs), and says so.
    pub fork_leaves_out_sso: bool,
}

/// The `user_config` keys of single sign-on, which a fork of a type that
/// [`ServiceType::fork_leaves_out_sso`] does not copy from its source.
pub const SSO_SETTINGS: [&str; 2] = ["saml", "openid"];

const fn kind(name: &'static str, description: &'static str) -> ServiceType {
    ServiceType {
        name,
        description,
        point_in_time_recovery: false,
        named_backup_recovery: false,
        recovers_whole_seconds: false,
        forks_keep_node_count: false,
        nodes_per_tier: [1, 2, 3],
        has_hobbyist: false,
        default_port: 443,
        uri_scheme: name,
        uri_query: None,
        component: name,
        tls_switch: None,
        primary_user: "avnadmin",
        fork_leaves_out_sso: false,
    }
}

/// The eight types of the product page, in its order.
pub const SERVICE_TYPES: [ServiceType; 8] = [
    ServiceType {
        point_in_time_recovery: true,
        has_hobbyist: true,
        default_port: 5432,
        uri_scheme: "postgres",
        uri_query: Some("sslmode=require"),
        ..kind(
            "pg",
            "PostgreSQL - Object-Relational Database Management System",
        )
    },
    ServiceType {
        point_in_time_recovery: true,
        recovers_whole_seconds: true,
        has_hobbyist: true,
        default_port: 3306,
        uri_query: Some("ssl-mode=REQUIRED"),
        ..kind("mysql", "MySQL - Relational Database Management System")
    },
    ServiceType {
        named_backup_recovery: true,
        has_hobbyist: true,
        default_port: 6379,
        // `valkeys://` with TLS (the default), `valkey://` without
        // (Aiven's "Manage SSL connectivity in Aiven for Valkey").
        uri_scheme: "valkeys",
        tls_switch: Some("valkey_ssl"),
        primary_user: "default",
        ..kind("valkey", "Valkey - In-Memory Data Store (Caching)")
    },
    ServiceType {
        named_backup_recovery: true,
        forks_keep_node_count: true,
        has_hobbyist: true,
        nodes_per_tier: [1, 3, 6],
        // The HTTPS interface (component `clickhouse_https` in the API's
        // user_config keys), the one aiven-local serves; the platform also
        // serves the native protocol and MySQL's.
        default_port: 8443,
        uri_scheme: "https",
        component: "clickhouse_https",
        ..kind("clickhouse", "ClickHouse - Columnar Database")
    },
    ServiceType {
        forks_keep_node_count: true,
        nodes_per_tier: [3, 6, 9],
        default_port: 9042,
        ..kind("cassandra", "Cassandra - Distributed NoSQL Database")
    },
    ServiceType {
        named_backup_recovery: true,
        has_hobbyist: true,
        nodes_per_tier: [1, 3, 6],
        fork_leaves_out_sso: true,
        // The REST API over TLS (Aiven's "Connect to OpenSearch with
        // curl": the service URI is an `https://` one).
        uri_scheme: "https",
        ..kind(
            "opensearch",
            "OpenSearch - Search & Analyze Data in Real Time",
        )
    },
    ServiceType {
        named_backup_recovery: true,
        has_hobbyist: true,
        ..kind("grafana", "Grafana - Metrics Dashboard")
    },
    ServiceType {
        // Prometheus's query and remote-write APIs, over TLS.
        uri_scheme: "https",
        ..kind(
            "thanos",
            "Thanos - Metrics (Prometheus-compatible long-term storage)",
        )
    },
];

impl ServiceType {
    /// Whether clients must use TLS with `config`: always, but where the
    /// type's [`ServiceType::tls_switch`] is false.
    pub fn requires_tls(&self, config: &serde_json::Map<String, serde_json::Value>) -> bool {
        self.tls_switch
            .and_then(|key| config.get(key))
            .and_then(serde_json::Value::as_bool)
            .unwrap_or(true)
    }

    /// The scheme of a `service_uri` with `config`: the type's, or its
    /// plain-text form where TLS is off (`valkeys` becomes `valkey`).
    pub fn scheme(&self, config: &serde_json::Map<String, serde_json::Value>) -> &'static str {
        if self.requires_tls(config) {
            self.uri_scheme
        } else {
            self.uri_scheme.strip_suffix('s').unwrap_or(self.uri_scheme)
        }
    }
}

/// Looks a type up by name; `redis` is accepted for `valkey`.
pub fn service_type(name: &str) -> Option<&'static ServiceType> {
    let name = if name == "redis" { "valkey" } else { name };
    SERVICE_TYPES.iter().find(|t| t.name == name)
}

/// The names of every type, for error messages.
pub fn service_type_names() -> String {
    SERVICE_TYPES
        .iter()
        .map(|t| t.name)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The names of types with point-in-time recovery, for error messages.
pub fn point_in_time_types() -> String {
    SERVICE_TYPES
        .iter()
        .filter(|t| t.point_in_time_recovery)
        .map(|t| t.name)
        .collect::<Vec<_>>()
        .join(", ")
}

/// A plan as aiven-local offers it: the figures the API's plan endpoints
/// report (`GET /v1/project/{project}/service-types/{type}/plans/{plan}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub name: String,
    pub node_count: i64,
    /// The disk the plan includes.
    pub disk_space_mb: i64,
    /// Extra disk goes in steps of this size, up to `disk_space_cap_mb`;
    /// `None` where the type has no dynamic disk sizing.
    pub disk_space_step_mb: Option<i64>,
    pub disk_space_cap_mb: Option<i64>,
    /// How many days of backups the plan keeps.
    pub backup_days: i64,
}

// Where each figure comes from (see docs/platform-facts.md):
// - tiers and their node counts: Aiven's high-availability pages per type
//   (PostgreSQL, MySQL, Valkey: startup 1 node, business 2, premium 3;
//   OpenSearch: 1, 3, 6; ClickHouse: one node or shards of three);
// - backup history per tier (2, 14, 30 days): the same pages;
// - `hobbyist` for pg, mysql, valkey, opensearch, grafana and clickhouse:
//   those pages and the official provider's examples; Grafana's
//   `startup-1`: Aiven's Grafana docs and the official examples;
// - a plan's disk (20 GiB per GB of memory, e.g. business-4 = 81920 MB):
//   Aiven's API reference example; other sizes follow the same ratio,
//   which we could not confirm per plan;
// - dynamic disk sizing: the types Aiven's "Scale disk storage" page
//   lists, in steps of 30 GiB (the official provider's docs), up to five
//   times the plan's disk (the same page).

const SIZES: [i64; 5] = [4, 8, 16, 32, 64];
const TIERS: [&str; 3] = ["startup", "business", "premium"];
/// Backup history in days for the startup, business and premium tiers.
const BACKUP_DAYS: [i64; 3] = [2, 14, 30];
const GIB: i64 = 1024;
const DISK_STEP_MB: i64 = 30 * GIB;
/// Types with dynamic disk sizing (`additional_disk_space`).
const DYNAMIC_DISK: [&str; 6] = [
    "pg",
    "mysql",
    "clickhouse",
    "grafana",
    "thanos",
    "opensearch",
];

impl ServiceType {
    fn plan_of(&self, name: String, node_count: i64, disk_space_mb: i64, backup_days: i64) -> Plan {
        let dynamic = DYNAMIC_DISK.contains(&self.name);
        Plan {
            name,
            node_count,
            disk_space_mb,
            disk_space_step_mb: dynamic.then_some(DISK_STEP_MB),
            disk_space_cap_mb: dynamic.then_some(disk_space_mb * 5),
            backup_days,
        }
    }
}

/// Every plan a type offers: `hobbyist` where the type has it, Grafana's
/// `startup-1`, then `startup-N`, `business-N` and `premium-N` for N in
/// 4, 8, 16, 32, 64 (GB of memory).
pub fn plans(service_type: &ServiceType) -> Vec<Plan> {
    let mut plans = Vec::new();
    if service_type.has_hobbyist {
        plans.push(service_type.plan_of("hobbyist".into(), 1, 8 * GIB, 2));
    }
    if service_type.name == "grafana" {
        plans.push(service_type.plan_of("startup-1".into(), 1, 5 * GIB, 2));
    }
    for ((tier, nodes), days) in TIERS
        .iter()
        .zip(service_type.nodes_per_tier)
        .zip(BACKUP_DAYS)
    {
        for size in SIZES {
            plans.push(service_type.plan_of(
                format!("{tier}-{size}"),
                nodes,
                size * 20 * GIB,
                days,
            ));
        }
    }
    plans
}

pub fn plan(service_type: &ServiceType, name: &str) -> Option<Plan> {
    plans(service_type)
        .into_iter()
        .find(|plan| plan.name == name)
}

/// An error naming the plans a type has, for an unknown plan.
pub fn unknown_plan_message(service_type: &ServiceType, name: &str) -> String {
    let names: Vec<String> = plans(service_type).into_iter().map(|p| p.name).collect();
    format!(
        "plan {name:?} does not exist for service type {}; available: {}",
        service_type.name,
        names.join(", ")
    )
}

/// The published cloud called `name`.
pub fn cloud(name: &str) -> Option<&'static crate::clouds::Cloud> {
    crate::clouds::CLOUDS.iter().find(|c| c.name == name)
}

/// A cloud the platform publishes, or why not, naming the published
/// clouds closest to it.
pub fn check_cloud(name: &str) -> Result<&'static crate::clouds::Cloud, String> {
    cloud(name).ok_or_else(|| {
        let offered = crate::clouds::CLOUDS.iter().map(|c| c.name);
        format!(
            "{name:?} is not available; {}",
            instead_of_cloud(name, offered)
        )
    })
}

/// The offered clouds closest to `name`, for an error that refuses it:
/// those of the same provider prefix, longest shared beginning first
/// (`google-europe-west7` suggests `google-europe-west1` and its
/// neighbours, not all 171), at most five.
pub fn nearest_clouds<'a>(name: &str, offered: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    let prefix = name.split('-').next().unwrap_or(name);
    let shared = |other: &str| {
        name.chars()
            .zip(other.chars())
            .take_while(|(a, b)| a == b)
            .count()
    };
    let mut near: Vec<&str> = offered
        .into_iter()
        .filter(|other| other.split('-').next() == Some(prefix))
        .collect();
    near.sort_by_key(|other| (std::cmp::Reverse(shared(other)), *other));
    near.truncate(5);
    near
}

/// What to try instead of an unoffered cloud, for the end of an error.
pub fn instead_of_cloud<'a>(name: &str, offered: impl IntoIterator<Item = &'a str>) -> String {
    let near = nearest_clouds(name, offered);
    match near.is_empty() {
        true => "`avn cloud list` (GET /v1/clouds) lists the offered clouds".to_owned(),
        false => format!("the closest offered: {}", near.join(", ")),
    }
}

/// A plan's disk figures, as the API's plan specifications give them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DiskRule {
    pub default_mb: i64,
    pub step_mb: Option<i64>,
    pub cap_mb: Option<i64>,
}

impl From<&Plan> for DiskRule {
    fn from(plan: &Plan) -> DiskRule {
        DiskRule {
            default_mb: plan.disk_space_mb,
            step_mb: plan.disk_space_step_mb,
            cap_mb: plan.disk_space_cap_mb,
        }
    }
}

/// Why a disk size does not fit a plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DiskError {
    NotConfigurable {
        default_mb: i64,
    },
    TooSmall {
        requested_mb: i64,
        default_mb: i64,
    },
    TooLarge {
        requested_mb: i64,
        cap_mb: i64,
    },
    OffStep {
        requested_mb: i64,
        default_mb: i64,
        step_mb: i64,
    },
}

impl std::fmt::Display for DiskError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            DiskError::NotConfigurable { default_mb } => write!(
                f,
                "this plan's disk cannot be changed (the service type has no dynamic disk sizing): it stays {}",
                gib(default_mb)
            ),
            DiskError::TooSmall {
                requested_mb,
                default_mb,
            } => write!(
                f,
                "{} is below the {} the plan includes",
                gib(requested_mb),
                gib(default_mb)
            ),
            DiskError::TooLarge {
                requested_mb,
                cap_mb,
            } => write!(
                f,
                "{} is above the plan's maximum of {}",
                gib(requested_mb),
                gib(cap_mb)
            ),
            DiskError::OffStep {
                requested_mb,
                default_mb,
                step_mb,
            } => write!(
                f,
                "{} is not the plan's {} plus a multiple of {}",
                gib(requested_mb),
                gib(default_mb),
                gib(step_mb)
            ),
        }
    }
}

impl std::error::Error for DiskError {}

fn gib(mb: i64) -> String {
    if mb % GIB == 0 {
        format!("{}GiB", mb / GIB)
    } else {
        format!("{mb} MB")
    }
}

impl DiskRule {
    /// Checks a total disk size against the plan, as the API and the
    /// official provider do: at least the plan's disk, at most its cap,
    /// in whole steps above the plan's disk.
    pub fn check(&self, requested_mb: i64) -> Result<(), DiskError> {
        let default_mb = self.default_mb;
        if requested_mb == default_mb {
            return Ok(());
        }
        let (Some(step_mb), Some(cap_mb)) = (
            self.step_mb.filter(|s| *s > 0),
            self.cap_mb.filter(|c| *c > 0),
        ) else {
            return Err(DiskError::NotConfigurable { default_mb });
        };
        if requested_mb < default_mb {
            return Err(DiskError::TooSmall {
                requested_mb,
                default_mb,
            });
        }
        if requested_mb > cap_mb {
            return Err(DiskError::TooLarge {
                requested_mb,
                cap_mb,
            });
        }
        if (requested_mb - default_mb) % step_mb != 0 {
            return Err(DiskError::OffStep {
                requested_mb,
                default_mb,
                step_mb,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_published_cloud_is_offered_and_a_near_miss_names_its_neighbours() {
        for name in [
            "google-europe-west1",
            "avn-ovh-de1",
            "ap-melbourne-1",
            "do-fra",
        ] {
            assert!(cloud(name).is_some(), "{name}");
        }
        assert!(cloud("local-laptop").is_none());
        let names = crate::clouds::CLOUDS.iter().map(|c| c.name);
        let near = nearest_clouds("google-europe-west7", names.clone());
        assert_eq!(near.len(), 5, "{near:?}");
        assert!(
            near.iter().all(|n| n.starts_with("google-europe-west")),
            "{near:?}"
        );
        let message = instead_of_cloud("mars-1", names);
        assert!(message.contains("avn cloud list"), "{message}");
    }

    #[test]
    fn node_counts_grow_by_tier_for_clickhouse_and_cassandra() {
        for name in ["clickhouse", "cassandra"] {
            let t = service_type(name).unwrap();
            let startup = plan(t, "startup-8").unwrap().node_count;
            let business = plan(t, "business-8").unwrap().node_count;
            let premium = plan(t, "premium-8").unwrap().node_count;
            assert!(startup < business && business < premium, "{name}");
        }
    }

    #[test]
    fn the_plans_official_configurations_use_exist() {
        for (t, p) in [
            ("grafana", "startup-1"),
            ("opensearch", "hobbyist"),
            ("clickhouse", "startup-16"),
            ("thanos", "startup-8"),
            ("pg", "business-8"),
        ] {
            assert!(plan(service_type(t).unwrap(), p).is_some(), "{t} {p}");
        }
        let opensearch = service_type("opensearch").unwrap();
        assert_eq!(plan(opensearch, "business-4").unwrap().node_count, 3);
    }

    #[test]
    fn disk_sizes_fit_the_plan_in_whole_steps_up_to_its_cap() {
        let pg = plan(service_type("pg").unwrap(), "startup-4").unwrap();
        let rule = DiskRule::from(&pg);
        let gib = |n: i64| n * 1024;
        assert_eq!(rule.check(gib(80)), Ok(()));
        assert_eq!(rule.check(gib(110)), Ok(()));
        assert_eq!(rule.check(gib(380)), Ok(()));
        assert!(matches!(
            rule.check(gib(90)),
            Err(DiskError::OffStep { .. })
        ));
        assert!(matches!(
            rule.check(gib(70)),
            Err(DiskError::TooSmall { .. })
        ));
        assert!(matches!(
            rule.check(gib(410)),
            Err(DiskError::TooLarge { .. })
        ));
        let valkey = plan(service_type("valkey").unwrap(), "startup-4").unwrap();
        assert!(matches!(
            DiskRule::from(&valkey).check(gib(110)),
            Err(DiskError::NotConfigurable { .. })
        ));
        assert_eq!(
            rule.check(gib(90)).unwrap_err().to_string(),
            "90GiB is not the plan's 80GiB plus a multiple of 30GiB"
        );
    }

    #[test]
    fn redis_is_an_alias_and_unknown_plans_list_the_real_ones() {
        assert_eq!(service_type("redis").unwrap().name, "valkey");
        let pg = service_type("pg").unwrap();
        assert!(plan(pg, "hobbyist").is_some());
        assert!(unknown_plan_message(pg, "huge").contains("business-4"));
    }
}
