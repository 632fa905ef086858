# Adopt an existing service by PROJECT/SERVICE_NAME.
terraform import aiven_service.example my-project/my-service
