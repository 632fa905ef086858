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
}

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
    }
}

/// The eight types of the product page, in its order.
pub const SERVICE_TYPES: [ServiceType; 8] = [
    ServiceType {
        point_in_time_recovery: true,
        has_hobbyist: true,
        default_port: 5432,
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
        ..kind("mysql", "MySQL - Relational Database Management System")
    },
    ServiceType {
        named_backup_recovery: true,
        has_hobbyist: true,
        default_port: 6379,
        ..kind("valkey", "Valkey - In-Memory Data Store (Caching)")
    },
    ServiceType {
        named_backup_recovery: true,
        forks_keep_node_count: true,
        nodes_per_tier: [1, 3, 6],
        default_port: 9440,
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
        ..kind(
            "thanos",
            "Thanos - Metrics (Prometheus-compatible long-term storage)",
        )
    },
];

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

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub name: String,
    pub node_count: i64,
    pub disk_space_mb: i64,
}

const SIZES: [i64; 5] = [4, 8, 16, 32, 64];
const TIERS: [&str; 3] = ["startup", "business", "premium"];

/// Every plan a type offers: `hobbyist` where the type has it, then
/// `startup-N`, `business-N` and `premium-N` for N in 4, 8, 16, 32, 64 (GB
/// of memory; disk is 20 GB per GB of memory).
pub fn plans(service_type: &ServiceType) -> Vec<Plan> {
    let mut plans = Vec::new();
    if service_type.has_hobbyist {
        plans.push(Plan {
            name: "hobbyist".into(),
            node_count: 1,
            disk_space_mb: 8 * 1024,
        });
    }
    for (tier, nodes) in TIERS.iter().zip(service_type.nodes_per_tier) {
        for size in SIZES {
            plans.push(Plan {
                name: format!("{tier}-{size}"),
                node_count: nodes,
                disk_space_mb: size * 20 * 1024,
            });
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

#[cfg(test)]
mod tests {
    use super::*;

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
    fn redis_is_an_alias_and_unknown_plans_list_the_real_ones() {
        assert_eq!(service_type("redis").unwrap().name, "valkey");
        let pg = service_type("pg").unwrap();
        assert!(plan(pg, "hobbyist").is_some());
        assert!(unknown_plan_message(pg, "huge").contains("business-4"));
    }
}
