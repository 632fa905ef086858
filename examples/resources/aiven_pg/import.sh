# Adopt an existing service by PROJECT/SERVICE_NAME.
terraform import aiven_pg.example my-project/my-pg
