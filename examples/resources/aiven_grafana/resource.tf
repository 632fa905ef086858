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

# An Aiven for Grafana service. On aiven-local it keeps the lifecycle
# only, with no data: Grafana's server is AGPL-licensed and is neither
# shipped nor built, so no dashboards are served or copied by a fork (a
# lifecycle_only notification says so).
resource "aiven_grafana" "example" {
  project      = var.project
  service_name = "example-grafana"
  plan         = "startup-4"
  cloud_name   = "google-europe-west1"

  grafana_user_config {
    dashboards_versions_to_keep = 20
  }

  tag {
    key   = "team"
    value = "data"
  }
}

# A fork: an independent copy restored from the service's backups.
resource "aiven_grafana" "fork" {
  project      = var.project
  service_name = "example-grafana-fork"
  plan         = "startup-4"

  grafana_user_config {
    service_to_fork_from = aiven_grafana.example.service_name
  }
}
