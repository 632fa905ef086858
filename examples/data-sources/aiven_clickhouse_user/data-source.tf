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
  service_name = "read-users-clickhouse"
  plan         = "startup-16"
}

# Every ClickHouse service has its own user, avnadmin.
data "aiven_clickhouse_user" "example" {
  project      = aiven_clickhouse.example.project
  service_name = aiven_clickhouse.example.service_name
  username     = "avnadmin"
}

output "uuid" {
  value = data.aiven_clickhouse_user.example.uuid
}
