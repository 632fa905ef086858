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

# An Aiven for Thanos (Metrics) service.
resource "aiven_thanos" "example" {
  project      = var.project
  service_name = "example-thanos"
  plan         = "startup-4"
  cloud_name   = "google-europe-west1"

  thanos_user_config {
    object_storage_usage_alert_threshold_gb = 100
  }

  tag {
    key   = "team"
    value = "data"
  }
}

# A fork: an independent copy restored from the service's backups.
resource "aiven_thanos" "fork" {
  project      = var.project
  service_name = "example-thanos-fork"
  plan         = "startup-4"

  thanos_user_config {
    service_to_fork_from = aiven_thanos.example.service_name
  }
}
