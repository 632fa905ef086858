# Adopt an existing user by PROJECT/SERVICE_NAME/USERNAME.
terraform import aiven_valkey_user.example my-project/my-valkey/sessions
