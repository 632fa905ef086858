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
  service_name = "acl-opensearch"
  plan         = "startup-4"
}

# Every user but the primary one now reaches only what its rules allow.
resource "aiven_opensearch_acl_config" "example" {
  project      = aiven_opensearch.example.project
  service_name = aiven_opensearch.example.service_name
  enabled      = true
}
