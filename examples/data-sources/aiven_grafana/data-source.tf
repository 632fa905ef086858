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

resource "aiven_grafana" "example" {
  project      = var.project
  service_name = "lookup-grafana"
  plan         = "startup-4"
}

# Reads an existing Grafana service by project and name.
data "aiven_grafana" "example" {
  project      = var.project
  service_name = aiven_grafana.example.service_name
}

output "state" {
  value = data.aiven_grafana.example.state
}

output "host" {
  value = data.aiven_grafana.example.service_host
}
