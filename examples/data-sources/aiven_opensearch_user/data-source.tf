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
  service_name = "read-users-opensearch"
  plan         = "startup-4"
}

resource "aiven_opensearch_user" "example" {
  project      = aiven_opensearch.example.project
  service_name = aiven_opensearch.example.service_name
  username     = "reader"
}

data "aiven_opensearch_user" "example" {
  project      = aiven_opensearch_user.example.project
  service_name = aiven_opensearch_user.example.service_name
  username     = aiven_opensearch_user.example.username
}

output "type" {
  value = data.aiven_opensearch_user.example.type
}
