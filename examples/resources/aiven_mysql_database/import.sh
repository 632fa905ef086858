# Adopt an existing database by PROJECT/SERVICE_NAME/DATABASE_NAME.
terraform import aiven_mysql_database.example my-project/my-mysql/orders
