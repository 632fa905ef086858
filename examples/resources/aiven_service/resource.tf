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

# Any service type, for settings the typed resources do not cover.
resource "aiven_service" "example" {
  project      = var.project
  service_name = "example-service"
  service_type = "grafana"
  plan         = "startup-4"

  user_config {
    extra_json = jsonencode({
      dashboards_versions_to_keep = 30
    })
  }
}

resource "aiven_service" "fork" {
  project      = var.project
  service_name = "example-service-fork"
  service_type = "grafana"
  plan         = "startup-4"

  user_config {
    service_to_fork_from = aiven_service.example.service_name
  }
}
