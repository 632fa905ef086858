# Adopt an existing service by PROJECT/SERVICE_NAME.
terraform import aiven_thanos.example my-project/my-thanos
