#!/usr/bin/env python3
"""Writes crates/aiven-api/user-config/<type>.json: every user_config key of
each service type, one tree per type, merging two sets of facts:

- the API's JSON Schema for the type (bounds, enums, patterns, lengths,
  create-only flags, defaults): ../shared/reference/api-user-config.json;
- the official Terraform provider's shape for it (block or attribute,
  list or set, the attribute names it uses for dotted or hyphenated keys,
  sensitive and deprecated flags): ../shared/reference/official-tf-user-config.json.

Descriptions are ours: per key in scripts/user-config-descriptions.json,
else written below, else composed from the key and its parent; none is
taken from either source.

Usage: scripts/import-user-config.py [REFERENCE_DIR]
"""
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
REFERENCE = sys.argv[1] if len(sys.argv) > 1 else os.path.join(REPO, "..", "shared", "reference")
OUT = os.path.join(REPO, "crates", "aiven-api", "user-config")

ENGINE = {
    "pg": "PostgreSQL", "mysql": "MySQL", "opensearch": "OpenSearch", "pgbouncer": "PgBouncer",
    "pglookout": "pglookout", "timescaledb": "TimescaleDB", "pgaudit": "pgaudit",
    "pg_qualstats": "pg_qualstats", "server_settings": "the ClickHouse server",
    "opensearch_dashboards": "OpenSearch Dashboards", "compactor": "the Thanos compactor",
    "query": "Thanos Query", "query_frontend": "the Thanos query frontend",
    "mysql_incremental_backup": "MySQL incremental backups",
}

