# Adopt an existing service by PROJECT/SERVICE_NAME.
terraform import aiven_cassandra.example my-project/my-cassandra
