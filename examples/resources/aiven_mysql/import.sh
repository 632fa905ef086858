# Adopt an existing service by PROJECT/SERVICE_NAME.
terraform import aiven_mysql.example my-project/my-mysql