# Our sentence for each top-level key, and for groups a key belongs to.
TOP = {
    "additional_backup_regions": "Extra cloud regions that receive copies of the backups.",
    "admin_password": "Password for the admin user; a random one is made when unset. Only used at creation.",
    "admin_username": "Name of the admin user, instead of the default. Only used at creation.",
    "alerting_enabled": "Turns Grafana's legacy alerting on.",
    "alerting_error_or_timeout": "State a legacy alert rule takes on an error or a timeout.",
    "alerting_max_annotations_to_keep": "How many legacy alert annotations Grafana keeps; 0 keeps all.",
    "alerting_nodata_or_nullvalues": "State a legacy alert rule takes when its query returns no data.",
    "allow_embedding": "Lets other sites show Grafana dashboards in frames.",
    "auth_azuread": "Sign-in to Grafana with Azure AD.",
    "auth_basic_enabled": "Lets users sign in to Grafana with a user name and password.",
    "auth_generic_oauth": "Sign-in to Grafana with any OAuth provider.",
    "auth_github": "Sign-in to Grafana with GitHub.",
    "auth_gitlab": "Sign-in to Grafana with GitLab.",
    "auth_google": "Sign-in to Grafana with Google.",
    "azure_migration": "Migration of OpenSearch snapshots from Azure storage.",
    "backup_hour": "Hour of the day (UTC) when the daily backup starts.",
    "backup_interval_hours": "Hours between two backups.",
    "backup_minute": "Minute of the hour when the daily backup starts.",
    "backup_retention_days": "Days a backup is kept.",
    "binlog_retention_period": "Seconds the MySQL binary log is kept, for replication and recovery.",
    "clickhouse_version": "ClickHouse version to run.",
    "compactor": "Settings of the Thanos compactor.",
    "cookie_samesite": "SameSite attribute of Grafana's session cookie.",
    "custom_domain": "A domain name of your own for Grafana's address.",
    "dashboard_previews_enabled": "Turns dashboard preview images on.",
    "dashboard_scenes_enabled": "Turns the Scenes dashboard engine on.",
    "dashboards_min_refresh_interval": "Shortest refresh interval a dashboard may use, such as 5s.",
    "dashboards_versions_to_keep": "How many versions of each dashboard Grafana keeps.",
    "dataproxy_send_user_header": "Sends the signed-in user's name to data sources in a header.",
    "dataproxy_timeout": "Seconds Grafana waits for a data source.",
    "date_formats": "How Grafana writes dates and times.",
    "disable_gravatar": "Stops Grafana from showing Gravatar pictures.",
    "disable_replication_factor_adjustment": "Keeps the replication factor of indexes as written, even where nodes are fewer.",
    "editors_can_admin": "Lets editors manage teams and folders.",
    "enable_ha_replica_dns": "Publishes a DNS name for the service's standby nodes.",
    "enable_ipv6": "Publishes IPv6 addresses and accepts IPv6 traffic.",
    "env": "Environment variables for Thanos components.",
    "external_image_storage": "Where Grafana stores images it renders for alerts.",
    "frequent_snapshots": "Takes OpenSearch snapshots more often than daily.",
    "gcs_migration": "Migration of OpenSearch snapshots from Google Cloud Storage.",
    "google_analytics_ua_id": "Google Analytics ID for Grafana's pages.",
    "grafana_version": "Grafana version to run.",
    "index_patterns": "Limits on how many indexes matching a pattern are kept.",
    "index_rollup": "Settings of OpenSearch index rollups.",
    "index_template": "Defaults for new OpenSearch indexes.",
    "ip_filter": "CIDR ranges allowed to connect, as strings.",
    "ip_filter_object": "CIDR ranges allowed to connect, each with a description.",
    "ip_filter_string": "CIDR ranges allowed to connect, as strings.",
    "jwt": "Sign-in to Grafana with JSON Web Tokens.",
    "keep_index_refresh_interval": "Keeps each index's own refresh interval instead of the service's.",
    "max_index_count": "Most indexes the service keeps; the oldest go first.",
    "metrics_enabled": "Turns Grafana's own metrics endpoint on.",
    "migration": "Copies data in from another server of the same kind when the service is created.",
    "mysql": "MySQL server settings.",
    "mysql_incremental_backup": "Incremental backups between full MySQL backups.",
    "mysql_version": "MySQL major version to run.",
    "node_count": "Number of nodes, where the plan allows a choice.",
    "oauth_allow_insecure_email_lookup": "Lets Grafana match OAuth users by e-mail address.",
    "object_storage_usage_alert_threshold_gb": "Object storage use, in GB, above which an alert is sent.",
    "openid": "OpenID Connect sign-in to OpenSearch.",
    "opensearch": "OpenSearch cluster and node settings.",
    "opensearch_dashboards": "Settings of OpenSearch Dashboards.",
    "opensearch_version": "OpenSearch major version to run.",
    "pg": "PostgreSQL server settings (postgresql.conf).",
    "pg_qualstats": "Settings of the pg_qualstats extension.",
    "pg_read_replica": "Makes the service a read replica; a service integration now does this.",
    "pg_service_to_fork_from": "Service to fork from; replaced by service_to_fork_from. Only used at creation.",
    "pg_stat_monitor_enable": "Turns the pg_stat_monitor extension on, which restarts the server.",
    "pg_version": "PostgreSQL major version to run.",
    "pgaudit": "Settings of the pgaudit extension.",
    "pgbouncer": "Settings of the PgBouncer connection pooler.",
    "pglookout": "Settings of pglookout, which fails over to a standby.",
    "private_access": "Components reachable from private networks.",
    "privatelink_access": "Components reachable through a private link.",
    "project_to_fork_from": "Project of the service to fork from, when it is not this one's.",
    "public_access": "Components reachable from the public internet.",
    "query": "Settings of Thanos Query.",
    "query_frontend": "Settings of the Thanos query frontend.",
    "receiver_ingesting": "Settings of the Thanos receivers that ingest data.",
    "receiver_routing": "Settings of the Thanos receivers that route data.",
    "recovery_basebackup_name": "Name of the source's backup to fork from instead of the latest one.",
    "recovery_target_time": "Point in time to restore the fork to, inside the source's recovery window.",
    "ruler": "Settings of the Thanos ruler.",
    "s3_migration": "Migration of OpenSearch snapshots from Amazon S3.",
    "saml": "SAML sign-in to OpenSearch.",
    "server_settings": "ClickHouse server settings.",
    "service_log": "Sends the service's logs to its log integration.",
    "service_to_fork_from": "Service to fork from: the new one starts as a full, independent copy of its backups.",
    "session_settings": "Default settings of ClickHouse sessions.",
    "shared_buffers_percentage": "Share of memory, in percent, given to PostgreSQL's shared buffers.",
    "smtp_server": "Mail server Grafana sends e-mail through.",
    "static_ips": "Gives the service static public IP addresses.",
    "store": "Settings of the Thanos store gateway.",
    "switchover_windows": "Times when a switchover to a standby may happen.",
    "synchronous_replication": "Whether commits wait for a standby.",
    "tiered_storage_move_factor": "How eagerly ClickHouse moves data to object storage.",
    "timescaledb": "Settings of the TimescaleDB extension.",
    "unified_alerting_enabled": "Turns Grafana's unified alerting on.",
    "user_auto_assign_org": "Adds new users to the main organization.",
    "user_auto_assign_org_role": "Role new users get in the main organization.",
    "valkey_acl_channels_default": "Whether new users may use every Pub/Sub channel.",
    "valkey_active_expire_effort": "Effort Valkey spends removing expired keys.",
    "valkey_activedefrag": "Turns active defragmentation on.",
    "valkey_io_threads": "Threads Valkey uses for network input and output.",
    "valkey_lfu_decay_time": "Minutes after which an LFU counter halves.",
    "valkey_lfu_log_factor": "How slowly the LFU counter grows.",
    "valkey_maxmemory_policy": "What Valkey evicts when memory is full.",
    "valkey_notify_keyspace_events": "Which keyspace events Valkey publishes.",
    "valkey_number_of_databases": "Number of logical databases.",
    "valkey_persistence": "How Valkey persists data: off, or RDB snapshots.",
    "valkey_pubsub_client_output_buffer_limit": "Output buffer limit, in MB, of a Pub/Sub client.",
    "valkey_ssl": "Requires TLS for connections.",
    "valkey_timeout": "Seconds after which an idle client is disconnected.",
    "valkey_version": "Valkey version to run.",
    "variant": "Variant of the service, which decides which features it offers.",
    "viewers_can_edit": "Lets viewers change dashboards without saving them.",
    "wal": "Settings of the MySQL write-ahead log.",
    "work_mem": "Memory, in MB, a query operation may use before writing to temporary files.",
}

