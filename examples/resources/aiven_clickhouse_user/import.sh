# Adopt an existing user (a fork's copy, say) by PROJECT/SERVICE_NAME/UUID;
# the UUID is in GET /v1/project/PROJECT/service/SERVICE_NAME/clickhouse/user.
terraform import aiven_clickhouse_user.example my-project/my-clickhouse/6a8861d3-585e-ce78-772f-e0ef120b9b49
