# Adopt an existing pool by PROJECT/SERVICE_NAME/POOL_NAME.
terraform import aiven_connection_pool.example my-project/my-pg/orders-pool
