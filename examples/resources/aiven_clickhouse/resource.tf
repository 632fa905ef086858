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

# An Aiven for ClickHouse service.
resource "aiven_clickhouse" "example" {
  project      = var.project
  service_name = "example-clickhouse"
  plan         = "business-8"
  cloud_name   = "google-europe-west1"

  clickhouse_user_config {
    ip_filter_string = ["10.0.0.0/8"]
  }

  tag {
    key   = "team"
    value = "data"
  }
}

# ClickHouse cannot be forked to a plan with fewer nodes than the source.
# A fork: an independent copy restored from the service's backups.
resource "aiven_clickhouse" "fork" {
  project      = var.project
  service_name = "example-clickhouse-fork"
  plan         = "business-8"

  clickhouse_user_config {
    service_to_fork_from = aiven_clickhouse.example.service_name
  }
}
