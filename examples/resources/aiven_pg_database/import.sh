# Adopt an existing database by PROJECT/SERVICE_NAME/DATABASE_NAME.
terraform import aiven_pg_database.example my-project/my-pg/orders
