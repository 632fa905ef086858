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

resource "aiven_clickhouse" "example" {
  project      = var.project
  service_name = "users-clickhouse"
  plan         = "startup-16"
}

# Its password is generated and kept (sensitive) in state.
resource "aiven_clickhouse_user" "example" {
  project      = aiven_clickhouse.example.project
  service_name = aiven_clickhouse.example.service_name
  username     = "loader"
}
