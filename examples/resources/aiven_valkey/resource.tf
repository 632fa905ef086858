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

# An Aiven for Valkey (Caching) service.
resource "aiven_valkey" "example" {
  project      = var.project
  service_name = "example-valkey"
  plan         = "startup-4"
  cloud_name   = "google-europe-west1"

  valkey_user_config {
    valkey_maxmemory_policy = "allkeys-lru"
  }

  tag {
    key   = "team"
    value = "data"
  }
}

# A fork: an independent copy restored from the service's backups.
resource "aiven_valkey" "fork" {
  project      = var.project
  service_name = "example-valkey-fork"
  plan         = "startup-4"

  valkey_user_config {
    service_to_fork_from = aiven_valkey.example.service_name
  }
}
