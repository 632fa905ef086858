//! PostgreSQL's `user_config` keys: the service-level options and the
//! `pg` block of server settings, with the ranges the API accepts.

use super::{Field, Kind, create_only, create_only_secret, field};

const fn int(min: i64, max: i64) -> Kind {
    Kind::Integer { min, max }
}

const fn number(min: f64, max: f64) -> Kind {
    Kind::Number { min, max }
}

const ON_OFF: Kind = Kind::Enum(&["off", "on"]);

const SETTINGS: [Field; 46] = [
    field(
        "autovacuum_analyze_scale_factor",
        number(0.0, 1.0),
        "Fraction of a table's size added to autovacuum_analyze_threshold before an ANALYZE runs.",
    ),
    field(
        "autovacuum_analyze_threshold",
        int(0, 2_147_483_647),
        "Changed rows in a table before an ANALYZE runs.",
    ),
    field(
        "autovacuum_freeze_max_age",
        int(200_000_000, 1_500_000_000),
        "Transaction age that forces a VACUUM against wraparound. Restarts the server.",
    ),
    field(
        "autovacuum_max_workers",
        int(1, 20),
        "Autovacuum processes running at once. Restarts the server.",
    ),
    field(
        "autovacuum_naptime",
        int(1, 86_400),
        "Seconds between autovacuum runs on a database.",
    ),
    field(
        "autovacuum_vacuum_cost_delay",
        int(-1, 100),
        "Cost delay (ms) of automatic VACUUM; -1 uses vacuum_cost_delay.",
    ),
    field(
        "autovacuum_vacuum_cost_limit",
        int(-1, 10_000),
        "Cost limit of automatic VACUUM; -1 uses vacuum_cost_limit.",
    ),
    field(
        "autovacuum_vacuum_scale_factor",
        number(0.0, 1.0),
        "Fraction of a table's size added to autovacuum_vacuum_threshold before a VACUUM runs.",
    ),
    field(
        "autovacuum_vacuum_threshold",
        int(0, 2_147_483_647),
        "Updated or deleted rows in a table before a VACUUM runs.",
    ),
    field(
        "bgwriter_delay",
        int(10, 10_000),
        "Milliseconds between background writer rounds.",
    ),
    field(
        "bgwriter_flush_after",
        int(0, 2048),
        "Kilobytes the background writer writes before forcing them to storage; 0 disables.",
    ),
    field(
        "bgwriter_lru_maxpages",
        int(0, 1_073_741_823),
        "Most buffers the background writer writes per round; 0 disables it.",
    ),
    field(
        "bgwriter_lru_multiplier",
        number(0.0, 10.0),
        "Multiplier on recent buffer demand that sets how many the background writer cleans.",
    ),
    field(
        "deadlock_timeout",
        int(500, 1_800_000),
        "Milliseconds to wait on a lock before checking for a deadlock.",
    ),
    field(
        "default_toast_compression",
        Kind::Enum(&["lz4", "pglz"]),
        "Compression for TOASTed values.",
    ),
    field(
        "idle_in_transaction_session_timeout",
        int(0, 604_800_000),
        "Milliseconds before a session idle in a transaction is ended; 0 disables.",
    ),
    field(
        "jit",
        Kind::Boolean,
        "Allow just-in-time compilation of queries.",
    ),
    field(
        "log_autovacuum_min_duration",
        int(-1, 2_147_483_647),
        "Log autovacuum actions taking at least this many milliseconds; -1 disables.",
    ),
    field(
        "log_error_verbosity",
        Kind::Enum(&["TERSE", "DEFAULT", "VERBOSE"]),
        "Detail written to the server log for each message.",
    ),
    field(
        "log_min_duration_statement",
        int(-1, 86_400_000),
        "Log statements taking longer than this many milliseconds; -1 disables.",
    ),
    field(
        "log_temp_files",
        int(-1, 2_147_483_647),
        "Log temporary files larger than this many kilobytes; -1 disables.",
    ),
    field(
        "max_connections",
        int(25, 10_000),
        "Maximum concurrent connections. Restarts the server.",
    ),
    field(
        "max_files_per_process",
        int(1000, 4096),
        "Open files per server process. Restarts the server.",
    ),
    field(
        "max_locks_per_transaction",
        int(64, 6400),
        "Locks per transaction. Restarts the server.",
    ),
    field(
        "max_logical_replication_workers",
        int(4, 64),
        "Logical replication workers. Restarts the server.",
    ),
    field(
        "max_parallel_workers",
        int(0, 96),
        "Workers available to parallel queries.",
    ),
    field(
        "max_parallel_workers_per_gather",
        int(0, 96),
        "Workers one Gather node may start.",
    ),
    field(
        "max_pred_locks_per_transaction",
        int(64, 5120),
        "Predicate locks per transaction. Restarts the server.",
    ),
    field(
        "max_prepared_transactions",
        int(0, 10_000),
        "Transactions in the prepared state at once. Restarts the server.",
    ),
    field(
        "max_replication_slots",
        int(8, 64),
        "Replication slots. Restarts the server.",
    ),
    field(
        "max_slot_wal_keep_size",
        int(-1, 2_147_483_647),
        "Megabytes of WAL replication slots may hold back; -1 is unlimited.",
    ),
    field(
        "max_stack_depth",
        int(2_097_152, 6_291_456),
        "Stack depth in bytes.",
    ),
    field(
        "max_standby_archive_delay",
        int(1, 43_200_000),
        "Milliseconds a standby delays queries that conflict with archived WAL.",
    ),
    field(
        "max_standby_streaming_delay",
        int(1, 43_200_000),
        "Milliseconds a standby delays queries that conflict with streamed WAL.",
    ),
    field(
        "max_wal_senders",
        int(20, 64),
        "WAL sender processes. Restarts the server.",
    ),
    field(
        "max_worker_processes",
        int(8, 96),
        "Background worker processes. Restarts the server.",
    ),
    field(
        "password_encryption",
        Kind::Enum(&["md5", "scram-sha-256"]),
        "How new passwords are hashed.",
    ),
    field(
        "temp_file_limit",
        int(-1, 2_147_483_647),
        "Kilobytes of temporary files one process may use; -1 is unlimited.",
    ),
    field(
        "timezone",
        Kind::Token {
            min: 0,
            max: 64,
            also: "_/",
        },
        "Time zone for displaying and interpreting time stamps.",
    ),
    field(
        "track_activity_query_size",
        int(1024, 10_240),
        "Bytes kept of each session's current statement. Restarts the server.",
    ),
    field(
        "track_commit_timestamp",
        ON_OFF,
        "Record when each transaction committed. Restarts the server.",
    ),
    field(
        "track_functions",
        Kind::Enum(&["all", "pl", "none"]),
        "Which function calls are counted and timed.",
    ),
    field(
        "track_io_timing",
        ON_OFF,
        "Time database I/O calls (costs a clock read per call).",
    ),
    field(
        "wal_sender_timeout",
        int(0, 10_800_000),
        "Milliseconds before an inactive replication connection is ended; 0 disables.",
    ),
    field(
        "wal_writer_delay",
        int(10, 200),
        "Milliseconds between WAL flushes.",
    ),
    field(
        "work_mem",
        int(1, 1024),
        "Memory (MB) for each sort or hash operation.",
    ),
];

