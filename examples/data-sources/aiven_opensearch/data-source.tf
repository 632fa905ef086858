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

resource "aiven_opensearch" "example" {
  project      = var.project
  service_name = "lookup-opensearch"
  plan         = "startup-4"
}

# Reads an existing OpenSearch service by project and name.
data "aiven_opensearch" "example" {
  project      = var.project
  service_name = aiven_opensearch.example.service_name
}

output "state" {
  value = data.aiven_opensearch.example.state
}

output "host" {
  value = data.aiven_opensearch.example.service_host
}
