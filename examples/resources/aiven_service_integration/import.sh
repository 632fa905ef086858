# Adopt an existing integration by PROJECT/INTEGRATION_ID (the API's ID,
# as `avn service integration-list` shows it).
terraform import aiven_service_integration.replica my-project/3d5ea6c1-2a67-4c38-9b2a-6bfa8d5e0c11