const ACCESS: [Field; 3] = [
    field("pg", Kind::Boolean, "PostgreSQL itself."),
    field(
        "pgbouncer",
        Kind::Boolean,
        "The PgBouncer connection pooler.",
    ),
    field("prometheus", Kind::Boolean, "Prometheus metrics."),
];

const PGBOUNCER: [Field; 9] = [
    field(
        "autodb_idle_timeout",
        int(0, 86_400),
        "Seconds before an unused automatic pool is freed; 0 disables.",
    ),
    field(
        "autodb_max_db_connections",
        int(0, 2_147_483_647),
        "Server connections per database; 0 is unlimited.",
    ),
    field(
        "autodb_pool_mode",
        Kind::Enum(&["session", "transaction", "statement"]),
        "Pool mode of automatic pools.",
    ),
    field(
        "autodb_pool_size",
        int(0, 10_000),
        "Size of the pool created per user when none exists; 0 creates none.",
    ),
    field(
        "ignore_startup_parameters",
        Kind::StringList,
        "Startup parameters to ignore, such as extra_float_digits or search_path.",
    ),
    field(
        "min_pool_size",
        int(0, 10_000),
        "Server connections kept open in a pool even when idle.",
    ),
    field(
        "server_idle_timeout",
        int(0, 86_400),
        "Seconds before an idle server connection is closed; 0 disables.",
    ),
    field(
        "server_lifetime",
        int(60, 86_400),
        "Seconds after which an unused server connection is closed.",
    ),
    field(
        "server_reset_query_always",
        Kind::Boolean,
        "Run DISCARD ALL in every pool mode, not only in session mode.",
    ),
];

