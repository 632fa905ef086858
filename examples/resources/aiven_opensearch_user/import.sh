# Adopt an existing user by PROJECT/SERVICE_NAME/USERNAME.
terraform import aiven_opensearch_user.example my-project/my-opensearch/indexer
