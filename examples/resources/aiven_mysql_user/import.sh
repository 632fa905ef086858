# Adopt an existing user by PROJECT/SERVICE_NAME/USERNAME.
terraform import aiven_mysql_user.example my-project/my-mysql/app
