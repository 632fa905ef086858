# Adopt an organization by its ID.
terraform import aiven_organization.example org1a23f456789
