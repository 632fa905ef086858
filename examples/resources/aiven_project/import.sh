# Adopt an existing project by its name.
terraform import aiven_project.example my-project
