# Adopt an existing service by PROJECT/SERVICE_NAME.
terraform import aiven_grafana.example my-project/my-grafana
