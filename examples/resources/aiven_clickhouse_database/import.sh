# Adopt an existing database (a fork's copy, say) by PROJECT/SERVICE_NAME/NAME.
terraform import aiven_clickhouse_database.example my-project/my-clickhouse/events
