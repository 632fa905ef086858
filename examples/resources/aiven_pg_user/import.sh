# Adopt an existing user by PROJECT/SERVICE_NAME/USERNAME.
terraform import aiven_pg_user.reader my-project/my-pg/reader
