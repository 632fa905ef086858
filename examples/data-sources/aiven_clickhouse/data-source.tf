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
  service_name = "lookup-clickhouse"
  plan         = "business-8"
}

# Reads an existing ClickHouse service by project and name.
data "aiven_clickhouse" "example" {
  project      = var.project
  service_name = aiven_clickhouse.example.service_name
}

output "state" {
  value = data.aiven_clickhouse.example.state
}

output "host" {
  value = data.aiven_clickhouse.example.service_host
}
