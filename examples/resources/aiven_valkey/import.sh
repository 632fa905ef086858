# Adopt an existing service by PROJECT/SERVICE_NAME.
terraform import aiven_valkey.example my-project/my-valkey