ACCESS = {"public_access": "from the public internet", "private_access": "from private networks",
          "privatelink_access": "through a private link"}


def words(name):
    return name.replace("__dot__", ".").replace("_", " ").replace("-", " ")


OWN = json.load(open(os.path.join(HERE, "user-config-descriptions.json")))


def describe(path, kind, service_type):
    """One sentence in our words for the key at `path` (TF names)."""
    own = OWN.get(service_type, {}).get(".".join(path))
    if own:
        return own
    if len(path) == 1 and path[0] in TOP:
        return TOP[path[0]]
    parent, key = path[-2] if len(path) > 1 else None, path[-1]
    if parent in ACCESS:
        return f"Allows access to {key} {ACCESS[parent]}."
    if parent in ENGINE:
        return f"The `{key.replace('__dot__', '.')}` setting of {ENGINE[parent]}."
    if kind in ("object", "object_list"):
        return f"Settings for {words(key)}."
    if kind == "boolean":
        feature = re.sub(r"^(enable|enabled) | (enable|enabled)$", "", words(key))
        return f"Turns {feature} on or off."
    where = (OWN.get(service_type, {}).get(path[0]) or TOP.get(path[0], "")).rstrip(".")
    if where and len(path) == 2:
        acronym = len(where) > 1 and where[1].isupper()
        noun = where if acronym else where[0].lower() + where[1:]
        label = words(key)
        return f"{label[0].upper()}{label[1:]} for {noun}."
    return f"The {words(key)}."


def canonical(name):
    return re.sub(r"(__dot__|[.\-])", "_", name.replace("[]", "")).lower()


def kind_of(api, tf):
    t = tf.get("tf_type")
    elem = tf.get("elem")
    if t == "TypeMap":
        return "map"
    if t in ("TypeList", "TypeSet") and elem == "block":
        return "object" if tf.get("max_items") == 1 else "object_list"
    if t in ("TypeList", "TypeSet"):
        return "int_list" if elem == "TypeInt" else "string_list"
    if api.get("enum") or tf.get("enum"):
        return "enum"
    return {"TypeString": "string", "TypeInt": "integer", "TypeFloat": "number", "TypeBool": "boolean"}[t]


def number(text):
    if text is None:
        return None
    value = float(text)
    return int(value) if value == int(value) and "." not in str(text) else value


