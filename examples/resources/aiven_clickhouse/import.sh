# Adopt an existing service by PROJECT/SERVICE_NAME.
terraform import aiven_clickhouse.example my-project/my-clickhouse
