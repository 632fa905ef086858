terraform {
  required_providers {
    aiven = {
      source = "aiven-rs/aiven"
    }
  }
}

# Endpoint and token come from AIVEN_WEB_URL and AIVEN_TOKEN.
provider "aiven" {}

variable "project" {
  type    = string
  default = "examples"
}

# An Aiven for PostgreSQL service.
resource "aiven_pg" "example" {
  project      = var.project
  service_name = "example-pg"
  plan         = "startup-4"
  cloud_name   = "google-europe-west1"

  pg_user_config {
    pg_version = "15"

    pg {
      max_connections = 100
    }
  }

  tag {
    key   = "team"
    value = "data"
  }
}

# A fork: an independent copy restored from the service's backups. Without
# fork_point it holds the latest backup, as the API makes it; here it holds
# everything committed before the apply.
resource "aiven_pg" "fork" {
  project      = var.project
  service_name = "example-pg-fork"
  plan         = "startup-4"
  fork_point   = "latest_transaction"

  pg_user_config {
    service_to_fork_from = aiven_pg.example.service_name
  }
}
