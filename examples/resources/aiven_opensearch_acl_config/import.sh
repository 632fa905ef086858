# Adopt a service's access control lists by PROJECT/SERVICE_NAME.
terraform import aiven_opensearch_acl_config.example my-project/my-opensearch
