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

resource "aiven_thanos" "example" {
  project      = var.project
  service_name = "lookup-thanos"
  plan         = "startup-4"
}

# Reads an existing Thanos (Metrics) service by project and name.
data "aiven_thanos" "example" {
  project      = var.project
  service_name = aiven_thanos.example.service_name
}

output "state" {
  value = data.aiven_thanos.example.state
}

output "host" {
  value = data.aiven_thanos.example.service_host
}
