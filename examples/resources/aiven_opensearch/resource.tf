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

# An Aiven for OpenSearch service.
resource "aiven_opensearch" "example" {
  project      = var.project
  service_name = "example-opensearch"
  plan         = "startup-4"
  cloud_name   = "google-europe-west1"

  opensearch_user_config {
    opensearch_version = "2"
  }

  tag {
    key   = "team"
    value = "data"
  }
}

# SSO settings are not copied to an OpenSearch fork: the plan warns.
# A fork: an independent copy restored from the service's backups.
resource "aiven_opensearch" "fork" {
  project      = var.project
  service_name = "example-opensearch-fork"
  plan         = "startup-4"

  opensearch_user_config {
    service_to_fork_from = aiven_opensearch.example.service_name
  }
}
