# Adopt an account by its ID.
terraform import aiven_account.example a1b2c3d4e5f6
