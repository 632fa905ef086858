# Adopt an existing VPC by PROJECT/PROJECT_VPC_ID.
terraform import aiven_project_vpc.example my-project/1a2b3c4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d
