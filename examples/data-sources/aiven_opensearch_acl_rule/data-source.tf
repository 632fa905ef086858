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
  service_name = "read-rules-opensearch"
  plan         = "startup-4"
}

resource "aiven_opensearch_acl_rule" "example" {
  project      = aiven_opensearch.example.project
  service_name = aiven_opensearch.example.service_name
  username     = "reader-*"
  index        = "metrics_*"
  permission   = "read"
}

data "aiven_opensearch_acl_rule" "example" {
  project      = aiven_opensearch_acl_rule.example.project
  service_name = aiven_opensearch_acl_rule.example.service_name
  username     = aiven_opensearch_acl_rule.example.username
  index        = aiven_opensearch_acl_rule.example.index
}

output "permission" {
  value = data.aiven_opensearch_acl_rule.example.permission
}