const PGLOOKOUT: [Field; 1] = [field(
    "max_failover_replication_time_lag",
    int(10, 9_223_372_036_854_775_807),
    "Seconds the primary may be unavailable before failing over to a standby.",
)];

const TIMESCALEDB: [Field; 1] = [field(
    "max_background_workers",
    int(1, 4096),
    "Background workers for TimescaleDB.",
)];

pub(super) const PG: [Field; 18] = [
    create_only(
        "admin_username",
        Kind::RoleName,
        "Name of the admin user instead of `avnadmin`. Only used when the service is created.",
    ),
    create_only_secret(
        "admin_password",
        Kind::Token {
            min: 8,
            max: 256,
            also: "_-",
        },
        "Password of the admin user instead of a generated one. Only used when the service is created.",
    ),
    field(
        "pg_version",
        Kind::Enum(&["13", "14", "15", "16", "17"]),
        "PostgreSQL major version.",
    ),
    field("pg", Kind::Object(&SETTINGS), "PostgreSQL server settings."),
    field(
        "public_access",
        Kind::Object(&ACCESS),
        "Ports reachable from the public internet.",
    ),
    field(
        "private_access",
        Kind::Object(&ACCESS),
        "Ports reachable through DNS names that resolve to private addresses.",
    ),
    field(
        "privatelink_access",
        Kind::Object(&ACCESS),
        "Ports reachable through Privatelink.",
    ),
    field(
        "pgbouncer",
        Kind::Object(&PGBOUNCER),
        "PgBouncer connection pooling.",
    ),
    field(
        "pglookout",
        Kind::Object(&PGLOOKOUT),
        "Failover monitoring.",
    ),
    field(
        "timescaledb",
        Kind::Object(&TIMESCALEDB),
        "The TimescaleDB extension.",
    ),
    field(
        "shared_buffers_percentage",
        number(20.0, 60.0),
        "Share of memory (percent) for shared buffers.",
    ),
    field(
        "work_mem",
        int(1, 1024),
        "Memory (MB) for each sort or hash operation; overrides the default share of memory.",
    ),
    field(
        "static_ips",
        Kind::Boolean,
        "Use the static IP addresses associated with the service.",
    ),
    field(
        "enable_ipv6",
        Kind::Boolean,
        "Publish AAAA records and accept IPv6 traffic.",
    ),
    field(
        "pg_stat_monitor_enable",
        Kind::Boolean,
        "Enable the pg_stat_monitor extension. Restarts the server.",
    ),
    field(
        "synchronous_replication",
        Kind::Enum(&["quorum", "off"]),
        "Synchronous replication to standbys; the plan must have standbys.",
    ),
    field(
        "variant",
        Kind::Enum(&["aiven", "timescale"]),
        "Service variant: which extensions are offered by default.",
    ),
    field(
        "pg_read_replica",
        Kind::Boolean,
        "Deprecated: use a read replica integration.",
    ),
];
