# Adopt an existing service by PROJECT/SERVICE_NAME.
terraform import aiven_opensearch.example my-project/my-opensearch