def field(path, api, tf, service_type):
    kind = kind_of(api, tf)
    out = {"name": path[-1], "kind": kind, "description": describe(path, kind, service_type)}
    if api.get("create_only") or tf.get("force_new"):
        out["create_only"] = True
    if tf.get("sensitive"):
        out["sensitive"] = True
    if tf.get("deprecated") or api.get("deprecated"):
        out["deprecated"] = True
    if tf.get("tf_type") in ("TypeList", "TypeSet"):
        out["nesting"] = "set" if tf["tf_type"] == "TypeSet" else "list"
        if tf.get("max_items"):
            out["max_items"] = tf["max_items"]
    for key in ("minimum", "maximum"):
        if key in api:
            out[key[:3]] = number(api[key])
    for key in ("min_length", "max_length", "pattern", "default"):
        if key in api:
            out[key] = api[key]
    if kind == "enum":
        listed = api.get("enum") or tf.get("enum")
        if None in listed:
            out["nullable"] = True
        values = [v for v in listed if v is not None]
        out["values"] = [str(v) for v in values]
        if api.get("type") == "integer":
            out["integer"] = True
    items = {k[len("items_"):]: v for k, v in api.items() if k.startswith("items_") and k != "items_type"}
    if items and kind in ("string_list", "int_list"):
        out["items"] = items
    return out


def build(service_type, api_keys, tf_keys):
    """The tree of fields, in the official provider's names and shapes,
    each with the API's name and constraints."""
    api_by_canon = {}
    for key, facts in api_keys.items():
        api_by_canon[canonical(key)] = (key.replace("[]", ""), facts)
    roots = []
    nodes = {}
    api_paths = {}
    for tf_path in sorted(tf_keys):
        tf = tf_keys[tf_path]
        parts = tf_path.split(".")
        parent = ".".join(parts[:-1])
        parent_api = api_paths.get(parent)
        api_path, api = api_by_canon.get(canonical(tf_path), (None, {}))
        if api_path is None:
            own = parts[-1].replace("__dot__", ".")
            api_path = f"{parent_api}.{own}" if parent_api else own
        api_paths[tf_path] = api_path
        node = field(parts, api, tf, service_type)
        # The key inside its parent object: a dotted key keeps its dots.
        node["api_name"] = api_path[len(parent_api) + 1:] if parent_api else api_path
        if node["kind"] in ("object", "object_list"):
            node["fields"] = []
        (nodes[parent]["fields"] if parent else roots).append(node)
        nodes[tf_path] = node
    add_api_only(service_type, api_keys, roots, nodes, api_paths)
    return roots


def add_api_only(service_type, api_keys, roots, nodes, api_paths):
    """Keys the API publishes that the official provider has no attribute
    for: aiven-local and plan-time validation know them (they may come in
    through `extra_json` or the API directly); the Terraform schema does
    not."""
    by_api = {path: tf for tf, path in api_paths.items()}
    for key in sorted(api_keys):
        path = key.replace("[]", "")
        if path in by_api or key.startswith("ip_filter"):
            continue
        parent_api = max((p for p in by_api if path.startswith(p + ".")), key=len, default=None)
        own = path[len(parent_api) + 1:] if parent_api else path
        parent_tf = by_api.get(parent_api)
        parts = (parent_tf.split(".") if parent_tf else []) + [canonical(own)]
        facts = api_keys[key]
        tf = {"tf_type": {"string": "TypeString", "integer": "TypeInt", "number": "TypeFloat",
                          "boolean": "TypeBool", "object": "TypeList"}.get(facts.get("type"), "TypeList")}
        if facts.get("type") == "object":
            tf.update(elem="block", max_items=1)
        elif facts.get("type") == "array":
            tf["elem"] = "block" if facts.get("items_type") == "object" else "TypeString"
        node = field(parts, facts, tf, service_type)
        node["api_name"] = own
        node["api_only"] = True
        if node["kind"] in ("object", "object_list"):
            node["fields"] = []
        (nodes[parent_tf]["fields"] if parent_tf else roots).append(node)
        tf_path = ".".join(parts)
        nodes[tf_path] = node
        by_api[path] = tf_path


def main():
    api = json.load(open(os.path.join(REFERENCE, "api-user-config.json")))["types"]
    official = json.load(open(os.path.join(REFERENCE, "official-tf-user-config.json")))["types"]
    os.makedirs(OUT, exist_ok=True)
    for service_type in sorted(official):
        tree = {
            "about": "Generated by scripts/import-user-config.py from the API's user_config "
                     "schema and the official provider's shapes; descriptions are ours.",
            "service_type": service_type,
            "fields": build(service_type, api[service_type], official[service_type]),
        }
        with open(os.path.join(OUT, f"{service_type}.json"), "w") as out:
            json.dump(tree, out, indent=1, sort_keys=False)
            out.write("\n")
        print(service_type, sum(1 for _ in official[service_type]), "keys")


main()
