# Adopt a rule by PROJECT/SERVICE_NAME/USERNAME/INDEX.
terraform import 'aiven_opensearch_acl_rule.analyst["logs_*"]' 'my-project/my-opensearch/analyst/logs_*'
